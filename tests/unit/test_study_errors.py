"""Bad study input is refused at load time with one line naming the field path, value and rule.

Each case edits the default study at one dotted path and asserts the exact path and the rule
in the message (issue 2, item 5). No compute happens: only geometry is imported.
"""

from __future__ import annotations

import math
import warnings

import pytest

from hotlase.geometry.study import study_from_dict
from hotlase.geometry.validate import SpecError

DELETE = object()


def _set(d: dict, path: str, value) -> dict:
    keys = path.split(".")
    for k in keys[:-1]:
        d = d.setdefault(k, {})
    if value is DELETE:
        del d[keys[-1]]
    else:
        d[keys[-1]] = value
    return d


CASES = [
    # (dotted path to edit, new value, expected path in message, expected rule fragment)
    ("structure.rod.radius_nm", -5, "structure.rod.radius_nm = -5", "must be in (0, 1e+09]"),
    ("structure.rod.radius_nm", 0, "structure.rod.radius_nm = 0", "must be in (0, 1e+09]"),
    ("structure.rod.height_nm", -150, "structure.rod.height_nm = -150", "must be in (0, 1e+09]"),
    ("structure.period_nm", 0, "structure.period_nm = 0", "must be in (0, 1e+09]"),
    ("structure.period_nm", 120, "structure.rod.radius_nm = 60", "rods overlap or touch"),
    ("structure.period_nm", 100, "structure.rod.radius_nm = 60", "must be < period_nm = 100"),
    ("structure.rod.radius_nm", math.nan, "structure.rod.radius_nm = nan", "must be finite"),
    ("structure.period_nm", math.inf, "structure.period_nm = inf", "must be finite"),
    ("structure.rod.radius_nm", "sixty", "structure.rod.radius_nm = 'sixty'", "must be a number"),
    ("structure.rod.height_nm", True, "structure.rod.height_nm = True", "must be a number"),
    ("structure.rod.radius", 60, "structure.rod.radius = 60", "did you mean 'radius_nm'"),
    ("structure.perod_nm", 300, "structure.perod_nm = 300", "did you mean 'period_nm'"),
    ("simulation.resolution", 10, "simulation.resolution = 10", "did you mean 'resolution_nm'"),
    ("solver", {}, "solver = {}", "unknown key"),
    ("structure.lattice", "triangular", "structure.lattice = 'triangular'", "must be one of 'square', 'hexagonal'"),
    ("structure.kind", "pillar", "structure.kind = 'pillar'", "must be one of 'rod_array'"),
    ("structure.count", [2, 2], "structure.count = [2, 2]", 'must be [1, 1] when array = "periodic"'),
    ("structure.metal.thickness_nm", -100, "structure.metal.thickness_nm = -100", "must be in (0, 1e+09]"),
    ("structure.metal.thickness_nm", 5, "structure.metal.thickness_nm = 5", "thinner than one grid cell"),
    ("structure.metal.material", "Unobtainium", "structure.metal.material = 'Unobtainium'", "unknown material"),
    ("structure.rod.material", "CsPbBr", "structure.rod.material = 'CsPbBr'", "unknown material"),
    ("simulation.resolution_nm", 0, "simulation.resolution_nm = 0", "must be in [0.5, 50]"),
    ("simulation.resolution_nm", 100, "simulation.resolution_nm = 100", "must be in [0.5, 50]"),
    ("simulation.wavelength_max_nm", 350, "simulation.wavelength_max_nm = 350", "must be > wavelength_min_nm = 400"),
    ("simulation.polarization", "z", "simulation.polarization = 'z'", "must be one of 'x', 'y'"),
    ("simulation.angle_deg", 90, "simulation.angle_deg = 90", "must be in [0, 80)"),
    ("simulation.decay_by", 0.5, "simulation.decay_by = 0.5", "must be in (0, 0.1]"),
    ("simulation.n_wavelengths", 10.5, "simulation.n_wavelengths = 10.5", "must be an integer"),
    ("simulation.pump_intensity_w_m2", -1, "simulation.pump_intensity_w_m2 = -1", "must be in (0, 1e+16]"),
    ("simulation.pml_nm", 20, "simulation.pml_nm = 20", "must be >= 4 grid cells = 30 nm"),
    ("analysis.bias_field_v_m", [0, -1e6], "analysis.bias_field_v_m[1] = -1000000.0", "must be in [0, 1e+09]"),
    ("analysis.work_function_ev", -4.3, "analysis.work_function_ev = -4.3", "must be in (0, 10]"),
    ("analysis.static_permittivity", 0.5, "analysis.static_permittivity = 0.5", "must be in [1, 1000]"),
    ("analysis.injection_surface", "rods", "analysis.injection_surface = 'rods'",
     "must be one of 'contact', 'all'"),
    ("study.run_kinds", ["spectrum", "raman"], "study.run_kinds[1] = 'raman'", "must be one of"),
    ("study.name", "my study", "study.name = 'my study'", "letters, digits"),
    ("study.compare_no_metal", "yes", "study.compare_no_metal = 'yes'", "must be true or false"),
    ("structure", DELETE, "structure = None", "is required"),
    ("structure.substrate.thickness_nm", "thick", "structure.substrate.thickness_nm = 'thick'", "must be a number"),
]


