"""One writer per output directory (solvers.dirlock), without MPI: a held lock refuses a
second process and names the holder; the kernel frees it when the holder dies (a stale pid in
the file blocks nothing); the same process may take it again; ``held`` releases it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hotlase.solvers import dirlock

HOLD = "import sys, time; from hotlase.solvers import dirlock; dirlock.acquire(sys.argv[1]); print('held', flush=True); time.sleep(60)"
TRY = "import sys; from hotlase.solvers import dirlock; dirlock.acquire(sys.argv[1]); print('got')"


def _try(d):
    return subprocess.run([sys.executable, "-c", TRY, str(d)], capture_output=True, text=True, timeout=60)


def test_second_process_refused_until_holder_dies(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert dirlock.probe(tmp_path, dirlock.COMMAND_LOCK) is not None
        r = _try(tmp_path)
        assert r.returncode != 0 and f"pid {holder.pid}" in r.stderr and "LockHeld" in r.stderr
        with pytest.raises(dirlock.LockHeld, match=f"pid {holder.pid}"):
            dirlock.acquire(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert str(holder.pid) in (tmp_path / dirlock.COMMAND_LOCK).read_text()  # stale, harmless
    assert dirlock.probe(tmp_path, dirlock.COMMAND_LOCK) is None
    assert _try(tmp_path).stdout.strip() == "got"


def test_reentrant_and_released_by_held(tmp_path):
    with dirlock.held(tmp_path):
        with dirlock.held(tmp_path):  # converge -> sweep in one process
            pass
        assert _try(tmp_path).returncode != 0, "inner block released the outer lock"
    assert _try(tmp_path).stdout.strip() == "got"
