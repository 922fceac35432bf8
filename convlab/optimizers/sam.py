"""SAM (normalized ascent) and USAM (unnormalized ascent)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._validation import check_choice, check_scalar
from ..problems.base import Array
from .base import (
    GradFn,
    Hyper,
    HyperLike,
    Optimizer,
    add_decay,
    check_weight_decay,
    check_x0,
    decay_hypers,
    row_norms,
    with_decay,
)

ASCENTS = ("same", "independent", "full")


def ascent_gradient(x: Array, grad_fn: Any, ascent: str) -> Array:
    """The gradient that sets the ascent direction (THEORY.md §2.1, ``ascent_sample``).

    ``"same"``: the step's own sample (Foret et al. Alg. 1, m-SAM); ``"independent"``: an
    independent sample of the same size (n-SAM as recalled for Si & Yun);
    ``"full"``: the exact gradient (n-SAM of Andriushchenko & Flammarion).
    """
    if ascent == "same":
        return grad_fn(x)
    if ascent == "independent":
        return grad_fn.fresh()(x)
    return grad_fn.exact(x)


def ascent_scale(g: Array, rho: Any, eps: float) -> Array:
    r"""The per-run factor :math:`\rho/\|g\|` (``eps > 0``: :math:`\rho/(\|g\|+\epsilon)`) as a
    fresh ``(runs, 1)`` column, 0 where :math:`\|g\|` is 0 or NaN (THEORY.md §1 guard).

    The norms come from :func:`~convlab.optimizers.base.row_norms` (exact for tiny and
    huge gradients); the rest of the work is on the column, in place. Where
    :math:`g = 0` the factor is 0 in both branches, so that ``g * factor`` is 0 even when
    :math:`\rho/\epsilon` overflows (no ``0 * inf``).
    """
    s = row_norms(g)[:, None]
    pos = s > 0.0
    if eps > 0.0:
        s += eps
        np.divide(rho, s, out=s)
    else:
        np.divide(rho, s, out=s, where=pos)       # where not pos, s keeps its 0 (or NaN)
    if not pos.all():
        s[~pos] = 0.0
    return s


def perturbed_gradient(x: Array, g: Array, grad_fn: GradFn, rho: Any, normalized: bool,
                       eps: float) -> Array:
    r""":math:`g(x + \rho\,\hat g;\xi)` with :math:`\hat g = g/\|g\|` (or :math:`g` for USAM).

    One full-size temporary, the ascent point: ``g * (rho/||g||)`` is written to a fresh
    array and ``x`` added in place. ``g`` itself is never modified (the caller, e.g.
    ``run``'s running metrics, may hold it).
    """
    y = np.multiply(g, ascent_scale(g, rho, eps) if normalized else rho)
    y += x
    return grad_fn(y)


class SAMState(NamedTuple):
    """SAM state; ``buf`` is the heavy-ball buffer of the base SGD (``None`` without)."""

    x: Array
    buf: Array | None = None


def sam(lr: HyperLike, rho: HyperLike, normalized: bool = True, ascent: str = "same",
        eps: float = 0.0, momentum: float = 0.0, weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""Sharpness-aware minimization (Foret et al., 2021; paper_notes.md "SAM").

    .. math::
        y_t = x_t + \rho_t \frac{g(x_t;\xi'_t)}{\|g(x_t;\xi'_t)\|},\qquad
        x_{t+1} = x_t - \eta_t\, g(y_t;\xi_t),

    per run; deterministic SAM (Si & Yun 2023, eq. (1)) is this optimizer with the exact
    oracle, stochastic SAM the same code with a stochastic oracle.

    Parameters
    ----------
    lr, rho : HyperLike
        Step size :math:`\eta_t \ge 0` and radius :math:`\rho_t \ge 0`: each a float, a
        schedule or a ``(runs,)`` array.
    normalized : bool
        ``False`` gives USAM, :math:`y_t = x_t + \rho_t g(x_t)` (Andriushchenko &
        Flammarion, 2022).
    ascent : {"same", "independent", "full"}
        Which sample :math:`\xi'_t` sets the ascent: the descent sample (m-SAM, the
        default, as in Foret et al. Alg. 1), an independent one (n-SAM), or the exact
        gradient (THEORY.md §2.1).
    eps : float
        ``0`` (default): exact normalization, and a zero ascent gradient gives a zero
        perturbation (the step is then a plain gradient step). ``eps > 0``:
        :math:`\rho g/(\|g\|+\epsilon)`, as PyTorch implementations (``1e-12``) do.
    momentum : float
        Heavy-ball momentum of the base SGD applied to the SAM gradient (Foret et al. use
        SGD with momentum); 0 by default, as in the theory papers.
    weight_decay : float, (runs,) array or schedule
        :math:`\lambda \ge 0` for the objective :math:`\min_x L^{SAM}(x) + \lambda\|x\|^2`:
        the decay gradient enters the descent step at :math:`x_t`, not the perturbation,

        .. math::
            y_t = x_t + \rho_t\frac{g(x_t;\xi'_t)}{\|g(x_t;\xi'_t)\|},\qquad
            x_{t+1} = x_t - \eta_t\big(g(y_t;\xi_t) + 2\lambda x_t\big)

        (the ascent direction is the loss gradient alone; with momentum the buffer
        accumulates :math:`g(y_t) + 2\lambda x_t`). 0 (default): no change.

    Returns
    -------
    Optimizer
        ``name="sam"`` (``"usam"`` when not normalized), two gradients per step; its
        state is a :class:`SAMState`.

    Examples
    --------
    One step by hand on :math:`f = (x_1^2 + 4x_2^2)/2` from :math:`x = (1, 1)`: the ascent
    point is :math:`x + 0.05\,g/\|g\|` with :math:`g = (1, 4)`:

    >>> import numpy as np
    >>> from convlab import optimizers, oracles, problems, run
    >>> p = problems.quadratic([1.0, 4.0])
    >>> opt = optimizers.sam(lr=0.1, rho=0.05)
    >>> opt.name, opt.grads_per_step
    ('sam', 2)
    >>> state = opt.step(opt.init(np.array([[1.0, 1.0]])), p.grad, 0)
    >>> state.x.round(6).tolist()
    [[0.898787, 0.580597]]

    A sweep over the radius in one call: with ``rho=0`` (gradient descent) the iterate
    goes to the minimiser, with ``rho=0.05`` it ends in the 2-cycle
    :math:`x_2 = \pm\eta\lambda\rho/(2-\eta\lambda) = \pm 0.0125` along the top
    eigenvector (:math:`\lambda = 4`):

    >>> trace = run(p, optimizers.sam(0.1, [0.0, 0.05]), [1.0, 1.0], 200, runs=2)
    >>> np.abs(trace.x).round(6).tolist()
    [[0.0, 0.0], [0.0, 0.0125]]

    Stochastic SAM with an independent ascent sample (n-SAM):
    >>> noisy = oracles.gaussian(p, sigma=0.1)
    >>> opt = optimizers.sam(0.1, 0.05, ascent="independent")
    >>> trace = run(p, opt, [1.0, 1.0], 50, oracle=noisy, rng=0, runs=3)
    >>> opt.grads_per_step, trace.final("f_gap").shape, bool(trace.diverged.any())
    (2, (3,), False)
    """
    lr_h, rho_h = Hyper("lr", lr), Hyper("rho", rho)
    ascent = check_choice("ascent", ascent, ASCENTS)
    e = check_scalar("eps", eps)
    beta = check_scalar("momentum", momentum, high=1.0)
    if beta >= 1.0:
        raise ValueError(f"momentum must be < 1, got {momentum!r}")
    normalized = bool(normalized)
    lam = check_weight_decay(weight_decay)

    def init(x0: Array) -> SAMState:
        x = check_x0(x0, (lr_h, rho_h, *decay_hypers(lam)))
        return SAMState(x, np.zeros_like(x) if beta else None)

    def step(state: SAMState, grad_fn: GradFn, t: int) -> SAMState:
        x = state.x
        g = ascent_gradient(x, grad_fn, ascent)
        gp = perturbed_gradient(x, g, grad_fn, rho_h(t), normalized, e)
        if lam is not None:
            add_decay(gp, x, lam(t))                    # decay at x, outside the ascent
        if beta:
            buf = np.multiply(state.buf, beta)          # beta * buf + gp, state.buf untouched
            buf += gp
            np.multiply(buf, lr_h(t), out=gp)           # gp is fresh: it becomes the new x
        else:
            gp *= lr_h(t)
        return SAMState(np.subtract(x, gp, out=gp), buf if beta else None)

    name = "sam" if normalized else "usam"
    return Optimizer(init, step, name, 2,
                     with_decay({"lr": lr, "rho": rho, "normalized": normalized,
                                 "ascent": ascent, "eps": e, "momentum": beta}, lam))


def usam(lr: HyperLike, rho: HyperLike, ascent: str = "same", momentum: float = 0.0,
         weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""Unnormalized SAM (Andriushchenko & Flammarion, 2022): ``sam(..., normalized=False)``.

    .. math::
        x_{t+1} = x_t - \eta_t\, g\big(x_t + \rho_t\, g(x_t;\xi'_t);\ \xi_t\big).

    Here :math:`\rho` has units of parameter per gradient, not comparable to SAM's.

    Parameters
    ----------
    lr, rho : HyperLike
        Step size :math:`\eta_t \ge 0` and radius :math:`\rho_t \ge 0`: each a float, a
        schedule or a ``(runs,)`` array.
    ascent, momentum, weight_decay :
        As in :func:`sam` (the decay :math:`2\lambda x_t` enters the descent step only).

    Returns
    -------
    Optimizer
        ``name="usam"``, two gradients per step; its state is a :class:`SAMState`.

    Examples
    --------
    From :math:`x = (1, 1)` on :math:`f = (x_1^2 + 4x_2^2)/2` the ascent point is
    :math:`x + 0.05\,g = (1.05, 1.2)`, whose gradient is :math:`(1.05, 4.8)`:

    >>> import numpy as np
    >>> from convlab import optimizers, problems
    >>> p = problems.quadratic([1.0, 4.0])
    >>> opt = optimizers.usam(0.1, 0.05)
    >>> state = opt.step(opt.init(np.array([[1.0, 1.0]])), p.grad, 0)
    >>> state.x.round(6).tolist()
    [[0.895, 0.52]]
    """
    return sam(lr, rho, normalized=False, ascent=ascent, momentum=momentum,
               weight_decay=weight_decay)
