r"""Wrong algorithms: real optimizer factories, each one rule away from a correct one.

A claim is evidence only if a wrong implementation fails it. Every entry of
:data:`CATALOGUE` is a :class:`Mutant`: a factory with **the same signature** as its
``target`` (a factory of :mod:`convlab.optimizers`), differing in exactly one rule, with a
docstring naming the mistake it models. ``claim.check(size, rng, algorithm=m.factory)``
runs a claim's own scenario with it; :func:`applicable` lists the mutants of a claim's
algorithm and :mod:`convlab.power` builds the kill matrix (claims × mutants).

Examples
--------
>>> import numpy as np
>>> from convlab import mutants, optimizers, problems
>>> m = mutants.get("sam.unnormalized")
>>> m.target is optimizers.sam, m.factory.__name__
(True, 'sam_unnormalized')
>>> p = problems.quadratic([1.0, 4.0])
>>> x0 = np.array([[1.0, 1.0]])
>>> good, bad = optimizers.sam(0.1, 0.5), m.factory(0.1, 0.5)
>>> bool(np.allclose(good.step(good.init(x0), p.grad, 0).x,
...                  bad.step(bad.init(x0), p.grad, 0).x))
False
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import optimizers
from ._validation import check_scalar
from .optimizers.base import (
    GradFn,
    Hyper,
    HyperLike,
    Optimizer,
    check_weight_decay,
    check_x0,
    decay_hypers,
    row_norm,
)
from .optimizers.sam import SAMState, ascent_gradient, ascent_scale, perturbed_gradient
from .optimizers.sasam import AdaptiveState
from .optimizers.sgd import AMSGradState, _check_betas, amsgrad_update

_SWAP = {"same": "independent", "independent": "same", "full": "full"}


def sam_unnormalized(lr: HyperLike, rho: HyperLike, normalized: bool = True,
                     ascent: str = "same", eps: float = 0.0, momentum: float = 0.0,
                     weight_decay: HyperLike = 0.0) -> Optimizer:
    """SAM whose ascent is not normalized: :math:`x + \\rho g` instead of
    :math:`x + \\rho g/\\|g\\|` at the same ρ (USAM run where SAM was meant)."""
    return optimizers.sam(lr, rho, normalized=False, ascent=ascent, eps=eps,
                          momentum=momentum, weight_decay=weight_decay)


def sam_rho0(lr: HyperLike, rho: HyperLike, normalized: bool = True, ascent: str = "same",
             eps: float = 0.0, momentum: float = 0.0, weight_decay: HyperLike = 0.0
             ) -> Optimizer:
    """SAM with the perturbation dropped (ρ = 0): plain (stochastic) gradient descent."""
    return optimizers.sam(lr, 0.0, normalized=normalized, ascent=ascent, eps=eps,
                          momentum=momentum, weight_decay=weight_decay)


def sam_ascent_swapped(lr: HyperLike, rho: HyperLike, normalized: bool = True,
                       ascent: str = "same", eps: float = 0.0, momentum: float = 0.0,
                       weight_decay: HyperLike = 0.0) -> Optimizer:
    """SAM whose ascent takes the other sample: m-SAM (same sample) ↔ n-SAM (independent)."""
    return optimizers.sam(lr, rho, normalized=normalized, ascent=_SWAP[ascent], eps=eps,
                          momentum=momentum, weight_decay=weight_decay)


def _descent_perturbed(lr: HyperLike, rho: HyperLike, normalized: bool, ascent: str,
                       eps: float, momentum: float, name: str, weight_decay: HyperLike = 0.0
                       ) -> Optimizer:
    r"""SAM / USAM whose perturbation goes *down* the gradient: :math:`x - \rho\hat g`."""
    good = optimizers.sam(lr, rho, normalized=normalized, ascent=ascent, eps=eps,
                          momentum=momentum, weight_decay=weight_decay)   # validates all
    lr_h, rho_h = Hyper("lr", lr), Hyper("rho", rho)
    beta, lam = float(momentum), check_weight_decay(weight_decay)

    def step(state: SAMState, grad_fn: GradFn, t: int) -> SAMState:
        x = state.x
        g = ascent_gradient(x, grad_fn, ascent)
        gp = perturbed_gradient(x, g, grad_fn, -np.asarray(rho_h(t)), normalized, eps)
        if lam is not None:
            gp = gp + 2.0 * lam(t) * x
        buf = state.buf * beta + gp if beta else None
        return SAMState(x - lr_h(t) * (buf if beta else gp), buf)

    return Optimizer(good.init, step, name, 2, dict(good.hyper))


def sam_ascent_sign(lr: HyperLike, rho: HyperLike, normalized: bool = True,
                    ascent: str = "same", eps: float = 0.0, momentum: float = 0.0,
                    weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""SAM with the sign of the ascent flipped: the gradient is taken at
    :math:`x - \rho g/\|g\|` (a descent step) instead of :math:`x + \rho g/\|g\|`."""
    return _descent_perturbed(lr, rho, normalized, ascent, eps, momentum, "sam_ascent_sign",
                              weight_decay)


