"""Smoothness-adaptive steps: AdGD / SA-SGD (Malitsky & Mishchenko, 2020) and SA-SAM."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import check_scalar
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
    row_norm,
    with_decay,
)
from .sam import ascent_scale


class AdaptiveState(NamedTuple):
    """State of AdGD and SA-SAM.

    ``x_prev``/``g_prev`` are the previous iterate and the gradient there (with the
    previous sample), ``eta`` the last step size and ``theta`` the last ratio
    :math:`\\eta_{t-1}/\\eta_{t-2}` (``(runs, 1)`` columns, :math:`\\theta_0 = +\\infty`);
    ``k`` counts the steps taken.
    """

    x: Array
    x_prev: Array
    g_prev: Array
    eta: Array
    theta: Array
    k: int


def adaptive_step_size(x: Array, x_prev: Array, g: Array, g_old: Array, eta_prev: Array,
                       theta_prev: Array) -> tuple[Array, Array]:
    r"""The Malitsky–Mishchenko step, with the guards of THEORY.md §2.7.

    .. math::
        \eta_t = \min\Big\{\sqrt{1+\theta_{t-1}}\,\eta_{t-1},\
        \frac{\|x_t - x_{t-1}\|}{2\|g(x_t) - g(x_{t-1})\|}\Big\},\qquad
        \theta_t = \eta_t/\eta_{t-1}.

    Guards: a zero gradient difference makes the ratio :math:`+\infty`; if the iterate
    did not move either (:math:`0/0`: converged or underflow), or the minimum is not
    finite (:math:`\theta_{t-1} = \infty` and a zero gradient difference), the step is
    kept, :math:`\eta_t = \eta_{t-1}`, :math:`\theta_t = 1`. Without this, :math:`\eta`
    grows geometrically at a fixed point and overflows to NaN.
    """
    diff = np.subtract(x, x_prev)
    dx = row_norm(diff)
    dg = row_norm(np.subtract(g, g_old, out=diff))
    ratio = np.full_like(dx, np.inf)
    np.divide(dx, 2.0 * dg, out=ratio, where=dg > 0.0)
    growth = np.sqrt(1.0 + theta_prev) * eta_prev
    eta = np.minimum(ratio, growth)
    keep = ~np.isfinite(eta) | ((dx == 0.0) & (dg == 0.0))
    eta = np.where(keep, eta_prev, eta)
    return eta, eta / eta_prev


def _adaptive(eta0: HyperLike, sharpness_aware: bool, rho_scale: float,
              weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""AdGD / SA-SAM. With ``weight_decay`` :math:`\lambda > 0` the objective is
    :math:`F = L + \lambda\|w\|^2`: the step-size estimate uses
    :math:`\nabla F = g + 2\lambda w` at both points, the ascent direction the loss
    gradient :math:`g` alone, and the descent :math:`g(y_t) + 2\lambda w_t` (AdGD:
    :math:`\nabla F(w_t)`)."""
    eta_h = Hyper("eta0", eta0, strict=True)
    c = check_scalar("rho_scale", rho_scale)
    lam = check_weight_decay(weight_decay)

    def init(x0: Array) -> AdaptiveState:
        x = check_x0(x0, (eta_h, *decay_hypers(lam)))
        runs = x.shape[0]
        eta = np.broadcast_to(np.asarray(eta_h(0), dtype=float), (runs, 1)).copy()
        return AdaptiveState(x, x.copy(), np.zeros_like(x), eta, np.full((runs, 1), np.inf), 0)

    def step(s: AdaptiveState, grad_fn: GradFn, t: int) -> AdaptiveState:
        x = s.x
        g = grad_fn(x)
        if s.k == 0:
            eta, theta = s.eta, s.theta
        else:
            g_old = s.g_prev if grad_fn.is_exact else grad_fn(s.x_prev)
            if lam is not None:
                eta, theta = adaptive_step_size(x, s.x_prev, add_decay(g.copy(), x, lam(t)),
                                                add_decay(g_old.copy(), s.x_prev, lam(t)),
                                                s.eta, s.theta)
            else:
                eta, theta = adaptive_step_size(x, s.x_prev, g, g_old, s.eta, s.theta)
        if sharpness_aware:
            # rho_t g/|g| with rho_t = c sqrt(eta_t); 0 at g = 0 even if rho_t overflows
            y = np.multiply(g, ascent_scale(g, c * np.sqrt(eta), 0.0))
            y += x
            if lam is not None:
                d = add_decay(grad_fn(y), x, lam(t))
                d *= eta
            else:
                d = np.multiply(grad_fn(y), eta)
        elif lam is not None:
            d = add_decay(g.copy(), x, lam(t))     # g is kept in the state: not modified
            d *= eta
        else:
            d = np.multiply(g, eta)             # g is kept in the state: not modified
        return AdaptiveState(np.subtract(x, d, out=d), x, g, eta, theta, s.k + 1)

    return Optimizer(init, step, "sasam" if sharpness_aware else "adgd",
                     2 + sharpness_aware,
                     with_decay({"eta0": eta0, "rho_scale": c} if sharpness_aware
                                else {"eta0": eta0}, lam))


