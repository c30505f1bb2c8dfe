"""Field maps in V/m: a plane wave of the stated intensity entering glass (docs/physics.md §1).

Setup: 1D cell, vacuum over a SiO2 half-space (a 20 nm SiO2 layer on SiO2, so the stack is
one interface), 2 nm grid, fields at the pump (405 nm) and emission (532 nm) wavelengths for
I = 5e7 W/m^2. Reference: the transmitted amplitude |E_t| = 2/(1 + n) |E0| with
|E0| = sqrt(2 Z0 I) (Fresnel, normal incidence), constant through the glass. Tolerance 1 %:
Yee dispersion at 2 nm is ~1e-4, the DFT of the decayed pulse ~1e-3; a wrong factor (the
missing 2 Z0, a flux per area mistaken for a flux) would be off by far more.
Also checks the map's eps and material ids against the layout.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.study import material_model, study_from_dict
from hotlase.geometry.units import Z0_OHM

pytestmark = pytest.mark.physics


def test_transmitted_field_in_glass_is_fresnel(run_broadband_file, check):
    study = study_from_dict({
        "study": {"name": "glass", "run_kinds": ["spectrum", "fields"], "compare_no_metal": False},
        "structure": {"kind": "film_stack", "layers": [{"material": "SiO2", "thickness_nm": 20}],
                      "substrate": {"material": "SiO2"}},
        "simulation": {"resolution_nm": 2, "n_wavelengths": 11, "padding_nm": 200, "pml_nm": 300},
    })
    out = run_broadband_file(study, targets=[("pump", 405.0), ("emission", 532.0)])
    intensity = study.simulation.pump_intensity_w_m2
    e0 = np.sqrt(2 * Z0_OHM * intensity)
    for tag, wl in (("pump", 405.0), ("emission", 532.0)):
        E = out[f"fields/{tag}/E"]
        z = out[f"fields/{tag}/z_nm"]
        attrs = out[f"fields/{tag}@"]
        assert abs(attrs["incident_field_v_m"] - e0) < 1e-9 * e0
        n = float(np.sqrt(material_model(study, "SiO2").eps(wl)).real)
        inside = z < -30
        got = np.abs(E[0, 0, 0, inside])
        expected = 2 / (1 + n) * e0
        check(f"|E| glass {wl:g} nm (V/m) vs Fresnel", got, expected, 0.01, relative=True)
        ids = out[f"fields/{tag}/material_id"][0, 0]
        names = __import__("json").loads(attrs["materials"])
        assert names[ids[-1]] == "vacuum" and names[ids[0]] == "SiO2"
        assert np.allclose(out[f"fields/{tag}/eps"][0, 0, 0], material_model(study, "SiO2").eps(wl), rtol=1e-5)
