"""``verify``: run claims, print and write the verdict table and a figure per claim."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .claims import ClaimResult, load_file, select
from .claims.base import SIZES

COLUMNS = ["key", "paper", "predicted", "measured", "ci", "tol", "verdict", "seconds"]


@dataclass
class Report:
    """The results of :func:`verify`.

    ``kill`` is the kill matrix of ``power=True`` (:func:`convlab.power.kill_matrix`) and
    ``heldout`` the held-out seed table of ``seeds=K`` (:func:`convlab.heldout.seed_table`),
    each None when not asked for.
    """

    results: list[ClaimResult]
    size: str
    seed: Any
    seconds: float
    kill: pd.DataFrame | None = None
    heldout: pd.DataFrame | None = None
    need: float = 0.8

    def status(self, r: ClaimResult) -> str:
        """``PASS``/``FAIL`` of a claim, all checks asked for included (a surviving
        declared mutant or a held-out pass fraction below ``need`` fails it)."""
        ok = r.passed
        if self.kill is not None:
            from .power import failed_claims

            ok = ok and r.key not in failed_claims(self.kill)
        if self.heldout is not None:
            hs = self.heldout_summary()
            ok = ok and bool(hs.holds[hs.key == r.key].all())
        return "PASS" if ok else "FAIL"

    def heldout_summary(self) -> pd.DataFrame:
        """Per claim pass fraction and Holm-adjusted p-value (:func:`heldout.summary`)."""
        from .heldout import summary

        if self.heldout is None:
            raise ValueError("no held-out seeds were run (verify(..., seeds=K))")
        return summary(self.heldout, need=self.need)

    @property
    def passed(self) -> bool:
        """True when every claim passed every check asked for."""
        return all(self.status(r) == "PASS" for r in self.results)

    def table(self) -> pd.DataFrame:
        """One row per claim (all numbers), with ``role``, ``rejects`` and ``heldout``
        where the kill matrix / held-out seeds were run, and ``status``."""
        frame = pd.DataFrame([r.row() for r in self.results])
        if frame.empty:
            return frame
        frame["role"] = [r.role for r in self.results]
        if self.kill is not None:
            frame["rejects"] = [_rejects(self.kill, r) for r in self.results]
        if self.heldout is not None:
            hs = self.heldout_summary().set_index("key")
            frame["heldout"] = [f"{hs.passed[r.key]}/{hs.seeds[r.key]}" for r in self.results]
        frame["status"] = [self.status(r) for r in self.results]
        return frame

    def to_markdown(self) -> str:
        """The verdict table as GitHub markdown."""
        return markdown_table(self.results, self)

    def __str__(self) -> str:
        n_pass = sum(self.status(r) == "PASS" for r in self.results)
        n_ctl = sum(r.role == "control" for r in self.results)
        text = (self.to_markdown() + f"\n\n{n_pass}/{len(self.results)} claims passed "
                f"({n_ctl} of them controls; size={self.size}, seed={self.seed}, "
                f"{self.seconds:.1f} s)")
        if self.kill is not None:
            from .power import collapse

            km = collapse(self.kill)
            dec = km[km.declared.astype(bool)]
            text += (f"\nkill matrix: {int(dec.rejected.sum())}/{len(dec)} declared (claim, "
                     f"mutant) pairs rejected; {int(km.rejected.sum())}/{len(km)} of all "
                     "applicable pairs")
        if self.heldout is not None:
            hs = self.heldout_summary()
            k = int(hs.seeds.max()) if len(hs) else 0
            text += (f"\nheld-out seeds: {int(hs.holds.sum())}/{len(hs)} claims pass at "
                     f"least {self.need:.0%} of their {k} held-out seeds; family statement "
                     "'all claims hold' (Holm, alpha 0.05): "
                     + ("rejected for " + ", ".join(hs.key[hs.rejected])
                        if hs.rejected.any() else "not rejected"))
        return text


def _rejects(km: pd.DataFrame, r: ClaimResult) -> str:
    """"k/n" of the claim's declared mutants rejected, or "control"."""
    if r.role == "control":
        return "control"
    from .power import collapse

    km = collapse(km)
    dec = km[(km.key == r.key) & km.declared.astype(bool)]
    return f"{int(dec.rejected.sum())}/{len(dec)}"


