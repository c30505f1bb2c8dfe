"""A launcher that owns its children: no process outlives the command that started it.

``run_supervised`` starts a command (mpirun, or a ``hotlase run`` of a sweep point) in a new
session, so every process it starts (mpirun gives each rank its own process group, but they
stay in the session) can be found and stopped, and sets PR_SET_PDEATHSIG on it: when the
launcher dies, even by kill -9, the child gets SIGTERM, and the ranks, which watch the
launcher's pid (``solvers.collective.watch_launcher``), stop too. SIGINT, SIGTERM and SIGHUP to the launcher become a
SIGTERM to the ranks (or to the child when it is the only process of its session: a
single-rank solver, a sweep point's ``hotlase run``); what is still alive in the session
``GRACE_S`` later is killed, and ``Interrupted`` (from ``solvers.collective``) is raised so the command can settle
its files, print one line and exit 128 + signal.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from hotlase.solvers.collective import LAUNCHER_ENV, Interrupted

PARENT_REPORTS_ENV = "HOTLASE_PARENT_REPORTS"  # set for a child whose interrupt its parent reports
GRACE_S = 20.0        # time the child gets to mark its files after SIGTERM
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1  # prctl option, linux/prctl.h


def _die_with_parent(parent: int):
    """preexec_fn: SIGTERM this child when the launcher dies (Linux prctl)."""
    def preexec():
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the launcher died before prctl took effect
            os._exit(143)
    return preexec


def session_pids(sid: int) -> list[int]:
    """Live processes of session ``sid`` (field 6 of /proc/PID/stat)."""
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(d.name))
    return pids


def kill_session(sid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to every process of a session."""
    for pid in session_pids(sid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def run_supervised(cmd: list[str], *, env: dict | None = None, stdout=None,
                   grace_s: float = GRACE_S) -> int:
    """Run ``cmd`` in its own session until it ends; returns its exit code.

    Raises:
        Interrupted: SIGINT, SIGTERM or SIGHUP reached the launcher; the child's session has
            been stopped (SIGTERM, then SIGKILL after ``grace_s``) when this is raised.
    """
    got: list[int] = []

    def handler(signum, _frame):
        got.append(signum)

    main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    old = {s: signal.signal(s, handler) for s in SIGNALS} if main else {}
    try:
        env = dict(os.environ if env is None else env, **{LAUNCHER_ENV: str(os.getpid())})
        proc = subprocess.Popen(cmd, env=env, stdout=stdout, start_new_session=True,
                                preexec_fn=_die_with_parent(os.getpid()))
        try:
            while proc.poll() is None and not got:
                time.sleep(0.1)
            if got:
                _stop(proc, grace_s)
        finally:
            if proc.poll() is None:  # an unexpected exception here: leave nothing behind
                _stop(proc, 0)
            kill_session(proc.pid)   # ranks left over by an mpirun that ended
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if got:
        raise Interrupted(got[0])
    return proc.returncode


def _is_mpirun(pid: int) -> bool:
    """True when ``pid`` runs an MPI launcher (mpirun, mpiexec, orterun)."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return False
    return os.path.basename(argv0) in ("mpirun", "mpiexec", "orterun")


def _stop(proc: subprocess.Popen, grace_s: float) -> None:
    """SIGTERM the child's session: the ranks but not mpirun (whose own SIGTERM handling
    waits twice its kill timeout; it ends when the ranks do), else every process; wait
    up to ``grace_s`` for the child, then SIGKILL the whole session."""
    workers = [pid for pid in session_pids(proc.pid) if pid != proc.pid]
    if not workers or not _is_mpirun(proc.pid):
        workers.append(proc.pid)
    for pid in workers:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    kill_session(proc.pid)
    proc.wait()
