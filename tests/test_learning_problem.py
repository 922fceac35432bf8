"""The diagonal linear network (issue 17), weight decay in every optimizer, its mutant and
the claim that rejects it."""

from __future__ import annotations

import numpy as np
import pytest

from convlab import claims, mutants, optimizers, oracles, power, problems, run
from convlab.problems.diagonal_net import METRICS, held_out_loss


@pytest.fixture(scope="module")
def net():
    return problems.diagonal_net(n=8, dim=12, sparsity=2, n_test=50, rng=3)


def pts(p, gen, runs=5):
    return p.x_star + 0.7 * gen.standard_normal((runs, p.dim))


# --- the problem --------------------------------------------------------------------------

def test_gradient_equals_central_differences_of_f(net, rng):
    x = pts(net, rng, 3)
    fd = np.empty_like(x)
    for j in range(net.dim):
        e = np.zeros_like(x)
        e[:, j] = 1e-6
        fd[:, j] = (net.f(x + e) - net.f(x - e)) / 2e-6
    np.testing.assert_allclose(fd, net.grad(x), rtol=0, atol=1e-7 * (1 + np.abs(x).max()) ** 3)


def test_hessian_and_hvp_equal_differences_of_the_gradient(net, rng):
    x = pts(net, rng, 3)
    H = net.hess(x)
    fd = np.empty_like(H)
    for j in range(net.dim):
        e = np.zeros_like(x)
        e[:, j] = 1e-6
        fd[:, :, j] = (net.grad(x + e) - net.grad(x - e)) / 2e-6
    np.testing.assert_allclose(fd, H, rtol=0, atol=1e-6 * (1 + np.abs(H).max()))
    np.testing.assert_array_equal(H, np.swapaxes(H, 1, 2))
    v = rng.standard_normal(x.shape)
    np.testing.assert_allclose(net.hvp(x, v), np.einsum("rij,rj->ri", H, v), rtol=1e-12,
                               atol=1e-12 * np.abs(H).max() * np.abs(v).max())


def test_per_sample_gradients_equal_a_loop_over_samples(net, rng):
    """grad_i (vectorised over runs and batch) against the gradient of
    f_i = (<u*u - v*v, x_i> - y_i)^2 / 2 written out sample by sample."""
    d = net.dim // 2
    X, y = net.data["X"], net.data["y"]
    x = pts(net, rng, 4)
    idx = rng.integers(0, net.n, size=(4, 3))
    got = net.grad_i(x, idx)
    for r in range(4):
        u, v = x[r, :d], x[r, d:]
        ref = np.zeros(net.dim)
        for i in idx[r]:
            res = (u * u - v * v) @ X[i] - y[i]
            ref += np.concatenate([2 * u * X[i] * res, -2 * v * X[i] * res]) / idx.shape[1]
        np.testing.assert_allclose(got[r], ref, rtol=1e-12, atol=1e-13)
    every = np.tile(np.arange(net.n), (4, 1))
    np.testing.assert_allclose(net.grad_i(x, every), net.grad(x), rtol=1e-12, atol=1e-12)


def test_f_star_is_zero_at_the_interpolating_x_star_and_test_loss_is_recorded(net):
    xs = net.x_star[None]
    assert net.f_star == 0.0 and net.f(xs)[0] == 0.0
    assert np.linalg.norm(net.grad(xs)) == 0.0
    assert net.test_loss(xs)[0] == 0.0                   # the ground truth generalises
    np.testing.assert_array_equal(net.beta_star, net.x_star[:12] ** 2 - net.x_star[12:] ** 2)
    noisy = problems.diagonal_net(n=8, dim=12, noise=0.3, rng=3)
    assert noisy.f(noisy.x_star[None])[0] < 1e-20         # least-norm interpolant: f* = 0
    assert noisy.test_loss(noisy.x_star[None])[0] > 1e-3   # ... which does not generalise
    x0 = np.full((3, net.dim), 0.3)
    tr = run(net, optimizers.sgd(0.05), x0, 50, record_at=[10, 50], metrics=METRICS)
    assert set(tr.metrics) == {"f_gap", "grad_sq", "test_loss"}
    np.testing.assert_allclose(tr["test_loss"][-1], net.test_loss(tr.x), rtol=1e-14)
    with pytest.raises(ValueError, match="no test set"):
        run(problems.quadratic([1.0]), optimizers.sgd(0.1), [1.0], 2,
            metrics={"test_loss": held_out_loss})


