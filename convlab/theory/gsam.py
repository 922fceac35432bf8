r"""Zhuang et al. 2022 (GSAM) and Andriushchenko & Flammarion 2022 (THEORY.md §2.3, §3.2–§3.3).

The GSAM laws below are ours [D] (paper_notes.md "Zhuang et al. 2022", Derived laws). They
use the **mean-field** reading of a noisy step: in many dimensions the norm
:math:`s = \|g\|` of a stochastic gradient and the projection coefficient
:math:`c = \langle g, g_p\rangle/\|g_p\|^2` concentrate, so GSAM's step is a linear map of
:math:`g` with deterministic coefficients set by the second moments of the iterate.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chi

__all__ = ["af_horizon_schedule", "gsam_preconditioner", "gsam_valley_law"]


def af_horizon_schedule(beta, T):
    r"""Step and radius of Andriushchenko & Flammarion's Theorem 2 (THEORY.md §3.2 [R]) for
    horizon T: :math:`\gamma = 1/(\beta\sqrt T)` (constant over the run), :math:`\rho = T^{-1/4}`.

    >>> af_horizon_schedule(2.0, 10000)
    (0.005, 0.1)
    """
    T = np.asarray(T, float)
    gamma, rho = 1.0 / (beta * np.sqrt(T)), T ** -0.25
    return (float(gamma), float(rho)) if T.ndim == 0 else (gamma, rho)


def gsam_preconditioner(m, lam, rho, alpha):
    r"""GSAM on a quadratic :math:`\frac12\sum_k\lambda_k x_k^2` with additive noise is SGD
    with the per-coordinate step :math:`\eta D_k` (THEORY.md §2.3; ours [D]).

    With :math:`g = \Lambda x + \zeta` the same-sample perturbed gradient is
    :math:`g_p = g + \rho\Lambda g/\|g\| = Pg`, :math:`P = I + \rho\Lambda/s`, and GSAM's
    direction is exactly :math:`g_p - \alpha g_\perp = [(1+\alpha c)P - \alpha I]\,g` with
    :math:`c = g^\top Pg/g^\top P^2 g`. Mean field: :math:`s^2 = \sum_k m_k`,
    :math:`c = \sum_k m_kP_k/\sum_k m_kP_k^2`, :math:`m_k = \mathbb E g_k^2`. So
    :math:`D_k = (1+\alpha c)P_k - \alpha`: SAM's :math:`1 + \rho\lambda_k/s` at
    :math:`\alpha = 0`, 1 at :math:`\rho = 0`; :math:`\alpha > 0` raises :math:`D_k` where
    :math:`P_k > 1/c` (sharp coordinates) and lowers it elsewhere. With isotropic
    curvature :math:`P` is a multiple of :math:`I`, :math:`cP = 1` and α drops out.

    ``m`` has shape ``(..., d)``, ``lam`` ``(d,)``; returns :math:`D`, shaped like ``m``.

    >>> import numpy as np
    >>> gsam_preconditioner(np.ones(2), np.array([4.0, 1.0]), 0.5, 0.0).round(4).tolist()
    [2.4142, 1.3536]
    >>> gsam_preconditioner(np.ones(2), np.array([4.0, 1.0]), 0.5, 0.5).round(4).tolist()
    [2.5079, 1.1864]
    >>> gsam_preconditioner(np.ones(2), np.array([2.0, 2.0]), 0.5, 0.5).round(4).tolist()
    [1.7071, 1.7071]
    """
    m, lam = np.asarray(m, dtype=float), np.asarray(lam, dtype=float)
    s = np.sqrt(m.sum(axis=-1, keepdims=True))
    P = 1.0 + rho * lam / s
    c = (m * P).sum(axis=-1, keepdims=True) / (m * P * P).sum(axis=-1, keepdims=True)
    return (1.0 + alpha * c) * P - alpha


def gsam_valley_law(lrs, rhos, alpha, *, dim, a0, kappa, sigma2, probe=None,
                    nodes: int = 32):
    r"""Mean-field GSAM on the valley :math:`f(x, y) = \frac12 a(y)\|x\|^2`,
    :math:`a(y) = a_0 e^{\kappa y}`, :math:`x \in \mathbb R^{d}`, noise of variance
    ``sigma2`` per coordinate of :math:`x` only, from :math:`(x, y) = (0, 0)` (ours [D];
    paper_notes.md "Zhuang et al. 2022"). Every :math:`(0, y)` is a minimiser, with surrogate
    gap :math:`h = \rho^2 a(y)/2` (Zhuang's Lemma 3.3: :math:`\rho^2\lambda_{\max}/2`), so
    the drift of :math:`y` is the descent of the surrogate gap along the valley.

    Per step ``t`` (step ``lrs[t]``, radius ``rhos[t]``), with :math:`V = \mathbb E\|x\|^2`,
    :math:`s_x^2 = a^2V + d\sigma^2`, :math:`g_y = \frac12\kappa aV`,
    :math:`s^2 = s_x^2 + g_y^2`: the ascent point has curvature
    :math:`a_p = a e^{\kappa\rho g_y/s}`; the x-block is isotropic, so
    :math:`g_{p,x} = Dg_x`, :math:`D = 1 + a_p\rho/s`; :math:`q = \mathbb E\|x +
    \rho\hat g_x\|^2 = V + 2\rho aV/s + \rho^2 s_x^2/s^2`, :math:`g_{p,y} = \frac12\kappa a_pq`,
    :math:`c = (Ds_x^2 + g_yg_{p,y})/(D^2s_x^2 + g_{p,y}^2)`. GSAM then moves
    :math:`x \leftarrow x - \eta[D - \alpha(1 - cD)]g_x` (per-coordinate second moment
    :math:`M \leftarrow (1 - \eta D'a)^2M + \eta^2D'^2\sigma^2`) and
    :math:`y \leftarrow y - \eta[(1 + \alpha c)g_{p,y} - \alpha g_y]`: the orthogonal term
    multiplies SAM's descent of the gap, :math:`g_{p,y}`, by :math:`1 + \alpha c`.

    Returns ``(V, y, fp_sq)``, each of length ``T + 1`` (before step 0 .. after step T-1):
    ``fp_sq[t]`` is :math:`\mathbb E\|\nabla f(z + \rho_t\nabla f(z)/\|\nabla f(z)\|)\|^2`
    at the iterate :math:`z_t` (full-batch ascent of radius ``probe[t]``, default ``rhos``,
    the last one for ``t = T``; set it apart from ``rhos`` for an algorithm with another
    radius, e.g. ρ = 0), averaged over :math:`\|x\| \sim \sqrt{V/d}\,\chi_d` with ``nodes`` quantile
    nodes; 0 at :math:`x = 0`, where the normalized gradient is 0.

    >>> import numpy as np
    >>> V, y, fp = gsam_valley_law(np.full(3, 0.1), np.full(3, 0.2), 0.5, dim=4, a0=2.0,
    ...                            kappa=0.5, sigma2=0.25)
    >>> V.round(5).tolist(), y.round(6).tolist()
    ([0.0, 0.0196, 0.02943, 0.03446], [0.0, -0.002714, -0.007304, -0.012799])
    >>> fp.round(4).tolist()
    [0.0, 0.4533, 0.54, 0.5792]
    """
    lrs, rhos = np.asarray(lrs, dtype=float), np.asarray(rhos, dtype=float)
    probe = rhos if probe is None else np.asarray(probe, dtype=float)
    T = lrs.size
    q_nodes = chi.ppf((np.arange(nodes) + 0.5) / nodes, dim) / np.sqrt(dim)
    V, y, fp = (np.zeros(T + 1) for _ in range(3))
    M = yt = 0.0
    for t in range(T + 1):
        a, Vt = a0 * np.exp(kappa * yt), dim * M
        V[t], y[t] = Vt, yt
        if Vt > 0.0:                 # the metric: full-batch ascent of radius r at |x| = n
            r, n = probe[min(t, T - 1)], np.sqrt(Vt) * q_nodes
            u = 0.5 * kappa * n
            N = np.sqrt(1.0 + u * u)
            nx, ap = n + r / N, a * np.exp(kappa * r * u / N)
            fp[t] = np.mean(ap * ap * nx * nx * (1.0 + 0.25 * kappa**2 * nx * nx))
        if t == T:
            break
        eta, rho = lrs[t], rhos[t]
        sx2, gy = a * a * Vt + dim * sigma2, 0.5 * kappa * a * Vt
        s = np.sqrt(sx2 + gy * gy)
        ap = a * np.exp(kappa * rho * gy / s)
        D = 1.0 + ap * rho / s
        gpy = 0.5 * kappa * ap * (Vt + 2.0 * rho * a * Vt / s + rho * rho * sx2 / (s * s))
        c = (D * sx2 + gy * gpy) / (D * D * sx2 + gpy * gpy)
        De = D - alpha * (1.0 - c * D)
        M = (1.0 - eta * De * a) ** 2 * M + (eta * De) ** 2 * sigma2
        yt = yt - eta * ((1.0 + alpha * c) * gpy - alpha * gy)
    return V, y, fp
