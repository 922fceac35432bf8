"""Tests for ``convlab.rates``: known exponents are recovered, CIs cover, verdicts are right.

All data are synthetic with known parameters. Tolerances are stated next to each check.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from convlab import rates
from convlab.rates import (
    FloorFit,
    GeometricFit,
    PowerLawFit,
    Verdict,
    fit_geometric,
    fit_power_law,
    fit_power_law_floor,
    fit_scaling,
    is_stationary,
    mean_ci,
    tail_mean,
    verdict,
    verdict_value,
)

S = np.geomspace(10.0, 1e4, 12)


def power_data(
    p: float,
    *,
    c: float = 3.0,
    sigma: float = 0.5,
    runs: int = 64,
    s: np.ndarray = S,
    seed: int = 0,
    log_power: float = 0.0,
) -> np.ndarray:
    """``c s^p log^k s`` times independent log-normal noise per point and run."""
    z = np.random.default_rng(seed).standard_normal((s.size, runs))
    return (c * s**p * np.log(s) ** log_power)[:, None] * np.exp(sigma * z)


def make_fit(exponent: float, ci: tuple[float, float]) -> PowerLawFit:
    return PowerLawFit(exponent, ci, 0.0, exponent, ci, 10, 64, 0.95)


# --------------------------------------------------------------------------------------
# fit_power_law
# --------------------------------------------------------------------------------------


def test_power_law_exponent_is_recovered_and_ci_covers_it():
    # Nominal coverage is 95 %. Over 100 independent repetitions the observed coverage has
    # binomial sd sqrt(0.95 * 0.05 / 100) ~ 2.2 %, so requiring >= 90 % sits more than two
    # sd below nominal: it fails only if the CI is genuinely too narrow (or badly placed).
    p, reps = -0.5, 100
    covered, estimates = 0, []
    for seed in range(reps):
        fit = fit_power_law(S, power_data(p, seed=seed), n_boot=400, rng=seed)
        lo, hi = fit.ci
        covered += lo <= p <= hi
        estimates.append(fit.exponent)
        assert abs(fit.exponent - p) < 0.05  # sd of the slope here is about 0.01
    assert covered / reps >= 0.90
    assert abs(np.mean(estimates) - p) < 0.005  # no bias: 100 reps, sd/10 ~ 0.001


def test_power_law_ci_is_not_degenerate():
    fit = fit_power_law(S, power_data(-1.0, seed=3), n_boot=400)
    lo, hi = fit.ci
    assert lo < fit.exponent < hi
    assert 0.005 < fit.ci_width < 0.2
    assert fit.n_points == S.size and fit.n_runs == 64 and fit.level == 0.95
    assert fit.kind == "power" and fit.log_power == 0.0


def test_theil_sen_agrees_with_least_squares_on_noise_free_data():
    errors = np.tile((2.5 * S**-1.5)[:, None], (1, 8))
    fit = fit_power_law(S, errors, n_boot=200)
    assert fit.exponent == pytest.approx(-1.5, abs=1e-12)
    assert fit.theil_sen == pytest.approx(fit.exponent, abs=1e-12)
    assert fit.log_c == pytest.approx(math.log(2.5), abs=1e-10)
    np.testing.assert_allclose(fit.predict(S), 2.5 * S**-1.5, rtol=1e-10)


def test_theil_sen_cross_check_is_close_on_noisy_data():
    fit = fit_power_law(S, power_data(-0.5, seed=5), n_boot=400)
    assert abs(fit.theil_sen - fit.exponent) < 0.05
    assert fit.theil_sen_ci[0] <= fit.theil_sen <= fit.theil_sen_ci[1]


def test_one_dimensional_errors_are_a_single_run_with_theil_sen_ci():
    errors = power_data(-1.0, runs=1, sigma=0.1, seed=2)[:, 0]
    fit = fit_power_law(S, errors, n_boot=200)
    assert fit.n_runs == 1
    assert fit.ci == fit.theil_sen_ci
    assert fit.ci[0] < fit.ci[1]
    assert abs(fit.exponent + 1.0) < 0.1


def test_single_run_with_two_points_has_no_ci():
    fit = fit_power_law([10.0, 100.0], [1.0, 0.1], n_boot=50)
    assert fit.exponent == pytest.approx(-1.0)
    assert all(math.isnan(v) for v in fit.ci)
    assert verdict(fit, -1.0) is Verdict.INCONCLUSIVE


def test_log_power_is_divided_out():
    # y = C s^-2 log^2 s: on s in [10, 1e4] the log factor flattens the raw slope by
    # about 2 / mean(log s) ~ 0.4, so a raw fit must sit well above -1.95.
    errors = power_data(-2.0, log_power=2.0, sigma=0.1, seed=4)
    fit = fit_power_law(S, errors, log_power=2.0, n_boot=400)
    raw = fit_power_law(S, errors, n_boot=400)
    assert abs(fit.exponent + 2.0) < 0.02
    assert raw.exponent > -1.95
    assert fit.kind == "power_log" and fit.log_power == 2.0
    assert verdict(fit, -2.0) is Verdict.MATCHES
    np.testing.assert_allclose(fit.predict(S), errors.mean(axis=1), rtol=0.1)


def test_log_power_needs_s_above_one():
    with pytest.raises(ValueError, match="s > 1"):
        fit_power_law(np.array([0.5, 2.0, 4.0]), np.ones(3), log_power=1.0)


@pytest.mark.parametrize(
    ("s", "errors"),
    [
        (np.array([1.0, 2.0, 3.0]), np.ones((2, 4))),  # shape mismatch
        (np.array([0.0, 1.0, 2.0]), np.ones((3, 4))),  # non-positive s
        (np.array([2.0, 2.0]), np.ones((2, 4))),  # one distinct s
    ],
)
def test_malformed_input_raises(s, errors):
    with pytest.raises(ValueError):
        fit_power_law(s, errors)


def test_same_rng_gives_identical_fits():
    errors = power_data(-0.7, seed=9)
    a = fit_power_law(S, errors, n_boot=300, rng=11)
    b = fit_power_law(S, errors, n_boot=300, rng=11)
    c = fit_power_law(S, errors, n_boot=300, rng=np.random.default_rng(11))
    d = fit_power_law(S, errors, n_boot=300, rng=12)
    assert a == b == c
    assert a.exponent == d.exponent and a.ci != d.ci  # only the bootstrap is random


def test_fit_scaling_is_fit_power_law():
    b = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    var = power_data(-1.0, s=b, seed=6)
    assert fit_scaling(b, var, n_boot=300, rng=1) == fit_power_law(b, var, n_boot=300, rng=1)


# --------------------------------------------------------------------------------------
# Diverged runs, non-positive means: NaN-aware, never raising or warning
# --------------------------------------------------------------------------------------


def test_nan_columns_of_diverged_runs_are_ignored():
    errors = power_data(-1.0, runs=32, seed=7)
    with_nan = np.concatenate([errors, np.full((S.size, 5), np.nan)], axis=1)
    with_nan = with_nan[:, np.random.default_rng(0).permutation(with_nan.shape[1])]
    clean = fit_power_law(S, errors, n_boot=300, rng=3)
    dirty = fit_power_law(S, with_nan, n_boot=300, rng=3)
    assert dirty.n_runs == 32
    assert dirty.exponent == pytest.approx(clean.exponent, abs=1e-12)
    assert np.isfinite(dirty.ci).all()


def test_partly_diverged_run_is_left_out_of_that_point_only():
    errors = power_data(-1.0, runs=16, seed=8)
    errors[-3:, 0] = np.nan  # run 0 diverged near the end
    fit = fit_power_law(S, errors, n_boot=300)
    expected = np.polyfit(np.log(S), np.log(np.nanmean(errors, axis=1)), 1)[0]
    assert fit.exponent == pytest.approx(expected, abs=1e-12)
    assert np.isfinite(fit.ci).all() and fit.n_runs == 16


@pytest.mark.parametrize("bad", ["negative", "zero", "all_nan", "inf"])
def test_invalid_mean_gives_nan_fit_and_inconclusive_without_warning(bad):
    errors = power_data(-1.0, runs=8, seed=1)
    if bad == "negative":
        errors[4] = -1.0
    elif bad == "zero":
        errors[4] = 0.0
    elif bad == "all_nan":
        errors[4] = np.nan
    else:
        errors[4, 0] = np.inf
        errors[4, 1:] = -1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_power_law(S, errors, n_boot=200)
        geo = fit_geometric(np.arange(S.size), errors, n_boot=200)
        floor = fit_power_law_floor(S, errors, n_boot=20)
    assert math.isnan(fit.exponent) and all(math.isnan(v) for v in fit.ci)
    for f in (fit, geo, floor):
        assert verdict(f, -1.0) is Verdict.INCONCLUSIVE


def test_replicates_that_lose_a_point_make_the_ci_conservative():
    # Point 0 has a finite value in one run only. The ~37 % of resamples that miss that
    # run have no mean there; they count as -inf / +inf, so the CI is infinite.
    errors = power_data(-1.0, runs=16, seed=2)
    errors[0, 1:] = np.nan
    fit = fit_power_law(S, errors, n_boot=400)
    assert np.isfinite(fit.exponent)
    assert fit.ci == (-math.inf, math.inf)
    assert verdict(fit, -1.0) is Verdict.INCONCLUSIVE


# --------------------------------------------------------------------------------------
# verdict
# --------------------------------------------------------------------------------------


def test_shifted_predictions_give_below_and_above_and_the_true_one_matches():
    fit = fit_power_law(S, power_data(-1.0, seed=10), n_boot=400)
    assert fit.ci_width < 0.2
    assert verdict(fit, -1.0) is Verdict.MATCHES
    assert verdict(fit, -1.0 + 0.5) is Verdict.BELOW  # measured decays faster
    assert verdict(fit, -1.0 - 0.5) is Verdict.ABOVE  # measured decays slower


def test_verdict_band_edges():
    fit = make_fit(-1.0, (-1.05, -0.95))
    assert verdict(fit, -0.8, tol=0.1) is Verdict.BELOW  # hi = -0.95 < -0.9
    # the CI [-1.05, -0.95] straddles the band's lower edge -0.96: an equivalence test
    # cannot conclude, the lenient overlap rule of convlab <= 0.2 called it a match
    assert verdict(fit, -0.86, tol=0.1) is Verdict.INCONCLUSIVE
    assert verdict(fit, -0.86, tol=0.1, rule="overlap") is Verdict.MATCHES
    assert verdict(fit, -1.2, tol=0.1) is Verdict.ABOVE  # lo = -1.05 > -1.1
    assert verdict(fit, -1.14, tol=0.1) is Verdict.INCONCLUSIVE
    assert verdict(fit, -1.04, tol=0.1) is Verdict.MATCHES  # [-1.05, -0.95] inside [-1.14, -0.94]
    assert verdict(fit, -1.0, tol=0.05) is Verdict.MATCHES   # CI edges on the band's edges
    # one-sided: an upper bound holds when hi <= predicted + tol, whatever lo is
    assert verdict(fit, -1.2, tol=0.3, side="upper") is Verdict.MATCHES      # hi <= -0.9
    assert verdict(fit, -1.1, tol=0.1, side="upper") is Verdict.INCONCLUSIVE  # lo < -1 < hi
    assert verdict(fit, -0.9, tol=0.1, side="lower") is Verdict.INCONCLUSIVE
    with pytest.raises(ValueError, match="rule must be"):
        verdict(fit, -1.0, rule="loose")


def test_value_verdict_reads_the_ci():
    assert verdict_value(1.0, (0.95, 1.05), 1.0, rtol=0.1) is Verdict.MATCHES
    assert verdict_value(1.0, (0.85, 1.05), 1.0, rtol=0.1) is Verdict.INCONCLUSIVE
    assert verdict_value(1.0, (0.85, 1.05), 1.0, rtol=0.1, rule="overlap") is Verdict.MATCHES
    assert verdict_value(1.3, (1.2, 1.4), 1.0, rtol=0.1) is Verdict.ABOVE
    assert verdict_value(0.7, (0.6, 0.8), 1.0, rtol=0.1) is Verdict.BELOW
    assert verdict_value(0.7, (0.6, 0.8), 1.0, rtol=0.1, side="upper") is Verdict.MATCHES
    assert verdict_value(1.05, (1.0, 1.15), 1.0, rtol=0.1, side="upper") is \
        Verdict.INCONCLUSIVE


def test_wide_or_undefined_ci_is_inconclusive():
    noisy = fit_power_law(S[:4], power_data(-1.0, s=S[:4], sigma=3.0, runs=4), n_boot=400)
    assert noisy.ci_width > 0.5
    assert verdict(noisy, noisy.exponent) is Verdict.INCONCLUSIVE
    assert verdict(make_fit(-1.0, (-1.3, -0.7)), -1.0, max_width=0.5) is Verdict.INCONCLUSIVE
    assert verdict(make_fit(-1.0, (-1.3, -0.7)), -1.0, max_width=0.7, tol=0.3) is \
        Verdict.MATCHES
    assert verdict(make_fit(-1.0, (-math.inf, -0.7)), -1.0) is Verdict.INCONCLUSIVE
    assert verdict(make_fit(math.nan, (math.nan, math.nan)), -1.0) is Verdict.INCONCLUSIVE


def test_upper_bound_accepts_faster_decay_and_rejects_slower():
    # Claim: error <= C T^-1/2 (an upper bound), so exponent <= -0.5 + tol passes.
    faster = fit_power_law(S, power_data(-1.0, seed=12), n_boot=400)
    slower = fit_power_law(S, power_data(-0.2, seed=13), n_boot=400)
    assert verdict(faster, -0.5) is Verdict.BELOW  # two-sided would call it BELOW ...
    assert verdict(faster, -0.5, side="upper") is Verdict.MATCHES  # ... the bound holds
    assert verdict(slower, -0.5, side="upper") is Verdict.ABOVE
    assert verdict(slower, -0.5, side="lower") is Verdict.MATCHES
    assert verdict(faster, -0.5, side="lower") is Verdict.BELOW


def test_verdict_uses_log_slope_of_geometric_fits_and_exponent_of_floor_fits():
    geo = GeometricFit(0.9, (0.89, 0.91), math.log(0.9), (-0.11, -0.10), 0.95)
    assert verdict(geo, math.log(0.9), tol=0.01) is Verdict.MATCHES
    assert verdict(geo, math.log(0.5), tol=0.01) is Verdict.ABOVE
    floor = FloorFit(0.1, (0.09, 0.11), 1.0, -2.0, (-2.1, -1.9), 0.95)
    assert verdict(floor, -2.0) is Verdict.MATCHES
    assert verdict(floor, -1.0) is Verdict.BELOW


def test_verdict_rejects_bad_arguments():
    with pytest.raises(ValueError, match="side"):
        verdict(make_fit(-1.0, (-1.1, -0.9)), -1.0, side="both")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verdict((-1.0, (-1.1, -0.9)), -1.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# One result interface: estimate / ci
# --------------------------------------------------------------------------------------


def _fits_with_old_names():
    """(fit, old estimate name, old CI name) for a real fit of every result class."""
    t = np.arange(12.0)
    z = np.random.default_rng(3).standard_normal((12, 16))
    geo_errors = (2.0 * 0.8**t)[:, None] * np.exp(0.1 * z)
    floor_errors = (0.01 + 3.0 * S**-0.8)[:, None] * np.exp(0.05 * z)
    return [
        (fit_power_law(S, power_data(-1.0, runs=16), n_boot=200), "exponent", "ci"),
        (fit_geometric(t, geo_errors, n_boot=200), "log_slope", "log_slope_ci"),
        (fit_power_law_floor(S, floor_errors, n_boot=50), "exponent", "exponent_ci"),
        (GeometricFit(0.9, (0.89, 0.91), math.log(0.9), (-0.11, -0.10), 0.95),
         "log_slope", "log_slope_ci"),
        (FloorFit(0.1, (0.09, 0.11), 1.0, -2.0, (-2.1, -1.9), 0.95), "exponent", "exponent_ci"),
    ]


@pytest.mark.parametrize("index", range(5))
def test_every_fit_exposes_estimate_and_ci_equal_to_its_old_names(index):
    fit, est_name, ci_name = _fits_with_old_names()[index]
    assert isinstance(fit.estimate, float) and math.isfinite(fit.estimate)
    assert fit.estimate == getattr(fit, est_name)
    assert isinstance(fit.ci, tuple) and len(fit.ci) == 2
    assert fit.ci == getattr(fit, ci_name)
    assert fit.ci[0] <= fit.estimate <= fit.ci[1]
    assert fit.ci_width == fit.ci[1] - fit.ci[0]
    with pytest.raises(dataclasses.FrozenInstanceError):  # read-only like the fields
        fit.estimate = 0.0  # type: ignore[misc]


def test_floor_fit_ci_is_the_exponent_ci_not_the_floor_ci():
    floor = FloorFit(0.1, (0.09, 0.11), 1.0, -2.0, (-2.1, -1.9), 0.95)
    assert floor.ci == (-2.1, -1.9) and floor.floor_ci == (0.09, 0.11)
    assert floor.estimate == -2.0
    assert floor.ci_width == pytest.approx(0.2)


def test_geometric_fit_ci_is_the_log_slope_ci_not_the_rate_ci():
    geo = GeometricFit(0.9, (0.89, 0.91), math.log(0.9), (-0.11, -0.10), 0.95)
    assert geo.ci == (-0.11, -0.10) and geo.rate_ci == (0.89, 0.91)
    assert geo.estimate == math.log(0.9)


@dataclasses.dataclass(frozen=True)
class _AnyFit:
    estimate: float
    ci: tuple[float, float]


@dataclasses.dataclass(frozen=True)
class _OnlyCI:
    ci: tuple[float, float]


@dataclasses.dataclass(frozen=True)
class _OnlyEstimate:
    estimate: float


def test_verdict_accepts_any_object_with_estimate_and_ci():
    assert verdict(_AnyFit(-1.0, (-1.05, -0.95)), -1.0) is Verdict.MATCHES
    assert verdict(_AnyFit(-2.0, (-2.05, -1.95)), -1.0) is Verdict.BELOW
    assert verdict(_AnyFit(0.0, (-0.05, 0.05)), -1.0) is Verdict.ABOVE
    assert verdict(_AnyFit(-1.0, (-2.0, 0.0)), -1.0) is Verdict.INCONCLUSIVE  # too wide
    assert verdict(_AnyFit(-1.0, (math.nan, math.nan)), -1.0) is Verdict.INCONCLUSIVE
    # the verdict of a real fit is that of any object with the same estimate and ci
    for fit, _, _ in _fits_with_old_names():
        for predicted in (fit.estimate, fit.estimate - 1.0, fit.estimate + 1.0):
            for side in ("two-sided", "upper", "lower"):
                assert verdict(fit, predicted, side=side) is verdict(
                    _AnyFit(fit.estimate, fit.ci), predicted, side=side
                )


@pytest.mark.parametrize(
    "obj, missing",
    [
        (_OnlyCI((-1.1, -0.9)), "'estimate'"),
        (_OnlyEstimate(-1.0), "'ci'"),
        ((-1.0, (-1.1, -0.9)), "'estimate' or 'ci'"),
    ],
)
def test_verdict_rejects_objects_without_estimate_or_ci(obj, missing):
    with pytest.raises(TypeError, match=type(obj).__name__) as info:
        verdict(obj, -1.0)  # type: ignore[arg-type]
    assert missing in str(info.value)


def test_public_names_are_importable_from_the_package():
    for name in rates.__all__:
        assert getattr(rates, name) is not None
    assert rates.fit_power_law is rates.power.fit_power_law
    assert rates.Verdict is rates._common.Verdict


def test_verdict_value_overlap_rule_judges_the_point_estimate():
    ci = (0.95, 1.15)                  # the lenient rule of convlab <= 0.2, kept on request
    kw = {"rtol": 0.1, "rule": "overlap"}
    assert verdict_value(1.05, ci, 1.0, **kw) is Verdict.MATCHES
    assert verdict_value(1.3, ci, 1.0, **kw) is Verdict.ABOVE
    assert verdict_value(0.7, ci, 1.0, **kw) is Verdict.BELOW
    assert verdict_value(0.7, ci, 1.0, side="upper", **kw) is Verdict.MATCHES
    assert verdict_value(1.3, ci, 1.0, side="upper", **kw) is Verdict.ABOVE
    assert verdict_value(1.3, ci, 1.0, side="lower", **kw) is Verdict.MATCHES
    assert verdict_value(1.0, ci, 1.0, rtol=0.1, max_rel_width=0.1) is Verdict.INCONCLUSIVE
    assert verdict_value(1.0, ci, 1.0, rtol=0.2, max_rel_width=0.3) is Verdict.MATCHES
    assert verdict_value(1.0, ci, 0.0, rtol=0.1) is Verdict.INCONCLUSIVE
    assert verdict_value(1.0, ci, -1.0, rtol=0.1) is Verdict.INCONCLUSIVE
    assert verdict_value(1.0, ci, math.nan, rtol=0.1) is Verdict.INCONCLUSIVE
    assert verdict_value(math.nan, ci, 1.0, rtol=0.1) is Verdict.INCONCLUSIVE
    assert verdict_value(1.0, (0.9, math.inf), 1.0, rtol=0.1) is Verdict.INCONCLUSIVE


# --------------------------------------------------------------------------------------
# fit_power_law_floor and fit_geometric
# --------------------------------------------------------------------------------------


def test_floor_fit_recovers_floor_and_exponent():
    # c = 0.01 is reached around s ~ 200, so both regimes are well sampled.
    c, big_c, p = 0.01, 2.0, -1.0
    clean = c + big_c * S**p
    errors = clean[:, None] * np.exp(0.2 * np.random.default_rng(0).standard_normal((S.size, 64)))
    fit = fit_power_law_floor(S, errors, n_boot=100)
    # The noise is multiplicative with E[exp(0.2 z)] = exp(0.02) ~ 1.02: both c and C
    # carry that 2 % factor, the exponent is unaffected. Tolerances: 5 % on c, 0.05 on p.
    assert fit.floor == pytest.approx(c, rel=0.05)
    assert fit.exponent == pytest.approx(p, abs=0.05)
    assert fit.scale == pytest.approx(big_c, rel=0.15)
    assert fit.floor_ci[0] <= fit.floor <= fit.floor_ci[1]
    assert fit.exponent_ci[0] < fit.exponent < fit.exponent_ci[1]
    assert fit.ci_width < 0.2
    assert verdict(fit, p) is Verdict.MATCHES
    np.testing.assert_allclose(fit.predict(S), errors.mean(axis=1), rtol=0.05)


def test_floor_fit_noise_free_is_exact_and_finds_zero_floor():
    exact = fit_power_law_floor(S, np.tile((0.05 + 3.0 * S**-0.5)[:, None], (1, 4)), n_boot=20)
    assert exact.floor == pytest.approx(0.05, rel=1e-6)
    assert exact.scale == pytest.approx(3.0, rel=1e-6)
    assert exact.exponent == pytest.approx(-0.5, abs=1e-6)
    pure = fit_power_law_floor(S, 3.0 * S**-0.5, n_boot=20)
    assert pure.floor < 1e-6 * pure.predict(S).min()
    assert pure.exponent == pytest.approx(-0.5, abs=1e-5)


def test_floor_fit_is_reproducible_and_takes_a_start():
    errors = (0.01 + 2.0 * S**-1.0)[:, None] * np.exp(
        0.2 * np.random.default_rng(1).standard_normal((S.size, 16))
    )
    a = fit_power_law_floor(S, errors, n_boot=30, rng=5)
    b = fit_power_law_floor(S, errors, n_boot=30, rng=5, p0=(0.01, 2.0, -1.0))
    assert a == fit_power_law_floor(S, errors, n_boot=30, rng=5)
    assert b.exponent == pytest.approx(a.exponent, abs=1e-6)


def test_geometric_fit_recovers_contraction_factor():
    q = 0.9
    t = np.arange(0.0, 200.0, 10.0)
    z = np.random.default_rng(0).standard_normal((t.size, 32))
    errors = 4.0 * q ** t[:, None] * np.exp(0.3 * z)
    fit = fit_geometric(t, errors, n_boot=500)
    assert fit.rate == pytest.approx(q, abs=2e-3)
    assert fit.rate_ci[0] <= q <= fit.rate_ci[1]
    assert fit.log_slope_ci[0] <= math.log(q) <= fit.log_slope_ci[1]
    assert fit.rate == pytest.approx(math.exp(fit.log_slope))
    assert verdict(fit, math.log(q), tol=0.01) is Verdict.MATCHES
    assert verdict(fit, math.log(0.8), tol=0.01) is Verdict.ABOVE
    np.testing.assert_allclose(fit.predict(t), errors.mean(axis=1), rtol=0.3)
    exact = fit_geometric(t, 4.0 * q**t)
    assert exact.rate == pytest.approx(q, rel=1e-12)
    assert exact.log_c == pytest.approx(math.log(4.0), abs=1e-10)


# --------------------------------------------------------------------------------------
# tail_mean, is_stationary, mean_ci
# --------------------------------------------------------------------------------------


def test_tail_mean_averages_the_last_fraction():
    traj = np.arange(10.0)[:, None] * np.array([1.0, 2.0])
    np.testing.assert_array_equal(tail_mean(traj), [8.5, 17.0])  # last 2 records
    np.testing.assert_array_equal(tail_mean(traj.T, frac=0.5, axis=1), [7.0, 14.0])
    assert tail_mean(np.arange(3.0), frac=0.01) == 2.0  # at least one record
    diverged = traj.copy()
    diverged[-1, 1] = np.nan
    assert np.isnan(tail_mean(diverged)[1]) and tail_mean(diverged)[0] == 8.5
    with pytest.raises(ValueError):
        tail_mean(traj, frac=0.0)


def test_is_stationary_tells_a_floor_from_a_decay():
    rng = np.random.default_rng(0)
    n, runs = 500, 32
    floor = 0.1 + 0.02 * rng.standard_normal((n, runs))
    decaying = np.linspace(1.0, 0.5, n)[:, None] + 0.02 * rng.standard_normal((n, runs))
    assert is_stationary(floor, n_boot=500)
    assert not is_stationary(decaying, n_boot=500)
    assert is_stationary(floor[:, 0], n_boot=500)  # single run: resample records
    # deterministic runs: zero-width CI, so only exact agreement or rtol passes
    ramp = np.tile(np.linspace(1.0, 0.999, n)[:, None], (1, 4))
    assert not is_stationary(ramp, n_boot=200)
    assert is_stationary(ramp, n_boot=200, rtol=1e-3)
    assert not is_stationary(np.full((n, 4), np.nan), n_boot=200)


def test_mean_ci_brackets_the_mean_and_is_vectorized():
    rng = np.random.default_rng(0)
    x = 1.0 + rng.standard_normal((50, 40))
    mean, lo, hi = mean_ci(x, n_boot=500)
    assert mean.shape == lo.shape == hi.shape == (50,)
    np.testing.assert_allclose(mean, x.mean(axis=1), rtol=1e-12)
    assert np.all(lo < mean) and np.all(mean < hi)
    # width ~ 2 * 1.96 / sqrt(40) ~ 0.62; percentile bootstrap is a bit narrower
    assert 0.45 < np.mean(hi - lo) < 0.75
    assert 0.85 <= np.mean((lo <= 1.0) & (1.0 <= hi)) <= 1.0  # nominal 95 %, 50 points
    m2, lo2, hi2 = mean_ci(x.T, axis=0, n_boot=500)
    np.testing.assert_allclose((m2, lo2, hi2), (mean, lo, hi), rtol=1e-12)
    _, lo3, hi3 = mean_ci(x, n_boot=500)
    assert np.array_equal(lo3, lo) and np.array_equal(hi3, hi)


def test_mean_ci_skips_nan_runs():
    x = np.array([[1.0, 2.0, 3.0, np.nan], [np.nan] * 4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean, lo, hi = mean_ci(x, n_boot=200)
    assert mean[0] == pytest.approx(2.0)
    # a resample misses all three finite runs with probability 4**-4 < 2.5 %: CI finite
    assert 1.0 <= lo[0] < 2.0 < hi[0] <= 3.0
    assert np.isnan(mean[1]) and np.isnan(lo[1]) and np.isnan(hi[1])


def test_fits_are_frozen():
    fit = make_fit(-1.0, (-1.1, -0.9))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.exponent = 0.0  # type: ignore[misc]
    assert rates.Verdict("matches") is Verdict.MATCHES
