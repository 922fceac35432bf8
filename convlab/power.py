"""The kill matrix: each claim's own scenario run with each wrong algorithm of its target.

A claim *rejects* a mutant when the claim, run with the mutant in place of its algorithm
(``claim.check(size, rng, algorithm=mutant.factory)``), does not pass; it lets the mutant
*survive* when the wrong algorithm passes too. :func:`kill_matrix` runs every
(claim, applicable mutant) pair as an independent task and returns a tidy frame;
:func:`summary` gives each claim's "rejects k/n" over the mutants it declares
(``claim.rejects``). A declared mutant that survives fails the claim
(:func:`failed_claims`); the other applicable mutants are run and shown, not required.

Examples
--------
>>> from convlab import claims, power
>>> km = power.kill_matrix(claims.select(["textbook.sgd.one_over_t"]), "small", 0)
>>> km[["mutant", "declared", "verdict", "rejected"]].to_dict("records")   # a frozen lr floors
[{'mutant': 'sgd.lr_frozen', 'declared': True, 'verdict': 'above', 'rejected': True}]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import mutants

__all__ = ["check_pair", "collapse", "failed_claims", "kill_matrix", "pairs", "summary",
           "write"]


def pairs(claims: Sequence[Any]) -> list[tuple[Any, mutants.Mutant]]:
    """Every (claim, mutant) pair whose mutant targets the claim's algorithm."""
    return [(c, m) for c in claims for m in mutants.applicable(c.algorithm)]


def check_pair(key: str, mutant: str, size: str, rng: Any,
               claim_files: Sequence[str] = ()) -> dict[str, Any]:
    """One (claim, mutant) run: the task a worker executes (claims looked up by key).

    Returns the row of :func:`kill_matrix`. A scenario that raises an arithmetic or value
    error with the mutant (e.g. a wrong step that leaves a closed form's domain) counts as
    rejected; the error is kept in ``error``.
    """
    from . import claims

    for path in claim_files:
        claims.load_file(path)
    c, m = claims.get(key), mutants.get(mutant)
    try:
        r = c.check(size, rng, algorithm=m.factory)
        row = {"verdict": r.verdict.value, "measured": r.measured, "ci_low": r.ci[0],
               "ci_high": r.ci[1], "rejected": not r.passed, "error": ""}
    except (ValueError, ArithmeticError) as exc:
        nan = float("nan")
        row = {"verdict": "error", "measured": nan, "ci_low": nan, "ci_high": nan,
               "rejected": True, "error": f"{type(exc).__name__}: {exc}"}
    return {"key": key, "mutant": mutant, "seed": rng, "declared": mutant in c.rejects,
            **row}


def kill_matrix(claims: Sequence[Any], size: str = "small", rng: Any = 0, *,
                seeds: Sequence[int] | None = None, echo: bool = False,
                scheduler: str | None = None, jobs: int = 1,
                claim_files: Sequence[str] = ()) -> pd.DataFrame:
    """Run each claim with each applicable mutant; each (claim, mutant, seed) is a task.

    Parameters
    ----------
    claims : sequence of Claim
        The claims (e.g. ``convlab.claims.select([...])``).
    size : {"small", "full"}
        Scenario size.
    rng : int
        Seed given to every scenario (the same as the correct run's).
    seeds : sequence of int, optional
        Run every pair at each of these seeds instead of ``rng`` alone (one row per
        (claim, mutant, seed); :func:`collapse` gives one row per pair, rejected only
        when rejected at every seed).
    echo : bool
        One progress line per pair on stderr.
    scheduler, jobs : optional
        As in :func:`convlab.verify`: the pairs run on a Dask cluster, with the same seed
        each as serially, so the matrix is the serial one.
    claim_files : sequence of str
        Claim files the workers load first.

    Returns
    -------
    pandas.DataFrame
        One row per (claim, mutant, seed), in claim order: ``key, mutant, seed, declared,
        verdict, measured, ci_low, ci_high, rejected, error`` (``declared``: the mutant is
        in the claim's ``rejects``; ``rejected``: the claim does not pass with the mutant).
    """
    from . import scaleout

    run_at = [rng] if seeds is None else list(seeds)
    if not run_at:
        raise ValueError("seeds is empty: give at least one seed")
    todo = [(c.key, m.name, s) for c, m in pairs(claims) for s in run_at]
    files = tuple(map(str, claim_files))
    rows: list[dict[str, Any] | None] = [None] * len(todo)
    if scaleout.is_distributed(scheduler, jobs):
        for s in run_at:
            scaleout.check_seed(s)
        distributed = scaleout.require_distributed()
        with scaleout.cluster_client(scheduler, jobs) as client:
            futures = {client.submit(check_pair, k, m, size, s, files, pure=False): i
                       for i, (k, m, s) in enumerate(todo)}
            for future in distributed.as_completed(futures, loop=client.loop):
                i = futures[future]
                rows[i] = future.result()
                _say(echo, rows, i, todo)
    else:
        for i, (k, m, s) in enumerate(todo):
            rows[i] = check_pair(k, m, size, s, files)
            _say(echo, rows, i, todo)
    return pd.DataFrame(rows, columns=["key", "mutant", "seed", "declared", "verdict",
                                       "measured", "ci_low", "ci_high", "rejected", "error"])


