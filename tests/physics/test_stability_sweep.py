"""Every kind of study the examples and docs offer runs stable and energy-balanced (issue 16).

Setup: ``solvers.run.main`` (1 MPI rank) on small studies covering the structure kinds
(film_stack in 1D, rod_array in 3D on square and hexagonal lattices, wire_on_metal in 2D),
every registry metal (Ag, Au, Cu, Al), every spacer dielectric (SiO2, Al2O3, MgF2, LiF, and
none), every perovskite (CsPbBr3, CsPbCl3, CsPbI3), at the 10 and 20 nm grids the examples
and docs use; 11 wavelengths over 400-700 nm, thin padding and PML, decay_by 1e-4. Each
Courant number comes from ``stability.choose_courant`` (every material, pair and PML probe).
Reference: a passive structure conserves energy, R + T + sum A_material = 1 (Poynting's
theorem), and its fields never grow after the pulse (the run's growth check would mark it
failed). Tolerance: |R + T + A - 1| <= 0.05 (the default study's runs: 0.002-0.010 at 10 nm;
a 20 nm rod array on metal: up to 0.03 measured here). The modes and emitter runs of the 2D
wire have no balance to check: they must end ``complete`` (no growth, no NaN).
"""

from __future__ import annotations

import warnings

import h5py
import pytest

from hotlase.solvers.run import main as run_main

pytestmark = [pytest.mark.physics, pytest.mark.slow]

BALANCE_TOL = 0.05
SIM = """
[simulation]
resolution_nm = {res}
n_wavelengths = 11
padding_nm = 150
pml_nm = 200
decay_by = 1e-4
max_time_fs = 200
"""


def _film(metal, spacer, perovskite, res):
    return f"""
[study]
name = "film"
run_kinds = ["spectrum"]
compare_no_metal = false
[structure]
kind = "film_stack"
layers = [{{material = "{perovskite}", thickness_nm = 60}}, {{material = "{spacer}", thickness_nm = 20}},
          {{material = "{metal}", thickness_nm = 60}}]
[structure.substrate]
material = "SiO2"
""" + SIM.format(res=res)


def _rods(lattice, metal, spacer, perovskite, res):
    spacer_table = f'[structure.spacer]\nmaterial = "{spacer}"\nthickness_nm = 20\n' if spacer else ""
    return f"""
[study]
name = "rods"
run_kinds = ["spectrum"]
compare_no_metal = false
[structure]
kind = "rod_array"
lattice = "{lattice}"
period_nm = 300
[structure.rod]
material = "{perovskite}"
radius_nm = 60
height_nm = 120
{spacer_table}[structure.metal]
material = "{metal}"
thickness_nm = 60
[structure.substrate]
material = "SiO2"
""" + SIM.format(res=res)


def _wire(metal, spacer, res):
    return f"""
[study]
name = "wire"
run_kinds = ["modes", "emitter"]
compare_no_metal = false
[structure]
kind = "wire_on_metal"
radius_nm = 60
cell_width_nm = 400
[structure.spacer]
material = "{spacer}"
thickness_nm = 20
[structure.metal]
material = "{metal}"
thickness_nm = 60
""" + SIM.format(res=res)


CASES = {
    "film Ag SiO2 CsPbBr3 10nm": _film("Ag", "SiO2", "CsPbBr3", 10),
    "film Au Al2O3 CsPbCl3 10nm": _film("Au", "Al2O3", "CsPbCl3", 10),
    "film Cu MgF2 CsPbI3 20nm": _film("Cu", "MgF2", "CsPbI3", 20),
    "film Al LiF CsPbBr3 20nm": _film("Al", "LiF", "CsPbBr3", 20),
    "rods square Ag 20nm": _rods("square", "Ag", None, "CsPbBr3", 20),
    "rods square Au Al2O3 20nm": _rods("square", "Au", "Al2O3", "CsPbBr3", 20),
    "rods hexagonal Ag 20nm": _rods("hexagonal", "Ag", None, "CsPbBr3", 20),
    "rods hexagonal Au Al2O3 20nm": _rods("hexagonal", "Au", "Al2O3", "CsPbBr3", 20),
    "rods hexagonal Cu MgF2 CsPbI3 20nm": _rods("hexagonal", "Cu", "MgF2", "CsPbI3", 20),
    "rods square Al LiF CsPbCl3 20nm": _rods("square", "Al", "LiF", "CsPbCl3", 20),
    "wire Ag MgF2 20nm": _wire("Ag", "MgF2", 20),
    "wire Au Al2O3 20nm": _wire("Au", "Al2O3", 20),
}


SHEET_BALANCE = pytest.mark.xfail(strict=True, reason=(
    "issue 10: with the contact sheets (geometry.contact) rods on Ag at 20 nm with this thin "
    "padding balance to 0.0512, just over 0.05 (0.045 before the sheets; the default study at "
    "10 nm: 0.006, main variant, 2026-12-07). Stable, no growth; the balance of the coarse sheet grid is open"))


@pytest.mark.parametrize("name", [pytest.param(n, marks=SHEET_BALANCE if n == "rods square Ag 20nm"
                                               else ()) for n in CASES])
def test_offered_study_is_stable_and_balanced(tmp_path, name):
    study = tmp_path / "study.toml"
    study.write_text(CASES[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = run_main([str(study), "--out", str(tmp_path / "out")])
    files = sorted((tmp_path / "out" / "runs").glob("main_*.h5"))
    assert files, "no run file written"
    for path in files:
        with h5py.File(path, "r") as f:
            status, message = f.attrs["status"], f.attrs["message"]
            assert status == "complete", f"{name} {path.name}: {status}: {message}"
            if "spectrum" in f:
                err = float(f["spectrum"].attrs["energy_balance_max_error"])
                print(f"{name}: balance {err:.3g}, Courant {f.attrs['courant']}, "
                      f"symmetries {f.attrs['symmetries']}, {f.attrs['meep_time_fs']:.0f} fs")
                assert err <= BALANCE_TOL, f"{name}: energy balance error {err:.3g} > {BALANCE_TOL}"
    assert code == 0
