r"""Harada & Iiduka (2024), *Convergence of Sharpness-Aware Minimization Algorithms using
Increasing Batch Size and Decaying Learning Rate* (arXiv:2409.09984; seed 002; THEORY.md §2.4,
§3.4, §5 E10, §7.3; paper_notes.md).

Mini-batch GSAM with plain SGD as base optimizer (:func:`convlab.optimizers.gsam`, the same
mini-batch for both gradients, as in the authors' code), α = 0.02, constant ρ = 0.05,
η = 0.1 (THEORY.md §2.4, authors' defaults). Analytic stand-in for their networks (E10):
:math:`f = \sum_{i=1}^{20}\ln(1+x_i^2)` (β = 2), additive Gaussian noise σ = 2 per coordinate
**per sample** (a batch of b has σ/√b), :math:`x_0 = \mathbf 1`, T = 5000.

Derived laws used as predictions (ours, THEORY.md §3.4 and this module):

* Local-quadratic noise floor :func:`convlab.theory.hi_noise_floor`
  :math:`\mathbb E\|\nabla f\|^2 \approx \frac{\beta d\eta\sigma^2}{b(2-\eta\beta)}` [D✓].
* **Effective step of SAM** [D, checked here]: near :math:`x^\star` the Hessian is
  :math:`\beta I`, so with additive noise :math:`g = \beta x + \zeta` and
  :math:`g_p = \beta(x + \rho g/\|g\|) + \zeta = (1 + \beta\rho/\|g\|)\,g`: SAM (and GSAM,
  since :math:`g_p \parallel g` gives :math:`g_\perp = 0`) is SGD with step
  :math:`\eta(1 + \beta\rho/\|g\|)`, and :math:`\|g\|^2 \approx d\sigma^2/b +
  \mathbb E\|\nabla f\|^2` concentrates (d = 20). The floor is ``hi_noise_floor`` at that
  step (:func:`effective_floor`): +13% at b = 128, which is the gap THEORY.md observed.
* **Quasi-static with lag** [D]: per coordinate
  :math:`v_{t+1} = (1-\eta'_t\beta)^2 v_t + \eta_t'^2\sigma^2/b_t`,
  :math:`\mathbb E\|\nabla f(x_t)\|^2 = d\beta^2 v_t` (:func:`local_quadratic_noise`): the
  noise level follows :math:`\eta_t/b_t` with a relaxation time :math:`1/(2\eta_t\beta)`,
  which is what "the final noise level tracks η_T" means quantitatively.

Claims
------
* ``harada_iiduka_2024.gsam.constant_batch_floor`` (E10 i): plateau at b = 128 vs
  ``hi_noise_floor`` (±25%).
* ``harada_iiduka_2024.gsam.floor_vs_batch`` (E10 i): plateau ∝ 1/b, b ∈ {32, 64, 128, 256}.
* ``harada_iiduka_2024.gsam.floor_effective_lr``: the plateaus equal the effective-step law
  (explains the +13%).
* ``harada_iiduka_2024.gsam.increasing_batch`` (E10 ii): stage plateaus halve when b doubles.
* ``harada_iiduka_2024.gsam.cosine_lr`` / ``.linear_lr`` (E10 iii): the final
  :math:`\mathbb E\|\nabla f(x_T)\|^2` is ≪ the constant-lr plateau, by the factor of the
  lagged quasi-static law.
* ``harada_iiduka_2024.gsam.flatness``: the paper's "flatter minima" claim, with Hessian
  flatness (Tr H, λ_max at the final iterate) on :math:`(xy-1)^2`.
* ``harada_iiduka_2024.gsam.flatness_short_horizon``: the same comparison when the horizon
  is too short for the drift to the flattest minimiser: decaying lr ends *sharper*.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import optimizers, oracles, problems, rates, run, schedules, sharpness, theory
from .base import Claim, Measurement, size_params

PAPER = "Harada & Iiduka 2024, arXiv:2409.09984"

ABSTRACT_CONV = ("we consider the GSAM algorithm with increasing batch sizes or decaying "
                 "learning rates, such as cosine annealing or linear learning rate, and "
                 "theoretically show its convergence")
ABSTRACT_FLAT = ("we numerically compare SAM (GSAM) with and without an increasing batch size "
                 "and conclude that using an increasing batch size or decaying learning rate "
                 "finds flatter local minima than using a constant batch size and learning "
                 "rate.")

DIM = 20
BETA = 2.0                      # smoothness of sum ln(1 + x_i^2); curvature 2 at x* = 0
SIGMA = 2.0                     # per coordinate, per sample
ETA = 0.1
RHO = 0.05
ALPHA = 0.02
B_CONST = 128
BATCHES = (32, 64, 128, 256)
B0, B_FACTOR, STAGES = 16, 2, 5
ETA_MIN = 0.01 * ETA            # authors' cosine eta_min = 0.01 eta_max (THEORY.md §2.4)
TAIL = 0.2                      # plateau = mean over the last 20% (THEORY.md §6)


def _problem() -> problems.Problem:
    return problems.separable("log1p_sq", dim=DIM)


def _gsam(lr) -> optimizers.Optimizer:
    return optimizers.gsam(lr, RHO, ALPHA)


# ------------------------------------------------------------------------------------------
# derived laws
# ------------------------------------------------------------------------------------------


def effective_floor(lr: float, b, *, L: float = BETA, dim: int = DIM, sigma: float = SIGMA,
                    rho: float = RHO, iters: int = 50) -> np.ndarray:
    r"""``hi_noise_floor`` at the effective SAM step :math:`\eta(1 + \beta\rho/\|g\|)`,
    :math:`\|g\|^2 = d\sigma^2/b + F` solved for the floor F by fixed-point iteration."""
    b = np.asarray(b, dtype=float)
    F = theory.hi_noise_floor(lr, L, dim, sigma, b)
    for _ in range(iters):
        c = L * rho / np.sqrt(dim * sigma**2 / b + F)
        F = theory.hi_noise_floor(lr * (1.0 + c), L, dim, sigma, b)
    return F


def local_quadratic_noise(lrs, batches, *, L: float = BETA, dim: int = DIM,
                          sigma: float = SIGMA, rho: float = RHO, v0: float = 0.0
                          ) -> np.ndarray:
    r""":math:`\mathbb E\|\nabla f(x_{t+1})\|^2` for t = 0..T-1 from the per-coordinate
    variance recursion :math:`v_{t+1} = (1-\eta'_t L)^2 v_t + \eta_t'^2\sigma^2/b_t` with the
    effective SAM step :math:`\eta'_t = \eta_t(1 + L\rho/\sqrt{d\sigma^2/b_t + dL^2v_t})`
    (module docstring). A deterministic scalar recursion, T steps."""
    lrs = np.asarray(lrs, dtype=float)
    bs = np.broadcast_to(np.asarray(batches, dtype=float), lrs.shape)
    out = np.empty_like(lrs)
    v = float(v0)
    for t in range(lrs.size):
        e = lrs[t] * (1.0 + L * rho / np.sqrt(dim * sigma**2 / bs[t] + dim * L**2 * v))
        v = (1.0 - e * L) ** 2 * v + e * e * sigma**2 / bs[t]
        out[t] = dim * L**2 * v
    return out


def _tail(values: np.ndarray, steps: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Per-run mean of the records with lo < step <= hi."""
    m = (steps > lo) & (steps <= hi)
    return values[m].mean(axis=0)


