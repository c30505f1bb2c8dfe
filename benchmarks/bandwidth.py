"""Memory-bandwidth ceiling: a STREAM-like triad a = b + s c in numpy, 1 and 2 processes.

FDTD is memory-bound, so this is the ceiling the Meep throughput is judged against, measured
in the same ``make bench`` as the Meep numbers (the machine is shared; a number from another
day says little). The triad is blocked so the temporary ``s c`` stays in cache: main-memory
traffic is then STREAM's count, 24 B per element (read b, read c, write a; the
write-allocate read of ``a`` is not counted, as in STREAM). Arrays are 160 MB each, 5x the
L3 cache. Two processes run the same triad at the same time (mpirun, synchronised by a
barrier); their bandwidth is the sum.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import alternate, emit, median_of, median_ratio, run_worker

N_ELEMENTS = 20_000_000
BLOCK = 32_768
BYTES_PER_ELEMENT = 24
REPEATS = 20


def triad_seconds(a: np.ndarray, b: np.ndarray, c: np.ndarray, scalar: float) -> float:
    """Wall seconds of one blocked triad pass over the arrays."""
    tmp = np.empty(BLOCK)
    t0 = time.perf_counter()
    for i in range(0, a.size, BLOCK):
        j = min(i + BLOCK, a.size)
        t = tmp[: j - i]
        np.multiply(c[i:j], scalar, out=t)
        np.add(b[i:j], t, out=a[i:j])
    return time.perf_counter() - t0


def worker(argv: list[str]) -> None:
    """Best-of-REPEATS triad bandwidth of all ranks together (GB/s), printed by rank 0."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    a, b, c = np.zeros(N_ELEMENTS), np.full(N_ELEMENTS, 1.0), np.full(N_ELEMENTS, 2.0)
    triad_seconds(a, b, c, 3.0)  # touch every page
    best = float("inf")
    for _ in range(REPEATS):
        comm.Barrier()
        t0 = time.perf_counter()
        triad_seconds(a, b, c, 3.0)
        comm.Barrier()
        best = min(best, comm.allreduce(time.perf_counter() - t0, op=MPI.MAX))
    if not np.allclose(a[:: N_ELEMENTS // 7], 7.0):
        raise RuntimeError("triad result wrong")
    if comm.Get_rank() == 0:
        gb = comm.Get_size() * N_ELEMENTS * BYTES_PER_ELEMENT / 1e9
        emit({"gb_s": gb / best, "processes": comm.Get_size(), "seconds": best})


def run(results: dict, ctx) -> None:
    """bandwidth.gb_s_1proc, bandwidth.gb_s_2proc and their ratio (mpi.bandwidth_speedup)."""
    runs = alternate({"1proc": lambda: run_worker("bandwidth", [], ranks=1),
                      "2proc": lambda: run_worker("bandwidth", [], ranks=2)}, ctx.rounds, ctx.log)
    one, two = median_of(runs["1proc"], "gb_s"), median_of(runs["2proc"], "gb_s")
    results["bandwidth.gb_s_1proc"] = one
    results["bandwidth.gb_s_2proc"] = two
    results["mpi.bandwidth_speedup"] = median_ratio(runs["2proc"], runs["1proc"], "gb_s")


if __name__ == "__main__":  # a worker; the benchmark itself runs via benchmarks.run
    import sys

    worker([a for a in sys.argv[1:] if a != "--worker"])
