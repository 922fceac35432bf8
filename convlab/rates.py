"""Fit convergence rates with honest confidence intervals, then give a verdict.

This module is pure statistics: it knows nothing about SAM, optimizers or problems. It
turns measured errors into fitted rates with confidence intervals (CIs) and compares the
fits with predicted values.

Conventions
-----------
* ``errors`` has shape ``(n_points, runs)``: one row per horizon / parameter value ``s``
  and one column per independent run (a 1-D array is read as a single run). This is the
  ``(n_records, runs)`` layout of trace metrics.
* Theorems bound *expectations*, so every fit averages over runs **before** taking logs:
  the fitted curve is ``log(mean over runs)``, never the mean of per-run logs.
* Runs, not points along a trajectory, are the independent unit. Every bootstrap
  resamples whole run columns with replacement, using the same resample for every point.
* Non-finite entries (the runner flags diverged runs with NaN) are left out of the means.
  Columns with no finite entry at all are dropped before resampling.
* Every random draw comes from ``np.random.default_rng(rng)``; the same ``rng`` gives
  identical fits.
* Invalid data never raises and never warns: a mean error that is ``<= 0`` or not finite
  gives a fit whose estimates and CI are NaN, and :func:`verdict` then returns
  :attr:`Verdict.INCONCLUSIVE`.

Bootstrap replicates whose statistic is undefined (for example a resample in which every
run at some point diverged, or a replicate mean that is not positive) are counted
conservatively: as ``-inf`` for the lower percentile and ``+inf`` for the upper one. If
more than a fraction ``(1 - level) / 2`` of the replicates is undefined, the CI becomes
infinite and the verdict inconclusive.
"""

from __future__ import annotations

import enum
import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

__all__ = [
    "FloorFit",
    "GeometricFit",
    "PowerLawFit",
    "Verdict",
    "fit_geometric",
    "fit_power_law",
    "fit_power_law_floor",
    "fit_scaling",
    "is_stationary",
    "mean_ci",
    "tail_mean",
    "verdict",
    "verdict_value",
]

Array = NDArray[np.float64]
RngLike = int | np.random.Generator | None
Side = Literal["two-sided", "upper", "lower"]

_NAN_CI: tuple[float, float] = (math.nan, math.nan)


class Verdict(enum.Enum):
    """Outcome of comparing a fitted quantity with its predicted value."""

    MATCHES = "matches"  # the CI overlaps the band predicted +/- tol
    BELOW = "below"  # the whole CI lies below the band
    ABOVE = "above"  # the whole CI lies above the band
    INCONCLUSIVE = "inconclusive"  # CI not finite or too wide, or a mean error <= 0


