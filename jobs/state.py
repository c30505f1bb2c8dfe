"""What is on disk for a sweep: point completeness and atomic index files.

A point's state comes from its run files and their checks, never from a summary's presence:
it is complete when every run file its study asks for (``postprocess.runfile.expected_runs``
of ``study.toml``) is there, passes ``postprocess.runchecks`` (status ``complete``, checksum,
physical checks, the same study throughout) and ``summary.json`` is valid JSON written after
them. A ``<name>.failed.h5`` older than a complete ``<name>.h5`` is stale and ignored
(``resolve_stale_failed`` renames it); a newer one means the last attempt failed. Every JSON
(``sweep.json``, ``jobs.json``, ``local.json``, ``summary.json``) is written to a temporary
name and renamed, and a JSON that cannot be read raises ``StateFileError`` naming the file.
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
STALE_SUFFIX = ".stale"  # a failed file superseded by a newer complete one: <name>.failed.h5.stale


class StateFileError(ValueError):
    """A state or index file (JSON) that exists but cannot be read; the message names it."""


def local_running_point(out_dir: str | Path) -> str | None:
    """Hash of the point a live local runner is running now (None if no runner is alive)."""
    marker = read_json(Path(out_dir) / LOCAL_MARKER)
    if not marker:
        return None
    try:
        os.kill(int(marker["pid"]), 0)
    except (ProcessLookupError, ValueError, KeyError, TypeError, OverflowError):
        return None  # the runner died (or was killed) without removing its marker
    except PermissionError:
        pass  # alive, another user's
    return marker.get("point") if isinstance(marker, dict) else None


@dataclass(frozen=True)
class PointFiles:
    """The files of one point directory.

    Attributes:
        complete: every expected run file usable, none suspect, and a valid summary.json.
        n_runs: run files present (``runs/<variant>_<kind>.h5``).
        n_complete: those that pass every check.
        has_summary: ``summary.json`` present.
        problem: why it is not complete ("" when complete).
        suspect: the run files are all there and usable but some fail a physical check.
    """

    complete: bool
    n_runs: int
    n_complete: int
    has_summary: bool
    problem: str
    suspect: bool = False


def run_status(path: Path) -> str:
    """The ``status`` root attribute of a run file ("unreadable" if it cannot be opened)."""
    import h5py

    from hotlase.postprocess.runchecks import read_attr

    try:
        with h5py.File(path, "r") as f:
            return str(read_attr(f, "status", ""))
    except (OSError, KeyError, ValueError):
        return "unreadable"


def stale_failed(runs_dir: Path) -> tuple[list[Path], list[Path]]:
    """(stale, current) ``*.failed.h5`` files: stale when the ``.h5`` beside it is newer."""
    stale: list[Path] = []
    current: list[Path] = []
    for failed in sorted(runs_dir.glob("*.failed.h5")):
        good = failed.with_name(failed.name.removesuffix(".failed.h5") + ".h5")
        newer = good.is_file() and good.stat().st_mtime_ns >= failed.stat().st_mtime_ns
        (stale if newer else current).append(failed)
    return stale, current


def resolve_stale_failed(runs_dir: str | Path) -> list[Path]:
    """Rename each stale ``<name>.failed.h5`` (older than ``<name>.h5``) to ``...failed.h5.stale``,
    so it no longer counts; the newer file wins. Returns the new names."""
    out = []
    for failed in stale_failed(Path(runs_dir))[0]:
        target = failed.with_name(failed.name + STALE_SUFFIX)
        os.replace(failed, target)
        out.append(target)
    return out


def point_files(point_dir: str | Path, checks: dict | None = None) -> PointFiles:
    """Inspect a point directory (a missing directory is simply not complete).

    Args:
        point_dir: DIR/points/<hash>.
        checks: ``runchecks.check_files`` results covering this point's run files (a caller
            inspecting many points checks all their files in one child process); None: check
            them here.
    """
    from hotlase.postprocess.runchecks import check_files, directory_problems

    point_dir = Path(point_dir)
    runs_dir = point_dir / "runs"
    runs = point_run_files(point_dir)
    if checks is None:
        checks = check_files(runs, deep=False)
    checks = {p: checks[p] for p in runs}
    disagree = directory_problems(checks)
    bad = {p.name: checks[p].problem or disagree.get(p, "") for p in runs}
    bad = {n: why for n, why in bad.items() if why}
    suspect = sorted(p.name for p in runs if p.name not in bad and checks[p].suspect)
    _, failed = stale_failed(runs_dir)
    bad.update({f.name: f"{run_status(f)} (the last attempt failed; newer than "
                        f"{f.name.removesuffix('.failed.h5')}.h5)" for f in failed})
    missing = missing_runs(point_dir, runs)
    summary = point_dir / "summary.json"
    has_summary = summary.is_file()
    interrupted = sorted(p.name for p in runs_dir.glob("*.h5.tmp"))
    if not runs and not missing:
        problem = "no run files" + (f" ({interrupted[0]} left by an interrupted run)"
                                    if interrupted else "")
    elif missing:
        problem = "runs missing: " + ", ".join(missing) + (
            f" ({', '.join(interrupted)} left by an interrupted run)" if interrupted else "")
    elif bad:
        problem = "runs not usable (" + "; ".join(f"{n}: {s}" for n, s in bad.items()) + ")"
    elif suspect:
        problem = "suspect runs (" + "; ".join(
            f"{n}: {'; '.join(checks[runs_dir / n].suspect)}" for n in suspect) + ")"
    else:
        problem = summary_problem(summary, runs)
    n_ok = sum(1 for p in runs if p.name not in bad and p.name not in suspect)
    return PointFiles(problem == "", len(runs), n_ok, has_summary, problem,
                      suspect=bool(suspect) and not missing and not bad)


def point_run_files(point_dir: Path) -> list[Path]:
    """``runs/<variant>_<kind>.h5`` of a point (temporary and failed files left out)."""
    from hotlase.postprocess.runfile import find_runs

    return sorted(find_runs(point_dir).values())


def missing_runs(point_dir: Path, runs: list[Path]) -> list[str]:
    """``<variant>_<kind>`` the point's study.toml asks for that have no file ([] without a
    readable study.toml: then only the files present are judged)."""
    from hotlase.geometry.study import load_study
    from hotlase.postprocess.runfile import expected_runs

    study_file = point_dir / "study.toml"
    if not study_file.is_file():
        return []
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study = load_study(study_file)
    except Exception:  # noqa: BLE001 - a broken study.toml is judged by its files alone
        return []
    have = {p.stem for p in runs}
    return [f"{v}_{k}" for v, k in expected_runs(study) if f"{v}_{k}" not in have]


def summary_problem(summary: Path, runs: list[Path]) -> str:
    """Why ``summary.json`` does not describe these run files ("" when it does)."""
    if not summary.is_file():
        return "no summary.json (run `hotlase analyze` on the point)"
    try:
        data = json.loads(summary.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return f"summary.json unreadable ({type(err).__name__}: {err}); run `hotlase analyze`"
    if not isinstance(data, dict):
        return "summary.json is not a JSON object; run `hotlase analyze`"
    newest = max((p.stat().st_mtime_ns for p in runs), default=0)
    if summary.stat().st_mtime_ns < newest:
        return "summary.json is older than the run files; run `hotlase analyze`"
    return ""


def read_sweep_index(out_dir: str | Path) -> dict:
    """DIR/sweep.json, checked to hold ``parameters``, ``order`` and ``points``.

    Raises:
        FileNotFoundError: DIR has no sweep.json (not a sweep directory).
        StateFileError: it cannot be read or lacks those keys.
    """
    path = Path(out_dir) / SWEEP_INDEX
    index = read_json(path)
    if index is None:
        raise FileNotFoundError(f"{path} not found: not a sweep directory (make one with "
                                f"`hotlase sweep SWEEP.toml --out {out_dir}`)")
    ok = (isinstance(index.get("order"), list) and isinstance(index.get("points"), dict)
          and isinstance(index.get("parameters"), list)
          and all(isinstance(h, str) and h in index["points"] for h in index["order"]))
    if not ok:
        raise StateFileError(f"{path}: not a sweep index (needs parameters, order and points, "
                             "every point of order listed); restore it or rerun `hotlase sweep`")
    return index


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


def read_json(path: str | Path, default: Any = None, kind: type | None = dict) -> Any:
    """JSON content of ``path``, or ``default`` when the file does not exist.

    Raises:
        StateFileError: the file exists but is not readable JSON (of type ``kind``), naming
            the file and the reason (a 0-byte file left by a full disk, an edited index).
    """
    path = Path(path)
    if not path.exists():
        return default
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise StateFileError(f"{path}: not readable JSON ({type(err).__name__}: {err}); "
                             "restore or remove it") from None
    if kind is not None and not isinstance(data, kind):
        raise StateFileError(f"{path}: expected a JSON {kind.__name__}, found "
                             f"{type(data).__name__}; restore or remove it")
    return data
