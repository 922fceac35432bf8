r"""Compiled SGD / SAM / USAM on quadratics: all steps of all runs in one numba call.

The NumPy optimizers (:mod:`convlab.optimizers`) and :func:`convlab.run` stay the
reference. This backend covers the hot case of the band-law and rate studies:
deterministic SGD, SAM (``eps`` and momentum included) and USAM on
:func:`convlab.problems.quadratic` (diagonal or rotated, any center)::

    from convlab.backends import numba_sam
    tr = numba_sam.sam(problem, x0, 2000, lr=0.05, rho=lr_array)   # a convlab.Trace
    tr = numba_sam.run(problem, optimizers.sam(0.05, 0.05), x0, 2000)

``run`` takes an :class:`~convlab.optimizers.Optimizer` built by ``sgd``, ``sam`` or
``usam`` and returns the :class:`~convlab.Trace` that ``convlab.run(problem, opt, x0,
n_steps, record_at=...)`` returns with its default metrics (``f_gap``, ``grad_sq``,
``dist_sq``), the same divergence rule (``blowup``) and the same final iterates up to
rounding: the matrix products and row norms are summed in another order than BLAS and
``einsum`` (about 1e-16 relative per step; the tests check 1e-12 over hundreds of steps).
Hyperparameters are what the NumPy optimizers take: floats, ``(runs,)`` arrays or
schedules (tabulated over the steps first). Bad input raises the errors of the NumPy path,
since the optimizer is built and initialised by :mod:`convlab.optimizers`.

How: each gradient of a block of runs is one BLAS GEMM (``np.dot`` inside numba, i.e.
SciPy's BLAS; an elementwise product when the quadratic is diagonal), everything else is
fused into flat loops with no allocation per step, and all the steps of a block are taken
before the next block, so that a block that fits in cache stays there
(:mod:`convlab.backends._numba_kernels`). ``parallel=True`` runs disjoint ranges of
blocks on Python threads (the compiled code releases the GIL), with the BLAS held to one
thread meanwhile (threadpoolctl); by default the blocks run one after the other and the
BLAS uses its own threads.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .. import optimizers as _opt
from .._provenance import provenance
from .._validation import as_points, check_scalar
from ..optimizers.base import Hyper, Optimizer
from ..problems.base import Problem
from ..run import default_record_at
from ..trace import Trace

__all__ = ["METRICS", "run", "sam", "sgd", "supports", "usam"]

#: Recorded metrics, as ``convlab.run``'s defaults on a quadratic.
METRICS = ("f_gap", "grad_sq", "dist_sq")
_MODES = {"sgd": 0, "sam": 1, "usam": 2}


def _kernels() -> Any:
    try:
        from . import _numba_kernels
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "convlab.backends.numba_sam needs numba, an optional dependency: "
            'pip install -e ".[numba]"  (or pip install "convlab[numba]")'
        ) from exc
    return _numba_kernels


def _quadratic_data(problem: Problem) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
    """``(diag, A, lam, c)`` of a convlab quadratic, or ValueError."""
    prm = problem.params
    if prm.get("problem") != "quadratic" or "A" not in prm or problem.x_star is None:
        raise ValueError(f"the numba backend runs quadratic problems only "
                         f"(convlab.problems.quadratic), got {problem.name}")
    A = np.ascontiguousarray(prm["A"], dtype=np.float64)
    c = np.ascontiguousarray(problem.x_star, dtype=np.float64)
    diag = not prm.get("rotated", True)
    lam = np.ascontiguousarray(np.diagonal(A)) if diag else np.zeros(1)
    return diag, A, lam, c


_CONTROLLER: list[Any] = []


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """One BLAS thread per worker while the blocks run in parallel (threadpoolctl, when
    installed; otherwise the BLAS keeps its threads). The controller, which scans the
    loaded libraries, is built once."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - optional
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    if _CONTROLLER[0] is None:  # pragma: no cover - optional
        yield
        return
    with _CONTROLLER[0].limit(limits=1, user_api="blas"):
        yield


