"""Tests for convlab.sharpness (THEORY.md §7: flatness metrics).

The problems used here are small stand-ins built in this file (duck-typed: ``dim``,
``hess``, ``hvp``) so that these tests do not depend on ``convlab.problems``.
"""

from __future__ import annotations

import itertools
import types

import numpy as np
import pytest

from convlab import sharpness

# --------------------------------------------------------------------------------------------
# stand-in problems and random matrices
# --------------------------------------------------------------------------------------------


def matrix_problem(Hs, *, with_hess=True, with_hvp=True, counter=None):
    """Quadratic-like problem whose Hessian at every x is the fixed per-run matrix Hs[r]."""
    Hs = np.asarray(Hs, dtype=float)
    runs, dim, _ = Hs.shape

    def hess(x):
        assert x.shape == (runs, dim)
        return Hs.copy()

    def hvp(x, v):
        assert x.shape == (runs, dim) and v.shape == (runs, dim)
        if counter is not None:
            counter["hvp"] += 1
        return np.einsum("rij,rj->ri", Hs, v)

    return types.SimpleNamespace(
        dim=dim, hess=hess if with_hess else None, hvp=hvp if with_hvp else None
    )


def log1p_problem(dim, *, with_hess=True):
    """f(x) = sum log(1 + x_i^2): H = diag(2 (1 - x^2) / (1 + x^2)^2), indefinite for |x| > 1."""

    def d2(x):
        return 2.0 * (1.0 - x**2) / (1.0 + x**2) ** 2

    def hess(x):
        out = np.zeros((x.shape[0], dim, dim))
        idx = np.arange(dim)
        out[:, idx, idx] = d2(x)
        return out

    def hvp(x, v):
        return d2(x) * v

    return types.SimpleNamespace(dim=dim, hess=hess if with_hess else None, hvp=hvp), d2


def random_symmetric(rng, runs, dim):
    a = rng.standard_normal((runs, dim, dim))
    return 0.5 * (a + np.swapaxes(a, 1, 2))


def random_psd(rng, runs, dim):
    b = rng.standard_normal((runs, dim, dim))
    return b @ np.swapaxes(b, 1, 2) / dim


def with_spectrum(rng, eigs_per_run):
    """Per-run matrices Q_r diag(eigs_r) Q_r^T with Haar-ish random orthogonal Q_r."""
    eigs_per_run = np.asarray(eigs_per_run, dtype=float)
    runs, dim = eigs_per_run.shape
    q, _ = np.linalg.qr(rng.standard_normal((runs, dim, dim)))
    H = np.einsum("rij,rj,rkj->rik", q, eigs_per_run, q)
    return 0.5 * (H + np.swapaxes(H, 1, 2))


def x0(runs, dim):
    return np.zeros((runs, dim))


# --------------------------------------------------------------------------------------------
# trace
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_hess", [True, False])
def test_exact_trace_matches_numpy(with_hess):
    rng = np.random.default_rng(0)
    H = random_symmetric(rng, 5, 7)
    p = matrix_problem(H, with_hess=with_hess)
    got = sharpness.hessian_trace(p, x0(5, 7))
    assert got.shape == (5,)
    np.testing.assert_allclose(got, np.trace(H, axis1=1, axis2=2), rtol=1e-12, atol=1e-12)


def test_exact_trace_log1p_indefinite():
    p, d2 = log1p_problem(4)
    x = np.array([[0.0, 0.5, 2.0, -3.0], [1.5, -1.5, 0.1, 0.0]])
    np.testing.assert_allclose(sharpness.hessian_trace(p, x), d2(x).sum(axis=1), rtol=1e-13)


