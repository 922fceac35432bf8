"""The optimizer contract and the row-wise helpers every algorithm shares.

An :class:`Optimizer` is a pair of pure functions held in a NamedTuple (the optax
design, STYLE.md §1.1), with one change: ``step`` receives a *gradient function* with the
sample already bound, so SAM's two gradient calls (three for SA-SAM) see the same
mini-batch::

    state = opt.init(x0)                    # NamedTuple, first field x: (runs, dim)
    state = opt.step(state, grad_fn, t)     # t = steps already taken (0-based)

Hyperparameters (the type :data:`HyperLike` in the factories' signatures) are floats,
schedules ``t -> value`` (a :class:`~convlab.schedules.Schedule` or any callable of the
step counter returning a float or a ``(runs,)`` array) or per-run arrays of shape
``(runs,)``; a :class:`Hyper` resolves one, so that inside a step it is a scalar or a
``(runs, 1)`` column that broadcasts against ``(runs, dim)``. Every norm is taken per run
over the last axis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from .._validation import as_points, check_scalar, check_values
from ..problems.base import Array
from ..schedules import Schedule

GradFn = Callable[[Array], Array]

#: What an optimizer factory accepts for a hyperparameter (``lr``, ``rho``, ``alpha``,
#: ``eta0``): a float; a schedule ``t -> float`` or ``t -> (runs,) array`` (a
#: :class:`~convlab.schedules.Schedule` or any callable of the 0-based step counter); or
#: a per-run array of shape ``(runs,)``, one value per row of ``x0`` (a sweep in one call).
#: Values are checked when the optimizer is built (a schedule at ``t = 0``) and resolved
#: by :class:`Hyper`.
HyperLike: TypeAlias = float | Schedule | Callable[[int], Any] | ArrayLike


class Optimizer(NamedTuple):
    """Two pure functions plus metadata.

    Attributes
    ----------
    init : callable
        ``init(x0) -> state``; ``x0`` has shape ``(runs, dim)``.
    step : callable
        ``step(state, grad_fn, t) -> state``: one iteration on all runs.
    name : str
        Algorithm name.
    grads_per_step : int
        Stochastic-gradient evaluations per step (SAM: 2, SA-SAM: 3).
    hyper : dict
        The hyperparameters as given (for traces and reports).
    """

    init: Callable[[Array], Any]
    step: Callable[[Any, Any, int], Any]
    name: str
    grads_per_step: int
    hyper: dict[str, Any]


class Hyper:
    """A resolved hyperparameter: ``h(t)`` is a float or a ``(runs, 1)`` column.

    Parameters
    ----------
    name : str
        Name used in error messages.
    value : HyperLike
        A float, a schedule or a ``(runs,)`` array (:data:`HyperLike`).
    low : float or None
        Smallest allowed value (``None``: no bound).
    strict : bool
        Whether ``low`` itself is excluded.

    Examples
    --------
    >>> from convlab.optimizers import Hyper
    >>> Hyper("lr", 0.1)(7)
    0.1
    >>> Hyper("lr", [0.1, 0.2])(0).shape
    (2, 1)
    >>> Hyper("lr", lambda t: 1.0 / (t + 1))(3)
    0.25
    """

    __slots__ = ("low", "name", "schedule", "strict", "value")

    def __init__(self, name: str, value: HyperLike, *, low: float | None = 0.0,
                 strict: bool = False):
        self.name, self.low, self.strict = name, low, strict
        self.schedule: Schedule | Callable[[int], Any] | None = None
        self.value: Any = None
        if isinstance(value, Schedule) or callable(value):
            self.schedule = value
            self._check(value(0), "at t=0")
        elif np.ndim(value) == 0:
            self.value = check_scalar(name, value, low=low, strict=strict)
        else:
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError) as err:
                raise ValueError(f"{name} must be a float, a schedule or a (runs,) array of "
                                 f"numbers, got {value!r} ({err})") from None
            arr = check_values(name, arr, low=low, strict=strict)
            if arr.ndim != 1:
                raise ValueError(f"{name} must be a float, a schedule or a (runs,) array, "
                                 f"got shape {arr.shape}")
            self.value = arr.reshape(-1, 1)

    def _check(self, v: Any, where: str) -> Any:
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{self.name} schedule must return numbers; it gives {v!r} "
                             f"{where} ({err})") from None
        if arr.ndim > 1:
            raise ValueError(f"{self.name} schedule must return a float or (runs,) array")
        if not np.all(np.isfinite(arr)) or (
            self.low is not None and np.any(arr <= self.low if self.strict else arr < self.low)
        ):
            op = ">" if self.strict else ">="
            raise ValueError(f"{self.name} must be finite and {op} {self.low:g}; the schedule "
                             f"gives {v!r} {where}")
        return v

    def __call__(self, t: int) -> Any:
        if self.schedule is None:
            return self.value
        v = self.schedule(t)
        return v if np.ndim(v) == 0 else np.reshape(v, (-1, 1))

    @property
    def is_zero(self) -> bool:
        """True when the value is the constant 0."""
        return self.schedule is None and np.ndim(self.value) == 0 and self.value == 0.0

    def check_runs(self, runs: int) -> None:
        """Raise if a per-run array does not have one entry per run."""
        v = self.value if self.schedule is None else self.schedule(0)
        if np.ndim(v) and np.size(v) != runs:
            raise ValueError(f"{self.name} has {np.size(v)} per-run values but x0 has "
                             f"{runs} runs")


def check_x0(x0: Any, hypers: tuple[Hyper, ...] = ()) -> Array:
    """Validate an initial point set and the per-run hyperparameters against it."""
    x = as_points("x0", x0)
    for h in hypers:
        h.check_runs(x.shape[0])
    return x


# A norm below _NORM_TINY may have lost digits to subnormal (or zero) squares of its
# components (a square below 2.2e-308 is subnormal; 1e-145 leaves a margin of 1e-18 in
# relative error); a squared norm that overflows is inf. Only such rows are recomputed.
_NORM_TINY = 1e-145


def _rescaled_norms(g: Array, n: Array) -> None:
    r"""Fix, in place, the norms ``n`` (shape ``(runs,)``) of the rows of ``g`` whose squared
    norm under- or overflowed, as :math:`m\,\|g/m\|` with :math:`m = \max_i |g_i|`.

    Rows whose norm is in the safe range are not touched, so their numbers stay those of
    ``sqrt(einsum(g, g))`` bit for bit; rows holding inf or NaN keep inf or NaN.
    """
    if n.size == 0 or (n.min() >= _NORM_TINY and n.max() < np.inf):   # NaN: not >=
        return
    bad = ~(n >= _NORM_TINY) | (n == np.inf)
    rows = np.flatnonzero(bad)
    sub = g[rows]
    m = np.max(np.abs(sub), axis=1)
    ok = np.isfinite(m) & (m > 0.0)
    if not ok.any():
        return
    scaled = sub[ok] / m[ok, None]
    n[rows[ok]] = m[ok] * np.sqrt(np.einsum("rd,rd->r", scaled, scaled))


def row_norms(g: Array) -> Array:
    r"""Euclidean norm of each run, shape ``(runs,)``, free of under- and overflow.

    :math:`\sqrt{\sum_i g_i^2}` is exact in floating point only while the squares are
    normal numbers: below :math:`\|g\| \approx 10^{-154}` they become subnormal or 0
    (a nonzero vector would get norm 0) and above :math:`\approx 10^{154}` the sum
    overflows. Such rows are recomputed from ``g`` divided by its largest entry.
    """
    n = np.einsum("rd,rd->r", g, g)
    np.sqrt(n, out=n)
    _rescaled_norms(g, n)
    return n


def row_norm(g: Array) -> Array:
    """Euclidean norm of each run, as a ``(runs, 1)`` column (see :func:`row_norms`)."""
    return row_norms(g)[:, None]


def normalize(g: Array, eps: float = 0.0) -> Array:
    r"""Per-run :math:`g/\|g\|` with the guard of THEORY.md §1.

    ``eps == 0``: exact normalization, and a run with :math:`g = 0` gets direction 0 (no
    NaN). ``eps > 0``: :math:`g/(\|g\| + \epsilon)`, the PyTorch convention
    (PEERS.md §1.1), which is also 0 at :math:`g = 0`.
    """
    n = row_norm(g)
    if eps > 0.0:
        n += eps
        return np.divide(g, n)
    out = np.zeros_like(g)
    np.divide(g, n, out=out, where=n > 0.0)
    return out


def check_weight_decay(weight_decay: Any) -> Hyper | None:
    r"""Validate ``weight_decay`` :math:`\lambda \ge 0`, the penalty :math:`\lambda\|w\|^2` of
    the objective :math:`\min_w L(w) + \lambda\|w\|^2`: a float, a ``(runs,)`` array (one
    value per run, an lr × weight-decay grid in one call) or a schedule, like every
    hyperparameter (:data:`HyperLike`).

    Returns ``None`` for the constant 0 (no decay: every number stays bit-identical),
    otherwise the :class:`Hyper` that ``add_decay(d, x, lam(t))`` reads.

    >>> check_weight_decay(0.0) is None, check_weight_decay([0.0, 0.1])(0).shape
    (True, (2, 1))
    """
    h = Hyper("weight_decay", weight_decay)
    return None if h.is_zero else h


def decay_hypers(lam: Hyper | None) -> tuple[Hyper, ...]:
    """``(lam,)`` for :func:`check_x0` (per-run values checked against ``x0``), or ``()``."""
    return () if lam is None else (lam,)


def add_decay(d: Array, x: Array, lam: Any) -> Array:
    r"""``d += 2 lam x`` in place (the gradient of :math:`\lambda\|x\|^2`) and return ``d``.

    ``lam`` is a float or a ``(runs, 1)`` column (``Hyper(t)``). Callers pass a fresh ``d``
    (never a gradient that ``run`` may hold) and call this only when the decay is not the
    constant 0, so that ``weight_decay=0`` leaves every number bit-identical.
    """
    d += (2.0 * lam) * x
    return d


def with_decay(hyper: dict[str, Any], lam: Hyper | None) -> dict[str, Any]:
    """``hyper`` with ``weight_decay`` recorded (as given) when the decay is on."""
    if lam is None:
        return hyper
    v = lam.schedule if lam.value is None else lam.value
    return {**hyper, "weight_decay": v if np.ndim(v) == 0 else np.ravel(v)}
