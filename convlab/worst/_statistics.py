r"""Statistics to maximise: deterministic functions ``instance -> float``.

Each one runs convlab on the instance (all its starts as one vectorised run) with a fixed
seed of its own, so that its value is a function of the instance's parameters only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_choice, check_scalar
from ..optimizers import sam, sgd, usam
from ..optimizers.base import Optimizer
from ..schedules import inverse_power
from ._families import Instance

METHODS = ("gd", "usam", "sam")
METRICS = ("f_gap", "dist_sq", "grad_sq", "min_grad_sq")
INITIALS = ("dist_sq", "f_gap")


class Statistic:
    """A named statistic: ``stat(instance) -> float``, with :meth:`describe` for saving.

    Parameters
    ----------
    fn : callable
        ``fn(instance) -> float``.
    name : str
        What it computes.
    **params
        Its settings (JSON values), reported by :meth:`describe`.

    Examples
    --------
    >>> from convlab import worst
    >>> s = worst.Statistic(lambda inst: float(inst.x0[0]), "first_coordinate")
    >>> s(worst.two_point_noise(x0=1.0).build([0.5])), s.describe()
    (1.0, {'statistic': 'first_coordinate'})
    """

    def __init__(self, fn: Callable[[Instance], float], name: str, **params: Any) -> None:
        self.fn, self.name, self.params = fn, name, params

    def __call__(self, instance: Instance) -> float:
        return self.fn(instance)

    def describe(self) -> dict[str, Any]:
        """``{"statistic": name, **params}``."""
        return {"statistic": self.name, **self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def _optimizer(method: str | Optimizer, lr: Any, rho: Any, **kw: Any) -> Optimizer:
    if isinstance(method, Optimizer):
        return method
    method = check_choice("method", method, METHODS)
    if method == "gd":
        if rho:
            raise ValueError(f"method='gd' has no radius: rho must be 0, got rho={rho!r}")
        return sgd(lr)
    return (usam if method == "usam" else sam)(lr, rho, **kw)


def _reduce(values: np.ndarray, how: str) -> float:
    return float(np.max(values) if how == "max" else np.mean(values))


def performance(method: str | Optimizer, n_steps: int, *, lr: float, rho: float = 0.0,
                metric: str = "dist_sq", initial: str = "dist_sq", reduce: str = "max",
                seed: int = 0) -> Statistic:
    r"""The performance measure of :func:`convlab.certify.worst_case` on an instance.

    Runs ``method`` for ``n_steps`` steps from the instance's start(s) and returns the
    metric at step :math:`N`, divided by the initial quantity when both are of the same
    kind (``dist_sq`` / ``dist_sq``, ``f_gap`` / ``f_gap``), as the certificate's
    ``value`` is: comparable with it when the family's start lies in the certificate's
    initial set (``quadratic_spectrum(radius=R)`` with ``radius=R``).

    Parameters
    ----------
    method : {"gd", "usam", "sam"} or Optimizer
        As in :func:`convlab.certify.worst_case` (``sgd(lr)``, ``usam(lr, rho)``,
        ``sam(lr, rho)``), or any convlab optimizer.
    n_steps : int
        :math:`N \ge 1`.
    lr, rho : float
        Step size and radius.
    metric : {"f_gap", "dist_sq", "grad_sq", "min_grad_sq"}
        At :math:`x_N` (``min_grad_sq``: :math:`\min_{0\le t\le N}\|\nabla f(x_t)\|^2`).
    initial : {"dist_sq", "f_gap"}
        The initial quantity that normalises a metric of the same kind.
    reduce : {"max", "mean"}
        Over the instance's starts.
    seed : int
        The run's seed (for stochastic oracles).

    Returns
    -------
    Statistic
        ``inf`` when a run diverged.

    Examples
    --------
    GD with :math:`\eta = 1/L` on the worst quadratic, :math:`(1 - \mu/L)^{2N}`:

    >>> from convlab import worst
    >>> fam = worst.quadratic_spectrum(dim=2, mu=0.1, L=1.0, rotate=False)
    >>> stat = worst.performance("gd", 3, lr=1.0)
    >>> round(stat(fam.build([0.1, 1.0, 0.0])), 6), round(0.9**6, 6)
    (0.531441, 0.531441)
    """
    n = check_scalar("n_steps", n_steps, low=1, integer=True)
    metric = check_choice("metric", metric, METRICS)
    initial = check_choice("initial", initial, INITIALS)
    reduce = check_choice("reduce", reduce, ("max", "mean"))
    opt = _optimizer(method, lr, rho)
    base = "grad_sq" if metric == "min_grad_sq" else metric
    names = sorted({base, initial})
    record = np.arange(n + 1) if metric == "min_grad_sq" else np.array([0, n])

    def stat(inst: Instance) -> float:
        tr = inst.run(opt, n, rng=seed, record_at=record, metrics=names, progress=False)
        if tr.diverged.any():
            return float("inf")
        m = tr[base].min(axis=0) if metric == "min_grad_sq" else tr[base][-1]
        if metric == initial:
            with np.errstate(divide="ignore", invalid="ignore"):
                m = m / tr[initial][0]
        return _reduce(m, reduce)

    return Statistic(stat, "performance", method=method if isinstance(method, str)
                     else opt.name, n_steps=n, lr=lr, rho=rho, metric=metric,
                     initial=initial, reduce=reduce, seed=seed)


def stationarity_floor(lr: float, rho: float, n_steps: int = 400, window: int = 50, *,
                       method: str = "sam", reduce: str = "min", normalize: bool = True
                       ) -> Statistic:
    r"""How far from stationary SAM stays: :math:`\|\nabla f(x_t)\|` over the last
    ``window`` steps, per start, the worst start.

    Parameters
    ----------
    lr, rho : float
        Constant step size and radius (deterministic SAM, THEORY.md §3.1.3).
    n_steps : int
        Horizon :math:`T`.
    window : int
        The tail :math:`T - W \le t \le T`.
    method : {"sam", "usam", "gd"}
        The method.
    reduce : {"min", "rms"}
        Per start: :math:`\min_t \|\nabla f(x_t)\|` over the tail (the gradient stays at least
        this large) or the root mean square (the quantity of the theorem,
        :math:`\frac1T\sum\|\nabla f\|^2`, read at the tail).
    normalize : bool
        Divide by :math:`\beta\rho` (``problem.L * rho``): at a SAM fixed point
        :math:`f'(\bar x + \rho\,\mathrm{sign} f'(\bar x)) = 0`, so the ratio is at most 1.

    Returns
    -------
    Statistic
        The largest value over the instance's starts; ``inf`` when a run diverged.

    Examples
    --------
    On a single well :math:`\frac\beta2(x - c)^2` SAM ends on its 2-cycle
    :math:`\pm\eta\beta\rho/(2 - \eta\beta)` around :math:`c` (THEORY.md §4.1), so the
    floor is :math:`\eta\beta/(2 - \eta\beta)` in units of :math:`\beta\rho`:

    >>> from convlab import worst
    >>> fam = worst.piecewise_quadratic_1d(beta=1.0, pieces=1)
    >>> stat = worst.stationarity_floor(lr=0.5, rho=0.1, n_steps=200)
    >>> round(stat(fam.build([1.0, 1.0, -0.5, 0.1])), 9)      # 0.5 / 1.5
    0.333333333
    """
    n = check_scalar("n_steps", n_steps, low=1, integer=True)
    w = check_scalar("window", window, low=0, integer=True, high=n)
    reduce = check_choice("reduce", reduce, ("min", "rms"))
    rho = check_scalar("rho", rho, strict=normalize)
    opt = _optimizer(method, lr, rho)
    record = np.arange(n - w, n + 1)

    def stat(inst: Instance) -> float:
        tr = inst.run(opt, n, record_at=record, metrics=["grad_sq"], progress=False)
        if tr.diverged.any():
            return float("inf")
        g2 = tr["grad_sq"]
        per = np.sqrt(g2.min(axis=0) if reduce == "min" else g2.mean(axis=0))
        v = float(np.max(per))
        return v / (inst.problem.L * rho) if normalize else v

    return Statistic(stat, "stationarity_floor", lr=lr, rho=rho, n_steps=n, window=w,
                     method=method, reduce=reduce, normalize=normalize)


def noise_floor(rho: float, n_steps: int = 2000, runs: int = 256, *, lr0: float | None = None,
                offset: float = 10.0, ascent: str = "same", tail: float = 0.25,
                seed: int = 0, normalize: bool = True) -> Statistic:
    r"""Stochastic SAM's floor :math:`\mathbb E f(x_T) - f^\star` under an instance's noise law.

    SAM with :math:`\eta_t = \eta_0/(t + t_0)` (default :math:`\eta_0 = 1/\mu`, THEORY.md
    §4.3), ``runs`` runs drawn from the fixed ``seed`` (so the Monte-Carlo estimate is a
    deterministic function of the instance), :math:`f - f^\star` averaged over the runs and
    over the records in the last ``tail`` fraction of the horizon.

    Parameters
    ----------
    rho : float
        SAM's radius :math:`> 0`.
    n_steps, runs : int
        Horizon and number of runs.
    lr0, offset : float
        :math:`\eta_0` (default :math:`1/\mu` of the instance) and :math:`t_0`.
    ascent : {"same", "independent", "full"}
        m-SAM, n-SAM, or the exact ascent.
    tail : float
        Fraction of the horizon averaged over, in :math:`(0, 1]`.
    seed : int
        The oracle's seed.
    normalize : bool
        Divide by :math:`\frac\mu2\rho^2` (the two-point floor is then :math:`(2p-1)^2`).

    Returns
    -------
    Statistic
        ``inf`` when a run diverged.

    Examples
    --------
    >>> from convlab import worst
    >>> fam = worst.two_point_noise(sigma=0.1)
    >>> stat = worst.noise_floor(rho=0.02, n_steps=300, runs=64)
    >>> round(stat(fam.build([0.5])), 1), round(stat(fam.build([0.9])), 1)   # ~ (2p - 1)^2
    (0.1, 0.7)
    """
    rho = check_scalar("rho", rho, strict=True)
    n = check_scalar("n_steps", n_steps, low=1, integer=True)
    R = check_scalar("runs", runs, low=1, integer=True)
    tail = check_scalar("tail", tail, strict=True, high=1.0)
    offset = check_scalar("offset", offset, strict=True)
    ascent = check_choice("ascent", ascent, ("same", "independent", "full"))
    first = max(0, int(np.floor(n * (1 - tail))))
    record = np.unique(np.linspace(first, n, 21).round().astype(np.int64))

    def stat(inst: Instance) -> float:
        mu = inst.problem.mu
        eta0 = (1.0 / mu) if lr0 is None else lr0
        opt = sam(inverse_power(eta0, 1.0, offset), rho, ascent=ascent)
        x0 = np.broadcast_to(inst.x0, (R, inst.problem.dim)) if inst.x0.ndim == 1 else inst.x0
        from ..run import run

        tr = run(inst.problem, opt, x0, n, oracle=inst.oracle(), rng=seed, record_at=record,
                 metrics=["f_gap"], progress=False)
        if tr.diverged.any():
            return float("inf")
        v = float(np.mean(tr["f_gap"]))
        return v / (0.5 * mu * rho**2) if normalize else v

    return Statistic(stat, "noise_floor", rho=rho, n_steps=n, runs=R, lr0=lr0, offset=offset,
                     ascent=ascent, tail=tail, seed=seed, normalize=normalize)
