"""Tests for convlab.problems: derivatives, constants, shapes and run independence.

Every registered problem is checked against finite differences at random points; the
separable terms are checked against sympy; the finite sums' components against the full
gradient; Rosenbrock against scipy.optimize.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.optimize as so
import sympy as sp
from sympy.calculus.util import maximum, minimum

from convlab import problems
from convlab.problems import REGISTRY

EPS = np.finfo(float).eps

# Variants beyond the registry defaults that exercise other code paths (ridge terms, a
# centre, other dimensions and scales, a = 2 for Rosenbrock).
EXTRA = {
    "least_squares_reg": lambda: problems.least_squares(n=30, dim=4, reg=0.3, rng=1),
    "logistic_reg": lambda: problems.logistic(n=80, dim=3, reg=0.1, rng=2),
    "quadratic_centered": lambda: problems.quadratic([0.5, 2.0, 3.0], center=[1.0, -2.0, 0.5]),
    "quadratic_rotated_centered": lambda: problems.quadratic(
        [0.5, 2.0, 3.0], rotate=7, center=[1.0, -2.0, 0.5]),
    "cosine_trap_3d": lambda: problems.separable("cosine_trap", dim=3, beta=2.0, rho=0.05),
    "log1p_sq_scaled": lambda: problems.separable("log1p_sq", dim=3, scale=2.5),
    "rosenbrock5": lambda: problems.rosenbrock(5),
    "rosenbrock_a2": lambda: problems.rosenbrock(2, a=2.0, b=10.0),
}
ALL = {**REGISTRY, **EXTRA}
ALL_NAMES = sorted(REGISTRY) + sorted(EXTRA)


@functools.cache
def build(name: str) -> problems.Problem:
    """Problems are immutable, so each is built once per session (logistic runs Newton)."""
    return ALL[name]()


def points(p: problems.Problem, rng: np.random.Generator, runs: int = 6) -> np.ndarray:
    """Random points around the minimiser, spread ~1.5 per coordinate: wide enough to reach
    the negative-curvature regions of the nonconvex terms (|u| > 1)."""
    return p.x_star + 1.5 * rng.standard_normal((runs, p.dim))


def f1(p):
    return lambda z: p.f(z[None])[0]


def g1(p):
    return lambda z: p.grad(z[None])[0]


# --------------------------------------------------------------------------------------------
# derivatives against finite differences
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_gradient_matches_forward_differences(name, rng):
    p = build(name)
    h = np.sqrt(EPS)  # scipy's default forward-difference step
    for x in points(p, rng):
        err = so.check_grad(f1(p), g1(p), x, epsilon=h)
        # Forward difference error per coordinate: truncation (h/2)|d2f/dx_j^2| plus
        # rounding of f(x+h)-f(x) (~4 eps |f| / h) and of the step itself (eps |x_j| |g_j| / h).
        # Factor 10 of slack; sqrt(d) for the Euclidean norm over coordinates.
        H = p.hess(x[None])[0]
        trunc = 0.5 * h * np.max(np.abs(np.diag(H)))
        rnd = (4 * abs(p.f(x[None])[0]) + np.max(np.abs(x)) * np.max(np.abs(p.grad(x[None]))))
        tol = 10 * np.sqrt(p.dim) * (trunc + rnd * EPS / h) + 1e-12
        assert err <= tol, f"{name}: check_grad {err:.3g} > {tol:.3g} at {x}"


@pytest.mark.parametrize("name", ALL_NAMES)
def test_hessian_matches_central_differences_of_the_gradient(name, rng):
    p = build(name)
    x = points(p, rng, runs=4)
    H = p.hess(x)
    fd = np.empty_like(H)
    for j in range(p.dim):
        h = 1e-5 * np.maximum(1.0, np.abs(x[:, j]))[:, None]
        e = np.zeros_like(x)
        e[:, j] = 1.0
        fd[:, :, j] = (p.grad(x + h * e) - p.grad(x - h * e)) / (2 * h)
    # Central difference: truncation h^2 |d4f|/6 ~ 1e-10 |d4f| (|d4f| <= ~2e3 here, so
    # <1e-6 relative to the Hessian scale) and rounding eps |g| / h ~ 2e-11 |g|.
    tol = 1e-6 * (1 + np.max(np.abs(H))) + 1e-9 * np.max(np.abs(p.grad(x)))
    np.testing.assert_allclose(fd, H, rtol=0, atol=tol)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_hessian_is_symmetric_and_hvp_equals_hessian_times_v(name, rng):
    p = build(name)
    x = points(p, rng)
    v = rng.standard_normal(x.shape)
    H = p.hess(x)
    # einsum may sum the (i, j) and (j, i) entries in different orders: a few ulps.
    np.testing.assert_allclose(H, np.swapaxes(H, 1, 2), rtol=0, atol=1e-14 * np.abs(H).max())
    ref = np.einsum("rij,rj->ri", H, v)
    # Same products, possibly summed in another order (BLAS vs einsum): a few ulps of the
    # largest term.
    scale = np.max(np.abs(H)) * np.max(np.abs(v))
    np.testing.assert_allclose(p.hvp(x, v), ref, rtol=1e-12, atol=1e-13 * scale)


# --------------------------------------------------------------------------------------------
# constants: curvature bounds, minimiser, minimum value
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_hessian_eigenvalues_lie_between_lower_and_L(name, rng):
    p = build(name)
    eig = np.linalg.eigvalsh(p.hess(points(p, rng, runs=50)))
    # eigvalsh is backward stable: errors ~ d * eps * ||H||.
    tol = 1e-12 * (1 + np.max(np.abs(eig)))
    assert np.all(eig >= p.lower - tol)
    assert np.all(eig <= p.L + tol)
    assert p.lower <= p.L
    if p.convex:
        assert p.lower >= 0.0
        assert np.all(eig >= p.mu - tol)
        assert p.mu <= p.lower + tol


@pytest.mark.parametrize("name", [n for n in ALL_NAMES if np.isfinite(build(n).L)])
def test_L_is_attained_at_the_minimiser_or_the_origin(name):
    # L is the tight constant for every registered smooth problem (the band law and the
    # step-size invariants use it): constant Hessians, log1p/geman-mcclure/cosine at u=0,
    # logistic at w=0 where every s(1-s) = 1/4.
    p = build(name)
    x = np.vstack([p.x_star, np.zeros(p.dim)])
    top = np.max(np.abs(np.linalg.eigvalsh(p.hess(x))))
    assert top == pytest.approx(p.L, rel=1e-12)


@pytest.mark.parametrize("name", [n for n in ALL_NAMES if build(n).mu > 0])
def test_mu_is_attained_for_quadratics_and_ridge(name):
    p = build(name)
    low = np.min(np.linalg.eigvalsh(p.hess(p.x_star[None])))
    if name.startswith("logistic"):
        assert low >= p.mu  # logistic: mu = reg is only a lower bound
    else:
        assert low == pytest.approx(p.mu, rel=1e-12)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_f_at_x_star_is_f_star_and_the_gradient_vanishes(name):
    p = build(name)
    xs = p.x_star[None]
    assert p.f(xs)[0] == pytest.approx(p.f_star, rel=1e-10, abs=1e-12)
    # Least squares: a linear solve (~cond * eps); logistic: Newton to 1e-13.
    assert np.linalg.norm(p.grad(xs)[0]) <= 1e-10


@pytest.mark.parametrize("name", ALL_NAMES)
def test_no_random_point_is_below_f_star(name, rng):
    p = build(name)
    x = np.vstack([points(p, rng, runs=200), p.x_star + 1e-3 * rng.standard_normal((50, p.dim))])
    # Rounding of f near its minimum value: a few eps relative.
    assert np.all(p.f(x) >= p.f_star - 1e-13 * (1 + abs(p.f_star)))


def test_x_star_is_read_only_so_problems_cannot_be_corrupted():
    p = problems.quadratic([1.0, 2.0])
    with pytest.raises(ValueError):
        p.x_star[0] = 3.0


# --------------------------------------------------------------------------------------------
# shapes and independence of runs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("runs", [1, 4])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_shapes_are_runs_dim(name, runs, rng):
    p = build(name)
    x = points(p, rng, runs=runs)
    v = rng.standard_normal(x.shape)
    assert p.f(x).shape == (runs,)
    assert p.grad(x).shape == (runs, p.dim)
    assert p.hess(x).shape == (runs, p.dim, p.dim)
    assert p.hvp(x, v).shape == (runs, p.dim)
    for out in (p.f(x), p.grad(x), p.hess(x), p.hvp(x, v)):
        assert out.dtype == np.float64


@pytest.mark.parametrize("name", ALL_NAMES)
def test_row_i_of_a_batch_equals_row_i_alone(name, rng):
    p = build(name)
    x = points(p, rng, runs=5)
    v = rng.standard_normal(x.shape)
    F, G, H, Hv = p.f(x), p.grad(x), p.hess(x), p.hvp(x, v)
    for i in range(5):
        xi, vi = x[i : i + 1], v[i : i + 1]
        # BLAS may use another kernel for one row than for five (gemv vs gemm), which can
        # change the summation order: allow a few ulps.
        np.testing.assert_allclose(p.f(xi)[0], F[i], rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(p.grad(xi)[0], G[i], rtol=1e-13, atol=1e-13 * np.abs(G).max())
        np.testing.assert_allclose(p.hess(xi)[0], H[i], rtol=1e-13, atol=1e-13 * np.abs(H).max())
        np.testing.assert_allclose(p.hvp(xi, vi)[0], Hv[i], rtol=1e-13,
                                   atol=1e-13 * np.abs(Hv).max())


@pytest.mark.parametrize("name", ALL_NAMES)
def test_changing_other_runs_leaves_a_run_unchanged(name, rng):
    p = build(name)
    x = points(p, rng, runs=4)
    y = x.copy()
    y[1:] = points(p, rng, runs=3)   # run 0 is the same point in both batches
    for fn in (p.f, p.grad, p.hess):
        np.testing.assert_allclose(fn(y)[0], fn(x)[0], rtol=1e-13, atol=1e-13)


# --------------------------------------------------------------------------------------------
# separable terms against sympy
# --------------------------------------------------------------------------------------------

U = sp.Symbol("u", real=True)
C, B, W = sp.symbols("c beta omega", positive=True)
SYMBOLIC = {   # the term written independently as a sympy expression of u and parameters
    "log1p_sq": C * sp.log(1 + U**2),
    "geman_mcclure": C * U**2 / (1 + U**2),
    "cosine_trap": -(B / W**2) * sp.cos(W * U),
}
TERM_CASES = [
    ("log1p_sq", {"scale": 1.0}),
    ("log1p_sq", {"scale": 2.5}),
    ("geman_mcclure", {"scale": 1.0}),
    ("geman_mcclure", {"scale": 0.7}),
    ("cosine_trap", {"beta": 1.0, "rho": 0.1}),
    ("cosine_trap", {"beta": 3.0, "rho": 0.05}),
]


def substitutions(kind: str, kw: dict) -> dict:
    if kind == "cosine_trap":
        return {B: kw["beta"], W: 3 * sp.pi / (2 * sp.Float(kw["rho"]))}
    return {C: kw["scale"]}


@functools.cache
def symbolic_curvature_bounds(kind: str) -> tuple[sp.Expr, sp.Expr]:
    """(sup, inf) of phi'' over the reals, found by sympy for symbolic parameters."""
    d2 = sp.diff(SYMBOLIC[kind], U, 2)
    return maximum(d2, U), minimum(d2, U)


def test_every_registered_term_has_a_sympy_twin():
    assert set(SYMBOLIC) == set(problems.TERMS)


@pytest.mark.parametrize(("kind", "kw"), TERM_CASES)
def test_term_derivatives_equal_sympy(kind, kw):
    term = problems.TERMS[kind](**kw)
    sub = substitutions(kind, kw)
    expr = SYMBOLIC[kind].subs(sub)
    u = np.linspace(-6.0, 6.0, 2001) * (kw.get("rho", 1.0))  # cosine: several periods
    for fn, order in ((term.phi, 0), (term.d1, 1), (term.d2, 2)):
        ref = sp.lambdify(U, sp.diff(expr, U, order), "numpy")(u)
        scale = np.max(np.abs(ref))
        # Same closed forms evaluated in another order: rounding only.
        np.testing.assert_allclose(fn(u), ref, rtol=1e-12, atol=1e-14 * scale)


@pytest.mark.parametrize(("kind", "kw"), TERM_CASES)
def test_term_curvature_bounds_equal_sympy_sup_and_inf(kind, kw):
    term = problems.TERMS[kind](**kw)
    sup, inf = (float(b.subs(substitutions(kind, kw))) for b in symbolic_curvature_bounds(kind))
    assert term.curv_max == pytest.approx(sup, rel=1e-12)
    assert term.curv_min == pytest.approx(inf, rel=1e-12)


@pytest.mark.parametrize(("kind", "kw"), TERM_CASES)
def test_term_curvature_bounds_hold_and_are_reached_on_a_dense_grid(kind, kw):
    term = problems.TERMS[kind](**kw)
    u = np.linspace(-10.0, 10.0, 400_001) * kw.get("rho", 1.0)
    d2 = term.d2(u)
    span = term.curv_max - term.curv_min
    assert np.all(d2 <= term.curv_max + 1e-12 * span)
    assert np.all(d2 >= term.curv_min - 1e-12 * span)
    # Grid spacing 5e-5 (relative to the feature size) and phi'' is smooth with a flat
    # extremum, so the grid extremes are within ~1e-6 of the true sup/inf.
    assert d2.max() == pytest.approx(term.curv_max, rel=1e-6)
    assert d2.min() == pytest.approx(term.curv_min, rel=1e-6)


@pytest.mark.parametrize(("kind", "kw"), TERM_CASES)
def test_term_u_star_is_a_global_minimiser_with_value_phi_star(kind, kw):
    term = problems.TERMS[kind](**kw)
    assert term.d1(np.array(term.u_star)) == pytest.approx(0.0, abs=1e-15)
    assert term.phi(np.array(term.u_star)) == pytest.approx(term.phi_star, rel=1e-14, abs=1e-15)
    u = np.linspace(-20.0, 20.0, 200_001)
    assert np.all(term.phi(u) >= term.phi_star - 1e-15)


# --------------------------------------------------------------------------------------------
# finite sums
# --------------------------------------------------------------------------------------------

FINITE_SUMS = ["least_squares", "logistic", "least_squares_reg", "logistic_reg"]


@pytest.mark.parametrize("name", FINITE_SUMS)
def test_component_gradients_average_to_the_gradient(name, rng):
    p = build(name)
    assert p.is_finite_sum
    x = points(p, rng, runs=3)
    comps = np.stack([p.grad_i(x, np.full((3, 1), i)) for i in range(p.n)], axis=1)
    # Mean of n terms vs one matrix product: rounding ~ n eps |g_i|.
    np.testing.assert_allclose(comps.mean(axis=1), p.grad(x), rtol=1e-12,
                               atol=1e-13 * np.abs(comps).max())
    everything = np.tile(np.arange(p.n), (3, 1))
    np.testing.assert_allclose(p.grad_i(x, everything), p.grad(x), rtol=1e-12,
                               atol=1e-13 * np.abs(comps).max())


@pytest.mark.parametrize("name", FINITE_SUMS)
def test_grad_i_of_a_batch_is_the_mean_of_its_components_per_run(name, rng):
    p = build(name)
    x = points(p, rng, runs=3)
    idx = rng.integers(0, p.n, size=(3, 4))
    got = p.grad_i(x, idx)
    for r in range(3):
        one = np.mean([p.grad_i(x[r : r + 1], idx[r : r + 1, [k]])[0] for k in range(4)], axis=0)
        np.testing.assert_allclose(got[r], one, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", FINITE_SUMS)
def test_each_component_is_L_max_smooth(name, rng):
    p = build(name)
    x, y = points(p, rng, runs=50), points(p, rng, runs=50)
    for i in range(p.n):
        idx = np.full((50, 1), i)
        dg = np.linalg.norm(p.grad_i(x, idx) - p.grad_i(y, idx), axis=1)
        assert np.all(dg <= p.L_max * np.linalg.norm(x - y, axis=1) * (1 + 1e-12))


@pytest.mark.parametrize("name", ["least_squares", "least_squares_reg"])
def test_least_squares_L_max_is_the_largest_component_curvature(name):
    # Each component is quadratic, so grad_i(e_j) - grad_i(0) is column j of its Hessian
    # a_i a_i^T + reg I exactly; L_max must be the largest of their top eigenvalues.
    p = build(name)
    eye = np.eye(p.dim)
    tops = []
    for i in range(p.n):
        idx = np.full((p.dim, 1), i)
        Hi = p.grad_i(eye, idx) - p.grad_i(np.zeros((p.dim, p.dim)), idx)   # rows = columns
        tops.append(np.linalg.eigvalsh(0.5 * (Hi + Hi.T))[-1])
    assert max(tops) == pytest.approx(p.L_max, rel=1e-12)


@pytest.mark.parametrize("name", ["logistic", "logistic_reg"])
def test_logistic_f_star_is_the_minimum(name, rng):
    p = build(name)
    assert np.linalg.norm(p.grad(p.x_star[None])) < 1e-10
    # Convex with a zero gradient: x_star is the global minimiser; perturbations only raise f.
    near = p.x_star + 1e-2 * rng.standard_normal((100, p.dim))
    assert np.all(p.f(near) >= p.f_star)


def test_logistic_on_separable_data_without_ridge_is_refused():
    X = np.array([[1.0, 0.0], [2.0, 1.0], [-1.0, 0.5], [-2.0, -1.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0])   # separable by w = (1, 0): no finite minimiser
    with pytest.raises(ValueError, match="Newton"):
        problems.logistic(X, y)


# --------------------------------------------------------------------------------------------
# classic functions against scipy
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [2, 5])
def test_rosenbrock_equals_scipy_rosen_and_its_derivatives(dim, rng):
    p = problems.rosenbrock(dim)
    x = rng.uniform(-2.0, 2.0, size=(7, dim))
    np.testing.assert_allclose(p.f(x), [so.rosen(z) for z in x], rtol=1e-13)
    np.testing.assert_allclose(p.grad(x), [so.rosen_der(z) for z in x], rtol=1e-13, atol=1e-11)
    np.testing.assert_allclose(p.hess(x), [so.rosen_hess(z) for z in x], rtol=1e-13, atol=1e-11)
    np.testing.assert_array_equal(p.x_star, np.ones(dim))


def test_xy_minus_one_hessian_on_the_manifold_has_eigenvalues_0_and_its_trace():
    # On xy = 1 the Hessian is [[2y^2, 2], [2, 2x^2]]: determinant 4x^2y^2 - 4 = 0, so the
    # eigenvalues are 0 and the trace 2(x^2 + y^2) (= 4 at the flattest minimisers +-(1, 1)).
    p = problems.xy_minus_one()
    x = np.array([[2.0, 0.5], [-4.0, -0.25], [1.0, 1.0]])
    assert np.all(p.f(x) == 0.0)
    H = p.hess(x)
    eig = np.linalg.eigvalsh(H)
    np.testing.assert_allclose(eig[:, 1], 2 * np.sum(x**2, axis=1), rtol=1e-14)
    np.testing.assert_allclose(np.trace(H, axis1=1, axis2=2), 2 * np.sum(x**2, axis=1),
                               rtol=1e-15)
    np.testing.assert_allclose(eig[:, 0], 0.0, atol=1e-14)


# --------------------------------------------------------------------------------------------
# constructors refuse bad input, naming the argument
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build_bad", "exc", "word"),
    [
        (lambda: problems.quadratic([1.0, -1.0]), ValueError, "eigs"),
        (lambda: problems.quadratic([1.0, np.nan]), ValueError, "eigs"),
        (lambda: problems.quadratic([1.0, 2.0], center=[np.inf, 0.0]), ValueError, "center"),
        (lambda: problems.separable("nope"), ValueError, "term"),
        (lambda: problems.separable("log1p_sq", dim=0), ValueError, "dim"),
        (lambda: problems.separable("log1p_sq", scale=-1.0), ValueError, "scale"),
        (lambda: problems.separable("cosine_trap", rho=0.0), ValueError, "rho"),
        (lambda: problems.rosenbrock(1), ValueError, "dim"),
        (lambda: problems.rosenbrock(3, a=2.0), ValueError, "a="),
        (lambda: problems.least_squares(np.ones((3, 2))), ValueError, "y"),
        (lambda: problems.least_squares(n=5, reg=-1.0), ValueError, "reg"),
        (lambda: problems.logistic(np.ones((2, 2)), np.array([1.0, 0.0])), ValueError, "labels"),
        (lambda: problems.get("nope"), ValueError, "unknown problem"),
    ],
)
def test_bad_problem_arguments_raise_naming_the_argument(build_bad, exc, word):
    with pytest.raises(exc, match=word):
        build_bad()


def test_logistic_newton_solve_does_not_stall_at_rounding():
    # seeds whose line search used to stall at ||g|| ~ 1e-9..1e-12 (the Armijo test on f
    # decided by rounding) and raised "did not converge"
    for seed in (77, 119, 123, 154, 196, 285):
        p = problems.logistic(rng=seed)
        assert np.linalg.norm(p.grad(p.x_star[None])) < 1e-13, seed
