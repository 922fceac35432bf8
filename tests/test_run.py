"""Tests for convlab.run and convlab.Trace: reproducibility, divergence, records, metrics,
tidy frames, persistence and argument checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from convlab import Trace, oracles, problems, run
from convlab.optimizers import REGISTRY, adgd, sam, sgd
from convlab.problems import Problem
from convlab.run import METRICS, default_record_at


@pytest.fixture
def quad() -> Problem:
    return problems.quadratic([1.0, 10.0], center=[0.5, -0.5])


def unroll_exact(opt, p, x0, n):
    """Iterates x_0..x_n and states of opt with exact gradients, by explicit stepping."""
    oracle = oracles.exact(p)
    state = opt.init(x0)
    xs, states = [state.x], [state]
    for t in range(n):
        state = opt.step(state, oracle.bind(oracle.sample(None, len(x0), t)), t)
        xs.append(state.x)
        states.append(state)
    return xs, states


def assert_traces_equal(a: Trace, b: Trace) -> None:
    np.testing.assert_array_equal(a.t, b.t)
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k])   # NaN == NaN here
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.diverged, b.diverged)
    np.testing.assert_array_equal(a.diverged_at, b.diverged_at)


# --------------------------------------------------------------------------------------------
# reproducibility
# --------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_traces(quad):
    oracle = oracles.gaussian(quad, sigma=0.3)
    kw = dict(oracle=oracle, metrics=["f_gap", "grad_sq", "avg_grad_sq"])
    a = run(quad, sam(0.05, 0.05), np.ones(2), 200, rng=7, runs=4, **kw)
    b = run(quad, sam(0.05, 0.05), np.ones(2), 200, rng=7, runs=4, **kw)
    c = run(quad, sam(0.05, 0.05), np.ones(2), 200, rng=np.random.default_rng(7), runs=4, **kw)
    assert_traces_equal(a, b)
    assert_traces_equal(a, c)           # an int seed and a Generator from it are the same
    assert a.meta["seed"] == 7 and c.meta["seed"] is None


def test_different_seeds_give_different_traces(quad):
    oracle = oracles.gaussian(quad, sigma=0.3)
    a = run(quad, sam(0.05, 0.05), np.ones(2), 50, oracle=oracle, rng=7, runs=4)
    b = run(quad, sam(0.05, 0.05), np.ones(2), 50, oracle=oracle, rng=8, runs=4)
    assert not np.any(a.x == b.x)
    assert not np.allclose(a["f_gap"][-1], b["f_gap"][-1])


def test_runs_of_one_call_see_different_noise(quad):
    tr = run(quad, sgd(0.05), np.ones(2), 30, oracle=oracles.gaussian(quad, 1.0), runs=3)
    assert len({tuple(r) for r in tr.x}) == 3


# --------------------------------------------------------------------------------------------
# divergence
# --------------------------------------------------------------------------------------------


def test_a_diverging_run_is_flagged_and_the_others_are_bitwise_unaffected(quad):
    # lr = 0.5 on curvature 10: factor |1 - 5| = 4 per step, so the run passes the blow-up
    # bound 1e150 after ~250 steps; lrs 0.05 and 0.1 converge.
    lrs = np.array([0.05, 0.5, 0.1])
    x0 = np.array([[1.0, 1.0], [1.0, 1.0], [-1.0, 2.0]])
    rec = np.arange(0, 301, 10)
    tr = run(quad, sgd(lrs), x0, 300, record_at=rec,
             metrics=["f_gap", "grad_sq", "avg_grad_sq", "dist_sq"])
    # when does it pass 1e150? the same iteration by hand
    x, t_div, last_good = x0[1].copy(), None, None
    for t in range(300):
        new = x - 0.5 * np.array([1.0, 10.0]) * (x - np.array([0.5, -0.5]))
        if np.any(np.abs(new) > 1e150):
            t_div, last_good = t + 1, x
            break
        x = new
    assert t_div is not None
    np.testing.assert_array_equal(tr.diverged, [False, True, False])
    np.testing.assert_array_equal(tr.diverged_at, [-1, t_div, -1])
    np.testing.assert_array_equal(tr.x[1], last_good)        # frozen at its last good state
    for name, values in tr.metrics.items():
        after = rec >= t_div
        assert np.all(np.isnan(values[after, 1])), name
        assert np.all(np.isfinite(values[~after & (rec > 0), 1])), name
    alone = run(quad, sgd(lrs[[0, 2]]), x0[[0, 2]], 300, record_at=rec,
                metrics=["f_gap", "grad_sq", "avg_grad_sq", "dist_sq"])
    for name in tr.metrics:
        np.testing.assert_array_equal(tr[name][:, [0, 2]], alone[name])
    np.testing.assert_array_equal(tr.x[[0, 2]], alone.x)


def test_a_non_finite_iterate_is_flagged_even_without_passing_the_bound_first():
    # Rosenbrock with lr = 1 grows like x^3 per step and overflows straight to inf/nan.
    p = problems.rosenbrock(2)
    tr = run(p, sgd(np.array([1e-4, 1.0])), np.array([[0.0, 0.0], [3.0, -2.0]]), 40)
    np.testing.assert_array_equal(tr.diverged, [False, True])
    assert 0 < tr.diverged_at[1] <= 40
    assert np.all(np.isfinite(tr.x))
    assert np.all(np.isfinite(tr["f_gap"][:, 0]))


def test_blowup_bound_is_configurable(quad):
    tr = run(quad, sgd(0.5), np.ones(2), 20, blowup=1e3, record_at=[0, 20])
    assert tr.diverged[0]
    assert 4 <= tr.diverged_at[0] <= 8          # 4^t crosses 1e3 at t = 5 (from ~1.5)
    assert np.max(np.abs(tr.x)) <= 1e3


# --------------------------------------------------------------------------------------------
# x0, records, metrics
# --------------------------------------------------------------------------------------------


def test_one_dimensional_x0_is_repeated_for_every_run(quad):
    tr = run(quad, sgd(0.05), np.array([1.0, -2.0]), 10, runs=5)
    assert tr.runs == 5 and tr.x.shape == (5, 2) and tr.meta["runs"] == 5
    np.testing.assert_array_equal(tr.x, np.tile(tr.x[0], (5, 1)))
    one = run(quad, sgd(0.05), np.array([1.0, -2.0]), 10)
    assert one.runs == 1
    np.testing.assert_array_equal(one.x[0], tr.x[0])


def test_record_at_is_respected_sorted_and_deduplicated(quad):
    tr = run(quad, sgd(0.05), np.ones(2), 10, record_at=[7, 3, 10, 3])
    np.testing.assert_array_equal(tr.t, [3, 7, 10])
    xs, _ = unroll_exact(sgd(0.05), quad, np.ones((1, 2)), 10)
    np.testing.assert_allclose(tr["f_gap"][:, 0], [quad.f(xs[t])[0] for t in (3, 7, 10)],
                               rtol=1e-14)


def test_default_record_includes_zero_and_n_steps(quad):
    for n in (0, 1, 7, 1000):
        rec = default_record_at(n)
        assert rec[0] == 0 and rec[-1] == n
        assert np.all(np.diff(rec) > 0)
    tr = run(quad, sgd(0.05), np.ones(2), 500)
    assert tr.t[0] == 0 and tr.t[-1] == 500
    assert 30 <= len(tr.t) <= 62          # "about 60" log-spaced points
    zero = run(quad, sgd(0.05), np.ones(2), 0)
    np.testing.assert_array_equal(zero.t, [0])
    np.testing.assert_array_equal(zero.x, [[1.0, 1.0]])


def test_default_metrics_are_f_gap_grad_sq_dist_sq_and_match_the_iterates(quad):
    tr = run(quad, sgd(0.05), np.array([[1.0, 2.0], [0.0, 0.0]]), 20, record_at=range(21))
    assert set(tr.metrics) == {"f_gap", "grad_sq", "dist_sq"}
    xs, _ = unroll_exact(sgd(0.05), quad, np.array([[1.0, 2.0], [0.0, 0.0]]), 20)
    for t, x in enumerate(xs):
        np.testing.assert_allclose(tr["f_gap"][t], quad.f(x) - quad.f_star, rtol=1e-14)
        g = quad.grad(x)
        np.testing.assert_allclose(tr["grad_sq"][t], np.sum(g * g, axis=1), rtol=1e-14)
        np.testing.assert_allclose(tr["dist_sq"][t], np.sum((x - quad.x_star) ** 2, axis=1),
                                   rtol=1e-14)
    np.testing.assert_array_equal(tr.final("f_gap"), tr["f_gap"][-1])


def running_reference(p, xs):
    """(1/t) sum_{s<t} |grad f(x_s)|^2 and min_{s<t}, for t = 0..T (NaN at t = 0)."""
    sq = np.array([np.sum(p.grad(x) ** 2, axis=1) for x in xs[:-1]])      # (T, runs)
    t = np.arange(1, len(xs))[:, None]
    nan = np.full((1, sq.shape[1]), np.nan)
    return (np.vstack([nan, np.cumsum(sq, axis=0) / t]),
            np.vstack([nan, np.minimum.accumulate(sq, axis=0)]))


def test_avg_grad_sq_is_the_running_average_with_the_exact_oracle(quad):
    x0 = np.array([[1.0, 2.0], [-3.0, 0.5]])
    T = 40
    tr = run(quad, sgd(0.05), x0, T, record_at=range(T + 1),
             metrics=["avg_grad_sq", "min_grad_sq"])
    # hand: x_{t+1} = x_t - 0.05 A (x_t - c), A = diag(1, 10)
    xs = [x0]
    for _ in range(T):
        xs.append(xs[-1] - 0.05 * np.array([1.0, 10.0]) * (xs[-1] - np.array([0.5, -0.5])))
    avg, low = running_reference(quad, xs)
    # sums of 40 positive terms in the same order: a few ulps
    np.testing.assert_allclose(tr["avg_grad_sq"], avg, rtol=1e-13)
    np.testing.assert_allclose(tr["min_grad_sq"], low, rtol=1e-13)


def test_avg_grad_sq_uses_exact_gradients_with_a_gaussian_oracle(quad):
    x0 = np.array([[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]])
    T, seed = 40, 11
    oracle = oracles.gaussian(quad, sigma=0.5)
    tr = run(quad, sgd(0.05), x0, T, oracle=oracle, rng=seed, record_at=range(T + 1),
             metrics=["avg_grad_sq", "f_gap"])
    # the same draws, one sample per step from one generator, and SGD written out
    gen = np.random.default_rng(seed)
    xs = [x0]
    for t in range(T):
        g = oracle.bind(oracle.sample(gen, 3, t))
        xs.append(xs[-1] - 0.05 * g(xs[-1]))
    avg, _ = running_reference(quad, xs)
    np.testing.assert_allclose(tr["avg_grad_sq"], avg, rtol=1e-13)
    np.testing.assert_allclose(tr["f_gap"][-1], quad.f(xs[-1]), rtol=1e-13)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_avg_grad_sq_is_right_for_every_optimizer_with_the_exact_oracle(name, quad):
    # run() re-uses the optimizer's own gradient at x_t when it can (exact oracle); this
    # checks that the re-use never picks a gradient taken at another point.
    x0 = np.array([[1.0, 2.0], [-3.0, 0.5]])
    tr = run(quad, REGISTRY[name](), x0, 15, record_at=range(16), metrics=["avg_grad_sq"])
    xs, _ = unroll_exact(REGISTRY[name](), quad, x0, 15)
    avg, _ = running_reference(quad, xs)
    np.testing.assert_allclose(tr["avg_grad_sq"], avg, rtol=1e-13)


def test_state_eta_is_recorded_at_every_record(quad):
    x0 = np.array([[1.0, 2.0], [-3.0, 0.5]])
    tr = run(quad, adgd(1e-2), x0, 25, record_at=range(26), metrics=["state.eta", "f_gap"])
    _, states = unroll_exact(adgd(1e-2), quad, x0, 25)
    np.testing.assert_array_equal(tr["state.eta"], np.array([s.eta[:, 0] for s in states]))
    assert len(set(tr["state.eta"][:, 0])) > 3      # it does change over the run


def test_scalar_state_fields_are_recorded_for_every_run(quad):
    # ``state.k`` (steps taken, a Python int shared by all runs) must be broadcast to runs.
    tr = run(quad, adgd(1e-2), np.ones((3, 2)), 5, record_at=range(6), metrics=["state.k"])
    np.testing.assert_array_equal(tr["state.k"], np.tile(np.arange(6.0)[:, None], (1, 3)))


def test_custom_metric_callables_are_recorded(quad):
    tr = run(quad, sgd(0.05), np.array([[1.0, 2.0], [3.0, 4.0]]), 10, record_at=[0, 10],
             metrics={"first": lambda p, s: s.x[:, 0], "f": None})
    xs, _ = unroll_exact(sgd(0.05), quad, np.array([[1.0, 2.0], [3.0, 4.0]]), 10)
    np.testing.assert_array_equal(tr["first"], np.vstack([xs[0][:, 0], xs[10][:, 0]]))
    np.testing.assert_allclose(tr["f"][1], quad.f(xs[10]), rtol=1e-15)


def test_every_named_metric_is_accepted(quad):
    tr = run(quad, sgd(0.05), np.ones(2), 5, metrics=list(METRICS))
    assert set(tr.metrics) == set(METRICS)
    np.testing.assert_allclose(tr["grad_norm"] ** 2, tr["grad_sq"], rtol=1e-14)


# --------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------


def no_x_star() -> Problem:
    return Problem("noxstar", 1, lambda x: x[:, 0] ** 2, lambda x: 2 * x,
                   lambda x: np.full((len(x), 1, 1), 2.0), lambda x, v: 2 * v, L=2.0)


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        (dict(metrics=["sharpness"]), ValueError, "metric"),
        (dict(metrics=["state.nofield"]), ValueError, "nofield"),
        (dict(x0=np.array([1.0, np.nan])), ValueError, "x0"),
        (dict(x0=np.array([1.0, np.inf])), ValueError, "x0"),
        (dict(x0=np.ones(3)), ValueError, "x0"),
        (dict(x0=np.ones((2, 3))), ValueError, "dim"),
        (dict(x0=np.ones((2, 2, 2))), ValueError, "x0"),
        (dict(x0=np.ones((0, 2))), ValueError, "x0"),
        (dict(x0=np.ones((3, 2)), runs=2), ValueError, "runs"),
        (dict(n_steps=-1), ValueError, "n_steps"),
        (dict(n_steps=2.5), TypeError, "n_steps"),
        (dict(record_at=[0, 11]), ValueError, "record_at"),
        (dict(record_at=[-1, 5]), ValueError, "record_at"),
        (dict(record_at=[]), ValueError, "record_at"),
        (dict(blowup=0.0), ValueError, "blowup"),
        (dict(oracle=oracles.exact(problems.quadratic([1.0, 2.0]))), ValueError, "oracle"),
        (dict(oracle="exact"), TypeError, "oracle"),
        (dict(opt="sgd"), TypeError, "opt"),
        (dict(problem="quadratic"), TypeError, "problem"),
    ],
)
def test_bad_run_arguments_raise_naming_the_argument(kwargs, exc, word, quad):
    args = dict(problem=quad, opt=sgd(0.05), x0=np.ones(2), n_steps=10)
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        run(**args)


def test_dist_sq_without_x_star_raises_and_is_not_a_default():
    p = no_x_star()
    tr = run(p, sgd(0.1), np.ones(1), 3)
    assert "dist_sq" not in tr.metrics
    with pytest.raises(ValueError, match="x_star"):
        run(p, sgd(0.1), np.ones(1), 3, metrics=["dist_sq"])


# --------------------------------------------------------------------------------------------
# Trace: frame, persistence, metadata, progress
# --------------------------------------------------------------------------------------------


@pytest.fixture
def trace(quad) -> Trace:
    # lr = 2 on curvature 10 diverges (factor 19 per step) before step 150
    return run(quad, sam(np.array([0.05, 0.1, 2.0]), 0.05), np.ones(2), 150, runs=3,
               record_at=[0, 5, 150],
               metrics={"f_gap": None, "grad_sq": None, "x1": lambda p, s: s.x[:, 1]})


def test_to_frame_has_one_row_per_record_and_run_with_metric_columns(trace):
    frame = trace.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 3 * 3
    assert {"t", "run", "diverged", "f_gap", "grad_sq", "x1", "optimizer"} <= set(frame)
    for i, t in enumerate(trace.t):
        for r in range(trace.runs):
            row = frame[(frame.t == t) & (frame.run == r)]
            assert len(row) == 1
            for m in trace.metrics:
                np.testing.assert_array_equal(row[m].to_numpy(), [trace[m][i, r]])
            assert bool(row.diverged.iloc[0]) == bool(trace.diverged[r])
    assert (frame.optimizer == "sam").all()


def test_save_load_round_trip_is_equal(trace, tmp_path):
    assert trace.diverged.any()         # NaN metrics and a diverged flag go through too
    path = trace.save(tmp_path / "trace")
    assert path.suffix == ".npz" and path.exists()
    back = Trace.load(path)
    assert_traces_equal(trace, back)
    assert back.meta == trace.meta
    assert back.diverged.dtype == bool
    assert np.issubdtype(back.diverged_at.dtype, np.integer)


def test_meta_records_problem_optimizer_oracle_and_sizes(quad):
    tr = run(quad, sam(np.array([0.05, 0.1]), 0.05), np.ones(2), 7, runs=2,
             oracle=oracles.gaussian(quad, 0.2, batch_size=4), rng=3)
    m = tr.meta
    assert m["problem"] == quad.name and m["optimizer"] == "sam"
    assert m["hp_lr"] == "array[2]" and m["hp_rho"] == 0.05
    assert m["oracle"] == "gaussian" and m["batch_size"] == 4 and m["sigma"] == 0.2
    assert (m["n_steps"], m["runs"], m["dim"], m["seed"]) == (7, 2, 2, 3)


def test_progress_false_is_quiet(quad, capsys):
    run(quad, sgd(0.05), np.ones(2), 3000, progress=False, record_at=[0, 3000])
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_true_draws_a_bar_on_stderr(quad, capsys):
    run(quad, sgd(0.05), np.ones(2), 400, progress=True, record_at=[0, 400])
    out, err = capsys.readouterr()
    assert out == ""
    assert "step" in err          # tqdm's unit, shown in the bar
