"""A [gain]-only sweep makes its Meep runs once (issue 12).

Setup: the small rods on Ag (tests/small_study.py) at a 25 nm grid, spectrum and modes only,
no twin, swept over gain.differential_gain_m2 = [1e-20, 4e-20] with 2 MPI ranks per point.
Reference: the run identity (docs/architecture.md "Run identity"): both points have the same
passive identity, so the second point links the first point's run files (same inode, no
Meep run started) and only its analysis differs; the rate-equation threshold falls as the
differential gain rises (docs/physics.md §8: the threshold density n_tr + loss/(Γ g' v_g)
falls with g'), so point 2's CW threshold is below point 1's. Tolerance: exact for the
sharing (inode equality, log lines); strictly lower threshold, and each summary names the
[gain] table of its own point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.small_study import small_study_toml

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HOTLASE = [sys.executable, "-m", "hotlase.jobs.cli"]
FAST = """n_wavelengths = 21
padding_nm = 150
pml_nm = 250
decay_by = 1e-3
max_time_fs = 400
"""


def test_a_gain_sweep_runs_meep_once_and_each_point_uses_its_gain(tmp_path):
    (tmp_path / "small.toml").write_text(small_study_toml(("spectrum", "modes"), resolution_nm=25,
                                                          extra_simulation=FAST))
    sweep = tmp_path / "gain.toml"
    sweep.write_text('[sweep]\nstudy = "small.toml"\n'
                     '[sweep.parameters]\n"gain.differential_gain_m2" = [1e-20, 4e-20]\n'
                     "[run]\nnp = 2\n")
    out = tmp_path / "sweep"
    t0 = time.monotonic()
    done = subprocess.run([*HOTLASE, "sweep", str(sweep), "--out", str(out)], cwd=REPO,
                          text=True, capture_output=True, timeout=600)
    wall = time.monotonic() - t0
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    order = json.loads((out / "sweep.json").read_text())["order"]
    first, second = (out / "points" / h for h in order)
    point1, _, point2 = done.stdout.partition("[2/2] ")
    assert point1.count("] started") == 2, done.stdout  # spectrum and modes, made once
    assert "] started" not in point2 and point2.count("reused from the cache") == 2, done.stdout
    for kind in ("spectrum", "modes"):
        a, b = (p / "runs" / f"main_{kind}.h5" for p in (first, second))
        assert os.stat(a).st_ino == os.stat(b).st_ino, f"{kind}: not the same run file"
    thresholds = []
    for point, g in zip((first, second), (1e-20, 4e-20)):
        summary = json.loads((point / "summary.json").read_text())
        assert summary["status"] == "complete", summary["runs_unreadable"]
        used = summary["lasing"]["gain"]
        assert used["table"]["differential_gain_m2"] == g
        assert used["source"].endswith(str(Path("runs") / "study.json"))
        assert f"differential_gain_m2 = {g:.3g}" in (point / "report.md").read_text()
        thresholds.append(summary["lasing"]["main"]["threshold_w_cm2"])
    assert 0 < thresholds[1] < thresholds[0], thresholds
    print(f"\n2-point gain sweep in {wall:.1f} s; CW thresholds {thresholds} W/cm^2")


def test_a_structure_change_still_reruns(tmp_path):
    """Setup: the point's study with another rod radius into the same directory with --resume
    and the same cache. Reference: the spectrum's identity includes [structure]. Tolerance:
    exact (the old file set aside as .stale, a Meep run made, nothing taken from the cache)."""
    study = tmp_path / "small.toml"
    study.write_text(small_study_toml(("spectrum",), resolution_nm=25, extra_simulation=FAST))
    out, cache = tmp_path / "out", tmp_path / "cache"
    run = [*HOTLASE, "run", str(study), "--out", str(out), "--np", "2", "--resume",
           "--cache", str(cache)]
    first = subprocess.run(run, cwd=REPO, text=True, capture_output=True, timeout=300)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    gain = study.read_text() + "[gain]\nqd_diameter_nm = 8\n"
    study.write_text(gain)
    same = subprocess.run(run, cwd=REPO, text=True, capture_output=True, timeout=300)
    assert "complete, skipped (--resume)" in same.stdout and "] started" not in same.stdout, same.stdout
    study.write_text(gain.replace("radius_nm = 60", "radius_nm = 50"))
    again = subprocess.run(run, cwd=REPO, text=True, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "structure.rod.radius_nm: 60.0 -> 50.0" in again.stdout, again.stdout
    assert "] started" in again.stdout and "reused from the cache" not in again.stdout
    assert (out / "runs" / "main_spectrum.h5.stale").exists()
    assert len(list(cache.glob("main_spectrum-*.h5"))) == 2


def _solver(study: Path, out: Path, cache: Path, log: Path) -> subprocess.Popen:
    """One rank of ``hotlase.solvers.run`` (as a Slurm task starts it), output to ``log``."""
    return subprocess.Popen([sys.executable, "-m", "hotlase.solvers.run", str(study), "--out",
                             str(out), "--resume", "--cache", str(cache)], cwd=REPO,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)


def _wait_for(path: Path, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    t0 = time.monotonic()
    while not path.exists():
        assert proc.poll() is None, f"ended before {path} appeared"
        assert time.monotonic() - t0 < timeout_s, f"no {path} after {timeout_s} s"
        time.sleep(0.05)


def test_concurrent_points_make_a_run_once_and_never_share_a_killed_one(tmp_path):
    """Setup: two solvers of studies that differ only in [gain] (two Slurm tasks) started
    together on one cache, twice: once undisturbed, once with the first killed (SIGKILL)
    while its run file is still ``.h5.tmp``. Reference: the run group's lock
    (solvers/runcache.py). Tolerance: exact: undisturbed, one Meep run and the second links
    it (same inode); killed, the second makes the run itself and the cache holds only its
    complete file, never the killed one's partial file."""
    base = small_study_toml(("spectrum",), resolution_nm=25, extra_simulation=FAST)
    studies = []
    for i, d in enumerate((8, 12, 16)):
        studies.append(tmp_path / f"s{i}.toml")
        studies[-1].write_text(base + f"[gain]\nqd_diameter_nm = {d}\n")
    cache = tmp_path / "cache"
    first = _solver(studies[0], tmp_path / "A", cache, tmp_path / "A.log")
    _wait_for(tmp_path / "A" / "runs" / "main_spectrum.h5.tmp", first)
    second = _solver(studies[1], tmp_path / "B", cache, tmp_path / "B.log")
    assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0
    a, b = (tmp_path / x / "runs" / "main_spectrum.h5" for x in "AB")
    assert os.stat(a).st_ino == os.stat(b).st_ino
    assert "reused from the cache" in (tmp_path / "B.log").read_text()

    cache2 = tmp_path / "cache2"
    slow = base.replace("decay_by = 1e-3", "decay_by = 1e-9").replace("max_time_fs = 400",
                                                                       "max_time_fs = 3000")
    for i, d in ((1, 12), (2, 16)):  # a long run: the second is surely waiting when it dies
        studies[i].write_text(slow + f"[gain]\nqd_diameter_nm = {d}\n")
    victim = _solver(studies[1], tmp_path / "C", cache2, tmp_path / "C.log")
    _wait_for(tmp_path / "C" / "runs" / "main_spectrum.h5.tmp", victim)
    waiting = _solver(studies[2], tmp_path / "D", cache2, tmp_path / "D.log")
    t0 = time.monotonic()
    while "another command is making these runs" not in (tmp_path / "D.log").read_text():
        assert victim.poll() is None, "the first ended before the second waited"
        assert time.monotonic() - t0 < 120, (tmp_path / "D.log").read_text()
        time.sleep(0.05)
    victim.kill()
    victim.wait(timeout=30)
    assert waiting.wait(timeout=300) == 0
    log = (tmp_path / "D.log").read_text()
    assert "] started" in log and "reused from the cache" not in log, log
    assert not (tmp_path / "C" / "runs" / "main_spectrum.h5").exists()
    entries = list(cache2.glob("*.h5"))
    assert len(entries) == 1 and entries[0].samefile(tmp_path / "D" / "runs" / "main_spectrum.h5")
