"""``report.html``: one self-contained page of a ``convlab verify --out DIR`` folder.

:func:`write_html` reads only what ``verify`` saved under the folder (``verdicts.csv``, each
claim's ``<key>.json`` and ``<key>.png``, ``kill_matrix.csv``/``.png``, ``heldout.csv``,
``tightness.csv`` and ``run.json``, the run's own record) and renders the Jinja2 template
``convlab/templates/report.html.j2``. The page embeds its figures (base64 PNG), loads
nothing from the network and has no JavaScript, so ``convlab verify --out DIR`` and
``convlab report DIR`` (a rebuild, nothing re-run) write the same bytes.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PAGE = "report.html"
RUN_FILE = "run.json"
TEMPLATE = "report.html.j2"

#: Threading variables recorded with the run (BLAS results can depend on the thread count).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_RANK = {"fail": 0, "inconclusive": 1, "pass": 2}


# ------------------------------------------------------------------------------------------
# what verify saves for the page
# ------------------------------------------------------------------------------------------

def claim_record(claim: Any) -> dict[str, Any]:
    """The claim's text the page shows (saved in ``<key>.json`` as ``"claim"``), so that a
    folder renders without the claim registry (claims from ``--claims`` files included)."""
    e = claim.expect
    return {"role": claim.role, "theorem": claim.theorem, "statement": claim.statement,
            "theory": claim.theory, "expect": type(e).__name__, "why": e.why,
            "tol_seeds": list(e.seeds), "finding": claim.finding, "control": claim.control,
            "rejects": list(claim.rejects), "algorithm": claim.algorithm_name,
            "experiment": claim.experiment}


def blas() -> str:
    """NumPy's BLAS as built (name, version, configuration), or ``"unknown"``."""
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:                               # older NumPy: no dict mode
        return "unknown"
    conf = deps.get("openblas configuration", "")
    return " ".join(str(s) for s in (deps.get("name"), deps.get("version"),
                                     f"({conf})" if conf else "") if s)


def run_record(report: Any, reused: Sequence[str] = ()) -> dict[str, Any]:
    """What the page needs about the run itself: size, seed, time, which claims were
    re-used, and the machine (``run.json``)."""
    from ._provenance import provenance

    threads = {k: os.environ[k] for k in THREAD_VARS if k in os.environ}
    return {
        "size": report.size, "seed": report.seed, "seconds": round(report.seconds, 2),
        "claims": [r.key for r in report.results], "reused": list(reused),
        "power": report.kill is not None, "heldout": report.heldout is not None,
        "need": report.need,
        "finished": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "provenance": {**provenance(), "blas": blas(),
                       "blas_threads": ", ".join(f"{k}={v}" for k, v in threads.items())
                       or "not set (library default)",
                       "platform": platform.platform(), "cpus": os.cpu_count()},
    }


def write_html(outdir: str | Path, report: Any = None, reused: Sequence[str] = ()) -> Path:
    """Write ``outdir/report.html`` from the results saved in ``outdir``.

    Parameters
    ----------
    outdir : path
        A ``convlab verify --out`` folder.
    report : Report, optional
        The run that just wrote the folder: its record (size, seed, time, ``reused``, the
        machine) is saved first as ``run.json``. Without it (``convlab report DIR``) the
        saved ``run.json`` is used, so both write the same page.
    reused : sequence of str
        With ``report``: the keys of the claims read back from an earlier run.

    Returns
    -------
    Path
        The page written (atomically).

    Raises
    ------
    ValueError
        If ``outdir`` holds no saved results.
    """
    from .report import atomic_write

    outdir = Path(outdir)
    if report is not None:
        text = json.dumps(run_record(report, reused), indent=1, default=_plain)
        atomic_write(outdir / RUN_FILE, lambda p: p.write_text(text + "\n"))
    html = render(load(outdir))
    return atomic_write(outdir / PAGE, lambda p: p.write_text(html, encoding="utf-8"))


# ------------------------------------------------------------------------------------------
# reading the folder
# ------------------------------------------------------------------------------------------

