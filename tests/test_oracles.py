"""Tests for convlab.oracles: moments of the noise, frozen samples, mini-batches.

Monte Carlo checks use one fixed seed and a z-score bound of 5 (a correct oracle fails one
such check with probability ~6e-7; a wrong variance by a few percent fails it for sure at
the sample sizes used).
"""

from __future__ import annotations

import numpy as np
import pytest

from convlab import oracles, problems, schedules

Z = 5.0      # z-score bound for Monte Carlo checks (see the module docstring)
N_MC = 40_000


@pytest.fixture
def quad3() -> problems.Problem:
    return problems.quadratic([1.0, 2.0, 5.0], rotate=1)


def additive_oracles(p):
    return {
        "gaussian": lambda b: oracles.gaussian(p, sigma=0.7, batch_size=b),
        "rademacher": lambda b: oracles.rademacher(p, sigma=0.7, batch_size=b),
        "two_point": lambda b: oracles.two_point(p, a=0.3, prob=0.8, batch_size=b),
    }


def per_coordinate_variance(name: str) -> float:
    """The per-sample per-coordinate variance, written from the definitions (THEORY §1)."""
    if name == "two_point":
        a, prob = 0.3, 0.8
        low = prob * a / (1 - prob)
        mean = prob * a - (1 - prob) * low
        return prob * (a - mean) ** 2 + (1 - prob) * (-low - mean) ** 2
    return 0.7**2


def noise_draws(oracle, x, rng, n=N_MC):
    """n independent batch gradients at the single point x, minus the exact gradient."""
    X = np.tile(x, (n, 1))
    return oracle.bind(oracle.sample(rng, n))(X) - oracle.problem.grad(X)


# --------------------------------------------------------------------------------------------
# moments
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("b", [1, 4])
@pytest.mark.parametrize("name", ["gaussian", "rademacher", "two_point"])
def test_additive_noise_is_unbiased_with_the_stated_variance(name, b, quad3, rng):
    oracle = additive_oracles(quad3)[name](b)
    x = np.array([0.3, -1.0, 2.0])
    noise = noise_draws(oracle, x, rng)
    var_c = per_coordinate_variance(name) / b
    # unbiased: every coordinate's mean within Z standard errors of 0
    z_mean = noise.mean(axis=0) / np.sqrt(var_c / N_MC)
    assert np.all(np.abs(z_mean) < Z), z_mean
    # the stated total variance d sigma^2 / b, exactly from the formula
    stated = oracle.variance(x[None])
    np.testing.assert_allclose(stated, [quad3.dim * var_c], rtol=1e-14)
    # ... and from the draws
    # (single Rademacher samples have a constant norm, so the standard error is 0: allow the
    # rounding of g - grad f on top, ~1e-12 relative)
    sq = np.einsum("nd,nd->n", noise, noise)
    err = abs(sq.mean() - stated[0])
    assert err <= Z * sq.std() / np.sqrt(N_MC) + 1e-12 * stated[0], err


@pytest.mark.parametrize("name", ["gaussian", "rademacher", "two_point"])
def test_stated_variance_scales_as_one_over_batch_size(name, quad3):
    make = additive_oracles(quad3)[name]
    x = np.zeros((3, 3))
    v1 = make(1).variance(x)
    for b in (2, 5, 16):
        np.testing.assert_allclose(make(b).variance(x), v1 / b, rtol=1e-14)
    assert v1.shape == (3,)


def test_two_point_noise_takes_plus_a_with_probability_p(quad3, rng):
    a, p = 0.3, 0.8
    oracle = oracles.two_point(quad3, a=a, prob=p)
    noise = noise_draws(oracle, np.zeros(3), rng)
    low = p * a / (1 - p)
    up = np.isclose(noise, a, rtol=1e-12, atol=0)
    down = np.isclose(noise, -low, rtol=1e-12, atol=0)
    assert np.all(up | down)                 # only the two stated values
    frac = up.mean(axis=0)
    z = (frac - p) / np.sqrt(p * (1 - p) / N_MC)
    assert np.all(np.abs(z) < Z), z
    z_mean = noise.mean(axis=0) / np.sqrt(a**2 * p / (1 - p) / N_MC)
    assert np.all(np.abs(z_mean) < Z)        # mean 0 although skewed
    # skewed: the sign is + with probability p, so E sign = 2p - 1 (the drift of §4.3), and
    # the third moment is p a^3 - (1-p) low^3 (< 0 here: the long tail is the rare -low)
    sgn = np.sign(noise)
    z_sign = (sgn.mean(axis=0) - (2 * p - 1)) / np.sqrt(4 * p * (1 - p) / N_MC)
    assert np.all(np.abs(z_sign) < Z), z_sign
    third = p * a**3 - (1 - p) * low**3
    assert third < 0
    m3 = noise**3
    assert np.all(np.abs(m3.mean(axis=0) - third) < Z * m3.std(axis=0) / np.sqrt(N_MC))


