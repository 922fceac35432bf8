"""Optional compiled backends. NumPy (:mod:`convlab.optimizers` with :func:`convlab.run`)
stays the default and the reference; a backend reproduces its iterates to rounding.

``numba_sam``: SGD / SAM / USAM on quadratics, all steps of all runs in one compiled call
(needs the ``numba`` extra: ``pip install -e ".[numba]"``). numba is imported only when a
kernel is first used, so importing convlab never needs it.
"""

from __future__ import annotations

import importlib.util

__all__ = ["numba_available"]


def numba_available() -> bool:
    """True when numba can be imported (the ``numba`` extra is installed)."""
    return importlib.util.find_spec("numba") is not None
