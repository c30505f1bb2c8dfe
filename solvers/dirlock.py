"""One writer per output directory: ``flock`` on a lock file inside it.

Two locks, because a launcher and its MPI ranks are different processes:

- ``DIR/.hotlase.lock`` is held by the command (``hotlase run``, ``sweep``, ``converge``)
  from before anything is written until it ends;
- ``DIR/.hotlase.ranks.lock`` is held by rank 0 of the solver (also under Slurm, where no
  launcher runs), so a ``--resume`` started while an earlier run's ranks are still alive
  refuses instead of fighting them over the run files.

The kernel releases a ``flock`` when its holder dies (kill -9 included), so a killed run never
blocks the next one; the pid and host written into the file only name the holder in the
refusal. A process that already holds a directory's lock may take it again (``converge`` runs
its ladder through ``sweep``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from pathlib import Path

COMMAND_LOCK = ".hotlase.lock"
RANKS_LOCK = ".hotlase.ranks.lock"

_HELD: dict[Path, int] = {}  # lock file -> open fd held by this process


class LockHeld(RuntimeError):
    """Another live process holds the lock; the message names it."""


def holder(lock_file: Path) -> str:
    """"pid P on HOST (COMMAND)" from a lock file, or "another process" when unreadable."""
    try:
        info = json.loads(lock_file.read_text() or "{}")
        return f"pid {info['pid']} on {info['host']} ({info.get('command', '?')})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def acquire(directory: str | Path, name: str = COMMAND_LOCK, what: str | None = None) -> Path:
    """Take the lock ``name`` in ``directory`` (created if needed) for the rest of this process.

    Raises:
        LockHeld: a live process holds it.
    """
    d = Path(directory).resolve()
    d.mkdir(parents=True, exist_ok=True)
    path = d / name
    if path in _HELD:
        return path
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LockHeld(f"{d} is in use by {holder(path)}; wait for it to end or stop it "
                       f"(one command writes into a directory at a time)") from None
    info = {"pid": os.getpid(), "host": socket.gethostname(),
            "command": what or " ".join(os.path.basename(a) if i == 0 else a
                                        for i, a in enumerate(sys.argv[:3]))}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
    _HELD[path] = fd
    return path


def probe(directory: str | Path, name: str) -> str | None:
    """Who holds ``name`` in ``directory`` right now (None when nobody), without keeping it."""
    path = Path(directory).resolve() / name
    if path in _HELD or not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return holder(path)
    finally:
        os.close(fd)  # closing drops the probe's lock
    return None


@contextlib.contextmanager
def held(directory: str | Path, name: str = COMMAND_LOCK):
    """``acquire`` for the block; released after it unless this process held it before (a
    ``converge`` keeps its lock across the ``sweep`` it runs)."""
    before = Path(directory).resolve() / name in _HELD
    acquire(directory, name)
    try:
        yield
    finally:
        if not before:
            release(directory, name)


def release(directory: str | Path, name: str = COMMAND_LOCK) -> None:
    """Drop a lock this process holds (a no-op otherwise)."""
    fd = _HELD.pop(Path(directory).resolve() / name, None)
    if fd is not None:
        os.close(fd)
