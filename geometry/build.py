"""One entry point from any structure spec to its Layout."""

from __future__ import annotations

from hotlase.geometry.primitives import Layout
from hotlase.geometry.specs import StructureSpec


def build(structure: StructureSpec) -> Layout:
    """The Layout of the structure, built by its registered kind (geometry.kinds)."""
    from hotlase.geometry.kinds import build as build_kind

    return build_kind(structure)
