"""Tests for convlab.optimizers: hand-computed steps, reductions, batching, guards, band law.

Hand computations follow THEORY.md §2 and are written out with plain numpy on one run
(a 1-D vector) at a time; they never call the library's helpers (normalize, row_norm,
amsgrad_update, adaptive_step_size, gsam_direction).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab import oracles, problems, run, schedules
from convlab.optimizers import (
    REGISTRY,
    adasam,
    adgd,
    amsgrad,
    gsam,
    sam,
    sasam,
    sgd,
    usam,
)

LAM = np.array([1.0, 4.0])          # the diagonal of quad2 (conftest): f = (x1^2 + 4 x2^2)/2
X0 = np.array([[1.0, -0.5], [-0.3, 0.2]])


def grad2(x):
    """Gradient of quad2 at a 1-D point, by hand."""
    return LAM * x


def unit(v, eps=0.0):
    n = np.sqrt(v @ v)
    if eps > 0:
        return v / (n + eps)
    return v / n if n > 0 else np.zeros_like(v)


# --------------------------------------------------------------------------------------------
# one (or a few) steps by hand, per registry entry (THEORY.md §2)
# --------------------------------------------------------------------------------------------


def hand_sgd(h, x, steps):
    lr, beta = h["lr"], h["momentum"]
    out, m = [], np.zeros_like(x)
    for _ in range(steps):
        m = beta * m + grad2(x)          # PyTorch heavy ball, dampening 0 (§ sgd docstring)
        x = x - lr * m
        out.append(x)
    return out


def hand_amsgrad(h, x, steps):
    lr, b1, b2, eps = h["lr"], h["beta1"], h["beta2"], h["eps"]
    m, v, vh, out = np.zeros_like(x), np.zeros_like(x), np.full_like(x, eps**2), []
    for _ in range(steps):
        g = grad2(x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vh = np.maximum(vh, v)
        x = x - lr * m / np.sqrt(vh)     # §2.5: no bias correction, no eps in the denominator
        out.append(x)
    return out


def hand_sam(h, x, steps):
    lr, rho, eps, beta = h["lr"], h["rho"], h["eps"], h["momentum"]
    out, m = [], np.zeros_like(x)
    for _ in range(steps):
        g = grad2(x)                      # exact oracle: same / independent / full coincide
        if h["normalized"]:
            y = x + rho * unit(g, eps)    # §2.1 (eps: the PyTorch g/(|g|+eps))
        else:
            y = x + rho * g               # §2.2 USAM
        m = beta * m + grad2(y)
        x = x - lr * m
        out.append(x)
    return out


def hand_gsam(h, x, steps):
    lr, rho, alpha = h["lr"], h["rho"], h["alpha"]
    out = []
    for _ in range(steps):
        g = grad2(x)
        gp = grad2(x + rho * g / np.sqrt(g @ g))
        g_par = (g @ gp) / (gp @ gp) * gp            # §2.3 exact projection
        g_perp = g - g_par
        x = x - lr * (gp - alpha * g_perp)
        out.append(x)
    return out


def hand_adasam(h, x, steps):
    lr, rho, b1, b2, eps = h["lr"], h["rho"], h["beta1"], h["beta2"], h["eps"]
    m, v, vh, out = np.zeros_like(x), np.zeros_like(x), np.full_like(x, eps**2), []
    for _ in range(steps):
        s = grad2(x)
        g = grad2(x + rho * s / np.sqrt(s @ s))      # §2.6, same sample for both
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vh = np.maximum(vh, v)                        # v_hat_{-1} = eps^2
        x = x - lr * m / np.sqrt(vh)
        out.append(x)
    return out


def hand_adaptive(h, x, steps, sharp):
    """§2.7 AdGD / §2.8 SA-SAM: theta_0 = inf, first step at eta0, rho_t = c sqrt(eta_t)."""
    eta, theta, c = h["eta0"], np.inf, h.get("rho_scale", 1.0)
    x_prev, out, branches = None, [], []
    for k in range(steps):
        g = grad2(x)
        if k > 0:
            dx = np.sqrt((x - x_prev) @ (x - x_prev))
            dg = np.sqrt((g - grad2(x_prev)) @ (g - grad2(x_prev)))
            ratio = dx / (2 * dg) if dg > 0 else np.inf
            growth = np.sqrt(1 + theta) * eta
            new = min(ratio, growth)
            branches.append("ratio" if ratio <= growth else "growth")
            theta, eta = new / eta, new
        d = grad2(x + c * np.sqrt(eta) * g / np.sqrt(g @ g)) if sharp else g
        x_prev, x = x, x - eta * d
        out.append(x)
    return out, branches


HAND = {
    "sgd": (hand_sgd, 2),
    "sgd_momentum": (hand_sgd, 3),
    "amsgrad": (hand_amsgrad, 3),
    "sam": (hand_sam, 1),
    "sam_independent": (hand_sam, 1),
    "sam_full": (hand_sam, 1),
    "sam_eps": (hand_sam, 1),
    "usam": (hand_sam, 1),
    "gsam": (hand_gsam, 2),
    "adasam": (hand_adasam, 3),
    "adgd": (lambda h, x, n: hand_adaptive(h, x, n, False)[0], 3),
    "sasam": (lambda h, x, n: hand_adaptive(h, x, n, True)[0], 3),
}


def test_every_registered_optimizer_has_a_hand_computation():
    assert set(HAND) == set(REGISTRY)


def unroll(opt, oracle, x0, samples):
    """Steps of opt on the fixed samples (None: exact oracle); the list of iterates."""
    state, xs = opt.init(x0), []
    for t, s in enumerate(samples):
        g = oracle.bind(s) if s is not None else oracle.bind(oracle.sample(None, len(x0), t))
        state = opt.step(state, g, t)
        xs.append(state.x)
    return state, xs


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_steps_match_the_update_rule_computed_by_hand(name, quad2):
    opt = REGISTRY[name]()
    hand, steps = HAND[name]
    _, got = unroll(opt, oracles.exact(quad2), X0, [None] * steps)
    for r in range(len(X0)):
        want = hand(opt.hyper, X0[r].copy(), steps)
        for t in range(steps):
            # a few flops per step in another order: rounding only
            np.testing.assert_allclose(got[t][r], want[t], rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name}: run {r}, x_{t + 1}")
    assert not np.allclose(got[-1], X0)       # the step moved (the check has teeth)


@pytest.mark.parametrize("sharp", [False, True])
def test_adaptive_steps_match_hand_loop_through_both_branches(sharp, quad2):
    # eta0 = 0.2 is large enough for the sqrt(1 + theta) eta growth branch to be the min
    # at some steps; the hand loop records which branch it used.
    opt = sasam(0.2, rho_scale=0.3) if sharp else adgd(0.2)
    x0 = np.array([[1.0, -0.5]])
    _, got = unroll(opt, oracles.exact(quad2), x0, [None] * 12)
    want, branches = hand_adaptive(opt.hyper, x0[0].copy(), 12, sharp)
    assert {"ratio", "growth"} <= set(branches)
    np.testing.assert_allclose(np.vstack(got), np.vstack(want), rtol=1e-11, atol=1e-15)


# --------------------------------------------------------------------------------------------
# batched runs equal single runs (STYLE.md §3.3 Sketch 8)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_batched_runs_equal_single_runs(name, lsq, rng):
    opt = REGISTRY[name]()
    if name == "sam_independent":
        # The independent ascent calls fresh(), which draws new samples from the generator
        # for all runs of the call: a 3-run call and three 1-run calls draw different
        # numbers. With the exact oracle fresh() is the exact gradient, so the batching of
        # the rest of the step is still checked; the fresh draw itself is checked in
        # test_independent_ascent_uses_a_fresh_sample_for_the_ascent_only.
        oracle, samples = oracles.exact(lsq), [None] * 5
    else:
        oracle = oracles.minibatch(lsq, batch_size=2)
        samples = [oracle.sample(rng, 3, t) for t in range(5)]
    x0 = rng.standard_normal((3, lsq.dim))

    def xs(rows):
        s = [None if xi is None else xi.take(rows) for xi in samples]
        return unroll(opt, oracle, x0[rows], s)[1][-1]

    alone = np.vstack([xs(slice(i, i + 1)) for i in range(3)])
    # Each run's arithmetic is the same; BLAS/einsum may order sums differently for 1 vs 3
    # rows: 1e-12 relative (Sketch 8).
    np.testing.assert_allclose(xs(slice(None)), alone, rtol=1e-12, atol=1e-14)


def test_independent_ascent_uses_a_fresh_sample_for_the_ascent_only(lsq, rng):
    oracle = oracles.minibatch(lsq, batch_size=2)
    lr, rho = 0.1, 0.2
    x = rng.standard_normal((4, lsq.dim))
    gen = np.random.default_rng(5)
    g = oracle.bind(oracle.sample(gen, 4, 0))
    twin = copy.deepcopy(gen)                   # the generator fresh() will draw from
    new = sam(lr, rho, ascent="independent").step(sam(lr, rho).init(x), g, 0).x
    ascent = oracle.bind(oracle.sample(twin, 4, 0))   # the same draw fresh() makes
    a = ascent(x)
    y = x + rho * a / np.linalg.norm(a, axis=1, keepdims=True)
    np.testing.assert_allclose(new, x - lr * g(y), rtol=1e-12, atol=1e-15)
    same = sam(lr, rho).step(sam(lr, rho).init(x), g, 0).x
    assert not np.allclose(new, same)           # it is not the m-SAM step


def test_full_ascent_uses_the_exact_gradient_and_the_sample_for_descent(lsq, rng):
    oracle = oracles.minibatch(lsq, batch_size=3)
    lr, rho = 0.1, 0.2
    x = rng.standard_normal((4, lsq.dim))
    g = oracle.bind(oracle.sample(rng, 4, 0))
    new = sam(lr, rho, ascent="full").step(sam(lr, rho).init(x), g, 0).x
    full = lsq.grad(x)
    y = x + rho * full / np.linalg.norm(full, axis=1, keepdims=True)
    np.testing.assert_allclose(new, x - lr * g(y), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------------
# reductions between algorithms
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fixed_samples(lsq, rng):
    oracle = oracles.minibatch(lsq, batch_size=3)
    return oracle, [oracle.sample(rng, 4, t) for t in range(20)], rng.standard_normal((4, 3))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sam_with_rho_zero_equals_sgd_exactly(momentum, fixed_samples):
    oracle, samples, x0 = fixed_samples
    a = unroll(sam(0.05, 0.0, momentum=momentum), oracle, x0, samples)[1]
    b = unroll(sgd(0.05, momentum=momentum), oracle, x0, samples)[1]
    # x + 0 * d == x in floating point, so the two compute the same numbers
    np.testing.assert_array_equal(np.array(a), np.array(b))


@pytest.mark.parametrize("ascent", ["same", "full"])
def test_gsam_with_alpha_zero_equals_sam_exactly(ascent, fixed_samples):
    oracle, samples, x0 = fixed_samples
    a = unroll(gsam(0.05, 0.1, 0.0, ascent=ascent), oracle, x0, samples)[1]
    b = unroll(sam(0.05, 0.1, ascent=ascent), oracle, x0, samples)[1]
    # g_p - 0 * g_perp == g_p in floating point
    np.testing.assert_array_equal(np.array(a), np.array(b))


def test_gsam_with_rho_min_ties_rho_to_the_lr_schedule(fixed_samples):
    oracle, samples, x0 = fixed_samples
    lr = schedules.cosine(0.1, 0.01, horizon=19)
    rho = schedules.tied(lr, 0.2, 0.05)
    a = unroll(gsam(lr, 0.2, 0.0, rho_min=0.05), oracle, x0, samples)[1]
    b = unroll(sam(lr, rho), oracle, x0, samples)[1]
    np.testing.assert_array_equal(np.array(a), np.array(b))
    c = unroll(sam(lr, 0.2), oracle, x0, samples)[1]
    assert not np.allclose(a[-1], c[-1])        # the tie changes rho


def test_gsam_adds_minus_alpha_times_the_orthogonal_part(fixed_samples):
    oracle, samples, x0 = fixed_samples
    g = oracle.bind(samples[0])
    lr, rho, alpha = 0.05, 0.1, 0.7
    got = gsam(lr, rho, alpha).step(gsam(lr, rho, alpha).init(x0), g, 0).x
    for r in range(4):
        gr = g(x0)[r]
        y = x0 + rho * g(x0) / np.linalg.norm(g(x0), axis=1, keepdims=True)
        gp = g(y)[r]
        perp = gr - (gr @ gp) / (gp @ gp) * gp
        assert abs(perp @ gp) < 1e-12 * np.linalg.norm(gr) * np.linalg.norm(gp)
        np.testing.assert_allclose(got[r], x0[r] - lr * (gp - alpha * perp), rtol=1e-12,
                                   atol=1e-15)


def test_usam_equals_sam_unnormalized(fixed_samples):
    oracle, samples, x0 = fixed_samples
    a = unroll(usam(0.05, 0.3), oracle, x0, samples)[1]
    b = unroll(sam(0.05, 0.3, normalized=False), oracle, x0, samples)[1]
    np.testing.assert_array_equal(np.array(a), np.array(b))
    c = unroll(sam(0.05, 0.3), oracle, x0, samples)[1]
    assert not np.allclose(a[-1], c[-1])


def test_adasam_with_huge_eps_is_sam_with_ema_momentum_and_step_lr_over_eps(fixed_samples):
    oracle, samples, x0 = fixed_samples
    lr, rho, b1, eps = 2.0, 0.1, 0.8, 1e3
    state, got = unroll(adasam(lr, rho, beta1=b1, eps=eps), oracle, x0, samples)
    # reference loop, by hand: m_t = b1 m + (1 - b1) g(x + rho s/|s|), x -= (lr/eps) m_t
    x, m = x0.copy(), np.zeros_like(x0)
    for t, s in enumerate(samples):
        g = oracle.bind(s)
        a = g(x)
        gp = g(x + rho * a / np.linalg.norm(a, axis=1, keepdims=True))
        m = b1 * m + (1 - b1) * gp
        x = x - (lr / eps) * m
        np.testing.assert_allclose(got[t], x, rtol=1e-12, atol=1e-15)
    # the regime really is "eps dominates": v_hat never left eps^2
    assert np.all(state.v <= eps**2)
    np.testing.assert_array_equal(state.v_hat, np.full_like(x0, eps**2))
    assert not np.allclose(got[-1], x0)


def test_sam_eps_differs_from_exact_normalization_by_relative_eps_over_grad_norm():
    # Small gradient (|g| ~ 1e-4) so that eps/|g| = 1e-8 is far above rounding.
    p = problems.quadratic([1.0, 3.0])
    x0 = np.array([[6e-5, -2e-5]])
    lam = np.array([1.0, 3.0])
    g0 = lam * x0[0]
    lr, rho, e = 0.05, 0.05, 1e-12
    ex = oracles.exact(p)
    x_eps = unroll(sam(lr, rho, eps=e), ex, x0, [None])[1][0][0]
    x_0 = unroll(sam(lr, rho), ex, x0, [None])[1][0][0]
    n = np.sqrt(g0 @ g0)
    # x_eps - x_0 = -lr A (y_eps - y_0) = lr rho A g/|g| * eps/(|g| + eps)
    want = lr * rho * lam * (g0 / n) * e / (n + e)
    np.testing.assert_allclose(x_eps - x_0, want, rtol=1e-5)   # difference known to ~1e-8
    rel = np.linalg.norm(x_eps - x_0) / np.linalg.norm(x_0 - x0[0])
    assert rel == pytest.approx(e / n, rel=0.5)                 # "relative eps/|g|"


# --------------------------------------------------------------------------------------------
# per-run hyperparameters
# --------------------------------------------------------------------------------------------

PER_RUN = {   # registry name -> builder(lr, rho) with lr/rho scalars or (runs,) arrays
    "sgd": lambda lr, rho: sgd(lr),
    "sgd_momentum": lambda lr, rho: sgd(lr, momentum=0.9),
    "amsgrad": lambda lr, rho: amsgrad(lr),
    "sam": lambda lr, rho: sam(lr, rho),
    "sam_independent": lambda lr, rho: sam(lr, rho, ascent="independent"),
    "sam_full": lambda lr, rho: sam(lr, rho, ascent="full"),
    "sam_eps": lambda lr, rho: sam(lr, rho, eps=1e-12),
    "usam": lambda lr, rho: usam(lr, rho),
    "gsam": lambda lr, rho: gsam(lr, rho, 0.3),
    "adasam": lambda lr, rho: adasam(lr, rho),
    "adgd": lambda lr, rho: adgd(lr),
    "sasam": lambda lr, rho: sasam(lr),
}


def test_every_registered_optimizer_has_a_per_run_builder():
    assert set(PER_RUN) == set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_per_run_lr_and_rho_arrays_equal_separate_scalar_runs(name, lsq, rng):
    lrs, rhos = np.array([0.02, 0.05, 0.1]), np.array([0.0, 0.03, 0.1])
    if name == "sam_independent":
        oracle, samples = oracles.exact(lsq), [None] * 6      # fresh(): see the batching test
    else:
        oracle = oracles.minibatch(lsq, batch_size=2)
        samples = [oracle.sample(rng, 3, t) for t in range(6)]
    x0 = rng.standard_normal((3, lsq.dim))
    batched = unroll(PER_RUN[name](lrs, rhos), oracle, x0, samples)[1][-1]
    for i in range(3):
        rows = slice(i, i + 1)
        s = [None if xi is None else xi.take(rows) for xi in samples]
        alone = unroll(PER_RUN[name](float(lrs[i]), float(rhos[i])), oracle, x0[rows], s)[1][-1]
        np.testing.assert_allclose(batched[i], alone[0], rtol=1e-12, atol=1e-14)
    assert not np.allclose(batched[0], batched[2])            # the values were really used


def test_per_run_schedules_are_per_run(lsq, rng):
    oracle = oracles.minibatch(lsq, batch_size=2)
    samples = [oracle.sample(rng, 2, t) for t in range(6)]
    x0 = rng.standard_normal((2, 3))
    lr = schedules.inverse_power(np.array([0.1, 0.3]), 0.5)
    batched = unroll(sam(lr, 0.05), oracle, x0, samples)[1][-1]
    for i, v in enumerate((0.1, 0.3)):
        s = [xi.take(slice(i, i + 1)) for xi in samples]
        one = unroll(sam(schedules.inverse_power(v, 0.5), 0.05), oracle, x0[i : i + 1], s)
        np.testing.assert_allclose(batched[i], one[1][-1][0], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# zero gradient, guards, invariants
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_zero_gradient_gives_no_nan_and_x_stays_at_x_star(name):
    p = problems.quadratic([1.0, 4.0], center=[0.5, -1.0])
    x0 = np.tile(p.x_star, (2, 1))
    assert np.all(p.grad(x0) == 0.0)
    state, xs = unroll(REGISTRY[name](), oracles.exact(p), x0, [None] * 30)
    for x in xs:
        np.testing.assert_array_equal(x, x0)
    for field in state:
        if isinstance(field, np.ndarray):
            assert np.all(np.isfinite(field)), f"{name}: non-finite state {field}"
    if hasattr(state, "eta"):     # the 0/0 guard keeps eta (no geometric growth)
        np.testing.assert_array_equal(state.eta, np.full((2, 1), REGISTRY[name]().hyper["eta0"]))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_one_run_at_zero_gradient_does_not_disturb_the_others(name):
    p = problems.quadratic([1.0, 4.0], center=[0.5, -1.0])
    x0 = np.array([p.x_star, [1.0, 1.0]])
    both = unroll(REGISTRY[name](), oracles.exact(p), x0, [None] * 10)[1][-1]
    alone = unroll(REGISTRY[name](), oracles.exact(p), x0[1:], [None] * 10)[1][-1]
    np.testing.assert_array_equal(both[0], p.x_star)
    np.testing.assert_allclose(both[1], alone[0], rtol=1e-12)


@pytest.mark.parametrize("make", [lambda: amsgrad(0.05), lambda: adasam(0.05, 0.05)],
                         ids=["amsgrad", "adasam"])
def test_amsgrad_v_hat_is_coordinatewise_non_decreasing(make):
    p = problems.quadratic([1.0, 4.0, 9.0])
    oracle = oracles.gaussian(p, sigma=1.0)
    opt = make()
    state = opt.init(np.ones((3, 3)))
    gen = np.random.default_rng(0)
    v_dropped = False
    for t in range(300):
        new = opt.step(state, oracle.bind(oracle.sample(gen, 3, t)), t)
        assert np.all(new.v_hat >= state.v_hat)
        assert np.all(new.v_hat >= new.v)
        v_dropped |= bool(np.any(new.v < state.v))
        state = new
    assert v_dropped     # v itself went down somewhere, so the max really was exercised


@pytest.mark.parametrize("make", [lambda: adgd(1e-3), lambda: sasam(1e-3)],
                         ids=["adgd", "sasam"])
def test_adaptive_step_never_falls_below_one_over_2L(make, quad_rot):
    tr = run(quad_rot, make(), np.random.default_rng(1).standard_normal((4, 10)), 400,
             record_at=np.arange(401), metrics=["state.eta"])
    eta = tr["state.eta"]
    np.testing.assert_array_equal(eta[1], 1e-3)   # the first step uses eta0
    # THEORY §2.7: eta_t >= 1/(2L) for t >= 1, i.e. at records t >= 2 (a record holds the
    # eta used by the step that produced it); relative slack 1e-12 for rounding.
    assert np.min(eta[2:]) >= 1 / (2 * quad_rot.L) * (1 - 1e-12)
    assert not tr.diverged.any()


@pytest.mark.parametrize("make", [lambda: adgd(1e-3), lambda: sasam(1e-3)],
                         ids=["sasgd", "sasam"])
def test_stochastic_adaptive_step_never_falls_below_one_over_2_L_max(make, lsq):
    # THEORY §2.8: with the same mini-batch at x_t and x_{t-1}, eta_t >= 1/(2 L_xi) >=
    # 1/(2 L_max).
    tr = run(lsq, make(), np.ones((4, 3)), 300, oracle=oracles.minibatch(lsq, 2), rng=3,
             record_at=np.arange(301), metrics=["state.eta"])
    assert np.min(tr["state.eta"][2:]) >= 1 / (2 * lsq.L_max) * (1 - 1e-12)


class CountingGradFn(oracles.GradFn):
    """A GradFn that counts every gradient evaluation (stochastic, fresh or exact)."""

    __slots__ = ("count",)

    def __init__(self, oracle, sample, count):
        super().__init__(oracle, sample)
        self.count = count

    def __call__(self, x):
        self.count[0] += 1
        return super().__call__(x)

    def fresh(self):
        return CountingGradFn(self.oracle, super().fresh().sample, self.count)

    def exact(self, x):
        self.count[0] += 1
        return super().exact(x)


COUNTED = {
    **REGISTRY,
    "usam_independent": lambda: usam(0.05, 0.05, ascent="independent"),
    "gsam_independent": lambda: gsam(0.05, 0.05, 0.1, ascent="independent"),
    "gsam_full": lambda: gsam(0.05, 0.05, 0.1, ascent="full"),
    "adasam_independent": lambda: adasam(0.01, 0.05, ascent="independent"),
    "adasam_full": lambda: adasam(0.01, 0.05, ascent="full"),
}


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_grads_per_step_counts_the_gradient_evaluations(name, lsq, rng):
    # Every evaluation counts once: the step's own sample, a fresh() sample or the exact
    # gradient (THEORY §2.8: SA-SAM 3; §2.1: SAM 2 whichever sample sets the ascent).
    opt = COUNTED[name]()
    oracle = oracles.minibatch(lsq, 2)
    state = opt.init(rng.standard_normal((2, 3)))
    for t in range(3):
        count = [0]
        state = opt.step(state, CountingGradFn(oracle, oracle.sample(rng, 2, t), count), t)
        if t > 0:   # AdGD/SA-SAM skip the gradient at x_{t-1} on their first step
            assert count[0] == opt.grads_per_step


# --------------------------------------------------------------------------------------------
# the deterministic SAM band law (THEORY.md §3.1.1, §4.1)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rotation", [0, 1, 2, 3])
def test_sam_with_constant_lr_ends_in_the_predicted_two_cycle(rotation):
    beta, d = 10.0, 10
    p = problems.quadratic(np.geomspace(1.0, beta, d), rotate=rotation)
    eb, rho = np.meshgrid([0.2, 0.5, 0.9, 1.5], [0.01, 0.05, 0.1], indexing="ij")
    eb, rho = np.repeat(eb.ravel(), 3), np.repeat(rho.ravel(), 3)   # 3 x0 seeds each
    x0 = np.random.default_rng(100 + rotation).standard_normal((eb.size, d))
    # eta*beta = 0.2 converges slowest: the non-top components contract by ~0.96 per step
    # near the cycle and reach 1e-14 relative by T ~ 600 (measured); T = 1500 leaves margin.
    T = 1500
    coords = {f"x{i}": (lambda prob, s, i=i: s.x[:, i]) for i in range(d)}
    tr = run(p, sam(eb / beta, rho), x0, T, record_at=[T - 1, T],
             metrics={"f_gap": None, **coords})
    a = eb * rho / (2 - eb)
    band = 0.5 * beta * a**2
    # measured/predicted = 1 to ~1e-14 after convergence; 1e-8 is the tolerance
    np.testing.assert_allclose(tr["f_gap"], np.tile(band, (2, 1)), rtol=1e-8)
    x = np.stack([tr[f"x{i}"] for i in range(d)], axis=-1)      # (2, runs, d)
    # a 2-cycle +-a v1: x_T + x_{T-1} = 0 and |x_T| = a (errors ~1e-14 a, tolerance 1e-7 a)
    assert np.all(np.linalg.norm(x[0] + x[1], axis=1) <= 1e-7 * a)
    np.testing.assert_allclose(np.linalg.norm(x[1], axis=1), a, rtol=1e-7)
    v1 = np.linalg.eigh(p.params["A"])[1][:, -1]
    np.testing.assert_allclose(np.abs(x[1] @ v1), a, rtol=1e-7)


# --------------------------------------------------------------------------------------------
# bad hyperparameters raise, naming the argument
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "exc", "word"),
    [
        (lambda: sgd(-0.1), ValueError, "lr"),
        (lambda: sgd(np.nan), ValueError, "lr"),
        (lambda: sgd(np.array([0.1, -0.1])), ValueError, "lr"),
        (lambda: sgd(np.ones((2, 2))), ValueError, "lr"),
        (lambda: sgd("fast"), TypeError, "lr"),
        (lambda: sgd(lambda t: -0.1), ValueError, "lr"),
        (lambda: sgd(0.1, momentum=1.0), ValueError, "momentum"),
        (lambda: sam(0.1, np.nan), ValueError, "rho"),
        (lambda: sam(0.1, -0.05), ValueError, "rho"),
        (lambda: sam(0.1, 0.05, ascent="sideways"), ValueError, "ascent"),
        (lambda: sam(0.1, 0.05, eps=-1e-12), ValueError, "eps"),
        (lambda: usam(0.1, np.inf), ValueError, "rho"),
        (lambda: gsam(0.1, 0.05, np.nan), ValueError, "alpha"),
        (lambda: gsam(0.1, 0.05, 0.1, ascent="bogus"), ValueError, "ascent"),
        (lambda: gsam(0.1, np.array([0.1, 0.2]), 0.1, rho_min=0.0), ValueError, "rho"),
        (lambda: amsgrad(0.1, beta1=1.0), ValueError, "beta1"),
        (lambda: amsgrad(0.1, beta2=-0.5), ValueError, "beta2"),
        (lambda: adasam(0.1, 0.05, eps=np.nan), ValueError, "eps"),
        (lambda: adasam(0.1, 0.05, ascent="nope"), ValueError, "ascent"),
        (lambda: adgd(0.0), ValueError, "eta0"),
        (lambda: adgd(-1e-3), ValueError, "eta0"),
        (lambda: sasam(1e-3, rho_scale=-1.0), ValueError, "rho_scale"),
    ],
)
def test_bad_hyperparameters_raise_naming_the_argument(make, exc, word):
    with pytest.raises(exc, match=word):
        make()


@pytest.mark.parametrize(
    ("make", "word"),
    [
        (lambda: sgd(np.array([0.1, 0.2])), "lr"),
        (lambda: sam(0.1, np.array([0.1, 0.2])), "rho"),
        (lambda: gsam(0.1, 0.1, np.array([0.1, 0.2])), "alpha"),
        (lambda: adasam(np.array([0.1, 0.2, 0.3, 0.4]), 0.1), "lr"),
        (lambda: adgd(np.array([0.1, 0.2])), "eta0"),
        (lambda: sam(schedules.constant(np.array([0.1, 0.2])), 0.1), "lr"),
    ],
)
def test_per_run_arrays_of_the_wrong_length_raise_at_init(make, word):
    with pytest.raises(ValueError, match=word):
        make().init(np.zeros((3, 2)))


def test_unknown_optimizer_name_raises():
    from convlab.optimizers import get

    with pytest.raises(ValueError, match="unknown optimizer"):
        get("adamw")


# --------------------------------------------------------------------------------------------
# properties over random small cases (hypothesis)
# --------------------------------------------------------------------------------------------

BUILDERS = {
    "sam": lambda lr, rho, alpha: sam(lr, rho),
    "gsam": lambda lr, rho, alpha: gsam(lr, rho, alpha),
    "adasam": lambda lr, rho, alpha: adasam(lr, rho),
    "sasam": lambda lr, rho, alpha: sasam(lr, rho_scale=rho),
}


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(BUILDERS)),
    dim=st.integers(1, 4),
    runs=st.integers(1, 4),
    lr=st.floats(1e-3, 0.15),
    rho=st.floats(0.0, 1.0),
    alpha=st.floats(-1.0, 1.0),
    sigma=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**16),
)
def test_random_small_cases_stay_finite_and_batched_equals_single(
    name, dim, runs, lr, rho, alpha, sigma, seed
):
    gen = np.random.default_rng(seed)
    # Diagonal quadratic: its gradient is elementwise, so a run's numbers cannot depend on
    # the batch through BLAS kernels. (A rotated one computes x @ A with gemv for one row
    # and gemm for several, an ulp apart, and SA-SAM's ratio |dx|/|dg| amplifies that
    # cancellation to ~1e-11 in a few steps: not a coupling between runs.)
    p = problems.quadratic(gen.uniform(0.1, 5.0, dim), center=gen.standard_normal(dim))
    oracle = oracles.gaussian(p, sigma)
    samples = [oracle.sample(gen, runs, t) for t in range(4)]
    x0 = gen.standard_normal((runs, dim))
    opt = BUILDERS[name](lr, rho, alpha)
    batched = unroll(opt, oracle, x0, samples)[1]
    assert all(np.all(np.isfinite(x)) for x in batched)
    for i in range(runs):
        s = [xi.take(slice(i, i + 1)) for xi in samples]
        alone = unroll(opt, oracle, x0[i : i + 1], s)[1][-1]
        np.testing.assert_allclose(batched[-1][i], alone[0], rtol=1e-12, atol=1e-14)
