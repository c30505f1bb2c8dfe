"""The default rod array on Ag as a small TOML study for fast runs in tests."""

from __future__ import annotations


def small_study_toml(run_kinds=("spectrum",), *, resolution_nm: float = 20, compare_no_metal: bool = False,
                     extra_simulation: str = "") -> str:
    """CsPbBr3 rods (r 60, h 150 nm, period 300 nm) on 100 nm Ag at a coarse grid."""
    kinds = ", ".join(f'"{k}"' for k in run_kinds)
    return f"""
[study]
name = "small"
run_kinds = [{kinds}]
compare_no_metal = {str(compare_no_metal).lower()}
[structure]
kind = "rod_array"
period_nm = 300
[structure.rod]
material = "CsPbBr3"
radius_nm = 60
height_nm = 150
[structure.metal]
material = "Ag"
thickness_nm = 100
[simulation]
resolution_nm = {resolution_nm}
{extra_simulation}
"""


def radius_sweep_toml(study, radii_nm, *, decay_by: float, max_time_fs: float,
                      resolution_nm: float, extra: str = "") -> str:
    """A sweep of the rod radius over ``study`` (a study file path): spectrum only, no twin,
    11 wavelengths, thin padding and PML, 2 MPI ranks per point; ``extra`` adds sections."""
    return f"""\
[sweep]
study = "{study}"
mode = "product"
[sweep.parameters]
"structure.rod.radius_nm" = {list(radii_nm)}
[sweep.fixed]
"study.run_kinds" = ["spectrum"]
"study.compare_no_metal" = false
"simulation.n_wavelengths" = 11
"simulation.padding_nm" = 150
"simulation.pml_nm" = 250
"simulation.decay_by" = {decay_by!r}
"simulation.max_time_fs" = {max_time_fs!r}
[run]
np = 2
resolution_nm = {resolution_nm!r}
{extra}"""


def film_study_toml(run_kinds=("spectrum", "fields"), *, long: bool = False,
                    fixed_time_fs: float | None = None) -> str:
    """A 1D CsPbBr3 (100 nm) on Ag (60 nm) film over SiO2 with its no-metal twin: 4 run files
    (main and no_metal, spectrum and fields) in 4 s (idle) to 15 s (loaded) with 2 ranks.
    ``fixed_time_fs``: fields never count as decayed, every run lasts this long; ``long``:
    1e5 fs, so the run is still going when a test signals it."""
    kinds = ", ".join(f'"{k}"' for k in run_kinds)
    if long:
        fixed_time_fs = 1e5
    stop = f"decay_by = 1e-60\nmax_time_fs = {fixed_time_fs}\n" if fixed_time_fs else ""
    return f"""
[study]
name = "film"
run_kinds = [{kinds}]
compare_no_metal = true
[structure]
kind = "film_stack"
layers = [{{material = "CsPbBr3", thickness_nm = 100}}, {{material = "Ag", thickness_nm = 60}}]
[structure.substrate]
material = "SiO2"
[simulation]
resolution_nm = 10
n_wavelengths = 11
padding_nm = 150
pml_nm = 250
{stop}"""
