"""Two-dimensional and classic examples: :math:`(xy-1)^2` and Rosenbrock."""

from __future__ import annotations

import numpy as np

from .._validation import check_scalar
from .base import Array, Problem


def xy_minus_one() -> Problem:
    r""":math:`f(x, y) = (xy - 1)^2`, Figure 1 of Si & Yun (2023) (THEORY.md §4.4).

    :math:`\nabla f = 2(xy-1)(y, x)`,
    :math:`\nabla^2 f = \begin{pmatrix}2y^2 & 4xy-2\\ 4xy-2 & 2x^2\end{pmatrix}`.
    The minimisers form the manifold :math:`xy = 1` (:math:`f^\star = 0`), on which
    :math:`\mathrm{Tr}\,H = 2(x^2+y^2) \ge 4` and, since :math:`\det H = 0` there, the
    eigenvalues are 0 and :math:`\lambda_{\max} = 2(x^2+y^2) = \mathrm{Tr}\,H` (THEORY.md §4.4
    writes :math:`x^2+y^2`, which is half the true value); the flattest
    minimisers are :math:`\pm(1, 1)` (``x_star = (1, 1)``). The gradient is not globally
    Lipschitz, so ``L = inf``; the function is nonconvex with unbounded negative curvature.

    Returns
    -------
    Problem
        Two-dimensional, ``L = inf``, ``f_star = 0``, ``x_star = (1, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import problems
    >>> p = problems.xy_minus_one()
    >>> p.f(np.array([[2.0, 0.5], [0.0, 0.0]])).tolist()
    [0.0, 1.0]
    >>> float(np.trace(p.hess(np.array([[1.0, 1.0]]))[0]))
    4.0
    """

    def f(z: Array) -> Array:
        return (z[:, 0] * z[:, 1] - 1.0) ** 2

    def grad(z: Array) -> Array:
        x, y = z[:, 0], z[:, 1]
        r = 2.0 * (x * y - 1.0)
        return np.stack([r * y, r * x], axis=-1)

    def hess(z: Array) -> Array:
        x, y = z[:, 0], z[:, 1]
        off = 4 * x * y - 2
        return np.stack([np.stack([2 * y * y, off], -1), np.stack([off, 2 * x * x], -1)], -2)

    def hvp(z: Array, v: Array) -> Array:
        return np.einsum("rij,rj->ri", hess(z), v)

    return Problem("xy_minus_one", 2, f, grad, hess, hvp, L=np.inf, mu=0.0, lower=-np.inf,
                   f_star=0.0, x_star=np.ones(2), params={"problem": "xy_minus_one"})


def rosenbrock(dim: int = 2, a: float = 1.0, b: float = 100.0) -> Problem:
    r"""Rosenbrock :math:`f(x) = \sum_{i<d} b(x_{i+1}-x_i^2)^2 + (a-x_i)^2`.

    Same function as ``scipy.optimize.rosen`` for ``a=1, b=100`` (cross-checked in the
    tests). :math:`x^\star = \mathbf 1` for ``a=1`` and :math:`(a, a^2)` in two dimensions;
    :math:`f^\star = 0` (for ``dim > 2`` only ``a = 1`` has this closed form, so other
    values of ``a`` are refused there). Not globally smooth (``L = inf``), nonconvex.

    Returns
    -------
    Problem
        ``dim``-dimensional, ``L = inf``, ``f_star = 0`` and the known ``x_star``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import rosen
    >>> from convlab import problems
    >>> p = problems.rosenbrock(3)
    >>> p.x_star.tolist(), p.f(np.zeros((1, 3))).tolist()
    ([1.0, 1.0, 1.0], [2.0])
    >>> z = np.array([0.5, 1.5, -1.0])
    >>> float(p.f(z[None])[0]) == float(rosen(z))
    True
    """
    d = check_scalar("dim", dim, low=2, integer=True)
    a = check_scalar("a", a, low=None)
    b = check_scalar("b", b, strict=True)

    def f(x: Array) -> Array:
        return np.sum(b * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (a - x[:, :-1]) ** 2, axis=-1)

    def grad(x: Array) -> Array:
        g = np.zeros_like(x)
        r = x[:, 1:] - x[:, :-1] ** 2
        g[:, :-1] = -4 * b * x[:, :-1] * r - 2 * (a - x[:, :-1])
        g[:, 1:] += 2 * b * r
        return g

    def hess(x: Array) -> Array:
        runs = x.shape[0]
        H = np.zeros((runs, d, d))
        i = np.arange(d - 1)
        diag = np.zeros((runs, d))
        diag[:, :-1] = 12 * b * x[:, :-1] ** 2 - 4 * b * x[:, 1:] + 2
        diag[:, 1:] += 2 * b
        H[:, np.arange(d), np.arange(d)] = diag
        off = -4 * b * x[:, :-1]
        H[:, i, i + 1] = off
        H[:, i + 1, i] = off
        return H

    def hvp(x: Array, v: Array) -> Array:
        return np.einsum("rij,rj->ri", hess(x), v)

    if d == 2:
        x_star = np.array([a, a * a])
    elif a == 1.0:
        x_star = np.ones(d)
    else:
        raise ValueError(f"rosenbrock: a={a} is only supported with dim=2 (known minimiser)")
    return Problem(f"rosenbrock(d={d})", d, f, grad, hess, hvp, L=np.inf, mu=0.0,
                   lower=-np.inf, f_star=0.0, x_star=x_star,
                   params={"problem": "rosenbrock", "a": a, "b": b})
