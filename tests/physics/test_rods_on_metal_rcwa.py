"""Rods standing on metal: hotlase's spectrum against an independent RCWA reference.

Setup: the default rods (CsPbBr3, r 60 nm, h 150 nm, period 300 nm) on 100 nm Ag on SiO2,
normal incidence, x polarisation; square and hexagonal lattices, each directly on the Ag and
on a 10 nm Al2O3 spacer; and, as a control that the comparison can pass, the square rods on
the SiO2 without Ag (the default study's no-metal twin). hotlase: one 3D spectrum run (1 rank, mirror symmetry) at
``RESOLUTION_NM``, 400-700 nm, 61 wavelengths, the default padding (300 nm) and PML (400 nm):
with 150/250 nm the same 10 nm grid gave another spectrum on Ag (R dips 428/516 nm instead of
493/521/545; RCWA 485/519), so the test runs the settings users get.
Reference: tests/reference/fmm.py (grcwa RCWA, the disk's exact Fourier series with the
normal-vector rule) with hotlase's OWN eps models, so the comparison tests the FDTD solver
and the geometry, not the material fits; every ``RCWA_STEP_NM`` nm, ``RCWA_HARMONICS``
plane waves. The CsPbBr3 rods over 400-700 nm run split into the per-band models' windows
(400-520, 520-530, 530-700 nm, geometry/subbands.py) and the reference takes at each
wavelength the model that served it (``subbands.served_eps``).

Tolerance on R, T and A by material (Ag, CsPbBr3), at every RCWA wavelength:
TOL = ACCURACY + RCWA_TRUNCATION(wavelength), where
- RCWA_TRUNCATION: how far the reference at RCWA_HARMONICS (97 requested) plane waves is
  from its own limit. Measured, max change of R, T, A_Ag, A_CsPbBr3 (10 nm steps):
    square: 89 -> 253 plane waves: <= 0.009 above 430 nm; up to 0.064 at 400-430 nm;
    hexagonal: 91 -> 199: <= 0.012 above 430 nm, 0.019 at 400-430 nm;
    square on 10 nm Al2O3: 89 -> 197: <= 0.009 everywhere; hexagonal on it: 91 -> 199:
    <= 0.007 everywhere (the spacer lifts the contact singularity);
  so 0.02 above 430 nm and 0.07 at 400-430 nm (CONTACT_BAND_NM), where rods touching Ag sit
  at the Ag/CsPbBr3 surface-plasmon asymptote (Re(eps_Ag + eps_CsPbBr3) = 0 at ~410 nm);
- ACCURACY = 0.03: the accuracy the product promises for the default grid (issue 10 item 4:
  R, T, A within 0.03 of the converged reference over 400-700 nm). A grid-convergence study
  of the Meep side sets how far a given grid is from its own limit:
  the default study's 3D ladder with the contact sheets (RMS dR vs RCWA 0.028 / 0.019 / 0.015
  at 12.5 / 10 / 7.5 nm; 2D analogue 0.024 / 0.011 / 0.008 at 10 / 5 / 2.5 nm) shows 10 nm
  within it except on the steep 520-535 nm edge (a 1-2 nm shift).
R dips (prominence >= 0.03) of the reference outside the contact band: hotlase must have
one within DIP_TOL_NM = 5 nm of each; each reference dip is placed on a ``DIP_STEP_NM`` RCWA
grid over +-1.5 RCWA_STEP_NM around the 10 nm one (with the rods following the measured band
edge the 520 nm dip is 8 nm wide: 10 nm sampling put it at 517.5 nm, 2.5 nm sampling at
523.4 nm, hotlase 523.1 nm), refined by a parabola; the rest is the FDTD's grid dispersion,
~(k dx)^2 ~ 1-2 % of the wavelength at a 10 nm grid in n ~ 2.2).

Measured with the contact sheets and the even cell (geometry.contact; 10 nm grid; hotlase
vs RCWA at 89/91 plane waves):
    square: max|dR| 0.035 (430 nm), RMS 0.015; A_Ag(532) 0.050 vs 0.054; PASSES;
    square, split CsPbBr3 models: max|dR| 0.038 (530 nm), RMS 0.015, max|dA_CsPbBr3| 0.031;
        at 532 nm R 0.754 vs 0.682, A_Ag 0.078 vs 0.091, A_CsPbBr3 0.168 vs 0.226 (the
        steep edge: within the 0.05 tolerance at the 530 / 540 nm reference points, not at
        532 nm between them); R dips 478.8 / 523.1 nm vs 479.9 / 523.4 nm; PASSES;
    hexagonal, split: max|dR| 0.060 (400 nm, contact band), RMS 0.016, max|dA_CsPbBr3| 0.050;
        R dips 472.8 / 522.1 nm; PASSES; square / hexagonal on the spacer still fail as below;
        no metal, split: PASSES;
    hexagonal: max|dR| 0.058 (400 nm, contact band), RMS 0.018; A_Ag(532) 0.046 vs 0.049; PASSES;
    square on 10 nm Al2O3: max|dR| 0.055 (450 nm), max|dA_CsPbBr3| 0.068: expected failure
        (one cell across the gap, ONE_CELL_GAP);
    hexagonal on 10 nm Al2O3: max|dR| 0.052 (440 nm), max|dA_CsPbBr3| 0.050: expected failure;
    no metal (control): max|dR| 0.001, max|dT| 0.031, max|dA_CsPbBr3| 0.015; PASSES.
With the rods' walls averaged (``wall_averaging = "anisotropic"``, the default since
2026-12-07; same grid and reference):
    square: max|dR| 0.030 (530 nm), RMS 0.015; max|dA_Ag| 0.009, max|dA_CsPbBr3| 0.027; PASSES;
    hexagonal: max|dR| 0.085 (400 nm, contact band), RMS 0.019; max|dA_Ag| 0.016,
        max|dA_CsPbBr3| 0.074; PASSES;
    both spacer cases: still expected failures; no metal: max|dR| 0.001, max|dT| 0.030; PASSES.
With only the contact sheets that have a lossy side offered absorbing points
(``spectrum.absorbing_sheets``; before, the spacer's lossless Al2O3|vacuum sheet took the rods'
averaged wall points and dropped their absorption: energy balance 0.057 -> 0.009 on a 20 nm
spacer; same grid and reference):
    square on 10 nm Al2O3: max|dR| 0.045 (450 nm), max|dA_Ag| 0.020, max|dA_CsPbBr3| 0.042,
        R dips 472.9 / 515.7 nm vs 473.2 / 516.7 nm; PASSES;
    hexagonal on 10 nm Al2O3: max|dR| 0.047 (440 nm), max|dA_CsPbBr3| 0.041, but an R dip at
        452.4 nm against 458.4 nm (6 nm > DIP_TOL_NM): expected failure (SPACER_DIP);
    on 20 nm of Al2O3 (two cells, broadband model): square max|dR| 0.058 (460 nm), hexagonal
        0.066 (450 nm), dips within 2 nm: the 440-460 nm error is not the gap's resolution.
Before (commit 086dcd5's solver, face placement by cell parity): square max|dR| 0.689, hexagonal
0.632, spacer cases 0.529 / 0.558: all failed.
Runtime per case (2 cores loaded ~13x by other jobs): 60-220 s, i.e. one 3D run at 10 nm
(hexagonal: two rods in a rectangular cell) plus ~30-75 s of RCWA; marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.study import study_from_dict
from tests.physics.conftest import compare_and_record
from tests.reference import fmm
from tests.reference.compare import compare, dip_shifts, format_comparison, r_dips

pytestmark = [pytest.mark.physics, pytest.mark.slow,
              pytest.mark.skipif(fmm.grcwa is None, reason=fmm.IMPORT_ERROR or "grcwa missing")]

RESOLUTION_NM = 10.0
RCWA_HARMONICS = 97
RCWA_STEP_NM = 10.0
ACCURACY = 0.03
CONTACT_BAND_NM = (400.0, 430.0)
DIP_TOL_NM = 5.0
DIP_STEP_NM = 2.5


def rcwa_truncation(wl_nm):
    """The reference's own error bound at RCWA_HARMONICS (see the module docstring)."""
    wl = np.asarray(wl_nm, float)
    return np.where(wl <= CONTACT_BAND_NM[1], 0.07, 0.02)