def _plain(o: Any) -> Any:
    return o.item() if hasattr(o, "item") else repr(o)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def _png(path: Path) -> dict[str, Any] | None:
    """A PNG as a data URI with its pixel size (for the ``width``/``height`` attributes)."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return {"src": "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
            "width": w, "height": h}


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and not np.isfinite(v)) else str(v)


def _slug(key: str) -> str:
    return key.replace("/", "_")


def _anchor(key: str) -> str:
    return "c-" + "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in key)


def _short(paper: str) -> str:
    return paper.split(";")[0].split("(")[0].strip() or paper


def _registry_record(key: str) -> dict[str, Any]:
    """For results saved before ``"claim"`` was: the registry's text of the claim, if
    the key is known there (else nothing)."""
    try:
        from . import claims

        return claim_record(claims.get(key))
    except Exception:
        return {}


def _outcome(status: str, verdict: str) -> str:
    if status == "PASS":
        return "pass"
    return "inconclusive" if verdict == "inconclusive" else "fail"


def _prediction(side: str, predicted: float, tol: float) -> tuple[str, str]:
    """The prediction and the tolerance as the verdict table writes them."""
    from .report import _num

    op = {"upper": "≤ ", "lower": "≥ "}.get(side, "")
    tol_text = f"± {_num(tol)}" if side == "two-sided" else f"+ {_num(tol)}"
    return f"{op}{_num(predicted)}", f"{tol_text} ({side})"


def load(outdir: str | Path) -> dict[str, Any]:
    """Everything the page shows, read from ``outdir`` (the template's context)."""
    from .report import _num

    outdir = Path(outdir)
    if not outdir.is_dir():
        raise ValueError(f"{outdir} is not a folder of convlab verify results")
    run = _read_json(outdir / RUN_FILE) or {}
    verdicts = _csv(outdir / "verdicts.csv")
    saved: dict[str, dict[str, Any]] = {}
    for path in sorted(outdir.glob("*.json")):
        data = _read_json(path)
        if data and "fingerprint" in data and "row" in data:
            saved[data["row"]["key"]] = data
    if verdicts is not None:
        keys = list(verdicts.key)
    elif run.get("claims"):
        keys = [k for k in run["claims"] if k in saved]
    else:
        keys = list(saved)
    if not keys:
        raise ValueError(f"{outdir} holds no convlab verify results (no verdicts.csv and no "
                         "<key>.json)")
    vrows = {} if verdicts is None else {r["key"]: r for r in verdicts.to_dict("records")}
    # a folder re-used by a run without --power / --seeds may hold an older run's tables
    kill = _csv(outdir / "kill_matrix.csv") if run.get("power", True) else None
    if kill is not None:
        from .power import collapse

        kill = collapse(kill)                 # one row per (claim, mutant) over its seeds
    held = _csv(outdir / "heldout.csv") if run.get("heldout", True) else None
    need = float(run.get("need", 0.8))
    held_sum = None
    if held is not None and len(held):
        from .heldout import summary

        held_sum = summary(held, need=need).set_index("key")
    reused = set(run.get("reused", ()))

    claims = []
    for key in keys:
        js = saved.get(key, {})
        row = {**js.get("row", {}), **vrows.get(key, {})}
        info = js.get("claim") or _registry_record(key)
        verdict = _text(row.get("verdict"))
        status = _text(row.get("status")) or ("PASS" if row.get("passed") else "FAIL")
        role = _text(row.get("role")) or info.get("role", "evidence")
        reasons = []
        if verdict and verdict != "matches":
            reasons.append(f"verdict {verdict}")
        survivors: list[str] = []
        if kill is not None:
            sub = kill[(kill.key == key) & kill.declared.astype(bool)]
            survivors = list(sub.mutant[~sub.rejected.astype(bool)])
            if survivors:
                reasons.append("declared mutant survived: " + ", ".join(survivors))
        held_text = ""
        if held_sum is not None and key in held_sum.index:
            h = held_sum.loc[key]
            held_text = f"{int(h.passed)}/{int(h.seeds)}"
            if not bool(h.holds):
                reasons.append(f"held-out seeds {held_text} < {need:.0%}")
        pred, tol = _prediction(row.get("side", "two-sided"), row.get("predicted", np.nan),
                                row.get("tol", np.nan))
        fig = _png(outdir / f"{_slug(key)}.png")
        claims.append({
            "key": key, "anchor": _anchor(key), "paper": _text(row.get("paper")),
            "outcome": _outcome(status, verdict), "status": status, "verdict": verdict,
            "role": role, "reused": key in reused, "reasons": reasons,
            "prediction": pred, "tol": tol,
            "measured": _num(row.get("measured", np.nan)),
            "ci": f"[{_num(row.get('ci_low', np.nan))}, {_num(row.get('ci_high', np.nan))}]",
            "details": _text(row.get("details")), "seconds": row.get("seconds", np.nan),
            "size": _text(row.get("size")), "rejects": _text(row.get("rejects")),
            "heldout": held_text, "figure": fig, **{k: info.get(k, "") for k in (
                "statement", "theorem", "theory", "why", "finding", "control", "expect",
                "algorithm")},
            "declared": info.get("rejects", []),
            "seed": js.get("fingerprint", {}).get("seed", run.get("seed")),
            "revision": js.get("fingerprint", {}).get("git_revision"),
        })

    # grouped by paper; failing, then inconclusive claims first (in groups and in a group)
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in claims:
        groups.setdefault(c["paper"], []).append(c)
    paper_list = []
    for paper, rows in groups.items():
        rows = sorted(rows, key=lambda c: _RANK[c["outcome"]])
        counts = {o: sum(c["outcome"] == o for c in rows) for o in _RANK}
        paper_list.append({"paper": paper, "short": _short(paper), "claims": rows,
                           "counts": counts, "rank": min(_RANK[c["outcome"]] for c in rows)})
    paper_list.sort(key=lambda g: g["rank"])
    ordered = [c for g in paper_list for c in g["claims"]]

    counts = {o: sum(c["outcome"] == o for c in claims) for o in _RANK}
    seeds = sorted({c["seed"] for c in claims if c["seed"] is not None}, key=str)
    summary_ = {
        "total": len(claims), "passed": counts["pass"], "failed": counts["fail"],
        "inconclusive": counts["inconclusive"],
        "controls": sum(c["role"] == "control" for c in claims),
        "reused": sum(c["reused"] for c in claims),
        "size": run.get("size") or ", ".join(sorted({c["size"] for c in claims if c["size"]})),
        "seed": run.get("seed", seeds[0] if len(seeds) == 1 else ", ".join(map(str, seeds))),
        "seconds": run.get("seconds"),
        "claim_seconds": float(np.nansum([c["seconds"] for c in claims])),
        "heldout_seeds": (sorted(int(s) for s in held.seed.unique())
                          if held is not None and len(held) else []),
        "finished": run.get("finished", ""), "partial": verdicts is None,
        "has_run": bool(run),
    }
    return {
        "title": (f"convlab verify: {counts['pass']}/{len(claims)} passed"
                  + (f", {counts['fail']} failed" if counts["fail"] else "")
                  + (f", {counts['inconclusive']} inconclusive"
                     if counts["inconclusive"] else "")),
        "summary": summary_, "papers": paper_list, "claims": ordered,
        "attention": [c for c in ordered if c["outcome"] != "pass"],
        "figures": [c for c in ordered if c["figure"]],
        "kill": _kill_context(kill, outdir, claims),
        "heldout": _heldout_context(held_sum, need),
        "tightness": _tightness_context(_csv(outdir / "tightness.csv")),
        "provenance": _provenance_context(run, saved, keys),
    }


def _kill_context(kill: pd.DataFrame | None, outdir: Path,
                  claims: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The kill matrix as table rows (claim order of the verdict table) and its heatmap."""
    from .report import _num

    if kill is None:
        return None
    kill = kill.copy()
    kill["declared"] = kill.declared.astype(bool)
    kill["rejected"] = kill.rejected.astype(bool)
    mutants = list(dict.fromkeys(kill.mutant))
    by_key = {c["key"]: c for c in claims}
    order = [k for k in by_key if k in set(kill.key)] + [
        k for k in dict.fromkeys(kill.key) if k not in by_key]
    rows = []
    for key in order:
        sub = kill[kill.key == key].set_index("mutant")
        cells = []
        for m in mutants:
            if m not in sub.index:
                cells.append(None)
                continue
            r = sub.loc[m]
            err = _text(r.get("error"))
            state = "error" if err else ("rejected" if r.rejected else "survived")
            cells.append({"state": state, "declared": bool(r.declared),
                          "title": (f"{key} × {m}: {state}"
                                    + (" (declared)" if r.declared else "")
                                    + f"; verdict {r.verdict}, measured {_num(r.measured)} "
                                    f"[{_num(r.ci_low)}, {_num(r.ci_high)}]"
                                    + (f"; error: {err}" if err else ""))})
        dec = sub[sub.declared]
        c = by_key.get(key, {})
        rows.append({"key": key, "anchor": c.get("anchor", ""), "cells": cells,
                     "role": c.get("role", ""),
                     "declared": f"{int(dec.rejected.sum())}/{len(dec)}",
                     "all": f"{int(sub.rejected.sum())}/{len(sub)}"})
    dec = kill[kill.declared]
    none = [k for k in order if not kill[kill.key == k].rejected.any()]
    return {"mutants": mutants, "rows": rows, "image": _png(outdir / "kill_matrix.png"),
            "declared_rejected": int(dec.rejected.sum()), "declared_total": len(dec),
            "rejected": int(kill.rejected.sum()), "total": len(kill),
            "claims": len(order), "reject_none": len(none)}


def _heldout_context(hs: pd.DataFrame | None, need: float) -> dict[str, Any] | None:
    if hs is None:
        return None
    rows = [{"key": k, "passed": int(r.passed), "seeds": int(r.seeds),
             "fraction": f"{r.fraction:.0%}", "holds": bool(r.holds),
             "p_holm": f"{r.p_holm:.3g}", "rejected": bool(r.rejected)}
            for k, r in hs.iterrows()]
    return {"rows": rows, "need": f"{need:.0%}"}


def _tightness_context(t: pd.DataFrame | None) -> dict[str, Any] | None:
    from .report import _num

    if t is None:
        return None
    cols = [c for c in ("key", "statistic", "theorem_bound", "certified", "searched",
                        "typical") if c in t.columns] + [
        c for c in t.columns if c not in ("key", "statistic", "theorem_bound", "certified",
                                          "searched", "typical")]
    rows = [[(_num(v) if isinstance(v, int | float | np.number) and not isinstance(v, bool)
              else _text(v)) for v in rec] for rec in t[cols].itertuples(index=False)]
    return {"columns": cols, "rows": rows}


def _provenance_context(run: dict[str, Any], saved: dict[str, dict[str, Any]],
                        keys: list[str]) -> dict[str, Any]:
    """The run's provenance (``run.json``), else the claims'; revisions that differ."""
    prov = dict(run.get("provenance") or {})
    claim_provs = [saved[k].get("provenance", {}) for k in keys if k in saved]
    if not prov and claim_provs:
        prov = dict(claim_provs[0])
    labels = [("convlab_version", "convlab"), ("git_revision", "git revision"),
              ("numpy_version", "NumPy"), ("scipy_version", "SciPy"),
              ("python_version", "Python"), ("blas", "BLAS"),
              ("blas_threads", "BLAS threads"), ("machine", "machine"),
              ("platform", "platform"), ("cpus", "CPUs")]
    items = [(label, _text(prov.get(k)) or "not recorded") for k, label in labels
             if k in prov or k in ("blas", "git_revision")]
    revisions = sorted({_text(p.get("git_revision")) for p in claim_provs} - {""})
    return {"items": items, "revisions": revisions if len(revisions) > 1 else []}


# ------------------------------------------------------------------------------------------
# rendering
# ------------------------------------------------------------------------------------------

def render(context: dict[str, Any]) -> str:
    """The page from :func:`load`'s context (Jinja2, autoescaped)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("convlab", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["seconds"] = _seconds
    return env.get_template(TEMPLATE).render(**context)


def _seconds(s: Any) -> str:
    if s is None or (isinstance(s, float) and not np.isfinite(s)):
        return "—"
    s = float(s)
    if s < 60:
        return f"{s:.1f} s"
    m, sec = divmod(round(s), 60)
    return f"{m} min {sec} s" if m < 60 else f"{m // 60} h {m % 60} min"
