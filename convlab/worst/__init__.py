r"""Adversarial instances: maximise a claim's statistic over a parametric problem family.

``search(statistic, family, budget, rng)`` looks for the worst member of a family (the one
with the largest ``statistic``) with differential evolution (``scipy.optimize``) or CMA-ES
(the ``cma`` package: ``pip install cma``), with random restarts, and returns a
:class:`Found`: the value, the :class:`Instance` (a problem, a start and, for noise
families, an oracle, ready for :func:`convlab.run`), its parameters and the search's
history. A found instance saves to JSON (the family's name, its arguments and the exact
parameters) and :func:`load` rebuilds it, so a counterexample re-runs bit for bit as a
regression test. DESIGN.md "Round 2".

Searched and certified
----------------------
A search gives a *lower* bound on a worst case (an instance that attains the value), a
PEP certificate (:mod:`convlab.certify`) an *upper* bound; for an upper-bound claim the
tightness table checks ``searched <= certified`` (:func:`performance` computes the
certificate's measure on an instance). Over a class that contains the family's instances,
a violation means a bug in one of them.

Families
--------
======================================  =====================================================
:func:`quadratic_spectrum`              eigenvalues in :math:`[\mu, L]^d`, Givens angles, a
                                        start on the sphere (hyperspherical angles)
:func:`piecewise_quadratic_1d`          1-D piecewise quadratics, :math:`|f''|\le\beta`,
                                        nonconvex, bounded below; one start or a grid of
                                        starts (one vectorised run)
:func:`starting_points`                 starts on a sphere / in a ball for a fixed problem
:func:`two_point_noise`                 two-point zero-mean noise of fixed variance (skew)
:func:`discrete_noise`                  zero-mean discrete laws with ``atoms`` atoms, fixed
                                        variance
======================================  =====================================================

A family of your own is a :class:`Family` (a box and a builder); add its factory to
:data:`FAMILIES` for :func:`load` to rebuild its instances.

Statistics
----------
A statistic is any ``callable(instance) -> float`` that is deterministic (the same
instance gives the same number: a stochastic one fixes its own seed). :func:`performance`
(the certificate's measure after :math:`N` steps of GD / USAM / SAM),
:func:`stationarity_floor` (SAM's limiting gradient norm, in units of :math:`\beta\rho`) and
:func:`noise_floor` (stochastic SAM's floor, in units of :math:`\frac\mu2\rho^2`) are built in.

Budget and failures
-------------------
``budget`` is the number of statistic evaluations, exactly: each restart gets
:math:`\lceil` budget / restarts :math:`\rceil` of them (stopped mid-run when spent), and the
budget left by a restart that converged early goes to further restarts. A statistic that
returns NaN counts as :math:`-\infty` (``Found.nan_count`` counts them; ``nan="raise"``
raises instead); if every evaluation is NaN the search raises. ``+inf`` (a diverged run) is
a value like any other: the worst possible.
"""

from __future__ import annotations

import inspect
import json
import math
import numbers
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.optimize as _so

from .._validation import check_choice, check_scalar
from ._families import (
    FAMILIES,
    Family,
    Instance,
    discrete_noise,
    family,
    givens_rotation,
    load,
    piecewise_quadratic_1d,
    quadratic_spectrum,
    sphere_point,
    starting_points,
    two_point_noise,
)
from ._statistics import Statistic, noise_floor, performance, stationarity_floor

__all__ = [
    "FAMILIES",
    "METHODS",
    "Family",
    "Found",
    "Instance",
    "Statistic",
    "discrete_noise",
    "family",
    "givens_rotation",
    "load",
    "noise_floor",
    "performance",
    "piecewise_quadratic_1d",
    "quadratic_spectrum",
    "search",
    "sphere_point",
    "starting_points",
    "stationarity_floor",
    "two_point_noise",
]

METHODS = ("de", "cma")
#: Bound on the loss the optimisers see (they want finite numbers whose squares are finite).
_HUGE = 1e100


def _enc(v: float) -> float | str:
    """A float for JSON: finite as is, else ``"inf"``, ``"-inf"`` or ``"nan"``."""
    return float(v) if math.isfinite(v) else repr(float(v))


def _dec(v: Any) -> float:
    return float(v)


