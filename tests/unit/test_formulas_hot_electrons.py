"""Hot-electron rates: dimensions, scalings, limits, and the Kreibig cross-check of the prefactor.

The cross-check: a free-electron (Drude) sphere of radius R in a uniform internal field E.
Surface-collision damping γ_s = (3/4) v_F / R adds Im ε_s = ω_p² γ_s / ω³, absorbing
P_s = (ε0/2) ω Im ε_s |E|² V. The Govorov surface rate at zero barrier, times ħω, must equal
P_s; with the (2/π²) of docs/physics.md read in our Re[E e^{-iωt}] convention it would be 4x off.
Tolerance 1e-5: the quadrature of ∮|E_n|² dS over 20,000 polar bins.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.materials.electronic import metal_electronic
from hotlase.geometry.units import (
    E_CHARGE_C,
    EPS0_F_M,
    HBAR_J_S,
    nm_to_ev,
    photon_energy_j,
    wavelength_nm_to_omega_rad_s,
)
from hotlase.postprocess.hot_electrons import (
    hot_electron_rate_surface_s,
    hot_electron_rate_upper_s,
    qe_heg,
    qe_pi_heg,
    surface_collision_length_nm,
    surface_generation_rate_density_m2_s,
    surface_scattering_fraction,
)

ELECTRON_MASS_KG = 9.1093837015e-31  # CODATA 2018; only this free-electron test needs it


def _close(measured, expected, rtol, what):
    measured, expected = float(measured), float(expected)
    err = abs(measured - expected) / abs(expected)
    assert err <= rtol, f"{what}: measured {measured:.6g}, expected {expected:.6g}, rel {err:.3g}"


def test_upper_bound_is_one_carrier_per_photon():
    # 1 mW at 532 nm: 1e-3 / (6.62607015e-34 * 299792458 / 532e-9) = 2.6782e15 /s
    _close(hot_electron_rate_upper_s(1e-3, 532.0), 1e-3 / photon_energy_j(532.0), 1e-14, "rate")
    _close(hot_electron_rate_upper_s(1e-3, 532.0), 2.6782e15, 1e-4, "rate (printed)")
    with pytest.raises(ValueError, match="absorbed_power_w"):
        hot_electron_rate_upper_s(-1.0, 532.0)


def test_surface_rate_dimensions_by_exponent_algebra():
    # base exponents (kg, m, s, A)
    def dim(kg=0, m=0, s=0, a=0):
        return np.array([kg, m, s, a])

    coulomb, joule, second = dim(s=1, a=1), dim(kg=1, m=2, s=-2), dim(s=1)
    volt_per_m = joule - coulomb - dim(m=1)
    # e^2 E_F^2 / hbar * (hw - dEb) / (hw)^4 * |E_n|^2
    total = 2 * coulomb + 2 * joule - (joule + second) + joule - 4 * joule + 2 * volt_per_m
    assert np.array_equal(total, dim(m=-2, s=-1)), f"dimension {total}, expected 1/(m^2 s)"


def test_surface_rate_scalings_and_threshold():
    ef = 5.49
    base = surface_generation_rate_density_m2_s(1e7, 532.0, 1.0, ef)
    _close(surface_generation_rate_density_m2_s(2e7, 532.0, 1.0, ef) / base, 4.0, 1e-13, "|E|^2")
    _close(surface_generation_rate_density_m2_s(1e7 * 1j, 532.0, 1.0, ef) / base, 1.0, 1e-13,
           "phase of E_n")
    _close(surface_generation_rate_density_m2_s(1e7, 532.0, 1.0, 2 * ef) / base, 4.0, 1e-13,
           "E_F^2")
    hw1, hw2 = float(nm_to_ev(532.0)), float(nm_to_ev(405.0))
    expected = ((hw2 - 0.5) / hw2**4) / ((hw1 - 1.0) / hw1**4)
    got = (surface_generation_rate_density_m2_s(1e7, 405.0, 0.5, ef) / base)
    _close(got, expected, 1e-12, "(hw - dEb)/(hw)^4")
    assert surface_generation_rate_density_m2_s(1e7, 532.0, hw1, ef) == 0.0
    assert surface_generation_rate_density_m2_s(1e7, 532.0, hw1 + 0.1, ef) == 0.0
    with pytest.raises(ValueError, match="barrier_ev"):
        surface_generation_rate_density_m2_s(1e7, 532.0, -0.1, ef)


def test_surface_rate_hand_value():
    # 1/(2 pi^2) * e^2 (5.49 eV)^2 / hbar * (2.3305 - 0.66 eV) / (2.3305 eV)^4 * (1e7 V/m)^2
    e, hbar = 1.602176634e-19, 1.054571817e-34
    hw = 6.62607015e-34 * 299792458 / 532e-9
    hand = 1 / (2 * np.pi**2) * e**2 * (5.49 * e) ** 2 / hbar * (hw - 0.66 * e) / hw**4 * 1e14
    _close(surface_generation_rate_density_m2_s(1e7, 532.0, 0.66, 5.49), hand, 1e-14, "rate")


def test_zero_barrier_surface_power_equals_kreibig_surface_damping():
    ag = metal_electronic("Ag")
    radius_nm, e_in, wl = 10.0, 1e7, 532.0
    ef_j = ag.fermi_energy_ev * E_CHARGE_C
    k_f = np.sqrt(2 * ELECTRON_MASS_KG * ef_j) / HBAR_J_S
    v_f = HBAR_J_S * k_f / ELECTRON_MASS_KG
    wp2 = k_f**3 / (3 * np.pi**2) * E_CHARGE_C**2 / (EPS0_F_M * ELECTRON_MASS_KG)
    omega = wavelength_nm_to_omega_rad_s(wl)
    r_m = radius_nm * 1e-9
    volume = 4 / 3 * np.pi * r_m**3

    # sphere surface in polar bins; E_n = E cos(theta)
    n = 20000
    theta = (np.arange(n) + 0.5) * np.pi / n
    areas = 2 * np.pi * r_m**2 * np.sin(theta) * np.pi / n
    e_normal = e_in * np.cos(theta)
    density = surface_generation_rate_density_m2_s(e_normal, wl, 0.0, ag.fermi_energy_ev)
    p_surface = hot_electron_rate_surface_s(density, areas) * photon_energy_j(wl)

    gamma_s = 0.75 * v_f / r_m
    p_kreibig = 0.5 * omega * EPS0_F_M * (wp2 * gamma_s / omega**3) * e_in**2 * volume
    _close(p_surface, p_kreibig, 1e-5, "hbar w x Rate(dEb=0) vs Kreibig A=3/4 power")

    # ... and so QE_HEG(dEb = 0) is the surface share of the total damping
    gamma_b = ag.bulk_damping_rad_s
    p_bulk = 0.5 * omega * EPS0_F_M * (wp2 * gamma_b / omega**3) * e_in**2 * volume
    l_eff = surface_collision_length_nm(e_in**2 * volume * 1e27,
                                        e_in**2 * 4 * np.pi * (r_m * 1e9) ** 2 / 3)
    _close(l_eff, radius_nm, 1e-12, "L_eff of a sphere")
    fraction = surface_scattering_fraction(v_f, l_eff, ag.bulk_damping_ev)
    qe = qe_heg(p_surface / photon_energy_j(wl), p_bulk + p_surface, wl)
    _close(qe, fraction, 1e-5, "QE_HEG(dEb=0) vs gamma_s/(gamma_s+gamma_b)")


def test_surface_scattering_fraction_hand_value():
    # Ag, L = 10 nm: gamma_s = 0.75 * 1.39e6 / 1e-8 = 1.0425e14 /s; gamma_b = 0.021 eV / hbar
    gamma_b = 0.021 * E_CHARGE_C / HBAR_J_S
    _close(surface_scattering_fraction(1.39e6, 10.0, 0.021), 1.0425e14 / (1.0425e14 + gamma_b),
           1e-12, "fraction")
    assert surface_scattering_fraction(1.39e6, 1e9, 0.021) < 1e-6


def test_every_qe_within_unit_interval_on_a_grid():
    rate, power = np.meshgrid(np.logspace(0, 20, 21), [0.0, 1e-12, 1e-6, 1e-3, 1.0])
    for wl in (405.0, 532.0, 800.0):
        q = qe_heg(rate, power, wl)
        assert np.all((q >= 0) & (q <= 1)), f"QE_HEG outside [0, 1] at {wl} nm"
        assert np.all(q[power == 0] == 0), "no absorbed power must give QE_HEG = 0"
    a, b = np.meshgrid(np.linspace(0, 1, 11), np.linspace(0, 1, 11))
    p = qe_pi_heg(a, b)
    assert np.all((p >= 0) & (p <= 1))
    _close(qe_pi_heg(0.5, 0.2), 0.1, 1e-15, "QE_PI-HEG product")
    with pytest.raises(ValueError, match="qe_het"):
        qe_pi_heg(0.5, 1.2)


def test_qe_heg_hand_value():
    rate = 1e15
    _close(qe_heg(rate, 1e-3, 532.0), rate * photon_energy_j(532.0) / 1e-3, 1e-14, "QE_HEG")
