"""Summaries of trajectories and runs: :func:`tail_mean`, :func:`is_stationary`, :func:`mean_ci`,
:func:`paired_ratio_ci`."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._common import (
    Array,
    RngLike,
    _boot_means,
    _check_level,
    _check_n_boot,
    _masked_mean,
    _percentile_ci,
    _resample_counts,
)


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



def paired_ratio_ci(
    a: ArrayLike,
    b: ArrayLike,
    axis: int = -1,
    level: float = 0.95,
    n_boot: int = 2000,
    rng: RngLike = 0,
) -> tuple[Array, Array, Array]:
    """Ratio of means ``mean(a) / mean(b)`` of paired runs, with a paired bootstrap CI.

    Run ``i`` of ``a`` and run ``i`` of ``b`` share their random numbers (common random
    numbers), so each replicate resamples whole *pairs*: the CI is that of the ratio, not
    of two independent means, and is much narrower when the pairs are correlated.

    Parameters
    ----------
    a, b : array_like
        Same shape; ``axis`` indexes the runs. A pair with a non-finite member is left
        out of both means.
    axis, level, n_boot, rng
        As in :func:`mean_ci`.

    Returns
    -------
    ratio, lo, hi : numpy.ndarray
        Shaped like ``a`` without ``axis``; NaN where no pair is finite or the mean of
        ``b`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.rates import paired_ratio_ci
    >>> g = np.random.default_rng(0)
    >>> b = 1.0 + g.random(50)                 # the reference, run by run
    >>> a = 0.9 * b + 0.01 * g.standard_normal(50)
    >>> r, lo, hi = paired_ratio_ci(a, b)
    >>> bool(lo < 0.9 < hi and hi < 0.91)      # paired: far below 1, a narrow CI
    True
    """
    _check_level(level)
    _check_n_boot(n_boot)
    x = np.moveaxis(np.asarray(a, dtype=float), axis, -1)
    y = np.moveaxis(np.asarray(b, dtype=float), axis, -1)
    if x.shape != y.shape:
        raise ValueError(f"paired samples need one shape, got {x.shape} and {y.shape}")
    if x.shape[-1] < 1:
        raise ValueError("no runs along axis")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = np.where(ok, x, np.nan), np.where(ok, y, np.nan)
    counts = _resample_counts(np.random.default_rng(rng), x.shape[-1], n_boot)
    with np.errstate(invalid="ignore", divide="ignore"):
        mb = _masked_mean(y)
        ratio = np.where(mb > 0, _masked_mean(x) / mb, np.nan)
        bb = _boot_means(y, counts)
        boot = np.where(bb > 0, _boot_means(x, counts) / bb, np.nan)
    lo, hi = _percentile_ci(boot, level)
    undefined = ~np.isfinite(ratio)
    return ratio, np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)


def rank_correlation_ci(
    x: ArrayLike,
    y: ArrayLike,
    level: float = 0.95,
    n_boot: int = 2000,
    rng: RngLike = 0,
) -> tuple[float, float, float]:
    r"""Spearman's rank correlation of paired samples, with a percentile bootstrap CI.

    Each replicate resamples whole pairs :math:`(x_i, y_i)` and recomputes the Pearson
    correlation of their ranks (ties get their average rank, as in
    :func:`scipy.stats.spearmanr`).

    Parameters
    ----------
    x, y : array_like
        1-D, same length ``n >= 3``; every entry finite (a diverged run is not a point of
        an association: the caller counts it).
    level, n_boot, rng
        As in :func:`mean_ci`.

    Returns
    -------
    r, lo, hi : float
        NaN when ``x`` or ``y`` is constant.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.rates import rank_correlation_ci
    >>> g = np.random.default_rng(0)
    >>> x = g.random(200)
    >>> r, lo, hi = rank_correlation_ci(x, x + 0.3 * g.random(200))
    >>> bool(0.8 < lo < r < hi < 1.0)
    True
    """
    from scipy.stats import rankdata

    _check_level(level)
    _check_n_boot(n_boot)
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size < 3:
        raise ValueError(f"rank_correlation_ci needs two 1-D samples of one length >= 3, got "
                         f"shapes {a.shape} and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("rank_correlation_ci: the samples hold non-finite entries")

    def corr(u: Array, v: Array) -> Array:
        ru, rv = rankdata(u, axis=-1), rankdata(v, axis=-1)
        ru -= ru.mean(axis=-1, keepdims=True)
        rv -= rv.mean(axis=-1, keepdims=True)
        den = np.sqrt(np.sum(ru * ru, axis=-1) * np.sum(rv * rv, axis=-1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sum(ru * rv, axis=-1) / den

    gen = np.random.default_rng(rng)
    idx = gen.integers(0, a.size, size=(n_boot, a.size))
    boot = corr(a[idx], b[idx])
    boot = boot[np.isfinite(boot)]
    r = float(corr(a, b))
    if not math.isfinite(r) or boot.size == 0:
        return r, math.nan, math.nan
    q = (1.0 - level) / 2.0
    lo, hi = np.quantile(boot, [q, 1.0 - q])
    return r, float(lo), float(hi)
