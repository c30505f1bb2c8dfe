"""Runs that cannot hang or orphan (issue 15 items 1, 2, 5; issue 13 item 5).

Setup: the 1D film study of tests/small_study.py (CsPbBr3 on Ag and its no-metal twin) with
2 MPI ranks; ``long`` makes it run until signalled. Checks, each on the command's exit code,
its output lines and a /proc scan for every process naming the output directory:
- rank 0 cannot create its run file (this test holds the HDF5 lock of the ``.tmp``): the
  command ends within 60 s, exit 1, one FAILED line, no rank left (it hung forever before);
- a rank whose error the others cannot join (they wait in a collective) aborts the job;
- SIGINT / SIGTERM / SIGHUP to ``hotlase run``: exit 130 / 143 / 129 within 15 s, one line,
  no traceback, files ``failed: interrupted``, no ``.tmp``, no process left; kill -9 of the
  launcher: the ranks stop too; the same for ``hotlase sweep``;
- one writer per directory: a second run/sweep/converge refuses naming the holder (exit 75);
  a killed holder blocks nothing; ``--resume`` while an earlier run's ranks are alive refuses;
- a full disk (2 MB tmpfs) during a run: one line with the space needed, no ``.tmp``, all
  ranks gone (skipped when mounting is not permitted).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import h5py
import pytest

from hotlase.solvers import dirlock
from tests.conftest import REPO
from tests.procs import QUIET_ENV, hotlase, kill_all, procs_mentioning, start, wait_for, wait_gone
from tests.small_study import film_study_toml

pytestmark = pytest.mark.integration


@pytest.fixture
def long_study(tmp_path):
    f = tmp_path / "long.toml"
    f.write_text(film_study_toml(long=True))
    yield f
    kill_all(str(tmp_path))


def _statuses(out):
    res = {}
    for p in sorted((out / "runs").glob("*.h5")):
        with h5py.File(p) as f:
            res[p.name] = (str(f.attrs["status"]), str(f.attrs["message"]))
    return res


def _lines(text, word):
    return [ln for ln in text.splitlines() if word in ln]


def test_rank0_cannot_create_its_file_ends_every_rank(tmp_path):
    """Before: rank 0 raised before the guarded block, rank 1 spun in Meep forever."""
    study = tmp_path / "film.toml"
    study.write_text(film_study_toml(("spectrum",)).replace("compare_no_metal = true",
                                                            "compare_no_metal = false"))
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    t0 = time.monotonic()
    with h5py.File(out / "runs" / "main_spectrum.h5.tmp", "w"):  # holds the HDF5 file lock
        try:
            proc = hotlase("run", study, "--out", out, "--np", 2, timeout=60)
        except subprocess.TimeoutExpired:
            kill_all(str(tmp_path))
            raise AssertionError("a rank hung after rank 0 failed to create its run file") from None
    took = time.monotonic() - t0
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert took < 30, f"the command took {took:.1f} s"
    failed = _lines(proc.stdout + proc.stderr, "FAILED")
    assert len(failed) == 1 and "lock" in failed[0] and "main spectrum" in failed[0], proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    assert not wait_gone(str(out), 5), "a rank outlived the command"
    print(f"\nrank-0 file failure: command ended in {took:.1f} s")


ABORT_SCRIPT = """
import sys, time
from mpi4py import MPI
from hotlase.solvers.collective import agree, comm
comm()
if MPI.COMM_WORLD.Get_rank() == 0:
    agree(("failed", "rank 0 broke"), wait_s=1.0)
else:
    MPI.COMM_WORLD.Barrier()   # stands for a Meep collective that rank 0 never joins
