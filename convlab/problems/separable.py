r"""Separable functions :math:`f(x) = \sum_i \phi(x_i)` built from a 1-D term.

Each term ships :math:`\phi, \phi', \phi''` in closed form and the bounds
:math:`\inf\phi'' \le \phi'' \le \sup\phi''` (checked against sympy in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validation import check_scalar
from .base import Array, Problem


@dataclass(frozen=True)
class Term:
    """A 1-D term: value, first and second derivative, curvature bounds, minimiser."""

    name: str
    phi: Callable[[Array], Array]
    d1: Callable[[Array], Array]
    d2: Callable[[Array], Array]
    curv_max: float
    curv_min: float
    u_star: float
    phi_star: float


def log1p_sq(scale: float = 1.0) -> Term:
    r""":math:`\phi(u) = c\log(1+u^2)`: :math:`\phi'' = 2c(1-u^2)/(1+u^2)^2 \in [-c/4, 2c]`.

    The nonconvex test function of THEORY.md §3.2 (E8, E9, E11) is the sum over 20
    coordinates with :math:`c = 1`, so :math:`\beta = 2`.

    Returns
    -------
    Term
        The term, for :func:`separable`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.problems import log1p_sq
    >>> t = log1p_sq()
    >>> t.curv_max, t.curv_min, float(t.d2(np.array(0.0)))
    (2.0, -0.25, 2.0)
    """
    c = check_scalar("scale", scale, strict=True)
    return Term(
        f"log1p_sq(c={c:g})",
        lambda u: c * np.log1p(u * u),
        lambda u: 2 * c * u / (1 + u * u),
        lambda u: 2 * c * (1 - u * u) / (1 + u * u) ** 2,
        curv_max=2 * c, curv_min=-c / 4, u_star=0.0, phi_star=0.0,
    )


def geman_mcclure(scale: float = 1.0) -> Term:
    r""":math:`\phi(u) = c\,u^2/(1+u^2)`: :math:`\phi'' = 2c(1-3u^2)/(1+u^2)^3 \in [-c/2, 2c]`
    (the minimum is at :math:`u^2 = 1`).

    Returns
    -------
    Term
        The term, for :func:`separable`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.problems import geman_mcclure
    >>> t = geman_mcclure()
    >>> t.curv_min, float(t.d2(np.array(1.0)))
    (-0.5, -0.5)
    """
    c = check_scalar("scale", scale, strict=True)
    return Term(
        f"geman_mcclure(c={c:g})",
        lambda u: c * u * u / (1 + u * u),
        lambda u: 2 * c * u / (1 + u * u) ** 2,
        lambda u: 2 * c * (1 - 3 * u * u) / (1 + u * u) ** 3,
        curv_max=2 * c, curv_min=-c / 2, u_star=0.0, phi_star=0.0,
    )


def cosine_trap(beta: float = 1.0, rho: float = 0.1) -> Term:
    r"""The cosine trap of THEORY.md §4.2: :math:`\phi(u) = -A\cos(\omega u)` with
    :math:`\omega = 3\pi/(2\rho)`, :math:`A = \beta/\omega^2`.

    :math:`\phi'' = \beta\cos(\omega u) \in [-\beta, \beta]`. Deterministic SAM with
    radius ``rho`` started at :math:`u_0 = -0.9\rho` converges to the non-stationary point
    :math:`-\rho` where :math:`|\phi'| = 2\beta\rho/(3\pi)` (a construction of ours, not
    Si & Yun's function).

    Returns
    -------
    Term
        The term, for :func:`separable`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab.problems import cosine_trap
    >>> t = cosine_trap(beta=1.0, rho=0.1)
    >>> t.curv_max, t.curv_min
    (1.0, -1.0)
    >>> round(abs(float(t.d1(np.array(-0.1)))), 6) == round(2 * 0.1 / (3 * np.pi), 6)
    True
    """
    b = check_scalar("beta", beta, strict=True)
    r = check_scalar("rho", rho, strict=True)
    w = 3 * np.pi / (2 * r)
    A = b / w**2
    return Term(
        f"cosine_trap(beta={b:g}, rho={r:g})",
        lambda u: -A * np.cos(w * u),
        lambda u: A * w * np.sin(w * u),
        lambda u: b * np.cos(w * u),
        curv_max=b, curv_min=-b, u_star=0.0, phi_star=-A,
    )


TERMS: dict[str, Callable[..., Term]] = {
    "log1p_sq": log1p_sq,
    "geman_mcclure": geman_mcclure,
    "cosine_trap": cosine_trap,
}


def separable(term: Term | str = "log1p_sq", dim: int = 20, **term_kwargs: float) -> Problem:
    r"""Separable function :math:`f(x) = \sum_{i=1}^d \phi(x_i)`.

    Parameters
    ----------
    term : Term or str
        A :class:`Term` or the name of one in :data:`TERMS` (``"log1p_sq"``,
        ``"geman_mcclure"``, ``"cosine_trap"``), built with ``term_kwargs``.
    dim : int
        Number of coordinates.

    Notes
    -----
    :math:`\nabla f = (\phi'(x_i))_i`, :math:`\nabla^2 f = \mathrm{diag}(\phi''(x_i))`, so
    :math:`L = \sup|\phi''|` and every Hessian eigenvalue lies in
    :math:`[\inf\phi'', \sup\phi'']`. :math:`x^\star = u^\star\mathbf 1`,
    :math:`f^\star = d\,\phi(u^\star)`.

    Returns
    -------
    Problem
        With ``L`` :math:`= \sup|\phi''|`, ``lower`` :math:`= \inf\phi''`, ``x_star`` and
        ``f_star``; ``convex`` when :math:`\inf\phi'' \ge 0`.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import problems
    >>> p = problems.separable("log1p_sq", dim=3)
    >>> p
    Problem(log1p_sq(c=1) x 3, dim=3, L=2, mu=0)
    >>> p.lower, p.convex
    (-0.25, False)
    >>> p.hess(np.zeros((1, 3)))[0].diagonal().tolist()
    [2.0, 2.0, 2.0]
    """
    if isinstance(term, str):
        if term not in TERMS:
            raise ValueError(f"term={term!r} is not one of {', '.join(map(repr, TERMS))}")
        term = TERMS[term](**term_kwargs)
    elif term_kwargs:
        raise TypeError("term_kwargs are only used with a term name")
    d = check_scalar("dim", dim, low=1, integer=True)
    phi, d1, d2 = term.phi, term.d1, term.d2

    def f(x: Array) -> Array:
        return phi(x).sum(axis=-1)

    def hess(x: Array) -> Array:
        out = np.zeros((x.shape[0], d, d))
        idx = np.arange(d)
        out[:, idx, idx] = d2(x)
        return out

    def hvp(x: Array, v: Array) -> Array:
        return d2(x) * v

    L = max(abs(term.curv_max), abs(term.curv_min))
    convex = term.curv_min >= 0
    return Problem(
        f"{term.name} x {d}", d, f, d1, hess, hvp, L=L,
        mu=max(term.curv_min, 0.0), lower=term.curv_min, f_star=d * term.phi_star,
        x_star=np.full(d, term.u_star), convex=convex,
        params={"problem": "separable", "term": term.name},
    )
