"""Passive lasing estimates: threshold modal gain from Q, Purcell factor (docs/physics.md §6, §8).

numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["threshold_gain_per_m", "purcell_factor"]


def threshold_gain_per_m(group_index, wavelength_nm, q_factor):
    """Threshold modal gain Γ g_th = 2π n_g / (λ Q), 1/m.

    Gain balances the total loss rate ω/Q of the mode, converted to a per-length rate with the
    group velocity c/n_g: Γ g_th = (ω/Q)(n_g/c) = 2π n_g/(λ Q).
    Citation: docs/physics.md §8; Coldren, Corzine & Mashanovitch, Diode Lasers and Photonic
    Integrated Circuits, 2nd ed. (2012), ch. 2 (threshold gain = cavity loss, Q = ω τ_photon).

    Args:
        group_index: modal group index n_g, > 0.
        wavelength_nm: vacuum wavelength λ, nm, > 0.
        q_factor: quality factor Q of the passive mode, > 0.

    Returns:
        Γ g_th in 1/m (divide by 100 for 1/cm).
    """
    ng = np.asarray(group_index, dtype=float)
    wl = np.asarray(wavelength_nm, dtype=float)
    q = np.asarray(q_factor, dtype=float)
    for name, v in (("group_index", ng), ("wavelength_nm", wl), ("q_factor", q)):
        if np.any(v <= 0):
            raise ValueError(f"{name} = {v}: must be > 0")
    return 2.0 * np.pi * ng / (wl * 1e-9 * q)


def purcell_factor(ldos, ldos_reference):
    """Purcell factor F = LDOS / LDOS_reference (same dipole, same source, two structures).

    In hotlase the reference is the no-metal twin (docs/physics.md §7), so F is the metal's effect
    on the emitter; against the homogeneous medium use ``analytic.ldos_homogeneous_ratio``.
    Citation: docs/physics.md §6; Purcell, Phys. Rev. 69, 681 (1946).

    Args:
        ldos: LDOS (or radiated power of a fixed current) with the structure, any units.
        ldos_reference: the same quantity in the reference, same units, > 0.

    Returns:
        Dimensionless F.
    """
    ref = np.asarray(ldos_reference, dtype=float)
    if np.any(ref <= 0):
        raise ValueError(f"ldos_reference = {ldos_reference}: must be > 0")
    return np.asarray(ldos, dtype=float) / ref
