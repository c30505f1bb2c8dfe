"""``hotlase status DIR``: the state of every point of a sweep directory.

States: ``complete`` (its run files pass every check and its summary.json is valid:
``jobs.state.point_files``, whatever Slurm says), ``suspect`` (every run file there and
readable, but some fail a physical check: docs/runfile.md, "Checks"), ``running`` and
``pending`` (from squeue, or the local runner's marker DIR/local.json), ``failed`` (submitted
or run but gone without completing, or files refused), ``missing`` (never run).
The Slurm state comes from squeue while a task is queued, then from sacct when accounting
is available; without slurmdbd a task that left the queue is judged by its files alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hotlase.jobs import slurm
from hotlase.jobs.points import format_value
from hotlase.jobs.state import (
    JOBS_INDEX,
    LOGS_DIR,
    POINTS_DIR,
    StateFileError,
    local_running_point,
    point_files,
    point_run_files,
    read_json,
    read_sweep_index,
)
from hotlase.postprocess.runchecks import check_files


@dataclass(frozen=True)
class PointStatus:
    """State of one point.

    Attributes:
        hash: point hash (directory name under DIR/points).
        values: {swept path: value}.
        state: complete, suspect, running, pending, failed or missing.
        slurm_state: the Slurm state ("" when never submitted, "?" when unknown).
        job: "<array job id>_<task>" of the latest submission ("" if none).
        log: path of the Slurm log of that task ("" if none).
        detail: why the point is not complete, from its files.
    """

    hash: str
    values: dict
    state: str
    slurm_state: str
    job: str
    log: str
    detail: str


def point_state(complete: bool, has_files: bool, job: str, slurm_state: str,
                suspect: bool = False) -> str:
    """Combine files and Slurm into one state (the rule in the module docstring)."""
    if complete:
        return "complete"
    if suspect:
        return "suspect"
    if slurm_state in ("RUNNING", "COMPLETING", "CONFIGURING", "SIGNALING", "STAGE_OUT"):
        return "running"
    if slurm_state in ("PENDING", "REQUEUED", "SUSPENDED", "RESIZING"):
        return "pending"
    if job or has_files:
        return "failed"
    return "missing"


def sweep_status(out_dir: str | Path) -> list[PointStatus]:
    """Status of every point listed in ``DIR/sweep.json``.

    Raises:
        FileNotFoundError: DIR has no sweep.json (not a sweep directory).
    """
    out_dir = Path(out_dir)
    index = read_sweep_index(out_dir)
    jobs = (read_json(out_dir / JOBS_INDEX, {}) or {}).get("points", {})
    try:
        job_ids = sorted({str(j["job_id"]) for j in jobs.values()}, key=int)
        jobs = {h: {"job_id": str(j["job_id"]), "task": int(j["task"])} for h, j in jobs.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise StateFileError(f"{out_dir / JOBS_INDEX}: not a jobs index ({type(err).__name__}: "
                             f"{err}); restore or remove it") from None
    live = slurm.queue_states(job_ids) if job_ids else {}
    final = slurm.accounting_states(job_ids) if job_ids else {}
    local = local_running_point(out_dir)
    every = [p for h in index["order"] for p in point_run_files(out_dir / POINTS_DIR / h)]
    checks = check_files(every, deep=False)  # one child process for the whole sweep
    rows = []
    for h in index["order"]:
        files = point_files(out_dir / POINTS_DIR / h, checks)
        entry = jobs.get(h)
        job = f"{entry['job_id']}_{entry['task']}" if entry else ""
        if not job:
            sstate = ""
        elif live is not None and job in live:
            sstate = live[job]
        elif final and job in final:
            sstate = final[job]
        else:
            sstate = "?" if live is None else "ended"  # left the queue; no accounting
        log = str(out_dir / LOGS_DIR / f"{job}.out") if job else ""
        if h == local and not files.complete:  # the local runner is on it right now
            state, sstate = "running", "local"
        else:
            state = point_state(files.complete, files.n_runs > 0 or files.has_summary, job,
                                sstate, files.suspect)
        rows.append(PointStatus(h, index["points"][h], state, sstate, job, log, files.problem))
    return rows


def format_table(rows: list[PointStatus]) -> str:
    """A fixed-width table: point, swept values, state, Slurm state, job, log."""
    params = list(rows[0].values) if rows else []
    head = ["point", *params, "state", "slurm", "job", "log / problem"]
    body = []
    for r in rows:
        note = r.log
        if r.state in ("failed", "missing", "suspect") and r.detail:
            note = f"{r.log}  ({r.detail})" if r.log else r.detail
        body.append([r.hash, *(format_value(r.values[p]) for p in params), r.state,
                     r.slurm_state or "-", r.job or "-", note or "-"])
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    fmt = lambda row: "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    counts = {s: sum(r.state == s for r in rows)
              for s in ("complete", "suspect", "running", "pending", "failed", "missing")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return "\n".join([fmt(head), *map(fmt, body), f"{len(rows)} points: {summary}"])


def show_status(out_dir: str | Path) -> int:
    """Print the status table; exit code 0 when every point is complete, else 1."""
    rows = sweep_status(out_dir)
    print(format_table(rows))
    return 0 if all(r.state == "complete" for r in rows) else 1
