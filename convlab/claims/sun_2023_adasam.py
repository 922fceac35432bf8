r"""Sun et al. (2023), *AdaSAM: Boosting Sharpness-Aware Minimization with Adaptive Learning
Rate and Momentum for Training Deep Neural Networks* (arXiv:2303.00565; earlier *Provable
Sharpness-Aware Minimization with Adaptive Learning Rate*; seeds 000/001; THEORY.md §2.6,
§3.5, §5 E11; paper_notes.md).

The abstract [Q]: "AdaSAM admits a :math:`O(1/\sqrt{bT})` convergence rate, which achieves
linear speedup property with respect to mini-batch size b" (stochastic nonconvex setting,
metric :math:`\frac1T\sum_{t<T}\mathbb E\|\nabla f(x_t)\|^2`). The parameters are recalled
[R]: :math:`\gamma = \Theta(\sqrt{b/T})`, :math:`\rho = \Theta(1/\sqrt{bT})`.

AdaSAM is :func:`convlab.optimizers.adasam`: same-batch SAM gradient, EMA momentum
:math:`\beta_1`, AMSGrad second moment :math:`\beta_2` with :math:`\hat v_{-1} = \epsilon^2`
(ε only there), no bias correction.

Setting (E11): :math:`f = \sum_{i=1}^{20}\ln(1+x_i^2)` (β = 2), bounded Rademacher noise
σ = 0.5 per coordinate and sample (N2; a batch of b averages b samples), started at the
minimiser :math:`x_0 = 0` so that the metric is the stationary noise level (no transient
term), :math:`\gamma = 0.2\sqrt{b/T}`, :math:`\rho = 1/\sqrt{bT}`, β = (0.9, 0.999).

Derived expectation [D✓]: for ε = 2 every :math:`\sqrt{v_t} < 2` (|g_i| ≤ 0.5 + |∇f_i| ≤ 1.5),
so :math:`\hat v \equiv \epsilon^2` and AdaSAM is SAM with EMA momentum and step
:math:`\gamma/\epsilon = 0.1\sqrt{b/T}`; at the minimiser (curvature β = 2 per coordinate) the
stationary level is :math:`d\,\beta\eta\sigma^2/(b(2-\eta\beta)) \approx 0.5/\sqrt{bT}`, i.e.
exactly the abstract's :math:`1/\sqrt{bT}` (slope −1/2 in b and in T). For ε = 1e-8,
:math:`\sqrt{\hat v}` follows the noise level :math:`\sigma/\sqrt b`, the effective step grows
like :math:`\sqrt b` and cancels the variance reduction: no speedup in b.

Claims
------
* ``sun_2023_adasam.adasam.speedup_large_eps``: slope −1/2 in b (ε = 2).
* ``sun_2023_adasam.adasam.speedup_small_eps``: slope ≈ 0 in b (ε = 1e-8) — the paper's
  statement kept, expectation = what the numbers show (see ``finding``).
* ``sun_2023_adasam.adasam.rate_T``: slope −1/2 in T at b = 4 (ε = 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import optimizers, oracles, problems, run
from .base import Claim, Measurement, size_params

PAPER = "Sun et al. 2023 (AdaSAM), arXiv:2303.00565"
THEOREM = ("abstract (seeds 000/001): stochastic nonconvex, O(1/sqrt(bT)), linear speedup in b; "
           "parameters gamma = Theta(sqrt(b/T)), rho = Theta(1/sqrt(bT)) [R: THEORY.md §3.5]")
STATEMENT = ("'We theoretically show that AdaSAM admits a O(1/sqrt(bT)) convergence rate, which "
             "achieves linear speedup property with respect to mini-batch size b' (abstract, "
             "seed 001), for (1/T) sum_{t<T} E||grad f(x_t)||^2 in the stochastic nonconvex "
             "setting; the adaptive learning rate 'has a limited range' (1/G <= 1/sqrt(v_hat) "
             "<= 1/eps).")

DIM = 20
SIGMA = 0.5                      # Rademacher, per coordinate and sample (N2)
GAMMA_C = 0.2                    # gamma = 0.2 sqrt(b/T)
BETAS = (0.9, 0.999)
EPS_LARGE, EPS_SMALL = 2.0, 1e-8


def _problem() -> problems.Problem:
    return problems.separable("log1p_sq", dim=DIM)


def stationary_level(b, T, eps: float = EPS_LARGE) -> np.ndarray:
    r"""Derived stationary :math:`\mathbb E\|\nabla f\|^2` at the minimiser for ε large
    (:math:`\hat v \equiv \epsilon^2`): :math:`d\beta\eta\sigma_b^2/(2-\eta\beta)` with
    :math:`\eta = \gamma/\epsilon`, β = 2, :math:`\sigma_b^2 = \sigma^2/b`; ≈ 0.5/√(bT)."""
    b, T = np.asarray(b, float), np.asarray(T, float)
    eta = GAMMA_C * np.sqrt(b / T) / eps
    beta = 2.0
    return DIM * beta * eta * SIGMA**2 / (b * (2.0 - eta * beta))


def _adasam(gamma, rho, eps: float) -> optimizers.Optimizer:
    return optimizers.adasam(gamma, rho, beta1=BETAS[0], beta2=BETAS[1], eps=eps)


# ------------------------------------------------------------------------------------------
# speedup in b (one run per batch size: the oracle's batch size is a scalar)
# ------------------------------------------------------------------------------------------

B_SIZES = {
    "small": {"T": 2000, "b": [1, 4, 16, 64], "runs": 50, "sigma": SIGMA, "x0": 0.0},
    "full": {"T": 4000, "b": [1, 4, 16, 64], "runs": 200, "sigma": SIGMA, "x0": 0.0},
}


def _speedup(eps: float):
    def scenario(size: str, rng) -> Measurement:
        sp = size_params(B_SIZES, size)
        gen = np.random.default_rng(rng)
        p = _problem()
        T, R = int(sp["T"]), int(sp["runs"])
        bs = np.asarray(sp["b"], dtype=np.int64)
        errs = []
        for b in bs:                    # the batch size sets the oracle: a short loop (4)
            gamma = GAMMA_C * np.sqrt(b / T)
            rho = 1.0 / np.sqrt(b * T)
            tr = run(p, _adasam(gamma, rho, eps), np.full((R, DIM), float(sp["x0"])), T,
                     oracle=oracles.rademacher(p, sp["sigma"], batch_size=int(b)), rng=gen,
                     record_at=[T], metrics=["avg_grad_sq"])
            errs.append(tr.final("avg_grad_sq"))
        err = np.asarray(errs)                          # (n_b, runs)
        level = stationary_level(bs, T, eps)
        means = err.mean(axis=1)
        frame = pd.DataFrame({
            "eps": eps, "b": np.repeat(bs, R), "T": T, "run": np.tile(np.arange(R), bs.size),
            "gamma": np.repeat(GAMMA_C * np.sqrt(bs / T), R),
            "rho": np.repeat(1.0 / np.sqrt(bs * T), R), "avg_grad_sq": err.reshape(-1),
            "avg_grad_sq_x_sqrt_bT": err.reshape(-1) * np.repeat(np.sqrt(bs * T), R)})
        notes = (f"eps={eps:g}, T={T}, {R} runs per b, x0 = 0: mean (1/T) sum E||grad f||^2 = "
                 f"{np.array2string(means, precision=4)} for b = {bs.tolist()}; x sqrt(bT) = "
                 f"{np.round(means * np.sqrt(bs * T), 4).tolist()}")
        if eps >= 1.0:
            notes += (f"; over the derived stationary level d beta eta sigma_b^2/(2 - eta beta) "
                      f"(eta = gamma/eps) = {np.round(means / level, 3).tolist()} (below 1 by "
                      "the warm-up from x0 = 0, about 2.5/sqrt(bT)).")
        else:
            notes += ("; no speedup: sqrt(v_hat) tracks the noise level sigma/sqrt(b), so the "
                      "effective step gamma/sqrt(v_hat) grows like sqrt(b).")
        return Measurement("slope", s=bs.astype(float), errors=err, frame=frame,
                           xlabel="batch size b",
                           ylabel=f"(1/T) sum_t E||grad f(x_t)||^2 (AdaSAM, eps={eps:g})",
                           notes=notes, extra={"means": means, "level": level})

    scenario.__name__ = "speedup_large_eps" if eps >= 1.0 else "speedup_small_eps"
    scenario.__doc__ = (f"Average squared gradient of AdaSAM (eps={eps:g}) at T against the "
                        "batch size b, gamma = 0.2 sqrt(b/T), rho = 1/sqrt(bT), x0 = 0.")
    return scenario


# ------------------------------------------------------------------------------------------
# rate in T at fixed b: all horizons in one run (per-run gamma, rho; each run read at its T)
# ------------------------------------------------------------------------------------------

T_SIZES = {
    "small": {"T": [500, 2000, 8000], "b": 4, "runs": 50, "sigma": SIGMA, "x0": 0.0},
    "full": {"T": [1000, 4000, 16000, 64000], "b": 4, "runs": 100, "sigma": SIGMA, "x0": 0.0},
}


def rate_T(size: str, rng) -> Measurement:
    """Average squared gradient at each horizon T (its own gamma, rho), b fixed, eps = 2."""
    sp = size_params(T_SIZES, size)
    p = _problem()
    Ts = np.asarray(sp["T"], dtype=np.int64)
    R, b = int(sp["runs"]), int(sp["b"])
    T_run = np.repeat(Ts, R)                          # runs ordered (T, replicate)
    gamma = GAMMA_C * np.sqrt(b / T_run)
    rho = 1.0 / np.sqrt(b * T_run)
    tr = run(p, _adasam(gamma, rho, EPS_LARGE), np.full((T_run.size, DIM), float(sp["x0"])),
             int(Ts[-1]), oracle=oracles.rademacher(p, sp["sigma"], batch_size=b),
             rng=np.random.default_rng(rng), record_at=Ts, metrics=["avg_grad_sq"])
    own = tr.metrics["avg_grad_sq"][np.searchsorted(Ts, T_run), np.arange(T_run.size)]
    err = own.reshape(Ts.size, R)
    means = err.mean(axis=1)
    level = stationary_level(b, Ts)
    frame = pd.DataFrame({"eps": EPS_LARGE, "b": b, "T": T_run,
                          "run": np.tile(np.arange(R), Ts.size), "gamma": gamma, "rho": rho,
                          "avg_grad_sq": own, "avg_grad_sq_x_sqrt_bT": own * np.sqrt(b * T_run)})
    notes = (f"eps={EPS_LARGE:g}, b={b}, {R} runs per T, x0 = 0: mean metric x sqrt(bT) = "
             f"{np.round(means * np.sqrt(b * Ts), 4).tolist()} for T = {Ts.tolist()} "
             f"(derived stationary level x sqrt(bT) -> 0.5; measured / level = "
             f"{np.round(means / level, 3).tolist()}).")
    return Measurement("slope", s=Ts.astype(float), errors=err, frame=frame, xlabel="T",
                       ylabel=f"(1/T) sum_t E||grad f(x_t)||^2 (AdaSAM, eps=2, b={b})",
                       notes=notes, extra={"means": means, "level": level})


B_TOL_REASON = ("THEORY.md E11: slope in [-0.6, -0.4]. Derived: with eps = 2 the metric is the "
                "stationary noise level ~ 0.5/sqrt(bT) times a warm-up factor ~ 1 - 2.5/sqrt(bT) "
                "that flattens the slope slightly. Study (paper_notes.md, seed 0): "
                "slope -0.471 (T=1000, 50 runs), -0.485 (T=2000, 50), -0.488 (T=2000, 100), "
                "-0.492 (T=4000, 50), -0.490 (T=4000, 200), -0.493 (T=8000, 100); bootstrap CI "
                "half-width <= 0.009. The bias (<= 0.03) plus the CI stay well inside 0.1; the "
                "same tol at both sizes.")

SMALL_EPS_TOL_REASON = ("Derived expectation 0 (no speedup) with THEORY.md's 'approx 0'. Study: "
                        "slope -0.068 (T=2000, 50 runs), -0.049 (T=4000, 50), -0.050 (T=4000, "
                        "200); CI half-width <= 0.004. The residual -0.05 comes from the "
                        "transient of v_hat (it starts at eps^2 ~ 0 and grows, so early steps "
                        "are large) and shrinks with T; 0.1 covers it with a 2x margin, and a "
                        "true linear speedup (-0.5) is 4 tolerances away, so the test "
                        "discriminates.")

T_TOL_REASON = ("Derived: the stationary level is exactly proportional to 1/sqrt(bT) (times the "
                "warm-up factor 1 - 2.5/sqrt(bT)). Study: slope -0.483 (T=500..8000, 50 runs), "
                "-0.492 (T=1e3..1.6e4, 100 runs); metric x sqrt(bT) = 0.477, 0.490, 0.501 and "
                "0.486, 0.494, 0.497; CI half-width <= 0.011. tol 0.1 as for the b-slope.")

CLAIMS = [
    Claim(
        key="sun_2023_adasam.adasam.speedup_large_eps",
        paper=PAPER,
        theorem=THEOREM,
        statement=STATEMENT,
        experiment="E11",
        theory="(1/T) sum E||grad f||^2 ~ d beta (gamma/eps) sigma^2 / (2b) = 0.5/sqrt(bT) "
               "(eps = 2: v_hat = eps^2 throughout) => slope -1/2 in b",
        predicted=-0.5,
        tol=0.1,
        tol_reason=B_TOL_REASON,
        scenario=_speedup(EPS_LARGE),
        sizes=B_SIZES,
        max_width=0.1,
    ),
    Claim(
        key="sun_2023_adasam.adasam.speedup_small_eps",
        paper=PAPER,
        theorem=THEOREM + "; eps = 1e-8 (the usual Adam/AMSGrad value)",
        statement=STATEMENT,
        experiment="E11",
        theory="sqrt(v_hat) ~ sigma/sqrt(b) => effective step gamma sqrt(b)/sigma ~ b/sqrt(T); "
               "stationary E||grad f||^2 ~ beta (gamma sqrt(b)/sigma) sigma^2 d / (2b) = "
               "0.1 beta sigma d / sqrt(T), independent of b => slope 0",
        predicted=0.0,
        tol=0.1,
        tol_reason=SMALL_EPS_TOL_REASON,
        scenario=_speedup(EPS_SMALL),
        sizes=B_SIZES,
        max_width=0.1,
        finding="With eps = 1e-8 the 'linear speedup' does not show: the metric falls like "
                "b^-0.05 (full size), not b^-0.5, because the adaptive step 1/sqrt(v_hat) "
                "scales like sqrt(b)/sigma and, with gamma ~ sqrt(b), the effective step grows "
                "like b, cancelling the 1/b variance reduction. This does not contradict the "
                "theorem: its constants scale with 1/eps (the 'limited range' "
                "1/G <= 1/sqrt(v_hat) <= 1/eps), so for eps = 1e-8 the O(1/sqrt(bT)) bound is "
                "numerically vacuous; the speedup is a property of the large-eps regime, where "
                "AdaSAM is SAM + momentum with step gamma/eps (speedup_large_eps).",
    ),
    Claim(
        key="sun_2023_adasam.adasam.rate_T",
        paper=PAPER,
        theorem=THEOREM,
        statement=STATEMENT,
        experiment="E11",
        theory="(1/T) sum E||grad f||^2 ~ 0.5/sqrt(bT) at b = 4 (eps = 2) => slope -1/2 in T",
        predicted=-0.5,
        tol=0.1,
        tol_reason=T_TOL_REASON,
        scenario=rate_T,
        sizes=T_SIZES,
        max_width=0.1,
    ),
]
