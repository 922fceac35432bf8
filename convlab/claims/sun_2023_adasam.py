r"""Sun et al. (2023), *AdaSAM: Boosting Sharpness-Aware Minimization with Adaptive Learning
Rate and Momentum for Training Deep Neural Networks* (arXiv:2303.00565; THEORY.md §2.5,
§2.6, §3.5, E11), and its baseline AMSGrad (AdaSAM with ρ = 0).

Abstract [Q]: "AdaSAM admits a :math:`O(1/\sqrt{bT})` convergence rate, which achieves linear
speedup property with respect to mini-batch size b" for :math:`\frac1T\sum_{t<T}\mathbb
E\|\nabla f(x_t)\|^2` (stochastic nonconvex, :math:`\|\nabla f_i\|_\infty\le G`), with
:math:`\gamma=\Theta(\sqrt{b/T})`, :math:`\rho=\Theta(1/\sqrt{bT})` [R]; "we bound them by
showing the adaptive learning rate has a limited range" (:math:`1/G\le1/\sqrt{\hat v}\le
1/\epsilon`).

Setting (all claims): :math:`f=\sum_{i=1}^{20}\phi(x_i)`, φ the Huber function with slope
G = 1 and curvature λ = 1 (quadratic for :math:`|u|\le G/\lambda`, gradient exactly ±G
beyond: bounded gradients, L = 1), Rademacher noise σ = 0.05 per coordinate and sample
(N2), the theorem's parameters :math:`\gamma=\sqrt{b/T}`, :math:`\rho=c_\rho/\sqrt{bT}` with
:math:`c_\rho=25\sigma\sqrt d/\lambda` (so the ascent's size relative to the batch noise,
:math:`r=\lambda\rho/(\sigma_b\sqrt d)=25/\sqrt T`, matters: 0.5 at T = 2500), ε = 1e-8.

Two regimes, each with a derived prediction (:mod:`convlab.theory.adasam`):

* from the minimiser, :math:`\hat v` follows the noise (it rises from ε² through the
  warm-up): the metric is the second moment of a linear system run forward
  (:func:`~convlab.theory.adasam_warmup_level`). Same-batch SAM only rescales the gradient
  (:math:`g=s(1+\lambda\rho/\|s\|)`) and the adaptive step undoes that, so AdaSAM is close to
  AMSGrad here; an ascent on an independent batch adds uncorrelated noise and lowers the
  metric by ~20–30% (rate_T, speedup_small_eps).
* from a start on the Huber plateau, gradients ±G for 800 steps fill :math:`\hat v` with
  :math:`G^2+\sigma_b^2`; the running max keeps it there, so in the bowl the step is pinned
  at its lower limit :math:`\gamma/\sqrt{G^2+\sigma_b^2}` and SAM's rescaling is no longer
  undone (:func:`~convlab.theory.adasam_pinned_floor`): the late floor is derived without
  free constants (limited_range_speedup, amsgrad.limited_range).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import optimizers, oracles, problems, run, theory, worst
from ..plotting import Plot
from ..problems.separable import Term
from ..tightness import Tightness
from .base import Bound, Measurement, Paper, Ratio
from .spec import Sweep, tidy

SUN = Paper(
    "sun_2023_adasam", "Sun et al. 2023 (AdaSAM), arXiv:2303.00565", experiment="E11",
    algorithm=optimizers.adasam,
    theorem="abstract (seeds 000/001): stochastic nonconvex, O(1/sqrt(bT)), linear speedup in "
            "b; parameters gamma = Theta(sqrt(b/T)), rho = Theta(1/sqrt(bT)) [R: THEORY.md §3.5]",
    statement="'We theoretically show that AdaSAM admits a O(1/sqrt(bT)) convergence rate, which "
              "achieves linear speedup property with respect to mini-batch size b' (abstract, "
              "seed 001), for (1/T) sum_{t<T} E||grad f(x_t)||^2 in the stochastic nonconvex "
              "setting; the adaptive learning rate 'has a limited range' (1/G <= 1/sqrt(v_hat) "
              "<= 1/eps).")

G, LAM, DIM, SIGMA, EPS = 1.0, 1.0, 20, 0.05, 1e-8
C_RHO = 25 * SIGMA * np.sqrt(DIM) / LAM          # r = lam rho / (sigma_b sqrt d) = 25 / sqrt(T)
BETAS = {"adaptive": (0.9, 0.999), "pinned": (0.9, 0.99)}


@lru_cache(maxsize=8)
def huber(slope: float = G, lam: float = LAM, dim: int = DIM) -> problems.Problem:
    """:math:`\\sum_i\\phi(x_i)`, φ Huber: :math:`\\lambda u^2/2` for :math:`|u|\\le k=G/\\lambda`,
    :math:`G|u|-Gk/2` beyond (gradient :math:`\\mathrm{clip}(\\lambda u,\\pm G)`)."""
    k = slope / lam
    term = Term(
        f"huber(G={slope:g}, lam={lam:g})",
        lambda u: np.where(np.abs(u) <= k, 0.5 * lam * u * u, slope * np.abs(u) - 0.5 * slope * k),
        lambda u: np.clip(lam * u, -slope, slope),
        lambda u: np.where(np.abs(u) < k, lam, 0.0),
        curv_max=lam, curv_min=0.0, u_star=0.0, phi_star=0.0)
    return problems.separable(term, dim=dim)


def _hyper(b, T, regime: str = "adaptive", rho: bool = True) -> dict:
    """The theorem's parameters gamma = sqrt(b/T), rho = C_RHO/sqrt(bT) (none for AMSGrad)."""
    b1, b2 = BETAS[regime]
    kw = {"lr": np.sqrt(b / T), "beta1": b1, "beta2": b2, "eps": EPS}
    return {**kw, "rho": C_RHO / np.sqrt(b * T)} if rho else kw


