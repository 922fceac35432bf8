"""Evidential verdicts: strict statistics, declared mutants, controls, held-out seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from convlab import claims, heldout, mutants, optimizers, power, problems
from convlab.claims import Bound, Claim, Measurement, Order, Ratio, Slope
from convlab.rates import Verdict
from convlab.report import verify

SIZES = {"small": {"runs": 64}, "full": {"runs": 64}}
SAM_FAMILY = {optimizers.sam, optimizers.usam, optimizers.gsam, optimizers.adasam,
              optimizers.sasam}


def _claim(expect, scenario, **kw):
    return Claim(key="t.x.y", paper="test", theorem="-", statement="-", theory="-",
                 expect=expect, scenario=scenario, algorithm=kw.pop("algorithm", optimizers.sgd),
                 sizes=SIZES, **kw)


def _values(shift=0.0, spread=0.01, nan_at=None):
    def scenario(sp, rng, algorithm):
        z = np.random.default_rng(rng).standard_normal((2, sp["runs"]))
        z = (z - z.mean(axis=1, keepdims=True)) / z.std(axis=1, keepdims=True)
        v = 1.0 + shift + spread * z                 # mean and spread exact at each point
        if nan_at is not None:
            v[nan_at] = np.inf
        return Measurement(values=v, bound=np.array([1.0, 1.0]))
    return scenario


# --- strict statistics ------------------------------------------------------------------

def test_a_ratio_matches_only_when_its_ci_is_inside_the_band():
    assert _claim(Ratio(1.0, tol=0.05), _values()).check().verdict is Verdict.MATCHES
    # mean 1.04, CI about 1.04 +- 0.037: the point estimate is inside the band, the CI not
    r = _claim(Ratio(1.0, tol=0.05), _values(0.04, 0.15)).check()
    assert 1.0 < r.measured < 1.05 and r.ci[1] > 1.05
    assert r.verdict is Verdict.INCONCLUSIVE and not r.passed


def test_a_bound_holds_only_when_the_upper_ci_end_is_below_it():
    assert _claim(Bound(), _values(-0.1)).check().verdict is Verdict.MATCHES
    r = _claim(Bound(tol=0.01), _values(-0.005, 0.1)).check()   # mean below, CI across
    assert r.measured < 1.0 < r.ci[1] and r.verdict is Verdict.INCONCLUSIVE
    assert _claim(Bound(), _values(0.5)).check().verdict is Verdict.ABOVE


def test_an_ordering_uses_a_paired_ci_on_common_random_numbers():
    def scenario(sp, rng, algorithm):
        g = np.random.default_rng(rng)
        ref = np.exp(g.standard_normal((1, sp["runs"])))      # large spread between runs
        return Measurement(values=0.97 * ref, bound=ref)       # 3 % below, run by run
    r = _claim(Order(), scenario).check()
    assert r.verdict is Verdict.MATCHES and r.ci[1] < 1.0
    assert r.ci[1] - r.ci[0] < 1e-9                            # paired: no spread at all

    def unpaired(sp, rng, algorithm):                          # the reference's mean only
        m = scenario(sp, rng, algorithm)
        return Measurement(values=m.values, bound=m.bound.mean(axis=-1))
    assert _claim(Order(), unpaired).check().verdict is Verdict.INCONCLUSIVE


def test_a_diverged_run_fails_the_claim_unless_divergence_is_predicted():
    r = _claim(Ratio(1.0, tol=0.05), _values(nan_at=(0, 3))).check()
    assert r.verdict is Verdict.DIVERGED and not r.passed
    assert "1 of 128 entries diverged" in r.details
    ok = _claim(Ratio(1.0, tol=0.05, diverged_ok=True), _values(nan_at=(0, 3))).check()
    assert ok.passed

    def slope(sp, rng, algorithm):
        s = np.array([10.0, 20.0, 40.0])
        e = np.outer(s ** -1.0, np.ones(sp["runs"]))
        e[2, 0] = np.nan
        return Measurement(s=s, errors=e)
    assert _claim(Slope(-1.0, tol=0.1), slope).check().verdict is Verdict.DIVERGED


# --- declared mutants and controls -------------------------------------------------------

def test_rejects_names_known_mutants_of_the_claims_algorithm():
    with pytest.raises(ValueError, match=r"unknown mutant 'sgd\.nope'"):
        _claim(Bound(), _values(), rejects=("sgd.nope",))
    with pytest.raises(ValueError, match=r"targets convlab\.optimizers\.sam\.sam"):
        _claim(Bound(), _values(), rejects=("sam.rho0",))
    with pytest.raises(TypeError, match="tuple of mutant names"):
        _claim(Bound(), _values(), rejects="sgd.lr_frozen")
    with pytest.raises(ValueError, match="a control"):
        _claim(Bound(), _values(), rejects=("sgd.lr_frozen",), control="a machinery check")
    assert _claim(Bound(), _values()).role == "control"
    assert _claim(Bound(), _values(), rejects=("sgd.lr_frozen",)).role == "evidence"


def test_a_declared_mutant_that_survives_fails_the_claim(tmp_path):
    def scenario(sp, rng, algorithm):          # blind to the algorithm: any one passes
        return _values()(sp, rng, algorithm)
    blind = _claim(Ratio(1.0, tol=0.05), scenario, rejects=("sgd.lr_frozen",))
    claims.CLAIMS.append(blind)
    try:
        rep = verify(["t.x.y"], power=True)
        assert rep.results[0].passed                      # the verdict alone is green ...
        assert rep.status(rep.results[0]) == "FAIL"       # ... the survivor fails it
        assert not rep.passed and power.failed_claims(rep.kill) == ["t.x.y"]
        assert "| 0/1 |" in str(rep)
    finally:
        claims.CLAIMS.remove(blind)


def _builtin():
    return [c for c in claims.CLAIMS if c.source.startswith("convlab.claims")]


def test_every_builtin_claim_is_evidence_or_a_labelled_control():
    for c in _builtin():
        assert c.rejects or c.control, f"{c.key}: declares no mutant and is not a control"
        if c.algorithm in SAM_FAMILY and not c.rejects:
            assert "control" in c.control.lower(), (c.key, c.control)


def test_every_catalogue_entry_is_declared_by_some_builtin_claim():
    declared = {m for c in _builtin() for m in c.rejects}
    assert set(mutants.CATALOGUE) <= declared, sorted(set(mutants.CATALOGUE) - declared)


# --- held-out seeds ---------------------------------------------------------------------

def test_heldout_seeds_skip_the_seeds_the_tolerance_was_studied_at():
    c = _claim(Ratio(1.0, tol=0.05, seeds=(0, 2, 3)), _values())
    assert heldout.heldout_seeds(c, 3) == (1, 4, 5)
    with pytest.raises(ValueError, match="positive integer"):
        heldout.heldout_seeds(c, 0)
    with pytest.raises(ValueError, match="seeds="):
        Ratio(1.0, tol=0.05, seeds=())


def test_holm_and_the_binomial_pass_fraction():
    assert heldout.holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]
    assert heldout.holm([0.5, 0.001]) == [0.5, 0.002]
    table = pd.DataFrame({"key": ["a"] * 5 + ["b"] * 5,
                          "passed": [True] * 4 + [False] + [False] * 5})
    s = heldout.summary(table).set_index("key")
    assert s.holds.to_dict() == {"a": True, "b": False}
    # a: 1 failure of 5 under Binomial(5, 0.2): P(X >= 1) = 1 - 0.8**5
    assert s.p_value["a"] == pytest.approx(1 - 0.8 ** 5)
    assert s.p_value["b"] == pytest.approx(0.2 ** 5)
    assert s.p_holm["b"] == pytest.approx(2 * 0.2 ** 5) and bool(s.rejected["b"])


def test_verify_with_heldout_seeds_writes_and_judges_them(tmp_path):
    rep = verify(["textbook"], seeds=2, out=tmp_path, figures=False)
    assert rep.passed and list(rep.heldout.seed) == [1, 2]
    assert (tmp_path / "heldout.csv").exists()
    assert "held-out seeds: 1/1 claims pass" in str(rep)
    with pytest.raises(ValueError, match="seeds=-1"):
        verify(["textbook"], seeds=-1)


def test_heldout_table_on_local_dask_workers_equals_the_serial_one():
    pytest.importorskip("distributed", reason="needs dask.distributed (the dask extra)")
    chosen = claims.select(["textbook"])
    serial = heldout.seed_table(chosen, 2)
    spread = heldout.seed_table(chosen, 2, jobs=2)
    pd.testing.assert_frame_equal(serial.drop(columns="seconds"),
                                  spread.drop(columns="seconds"), check_exact=True)


def test_problems_module_is_still_importable():   # keeps the import list honest
    assert problems.quadratic([1.0]).L == 1.0


def test_kill_matrix_over_seeds_is_one_task_per_claim_mutant_seed_and_collapses():
    chosen = claims.select(["textbook.sgd.one_over_t"])
    km = power.kill_matrix(chosen, "small", seeds=[0, 3])
    assert list(zip(km.mutant, km.seed, strict=True)) == [("sgd.lr_frozen", 0),
                                                          ("sgd.lr_frozen", 3)]
    one = power.collapse(km)
    assert len(one) == 1 and bool(one.rejected[0]) and one.seeds_rejected[0] == "2/2"
    # a survivor at one seed of two makes the pair survive
    mixed = km.assign(rejected=[True, False])
    assert not bool(power.collapse(mixed).rejected[0])
    assert power.failed_claims(mixed) == ["textbook.sgd.one_over_t"]
    with pytest.raises(ValueError, match="seeds is empty"):
        power.kill_matrix(chosen, "small", seeds=[])