def _num(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "nan"
    a = abs(v)
    return f"{v:.3g}" if (a >= 1e-3 and a < 1e4) or a == 0 else f"{v:.2e}"


def _pred(r: ClaimResult) -> str:
    op = {"upper": "≤ ", "lower": "≥ "}.get(r.side, "")
    tol = f"± {_num(r.tol)}" if r.side == "two-sided" else f"+ {_num(r.tol)}"
    return f"{op}{_num(r.predicted)} {tol}"


def markdown_table(results: Sequence[ClaimResult], report: Report | None = None) -> str:
    """Key, paper, predicted (± tol), measured [CI], verdict, seconds; with ``report``'s
    kill matrix and held-out seeds also "rejects" and "held-out" columns. A control is
    marked as such; a FAIL comes first in its row, in capitals."""
    extra = []
    if report is not None and report.kill is not None:
        extra.append("rejects")
    if report is not None and report.heldout is not None:
        extra.append("held-out")
        hs = report.heldout_summary().set_index("key")
    head = ("| key | paper | predicted | measured [95% CI] | verdict | "
            + "".join(f"{e} | " for e in extra) + "s |\n|---|---|---|---|---|"
            + "---|" * len(extra) + "---|")
    lines = [head]
    for r in results:
        lo, hi = r.ci
        mark = report.status(r) if report is not None else ("PASS" if r.passed else "FAIL")
        role = "; control" if r.role == "control" else ""
        cells = []
        if "rejects" in extra:
            cells.append(_rejects(report.kill, r))
        if "held-out" in extra:
            cells.append(f"{hs.passed[r.key]}/{hs.seeds[r.key]}")
        lines.append(f"| `{r.key}` | {r.paper.split(';')[0].split('(')[0].strip()} | {_pred(r)} | "
                     f"{_num(r.measured)} [{_num(lo)}, {_num(hi)}] | "
                     f"{mark} ({r.verdict.value}{role}) | "
                     + "".join(f"{c} | " for c in cells) + f"{r.seconds:.1f} |")
    return "\n".join(lines)


def atomic_write(path: Path, write: Callable[[Path], Any]) -> Path:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)                       # mkstemp makes 0600 files: use the umask
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _slug(key: str) -> str:
    return key.replace("/", "_")


def have_pyarrow() -> bool:
    """Whether pyarrow can be imported (then tables are also written as parquet)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_table(frame: pd.DataFrame, path: Path) -> list[Path]:
    """Write ``frame`` as CSV at ``path`` and, with pyarrow, as parquet beside it.

    Parameters
    ----------
    frame : DataFrame
        A tidy table (its index is not written).
    path : Path
        The ``.csv`` file; the parquet file has the same name with suffix ``.parquet``.

    Returns
    -------
    list of Path
        The files written, each atomically (CSV first).
    """
    written = [atomic_write(path, lambda p: frame.to_csv(p, index=False))]
    if have_pyarrow():
        written.append(atomic_write(path.with_suffix(".parquet"),
                                    lambda p: frame.to_parquet(p, index=False,
                                                               engine="pyarrow")))
    return written


def write_claim(result: ClaimResult, out: Path, figure: bool = True) -> list[Path]:
    """Write a claim's data (CSV, and parquet with pyarrow) and figure (PNG) under ``out``.

    Returns the files written.
    """
    frame = result.frame
    written: list[Path] = []
    if frame is not None:
        written += write_table(frame, out / f"{_slug(result.key)}.csv")
    if figure:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from .plotting import plot_claim

        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        plot_claim(result, ax=ax)
        fig.tight_layout()
        written.append(atomic_write(out / f"{_slug(result.key)}.png",
                                    lambda p: fig.savefig(p, dpi=120, format="png")))
        plt.close(fig)
    return written


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fingerprint(claim: Any, size: str, rng: Any) -> dict[str, Any]:
    """What a finished result must share with a new request to be re-used."""
    from ._provenance import provenance

    prov = provenance()
    src = Path(getattr(claim, "source", "") or "")
    source = _sha256(src) if src.suffix == ".py" and src.is_file() else str(src)
    return {"key": claim.key, "size": size, "seed": rng, "sizes": repr(claim.sizes.get(size)),
            "source": source,
            "predicted": claim.predicted, "tol": claim.tol, "side": claim.side,
            "convlab_version": prov["convlab_version"], "git_revision": prov["git_revision"]}


def _load_finished(claim: Any, size: str, rng: Any, outdir: Path) -> ClaimResult | None:
    """A result written by an earlier run with the same configuration, or None.

    None also when the saved JSON cannot be read or one of the files it lists (CSV,
    parquet, PNG) is missing or differs from what was written (SHA-256): such a claim is
    recomputed, never read half-written.
    """
    import json

    from .claims.base import Measurement
    from .rates import Verdict

    path = outdir / f"{_slug(claim.key)}.json"
    if not path.exists():
        return None
    try:
        saved = json.loads(path.read_text())
        if saved.get("fingerprint") != json.loads(json.dumps(_fingerprint(claim, size, rng))):
            return None
        files = saved["files"]
        for name, digest in files.items():
            if _sha256(outdir / name) != digest:
                return None
        row = saved["row"]
        slug = _slug(claim.key)
        if f"{slug}.parquet" in files and have_pyarrow():
            frame = pd.read_parquet(outdir / f"{slug}.parquet", engine="pyarrow")
        elif f"{slug}.csv" in files:
            frame = pd.read_csv(outdir / f"{slug}.csv")
        else:
            frame = None
        m = Measurement(saved.get("kind", "value"), frame=frame, notes=row.get("details", ""))
        return ClaimResult(row["key"], row["paper"], Verdict(row["verdict"]),
                           bool(row["passed"]), row["predicted"], row["measured"],
                           (row["ci_low"], row["ci_high"]), row["tol"], row["side"],
                           row["size"], row["seconds"], None, m,
                           details=row.get("details", ""), role=claim.role)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _save_finished(result: ClaimResult, claim: Any, rng: Any, outdir: Path,
                   written: Sequence[Path] = ()) -> None:
    """Write ``<key>.json`` (last, atomically): fingerprint, row and the files' SHA-256."""
    import json

    from ._provenance import provenance
    from .html_report import claim_record

    payload = {"fingerprint": _fingerprint(claim, result.size, rng), "row": result.row(),
               "kind": result.measurement.kind,
               "files": {Path(p).name: _sha256(Path(p)) for p in written},
               "provenance": provenance(), "claim": claim_record(claim)}
    text = json.dumps(payload, default=lambda o: o.item() if hasattr(o, "item") else repr(o),
                      indent=1)
    atomic_write(outdir / f"{_slug(result.key)}.json", lambda p: p.write_text(text))


