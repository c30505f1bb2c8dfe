"""Overhead: hotlase's wall time outside Meep's time stepping, and post-processing memory.

From the default study's run files (benchmarks.study, the same run as benchmarks.symmetry):
``1 - stepping_time_s / wall_time_s`` (root attributes; wall time from the writer's creation
to the file's completion: setting up both simulations, collecting spectra, absorption by
material, field maps, writing). Also over the whole command (interpreter and MPI start,
imports, Courant probes included), and where stepping time goes by Meep's own accounting:
Fourier transforms (flux planes, absorption volume, field maps), boundary copying, and the
Python step functions (decay check, progress) = stepping_time_s minus Meep's in-step sinks.
The solver functions outside stepping (absorption by material, field-map writing, setting
up simulations, Courant probes) are timed by wrapping them in the worker (no solver change).
Then the post-processing memory benchmark (benchmarks.postprocess_memory).
"""

from __future__ import annotations

from benchmarks import postprocess_memory
from benchmarks.study import study_run


def run(results: dict, ctx) -> None:
    """overhead.fraction, overhead.fraction_process, Meep time shares; postprocess.*."""
    res, _ = study_run(ctx, "symmetry")
    stepping = res["stepping_time_s"]
    results["overhead.fraction"] = 1 - stepping / res["wall_time_s"]
    results["overhead.fraction_process"] = 1 - stepping / res["process_s"]
    sinks = res["meep_sinks_s"]
    results["overhead.fourier_share_of_stepping"] = sinks["fourier"] / stepping
    results["overhead.boundaries_share_of_stepping"] = sinks["boundaries"] / stepping
    results["overhead.mpi_share_of_stepping"] = (sinks["mpi_all"] + sinks["mpi_one"]) / stepping
    # Meep's "other" sink also runs between steps (spectrum collection before the reset), so the
    # Python step functions' share is what the in-step sinks leave of the stepping time
    in_steps = sum(v for k, v in sinks.items() if k != "other")
    results["overhead.python_share_of_stepping"] = 1 - in_steps / stepping
    wall = res["wall_time_s"]
    for name, seconds in res.get("functions_s", {}).items():
        results[f"overhead.{name.strip('_')}_share_of_wall"] = seconds / wall
    postprocess_memory.run(results, ctx)
