"""Failure handling shared by every MPI rank of a run: no rank may be left waiting.

Meep's stepping is collective: a rank that raises while the others are inside a Meep
collective leaves them waiting forever. So the guarded points of ``solvers.run`` call
``agree`` (all ranks, same point): each rank hands in its error (or None) and all get the
first one back. The agreement runs on a private duplicate of COMM_WORLD (never mixed with
Meep's own collectives) as a non-blocking barrier; a rank holding an error waits at most
``WAIT_S`` for the others, and when they do not come (they are stuck in Meep waiting for it)
it prints its error as one line and aborts the whole job (``MPI_Abort``). Anything that
escapes to ``main`` on any rank aborts the same way (``abort``).

Signals: SIGTERM and SIGHUP (sent by mpirun or the launcher, ``jobs.supervise``) raise
``Interrupted`` in the rank, like SIGINT raises KeyboardInterrupt, so the writer marks its
files ``failed: interrupted`` before the rank exits with 128 + signal.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time

WAIT_S = 10.0   # longest a rank with an error waits for the others before aborting the job
POLL_S = 0.05   # polling interval of the non-blocking barrier (no busy wait on a shared machine)

_COMM = None


class Interrupted(BaseException):
    """A termination signal reached this process (BaseException, like KeyboardInterrupt:
    ordinary ``except Exception`` blocks must not swallow it)."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def interrupt_signum(err: BaseException) -> int | None:
    """The signal number behind an interrupt exception, None for other exceptions."""
    if isinstance(err, Interrupted):
        return err.signum
    if isinstance(err, KeyboardInterrupt):
        return int(signal.SIGINT)
    return None


def raise_on_signals(signums=(signal.SIGTERM, signal.SIGHUP)) -> None:
    """Make SIGTERM and SIGHUP raise ``Interrupted`` in the main thread, once: later ones
    (mpirun repeats the signal while the rank settles its files) are ignored."""
    def handler(signum, _frame):
        for s in signums:
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(signum)
    for s in signums:
        signal.signal(s, handler)


LAUNCHER_ENV = "HOTLASE_LAUNCHER_PID"  # set by jobs.supervise for the processes it starts
WATCH_S = 0.5  # how often a rank checks that its launcher is alive
ORPHAN_GRACE_S = 1.0  # then the time its main thread gets to stop by itself


def _start_time(pid: int) -> str | None:
    """Start time of a process (field 22 of /proc/PID/stat), None when it is gone."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def watch_launcher(last_act=None) -> None:
    """When started by a hotlase launcher (``LAUNCHER_ENV``), SIGTERM this rank as soon as the
    launcher is gone (kill -9 included): mpirun does not reliably pass its own parent-death
    SIGTERM on to the ranks. A daemon thread polls every ``WATCH_S``; the signal lands in the
    main thread's handler, which marks the files and exits. A main thread that does not exit
    within ``ORPHAN_GRACE_S`` (it waits inside MPI for a rank that is gone) is ended by the
    thread after ``last_act()`` (marking the files)."""
    import threading

    pid = int(os.environ.get(LAUNCHER_ENV, "0") or 0)
    born = _start_time(pid) if pid > 0 else None
    if born is None:
        return

    def watch():
        while _start_time(pid) == born:
            time.sleep(WATCH_S)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(ORPHAN_GRACE_S)
        if last_act is not None:
            last_act()
        os._exit(128 + signal.SIGTERM)

    threading.Thread(target=watch, name="launcher-watch", daemon=True).start()


def comm():
    """The private duplicate of COMM_WORLD; the first call is collective (every rank makes it
    at the start of ``solvers.run.main``)."""
    global _COMM
    if _COMM is None:
        from mpi4py import MPI
        _COMM = MPI.COMM_WORLD.Dup()
    return _COMM


def is_disk_full(err: BaseException) -> bool:
    """True for an OSError of a full disk (h5py puts errno 28 in the message, not always in
    ``errno``)."""
    return isinstance(err, OSError) and (
        err.errno == errno.ENOSPC or "errno = 28" in str(err) or "No space left" in str(err))


def agree(error: tuple[str, str] | None, wait_s: float = WAIT_S) -> tuple[str, str] | None:
    """Collective: every rank's ``(kind, message)`` error or None in, the first rank's error
    out (None when every rank is fine). A rank with an error that the others do not join
    within ``wait_s`` aborts the job with its message."""
    c = comm()
    if c.Get_size() == 1:
        return error
    req = c.Ibarrier()
    t_end = time.monotonic() + wait_s
    while not req.Test():
        if error is not None and time.monotonic() > t_end:
            abort(error[1])
        time.sleep(POLL_S)
    return next((e for e in c.allgather(error) if e is not None), None)


def abort(message: str, code: int = 1) -> None:
    """Print one line and end every rank of the job (MPI_Abort; a plain exit without MPI)."""
    from mpi4py import MPI
    rank = MPI.COMM_WORLD.Get_rank()
    print(f"error: {message}" + (f" (rank {rank})" if rank else ""), file=sys.stderr, flush=True)
    sys.stdout.flush()
    if MPI.COMM_WORLD.Get_size() > 1:
        MPI.COMM_WORLD.Abort(code)
    os._exit(code)