# --------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerLawFit:
    r"""Fit of the power law :math:`y \approx C s^{p} \log^{k} s` to the mean over runs.

    Attributes
    ----------
    exponent : float
        Least-squares slope ``p`` of ``log(mean) - k log(log s)`` against ``log s``.
    ci : tuple of float
        Percentile bootstrap CI of ``exponent`` (resampling runs). With a single run the
        bootstrap is degenerate and the Theil--Sen CI is used instead.
    log_c : float
        Fitted intercept ``log C``.
    theil_sen : float
        Theil--Sen slope on the same log points (a robust cross-check).
    theil_sen_ci : tuple of float
        CI of the Theil--Sen slope from :func:`scipy.stats.theilslopes`.
    n_points : int
        Number of points ``s``.
    n_runs : int
        Number of runs used (columns with at least one finite entry).
    level : float
        Confidence level of both CIs.
    kind : str
        ``"power"`` for a pure power law, ``"power_log"`` when ``log_power != 0``.
    log_power : float
        The known log exponent ``k`` that was divided out before fitting.
    """

    exponent: float
    ci: tuple[float, float]
    log_c: float
    theil_sen: float
    theil_sen_ci: tuple[float, float]
    n_points: int
    n_runs: int
    level: float
    kind: str = "power"
    log_power: float = 0.0

    @property
    def ci_width(self) -> float:
        """Width ``hi - lo`` of :attr:`ci` (NaN if the CI is undefined)."""
        return _width(self.ci)

    def predict(self, s: ArrayLike) -> Array:
        r"""Fitted mean curve :math:`C s^{p} \log^{k} s` at ``s``."""
        s = np.asarray(s, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = np.exp(self.log_c) * s**self.exponent
            if self.log_power != 0.0:
                y = y * np.log(s) ** self.log_power
        return y


@dataclass(frozen=True)
class FloorFit:
    r"""Fit of :math:`y \approx c + C s^{p}` (a power law that levels off at a floor ``c``).

    Attributes
    ----------
    floor : float
        Fitted floor ``c >= 0``.
    floor_ci : tuple of float
        Percentile bootstrap CI of ``floor`` (resampling runs).
    scale : float
        Fitted ``C > 0``.
    exponent : float
        Fitted ``p``.
    exponent_ci : tuple of float
        Percentile bootstrap CI of ``exponent``.
    level : float
        Confidence level of the CIs.
    n_points, n_runs : int
        Number of points and of runs used.
    """

    floor: float
    floor_ci: tuple[float, float]
    scale: float
    exponent: float
    exponent_ci: tuple[float, float]
    level: float
    n_points: int = 0
    n_runs: int = 0

    @property
    def ci_width(self) -> float:
        """Width of :attr:`exponent_ci` (NaN if undefined)."""
        return _width(self.exponent_ci)

    def predict(self, s: ArrayLike) -> Array:
        r"""Fitted mean curve :math:`c + C s^{p}` at ``s``."""
        s = np.asarray(s, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self.floor + self.scale * s**self.exponent


@dataclass(frozen=True)
class GeometricFit:
    r"""Fit of a linear (geometric) rate :math:`y \approx C q^{t}` to the mean over runs.

    Attributes
    ----------
    rate : float
        Per-step contraction factor ``q = exp(log_slope)``.
    rate_ci : tuple of float
        ``exp`` of :attr:`log_slope_ci`.
    log_slope : float
        Least-squares slope of ``log(mean)`` against ``t``.
    log_slope_ci : tuple of float
        Percentile bootstrap CI of ``log_slope`` (Theil--Sen CI for a single run).
    level : float
        Confidence level.
    log_c : float
        Fitted intercept ``log C``.
    n_points, n_runs : int
        Number of points and of runs used.
    """

    rate: float
    rate_ci: tuple[float, float]
    log_slope: float
    log_slope_ci: tuple[float, float]
    level: float
    log_c: float = math.nan
    n_points: int = 0
    n_runs: int = 0

    @property
    def ci_width(self) -> float:
        """Width of :attr:`log_slope_ci` (NaN if undefined)."""
        return _width(self.log_slope_ci)

    def predict(self, t: ArrayLike) -> Array:
        r"""Fitted mean curve :math:`C q^{t}` at ``t``."""
        t = np.asarray(t, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(self.log_c + self.log_slope * t)


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


# --------------------------------------------------------------------------------------
# Fits
# --------------------------------------------------------------------------------------


def fit_power_law(
    s: ArrayLike,
    errors: ArrayLike,
    *,
    level: float = 0.95,
    n_boot: int = 2000,
    rng: RngLike = 0,
    log_power: float = 0.0,
) -> PowerLawFit:
    r"""Fit :math:`\mathbb E[\text{error}] \approx C s^{p} \log^{k} s` with a CI over runs.

    The exponent is the least-squares slope of
    :math:`\log \bar y(s) - k \log\log s` on :math:`\log s`, where :math:`\bar y` is the
    mean over runs and :math:`k` = ``log_power`` is known in advance (for
    :math:`\tilde\Theta` rates, e.g. :math:`T^{-2}\log^2 T`).

    Parameters
    ----------
    s : array_like, shape (n_points,)
        Positive horizons or parameter values (``s > 1`` when ``log_power != 0``).
    errors : array_like, shape (n_points, runs) or (n_points,)
        Measured errors; a 1-D array is a single run. Non-finite entries (diverged runs)
        are left out of the means.
    level : float, default 0.95
        Confidence level of the CIs.
    n_boot : int, default 2000
        Number of bootstrap replicates.
    rng : int, numpy.random.Generator or None, default 0
        Seed or generator for the bootstrap.
    log_power : float, default 0.0
        Known log exponent :math:`k`.

    Returns
    -------
    PowerLawFit
        The fit. If a mean error is ``<= 0`` or not finite (including a point where every
        run is NaN) the exponent, intercept and CIs are NaN; no exception or warning.

    Raises
    ------
    ValueError
        For malformed input: shapes that disagree, non-positive ``s`` (or ``s <= 1`` with
        ``log_power != 0``), fewer than two distinct ``s``, a bad ``level`` or ``n_boot``.

    Notes
    -----
    The CI is a percentile bootstrap over runs: run columns are resampled with
    replacement, the same resample for every point, because runs (not points along a
    trajectory) are the independent unit. The resampling is vectorized through a
    ``(n_boot, runs)`` matrix of draw counts. With a single run the bootstrap has no
    spread, so ``ci`` is the Theil--Sen CI of :func:`scipy.stats.theilslopes` (which
    treats the points as independent, and is NaN with only two points). The Theil--Sen
    slope and CI are always stored as a cross-check.
    """
    _check_level(level)
    _check_n_boot(n_boot)
    x_raw, e = _as_points_runs(s, errors)
    if np.any(x_raw <= 0):
        raise ValueError("s must be positive")
    log_power = float(log_power)
    x = np.log(x_raw)
    if log_power != 0.0:
        if np.any(x_raw <= 1):
            raise ValueError("log_power != 0 needs s > 1")
        offset = log_power * np.log(x)
    else:
        offset = np.zeros_like(x)
    line = _log_linear_fit(x, e, offset, level, n_boot, rng)
    return PowerLawFit(
        exponent=line.slope,
        ci=line.ci,
        log_c=line.intercept,
        theil_sen=line.theil_sen,
        theil_sen_ci=line.theil_sen_ci,
        n_points=int(x.size),
        n_runs=line.n_runs,
        level=float(level),
        kind="power_log" if log_power != 0.0 else "power",
        log_power=log_power,
    )


def fit_scaling(values: ArrayLike, errors: ArrayLike, **kw: object) -> PowerLawFit:
    r"""Fit the exponent of a quantity in a parameter (batch size ``b``, ``rho``, ...).

    Same as :func:`fit_power_law`, under a name that reads better for scaling laws
    such as a floor :math:`\propto \rho^2` or a variance :math:`\propto b^{-1}`.

    Parameters
    ----------
    values : array_like, shape (n_points,)
        Positive parameter values.
    errors : array_like, shape (n_points, runs) or (n_points,)
        Measured quantity per value and run.
    **kw
        Passed to :func:`fit_power_law` (``level``, ``n_boot``, ``rng``, ``log_power``).

    Returns
    -------
    PowerLawFit
    """
    return fit_power_law(values, errors, **kw)  # type: ignore[arg-type]


def fit_geometric(
    t: ArrayLike,
    errors: ArrayLike,
    *,
    level: float = 0.95,
    n_boot: int = 2000,
    rng: RngLike = 0,
) -> GeometricFit:
    r"""Fit a linear (geometric) rate :math:`\mathbb E[\text{error}] \approx C q^{t}`.

    Parameters
    ----------
    t : array_like, shape (n_points,)
        Step counts (any finite values, at least two distinct).
    errors : array_like, shape (n_points, runs) or (n_points,)
        Measured errors; non-finite entries are left out of the means.
    level : float, default 0.95
        Confidence level.
    n_boot : int, default 2000
        Number of bootstrap replicates.
    rng : int, numpy.random.Generator or None, default 0
        Seed or generator for the bootstrap.

    Returns
    -------
    GeometricFit
        ``log_slope`` is the least-squares slope of ``log(mean over runs)`` on ``t`` and
        ``rate = exp(log_slope)``. NaN fields if a mean is ``<= 0`` or not finite.

    Notes
    -----
    The CI is the same run-resampling percentile bootstrap as in :func:`fit_power_law`
    (Theil--Sen CI for a single run). Fit only the part of the trajectory above the
    precision floor (about ``1e3 * eps`` relative), or the slope flattens.
    """
    _check_level(level)
    _check_n_boot(n_boot)
    x, e = _as_points_runs(t, errors, name="t")
    line = _log_linear_fit(x, e, np.zeros_like(x), level, n_boot, rng)
    with np.errstate(over="ignore", invalid="ignore"):
        rate_ci = (float(np.exp(line.ci[0])), float(np.exp(line.ci[1])))
    return GeometricFit(
        rate=float(np.exp(line.slope)),
        rate_ci=rate_ci,
        log_slope=line.slope,
        log_slope_ci=line.ci,
        level=float(level),
        log_c=line.intercept,
        n_points=int(x.size),
        n_runs=line.n_runs,
    )


def _floor_model(xc: Array, a: float, b: float, p: float) -> Array:
    """``log(a^2 + exp(b + p xc))``: log of floor-plus-power in normalised units."""
    with np.errstate(divide="ignore"):
        return np.logaddexp(np.log(a * a), b + p * xc)


def _floor_jac(xc: Array, a: float, b: float, p: float) -> Array:
    """Jacobian of :func:`_floor_model` with respect to ``(a, b, p)``."""
    g = _floor_model(xc, a, b, p)
    w = np.exp(b + p * xc - g)  # share of the power term, in [0, 1]
    return np.column_stack([2.0 * a * np.exp(-g), w, xc * w])


def _fit_floor_once(xc: Array, logy: Array, start: tuple[float, float, float]) -> Array | None:
    """One ``curve_fit`` of the log-space floor model; None on failure."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                theta, _ = optimize.curve_fit(
                    _floor_model, xc, logy, p0=start, jac=_floor_jac, method="lm", maxfev=2000
                )
    except (RuntimeError, ValueError, np.linalg.LinAlgError):
        return None
    return theta if np.all(np.isfinite(theta)) else None


def _floor_sse(xc: Array, logy: Array, theta: Array) -> float:
    """Sum of squared log residuals."""
    return float(np.sum((_floor_model(xc, *theta) - logy) ** 2))


def fit_power_law_floor(
    s: ArrayLike,
    errors: ArrayLike,
    *,
    level: float = 0.95,
    n_boot: int = 500,
    rng: RngLike = 0,
    p0: tuple[float, float, float] | None = None,
) -> FloorFit:
    r"""Fit :math:`\mathbb E[\text{error}] \approx c + C s^{p}` with ``c >= 0``, ``C > 0``.

    Parameters
    ----------
    s : array_like, shape (n_points,)
        Positive horizons or parameter values; at least three distinct.
    errors : array_like, shape (n_points, runs) or (n_points,)
        Measured errors; non-finite entries are left out of the means.
    level : float, default 0.95
        Confidence level.
    n_boot : int, default 500
        Number of bootstrap replicates (each is a nonlinear refit).
    rng : int, numpy.random.Generator or None, default 0
        Seed or generator for the bootstrap.
    p0 : tuple of float, optional
        Extra starting guess ``(c, C, p)``, tried besides the automatic ones.

    Returns
    -------
    FloorFit
        NaN fields if a mean is ``<= 0`` or not finite, or if no start converges.

    Notes
    -----
    The fit minimises the squared error between :math:`\log(c + C s^{p})` and the log
    of the mean over runs, so every decade of the curve counts alike. With ``m`` the
    smallest mean, it uses :func:`scipy.optimize.curve_fit` on
    :math:`c = m a^2` and :math:`C s^p = m \exp(b + p (\log s - \overline{\log s}))`,
    which keeps ``c >= 0`` and ``C > 0`` without bounds. Starting guesses put the floor
    at ``0, 0.5 m, 0.9 m, 0.99 m`` with ``(C, p)`` from a line through
    ``log(mean - c)``; the start with the smallest residual wins. Each bootstrap
    replicate (runs resampled, the same resample for every point) is refit from the
    full-data estimate in a Python loop; a replicate that fails counts as undefined
    (see the module notes on conservative percentiles).
    """
    _check_level(level)
    _check_n_boot(n_boot)
    s_arr, e = _as_points_runs(s, errors)
    if np.any(s_arr <= 0):
        raise ValueError("s must be positive")
    if np.unique(s_arr).size < 3:
        raise ValueError("need at least three distinct values of s")
    n_points, n_runs = s_arr.size, e.shape[1]
    gen = np.random.default_rng(rng)
    counts = _resample_counts(gen, n_runs, n_boot)

    nan_fit = FloorFit(
        math.nan, _NAN_CI, math.nan, math.nan, _NAN_CI, float(level), n_points, n_runs
    )
    mean = _masked_mean(e)
    if not (np.all(np.isfinite(mean)) and np.all(mean > 0)):
        return nan_fit
    x = np.log(s_arr)
    x_bar = float(x.mean())
    xc = x - x_bar
    m = float(mean.min())
    logy = np.log(mean / m)

    starts: list[tuple[float, float, float]] = []
    if p0 is not None:
        c0, big_c0, pw0 = (float(v) for v in p0)
        if c0 >= 0 and big_c0 > 0:
            starts.append((math.sqrt(c0 / m), math.log(big_c0 / m) + pw0 * x_bar, pw0))
    for frac in (0.0, 0.5, 0.9, 0.99):
        z = np.log(mean / m - frac)  # positive argument since frac < 1 <= mean / m
        slope = float(xc @ (z - z.mean()) / (xc @ xc))
        starts.append((math.sqrt(max(frac, 1e-4)), float(z.mean()), slope))

    best: Array | None = None
    best_sse = math.inf
    for start in starts:
        theta = _fit_floor_once(xc, logy, start)
        if theta is not None and (sse := _floor_sse(xc, logy, theta)) < best_sse:
            best, best_sse = theta, sse
    if best is None:
        return nan_fit

    def _natural(theta: Array) -> tuple[float, float, float]:
        a, b, p = theta
        return float(m * a * a), float(m * math.exp(b - p * x_bar)), float(p)

    floor, scale, exponent = _natural(best)

    boot = np.full((n_boot, 2), np.nan)  # columns: floor, exponent
    if n_runs >= 2:
        means_b = _boot_means(e, counts)  # (n_points, n_boot)
        ok = np.isfinite(means_b).all(axis=0) & (means_b > 0).all(axis=0)
        start_b = (float(best[0]), float(best[1]), float(best[2]))
        with np.errstate(divide="ignore", invalid="ignore"):
            logy_b = np.log(means_b / m)
        for j in np.flatnonzero(ok):
            theta = _fit_floor_once(xc, logy_b[:, j], start_b)
            if theta is not None:
                boot[j] = (m * theta[0] ** 2, theta[2])
    lo, hi = _percentile_ci(boot, level, axis=0)
    return FloorFit(
        floor=floor,
        floor_ci=(float(lo[0]), float(hi[0])),
        scale=scale,
        exponent=exponent,
        exponent_ci=(float(lo[1]), float(hi[1])),
        level=float(level),
        n_points=n_points,
        n_runs=n_runs,
    )


# --------------------------------------------------------------------------------------
# Floors and bands
# --------------------------------------------------------------------------------------


def _tail_length(n: int, frac: float) -> int:
    """Number of records in the last ``frac`` of ``n`` (at least one)."""
    if not 0.0 < frac <= 1.0:
        raise ValueError(f"frac must lie in (0, 1], got {frac!r}")
    if n < 1:
        raise ValueError("trajectory has no records")
    return max(1, min(n, math.ceil(frac * n - 1e-9)))


def tail_mean(trajectory: ArrayLike, frac: float = 0.2, axis: int = 0) -> Array:
    """Mean over the last ``frac`` of the records, e.g. the floor level of each run.

    Parameters
    ----------
    trajectory : array_like
        Recorded metric, typically shape (n_records, runs).
    frac : float, default 0.2
        Fraction of the records (counted from the end) to average; at least one record.
    axis : int, default 0
        The record axis.

    Returns
    -------
    numpy.ndarray
        ``trajectory`` with ``axis`` averaged over its tail. A run with a non-finite
        entry in its tail gives NaN, so that the fits leave that run out.
    """
    arr = np.asarray(trajectory, dtype=float)
    k = _tail_length(arr.shape[axis], frac)
    tail = np.take(arr, np.arange(arr.shape[axis] - k, arr.shape[axis]), axis=axis)
    return tail.mean(axis=axis)


def is_stationary(
    trajectory: ArrayLike,
    frac: float = 0.2,
    rng: RngLike = 0,
    *,
    level: float = 0.95,
    n_boot: int = 2000,
    rtol: float = 0.0,
) -> bool:
    """Whether the two halves of the tail window agree, judged on the mean over runs.

    Parameters
    ----------
    trajectory : array_like, shape (n_records, runs) or (n_records,)
        Recorded metric.
    frac : float, default 0.2
        Tail window, as in :func:`tail_mean`; it needs at least two records.
    rng : int, numpy.random.Generator or None, default 0
        Seed or generator for the bootstrap.
    level : float, default 0.95
        Confidence level.
    n_boot : int, default 2000
        Number of bootstrap replicates.
    rtol : float, default 0.0
        Also accept a difference up to ``rtol`` times the tail mean (useful for
        deterministic runs, whose bootstrap CI has zero width).

    Returns
    -------
    bool
        True if the bootstrap CI of (mean of second half - mean of first half) meets
        ``[-rtol |m|, rtol |m|]``, with ``m`` the tail mean over runs.

    Notes
    -----
    The halves are compared paired: each replicate resamples runs and takes both half
    means from the same runs. Runs with a non-finite entry in the window are dropped.
    With a single run the records of each half are resampled instead; they are
    autocorrelated, so this CI is too narrow and the test too strict.
    """
    _check_level(level)
    _check_n_boot(n_boot)
    arr = np.asarray(trajectory, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"trajectory must be 1-D or 2-D, got shape {arr.shape}")
    k = _tail_length(arr.shape[0], frac)
    if k < 2:
        raise ValueError("the tail window needs at least two records")
    tail = arr[-k:]
    tail = tail[:, np.isfinite(tail).all(axis=0)]
    if tail.shape[1] == 0:
        return False
    h = k // 2
    first, second = tail[:h], tail[k - h :]
    gen = np.random.default_rng(rng)
    if tail.shape[1] >= 2:
        counts = _resample_counts(gen, tail.shape[1], n_boot)
        diff_runs = second.mean(axis=0) - first.mean(axis=0)  # (runs,)
        boot = diff_runs @ counts.T / tail.shape[1]
    else:
        c1 = _resample_counts(gen, h, n_boot)
        c2 = _resample_counts(gen, h, n_boot)
        boot = (c2 @ second[:, 0] - c1 @ first[:, 0]) / h
    lo, hi = _percentile_ci(boot, level)
    band = rtol * abs(float(tail.mean()))
    return bool(lo <= band and hi >= -band)


def mean_ci(
    samples: ArrayLike,
    axis: int = -1,
    level: float = 0.95,
    n_boot: int = 2000,
    rng: RngLike = 0,
) -> tuple[Array, Array, Array]:
    """Mean over runs with a percentile bootstrap CI, e.g. for bands in plots.

    Parameters
    ----------
    samples : array_like
        Values; ``axis`` indexes the runs.
    axis : int, default -1
        The run axis.
    level : float, default 0.95
        Confidence level.
    n_boot : int, default 2000
        Number of bootstrap replicates.
    rng : int, numpy.random.Generator or None, default 0
        Seed or generator.

    Returns
    -------
    mean, lo, hi : numpy.ndarray
        Arrays shaped like ``samples`` without ``axis``. Non-finite samples are left
        out; where none is finite all three are NaN (``lo``/``hi`` may be infinite
        where many runs are missing, see the module notes).

    Notes
    -----
    All positions share one resample of the runs, so the band is consistent along a
    trajectory. Vectorized with a ``(n_boot, runs)`` count matrix.
    """
    _check_level(level)
    _check_n_boot(n_boot)
    x = np.moveaxis(np.asarray(samples, dtype=float), axis, -1)
    n_runs = x.shape[-1]
    if n_runs < 1:
        raise ValueError("no runs along axis")
    gen = np.random.default_rng(rng)
    counts = _resample_counts(gen, n_runs, n_boot)
    mean = _masked_mean(x)
    lo, hi = _percentile_ci(_boot_means(x, counts), level)
    undefined = ~np.isfinite(mean)
    lo = np.where(undefined, np.nan, lo)
    hi = np.where(undefined, np.nan, hi)
    return mean, lo, hi


# --------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------


def _check_side(side: str) -> None:
    """Raise unless ``side`` is a known option."""
    if side not in ("two-sided", "upper", "lower"):
        raise ValueError(f"side must be 'two-sided', 'upper' or 'lower', got {side!r}")


def verdict(
    fit: PowerLawFit | GeometricFit | FloorFit,
    predicted: float,
    *,
    tol: float = 0.1,
    max_width: float = 0.5,
    side: Side = "two-sided",
) -> Verdict:
    """Compare a fitted exponent (or log slope) with its predicted value.

    Parameters
    ----------
    fit : PowerLawFit, GeometricFit or FloorFit
        Uses ``exponent``/``ci``, ``log_slope``/``log_slope_ci`` or
        ``exponent``/``exponent_ci`` respectively.
    predicted : float
        Predicted exponent (for a geometric fit: predicted ``log q``).
    tol : float, default 0.1
        Half-width of the acceptance band ``[predicted - tol, predicted + tol]``.
    max_width : float, default 0.5
        A CI wider than this is inconclusive.
    side : {"two-sided", "upper", "lower"}, default "two-sided"
        ``"two-sided"`` for tight claims. ``"upper"`` for upper bounds on a decaying
        error (the error decays at least as fast as ``s**predicted``): the exponent
        must not exceed ``predicted + tol``. ``"lower"`` is the mirror image.

    Returns
    -------
    Verdict
        ``INCONCLUSIVE`` if the CI is not finite or wider than ``max_width``.
        Two-sided: ``BELOW`` if ``hi < predicted - tol``, ``ABOVE`` if
        ``lo > predicted + tol``, else ``MATCHES`` (the CI meets the band).
        ``side="upper"``: ``ABOVE`` if ``lo > predicted + tol``, else ``MATCHES`` — a
        faster decay than the bound is consistent with an upper bound, so it is
        reported as ``MATCHES``, never ``BELOW``. ``side="lower"``: ``BELOW`` if
        ``hi < predicted - tol``, else ``MATCHES``.
    """
    _check_side(side)
    if not math.isfinite(predicted):
        raise ValueError(f"predicted must be finite, got {predicted!r}")
    if isinstance(fit, PowerLawFit):
        ci = fit.ci
    elif isinstance(fit, GeometricFit):
        ci = fit.log_slope_ci
    elif isinstance(fit, FloorFit):
        ci = fit.exponent_ci
    else:
        raise TypeError(f"cannot judge a {type(fit).__name__}")
    lo, hi = float(ci[0]), float(ci[1])
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > max_width:
        return Verdict.INCONCLUSIVE
    below = hi < predicted - tol
    above = lo > predicted + tol
    if above and side in ("two-sided", "upper"):
        return Verdict.ABOVE
    if below and side in ("two-sided", "lower"):
        return Verdict.BELOW
    return Verdict.MATCHES


def verdict_value(
    measured: float,
    ci: tuple[float, float],
    predicted: float,
    *,
    rtol: float,
    max_rel_width: float | None = None,
    side: Side = "two-sided",
) -> Verdict:
    """Compare a measured value (a floor level, a ratio) with a predicted one.

    Parameters
    ----------
    measured : float
        Point estimate.
    ci : tuple of float
        CI of ``measured``; it decides only whether the measurement is conclusive.
    predicted : float
        Predicted value; must be finite and positive.
    rtol : float
        Relative tolerance on ``measured / predicted - 1``.
    max_rel_width : float, optional
        Inconclusive if ``(hi - lo) / predicted`` exceeds this.
    side : {"two-sided", "upper", "lower"}, default "two-sided"
        ``"upper"``: only ``measured <= predicted (1 + rtol)`` is required (an upper
        bound); ``"lower"``: only ``measured >= predicted (1 - rtol)``.

    Returns
    -------
    Verdict
        ``INCONCLUSIVE`` if ``predicted`` is not finite and positive, if ``measured`` or
        the CI is not finite, or if the CI is wider than allowed. Otherwise, with
        ``r = measured / predicted - 1``: ``ABOVE`` if ``r > rtol`` (not for
        ``side="lower"``), ``BELOW`` if ``r < -rtol`` (not for ``side="upper"``), else
        ``MATCHES``.
    """
    _check_side(side)
    lo, hi = float(ci[0]), float(ci[1])
    if not (math.isfinite(predicted) and predicted > 0):
        return Verdict.INCONCLUSIVE
    if not all(math.isfinite(v) for v in (measured, lo, hi)):
        return Verdict.INCONCLUSIVE
    if max_rel_width is not None and (hi - lo) / predicted > max_rel_width:
        return Verdict.INCONCLUSIVE
    r = measured / predicted - 1.0
    if r > rtol and side in ("two-sided", "upper"):
        return Verdict.ABOVE
    if r < -rtol and side in ("two-sided", "lower"):
        return Verdict.BELOW
    return Verdict.MATCHES
