r"""Power law with a floor, :math:`y \approx c + C s^{p}`: :func:`fit_power_law_floor`."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from ._common import (
    _NAN_CI,
    Array,
    RngLike,
    _as_points_runs,
    _boot_means,
    _check_level,
    _check_n_boot,
    _masked_mean,
    _percentile_ci,
    _resample_counts,
    _width,
)


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
    estimate : float
        Same as ``exponent`` (read-only): the uniform name, shared by every fit class,
        of the quantity that :func:`~convlab.rates.verdict` judges.
    ci : tuple of float
        Same as ``exponent_ci`` (read-only): the CI of ``estimate``. The CI of the floor
        is ``floor_ci``.
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
    def estimate(self) -> float:
        """The fitted exponent, :attr:`exponent`, under the name shared by all fits."""
        return self.exponent

    @property
    def ci(self) -> tuple[float, float]:
        """CI of :attr:`estimate`, i.e. :attr:`exponent_ci` (not :attr:`floor_ci`)."""
        return self.exponent_ci

    @property
    def ci_width(self) -> float:
        """Width of :attr:`ci` (= :attr:`exponent_ci`; NaN if undefined)."""
        return _width(self.ci)

    def predict(self, s: ArrayLike) -> Array:
        r"""Fitted mean curve :math:`c + C s^{p}` at ``s``."""
        s = np.asarray(s, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self.floor + self.scale * s**self.exponent



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
        ``estimate`` (= ``exponent``) is the fitted ``p`` and ``ci`` (= ``exponent_ci``)
        its CI; ``floor`` and ``floor_ci`` give the floor. NaN fields if a mean is
        ``<= 0`` or not finite, or if no start converges.

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

