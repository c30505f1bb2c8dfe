"""Mirror symmetry: the default study (spectrum + fields, main variant) with and without it.

Both runs go through hotlase's solver (benchmarks.study worker); the only difference is
``simulation.symmetry`` (dataclasses.replace). With the x-polarised normal-incidence plane
wave on the square rod array, two mirror planes apply, so Meep steps a quarter of the cell.
Reported: the wall-time ratio of the solver runs, the stepping-time ratio, and the largest
|R difference| over the 121 study wavelengths (symmetry must not change the answer).
The runs are long, so they are not repeated in rounds; instead the symmetric run is made
before and after the full one and their mean is used, so a drift of the machine's load
cancels to first order.
"""

from __future__ import annotations

import numpy as np

from benchmarks.study import read_r, study_run


def run(results: dict, ctx) -> None:
    """symmetry.speedup, symmetry.stepping_speedup, symmetry.max_abs_dR."""
    sym, sym_dir = study_run(ctx, "symmetry")
    full, full_dir = study_run(ctx, "no_symmetry", ["--no-symmetry"])
    again, _ = study_run(ctx, "symmetry_after_full")  # before and after: load drift cancels
    run_s = (sym["run_s"] + again["run_s"]) / 2
    stepping_s = (sym["stepping_time_s"] + again["stepping_time_s"]) / 2
    results["symmetry.speedup"] = full["run_s"] / run_s
    results["symmetry.stepping_speedup"] = full["stepping_time_s"] / stepping_s
    _, r_sym = read_r(sym_dir)
    _, r_full = read_r(full_dir)
    results["symmetry.max_abs_dR"] = float(np.max(np.abs(r_sym - r_full)))
    results["symmetry.run_s_with"] = [sym["run_s"], again["run_s"]]
    results["symmetry.run_s_without"] = full["run_s"]
