r"""The tightness table: theorem bound ≥ certified ≥ searched ≥ typical, per upper-bound claim.

An upper-bound claim (a :class:`~convlab.claims.Bound` expectation) can carry a
:class:`Tightness` (``Claim.tightness``): the statistic it bounds, the theorem's bound as a
sympy expression in named symbols with their values on the instance, how to certify the
worst case over the class (keyword arguments of :func:`convlab.certify.worst_case`, or
``None`` where the method is not covered), how to search for a bad instance
(:func:`convlab.worst.search` of a statistic over a family, or a callable), and how the
claim's own (typical) instance value is read. :func:`table` puts the four numbers side by
side, in the claim's statistic's units; ``convlab verify --out DIR`` writes it as
``DIR/tightness.csv`` (:func:`write`) and the HTML report shows it. DESIGN.md "Round 2".

Columns: ``key, statistic, theorem_bound, certified, searched, typical`` and ``slack``
(theorem_bound / certified), ``ok`` (searched and typical ≤ certified·(1 + 1e-6): a search lower
bound above a certified upper bound is a bug in one of them; without a certificate,
searched ≤ theorem_bound), ``above_bound`` (a certificate, a searched or the typical value
above the theorem's bound: a finding, kept and flagged, not a failure of the table),
``finding`` (the slack in words, then anything above the bound), ``bound_kind``,
``certificate`` (the model, ``exact`` / ``relaxed`` / ...) and ``seconds``.

Examples
--------
>>> from convlab.tightness import Tightness
>>> t = Tightness("contraction", "q**(2*N)", {"q": 0.9, "N": 2})
>>> round(t.theorem_bound(), 6)
0.6561
>>> Tightness("contraction", "q**(2*N)", {"q": 0.9})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: Tightness 'contraction': bound q**(2*N) uses symbol(s) ['N'] with no value ...
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from tokenize import TokenError
from typing import Any

import numpy as np
import pandas as pd
import sympy

__all__ = ["COLUMNS", "Tightness", "check", "row", "table", "write"]

COLUMNS = ("key", "statistic", "theorem_bound", "certified", "searched", "typical", "slack",
           "ok", "above_bound", "finding", "bound_kind", "certificate", "seconds")
#: Relative slack allowed between a searched value and a certificate (solver accuracy).
RTOL = 1e-6


_FUNCTIONS = {"Max": sympy.Max, "Min": sympy.Min, "Abs": sympy.Abs, "sqrt": sympy.sqrt,
              "exp": sympy.exp, "log": sympy.log, "pi": sympy.pi}


def _parse(name: str, bound: Any) -> sympy.Expr:
    if isinstance(bound, sympy.Expr):
        return bound
    if not isinstance(bound, str):
        raise TypeError(f"Tightness {name!r}: bound must be a sympy expression or a string, "
                        f"got {type(bound).__name__}")
    # every identifier is a symbol (N, S, beta, gamma... are sympy functions otherwise),
    # except the functions and constants a bound needs
    local = {n: sympy.Symbol(n) for n in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", bound)
             if n not in _FUNCTIONS}
    local.update({n: _FUNCTIONS[n] for n in _FUNCTIONS})
    try:
        expr = sympy.parse_expr(bound, local_dict=local, global_dict={
            "Integer": sympy.Integer, "Float": sympy.Float, "Rational": sympy.Rational,
            "Symbol": sympy.Symbol})
    except (sympy.SympifyError, SyntaxError, TypeError, NameError, TokenError) as exc:
        raise ValueError(f"Tightness {name!r}: bound {bound!r} is not a sympy expression "
                         f"({type(exc).__name__}: {exc})") from None
    if not isinstance(expr, sympy.Expr):
        raise ValueError(f"Tightness {name!r}: bound {bound!r} is not an expression "
                         f"(got {type(expr).__name__})")
    return expr


@dataclass(frozen=True)
class Tightness:
    r"""How to put a claim's bound beside a certified and a searched worst case.

    Parameters
    ----------
    statistic : str
        What is bounded, in words with its units (the same for all four numbers).
    bound : str or sympy.Expr
        The theorem's bound with its explicit constants, in named symbols.
    values : dict or callable
        The symbols' values on the instance, or ``values(sp) -> dict`` of the claim's size
        parameters ``sp``.
    certify : dict or None
        Keyword arguments of :func:`convlab.certify.worst_case` (``method`` and
        ``function_class`` included); ``None``: the method is not covered.
    search : callable, dict or None
        ``search(rng) -> float``, or ``{"statistic": ..., "family": ..., "budget": ...}``
        (plus any :func:`convlab.worst.search` keyword) for ``worst.search``; the value
        must be in the statistic's units.
    typical : str or callable
        ``"measured"``: the claim's ``result.measured`` (mean value / bound, the Bound's
        ratio) times the theorem bound; a callable ``typical(result) -> float``.
    bound_kind : str
        Where the bound comes from (``"theorem"``, ``"derived [D], THEORY §3.1.4"``...).
    seed : int
        The search's seed.
    """

    statistic: str
    bound: Any
    values: Any
    certify: Mapping[str, Any] | None = None
    search: Any = None
    typical: Any = "measured"
    bound_kind: str = "theorem"
    seed: int = 0
    expr: sympy.Expr = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        expr = _parse(self.statistic, self.bound)
        object.__setattr__(self, "expr", expr)
        if isinstance(self.values, Mapping):
            self._check_symbols(self.values)
        elif not callable(self.values):
            raise TypeError(f"Tightness {self.statistic!r}: values must be a dict or a "
                            f"callable of the size parameters, got {type(self.values).__name__}")
        if self.certify is not None:
            if not isinstance(self.certify, Mapping):
                raise TypeError(f"Tightness {self.statistic!r}: certify must be a dict of "
                                "certify.worst_case arguments or None")
            missing = [k for k in ("method", "function_class") if k not in self.certify]
            if missing:
                raise ValueError(f"Tightness {self.statistic!r}: certify lacks {missing}")
        if isinstance(self.search, Mapping):
            missing = [k for k in ("statistic", "family", "budget") if k not in self.search]
            if missing:
                raise ValueError(f"Tightness {self.statistic!r}: search lacks {missing}")
        elif self.search is not None and not callable(self.search):
            raise TypeError(f"Tightness {self.statistic!r}: search must be a callable, a "
                            "dict or None")
        if not (self.typical == "measured" or callable(self.typical)):
            raise ValueError(f"Tightness {self.statistic!r}: typical must be 'measured' or a "
                             f"callable, got {self.typical!r}")

    def _check_symbols(self, values: Mapping[str, Any]) -> None:
        names = {str(s) for s in self.expr.free_symbols}
        missing = sorted(names - set(values))
        if missing:
            raise ValueError(f"Tightness {self.statistic!r}: bound {self.expr} uses symbol(s) "
                             f"{missing} with no value (values give {sorted(values)})")

    def symbol_values(self, sp: Mapping[str, Any] | None = None) -> dict[str, float]:
        """The symbols' values (``values``, or ``values(sp)``)."""
        vals = dict(self.values) if isinstance(self.values, Mapping) else \
            dict(self.values(dict(sp or {})))
        self._check_symbols(vals)
        return vals

    def theorem_bound(self, sp: Mapping[str, Any] | None = None) -> float:
        """The bound evaluated on the instance (a finite real number, or a clear error)."""
        vals = self.symbol_values(sp)
        v = self.expr.subs({sympy.Symbol(k): sympy.Float(float(x)) if not
                            isinstance(x, int) else sympy.Integer(x) for k, x in vals.items()})
        try:
            out = float(sympy.N(v, 17))
        except TypeError:
            raise ValueError(f"Tightness {self.statistic!r}: bound {self.expr} does not "
                             f"evaluate to a real number at {vals} (got {v})") from None
        if not math.isfinite(out):
            raise ValueError(f"Tightness {self.statistic!r}: bound {self.expr} is {out} at "
                             f"{vals}")
        return out

    def certificate(self) -> Any:
        """:func:`convlab.certify.worst_case` of ``certify`` (None when not covered or the
        certify extra is missing)."""
        if self.certify is None:
            return None
        from . import certify

        if not certify.available():
            return None
        kw = dict(self.certify)
        return certify.worst_case(kw.pop("method"), kw.pop("function_class"), **kw)

    def searched(self) -> float:
        """The worst value the search found (NaN without a search)."""
        if self.search is None:
            return float("nan")
        gen = np.random.default_rng(self.seed)
        if callable(self.search):
            return float(self.search(gen))
        from . import worst

        kw = dict(self.search)
        fam = kw.pop("family")
        fam = fam() if callable(fam) and not isinstance(fam, worst.Family) else fam
        return float(worst.search(kw.pop("statistic"), fam, kw.pop("budget"), rng=gen,
                                  **kw).value)


