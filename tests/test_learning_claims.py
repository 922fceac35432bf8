"""The issue-17 claims on the diagonal linear network: flatness against test loss, batch and
lr schedules, the SA-SAM poster grid; and the statistics they use (rank correlation,
Association, an Order with a margin)."""

import numpy as np
import pytest
from scipy import stats

from convlab import claims, mutants, optimizers, problems, rates
from convlab.claims import Association, Measurement, Order
from convlab.claims import learning as L
from convlab.rates import Verdict

# --- statistics ----------------------------------------------------------------------------


def test_rank_correlation_equals_scipy_and_its_ci_covers_it():
    g = np.random.default_rng(3)
    x = g.standard_normal(150)
    y = x + g.standard_normal(150)
    r, lo, hi = rates.rank_correlation_ci(x, y, rng=1)
    assert r == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert lo < r < hi and hi - lo < 0.3
    assert rates.rank_correlation_ci(x, y, rng=1) == (r, lo, hi)         # same seed, same CI
    r2 = rates.rank_correlation_ci(x, -y, rng=1)
    assert r2[0] == pytest.approx(-r) and r2[2] < 0


@pytest.mark.parametrize("bad", [np.ones(2), np.array([1.0, np.nan, 2.0, 3.0])])
def test_rank_correlation_refuses_short_or_nonfinite_samples(bad):
    with pytest.raises(ValueError, match="rank_correlation_ci"):
        rates.rank_correlation_ci(bad, np.arange(bad.size, dtype=float))


def test_association_is_positive_only_when_the_whole_ci_is_above_zero():
    g = np.random.default_rng(0)
    x = g.random(120)
    e = Association(0.5, tol=0.5)
    assert e.evaluate(Measurement(values=np.vstack([x, x + 0.5 * g.random(120)])))[3] \
        is Verdict.MATCHES
    assert e.evaluate(Measurement(values=np.vstack([x, -x + 0.5 * g.random(120)])))[3] \
        is Verdict.BELOW
    assert e.evaluate(Measurement(values=np.vstack([x, g.random(120)])))[3] \
        is Verdict.INCONCLUSIVE
    with pytest.raises(ValueError, match=r"shape \(2, runs\)"):
        e.evaluate(Measurement(values=x))


def test_an_order_with_a_margin_needs_the_ratio_below_the_margin():
    g = np.random.default_rng(1)
    ref = 10 + g.random((1, 40))
    tight = Order(0.99, tol=1e-9)
    assert tight.evaluate(Measurement(values=0.95 * ref, bound=ref))[3] is Verdict.MATCHES
    assert tight.evaluate(Measurement(values=0.995 * ref, bound=ref))[3] is Verdict.ABOVE
    assert Order(1.0, tol=1e-9).evaluate(Measurement(values=0.995 * ref, bound=ref))[3] \
        is Verdict.MATCHES


# --- the problem's flatness ----------------------------------------------------------------

def test_trace_at_an_interpolant_is_a_weighted_l1_norm_of_beta():
    """Tr H(x*) = 4 sum_j G_jj |beta*_j| (G = X^T X / n): why flatness and sparse recovery
    (hence test loss) go together on this problem (claim hi.flatness_test_association)."""
    p = problems.diagonal_net(n=15, dim=30, sparsity=3, rng=2)
    X = p.data["X"]
    G = X.T @ X / p.n
    e = L.endpoint(p, p.x_star[None])
    want = 4.0 * np.sum(np.diag(G) * np.abs(p.beta_star))
    assert e["trace"][0] == pytest.approx(want, rel=1e-12)
    assert e["train"][0] == pytest.approx(0.0, abs=1e-25) and e["test"][0] < 1e-25
    H = p.hess(p.x_star[None])[0]
    assert e["lmax"][0] == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-12)


def test_endpoint_gives_nan_for_a_diverged_run_and_numbers_for_the_others():
    p = problems.diagonal_net(n=10, dim=20, sparsity=2, rng=0)
    x = np.vstack([p.x_star, np.full(p.dim, np.nan)])
    e = L.endpoint(p, x)
    assert np.isfinite(e["trace"][0]) and all(np.isnan(v[1]) for v in e.values())


# --- the claims ----------------------------------------------------------------------------

def test_the_association_claim_is_a_labelled_control_that_passes():
    c = claims.get("learning.hi.flatness_test_association")
    assert c.role == "control" and not c.rejects
    r = c.check("small", 0)
    assert r.passed and r.ci[0] > 0.5          # a strong association, not only r > 0


@pytest.mark.parametrize("key,mutant", [
    ("learning.sam.constant_batch_flatter", "sam.rho0"),
    ("learning.sam.constant_lr_flatter", "sam.unnormalized"),
    ("learning.sasam.grid_curvature", "sasam.rho0"),
])
def test_the_paired_flatness_claims_pass_and_reject_a_declared_mutant(key, mutant):
    c = claims.get(key)
    assert mutant in c.rejects
    r = c.check("small", 0)
    assert r.passed and r.ci[1] < 1.0
    bad = c.check("small", 0, algorithm=mutants.get(mutant).factory)
    assert not bad.passed and bad.ci[1] >= c.expect.predicted


def test_the_poster_grid_shares_starts_and_streams_across_optimizers():
    """SA-SAM with rho = 0 sees the same data, starts and mini-batches as SA-SGD: its numbers
    are SA-SGD's (the pairing that makes the grid comparison paired)."""
    sp = {**L.NET, **L.GRID, "T": 200, "seeds": 2, "lrs": [0.01, 0.05], "wds": [0.0, 1e-2],
          "under_test": "sasam"}
    m = L.poster_grid(sp, 7, mutants.get("sasam.rho0").factory)
    f = m.frame
    a = f[f.optimizer == "sasam"]["trace"].to_numpy()
    b = f[f.optimizer == "sasgd"]["trace"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12)
    m2 = L.poster_grid(sp, 7, optimizers.sasam)
    assert not np.allclose(m2.frame[m2.frame.optimizer == "sasam"]["trace"], b)
