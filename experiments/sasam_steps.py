"""SA-SAM's step eta_t and radius rho_t = sqrt(eta_t) over time, its floor, and its flatness
against SGD and SAM on (xy-1)^2 (Naganuma et al., seed 003; claims naganuma_sasam.*).

Data: convlab.illustrations.sasam_steps. Writes figures/sasam_steps.png and
figures/sasam_steps.csv (columns: problem, optimizer, t, eta, rho, f_gap, trace_h, L).

    python experiments/sasam_steps.py [--quick]
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from convlab import illustrations, plotting

OUT = Path(__file__).resolve().parents[1] / "figures"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small size (seconds), as in CI")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    data = illustrations.sasam_steps("small" if args.quick else "full")
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15.6, 4.2))
    sa = data[data.optimizer == "SA-SAM"]
    for i, (name, g) in enumerate(sa.groupby("problem", sort=False)):
        color = f"C{i}"
        t = g.t.to_numpy()[1:]
        a.loglog(t, g.eta.to_numpy()[1:], color=color, label=f"eta_t, {name}")
        a.loglog(t, g.rho.to_numpy()[1:], color=color, ls="--",
                 label=f"rho_t = sqrt(eta_t), {name}")
        L = float(g.L.iloc[0])
        if np.isfinite(L):
            a.axhline(1 / (2 * L), color=color, ls=":", lw=1, label=f"1/(2L) = {1 / (2 * L):.3g}")
        b.loglog(g.t.to_numpy()[1:], g.f_gap.to_numpy()[1:], color=color, label=name)
        last = g.iloc[-1]
        print(f"SA-SAM on {name:22s}: eta_T={last.eta:.4g} (2L eta_T={2 * L * last.eta:.4g}), "
              f"rho_T={last.rho:.4g}, f-f*={last.f_gap:.3e}, Tr H={last.trace_h:.4g}")
    b.axhline(1 / 36, color="k", ls="--", lw=1, label="derived floor on quadratics: 1/36")
    a.set(xlabel="step t", ylabel="eta_t, rho_t", title="SA-SAM: step and radius over time")
    b.set(xlabel="step t", ylabel="f(x_t) - f*", title="SA-SAM: suboptimality (no convergence)")
    xy = data[data.problem == "(xy-1)^2"]
    for label, g in xy.groupby("optimizer", sort=False):
        c.semilogx(g.t.to_numpy()[1:], g.trace_h.to_numpy()[1:], label=label)
        last = g.iloc[-1]
        print(f"(xy-1)^2 {label:15s}: final Tr H={last.trace_h:.4g}, f={last.f_gap:.3e}")
    c.axhline(4.0, color="k", ls="--", lw=1, label="flattest minimiser: Tr H = 4")
    c.set(xlabel="step t", ylabel="Tr H(x_t)", title="(xy-1)^2 from (3, 0.1), lr = eta0 = 0.01")
    a.set_ylim(1e-4, 30)                 # room below the curves for the legend
    for ax, loc in ((a, "lower right"), (b, "upper right"), (c, "center left")):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6.5, loc=loc)
    plotting.tidy_log_ticks(a)
    plotting.tidy_log_ticks(b)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    plotting.save_png(fig, args.out / "sasam_steps.png", dpi=90)
    data.to_csv(args.out / "sasam_steps.csv", index=False)
    print(f"wrote {args.out / 'sasam_steps.png'} and {args.out / 'sasam_steps.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
