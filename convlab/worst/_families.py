r"""Parametric problem families: a named parameter box and ``build(params) -> Instance``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import oracles as _oracles
from .._validation import check_scalar
from ..oracles import RNG, Oracle
from ..problems import Problem, get, quadratic
from ..problems.base import Array
from ..problems.piecewise import piecewise_quadratic

#: Version of the JSON layout written by :meth:`Instance.to_dict`.
FORMAT = 1


@dataclass(frozen=True, eq=False)
class Instance:
    r"""One member of a family: what a run needs, and how to rebuild it.

    Attributes
    ----------
    family : str
        The family's name (a key of :data:`FAMILIES` for :func:`load` to rebuild it).
    args : dict
        The family's constructor arguments (JSON values).
    params : dict
        The parameters, name -> float, in the family's order.
    problem : Problem
        The objective.
    x0 : ndarray
        The start, ``(dim,)``, or ``(runs, dim)`` for several starts at once.
    noise : dict or None
        The noise law of a noise family (``law``, ``values``, ``probs``, ``variance`` per
        coordinate); ``None`` for exact gradients.
    make_oracle : callable or None
        ``problem -> Oracle``; ``None`` for the exact oracle.

    Examples
    --------
    >>> from convlab import optimizers, worst
    >>> inst = worst.piecewise_quadratic_1d(pieces=1, width=(0.1, 2.0)).build(
    ...     [1.5, -1.0, 0.0, 0.3])                   # f'' = -1 on [0, 1.5], f'(0) = 0
    >>> trace = inst.run(optimizers.sam(0.5, 1.0), 100)
    >>> round(float(trace.final("grad_sq")[0]), 12)     # stuck at |f'| = beta * rho
    1.0
    >>> inst.to_dict()["params"]
    {'w1': 1.5, 'c1': -1.0, 'slope': 0.0, 'start': 0.3}
    """

    family: str
    args: dict[str, Any]
    params: dict[str, float]
    problem: Problem = field(repr=False)
    x0: Array = field(repr=False)
    noise: dict[str, Any] | None = field(default=None, repr=False)
    make_oracle: Callable[[Problem], Oracle] | None = field(default=None, repr=False)

    def oracle(self) -> Oracle:
        """A fresh oracle for :attr:`problem` (the exact one without a noise law)."""
        if self.make_oracle is None:
            return _oracles.exact(self.problem)
        return self.make_oracle(self.problem)

    def run(self, opt: Any, n_steps: int, **kwargs: Any) -> Any:
        """``convlab.run(problem, opt, x0, n_steps, oracle=oracle(), **kwargs)``."""
        from ..run import run

        return run(self.problem, opt, self.x0, n_steps, oracle=self.oracle(), **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the family, its arguments and the parameters (exact floats)."""
        return {"format": FORMAT, "family": self.family, "args": dict(self.args),
                "params": {k: float(v) for k, v in self.params.items()},
                "problem": self.problem.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], problem: Problem | None = None) -> Instance:
        """Rebuild an instance from :meth:`to_dict`'s output (see :func:`load`)."""
        return _rebuild(data, problem)

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON to ``path``; returns the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path


