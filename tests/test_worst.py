"""Tests for convlab.worst: families, statistics, search, save/load, and the searched vs
certified checks (PEP values from convlab.certify, when the certify extra is installed).

Budgets are small so that the default run stays fast; ``-m slow`` runs the larger tables.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from convlab import optimizers, oracles, problems, worst
from convlab.problems.piecewise import piecewise_quadratic, piecewise_quadratic_term

COSINE_TRAP = 2 / (3 * math.pi)        # the cosine trap's floor, in units of beta * rho


def certified(method, n, lr, rho, mu=0.1, L=1.0, radius=1.0, **kw):
    certify = pytest.importorskip("convlab.certify")
    pytest.importorskip("PEPit")
    return certify.worst_case(method, "smooth_strongly_convex", n_steps=n, metric="dist_sq",
                              initial="dist_sq", mu=mu, L=L, lr=lr, rho=rho, radius=radius,
                              **kw)


# --------------------------------------------------------------------------------------------
# the piecewise-quadratic problem
# --------------------------------------------------------------------------------------------

KNOTS = [0.0, 0.7, 1.1, 2.0, 2.3]
CURVS = [-1.0, 0.4, -0.8, 1.0]


def test_piecewise_is_c1_with_bounded_curvature_and_exact_minimum():
    t = piecewise_quadratic_term(KNOTS, CURVS, slope=0.3, value=0.5, outer=1.0)
    eps = 1e-9
    b = np.array(KNOTS)
    # f and f' are continuous at the knots; f'' jumps (right-continuous)
    np.testing.assert_allclose(t.phi(b - eps), t.phi(b + eps), atol=1e-8)
    np.testing.assert_allclose(t.d1(b - eps), t.d1(b + eps), atol=1e-8)
    np.testing.assert_array_equal(t.d2(b[:-1]), CURVS)
    u = np.linspace(-6, 8, 200_001)
    assert np.all(np.abs(t.d2(u)) <= 1.0) and t.curv_min == -1.0 and t.curv_max == 1.0
    f = t.phi(u)
    assert np.all(f >= t.phi_star - 1e-15)
    assert abs(f.min() - t.phi_star) < 1e-8
    assert t.phi(np.array(t.u_star)) == pytest.approx(t.phi_star, abs=1e-15)
    # f' is the derivative of f, f'' of f' (central differences away from the knots)
    h = 1e-6
    v = np.array([-2.0, 0.3, 0.9, 1.5, 2.1, 4.0])
    np.testing.assert_allclose((t.phi(v + h) - t.phi(v - h)) / (2 * h), t.d1(v), atol=1e-7)
    np.testing.assert_allclose((t.d1(v + h) - t.d1(v - h)) / (2 * h), t.d2(v), atol=1e-7)


def test_piecewise_problem_is_vectorised_over_runs():
    p = piecewise_quadratic(KNOTS, CURVS, slope=0.3, dim=2)
    x = np.random.default_rng(0).normal(1.0, 1.5, (7, 2))
    g = p.grad(x)
    for r in range(7):
        np.testing.assert_array_equal(g[r], p.grad(x[r:r + 1])[0])
    np.testing.assert_array_equal(p.hvp(x, x), np.einsum("rij,rj->ri", p.hess(x), x))
    assert p.L == 1.0 and p.lower == -1.0 and not p.convex
    assert np.all(p.f(x) >= p.f_star)
    assert p.params["problem"] == "piecewise_quadratic" and p.params["outer"] == 1.0


@pytest.mark.parametrize("kw, match", [
    ({"knots": [0.0], "curvatures": []}, "at least 2"),
    ({"knots": [0.0, 0.0], "curvatures": [1.0]}, "strictly increasing"),
    ({"knots": [0.0, np.inf], "curvatures": [1.0]}, "strictly increasing"),
    ({"knots": [0.0, 1.0], "curvatures": [1.0, 2.0]}, "one entry per piece"),
    ({"knots": [0.0, 1.0], "curvatures": [np.nan]}, "finite"),
    ({"knots": [0.0, 1.0], "curvatures": [1.0], "outer": 0.0}, "outer must be > 0"),
])
def test_piecewise_rejects_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        piecewise_quadratic_term(**kw)


# --------------------------------------------------------------------------------------------
# families
# --------------------------------------------------------------------------------------------


def test_family_checks_bounds_names_and_params():
    build = lambda q: {"problem": problems.quadratic([1.0]), "x0": q[:1]}
    with pytest.raises(ValueError, match="bad bounds"):
        worst.Family("f", ["a"], [(1.0, 1.0)], build)
    with pytest.raises(ValueError, match="bad bounds"):
        worst.Family("f", ["a"], [(0.0, np.inf)], build)
    with pytest.raises(ValueError, match="one \\(low, high\\) row per parameter"):
        worst.Family("f", ["a", "b"], [(0.0, 1.0)], build)
    with pytest.raises(ValueError, match="unique"):
        worst.Family("f", ["a", "a"], [(0.0, 1.0)] * 2, build)
    fam = worst.Family("f", ["a"], [(0.0, 1.0)], build)
    with pytest.raises(ValueError, match="expected 1 parameters, got 2"):
        fam.build([0.1, 0.2])
    with pytest.raises(ValueError, match="missing \\['a'\\], unknown \\['b'\\]"):
        fam.build({"b": 0.1})
    assert fam.build({"a": 0.25}).params == {"a": 0.25}
    assert fam.sample(0, 5).shape == (5, 1)


@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_sphere_points_have_unit_norm(dim, rng):
    fam = worst.quadratic_spectrum(dim=dim, rotate=False, radius=2.5)
    for q in fam.sample(rng, 20):
        assert np.linalg.norm(fam.build(q).x0) == pytest.approx(2.5, rel=1e-14)


def test_quadratic_spectrum_has_the_parameters_as_spectrum(rng):
    fam = worst.quadratic_spectrum(dim=3, mu=0.2, L=2.0, rotate=True)
    assert fam.names == ("lam1", "lam2", "lam3", "theta_1_2", "theta_1_3", "theta_2_3",
                         "phi1", "phi2")
    q = fam.sample(rng)[0]
    inst = fam.build(q)
    H = inst.problem.hess(inst.x0[None])[0]
    np.testing.assert_allclose(np.linalg.eigvalsh(H), np.sort(q[:3]), atol=1e-14)
    Q = worst.givens_rotation(q[3:6], 3)
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-15)
    assert np.linalg.det(Q) == pytest.approx(1.0)
    assert inst.problem.L == q[:3].max() and inst.problem.mu == q[:3].min()
    with pytest.raises(ValueError, match="bad bounds: need mu < L"):
        worst.quadratic_spectrum(mu=1.0, L=1.0)


def test_piecewise_family_respects_beta_and_grids_starts():
    fam = worst.piecewise_quadratic_1d(beta=2.0, pieces=3, width=(0.1, 1.0), starts=8)
    assert "start" not in fam.names and fam.size == 7
    inst = fam.build(fam.sample(1)[0])
    assert inst.x0.shape == (8, 1)
    assert inst.problem.L == 2.0 and inst.problem.lower >= -2.0
    span = inst.problem.params["knots"][-1]
    assert 0 < inst.x0.min() and inst.x0.max() < span
    with pytest.raises(ValueError, match="bad bounds: width"):
        worst.piecewise_quadratic_1d(width=(0.0, 1.0))


def test_starting_points_by_name_and_by_object(tmp_path):
    fam = worst.starting_points("quadratic", radius=0.5, ball=True)
    inst = fam.build(np.r_[fam.sample(0)[0][:-1], 0.5])
    assert np.linalg.norm(inst.x0 - inst.problem.x_star) == pytest.approx(0.25)
    assert worst.load(inst.save(tmp_path / "a.json")).params == inst.params
    p = problems.quadratic([1.0, 3.0])
    inst = worst.starting_points(p).build([1.0])
    path = inst.save(tmp_path / "b.json")
    with pytest.raises(ValueError, match="pass it again as problem="):
        worst.load(path)
    np.testing.assert_array_equal(worst.load(path, problem=p).x0, inst.x0)
    with pytest.raises(ValueError, match="has no x_star: give center"):
        worst.starting_points(problems.Problem("p", 1, *(lambda x: x,) * 4, L=1.0))


def test_noise_laws_have_zero_mean_and_the_variance(rng):
    for inst in (worst.two_point_noise(sigma=0.3).build([0.85]),
                 worst.discrete_noise(sigma=0.3, atoms=4).build([0.1, 0.5, 0.3, 0.9, 0.2,
                                                                  -0.7])):
        v, p = np.array(inst.noise["values"]), np.array(inst.noise["probs"])
        assert p.sum() == pytest.approx(1.0) and p @ v == pytest.approx(0.0, abs=1e-15)
        assert p @ v**2 == pytest.approx(0.09, rel=1e-12)
        o = inst.oracle()
        g = o.bind(o.sample(rng, 200_000))(np.zeros((200_000, 1)))[:, 0]
        assert abs(g.mean()) < 5 * 0.3 / math.sqrt(2e5)
        assert g.var() == pytest.approx(0.09, rel=0.02)
        assert o.variance(np.zeros((1, 1)))[0] == pytest.approx(0.09, rel=1e-12)
        # every draw is one of the atoms, with the law's frequencies
        for val, prob in zip(v, p, strict=True):
            assert np.mean(np.isclose(g, val, rtol=0, atol=1e-12)) == pytest.approx(prob,
                                                                                  abs=0.005)
    two = worst.two_point_noise(sigma=0.3).build([0.85])
    ref = oracles.two_point(two.problem, a=two.noise["values"][0], prob=0.85)
    assert isinstance(two.oracle(), type(ref))


def test_unknown_family_is_an_error():
    with pytest.raises(ValueError, match="unknown family 'spectra'; known: discrete_noise"):
        worst.family("spectra")


# --------------------------------------------------------------------------------------------
# search
# --------------------------------------------------------------------------------------------

FAM = worst.quadratic_spectrum(dim=2, mu=0.1, L=1.0, rotate=False)
GD2 = worst.performance("gd", 2, lr=1.0)


@pytest.mark.parametrize("method", ["de", "cma"])
def test_search_spends_the_budget_exactly_and_is_seeded(method):
    if method == "cma":
        pytest.importorskip("cma")
    a = worst.search(GD2, FAM, budget=123, rng=5, method=method, restarts=3)
    b = worst.search(GD2, FAM, budget=123, rng=5, method=method, restarts=3)
    c = worst.search(GD2, FAM, budget=123, rng=6, method=method, restarts=3)
    assert a.evaluations == 123 == a.history.size and a.restarts >= 3
    np.testing.assert_array_equal(a.history, b.history)
    assert not np.array_equal(a.history, c.history)
    assert a.value == a.history.max() == a.best_so_far[-1] == GD2(a.instance)
    assert a.method == method and a.nan_count == 0
    assert a.value == pytest.approx(0.9**4, rel=1e-3)


def test_search_budget_of_one_and_no_polish():
    f = worst.search(GD2, FAM, budget=1, rng=0)
    assert f.evaluations == 1 and f.value == f.history[0]
    f = worst.search(GD2, FAM, budget=50, rng=0, polish=0.0)
    assert f.evaluations == 50


@pytest.mark.parametrize("kw, exc, match", [
    ({"budget": 0}, ValueError, "budget must be >= 1, got 0"),
    ({"budget": 2.5}, TypeError, "budget must be an integer"),
    ({"restarts": 11}, ValueError, "restarts must be <= 10"),
    ({"method": "nelder"}, ValueError, "method='nelder' is not one of 'de', 'cma'"),
    ({"nan": "ignore"}, ValueError, "nan='ignore' is not one of 'skip', 'raise'"),
    ({"polish": 1.0}, ValueError, "polish must be in \\[0, 1\\)"),
])
def test_search_rejects_bad_arguments(kw, exc, match):
    args = {"budget": 10, **kw}
    with pytest.raises(exc, match=match):
        worst.search(GD2, FAM, rng=0, **args)


def test_search_rejects_bad_statistics_and_families():
    with pytest.raises(TypeError, match="statistic must be callable"):
        worst.search(1.0, FAM, 10)
    with pytest.raises(TypeError, match=r"family must be a convlab\.worst\.Family"):
        worst.search(GD2, "quadratic_spectrum", 10)
    with pytest.raises(TypeError, match="statistic must return a real number, got str"):
        worst.search(lambda inst: "big", FAM, 10)


def test_nan_values_count_as_minus_infinity_or_raise():
    def half_nan(inst):
        return math.nan if inst.params["lam1"] > 0.5 else inst.params["lam2"]

    f = worst.search(half_nan, FAM, budget=60, rng=0)
    assert 0 < f.nan_count < 60 and f.nan_count == np.isnan(f.history).sum()
    assert f.params["lam1"] <= 0.5 and f.value == np.nanmax(f.history)
    with pytest.raises(ValueError, match="statistic returned NaN at"):
        worst.search(half_nan, FAM, budget=60, rng=0, nan="raise")
    with pytest.raises(ValueError, match="NaN at every one of the 20 evaluations"):
        worst.search(lambda inst: math.nan, FAM, budget=20, rng=0)


def test_an_infinite_value_is_the_worst_case_and_is_saved(tmp_path):
    stat = worst.performance("gd", 200, lr=100.0)           # diverges for every instance
    f = worst.search(lambda inst: stat(inst) if inst.params["lam1"] > 0.9 else 1.0, FAM,
                     budget=40, rng=0)
    assert f.value == math.inf
    again = worst.Found.load(f.save(tmp_path / "inf.json"))
    assert again.value == math.inf and np.array_equal(again.history, f.history)


def test_verbose_shows_a_progress_bar(capsys):
    worst.search(GD2, FAM, budget=20, rng=0, verbose=True)
    assert "worst quadratic_spectrum (de)" in capsys.readouterr().err


def test_a_family_without_parameters_is_evaluated_once():
    fam = worst.Family("fixed", [], [], lambda q: {"problem": problems.quadratic([1.0]),
                                                   "x0": [1.0]})
    f = worst.search(worst.performance("gd", 1, lr=0.5), fam, budget=10, rng=0)
    assert f.evaluations == 1 and f.value == 0.25


# --------------------------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------------------------


def test_performance_metrics_match_hand_computation():
    inst = worst.quadratic_spectrum(dim=2, mu=0.5, L=2.0, rotate=False, radius=2.0).build(
        [0.5, 2.0, math.pi / 4])
    x0 = inst.x0
    x1 = x0 * (1 - 0.25 * np.array([0.5, 2.0]))          # one GD step, lr 0.25
    f = lambda x: 0.5 * (0.5 * x[0]**2 + 2.0 * x[1]**2)
    g2 = lambda x: (0.5 * x[0])**2 + (2.0 * x[1])**2
    st = lambda **kw: worst.performance("gd", 1, lr=0.25, **kw)(inst)
    assert st() == pytest.approx(x1 @ x1 / 4.0, rel=1e-14)
    assert st(metric="f_gap", initial="f_gap") == pytest.approx(f(x1) / f(x0), rel=1e-14)
    assert st(metric="f_gap") == pytest.approx(f(x1), rel=1e-14)
    assert st(metric="grad_sq") == pytest.approx(g2(x1), rel=1e-14)
    assert st(metric="min_grad_sq") == pytest.approx(min(g2(x0), g2(x1)), rel=1e-14)
    assert worst.performance("gd", 200, lr=10.0)(inst) == math.inf   # diverged: flagged
    with pytest.raises(ValueError, match="rho must be 0"):
        worst.performance("gd", 1, lr=0.1, rho=0.1)
    opt = optimizers.sam(0.25, 0.1)
    assert worst.performance(opt, 3, lr=0.0).describe()["method"] == opt.name


def test_many_starts_are_one_vectorised_run():
    fam = worst.piecewise_quadratic_1d(beta=1.0, pieces=3, starts=12)
    inst = fam.build(fam.sample(3)[0])
    st = worst.stationarity_floor(lr=0.5, rho=0.2, n_steps=100, window=10)
    one_at_a_time = []
    for x in inst.x0:
        sub = worst.Instance(inst.family, inst.args, inst.params, inst.problem, x)
        one_at_a_time.append(st(sub))
    assert st(inst) == max(one_at_a_time)


# --------------------------------------------------------------------------------------------
# save / load: a counterexample re-runs to the same value, bit for bit
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["rotated", "piecewise", "noise"])
def test_saved_counterexample_reruns_bit_identically(case, tmp_path):
    if case == "rotated":
        fam, st = (worst.quadratic_spectrum(dim=3, mu=0.1, L=1.0),
                   worst.performance("sam", 3, lr=0.7, rho=0.2))
    elif case == "piecewise":
        fam, st = (worst.piecewise_quadratic_1d(pieces=3, starts=4),
                   worst.stationarity_floor(lr=0.5, rho=0.3, n_steps=80, window=10))
    else:
        fam, st = worst.two_point_noise(sigma=0.1), worst.noise_floor(0.02, 100, runs=16)
    found = worst.search(st, fam, budget=25, rng=0)
    path = found.save(tmp_path / "found.json")
    data = json.loads(path.read_text())
    assert data["instance"]["family"] == fam.name and data["statistic"] == st.describe()
    inst = worst.load(path)
    assert inst.params == found.params
    np.testing.assert_array_equal(inst.x0, found.instance.x0)
    assert st(inst) == found.value                     # bit-identical
    again = worst.Found.load(path)
    assert again.value == found.value and again.evaluations == found.evaluations
    np.testing.assert_array_equal(again.history, found.history)


def test_load_rejects_what_is_not_an_instance(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"value": 1}')
    with pytest.raises(ValueError, match="not a saved instance"):
        worst.load(bad)
    bad.write_text('{"format": 99, "family": "two_point_noise", "params": {}}')
    with pytest.raises(ValueError, match="format 99"):
        worst.load(bad)
    bad.write_text('{"format": 1, "family": "nope", "args": {}, "params": {}}')
    with pytest.raises(ValueError, match="unknown family 'nope'"):
        worst.load(bad)


def test_a_loaded_instance_runs_as_a_scenario(tmp_path):
    inst = worst.piecewise_quadratic_1d(pieces=1, width=(0.1, 2.0)).build([1.5, -1.0, 0.0, 0.3])
    trace = worst.load(inst.save(tmp_path / "trap.json")).run(optimizers.sam(0.5, 1.0), 200)
    assert abs(trace.final("grad_sq")[0] - 1.0) < 1e-12   # stuck at |f'| = beta rho


# --------------------------------------------------------------------------------------------
# searched vs certified
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3])
def test_gd_search_attains_the_pep_value(n):
    """For GD the worst distance ratio over quadratics is the PEP value: the search must
    find it (within 1 %) and never exceed it."""
    c = certified("gd", n, lr=1.0, rho=0.0)
    assert c.exact and c.certified
    f = worst.search(worst.performance("gd", n, lr=1.0), FAM, budget=150, rng=0)
    assert c.value * 0.99 <= f.value <= c.value * (1 + 1e-6)


@pytest.mark.parametrize("method, lr, rho", [("usam", 0.5, 0.5), ("usam", 0.1, 5.0),
                                             ("sam", 0.5, 0.1)])
def test_searched_is_at_most_certified(method, lr, rho):
    for n in (1, 2):
        c = certified(method, n, lr=lr, rho=rho)
        f = worst.search(worst.performance(method, n, lr=lr, rho=rho), FAM, budget=150,
                         rng=0)
        assert f.value <= c.value * (1 + 1e-6)
        assert f.value >= 0.9 * c.value                # and the search is not lost


def test_nonconvex_sam_floor_beats_the_cosine_trap():
    """SAM's limiting |f'| on piecewise quadratics with |f''| <= beta: the search finds
    floors far above the cosine trap's 2 beta rho / (3 pi), and (at a fixed point, eta beta
    < 1) never above beta rho; the one-piece trap attains beta rho exactly."""
    st = worst.stationarity_floor(lr=0.5, rho=1.0, n_steps=60, window=10)
    fam = worst.piecewise_quadratic_1d(beta=1.0, pieces=2, width=(0.05, 1.5), starts=8)
    f = worst.search(st, fam, budget=150, rng=0)
    assert 2 * COSINE_TRAP < f.value <= 1.0 + 1e-12
    trap = worst.piecewise_quadratic_1d(pieces=1, width=(0.05, 1.5)).build([1.5, -1.0, 0.0,
                                                                              0.3])
    assert st(trap) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.slow
def test_searched_vs_certified_table_small_n():
    rows = [("gd", 1.0, 0.0), ("gd", 1.8, 0.0), ("usam", 0.5, 0.5), ("usam", 0.1, 5.0),
            ("sam", 0.5, 0.1), ("sam", 1.0, 0.3)]
    for method, lr, rho in rows:
        for n in (1, 2, 3, 4):
            c = certified(method, n, lr=lr, rho=rho)
            for d in (1, 2):
                fam = worst.quadratic_spectrum(dim=d, mu=0.1, L=1.0, rotate=False)
                f = worst.search(worst.performance(method, n, lr=lr, rho=rho), fam,
                                 budget=400, rng=1, restarts=2)
                assert f.value <= c.value * (1 + 1e-6), (method, lr, rho, n, d)
                if method == "gd" and d == 1:
                    assert f.value == pytest.approx(c.value, rel=1e-6)


@pytest.mark.slow
def test_two_point_skew_search_finds_the_largest_floor():
    st = worst.noise_floor(rho=0.02, n_steps=1000, runs=256)
    f = worst.search(st, worst.two_point_noise(sigma=0.1), budget=40, rng=0)
    # valid regime of the (2p-1)^2 law ends near p = 0.96 for sigma / rho = 5
    assert 0.9 < f.params["prob"] < 0.97 and f.value > 0.7
    assert st(worst.two_point_noise(sigma=0.1).build([0.5])) < 0.1
