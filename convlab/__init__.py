"""convlab: check convergence theorems for sharpness-aware minimization with numbers.

The public API (DESIGN.md): problems, oracles, schedules, optimizers, ``run`` and
``Trace``; rates, sharpness, claims and ``verify`` build on them. ``rates``, ``claims``,
``theory``, ``sharpness`` and ``verify`` are loaded on first access (they import
scipy.stats and sympy), so ``import convlab`` stays light.

Examples
--------
>>> import convlab as cl
>>> p = cl.problems.quadratic([1.0, 4.0])
>>> trace = cl.run(p, cl.optimizers.sam(0.1, 0.05), [[1.0, 1.0]], 20)
>>> trace.final("f_gap").shape
(1,)
"""

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from . import optimizers, oracles, problems, schedules
from .run import run
from .streams import PerRunStreams
from .trace import Trace

try:
    __version__ = _version("convlab")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+local"

#: Submodules imported on first attribute access (module ``__getattr__``, PEP 562).
_LAZY_MODULES = ("certify", "claims", "heldout", "mutants", "plotting", "power", "rates", "report",
                 "sharpness", "theory", "worst")

__all__ = [
    "PerRunStreams",
    "Trace",
    "__version__",
    "certify",
    "claims",
    "heldout",
    "mutants",
    "optimizers",
    "oracles",
    "power",
    "problems",
    "rates",
    "run",
    "schedules",
    "sharpness",
    "theory",
    "verify",
    "worst",
]


def __getattr__(name: str):  # lazy: rates/claims/sharpness import scipy.stats, sympy
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name == "verify":
        from .report import verify

        return verify
    raise AttributeError(f"module 'convlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names (``__all__``), including the lazily loaded ones."""
    return sorted(__all__)
