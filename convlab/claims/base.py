"""A theorem as data: :class:`Claim`, its typed expectation, and the result of a check.

A claim states what a paper proves (``statement``, ``theorem``, ``theory``), what convlab
expects to measure (``expect``: :class:`Slope`, :class:`Ratio`, :class:`Bound`, :class:`Order`,
each with its tolerance and why), and how (``scenario``: a declarative
:class:`~convlab.claims.spec.Sweep`, or a callable). The algorithm under test is a
parameter: ``claim.check(size, rng, algorithm=factory)`` runs the same scenario with another
optimizer factory of the signature of ``claim.algorithm``.

Examples
--------
>>> import numpy as np
>>> from convlab import optimizers, problems
>>> from convlab.claims import Claim, Measurement, Ratio
>>> def scenario(sp, rng, algorithm):
...     p = problems.quadratic([1.0, 4.0])
...     opt = algorithm(lr=0.1)
...     x = opt.step(opt.init(np.ones((sp["runs"], 2))), p.grad, 0).x
...     return Measurement(values=x[:, 0] / 0.9)           # 1 - lr * 1 = 0.9
>>> c = Claim(key="demo.gd.one_step", paper="demo", theorem="one GD step",
...           statement="x1 = (1 - lr) x0 on the first axis", theory="(1 - lr) x0",
...           expect=Ratio(1.0, tol=1e-12, why="exact arithmetic"),
...           scenario=scenario, algorithm=optimizers.sgd,
...           sizes={"small": {"runs": 3}, "full": {"runs": 10}})
>>> c.check().verdict.value
'matches'
>>> c.check(algorithm=lambda lr: optimizers.sgd(lr=2 * lr)).verdict.value   # a wrong step
'below'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

import numpy as np
import pandas as pd

from .. import rates
from ..rates import Verdict

__all__ = ["SIZES", "Association", "Bound", "Claim", "ClaimResult", "Expectation", "Measurement",
           "Order", "Paper", "Ratio", "Slope", "size_params"]

SIZES = ("small", "full")
Side = Literal["two-sided", "upper", "lower"]


@dataclass
class Measurement:
    """What a scenario measured (see the module docstring for each expectation).

    ``kind`` is filled in from the claim's expectation when left empty.
    """

    kind: str = ""
    s: np.ndarray | None = None
    errors: np.ndarray | None = None
    values: np.ndarray | None = None
    bound: np.ndarray | None = None
    frame: pd.DataFrame | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expectation:
    """What the numbers must show: ``predicted`` within ``tol`` (absolute on exponents,
    relative on values), ``why`` that tolerance (a derivation or convergence study),
    ``side`` (``"upper"`` for upper bounds: smaller is consistent), ``max_width`` (a
    wider CI is INCONCLUSIVE), ``seeds`` (the seeds the tolerance was studied at:
    ``convlab verify --seeds K`` holds the claim out at others) and ``diverged_ok``
    (divergence is part of the prediction; otherwise a diverged run the verdict reads
    makes the verdict DIVERGED).

    Every verdict is read from a CI: MATCHES only when the CI lies inside the band
    (an equivalence test, :func:`convlab.rates.verdict`), INCONCLUSIVE when it
    straddles an edge.
    """

    kind: ClassVar[str] = ""
    predicted: float
    tol: float
    why: str = ""
    side: Side = "two-sided"
    max_width: float = 0.5
    seeds: tuple[int, ...] = (0,)
    diverged_ok: bool = False

    def __post_init__(self) -> None:
        if not self.seeds or not all(isinstance(k, int) and k >= 0 for k in self.seeds):
            raise ValueError(f"seeds={self.seeds!r} must be a non-empty tuple of seeds >= 0")
        if self.side not in get_args(Side):
            raise ValueError(f"side={self.side!r} is not one of {get_args(Side)}")
        for name in ("predicted", "tol", "max_width"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"{name}={v!r} must be a finite number")
        if self.tol <= 0:
            raise ValueError(f"tol={self.tol!r} must be positive")

    def evaluate(self, m: Measurement) -> tuple[Any, float, tuple[float, float], Verdict]:
        """Fit or summarise ``m``: ``(fit, measured, ci, verdict)``."""
        raise NotImplementedError

    def diverged(self, m: Measurement) -> tuple[int, int]:
        """``(diverged, total)``: non-finite entries among the numbers the verdict reads."""
        data = m.errors if self.kind == "slope" else m.values
        if data is None:
            return 0, 0
        arr = np.asarray(data, dtype=float)
        return int(np.count_nonzero(~np.isfinite(arr))), int(arr.size)


@dataclass(frozen=True)
class Slope(Expectation):
    """An exponent: ``errors ~ s**predicted`` (times ``log(s)**log_power``)."""

    kind: ClassVar[str] = "slope"
    log_power: float = 0.0

    def evaluate(self, m: Measurement) -> tuple[Any, float, tuple[float, float], Verdict]:
        fit = rates.fit_power_law(m.s, m.errors, log_power=self.log_power)
        v = rates.verdict(fit, self.predicted, tol=self.tol, max_width=self.max_width,
                          side=self.side)
        return fit, fit.exponent, fit.ci, v


@dataclass(frozen=True)
class Ratio(Expectation):
    """A value (usually measured / theory, predicted 1) with a relative tolerance."""

    kind: ClassVar[str] = "value"

    def evaluate(self, m: Measurement) -> tuple[Any, float, tuple[float, float], Verdict]:
        vals = np.atleast_2d(np.asarray(m.values, dtype=float))
        mean, lo, hi = (np.atleast_1d(a) for a in rates.mean_ci(vals, axis=-1))
        worst = int(np.nanargmax(np.abs(mean / self.predicted - 1.0)))
        ci = (float(lo[worst]), float(hi[worst]))
        v = rates.verdict_value(float(mean[worst]), ci, self.predicted, rtol=self.tol,
                                max_rel_width=self.max_width, side=self.side)
        return None, float(mean[worst]), ci, v


@dataclass(frozen=True)
class Bound(Expectation):
    """A one-sided bound: at every point the upper CI end of ``mean(values) / bound`` is
    ``<= predicted (1 + tol)`` (MATCHES; ``predicted`` is 1 unless the claim states a
    margin, e.g. ``Order(0.99, ...)``: "at least 1% below"); ABOVE when the lower CI end
    exceeds it; else INCONCLUSIVE. The point judged is the one with the largest upper CI
    end."""

    kind: ClassVar[str] = "bound"
    predicted: float = 1.0
    tol: float = 1e-12
    side: Side = "upper"

    def evaluate(self, m: Measurement) -> tuple[Any, float, tuple[float, float], Verdict]:
        vals = np.atleast_2d(np.asarray(m.values, dtype=float))
        ratio, lo, hi = self._ratio(vals, m.bound)
        if not np.all(np.isfinite(hi)):
            worst = int(np.argmax(~np.isfinite(hi)))
            return None, float(ratio[worst]), (float(lo[worst]), float(hi[worst])), \
                Verdict.INCONCLUSIVE
        worst = int(np.argmax(hi))
        r, ci = float(ratio[worst]), (float(lo[worst]), float(hi[worst]))
        v = rates.verdict_value(r, ci, self.predicted, rtol=self.tol, side="upper")
        return None, r, ci, v

    @staticmethod
    def _ratio(vals: np.ndarray, bound: Any) -> tuple[np.ndarray, ...]:
        """``mean(values) / bound`` per point with its CI (``bound`` fixed per point)."""
        b = np.asarray(bound, dtype=float).reshape(vals.shape[0])
        mean, lo, hi = (np.atleast_1d(a) for a in rates.mean_ci(vals, axis=-1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return mean / b, lo / b, hi / b


@dataclass(frozen=True)
class Order(Bound):
    """An ordering: the algorithm's quantity (``values``) is below a reference's
    (``bound``) at every point, e.g. "SA-SAM ends flatter than SAM".

    When ``bound`` holds the reference run by run (the shape of ``values``, the two on
    common random numbers) the ratio's CI is the paired bootstrap CI
    (:func:`convlab.rates.paired_ratio_ci`); a ``bound`` of one value per point is a fixed
    reference, as in :class:`Bound`.
    """

    @staticmethod
    def _ratio(vals: np.ndarray, bound: Any) -> tuple[np.ndarray, ...]:
        b = np.asarray(bound, dtype=float)
        if b.size == vals.size and vals.shape[-1] > 1:
            return tuple(np.atleast_1d(a) for a in
                         rates.paired_ratio_ci(vals, b.reshape(vals.shape), axis=-1))
        return Bound._ratio(vals, bound)


@dataclass(frozen=True)
class Association(Expectation):
    """A rank association: Spearman's correlation of ``values[0]`` (e.g. flatness) with
    ``values[1]`` (e.g. test loss) over the runs, with the paired percentile bootstrap CI
    of :func:`convlab.rates.rank_correlation_ci`, judged on the absolute scale of a
    correlation like a slope (:func:`convlab.rates.verdict`). With the default
    ``side="lower"`` it MATCHES when the CI's lower end is ``>= predicted - tol`` and is
    BELOW when its upper end is under it: ``Association(0.5, tol=0.5)`` reads "positively
    associated" (the whole 95% CI above 0). Non-finite pairs are counted by
    :meth:`Expectation.diverged` and left out of the correlation.
    """

    kind: ClassVar[str] = "association"
    side: Side = "lower"
    max_width: float = 2.0

    def evaluate(self, m: Measurement) -> tuple[Any, float, tuple[float, float], Verdict]:
        vals = np.asarray(m.values, dtype=float)
        if vals.ndim != 2 or vals.shape[0] != 2:
            raise ValueError(f"an Association reads values of shape (2, runs), got {vals.shape}")
        ok = np.all(np.isfinite(vals), axis=0)
        r, lo, hi = rates.rank_correlation_ci(vals[0, ok], vals[1, ok])
        fit = _Estimate(r, (lo, hi))
        return fit, r, (lo, hi), rates.verdict(fit, self.predicted, tol=self.tol, side=self.side,
                                                max_width=self.max_width)


@dataclass(frozen=True)
class _Estimate:
    estimate: float
    ci: tuple[float, float]


@dataclass
class ClaimResult:
    """The outcome of :meth:`Claim.check`."""

    key: str
    paper: str
    verdict: Verdict
    passed: bool
    predicted: float
    measured: float
    ci: tuple[float, float]
    tol: float
    side: str
    size: str
    seconds: float
    fit: Any
    measurement: Measurement
    details: str = ""
    log_power: float = 0.0
    plot_spec: Any = None
    algorithm: str = ""
    role: str = "evidence"

    @property
    def estimate(self) -> float:
        """The measured value the verdict judged (same name as on every fit)."""
        return self.measured

    @property
    def frame(self) -> pd.DataFrame | None:
        """The tidy data behind the result."""
        return self.measurement.frame

    def row(self) -> dict[str, Any]:
        """One row of the verdict table."""
        lo, hi = self.ci
        return {"key": self.key, "paper": self.paper, "predicted": self.predicted,
                "measured": self.measured, "ci_low": lo, "ci_high": hi, "tol": self.tol,
                "side": self.side, "verdict": self.verdict.value, "passed": self.passed,
                "seconds": round(self.seconds, 2), "size": self.size, "details": self.details}

    def plot(self, ax: Any = None) -> Any:
        """The claim's figure on ``ax`` (created if None); returns the Axes."""
        from ..plotting import plot_claim

        return plot_claim(self, ax=ax)


