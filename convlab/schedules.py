r"""Schedules: a hyperparameter as a function of the step counter ``t``.

``t`` is the number of steps already taken (0-based): the value used by step ``t``
(which produces :math:`x_{t+1}` from :math:`x_t`) is ``schedule(t)``.

A schedule may return a float or, when a parameter is an array of shape ``(runs,)``,
an array of per-run values, so that a sweep over (say) ``eta0`` is one array operation.

Every schedule is a :class:`Schedule`: a callable with ``bounds`` (the smallest and
largest value it takes over ``0 <= t < horizon`` when known), which GSAM uses to tie
:math:`\rho_t` to the learning rate (THEORY.md §2.3). A schedule is one of the forms of
:data:`convlab.optimizers.HyperLike`, what the optimizer factories accept for a
hyperparameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import check_scalar, check_values

__all__ = [
    "Schedule",
    "as_schedule",
    "batch_growth",
    "constant",
    "cosine",
    "geometric_batch",
    "inverse_power",
    "linear",
    "step",
    "tied",
]


def _param(name: str, value: Any, *, low: float = 0.0, strict: bool = False) -> Any:
    """A schedule parameter: a non-negative float, or a (runs,) array of them."""
    if np.ndim(value) == 0:
        return check_scalar(name, value, low=low, strict=strict)
    arr = check_values(name, np.asarray(value, dtype=float), low=low, strict=strict)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a float or a 1-D array of per-run values")
    return arr


@dataclass(frozen=True)
class Schedule:
    """A callable ``t -> value`` with a name and, when known, its value range.

    Parameters
    ----------
    fn : callable
        ``fn(t)`` for an integer ``t >= 0``; returns a float or a ``(runs,)`` array.
    name : str
        Description used in traces and reports.
    bounds : tuple or None
        ``(lowest, highest)`` value taken; used by :func:`tied`.
    integer : bool
        Whether the values are Python ints (batch sizes).

    Examples
    --------
    >>> from convlab.schedules import Schedule
    >>> s = Schedule(lambda t: 0.1 * 0.9**t, "0.1*0.9^t", bounds=(0.0, 0.1))
    >>> round(s(2), 6)
    0.081
    >>> s
    0.1*0.9^t
    """

    fn: Callable[[int], Any]
    name: str
    bounds: tuple[Any, Any] | None = None
    integer: bool = field(default=False)

    def __call__(self, t: int) -> Any:
        return self.fn(t)

    def __repr__(self) -> str:
        return self.name


def as_schedule(value: Any, name: str = "value") -> Schedule:
    """Wrap a float, a (runs,) array or a callable as a :class:`Schedule`.

    Returns
    -------
    Schedule
        ``value`` itself if it is one; a callable keeps its ``__name__`` and has no
        bounds; anything else becomes :func:`constant`.

    Examples
    --------
    >>> from convlab import schedules
    >>> schedules.as_schedule(0.1)(5)
    0.1
    >>> s = schedules.as_schedule(lambda t: 1.0 / (t + 1))
    >>> s(3), s.bounds
    (0.25, None)
    """
    if isinstance(value, Schedule):
        return value
    if callable(value):
        return Schedule(value, getattr(value, "__name__", "callable"))
    return constant(value, name=name)


def constant(value: Any, *, name: str = "value") -> Schedule:
    r""":math:`v_t = v`.

    Parameters
    ----------
    value : float or (runs,) array
        The value :math:`v \ge 0` (per run for an array).
    name : str
        Name used in error messages.

    Returns
    -------
    Schedule
        With ``bounds = (value, value)``.

    Examples
    --------
    >>> from convlab import schedules
    >>> s = schedules.constant(0.1)
    >>> s(0), s(10**6), s.bounds
    (0.1, 0.1, (0.1, 0.1))
    >>> schedules.constant([0.1, 0.2])(3).tolist()
    [0.1, 0.2]
    """
    v = _param(name, value)
    return Schedule(lambda t: v, f"{_fmt(v)}", (v, v))


def inverse_power(value: Any, power: float = 0.5, offset: float = 1.0) -> Schedule:
    r""":math:`v_t = v_0 / (t + t_0)^p` (``offset`` is :math:`t_0`; ``power=0.5`` gives
    :math:`\eta_0/\sqrt{t+1}`, ``power=1`` the :math:`1/(\mu(t+t_0))` steps of SGD theory).

    Returns
    -------
    Schedule
        Decreasing, with ``bounds = (0, value / offset**power)``.

    Examples
    --------
    >>> from convlab import schedules
    >>> s = schedules.inverse_power(1.0, 0.5)
    >>> s
    1/(t+1)^0.5
    >>> [round(s(t), 6) for t in (0, 3, 99)]
    [1.0, 0.5, 0.1]
    >>> schedules.inverse_power([1.0, 2.0], power=1.0)(1).tolist()
    [0.5, 1.0]
    """
    v = _param("value", value)
    p = check_scalar("power", power)
    t0 = check_scalar("offset", offset, strict=True)
    return Schedule(lambda t: v / (t + t0) ** p, f"{_fmt(v)}/(t+{t0:g})^{p:g}", (0.0, v / t0**p))


def cosine(v_max: Any, v_min: Any = 0.0, horizon: int = 1) -> Schedule:
    r"""Cosine annealing :math:`v_t = v_{\min} + \tfrac12(v_{\max}-v_{\min})(1+\cos(\pi t/T))`
    for :math:`t \le T`, then :math:`v_{\min}` (THEORY.md §2.4).

    Returns
    -------
    Schedule
        With ``bounds = (v_min, v_max)``.

    Examples
    --------
    >>> from convlab import schedules
    >>> s = schedules.cosine(1.0, 0.0, horizon=10)
    >>> [round(s(t), 6) for t in (0, 5, 10, 20)]
    [1.0, 0.5, 0.0, 0.0]
    >>> s.bounds
    (0.0, 1.0)
    """
    hi, lo = _param("v_max", v_max), _param("v_min", v_min)
    T = check_scalar("horizon", horizon, low=0, strict=True, integer=True)

    def fn(t: int) -> Any:
        return lo + 0.5 * (hi - lo) * (1.0 + math.cos(math.pi * min(t, T) / T))

    return Schedule(fn, f"cosine({_fmt(hi)}->{_fmt(lo)}, T={T})", (lo, hi))


def linear(v_max: Any, v_min: Any = 0.0, horizon: int = 1) -> Schedule:
    r"""Linear decay :math:`v_t = v_{\max} - (v_{\max}-v_{\min})\,t/T` for :math:`t \le T`,
    then :math:`v_{\min}` (THEORY.md §2.4).

    Returns
    -------
    Schedule
        With ``bounds = (v_min, v_max)``; exactly ``v_min`` from ``t = horizon`` on.

    Examples
    --------
    >>> from convlab import schedules
    >>> s = schedules.linear(1.0, 0.0, horizon=10)
    >>> s
    linear(1->0, T=10)
    >>> [round(s(t), 6) for t in (0, 5)], s(10), s(20)
    ([1.0, 0.5], 0.0, 0.0)
    """
    hi, lo = _param("v_max", v_max), _param("v_min", v_min)
    T = check_scalar("horizon", horizon, low=0, strict=True, integer=True)
    def fn(t: int) -> Any:
        if t >= T:                      # exactly v_min (hi - (hi - lo) rounds by an ulp)
            return lo + 0.0 * hi
        return hi - (hi - lo) * (t / T)

    return Schedule(fn, f"linear({_fmt(hi)}->{_fmt(lo)}, T={T})", (lo, hi))


def step(value: Any, factor: float = 0.1, every: int = 1000) -> Schedule:
    r"""Piecewise constant :math:`v_t = v_0\,\gamma^{\lfloor t/K\rfloor}`.

    Parameters
    ----------
    value : float or (runs,) array
        :math:`v_0`.
    factor : float
        :math:`\gamma > 0`, applied every ``every`` steps (:math:`K`).

    Returns
    -------
    Schedule
        Decreasing for ``factor <= 1`` (``bounds = (0, value)``), else increasing.

    Examples
    --------
    >>> from convlab import schedules
    >>> s = schedules.step(1.0, factor=0.5, every=10)
    >>> [s(t) for t in (0, 9, 10, 25)]
    [1.0, 1.0, 0.5, 0.25]
    """
    v = _param("value", value)
    g = check_scalar("factor", factor, strict=True)
    K = check_scalar("every", every, low=0, strict=True, integer=True)
    lo, hi = (0.0, v) if g <= 1 else (v, np.inf)
    return Schedule(lambda t: v * g ** (t // K), f"step({_fmt(v)}, x{g:g}/{K})", (lo, hi))


def geometric_batch(b0: int, factor: int = 2, every: int = 1000, b_max: int | None = None
                    ) -> Schedule:
    r"""Increasing batch size :math:`b_t = \min(b_0\,\delta^{\lfloor t/K\rfloor}, b_{\max})`.

    Harada & Iiduka's code uses ``b0=16, factor=2`` and five equal stages
    (THEORY.md §2.4). Returns Python ints.

    Returns
    -------
    Schedule
        ``integer=True``, ``bounds = (b0, b_max)``; pass it as an oracle's ``batch_size``.

    Examples
    --------
    >>> from convlab import oracles, problems, schedules
    >>> b = schedules.geometric_batch(16, factor=2, every=100, b_max=64)
    >>> [b(t) for t in (0, 100, 250, 1000)]
    [16, 32, 64, 64]
    >>> o = oracles.minibatch(problems.least_squares(n=100, dim=2, rng=0), b)
    >>> o.batch_size(0), o.batch_size(150)
    (16, 32)
    """
    b0 = check_scalar("b0", b0, low=1, integer=True)
    d = check_scalar("factor", factor, low=1, integer=True)
    K = check_scalar("every", every, low=0, strict=True, integer=True)
    cap = None if b_max is None else check_scalar("b_max", b_max, low=b0, integer=True)

    def fn(t: int) -> int:
        b = b0 * d ** (t // K)
        return b if cap is None else min(b, cap)

    return Schedule(fn, f"batch({b0}x{d}/{K})", (b0, cap), integer=True)


batch_growth = geometric_batch


def tied(lr: Any, rho_max: float, rho_min: float | None = None,
         lr_max: float | None = None, lr_min: float | None = None) -> Schedule:
    r""":math:`\rho_t` proportional to the learning-rate schedule (GSAM, THEORY.md §2.3):

    .. math::
        \rho_t = \rho_{\min} + (\rho_{\max}-\rho_{\min})
                 \frac{\eta_t - \eta_{\min}}{\eta_{\max} - \eta_{\min}} .

    ``lr_max`` / ``lr_min`` default to the bounds of ``lr``. If ``lr_max == lr_min``
    (a constant learning rate), :math:`\rho_t = \rho_{\max}` and ``rho_min`` must equal it
    or be ``None`` (the reference scheduler makes the same requirement).

    Returns
    -------
    Schedule
        With ``bounds = (rho_min, rho_max)``.

    Examples
    --------
    >>> from convlab import schedules
    >>> lr = schedules.linear(0.1, 0.0, horizon=100)
    >>> rho = schedules.tied(lr, rho_max=0.05, rho_min=0.01)
    >>> [round(rho(t), 6) for t in (0, 50, 100)]
    [0.05, 0.03, 0.01]
    """
    lr = as_schedule(lr, "lr")
    r_hi = check_scalar("rho_max", rho_max)
    r_lo = r_hi if rho_min is None else check_scalar("rho_min", rho_min, high=r_hi)
    if lr_max is None or lr_min is None:
        if lr.bounds is None:
            raise ValueError("tied: lr has no known bounds; pass lr_max and lr_min")
        b_lo, b_hi = lr.bounds
        lr_min = b_lo if lr_min is None else lr_min
        lr_max = b_hi if lr_max is None else lr_max
    if np.ndim(lr_max) or np.ndim(lr_min):
        raise ValueError("tied: per-run lr bounds are not supported; pass scalar lr_max/lr_min")
    lr_hi, lr_lo = float(lr_max), float(lr_min)
    if lr_hi < lr_lo:
        raise ValueError(f"tied: lr_max={lr_hi} < lr_min={lr_lo}")
    if lr_hi == lr_lo:
        if r_lo != r_hi:
            raise ValueError("tied: a constant lr needs rho_min == rho_max")
        return Schedule(lambda t: r_hi, f"{r_hi:g}", (r_hi, r_hi))

    def fn(t: int) -> Any:
        return r_lo + (r_hi - r_lo) * (lr(t) - lr_lo) / (lr_hi - lr_lo)

    return Schedule(fn, f"tied(rho {r_lo:g}..{r_hi:g} ~ {lr.name})", (r_lo, r_hi))


def _fmt(v: Any) -> str:
    return f"{v:g}" if np.ndim(v) == 0 else f"array[{len(v)}]"