@dataclass(frozen=True, eq=False)
class Found:
    r"""The worst instance a search found.

    Attributes
    ----------
    value : float
        The largest statistic seen (``statistic(instance) == value``, bit for bit).
    instance : Instance
        The instance attaining it.
    params : dict
        Its parameters, name -> float.
    evaluations : int
        Statistic evaluations spent (at most the budget).
    history : ndarray
        The statistic of every evaluation in order (NaN kept).
    method : str
        ``"de"`` or ``"cma"``.
    restarts : int
        Restarts run.
    nan_count : int
        Evaluations that returned NaN.
    seconds : float
        Wall time.
    statistic : dict
        The statistic's description (:meth:`Statistic.describe`, or its name).
    """

    value: float
    instance: Instance
    params: dict[str, float]
    evaluations: int
    history: np.ndarray = field(repr=False)
    method: str
    restarts: int = 1
    nan_count: int = 0
    seconds: float = field(default=0.0, repr=False)
    statistic: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def best_so_far(self) -> np.ndarray:
        """The running maximum of :attr:`history` (NaN counted as :math:`-\\infty`)."""
        return np.maximum.accumulate(np.where(np.isnan(self.history), -np.inf, self.history))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the value, the search's record and the instance."""
        return {"format": 1, "value": _enc(self.value), "method": self.method,
                "evaluations": self.evaluations, "restarts": self.restarts,
                "nan_count": self.nan_count, "seconds": self.seconds,
                "statistic": self.statistic, "history": [_enc(v) for v in self.history],
                "instance": self.instance.to_dict()}

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON; :func:`load` rebuilds the instance from it."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, problem: Any = None) -> Found:
        """Read a file written by :meth:`save` (the instance rebuilt as by :func:`load`)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        inst = load(path, problem=problem)
        return cls(_dec(data["value"]), inst, dict(inst.params), int(data["evaluations"]),
                   np.array([_dec(v) for v in data["history"]], dtype=float),
                   data["method"], int(data["restarts"]), int(data["nan_count"]),
                   float(data["seconds"]), dict(data.get("statistic", {})))


class _Exhausted(Exception):
    """The current restart's share of the budget is spent."""


