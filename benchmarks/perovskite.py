"""Perovskite model cost: Meep time per step of a box filled with each CsPbBr3 model vs vacuum.

Each Lorentz pole adds a polarisation field per E component that Meep updates and streams
through memory every step (Meep docs "Materials", susceptibilities), so a model that follows
the band edge with many narrow poles costs time in every perovskite voxel. This benchmark
measures that cost directly: a periodic 3D box of ``SIZE_PX``^3 cells at the default 10 nm
grid (k = 0, real fields, as in benchmarks.throughput) is filled with vacuum, a
non-dispersive medium of the same index, and each built-in CsPbBr3 model; bare
``fields.step()`` calls are timed after a warm-up (benchmarks.common.time_steps), variants
alternating round by round. Reported: seconds per step and the ratio to vacuum of each
model, and the extra cost per pole, (ratio(model) - ratio(non-dispersive)) / poles, from the
model with the most poles; and the default study's step with the band-edge model against
the 3-pole one. 64^3 cells keep the many-pole models' polarisation fields
(~25 MB per pole) within memory on the shared machine; the box is larger than the L2 cache
but for few poles fits the L3, so ratios are a lower bound of the memory-bound case.

    .venv/bin/python -m benchmarks.run --only perovskite      # via the benchmark runner
"""

from __future__ import annotations

import argparse

from benchmarks.common import alternate, emit, is_rank0, median_of, median_ratio, run_worker, \
    time_steps

SIZE_PX = 64
RESOLUTION_NM = 10.0
COURANT = 0.3  # stable for every CsPbBr3 model at 5-20 nm (solvers.stability); cost is per step


def model_names() -> list[str]:
    """The CsPbBr3 models compared: every built-in model fitted to Brennan's table."""
    from geometry.materials.perovskites import PEROVSKITE_CHOICES

    return list(PEROVSKITE_CHOICES["CsPbBr3"])


def medium(name: str):
    """Meep medium for ``vacuum``, ``constant`` (eps 4.84, no poles) or a registry model."""
    import meep as mp

    if name == "vacuum":
        return mp.Medium(epsilon=1.0)
    if name == "constant":
        return mp.Medium(epsilon=4.84)
    from geometry.materials.registry import get_material
    from solvers.materials import to_meep_medium

    return to_meep_medium(get_material(name))


def worker(argv: list[str]) -> None:
    """Time ``--steps`` steps of the filled box; print seconds per step (rank 0)."""
    p = argparse.ArgumentParser()
    p.add_argument("--medium", required=True)
    p.add_argument("--size", type=int, default=SIZE_PX)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--fill", type=float, default=1.0,
                   help="volume fraction of the medium: a rod (height side/2) in vacuum")
    p.add_argument("--study", action="store_true",
                   help="time the default study's cell with this rod model instead of a box")
    a = p.parse_args(argv)
    import math

    import meep as mp

    mp.verbosity(0)
    if a.study:
        from benchmarks.mpi import default_simulation

        sim, _ = default_simulation(rod_material=a.medium)
        seconds = time_steps(sim, a.steps)
        if is_rank0():
            emit({"s_per_step": seconds / a.steps, "steps": a.steps})
        return
    res = 1000.0 / RESOLUTION_NM
    side = a.size / res
    src = mp.Source(mp.ContinuousSource(frequency=1000.0 / 600.0), component=mp.Ex,
                    center=mp.Vector3(0.013, 0.007, 0.011))
    fill = {"default_material": medium(a.medium)}
    if a.fill < 1.0:  # pi r^2 (side / 2) = fill side^3
        rod = mp.Cylinder(radius=side * math.sqrt(2.0 * a.fill / math.pi), height=side / 2,
                          material=medium(a.medium))
        fill = {"geometry": [rod]}
    sim = mp.Simulation(cell_size=mp.Vector3(side, side, side), resolution=res, sources=[src],
                        k_point=mp.Vector3(), Courant=COURANT, **fill)
    seconds = time_steps(sim, a.steps)
    if is_rank0():
        emit({"s_per_step": seconds / a.steps, "steps": a.steps, "cells": a.size**3})


def run(results: dict, ctx) -> None:
    """perovskite.<model>.ratio_to_vacuum, .poles, perovskite.extra_cost_per_pole and
    perovskite.default_study_step_ratio_14_vs_3_poles."""
    from geometry.materials.registry import get_material

    names = ["vacuum", "constant", *model_names()]
    variants = {n: (lambda n=n: run_worker("perovskite", ["--medium", n])) for n in names}
    runs = alternate(variants, ctx.rounds, ctx.log)
    results["perovskite.vacuum_s_per_step"] = median_of(runs["vacuum"], "s_per_step")
    results["perovskite.constant_ratio_to_vacuum"] = median_ratio(runs["constant"],
                                                                  runs["vacuum"], "s_per_step")
    for name in names[2:]:
        results[f"perovskite.{name}.ratio_to_vacuum"] = median_ratio(runs[name], runs["vacuum"],
                                                                     "s_per_step")
        results[f"perovskite.{name}.poles"] = len(get_material(name).poles)
    # the default study's cell (rods on Ag on SiO2, 1 rank): the band-edge model vs the
    # 3-pole one; Meep keeps polarisation arrays for whole chunks, so the rods' poles are
    # paid over most of the cell, not only in the rods (7 % of it)
    study_models = ["CsPbBr3_Brennan", "CsPbBr3_Brennan_3pole"]
    study_runs = alternate({n: (lambda n=n: run_worker(
        "perovskite", ["--medium", n, "--study", "--steps", "200"])) for n in study_models},
        ctx.rounds, ctx.log)
    results["perovskite.default_study_step_ratio_14_vs_3_poles"] = median_ratio(
        study_runs["CsPbBr3_Brennan"], study_runs["CsPbBr3_Brennan_3pole"], "s_per_step")
    most = max(names[2:], key=lambda n: len(get_material(n).poles))
    results["perovskite.extra_cost_per_pole"] = (
        (results[f"perovskite.{most}.ratio_to_vacuum"]
         - results["perovskite.constant_ratio_to_vacuum"]) / len(get_material(most).poles))


if __name__ == "__main__":  # a worker; the benchmark itself runs via benchmarks.run
    import sys

    worker([a for a in sys.argv[1:] if a != "--worker"])
