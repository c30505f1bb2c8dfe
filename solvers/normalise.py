"""Meep's arbitrary field amplitudes -> SI fields for a stated pump intensity.

A plane wave of phasor amplitude E0 carries I = n |E0|^2 / (2 Z0) (time average, SI), while
Meep's flux is Re(E* x H) per unit area with c = eps0 = mu0 = 1, i.e. n |E0_meep|^2 with no
1/2. A normalisation run measures that incident flux per unit area S_meep, so
|E_SI| = |E_meep| sqrt(2 Z0 I / S_meep) and H_SI = H_meep sqrt(2 Z0 I / S_meep) / Z0
(docs/physics.md §1; its shorthand |E|^2 = |E_meep|^2 I / S_inc omits the 2 Z0 that
converts Meep's flux units to W/m^2 — this function is the one place that factor lives).
"""

from __future__ import annotations

import numpy as np

from hotlase.geometry.units import Z0_OHM


def field_scale_v_m(intensity_w_m2: float, incident_flux_per_area) -> np.ndarray:
    """Factor turning Meep E into V/m: sqrt(2 Z0 I / S_meep) (module docstring; docs/physics.md §1).

    Args:
        intensity_w_m2: pump intensity in W/m^2.
        incident_flux_per_area: incident Meep flux per unit (Meep) area at each frequency.
    """
    return np.sqrt(2.0 * Z0_OHM * intensity_w_m2 / np.asarray(incident_flux_per_area, float))


def incident_field_v_m(intensity_w_m2: float, n: float = 1.0) -> float:
    """Plane-wave amplitude |E0| = sqrt(2 Z0 I / n) in a medium of index n (docs/physics.md §1)."""
    return float(np.sqrt(2.0 * Z0_OHM * intensity_w_m2 / n))
