"""The GSAM claims (zhuang_2022, harada_iiduka_2024): their problem and their derived laws."""

from __future__ import annotations

import numpy as np

from convlab import optimizers, oracles, theory
from convlab.claims import zhuang_2022 as zh


def test_valley_gradient_hessian_and_components():
    gen = np.random.default_rng(3)
    p = zh.valley(gen, kappa=0.7)
    z = gen.standard_normal((4, p.dim)) * 0.3
    h, eye = 1e-6, np.eye(p.dim)
    num = np.stack([(p.f(z + h * e) - p.f(z - h * e)) / (2 * h) for e in eye], axis=1)
    assert np.allclose(num, p.grad(z), rtol=1e-6, atol=1e-9)
    numh = np.stack([(p.grad(z + h * e) - p.grad(z - h * e)) / (2 * h) for e in eye], axis=2)
    assert np.allclose(numh, p.hess(z), rtol=1e-5, atol=1e-8)
    full = p.grad_i(z, np.tile(np.arange(p.n), (4, 1)))
    assert np.allclose(full, p.grad(z), atol=1e-12)            # components average to f
    o = oracles.minibatch(p, zh.BATCH, replace=True)
    assert np.allclose(o.variance(z[:1]), zh.DIM * zh.SIGMA**2 / zh.BATCH)
    assert np.all(o.component_grads(z[:1])[0, :, -1] == p.grad(z[:1])[0, -1])  # y noise-free


def test_gsam_preconditioner_is_the_exact_direction_when_g_is_fixed():
    """For one fixed g the mean-field D of m = g**2 is GSAM's exact linear map."""
    lam = np.array([4.0, 2.0, 0.5])
    g = np.array([[0.3, -0.7, 1.1]])
    rho, alpha = 0.4, 0.6
    got = optimizers.gsam(1.0, rho, alpha).step(
        optimizers.gsam(1.0, rho, alpha).init(np.linalg.solve(np.diag(lam), g[0])[None]),
        lambda x: x * lam, 0).x
    step = np.linalg.solve(np.diag(lam), g[0])[None] - got
    D = theory.gsam_preconditioner(g**2, lam, rho, alpha)
    assert np.allclose(step, D * g, rtol=1e-12)
    iso = theory.gsam_preconditioner(g**2, np.full(3, 2.0), rho, alpha)
    assert np.allclose(iso, theory.gsam_preconditioner(g**2, np.full(3, 2.0), rho, 0.0))


def test_harada_laws_reduce_to_sgd_and_agree_with_each_other():
    lam = np.repeat([5.0, 0.5], 3)
    sgd = theory.hi_gsam_floor(0.1, lam, 0.5, 16, 0.0, 0.4)
    assert np.allclose(sgd, lam * 0.1 * 0.25 / (16 * (2 - 0.1 * lam)))
    lag = theory.hi_gsam_lagged(np.full(600, 0.1), lam, 0.5, 16, 0.05, 0.4)[-1]
    assert np.allclose(lag, theory.hi_gsam_floor(0.1, lam, 0.5, 16, 0.05, 0.4), rtol=1e-8)
    two = theory.hi_gsam_lagged(np.full((50, 2), 0.1), lam, 0.5, [16, 64], 0.05, 0.4)
    assert two.shape == (50, 2, 6) and np.all(two[-1, 1] < two[-1, 0])


def test_valley_law_alpha_speeds_the_gap_descent():
    kw = dict(dim=zh.DIM, a0=zh.A0, kappa=0.15, sigma2=zh.SIGMA**2 / zh.BATCH)
    y = {a: theory.gsam_valley_law(np.full(500, 0.05), np.full(500, 0.3), a, **kw)[1][-1]
         for a in (-0.4, 0.0, 0.4)}
    sgd = theory.gsam_valley_law(np.full(500, 0.05), np.zeros(500), 0.0, **kw)[1][-1]
    assert y[0.4] < y[0.0] < y[-0.4] < sgd < 0.0
