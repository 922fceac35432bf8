"""A theorem as data: :class:`Claim`, its scenario, and the :class:`ClaimResult` of a check.

A claim states what a paper proves (``statement``), what convlab expects to measure
(``predicted`` with ``tol`` and ``side``), and how to measure it (``scenario``). The
scenario runs the engine at a named size (``"small"`` for CI, ``"full"`` for figures) and
returns a :class:`Measurement`; :meth:`Claim.check` turns it into a verdict.

Measurement kinds
-----------------
``"slope"``
    ``s`` (n_points,) and ``errors`` (n_points, runs): the exponent of
    :func:`convlab.rates.fit_power_law` (with ``log_power`` if set) is compared with
    ``predicted`` (absolute tolerance ``tol`` on the exponent).
``"value"``
    ``values`` (runs,) or (n_points, runs): the mean over runs (bootstrap CI) of the
    *ratio* measured / predicted, compared with 1 (relative tolerance ``tol``); use
    ``predicted=1`` and put the theory value inside the ratio, or give ``predicted`` and
    raw values. With several points the worst point decides.
``"bound"``
    ``values`` and ``bound`` of the same shape: the claim holds when
    ``mean(values) <= bound * (1 + tol)`` at every point (one-sided upper bound).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import rates
from ..rates import Verdict

SIZES = ("small", "full")


@dataclass
class Measurement:
    """What a scenario measured. See the module docstring for the kinds."""

    kind: str
    s: np.ndarray | None = None
    errors: np.ndarray | None = None
    values: np.ndarray | None = None
    bound: np.ndarray | None = None
    frame: pd.DataFrame | None = None
    xlabel: str = "s"
    ylabel: str = "error"
    log_power: float = 0.0
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


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

    @property
    def frame(self) -> pd.DataFrame | None:
        """The tidy data behind the result."""
        return self.measurement.frame

    def row(self) -> dict[str, Any]:
        """One row of the verdict table."""
        lo, hi = self.ci
        return {
            "key": self.key, "paper": self.paper, "predicted": self.predicted,
            "measured": self.measured, "ci_low": lo, "ci_high": hi, "tol": self.tol,
            "side": self.side, "verdict": self.verdict.value,
            "passed": self.passed, "seconds": round(self.seconds, 2), "size": self.size,
            "details": self.details,
        }

    def plot(self, ax: Any = None) -> Any:
        """The claim's figure on ``ax`` (created if None); returns the Axes."""
        from ..plotting import plot_claim

        return plot_claim(self, ax=ax)


@dataclass(frozen=True)
class Claim:
    """One theorem (or one derived prediction) as a runnable check.

    Attributes
    ----------
    key : str
        ``"<paper>.<algorithm>.<quantity>"``.
    paper : str
        Short citation, e.g. ``"Si & Yun 2023"``.
    theorem : str
        Where in the paper (or THEORY.md section for derived predictions).
    statement : str
        The paper's claim in words (kept even when the numbers show something else).
    experiment : str
        THEORY.md §5 experiment id (E1..E15) or ``""``.
    theory : str
        The closed form / sympy expression the prediction comes from.
    predicted : float
        Expected exponent (``slope``) or ratio / value (``value``) or 1 (``bound``).
    tol : float
        Tolerance (absolute on exponents, relative on values).
    tol_reason : str
        Why this tolerance (convergence study in paper_notes.md).
    scenario : callable
        ``scenario(size, rng) -> Measurement``.
    sizes : dict
        Parameters of each size, shown in reports (``{"small": {...}, "full": {...}}``).
    side : str
        ``"two-sided"``, ``"upper"`` (upper-bound claims: faster is consistent) or
        ``"lower"``.
    max_width : float
        Widest acceptable CI (exponent units, or relative for values) before the verdict
        is INCONCLUSIVE.
    finding : str
        What the numbers show when it differs from the statement (paper_notes.md).
    """

    key: str
    paper: str
    theorem: str
    statement: str
    experiment: str
    theory: str
    predicted: float
    tol: float
    tol_reason: str
    scenario: Callable[[str, Any], Measurement]
    sizes: dict[str, dict[str, Any]]
    side: str = "two-sided"
    max_width: float = 0.5
    finding: str = ""

    def check(self, size: str = "small", rng: int | np.random.Generator | None = 0
              ) -> ClaimResult:
        """Run the scenario at ``size`` and compare with the prediction."""
        if size not in SIZES:
            raise ValueError(f"size={size!r} is not one of {SIZES}")
        t0 = time.perf_counter()
        m = self.scenario(size, rng)
        fit, measured, ci, v = self.evaluate(m)
        seconds = time.perf_counter() - t0
        return ClaimResult(self.key, self.paper, v, v is Verdict.MATCHES, self.predicted,
                           measured, ci, self.tol, self.side, size, seconds, fit, m,
                           details=m.notes)

    def evaluate(self, m: Measurement) -> tuple[Any, float, tuple[float, float], Verdict]:
        """Fit / summarise a measurement and give the verdict."""
        if m.kind == "slope":
            fit = rates.fit_power_law(m.s, m.errors, log_power=m.log_power)
            v = rates.verdict(fit, self.predicted, tol=self.tol, max_width=self.max_width,
                              side=self.side)
            return fit, fit.exponent, fit.ci, v
        if m.kind == "value":
            vals = np.atleast_2d(np.asarray(m.values, dtype=float))
            mean, lo, hi = rates.mean_ci(vals, axis=-1)
            mean, lo, hi = np.atleast_1d(mean), np.atleast_1d(lo), np.atleast_1d(hi)
            worst = int(np.nanargmax(np.abs(mean / self.predicted - 1.0)))
            v = rates.verdict_value(float(mean[worst]), (float(lo[worst]), float(hi[worst])),
                                    self.predicted, rtol=self.tol,
                                    max_rel_width=self.max_width, side=self.side)
            return None, float(mean[worst]), (float(lo[worst]), float(hi[worst])), v
        if m.kind == "bound":
            vals = np.atleast_2d(np.asarray(m.values, dtype=float))
            bound = np.asarray(m.bound, dtype=float).reshape(vals.shape[0])
            mean, lo, hi = (np.atleast_1d(a) for a in rates.mean_ci(vals, axis=-1))
            ratio = mean / bound
            worst = int(np.nanargmax(ratio))
            r = float(ratio[worst])
            ci = (float(lo[worst] / bound[worst]), float(hi[worst] / bound[worst]))
            if not np.all(np.isfinite(ratio)):
                v = Verdict.INCONCLUSIVE
            else:
                v = Verdict.MATCHES if r <= 1.0 + self.tol else Verdict.ABOVE
            return None, r, ci, v
        raise ValueError(f"unknown measurement kind {m.kind!r}")


def size_params(sizes: dict[str, dict[str, Any]], size: str) -> dict[str, Any]:
    """The parameters of ``size`` (raises a clear error for an unknown size)."""
    if size not in sizes:
        raise ValueError(f"size={size!r} is not one of {sorted(sizes)}")
    return sizes[size]
