r"""Naganuma, Kim, Kyrillidis & Mitliagkas, *Smoothness-Adaptive Sharpness-Aware Minimization
for Finding Flatter Minima* (poster; seed 003; THEORY.md §2.8, §3.7, §4.4, §5 E12, E13, E15;
paper_notes.md). SA-SAM is :func:`convlab.optimizers.sasam`: the Malitsky–Mishchenko step
:math:`\eta_t`, :math:`\rho_t = \sqrt{\eta_t}`, then a SAM step. The poster has no theorem; its
claims are empirical (flatter minima, less sensitivity to the learning rate). Derived here [D✓]:
on any quadratic SA-SAM ends on SAM's 2-cycle, :math:`\eta_\infty = 1/(2L)`,
:math:`f - f^\star = 1/36` (:mod:`convlab.theory.sasam`).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .. import optimizers, problems, run, sharpness, theory
from ..plotting import Plot
from . import malitsky_mishchenko_2020 as mm
from .base import Bound, Claim, Measurement, Order, Paper, Ratio, Slope
from .spec import tidy

PAPER = "Naganuma, Kim, Kyrillidis & Mitliagkas, SA-SAM (poster, seed 003)"
SI_YUN = "Si & Yun 2023 (NeurIPS), arXiv:2306.09850, Figure 1 function"
ETA0, XY_LR, SAM_RHO, LOSS_FLOOR = 1e-3, 0.01, 0.05, 1e-12
SPECTRA = {"geomspace(1,10,10)": np.geomspace(1.0, 10.0, 10),
           "geomspace(1,100,10)": np.geomspace(1.0, 100.0, 10),
           "linspace(1,10,10)": np.linspace(1.0, 10.0, 10),
           "close top pair (9.5, 10)": np.r_[np.geomspace(1.0, 5.0, 8), 9.5, 10.0],
           "d=2 (1, 4)": np.array([1.0, 4.0])}
CURVATURE = {"trace_H": lambda q, s: sharpness.hessian_trace(q, s.x),
             "lambda_max": lambda q, s: sharpness.lambda_max(q, s.x)}

ALGORITHM = ("SA-SAM (seed 003, Algorithm): eta_t = min{||w_t - w_(t-1)|| / (2||grad L(w_t; xi_t) "
             "- grad L(w_(t-1); xi_t)||), sqrt(1 + theta_(t-1)) eta_(t-1)}, rho_t = sqrt(eta_t), "
             "w_(t+1) = w_t - eta_t grad L(w_t + rho_t grad L(w_t;xi_t)/||grad L(w_t;xi_t)||; "
             "xi_t), theta_t = eta_t/eta_(t-1), theta_0 = +inf.")
POSTER_FLAT = ("'SA-SAM, not only achieves the best test accuracy but also converges to flatter "
               "minima' and 'SA-SAM consistently achieves lower curvature for both models, "
               "regardless of the hyperparameters' (curvature = Tr(H) and the leading eigenvalue "
               "lambda_max(H) of the Hessian; seed 003, VGG-19 / ViT-S on CIFAR-10-C).")
POSTER_LR = ("'As expected, the performance of MSGD, SAM, and Adam varies significantly with LR, "
             "in contrast to SA-SAM and SA-SGD.' (seed 003, heatmaps over LR and weight decay).")
TOY = "empirical claim of the poster (no theorem); tested on (xy-1)^2 [ours]"

SASAM = Paper("naganuma_sasam", PAPER, algorithm=optimizers.sasam)
XY = Paper("naganuma_sasam", SI_YUN, algorithm=optimizers.sam, experiment="E15")


def long_run(sp: dict, rng, algorithm) -> Measurement:
    """36 f(x_T) per (spectrum, scale c) problem, then 2 L eta_T: SA-SAM (eta0 = 1e-3) on
    rotated quadratics c A (one run per problem, all starts at once)."""
    gen = np.random.default_rng(rng)
    T, ns = int(sp["T"]), int(sp["starts"])
    rows = []
    for name, c in itertools.product(sp["spectra"], sp["scales"]):
        p = problems.quadratic(float(c) * SPECTRA[name], rotate=gen)
        v = np.linalg.eigh(p.params["A"])[1][:, -1]
        metrics = {"f_gap": None, "state.eta": None, "along": lambda _, s, v=v: s.x @ v,
                   "across": lambda _, s, v=v: np.linalg.norm(s.x - np.outer(s.x @ v, v), axis=1)}
        tr = run(p, algorithm(eta0=ETA0, rho_scale=1.0), gen.standard_normal((ns, p.dim)), T,
                 record_at=[0, T - 1, T], metrics=metrics)
        fT, eT = tr.final("f_gap"), tr.final("state.eta")
        along = tr.metrics["along"] / theory.sasam_cycle_amplitude(p.L)
        rows.append(tidy(spectrum=name, scale=c, L=p.L, start=np.arange(ns), f_T=fT, eta_T=eT,
                         f_x0=tr.metrics["f_gap"][0], x_T_across_v1=tr.metrics["across"][-1],
                         f_T_over_band_eta_T=fT / theory.band_gap(eT, p.L, np.sqrt(eT)),
                         x_T_along_v1_over_a=along[-1], x_Tm1_along_v1_over_a=along[1]))
    fr = pd.concat(rows, ignore_index=True)
    values = np.concatenate([36.0 * fr.f_T, 2.0 * fr.L * fr.eta_T]).reshape(-1, ns)
    return Measurement(s=np.arange(values.shape[0]) + 1.0, values=values, frame=fr)


def _xy_tail(sp: dict, algorithm) -> tuple[np.ndarray, dict, pd.DataFrame]:
    """SAM (``algorithm``, lr 0.01, per-run rho; rho = 0 is GD) on (xy-1)^2 from ``x0``:
    metrics at every step of the last ``tail`` steps, and their tail statistics."""
    rhos, T, K = np.asarray(sp["rho"], dtype=float), int(sp["T"]), int(sp["tail"])
    metrics = {"f_gap": None, "grad_norm": None, **CURVATURE,
               "x_minus_y": lambda q, s: s.x[:, 0] - s.x[:, 1]}
    tr = run(problems.xy_minus_one(), algorithm(lr=XY_LR, rho=rhos),
             np.tile(np.asarray(sp["x0"], float), (rhos.size, 1)), T,
             record_at=np.arange(T - K, T + 1), metrics=metrics)
    stats = {f"{st}_{k}": fn(v) for k, v in tr.metrics.items() for st, fn in (
        ("tail_mean", lambda a: a.mean(axis=0)), ("tail_min", lambda a: a.min(axis=0)),
        ("tail_max", lambda a: a.max(axis=0)), ("final", lambda a: a[-1]))}
    return rhos, tr.metrics, tidy(rho=rhos, x_T=tr.x[:, 0], y_T=tr.x[:, 1], **stats)


def xy_flatness(sp: dict, rng, algorithm) -> Measurement:
    """Tail-mean Tr H: GD (rho = 0) over the gradient-flow value, SAM over 4; deterministic."""
    rhos, m, frame = _xy_tail(sp, algorithm)
    pred = np.where(rhos == 0.0, theory.xy_gd_flow_trace(tuple(sp["x0"])),
                    theory.xy_flat_curvature())
    frame = frame.assign(optimizer=np.where(rhos == 0.0, "GD", "SAM"), predicted_trace_H=pred)
    return Measurement(s=np.arange(rhos.size) + 1.0, values=(m["trace_H"].mean(axis=0) / pred)
                       [:, None], frame=frame)


def xy_floor(sp: dict, rng, algorithm) -> Measurement:
    """Tail f of SAM on (xy-1)^2 against rho (slope 2). Deterministic."""
    rhos, m, frame = _xy_tail(sp, algorithm)
    f, h = m["f_gap"], m["f_gap"].shape[0] // 2                  # (tail + 1, n_rho)
    band = theory.band_gap(XY_LR, theory.xy_flat_curvature(), rhos)
    frame = frame.assign(first_half_mean_f=f[:h].mean(axis=0), band_gap_normal=band,
                         second_half_mean_f=f[h:].mean(axis=0),
                         tail_mean_f_over_band=f.mean(axis=0) / band)
    return Measurement(s=rhos, errors=f.T, frame=frame)


def _three(sp: dict, rng, algorithm) -> tuple[dict, pd.DataFrame]:
    """SA-SAM (``algorithm``, eta0 = grid), baselines SAM (lr = grid, rho = 0.05) and GD on
    (xy-1)^2, one run of starts x grid each; (starts, grid) means of the last two iterates."""
    gen = np.random.default_rng(rng)
    grid = np.asarray(sp["grid"], dtype=float)
    R, T, G = int(sp["starts"]), int(sp["T"]), grid.size
    # imbalanced starts: u in [1.5, 3], v in [0.05, 0.4], a random common sign and swap
    x0 = np.stack([gen.uniform(1.5, 3.0, R), gen.uniform(0.05, 0.4, R)], axis=1)
    x0 *= gen.choice([-1.0, 1.0], R)[:, None]
    swap = gen.random(R) < 0.5
    x0[swap] = x0[swap][:, ::-1]
    x0, lr = np.repeat(x0, G, axis=0), np.tile(grid, R)
    opts = {"SA-SAM": algorithm(eta0=lr, rho_scale=1.0),
            "SAM": optimizers.sam(lr=lr, rho=SAM_RHO), "SGD": optimizers.sgd(lr=lr)}
    metrics = {"f_gap": None, **CURVATURE, "ray_minimiser_trace_H": lambda q, s: 2.0 * (
        s.x[:, 0] / s.x[:, 1] + s.x[:, 1] / s.x[:, 0])}
    out, rows = {}, []
    for name, opt in opts.items():
        tr = run(problems.xy_minus_one(), opt, x0, T, record_at=[T - 1, T], metrics=metrics)
        out[name] = {k: v.mean(axis=0).reshape(R, G) for k, v in tr.metrics.items()}
        rows.append(tidy(optimizer=name, start=np.repeat(np.arange(R), G), lr_or_eta0=lr,
                         x0=x0[:, 0], y0=x0[:, 1], diverged=tr.diverged,
                         **{f"{k}_cycle_mean": v.mean(axis=0) for k, v in tr.metrics.items()}))
    return out, pd.concat(rows, ignore_index=True)


def flatness(sp: dict, rng, algorithm) -> Measurement:
    """Grid-mean final Tr H and lambda_max, SA-SAM over SAM and over SGD (per start)."""
    out, frame = _three(sp, rng, algorithm)
    gm = {n: {k: np.nanmean(r[k], axis=1) for k in CURVATURE} for n, r in out.items()}
    values = np.vstack([gm["SA-SAM"][k] / gm[o][k] for k in CURVATURE for o in ("SAM", "SGD")])
    return Measurement(s=np.arange(4) + 1.0, values=values, bound=np.ones(4), frame=frame)


def lr_sensitivity(sp: dict, rng, algorithm) -> Measurement:
    """Spread over the lr (eta0) grid of log10 final loss: SA-SAM over SAM, over SGD."""
    out, frame = _three(sp, rng, algorithm)
    spread = {n: np.full(r["f_gap"].shape[0], np.nan) if frame.diverged.any() else
              np.std(np.log10(np.maximum(r["f_gap"], LOSS_FLOOR)), axis=1)
              for n, r in out.items()}
    notes = (f"mean spread (std over the grid of log10 max(f_T, {LOSS_FLOOR:g})): "
             + ", ".join(f"{n} {np.mean(s):.3f}" for n, s in spread.items()))
    return Measurement(s=np.arange(2) + 1.0, values=np.vstack(
        [spread["SA-SAM"] / spread[o] for o in ("SAM", "SGD")]), bound=np.ones(2),
        frame=frame, notes=notes)


CLAIMS = [
    SASAM.claim(
        "sasam.step_invariant", experiment="E12", expect=Bound(why=mm.INV_TOL_REASON),
        scenario=mm.step_invariant(minibatch=False, eta0=ETA0, rho_scale=1.0),
        theorem="derived invariant eta_t >= 1/(2L) (AdGD argument) [D✓: THEORY.md §2.8, §3.7]",
        statement=ALGORITHM + " No theorem on the poster; the step inherits the AdGD lower bound "
                              "eta_t >= 1/(2L) for L-smooth L (deterministic).",
        theory="min_(t>=1) eta_t >= 1/(2L), attained in the long run on quadratics (long_run)",
        sizes={"small": dict(T_quadratic=600, T_logistic=300, rotations=2, datasets=2, starts=8),
               "full": dict(T_quadratic=3000, T_logistic=3000, rotations=4, datasets=4, starts=32)},
        plot=Plot("problem index (see frame)", "1 / (2 L min_(k>=1) step_k)  (<= 1)"),
        finding="Holds; on quadratics SA-SAM sits on the bound (1/(2 L min eta) = 1 + 7e-16: "
                "rounding), as its 2-cycle along v1 makes the smoothness ratio exactly 1/(2L).",
    ),
    SASAM.claim(
        "sasam.step_invariant_stochastic", experiment="E12", expect=Bound(why=mm.STOCH_TOL_REASON),
        scenario=mm.step_invariant(minibatch=True, eta0=ETA0, rho_scale=1.0),
        theorem="derived invariant eta_t >= 1/(2 L_(xi_t)) >= 1/(2 L_max) with minibatches [D: "
                "THEORY.md §2.8, listed as untested]",
        statement=ALGORITHM + " With the same minibatch xi_t at w_t and w_(t-1) the step inherits "
                              "eta_t >= 1/(2 L_max), L_max the largest component smoothness.",
        theory="min_(t>=1) eta_t >= 1/(2 L_max)",
        sizes={"small": {"T": 500, "b": [1, 4, 16], "runs": 16},
               "full": {"T": 3000, "b": [1, 4, 16, 32], "runs": 64}},
        plot=Plot("(problem, b) index (see frame)", "1 / (2 L_max min_(k>=1) step_k)  (<= 1)"),
        finding="Holds (first test); tight on least squares with b = 1; against the full-data L it "
                "fails by up to ~11x, so L_max is the right constant.",
    ),
    SASAM.claim(
        "sasam.long_run", experiment="E13", scenario=long_run,
        theorem="THEORY.md §3.7 (to be derived): band law §3.1.1 at the limiting step [D✓, ours]",
        statement=ALGORITHM + " rho_t = sqrt(eta_t) 'Following [Andriushchenko & Flammarion (2022, "
                              "Theorem 2)]' (seed 003); the poster states no long-run behaviour.",
        theory="eta_inf = 1/(2L) (the 2-cycle along v1 makes the ratio exactly 1/(2L)); band law "
               "at eta L = 1/2, rho = sqrt(eta): a = rho/3, f - f* = L a^2/2 = 1/36 for every "
               "spectrum and every scaling of A (theory.sasam_long_run_level)",
        expect=Ratio(1.0, tol=1e-9, max_width=1e-6, why=(
            "Deterministic; the approach to the cycle is geometric with the slowest perpendicular "
            "mode's factor |1 - (lambda_i/2L)(1 + 3 lambda_i/L)|. Study (notes): T=3000, 25 "
            "problems x 8 starts: max |36 f - 1| = 4.5e-12 (kappa=100 is slowest: |36 f - 1| < "
            "1e-9 first at t ~ 1300-3000), <= 3e-15 for kappa <= 10 from t ~ 50-210; |2L eta_T - "
            "1| <= 2e-15 everywhere. 1e-9 = the level every run has passed by T.")),
        sizes={"small": dict(T=3000, spectra=["geomspace(1,10,10)", "geomspace(1,100,10)",
                                              "d=2 (1, 4)"], scales=[1e-3, 1e3], starts=4),
               "full": dict(T=6000, spectra=list(SPECTRA), scales=[1e-3, 1e-1, 1.0, 10.0, 1e3],
                            starts=8)},
        plot=Plot("36 f_T per problem, then 2 L eta_T", "36 f(x_T)  /  2 L eta_T  (both -> 1)"),
        finding="SA-SAM does not converge on quadratics: it settles on SAM's 2-cycle with eta -> "
                "1/(2L) and stalls at f - f* = 1/36 exactly, independent of the spectrum and of "
                "the scale of A (f(x0) from 1e-3 to 1e5 all end at 1/36; starts below 1/36 climb "
                "to it). rho_t = sqrt(eta_t) fixes the floor in units of f (rho_scale c gives "
                "c^2/36).",
    ),
    Claim(
        key="naganuma_sasam.sam.xy_flatness", scenario=xy_flatness, **XY.defaults,
        paper=SI_YUN + "; implicit flatness bias of SAM (context for seed 003)",
        theorem="THEORY.md §4.4 (illustration): SAM ends flatter than GD on (xy-1)^2 [D✓, ours]",
        statement="Figure 1 of Si & Yun 2023: 'Trajectory plot for a function f(x,y) = (xy-1)^2' "
                  "[Q]; SAM's implicit bias towards flat minima (seed 003: 'suggesting an implicit "
                  "regularization that favors less sharp minima').",
        theory="GD ~ gradient flow, which conserves x^2 - y^2: Tr H_T = 2 sqrt((x0^2 - y0^2)^2 + "
               "4) = 18.42; SAM drifts along xy = 1 to the flattest minimiser (1,1): Tr H -> 4 "
               "(min of 2(x^2+y^2) on the manifold)",
        expect=Ratio(1.0, tol=0.01, max_width=0.05, why=(
            "GD's discrete path drifts from the flow invariant by O(lr): measured x^2 - y^2 = "
            "8.985 vs 8.99, Tr H 18.409 vs 18.420 (-0.06%). SAM oscillates around (1,1): Tr H over "
            "the tail ranges in [3.97, 4.02] (rho=0.1) with tail mean 3.997-3.999 (-0.03..-0.07%) "
            "once balanced; rho = 0.05 needs T >~ 4e4 to be within 1% (4.067 at T=3e4, 4.0196 at "
            "3.6e4, 3.99..4.01 from 4.2e4 on). 1% = 10x the worst tail-mean deviation.")),
        sizes={size: {"T": T, "tail": T // 10, "rho": [0.0, 0.05, 0.1], "x0": (3.0, 0.1)}
               for size, T in (("small", 50000), ("full", 200000))},
        plot=Plot("run: GD (rho=0), SAM rho=0.05, SAM rho=0.1", "tail-mean Tr H(x_t) / prediction"),
        finding="Confirmed (GD Tr H 18.41, SAM 4.00 as tail means). THEORY.md §4.4's numbers for "
                "rho=0.1 (Tr H 4.009, f 5.1e-6) are reproduced exactly as the single iterate at "
                "T=2e5 (Tr H 4.0091, f 5.15e-6), and its ||grad f|| = 5.3e-3 is the rho=0.05 run's "
                "value at T=2e5 (rho=0.1: 6.4e-3): they are snapshots of a non-periodic "
                "oscillation (tail ranges for rho=0.1: Tr H 3.975-4.020, f 1e-8-3e-5), not a fixed "
                "endpoint. lambda_max on xy=1 is 2(x^2+y^2) = Tr H, not x^2+y^2 (THEORY.md §4.4).",
    ),
    XY.claim(
        "sam.xy_floor", scenario=xy_floor,
        theorem="abstract: O(rho^2) terms 'also for deterministic SAM in nonconvex cases' [Q]; E15 "
                "endpoint [D✓, ours]",
        statement="'such O(rho^2) factors arise for stochastic SAM in all the settings we "
                  "consider, and also for deterministic SAM in nonconvex cases' (Si & Yun 2023 "
                  "abstract), here on their Figure-1 function (xy-1)^2.",
        theory="near (1,1) the normal direction is a quadratic with curvature 4: band f ~ (1/2) 4 "
               "(4 lr rho/(2 - 4 lr))^2 ~ rho^2, times a factor 1.36-1.6 from the cubic asymmetry "
               "(1-D reduction on the diagonal) => slope 2 in rho",
        expect=Slope(2.0, tol=0.2, max_width=0.2, why=(
            "The floor is rho^2 h(rho/lr) with h from our 1-D diagonal reduction = 1.41, 1.36, "
            "1.39, 1.60 at rho = 0.025, 0.05, 0.1, 0.2 (computed independently of the 2-D runs), "
            "so the expected fitted slope on {0.05, 0.1, 0.2} is 2.12, on {0.1, 0.2, 0.4} 2.30 "
            "(not used); 2-D runs: 2.119 (T=2e5, x0=(3,0.1)) and 2.12 from x0=(1.2,0.85) at T=5e4 "
            "and 2e5; tail halves agree to 1e-3. tol 0.2 covers the h-drift (0.12) with margin; a "
            "rho^1 or rho^3 law is 5 tolerances away.")),
        sizes={size: {"T": T, "tail": T // 10, "rho": [0.05, 0.1, 0.2], "x0": (1.2, 0.85)}
               for size, T in (("small", 50000), ("full", 200000))},
        plot=Plot("rho", "tail-mean f(x_t) of SAM on (xy-1)^2"),
        finding="SAM never converges on (xy-1)^2: it drifts to the flattest minimiser and then "
                "oscillates non-periodically across xy = 1 with tail-mean f = 1.36-1.60 x the "
                "normal-direction band value (no 2-cycle exists because the oscillation centre "
                "shift ~1.5 (rho/sqrt2)^2 exceeds the band amplitude ~2 lr rho/sqrt2).",
    ),
    SASAM.claim(
        "sasam.flatness", theorem=TOY, statement=POSTER_FLAT, scenario=flatness,
        theory="SA-SAM's rho_t = sqrt(eta_t) ~ 0.3-0.4 near (1,1) is 6-8x SAM's 0.05, so its drift "
               "to the flattest minimiser (Tr H = 4 on xy = 1) is much faster; at a fixed budget "
               "it ends less curved than SAM (slow drift at small lr) and SGD (no drift)",
        expect=Order(why="One-sided comparison (SA-SAM's grid-mean curvature <= the other's, per "
                         "start, mean over starts); no slack needed: measured ratios 0.35-0.8 "
                         "(study in notes: T=5e3 and 2e4, grids of 3, 5 and 9 values, 8 starts). "
                         "1e-12 only absorbs rounding."),
        sizes={"small": {"T": 5000, "starts": 8, "grid": [1e-3, 1e-2, 1e-1]},
               "full": {"T": 20000, "starts": 32, "grid": [1e-3, 3e-3, 1e-2, 3e-2, 1e-1]}},
        plot=Plot("TrH vs SAM, TrH vs SGD, lmax vs SAM, lmax vs SGD", "SA-SAM curvature / other's"),
        finding="Reproduced on the toy in the poster's metrics (final-iterate Tr H and lambda_max, "
                "grid mean): SA-SAM ~3.7 vs SAM ~5-10 vs SGD ~6-17. But: (i) SAM at its best lr "
                "(>= 1e-2) reaches the same flattest minimiser (Tr H ~ 4), so the advantage is "
                "speed of the flatness drift at a fixed budget and robustness over the grid, not a "
                "flatter endpoint; (ii) SA-SAM's final loss is much higher (f ~ 0.05, its large "
                "2-cycle across xy = 1) than SAM's (<= 3e-4) and SGD's (~1e-30).",
    ),
    SASAM.claim(
        "sasam.lr_sensitivity", theorem=TOY, statement=POSTER_LR, scenario=lr_sensitivity,
        theory="theta_0 = +inf makes eta_1 the local smoothness ratio whatever eta_0 is: eta_0 "
               "only enters through the first step, so SA-SAM's endpoint is (nearly) independent "
               "of eta_0; SGD/SAM with a fixed budget are unconverged at small lr",
        expect=Order(why="One-sided comparison of spreads (SA-SAM's <= the other's); measured "
                         "ratios 0.01-0.1 on the 4-decade grid (study in notes), no slack needed. "
                         "The result depends on the grid: on a 2-decade grid [1e-3, 1e-1] SGD's "
                         "final loss is at the 1e-12 floor for every lr (spread 0) and SA-SAM is "
                         "not less sensitive than SGD there (see finding)."),
        sizes={"small": {"T": 5000, "starts": 8, "grid": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]},
               "full": {"T": 20000, "starts": 32, "grid": list(np.geomspace(1e-5, 1e-1, 9))}},
        plot=Plot("1: vs SAM, 2: vs SGD", "spread of log10 final loss, SA-SAM over other's (<= 1)"),
        finding="Reproduced on a 4-decade grid (1e-5..1e-1): SA-SAM's final loss is identical for "
                "eta0 <= 1e-3 (spread ~0.03-0.2 decades vs 2-3 for SAM and 3-5 for SGD). Caveats: "
                "the insensitivity is at a bad level (f ~ 0.05: SA-SAM's band; SAM <= 3e-4, SGD "
                "~1e-30 for lr >= 1e-3), and on the stable 2-decade grid [1e-3, 1e-1] SGD "
                "converges to the floor at every lr, so then SGD, not SA-SAM, is least sensitive.",
    ),
]
