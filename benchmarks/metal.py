"""Metal cost: one metal-cell update relative to one vacuum-cell update, and the fit behind it.

From the throughput rounds (benchmarks.throughput: the same box filled with vacuum, the
project's Ag, meep.materials.Ag, alternated in one run), the cost ratio is
vacuum Mcell-updates/s over metal Mcell-updates/s. Each Drude/Lorentz pole adds a polarisation
field per E component that Meep streams through memory every step, so the ratio grows with
the pole count: the project's Ag is a 2-pole fit (Johnson & Christy), meep.materials.Ag the
6-pole Rakic model. The price of the cheap model is its fit error against the measured data,
reported from the model's ``fit_error`` (max relative |delta eps| / |eps| per band).
"""

from __future__ import annotations


def run(results: dict, ctx) -> None:
    """metal.ratio_to_vacuum (project Ag), metal.meep_ag_ratio_to_vacuum, fit accuracy."""
    if "throughput_runs" not in ctx.shared:
        from benchmarks import throughput

        throughput.run(results, ctx)
    from benchmarks.common import median_ratio

    runs = ctx.shared["throughput_runs"]
    from hotlase.geometry.materials.registry import get_material
    from meep.materials import Ag as meep_ag

    model = get_material("Ag")
    vac = results["throughput.vacuum_mcells_s"]
    # per-round ratios of runs made back to back, median over rounds
    vac_runs = runs["vacuum_1rank"]
    results["metal.ratio_to_vacuum"] = median_ratio(vac_runs, runs["ag_1rank"], "mcells_s")
    results["metal.meep_ag_ratio_to_vacuum"] = median_ratio(vac_runs, runs["meep_ag_1rank"],
                                                            "mcells_s")
    results["metal.project_ag_poles"] = len(model.poles)
    results["metal.meep_ag_poles"] = len(meep_ag.E_susceptibilities)
    results["metal.extra_cost_per_pole"] = (results["metal.ratio_to_vacuum"] - 1) / len(model.poles)
    results["metal.meep_ag_extra_cost_per_pole"] = ((results["metal.meep_ag_ratio_to_vacuum"] - 1)
                                                    / len(meep_ag.E_susceptibilities))
    results["metal.project_ag_model"] = model.name
    bands = model.fit_error
    results["metal.fit_window_nm"] = ([min(b[0] for b in bands), max(b[1] for b in bands)]
                                      if bands else list(model.valid_nm))
    results["metal.fit_max_rel_error"] = max((b[2] for b in model.fit_error), default=float("nan"))
    if "bandwidth.gb_s_1proc" in results:  # bytes streamed per cell update if at the ceiling
        bw = results["bandwidth.gb_s_1proc"] * 1e9
        results["throughput.vacuum_bytes_per_update_at_ceiling"] = bw / (vac * 1e6)
        metal_rate = results["throughput.metal_mcells_s"] * 1e6
        results["throughput.metal_bytes_per_update_at_ceiling"] = bw / metal_rate
