"""Perovskites: exact single-wavelength media, mixed-halide composition and its errors.

exact_model must reproduce the measured complex ε at its wavelength to 1e-9 (it is solved
in closed form); composition end points must equal the pure compounds exactly; the band
gap at x = 0.5 must equal the bowing formula; the Br-Cl bowing fitted to Ermolaev's exciton
peaks must give the 0.18 eV that docs/physics.md §3 quotes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotlase.geometry.materials.perovskites import (
    BAND_GAP_EV,
    BOWING_EV,
    band_gap_ev,
    emission_wavelength_nm,
    exact_model,
    fit_bowing_ev,
    mixed_halide,
)
from hotlase.geometry.materials.registry import get_material, measured_table
from hotlase.geometry.units import HC_EV_NM, eps_to_nk
from hotlase.geometry.validate import SpecError

WAVELENGTHS_NM = np.linspace(400, 700, 31)


@pytest.mark.parametrize("name, wavelength_nm", [
    ("CsPbBr3", 405.0), ("CsPbBr3", 532.0), ("CsPbBr3", 633.0), ("CsPbCl3", 405.0),
    ("CsPbI3", 532.0), ("Ag", 405.0), ("Ag", 532.0), ("Au", 532.0), ("Al", 405.0),
    ("Cu", 532.0),  # the fit is too lossy there: the small-conductivity branch
])
def test_exact_model_reproduces_measured_eps(shared_data, name, wavelength_nm):
    expected = complex(measured_table(name).eps_at(wavelength_nm))
    model = exact_model(name, wavelength_nm)
    measured = complex(model.eps(wavelength_nm))
    rel = abs(measured - expected) / abs(expected)
    assert rel < 1e-9, (f"{name} at {wavelength_nm:g} nm: exact model {measured}, "
                        f"table {expected}, rel {rel:.1e}")
    assert model.eps_inf > 0 and model.d_conductivity_ev >= 0
    assert model.valid_nm == (wavelength_nm, wavelength_nm)
    if model.is_metal:  # metals stay dispersive: same pole set, Drude damping re-solved
        assert [p.kind for p in model.poles] == [p.kind for p in get_material(name).poles]


def test_exact_cspbbr3_at_532_has_the_measured_k(shared_data):
    nk = complex(eps_to_nk(exact_model("CsPbBr3", 532.0).eps(532.0)))
    assert nk.real == pytest.approx(2.292, abs=1e-3) and nk.imag == pytest.approx(0.017, abs=1e-3)


def test_exact_model_with_given_eps():
    model = exact_model(get_material("SiO2"), 500.0, eps_measured=2.25 + 0.01j)
    assert complex(model.eps(500.0)) == pytest.approx(2.25 + 0.01j, rel=1e-12)


@pytest.mark.parametrize("pair, end, pure", [("Br-Cl", 1.0, "CsPbBr3"), ("Br-Cl", 0.0, "CsPbCl3"),
                                             ("Br-I", 1.0, "CsPbBr3"), ("Br-I", 0.0, "CsPbI3")])
def test_composition_end_points_are_the_pure_compounds(pair, end, pure):
    mixed, ref = mixed_halide(end, pair), get_material(pure)
    wl = np.linspace(max(mixed.valid_nm[0], ref.valid_nm[0]),
                     min(mixed.valid_nm[1], ref.valid_nm[1]), 31)
    np.testing.assert_allclose(mixed.eps(wl), ref.eps(wl), rtol=1e-12)


@pytest.mark.parametrize("pair", ["Br-Cl", "Br-I"])
def test_band_gap_at_half_equals_bowing_formula(pair):
    other = pair.split("-")[1]
    expected = 0.5 * BAND_GAP_EV["Br"] + 0.5 * BAND_GAP_EV[other] - BOWING_EV[pair] * 0.25
    assert float(band_gap_ev(0.5, pair)) == pytest.approx(expected, abs=1e-12)
    assert float(band_gap_ev(1.0, pair)) == BAND_GAP_EV["Br"]
    assert float(band_gap_ev(0.0, pair)) == BAND_GAP_EV[other]


def test_br_cl_bowing_from_ermolaev_peaks_is_018():
    b = fit_bowing_ev()
    assert b == pytest.approx(0.18, abs=0.01), f"fitted b = {b:.3f} eV, docs/physics.md quotes ~0.18"
    assert BOWING_EV["Br-Cl"] == pytest.approx(b, abs=0.01)


def test_emission_wavelength_follows_the_gap():
    assert float(emission_wavelength_nm(1.0)) == pytest.approx(HC_EV_NM / 2.40)
    x = np.linspace(0, 1, 11)
    for pair in ("Br-Cl", "Br-I"):
        wl = emission_wavelength_nm(x, pair)
        assert np.all(np.diff(wl) > 0) if pair == "Br-Cl" else np.all(np.diff(wl) < 0)


def test_mixed_model_absorption_peak_near_ermolaev_crystal():
    # CsPbBr1.8Cl1.2 (x = 0.6): Ermolaev exciton peak 476 nm (docs/physics.md §3)
    model = mixed_halide(0.6, "Br-Cl")
    wl = np.linspace(440, 520, 801)
    k = np.sqrt(model.eps(wl)).imag
    edge = wl[np.argmax(k)]
    assert abs(edge - 476.0) < 10.0, f"mixed-model k peak at {edge:.1f} nm, Ermolaev 476 nm"


def test_registry_resolves_mixed_names():
    model = get_material("CsPb(Br0.6Cl0.4)3")
    assert model.name == "CsPb(Br0.6Cl0.4)3"
    np.testing.assert_allclose(model.eps(WAVELENGTHS_NM), mixed_halide(0.6).eps(WAVELENGTHS_NM))
    assert get_material("CsPb(Br0.5I0.5)3").name == "CsPb(Br0.5I0.5)3"


@pytest.mark.parametrize("name", ["CsPb(Br0.6Cl0.5)3", "CsPb(Br1.2Cl-0.2)3", "CsPb(Brx Cly)3",
                                  "CsPb(Br0.5F0.5)3", "CsPb(Brnan Clnan)3"])
def test_bad_mixed_names_are_refused(name):
    with pytest.raises(SpecError) as info:
        get_material(name, path="structure.rod.material")
    assert str(info.value).startswith(f"structure.rod.material = {name!r}"), str(info.value)
    assert "mixed halide" in str(info.value)


@pytest.mark.parametrize("x, rule", [(1.5, "must be in [0, 1]"), (-0.1, "must be in [0, 1]"),
                                     (math.nan, "must be finite"), ("half", "must be a number"),
                                     (True, "must be a number")])
def test_bad_composition_names_the_field(x, rule):
    with pytest.raises(SpecError) as info:
        mixed_halide(x, "Br-Cl", path="structure.rod.composition")
    assert info.value.path == "structure.rod.composition", str(info.value)
    assert rule in str(info.value), str(info.value)


def test_bad_pair_names_the_field():
    with pytest.raises(SpecError, match=r"^composition.pair = 'Br-F': must be one of"):
        mixed_halide(0.5, "Br-F")
