"""The tour notebook (examples/tour.ipynb) runs top to bottom and shows what it says.

``test_tour_notebook`` (slow) executes the notebook with nbclient in a temporary directory
and reads the numbers it prints from the executed cells, found by their cell ids. The
default-suite tests check that the two plotting entry points the tour relies on,
:meth:`convlab.Trace.plot` and :meth:`convlab.claims.ClaimResult.plot`, return a
matplotlib ``Axes``.

No warning filter is needed here: with nbclient 0.11 / jupyter_client 8.10 / jupyter_core
5.9 starting the kernel raises no warning in the test process (``filterwarnings = error``);
warnings inside the kernel reach the cells' stderr, which the slow test asserts is empty.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import convlab
from convlab import optimizers, problems
from convlab.claims import Bound, Claim, Measurement, Ratio, Slope

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "tour.ipynb"


def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


# ------------------------------------------------------------------------------------------
# default suite: the plot methods return Axes
# ------------------------------------------------------------------------------------------


def test_trace_plot_returns_axes() -> None:
    _agg()
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    p = problems.quadratic([1.0, 4.0])
    tr = convlab.run(p, optimizers.sam(np.array([0.1, 0.2]), 0.05), np.ones(2), 50, runs=2)
    try:
        ax = tr.plot("f_gap")
        assert isinstance(ax, Axes)
        assert ax.get_xscale() == "log"
        _, given = plt.subplots()
        assert tr.plot("grad_sq", ax=given) is given
    finally:
        plt.close("all")


def _toy_claim(kind: str) -> Claim:
    s = np.array([10.0, 20.0, 40.0, 80.0])
    noise = 1.0 + 0.01 * np.random.default_rng(0).standard_normal((4, 8))
    if kind == "slope":
        m = Measurement("slope", s=s, errors=s[:, None] ** -1.0 * noise)
    elif kind == "value":
        m = Measurement("value", s=s, values=noise)
    else:
        m = Measurement("bound", s=s, values=noise, bound=np.full(4, 2.0))
    expect = {"slope": Slope(-1.0, tol=0.1), "value": Ratio(1.0, tol=0.1),
              "bound": Bound(tol=0.1)}[kind]
    return Claim(key=f"toy.{kind}", paper="toy", theorem="", statement="", theory="",
                 expect=expect, scenario=lambda sp, rng, algorithm: m,
                 algorithm=optimizers.sgd, sizes={"small": {}, "full": {}})


@pytest.mark.parametrize("kind", ["slope", "value", "bound"])
def test_claim_result_plot_returns_axes(kind: str) -> None:
    _agg()
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    r = _toy_claim(kind).check("small")
    assert r.passed
    try:
        ax = r.plot()
        assert isinstance(ax, Axes)
        assert "PASS" in ax.get_title()
        _, given = plt.subplots()
        assert r.plot(ax=given) is given
    finally:
        plt.close("all")


# ------------------------------------------------------------------------------------------
# slow: execute the notebook
# ------------------------------------------------------------------------------------------


def _text(cell) -> str:
    """Everything a code cell printed or returned, as plain text."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", ""))
    return "\n".join(parts)


def _has_png(cell) -> bool:
    return any(out["output_type"] == "display_data" and "image/png" in out["data"]
               for out in cell.get("outputs", []))


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in:\n{text}"
    return float(match.group(1))


@pytest.mark.slow
def test_tour_notebook(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat "
                                   "(pip install -e '.[test]')")
    nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient "
                                   "(pip install -e '.[test]')")
    pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel, the python3 "
                        "kernel (pip install -e '.[test]')")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit examples/tour.ipynb without outputs"
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()                   # raises CellExecutionError if a cell raises

    cells = {c.id: c for c in nb.cells if c.cell_type == "code"}
    for c in cells.values():
        errors = [o for o in c.outputs if o["output_type"] == "error"]
        assert not errors, f"cell {c.id} raised: {errors[0]['ename']}: {errors[0]['evalue']}"
        stderr = [o["text"] for o in c.outputs
                  if o["output_type"] == "stream" and o["name"] == "stderr"]
        assert not stderr, f"cell {c.id} wrote to stderr (a warning?): {stderr}"
    assert not any(tmp_path.iterdir()), "the notebook should write no files"

    # 2. Trace.plot returns an Axes, and a figure is shown
    plot = _text(cells["trace-plot"])
    assert "matplotlib.axes" in plot and "Axes" in plot, plot
    assert _has_png(cells["trace-plot"])

    # 3. the band law to rounding error, on a 2-cycle
    band = _text(cells["band-law"])
    assert _number(r"band law: max relative error = (\S+)", band) < 1e-8
    assert "f at T-1 equals f at T: True" in band

    # 4. same seed, same numbers; another seed, other numbers
    seeds = _text(cells["seeds"])
    assert "same seed, identical traces: True" in seeds
    assert "other seed, identical traces: False" in seeds

    # 5. SGD with 1/(mu (t + t0)) steps: slope -1 within its CI, verdict MATCHES
    fit = _text(cells["rate-fit"])
    slope = _number(r"slope = (\S+),", fit)
    lo = _number(r"95% CI \[(\S+),", fit)
    hi = _number(r"95% CI \[\S+, (\S+)\]", fit)
    assert lo <= slope <= hi and abs(slope + 1.0) < 0.1, fit
    assert "verdict against -1 +/- 0.1: MATCHES" in fit

    # 6. the claim passes; its plot is an Axes
    row = ast.literal_eval(_text(cells["claim-check"]))
    assert row["key"] == "si_yun_2023.sam.band_law"
    assert row["verdict"] == "matches" and row["passed"] is True, row
    assert abs(row["measured"] - 1.0) < 1e-8
    claim_plot = _text(cells["claim-plot"])
    assert "matplotlib.axes" in claim_plot and "Axes" in claim_plot, claim_plot
    assert _has_png(cells["claim-plot"])