def test_rademacher_single_samples_are_plus_or_minus_sigma(quad3, rng):
    noise = noise_draws(oracles.rademacher(quad3, sigma=0.7), np.zeros(3), rng, n=2000)
    np.testing.assert_allclose(np.abs(noise), 0.7, rtol=1e-12)


@pytest.mark.parametrize("replace", [False, True])
def test_minibatch_is_unbiased_with_the_stated_variance(replace, lsq, rng):
    b = 3
    oracle = oracles.minibatch(lsq, b, replace=replace)
    x = np.array([0.5, -0.2, 1.0])
    noise = noise_draws(oracle, x, rng)
    stated = oracle.variance(x[None])[0]
    # reference variance from the definition: population variance of the components,
    # divided by b, times the finite-population correction (n-b)/(n-1) without replacement
    n = lsq.n
    comps = np.stack([lsq.grad_i(x[None], np.array([[i]]))[0] for i in range(n)])
    pop = np.mean(np.sum((comps - comps.mean(axis=0)) ** 2, axis=1))
    ref = pop / b * (1.0 if replace else (n - b) / (n - 1))
    assert stated == pytest.approx(ref, rel=1e-12)
    per_coord = np.mean((comps - comps.mean(axis=0)) ** 2, axis=0) / b   # upper bound on var
    z_mean = noise.mean(axis=0) / np.sqrt(per_coord / N_MC)
    assert np.all(np.abs(z_mean) < Z), z_mean
    sq = np.einsum("nd,nd->n", noise, noise)
    z_var = (sq.mean() - stated) / (sq.std() / np.sqrt(N_MC))
    assert abs(z_var) < Z, z_var


def test_exact_oracle_has_zero_variance_and_returns_the_gradient(quad3, rng):
    oracle = oracles.exact(quad3)
    x = rng.standard_normal((4, 3))
    g = oracle.bind(oracle.sample(rng, 4))
    np.testing.assert_array_equal(g(x), quad3.grad(x))
    np.testing.assert_array_equal(oracle.variance(x), np.zeros(4))
    assert g.is_exact and oracle.is_exact


# --------------------------------------------------------------------------------------------
# bind / fresh / exact
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gaussian", "rademacher", "two_point"])
def test_bind_reuses_the_same_additive_noise_at_every_point(name, quad3, rng):
    oracle = additive_oracles(quad3)[name](2)
    sample = oracle.sample(rng, 5, t=3)
    g = oracle.bind(sample)
    x, y = rng.standard_normal((5, 3)), 10 * rng.standard_normal((5, 3))
    np.testing.assert_array_equal(g(x), quad3.grad(x) + sample.data)
    np.testing.assert_array_equal(g(y), quad3.grad(y) + sample.data)
    # the difference g - grad is the same noise (up to the rounding of the sum)
    np.testing.assert_allclose(g(x) - quad3.grad(x), g(y) - quad3.grad(y), rtol=0, atol=1e-13)
    np.testing.assert_array_equal(g(x), g(x))          # evaluating twice draws nothing new


@pytest.mark.parametrize("replace", [False, True])
def test_bind_reuses_the_same_minibatch_indices_at_every_point(replace, lsq, rng):
    oracle = oracles.minibatch(lsq, 4, replace=replace)
    sample = oracle.sample(rng, 6)
    g = oracle.bind(sample)
    for x in (rng.standard_normal((6, 3)), 5 * rng.standard_normal((6, 3))):
        np.testing.assert_array_equal(g(x), lsq.grad_i(x, sample.data))
        np.testing.assert_array_equal(g(x), g(x))