@lru_cache(maxsize=64)
def _warmup(b: float, T: float) -> float:
    """The derived metric of AdaSAM from x0 = 0 (theory.adasam_warmup_level)."""
    kw = _hyper(b, T)
    return theory.adasam_warmup_level(kw["lr"], int(T), LAM, kw["rho"], SIGMA, int(b), DIM,
                                      kw["beta1"], kw["beta2"], EPS)


def _adaptive(over: str) -> Sweep:
    """AdaSAM from the minimiser at the theorem's parameters, the metric / its derived value,
    over the batch size (T fixed) or over T (b = 1, each run at its own horizon)."""
    by_b = over == "b"
    return Sweep(problem=huber, over=over, x0=0.0, metric="avg_grad_sq", per_value=by_b,
                 params=(lambda v, sp: _hyper(v, sp["T"])) if by_b else
                 (lambda T, sp: _hyper(sp["b"], T)),
                 oracle=lambda p, v, sp: oracles.rademacher(
                     p, SIGMA, batch_size=int(v) if by_b else sp["b"]),
                 reference=(lambda v, sp: _warmup(float(v), float(sp["T"]))) if by_b else
                 (lambda T, sp: np.vectorize(_warmup)(float(sp["b"]), T)))


def _pinned(over: str, with_rho: bool):
    """Start on the Huber plateau, far enough for ``sp["plateau"]`` steps at gradient ±G (the
    mean-field speed of the warm-up, gamma (1-b1^k)/sqrt(1-b2^k)); read E||grad f||^2 over the
    last ``sp["window"]`` steps; divide by the pinned floor (theory.adasam_pinned_floor with
    V = G^2 + sigma_b^2). Swept over b (slope G) or over the slope G (b = 1)."""
    def scenario(sp, rng, algorithm):
        gen = np.random.default_rng(rng)
        T, R, n1, W = int(sp["T"]), int(sp["runs"]), int(sp["plateau"]), int(sp["window"])
        values = np.asarray(sp[over], float)
        k = np.arange(1, n1 + 1)
        out, ref = [], []
        for v in values:
            slope, b = (v, 1) if over == "G" else (G, int(v))
            kw = _hyper(b, T, "pinned", with_rho)
            sb2 = SIGMA**2 / b
            speed = (1 - kw["beta1"] ** k) / np.sqrt(1 - kw["beta2"] ** k)
            x0 = slope / LAM + kw["lr"] * speed.sum() * slope / np.sqrt(slope**2 + sb2)
            p = huber(slope)
            tr = run(p, algorithm(**kw), np.full((R, DIM), x0), T,
                     oracle=oracles.rademacher(p, SIGMA, batch_size=b), rng=gen,
                     record_at=np.arange(T - W, T + 1, 5), metrics=["grad_sq"])
            out.append(tr["grad_sq"].mean(axis=0))
            ref.append(theory.adasam_pinned_floor(kw["lr"], slope**2 + sb2, LAM,
                                                  kw.get("rho", 0.0), SIGMA, b, DIM,
                                                  kw["beta1"]))
        out, ref = np.array(out), np.array(ref)
        ratio = out / ref[:, None]
        scale = np.sqrt(values * T) if over == "b" else values
        frame = tidy(**{over: np.repeat(values, R), "run": np.tile(np.arange(R), values.size),
                        "floor": out, "reference": np.repeat(ref, R)})
        notes = (f"late floor E||grad f||^2 = {np.array2string(out.mean(1), precision=4)} for "
                 f"{over} = {values.tolist()} ({R} runs); x {'sqrt(bT)' if over == 'b' else 'G'}"
                 f" = {np.round(out.mean(1) * scale, 4).tolist()}; measured / derived = "
                 f"{np.round(ratio.mean(1), 4).tolist()}.")
        return Measurement(s=values, values=ratio, frame=frame, notes=notes)
    return scenario