def collapse(km: pd.DataFrame) -> pd.DataFrame:
    """One row per (claim, mutant): ``rejected`` only when rejected at every seed run,
    ``seeds_rejected`` "k/n"; the other columns are those of the first seed. A frame of
    one seed per pair (or without a ``seed`` column) comes back with the same rows."""
    if km.empty:
        return km.assign(seeds_rejected=pd.Series(dtype=str))
    g = km.groupby(["key", "mutant"], sort=False)
    first = g.head(1).reset_index(drop=True)
    rej = g.rejected.agg(["all", "sum", "count"]).reset_index()
    out = first.drop(columns="rejected").merge(rej, on=["key", "mutant"], sort=False)
    out = out.rename(columns={"all": "rejected"})
    out["seeds_rejected"] = [f"{int(a)}/{int(b)}" for a, b in zip(out["sum"], out["count"],
                                                                   strict=True)]
    return out.drop(columns=["sum", "count"])[[*[c for c in km.columns], "seeds_rejected"]]


def _say(echo: bool, rows: list, i: int, todo: list) -> None:
    if echo:
        done = sum(r is not None for r in rows)
        r = rows[i]
        print(f"[{done}/{len(todo)}] {r['key']} x {r['mutant']} @ seed {r['seed']}: "
              f"{'rejected' if r['rejected'] else 'SURVIVED'} ({r['verdict']})",
              file=sys.stderr, flush=True)


def summary(km: pd.DataFrame, claims: Sequence[Any]) -> pd.DataFrame:
    """Per claim: ``key, role, rejects`` ("k/n" of its declared mutants, "control" for a
    control), ``all`` ("k/n" of every applicable mutant) and ``survivors`` (declared
    mutants that passed: each fails the claim)."""
    km = collapse(km)
    out = []
    for c in claims:
        sub = km[km.key == c.key]
        dec = sub[sub.declared.astype(bool)]
        rejects = (f"{int(dec.rejected.sum())}/{len(dec)}" if c.role == "evidence"
                   else "control")
        out.append({"key": c.key, "role": c.role, "rejects": rejects,
                    "all": f"{int(sub.rejected.sum())}/{len(sub)}",
                    "survivors": ", ".join(dec.mutant[~dec.rejected.astype(bool)])})
    return pd.DataFrame(out, columns=["key", "role", "rejects", "all", "survivors"])


def failed_claims(km: pd.DataFrame) -> list[str]:
    """The claims with a declared mutant that survived (at any seed run; each fails under
    ``--power``)."""
    km = collapse(km)
    bad = km[km.declared.astype(bool) & ~km.rejected.astype(bool)]
    return list(dict.fromkeys(bad.key))


def write(km: pd.DataFrame, outdir: Any) -> list[Any]:
    """Write ``kill_matrix.csv`` and the heatmap ``kill_matrix.png`` under ``outdir``."""
    from pathlib import Path

    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    km.to_csv(outdir / "kill_matrix.csv", index=False)
    km = collapse(km)
    grid = km.pivot(index="key", columns="mutant", values="rejected")
    declared = km.pivot(index="key", columns="mutant", values="declared")
    keys = list(dict.fromkeys(km.key))
    grid = grid.reindex(index=keys).astype(float)
    declared = declared.reindex(index=keys, columns=grid.columns)
    declared = declared.astype(object).where(declared.notna(), False).astype(bool)
    fig, ax = plt.subplots(figsize=(max(4.0, 2 + 0.45 * grid.shape[1]),
                                    max(2.5, 1 + 0.22 * grid.shape[0])))
    ax.imshow(grid.to_numpy(), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=6)
    for (i, j), dec in np.ndenumerate(declared.to_numpy()):
        if dec:                              # a mutant the claim must reject
            ax.text(j, i, "✕" if grid.iat[i, j] == 0 else "●", ha="center", va="center",
                    fontsize=6, color="black")
    ax.set_title("kill matrix: green = the claim rejects the wrong algorithm, red = it "
                 "survives, blank = not applicable;\n● declared and rejected, ✕ declared "
                 "but survived (the claim fails)", fontsize=8)
    fig.savefig(outdir / "kill_matrix.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return [outdir / "kill_matrix.csv", outdir / "kill_matrix.png"]
