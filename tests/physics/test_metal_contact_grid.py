"""Rods standing on silver: the answer does not depend on where the cell puts the grid.

Setup: the default rod array (CsPbBr3 r 60 h 150 nm, period 300 nm, on 100 nm Ag on SiO2)
at a coarse 20 nm grid, 450-650 nm, 11 wavelengths, spectrum only; the same study with the
padding above and below the structure changed by a quarter, a half and three quarters of a
cell (which moves the structure against the grid when nothing aligns it).
Reference: the discretised structure must be the same in every case (the layers' top, where
the rods meet the metal, sits a quarter cell above a grid plane: solvers.cell.aligned_z_extent),
so R, T and A per material may differ only by the decay stop and the longer free-space path:
0.01 absolute. Before the alignment the contact plane fell on an E sample plane for some
paddings and between planes for others; a sample on the contact is decided by round-off,
and R at 20 nm moved by up to 0.3 between these paddings (the two "families" of the
rods-on-metal grid ladder).
"""

from __future__ import annotations

import dataclasses

import pytest

from hotlase.geometry.study import study_from_dict
from tests.small_study import small_study_toml

pytestmark = [pytest.mark.physics, pytest.mark.slow]


def _study(padding_nm: float):
    import tomllib
    text = small_study_toml(("spectrum",), resolution_nm=20, extra_simulation=(
        "wavelength_min_nm = 450\nwavelength_max_nm = 650\npump_wavelength_nm = 450\nn_wavelengths = 11\n"
        "pml_nm = 300\n"
        f"padding_nm = {padding_nm}\ndecay_by = 1e-5"))
    return study_from_dict(tomllib.loads(text))


def test_spectrum_independent_of_the_structure_position_on_the_grid(run_broadband_file, check):
    runs = {pad: run_broadband_file(_study(pad), name=f"pad{pad:g}") for pad in (200, 205, 210, 215)}
    ref = runs[200]
    keys = ["spectrum/R", "spectrum/T"] + [k for k in ref if k.startswith("spectrum/A_by_material/")]
    assert len(keys) == 4, keys
    for pad, run in runs.items():
        for key in keys if pad != 200 else ():
            check(f"{key.split('/', 1)[1]} pad {pad:g} vs 200 nm", run[key], ref[key], 0.01)
