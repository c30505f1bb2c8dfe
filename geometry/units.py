"""Every physical constant and unit conversion of hotlase, in one place.

Conventions (docs/physics.md §1): user-facing quantities are SI plus nm and eV; Meep's
length unit is a = 1 µm, so a Meep frequency is 1/λ[µm] and its time unit is a/c.
"""

from __future__ import annotations

import numpy as np

# CODATA 2018 exact or recommended values (SI).
C0_M_S = 299_792_458.0  # speed of light, m/s
EPS0_F_M = 8.8541878128e-12  # vacuum permittivity, F/m
MU0_H_M = 1.25663706212e-6  # vacuum permeability, H/m
E_CHARGE_C = 1.602176634e-19  # elementary charge, C
HBAR_J_S = 1.054571817e-34  # reduced Planck constant, J s
H_J_S = 6.62607015e-34  # Planck constant, J s
HC_EV_NM = H_J_S * C0_M_S / E_CHARGE_C * 1e9  # h c in eV nm (1239.84...)
Z0_OHM = MU0_H_M * C0_M_S  # vacuum impedance, Ohm

NM_PER_MEEP_LENGTH = 1000.0  # Meep length unit a = 1 µm
MEEP_TIME_S = NM_PER_MEEP_LENGTH * 1e-9 / C0_M_S  # a/c = 3.336 fs


def ev_to_nm(energy_ev):
    """Photon energy (eV) to vacuum wavelength (nm): λ = hc / E."""
    return HC_EV_NM / np.asarray(energy_ev, dtype=float)


def nm_to_ev(wavelength_nm):
    """Vacuum wavelength (nm) to photon energy (eV): E = hc / λ."""
    return HC_EV_NM / np.asarray(wavelength_nm, dtype=float)


def nm_to_meep_freq(wavelength_nm):
    """Vacuum wavelength (nm) to Meep frequency f = 1/λ[µm] (a = 1 µm)."""
    return NM_PER_MEEP_LENGTH / np.asarray(wavelength_nm, dtype=float)


def meep_freq_to_nm(freq):
    """Meep frequency (a = 1 µm, c = 1) to vacuum wavelength (nm)."""
    return NM_PER_MEEP_LENGTH / np.asarray(freq, dtype=float)


def ev_to_meep_freq(energy_ev):
    """Photon energy (eV) to Meep frequency (a = 1 µm): f = E / (hc / 1 µm)."""
    return np.asarray(energy_ev, dtype=float) * NM_PER_MEEP_LENGTH / HC_EV_NM


def meep_freq_to_ev(freq):
    """Meep frequency (a = 1 µm) to photon energy (eV)."""
    return np.asarray(freq, dtype=float) * HC_EV_NM / NM_PER_MEEP_LENGTH


def nm_to_meep_length(length_nm):
    """Length in nm to Meep length units (µm)."""
    return np.asarray(length_nm, dtype=float) / NM_PER_MEEP_LENGTH


def meep_length_to_nm(length):
    """Meep length units (µm) to nm."""
    return np.asarray(length, dtype=float) * NM_PER_MEEP_LENGTH


def wavelength_nm_to_omega_rad_s(wavelength_nm):
    """Vacuum wavelength (nm) to angular frequency ω = 2πc/λ (rad/s)."""
    return 2.0 * np.pi * C0_M_S / (np.asarray(wavelength_nm, dtype=float) * 1e-9)


def photon_energy_j(wavelength_nm):
    """Photon energy ħω (J) at a vacuum wavelength (nm)."""
    return H_J_S * C0_M_S / (np.asarray(wavelength_nm, dtype=float) * 1e-9)


def nk_to_eps(n, k):
    """Complex permittivity from refractive index: ε = (n + ik)^2 (e^{-iωt} convention)."""
    return (np.asarray(n) + 1j * np.asarray(k)) ** 2


def eps_to_nk(eps):
    """Refractive index n + ik = sqrt(ε) on the branch with k >= 0."""
    nk = np.sqrt(np.asarray(eps, dtype=complex))
    return np.where(nk.imag < 0, -nk, nk)


def kw_cm2_to_w_m2(intensity_kw_cm2):
    """Intensity kW/cm^2 to W/m^2."""
    return np.asarray(intensity_kw_cm2, dtype=float) * 1e7


def whole_cells(length_nm: float, resolution_nm: float) -> bool:
    """True when a length is a whole number of grid cells (to 1e-6 of a cell per cell): Meep
    rounds a periodic cell side that is not (solvers.stability.mirror_consistent,
    geometry.study.check_study)."""
    cells = length_nm / resolution_nm
    return abs(cells - round(cells)) < 1e-6 * max(1.0, cells)