@pytest.mark.parametrize("kind", ["gaussian", "two_point", "minibatch"])
def test_fresh_draws_a_different_sample_of_the_same_size(kind, lsq, rng):
    if kind == "minibatch":
        oracle = oracles.minibatch(lsq, 4)
    elif kind == "gaussian":
        oracle = oracles.gaussian(lsq, sigma=1.0, batch_size=4)
    else:
        oracle = oracles.two_point(lsq, a=0.3, prob=0.3, batch_size=4)
    g = oracle.bind(oracle.sample(rng, 8, t=2))
    h = g.fresh()
    x = rng.standard_normal((8, 3))
    assert h.sample.batch_size == 4 and h.sample.runs == 8 and h.sample.t == 2
    assert h.sample.data.shape == g.sample.data.shape
    assert not np.array_equal(h.sample.data, g.sample.data)
    assert not np.allclose(h(x), g(x))
    np.testing.assert_array_equal(g(x), oracle.bind(g.sample)(x))  # g itself is unchanged


def test_fresh_of_the_exact_oracle_is_the_exact_gradient(lsq, rng):
    oracle = oracles.exact(lsq)
    g = oracle.bind(oracle.sample(rng, 3))
    x = rng.standard_normal((3, 3))
    np.testing.assert_array_equal(g.fresh()(x), lsq.grad(x))


def test_fresh_without_a_generator_raises(lsq, rng):
    oracle = oracles.minibatch(lsq, 2)
    s = oracle.sample(rng, 3)
    bare = oracles.Sample(s.data, s.batch_size, s.runs, s.t)      # no rng attached
    with pytest.raises(ValueError, match="generator"):
        oracle.bind(bare).fresh()


@pytest.mark.parametrize("kind", ["gaussian", "minibatch", "exact"])
def test_exact_method_is_the_problem_gradient(kind, lsq, rng):
    oracle = {"gaussian": lambda: oracles.gaussian(lsq, 2.0),
              "minibatch": lambda: oracles.minibatch(lsq, 2),
              "exact": lambda: oracles.exact(lsq)}[kind]()
    g = oracle.bind(oracle.sample(rng, 4))
    x = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(g.exact(x), lsq.grad(x))
    assert g.is_exact == (kind == "exact")


# --------------------------------------------------------------------------------------------
# mini-batch sampling
# --------------------------------------------------------------------------------------------


def test_minibatch_without_replacement_draws_distinct_indices_per_run(lsq, rng):
    b, runs = 7, 3000
    data = oracles.minibatch(lsq, b).sample(rng, runs).data
    assert data.shape == (runs, b)
    assert np.issubdtype(data.dtype, np.integer)
    assert data.min() >= 0 and data.max() < lsq.n
    assert all(len(np.unique(row)) == b for row in data)
    # each index is in a batch with probability b/n: binomial z-score per index
    counts = np.bincount(data.ravel(), minlength=lsq.n)
    q = b / lsq.n
    z = (counts - runs * q) / np.sqrt(runs * q * (1 - q))
    assert np.all(np.abs(z) < Z), z


def test_minibatch_with_replacement_repeats_indices_and_is_uniform(lsq, rng):
    b, runs = 7, 3000
    data = oracles.minibatch(lsq, b, replace=True).sample(rng, runs).data
    # P(no repeat in a row) = 12!/(5! 12^7) ~ 0.11: most rows repeat an index
    assert np.mean([len(np.unique(r)) < b for r in data]) > 0.5
    counts = np.bincount(data.ravel(), minlength=lsq.n)
    q = 1 / lsq.n
    z = (counts - runs * b * q) / np.sqrt(runs * b * q * (1 - q))
    assert np.all(np.abs(z) < Z), z


