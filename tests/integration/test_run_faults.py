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
The random tests kill -9 a seeded random process of the run (or sweep) at a seeded random
fraction of its CPU time, then resume and compare the same way; the seed is in the test id
and in every failure message, and ``HOTLASE_FAULT_SEEDS=5,17`` replays chosen seeds.
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.procs import (children_cpu_s, hotlase, kill_all, process_roles, procs_mentioning,
                         start, tree_cpu_s, wait_for, wait_gone)
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


@dataclass(frozen=True)
class Reference:
    """A study (or sweep) file, its uninterrupted run, and the CPU time that run used (all
    its processes; a measure of progress that a loaded machine stretches less than the wall
    time)."""

    file: Path
    out: Path
    cpu_s: float


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    """The study file and its uninterrupted 2-rank run (the reference)."""
    d = tmp_path_factory.mktemp("film")
    study = d / "film.toml"
    study.write_text(film_study_toml(fixed_time_fs=FIXED_FS))
    cpu0 = children_cpu_s()
    proc = hotlase("run", study, "--out", d / "ref", "--np", 2)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Reference(study, d / "ref", children_cpu_s() - cpu0)


def _sweep_toml(study: Path) -> str:
    return (f'[sweep]\nstudy = "{study}"\n[sweep.parameters]\n'
            f'"simulation.padding_nm" = [150, 160]\n[run]\nnp = 2\n')


@pytest.fixture(scope="module")
def film_sweep(tmp_path_factory):
    """A local sweep of 2 points of the film study and its uninterrupted run (the reference)."""
    d = tmp_path_factory.mktemp("film_sweep")
    study = d / "film.toml"
    study.write_text(film_study_toml(fixed_time_fs=FIXED_FS))
    sweep = d / "sweep.toml"
    sweep.write_text(_sweep_toml(study))
    cpu0 = children_cpu_s()
    proc = hotlase("sweep", sweep, "--out", d / "ref")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Reference(sweep, d / "ref", children_cpu_s() - cpu0)


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
    study, ref = film.file, film.out
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
def test_kill9_of_local_sweep_then_rerun_equals_uninterrupted(tmp_path, film_sweep):
    sweep = film_sweep.file
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
            assert_same_runs(film_sweep.out / "points" / h, out / "points" / h)
    finally:
        kill_all(str(out))


# -- kill -9 at random points (issue 13 item 7) -----------------------------------------------
def _seeds(default: tuple[int, ...]) -> list[int]:
    """The seeds to run: HOTLASE_FAULT_SEEDS="5,17" replays those (a failure names its seed)."""
    text = os.environ.get("HOTLASE_FAULT_SEEDS", "").strip()
    return [int(s) for s in text.split(",") if s.strip()] if text else list(default)


RUN_ROLES = ("launcher", "mpirun", "rank 0", "rank 1")
SWEEP_ROLES = ("launcher", "point run", "mpirun", "rank 0", "rank 1", "analyze")


def kill9_at_random(proc, rng: random.Random, roles: tuple[str, ...], span_cpu_s: float) -> str:
    """kill -9 one process of ``proc``'s tree at a random point; returns what was done.

    The seeded ``rng`` draws the victim's role and the point (a uniform fraction of
    ``span_cpu_s``, the CPU time the uninterrupted command used, up to 0.9 of it so the point
    falls before the end even when the load varies) before anything runs: a seed always
    names the same victim and fraction. The victim is killed once ``proc``'s process tree has
    used that much CPU time. A victim not alive then (a rank before MPI starts, an analyze
    between points) is waited for up to 10 s, then the launcher is killed instead.
    """
    role, frac = rng.choice(roles), 0.9 * rng.random()
    t0 = time.monotonic()
    while proc.poll() is None and tree_cpu_s(proc.pid) < frac * span_cpu_s:
        time.sleep(0.02)
    wait_end = time.monotonic() + 10
    while proc.poll() is None and role not in (found := process_roles(proc.pid)):
        if time.monotonic() > wait_end:
            role = "launcher"
            break
        time.sleep(0.02)
    at = time.monotonic() - t0
    plan = f"{role} drawn at {frac:.3f} x {span_cpu_s:.1f} CPU s"
    if proc.poll() is not None:
        return f"{plan}: the command had ended (exit {proc.returncode}) after {at:.2f} s, no kill"
    pid = proc.pid if role == "launcher" else found[role]
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return f"{plan}: pid {pid} ended just before the kill at {at:.2f} s"
    return f"kill -9 of the {role} (pid {pid}) after {at:.2f} s ({plan})"


