"""matplotlib figures: rate plots with fitted and theoretical slopes, claim figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import rates


@dataclass(frozen=True)
class Plot:
    """How a claim's figure is drawn (kept out of the measurement).

    Parameters
    ----------
    xlabel, ylabel : str
        Axis labels.
    groups : int
        The points split into this many consecutive blocks of equal length (e.g. m-SAM
        then n-SAM); block ``k`` is drawn at ``x * shift**k`` so that they do not overlap.
    shift : float
        Multiplicative x-offset between blocks.
    """

    xlabel: str = "s"
    ylabel: str = "error"
    groups: int = 1
    shift: float = 1.0

    def x(self, s: Any) -> Any:
        """The plotted abscissae of the points ``s``."""
        s = np.asarray(s, float)
        if self.groups <= 1 or s.size % self.groups:
            return s
        return s * np.repeat(self.shift ** np.arange(self.groups), s.size // self.groups)


def _spec(result: Any) -> Plot:
    spec = getattr(result, "plot_spec", None)
    return spec if isinstance(spec, Plot) else Plot()


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
        # keep minor labels only when no power of ten (major tick) lies inside the range
        if scale == "log" and lo > 0 and np.floor(np.log10(hi)) >= np.ceil(np.log10(lo)):
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
    tidy_log_ticks(ax)
    return ax


def _per_point(bound: Any, n: int) -> np.ndarray:
    """A bound per point, or a reference given run by run (a paired ordering) averaged
    over its runs."""
    b = np.asarray(bound, float).reshape(n, -1)
    return b[:, 0] if b.shape[1] == 1 else rates.mean_ci(b, axis=-1)[0]


def plot_claim(result: Any, ax: Any = None) -> Any:
    """The figure of a :class:`~convlab.claims.ClaimResult`; returns the Axes."""
    ax = _axes(ax)
    m = result.measurement
    spec = _spec(result)
    if m.kind == "slope":
        rate(ax, m.s, m.errors, result.fit, result.predicted,
             log_power=getattr(result, "log_power", 0.0))
    elif m.kind == "association":
        a, b = np.asarray(m.values, float)
        lo, hi = result.ci
        ax.plot(a, b, "o", ms=3, alpha=0.5,
                label=f"runs; Spearman r = {result.measured:.2f} [{lo:.2f}, {hi:.2f}]")
        if np.all(b[np.isfinite(b)] > 0):
            ax.set_yscale("log")
    elif m.kind in ("value", "bound"):
        vals = np.atleast_2d(np.asarray(m.values, float))
        mean, lo, hi = (np.atleast_1d(a) for a in rates.mean_ci(vals, axis=-1))
        x = spec.x(m.s) if m.s is not None and len(m.s) == len(mean) else \
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
            ax.plot(x, _per_point(m.bound, len(mean)), "k_", ms=14, mew=2,
                    label="bound / reference (mean per point)")
            if np.all(mean > 0):
                ax.set_yscale("log")
        if m.s is not None and len(m.s) == len(mean) and np.all(x > 0) and \
                np.ptp(np.log10(x)) > 1:
            ax.set_xscale("log")
    tidy_log_ticks(ax)
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(spec.ylabel)
    status = "PASS" if result.passed else "FAIL"
    ax.set_title(f"{result.key}\n{status}: {result.verdict.value}", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    ax.grid(True, which="both", alpha=0.2)
    return ax


def trajectories(ax: Any, problem: Any, paths: Any, box: Any, *, levels: int = 30) -> Any:
    """Contours of a 2-D ``problem`` on ``box = ((x0, x1), (y0, y1))`` with the iterates of
    each optimizer (``paths``: a DataFrame with columns optimizer, x, y)."""
    ax = _axes(ax)
    (a, b), (c, d) = box
    gx, gy = np.meshgrid(np.linspace(a, b, 200), np.linspace(c, d, 200))
    z = problem.f(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    z = z - np.min(z)
    ax.contour(gx, gy, np.log10(z + 1e-12 + 1e-3 * np.ptp(z)), levels=levels, cmap="Greys",
               linewidths=0.6, alpha=0.7)
    for label, g in paths.groupby("optimizer", sort=False):
        ax.plot(g["x"], g["y"], "-", lw=1.2, label=label)
        ax.plot(g["x"].iloc[-1], g["y"].iloc[-1], "o", ms=4, color=ax.lines[-1].get_color())
    ax.plot(paths["x"].iloc[0], paths["y"].iloc[0], "k*", ms=8, label="start")
    ax.set_xlim(a, b)
    ax.set_ylim(c, d)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend(fontsize=7, loc="best")
    return ax


def heatmap(ax: Any, frame: Any, value: str, *, x: str = "lr", y: str = "rho",
            log: bool = True, title: str = "", vlim: tuple[float, float] | None = None) -> Any:
    """Heatmap of ``frame[value]`` (mean per cell) over the (x, y) grid, log colour scale by
    default; diverged cells are grey. ``vlim``: a shared colour range (several panels)."""
    from matplotlib.colors import LogNorm

    ax = _axes(ax)
    table = frame.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
    data = table.to_numpy(dtype=float)
    finite = data[np.isfinite(data) & (data > 0)] if log else data[np.isfinite(data)]
    lo, hi = vlim if vlim is not None else ((finite.min(), finite.max()) if finite.size
                                             else (None, None))
    if log:
        norm = LogNorm(lo, hi) if lo is not None and 0 < lo < hi else None
    else:
        from matplotlib.colors import Normalize
        norm = Normalize(lo, hi) if lo is not None and lo < hi else None
    im = ax.imshow(np.ma.masked_invalid(data), origin="lower", aspect="auto", norm=norm,
                   cmap="viridis")
    ax.set_facecolor("0.8")
    ax.set_xticks(range(len(table.columns)), [f"{v:.2g}" for v in table.columns], fontsize=6,
                  rotation=45)
    ax.set_yticks(range(len(table.index)), [f"{v:.2g}" for v in table.index], fontsize=6)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.figure.colorbar(im, ax=ax, label=value, shrink=0.85)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def save_png(fig: Any, path: Any, dpi: int = 100) -> None:
    """Save ``fig`` as a compact PNG (256-colour palette, optimized): figures committed to
    the repository stay small (target <= 200 KB) without losing legibility."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    buf.seek(0)
    with Image.open(buf) as im:
        im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            path, format="PNG", optimize=True)