@dataclass(frozen=True, eq=False)
class Family:
    r"""A named box of parameters and a builder.

    Parameters
    ----------
    name : str
        The family's name; :func:`load` rebuilds an instance from ``FAMILIES[name](**args)``.
    names : sequence of str
        The parameter names (unique).
    bounds : array_like, shape (k, 2)
        Finite ``(low, high)`` per parameter with ``low < high``.
    builder : callable
        ``builder(params: ndarray (k,)) -> dict`` with keys ``problem``, ``x0`` and
        optionally ``noise`` and ``make_oracle`` (the fields of :class:`Instance`).
    args : dict
        The constructor arguments (JSON values), saved with every instance.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import problems
    >>> from convlab.worst import Family
    >>> fam = Family("scaled_start", ["s"], [(0.5, 2.0)],
    ...              lambda q: {"problem": problems.quadratic([1.0]), "x0": q[:1]})
    >>> inst = fam.build([1.5])
    >>> inst.params, inst.x0.tolist()
    ({'s': 1.5}, [1.5])
    >>> fam.build([3.0])
    Traceback (most recent call last):
    ...
    ValueError: scaled_start: parameter s=3.0 is outside [0.5, 2]
    """

    name: str
    names: tuple[str, ...]
    bounds: Array
    builder: Callable[[Array], dict[str, Any]] = field(repr=False)
    args: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string, got {self.name!r}")
        names = tuple(self.names)
        if len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"names must be unique strings, got {names!r}")
        b = np.asarray(self.bounds, dtype=float).reshape(-1, 2) if len(names) else \
            np.zeros((0, 2))
        if b.shape[0] != len(names):
            raise ValueError(f"bounds must have one (low, high) row per parameter "
                             f"({len(names)}), got shape {np.shape(self.bounds)}")
        if not np.all(np.isfinite(b)) or not np.all(b[:, 0] < b[:, 1]):
            bad = [n for n, (lo, hi) in zip(names, b, strict=True)
                   if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi)]
            raise ValueError(f"bad bounds: need finite low < high, got {bad} "
                             f"(bounds {b.tolist()})")
        b.setflags(write=False)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "bounds", b)
        if not callable(self.builder):
            raise TypeError("builder must be callable")

    @property
    def size(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def vector(self, params: Any) -> Array:
        """``params`` (a mapping name -> value or a sequence in order) as a checked vector."""
        if isinstance(params, Mapping):
            missing = [n for n in self.names if n not in params]
            extra = [k for k in params if k not in self.names]
            if missing or extra:
                raise ValueError(f"{self.name}: parameters missing {missing}, unknown {extra}")
            q = np.array([params[n] for n in self.names], dtype=float)
        else:
            q = np.asarray(params, dtype=float).reshape(-1)
        if q.size != self.size:
            raise ValueError(f"{self.name}: expected {self.size} parameters, got {q.size}")
        for n, v, (lo, hi) in zip(self.names, q, self.bounds, strict=True):
            if not lo <= v <= hi:
                raise ValueError(f"{self.name}: parameter {n}={float(v)!r} is outside "
                                 f"[{lo:g}, {hi:g}]")
        return q

    def build(self, params: Any) -> Instance:
        """The instance at ``params`` (in the box; a mapping or a sequence in order)."""
        q = self.vector(params)
        parts = self.builder(q.copy())
        x0 = np.array(parts["x0"], dtype=float)
        x0.setflags(write=False)
        return Instance(self.name, dict(self.args), dict(zip(self.names, map(float, q),
                                                             strict=True)),
                        parts["problem"], x0, parts.get("noise"), parts.get("make_oracle"))

    def sample(self, rng: Any, n: int = 1) -> Array:
        """``n`` uniform draws from the box, ``(n, k)``."""
        g = np.random.default_rng(rng)
        lo, hi = self.bounds[:, 0], self.bounds[:, 1]
        return lo + (hi - lo) * g.random((n, self.size))


# ------------------------------------------------------------------------------ helpers


def sphere_names(dim: int, prefix: str = "phi") -> list[str]:
    """Parameter names of a point on the sphere in ``dim`` dimensions."""
    return ["side"] if dim == 1 else [f"{prefix}{i}" for i in range(1, dim)]


def sphere_bounds(dim: int) -> list[tuple[float, float]]:
    """Hyperspherical angles: ``[0, pi]`` except the last in ``[-pi, pi]``; ``side`` in
    ``[-1, 1]`` in one dimension."""
    if dim == 1:
        return [(-1.0, 1.0)]
    return [(0.0, math.pi)] * (dim - 2) + [(-math.pi, math.pi)]


def sphere_point(angles: Array, dim: int) -> Array:
    r"""The unit vector with hyperspherical ``angles`` (:math:`u_1 = \cos\phi_1`, ...,
    :math:`u_d = \sin\phi_1\cdots\sin\phi_{d-1}`); in one dimension the sign of ``side``
    (``+1`` at 0)."""
    if dim == 1:
        return np.array([-1.0 if angles[0] < 0 else 1.0])
    u = np.ones(dim)
    s = 1.0
    for i, a in enumerate(angles):
        u[i] = s * math.cos(a)
        s *= math.sin(a)
    u[dim - 1] = s
    return u


def givens_rotation(angles: Array, dim: int) -> Array:
    r"""The product of the Givens rotations :math:`G_{ij}(\theta_{ij})` over the pairs
    :math:`i < j` in lexicographic order (every rotation of :math:`SO(d)` is one)."""
    Q = np.eye(dim)
    k = 0
    for i in range(dim):
        for j in range(i + 1, dim):
            c, s = math.cos(angles[k]), math.sin(angles[k])
            qi, qj = Q[:, i].copy(), Q[:, j].copy()
            Q[:, i] = c * qi + s * qj
            Q[:, j] = -s * qi + c * qj
            k += 1
    return Q


def dense_quadratic(A: Array, eigs: Array, name: str) -> Problem:
    r""":math:`\frac12 x^\top A x` for a given symmetric ``A`` with eigenvalues ``eigs``."""
    d = A.shape[0]
    A = 0.5 * (A + A.T)
    A.setflags(write=False)
    L, mu = float(np.max(eigs)), float(np.min(eigs))

    def f(x: Array) -> Array:
        return 0.5 * np.einsum("rd,rd->r", x @ A, x)

    def grad(x: Array) -> Array:
        return x @ A

    def hess(x: Array) -> Array:
        return np.broadcast_to(A, (x.shape[0], d, d))

    def hvp(x: Array, v: Array) -> Array:
        return v @ A

    return Problem(name, d, f, grad, hess, hvp, L=L, mu=mu, lower=mu, f_star=0.0,
                   x_star=np.zeros(d), convex=True,
                   params={"problem": "quadratic", "eigs": [float(e) for e in eigs],
                           "rotated": True, "A": A})


# ------------------------------------------------------------------------------ families


def quadratic_spectrum(dim: int = 2, mu: float = 0.1, L: float = 1.0, rotate: bool = True,
                       radius: float = 1.0) -> Family:
    r"""Quadratics :math:`\frac12 x^\top Q\Lambda Q^\top x` with spectrum in :math:`[\mu, L]`
    and a start on the sphere :math:`\|x_0 - x^\star\| = ` ``radius``.

    Parameters
    ----------
    dim : int
        Dimension :math:`d \ge 1`.
    mu, L : float
        The spectrum's box, :math:`0 \le \mu < L`.
    rotate : bool
        Add :math:`d(d-1)/2` Givens angles ``theta_i_j`` in :math:`[-\pi, \pi]` for
        :math:`Q`; ``False`` keeps :math:`Q = I` (GD, SAM and USAM are rotation-equivariant,
        so the start's angles already cover every rotation for them).
    radius : float
        :math:`\|x_0\|` (the minimiser is 0).

    Returns
    -------
    Family
        Parameters ``lam1 .. lamd`` (eigenvalues), the Givens angles, and the start's
        hyperspherical angles ``phi1 .. phi{d-1}`` (``side`` in one dimension).

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import worst
    >>> fam = worst.quadratic_spectrum(dim=2, mu=0.1, L=1.0)
    >>> fam.names
    ('lam1', 'lam2', 'theta_1_2', 'phi1')
    >>> inst = fam.build([0.1, 1.0, 0.3, 0.0])
    >>> np.linalg.eigvalsh(inst.problem.hess(inst.x0[None])[0]).round(12).tolist()
    [0.1, 1.0]
    >>> float(np.linalg.norm(inst.x0))
    1.0
    """
    d = check_scalar("dim", dim, low=1, integer=True)
    mu = check_scalar("mu", mu)
    L = check_scalar("L", L, strict=True)
    if not mu < L:
        raise ValueError(f"bad bounds: need mu < L, got mu={mu!r}, L={L!r}")
    radius = check_scalar("radius", radius, strict=True)
    rotate = bool(rotate) and d > 1
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)] if rotate else []
    names = ([f"lam{i + 1}" for i in range(d)] + [f"theta_{i + 1}_{j + 1}" for i, j in pairs]
             + sphere_names(d))
    bounds = [(mu, L)] * d + [(-math.pi, math.pi)] * len(pairs) + sphere_bounds(d)

    def builder(q: Array) -> dict[str, Any]:
        lam = q[:d]
        tag = f"quadratic_spectrum(d={d}, mu={mu:g}, L={L:g})"
        if rotate:
            Q = givens_rotation(q[d:d + len(pairs)], d)
            p = dense_quadratic((Q * lam) @ Q.T, lam, tag)
        else:
            p = quadratic(lam)
        return {"problem": p, "x0": radius * sphere_point(q[d + len(pairs):], d)}

    return Family("quadratic_spectrum", names, bounds, builder,
                  {"dim": d, "mu": mu, "L": L, "rotate": bool(rotate), "radius": radius})


