"""Slurm: sbatch job-array scripts for sweep points, submission and queue queries.

One array task per point, ``--ntasks`` MPI ranks per task, logs in ``DIR/logs/%A_%a.out``.
Only this module runs Slurm commands; each query returns ``None`` when the command is missing
or fails (``sacct`` without slurmdbd, for instance), so callers fall back to the files.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hotlase.jobs.local import clean_mpi_env
from hotlase.jobs.points import SlurmSpec
from hotlase.solvers.collective import LAUNCHER_ENV

DEFAULT_MAX_ARRAY_SIZE = 1001  # Slurm's default MaxArraySize: indices 0..1000
ACTIVE_STATES = ("PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED",
                 "RESIZING", "SIGNALING", "STAGE_OUT")


@dataclass(frozen=True)
class ArrayJob:
    """One sbatch script: a job array over ``points`` (task i runs points[i])."""

    script: Path
    points: tuple[str, ...]
    text: str


def point_command(point_dir: str, ntasks: str | int, launcher: str,
                  python: str = sys.executable, srun_mpi: str = "pmix",
                  cache: str | None = None) -> list[str]:
    """Shell lines that run and analyse one point with ``ntasks`` MPI ranks.

    The ranks are started explicitly by ``launcher`` ("mpirun", with ``--allow-run-as-root``
    when root, or "srun") around the solver command of ``jobs.local.solver_command``;
    ``cache``: the sweep's run cache (``solvers.runcache``), shared by its points.
    """
    from hotlase.jobs.local import solver_command

    solver = solver_command("@STUDY@", "@OUT@", np=1, resume=True,
                            cache="@CACHE@" if cache else None)
    solver[0] = python
    worker = " ".join(shlex.quote(c) for c in solver).replace(
        "@STUDY@", f'"{point_dir}/study.toml"').replace("@OUT@", f'"{point_dir}"').replace(
        "@CACHE@", f'"{cache}"')
    if launcher == "srun":
        mpi = f" --mpi={srun_mpi}" if srun_mpi else ""
        run = f"srun{mpi} --ntasks={ntasks} {worker}"
    else:
        run = f"mpirun $MPIRUN_ROOT -np {ntasks} --oversubscribe {worker}"
    hot = f"{shlex.quote(python)} -m hotlase.jobs.cli"
    return [run, f'{hot} analyze "{point_dir}" > "{point_dir}/analyze.log"']


def array_script(name: str, points_dir: Path, logs_dir: Path, points: Sequence[str],
                 spec: SlurmSpec, ntasks: int, python: str = sys.executable) -> str:
    """The text of an sbatch script running ``points`` as a job array.

    Args:
        name: sweep name (job name ``hotlase-<name>``).
        points_dir: absolute directory holding one sub-directory per point hash.
        logs_dir: absolute directory for ``%A_%a.out`` logs.
        points: point hashes; array task i runs points[i].
        spec: the ``[slurm]`` settings.
        ntasks: MPI ranks per point.
    """
    k = len(points) - 1
    limit = f"%{spec.array_max_concurrent}" if spec.array_max_concurrent else ""
    sb = [f"--job-name=hotlase-{name}", f"--array=0-{k}{limit}", f"--ntasks={ntasks}",
          "--cpus-per-task=1", "--nodes=1", f"--time={spec.time}", f"--mem={spec.mem}",
          f"--output={logs_dir}/%A_%a.out", "--open-mode=append"]
    if spec.partition:
        sb.append(f"--partition={spec.partition}")
    if spec.account:
        sb.append(f"--account={spec.account}")
    sb.extend(spec.sbatch_options)
    from hotlase.solvers.runcache import CACHE_DIR

    run, analyze = point_command("$POINT", "$SLURM_NTASKS", spec.launcher, python,
                                 spec.srun_mpi, cache=str(points_dir.parent / CACHE_DIR))
    lines = [
        "#!/bin/bash",
        f"# hotlase sweep {name!r}: {len(points)} point(s), one array task each, "
        f"{ntasks} MPI rank(s) per point.",
        "# Written by `hotlase sweep --scheduler slurm`; `hotlase status DIR` follows it.",
        *(f"#SBATCH {o}" for o in sb),
        "",
        "set -euo pipefail",
        *(f"module load {shlex.quote(m)}" for m in spec.modules),
        *spec.setup,
        "",
        "# array task i -> point directory (named by the hash of its study)",
        "POINTS=(",
        *(f"  {h}" for h in points),
        ")",
        f'POINT="{points_dir}/${{POINTS[$SLURM_ARRAY_TASK_ID]}}"',
        "export OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1",
        "# the ranks watch this batch shell as their launcher (solvers.collective.watch_launcher):",
        "# killed (kill -9 included), they mark their files and stop instead of running on as",
        "# orphans that a proctrack without cgroups does not end; all ranks are on this node",
        f"export {LAUNCHER_ENV}=$$",
        'MPIRUN_ROOT=""; [ "$(id -u)" = 0 ] && MPIRUN_ROOT="--allow-run-as-root"',
        'echo "hotlase: point $POINT on $(hostname) with $SLURM_NTASKS rank(s), '
        'job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}, start $(date -u +%FT%TZ)"',
        run,
        analyze,
        'echo "hotlase: point $POINT complete $(date -u +%FT%TZ)"',
        "",
    ]
    return "\n".join(lines)


def split_for_arrays(points: Sequence[str], max_array_size: int) -> list[tuple[str, ...]]:
    """Chunks of at most ``max_array_size`` points (array indices 0..MaxArraySize-1)."""
    size = max(1, max_array_size)
    return [tuple(points[i:i + size]) for i in range(0, len(points), size)]


def _run(cmd: list[str], timeout_s: float = 30.0) -> subprocess.CompletedProcess | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=clean_mpi_env())
    except (OSError, subprocess.TimeoutExpired):
        return None


def max_array_size() -> int:
    """The cluster's MaxArraySize (``scontrol show config``), Slurm's default if unknown."""
    done = _run(["scontrol", "show", "config"])
    if done is not None and done.returncode == 0:
        m = re.search(r"^MaxArraySize\s*=\s*(\d+)", done.stdout, re.M)
        if m:
            return int(m.group(1))
    return DEFAULT_MAX_ARRAY_SIZE


def submit(script: Path) -> str:
    """``sbatch --parsable SCRIPT``; returns the job id.

    Raises:
        RuntimeError: sbatch is missing or refused the script (its message included).
    """
    done = _run(["sbatch", "--parsable", str(script)], timeout_s=60)
    if done is None:
        raise RuntimeError("sbatch not found (is Slurm installed and on PATH?)")
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines() or ["no message"]
        raise RuntimeError(f"sbatch {script} failed: {lines[-1].strip()}")
    return done.stdout.strip().split(";")[0]  # "<id>" or "<id>;<cluster>"


def parse_squeue(text: str) -> dict[str, str]:
    """{"<job>_<task>": STATE} from ``squeue -h -r -o %i|%T`` output.

    Pending array ranges (``12_[3-5%2]``) are expanded into their tasks.
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        if "|" not in line:
            continue
        jid, state = (s.strip() for s in line.split("|", 1))
        _add_state(out, jid, state.split()[0] if state else "")
    return out


