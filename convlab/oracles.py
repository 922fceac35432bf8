r"""Gradient oracles: draw a sample once per step, evaluate it anywhere.

SAM-type methods evaluate the *same* sample at several points (the iterate, the ascent
point, and for SA-SAM the previous iterate). An oracle therefore separates drawing from
evaluating::

    xi = oracle.sample(rng, runs, t)     # one draw for step t, all runs at once
    g = oracle.bind(xi)                  # GradFn: g(x) evaluates this sample at any x
    g.fresh()                            # a GradFn on an independent sample (n-SAM ascent)
    g.exact(x)                           # the exact gradient (ascent on the full objective)

Noise conventions (THEORY.md §1): ``sigma`` is the standard deviation **per coordinate of
one sample**; a batch of ``b`` samples has per-coordinate standard deviation
:math:`\sigma/\sqrt b` and total variance :math:`\mathbb E\|g-\nabla f\|^2 = d\sigma^2/b`.
``variance(x, t)`` returns the exact total variance of the batch gradient.

The batch size may be a schedule ``t -> int`` (increasing batch, THEORY.md §2.4).

``rng`` is a ``numpy.random.Generator`` (the default path: one stream for the whole
``(runs, ...)`` array, so a run's numbers depend on how many runs are drawn together) or a
:class:`convlab.streams.PerRunStreams` (opt-in: row ``i`` of every draw depends only on the
seed, the run id of row ``i`` and the draw index, so chunks of runs reproduce the numbers
of one array). Both offer the methods the oracles call (``standard_normal``, ``binomial``,
``integers``, ``random``) with ``size=(runs, ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import check_choice, check_scalar
from .problems.base import Array, Problem
from .schedules import Schedule
from .streams import PerRunStreams

#: What an oracle draws from: a numpy Generator or per-run streams.
RNG = np.random.Generator | PerRunStreams

__all__ = [
    "GradFn",
    "Oracle",
    "Sample",
    "exact",
    "gaussian",
    "minibatch",
    "rademacher",
    "two_point",
]


@dataclass(frozen=True)
class Sample:
    """One draw of an oracle for step ``t``: ``data`` has a leading ``runs`` axis; ``rng``
    is what it was drawn from (``fresh()`` draws from it again)."""

    data: Any
    batch_size: int
    runs: int
    t: int
    rng: RNG | None = field(default=None, repr=False, compare=False)

    def take(self, rows: Any) -> Sample:
        """The sample restricted to some runs (``rows`` indexes the leading axis).

        With per-run streams the restricted sample keeps the streams of its rows (sharing
        the draw counter), so its ``fresh()`` draws those rows' numbers.
        """
        rng = self.rng
        if isinstance(rng, PerRunStreams):
            rng = rng.view(rows, self.runs)
        if self.data is None:
            runs = len(np.arange(self.runs)[rows])
            return Sample(None, self.batch_size, runs, self.t, rng)
        data = self.data[rows]
        return Sample(data, self.batch_size, data.shape[0], self.t, rng)


class GradFn:
    """A stochastic gradient with its sample frozen: ``g(x)`` for any ``x`` (runs, dim)."""

    __slots__ = ("oracle", "sample")

    def __init__(self, oracle: Oracle, sample: Sample) -> None:
        self.oracle = oracle
        self.sample = sample

    def __call__(self, x: Array) -> Array:
        return self.oracle._grad(x, self.sample.data)

    @property
    def is_exact(self) -> bool:
        """True when the gradient is the exact gradient of the problem."""
        return self.oracle.is_exact

    def fresh(self) -> GradFn:
        """A GradFn on a new, independent sample of the same batch size and step."""
        s = self.sample
        if self.oracle.is_exact:
            return self
        if s.rng is None:
            raise ValueError("fresh() needs a sample drawn with a generator (oracle.sample(rng,"
                             " runs, t))")
        return self.oracle.bind(self.oracle.sample(s.rng, s.runs, s.t))

    def exact(self, x: Array) -> Array:
        """The exact gradient of the problem at ``x``."""
        return self.oracle.problem.grad(x)


class Oracle:
    """Base class: subclasses implement ``_draw(rng, runs, b)`` and ``_grad(x, data)``."""

    is_exact = False
    name = "oracle"

    def __init__(self, problem: Problem, batch_size: int | Schedule = 1) -> None:
        if not isinstance(problem, Problem):
            raise TypeError(f"problem must be a convlab Problem, got {type(problem).__name__}")
        self.problem = problem
        if isinstance(batch_size, Schedule) or callable(batch_size):
            self._batch = batch_size
            self._check_batch(int(batch_size(0)))
        else:
            b = check_scalar("batch_size", batch_size, low=1, integer=True)
            self._check_batch(b)
            self._batch = b

    def _check_batch(self, b: int) -> int:
        if isinstance(b, bool) or int(b) != b or b < 1:
            raise ValueError(f"batch_size must be a positive integer, got {b!r}")
        return int(b)

    def batch_size(self, t: int = 0) -> int:
        """The batch size used at step ``t``."""
        b = self._batch
        return b if isinstance(b, int) else self._check_batch(b(t))

    def sample(self, rng: RNG, runs: int, t: int = 0) -> Sample:
        """Draw the sample for step ``t`` for ``runs`` runs from ``rng`` (a Generator or
        :class:`~convlab.streams.PerRunStreams`; one draw of either per call)."""
        b = self.batch_size(t)
        return Sample(self._draw(rng, runs, b), b, runs, t, rng)

    def bind(self, sample: Sample) -> GradFn:
        """Freeze ``sample`` into a gradient function."""
        return GradFn(self, sample)

    def _draw(self, rng: RNG, runs: int, b: int) -> Any:
        raise NotImplementedError

    def _grad(self, x: Array, data: Any) -> Array:
        raise NotImplementedError

    def variance(self, x: Array, t: int = 0) -> Array:
        r"""Exact total variance :math:`\mathbb E\|g(x)-\nabla f(x)\|^2` per run, ``(runs,)``."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Parameters recorded in traces."""
        b = self._batch
        return {"oracle": self.name, "batch_size": b if isinstance(b, int) else repr(b)}

    def __repr__(self) -> str:
        return f"{self.name}({self.problem.name}, batch_size={self._batch!r})"


