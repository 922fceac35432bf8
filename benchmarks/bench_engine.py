"""Engine speed: the vectorized SAM step against a per-run loop, its matmuls, run() and numba.

SAM (lr = rho = 0.05, exact gradients) on a rotated quadratic (spectrum geomspace(1, 10)),
at (runs, dim) in {(1000, 10), (100, 100), (10, 1000), (10000, 100), (1000, 1000)}. All
numbers are minima over repeats of ``time.perf_counter`` intervals in one process, and
every ratio is taken between blocks measured alternately, so that both sides see the
same load. Columns:

* ``us/step``: one ``opt.step`` of the NumPy optimizer, all runs (the bare step loop);
* ``step/2mm``: that step over its two gradient matmuls alone (``x @ A`` twice); the
  problem's gradient is ``(x - c) @ A``, so the subtraction is counted in the step;
* ``loop/vec``: a Python loop that steps each run separately (the same optimizer on a
  ``(1, dim)`` array; timed on a subset of the runs and scaled) over the vectorized step;
* ``run/bare``: ``convlab.run`` with its default metrics and records over the bare steps
  (small shapes only, over enough steps for the ~60 records to be amortized);
* ``temp``: peak memory allocated during one step (tracemalloc), in units of ``x``;
* ``numba us``, ``numba x``: the compiled backend (``convlab.backends.numba_sam``, default
  options) per step, compile time and fixed costs excluded, and its speed-up over the
  NumPy step (timed apart, so under load this ratio is the noisiest column).

    python benchmarks/bench_engine.py [--blas-threads N] [--repeats R] [--no-numba]

Not collected by pytest; about 30-60 s on a 2-core machine.
"""

from __future__ import annotations

import numpy as np
from _common import best, best_pair, blas_threads, machine, numba_step_time, parser, peak_alloc

import convlab
from convlab import optimizers, problems
from convlab.oracles import exact

#: (runs, dim, steps per timed block, runs in the per-run loop, steps for run())
SHAPES = [
    (1000, 10, 100, 1000, 2000),
    (100, 100, 40, 100, 500),
    (10, 1000, 10, 10, 400),
    (10000, 100, 3, 200, 0),
    (1000, 1000, 1, 20, 0),
]


def steps(opt, x0, grad_fn, n):
    state = opt.init(x0)
    for t in range(n):
        state = opt.step(state, grad_fn, t)
    return state


def bench(runs, dim, n, loop_runs, n_run, repeats, with_numba):
    p = problems.quadratic(np.geomspace(1.0, 10.0, dim), rotate=0)
    A = p.params["A"]
    opt = optimizers.sam(0.05, 0.05)
    x0 = np.random.default_rng(0).standard_normal((runs, dim))
    g = exact(p).bind(None)
    steps(opt, x0, g, 1)
    if runs * dim * dim > 10**7:                 # the large shapes: fewer, longer repeats
        repeats = max(3, repeats // 2)

    def matmuls():
        for _ in range(n):
            x0 @ A
            x0 @ A

    t_step, t_mm = best_pair(lambda: steps(opt, x0, g, n), matmuls, repeats)
    t_step, t_mm = t_step / n, t_mm / n

    sub = x0[:loop_runs]
    n_loop = max(1, n // 4)

    def loop():
        for i in range(loop_runs):
            steps(opt, sub[i:i + 1], g, n_loop)

    t_loop = best(loop, max(2, repeats // 3)) / n_loop * runs / loop_runs
    state = opt.init(x0)
    row = {"runs": runs, "dim": dim, "us": 1e6 * t_step, "mm": t_step / t_mm,
           "loop": t_loop / t_step, "run": np.nan, "nb_us": np.nan, "nb_x": np.nan,
           "temp": peak_alloc(lambda: opt.step(state, g, 0)) / x0.nbytes}
    if n_run:
        t_run, t_bare = best_pair(lambda: convlab.run(p, opt, x0, n_run, progress=False),
                                  lambda: steps(opt, x0, g, n_run), max(2, repeats // 3))
        row["run"] = t_run / t_bare
    if with_numba:
        n_nb = n if n >= 10 else 2 * n
        t_nb = numba_step_time(p, opt, x0, n_nb, repeats)
        row["nb_us"], row["nb_x"] = 1e6 * t_nb, t_step / t_nb
    return row


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--no-numba", action="store_true", help="skip the numba backend")
    args = ap.parse_args()
    repeats = args.repeats or 9
    with_numba = not args.no_numba
    if with_numba:
        from convlab.backends import numba_available

        with_numba = numba_available()
    with blas_threads(args.blas_threads):
        print(machine())
        print(f"SAM on a rotated quadratic; min over {repeats} repeats; BLAS threads: "
              f"{args.blas_threads or 'as configured'}")
        print(f"{'runs':>6} {'dim':>5} {'us/step':>9} {'step/2mm':>8} {'loop/vec':>9} "
              f"{'run/bare':>8} {'temp':>5} {'numba us':>9} {'numba x':>7}")
        for runs, dim, n, loop_runs, n_run in SHAPES:
            r = bench(runs, dim, n, loop_runs, n_run, repeats, with_numba)
            print(f"{r['runs']:>6} {r['dim']:>5} {r['us']:>9.1f} {r['mm']:>8.2f} "
                  f"{r['loop']:>8.1f}x {r['run']:>8.2f} {r['temp']:>5.1f} "
                  f"{r['nb_us']:>9.1f} {r['nb_x']:>6.1f}x", flush=True)


if __name__ == "__main__":
    main()