def piecewise_quadratic_1d(beta: float = 1.0, pieces: int = 4,
                           width: tuple[float, float] = (0.05, 1.0), starts: int = 1
                           ) -> Family:
    r"""1-D piecewise quadratics with :math:`|f''| \le \beta` (nonconvex), bounded below.

    Knots :math:`b_0 = 0 < b_1 < \dots < b_K` with widths :math:`w_k = b_k - b_{k-1}`,
    curvature :math:`c_k \in [-\beta, \beta]` on piece :math:`k`, :math:`f'(0) = s`, and
    curvature :math:`\beta` outside :math:`[0, b_K]`
    (:func:`convlab.problems.piecewise.piecewise_quadratic`).

    Parameters
    ----------
    beta : float
        The smoothness constant :math:`\beta > 0` (the instance's ``L``).
    pieces : int
        :math:`K \ge 1`.
    width : (float, float)
        Bounds on each width, :math:`0 < ` low :math:`<` high.
    starts : int
        ``1``: the start is a parameter ``start`` in :math:`[0, 1]`, the fraction of
        :math:`[0, b_K]`; more: ``x0`` is the ``(starts, 1)`` grid of midpoints of
        :math:`[0, b_K]` cut in ``starts`` equal parts (many starts in one vectorised run).

    Returns
    -------
    Family
        Parameters ``w1 .. wK``, ``c1 .. cK``, ``slope`` (in :math:`\pm\beta K` high) and,
        for one start, ``start``.

    Examples
    --------
    >>> from convlab import worst
    >>> fam = worst.piecewise_quadratic_1d(beta=1.0, pieces=2)
    >>> fam.names
    ('w1', 'w2', 'c1', 'c2', 'slope', 'start')
    >>> inst = fam.build([1.0, 1.0, -1.0, 1.0, 0.25, 0.5])
    >>> inst.problem.L, inst.problem.lower, inst.x0.tolist(), inst.problem.f_star
    (1.0, -1.0, [1.0], -0.53125)
    """
    beta = check_scalar("beta", beta, strict=True)
    K = check_scalar("pieces", pieces, low=1, integer=True)
    starts = check_scalar("starts", starts, low=1, integer=True)
    lo, hi = (float(w) for w in width)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise ValueError(f"bad bounds: width must be (low, high) with 0 < low < high, "
                         f"got {width!r}")
    smax = beta * K * hi
    names = ([f"w{k + 1}" for k in range(K)] + [f"c{k + 1}" for k in range(K)] + ["slope"]
             + (["start"] if starts == 1 else []))
    bounds = [(lo, hi)] * K + [(-beta, beta)] * K + [(-smax, smax)] + \
        ([(0.0, 1.0)] if starts == 1 else [])

    def builder(q: Array) -> dict[str, Any]:
        knots = np.concatenate([[0.0], np.cumsum(q[:K])])
        p = piecewise_quadratic(knots, q[K:2 * K], slope=q[2 * K], outer=beta)
        span = knots[-1]
        if starts == 1:
            x0 = np.array([q[2 * K + 1] * span])
        else:
            x0 = ((np.arange(starts) + 0.5) / starts * span)[:, None]
        return {"problem": p, "x0": x0}

    return Family("piecewise_quadratic_1d", names, bounds, builder,
                  {"beta": beta, "pieces": K, "width": [lo, hi], "starts": starts})


