"""Shared pieces of :mod:`convlab.rates`: types, :class:`Verdict`, input checks, bootstrap helpers.

Everything here follows the conventions in the :mod:`convlab.rates` docstring.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

Array = NDArray[np.float64]
RngLike = int | np.random.Generator | None
Side = Literal["two-sided", "upper", "lower"]

_NAN_CI: tuple[float, float] = (math.nan, math.nan)


class Verdict(enum.Enum):
    """Outcome of comparing a fitted quantity with its predicted value."""

    MATCHES = "matches"  # the CI lies inside the band predicted +/- tol (equivalence)
    BELOW = "below"  # the whole CI lies below the band
    ABOVE = "above"  # the whole CI lies above the band
    INCONCLUSIVE = "inconclusive"  # CI straddles an edge, not finite or too wide
    DIVERGED = "diverged"  # a run the verdict reads diverged (counted, never dropped)



class RateFit(Protocol):
    """What :func:`~convlab.rates.verdict` needs from a fit: an estimate and its CI.

    Every result class of :mod:`convlab.rates` has both attributes under these names,
    and any other object with them (duck typing) can be judged as well.

    Attributes
    ----------
    estimate : float
        The fitted exponent or log slope that a verdict compares with a prediction.
    ci : tuple of float
        ``(lo, hi)`` confidence interval of ``estimate``.
    """

    @property
    def estimate(self) -> float: ...

    @property
    def ci(self) -> tuple[float, float]: ...


# --------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------


def _width(ci: tuple[float, float]) -> float:
    """Width of an interval, NaN when either end is NaN."""
    with np.errstate(invalid="ignore"):
        return float(ci[1] - ci[0])


def _check_level(level: float) -> None:
    """Raise unless ``0 < level < 1``."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")


def _check_n_boot(n_boot: int) -> None:
    """Raise unless ``n_boot`` is a positive integer."""
    if int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")


def _as_points_runs(x: ArrayLike, errors: ArrayLike, name: str = "s") -> tuple[Array, Array]:
    """Validate ``x`` (n_points,) and ``errors`` (n_points, runs); drop all-NaN columns."""
    x = np.asarray(x, dtype=float)
    e = np.asarray(errors, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {x.shape}")
    if e.ndim == 1:
        e = e[:, None]
    if e.ndim != 2 or e.shape[0] != x.size:
        raise ValueError(
            f"errors must have shape ({x.size},) or ({x.size}, runs), got {np.shape(errors)}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    if x.size < 2 or np.ptp(x) == 0.0:
        raise ValueError(f"need at least two distinct values of {name}")
    keep = np.isfinite(e).any(axis=0)
    if keep.any():  # keep the shape if nothing is finite: the fit is NaN anyway
        e = e[:, keep]
    return x, e


def _masked_mean(values: Array) -> Array:
    """Mean over the last axis ignoring non-finite entries; NaN where none is finite."""
    mask = np.isfinite(values)
    total = np.where(mask, values, 0.0).sum(axis=-1)
    count = mask.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _resample_counts(gen: np.random.Generator, n_runs: int, n_boot: int) -> Array:
    """How often each run is drawn in each bootstrap replicate, shape (n_boot, n_runs)."""
    idx = gen.integers(0, n_runs, size=(n_boot, n_runs))
    flat = (idx + n_runs * np.arange(n_boot)[:, None]).ravel()
    return np.bincount(flat, minlength=n_boot * n_runs).reshape(n_boot, n_runs).astype(float)


def _boot_means(values: Array, counts: Array) -> Array:
    """Bootstrap means over runs: ``values`` (..., runs), ``counts`` (n_boot, runs).

    Returns shape (..., n_boot); non-finite entries are skipped, NaN where a replicate
    holds no finite entry. The sums use ``einsum`` (NumPy's own loops), not a BLAS matrix
    product, so the result does not depend on the number of BLAS threads (bit-identical
    serial and Dask-worker results).
    """
    mask = np.isfinite(values)
    total = np.einsum("...r,br->...b", np.where(mask, values, 0.0), counts)
    number = np.einsum("...r,br->...b", mask.astype(float), counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(number > 0, total / np.where(number > 0, number, 1.0), np.nan)


def _percentile_ci(boot: Array, level: float, axis: int = -1) -> tuple[Array, Array]:
    """Percentile interval; undefined replicates count as -inf (lower) and +inf (upper)."""
    alpha = 1.0 - level
    valid = np.isfinite(boot)
    with np.errstate(invalid="ignore"):
        lo = np.quantile(np.where(valid, boot, -np.inf), alpha / 2, axis=axis)
        hi = np.quantile(np.where(valid, boot, np.inf), 1 - alpha / 2, axis=axis)
    lo = np.where(np.isnan(lo), -np.inf, lo)
    hi = np.where(np.isnan(hi), np.inf, hi)
    return lo, hi


@dataclass(frozen=True)
class _LineFit:
    """Slope/intercept of a log-linear fit with bootstrap and Theil--Sen CIs."""

    slope: float
    intercept: float
    ci: tuple[float, float]
    theil_sen: float
    theil_sen_ci: tuple[float, float]
    n_runs: int

    @property
    def estimate(self) -> float:
        """The slope, under the name shared by all fits (``ci`` is its CI)."""
        return self.slope


def _log_linear_fit(
    x: Array,
    errors: Array,
    offset: Array,
    level: float,
    n_boot: int,
    rng: RngLike,
) -> _LineFit:
    """Fit ``log(mean over runs) - offset = a + slope * x``; bootstrap over run columns."""
    n_runs = errors.shape[1]
    gen = np.random.default_rng(rng)
    counts = _resample_counts(gen, n_runs, n_boot)  # drawn first: same rng, same resample
    mean = _masked_mean(errors)
    if not (np.all(np.isfinite(mean)) and np.all(mean > 0)):
        return _LineFit(math.nan, math.nan, _NAN_CI, math.nan, _NAN_CI, n_runs)
    y = np.log(mean) - offset
    u = x - x.mean()
    uu = float(u @ u)
    slope = float(u @ (y - y.mean())) / uu
    intercept = float(y.mean() - slope * x.mean())

    ts = stats.theilslopes(y, x, alpha=level)
    ts_ci = (float(ts.low_slope), float(ts.high_slope))

    if n_runs >= 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            y_boot = np.log(_boot_means(errors, counts)) - offset[:, None]  # (n_points, n_boot)
            boot = u @ (y_boot - y_boot.mean(axis=0)) / uu
        boot = np.where(np.isfinite(y_boot).all(axis=0), boot, np.nan)
        lo, hi = _percentile_ci(boot, level)
        ci = (float(lo), float(hi))
    elif x.size >= 3:
        ci = ts_ci  # one run: resampling runs cannot measure spread
    else:
        ci = _NAN_CI  # one run, two points: no uncertainty estimate at all
    return _LineFit(slope, intercept, ci, float(ts.slope), ts_ci, n_runs)

