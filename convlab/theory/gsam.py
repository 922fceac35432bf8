r"""Zhuang et al. 2022 (GSAM) and Andriushchenko & Flammarion 2022 (THEORY.md §3.2–§3.3)."""

from __future__ import annotations

import numpy as np

__all__ = ["af_horizon_schedule"]


def af_horizon_schedule(beta, T):
    r"""Step and radius of Andriushchenko & Flammarion's Theorem 2 (THEORY.md §3.2 [R]) for
    horizon T: :math:`\gamma = 1/(\beta\sqrt T)` (constant over the run), :math:`\rho = T^{-1/4}`.

    >>> af_horizon_schedule(2.0, 10000)
    (0.005, 0.1)
    """
    T = np.asarray(T, float)
    gamma, rho = 1.0 / (beta * np.sqrt(T)), T ** -0.25
    return (float(gamma), float(rho)) if T.ndim == 0 else (gamma, rho)
