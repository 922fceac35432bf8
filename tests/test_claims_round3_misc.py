"""Round-3 claims of Harada & Iiduka (mini-batch SAM bias), AdaSAM (bound, limited range) and
SA-SAM (eta lambda_max -> 1/2): their derived laws, checked independently of the claims."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from convlab import claims, mutants, optimizers, oracles, problems
from convlab.claims import harada_iiduka_2024 as hi
from convlab.claims import sun_2023_adasam as sun


def _exact_sam_bias(p, A, x, rho, b):
    """E over every b-subset of SAM_B(x) - SAM(x), by enumeration (SAM via the optimizer)."""
    n = A.shape[0]
    subsets = np.array(list(itertools.combinations(range(n), b)))
    X = np.tile(x, (len(subsets), 1))
    o = oracles.minibatch(p, b)
    gf = o.bind(oracles.Sample(subsets, b, len(subsets), 0))
    opt = optimizers.sam(1.0, rho)
    D = (X - opt.step(opt.init(X), gf, 0).x)
    g = p.grad(x[None])[0]
    full = p.grad((x + rho * g / np.linalg.norm(g))[None])[0]
    return D.mean(axis=0) - full, (gf(X) - g).mean(axis=0)


def test_minibatch_sam_bias_law_against_enumeration():
    """Exact expectation over all subsets: the plain gradient is unbiased (to rounding), the
    SAM gradient is not, the second-order law sam_bias_law gets it to O(s), and b = n is 0."""
    gen = np.random.default_rng(7)
    p, A, x = hi._bias_problem(gen, 12)
    rho = 0.05
    law = hi.sam_bias_law(A, p, x, rho)
    errs = []
    for b in (1, 2, 4, 11):
        s = (12 - b) / (b * 11)
        bias, plain = _exact_sam_bias(p, A, x, rho, b)
        pred = s * (law["norm"] + law["cross"])
        assert np.linalg.norm(plain) < 1e-13
        assert np.linalg.norm(bias) > 1e3 * 1e-15                      # biased
        errs.append(np.linalg.norm(bias - pred) / np.linalg.norm(pred))
    # next order O(s tr(C0)/||g||^2) (9% at b = 1, s = 1), down to a finite-n floor ~0.5%
    assert errs[0] < 0.15 and errs[0] > errs[1] > errs[2]
    assert max(errs[2:]) < 0.02
    bias_n, _ = _exact_sam_bias(p, A, x, rho, 12)
    assert np.linalg.norm(bias_n) < 1e-13         # the full batch is the SAM gradient


def test_minibatch_bias_claim_and_its_rivals():
    c = claims.get("harada_iiduka_2024.sam.minibatch_bias")
    small = {**c.sizes["small"], "draws": 4000}
    m = c.scenario(dict(small), 0, c.algorithm)
    assert abs(m.values.mean() - 1.0) < 0.05
    sw = c.scenario(dict(small), 0, mutants.get("sam.ascent_swapped").factory)
    assert sw.values.mean() < -0.8                # the independent ascent's bias points back
    r0 = c.scenario(dict(small), 0, mutants.get("sam.rho0").factory)
    assert abs(r0.values.mean()) > 100           # no ascent: off by a first-order term


def test_adasam_limited_range_holds_with_and_without_the_max():
    """1/(G + sigma) <= 1/sqrt(v_hat) <= 1/eps at every step for AdaSAM; only the running max
    makes the step non-increasing (the no-max mutant keeps the range but not the order)."""
    p = sun.huber()
    o = oracles.rademacher(p, sun.SIGMA, batch_size=1)
    kw = sun._hyper(1, 2400, "pinned")
    for name, fac, monotone in (("adasam", optimizers.adasam, True),
                                ("no_max", mutants.get("adasam.no_max").factory, False)):
        opt = fac(**kw)
        gen = np.random.default_rng(0)
        st = opt.init(np.full((8, sun.DIM), 1.5))
        prev, grew = st.v_hat.copy(), False
        for t in range(600):
            st = opt.step(st, o.bind(o.sample(gen, 8, t)), t)
            root = np.sqrt(st.v_hat)
            assert root.min() >= sun.EPS and root.max() <= sun.G + sun.SIGMA + 1e-12, name
            grew |= bool(np.any(st.v_hat < prev - 1e-15))
            prev = st.v_hat.copy()
        assert grew is not monotone, name


def test_adasam_bound_is_valid_and_vacuous_at_small_eps():
    c = claims.get("sun_2023_adasam.adasam.bound_constants")
    r = c.check("small", rng=0)
    assert r.passed and 0.05 < r.measured < 1.0           # non-trivial slack at eps = 2
    kw = sun._hyper(1, 2000)
    b = sun.adasam_bound(2000, 1, 1e-8, lr=kw["lr"], rho=kw["rho"], beta1=kw["beta1"],
                         delta=30.0)
    assert b > 1e15                                        # vacuous at the usual eps
    # monotone in eps below H: a smaller eps never tightens the bound
    vals = [sun.adasam_bound(2000, 1, e, lr=kw["lr"], rho=kw["rho"], beta1=kw["beta1"],
                             delta=30.0) for e in (0.1, 0.3, 1.0)]
    assert vals[0] > vals[1] > vals[2]


@pytest.mark.parametrize("name, passes", [(None, True), ("sasam.missing_half", False),
                                          ("sasam.fixed_rho", True)])
def test_sasam_eos_half(name, passes):
    """eta_T lambda_max -> 1/2 on c x logistic: for SA-SAM and for a frozen rho (the 1/2 is
    the AdGD rule's), not without the 1/2 (-> 1)."""
    c = claims.get("naganuma_sasam.sasam.eos_half")
    alg = None if name is None else mutants.get(name).factory
    r = c.check("small", rng=0, algorithm=alg)
    assert r.passed is passes
    if name == "sasam.missing_half":
        assert abs(r.measured - 2.0) < 0.1


def test_long_run_half_is_exact_on_a_quadratic():
    """The quadratic case (sasam.long_run's): 2 L eta_T = 1 to rounding."""
    from convlab import run
    p = problems.quadratic(np.geomspace(1.0, 10.0, 5), rotate=np.random.default_rng(1))
    tr = run(p, optimizers.sasam(1e-3), np.random.default_rng(2).standard_normal((3, 5)), 800,
             record_at=[800], metrics=["state.eta"])
    assert np.allclose(2 * p.L * tr.final("state.eta"), 1.0, atol=1e-12)
