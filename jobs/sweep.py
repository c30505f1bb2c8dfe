"""``hotlase sweep``: expand a sweep file into point directories, then run or submit them.

Layout of a sweep directory DIR::

    DIR/sweep.json               point hash -> swept values (and the order of the file)
    DIR/points/<hash>/study.toml the point's full validated study (``hotlase run`` input)
    DIR/points/<hash>/runs/*.h5, summary.json, report.md   written by run and analyze
    DIR/cache/<variant>_<kind>-<identity>.h5   complete runs shared by the points (hard links)
    DIR/slurm/<name>-<n>.sbatch  job-array scripts;  DIR/logs/<job>_<task>.out  their logs
    DIR/jobs.json                Slurm submissions and, per point, its latest array task

Points are validated before anything runs. Complete points are always skipped; incomplete
ones are redone (``hotlase run --resume`` keeps their complete run files). Points share runs
through DIR/cache (``solvers.runcache``): a run is keyed by its identity
(``geometry.study.run_identity``: the study tables its kind is made from), so points that
differ only in [gain] or [analysis] make their passive Meep runs once, and each point's
analysis reads its own [gain] from its study.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hotlase.geometry.study import study_from_dict, study_hash
from hotlase.geometry.validate import SpecError
from hotlase.jobs import slurm
from hotlase.jobs.local import clean_mpi_env
from hotlase.jobs.points import Point, Sweep, format_value, load_sweep, point_study_dict
from hotlase.jobs.state import (
    JOBS_INDEX,
    LOCAL_MARKER,
    LOGS_DIR,
    POINTS_DIR,
    SWEEP_INDEX,
    point_files,
    read_json,
    resolve_stale_failed,
    write_json_atomic,
    write_text_atomic,
)
from hotlase.jobs.supervise import GRACE_S, PARENT_REPORTS_ENV, run_supervised
from hotlase.jobs.toml_writer import dumps
from hotlase.solvers import dirlock

CHILD_GRACE_S = GRACE_S + 10  # a point's `hotlase run` needs its own grace to stop its ranks


def run_sweep(sweep_file: str | Path, out: str | Path, *, scheduler: str = "local",
              np: int | None = None, dry_run: bool = False, resume: bool = False,
              partition: str | None = None, account: str | None = None, time: str | None = None,
              mem: str | None = None) -> int:
    """Expand the sweep file into DIR/points and run them here or submit them to Slurm.

    Args:
        sweep_file: the sweep TOML; out: the sweep directory DIR.
        scheduler: "local" (one point after another) or "slurm" (job arrays).
        np: MPI ranks per point (default: the sweep's [slurm] ntasks or [run] np).
        dry_run: expand and write scripts, run nothing; resume: submit only missing or failed
            points when some are still queued (Slurm).
        partition, account, time, mem: override the sweep file's [slurm] settings.

    Returns the exit code (0 when every point is complete or submitted).
    """
    if scheduler not in ("local", "slurm"):
        raise SpecError("--scheduler", scheduler, "must be one of ['local', 'slurm']")
    sweep = load_sweep(sweep_file)
    overrides: dict[str, Any] = {"partition": partition, "account": account, "time": time,
                                 "mem": mem}
    sweep = dataclasses.replace(sweep, slurm=dataclasses.replace(
        sweep.slurm, **{k: v for k, v in overrides.items() if v is not None}))
    np_ = np or (sweep.slurm.ntasks if scheduler == "slurm" else None) or sweep.run.np
    if np_ < 1:
        raise SpecError("--np", np_, "must be >= 1")
    out = Path(out).resolve()
    with dirlock.held(out):  # before anything is written
        write_points(sweep, out)
        print(f"sweep {sweep.name}: {len(sweep.points)} point(s) in {out / POINTS_DIR}")
        if scheduler == "slurm":
            return submit_sweep(sweep, out, np_, resume=resume, dry_run=dry_run)
        return run_local(sweep, out, np_, dry_run=dry_run)


def write_points(sweep: Sweep, out: Path) -> None:
    """Write every point's study.toml (only if changed) and DIR/sweep.json, atomically.

    Raises:
        SpecError: DIR already holds a sweep over other parameters.
    """
    paths = [p for p, _ in sweep.parameters]
    old = read_json(out / SWEEP_INDEX)
    if old is not None and old.get("parameters") != paths:
        raise SpecError("--out", str(out), f"already holds a sweep over {old.get('parameters')}, "
                        f"not {paths}; choose another directory")
    for point in sweep.points:
        d = out / POINTS_DIR / point.hash
        d.mkdir(parents=True, exist_ok=True)
        text = point_toml(point)
        f = d / "study.toml"
        if not f.exists() or f.read_text() != text:
            write_text_atomic(f, text)
    order = list(old["order"]) if old else []
    values = dict(old["points"]) if old else {}
    for point in sweep.points:
        if point.hash not in values:
            order.append(point.hash)
        values[point.hash] = point.values
    write_json_atomic(out / SWEEP_INDEX, {
        "name": sweep.name,
        "sweep_file": str(sweep.source.resolve()) if sweep.source else None,
        "mode": sweep.mode,
        "parameters": paths,
        "order": order,
        "points": values,
    })


def point_toml(point: Point) -> str:
    """TOML of the point's study; checked to re-load to the very same study (same hash)."""
    text = "# hotlase sweep point " + point.hash + ": " + ", ".join(
        f"{p} = {format_value(v)}" for p, v in point.values.items()) + "\n" + dumps(
        point_study_dict(point))
    again = study_hash(study_from_dict(tomllib.loads(text)))
    if again != point.hash:  # a writer bug would silently run another study
        raise RuntimeError(f"study.toml of point {point.hash} re-loads as {again}")
    return text


# -- local -------------------------------------------------------------------------------------
def local_commands(point_dir: Path, np_: int) -> list[list[str]]:
    """The two commands that run and analyse one point on this machine (the run shares the
    sweep's cache, DIR/cache, with the other points)."""
    from hotlase.solvers.runcache import CACHE_DIR

    hot = [sys.executable, "-m", "hotlase.jobs.cli"]
    return [[*hot, "run", str(point_dir / "study.toml"), "--out", str(point_dir), "--np",
             str(np_), "--resume", "--cache", str(point_dir.parent.parent / CACHE_DIR)],
            [*hot, "analyze", str(point_dir)]]


def run_local(sweep: Sweep, out: Path, np_: int, dry_run: bool = False) -> int:
    """Run points one after another with ``np_`` ranks; skip complete ones.

    Returns:
        0 when every point is complete, 1 if some failed.

    Raises:
        Interrupted: SIGINT/SIGTERM/SIGHUP; the running point was stopped and settled.
    """
    n = len(sweep.points)
    failed = []
    for i, point in enumerate(sweep.points, 1):
        d = out / POINTS_DIR / point.hash
        label = f"[{i}/{n}] {point.hash} " + " ".join(
            f"{p}={format_value(v)}" for p, v in point.values.items())
        for stale in resolve_stale_failed(d / "runs"):
            print(f"{label}: {stale.name}: superseded by a newer complete run file, set aside")
        before = point_files(d)
        if before.complete:
            print(f"{label}: complete, skipped")
            continue
        if before.suspect and before.has_summary:  # the same study would give the same numbers
            failed.append(point.hash)
            print(f"{label}: suspect, not rerun ({before.problem}); change the study to redo it")
            continue
        cmds = local_commands(d, np_)
        if dry_run:
            print(f"{label}: would run\n  " + "\n  ".join(" ".join(c) for c in cmds))
            continue
        print(f"{label}: running with {np_} rank(s)", flush=True)
        t0 = time.monotonic()
        write_json_atomic(out / LOCAL_MARKER, {"pid": os.getpid(), "point": point.hash,
                                               "started_utc": _utc_now()})
        try:  # an interrupt (jobs.supervise) propagates: the command prints it and exits 128 + signal
            rc = _run_child(cmds[0])
            if rc == 0:
                with open(d / "analyze.log", "w") as log:
                    rc = _run_child(cmds[1], stdout=log)
        finally:
            (out / LOCAL_MARKER).unlink(missing_ok=True)
        files = point_files(d)
        if rc != 0 or not files.complete:
            failed.append(point.hash)
            print(f"{label}: FAILED (exit {rc}; {files.problem or 'see output above'})")
        else:
            print(f"{label}: complete in {time.monotonic() - t0:.1f} s")
    if dry_run:
        return 0
    print(f"{n - len(failed)} of {n} points complete" + (f"; failed: {', '.join(failed)}"
                                                         if failed else ""))
    return 1 if failed else 0


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run_child(cmd: list[str], stdout=None) -> int:
    """Run a command in its own session (``jobs.supervise``): a signal to the sweep stops it
    (it marks its files), kill -9 of the sweep sends it SIGTERM, no MPI rank outlives the sweep."""
    from hotlase.geometry.notices import STUDY_WARNED_ENV

    # every point's warnings were shown once when the sweep was expanded
    return run_supervised(cmd, env=dict(clean_mpi_env(), **{PARENT_REPORTS_ENV: "1",
                                                            STUDY_WARNED_ENV: "1"}),
                          stdout=stdout, grace_s=CHILD_GRACE_S)


# -- slurm -------------------------------------------------------------------------------------
def submit_sweep(sweep: Sweep, out: Path, ntasks: int, resume: bool = False,
                 dry_run: bool = False) -> int:
    """Write job-array scripts for the points to run and submit them with sbatch.

    Without ``resume`` a directory with queued points is refused; with it, only missing and
    failed points are submitted. Job ids are recorded in DIR/jobs.json.
    """
    from hotlase.jobs.status import sweep_status

    rows = {r.hash: r for r in sweep_status(out)}
    mine = [p.hash for p in sweep.points]
    active = [h for h in mine if rows[h].state in ("running", "pending")]
    if active and not resume and not dry_run:
        print(f"error: {len(active)} point(s) still queued ({rows[active[0]].job}, ...); "
              f"use --resume to submit only missing or failed points, or `hotlase status {out}`",
              file=sys.stderr)
        return 2
    todo = [h for h in mine if rows[h].state in ("missing", "failed")]
    skipped = len(mine) - len(todo)
    if not todo:
        print(f"nothing to submit: {skipped} point(s) complete or queued")
        return 0
    (out / LOGS_DIR).mkdir(parents=True, exist_ok=True)
    (out / "slurm").mkdir(parents=True, exist_ok=True)
    jobs = read_json(out / JOBS_INDEX, None) or {"submissions": [], "points": {}}
    chunks = slurm.split_for_arrays(todo, slurm.max_array_size())
    for chunk in chunks:
        n_sub = len(jobs["submissions"]) + 1
        script = out / "slurm" / f"{sweep.name}-{n_sub}.sbatch"
        write_text_atomic(script, slurm.array_script(
            sweep.name, out / POINTS_DIR, out / LOGS_DIR, chunk, sweep.slurm, ntasks))
        if dry_run:
            print(f"dry run: {len(chunk)} point(s) in {script}; submit with sbatch {script}")
            jobs["submissions"].append({"script": str(script), "dry_run": True})
            continue
        try:
            job_id = slurm.submit(script)
        except RuntimeError as err:  # sbatch missing or refused: say so in one line
            print(f"error: {err}", file=sys.stderr)
            return 1
        jobs["submissions"].append({"job_id": job_id, "script": str(script),
                                    "points": list(chunk), "submitted_utc": _utc_now()})
        for task, h in enumerate(chunk):
            jobs["points"][h] = {"job_id": job_id, "task": task}
        write_json_atomic(out / JOBS_INDEX, jobs)  # after each sbatch: ids are never lost
        print(f"submitted job array {job_id}: {len(chunk)} point(s), {ntasks} rank(s) each, "
              f"logs {out / LOGS_DIR}/{job_id}_<task>.out")
    if skipped:
        print(f"{skipped} point(s) complete or already queued, not resubmitted")
    return 0
