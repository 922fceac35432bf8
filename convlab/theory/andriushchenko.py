r"""Andriushchenko & Flammarion 2022, Theorem 2 on an exactly solvable instance (THEORY.md
§3.2, §5 E8; ours): the average squared gradient of SGD, USAM and SAM with the theorem's
schedule :math:`\gamma = 1/(\beta\sqrt T)`, :math:`\rho = T^{-1/4}` on
:math:`f = \frac\lambda2x^2` with bounded symmetric noise :math:`\pm\sigma` (Rademacher, N2).

With this noise every variant is a 1-D random affine recursion
(:func:`convlab.theory.si_yun.affine_moments`) — USAM always, SAM while
:math:`|\lambda x| < \sigma` (then the normalized ascent is the sign of the sample's
noise) — so :math:`\frac1T\sum_{t<T}\mathbb E f'(x_t)^2` is known exactly at every T.
"""

from __future__ import annotations

import numpy as np

from .gsam import af_horizon_schedule
from .si_yun import affine_moments

__all__ = ["af_avg_grad_sq", "af_outcomes"]

VARIANTS = ("sgd", "usam", "sam", "sam_independent")


def af_outcomes(lam, sigma, rho, variant):
    r"""Outcomes ``(kappa, b, w)`` of one step :math:`x \mapsto x - \gamma(\kappa x + b)` on
    :math:`\frac\lambda2x^2` with noise :math:`\xi = \pm\sigma` (THEORY.md §2.1–§2.2):

    * ``"sgd"``: :math:`\kappa = \lambda`, :math:`b = \xi`;
    * ``"usam"`` (same sample): :math:`y = x + \rho(\lambda x + \xi)`, so
      :math:`\kappa = \lambda(1+\rho\lambda)`, :math:`b = (1+\rho\lambda)\xi`;
    * ``"sam"`` (m-SAM, same sample): :math:`\kappa = \lambda`,
      :math:`b = \xi + \lambda\rho\,\mathrm{sign}\,\xi`;
    * ``"sam_independent"`` (n-SAM): :math:`b = \xi + \lambda\rho s'`, :math:`s'` an
      independent sign.
    """
    xi, half = np.array([sigma, -sigma], float), np.array([0.5, 0.5])
    if variant == "sgd":
        return np.full(2, float(lam)), xi, half
    if variant == "usam":
        return np.full(2, lam * (1 + rho * lam)), (1 + rho * lam) * xi, half
    if variant == "sam":
        return np.full(2, float(lam)), xi + lam * rho * np.sign(xi), half
    if variant == "sam_independent":
        s = np.tile(np.sign(xi), 2)
        return np.full(4, float(lam)), np.repeat(xi, 2) + lam * rho * s, np.full(4, 0.25)
    raise ValueError(f"variant={variant!r} is not one of {VARIANTS}")


def af_avg_grad_sq(lam, sigma, T, x0, variant):
    r"""Exact :math:`\frac1T\sum_{t<T}\mathbb E f'(x_t)^2` for each horizon in ``T`` with the
    theorem's :math:`\gamma_T, \rho_T` (:func:`convlab.theory.af_horizon_schedule`, β = λ)
    from ``x0`` (:func:`af_outcomes`; for SAM exact while :math:`|\lambda x_t| < \sigma`).
    For large T it is :math:`\approx \frac{\lambda\beta x_0^2}{2c\sqrt T} +
    \frac{c'\sigma^2}{2\sqrt T}` (the theorem's :math:`(\beta\Delta + \sigma^2)/\sqrt T`)
    with the variant's factors :math:`c = 1+\rho\lambda` (USAM) or 1, and
    :math:`c' = 1+\rho\lambda`, :math:`(1+\lambda\rho/\sigma)^2`,
    :math:`1+\lambda^2\rho^2/\sigma^2`, 1 (USAM, m-SAM, n-SAM, SGD)."""
    out = []
    for n in np.atleast_1d(np.asarray(T, dtype=np.int64)):
        gamma, rho = af_horizon_schedule(lam, int(n))
        _, s = affine_moments(np.full(int(n), gamma), *af_outcomes(lam, sigma, rho, variant),
                              x0)
        out.append(lam**2 * s[:-1].mean())
    return np.asarray(out)