class _Abort(Exception):
    """Carries an error of the statistic or the family past the optimiser (scipy turns a
    TypeError or ValueError raised in the objective into a RuntimeError)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _Objective:
    """Counts evaluations, keeps the best, turns values into a finite loss to minimise."""

    def __init__(self, statistic: Callable, fam: Family, nan: str, bar: Any) -> None:
        self.statistic, self.family, self.nan, self.bar = statistic, fam, nan, bar
        self.lo, self.hi = fam.bounds[:, 0], fam.bounds[:, 1]
        self.history: list[float] = []
        self.best, self.best_q = -math.inf, None
        self.cap = 0
        self.nan_count = 0

    @property
    def count(self) -> int:
        return len(self.history)

    def value(self, q: Any) -> float:
        if self.count >= self.cap:
            raise _Exhausted
        q = np.clip(np.asarray(q, dtype=float).reshape(-1), self.lo, self.hi)
        try:
            v = self.statistic(self.family.build(q))
        except Exception as exc:
            raise _Abort(exc) from exc
        if isinstance(v, np.ndarray) and v.size == 1:
            v = v.reshape(())[()]
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise _Abort(TypeError(f"statistic must return a real number, got "
                                   f"{type(v).__name__}"))
        v = float(v)
        self.history.append(v)
        if self.bar is not None:
            self.bar.update(1)
        if math.isnan(v):
            self.nan_count += 1
            if self.nan == "raise":
                at = {n: float(x) for n, x in zip(self.family.names, q, strict=True)}
                raise _Abort(ValueError(f"statistic returned NaN at {at} (nan='raise')"))
            return -math.inf
        if self.best_q is None or v > self.best:
            self.best, self.best_q = v, q.copy()
            if self.bar is not None:
                self.bar.set_postfix(best=f"{v:.6g}", refresh=False)
        return v

    def loss(self, q: Any) -> float:
        """``-value``, clipped to ``[-_HUGE, _HUGE]`` (infinities included)."""
        v = self.value(q)
        return -v if abs(v) < _HUGE else (-_HUGE if v > 0 else _HUGE)


_DE_RNG = "rng" in inspect.signature(_so.differential_evolution).parameters


def _de(obj: _Objective, fam: Family, cap: int, seed: int, options: dict) -> None:
    opts = dict(options)
    k = fam.size
    if "popsize" not in opts:          # about a tenth of the share, at most scipy's 15 k
        opts["popsize"] = max(1, math.ceil(min(15 * k, max(5, cap // 10)) / k))
    opts.setdefault("polish", False)
    opts.setdefault("maxiter", cap)
    key = "rng" if _DE_RNG else "seed"
    _so.differential_evolution(obj.loss, fam.bounds, **{key: np.random.default_rng(seed)},
                               **opts)


def _cma(obj: _Objective, fam: Family, cap: int, seed: int, options: dict) -> None:
    try:
        import cma
    except ImportError as exc:
        raise ImportError("method='cma' needs the cma package: pip install cma") from exc
    g = np.random.default_rng(seed)
    opts = dict(options)
    sigma0 = opts.pop("sigma0", 0.3)
    lo, hi = fam.bounds[:, 0], fam.bounds[:, 1]
    inopts = {"bounds": [0.0, 1.0], "seed": np.nan, "verbose": -9, "verb_log": 0,
              "verb_disp": 0, "maxfevals": cap,
              "randn": lambda *shape: g.standard_normal(shape), **opts}
    u0 = g.random(fam.size)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="cma")      # its chatter is not ours
        es = cma.CMAEvolutionStrategy(u0, sigma0, inopts)
        while not es.stop():
            X = es.ask()
            es.tell(X, [obj.loss(lo + np.clip(x, 0.0, 1.0) * (hi - lo)) for x in X])


def _polish(obj: _Objective, fam: Family, cap: int) -> None:
    """A bounded L-BFGS-B search (finite-difference gradients) from the best point so far:
    it lands on the box's faces, where the global methods only get close."""
    if obj.best_q is None:
        return
    _so.minimize(obj.loss, obj.best_q, method="L-BFGS-B", bounds=fam.bounds,
                 options={"maxfun": cap})


def _spend(obj: _Objective, family: Family, budget: int, local: int, share: int,
           method: str, gen: np.random.Generator, options: dict) -> int:
    """Global restarts up to ``budget - local``, the polish, restarts with what is left;
    returns the number of restarts run."""
    runs = 0
    with np.errstate(over="ignore", invalid="ignore"):
        if family.size == 0:
            obj.cap = 1
            obj.value(np.zeros(0))
            runs = 1
        for stop in (budget - local, None, budget):   # global, polish, global with the rest
            while stop is not None and obj.count < stop and family.size:
                before = obj.count
                obj.cap = before + min(share, stop - before)
                seed = int(gen.integers(0, 2**63 - 1))
                try:
                    (_de if method == "de" else _cma)(obj, family, obj.cap - before, seed,
                                                      options)
                except _Exhausted:
                    pass
                runs += 1
                if obj.count == before:              # the optimiser evaluated nothing
                    break
            if stop is None and local and obj.count < budget:
                obj.cap = budget
                try:
                    _polish(obj, family, budget - obj.count)
                except _Exhausted:
                    pass
    return runs


