"""Builder: a planar film stack (1D along z), the validation structure."""

from __future__ import annotations

from hotlase.geometry.build_layers import build_layers
from hotlase.geometry.primitives import Layout
from hotlase.geometry.specs import FilmStackSpec


def build_film_stack(spec: FilmStackSpec) -> Layout:
    """Primitives of a planar stack: the finite layers from z = 0 down, substrate below."""
    boxes, z_bottom = build_layers(spec.layers)
    return Layout(
        primitives=boxes,
        background=spec.superstrate,
        cell_xy_nm=(0.0, 0.0),
        periodic=(True, True),
        z_top_nm=0.0,
        z_bottom_nm=z_bottom,
        substrate=spec.substrate.material,
    )