def starting_points(problem: str | Problem = "quadratic", radius: float = 1.0,
                    center: Any = None, ball: bool = False) -> Family:
    r"""Starts on the sphere (or in the ball) of radius ``radius`` around ``center`` for a
    fixed problem.

    Parameters
    ----------
    problem : str or Problem
        A name of :data:`convlab.problems.REGISTRY` (saved by name), or a Problem (then
        :func:`load` needs it again as ``problem=``).
    radius : float
        :math:`\|x_0 - c\|` (at most, with ``ball``).
    center : array_like, optional
        :math:`c`; default the problem's ``x_star``.
    ball : bool
        Add a parameter ``r`` in :math:`[0, 1]`: :math:`\|x_0 - c\| = r\cdot` radius.

    Returns
    -------
    Family
        Parameters ``phi1 .. phi{d-1}`` (``side`` in one dimension) and, with ``ball``, ``r``.

    Examples
    --------
    >>> from convlab import worst
    >>> fam = worst.starting_points("rosenbrock", radius=0.5)
    >>> fam.names
    ('phi1',)
    >>> fam.build([0.0]).x0.tolist()
    [1.5, 1.0]
    """
    by_name = isinstance(problem, str)
    p = get(problem) if by_name else problem
    if not isinstance(p, Problem):
        raise TypeError(f"problem must be a registry name or a Problem, got "
                        f"{type(problem).__name__}")
    radius = check_scalar("radius", radius, strict=True)
    if center is None:
        if p.x_star is None:
            raise ValueError(f"{p.name} has no x_star: give center")
        c = np.array(p.x_star, dtype=float)
    else:
        c = np.asarray(center, dtype=float).reshape(p.dim)
        if not np.all(np.isfinite(c)):
            raise ValueError("center must be finite")
    d = p.dim
    names = sphere_names(d) + (["r"] if ball else [])
    bounds = sphere_bounds(d) + ([(0.0, 1.0)] if ball else [])

    def builder(q: Array) -> dict[str, Any]:
        r = radius * (q[-1] if ball else 1.0)
        return {"problem": p, "x0": c + r * sphere_point(q[:len(q) - bool(ball)], d)}

    return Family("starting_points", names, bounds, builder,
                  {"problem": problem if by_name else None, "radius": radius,
                   "center": None if center is None else c.tolist(), "ball": bool(ball)})


