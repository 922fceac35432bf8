r"""An overparameterised learning problem: a diagonal linear network on sparse regression.

.. math::
    f(u, v) = \frac1{2n}\sum_{i=1}^n \big(\langle u\odot u - v\odot v,\ x_i\rangle - y_i\big)^2,
    \qquad w = (u, v) \in \mathbb R^{2d},\ d > n,

a finite sum over ``n`` training samples (so :func:`convlab.oracles.minibatch` draws real
samples), with a held-out test set from the same distribution and
:attr:`LearningProblem.test_loss`. Its interpolating minimisers (:math:`f^\star = 0`) form a
manifold along which :math:`\operatorname{Tr}\nabla^2 f` varies; which point an optimizer
reaches decides the test error (the sparse ground truth generalises, the dense
interpolants do not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_scalar
from .base import Array, IntArray, Problem


@dataclass(frozen=True, eq=False, repr=False)
class LearningProblem(Problem):
    """A :class:`Problem` with a held-out test set.

    Extra attributes
    ----------------
    test_loss : callable
        ``test_loss(x) -> (runs,)``: the same loss on the held-out samples.
    smoothness_on_ball : callable
        ``smoothness_on_ball(R) -> float``: an upper bound on :math:`\\|\\nabla^2 f(w)\\|_2`
        over :math:`\\|w\\|_2 \\le R` (``L`` itself is ``inf``: the loss is quartic).
    beta_star : ndarray
        The sparse ground truth :math:`\\beta^\\star` (``(d,)``).
    data : dict
        The read-only arrays ``X``, ``y`` (train) and ``X_test``, ``y_test``.
    """

    test_loss: Callable[[Array], Array] | None = None
    smoothness_on_ball: Callable[[float], float] | None = None
    beta_star: Array | None = None
    data: dict[str, Array] | None = None

    def __repr__(self) -> str:
        n_test = 0 if self.data is None else len(self.data["y_test"])
        return (f"LearningProblem({self.name}, dim={self.dim}, n={self.n}, n_test={n_test}, "
                f"f*={self.f_star:g})")


def held_out_loss(problem: Problem, state: Any) -> Array:
    """Custom metric for :func:`convlab.run`: the test loss at ``state.x``.

    ``run(p, opt, x0, T, metrics={"f_gap": None, "test_loss": held_out_loss})``.
    """
    if getattr(problem, "test_loss", None) is None:
        raise ValueError(f"metric 'test_loss': problem {problem.name} has no test set")
    return problem.test_loss(state.x)


METRICS: dict[str, Any] = {"f_gap": None, "grad_sq": None, "test_loss": held_out_loss}


def diagonal_net(n: int = 20, dim: int = 40, sparsity: int = 3, *, n_test: int = 200,
                 noise: float = 0.0, scale: float = 1.0, rng: Any = 0) -> LearningProblem:
    r"""Diagonal linear network :math:`\beta(w) = u\odot u - v\odot v` on sparse regression.

    Data: :math:`x_i \sim N(0, I_d)` (train ``n``, test ``n_test``), a ground truth
    :math:`\beta^\star` with ``sparsity`` nonzero entries :math:`\pm` ``scale`` at random
    coordinates, :math:`y_i = \langle\beta^\star, x_i\rangle + \text{noise}\cdot z_i`, all
    drawn from ``np.random.default_rng(rng)``.

    Notes
    -----
    With :math:`r = X\beta - y`, :math:`s = X^\top r/n`, :math:`J = [\mathrm{diag}(2u),
    -\mathrm{diag}(2v)]` (so :math:`\beta(w+\delta) \approx \beta + J\delta`):

    - :math:`\nabla_u f = 2u\odot s`, :math:`\nabla_v f = -2v\odot s`;
    - :math:`\nabla^2 f = J^\top (X^\top X/n) J + \mathrm{diag}(2s, -2s)` (Gauss–Newton part
      plus the residual part), and the Hessian-vector product is the same product without
      forming it;
    - components :math:`f_i = \frac12 r_i^2`, ``grad_i(x, idx)`` the mean over ``idx`` of
      :math:`(2u\odot x_i r_i, -2v\odot x_i r_i)`, vectorised over runs.

    Constants: :math:`f^\star = 0` (``d > n``: :math:`X` has full row rank almost surely,
    so the data are interpolated); ``x_star`` is :math:`(\sqrt{\beta_+}, \sqrt{\beta_-})` of
    :math:`\beta = \beta^\star` when ``noise == 0``, else of the least-norm interpolant
    :math:`X^+y`. No global :math:`L` (quartic), ``L = inf`` and ``lower = -inf``; on the
    ball :math:`\|w\|_2 \le R`, :math:`\|J\|_2 \le 2R`, :math:`\|\beta\|_2 \le R^2` and
    ``smoothness_on_ball(R)`` returns
    :math:`4R^2\lambda_{\max}(X^\top X/n) + 2\max_j\frac1n\sum_i|X_{ij}|(\|x_i\|R^2+|y_i|)`.
    ``L_max`` (single component) is ``inf`` as well.

    Returns
    -------
    LearningProblem
        ``dim = 2 * dim`` parameters, a nonconvex finite sum with ``n`` components,
        ``test_loss``, ``smoothness_on_ball`` and ``beta_star``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlab import problems
    >>> p = problems.diagonal_net(n=10, dim=30, sparsity=2, rng=0)
    >>> p.dim, p.n, p.f_star
    (60, 10, 0.0)
    >>> float(p.f(p.x_star[None])[0]), float(p.test_loss(p.x_star[None])[0])
    (0.0, 0.0)
    """
    n = check_scalar("n", n, low=1, integer=True)
    d = check_scalar("dim", dim, low=1, integer=True)
    if d <= n:
        raise ValueError(f"diagonal_net: need dim > n (overparameterised), got dim={dim!r}, "
                         f"n={n!r}")
    k = check_scalar("sparsity", sparsity, low=1, integer=True)
    if k > d:
        raise ValueError(f"diagonal_net: sparsity must be <= dim={d}, got {sparsity!r}")
    n_test = check_scalar("n_test", n_test, low=1, integer=True)
    noise = check_scalar("noise", noise)
    scale = check_scalar("scale", scale)
    if not scale > 0.0:
        raise ValueError(f"diagonal_net: scale must be > 0, got {scale!r}")
    g = np.random.default_rng(rng)
    beta_star = np.zeros(d)
    support = g.choice(d, size=k, replace=False)
    beta_star[support] = scale * np.where(g.random(k) < 0.5, -1.0, 1.0)
    X = g.standard_normal((n, d))
    y = X @ beta_star + noise * g.standard_normal(n)
    Xt = g.standard_normal((n_test, d))
    yt = Xt @ beta_star + noise * g.standard_normal(n_test)
    for a in (beta_star, X, y, Xt, yt):
        a.setflags(write=False)
    G = X.T @ X / n
    G = 0.5 * (G + G.T)                                   # exactly symmetric
    G.setflags(write=False)
    beta_fit = beta_star if noise == 0.0 else np.linalg.lstsq(X, y, rcond=None)[0]
    x_star = np.concatenate([np.sqrt(np.maximum(beta_fit, 0.0)),
                             np.sqrt(np.maximum(-beta_fit, 0.0))])

    def beta(w: Array) -> Array:
        u, v = w[:, :d], w[:, d:]
        return u * u - v * v

    def f(w: Array) -> Array:
        r = beta(w) @ X.T - y
        return 0.5 * np.einsum("rn,rn->r", r, r) / n

    def test_loss(w: Array) -> Array:
        r = beta(w) @ Xt.T - yt
        return 0.5 * np.einsum("rn,rn->r", r, r) / n_test

    def _s(w: Array) -> Array:
        return (beta(w) @ X.T - y) @ X / n                # (runs, d)

    def grad(w: Array) -> Array:
        s = _s(w)
        return np.concatenate([2.0 * w[:, :d] * s, -2.0 * w[:, d:] * s], axis=1)

    def hess(w: Array) -> Array:
        s = _s(w)
        J = np.concatenate([2.0 * w[:, :d], -2.0 * w[:, d:]], axis=1)   # (runs, 2d)
        Gt = np.tile(G, (2, 2))                                          # (2d, 2d)
        H = (J[:, :, None] * J[:, None, :]) * Gt[None]                 # exactly symmetric
        diag = np.concatenate([2.0 * s, -2.0 * s], axis=1)
        i = np.arange(2 * d)
        H[:, i, i] += diag
        return H

    def hvp(w: Array, vec: Array) -> Array:
        s = _s(w)
        u, v = w[:, :d], w[:, d:]
        jv = 2.0 * u * vec[:, :d] - 2.0 * v * vec[:, d:]                 # J vec, (runs, d)
        gjv = jv @ G
        return np.concatenate([2.0 * u * gjv + 2.0 * s * vec[:, :d],
                               -2.0 * v * gjv - 2.0 * s * vec[:, d:]], axis=1)

    def grad_i(w: Array, idx: IntArray) -> Array:
        Xb = X[idx]                                                      # (runs, b, d)
        r = np.einsum("rbd,rd->rb", Xb, beta(w)) - y[idx]
        s = np.einsum("rb,rbd->rd", r, Xb) / idx.shape[1]
        return np.concatenate([2.0 * w[:, :d] * s, -2.0 * w[:, d:] * s], axis=1)

    lam_G = float(np.linalg.eigvalsh(G)[-1])
    row_norm = np.linalg.norm(X, axis=1)
    absX = np.abs(X)

    def smoothness_on_ball(R: float) -> float:
        R = check_scalar("R", R)
        bound_r = row_norm * R * R + np.abs(y)                           # |r_i| on the ball
        return float(4.0 * R * R * lam_G + 2.0 * np.max(bound_r @ absX) / n)

    return LearningProblem(
        f"diagonal_net(n={n}, d={d}, k={k})", 2 * d, f, grad, hess, hvp, L=np.inf, mu=0.0,
        lower=-np.inf, f_star=0.0, x_star=x_star, n=n, grad_i=grad_i, L_max=np.inf,
        convex=False,
        params={"problem": "diagonal_net", "n": n, "d": d, "sparsity": k, "n_test": n_test,
                "noise": noise, "scale": scale},
        test_loss=test_loss, smoothness_on_ball=smoothness_on_ball, beta_star=beta_star,
        data={"X": X, "y": y, "X_test": Xt, "y_test": yt})