def _threads(parallel: bool | int, runs: int, block: int) -> int:
    """Threads for ``parallel``: 1 (False), the CPU count (True) or the int given, never
    more than the number of blocks."""
    if isinstance(parallel, bool) or parallel is None:
        n = (os.cpu_count() or 1) if parallel else 1
    else:
        n = check_scalar("parallel", parallel, low=1, integer=True)
    return max(1, min(n, -(-runs // block)))


def supports(problem: Any, opt: Any) -> bool:
    """True when :func:`run` can run ``opt`` on ``problem``."""
    return (isinstance(problem, Problem) and isinstance(opt, Optimizer)
            and opt.name in _MODES and problem.params.get("problem") == "quadratic"
            and "A" in problem.params and problem.x_star is not None)


def _table(name: str, value: Any, n_steps: int, runs: int) -> np.ndarray:
    """A hyperparameter as a ``(1 or n_steps, 1 or runs)`` float64 table."""
    h = Hyper(name, value)              # validated already by the factory: same rules
    if h.schedule is None:
        v = np.asarray(h.value, dtype=np.float64)
        return v.reshape(1, 1) if v.ndim == 0 else np.ascontiguousarray(v.reshape(1, runs))
    vals = [np.asarray(h(t), dtype=np.float64).reshape(-1) for t in range(max(n_steps, 1))]
    width = max(v.size for v in vals)
    tab = np.empty((len(vals), width))
    for t, v in enumerate(vals):
        tab[t] = v                      # a (1,) value broadcasts over the runs
    return tab


def run(problem: Problem, opt: Optimizer, x0: Any, n_steps: int,
        record_at: Any = None, *, runs: int | None = None, blowup: float = 1e150,
        parallel: bool | int = False, block: int | None = None) -> Trace:
    """``convlab.run(problem, opt, x0, n_steps, record_at=record_at)`` with the exact
    oracle, compiled; see the module docstring.

    Parameters
    ----------
    problem : Problem
        A :func:`convlab.problems.quadratic`.
    opt : Optimizer
        From :func:`convlab.optimizers.sgd`, :func:`~convlab.optimizers.sam` or
        :func:`~convlab.optimizers.usam` (any ``ascent``: with exact gradients they agree).
    x0, n_steps, record_at, runs, blowup :
        As in :func:`convlab.run`; in addition, an empty ``record_at`` records nothing
        (the metrics have 0 rows; the final iterates and divergence flags are kept).
    parallel : bool or int
        Run disjoint ranges of blocks on that many threads (``True``: one per CPU), the
        compiled code releasing the GIL, with the BLAS on one thread meanwhile.
    block : int, optional
        Runs per block (default: as many as keep a block of one working array near
        256 KiB, or all runs when a dense ``A`` is larger than 4 MiB; with ``parallel``,
        at most an equal share of the runs per thread).

    Returns
    -------
    Trace
        Metrics ``f_gap``, ``grad_sq``, ``dist_sq``; ``meta["backend"] == "numba"``.
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a convlab Problem, got {type(problem).__name__}")
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be a convlab Optimizer, got {type(opt).__name__}")
    n_steps = check_scalar("n_steps", n_steps, low=0, integer=True)
    blowup = check_scalar("blowup", blowup, strict=True)
    x0 = as_points("x0", x0, dim=problem.dim, runs=runs)
    R, d = x0.shape
    if record_at is None:
        rec = default_record_at(n_steps)
    elif np.size(record_at) == 0:       # an extension of run(): only the final iterates
        rec = np.zeros(0, dtype=np.int64)
    else:
        rec = np.unique(np.asarray(record_at, dtype=np.int64).reshape(-1))
        if rec.size == 0 or rec[0] < 0 or rec[-1] > n_steps:
            raise ValueError(f"record_at must hold steps in [0, n_steps={n_steps}]")
    if opt.name not in _MODES:
        raise ValueError(f"the numba backend runs sgd, sam and usam, got {opt.name!r}")
    diag, A, lam, c = _quadratic_data(problem)
    state = opt.init(x0)                # the NumPy path's checks (per-run sizes)
    X = np.array(state.x, dtype=np.float64, order="C", copy=True)
    hp = opt.hyper
    if "weight_decay" in hp:
        raise ValueError(f"the numba backend has no weight decay, got weight_decay="
                         f"{hp['weight_decay']!r}: run it with the NumPy backend")
    mode = _MODES[opt.name]
    lr = _table("lr", hp["lr"], n_steps, R)
    rho = _table("rho", hp["rho"], n_steps, R) if mode else np.zeros((1, 1))
    for name, tab in (("lr", lr), ("rho", rho)):
        if tab.shape[1] not in (1, R):
            raise ValueError(f"{name} has {tab.shape[1]} per-run values but x0 has {R} runs")
    eps = float(hp.get("eps", 0.0)) if mode == 1 else 0.0
    beta = float(hp.get("momentum", 0.0))
    shift = bool(np.any(c != 0.0))
    rec = np.ascontiguousarray(rec, dtype=np.int64)
    out = np.full((3, rec.size, R), np.nan)
    div_at = np.full(R, -1, dtype=np.int64)
    k = _kernels()
    if block is None:
        big_a = not diag and d * d * 8 > 4 << 20      # A itself does not fit in cache
        block = R if big_a else max(16, (256 << 10) // (8 * d))
        if parallel:                    # at least one block per thread
            block = min(block, max(16, -(-R // _threads(parallel, R, 1))))
    block = int(min(max(1, block), R))
    args = (X, A, diag, lam, c, shift, mode, lr, rho, eps, beta, n_steps, rec, blowup, out,
            div_at, block)
    n_threads = _threads(parallel, R, block)
    with np.errstate(all="ignore"):
        if n_threads == 1:
            k.blocks(*args, 0, R)
        else:                           # disjoint ranges of whole blocks, one per thread
            per = -(-R // block // n_threads) * block
            with _single_threaded_blas(), ThreadPoolExecutor(n_threads) as pool:
                jobs = [pool.submit(k.blocks, *args, r0, min(r0 + per, R))
                        for r0 in range(0, R, per)]
                for job in jobs:
                    job.result()
    metrics = {name: out[i] for i, name in enumerate(METRICS)}
    meta: dict[str, Any] = {
        "problem": problem.name,
        "optimizer": opt.name,
        **{f"hp_{key}": _describe(v) for key, v in hp.items()},
        "oracle": "exact",
        "batch_size": 0,
        "n_steps": n_steps,
        "runs": R,
        "dim": d,
        "seed": None,
        "backend": "numba",
        "backend_block": block,
        **provenance(),
    }
    return Trace(rec, metrics, X, div_at >= 0, div_at, meta)


def sam(problem: Problem, x0: Any, n_steps: int, lr: Any, rho: Any, *, normalized: bool = True,
        eps: float = 0.0, momentum: float = 0.0, **kw: Any) -> Trace:
    """:func:`run` with ``convlab.optimizers.sam(lr, rho, normalized, eps=eps,
    momentum=momentum)``; ``kw`` goes to :func:`run`."""
    return run(problem, _opt.sam(lr, rho, normalized=normalized, eps=eps, momentum=momentum),
               x0, n_steps, **kw)


def usam(problem: Problem, x0: Any, n_steps: int, lr: Any, rho: Any, *, momentum: float = 0.0,
         **kw: Any) -> Trace:
    """:func:`run` with ``convlab.optimizers.usam(lr, rho, momentum=momentum)``."""
    return run(problem, _opt.usam(lr, rho, momentum=momentum), x0, n_steps, **kw)


def sgd(problem: Problem, x0: Any, n_steps: int, lr: Any, *, momentum: float = 0.0,
        **kw: Any) -> Trace:
    """:func:`run` with ``convlab.optimizers.sgd(lr, momentum)``."""
    return run(problem, _opt.sgd(lr, momentum=momentum), x0, n_steps, **kw)


def _describe(v: Any) -> Any:
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    if np.ndim(v) and not callable(v):
        return f"array[{np.size(v)}]"
    return repr(v)
