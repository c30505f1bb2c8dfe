"""The run file writer (docs/runfile.md): one HDF5 file per run, written by MPI rank 0 only.

The file is written to ``<name>.h5.tmp`` and renamed when the run ends, so a file named
``.h5`` is never half-written; ``status`` says whether the run finished. A failed re-run
never replaces a complete file: it is kept beside it as ``<name>.failed.h5``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import time
from importlib import metadata
from pathlib import Path

import h5py
import numpy as np

from hotlase.geometry.study import StudySpec, study_json
from hotlase.postprocess.runchecks import (checksummed_datasets, datasets_checksum,
                                           physical_problems, read_attr)

_REPO = Path(__file__).resolve().parent.parent


def git_commit() -> str:
    """Commit of the source tree, with ``-dirty`` when it has uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", str(_REPO), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(_REPO), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def hotlase_version() -> str:
    """Installed distribution version of hotlase."""
    try:
        return metadata.version("hotlase")
    except metadata.PackageNotFoundError:
        return "unknown"


def read_status(path: str | Path) -> str | None:
    """``status`` attribute of a run file, or None when it is missing or unreadable."""
    try:
        with h5py.File(path, "r") as f:
            return str(f.attrs.get("status", ""))
    except (OSError, KeyError):
        return None


class RunWriter:
    """Writes one run file; a no-op object on ranks other than 0.

    Use as a context manager: leaving it normally marks the run complete, an exception marks
    it failed with the message, and in both cases the temporary file is renamed into place.

    Args:
        path: final path ``.../runs/<variant>_<kind>.h5``.
        study: the validated study of this variant (stored as ``spec_json``).
        run_kind: "spectrum", "modes", "fields" or "emitter".
        variant: "main" or "no_metal".
        is_writer: True on MPI rank 0.
        attrs: further root attributes (meep_version, mpi_processes, courant, symmetries...).
    """

    def __init__(self, path: str | Path, study: StudySpec, run_kind: str, variant: str,
                 is_writer: bool = True, **attrs):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.is_writer = is_writer
        self._t0 = time.perf_counter()
        self._file = None
        if not is_writer:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = h5py.File(self.tmp, "w")
        root = {
            "spec_json": study_json(study),
            "hotlase_version": hotlase_version(),
            "git_commit": git_commit(),
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "resolution_nm": float(study.simulation.resolution_nm),
            "run_kind": run_kind,
            "variant": variant,
            "status": "running",
            "message": "",
        }
        root.update(attrs)
        self.attrs("/", **root)
        self._file.flush()

    def dataset(self, name: str, data, units: str, long_name: str, **attrs) -> None:
        """Write ``data`` at ``name`` (e.g. "spectrum/R") with units and long_name."""
        if self._file is None:
            return
        if name in self._file:
            del self._file[name]
        arr = np.asarray(data)
        big = arr.size > 1 << 16
        ds = self._file.create_dataset(name, data=arr, chunks=True if big else None,
                                       compression="gzip" if big else None,
                                       compression_opts=1 if big else None)
        ds.attrs["units"] = units
        ds.attrs["long_name"] = long_name
        for key, value in attrs.items():
            ds.attrs[key] = _attr(value)

    def attrs(self, group: str, **attrs) -> None:
        """Set attributes on a group (created if needed); dicts and lists go in as JSON."""
        if self._file is None:
            return
        obj = self._file.require_group(group) if group not in ("/", "") else self._file
        for key, value in attrs.items():
            obj.attrs[key] = _attr(value)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def finish(self, status: str, message: str = "", **attrs) -> Path | None:
        """Close with ``status`` ("complete" or "failed") and rename into place."""
        if self._file is None:
            return None
        self.attrs("/", status=status, message=message,
                   wall_time_s=time.perf_counter() - self._t0, **attrs)
        if status == "complete":
            self.attrs("/", **seal(self._file))
            status = read_attr(self._file, "status")
        self._file.close()
        self._file = None
        target = self.path
        if status != "complete" and read_status(self.path) == "complete":
            target = self.path.with_name(self.path.stem + ".failed.h5")
        os.replace(self.tmp, target)
        return target

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.finish("complete")
        elif exc_type is KeyboardInterrupt:
            self.finish("failed", "interrupted")
        else:
            self.finish("failed", f"{exc_type.__name__}: {exc}")
        return False


def seal(f) -> dict:
    """Root attributes that close a finished run (docs/runfile.md, "Checks"): ``complete``
    only when ``postprocess.runchecks.physical_problems`` finds nothing, else ``suspect``
    (out of range, energy balance, time cap) or ``failed`` (NaN/Inf, wrong lengths), with
    the reasons as ``message``; and the SHA-256 of the datasets as ``checksum_sha256``."""
    probs = physical_problems(f, str(read_attr(f, "run_kind")))
    out = {"status": "failed" if probs.hard else "suspect" if probs.soft else "complete",
           "message": "; ".join(probs.hard or probs.soft)}
    names = checksummed_datasets(f)
    out.update(checksum_sha256=datasets_checksum(f, names), checksum_datasets=json.dumps(names))
    return out


def _attr(value):
    if isinstance(value, (dict, list, tuple)) and not (
            isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in value)):
        return json.dumps(value)
    if value is None:
        return ""
    return value
