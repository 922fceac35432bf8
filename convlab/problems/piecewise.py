r"""Piecewise-quadratic functions of one variable (the nonconvex worst-case family of
:mod:`convlab.worst`): exact :math:`f, f', f''`, bounded below, :math:`|f''| \le \beta`.

The line is cut at knots :math:`b_0 < b_1 < \dots < b_K`; on :math:`[b_{k-1}, b_k)` the
second derivative is the constant :math:`c_k`, outside :math:`[b_0, b_K]` it is the
constant ``outer`` :math:`> 0` (so the function grows quadratically at both ends and is
bounded below). :math:`f` and :math:`f'` are continuous; :math:`f''` jumps at the knots
and is taken from the right there (:math:`f''(b_k) = c_{k+1}`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_scalar
from .base import Array
from .separable import Term, separable

__all__ = ["piecewise_quadratic", "piecewise_quadratic_term"]


def _pieces(knots: Array, curv: Array, slope: float, value: float, outer: float):
    """Anchors, values, slopes and curvatures of the K + 2 pieces (left outer, K inner,
    right outer): piece j is ``v[j] + s[j] (x - a[j]) + c[j] (x - a[j])**2 / 2``."""
    K = curv.size
    a = np.concatenate([[knots[0]], knots])                  # (K + 2,)
    c = np.concatenate([[outer], curv, [outer]])
    v = np.empty(K + 2)
    s = np.empty(K + 2)
    v[0] = v[1] = value
    s[0] = s[1] = slope
    for k in range(1, K + 1):                                # integrate piece by piece
        w = knots[k] - knots[k - 1]
        v[k + 1] = v[k] + s[k] * w + 0.5 * c[k] * w * w
        s[k + 1] = s[k] + c[k] * w
    return a, v, s, c


def _minimum(knots: Array, a: Array, v: Array, s: Array, c: Array) -> tuple[float, float]:
    """The exact minimiser and minimum: piece ends and the vertices inside their pieces."""
    lo = np.concatenate([[-np.inf], knots])
    hi = np.concatenate([knots, [np.inf]])
    cand_x, cand_j = [], []
    for j in range(a.size):
        for e in (lo[j], hi[j]):
            if np.isfinite(e):
                cand_x.append(e)
                cand_j.append(j)
        if c[j] > 0:
            xv = a[j] - s[j] / c[j]
            if lo[j] <= xv <= hi[j]:
                cand_x.append(xv)
                cand_j.append(j)
    xs, js = np.array(cand_x), np.array(cand_j)
    z = xs - a[js]
    fs = v[js] + s[js] * z + 0.5 * c[js] * z * z
    i = int(np.argmin(fs))
    return float(xs[i]), float(fs[i])


def piecewise_quadratic_term(knots: Any, curvatures: Any, slope: float = 0.0,
                             value: float = 0.0, outer: float | None = None) -> Term:
    r"""A 1-D piecewise quadratic :math:`\phi` as a :class:`~convlab.problems.Term`.

    Parameters
    ----------
    knots : array_like, shape (K + 1,)
        Strictly increasing finite knots :math:`b_0 < \dots < b_K`, :math:`K \ge 1`.
    curvatures : array_like, shape (K,)
        :math:`\phi''` on each piece :math:`[b_{k-1}, b_k)`, any sign.
    slope, value : float
        :math:`\phi'(b_0)` and :math:`\phi(b_0)`.
    outer : float, optional
        :math:`\phi''` outside :math:`[b_0, b_K]`, :math:`> 0`; default
        :math:`\max_k |c_k|` (so :math:`\sup|\phi''|` is unchanged).

    Returns
    -------
    Term
        With ``curv_max`` / ``curv_min`` the largest / smallest curvature (``outer``
        included), the exact minimiser ``u_star`` and minimum ``phi_star``.

    Raises
    ------
    ValueError
        For non-increasing or non-finite knots, a length mismatch, or ``outer <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.problems.piecewise import piecewise_quadratic_term
    >>> t = piecewise_quadratic_term([0.0, 1.0, 2.0], [-1.0, 1.0], slope=0.25)
    >>> u = np.array([-1.0, 0.5, 1.5, 3.0])
    >>> t.d1(u).tolist(), t.d2(u).tolist()
    ([-0.75, -0.25, -0.25, 1.25], [1.0, -1.0, 1.0, 1.0])
    >>> t.curv_min, t.curv_max, t.u_star, t.phi_star
    (-1.0, 1.0, 1.75, -0.53125)
    """
    b = np.asarray(knots, dtype=float).reshape(-1)
    c = np.asarray(curvatures, dtype=float).reshape(-1)
    if b.size < 2:
        raise ValueError(f"knots must hold at least 2 points, got {b.size}")
    if not np.all(np.isfinite(b)) or not np.all(np.diff(b) > 0):
        raise ValueError("knots must be finite and strictly increasing")
    if c.size != b.size - 1:
        raise ValueError(f"curvatures must have one entry per piece ({b.size - 1}), "
                         f"got {c.size}")
    if not np.all(np.isfinite(c)):
        raise ValueError("curvatures must be finite")
    slope = check_scalar("slope", slope, low=None)
    value = check_scalar("value", value, low=None)
    top = float(np.max(np.abs(c)))
    outer = check_scalar("outer", top if outer is None else outer, strict=True)
    a, v, s, cc = _pieces(b, c, slope, value, outer)
    u_star, phi_star = _minimum(b, a, v, s, cc)
    for arr in (a, v, s, cc):
        arr.setflags(write=False)

    def piece(u: Array) -> tuple[Array, Array]:
        j = np.searchsorted(b, u, side="right")
        return j, u - a[j]

    def phi(u: Array) -> Array:
        j, z = piece(u)
        return v[j] + s[j] * z + 0.5 * cc[j] * z * z

    def d1(u: Array) -> Array:
        j, z = piece(u)
        return s[j] + cc[j] * z

    def d2(u: Array) -> Array:
        return cc[np.searchsorted(b, u, side="right")]

    return Term(f"piecewise_quadratic(K={c.size}, beta={max(top, outer):g})", phi, d1, d2,
                curv_max=float(cc.max()), curv_min=float(cc.min()), u_star=u_star,
                phi_star=phi_star)


def piecewise_quadratic(knots: Any, curvatures: Any, slope: float = 0.0, value: float = 0.0,
                        outer: float | None = None, dim: int = 1) -> Any:
    r"""Separable sum of a 1-D piecewise quadratic over ``dim`` coordinates.

    Parameters
    ----------
    knots, curvatures, slope, value, outer
        As in :func:`piecewise_quadratic_term`.
    dim : int
        Number of coordinates (1 for the 1-D family of :mod:`convlab.worst`).

    Returns
    -------
    Problem
        ``L`` :math:`= \sup|\phi''|` (``beta``), ``lower`` :math:`= \inf\phi''`, the exact
        ``x_star`` and ``f_star``; ``params`` holds the arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.problems.piecewise import piecewise_quadratic
    >>> p = piecewise_quadratic([0.0, 1.0, 2.0], [-1.0, 1.0], slope=0.25)
    >>> p
    Problem(piecewise_quadratic(K=2, beta=1) x 1, dim=1, L=1, mu=0)
    >>> p.lower, p.convex, p.x_star.tolist(), p.f_star
    (-1.0, False, [1.75], -0.53125)
    >>> p.grad(np.array([[0.5], [3.0]])).ravel().tolist()
    [-0.25, 1.25]
    """
    t = piecewise_quadratic_term(knots, curvatures, slope, value, outer)
    p = separable(t, dim=dim)
    p.params.update(problem="piecewise_quadratic",
                    knots=np.asarray(knots, dtype=float).reshape(-1).tolist(),
                    curvatures=np.asarray(curvatures, dtype=float).reshape(-1).tolist(),
                    slope=float(slope), value=float(value),
                    outer=float(t.curv_max if outer is None else outer))
    return p
