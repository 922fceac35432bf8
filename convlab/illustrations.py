"""Scenarios behind the illustrative figures (no verdict): trajectories and sweeps.

These produce the data of figures a reader of the papers expects to see next to the
verdicts: iterates of GD / SAM / USAM / GSAM / SA-SAM on 2-D functions, and final error
and flatness over an lr x rho grid (one vectorised run per optimizer: every grid point is
a run with its own per-run hyperparameters).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import optimizers, problems, run, sharpness


def size_params(sizes: dict[str, dict[str, Any]], size: str) -> dict[str, Any]:
    """The parameters of ``size`` (a clear error for an unknown size)."""
    if size not in sizes:
        raise ValueError(f"size={size!r} is not one of {sorted(sizes)}")
    return sizes[size]

TRAJECTORY_SIZES = {"small": {"T": 400}, "full": {"T": 4000}}

#: 2-D functions and their starting points / step sizes.
TRAJECTORY_SETUPS: dict[str, dict[str, Any]] = {
    "xy_minus_one": {"x0": (3.0, 0.1), "lr": 0.01, "rho": 0.1, "usam_rho": 0.05,
                     "box": ((-0.5, 3.5), (-0.5, 3.5))},
    "rosenbrock": {"x0": (-1.2, 1.0), "lr": 1e-3, "rho": 0.05, "usam_rho": 1e-3,
                   "box": ((-1.6, 1.6), (-0.6, 1.6))},
    "cosine_trap_2d": {"x0": (-0.09, -0.06), "lr": 0.5, "rho": 0.1, "usam_rho": 0.5,
                       "box": ((-0.16, 0.06), (-0.16, 0.06))},
}


def _problem(name: str) -> problems.Problem:
    if name == "cosine_trap_2d":
        return problems.separable("cosine_trap", dim=2, beta=1.0, rho=0.1)
    return problems.get(name)


def trajectory_optimizers(setup: dict[str, Any]) -> dict[str, optimizers.Optimizer]:
    """GD, SAM, USAM, GSAM and SA-SAM with the setup's step sizes."""
    lr, rho = setup["lr"], setup["rho"]
    return {
        "GD": optimizers.sgd(lr),
        f"SAM (rho={rho:g})": optimizers.sam(lr, rho),
        f"USAM (rho={setup['usam_rho']:g})": optimizers.usam(lr, setup["usam_rho"]),
        f"GSAM (rho={rho:g}, alpha=0.4)": optimizers.gsam(lr, rho, 0.4),
        "SA-SAM (eta0=lr)": optimizers.sasam(lr),
    }


def trajectories(name: str, size: str = "small") -> pd.DataFrame:
    """Iterates of each optimizer on the 2-D function ``name`` (a key of
    :data:`TRAJECTORY_SETUPS`): columns ``optimizer, t, x, y, f, grad_norm``."""
    if name not in TRAJECTORY_SETUPS:
        raise ValueError(f"name={name!r} is not one of {sorted(TRAJECTORY_SETUPS)}")
    T = size_params(TRAJECTORY_SIZES, size)["T"]
    setup = TRAJECTORY_SETUPS[name]
    p = _problem(name)
    rows = []
    steps = np.unique(np.round(np.geomspace(1, T, 300)).astype(int))
    steps = np.concatenate([[0], steps])
    coords = {"x": lambda prob, s: s.x[:, 0], "y": lambda prob, s: s.x[:, 1]}
    for label, opt in trajectory_optimizers(setup).items():
        tr = run(p, opt, np.asarray(setup["x0"], float), T, record_at=steps,
                 metrics={**coords, "f": None, "grad_norm": None})
        rows.append(pd.DataFrame({"optimizer": label, "t": tr.t, "x": tr["x"][:, 0],
                                  "y": tr["y"][:, 0], "f": tr["f"][:, 0],
                                  "grad_norm": tr["grad_norm"][:, 0],
                                  "diverged": bool(tr.diverged[0])}))
    return pd.concat(rows, ignore_index=True)


SWEEP_SIZES = {"small": {"T": 2000, "n_lr": 5, "n_rho": 4},
               "full": {"T": 20000, "n_lr": 12, "n_rho": 10}}