class _Exact(Oracle):
    is_exact = True
    name = "exact"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem, 1)
        self._fn = GradFn(self, Sample(None, 0, 0, 0))

    def sample(self, rng: Any, runs: int, t: int = 0) -> Sample:
        return self._fn.sample

    def bind(self, sample: Sample) -> GradFn:
        return self._fn

    def _grad(self, x: Array, data: Any) -> Array:
        return self.problem.grad(x)

    def variance(self, x: Array, t: int = 0) -> Array:
        return np.zeros(np.shape(x)[0])

    def describe(self) -> dict[str, Any]:
        return {"oracle": "exact", "batch_size": 0}


def exact(problem: Problem) -> Oracle:
    """Deterministic oracle: the exact gradient (``batch_size`` is reported as 0).

    Returns
    -------
    Oracle
        ``is_exact = True``; ``sample`` ignores its ``rng`` and ``variance`` is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import oracles, problems
    >>> p = problems.quadratic([1.0, 4.0])
    >>> o = oracles.exact(p)
    >>> g = o.bind(o.sample(None, runs=2))
    >>> x = np.ones((2, 2))
    >>> g(x).tolist(), o.variance(x).tolist()
    ([[1.0, 4.0], [1.0, 4.0]], [0.0, 0.0])
    >>> o.describe()
    {'oracle': 'exact', 'batch_size': 0}
    """
    return _Exact(problem)


class _Additive(Oracle):
    """Additive noise independent of ``x``: ``g(x) = grad f(x) + data``."""

    per_coordinate_var = 0.0

    def _grad(self, x: Array, data: Array) -> Array:
        return self.problem.grad(x) + data

    def variance(self, x: Array, t: int = 0) -> Array:
        v = self.problem.dim * self.per_coordinate_var / self.batch_size(t)
        return np.full(np.shape(x)[0], v)


class _Gaussian(_Additive):
    name = "gaussian"

    def __init__(self, problem: Problem, sigma: float, batch_size: Any) -> None:
        super().__init__(problem, batch_size)
        self.sigma = check_scalar("sigma", sigma)
        self.per_coordinate_var = self.sigma**2

    def _draw(self, rng: RNG, runs: int, b: int) -> Array:
        return rng.standard_normal((runs, self.problem.dim)) * (self.sigma / np.sqrt(b))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "sigma": self.sigma}


