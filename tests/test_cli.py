"""The ``convlab`` command: list, verify, exit codes, written files."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from convlab.cli import main


def test_list_names_problems_optimizers_and_claims(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for word in ("quadratic", "sam", "sasam", "textbook.sgd.one_over_t"):
        assert word in out


def test_verify_writes_table_and_figure(tmp_path, capsys):
    assert main(["verify", "--only", "textbook", "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "textbook.sgd.one_over_t" in out and "PASS" in out
    table = pd.read_csv(tmp_path / "verdicts.csv")
    assert list(table["key"]) == ["textbook.sgd.one_over_t"]
    assert {"predicted", "measured", "ci_low", "ci_high", "tol", "verdict", "seconds"} <= set(
        table.columns)
    assert (tmp_path / "textbook.sgd.one_over_t.png").stat().st_size > 1000
    assert (tmp_path / "verdicts.md").read_text().startswith("| key |")


def test_verify_unknown_key_exits_2(capsys):
    assert main(["verify", "--only", "nope", "--quiet"]) == 2
    assert "unknown claim" in capsys.readouterr().err


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "convlab.cli", "list", "optimizers"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0 and "adasam" in r.stdout


def test_verify_reuses_finished_claims_and_force_recomputes(tmp_path, monkeypatch):
    from convlab import report
    from convlab.claims.base import Claim

    first = report.verify(["textbook"], out=tmp_path, figures=False)
    calls = []
    real = Claim.check

    def counting(self, *a, **k):
        calls.append(self.key)
        return real(self, *a, **k)

    monkeypatch.setattr(Claim, "check", counting)
    again = report.verify(["textbook"], out=tmp_path, figures=False)
    assert calls == []                                   # read back, not recomputed
    assert again.results[0].measured == first.results[0].measured
    report.verify(["textbook"], out=tmp_path, figures=False, rng=1)   # other seed: recomputed
    assert calls == ["textbook.sgd.one_over_t"]
    report.verify(["textbook"], out=tmp_path, figures=False, rng=1, force=True)
    assert len(calls) == 2
    assert not list(tmp_path.glob(".*"))                 # no temporary files left behind
