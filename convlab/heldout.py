"""Held-out seeds: each claim re-run at seeds its tolerance was not studied at.

A tolerance chosen while looking at seed 0 and then checked at seed 0 is not evidence.
Every expectation records the seeds its tolerance study used (``expect.seeds``);
:func:`heldout_seeds` gives the first ``k`` seeds ``>= 1`` outside them, and
:func:`seed_table` runs every (claim, seed) pair as an independent task (serially or on a
Dask cluster, with the same numbers). :func:`summary` reports per claim the fraction of
held-out seeds passed and a one-sided binomial p-value, Holm-adjusted over the family.

The statistics
--------------
A claim *holds* when it passes at least ``need`` (default 80 %) of its held-out seeds;
``convlab verify --seeds K`` exits 0 only when every claim holds. For the family-wide
statement "all claims hold", claim ``c`` is the hypothesis H_c: "a held-out seed fails
with probability at most ``1 - need``". Its p-value is the binomial tail
``P(X >= failures)`` with ``X ~ Binomial(K, 1 - need)``; the Holm step-down procedure at
level ``alpha`` over all claims rejects the H_c whose adjusted p-value is below
``alpha`` (family-wise error at most ``alpha``). The family statement stands when none is
rejected. With ``K = 5`` a claim must fail all five seeds to be rejected among 39 claims,
so the pass fraction, not the Holm column, is the sharper check at small ``K``.

Examples
--------
>>> from convlab import claims, heldout
>>> c = claims.get("textbook.sgd.one_over_t")
>>> heldout.heldout_seeds(c, 3)
(1, 2, 3)
>>> heldout.holm([0.01, 0.04, 0.03])
[0.03, 0.06, 0.06]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["heldout_seeds", "holm", "seed_table", "summary"]


def heldout_seeds(claim: Any, k: int) -> tuple[int, ...]:
    """The first ``k`` integers ``>= 1`` that are not among ``claim.expect.seeds``.

    Raises
    ------
    ValueError
        If ``k`` is not a positive integer.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k={k!r} must be a positive integer (number of held-out seeds)")
    studied = set(getattr(claim.expect, "seeds", (0,)))
    out: list[int] = []
    s = 1
    while len(out) < k:
        if s not in studied:
            out.append(s)
        s += 1
    return tuple(out)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values (same order as ``pvalues``, capped at 1).

    ``p_(i)`` (the i-th smallest of ``m``) becomes ``max_{j <= i} min(1, (m - j + 1) p_(j))``.
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(pvalues[i])))
        adjusted[i] = round(running, 12)
    return adjusted


def _row(key: str, seed: int, size: str, claim_files: Sequence[str]) -> dict[str, Any]:
    """One (claim, seed) run: the task a worker executes."""
    from . import claims

    for path in claim_files:
        claims.load_file(path)
    r = claims.get(key).check(size, seed)
    return {"key": key, "seed": seed, "verdict": r.verdict.value, "passed": r.passed,
            "measured": r.measured, "ci_low": r.ci[0], "ci_high": r.ci[1],
            "seconds": round(r.seconds, 2)}


def seed_table(claims: Sequence[Any], k: int, size: str = "small", *, echo: bool = False,
               scheduler: str | None = None, jobs: int = 1,
               claim_files: Sequence[str] = ()) -> pd.DataFrame:
    """Run each claim at its ``k`` held-out seeds, each (claim, seed) an independent task.

    Parameters
    ----------
    claims : sequence of Claim
        The claims.
    k : int
        Held-out seeds per claim (:func:`heldout_seeds`).
    size : {"small", "full"}
        Scenario size.
    echo : bool
        A progress line per finished task on stderr.
    scheduler, jobs, claim_files
        As in :func:`convlab.verify`; a cluster gives the serial table.

    Returns
    -------
    pandas.DataFrame
        ``key, seed, verdict, passed, measured, ci_low, ci_high, seconds``, in claim then
        seed order.
    """
    from . import scaleout

    todo = [(c.key, s) for c in claims for s in heldout_seeds(c, k)]
    files = tuple(map(str, claim_files))
    rows: list[dict[str, Any] | None] = [None] * len(todo)

    def say(i: int) -> None:
        if echo:
            r, done = rows[i], sum(x is not None for x in rows)
            print(f"[{done}/{len(todo)}] {r['key']} @ seed {r['seed']}: "
                  f"{'PASS' if r['passed'] else 'FAIL'} ({r['verdict']})",
                  file=sys.stderr, flush=True)

    if scaleout.is_distributed(scheduler, jobs):
        distributed = scaleout.require_distributed()
        with scaleout.cluster_client(scheduler, jobs) as client:
            futures = {client.submit(_row, key, s, size, files, pure=False): i
                       for i, (key, s) in enumerate(todo)}
            for future in distributed.as_completed(futures, loop=client.loop):
                i = futures[future]
                rows[i] = future.result()
                say(i)
    else:
        for i, (key, s) in enumerate(todo):
            rows[i] = _row(key, s, size, files)
            say(i)
    return pd.DataFrame(rows, columns=["key", "seed", "verdict", "passed", "measured",
                                       "ci_low", "ci_high", "seconds"])


def summary(table: pd.DataFrame, need: float = 0.8, alpha: float = 0.05) -> pd.DataFrame:
    """Per claim: ``key, passed, seeds, fraction, holds, p_value, p_holm, rejected``.

    ``holds``: the fraction passed is at least ``need``. ``p_value``: binomial tail of the
    failures under H_c (a seed fails with probability ``1 - need``); ``p_holm`` its Holm
    adjustment over the claims in ``table``; ``rejected``: ``p_holm < alpha`` (the family
    statement "all claims hold" fails on this claim).
    """
    from scipy import stats

    if not 0.0 < need <= 1.0:
        raise ValueError(f"need={need!r} must lie in (0, 1]")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha={alpha!r} must lie in (0, 1)")
    keys = list(dict.fromkeys(table.key))
    out = []
    for key in keys:
        sub = table[table.key == key]
        n, k = len(sub), int(sub.passed.sum())
        p = float(stats.binom.sf(n - k - 1, n, 1.0 - need)) if need < 1 else float(k < n)
        out.append({"key": key, "passed": k, "seeds": n, "fraction": k / n,
                    "holds": k / n >= need - 1e-12, "p_value": p})
    frame = pd.DataFrame(out, columns=["key", "passed", "seeds", "fraction", "holds",
                                       "p_value"])
    frame["p_holm"] = holm(list(frame.p_value))
    frame["rejected"] = frame.p_holm < alpha
    return frame