R_NOTE = ("Derived (THEORY.md §3.5 structure: a gamma sigma^2-term plus the warm-up of v_hat "
          "from eps^2): the second moments of the linearised AdaSAM run forward with the "
          "mean-field step gamma/sqrt(v_hat_t); same-batch ascent = the gradient times "
          "1 + lam rho/||s||, r = 25/sqrt(T). Exact up to the fluctuations of v_t (b > 1) and "
          "O(eta lam) terms of the ascent's norm. ")
PIN_NOTE = ("Derived, no free constant: after 800 plateau steps v_hat = G^2 + sigma_b^2 "
            "(converged to 3e-4 with beta2 = 0.99; its max over EMA fluctuations adds "
            "<~ 0.5% for sigma_b/G <= 0.05), then the step is gamma/sqrt(v_hat) and the floor "
            "is the stationary variance of the linear system (curvature kappa lam, noise q of "
            "the same-batch ascent), solved exactly (Lyapunov). beta2 = 0.99 (memory 100 steps) "
            "so that the plateau fills v_hat within T = 2400; the theorem allows any beta2 "
            "(beta1 < sqrt(beta2)). ")

CLAIMS = [
    SUN.claim(
        "adasam.rate_T",
        theory="(1/T) sum E||grad f||^2 = theory.adasam_warmup_level at b = 1, gamma = 1/sqrt(T), "
               "rho = C_rho/sqrt(T): -> K/sqrt(T) (the gamma-term, K = d lam sigma/2 = 0.5 times "
               "(1 + r)/kappa ~ 1) plus a warm-up excess ~ 1/T, so the local slope is ~ -0.7",
        expect=Ratio(1.0, tol=0.05, max_width=0.1, seeds=(100, 101, 102), why=R_NOTE + (
            "Study, seeds 100-102: small (50 runs) measured / derived 0.997-1.006, 1.002-1.003, "
            "1.002 at T = 500, 2000, 8000 (CI half-width <= 0.009); full (200 runs) 1.001-1.008, "
            "1.002-1.004, 0.997-1.000 and 0.994 at T = 32000 (half-width <= 0.005). Largest "
            "bias 0.8%: tol 0.05 is 6x it; the independent-batch ascent sits at 0.69 (T = 500), "
            "AMSGrad (rho = 0) at 0.95-0.99 (not rejected: see finding).")),
        scenario=_adaptive("T"), rejects=("adasam.ascent_swapped",),
        sizes={"small": {"T": [500, 2000, 8000], "b": 1, "runs": 50},
               "full": {"T": [500, 2000, 8000, 32000], "b": 1, "runs": 200}},
        plot=Plot("T", "(1/T) sum E||grad f||^2 / derived (b = 1, eps = 1e-8)"),
        finding="The O(1/sqrt(T)) rate holds with the derived constant, and the metric falls "
                "faster at these T (x sqrt(T) = 1.02, 0.69, 0.55 at T = 500, 2000, 8000) because "
                "the warm-up of v_hat from eps^2 adds ~1/T. Same-batch AdaSAM stays within 1-5% of "
                "AMSGrad here: its ascent multiplies the gradient by 1 + lam rho/||s||, which the "
                "adaptive step divides out; only a pinned step (limited_range_speedup) lets "
                "rho act."),
    SUN.claim(
        "adasam.speedup_small_eps",
        theorem=SUN.defaults["theorem"] + "; eps = 1e-8 (the usual Adam/AMSGrad value)",
        theory="(1/T) sum E||grad f||^2 = theory.adasam_warmup_level at T = 2000 for each b: "
               "sqrt(v_hat) ~ sigma_b (1 + r), the step gamma/sqrt(v_hat) ~ b/sqrt(T), so the "
               "stationary level ~ d lam gamma sigma_b / 2 does not fall with b (slope ~0, and "
               "up at b = 64 where eta lam ~ 28 nears the momentum stability edge)",
        expect=Ratio(1.0, tol=0.05, max_width=0.1, seeds=(100, 101, 102), why=R_NOTE + (
            "Study, seeds 100-102: small (T = 2000, 50 runs) measured / derived 1.001-1.002, "
            "0.997-1.001, 0.988-0.990, 0.995-0.996 at b = 1, 4, 16, 64 (CI half-width <= "
            "0.006); full (T = 4000, 200 runs) 1.001-1.002, 0.995-0.996, 0.987-0.988, 0.997-"
            "0.998 (<= 0.0025). Largest bias 1.3% (b = 16: v_t fluctuates, its max sits above "
            "the mean-field v); tol 0.05 is 4x it. The independent-batch ascent is at 0.72 "
            "(b = 1) ... 0.96 (b = 64); AMSGrad at 0.94-0.95.")),
        scenario=_adaptive("b"), rejects=("adasam.ascent_swapped",),
        sizes={"small": {"T": 2000, "b": [1, 4, 16, 64], "runs": 50},
               "full": {"T": 4000, "b": [1, 4, 16, 64], "runs": 200}},
        plot=Plot("batch size b", "(1/T) sum E||grad f||^2 / derived (eps = 1e-8)"),
        finding="No linear speedup at the prescribed gamma = sqrt(b/T) with eps = 1e-8: the "
                "derived and measured metric x sqrt(bT) is 0.69, 1.14, 2.15, 7.4 for b = 1, 4, "
                "16, 64 (T = 2000; metric 0.0095, 0.0080, 0.0067, 0.0068 at T = 4000), i.e. the "
                "metric is nearly flat in b and even rises at T = 2000, b = 64, because v_hat "
                "follows the batch noise sigma^2/b and the effective step gamma/sqrt(v_hat) "
                "grows like b. Not a contradiction of the theorem (its constants scale with "
                "1/eps); the speedup needs the adaptive step at a b-independent level, as in "
                "limited_range_speedup."),
    SUN.claim(
        "adasam.limited_range_speedup",
        theory="After the plateau v_hat = G^2 + sigma_b^2 (running max), the step is pinned at "
               "gamma/sqrt(G^2 + sigma_b^2) ~ gamma/G (the limited range's lower end) and the "
               "late floor is theory.adasam_pinned_floor ~ d lam gamma q/(2 kappa G) with q ~ "
               "sigma_b^2 (1 + r)^2, kappa ~ 1 + r: prop. to 1/sqrt(bT) (linear speedup) and to "
               "(1 + r) (the same-batch ascent)",
        expect=Ratio(1.0, tol=0.05, max_width=0.1, seeds=(100, 101, 102), why=PIN_NOTE + (
            "Study, seeds 100-102: small (80 runs) measured / derived 0.989-1.008 over b = 1, "
            "4, 16, 64 (CI half-width <= 0.016); full (200 runs, b up to 256) 0.991-1.007 "
            "(<= 0.0098). Largest bias 1%: tol 0.05 is 5x it. Rivals (small, seeds 0-5): "
            "rho = 0 at 0.64-0.66, independent-batch ascent at 0.54-0.55, no running max at 52.")),
        scenario=_pinned("b", True), rejects=("adasam.no_max", "adasam.rho0",
                                              "adasam.ascent_swapped"),
        sizes={"small": {"T": 2400, "plateau": 800, "window": 800, "b": [1, 4, 16, 64],
                         "runs": 80},
               "full": {"T": 2400, "plateau": 800, "window": 800, "b": [1, 4, 16, 64, 256],
                        "runs": 200}},
        plot=Plot("batch size b", "late E||grad f||^2 / derived pinned floor"),
        finding="With the step pinned by the running max the linear speedup shows in the floor "
                "(floor x sqrt(bT) = 0.038, 0.038, 0.038, 0.037 for b = 1, 4, 16, 64), and "
                "rho acts through the same-batch ascent: the floor is 1.54x AMSGrad's at "
                "r = 0.51 (an independent batch would give 0.85x). Without the max the step "
                "re-adapts to the noise and the floor is up to 52x higher, with no speedup."),
    SUN.claim(
        "amsgrad.limited_range",
        algorithm=optimizers.amsgrad,
        theorem="THEORY.md §2.5/§2.6: AMSGrad (AdaSAM with rho = 0, the paper's baseline); "
                "v_hat_t = max(v_hat_{t-1}, v_t) is non-decreasing, so the effective step "
                "1/sqrt(v_hat) lies in [1/G, 1/eps] and never grows back",
        statement="'we bound them by showing the adaptive learning rate has a limited range' "
                  "(abstract, seed 001): 1/G <= 1/sqrt(v_hat) <= 1/eps, the running max of "
                  "AMSGrad (the base of AdaSAM) keeping the step at its smallest value so far.",
        theory="Start on a Huber plateau of slope G (b = 1): v_hat -> G^2 + sigma^2, then the "
               "max pins the step at gamma/sqrt(G^2 + sigma^2) in the bowl, where the gradients "
               "are ~ sigma: the floor is theory.adasam_pinned_floor(rho = 0) ~ d lam gamma "
               "sigma^2 / (2 G), proportional to 1/G; without the max, ~ d lam gamma sigma / 2",
        expect=Ratio(1.0, tol=0.05, max_width=0.1, seeds=(100, 101, 102), why=PIN_NOTE + (
            "Study, seeds 100-102: small (160 runs) measured / derived 0.985-0.990, 0.991-"
            "1.009, 1.006-1.019 at G = 0.5, 1, 2 (CI half-width <= 0.018, largest at G = 2 where "
            "the floor decorrelates slowest); full (400 runs) 0.986-0.991, 0.995-1.000, 0.991-"
            "1.000 (<= 0.012). The bias at G = 0.5 (-1.3%) is the running max of v_t over its EMA "
            "fluctuations (std 2 G sigma sqrt((1-b2)/(1+b2))/(G^2+sigma^2) = 1.4%); tol 0.05 is "
            "4x it. Without the max: 36x (the step re-adapts to the noise sigma).")),
        scenario=_pinned("G", False), rejects=("amsgrad.no_max",),
        sizes={"small": {"T": 2400, "plateau": 800, "window": 800, "G": [0.5, 1.0, 2.0],
                         "runs": 160},
               "full": {"T": 2400, "plateau": 800, "window": 800, "G": [0.5, 1.0, 2.0],
                        "runs": 400}},
        plot=Plot("plateau slope G", "late E||grad f||^2 / derived pinned floor (AMSGrad)")),
]