def _name(fn: Any) -> str:
    """``module.qualname`` of a factory (or its repr)."""
    mod, qual = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    return f"{mod}.{qual}" if mod and qual else repr(fn)


@dataclass(frozen=True)
class Claim:
    """One theorem (or one derived prediction) as a runnable check.

    ``key`` is ``"<paper>.<algorithm>.<quantity>"``; ``paper`` a short citation;
    ``theorem`` where in the paper (or THEORY.md); ``statement`` the paper's claim in words
    (kept when the numbers differ, ``finding`` says what they show); ``theory`` the closed
    form; ``expect`` the :class:`Expectation`; ``scenario`` a
    :class:`~convlab.claims.spec.Sweep` or ``scenario(sp, rng, algorithm) -> Measurement``
    (``sp`` the size's parameters); ``algorithm`` the optimizer factory under test, the only
    way the scenario builds that optimizer; ``sizes`` the parameters of ``"small"`` (CI)
    and ``"full"``; ``experiment`` the THEORY.md §5 id; ``plot`` a
    :class:`convlab.plotting.Plot`; ``source`` where it was defined.

    ``rejects`` names the :mod:`convlab.mutants` entries (wrong algorithms of the claim's
    target) that the verdict must reject: ``convlab verify --power`` runs the scenario
    with each, and a survivor fails the claim. A claim that rejects nothing is a
    *control* and says why in ``control`` (machinery checks, negative controls); reports
    show it as a control, never as plain evidence. ``tightness`` (upper-bound claims): a
    :class:`convlab.tightness.Tightness` that puts the theorem's bound, a certified worst
    case and a searched worst instance beside the claim's own instance
    (``tightness.csv`` of ``convlab verify --out``).
    """

    key: str
    paper: str
    theorem: str
    statement: str
    theory: str
    expect: Expectation
    scenario: Any
    algorithm: Callable[..., Any]
    sizes: Mapping[str, Mapping[str, Any]]
    experiment: str = ""
    finding: str = ""
    plot: Any = None
    source: str = ""
    rejects: tuple[str, ...] = ()
    control: str = ""
    tightness: Any = None

    def __post_init__(self) -> None:
        self._check_rejects()
        if not isinstance(self.key, str) or self.key.count(".") < 1 or " " in self.key:
            raise ValueError(f"claim key {self.key!r} must look like '<paper>.<what>'")
        if not isinstance(self.expect, Expectation):
            raise TypeError(f"{self.key}: expect={self.expect!r} is not a Slope, Ratio, "
                            "Bound or Order")
        if not callable(self.scenario):
            raise TypeError(f"{self.key}: scenario={self.scenario!r} is not callable")
        if not callable(self.algorithm):
            raise TypeError(f"{self.key}: algorithm={self.algorithm!r} is not callable")
        missing = [s for s in SIZES if s not in self.sizes]
        if missing:
            raise ValueError(f"{self.key}: sizes lacks {missing}")

    def _check_rejects(self) -> None:
        """``rejects``: known mutants of this claim's algorithm; a control rejects none."""
        from .. import mutants

        if isinstance(self.rejects, str) or not isinstance(self.rejects, tuple | list):
            raise TypeError(f"{self.key}: rejects={self.rejects!r} must be a tuple of "
                            "mutant names")
        for name in self.rejects:
            m = mutants.get(name)                       # a clear error for unknown names
            if m.target is not self.algorithm:
                raise ValueError(f"{self.key}: mutant {name!r} targets {_name(m.target)}, "
                                 f"not this claim's algorithm {_name(self.algorithm)}")
        if self.control and self.rejects:
            raise ValueError(f"{self.key}: a control (control={self.control!r}) declares no "
                             f"mutants to reject, got rejects={tuple(self.rejects)!r}")

    @property
    def role(self) -> str:
        """``"control"`` or ``"evidence"`` (a claim that declares mutants it rejects)."""
        return "control" if self.control or not self.rejects else "evidence"

    # the expectation's fields, under the names reports and tests use
    predicted = property(lambda self: self.expect.predicted)
    tol = property(lambda self: self.expect.tol)
    tol_reason = property(lambda self: self.expect.why)
    side = property(lambda self: self.expect.side)
    max_width = property(lambda self: self.expect.max_width)

    @property
    def algorithm_name(self) -> str:
        """The algorithm under test, as ``module.name``."""
        return _name(self.algorithm)

    def check(self, size: str = "small", rng: int | np.random.Generator | None = 0,
              algorithm: Callable[..., Any] | None = None) -> ClaimResult:
        """Run the scenario at ``size`` and compare with the expectation.

        ``algorithm``: an optimizer factory with the signature of ``self.algorithm`` to run
        in its place (a wrong implementation, a variant); ``rng`` seeds every draw.
        """
        if size not in SIZES:
            raise ValueError(f"size={size!r} is not one of {SIZES}")
        if algorithm is not None and not callable(algorithm):
            raise TypeError(f"algorithm={algorithm!r} is not an optimizer factory")
        alg = self.algorithm if algorithm is None else algorithm
        t0 = time.perf_counter()
        m = self.scenario(dict(self.sizes[size]), rng, alg)
        if not isinstance(m, Measurement):
            raise TypeError(f"{self.key}: the scenario returned {type(m).__name__}, not a "
                            "Measurement")
        if not m.kind:
            m.kind = self.expect.kind
        fit, measured, ci, v = self.expect.evaluate(m)
        bad, total = self.expect.diverged(m)
        details = m.notes
        if bad:
            details = f"{bad} of {total} entries diverged (non-finite); " + details
            if not self.expect.diverged_ok:
                v = Verdict.DIVERGED
        return ClaimResult(self.key, self.paper, v, v is Verdict.MATCHES, self.predicted,
                           measured, ci, self.tol, self.side, size,
                           time.perf_counter() - t0, fit, m, details=details,
                           log_power=getattr(self.expect, "log_power", 0.0),
                           plot_spec=self.plot, algorithm=_name(alg), role=self.role)

    def evaluate(self, m: Measurement) -> tuple[Any, float, tuple[float, float], Verdict]:
        """Fit / summarise a measurement and give the verdict (``self.expect.evaluate``)."""
        return self.expect.evaluate(m)


class Paper:
    """A paper's metadata, held once: ``paper.claim(name, ...)`` prefixes the key with
    ``key`` and fills ``paper`` and any default field (theorem, statement, algorithm...).

    >>> from convlab import optimizers
    >>> Paper("textbook", "Bottou 2018", algorithm=optimizers.sgd).defaults["algorithm"].__name__
    'sgd'
    """

    def __init__(self, key: str, cite: str, **defaults: Any) -> None:
        self.key, self.cite, self.defaults = key, cite, defaults

    def claim(self, name: str, **fields: Any) -> Claim:
        """A :class:`Claim` with key ``f"{self.key}.{name}"``."""
        return Claim(key=f"{self.key}.{name}", paper=self.cite, **{**self.defaults, **fields})


def size_params(sizes: Mapping[str, Mapping[str, Any]], size: str) -> dict[str, Any]:
    """The parameters of ``size`` (raises a clear error for an unknown size)."""
    if size not in sizes:
        raise ValueError(f"size={size!r} is not one of {sorted(sizes)}")
    return dict(sizes[size])
