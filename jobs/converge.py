"""``hotlase converge STUDY``: run a study on a ladder of grids and say how converged it is.

The ladder is an ordinary sweep over ``simulation.resolution_nm`` (DIR/converge.toml, written
here and run by ``jobs.sweep``: locally one point after another, or as a Slurm job array), so
``hotlase status DIR`` and ``hotlase collect DIR`` work on it too. Once points are complete,
``postprocess.ladder`` turns their summary.json files into DIR/convergence.json,
DIR/convergence.md and DIR/figures/convergence/*.png, and every complete point is analysed
again so that its report.md carries the error bars. With Slurm, run the same command again
when the points are complete: finished points are never redone.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import sys
import tomllib
import warnings
from pathlib import Path

from hotlase.geometry.study import load_study
from hotlase.geometry.validate import SpecError
from hotlase.jobs.points import Sweep, load_sweep, sweep_from_dict
from hotlase.jobs.state import POINTS_DIR, point_files, write_text_atomic
from hotlase.jobs.toml_writer import dumps
from hotlase.postprocess.ladder import LADDER_FILE, Tolerances, build_ladder, ladder_key, write_ladder
from hotlase.solvers import dirlock

SWEEP_FILE = "converge.toml"
DEFAULT_FACTORS = (2.0, 1.5, 1.0)  # default ladder: the study's grid times these


def parse_resolutions(text: str | None, study_h: float) -> list[float]:
    """Grid spacings from "20,15,10" (nm); default: the study's grid x DEFAULT_FACTORS.

    Raises:
        SpecError: not numbers, not > 0, repeated, or fewer than 2.
    """
    if text is None:
        return [float(f"{study_h * f:.6g}") for f in DEFAULT_FACTORS]
    try:
        hs = [float(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise SpecError("--resolutions", text, "must be grid spacings in nm separated by commas, "
                        "e.g. 20,15,10") from None
    if len(hs) < 2 or any(not (h > 0 and math.isfinite(h)) for h in hs) or len(set(hs)) != len(hs):
        raise SpecError("--resolutions", text, "must be at least 2 distinct grid spacings > 0 nm "
                        "(3 or more give an observed order)")
    return hs  # in the order typed: error messages index them so


def tolerances(args) -> Tolerances:
    """The Tolerances of the command line, each checked > 0."""
    for name, v in (("--tolerance", args.tolerance), ("--tolerance-nm", args.tolerance_nm),
                    ("--rel-tolerance", args.rel_tolerance)):
        if not (v > 0 and math.isfinite(v)):
            raise SpecError(name, v, "must be > 0")
    return Tolerances(args.tolerance, args.tolerance_nm, args.rel_tolerance)


def sweep_text(study_path: Path, resolutions: list[float], np_: int, name: str,
               kinds: list[str] | None = None) -> str:
    """The sweep file of the ladder (a sweep over simulation.resolution_nm; with ``kinds``,
    only those run kinds in every grid)."""
    data: dict = {"sweep": {"study": str(study_path.resolve()), "name": name,
                            "parameters": {"simulation.resolution_nm": resolutions}},
                  "run": {"np": np_}}
    if kinds:
        data["sweep"]["fixed"] = {"study.run_kinds": kinds}
    return ("# hotlase converge: the grid ladder of " + str(study_path) + " as a sweep\n"
            + dumps(data))


def run_converge(args) -> int:
    """Entry of ``hotlase converge`` (args: study, resolutions, kinds, out, np, scheduler,
    tolerance, tolerance_nm, rel_tolerance, match_nm, dry_run, partition, account, time, mem)."""
    study_path = Path(args.study)
    study = load_study(study_path)
    hs = parse_resolutions(args.resolutions, study.simulation.resolution_nm)
    tol = tolerances(args)
    if not args.match_nm > 0:
        raise SpecError("--match-nm", args.match_nm, "must be > 0")
    np_ = args.np if args.np is not None else 1
    if np_ < 1:
        raise SpecError("--np", np_, "must be >= 1")
    out = Path(args.out or f"runs/converge-{study_path.stem}").resolve()
    name = "converge-" + "".join(c if c.isalnum() or c in "_.-" else "_" for c in study_path.stem)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] if getattr(args, "kinds", None) else None
    text = sweep_text(study_path, hs, np_, name, kinds)
    with warnings.catch_warnings():  # validated again (with its warnings shown) by the sweep
        warnings.simplefilter("ignore")
        try:  # every grid validated before anything is written
            sweep_from_dict(tomllib.loads(text))
        except SpecError as err:
            prefix = "sweep.parameters.simulation.resolution_nm"
            if err.path.startswith(prefix):  # name the option the user typed
                raise SpecError("--resolutions" + err.path[len(prefix):], err.value,
                                err.allowed) from None
            raise
    with dirlock.held(out):  # the ladder's sweep takes it again (same process)
        return _run_ladder(args, out, text, hs, np_, tol, study_path)


def _run_ladder(args, out: Path, text: str, hs: list[float], np_: int, tol: Tolerances,
                study_path: Path) -> int:
    """Write the ladder's sweep file, run it, and build the table of its complete points."""
    from hotlase.jobs.sweep import run_sweep

    write_text_atomic(out / SWEEP_FILE, text)
    print(f"grid ladder of {study_path}: {', '.join(f'{h:g}' for h in hs)} nm")
    rc = run_sweep(out / SWEEP_FILE, out, scheduler=args.scheduler, np=np_,
                   dry_run=args.dry_run, resume=True, partition=args.partition,
                   account=args.account, time=args.time, mem=args.mem)
    if args.dry_run:
        return rc
    sweep = load_sweep(out / SWEEP_FILE)
    done = {p.hash for p in sweep.points if _on_ladder(out, p)}
    for p in sweep.points:
        files = point_files(out / POINTS_DIR / p.hash)
        if files.suspect:
            print(f"grid {p.study.simulation.resolution_nm:g} nm is suspect, kept on the ladder "
                  f"(its error is what the ladder measures): {files.problem}")
    if len(done) == len(sweep.points):
        rc = 0  # suspect grids made the sweep exit 1; on a ladder they are data
    if len(done) < len(sweep.points):
        missing = sorted(p.study.simulation.resolution_nm for p in sweep.points
                         if p.hash not in done)
        verb = ("queued or failed; when `hotlase status " + str(out) + "` shows them complete, "
                "run this command again" if args.scheduler == "slurm" else "failed")
        print(f"grid(s) {', '.join(f'{h:g}' for h in missing)} nm not complete ({verb})")
    if len(done) < 2:
        print("fewer than 2 complete grids: no convergence table yet", file=sys.stderr)
        return rc or 1
    ladder = ladder_from_points(out, sweep, tol, args.match_nm, study_path)
    print_ladder(out, ladder)
    return rc


