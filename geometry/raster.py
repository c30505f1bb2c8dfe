"""Sample a Layout on a grid: which material is at each point (for plots and checks, no meep)."""

from __future__ import annotations

import numpy as np

from hotlase.geometry.primitives import Box, Cylinder, Layout


def material_grid(layout: Layout, x_nm, y_nm, z_nm) -> tuple[tuple[str, ...], np.ndarray]:
    """Material index at every (x, y, z) of the grid spanned by three 1D coordinate arrays.

    Periodic directions are folded into the cell, so images of a rod show up where Meep
    would put them. Returns (material names, int array of shape (nx, ny, nz)).
    """
    x, y, z = np.meshgrid(np.asarray(x_nm, float), np.asarray(y_nm, float),
                          np.asarray(z_nm, float), indexing="ij")
    return material_at_points(layout, x, y, z)


def material_at_points(layout: Layout, x_nm, y_nm, z_nm) -> tuple[tuple[str, ...], np.ndarray]:
    """Material index at each point (x[i], y[i], z[i]) (arrays of one shape), like material_grid."""
    names = layout.materials()
    x, y, z = (np.array(c, dtype=float) for c in np.broadcast_arrays(x_nm, y_nm, z_nm))
    for axis, (size, periodic) in enumerate(zip(layout.cell_xy_nm, layout.periodic)):
        if periodic and size > 0:
            c = (x, y)[axis]
            c[...] = (c + size / 2) % size - size / 2
    out = np.full(x.shape, names.index(layout.background), dtype=np.int16)
    out[z < layout.z_bottom_nm] = names.index(layout.substrate)
    for prim in layout.primitives:
        out[_inside(prim, x, y, z)] = names.index(prim.material)
    return names, out


def _inside(prim: Box | Cylinder, x, y, z) -> np.ndarray:
    cx, cy, cz = prim.center_nm
    if isinstance(prim, Box):
        sx, sy, sz = prim.size_nm
        return ((np.abs(x - cx) <= sx / 2) & (np.abs(y - cy) <= sy / 2)
                & (np.abs(z - cz) <= sz / 2))
    along = {"x": x - cx, "y": y - cy, "z": z - cz}[prim.axis]
    across = {"x": (y - cy, z - cz), "y": (x - cx, z - cz), "z": (x - cx, y - cy)}[prim.axis]
    return (across[0] ** 2 + across[1] ** 2 <= prim.radius_nm**2) & (
        np.abs(along) <= prim.height_nm / 2)
