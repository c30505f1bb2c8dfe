"""MPI: 2-rank speedup of the default structure beside the 2-process bandwidth speedup.

FDTD is memory-bound, so two ranks on one machine can at best gain what two processes gain
on a memory triad (benchmarks.bandwidth, same ``make bench``): efficiency is the Meep
speedup divided by that bandwidth speedup. The structure is the default study's cell set
up exactly as ``solvers.broadband`` sets it up (plane-wave source, mirror symmetries, k = 0,
chosen Courant number), stepped a fixed number of bare steps without monitors. One chunk
layout alternative is compared on 2 ranks: ``split_chunks_evenly=False`` (Meep splits by
estimated cost, so the metal's extra work is balanced). The empty cell (the normalisation
run's cell, vacuum only) on 1 rank shows what the materials add, and the same structure with
constant-index rod and substrate (only Ag dispersive) shows what the dielectrics' poles cost.
"""

from __future__ import annotations

import argparse

from benchmarks.common import (alternate, emit, is_rank0, median_of, median_ratio, run_worker,
                               time_steps)

STEPS = 1200
LAYOUTS = ("even", "uneven")


def default_simulation(empty: bool = False, const_dielectrics: bool = False):
    """The default study's structure (or empty) cell as solvers.broadband builds it."""
    import meep as mp

    from benchmarks.study import load_variant
    from hotlase.geometry.build import build
    from hotlase.solvers.cell import (band_frequencies, make_frame, make_simulation, mirror_symmetries,
                              plane_wave_source)

    study = load_variant(const_dielectrics=const_dielectrics)
    layout = build(study.structure)
    frame = make_frame(study, layout)
    f_cen, f_width, _ = band_frequencies(study)
    sources, component = plane_wave_source(study, frame, f_cen, f_width)
    syms = mirror_symmetries(layout, frame, component)
    sim, frame, _ = make_simulation(study, sources=sources, symmetries=syms, k_point=mp.Vector3(),
                                    empty=empty, layout=layout)
    return sim, frame


def worker(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--layout", choices=LAYOUTS, default="even")
    p.add_argument("--empty", action="store_true")
    p.add_argument("--const-dielectrics", action="store_true")
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--num-chunks", type=int, default=0)
    a = p.parse_args(argv)
    import meep as mp

    mp.verbosity(0)
    sim, frame = default_simulation(a.empty, a.const_dielectrics)
    if a.layout == "uneven":
        sim.split_chunks_evenly = False  # read by Simulation._init_structure
    if a.num_chunks:
        sim.num_chunks = a.num_chunks
    seconds = time_steps(sim, a.steps)
    if is_rank0():
        emit({"ms_per_step": 1e3 * seconds / a.steps, "ranks": mp.count_processors(),
              "courant": frame.courant})


def run(results: dict, ctx) -> None:
    """mpi.speedup, mpi.efficiency_vs_bandwidth, the chunk-layout comparison."""
    if "mpi.bandwidth_speedup" not in results:
        from benchmarks import bandwidth

        bandwidth.run(results, ctx)
    runs = alternate({
        "1rank": lambda: run_worker("mpi", [], ranks=1),
        "2rank": lambda: run_worker("mpi", [], ranks=2),
        "2rank_uneven": lambda: run_worker("mpi", ["--layout", "uneven"], ranks=2),
        "1rank_empty": lambda: run_worker("mpi", ["--empty"], ranks=1),
        "1rank_const_dielectrics": lambda: run_worker("mpi", ["--const-dielectrics"], ranks=1),
    }, ctx.rounds, ctx.log)
    one, two = median_of(runs["1rank"], "ms_per_step"), median_of(runs["2rank"], "ms_per_step")
    uneven = median_of(runs["2rank_uneven"], "ms_per_step")
    results["mpi.ms_per_step_1rank"] = one
    results["mpi.ms_per_step_2rank"] = two
    results["mpi.speedup"] = median_ratio(runs["1rank"], runs["2rank"], "ms_per_step")
    results["mpi.efficiency_vs_bandwidth"] = (results["mpi.speedup"]
                                              / results["mpi.bandwidth_speedup"])
    results["mpi.ms_per_step_2rank_uneven"] = uneven
    ms = "ms_per_step"
    results["mpi.uneven_chunks_speedup"] = median_ratio(runs["1rank"], runs["2rank_uneven"], ms)
    # > 1: split_chunks_evenly=False is faster than Meep's default even split
    results["mpi.uneven_chunks_vs_even"] = median_ratio(runs["2rank"], runs["2rank_uneven"], ms)
    # where a step's time goes (1 rank): the empty cell is the normalisation run's vacuum cell
    results["structure.step_vs_empty_cell"] = median_ratio(runs["1rank"], runs["1rank_empty"], ms)
    results["structure.dielectric_poles_share"] = 1 - 1 / median_ratio(
        runs["1rank"], runs["1rank_const_dielectrics"], "ms_per_step")


if __name__ == "__main__":  # a worker; the benchmark itself runs via benchmarks.run
    import sys

    worker([a for a in sys.argv[1:] if a != "--worker"])