def search(statistic: Callable[[Instance], float], family: Family, budget: int,
           rng: int | np.random.Generator | None = 0, method: str = "de",
           restarts: int = 1, *, polish: float = 0.1, nan: str = "skip",
           verbose: bool = False, options: dict[str, Any] | None = None) -> Found:
    r"""Maximise ``statistic`` over ``family`` with ``budget`` evaluations.

    Parameters
    ----------
    statistic : callable
        ``statistic(instance) -> float``, deterministic (:func:`performance`,
        :func:`stationarity_floor`, :func:`noise_floor`, or your own).
    family : Family
        The box to search (:func:`quadratic_spectrum`, ...).
    budget : int
        Number of statistic evaluations, :math:`\ge 1`; spent exactly unless the search
        is stopped by an error.
    rng : int, Generator or None
        Seeds the optimiser (one seed per restart drawn from it): same seed, same search.
    method : {"de", "cma"}
        ``scipy.optimize.differential_evolution`` (Latin-hypercube start, no polish, a
        population of about budget / (10 restarts), at most 15 per parameter) or CMA-ES
        (``cma``, in the box scaled to :math:`[0, 1]^k`, :math:`\sigma_0 = 0.3`, a uniform
        random start per restart).
    restarts : int
        Independent runs of the optimiser, :math:`1 \le` restarts :math:`\le` budget,
        sharing the budget (more if they converge early).
    polish : float
        Fraction of the budget kept for a bounded L-BFGS-B search (finite differences,
        ``scipy.optimize.minimize``) from the best point after the restarts, in
        :math:`[0, 1)`; it reaches optima on the box's faces (an extreme eigenvalue), which
        the global methods only approach. What it leaves goes to further restarts.
        0: none.
    nan : {"skip", "raise"}
        A NaN value counts as :math:`-\infty` (``Found.nan_count``), or raises.
    verbose : bool
        A tqdm bar over the evaluations with the best value.
    options : dict, optional
        Passed to the optimiser (``differential_evolution`` keywords, or ``sigma0`` and
        ``cma`` options).

    Returns
    -------
    Found
        The best value and instance (the first of equal values), the history.

    Raises
    ------
    ValueError
        For a bad budget, restarts, method or ``nan``; when every evaluation returned NaN
        (or at the first NaN with ``nan="raise"``).
    TypeError
        For a statistic that is not callable or returns something other than a number,
        or a family that is not a :class:`Family`.
    ImportError
        For ``method="cma"`` without the ``cma`` package.

    Examples
    --------
    The worst contraction of GD (:math:`\eta = 1/L`) after 2 steps over quadratics with
    spectrum in :math:`[0.1, 1]`: :math:`(1 - \mu/L)^{4} = 0.6561`, the PEP value.

    >>> from convlab import worst
    >>> fam = worst.quadratic_spectrum(dim=2, mu=0.1, L=1.0, rotate=False)
    >>> found = worst.search(worst.performance("gd", 2, lr=1.0), fam, budget=200, rng=0)
    >>> found.evaluations, round(found.value, 6)
    (200, 0.6561)
    >>> found.statistic["method"], sorted(found.params)
    ('gd', ['lam1', 'lam2', 'phi1'])
    >>> worst.search(lambda inst: 1.0, fam, budget=0, rng=0)
    Traceback (most recent call last):
    ...
    ValueError: budget must be >= 1, got 0
    """
    if not callable(statistic):
        raise TypeError(f"statistic must be callable, got {type(statistic).__name__}")
    if not isinstance(family, Family):
        raise TypeError(f"family must be a convlab.worst.Family, got {type(family).__name__}")
    budget = check_scalar("budget", budget, low=1, integer=True)
    restarts = check_scalar("restarts", restarts, low=1, integer=True, high=budget)
    method = check_choice("method", method, METHODS)
    polish = check_scalar("polish", polish)
    if not polish < 1.0:
        raise ValueError(f"polish must be in [0, 1), got {polish!r}")
    nan = check_choice("nan", nan, ("skip", "raise"))
    options = dict(options or {})
    if method == "cma":
        try:
            import cma  # noqa: F401
        except ImportError as exc:
            raise ImportError("method='cma' needs the cma package: pip install cma") from exc
    gen = np.random.default_rng(rng)
    bar = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(total=budget, desc=f"worst {family.name} ({method})", unit="eval",
                   leave=False)
    obj = _Objective(statistic, family, nan, bar)
    t0 = time.perf_counter()
    local = int(polish * budget) if family.size else 0
    share = math.ceil((budget - local) / restarts)
    try:
        runs = _spend(obj, family, budget, local, share, method, gen, options)
    except _Abort as exc:
        raise exc.error from None
    finally:
        if bar is not None:
            bar.close()
    if obj.best_q is None:
        raise ValueError(f"statistic returned NaN at every one of the {obj.count} "
                         "evaluations: nothing to report")
    inst = family.build(obj.best_q)
    desc = statistic.describe() if hasattr(statistic, "describe") else \
        {"statistic": getattr(statistic, "__qualname__", type(statistic).__name__)}
    return Found(obj.best, inst, dict(inst.params), obj.count,
                 np.array(obj.history, dtype=float), method, runs, obj.nan_count,
                 time.perf_counter() - t0, desc)