# --- round 3: the bound with its constants, and the limited range of AdaSAM's own step -------

BOUND_X0 = 2.0                       # on the Huber plateau: Delta = d (G x0 - G^2/(2 lam)) = 30


def adasam_bound(T: float, b: float, eps: float, *, lr: float, rho: float, beta1: float,
                 delta: float, L: float = LAM, G_true: float = G, H: float = G + SIGMA,
                 d: int = DIM) -> float:
    r"""Our bound on :math:`\frac1T\sum_{t<T}\mathbb E\|\nabla f(x_t)\|^2` for AdaSAM [D: the
    paper's constants are not retrievable, THEORY.md §3.5; derivation in paper_notes.md].

    Assumptions: f L-smooth with :math:`\|\nabla f\|_\infty\le G`, every (perturbed)
    stochastic gradient :math:`\|g_t\|_\infty\le H`, the ascent's bias
    :math:`\|\mathbb E_tg_t-\nabla f(x_t)\|\le L\rho` (same-batch, additive noise),
    :math:`\Delta = f(x_0)-f^\star`. With the running max the step
    :math:`\eta_t = 1/\sqrt{\hat v_t}` is non-increasing in
    :math:`[\eta_-,\eta_+] = [1/\max(H,\epsilon), 1/\epsilon]`. The descent lemma on
    :math:`z_t = x_t + \frac{\beta_1}{1-\beta_1}(x_t-x_{t-1})`, the delayed step
    :math:`\eta_{t-1}` against the fresh sample, and the telescoping
    :math:`\sum_t\|\eta_{t-1}-\eta_t\|_1\le d(\eta_+-\eta_-)` give

    .. math::
        \frac1T\sum_{t<T}\mathbb E\|\nabla f(x_t)\|^2 \le \frac2{\eta_-}\Big[
        \frac{\Delta}{\gamma T} + \frac{L^2\rho^2\eta_+}{2}
        + \frac{\gamma L d H^2\eta_+^2}{1-\beta_1}
        + \frac{G H d(\eta_+-\eta_-)}{(1-\beta_1)T}
        + \frac{\gamma L\beta_1^2 H^2 d(\eta_+-\eta_-)^2}{(1-\beta_1)^2T}\Big].

    The :math:`1/\epsilon^2` of the third term makes it vacuous at ε = 1e-8 (~1e16 γ).
    """
    e_hi, e_lo = 1.0 / eps, 1.0 / max(H, eps)
    span = e_hi - e_lo
    terms = (delta / (lr * T), 0.5 * L * L * rho * rho * e_hi,
             lr * L * d * H * H * e_hi**2 / (1 - beta1),
             G_true * H * d * span / ((1 - beta1) * T),
             lr * L * beta1**2 * H * H * d * span**2 / ((1 - beta1) ** 2 * T))
    return 2.0 / e_lo * float(sum(terms))


