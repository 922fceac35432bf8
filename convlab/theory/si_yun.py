r"""Si & Yun 2023: band law, tuned step, USAM contraction, cosine trap, two-point floor,
stochastic strongly convex bound, finite-sum floor constant (THEORY.md §3.1, §4.1–§4.3)."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

__all__ = [
    "band_amplitude",
    "band_gap",
    "cosine_trap_grad_norm",
    "finite_sum_floor_constant",
    "horizon_tuned_lr",
    "sam_stochastic_sc_bound",
    "two_point_fixed_point",
    "two_point_floor",
    "usam_contraction",
]

eta, beta, rho, mu, T = sp.symbols("eta beta rho mu T", positive=True)

#: The band law of deterministic SAM on a quadratic (THEORY.md §3.1.1), as a sympy expression.
BAND_GAP = sp.Rational(1, 2) * beta * (eta * beta * rho / (2 - eta * beta)) ** 2


def band_amplitude(lr, L, rho):
    r"""Amplitude :math:`a = \eta\beta\rho/(2-\eta\beta)` of the SAM 2-cycle along the top
    eigenvector of a quadratic with top eigenvalue :math:`\beta = L` (needs
    :math:`\eta\beta < 2`)."""
    lr, L, rho = np.asarray(lr, float), np.asarray(L, float), np.asarray(rho, float)
    if np.any(lr * L >= 2):
        raise ValueError("band law needs lr * L < 2")
    return lr * L * rho / (2 - lr * L)


def band_gap(lr, L, rho):
    r""":math:`f - f^\star = \tfrac12\beta a^2` on the SAM 2-cycle (THEORY.md §4.1)."""
    return 0.5 * np.asarray(L, float) * band_amplitude(lr, L, rho) ** 2


def horizon_tuned_lr(T_, mu_, L, rho_, delta):
    r"""The horizon-tuned constant step of THEORY.md §3.1.1 [R, reconstructed]:

    .. math::
        \eta_T = \min\Big\{\frac1{2\beta},\ \frac{1}{\mu T}\max\Big\{1,
        \ln\frac{\mu^2\Delta T^2}{\beta^3\rho^2}\Big\}\Big\}.
    """
    T_ = np.asarray(T_, float)
    log_term = np.log(mu_**2 * delta * T_**2 / (L**3 * rho_**2))
    return np.minimum(1.0 / (2 * L), np.maximum(1.0, log_term) / (mu_ * T_))


def usam_contraction(lr, eigs, rho_):
    r"""Per-step contraction factor of :math:`f` under deterministic USAM on a quadratic:
    :math:`\max_i (1-\eta\lambda_i(1+\rho\lambda_i))^2` (THEORY.md §5 E4)."""
    lam = np.asarray(eigs, float)
    return float(np.max((1 - lr * lam * (1 + rho_ * lam)) ** 2))


def cosine_trap_grad_norm(beta_, rho_):
    r""":math:`|f'(\bar x)| = 2\beta\rho/(3\pi)` at SAM's non-stationary fixed point
    :math:`\bar x = -\rho` of the cosine trap (THEORY.md §4.2)."""
    return 2.0 * np.asarray(beta_, float) * np.asarray(rho_, float) / (3.0 * math.pi)


def two_point_fixed_point(rho_, prob):
    r"""Mean limit :math:`\bar x = -(2p-1)\rho` of stochastic SAM with two-point noise
    (THEORY.md §4.3)."""
    return -(2.0 * prob - 1.0) * np.asarray(rho_, float)


def two_point_floor(mu_, rho_, prob):
    r"""Floor :math:`\frac\mu2(2p-1)^2\rho^2` of stochastic SAM (n- and m-SAM) on
    :math:`\frac\mu2x^2` with two-point skewed noise, per coordinate (THEORY.md §4.3)."""
    return 0.5 * mu_ * (2.0 * prob - 1.0) ** 2 * np.asarray(rho_, float) ** 2


def sam_stochastic_sc_bound(lr, L, mu_, sigma_sq, rho_):
    r"""Stationary part of the stochastic strongly convex SAM bound (THEORY.md §3.1.4, [D]):
    :math:`\frac{\beta\eta\sigma^2}{\mu} + \frac{3\beta^2\rho^2}{2\mu}` (total variance
    :math:`\sigma^2`; valid for :math:`\eta \le 1/(4\beta)`)."""
    return L * lr * sigma_sq / mu_ + 1.5 * L**2 * np.asarray(rho_, float) ** 2 / mu_


def finite_sum_floor_constant(p):
    r"""Our small-rho floor of m-SAM (b = 1) per :math:`\rho^2` on a least-squares finite sum
    ``p`` (THEORY.md §3.1.4, the :math:`O(\rho^2)` term; derivation ours, paper_notes.md
    "What we learned"): with residual signs :math:`s_i = \mathrm{sign}(a_i^\top x^\star - y_i)`
    fixed, m-SAM with b = 1 is SGD on targets :math:`y_i - \rho\|a_i\|s_i`, whose minimiser
    is :math:`x^\star - \rho H^{-1}v`, :math:`v = \frac1n\sum_i a_i\|a_i\|s_i`; the floor is
    :math:`\tfrac12\rho^2 v^\top H^{-1}v`, computed from the problem's component gradients."""
    n = p.n
    idx = np.arange(n)[:, None]
    X = np.tile(p.x_star, (n, 1))
    g = p.grad_i(X, idx)                             # a_i (a_i^T x* - y_i), (n, d)
    gn = np.linalg.norm(g, axis=1, keepdims=True)
    v_i = p.grad_i(X + g / gn, idx) - g              # H_i g_i/||g_i|| = a_i ||a_i|| s_i
    v = v_i.mean(axis=0)
    H = p.hess(p.x_star[None])[0]
    return float(0.5 * v @ np.linalg.solve(H, v))
