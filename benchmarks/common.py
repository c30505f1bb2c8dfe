"""Shared machinery of the benchmarks: workers in subprocesses, alternating rounds, medians.

Every measurement runs in a fresh subprocess (plain ``python`` for one rank, ``mpirun -np 2``
for two), so the orchestrator never imports meep and no MPI state leaks between variants.
A worker prints one line ``BENCH_JSON {...}`` that the orchestrator parses. Variants that are
compared run in the same ``make bench`` invocation, alternating round by round (the order is
reversed every other round so slow drifts of the machine load cancel), and each reported
number is the median over rounds.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
MPIRUN = ("mpirun", "--allow-run-as-root", "--oversubscribe", "-np")
TAG = "BENCH_JSON "


class WorkerError(RuntimeError):
    """A benchmark subprocess failed; the message carries its command and stderr tail."""


def worker_command(module: str, args: list[str], ranks: int = 1) -> list[str]:
    """The command line running ``benchmarks.<module>`` as a worker on ``ranks`` MPI ranks."""
    cmd = [PY, "-m", f"benchmarks.{module}", "--worker", *args]
    return [*MPIRUN, str(ranks), *cmd] if ranks > 1 else cmd


def run_worker(module: str, args: list[str], ranks: int = 1, timeout_s: float = 1800) -> dict:
    """Run a worker and return the dict it printed after ``BENCH_JSON``, plus ``process_s``.

    Raises:
        WorkerError: non-zero exit or no result line (stderr tail in the message).
    """
    cmd = worker_command(module, args, ranks)
    env = dict(os.environ, OMPI_MCA_rmaps_base_oversubscribe="1", PYTHONUNBUFFERED="1")
    env.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s)
    process_s = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(TAG)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise WorkerError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    result = json.loads(lines[-1][len(TAG):])
    result["process_s"] = process_s  # the whole command: interpreter, imports, MPI start
    return result


def emit(result: dict) -> None:
    """Worker side: print the result line (call on one process only)."""
    print(TAG + json.dumps(result), flush=True)


def alternate(variants: dict[str, Callable[[], dict]], rounds: int,
              log=print) -> dict[str, list[dict]]:
    """Run each variant once per round, alternating, the order reversed every other round.

    Returns:
        {variant name: [result of round 0, round 1, ...]}.
    """
    names = list(variants)
    out: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            t0 = time.perf_counter()
            res = variants[name]()
            out[name].append(res)
            seconds = time.perf_counter() - t0
            log(f"    round {r + 1}/{rounds} {name}: {short(res)} ({seconds:.0f} s)")
    return out


def median_of(results: list[dict], key: str) -> float:
    """Median over rounds of one numeric field."""
    return float(statistics.median(float(r[key]) for r in results))


def median_ratio(top: list[dict], bottom: list[dict], key: str) -> float:
    """Median over rounds of top[r][key] / bottom[r][key]: each ratio pairs two runs made
    back to back, so a change of the machine's load between rounds cancels."""
    return float(statistics.median(float(a[key]) / float(b[key]) for a, b in zip(top, bottom)))


def short(res: dict) -> str:
    """A one-line summary of a worker result for the log."""
    items = [f"{k}={v:.4g}" for k, v in res.items()
             if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return ", ".join(items[:5])


def mpi_max(value: float) -> float:
    """Max of ``value`` over MPI ranks (the slowest rank sets a parallel step's time)."""
    from mpi4py import MPI

    return MPI.COMM_WORLD.allreduce(value, op=MPI.MAX)


def barrier() -> None:
    """MPI barrier (no-op cost on one rank)."""
    from mpi4py import MPI

    MPI.COMM_WORLD.Barrier()


def is_rank0() -> bool:
    """True on MPI rank 0."""
    from mpi4py import MPI

    return MPI.COMM_WORLD.Get_rank() == 0


def time_steps(sim, steps: int, warmup: int = 10) -> float:
    """Wall seconds for ``steps`` bare Meep time steps (slowest rank), after a warm-up.

    Steps go straight to ``sim.fields.step()``, so Python step functions, run conditions and
    progress lines are excluded: this is Meep's update loop only (plus any DFT monitors).
    """
    if sim.fields is None:
        sim.init_sim()
    for _ in range(warmup):
        sim.fields.step()
    barrier()
    t0 = time.perf_counter()
    for _ in range(steps):
        sim.fields.step()
    barrier()
    return mpi_max(time.perf_counter() - t0)


class Context:
    """What every benchmark's ``run(results, ctx)`` gets: rounds, log, a work directory and a
    cache shared between benchmarks (e.g. the default-study runs that symmetry, end-to-end
    and overhead all use, so each is run once per ``make bench``)."""

    def __init__(self, workdir: Path, rounds: int = 3, log=print):
        self.workdir = Path(workdir)
        self.rounds = rounds
        self.log = log
        self.shared: dict = {}