print("not reached", flush=True)
"""


def test_error_the_other_ranks_cannot_join_aborts_the_job(tmp_path):
    """Setup: rank 0 reports an error while rank 1 waits in another collective. Reference:
    before, both waited forever; now the job ends within seconds with the one message."""
    from hotlase.jobs.local import clean_mpi_env, mpirun_command

    script = tmp_path / "abort.py"
    script.write_text(ABORT_SCRIPT)
    t0 = time.monotonic()
    proc = subprocess.run([*mpirun_command(2), sys.executable, str(script)], cwd=REPO, text=True,
                          capture_output=True, timeout=60, env=dict(clean_mpi_env(), **{
                              k: v for k, v in QUIET_ENV.items() if k == "PYTHONWARNINGS"}))
    took = time.monotonic() - t0
    assert proc.returncode != 0 and "not reached" not in proc.stdout
    assert _lines(proc.stderr, "error:") == ["error: rank 0 broke"], proc.stderr
    assert took < 30, took
    assert not wait_gone(str(script), 5)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_stops_run_and_marks_files(tmp_path, long_study, sig):
    out = tmp_path / "out"
    proc = start("run", long_study, "--out", out, "--np", 2)
    wait_for(lambda: any((out / "runs").glob("*.h5.tmp")), proc, what="run file")
    time.sleep(1.0)
    t0 = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode == 128 + sig, (proc.returncode, stderr)
    assert took < 15, f"stopping took {took:.1f} s"
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert len(_lines(stderr, "stopped")) == 1 and sig.name in stderr, stderr
    assert not list((out / "runs").glob("*.tmp"))
    st = _statuses(out)
    assert st and all(v == ("failed", "interrupted") for v in st.values()), st
    assert not wait_gone(str(out), 5), "a process outlived the command"
    print(f"\n{sig.name}: stopped in {took:.1f} s")


def test_kill9_of_launcher_stops_the_ranks(tmp_path, long_study):
    out = tmp_path / "out"
    proc = start("run", long_study, "--out", out, "--np", 2)
    wait_for(lambda: any((out / "runs").glob("*.h5.tmp")), proc, what="run file")
    ranks = [p for p in procs_mentioning(str(out)) if p != proc.pid]
    assert len(ranks) >= 3, ranks  # mpirun and 2 ranks
    t0 = time.monotonic()
    proc.kill()
    proc.communicate(timeout=30)
    left = wait_gone(str(out), 15)
    assert not left, f"still running after kill -9 of the launcher: {left}"
    print(f"\nkill -9 launcher: ranks gone in {time.monotonic() - t0:.1f} s")


def _sweep_file(tmp_path, study):
    f = tmp_path / "sweep.toml"
    f.write_text(f'[sweep]\nstudy = "{study}"\n[sweep.parameters]\n'
                 f'"simulation.padding_nm" = [150, 160]\n[run]\nnp = 2\n')
    return f


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_signal_stops_local_sweep(tmp_path, long_study, sig):
    out = tmp_path / "sweep"
    proc = start("sweep", _sweep_file(tmp_path, long_study), "--out", out)
    wait_for(lambda: any(out.glob("points/*/runs/*.h5.tmp")), proc, what="run file")
    t0 = time.monotonic()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=90)
    left = wait_gone(str(out), 15)
    assert not left, f"still running after {sig.name} to the sweep: {left}"
    took = time.monotonic() - t0
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and len(_lines(stderr, "stopped")) == 1, stderr
        assert "Traceback" not in stderr, stderr
        assert not list(out.glob("points/*/runs/*.tmp"))
        for point in out.glob("points/*"):
            st = _statuses(point) if (point / "runs").is_dir() else {}
            assert all(v == ("failed", "interrupted") for v in st.values()), st
    print(f"\nsweep {sig.name}: everything gone in {took:.1f} s")


HOLD = """
import sys, time
from hotlase.solvers import dirlock
dirlock.acquire(sys.argv[1], sys.argv[2], what="test holder")
print("held", flush=True)
time.sleep(600)
"""


def _holder(tmp_path, out, name=dirlock.COMMAND_LOCK):
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(out), name], cwd=REPO, text=True,
                         stdout=subprocess.PIPE)
    assert p.stdout.readline().strip() == "held"
    return p


def test_second_writer_refuses_and_killed_holder_blocks_nothing(tmp_path):
    study = tmp_path / "film.toml"
    study.write_text(film_study_toml(("spectrum",)))
    out = tmp_path / "out"
    holder = _holder(tmp_path, out)
    try:
        for cmd in (("run", study, "--out", out), ("sweep", _sweep_file(tmp_path, study), "--out", out),
                    ("converge", study, "--resolutions", "20,10", "--out", out)):
            proc = hotlase(*cmd, timeout=60)
            assert proc.returncode == 75, (cmd[0], proc.stdout, proc.stderr)
            err = _lines(proc.stderr, "error:")
            assert len(err) == 1 and f"pid {holder.pid}" in err[0] and "in use" in err[0], proc.stderr
        assert not (out / "runs").exists() and not (out / "sweep.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert str(holder.pid) in (out / dirlock.COMMAND_LOCK).read_text()  # stale pid left behind
    proc = hotlase("run", study, "--out", out, "--np", 1)
    assert proc.returncode == 0, proc.stderr
    assert all(v[0] == "complete" for v in _statuses(out).values())


def test_resume_while_earlier_ranks_alive_refuses(tmp_path, long_study):
    """The ranks of a run started without the launcher (as under Slurm) are alive: a
    ``--resume`` refuses at once, and the solver itself refuses when started directly."""
    from hotlase.jobs.local import clean_mpi_env, solver_command

    out = tmp_path / "out"
    first = subprocess.Popen(solver_command(long_study, out, np=2), cwd=REPO, env=dict(
        clean_mpi_env(), PYTHONWARNINGS="ignore::UserWarning"), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: any((out / "runs").glob("*.h5.tmp")), first, what="run file")
        t0 = time.monotonic()
        proc = hotlase("run", long_study, "--out", out, "--np", 2, "--resume", timeout=60)
        assert proc.returncode == 75, proc.stderr
        assert "ranks of an earlier run" in proc.stderr, proc.stderr
        direct = subprocess.run(solver_command(long_study, out, np=2, resume=True), cwd=REPO,
                                env=dict(clean_mpi_env(), PYTHONWARNINGS="ignore::UserWarning"),
                                capture_output=True, text=True, timeout=60)
        assert direct.returncode == 1 and "earlier run" in direct.stdout + direct.stderr
        assert time.monotonic() - t0 < 60
        assert first.poll() is None, "the refused commands disturbed the running one"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        kill_all(str(out))


def test_full_disk_during_run(tmp_path):
    """Setup: the film study with 200 wavelengths (7 spectrum arrays of 1.6 kB each) writing
    to a tmpfs of 40 kB, so the disk fills when the results are written. Reference: ENOSPC reported in one line with the estimate and the free
    space, no .tmp, no complete file, every rank gone."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40k", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        study = tmp_path / "film.toml"
        study.write_text(film_study_toml(("spectrum",)).replace("n_wavelengths = 11",
                                                                  "n_wavelengths = 200"))
        proc = hotlase("run", study, "--out", mnt / "out", "--np", 2, timeout=300)
        text = proc.stdout + proc.stderr
        assert proc.returncode == 1, text
        full = _lines(text, "disk full")
        assert len(full) == 1 and "B (estimate from the study)" in full[0] and "free" in full[0], text
        assert "Traceback" not in text and "Segmentation" not in text, text
        assert not list((mnt / "out" / "runs").glob("*.tmp"))
        assert not any(v[0] == "complete" for v in _statuses(mnt / "out").values())
        assert not wait_gone(str(mnt), 5)
        print("\n" + full[0])
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
