"""A hyperparameter sweep as one batch versus a loop over configurations.

Stochastic SAM on a least-squares finite sum (minibatch oracle, b=1) over a grid
lr x rho x seeds: once as a single ``convlab.run`` with per-run ``lr``/``rho`` arrays,
once as a Python loop calling ``run`` per (lr, rho) with ``seeds`` runs each. Also the
cost of ``run`` with its default metrics against the bare optimizer steps, and of large
problems against their two gradient matmuls. Ratios in one process (time.perf_counter).

    python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import time

import numpy as np

import convlab
from convlab import optimizers, oracles, problems
from convlab.oracles import exact


def sweep(n_lr: int = 8, n_rho: int = 8, seeds: int = 16, T: int = 2000) -> None:
    p = problems.least_squares(n=50, dim=5, rng=0)
    lrs, rhos = np.geomspace(1e-3, 1e-1, n_lr), np.geomspace(1e-3, 1e-1, n_rho)
    L, R = np.meshgrid(lrs, rhos, indexing="ij")
    lr, rho = np.repeat(L.ravel(), seeds), np.repeat(R.ravel(), seeds)
    o = oracles.minibatch(p, 1)
    t0 = time.perf_counter()
    convlab.run(p, optimizers.sam(lr, rho), np.zeros(5), T, oracle=o, runs=lr.size,
                record_at=[T], progress=False)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    for a in lrs:
        for r in rhos:
            convlab.run(p, optimizers.sam(a, r), np.zeros(5), T, oracle=o, runs=seeds,
                        record_at=[T], progress=False)
    t_loop = time.perf_counter() - t0
    print(f"sweep {n_lr}x{n_rho} (lr x rho) x {seeds} seeds, T={T}: one batch {t_batch:.2f} s, "
          f"loop over configurations {t_loop:.2f} s, ratio {t_loop / t_batch:.1f}x")


def run_overhead(runs: int = 1000, dim: int = 10, T: int = 3000) -> None:
    p = problems.quadratic(np.geomspace(1, 10, dim), rotate=0)
    opt = optimizers.sam(0.05, 0.05)
    x0 = np.random.default_rng(0).standard_normal((runs, dim))
    g = exact(p).bind(None)
    t0 = time.perf_counter()
    s = opt.init(x0)
    for t in range(T):
        s = opt.step(s, g, t)
    bare = time.perf_counter() - t0
    for metrics in (None, ["f_gap", "grad_sq", "avg_grad_sq"]):
        t0 = time.perf_counter()
        convlab.run(p, opt, x0, T, metrics=metrics, progress=False)
        t_run = time.perf_counter() - t0
        print(f"run() at ({runs}, {dim}) with metrics={metrics or 'default'}: "
              f"{1e6 * t_run / T:.1f} us/step, {t_run / bare:.2f}x the bare steps "
              f"({1e6 * bare / T:.1f} us/step)")


def large(shapes=((10000, 100), (1000, 1000)), n: int = 20) -> None:
    for runs, dim in shapes:
        p = problems.quadratic(np.geomspace(1, 10, dim), rotate=0)
        A = p.params["A"]
        opt = optimizers.sam(0.05, 0.05)
        x = np.random.default_rng(0).standard_normal((runs, dim))
        g = exact(p).bind(None)
        s = opt.init(x)
        opt.step(s, g, 0)
        t0 = time.perf_counter()
        for t in range(n):
            s = opt.step(s, g, t)
        t_step = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        for _ in range(n):
            x @ A
            x @ A
        t_mm = (time.perf_counter() - t0) / n
        print(f"SAM step at ({runs}, {dim}): {1e3 * t_step:.2f} ms, two gradient matmuls "
              f"{1e3 * t_mm:.2f} ms, ratio {t_step / t_mm:.2f}")


if __name__ == "__main__":
    sweep()
    run_overhead()
    large()
