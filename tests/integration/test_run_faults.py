"""Fault tests (issue 13 item 7): kill -9 in the middle of a run or a sweep, then resume.

Setup: the 1D film study of tests/small_study.py (CsPbBr3 on Ag and its no-metal twin,
spectrum + fields: 4 run files from 2 pulses) with 2 MPI ranks, every run 150 fs long (about
4 s and 2 s on an idle machine: long enough to be killed in the middle of the twin's run). A run is killed once the
main variant's files are complete and the twin's ``.tmp`` exists: by kill -9 of one rank, or
of the launcher. ``hotlase run --resume`` must then skip the 2 complete files, redo the
others and end with files equal, dataset by dataset, to those of an uninterrupted run, with
no ``.tmp`` left (after kill -9 of a rank, none even before the resume: the launcher settles
them).
Reference and tolerance: the uninterrupted run with the same rank count; the same study on
the same rank count is bit-identical (issue 13), so datasets must be exactly equal (NaN
equal to NaN). The sweep test does the same for a local sweep of 2 points (kill -9 of the
sweep during its second point, then the same command again).
"""

from __future__ import annotations

import os
import signal
import time

import h5py
import numpy as np
import pytest

from tests.procs import hotlase, kill_all, procs_mentioning, start, wait_for, wait_gone
from tests.small_study import film_study_toml

pytestmark = pytest.mark.integration
FIXED_FS = 150


def _datasets(path):
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
        status = str(f.attrs["status"])
    return status, out


def assert_same_runs(ref_dir, got_dir):
    """Every run file of ``ref_dir`` exists complete in ``got_dir`` with equal datasets."""
    ref_files = sorted(p.name for p in (ref_dir / "runs").glob("*.h5"))
    got_files = sorted(p.name for p in (got_dir / "runs").glob("*.h5"))
    assert ref_files and got_files == ref_files, (ref_files, got_files)
    assert not list((got_dir / "runs").glob("*.tmp"))
    for name in ref_files:
        s_ref, d_ref = _datasets(ref_dir / "runs" / name)
        s_got, d_got = _datasets(got_dir / "runs" / name)
        assert s_ref == s_got == "complete", (name, s_ref, s_got)
        assert sorted(d_ref) == sorted(d_got), name
        for key, a in d_ref.items():
            b = d_got[key]
            assert a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), \
                f"{name}:{key} differs after the resumed run"


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    """The study file and its uninterrupted 2-rank run (the reference)."""
    d = tmp_path_factory.mktemp("film")
    study = d / "film.toml"
    study.write_text(film_study_toml(fixed_time_fs=FIXED_FS))
    proc = hotlase("run", study, "--out", d / "ref", "--np", 2)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return study, d / "ref"


def _twin_started(out):
    runs = out / "runs"
    return (runs / "main_fields.h5").exists() and any(runs.glob("no_metal_*.h5.tmp"))


def _rank_pids(out, launcher_pid):
    """The solver ranks: processes naming ``out`` that run ``hotlase.solvers.run`` (not mpirun)."""
    pids = []
    for p in procs_mentioning(str(out)):
        try:
            argv = open(f"/proc/{p}/cmdline", "rb").read().decode().split("\0")
        except OSError:
            continue
        if p != launcher_pid and "hotlase.solvers.run" in argv and "mpirun" not in argv[0]:
            pids.append(p)
    return pids


@pytest.mark.parametrize("victim", ["rank", "launcher"])
def test_kill9_then_resume_equals_uninterrupted_run(tmp_path, film, victim):
    study, ref = film
    out = tmp_path / "out"
    proc = start("run", study, "--out", out, "--np", 2)
    try:
        wait_for(lambda: _twin_started(out), proc, what="no_metal run file")
        if victim == "rank":
            ranks = _rank_pids(out, proc.pid)
            assert len(ranks) == 2, [open(f"/proc/{p}/cmdline").read() for p in ranks]
            os.kill(max(ranks), signal.SIGKILL)
        else:
            proc.kill()
        proc.communicate(timeout=60)
        assert proc.returncode != 0
        assert not wait_gone(str(out), 15), "processes outlived the killed run"
        left = [t.name for t in (out / "runs").glob("*.tmp")]
        if victim == "rank":  # the launcher settles what the ranks left
            assert not left, f"{left} left behind by the kill of a rank"
        else:  # rank 0 marks its files unless it is stuck inside Meep (it holds the GIL);
            print(f"\nleft by kill -9 of the launcher: {left}")  # the next run settles them
        again = hotlase("run", study, "--out", out, "--np", 2, "--resume")
        assert again.returncode == 0, again.stdout + again.stderr
        # the twin's run is killed mid-way, or (kill -9 of the launcher on an idle machine)
        # finishes before its ranks see the launcher gone (~1.5 s): either way resume keeps
        # every complete file and redoes the rest
        skipped = again.stdout.count("skipped (--resume)")
        assert skipped == 2 or (victim == "launcher" and skipped == 4), again.stdout
        assert_same_runs(ref, out)
    finally:
        kill_all(str(out))


@pytest.mark.slow
def test_kill9_of_local_sweep_then_rerun_equals_uninterrupted(tmp_path):
    study = tmp_path / "film.toml"
    study.write_text(film_study_toml(fixed_time_fs=FIXED_FS))
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'[sweep]\nstudy = "{study}"\n[sweep.parameters]\n'
                     f'"simulation.padding_nm" = [150, 160]\n[run]\nnp = 2\n')
    ref = hotlase("sweep", sweep, "--out", tmp_path / "ref")
    assert ref.returncode == 0, ref.stdout + ref.stderr
    out = tmp_path / "out"
    proc = start("sweep", sweep, "--out", out)
    try:
        import json
        wait_for(lambda: (out / "sweep.json").exists(), proc, what="sweep.json")
        order = json.loads((out / "sweep.json").read_text())["order"]
        wait_for(lambda: any((out / "points" / order[1] / "runs").glob("*.h5.tmp")), proc,
                 what="run file of the second point")
        time.sleep(0.5)
        proc.kill()
        proc.communicate(timeout=60)
        assert not wait_gone(str(out), 15), "processes outlived the killed sweep"
        rerun = hotlase("sweep", sweep, "--out", out)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert rerun.stdout.count("complete, skipped") == 1, rerun.stdout
        for h in order:
            assert_same_runs(tmp_path / "ref" / "points" / h, out / "points" / h)
    finally:
        kill_all(str(out))