def usam_ascent_sign(lr: HyperLike, rho: HyperLike, ascent: str = "same",
                     momentum: float = 0.0, weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""USAM with the sign of the ascent flipped: the gradient at :math:`x - \rho g`."""
    return _descent_perturbed(lr, rho, False, ascent, 0.0, momentum, "usam_ascent_sign",
                              weight_decay)


def sam_decay_in_ascent(lr: HyperLike, rho: HyperLike, normalized: bool = True,
                        ascent: str = "same", eps: float = 0.0, momentum: float = 0.0,
                        weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""SAM with the weight decay inside the perturbation: SAM run on the decayed loss
    :math:`F = L + \lambda\|w\|^2`, ascent along :math:`h = g + 2\lambda x` and descent
    :math:`\nabla F(y) = g(y) + 2\lambda y` at :math:`y = x + \rho h/\|h\|`, instead of
    the ascent along :math:`g` and the decay :math:`2\lambda x` at :math:`x` (the objective
    :math:`\min L^{SAM}(w) + \lambda\|w\|^2`). Identical to SAM at ``weight_decay=0``."""
    good = optimizers.sam(lr, rho, normalized=normalized, ascent=ascent, eps=eps,
                          momentum=momentum, weight_decay=weight_decay)   # validates all
    lr_h, rho_h = Hyper("lr", lr), Hyper("rho", rho)
    beta, lam = float(momentum), check_weight_decay(weight_decay)

    def step(state: SAMState, grad_fn: GradFn, t: int) -> SAMState:
        x = state.x
        lt = 0.0 if lam is None else lam(t)
        h = ascent_gradient(x, grad_fn, ascent) + 2.0 * lt * x
        r = rho_h(t)
        y = x + h * (ascent_scale(h, r, eps) if normalized else r)
        gp = grad_fn(y) + 2.0 * lt * y
        buf = state.buf * beta + gp if beta else None
        return SAMState(x - lr_h(t) * (buf if beta else gp), buf)

    return Optimizer(good.init, step, "sam_decay_in_ascent", 2, dict(good.hyper))


def sgd_lr_frozen(lr: HyperLike, momentum: float = 0.0, weight_decay: HyperLike = 0.0
                  ) -> Optimizer:
    r"""SGD whose step-size schedule is never advanced: :math:`\eta_0` at every step
    instead of :math:`\eta_t` (the scheduler's ``step()`` forgotten)."""
    first = (lambda t, lr=lr: lr(0)) if callable(lr) else lr
    return optimizers.sgd(first, momentum=momentum, weight_decay=weight_decay)


def usam_rho0(lr: HyperLike, rho: HyperLike, ascent: str = "same", momentum: float = 0.0,
              weight_decay: HyperLike = 0.0) -> Optimizer:
    """USAM with the perturbation dropped (ρ = 0): plain gradient descent."""
    return optimizers.usam(lr, 0.0, ascent=ascent, momentum=momentum,
                           weight_decay=weight_decay)


def usam_normalized(lr: HyperLike, rho: HyperLike, ascent: str = "same",
                    momentum: float = 0.0, weight_decay: HyperLike = 0.0) -> Optimizer:
    """USAM with a normalized ascent (SAM run where USAM was meant)."""
    return optimizers.sam(lr, rho, normalized=True, ascent=ascent, momentum=momentum,
                          weight_decay=weight_decay)


def gsam_alpha0(lr: HyperLike, rho: HyperLike, alpha: HyperLike, *,
                rho_min: float | None = None, ascent: str = "same", eps: float = 0.0,
                weight_decay: HyperLike = 0.0) -> Optimizer:
    """GSAM without its correction (α = 0): the orthogonal ascent term is dropped (SAM)."""
    return optimizers.gsam(lr, rho, 0.0, rho_min=rho_min, ascent=ascent, eps=eps,
                           weight_decay=weight_decay)


def gsam_alpha_sign(lr: HyperLike, rho: HyperLike, alpha: HyperLike, *,
                    rho_min: float | None = None, ascent: str = "same", eps: float = 0.0,
                    weight_decay: HyperLike = 0.0) -> Optimizer:
    """GSAM with the sign of the correction flipped: it adds α g_⊥ instead of subtracting it
    (so it climbs the surrogate gap)."""
    neg = (lambda t: -np.asarray(alpha(t))) if callable(alpha) else -np.asarray(alpha)
    return optimizers.gsam(lr, rho, neg, rho_min=rho_min, ascent=ascent, eps=eps,
                           weight_decay=weight_decay)


def gsam_rho0(lr: HyperLike, rho: HyperLike, alpha: HyperLike, *,
              rho_min: float | None = None, ascent: str = "same", eps: float = 0.0,
              weight_decay: HyperLike = 0.0) -> Optimizer:
    """GSAM with ρ = 0 (no sharpness step at all): plain gradient descent."""
    return optimizers.gsam(lr, 0.0, alpha, rho_min=None, ascent=ascent, eps=eps,
                           weight_decay=weight_decay)


def _no_max(state: AMSGradState, g: np.ndarray, lr: Any, b1: float, b2: float,
            eps: float) -> tuple:
    """The AMSGrad update with :math:`\\hat v_t = \\max(\\epsilon^2, v_t)` (no running max)."""
    reset = state._replace(v_hat=np.full_like(state.v_hat, eps * eps))
    return amsgrad_update(reset, g, lr, b1, b2)


def amsgrad_no_max(lr: HyperLike, beta1: float = 0.9, beta2: float = 0.999, eps: float = 0.0,
                   weight_decay: HyperLike = 0.0) -> Optimizer:
    """AMSGrad without the running max: :math:`\\hat v_t = \\max(\\epsilon^2, v_t)` instead
    of :math:`\\max(\\hat v_{t-1}, v_t)` (Adam without bias correction)."""
    lr_h, (b1, b2), e = Hyper("lr", lr), _check_betas(beta1, beta2), check_scalar("eps", eps)
    lam = check_weight_decay(weight_decay)

    def init(x0: Any) -> AMSGradState:
        x = check_x0(x0, (lr_h, *decay_hypers(lam)))
        return AMSGradState(x, np.zeros_like(x), np.zeros_like(x), np.full_like(x, e * e))

    def step(state: AMSGradState, grad_fn: GradFn, t: int) -> AMSGradState:
        g = grad_fn(state.x)
        gd = g if lam is None else g + 2.0 * lam(t) * state.x
        return AMSGradState(*_no_max(state, gd, lr_h(t), b1, b2, e))

    return Optimizer(init, step, "amsgrad_no_max", 1, {"lr": lr, "beta1": b1, "beta2": b2,
                                                       "eps": e})


def adasam_no_max(lr: HyperLike, rho: HyperLike, beta1: float = 0.9, beta2: float = 0.999,
                  eps: float = 1e-8, ascent: str = "same", weight_decay: HyperLike = 0.0
                  ) -> Optimizer:
    """AdaSAM without AMSGrad's running max (:math:`\\hat v_t = \\max(\\epsilon^2, v_t)`)."""
    lr_h, rho_h = Hyper("lr", lr), Hyper("rho", rho)
    (b1, b2), e = _check_betas(beta1, beta2), check_scalar("eps", eps)
    lam = check_weight_decay(weight_decay)

    def init(x0: Any) -> AMSGradState:
        x = check_x0(x0, (lr_h, rho_h, *decay_hypers(lam)))
        return AMSGradState(x, np.zeros_like(x), np.zeros_like(x), np.full_like(x, e * e))

    def step(state: AMSGradState, grad_fn: GradFn, t: int) -> AMSGradState:
        s = ascent_gradient(state.x, grad_fn, ascent)
        g = perturbed_gradient(state.x, s, grad_fn, rho_h(t), True, 0.0)
        if lam is not None:
            g = g + 2.0 * lam(t) * state.x
        return AMSGradState(*_no_max(state, g, lr_h(t), b1, b2, e))

    return Optimizer(init, step, "adasam_no_max", 2, {"lr": lr, "rho": rho, "beta1": b1,
                                                      "beta2": b2, "eps": e})


def adasam_rho0(lr: HyperLike, rho: HyperLike, beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-8, ascent: str = "same", weight_decay: HyperLike = 0.0
                ) -> Optimizer:
    """AdaSAM with ρ = 0: AMSGrad with momentum, no sharpness step."""
    return optimizers.adasam(lr, 0.0, beta1=beta1, beta2=beta2, eps=eps, ascent=ascent,
                             weight_decay=weight_decay)


def adasam_ascent_swapped(lr: HyperLike, rho: HyperLike, beta1: float = 0.9,
                          beta2: float = 0.999, eps: float = 1e-8, ascent: str = "same",
                          weight_decay: HyperLike = 0.0) -> Optimizer:
    """AdaSAM whose ascent takes the other sample (same ↔ independent)."""
    return optimizers.adasam(lr, rho, beta1=beta1, beta2=beta2, eps=eps, ascent=_SWAP[ascent],
                             weight_decay=weight_decay)


def _adaptive_mutant(eta0: HyperLike, name: str, rho_of_eta: Callable[[Any, Any], Any] | None,
                     half: float = 2.0, weight_decay: HyperLike = 0.0) -> Optimizer:
    """AdGD / SA-SAM with a replaced rule: ``rho_of_eta(eta, eta0)`` gives ρ_t (None: AdGD),
    ``half`` the constant in :math:`\\|\\Delta x\\|/(\\text{half}\\,\\|\\Delta g\\|)`."""
    eta_h = Hyper("eta0", eta0, strict=True)
    lam = check_weight_decay(weight_decay)

    def init(x0: Any) -> AdaptiveState:
        x = check_x0(x0, (eta_h, *decay_hypers(lam)))
        eta = np.broadcast_to(np.asarray(eta_h(0), dtype=float), (x.shape[0], 1)).copy()
        return AdaptiveState(x, x.copy(), np.zeros_like(x), eta, np.full_like(eta, np.inf), 0)

    def step(s: AdaptiveState, grad_fn: GradFn, t: int) -> AdaptiveState:
        x, g = s.x, grad_fn(s.x)
        eta, theta = s.eta, s.theta
        if s.k:
            g_old = s.g_prev if grad_fn.is_exact else grad_fn(s.x_prev)
            dx = row_norm(x - s.x_prev)
            dg = row_norm(g - g_old if lam is None else g - g_old + 2.0 * lam(t) * (x - s.x_prev))
            ratio = np.divide(dx, half * dg, out=np.full_like(dx, np.inf), where=dg > 0)
            new = np.minimum(ratio, np.sqrt(1.0 + s.theta) * s.eta)
            keep = ~np.isfinite(new) | ((dx == 0) & (dg == 0))
            eta = np.where(keep, s.eta, new)
            theta = eta / s.eta
        d = g if rho_of_eta is None else perturbed_gradient(
            x, g, grad_fn, rho_of_eta(eta, eta_h(0)), True, 0.0)
        if lam is not None:
            d = d + 2.0 * lam(t) * x
        return AdaptiveState(x - eta * d, x, g, eta, theta, s.k + 1)

    return Optimizer(init, step, name, 1 if rho_of_eta is None else 2, {"eta0": eta0})


def sasam_fixed_rho(eta0: HyperLike = 1e-3, rho_scale: float = 1.0, weight_decay: HyperLike = 0.0
                    ) -> Optimizer:
    """SA-SAM with ρ frozen at its start :math:`c\\sqrt{\\eta_0}` instead of
    :math:`\\rho_t = c\\sqrt{\\eta_t}` (the schedule coupling forgotten)."""
    c = check_scalar("rho_scale", rho_scale)
    return _adaptive_mutant(eta0, "sasam_fixed_rho",
                            lambda eta, e0: c * np.sqrt(np.broadcast_to(e0, eta.shape)),
                            weight_decay=weight_decay)


def sasam_rho0(eta0: HyperLike = 1e-3, rho_scale: float = 1.0, weight_decay: HyperLike = 0.0
               ) -> Optimizer:
    """SA-SAM with ρ = 0: AdGD (SA-SGD), no sharpness step."""
    check_scalar("rho_scale", rho_scale)
    return optimizers.adgd(eta0, weight_decay=weight_decay)


def adgd_missing_half(eta0: HyperLike = 1e-6, weight_decay: HyperLike = 0.0) -> Optimizer:
    """AdGD with the 1/2 dropped from the local-smoothness bound, i.e.
    :math:`\\|\\Delta x\\|/\\|\\Delta g\\|` instead of
    :math:`\\|\\Delta x\\|/(2\\|\\Delta g\\|)`."""
    return _adaptive_mutant(eta0, "adgd_missing_half", None, half=1.0,
                            weight_decay=weight_decay)


def sasam_missing_half(eta0: HyperLike = 1e-3, rho_scale: float = 1.0,
                       weight_decay: HyperLike = 0.0) -> Optimizer:
    """SA-SAM with the 1/2 dropped from its step rule (as :func:`adgd_missing_half`)."""
    c = check_scalar("rho_scale", rho_scale)
    return _adaptive_mutant(eta0, "sasam_missing_half", lambda eta, e0: c * np.sqrt(eta),
                            half=1.0, weight_decay=weight_decay)


@dataclass(frozen=True)
class Mutant:
    """A catalogue entry: ``name``, the correct ``target`` factory, the wrong ``factory``."""

    name: str
    target: Callable[..., Optimizer]
    factory: Callable[..., Optimizer]

    @property
    def mistake(self) -> str:
        """The mistake it models (the factory's docstring, first sentence)."""
        return " ".join((self.factory.__doc__ or "").split())


_O = optimizers
CATALOGUE: dict[str, Mutant] = {m.name: m for m in (
    Mutant("sam.unnormalized", _O.sam, sam_unnormalized),
    Mutant("sam.rho0", _O.sam, sam_rho0),
    Mutant("sam.ascent_swapped", _O.sam, sam_ascent_swapped),
    Mutant("sam.ascent_sign", _O.sam, sam_ascent_sign),
    Mutant("sam.decay_in_ascent", _O.sam, sam_decay_in_ascent),
    Mutant("usam.rho0", _O.usam, usam_rho0),
    Mutant("usam.normalized", _O.usam, usam_normalized),
    Mutant("usam.ascent_sign", _O.usam, usam_ascent_sign),
    Mutant("sgd.lr_frozen", _O.sgd, sgd_lr_frozen),
    Mutant("gsam.alpha0", _O.gsam, gsam_alpha0),
    Mutant("gsam.alpha_sign", _O.gsam, gsam_alpha_sign),
    Mutant("gsam.rho0", _O.gsam, gsam_rho0),
    Mutant("adasam.no_max", _O.adasam, adasam_no_max),
    Mutant("adasam.rho0", _O.adasam, adasam_rho0),
    Mutant("adasam.ascent_swapped", _O.adasam, adasam_ascent_swapped),
    Mutant("amsgrad.no_max", _O.amsgrad, amsgrad_no_max),
    Mutant("sasam.fixed_rho", _O.sasam, sasam_fixed_rho),
    Mutant("sasam.rho0", _O.sasam, sasam_rho0),
    Mutant("sasam.missing_half", _O.sasam, sasam_missing_half),
    Mutant("adgd.missing_half", _O.adgd, adgd_missing_half),
)}


def get(name: str) -> Mutant:
    """The catalogue entry ``name`` (ValueError listing the known names otherwise)."""
    if name not in CATALOGUE:
        raise ValueError(f"unknown mutant {name!r}; known: {', '.join(CATALOGUE)}")
    return CATALOGUE[name]


def applicable(algorithm: Callable[..., Optimizer]) -> list[Mutant]:
    """The mutants whose target is ``algorithm`` (the factory a claim tests)."""
    return [m for m in CATALOGUE.values() if m.target is algorithm]


__all__ = ["CATALOGUE", "Mutant", "applicable", "get", *[m.factory.__name__ for m in
                                                         CATALOGUE.values()]]
