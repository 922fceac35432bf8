"""Fit convergence rates with honest confidence intervals, then give a verdict.

This package is pure statistics: it knows nothing about SAM, optimizers or problems. It
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

Layout
------
* :mod:`~convlab.rates.power`: :class:`PowerLawFit`, :func:`fit_power_law`, :func:`fit_scaling`.
* :mod:`~convlab.rates.geometric`: :class:`GeometricFit`, :func:`fit_geometric`.
* :mod:`~convlab.rates.floor`: :class:`FloorFit`, :func:`fit_power_law_floor`.
* :mod:`~convlab.rates.summaries`: :func:`tail_mean`, :func:`is_stationary`, :func:`mean_ci`,
  :func:`paired_ratio_ci`.
* :mod:`~convlab.rates.verdicts`: :func:`verdict`, :func:`verdict_value`.
* :mod:`~convlab.rates._common`: :class:`Verdict`, types, input checks, bootstrap helpers.

Every fit result exposes ``estimate`` (the fitted exponent or log slope that
:func:`verdict` judges) and ``ci`` (its ``(lo, hi)`` CI) under these same names; the
descriptive names (``exponent``, ``log_slope``, ...) remain as well.
"""

from __future__ import annotations

from ._common import Array as Array  # type aliases: importable as before, not in __all__
from ._common import RateFit, Verdict
from ._common import RngLike as RngLike
from ._common import Side as Side
from .floor import FloorFit, fit_power_law_floor
from .geometric import GeometricFit, fit_geometric
from .power import PowerLawFit, fit_power_law, fit_scaling
from .summaries import is_stationary, mean_ci, paired_ratio_ci, rank_correlation_ci, tail_mean
from .verdicts import verdict, verdict_value

__all__ = [
    "FloorFit",
    "GeometricFit",
    "PowerLawFit",
    "RateFit",
    "Verdict",
    "fit_geometric",
    "fit_power_law",
    "fit_power_law_floor",
    "fit_scaling",
    "is_stationary",
    "mean_ci",
    "paired_ratio_ci",
    "rank_correlation_ci",
    "tail_mean",
    "verdict",
    "verdict_value",
]