def gaussian(problem: Problem, sigma: float, batch_size: int | Schedule = 1) -> Oracle:
    r"""Additive Gaussian noise :math:`g(x) = \nabla f(x) + \sigma z/\sqrt b`,
    :math:`z \sim \mathcal N(0, I_d)` (N1 with :math:`\sigma` **per coordinate**).

    Parameters
    ----------
    problem : Problem
        The objective.
    sigma : float
        Standard deviation per coordinate of one sample, :math:`\sigma \ge 0`.
    batch_size : int or Schedule
        Samples per step, :math:`b \ge 1` (a schedule ``t -> int`` for growing batches).

    Returns
    -------
    Oracle
        Total variance :math:`d\sigma^2/b` at every ``x``.

    Examples
    --------
    One sample per step, evaluated at two points: the noise is the same at both (what
    SAM's ascent and descent gradients need):

    >>> import numpy as np
    >>> from convlab import oracles, problems
    >>> p = problems.quadratic([1.0, 4.0])
    >>> o = oracles.gaussian(p, sigma=0.5, batch_size=4)
    >>> g = o.bind(o.sample(np.random.default_rng(0), runs=3))
    >>> x = np.ones((3, 2))
    >>> g(x).shape
    (3, 2)
    >>> bool(np.allclose(g(x) - p.grad(x), g(2 * x) - p.grad(2 * x)))
    True
    >>> o.variance(x).tolist()
    [0.125, 0.125, 0.125]
    """
    return _Gaussian(problem, sigma, batch_size)


class _Rademacher(_Additive):
    name = "rademacher"

    def __init__(self, problem: Problem, sigma: float, batch_size: Any) -> None:
        super().__init__(problem, batch_size)
        self.sigma = check_scalar("sigma", sigma)
        self.per_coordinate_var = self.sigma**2

    def _draw(self, rng: RNG, runs: int, b: int) -> Array:
        k = rng.binomial(b, 0.5, size=(runs, self.problem.dim))
        return (2.0 * k - b) * (self.sigma / b)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "sigma": self.sigma}


def rademacher(problem: Problem, sigma: float, batch_size: int | Schedule = 1) -> Oracle:
    r"""Bounded noise (N2): each sample adds :math:`\sigma s`, :math:`s \in \{\pm1\}^d`
    uniform; a batch averages ``b`` samples (drawn exactly through a binomial count).

    Parameters
    ----------
    problem : Problem
        The objective.
    sigma : float
        Amplitude :math:`\sigma \ge 0` per coordinate (also its standard deviation).
    batch_size : int or Schedule
        Samples per step.

    Returns
    -------
    Oracle
        Noise bounded by :math:`\sigma` per coordinate; total variance :math:`d\sigma^2/b`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import oracles, problems
    >>> p = problems.quadratic([1.0, 4.0])
    >>> o = oracles.rademacher(p, sigma=1.0)
    >>> x = np.ones((3, 2))
    >>> g = o.bind(o.sample(np.random.default_rng(0), runs=3))
    >>> np.abs(g(x) - p.grad(x)).tolist()
    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    >>> o.variance(x).tolist()
    [2.0, 2.0, 2.0]
    """
    return _Rademacher(problem, sigma, batch_size)


class _TwoPoint(_Additive):
    name = "two_point"

    def __init__(self, problem: Problem, a: float, prob: float, batch_size: Any) -> None:
        super().__init__(problem, batch_size)
        self.a = check_scalar("a", a, strict=True)
        self.prob = check_scalar("prob", prob, strict=True)
        if not self.prob < 1.0:
            raise ValueError(f"prob must be in (0, 1), got {prob!r}")
        self.low = self.prob * self.a / (1.0 - self.prob)
        self.per_coordinate_var = self.a**2 * self.prob / (1.0 - self.prob)

    def _draw(self, rng: RNG, runs: int, b: int) -> Array:
        k = rng.binomial(b, self.prob, size=(runs, self.problem.dim))
        return (k * self.a - (b - k) * self.low) / b

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "a": self.a, "prob": self.prob}


def two_point(problem: Problem, a: float, prob: float, batch_size: int | Schedule = 1) -> Oracle:
    r"""Skewed zero-mean two-point noise (N3, THEORY.md §4.3), per coordinate:
    :math:`\xi = +a` with probability :math:`p`, :math:`-pa/(1-p)` otherwise.

    Per-coordinate variance :math:`a^2 p/(1-p)`. On :math:`f = \frac\mu2 x^2` with
    :math:`p \ne 1/2` this drives stochastic SAM to the floor
    :math:`\frac\mu2(2p-1)^2\rho^2`.

    Parameters
    ----------
    problem : Problem
        The objective.
    a : float
        The positive value :math:`a > 0`.
    prob : float
        Its probability :math:`p \in (0, 1)`.
    batch_size : int or Schedule
        Samples per step.

    Returns
    -------
    Oracle
        Total variance :math:`d\,a^2 p/((1-p)\,b)`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import oracles, problems
    >>> p = problems.quadratic([1.0, 4.0])
    >>> o = oracles.two_point(p, a=1.0, prob=0.25)
    >>> x = np.ones((10, 2))
    >>> g = o.bind(o.sample(np.random.default_rng(0), runs=10))
    >>> sorted(set(np.round(g(x) - p.grad(x), 6).ravel().tolist()))
    [-0.333333, 1.0]
    >>> round(float(o.variance(x)[0]), 6)
    0.666667
    """
    return _TwoPoint(problem, a, prob, batch_size)


