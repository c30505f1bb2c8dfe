"""Electronic constants of the metals and the perovskite, each with its source.

What the hot-electron and photo-injection formulas of ``postprocess`` need (docs/physics.md
§5): Fermi energy and velocity, work function and bulk damping of the metals; electron
affinity, static permittivity and band gap of the semiconductor. Values are defaults with a
citation and, where the literature scatters, the range; every formula takes them as plain
arguments, so a study can override any of them.

Lookup strips the optical-model suffix: ``metal_electronic("Ag_JC")`` is silver. Every CsPbX3
composition has constants: the pure CsPbBr3, CsPbCl3, CsPbI3 (tabulated) and the mixed halides
``CsPb(Br0.6Cl0.4)3`` / ``CsPb(Br0.5I0.5)3`` (``mixed_semiconductor``: band gap with bowing,
the rest interpolated between the end members).
"""

from __future__ import annotations

from dataclasses import dataclass

import re

from hotlase.geometry.materials.perovskites import BAND_GAP_EV, BOWING_EV, band_gap_ev, mixed_name
from hotlase.geometry.units import E_CHARGE_C, HBAR_J_S

_AM = "Ashcroft & Mermin, Solid State Physics (1976), Table 2.1 (free-electron E_F, v_F)"
_MICHAELSON = "Michaelson, J. Appl. Phys. 48, 4729 (1977) (polycrystalline work function)"
_JC_TAU = "Johnson & Christy, Phys. Rev. B 6, 4370 (1972), Drude relaxation time tau"


@dataclass(frozen=True)
class MetalElectronic:
    """Free-electron and surface constants of one metal.

    Attributes:
        name: element symbol, e.g. "Ag".
        fermi_energy_ev: E_F measured from the band bottom, eV.
        fermi_velocity_m_s: v_F, m/s.
        work_function_ev: default W (polycrystalline), eV.
        work_function_range_ev: (min, max) reported over crystal faces and preparations, eV.
        bulk_damping_ev: ħγ_bulk of the Drude free-electron term, eV.
        sources: one citation per quantity group.
    """

    name: str
    fermi_energy_ev: float
    fermi_velocity_m_s: float
    work_function_ev: float
    work_function_range_ev: tuple[float, float]
    bulk_damping_ev: float
    sources: tuple[str, ...]

    @property
    def bulk_damping_rad_s(self) -> float:
        """γ_bulk in rad/s (ħγ / ħ)."""
        return self.bulk_damping_ev * E_CHARGE_C / HBAR_J_S


@dataclass(frozen=True)
class SemiconductorElectronic:
    """Band-edge constants of one semiconductor.

    Attributes:
        name: e.g. "CsPbBr3".
        electron_affinity_ev: χ, vacuum level to conduction-band minimum, eV (default).
        electron_affinity_range_ev: (min, max) of reported χ, eV.
        static_permittivity: ε_s (low-frequency, relative), what screens the image force; None
            when not tabulated (then no Schottky lowering unless the study gives
            analysis.static_permittivity).
        high_frequency_permittivity: ε_∞ (relative), the alternative when the hot electron
            crosses the image-force region faster than the lattice responds.
        band_gap_ev: E_g, eV.
        sources: one citation per quantity group.
    """

    name: str
    electron_affinity_ev: float
    electron_affinity_range_ev: tuple[float, float]
    static_permittivity: float | None
    high_frequency_permittivity: float
    band_gap_ev: float
    sources: tuple[str, ...]


# J&C tau: Ag 31 fs, Au 9 fs, Cu 6.9 fs -> ħ/τ = 0.021, 0.073, 0.095 eV. J&C did not measure
# Al; its value is ħ/τ from Ashcroft & Mermin Table 1.3 (τ = 0.80e-14 s at 273 K).
METALS: dict[str, MetalElectronic] = {
    "Ag": MetalElectronic("Ag", 5.49, 1.39e6, 4.26, (4.26, 4.74), 0.021,
                          (_AM, _MICHAELSON + "; 4.52-4.74 eV single-crystal faces", _JC_TAU)),
    "Au": MetalElectronic("Au", 5.53, 1.40e6, 5.10, (5.10, 5.47), 0.073,
                          (_AM, _MICHAELSON + "; 5.31-5.47 eV single-crystal faces", _JC_TAU)),
    "Cu": MetalElectronic("Cu", 7.00, 1.57e6, 4.65, (4.48, 5.10), 0.095,
                          (_AM, _MICHAELSON + "; 4.48-5.10 eV single-crystal faces", _JC_TAU)),
    "Al": MetalElectronic("Al", 11.7, 2.03e6, 4.28, (4.06, 4.28), 0.082,
                          (_AM, _MICHAELSON + "; 4.06-4.26 eV single-crystal faces",
                           "Ashcroft & Mermin Table 1.3, tau = 0.80e-14 s at 273 K")),
}

