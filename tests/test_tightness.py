"""The tightness table: theorem bound ≥ certified ≥ searched ≥ typical (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sympy

from convlab import claims, tightness
from convlab.report import verify
from convlab.tightness import Tightness

UPPER = [c for c in claims.CLAIMS if c.tightness is not None]
#: The rows PEP covers (the others are checked in tests/test_tightness_rows.py).
CERTIFIED = [c for c in UPPER if c.tightness.certify is not None]


def _row(key):
    c = claims.get(key)
    return tightness.row(c, c.check("small", rng=0))


def test_the_bound_is_a_sympy_expression_evaluated_on_the_instance():
    t = Tightness("q^2N", "Max(Abs(1 - eta*mu), Abs(1 - eta*L))**(2*N)",
                  {"eta": 1.0, "mu": 0.1, "L": 1.0, "N": 2})
    assert isinstance(t.expr, sympy.Expr)
    assert t.theorem_bound() == pytest.approx(0.9**4, rel=1e-15)
    # N, S, beta, gamma are symbols here, not sympy's functions
    t = Tightness("x", "beta*gamma + S*N", {"beta": 2, "gamma": 3, "S": 1, "N": 4})
    assert t.theorem_bound() == 10.0
    assert Tightness("x", sympy.Symbol("a") ** 2, {"a": 3.0}).theorem_bound() == 9.0
    # values may be a function of the claim's size parameters
    assert Tightness("x", "a*N", lambda sp: {"a": 2.0, "N": sp["N"]}).theorem_bound(
        {"N": 5}) == 10.0


def test_a_bad_expression_or_a_missing_symbol_is_a_clear_error():
    with pytest.raises(ValueError, match=r"bound 'q\*\*\(2\*N' is not a sympy expression"):
        Tightness("contraction", "q**(2*N", {"q": 0.9, "N": 2})
    with pytest.raises(ValueError, match=r"symbol\(s\) \['N'\] with no value"):
        Tightness("contraction", "q**(2*N)", {"q": 0.9})
    with pytest.raises(ValueError, match=r"symbol\(s\) \['N'\] with no value"):
        Tightness("contraction", "q**(2*N)", lambda sp: {"q": 0.9}).theorem_bound({})
    with pytest.raises(ValueError, match=r"'contraction'.*is not a sympy expression"):
        Tightness("contraction", "q +* 2", {"q": 0.9})
    with pytest.raises(ValueError, match="does not evaluate to a real number"):
        Tightness("contraction", "sqrt(q)", {"q": -1.0}).theorem_bound()
    with pytest.raises(TypeError, match="bound must be a sympy expression or a string"):
        Tightness("contraction", 0.5, {})
    with pytest.raises(ValueError, match=r"certify lacks \['function_class'\]"):
        Tightness("contraction", "q", {"q": 1.0}, certify={"method": "gd"})


def test_every_upper_bound_claim_has_a_valid_tightness():
    keys = {c.key for c in UPPER}
    assert {"upper_bounds.gd.distance_contraction", "upper_bounds.usam.distance_contraction",
            "upper_bounds.sam.f_gap_bound"} <= keys
    for c in UPPER:
        assert isinstance(c.tightness, Tightness), c.key
        assert c.expect.kind == "bound", c.key
        assert np.isfinite(c.tightness.theorem_bound(c.sizes["small"])), c.key
        assert c.rejects or c.control, c.key             # evidence, or a declared control


def test_gd_row_is_tight():
    pytest.importorskip("PEPit")
    r = _row("upper_bounds.gd.distance_contraction")
    assert r["certificate"] == "exact"
    assert r["certified"] == pytest.approx(r["theorem_bound"], rel=1e-6)
    assert abs(r["searched"] - r["certified"]) <= 1e-3 * r["certified"]
    assert r["typical"] <= r["searched"] * (1 + 1e-6)
    assert r["ok"] and not r["above_bound"]
    assert r["finding"].startswith("tight: bound = certified")


def test_searched_never_exceeds_certified():
    """The CI check of issue 15: a search (a lower bound on the worst case) above a
    certificate (an upper bound) is a bug in one of them."""
    pytest.importorskip("PEPit")
    frame = tightness.table(CERTIFIED, [c.check("small", rng=0) for c in CERTIFIED])
    assert list(frame.columns[:6]) == ["key", "statistic", "theorem_bound", "certified",
                                       "searched", "typical"]
    assert len(frame) == len(CERTIFIED) >= 3
    assert tightness.check(frame) == []
    for r in frame.itertuples():
        assert np.isfinite(r.certified), r.key
        assert r.searched <= r.certified * (1 + 1e-6), r.key
        assert r.typical <= r.certified * (1 + 1e-6), r.key
        assert r.slack == pytest.approx(r.theorem_bound / r.certified), r.key


def test_a_certificate_above_the_bound_is_a_finding_not_a_failure():
    pytest.importorskip("PEPit")
    c = claims.get("upper_bounds.gd.distance_contraction")
    from dataclasses import replace

    low = replace(c.tightness, bound="0.5*q", values={"q": c.tightness.theorem_bound()})
    r = tightness.row(replace(c, tightness=low), None)
    assert r["above_bound"] and r["ok"]
    assert "certificate above the theorem bound (x2)" in r["finding"]
    assert np.isnan(r["typical"])


def test_a_search_above_the_certificate_is_not_ok():
    t = Tightness("x", "a", {"a": 1.0}, search=lambda rng: 2.0)
    c = claims.get("upper_bounds.gd.distance_contraction")
    from dataclasses import replace

    r = tightness.row(replace(c, tightness=t), None)
    assert not r["ok"] and r["above_bound"] and "violated" in r["finding"]
    assert tightness.check(pd.DataFrame([r])) != []


def test_verify_writes_tightness_csv(tmp_path):
    pytest.importorskip("PEPit")
    rep = verify(["upper_bounds"], out=tmp_path, figures=False)
    assert all(r.passed for r in rep.results)
    frame = pd.read_csv(tmp_path / "tightness.csv")
    assert set(frame["key"]) == {c.key for c in claims.select(["upper_bounds"])}
    assert frame["ok"].all()
    html = (tmp_path / "report.html").read_text()
    assert "upper_bounds.sam.f_gap_bound" in html.split('id="tightness"')[1]
    assert "Not computed yet" not in html.split('id="tightness"')[1].split("</section>")[0]