def test_a_batch_of_all_components_gives_the_exact_gradient(lsq, rng):
    oracle = oracles.minibatch(lsq, lsq.n)
    x = rng.standard_normal((5, 3))
    g = oracle.bind(oracle.sample(rng, 5))
    # same sum in another order: rounding only
    np.testing.assert_allclose(g(x), lsq.grad(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(oracle.variance(x), 0.0, atol=1e-30)


def test_batch_larger_than_n_without_replacement_raises_naming_batch_size(lsq):
    with pytest.raises(ValueError, match="batch_size"):
        oracles.minibatch(lsq, lsq.n + 1)
    oracles.minibatch(lsq, lsq.n + 1, replace=True)      # allowed with replacement


def test_batch_size_schedule_changes_the_batch_per_step(lsq, rng):
    sched = schedules.geometric_batch(2, factor=2, every=3)
    oracle = oracles.minibatch(lsq, sched)
    expected = {0: 2, 2: 2, 3: 4, 5: 4, 6: 8, 8: 8}
    x = np.zeros((4, 3))
    v2 = oracle.variance(x, 0)
    for t, b in expected.items():
        s = oracle.sample(rng, 4, t)
        assert oracle.batch_size(t) == b
        assert s.batch_size == b and s.t == t
        assert s.data.shape == (4, b)
        n = lsq.n
        ratio = (n - b) / (b * (n - 1)) / ((n - 2) / (2 * (n - 1)))
        np.testing.assert_allclose(oracle.variance(x, t), v2 * ratio, rtol=1e-12)
    with pytest.raises(ValueError, match="batch_size"):
        oracle.sample(rng, 4, 9)          # b = 16 > n = 12 without replacement


def test_batch_size_schedule_scales_additive_noise(quad3, rng):
    oracle = oracles.gaussian(quad3, sigma=1.0, batch_size=schedules.geometric_batch(1, 4, 1))
    x = np.zeros((N_MC, 3))
    for t in range(3):
        b = 4**t
        noise = oracle.bind(oracle.sample(rng, N_MC, t))(x)
        assert oracle.variance(x[:1], t)[0] == pytest.approx(3.0 / b, rel=1e-14)
        sq = np.einsum("nd,nd->n", noise, noise)
        z = (sq.mean() - 3.0 / b) / (sq.std() / np.sqrt(N_MC))
        assert abs(z) < Z


def test_sample_take_slices_runs(lsq, rng):
    oracle = oracles.minibatch(lsq, 3)
    s = oracle.sample(rng, 5, t=4)
    part = s.take(slice(1, 3))
    assert part.runs == 2 and part.batch_size == 3 and part.t == 4
    np.testing.assert_array_equal(part.data, s.data[1:3])
    picked = s.take([4, 0])
    np.testing.assert_array_equal(picked.data, s.data[[4, 0]])
    x = rng.standard_normal((5, 3))
    np.testing.assert_array_equal(oracle.bind(part)(x[1:3]), oracle.bind(s)(x)[1:3])
    ex = oracles.exact(lsq).sample(rng, 5)
    assert ex.take(slice(0, 1)).data is None


def test_sample_take_of_additive_noise_keeps_the_rows(quad3, rng):
    oracle = oracles.gaussian(quad3, 1.0)
    s = oracle.sample(rng, 4)
    np.testing.assert_array_equal(s.take(slice(2, 3)).data, s.data[2:3])
    assert s.take(slice(2, 3)).runs == 1


# --------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "exc", "word"),
    [
        (lambda p: oracles.gaussian(p, sigma=-1.0), ValueError, "sigma"),
        (lambda p: oracles.gaussian(p, sigma=np.nan), ValueError, "sigma"),
        (lambda p: oracles.rademacher(p, sigma=np.inf), ValueError, "sigma"),
        (lambda p: oracles.two_point(p, a=0.0, prob=0.5), ValueError, "a must"),
        (lambda p: oracles.two_point(p, a=1.0, prob=1.0), ValueError, "prob"),
        (lambda p: oracles.two_point(p, a=1.0, prob=0.0), ValueError, "prob"),
        (lambda p: oracles.gaussian(p, 1.0, batch_size=0), ValueError, "batch_size"),
        (lambda p: oracles.gaussian(p, 1.0, batch_size=2.5), TypeError, "batch_size"),
        (lambda p: oracles.minibatch(problems.quadratic([1.0]), 1), ValueError, "finite-sum"),
        (lambda p: oracles.gaussian("not a problem", 1.0), TypeError, "problem"),
        (lambda p: oracles.get("nope"), ValueError, "oracle"),
    ],
)
def test_bad_oracle_arguments_raise_naming_the_argument(make, exc, word, lsq):
    with pytest.raises(exc, match=word):
        make(lsq)
