"""Process helpers for tests that start, signal and kill runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

HOTLASE = [sys.executable, "-m", "hotlase.jobs.cli"]
QUIET_ENV = dict(os.environ, PYTHONWARNINGS="ignore::UserWarning")  # numpy's subnormal notes


def procs_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line contains ``text`` (a /proc scan)."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if text in (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    if (d / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                        pids.append(int(d.name))
            except OSError:
                pass
    return pids


def wait_gone(text: str, timeout: float = 15.0) -> list[int]:
    """Wait until no process mentions ``text``; the pids still alive after ``timeout``."""
    t_end = time.monotonic() + timeout
    while (left := procs_mentioning(text)) and time.monotonic() < t_end:
        time.sleep(0.2)
    return left


def wait_for(cond, proc: subprocess.Popen | None = None, timeout: float = 180.0, what: str = "") -> None:
    """Poll ``cond()`` every 0.1 s; fail when ``proc`` ends first or ``timeout`` passes."""
    t_end = time.monotonic() + timeout
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"command ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > t_end:
            raise AssertionError(f"no {what} after {timeout} s")
        time.sleep(0.1)


def start(*args, **kw) -> subprocess.Popen:
    """``hotlase ARGS`` in the background, output captured as text."""
    return subprocess.Popen([*HOTLASE, *map(str, args)], cwd=REPO, env=QUIET_ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def hotlase(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*HOTLASE, *map(str, args)], cwd=REPO, env=QUIET_ENV, text=True,
                          capture_output=True, timeout=timeout)


def kill_all(text: str) -> None:
    """SIGKILL what a failed test left running (only processes mentioning its tmp path)."""
    for pid in procs_mentioning(text):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def descendants(pid: int) -> list[int]:
    """Live (not zombie) processes below ``pid`` in the process tree, by a /proc scan of ppids
    (a process started in a new session stays its parent's child)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return sorted(out)


def argv(pid: int) -> list[str]:
    """The command line of ``pid`` ([] when it is gone)."""
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                .rstrip("\0").split("\0"))
    except OSError:
        return []


def ppid(pid: int) -> int:
    """The parent of ``pid`` (0 when it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def mpi_rank(pid: int) -> int | None:
    """The MPI rank of ``pid`` (Open MPI's OMPI_COMM_WORLD_RANK), None for other processes."""
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in env:
        if item.startswith(b"OMPI_COMM_WORLD_RANK="):
            return int(item.split(b"=", 1)[1])
    return None


def process_roles(root: int) -> dict[str, int]:
    """{role: pid} of a ``hotlase run`` or ``sweep`` tree started as ``root``: "launcher"
    (``root``), "point run" and "analyze" (a sweep's child commands), "mpirun", "rank 0",
    "rank 1", ... (the solver ranks)."""
    roles = {"launcher": root}
    for pid in descendants(root):
        a = argv(pid)
        if not a:
            continue
        if os.path.basename(a[0]) in ("mpirun", "mpiexec", "orterun"):
            roles["mpirun"] = pid
        elif "hotlase.solvers.run" in a and argv(ppid(pid))[:1] != a[:1]:  # not a rank's fork
            rank = mpi_rank(pid)
            roles[f"rank {0 if rank is None else rank}"] = pid
        elif "hotlase.jobs.cli" in a and "run" in a:
            roles["point run"] = pid
        elif "hotlase.jobs.cli" in a and "analyze" in a:
            roles["analyze"] = pid
    return roles


def tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by ``root`` and every process below it, live or ended and
    waited for (utime + stime + cutime + cstime of each live process of the tree)."""
    total = 0
    for pid in (root, *descendants(root)):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime (proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds of this process's ended and waited-for children and their descendants."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