def test_hutchinson_zscore_on_psd():
    # The standard error comes from the sample variance of the probes' quadratic forms, so
    # (estimate - exact) / stderr is approximately standard normal (CLT, 256 probes). A 4-sigma
    # threshold makes the two-sided false-failure odds ~6e-5 per run for an arbitrary seed; the
    # seed is fixed here anyway, so the test is deterministic.
    rng = np.random.default_rng(1)
    runs, dim = 8, 30
    H = random_psd(rng, runs, dim)
    p = matrix_problem(H)
    est, se = sharpness.hutchinson_trace(p, x0(runs, dim), n_samples=256, rng=123)
    exact = np.trace(H, axis1=1, axis2=2)
    assert est.shape == se.shape == (runs,)
    assert np.all(se > 0)
    assert np.all(np.abs(est - exact) / se < 4.0)
    # hessian_trace(method="hutchinson") returns the same estimate for the same seed.
    est2 = sharpness.hessian_trace(p, x0(runs, dim), "hutchinson", n_samples=256, rng=123)
    np.testing.assert_array_equal(est, est2)


def test_hutchinson_unbiased_and_variance_formula():
    # Many independent estimates (independent probes per run, 20 seeds): their mean must match
    # the exact trace within 4 standard errors computed from the *theoretical* variance
    # Var = (2/m)(||H||_F^2 - sum_i H_ii^2) (THEORY.md §7.2), and the empirical variance and the
    # mean squared reported stderr must both match that formula.
    rng = np.random.default_rng(2)
    dim, runs, m, seeds = 12, 200, 8, 20
    H1 = random_psd(rng, 1, dim)[0]
    p = matrix_problem(np.broadcast_to(H1, (runs, dim, dim)))
    ests, ses = [], []
    for seed in range(seeds):
        e, s = sharpness.hutchinson_trace(p, x0(runs, dim), n_samples=m, rng=seed)
        ests.append(e)
        ses.append(s)
    ests = np.concatenate(ests)
    ses = np.concatenate(ses)
    var_theory = 2.0 / m * (np.sum(H1**2) - np.sum(np.diag(H1) ** 2))
    n = ests.size
    assert abs(ests.mean() - np.trace(H1)) < 4.0 * np.sqrt(var_theory / n)
    assert ests.var(ddof=1) == pytest.approx(var_theory, rel=0.15)
    assert np.mean(ses**2) == pytest.approx(var_theory, rel=0.15)


def test_hutchinson_exact_for_diagonal_and_tol_stops_early():
    # Rademacher probes are exact on a diagonal matrix (z_i^2 = 1): zero variance, so with a
    # tolerance the loop stops after the minimum number of probes (10).
    rng = np.random.default_rng(3)
    d = rng.uniform(0.5, 2.0, size=(3, 6))
    H = np.einsum("ri,ij->rij", d, np.eye(6))
    counter = {"hvp": 0}
    p = matrix_problem(H, counter=counter)
    est, se = sharpness.hutchinson_trace(p, x0(3, 6), n_samples=500, rng=0, tol=1e-3)
    np.testing.assert_allclose(est, d.sum(axis=1), rtol=1e-14)
    np.testing.assert_array_equal(se, 0.0)
    assert counter["hvp"] == 10


def test_hutchinson_tol_on_dense_psd():
    rng = np.random.default_rng(4)
    H = random_psd(rng, 4, 20)
    counter = {"hvp": 0}
    p = matrix_problem(H, counter=counter)
    est, se = sharpness.hutchinson_trace(p, x0(4, 20), n_samples=5000, rng=1, tol=0.02)
    assert 10 <= counter["hvp"] < 5000
    assert np.all(se < 0.02 * np.abs(est))
    exact = np.trace(H, axis1=1, axis2=2)
    assert np.all(np.abs(est - exact) / se < 4.0)


