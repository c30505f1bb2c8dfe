"""Electronic constants of the metals and the perovskite, each with its source.

What the hot-electron and photo-injection formulas of ``postprocess`` need (design/physics.md
§5): Fermi energy and velocity, work function and bulk damping of the metals; electron
affinity, static permittivity and band gap of the semiconductor. Values are defaults with a
citation and, where the literature scatters, the range; every formula takes them as plain
arguments, so a study can override any of them.

Lookup strips the optical-model suffix: ``metal_electronic("Ag_JC")`` is silver.
"""

from __future__ import annotations

from dataclasses import dataclass

from geometry.units import E_CHARGE_C, HBAR_J_S

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
        static_permittivity: ε_s (low-frequency, relative), what screens the image force.
        high_frequency_permittivity: ε_∞ (relative), the alternative when the hot electron
            crosses the image-force region faster than the lattice responds.
        band_gap_ev: E_g, eV.
        sources: one citation per quantity group.
    """

    name: str
    electron_affinity_ev: float
    electron_affinity_range_ev: tuple[float, float]
    static_permittivity: float
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
        # (design/physics.md §5), not one paper's number: make it a study parameter.
        electron_affinity_ev=3.6,
        electron_affinity_range_ev=(3.3, 3.9),
        static_permittivity=30.0,
        high_frequency_permittivity=4.8,
        band_gap_ev=2.40,
        sources=(
            "chi: Endres et al., J. Phys. Chem. Lett. 7, 2722 (2016); Tao et al., Nat. Commun. "
            "10, 2560 (2019); default = middle of the 3.3-3.9 eV span of design/physics.md §5",
            "eps_s ~ 30 (microwave limit): Svirskas et al., J. Mater. Chem. A 8, 14015 (2020)",
            "eps_inf: Re eps at 405-600 nm, 4.4-5.6 (Brennan 2024 data, design/physics.md §3)",
            "E_g ~ 2.4 eV (nanocrystals; exciton 517 nm): Protesescu et al., Nano Lett. 15, "
            "3692 (2015)",
        ),
    ),
}


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
    """Electronic constants of a semiconductor by material name (suffix after "_" ignored).

    Raises:
        KeyError: unknown semiconductor; the message lists the known names.
    """
    return _lookup(SEMICONDUCTORS, name, "semiconductor")
