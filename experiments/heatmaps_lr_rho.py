"""Final loss and flatness (Tr H) over an lr x rho grid for SGD, SAM, AdaSAM and SA-SAM
(in the style of seed 003's sensitivity figures), on (xy-1)^2 from (3, 0.1), whose
minimisers xy = 1 have Tr H = 2(x^2+y^2) >= 4: where a run ends shows its flatness bias.

Data: convlab.illustrations.lr_rho_sweep (each optimizer is one vectorised run over
the whole grid). Writes figures/heatmaps_lr_rho.png and .csv (optimizer, lr, rho, f,
trace_h, lambda_max, diverged). SA-SAM has no rho (rho_t = sqrt(eta_t)): its rows repeat.

    python experiments/heatmaps_lr_rho.py [--quick]
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from convlab import illustrations, plotting

OUT = Path(__file__).resolve().parents[1] / "figures"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    frame = illustrations.lr_rho_sweep("small" if args.quick else "full")
    opts = list(frame["optimizer"].unique())
    fig, axes = plt.subplots(2, len(opts), figsize=(4.2 * len(opts), 7.0))
    for j, name in enumerate(opts):
        g = frame[frame["optimizer"] == name].copy()
        g.loc[g["diverged"], ["f", "trace_h"]] = float("nan")
        plotting.heatmap(axes[0, j], g, "f", title=f"{name}: final f")
        plotting.heatmap(axes[1, j], g.assign(trace_h=g["trace_h"].clip(lower=1e-6)),
                         "trace_h", title=f"{name}: Tr H at the end")
        q = g["f"].quantile([0.25, 0.5, 0.75])
        print(f"{name:7s} final f quartiles {q.iloc[0]:.2e} {q.iloc[1]:.2e} {q.iloc[2]:.2e}; "
              f"Tr H median {g['trace_h'].median():.3f} (min {g['trace_h'].min():.3f}); "
              f"diverged {int(g['diverged'].sum())}/{len(g)}")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    plotting.save_png(fig, args.out / "heatmaps_lr_rho.png", dpi=80)
    frame.to_csv(args.out / "heatmaps_lr_rho.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
