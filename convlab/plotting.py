"""matplotlib figures: rate plots with fitted and theoretical slopes, claim figures."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rates


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.5, 3.8))
    return ax


def tidy_log_ticks(ax: Any) -> None:
    """Drop minor tick labels on log axes (they collide on short ranges)."""
    from matplotlib.ticker import NullFormatter

    for axis, scale, lim in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()),
                             (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
        lo, hi = sorted(lim)
        if scale == "log" and lo > 0 and hi / lo > 30:   # short ranges keep their minor labels
            axis.set_minor_formatter(NullFormatter())


def rate(ax: Any, s: Any, errors: Any, fit: Any = None, predicted: float | None = None, *,
         label: str = "mean over runs", log_power: float = 0.0, color: str | None = None
         ) -> Any:
    """Log-log plot of the mean over runs with a 95 % bootstrap band of the mean, the fitted
    power law and the theoretical slope (dashed, through the middle of the data)."""
    ax = _axes(ax)
    s = np.asarray(s, float)
    err = np.asarray(errors, float).reshape(len(s), -1)
    mean, lo, hi = rates.mean_ci(err, axis=-1)
    line, = ax.plot(s, mean, "o-", ms=4, color=color, label=label)
    c = line.get_color()
    if err.shape[1] > 1:
        ax.fill_between(s, np.maximum(lo, np.finfo(float).tiny), hi, color=c, alpha=0.2, lw=0)
    logs = np.log(s)
    corr = log_power * np.log(np.log(s)) if log_power else 0.0
    if fit is not None and np.isfinite(getattr(fit, "exponent", np.nan)):
        y = np.exp(fit.log_c + fit.exponent * logs + corr)
        lo_ci, hi_ci = fit.ci
        ax.plot(s, y, "-", color=c, alpha=0.6, lw=1,
                label=f"fit: slope {fit.exponent:.3f} [{lo_ci:.3f}, {hi_ci:.3f}]")
    if predicted is not None and np.all(mean > 0):
        mid = len(s) // 2
        y0 = np.log(mean[mid]) - predicted * logs[mid] - (corr[mid] if log_power else 0.0)
        ax.plot(s, np.exp(y0 + predicted * logs + corr), "k--", lw=1,
                label=f"theory: slope {predicted:g}" + (f" × log^{log_power:g}" if log_power
                                                         else ""))
    ax.set_xscale("log")
    if np.all(mean > 0):
        ax.set_yscale("log")
    return ax


def plot_claim(result: Any, ax: Any = None) -> Any:
    """The figure of a :class:`~convlab.claims.ClaimResult`; returns the Axes."""
    ax = _axes(ax)
    m = result.measurement
    if m.kind == "slope":
        rate(ax, m.s, m.errors, result.fit, result.predicted, log_power=m.log_power)
    elif m.kind in ("value", "bound"):
        vals = np.atleast_2d(np.asarray(m.values, float))
        mean, lo, hi = (np.atleast_1d(a) for a in rates.mean_ci(vals, axis=-1))
        x = np.asarray(m.s, float) if m.s is not None and len(m.s) == len(mean) else \
            np.arange(len(mean), dtype=float)
        yerr = np.vstack([mean - lo, hi - mean])
        ax.errorbar(x, mean, yerr=yerr, fmt="o", ms=4, capsize=3, label="measured (mean, 95% CI)")
        if m.kind == "value":
            ax.axhline(result.predicted, color="k", ls="--", lw=1, label=f"predicted "
                       f"{result.predicted:g}")
            if result.side == "two-sided":
                ax.axhspan(result.predicted * (1 - result.tol), result.predicted * (1 + result.tol),
                           color="k", alpha=0.08, lw=0, label=f"tolerance ±{result.tol:g} (rel.)")
        else:
            ax.plot(x, np.asarray(m.bound, float).reshape(-1), "k_", ms=14, mew=2,
                    label="theoretical bound")
            if np.all(mean > 0):
                ax.set_yscale("log")
        if m.s is not None and len(m.s) == len(mean) and np.all(x > 0) and \
                np.ptp(np.log10(x)) > 1:
            ax.set_xscale("log")
    tidy_log_ticks(ax)
    ax.set_xlabel(m.xlabel)
    ax.set_ylabel(m.ylabel)
    status = "PASS" if result.passed else "FAIL"
    ax.set_title(f"{result.key}\n{status}: {result.verdict.value}", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    ax.grid(True, which="both", alpha=0.2)
    return ax
