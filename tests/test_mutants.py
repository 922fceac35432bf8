"""The wrong-algorithm catalogue: same signature as the target, and really different."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from convlab import mutants, optimizers, oracles, problems, run

MUTANTS = list(mutants.CATALOGUE.values())

#: target -> keyword arguments of a probe run where every rule matters
PROBE = {
    optimizers.sam: {"lr": 0.1, "rho": 0.3, "weight_decay": 0.05},   # decay placement shows
    optimizers.usam: {"lr": 0.1, "rho": 0.3},
    optimizers.gsam: {"lr": 0.1, "rho": 0.3, "alpha": 0.5},
    optimizers.adasam: {"lr": 0.05, "rho": 0.3, "eps": 1e-3},
    optimizers.amsgrad: {"lr": 0.05, "eps": 1e-3},
    optimizers.sasam: {"eta0": 0.05},
    optimizers.adgd: {"eta0": 0.05},
    optimizers.sgd: {"lr": lambda t: 0.1 / (1.0 + 0.1 * t)},
}


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_a_mutant_has_its_targets_signature_and_names_its_mistake(m):
    assert inspect.signature(m.factory).parameters.keys() == \
        inspect.signature(m.target).parameters.keys()
    assert len(m.mistake) > 20
    assert m in mutants.applicable(m.target)


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_a_mutant_changes_the_iterates(m):
    """On an anisotropic quadratic with sample-dependent noise, the wrong rule shows."""
    p = problems.least_squares(n=12, dim=4, noise=0.5, rng=1)
    x0 = np.random.default_rng(2).standard_normal((6, 4)) * 3
    kw = PROBE[m.target]
    orc = oracles.minibatch(p, batch_size=2)
    good = run(p, m.target(**kw), x0, 40, oracle=orc, rng=3, record_at=[40])
    bad = run(p, m.factory(**kw), x0, 40, oracle=orc, rng=3, record_at=[40])
    assert np.all(np.isfinite(good.x))
    assert not np.allclose(good.x, bad.x, rtol=1e-6, atol=1e-9), m.name


def test_unknown_mutant_is_refused():
    with pytest.raises(ValueError, match=r"unknown mutant 'sam\.nope'"):
        mutants.get("sam.nope")


def test_verify_power_prints_and_writes_the_kill_matrix(tmp_path):
    from convlab.cli import main

    out = tmp_path / "res"
    assert main(["verify", "--only", "textbook", "--power", "--quiet", "--no-figures",
                 "--out", str(out)]) == 0
    import pandas as pd

    km = pd.read_csv(out / "kill_matrix.csv")
    assert km[["mutant", "declared", "rejected"]].to_dict("records") == [
        {"mutant": "sgd.lr_frozen", "declared": True, "rejected": True}]
    assert (out / "kill_matrix.png").stat().st_size > 1000
    assert "| 1/1 |" in (out / "verdicts.md").read_text()     # the "rejects" column


def test_kill_matrix_on_local_dask_workers_equals_the_serial_one():
    pytest.importorskip("distributed", reason="needs dask.distributed (the dask extra)")
    import pandas as pd

    from convlab import claims, power

    chosen = claims.select(["textbook.sgd.one_over_t", "si_yun_2023.sam.band_law"])
    serial = power.kill_matrix(chosen, "small", 0)
    spread = power.kill_matrix(chosen, "small", 0, jobs=2)
    assert len(serial) == 1 + len(mutants.applicable(optimizers.sam))
    pd.testing.assert_frame_equal(serial, spread, check_exact=True)