class _Minibatch(Oracle):
    name = "minibatch"

    def __init__(self, problem: Problem, batch_size: Any, replace: bool) -> None:
        if not problem.is_finite_sum:
            raise ValueError(f"minibatch needs a finite-sum problem (with grad_i), got "
                             f"{problem.name}")
        self.replace = bool(replace)
        super().__init__(problem, batch_size)

    def _check_batch(self, b: int) -> int:
        b = super()._check_batch(b)
        if not self.replace and b > self.problem.n:
            raise ValueError(f"batch_size={b} is larger than the number of components "
                             f"n={self.problem.n} (sampling without replacement)")
        return b

    def _draw(self, rng: RNG, runs: int, b: int) -> Array:
        n = self.problem.n
        if self.replace or b == 1:      # one index: with and without replacement agree
            return rng.integers(0, n, size=(runs, b))
        keys = rng.random((runs, n))
        if b == n:
            return np.argsort(keys, axis=1)
        return np.argpartition(keys, b - 1, axis=1)[:, :b]

    def _grad(self, x: Array, data: Array) -> Array:
        return self.problem.grad_i(x, data)

    def component_grads(self, x: Array) -> Array:
        """All component gradients at ``x``: shape ``(runs, n, dim)``."""
        runs, d = np.shape(x)
        n = self.problem.n
        xr = np.repeat(x, n, axis=0)
        idx = np.tile(np.arange(n), runs)[:, None]
        return self.problem.grad_i(xr, idx).reshape(runs, n, d)

    def variance(self, x: Array, t: int = 0) -> Array:
        gi = self.component_grads(x)
        dev = gi - gi.mean(axis=1, keepdims=True)
        per_sample = np.einsum("rnd,rnd->r", dev, dev) / self.problem.n
        b, n = self.batch_size(t), self.problem.n
        factor = 1.0 / b if self.replace else (n - b) / (b * (n - 1)) if n > 1 else 0.0
        return per_sample * factor

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "replace": self.replace}


def minibatch(problem: Problem, batch_size: int | Schedule = 1, *, replace: bool = False
              ) -> Oracle:
    r"""Mini-batches of real components of a finite sum: :math:`g(x) = \frac1b\sum_{i\in B}
    \nabla f_i(x)`, ``B`` drawn per run without replacement (``replace=True``: i.i.d.).

    ``batch_size`` larger than ``problem.n`` without replacement raises ``ValueError``.

    Parameters
    ----------
    problem : Problem
        A finite sum (``problem.is_finite_sum``).
    batch_size : int or Schedule
        Components per step, :math:`b \ge 1`.
    replace : bool
        Draw the ``b`` indices with replacement.

    Returns
    -------
    Oracle
        Its samples are ``(runs, b)`` integer index arrays; ``variance`` is the exact
        batch variance (with the finite-population factor without replacement).

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import oracles, problems
    >>> p = problems.least_squares(n=12, dim=3, rng=3)
    >>> o = oracles.minibatch(p, batch_size=4)
    >>> s = o.sample(np.random.default_rng(0), runs=2)
    >>> s.data.shape, all(len(set(row)) == 4 for row in s.data.tolist())
    ((2, 4), True)

    The full batch without replacement is the exact gradient:

    >>> full = oracles.minibatch(p, batch_size=12)
    >>> x = np.zeros((2, 3))
    >>> g = full.bind(full.sample(np.random.default_rng(0), runs=2))
    >>> bool(np.allclose(g(x), p.grad(x))), full.variance(x).tolist()
    (True, [0.0, 0.0])
    """
    return _Minibatch(problem, batch_size, replace)


ORACLES = {"exact": exact, "gaussian": gaussian, "rademacher": rademacher,
           "two_point": two_point, "minibatch": minibatch}


def get(name: str) -> Any:
    """The oracle factory called ``name``.

    Returns
    -------
    callable
        One of :func:`exact`, :func:`gaussian`, :func:`rademacher`, :func:`two_point`,
        :func:`minibatch`.

    Examples
    --------
    >>> from convlab import oracles
    >>> oracles.get("gaussian") is oracles.gaussian
    True
    """
    return ORACLES[check_choice("oracle", name, ORACLES)]
