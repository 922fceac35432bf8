r"""Si & Yun (2023), *Practical Sharpness-Aware Minimization Cannot Converge All the Way to
Optima* (NeurIPS 2023, arXiv:2306.09850; seed 004; THEORY.md §3.1, §4.1–§4.3, §5 E1–E7;
paper_notes.md).

Only the abstract, the update rule and figure captions of the paper could be read, so every
``statement`` below quotes the abstract, while the constants, step-size prescriptions and
example functions are THEORY.md reconstructions [R] or **our own** derivations and
counterexamples [D✓] — none of the functions used here is Si & Yun's (their Figure-1
function :math:`(xy-1)^2` is not used in this module).

Deterministic SAM is :func:`convlab.optimizers.sam` with the exact oracle,
:math:`y_t = x_t + \rho\nabla f(x_t)/\|\nabla f(x_t)\|`, :math:`x_{t+1} = x_t - \eta\nabla f(y_t)`;
stochastic m-SAM uses the step's own sample for the ascent (``ascent="same"``), n-SAM an
independent one (``ascent="independent"``).

Claims
------
* ``si_yun_2023.sam.band_law`` (E1): constant-step SAM on a strongly convex quadratic ends on
  the 2-cycle :math:`\pm a v_1`, :math:`f - f^\star = \tfrac12\beta a^2`,
  :math:`a = \eta\beta\rho/(2-\eta\beta)` (our band law, THEORY.md §4.1).
* ``si_yun_2023.sam.tuned_rate`` (E2): with the horizon-tuned step :math:`\eta_T` the final gap
  decays like :math:`\ln^2 T/T^2` (the paper's :math:`\tilde\Theta(1/T^2)`).
* ``si_yun_2023.sam.tuned_band_ratio`` (E2): that final gap *is* the band value at
  :math:`\eta_T`.
* ``si_yun_2023.sam.constant_lr_plateau`` (E3): with a constant step the gap does not decay.
* ``si_yun_2023.usam.no_floor`` (E4): unnormalized SAM converges linearly, no floor.
* ``si_yun_2023.sam.nonconvex_floor`` / ``.nonconvex_floor_rho2`` (E5) and
  ``si_yun_2023.gd.nonconvex_control``: on our cosine trap SAM stops at a non-stationary point
  with :math:`\|\nabla f\| = 2\beta\rho/(3\pi)`; GD from the same start does not.
* ``si_yun_2023.sam.stochastic_floor_rho2_msam`` / ``_nsam``, ``.stochastic_floor_value``,
  ``.stochastic_floor_symmetric_control`` (E6): two-point skewed noise gives the floor
  :math:`\frac\mu2(2p-1)^2\rho^2` for m- and n-SAM; symmetric noise gives none.
* ``si_yun_2023.sam.stochastic_upper_bound`` (E7): our stationary upper bound holds.
* ``si_yun_2023.sam.finite_sum_floor``: on least squares with real component gradients the
  excess final gap of SAM over SGD (common random numbers) grows like :math:`\rho^2`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import optimizers, oracles, problems, rates, run, schedules, theory
from .base import Claim, Measurement, size_params

PAPER = "Si & Yun 2023 (NeurIPS), arXiv:2306.09850"

#: The abstract's sentences (THEORY.md §3.1 (ii), seed 004), quoted verbatim.
ABSTRACT_LIMITED = ("Perhaps surprisingly, in many scenarios, we find out that SAM has limited "
                    "capability to converge to global minima or stationary points.")
ABSTRACT_SC = ("For smooth strongly convex functions, we show that while deterministic SAM "
               "enjoys tight global convergence rates of $\\tilde\\Theta(1/T^2)$, the "
               "convergence bound of stochastic SAM suffers an inevitable additive term "
               "$O(\\rho^2)$, indicating convergence only up to neighborhoods of optima.")
ABSTRACT_ALL = ("In fact, such $O(\\rho^2)$ factors arise for stochastic SAM in all the settings "
                "we consider, and also for deterministic SAM in nonconvex cases; importantly, "
                "we prove by examples that such terms are unavoidable.")
ABSTRACT_CONTRAST = ("Our results highlight vastly different characteristics of SAM with vs. "
                     "without decaying perturbation size or gradient normalization, and suggest "
                     "that the intuitions gained from one version may not apply to the other.")

#: The strongly convex quadratic of THEORY.md §4.1 / E1–E4: d = 10, spectrum geomspace(1, 10).
EIGS = np.geomspace(1.0, 10.0, 10)


def _quadratics(n: int, gen: np.random.Generator) -> list[problems.Problem]:
    """``n`` Haar-rotated copies of the E1 quadratic, rotations drawn from ``gen``."""
    return [problems.quadratic(EIGS, rotate=gen) for _ in range(n)]


def _starts(gen: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """``n`` standard Gaussian starting points."""
    return gen.standard_normal((n, dim))


# ------------------------------------------------------------------------------------------
# E1: band law of deterministic SAM with a constant step
# ------------------------------------------------------------------------------------------

BAND_SIZES = {
    "small": {"T": 2000, "eta_beta": [0.2, 0.5, 0.9, 1.5], "rho": [0.01, 0.05, 0.1],
              "rotations": 4, "starts": 2},
    "full": {"T": 40000, "eta_beta": [0.2, 0.5, 0.9, 1.5], "rho": [0.01, 0.05, 0.1],
             "rotations": 4, "starts": 8},
}


def band_law(size: str, rng) -> Measurement:
    """f(x_T) / band value on the grid ηβ × ρ (per-run arrays), for several rotations.

    Each rotation is one :func:`convlab.run` holding the whole grid × starts; x_{T-1} and x_T
    come from a run to T-1 and one more step (for the 2-cycle check x_T + x_{T-1} ≈ 0).
    """
    sp = size_params(BAND_SIZES, size)
    gen = np.random.default_rng(rng)
    T, ns = int(sp["T"]), int(sp["starts"])
    eb, rh = np.meshgrid(np.asarray(sp["eta_beta"]), np.asarray(sp["rho"]), indexing="ij")
    eb, rh = eb.ravel(), rh.ravel()
    n_cfg = eb.size
    ratios, cycles, rows = [], [], []
    for k, p in enumerate(_quadratics(int(sp["rotations"]), gen)):
        lr = np.repeat(eb / p.L, ns)
        rho = np.repeat(rh, ns)
        opt = optimizers.sam(lr, rho)
        x0 = _starts(gen, lr.size, p.dim)
        prev = run(p, opt, x0, T - 1, record_at=[T - 1], metrics=["f_gap"])
        last = run(p, opt, prev.x, 1, record_at=[1], metrics=["f_gap"])
        band = theory.band_gap(lr, p.L, rho)
        r = last.final("f_gap") / band
        cyc = np.linalg.norm(last.x + prev.x, axis=1) / np.linalg.norm(last.x, axis=1)
        ratios.append(r.reshape(n_cfg, ns))
        cycles.append(cyc.reshape(n_cfg, ns))
        rows.append(pd.DataFrame({
            "rotation": k, "eta_beta": np.repeat(eb, ns), "rho": rho,
            "start": np.tile(np.arange(ns), n_cfg), "f_gap_T": last.final("f_gap"),
            "band_value": band, "ratio_f_over_band": r, "cycle_residual": cyc}))
    values = np.hstack(ratios)                       # (configurations, rotations * starts)
    cyc = np.hstack(cycles)
    dev = np.abs(values - 1.0)
    notes = (f"T={T}: max |f/band - 1| = {dev.max():.2e} over {values.size} runs "
             f"({n_cfg} (eta*beta, rho) configurations x {values.shape[1]} rotation/starts); "
             f"2-cycle: max ||x_T + x_(T-1)|| / ||x_T|| = {cyc.max():.2e}.")
    return Measurement("value", s=np.arange(n_cfg, dtype=float), values=values,
                       frame=pd.concat(rows, ignore_index=True),
                       xlabel="configuration index (eta*beta, rho), see frame",
                       ylabel="f(x_T) - f* over band value", notes=notes,
                       extra={"max_rel_dev": float(dev.max()), "max_cycle": float(cyc.max())})


# ------------------------------------------------------------------------------------------
# E2: horizon-tuned step, rate ln^2 T / T^2, and the band ratio at eta_T
# ------------------------------------------------------------------------------------------

TUNED_RHO = 0.05

TUNED_SIZES = {
    "small": {"T": [1000, 2000, 4000, 8000, 16000], "rotations": 2, "starts": 2},
    "full": {"T": [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000], "rotations": 4,
             "starts": 4},
}

TUNED_RATIO_SIZES = {
    "small": {"T": [250, 500, 1000, 2000, 4000, 8000], "rotations": 2, "starts": 2},
    "full": {"T": [250, 500, 1000, 2000, 4000, 8000], "rotations": 4, "starts": 8},
}


def _tuned_runs(Ts: np.ndarray, n_rot: int, ns: int, gen: np.random.Generator,
                normalized_delta: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """SAM with the horizon-tuned step of each run's own T, all T in one run per rotation.

    Returns the final gaps and band values, both (n_T, rotations * starts), the steps and
    the frame. With ``normalized_delta`` the starts are scaled to
    :math:`\\Delta = f(x_0) - f^\\star = \\beta^3\\rho^2/\\mu^2`, so that the log in
    :math:`\\eta_T` is exactly :math:`2\\ln T`.
    """
    nT = Ts.size
    gaps, bands, lrs, rows = [], [], [], []
    for k, p in enumerate(_quadratics(n_rot, gen)):
        u = _starts(gen, ns, p.dim)
        if normalized_delta:
            target = p.L**3 * TUNED_RHO**2 / p.mu**2
            u = u * np.sqrt(target / p.f(u))[:, None]
        x0 = np.tile(u, (nT, 1))                     # runs ordered (T, start)
        T_run = np.repeat(Ts, ns)
        delta = p.f(x0) - p.f_star
        lr = theory.horizon_tuned_lr(T_run, p.mu, p.L, TUNED_RHO, delta)
        tr = run(p, optimizers.sam(lr, TUNED_RHO), x0, int(Ts[-1]), record_at=Ts,
                 metrics=["f_gap"])
        own = tr.metrics["f_gap"][np.searchsorted(Ts, T_run), np.arange(T_run.size)]
        band = theory.band_gap(lr, p.L, TUNED_RHO)
        gaps.append(own.reshape(nT, ns))
        bands.append(band.reshape(nT, ns))
        lrs.append(lr.reshape(nT, ns))
        rows.append(pd.DataFrame({"rotation": k, "T": T_run, "start": np.tile(np.arange(ns), nT),
                                  "eta_T": lr, "delta": delta, "f_gap_T": own,
                                  "band_value": band, "ratio_f_over_band": own / band}))
    return np.hstack(gaps), np.hstack(bands), np.hstack(lrs), pd.concat(rows, ignore_index=True)


def tuned_rate(size: str, rng) -> Measurement:
    """Final gap at each horizon T with the horizon-tuned step, fitted against T with ln^2 T."""
    sp = size_params(TUNED_SIZES, size)
    gen = np.random.default_rng(rng)
    Ts = np.asarray(sp["T"], dtype=np.int64)
    gaps, bands, _, frame = _tuned_runs(Ts, int(sp["rotations"]), int(sp["starts"]), gen, True)
    raw = rates.fit_power_law(Ts, gaps)
    band_fit = rates.fit_power_law(Ts, bands, log_power=2)
    dev = float(np.max(np.abs(gaps / bands - 1.0)))
    notes = (f"T={Ts[0]}..{Ts[-1]}, Delta = beta^3 rho^2 / mu^2: raw slope (no log correction) "
             f"{raw.exponent:.4f} [{raw.ci[0]:.4f}, {raw.ci[1]:.4f}]; the band law at eta_T, "
             f"fitted the same way (ln^2), gives {band_fit.exponent:.4f}; "
             f"max |f/band(eta_T) - 1| = {dev:.1e}.")
    return Measurement("slope", s=Ts.astype(float), errors=gaps, frame=frame, xlabel="T",
                       ylabel="f(x_T) - f*  (eta tuned to T)", log_power=2.0, notes=notes,
                       extra={"raw_slope": raw.exponent, "raw_ci": raw.ci,
                              "band_slope": band_fit.exponent})


def tuned_band_ratio(size: str, rng) -> Measurement:
    """f(x_T) / band(eta_T) at each horizon, starts x0 ~ N(0, I) (THEORY.md E2)."""
    sp = size_params(TUNED_RATIO_SIZES, size)
    gen = np.random.default_rng(rng)
    Ts = np.asarray(sp["T"], dtype=np.int64)
    gaps, bands, _, frame = _tuned_runs(Ts, int(sp["rotations"]), int(sp["starts"]), gen,
                                        False)
    values = gaps / bands
    raw = rates.fit_power_law(Ts, gaps)
    notes = (f"T={Ts[0]}..{Ts[-1]}, x0 ~ N(0, I): max |f/band(eta_T) - 1| = "
             f"{np.max(np.abs(values - 1)):.1e}; raw log-log slope of the gap {raw.exponent:.4f} "
             f"[{raw.ci[0]:.4f}, {raw.ci[1]:.4f}] (THEORY.md E2 expects -2.15..-1.75).")
    return Measurement("value", s=Ts.astype(float), values=values, frame=frame, xlabel="T",
                       ylabel="f(x_T) - f* over band value at eta_T", notes=notes,
                       extra={"raw_slope": raw.exponent})


# ------------------------------------------------------------------------------------------
# E3: constant step, the gap plateaus at the band value
# ------------------------------------------------------------------------------------------

PLATEAU_SIZES = {
    "small": {"T": [1000, 4000], "rotations": 2, "starts": 4},
    "full": {"T": [1000, 4000, 16000], "rotations": 4, "starts": 8},
}


def constant_lr_plateau(size: str, rng) -> Measurement:
    """f(x_T) / band value at T and 4T with eta = 1/(2 beta), rho = 0.05."""
    sp = size_params(PLATEAU_SIZES, size)
    gen = np.random.default_rng(rng)
    Ts = np.asarray(sp["T"], dtype=np.int64)
    ns = int(sp["starts"])
    gaps, rows = [], []
    band = None
    for k, p in enumerate(_quadratics(int(sp["rotations"]), gen)):
        lr = 1.0 / (2.0 * p.L)
        band = float(theory.band_gap(lr, p.L, TUNED_RHO))
        tr = run(p, optimizers.sam(lr, TUNED_RHO), _starts(gen, ns, p.dim), int(Ts[-1]),
                 record_at=Ts, metrics=["f_gap"])
        g = tr.metrics["f_gap"]
        gaps.append(g)
        rows.append(pd.DataFrame({"rotation": k, "T": np.repeat(Ts, ns),
                                  "start": np.tile(np.arange(ns), Ts.size),
                                  "f_gap_T": g.reshape(-1), "band_value": band,
                                  "ratio_f_over_band": g.reshape(-1) / band}))
    gaps = np.hstack(gaps)
    values = gaps / band
    slope = rates.fit_power_law(Ts, gaps)
    notes = (f"eta = 1/(2 beta), rho = {TUNED_RHO}: band value {band:.7g}; max |f/band - 1| = "
             f"{np.max(np.abs(values - 1)):.1e}; log-log slope of the gap over T = "
             f"{Ts.tolist()}: {slope.exponent:.2e} (a plateau: slope 0).")
    return Measurement("value", s=Ts.astype(float), values=values,
                       frame=pd.concat(rows, ignore_index=True), xlabel="T",
                       ylabel="f(x_T) - f* over band value (constant eta)", notes=notes,
                       extra={"slope": slope.exponent})


# ------------------------------------------------------------------------------------------
# E4: USAM converges linearly (no floor)
# ------------------------------------------------------------------------------------------

USAM_SIZES = {
    "small": {"T": 400, "window": 100, "every": 5, "rotations": 2, "starts": 8},
    "full": {"T": 400, "window": 100, "every": 2, "rotations": 4, "starts": 32},
}
USAM_LR, USAM_RHO = 0.05, 0.05


def usam_no_floor(size: str, rng) -> Measurement:
    """Per-run semilog slope of f(x_t) over t in [window, T], divided by log of
    :func:`convlab.theory.usam_contraction` (ratio 1: the predicted linear rate); one point
    per rotation, the starts are its runs (the worst rotation decides)."""
    sp = size_params(USAM_SIZES, size)
    gen = np.random.default_rng(rng)
    T, ns = int(sp["T"]), int(sp["starts"])
    rec = np.arange(0, T + 1, int(sp["every"]))
    q = theory.usam_contraction(USAM_LR, EIGS, USAM_RHO)
    vals, rows = [], []
    for k, p in enumerate(_quadratics(int(sp["rotations"]), gen)):
        tr = run(p, optimizers.usam(USAM_LR, USAM_RHO), _starts(gen, ns, p.dim), T,
                 record_at=rec, metrics=["f_gap"])
        g = tr.metrics["f_gap"]
        win = rec >= int(sp["window"])
        for j in range(ns):
            fit = rates.fit_geometric(rec[win], g[win, j], n_boot=1)
            vals.append(fit.log_slope / np.log(q))
        rows.append(pd.DataFrame({"rotation": k, "t": np.repeat(rec, ns),
                                  "start": np.tile(np.arange(ns), rec.size),
                                  "f_gap": g.reshape(-1)}))
    values = np.asarray(vals).reshape(int(sp["rotations"]), ns)   # one point per rotation
    frame = pd.concat(rows, ignore_index=True)
    notes = (f"USAM eta={USAM_LR}, rho={USAM_RHO}, T={T}: predicted factor q = {q:.6f} per step "
             f"(log q = {np.log(q):.5f}); per-run fitted log-slope / log q over t >= "
             f"{sp['window']}: mean {values.mean():.5f}, min {values.min():.5f}, max "
             f"{values.max():.5f}; final gaps down to {frame.f_gap.min():.1e} (no floor).")
    return Measurement("value", s=np.arange(values.shape[0], dtype=float), values=values,
                       frame=frame, xlabel="rotation (mean over starts)",
                       ylabel="fitted log-rate / log usam_contraction", notes=notes,
                       extra={"q": q})


# ------------------------------------------------------------------------------------------
# E5: nonconvex floor on our cosine trap (THEORY.md §4.2)
# ------------------------------------------------------------------------------------------

TRAP_BETA = 1.0
GD_CONTROL_BOUND = 1e-9                              # GD: ||grad f|| / SAM floor
TRAP_SIZES = {
    "small": {"T": 500, "rho": [0.05, 0.1, 0.2, 0.4], "start_factors": [0.9, 0.8, 1.1, 1.2]},
    "full": {"T": 2000, "rho": [0.05, 0.1, 0.2, 0.4],
             "start_factors": [0.9, 0.75, 0.8, 0.85, 0.95, 1.05, 1.1, 1.2, 1.25]},
}


def _trap_runs(size: str, rng, optimizer: str) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """‖∇f(x_T)‖ of SAM (or GD) on the cosine trap, one problem per rho (the function depends
    on rho); starts x0 = -c rho for the start factors c (THEORY.md uses c = 0.9).

    Deterministic: ``rng`` is unused (kept for the scenario signature)."""
    sp = size_params(TRAP_SIZES, size)
    rhos = np.asarray(sp["rho"], dtype=float)
    fac = np.asarray(sp["start_factors"], dtype=float)
    T = int(sp["T"])
    eta = 0.5 / TRAP_BETA
    norms, xs = [], []
    for rho in rhos:
        p = problems.separable("cosine_trap", dim=1, beta=TRAP_BETA, rho=float(rho))
        opt = optimizers.sam(eta, float(rho)) if optimizer == "sam" else optimizers.sgd(eta)
        tr = run(p, opt, (-fac * rho)[:, None], T, record_at=[T], metrics=["grad_norm"])
        norms.append(tr.final("grad_norm"))
        xs.append(tr.x[:, 0])
    norms, xs = np.asarray(norms), np.asarray(xs)    # (n_rho, starts)
    pred = theory.cosine_trap_grad_norm(TRAP_BETA, rhos)
    frame = pd.DataFrame({"rho": np.repeat(rhos, fac.size), "x0_over_rho": np.tile(-fac, rhos.size),
                          "x_T_over_rho": (xs / rhos[:, None]).reshape(-1),
                          "grad_norm_T": norms.reshape(-1),
                          "predicted_2beta_rho_over_3pi": np.repeat(pred, fac.size),
                          "optimizer": optimizer})
    return rhos, norms, frame


def nonconvex_floor(size: str, rng) -> Measurement:
    """‖∇f(x_T)‖ / (2βρ/(3π)) for each rho and start."""
    rhos, norms, frame = _trap_runs(size, rng, "sam")
    values = norms / theory.cosine_trap_grad_norm(TRAP_BETA, rhos)[:, None]
    notes = (f"cosine trap (ours), beta={TRAP_BETA}, eta=0.5/beta: x_T/rho in "
             f"[{frame.x_T_over_rho.min():.15f}, {frame.x_T_over_rho.max():.15f}]; max |ratio - 1|"
             f" = {np.max(np.abs(values - 1)):.1e}.")
    return Measurement("value", s=rhos, values=values, frame=frame, xlabel="rho",
                       ylabel="||grad f(x_T)|| over 2 beta rho / (3 pi)", notes=notes)


def nonconvex_floor_rho2(size: str, rng) -> Measurement:
    """‖∇f(x_T)‖² against rho: slope 2."""
    rhos, norms, frame = _trap_runs(size, rng, "sam")
    return Measurement("slope", s=rhos, errors=norms**2, frame=frame, xlabel="rho",
                       ylabel="||grad f(x_T)||^2 (SAM, cosine trap)",
                       notes="slope of the squared gradient norm at SAM's limit point in rho.")


def gd_nonconvex_control(size: str, rng) -> Measurement:
    """GD (rho = 0) from the same starts: ‖∇f(x_T)‖ relative to SAM's floor, against 1e-9."""
    rhos, norms, frame = _trap_runs(size, rng, "gd")
    values = norms / theory.cosine_trap_grad_norm(TRAP_BETA, rhos)[:, None]
    notes = (f"GD ends at x_T/rho in [{frame.x_T_over_rho.min():.15f}, "
             f"{frame.x_T_over_rho.max():.15f}] (local min -4/3); max ||grad f(x_T)|| / SAM floor "
             f"= {values.max():.1e}.")
    return Measurement("bound", s=rhos, values=values, bound=np.full(rhos.size, GD_CONTROL_BOUND),
                       frame=frame, xlabel="rho",
                       ylabel="GD ||grad f(x_T)|| over 2 beta rho / (3 pi)", notes=notes)



