"""The run file writer (docs/runfile.md): one HDF5 file per run, written by MPI rank 0 only.

The file is written to ``<name>.h5.tmp`` and renamed when the run ends, so a file named
``.h5`` is never half-written; ``status`` says whether the run finished. A failed re-run
never replaces a complete file: it is kept beside it as ``<name>.failed.h5``.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import subprocess
import threading
import time
import weakref
from importlib import metadata
from pathlib import Path
from typing import Literal

import h5py
import numpy as np

from hotlase.geometry.study import StudySpec, study_json
from hotlase.postprocess.runchecks import (checksummed_datasets, datasets_checksum,
                                           physical_problems, read_attr)

_REPO = Path(__file__).resolve().parent.parent
# room kept free beyond each dataset: HDF5's metadata and the attributes written at close
# (HDF5 does not raise on a full disk but fails later, in object deallocation, and crashes)
SPACE_MARGIN_BYTES = 32 << 10
_CLOSING = threading.RLock()      # finish/discard from the main thread or a rank's watchdog
_OPEN: weakref.WeakSet = weakref.WeakSet()  # writers whose file is open in this process


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
        self._handed = 0
        if not is_writer:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = h5py.File(self.tmp, "w")
        _OPEN.add(self)
        root = {
            "spec_json": study_json(study, resolved=True),
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
        self._ensure_space(arr.nbytes)
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

    def _ensure_space(self, nbytes: int) -> None:
        """Raise ENOSPC before HDF5 meets a full disk: the free space must hold ``nbytes``,
        what HDF5 still buffers (bytes handed to it beyond the file's size) and a margin."""
        self._handed += nbytes
        pending = max(0, self._handed - os.stat(self.tmp).st_size)
        st = os.statvfs(self.tmp.parent)
        free = st.f_bavail * st.f_frsize
        if free < pending + SPACE_MARGIN_BYTES:
            raise OSError(errno.ENOSPC, f"No space left on device: {pending} bytes to write, "
                                        f"{free} free", str(self.tmp))

    @property
    def is_open(self) -> bool:
        """True while this rank's file is open (never on ranks other than 0)."""
        return self._file is not None

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def finish(self, status: str, message: str = "", **attrs) -> Path | None:
        """Close with ``status`` ("complete" or "failed") and rename into place."""
        with _CLOSING:
            if self._file is None:
                return None
            self.attrs("/", status=status, message=message,
                       wall_time_s=time.perf_counter() - self._t0, **attrs)
            if status == "complete":
                self.attrs("/", **seal(self._file))
                status = read_attr(self._file, "status")
            self._file.close()
            self._file = None
            _OPEN.discard(self)
            return self._rename(status)

    def _rename(self, status: str) -> Path:
        target = self.path
        if status != "complete" and read_status(self.path) == "complete":
            target = self.path.with_name(self.path.stem + ".failed.h5")
        os.replace(self.tmp, target)
        return target

    def discard(self) -> None:
        """Close without a status and delete the temporary file (a full disk: nothing
        useful can be written, and the ``.tmp`` must not go on filling it)."""
        with _CLOSING:
            if self.is_writer and self.tmp.exists():
                os.truncate(self.tmp, 0)  # give the space back first: HDF5 writes when it closes
                self.tmp.unlink()
            if self._file is not None:
                try:
                    self._file.close()
                except Exception:  # noqa: BLE001 - the file is gone; nothing of it is kept
                    pass
                self._file = None
            _OPEN.discard(self)

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        if exc_type is None:
            self.finish("complete")
        elif exc_type is KeyboardInterrupt:
            self.finish("failed", "interrupted")
        else:
            self.finish("failed", f"{exc_type.__name__}: {exc}")
        return False


def fail_open_writers(message: str) -> None:
    """Mark every run file this process still has open ``failed`` with ``message`` (removed
    when that fails): the last act of a rank whose main thread cannot (``watch_launcher``)."""
    for w in list(_OPEN):
        try:
            w.finish("failed", message)
        except Exception:  # noqa: BLE001
            w.discard()


def close_abandoned(tmp: str | Path, message: str) -> Path | None:
    """Settle a ``.h5.tmp`` left by a solver that ended before finishing it (signal, abort,
    killed rank): mark it ``failed`` with ``message`` and rename it like ``finish`` does, or
    delete it when it is unreadable; leave it when another process has it open (HDF5's file
    lock). Returns the final path (``tmp`` when left), None when deleted."""
    tmp = Path(tmp)
    final = tmp.with_name(tmp.name[:-len(".tmp")])
    try:
        with h5py.File(tmp, "a") as f:
            if str(f.attrs.get("status", "")) not in ("running", ""):
                message = str(f.attrs.get("message", message))
            f.attrs["status"] = "failed"
            f.attrs["message"] = message
    except BlockingIOError:
        return tmp
    except (OSError, KeyError, RuntimeError):
        tmp.unlink(missing_ok=True)
        return None
    if read_status(final) == "complete":
        final = final.with_name(final.stem + ".failed.h5")
    os.replace(tmp, final)
    return final


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
