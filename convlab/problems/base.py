"""The :class:`Problem` record: an analytic test function vectorised over runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Problem:
    """A smooth test function with exact derivatives and known constants.

    Every callable takes points ``x`` of shape ``(runs, dim)`` (float64) and works on all
    runs at once; no run's numbers depend on another's.

    Attributes
    ----------
    name : str
        Short description, with the parameters that matter.
    dim : int
        Dimension ``d``.
    f : callable
        ``f(x) -> (runs,)``.
    grad : callable
        ``grad(x) -> (runs, dim)``, exact.
    hess : callable
        ``hess(x) -> (runs, dim, dim)``, exact.
    hvp : callable
        ``hvp(x, v) -> (runs, dim)``: Hessian-vector products, exact.
    L : float
        Global smoothness constant (largest Hessian eigenvalue in absolute value);
        ``inf`` when the gradient is not globally Lipschitz.
    mu : float
        Strong-convexity constant; ``0.0`` when the function is not strongly convex.
    lower : float
        A lower bound on every Hessian eigenvalue (negative for nonconvex functions,
        ``-inf`` when unbounded). ``lower <= eig(hess(x)) <= L`` everywhere.
    f_star : float
        The minimum value.
    x_star : ndarray or None
        A minimiser, shape ``(dim,)``.
    n : int
        Number of components for finite sums, else 0.
    grad_i : callable or None
        ``grad_i(x, idx)`` for finite sums: the mean gradient of components ``idx``
        (integer array ``(runs, b)``) at ``x``, shape ``(runs, dim)``.
    L_max : float
        Largest smoothness constant of a single component (finite sums); equals ``L``
        otherwise.
    convex : bool
        Whether the function is convex.
    params : dict
        The constructor's parameters, recorded in traces.
    """

    name: str
    dim: int
    f: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    hess: Callable[[Array], Array]
    hvp: Callable[[Array, Array], Array]
    L: float
    mu: float = 0.0
    lower: float = -np.inf
    f_star: float = 0.0
    x_star: Array | None = None
    n: int = 0
    grad_i: Callable[[Array, IntArray], Array] | None = None
    L_max: float = np.nan
    convex: bool = False
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if np.isnan(self.L_max):
            object.__setattr__(self, "L_max", self.L)
        if self.x_star is not None:
            xs = np.asarray(self.x_star, dtype=float).reshape(self.dim)
            xs.setflags(write=False)
            object.__setattr__(self, "x_star", xs)

    @property
    def is_finite_sum(self) -> bool:
        """True when the problem exposes per-component gradients."""
        return self.grad_i is not None and self.n > 0

    def __repr__(self) -> str:
        return f"Problem({self.name}, dim={self.dim}, L={self.L:g}, mu={self.mu:g})"


def hvp_from_hess(hess: Callable[[Array], Array]) -> Callable[[Array, Array], Array]:
    """An ``hvp`` computed from a dense Hessian (small problems only)."""

    def hvp(x: Array, v: Array) -> Array:
        return np.einsum("rij,rj->ri", hess(x), v)

    return hvp
