r"""Harada & Iiduka 2024: noise floors of (G)SAM with mini-batches (THEORY.md §3.4).

Derived laws (ours, paper_notes.md "Harada & Iiduka 2024", Derived laws). On a quadratic
:math:`\frac12\sum_k\lambda_kx_k^2` with additive noise of variance :math:`\sigma^2/b` per
coordinate, mini-batch GSAM is SGD with the per-coordinate step :math:`\eta D_k`
(:func:`convlab.theory.gsam_preconditioner`): :math:`D_k = 1` for SGD, SAM's
:math:`1 + \rho\lambda_k/\|g\|`, and α tilts it towards the sharp coordinates when the
curvature is anisotropic. Each coordinate is then a linear recursion,
:math:`v_{t+1} = (1-\eta_tD_k\lambda_k)^2v_t + \eta_t^2D_k^2\sigma^2/b_t`, with
:math:`\mathbb E(\partial_kf)^2 = \lambda_k^2v_k`; the coefficients depend on all
:math:`v_k` through :math:`\|g\|^2 = \sum_k(\lambda_k^2v_k + \sigma^2/b)`.
"""

from __future__ import annotations

import numpy as np

from .gsam import gsam_preconditioner

__all__ = ["hi_gsam_floor", "hi_gsam_lagged", "hi_noise_floor"]


def hi_noise_floor(lr, L, dim, sigma, b):
    r"""SGD's local-quadratic noise floor :math:`\mathbb E\|\nabla f\|^2 \approx
    \frac{\beta d\eta\sigma^2}{b(2-\eta\beta)}` (THEORY.md §3.4, Hessian :math:`\beta I`,
    σ per coordinate); the SAM-blind law of THEORY.md E10.

    >>> round(float(hi_noise_floor(0.1, 2.0, 20, 2.0, 128)), 6)
    0.069444
    """
    return L * dim * lr * sigma**2 / (np.asarray(b, float) * (2 - lr * L))


def hi_gsam_floor(lr, lam, sigma, b, rho, alpha, iters: int = 200) -> np.ndarray:
    r"""Stationary :math:`\mathbb E(\partial_kf)^2 = \lambda_k^2v_k` of GSAM with constant
    step ``lr`` and batch ``b`` on :math:`\frac12\sum_k\lambda_kx_k^2`, additive noise σ per
    coordinate per sample: the fixed point of
    :math:`v_k = \eta D_k\sigma^2/(b\lambda_k(2 - \eta D_k\lambda_k))`, :math:`D` from
    :func:`~convlab.theory.gsam_preconditioner` at :math:`m_k = \lambda_k^2v_k + \sigma^2/b`
    (THEORY.md §3.4; ours [D]). ``b`` a number or an array: the result has shape
    ``b.shape + lam.shape``. ρ = 0 gives SGD's floor, coordinate by coordinate.

    >>> import numpy as np
    >>> lam = np.array([5.0, 0.5])
    >>> hi_gsam_floor(0.1, lam, 0.5, 8, 0.0, 0.4).round(6).tolist()     # rho = 0: SGD
    [0.010417, 0.000801]
    >>> hi_gsam_floor(0.1, lam, 0.5, 8, 0.05, 0.0).round(6).tolist()    # SAM
    [0.026463, 0.00087]
    >>> hi_gsam_floor(0.1, lam, 0.5, 8, 0.05, 0.4).round(6).tolist()    # GSAM
    [0.027541, 0.000757]
    """
    lam = np.asarray(lam, dtype=float)
    s2 = (sigma**2 / np.asarray(b, dtype=float))[..., None]
    v = lr * s2 / (lam * (2.0 - lr * lam))
    for _ in range(iters):
        e = lr * gsam_preconditioner(lam**2 * v + s2, lam, rho, alpha)
        v = e * s2 / (lam * (2.0 - e * lam))
    return lam**2 * v


def hi_gsam_lagged(lrs, lam, sigma, bs, rho, alpha) -> np.ndarray:
    r""":math:`\mathbb E(\partial_kf(x_{t+1}))^2` of GSAM from :math:`x_0 = x^\star` under the
    steps ``lrs`` and batch sizes ``bs``, t = 0..T-1 (THEORY.md §3.4; ours [D]): the
    per-coordinate variance recursion :math:`v_{t+1} = (1-\eta_tD_k\lambda_k)^2v_t +
    \eta_t^2D_k^2\sigma^2/b_t`, :math:`D` re-evaluated every step
    (:func:`~convlab.theory.gsam_preconditioner`). The level follows :math:`\eta_tD/b_t`
    with relaxation time :math:`1/(2\eta_tD_k\lambda_k)`, so after a decay it lags behind.

    ``lrs`` has shape ``(T,)`` or ``(T, G)`` (G schedules at once); ``bs`` a number, ``(T,)``
    or broadcastable to ``lrs``. Returns ``lrs.shape + lam.shape``.

    >>> import numpy as np
    >>> lam = np.array([5.0, 0.5])
    >>> out = hi_gsam_lagged(np.full(400, 0.1), lam, 0.5, 8, 0.05, 0.4)
    >>> bool(np.allclose(out[-1], hi_gsam_floor(0.1, lam, 0.5, 8, 0.05, 0.4), rtol=1e-6))
    True
    """
    lam, lrs = np.asarray(lam, dtype=float), np.asarray(lrs, dtype=float)
    s2s = np.broadcast_to(sigma**2 / np.asarray(bs, dtype=float), lrs.shape)
    v = np.zeros(lrs.shape[1:] + lam.shape)
    out = np.empty(lrs.shape + lam.shape)
    for t in range(lrs.shape[0]):
        s2 = s2s[t][..., None]
        e = lrs[t][..., None] * gsam_preconditioner(lam**2 * v + s2, lam, rho, alpha)
        v = (1.0 - e * lam) ** 2 * v + e * e * s2
        out[t] = lam**2 * v
    return out
