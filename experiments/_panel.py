"""Shared driver of the experiment scripts: run claims, plot one panel each, save.

Scripts only choose claims and a figure name; the experiment itself is the claims'
scenario (``convlab.claims``), the fit is ``convlab.rates``, the panel is
``convlab.plotting.plot_claim``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from convlab import claims
from convlab.plotting import plot_claim, plotted_points, save_png

FIGURES = Path(__file__).resolve().parents[1] / "figures"


def main(stem: str, prefixes: Sequence[str], argv: Sequence[str] | None = None,
         doc: str = "") -> int:
    """Run the claims selected by ``prefixes``; write figures/<stem>.png and .csv."""
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0] if doc else stem)
    ap.add_argument("--quick", action="store_true", help="small sizes (seconds), as in CI")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=FIGURES, help="output folder (default figures/)")
    args = ap.parse_args(argv)
    size = "small" if args.quick else "full"
    chosen = claims.select(list(prefixes))
    n = len(chosen)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.9 * rows), squeeze=False)
    frames = []
    failed = 0
    for ax, claim in zip(axes.flat, chosen, strict=False):
        r = claim.check(size=size, rng=args.seed)
        plot_claim(r, ax=ax)
        lo, hi = r.ci
        print(f"{r.key}: predicted {r.predicted:g} ({r.side}, tol {r.tol:g}), measured "
              f"{r.measured:.4g} [{lo:.4g}, {hi:.4g}] -> {r.verdict.value} "
              f"{'PASS' if r.passed else 'FAIL'} ({r.seconds:.1f} s)")
        failed += not r.passed
        frames.append(plotted_points(r))
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / f"{stem}.png"
    save_png(fig, png, dpi=80 if n > 3 else 100)
    plt.close(fig)
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"claim": []})
    data.to_csv(args.out / f"{stem}.csv", index=False)
    print(f"wrote {png} and {png.with_suffix('.csv')}", file=sys.stderr)
    return 1 if failed else 0
