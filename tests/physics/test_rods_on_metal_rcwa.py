"""Rods standing on metal: hotlase's spectrum against an independent RCWA reference.

Setup: the default rods (CsPbBr3, r 60 nm, h 150 nm, period 300 nm) on 100 nm Ag on SiO2,
normal incidence, x polarisation; square and hexagonal lattices, each directly on the Ag and
on a 10 nm Al2O3 spacer. hotlase: one 3D spectrum run (1 rank, mirror symmetry) at
``RESOLUTION_NM``, 400-700 nm, 61 wavelengths, padding 150 nm, PML 250 nm.
Reference: tests/reference/fmm.py (grcwa RCWA, the disk's exact Fourier series with the
normal-vector rule) with hotlase's OWN eps models, so the comparison tests the FDTD solver
and the geometry, not the material fits; every ``RCWA_STEP_NM`` nm, ``RCWA_HARMONICS``
plane waves.

Tolerance on R, T and A by material (Ag, CsPbBr3), max over the band:
TOL = ACCURACY + RCWA_TRUNCATION, where
- RCWA_TRUNCATION = 0.02: the largest change of R or A anywhere in 400-700 nm of the default
  study between ``RCWA_HARMONICS`` and the converged reference (tests/reference/README.md,
  measured convergence table);
- ACCURACY = 0.03: the accuracy the product promises for the default grid (issue 10 item 4:
  R, T, A within 0.03 of the converged reference over 400-700 nm). A grid-convergence study
  of the Meep side sets how far a given grid is from its own limit; today that ladder does
  not converge for rods on metal (RMS dR 0.37 .. 0.16 between 20 and 7.5 nm, issue 10), so
  no smaller tolerance can be derived from it yet. The lead sets RESOLUTION_NM to the grid
  whose ladder-estimated error is below ACCURACY once the contact is fixed.
R dips (prominence >= 0.03) of the reference: hotlase must have one within DIP_TOL_NM = 5 nm
of each (a 5 nm RCWA sampling refined by a parabola places a dip to ~1 nm; the rest is the
FDTD's grid dispersion, ~(k dx)^2 ~ 1 % of the wavelength at 10 nm grid in n ~ 2.2).

Expected today (issue 10): FAILS for rods on Ag (max |dR| ~0.7 on the default study).
Runtime: per case one 3D run (~30-60 s idle at 10 nm, hexagonal ~1.7x: two rods per
rectangular cell) plus ~20-40 s of RCWA; marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from geometry.study import study_from_dict
from tests.reference import fmm
from tests.reference.compare import compare, dip_shifts, format_comparison

pytestmark = [pytest.mark.physics, pytest.mark.slow,
              pytest.mark.skipif(fmm.grcwa is None, reason=fmm.IMPORT_ERROR or "grcwa missing")]

RESOLUTION_NM = 10.0
RCWA_HARMONICS = 121
RCWA_STEP_NM = 10.0
ACCURACY = 0.03
RCWA_TRUNCATION = 0.02
TOL = ACCURACY + RCWA_TRUNCATION
DIP_TOL_NM = 5.0
MATERIALS = ["Ag", "CsPbBr3"]

CASES = {
    "square": ("square", None),
    "square_spacer": ("square", 10.0),
    "hexagonal": ("hexagonal", None),
    "hexagonal_spacer": ("hexagonal", 10.0),
}


def case_study(lattice: str, spacer_nm: float | None, resolution_nm: float = RESOLUTION_NM):
    structure = {"kind": "rod_array", "lattice": lattice, "period_nm": 300,
                 "rod": {"material": "CsPbBr3", "radius_nm": 60, "height_nm": 150},
                 "metal": {"material": "Ag", "thickness_nm": 100},
                 "substrate": {"material": "SiO2"}}
    if spacer_nm:
        structure["spacer"] = {"material": "Al2O3", "thickness_nm": spacer_nm}
    return study_from_dict({
        "study": {"name": f"rcwa_{lattice}", "run_kinds": ["spectrum"], "compare_no_metal": False},
        "structure": structure,
        "simulation": {"resolution_nm": resolution_nm, "wavelength_min_nm": 400,
                       "wavelength_max_nm": 700, "n_wavelengths": 61, "padding_nm": 150,
                       "pml_nm": 250},
    })


@pytest.mark.parametrize("case", list(CASES))
def test_rods_on_ag_match_rcwa(run_broadband_file, case):
    lattice, spacer = CASES[case]
    study = case_study(lattice, spacer)
    out = run_broadband_file(study, name=case)
    hot = {"wavelength_nm": out["spectrum/wavelength_nm"], "R": out["spectrum/R"],
           "T": out["spectrum/T"],
           **{f"A_{m}": out[f"spectrum/A_by_material/{m}"] for m in MATERIALS}}
    wl = np.arange(400.0, 700.0 + 1e-9, RCWA_STEP_NM)
    ref = fmm.rcwa_spectrum(study, wl, RCWA_HARMONICS)
    c = compare(hot, ref, MATERIALS)
    report = format_comparison(f"{case} at {RESOLUTION_NM:g} nm vs RCWA ({ref['n_harmonics']} "
                               f"plane waves)", c, MATERIALS)
    print(report)
    worst = {q: c[f"max_abs_d{q}"] for q in ["R", "T"] + [f"A_{m}" for m in MATERIALS]}
    shifts = dip_shifts(c["dips_hotlase"], c["dips_rcwa"])
    bad = {q: v for q, v in worst.items() if not v < TOL}
    assert not bad, f"max |hotlase - RCWA| above {TOL} for {bad}\n{report}"
    assert np.all(np.abs(shifts) <= DIP_TOL_NM), (
        f"R dips moved by {shifts} nm (tolerance {DIP_TOL_NM} nm)\n{report}")
