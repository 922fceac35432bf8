"""The claim spec: typed expectations, the algorithm as a parameter, claims from files and
entry points, and the ``convlab`` commands that show them."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from convlab import claims, optimizers
from convlab.claims import Bound, ClaimLoadError, Measurement, Order, Paper, Ratio, Slope, Sweep
from convlab.rates import Verdict

ROOT = Path(__file__).resolve().parents[1]


class Called(Exception):
    """Raised by the spy factory: the scenario reached the algorithm it was given."""


def _spy(*args, **kwargs):
    raise Called(kwargs)


@pytest.mark.parametrize("claim", claims.CLAIMS, ids=lambda c: c.key)
def test_every_claim_builds_its_optimizer_through_the_algorithm_parameter(claim):
    """A scenario that built its optimizer itself would run to the end instead."""
    with pytest.raises(Called):
        claim.check("small", 0, algorithm=_spy)


def test_a_wrong_algorithm_changes_the_verdict():
    c = claims.get("textbook.sgd.one_over_t")
    wrong = lambda lr: optimizers.sgd(lr=lambda t: 0.1 * lr(t))
    assert c.check("small", 0).passed
    r = c.check("small", 0, algorithm=wrong)
    assert not r.passed and r.algorithm.endswith("<lambda>")


def test_expectations_are_checked():
    with pytest.raises(ValueError, match="side"):
        Slope(-1.0, tol=0.1, side="both")
    with pytest.raises(ValueError, match="tol"):
        Ratio(1.0, tol=0.0)
    with pytest.raises(ValueError, match="predicted"):
        Slope(float("nan"), tol=0.1)
    assert Bound().side == "upper" and Order().kind == "bound"


def _claim(**kw):
    base = dict(theorem="t", statement="s", theory="x", expect=Ratio(1.0, tol=0.1),
                scenario=lambda sp, rng, algorithm: Measurement(values=np.ones(3)),
                sizes={"small": {}, "full": {}})
    return Paper("tmp_paper", "a paper", algorithm=optimizers.sgd).claim("a.b", **{**base, **kw})


def test_claim_fields_are_validated():
    assert _claim().key == "tmp_paper.a.b" and _claim().check().passed
    with pytest.raises(TypeError, match="expect"):
        _claim(expect=1.0)
    with pytest.raises(TypeError, match="algorithm"):
        _claim(algorithm="sgd")
    with pytest.raises(ValueError, match="sizes"):
        _claim(sizes={"small": {}})
    with pytest.raises(TypeError, match="not an optimizer factory"):
        _claim().check(algorithm=3)
    bad = _claim(scenario=lambda sp, rng, algorithm: {"values": 1})
    with pytest.raises(TypeError, match="Measurement"):
        bad.check()


def test_the_bound_and_ratio_rules():
    r = Bound(tol=0.1).evaluate(Measurement(values=np.full((2, 4), 1.05), bound=np.ones(2)))
    assert r[3] is Verdict.MATCHES
    r = Bound(tol=0.01).evaluate(Measurement(values=np.full((2, 4), 1.05), bound=np.ones(2)))
    assert r[3] is Verdict.ABOVE and r[1] == pytest.approx(1.05)
    r = Ratio(1.0, tol=0.1).evaluate(Measurement(values=np.array([[1.0] * 4, [1.5] * 4])))
    assert r[3] is Verdict.ABOVE and r[1] == pytest.approx(1.5)   # the worst point decides


def test_sweep_names_what_a_callable_may_ask_for():
    sw = Sweep(problem=lambda nope: None, params=lambda p: {})
    c = _claim(scenario=sw, sizes={"small": {"T": [1, 2], "runs": 1}, "full": {}})
    with pytest.raises(TypeError, match=r"asks for \['nope'\]"):
        c.check()


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_claim_file_that_fails_to_import_is_an_error_naming_it(tmp_path):
    path = _write(tmp_path, "broken.py", "import no_such_module_here\n")
    with pytest.raises(ClaimLoadError, match=r"broken\.py failed to import") as info:
        claims.load_file(path)
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    with pytest.raises(ClaimLoadError, match="does not exist"):
        claims.load_file(tmp_path / "absent.py")
    with pytest.raises(ClaimLoadError, match="no CLAIMS"):
        claims.load_file(_write(tmp_path, "empty.py", "X = 1\n"))


def test_a_duplicate_key_is_an_error_naming_both_sources(tmp_path):
    path = _write(tmp_path, "dup.py", (
        "from convlab import claims\n"
        "CLAIMS = [claims.get('textbook.sgd.one_over_t')]\n"))
    n = len(claims.CLAIMS)
    with pytest.raises(ClaimLoadError, match=r"duplicate claim key 'textbook.sgd.one_over_t'"
                                             r".*convlab.claims.textbook"):
        claims.load_file(path)
    assert len(claims.CLAIMS) == n


class _EP:
    def __init__(self, name, obj):
        self.name, self.value, self.dist, self._obj = name, f"pkg:{name}", None, obj

    def load(self):
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


def test_entry_points_register_claims(monkeypatch):
    ext = replace(claims.get("textbook.sgd.one_over_t"), key="ext_pkg.sgd.rate", source="")
    monkeypatch.setattr(claims.metadata, "entry_points",
                        lambda group: [_EP("ext", [ext])] if group == "convlab.claims" else [])
    monkeypatch.setattr(claims, "CLAIMS", list(claims.CLAIMS))
    monkeypatch.setattr(claims, "_LOADED", [])
    new = claims.load_entry_points()
    assert [c.key for c in new] == ["ext_pkg.sgd.rate"]
    assert claims.get("ext_pkg.sgd.rate").source.startswith("entry point ext")
    assert claims.load_entry_points() == []          # loaded once
    monkeypatch.setattr(claims.metadata, "entry_points",
                        lambda group: [_EP("bad", ImportError("boom"))])
    with pytest.raises(ClaimLoadError, match=r"entry point bad .* failed to import: "
                                             "ImportError: boom"):
        claims.load_entry_points()


def _convlab(*args):
    return subprocess.run([sys.executable, "-m", "convlab", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


def test_verify_runs_the_readme_example_claim_file():
    out = _convlab("verify", "--claims", "examples/my_claim.py", "--only", "my_lab", "--quiet")
    assert out.returncode == 0, out.stderr
    assert "my_lab.sgd.least_squares_one_over_t" in out.stdout
    assert "PASS (matches)" in out.stdout and "1/1 claims passed" in out.stdout


def test_cli_list_show_and_bad_claim_files(tmp_path):
    out = _convlab("list", "claims", "--claims", "examples/my_claim.py")
    assert out.returncode == 0 and "my_claim.py" in out.stdout
    assert "textbook.sgd.one_over_t  (convlab.claims.textbook)" in out.stdout
    out = _convlab("show", "textbook.sgd.one_over_t")
    assert out.returncode == 0
    for word in ("statement:", "theory:", "expect:     Slope -1", "why tol:",
                 "algorithm:  convlab.optimizers.sgd.sgd", "size small"):
        assert word in out.stdout, word
    broken = _write(tmp_path, "broken.py", "raise RuntimeError('nope')\n")
    out = _convlab("verify", "--claims", str(broken))
    assert out.returncode == 2 and "broken.py failed to import: RuntimeError: nope" in out.stderr
    assert _convlab("show", "no.such.key").returncode == 2
    assert _convlab("verify", "--seed", "-3").returncode == 2
    assert _convlab("--version").stdout.startswith("convlab ")


def test_readme_example_is_the_example_file_and_at_most_15_lines_of_spec():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Write your own claim", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert code.strip() in (ROOT / "examples" / "my_claim.py").read_text()
    spec = code[code.index("CLAIMS = ["):].strip().splitlines()
    assert len(spec) <= 15, len(spec)


def test_list_into_a_closed_pipe_ends_without_a_traceback():
    proc = subprocess.Popen([sys.executable, "-m", "convlab", "list"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                              # like `convlab list | head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err and "Broken pipe" not in err
