"""Frozen structure specs: what is simulated, in nm, validated at construction.

Coordinates: z = 0 is the top of the layer stack (where rods stand); layers extend to z < 0;
the superstrate (vacuum unless stated) fills z > 0. Field paths in errors are relative to the
spec; the study loader prefixes them (``structure.rod.radius_nm``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from hotlase.geometry.validate import Range, SpecError, check_choice

#: Largest length of any structure dimension (1 m): beyond it no grid fits in memory; the
#: grid-cell limit (geometry.estimate.ABSURD_CELLS) refuses smaller absurd cells.
MAX_LENGTH_NM = 1e9
LATTICES = ("square", "hexagonal")
ARRAYS = ("periodic", "finite")
#: Allowed range of the numeric structure keys (every length, a finite array's N and M):
#: the specs check with it and ``hotlase schema`` prints it.
LENGTH_RANGE = Range(0.0, MAX_LENGTH_NM, lo_open=True)
COUNT_RANGE = Range(1, 50, integer=True)
#: The allowed strings of the structure's choice keys.
STRUCTURE_CHOICES = {"lattice": LATTICES, "array": ARRAYS}
_MAX_MATERIAL_NAME = 64


def _check_material(path: str, value) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_MATERIAL_NAME:
        shown = value[:_MAX_MATERIAL_NAME] + "..." if isinstance(value, str) else value
        raise SpecError(path, shown, f"must be a material name (a non-empty string of at most "
                                     f"{_MAX_MATERIAL_NAME} characters)")
    return value


def check_length(path: str, value) -> float:
    """A structure length in nm: finite, > 0 and at most ``MAX_LENGTH_NM``."""
    return LENGTH_RANGE.check(path, value)


@dataclass(frozen=True)
class LayerSpec:
    """One planar layer.

    Attributes:
        material: material name (registry name or a [materials.NAME] of the study).
        thickness_nm: layer thickness in nm, > 0; ``math.inf`` only for a semi-infinite substrate.
    """

    material: str
    thickness_nm: float = math.inf

    def __post_init__(self):
        _check_material("material", self.material)
        if self.thickness_nm != math.inf:
            object.__setattr__(self, "thickness_nm",
                               check_length("thickness_nm", self.thickness_nm))


@dataclass(frozen=True)
class RodSpec:
    """A vertical cylinder.

    Attributes:
        material: rod material (default CsPbBr3).
        radius_nm: cylinder radius in nm, > 0.
        height_nm: cylinder height in nm, > 0.
    """

    material: str = "CsPbBr3"
    radius_nm: float = 60.0
    height_nm: float = 150.0

    def __post_init__(self):
        _check_material("material", self.material)
        object.__setattr__(self, "radius_nm", check_length("radius_nm", self.radius_nm))
        object.__setattr__(self, "height_nm", check_length("height_nm", self.height_nm))


def _check_layers(spec, names: tuple[str, ...]):
    for name in names:
        layer = getattr(spec, name)
        if layer is None:
            continue
        if not isinstance(layer, LayerSpec):
            raise SpecError(name, layer, "must be a table with material and thickness_nm")
        if name != "substrate" and layer.thickness_nm == math.inf:
            raise SpecError(f"{name}.thickness_nm", layer.thickness_nm,
                            "must be finite (only the substrate may be semi-infinite)")


@dataclass(frozen=True)
class RodArraySpec:
    """CsPbBr3 rods standing on spacer / metal / substrate, periodic or a finite N x M array.

    Attributes:
        rod: the rod (material, radius_nm, height_nm).
        lattice: "square" or "hexagonal" (nearest-neighbour distance = period_nm in both).
        period_nm: lattice constant in nm, > 2 * rod.radius_nm (rods may not touch).
        array: "periodic" (unit cell with Bloch k) or "finite" (N x M rods in a larger cell).
        count: (N, M) rods along x and y for a finite array; (1, 1) for periodic.
        spacer: optional thin layer under the rods (e.g. SiO2, 0-20 nm).
        metal: optional metal film (material, thickness_nm).
        substrate: semi-infinite (or thick) bottom layer, dielectric or metal.
        superstrate: medium above the stack (default vacuum).
    """

    rod: RodSpec = RodSpec()
    lattice: str = "square"
    period_nm: float = 300.0
    array: str = "periodic"
    count: tuple[int, int] = (1, 1)
    spacer: LayerSpec | None = None
    metal: LayerSpec | None = LayerSpec("Ag", 100.0)
    substrate: LayerSpec = LayerSpec("SiO2")
    superstrate: str = "vacuum"
    kind: str = "rod_array"

    def __post_init__(self):
        check_choice("kind", self.kind, ("rod_array",))
        if not isinstance(self.rod, RodSpec):
            raise SpecError("rod", self.rod, "must be a table with material, radius_nm, height_nm")
        check_choice("lattice", self.lattice, LATTICES)
        check_choice("array", self.array, ARRAYS)
        period = check_length("period_nm", self.period_nm)
        object.__setattr__(self, "period_nm", period)
        if 2 * self.rod.radius_nm >= period:
            raise SpecError("rod.radius_nm", self.rod.radius_nm,
                            f"rods overlap or touch: 2 * radius_nm = {2 * self.rod.radius_nm:g} "
                            f"must be < period_nm = {period:g} ({self.lattice} lattice)")
        if (not isinstance(self.count, (tuple, list)) or len(self.count) != 2):
            raise SpecError("count", self.count, "must be [N, M], two integers >= 1")
        count = (COUNT_RANGE.check("count[0]", self.count[0]),
                 COUNT_RANGE.check("count[1]", self.count[1]))
        object.__setattr__(self, "count", count)
        if self.array == "periodic" and count != (1, 1):
            raise SpecError("count", list(count), 'must be [1, 1] when array = "periodic"')
        _check_layers(self, ("spacer", "metal", "substrate"))
        _check_material("superstrate", self.superstrate)


@dataclass(frozen=True)
class WireOnMetalSpec:
    """A perovskite wire lying on the metal (Oulton-type hybrid plasmonic laser), axis along y.

    Attributes:
        wire_material: wire material.
        radius_nm: wire radius in nm (circular cross-section), > 0.
        length_nm: wire length along y in nm; ``math.inf`` gives a 2D xz cross-section.
        spacer: the nanometre gap layer between wire and metal (e.g. MgF2, 5 nm), optional.
        metal: metal film; substrate: bottom layer; superstrate: medium above.
        cell_width_nm: lateral (x) extent of the simulated region in nm (> 2 radius).
    """

    wire_material: str = "CsPbBr3"
    radius_nm: float = 60.0
    length_nm: float = math.inf
    spacer: LayerSpec | None = LayerSpec("MgF2", 5.0)
    metal: LayerSpec | None = LayerSpec("Ag", 100.0)
    substrate: LayerSpec = LayerSpec("SiO2")
    superstrate: str = "vacuum"
    cell_width_nm: float = 1000.0
    kind: str = "wire_on_metal"

    def __post_init__(self):
        check_choice("kind", self.kind, ("wire_on_metal",))
        _check_material("wire_material", self.wire_material)
        object.__setattr__(self, "radius_nm", check_length("radius_nm", self.radius_nm))
        if self.length_nm != math.inf:
            object.__setattr__(self, "length_nm", check_length("length_nm", self.length_nm))
        width = check_length("cell_width_nm", self.cell_width_nm)
        object.__setattr__(self, "cell_width_nm", width)
        if width <= 2 * self.radius_nm:
            raise SpecError("cell_width_nm", width,
                            f"must be > 2 * radius_nm = {2 * self.radius_nm:g}")
        _check_layers(self, ("spacer", "metal", "substrate"))
        _check_material("superstrate", self.superstrate)

    @property
    def is_2d(self) -> bool:
        """True when the wire is infinitely long (2D cross-section in xz)."""
        return self.length_nm == math.inf


@dataclass(frozen=True)
class FilmStackSpec:
    """Planar layers only (validation structure).

    Attributes:
        layers: finite layers from top (z = 0 downwards) to bottom.
        substrate: semi-infinite bottom medium; superstrate: medium above.
    """

    layers: tuple[LayerSpec, ...] = (LayerSpec("Ag", 30.0),)
    substrate: LayerSpec = LayerSpec("SiO2")
    superstrate: str = "vacuum"
    kind: str = "film_stack"

    def __post_init__(self):
        check_choice("kind", self.kind, ("film_stack",))
        object.__setattr__(self, "layers", tuple(self.layers))
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, LayerSpec):
                raise SpecError(f"layers[{i}]", layer, "must be a table with material and thickness_nm")
            if layer.thickness_nm == math.inf:
                raise SpecError(f"layers[{i}].thickness_nm", layer.thickness_nm, "must be finite")
        _check_layers(self, ("substrate",))
        _check_material("superstrate", self.superstrate)


StructureSpec = RodArraySpec | WireOnMetalSpec | FilmStackSpec


def layer_stack(spec: StructureSpec) -> tuple[LayerSpec, ...]:
    """The planar layers from z = 0 downwards, the substrate last (its kind's
    ``layer_paths``, geometry.kinds)."""
    from hotlase.geometry.kinds import spec_layers

    return tuple(layer for _, layer in spec_layers(spec))


def spec_field_names(cls) -> tuple[str, ...]:
    """Field names of a spec class (the allowed TOML keys)."""
    return tuple(f.name for f in fields(cls))



#: Halide pairs of a mixed composition (geometry.materials.perovskites.PAIRS).
HALIDE_PAIRS = ("Br-Cl", "Br-I")
#: Allowed range of every numeric [gain] key (checked in GainSpec, printed by ``hotlase
#: schema``). The ranges are those of the literature cited per key in GainSpec.
GAIN_LIMITS = {
    "bromide_fraction": Range(0.0, 1.0),
    "band_gap_ev": Range(1.0, 4.0),
    "qd_diameter_nm": Range(2.0, 100.0),
    "qd_diameter_spread_nm": Range(0.0, 20.0),
    "homogeneous_linewidth_mev": Range(1.0, 300.0),
    "radiative_lifetime_ns": Range(0.05, 1000.0),
    "nonradiative_rate_s": Range(0.0, 1e12),
    "transparency_density_m3": Range(1e21, 1e27),
    "differential_gain_m2": Range(1e-23, 1e-17),
    "auger_coefficient_m6_s": Range(0.0, 1e-36),
    "group_index": Range(1.0, 20.0),
    "current_density_a_cm2": Range(0.0, 1e5),
    "pump_pulse_fwhm_ps": Range(0.01, 1e5),
    "pump_min_w_cm2": Range(1e-6, 1e12),
    "pump_max_w_cm2": Range(1e-6, 1e12),
}
#: The allowed strings of the [gain] choice keys.
GAIN_CHOICES = {"halide_pair": HALIDE_PAIRS}


@dataclass(frozen=True)
class GainSpec:
    """The perovskite gain medium and its carriers (the optional [gain] table; docs/physics.md §8).

    Attributes:
        bromide_fraction: Br fraction x of CsPb(Br_x B_{1-x})3 emitting in the rods, in [0, 1]
            (1 = CsPbBr3); its gap comes from the bowing formula of docs/physics.md §3.
        halide_pair: "Br-Cl" or "Br-I", the second halide B of the composition.
        band_gap_ev: bulk gap override in eV, in [1, 4] (absent: the composition's gap).
        qd_diameter_nm: mean quantum-dot (or grain) diameter in nm, in [2, 100]; the Brus shift
            (Protesescu et al., Nano Lett. 15, 3692 (2015) masses) is ~0.1 eV at 10 nm and
            ~20 meV at 20 nm (the default: weakly confined, near the seed's 517 nm PL).
        qd_diameter_spread_nm: standard deviation of the diameter in nm, in [0, 20]
            (inhomogeneous broadening; 0 = one size).
        homogeneous_linewidth_mev: room-temperature homogeneous FWHM in meV, in [1, 300];
            LO-phonon widths of perovskite nanocrystals span ~40-100 meV (Commun. Phys. 6,
            article s42005-023-01459-8 (2023)).
        radiative_lifetime_ns: radiative lifetime in the bulk medium, ns, in [0.05, 1000];
            CsPbX3 nanocrystal PL lifetimes 1-29 ns (Protesescu 2015).
        nonradiative_rate_s: trap (monomolecular) rate in 1/s, in [0, 1e12]; 1e6-1e8 1/s in
            lead-halide perovskites (Herz, Annu. Rev. Phys. Chem. 67, 65 (2016)).
        transparency_density_m3: carrier density at transparency in 1/m^3, in [1e21, 1e27];
            ~1e24 (1e18 cm^-3) near the perovskite ASE thresholds of Xing et al., Nat. Mater.
            13, 476 (2014).
        differential_gain_m2: a = dg/dN in m^2, in [1e-23, 1e-17]; 1e-20 m^2 (1e-16 cm^2) is
            the order of bulk III-V media (Coldren, Corzine & Mashanovitch (2012) ch. 4).
        auger_coefficient_m6_s: three-body Auger coefficient C in m^6/s, in [0, 1e-36];
            ~1e-28 cm^6/s = 1e-40 m^6/s in lead-halide perovskites (Herz 2016).
        group_index: modal group index override, in [1, 20] (absent: the modes table's value).
        current_density_a_cm2: injected electrical current density in A/cm^2, in [0, 1e5]
            (the seed's 1 uA divided by its contact area; the electrically pumped entry of its
            Table S1 lases at 70.2 A/cm^2); every electron through a unit cell's area counts
            as one carrier in its rods, in CW (the pulsed threshold leaves it out).
        pump_pulse_fwhm_ps: FWHM of the pulsed pump in ps, in [0.01, 1e5] (the seed's
            picosecond 405 nm laser).
        pump_min_w_cm2, pump_max_w_cm2: CW pump range of the light-in/light-out curve in
            W/cm^2, each in [1e-6, 1e12], max >= 1e4 min (four decades at least).
    """

    bromide_fraction: float = 1.0
    halide_pair: str = "Br-Cl"
    band_gap_ev: float | None = None
    qd_diameter_nm: float = 20.0
    qd_diameter_spread_nm: float = 2.0
    homogeneous_linewidth_mev: float = 60.0
    radiative_lifetime_ns: float = 5.0
    nonradiative_rate_s: float = 1e7
    transparency_density_m3: float = 1e24
    differential_gain_m2: float = 1e-20
    auger_coefficient_m6_s: float = 1e-40
    group_index: float | None = None
    current_density_a_cm2: float = 0.0
    pump_pulse_fwhm_ps: float = 50.0
    pump_min_w_cm2: float = 1.0
    pump_max_w_cm2: float = 1e9

    def __post_init__(self):
        check_choice("halide_pair", self.halide_pair, HALIDE_PAIRS)
        for name, allowed in GAIN_LIMITS.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, allowed.check(name, value))
        if self.pump_max_w_cm2 < 1e4 * self.pump_min_w_cm2:
            raise SpecError("pump_max_w_cm2", self.pump_max_w_cm2,
                            f"must be >= 1e4 * pump_min_w_cm2 = {1e4 * self.pump_min_w_cm2:g} "
                            "(at least four decades of pump)")


#: Allowed range of every numeric [lasing] key (each entry of pump_rates_per_s for it);
#: checked in LasingSpec and printed by ``hotlase schema``. Parameter ranges of lead-halide
#: perovskite gain: PL lifetimes 1-29 ns and line widths 12-42 nm (CsPbX3 nanocrystals,
#: Protesescu et al., Nano Lett. 15, 3692 (2015)); material gain 1e3-1e4 /cm at carrier
#: densities 1e18-1e19 /cm^3, as in semiconductor gain media (Coldren, Corzine &
#: Mashanovitch, Diode Lasers and Photonic Integrated Circuits, 2nd ed. (2012), ch. 4).
LASING_LIMITS = {
    "pump_rates_per_s": Range(0.0, 1e13, lo_open=True),
    "density_per_m3": Range(1e20, 1e28),
    "cross_section_m2": Range(1e-24, 1e-16),
    "linewidth_nm": Range(0.1, 200.0),
    "emission_wavelength_nm": Range(200.0, 2000.0),
    "upper_lifetime_s": Range(1e-12, 1e-6),
    "lower_lifetime_s": Range(1e-16, 1e-9),
    "pump_lifetime_s": Range(1e-16, 1e-9),
    "rate_speedup": Range(1.0, 1e8),
    "max_time_fs": Range(10.0, 1e6),
    "steady_tol": Range(1e-4, 0.5),
}
#: The most pump points one [lasing] table may ask for (each is a whole time-domain run).
MAX_PUMP_POINTS = 40


@dataclass(frozen=True)
class LasingSpec:
    """The ``[lasing]`` table: a four-level saturable gain medium (Meep's MultilevelAtom) in
    the gain material of the structure, and the pump rates of the time-domain lasing run.

    Levels: 0 ground, 3 pump level, 2 upper and 1 lower lasing level; the pump lifts 0 -> 3,
    3 -> 2 and 1 -> 0 relax fast, 2 -> 1 is the radiative line (docs/physics.md §8).

    Attributes:
        pump_rates_per_s: pump rates 0 -> 3 per ground-state emitter, 1/s, each in (0, 1e13];
            one time-domain run per entry (the light-in axis).
        gain_material: the material the gain emitters are put in (when absent, the rod or
            wire material). Every object of that material gains, and it may not be the
            substrate or the superstrate.
        density_per_m3: emitter density N (the largest possible inversion), 1/m^3;
            default 5e25 (5e19 /cm^3, an order-of-magnitude value; range 1e20-1e28).
        cross_section_m2: stimulated-emission cross-section at the line centre, m^2:
            material gain g = cross_section_m2 x inversion; when absent, the [gain] table's
            differential gain a = dg/dN (the same m^2: both turn a carrier density into gain).
        linewidth_nm: full width at half maximum of the gain line, nm; when absent, the FWHM
            of the [gain] table's ensemble line (size distribution and homogeneous width),
            converted at its peak (CsPbBr3 nanocrystals 12-42 nm, Protesescu 2015).
        emission_wavelength_nm: centre of the gain line, nm; when absent, the peak of the
            [gain] table's ensemble line (composition, Brus shift, size distribution).
        upper_lifetime_s: lifetime of the upper lasing level 2 -> 1, s; default 5e-9
            (1-29 ns, Protesescu 2015).
        lower_lifetime_s: relaxation time of the lower level 1 -> 0, s; default 1e-13.
        pump_lifetime_s: relaxation time of the pump level 3 -> 2, s; default 1e-13.
        rate_speedup: every population rate (pump and lifetimes) is multiplied by this in the
            run, so the populations reach steady state in a few hundred fs of simulated time;
            thresholds and output are divided by it again (docs/physics.md §8). Default 1e4.
        max_time_fs: simulated time cap per pump point, fs (scaled time); default 3000.
        steady_tol: a pump point is steady when the output of three consecutive averaging
            windows agrees within this relative tolerance; default 0.02.
    """

    pump_rates_per_s: tuple[float, ...] = (1e6, 1e7, 3e7, 1e8, 3e8, 1e9)
    gain_material: str | None = None
    density_per_m3: float = 5e25
    cross_section_m2: float | None = None
    linewidth_nm: float | None = None
    emission_wavelength_nm: float | None = None
    upper_lifetime_s: float = 5e-9
    lower_lifetime_s: float = 1e-13
    pump_lifetime_s: float = 1e-13
    rate_speedup: float = 1e4
    max_time_fs: float = 3000.0
    steady_tol: float = 0.02

    def __post_init__(self):
        rates = self.pump_rates_per_s
        if isinstance(rates, (int, float)) and not isinstance(rates, bool):
            rates = (rates,)
        if not isinstance(rates, (list, tuple)) or not rates or len(rates) > MAX_PUMP_POINTS:
            raise SpecError("pump_rates_per_s", rates, "must be a non-empty list of at most "
                                                       f"{MAX_PUMP_POINTS} pump rates in 1/s")
        checked = tuple(LASING_LIMITS["pump_rates_per_s"].check(f"pump_rates_per_s[{i}]", r)
                        for i, r in enumerate(rates))
        if len(set(checked)) != len(checked):
            raise SpecError("pump_rates_per_s", list(checked), "must not repeat a pump rate")
        object.__setattr__(self, "pump_rates_per_s", tuple(sorted(checked)))
        if self.gain_material is not None:
            _check_material("gain_material", self.gain_material)
        for name, allowed in LASING_LIMITS.items():
            value = getattr(self, name)
            if name != "pump_rates_per_s" and value is not None:
                object.__setattr__(self, name, allowed.check(name, value))
        for name in ("lower_lifetime_s", "pump_lifetime_s"):
            if getattr(self, name) >= self.upper_lifetime_s:
                raise SpecError(name, getattr(self, name),
                                f"must be < upper_lifetime_s = {self.upper_lifetime_s:g} (a "
                                "four-level medium relaxes its pump and lower levels fast)")