def bound_constants(sp: dict, rng, algorithm) -> Measurement:
    """(1/T) sum_{t<T} E||grad f(x_t)||^2 of AdaSAM at the theorem's parameters (b, T fixed)
    from x0 = 2 (on the Huber plateau), for each eps, against adasam_bound at that eps."""
    T, b = int(sp["T"]), int(sp["b"])

    def params(v, sp):
        return {**_hyper(b, T), "eps": float(v)}

    sweep = Sweep(problem=huber, over="eps", per_value=True, x0=BOUND_X0, metric="avg_grad_sq",
                  params=params, oracle=lambda p, sp: oracles.rademacher(p, SIGMA, batch_size=b),
                  bound=lambda values, sp: np.array([_bound_at(float(e), T, b) for e in values]))
    m = sweep(sp, rng, algorithm)
    slack = m.values.mean(axis=1) / m.bound
    m.notes += (f" Bound (ours, constants evaluated) per eps = "
                f"{np.array2string(m.bound, precision=4)}; slack measured/bound = "
                f"{np.array2string(slack, precision=3)}.")
    return m


def _bound_at(eps: float, T: int, b: int) -> float:
    kw = _hyper(b, T)
    delta = DIM * (G * BOUND_X0 - 0.5 * G * G / LAM)
    return adasam_bound(T, b, eps, lr=kw["lr"], rho=kw["rho"], beta1=kw["beta1"], delta=delta)



