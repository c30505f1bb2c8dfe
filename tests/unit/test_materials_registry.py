"""The material registry: names, user materials from study files, and their errors.

Every bad [materials.NAME] field must be refused with the field path materials.NAME.field;
skin depths must match docs/physics.md §3 (Ag ~25 nm, Au ~38 nm at 532 nm, within 10 %: those
are rounded literature numbers).
"""

from __future__ import annotations

import math
import warnings

import pytest

from hotlase.geometry.materials.registry import (
    check_wavelengths,
    get_material,
    list_materials,
    parse_user_material,
    skin_depth_nm,
)
from hotlase.geometry.study import study_from_dict
from hotlase.geometry.validate import SpecError

POLE_TABLE = {"eps_inf": 4.0, "valid_nm": [400, 700], "metal": True,
              "poles": [{"kind": "drude", "frequency_ev": 9.0, "gamma_ev": 0.05, "sigma": 1.0},
                        {"kind": "lorentz", "frequency_ev": 5.0, "gamma_ev": 0.2, "sigma": 2.0}]}


def test_names_and_aliases():
    names = list_materials()
    for name in ("Ag", "Ag_JC", "Ag_McPeak", "Au", "Au_JC", "Au_McPeak", "Al", "Cu", "CsPbBr3",
                 "CsPbCl3", "CsPbI3", "SiO2", "Al2O3", "MgF2", "LiF"):
        assert name in names, name
    assert get_material("Ag") is get_material("Ag_JC")
    for metal in ("Ag", "Au", "Al", "Cu", "Ag_McPeak", "Au_McPeak"):
        assert get_material(metal).is_metal, metal
    for other in ("CsPbBr3", "SiO2", "MgF2"):
        assert not get_material(other).is_metal, other


def test_unknown_name_lists_known_and_suggests():
    with pytest.raises(SpecError) as info:
        get_material("CsPbBr", path="structure.rod.material")
    msg = str(info.value)
    assert msg.startswith("structure.rod.material = 'CsPbBr': unknown material; known: ")
    assert "did you mean 'CsPbBr3'" in msg and "Ag_JC" in msg and "\n" not in msg


@pytest.mark.parametrize("name, wavelength_nm, expected_nm",
                         [("Ag", 532.0, 25.0), ("Au", 532.0, 38.0)])
def test_skin_depth_matches_physics_md(name, wavelength_nm, expected_nm):
    delta = float(skin_depth_nm(get_material(name), wavelength_nm))
    rel = abs(delta - expected_nm) / expected_nm
    assert rel < 0.1, f"{name}: {delta:.1f} nm vs ~{expected_nm} nm (rel. error {rel:.1%})"


def test_check_wavelengths():
    model = get_material("Ag")
    check_wavelengths("structure.metal.material", model, 400, 700)
    with pytest.raises(SpecError) as info:
        check_wavelengths("structure.metal.material", model, 400, 900)
    msg = str(info.value)
    assert msg.startswith("structure.metal.material = 'Ag_JC'") and "valid range 400-700 nm" in msg
    assert "Ag_JC_broad" in msg, msg


def test_constant_user_material_is_exact_at_its_wavelength():
    table = {"n": 2.0, "k": 0.1, "wavelength_nm": 532}
    model = parse_user_material("materials.film", "film", table)
    assert complex(model.eps(532.0)) == pytest.approx((2.0 + 0.1j) ** 2, rel=1e-12)
    assert model.poles == () and model.name == "film" and not model.is_metal
    lossless = parse_user_material("materials.glass", "glass", {"n": 1.5})
    assert complex(lossless.eps(300.0)) == 2.25 and lossless.valid_nm == (0.0, math.inf)


def test_pole_user_material():
    model = parse_user_material("materials.myAg", "myAg", POLE_TABLE)
    assert model.is_metal and len(model.poles) == 2 and model.valid_nm == (400.0, 700.0)
    e = 1239.84198 / 500.0
    expected = 4.0 + 81.0 / (-e * e - 0.05j * e) + 2.0 * 25.0 / (25.0 - e * e - 0.2j * e)
    assert complex(model.eps(500.0)) == pytest.approx(expected, rel=1e-6)