MATERIALS = ["Ag", "CsPbBr3"]

CASES = {  # lattice, Al2O3 spacer (nm), Ag film
    "square": ("square", None, True),
    "square_spacer": ("square", 10.0, True),
    "hexagonal": ("hexagonal", None, True),
    "hexagonal_spacer": ("hexagonal", 10.0, True),
    "square_no_metal": ("square", None, False),  # control: the default twin, right today
}


def case_study(lattice: str, spacer_nm: float | None, metal: bool = True,
               resolution_nm: float = RESOLUTION_NM):
    """The case's study. The square cases run as the default does (the band split into the
    CsPbBr3 model windows); the hexagonal and spacer cases check lattice and spacer geometry
    with the one broadband model (split, each costs 3-4x: 322 s instead of ~100 s), and the
    reference takes the eps each run used either way (``fmm.rcwa_spectrum``)."""
    structure = {"kind": "rod_array", "lattice": lattice, "period_nm": 300,
                 "rod": {"material": "CsPbBr3", "radius_nm": 60, "height_nm": 150},
                 "substrate": {"material": "SiO2"}}
    if metal:
        structure["metal"] = {"material": "Ag", "thickness_nm": 100}
    if spacer_nm:
        structure["spacer"] = {"material": "Al2O3", "thickness_nm": spacer_nm}
    return study_from_dict({
        "study": {"name": f"rcwa_{lattice}", "run_kinds": ["spectrum"], "compare_no_metal": False},
        "structure": structure,
        "simulation": {"resolution_nm": resolution_nm, "wavelength_min_nm": 400,
                       "wavelength_max_nm": 700, "n_wavelengths": 61,
                       **({} if lattice == "square" and not spacer_nm
                          else {"material_bands": "broadband"})},
    })


