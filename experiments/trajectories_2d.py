"""Trajectories of GD, SAM, USAM, GSAM and SA-SAM on 2-D functions: (xy-1)^2 (Si & Yun's
Figure 1 function), Rosenbrock, and the cosine trap (SAM stalls at a non-stationary point).

Data: convlab.illustrations.trajectories. Writes figures/trajectories_2d.png and
figures/trajectories_2d.csv (columns: function, optimizer, t, x, y, f, grad_norm).

    python experiments/trajectories_2d.py [--quick]
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from convlab import illustrations, plotting

OUT = Path(__file__).resolve().parents[1] / "figures"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    size = "small" if args.quick else "full"
    names = list(illustrations.TRAJECTORY_SETUPS)
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.4))
    frames = []
    for ax, name in zip(axes, names, strict=True):
        paths = illustrations.trajectories(name, size)
        setup = illustrations.TRAJECTORY_SETUPS[name]
        plotting.trajectories(ax, illustrations._problem(name), paths, setup["box"])
        ax.set_title(f"{name}, lr={setup['lr']:g}", fontsize=9)
        frames.append(paths.assign(function=name))
        for label, g in paths.groupby("optimizer", sort=False):
            last = g.iloc[-1]
            print(f"{name:15s} {label:28s} final f={last.f:.3e} |grad|={last.grad_norm:.3e}")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    plotting.save_png(fig, args.out / "trajectories_2d.png", dpi=90)
    pd.concat(frames, ignore_index=True).to_csv(args.out / "trajectories_2d.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
