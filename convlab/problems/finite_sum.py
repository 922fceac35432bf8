"""Finite sums :math:`f = \\frac1n\\sum_i f_i` with real per-component gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from .._validation import check_scalar
from .base import Array, IntArray, Problem


def _data(A: Any, y: Any, n: int, dim: int, name: str) -> tuple[Array, Array]:
    A = np.asarray(A, dtype=float)
    y = np.asarray(y, dtype=float)
    if A.ndim != 2 or y.shape != (A.shape[0],):
        raise ValueError(f"{name}: need a (n, dim) matrix and (n,) targets, got {A.shape}, "
                         f"{y.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(y))):
        raise ValueError(f"{name}: data must be finite")
    A.setflags(write=False)
    y.setflags(write=False)
    return A, y


def least_squares(A: Any = None, y: Any = None, *, n: int = 50, dim: int = 5, noise: float = 0.5,
                  reg: float = 0.0, rng: Any = 0) -> Problem:
    r"""Least squares :math:`f(x) = \frac1{2n}\|Ax-y\|^2 + \frac\lambda2\|x\|^2` as a finite sum.

    Components :math:`f_i(x) = \frac12(a_i^\top x - y_i)^2 + \frac\lambda2\|x\|^2`.

    Parameters
    ----------
    A, y : array_like, optional
        Data ``(n, dim)`` and targets ``(n,)``. If omitted, ``A`` is standard Gaussian and
        :math:`y = A x_0 + \text{noise}\cdot z` for a Gaussian :math:`x_0`, drawn from ``rng``;
        ``noise > 0`` makes the components disagree at the optimum (gradient noise at
        :math:`x^\star`), which the stochastic SAM floor needs (STYLE.md §2).
    reg : float
        Ridge parameter :math:`\lambda \ge 0`.

    Notes
    -----
    :math:`\nabla f = A^\top(Ax-y)/n + \lambda x`, :math:`\nabla^2 f = A^\top A/n + \lambda I`;
    :math:`L, \mu` are its extreme eigenvalues; :math:`L_{\max} = \max_i\|a_i\|^2 + \lambda`;
    :math:`x^\star` from a linear solve (least-norm if singular), :math:`f^\star = f(x^\star)`.

    Returns
    -------
    Problem
        A convex finite sum with ``n`` components (``grad_i``), ``L``, ``mu``, ``L_max``,
        ``x_star`` and ``f_star``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import problems
    >>> p = problems.least_squares(n=20, dim=3, rng=0)
    >>> p.n, p.dim, p.is_finite_sum
    (20, 3, True)
    >>> round(p.L, 6), round(p.mu, 6)
    (1.34146, 0.497068)

    The mean of all component gradients is the gradient, which vanishes at ``x_star``:

    >>> x = np.zeros((1, 3))
    >>> bool(np.allclose(p.grad_i(x, np.arange(20)[None]), p.grad(x)))
    True
    >>> bool(np.abs(p.grad(p.x_star[None])).max() < 1e-12)
    True
    """
    reg = check_scalar("reg", reg)
    if A is None:
        n = check_scalar("n", n, low=1, integer=True)
        dim = check_scalar("dim", dim, low=1, integer=True)
        noise = check_scalar("noise", noise)
        g = np.random.default_rng(rng)
        A = g.standard_normal((n, dim))
        y = A @ g.standard_normal(dim) + noise * g.standard_normal(n)
    elif y is None:
        raise ValueError("least_squares: pass y with A")
    A, y = _data(A, y, 0, 0, "least_squares")
    n, d = A.shape
    H = A.T @ A / n + reg * np.eye(d)
    eig = np.linalg.eigvalsh(H)
    Aty = A.T @ y / n
    x_star = np.linalg.lstsq(H, Aty, rcond=None)[0]
    H.setflags(write=False)

    def f(x: Array) -> Array:
        r = x @ A.T - y
        out = 0.5 * np.einsum("rn,rn->r", r, r) / n
        return out + 0.5 * reg * np.einsum("rd,rd->r", x, x) if reg else out

    def grad(x: Array) -> Array:
        return x @ H - Aty

    def hess(x: Array) -> Array:
        return np.broadcast_to(H, (x.shape[0], d, d))

    def hvp(x: Array, v: Array) -> Array:
        return v @ H

    def grad_i(x: Array, idx: IntArray) -> Array:
        Ab = A[idx]                                      # (runs, b, d): b rows per run
        r = np.einsum("rbd,rd->rb", Ab, x) - y[idx]
        out = np.einsum("rb,rbd->rd", r, Ab) / idx.shape[1]
        return out + reg * x if reg else out

    f_star = float(f(x_star[None])[0])
    return Problem(
        f"least_squares(n={n}, d={d})", d, f, grad, hess, hvp, L=float(eig[-1]),
        mu=float(max(eig[0], 0.0)), lower=float(max(eig[0], 0.0)), f_star=f_star,
        x_star=x_star, n=n, grad_i=grad_i,
        L_max=float(np.max(np.einsum("nd,nd->n", A, A)) + reg), convex=True,
        params={"problem": "least_squares", "n": n, "reg": reg},
    )


def _newton_logistic(X: Array, y: Array, reg: float, tol: float = 1e-13, maxiter: int = 100
                     ) -> Array:
    """Damped Newton solve of the logistic objective (used once, to store f*).

    Stops at ``||grad|| <= tol``. Once the Newton decrement ``g @ step`` is below about
    1e-13 f, the Armijo test on f is decided by rounding and the full step is taken (the
    line search used to stall there: about 2 % of random seeds of :func:`logistic` raised).
    """
    n, d = X.shape
    w = np.zeros(d)

    def obj(w: Array) -> float:
        return float(np.mean(np.logaddexp(0.0, -y * (X @ w))) + 0.5 * reg * w @ w)

    for _ in range(maxiter):
        m = y * (X @ w)
        if reg == 0.0 and np.all(m > 0.0):
            break                                   # w separates the data: no minimiser
        s = expit(-m)
        g = -(X.T @ (y * s)) / n + reg * w
        if np.linalg.norm(g) <= tol:
            return w
        Hm = (X.T * (s * (1 - s))) @ X / n + reg * np.eye(d)
        step = np.linalg.solve(Hm, g)
        t, f0 = 1.0, obj(w)
        # a decrease below f's rounding (~1e-16 f) makes the line search noise: there the
        # quadratic model is exact to rounding, so take the full Newton step
        while (g @ step > 1e-13 * max(1.0, abs(f0))
               and obj(w - t * step) > f0 - 0.25 * t * (g @ step) and t > 1e-12):
            t *= 0.5
        w = w - t * step
    raise ValueError("logistic: Newton solve did not converge (separable data? add reg > 0)")


def logistic(X: Any = None, y: Any = None, *, n: int = 200, dim: int = 5, flip: float = 0.2,
             reg: float = 0.0, rng: Any = 0) -> Problem:
    r"""Logistic regression :math:`f(w) = \frac1n\sum_i \log(1+e^{-y_i x_i^\top w}) +
    \frac\lambda2\|w\|^2`, labels :math:`y_i \in \{-1, +1\}`.

    Parameters
    ----------
    X, y : array_like, optional
        Features ``(n, dim)`` and labels ``(n,)``. If omitted: Gaussian features, labels
        from a random linear model with a fraction ``flip`` of labels flipped (so the data
        are not separable and :math:`f^\star` is attained).
    reg : float
        Ridge parameter.

    Notes
    -----
    With :math:`s_i = \sigma(-y_i x_i^\top w)`: :math:`\nabla f = -\frac1n\sum y_i s_i x_i +
    \lambda w`, :math:`\nabla^2 f = \frac1n\sum s_i(1-s_i) x_i x_i^\top + \lambda I`;
    :math:`L = \lambda_{\max}(X^\top X)/(4n) + \lambda`, :math:`\mu = \lambda`,
    :math:`L_{\max} = \max_i\|x_i\|^2/4 + \lambda`. :math:`f^\star` is computed once by a damped
    Newton solve to gradient norm 1e-13 and stored (THEORY.md §5).

    Returns
    -------
    Problem
        A convex finite sum with ``n`` components (``grad_i``), ``L``, ``mu = reg``,
        ``L_max``, and the Newton solution as ``x_star``/``f_star``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import problems
    >>> p = problems.logistic(n=50, dim=3, rng=0)
    >>> p
    Problem(logistic(n=50, d=3), dim=3, L=0.324472, mu=0)
    >>> round(p.f_star, 6)
    0.514515
    >>> bool(np.linalg.norm(p.grad(p.x_star[None])) < 1e-12)
    True
    """
    reg = check_scalar("reg", reg)
    if X is None:
        n = check_scalar("n", n, low=1, integer=True)
        dim = check_scalar("dim", dim, low=1, integer=True)
        flip = check_scalar("flip", flip, high=1.0)
        g = np.random.default_rng(rng)
        X = g.standard_normal((n, dim))
        y = np.sign(X @ g.standard_normal(dim) + 1e-12)
        y[g.random(n) < flip] *= -1
    elif y is None:
        raise ValueError("logistic: pass y with X")
    X, y = _data(X, y, 0, 0, "logistic")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("logistic: labels y must be -1 or +1")
    n, d = X.shape
    w_star = _newton_logistic(X, y, reg)
    yX = y[:, None] * X
    yX.setflags(write=False)

    def f(w: Array) -> Array:
        out = np.mean(np.logaddexp(0.0, -(w @ yX.T)), axis=-1)
        return out + 0.5 * reg * np.einsum("rd,rd->r", w, w) if reg else out

    def grad(w: Array) -> Array:
        s = expit(-(w @ yX.T))                           # (runs, n)
        out = -(s @ yX) / n
        return out + reg * w if reg else out

    def hess(w: Array) -> Array:
        s = expit(-(w @ yX.T))
        out = np.einsum("rn,ni,nj->rij", s * (1 - s), X, X) / n
        return out + reg * np.eye(d) if reg else out

    def hvp(w: Array, v: Array) -> Array:
        s = expit(-(w @ yX.T))
        out = ((s * (1 - s)) * (v @ X.T)) @ X / n
        return out + reg * v if reg else out

    def grad_i(w: Array, idx: IntArray) -> Array:
        Zb = yX[idx]                                     # (runs, b, d)
        s = expit(-np.einsum("rbd,rd->rb", Zb, w))
        out = -np.einsum("rb,rbd->rd", s, Zb) / idx.shape[1]
        return out + reg * w if reg else out

    L = float(np.linalg.eigvalsh(X.T @ X)[-1] / (4 * n) + reg)
    f_star = float(f(w_star[None])[0])
    return Problem(
        f"logistic(n={n}, d={d})", d, f, grad, hess, hvp, L=L, mu=reg, lower=reg,
        f_star=f_star, x_star=w_star, n=n, grad_i=grad_i,
        L_max=float(np.max(np.einsum("nd,nd->n", X, X)) / 4 + reg), convex=True,
        params={"problem": "logistic", "n": n, "reg": reg},
    )
