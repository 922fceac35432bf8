"""Tightness rows of the rate-bound claims outside upper_bounds (issue 15): every Bound claim
that bounds a rate has a row, each row's theorem bound is the quantity the claim compares
against (same units), and searched >= typical, searched <= bound (or flagged)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convlab import claims, tightness
from convlab.claims import malitsky_mishchenko_2020 as mm
from convlab.claims import si_yun_2023 as sy
from convlab.claims import sun_2023_adasam as sun
from convlab.claims import zhuang_2022 as zh
from convlab.claims.base import Bound

NEW = {"si_yun_2023.sam.stochastic_upper_bound": sy.UB_TIGHT,
       "malitsky_mishchenko_2020.adgd.ergodic_rate": mm.ERGODIC_TIGHT,
       "zhuang_2022.gsam.rate": zh.RATE_TIGHT,
       "sun_2023_adasam.adasam.bound_constants": sun.BOUND_TIGHT}
#: Bound claims that are no rate bound: the step-size sandwiches bound lambda_k / eta_t.
NOT_RATES = ("step_invariant",)


def test_every_rate_bound_claim_has_a_tightness():
    missing = [c.key for c in claims.CLAIMS
               if type(c.expect) is Bound and not c.control
               and not any(s in c.key for s in NOT_RATES) and c.tightness is None]
    assert missing == []
    for key, t in NEW.items():
        c = claims.get(key)
        assert c.tightness is t, key
        assert t.certify is None, key                  # stochastic / adaptive: PEP not covered
        assert "not certified" in t.bound_kind, key
        assert callable(t.search) and callable(t.typical), key
        assert math.isfinite(t.theorem_bound(c.sizes["small"])), key


def test_sam_e7_bound_is_the_claims_bound_at_its_point():
    b = sy.theory.sam_stochastic_sc_bound(sy.UB_ETA, 1.0, 1.0, sy.UB_DIM * sy.UB_SIGMA**2,
                                          sy.UB_RHO, sy.UB_DELTA, sy.UB_T)
    assert sy.UB_TIGHT.theorem_bound() == pytest.approx(float(b), rel=1e-12)
    # the family keeps the claim's total variance d sigma^2 on every member
    fam = sy._ub_family()
    for q in ([1.0, 0.5, 0.0], [3.5, 0.9, 1.0], [10.9, 0.7, 0.3]):
        inst = fam.build(q)
        o = inst.oracle()
        xi = o._draw(np.random.default_rng(0), 200_000, 1)
        assert np.sum(xi.var(axis=0)) == pytest.approx(1000.0, rel=0.02)
        assert abs(xi.mean()) < 0.2
        assert inst.problem.f(inst.x0[None])[0] == pytest.approx(sy.UB_DELTA)


def test_adasam_bound_expression_is_adasam_bound_and_the_family_keeps_delta():
    assert sun.BOUND_TIGHT.theorem_bound(sun.BOUND_SMALL) == pytest.approx(
        sun._bound_at(sun.TIGHT_EPS, sun.BOUND_SMALL["T"], 1), rel=1e-12)
    fam = sun._bound_family()
    for q in ([1.0, 1.0, 1.0], [1.0, 0.02, 1.0], [0.3, 0.1, 0.5], [0.05, 0.02, 0.0]):
        inst = fam.build(q)
        assert inst.problem.f(inst.x0[None])[0] == pytest.approx(sun.BOUND_DELTA, rel=1e-12)


def test_gsam_components_keep_the_covariance_and_the_law():
    p = zh._skewed_valley(3, 0.9, 1.0)
    idx = np.arange(zh.N_COMPONENTS)[:, None]
    c = p.grad(np.zeros((zh.N_COMPONENTS, zh.DIM + 1))) - p.grad_i(
        np.zeros((zh.N_COMPONENTS, zh.DIM + 1)), idx)
    assert np.allclose(c.mean(axis=0), 0.0, atol=1e-12)
    cov = c[:, :zh.DIM].T @ c[:, :zh.DIM] / zh.N_COMPONENTS
    assert np.allclose(cov, zh.SIGMA**2 * np.eye(zh.DIM), atol=1e-10)
    assert np.all(c[:, zh.DIM] == 0.0)                 # the valley direction is noise-free
    assert zh.RATE_TIGHT.theorem_bound({}) == pytest.approx(zh._rate_law(zh.RATE_T))


def test_adgd_ratio_reproduces_the_claims_runs():
    """_thm1_ratio (the search statistic) on an E1 quadratic: near 1 at a tiny lambda_0."""
    p = mm.problems.quadratic(mm.EIGS)
    x0 = np.full(p.dim, 0.7)
    r = mm._thm1_ratio(p, x0, 1e-6)
    assert 0.99 < r <= 1.0 + 1e-9
    assert mm._thm1_ratio(p, x0, 1.0) < r              # a larger lambda_0: further from 1


@pytest.mark.parametrize("key", sorted(NEW))
def test_row_searched_between_typical_and_bound(key):
    c = claims.get(key)
    res = c.check("small", rng=0)
    r = tightness.row(c, res)
    assert math.isnan(r["certified"]) and r["certificate"] == "not covered"
    assert r["searched"] >= r["typical"] * (1 - 1e-12), (key, r)
    assert r["searched"] <= r["theorem_bound"] * (1 + tightness.RTOL) or r["above_bound"], \
        (key, r)
    assert r["ok"] == (r["searched"] <= r["theorem_bound"] * (1 + tightness.RTOL))
    # typical is read in the statistic's units: below the bound by at least the claim's ratio
    assert r["typical"] <= res.measured * r["theorem_bound"] * (1 + 1e-9), (key, r)
