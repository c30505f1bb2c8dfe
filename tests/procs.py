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
