"""Builder: a perovskite wire lying on the metal, axis along y (2D xz section or finite)."""

from __future__ import annotations

import math

from hotlase.geometry.build_layers import build_layers
from hotlase.geometry.primitives import Cylinder, Layout
from hotlase.geometry.specs import WireOnMetalSpec


def build_wire_on_metal(spec: WireOnMetalSpec) -> Layout:
    """Primitives of the Oulton-type hybrid plasmonic structure: layers, then the wire on z = 0."""
    layers = tuple(x for x in (spec.spacer, spec.metal) if x is not None)
    boxes, z_bottom = build_layers(layers)
    r = spec.radius_nm
    wire = Cylinder(spec.wire_material, (0.0, 0.0, r), r, spec.length_nm, "y")
    cell_y = 0.0 if spec.is_2d else spec.length_nm + spec.cell_width_nm  # cell_width_nm / 2 margin each end
    return Layout(
        primitives=boxes + (wire,),
        background=spec.superstrate,
        cell_xy_nm=(spec.cell_width_nm, cell_y),
        periodic=(False, False),
        z_top_nm=2 * r,
        z_bottom_nm=z_bottom,
        substrate=spec.substrate.material,
        rod_centers_nm=((0.0, 0.0),),
    )