SEMICONDUCTORS: dict[str, SemiconductorElectronic] = {
    "CsPbBr3": SemiconductorElectronic(
        name="CsPbBr3",
        # Reported χ spans 3.3-3.9 eV (UPS/IPES: Endres et al., J. Phys. Chem. Lett. 7, 2722
        # (2016); Tao et al., Nat. Commun. 10, 2560 (2019)); 3.6 eV is the middle of that span
        # (docs/physics.md §5), not one paper's number: make it a study parameter.
        electron_affinity_ev=3.6,
        electron_affinity_range_ev=(3.3, 3.9),
        static_permittivity=30.0,
        high_frequency_permittivity=4.8,
        band_gap_ev=2.40,
        sources=(
            "chi: Endres et al., J. Phys. Chem. Lett. 7, 2722 (2016); Tao et al., Nat. Commun. "
            "10, 2560 (2019); default = middle of the 3.3-3.9 eV span of docs/physics.md §5",
            "eps_s ~ 30 (microwave limit): Svirskas et al., J. Mater. Chem. A 8, 14015 (2020)",
            "eps_inf: Re eps at 405-600 nm, 4.4-5.6 (Brennan 2024 data, docs/physics.md §3)",
            "E_g ~ 2.4 eV (nanocrystals; exciton 517 nm): Protesescu et al., Nano Lett. 15, "
            "3692 (2015)",
        ),
    ),
}


_GAP = ("E_g: CsPbX3 nanocrystals, Protesescu et al., Nano Lett. 15, 3692 (2015) "
        "(geometry/materials/perovskites.py BAND_GAP_EV)")
_CHI_OTHER = (
    "chi: no per-halide measurement is tabulated here; the conduction-band minimum of the lead "
    "halides is Pb-6p-derived, so chi moves less with the halide than E_g does (energy levels "
    "set by the ions' atomic levels: Tao et al., Nat. Commun. 10, 2560 (2019)); default = the "
    "CsPbBr3 value, range = hotlase estimate widened by 0.4 eV toward {side}: set "
    "analysis.electron_affinity_ev or analysis.barrier_ev for a measured value")
_EPS_NONE = ("eps_s: not tabulated (no Schottky lowering; set analysis.static_permittivity)")

# CsPbCl3 and CsPbI3: gap from the nanocrystal data; eps_inf = Re eps of the project's fits at
# the long-wavelength end of their windows (hotlase's fits of Zhang / Aftenieva data).
SEMICONDUCTORS["CsPbCl3"] = SemiconductorElectronic(
    name="CsPbCl3", electron_affinity_ev=3.6, electron_affinity_range_ev=(2.9, 3.9),
    static_permittivity=None, high_frequency_permittivity=3.3, band_gap_ev=BAND_GAP_EV["Cl"],
    sources=(_CHI_OTHER.format(side="lower chi (wider gap)"), _EPS_NONE,
             "eps_inf: Re eps of CsPbCl3_Zhang at 700-800 nm, 3.3 (project fit)", _GAP))
SEMICONDUCTORS["CsPbI3"] = SemiconductorElectronic(
    name="CsPbI3", electron_affinity_ev=3.6, electron_affinity_range_ev=(3.3, 4.3),
    static_permittivity=None, high_frequency_permittivity=3.8, band_gap_ev=BAND_GAP_EV["I"],
    sources=(_CHI_OTHER.format(side="higher chi (narrower gap)"), _EPS_NONE,
             "eps_inf: Re eps of CsPbI3_Aftenieva at 800-1000 nm, 3.8-3.9 (project fit)", _GAP))

