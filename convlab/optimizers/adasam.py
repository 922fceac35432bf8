"""AdaSAM: SAM gradient + momentum + AMSGrad adaptive step (Sun et al., 2023)."""

from __future__ import annotations

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
    with_decay,
)
from .sam import ASCENTS, ascent_gradient, perturbed_gradient
from .sgd import AMSGradState, _check_betas, amsgrad_update

AdaSAMState = AMSGradState


def adasam(lr: HyperLike, rho: HyperLike, beta1: float = 0.9, beta2: float = 0.999,
           eps: float = 1e-8, ascent: str = "same", weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""AdaSAM (Sun et al., 2023; THEORY.md §2.6; paper_notes.md "AdaSAM").

    .. math::
        s_t = g_{B_t}(x_t),\quad g_t = g_{B_t}\Big(x_t + \rho_t\frac{s_t}{\|s_t\|}\Big),\quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

    .. math::
        \hat v_t = \max(\hat v_{t-1}, v_t),\qquad x_{t+1} = x_t - \gamma_t\, m_t/\sqrt{\hat v_t},

    same mini-batch for both gradients, :math:`m_{-1} = v_{-1} = 0`,
    :math:`\hat v_{-1} = \epsilon^2`: :math:`\epsilon` enters **only** through the initial
    :math:`\hat v` (so the per-coordinate step lies in :math:`[1/G, 1/\epsilon]`), no bias
    correction. With :math:`\epsilon` larger than every :math:`\sqrt{v_t}`, AdaSAM is SAM
    with EMA momentum and step :math:`\gamma/\epsilon`. A zero ascent gradient gives a zero
    perturbation (momentum still moves ``x``).

    Parameters
    ----------
    lr : HyperLike
        :math:`\gamma_t` (the paper's :math:`\gamma = \Theta(\sqrt{b/T})`): a float, a
        schedule or a ``(runs,)`` array.
    rho : HyperLike
        :math:`\rho_t`: a float, a schedule or a ``(runs,)`` array.
    beta1, beta2 : float
        Moment decay rates in [0, 1).
    eps : float
        :math:`\epsilon \ge 0`; sets the regime (THEORY.md §3.5).
    ascent : {"same", "independent", "full"}
        As in :func:`convlab.optimizers.sam`.
    weight_decay : float, (runs,) array or schedule
        :math:`\lambda \ge 0`: :math:`g_t = g_{B_t}(x_t + \rho_t s_t/\|s_t\|) +
        2\lambda x_t` enters both moments; the ascent :math:`s_t` is the loss gradient alone.

    Returns
    -------
    Optimizer
        ``name="adasam"``, two gradients per step; its state is an :class:`AdaSAMState`
        (the AMSGrad moments).

    Examples
    --------
    As for AMSGrad, the first step moves each coordinate by
    :math:`\gamma(1-\beta_1)/\sqrt{1-\beta_2} \approx 0.0316` (here the perturbed
    gradient is positive in both coordinates):

    >>> import numpy as np
    >>> from convlab import optimizers, problems
    >>> p = problems.quadratic([1.0, 4.0])
    >>> opt = optimizers.adasam(0.01, 0.05)
    >>> state = opt.step(opt.init(np.array([[1.0, 1.0]])), p.grad, 0)
    >>> state.x.round(6).tolist()
    [[0.968377, 0.968377]]
    >>> float(state.v_hat.min()) > 0.0
    True
    """
    lr_h, rho_h = Hyper("lr", lr), Hyper("rho", rho)
    b1, b2 = _check_betas(beta1, beta2)
    e = check_scalar("eps", eps)
    ascent = check_choice("ascent", ascent, ASCENTS)
    lam = check_weight_decay(weight_decay)

    def init(x0: Array) -> AMSGradState:
        x = check_x0(x0, (lr_h, rho_h, *decay_hypers(lam)))
        z = np.zeros_like(x)
        return AMSGradState(x, z, z.copy(), np.full_like(x, e * e))

    def step(state: AMSGradState, grad_fn: GradFn, t: int) -> AMSGradState:
        x = state.x
        s = ascent_gradient(x, grad_fn, ascent)
        g = perturbed_gradient(x, s, grad_fn, rho_h(t), True, 0.0)
        if lam is not None:
            add_decay(g, x, lam(t))
        return AMSGradState(*amsgrad_update(state, g, lr_h(t), b1, b2))

    return Optimizer(init, step, "adasam", 2,
                     with_decay({"lr": lr, "rho": rho, "beta1": b1, "beta2": b2, "eps": e,
                                 "ascent": ascent}, lam))
