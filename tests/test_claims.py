"""Every claim at its small size lands on its expected verdict (the CI theory check).

Each claim carries its own prediction, tolerance and the reason for that tolerance
(``claim.tol_reason``, backed by a convergence study in paper_notes.md); this test only
runs them. A claim at full size is checked by ``convlab verify --size full``.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlab import claims
from convlab.claims import CLAIMS
from convlab.rates import Verdict


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.key)
def test_claim_holds_at_small_size(claim):
    r = claim.check(size="small", rng=0)
    lo, hi = r.ci
    assert r.passed, (
        f"{claim.key}: measured {r.measured:.4g} [{lo:.4g}, {hi:.4g}], predicted "
        f"{claim.predicted:g} ({claim.side}, tol {claim.tol:g}) -> {r.verdict.value}; "
        f"{claim.paper}, {claim.theorem}")


def test_every_claim_is_documented():
    for c in CLAIMS:
        assert c.key.count(".") >= 2, c.key
        assert c.statement and c.tol_reason and c.theory, c.key
        assert set(c.sizes) >= {"small", "full"}, c.key
        assert c.side in ("two-sided", "upper", "lower"), c.key
        assert np.isfinite(c.predicted) and c.tol > 0, c.key


def test_unknown_claim_and_size_are_refused():
    with pytest.raises(ValueError, match="unknown claim"):
        claims.get("no.such.claim")
    with pytest.raises(ValueError, match="size"):
        CLAIMS[0].check(size="huge")


def test_a_shifted_prediction_fails(monkeypatch):
    """The verdict machinery can fail: the textbook 1/T claim against a -2 prediction."""
    from dataclasses import replace

    c = claims.get("textbook.sgd.one_over_t")
    c = replace(c, expect=replace(c.expect, predicted=-2.0))
    r = c.check(size="small", rng=0)
    assert not r.passed and r.verdict is Verdict.ABOVE
