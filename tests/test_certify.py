"""convlab.certify: PEP certificates against the known tight rates and against real runs.

GD (and SAM with rho = 0) must reproduce the tight worst-case rates; USAM is exact too; for
normalized SAM, whose certificates are relaxations, a real SAM run on random functions of the
class (convlab's own engine, many starts as one array, on the sphere of the initial radius)
must never exceed the certified value.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PEPit", reason='pip install -e ".[certify]"')
pytest.importorskip("cvxpy", reason='pip install -e ".[certify]"')

import convlab as cl
from convlab import certify
from convlab.certify import _program

MU, L = 0.1, 1.0
SLACK = 1e-6          # relative solver slack allowed when comparing with a bound


def wc(method="gd", cls="smooth_strongly_convex", **kw):
    base = {"n_steps": 2, "metric": "dist_sq", "initial": "dist_sq", "mu": MU, "L": L,
            "lr": 1.0}
    if cls != "smooth_strongly_convex":
        base["mu"] = 0.0
    base.update(kw)
    return certify.worst_case(method, cls, **base)


def assert_certified(c):
    assert c.certified, (c.status, c.dual and c.dual["min_eig_rel"])
    assert c.dual["min_eig_rel"] >= -1e-6               # the dual matrix is PSD
    assert c.dual["min_multiplier_rel"] >= -1e-6


# ------------------------------------------------------------------ GD: known tight rates


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("lr", [0.5, 1.5, 1.9])
def test_gd_distance_rate_smooth_strongly_convex(n, lr):
    c = wc(n_steps=n, lr=lr)
    rate = max(abs(1 - lr * MU), abs(1 - lr * L)) ** (2 * n)
    assert c.value == pytest.approx(rate, rel=1e-6)
    assert c.exact and c.model == "exact" and c.solver == "CLARABEL" and c.status == "optimal"
    assert_certified(c)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_gd_function_gap_smooth_convex_drori_teboulle(n):
    # f(x_N) - f* <= L R^2 / (4N + 2) for eta = 1/L, tight (Drori & Teboulle 2014)
    Lc, R = 2.0, 3.0
    c = wc(cls="smooth_convex", n_steps=n, metric="f_gap", L=Lc, lr=1 / Lc, radius=R)
    assert c.value == pytest.approx(Lc * R ** 2 / (4 * n + 2), rel=1e-6)
    assert c.exact
    assert_certified(c)
    assert c.dual["initial"] == pytest.approx(c.value / R ** 2, rel=1e-5)  # tau = lambda R^2


@pytest.mark.parametrize("lr", [0.5, 1.2])
def test_gd_function_gap_ratio_smooth_strongly_convex(lr):
    # (f(x_N) - f*) / (f(x_0) - f*) <= max((1 - eta mu)^2, (1 - eta L)^2)^N, tight
    n = 3
    c = wc(n_steps=n, metric="f_gap", initial="f_gap", lr=lr, radius=2.0)
    assert c.value == pytest.approx(max((1 - lr * MU) ** 2, (1 - lr * L) ** 2) ** n, rel=1e-6)
    assert_certified(c)


@pytest.mark.parametrize("n", [1, 4])
def test_gd_gradient_smooth_convex(n):
    # |g(x_N)|^2 <= (L R / (N + 1))^2 for eta = 1/L
    c = wc(cls="smooth_convex", n_steps=n, metric="grad_sq", lr=1.0)
    assert c.value == pytest.approx(1 / (n + 1) ** 2, rel=1e-6)
    assert_certified(c)


def test_sam_with_zero_radius_is_gd_and_exact():
    gd, sam = wc(n_steps=3, lr=0.7), wc("sam", n_steps=3, lr=0.7, rho=0.0)
    assert sam.exact and sam.model == "exact"
    assert sam.value == pytest.approx(gd.value, rel=1e-7)


def test_schedules_are_per_step():
    lr = [1.0, 0.5, 1.5]
    c = wc(n_steps=3, lr=lr)
    rate = np.prod([max(abs(1 - h * MU), abs(1 - h * L)) ** 2 for h in lr])
    assert c.value == pytest.approx(rate, rel=1e-6)


def test_instance_is_a_trajectory_of_the_method():
    c = wc(n_steps=3, lr=0.5, metric="dist_sq")
    inst = c.instance
    x, g = inst["x"], inst["g"]
    assert x.shape[0] == 4 and g.shape == x.shape
    np.testing.assert_allclose(x[1:], x[:-1] - 0.5 * g[:-1], atol=1e-6)
    dist0 = np.sum((x[0] - inst["x_star"]) ** 2)
    distN = np.sum((x[-1] - inst["x_star"]) ** 2)
    assert dist0 <= 1 + 1e-6
    assert distN == pytest.approx(c.value, rel=1e-3)    # the instance attains the value
    s = wc("sam", n_steps=2, lr=0.5, rho=0.2)
    e, g = s.instance["e"], s.instance["g"]
    for t in range(2):
        assert e[t] @ e[t] <= 0.2 ** 2 * (1 + 1e-6)
        assert e[t] @ g[t] >= -1e-7
        np.testing.assert_allclose(s.instance["y"][t], s.instance["x"][t] + e[t], atol=1e-6)


def test_unbounded_worst_case_is_not_a_number():
    # on smooth convex functions a bound on f(x0) - f* does not bound the distance
    c = wc(cls="smooth_convex", n_steps=2, metric="dist_sq", initial="f_gap")
    assert c.value == np.inf and c.status == "unbounded"
    assert not c.certified and c.dual is None and c.instance is None


def test_uncertified_when_the_gap_check_fails():
    c = wc(n_steps=2, gap_tol=0.0)
    if c.dual["gap_rel"] == 0.0:                          # pragma: no cover - exact solve
        pytest.skip("the solver closed the gap exactly")
    assert not c.certified and c.value > 0


def test_scs_fallback_when_clarabel_raises(monkeypatch):
    real = _program._solve_with

    def failing(prog, solver, tol, gap_tol):
        if solver == "CLARABEL":
            raise _program.SolverFailure("CLARABEL: Solver 'CLARABEL' failed (NumericalError)")
        return real(prog, solver, tol, gap_tol)

    monkeypatch.setattr(_program, "_solve_with", failing)
    c = wc(cls="smooth_convex", n_steps=1, metric="f_gap", lr=1.0)
    assert c.solver == "SCS" and c.value == pytest.approx(1 / 6, rel=1e-5)
    assert c.certified


def test_every_solver_failing_raises(monkeypatch):
    def failing(prog, solver, tol, gap_tol):
        raise _program.SolverFailure(f"{solver}: failed")

    monkeypatch.setattr(_program, "_solve_with", failing)
    with pytest.raises(certify.SolverFailure, match="CLARABEL: failed; SCS: failed"):
        wc()


@pytest.mark.parametrize(("kw", "match"), [
    ({"method": "adam"}, "method='adam'"),
    ({"cls": "convex"}, "function_class='convex'"),
    ({"metric": "f"}, "metric='f'"),
    ({"initial": "grad_sq"}, "initial='grad_sq'"),
    ({"sam_model": "exact"}, "sam_model='exact'"),
    ({"lr": -0.1}, "lr must be >= 0, got -0.1"),
    ({"method": "sam", "rho": -1.0}, "rho must be >= 0, got -1.0"),
    ({"n_steps": 0}, "n_steps must be >= 1, got 0"),
    ({"mu": 2.0}, "mu must be <= L, got mu=2.0 > L=1.0"),
    ({"L": 0.0, "mu": 0.0}, "L must be > 0, got 0.0"),
    ({"cls": "smooth_convex", "mu": 0.1}, "mu must be 0 for function_class='smooth_convex'"),
    ({"rho": 0.1}, "method='gd' has no radius: rho must be 0"),
    ({"lr": [0.1, 0.2, 0.3]}, "one entry per step \\(n_steps=2\\), got 3"),
    ({"radius": 0.0}, "radius must be > 0, got 0.0"),
    ({"method": "sam", "rho": 0.1, "branches": 0}, "branches must be >= 1, got 0"),
])
def test_clear_errors(kw, match):
    kw = dict(kw)
    method, cls = kw.pop("method", "gd"), kw.pop("cls", "smooth_strongly_convex")
    base = {"n_steps": 2, "metric": "dist_sq", "initial": "dist_sq", "mu": MU, "L": L,
            "lr": 1.0}
    base.update(kw)
    with pytest.raises(ValueError, match=match):
        certify.worst_case(method, cls, **base)


def test_branching_refuses_too_many_programs():
    with pytest.raises(ValueError, match="needs 448 programs > max_programs=100"):
        wc("sam", n_steps=3, rho=0.1, sam_model="branched", branches=7, max_programs=100)


# ------------------------------------------------------------------ USAM: exact


def test_usam_is_exact_and_equals_the_quadratic_rate_for_moderate_rho():
    eta, rho, n = 0.5, 0.5, 2
    c = wc("usam", n_steps=n, lr=eta, rho=rho)
    h = np.linspace(MU, L, 20001)
    quad = np.max(np.abs(1 - eta * h * (1 + rho * h))) ** (2 * n)
    assert c.exact and c.value == pytest.approx(quad, rel=1e-6)
    assert_certified(c)
    # for a large radius the general class is strictly worse than quadratics (CERTIFY.md)
    big = wc("usam", n_steps=1, lr=0.1, rho=5.0)
    quad = np.max(np.abs(1 - 0.1 * h * (1 + 5.0 * h))) ** 2
    assert big.value > quad * (1 + 1e-3)


# ------------------------------------------------------------------ SAM: relaxations


def test_sam_relaxations_are_ordered():
    kw = {"n_steps": 1, "lr": 0.5, "rho": 0.1}
    relaxed = wc("sam", **kw)
    coarse = wc("sam", sam_model="branched", branches=3, **kw)   # edges f, sqrt(f), 1 ...
    fine = wc("sam", sam_model="branched", branches=5, **kw)     # ... refined: nested cover
    composed = wc("sam", sam_model="composed", branches=5, **kw)
    assert not relaxed.exact and relaxed.model == "relaxed"
    assert relaxed.value >= coarse.value * (1 - SLACK) >= fine.value * (1 - 2 * SLACK)
    assert composed.value == pytest.approx(fine.value, rel=1e-6)    # one step: the same
    assert fine.n_programs == 5 and fine.certified
    # the exact SAM worst case on quadratics: |(1 - eta mu) R - eta mu rho|^2
    quad = ((1 - 0.5 * MU) - 0.5 * MU * 0.1) ** 2
    assert fine.value >= quad * (1 - SLACK)
    assert fine.value <= quad * 1.01                                  # and close to it


def _starts(p, initial, size, n, rng):
    """``n`` random starts on the boundary of the initial set, plus (for quadratics) the
    eigenvector directions: |x0 - x*| = size, or f(x0) - f* = size (from below, by bisection
    along the ray from x*, along which f grows)."""
    u = rng.standard_normal((n, p.dim))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    A = p.params.get("A")
    if A is not None:
        _, V = np.linalg.eigh(A)
        u = np.vstack([u, V.T, -V.T])
    if initial == "dist_sq":
        return p.x_star + size * u
    lo, hi = np.zeros(len(u)), np.full(len(u), 1e3)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        big = p.f(p.x_star + mid[:, None] * u) - p.f_star > size
        hi, lo = np.where(big, mid, hi), np.where(big, lo, mid)
    return p.x_star + lo[:, None] * u


def _random_problems(rng, count, mu=MU, L=L):
    """Functions of the class: rotated quadratics with spectra in [mu, L] (both ends
    included) and random minimisers, and ridge logistic regressions with constants in
    [mu, L]."""
    out = []
    for _ in range(count):
        d = int(rng.integers(2, 6))
        eigs = np.concatenate([[mu, L], rng.uniform(mu, L, d - 2)])
        out.append(cl.problems.quadratic(eigs, rotate=int(rng.integers(2 ** 31)),
                                         center=rng.standard_normal(d)))
    n, d = 40, 3
    X = rng.standard_normal((n, d))
    X *= np.sqrt((L - mu) * 4 * n / np.linalg.eigvalsh(X.T @ X).max()) * rng.uniform(0.5, 1)
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    out.append(cl.problems.logistic(X, y, reg=mu))
    return out


def _measured(method, problems_, lr, rho, n, radius, metric, rng, starts=256,
              initial="dist_sq"):
    """The largest metric over every problem and start, after ``n`` steps of ``method``
    (divided by the initial bound when metric and initial condition are of one kind)."""
    worst = 0.0
    for p in problems_:
        assert p.mu >= MU - 1e-12 and p.L <= L + 1e-12
        opt = cl.optimizers.sam(lr, rho) if method == "sam" else cl.optimizers.usam(lr, rho)
        x0 = _starts(p, initial, radius, starts, rng)
        tr = cl.run(p, opt, x0, n + 1, record_at=[n, n + 1],
                    metrics=["f_gap", "dist_sq", "grad_sq", "min_grad_sq"])
        # convlab's min_grad_sq at record t is the minimum over steps < t
        v = tr["min_grad_sq"][1] if metric == "min_grad_sq" else tr[metric][0]
        assert not tr.diverged.any()
        worst = max(worst, float(np.max(v)))
    if metric == initial:
        return worst / (radius ** 2 if metric == "dist_sq" else radius)
    return worst


@pytest.mark.parametrize(("initial", "metric"), [
    ("dist_sq", "dist_sq"), ("dist_sq", "f_gap"), ("dist_sq", "min_grad_sq"),
    ("f_gap", "f_gap")])
def test_real_sam_runs_never_exceed_the_certificate(initial, metric):
    rng = np.random.default_rng(15)
    lr, rho, n, radius = 0.5, 0.1, 3, 1.0
    measured = _measured("sam", _random_problems(rng, 6), lr, rho, n, radius, metric, rng,
                         initial=initial)
    for model in ("relaxed", "composed"):
        c = wc("sam", n_steps=n, lr=lr, rho=rho, radius=radius, metric=metric,
               initial=initial, sam_model=model, branches=6)
        assert c.certified and not c.exact
        assert measured <= c.value * (1 + SLACK), (model, measured, c.value)
    if metric == "dist_sq":                 # the composed bound is close on this metric
        assert measured >= 0.9 * c.value


def test_real_usam_runs_never_exceed_the_certificate():
    rng = np.random.default_rng(16)
    lr, rho, n = 0.5, 0.5, 3
    measured = _measured("usam", _random_problems(rng, 4), lr, rho, n, 1.0, "dist_sq", rng)
    c = wc("usam", n_steps=n, lr=lr, rho=rho)
    assert measured <= c.value * (1 + SLACK)
    assert measured >= 0.999 * c.value      # exact, attained by a quadratic on an eigenvector


def test_smooth_class_is_a_relaxation_and_holds_for_nonconvex_sam():
    # GD on L-smooth functions, min_t |g_t|^2 from f(x0) - f* <= 1 (eta = 1/L): a valid
    # upper bound, not claimed exact (global-minimum conditions are necessary only)
    c = wc(cls="smooth", n_steps=2, metric="min_grad_sq", initial="f_gap", lr=1.0)
    assert not c.exact and c.model == "exact + global-min relaxation" and c.certified
    assert c.value <= 2.0 / 3 * (1 + SLACK)        # at least as good as 4L/(3N), PEPit's form
    # SAM on a separable nonconvex function with L = 1 (log(1 + u^2)/2), from f(x0) = 1
    lr, rho, n, delta = 1.0, 0.1, 2, 1.0
    s = wc("sam", cls="smooth", n_steps=n, metric="min_grad_sq", initial="f_gap", lr=lr,
           rho=rho, radius=delta)
    p = cl.problems.separable("log1p_sq", dim=3, scale=0.5)
    assert p.L == 1.0 and p.f_star == 0.0
    x0 = _starts(p, "f_gap", delta, 256, np.random.default_rng(3))
    tr = cl.run(p, cl.optimizers.sam(lr, rho), x0, n + 1, record_at=[n + 1],
                metrics=["min_grad_sq"])
    assert float(tr["min_grad_sq"][0].max()) <= s.value * (1 + SLACK)
    assert s.certified


# ------------------------------------------------------------------ longer checks


@pytest.mark.slow
@pytest.mark.parametrize(("lr", "rho"), [(0.2, 0.3), (1.0, 0.1), (1.5, 0.05)])
@pytest.mark.parametrize("n", [1, 5])
def test_real_sam_runs_never_exceed_the_certificate_sweep(lr, rho, n):
    rng = np.random.default_rng(150 + n)
    probs = _random_problems(rng, 10)
    for metric in ("dist_sq", "f_gap", "grad_sq", "min_grad_sq"):
        measured = _measured("sam", probs, lr, rho, n, 1.0, metric, rng, starts=512)
        for model in ("relaxed", "composed"):
            c = wc("sam", n_steps=n, lr=lr, rho=rho, metric=metric, sam_model=model,
                   branches=10)
            assert c.certified
            assert measured <= c.value * (1 + SLACK), (metric, model, measured, c.value)


@pytest.mark.slow
def test_two_step_branching_beats_the_relaxation():
    kw = {"n_steps": 2, "lr": 0.5, "rho": 0.1}
    relaxed = wc("sam", **kw)
    br = wc("sam", sam_model="branched", branches=4, **kw)
    assert br.n_programs == 4 * 5 and br.certified
    assert br.value < relaxed.value
    assert br.details["statuses"].get("infeasible", 0) > 0    # empty pieces of the cover