def test_hutchinson_reproducible_and_generator_accepted():
    rng = np.random.default_rng(5)
    p = matrix_problem(random_psd(rng, 2, 5))
    a = sharpness.hutchinson_trace(p, x0(2, 5), 16, 7)
    b = sharpness.hutchinson_trace(p, x0(2, 5), 16, np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


# --------------------------------------------------------------------------------------------
# extreme eigenvalues
# --------------------------------------------------------------------------------------------


def pitfall_matrices():
    """Indefinite matrices whose largest-magnitude eigenvalue (-5) is negative."""
    rng = np.random.default_rng(6)
    small = with_spectrum(rng, [[-5.0, 1.0, 2.0]] * 3)
    eigs10 = np.array([[-5.0, -4.0, -3.0, -1.0, 0.0, 0.3, 0.7, 1.0, 1.2, 2.0]] * 2)
    big = with_spectrum(rng, eigs10)
    return [small, big]


def naive_power(H, iters=300):
    v = np.ones(H.shape[0])
    for _ in range(iters):
        v = H @ v
        v /= np.linalg.norm(v)
    return v @ H @ v


def test_pitfall_case_really_fools_plain_power_iteration():
    # Sanity check of the test fixture: unshifted power iteration returns -5, not 2.
    H = pitfall_matrices()[0][0]
    assert naive_power(H) == pytest.approx(-5.0, rel=1e-8)


@pytest.mark.parametrize("method", ["exact", "lanczos", "power"])
@pytest.mark.parametrize("with_hess", [True, False])
def test_lambda_max_and_min_on_indefinite(method, with_hess):
    for H in pitfall_matrices():
        runs, dim, _ = H.shape
        p = matrix_problem(H, with_hess=with_hess)
        w = np.linalg.eigvalsh(H)
        top = sharpness.lambda_max(p, x0(runs, dim), method, rng=0)
        bottom = sharpness.lambda_min(p, x0(runs, dim), method, rng=0)
        assert top.shape == bottom.shape == (runs,)
        np.testing.assert_allclose(top, w[:, -1], rtol=1e-8)
        np.testing.assert_allclose(top, 2.0, rtol=1e-8)
        np.testing.assert_allclose(bottom, w[:, 0], rtol=1e-8)


@pytest.mark.parametrize("method", ["exact", "lanczos", "power"])
def test_lambda_max_random_symmetric(method):
    rng = np.random.default_rng(7)
    H = random_symmetric(rng, 4, 15)
    p = matrix_problem(H)
    w = np.linalg.eigvalsh(H)
    got = sharpness.lambda_max(p, x0(4, 15), method, rng=1, maxiter=100_000)
    np.testing.assert_allclose(got, w[:, -1], rtol=1e-8)
    got = sharpness.lambda_min(p, x0(4, 15), method, rng=1, maxiter=100_000)
    np.testing.assert_allclose(got, w[:, 0], rtol=1e-8)


@pytest.mark.parametrize("method", ["exact", "lanczos", "power"])
def test_lambda_max_log1p_saddle(method):
    # x with |x_i| > 1 in some coordinates: H has negative diagonal entries there.
    p, d2 = log1p_problem(5, with_hess=(method != "power"))
    x = np.array([[0.2, 2.0, -3.0, 0.9, 1.1], [4.0, -2.0, 1.2, 3.0, 0.5]])
    h = d2(x)
    np.testing.assert_allclose(sharpness.lambda_max(p, x, method, rng=2), h.max(axis=1), rtol=1e-8)
    np.testing.assert_allclose(sharpness.lambda_min(p, x, method, rng=2), h.min(axis=1), rtol=1e-8)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_lanczos_and_power_tiny_dims(dim):
    rng = np.random.default_rng(8)
    H = random_symmetric(rng, 3, dim)
    p = matrix_problem(H)
    w = np.linalg.eigvalsh(H)
    for method in ("lanczos", "power"):
        got = sharpness.lambda_max(p, x0(3, dim), method, rng=0)
        np.testing.assert_allclose(got, w[:, -1], rtol=1e-8, atol=1e-12)


def test_power_negative_definite_and_zero():
    rng = np.random.default_rng(9)
    neg = with_spectrum(rng, [[-4.0, -3.0, -1.0, -0.5]])
    both = np.concatenate([neg, np.zeros((1, 4, 4))])
    for with_hess in (True, False):
        p = matrix_problem(both, with_hess=with_hess)
        got = sharpness.lambda_max(p, x0(2, 4), "power", rng=0)
        np.testing.assert_allclose(got, [-0.5, 0.0], rtol=1e-8, atol=1e-14)


def test_power_warns_when_not_converged():
    H = pitfall_matrices()[1]
    p = matrix_problem(H)
    with pytest.warns(RuntimeWarning, match="did not reach"):
        sharpness.lambda_max(p, x0(2, 10), "power", rng=0, maxiter=2)


def test_power_reproducible():
    H = pitfall_matrices()[1]
    p = matrix_problem(H, with_hess=False)
    a = sharpness.lambda_max(p, x0(2, 10), "power", rng=3)
    b = sharpness.lambda_max(p, x0(2, 10), "power", rng=3)
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------------
# adversarial sharpness
# --------------------------------------------------------------------------------------------


def brute_force_linf(H):
    d = H.shape[0]
    return max(float(np.array(s) @ H @ np.array(s)) for s in itertools.product((-1, 1), repeat=d))


def test_l2_sharpness_is_half_rho2_lambda_max():
    rng = np.random.default_rng(10)
    H = random_psd(rng, 4, 6)
    rho = 0.3
    got = sharpness.adversarial_sharpness(matrix_problem(H), x0(4, 6), rho, "l2")
    np.testing.assert_allclose(got, 0.5 * rho**2 * np.linalg.eigvalsh(H)[:, -1], rtol=1e-12)
    # hvp-only problem (Lanczos path) agrees
    got2 = sharpness.adversarial_sharpness(matrix_problem(H, with_hess=False), x0(4, 6), rho)
    np.testing.assert_allclose(got2, got, rtol=1e-10)


def test_l2_sharpness_clipped_at_zero_and_indefinite():
    rng = np.random.default_rng(11)
    H = with_spectrum(rng, [[-3.0, -2.0, -1.0], [-5.0, 1.0, 2.0]])
    got = sharpness.adversarial_sharpness(matrix_problem(H), x0(2, 3), 2.0, "l2")
    np.testing.assert_allclose(got, [0.0, 0.5 * 4.0 * 2.0], rtol=1e-12, atol=0)


def test_linf_diagonal_psd_is_half_rho2_trace():
    rng = np.random.default_rng(12)
    d = rng.uniform(0.0, 3.0, size=(5, 9))
    H = np.einsum("ri,ij->rij", d, np.eye(9))
    rho = np.array([0.1, 0.2, 0.5, 1.0, 0.0])  # one radius per run
    got = sharpness.adversarial_sharpness(matrix_problem(H), x0(5, 9), rho, "linf")
    np.testing.assert_allclose(got, 0.5 * rho**2 * d.sum(axis=1), rtol=1e-12, atol=0)


def test_linf_bounds_for_general_psd():
    rng = np.random.default_rng(13)
    dim = 10
    H = random_psd(rng, 6, dim)
    p = matrix_problem(H)
    rho = 0.7
    linf = sharpness.adversarial_sharpness(p, x0(6, dim), rho, "linf")
    l2 = sharpness.adversarial_sharpness(p, x0(6, dim), rho, "l2")
    lmax = np.linalg.eigvalsh(H)[:, -1]
    assert np.all(linf >= 0.5 * rho**2 * lmax * (1 - 1e-12))
    assert np.all(linf >= l2 * (1 - 1e-12))
    assert np.all(linf <= 0.5 * rho**2 * dim * lmax * (1 + 1e-12))


def test_linf_matches_brute_force_enumeration():
    rng = np.random.default_rng(14)
    for dim in (1, 2, 5, 8):
        H = random_symmetric(rng, 3, dim) + 3.0 * np.eye(dim)  # nonneg-diag mostly, indefinite
        got = sharpness.adversarial_sharpness(matrix_problem(H), x0(3, dim), 1.0, "linf")
        want = [0.5 * max(brute_force_linf(h), 0.0) for h in H]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_linf_is_box_maximum_when_diagonal_nonnegative():
    # Indefinite H with H_ii >= 0: no point of the box beats the best vertex.
    rng = np.random.default_rng(15)
    dim = 6
    H = random_symmetric(rng, 1, dim)[0]
    np.fill_diagonal(H, np.abs(np.diag(H)))
    assert np.linalg.eigvalsh(H)[0] < 0
    rho = 0.5
    got = sharpness.adversarial_sharpness(matrix_problem(H[None]), x0(1, dim), rho, "linf")[0]
    deltas = rng.uniform(-rho, rho, size=(20_000, dim))
    sampled = 0.5 * np.einsum("ki,ij,kj->k", deltas, H, deltas)
    assert sampled.max() <= got * (1 + 1e-12)


def test_linf_hvp_only_and_large_dim_error():
    rng = np.random.default_rng(16)
    H = random_psd(rng, 2, 16)
    a = sharpness.adversarial_sharpness(matrix_problem(H), x0(2, 16), 0.1, "linf")
    b = sharpness.adversarial_sharpness(
        matrix_problem(H, with_hess=False), x0(2, 16), 0.1, "linf"
    )
    np.testing.assert_allclose(a, b, rtol=1e-12)
    p = matrix_problem(random_psd(rng, 1, 17))
    with pytest.raises(ValueError, match="l2"):
        sharpness.adversarial_sharpness(p, x0(1, 17), 0.1, "linf")


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------

BAD_X = [
    np.zeros(3),  # 1-D
    np.zeros((1, 2, 3)),  # 3-D
    np.zeros((2, 4)),  # wrong dim
    np.zeros((0, 3)),  # no runs
    np.array([[0.0, np.nan, 0.0]]),
    np.array([[0.0, np.inf, 0.0]]),
    np.array([[0.0, 1j, 0.0]]),
    [["a", "b", "c"]],
]


@pytest.mark.parametrize("x", BAD_X)
@pytest.mark.parametrize(
    "fn",
    [
        sharpness.hessian_trace,
        lambda p, x: sharpness.hutchinson_trace(p, x),
        sharpness.lambda_max,
        sharpness.lambda_min,
        lambda p, x: sharpness.adversarial_sharpness(p, x, 0.1),
    ],
)
def test_bad_x(fn, x):
    p = matrix_problem(np.eye(3)[None])
    with pytest.raises(ValueError, match=r"\bx\b"):
        fn(p, x)


def test_bad_method_and_norm():
    p = matrix_problem(np.eye(3)[None])
    x = x0(1, 3)
    with pytest.raises(ValueError, match=r"method.*'exact', 'hutchinson'"):
        sharpness.hessian_trace(p, x, "lanczos")
    with pytest.raises(ValueError, match=r"method.*'exact', 'lanczos', 'power'"):
        sharpness.lambda_max(p, x, "hutchinson")
    with pytest.raises(ValueError, match="method"):
        sharpness.lambda_min(p, x, "eig")
    with pytest.raises(ValueError, match=r"norm.*'l2', 'linf'"):
        sharpness.adversarial_sharpness(p, x, 0.1, "l1")


def test_bad_numeric_arguments():
    p = matrix_problem(np.eye(3)[None])
    x = x0(1, 3)
    with pytest.raises(ValueError, match="n_samples"):
        sharpness.hutchinson_trace(p, x, n_samples=1)
    with pytest.raises(ValueError, match="tol"):
        sharpness.hutchinson_trace(p, x, tol=-1.0)
    with pytest.raises(ValueError, match="maxiter"):
        sharpness.lambda_max(p, x, "power", maxiter=0)
    with pytest.raises(ValueError, match="tol"):
        sharpness.lambda_max(p, x, "power", tol=0.0)
    with pytest.raises(ValueError, match="rho"):
        sharpness.adversarial_sharpness(p, x, -0.1)
    with pytest.raises(ValueError, match="rho"):
        sharpness.adversarial_sharpness(p, x, [0.1, 0.2])
    with pytest.raises(ValueError, match="rho"):
        sharpness.adversarial_sharpness(p, x, np.nan)


def test_bad_problem():
    with pytest.raises(TypeError, match="hess"):
        sharpness.hessian_trace(types.SimpleNamespace(dim=2, hess=None, hvp=None), x0(1, 2))
    with pytest.raises(TypeError, match="dim"):
        sharpness.hessian_trace(types.SimpleNamespace(hess=lambda x: x), x0(1, 2))
    bad_shape = types.SimpleNamespace(dim=2, hess=lambda x: np.zeros((1, 3, 3)), hvp=None)
    with pytest.raises(ValueError, match="shape"):
        sharpness.hessian_trace(bad_shape, x0(1, 2))
