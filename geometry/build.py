"""One entry point from any structure spec to its Layout."""

from __future__ import annotations

from hotlase.geometry.build_film_stack import build_film_stack
from hotlase.geometry.build_rod_array import build_rod_array
from hotlase.geometry.build_wire_on_metal import build_wire_on_metal
from hotlase.geometry.primitives import Layout
from hotlase.geometry.specs import FilmStackSpec, RodArraySpec, StructureSpec, WireOnMetalSpec


def build(structure: StructureSpec) -> Layout:
    """Dispatch to the builder of the structure's kind."""
    if isinstance(structure, RodArraySpec):
        return build_rod_array(structure)
    if isinstance(structure, WireOnMetalSpec):
        return build_wire_on_metal(structure)
    if isinstance(structure, FilmStackSpec):
        return build_film_stack(structure)
    raise TypeError(f"unknown structure spec {type(structure).__name__}")