def _complete_runs(out: Path) -> list[str]:
    runs = out / "runs"
    return sorted(p.name for p in runs.glob("*.h5") if _datasets(p)[0] == "complete") \
        if runs.is_dir() else []


@pytest.mark.parametrize("seed", _seeds((5, 1)), ids=lambda s: f"seed={s}")
def test_kill9_at_random_point_of_run_then_resume(tmp_path, film, seed):
    """Setup: the film run (2 ranks) with one of the launcher, mpirun, rank 0 or rank 1
    killed by SIGKILL at a seeded random point in [0, 0.9] of the uninterrupted run's CPU time
    (start-up, either variant's run, the rename, study.json), then ``hotlase run --resume``.
    Reference: the uninterrupted run, dataset by dataset, exactly (bit-identical on the same
    rank count, issue 13). Also: no process outlives the kill, and the resume skips exactly
    the files that were complete after it (no more, no fewer)."""
    out = tmp_path / "out"
    proc = start("run", film.file, "--out", out, "--np", 2)
    replay = f"seed {seed} (replay: HOTLASE_FAULT_SEEDS={seed})"
    try:
        did = kill9_at_random(proc, random.Random(seed), RUN_ROLES, film.cpu_s)
        replay += f": {did}"
        print(f"\n{replay}")
        proc.communicate(timeout=90)
        assert not wait_gone(str(out), 20), f"{replay}: processes outlived the kill"
        complete = _complete_runs(out)
        again = hotlase("run", film.file, "--out", out, "--np", 2, "--resume")
        assert again.returncode == 0, f"{replay}\n{again.stdout}{again.stderr}"
        skipped = again.stdout.count("skipped (--resume)")
        assert skipped == len(complete), f"{replay}: {complete} complete, resume:\n{again.stdout}"
        try:
            assert_same_runs(film.out, out)
        except AssertionError as err:
            raise AssertionError(f"{replay}: {err}") from None
    finally:
        kill_all(str(out))


@pytest.mark.parametrize("seed", _seeds((6, 13)), ids=lambda s: f"seed={s}")
def test_kill9_at_random_point_of_sweep_then_rerun(tmp_path, film_sweep, seed):
    """Setup: the 2-point local sweep of the film study with one of the sweep, a point's
    ``hotlase run``, mpirun, a rank or a point's ``analyze`` killed by SIGKILL at a seeded
    random point in [0, 0.9] of the uninterrupted sweep's CPU time, then the same sweep command again.
    Reference: the uninterrupted sweep, each point's run files dataset by dataset, exactly.
    Also: no process outlives the kill, ``hotlase status`` then calls no point running, the
    rerun skips exactly the points status called complete, and status ends all complete."""
    from hotlase.jobs.state import read_json

    out = tmp_path / "out"
    proc = start("sweep", film_sweep.file, "--out", out)
    replay = f"seed {seed} (replay: HOTLASE_FAULT_SEEDS={seed})"
    try:
        did = kill9_at_random(proc, random.Random(seed), SWEEP_ROLES, film_sweep.cpu_s)
        replay += f": {did}"
        print(f"\n{replay}")
        proc.communicate(timeout=90)
        assert not wait_gone(str(out), 20), f"{replay}: processes outlived the kill"
        n_complete = 0
        if (out / "sweep.json").exists():
            st = hotlase("status", out)
            assert st.returncode in (0, 1) and "Traceback" not in st.stderr, f"{replay}\n{st.stderr}"
            states = [row.split()[2] for row in st.stdout.splitlines()[1:-1]]  # point, value, state
            assert "running" not in states, f"{replay}: after the kill\n{st.stdout}"
            n_complete = states.count("complete")
        rerun = hotlase("sweep", film_sweep.file, "--out", out)
        assert rerun.returncode == 0, f"{replay}\n{rerun.stdout}{rerun.stderr}"
        # points skipped whole ("<point>: complete, skipped"); a point resumed file by file
        # prints "[variant kind] complete, skipped (--resume)" for its complete files instead
        skipped = sum(ln.rstrip().endswith(": complete, skipped") for ln in rerun.stdout.splitlines())
        assert skipped == n_complete, f"{replay}\n{rerun.stdout}"
        st = hotlase("status", out)
        assert st.returncode == 0 and "2 points: 2 complete" in st.stdout, f"{replay}\n{st.stdout}"
        for h in read_json(film_sweep.out / "sweep.json")["order"]:
            try:
                assert_same_runs(film_sweep.out / "points" / h, out / "points" / h)
            except AssertionError as err:
                raise AssertionError(f"{replay}: point {h}: {err}") from None
    finally:
        kill_all(str(out))