@pytest.mark.parametrize("path, value, where, rule", CASES, ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_bad_input_is_refused_with_path_value_and_rule(default_dict, path, value, where, rule):
    _set(default_dict, path, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SpecError) as info:
            study_from_dict(default_dict)
    message = str(info.value)
    assert "\n" not in message, f"message must be one line: {message!r}"
    assert message.startswith(where), f"expected to start with {where!r}, got {message!r}"
    assert rule in message, f"expected {rule!r} in {message!r}"


def test_hexagonal_touching_rods_are_refused(default_dict):
    default_dict["structure"]["lattice"] = "hexagonal"
    default_dict["structure"]["period_nm"] = 120
    with pytest.raises(SpecError, match=r"structure.rod.radius_nm = 60.*hexagonal lattice"):
        study_from_dict(default_dict)


def test_finite_array_count_must_be_positive(default_dict):
    default_dict["structure"].update(array="finite", count=[0, 2])
    with pytest.raises(SpecError, match=r"^structure.count\[0\] = 0: must be in \[1, 50\]"):
        study_from_dict(default_dict)


def test_film_stack_layers_must_be_finite():
    data = {"structure": {"kind": "film_stack", "layers": [{"material": "Ag", "thickness_nm": math.inf}]}}
    with pytest.raises(SpecError, match=r"^structure.layers\[0\].thickness_nm = inf: must be finite"):
        study_from_dict(data)


def test_wavelength_outside_material_range_is_refused(default_dict):
    default_dict["simulation"].update(wavelength_min_nm=1500, wavelength_max_nm=1990,
                                      pump_wavelength_nm=1600, emission_wavelength_nm=1700)
    with pytest.raises(SpecError) as info:
        study_from_dict(default_dict)
    assert info.value.path.startswith("structure."), str(info.value)
    assert "valid" in str(info.value) or "range" in str(info.value), str(info.value)


def test_coarse_grid_warns_with_number_and_fix(default_dict):
    default_dict["simulation"]["resolution_nm"] = 40
    default_dict["structure"]["metal"]["thickness_nm"] = 100
    with pytest.warns(UserWarning, match=r"grid cells.*set simulation.resolution_nm <="):
        study_from_dict(default_dict)


def test_oblique_incidence_needs_a_periodic_cell(default_dict):
    default_dict["structure"].update({"array": "finite", "count": [2, 2]})
    default_dict["simulation"]["angle_deg"] = 20
    with pytest.raises(SpecError, match=r"simulation.angle_deg = 20.0: oblique incidence needs a laterally periodic"):
        study_from_dict(default_dict)
    default_dict["structure"].update({"array": "periodic"})
    del default_dict["structure"]["count"]
    assert study_from_dict(default_dict).simulation.angle_deg == 20


def test_plane_wave_runs_of_a_finite_dispersive_structure_are_refused(default_dict):
    # Setup: 2 x 2 CsPbBr3 rods on Ag, finite. Reference: its lateral Absorbers damped a plane
    # wave's edges (rods on glass: R 0.006, T 0.4 instead of 0.03, 0.9), so no spectrum/fields.
    default_dict["structure"].update({"array": "finite", "count": [2, 2]})
    with pytest.raises(SpecError, match=r"^study.run_kinds = .*spectrum and fields need a laterally periodic"):
        study_from_dict(default_dict)
    default_dict["study"]["run_kinds"] = ["modes", "emitter"]
    assert study_from_dict(default_dict).run_kinds == ("modes", "emitter")
