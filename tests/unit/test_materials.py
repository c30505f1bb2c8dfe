"""Fitted material models against the measured tables, and the fitter itself.

The stored models are compared with the refractiveindex.info tables of ``fit.DATA_DIR`` at the
wavelengths the project uses (405 nm pump, 532 nm lasing line, 633 nm). Tolerances: the
model's own stated ``fit_error`` for its band (what the fit promises, recomputed here), and
the 3 % target for the default silver; CsPbBr3's broadband fit is checked against the
docs/physics.md numbers with the error it honestly has (k leaks below the gap).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotlase.geometry.materials.fit import (
    fit_drude_lorentz,
    fit_error_by_band,
    read_refractiveindex_yaml,
    sellmeier_poles,
)
from hotlase.geometry.materials.model import MaterialModel, Pole
from hotlase.geometry.materials.registry import MEASURED_FILES, get_material, list_materials
from hotlase.geometry.units import eps_to_nk, ev_to_meep_freq, nm_to_meep_length

PROBES_NM = (405.0, 532.0, 633.0)
FITTED = sorted(MEASURED_FILES)


def _rel(measured, expected):
    return abs(measured - expected) / abs(expected)


@pytest.mark.parametrize("name", FITTED)
def test_stored_fit_error_is_what_the_data_gives(shared_data, name):
    model = get_material(name)
    table = read_refractiveindex_yaml(shared_data / MEASURED_FILES[name])
    bands = [(lo, hi) for lo, hi, _ in model.fit_error]
    recomputed = fit_error_by_band(model, table.wavelength_nm, table.eps, bands)
    for (lo, hi, stored), (_, _, fresh) in zip(model.fit_error, recomputed):
        assert fresh == pytest.approx(stored, rel=1e-3, abs=1e-5), \
            f"{name} {lo:g}-{hi:g} nm: stored fit_error {stored:.4g}, data gives {fresh:.4g}"


@pytest.mark.parametrize("name", FITTED)
@pytest.mark.parametrize("wavelength_nm", PROBES_NM)
def test_model_matches_table_at_probe_wavelengths(shared_data, name, wavelength_nm):
    model = get_material(name)
    lo, hi = model.valid_nm
    if not lo <= wavelength_nm <= hi:
        pytest.skip(f"{name} not valid at {wavelength_nm:g} nm")
    table = read_refractiveindex_yaml(shared_data / MEASURED_FILES[name])
    expected = complex(table.eps_at(wavelength_nm))
    measured = complex(model.eps(wavelength_nm))
    # Between tabulated points the table is itself an interpolation: allow the band's fit
    # error plus 1 % for J&C's 20-nm spacing; the worst stored band error bounds it.
    tolerance = max(e for _, _, e in model.fit_error) + 0.01
    err = _rel(measured, expected)
    assert err <= tolerance, (f"{name} eps({wavelength_nm:g} nm): model {measured:.4f}, "
                              f"table {expected:.4f}, rel. error {err:.3%} > {tolerance:.3%}")


def test_default_silver_is_two_poles_within_three_percent(shared_data):
    model = get_material("Ag")
    assert model.name == "Ag_JC" and model.is_metal
    assert len(model.poles) == 2, f"default Ag has {len(model.poles)} poles, target 2"
    assert model.valid_nm[0] <= 400 and model.valid_nm[1] >= 700
    table = read_refractiveindex_yaml(shared_data / "Ag_Johnson.yml")
    wl, eps = table.window(400, 700)
    err = np.abs(model.eps(wl) - eps) / np.abs(eps)
    assert err.max() < 0.03, f"max |d eps|/|eps| over 400-700 nm = {err.max():.3%} (target 3 %)"


def test_poles_are_physical():
    # A Lorentz pole destabilises Meep's update when omega_n dt / 2 nears 1 (docs/physics.md §3);
    # at the default 10 nm grid and Courant 0.5 (dt = 0.005 a/c) every pole must stay below
    # 0.5. Slow poles (the Sellmeier models' infrared phonons at 0.07-0.15 eV) are harmless.
    dt = 0.5 * float(nm_to_meep_length(10.0))
    for name in list_materials():
        model = get_material(name)
        for pole in model.poles:
            half_step = math.pi * float(ev_to_meep_freq(pole.frequency_ev)) * dt
            assert pole.frequency_ev > 0 and half_step < 0.5, \
                f"{name}: pole at {pole.frequency_ev:.2f} eV, omega dt/2 = {half_step:.2f}"
            assert 0.0 <= pole.gamma_ev <= 5.0 and pole.sigma >= 0.0, f"{name}: {pole}"
        assert model.eps_inf >= 1.0, f"{name}: eps_inf = {model.eps_inf}"


def test_every_model_has_source_window_and_errors():
    for name in list_materials():
        model = get_material(name)
        assert model.source and model.fit_error, name
        lo, hi = model.valid_nm
        assert 0 < lo < hi < math.inf, f"{name}: valid_nm = {model.valid_nm}"
        for b_lo, b_hi, err in model.fit_error:
            assert lo <= b_lo < b_hi <= hi and 0.0 <= err < 0.1, f"{name}: {(b_lo, b_hi, err)}"


@pytest.mark.parametrize("wavelength_nm, n, k, tol_n, tol_k", [
    # docs/physics.md §3 (Brennan 2024 crystal). The 3-Lorentz fit: n within 2.5 %, and k within
    # 0.02 at 405 nm; at 532 nm, below the exciton, Lorentz tails leak k = 0.075 vs 0.017
    # (the documented limitation; exact_model is the tool there), so k is bounded by 0.08.
    (405.0, 2.205, 0.244, 0.025, 0.02),
    (532.0, 2.292, 0.017, 0.025, 0.08),
])
def test_cspbbr3_against_physics_md_numbers(wavelength_nm, n, k, tol_n, tol_k):
    nk = complex(eps_to_nk(get_material("CsPbBr3").eps(wavelength_nm)))
    assert _rel(nk.real, n) < tol_n, f"n({wavelength_nm:g}) = {nk.real:.3f}, expected {n}"
    assert abs(nk.imag - k) < tol_k, f"k({wavelength_nm:g}) = {nk.imag:.3f}, expected {k}"


def test_cspbbr3_table_reproduces_physics_md(shared_data):
    table = read_refractiveindex_yaml(shared_data / "CsPbBr3_Brennan.yml")
    for wl, n, k in ((405.0, 2.205, 0.244), (532.0, 2.292, 0.017), (600.0, 2.109, 0.0)):
        nk = complex(eps_to_nk(table.eps_at(wl)))
        assert abs(nk.real - n) < 2e-3 and abs(nk.imag - k) < 2e-3, f"{wl}: {nk} vs {n},{k}"


def test_fitter_recovers_a_known_model():
    truth = MaterialModel("truth", 3.7, (Pole("drude", 9.0, 0.05, 1.0),
                                         Pole("lorentz", 4.2, 0.4, 1.1)))
    wl = np.linspace(350, 900, 60)
    fitted = fit_drude_lorentz(wl, truth.eps(wl), 1, 1, (350, 900), starts=6)
    err = np.abs(fitted.eps(wl) - truth.eps(wl)) / np.abs(truth.eps(wl))
    assert err.max() < 1e-4, f"fit of an exact 2-pole model: max rel. error {err.max():.2e}"
    assert fitted.fit_error[0][2] == pytest.approx(err.max(), rel=1e-6)


def test_fit_error_by_band_reports_nan_for_empty_band():
    model = MaterialModel("m", 2.0)
    out = fit_error_by_band(model, [500.0, 600.0], [2.0 + 0j, 2.2 + 0j], [(450, 550), (700, 800)])
    assert out[0] == (450.0, 550.0, 0.0) and math.isnan(out[1][2])


def test_sellmeier_poles_equal_the_formula():
    coefficients = (0.0, 0.6961663, 0.0684043, 0.4079426, 0.1162414, 0.8974794, 9.896161)
    eps_inf, poles = sellmeier_poles(coefficients)
    model = MaterialModel("SiO2", eps_inf, poles)
    lam_um = np.array([0.4, 0.5893, 1.55])
    n2 = 1 + sum(b * lam_um**2 / (lam_um**2 - c**2)
                 for b, c in zip(coefficients[1::2], coefficients[2::2]))
    np.testing.assert_allclose(model.eps(lam_um * 1000).real, n2, rtol=1e-12)
    assert math.sqrt(n2[1]) == pytest.approx(1.4584, abs=1e-4)  # fused silica n_D


def test_dielectric_defaults_are_one_pole_and_close_to_sellmeier():
    for name, author in (("SiO2", "Malitson"), ("Al2O3", "Malitson"), ("MgF2", "Dodge"),
                         ("LiF", "Li")):
        fit, exact = get_material(name), get_material(f"{name}_{author}")
        assert len(fit.poles) == 1 and not fit.is_metal
        wl = np.linspace(*fit.valid_nm, 50)
        err = np.abs(fit.eps(wl) - exact.eps(wl)) / np.abs(exact.eps(wl))
        assert err.max() < 2e-3, f"{name}: one-pole fit vs Sellmeier max rel. error {err.max():.2e}"
        assert np.all(fit.eps(wl).imag == 0.0)


def test_mgf2_index_matches_dodge():
    # Dodge, Appl. Opt. 23, 1980 (1984): n_o(587.6 nm) = 1.378 (quoted to 3 decimals)
    n = float(eps_to_nk(get_material("MgF2_Dodge").eps(587.6)).real)
    assert n == pytest.approx(1.378, abs=5e-4), f"n_o(587.6) = {n:.5f}, expected 1.378"


def test_yaml_reader_without_pyyaml_agrees(shared_data):
    from hotlase.geometry.materials.fit import _parse_simple_yaml

    yaml = pytest.importorskip("yaml")

    for file in ("Ag_Johnson.yml", "CsPbBr3_Brennan.yml", "SiO2_Malitson.yml"):
        text = (shared_data / file).read_text()
        full, simple = yaml.safe_load(text), _parse_simple_yaml(text)
        assert full["DATA"][0]["type"] == simple["DATA"][0]["type"]
        key = "data" if "data" in full["DATA"][0] else "coefficients"
        assert str(full["DATA"][0][key]).split() == str(simple["DATA"][0][key]).split()