class _DiscreteNoise(_oracles._Additive):
    """Additive noise with a discrete zero-mean law, the same per coordinate."""

    name = "discrete"

    def __init__(self, problem: Problem, values: Array, probs: Array, batch_size: Any) -> None:
        super().__init__(problem, batch_size)
        self.values = np.asarray(values, dtype=float)
        self.probs = np.asarray(probs, dtype=float)
        self.cum = np.cumsum(self.probs)[:-1]
        self.per_coordinate_var = float(np.sum(self.probs * self.values**2))

    def _draw(self, rng: RNG, runs: int, b: int) -> Array:
        d = self.problem.dim
        u = rng.random((runs, b * d))
        xi = self.values[np.searchsorted(self.cum, u, side="right")]
        return xi.reshape(runs, b, d).mean(axis=1)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "values": self.values.tolist(),
                "probs": self.probs.tolist()}


def _noise_problem(mu: float, dim: int) -> Problem:
    return quadratic(np.full(dim, mu))


def two_point_noise(sigma: float = 0.1, mu: float = 1.0, dim: int = 1,
                    prob: tuple[float, float] = (0.02, 0.98), x0: float = 0.0,
                    batch_size: int = 1) -> Family:
    r"""Two-point zero-mean noise of fixed variance on :math:`f = \frac\mu2\|x\|^2`.

    :math:`\xi = a` with probability :math:`p`, :math:`-pa/(1-p)` otherwise, per
    coordinate, with :math:`a = \sigma\sqrt{(1-p)/p}` so that the variance is
    :math:`\sigma^2` for every skew :math:`p` (:func:`convlab.oracles.two_point`,
    THEORY.md §4.3).

    Parameters
    ----------
    sigma : float
        Per-coordinate standard deviation :math:`\sigma > 0`.
    mu : float
        Curvature of the objective, :math:`> 0`.
    dim : int
        Dimension.
    prob : (float, float)
        Bounds on the skew :math:`p`, inside :math:`(0, 1)`.
    x0 : float
        The start, :math:`x_0 = ` ``x0`` :math:`\mathbf 1` (default the minimiser, so that a
        short run is already at its floor).
    batch_size : int
        Samples per step.

    Returns
    -------
    Family
        One parameter, ``prob``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import worst
    >>> inst = worst.two_point_noise(sigma=0.1).build([0.8])
    >>> np.round(inst.noise["values"], 12).tolist(), np.round(inst.noise["probs"], 12).tolist()
    ([0.05, -0.2], [0.8, 0.2])
    >>> round(float(inst.oracle().variance(np.zeros((1, 1)))[0]), 12)
    0.01
    """
    sigma = check_scalar("sigma", sigma, strict=True)
    mu = check_scalar("mu", mu, strict=True)
    d = check_scalar("dim", dim, low=1, integer=True)
    b = check_scalar("batch_size", batch_size, low=1, integer=True)
    x0 = check_scalar("x0", x0, low=None)
    lo, hi = (float(v) for v in prob)
    if not 0 < lo < hi < 1:
        raise ValueError(f"bad bounds: prob must be (low, high) with 0 < low < high < 1, "
                         f"got {prob!r}")
    p_obj = _noise_problem(mu, d)

    def builder(q: Array) -> dict[str, Any]:
        p = float(q[0])
        a = sigma * math.sqrt((1 - p) / p)
        low = p * a / (1 - p)
        return {"problem": p_obj, "x0": np.full(d, x0),
                "noise": {"law": "two_point", "values": [a, -low], "probs": [p, 1 - p],
                          "variance": sigma**2},
                "make_oracle": lambda pr: _oracles.two_point(pr, a, p, b)}

    return Family("two_point_noise", ["prob"], [(lo, hi)], builder,
                  {"sigma": sigma, "mu": mu, "dim": d, "prob": [lo, hi], "x0": x0,
                   "batch_size": b})


