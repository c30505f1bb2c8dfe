"""MaterialModel (geometry) -> meep.Medium: the only place material numbers meet Meep units.

Meep's Lorentzian/Drude terms use the ratio sigma f_n^2 / (f_n^2 - f^2 - i f gamma_n) in any
frequency unit, so eV values convert to Meep frequency (1/um) by one factor; the
D-conductivity multiplies the whole eps by (1 + i sigma_D / omega) with omega = 2 pi f
(Meep docs "Materials: Conductivity and complex eps"; docs/physics.md §3).
"""

from __future__ import annotations

import math

import meep as mp

from hotlase.geometry.materials.model import MaterialModel
from hotlase.geometry.units import ev_to_meep_freq, nm_to_meep_freq


def to_meep_medium(model: MaterialModel) -> mp.Medium:
    """The Meep medium whose eps(omega) equals ``model.eps`` at every frequency."""
    sus = []
    for p in model.poles:
        f_n = float(ev_to_meep_freq(p.frequency_ev))
        g_n = float(ev_to_meep_freq(p.gamma_ev))
        cls = mp.LorentzianSusceptibility if p.kind == "lorentz" else mp.DrudeSusceptibility
        sus.append(cls(frequency=f_n, gamma=g_n, sigma=p.sigma))
    # hbar*sigma_D/E = sigma_D_meep/omega_meep with omega_meep = 2 pi f_meep(E).
    d_cond = 2 * math.pi * float(ev_to_meep_freq(model.d_conductivity_ev)) if model.d_conductivity_ev else 0.0
    lo_nm, hi_nm = model.valid_nm
    f_lo = 0.0 if math.isinf(hi_nm) else float(nm_to_meep_freq(hi_nm))
    f_hi = 1e20 if lo_nm <= 0 else float(nm_to_meep_freq(lo_nm))
    return mp.Medium(epsilon=model.eps_inf, E_susceptibilities=sus, D_conductivity=d_cond,
                     valid_freq_range=mp.FreqRange(min=f_lo, max=f_hi))


def medium_eps(medium: mp.Medium, wavelength_nm: float) -> complex:
    """Meep's own eps of a medium at a vacuum wavelength (for tests against the model)."""
    return complex(medium.epsilon(float(nm_to_meep_freq(wavelength_nm)))[0, 0])
