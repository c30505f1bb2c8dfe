"""Hot-electron generation rates and efficiencies of the metal (docs/physics.md §5). numpy only.

Three rates, reported side by side (docs/physics.md §5, Dubi & Sivan debate): the upper bound (one
carrier per absorbed photon), the surface (Landau-damping) generation of carriers above a
barrier, and the injected current (surface rate x QE_HET, see ``postprocess.electronic``).

Field convention (docs/physics.md §1): E(t) = Re[E e^{-iωt}], so |E| is the peak amplitude.
"""

from __future__ import annotations

import numpy as np

from hotlase.geometry.units import E_CHARGE_C, HBAR_J_S, nm_to_ev, photon_energy_j

__all__ = [
    "hot_electron_rate_upper_s",
    "surface_generation_rate_density_m2_s",
    "hot_electron_rate_surface_s",
    "qe_heg",
    "qe_pi_heg",
    "surface_collision_length_nm",
    "surface_scattering_fraction",
]

# Prefactor of the surface rate for fields in the Re[E e^{-iωt}] convention: 1/(2π²), a
# quarter of the (2/π²) quoted in docs/physics.md. The factor 4 is what a field written as
# E_ω e^{-iωt} + c.c. (peak 2|E_ω|) would account for; the paper text was not reachable here to
# confirm its convention, so the value is fixed independently: at zero barrier ħω × rate must
# equal the Kreibig surface-collision absorption (A = 3/4) of a free-electron sphere (see the
# docstring below and tests/unit/test_formulas_hot_electrons.py).
_SURFACE_PREFACTOR = 1.0 / (2.0 * np.pi**2)


def hot_electron_rate_upper_s(absorbed_power_w, wavelength_nm):
    """Upper bound on hot carriers per second: Rate_max = P_abs / (ħω).

    Every absorbed photon makes one carrier (no heat, no interband split).
    Citation: docs/physics.md §5 (upper bound).

    Args:
        absorbed_power_w: power absorbed in the metal, W, >= 0.
        wavelength_nm: vacuum wavelength, nm.

    Returns:
        Carriers per second.
    """
    p = np.asarray(absorbed_power_w, dtype=float)
    if np.any(p < 0):
        raise ValueError(f"absorbed_power_w = {absorbed_power_w}: must be >= 0")
    return p / photon_energy_j(wavelength_nm)


def surface_generation_rate_density_m2_s(
    e_normal_inside_v_m, wavelength_nm, barrier_ev, fermi_energy_ev
):
    """Surface (Landau-damping) generation of hot electrons above a barrier, per m² per s.

    dRate/dS = (1/(2π²)) (e² E_F² / ħ) ((ħω − ΔE_b) / (ħω)⁴) |E_n|²  for ħω > ΔE_b, else 0,
    with E_n the peak amplitude (Re[E e^{-iωt}] convention) of the field normal to the
    surface just inside the metal, e in C, E_F, ħω, ΔE_b in J, ħ in J s.

    Verified: (1) dimensions: C² J² /(J s) × J/J⁴ × V²/m² = (C V / J)² / (m² s) = 1/(m² s)
    (checked by exponent algebra in the unit test). The numerical factor is the same in SI and
    Gaussian units because e²|E|² is unit-system invariant, so the published form is
    dimensionally right as written in docs/physics.md. (2) prefactor: docs/physics.md quotes (2/π²);
    for our peak-amplitude convention it must be 1/(2π²) (4x smaller, as if the published
    field were E_ω e^{-iωt} + c.c.; the paper's convention could not be read here). Check:
    the flat hot-electron distribution of this model makes
    ħω × Rate(ΔE_b = 0) = (1/(2π²)) e² E_F² / (ħ (ħω)²) ∮|E_n|² dS, which equals the
    Kreibig surface-collision absorption (ε0/2) ω Im ε_s |E|² V of a free-electron sphere with
    γ_s = (3/4) v_F / R exactly (test in tests/unit/test_formulas_hot_electrons.py); with
    (2/π²) it would be 4x too large.
    Citation: docs/physics.md §5; Govorov, Zhang & Gun'ko, J. Phys. Chem. C 117, 16616
    (2013); Besteiro et al., ACS Photonics 4, 2759 (2017).

    Args:
        e_normal_inside_v_m: complex (or real) normal field amplitude inside the metal, V/m;
            any shape (e.g. one value per surface element).
        wavelength_nm: vacuum wavelength, nm.
        barrier_ev: ΔE_b, energy above E_F the electron must have, eV (>= 0; 0 counts all).
        fermi_energy_ev: E_F of the metal, eV, > 0.

    Returns:
        Generation rate per unit area, 1/(m² s), same shape as the field.
    """
    ef = np.asarray(fermi_energy_ev, dtype=float)
    if np.any(ef <= 0):
        raise ValueError(f"fermi_energy_ev = {fermi_energy_ev}: must be > 0")
    barrier = np.asarray(barrier_ev, dtype=float)
    if np.any(barrier < 0):
        raise ValueError(f"barrier_ev = {barrier_ev}: must be >= 0")
    hw_ev = nm_to_ev(wavelength_nm)
    hw_j = hw_ev * E_CHARGE_C
    excess_j = np.maximum(hw_ev - barrier, 0.0) * E_CHARGE_C  # in eV first: exact 0 at threshold
    ef_j = ef * E_CHARGE_C
    return (
        _SURFACE_PREFACTOR
        * E_CHARGE_C**2
        * ef_j**2
        / HBAR_J_S
        * excess_j
        / hw_j**4
        * np.abs(np.asarray(e_normal_inside_v_m)) ** 2
    )


