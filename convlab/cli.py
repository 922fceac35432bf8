"""The ``convlab`` command: ``list``, ``show``, ``verify``, ``report`` (also ``python -m
convlab``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _claims(args: argparse.Namespace):
    """The claims module with the ``--claims`` files of ``args`` loaded."""
    from . import claims

    for path in getattr(args, "claims", None) or ():
        claims.load_file(path)
    return claims


def _list(args: argparse.Namespace) -> int:
    from . import optimizers, problems

    what = args.what
    if what in ("all", "problems"):
        print("problems:")
        for name in sorted(problems.REGISTRY):
            print(f"  {name:20s} {problems.get(name)!r}")
    if what in ("all", "optimizers"):
        print("optimizers:")
        for name in sorted(optimizers.REGISTRY):
            o = optimizers.get(name)
            print(f"  {name:20s} {o.name} ({o.grads_per_step} gradients/step)")
    if what in ("all", "claims"):
        print("claims:")
        for c in _claims(args).CLAIMS:
            exp = f" [{c.experiment}]" if c.experiment else ""
            print(f"  {c.key}{exp}  ({c.source})\n      {c.paper}: {c.statement[:110]}")
    return 0


def _show(args: argparse.Namespace) -> int:
    c = _claims(args).get(args.key)
    e = c.expect
    extra = f", log power {e.log_power:g}" if getattr(e, "log_power", 0.0) else ""
    lines = [
        c.key, f"  paper:      {c.paper}", f"  source:     {c.source}",
        f"  theorem:    {c.theorem}", f"  statement:  {c.statement}",
        f"  theory:     {c.theory}",
        f"  expect:     {type(e).__name__} {e.predicted:g} ({e.side}, tol {e.tol:g}, "
        f"max CI width {e.max_width:g}{extra})",
        f"  why tol:    {e.why}", f"  tol seeds:  {', '.join(map(str, e.seeds))}",
        f"  algorithm:  {c.algorithm_name}",
        (f"  rejects:    {', '.join(c.rejects)}" if c.rejects
         else f"  control:    {c.control or '(no mutant declared)'}"),
        f"  scenario:   {getattr(c.scenario, '__qualname__', type(c.scenario).__name__)}",
    ]
    lines += [f"  size {k:6s} {dict(v)}" for k, v in c.sizes.items()]
    if c.experiment:
        lines.append(f"  experiment: {c.experiment}")
    if c.finding:
        lines.append(f"  finding:    {c.finding}")
    print("\n".join(lines))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .report import have_pyarrow, verify

    report = verify(args.only, size=args.size, rng=args.seed, out=args.out,
                    figures=not args.no_figures, echo=not args.quiet, force=args.force,
                    scheduler=args.scheduler, jobs=args.jobs, claim_files=args.claims or (),
                    power=args.power, seeds=args.seeds)
    print(report)
    if report.kill is not None:
        from . import claims, power

        table = power.summary(report.kill, claims.select(args.only))
        print("\nkill matrix (each claim's scenario with each wrong algorithm of its target; "
              "'rejects' counts the mutants the claim declares):")
        print(table.to_string(index=False))
    if report.heldout is not None:
        print("\nheld-out seeds (seeds the tolerances were not studied at):")
        print(report.heldout_summary().to_string(index=False))
    if args.out:
        per_claim = "CSV" if args.no_figures else "CSV/PNG"
        extra = (", kill_matrix.csv/.png" if report.kill is not None else "") + (
            ", heldout.csv" if report.heldout is not None else "")
        print(f"wrote {args.out}/verdicts.md, verdicts.csv{extra} and one {per_claim} per "
              "claim" + (" (and parquet)" if have_pyarrow() else "")
              + f"; the page: {Path(args.out) / 'report.html'}")
    return 0 if report.passed else 1


def _report(args: argparse.Namespace) -> int:
    from .html_report import write_html

    print(f"wrote {write_html(args.dir)}")
    return 0


def _integer(text: str, least: int, what: str) -> int:
    """An integer option ``>= least`` (argparse type), the error naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{value} {what}")
    return value


