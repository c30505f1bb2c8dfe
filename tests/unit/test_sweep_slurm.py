"""Slurm scripts, queue parsing and point states (no Slurm needed: pure text and files)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hotlase.jobs import slurm
from hotlase.jobs.points import SlurmSpec
from hotlase.jobs.status import format_table, point_state, sweep_status
from hotlase.jobs.state import write_json_atomic

HASHES = ("a1b2c3d4e5", "f6a7b8c9d0", "0123456789")


def _script(**kw) -> str:
    spec = SlurmSpec(**{"time": "00:30:00", "mem": "2G", "array_max_concurrent": 2, **kw})
    return slurm.array_script("radius", Path("/w/out/points"), Path("/w/out/logs"), HASHES, spec,
                              ntasks=2, python="/venv/bin/python")


def test_sbatch_script_has_array_ranks_limits_and_logs():
    text = _script(partition="short", account="proj1", modules=("openmpi/4.1",),
                   setup=("export FOO=1",), sbatch_options=("--qos=low",))
    lines = text.splitlines()
    assert lines[0] == "#!/bin/bash"
    for want in ("#SBATCH --array=0-2%2", "#SBATCH --ntasks=2", "#SBATCH --time=00:30:00",
                 "#SBATCH --mem=2G", "#SBATCH --partition=short", "#SBATCH --account=proj1",
                 "#SBATCH --output=/w/out/logs/%A_%a.out", "#SBATCH --qos=low",
                 "#SBATCH --job-name=hotlase-radius", "module load openmpi/4.1", "export FOO=1"):
        assert want in lines, f"missing line {want!r} in\n{text}"
    # every #SBATCH line comes before the first command (sbatch stops reading at it)
    first_cmd = next(i for i, l in enumerate(lines) if l and not l.startswith("#"))
    assert all(i < first_cmd for i, l in enumerate(lines) if l.startswith("#SBATCH"))
    assert all(f"  {h}" in lines for h in HASHES)
    run = next(l for l in lines if l.startswith("mpirun"))
    assert "$MPIRUN_ROOT" in run and "-np $SLURM_NTASKS" in run and "--oversubscribe" in run
    assert '"$POINT/study.toml"' in run and "--resume" in run and "solvers.run" in run
    assert any("jobs.cli analyze" in l for l in lines)
    assert 'MPIRUN_ROOT="--allow-run-as-root"' in text
    # the ranks watch the batch shell: killed, they stop instead of running on as orphans
    # (tests/integration/test_slurm.py kills it)
    watch = lines.index("export HOTLASE_LAUNCHER_PID=$$")
    assert watch < lines.index(run), text


def test_sbatch_script_is_valid_bash_and_maps_task_to_point(tmp_path):
    text = _script(launcher="srun")
    assert "--partition" not in text and "--account" not in text
    assert "\nsrun --mpi=pmix --ntasks=$SLURM_NTASKS " in text
    assert "\nsrun --ntasks=1 " in _script(launcher="srun", srun_mpi="").replace("$SLURM_NTASKS", "1")
    assert "#SBATCH --array=0-2%2" in text
    assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0
    # run the preamble up to the point selection with task 1: it must pick the second hash
    head = text[:text.index("echo ")] + 'echo "$POINT"\n'
    out = subprocess.run(["bash", "-c", head], text=True, capture_output=True,
                         env={"SLURM_ARRAY_TASK_ID": "1", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == f"/w/out/points/{HASHES[1]}", out.stderr
    no_limit = slurm.array_script("r", Path("/p"), Path("/l"), HASHES[:1], SlurmSpec(), 1)
    assert "#SBATCH --array=0-0\n" in no_limit


def test_arrays_split_at_max_array_size():
    pts = [f"{i:010d}" for i in range(2503)]
    chunks = slurm.split_for_arrays(pts, 1001)
    assert [len(c) for c in chunks] == [1001, 1001, 501]
    assert [h for c in chunks for h in c] == pts


def test_parse_squeue_expands_pending_ranges():
    text = "41_0|RUNNING\n41_[1-3,5%2]|PENDING\n42_7|COMPLETING\nnot a line\n"
    got = slurm.parse_squeue(text)
    want = {"41_0": "RUNNING", "41_1": "PENDING", "41_2": "PENDING", "41_3": "PENDING",
            "41_5": "PENDING", "42_7": "COMPLETING"}
    assert got == want, f"measured {got}, expected {want}"


def test_parse_sacct_keeps_the_first_word_of_the_state():
    got = slurm.parse_sacct("41_0|COMPLETED\n41_1|CANCELLED by 0\n41_2|FAILED\n")
    assert got == {"41_0": "COMPLETED", "41_1": "CANCELLED", "41_2": "FAILED"}, got


@pytest.mark.parametrize("complete, files, job, sstate, want", [
    (True, True, "41_0", "CANCELLED", "complete"),
    (False, True, "41_0", "RUNNING", "running"),
    (False, False, "41_0", "PENDING", "pending"),
    (False, True, "41_0", "CANCELLED", "failed"),
    (False, False, "41_0", "ended", "failed"),
    (False, True, "", "", "failed"),
    (False, False, "", "", "missing"),
])
def test_point_state_combines_files_and_slurm(complete, files, job, sstate, want):
    assert point_state(complete, files, job, sstate) == want


def _complete_point(d: Path, summary: dict | None = None, status: str = "complete") -> None:
    """A point with one synthetic spectrum run file (docs/runfile.md) of ``status``."""
    import json

    import synthetic_runs as syn

    syn.write_run(d / "runs" / "main_spectrum.h5", syn.make_study(), "spectrum", "main", status)
    if summary is not None:
        (d / "summary.json").write_text(json.dumps(summary))


def test_status_reads_files_and_queue(tmp_path, monkeypatch):
    pts = tmp_path / "points"
    _complete_point(pts / HASHES[0], {"x": 1})
    _complete_point(pts / HASHES[1], None, status="failed")
    write_json_atomic(tmp_path / "sweep.json", {
        "parameters": ["structure.rod.radius_nm"], "order": list(HASHES),
        "points": {h: {"structure.rod.radius_nm": 40.0 + 10 * i} for i, h in enumerate(HASHES)}})
    write_json_atomic(tmp_path / "jobs.json", {"submissions": [], "points": {
        h: {"job_id": "41", "task": i} for i, h in enumerate(HASHES)}})
    monkeypatch.setattr(slurm, "queue_states", lambda ids: {"41_2": "PENDING"})
    monkeypatch.setattr(slurm, "accounting_states", lambda ids: None)  # no slurmdbd
    rows = sweep_status(tmp_path)
    got = [(r.state, r.slurm_state, r.job) for r in rows]
    assert got == [("complete", "ended", "41_0"), ("failed", "ended", "41_1"),
                   ("pending", "PENDING", "41_2")], got
    assert rows[1].log == str(tmp_path / "logs" / "41_1.out")
    assert "main_spectrum.h5: status = 'failed'" in rows[1].detail
    table = format_table(rows)
    assert "3 points: 1 complete, 1 pending, 1 failed" in table, table
    assert "radius_nm" in table.splitlines()[0]


def test_status_shows_the_point_a_live_local_runner_is_on(tmp_path, monkeypatch):
    import os

    write_json_atomic(tmp_path / "sweep.json", {
        "parameters": ["p"], "order": list(HASHES[:2]), "points": {h: {"p": 1} for h in HASHES[:2]}})
    write_json_atomic(tmp_path / "local.json", {"pid": os.getpid(), "point": HASHES[1]})
    rows = sweep_status(tmp_path)
    assert [(r.state, r.slurm_state) for r in rows] == [("missing", ""), ("running", "local")]
    dead = subprocess.Popen(["true"])
    dead.wait()
    write_json_atomic(tmp_path / "local.json", {"pid": dead.pid, "point": HASHES[1]})
    rows = sweep_status(tmp_path)  # a runner that died leaves its marker: not running
    assert [r.state for r in rows] == ["missing", "missing"], rows
