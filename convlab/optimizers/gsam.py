"""GSAM: surrogate-gap guided SAM (Zhuang et al., 2022)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._validation import check_choice, check_scalar
from ..problems.base import Array
from ..schedules import as_schedule, tied
from .base import (
    _NORM_TINY,
    GradFn,
    Hyper,
    HyperLike,
    Optimizer,
    add_decay,
    check_weight_decay,
    check_x0,
    decay_hypers,
    with_decay,
)
from .sam import ASCENTS, ascent_gradient, perturbed_gradient


class GSAMState(NamedTuple):
    """GSAM state: only the iterate."""

    x: Array


def _rescale_projection(g: Array, gp: Array, coef: Array, nn: Array) -> None:
    r"""Recompute, in place, :math:`\langle g,g_p\rangle` and :math:`\|g_p\|^2` of the
    rows where :math:`\|g_p\|^2` under- or overflowed (or the dot product overflowed),
    from the rows divided by :math:`m = \max(\|g\|_\infty, \|g_p\|_\infty)`. Their
    ratio, the only thing used, is invariant to that scaling; other rows are untouched.
    """
    tiny = _NORM_TINY * _NORM_TINY                  # squared-norm threshold of row_norms
    if nn.size == 0 or (nn.min() >= tiny and nn.max() < np.inf
                        and np.isfinite(coef).all()):
        return
    rows = np.flatnonzero(~(nn[:, 0] >= tiny) | ~np.isfinite(nn[:, 0])
                          | ~np.isfinite(coef[:, 0]))
    m = np.maximum(np.max(np.abs(g[rows]), axis=1), np.max(np.abs(gp[rows]), axis=1))
    ok = np.isfinite(m) & (m > 0.0)
    rows, m = rows[ok], m[ok, None]
    if rows.size:
        a, b = g[rows] / m, gp[rows] / m
        coef[rows, 0] = np.einsum("rd,rd->r", a, b)
        nn[rows, 0] = np.einsum("rd,rd->r", b, b)


def gsam_direction(g: Array, gp: Array, alpha: Any) -> Array:
    r"""The GSAM descent direction :math:`g_p - \alpha g_\perp` (exact projection).

    :math:`g_\perp = g - \frac{\langle g, g_p\rangle}{\|g_p\|^2} g_p` is the part of the
    clean gradient orthogonal to the perturbed one; when :math:`g_p = 0`,
    :math:`g_\perp = g` (THEORY.md §2.3 edge cases).
    """
    coef = np.einsum("rd,rd->r", g, gp)[:, None]
    nn = np.einsum("rd,rd->r", gp, gp)[:, None]
    _rescale_projection(g, gp, coef, nn)
    pos = nn > 0.0
    np.divide(coef, nn, out=coef, where=pos)
    if not pos.all():
        coef[~pos] = 0.0
    d = np.multiply(coef, gp)               # gp - alpha * (g - coef * gp), on one temporary
    np.subtract(g, d, out=d)
    d *= alpha
    return np.subtract(gp, d, out=d)


def gsam(lr: HyperLike, rho: HyperLike, alpha: HyperLike, *, rho_min: float | None = None,
         ascent: str = "same", eps: float = 0.0, weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""Surrogate-gap guided SAM (Zhuang et al., 2022, Algorithm 1; paper_notes.md "GSAM").

    .. math::
        g = g(x_t;\xi_t),\quad g_p = g\Big(x_t + \rho_t\frac{g}{\|g\|};\xi_t\Big),\quad
        g_\perp = g - \frac{\langle g,g_p\rangle}{\|g_p\|^2}g_p,\quad
        x_{t+1} = x_t - \eta_t\,(g_p - \alpha_t g_\perp).

    Parameters
    ----------
    lr : HyperLike
        Step size :math:`\eta_t`: a float, a schedule or a ``(runs,)`` array.
    rho : HyperLike
        Radius :math:`\rho_t`. With ``rho_min`` given, ``rho`` (a float) is
        :math:`\rho_{\max}` and :math:`\rho_t` is tied to the learning-rate schedule,
        :math:`\rho_t = \rho_{\min} + (\rho_{\max}-\rho_{\min})(\eta_t-\eta_{\min})/
        (\eta_{\max}-\eta_{\min})` (Algorithm 1, line 0), using the bounds of ``lr``.
    alpha : HyperLike
        Weight of the ascent on the surrogate gap; ``alpha=0`` with constant ``rho`` is SAM.
    ascent, eps :
        As in :func:`convlab.optimizers.sam`. The decomposition is the exact projection,
        with :math:`g_\perp = g` when :math:`g_p = 0` (then the step ascends along
        :math:`-\alpha g`, THEORY.md §2.3); PyTorch GSAM puts ``1e-12`` in the cosine,
        which differs by a relative 1e-12/‖g‖.
    weight_decay : float, (runs,) array or schedule
        :math:`\lambda \ge 0`: :math:`x_{t+1} = x_t - \eta_t(g_p - \alpha_t g_\perp +
        2\lambda x_t)`; the ascent and the decomposition use the loss gradients only (as
        the reference code, whose base optimizer adds the decay to the GSAM gradient).

    Returns
    -------
    Optimizer
        ``name="gsam"``, two gradients per step (three with ``ascent != "same"``); its
        state is a :class:`GSAMState`.

    Notes
    -----
    The ρ/lr coupling here evaluates both at the same ``t``; the reference
    ``ProportionScheduler`` steps once in its constructor, which shifts ρ by one step
    (PEERS.md §1.4). convlab follows the paper.

    Examples
    --------
    With ``alpha=0`` and a constant radius GSAM takes SAM's step; ``alpha > 0`` adds the
    ascent on the surrogate gap:

    >>> import numpy as np
    >>> from convlab import optimizers, problems, schedules
    >>> p = problems.quadratic([1.0, 4.0])
    >>> x0 = np.array([[1.0, 1.0]])
    >>> def one_step(opt):
    ...     return opt.step(opt.init(x0), p.grad, 0).x.round(6).tolist()
    >>> one_step(optimizers.gsam(0.1, 0.05, alpha=0.0)) == one_step(optimizers.sam(0.1, 0.05))
    True
    >>> one_step(optimizers.gsam(0.1, 0.05, alpha=0.5))
    [[0.900427, 0.580202]]

    The radius tied to a cosine learning rate (Algorithm 1): :math:`\rho_t` goes from
    ``rho`` to ``rho_min`` as the learning rate decays:

    >>> opt = optimizers.gsam(schedules.cosine(0.1, 0.0, horizon=100), 0.05, 0.1, rho_min=0.01)
    >>> [round(opt.hyper["rho"](t), 6) for t in (0, 50, 100)]
    [0.05, 0.03, 0.01]
    """
    lr_h = Hyper("lr", lr)
    if rho_min is not None:
        if np.ndim(rho) != 0 or callable(rho):
            raise ValueError("with rho_min, rho must be the float rho_max")
        rho = tied(as_schedule(lr, "lr"), float(rho), rho_min)
    rho_h, alpha_h = Hyper("rho", rho), Hyper("alpha", alpha, low=None)
    ascent = check_choice("ascent", ascent, ASCENTS)
    e = check_scalar("eps", eps)
    lam = check_weight_decay(weight_decay)

    def init(x0: Array) -> GSAMState:
        return GSAMState(check_x0(x0, (lr_h, rho_h, alpha_h, *decay_hypers(lam))))

    def step(state: GSAMState, grad_fn: GradFn, t: int) -> GSAMState:
        x = state.x
        g = ascent_gradient(x, grad_fn, ascent)
        gp = perturbed_gradient(x, g, grad_fn, rho_h(t), True, e)
        if ascent != "same":
            g = grad_fn(x)          # the decomposition uses the step's own clean gradient
        d = gsam_direction(g, gp, alpha_h(t))
        if lam is not None:
            add_decay(d, x, lam(t))
        d *= lr_h(t)
        return GSAMState(np.subtract(x, d, out=d))

    return Optimizer(init, step, "gsam", 2 if ascent == "same" else 3,
                     with_decay({"lr": lr, "rho": rho, "alpha": alpha, "ascent": ascent,
                                 "eps": e}, lam))
