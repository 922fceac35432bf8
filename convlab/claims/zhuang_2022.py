r"""Zhuang et al. (2022), *Surrogate Gap Minimization Improves Sharpness-Aware Training*
(GSAM; ICLR 2022, arXiv:2203.08065; THEORY.md §2.3, §3.3, §5 E9; paper_notes.md).

Theorem 5.1 (form as recalled, THEORY.md §3.3 [R]; "decaying learning rate and ρ_t
proportional to η_t" [Q via Harada & Iiduka]): for L-smooth nonconvex f with bounded-variance
stochastic gradients, GSAM with :math:`\eta_t = \eta_0/\sqrt t`, :math:`\rho_t = \rho_0/\sqrt t`
satisfies

.. math::
    \frac1T\sum_{t=1}^T \mathbb E\|\nabla f_p^{(t)}(w_t)\|^2 \le \frac{C_1 + C_2\log T}{\sqrt T}.

GSAM (Algorithm 1, :func:`convlab.optimizers.gsam`, same sample for both gradients):
:math:`g = g(x_t;\xi_t)`, :math:`g_p = g(x_t + \rho_t g/\|g\|;\xi_t)`,
:math:`x_{t+1} = x_t - \eta_t(g_p - \alpha g_\perp)`.

Setting (E9): :math:`f = \sum_{i=1}^{20}\ln(1+x_i^2)` (β = 2), additive Gaussian noise σ = 1
per coordinate, :math:`x_0 = \mathbf 1`, :math:`\eta_0 = 1/\beta = 0.5`,
:math:`\rho_0 = \eta_0 = 0.5` (ρ_t = η_t: the theorem's proportionality with constant 1; our
choice, the paper's constants were not retrievable), α ∈ {0, 0.1, 0.4}, all α in one run
(per-run α array). The schedules are anytime, so one long run gives every T.

The metric :math:`\|\nabla f_p(x_t)\|^2` is the **full-batch** perturbed gradient
:math:`\nabla f(x_t + \rho_t\nabla f(x_t)/\|\nabla f(x_t)\|)` — the first-order gradient of
:math:`f_p(w) = \max_{\|\delta\|\le\rho_t} f(w+\delta)` (Foret et al.'s approximation) —
evaluated with exact gradients at every iterate by a custom metric (recorded at every step);
a stochastic :math:`\nabla f_p^{(t)}` would carry the constant :math:`d\sigma^2` and could not
decay. The running average of the clean :math:`\|\nabla f(x_t)\|^2` is reported alongside.

Claims
------
* ``zhuang_2022.gsam.rate``: slope of the running average of
  :math:`\mathbb E\|\nabla f_p(x_t)\|^2` in T is ≈ −1/2 (pooled over α; per-α slopes in the
  notes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import optimizers, oracles, problems, rates, run, schedules
from ..optimizers import normalize
from .base import Claim, Measurement, size_params

PAPER = "Zhuang et al. 2022 (GSAM, ICLR), arXiv:2203.08065"

DIM = 20
SIGMA = 1.0
ETA0 = 0.5                       # 1 / beta
RHO0 = 0.5                       # rho_t = eta_t
ALPHAS = (0.0, 0.1, 0.4)

SIZES = {
    "small": {"T": [250, 1000, 4000], "runs": 100, "alpha": list(ALPHAS), "eta0": ETA0,
              "rho0": RHO0, "sigma": SIGMA, "x0": 1.0},
    "full": {"T": [1000, 4000, 16000, 64000], "runs": 100, "alpha": list(ALPHAS),
             "eta0": ETA0, "rho0": RHO0, "sigma": SIGMA, "x0": 1.0},
}


class _PerturbedRunningAverage:
    r"""Custom metric: running averages of :math:`\|\nabla f(x_t + \rho_t\widehat{\nabla f})\|^2`
    (returned) and of :math:`\|\nabla f(x_t)\|^2` (kept), from exact gradients.

    Must be recorded at **every** step (``record_at = 0..T``): the k-th call sees
    :math:`x_k` and uses :math:`\rho_k` = ``rho(k)`` (the radius of step k in the engine's
    0-based convention). After the call for :math:`x_k` the averages cover
    :math:`t = 0..k`, i.e. the horizon :math:`T = k + 1`.
    """

    def __init__(self, rho: schedules.Schedule, horizons: np.ndarray) -> None:
        self.rho, self.k = rho, 0
        self.horizons = set(int(h) for h in horizons)
        self.sum_p: np.ndarray | float = 0.0
        self.sum_g: np.ndarray | float = 0.0
        self.clean: dict[int, np.ndarray] = {}

    def __call__(self, p: problems.Problem, state) -> np.ndarray:
        x = state.x
        g = p.grad(x)
        gp = p.grad(x + self.rho(self.k) * normalize(g))
        self.sum_p = self.sum_p + np.einsum("rd,rd->r", gp, gp)
        self.sum_g = self.sum_g + np.einsum("rd,rd->r", g, g)
        self.k += 1
        if self.k in self.horizons:
            self.clean[self.k] = self.sum_g / self.k
        return self.sum_p / self.k


def gsam_rate(size: str, rng) -> Measurement:
    """Running average of E||grad f_p(x_t)||^2 of GSAM at several T, all alpha in one run."""
    sp = size_params(SIZES, size)
    p = problems.separable("log1p_sq", dim=DIM)
    Ts = np.asarray(sp["T"], dtype=np.int64)
    R = int(sp["runs"])
    alphas = np.asarray(sp["alpha"], dtype=float)
    alpha = np.repeat(alphas, R)                            # runs ordered (alpha, replicate)
    lr = schedules.inverse_power(sp["eta0"], power=0.5, offset=1.0)    # eta0 / sqrt(t), t>=1
    rho = schedules.inverse_power(sp["rho0"], power=0.5, offset=1.0)
    metric = _PerturbedRunningAverage(rho, Ts)
    T = int(Ts[-1])
    tr = run(p, optimizers.gsam(lr, rho, alpha), np.full((alpha.size, DIM), float(sp["x0"])), T,
             oracle=oracles.gaussian(p, sp["sigma"]), rng=np.random.default_rng(rng),
             record_at=np.arange(T + 1), metrics={"avg_perturbed_grad_sq": metric})
    err = tr.metrics["avg_perturbed_grad_sq"][Ts - 1]         # (n_T, alpha * runs)
    clean = np.vstack([metric.clean[int(t)] for t in Ts])
    per_alpha = []
    for i, a in enumerate(alphas):
        cols = slice(i * R, (i + 1) * R)
        fp = rates.fit_power_law(Ts, err[:, cols])
        fc = rates.fit_power_law(Ts, clean[:, cols])
        per_alpha.append((float(a), fp.exponent, fp.ci, fc.exponent))
    scaled = err.mean(axis=1) * np.sqrt(Ts)
    notes = (f"T={Ts.tolist()}, {R} runs per alpha, eta0={sp['eta0']}, rho0={sp['rho0']}: "
             + "; ".join(f"alpha={a:g}: slope {s:.4f} [{ci[0]:.4f}, {ci[1]:.4f}] "
                         f"(clean ||grad f||^2: {sc:.4f})" for a, s, ci, sc in per_alpha)
             + f"; pooled mean x sqrt(T) = {np.round(scaled, 2).tolist()}; diverged runs: "
             f"{int(tr.diverged.sum())}.")
    nT = Ts.size
    frame = pd.DataFrame({
        "T": np.repeat(Ts, alpha.size), "alpha": np.tile(alpha, nT),
        "run": np.tile(np.tile(np.arange(R), alphas.size), nT),
        "avg_perturbed_grad_sq": err.reshape(-1), "avg_grad_sq": clean.reshape(-1)})
    return Measurement("slope", s=Ts.astype(float), errors=err, frame=frame, xlabel="T",
                       ylabel="(1/T) sum_t E||grad f_p(x_t)||^2 (GSAM, alpha pooled)",
                       notes=notes, extra={"per_alpha": per_alpha, "scaled": scaled})


CLAIMS = [
    Claim(
        key="zhuang_2022.gsam.rate",
        paper=PAPER,
        theorem="Theorem 5.1 (nonconvex, eta_t = eta0/sqrt t, rho_t proportional to eta_t) "
                "[form R: THEORY.md §3.3]",
        statement="GSAM using a decaying learning rate eta_t and a perturbation amplitude rho_t "
                  "proportional to eta_t satisfies (1/T) sum_{t=1}^T E||grad f_p^(t)(w_t)||^2 "
                  "<= (C1 + C2 log T)/sqrt(T) for positive constants C1, C2 (quoted via "
                  "Harada & Iiduka 2024; the form with eta0/sqrt t is recalled).",
        experiment="E9",
        theory="running average ~ 2 (beta d sigma^2 eta0 / 2) / sqrt(T) + O(log T / T) "
               "(stationary noise level beta d sigma^2 eta_t / 2 averaged over t; the 1/T "
               "transient and rho_t^2 beta^2 ~ 1/t terms steepen the slope below -1/2 at "
               "finite T) [D]",
        predicted=-0.5,
        tol=0.1,
        tol_reason="THEORY.md E9: slope in [-0.6, -0.4] (room for the log factor). Derived: "
                   "the slope tends to -1/2 from below, pulled down by O(1/T) transient and "
                   "O(log T/T) rho^2 terms. Study (100 runs per alpha, paper_notes.md): "
                   "-0.541 on T=250..4000, -0.5305 on 1e3..6.4e4; alpha changes the slope by "
                   "< 0.002; CI half-width ~0.003. eta0 = 0.25 (not used) gives -0.61 on "
                   "T=250..4000, rho0 = 0.1 gives -0.526: the tolerance holds only in the "
                   "pre-asymptotic window these parameters reach, see notes.",
        scenario=gsam_rate,
        sizes=SIZES,
        max_width=0.1,
    ),
]
