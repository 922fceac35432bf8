"""The ``convlab`` command: ``convlab list``, ``convlab verify``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _list(args: argparse.Namespace) -> int:
    from . import optimizers, problems
    from .claims import CLAIMS

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
        for c in CLAIMS:
            exp = f" [{c.experiment}]" if c.experiment else ""
            print(f"  {c.key}{exp}\n      {c.paper}: {c.statement[:110]}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .report import have_pyarrow, verify

    try:
        report = verify(args.only, size=args.size, rng=args.seed, out=args.out,
                        figures=not args.no_figures, echo=not args.quiet, force=args.force,
                        scheduler=args.scheduler, jobs=args.jobs)
    except (ValueError, ImportError, ConnectionError) as exc:
        print(f"convlab verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        kept = f"; the claims finished so far are saved in {args.out}" if args.out else ""
        print(f"\nconvlab verify: interrupted{kept} (run again to resume)", file=sys.stderr)
        return 130
    print(report)
    if args.out:
        per_claim = "CSV" if args.no_figures else "CSV/PNG"
        print(f"wrote {args.out}/verdicts.md, verdicts.csv and one {per_claim} per claim"
              + (" (and parquet)" if have_pyarrow() else ""))
    return 0 if report.passed else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``convlab`` command."""
    ap = argparse.ArgumentParser(
        prog="convlab",
        description="Check convergence theorems for sharpness-aware minimization with numbers.")
    sub = ap.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list problems, optimizers and claims")
    p_list.add_argument("what", nargs="?", default="all",
                        choices=["all", "problems", "optimizers", "claims"])
    p_list.set_defaults(func=_list)
    p_ver = sub.add_parser("verify", help="run the claims and print the verdict table")
    p_ver.add_argument("--size", choices=["small", "full"], default="small",
                       help="small: seconds per claim (CI); full: the sizes behind the figures")
    p_ver.add_argument("--only", nargs="+", metavar="KEY",
                       help="claim keys or key prefixes (e.g. si_yun_2023)")
    p_ver.add_argument("--out", metavar="DIR", help="write verdicts.md/.csv and figures here")
    p_ver.add_argument("--seed", type=int, default=0, help="seed of every scenario (default 0)")
    p_ver.add_argument("--no-figures", action="store_true", help="with --out: skip the PNGs")
    p_ver.add_argument("--force", action="store_true",
                       help="with --out: recompute claims already finished there")
    p_ver.add_argument("--quiet", action="store_true", help="no per-claim progress lines")
    where = p_ver.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="run the claims on a local Dask cluster of N worker processes "
                            "(default 1: in this process; needs the dask extra)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the claims on the workers of this Dask scheduler, e.g. "
                            "tcp://HOST:8786 (convlab at the same git revision on each; "
                            "needs the dask extra)")
    p_ver.set_defaults(func=_verify)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 all pass, 1 a claim failed, 2 bad usage)."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
