r"""Sun et al. 2023 (AdaSAM) and its base AMSGrad: the linearised floor, the warm-up of the
adaptive step and the pinned ("limited range") step (THEORY.md §2.5, §2.6, §3.5).

The model. Near the minimiser of :math:`f=\sum_i\phi(x_i)` with curvature
:math:`\lambda=\phi''(0)`, one coordinate of AdaSAM is the linear system

.. math::
    m_t=\beta_1m_{t-1}+(1-\beta_1)(\kappa\lambda x_t+e_t),\qquad
    x_{t+1}=x_t-\eta_t m_t,\qquad \eta_t=\gamma/\sqrt{\hat v_t},

with additive noise :math:`\zeta` of the mini-batch (Rademacher, per-coordinate variance
:math:`\sigma_b^2=\sigma^2/b`). The ascent only rescales it: with the same batch
:math:`g=s\,(1+\lambda\rho/\|s\|)`, :math:`s=\lambda x+\zeta` (exact on a quadratic), so the
curvature grows by :math:`\kappa=1+(1-1/d)\lambda\rho\,\mathbb E\|\zeta\|^{-1}` and the noise
variance to :math:`q=\mathbb E(\|\zeta\|+\lambda\rho)^2/d` (:func:`sam_noise_model`).
An adaptive step that follows the noise (:math:`\hat v\approx\kappa^2\lambda^2\mathbb
Ex^2+q`) undoes most of it (AMSGrad is invariant to rescaling the gradient); a step pinned by
the running max at an earlier, larger :math:`\hat v = V` does not.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["adasam_pinned_floor", "adasam_stationary_level", "adasam_warmup_level",
           "ema_momentum_variance", "rademacher_norm_moments", "sam_noise_model"]


def rademacher_norm_moments(sigma, b, dim):
    r"""Exact :math:`(\mathbb E\|\zeta\|, \mathbb E\|\zeta\|^2, \mathbb E\|\zeta\|^{-1})` of
    the mean :math:`\zeta` of ``b`` Rademacher vectors of scale σ in ``dim`` coordinates
    (each coordinate is :math:`\sigma(2k-b)/b`, :math:`k\sim\mathrm{Bin}(b,\frac12)`; the law of
    :math:`\sum_i(2k_i-b)^2` by FFT). A zero norm (odd-free ``b``, all coordinates 0) has
    :math:`\|\zeta\|^{-1}` counted as 0 (the ascent is then 0, THEORY.md §2.6).

    >>> [round(float(v), 6) for v in rademacher_norm_moments(0.5, 1, 20)]
    [2.236068, 5.0, 0.447214]
    """
    from math import comb

    b, dim = int(b), int(dim)
    k = np.arange(b + 1)
    pk = np.array([comb(b, int(i)) for i in k], float) / 2.0**b
    u = (2 * k - b) ** 2                           # integer values of one coordinate
    pmf = np.zeros(b * b + 1)
    np.add.at(pmf, u, pk)
    n = 1 << int(np.ceil(np.log2(dim * b * b + 1)))
    tot = np.fft.irfft(np.fft.rfft(pmf, n) ** dim, n)[: dim * b * b + 1]
    tot = np.clip(tot, 0.0, None)
    tot /= tot.sum()
    norm = sigma * np.sqrt(np.arange(tot.size)) / b
    inv = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
    return float(tot @ norm), float(tot @ norm**2), float(tot @ inv)


def sam_noise_model(lam, rho, sigma, b, dim, ascent="same", x_var=0.0):
    r"""``(kappa, q)``: curvature factor and per-coordinate noise variance of the linearised
    SAM gradient near the minimiser (module docstring; THEORY.md §2.6, §4.3).

    The ascent direction :math:`s/\|s\|` normalises :math:`s=\lambda x+\zeta`; with
    :math:`u=\lambda^2\mathbb Ex^2/\sigma_b^2` (``x_var`` :math:`=\mathbb Ex^2`) its norm is
    taken as :math:`\|\zeta\|\sqrt{1+u}`. ``ascent="same"`` (AdaSAM,
    :math:`g=s(1+\lambda\rho/\|s\|)`): :math:`\kappa=1+(1-1/d)\lambda\rho\,\mathbb
    E\|s\|^{-1}`, :math:`q=\sigma_b^2+2\lambda\rho\,\mathbb E\|\zeta\|/(d\sqrt{1+u})+
    \lambda^2\rho^2/(d(1+u))` (at :math:`u=0`: :math:`\mathbb E(\|\zeta\|+\lambda\rho)^2/d`);
    ``"independent"`` (ascent on a fresh batch): the same κ,
    :math:`q=\sigma_b^2+\lambda^2\rho^2/(d(1+u))`; ``rho = 0``: (1, :math:`\sigma_b^2`).

    >>> k, q = sam_noise_model(1.0, 0.5 * 0.1 * np.sqrt(20), 0.1, 1, 20)
    >>> round(float(k), 4), round(float(q) / 0.1**2, 4)        # r = 0.5: (1 + r)^2 = 2.25
    (1.475, 2.25)
    """
    n1, n2, ninv = _norm_moments(float(sigma), int(b), int(dim))
    sb2 = n2 / dim
    if rho == 0:
        return 1.0, sb2
    w = np.sqrt(1.0 + lam * lam * x_var / sb2)
    lr = lam * rho
    kappa = 1.0 + (1.0 - 1.0 / dim) * lr * ninv / w
    if ascent == "same":
        return kappa, sb2 + (2 * lr * n1 / w + lr * lr / (w * w)) / dim
    if ascent == "independent":
        return kappa, sb2 + lr * lr / (w * w * dim)
    raise ValueError(f"ascent={ascent!r} is not 'same' or 'independent'")


@functools.lru_cache(maxsize=64)
def _norm_moments(sigma, b, dim):
    return rademacher_norm_moments(sigma, b, dim)


def _moments_step(X, C, M, eta, lam, q, beta1):
    """One step of the second moments (E x^2, E x m_prev, E m_prev^2) of the linear system."""
    a = 1.0 - beta1
    Em2 = beta1**2 * M + 2 * beta1 * a * lam * C + a * a * (lam * lam * X + q)
    Exm = beta1 * C + a * lam * X
    return X - 2 * eta * Exm + eta * eta * Em2, Exm - eta * Em2, Em2


def ema_momentum_variance(eta, lam, beta1):
    r"""Stationary :math:`\mathbb Ex^2` per unit noise variance of
    :math:`m_t=\beta_1m_{t-1}+(1-\beta_1)(\lambda x_t+e_t)`, :math:`x_{t+1}=x_t-\eta m_t`
    (fixed step): the discrete Lyapunov equation of the pair :math:`(x_t, m_{t-1})`.
    For small :math:`\eta\lambda` it is :math:`\eta/(2\lambda)`.

    >>> round(ema_momentum_variance(1e-3, 1.0, 0.9) / 5e-4, 4)
    1.0
    """
    a = 1.0 - beta1
    A = np.array([[1 - eta * a * lam, -eta * beta1], [a * lam, beta1]])
    B = np.array([-eta * a, a])
    S = np.linalg.solve(np.eye(4) - np.kron(A, A), np.outer(B, B).ravel()).reshape(2, 2)
    return float(S[0, 0])


def adasam_pinned_floor(gamma, V, lam, rho, sigma, b, dim, beta1=0.9, ascent="same"):
    r"""Stationary :math:`\mathbb E\|\nabla f\|^2 = d\lambda^2\mathbb Ex^2` of AdaSAM
    (AMSGrad for ``rho = 0``) whose step is pinned at :math:`\eta=\gamma/\sqrt V` by the
    running max (:math:`\hat v = V` from an earlier phase of larger gradients, the lower end
    :math:`1/\sqrt{\hat v}\ge 1/G` of the "limited range"), curvature κλ and noise q of
    :func:`sam_noise_model`: :math:`\mathbb Ex^2 = q\,\mathrm{Lyap}(\eta,\kappa\lambda,
    \beta_1)` (:func:`ema_momentum_variance`), ≈ :math:`\eta q/(2\kappa\lambda)`, solved
    self-consistently (κ and q depend on :math:`\mathbb Ex^2` through the ascent's norm).

    >>> f = adasam_pinned_floor(0.01, 1.0, 1.0, 0.0, 0.1, 1, 20)
    >>> round(f / (20 * 0.01 * 0.1**2 / 2), 3)
    1.0
    """
    eta, X = gamma / np.sqrt(V), 0.0
    for _ in range(30):
        kappa, q = sam_noise_model(lam, rho, sigma, b, dim, ascent, X)
        X = q * ema_momentum_variance(eta, kappa * lam, beta1)
    return dim * lam * lam * X


def adasam_warmup_level(gamma, T, lam, rho, sigma, b, dim, beta1=0.9, beta2=0.999, eps=1e-8,
                        ascent="same"):
    r""":math:`\frac1T\sum_{t<T}\mathbb E\|\nabla f(x_t)\|^2` of AdaSAM started at the
    minimiser with an adaptive step that follows the noise: the second moments of the linear
    system (module docstring) run forward with the mean-field step
    :math:`\eta_t=\gamma/\sqrt{\hat v_t}`, :math:`v_t=\beta_2v_{t-1}+(1-\beta_2)
    (\kappa^2\lambda^2\mathbb Ex_t^2+q)`, :math:`\hat v_t=\max(\hat v_{t-1},v_t)`,
    :math:`\hat v_{-1}=\epsilon^2`. Includes the warm-up: :math:`\hat v` starts at
    :math:`\epsilon^2`, so the first steps are up to :math:`\gamma(1-\beta_1)/\sqrt{1-\beta_2}`.

    >>> lvl = adasam_warmup_level(0.01, 20000, 1.0, 0.0, 0.1, 1, 20)
    >>> bool(1.0 < lvl / (20 * 0.01 * 0.1 / 2) < 1.1)    # -> d lam gamma sigma / 2, late
    True
    """
    X = C = M = 0.0
    v, vhat, total = 0.0, eps * eps, 0.0
    for _ in range(int(T)):
        total += X
        kappa, q = sam_noise_model(lam, rho, sigma, b, dim, ascent, X)
        lk = kappa * lam
        v = beta2 * v + (1 - beta2) * (lk * lk * X + q)
        vhat = max(vhat, v)
        X, C, M = _moments_step(X, C, M, gamma / np.sqrt(vhat), lk, q, beta1)
    return dim * lam * lam * total / T


def adasam_stationary_level(b, T, eps=2.0, gamma_c=0.2, sigma=0.5, dim=20, beta=2.0):
    r"""Stationary :math:`\mathbb E\|\nabla f\|^2` of AdaSAM at the minimiser for ε large
    and ρ negligible (THEORY.md §3.5, "Measured behaviour", ε = 2): SAM with EMA momentum
    and step :math:`\eta=\gamma/\epsilon`, :math:`d\beta\eta\sigma^2/(b(2-\eta\beta))`,
    ≈ 0.5/√(bT) for the E11 constants (kept for paper_notes.md; no claim uses it).

    >>> round(float(adasam_stationary_level(4, 4000) * np.sqrt(4 * 4000)), 4)
    0.5016
    """
    b, T = np.asarray(b, float), np.asarray(T, float)
    eta = gamma_c * np.sqrt(b / T) / eps
    return dim * beta * eta * sigma**2 / (b * (2.0 - eta * beta))