def ladder_from_points(out: Path, sweep: Sweep, tol: Tolerances, match_nm: float,
                       study_path: Path | None = None, reanalyze: bool = True) -> dict:
    """Build and write the ladder of a converge directory's complete points; re-analyse
    each point so its report shows the error bars. Returns the ladder dict."""
    from hotlase.postprocess.report import analyze

    done = [p for p in sweep.points if _on_ladder(out, p)]
    points = [(p.study.simulation.resolution_nm,
               json.loads((out / POINTS_DIR / p.hash / "summary.json").read_text()))
              for p in done]
    meta = {"study_name": sweep.points[0].study.name,
            "study_key": ladder_key(sweep.points[0].study),
            "run_kinds": list(sweep.points[0].study.run_kinds or ()),
            "study_file": str(study_path.resolve()) if study_path else None,
            "points": {f"{p.study.simulation.resolution_nm:g}": str(Path(POINTS_DIR) / p.hash)
                       for p in done},
            "recorded_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "run_commits": run_commits([out / POINTS_DIR / p.hash for p in done]),
            "missing_grids_nm": sorted(p.study.simulation.resolution_nm for p in sweep.points
                                       if p.hash not in {d.hash for d in done})}
    ladder = build_ladder(points, tol, match_nm, meta,
                          spectra=[point_spectra(out / POINTS_DIR / p.hash) for p in done])
    write_ladder(out, ladder)
    if reanalyze:
        for p in done:
            analyze(out / POINTS_DIR / p.hash)
    return ladder


def run_commits(point_dirs: list[Path]) -> list[str]:
    """The source commits (run files' ``git_commit``) the ladder's runs were made at: a
    recorded ladder says which code its numbers come from (runs reused from the cache keep
    the commit they were made at)."""
    import h5py

    from hotlase.postprocess.runfile import find_runs

    seen: set[str] = set()
    for d in point_dirs:
        for path in find_runs(d).values():
            try:
                with h5py.File(path, "r") as f:
                    seen.add(str(f.attrs.get("git_commit", "unknown")))
            except OSError:
                seen.add("unreadable")
    return sorted(seen)


def point_spectra(point_dir: Path) -> dict:
    """{variant: Spectrum} of a point's complete spectrum runs (unreadable ones left out)."""
    from hotlase.postprocess.runfile import RunFileError, find_runs, read_run, read_spectrum

    out = {}
    for (variant, kind), path in find_runs(point_dir).items():
        if kind == "spectrum":
            try:
                out[variant] = read_spectrum(read_run(path))
            except (RunFileError, OSError, KeyError, ValueError) as err:
                print(f"warning: {path}: spectrum not read ({err})", file=sys.stderr)
    return out


def rebuild(out: str | Path) -> dict:
    """Rebuild the ladder of an existing converge directory (``hotlase analyze DIR``), with
    the tolerances and mode window of its convergence.json when there is one."""
    out = Path(out).resolve()
    sweep = load_sweep(out / SWEEP_FILE)
    old = {}
    if (out / LADDER_FILE).is_file():
        old = json.loads((out / LADDER_FILE).read_text())
    t = old.get("tolerances") or {}
    tol = Tolerances(t.get("fraction", Tolerances.fraction),
                     t.get("wavelength_nm", Tolerances.wavelength_nm),
                     t.get("relative", Tolerances.relative))
    done = [p for p in sweep.points if _on_ladder(out, p)]
    if len(done) < 2:
        raise FileNotFoundError(f"{out}: fewer than 2 complete grids, no convergence table")
    study_file = old.get("study_file")
    return ladder_from_points(out, sweep, tol, old.get("mode_match_nm", 10.0),
                              Path(study_file) if study_file else None, reanalyze=False)


def _on_ladder(out: Path, point) -> bool:
    """A grid belongs on the ladder when its point is complete, or suspect with a summary
    (a coarse grid whose energy balance is off is exactly what the ladder quantifies)."""
    files = point_files(out / POINTS_DIR / point.hash)
    return files.complete or (files.suspect and files.has_summary)


def print_ladder(out: Path, ladder: dict) -> None:
    """The table on stdout, then where the files are."""
    print((out / "convergence.md").read_text())
    n = sum(1 for r in ladder["quantities"] if r.get("figure"))
    print(f"{out / 'convergence.json'}, {out / 'convergence.md'}, {n} figure(s) in "
          f"{out / 'figures' / 'convergence'}")