def _echo_line(done: int, total: int, r: ClaimResult, note: str = "") -> str:
    """The progress line of a finished claim: ``[2/9] key ... PASS (matches, 1.2 s)``."""
    return (f"[{done}/{total}] {r.key} ... {'PASS' if r.passed else 'FAIL'} "
            f"({r.verdict.value}, {r.seconds:.1f} s{note})")


def _serial(claims: Sequence[Any], size: str, rng: Any, start: Callable[[Any], None]
            ) -> Iterator[tuple[int, ClaimResult]]:
    """Yield ``(index, result)`` of each claim, run in this process in order."""
    for i, claim in enumerate(claims):
        start(claim)
        yield i, claim.check(size=size, rng=rng)


def check_seed(rng: Any) -> None:
    """Refuse a seed NumPy would refuse mid-run: a negative or non-integer number.

    ``None`` (fresh entropy) and a :class:`numpy.random.Generator` pass.
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ValueError(f"seed={rng!r} must be a non-negative integer")


def verify(keys: Sequence[str] | None = None, size: str = "small", rng: Any = 0,
           out: str | Path | None = None, *, figures: bool = True, echo: bool = False,
           force: bool = False, scheduler: str | None = None, jobs: int = 1,
           claim_files: Sequence[str | Path] = (), power: bool = False, seeds: int = 0,
           need: float = 0.8) -> Report:
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
        ``<key>.png`` (each written atomically as soon as the claim finishes). With pyarrow
        installed, ``verdicts.parquet`` and ``<key>.parquet`` as well.
    figures : bool
        Write a PNG per claim under ``out``.
    echo : bool
        Print one line per claim as it finishes (to stderr).
    force : bool
        With ``out``: recompute claims whose result is already there. Otherwise a claim
        finished earlier with the same configuration (key, size, seed, scenario sizes,
        prediction, convlab version and git revision) is read back, not recomputed, when
        the files it wrote are intact (SHA-256 in ``<key>.json``); each result is written
        (atomically, ``<key>.json`` last) as soon as its claim finishes, so an interrupted
        run loses only the claims in progress.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://HOST:8786"``): the claims not
        re-used are computed on its workers, which need convlab installed at the same git
        revision. Needs the ``dask`` extra.
    jobs : int
        Without ``scheduler``: 1 (default) runs the claims in this process; N > 1 starts
        a local Dask cluster of N single-threaded worker processes. Needs the ``dask``
        extra.
    claim_files : sequence of paths
        Python files whose ``CLAIMS`` are added to the registry first
        (:func:`convlab.claims.load_file`); their keys can then be selected.
    power : bool
        Also run every claim with each wrong algorithm of its target
        (:func:`convlab.power.kill_matrix`, at seed ``rng``); a mutant the claim declares
        (``claim.rejects``) that survives fails the claim. With ``out``:
        ``kill_matrix.csv`` and ``kill_matrix.png``.
    seeds : int
        Also run every claim at this many held-out seeds (:mod:`convlab.heldout`); a claim
        passing fewer than ``need`` of them fails. With ``out``: ``heldout.csv``.
    need : float
        The pass fraction over held-out seeds a claim needs (default 0.8).

    Returns
    -------
    Report
        The results in claim order, whatever order they finished in.

    Raises
    ------
    ValueError
        If ``size`` or a key is unknown, ``rng`` is a negative or non-integer seed,
        ``jobs < 1``, both ``scheduler`` and ``jobs > 1`` are given, or ``rng`` is not an
        integer with a cluster.
    convlab.claims.ClaimLoadError
        If a claim file fails to import or defines a key twice.
    ImportError
        If a cluster is asked for and dask.distributed is not installed.
    ConnectionError
        If no scheduler answers at ``scheduler``.

    Notes
    -----
    A cluster computes each claim as one task with the same integer seed as the serial
    run, so the results (and the tables and files) are identical to a serial run's; only
    the timings differ. The configurations inside a claim are not split over workers
    (see :mod:`convlab.scaleout`). Results are written by this process as their tasks
    finish; the table keeps the claim order.
    """
    from . import scaleout

    if size not in SIZES:
        raise ValueError(f"size={size!r} is not one of {SIZES}")
    check_seed(rng)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 0:
        raise ValueError(f"seeds={seeds!r} must be a non-negative integer (held-out seeds)")
    if power and not isinstance(rng, int | np.integer):
        raise ValueError(f"power=True needs an integer seed, got rng={rng!r}")
    if scaleout.is_distributed(scheduler, jobs):       # validate before any work
        scaleout.check_seed(rng)
    files = [str(Path(f).resolve()) for f in claim_files]
    for f in files:
        load_file(f)
    claims = select(list(keys) if keys else None)
    outdir = None if out is None else Path(out)
    n = len(claims)
    t0 = time.perf_counter()
    results: list[ClaimResult | None] = [None] * n
    done = 0

    def say(text: str, end: str = "\n") -> None:
        if echo:
            print(text, end=end, file=sys.stderr, flush=True)

    if outdir is not None and not force:
        for i, claim in enumerate(claims):
            results[i] = _load_finished(claim, size, rng, outdir)
            if results[i] is not None:
                done += 1
                say(_echo_line(done, n, results[i], ", re-used"))
    todo = [i for i in range(n) if results[i] is None]
    # no cluster when every claim was re-used
    with scaleout.cluster_client(scheduler if todo else None, jobs if todo else 1) as client:
        if client is None:
            def start(claim: Any) -> None:
                say(f"[{done + 1}/{n}] {claim.key} ...", end="")

            finished = _serial([claims[i] for i in todo], size, rng, start)
        else:
            say(f"running {len(todo)} claims on {scaleout.describe(client)}")
            finished = scaleout.map_claims(client, [claims[i].key for i in todo], size, rng,
                                           files)
        for j, r in finished:
            i = todo[j]
            results[i] = r
            done += 1
            if client is None:
                say(f" {'PASS' if r.passed else 'FAIL'} ({r.verdict.value}, {r.seconds:.1f} s)")
            else:
                say(_echo_line(done, n, r))
            if outdir is not None:
                written = write_claim(r, outdir, figure=figures)
                _save_finished(r, claims[i], rng, outdir, written)
    kill = held = None
    if power:
        from . import power as power_

        kill = power_.kill_matrix(claims, size, rng, echo=echo, scheduler=scheduler,
                                  jobs=jobs, claim_files=files)
        if outdir is not None:
            power_.write(kill, outdir)
    if seeds:
        from . import heldout

        held = heldout.seed_table(claims, seeds, size, echo=echo, scheduler=scheduler,
                                  jobs=jobs, claim_files=files)
        if outdir is not None:
            write_table(held, outdir / "heldout.csv")
    report = Report(results, size, rng, time.perf_counter() - t0, kill, held, need)
    if outdir is not None:
        atomic_write(outdir / "verdicts.md", lambda p: p.write_text(str(report) + "\n"))
        write_table(report.table(), outdir / "verdicts.csv")
        if any(c.tightness is not None for c in claims):   # theorem ≥ certified ≥ searched
            from . import tightness

            tightness.write(tightness.table(claims, results), outdir)
        from .html_report import write_html

        # report.html, rendered from the files saved above (`convlab report DIR` re-renders)
        write_html(outdir, report, reused=[claims[i].key for i in range(n) if i not in todo])
    return report
