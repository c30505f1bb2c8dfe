"""The local sweep runner end to end: 2 points with 2 MPI ranks, Ctrl-C, rerun, skip.

Setup: the default study at a 25 nm grid, spectrum only, no twin, 2 rod radii. A Ctrl-C
(SIGINT to the runner's process group, as a terminal sends it) during the first point must
leave nothing that looks complete and no MPI rank behind; the rerun completes both points;
a third run skips them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotlase.jobs.state import point_files
from tests.procs import procs_mentioning
from tests.small_study import radius_sweep_toml

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def _sweep_file(tmp_path: Path) -> Path:
    f = tmp_path / "local.toml"
    f.write_text(radius_sweep_toml(REPO / "examples" / "default.toml", (40, 60), decay_by=1e-3,
                                   max_time_fs=400, resolution_nm=25))  # stops on decay: a time-capped run is suspect
    return f


def test_local_sweep_interrupt_rerun_skip(tmp_path):
    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "hotlase.jobs.cli", "sweep", str(_sweep_file(tmp_path)), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    index = None
    t0 = time.monotonic()
    while time.monotonic() - t0 < 180:
        if (out / "sweep.json").exists():
            index = json.loads((out / "sweep.json").read_text())
            first = out / "points" / index["order"][0]
            if any((first / "runs").glob("*.h5*")):
                break
        assert proc.poll() is None, f"sweep ended before it could be interrupted:\n{proc.stdout.read()}"
        time.sleep(0.2)
    else:
        proc.kill()
        raise AssertionError("no run file of the first point after 180 s")
    st = subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", "status", str(out)], cwd=REPO, text=True,
                        capture_output=True, timeout=60)
    row = next(ln for ln in st.stdout.splitlines() if ln.startswith(index["order"][0]))
    assert " running " in row and " local " in row, f"status while running:\n{st.stdout}"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    text, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0, f"interrupted sweep exited 0:\n{text}"
    for h in index["order"]:
        files = point_files(out / "points" / h)
        assert not files.complete, f"point {h} looks complete after Ctrl-C: {files}"
    assert not list(out.glob(".sweep.json.*")), "a temporary index file was left behind"
    json.loads((out / "sweep.json").read_text())  # the index is whole
    time.sleep(1.0)
    left = procs_mentioning(str(out))
    assert not left, f"processes still running after Ctrl-C: {left}"

    t1 = time.monotonic()
    done = subprocess.run(cmd, cwd=REPO, text=True, capture_output=True, timeout=900)
    rerun_s = time.monotonic() - t1
    assert done.returncode == 0, f"rerun failed:\n{done.stdout}\n{done.stderr}"
    assert all(point_files(out / "points" / h).complete for h in index["order"])
    t2 = time.monotonic()
    again = subprocess.run(cmd, cwd=REPO, text=True, capture_output=True, timeout=120)
    skip_s = time.monotonic() - t2
    assert again.returncode == 0 and again.stdout.count("complete, skipped") == 2, again.stdout
    print(f"\nlocal sweep: rerun of 2 points {rerun_s:.1f} s, all-skipped rerun {skip_s:.1f} s")
