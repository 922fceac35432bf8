"""GSAM with constant batch and lr, increasing batch, cosine lr and linear lr over training:
E||grad f||^2, E f and E Tr H (Harada & Iiduka 2024; claims harada_iiduka_2024.*).

Data: :func:`training_curves` (the settings of convlab.claims.harada_iiduka_2024). Writes
figures/harada_curves.png and figures/harada_curves.csv (columns: problem, variant, t, batch,
lr, grad_sq, f, trace_h).

    python experiments/harada_curves.py [--quick]
"""

import argparse
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from convlab import optimizers, oracles, plotting, problems, run, sharpness
from convlab.claims import harada_iiduka_2024 as hi

OUT = Path(__file__).resolve().parents[1] / "figures"
LABELS = {"constant": "constant lr 0.1, b=128", "increasing_batch": "b = 16·2^stage, lr 0.1",
          "cosine": "cosine lr 0.1 -> 0.001, b=128", "linear": "linear lr 0.1 -> 0.001, b=128"}
CURVE_SIZES = {"small": {"T": 1000, "runs": 50}, "full": {"T": 5000, "runs": 400}}


def training_curves(size: str = "small", rng: Any = 0, algorithm: Any = optimizers.gsam
                    ) -> pd.DataFrame:
    r"""Mean over runs, at every 10th step, of the four Harada–Iiduka variants (constant
    lr and batch, increasing batch, cosine lr, linear lr; the settings of the claims,
    ``hi.variants``): :math:`\mathbb E\|\nabla f(x_t)\|^2` on :math:`\sum_i \ln(1+x_i^2)`
    (d = 20, x0 = 1) and :math:`\mathbb E f(x_t)`, :math:`\mathbb E\,\mathrm{Tr}\,H(x_t)` on
    :math:`(xy-1)^2` from (3, 0.1). Same seed for every variant (common random numbers).

    Columns: ``problem, variant, t, batch, lr, grad_sq, f, trace_h`` (``f`` and ``trace_h``
    only on (xy-1)^2, NaN elsewhere).
    """
    sp = CURVE_SIZES[size]
    T, R = int(sp["T"]), int(sp["runs"])
    rec = np.arange(0, T + 1, 10)
    seed = np.random.default_rng(rng).integers(2**63)
    frames = []
    for pname, p, x0 in (("sum ln(1+x_i^2), d=20", problems.separable("log1p_sq", dim=hi.DIM),
                          np.ones(hi.DIM)),
                         ("(xy-1)^2", problems.xy_minus_one(), np.asarray(hi.FLAT_X0))):
        xy = pname == "(xy-1)^2"
        metrics: dict[str, Any] = {"grad_sq": None}
        if xy:
            metrics.update({"f": None,
                            "trace_h": lambda prob, s: sharpness.hessian_trace(prob, s.x)})
        for name, (eta, b) in hi.variants(T).items():
            tr = run(p, algorithm(lr=eta, rho=hi.RHO, alpha=hi.ALPHA), np.tile(x0, (R, 1)), T,
                     oracle=oracles.gaussian(p, hi.SIGMA, b), rng=np.random.default_rng(seed),
                     record_at=rec, metrics=metrics)
            nan = np.full(rec.size, np.nan)
            frames.append(pd.DataFrame({
                "problem": pname, "variant": name, "t": rec,
                "batch": [b(int(t)) if callable(b) else b for t in rec],
                "lr": [float(eta(int(t))) for t in rec],
                "grad_sq": np.nanmean(tr["grad_sq"], axis=1),
                "f": np.nanmean(tr["f"], axis=1) if xy else nan,
                "trace_h": np.nanmean(tr["trace_h"], axis=1) if xy else nan}))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small size (seconds), as in CI")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    data = training_curves("small" if args.quick else "full", rng=args.seed)
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.0))
    panels = [("sum ln(1+x_i^2), d=20", "grad_sq", "E||grad f(x_t)||^2", "log"),
              ("(xy-1)^2", "f", "E f(x_t)  (f* = 0)", "log"),
              ("(xy-1)^2", "trace_h", "E Tr H(x_t)", "linear")]
    for ax, (prob, col, ylabel, yscale) in zip(axes, panels, strict=False):
        sub = data[data.problem == prob]
        for i, (variant, g) in enumerate(sub.groupby("variant", sort=False)):
            ax.plot(g.t.to_numpy()[1:], g[col].to_numpy()[1:], color=f"C{i}", lw=1.2,
                    label=LABELS[variant])
            last = g.iloc[-1]
            print(f"{prob:22s} {variant:17s} final {col} = {last[col]:.4g}")
        ax.set_yscale(yscale)
        ax.set(xlabel="step t", ylabel=ylabel, title=prob)
    axes[2].axhline(4.0, color="k", ls="--", lw=1, label="flattest minimiser: Tr H = 4")
    sched = data[data.problem == data.problem.iloc[0]]
    ax = axes[3]
    for i, (variant, g) in enumerate(sched.groupby("variant", sort=False)):
        ax.plot(g.t, g.lr, color=f"C{i}", label=f"lr, {variant}")
    ax.set(xlabel="step t", ylabel="learning rate", yscale="log", title="schedules",
           ylim=(1e-4, 0.3))                  # leave the bottom quarter to the legend
    tw = ax.twinx()
    inc = sched[sched.variant == "increasing_batch"]
    tw.step(inc.t, inc.batch, where="post", color="C1", ls=":", label="batch, increasing_batch")
    tw.set(ylabel="batch size b", yscale="log", ylim=(2, 2000))
    tw.legend(fontsize=7, loc="lower right")
    for a, loc in zip(axes, ("lower left", "lower left", "upper right", "lower left"),
                      strict=True):
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=7, loc=loc)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    plotting.save_png(fig, args.out / "harada_curves.png", dpi=90)
    data.to_csv(args.out / "harada_curves.csv", index=False)
    print(f"wrote {args.out / 'harada_curves.png'} and {args.out / 'harada_curves.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
