r"""Harada & Iiduka (2024), *Convergence of Sharpness-Aware Minimization Algorithms using
Increasing Batch Size and Decaying Learning Rate* (arXiv:2409.09984; seed 002; THEORY.md §2.4,
§3.4, §5 E10, §7.3; paper_notes.md).

Mini-batch GSAM, plain SGD base, the same mini-batch for both gradients (authors' code),
η = 0.1 and ρ = 0.05 (authors' defaults), **α = 0.4** (GSAM-PyTorch default; the authors'
0.02 moves every level below by < 0.5%, too little to see α at all).

Convergence claims: the **anisotropic** quadratic :math:`f = \frac12\sum_k\lambda_kx_k^2`,
20 sharp (λ = 5) and 20 flat (λ = 0.5) coordinates, additive Gaussian noise σ = 0.35 per
coordinate **per sample** (σ/√b for a batch of b), :math:`x_0 = x^\star`. With anisotropic
curvature :math:`g_p = Pg` is not parallel to :math:`g`, so α acts: GSAM is SGD with the
per-coordinate step :math:`\eta D_k` (:func:`convlab.theory.gsam_preconditioner`) and every
level below is a derived law, :mod:`convlab.theory.harada_iiduka`. Flatness on
:math:`(xy-1)^2`, σ = 2.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .. import optimizers, oracles, problems, rates, run, schedules, sharpness, theory
from ..plotting import Plot
from .base import Measurement, Order, Paper, Ratio
from .spec import tidy

HI = Paper("harada_iiduka_2024", "Harada & Iiduka 2024, arXiv:2409.09984",
           algorithm=optimizers.gsam)
ABSTRACT_CONV = ("we consider the GSAM algorithm with increasing batch sizes or decaying "
                 "learning rates, such as cosine annealing or linear learning rate, and "
                 "theoretically show its convergence")
ABSTRACT_FLAT = ("we numerically compare SAM (GSAM) with and without an increasing batch size "
                 "and conclude that using an increasing batch size or decaying learning rate "
                 "finds flatter local minima than using a constant batch size and learning rate.")
THEOREM = ("Theorem B.1 (epsilon-approximation of GSAM with increasing batch size and decaying "
           "learning rate) [Q structure, formulas not retrievable: THEORY.md §3.4]")

ETA, RHO, ALPHA = 0.1, 0.05, 0.4
LAM = np.repeat([5.0, 0.5], 20)         # sharp and flat halves of the quadratic
GROUPS = ("sharp", "flat")
Q_SIGMA = 0.35                          # per coordinate, per sample
B_CONST, BATCHES = 128, (32, 64, 128, 256)
B0, B_FACTOR, STAGES = 16, 2, 5
TAIL = 0.2                              # plateau = mean over the last 20% (THEORY.md §6)
DIM, SIGMA = 20, 2.0                    # flatness noise; also read by experiments/harada_curves.py
ETA_MIN = 0.01 * ETA                    # authors' cosine eta_min = 0.01 eta_max (flatness)
FLAT_X0 = (3.0, 0.1)                    # THEORY.md E15 start: lands near (3, 1/3), Tr H ~ 18
LAW = {"lam": LAM, "sigma": Q_SIGMA, "rho": RHO, "alpha": ALPHA}
_quadratic = lambda: problems.quadratic(LAM)


HALF_METRICS = {h: (lambda p, state, k=k: np.einsum("rd,rd->r", *(2 * [p.grad(state.x)[:, k]])))
                for h, k in zip(GROUPS, (slice(0, 20), slice(20, 40)), strict=True)}


def _gsam_run(algorithm: Any, lr: Any, b: Any, R: int, T: int, gen: Any, record_at: Any,
              metrics: Any = None) -> Any:
    """The GSAM under test (lr, rho, alpha by keyword) on the quadratic from x*."""
    p = _quadratic()
    return run(p, algorithm(lr=lr, rho=RHO, alpha=ALPHA), np.zeros((R, LAM.size)), T,
               oracle=oracles.gaussian(p, Q_SIGMA, b), rng=gen, record_at=record_at,
               metrics=HALF_METRICS if metrics is None else metrics)


def _law_groups(per_coordinate: np.ndarray) -> np.ndarray:
    """(..., 40) per-coordinate law -> (2, ...) sums over the sharp and flat halves."""
    return np.stack([per_coordinate[..., :20].sum(axis=-1), per_coordinate[..., 20:].sum(axis=-1)])


def constant_batch_floor(sp: dict, rng: Any, algorithm: Any) -> Measurement:
    """Plateau of E||grad f||^2 over the sharp and the flat half, per constant b (same seed
    for every b), over the GSAM law hi_gsam_floor: values (b x half, runs)."""
    T, R, bs = int(sp["T"]), int(sp["runs"]), np.asarray(sp["b"], dtype=np.int64)
    rec = np.arange(0, T + 1, 5)
    seed = np.random.default_rng(rng).integers(2**63)
    plateau, halves = [], []
    for b in bs:
        tr = _gsam_run(algorithm, ETA, int(b), R, T, np.random.default_rng(seed), rec)
        g = np.stack([tr.metrics[h] for h in GROUPS])              # (half, records, R)
        tail = rec > (1.0 - TAIL) * T
        plateau.append(g[:, tail].mean(axis=1))
        mid = rec > (1.0 - TAIL / 2) * T
        halves.append([g[:, tail & ~mid].mean(), g[:, mid].mean()])
    plateau = np.stack(plateau)                                     # (b, half, R)
    law = _law_groups(theory.hi_gsam_floor(ETA, b=bs, **LAW)).T      # (b, half)
    sgd = _law_groups(theory.hi_gsam_floor(ETA, b=bs, **{**LAW, "rho": 0.0})).T
    sam = _law_groups(theory.hi_gsam_floor(ETA, b=bs, **{**LAW, "alpha": 0.0})).T
    nb = bs.size
    return Measurement(
        s=np.arange(2 * nb, dtype=float), values=(plateau / law[..., None]).reshape(2 * nb, R),
        frame=tidy(b=np.repeat(bs, 2 * R), half=np.tile(np.repeat(GROUPS, R), nb),
                   run=np.tile(np.arange(R), 2 * nb), plateau=plateau.reshape(-1),
                   law=np.repeat(law.reshape(-1), R), sam_law=np.repeat(sam.reshape(-1), R),
                   sgd_law=np.repeat(sgd.reshape(-1), R)),
        notes=f"points (b, half) = {[(int(b), h) for b in bs for h in GROUPS]}; GSAM law "
              f"{np.round(law, 5).tolist()}; SAM (alpha=0) / GSAM "
              f"{np.round(sam / law, 3).tolist()}; "
              f"SGD / GSAM {np.round(sgd / law, 3).tolist()}; tail halves (all runs) "
              f"{np.round(halves, 5).tolist()} (stationarity).")


def increasing_batch(sp: dict, rng: Any, algorithm: Any) -> Measurement:
    """b_t = 16 * 2^floor(t / K), constant lr: E||grad f(x_t)||^2 at the end of each stage (per
    run, mean over the stage's last quarter) over the lagged GSAM law's mean there."""
    K, R = int(sp["stage"]), int(sp["runs"])
    T, sched = STAGES * K, schedules.geometric_batch(B0, B_FACTOR, K)
    g = _gsam_run(algorithm, ETA, sched, R, T, np.random.default_rng(rng), np.arange(T + 1),
                  ("grad_sq",)).metrics["grad_sq"]
    bs = np.array([sched(t) for t in range(T)])
    law = theory.hi_gsam_lagged(np.full(T, ETA), bs=bs, **LAW).sum(axis=-1)   # x_1 .. x_T
    win = [slice(k * K + 3 * K // 4, (k + 1) * K) for k in range(STAGES)]    # steps of x_{t+1}
    level = np.stack([g[1:][w].mean(axis=0) for w in win])
    lawk = np.array([law[w].mean() for w in win])
    sgd = theory.hi_gsam_lagged(np.full(T, ETA), bs=bs, **{**LAW, "rho": 0.0}).sum(axis=-1)
    sgd_ratio = [sgd[w].mean() / lawk[k] for k, w in enumerate(win)]
    return Measurement(
        s=(np.arange(STAGES) + 1.0) * K, values=level / lawk[:, None],
        frame=tidy(T=np.repeat((np.arange(STAGES) + 1) * K, R), b=np.repeat(bs[::K], R),
                   run=np.tile(np.arange(R), STAGES), level=level, law=np.repeat(lawk, R)),
        notes=f"law at the stage ends (b = {bs[::K].tolist()}): {np.round(lawk, 5).tolist()} "
              f"(-> 0 with b, like b^-1/2 once SAM's step correction dominates); SGD law "
              f"/ GSAM law {np.round(sgd_ratio, 3).tolist()}.")


def _decay_lr(kind: str, T_run: np.ndarray) -> schedules.Schedule:
    """Cosine or linear decay from ETA to 0 over each run's own horizon (runs frozen after)."""
    T_run = np.asarray(T_run, dtype=float)

    def fn(t: int) -> np.ndarray:
        u = np.minimum(t, T_run) / T_run
        return ETA * (0.5 * (1.0 + np.cos(np.pi * u)) if kind == "cosine" else 1.0 - u)

    return schedules.Schedule(fn, f"{kind}({ETA}->0) per-run horizon", (0.0, ETA))


def lr_decay(kind: str, sp: dict, rng: Any, algorithm: Any) -> Measurement:
    """E||grad f(x_T)||^2 with ``kind`` decay to 0 over horizons T, b fixed, one run holding
    every horizon (its own schedule per run), over the lagged GSAM law at each T."""
    Ts, R, b = np.asarray(sp["T"], dtype=np.int64), int(sp["runs"]), int(sp["b"])
    T_run = np.repeat(Ts, R)
    tr = _gsam_run(algorithm, _decay_lr(kind, T_run), b, T_run.size, int(Ts[-1]),
                   np.random.default_rng(rng), [int(Ts[-1])], ("grad_sq",))
    final = tr.final("grad_sq").reshape(Ts.size, R)
    lrs = np.array([_decay_lr(kind, Ts)(t) for t in range(int(Ts[-1]))])   # (T, horizons)
    laws = {name: theory.hi_gsam_lagged(lrs, bs=b, **{**LAW, **kw})[-1].sum(axis=-1)
            for name, kw in (("gsam", {}), ("sam", {"alpha": 0.0}), ("sgd", {"rho": 0.0}))}
    law = laws["gsam"]
    slope = rates.fit_power_law(Ts, final).exponent
    return Measurement(
        s=Ts.astype(float), values=final / law[:, None],
        frame=tidy(T=np.repeat(Ts, R), run=np.tile(np.arange(R), Ts.size), final_grad_sq=final,
                   law=np.repeat(law, R)),
        notes=f"law E||grad f(x_T)||^2 {np.round(law, 6).tolist()} (slope in T "
              f"{rates.fit_power_law(Ts, law[:, None]).exponent:.3f}, measured {slope:.3f}); "
              f"SAM / GSAM law {np.round(laws['sam'] / law, 3).tolist()}, SGD / GSAM law "
              f"{np.round(laws['sgd'] / law, 3).tolist()}.")


def variants(T: int) -> dict[str, tuple[Any, Any]]:
    """(lr, b) of the four flatness variants: constant, increasing batch, cosine and linear lr
    (eta_min = 0.01 eta, the authors' cosine setting)."""
    return {"constant": (schedules.constant(ETA), B_CONST),
            "increasing_batch": (schedules.constant(ETA),
                                 schedules.geometric_batch(B0, B_FACTOR, T // STAGES)),
            "cosine": (schedules.cosine(ETA, ETA_MIN, T), B_CONST),
            "linear": (schedules.linear(ETA, ETA_MIN, T), B_CONST)}


def flatness(sp: dict, rng: Any, algorithm: Any) -> Measurement:
    """The four variants on (xy - 1)^2, each its own run with the same seed (common random
    numbers): Tr H, then lambda_max, at x_T of each schedule (values) against the constant
    variant's, run by run (bound: paired ratio CIs)."""
    p, T, R = problems.xy_minus_one(), int(sp["T"]), int(sp["runs"])
    x0 = np.tile(np.asarray(FLAT_X0, dtype=float), (R, 1))
    seed, res = np.random.default_rng(rng).integers(2**63), {}
    for name, (eta, b) in variants(T).items():
        tr = run(p, algorithm(lr=eta, rho=RHO, alpha=ALPHA), x0, T,
                 oracle=oracles.gaussian(p, SIGMA, b), rng=np.random.default_rng(seed),
                 record_at=[T], metrics=("f", "grad_sq"))
        res[name] = {"trace_H": sharpness.hessian_trace(p, tr.x, "exact"),
                     "lambda_max": sharpness.lambda_max(p, tr.x, "exact"),
                     "adv_linf_2nd_order": sharpness.adversarial_sharpness(p, tr.x, RHO, "linf"),
                     "f": tr.final("f"), "grad_sq": tr.final("grad_sq"), "x": tr.x[:, 0],
                     "y": tr.x[:, 1]}
    keys, sched = ("trace_H", "lambda_max"), ("increasing_batch", "cosine", "linear")
    ratios = [rates.paired_ratio_ci(res[v]["trace_H"], res["constant"]["trace_H"]) for v in sched]
    return Measurement(
        s=np.arange(2 * len(sched), dtype=float),
        values=np.vstack([res[v][k] for k in keys for v in sched]),
        bound=np.vstack([res["constant"][k] for k in keys for _ in sched]),
        frame=pd.concat([tidy(variant=k, T=T, run=np.arange(R), **d) for k, d in res.items()],
                        ignore_index=True),
        notes="Tr H / constant (paired 95% CI): " + "; ".join(
            f"{v} {float(r):.4f} [{float(lo):.4f}, {float(hi):.4f}]"
            for v, (r, lo, hi) in zip(sched, ratios, strict=True))
            + f"; mean Tr H constant {res['constant']['trace_H'].mean():.4f}.")


RUNS = {"small": {"T": 2000, "runs": 100}, "full": {"T": 5000, "runs": 400}}
DECAY_SIZES = {"small": {"T": [500, 1000, 2000], "runs": 300, "b": B_CONST},
               "full": {"T": [500, 1000, 2000, 4000], "runs": 1000, "b": B_CONST}}
DECAY_THEORY = ("{} decay of eta from 0.1 to 0 over T, b = 128: E||grad f(x_T)||^2 from the lagged "
                "GSAM law theory.hi_gsam_lagged (noise tracks eta_t D_k with relaxation time "
                "1/(2 eta_t D_k lambda_k), so the end of the decay lags): -> 0 like T^{} "
                "(derived: the last tau steps with eta_tau lambda tau ~ 1 set the level); SAM's "
                "step correction D_k raises it above SGD's by 25-40% [D]")
DECAY_WHY = ("Study (seeds 100-104, small, 300 runs per T): measured/law {}; the per-run final "
             "||grad f||^2 is chi^2-like (relative sd ~ 0.33), so the CI half-width is ~3% at "
             "300 runs; the model error is <= 2% (prototype, 300 runs x 3 seeds). tol = 0.1 = "
             "2% + 2.5x that half-width. SGD (rho = 0) sits {} below the law; alpha enters "
             "the total by < 1% here (not declared).")
CLAIMS = [
    HI.claim(
        "gsam.constant_batch_floor",
        theorem=THEOREM + "; constant b and lr leave a noise term ~ eta sigma^2 / b [D]",
        statement=ABSTRACT_CONV + " (the bound with constant b and lr keeps a noise term "
                                  "proportional to eta sigma^2/b, THEORY.md §3.4).",
        experiment="E10 (i)",
        theory="plateau of E||grad f||^2 over the sharp and the flat half at b in {32, 64, 128, "
               "256} = the GSAM law theory.hi_gsam_floor: per coordinate lambda_k eta D_k "
               "sigma^2 / (b (2 - eta D_k lambda_k)); D_k > 1 grows like sqrt(b) (SAM) and "
               "alpha tilts it to the sharp half (flat-half floor 10-17% below SAM's, "
               "sharp-half 3-4% above) [D]",
        expect=Ratio(1.0, tol=0.03, max_width=0.05, seeds=(100, 101, 102, 103, 104, 105), why=(
            "Study (seeds 100-104, small, 100 runs): worst point 0.983-1.013, 95% CI half-width "
            "0.6% (sharp half) and 1.5% (flat half); at 400 runs (seeds 104, 105) every point "
            "is within 0.7% of the law (sharp 0.993-0.996, flat 1.000-1.003): the model error "
            "of the mean field. tol = 0.03 = 0.7% + the 1.5% half-width + margin. The SAM "
            "(alpha = 0) law is 11-21% above on the flat half and 3-4% below on the sharp "
            "half; SGD's is 50-78% below on the sharp half.")),
        rejects=("gsam.alpha0", "gsam.alpha_sign", "gsam.rho0"),
        scenario=constant_batch_floor,
        sizes={s: {**v, "b": list(BATCHES)} for s, v in RUNS.items()},
        plot=Plot("point: (b, half) = (32, sharp), (32, flat), ..., (256, flat)",
                  "plateau / GSAM law"),
    ),
    HI.claim(
        "gsam.increasing_batch",
        theorem=THEOREM + "; increasing b_t makes the noise term sum eta^2/b_t finite [D]",
        statement=ABSTRACT_CONV + ".", experiment="E10 (ii)",
        theory="b_t = 16, 32, ..., 256 in five stages: E||grad f(x_t)||^2 at the end of each stage "
               "follows the lagged GSAM law (theory.hi_gsam_lagged) down by a factor ~6 (not 16: "
               "SAM's step correction grows like sqrt(b_t)); with constant rho the residual "
               "below it is the rho^2 band, so the theorem needs rho(epsilon) [D]",
        expect=Ratio(1.0, tol=0.03, max_width=0.05, seeds=(100, 101, 102, 103, 104), why=(
            "Study (seeds 100-104, small, stages of 400 steps, 100 runs): worst stage "
            "0.989-0.992, CI half-width <= 0.6%; the law runs ~1% high (the mean field's "
            "1/||g||). tol = 0.03 = that bias + the half-width + margin; SGD's law is 38-76% "
            "below, SAM's (alpha = 0) ~3.5% below (not declared: inside tol + CI).")),
        rejects=("gsam.rho0",),
        scenario=increasing_batch,
        sizes={"small": {"stage": 400, "runs": 100}, "full": {"stage": 1000, "runs": 400}},
        plot=Plot("T (end of stage)", "E||grad f(x_T)||^2 / lagged GSAM law"),
    ),
    HI.claim(
        "gsam.cosine_lr", theorem=THEOREM + " (cosine annealing)",
        statement=ABSTRACT_CONV + ".", experiment="E10 (iii)",
        theory=DECAY_THEORY.format("Cosine", "-2/3"),
        expect=Ratio(1.0, tol=0.1, max_width=0.15, seeds=(100, 101, 102, 103, 104),
                     why=DECAY_WHY.format("0.986-1.021 (worst of 3 horizons)", "19%")),
        rejects=("gsam.rho0",),
        scenario=partial(lr_decay, "cosine"), sizes=DECAY_SIZES,
        plot=Plot("T", "E||grad f(x_T)||^2 (cosine to 0) / lagged GSAM law"),
    ),
    HI.claim(
        "gsam.linear_lr", theorem=THEOREM + " (linear decay)",
        statement=ABSTRACT_CONV + ".", experiment="E10 (iii)",
        theory=DECAY_THEORY.format("Linear", "-1/2"),
        expect=Ratio(1.0, tol=0.1, max_width=0.15, seeds=(100, 101, 102, 103, 104),
                     why=DECAY_WHY.format("0.983-1.014 (worst of 3 horizons)", "29%")),
        rejects=("gsam.rho0",),
        scenario=partial(lr_decay, "linear"), sizes=DECAY_SIZES,
        plot=Plot("T", "E||grad f(x_T)||^2 (linear to 0) / lagged GSAM law"),
    ),
    HI.claim(
        "gsam.flatness",
        theorem="Numerical claim of the abstract (not a theorem); their 'sharpness' is "
                "adversarial worst-case m-sharpness (THEORY.md §7.3), ours is Hessian-based "
                "(Tr H, lambda_max at x_T)",
        statement=ABSTRACT_FLAT, experiment="E10 / E15",
        theory="On (xy-1)^2 (minimisers xy = 1, Tr H = 2(x^2+y^2) >= 4, lambda_max = Tr H on the "
               "manifold) SAM's drift and the noise's implicit bias carry every variant from the "
               "sharp start to the flattest minimiser (1, 1) within T = 5000; what is left is a "
               "noise-driven spread around it, which grows with the final eta/b: E Tr H(x_T) is "
               "smaller for increasing b and decaying lr than for constant b and lr [D]",
        expect=Order(tol=1e-3, seeds=(100, 101, 102, 103, 104), why=(
            "An ordering on common random numbers: the paired CI (rates.paired_ratio_ci) of "
            "mean Tr H (and lambda_max) of each schedule over the constant one must end below "
            "1 + tol; tol only absorbs rounding. Study (seeds 100-104, 2000 runs): worst pair "
            "0.984-0.991, upper CI ends 0.991-0.997 (cosine / linear, margin ~1.5%); "
            "increasing batch 0.969 +- 0.002. At 1000 runs the cosine/linear CI reached 1.004 "
            "at 2 of 6 seeds, hence 2000. SGD (rho = 0): cosine 1.5, linear 1.65.")),
        rejects=("gsam.rho0",),
        scenario=flatness,
        sizes={"small": {"T": 5000, "runs": 2000}, "full": {"T": 5000, "runs": 8000}},
        plot=Plot("0-2: Tr H (incr. batch, cosine, linear); 3-5: lambda_max",
                  "flatness at x_T / constant b and lr (paired)"),
        finding="Reproduced in direction, but all four variants end near the same (flattest) "
                "minimiser (1, 1); the schedules are flatter only because their final noise "
                "spread around it is smaller: increasing batch by ~3% of Tr H, cosine/linear "
                "by only ~1.2-1.5%. With a horizon too short to reach (1, 1) (T = 1000) "
                "decaying lr "
                "ends markedly sharper than constant lr (Tr H +33-40%): the paper's claim "
                "reverses for decaying lr (the former claim flatness_short_horizon, removed: it "
                "passed for SGD too).",
    ),
]


# --- Theorem 2.1 (round 3): the mini-batch SAM gradient is a biased estimate ------------------

BIAS_DIM, BIAS_TAU, BIAS_SCALE, BIAS_NOISE = 5, 0.2, 3.0, 0.3


def _bias_problem(gen: np.random.Generator, n: int) -> tuple[Any, np.ndarray, np.ndarray]:
    """Least squares with rows a_i = m + tau z_i (m a random unit vector, z_i standard normal,
    y_i = 0.3 N(0, 1)), evaluated at x = 3 m: the component gradients agree to a relative
    spread tr(C0)/||grad f||^2 ~ 0.3, so the expansion in the batch noise converges at b >= 4."""
    m = gen.standard_normal(BIAS_DIM)
    m /= np.linalg.norm(m)
    A = m + BIAS_TAU * gen.standard_normal((n, BIAS_DIM))
    y = BIAS_NOISE * gen.standard_normal(n)
    return problems.least_squares(A, y), A, BIAS_SCALE * m


def sam_bias_law(A: np.ndarray, p: Any, x: np.ndarray, rho: float) -> dict[str, Any]:
    r"""Second-order bias of same-batch mini-batch SAM on least squares, per unit of the
    sampling factor :math:`s = (n-b)/(b(n-1))` (without replacement) [D].

    With :math:`f_i = \frac12(a_i^\top x - y_i)^2` the SAM gradient of a batch is exactly
    :math:`g_B + \rho H_B\,h(g_B)`, :math:`h(g) = g/\|g\|`. Writing :math:`g_B = g + \xi`,
    :math:`H_B = H + \Delta` (both mean zero, covariances :math:`s` times the population
    ones) and expanding :math:`h` to second order,

    .. math::
        \mathbb E[\text{SAM}_B] - \text{SAM} = \rho\,s\Big[H\,q + \tfrac1n\sum_i(H_i - H)
        J(g_i - g)\Big] + O(s^2),\quad J = \frac{I - hh^\top}{\|g\|},\quad
        q = \frac{-2C_0h - \operatorname{tr}(C_0)h + 3(h^\top C_0h)h}{2\|g\|^2},

    :math:`C_0` the population covariance of the :math:`g_i`. The first term is the
    normalization's curvature, the second the correlation of the batch Hessian with the
    batch ascent direction (absent with an independent ascent batch). The plain gradient
    has no bias at all (:math:`\mathbb E\xi = 0`). Returns ``{"norm", "cross", "rel", ...}``.
    """
    n, d = A.shape
    gi = p.grad_i(np.repeat(x[None], n, axis=0), np.arange(n)[:, None])
    g = gi.mean(axis=0)
    r = float(np.linalg.norm(g))
    h = g / r
    H = A.T @ A / n
    dev = gi - g
    C0 = dev.T @ dev / n
    J = (np.eye(d) - np.outer(h, h)) / r
    q = (-2.0 * C0 @ h - np.trace(C0) * h + 3.0 * (h @ C0 @ h) * h) / (2.0 * r * r)
    cross = np.einsum("ni,nj,jk,nk->i", A, A, J, dev) / n
    return {"norm": rho * H @ q, "cross": rho * cross, "rel": float(np.trace(C0) / r**2),
            "g": g, "h": h, "H": H, "J": J}


def minibatch_bias(sp: dict, rng: Any, algorithm: Any) -> Measurement:
    """The SAM direction of ``algorithm`` (one step at lr = 1 from x, so the step is the
    direction) on ``draws`` mini-batches of each size b (without replacement) minus the full
    SAM gradient, projected on the derived bias direction, over the derived bias norm:
    values (b, blocks): means of equal blocks of draws, mean 1 for a correct same-batch
    SAM. A control variate with mean exactly 0 (the linear response to the batch's gradient
    and Hessian noise) is subtracted draw by draw; it leaves the mean unchanged and removes
    the first-order noise."""
    gen = np.random.default_rng(rng)
    n, R, rho = int(sp["n"]), int(sp["draws"]), float(sp["rho"])
    bs = np.asarray(sp["b"], dtype=np.int64)
    p, A, x = _bias_problem(gen, n)
    law = sam_bias_law(A, p, x, rho)
    g, h = law["g"], law["h"]
    full = p.grad((x + rho * h)[None])[0]                    # the full-batch SAM gradient
    M = np.eye(x.size) + rho * law["H"] @ law["J"]            # d SAM(g, H) / d g at the mean
    X = np.tile(x, (R, 1))
    vals, rows = [], []
    for b in bs:
        s = (n - b) / (b * (n - 1))
        beta = s * (law["norm"] + law["cross"])
        orc = oracles.minibatch(p, int(b))
        gf = orc.bind(orc.sample(gen, R))
        opt = algorithm(lr=1.0, rho=rho)
        D = (X - opt.step(opt.init(X), gf, 0).x) - full       # SAM_B - SAM, per draw
        xi = gf(X) - g                                         # plain mini-batch gradient noise
        dH = gf(X + h) - gf(X) - law["H"] @ h                  # (H_B - H) h (exact: quadratic)
        cv = xi @ M.T + rho * dH
        nb = float(np.linalg.norm(beta))
        vals.append((D - cv) @ beta / nb**2)
        se = lambda a: float(np.linalg.norm(a.std(axis=0)) / np.sqrt(R))
        rows.append((int(b), float(s), nb, float(np.linalg.norm(D.mean(axis=0))), se(D),
                     float(np.linalg.norm((D - cv).mean(axis=0))), se(D - cv),
                     float(np.linalg.norm(xi.mean(axis=0))), se(xi),
                     float(s * law["norm"] @ beta / nb**2) if nb else np.nan))
    vals = np.asarray(vals)
    frame = tidy(b=np.repeat(bs, R), draw=np.tile(np.arange(R), bs.size), projected=vals)
    K = int(sp["blocks"])                 # i.i.d. block means: the same mean, a cheaper bootstrap
    blocks = vals[:, : R // K * K].reshape(bs.size, K, -1).mean(axis=2)
    notes = ("per b: (b, s, |derived bias|, |mean D| raw, its MC s.e., |mean D| with control "
             "variate, s.e., |mean plain-gradient deviation|, s.e., independent-ascent share of "
             f"the derived bias): {[tuple(round(v, 6) for v in r) for r in rows]}; relative "
             f"gradient spread tr(C0)/||g||^2 = {law['rel']:.3f}; mean projected / derived "
             f"{np.round(vals.mean(axis=1), 4).tolist()}.")
    return Measurement(s=bs.astype(float), values=blocks, frame=frame, notes=notes)


CLAIMS.append(HI.claim(
    "sam.minibatch_bias", algorithm=optimizers.sam,
    theorem="Theorem 2.1 as THEORY.md §3.4 reads it (the gap between the mini-batch and the full "
            "SAM gradient; formulas not retrievable) [Q structure]; the second-order law [D]",
    statement="The mini-batch SAM (GSAM) gradient grad f_B(x + rho grad f_B(x)/||grad f_B(x)||) "
              "is not an unbiased estimate of the full SAM gradient grad f(x + rho grad f(x)/"
              "||grad f(x)||), although the plain stochastic gradient grad f_B(x) is (their "
              "(A2)(i)); Theorem 2.1 bounds the gap (THEORY.md §3.4).",
    theory="least squares (n = 256, d = 5, rows m + 0.2 z_i, at x = 3m): E[SAM_B] - SAM = rho s "
           "[H q + (1/n) sum (H_i - H) J (g_i - g)] + O(s^2), s = (n - b)/(b(n - 1)) the "
           "without-replacement variance factor (sam_bias_law): positive, ~ 1/b for b << n "
           "(slope -1 in b), exactly 0 at b = n, linear in rho; the plain gradient's bias is 0",
    expect=Ratio(1.0, tol=0.05, max_width=0.1, seeds=(100, 101, 102, 103, 104), why=(
        "The next order of the expansion is relative O(s tr(C0)/||g||^2): at b = 1 (s = 1, "
        "prototype, 20000 draws) measured/derived = 0.957, at b = 4 0.987, 16 0.996, 64 1.002. "
        "Study (seeds 100-104: a new data set each, small, 20000 draws per b): b = 4 0.983-"
        "0.992, b = 16 0.988-1.004, b = 64 0.992-0.9999, CI half-width 0.9-1.0%; full (80000 "
        "draws, seeds 100-102): b = 2 0.961-0.974 (too close to the edge: not in the sizes), "
        "4 0.985-0.988, 16 0.993-0.999, 64 1.000-1.003, 128 0.999-1.002 (half-width 0.5%). "
        "tol 0.05 = the largest model error at the small sizes (1.7%) + 2x the "
        "half-width + margin; the independent-ascent bias (sam.ascent_swapped) is -1.01..-1.03 "
        "of the same-batch one on every data set (the batch-Hessian correlation term is -2x "
        "the normalization term), rho = 0 and the flipped ascent miss by a first-order term "
        "(|ratio| > 1000), USAM by > 100x.")),
    rejects=("sam.ascent_swapped", "sam.rho0", "sam.unnormalized", "sam.ascent_sign"),
    scenario=minibatch_bias,
    sizes={"small": {"n": 256, "b": [4, 16, 64], "draws": 20000, "blocks": 500, "rho": RHO},
           "full": {"n": 256, "b": [4, 8, 16, 32, 64, 128], "draws": 50000, "blocks": 1000,
                    "rho": RHO}},
    plot=Plot("batch size b", "bias of mini-batch SAM along the derived direction / derived"),
))
