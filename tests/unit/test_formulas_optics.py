"""Absorbed power, energy densities, mode volume, confinement, enhancement, lasing estimates.

The absorbed-power check integrates p(z) inside a metal half-space and compares with 1 − R of
the Fresnel formula (postprocess.analytic.stack_rt); tolerance 1e-6 from the quadrature.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.materials.model import MaterialModel, Pole
from hotlase.geometry.units import C0_M_S, EPS0_F_M, HC_EV_NM, wavelength_nm_to_omega_rad_s
from hotlase.postprocess.analytic import stack_rt
from hotlase.postprocess.lasing import purcell_factor, threshold_gain_per_m
from hotlase.postprocess.optics import (
    absorbed_power_by_material_w,
    absorbed_power_density_w_m3,
    confinement_factor,
    d_omega_re_eps_d_omega,
    electric_energy_density_drude_j_m3,
    electric_energy_density_j_m3,
    field_enhancement,
    magnetic_energy_density_j_m3,
    mode_volume_m3,
)


def _close(measured, expected, rtol, what):
    measured, expected = np.asarray(measured, float), np.asarray(expected, float)
    err = np.max(np.abs(measured - expected) / np.abs(expected))
    assert err <= rtol, f"{what}: measured {measured}, expected {expected}, rel. error {err:.3g}"


def test_absorbed_power_density_hand_value():
    # (1/2) * (2 pi c / 532 nm) * eps0 * 0.5 * (1e7)^2
    #   = 0.5 * 3.540698e15 * 8.854188e-12 * 0.5 * 1e14 = 7.837502e17 W/m^3
    e = np.array([1e7, 0, 0], dtype=complex)
    _close(absorbed_power_density_w_m3(e, 2 + 0.5j, 532.0), 7.837502e17, 1e-6, "p hand value")
    e3 = np.array([6e6, 8e6j, 0])  # |E|^2 = 1e14 as well
    _close(absorbed_power_density_w_m3(e3, 2 + 0.5j, 532.0), 7.837502e17, 1e-6, "p, complex E")
    assert absorbed_power_density_w_m3(e, 2.0, 532.0) == 0.0
    with pytest.raises(ValueError, match="shape"):
        absorbed_power_density_w_m3(np.ones((2, 4)), 2 + 0.5j, 532.0)


def test_volume_absorption_in_metal_half_space_equals_one_minus_fresnel_r():
    wl, eps_m = 532.0, -11.75 + 0.37j
    n_m = np.sqrt(eps_m)
    t = 2 / (1 + n_m)  # E transmission, normal incidence from vacuum
    k_m = 2 * np.pi * n_m / (wl * 1e-9)  # 1/m
    z = np.linspace(0, 400e-9, 400001)  # 16 skin depths
    e0 = 1.0
    field = np.zeros((3, z.size), dtype=complex)
    field[0] = t * e0 * np.exp(1j * k_m * z)
    p = absorbed_power_density_w_m3(field, eps_m, wl)
    absorbed = np.sum((p[1:] + p[:-1]) / 2 * np.diff(z))  # W/m^2
    incident = 0.5 * C0_M_S * EPS0_F_M * e0**2
    r, _ = stack_rt(wl, [], [], 1.0, eps_m)
    _close(absorbed / incident, 1 - r, 1e-6, "A volume integral vs 1 - R Fresnel")


def test_absorbed_power_by_material():
    p = np.array([[1.0, 2.0], [3.0, 4.0]])
    ids = np.array([[0, 1], [1, 2]])
    got = absorbed_power_by_material_w(p, ids, ["air", "Ag_JC", "CsPbBr3"], 2.0)
    assert got == {"air": 2.0, "Ag_JC": 10.0, "CsPbBr3": 8.0}, got
    got = absorbed_power_by_material_w(p, ids, {0: "a", 1: "b", 2: "c", 7: "unused"}, 1.0)
    assert got["unused"] == 0.0 and got["b"] == 5.0
    with pytest.raises(ValueError, match="material_id"):
        absorbed_power_by_material_w(p, ids, ["air", "Ag"], 1.0)


def _drude(wp_ev, gamma_ev):
    return MaterialModel("drude", 1.0, (Pole("drude", wp_ev, gamma_ev, 1.0),), is_metal=True)


def test_finite_difference_d_omega_eps_matches_lossless_drude():
    wl, wp_ev = 532.0, 9.0
    hw = HC_EV_NM / wl
    expected = 1 + wp_ev**2 / hw**2  # d(w - wp^2/w)/dw
    _close(d_omega_re_eps_d_omega(_drude(wp_ev, 0.0), wl), expected, 1e-7, "d(w Re eps)/dw")
    const = MaterialModel("glass", 2.25)
    _close(d_omega_re_eps_d_omega(const, [400.0, 800.0]), [2.25, 2.25], 1e-12, "non-dispersive")


def test_loudon_form_tends_to_brillouin_for_weak_damping_and_differs_for_strong():
    wl, wp_ev = 532.0, 9.0
    e = np.array([1e6, 0, 0])
    brillouin = electric_energy_density_j_m3(e, d_omega_re_eps_d_omega(_drude(wp_ev, 0.0), wl))
    for gamma, tol in ((1e-4, 1e-6), (1e-2, 1e-4)):
        eps = _drude(wp_ev, gamma).eps(wl)
        loudon = electric_energy_density_drude_j_m3(e, eps, wl, gamma)
        _close(loudon, brillouin, tol, f"Loudon (gamma {gamma} eV) vs Brillouin")
    # hand value of the Brillouin form: (eps0/4) * 2.25 * 1e12
    _close(electric_energy_density_j_m3(e, 2.25), EPS0_F_M / 4 * 2.25e12, 1e-14, "u_E")
    h = np.array([0, 1e3, 0])
    _close(magnetic_energy_density_j_m3(h), 1.25663706212e-6 / 4 * 1e6, 1e-12, "u_H")
    with pytest.raises(ValueError, match="gamma_ev"):
        electric_energy_density_drude_j_m3(e, -10 + 1j, wl, 0.0)


def test_plane_wave_electric_equals_magnetic_energy_in_vacuum():
    e = np.array([1e6, 0, 0])
    h = np.array([0, 1e6 / (C0_M_S * 1.25663706212e-6), 0])  # |H| = |E| / Z0
    _close(electric_energy_density_j_m3(e, 1.0), magnetic_energy_density_j_m3(h), 1e-9, "uE=uH")


def test_mode_volume_and_confinement():
    u = np.zeros((10, 10))
    u[2:4, 2:4] = 1.0
    _close(mode_volume_m3(u, 1e-27), 4e-27, 1e-14, "V of a flat 4-voxel mode")
    u[3, 3] = 2.0
    _close(mode_volume_m3(u, 1e-27), 2.5e-27, 1e-14, "V = 5 / 2 voxels")
    with pytest.raises(ValueError, match="max"):
        mode_volume_m3(np.zeros(3), 1.0)
    u_e = np.ones(8)
    mask = np.arange(8) < 2
    _close(confinement_factor(u_e, mask), 0.25, 1e-15, "Gamma (electric only)")
    _close(confinement_factor(u_e, mask, u_total_j_m3=2 * u_e), 0.125, 1e-15, "Gamma (total)")
    with pytest.raises(ValueError, match="in_gain_mask"):
        confinement_factor(u_e, mask[:4])


def test_field_enhancement():
    e = np.array([[3.0, 0.0], [4.0j, 1.0], [0.0, 0.0]])
    _close(field_enhancement(e, np.array([1.0, 0, 0])), [5.0, 1.0], 1e-15, "|E|/|E0|")
    _close(field_enhancement(e, 0.5), [10.0, 2.0], 1e-15, "scalar E0")


def test_threshold_gain_and_purcell():
    # 2 pi * 3 / (532e-9 m * 100) = 3.5431e5 /m
    _close(threshold_gain_per_m(3.0, 532.0, 100.0), 2 * np.pi * 3 / (532e-9 * 100), 1e-14, "g_th")
    _close(threshold_gain_per_m(3.0, 532.0, 100.0), 3.5431e5, 1e-4, "g_th (printed)")
    omega = wavelength_nm_to_omega_rad_s(532.0)
    # same thing from the photon lifetime: (omega/Q) / (c/n_g)
    _close(threshold_gain_per_m(3.0, 532.0, 100.0), omega / 100 * 3 / C0_M_S, 1e-12, "w/(Q v_g)")
    with pytest.raises(ValueError, match="q_factor"):
        threshold_gain_per_m(3.0, 532.0, 0.0)
    _close(purcell_factor([2.0, 6.0], 2.0), [1.0, 3.0], 0, "Purcell")
    with pytest.raises(ValueError, match="ldos_reference"):
        purcell_factor(1.0, 0.0)
