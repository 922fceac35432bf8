"""The declarative scenario: :class:`Sweep`, and the plumbing every scenario shares.

A :class:`Sweep` names a problem, how the swept values become the algorithm's arguments,
an oracle, a start, a metric and a readout; it does the size lookup, the seeding, the
per-run hyperparameter arrays, :func:`convlab.run`, the readout, the tidy frame and the
:class:`~convlab.claims.base.Measurement` once, for every claim that fits it.

Its callables ask for what they need by parameter **name**: ``sp`` (the size's
parameters), ``gen`` (the scenario's Generator; ``problem`` and ``x0`` only), ``p`` (the
problem), ``v`` (the swept values, one per run, or this group's value with ``per_value``),
``T`` (each run's horizon) and ``n`` (the number of runs; ``x0`` only).

Examples
--------
The textbook rate as a sweep over horizons of one anytime run:

>>> import numpy as np
>>> from convlab import optimizers, oracles, problems, schedules
>>> from convlab.claims import Claim, Slope, Sweep
>>> sweep = Sweep(problem=lambda: problems.quadratic(np.geomspace(1, 10, 5), rotate=1),
...               params=lambda p: {"lr": schedules.inverse_power(1 / p.mu, 1.0, 2 * p.L)},
...               oracle=lambda p: oracles.gaussian(p, sigma=1.0), x0=0.0)
>>> c = Claim(key="demo.sgd.one_over_t", paper="textbook", theorem="", statement="",
...           theory="C/T", expect=Slope(-1.0, tol=0.1), scenario=sweep,
...           algorithm=optimizers.sgd,
...           sizes={"small": {"T": [250, 500, 1000, 2000], "runs": 256},
...                  "full": {"T": [], "runs": 0}})
>>> r = c.check("small", rng=0)
>>> r.measurement.errors.shape, r.passed          # the CI [-1.07, -0.97] lies in -1 +- 0.1
((4, 256), True)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import run
from .base import Measurement

__all__ = ["Sweep", "grid", "inject", "own_horizon", "starts", "tidy"]


def inject(fn: Callable[..., Any], **available: Any) -> Any:
    """Call ``fn`` with the entries of ``available`` that its parameters name.

    Raises
    ------
    TypeError
        If ``fn`` has a parameter without a default that is not available.
    """
    params = inspect.signature(fn).parameters
    kwargs, missing = {}, []
    for name, prm in params.items():
        if name in available:
            kwargs[name] = available[name]
        elif prm.default is inspect.Parameter.empty and prm.kind not in (
                prm.VAR_POSITIONAL, prm.VAR_KEYWORD):
            missing.append(name)
    if missing:
        raise TypeError(f"{getattr(fn, '__qualname__', fn)!r} asks for {missing}; a sweep "
                        f"offers {sorted(available)}")
    return fn(**kwargs)


def starts(x0: Any, p: Any, gen: np.random.Generator, n: int, sp: dict) -> np.ndarray:
    """``(n, dim)`` starting points from a sweep's ``x0``: a number (every coordinate),
    ``"x_star"``, ``"normal"`` (standard Gaussian from ``gen``), an array ``(dim,)`` or a
    callable (see the module docstring)."""
    if callable(x0):
        out = np.asarray(inject(x0, p=p, gen=gen, n=n, sp=sp), dtype=float)
    elif isinstance(x0, str):
        if x0 == "x_star":
            out = np.tile(np.asarray(p.x_star, float), (n, 1))
        elif x0 == "normal":
            out = gen.standard_normal((n, p.dim))
        else:
            raise ValueError(f"x0={x0!r} is not 'x_star', 'normal', a number, an array or a "
                             "callable")
    else:
        a = np.asarray(x0, dtype=float)
        out = np.full((n, p.dim), float(a)) if a.ndim == 0 else np.tile(a, (n, 1))
    if out.shape != (n, p.dim):
        raise ValueError(f"x0 gives shape {out.shape}, expected {(n, p.dim)}")
    return out


def own_horizon(values: np.ndarray, Ts: np.ndarray, T_run: np.ndarray) -> np.ndarray:
    """Each run's value at its own horizon: ``values`` is ``(len(Ts), runs)`` recorded at
    ``Ts``, ``T_run`` the horizon of each run; returns ``(runs,)``."""
    return values[np.searchsorted(Ts, T_run), np.arange(T_run.size)]


def tidy(**columns: Any) -> pd.DataFrame:
    """A tidy frame: 2-D arrays are flattened row-major, scalars broadcast."""
    flat = {k: (np.asarray(v).reshape(-1) if np.ndim(v) > 1 else v) for k, v in columns.items()}
    return pd.DataFrame(flat)


def grid(*axes: Sequence[float]) -> tuple[np.ndarray, ...]:
    """The flattened ``ij`` mesh of the axes (one entry per configuration)."""
    return tuple(a.ravel() for a in np.meshgrid(*map(np.asarray, axes), indexing="ij"))


@dataclass(frozen=True)
class Sweep:
    """A scenario as data: ``run`` the algorithm over the values of one size parameter.

    Parameters
    ----------
    problem : callable
        ``problem(sp, gen)`` (by name, both optional) -> :class:`~convlab.problems.Problem`.
    params : callable
        ``params(p, v, T, sp)`` (by name) -> the keyword arguments of the algorithm factory
        (per-run arrays for per-run hyperparameters).
    over : str
        The size entry swept: ``"T"`` (horizons) or a hyperparameter name (``"rho"``, ``"b"``).
        Over ``"T"``, when ``params`` takes ``T`` each run has its own horizon (runs
        ordered (T, replicate), read at their own T); otherwise one set of runs is read at
        every T (an anytime sweep).
    oracle : callable or None
        ``oracle(p, v, sp)`` -> oracle; None for exact gradients.
    x0 : number, str, array or callable
        Starting points, see :func:`starts`.
    metric : str
        Metric recorded by :func:`convlab.run` (``"f_gap"``, ``"avg_grad_sq"``, ...).
    per_value : bool
        One run per swept value (the value sets the oracle or the problem); else one run
        holds every value as a per-run array.
    instances : str or None
        Size entry giving a number of problem instances (drawn with ``gen`` first, then
        run in turn); their runs are stacked along the run axis.
    reference : callable or None
        ``reference(p, v, T, sp)`` -> the theory value per run: the measurement holds
        ``metric / reference`` (a :class:`~convlab.claims.Ratio` claim).
    bound : callable or None
        ``bound(p, values, sp)`` -> the bound at each swept value (a bound claim).
    horizon, runs : str
        Size entries of the horizon (when ``over != "T"``) and of the runs per value.
    """

    problem: Callable[..., Any]
    params: Callable[..., dict[str, Any]]
    over: str = "T"
    oracle: Callable[..., Any] | None = None
    x0: Any = 0.0
    metric: str = "f_gap"
    per_value: bool = False
    instances: str | None = None
    reference: Callable[..., Any] | None = None
    bound: Callable[..., Any] | None = None
    horizon: str = "T"
    runs: str = "runs"

    def _one(self, p: Any, sp: dict, gen: np.random.Generator, algorithm: Callable[..., Any],
             values: np.ndarray, R: int) -> tuple[np.ndarray, np.ndarray]:
        """Metric (n_values, R) and reference (or NaN) of one problem instance."""
        own = self.over == "T" and "T" in inspect.signature(self.params).parameters
        if self.over == "T":
            Ts = values.astype(np.int64)
            n = Ts.size * R if own else R
            T_run = np.repeat(Ts, R) if own else np.full(R, Ts[-1])
            x0 = starts(self.x0, p, gen, n, sp)
            kw = inject(self.params, p=p, v=T_run, T=T_run, sp=sp)
            orc = None if self.oracle is None else inject(self.oracle, p=p, v=T_run, sp=sp)
            tr = run(p, algorithm(**kw), x0, int(Ts[-1]), oracle=orc, rng=gen,
                     record_at=Ts, metrics=[self.metric])
            raw = tr.metrics[self.metric]
            out = own_horizon(raw, Ts, T_run).reshape(Ts.size, R) if own else raw
            T_ref = T_run if own else np.repeat(Ts, R)
            ref = (np.full(out.shape, np.nan) if self.reference is None else
                   np.asarray(inject(self.reference, p=p, v=T_ref, T=T_ref, sp=sp),
                              float).reshape(out.shape))
            return out, ref
        T = int(sp[self.horizon])
        groups = [np.full(R, v) for v in values] if self.per_value else [np.repeat(values, R)]
        outs, refs = [], []
        for v in groups:
            x0 = starts(self.x0, p, gen, v.size, sp)
            arg = v[0] if self.per_value else v
            kw = inject(self.params, p=p, v=arg, T=np.full(v.size, T), sp=sp)
            orc = None if self.oracle is None else inject(self.oracle, p=p, v=arg, sp=sp)
            tr = run(p, algorithm(**kw), x0, T, oracle=orc, rng=gen, record_at=[T],
                     metrics=[self.metric])
            outs.append(tr.final(self.metric))
            refs.append(np.full(v.size, np.nan) if self.reference is None else np.broadcast_to(
                inject(self.reference, p=p, v=arg, T=np.full(v.size, T), sp=sp), v.shape))
        return (np.concatenate(outs).reshape(values.size, R),
                np.concatenate(refs).astype(float).reshape(values.size, R))

    def __call__(self, sp: dict, rng: Any, algorithm: Callable[..., Any]) -> Measurement:
        gen = np.random.default_rng(rng)
        values = np.asarray(sp[self.over], dtype=float)
        if values.ndim != 1 or values.size < 1:
            raise ValueError(f"size entry {self.over!r} = {sp[self.over]!r} must be a list of "
                             "values")
        R = int(sp[self.runs])
        n_inst = 1 if self.instances is None else int(sp[self.instances])
        probs = [inject(self.problem, sp=sp, gen=gen) for _ in range(n_inst)]
        outs, refs = zip(*(self._one(p, sp, gen, algorithm, values, R) for p in probs),
                         strict=True)
        out, ref = np.hstack(outs), np.hstack(refs)
        cols = {self.over: np.repeat(values, out.shape[1]),
                "run": np.tile(np.arange(out.shape[1]), values.size), self.metric: out}
        if n_inst > 1:
            cols["instance"] = np.tile(np.repeat(np.arange(n_inst), R), values.size)
        means = np.nanmean(out, axis=1)
        notes = (f"mean {self.metric} = {np.array2string(means, precision=4)} for "
                 f"{self.over} = {values.tolist()} ({out.shape[1]} runs each)")
        if self.reference is not None:
            cols["reference"] = ref
            ratio = out / ref
            notes += f"; mean / reference = {np.round(np.nanmean(ratio, axis=1), 4).tolist()}"
            return Measurement(s=values, values=ratio, frame=tidy(**cols), notes=notes + ".")
        if self.bound is not None:
            bound = np.asarray(inject(self.bound, p=probs[0], values=values, sp=sp), float)
            cols["bound"] = np.repeat(bound, out.shape[1])
            return Measurement(s=values, values=out, bound=bound, frame=tidy(**cols),
                               notes=notes + ".")
        return Measurement(s=values, errors=out, frame=tidy(**cols), notes=notes + ".")