# bound_constants' tightness row (issue 15): at eps = 2, the claim's tightest point ----------
TIGHT_EPS = 2.0
BOUND_SMALL = {"T": 2000, "b": 1, "eps": [1e-8, 0.1, 0.3, 1.0, 2.0], "runs": 50}
BOUND_DELTA = DIM * (G * BOUND_X0 - 0.5 * G * G / LAM)          # 30
BOUND_SEARCH_RUNS, BOUND_CHECK_RUNS, BOUND_BUDGET = 8, 50, 30
_HI, _LO = "(1/eps)", "(1/Max(H, eps))"
BOUND_EXPR = (f"(2/{_LO})*(Delta/(gamma*T) + L**2*rho**2*{_HI}/2 "
              f"+ gamma*L*d*H**2*{_HI}**2/(1 - beta1) "
              f"+ G*H*d*({_HI} - {_LO})/((1 - beta1)*T) "
              f"+ gamma*L*beta1**2*H**2*d*({_HI} - {_LO})**2/((1 - beta1)**2*T))")


def _bound_values(sp: dict) -> dict:
    kw = _hyper(1, BOUND_SMALL["T"])
    return {"eps": TIGHT_EPS, "T": BOUND_SMALL["T"], "gamma": kw["lr"], "rho": kw["rho"],
            "beta1": kw["beta1"], "Delta": BOUND_DELTA, "L": LAM, "G": G, "H": G + SIGMA,
            "d": DIM}


def _bound_own(frame) -> float:
    return float(frame.loc[np.isclose(frame["eps"], TIGHT_EPS), "avg_grad_sq"].mean())


def _bound_typical(result) -> float:
    """The claim's value at eps = 2; NaN at another size (full runs T = 8000, another
    statistic than the row's T = 2000)."""
    return _bound_own(result.frame) if result.size == "small" else float("nan")


