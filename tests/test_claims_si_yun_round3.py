"""Round-3 Si & Yun claims (THEORY.md §3.1.1-§3.1.5): they can fail.

Each claim's declared mutants are rejected (on a cut-down copy of its small size where
the rejection is decisive anyway), a shifted prediction fails on the correct algorithm's
own measurement, and the scenario-local functions have the derivatives they claim.
``tests/test_claims.py`` already checks that every claim passes at small size.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from convlab import claims, mutants, optimizers
from convlab.claims import si_yun_2023 as sy
from convlab.rates import Verdict

NEW = ("sam.convex_no_floor", "sam.nonconvex_decay", "sam.stochastic_convex_floor",
       "sam.stochastic_nonconvex_floor", "sam.tuned_lower", "sam.logistic_tuned_rate")

#: cut-down sizes for the mutant runs (the mutants miss by far more than the CI)
CUT = {
    "sam.convex_no_floor": {"T": [1000, 4000, 16000], "starts": 4},
    "sam.nonconvex_decay": {"T": [100, 400, 1600], "runs": 8},
    "sam.stochastic_convex_floor": {"T": 10000, "runs": 150, "rho": [0.02, 0.04, 0.08]},
    "sam.stochastic_nonconvex_floor": {"T": 10000, "runs": 150, "rho": [0.02, 0.04, 0.08]},
    "sam.tuned_lower": {"T": [1000, 2000, 4000], "rotations": 1, "starts": 2, "grid": 24,
                        "eta": [3e-5, 0.02]},
    "sam.logistic_tuned_rate": {"T": [1000, 2000, 4000], "starts": 1},
}


def _claim(name):
    return claims.get(f"si_yun_2023.{name}")


def _verdict(c, algorithm, sp=None, rng=0):
    m = c.scenario(dict(c.sizes["small"] if sp is None else sp), rng, algorithm)
    _, measured, _, v = c.evaluate(m)
    bad, _ = c.expect.diverged(m)
    return (Verdict.DIVERGED if bad else v), measured


def test_new_claims_are_registered_as_evidence():
    for name in NEW:
        c = _claim(name)
        assert c.role == "evidence" and c.rejects, name
        assert c.algorithm is optimizers.sam
        assert 100 in c.expect.seeds                 # studied away from the held-out seeds


@pytest.mark.parametrize("name", NEW)
def test_declared_mutants_are_rejected(name):
    c = _claim(name)
    for mname in c.rejects:
        v, measured = _verdict(c, mutants.get(mname).factory, CUT[name])
        assert v is not Verdict.MATCHES, (name, mname, measured)


def test_mutants_that_survive_by_construction_survive():
    """No floor is not special to SAM on a convex function (GD and USAM have none either),
    and the two-point floors are mirror-symmetric (the flipped ascent keeps them)."""
    c = _claim("sam.convex_no_floor")
    v, _ = _verdict(c, mutants.get("sam.rho0").factory, CUT["sam.convex_no_floor"])
    assert v is Verdict.MATCHES
    c = _claim("sam.stochastic_convex_floor")
    v, s = _verdict(c, mutants.get("sam.ascent_sign").factory,
                    CUT["sam.stochastic_convex_floor"])
    assert abs(s - 2.0) < 0.1, s


@pytest.fixture(scope="module")
def measured():
    """The correct algorithm's measurement of each new claim (small size, seed 0)."""
    return {name: _claim(name).scenario(dict(_claim(name).sizes["small"]), 0, optimizers.sam)
            for name in NEW}


@pytest.mark.parametrize("name", NEW)
def test_claim_matches_and_a_shifted_prediction_fails(measured, name):
    c = _claim(name)
    m = measured[name]
    assert c.evaluate(m)[3] is Verdict.MATCHES
    shift = 3 * c.tol + 0.1
    for sign in (-1.0, 1.0):
        wrong = replace(c.expect, predicted=c.predicted + sign * shift)
        v = wrong.evaluate(m)[3]
        if c.side == "upper" and sign > 0:
            assert v is Verdict.MATCHES              # a looser upper bound still holds
        else:
            assert v is not Verdict.MATCHES, (name, sign, v)


def test_tuned_lower_optimum_has_no_log_t(measured):
    """The best constant step is eta* ~ c/T (eta* T the same at every T) and the min is
    far below the band at the reconstructed eta_T: the ln^2 T is not in the optimum."""
    f = measured["sam.tuned_lower"].frame
    med = f.groupby("T").eta_best_T.median()
    assert med.max() / med.min() < 1.5, med
    ratio = f.groupby("T").min_f_gap.mean() / f.groupby("T").f_gap_tuned_eta_T_band.first()
    assert (ratio < 0.1).all() and ratio.iloc[-1] < ratio.iloc[0]


def test_nonconvex_decay_deficit_is_a_transient_sum(measured):
    f = measured["sam.nonconvex_decay"].frame
    s = (f["T"] * f["deficit"]).groupby(f["run"]).agg(["min", "max"])
    assert (s["min"] > 0).all()
    np.testing.assert_allclose(s["max"], s["min"], rtol=1e-8)


def test_scenario_local_terms():
    u = np.linspace(-4.0, 4.0, 81)
    h = 1e-5
    for term in (sy._quartic_term(), sy._logcosh_term()):
        np.testing.assert_allclose(term.d1(u), (term.phi(u + h) - term.phi(u - h)) / (2 * h),
                                   atol=1e-8)
        np.testing.assert_allclose(term.d2(u), (term.d1(u + h) - term.d1(u - h)) / (2 * h),
                                   atol=1e-6)
        assert term.d2(u).min() >= term.curv_min and term.d2(u).max() <= term.curv_max
    assert sy._quartic_term().d2(np.array(0.0)) == 0.0    # no strongly convex neighbourhood
