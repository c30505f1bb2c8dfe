"""Meep throughput in Mcell-updates/s: vacuum, project Ag, meep.materials.Ag; 1 and 2 ranks.

A periodic 3D box (k = 0, so Meep uses real fields, as the default study does) of
``SIZE_PX``^3 cells at the default 10 nm grid, filled with one medium and driven by a CW point
source. 128^3 = 2.1e6 cells: at least ~100 MB of fields, 3x the 32 MB L3 cache, so the update
streams from memory as in a real run (a 64^3 box fits in L3 and ran at 1.6x the speed a
memory-bound update can reach). Bare ``fields.step()`` calls are timed after a warm-up. All
media use Courant 0.3 (stable for both Ag models at 10 nm; the Courant number does not change
the cost of a step). One cell update = one grid point advanced by one time step.

The metal cost (benchmarks.metal) is the ratio of these numbers, measured in the same rounds.
"""

from __future__ import annotations

import argparse

from benchmarks.common import (alternate, emit, is_rank0, median_of, median_ratio, run_worker,
                               time_steps)

SIZE_PX = 128
RESOLUTION_NM = 10.0
COURANT = 0.3
STEPS = {"vacuum": 100, "ag": 40, "meep_ag": 24}
MEDIA = ("vacuum", "ag", "meep_ag")


def medium(name: str):
    """The Meep medium benchmarked under ``name`` (vacuum, ag = project Ag, meep_ag)."""
    import meep as mp

    if name == "vacuum":
        return mp.Medium(epsilon=1.0)
    if name == "meep_ag":
        from meep.materials import Ag

        return Ag
    from hotlase.geometry.materials.registry import get_material
    from hotlase.solvers.materials import to_meep_medium

    return to_meep_medium(get_material("Ag"))


def filled_box(name: str, size_px: int = SIZE_PX, resolution_nm: float = RESOLUTION_NM,
               courant: float = COURANT, **sim_kwargs):
    """A periodic box of ``size_px``^3 cells filled with the medium, with a CW point source."""
    import meep as mp

    res = 1000.0 / resolution_nm
    side = size_px / res
    src = mp.Source(mp.ContinuousSource(frequency=1000.0 / 500.0), component=mp.Ex,
                    center=mp.Vector3(0.013, 0.007, 0.011))
    return mp.Simulation(cell_size=mp.Vector3(side, side, side), resolution=res,
                         default_material=medium(name), sources=[src], k_point=mp.Vector3(),
                         Courant=courant, **sim_kwargs)


def worker(argv: list[str]) -> None:
    """Time STEPS[medium] steps of the filled box; print Mcell-updates/s (all ranks)."""
    p = argparse.ArgumentParser()
    p.add_argument("--medium", choices=MEDIA, required=True)
    p.add_argument("--size", type=int, default=SIZE_PX)
    p.add_argument("--steps", type=int)
    a = p.parse_args(argv)
    import meep as mp

    mp.verbosity(0)
    steps = a.steps or STEPS[a.medium]
    sim = filled_box(a.medium, a.size)
    seconds = time_steps(sim, steps)
    cells = a.size**3
    if is_rank0():
        emit({"mcells_s": cells * steps / seconds / 1e6, "seconds": seconds, "steps": steps,
              "cells": cells, "ranks": mp.count_processors()})


def run(results: dict, ctx) -> None:
    """throughput.* (1 and 2 ranks) and the raw per-medium numbers benchmarks.metal uses."""
    variants = {}
    for ranks in (1, 2):
        for name in MEDIA:
            variants[f"{name}_{ranks}rank"] = (
                lambda n=name, r=ranks: run_worker("throughput", ["--medium", n], ranks=r))
    runs = alternate(variants, ctx.rounds, ctx.log)
    ctx.shared["throughput_runs"] = runs  # benchmarks.metal pairs them round by round
    for ranks, suffix in ((1, ""), (2, "_2rank")):
        for name, key in (("vacuum", "vacuum"), ("ag", "metal"), ("meep_ag", "meep_ag")):
            results[f"throughput.{key}_mcells_s{suffix}"] = median_of(
                runs[f"{name}_{ranks}rank"], "mcells_s")
    results["throughput.vacuum_2rank_speedup"] = median_ratio(
        runs["vacuum_2rank"], runs["vacuum_1rank"], "mcells_s")
    results["throughput.metal_2rank_speedup"] = median_ratio(
        runs["ag_2rank"], runs["ag_1rank"], "mcells_s")


if __name__ == "__main__":  # a worker; the benchmark itself runs via benchmarks.run
    import sys

    worker([a for a in sys.argv[1:] if a != "--worker"])