def _bound_family() -> worst.Family:
    """Huber sums inside the bound's class: slope G' <= G (||grad f||_inf <= G, and with the
    Rademacher noise ||g||_inf <= G' + sigma <= H), curvature lam' <= L, f(x_0) - f* = Delta
    = 30 carried by the first round(frac d) coordinates (the rest at the minimiser)."""
    def builder(q: np.ndarray) -> dict:
        slope, lam, m = float(q[0]), float(q[1]), max(1, round(float(q[2]) * DIM))
        p = huber(slope, lam)
        x0 = np.zeros(DIM)
        share = BOUND_DELTA / m                                    # phi(x0_i) = Delta / m
        x0[:m] = (math.sqrt(2 * share / lam) if share <= 0.5 * slope**2 / lam else
                  (share + 0.5 * slope**2 / lam) / slope)          # in the bowl / on the plateau
        return {"problem": p, "x0": x0,
                "make_oracle": lambda pr: oracles.rademacher(pr, SIGMA, batch_size=1)}

    return worst.Family("adasam_huber_class", ["G", "lam", "frac"],
                        [(0.05, G), (0.02, LAM), (0.0, 1.0)], builder)


def _bound_stat(runs: int, seed: int):
    """(1/T) sum_{t<T} E||grad f(x_t)||^2 of AdaSAM at the theorem's parameters, eps = 2."""
    T = BOUND_SMALL["T"]
    kw = {**_hyper(1, T), "eps": TIGHT_EPS}

    def stat(inst) -> float:
        x0 = np.broadcast_to(inst.x0, (runs, DIM))
        tr = run(inst.problem, optimizers.adasam(**kw), x0, T, oracle=inst.oracle(), rng=seed,
                 record_at=[T], metrics=["avg_grad_sq"], progress=False)
        return float(np.mean(tr.final("avg_grad_sq")))
    return stat


def _bound_search(gen: np.random.Generator) -> float:
    """max(the claim's own runs at seed 0, the worst class member found, re-estimated)."""
    own = _bound_own(bound_constants(BOUND_SMALL, 0, optimizers.adasam).frame)
    seeds = gen.integers(2**31, size=2)
    found = worst.search(_bound_stat(BOUND_SEARCH_RUNS, int(seeds[0])), _bound_family(),
                         BOUND_BUDGET, rng=gen)
    return max(own, _bound_stat(BOUND_CHECK_RUNS, int(seeds[1]))(found.instance))


BOUND_TIGHT = Tightness(
    statistic=f"(1/T) sum_(t<T) E||grad f(x_t)||^2, AdaSAM, eps = {TIGHT_EPS:g}, T = "
              f"{BOUND_SMALL['T']}, b = 1, gamma = 1/sqrt(T), rho = C_rho/sqrt(T), Delta = 30",
    bound=BOUND_EXPR, values=_bound_values,
    certify=None, search=_bound_search, typical=_bound_typical,
    bound_kind="derived [D] (adasam_bound; the paper's constants are not retrievable), a "
               "control claim; not certified: AdaSAM (momentum, running-max adaptive step, "
               "stochastic) is outside convlab.certify's PEP methods; searched over Huber "
               "sums of the bound's class (slope, curvature, how Delta is spread)")

