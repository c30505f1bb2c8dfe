"""Slurm end to end on a real one-node cluster started by the test itself.

Setup: ``tests/integration/slurm_cluster.py`` installs Debian's slurm-wlm and munge if needed,
starts munged, slurmctld and slurmd (one node, 2 CPUs) under a temporary directory and waits
until ``sinfo`` shows the node idle. Where that is impossible (not root, no apt, a daemon
refuses to start) every test here skips with the reason.
"""

from __future__ import annotations

import time

import pytest

from slurm_cluster import SlurmCluster, SlurmUnavailable

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster():
    """One cluster for the module; stops only the daemons it started."""
    c = SlurmCluster(cpus=2)
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


def test_job_array_runs_every_task(cluster, tmp_path):
    """A 3-task array with at most 2 at once writes one log per task, each with its index."""
    script = tmp_path / "array.sh"
    script.write_text("#!/bin/bash\n#SBATCH --array=0-2%2\n#SBATCH --ntasks=1\n"
                      f"#SBATCH --output={tmp_path}/%A_%a.out\n"
                      "echo task $SLURM_ARRAY_TASK_ID\n")
    job = cluster.run(["sbatch", "--parsable", str(script)]).stdout.strip()
    _wait_gone(cluster, job, 60)
    got = sorted(p.read_text().strip() for p in tmp_path.glob(f"{job}_*.out"))
    assert got == ["task 0", "task 1", "task 2"], f"measured {got}, expected 3 task logs"
