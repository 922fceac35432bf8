"""Large problems: where a SAM step's time goes, against its two gradient matmuls.

At (runs, dim) in {(10000, 100), (1000, 1000)}, SAM (lr = rho = 0.05) on a rotated
quadratic. Timed alternately in one process (min over repeats, ``time.perf_counter``):

* ``2mm``: ``x @ A`` twice, the floor of any implementation;
* ``2grad``: the problem's gradient twice, ``(x - c) @ A`` (the subtraction and its
  temporary are paid even though ``c = 0``);
* ``step``: one NumPy ``opt.step`` (two gradients, the ascent point, the update);
* ``step*``: the same step on a copy of the problem whose gradient is ``x @ A`` (what
  ``quadratic`` could do when the center is 0, as its diagonal branch does);
* ``numba``: the compiled backend per step (``convlab.backends.numba_sam``), if installed;
* ``faults``: minor page faults per NumPy step (``resource.getrusage``), i.e. fresh pages
  touched by the step's temporaries; ``temp``: tracemalloc peak of one step, in units of x.

    python benchmarks/bench_large.py [--blas-threads N] [--repeats R]

Not collected by pytest; about 30-60 s on a 2-core machine.
"""

from __future__ import annotations

import dataclasses
import resource

import numpy as np
from _common import best_pair, blas_threads, machine, numba_step_time, parser, peak_alloc

from convlab import optimizers, problems
from convlab.oracles import exact

SHAPES = [(10000, 100, 3), (1000, 1000, 1)]


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def bench(runs: int, dim: int, n: int, repeats: int, with_numba: bool) -> dict:
    p = problems.quadratic(np.geomspace(1.0, 10.0, dim), rotate=0)
    A = p.params["A"]
    p_mm = dataclasses.replace(p, grad=lambda x: x @ A)      # the c = 0 fast path
    opt = optimizers.sam(0.05, 0.05)
    x0 = np.random.default_rng(0).standard_normal((runs, dim))
    g, g_mm = exact(p).bind(None), exact(p_mm).bind(None)
    state = opt.init(x0)

    def steps(grad_fn):
        s = state
        for t in range(n):
            s = opt.step(s, grad_fn, t)

    def matmuls():
        for _ in range(n):
            x0 @ A
            x0 @ A

    def grads():
        for _ in range(n):
            p.grad(x0)
            p.grad(x0)

    steps(g)
    t_step, t_mm = best_pair(lambda: steps(g), matmuls, repeats)
    t_step2, t_grad = best_pair(lambda: steps(g), grads, repeats)
    t_star, t_mm2 = best_pair(lambda: steps(g_mm), matmuls, repeats)
    t_step, t_mm = min(t_step, t_step2) / n, min(t_mm, t_mm2) / n
    f0 = minor_faults()
    steps(g)
    row = {"runs": runs, "dim": dim, "mm": t_mm, "grad": t_grad / n, "step": t_step,
           "star": t_star / n, "faults": (minor_faults() - f0) / n,
           "temp": peak_alloc(lambda: opt.step(state, g, 0)) / x0.nbytes, "numba": np.nan}
    if with_numba:
        row["numba"] = numba_step_time(p, opt, x0, 2 * n, max(2, repeats // 2))
    return row


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--no-numba", action="store_true", help="skip the numba backend")
    args = ap.parse_args()
    repeats = args.repeats or 5
    with_numba = not args.no_numba
    if with_numba:
        from convlab.backends import numba_available

        with_numba = numba_available()
    with blas_threads(args.blas_threads):
        print(machine())
        print(f"SAM step on a rotated quadratic; ms, min over {repeats} repeats; ratios to "
              f"2mm; BLAS threads: {args.blas_threads or 'as configured'}")
        print(f"{'runs':>6} {'dim':>5} {'2mm':>8} {'2grad':>12} {'step':>12} {'step*':>12} "
              f"{'numba':>12} {'faults':>7} {'temp':>5}")
        for runs, dim, n in SHAPES:
            r = bench(runs, dim, n, repeats, with_numba)
            mm = r["mm"]

            def cell(t, mm=mm):
                return f"{1e3 * t:6.1f} {t / mm:4.2f}x"

            print(f"{runs:>6} {dim:>5} {1e3 * mm:8.1f} {cell(r['grad']):>12} "
                  f"{cell(r['step']):>12} {cell(r['star']):>12} {cell(r['numba']):>12} "
                  f"{r['faults']:>7.0f} {r['temp']:>5.1f}", flush=True)


if __name__ == "__main__":
    main()
