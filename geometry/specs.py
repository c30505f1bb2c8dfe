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

