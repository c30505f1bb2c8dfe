"""Absorption, energy density, mode volume, confinement and field enhancement (docs/physics.md §4, §6).

numpy only. Field arrays are complex peak amplitudes in SI (E(t) = Re[E e^{-iωt}], docs/physics.md
§1) with the three Cartesian components first: shape (3, ...). Time averages carry the 1/2
(hence ε0/4 in the energy densities).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hotlase.geometry.materials.model import MaterialModel
from hotlase.geometry.units import EPS0_F_M, MU0_H_M, nm_to_ev, wavelength_nm_to_omega_rad_s

__all__ = [
    "absorbed_power_density_w_m3",
    "absorbed_power_by_material_w",
    "electric_energy_density_j_m3",
    "electric_energy_density_drude_j_m3",
    "magnetic_energy_density_j_m3",
    "d_omega_re_eps_d_omega",
    "energy_factor_drude_lorentz",
    "mode_volume_m3",
    "confinement_factor",
    "field_enhancement",
]


def _intensity(field) -> np.ndarray:
    """|F|² summed over the leading component axis of a (3, ...) array."""
    f = np.asarray(field)
    if f.ndim == 0 or f.shape[0] != 3:
        raise ValueError(f"field shape = {f.shape}: must be (3, ...), components first")
    return np.sum(np.abs(f) ** 2, axis=0)


def absorbed_power_density_w_m3(E_v_m, eps, wavelength_nm):
    """Time-averaged absorbed power density p = (1/2) ω ε0 Im ε |E|², W/m³.

    Citation: docs/physics.md §4; Jackson, Classical Electrodynamics, 3rd ed., §6.8
    (Poynting theorem for harmonic fields); Meep tutorial "absorbed power density".

    Args:
        E_v_m: complex field amplitude, V/m, shape (3, ...).
        eps: relative permittivity at each point, broadcastable to ``E_v_m.shape[1:]``.
        wavelength_nm: vacuum wavelength, nm.

    Returns:
        p in W/m³, shape ``E_v_m.shape[1:]``.
    """
    omega = wavelength_nm_to_omega_rad_s(wavelength_nm)
    return 0.5 * omega * EPS0_F_M * np.imag(np.asarray(eps, dtype=complex)) * _intensity(E_v_m)


def absorbed_power_by_material_w(
    p_w_m3, material_id, names: Sequence[str] | Mapping[int, str], voxel_volume_m3
) -> dict[str, float]:
    """P_abs per material: Σ over that material's voxels of p ΔV, W.

    Citation: docs/physics.md §4 (P_abs by material).

    Args:
        p_w_m3: absorbed power density, W/m³, any shape.
        material_id: integer material index per voxel, same shape as ``p_w_m3``.
        names: material name per index (sequence indexed by id, or mapping id -> name).
        voxel_volume_m3: volume of each voxel, m³ (scalar or broadcastable array).

    Returns:
        {material name: absorbed power in W}; materials with no voxel get 0.0.
    """
    p = np.asarray(p_w_m3, dtype=float)
    ids = np.asarray(material_id)
    if ids.shape != p.shape:
        raise ValueError(f"material_id shape = {ids.shape}: must equal p_w_m3 shape {p.shape}")
    table = dict(names) if isinstance(names, Mapping) else dict(enumerate(names))
    unknown = sorted(set(np.unique(ids).tolist()) - set(table))
    if unknown:
        raise ValueError(f"material_id = {unknown}: not in names (known ids {sorted(table)})")
    weighted = p * np.broadcast_to(np.asarray(voxel_volume_m3, dtype=float), p.shape)
    return {name: float(np.sum(weighted[ids == i])) for i, name in table.items()}


def electric_energy_density_j_m3(E_v_m, d_omega_eps_d_omega):
    """Brillouin electric energy density u_E = (ε0/4) d(ω Re ε)/dω |E|², J/m³.

    For a non-dispersive lossless medium d(ω Re ε)/dω = ε. Valid for weak loss; use
    ``electric_energy_density_drude_j_m3`` inside lossy Drude metals.
    Citation: docs/physics.md §6; Landau & Lifshitz, Electrodynamics of Continuous Media,
    §80 (Brillouin formula).

    Args:
        E_v_m: complex field amplitude, V/m, shape (3, ...).
        d_omega_eps_d_omega: d(ω Re ε)/dω at each point (``d_omega_re_eps_d_omega``).

    Returns:
        u_E in J/m³, shape ``E_v_m.shape[1:]``.
    """
    return 0.25 * EPS0_F_M * np.real(d_omega_eps_d_omega) * _intensity(E_v_m)


def electric_energy_density_drude_j_m3(E_v_m, eps, wavelength_nm, gamma_ev):
    """Loudon/Ruppin electric energy density in a Drude metal, (ε0/4)(Re ε + 2ω Im ε/γ)|E|², J/m³.

    Includes the kinetic energy of the free electrons; equals the Brillouin form as γ → 0.
    Citation: docs/physics.md §6; Ruppin, Phys. Lett. A 299, 309 (2002); Loudon, J. Phys. A
    3, 233 (1970).

    Args:
        E_v_m: complex field amplitude, V/m, shape (3, ...).
        eps: complex relative permittivity at each point.
        wavelength_nm: vacuum wavelength, nm.
        gamma_ev: Drude damping ħγ, eV, > 0.

    Returns:
        u_E in J/m³, shape ``E_v_m.shape[1:]``.
    """
    gamma_ev = np.asarray(gamma_ev, dtype=float)
    if np.any(gamma_ev <= 0):
        raise ValueError(f"gamma_ev = {gamma_ev}: must be > 0 (use the Brillouin form if 0)")
    omega_over_gamma = nm_to_ev(wavelength_nm) / gamma_ev  # ħω / ħγ
    e = np.asarray(eps, dtype=complex)
    return 0.25 * EPS0_F_M * (e.real + 2.0 * omega_over_gamma * e.imag) * _intensity(E_v_m)


def magnetic_energy_density_j_m3(H_a_m):
    """Magnetic energy density u_H = (μ0/4)|H|², J/m³ (non-magnetic media).

    Citation: docs/physics.md §6; Jackson, Classical Electrodynamics, 3rd ed., §6.8.

    Args:
        H_a_m: complex field amplitude, A/m, shape (3, ...).

    Returns:
        u_H in J/m³.
    """
    return 0.25 * MU0_H_M * _intensity(H_a_m)


def d_omega_re_eps_d_omega(model: MaterialModel, wavelength_nm, rel_step: float = 1e-4):
    """d(ω Re ε)/dω of a material model by a centred finite difference in ω.

    With ω± = ω(1 ± h), i.e. λ± = λ/(1 ± h):
    d(ω Re ε)/dω ≈ [(1+h) Re ε(λ+) − (1−h) Re ε(λ−)] / (2h); error O(h²) (≈1e-8 relative
    for h = 1e-4 away from poles). Works for any model with ``eps(wavelength_nm)``.
    Citation: docs/physics.md §6 (Brillouin energy density of the dispersive media).

    Args:
        model: a ``MaterialModel`` (or anything with ``eps(wavelength_nm)``).
        wavelength_nm: vacuum wavelength(s), nm.
        rel_step: h, relative frequency step.

    Returns:
        Dimensionless d(ω Re ε)/dω.
    """
    if not 0 < rel_step < 0.1:
        raise ValueError(f"rel_step = {rel_step}: must be in (0, 0.1)")
    wl = np.asarray(wavelength_nm, dtype=float)
    up = np.real(model.eps(wl / (1.0 + rel_step)))
    down = np.real(model.eps(wl / (1.0 - rel_step)))
    return ((1.0 + rel_step) * up - (1.0 - rel_step) * down) / (2.0 * rel_step)


def energy_factor_drude_lorentz(model: MaterialModel, wavelength_nm):
    """Loudon/Ruppin energy factor of a Drude-Lorentz medium: u_E = (ε0/4) F |E|², with
    F = ε∞ + Σ_n σ_n E_n² (ω_n² + ω²) / ((ω_n² − ω²)² + γ_n² ω²), ω_n = 0 for Drude poles.

    The time-averaged field energy plus the oscillators' potential and kinetic energy: positive
    for any loss, equal to d(ω Re ε)/dω as γ → 0, and to ``electric_energy_density_drude_j_m3``'s
    factor for a Drude pole (where the Brillouin form fails: near an absorption line it goes
    negative, e.g. CsPbBr3 at 515 nm). A D-conductivity stores no energy and adds nothing.
    Citation: docs/physics.md §6; Ruppin, Phys. Lett. A 299, 309 (2002); Loudon, J. Phys. A
    3, 233 (1970).

    Args:
        model: a ``MaterialModel`` (ε∞ and poles in eV).
        wavelength_nm: vacuum wavelength(s), nm.

    Returns:
        Dimensionless F (> 0).
    """
    e = np.asarray(nm_to_ev(wavelength_nm), dtype=float)
    out = np.full(e.shape, float(model.eps_inf))
    for p in model.poles:
        w0 = p.frequency_ev**2 if p.kind == "lorentz" else 0.0
        out = out + p.sigma * p.frequency_ev**2 * (w0 + e**2) / ((w0 - e**2) ** 2 + (p.gamma_ev * e) ** 2)
    return out


def mode_volume_m3(u_j_m3, voxel_volume_m3):
    """Mode volume V = ∫u dV / max(u), m³ (energy-density definition).

    Citation: docs/physics.md §6; Kristensen & Hughes, ACS Photonics 1, 2 (2014) discuss
    its limits for lossy (quasinormal) modes.

    Args:
        u_j_m3: total energy density (electric + magnetic), J/m³, any shape.
        voxel_volume_m3: voxel volume, m³ (scalar or broadcastable).

    Returns:
        V in m³.
    """
    u = np.asarray(u_j_m3, dtype=float)
    peak = u.max()
    if not peak > 0:
        raise ValueError(f"max(u_j_m3) = {peak}: must be > 0")
    return float(np.sum(u * voxel_volume_m3) / peak)


def confinement_factor(u_electric_j_m3, in_gain_mask, u_total_j_m3=None, voxel_volume_m3=1.0):
    """Energy confinement factor Γ = ∫_gain u_E dV / ∫ u dV (dimensionless).

    Definition used: the electric energy in the gain medium over the total (electric +
    magnetic, dispersive) energy of the mode, so that modal gain = Γ g_material; with
    ``u_total_j_m3`` None the denominator is ∫ u_E dV.
    Citation: docs/physics.md §6, §8; cf. Robinson, Preston, Painter & Lipson, Opt. Express
    16, 16659 (2008) (why Γ of high-contrast modes is an energy, not |E|²-area, ratio).

    Args:
        u_electric_j_m3: electric energy density, J/m³.
        in_gain_mask: boolean, True in the gain medium, same shape.
        u_total_j_m3: total energy density, J/m³ (default: ``u_electric_j_m3``).
        voxel_volume_m3: voxel volume, m³ (scalar or broadcastable).

    Returns:
        Γ in [0, 1] for passive media.
    """
    u_e = np.asarray(u_electric_j_m3, dtype=float)
    mask = np.asarray(in_gain_mask, dtype=bool)
    if mask.shape != u_e.shape:
        raise ValueError(f"in_gain_mask shape = {mask.shape}: must equal {u_e.shape}")
    u_tot = u_e if u_total_j_m3 is None else np.asarray(u_total_j_m3, dtype=float)
    dv = np.broadcast_to(np.asarray(voxel_volume_m3, dtype=float), u_e.shape)
    total = np.sum(u_tot * dv)
    if not total > 0:
        raise ValueError(f"total energy = {total}: must be > 0")
    return float(np.sum((u_e * dv)[mask]) / total)


def field_enhancement(E_v_m, E0_v_m):
    """Field enhancement |E| / |E0| (amplitude ratio, not intensity).

    Citation: docs/physics.md §7 (field enhancement, metal vs no metal).

    Args:
        E_v_m: complex field, V/m, shape (3, ...).
        E0_v_m: reference (incident) field: a (3,) vector or a scalar magnitude, V/m.

    Returns:
        |E|/|E0|, shape ``E_v_m.shape[1:]``.
    """
    e0 = np.asarray(E0_v_m)
    e0_mag = np.sqrt(np.sum(np.abs(e0) ** 2)) if e0.ndim else abs(e0)
    if not e0_mag > 0:
        raise ValueError(f"E0_v_m = {E0_v_m}: magnitude must be > 0")
    return np.sqrt(_intensity(E_v_m)) / e0_mag
