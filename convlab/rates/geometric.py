r"""Geometric (linear-rate) fits :math:`y \approx C q^{t}`: :func:`fit_geometric`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._common import (
    Array,
    RngLike,
    _as_points_runs,
    _check_level,
    _check_n_boot,
    _log_linear_fit,
    _width,
)


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
    estimate : float
        Same as ``log_slope`` (read-only): the uniform name, shared by every fit class,
        of the quantity that :func:`~convlab.rates.verdict` judges.
    ci : tuple of float
        Same as ``log_slope_ci`` (read-only): the CI of ``estimate``.
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
    def estimate(self) -> float:
        """The fitted log slope, :attr:`log_slope`, under the name shared by all fits."""
        return self.log_slope

    @property
    def ci(self) -> tuple[float, float]:
        """CI of :attr:`estimate`, i.e. :attr:`log_slope_ci`."""
        return self.log_slope_ci

    @property
    def ci_width(self) -> float:
        """Width of :attr:`ci` (= :attr:`log_slope_ci`; NaN if undefined)."""
        return _width(self.ci)

    def predict(self, t: ArrayLike) -> Array:
        r"""Fitted mean curve :math:`C q^{t}` at ``t``."""
        t = np.asarray(t, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(self.log_c + self.log_slope * t)



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
        ``estimate`` (= ``log_slope``) is the least-squares slope of
        ``log(mean over runs)`` on ``t`` and ``ci`` (= ``log_slope_ci``) its CI;
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

