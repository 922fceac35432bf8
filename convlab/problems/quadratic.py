"""Strongly convex (or convex) quadratics."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_values
from .base import Array, Problem


def haar_orthogonal(dim: int, rng: Any) -> Array:
    """A Haar-distributed orthogonal matrix (QR of a Gaussian matrix with the sign fix of
    Mezzadri, *How to generate random matrices from the classical compact groups*, 2007).

    Returns
    -------
    ndarray, shape (dim, dim)
        An orthogonal matrix drawn from ``np.random.default_rng(rng)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.problems import haar_orthogonal
    >>> Q = haar_orthogonal(3, rng=0)
    >>> Q.shape, bool(np.allclose(Q.T @ Q, np.eye(3)))
    ((3, 3), True)
    """
    g = np.random.default_rng(rng).standard_normal((dim, dim))
    q, r = np.linalg.qr(g)
    return q * np.sign(np.diag(r))


def quadratic(eigs: Any, rotate: Any = None, center: Any = None) -> Problem:
    r"""Quadratic :math:`f(x) = \tfrac12 (x-c)^\top Q\,\mathrm{diag}(\lambda)\,Q^\top (x-c)`.

    Parameters
    ----------
    eigs : array_like, shape (dim,)
        Eigenvalues :math:`\lambda_i \ge 0`.
    rotate : None, int or numpy.random.Generator
        ``None`` keeps :math:`Q = I` (diagonal, elementwise arithmetic). Otherwise
        :math:`Q` is Haar-random, drawn from ``np.random.default_rng(rotate)``.
    center : array_like, optional
        The minimiser :math:`c` (default 0).

    Notes
    -----
    :math:`\nabla f = A(x-c)`, :math:`\nabla^2 f = A = Q\,\mathrm{diag}(\lambda)Q^\top`,
    :math:`L = \max\lambda`, :math:`\mu = \min\lambda`, :math:`f^\star = 0`,
    :math:`x^\star = c`. Used for the SAM band law (THEORY.md §4.1).

    Returns
    -------
    Problem
        Convex (strongly convex when every :math:`\lambda_i > 0`), with ``L``, ``mu``,
        ``f_star = 0`` and ``x_star = center``; ``params["A"]`` holds the Hessian.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import problems
    >>> p = problems.quadratic([1.0, 4.0])
    >>> p
    Problem(quadratic(d=2, kappa=4), dim=2, L=4, mu=1)
    >>> x = np.array([[1.0, 1.0]])
    >>> p.f(x).tolist(), p.grad(x).tolist()
    ([2.5], [[1.0, 4.0]])

    A Haar-random rotation keeps the spectrum; ``center`` moves the minimiser:

    >>> q = problems.quadratic([1.0, 4.0], rotate=0, center=[1.0, -1.0])
    >>> np.linalg.eigvalsh(q.hess(x)[0]).round(6).tolist()
    [1.0, 4.0]
    >>> q.x_star.tolist(), q.f(q.x_star[None]).tolist()
    ([1.0, -1.0], [0.0])
    """
    lam = check_values("eigs", np.atleast_1d(np.asarray(eigs, dtype=float)))
    if lam.ndim != 1:
        raise ValueError(f"eigs must be 1-D, got shape {lam.shape}")
    d = lam.size
    c = np.zeros(d) if center is None else np.asarray(center, dtype=float).reshape(d)
    if not np.all(np.isfinite(c)):
        raise ValueError("center must be finite")
    L, mu = float(lam.max()), float(lam.min())
    kappa = f"{L / mu:.3g}" if mu > 0 else "inf"
    if rotate is None:
        A = np.diag(lam)
        shift = np.any(c != 0)

        def f(x: Array) -> Array:
            z = x - c if shift else x
            return 0.5 * np.einsum("rd,d,rd->r", z, lam, z)

        def grad(x: Array) -> Array:
            return (x - c) * lam if shift else x * lam

        def hvp(x: Array, v: Array) -> Array:
            return v * lam

        name = f"quadratic(d={d}, kappa={kappa})"
    else:
        Q = haar_orthogonal(d, rotate)
        A = (Q * lam) @ Q.T
        A = 0.5 * (A + A.T)

        shift = bool(np.any(c != 0))        # no (x - c) temporary for a centred quadratic

        def f(x: Array) -> Array:
            z = x - c if shift else x
            return 0.5 * np.einsum("rd,rd->r", z @ A, z)

        def grad(x: Array) -> Array:
            return (x - c) @ A if shift else x @ A

        def hvp(x: Array, v: Array) -> Array:
            return v @ A

        name = f"quadratic(d={d}, kappa={kappa}, rotated)"
    A.setflags(write=False)

    def hess(x: Array) -> Array:
        return np.broadcast_to(A, (x.shape[0], d, d))

    return Problem(
        name, d, f, grad, hess, hvp, L=L, mu=mu, lower=mu, f_star=0.0, x_star=c,
        convex=True, params={"problem": "quadratic", "eigs": lam.tolist(),
                             "rotated": rotate is not None, "A": A},
    )
