"""A metal half-space (the substrate itself is Ag) in 1D against Fresnel, for several PMLs.

Issue 15 item 4: rods on an Ag half-space give a reflectance that moves with ``pml_nm``, so
``geometry.study.check_study`` refuses metal half-spaces under 2D/3D spectrum and fields runs
(tests/unit/test_metal_half_space_refused.py). A 1D film stack on the same half-space, which
stays allowed, is right: this test is the evidence for allowing it (it passes on the code
before the refusal too: 1D was never wrong).

Setup: 1D Meep cell (film_stack with no layer, substrate Ag), grid 2 nm, band 450-650 nm,
11 wavelengths, pml_nm 150, 300 and 600. Reference: the Fresnel reflectance of the same
Drude-Lorentz eps (postprocess.analytic.stack_rt with no layer), which a thick film equals.
Tolerance 0.015 absolute in R (as the film tests: the metal face sits up to half a cell off
the nominal plane on the Yee grid), and the spread of R over the three PML thicknesses
below 0.01.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.study import material_model, study_from_dict
from hotlase.postprocess.analytic import stack_rt
from tests.physics.conftest import rel_msg

pytestmark = pytest.mark.physics
TOL = 0.015


def half_space_study(pml_nm: float):
    return study_from_dict({
        "study": {"name": "half_space", "run_kinds": ["spectrum"], "compare_no_metal": False},
        "structure": {"kind": "film_stack", "layers": [], "substrate": {"material": "Ag"}},
        "simulation": {"resolution_nm": 2.0, "wavelength_min_nm": 450, "wavelength_max_nm": 650,
                       "pump_wavelength_nm": 450,
                       "n_wavelengths": 11, "padding_nm": 200, "pml_nm": pml_nm,
                       "decay_by": 1e-9},
    })


def test_metal_half_space_matches_fresnel_for_any_pml(run_broadband_file):
    results = {}
    for pml in (150.0, 300.0, 600.0):
        study = half_space_study(pml)
        out = run_broadband_file(study, name=f"pml{int(pml)}")
        wl = out["spectrum/wavelength_nm"]
        r_ref, _ = stack_rt(wl, [], [], 1.0, material_model(study, "Ag").eps(wl))
        results[pml] = out["spectrum/R"]
        print(f"pml {pml:.0f} nm: R(550) = {out['spectrum/R'][5]:.4f}, Fresnel {r_ref[5]:.4f}")
        err = np.max(np.abs(out["spectrum/R"] - r_ref))
        assert err < TOL, rel_msg(f"R of the Ag half-space, pml {pml} nm (max abs error {err:.4f})",
                                  out["spectrum/R"][::5], r_ref[::5], TOL)
    spread = np.max(np.ptp(np.array(list(results.values())), axis=0))
    assert spread < 0.01, f"R moves with pml_nm by {spread:.4f} (tolerance 0.01)"