def test_minibatch_oracle_draws_real_samples(net, rng):
    o = oracles.minibatch(net, batch_size=3)
    x = pts(net, rng, 4)
    g = o.bind(o.sample(np.random.default_rng(0), 4, 0))(x)
    assert g.shape == x.shape and not np.allclose(g, net.grad(x))


def test_smoothness_on_ball_bounds_the_hessian_there(net, rng):
    for R in (0.5, 1.0, 2.0):
        z = rng.standard_normal((40, net.dim))
        z *= R * rng.uniform(0, 1, (40, 1)) / np.linalg.norm(z, axis=1, keepdims=True)
        top = np.abs(np.linalg.eigvalsh(net.hess(z))).max()
        assert top <= net.smoothness_on_ball(R)
    assert np.isinf(net.L)


@pytest.mark.parametrize("kw, word", [({"dim": 5, "n": 5}, "dim > n"),
                                      ({"sparsity": 50}, "sparsity"),
                                      ({"noise": -1.0}, "noise"),
                                      ({"scale": 0.0}, "scale"),
                                      ({"n_test": 0}, "n_test")])
def test_bad_arguments_raise_naming_the_value(kw, word):
    with pytest.raises(ValueError, match=word):
        problems.diagonal_net(**kw)


def test_the_problem_is_registered():
    assert "diagonal_net" in problems.REGISTRY and problems.get("diagonal_net").n == 20


# --- weight decay: each optimizer's rule by hand ------------------------------------------

P_A = np.random.default_rng(1).standard_normal((10, 3))
P_y = P_A @ np.ones(3) + 0.5 * np.random.default_rng(2).standard_normal(10)
P = problems.least_squares(P_A, P_y)
X0 = np.random.default_rng(5).standard_normal((4, 3))
LAM = 0.07


def _unit(g):
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def _sam_step(x, lr, rho, normalized=True):
    g = P.grad(x)
    y = x + rho * (_unit(g) if normalized else g)
    return x - lr * (P.grad(y) + 2 * LAM * x)


def _ams(x, g, lr, b1, b2, eps):
    m = (1 - b1) * g
    v = (1 - b2) * g * g
    vh = np.maximum(eps * eps, v)
    return x - lr * m / np.sqrt(vh)


