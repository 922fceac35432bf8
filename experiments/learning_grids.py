"""The seeds' empirical statements on the diagonal linear network (issue 17), as figures.

1. The SA-SAM poster's lr x weight-decay heatmaps: test loss, Tr H and lambda_max at the end
   of training for SGD, SAM, SA-SGD (AdGD) and SA-SAM, one row per optimizer (the poster's
   layout), shared colour scale per column. SA-SAM is shown twice: with the poster's
   rho_t = sqrt(eta_t) and with rho_t = 0.1 sqrt(eta_t) (the setting of the claim
   learning.sasam.grid_curvature). lr is SA-SGD's and SA-SAM's initial step eta_0.
2. Harada & Iiduka's association: Tr H and lambda_max at the end against the test loss, one
   point per run, coloured by optimizer, over the sweep of learning.hi.flatness_test_association.

Data: the claims' own scenarios (convlab.claims.learning.poster_grid / hi_sweep) at their
full (or --quick: small) sizes, seed --seed. Writes figures/learning_grids.png and
figures/learning_grids.csv (one row per run: figure, optimizer, lr, weight_decay, batch,
schedule, train, test, trace, lmax).

    python experiments/learning_grids.py [--quick] [--seed N] [--out DIR]
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from convlab import claims, optimizers, plotting, rates
from convlab.claims import learning as L
from convlab.claims.base import size_params

OUT = Path(__file__).resolve().parents[1] / "figures"
ROWS = [("sgd", "SGD"), ("sam", "SAM (rho = 0.05)"), ("sasgd", "SA-SGD (AdGD)"),
        ("sasam_poster", "SA-SAM poster rho=sqrt(eta)"),
        ("sasam", "SA-SAM rho=0.1 sqrt(eta)")]
COLS = [("test", "test loss"), ("trace", "Tr H"), ("lmax", "lambda_max")]


def grid_frame(size: str, seed: int) -> pd.DataFrame:
    """All four optimizers at rho_scale 0.1, plus SA-SAM at the poster's rho_scale 1."""
    sp = size_params(claims.get("learning.sasam.grid_curvature").sizes, size)
    a = L.poster_grid({**sp, "under_test": "sasam"}, seed, optimizers.sasam).frame
    b = L.poster_grid({**sp, "under_test": "sasam", "rho_scale": 1.0}, seed,
                      optimizers.sasam).frame
    b = b[b["optimizer"] == "sasam"].assign(optimizer="sasam_poster")
    return pd.concat([a, b], ignore_index=True).assign(figure="poster_grid")


def sweep_frame(size: str, seed: int) -> pd.DataFrame:
    sp = size_params(claims.get("learning.hi.flatness_test_association").sizes, size)
    return L.hi_sweep(sp, seed, optimizers.sam).frame.assign(figure="hi_sweep")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    size = "small" if args.quick else "full"
    grid, sweep = grid_frame(size, args.seed), sweep_frame(size, args.seed)

    fig = plt.figure(figsize=(13.5, 3.0 * len(ROWS) + 3.6))
    gs = fig.add_gridspec(len(ROWS) + 1, 3, height_ratios=[1.0] * len(ROWS) + [1.25])
    for j, (col, label) in enumerate(COLS):
        # One colour range per column, from the rows that fit the data: the poster's SA-SAM
        # (which does not) saturates it rather than flattening every other panel.
        fits = grid[grid["optimizer"] != "sasam_poster"]
        vals = fits.groupby(["optimizer", "lr", "weight_decay"])[col].mean()
        vals = vals[np.isfinite(vals) & (vals > 0)]
        vlim = (float(vals.min()), float(vals.max()))
        for i, (name, title) in enumerate(ROWS):
            g = grid[grid["optimizer"] == name]
            ax = fig.add_subplot(gs[i, j])
            plotting.heatmap(ax, g, col, x="lr", y="weight_decay", vlim=vlim,
                             log=col == "test", title=f"{title}: {label}"
                             + (" (saturated)" if name == "sasam_poster" else ""))
    for j, (col, label) in enumerate([("trace", "Tr H(x_T)"), ("lmax", "lambda_max(x_T)")]):
        ax = fig.add_subplot(gs[len(ROWS), j])
        for name, g in sweep.groupby("optimizer"):
            ax.scatter(g[col], g["test"], s=8, alpha=0.6, label=name)
        ok = np.isfinite(sweep[col]) & np.isfinite(sweep["test"])
        r, lo, hi = rates.rank_correlation_ci(sweep.loc[ok, col], sweep.loc[ok, "test"])
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("test loss")
        ax.set_title(f"sweep ({ok.sum()} runs): Spearman r = {r:.2f} [{lo:.2f}, {hi:.2f}]",
                     fontsize=9)
        ax.legend(fontsize=7)
        print(f"Spearman({col}, test loss) = {r:.3f} [{lo:.3f}, {hi:.3f}]")
    ax = fig.add_subplot(gs[len(ROWS), 2])
    med = grid.groupby("optimizer")[["train", "test", "trace"]].median()
    names = [n for n, _ in ROWS]
    ax.bar(range(len(names)), med.loc[names, "train"] + 1e-12)
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), ["SGD", "SAM", "SA-SGD", "SA-SAM\n(poster)",
                                      "SA-SAM\n(0.1)"], fontsize=7)
    ax.set_title("median train loss over the grid", fontsize=9)
    for name in names:
        m = med.loc[name]
        print(f"{name:13s} median train {m['train']:.2e} test {m['test']:.3e} "
              f"Tr H {m['trace']:.3f}")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    plotting.save_png(fig, args.out / "learning_grids.png", dpi=70)
    plt.close(fig)
    cols = ["figure", "optimizer", "lr", "weight_decay", "batch", "schedule", "start",
            "train", "test", "trace", "lmax"]
    data = pd.concat([grid, sweep], ignore_index=True)
    data.reindex(columns=cols).to_csv(args.out / "learning_grids.csv", index=False)
    print(f"wrote {args.out / 'learning_grids.png'} and .csv", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
