r"""Power-law fits :math:`y \approx C s^{p} \log^{k} s`: fit_power_law, fit_scaling."""

from __future__ import annotations

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
class PowerLawFit:
    r"""Fit of the power law :math:`y \approx C s^{p} \log^{k} s` to the mean over runs.

    Attributes
    ----------
    exponent : float
        Least-squares slope ``p`` of ``log(mean) - k log(log s)`` against ``log s``.
    ci : tuple of float
        Percentile bootstrap CI of ``exponent`` (resampling runs). With a single run the
        bootstrap is degenerate and the Theil--Sen CI is used instead.
    estimate : float
        Same as ``exponent`` (read-only): the uniform name, shared by every fit class,
        of the quantity that :func:`~convlab.rates.verdict` judges; ``ci`` is its CI.
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
    def estimate(self) -> float:
        """The fitted exponent, :attr:`exponent`, under the name shared by all fits."""
        return self.exponent

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
        The fit: ``estimate`` (= ``exponent``) is the fitted ``p`` and ``ci`` its CI. If a
        mean error is ``<= 0`` or not finite (including a point where every run is NaN)
        the exponent, intercept and CIs are NaN; no exception or warning.

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
        As from :func:`fit_power_law`: ``estimate``/``ci`` are the exponent and its CI.
    """
    return fit_power_law(values, errors, **kw)  # type: ignore[arg-type]

