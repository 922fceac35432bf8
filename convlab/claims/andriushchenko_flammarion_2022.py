r"""Andriushchenko & Flammarion (2022), *Towards Understanding Sharpness-Aware Minimization*
(ICML 2022, arXiv:2206.06232; THEORY.md §2.2, §3.2, §5 E8; paper_notes.md).

Theorem 2 (as recalled, THEORY.md §3.2 [R]): for β-smooth nonconvex f with bounded-variance
stochastic gradients, stochastic unnormalized SAM (USAM, same-batch ascent) with
:math:`\gamma = 1/(\beta\sqrt T)`, :math:`\rho = T^{-1/4}`
(:func:`convlab.theory.af_horizon_schedule`) has
:math:`\frac1T\sum_{t<T}\mathbb E\|\nabla f(x_t)\|^2 = O\big((\beta\Delta + \sigma^2)/\sqrt T\big)`.

An upper bound of order :math:`T^{-1/2}` cannot reject anything here: SGD with the same γ has
the same bound and the same rate (both terms are SGD's), so E8's slope −1/2 on
:math:`\sum\ln(1+x_i^2)` let ρ = 0, normalized and unnormalized SAM all pass. The claims
therefore measure the theorem's quantity on an instance where it is known **exactly** with
its constant: :math:`f = \frac\beta2x^2` (β = 2 as in E8; a member of the theorem's class),
bounded noise :math:`\pm\sigma` (Rademacher, σ = 1), same-batch ascent as the theorem
assumes, :math:`x_0 = 0.1`. There every variant is a random affine recursion (SAM while
:math:`|\beta x| < \sigma`), and :func:`convlab.theory.andriushchenko.af_avg_grad_sq` gives
:math:`\frac1T\sum_{t<T}\mathbb E f'(x_t)^2 = \frac{c\,\beta\Delta + c'\sigma^2}{\sqrt T}
(1 + o(1))` with the variant's own constants — the ρ-dependent part USAM and SAM add to SGD
(:math:`c' = 1+\rho\beta`, :math:`(1+\beta\rho/\sigma)^2`, :math:`1 + \beta^2\rho^2/\sigma^2`
for USAM, m-SAM, n-SAM) is 18–84% of the total at T = 1000..16000.
"""

from __future__ import annotations

import numpy as np

from .. import optimizers, oracles, problems, theory
from ..plotting import Plot
from ..theory import andriushchenko as aft
from .base import Paper, Ratio
from .spec import Sweep

BETA, SIGMA, X0 = 2.0, 1.0, 0.1
METRIC = "(1/T) sum_t E f'(x_t)^2 ({}) over its exact value"
THEOREM = ("Theorem 2 (stochastic nonconvex, USAM, gamma = 1/(beta sqrt T), rho = T^-1/4) "
           "[R: THEORY.md §3.2]")
STATEMENT = ("For beta-smooth (nonconvex) L with stochastic gradients of variance sigma^2, "
             "stochastic unnormalized SAM with step gamma = 1/(beta sqrt T) and radius "
             "rho = T^(-1/4) satisfies (1/T) sum_{t<T} E||grad L(w_t)||^2 = "
             "O((beta (L(w_0) - L*) + sigma^2)/sqrt T) (as recalled, THEORY.md §3.2; the "
             "authors' README [Q]: m-SAM 'converges ... to a critical point in theory, as we "
             "prove').")


def _params(p, T):
    """Theorem 2's gamma, rho for each run's horizon; same-batch ascent (the theorem's)."""
    lr, rho = theory.af_horizon_schedule(p.L, T)
    return {"lr": lr, "rho": rho, "ascent": "same"}


def _sweep(variant: str) -> Sweep:
    """One run per horizon T, read at its own T (all horizons in one convlab.run call),
    divided by the exact value of ``variant`` at that T."""
    def reference(T):
        u, inv = np.unique(T, return_inverse=True)
        return aft.af_avg_grad_sq(BETA, SIGMA, u, X0, variant)[inv]

    return Sweep(problem=lambda: problems.quadratic([BETA]), params=_params,
                 oracle=lambda p: oracles.rademacher(p, SIGMA), x0=X0, metric="avg_grad_sq",
                 reference=reference)


WHY = ("Exact value, so the tolerance covers Monte Carlo error only (plus the rare steps of "
       "SAM outside |beta x| < sigma, 5.9 sd away at T = 1000). Study at seeds 100-105, 200 "
       "runs: measured / exact {}, CI half-width <= 0.033 (T = 1000) and 0.018 (T = 16000); "
       "tol 0.1 = 3 x the widest half-width. The theorem's slope -1/2 follows from the exact "
       "value (x sqrt T: {}); E8's slope on sum ln(1 + x_i^2) (-0.49..-0.50) passed for "
       "every mutant, see the module docstring.")

AF = Paper(
    "andriushchenko_flammarion_2022", "Andriushchenko & Flammarion 2022 (ICML), arXiv:2206.06232",
    theorem=THEOREM, statement=STATEMENT, experiment="E8",
    sizes={"small": {"T": [1000, 4000, 16000], "runs": 200},
           "full": {"T": [1000, 4000, 16000, 64000], "runs": 1000}})

CLAIMS = [
    AF.claim(
        "usam.rate", algorithm=optimizers.usam, plot=Plot("T", METRIC.format("USAM")),
        theory="(1/T) sum_{t<T} E f'(x_t)^2 = theory.andriushchenko.af_avg_grad_sq(2, 1, T, "
               "0.1, 'usam'): sqrt(T) x it = 0.699, 0.644, 0.607 at T = 1e3, 4e3, 1.6e4 "
               "(-> beta x0^2 beta/2 + sigma^2/2 = 0.52 as rho -> 0, so slope -> -1/2)",
        expect=Ratio(1.0, tol=0.1, seeds=(100, 101, 102, 103, 104, 105), why=WHY.format(
            "0.987-1.027 (worst point)", "0.70 -> 0.61, slope -0.47 on 1e3..1.6e4 and -> -1/2")),
        scenario=_sweep("usam"),
        rejects=("usam.rho0", "usam.normalized", "usam.ascent_sign")),
    AF.claim(
        "sam.rate", algorithm=optimizers.sam, plot=Plot("T", METRIC.format("SAM")),
        theorem=THEOREM + "; applied to normalized SAM with the same schedule [D✓, THEORY.md "
                          "§3.2]",
        statement=STATEMENT + " Normalized SAM with the same schedule has no floor either, "
                              "since beta^2 rho^2 = beta^2 T^(-1/2) [D].",
        theory="(1/T) sum_{t<T} E f'(x_t)^2 = theory.andriushchenko.af_avg_grad_sq(2, 1, T, "
               "0.1, 'sam') (m-SAM: the descent noise xi + beta rho sign(xi)): sqrt(T) x it = "
               "0.939, 0.803, 0.714 at T = 1e3, 4e3, 1.6e4",
        expect=Ratio(1.0, tol=0.1, seeds=(100, 101, 102, 103, 104, 105), why=WHY.format(
            "0.986-1.031 (worst point)", "0.94 -> 0.71, slope -0.60 on 1e3..1.6e4 and -> -1/2")),
        scenario=_sweep("sam"),
        rejects=("sam.unnormalized", "sam.rho0", "sam.ascent_swapped", "sam.ascent_sign")),
]
