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


# Imports of the tests below (appended to this file, hence not at its top).
import json  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

from convlab import report  # noqa: E402

# ------------------------------------------------------------------------------------------
# parquet beside the CSV (pyarrow optional)
# ------------------------------------------------------------------------------------------

def test_verify_writes_parquet_beside_csv(tmp_path):
    pytest.importorskip("pyarrow", reason="needs pyarrow (the parquet extra)")
    key = "textbook.sgd.one_over_t"
    rep = report.verify([key], out=tmp_path, figures=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{key}.parquet"),
                                  rep.results[0].frame, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "verdicts.parquet"), rep.table(),
                                  check_exact=True)
    assert (tmp_path / f"{key}.csv").exists() and (tmp_path / "verdicts.csv").exists()
    assert f"{key}.parquet" in json.loads((tmp_path / f"{key}.json").read_text())["files"]
    assert not list(tmp_path.glob(".*"))


_NO_PYARROW = """
import sys
sys.modules["pyarrow"] = None          # before pandas: as if pyarrow were not installed
from convlab import report
from convlab.claims.base import Claim
calls, real = [], Claim.check
Claim.check = lambda self, *a, **k: calls.append(self.key) or real(self, *a, **k)
report.verify(["textbook"], out=sys.argv[1], figures=False)   # written with pyarrow: re-used
report.verify(["textbook"], out=sys.argv[2], figures=False)   # computed: CSV only
print(calls)
"""


def test_verify_without_pyarrow_writes_csv_only(tmp_path):
    key = "textbook.sgd.one_over_t"
    with_pa, without = tmp_path / "with", tmp_path / "without"
    report.verify([key], out=with_pa, figures=False)
    before = {p.name: p.read_bytes() for p in with_pa.iterdir()}
    r = subprocess.run([sys.executable, "-W", "error", "-c", _NO_PYARROW, str(with_pa),
                        str(without)], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == repr([key])        # only the second folder was computed
    assert sorted(p.name for p in without.iterdir()) == sorted(
        [f"{key}.csv", f"{key}.json", "report.html", "run.json", "verdicts.csv",
         "verdicts.md"])                                                  # silently no parquet
    assert (without / f"{key}.csv").read_bytes() == before[f"{key}.csv"]
    per_run = ("verdicts.md", "verdicts.csv", "report.html", "run.json")  # rewritten each run
    assert {p.name: p.read_bytes() for p in with_pa.iterdir() if p.name not in per_run} == {
        k: v for k, v in before.items() if k not in per_run}


# ------------------------------------------------------------------------------------------
# an interrupted run resumes: finished claims re-used, nothing half-written read
# ------------------------------------------------------------------------------------------

#: Six claims of about 1 s or less each at size small, in registry order: textbook.sgd,
#: malitsky adgd.step_invariant, sasgd.step_invariant_stochastic, adgd.ergodic_rate,
#: naganuma sasam.step_invariant and sasam.step_invariant_stochastic.
INTERRUPT = ["textbook", "malitsky_mishchenko_2020", "naganuma_sasam.sasam.step_invariant"]


def _verify_args(out):
    return ["verify", "--size", "small", "--only", *INTERRUPT, "--out", str(out),
            "--no-figures"]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """An uninterrupted run of INTERRUPT and its folder."""
    out = tmp_path_factory.mktemp("clean")
    return report.verify(INTERRUPT, out=out, figures=False), out


def _saved_keys(out):
    """Keys of the claims saved in ``out`` (not the hidden temporary files being written)."""
    return sorted(p.stem for p in out.glob("*.json") if not p.name.startswith("."))


def _interrupt(out, sig, n_finished=2):
    """Start verify in a subprocess, send ``sig`` once ``n_finished`` claims are saved."""
    proc = subprocess.Popen([sys.executable, "-m", "convlab.cli", *_verify_args(out)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(_saved_keys(out)) < n_finished:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"verify ended or stalled before {n_finished} claims were saved: "
                        f"{proc.communicate()[1]}")
        time.sleep(0.01)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _snapshot(out):
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir()
            if p.suffix in (".json", ".csv", ".parquet") and not p.name.startswith("verdicts")}


def _resume_and_compare(out, clean_run, finished, corrupted, capsys):
    """Re-run in ``out``; finished claims but ``corrupted`` re-used; result equals clean."""
    ref, ref_out = clean_run
    saved = _snapshot(out)
    capsys.readouterr()
    assert main(_verify_args(out)) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if " ... " in ln]
    assert len(lines) == len(ref.results)
    reused = {ln.split("] ")[1].split(" ... ")[0] for ln in lines if ln.endswith("re-used)")}
    revision = {json.loads((out / f"{k}.json").read_text())["fingerprint"]["git_revision"]
                for k in (finished[0], ref.results[-1].key)}
    if len(revision) > 1:                         # results are tied to the git revision
        pytest.skip(f"a commit landed between the two runs ({revision})")
    assert reused == set(finished) - {corrupted}
    for name, (mtime, content) in saved.items():  # re-used files untouched
        if name.rsplit(".", 1)[0] in reused:
            assert (out / name).stat().st_mtime_ns == mtime
            assert (out / name).read_bytes() == content
    assert json.loads((out / f"{corrupted}.json").read_text())["row"]["key"] == corrupted
    for res in ref.results:                       # every claim's data as in a clean run
        assert (out / f"{res.key}.csv").read_bytes() == (ref_out / f"{res.key}.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_csv(out / "verdicts.csv").drop(columns="seconds"),
                                  pd.read_csv(ref_out / "verdicts.csv").drop(columns="seconds"),
                                  check_exact=True)


def test_verify_resumes_after_sigint(tmp_path, clean_run, capsys):
    rc, err = _interrupt(tmp_path, signal.SIGINT)
    assert rc == 130 and f"interrupted; the claims finished so far are saved in {tmp_path}" in err
    assert not list(tmp_path.glob(".*"))          # the claim in progress left no temp file
    finished = _saved_keys(tmp_path)
    assert 2 <= len(finished) < len(clean_run[0].results), "not interrupted mid-run"
    corrupted = finished[0]                       # a truncated result file: recomputed
    text = (tmp_path / f"{corrupted}.json").read_text()
    (tmp_path / f"{corrupted}.json").write_text(text[: len(text) // 2])
    _resume_and_compare(tmp_path, clean_run, finished, corrupted, capsys)
    assert not list(tmp_path.glob(".*"))


def test_verify_resumes_after_sigkill(tmp_path, clean_run, capsys):
    rc, _ = _interrupt(tmp_path, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    finished = _saved_keys(tmp_path)
    assert 2 <= len(finished) < len(clean_run[0].results), "not interrupted mid-run"
    corrupted = finished[0]                       # data truncated behind an intact JSON
    csv = tmp_path / f"{corrupted}.csv"
    csv.write_bytes(csv.read_bytes()[: csv.stat().st_size // 2])
    pending = clean_run[0].results[-1].key        # a half-written temp file of a claim
    stale = tmp_path / f".{pending}.json.half.json"     # not finished: never read
    stale.write_text('{"fingerprint": {"key": "' + pending)
    before = set(tmp_path.glob(".*"))
    _resume_and_compare(tmp_path, clean_run, finished, corrupted, capsys)
    assert set(tmp_path.glob(".*")) == before     # left alone; the re-run added none
