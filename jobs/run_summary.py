"""The table ``hotlase run`` prints at the end: every run file this command wrote, its
status, wall time, simulated time and why it stopped (run-file attributes, docs/runfile.md)."""

from __future__ import annotations

from pathlib import Path

import h5py


def _attr(attrs, key, default=None):
    value = attrs.get(key, default)
    return value.decode() if isinstance(value, bytes) else value


def run_table(out_dir: str | Path, since: float = 0.0) -> str:
    """Rows for ``OUT/runs/*.h5`` modified at or after ``since`` (a time.time()); "" when none."""
    rows = []
    for path in sorted((Path(out_dir) / "runs").glob("*.h5")):
        if path.stat().st_mtime < since:
            continue
        try:
            with h5py.File(path, "r") as f:
                a = dict(f.attrs)
        except OSError as err:
            rows.append((path.name, "unreadable", "-", "-", str(err)[:40]))
            continue
        wall = _attr(a, "wall_time_s")
        sim_fs = _attr(a, "meep_time_fs")
        status = _attr(a, "status", "?")
        stepping = _attr(a, "stepping_time_s")
        note = (f"stepping {_seconds(float(stepping))}" if stepping is not None else ""
                ) if status == "complete" else _attr(a, "message", "")
        rows.append((path.name, status, "-" if wall is None else _seconds(float(wall)),
                     "-" if sim_fs is None else f"{float(sim_fs):.0f} fs", str(note)[:60]))
    if not rows:
        return ""
    head = ("run file", "status", "wall time", "simulated", "notes")
    widths = [max(len(str(r[i])) for r in (head, *rows)) for i in range(4)]
    lines = ["  ".join(f"{str(c):<{w}}" for c, w in zip(r, widths)) + "  " + r[4]
             for r in (head, *rows)]
    return "\n".join(["what ran:", *lines])


def _seconds(s: float) -> str:
    return f"{s / 60:.1f} min" if s >= 60 else f"{s:.0f} s"
