"""Schottky barrier and internal photoemission over it (docs/physics.md §5). numpy only.

QE_HET: the probability that a hot electron of energy up to ħω above E_F crosses the metal /
perovskite Schottky barrier φ_B = W − χ, lowered by an applied field (image-force effect).
Energies in eV, fields in V/m.
"""

from __future__ import annotations

import numpy as np

from hotlase.geometry.units import E_CHARGE_C, EPS0_F_M

__all__ = ["schottky_barrier_ev", "schottky_lowering_ev", "fowler_yield", "qe_het"]


def schottky_barrier_ev(work_function_ev, electron_affinity_ev):
    """Schottky-Mott barrier height φ_B = W_metal − χ_semiconductor, eV.

    Ideal (no interface states or dipoles); a negative result means an ohmic contact and is
    returned as is so the caller can report it.
    Citation: docs/physics.md §5; Sze & Ng, Physics of Semiconductor Devices, 3rd ed., ch. 3.

    Args:
        work_function_ev: metal work function W, eV.
        electron_affinity_ev: semiconductor electron affinity χ, eV.

    Returns:
        φ_B in eV.
    """
    return np.asarray(work_function_ev, dtype=float) - np.asarray(electron_affinity_ev, float)


def schottky_lowering_ev(field_v_m, eps_static):
    """Image-force (Schottky) barrier lowering Δφ = sqrt(e F / (4π ε_s ε0)), eV.

    Units: e F / (4π ε_s ε0) is C·(V/m)/(F/m) = V², so its square root is in volts and Δφ in
    eV is that number (energy = e × volts). Example: F = 1e8 V/m, ε_s = 30 gives 0.0693 eV.
    Use ε_s of the semiconductor at the frequency the electron sees while crossing the barrier
    (static if slow, optical if fast; Sze & Ng discuss both).
    Citation: docs/physics.md §5; Sze & Ng, Physics of Semiconductor Devices, 3rd ed., ch. 3.

    Args:
        field_v_m: magnitude of the field at the interface, V/m, >= 0.
        eps_static: relative permittivity of the semiconductor, > 0.

    Returns:
        Δφ in eV (>= 0).
    """
    field = np.asarray(field_v_m, dtype=float)
    if np.any(field < 0):
        raise ValueError(f"field_v_m = {field_v_m}: must be >= 0 (pass the magnitude)")
    eps_s = np.asarray(eps_static, dtype=float)
    if np.any(eps_s <= 0):
        raise ValueError(f"eps_static = {eps_static}: must be > 0")
    return np.sqrt(E_CHARGE_C * field / (4.0 * np.pi * eps_s * EPS0_F_M))


def fowler_yield(photon_ev, barrier_ev, fermi_ev):
    """Internal-photoemission yield η = (ħω − φ_B)² / (8 E_F ħω) for ħω > φ_B, else 0.

    Modified Fowler law for a thick metal with an isotropic hot-electron momentum
    distribution; clipped to [0, 1]. A barrier <= 0 is treated as 0 (every excited electron
    above E_F may cross; the yield is then ħω / (8 E_F)).
    Citation: docs/physics.md §5; Scales & Berini, IEEE J. Quantum Electron. 46, 633 (2010).

    Args:
        photon_ev: photon energy ħω, eV, > 0.
        barrier_ev: Schottky barrier φ_B, eV.
        fermi_ev: Fermi energy E_F of the metal, eV, > 0.

    Returns:
        η, dimensionless, in [0, 1].
    """
    hw = np.asarray(photon_ev, dtype=float)
    if np.any(hw <= 0):
        raise ValueError(f"photon_ev = {photon_ev}: must be > 0")
    ef = np.asarray(fermi_ev, dtype=float)
    if np.any(ef <= 0):
        raise ValueError(f"fermi_ev = {fermi_ev}: must be > 0")
    phi = np.maximum(np.asarray(barrier_ev, dtype=float), 0.0)
    excess = np.maximum(hw - phi, 0.0)
    return np.clip(excess**2 / (8.0 * ef * hw), 0.0, 1.0)


def qe_het(photon_ev, barrier_ev, fermi_ev, field_v_m=0.0, eps_static=None):
    """QE_HET: Fowler yield over the field-lowered barrier φ_B − Δφ(F).

    Composition of ``schottky_lowering_ev`` and ``fowler_yield`` (no new physics); with
    F = 0 it is the plain Fowler yield.
    Citation: docs/physics.md §5 (QE_HET with EPL field); Scales & Berini, IEEE JQE 46, 633
    (2010); Sze & Ng ch. 3.

    Args:
        photon_ev: photon energy ħω, eV.
        barrier_ev: unlowered Schottky barrier φ_B, eV.
        fermi_ev: metal Fermi energy, eV.
        field_v_m: interface field magnitude F, V/m (0: no lowering).
        eps_static: semiconductor relative permittivity; required when F > 0.

    Returns:
        QE_HET, dimensionless, in [0, 1].
    """
    field = np.asarray(field_v_m, dtype=float)
    if np.any(field != 0):
        if eps_static is None:
            raise ValueError("eps_static = None: required when field_v_m > 0")
        lowered = np.asarray(barrier_ev, dtype=float) - schottky_lowering_ev(field, eps_static)
    else:
        lowered = np.asarray(barrier_ev, dtype=float)
    return fowler_yield(photon_ev, lowered, fermi_ev)