def lr_rho_sweep(size: str = "small") -> pd.DataFrame:
    r"""Final loss and flatness (Tr H, lambda_max) over lr x rho for SGD, SAM, AdaSAM and
    SA-SAM on :math:`(xy-1)^2` from :math:`(3, 0.1)`: its minimisers form the manifold
    :math:`xy = 1` with :math:`\mathrm{Tr}\,H = 2(x^2+y^2)`, so where a run ends on it
    measures the implicit flatness bias (the flattest minimiser has Tr H = 4). SA-SAM has
    no rho: its column uses rho_t = sqrt(eta_t) and the lr axis is its eta0. Each optimizer
    is one run over the whole grid (per-run arrays).

    Columns: ``optimizer, lr, rho, f, trace_h, lambda_max, diverged``.
    """
    sp = size_params(SWEEP_SIZES, size)
    p = problems.xy_minus_one()
    lrs = np.geomspace(1e-3, 0.1, sp["n_lr"])
    rhos = np.geomspace(0.01, 0.3, sp["n_rho"])
    L, R = np.meshgrid(lrs, rhos, indexing="ij")
    lr, rho = L.ravel(), R.ravel()
    x0 = np.array([3.0, 0.1])
    opts = {"SGD": optimizers.sgd(lr), "SAM": optimizers.sam(lr, rho),
            "AdaSAM": optimizers.adasam(lr, rho, eps=1e-8),
            "SA-SAM": optimizers.sasam(lr)}
    frames = []
    for label, opt in opts.items():
        tr = run(p, opt, x0, sp["T"], runs=lr.size, record_at=[sp["T"]], metrics=["f"])
        frames.append(pd.DataFrame({
            "optimizer": label, "lr": lr, "rho": rho, "f": tr.final("f"),
            "trace_h": sharpness.hessian_trace(p, tr.x),
            "lambda_max": sharpness.lambda_max(p, tr.x), "diverged": tr.diverged}))
    return pd.concat(frames, ignore_index=True)


SASAM_SIZES = {"small": {"T": 2000}, "full": {"T": 20000}}


def sasam_steps(size: str = "small") -> pd.DataFrame:
    r"""SA-SAM's step :math:`\eta_t` and radius :math:`\rho_t = \sqrt{\eta_t}` over time, and
    the curvature :math:`\mathrm{Tr}\,H(x_t)` of SGD, SAM and SA-SAM along the way.

    Problems: the E1 quadratic (eigenvalues ``geomspace(1, 10, 10)``, rotated, x0 = 1;
    derived limit :math:`\eta_\infty = 1/(2L) = 0.05`, see ``naganuma_sasam.sasam.long_run``),
    logistic regression (n = 200, d = 5) and :math:`(xy-1)^2` from (3, 0.1), where SGD and SAM
    use lr = 0.01 (SAM rho = 0.05) and SA-SAM :math:`\eta_0` = 0.01.

    Columns: ``problem, optimizer, t, eta, rho, f_gap, trace_h`` (``eta``/``rho`` are NaN for
    SGD and SAM, whose step is constant; ``L`` of the problem in ``L``).
    """
    T = size_params(SASAM_SIZES, size)["T"]
    steps = np.concatenate([[0], np.unique(np.round(np.geomspace(1, T, 200)).astype(int))])
    setups = {
        "quadratic E1": (problems.quadratic(np.geomspace(1.0, 10.0, 10), rotate=0),
                         np.ones(10)),
        "logistic(n=200, d=5)": (problems.logistic(n=200, dim=5, rng=0), np.ones(5)),
        "(xy-1)^2": (problems.xy_minus_one(), np.array([3.0, 0.1])),
    }
    trace_h = {"trace_h": lambda prob, s: sharpness.hessian_trace(prob, s.x)}
    frames = []
    for name, (p, x0) in setups.items():
        opts = {"SA-SAM": optimizers.sasam(0.01)}
        if name == "(xy-1)^2":
            opts = {"SGD": optimizers.sgd(0.01), "SAM (rho=0.05)": optimizers.sam(0.01, 0.05),
                    **opts}
        for label, opt in opts.items():
            metrics: dict[str, Any] = {"f_gap": None, **trace_h}
            if label == "SA-SAM":
                metrics["state.eta"] = None
            tr = run(p, opt, x0, T, record_at=steps, metrics=metrics)
            eta = tr["state.eta"][:, 0] if label == "SA-SAM" else np.full(tr.t.size, np.nan)
            frames.append(pd.DataFrame({
                "problem": name, "optimizer": label, "t": tr.t, "eta": eta,
                "rho": np.sqrt(eta), "f_gap": tr["f_gap"][:, 0],
                "trace_h": tr["trace_h"][:, 0], "L": p.L}))
    return pd.concat(frames, ignore_index=True)
