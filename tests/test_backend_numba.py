"""The numba backend against the NumPy engine: same iterates (1e-12), same metrics, same
divergence handling, same errors. Skipped when numba is not installed.

Agreement is checked before the SAM oscillation band (THEORY.md §4.1): inside the band the
normalized ascent direction amplifies rounding differences (the two engines sum the
matrix products in different orders), so the runs start far from the minimiser and stop
while every run is still many band radii away from it.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

pytest.importorskip("numba", reason='numba is not installed (pip install -e ".[numba]")')

from convlab import optimizers, problems, run, schedules
from convlab.backends import numba_available, numba_sam

T = 120
RUNS = 9
TOL = 1e-12


def _problems():
    d = 8
    return {
        "rotated_centered": problems.quadratic(np.geomspace(1, 10, d), rotate=0,
                                               center=np.linspace(-1, 1, d)),
        "rotated": problems.quadratic(np.geomspace(1, 10, d), rotate=1),
        "diagonal": problems.quadratic(np.geomspace(1, 10, d), center=np.linspace(0, 2, d)),
    }


PROBLEMS = _problems()
LR = np.linspace(0.01, 0.03, RUNS)
RHO = np.linspace(0.0, 0.01, RUNS)
OPTS = {
    "sgd": lambda: optimizers.sgd(0.03),
    "sgd_momentum": lambda: optimizers.sgd(LR, momentum=0.5),
    "sam": lambda: optimizers.sam(0.03, 0.01),
    "sam_per_run": lambda: optimizers.sam(LR, RHO),
    "sam_eps": lambda: optimizers.sam(0.03, RHO, eps=1e-3),
    "sam_momentum": lambda: optimizers.sam(0.01, 0.01, momentum=0.5),
    "sam_schedule": lambda: optimizers.sam(schedules.inverse_power(0.03, 0.5), 0.01),
    "usam": lambda: optimizers.usam(0.03, 0.05),
    "usam_per_run": lambda: optimizers.usam(LR, np.linspace(0.0, 0.1, RUNS)),
}


def x0_for(p):
    return p.x_star + 30.0 * np.random.default_rng(7).standard_normal((RUNS, p.dim))


def assert_same(tr, ref, tol=TOL):
    """Iterates (norm-wise per run) and every metric (entry-wise) to ``tol`` relative."""
    err = np.linalg.norm(tr.x - ref.x, axis=1) / np.linalg.norm(ref.x, axis=1)
    assert err.max() <= tol, err.max()
    np.testing.assert_array_equal(tr.t, ref.t)
    np.testing.assert_array_equal(tr.diverged, ref.diverged)
    np.testing.assert_array_equal(tr.diverged_at, ref.diverged_at)
    assert set(tr.metrics) == set(ref.metrics)
    for m in ref.metrics:
        np.testing.assert_array_equal(np.isnan(tr[m]), np.isnan(ref[m]))
        np.testing.assert_allclose(tr[m], ref[m], rtol=tol, atol=0, err_msg=m)


@pytest.mark.parametrize("pname", list(PROBLEMS))
@pytest.mark.parametrize("oname", list(OPTS))
def test_matches_numpy_engine(pname, oname):
    p, opt = PROBLEMS[pname], OPTS[oname]()
    x0 = x0_for(p)
    ref = run(p, opt, x0, T, progress=False)
    if opt.name == "sam":
        # before the band: every run is still 20 band radii from x* or more; the radius
        # is eta L rho / (2 - eta L) <= 0.03 * 10 * 0.01 / 1.7 < 2e-3 (THEORY.md §4.1)
        assert np.sqrt(ref["dist_sq"][-1]).min() > 0.04
    assert_same(numba_sam.run(p, opt, x0, T), ref)


def test_blocks_parallel_and_record_at():
    """Several blocks (one partial), serial and parallel, explicit records."""
    p = problems.quadratic(np.geomspace(1, 10, 20), rotate=2, center=np.ones(20))
    x0 = p.x_star + 10.0 * np.random.default_rng(1).standard_normal((23, 20))
    opt = optimizers.sam(np.linspace(0.01, 0.03, 23), 0.01, momentum=0.3)
    rec = [0, 1, 7, 50, 100]
    ref = run(p, opt, x0, 100, record_at=rec, progress=False)
    assert_same(numba_sam.run(p, opt, x0, 100, record_at=rec, block=5), ref)
    assert_same(numba_sam.run(p, opt, x0, 100, record_at=rec, block=5, parallel=True), ref)
    q = problems.quadratic(np.geomspace(1, 10, 20), center=np.ones(20))     # diagonal
    ref = run(q, opt, x0, 100, record_at=rec, progress=False)
    assert_same(numba_sam.run(q, opt, x0, 100, record_at=rec, block=4, parallel=True), ref)


def test_no_records():
    """An empty record_at (an extension of run) keeps the final iterates only."""
    p = PROBLEMS["rotated_centered"]
    x0 = x0_for(p)
    opt = optimizers.sam(LR, RHO)
    tr = numba_sam.run(p, opt, x0, T, record_at=[])
    ref = run(p, opt, x0, T, record_at=[T], progress=False)
    assert tr.t.size == 0 and all(v.shape == (0, RUNS) for v in tr.metrics.values())
    err = np.linalg.norm(tr.x - ref.x, axis=1) / np.linalg.norm(ref.x, axis=1)
    assert err.max() <= TOL


def test_wrappers_build_the_numpy_optimizers():
    p = PROBLEMS["rotated"]
    x0 = x0_for(p)
    pairs = [
        (numba_sam.sam(p, x0, T, LR, RHO, eps=1e-3, momentum=0.2),
         optimizers.sam(LR, RHO, eps=1e-3, momentum=0.2)),
        (numba_sam.usam(p, x0, T, 0.02, RHO), optimizers.usam(0.02, RHO)),
        (numba_sam.sgd(p, x0, T, LR, momentum=0.5), optimizers.sgd(LR, momentum=0.5)),
    ]
    for tr, opt in pairs:
        assert_same(tr, run(p, opt, x0, T, progress=False))
        assert tr.meta["backend"] == "numba" and tr.meta["optimizer"] == opt.name


@pytest.mark.parametrize("pname", ["rotated_centered", "diagonal"])
def test_divergence_is_frozen_like_run(pname):
    """Runs with a step size beyond 2/L blow up: same flags, steps, frozen iterates, NaNs."""
    p = PROBLEMS[pname]
    x0 = x0_for(p)
    lr = np.linspace(0.01, 0.4, RUNS)            # L = 10: lr > 0.2 diverges
    for opt in (optimizers.sgd(lr), optimizers.sam(lr, 0.01)):
        ref = run(p, opt, x0, 400, blowup=1e6, progress=False)
        assert ref.diverged.any() and not ref.diverged.all()
        tr = numba_sam.run(p, opt, x0, 400, blowup=1e6, block=4)
        ok = ~ref.diverged
        np.testing.assert_array_equal(tr.diverged_at, ref.diverged_at)
        np.testing.assert_allclose(tr.x[~ok], ref.x[~ok], rtol=TOL, atol=0)
        for m in ref.metrics:
            np.testing.assert_array_equal(np.isnan(tr[m]), np.isnan(ref[m]))


def _error(fn):
    with pytest.raises((ValueError, TypeError)) as info:
        fn()
    return info.type, str(info.value)


def test_bad_input_raises_the_numpy_errors():
    p = PROBLEMS["rotated"]
    x0 = x0_for(p)
    cases = [
        (lambda: numba_sam.sam(p, x0, 5, -0.1, 0.1),
         lambda: run(p, optimizers.sam(-0.1, 0.1), x0, 5)),
        (lambda: numba_sam.sam(p, x0, 5, 0.1, 0.1, momentum=1.0),
         lambda: run(p, optimizers.sam(0.1, 0.1, momentum=1.0), x0, 5)),
        (lambda: numba_sam.sam(p, x0, 5, np.full(RUNS + 1, 0.1), 0.1),
         lambda: run(p, optimizers.sam(np.full(RUNS + 1, 0.1), 0.1), x0, 5)),
        (lambda: numba_sam.usam(p, x0, 5, 0.1, np.array([0.1, np.nan])),
         lambda: run(p, optimizers.usam(0.1, np.array([0.1, np.nan])), x0, 5)),
        (lambda: numba_sam.sgd(p, x0[:, :3], 5, 0.1),
         lambda: run(p, optimizers.sgd(0.1), x0[:, :3], 5)),
        (lambda: numba_sam.sgd(p, x0, -1, 0.1), lambda: run(p, optimizers.sgd(0.1), x0, -1)),
        (lambda: numba_sam.sgd(p, x0, 5, 0.1, record_at=[9]),
         lambda: run(p, optimizers.sgd(0.1), x0, 5, record_at=[9])),
        (lambda: numba_sam.run(p, "sam", x0, 5), lambda: run(p, "sam", x0, 5)),
    ]
    for ours, numpy_path in cases:
        assert _error(ours) == _error(numpy_path)


def test_unsupported_problem_and_optimizer():
    p, x0 = PROBLEMS["rotated"], x0_for(PROBLEMS["rotated"])
    with pytest.raises(ValueError, match="quadratic problems only"):
        numba_sam.sgd(problems.rosenbrock(2), np.zeros((2, 2)), 5, 0.1)
    with pytest.raises(ValueError, match="runs sgd, sam and usam"):
        numba_sam.run(p, optimizers.gsam(0.1, 0.1, 0.1), x0, 5)
    assert numba_sam.supports(p, optimizers.sam(0.1, 0.1))
    assert not numba_sam.supports(problems.rosenbrock(2), optimizers.sam(0.1, 0.1))


def test_missing_numba_gives_install_hint(monkeypatch):
    assert numba_available()
    import convlab.backends as backends

    monkeypatch.delitem(sys.modules, "convlab.backends._numba_kernels", raising=False)
    monkeypatch.delattr(backends, "_numba_kernels", raising=False)
    monkeypatch.setitem(sys.modules, "numba", None)     # makes `import numba` fail
    with pytest.raises(ImportError, match=r'pip install -e "\.\[numba\]"'):
        numba_sam.sgd(PROBLEMS["rotated"], x0_for(PROBLEMS["rotated"]), 5, 0.1)
