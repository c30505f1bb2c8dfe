"""What is on disk for a sweep: point completeness and atomic index files.

A point directory is complete when ``summary.json`` exists and every ``runs/*.h5`` (at
least one) has the root attribute ``status == "complete"`` (docs/runfile.md). Index files
(``sweep.json``, ``jobs.json``) are written to a temporary name and renamed, so an interrupt
never leaves a half-written index.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SWEEP_INDEX = "sweep.json"
JOBS_INDEX = "jobs.json"
POINTS_DIR = "points"
LOGS_DIR = "logs"
LOCAL_MARKER = "local.json"  # {"pid", "point", "started_utc"} while the local runner runs a point


def local_running_point(out_dir: str | Path) -> str | None:
    """Hash of the point a live local runner is running now (None if no runner is alive)."""
    marker = read_json(Path(out_dir) / LOCAL_MARKER)
    if not marker:
        return None
    try:
        os.kill(int(marker["pid"]), 0)
    except (ProcessLookupError, ValueError, KeyError):
        return None  # the runner died (or was killed) without removing its marker
    except PermissionError:
        pass  # alive, another user's
    return marker.get("point")


@dataclass(frozen=True)
class PointFiles:
    """The files of one point directory.

    Attributes:
        complete: summary.json present and every run file complete.
        n_runs: run files present (``runs/*.h5``).
        n_complete: those with ``status == "complete"``.
        has_summary: ``summary.json`` present.
        problem: why it is not complete ("" when complete).
    """

    complete: bool
    n_runs: int
    n_complete: int
    has_summary: bool
    problem: str


def run_status(path: Path) -> str:
    """The ``status`` root attribute of a run file ("unreadable" if it cannot be opened)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            status = f.attrs.get("status", "")
    except OSError:
        return "unreadable"
    return status.decode() if isinstance(status, bytes) else str(status)


def point_files(point_dir: str | Path) -> PointFiles:
    """Inspect a point directory (a missing directory is simply not complete)."""
    point_dir = Path(point_dir)
    runs = sorted((point_dir / "runs").glob("*.h5"))
    statuses = {p.name: run_status(p) for p in runs}
    n_complete = sum(s == "complete" for s in statuses.values())
    has_summary = (point_dir / "summary.json").is_file()
    interrupted = sorted(p.name for p in (point_dir / "runs").glob("*.h5.tmp"))
    if not runs:
        problem = "no run files" + (f" ({interrupted[0]} left by an interrupted run)"
                                    if interrupted else "")
    elif n_complete < len(runs):
        bad = [f"{n}: {s}" for n, s in statuses.items() if s != "complete"]
        problem = "runs not complete (" + ", ".join(bad) + ")"
    elif not has_summary:
        problem = "no summary.json"
    else:
        problem = ""
    return PointFiles(problem == "", len(runs), n_complete, has_summary, problem)


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON to a temporary file in the same directory, fsync, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write text so that readers see either the old file or the whole new one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), 0o666 & ~current_umask())  # mkstemp makes 0600
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process umask (read by setting and restoring it; os has no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_json(path: str | Path, default: Any = None) -> Any:
    """JSON content of ``path``, or ``default`` when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return default
    return json.loads(path.read_text())
