"""A content-addressed cache of complete run files: the points of a sweep that differ only in
analysis-only tables ([gain], [analysis]) make their passive Meep runs once and share them.

``hotlase run --cache CACHE`` (``hotlase sweep`` passes ``DIR/cache``) keys every run by its
identity (``geometry.study.run_identity``: the tables that shape that run kind, plus the run
kinds made with it), so a point whose run is already in the cache links it into its own
``runs/`` instead of running Meep, and a run it makes is put in the cache when it completes.

Layout: ``CACHE/<variant>_<kind>-<identity>.h5``, hard links to complete run files (a copy
where the file system has no hard links). Kill safety: an entry appears only by an atomic
rename of a file whose ``status`` is ``complete`` (a run still written is ``<name>.h5.tmp``, a
half-made link or copy is ``.<name>.<pid>.part``: neither has an entry's name), and a file is
taken from the cache only when it still reads ``complete``. Run files are never changed in
place (``solvers.output.RunWriter`` writes a ``.tmp`` and renames it), so a link shared by
points cannot be altered by one of them. Two commands that need the same runs at once (Slurm
array tasks) take a lock per run group (``computing``): the second waits, then links.

Pure file handling (h5py only, no meep); the MPI side (rank 0 decides, the others follow) is
in ``solvers.run``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from hotlase.solvers.output import read_status

#: Name of a sweep directory's cache (``DIR/cache``), shared by its points.
CACHE_DIR = "cache"


def entry(cache: str | Path, variant: str, kind: str, identity: str) -> Path:
    """The cache file of one run: ``CACHE/<variant>_<kind>-<identity>.h5``."""
    return Path(cache) / f"{variant}_{kind}-{identity}.h5"


def fetch(cache: str | Path, variant: str, kind: str, identity: str, dest: str | Path) -> bool:
    """Put the cached complete run at ``dest`` (replacing what is there); False when the cache
    has no complete run of that identity."""
    src = entry(cache, variant, kind, identity)
    if read_status(src) != "complete":
        return False
    _place(src, Path(dest))
    return True


def store(path: str | Path, cache: str | Path, variant: str, kind: str, identity: str) -> bool:
    """Put the run file ``path`` in the cache when it is complete; False (nothing stored) for a
    failed or suspect run, which must be made again rather than shared."""
    if read_status(path) != "complete":
        return False
    Path(cache).mkdir(parents=True, exist_ok=True)
    _place(Path(path), entry(cache, variant, kind, identity))
    return True


def _place(src: Path, dest: Path) -> None:
    """Hard-link (or copy) ``src`` to ``dest`` atomically: the name appears only when whole."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    part.unlink(missing_ok=True)
    try:
        os.link(src, part)
    except OSError:  # another file system, or none of hard links: a whole copy instead
        shutil.copyfile(src, part)
    os.replace(part, dest)


@contextlib.contextmanager
def computing(cache: str | Path, identities: Sequence[str],
              on_wait: Callable[[str], None] = lambda lock: None) -> Iterator[None]:
    """Hold the lock of one run group (``flock`` on ``CACHE/<hash>.lock``, waiting while another
    command holds it, after ``on_wait(lock path)``) for as long as the group is made. The
    kernel drops the lock when its holder dies (kill -9 included), so a killed run never
    blocks the next one."""
    Path(cache).mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(" ".join(sorted(identities)).encode()).hexdigest()[:16]
    path = Path(cache) / f"{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait(str(path))
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
