"""The claims registry: every theorem of the seed papers as a runnable check.

One module per paper; each defines ``CLAIMS: list[Claim]``. Keys are
``<paper>.<algorithm>.<quantity>`` and match the sections of paper_notes.md.

Claims also come from outside the package: :func:`load_file` reads ``CLAIMS`` from a
Python file (``convlab verify --claims FILE.py``), and installed distributions register
modules (or callables returning claims) under the entry-point group ``convlab.claims``.
A file or module that fails to import, or a key defined twice, is an error naming where it
came from; nothing is skipped silently.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

from . import base, spec
from .base import *  # noqa: F403
from .base import Claim
from .spec import *  # noqa: F403

MODULES = ("textbook", "si_yun_2023", "andriushchenko_flammarion_2022", "zhuang_2022",
           "harada_iiduka_2024", "sun_2023_adasam", "malitsky_mishchenko_2020", "naganuma_sasam",
           "upper_bounds", "learning")
ENTRY_POINT_GROUP = "convlab.claims"


class ClaimLoadError(ValueError):
    """A claim source that cannot be loaded (import error, no claims, duplicate key)."""


def _as_claims(obj: Any, where: str) -> list[Claim]:
    """The claims of a module (``CLAIMS``), a list, or a callable returning either."""
    if hasattr(obj, "CLAIMS"):
        obj = obj.CLAIMS
    elif callable(obj) and not isinstance(obj, Claim):
        obj = obj()
    if isinstance(obj, Claim):
        obj = [obj]
    try:
        out = list(obj)
    except TypeError:
        raise ClaimLoadError(f"{where}: defines no CLAIMS list (got {type(obj).__name__})"
                             ) from None
    bad = [type(c).__name__ for c in out if not isinstance(c, Claim)]
    if bad:
        raise ClaimLoadError(f"{where}: CLAIMS holds non-Claim entries {bad}")
    return [replace(c, source=c.source or where) for c in out]


def _add(registry: list[Claim], new: Iterable[Claim]) -> None:
    """Append ``new`` to ``registry``; a key defined twice raises, naming both sources."""
    seen = {c.key: c for c in registry}
    for c in new:
        if c.key in seen:
            raise ClaimLoadError(f"duplicate claim key {c.key!r}: defined in {seen[c.key].source}"
                                 f" and in {c.source}")
        seen[c.key] = c
        registry.append(c)


def _package_claims() -> list[Claim]:
    out: list[Claim] = []
    for name in MODULES:
        mod = importlib.import_module(f".{name}", __name__)
        _add(out, _as_claims(mod, f"{__name__}.{name}"))
    return out


def load_file(path: str | Path) -> list[Claim]:
    """Load the ``CLAIMS`` of a Python file and add them to the registry.

    Loading the same file twice is a no-op. Returns the file's claims.

    Raises
    ------
    ClaimLoadError
        If the file does not exist, fails to import (the cause is chained), defines no
        ``CLAIMS``, or defines a key that is already registered.
    """
    path = Path(path).resolve()
    where = str(path)
    if where in _LOADED:
        return [c for c in CLAIMS if c.source == where]
    if not path.is_file():
        raise ClaimLoadError(f"claim file {where} does not exist")
    name = f"convlab_user_claims_{len(_LOADED)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ClaimLoadError(f"claim file {where} is not a Python module")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise ClaimLoadError(f"claim file {where} failed to import: "
                             f"{type(exc).__name__}: {exc}") from exc
    new = _as_claims(mod, where)
    _add(CLAIMS, new)
    _LOADED.append(where)
    return new


def load_entry_points() -> list[Claim]:
    """Load the claims registered under the entry-point group ``convlab.claims``."""
    new: list[Claim] = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep.dist, "name", "?") if getattr(ep, "dist", None) else "?"
        where = f"entry point {ep.name} = {ep.value} ({dist})"
        if where in _LOADED:
            continue
        try:
            obj = ep.load()
        except Exception as exc:
            raise ClaimLoadError(f"{where} failed to import: {type(exc).__name__}: {exc}"
                                 ) from exc
        claims = _as_claims(obj, where)
        _add(CLAIMS, claims)
        _LOADED.append(where)
        new += claims
    return new


#: Every registered claim: the package's, then files' and entry points' as they load.
CLAIMS: list[Claim] = _package_claims()
_LOADED: list[str] = []
load_entry_points()


def get(key: str) -> Claim:
    """The claim with this key (ValueError listing the known keys otherwise)."""
    for c in CLAIMS:
        if c.key == key:
            return c
    raise ValueError(f"unknown claim {key!r}; known: {', '.join(c.key for c in CLAIMS)}")


def select(keys: list[str] | None = None) -> list[Claim]:
    """Claims whose key equals or starts with one of ``keys`` (all if None)."""
    if not keys:
        return list(CLAIMS)
    chosen = [c for c in CLAIMS if any(c.key == k or c.key.startswith(k) for k in keys)]
    missing = [k for k in keys if not any(c.key == k or c.key.startswith(k) for c in CLAIMS)]
    if missing:
        raise ValueError(f"unknown claim key(s) {missing}; known: "
                         f"{', '.join(c.key for c in CLAIMS)}")
    return chosen


__all__ = ["CLAIMS", "ENTRY_POINT_GROUP", "ClaimLoadError", "get", "load_entry_points",
           "load_file", "select", *base.__all__, *spec.__all__]