_HALIDE = {"Br": "CsPbBr3", "Cl": "CsPbCl3", "I": "CsPbI3"}
_MIXED = re.compile(r"^CsPb\(Br(?P<x>[0-9.]+)(?P<b>Cl|I)(?P<y>[0-9.]+)\)3$", re.IGNORECASE)


def mixed_semiconductor(x: float, pair: str = "Br-Cl") -> SemiconductorElectronic:
    """Constants of CsPb(Br_x B_{1-x})3, B = Cl or I.

    E_g(x) = x E_g,Br + (1-x) E_g,B - b x(1-x) (bowing, geometry.materials.perovskites
    band_gap_ev; Ermolaev et al., Nano Lett. 23, 2570 (2023) for Br-Cl). chi, eps_inf and
    eps_s are interpolated linearly between the end members (virtual-crystal approximation,
    Vegard-like; Nordheim, Ann. Phys. 401, 607 (1931)); eps_s stays None when an end member
    has none. End points give the pure compounds exactly.

    Raises:
        ValueError: x outside [0, 1] or an unknown pair.
    """
    if pair not in BOWING_EV:
        raise ValueError(f"pair = {pair!r}: must be one of {sorted(BOWING_EV)}")
    x = float(x)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x = {x}: Br fraction must be in [0, 1]")
    a, b = SEMICONDUCTORS["CsPbBr3"], SEMICONDUCTORS[_HALIDE[pair.split("-")[1]]]
    if x in (0.0, 1.0):  # a pure compound: its own constants, nothing interpolated
        return a if x == 1.0 else b
    mix = lambda u, v: x * u + (1.0 - x) * v  # noqa: E731
    eps_s = (None if a.static_permittivity is None or b.static_permittivity is None
             else mix(a.static_permittivity, b.static_permittivity))
    lo = mix(a.electron_affinity_range_ev[0], b.electron_affinity_range_ev[0])
    hi = mix(a.electron_affinity_range_ev[1], b.electron_affinity_range_ev[1])
    how = f"linear in x = {x:g} between {a.name} and {b.name} (virtual crystal)"
    return SemiconductorElectronic(
        name=mixed_name(x, pair), electron_affinity_ev=mix(a.electron_affinity_ev, b.electron_affinity_ev),
        electron_affinity_range_ev=(min(lo, hi), max(lo, hi)), static_permittivity=eps_s,
        high_frequency_permittivity=mix(a.high_frequency_permittivity, b.high_frequency_permittivity),
        band_gap_ev=float(band_gap_ev(x, pair)),
        sources=(f"chi {how}: {a.sources[0]} | {b.sources[0]}",
                 f"eps_s {how}: {a.sources[1]} | {b.sources[1]}",
                 f"eps_inf {how}",
                 f"E_g with bowing b = {BOWING_EV[pair]} eV (geometry/materials/perovskites.py); "
                 + _GAP))


def canonical_name(name: str) -> str:
    """Strip an optical-model suffix: "Ag_JC" -> "Ag", "CsPbBr3_Brennan" -> "CsPbBr3"."""
    return name.split("_", 1)[0]


def _lookup(table: dict, name: str, kind: str):
    base = canonical_name(name)
    for key, value in table.items():
        if key.lower() == base.lower():
            return value
    raise KeyError(f"{kind} = {name!r}: no electronic constants; known: {sorted(table)}")


def metal_electronic(name: str) -> MetalElectronic:
    """Electronic constants of a metal by material name (suffix after "_" ignored).

    Raises:
        KeyError: unknown metal; the message lists the known names.
    """
    return _lookup(METALS, name, "metal")


def semiconductor_electronic(name: str) -> SemiconductorElectronic:
    """Electronic constants of a semiconductor by material name (suffix after "_" ignored);
    mixed halides ``CsPb(Br<x>Cl<1-x>)3`` and ``CsPb(Br<x>I<1-x>)3`` by composition.

    Raises:
        KeyError: unknown semiconductor; the message lists the known names.
    """
    m = _MIXED.match(canonical_name(name))
    if m:
        x, y = float(m["x"]), float(m["y"])
        if abs(x + y - 1.0) > 1e-9:
            raise KeyError(f"semiconductor = {name!r}: Br and {m['b']} fractions must sum to 1")
        return mixed_semiconductor(x, "Br-" + ("Cl" if m["b"].lower() == "cl" else "I"))
    return _lookup(SEMICONDUCTORS, name, "semiconductor")
