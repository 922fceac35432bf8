"""``verify``: run claims, print and write the verdict table and a figure per claim."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .claims import ClaimResult, select
from .claims.base import SIZES

COLUMNS = ["key", "paper", "predicted", "measured", "ci", "tol", "verdict", "seconds"]


@dataclass
class Report:
    """The results of :func:`verify`."""

    results: list[ClaimResult]
    size: str
    seed: Any
    seconds: float

    @property
    def passed(self) -> bool:
        """True when every claim passed."""
        return all(r.passed for r in self.results)

    def table(self) -> pd.DataFrame:
        """One row per claim (all numbers)."""
        return pd.DataFrame([r.row() for r in self.results])

    def to_markdown(self) -> str:
        """The verdict table as GitHub markdown."""
        return markdown_table(self.results)

    def __str__(self) -> str:
        n_pass = sum(r.passed for r in self.results)
        return (self.to_markdown() + f"\n\n{n_pass}/{len(self.results)} claims passed "
                f"(size={self.size}, seed={self.seed}, {self.seconds:.1f} s)")


def _num(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "nan"
    a = abs(v)
    return f"{v:.3g}" if (a >= 1e-3 and a < 1e4) or a == 0 else f"{v:.2e}"


def _pred(r: ClaimResult) -> str:
    op = {"upper": "≤ ", "lower": "≥ "}.get(r.side, "")
    tol = f"± {_num(r.tol)}" if r.side == "two-sided" else f"+ {_num(r.tol)}"
    return f"{op}{_num(r.predicted)} {tol}"


def markdown_table(results: Sequence[ClaimResult]) -> str:
    """Key, paper, predicted (± tol), measured [CI], verdict, seconds."""
    head = "| key | paper | predicted | measured [95% CI] | verdict | s |\n|---|---|---|---|---|---|"
    lines = [head]
    for r in results:
        lo, hi = r.ci
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"| `{r.key}` | {r.paper.split(';')[0].split('(')[0].strip()} | {_pred(r)} | "
                     f"{_num(r.measured)} [{_num(lo)}, {_num(hi)}] | {mark} ({r.verdict.value}) | "
                     f"{r.seconds:.1f} |")
    return "\n".join(lines)


def atomic_write(path: Path, write: Callable[[Path], Any]) -> Path:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _slug(key: str) -> str:
    return key.replace("/", "_")


def write_claim(result: ClaimResult, out: Path, figure: bool = True) -> None:
    """Write a claim's data (CSV) and figure (PNG) under ``out``."""
    frame = result.frame
    if frame is not None:
        atomic_write(out / f"{_slug(result.key)}.csv", lambda p: frame.to_csv(p, index=False))
    if figure:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from .plotting import plot_claim

        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        plot_claim(result, ax=ax)
        fig.tight_layout()
        atomic_write(out / f"{_slug(result.key)}.png", lambda p: fig.savefig(p, dpi=120,
                                                                              format="png"))
        plt.close(fig)


def _fingerprint(claim: Any, size: str, rng: Any) -> dict[str, Any]:
    """What a finished result must share with a new request to be re-used."""
    from ._provenance import provenance

    prov = provenance()
    return {"key": claim.key, "size": size, "seed": rng, "sizes": repr(claim.sizes.get(size)),
            "predicted": claim.predicted, "tol": claim.tol, "side": claim.side,
            "convlab_version": prov["convlab_version"], "git_revision": prov["git_revision"]}


def _load_finished(claim: Any, size: str, rng: Any, outdir: Path) -> ClaimResult | None:
    """A result written by an earlier run with the same configuration, or None."""
    import json

    from .claims.base import Measurement
    from .rates import Verdict

    path = outdir / f"{_slug(claim.key)}.json"
    if not path.exists():
        return None
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if saved.get("fingerprint") != json.loads(json.dumps(_fingerprint(claim, size, rng))):
        return None
    row = saved["row"]
    csv = outdir / f"{_slug(claim.key)}.csv"
    frame = pd.read_csv(csv) if csv.exists() else None
    m = Measurement(saved.get("kind", "value"), frame=frame, notes=row.get("details", ""))
    return ClaimResult(row["key"], row["paper"], Verdict(row["verdict"]), bool(row["passed"]),
                       row["predicted"], row["measured"], (row["ci_low"], row["ci_high"]),
                       row["tol"], row["side"], row["size"], row["seconds"], None, m,
                       details=row.get("details", ""))


def _save_finished(result: ClaimResult, claim: Any, rng: Any, outdir: Path) -> None:
    import json

    from ._provenance import provenance

    payload = {"fingerprint": _fingerprint(claim, result.size, rng), "row": result.row(),
               "kind": result.measurement.kind, "provenance": provenance()}
    text = json.dumps(payload, default=lambda o: o.item() if hasattr(o, "item") else repr(o),
                      indent=1)
    atomic_write(outdir / f"{_slug(result.key)}.json", lambda p: p.write_text(text))


def verify(keys: Sequence[str] | None = None, size: str = "small", rng: Any = 0,
           out: str | Path | None = None, *, figures: bool = True, echo: bool = False,
           force: bool = False) -> Report:
    """Run the claims ``keys`` (prefixes allowed; all if None) at ``size``.

    Parameters
    ----------
    keys : sequence of str, optional
        Claim keys or key prefixes (``"si_yun_2023"`` selects the paper's claims).
    size : {"small", "full"}
        Scenario size: ``small`` for CI (seconds per claim), ``full`` for figures.
    rng : int
        Seed passed to every scenario.
    out : path, optional
        Folder for ``verdicts.md``, ``verdicts.csv`` and, per claim, ``<key>.csv`` and
        ``<key>.png`` (each written atomically as soon as the claim finishes).
    figures : bool
        Write a PNG per claim under ``out``.
    echo : bool
        Print one line per claim as it finishes (to stderr).
    force : bool
        With ``out``: recompute claims whose result is already there. Otherwise a claim
        finished earlier with the same configuration (key, size, seed, scenario sizes,
        prediction, convlab version and git revision) is read back, not recomputed; each
        result is written (atomically) as soon as its claim finishes, so an interrupted
        run loses only the claim in progress.
    """
    if size not in SIZES:
        raise ValueError(f"size={size!r} is not one of {SIZES}")
    claims = select(list(keys) if keys else None)
    outdir = None if out is None else Path(out)
    t0 = time.perf_counter()
    results = []
    for i, claim in enumerate(claims, 1):
        if echo:
            print(f"[{i}/{len(claims)}] {claim.key} ...", end="", file=sys.stderr, flush=True)
        r = None if outdir is None or force else _load_finished(claim, size, rng, outdir)
        reused = r is not None
        if r is None:
            r = claim.check(size=size, rng=rng)
        results.append(r)
        if echo:
            print(f" {'PASS' if r.passed else 'FAIL'} ({r.verdict.value}, {r.seconds:.1f} s"
                  f"{', re-used' if reused else ''})", file=sys.stderr, flush=True)
        if outdir is not None and not reused:
            write_claim(r, outdir, figure=figures)
            _save_finished(r, claim, rng, outdir)
    report = Report(results, size, rng, time.perf_counter() - t0)
    if outdir is not None:
        atomic_write(outdir / "verdicts.md", lambda p: p.write_text(str(report) + "\n"))
        atomic_write(outdir / "verdicts.csv", lambda p: report.table().to_csv(p, index=False))
    return report
