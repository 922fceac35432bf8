"""A hyperparameter sweep as one batch versus a loop over configurations.

Stochastic SAM on a least-squares finite sum (minibatch oracle, b=1) over a grid
lr x rho x seeds: once as a single ``convlab.run`` with per-run ``lr``/``rho`` arrays,
once as a Python loop calling ``run`` per (lr, rho) with ``seeds`` runs each. Ratio in one
process (time.perf_counter). The cost of ``run`` against the bare steps and of large
problems against their matmuls are in bench_engine.py and bench_large.py.

    python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import time

import numpy as np
from _common import machine

import convlab
from convlab import optimizers, oracles, problems


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


if __name__ == "__main__":
    print(machine())
    sweep()
