"""Perovskites: exact single-wavelength media, mixed-halide composition and its errors.

exact_model must reproduce the measured complex ε at its wavelength to 1e-9 (it is solved
in closed form); composition end points must equal the pure compounds exactly; the band
gap at x = 0.5 must equal the bowing formula; the Br-Cl bowing fitted to Ermolaev's exciton
peaks must give the 0.18 eV that physics.md §3 quotes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from geometry.materials.perovskites import (
    BAND_GAP_EV,
    BOWING_EV,
    band_gap_ev,
    emission_wavelength_nm,
    exact_model,
    fit_bowing_ev,
    mixed_halide,
)
from geometry.materials.registry import get_material, measured_table
from geometry.units import HC_EV_NM, eps_to_nk
from geometry.validate import SpecError

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
    assert b == pytest.approx(0.18, abs=0.01), f"fitted b = {b:.3f} eV, physics.md quotes ~0.18"
    assert BOWING_EV["Br-Cl"] == pytest.approx(b, abs=0.01)


def test_emission_wavelength_follows_the_gap():
    assert float(emission_wavelength_nm(1.0)) == pytest.approx(HC_EV_NM / 2.40)
    x = np.linspace(0, 1, 11)
    for pair in ("Br-Cl", "Br-I"):
        wl = emission_wavelength_nm(x, pair)
        assert np.all(np.diff(wl) > 0) if pair == "Br-Cl" else np.all(np.diff(wl) < 0)


def test_mixed_model_absorption_peak_near_ermolaev_crystal():
    # CsPbBr1.8Cl1.2 (x = 0.6): Ermolaev exciton peak 476 nm (physics.md §3)
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


# --- the band edge: n, k tolerance at every measured wavelength (issue 10) ----------------
#
# Setup: each perovskite model against the measured table it was fitted to, at every
# tabulated wavelength (1 nm spacing) of each band its ``nk_error`` lists. Reference: the
# refractiveindex.info tables in the shared data folder. Tolerance: |dn| <= 0.02 and
# |dk| <= max(0.005, 0.1 k) (fit.NK_TOLERANCE) in every band the model claims to meet; the
# stored ``nk_error`` must be what the data give (so a claim of failure is honest too).

from geometry.materials.fit import NK_TOLERANCE, nk_error_by_band  # noqa: E402
from geometry.materials.perovskites import (  # noqa: E402
    PEROVSKITE_CHOICES,
    PEROVSKITES,
    choose_model,
)
from geometry.materials.registry import MEASURED_FILES  # noqa: E402

PEROVSKITE_FITS = sorted(m.name for m in PEROVSKITES if m.name in MEASURED_FILES)


@pytest.mark.parametrize("name", PEROVSKITE_FITS)
def test_stored_nk_error_is_what_the_data_give(shared_data, name):
    model = get_material(name)
    assert model.nk_error, f"{name} has no nk_error"
    table = measured_table(name)
    fresh = nk_error_by_band(model, table.wavelength_nm, table.n, table.k,
                             [(lo, hi) for lo, hi, *_ in model.nk_error])
    for stored, new in zip(model.nk_error, fresh):
        np.testing.assert_allclose(new, stored, rtol=2e-3, atol=2e-5,
                                   err_msg=f"{name}: stored nk_error {stored}, data give {new}")


@pytest.mark.parametrize("name", PEROVSKITE_FITS)
def test_bands_claimed_meet_the_nk_tolerance_at_every_measured_wavelength(shared_data, name):
    model = get_material(name)
    table = measured_table(name)
    nk = np.sqrt(model.eps(table.wavelength_nm))
    for lo, hi, _, _, worst in model.nk_error:
        if not worst <= 1.0:
            continue
        band = (table.wavelength_nm >= lo) & (table.wavelength_nm <= hi)
        dn = np.abs(nk.real - table.n)[band]
        dk = np.abs(nk.imag - table.k)[band]
        bad_n = table.wavelength_nm[band][dn > NK_TOLERANCE.dn]
        bad_k = table.wavelength_nm[band][dk > NK_TOLERANCE.k_tolerance(table.k[band])]
        assert bad_n.size == 0 and bad_k.size == 0, (
            f"{name} claims {lo:g}-{hi:g} nm; |dn| > 0.02 at {bad_n} nm (max {dn.max():.4f}), "
            f"|dk| over tolerance at {bad_k} nm (max {dk.max():.4f})")


def test_default_study_band_cspbbr3_follows_the_edge_and_is_clear_below_it(shared_data):
    """The model "CsPbBr3" resolves to for the default band (400-700 nm) meets the n, k
    tolerance at every measured wavelength there (Brennan 2024, 1 nm spacing), and below
    the gap (550-700 nm, measured k < 1e-4) its k stays under 0.005."""
    model = get_material("CsPbBr3", band_nm=(400.0, 700.0))
    table = measured_table(model.name)
    wl, _ = table.window(400.0, 700.0)
    keep = (table.wavelength_nm >= 400) & (table.wavelength_nm <= 700)
    nk = np.sqrt(model.eps(wl))
    dn, dk = np.abs(nk.real - table.n[keep]), np.abs(nk.imag - table.k[keep])
    ratio = np.maximum(dn / NK_TOLERANCE.dn, dk / NK_TOLERANCE.k_tolerance(table.k[keep]))
    assert ratio.max() <= 1.0, (f"{model.name}: worst at {wl[np.argmax(ratio)]:g} nm, "
                                f"max |dn| {dn.max():.4f}, max |dk| {dk.max():.4f}")
    clear = wl >= 550.0
    assert nk.imag[clear].max() < 0.005, f"k below the gap up to {nk.imag[clear].max():.4f}"


@pytest.mark.parametrize("band, expected", [
    ((400.0, 700.0), "CsPbBr3_Brennan"),        # through the edge: the band-edge fit
    ((550.0, 700.0), "CsPbBr3_Brennan_clear"),  # below the gap: the few-pole clear model
    ((300.0, 700.0), "CsPbBr3_Brennan"),        # no model is valid: the default, refused later
])
def test_alias_picks_fewest_poles_meeting_the_tolerance(band, expected):
    assert choose_model("CsPbBr3", *band) == expected
    chosen = get_material(expected)
    for other in PEROVSKITE_CHOICES["CsPbBr3"]:
        model = get_material(other)
        fits = (model.valid_nm[0] <= band[0] and model.valid_nm[1] >= band[1]
                and model.meets_nk_tolerance(*band))
        assert not fits or len(model.poles) >= len(chosen.poles), (other, band)


def test_study_material_model_uses_the_study_band():
    from geometry.study import material_model, study_from_dict

    def study(lo, hi, pump, emission):
        return study_from_dict({
            "study": {"name": "b", "run_kinds": ["spectrum"], "compare_no_metal": False},
            "structure": {"kind": "film_stack",
                          "layers": [{"material": "CsPbBr3", "thickness_nm": 100.0}],
                          "substrate": {"material": "SiO2"}},
            "simulation": {"wavelength_min_nm": lo, "wavelength_max_nm": hi,
                           "pump_wavelength_nm": pump, "emission_wavelength_nm": emission}})

    assert material_model(study(400, 700, 405, 532), "CsPbBr3").name == "CsPbBr3_Brennan"
    assert material_model(study(560, 700, 600, 600), "CsPbBr3").name == "CsPbBr3_Brennan_clear"
    # the pump at 405 nm widens the band through the edge: the band-edge model again
    assert material_model(study(560, 700, 405, 600), "CsPbBr3").name == "CsPbBr3_Brennan"


def test_mixed_halide_error_against_ermolaev_is_what_the_data_give(shared_data):
    """Setup: mixed_halide(x, "Br-Cl") for Ermolaev's two mixed crystals. Reference: those
    tables at every measured wavelength. The stated MIXED_NK_ERROR (max |dn|, |dk|, worst
    ratio) must be recomputed to 1e-3: the honest statement that it misses the tolerance."""
    from geometry.materials.fit import read_refractiveindex_yaml
    from geometry.materials.perovskites import MIXED_NK_ERROR

    for x, file, lo, hi, dn, dk, worst in MIXED_NK_ERROR:
        table = read_refractiveindex_yaml(shared_data / file)
        fresh = nk_error_by_band(mixed_halide(x, "Br-Cl"), table.wavelength_nm, table.n,
                                 table.k, ((lo, hi),))[0]
        np.testing.assert_allclose(fresh[2:], (dn, dk, worst), rtol=1e-3, err_msg=file)


@pytest.mark.parametrize("x", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("pair", ["Br-Cl", "Br-I"])
def test_mixed_halides_are_passive(x, pair):
    """Scaling the end members in energy keeps the sum of signed terms passive: Im eps >= 0
    on 0.05-20 eV and across +-5 widths of every damped pole (tolerance 1e-7)."""
    model = mixed_halide(x, pair)
    energy = np.concatenate([np.geomspace(0.05, 20.0, 40000)] + [
        p.frequency_ev + p.gamma_ev * np.linspace(-5, 5, 201) for p in model.poles
        if p.gamma_ev > 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = model.eps(HC_EV_NM / energy[energy > 0]).imag
    assert np.nanmin(loss) >= -1e-7, f"{model.name}: Im eps down to {np.nanmin(loss):.2g}"


def test_fit_nk_edge_recovers_a_model_built_on_its_comb():
    """Setup: n, k at 1 nm from 400 to 700 nm of a passive model whose poles are exactly a
    comb's (positive narrow poles, one broad negative term, one UV term). Reference: that
    model. The linear program must find it: worst n, k error below 1e-3 of the tolerance."""
    from geometry.materials.fit import EdgeComb, fit_nk_edge
    from geometry.materials.model import MaterialModel, Pole

    comb = EdgeComb(2.4, 2.575, 0.05, 0.0, 1.0, (5.0,), (2.5,), 0.4)  # comb: 2.40-2.55 eV
    strengths = [0.01, 0.02, 0.015, 0.012, -0.005, 1.2]
    assert len(comb.poles()) == len(strengths)
    truth = MaterialModel("truth", 2.0, tuple(Pole("lorentz", e, g, s) for (e, g, _), s
                                               in zip(comb.poles(), strengths)))
    wl = np.arange(400.0, 701.0)
    nk = np.sqrt(truth.eps(wl))
    assert truth.eps(wl).imag.min() >= 0.0  # the truth itself is passive
    fitted = fit_nk_edge(wl, nk.real, nk.imag, (400, 700), comb)
    assert fitted.nk_error[0][4] < 1e-3, fitted.nk_error
    np.testing.assert_allclose(fitted.eps(wl), truth.eps(wl), rtol=1e-4)


def test_meets_nk_tolerance_needs_every_overlapping_band_and_full_cover():
    from geometry.materials.model import MaterialModel

    model = MaterialModel("m", 2.0, nk_error=((400, 500, 0.01, 0.001, 0.5),
                                              (500, 600, 0.03, 0.001, 1.5),
                                              (600, 700, 0.01, 0.001, 0.9)))
    assert model.meets_nk_tolerance(410, 490) and model.meets_nk_tolerance(610, 700)
    assert not model.meets_nk_tolerance(450, 650)   # crosses the failing band
    assert not model.meets_nk_tolerance(350, 450)   # not covered below 400 nm
    assert not MaterialModel("bare", 2.0).meets_nk_tolerance(400, 500)