def _poles(**edit):
    table = {**POLE_TABLE, "poles": [dict(p) for p in POLE_TABLE["poles"]]}
    for key, value in edit.items():
        if key.startswith("p0_"):
            table["poles"][0][key[3:]] = value
        elif value is None:
            del table[key]
        else:
            table[key] = value
    return table


BAD = [
    ({"n": -1.0}, "materials.x.n = -1.0", "must be in (0, 20]"),
    ({"n": "two"}, "materials.x.n = 'two'", "must be a number"),
    ({"n": 2.0, "k": 0.1}, "materials.x.wavelength_nm = None", "is required when k > 0"),
    ({"n": 2.0, "k": 2.5, "wavelength_nm": 500}, "materials.x.k = 2.5", "must be < n"),
    ({"n": 2.0, "k": math.nan, "wavelength_nm": 500}, "materials.x.k = nan", "must be finite"),
    ({"n": 2.0, "eps": 4}, "materials.x.eps = 4", "unknown key"),
    ({"n": 2.0, "eps_inf": 4}, "materials.x = ", "either n"),
    ({}, "materials.x = {}", "either n"),
    ({"k": 0.1}, "materials.x.n = None", "is required"),
    ({"n": 1.5, "metal": "yes"}, "materials.x.metal = 'yes'", "must be true or false"),
    ({"n": 1.5, "valid_nm": [700, 400]}, "materials.x.valid_nm[1] = 400", "must be > 700"),
    ({"n": 1.5, "valid_nm": 500}, "materials.x.valid_nm = 500", "must be [lo, hi]"),
    (_poles(valid_nm=None), "materials.x.valid_nm = None", "is required with poles"),
    (_poles(eps_inf=0.5), "materials.x.eps_inf = 0.5", "must be in [1, 100]"),
    (_poles(eps_inf=None), "materials.x.eps_inf = None", "is required"),
    (_poles(poles="drude"), "materials.x.poles = 'drude'", "must be a list"),
    (_poles(p0_kind="debye"), "materials.x.poles[0].kind = 'debye'",
     "must be one of 'lorentz', 'drude'"),
    (_poles(p0_frequency_ev=math.inf), "materials.x.poles[0].frequency_ev = inf", "must be finite"),
    (_poles(p0_frequency_ev=0), "materials.x.poles[0].frequency_ev = 0", "must be in (0, 50]"),
    (_poles(p0_gamma_ev=-0.1), "materials.x.poles[0].gamma_ev = -0.1", "must be in [0, 50]"),
    (_poles(p0_sigma=0.0), "materials.x.poles[0].sigma = 0.0", "must be in (0, 10000]"),
    (_poles(p0_omega=1.0), "materials.x.poles[0].omega = 1.0", "unknown key"),
    (_poles(d_conductivity_ev=-1), "materials.x.d_conductivity_ev = -1", "must be in [0, 100]"),
    (_poles(source=3), "materials.x.source = 3", "must be a string"),
    ("n=2", "materials.x = 'n=2'", "must be a table"),
]


@pytest.mark.parametrize("table, where, rule", BAD, ids=[b[1] for b in BAD])
def test_bad_user_material_names_the_field(table, where, rule):
    with pytest.raises(SpecError) as info:
        parse_user_material("materials.x", "x", table)
    msg = str(info.value)
    assert msg.startswith(where), f"expected {where!r} at the start of {msg!r}"
    assert rule in msg, f"expected {rule!r} in {msg!r}"


def test_user_material_in_a_study(default_dict):
    default_dict["materials"] = {"myAg": POLE_TABLE}
    default_dict["structure"]["metal"]["material"] = "myAg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = study_from_dict(default_dict)
    assert study.materials["myAg"]["eps_inf"] == 4.0
    default_dict["materials"]["myAg"] = _poles(p0_sigma=-1.0)
    with pytest.raises(SpecError, match=r"^materials.myAg.poles\[0\].sigma = -1.0"):
        study_from_dict(default_dict)
