"""``convlab verify --jobs N / --scheduler ADDRESS``: claims on a Dask cluster.

The tests that start a cluster skip when dask.distributed is not installed (the ``dask``
extra); the argument checks and the missing-dask error run everywhere.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest

from convlab import report, scaleout
from convlab.cli import main

#: Four claims of about 1 s or less each at size small, from three modules (exact keys:
#: none is a prefix of another claim).
FAST = ["textbook.sgd.one_over_t", "malitsky_mishchenko_2020.adgd.step_invariant",
        "malitsky_mishchenko_2020.adgd.ergodic_rate",
        "naganuma_sasam.sasam.step_invariant_stochastic"]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The serial run of FAST (in this process), with its output folder."""
    out = tmp_path_factory.mktemp("serial")
    return report.verify(FAST, out=out, figures=False), out


def assert_same_results(a: report.Report, b: report.Report) -> None:
    """Equal ClaimResults, apart from the timings."""
    assert [r.key for r in a.results] == [r.key for r in b.results]
    for x, y in zip(a.results, b.results, strict=True):
        rx, ry = x.row(), y.row()
        del rx["seconds"], ry["seconds"]
        np.testing.assert_equal(rx, ry)
        pd.testing.assert_frame_equal(x.frame, y.frame, check_exact=True)
        for name in ("kind", "s", "errors", "values", "bound", "notes", "extra"):
            np.testing.assert_equal(getattr(x.measurement, name),
                                    getattr(y.measurement, name), err_msg=f"{x.key}: {name}")
        np.testing.assert_equal(None if x.fit is None else vars(x.fit),
                                None if y.fit is None else vars(y.fit))


def test_jobs_2_results_equal_serial(serial, tmp_path, capsys):
    pytest.importorskip("distributed", reason="needs dask.distributed (the dask extra)")
    ref, ref_out = serial
    out = tmp_path / "jobs2"
    got = report.verify(FAST, out=out, figures=False, echo=True, jobs=2)
    assert_same_results(ref, got)                 # in claim order, whatever finished first
    pd.testing.assert_frame_equal(got.table().drop(columns="seconds"),
                                  ref.table().drop(columns="seconds"), check_exact=True)
    for key in FAST:                              # the tidy data, byte for byte
        assert (out / f"{key}.csv").read_bytes() == (ref_out / f"{key}.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_csv(out / "verdicts.csv").drop(columns="seconds"),
                                  pd.read_csv(ref_out / "verdicts.csv").drop(columns="seconds"),
                                  check_exact=True)
    err = capsys.readouterr().err
    assert "running 4 claims on 2 workers at tcp://127.0.0.1:" in err
    assert sum(f"] {key} ... PASS (" in err for key in FAST) == 4        # one line each
    assert all(f"[{i}/4] " in err for i in range(1, 5))
    assert not list(out.glob(".*"))               # no temporary files left behind
    # the CLI on the same folder: every claim re-used, so no cluster is started
    assert main(["verify", "--only", *FAST, "--out", str(out), "--no-figures",
                 "--jobs", "2"]) == 0
    cap = capsys.readouterr()
    assert "workers" not in cap.err and cap.err.count("re-used") == 4
    rows = [ln.split("`")[1] for ln in cap.out.splitlines() if ln.startswith("| `")]
    assert rows == FAST


def test_local_workers_keep_blas_threads_of_this_process(monkeypatch):
    pytest.importorskip("distributed", reason="needs dask.distributed (the dask extra)")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = dict(os.environ)
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    with scaleout.cluster_client(jobs=2) as client:
        assert dict(os.environ) == before         # Dask's spawn settings did not leak here
        seen = client.run(lambda: {k: os.environ.get(k) for k in names})
    assert list(seen.values()) == [{"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": None}] * 2
    assert dict(os.environ) == before


@pytest.mark.slow
def test_jobs_2_bit_identical_where_blas_threads_matter(tmp_path):
    """The bootstrap CI of these claims changes in the last digit with 1 BLAS thread."""
    pytest.importorskip("distributed", reason="needs dask.distributed (the dask extra)")
    keys = ["si_yun_2023.sam.stochastic_floor_value", "harada_iiduka_2024.gsam.flatness"]
    assert_same_results(report.verify(keys, figures=False),
                        report.verify(keys, figures=False, jobs=2))


@pytest.mark.slow
def test_cli_scheduler_runs_claims_on_its_workers(serial, tmp_path, capsys):
    distributed = pytest.importorskip("distributed",
                                      reason="needs dask.distributed (the dask extra)")
    _, ref_out = serial
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0") as cluster:
        assert main(["verify", "--only", *FAST[:2], "--out", str(tmp_path), "--no-figures",
                     "--scheduler", cluster.scheduler_address]) == 0
    assert f"on 2 workers at {cluster.scheduler_address}" in capsys.readouterr().err
    for key in FAST[:2]:
        assert (tmp_path / f"{key}.csv").read_bytes() == (ref_out / f"{key}.csv").read_bytes()


def test_bad_scheduler_address_is_a_clear_error(capsys):
    dask = pytest.importorskip("dask", reason="needs dask.distributed (the dask extra)")
    pytest.importorskip("distributed", reason="needs dask.distributed (the dask extra)")
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        with pytest.raises(ConnectionError, match=r"scheduler='tcp://127\.0\.0\.1:1': no Dask"):
            report.verify(FAST[:1], scheduler="tcp://127.0.0.1:1")
        assert main(["verify", "--only", FAST[0], "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "convlab verify: error: scheduler='tcp://127.0.0.1:1'" in err
    assert "dask scheduler" in err
    with pytest.raises(ValueError, match="scheduler='nonsense'"):
        report.verify(FAST[:1], scheduler="nonsense")


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True])
def test_jobs_must_be_a_positive_integer(jobs):
    with pytest.raises(ValueError, match=f"jobs={jobs!r}"):
        report.verify(FAST[:1], jobs=jobs)


def test_cli_rejects_bad_jobs_and_both_flags(capsys):
    assert main(["verify", "--only", FAST[0], "--jobs", "0"]) == 2
    assert "jobs=0 must be >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not both"):
        report.verify(FAST[:1], scheduler="tcp://127.0.0.1:8786", jobs=2)
    with pytest.raises(ValueError, match="must be an integer seed"):
        report.verify(FAST[:1], jobs=2, rng=np.random.default_rng(0))


def test_missing_dask_names_the_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)     # import distributed fails
    with pytest.raises(ImportError, match=r'pip install -e "\.\[dask\]"'):
        report.verify(FAST[:1], jobs=2)
    assert main(["verify", "--only", FAST[0], "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert 'needs dask.distributed: pip install -e ".[dask]"' in capsys.readouterr().err
    got = report.verify(FAST[:1], out=tmp_path, figures=False, jobs=1)   # serial: no dask
    assert got.results[0].key == FAST[0] and (tmp_path / f"{FAST[0]}.json").exists()


def test_worker_with_another_environment_is_refused():
    here = scaleout.environment()
    assert len(here["source_sha256"]) == 64 and here["convlab_version"]
    scaleout.same_environment(dict(here, machine="other", git_revision="x"), here, "k")
    with pytest.raises(RuntimeError, match=r"claim 'k'.*source_sha256: worker 'abc', here '"):
        scaleout.same_environment(dict(here, source_sha256="abc"), here, "k")
    with pytest.raises(RuntimeError, match=r"numpy_version: worker '0\.0'"):
        scaleout.same_environment(dict(here, numpy_version="0.0"), here, "k")
