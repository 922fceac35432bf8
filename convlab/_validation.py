"""Argument checks shared by the public entry points.

Every check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) whose
message names the argument and what is allowed, so that bad input never turns into
silent garbage further down.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np


def check_choice(name: str, value: object, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming ``name``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}")
    return value  # type: ignore[return-value]


def check_scalar(
    name: str,
    value: object,
    *,
    low: float | None = 0.0,
    strict: bool = False,
    high: float | None = None,
    integer: bool = False,
) -> float:
    """Check a real scalar: finite, ``>= low`` (``> low`` if ``strict``), ``<= high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if integer and not isinstance(value, numbers.Integral) and v != int(v):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if low is not None and (v <= low if strict else v < low):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {low:g}, got {value!r}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high:g}, got {value!r}")
    return int(v) if integer else v


def check_values(
    name: str, arr: np.ndarray, *, low: float | None = 0.0, strict: bool = False
) -> np.ndarray:
    """Check that every entry of ``arr`` is finite and ``>= low`` (``> low`` if strict)."""
    arr = np.asarray(arr, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got non-finite entries")
    if low is not None and np.any(arr <= low if strict else arr < low):
        raise ValueError(
            f"{name} must be {'>' if strict else '>='} {low:g}, got min {float(arr.min()):g}"
        )
    return arr


def as_points(name: str, x: object, dim: int | None = None, runs: int | None = None) -> np.ndarray:
    """Return ``x`` as a finite float64 array of shape (runs, dim).

    A 1-D ``x`` of length ``dim`` is repeated ``runs`` times (``runs`` defaults to 1).
    """
    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    if arr.ndim == 1:
        arr = np.tile(arr, (1 if runs is None else int(runs), 1))
    elif arr.ndim != 2:
        raise ValueError(f"{name} must have shape (runs, dim) or (dim,), got shape {arr.shape}")
    elif runs is not None and arr.shape[0] != runs:
        raise ValueError(f"{name} has {arr.shape[0]} runs but runs={runs}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one run, got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} has dim {arr.shape[1]} but the problem has dim {dim}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return arr
