"""Shared helpers of the benchmark scripts: machine report, min-of-repeats timing, BLAS
threads, allocation count. Public tools only (time.perf_counter, tracemalloc,
threadpoolctl). Not collected by pytest."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import time
import tracemalloc
from collections.abc import Callable, Iterator

import numpy as np
import scipy  # noqa: F401  (loads SciPy's BLAS too, which numba's np.dot uses)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas() -> str:
    """The BLAS libraries loaded in this process, as threadpoolctl reports them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl)"
    libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture', '')} "
                     f"({i['num_threads']} threads, {os.path.basename(i['filepath'])})"
                     for i in libs) or "unknown"


def machine() -> str:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    try:
        import numba

        nb = f", numba {numba.__version__}"
    except ImportError:
        nb = ""
    return (f"CPU: {cpu_model()}, {os.cpu_count()} logical cores, load average {load}\n"
            f"python {platform.python_version()}, numpy {np.__version__}{nb}\n"
            f"BLAS: {blas()}")


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Limit every BLAS in the process to ``n`` threads (``None``: leave as configured)."""
    if n is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n, user_api="blas"):
        yield


def best(fn: Callable[[], object], repeats: int) -> float:
    """Minimum wall time of ``fn()`` over ``repeats`` calls (the least disturbed one)."""
    out = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def best_pair(f: Callable[[], object], g: Callable[[], object], repeats: int
              ) -> tuple[float, float]:
    """Minimum times of ``f`` and ``g`` measured alternately, so that both see the same
    load and a ratio of the two is meaningful on a busy machine."""
    tf = tg = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        t1 = time.perf_counter()
        g()
        t2 = time.perf_counter()
        tf, tg = min(tf, t1 - t0), min(tg, t2 - t1)
    return tf, tg


def peak_alloc(fn: Callable[[], object]) -> int:
    """Peak bytes allocated (and traced: NumPy reports its buffers) while ``fn`` runs."""
    fn()                                        # warm caches outside the measurement
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def parser(doc: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="limit the BLAS to N threads (threadpoolctl); default: as configured")
    ap.add_argument("--repeats", type=int, default=None, help="timing repeats (min is kept)")
    return ap


def numba_step_time(problem, opt, x0, n: int, repeats: int, **kw) -> float:
    """Seconds per step of ``convlab.backends.numba_sam.run`` with no records:
    ``(t(n) - t(0)) / n``, so that the fixed cost (checks, the Trace, threads) cancels.
    The first call (compilation, or loading numba's cache) is not timed."""
    from convlab.backends import numba_sam

    numba_sam.run(problem, opt, x0, 1, record_at=(), **kw)
    t0 = best(lambda: numba_sam.run(problem, opt, x0, 0, record_at=(), **kw), repeats)
    tn = best(lambda: numba_sam.run(problem, opt, x0, n, record_at=(), **kw), repeats)
    return max(tn - t0, 1e-9) / n
