"""Edge cases of the adaptive steps and of the normalizations (THEORY.md §2.5-§2.8, §8).

What test_optimizers.py already covers is not repeated here: starting exactly at x* (every
registry optimizer, exact oracle: x stays, eta kept), one run at x* among others, the
1/(2L) invariant over 400 steps, v_hat monotone. This file adds the cases around them:
AdGD / SA-SAM when the iterate stalls away from x*, a zero gradient difference while the
iterate moves, overflow of the growth branch, underflow of the difference norms; AMSGrad /
AdaSAM with eps = 0 (v_hat = 0); SAM's and GSAM's normalizations at zero and tiny
gradients. The step functions are called inside ``np.errstate(all="ignore")`` where they
overflow on purpose, as ``run`` does (pytest turns floating-point warnings into errors).

Bugs found here (norms that under- or overflowed, 0 * inf at g = 0, GSAM's projection
overflow, a non-numeric per-run hyperparameter) were fixed; their tests stay as regressions,
each with a comment saying what went wrong.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlab import oracles, problems, run
from convlab.optimizers import (
    Hyper,
    adaptive_step_size,
    adasam,
    adgd,
    amsgrad,
    gsam,
    gsam_direction,
    sam,
    sasam,
    sgd,
)
from convlab.problems import Problem

IGNORE = dict(over="ignore", under="ignore", invalid="ignore", divide="ignore")


def col(*values):
    """A (runs, 1) column."""
    return np.array(values, dtype=float)[:, None]


def linear(c) -> Problem:
    """f(x) = <c, x>: a constant gradient, so every gradient difference is exactly 0."""
    c = np.asarray(c, dtype=float)
    d = c.size
    return Problem("linear", d, lambda x: x @ c, lambda x: np.broadcast_to(c, x.shape).copy(),
                   lambda x: np.zeros((len(x), d, d)), lambda x, v: np.zeros_like(v), L=0.0,
                   f_star=-np.inf)


def steps(opt, oracle, x0, n, gen=None):
    """States after each of n steps (exact oracle when gen is None)."""
    state, out = opt.init(x0), []
    with np.errstate(**IGNORE):
        for t in range(n):
            g = oracle.bind(oracle.sample(gen, len(x0), t))
            state = opt.step(state, g, t)
            out.append(state)
    return out


# --------------------------------------------------------------------------------------------
# AdGD / SA-SAM step size (THEORY.md §2.7, §2.8, §8.7-8)
# --------------------------------------------------------------------------------------------


def test_a_stalled_iterate_away_from_x_star_keeps_the_step_per_run():
    # run 0: x_t = x_{t-1} but g != 0 (a step below the ulp of x): 0/0, keep eta, theta = 1;
    # run 1 moves normally: ratio |dx| / (2 |dg|) = 1 / (2 * 4) against growth sqrt(2) * 0.3
    x = np.array([[5.0, 1.0], [1.0, 0.0]])
    x_prev = np.array([[5.0, 1.0], [0.0, 0.0]])
    g = np.array([[3.0, -2.0], [4.0, 0.0]])
    g_old = np.array([[3.0, -2.0], [0.0, 0.0]])
    eta, theta = adaptive_step_size(x, x_prev, g, g_old, col(0.3, 0.3), col(1.0, 1.0))
    np.testing.assert_array_equal(eta, col(0.3, 0.125))
    np.testing.assert_array_equal(theta, col(1.0, 0.125 / 0.3))


def test_zero_gradient_difference_on_the_first_adaptive_step_keeps_eta():
    # theta_0 = inf and dg = 0 with dx > 0: min(inf, inf) is not finite -> kept (§2.7)
    eta, theta = adaptive_step_size(col(1.0), col(0.0), col(2.0), col(2.0), col(0.1),
                                    col(np.inf))
    np.testing.assert_array_equal(eta, col(0.1))
    np.testing.assert_array_equal(theta, col(1.0))


def test_zero_gradient_difference_later_takes_the_growth_branch():
    eta, theta = adaptive_step_size(col(1.0), col(0.0), col(2.0), col(2.0), col(0.1), col(3.0))
    np.testing.assert_allclose(eta, col(0.2), rtol=1e-15)           # sqrt(1 + 3) * 0.1
    np.testing.assert_allclose(theta, col(2.0), rtol=1e-15)


def test_growth_overflow_with_a_finite_ratio_takes_the_ratio():
    with np.errstate(**IGNORE):
        eta, theta = adaptive_step_size(col(1.0), col(0.0), col(10.0), col(0.0), col(1e308),
                                        col(3.0))
    np.testing.assert_array_equal(eta, col(0.05))                  # 1 / (2 * 10)
    assert np.all(np.isfinite(theta)) and np.all(theta > 0)        # 5e-310: subnormal, > 0


def test_growth_overflow_with_an_infinite_ratio_keeps_eta():
    with np.errstate(**IGNORE):
        eta, theta = adaptive_step_size(col(1.0), col(0.0), col(2.0), col(2.0), col(1e308),
                                        col(3.0))
    np.testing.assert_array_equal(eta, col(1e308))
    np.testing.assert_array_equal(theta, col(1.0))


def test_ratio_overflow_takes_the_growth_branch():
    # |dx| / (2 |dg|) = 1e300 / 2e-300 overflows to inf: the growth branch is the min
    with np.errstate(**IGNORE):
        eta, theta = adaptive_step_size(col(1e300), col(0.0), col(1e-300), col(0.0), col(0.5),
                                        col(0.44))
    np.testing.assert_allclose(eta, col(np.sqrt(1.44) * 0.5), rtol=1e-15)
    np.testing.assert_allclose(theta, col(1.2), rtol=1e-15)


def test_small_differences_in_the_normal_range_give_the_exact_ratio():
    # squares of 1e-150 are ~1e-300, still normal numbers: no underflow, ratio 1/(2L)
    dx = np.array([[3e-150, -4e-150]])
    eta, _ = adaptive_step_size(dx, np.zeros((1, 2)), 10.0 * dx, np.zeros((1, 2)), col(1.0),
                                col(1.0))
    np.testing.assert_allclose(eta, col(0.05), rtol=1e-14)


# Regression: |x_t - x_{t-1}| was sqrt(sum of squares), which underflows to 0 below ~1.5e-162
# while |dg| = L |dx| does not; eta_t became 0 (THEORY §2.7). base.row_norms rescales.
def test_underflowing_iterate_difference_still_gives_the_ratio_one_over_2L():
    dx = np.array([[2e-163]])
    assert dx[0, 0] > 0 and dx[0, 0] ** 2 == 0.0      # a number whose square underflows
    eta, _ = adaptive_step_size(dx, np.zeros((1, 1)), 10.0 * dx, np.zeros((1, 1)), col(1.0),
                                col(1.0))
    np.testing.assert_allclose(eta, col(0.05), rtol=1e-6)


# Regression (same root cause): AdGD on f = 5 x^2 reached eta_t = 0 after ~540 steps and
# then theta_t = 0/0 = NaN in a run not flagged diverged.
def test_adgd_run_to_the_underflow_keeps_eta_at_least_one_over_2L_and_theta_finite():
    p = problems.quadratic([10.0])
    tr = run(p, adgd(1e-3), np.array([[1.0], [-0.7]]), 800, record_at=np.arange(801),
             metrics=["state.eta", "state.theta", "f_gap"])
    assert not tr.diverged.any()
    assert tr["f_gap"][-1].max() < 1e-300               # it did reach the underflow range
    assert np.min(tr["state.eta"][2:]) >= 1 / (2 * p.L) * (1 - 1e-12)
    assert np.all(np.isfinite(tr["state.theta"][2:]))      # theta_0 = +inf by definition


@pytest.mark.parametrize("make", [lambda: adgd(1e-3), lambda: sasam(1e-3)],
                         ids=["adgd", "sasam"])
@pytest.mark.parametrize("noisy", [False, True], ids=["exact", "gaussian"])
def test_iterates_that_stop_moving_away_from_x_star_keep_eta_and_stay_finite(make, noisy):
    # x0 = 2^53 has ulp 2, and every step (eta g ~ 1e-7, rho = sqrt(eta) ~ 0.03) is below
    # half an ulp: x_t = x_{t-1} with g != 0, at the same sample dg = 0 -> 0/0 guard
    p = problems.quadratic([1e-20])
    oracle = oracles.gaussian(p, 1e-9) if noisy else oracles.exact(p)
    x0 = np.array([[2.0**53], [-(2.0**53)]])
    tr = run(p, make(), x0, 30, oracle=oracle, rng=1, record_at=np.arange(31),
             metrics=["state.eta", "state.theta", "f_gap"])
    np.testing.assert_array_equal(tr.x, x0)
    assert np.all(p.grad(x0) != 0)
    np.testing.assert_array_equal(tr["state.eta"], 1e-3)
    np.testing.assert_array_equal(tr["state.theta"][2:], 1.0)
    assert not tr.diverged.any()


@pytest.mark.parametrize("make", [lambda: adgd(0.1), lambda: sasam(0.1, rho_scale=0.0)],
                         ids=["adgd", "sasam_rho0"])
def test_constant_gradient_grows_eta_by_sqrt_1_plus_theta_and_never_gives_nan(make):
    # f = <c, x>: dg = 0 at every step, so eta follows the growth branch after the first
    # kept step: eta_1 = eta_0, theta_1 = 1; eta_{k+1} = sqrt(1 + theta_k) eta_k
    p = linear([1.0, -2.0])
    states = steps(make(), oracles.exact(p), np.zeros((1, 2)), 12)
    eta, theta, want = 0.1, 1.0, [0.1, 0.1]
    for _ in range(10):
        new = np.sqrt(1.0 + theta) * eta
        theta, eta = new / eta, new
        want.append(eta)
    np.testing.assert_allclose([s.eta[0, 0] for s in states], want, rtol=1e-14)
    # θ tends to the golden ratio, eta grows like phi^k and overflows near k ~ 1470: the
    # overflowed step is not taken (kept), eta and theta stay finite (in a run, x passes
    # the blow-up bound long before: next test)
    eta_c, theta_c = col(0.1), col(1.0)
    dx, g = np.ones((1, 2)), np.ones((1, 2))
    with np.errstate(**IGNORE):
        for k in range(2000):
            new_eta, new_theta = adaptive_step_size(dx, 0 * dx, g, g, eta_c, theta_c)
            assert np.isfinite(new_eta).all() and np.isfinite(new_theta).all(), k
            assert new_eta[0, 0] >= eta_c[0, 0]
            eta_c, theta_c = new_eta, new_theta
    assert eta_c[0, 0] > 1e307 and theta_c[0, 0] == 1.0


def test_linear_function_diverges_by_the_flag_not_by_nan():
    tr = run(linear([1.0, -2.0]), adgd(0.1), np.zeros(2), 3000, record_at=[0, 3000],
             metrics=["f", "grad_sq"])
    assert tr.diverged[0] and tr.diverged_at[0] > 0
    assert np.all(np.isfinite(tr.x))


# --------------------------------------------------------------------------------------------
# AMSGrad / AdaSAM with eps = 0: v_hat = 0 (THEORY.md §2.5, §2.6)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: adasam(0.1, 0.05, eps=0.0),
                                  lambda: adasam(0.1, 0.05, eps=0.0, ascent="full")],
                         ids=["adasam", "adasam_full"])
def test_eps_zero_at_x_star_keeps_v_hat_zero_without_nan(make):
    # (AMSGrad's default eps is 0 and is covered in test_optimizers.py; AdaSAM's is 1e-8)
    p = problems.quadratic([1.0, 4.0], center=[0.5, -1.0])
    x0 = np.tile(p.x_star, (2, 1))
    states = steps(make(), oracles.exact(p), x0, 20)
    for s in states:
        np.testing.assert_array_equal(s.x, x0)
        np.testing.assert_array_equal(s.v_hat, 0.0)
        np.testing.assert_array_equal(s.m, 0.0)


@pytest.mark.parametrize("name", ["amsgrad", "adasam"])
def test_eps_zero_first_step_is_3_16_lr_where_g_is_nonzero_and_0_where_it_is_zero(name):
    # f = (x1^2 + 4 x2^2)/2 at (1, 0): g = (1, 0) and (SAM) g(x + rho e1) = (1 + rho, 0).
    # Per coordinate the first step is lr (1 - b1) |g| / sqrt((1 - b2) g^2) (§2.6 pitfall)
    # where g != 0, and 0/0 := 0 where g = 0 (v_hat stays 0, no NaN).
    p = problems.quadratic([1.0, 4.0])
    lr = 0.01
    opt = amsgrad(lr, eps=0.0) if name == "amsgrad" else adasam(lr, 0.3, eps=0.0)
    s = steps(opt, oracles.exact(p), np.array([[1.0, 0.0]]), 1)[0]
    jump = lr * 0.1 / np.sqrt(0.001)
    np.testing.assert_allclose(s.x[0, 0], 1.0 - jump, rtol=1e-14)
    assert s.x[0, 1] == 0.0 and s.v_hat[0, 1] == 0.0
    assert jump == pytest.approx(3.16227766 * lr)


def test_adasam_momentum_moves_x_at_a_zero_gradient():
    # THEORY §2.6: s_t = 0 -> delta_t := 0, and the momentum still moves x
    p = problems.quadratic([1.0, 4.0])
    opt = adasam(0.1, 0.2, beta1=0.9, beta2=0.999, eps=0.0)
    state = opt.init(np.zeros((1, 2)))._replace(m=np.array([[0.5, 0.0]]),
                                                 v=np.array([[1.0, 0.0]]),
                                                 v_hat=np.array([[1.0, 0.0]]))
    new = opt.step(state, oracles.exact(p).bind(None), 5)
    np.testing.assert_array_equal(new.m, [[0.45, 0.0]])
    np.testing.assert_array_equal(new.v_hat, [[1.0, 0.0]])        # max(1, 0.999)
    np.testing.assert_allclose(new.x, [[-0.1 * 0.45, 0.0]], rtol=1e-15)


def test_eps_zero_first_step_is_scale_invariant_until_g_squared_underflows():
    # the step lr m/sqrt(v_hat) is scale invariant (3.16 lr per coordinate on the first step)
    # while g^2 is a normal number; below |g| ~ 1.5e-162 the second moment v = (1-b2) g^2,
    # the state AMSGrad defines, underflows to 0 and the documented 0/0 guard takes a zero
    # step (amsgrad_update docstring): a deliberate limit, not fixed by rescaling because
    # v itself is state that later steps accumulate.
    p = problems.quadratic([1.0])
    for x0 in (1.0, 1e-100, 1e-150):
        s = steps(amsgrad(0.01, eps=0.0), oracles.exact(p), np.array([[x0]]), 1)[0]
        np.testing.assert_allclose(x0 - s.x[0, 0], 0.01 * 0.1 / np.sqrt(0.001), rtol=1e-12)
    s = steps(amsgrad(0.01, eps=0.0), oracles.exact(p), np.array([[1e-163]]), 1)[0]
    assert s.v_hat[0, 0] == 0.0 and s.m[0, 0] != 0.0
    assert s.x[0, 0] == 1e-163


# --------------------------------------------------------------------------------------------
# SAM / GSAM normalization at zero and tiny gradients (THEORY.md §1, §2.3, §8.4)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda a: sam(0.1, 0.5, ascent=a),
                                  lambda a: sam(0.1, 0.5, ascent=a, eps=1e-12),
                                  lambda a: gsam(0.1, 0.5, 0.3, ascent=a)],
                         ids=["sam", "sam_eps", "gsam"])
def test_full_ascent_at_x_star_is_a_plain_sgd_step_with_the_sample(make):
    # the exact gradient at x* is exactly 0: zero perturbation (§1, g_hat = 0 -> y = x), so
    # the step is the stochastic gradient step x* - lr g(x*; xi) (for GSAM: g_p = g and
    # g_perp = 0)
    p = problems.quadratic([1.0, 2.0, 3.0], center=[0.5, -1.0, 2.0])
    x0 = np.tile(p.x_star, (3, 1))
    assert np.all(p.grad(x0) == 0.0)
    oracle = oracles.gaussian(p, 1.0)
    g = oracle.bind(oracle.sample(np.random.default_rng(5), 3))
    opt = make("full")
    got = opt.step(opt.init(x0), g, 0).x
    want = sgd(0.1).step(sgd(0.1).init(x0), g, 0).x
    np.testing.assert_array_equal(got, want)
    assert not np.any(got == x0)                          # the sample did move it


@pytest.mark.parametrize("eps", [0.0, 1e-12])
def test_sam_perturbation_has_length_rho_down_to_small_gradients(eps):
    # y - x = rho g/|g| (eps = 0) for |g| from 1 down to 1e-150 (squares still normal)
    p = problems.quadratic([1.0, 1.0])
    seen = []

    class Spy(oracles.GradFn):
        def __call__(self, x):
            seen.append(x.copy())
            return p.grad(x)

    for scale in (1.0, 1e-100, 1e-150):
        x0 = np.array([[3.0, -4.0]]) * scale
        seen.clear()
        sam(0.1, 0.25, eps=eps).step(sam(0.1, 0.25).init(x0),
                                     Spy(oracles.exact(p), oracles.exact(p).sample(None, 1)), 0)
        y = seen[1]
        length = 0.25 * (5 * scale) / (5 * scale + eps) if eps else 0.25
        np.testing.assert_allclose(np.linalg.norm(y - x0), length, rtol=1e-14)


# Regression: |g| underflowed to 0 for |g| < ~2e-162, so a nonzero gradient got no
# perturbation (THEORY §1 sets g_hat = 0 only at g = 0).
def test_sam_perturbation_has_length_rho_at_tiny_nonzero_gradients():
    p = problems.quadratic([1.0, 1.0])
    seen = []

    class Spy(oracles.GradFn):
        def __call__(self, x):
            seen.append(x.copy())
            return p.grad(x)

    x0 = np.array([[3e-163, -4e-163]])
    sam(0.1, 0.25).step(sam(0.1, 0.25).init(x0),
                        Spy(oracles.exact(p), oracles.exact(p).sample(None, 1)), 0)
    np.testing.assert_allclose(np.linalg.norm(seen[1] - x0), 0.25, rtol=1e-12)


# Regression (found by test_fuzz.py): the factor rho/(|g| + eps) overflowed at g = 0 with
# rho/eps > 1.8e308 and 0 * inf = NaN flagged the run diverged; the rule gives y = x.
@pytest.mark.parametrize("make", [lambda: sam(0.1, 1e300, eps=1e-12),
                                  lambda: gsam(0.1, 1e300, 0.5, eps=1e-12),
                                  lambda: sasam(1e300, rho_scale=1e300)],
                         ids=["sam_eps", "gsam_eps", "sasam"])
def test_a_huge_radius_at_a_zero_gradient_gives_no_perturbation(make):
    p = problems.quadratic([1.0, 2.0])
    tr = run(p, make(), np.zeros(2), 3)
    assert not tr.diverged[0]
    np.testing.assert_array_equal(tr.x, np.zeros((1, 2)))


def test_gsam_direction_with_a_zero_perturbed_gradient_is_minus_alpha_g_per_run():
    # THEORY §2.3: g_p = 0, g != 0 -> g_perp = g, d = -alpha g; g = 0 -> d = 0; other runs
    # get the exact projection
    g = np.array([[1.0, -2.0], [0.0, 0.0], [3.0, 1.0]])
    gp = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    alpha = col(0.5, 0.5, 0.5)
    d = gsam_direction(g, gp, alpha)
    np.testing.assert_array_equal(d[0], [-0.5, 1.0])
    np.testing.assert_array_equal(d[1], [0.0, 0.0])
    perp = g[2] - (g[2] @ gp[2]) / (gp[2] @ gp[2]) * gp[2]
    np.testing.assert_allclose(d[2], gp[2] - 0.5 * perp, rtol=1e-15)


def flat_top() -> Problem:
    """1-D f(u) = -u^2/2 for u < 0, 0 for u >= 0: the gradient is exactly 0 on u >= 0."""
    return Problem("flat_top", 1, lambda x: np.where(x < 0, -0.5 * x * x, 0.0)[:, 0],
                   lambda x: np.where(x < 0, -x, 0.0), lambda x: np.zeros((len(x), 1, 1)),
                   lambda x, v: np.where(x < 0, -v, 0.0), L=1.0, f_star=-np.inf)


# Regression (found by test_fuzz.py -m slow): <g, g_p>/<g_p, g_p> overflowed above ~1.3e154
# (inf/inf = NaN) although the direction is positively homogeneous in (g, g_p).
def test_gsam_direction_is_homogeneous_up_to_huge_gradients():
    g = np.array([[3.0, 0.0], [1.0, -2.0]])
    gp = np.array([[3.0, 0.3], [0.5, 1.0]])
    alpha = col(0.5, 0.5)
    ref = gsam_direction(g, gp, alpha)
    with np.errstate(**IGNORE):
        big = gsam_direction(1e200 * g, 1e200 * gp, alpha)
        zero_alpha = gsam_direction(1e200 * g, 1e200 * gp, 0.0)
    np.testing.assert_array_equal(zero_alpha, 1e200 * gp)
    np.testing.assert_allclose(big, 1e200 * ref, rtol=1e-12)


def test_gsam_steps_along_plus_alpha_g_when_the_ascent_lands_where_g_p_is_zero():
    # at u = -0.1: g = 0.1 (f increases to the right), the ascent y = u + 0.5 lands in the
    # flat part, g_p = 0 exactly: GSAM takes d = -alpha g, an ascent step on f (§2.3, §8.5);
    # SAM's d = g_p = 0 does not move
    p = flat_top()
    x0 = np.array([[-0.1], [-0.3]])
    lr, rho, alpha = 0.1, 0.5, 0.4
    g = oracles.exact(p).bind(None)
    new = gsam(lr, rho, alpha).step(gsam(lr, rho, alpha).init(x0), g, 0).x
    np.testing.assert_allclose(new, x0 + lr * alpha * p.grad(x0), rtol=1e-15)
    assert np.all(new > x0)
    np.testing.assert_array_equal(sam(lr, rho).step(sam(lr, rho).init(x0), g, 0).x, x0)


# --------------------------------------------------------------------------------------------
# argument checks in the optimizers
# --------------------------------------------------------------------------------------------


def test_non_numeric_per_run_hyperparameters_raise_naming_the_argument():
    with pytest.raises((TypeError, ValueError), match="lr"):
        Hyper("lr", [0.1, "fast"])


def test_per_run_hyperparameters_with_none_or_nan_raise_naming_the_argument():
    for bad in ([0.1, None], [0.1, np.nan], [0.1, np.inf]):
        with pytest.raises(ValueError, match="lr"):
            Hyper("lr", bad)
