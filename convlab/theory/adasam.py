r"""Sun et al. 2023 (AdaSAM): stationary levels (THEORY.md §3.5)."""

from __future__ import annotations

import numpy as np

__all__ = ["adasam_stationary_level"]


def adasam_stationary_level(b, T, eps=2.0, gamma_c=0.2, sigma=0.5, dim=20, beta=2.0):
    r"""Stationary :math:`\mathbb E\|\nabla f\|^2` of AdaSAM at the minimiser for ε large
    (THEORY.md §3.5, "Measured behaviour", ε = 2).

    With every :math:`\sqrt{v_t} < \epsilon`, :math:`\hat v \equiv \epsilon^2` and AdaSAM is SAM
    with EMA momentum and step :math:`\eta = \gamma/\epsilon`, :math:`\gamma = c\sqrt{b/T}`; at
    curvature β per coordinate (:math:`\sum_i\ln(1+x_i^2)`: β = 2) with per-sample noise σ the
    level is :math:`d\beta\eta\sigma^2/(b(2-\eta\beta))`, ≈ 0.5/√(bT) for the E11 constants.

    >>> round(float(adasam_stationary_level(4, 4000) * np.sqrt(4 * 4000)), 4)
    0.5016
    """
    b, T = np.asarray(b, float), np.asarray(T, float)
    eta = gamma_c * np.sqrt(b / T) / eps
    return dim * beta * eta * sigma**2 / (b * (2.0 - eta * beta))
