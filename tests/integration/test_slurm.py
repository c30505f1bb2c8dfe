"""Slurm end to end on a real one-node cluster started by the test itself.

Setup: ``tests/integration/slurm_cluster.py`` installs Debian's slurm-wlm and munge if needed,
starts munged, slurmctld and slurmd (one node, 2 CPUs) under a temporary directory and waits
until ``sinfo`` shows the node idle. Where that is impossible (not root, no apt, a daemon
refuses to start) every test here skips with the reason.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slurm_cluster import SlurmCluster, SlurmUnavailable

from tests.small_study import radius_sweep_toml

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
DEFAULT_STUDY = REPO / "examples" / "default.toml"


@pytest.fixture(scope="module")
def cluster():
    """One cluster for the module; stops only the daemons it started. MaxArraySize = 2, so a
    3-point sweep must be split into two job arrays."""
    c = SlurmCluster(cpus=2, max_array_size=2)
    try:
        c.start()
    except SlurmUnavailable as err:
        c.stop()
        pytest.skip(f"Slurm cannot run here: {err}")
    try:
        yield c
    finally:
        c.stop()


def _wait_gone(cluster: SlurmCluster, job: str, timeout_s: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if not cluster.run(["squeue", "-h", "-j", job], check=False).stdout.strip():
            return time.monotonic() - t0
        time.sleep(1)
    raise AssertionError(f"job {job} still queued after {timeout_s} s")


def test_job_array_runs_every_task(cluster, tmp_path, monkeypatch):
    """A 2-task array, one at a time, writes one log per task, each with its index; an array
    beyond MaxArraySize is refused (which the sweep must avoid by splitting)."""
    script = tmp_path / "array.sh"
    script.write_text("#!/bin/bash\n#SBATCH --array=0-1%1\n#SBATCH --ntasks=1\n"
                      f"#SBATCH --output={tmp_path}/%A_%a.out\n"
                      "echo task $SLURM_ARRAY_TASK_ID\n")
    job = cluster.run(["sbatch", "--parsable", str(script)]).stdout.strip()
    _wait_gone(cluster, job, 60)
    got = sorted(p.read_text().strip() for p in tmp_path.glob(f"{job}_*.out"))
    assert got == ["task 0", "task 1"], f"measured {got}, expected 2 task logs"
    too_big = cluster.run(["sbatch", "--parsable", "--array=0-2", str(script)], check=False)
    assert too_big.returncode != 0, "sbatch accepted an array beyond MaxArraySize = 2"
    from hotlase.jobs.slurm import max_array_size

    monkeypatch.setenv("SLURM_CONF", cluster.env["SLURM_CONF"])
    assert max_array_size() == 2, f"measured MaxArraySize {max_array_size()}, expected 2"


# -- the real sweep: 3 points, 2 MPI ranks each, one cancelled and resumed ---------------------
RADII_NM = (40, 50, 60)


def _sweep_file(tmp_path: Path, launcher: str = "mpirun") -> Path:
    """3 rod radii on the default study at a coarse grid, spectrum only, one point at a time."""
    f = tmp_path / f"radius-{launcher}.toml"
    f.write_text(radius_sweep_toml(DEFAULT_STUDY, RADII_NM, decay_by=1e-8, max_time_fs=300,
                                   resolution_nm=15, extra=f"""\
