"""The claims registry: every theorem of the seed papers as a runnable check.

One module per paper; each defines ``CLAIMS: list[Claim]``. Keys are
``<paper>.<algorithm>.<quantity>`` and match the sections of paper_notes.md.
"""

from __future__ import annotations

import importlib

from .base import SIZES, Claim, ClaimResult, Measurement, size_params

MODULES = (
    "textbook",
    "si_yun_2023",
    "andriushchenko_flammarion_2022",
    "zhuang_2022",
    "harada_iiduka_2024",
    "sun_2023_adasam",
    "malitsky_mishchenko_2020",
    "naganuma_sasam",
)


def _collect() -> list[Claim]:
    out: list[Claim] = []
    for name in MODULES:
        try:
            mod = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue                     # module not written yet
            raise
        out.extend(mod.CLAIMS)
    keys = [c.key for c in out]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise RuntimeError(f"duplicate claim keys: {sorted(dup)}")
    return out


CLAIMS: list[Claim] = _collect()


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


__all__ = ["CLAIMS", "SIZES", "Claim", "ClaimResult", "Measurement", "get", "select",
           "size_params"]
