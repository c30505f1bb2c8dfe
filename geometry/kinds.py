"""The structure-kind registry: everything hotlase knows about a kind of structure, declared once.

A kind is its frozen spec class, its builder (spec -> Layout), how its TOML table is read
(which keys are nested tables or lists of tables, which optional layers mean "none" when
absent), where its materials sit (dotted field paths: the no-metal twin and every material
check read them), which material is the gain medium, and where an emitter dipole sits. The
loader, ``build``, ``structure_materials``, the twin, the gain material and the run-kind
checks all read this registry, so a new kind is one module that calls
``register_structure_kind`` (see docs/extending.md) plus its tests.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hotlase.geometry.build_film_stack import build_film_stack
from hotlase.geometry.build_rod_array import build_rod_array
from hotlase.geometry.build_wire_on_metal import build_wire_on_metal
from hotlase.geometry.primitives import Layout
from hotlase.geometry.specs import FilmStackSpec, LayerSpec, RodArraySpec, RodSpec, WireOnMetalSpec


@dataclass(frozen=True)
class StructureKind:
    """One kind of structure.

    Attributes:
        name: the ``structure.kind`` value in a study file.
        spec: the frozen spec dataclass (has a ``kind`` field equal to ``name``).
        build: spec -> Layout (pure data, no meep).
        tables: {key: spec class} of keys whose TOML value is one table (``rod``, ``metal``).
        table_lists: {key: spec class} of keys whose value is a list of tables (``layers``).
        optional_tables: keys of ``tables`` that mean "none" when absent or ``{}``.
        material_paths: dotted paths of the spec's material names; ``[*]`` walks a tuple
            (``layers[*].material``); a path through a None layer is skipped.
        layer_paths: paths of the planar layers from z = 0 down, the substrate last
            (``layers[*]`` walks a tuple; a None layer is skipped).
        gain_path: path of the gain (perovskite) material, None when the kind has none.
        emitter_sites: spec -> dipole positions (x, y, z) in nm inside the gain medium; empty
            when there is no place for a dipole (the emitter and modes runs then refuse).
        example: a small valid ``[structure]`` table (tests and docs build it).
    """

    name: str
    spec: type
    build: Callable[[Any], Layout]
    material_paths: tuple[str, ...]
    example: Mapping[str, Any]
    layer_paths: tuple[str, ...] = ("substrate",)
    tables: Mapping[str, type] = field(default_factory=dict)
    table_lists: Mapping[str, type] = field(default_factory=dict)
    optional_tables: tuple[str, ...] = ()
    gain_path: str | None = None
    emitter_sites: Callable[[Any], tuple[tuple[float, float, float], ...]] = lambda spec: ()


_REGISTRY: dict[str, StructureKind] = {}


def register_structure_kind(kind: StructureKind) -> StructureKind:
    """Add (or replace) a structure kind; returns it. The spec class must carry ``kind``."""
    names = {f.name for f in dataclasses.fields(kind.spec)}
    if "kind" not in names:
        raise TypeError(f"structure kind {kind.name!r}: {kind.spec.__name__} needs a `kind` field")
    _REGISTRY[kind.name] = kind
    return kind


def unregister_structure_kind(name: str) -> None:
    """Remove a kind (tests register kinds of their own for the length of a test)."""
    _REGISTRY.pop(name, None)


def structure_kinds() -> dict[str, StructureKind]:
    """{name: StructureKind} of every registered kind, in registration order."""
    return dict(_REGISTRY)


def kind_of(spec: Any) -> StructureKind:
    """The registered kind of a structure spec (by its ``kind`` field)."""
    kind = _REGISTRY.get(str(getattr(spec, "kind", "")))
    if kind is None or not isinstance(spec, kind.spec):
        raise TypeError(f"unknown structure spec {type(spec).__name__} "
                        f"(registered kinds: {', '.join(_REGISTRY)})")
    return kind


# -- material paths -------------------------------------------------------------------------------
_STEP = re.compile(r"^(\w+)(\[\*\])?$")


def _expand(obj: Any, steps: list[str], prefix: str) -> list[tuple[str, Any, list[str]]]:
    """(concrete path, parent object, remaining steps) for the last step of a path."""
    if len(steps) == 1:
        return [(prefix + steps[0], obj, steps)]
    m = _STEP.match(steps[0])
    if m is None:
        raise ValueError(f"bad path step {steps[0]!r}")
    value = getattr(obj, m.group(1))
    if value is None:
        return []
    if m.group(2):
        out = []
        for i, item in enumerate(value):
            out += _expand(item, steps[1:], f"{prefix}{m.group(1)}[{i}].")
        return out
    return _expand(value, steps[1:], f"{prefix}{m.group(1)}.")


def spec_materials(spec: Any) -> dict[str, str]:
    """{field path relative to the structure: material name} of every material it uses."""
    out: dict[str, str] = {}
    for path in kind_of(spec).material_paths:
        for concrete, parent, steps in _expand(spec, path.split("."), ""):
            out[concrete] = getattr(parent, steps[-1])
    return out


def spec_layers(spec: Any) -> list[tuple[str, Any]]:
    """[(field path, LayerSpec)] of the planar layers from z = 0 down, the substrate last."""
    out = []
    for path in kind_of(spec).layer_paths:
        for concrete, parent, steps in _expand(spec, [*path.split("."), ""], ""):
            out.append((concrete[:-1], parent))
    return out


def _swap(obj: Any, steps: list[str], swap: Callable[[str], str]) -> Any:
    if obj is None:
        return None
    m = _STEP.match(steps[0])
    if m is None:
        raise ValueError(f"bad material path step {steps[0]!r}")
    name = m.group(1)
    value = getattr(obj, name)
    if len(steps) == 1:
        return dataclasses.replace(obj, **{name: swap(value)})
    if m.group(2):
        new = tuple(_swap(item, steps[1:], swap) for item in value)
    else:
        new = _swap(value, steps[1:], swap)
    return dataclasses.replace(obj, **{name: new})


def swap_materials(spec: Any, swap: Callable[[str], str]) -> Any:
    """The spec with every material name ``m`` replaced by ``swap(m)`` (the no-metal twin)."""
    for path in kind_of(spec).material_paths:
        spec = _swap(spec, path.split("."), swap)
    return spec


def gain_material_of(spec: Any) -> str | None:
    """The gain (perovskite) material of a structure, None when its kind has none."""
    path = kind_of(spec).gain_path
    if path is None:
        return None
    obj = spec
    for step in path.split("."):
        obj = getattr(obj, step)
    return obj


def build(spec: Any) -> Layout:
    """The Layout of any registered structure spec."""
    return kind_of(spec).build(spec)


# -- the built-in kinds -----------------------------------------------------------------------------
_LAYERS = {"spacer": LayerSpec, "metal": LayerSpec, "substrate": LayerSpec}

register_structure_kind(StructureKind(
    name="rod_array", spec=RodArraySpec, build=build_rod_array,
    tables={"rod": RodSpec, **_LAYERS}, optional_tables=("spacer", "metal"),
    layer_paths=("spacer", "metal", "substrate"),
    material_paths=("rod.material", "spacer.material", "metal.material", "substrate.material",
                    "superstrate"),
    gain_path="rod.material",
    emitter_sites=lambda s: ((0.0, 0.0, s.rod.height_nm / 2),),
    example={"kind": "rod_array", "rod": {"radius_nm": 40, "height_nm": 80}, "period_nm": 200,
             "metal": {"material": "Ag", "thickness_nm": 40}}))

register_structure_kind(StructureKind(
    name="wire_on_metal", spec=WireOnMetalSpec, build=build_wire_on_metal,
    tables=dict(_LAYERS), optional_tables=("spacer", "metal"),
    layer_paths=("spacer", "metal", "substrate"),
    material_paths=("wire_material", "spacer.material", "metal.material", "substrate.material",
                    "superstrate"),
    gain_path="wire_material",
    emitter_sites=lambda s: ((0.0, 0.0, s.radius_nm),),
    example={"kind": "wire_on_metal", "radius_nm": 50, "cell_width_nm": 400,
             "spacer": {"material": "MgF2", "thickness_nm": 20},
             "metal": {"material": "Ag", "thickness_nm": 40}}))

register_structure_kind(StructureKind(
    name="film_stack", spec=FilmStackSpec, build=build_film_stack,
    tables={"substrate": LayerSpec}, table_lists={"layers": LayerSpec},
    layer_paths=("layers[*]", "substrate"),
    material_paths=("layers[*].material", "substrate.material", "superstrate"),
    example={"kind": "film_stack", "layers": [{"material": "Ag", "thickness_nm": 40}]}))