[slurm]
time = "00:20:00"
mem = "1500M"
ntasks = 2
array_max_concurrent = 1
launcher = "{launcher}"
"""))
    return f


def _hotlase(cluster: SlurmCluster, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", *args], env=cluster.env, text=True,
                          capture_output=True, timeout=timeout_s, cwd=REPO)


def _wait_for(pred, timeout_s: float, what: str, poll_s: float = 0.5) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if pred():
            return time.monotonic() - t0
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


@pytest.mark.slow
def test_sweep_cancel_resume_collect(cluster, tmp_path, monkeypatch):
    """Submit 3 points; scancel the first one mid-run; --resume resubmits only it; collect 3 rows.

    The first submission starts the ranks with mpirun, the resumed one with srun --mpi=pmix
    (the launcher is not part of a point's study, so the points are the same).

    Prints the measured times (submission, each phase, per point) for the report.
    """
    from hotlase.jobs.slurm import queue_states
    from hotlase.jobs.state import read_json

    monkeypatch.setenv("SLURM_CONF", cluster.env["SLURM_CONF"])  # queue_states in this process
    out = tmp_path / "sweep"
    times: dict[str, float] = {}
    t0 = time.monotonic()
    r = _hotlase(cluster, "sweep", str(_sweep_file(tmp_path)), "--out", str(out),
                 "--scheduler", "slurm")
    assert r.returncode == 0, f"sweep submission failed: {r.stderr}\n{r.stdout}"
    times["submit_s"] = time.monotonic() - t0
    jobs = read_json(out / "jobs.json")
    job = jobs["submissions"][0]["job_id"]
    assert len(jobs["points"]) == 3, f"measured {len(jobs['points'])} submitted points, expected 3"
    # MaxArraySize = 2: the 3 points go in two arrays of 2 and 1
    sizes = [len(s["points"]) for s in jobs["submissions"]]
    assert sizes == [2, 1], f"measured array sizes {sizes}, expected [2, 1]"
    scripts = [Path(s["script"]).read_text() for s in jobs["submissions"]]
    assert "#SBATCH --array=0-1%1" in scripts[0] and "#SBATCH --array=0-0%1" in scripts[1]
    assert all("#SBATCH --ntasks=2" in s for s in scripts), scripts[0]

    # cancel task 0 once its simulation has really started (a run file is being written)
    victim = jobs["submissions"][0]["points"][0]
    vdir = out / "points" / victim
    times["to_running_s"] = _wait_for(
        lambda: queue_states([job]).get(f"{job}_0") == "RUNNING", 120, f"{job}_0 RUNNING")
    # points run at 15 nm to a 1e-8 decay (several seconds even on an idle machine; at 25 nm
    # they took 1 s and could finish between two polls): cancel at once
    _wait_for(lambda: any((vdir / "runs").glob("*.h5*")), 180, "a run file of the first point",
              poll_s=0.1)
    assert not (vdir / "summary.json").exists(), "first point finished before it could be cancelled"
    assert cluster.run(["scancel", f"{job}_0"], check=False).returncode == 0
    t1 = time.monotonic()
    for sub in jobs["submissions"]:
        _wait_gone(cluster, sub["job_id"], 900)
    times["first_array_s"] = time.monotonic() - t1

    st = _hotlase(cluster, "status", str(out))
    assert st.returncode == 1, f"status should report incomplete points:\n{st.stdout}"
    lines = {ln.split()[0]: ln for ln in st.stdout.splitlines()[1:-1]}
    assert " failed " in lines[victim], st.stdout
    others = [h for h in jobs["points"] if h != victim]
    assert all(" complete " in lines[h] for h in others), st.stdout
    assert f"logs/{job}_0.out" in lines[victim], st.stdout

    t2 = time.monotonic()
    r = _hotlase(cluster, "sweep", str(_sweep_file(tmp_path, "srun")), "--out", str(out),
                 "--scheduler", "slurm", "--resume")
    assert r.returncode == 0, f"resume failed: {r.stderr}\n{r.stdout}"
    jobs = read_json(out / "jobs.json")
    assert len(jobs["submissions"]) == 3 and jobs["submissions"][2]["points"] == [victim], jobs
    assert "\nsrun --mpi=pmix --ntasks=$SLURM_NTASKS" in Path(jobs["submissions"][2]["script"]).read_text()
    _wait_gone(cluster, jobs["submissions"][2]["job_id"], 900)
    times["resume_s"] = time.monotonic() - t2

    st = _hotlase(cluster, "status", str(out))
    assert st.returncode == 0, f"not every point complete after --resume:\n{st.stdout}"
    assert "3 points: 3 complete" in st.stdout, st.stdout

    r = _hotlase(cluster, "collect", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader((out / "collect" / "sweep.csv").open()))
    assert len(rows) == 3, f"measured {len(rows)} collected rows, expected 3"
    got = sorted(float(row["structure.rod.radius_nm"]) for row in rows)
    assert got == [float(x) for x in RADII_NM], f"measured radii {got}, expected {RADII_NM}"
    times["total_s"] = time.monotonic() - t0
    ranks = _run_attrs(out, "mpi_processes")
    assert ranks == [2, 2, 2], f"measured MPI ranks per point {ranks}, expected 2 each"
    walls = [round(float(x), 1) for x in _run_attrs(out, "wall_time_s")]
    print(f"\nslurm sweep timings: cluster start {cluster.startup_s:.1f} s, "
          + ", ".join(f"{k} {v:.1f}" for k, v in times.items())
          + f", run wall times per point (s): {walls}")


def _run_attrs(out: Path, name: str) -> list:
    import h5py

    values = []
    for f in sorted(out.glob("points/*/runs/*.h5")):
        with h5py.File(f, "r") as h:
            values.append(h.attrs.get(name).item() if name in h.attrs else None)
    return values


# -- a job killed mid-run (issue 13 item 7) ----------------------------------------------------
def _film_sweep(tmp_path: Path) -> Path:
    """One point of the 1D film study (4 run files, 150 fs each), 2 ranks started by mpirun."""
    from tests.small_study import film_study_toml

    study = tmp_path / "film.toml"
    study.write_text(film_study_toml(fixed_time_fs=150))
    f = tmp_path / "film-sweep.toml"
    f.write_text(f'[sweep]\nstudy = "{study}"\n[sweep.parameters]\n"simulation.padding_nm" = [150]\n'
                 '[run]\nnp = 2\n[slurm]\ntime = "00:10:00"\nmem = "1000M"\nntasks = 2\n'
                 'launcher = "mpirun"\n')
    return f


def _job_processes(cluster: SlurmCluster, job: str) -> dict[str, list[int]]:
    """{"batch": [pid of the batch shell], "rank": [solver rank pids]} of array job ``job``,
    found by the SLURM_ARRAY_JOB_ID in their environment."""
    from tests.procs import argv, ppid

    out: dict[str, list[int]] = {"batch": [], "rank": []}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"SLURM_ARRAY_JOB_ID={job}".encode() not in env:
            continue
        a = argv(int(d.name))
        if any(x.endswith("slurm_script") for x in a):
            out["batch"].append(int(d.name))
        elif ("hotlase.solvers.run" in a and not a[0].endswith("mpirun")
              and argv(ppid(int(d.name)))[:1] != a[:1]):
            out["rank"].append(int(d.name))  # not a child forked by a rank
    return out


@pytest.mark.parametrize("victim", ["batch", "rank"])
def test_job_killed_mid_run_reported_failed_then_redone(cluster, tmp_path, monkeypatch, victim):
    """Setup: a 1-point sweep of the 1D film study submitted to the test cluster; once its
    first run file is being written, kill -9 of the job's batch shell (the batch step dies,
    as when a node's job is killed outside Slurm) or of one solver rank. Reference: the job
    leaves the queue, no process of the point is left and no run file completes after it
    (before the fix, ranks orphaned by the batch shell's death ran on: this cluster's
    proctrack/linuxproc does not end them), ``hotlase status`` calls the point
    ``failed`` (exit 1) naming its log, ``hotlase sweep --resume`` resubmits it (and only it)
    and ``hotlase status`` then calls it ``complete`` (exit 0)."""
    from hotlase.jobs.slurm import queue_states
    from hotlase.jobs.state import read_json, run_status
    from tests.procs import wait_gone

    monkeypatch.setenv("SLURM_CONF", cluster.env["SLURM_CONF"])
    out = tmp_path / "sweep"
    sweep = _film_sweep(tmp_path)
    r = _hotlase(cluster, "sweep", str(sweep), "--out", str(out), "--scheduler", "slurm")
    assert r.returncode == 0, f"submission failed: {r.stderr}\n{r.stdout}"
    jobs = read_json(out / "jobs.json")
    job, (point,) = jobs["submissions"][0]["job_id"], jobs["points"]
    pdir = out / "points" / point
    try:
        _wait_for(lambda: queue_states([job]).get(f"{job}_0") == "RUNNING", 120, f"{job}_0 RUNNING")
        _wait_for(lambda: any((pdir / "runs").glob("*.h5.tmp")), 180, "a run file being written",
                  poll_s=0.05)
        procs = _job_processes(cluster, job)
        assert procs["batch"] and len(procs["rank"]) == 2, procs
        import os
        import signal
        os.kill(max(procs[victim]), signal.SIGKILL)
        _wait_gone(cluster, job, 120)
        left = wait_gone(str(pdir), 30)
        assert not left, f"kill -9 of the {victim}: processes of the point outlived its job: {left}"
        # killed while the main variant ran: ranks that ran on as orphans (before the batch
        # script made them watch its shell) finished the twin after the job had gone
        late = [p.name for p in (pdir / "runs").glob("no_metal_*.h5") if run_status(p) == "complete"]
        assert not late, f"kill -9 of the {victim}: {late} completed after the job was gone"
        st = _hotlase(cluster, "status", str(out))
        assert st.returncode == 1, f"kill -9 of the {victim}: status\n{st.stdout}{st.stderr}"
        row = st.stdout.splitlines()[1]
        assert row.split()[2] == "failed" and f"logs/{job}_0.out" in row, st.stdout
        print(f"\nafter kill -9 of the {victim}: {row}")
        r = _hotlase(cluster, "sweep", str(sweep), "--out", str(out), "--scheduler", "slurm",
                     "--resume")
        assert r.returncode == 0, f"resume failed: {r.stderr}\n{r.stdout}"
        jobs = read_json(out / "jobs.json")
        assert len(jobs["submissions"]) == 2 and jobs["submissions"][1]["points"] == [point], jobs
        _wait_gone(cluster, jobs["submissions"][1]["job_id"], 300)
        st = _hotlase(cluster, "status", str(out))
        assert st.returncode == 0 and "1 points: 1 complete" in st.stdout, st.stdout + st.stderr
    finally:
        cluster.run(["scancel", job], check=False)
        from tests.procs import kill_all
        kill_all(str(out))
