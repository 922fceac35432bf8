"""Engine speed: vectorized SAM against a per-run Python loop.

Prints steps/s of ``convlab.run`` and of the bare ``opt.step`` loop for SAM on a rotated
quadratic at (runs, dim) in {(1000, 10), (100, 100), (10, 1000)}, and the ratio to a loop
that steps each run separately (the same optimizer on a (1, dim) array, run by run),
measured in one process with ``time.perf_counter``. Not collected by pytest.

    python benchmarks/bench_engine.py [--steps N]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import convlab
from convlab import optimizers, problems
from convlab.oracles import exact

SHAPES = [(1000, 10), (100, 100), (10, 1000)]


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info

        info = threadpool_info()
        return ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} thr)"
                         for i in info) or "unknown"
    except ImportError:
        cfg = np.show_config(mode="dicts")
        return str(cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "unknown"))


def bare_steps(opt, x0, grad_fn, n):
    state = opt.init(x0)
    for t in range(n):
        state = opt.step(state, grad_fn, t)
    return state


def bench(runs: int, dim: int, n: int) -> dict:
    p = problems.quadratic(np.geomspace(1.0, 10.0, dim), rotate=0)
    opt = optimizers.sam(0.05, 0.05)
    x0 = np.random.default_rng(0).standard_normal((runs, dim))
    g = exact(p).bind(None)

    t0 = time.perf_counter()
    bare_steps(opt, x0, g, n)
    t_bare = (time.perf_counter() - t0) / n

    t0 = time.perf_counter()
    convlab.run(p, opt, x0, n, progress=False)
    t_run = (time.perf_counter() - t0) / n

    n_loop = max(2, n // 10)
    t0 = time.perf_counter()
    for i in range(runs):
        bare_steps(opt, x0[i:i + 1], g, n_loop)
    t_loop = (time.perf_counter() - t0) / n_loop

    return {"runs": runs, "dim": dim, "us_per_step_bare": 1e6 * t_bare,
            "us_per_step_run": 1e6 * t_run, "steps_per_s": 1 / t_bare,
            "run_over_bare": t_run / t_bare, "loop_over_vectorized": t_loop / t_bare}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, python "
          f"{platform.python_version()}, numpy {np.__version__}, BLAS: {_blas()}")
    print(f"{'runs':>6} {'dim':>6} {'us/step':>9} {'steps/s':>9} {'run()/bare':>10} "
          f"{'per-run loop / vectorized':>26}")
    for runs, dim in SHAPES:
        r = bench(runs, dim, args.steps)
        print(f"{r['runs']:>6} {r['dim']:>6} {r['us_per_step_bare']:>9.1f} "
              f"{r['steps_per_s']:>9.0f} {r['run_over_bare']:>10.2f} "
              f"{r['loop_over_vectorized']:>25.1f}x")


if __name__ == "__main__":
    main()