CLAIMS += [
    SUN.claim(
        "adasam.bound_constants",
        theorem=SUN.defaults["theorem"] + "; the bound's structure G Delta/(gamma T) + gamma "
                "poly(G, 1/eps, L) + rho^2 poly(L, G, 1/eps) (THEORY.md §3.5, constants not "
                "retrievable) with constants we derive [D]",
        theory="adasam_bound: (2/eta_lo)[Delta/(gamma T) + L^2 rho^2 eta_hi/2 + gamma L d H^2 "
               "eta_hi^2/(1 - beta1) + G H d (eta_hi - eta_lo)/((1 - beta1) T) + gamma L beta1^2 "
               "H^2 d (eta_hi - eta_lo)^2/((1 - beta1)^2 T)], eta in [1/max(H, eps), 1/eps], "
               "H = G + sigma = 1.05, Delta = 30 (x0 = 2 on the plateau), gamma = 1/sqrt(T), rho "
               "= C_rho/sqrt(T), T = 2000, b = 1: 7.6 (eps = 2), 11.8 (1), 117 (0.3), 1.0e3 "
               "(0.1), 1.0e17 (1e-8)",
        expect=Bound(seeds=(100, 101, 102), why=(
            "A one-sided bound: the upper CI end of mean metric / bound must be <= 1 (tol 1e-12 "
            "absorbs rounding only). Study (seeds 100-102, 50 runs): slack measured/bound 0.18 "
            "(eps = 2: the adaptive step inert, eta = 1/eps), 0.061 (eps = 1), 0.0024 (0.3), "
            "1.6e-4 (0.1), 1.4e-18 (1e-8); the same at T = 8000 (0.178, 0.059, 0.0020, 1.2e-4).")),
        control=("machinery control for the derived constants: an upper bound with 1/eps and "
                 "1/eps^2 constants, loose by >= 5x at every eps: "
                 "every AdaSAM mutant of the catalogue (no max, rho = 0, independent ascent) "
                 "stays below it too (slack 0.18 at eps = 2 for all four); it checks that the "
                 "derived constants bound the run, not which rule the algorithm follows"),
        scenario=bound_constants,
        sizes={"small": {"T": 2000, "b": 1, "eps": [1e-8, 0.1, 0.3, 1.0, 2.0], "runs": 50},
               "full": {"T": 8000, "b": 1, "eps": [1e-8, 0.1, 0.3, 0.6, 1.0, 2.0],
                        "runs": 200}},
        plot=Plot("eps", "(1/T) sum E||grad f||^2 and the derived bound"),
        tightness=BOUND_TIGHT,
        finding="The derived bound holds with slack 0.18 at best (eps = 2, where AdaSAM is SAM "
                "with momentum and step gamma/eps) and is vacuous at the usual eps = 1e-8: its "
                "gamma L d H^2/eps^2 term alone is 1e17 at T = 2000 (the metric is 0.14), and "
                "making it < 1 would need T > 1e35. The rate O(1/sqrt(bT)) of the abstract is "
                "in the bound's shape (gamma = sqrt(b/T)), but its constants carry 1/eps^2."),
    SUN.claim(
        "adasam.limited_range",
        theorem="THEORY.md §2.6: 1/G <= eta_t = 1/sqrt(v_hat_t) <= 1/eps coordinate-wise, "
                "eta_t non-increasing (the running max); mirror of amsgrad.limited_range for "
                "AdaSAM itself (rho > 0, same-batch ascent) [D]",
        statement="'we bound them by showing the adaptive learning rate has a limited range' "
                  "(abstract, seed 001): 1/G <= 1/sqrt(v_hat) <= 1/eps, the running max keeping "
                  "AdaSAM's step at its smallest value so far.",
        theory="Start on a Huber plateau of slope G (b = 1): v_hat -> G^2 + sigma^2, then the max "
               "pins the step at gamma/sqrt(G^2 + sigma^2) in the bowl and the floor is "
               "theory.adasam_pinned_floor (rho = C_rho/sqrt(T), same-batch ascent) ~ d lam "
               "gamma q/(2 kappa G), proportional to 1/G; without the max the step re-adapts "
               "to the noise and the floor does not depend on G",
        expect=Ratio(1.0, tol=0.05, max_width=0.1, seeds=(100, 101, 102), why=PIN_NOTE + (
            "Study, seeds 100-102: small (160 runs) measured / derived 0.985-0.991, 0.992-"
            "1.006, 1.007-1.012 at G = 0.5, 1, 2 (CI half-width <= 0.016); full (400 runs, seed "
            "100) 0.990, 0.996, 0.995 (<= 0.009). The bias at G = 0.5 (-1.5%) is the running max "
            "over the EMA's fluctuations, as for AMSGrad; tol 0.05 is 3x it. Rivals (small, "
            "seed 0): no max 6.2, 12.3, 24.1 (the floor no longer falls like 1/G), rho = 0 "
            "0.64-0.66, independent-batch ascent 0.55.")),
        scenario=_pinned("G", True),
        rejects=("adasam.no_max", "adasam.rho0", "adasam.ascent_swapped"),
        sizes={"small": {"T": 2400, "plateau": 800, "window": 800, "G": [0.5, 1.0, 2.0],
                         "runs": 160},
               "full": {"T": 2400, "plateau": 800, "window": 800, "G": [0.5, 1.0, 2.0],
                        "runs": 400}},
        plot=Plot("plateau slope G", "late E||grad f||^2 / derived pinned floor (AdaSAM)")),
]
