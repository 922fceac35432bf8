"""Tests for convlab.schedules: values computed by hand, per-run arrays, bounds, ``tied``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convlab import schedules as S

# --------------------------------------------------------------------------------------------
# values at a few t, computed by hand
# --------------------------------------------------------------------------------------------

HAND = [
    # (schedule, t, value written out by hand)
    (lambda: S.constant(0.3), 0, 0.3),
    (lambda: S.constant(0.3), 1000, 0.3),
    (lambda: S.inverse_power(2.0, power=0.5, offset=1.0), 0, 2.0),        # 2/sqrt(1)
    (lambda: S.inverse_power(2.0, power=0.5, offset=1.0), 3, 1.0),        # 2/sqrt(4)
    (lambda: S.inverse_power(2.0, power=0.5, offset=1.0), 8, 2.0 / 3.0),  # 2/sqrt(9)
    (lambda: S.inverse_power(1.0, power=1.0, offset=10.0), 90, 0.01),     # 1/(90+10)
    (lambda: S.cosine(1.0, 0.1, horizon=10), 0, 1.0),
    (lambda: S.cosine(1.0, 0.1, horizon=10), 5, 0.55),                    # 0.1 + 0.45 (1 + 0)
    (lambda: S.cosine(1.0, 0.1, horizon=4), 1, 0.1 + 0.45 * (1 + math.sqrt(0.5))),
    (lambda: S.cosine(1.0, 0.1, horizon=10), 10, 0.1),
    (lambda: S.cosine(1.0, 0.1, horizon=10), 25, 0.1),                   # held after T
    (lambda: S.linear(1.0, 0.2, horizon=4), 0, 1.0),
    (lambda: S.linear(1.0, 0.2, horizon=4), 1, 0.8),                      # 1 - 0.8 * 1/4
    (lambda: S.linear(1.0, 0.2, horizon=4), 4, 0.2),
    (lambda: S.linear(1.0, 0.2, horizon=4), 7, 0.2),
    (lambda: S.step(1.0, factor=0.1, every=3), 2, 1.0),
    (lambda: S.step(1.0, factor=0.1, every=3), 3, 0.1),
    (lambda: S.step(1.0, factor=0.1, every=3), 7, 0.01),
    (lambda: S.step(0.5, factor=2.0, every=1), 3, 4.0),
]


@pytest.mark.parametrize(("make", "t", "value"), HAND)
def test_schedule_values_match_hand_computation(make, t, value):
    # 1e-14: the formulas are a handful of flops (e.g. 0.1**2 = 0.010000000000000002).
    assert make()(t) == pytest.approx(value, rel=1e-14, abs=0)


@pytest.mark.parametrize(
    ("t", "b"), [(0, 16), (39, 16), (40, 32), (79, 32), (80, 64), (160, 256), (400, 16 * 2**10)]
)
def test_geometric_batch_doubles_every_K_steps_as_python_ints(t, b):
    sched = S.geometric_batch(16, factor=2, every=40)
    assert sched(t) == b
    assert type(sched(t)) is int


def test_geometric_batch_is_capped_at_b_max():
    sched = S.geometric_batch(16, factor=2, every=40, b_max=64)
    assert [sched(t) for t in (0, 40, 80, 120, 1000)] == [16, 32, 64, 64, 64]
    assert sched.bounds == (16, 64)
    assert S.batch_growth is S.geometric_batch


# --------------------------------------------------------------------------------------------
# per-run arrays
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "t", "values"),
    [
        (lambda v: S.constant(v), 9, [0.1, 0.4]),
        (lambda v: S.inverse_power(v, 0.5), 3, [0.05, 0.2]),       # v / 2
        (lambda v: S.cosine(v, 0.0, horizon=10), 5, [0.05, 0.2]),   # v / 2
        (lambda v: S.linear(v, 0.0, horizon=4), 3, [0.025, 0.1]),   # v / 4
        (lambda v: S.step(v, 0.5, every=2), 5, [0.025, 0.1]),       # v / 4
    ],
)
def test_per_run_arrays_give_per_run_values(make, t, values):
    out = make(np.array([0.1, 0.4]))(t)
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    np.testing.assert_allclose(out, values, rtol=1e-14)
    # each entry equals the scalar schedule built from that entry alone
    for i, v in enumerate((0.1, 0.4)):
        assert out[i] == pytest.approx(make(v)(t), rel=1e-15)


def test_linear_and_cosine_end_exactly_at_v_min():
    # Rounding must not take a decayed value below v_min: hi - (hi - lo) * 1 is
    # 0.04999999999999999 for (0.5, 0.05), and tied() then gives a *negative* rho for
    # rho_min = 0 (-3e-18), which the optimizers' rho >= 0 check never sees (it only
    # looks at t = 0).
    for hi, lo in ((0.5, 0.05), (0.3, 0.1), (1.0, 0.01), (0.7, 0.1)):
        for make in (S.linear, S.cosine):
            sched = make(hi, lo, horizon=50)
            assert sched(50) == lo and sched(80) == lo, (make.__name__, hi, lo, sched(50))
            assert sched(0) == hi
    rho = S.tied(S.linear(0.5, 0.05, 50), 0.1, 0.0)
    assert min(rho(t) for t in range(100)) >= 0.0


def test_cosine_with_per_run_v_min_interpolates_per_run():
    sched = S.cosine(np.array([1.0, 2.0]), np.array([0.0, 1.0]), horizon=2)
    np.testing.assert_allclose(sched(1), [0.5, 1.5], rtol=1e-15)


# --------------------------------------------------------------------------------------------
# bounds and tied
# --------------------------------------------------------------------------------------------


BOUNDED = {
    "constant": lambda: S.constant(0.3),
    "inverse_power": lambda: S.inverse_power(2.0, 0.7, 3.0),
    "cosine": lambda: S.cosine(1.0, 0.01, 50),
    "linear": lambda: S.linear(0.5, 0.05, 50),
    "step": lambda: S.step(1.0, 0.5, 7),
    "geometric_batch": lambda: S.geometric_batch(4, 3, 10, b_max=200),
}


@pytest.mark.parametrize("make", BOUNDED.values(), ids=BOUNDED.keys())
def test_bounds_contain_every_value_and_are_reached(make):
    sched = make()
    lo, hi = sched.bounds
    vals = np.array([sched(t) for t in range(0, 120)], dtype=float)
    assert np.all(vals >= lo) and np.all(vals <= hi)
    assert vals.max() == pytest.approx(hi, rel=1e-15)     # every one starts at its max
    assert lo <= vals.min()


def test_tied_gives_rho_max_at_lr_max_and_rho_min_at_lr_min():
    lr = S.cosine(1.0, 0.01, horizon=100)
    rho = S.tied(lr, 0.1, 0.02)
    assert rho(0) == pytest.approx(0.1, rel=1e-14)
    assert rho(100) == pytest.approx(0.02, rel=1e-14)
    # halfway: lr = 0.505, so rho = 0.02 + 0.08 (0.505 - 0.01)/0.99 = 0.06
    assert rho(50) == pytest.approx(0.06, rel=1e-13)
    assert rho.bounds == (0.02, 0.1)


def test_tied_follows_a_linear_schedule_linearly_and_accepts_explicit_bounds():
    lr = S.linear(2.0, 0.0, horizon=10)
    rho = S.tied(lr, 0.5, 0.1)
    assert [rho(t) for t in (0, 5, 10)] == pytest.approx([0.5, 0.3, 0.1], rel=1e-14)
    explicit = S.tied(lambda t: 1.0 / (t + 1), 0.4, 0.0, lr_max=1.0, lr_min=0.25)
    assert explicit(0) == pytest.approx(0.4, rel=1e-15)
    assert explicit(3) == pytest.approx(0.0, abs=1e-16)
    assert explicit(1) == pytest.approx(0.4 * (0.5 - 0.25) / 0.75, rel=1e-14)


def test_tied_to_a_constant_lr_is_rho_max():
    rho = S.tied(S.constant(0.05), 0.2)
    assert rho(0) == rho(1000) == 0.2
    with pytest.raises(ValueError, match="rho_min"):
        S.tied(S.constant(0.05), 0.2, 0.1)


def test_tied_refuses_unknown_or_inverted_or_per_run_lr_bounds():
    with pytest.raises(ValueError, match="lr_max"):
        S.tied(lambda t: 0.1, 0.2, 0.1)                  # a bare callable has no bounds
    with pytest.raises(ValueError, match="lr_max"):
        S.tied(S.constant(0.1), 0.2, 0.1, lr_max=0.1, lr_min=0.5)
    with pytest.raises(ValueError, match="per-run"):
        S.tied(S.cosine(np.array([1.0, 2.0]), 0.0, 10), 0.2, 0.1)


def test_as_schedule_wraps_floats_arrays_and_callables():
    assert S.as_schedule(0.3)(7) == 0.3
    np.testing.assert_array_equal(S.as_schedule(np.array([1.0, 2.0]))(7), [1.0, 2.0])
    sq = S.as_schedule(lambda t: t * t)
    assert isinstance(sq, S.Schedule) and sq(4) == 16
    c = S.cosine(1.0, 0.0, 3)
    assert S.as_schedule(c) is c


# --------------------------------------------------------------------------------------------
# invalid parameters raise, naming the argument
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "word"),
    [
        (lambda: S.constant(-1.0), "value"),
        (lambda: S.constant(np.nan), "value"),
        (lambda: S.constant(np.array([0.1, -0.2])), "value"),
        (lambda: S.constant(np.array([0.1, np.nan])), "value"),
        (lambda: S.constant(np.ones((2, 2))), "value"),
        (lambda: S.inverse_power(-1.0), "value"),
        (lambda: S.inverse_power(1.0, power=-0.5), "power"),
        (lambda: S.inverse_power(1.0, power=np.nan), "power"),
        (lambda: S.inverse_power(1.0, offset=0.0), "offset"),
        (lambda: S.cosine(-1.0), "v_max"),
        (lambda: S.cosine(1.0, v_min=np.nan), "v_min"),
        (lambda: S.cosine(1.0, 0.0, horizon=0), "horizon"),
        (lambda: S.linear(1.0, 0.0, horizon=-3), "horizon"),
        (lambda: S.linear(np.inf), "v_max"),
        (lambda: S.step(1.0, factor=0.0), "factor"),
        (lambda: S.step(1.0, factor=-2.0), "factor"),
        (lambda: S.step(1.0, every=0), "every"),
        (lambda: S.geometric_batch(0), "b0"),
        (lambda: S.geometric_batch(4, factor=0), "factor"),
        (lambda: S.geometric_batch(4, every=0), "every"),
        (lambda: S.geometric_batch(4, b_max=2), "b_max"),
        (lambda: S.tied(S.cosine(1.0, 0.0, 10), rho_max=-1.0), "rho_max"),
        (lambda: S.tied(S.cosine(1.0, 0.0, 10), rho_max=np.nan), "rho_max"),
        (lambda: S.tied(S.cosine(1.0, 0.0, 10), 0.1, rho_min=0.2), "rho_min"),
    ],
)
def test_invalid_parameters_raise_naming_the_argument(make, word):
    with pytest.raises(ValueError, match=word):
        make()


@pytest.mark.parametrize(
    ("make", "word"),
    [
        (lambda: S.geometric_batch(2.5), "b0"),
        (lambda: S.cosine(1.0, 0.0, horizon=2.5), "horizon"),
        (lambda: S.constant("fast"), "value"),
    ],
)
def test_wrong_types_raise_type_error_naming_the_argument(make, word):
    with pytest.raises(TypeError, match=word):
        make()