def adgd(eta0: HyperLike = 1e-6, weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""Adaptive gradient descent without descent (Malitsky & Mishchenko, 2020), AdGD;
    with a stochastic oracle this is SA-SGD (seed 003).

    .. math::
        \eta_t = \min\Big\{\sqrt{1+\theta_{t-1}}\,\eta_{t-1},\
        \frac{\|x_t-x_{t-1}\|}{2\|g(x_t;\xi_t)-g(x_{t-1};\xi_t)\|}\Big\},\quad
        x_{t+1} = x_t - \eta_t\, g(x_t;\xi_t),\quad \theta_t = \eta_t/\eta_{t-1},

    first step :math:`x_1 = x_0 - \eta_0 g(x_0)`, :math:`\theta_0 = +\infty`. The gradient at
    :math:`x_{t-1}` uses the *current* sample (re-used from the previous step when the
    oracle is exact, so deterministic AdGD costs one gradient per step). Guards in
    :func:`adaptive_step_size`. Invariant: :math:`\eta_t \ge 1/(2L)` for :math:`t \ge 1`.

    Parameters
    ----------
    eta0 : HyperLike
        :math:`\eta_0 > 0` (the reference code's ``la_0 = 1e-6``): a float or a ``(runs,)``
        array (a schedule is read at ``t = 0`` only; later steps are adaptive).
    weight_decay : float, (runs,) array or schedule
        :math:`\lambda \ge 0`: AdGD on :math:`F = f + \lambda\|x\|^2`, i.e.
        :math:`g + 2\lambda x` in place of :math:`g` both in the step-size estimate and in
        the step. 0 (default): no change.

    Returns
    -------
    Optimizer
        ``name="adgd"``, one gradient per step with the exact oracle (two with a
        stochastic one, reported as ``grads_per_step=2``); its state is an
        :class:`AdaptiveState`.

    Examples
    --------
    From a tiny :math:`\eta_0` the step adapts to :math:`\eta_t \ge 1/(2L) = 0.125` on
    :math:`f = (x_1^2 + 4x_2^2)/2` (the state's ``eta`` after step :math:`t` is the step
    :math:`\eta_{t-1}` just taken):

    >>> import numpy as np
    >>> from convlab import optimizers, problems, run
    >>> p = problems.quadratic([1.0, 4.0])
    >>> trace = run(p, optimizers.adgd(1e-3), [1.0, 1.0], 100, metrics=["f_gap", "state.eta"])
    >>> bool(np.all(trace["state.eta"][trace.t >= 2] >= 0.125))
    True
    >>> bool(trace.final("f_gap")[0] < 1e-30)
    True
    """
    return _adaptive(eta0, False, 1.0, weight_decay)


sasgd = adgd


def sasam(eta0: HyperLike = 1e-3, rho_scale: float = 1.0, weight_decay: HyperLike = 0.0
          ) -> Optimizer:
    r"""Smoothness-adaptive SAM (Naganuma et al.; seed 003; THEORY.md §2.8).

    .. math::
        \eta_t = \min\Big\{\frac{\|w_t-w_{t-1}\|}{2\|\nabla L(w_t;\xi_t)-\nabla L(w_{t-1};\xi_t)\|},
        \ \sqrt{1+\theta_{t-1}}\,\eta_{t-1}\Big\},\qquad \rho_t = \sqrt{\eta_t},

    .. math::
        w_{t+1} = w_t - \eta_t \nabla L\Big(w_t + \rho_t
        \frac{\nabla L(w_t;\xi_t)}{\|\nabla L(w_t;\xi_t)\|};\xi_t\Big),
        \qquad \theta_t = \eta_t/\eta_{t-1},

    with :math:`\theta_0 = +\infty` and the first step at :math:`\eta_0`,
    :math:`\rho_0 = \sqrt{\eta_0}` (the poster does not give :math:`\rho_0`).

    Choices where the poster is silent or inconsistent (paper_notes.md "SA-SAM"):
    the poster's line 5 reads :math:`\sqrt{1+\theta_t}`, but :math:`\theta_t` is assigned
    after use, so we use :math:`\theta_{t-1}` as in Malitsky–Mishchenko; the 0/0 guard of
    :func:`adaptive_step_size`; a zero ascent gradient gives no perturbation. Three
    gradients per step with a stochastic oracle (two with the exact one).

    Parameters
    ----------
    eta0 : HyperLike
        :math:`\eta_0 > 0`: a float or a ``(runs,)`` array (a schedule is read at ``t = 0``
        only; later steps are adaptive).
    rho_scale : float
        :math:`c` in :math:`\rho_t = c\sqrt{\eta_t}` (1 in the paper); for scale studies.
    weight_decay : float, (runs,) array or schedule
        :math:`\lambda \ge 0` for :math:`\min_w L^{SAM}(w) + \lambda\|w\|^2`: the
        step-size estimate uses :math:`\nabla L + 2\lambda w` at :math:`w_t` and
        :math:`w_{t-1}` (the smoothness of the objective minimised), the ascent direction
        :math:`\nabla L(w_t;\xi_t)` alone, and the step
        :math:`w_{t+1} = w_t - \eta_t(\nabla L(y_t;\xi_t) + 2\lambda w_t)`. 0: no change.

    Returns
    -------
    Optimizer
        ``name="sasam"``, ``grads_per_step=3``; its state is an :class:`AdaptiveState`.

    Examples
    --------
    On :math:`f = (x_1^2 + 4x_2^2)/2` the step settles at :math:`\eta = 1/(2L) = 0.125` and
    the iterate in SAM's 2-cycle :math:`x_2 = \pm\eta\lambda\rho/(2-\eta\lambda)` with
    :math:`\rho = \sqrt\eta` and :math:`\lambda = 4`, i.e. :math:`\pm 0.117851`:

    >>> import numpy as np
    >>> from convlab import optimizers, problems, run
    >>> p = problems.quadratic([1.0, 4.0])
    >>> opt = optimizers.sasam(1e-3)
    >>> trace = run(p, opt, [1.0, 1.0], 100, metrics=["f_gap", "state.eta"])
    >>> opt.grads_per_step, round(float(trace.final("state.eta")[0]), 6)
    (3, 0.125)
    >>> np.abs(trace.x).round(6).tolist()
    [[0.0, 0.117851]]
    """
    return _adaptive(eta0, True, rho_scale, weight_decay)
