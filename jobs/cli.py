"""The ``hotlase`` command line: one subcommand per step of the pipeline.

Each subcommand is a thin wrapper over a function of the package that owns the step; bad
input prints one line naming the field and exits 2, a failed run exits 1.

Exit codes of ``analyze``, ``status`` and ``collect``: 0 all inputs present and usable;
1 (EXIT_INCOMPLETE) some inputs missing, unreadable or refused (each named on stdout);
2 bad input or a directory/index that cannot be read; 3 (EXIT_SUSPECT, ``analyze`` only)
every run present but some results fail a physical check (docs/runfile.md, "Checks").
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from pathlib import Path

from hotlase.geometry.runkinds import CACHE_HELP, add_run_options
from hotlase.geometry.validate import SpecError

LOCKED_EXIT = 75  # EX_TEMPFAIL (sysexits.h): the output directory is in use, try again later
EXIT_INCOMPLETE = 1
EXIT_SUSPECT = 3
#: Where ``hotlase show`` writes without --out: runs/show/ of the current directory.
SHOW_DIR = Path("runs") / "show"


def _show(args) -> int:
    from hotlase.geometry.plot import plot_cross_sections
    from hotlase.geometry.study import load_study

    from hotlase.geometry.estimate import estimate

    study = load_study(args.study)
    out = Path(args.out) if args.out else SHOW_DIR / Path(args.study).with_suffix(".png").name
    if not args.out:  # never beside the study: that may be the repository's examples/
        out.parent.mkdir(parents=True, exist_ok=True)
    try:
        plot_cross_sections(study, out)
    except OSError as err:
        raise SpecError("--out", str(out), f"cannot be written: {err.strerror or err}") from None
    print(f"cross-sections written to {out}" + ("" if args.out else " (--out PATH to choose)"))
    print(estimate(study).summary())
    return 0


def _run(args) -> int:
    from hotlase.jobs.local import run_study

    return run_study(args.study, args.out, np=args.np, resume=args.resume,
                     kinds=args.kinds, resolution_nm=args.resolution_nm,
                     allow_large=args.allow_large, cache=args.cache)


def _analyze(args) -> int:
    from hotlase.postprocess.report import analyze

    d = Path(args.dir)
    if (d / "converge.toml").is_file() and not (d / "runs").is_dir():  # a converge directory
        from hotlase.jobs.converge import print_ladder, rebuild

        print_ladder(d, rebuild(d))
        return 0
    from hotlase.postprocess.report import status_lines

    report, summary = analyze(args.dir, study=args.study)
    print(report)
    conv = summary.get("grid_convergence") or {}
    print(f"grid convergence: error bars from {conv['ladder']}" if conv.get("ladder")
          else conv.get("note", "no grid-convergence ladder: numbers carry no error bar"))
    print("\n".join(line.strip("*") for line in status_lines(summary)))
    return {"complete": 0, "suspect": EXIT_SUSPECT}.get(summary.get("status") or "",
                                                          EXIT_INCOMPLETE)


def _demo(args) -> int:
    from hotlase.jobs.demo import run_demo

    return run_demo(args.out, np=args.np, resolution_nm=args.resolution_nm,
                    allow_large=args.allow_large)


def _sweep(args) -> int:
    from hotlase.jobs.sweep import run_sweep

    return run_sweep(args.sweep, args.out, scheduler=args.scheduler, np=args.np,
                     dry_run=args.dry_run, resume=args.resume, partition=args.partition,
                     account=args.account, time=args.time, mem=args.mem)


def _converge(args) -> int:
    from hotlase.jobs.converge import run_converge

    return run_converge(args)


def _status(args) -> int:
    from hotlase.jobs.status import show_status

    return show_status(args.dir)


def _collect(args) -> int:
    from hotlase.jobs.collect import collect_command

    return collect_command(args.dir)


def _validate(args) -> int:
    from hotlase.jobs.validate import run_validation

    return run_validation(quick=args.quick)


def _schema(args) -> int:
    from hotlase.jobs.schema import reference

    print(reference(), end="")
    return 0


def _slurm_options(s: argparse.ArgumentParser) -> None:
    """Slurm submission options shared by ``sweep`` and ``converge`` (used with
    --scheduler slurm; jobs.slurm reads them)."""
    for flag in ("--partition", "--account", "--time", "--mem"):
        s.add_argument(flag)


def _allow_large(s: argparse.ArgumentParser) -> None:
    """The override of the pre-run size check (geometry.estimate.check_machine)."""
    s.add_argument("--allow-large", action="store_true",
                   help="run even when the estimate exceeds this machine's available memory "
                        "or the time limit")


def parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests and docs can inspect it)."""
    p = argparse.ArgumentParser(prog="hotlase", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("show", help="plot the xz and xy cross-sections of a study to PNG")
    s.add_argument("study")
    s.add_argument("--out", help="PNG path (default: runs/show/STUDY.png in the current directory)")
    s.set_defaults(func=_show)

    s = sub.add_parser("run", help="run a study's Meep simulations (and its no-metal twin)")
    s.add_argument("study")
    s.add_argument("--out", required=True, help="output directory (run files go to OUT/runs/)")
    add_run_options(s, np_default=1)
    s.add_argument("--cache", help=CACHE_HELP)
    _allow_large(s)
    s.set_defaults(func=_run)

    s = sub.add_parser("analyze", help="post-process run files into report.md and summary.json")
    s.add_argument("dir")
    s.add_argument("--study", help="the study to analyse (default: the one `hotlase run` recorded "
                                   "in DIR/runs/study.json); its [gain] and [analysis] are used, "
                                   "and run files of another structure or grid are refused")
    s.set_defaults(func=_analyze)

    s = sub.add_parser("demo", help="run and analyse the default study (metal and no-metal)")
    s.add_argument("--out", default="runs/demo")
    add_run_options(s, np_default=2, kinds=False, resume=False)
    _allow_large(s)
    s.set_defaults(func=_demo)

    s = sub.add_parser("sweep", help="expand a sweep file into points and run or submit them")
    s.add_argument("sweep")
    s.add_argument("--out", required=True)
    s.add_argument("--scheduler", choices=("local", "slurm"), default="local")
    s.add_argument("--np", type=int, default=None, help="MPI ranks per point")
    s.add_argument("--dry-run", action="store_true", help="expand and write scripts, run nothing")
    s.add_argument("--resume", action="store_true", help="redo only missing or failed points")
    _slurm_options(s)
    s.set_defaults(func=_sweep)

    s = sub.add_parser("converge", help="run a study on a grid ladder: order, extrapolated "
                       "value and error bar of every headline output")
    s.add_argument("study")
    s.add_argument("--resolutions", help="grid spacings in nm, e.g. 20,15,10 (default: the "
                   "study's grid x 2, 1.5, 1)")
    s.add_argument("--kinds", help="run only these run kinds on every grid, e.g. spectrum,fields "
                   "(default: the study's; the ladder then gives bars to what they make)")
    s.add_argument("--out", help="ladder directory (default: runs/converge-<study>)")
    s.add_argument("--np", type=int, default=None, help="MPI ranks per grid")
    s.add_argument("--scheduler", choices=("local", "slurm"), default="local")
    s.add_argument("--tolerance", type=float, default=0.03,
                   help="absolute tolerance for R, T, A (fractions of the incident power)")
    s.add_argument("--tolerance-nm", type=float, default=2.0,
                   help="absolute tolerance for mode wavelengths (nm)")
    s.add_argument("--rel-tolerance", type=float, default=0.1,
                   help="relative tolerance for everything else (Q, rates, QEs, Purcell, ...)")
    s.add_argument("--match-nm", type=float, default=10.0,
                   help="largest shift of a mode between neighbouring grids (nm)")
    s.add_argument("--dry-run", action="store_true", help="write the ladder's points, run nothing")
    _slurm_options(s)
    s.set_defaults(func=_converge)

    s = sub.add_parser("status", help="state of every point of a sweep directory")
    s.add_argument("dir")
    s.set_defaults(func=_status)

    s = sub.add_parser("collect", help="gather complete sweep points into one table and plots")
    s.add_argument("dir")
    s.set_defaults(func=_collect)
    s = sub.add_parser("validate", help="run the physics validation set against analytic references")
    s.add_argument("--quick", action="store_true", help="only the fast 1D and bulk checks (~30 s)")
    s.set_defaults(func=_validate)

    s = sub.add_parser("schema", help="print the study-file reference: every table and key, "
                       "unit, default, allowed range, examples (docs/study-reference.md)")
    s.set_defaults(func=_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hotlase`` console script."""
    from hotlase.geometry.notices import install
    from hotlase.jobs import supervise
    from hotlase.solvers.collective import Interrupted, interrupt_signum, raise_on_signals
    from hotlase.solvers.dirlock import LockHeld
    from hotlase.jobs.state import StateFileError

    args = parser().parse_args(argv)
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    raise_on_signals()  # SIGTERM, SIGHUP: Interrupted, like Ctrl-C's KeyboardInterrupt
    install()  # each warning once per command, with what to do
    try:
        return int(args.func(args) or 0)
    except (Interrupted, KeyboardInterrupt) as err:
        signum = interrupt_signum(err)
        assert signum is not None  # an Interrupted or KeyboardInterrupt always has one
        if os.environ.get(supervise.PARENT_REPORTS_ENV):  # a sweep's point: the sweep prints it
            return 128 + signum
        print(f"hotlase {args.command}: {signal.Signals(signum).name}: stopped; unfinished run files "
              f"are marked 'failed: interrupted', run the same command with --resume to continue",
              file=sys.stderr)
        return 128 + signum
    except LockHeld as err:
        print(f"error: {err}", file=sys.stderr)
        return LOCKED_EXIT
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (FileNotFoundError, StateFileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