# ------------------------------------------------------------------------------------------
# E6: stochastic floor with two-point skewed noise (THEORY.md §4.3)
# ------------------------------------------------------------------------------------------

TWO_POINT_A, TWO_POINT_P, STOCH_MU, STOCH_T0 = 0.1, 0.9, 1.0, 10.0
SYMMETRIC_FRACTION = 0.05                            # control: < 5% of the p = 0.9 floor

STOCH_SIZES = {
    "small": {"T": 10000, "runs": 500, "rho": [0.005, 0.01, 0.02, 0.04, 0.08]},
    "full": {"T": 20000, "runs": 4000, "rho": [0.005, 0.01, 0.02, 0.04, 0.08]},
}
STOCH_VALUE_SIZES = {
    "small": {"T": 10000, "runs": 500, "rho": [0.01, 0.02, 0.04, 0.08]},
    "full": {"T": 20000, "runs": 4000, "rho": [0.01, 0.02, 0.04, 0.08]},
}


def _two_point_runs(sp: dict, gen: np.random.Generator, ascent: str, prob: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stochastic SAM on f = x²/2 with two-point noise, eta_t = 1/(mu (t + 10)), x0 = 1, all
    rho in one run (per-run rho array). Returns rho, final gaps (n_rho, runs) and x_T."""
    p = problems.quadratic([STOCH_MU])
    orc = oracles.two_point(p, a=TWO_POINT_A, prob=prob)
    lr = schedules.inverse_power(1.0 / p.mu, power=1.0, offset=STOCH_T0)
    rhos = np.asarray(sp["rho"], dtype=float)
    R, T = int(sp["runs"]), int(sp["T"])
    rho = np.repeat(rhos, R)
    tr = run(p, optimizers.sam(lr, rho, ascent=ascent), np.ones((rho.size, 1)), T, oracle=orc,
             rng=gen, record_at=[T], metrics=["f_gap"])
    return rhos, tr.final("f_gap").reshape(rhos.size, R), tr.x[:, 0].reshape(rhos.size, R)


def _two_point_frame(rhos, gaps, xT, variant: str, prob: float) -> pd.DataFrame:
    """Tidy table of one two-point run: one row per (rho, run)."""
    R = gaps.shape[1]
    return pd.DataFrame({"variant": variant, "prob": prob, "rho": np.repeat(rhos, R),
                         "run": np.tile(np.arange(R), rhos.size), "f_gap_T": gaps.reshape(-1),
                         "x_T": xT.reshape(-1),
                         "predicted_floor": np.repeat(
                             theory.two_point_floor(STOCH_MU, rhos, TWO_POINT_P), R)})


def _stochastic_floor_rho2(ascent: str, variant: str):
    def scenario(size: str, rng) -> Measurement:
        sp = size_params(STOCH_SIZES, size)
        gen = np.random.default_rng(rng)
        rhos, gaps, xT = _two_point_runs(sp, gen, ascent, TWO_POINT_P)
        pred = theory.two_point_floor(STOCH_MU, rhos, TWO_POINT_P)
        xbar = xT.mean(axis=1) / theory.two_point_fixed_point(rhos, TWO_POINT_P)
        notes = (f"{variant}, T={sp['T']}, {sp['runs']} runs per rho: mean f / predicted floor = "
                 f"{np.round(gaps.mean(axis=1) / pred, 3).tolist()}; mean x_T / (-(2p-1) rho) = "
                 f"{np.round(xbar, 3).tolist()} for rho = {rhos.tolist()}.")
        return Measurement("slope", s=rhos, errors=gaps,
                           frame=_two_point_frame(rhos, gaps, xT, variant, TWO_POINT_P),
                           xlabel="rho", ylabel=f"E f(x_T) - f* ({variant}, two-point noise)",
                           notes=notes)

    scenario.__name__ = f"stochastic_floor_rho2_{variant.replace('-', '').lower()}"
    scenario.__doc__ = (f"E f(x_T) against rho for {variant} (ascent={ascent!r}) with two-point "
                        "skewed noise p=0.9: slope 2.")
    return scenario


def stochastic_floor_value(size: str, rng) -> Measurement:
    """E f(x_T) / (mu/2 (2p-1)^2 rho^2) for m-SAM and n-SAM, rho >= 0.01 (8 points)."""
    sp = size_params(STOCH_VALUE_SIZES, size)
    gen = np.random.default_rng(rng)
    vals, frames, labels = [], [], []
    for ascent, variant in (("same", "m-SAM"), ("independent", "n-SAM")):
        rhos, gaps, xT = _two_point_runs(sp, gen, ascent, TWO_POINT_P)
        vals.append(gaps / theory.two_point_floor(STOCH_MU, rhos, TWO_POINT_P)[:, None])
        frames.append(_two_point_frame(rhos, gaps, xT, variant, TWO_POINT_P))
        labels += [f"{variant} rho={r:g}" for r in rhos]
    values = np.vstack(vals)                         # (2 * n_rho, runs)
    means = values.mean(axis=1)
    notes = "mean f / predicted floor: " + ", ".join(
        f"{lab}: {m:.3f}" for lab, m in zip(labels, means, strict=True)) + f" (T={sp['T']})."
    s = np.concatenate([rhos, rhos * 1.08])          # n-SAM drawn slightly to the right
    return Measurement("value", s=s, values=values, frame=pd.concat(frames, ignore_index=True),
                       xlabel="rho (m-SAM; n-SAM shifted right by 8%)",
                       ylabel="E f(x_T) - f* over mu/2 (2p-1)^2 rho^2", notes=notes,
                       extra={"labels": labels})


def stochastic_floor_symmetric_control(size: str, rng) -> Measurement:
    """Symmetric two-point noise (p = 1/2): E f(x_T) against 5% of the p = 0.9 floor."""
    sp = size_params(STOCH_VALUE_SIZES, size)
    gen = np.random.default_rng(rng)
    vals, bounds, frames = [], [], []
    for ascent, variant in (("same", "m-SAM"), ("independent", "n-SAM")):
        rhos, gaps, xT = _two_point_runs(sp, gen, ascent, 0.5)
        vals.append(gaps)
        bounds.append(SYMMETRIC_FRACTION * theory.two_point_floor(STOCH_MU, rhos, TWO_POINT_P))
        frames.append(_two_point_frame(rhos, gaps, xT, variant, 0.5))
    values, bound = np.vstack(vals), np.concatenate(bounds)
    frac = values.mean(axis=1) / (bound / SYMMETRIC_FRACTION)
    notes = (f"p = 0.5, T={sp['T']}: E f(x_T) / (p=0.9 floor) = {np.round(frac, 4).tolist()} "
             f"(m-SAM then n-SAM, rho = {rhos.tolist()}); bound = {SYMMETRIC_FRACTION:.0%}.")
    return Measurement("bound", s=np.concatenate([rhos, rhos * 1.08]), values=values,
                       bound=bound, frame=pd.concat(frames, ignore_index=True),
                       xlabel="rho (m-SAM; n-SAM shifted right by 8%)",
                       ylabel="E f(x_T) - f*, symmetric noise", notes=notes)



# ------------------------------------------------------------------------------------------
# E7: stationary stochastic upper bound (THEORY.md §3.1.4, ours)
# ------------------------------------------------------------------------------------------

UB_SIGMA = 1.0                                       # per coordinate: total variance d sigma^2
UB_SIZES = {
    "small": {"T": 2000, "runs": 100, "k": [0, 1, 2, 3], "rho": [0.0, 0.02, 0.05]},
    "full": {"T": 5000, "runs": 500, "k": [0, 1, 2, 3, 4], "rho": [0.0, 0.02, 0.05]},
}


def stochastic_upper_bound(size: str, rng) -> Measurement:
    """E f(x_T) of stochastic SAM (m-SAM, Gaussian noise, x0 = x*) against
    :func:`convlab.theory.sam_stochastic_sc_bound` on the grid eta x rho (one run)."""
    sp = size_params(UB_SIZES, size)
    gen = np.random.default_rng(rng)
    p = _quadratics(1, gen)[0]
    etas = 1.0 / (4.0 * p.L) * 2.0 ** -np.asarray(sp["k"], dtype=float)
    E, Rh = np.meshgrid(etas, np.asarray(sp["rho"], dtype=float), indexing="ij")
    E, Rh = E.ravel(), Rh.ravel()
    R, T = int(sp["runs"]), int(sp["T"])
    tr = run(p, optimizers.sam(np.repeat(E, R), np.repeat(Rh, R)), np.zeros((E.size * R, p.dim)),
             T, oracle=oracles.gaussian(p, UB_SIGMA), rng=gen, record_at=[T],
             metrics=["f_gap"])
    values = tr.final("f_gap").reshape(E.size, R)
    sigma_sq = p.dim * UB_SIGMA**2
    bound = theory.sam_stochastic_sc_bound(E, p.L, p.mu, sigma_sq, Rh)
    ratio = values.mean(axis=1) / bound
    frame = pd.DataFrame({"eta": np.repeat(E, R), "rho": np.repeat(Rh, R),
                          "run": np.tile(np.arange(R), E.size), "f_gap_T": values.reshape(-1),
                          "bound": np.repeat(bound, R)})
    notes = (f"T={T}, sigma={UB_SIGMA} per coordinate (total variance {sigma_sq:g}), x0 = x*: "
             f"E f / bound in [{ratio.min():.4f}, {ratio.max():.4f}] over {E.size} (eta, rho) "
             "configurations (the bound is loose: SGD's stationary gap is about "
             "d eta sigma^2 / 4).")
    return Measurement("bound", s=np.arange(E.size, dtype=float), values=values, bound=bound,
                       frame=frame, xlabel="configuration index (eta, rho), see frame",
                       ylabel="E f(x_T) - f*", notes=notes)


# ------------------------------------------------------------------------------------------
# Finite sum: the rho^2 floor with real component gradients (STYLE.md §2)
# ------------------------------------------------------------------------------------------

FS_N, FS_DIM, FS_NOISE, FS_DATA_SEED = 20, 5, 1.0, 0
FS_SIZES = {
    "small": {"T": 20000, "runs": 128, "rho": [0.02, 0.04, 0.08]},
    "full": {"T": 160000, "runs": 256, "rho": [0.01, 0.02, 0.04, 0.08]},
}


def _fs_problem() -> problems.Problem:
    return problems.least_squares(n=FS_N, dim=FS_DIM, noise=FS_NOISE, rng=FS_DATA_SEED)


def finite_sum_floor_constant(p: problems.Problem) -> float:
    r"""Our small-rho prediction of the floor per rho² (THEORY-style derivation, notes):
    with residual signs :math:`s_i = \mathrm{sign}(a_i^\top x^\star - y_i)` fixed, m-SAM with
    b = 1 is SGD on targets :math:`y_i - \rho\|a_i\|s_i`, whose minimiser is
    :math:`x^\star - \rho H^{-1}v`, :math:`v = \frac1n\sum_i a_i\|a_i\|s_i`; the floor is
    :math:`\tfrac12\rho^2 v^\top H^{-1}v`."""
    n = p.n
    idx = np.arange(n)[:, None]
    X = np.tile(p.x_star, (n, 1))
    g = p.grad_i(X, idx)                             # a_i (a_i^T x* - y_i), (n, d)
    gn = np.linalg.norm(g, axis=1, keepdims=True)
    v_i = p.grad_i(X + g / gn, idx) - g              # H_i g_i/||g_i|| = a_i ||a_i|| s_i
    v = v_i.mean(axis=0)
    H = p.hess(p.x_star[None])[0]
    return float(0.5 * v @ np.linalg.solve(H, v))


def finite_sum_floor(size: str, rng) -> Measurement:
    """Excess final gap E[f(x_T^SAM) - f(x_T^SGD)] (same samples) against rho."""
    sp = size_params(FS_SIZES, size)
    gen = np.random.default_rng(rng)
    seed = int(gen.integers(2**63))                  # one stream, shared by SAM and SGD
    p = _fs_problem()
    lr = schedules.inverse_power(1.0 / p.mu, power=1.0, offset=2.0 * p.L_max / p.mu)
    rhos = np.asarray(sp["rho"], dtype=float)
    R, T = int(sp["runs"]), int(sp["T"])
    rho = np.repeat(rhos, R)
    x0 = np.tile(p.x_star, (rho.size, 1))
    orc = oracles.minibatch(p, 1, replace=True)   # b = 1: same law, cheaper draw
    sam_tr = run(p, optimizers.sam(lr, rho), x0, T, oracle=orc, rng=seed, record_at=[T],
                 metrics=["f_gap"])
    sgd_tr = run(p, optimizers.sgd(lr), x0, T, oracle=orc, rng=seed, record_at=[T],
                 metrics=["f_gap"])
    excess = (sam_tr.final("f_gap") - sgd_tr.final("f_gap")).reshape(rhos.size, R)
    C = finite_sum_floor_constant(p)
    frame = pd.DataFrame({"rho": rho, "run": np.tile(np.arange(R), rhos.size),
                          "f_gap_sam": sam_tr.final("f_gap"), "f_gap_sgd": sgd_tr.final("f_gap"),
                          "excess": excess.reshape(-1), "derived_floor": C * rho**2})
    ratio = np.round(excess.mean(axis=1) / (C * rhos**2), 3).tolist()
    notes = (f"least squares n={p.n}, d={p.dim}, noise={FS_NOISE}, data seed {FS_DATA_SEED}; "
             f"b=1, eta_t = 1/(mu (t + 2 L_max/mu)), x0 = x*, T={T}, {R} runs per rho; "
             f"mean excess / (C rho^2) = {ratio} with our C = v^T H^-1 v / 2 = {C:.4f}; "
             f"SGD's final gap {sgd_tr.final('f_gap').mean():.2e}.")
    return Measurement("slope", s=rhos, errors=excess, frame=frame, xlabel="rho",
                       ylabel="E f(x_T^SAM) - E f(x_T^SGD) (same samples)", notes=notes,
                       extra={"C": C})


# ------------------------------------------------------------------------------------------
# The claims
# ------------------------------------------------------------------------------------------

_OURS = "(our construction, not Si & Yun's function)"

CLAIMS = [
    Claim(
        key="si_yun_2023.sam.band_law",
        paper=PAPER,
        theorem="THEORY.md §3.1.1 / §4.1: exact band law of deterministic SAM on a strongly "
                "convex quadratic with constant step [D✓, ours]; mechanism behind the abstract",
        statement=ABSTRACT_LIMITED + " " + ABSTRACT_SC,
        experiment="E1",
        theory="f(x_T) - f* = beta/2 (eta beta rho / (2 - eta beta))^2 (theory.band_gap); "
               "x_T = -x_(T-1) = ±a v_1",
        predicted=1.0,
        tol=1e-9,
        tol_reason="Deterministic: the ratio converges geometrically to 1 (max |ratio - 1| = "
                   "3e-9 at T=500, 3e-15 at T=700, <= 4e-15 at T=1000..40000 over all 12 "
                   "configurations x 16 rotation/starts); 1e-9 is 1e6 x the rounding level and "
                   "tighter than THEORY.md's 1e-6.",
        scenario=band_law,
        sizes=BAND_SIZES,
        max_width=1e-6,
    ),
    Claim(
        key="si_yun_2023.sam.tuned_rate",
        paper=PAPER,
        theorem="abstract: deterministic SAM, smooth strongly convex, tight Theta~(1/T^2); "
                "horizon-tuned step of THEORY.md §3.1.1 [R, reconstructed]",
        statement=ABSTRACT_SC,
        experiment="E2",
        theory="f(x_T) - f* = band_gap(eta_T) ~ beta^3 rho^2 ln^2(mu^2 Delta T^2/(beta^3 rho^2))"
               " / (2 mu^2 T^2 (2 - eta_T beta)^2), eta_T = theory.horizon_tuned_lr",
        predicted=-2.0,
        tol=0.1,
        tol_reason="Starts scaled to Delta = beta^3 rho^2/mu^2 make the log in eta_T exactly "
                   "2 ln T, so the ln^2 T correction (log_power=2) is the right one; what is "
                   "left is the (2 - eta_T beta)^-2 factor of the band law, which biases the "
                   "fit by -0.046 on T=1e3..1.6e4 (small) and -0.025 on 1e3..1.28e5 (full) "
                   "(exact band law fitted the same way); the measured gaps equal the band law "
                   "to 1e-13, so the CI is ~0 wide; 0.1 = 2 x the largest bias. On THEORY's "
                   "T=250..8000 the bias is -0.13 (ln-corrected) / raw slope -1.85 to -1.88, "
                   "see notes.",
        scenario=tuned_rate,
        sizes=TUNED_SIZES,
        max_width=0.1,
    ),
    Claim(
        key="si_yun_2023.sam.tuned_band_ratio",
        paper=PAPER,
        theorem="THEORY.md §3.1.1 prediction 2: with the horizon-tuned step the final gap is "
                "the band value at eta_T [D✓, ours]",
        statement=ABSTRACT_SC,
        experiment="E2",
        theory="f(x_T) - f* = theory.band_gap(eta_T, beta, rho)",
        predicted=1.0,
        tol=1e-6,
        tol_reason="Deterministic; the transient is (1 - eta mu)^(2T)-small: max |ratio - 1| = "
                   "4e-13 (at T=250, eta clipped to 1/(2 beta)) and <= 1e-14 for T >= 500, "
                   "x0 ~ N(0, I); 1e-6 is 1e6 x that and 1000 x tighter than THEORY.md's 1e-3.",
        scenario=tuned_band_ratio,
        sizes=TUNED_RATIO_SIZES,
        max_width=1e-4,
    ),
    Claim(
        key="si_yun_2023.sam.constant_lr_plateau",
        paper=PAPER,
        theorem="THEORY.md §3.1.1 prediction 1 / §8 pitfall 1: constant-step SAM never "
                "converges on a strongly convex function [D✓, negative control for E2]",
        statement=ABSTRACT_LIMITED,
        experiment="E3",
        theory="f(x_T) - f* = band_gap(1/(2 beta), beta, rho) = 0.0013889 for rho = 0.05, "
               "independent of T (slope 0)",
        predicted=1.0,
        tol=1e-9,
        tol_reason="Deterministic; at eta beta = 1/2 the ratio is 1 to <= 4e-15 from T = 1000 "
                   "on (E1 study); 1e-9 as in E1 (THEORY.md: 1e-9).",
        scenario=constant_lr_plateau,
        sizes=PLATEAU_SIZES,
        max_width=1e-6,
    ),
    Claim(
        key="si_yun_2023.usam.no_floor",
        paper=PAPER,
        theorem="THEORY.md §3 toolkit / E4: unnormalized SAM on a strongly convex quadratic "
                "contracts linearly, factor max_i (1 - eta l_i (1 + rho l_i))^2 [D✓]",
        statement=ABSTRACT_CONTRAST,
        experiment="E4",
        theory="log f(x_t) ~ t log q, q = theory.usam_contraction(eta, eigs, rho) = 0.897756",
        predicted=1.0,
        tol=0.1,
        tol_reason="THEORY.md E4: semilog slope within 10%. Per-run fits over t in [100, 400] "
                   "(4 rotations x 32 starts): mean ratio 1.007, min 1.000, max 1.086; a start "
                   "with a small component on the slowest eigenvector decays faster (faster is "
                   "consistent with 'factor <= q'). Window [0, 400]: mean 1.037; [200, 400]: "
                   "1.001.",
        scenario=usam_no_floor,
        sizes=USAM_SIZES,
        max_width=0.1,
    ),
    Claim(
        key="si_yun_2023.sam.nonconvex_floor",
        paper=PAPER,
        theorem="abstract: O(rho^2) term unavoidable for deterministic SAM in nonconvex cases "
                "[Q existence]; example: cosine trap of THEORY.md §4.2 " + _OURS,
        statement=ABSTRACT_ALL,
        experiment="E5",
        theory="x_T -> -rho, ||grad f(x_T)|| = 2 beta rho / (3 pi) "
               "(theory.cosine_trap_grad_norm)",
        predicted=1.0,
        tol=1e-9,
        tol_reason="Deterministic fixed point with linear factor 1 - eta beta = 1/2: the ratio "
                   "is 1 to the last digit from T = 50 on (all starts -0.7 rho .. -1.3 rho); "
                   "1e-9 as in THEORY.md E5.",
        scenario=nonconvex_floor,
        sizes=TRAP_SIZES,
        max_width=1e-6,
    ),
    Claim(
        key="si_yun_2023.sam.nonconvex_floor_rho2",
        paper=PAPER,
        theorem="abstract: O(rho^2) floor for deterministic SAM, nonconvex; the floor of "
                "||grad f||^2 scales as beta^2 rho^2 on the cosine-trap family " + _OURS,
        statement=ABSTRACT_ALL,
        experiment="E5",
        theory="||grad f(x_T)||^2 = 4 beta^2 rho^2 / (9 pi^2)",
        predicted=2.0,
        tol=1e-6,
        tol_reason="Exact fixed points; slope 2 to ~1e-15 (THEORY.md E5: 2 ± 1e-6).",
        scenario=nonconvex_floor_rho2,
        sizes=TRAP_SIZES,
        max_width=1e-6,
    ),
    Claim(
        key="si_yun_2023.gd.nonconvex_control",
        paper=PAPER,
        theorem="THEORY.md §3.1.3 / E5 control: GD (rho = 0) from the same starts reaches a "
                "stationary point (local min -4 rho/3) of the cosine trap " + _OURS,
        statement=ABSTRACT_LIMITED,
        experiment="E5",
        theory="||grad f(x_T)|| = 0 for GD, i.e. <= 1e-9 x SAM's floor 2 beta rho/(3 pi)",
        predicted=1.0,
        tol=0.1,
        tol_reason="Rounding puts GD's final gradient at ~2 pi eps ~ 1e-15 of SAM's floor "
                   "(measured 1.1e-15); the bound 1e-9 leaves 1e6 x room; tol is slack on "
                   "that bound only.",
        scenario=gd_nonconvex_control,
        sizes=TRAP_SIZES,
        side="upper",
    ),
    Claim(
        key="si_yun_2023.sam.stochastic_floor_rho2_msam",
        paper=PAPER,
        theorem="abstract: stochastic SAM, strongly convex, inevitable O(rho^2) term [Q]; "
                "example: two-point skewed noise on mu/2 x^2, THEORY.md §4.3 " + _OURS,
        statement=ABSTRACT_SC,
        experiment="E6",
        theory="E f(x_T) - f* -> mu/2 (2p-1)^2 rho^2 (theory.two_point_floor), slope 2 in rho",
        predicted=2.0,
        tol=0.1,
        tol_reason="THEORY.md E6 (2 ± 0.1). Study (m-SAM, 500 runs): slope 1.75 at T=2500, "
                   "1.90 at 5000, 1.98 [1.95, 2.01] at 1e4, 1.98 at 2e4; the residual comes "
                   "from the 1/T variance and x0 transient that matter only at rho = 0.005.",
        scenario=_stochastic_floor_rho2("same", "m-SAM"),
        sizes=STOCH_SIZES,
    ),
    Claim(
        key="si_yun_2023.sam.stochastic_floor_rho2_nsam",
        paper=PAPER,
        theorem="abstract: O(rho^2) term for stochastic SAM, also n-SAM (independent ascent "
                "sample, as we recall the paper's n-SAM [R]); THEORY.md §4.3 " + _OURS,
        statement=ABSTRACT_SC + " " + ABSTRACT_ALL,
        experiment="E6",
        theory="E f(x_T) - f* -> mu/2 (2p-1)^2 rho^2, slope 2 in rho",
        predicted=2.0,
        tol=0.1,
        tol_reason="THEORY.md E6 (2 ± 0.1). Study (n-SAM, 500 runs): slope 1.73 at T=2500, "
                   "1.91 at 5000, 1.94 [1.91, 1.97] at 1e4, 1.98 at 2e4.",
        scenario=_stochastic_floor_rho2("independent", "n-SAM"),
        sizes=STOCH_SIZES,
    ),
    Claim(
        key="si_yun_2023.sam.stochastic_floor_value",
        paper=PAPER,
        theorem="THEORY.md §4.3: the floor value mu/2 (2p-1)^2 rho^2 for m-SAM and n-SAM "
                "[D✓, ours]",
        statement=ABSTRACT_SC,
        experiment="E6",
        theory="E f(x_T) - f* / (mu/2 (2p-1)^2 rho^2) -> 1 (rho >= 0.01)",
        predicted=1.0,
        tol=0.15,
        tol_reason="THEORY.md E6 ([0.85, 1.15] for rho >= 0.01). At finite T the ratio is "
                   "below 1 by the x0 transient x0 t0/T of the mean (worst at small rho) and "
                   "above by the 1/T variance: worst point 0.75 at T=2500, 0.84 at 5000, "
                   "0.91 at 1e4, 0.94 at 2e4 (500 runs).",
        scenario=stochastic_floor_value,
        sizes=STOCH_VALUE_SIZES,
    ),
    Claim(
        key="si_yun_2023.sam.stochastic_floor_symmetric_control",
        paper=PAPER,
        theorem="THEORY.md §3.1.4 / §8 pitfall 3: the rho^2 floor needs asymmetric noise; "
                "with symmetric two-point noise (p = 1/2) there is none [D✓, control]",
        statement=ABSTRACT_SC,
        experiment="E6",
        theory="E f(x_T) - f* = O(1/T) (no floor) <= 5% of mu/2 (0.8)^2 rho^2",
        predicted=1.0,
        tol=1e-6,
        tol_reason="THEORY.md E6 control (< 5% of the predicted floor, rho >= 0.01). The "
                   "symmetric gap is pure variance ~ (sigma^2 + rho^2)/(2T): fraction of the "
                   "floor at rho = 0.01: 0.078 at T=5000, 0.029 at 1e4, 0.011 at 2e4; tol "
                   "only guards rounding.",
        scenario=stochastic_floor_symmetric_control,
        sizes=STOCH_VALUE_SIZES,
        side="upper",
    ),
    Claim(
        key="si_yun_2023.sam.stochastic_upper_bound",
        paper=PAPER,
        theorem="THEORY.md §3.1.4 [D]: E f(x_T) - f* <= (1 - eta mu/2)^T Delta + beta eta "
                "sigma^2/mu + 3 beta^2 rho^2/(2 mu) for eta <= 1/(4 beta) (our constants; "
                "the paper's form: O~(1/T) + O(rho^2))",
        statement=ABSTRACT_SC,
        experiment="E7",
        theory="theory.sam_stochastic_sc_bound(eta, beta, mu, d sigma^2, rho) (x0 = x*, "
               "Delta = 0)",
        predicted=1.0,
        tol=1e-12,
        tol_reason="A one-sided bound checked at every configuration (THEORY.md E7: holds in "
                   "100% of configs). Worst E f / bound: 0.026 (T=500), 0.028 (T=1000, 2000, "
                   "4000; 200 runs), 0.028 at full size, so no slack is needed (tol only "
                   "guards rounding); the bound is ~36x loose.",
        scenario=stochastic_upper_bound,
        sizes=UB_SIZES,
        side="upper",
    ),
    Claim(
        key="si_yun_2023.sam.finite_sum_floor",
        paper=PAPER,
        theorem="abstract: O(rho^2) factors for stochastic SAM in all settings [Q]; finite "
                "sum with real component gradients (least squares, b = 1), STYLE.md §2",
        statement=ABSTRACT_ALL,
        experiment="",
        theory="E f(x_T^SAM) - E f(x_T^SGD) -> C rho^2, C = v^T H^-1 v/2 (ours, notes); "
               "finite T adds a term linear in rho of order rho/T",
        predicted=2.0,
        tol=0.1,
        tol_reason="Pre-asymptotic: excess = C rho^2 + O(rho/T) (the SAM shift correlates "
                   "with the sample noise), and the rho^2 law ends where residual signs flip "
                   "(rho ~ 0.1 with noise 1; ~0.05 with noise 0.5, which is why noise = 1). "
                   "Study, rho = 0.01..0.08, 256 runs: slope 1.77 (T=1e4), 1.91 (2e4), "
                   "1.90-1.95 (4e4), 1.98 (8e4), 2.00-2.02 (1.6e5, full); small "
                   "(rho = 0.02..0.08, T=2e4, 192 runs, 6 seeds): 1.87-2.05, mean 1.94, CI "
                   "half-width 0.1. 0.1 covers the remaining -0.06 bias at small size.",
        scenario=finite_sum_floor,
        sizes=FS_SIZES,
    ),
]