def hot_electron_rate_surface_s(rate_density_m2_s, area_m2):
    """Total surface generation rate: Σ (dRate/dS) ΔS over surface elements, 1/s.

    Citation: docs/physics.md §5 (surface integral of the Govorov rate density).

    Args:
        rate_density_m2_s: rate per unit area of each element, 1/(m² s).
        area_m2: area of each element (or one common area), m², >= 0.

    Returns:
        Hot electrons per second.
    """
    area = np.asarray(area_m2, dtype=float)
    if np.any(area < 0):
        raise ValueError(f"area_m2 = {area_m2}: must be >= 0")
    return float(np.sum(np.asarray(rate_density_m2_s, dtype=float) * area))


def qe_heg(rate_surface_s, absorbed_power_metal_w, wavelength_nm):
    """QE_HEG = Rate_HE ħω / P_abs,metal, clipped to [0, 1]; 0 when nothing is absorbed.

    The fraction of the power absorbed in the metal that becomes hot electrons over the
    barrier (zero without metal by construction, docs/physics.md §7).
    Citation: docs/physics.md §5; Govorov et al., J. Phys. Chem. C 117, 16616 (2013).

    Args:
        rate_surface_s: hot electrons per second over the barrier.
        absorbed_power_metal_w: power absorbed in the metal, W, >= 0.
        wavelength_nm: vacuum wavelength, nm.

    Returns:
        Dimensionless efficiency in [0, 1].
    """
    p = np.asarray(absorbed_power_metal_w, dtype=float)
    if np.any(p < 0):
        raise ValueError(f"absorbed_power_metal_w = {absorbed_power_metal_w}: must be >= 0")
    energy = np.asarray(rate_surface_s, dtype=float) * photon_energy_j(wavelength_nm)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p > 0, energy / np.where(p > 0, p, 1.0), 0.0)
    return np.clip(ratio, 0.0, 1.0)


def qe_pi_heg(qe_heg_value, qe_het_value):
    """QE_PI-HEG = QE_HEG × QE_HET: absorbed power to carriers injected into the perovskite.

    Citation: docs/physics.md §5 (seed Figure S7).

    Args:
        qe_heg_value: generation efficiency, in [0, 1].
        qe_het_value: transfer efficiency over the barrier, in [0, 1].

    Returns:
        Dimensionless product in [0, 1].
    """
    a = np.asarray(qe_heg_value, dtype=float)
    b = np.asarray(qe_het_value, dtype=float)
    for name, v in (("qe_heg", a), ("qe_het", b)):
        if np.any((v < 0) | (v > 1)):
            raise ValueError(f"{name} = {v}: must be in [0, 1]")
    return a * b


def surface_collision_length_nm(field_volume_integral, normal_field_surface_integral_per_nm):
    """Effective length L_eff = ∫|E|² dV / ∮|E_n|² dS, nm (R for a sphere in a uniform field).

    Citation: docs/physics.md §5 (cross-check); Khurgin, arXiv:1811.09873 (surface-collision
    damping γ_s = A v_F / L_eff).

    Args:
        field_volume_integral: ∫|E|² dV over the metal, in (V/m)² nm³.
        normal_field_surface_integral_per_nm: ∮|E_n|² dS just inside the metal, (V/m)² nm².

    Returns:
        L_eff in nm.
    """
    return np.asarray(field_volume_integral, float) / np.asarray(
        normal_field_surface_integral_per_nm, float
    )


def surface_scattering_fraction(fermi_velocity_m_s, length_eff_nm, bulk_damping_ev, a_factor=0.75):
    """Fraction of damping from surface collisions: γ_s / (γ_bulk + γ_s), γ_s = A v_F / L_eff.

    The share of absorbed power that goes to the surface (Landau) channel, a cross-check of
    QE_HEG at zero barrier. A = 3/4 is Kreibig's isotropic-scattering value.
    Citation: docs/physics.md §5; Kreibig & Vollmer, Optical Properties of Metal Clusters
    (1995); Khurgin, arXiv:1811.09873.

    Args:
        fermi_velocity_m_s: v_F, m/s.
        length_eff_nm: L_eff, nm, > 0 (``surface_collision_length_nm``).
        bulk_damping_ev: ħγ_bulk, eV, >= 0.
        a_factor: A, dimensionless.

    Returns:
        Dimensionless fraction in [0, 1].
    """
    length = np.asarray(length_eff_nm, dtype=float)
    if np.any(length <= 0):
        raise ValueError(f"length_eff_nm = {length_eff_nm}: must be > 0")
    gamma_s = a_factor * np.asarray(fermi_velocity_m_s, float) / (length * 1e-9)
    gamma_b = np.asarray(bulk_damping_ev, dtype=float) * E_CHARGE_C / HBAR_J_S
    return gamma_s / (gamma_b + gamma_s)
