"""The :class:`Trace` returned by :func:`convlab.run`: metrics x records x runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class Trace:
    """Recorded metrics of a batch of runs.

    Attributes
    ----------
    t : ndarray, shape (n_records,)
        Number of steps taken at each record (0 is the initial point).
    metrics : dict of str to ndarray, each (n_records, runs)
        ``f_gap`` (f(x_t) - f*), ``grad_sq`` (‖∇f(x_t)‖²), ``dist_sq`` (‖x_t - x*‖²),
        ``avg_grad_sq`` ((1/t) Σ_{s<t} ‖∇f(x_s)‖²), ``min_grad_sq`` (min_{s<t}), ``state.<field>``
        and custom metrics, all from exact gradients whatever oracle drove the optimizer.
        A diverged run has NaN from its divergence on.
    x : ndarray, shape (runs, dim)
        Final iterates (a diverged run keeps its last finite iterate).
    diverged : ndarray of bool, shape (runs,)
        Runs whose iterate became non-finite (or exceeded the blow-up bound).
    diverged_at : ndarray of int, shape (runs,)
        Step at which each run diverged, -1 if it did not.
    meta : dict
        Problem, optimizer, oracle, hyperparameters, seed, sizes, versions.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from convlab import Trace, optimizers, problems, run
    >>> p = problems.quadratic([1.0, 4.0])
    >>> trace = run(p, optimizers.sgd(0.1), [1.0, 1.0], 100, runs=3, record_at=[0, 10, 100])
    >>> trace.runs, trace.final("f_gap").shape, trace["grad_sq"].shape
    (3, (3,), (3, 3))
    >>> trace.meta["optimizer"], trace.meta["hp_lr"], trace.meta["runs"]
    ('sgd', 0.1, 3)
    >>> frame = trace.to_frame()                 # one row per (record, run)
    >>> len(frame), list(frame.columns[:4])
    (9, ['t', 'run', 'diverged', 'f_gap'])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = Trace.load(trace.save(Path(tmp) / "sgd"))
    >>> bool((back.x == trace.x).all()), back.meta["optimizer"]
    (True, 'sgd')
    """

    t: np.ndarray
    metrics: dict[str, np.ndarray]
    x: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        """Number of runs."""
        return int(self.x.shape[0])

    def final(self, metric: str) -> np.ndarray:
        """The metric at the last record, shape (runs,)."""
        return self.metrics[metric][-1]

    def __getitem__(self, metric: str) -> np.ndarray:
        return self.metrics[metric]

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per (record, run), metrics as columns, scalar metadata as
        constant columns (benchopt's layout)."""
        n_rec, runs = len(self.t), self.runs
        data: dict[str, Any] = {
            "t": np.repeat(self.t, runs),
            "run": np.tile(np.arange(runs), n_rec),
            "diverged": np.tile(self.diverged, n_rec),
        }
        for name, values in self.metrics.items():
            data[name] = np.asarray(values).reshape(-1)
        frame = pd.DataFrame(data)
        for key, value in self.meta.items():
            if isinstance(value, str | int | float | bool) and key not in frame:
                frame[key] = value
        return frame

    def save(self, path: str | Path) -> Path:
        """Write the trace to ``path`` (``.npz``, metadata as JSON inside)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        arrays = {f"metric:{k}": np.asarray(v) for k, v in self.metrics.items()}
        np.savez_compressed(
            path, t=self.t, x=self.x, diverged=self.diverged, diverged_at=self.diverged_at,
            meta=np.array(json.dumps(self.meta, default=_jsonable)), **arrays,
        )
        return path

    @classmethod
    def load(cls, path: str | Path) -> Trace:
        """Read a trace written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as z:
            metrics = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("metric:")}
            return cls(z["t"], metrics, z["x"], z["diverged"], z["diverged_at"],
                       json.loads(str(z["meta"])))

    def plot(self, metric: str = "f_gap", ax: Any = None, *, band: bool = True,
             label: str | None = None, **kwargs: Any) -> Any:
        """Mean over runs of ``metric`` against steps on log-log axes, with the min–max
        range of the runs shaded; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if metric not in self.metrics:
            raise ValueError(f"metric {metric!r} not recorded; have {sorted(self.metrics)}")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.5))
        keep = self.t > 0
        t, values = self.t[keep], self.metrics[metric][keep]
        with np.errstate(all="ignore"):
            mean = np.nanmean(values, axis=1) if np.isfinite(values).any() else values[:, 0]
        line, = ax.plot(t, mean, label=label or f"{self.meta.get('optimizer', '')}", **kwargs)
        if band and values.shape[1] > 1:
            ax.fill_between(t, np.nanmin(values, axis=1), np.nanmax(values, axis=1),
                            color=line.get_color(), alpha=0.2, lw=0)
        ax.set_xscale("log")
        if np.all(mean[np.isfinite(mean)] > 0):
            ax.set_yscale("log")
        ax.set_xlabel("step t")
        ax.set_ylabel(metric)
        return ax


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return repr(obj)
