r"""Si & Yun 2023: band law, tuned step, USAM contraction, cosine trap, two-point floor,
stochastic strongly convex bound, finite-sum floor constant (THEORY.md §3.1, §4.1–§4.3)."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

__all__ = [
    "affine_moments",
    "band_amplitude",
    "band_gap",
    "cosine_trap_fixed_floor",
    "cosine_trap_grad_norm",
    "curvature_mix_floor",
    "curvature_mix_gap",
    "curvature_mix_outcomes",
    "finite_sum_floor_constant",
    "horizon_tuned_lr",
    "sam_stochastic_sc_bound",
    "two_point_fixed_point",
    "two_point_floor",
    "two_point_gap",
    "two_point_outcomes",
    "usam_contraction",
    "usam_quadratic_gap",
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


def usam_quadratic_gap(lr, eigs, rho_, z, t):
    r"""Exact :math:`f(x_t) - f^\star = \frac12\sum_i\lambda_i r_i^{2t} z_i^2`,
    :math:`r_i = 1-\eta\lambda_i(1+\rho\lambda_i)`, of deterministic USAM on a quadratic
    (THEORY.md §5 E4; the iteration is linear, :math:`x_{t+1} = (I-\eta(H+\rho H^2))x_t`);
    ``z`` ``(runs, d)`` are the starts in the eigenbasis of ``eigs``, ``t`` the steps;
    returns ``(len(t), runs)``. Its late log-rate is :func:`usam_contraction`."""
    lam = np.asarray(eigs, float)
    r2 = (1 - lr * lam * (1 + rho_ * lam)) ** 2
    t = np.asarray(t, float)[:, None, None]
    return 0.5 * np.sum(lam * r2**t * np.asarray(z, float) ** 2, axis=-1)


def cosine_trap_grad_norm(beta_, rho_):
    r""":math:`|f'(\bar x)| = 2\beta\rho/(3\pi)` at SAM's non-stationary fixed point
    :math:`\bar x = -\rho` of the cosine trap (THEORY.md §4.2)."""
    return 2.0 * np.asarray(beta_, float) * np.asarray(rho_, float) / (3.0 * math.pi)


def cosine_trap_fixed_floor(beta_, rho_design, rho_):
    r"""SAM's floor :math:`|f'(-\rho)| = \frac\beta\omega|\sin\omega\rho|`,
    :math:`\omega = 3\pi/(2\rho_d)`, on the **fixed** cosine trap built for radius
    :math:`\rho_d` and run with another radius ρ (THEORY.md §4.2; ours): :math:`-\rho` is a
    fixed point (the ascent lands on the local minimum 0) where :math:`f'(-\rho) > 0`, i.e.
    :math:`\omega\rho\in(\pi, 2\pi)`, :math:`\rho/\rho_d\in(2/3, 4/3)`; attracting
    for :math:`0<\eta\beta<2`. At :math:`\rho=\rho_d` it is :func:`cosine_trap_grad_norm`;
    always :math:`\le\beta\rho` (the O(ρ) floor of every SAM fixed point)."""
    rho_ = np.asarray(rho_, float)
    ratio = rho_ / rho_design
    if np.any((ratio <= 2 / 3) | (ratio >= 4 / 3)):
        raise ValueError("the fixed point -rho needs 2/3 < rho/rho_design < 4/3")
    omega = 1.5 * math.pi / rho_design
    return beta_ / omega * np.abs(np.sin(omega * rho_))


def two_point_fixed_point(rho_, prob):
    r"""Mean limit :math:`\bar x = -(2p-1)\rho` of stochastic SAM with two-point noise
    (THEORY.md §4.3)."""
    return -(2.0 * prob - 1.0) * np.asarray(rho_, float)


def two_point_floor(mu_, rho_, prob):
    r"""Floor :math:`\frac\mu2(2p-1)^2\rho^2` of stochastic SAM (n- and m-SAM) on
    :math:`\frac\mu2x^2` with two-point skewed noise, per coordinate (THEORY.md §4.3)."""
    return 0.5 * mu_ * (2.0 * prob - 1.0) ** 2 * np.asarray(rho_, float) ** 2


def sam_stochastic_sc_bound(lr, L, mu_, sigma_sq, rho_, delta=0.0, T=None):
    r"""The stochastic strongly convex SAM bound (THEORY.md §3.1.4, [D]):
    :math:`(1-\frac{\eta\mu}2)^T\Delta + \frac{\beta\eta\sigma^2}{\mu} +
    \frac{3\beta^2\rho^2}{2\mu}` (total variance :math:`\sigma^2`; valid for
    :math:`\eta \le 1/(4\beta)`); without ``T`` the stationary part only."""
    lr = np.asarray(lr, float)
    out = L * lr * sigma_sq / mu_ + 1.5 * L**2 * np.asarray(rho_, float) ** 2 / mu_
    return out if T is None else out + (1 - lr * mu_ / 2) ** np.asarray(T, float) * delta


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


def affine_moments(lr, kappa, b, w, x0):
    r"""Exact mean and second moment of a 1-D random affine recursion (THEORY.md §4.3, the
    exact finite-T version of the two-point floor; ours):
    :math:`x_{t+1} = x_t - \eta_t(\kappa_k x_t + b_k)` with outcome :math:`k` drawn with
    probability :math:`w_k`, independently of :math:`x_t`.

    This is stochastic SAM / SGD on a 1-D quadratic whenever the ascent sign is a function
    of the sample only (two-point noise with :math:`|\mu x| < a`, a finite sum with
    :math:`x` between the component centres). ``lr`` has shape ``(T,)`` (or ``(T, ...)``),
    ``kappa``, ``b``, ``w`` shape ``(..., K)``; returns ``m, s`` of shape ``(T+1, ...)``:
    :math:`\mathbb E x_t` and :math:`\mathbb E x_t^2`.

    Two steps of size 1/2 with :math:`b = \pm1` from 0: :math:`x_1 = \mp\frac12`,
    :math:`x_2 = \frac12x_1 \mp \frac12`:

    >>> m, s = affine_moments([0.5, 0.5], [1.0, 1.0], [1.0, -1.0], [0.5, 0.5], 0.0)
    >>> m.tolist(), s.tolist()
    ([0.0, 0.0, 0.0], [0.0, 0.25, 0.3125])
    """
    kappa, b, w = (np.asarray(a, float) for a in np.broadcast_arrays(kappa, b, w))
    lr = np.asarray(lr, float)
    k1, kk, kb, b1, bb = ((w * q).sum(-1) for q in (kappa, kappa**2, kappa * b, b, b**2))
    m = np.empty((lr.shape[0] + 1, *k1.shape))
    s = np.empty_like(m)
    m[0], s[0] = x0, np.square(x0)
    for t, eta in enumerate(lr):
        ea, ea2 = 1.0 - eta * k1, 1.0 - 2.0 * eta * k1 + eta**2 * kk
        eab, eb2 = -eta * (b1 - eta * kb), eta**2 * bb
        m[t + 1] = ea * m[t] - eta * b1
        s[t + 1] = ea2 * s[t] + 2.0 * eab * m[t] + eb2
    return m, s


def two_point_outcomes(mu_, rho_, prob, a, ascent):
    r"""Outcomes ``(kappa, b, w)`` of stochastic SAM on :math:`\frac\mu2x^2` with two-point
    noise (:math:`+a` w.p. :math:`p`, :math:`-pa/(1-p)` otherwise) inside the affine region
    :math:`-a < \mu x < pa/(1-p)`, where the ascent sign is the sign of the ascent sample's
    noise (THEORY.md §4.3). ``ascent``: ``"same"`` (m-SAM), ``"independent"`` (n-SAM) or
    ``"none"`` (SGD); ``rho_`` may be an array (a trailing outcome axis is added)."""
    rho_ = np.asarray(rho_, float)[..., None]
    xi = np.array([a, -prob * a / (1.0 - prob)])
    pw = np.array([prob, 1.0 - prob])
    if ascent == "none":
        return mu_ + 0 * rho_ * xi, xi + 0 * rho_, pw + 0 * rho_
    if ascent == "same":
        return mu_ + 0 * rho_ * xi, xi + mu_ * rho_ * np.sign(xi), pw + 0 * rho_
    xi2, s2 = np.repeat(xi, 2), np.tile(np.sign(xi), 2)
    return mu_ + 0 * rho_ * xi2, xi2 + mu_ * rho_ * s2, np.outer(pw, pw).ravel() + 0 * rho_


def two_point_gap(mu_, rho_, prob, a, lr, x0=0.0, ascent="same"):
    r"""Exact :math:`\mathbb E f(x_T) - f^\star` of m-SAM / n-SAM on :math:`\frac\mu2x^2`
    with two-point noise and steps ``lr`` ``(T,)``, from ``x0`` inside the affine region
    (:func:`affine_moments` on :func:`two_point_outcomes`); tends to
    :func:`two_point_floor` as :math:`\eta_t\to0`."""
    _, s = affine_moments(np.asarray(lr, float)[:, None] if np.ndim(rho_) else lr,
                          *two_point_outcomes(mu_, rho_, prob, a, ascent), x0)
    return 0.5 * mu_ * s[-1]


def curvature_mix_outcomes(kappa, centre, w, rho_, ascent):
    r"""Outcomes ``(kappa, b, w)`` of stochastic SAM (b = 1) on the 1-D finite sum
    :math:`f = \sum_k w_k \frac{\kappa_k}2(x-c_k)^2` (THEORY.md §1 N4, Hessian noise; ours)
    while the ascent signs :math:`s_k = \mathrm{sign}(x - c_k)` are fixed (``x`` between the
    centres, evaluated at the minimiser). m-SAM (``"same"``) descends along
    :math:`\kappa_k(x - c_k + \rho s_k)`, n-SAM (``"independent"``) along
    :math:`\kappa_k(x - c_k + \rho s_j)` with :math:`j` an independent draw, SGD
    (``"none"``) along :math:`\kappa_k(x - c_k)`."""
    kappa, centre, w = (np.asarray(a, float) for a in (kappa, centre, w))
    rho_ = np.asarray(rho_, float)[..., None]
    s = np.sign(kappa @ (w * centre) / (kappa @ w) - centre)      # signs at x*
    if ascent in ("same", "none"):
        r = rho_ * s * (ascent == "same")
        return kappa + 0 * r, kappa * (r - centre), w + 0 * r
    kk, cc, ww = np.repeat(kappa, s.size), np.repeat(centre, s.size), np.outer(w, w).ravel()
    r = rho_ * np.tile(s, kappa.size)
    return kk + 0 * r, kk * (r - cc), ww + 0 * r


def curvature_mix_floor(kappa, centre, w, rho_, ascent):
    r"""Small-ρ floor :math:`\lim_T \mathbb E f(x_T) - f^\star = \rho^2 D^2/(2\bar\kappa)` of
    stochastic SAM on the curvature mix (:func:`curvature_mix_outcomes`), with
    :math:`\bar\kappa = \sum_k w_k\kappa_k`, :math:`D = \sum_k w_k\kappa_k s_k` for m-SAM
    (the ascent sign correlates with the descent curvature) and
    :math:`D = \bar\kappa\sum_k w_k s_k` for n-SAM (ours): the two variants' mean drifts
    differ by :math:`\rho\,\mathrm{Cov}(\kappa_\xi, s_\xi)`."""
    kappa, centre, w = (np.asarray(a, float) for a in (kappa, centre, w))
    kbar = kappa @ w
    s = np.sign(kappa @ (w * centre) / kbar - centre)
    D = {"same": kappa @ (w * s), "independent": kbar * (w @ s), "none": 0.0}[ascent]
    return 0.5 * D**2 * np.asarray(rho_, float) ** 2 / kbar


def curvature_mix_gap(kappa, centre, w, rho_, lr, x0=None, ascent="same"):
    r"""Exact :math:`\mathbb E f(x_T) - f^\star` on the curvature mix with steps ``lr``
    ``(T,)`` from ``x0`` (default :math:`x^\star`), signs fixed (:func:`affine_moments`)."""
    kappa, centre, w = (np.asarray(a, float) for a in (kappa, centre, w))
    kbar = kappa @ w
    xs = kappa @ (w * centre) / kbar
    x0 = xs if x0 is None else x0
    lr = np.asarray(lr, float)
    m, s = affine_moments(lr[:, None] if np.ndim(rho_) else lr,
                          *curvature_mix_outcomes(kappa, centre, w, rho_, ascent), x0)
    return 0.5 * kbar * (s[-1] - 2 * xs * m[-1] + xs**2)
