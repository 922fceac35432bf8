"""The kill matrix: each claim's own scenario run with each wrong algorithm of its target.

A claim *rejects* a mutant when the claim, run with the mutant in place of its algorithm
(``claim.check(size, rng, algorithm=mutant.factory)``), does not pass; it lets the mutant
*survive* when the wrong algorithm passes too. :func:`kill_matrix` runs every
(claim, applicable mutant) pair as an independent task and returns a tidy frame;
:func:`summary` gives each claim's "rejects k/n".

Examples
--------
>>> from convlab import claims, power
>>> km = power.kill_matrix(claims.select(["si_yun_2023.usam.no_floor"]), "small", 0)
>>> dict(zip(km.mutant, km.rejected))   # GD (rho = 0) contracts within 10% of USAM's rate
{'usam.rho0': False, 'usam.normalized': True}
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import mutants

__all__ = ["kill_matrix", "pairs", "summary", "write"]


def pairs(claims: Sequence[Any]) -> list[tuple[Any, mutants.Mutant]]:
    """Every (claim, mutant) pair whose mutant targets the claim's algorithm."""
    return [(c, m) for c in claims for m in mutants.applicable(c.algorithm)]


def kill_matrix(claims: Sequence[Any], size: str = "small", rng: Any = 0, *,
                echo: bool = False) -> pd.DataFrame:
    """Run each claim with each applicable mutant.

    Parameters
    ----------
    claims : sequence of Claim
        The claims (e.g. ``convlab.claims.select([...])``).
    size : {"small", "full"}
        Scenario size.
    rng : int
        Seed given to every scenario (the same as the correct run's).
    echo : bool
        One progress line per pair on stderr.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``key, mutant, verdict, measured, ci_low, ci_high, rejected``
        (``rejected`` is True when the claim does not pass with the mutant; a scenario that
        raises, e.g. a mutant that diverges into an invalid state, counts as rejected and
        the error is kept in ``error``).
    """
    rows = []
    todo = pairs(claims)
    for i, (c, m) in enumerate(todo):
        try:
            r = c.check(size, rng, algorithm=m.factory)
            row = {"verdict": r.verdict.value, "measured": r.measured, "ci_low": r.ci[0],
                   "ci_high": r.ci[1], "rejected": not r.passed, "error": ""}
        except (ValueError, FloatingPointError, ZeroDivisionError, ArithmeticError) as exc:
            row = {"verdict": "error", "measured": float("nan"), "ci_low": float("nan"),
                   "ci_high": float("nan"), "rejected": True,
                   "error": f"{type(exc).__name__}: {exc}"}
        rows.append({"key": c.key, "mutant": m.name, **row})
        if echo:
            print(f"[{i + 1}/{len(todo)}] {c.key} x {m.name}: "
                  f"{'rejected' if row['rejected'] else 'SURVIVED'} ({row['verdict']})",
                  file=sys.stderr, flush=True)
    return pd.DataFrame(rows, columns=["key", "mutant", "verdict", "measured", "ci_low",
                                       "ci_high", "rejected", "error"])


def summary(km: pd.DataFrame, claims: Sequence[Any]) -> pd.DataFrame:
    """Per claim: ``key, rejects`` ("k/n") and ``survivors`` (the mutants that passed)."""
    out = []
    for c in claims:
        sub = km[km.key == c.key]
        out.append({"key": c.key, "rejects": f"{int(sub.rejected.sum())}/{len(sub)}",
                    "survivors": ", ".join(sub.mutant[~sub.rejected])})
    return pd.DataFrame(out)


def write(km: pd.DataFrame, outdir: Any) -> list[Any]:
    """Write ``kill_matrix.csv`` and the heatmap ``kill_matrix.png`` under ``outdir``."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    km.to_csv(outdir / "kill_matrix.csv", index=False)
    grid = km.pivot(index="key", columns="mutant", values="rejected")
    keys = list(dict.fromkeys(km.key))
    grid = grid.reindex(index=keys).astype(float)
    fig, ax = plt.subplots(figsize=(max(4.0, 2 + 0.45 * grid.shape[1]),
                                    max(2.5, 1 + 0.22 * grid.shape[0])))
    ax.imshow(grid.to_numpy(), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=6)
    ax.set_title("kill matrix: green = the claim rejects the wrong algorithm, red = it "
                 "survives, blank = not applicable", fontsize=8)
    fig.savefig(outdir / "kill_matrix.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return [outdir / "kill_matrix.csv", outdir / "kill_matrix.png"]
