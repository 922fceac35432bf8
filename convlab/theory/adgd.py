r"""Malitsky & Mishchenko 2020 (AdGD / SA-SGD): step and ergodic bounds (THEORY.md §3.6)."""

from __future__ import annotations

import numpy as np

__all__ = ["adgd_step_ratio", "adgd_step_sum_ratio", "adgd_weighted_average"]


def adgd_step_ratio(step, L):
    r""":math:`1/(2L\lambda)` of an AdGD step :math:`\lambda`: at most 1 for every
    :math:`\lambda_k`, :math:`k \ge 1`, on an :math:`L`-smooth :math:`f` (the invariant
    :math:`\lambda_k \ge 1/(2L)` of THEORY.md §2.7, §3.6; with minibatches
    :math:`L = L_{\max}`, §2.8)."""
    return 1.0 / (2.0 * L * np.asarray(step, float))


def adgd_step_sum_ratio(S, k, L):
    r""":math:`2L S_k/k` for :math:`S_k = \sum_{i<k}\lambda_i`, the denominator of the ergodic
    bound :math:`f(\hat x^k) - f^\star \le D/(2S_k)`; the invariant gives :math:`S_k \ge
    (k-1)/(2L)`, hence :math:`O(L D/k)` (THEORY.md §3.6)."""
    return np.asarray(S, float) * 2.0 * L / np.maximum(k, 1)


def adgd_weighted_average(steps, iterates):
    r"""The averaged iterate of the ergodic bound, :math:`\hat x^k = \sum_{i<k}\lambda_i x^i /
    S_k`, and :math:`S_k = \sum_{i<k}\lambda_i` (THEORY.md §3.6; weights = steps, simplified
    from the paper's): ``steps`` :math:`\lambda_i` ``(K, runs)`` and ``iterates`` :math:`x^i`
    ``(K, runs, dim)`` give ``(x_hat, S)``, row ``k - 1`` for :math:`k = 1..K`."""
    steps = np.asarray(steps, float)
    S = np.cumsum(steps, axis=0)
    num = np.cumsum(steps[..., None] * np.asarray(iterates, float), axis=0)
    return num / np.where(S > 0.0, S, 1.0)[..., None], S