HAND = {
    "sgd": (lambda: optimizers.sgd(0.1, weight_decay=LAM),
            lambda x: x - 0.1 * (P.grad(x) + 2 * LAM * x)),
    "amsgrad": (lambda: optimizers.amsgrad(0.01, eps=1e-3, weight_decay=LAM),
                lambda x: _ams(x, P.grad(x) + 2 * LAM * x, 0.01, 0.9, 0.999, 1e-3)),
    "sam": (lambda: optimizers.sam(0.1, 0.2, weight_decay=LAM), lambda x: _sam_step(x, 0.1, 0.2)),
    "usam": (lambda: optimizers.usam(0.1, 0.2, weight_decay=LAM),
             lambda x: _sam_step(x, 0.1, 0.2, normalized=False)),
    "gsam": (lambda: optimizers.gsam(0.1, 0.2, 0.0, weight_decay=LAM),
             lambda x: _sam_step(x, 0.1, 0.2)),      # alpha = 0: SAM's step, decay at x
    "adasam": (lambda: optimizers.adasam(0.01, 0.2, eps=1e-3, weight_decay=LAM),
               lambda x: _ams(x, P.grad(x + 0.2 * _unit(P.grad(x))) + 2 * LAM * x, 0.01, 0.9,
                              0.999, 1e-3)),
    "adgd": (lambda: optimizers.adgd(0.05, weight_decay=LAM),
             lambda x: x - 0.05 * (P.grad(x) + 2 * LAM * x)),
    "sasam": (lambda: optimizers.sasam(0.05, weight_decay=LAM),
              lambda x: x - 0.05 * (P.grad(x + np.sqrt(0.05) * _unit(P.grad(x)))
                                    + 2 * LAM * x)),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_weight_decay_first_step_equals_the_hand_written_rule(name):
    make, hand = HAND[name]
    opt = make()
    g = oracles.exact(P).bind(None)
    got = opt.step(opt.init(X0), g, 0).x
    np.testing.assert_allclose(got, hand(X0), rtol=1e-13, atol=1e-14)
    assert opt.hyper["weight_decay"] == LAM


def test_weight_decay_in_the_momentum_buffer_and_in_gsam_direction():
    g = oracles.exact(P).bind(None)
    opt = optimizers.sgd(0.1, momentum=0.5, weight_decay=LAM)
    s1 = opt.step(opt.init(X0), g, 0)
    s2 = opt.step(s1, g, 1)
    d0, d1 = P.grad(X0) + 2 * LAM * X0, P.grad(s1.x) + 2 * LAM * s1.x
    np.testing.assert_allclose(s2.x, s1.x - 0.1 * (0.5 * d0 + d1), rtol=1e-13, atol=1e-14)
    ref = optimizers.gsam(0.1, 0.2, 0.3)
    opt = optimizers.gsam(0.1, 0.2, 0.3, weight_decay=LAM)
    np.testing.assert_allclose(opt.step(opt.init(X0), g, 0).x,
                               ref.step(ref.init(X0), g, 0).x - 0.1 * 2 * LAM * X0,
                               rtol=1e-13, atol=1e-14)


def test_adaptive_step_size_reads_the_decayed_gradient():
    """AdGD with decay is AdGD on f + lambda |x|^2 (least squares with ridge 2 lambda); SA-SAM's
    second step size is the Malitsky-Mishchenko ratio of the decayed gradients."""
    ridge = problems.least_squares(P_A, P_y, reg=2 * LAM)
    g, gr = oracles.exact(P).bind(None), oracles.exact(ridge).bind(None)
    a, b = optimizers.adgd(0.05, weight_decay=LAM), optimizers.adgd(0.05)
    sa, sb = a.init(X0), b.init(X0)
    for t in range(6):
        sa, sb = a.step(sa, g, t), b.step(sb, gr, t)
    np.testing.assert_allclose(sa.x, sb.x, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(sa.eta, sb.eta, rtol=1e-11)
    opt = optimizers.sasam(0.05, weight_decay=LAM)
    s1 = opt.step(opt.init(X0), g, 0)
    s2 = opt.step(s1, g, 1)

    def dF(x):
        return P.grad(x) + 2 * LAM * x

    ratio = (np.linalg.norm(s1.x - X0, axis=1)
             / (2 * np.linalg.norm(dF(s1.x) - dF(X0), axis=1)))
    np.testing.assert_allclose(s2.eta[:, 0], ratio, rtol=1e-12)
    y = s1.x + np.sqrt(s2.eta) * _unit(P.grad(s1.x))
    np.testing.assert_allclose(s2.x, s1.x - s2.eta * (P.grad(y) + 2 * LAM * s1.x), rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_zero_weight_decay_is_bit_identical(name):
    opt = optimizers.REGISTRY[name]()
    fac = {"sgd_momentum": "sgd", "sam_independent": "sam", "sam_full": "sam",
           "sam_eps": "sam"}.get(name, name)
    assert "weight_decay" not in opt.hyper
    kw = {k: v for k, v in opt.hyper.items() if k not in ("normalized", "rho_scale")
          or name.startswith("sasam")}
    if fac == "usam":
        kw.pop("eps", None)
    twin = getattr(optimizers, fac)(**kw, weight_decay=0.0)
    o = oracles.minibatch(P, batch_size=2)
    a = run(P, opt, X0, 20, oracle=o, rng=4, record_at=[20])
    b = run(P, twin, X0, 20, oracle=o, rng=4, record_at=[20])
    np.testing.assert_array_equal(a.x, b.x)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
@pytest.mark.parametrize("make", [lambda w: optimizers.sgd(0.1, weight_decay=w),
                                  lambda w: optimizers.sam(0.1, 0.1, weight_decay=w),
                                  lambda w: optimizers.sasam(0.1, weight_decay=w)])
def test_bad_weight_decay_raises_naming_it(make, bad):
    with pytest.raises(ValueError, match="weight_decay"):
        make(bad)


@pytest.mark.parametrize("name", sorted(HAND))
def test_per_run_weight_decay_equals_one_run_per_value(name):
    """An lr x weight-decay grid in one call: a (runs,) weight_decay gives each row the
    numbers of a separate run at its own scalar value (the mutants take it too)."""
    lams = np.array([0.0, 0.03, 0.1, 0.3])
    fac = {"usam": lambda **k: optimizers.usam(0.1, 0.2, **k),
           "gsam": lambda **k: optimizers.gsam(0.1, 0.2, 0.3, **k),
           "sam": lambda **k: optimizers.sam(0.1, 0.2, **k), "sgd": lambda **k: optimizers.sgd(
               0.1, momentum=0.5, **k), "amsgrad": lambda **k: optimizers.amsgrad(0.01, **k),
           "adasam": lambda **k: optimizers.adasam(0.01, 0.2, eps=1e-3, **k),
           "adgd": lambda **k: optimizers.adgd(0.05, **k),
           "sasam": lambda **k: optimizers.sasam(0.05, **k)}[name]
    g = oracles.exact(P).bind(None)
    grid = fac(weight_decay=lams)
    s = grid.init(X0)
    for t in range(5):
        s = grid.step(s, g, t)
    for r, lam in enumerate(lams):
        one = fac(weight_decay=float(lam))
        o = one.init(X0[r:r + 1])
        for t in range(5):
            o = one.step(o, g, t)
        np.testing.assert_allclose(s.x[r], o.x[0], rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(grid.hyper["weight_decay"], lams)
    with pytest.raises(ValueError, match="weight_decay has 3 per-run values"):
        fac(weight_decay=lams[:3]).init(X0)
    bad = mutants.get("sam.decay_in_ascent").factory(0.1, 0.2, weight_decay=lams)
    sb = bad.step(bad.init(X0), g, 0)
    one = mutants.get("sam.decay_in_ascent").factory(0.1, 0.2, weight_decay=0.1)
    np.testing.assert_allclose(sb.x[2], one.step(one.init(X0[2:3]), g, 0).x[0], rtol=1e-13)


# --- the mutant and the claim -------------------------------------------------------------

def test_decay_in_ascent_differs_only_with_decay():
    m = mutants.get("sam.decay_in_ascent")
    g = oracles.exact(P).bind(None)
    good, bad = optimizers.sam(0.1, 0.2, weight_decay=LAM), m.factory(0.1, 0.2, weight_decay=LAM)
    xg, xb = good.step(good.init(X0), g, 0).x, bad.step(bad.init(X0), g, 0).x
    assert not np.allclose(xg, xb, rtol=1e-6, atol=1e-9)
    h = P.grad(X0) + 2 * LAM * X0                       # SAM on L + lambda |x|^2
    y = X0 + 0.2 * _unit(h)
    np.testing.assert_allclose(xb, X0 - 0.1 * (P.grad(y) + 2 * LAM * y), rtol=1e-13)
    z_good, z_bad = optimizers.sam(0.1, 0.2), m.factory(0.1, 0.2)
    np.testing.assert_allclose(z_bad.step(z_bad.init(X0), g, 0).x,
                               z_good.step(z_good.init(X0), g, 0).x, rtol=1e-15)


def test_the_learning_claim_passes_and_rejects_the_wrong_decay_placement():
    chosen = claims.select(["learning.sam.decay_fixed_point"])
    assert [c.key for c in chosen] == ["learning.sam.decay_fixed_point"]
    r = chosen[0].check("small", 0)
    assert r.passed and abs(r.measured - 1) < 1e-12
    km = power.kill_matrix(chosen, "small", 0)
    row = km.set_index("mutant").loc["sam.decay_in_ascent"]
    assert row["declared"] and row["rejected"] and row["verdict"] == "below"
    assert km[km.declared].rejected.all()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_learning_claim_holds_and_rejects_at_held_out_seeds(seed):
    c = claims.get("learning.sam.decay_fixed_point")
    r = c.check("small", seed)
    assert r.passed and np.abs(r.measurement.values - 1).max() < 1e-14
    bad = c.check("small", seed, algorithm=mutants.get("sam.decay_in_ascent").factory)
    assert not bad.passed and bad.ci[1] < 0.95