def discrete_noise(sigma: float = 0.1, atoms: int = 3, mu: float = 1.0, dim: int = 1,
                   x0: float = 0.0, batch_size: int = 1, min_weight: float = 0.02) -> Family:
    r"""Zero-mean discrete noise laws with ``atoms`` atoms and variance :math:`\sigma^2`.

    Raw atoms :math:`z_1 = -1`, :math:`z_2 = 1`, :math:`z_3, \dots \in [-1, 1]` (parameters
    ``z3 ..``) with weights ``w1 ..`` in ``[min_weight, 1]``; the law puts probability
    :math:`w_i/\sum w` on :math:`\sigma(z_i - m)/s` (:math:`m`, :math:`s^2` the raw mean and
    variance), so its mean is 0 and its variance :math:`\sigma^2` whatever the parameters.
    Two atoms give the two-point laws of :func:`two_point_noise`.

    Parameters
    ----------
    sigma, mu, dim, x0, batch_size
        As in :func:`two_point_noise`.
    atoms : int
        Number of atoms, :math:`\ge 2`.
    min_weight : float
        Lower bound of the weights, in :math:`(0, 1)`.

    Returns
    -------
    Family
        Parameters ``w1 .. w{atoms}`` and ``z3 .. z{atoms}``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import worst
    >>> inst = worst.discrete_noise(sigma=0.1, atoms=3).build([1.0, 1.0, 1.0, 0.0])
    >>> np.round(inst.noise["values"], 6).tolist(), np.round(inst.noise["probs"], 6).tolist()
    ([-0.122474, 0.122474, 0.0], [0.333333, 0.333333, 0.333333])
    """
    sigma = check_scalar("sigma", sigma, strict=True)
    mu = check_scalar("mu", mu, strict=True)
    k = check_scalar("atoms", atoms, low=2, integer=True)
    d = check_scalar("dim", dim, low=1, integer=True)
    b = check_scalar("batch_size", batch_size, low=1, integer=True)
    x0 = check_scalar("x0", x0, low=None)
    wmin = check_scalar("min_weight", min_weight, strict=True, high=1.0)
    if wmin >= 1.0:
        raise ValueError(f"bad bounds: min_weight must be < 1, got {min_weight!r}")
    names = [f"w{i + 1}" for i in range(k)] + [f"z{i + 1}" for i in range(2, k)]
    bounds = [(wmin, 1.0)] * k + [(-1.0, 1.0)] * (k - 2)
    p_obj = _noise_problem(mu, d)

    def builder(q: Array) -> dict[str, Any]:
        probs = q[:k] / q[:k].sum()
        z = np.concatenate([[-1.0, 1.0], q[k:]])
        m = float(probs @ z)
        s = math.sqrt(float(probs @ (z - m) ** 2))
        values = sigma * (z - m) / s
        return {"problem": p_obj, "x0": np.full(d, x0),
                "noise": {"law": "discrete", "values": values.tolist(),
                          "probs": probs.tolist(), "variance": sigma**2},
                "make_oracle": lambda pr: _DiscreteNoise(pr, values, probs, b)}

    return Family("discrete_noise", names, bounds, builder,
                  {"sigma": sigma, "atoms": k, "mu": mu, "dim": d, "x0": x0,
                   "batch_size": b, "min_weight": wmin})