def parse_sacct(text: str) -> dict[str, str]:
    """{"<job>_<task>": STATE} from ``sacct -n -P -X -o JobID,State`` output."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 2 or not parts[0]:
            continue
        _add_state(out, parts[0], parts[1].split()[0] if parts[1] else "")
    return out


def _add_state(out: dict[str, str], jid: str, state: str) -> None:
    """Record a state for a job id; a pending array range ``123_[0-4%2]`` names every task."""
    m = re.fullmatch(r"(\d+)_\[(.+)\]", jid)
    if m:
        for task in _expand_range(m.group(2).split("%")[0]):
            out[f"{m.group(1)}_{task}"] = state
    else:
        out[jid] = state


def _expand_range(spec: str) -> list[int]:
    tasks: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            tasks.extend(range(int(a), int(b) + 1))
        elif part.strip().isdigit():
            tasks.append(int(part))
    return tasks


def queue_states(job_ids: Sequence[str]) -> dict[str, str] | None:
    """Live states of the array tasks of ``job_ids`` from squeue; None if squeue is unusable."""
    if not job_ids:
        return {}
    done = _run(["squeue", "-h", "-r", "-j", ",".join(job_ids), "-o", "%i|%T"])
    if done is None:
        return None
    if done.returncode != 0:
        # squeue errors for job ids it no longer knows ("Invalid job id"): nothing queued
        return {} if "Invalid job id" in done.stderr else None
    return parse_squeue(done.stdout)


def accounting_states(job_ids: Sequence[str]) -> dict[str, str] | None:
    """Final states from sacct; None when accounting is unavailable (no slurmdbd)."""
    if not job_ids:
        return {}
    done = _run(["sacct", "-n", "-P", "-X", "-j", ",".join(job_ids), "-o", "JobID,State"])
    if done is None or done.returncode != 0:
        return None
    return parse_sacct(done.stdout)


def cancel(job: str) -> bool:
    """``scancel JOB`` (a job id or ``<id>_<task>``); True if scancel accepted it."""
    done = _run(["scancel", job])
    return done is not None and done.returncode == 0
