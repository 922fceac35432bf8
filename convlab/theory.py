r"""Closed forms from the theorems and our derivations (THEORY.md §3–§4).

Every function cites the section it implements. Quantities follow the papers' notation:
:math:`\beta` (smoothness), :math:`\mu`, :math:`\eta` (step), :math:`\rho` (radius).
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

__all__ = [
    "band_amplitude",
    "band_gap",
    "cosine_trap_grad_norm",
    "hi_noise_floor",
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


def hi_noise_floor(lr, L, dim, sigma, b):
    r"""Local-quadratic noise floor :math:`\mathbb E\|\nabla f\|^2 \approx
    \frac{\beta d\eta\sigma^2}{b(2-\eta\beta)}` (THEORY.md §3.4, σ per coordinate)."""
    return L * dim * lr * sigma**2 / (np.asarray(b, float) * (2 - lr * L))