SPACER_DIP = pytest.mark.xfail(strict=True, reason=(
    "issue 10: hexagonal rods on a 10 nm Al2O3 spacer at a 10 nm grid meet the R, T, A "
    "tolerance (max|dR| 0.047 at 440 nm, max|dA_CsPbBr3| 0.041) but their R dip sits at 452.4 "
    "nm against RCWA's 458.4 nm, 6 nm off against the 5 nm dip tolerance. Not the one cell "
    "across the gap: on a 20 nm spacer (two cells) the dip is within 2 nm but R at 450 nm is "
    "0.066 off. strict: the mark goes when it passes"))


@pytest.mark.parametrize("case", [pytest.param(c, marks=SPACER_DIP if c == "hexagonal_spacer" else ())
                                  for c in CASES])
def test_rod_array_spectrum_matches_rcwa(run_broadband_file, request, case):
    lattice, spacer, metal = CASES[case]
    study = case_study(lattice, spacer, metal)
    out = run_broadband_file(study, name=case)
    materials = [m for m in MATERIALS if f"spectrum/A_by_material/{m}" in out]
    assert materials == (MATERIALS if metal else ["CsPbBr3"]), sorted(out)
    hot = {"wavelength_nm": out["spectrum/wavelength_nm"], "R": out["spectrum/R"],
           "T": out["spectrum/T"],
           **{f"A_{m}": out[f"spectrum/A_by_material/{m}"] for m in materials}}
    wl = np.arange(400.0, 700.0 + 1e-9, RCWA_STEP_NM)
    ref = fmm.rcwa_spectrum(study, wl, RCWA_HARMONICS)
    c = compare(hot, ref, materials)
    report = format_comparison(f"{case} at {RESOLUTION_NM:g} nm vs RCWA ({ref['n_harmonics']} "
                               f"plane waves)", c, materials)
    print(report)
    tol = ACCURACY + rcwa_truncation(c["wl"])
    bad = {}
    for q in ["R", "T"] + [f"A_{m}" for m in materials]:
        excess = np.abs(c[f"d{q}"]) - tol
        compare_and_record(request.node.name, f"{q} - RCWA (0 expected)", c[f"d{q}"], 0.0, tol)
        if np.any(excess > 0):
            i = int(np.argmax(excess))
            bad[q] = f"|d{q}| {abs(c[f'd{q}'][i]):.3f} > {tol[i]:.2f} at {c['wl'][i]:.0f} nm"
    assert not bad, f"hotlase vs RCWA beyond tolerance: {bad}\n{report}"
    ref_dips = fine_dips(study, c["dips_rcwa"][c["dips_rcwa"] > CONTACT_BAND_NM[1]])
    shifts = dip_shifts(c["dips_hotlase"], ref_dips)
    assert np.all(np.abs(shifts) <= DIP_TOL_NM), (
        f"R dips moved by {shifts} nm (tolerance {DIP_TOL_NM} nm)\n{report}")


def fine_dips(study, coarse_nm) -> np.ndarray:
    """Each coarse reference dip placed again on a DIP_STEP_NM RCWA grid around it."""
    out = []
    for d in coarse_nm:
        wl = np.arange(d - 1.5 * RCWA_STEP_NM, d + 1.5 * RCWA_STEP_NM + 1e-9, DIP_STEP_NM)
        found = r_dips(wl, fmm.rcwa_spectrum(study, wl, RCWA_HARMONICS)["R"])
        out.append(found[np.argmin(np.abs(found - d))] if found.size else d)
    return np.asarray(out)