def plotted_points(result: Any) -> Any:
    """The numbers a claim panel shows, one row per point: ``claim, x, mean, ci_low,
    ci_high, runs`` (+ ``bound`` for bound claims) and the claim's verdict columns."""
    import pandas as pd

    m = result.measurement
    spec = _spec(result)
    if m.kind == "association":
        a, b = np.asarray(m.values, float)
        frame = pd.DataFrame({"claim": result.key, "x": a, "x_label": spec.xlabel, "mean": b,
                              "ci_low": np.nan, "ci_high": np.nan, "runs": 1,
                              "y_label": spec.ylabel})
        return frame.assign(predicted=result.predicted, measured=result.measured,
                            verdict=result.verdict.value)
    if m.kind == "slope":
        y = np.asarray(m.errors, float).reshape(len(m.s), -1)
        x = np.asarray(m.s, float)
    else:
        y = np.atleast_2d(np.asarray(m.values, float))
        x = spec.x(m.s) if m.s is not None and len(m.s) == len(y) else \
            np.arange(len(y), dtype=float)
    mean, lo, hi = (np.atleast_1d(a) for a in rates.mean_ci(y, axis=-1))
    frame = pd.DataFrame({"claim": result.key, "x": x, "x_label": spec.xlabel, "mean": mean,
                          "ci_low": lo, "ci_high": hi,
                          "runs": np.isfinite(y).sum(axis=1), "y_label": spec.ylabel})
    if m.kind == "bound":
        frame["bound"] = _per_point(m.bound, len(y))
    return frame.assign(predicted=result.predicted, measured=result.measured,
                        verdict=result.verdict.value)
