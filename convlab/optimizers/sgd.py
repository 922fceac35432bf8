"""Baselines: SGD (with heavy-ball momentum) and AMSGrad."""

from __future__ import annotations

from typing import Any, NamedTuple

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
    with_decay,
)


class SGDState(NamedTuple):
    """SGD state; ``buf`` is the momentum buffer (``None`` without momentum)."""

    x: Array
    buf: Array | None = None


def sgd(lr: HyperLike, momentum: float = 0.0, weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""(Stochastic) gradient descent with optional heavy-ball momentum.

    .. math::
        m_t = \beta m_{t-1} + g(x_t;\xi_t),\qquad x_{t+1} = x_t - \eta_t m_t,
        \qquad m_{-1} = 0,

    the PyTorch ``SGD(momentum=beta, dampening=0)`` convention; ``momentum=0`` is plain
    (S)GD.

    Parameters
    ----------
    lr : HyperLike
        Step size :math:`\eta_t \ge 0`: a float, a schedule or a ``(runs,)`` array.
    momentum : float
        :math:`\beta \in [0, 1)`.
    weight_decay : float, (runs,) array or schedule
        :math:`\lambda \ge 0`: minimise :math:`f(x) + \lambda\|x\|^2`, i.e.
        :math:`g(x_t;\xi_t)` is replaced by :math:`g(x_t;\xi_t) + 2\lambda x_t` before the
        momentum buffer (coupled L2, PyTorch ``weight_decay=2λ``). 0 (default): no change.

    Returns
    -------
    Optimizer
        ``name="sgd"``, one gradient per step; its state is an :class:`SGDState`.

    Examples
    --------
    One step by hand on :math:`f = (x_1^2 + 4x_2^2)/2` (the exact gradient as ``grad_fn``):

    >>> import numpy as np
    >>> from convlab import optimizers, problems, run
    >>> p = problems.quadratic([1.0, 4.0])
    >>> opt = optimizers.sgd(0.1)
    >>> state = opt.step(opt.init(np.array([[1.0, 1.0]])), p.grad, 0)
    >>> state.x.round(6).tolist()
    [[0.9, 0.6]]

    A per-run step size (one value per run) with heavy-ball momentum, through
    :func:`convlab.run`:

    >>> trace = run(p, optimizers.sgd([0.1, 0.2], momentum=0.5), [1.0, 1.0], 100, runs=2)
    >>> trace.final("f_gap").shape
    (2,)
    >>> bool(np.all(trace.final("f_gap") < 1e-8))
    True
    """
    lr_h = Hyper("lr", lr)
    beta = check_scalar("momentum", momentum, high=1.0)
    if beta >= 1.0:
        raise ValueError(f"momentum must be < 1, got {momentum!r}")
    lam = check_weight_decay(weight_decay)

    def init(x0: Array) -> SGDState:
        x = check_x0(x0, (lr_h, *decay_hypers(lam)))
        return SGDState(x, np.zeros_like(x) if beta else None)

    def step(state: SGDState, grad_fn: GradFn, t: int) -> SGDState:
        g = grad_fn(state.x)            # not modified: run() may keep it (running metrics)
        if lam is not None:
            g = add_decay(g.copy(), state.x, lam(t))
        if beta:
            buf = np.multiply(state.buf, beta)
            buf += g
            d = np.multiply(buf, lr_h(t))
        else:
            d = np.multiply(g, lr_h(t))
        return SGDState(np.subtract(state.x, d, out=d), buf if beta else None)

    return Optimizer(init, step, "sgd", 1, with_decay({"lr": lr, "momentum": beta}, lam))


class AMSGradState(NamedTuple):
    """AMSGrad moments: ``m`` first, ``v`` second, ``v_hat`` running max of ``v``."""

    x: Array
    m: Array
    v: Array
    v_hat: Array


def amsgrad_update(state: Any, g: Array, lr: Any, beta1: float, beta2: float) -> tuple:
    """The AMSGrad moment update and step shared by :func:`amsgrad` and AdaSAM.

    Returns ``(x_new, m, v, v_hat)``. Coordinates with :math:`\\hat v = 0`
    take a zero step instead of 0/0 (there m = 0 too, except as below). With ``eps = 0`` and
    :math:`|g| \\lesssim 1.5\\cdot10^{-162}` the second moment :math:`(1-\\beta_2)g^2` underflows
    to 0 while :math:`m \\ne 0`: such a coordinate takes the same zero step (a documented
    floating-point limit of the state, tested in tests/test_edge_cases.py).
    """
    tmp = np.multiply(g, 1.0 - beta1)
    m = np.multiply(state.m, beta1)
    m += tmp
    np.multiply(g, g, out=tmp)
    tmp *= 1.0 - beta2
    v = np.multiply(state.v, beta2)
    v += tmp
    v_hat = np.maximum(state.v_hat, v)
    ratio = np.sqrt(v_hat, out=tmp)
    pos = ratio > 0.0
    np.divide(m, ratio, out=ratio, where=pos)
    if not pos.all():
        ratio[~pos] = 0.0
    ratio *= lr
    return np.subtract(state.x, ratio, out=ratio), m, v, v_hat


def _check_betas(beta1: float, beta2: float) -> tuple[float, float]:
    b1 = check_scalar("beta1", beta1, high=1.0)
    b2 = check_scalar("beta2", beta2, high=1.0)
    if b1 >= 1.0 or b2 >= 1.0:
        raise ValueError(f"beta1 and beta2 must be < 1, got {beta1!r}, {beta2!r}")
    return b1, b2


def amsgrad(lr: HyperLike, beta1: float = 0.9, beta2: float = 0.999, eps: float = 0.0,
            weight_decay: HyperLike = 0.0) -> Optimizer:
    r"""AMSGrad (Reddi et al., 2018), without bias correction (THEORY.md §2.5).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \hat v_t = \max(\hat v_{t-1}, v_t),\quad
        x_{t+1} = x_t - \eta_t\, m_t/\sqrt{\hat v_t},

    with :math:`m_{-1} = v_{-1} = 0` and :math:`\hat v_{-1} = \epsilon^2` (the same
    :math:`\epsilon` placement as AdaSAM, §2.6; ``eps=0`` is the paper's rule, with
    :math:`0/0 := 0` on coordinates that never saw a gradient). No projection (unconstrained).
    For the theory's :math:`\alpha_t = \alpha/\sqrt t` pass
    ``schedules.inverse_power(alpha, 0.5)`` as ``lr``.

    Parameters
    ----------
    lr : HyperLike
        Step size :math:`\eta_t \ge 0`: a float, a schedule or a ``(runs,)`` array.
    beta1, beta2 : float
        Moment decay rates in [0, 1).
    eps : float
        :math:`\epsilon \ge 0`, the square root of the initial :math:`\hat v`.
    weight_decay : float, (runs,) array or schedule
        :math:`\lambda \ge 0`: :math:`g_t = g(x_t;\xi_t) + 2\lambda x_t` enters both
        moments (coupled L2 on :math:`f + \lambda\|x\|^2`, not AdamW's decoupled decay).

    Returns
    -------
    Optimizer
        ``name="amsgrad"``, one gradient per step; its state is an :class:`AMSGradState`.

    Examples
    --------
    The first step moves every coordinate by :math:`\eta(1-\beta_1)/\sqrt{1-\beta_2}`
    against the sign of its gradient (here :math:`0.01 \cdot 0.1/\sqrt{0.001} \approx
    0.0316`):

    >>> import numpy as np
    >>> from convlab import optimizers, problems, schedules
    >>> p = problems.quadratic([1.0, 4.0])
    >>> opt = optimizers.amsgrad(0.01)
    >>> state = opt.step(opt.init(np.array([[1.0, -2.0]])), p.grad, 0)
    >>> state.x.round(6).tolist()
    [[0.968377, -1.968377]]
    >>> optimizers.amsgrad(schedules.inverse_power(0.01, 0.5)).hyper["lr"]
    0.01/(t+1)^0.5
    """
    lr_h = Hyper("lr", lr)
    b1, b2 = _check_betas(beta1, beta2)
    e = check_scalar("eps", eps)
    lam = check_weight_decay(weight_decay)

    def init(x0: Array) -> AMSGradState:
        x = check_x0(x0, (lr_h, *decay_hypers(lam)))
        z = np.zeros_like(x)
        return AMSGradState(x, z, z.copy(), np.full_like(x, e * e))

    def step(state: AMSGradState, grad_fn: GradFn, t: int) -> AMSGradState:
        g = grad_fn(state.x)
        if lam is not None:
            g = add_decay(g.copy(), state.x, lam(t))
        return AMSGradState(*amsgrad_update(state, g, lr_h(t), b1, b2))

    return Optimizer(init, step, "amsgrad", 1,
                     with_decay({"lr": lr, "beta1": b1, "beta2": b2, "eps": e}, lam))
