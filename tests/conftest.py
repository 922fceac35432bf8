"""Shared fixtures for the engine tests (problems, oracles, schedules, optimizers, run).

Every fixture is cheap and deterministic: the numbers a test sees depend only on the
seeds written here and in the test itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlab import problems


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh seeded generator per test (tests never share a random stream)."""
    return np.random.default_rng(20240517)


@pytest.fixture
def lsq() -> problems.Problem:
    """A small least-squares finite sum (n=12 components, dim=3, noisy targets) on which
    mini-batches really differ from the full gradient."""
    return problems.least_squares(n=12, dim=3, noise=0.5, rng=3)


@pytest.fixture
def quad2() -> problems.Problem:
    """The 2-D diagonal quadratic f = (x1^2 + 4 x2^2)/2 used for hand-computed steps."""
    return problems.quadratic([1.0, 4.0])


@pytest.fixture
def quad_rot() -> problems.Problem:
    """The rotated quadratic of the band law: d=10, spectrum geomspace(1, 10), Q seeded."""
    return problems.quadratic(np.geomspace(1.0, 10.0, 10), rotate=0)


# When a hypothesis test fails, its pytest plugin imports hypothesis.extra._patching
# (through libcst), which emits a DeprecationWarning from mypy_extensions; with
# `filterwarnings = error` that turns the failure report into an INTERNALERROR that aborts
# the whole session. Importing it once here, with that warning silenced, keeps failing
# property tests reported as ordinary failures.
def _preload_hypothesis_patching() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import hypothesis.extra._patching  # noqa: F401
        except ImportError:  # pragma: no cover - optional dependency (libcst) missing
            pass


_preload_hypothesis_patching()