#: The built-in families by name: ``FAMILIES[name](**args)`` rebuilds a family; add an
#: entry to make :func:`load` rebuild instances of a family of your own.
FAMILIES: dict[str, Callable[..., Family]] = {
    "quadratic_spectrum": quadratic_spectrum,
    "piecewise_quadratic_1d": piecewise_quadratic_1d,
    "starting_points": starting_points,
    "two_point_noise": two_point_noise,
    "discrete_noise": discrete_noise,
}


def family(name: str, **args: Any) -> Family:
    """The family ``name`` of :data:`FAMILIES` built with ``args``.

    Returns
    -------
    Family
        ``FAMILIES[name](**args)``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> from convlab import worst
    >>> worst.family("two_point_noise", sigma=0.2).names
    ('prob',)
    >>> worst.family("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown family 'nope'; known: discrete_noise, piecewise_quadratic_1d, ...
    """
    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; known: {', '.join(sorted(FAMILIES))}")
    return FAMILIES[name](**args)


def _rebuild(data: Mapping[str, Any], problem: Problem | None) -> Instance:
    if "instance" in data:                     # a Found file
        data = data["instance"]
    if not isinstance(data, Mapping) or "family" not in data or "params" not in data:
        raise ValueError("not a saved instance: needs 'family', 'args' and 'params'")
    if data.get("format", FORMAT) != FORMAT:
        raise ValueError(f"saved instance has format {data.get('format')!r}; this convlab "
                         f"reads format {FORMAT}")
    args = dict(data.get("args", {}))
    if data["family"] == "starting_points" and args.get("problem") is None:
        if problem is None:
            raise ValueError(f"this instance was built on a Problem given as an object "
                             f"({data.get('problem')!r}): pass it again as problem=")
        args["problem"] = problem
    elif problem is not None:
        raise ValueError("problem= is only for starting_points instances built on a Problem "
                         "object")
    return family(data["family"], **args).build(dict(data["params"]))


def load(path: str | Path, problem: Problem | None = None) -> Instance:
    """Rebuild the instance saved at ``path`` (by :meth:`Instance.save` or
    :meth:`~convlab.worst.Found.save`): the same family, arguments and parameters, so the
    same numbers.

    Parameters
    ----------
    path : str or Path
        A JSON file.
    problem : Problem, optional
        Only for a ``starting_points`` instance built on a Problem object.

    Returns
    -------
    Instance
        Rebuilt from :data:`FAMILIES`.

    Raises
    ------
    ValueError
        For a file that is not a saved instance, an unknown family or a missing problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from convlab import worst
    >>> inst = worst.two_point_noise(sigma=0.1).build([0.8])
    >>> path = inst.save(pathlib.Path(tempfile.mkdtemp()) / "noise.json")
    >>> worst.load(path).noise == inst.noise
    True
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return _rebuild(data, problem)