def _count(text: str) -> int:
    """``--seeds``: a positive integer."""
    return _integer(text, 1, "must be at least 1")


def _seed(text: str) -> int:
    """``--seed``: a non-negative integer."""
    return _integer(text, 0, "is negative (seeds are >= 0)")


def _add_claims_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--claims", action="append", metavar="FILE.py",
                   help="also load the CLAIMS of this Python file (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``convlab`` command."""
    from . import __version__

    ap = argparse.ArgumentParser(
        prog="convlab",
        description="Check convergence theorems for sharpness-aware minimization with numbers.")
    ap.add_argument("--version", action="version", version=f"convlab {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list problems, optimizers and claims")
    p_list.add_argument("what", nargs="?", default="all",
                        choices=["all", "problems", "optimizers", "claims"])
    _add_claims_option(p_list)
    p_list.set_defaults(func=_list)
    p_show = sub.add_parser("show", help="print one claim: statement, theory, expectation, "
                                         "tolerance and why, sizes, algorithm")
    p_show.add_argument("key", help="claim key (see `convlab list claims`)")
    _add_claims_option(p_show)
    p_show.set_defaults(func=_show)
    p_ver = sub.add_parser("verify", help="run the claims and print the verdict table")
    p_ver.add_argument("--size", choices=["small", "full"], default="small",
                       help="small: seconds per claim (CI); full: the sizes behind the figures")
    p_ver.add_argument("--only", nargs="+", metavar="KEY",
                       help="claim keys or key prefixes (e.g. si_yun_2023)")
    _add_claims_option(p_ver)
    p_ver.add_argument("--out", metavar="DIR", help="write verdicts.md/.csv and figures here")
    p_ver.add_argument("--seed", type=_seed, default=0,
                       help="seed of every scenario, an integer >= 0 (default 0)")
    p_ver.add_argument("--no-figures", action="store_true", help="with --out: skip the PNGs")
    p_ver.add_argument("--force", action="store_true",
                       help="with --out: recompute claims already finished there")
    p_ver.add_argument("--quiet", action="store_true", help="no per-claim progress lines")
    p_ver.add_argument("--power", action="store_true",
                       help="also run every claim with each wrong algorithm of convlab.mutants "
                            "that targets its algorithm and print the kill matrix (with --out: "
                            "kill_matrix.csv and .png); a mutant a claim declares that "
                            "survives fails the claim")
    p_ver.add_argument("--seeds", type=_count, default=0, metavar="K",
                       help="also run every claim at K held-out seeds (not those its "
                            "tolerance was studied at); a claim passing fewer than 80%% of "
                            "them fails; Holm-adjusted family statement (with --out: "
                            "heldout.csv)")
    where = p_ver.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="run the claims on a local Dask cluster of N worker processes "
                            "(default 1: in this process; needs the dask extra)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the claims on the workers of this Dask scheduler, e.g. "
                            "tcp://HOST:8786 (convlab at the same git revision on each; "
                            "needs the dask extra)")
    p_ver.set_defaults(func=_verify)
    p_rep = sub.add_parser("report", help="rebuild DIR/report.html from the results saved by "
                                          "`verify --out DIR` (runs nothing)")
    p_rep.add_argument("dir", metavar="DIR", help="a folder written by convlab verify --out")
    p_rep.set_defaults(func=_report)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 all pass, 1 a claim failed, 2 bad usage)."""
    args = build_parser().parse_args(argv)
    name = f"convlab {args.command}"
    try:
        status = int(args.func(args))
        sys.stdout.flush()                       # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:                      # `convlab list | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())    # no second error when Python flushes
        return 0
    except (ValueError, ImportError, ConnectionError, TypeError) as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        out = getattr(args, "out", None)
        kept = f"; the claims finished so far are saved in {out}" if out else ""
        print(f"\n{name}: interrupted{kept} (run again to resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
