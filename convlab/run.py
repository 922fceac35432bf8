"""``run``: the only loop over iterations in convlab."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._provenance import provenance
from ._validation import as_points, check_scalar
from .optimizers.base import Optimizer
from .oracles import GradFn, Oracle, exact
from .problems.base import Array, Problem
from .streams import PerRunStreams
from .trace import Trace

__all__ = ["METRICS", "default_record_at", "run"]

#: Metrics evaluated at the recorded iterates.
POINT_METRICS: dict[str, Callable[[Problem, Array, Array], Array]] = {
    "f_gap": lambda p, x, g: p.f(x) - p.f_star,
    "f": lambda p, x, g: p.f(x),
    "grad_sq": lambda p, x, g: np.einsum("rd,rd->r", g, g),
    "grad_norm": lambda p, x, g: np.sqrt(np.einsum("rd,rd->r", g, g)),
    "dist_sq": lambda p, x, g: np.einsum("rd,rd->r", x - p.x_star, x - p.x_star),
}
#: Metrics accumulated over every step: need the exact gradient at each iterate.
RUNNING_METRICS = ("avg_grad_sq", "min_grad_sq")
METRICS = (*POINT_METRICS, *RUNNING_METRICS)


def default_record_at(n_steps: int, n_points: int = 60) -> np.ndarray:
    """Steps 0, then about ``n_points`` log-spaced steps up to ``n_steps`` (included)."""
    if n_steps == 0:
        return np.zeros(1, dtype=np.int64)
    pts = np.unique(np.round(np.geomspace(1, n_steps, n_points)).astype(np.int64))
    return np.concatenate([[0], pts])


def _resolve_metrics(problem: Problem, metrics: Any) -> tuple[list[str], dict[str, Callable]]:
    custom: dict[str, Callable] = {}
    if metrics is None:
        names = ["f_gap", "grad_sq"] + (["dist_sq"] if problem.x_star is not None else [])
        return names, custom
    if isinstance(metrics, str):
        metrics = [metrics]
    if isinstance(metrics, dict):
        custom = {k: v for k, v in metrics.items() if callable(v)}
        metrics = list(metrics)
    names = []
    for m in metrics:
        if m in custom or m in METRICS or (isinstance(m, str) and m.startswith("state.")):
            names.append(m)
        else:
            raise ValueError(f"unknown metric {m!r}; allowed: {', '.join(METRICS)}, "
                             "'state.<field>', or a dict name -> callable(problem, state)")
    if "dist_sq" in names and problem.x_star is None:
        raise ValueError(f"metric 'dist_sq' needs x_star, which {problem.name} does not know")
    return names, custom


class _Recorder:
    """Collects metric rows at the recorded steps and the running sums at every step."""

    def __init__(self, problem: Problem, names: list[str], custom: dict, n_rec: int, runs: int):
        self.p, self.names, self.custom = problem, names, custom
        self.values = {m: np.full((n_rec, runs), np.nan) for m in names}
        self.running = any(m in RUNNING_METRICS for m in names)
        self.sum_sq = np.zeros(runs)
        self.min_sq = np.full(runs, np.inf)
        self.count = 0

    def accumulate(self, g: Array) -> None:
        sq = np.einsum("rd,rd->r", g, g)
        self.sum_sq += sq
        np.minimum(self.min_sq, sq, out=self.min_sq)
        self.count += 1

    def record(self, i: int, state: Any, alive: Array | None) -> None:
        x = state.x
        g = self.p.grad(x) if any(m in ("grad_sq", "grad_norm") for m in self.names) else None
        for m in self.names:
            if m in POINT_METRICS:
                v = POINT_METRICS[m](self.p, x, g)
            elif m == "avg_grad_sq":
                v = self.sum_sq / self.count if self.count else np.full(len(x), np.nan)
            elif m == "min_grad_sq":
                v = self.min_sq if self.count else np.full(len(x), np.nan)
            elif m in self.custom:
                v = self.custom[m](self.p, state)
            else:
                field = m.split(".", 1)[1]
                if not hasattr(state, field):
                    raise ValueError(f"metric {m!r}: the optimizer state has no field "
                                     f"{field!r} (fields: {', '.join(state._fields)})")
                v = getattr(state, field)
                if v is None or (np.ndim(v) == 2 and np.shape(v)[1] != 1) or np.ndim(v) > 2:
                    raise ValueError(f"metric {m!r}: state field {field!r} is not a per-run "
                                     "scalar (shape (runs,) or (runs, 1)); record it with a "
                                     "custom metric callable instead")
            v = np.asarray(v, dtype=float)
            v = np.broadcast_to(v, len(x)) if v.ndim == 0 else v.reshape(len(x), -1)[:, 0]
            row = self.values[m][i]
            row[:] = v
            if alive is not None:
                row[~alive] = np.nan


def _freeze(old: Any, new: Any, bad: Array) -> Any:
    """Replace the rows ``bad`` of every per-run field of ``new`` by those of ``old``."""
    runs = bad.shape[0]
    fields = []
    for o, n in zip(old, new, strict=True):
        if isinstance(n, np.ndarray) and n.ndim >= 1 and n.shape[0] == runs:
            mask = bad.reshape((runs,) + (1,) * (n.ndim - 1))
            n = np.where(mask, o, n)
        fields.append(n)
    return type(new)(*fields)


class _CachingGrad(GradFn):
    """Exact-oracle GradFn that remembers the gradient it computed at ``watch``."""

    __slots__ = ("hit", "watch")

    def __init__(self, oracle: Oracle) -> None:
        super().__init__(oracle, oracle.sample(None, 0, 0))  # type: ignore[arg-type]
        self.watch: Any = None
        self.hit: Any = None

    def __call__(self, x: Array) -> Array:
        g = self.oracle.problem.grad(x)
        if x is self.watch:
            self.hit = g
        return g


def run(
    problem: Problem,
    opt: Optimizer,
    x0: Any,
    n_steps: int,
    oracle: Oracle | None = None,
    rng: int | np.random.Generator | PerRunStreams | None = 0,
    record_at: Sequence[int] | np.ndarray | None = None,
    metrics: Sequence[str] | dict[str, Any] | None = None,
    progress: bool | None = None,
    *,
    runs: int | None = None,
    blowup: float = 1e150,
) -> Trace:
    r"""Run ``opt`` on ``problem`` for ``n_steps`` steps, all runs at once.

    Parameters
    ----------
    problem : Problem
        The objective; metrics use its exact ``f`` and ``grad``.
    opt : Optimizer
        From :mod:`convlab.optimizers`.
    x0 : array_like
        Initial points ``(runs, dim)``, or ``(dim,)`` repeated ``runs`` times.
    n_steps : int
        Number of steps :math:`T \ge 0`.
    oracle : Oracle, optional
        Gradient oracle driving the optimizer (default: exact gradients).
    rng : int, Generator, PerRunStreams or None
        Seed or generator for the oracle's draws: same seed, same numbers. With an int or
        a Generator the draws for all runs come from one generator, so a run's sample path
        depends on the seed and the number of runs. With
        :class:`~convlab.streams.PerRunStreams` run ``i``'s sample path depends only on
        the seed and its run id (``run_ids[i]``, default ``i``), so the runs can be split
        into chunks (``PerRunStreams(seed).subset(slice(5, 12))`` for rows 5 to 11) and
        give the same numbers; its ``run_ids``, when given, must have one entry per run.
    record_at : sequence of int, optional
        Steps at which to record (0 = initial point). Default: 0 and about 60
        log-spaced steps up to ``n_steps``.
    metrics : sequence of str or dict, optional
        Names from :data:`METRICS` (``f_gap``, ``f``, ``grad_sq``, ``grad_norm``,
        ``dist_sq``, ``avg_grad_sq``, ``min_grad_sq``), ``"state.<field>"`` to record an
        optimizer state field (e.g. ``state.eta`` of SA-SAM), or a dict mapping names to
        ``callable(problem, state) -> (runs,)``. Default: ``f_gap``, ``grad_sq`` and
        ``dist_sq`` (when ``x_star`` is known). The running metrics
        (:math:`\frac1t\sum_{s<t}\|\nabla f(x_s)\|^2` and its minimum) cost one exact gradient
        per step and are computed only when asked for (re-used from the optimizer's own
        first gradient when the oracle is exact and the optimizer evaluates at
        :math:`x_t`).
    progress : bool, optional
        Show a tqdm progress bar; default: only when stderr is a terminal and the run is
        long (``n_steps >= 2000``).
    runs : int, optional
        Number of runs when ``x0`` is 1-D.
    blowup : float
        A run whose iterate has an entry with absolute value above ``blowup`` or a
        non-finite entry is flagged diverged and frozen at its last good state; the
        other runs go on unaffected.

    Returns
    -------
    Trace
        The metrics at the recorded steps (``trace[m]`` has shape ``(n_records, runs)``),
        the final iterates ``trace.x``, the divergence flags and the metadata (problem,
        optimizer, hyperparameters, oracle, seed, versions).

    Examples
    --------
    Three runs of gradient descent on :math:`f = (x_1^2 + 4x_2^2)/2`, recorded at steps 0,
    10 and 100; at step 10, :math:`f = (0.9^{20} + 4 \cdot 0.6^{20})/2`:

    >>> import numpy as np
    >>> from convlab import oracles, optimizers, problems, run
    >>> p = problems.quadratic([1.0, 4.0])
    >>> trace = run(p, optimizers.sgd(0.1), [1.0, 1.0], 100, runs=3, record_at=[0, 10, 100])
    >>> trace.t.tolist(), trace["f_gap"].shape, sorted(trace.metrics)
    ([0, 10, 100], (3, 3), ['dist_sq', 'f_gap', 'grad_sq'])
    >>> round(float(trace["f_gap"][1, 0]), 6)
    0.060861

    Stochastic SAM with Gaussian noise: same seed, same numbers:

    >>> noisy = oracles.gaussian(p, sigma=0.1)
    >>> def sam_run(seed):
    ...     return run(p, optimizers.sam(0.05, 0.05), np.ones(2), 200, oracle=noisy,
    ...                rng=seed, runs=4, metrics=["f_gap", "avg_grad_sq"])
    >>> trace = sam_run(0)
    >>> trace.final("avg_grad_sq").shape, bool(trace.diverged.any())
    ((4,), False)
    >>> bool(np.array_equal(trace.x, sam_run(0).x)), bool(np.array_equal(trace.x, sam_run(1).x))
    (True, False)
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a convlab Problem, got {type(problem).__name__}")
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be a convlab Optimizer, got {type(opt).__name__}")
    n_steps = check_scalar("n_steps", n_steps, low=0, integer=True)
    blowup = check_scalar("blowup", blowup, strict=True)
    x0 = as_points("x0", x0, dim=problem.dim, runs=runs)
    R = x0.shape[0]
    if oracle is None:
        oracle = exact(problem)
    elif not isinstance(oracle, Oracle):
        raise TypeError(f"oracle must be a convlab Oracle, got {type(oracle).__name__}")
    elif oracle.problem is not problem:
        raise ValueError("oracle was built for a different problem than `problem`")
    if isinstance(rng, PerRunStreams):
        if rng.run_ids is not None and len(rng.run_ids) != R:
            raise ValueError(f"rng has {len(rng.run_ids)} run_ids but x0 has {R} runs")
        gen: Any = rng
    else:
        gen = np.random.default_rng(rng)
    if record_at is None:
        rec = default_record_at(n_steps)
    else:
        rec = np.unique(np.asarray(record_at, dtype=np.int64).reshape(-1))
        if rec.size == 0 or rec[0] < 0 or rec[-1] > n_steps:
            raise ValueError(f"record_at must hold steps in [0, n_steps={n_steps}]")
    names, custom = _resolve_metrics(problem, metrics)
    recorder = _Recorder(problem, names, custom, len(rec), R)
    running = recorder.running

    state = opt.init(x0)
    diverged = np.zeros(R, dtype=bool)
    diverged_at = np.full(R, -1, dtype=np.int64)
    cache = _CachingGrad(oracle) if oracle.is_exact else None

    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)()) and n_steps >= 2000
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=f"{opt.name} on {problem.name}", unit="step",
                   mininterval=0.5, leave=False)
    chunk = max(1, n_steps // 200)
    limit = min(blowup, 1e150) ** 2             # sum of squares of a run set below blowup

    j = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if rec[0] == 0:
            recorder.record(0, state, None)
            j = 1
        for t in range(n_steps):
            if cache is not None:
                grad_fn = cache
                cache.watch, cache.hit = state.x, None
            else:
                grad_fn = oracle.bind(oracle.sample(gen, R, t))
            new = opt.step(state, grad_fn, t)
            if running:
                g = cache.hit if cache is not None and cache.hit is not None else None
                recorder.accumulate(problem.grad(state.x) if g is None else g)
            xn = new.x.reshape(-1)
            if not xn @ xn <= limit:            # one BLAS dot; NaN and overflow fail it too
                ok = np.abs(new.x) <= blowup
                bad = ~ok.all(axis=1) & ~diverged
                diverged_at[bad] = t + 1
                diverged |= bad
            if diverged.any():
                new = _freeze(state, new, diverged)     # frozen for good, the rest go on
            state = new
            if j < len(rec) and rec[j] == t + 1:
                recorder.record(j, state, ~diverged if diverged.any() else None)
                j += 1
            if bar is not None and (t + 1) % chunk == 0:
                bar.update(chunk)
    if bar is not None:
        bar.close()

    meta: dict[str, Any] = {
        "problem": problem.name,
        "optimizer": opt.name,
        **{f"hp_{k}": _describe(v) for k, v in opt.hyper.items()},
        **oracle.describe(),
        "n_steps": n_steps,
        "runs": R,
        "dim": problem.dim,
        "seed": rng if isinstance(rng, int) else None,
        **(rng.describe() if isinstance(rng, PerRunStreams) else {}),
        **provenance(),
    }
    return Trace(rec, recorder.values, state.x, diverged, diverged_at, meta)


def _describe(v: Any) -> Any:
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    if np.ndim(v) and not callable(v):
        return f"array[{np.size(v)}]"
    return repr(v)