def _le(a: float, b: float) -> bool:
    """a ≤ b up to the relative solver tolerance (False when either is NaN)."""
    return bool(a <= b + RTOL * abs(b))


def _slack_sentence(bound: float, certified: float, searched: float, typical: float) -> str:
    """The slack of the bound, in words: against the certificate, the search, the claim."""
    parts = []
    if math.isfinite(certified) and certified > 0:
        r = bound / certified
        parts.append("tight: bound = certified" if abs(r - 1) <= 1e-6 else
                     f"bound {r:.3g}x the certified worst case")
    else:
        parts.append("no certificate")
    if math.isfinite(searched) and searched > 0:
        parts.append(f"{bound / searched:.3g}x the searched" +
                     ("" if not math.isfinite(certified) else
                      f" (searched/certified {searched / certified:.3g})"))
    if math.isfinite(typical) and typical > 0:
        parts.append(f"{bound / typical:.3g}x the typical")
    return ", ".join(parts)


def row(claim: Any, result: Any) -> dict[str, Any]:
    """One row of the table for ``claim`` (which has a ``tightness``) and its result."""
    t: Tightness = claim.tightness
    t0 = time.perf_counter()
    sp = dict(claim.sizes[result.size]) if result is not None else {}
    bound = t.theorem_bound(sp)
    failed = ""
    try:
        cert = t.certificate()
    except Exception as exc:                  # a solver failure is reported, not raised
        cert, failed = None, f"failed: {type(exc).__name__}: {exc}"
    certified = float(cert.value) if cert is not None else float("nan")
    model = ("not covered" if t.certify is None else failed if failed else
             "certify extra missing" if cert is None else
             cert.model + ("" if cert.certified else " (not certified)"))
    searched = t.searched()
    if result is None:
        typical = float("nan")
    elif t.typical == "measured":
        typical = float(result.measured) * bound
    else:
        typical = float(t.typical(result))
    notes = []
    over = {"certificate": certified, "searched instance": searched, "typical": typical}
    over = {k: v for k, v in over.items() if math.isfinite(v) and not _le(v, bound)}
    for what, v in over.items():
        why = (": the bound is violated" if what != "certificate" or cert.exact else
               " (a relaxation: the bound may still hold, explain in paper_notes.md)")
        notes.append(f"{what} above the theorem bound (x{v / bound:.3g}){why}")
    if math.isfinite(certified):
        ok = (not math.isfinite(searched) or _le(searched, certified)) and \
             (not math.isfinite(typical) or _le(typical, certified))
        if not ok:
            notes.append("searched or typical above the certificate: a bug in the search, the "
                         "certificate or the claim")
    else:
        ok = not math.isfinite(searched) or _le(searched, bound)
    notes.insert(0, _slack_sentence(bound, certified, searched, typical))
    return {"key": claim.key, "statistic": t.statistic, "theorem_bound": bound,
            "certified": certified, "searched": searched, "typical": typical,
            "slack": bound / certified if math.isfinite(certified) and certified > 0
            else float("nan"),
            "ok": bool(ok), "above_bound": bool(over), "finding": "; ".join(notes),
            "bound_kind": t.bound_kind,
            "certificate": model, "seconds": round(time.perf_counter() - t0, 2)}


def table(claims: Sequence[Any], results: Sequence[Any] | None = None) -> pd.DataFrame:
    """The tightness table of the ``claims`` that have a ``tightness`` (results matched by
    key; a claim without a result gets a NaN ``typical``)."""
    by_key = {r.key: r for r in (results or []) if r is not None}
    rows = [row(c, by_key.get(c.key)) for c in claims
            if getattr(c, "tightness", None) is not None]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write(frame: pd.DataFrame, outdir: str | Path) -> Path:
    """Write ``frame`` as ``outdir/tightness.csv`` (atomically); returns the path."""
    from .report import atomic_write

    path = Path(outdir) / "tightness.csv"
    return atomic_write(path, lambda p: frame.to_csv(p, index=False))


def check(frame: pd.DataFrame) -> list[str]:
    """The rows whose ``searched`` exceeds ``certified`` (the CI check): messages, empty
    when all hold."""
    return [f"{r.key}: searched {r.searched:.6g} > certified {r.certified:.6g}"
            for r in frame.itertuples() if not r.ok]

