r"""Harada & Iiduka 2024: noise floors of (G)SAM with mini-batches (THEORY.md §3.4).

Derived laws (ours, paper_notes.md "Harada & Iiduka 2024", Derived laws). Near :math:`x^\star`
of a function with Hessian :math:`\beta I` and additive noise, :math:`g = \beta x + \zeta` and
:math:`g_p = \beta(x + \rho g/\|g\|) + \zeta = (1 + \beta\rho/\|g\|)\,g`: SAM (and GSAM, since
:math:`g_p \parallel g` gives :math:`g_\perp = 0`) is SGD with the **effective step**
:math:`\eta' = \eta(1 + \beta\rho/\|g\|)`, where :math:`\|g\|^2 \approx d\sigma^2/b +
\mathbb E\|\nabla f\|^2` concentrates for large d.
"""

from __future__ import annotations

import numpy as np

__all__ = ["hi_effective_floor", "hi_final_ratio", "hi_local_quadratic_noise", "hi_noise_floor"]


def hi_noise_floor(lr, L, dim, sigma, b):
    r"""Local-quadratic noise floor :math:`\mathbb E\|\nabla f\|^2 \approx
    \frac{\beta d\eta\sigma^2}{b(2-\eta\beta)}` (THEORY.md §3.4, σ per coordinate)."""
    return L * dim * lr * sigma**2 / (np.asarray(b, float) * (2 - lr * L))


def hi_effective_floor(lr, L, dim, sigma, b, rho, iters: int = 50) -> np.ndarray:
    r""":func:`hi_noise_floor` at the effective SAM step :math:`\eta(1 + \beta\rho/\|g\|)`,
    :math:`\|g\|^2 = d\sigma^2/b + F`, solved for the floor F by fixed-point iteration
    (THEORY.md §3.4; paper_notes.md "Harada & Iiduka 2024", derived law 2: +13.4% over
    :func:`hi_noise_floor` at b = 128, and a floor-vs-b slope of -0.947 on b = 32..256)."""
    b = np.asarray(b, dtype=float)
    F = hi_noise_floor(lr, L, dim, sigma, b)
    for _ in range(iters):
        c = L * rho / np.sqrt(dim * sigma**2 / b + F)
        F = hi_noise_floor(lr * (1.0 + c), L, dim, sigma, b)
    return F


def hi_local_quadratic_noise(lrs, L, dim, sigma, b, rho, v0: float = 0.0) -> np.ndarray:
    r"""The lagged quasi-static law (THEORY.md §3.4; paper_notes.md "Harada & Iiduka 2024",
    derived law 3): :math:`\mathbb E\|\nabla f(x_{t+1})\|^2 = d L^2 v_{t+1}`, t = 0..T-1, from
    the per-coordinate variance recursion :math:`v_{t+1} = (1-\eta'_t L)^2 v_t +
    \eta_t'^2\sigma^2/b_t` with the effective step :math:`\eta'_t = \eta_t(1 +
    L\rho/\sqrt{d\sigma^2/b_t + dL^2v_t})`. The noise level follows :math:`\eta_t/b_t` with
    relaxation time :math:`1/(2\eta_t L)`. ``lrs`` (T,), ``b`` a batch size or (T,)."""
    lrs = np.asarray(lrs, dtype=float)
    bs = np.broadcast_to(np.asarray(b, dtype=float), lrs.shape)
    out = np.empty_like(lrs)
    v = float(v0)
    for t in range(lrs.size):
        e = lrs[t] * (1.0 + L * rho / np.sqrt(dim * sigma**2 / bs[t] + dim * L**2 * v))
        v = (1.0 - e * L) ** 2 * v + e * e * sigma**2 / bs[t]
        out[t] = dim * L**2 * v
    return out


def hi_final_ratio(lrs, eta, L, dim, sigma, b, rho) -> float:
    r""":math:`\mathbb E\|\nabla f(x_T)\|^2` under the steps ``lrs`` (T,) over that under the
    constant step ``eta``, both from :func:`hi_local_quadratic_noise` (THEORY.md §3.4, E10
    iii: what "the final noise level tracks :math:`\eta_T`" means with the lag)."""
    lrs = np.asarray(lrs, dtype=float)
    const = hi_local_quadratic_noise(np.full(lrs.size, eta), L, dim, sigma, b, rho)
    return float(hi_local_quadratic_noise(lrs, L, dim, sigma, b, rho)[-1] / const[-1])