def _constant_run(p, b: int, T: int, R: int, every: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """Constant b and lr: per-run plateau (tail mean) and the two tail halves' means."""
    rec = np.arange(0, T + 1, every)
    tr = run(p, _gsam(ETA), np.ones((R, DIM)), T, oracle=oracles.gaussian(p, SIGMA, b),
             rng=np.random.default_rng(seed), record_at=rec, metrics=["grad_sq"])
    g = tr.metrics["grad_sq"]
    start = (1.0 - TAIL) * T
    plateau = _tail(g, rec, start, T)
    halves = np.array([_tail(g, rec, start, start + TAIL * T / 2).mean(),
                       _tail(g, rec, start + TAIL * T / 2, T).mean()])
    return plateau, halves


# ------------------------------------------------------------------------------------------
# E10 (i): constant batch floor and its 1/b law
# ------------------------------------------------------------------------------------------

FLOOR_SIZES = {
    "small": {"T": 2000, "runs": 100, "b": B_CONST, "record_every": 5},
    "full": {"T": 5000, "runs": 200, "b": B_CONST, "record_every": 5},
}
SWEEP_SIZES = {
    "small": {"T": 2000, "runs": 100, "b": list(BATCHES), "record_every": 5},
    "full": {"T": 5000, "runs": 200, "b": list(BATCHES), "record_every": 5},
}


def constant_batch_floor(size: str, rng) -> Measurement:
    """Plateau of E||grad f||^2 at b = 128 over theory.hi_noise_floor (per run)."""
    sp = size_params(FLOOR_SIZES, size)
    p = _problem()
    T, R, b = int(sp["T"]), int(sp["runs"]), int(sp["b"])
    plateau, halves = _constant_run(p, b, T, R, int(sp["record_every"]), rng)
    law = float(theory.hi_noise_floor(ETA, BETA, DIM, SIGMA, b))
    eff = float(effective_floor(ETA, b))
    notes = (f"b={b}, T={T}, {R} runs: plateau {plateau.mean():.5f} (tail halves "
             f"{halves[0]:.5f}, {halves[1]:.5f}); hi_noise_floor {law:.5f} -> ratio "
             f"{plateau.mean() / law:.3f}; effective-step law {eff:.5f} -> ratio "
             f"{plateau.mean() / eff:.3f}.")
    frame = pd.DataFrame({"b": b, "run": np.arange(R), "plateau_grad_sq": plateau,
                          "hi_noise_floor": law, "effective_floor": eff,
                          "ratio": plateau / law})
    return Measurement("value", s=np.array([float(b)]), values=plateau / law, frame=frame,
                       xlabel="batch size b", ylabel="plateau E||grad f||^2 / hi_noise_floor",
                       notes=notes, extra={"halves": halves, "effective_ratio":
                                           plateau.mean() / eff})


def _batch_sweep(sp: dict, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plateaus (n_b, runs) for each constant b; the same seed for every b (common random
    numbers: the same standard normals, scaled by sigma/sqrt(b)). One oracle per b."""
    p = _problem()
    bs = np.asarray(sp["b"], dtype=np.int64)
    T, R = int(sp["T"]), int(sp["runs"])
    seed = np.random.default_rng(rng).integers(2**63)
    out, halves = [], []
    for b in bs:
        pl, h = _constant_run(p, int(b), T, R, int(sp["record_every"]), seed)
        out.append(pl)
        halves.append(h)
    return bs, np.vstack(out), np.vstack(halves)


def _sweep_frame(bs, plateaus) -> pd.DataFrame:
    R = plateaus.shape[1]
    return pd.DataFrame({
        "b": np.repeat(bs, R), "run": np.tile(np.arange(R), bs.size),
        "plateau_grad_sq": plateaus.reshape(-1),
        "hi_noise_floor": np.repeat(theory.hi_noise_floor(ETA, BETA, DIM, SIGMA, bs), R),
        "effective_floor": np.repeat(effective_floor(ETA, bs), R)})


def floor_vs_batch(size: str, rng) -> Measurement:
    """Plateau of E||grad f||^2 against b (constant b and lr): slope -1."""
    sp = size_params(SWEEP_SIZES, size)
    bs, plateaus, halves = _batch_sweep(sp, rng)
    eff = effective_floor(ETA, bs)
    eff_slope = float(np.polyfit(np.log(bs), np.log(eff), 1)[0])
    notes = (f"T={sp['T']}, {plateaus.shape[1]} runs per b, b={bs.tolist()}: plateaus "
             f"{np.round(plateaus.mean(axis=1), 5).tolist()}; slope of the effective-step law "
             f"{eff_slope:.4f}; tail halves {np.round(halves, 5).tolist()}.")
    return Measurement("slope", s=bs.astype(float), errors=plateaus, frame=_sweep_frame(bs,
                       plateaus), xlabel="batch size b", ylabel="plateau E||grad f||^2",
                       notes=notes, extra={"effective_slope": eff_slope})


def floor_effective_lr(size: str, rng) -> Measurement:
    """Plateau over the effective-step law, for every b."""
    sp = size_params(SWEEP_SIZES, size)
    bs, plateaus, _ = _batch_sweep(sp, rng)
    eff = effective_floor(ETA, bs)
    law = theory.hi_noise_floor(ETA, BETA, DIM, SIGMA, bs)
    notes = (f"T={sp['T']}, b={bs.tolist()}: plateau / effective law = "
             f"{np.round(plateaus.mean(axis=1) / eff, 4).tolist()}; plateau / hi_noise_floor = "
             f"{np.round(plateaus.mean(axis=1) / law, 4).tolist()}.")
    return Measurement("value", s=bs.astype(float), values=plateaus / eff[:, None],
                       frame=_sweep_frame(bs, plateaus), xlabel="batch size b",
                       ylabel="plateau / effective-step floor", notes=notes)


# ------------------------------------------------------------------------------------------
# E10 (ii): increasing batch, stage plateaus halve
# ------------------------------------------------------------------------------------------

INC_SIZES = {
    "small": {"T": 2500, "runs": 100, "record_every": 5},
    "full": {"T": 5000, "runs": 200, "record_every": 5},
}


def increasing_batch(size: str, rng) -> Measurement:
    """b_t = 16 * 2^floor(t / (T/5)), constant lr: ratio of consecutive stage plateaus
    (second half of each stage), per run."""
    sp = size_params(INC_SIZES, size)
    p = _problem()
    T, R = int(sp["T"]), int(sp["runs"])
    K = T // STAGES
    sched = schedules.geometric_batch(B0, B_FACTOR, K)
    rec = np.arange(0, T + 1, int(sp["record_every"]))
    tr = run(p, _gsam(ETA), np.ones((R, DIM)), T, oracle=oracles.gaussian(p, SIGMA, sched),
             rng=np.random.default_rng(rng), record_at=rec, metrics=["grad_sq"])
    g = tr.metrics["grad_sq"]
    stage = np.vstack([_tail(g, rec, k * K + K / 2, (k + 1) * K) for k in range(STAGES)])
    ratios = stage[1:] / stage[:-1]                                   # (4, runs)
    model = local_quadratic_noise(np.full(T, ETA), [sched(t) for t in range(T)])
    steps = np.arange(1, T + 1)
    mstage = np.array([model[(steps > k * K + K / 2) & (steps <= (k + 1) * K)].mean()
                       for k in range(STAGES)])
    bstage = [sched(k * K) for k in range(STAGES)]
    notes = (f"T={T}, stages of {K} steps, b={bstage}, {R} runs: stage plateaus "
             f"{np.round(stage.mean(axis=1), 5).tolist()}; mean ratios "
             f"{np.round(ratios.mean(axis=1), 4).tolist()}; effective-step model ratios "
             f"{np.round(mstage[1:] / mstage[:-1], 4).tolist()}.")
    frame = pd.DataFrame({
        "stage": np.repeat(np.arange(1, STAGES), R), "b_from": np.repeat(bstage[:-1], R),
        "b_to": np.repeat(bstage[1:], R), "run": np.tile(np.arange(R), STAGES - 1),
        "plateau_ratio": ratios.reshape(-1),
        "model_ratio": np.repeat(mstage[1:] / mstage[:-1], R)})
    return Measurement("value", s=np.asarray(bstage[1:], dtype=float), values=ratios,
                       frame=frame, xlabel="batch size of the later stage",
                       ylabel="plateau(stage k+1) / plateau(stage k)", notes=notes,
                       extra={"model_ratios": mstage[1:] / mstage[:-1]})


# ------------------------------------------------------------------------------------------
# E10 (iii): cosine and linear decay vs constant lr, one run with per-run schedules
# ------------------------------------------------------------------------------------------

LR_T = 5000
LR_SIZES = {
    "small": {"T": LR_T, "runs": 100, "b": B_CONST, "eta_min": ETA_MIN, "record_every": 10},
    "full": {"T": LR_T, "runs": 400, "b": B_CONST, "eta_min": ETA_MIN, "record_every": 10},
}
LR_KINDS = ("constant", "cosine", "linear")


def _lr_schedules(T: int, eta_min: float) -> dict[str, schedules.Schedule]:
    return {"constant": schedules.constant(ETA), "cosine": schedules.cosine(ETA, eta_min, T),
            "linear": schedules.linear(ETA, eta_min, T)}


def _model_final_ratio(kind: str, T: int = LR_T, eta_min: float = ETA_MIN,
                       b: int = B_CONST) -> float:
    """Lagged quasi-static prediction of E||grad f(x_T)||^2 (kind) / constant-lr plateau."""
    s = _lr_schedules(T, eta_min)
    lrs = np.array([s[kind](t) for t in range(T)], dtype=float)
    const = local_quadratic_noise(np.full(T, ETA), b)
    return float(local_quadratic_noise(lrs, b)[-1] / const[-1])


def _quasi_static_ratio(kind: str, T: int = LR_T, eta_min: float = ETA_MIN,
                        b: int = B_CONST) -> float:
    """The lag-free law: hi_noise_floor at the last step's lr over that at eta."""
    lr_last = float(_lr_schedules(T, eta_min)[kind](T - 1))
    return float(theory.hi_noise_floor(lr_last, BETA, DIM, SIGMA, b)
                 / theory.hi_noise_floor(ETA, BETA, DIM, SIGMA, b))


MODEL_RATIO = {k: _model_final_ratio(k) for k in ("cosine", "linear")}


def _lr_runs(sp: dict, rng) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Constant, cosine and linear lr in one run (per-run schedule), b fixed."""
    p = _problem()
    T, R = int(sp["T"]), int(sp["runs"])
    sched = _lr_schedules(T, float(sp["eta_min"]))
    group = np.repeat(np.arange(len(LR_KINDS)), R)

    def lr(t: int) -> np.ndarray:
        return np.array([sched[k](t) for k in LR_KINDS])[group]

    mixed = schedules.Schedule(lr, "constant|cosine|linear per run", (float(sp["eta_min"]), ETA))
    rec = np.arange(0, T + 1, int(sp["record_every"]))
    tr = run(p, _gsam(mixed), np.ones((group.size, DIM)), T,
             oracle=oracles.gaussian(p, SIGMA, int(sp["b"])), rng=np.random.default_rng(rng),
             record_at=rec, metrics=["grad_sq"])
    g = tr.metrics["grad_sq"]
    finals = {k: g[-1, group == i] for i, k in enumerate(LR_KINDS)}
    plateau = _tail(g[:, group == 0], rec, (1.0 - TAIL) * T, T)
    return plateau, finals, rec, g


def _lr_scenario(kind: str):
    def scenario(size: str, rng) -> Measurement:
        sp = size_params(LR_SIZES, size)
        T = int(sp["T"])
        plateau, finals, rec, g = _lr_runs(sp, rng)
        ratio = finals[kind] / plateau.mean()
        model = _model_final_ratio(kind, T, float(sp["eta_min"]), int(sp["b"]))
        qs = _quasi_static_ratio(kind, T, float(sp["eta_min"]), int(sp["b"]))
        notes = (f"{kind} {ETA:g} -> {sp['eta_min']:g} over T={T}, b={sp['b']}, "
                 f"{sp['runs']} runs per schedule: E||grad f(x_T)||^2 = {finals[kind].mean():.3e}"
                 f" vs constant-lr plateau {plateau.mean():.4f}: ratio {ratio.mean():.4f}; "
                 f"lagged quasi-static model {model:.4f}; lag-free law at eta_T "
                 f"{qs:.4f} (measured / lag-free = {ratio.mean() / qs:.2f}).")
        R = plateau.size
        mean_traj = g.reshape(len(rec), len(LR_KINDS), R).mean(axis=2)
        frame = pd.DataFrame({"t": np.repeat(rec, len(LR_KINDS)),
                              "schedule": np.tile(LR_KINDS, len(rec)),
                              "mean_grad_sq": mean_traj.reshape(-1)})
        return Measurement("value", s=np.array([float(T)]), values=ratio, frame=frame,
                           xlabel="T", ylabel=f"E||grad f(x_T)||^2 ({kind}) / constant plateau",
                           notes=notes, extra={"model": model, "quasi_static": qs})

    scenario.__name__ = f"{kind}_lr"
    scenario.__doc__ = (f"Final E||grad f||^2 with {kind} lr decay over the constant-lr plateau "
                        "(one run holding the three schedules).")
    return scenario


# ------------------------------------------------------------------------------------------
# Flatness on (xy - 1)^2: Tr H and lambda_max at the final iterate
# ------------------------------------------------------------------------------------------

FLAT_X0 = (3.0, 0.1)            # THEORY.md E15 start: lands near (3, 1/3), Tr H ~ 18
FLAT_SIZES = {
    "small": {"T": 5000, "runs": 1000, "x0": list(FLAT_X0)},
    "full": {"T": 5000, "runs": 4000, "x0": list(FLAT_X0)},
}
SHORT_SIZES = {
    "small": {"T": 1000, "runs": 200, "x0": list(FLAT_X0)},
    "full": {"T": 1000, "runs": 1000, "x0": list(FLAT_X0)},
}
FLAT_VARIANTS = ("constant", "increasing_batch", "cosine", "linear")


def _flat_runs(sp: dict, rng) -> dict[str, dict[str, np.ndarray]]:
    """The four variants on (xy - 1)^2, each its own run with the same seed (common random
    numbers: the same standard normals, scaled by sigma/sqrt(b_t))."""
    p = problems.xy_minus_one()
    T, R = int(sp["T"]), int(sp["runs"])
    x0 = np.tile(np.asarray(sp["x0"], dtype=float), (R, 1))
    seed = np.random.default_rng(rng).integers(2**63)
    lr = _lr_schedules(T, ETA_MIN)
    setups = {
        "constant": (lr["constant"], B_CONST),
        "increasing_batch": (lr["constant"], schedules.geometric_batch(B0, B_FACTOR,
                                                                       T // STAGES)),
        "cosine": (lr["cosine"], B_CONST),
        "linear": (lr["linear"], B_CONST),
    }
    out = {}
    for name, (eta, b) in setups.items():
        tr = run(p, _gsam(eta), x0, T, oracle=oracles.gaussian(p, SIGMA, b),
                 rng=np.random.default_rng(seed), record_at=[T], metrics=["f", "grad_sq"])
        x = tr.x
        out[name] = {
            "trace_H": sharpness.hessian_trace(p, x, "exact"),
            "lambda_max": sharpness.lambda_max(p, x, "exact"),
            "adv_linf_2nd_order": sharpness.adversarial_sharpness(p, x, RHO, "linf"),
            "f": tr.final("f"), "grad_sq": tr.final("grad_sq"),
            "x": x[:, 0], "y": x[:, 1], "diverged": tr.diverged}
    return out


def _flat_frame(res: dict, T: int) -> pd.DataFrame:
    rows = []
    for name, d in res.items():
        rows.append(pd.DataFrame({"variant": name, "T": T, "run": np.arange(d["x"].size),
                                  **{k: v for k, v in d.items() if k != "diverged"}}))
    return pd.concat(rows, ignore_index=True)


def _paired(res: dict, a: str, b: str, key: str = "trace_H") -> str:
    d = res[a][key] - res[b][key]
    m, lo, hi = rates.mean_ci(d)
    return f"{a} - {b}: {float(m):+.4f} [{float(lo):+.4f}, {float(hi):+.4f}]"


def _flat_summary(res: dict) -> str:
    return "; ".join(
        f"{k}: Tr H {d['trace_H'].mean():.4f}, lambda_max {d['lambda_max'].mean():.4f}, "
        f"f {d['f'].mean():.1e}, ||grad f||^2 {d['grad_sq'].mean():.1e}, "
        f"x {d['x'].mean():.3f}, y {d['y'].mean():.3f}, diverged {int(d['diverged'].sum())}"
        for k, d in res.items())


def flatness(size: str, rng) -> Measurement:
    """Tr H and lambda_max at x_T of increasing batch / cosine / linear against constant."""
    sp = size_params(FLAT_SIZES, size)
    res = _flat_runs(sp, rng)
    others = ("increasing_batch", "cosine", "linear")
    values = np.vstack([res[v]["trace_H"] for v in others]
                       + [res[v]["lambda_max"] for v in others])
    bound = np.array([res["constant"]["trace_H"].mean()] * 3
                     + [res["constant"]["lambda_max"].mean()] * 3)
    notes = (f"(xy-1)^2 from {tuple(sp['x0'])}, T={sp['T']}, {sp['runs']} runs (common random "
             f"numbers): {_flat_summary(res)}. Paired Tr H differences (95% CI): "
             + "; ".join(_paired(res, v, "constant") for v in others) + ".")
    return Measurement("bound", s=np.arange(6, dtype=float), values=values, bound=bound,
                       frame=_flat_frame(res, int(sp["T"])),
                       xlabel="0-2: Tr H (incr. batch, cosine, linear); 3-5: lambda_max",
                       ylabel="flatness at x_T (bound: constant b and lr)", notes=notes)


def flatness_short_horizon(size: str, rng) -> Measurement:
    """T = 1000: Tr H and lambda_max of constant lr against cosine / linear decay."""
    sp = size_params(SHORT_SIZES, size)
    res = _flat_runs(sp, rng)
    values = np.vstack([res["constant"]["trace_H"]] * 2 + [res["constant"]["lambda_max"]] * 2)
    bound = np.array([res[v][k].mean() for k in ("trace_H", "lambda_max")
                      for v in ("cosine", "linear")])
    notes = (f"(xy-1)^2 from {tuple(sp['x0'])}, T={sp['T']}, {sp['runs']} runs (common random "
             f"numbers): {_flat_summary(res)}. Paired Tr H differences (95% CI): "
             + "; ".join(_paired(res, "constant", v) for v in
                         ("increasing_batch", "cosine", "linear")) + ".")
    return Measurement("bound", s=np.arange(4, dtype=float), values=values, bound=bound,
                       frame=_flat_frame(res, int(sp["T"])),
                       xlabel="0-1: Tr H vs cosine, linear; 2-3: lambda_max vs cosine, linear",
                       ylabel="flatness at x_T of constant lr (bound: decaying lr)",
                       notes=notes)


# ------------------------------------------------------------------------------------------

THEOREM = ("Theorem B.1 (epsilon-approximation of GSAM with increasing batch size and decaying "
           "learning rate) [Q structure, formulas not retrievable: THEORY.md §3.4]")
SHAPE = ("min_t E||grad f(x_t)||^2 <~ K0/sum eta_t + K1 L sigma^2 sum(eta_t^2/b_t)/sum eta_t + "
         "K2 (rho^2 + alpha terms) [D, THEORY.md §3.4]")

CLAIMS = [
    Claim(
        key="harada_iiduka_2024.gsam.constant_batch_floor",
        paper=PAPER,
        theorem=THEOREM + "; constant b and lr leave a noise term proportional to eta "
                          "sigma^2 / b [D]",
        statement=ABSTRACT_CONV + " (the bound with constant b and lr keeps a noise term "
                                  "proportional to eta sigma^2/b, THEORY.md §3.4).",
        experiment="E10 (i)",
        theory="plateau E||grad f||^2 = beta d eta sigma^2 / (b (2 - eta beta)) = 0.0694 at "
               "b = 128 (theory.hi_noise_floor) [D✓]",
        predicted=1.0,
        tol=0.25,
        tol_reason="THEORY.md E10 (i): ±25% of the law. The law omits SAM's effective step "
                   "eta (1 + beta rho/||g||) (module docstring), which predicts +13.4% at "
                   "b = 128; measured +12.9% (full, T=5000, 200 runs) / +13.0% (small, "
                   "T=2000, 100 runs), CI half-width ~1%; "
                   "tail halves agree to 0.5% (stationary). The 25% band holds the known "
                   "+13% bias with room; floor_effective_lr tests the corrected law at 5%.",
        scenario=constant_batch_floor,
        sizes=FLOOR_SIZES,
        max_width=0.2,
    ),
    Claim(
        key="harada_iiduka_2024.gsam.floor_vs_batch",
        paper=PAPER,
        theorem=THEOREM,
        statement=ABSTRACT_CONV + " (constant-batch noise term proportional to 1/b, "
                                  "THEORY.md §3.4).",
        experiment="E10 (i)",
        theory="plateau proportional to 1/b (hi_noise_floor); the effective-step law gives "
               "slope -0.947 on b = 32..256 [D]",
        predicted=-1.0,
        tol=0.15,
        tol_reason="THEORY.md E10 (i): slope -1 ± 0.15. The effective-step correction "
                   "(1 + beta rho sqrt(b/(d sigma^2))) grows like sqrt(b) and bends the slope "
                   "to -0.947 (derived); measured -0.943 (T=5000, 200 runs), CI half-width "
                   "~0.0002; small (T=2000, 100 runs) -0.9429.",
        scenario=floor_vs_batch,
        sizes=SWEEP_SIZES,
        max_width=0.1,
    ),
    Claim(
        key="harada_iiduka_2024.gsam.floor_effective_lr",
        paper=PAPER,
        theorem="Derived refinement of the E10 noise-floor law (ours, this module): SAM/GSAM "
                "near x* with additive noise is SGD with step eta (1 + beta rho/||g||) [D]",
        statement=ABSTRACT_CONV + " (constant b and lr: a noise floor; here its exact level).",
        experiment="E10 (i)",
        theory="plateau = hi_noise_floor(eta (1 + beta rho / sqrt(d sigma^2/b + F)), ...) = F "
               "(effective_floor), b in {32, 64, 128, 256}",
        predicted=1.0,
        tol=0.05,
        tol_reason="Study (T=5000, 200 runs): ratios 0.987, 0.992, 0.995, 0.996 for b = 32..256; "
                   "the -1.3% at b = 32 is the non-quadratic curvature 2(1-x^2)/(1+x^2)^2 < 2 "
                   "at the larger spread; sampling CI half-width ~0.7%. 5% = 4 x the largest "
                   "model error.",
        scenario=floor_effective_lr,
        sizes=SWEEP_SIZES,
        max_width=0.05,
    ),
    Claim(
        key="harada_iiduka_2024.gsam.increasing_batch",
        paper=PAPER,
        theorem=THEOREM + "; increasing b_t makes sum eta^2/b_t finite [D]",
        statement=ABSTRACT_CONV + ".",
        experiment="E10 (ii)",
        theory="stage plateau proportional to eta/b_t: doubling b halves it (ratio 0.5); the "
               "effective-step model gives 0.509, 0.513, 0.518, 0.525 [D]",
        predicted=0.5,
        tol=0.2,
        tol_reason="THEORY.md E10 (ii): ratio 0.5 ± 0.1 (relative 0.2). Derived: the "
                   "effective-step correction raises the ratios to 0.509-0.525; measured "
                   "0.516-0.526 (full), worst point decides; CI half-width ~0.005.",
        scenario=increasing_batch,
        sizes=INC_SIZES,
        max_width=0.1,
    ),
    Claim(
        key="harada_iiduka_2024.gsam.cosine_lr",
        paper=PAPER,
        theorem=THEOREM + " (cosine annealing)",
        statement=ABSTRACT_CONV + ". Numerically (THEORY.md E10 iii): the final "
                                  "E||grad f||^2 with cosine decay is << the constant-lr floor.",
        experiment="E10 (iii)",
        theory=f"E||grad f(x_T)||^2 / constant plateau = {MODEL_RATIO['cosine']:.4f} (lagged "
               "quasi-static law local_quadratic_noise; the lag-free law at eta_T gives 0.0090)"
               " [D]",
        predicted=MODEL_RATIO["cosine"],
        tol=0.15,
        tol_reason="'<<' made quantitative: the final noise tracks eta_t with relaxation time "
                   "1/(2 eta_t beta) (250 steps at eta_min), so the ratio is the lagged law's "
                   "0.0130, not eta_T/eta = 0.01. Study: measured/model 0.99 (200 and 400 runs, "
                   "two seeds); the per-run final ||grad f||^2 is chi^2-like (rel. sd ~0.35), "
                   "so the CI half-width is ~7% at 100 runs (small) and ~3.5% at 400; 15% = 2 x "
                   "the small-size half-width.",
        scenario=_lr_scenario("cosine"),
        sizes=LR_SIZES,
        max_width=0.3,
    ),
    Claim(
        key="harada_iiduka_2024.gsam.linear_lr",
        paper=PAPER,
        theorem=THEOREM + " (linear decay)",
        statement=ABSTRACT_CONV + ". Numerically: the final E||grad f||^2 with linear decay is "
                                  "<< the constant-lr floor.",
        experiment="E10 (iii)",
        theory=f"E||grad f(x_T)||^2 / constant plateau = {MODEL_RATIO['linear']:.4f} (lagged "
               "quasi-static law; the lag-free law at eta_T gives 0.0092) [D]",
        predicted=MODEL_RATIO["linear"],
        tol=0.15,
        tol_reason="As cosine_lr: the linear schedule ends with slope -eta/T, so the lag "
                   "matters more (lagged law 0.0257 vs lag-free 0.0092). Study: "
                   "measured/model 1.00; CI half-width ~7% at 100 runs, ~3.5% at 400.",
        scenario=_lr_scenario("linear"),
        sizes=LR_SIZES,
        max_width=0.3,
    ),
    Claim(
        key="harada_iiduka_2024.gsam.flatness",
        paper=PAPER,
        theorem="Numerical claim of the abstract (not a theorem); their 'sharpness' is "
                "adversarial worst-case m-sharpness (THEORY.md §7.3), ours is Hessian-based "
                "(Tr H, lambda_max at x_T)",
        statement=ABSTRACT_FLAT,
        experiment="E10 / E15",
        theory="On (xy-1)^2 (minimisers xy = 1, Tr H = 2(x^2+y^2) >= 4, lambda_max = Tr H on "
               "the manifold) SAM's drift and the noise's implicit bias carry every variant "
               "from the sharp start to the flattest minimiser (1, 1) within T = 5000; what "
               "is left is a noise-driven spread around it, which grows with the final "
               "eta/b: E Tr H(x_T) is smaller for increasing b and decaying lr than for "
               "constant b and lr [D]",
        predicted=1.0,
        tol=1e-3,
        tol_reason="An ordering: mean Tr H (and lambda_max) of each schedule <= that of "
                   "constant b and lr; tol only absorbs rounding. The margins are 3-4% of "
                   "Tr H for increasing batch (-0.15, paired CI half-width 0.007 at 4000 runs) "
                   "but only ~2% for cosine/linear (-0.08 +- 0.02 at 4000 runs; at the small "
                   "size, 1000 runs, seeds 0-3 give -0.026..-0.082 with half-width ~0.045: "
                   "the ordering held for every seed, significance only for two), see notes.",
        scenario=flatness,
        sizes=FLAT_SIZES,
        side="upper",
        finding="Reproduced in direction, but in our model all four variants end at the same "
                "(flattest) minimiser (1, 1); the schedules are flatter only because their "
                "final noise spread around it is smaller (excess Tr H - 4 at 4000 runs: "
                "increasing batch 0.25, cosine 0.31, linear 0.31 vs constant 0.40). With a "
                "horizon too short to reach (1, 1) (flatness_short_horizon) "
                "decaying lr ends sharper than constant lr.",
    ),
    Claim(
        key="harada_iiduka_2024.gsam.flatness_short_horizon",
        paper=PAPER,
        theorem="Counter-regime of the abstract's numerical claim (ours); Hessian flatness, not "
                "the paper's adversarial sharpness",
        statement=ABSTRACT_FLAT,
        experiment="E10 / E15",
        theory="The drift towards the flattest minimiser moves x by ~ sum_t eta_t (SAM and noise "
               "terms are both proportional to eta_t); cosine / linear decay halve that sum, so "
               "at T = 1000 they stop at sharper points of xy = 1 than constant lr [D]",
        predicted=1.0,
        tol=1e-3,
        tol_reason="An ordering: mean Tr H (and lambda_max) of constant lr <= that of cosine "
                   "and linear decay; tol only absorbs rounding. Margins: 1.5-1.9 in Tr H "
                   "(25-30%), paired CI half-width ~0.16 (200 runs, small) / ~0.07 (1000 runs, "
                   "full).",
        scenario=flatness_short_horizon,
        sizes=SHORT_SIZES,
        side="upper",
        finding="The paper's 'decaying lr finds flatter minima' is reversed here: at a short "
                "horizon constant lr ends flatter than cosine/linear decay (increasing batch, "
                "which keeps eta, is still flatter than constant).",
    ),
]


# ------------------------------------------------------------------------------------------
# Training curves behind the figure (no verdict): the four variants over time
# ------------------------------------------------------------------------------------------

CURVE_SIZES = {"small": {"T": 1000, "runs": 50}, "full": {"T": 5000, "runs": 400}}


def training_curves(size: str = "small", rng: Any = 0) -> pd.DataFrame:
    r"""Mean over runs, at every 10th step, of the four Harada–Iiduka variants (constant
    lr and batch, increasing batch, cosine lr, linear lr; the settings of the claims above):
    :math:`\mathbb E\|\nabla f(x_t)\|^2` on :math:`\sum_i \ln(1+x_i^2)` (d = 20, x0 = 1) and
    :math:`\mathbb E f(x_t)`, :math:`\mathbb E\,\mathrm{Tr}\,H(x_t)` on :math:`(xy-1)^2` from
    (3, 0.1). Same seed for every variant (common random numbers).

    Columns: ``problem, variant, t, batch, lr, grad_sq, f, trace_h`` (``f`` and ``trace_h``
    only on (xy-1)^2, NaN elsewhere).
    """
    sp = size_params(CURVE_SIZES, size)
    T, R = int(sp["T"]), int(sp["runs"])
    lr = _lr_schedules(T, ETA_MIN)
    inc = schedules.geometric_batch(B0, B_FACTOR, T // STAGES)
    setups = {"constant": (lr["constant"], B_CONST), "increasing_batch": (lr["constant"], inc),
              "cosine": (lr["cosine"], B_CONST), "linear": (lr["linear"], B_CONST)}
    rec = np.arange(0, T + 1, 10)
    seed = np.random.default_rng(rng).integers(2**63)
    mean_tr = {"trace_h": lambda prob, s: sharpness.hessian_trace(prob, s.x)}
    frames = []
    for pname, p, x0 in (("sum ln(1+x_i^2), d=20", _problem(), np.ones(DIM)),
                         ("(xy-1)^2", problems.xy_minus_one(), np.asarray(FLAT_X0))):
        xy = pname == "(xy-1)^2"
        for name, (eta, b) in setups.items():
            metrics: dict[str, Any] = {"grad_sq": None}
            if xy:
                metrics.update({"f": None, **mean_tr})
            tr = run(p, _gsam(eta), np.tile(x0, (R, 1)), T, oracle=oracles.gaussian(p, SIGMA, b),
                     rng=np.random.default_rng(seed), record_at=rec, metrics=metrics)
            nan = np.full(rec.size, np.nan)
            frames.append(pd.DataFrame({
                "problem": pname, "variant": name, "t": rec,
                "batch": [b(int(t)) if callable(b) else b for t in rec],
                "lr": [float(eta(int(t))) for t in rec],
                "grad_sq": np.nanmean(tr["grad_sq"], axis=1),
                "f": np.nanmean(tr["f"], axis=1) if xy else nan,
                "trace_h": np.nanmean(tr["trace_h"], axis=1) if xy else nan}))
    return pd.concat(frames, ignore_index=True)
