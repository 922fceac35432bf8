"""The numba backend (``convlab.backends.numba_sam``) against the NumPy engine.

Per-step times (min over repeats, ``time.perf_counter``; NumPy: the bare ``opt.step``
loop; numba: ``(t(n) - t(0)) / n`` of ``numba_sam.run``, so that the checks, the one
record and the Trace cancel), the speed-up, and the largest relative difference of the
final iterates (norm per run) after 100 steps started far from the minimiser (before the
SAM oscillation band, where both engines agree to rounding).

* optimizers (SGD, SAM, USAM, SAM with momentum, SAM with per-run lr/rho) at (1000, 10);
* SAM at the five shapes of bench_engine (and ``parallel=True`` where there are several
  blocks of runs);
* SAM on a diagonal quadratic (elementwise products instead of GEMMs).

    python benchmarks/bench_backend.py [--blas-threads N] [--repeats R]

Needs numba (``pip install -e ".[numba]"``). Not collected by pytest; 20-60 s.
"""

from __future__ import annotations

import time

import numpy as np
from _common import best, blas_threads, machine, numba_step_time, parser

import convlab
from convlab import optimizers, problems
from convlab.oracles import exact

SHAPES = [(1000, 10, 100), (100, 100, 20), (10, 1000, 4), (10000, 100, 2), (1000, 1000, 1)]


def numpy_step_time(p, opt, x0, n, repeats):
    g = exact(p).bind(None)

    def steps():
        s = opt.init(x0)
        for t in range(n):
            s = opt.step(s, g, t)

    steps()
    return best(steps, repeats) / n


def agreement(p, opt, runs, n=100):
    from convlab.backends import numba_sam

    x0 = p.x_star + 30.0 * np.random.default_rng(1).standard_normal((runs, p.dim))
    ref = convlab.run(p, opt, x0, n, record_at=[n], progress=False).x
    x = numba_sam.run(p, opt, x0, n, record_at=[n]).x
    return float(np.max(np.linalg.norm(x - ref, axis=1) / np.linalg.norm(ref, axis=1)))


def line(label, p, opt, x0, n, repeats, **kw):
    t_np = numpy_step_time(p, opt, x0, n, repeats)
    t_nb = numba_step_time(p, opt, x0, max(n, 2), repeats, **kw)
    return (f"{label:<28} {1e6 * t_np:>11.1f} {1e6 * t_nb:>11.1f} "
            f"{t_np / max(t_nb, 1e-12):>7.1f}x")


def main() -> None:
    ap = parser(__doc__)
    args = ap.parse_args()
    repeats = args.repeats or 7
    from convlab.backends import numba_available, numba_sam

    if not numba_available():
        raise SystemExit('numba is not installed: pip install -e ".[numba]"')
    with blas_threads(args.blas_threads):
        print(machine())
        print(f"min over {repeats} repeats; BLAS threads: {args.blas_threads or 'as configured'}")
        p = problems.quadratic(np.geomspace(1.0, 10.0, 10), rotate=0)
        x0 = np.random.default_rng(0).standard_normal((1000, 10))
        t0 = time.perf_counter()
        numba_sam.run(p, optimizers.sam(0.05, 0.05), x0, 1, record_at=[1])
        print(f"first call (compile, or load from numba's cache): "
              f"{time.perf_counter() - t0:.2f} s")
        hdr = f"{'':<28} {'numpy us':>11} {'numba us':>11} {'speedup':>8}"
        print(f"\n(1000, 10), rotated quadratic\n{hdr} {'max rel diff':>13}")
        lr, rho = np.linspace(0.01, 0.03, 1000), np.linspace(0.0, 0.01, 1000)
        opts = {
            "sgd": optimizers.sgd(0.03),
            "sam": optimizers.sam(0.03, 0.01),
            "usam": optimizers.usam(0.03, 0.05),
            "sam momentum=0.5": optimizers.sam(0.01, 0.01, momentum=0.5),
            "sam per-run lr, rho": optimizers.sam(lr, rho),
        }
        for name, opt in opts.items():
            print(f"{line(name, p, opt, x0, 100, repeats)} {agreement(p, opt, 1000):>13.1e}",
                  flush=True)
        print(f"\nSAM (lr = rho = 0.05), rotated quadratic\n{hdr}")
        opt = optimizers.sam(0.05, 0.05)
        for runs, dim, n in SHAPES:
            q = problems.quadratic(np.geomspace(1.0, 10.0, dim), rotate=0)
            x = np.random.default_rng(0).standard_normal((runs, dim))
            reps = repeats if runs * dim * dim < 10**7 else max(2, repeats // 3)
            print(line(f"({runs}, {dim})", q, opt, x, n, reps), flush=True)
            if dim <= 724 and runs >= 32:               # several blocks of runs
                print(line(f"({runs}, {dim}) parallel=True", q, opt, x, n, reps,
                           parallel=True), flush=True)
        print(f"\nSAM (lr = rho = 0.05), diagonal quadratic\n{hdr}")
        for runs, dim, n in [(10000, 10, 20), (10000, 100, 4)]:
            q = problems.quadratic(np.geomspace(1.0, 10.0, dim))
            x = np.random.default_rng(0).standard_normal((runs, dim))
            print(line(f"({runs}, {dim})", q, opt, x, n, repeats), flush=True)
            print(line(f"({runs}, {dim}) parallel=True", q, opt, x, n, repeats,
                       parallel=True), flush=True)


if __name__ == "__main__":
    main()
