"""Provenance recorded with every saved result: versions, git revision, platform."""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import scipy


@functools.cache
def git_revision() -> str | None:
    """The git commit of the convlab source tree (``+dirty`` if modified), or None."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                                "convlab"], capture_output=True, text=True, timeout=5,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+dirty" if dirty else "")


def provenance() -> dict[str, Any]:
    """Versions of convlab, numpy, scipy, Python, the git revision and the machine."""
    from . import __version__

    return {
        "convlab_version": __version__,
        "git_revision": git_revision(),
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "python_version": platform.python_version(),
        "machine": platform.machine(),
        "blas": blas(),
    }


@functools.cache
def blas() -> str:
    """NumPy's BLAS/LAPACK as NumPy reports it (e.g. ``"scipy-openblas 0.3.27"``)."""
    try:
        cfg = np.show_config(mode="dicts")
        deps = cfg.get("Build Dependencies", {})
        b = deps.get("blas", {})
        return f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except (TypeError, ValueError, AttributeError):     # older NumPy: no dict mode
        return "unknown"
