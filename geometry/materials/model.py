"""The one material model of hotlase: Drude-Lorentz poles plus an optional D-conductivity.

ε(E) = ε∞ + Σ_lorentz σ_n E_n² / (E_n² − E² − i E Γ_n) + Σ_drude σ_n E_n² / (−E² − i E Γ_n),
then ε → ε (1 + i ħσ_D / E) for the D-conductivity (Meep's susceptibility and conductivity
forms, Meep docs "Materials"; docs/physics.md §3). Energies in eV, e^{-iωt}, Im ε > 0 is loss.
This is exactly what Meep integrates, so a model's ``eps`` is what the solver sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from hotlase.geometry.units import nm_to_ev

PoleKind = Literal["lorentz", "drude"]


@dataclass(frozen=True)
class Pole:
    """One susceptibility term.

    Attributes:
        kind: "lorentz" (resonance at ``frequency_ev``) or "drude" (free carriers).
        frequency_ev: ħω_n, resonance (Lorentz) or plasma-scale (Drude) energy, eV, > 0.
        gamma_ev: ħΓ_n, damping energy, eV, >= 0.
        sigma: dimensionless oscillator strength (Meep's ``sigma``).
    """

    kind: PoleKind
    frequency_ev: float
    gamma_ev: float
    sigma: float


@dataclass(frozen=True)
class MaterialModel:
    """A dispersive permittivity with its provenance and the window where it may be used.

    Attributes:
        name: registry name, e.g. "Ag_JC" (what the study file names).
        eps_inf: high-frequency permittivity ε∞ (dimensionless).
        poles: susceptibility terms, see module docstring.
        d_conductivity_ev: ħσ_D in eV; ε → ε (1 + i ħσ_D/E). Used for the exact
            single-wavelength models (exact at one energy, Meep's conductivity form).
        valid_nm: (min, max) vacuum wavelength in nm where the model may be used.
        source: citation of the measured data and of the fit.
        fit_error: ((lo_nm, hi_nm, max |Δε|/|ε|), ...) per band, from the fit against data.
        is_metal: True for metals (what ``without_metal`` replaces, what hot electrons use).
        nk_error: ((lo_nm, hi_nm, max |Δn|, max |Δk| / max(0.005, 0.1 k)), ...) per band
            against the measured table (``fit.nk_error_by_band``): the band follows the data
            (issue 10's target) when |Δn| <= 0.02 and the k ratio <= 1. Empty when not
            checked (metals, dielectrics: ``fit_error`` is their measure).
    """

    name: str
    eps_inf: float
    poles: tuple[Pole, ...] = ()
    d_conductivity_ev: float = 0.0
    valid_nm: tuple[float, float] = (0.0, float("inf"))
    source: str = ""
    fit_error: tuple[tuple[float, float, float], ...] = field(default=())
    is_metal: bool = False
    nk_error: tuple[tuple[float, float, float, float], ...] = field(default=())

    def eps(self, wavelength_nm) -> np.ndarray:
        """Complex ε at vacuum wavelength(s) in nm (formula in the module docstring)."""
        return eps_drude_lorentz(self, nm_to_ev(wavelength_nm))

    def misses_nk_target(self, lo_nm: float, hi_nm: float, dn: float = 0.02) -> list[str]:
        """Bands of ``nk_error`` overlapping [lo_nm, hi_nm] that miss the n, k target, as text
        ("400-450 nm: |dn| 0.031, |dk| 2.1x the allowed"); empty when all meet it."""
        return [f"{lo:g}-{hi:g} nm: |dn| {e_n:.3f}, |dk| {e_k:.2g}x the allowed"
                for lo, hi, e_n, e_k in self.nk_error
                if lo < hi_nm and hi > lo_nm and (e_n > dn or e_k > 1.0)]

    @property
    def max_pole_ev(self) -> float:
        """Largest pole energy (eV), what bounds the stable time step."""
        return max((p.frequency_ev for p in self.poles), default=0.0)


def eps_drude_lorentz(model: MaterialModel, energy_ev) -> np.ndarray:
    """ε(E) of a Drude-Lorentz model (Meep "Materials" docs; docs/physics.md §3)."""
    e = np.asarray(energy_ev, dtype=float)
    eps = np.full(e.shape, model.eps_inf, dtype=complex)
    for p in model.poles:
        resonance = p.frequency_ev**2 if p.kind == "lorentz" else 0.0
        eps = eps + p.sigma * p.frequency_ev**2 / (resonance - e**2 - 1j * e * p.gamma_ev)
    if model.d_conductivity_ev:
        eps = eps * (1.0 + 1j * model.d_conductivity_ev / e)
    return eps


def interface_mean(a: MaterialModel, b: MaterialModel) -> MaterialModel:
    """The arithmetic mean (ε_a + ε_b)/2 as one Drude-Lorentz model: mean ε∞, every pole of
    both at half strength; exact at all frequencies because ε is linear in the poles.

    It is the effective permittivity of E components that lie *on* a planar interface
    (tangential E is continuous there, so the cell straddling it sees the volume average;
    Deinega & Valuev, Opt. Lett. 32, 3429 (2007), Eq. 3; Farjadpour et al., Opt. Lett. 31,
    2972 (2006)). Models with a D-conductivity (which multiplies ε) have no such mean.

    Raises:
        ValueError: either model has a D-conductivity.
    """
    if a.d_conductivity_ev or b.d_conductivity_ev:
        raise ValueError(f"{a.name}|{b.name}: a D-conductivity model has no Drude-Lorentz mean")
    half = lambda m: tuple(Pole(p.kind, p.frequency_ev, p.gamma_ev, 0.5 * p.sigma)  # noqa: E731
                           for p in m.poles)
    lo, hi = max(a.valid_nm[0], b.valid_nm[0]), min(a.valid_nm[1], b.valid_nm[1])
    return MaterialModel(name=f"{a.name}|{b.name}", eps_inf=0.5 * (a.eps_inf + b.eps_inf),
                         poles=half(a) + half(b), valid_nm=(lo, hi),
                         source=f"arithmetic mean of {a.name} and {b.name} (interface_mean)")


@dataclass(frozen=True)
class PoleRinging:
    """The free ringing of one Lorentz pole's polarisation, as Harminv would report it.

    Attributes:
        material: the model's name; energy_ev: ħ Re ω; q: Re ω / Γ (Harminv's Q =
            −Re f / (2 Im f) of a decay e^{−Γt/2}); gamma_ev: the linewidth Γ = ħ Re ω / Q;
        kind: "pole" (a polarisation alone, ``pole_ringings``) or "eps zero" (a
            longitudinal oscillation of the medium, ``eps_zeros``).
    """

    material: str
    energy_ev: float
    q: float
    gamma_ev: float
    kind: str = "pole"


def pole_ringings(model: MaterialModel) -> tuple[PoleRinging, ...]:
    """Complex frequencies at which a model's lossy Lorentz poles ring on their own.

    A Lorentz polarisation P'' + Γ P' + ω_n² P = σ ω_n² ε0 E, left alone, rings at
    ω = sqrt(ω_n² − Γ²/4) − iΓ/2 (damped harmonic oscillator, e.g. Jackson, Classical
    Electrodynamics, 3rd ed., §7.5), i.e. Q = Re ω / Γ. Lossless poles (Γ = 0) and
    overdamped ones (Γ >= 2 ω_n) do not ring with a finite Q and are left out.
    """
    out = []
    for p in model.poles:
        if p.kind != "lorentz" or p.gamma_ev <= 0.0 or p.gamma_ev >= 2.0 * p.frequency_ev:
            continue
        real = (p.frequency_ev**2 - p.gamma_ev**2 / 4.0) ** 0.5
        out.append(PoleRinging(model.name, real, real / p.gamma_ev, p.gamma_ev))
    return tuple(out)


def eps_zeros(model: MaterialModel) -> tuple[PoleRinging, ...]:
    """Complex frequencies where ε(ω) = 0: the medium's longitudinal oscillations.

    With D = ε E = 0 the field and polarisation oscillate together with no wave (the bulk
    plasmon of a metal, the longitudinal exciton of a semiconductor; Kittel, Introduction to
    Solid State Physics, 8th ed., ch. 14, ε(ω_L) = 0), excited by a dipole's near field
    and reported by Harminv like a mode. Found as the roots of ε(E) Π_n D_n(E), a polynomial
    (D_n = E_n² − E² − iEΓ_n, model.py formula); those with Re E > 0 and Im E < 0 (decaying
    for e^{−iωt}). For one pole: E = −iΓ/2 + sqrt(E_n²(1 + σ/ε∞) − Γ²/4). Models with a Drude
    pole or a D-conductivity are left out (none of the perovskites has either).
    """
    from numpy.polynomial import polynomial as poly

    if model.d_conductivity_ev or any(p.kind != "lorentz" for p in model.poles) or not model.poles:
        return ()
    dens = [np.array([p.frequency_ev**2, -1j * p.gamma_ev, -1.0]) for p in model.poles]
    total = np.array([complex(model.eps_inf)])
    for d in dens:
        total = poly.polymul(total, d)
    for i, p in enumerate(model.poles):
        term = np.array([complex(p.sigma * p.frequency_ev**2)])
        for j, d in enumerate(dens):
            if j != i:
                term = poly.polymul(term, d)
        total = poly.polyadd(total, term)
    out = []
    for e in poly.polyroots(total):
        if e.real > 0.0 and e.imag < 0.0:
            out.append(PoleRinging(model.name, float(e.real), float(e.real / (-2.0 * e.imag)),
                                   float(-2.0 * e.imag), "eps zero"))
    return tuple(sorted(out, key=lambda r: r.energy_ev))


#: Material lines broader than this (Q below) are never matched: over 5 % of their frequency
#: a broad plasmon and the medium's own response cannot be told apart by frequency and Q.
MATERIAL_LINE_Q_MIN = 20.0


def matching_ringing(energy_ev: float, q: float, ringings, q_factor: float = 1.5):
    """The pole ringing a Harminv resonance (energy, Q) is, or None.

    A match is the same line: closer than half the narrower of the two linewidths (E/Q, Γ)
    in energy, and Q within ``q_factor`` of the pole's (the rule that merges two sightings of
    one mode, solvers.modes.same_resonance, made stricter in Q so a broad plasmon that
    happens to sit on the exciton is kept). That is the polarisation of the medium decaying
    on its own, not a mode of the structure (a 14-pole CsPbBr3 fit gave such "modes").
    Material lines with Q < ``MATERIAL_LINE_Q_MIN`` are skipped (the broadband CsPbBr3 fit's
    466 nm pole has Q 10: a 22 nm window that would swallow real plasmons).
    """
    for r in ringings:
        if r.q < MATERIAL_LINE_Q_MIN:
            continue
        width = min(energy_ev / q if q > 0 else math.inf, r.gamma_ev)
        if abs(energy_ev - r.energy_ev) <= 0.5 * width and 1.0 / q_factor <= q / r.q <= q_factor:
            return r
    return None
