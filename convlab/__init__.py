"""convlab: check convergence theorems for sharpness-aware minimization with numbers.

The public API (DESIGN.md): problems, oracles, schedules, optimizers, ``run`` and
``Trace``; rates, sharpness, claims and ``verify`` build on them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import optimizers, oracles, problems, schedules
from .run import run
from .streams import PerRunStreams
from .trace import Trace

try:
    __version__ = version("convlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+local"

__all__ = [
    "PerRunStreams",
    "Trace",
    "__version__",
    "optimizers",
    "oracles",
    "problems",
    "run",
    "schedules",
]


def __getattr__(name: str):  # lazy: rates/claims/sharpness import scipy.stats, sympy
    import importlib

    if name in ("rates", "sharpness", "claims", "theory", "plotting", "report"):
        return importlib.import_module(f".{name}", __name__)
    if name == "verify":
        from .report import verify

        return verify
    raise AttributeError(f"module 'convlab' has no attribute {name!r}")
