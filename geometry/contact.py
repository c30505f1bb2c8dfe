"""Contact sheets: how the top face of a metal film meets the grid (pure data, no meep).

Why: rods standing on silver are hypersensitive to the contact. A Fourier-modal (RCWA)
calculation of the default study moves its R dips from 485/520 nm to 440/515 nm and
R(532 nm) from 0.59 to 0.84 when a 2.5 nm air gap is put between rods and metal
(docs/metal-interfaces.md). On a Yee grid the tangential E samples and the normal one see a
metal face in different places (half a cell apart whatever the placement), and Meep averages
only the non-dispersive part of eps across a face (Meep docs "Subpixel Smoothing"): the
metal's eps_inf = 1 beside the perovskite's 3.8 looks like a thin low-index gap to the normal
field. Both are first-order errors with a huge coefficient here.

What: the metal's top face is put exactly on a plane of tangential E samples
(solvers.cell.aligned_z_extent, offset 0). The normal E samples then sit half a cell on either
side, each wholly in one medium, and their pixels end on the face (nothing to average). The
tangential samples on the face get the arithmetic mean of the two media, the effective
permittivity of a component parallel to a planar interface (Deinega & Valuev, Opt. Lett. 32,
3429 (2007); ``interface_mean``): a sheet a thousandth of a cell thick on the face, made of
``"METAL|OTHER"`` (``material_model`` resolves such a name to the mean), with the footprint
of whatever stands on the face (rods, or the superstrate / a spacer elsewhere).
Measured on the 2D analogue of the default study (a 120 nm CsPbBr3 ridge on Ag, RCWA with 79
orders as reference), max |dR| over 400-700 nm at 10 / 5 nm: sheets 0.046 / see
docs/metal-interfaces.md; face a quarter cell off a plane 0.38 / 0.22.
"""

from __future__ import annotations

import math
from typing import TypeGuard

from hotlase.geometry.primitives import Box, Cylinder, Layout

#: Thickness of a contact sheet in grid cells: thin enough that the pixels of the normal E
#: samples beside the face (which end on it) hold a negligible part of it.
SHEET_CELLS = 1e-3
_TOL_NM = 1e-6


def metal_top_face(layout: Layout, is_metal) -> tuple[float, str] | None:
    """(height in nm, material) of the top face of the uppermost laterally infinite metal
    layer, or None. ``is_metal``: material name -> bool."""
    faces = [(p.center_nm[2] + p.size_nm[2] / 2, p.material) for p in layout.primitives
             if isinstance(p, Box) and math.isinf(p.size_nm[0]) and is_metal(p.material)]
    return max(faces) if faces else None


def sheet_name(metal: str, other: str) -> str:
    """The material name of a sheet between ``metal`` and ``other`` (their mean medium)."""
    return f"{metal}|{other}"


def sheet_sides(name: str) -> tuple[str, str] | None:
    """(metal, other) of a sheet's material name, None for an ordinary material."""
    if "|" not in name:
        return None
    metal, other = name.split("|", 1)
    return metal, other


def contact_sheets(layout: Layout, is_metal, resolution_nm: float) -> list[Box | Cylinder]:
    """The sheets on the metal's top face, in painting order (after the layout's shapes).

    One laterally infinite sheet with what lies on the face elsewhere (a spacer layer, or
    the background), then one per shape standing on the face with a finite footprint (a
    Box, or a Cylinder along z) and that shape's material. A cylinder lying on the face
    (a wire along x or y) touches it along a line and gets none. When a layer (a spacer) lies
    on the face and is a whole number of cells thick, its top face is on a sample plane too
    and gets sheets the same way (rods on a 10 nm spacer at a 10 nm grid). Empty without a
    metal face.
    """
    face = metal_top_face(layout, is_metal)
    if face is None:
        return []
    z, below = face
    t = SHEET_CELLS * resolution_nm
    sheets = _bottom_sheet(layout, z, below, resolution_nm, t)
    while True:  # the metal's face, then the top of a layer on it that is whole cells thick
        on_face = [p for p in layout.primitives if abs(_bottom(p) - z) < _TOL_NM]
        layer = next((p for p in on_face if _is_layer(p)), None)
        sheets += _face_sheets(z, below, on_face, layer, layout.background, t)
        if layer is None or not _whole_cells(layer.size_nm[2], resolution_nm):
            return sheets  # a layer's top off the sample planes stays staircased
        z, below = z + layer.size_nm[2], layer.material


def _is_layer(p: Box | Cylinder) -> TypeGuard[Box]:
    return isinstance(p, Box) and math.isinf(p.size_nm[0]) and math.isinf(p.size_nm[1])


def _whole_cells(length_nm: float, resolution_nm: float) -> bool:
    cells = length_nm / resolution_nm
    return abs(cells - round(cells)) < 1e-9


def _bottom_sheet(layout: Layout, top: float, metal: str, resolution_nm: float,
                  t: float) -> list[Box | Cylinder]:
    """The sheet on the metal film's bottom face when the film is whole cells thick (its
    bottom then lies on a sample plane as well: a 30 nm film at 2 nm), against the layer or
    substrate below."""
    film = next((p for p in layout.primitives if _is_layer(p) and p.material == metal
                 and abs(p.center_nm[2] + p.size_nm[2] / 2 - top) < _TOL_NM), None)
    if film is None or not _whole_cells(film.size_nm[2], resolution_nm):
        return []
    z = top - film.size_nm[2]
    under = next((p.material for p in layout.primitives if _is_layer(p)
                  and abs(p.center_nm[2] + p.size_nm[2] / 2 - z) < _TOL_NM), layout.substrate)
    return [Box(sheet_name(metal, under), (0.0, 0.0, z), (math.inf, math.inf, t))]


def _face_sheets(z: float, below: str, on_face: list, layer, background: str,
                 t: float) -> list[Box | Cylinder]:
    """The sheets on one face at height z: the plane one (``layer`` or the background above)
    and one per shape with a finite footprint standing on the face."""
    above = layer.material if layer is not None else background
    out: list[Box | Cylinder] = [Box(sheet_name(below, above), (0.0, 0.0, z), (math.inf, math.inf, t))]
    for p in on_face:
        if isinstance(p, Box) and not math.isinf(p.size_nm[0]):
            out.append(Box(sheet_name(below, p.material), (p.center_nm[0], p.center_nm[1], z),
                           (p.size_nm[0], p.size_nm[1], t)))
        elif isinstance(p, Cylinder) and p.axis == "z":
            out.append(Cylinder(sheet_name(below, p.material), (p.center_nm[0], p.center_nm[1], z),
                                p.radius_nm, t, "z"))
    return out


def _bottom(p: Box | Cylinder) -> float:
    if isinstance(p, Box):
        return p.center_nm[2] - p.size_nm[2] / 2
    if p.axis == "z":
        return p.center_nm[2] - p.height_nm / 2
    return p.center_nm[2] - p.radius_nm
