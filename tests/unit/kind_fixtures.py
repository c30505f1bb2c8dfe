"""Structure kinds defined by the tests themselves: the registry test (test_structure_kinds.py)
runs every check on each of these as well as on the built-in kinds, without being edited.

``CoatedFilmSpec``: a perovskite film (the gain medium) on an optional metal film on a
substrate, a 1D stack that exercises a kind with a gain material and no emitter site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotlase.geometry.build_layers import build_layers
from hotlase.geometry.kinds import StructureKind
from hotlase.geometry.primitives import Layout
from hotlase.geometry.specs import LayerSpec
from hotlase.geometry.validate import SpecError, check_choice


@dataclass(frozen=True)
class CoatedFilmSpec:
    """Perovskite film on metal on substrate (test-only kind)."""

    perovskite: LayerSpec = LayerSpec("CsPbBr3", 100.0)
    metal: LayerSpec | None = LayerSpec("Ag", 50.0)
    substrate: LayerSpec = LayerSpec("SiO2")
    superstrate: str = "vacuum"
    kind: str = "coated_film"

    def __post_init__(self):
        check_choice("kind", self.kind, ("coated_film",))
        if self.perovskite.thickness_nm == math.inf:
            raise SpecError("perovskite.thickness_nm", math.inf, "must be finite")


def build_coated_film(spec: CoatedFilmSpec) -> Layout:
    boxes, z_bottom = build_layers(tuple(x for x in (spec.perovskite, spec.metal) if x))
    return Layout(primitives=boxes, background=spec.superstrate, cell_xy_nm=(0.0, 0.0),
                  periodic=(True, True), z_top_nm=0.0, z_bottom_nm=z_bottom,
                  substrate=spec.substrate.material)


TEST_KINDS = (
    StructureKind(
        name="coated_film", spec=CoatedFilmSpec, build=build_coated_film,
        tables={"perovskite": LayerSpec, "metal": LayerSpec, "substrate": LayerSpec},
        optional_tables=("metal",),
        material_paths=("perovskite.material", "metal.material", "substrate.material",
                        "superstrate"),
        gain_path="perovskite.material",
        example={"kind": "coated_film", "perovskite": {"material": "CsPbBr3", "thickness_nm": 100},
                 "metal": {"material": "Ag", "thickness_nm": 40}}),
)
