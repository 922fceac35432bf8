"""Tests for convlab.streams (per-run random streams) and their use by oracles and run.

The generator is checked bit for bit against Random123's published known answers; the
mappings (uniforms, normals, integers, binomial counts, permutations) by moments,
Kolmogorov-Smirnov and chi-square tests with fixed seeds. As in test_oracles.py a z-score
bound of 5 is used (a correct generator fails one such check with probability ~6e-7)
and p-values must exceed 1e-4; a wrong mapping (a uniform passed off as a normal, a
biased index) fails them for sure at the sample sizes used.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from convlab import Trace, oracles, problems, run
from convlab.optimizers import sam, sgd
from convlab.problems import Problem
from convlab.streams import PerRunStreams, binomial_cdf_table, philox4x32, to_normal

Z = 5.0
P_MIN = 1e-4

# Random123 tests/kat_vectors, "philox4x32" lines: rounds, counter (4 words), key (2 words),
# expected output (4 words).
KAT = [
    (7, (0, 0, 0, 0), (0, 0), (0x5F6FB709, 0x0D893F64, 0x4F121F81, 0x4F730A48)),
    (7, (0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x5207DDC2, 0x45165E59, 0x4D8EE751, 0x8C52F662)),
    (7, (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0x4DFCCABA, 0x190A87F0, 0xC47362BA, 0xB6B5242A)),
    (10, (0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (10, (0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (10, (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]

DRAWS = {
    "random": lambda s, size: s.random(size),
    "standard_normal": lambda s, size: s.standard_normal(size),
    "integers": lambda s, size: s.integers(0, 7, size),
    "binomial_half": lambda s, size: s.binomial(3, 0.5, size),
    "binomial_skew": lambda s, size: s.binomial(5, 0.8, size),
}


def words64(out) -> np.ndarray:
    """Two 64-bit words (w0 w1, w2 w3) from the four 32-bit words of a Philox block."""
    x0, x1, x2, x3 = (np.asarray(w, dtype=np.uint64) for w in out)
    return np.stack([(x0 << np.uint64(32)) | x1, (x2 << np.uint64(32)) | x3], axis=-1)


def diagonal_finite_sum(n: int = 12, dim: int = 3, seed: int = 4) -> Problem:
    r"""Finite sum :math:`f_i(x) = \frac12\sum_d a_{id}(x_d - c_{id})^2` computed without BLAS.

    Every run's arithmetic is elementwise (or a per-row reduction), so chunks of runs give
    bit-for-bit the numbers of one array; with a ``x @ H`` gradient (least squares) BLAS
    picks another kernel for a 1-row chunk and the metrics move by an ulp.
    """
    g = np.random.default_rng(seed)
    a, c = g.uniform(0.5, 3.0, (n, dim)), g.standard_normal((n, dim))
    abar, ac, acc = a.mean(axis=0), (a * c).mean(axis=0), 0.5 * np.sum((a * c * c).mean(axis=0))

    def f(x):
        return 0.5 * np.einsum("rd,d,rd->r", x, abar, x) - np.einsum("rd,d->r", x, ac) + acc

    def grad(x):
        return x * abar - ac

    def grad_i(x, idx):
        return (a[idx] * (x[:, None, :] - c[idx])).mean(axis=1)

    xs = ac / abar
    return Problem("diagonal_finite_sum", dim, f, grad,
                   lambda x: np.broadcast_to(np.diag(abar), (len(x), dim, dim)),
                   lambda x, v: v * abar, L=float(abar.max()), mu=float(abar.min()),
                   lower=float(abar.min()), f_star=float(f(xs[None])[0]), x_star=xs,
                   n=n, grad_i=grad_i, L_max=float(a.max()), convex=True)


# --------------------------------------------------------------------------------------------
# the counter-based generator
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rounds", "ctr", "key", "want"), KAT)
def test_philox4x32_matches_the_random123_known_answers(rounds, ctr, key, want):
    got = philox4x32(ctr, key, rounds)
    assert [int(w) for w in got] == list(want)


def test_philox4x32_vectorized_equals_one_block_at_a_time():
    g = np.random.default_rng(0)
    ctr = [g.integers(0, 2**32, (6, 1), dtype=np.uint64), g.integers(0, 2**32, (1, 5),
                                                                      dtype=np.uint64),
           np.uint64(7), g.integers(0, 2**32, (6, 5), dtype=np.uint64)]
    key = (0xDEADBEEF, 0x01234567)
    got = np.stack(philox4x32(ctr, key), axis=-1)
    assert got.shape == (6, 5, 4)
    full = np.broadcast_arrays(*[np.asarray(c, dtype=np.uint64) for c in ctr])
    for i in range(6):
        for j in range(5):
            one = philox4x32(tuple(int(w[i, j]) for w in full), key)
            assert [int(w) for w in one] == [int(w) for w in got[i, j]]


def test_words_follow_the_documented_counter_layout():
    # element e of row r in draw k: block e // 2 of counter (e // 2, run_id, k lo, k hi),
    # first or second 64-bit half
    s = PerRunStreams(5, run_ids=[3, 9, 2**32 - 1])
    for k in range(2):
        w = s.words((3, 5))
        for r, rid in enumerate([3, 9, 2**32 - 1]):
            for e in range(5):
                ref = words64(philox4x32((e // 2, rid, k, 0), s.key))[e % 2]
                assert int(w[r, e]) == int(ref)
    assert s.draws == 2
    s._cell[0] = 2**32 + 5                    # the draw index's high word (private counter)
    w = s.words((3, 1))
    ref = words64(philox4x32((0, 9, 5, 1), s.key))[0]
    assert int(w[1, 0]) == int(ref)


def test_the_key_comes_from_the_seed_sequence():
    s = PerRunStreams(11)
    assert s.key == tuple(int(w) for w in np.random.SeedSequence(11).generate_state(2, np.uint32))
    child = np.random.SeedSequence(11).spawn(2)[1]
    assert PerRunStreams(child).key == tuple(int(w) for w in child.generate_state(2, np.uint32))
    assert PerRunStreams(child).key != s.key


# --------------------------------------------------------------------------------------------
# a run's numbers do not depend on the other runs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(DRAWS))
def test_rows_of_a_draw_do_not_depend_on_the_other_rows(kind):
    draw = DRAWS[kind]
    whole, part, first = PerRunStreams(7), PerRunStreams(7).subset(slice(5, 12)), \
        PerRunStreams(7).subset([0])
    for size in [(12, 4), (12, 2, 3), (12, 1)]:              # three consecutive draws
        a = draw(whole, size)
        assert a.shape == size
        np.testing.assert_array_equal(draw(part, (7, *size[1:])), a[5:])
        np.testing.assert_array_equal(draw(first, (1, *size[1:])), a[:1])
    assert len(np.unique(a)) > 1


def test_explicit_run_ids_equal_subsets_and_repeated_ids_repeat_the_numbers():
    a = PerRunStreams(3, run_ids=[4, 1, 1]).standard_normal((3, 6))
    b = PerRunStreams(3).standard_normal((5, 6))
    np.testing.assert_array_equal(a, b[[4, 1, 1]])
    np.testing.assert_array_equal(PerRunStreams(3).subset(np.array([4, 1, 1])).standard_normal(
        (3, 6)), a)
    mask = np.array([False, True, False, True, False])
    np.testing.assert_array_equal(PerRunStreams(3).subset(mask).standard_normal((2, 6)),
                                  b[mask])
    np.testing.assert_array_equal(a[1], a[2])            # common random numbers


def test_draws_advance_subset_copies_the_position_and_view_shares_it():
    s = PerRunStreams(2)
    first, second = s.random((4, 3)), s.random((4, 3))
    assert s.draws == 2 and not np.any(first == second)
    np.testing.assert_array_equal(PerRunStreams(2).random((4, 3)), first)   # same seed
    copy = s.subset(slice(1, 3))
    view = s.view(slice(1, 3), 4)
    third = copy.random((2, 3))                          # draw 2 of runs 1 and 2
    assert s.draws == 2 and copy.draws == 3            # the copy does not advance s
    np.testing.assert_array_equal(view.random((2, 3)), third)   # the view draws draw 2 too
    assert s.draws == 3                                # ... and advances s
    np.testing.assert_array_equal(third, _nth_draw(2, [1, 2], 2, (2, 3)))
    np.testing.assert_array_equal(s.random((4, 3))[1:3], _nth_draw(2, [1, 2], 3, (2, 3)))


def _nth_draw(seed, ids, k, size):
    """Draw number ``k`` (0-based) of a fresh stream for run ``ids``."""
    s = PerRunStreams(seed, run_ids=ids)
    for _ in range(k):
        s.random(size)
    return s.random(size)


def test_streams_pickle_with_their_position_for_other_processes():
    import pickle

    s = PerRunStreams(9, run_ids=[5, 6])
    s.random((2, 3))
    back = pickle.loads(pickle.dumps(s))
    assert back.draws == 1 and back.key == s.key
    np.testing.assert_array_equal(back.random((2, 3)), s.random((2, 3)))


def test_different_seeds_and_spawned_children_give_different_numbers():
    base = PerRunStreams(1).standard_normal((3, 50))
    assert not np.any(base == PerRunStreams(2).standard_normal((3, 50)))
    kids = np.random.SeedSequence(1).spawn(2)
    x, y = (PerRunStreams(k).standard_normal((3, 50)) for k in kids)
    assert not np.any(x == y) and not np.any(x == base)


# --------------------------------------------------------------------------------------------
# statistical quality of the mappings
# --------------------------------------------------------------------------------------------


def test_uniforms_have_53_bits_and_are_uniform():
    u = PerRunStreams(10).random((400, 500)).ravel()
    assert u.min() >= 0.0 and u.max() < 1.0
    scaled = u * 2.0**53
    np.testing.assert_array_equal(scaled, np.floor(scaled))       # multiples of 2^-53
    assert np.unique(u).size == u.size                           # 2e5 values, no ties
    assert stats.kstest(u, "uniform").pvalue > P_MIN
    # the low bits are random too: the lowest of the 53 bits is 1 half the time
    low = (scaled.astype(np.int64) & 1).mean()
    assert abs(low - 0.5) < Z * 0.5 / np.sqrt(u.size)


def test_normals_have_the_standard_normal_law():
    z = PerRunStreams(11).standard_normal((500, 400)).ravel()
    n = z.size
    assert abs(z.mean()) < Z / np.sqrt(n)
    assert abs(z.var() - 1.0) < Z * np.sqrt(2.0 / n)
    assert abs(stats.skew(z)) < Z * np.sqrt(6.0 / n)
    assert abs(stats.kurtosis(z)) < Z * np.sqrt(24.0 / n)
    assert stats.kstest(z, "norm").pvalue > P_MIN
    tail = np.mean(np.abs(z) > 3.0)
    q = 2 * stats.norm.sf(3.0)
    assert abs(tail - q) < Z * np.sqrt(q * (1 - q) / n)
    assert abs(np.mean(z > 0) - 0.5) < Z * 0.5 / np.sqrt(n)


def test_normal_mapping_is_symmetric_and_finite_at_the_extreme_words():
    w = np.array([0, 2**11 - 1, 2**63 - 1, 2**63, 2**64 - 1, 2**62], dtype=np.uint64)
    z = to_normal(w)
    assert np.all(np.isfinite(z))
    zmax = -special.ndtri(2.0**-54)
    np.testing.assert_allclose(z[:2], -zmax, rtol=1e-14)           # smallest magnitude bits
    np.testing.assert_allclose(z[3], zmax, rtol=1e-14)             # sign bit set
    assert z[2] == pytest.approx(0.0, abs=1e-15) and z[4] == pytest.approx(0.0, abs=1e-15)
    assert z[5] == pytest.approx(special.ndtri(0.25), rel=1e-12)
    assert 8.2 < zmax < 8.3


@pytest.mark.parametrize("n", [7, 12, 1000])
def test_integers_are_uniform_on_the_range(n):
    k = PerRunStreams(12).integers(0, n, (300, 200)).ravel()
    assert k.dtype == np.int64 and k.min() >= 0 and k.max() < n
    counts = np.bincount(k, minlength=n)
    assert stats.chisquare(counts).pvalue > P_MIN


@pytest.mark.parametrize(("n", "p"), [(1, 0.5), (4, 0.5), (7, 0.8), (30, 0.1)])
def test_binomial_counts_follow_the_binomial_law(n, p):
    k = PerRunStreams(13).binomial(n, p, (400, 250)).ravel()
    assert k.min() >= 0 and k.max() <= n
    pmf = stats.binom.pmf(np.arange(n + 1), n, p)
    counts = np.bincount(k, minlength=n + 1)
    keep = pmf * k.size >= 5                                      # chi-square validity
    expected = np.append(pmf[keep], pmf[~keep].sum()) * k.size
    observed = np.append(counts[keep], counts[~keep].sum())
    if expected[-1] == 0:
        expected, observed = expected[:-1], observed[:-1]
    expected *= observed.sum() / expected.sum()
    assert stats.chisquare(observed, expected).pvalue > P_MIN
    assert abs(k.mean() - n * p) < Z * np.sqrt(n * p * (1 - p) / k.size)


def test_binomial_edge_probabilities_and_the_cdf_table():
    s = PerRunStreams(0)
    np.testing.assert_array_equal(s.binomial(5, 0.0, (3, 4)), 0)
    np.testing.assert_array_equal(s.binomial(5, 1.0, (3, 4)), 5)
    np.testing.assert_array_equal(s.binomial(0, 0.3, (3, 4)), 0)
    table = binomial_cdf_table(6, 0.3)
    np.testing.assert_allclose(table, stats.binom.cdf(np.arange(6), 6, 0.3), rtol=1e-13)
    assert not table.flags.writeable


def test_runs_elements_and_draws_are_uncorrelated():
    s = PerRunStreams(14)
    a, b = s.standard_normal((100, 4000)), s.standard_normal((100, 4000))
    m = a.shape[1]
    r = np.corrcoef(a)                                   # 100 runs x 100 runs
    off = r[~np.eye(100, dtype=bool)]
    # 4950 pairs: max |r| sqrt(m) under 6 fails with probability ~1e-5 for independent rows
    assert np.max(np.abs(off)) * np.sqrt(m) < 6.0
    adjacent = np.diag(r, 1)                             # runs i and i+1 (adjacent counters)
    assert abs(adjacent.mean()) * np.sqrt(m * adjacent.size) < Z
    # draw k against draw k+1 of the same (run, element), and element e against e+1
    assert abs(np.mean(a * b)) * np.sqrt(a.size) < Z
    assert abs(np.mean(a[:, ::2] * a[:, 1::2])) * np.sqrt(a.size / 2) < Z


def test_minibatches_without_replacement_are_uniform_subsets_and_permutations(lsq):
    # n = 12, b = 2: all 66 pairs equally likely; b = n: the order is a uniform permutation
    runs = 20000
    data = oracles.minibatch(lsq, 2).sample(PerRunStreams(15), runs).data
    assert np.all(data[:, 0] != data[:, 1])
    pair = np.sort(data, axis=1) @ np.array([lsq.n, 1])
    counts = np.bincount(pair, minlength=lsq.n**2)
    lower = np.tril_indices(lsq.n, -1)
    counts = counts.reshape(lsq.n, lsq.n)[lower[1], lower[0]]      # pairs i < j
    assert counts.size == 66 and counts.sum() == runs
    assert stats.chisquare(counts).pvalue > P_MIN
    perm = oracles.minibatch(lsq, lsq.n).sample(PerRunStreams(16), 5000).data
    np.testing.assert_array_equal(np.sort(perm, axis=1), np.tile(np.arange(lsq.n), (5000, 1)))
    first = np.bincount(perm[:, 0], minlength=lsq.n)
    assert stats.chisquare(first).pvalue > P_MIN
    with_repl = oracles.minibatch(lsq, 5, replace=True).sample(PerRunStreams(17), 4000).data
    assert stats.chisquare(np.bincount(with_repl.ravel(), minlength=lsq.n)).pvalue > P_MIN


@pytest.mark.parametrize("name", ["gaussian", "rademacher", "two_point"])
def test_additive_noise_with_per_run_streams_has_the_stated_moments(name):
    p = problems.quadratic([1.0, 2.0, 5.0])
    b = 3
    oracle = {"gaussian": lambda: oracles.gaussian(p, 0.7, b),
              "rademacher": lambda: oracles.rademacher(p, 0.7, b),
              "two_point": lambda: oracles.two_point(p, 0.3, 0.8, b)}[name]()
    n = 40_000
    x = np.zeros((n, 3))
    noise = oracle.bind(oracle.sample(PerRunStreams(18), n))(x) - p.grad(x)
    var_c = oracle.per_coordinate_var / b
    assert np.all(np.abs(noise.mean(axis=0)) < Z * np.sqrt(var_c / n))
    sq = np.einsum("nd,nd->n", noise, noise)
    assert abs(sq.mean() - oracle.variance(x[:1])[0]) < Z * sq.std() / np.sqrt(n)


# --------------------------------------------------------------------------------------------
# oracles and run with per-run streams
# --------------------------------------------------------------------------------------------

QUAD = problems.quadratic([1.0, 3.0, 10.0], center=[0.5, -0.5, 1.0])
FSUM = diagonal_finite_sum()
ORACLES = {
    "gaussian": lambda: oracles.gaussian(QUAD, 0.5, batch_size=2),
    "rademacher": lambda: oracles.rademacher(QUAD, 0.5, batch_size=3),
    "two_point": lambda: oracles.two_point(QUAD, 0.3, 0.8),
    "minibatch": lambda: oracles.minibatch(FSUM, 4),
    "minibatch_replace": lambda: oracles.minibatch(FSUM, 4, replace=True),
}
OPTS = {
    "sgd": lambda: sgd(0.05),
    "sam_same": lambda: sam(0.05, 0.1),
    "sam_independent": lambda: sam(0.05, 0.1, ascent="independent"),
}
METRICS = ["f_gap", "grad_sq", "dist_sq", "avg_grad_sq", "min_grad_sq"]


def assert_traces_equal(a, b) -> None:
    np.testing.assert_array_equal(a.t, b.t)
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k])   # NaN == NaN here
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.diverged, b.diverged)
    np.testing.assert_array_equal(a.diverged_at, b.diverged_at)


def concat(traces) -> Trace:
    """The traces of consecutive chunks of runs, joined along the runs axis."""
    return Trace(traces[0].t,
                 {k: np.hstack([tr.metrics[k] for tr in traces]) for k in traces[0].metrics},
                 np.vstack([tr.x for tr in traces]),
                 np.concatenate([tr.diverged for tr in traces]),
                 np.concatenate([tr.diverged_at for tr in traces]))


def row(tr, i: int) -> Trace:
    """Run ``i`` of a trace, as a one-run trace."""
    return Trace(tr.t, {k: v[:, i : i + 1] for k, v in tr.metrics.items()}, tr.x[i : i + 1],
                 tr.diverged[i : i + 1], tr.diverged_at[i : i + 1])


@pytest.mark.parametrize("chunks", [(5, 7), (1, 11)], ids=["5+7", "1+11"])
@pytest.mark.parametrize("opt_name", sorted(OPTS))
@pytest.mark.parametrize("oracle_name", sorted(ORACLES))
def test_chunks_of_runs_give_bitwise_identical_traces(oracle_name, opt_name, chunks):
    oracle = ORACLES[oracle_name]()
    p = oracle.problem
    scales = np.geomspace(0.1, 10.0, 12)[:, None]          # runs start at different scales
    x0 = np.random.default_rng(19).standard_normal((12, p.dim)) * scales
    kw = dict(oracle=oracle, record_at=range(0, 61, 3), metrics=METRICS)
    whole = run(p, OPTS[opt_name](), x0, 60, rng=PerRunStreams(20), **kw)
    parts, start = [], 0
    for size in chunks:
        rows = slice(start, start + size)
        parts.append(run(p, OPTS[opt_name](), x0[rows], 60, rng=PerRunStreams(20).subset(rows),
                         **kw))
        start += size
    assert_traces_equal(whole, concat(parts))
    # the same with run_ids given at construction
    alone = run(p, OPTS[opt_name](), x0[7:8], 60, rng=PerRunStreams(20, run_ids=[7]), **kw)
    assert_traces_equal(alone, row(whole, 7))
    # the noise really is there: another seed moves every run
    other = run(p, OPTS[opt_name](), x0, 60, rng=PerRunStreams(21), **kw)
    assert not np.any(np.all(other.x == whole.x, axis=1))


def test_a_diverging_run_is_flagged_identically_in_chunks():
    p = QUAD
    lrs = np.array([0.05, 0.5, 0.05, 0.05])     # |1 - 0.5 x 10| = 4 per step: diverges
    oracle = oracles.gaussian(p, 0.5)
    kw = dict(oracle=oracle, record_at=range(0, 301, 10), metrics=METRICS)
    whole = run(p, sgd(lrs), np.ones(3), 300, runs=4, rng=PerRunStreams(22), **kw)
    assert whole.diverged.tolist() == [False, True, False, False]
    parts = [run(p, sgd(lrs[:2]), np.ones(3), 300, runs=2, rng=PerRunStreams(22).subset(
        slice(0, 2)), **kw),
             run(p, sgd(lrs[2:]), np.ones(3), 300, runs=2, rng=PerRunStreams(22).subset(
                 slice(2, 4)), **kw)]
    assert_traces_equal(whole, concat(parts))


def test_the_same_streams_object_continues_and_a_new_one_repeats():
    oracle = ORACLES["gaussian"]()
    s = PerRunStreams(23)
    a = run(QUAD, sgd(0.05), np.ones(3), 20, oracle, rng=s, runs=3)
    assert s.draws == 20                                # one draw per step
    b = run(QUAD, sgd(0.05), np.ones(3), 20, oracle, rng=s, runs=3)
    c = run(QUAD, sgd(0.05), np.ones(3), 20, oracle, rng=PerRunStreams(23), runs=3)
    assert not np.any(a.x == b.x)
    np.testing.assert_array_equal(a.x, c.x)
    s2 = PerRunStreams(23)
    run(QUAD, sam(0.05, 0.1, ascent="independent"), np.ones(3), 20, oracle, rng=s2, runs=3)
    assert s2.draws == 40                               # fresh() is one more draw per step
    s3 = PerRunStreams(23)
    run(QUAD, sgd(0.05), np.ones(3), 20, rng=s3, runs=3)
    assert s3.draws == 0                                # the exact oracle draws nothing


def test_fresh_draws_the_next_per_run_sample_and_take_keeps_the_rows(lsq):
    oracle = oracles.minibatch(lsq, 3)
    s = PerRunStreams(24)
    g = oracle.bind(oracle.sample(s, 6, t=2))
    part = oracle.bind(g.sample.take([4, 1]))
    h = g.fresh()
    assert h.sample.rng is s and h.sample.t == 2 and h.sample.batch_size == 3
    assert not np.array_equal(h.sample.data, g.sample.data)
    twin = PerRunStreams(24)
    draws = [oracle.sample(twin, 6).data for _ in range(3)]
    np.testing.assert_array_equal(g.sample.data, draws[0])
    np.testing.assert_array_equal(h.sample.data, draws[1])      # fresh(): the next draw
    # the taken rows keep their streams and share the counter: their fresh draw is draw 2
    # of the whole array restricted to them
    np.testing.assert_array_equal(part.sample.data, draws[0][[4, 1]])
    np.testing.assert_array_equal(part.fresh().sample.data, draws[2][[4, 1]])


@pytest.mark.parametrize("name", ["gaussian", "rademacher", "two_point", "minibatch",
                                  "minibatch_replace"])
def test_the_default_generator_path_draws_exactly_numpys_numbers(name, lsq):
    # pins the default path: the oracle calls the Generator as before per-run streams
    # existed, so old seeds give old numbers
    b, runs = 3, 5
    oracle = {"gaussian": lambda: oracles.gaussian(lsq, 0.7, b),
              "rademacher": lambda: oracles.rademacher(lsq, 0.7, b),
              "two_point": lambda: oracles.two_point(lsq, 0.3, 0.8, b),
              "minibatch": lambda: oracles.minibatch(lsq, b),
              "minibatch_replace": lambda: oracles.minibatch(lsq, b, replace=True)}[name]()
    data = oracle.sample(np.random.default_rng(25), runs).data
    g, d = np.random.default_rng(25), lsq.dim
    if name == "gaussian":
        want = g.standard_normal((runs, d)) * (0.7 / np.sqrt(b))
    elif name == "rademacher":
        want = (2.0 * g.binomial(b, 0.5, size=(runs, d)) - b) * (0.7 / b)
    elif name == "two_point":
        k = g.binomial(b, 0.8, size=(runs, d))
        want = (k * 0.3 - (b - k) * (0.8 * 0.3 / (1.0 - 0.8))) / b
    elif name == "minibatch":
        want = np.argpartition(g.random((runs, lsq.n)), b - 1, axis=1)[:, :b]
    else:
        want = g.integers(0, lsq.n, size=(runs, b))
    np.testing.assert_array_equal(data, want)


def test_meta_records_the_per_run_mode():
    oracle = ORACLES["gaussian"]()
    tr = run(QUAD, sgd(0.05), np.ones(3), 5, oracle, rng=PerRunStreams(26), runs=2)
    assert tr.meta["rng"] == "per_run" and tr.meta["seed"] == 26
    spawned = run(QUAD, sgd(0.05), np.ones(3), 5, oracle,
                  rng=PerRunStreams(np.random.SeedSequence(26).spawn(1)[0]), runs=2)
    assert spawned.meta["seed"] is None
    default = run(QUAD, sgd(0.05), np.ones(3), 5, oracle, rng=26, runs=2)
    assert "rng" not in default.meta and default.meta["seed"] == 26
    assert "rng" in tr.to_frame().columns


@pytest.mark.parametrize(
    ("make", "exc", "word"),
    [
        (lambda: PerRunStreams(1.5), TypeError, "seed"),
        (lambda: PerRunStreams(-3), ValueError, "seed"),
        (lambda: PerRunStreams(np.random.default_rng(0)), TypeError, "seed"),
        (lambda: PerRunStreams(0, run_ids=[-1, 2]), ValueError, "run_ids"),
        (lambda: PerRunStreams(0, run_ids=[0, 2**32]), ValueError, "run_ids"),
        (lambda: PerRunStreams(0, run_ids=[0.5, 1.0]), TypeError, "run_ids"),
        (lambda: PerRunStreams(0, run_ids=[[0, 1]]), ValueError, "run_ids"),
        (lambda: PerRunStreams(0, run_ids=[0, 1]).random((3, 2)), ValueError, "run_ids"),
        (lambda: PerRunStreams(0).subset(slice(2, None)), ValueError, "slice"),
        (lambda: PerRunStreams(0).integers(3, 3, (2, 2)), ValueError, "high"),
        (lambda: PerRunStreams(0).binomial(2.5, 0.5, (2, 2)), ValueError, "n must"),
        (lambda: PerRunStreams(0).binomial(2, 1.5, (2, 2)), ValueError, "p must"),
        (lambda: PerRunStreams(0).random(()), ValueError, "size"),
        (lambda: run(QUAD, sgd(0.1), np.ones((3, 3)), 2, ORACLES["gaussian"](),
                     rng=PerRunStreams(0, run_ids=[0, 1])), ValueError, "run_ids"),
    ],
)
def test_bad_stream_arguments_raise_naming_the_argument(make, exc, word):
    with pytest.raises(exc, match=word):
        make()
