"""Gain medium of CsPbX3 quantum dots: emission and gain spectrum, carrier constants (numpy only).

What the laser rate model of ``postprocess.laser_rates`` needs (docs/physics.md §8):

- the emission line of a quantum dot of diameter d from the composition's band gap (the bowing
  formula of ``perovskites.band_gap_ev``, not repeated here) plus the Brus confinement energy
  with the effective masses and permittivity of Protesescu et al. (2015), Table 1;
- the ensemble line shape: each size's line (a Lorentzian of the homogeneous width) weighted by
  a Gaussian size distribution, i.e. the inhomogeneous broadening of the distribution convolved
  with the homogeneous line;
- the material gain g(N, λ) = a (N - N_tr) S(λ) (linear gain model, Coldren, Corzine &
  Mashanovitch, Diode Lasers and Photonic Integrated Circuits, 2nd ed. (2012), ch. 2), S the
  line shape normalised to 1 at its peak. Below transparency g < 0; what is *added* to the
  passive permittivity is max(g, 0) (``added_gain_per_m``): the passive ε already holds the
  measured crystal's absorption, so an unpumped rod loses exactly what the crystal loses.

Carrier constants live in ``geometry.specs.GainSpec`` (defaults, ranges and sources, overridable
from a study's ``[gain]`` table); this module holds only formulas and the effective-mass table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hotlase.geometry.materials.perovskites import band_gap_ev
from hotlase.geometry.units import E_CHARGE_C, EPS0_F_M, HBAR_J_S, ev_to_nm, nm_to_ev, nm_to_meep_freq

if TYPE_CHECKING:
    from hotlase.geometry.specs import GainSpec

#: Electron rest mass, kg (CODATA 2018).
ELECTRON_MASS_KG = 9.1093837015e-31
#: Coulomb coefficient of the Brus model's electron-hole attraction in a sphere (Brus,
#: J. Chem. Phys. 80, 4403 (1984), eq. 7).
BRUS_COULOMB = 1.786


@dataclass(frozen=True)
class ConfinementConstants:
    """Effective masses and permittivity of one end member (what the Brus model needs).

    Attributes:
        electron_mass: m_e* / m_0.
        hole_mass: m_h* / m_0.
        permittivity: effective relative permittivity screening the e-h attraction.
        source: citation.
    """

    electron_mass: float
    hole_mass: float
    permittivity: float
    source: str


_PROTESESCU = ("Protesescu et al., Nano Lett. 15, 3692 (2015), Table 1 (effective masses and "
               "effective dielectric constant; they give Bohr diameters 5 / 7 / 12 nm and "
               "binding energies 75 / 40 / 20 meV for Cl / Br / I)")
#: Per halide end member: Protesescu 2015 Table 1.
CONFINEMENT = {
    "Br": ConfinementConstants(0.15, 0.14, 4.96, _PROTESESCU),
    "Cl": ConfinementConstants(0.202, 0.174, 4.07, _PROTESESCU),
    "I": ConfinementConstants(0.114, 0.130, 6.32, _PROTESESCU),
}


def confinement_constants(x: float, pair: str = "Br-Cl") -> ConfinementConstants:
    """Constants of CsPb(Br_x B_{1-x})3, linear between the end members (virtual crystal,
    the same sketch as ``perovskites.mixed_halide``)."""
    a, b = CONFINEMENT["Br"], CONFINEMENT[pair.split("-")[1]]
    mix = lambda u, v: float(x * u + (1.0 - x) * v)  # noqa: E731
    return ConfinementConstants(mix(a.electron_mass, b.electron_mass),
                                mix(a.hole_mass, b.hole_mass),
                                mix(a.permittivity, b.permittivity),
                                f"linear in x between Br and {pair.split('-')[1]}: {_PROTESESCU}")


def brus_shift_ev(diameter_nm, constants: ConfinementConstants):
    """Brus confinement energy of a sphere of diameter d, eV:
    ΔE = ħ²π²/(2 μ R²) − 1.786 e²/(4π ε0 ε R), μ = m_e m_h/(m_e + m_h), R = d/2.

    Brus, J. Chem. Phys. 80, 4403 (1984), eq. 7 (the small polarisation term is dropped). It
    overestimates the shift in strong confinement (d below the Bohr diameter, ~7 nm for
    CsPbBr3); docs/physics.md §8 states the tested range.
    """
    r = np.asarray(diameter_nm, dtype=float) * 0.5e-9
    mu = constants.electron_mass * constants.hole_mass / (
        constants.electron_mass + constants.hole_mass) * ELECTRON_MASS_KG
    kinetic = HBAR_J_S**2 * np.pi**2 / (2.0 * mu * r**2)
    coulomb = BRUS_COULOMB * E_CHARGE_C**2 / (4.0 * np.pi * EPS0_F_M * constants.permittivity * r)
    return (kinetic - coulomb) / E_CHARGE_C


def qd_emission_ev(diameter_nm, x: float = 1.0, pair: str = "Br-Cl",
                   gap_ev: float | None = None):
    """Band-edge emission of a dot: Eg(x) + ΔE_Brus(d), eV (Eg from the bowing formula,
    ``perovskites.band_gap_ev``, unless ``gap_ev`` overrides it)."""
    eg = float(band_gap_ev(x, pair)) if gap_ev is None else float(gap_ev)
    return eg + brus_shift_ev(diameter_nm, confinement_constants(x, pair))


def size_distribution(mean_nm: float, spread_nm: float, n: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """Diameters and weights (sum 1) of a Gaussian size distribution (std ``spread_nm``),
    sampled over ±3 std and cut at 1 nm; spread 0 gives the single size."""
    if spread_nm <= 0:
        return np.array([float(mean_nm)]), np.array([1.0])
    d = np.linspace(mean_nm - 3 * spread_nm, mean_nm + 3 * spread_nm, n)
    d = d[d >= 1.0]
    w = np.exp(-0.5 * ((d - mean_nm) / spread_nm) ** 2)
    return d, w / w.sum()


def line_shape(energy_ev, diameters_nm, weights, homogeneous_fwhm_ev: float, x: float = 1.0,
               pair: str = "Br-Cl", gap_ev: float | None = None) -> np.ndarray:
    """Ensemble line shape S(E), normalised to 1 at its maximum over ``energy_ev``:
    S(E) ∝ Σ_i w_i L(E − E_i), L a Lorentzian of FWHM ħγ_hom, E_i = ``qd_emission_ev(d_i)``.

    Inhomogeneous (size) broadening convolved with the homogeneous line (Siegman, Lasers
    (1986), §3.4: Voigt-type profile of an inhomogeneously broadened transition).
    """
    e = np.asarray(energy_ev, dtype=float)
    centres = np.atleast_1d(qd_emission_ev(diameters_nm, x, pair, gap_ev))
    half = 0.5 * homogeneous_fwhm_ev
    lor = half**2 / ((e[..., None] - centres) ** 2 + half**2)
    s = lor @ np.asarray(weights, dtype=float)
    peak = np.max(s) if s.size else 1.0
    return s / peak if peak > 0 else s


@dataclass(frozen=True)
class GainMedium:
    """The gain medium of a study, resolved: line centre and shape plus the carrier constants.

    Attributes:
        spec: the GainSpec it was built from.
        peak_ev: photon energy of the ensemble line's maximum, eV.
        peak_nm: the same as a vacuum wavelength, nm.
        fwhm_ev: full width at half maximum of the ensemble line, eV.
    """

    spec: GainSpec
    peak_ev: float
    peak_nm: float
    fwhm_ev: float

    def shape(self, wavelength_nm) -> np.ndarray:
        """S(λ) in [0, 1], 1 at ``peak_nm``."""
        s = self.spec
        d, w = size_distribution(s.qd_diameter_nm, s.qd_diameter_spread_nm)
        e = nm_to_ev(wavelength_nm)
        full = line_shape(np.append(np.atleast_1d(e), self.peak_ev), d, w,
                          s.homogeneous_linewidth_mev * 1e-3, s.bromide_fraction, s.halide_pair,
                          s.band_gap_ev)
        return full[:-1].reshape(np.shape(e)) / full[-1]

    def material_gain_per_m(self, density_m3, wavelength_nm) -> np.ndarray:
        """g(N, λ) = a (N − N_tr) S(λ), 1/m: negative below transparency (absorption of the
        band-edge states), linear gain model of Coldren et al. (2012) ch. 2."""
        s = self.spec
        n = np.asarray(density_m3, dtype=float)
        return s.differential_gain_m2 * (n - s.transparency_density_m3) * self.shape(wavelength_nm)

    def added_gain_per_m(self, density_m3, wavelength_nm) -> np.ndarray:
        """What the pumped medium adds to the passive ε: max(g, 0), 1/m (zero below
        transparency, so an unpumped rod loses only the measured crystal's absorption)."""
        return np.maximum(self.material_gain_per_m(density_m3, wavelength_nm), 0.0)


def gain_medium(spec: GainSpec) -> GainMedium:
    """Resolve a ``GainSpec``: the ensemble line's peak and width on a fine energy grid."""
    d, w = size_distribution(spec.qd_diameter_nm, spec.qd_diameter_spread_nm)
    centres = np.atleast_1d(qd_emission_ev(d, spec.bromide_fraction, spec.halide_pair,
                                           spec.band_gap_ev))
    hom = spec.homogeneous_linewidth_mev * 1e-3
    lo, hi = centres.min() - 5 * hom, centres.max() + 5 * hom
    e = np.linspace(lo, hi, 4001)
    s = line_shape(e, d, w, hom, spec.bromide_fraction, spec.halide_pair, spec.band_gap_ev)
    i = int(np.argmax(s))
    above = e[s >= 0.5]
    return GainMedium(spec=spec, peak_ev=float(e[i]), peak_nm=float(ev_to_nm(e[i])),
                      fwhm_ev=float(above.max() - above.min()))


def delta_eps_imag(gain_per_m, n_index, wavelength_nm):
    """Im ε change of a medium of index n with intensity gain g: Δε'' = −n g λ / (2π).

    From g = −2 k ω/c = −4π k/λ and ε'' = 2 n k (Born & Wolf, Principles of Optics, §14.1);
    negative Im ε is gain in Meep's and hotlase's e^{−iωt} convention (docs/physics.md §1).
    """
    return -np.asarray(n_index, float) * np.asarray(gain_per_m, float) * (
        np.asarray(wavelength_nm, float) * 1e-9) / (2.0 * np.pi)


def line_meep_units(medium: GainMedium) -> tuple[float, float]:
    """(centre, FWHM) of the ensemble gain line in Meep frequency units (1/µm, docs/physics.md
    §1): what a time-domain gain model (a Lorentzian transition, whose damping γ in frequency
    units is the line's FWHM for a narrow line) takes. f = E / (h c), Δf = ΔE / (h c)."""
    per_ev = float(nm_to_meep_freq(ev_to_nm(1.0)))  # Meep frequency of a 1 eV photon
    return medium.peak_ev * per_ev, medium.fwhm_ev * per_ev
