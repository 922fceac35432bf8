r"""Malitsky & Mishchenko 2020 (AdGD / SA-SGD): step bounds, the energy inequality and the
ergodic bound of Theorem 1 (THEORY.md §2.7, §3.6).

Notation (THEORY.md §2.7): steps :math:`\lambda_k`, :math:`\theta_k = \lambda_k/\lambda_{k-1}`
(:math:`\theta_0 = +\infty`), :math:`x^{k+1} = x^k - \lambda_k\nabla f(x^k)`,
:math:`F_k = f(x^k) - f^\star`. Arrays follow the recording convention of the claims:
``steps[i]`` :math:`= \lambda_i` and ``iterates[i]`` :math:`= x^i`, first axis the step,
then the runs (and the coordinates).
"""

from __future__ import annotations

import numpy as np

__all__ = ["adgd_energy_sides", "adgd_ergodic_average", "adgd_ergodic_constant",
           "adgd_step_ratio", "adgd_step_upper_ratio"]


def adgd_step_ratio(step, L):
    r""":math:`1/(2L\lambda)` of an AdGD step :math:`\lambda`: at most 1 for every
    :math:`\lambda_k`, :math:`k \ge 1`, on an :math:`L`-smooth :math:`f` (the invariant
    :math:`\lambda_k \ge 1/(2L)` of THEORY.md §2.7, §3.6; with minibatches
    :math:`L = L_{\max}`, §2.8)."""
    return 1.0 / (2.0 * L * np.asarray(step, float))


def adgd_step_upper_ratio(step, mu):
    r""":math:`2\mu\lambda` of an AdGD step: at most 1 for every :math:`\lambda_k`,
    :math:`k \ge 1`, on a :math:`\mu`-strongly convex :math:`f` [D, ours, from THEORY.md §2.7's
    rule]: :math:`\lambda_k \le \|x^k-x^{k-1}\|/(2\|\nabla f(x^k)-\nabla f(x^{k-1})\|) \le
    1/(2\mu)` (strong monotonicity; a kept step is an earlier one). With minibatches
    :math:`\mu` is the smallest strong convexity of a minibatch loss (the ridge parameter for
    ridge-regularised finite sums with fewer samples than coordinates). The bound is attained:
    on a quadratic AdGD's long-run step is :math:`1/(2\mu)` (the iterate ends along the
    slowest eigenvector, where the ratio is exactly :math:`1/(2\mu)`); a rule without the
    1/2 reaches :math:`1/\mu`, i.e. 2."""
    return 2.0 * np.asarray(mu, float) * np.asarray(step, float)


def _theta(steps):
    """``(lam_k, theta_k)`` for k = 1..K-1 from ``steps`` lambda_0..lambda_(K-1)."""
    steps = np.asarray(steps, float)
    return steps[1:], steps[1:] / steps[:-1]


def adgd_ergodic_average(steps, iterates):
    r"""The averaged iterate and the step sum of Theorem 1 of Malitsky & Mishchenko (2020),
    with the paper's weights (THEORY.md §3.6, [D✓] from the proof):

    .. math::
        \hat x^k = \frac{\lambda_k(1+\theta_k)x^k + \sum_{i=1}^{k-1} w_i x^i}{S_k},\quad
        w_i = \lambda_i(1+\theta_i) - \lambda_{i+1}\theta_{i+1} \ge 0,\quad
        S_k = \sum_{i=1}^k\lambda_i + \lambda_1\theta_1,

    (:math:`w_i \ge 0` because :math:`\lambda_{i+1} \le \sqrt{1+\theta_i}\lambda_i`).
    ``steps`` :math:`\lambda_0..\lambda_{K-1}` ``(K, runs)`` and ``iterates``
    :math:`x^0..x^{K-1}` ``(K, runs, dim)`` give ``(x_hat, S)``, row ``k - 1`` for
    :math:`k = 1..K-1`."""
    lam, th = _theta(steps)                          # row j: lambda_(j+1), theta_(j+1)
    x = np.asarray(iterates, float)[1:]              # row j: x^(j+1)
    a, b = lam * (1.0 + th), lam * th
    w = a[:-1] - b[1:]                               # w_i, i = 1..K-2
    cum = np.concatenate([np.zeros_like(x[:1]), np.cumsum(w[..., None] * x[:-1], axis=0)])
    S = np.cumsum(lam, axis=0) + b[0]
    return (a[..., None] * x + cum) / S[..., None], S


def adgd_ergodic_constant(steps, x0, x1, x_star, F0):
    r""":math:`D = \|x^1 - x^\star\|^2 + \tfrac12\|x^1 - x^0\|^2 + 2\lambda_1\theta_1 F_0` of
    Theorem 1, :math:`f(\hat x^k) - f^\star \le D/(2S_k)` (THEORY.md §3.6: the energy
    inequality :func:`adgd_energy_sides` telescoped from :math:`k = 1`). ``steps`` holds
    :math:`\lambda_0, \lambda_1` (at least) along the first axis."""
    steps = np.asarray(steps, float)
    d1, d10 = np.asarray(x1, float) - x_star, np.asarray(x1, float) - x0
    return (np.einsum("...d,...d->...", d1, d1) + 0.5 * np.einsum("...d,...d->...", d10, d10)
            + 2.0 * steps[1] ** 2 / steps[0] * np.asarray(F0, float))


def adgd_energy_sides(steps, iterates, x_star, F):
    r"""Both sides of the energy inequality (Lemma 1 of Malitsky & Mishchenko, 2020;
    THEORY.md §3.6, re-derived [D✓]) for :math:`k = 1..K-2`:

    .. math::
        \|x^{k+1}-x^\star\|^2 + \tfrac12\|x^{k+1}-x^k\|^2 + 2\lambda_k(1+\theta_k)F_k
        \;\le\; \|x^k-x^\star\|^2 + \tfrac12\|x^k-x^{k-1}\|^2 + 2\lambda_k\theta_k F_{k-1}.

    It uses the rule twice: :math:`\lambda_k \le \|x^k-x^{k-1}\|/(2\|\nabla f(x^k) -
    \nabla f(x^{k-1})\|)` turns :math:`2\lambda_k\langle\nabla f(x^k)-\nabla f(x^{k-1}),
    x^k-x^{k+1}\rangle` into at most :math:`\frac12\|x^k-x^{k-1}\|^2 + \frac12\|x^{k+1}-x^k\|^2`
    (Young); without the 1/2 the same term can reach twice that, and the inequality fails.
    ``steps`` :math:`\lambda_0..\lambda_{K-1}`, ``iterates`` :math:`x^0..x^{K-1}`, ``F``
    :math:`F_0..F_{K-1}`; returns ``(lhs, rhs)``, row ``k - 1``."""
    lam, th = _theta(steps)
    x, F = np.asarray(iterates, float), np.asarray(F, float)
    d = np.einsum("...d,...d->...", x - x_star, x - x_star)
    dx = np.einsum("...d,...d->...", np.diff(x, axis=0), np.diff(x, axis=0))  # |x^(k+1)-x^k|^2
    lam, th = lam[:-1], th[:-1]                          # k = 1..K-2
    lhs = d[2:] + 0.5 * dx[1:] + 2.0 * lam * (1.0 + th) * F[1:-1]
    rhs = d[1:-1] + 0.5 * dx[:-1] + 2.0 * lam * th * F[:-2]
    return lhs, rhs
