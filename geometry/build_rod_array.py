"""Builder: vertical rod array (periodic unit cell or finite N x M) on its layer stack."""

from __future__ import annotations

import math

import numpy as np

from hotlase.geometry.build_layers import build_layers
from hotlase.geometry.primitives import Cylinder, Layout
from hotlase.geometry.specs import RodArraySpec


def lattice_vectors_nm(lattice: str, period_nm: float) -> tuple[tuple[float, float], ...]:
    """Primitive vectors a1, a2 (nm); nearest-neighbour distance = period in both lattices."""
    if lattice == "square":
        return ((period_nm, 0.0), (0.0, period_nm))
    return ((period_nm, 0.0), (period_nm / 2, period_nm * math.sqrt(3) / 2))


def rod_positions_nm(spec: RodArraySpec) -> tuple[tuple[float, float], ...]:
    """Rod axis positions (x, y) in nm: the unit cell's rods, or the finite array centred on 0.

    A hexagonal unit cell is the rectangular cell (P, sqrt(3) P) holding two rods: one at the
    centre and one at the corner (its periodic images fill the other corners).
    """
    p = spec.period_nm
    if spec.array == "periodic":
        if spec.lattice == "square":
            return ((0.0, 0.0),)
        return ((0.0, 0.0), (p / 2, p * math.sqrt(3) / 2))
    a1, a2 = (np.array(v) for v in lattice_vectors_nm(spec.lattice, p))
    n, m = spec.count
    pts = np.array([i * a1 + j * a2 for j in range(m) for i in range(n)])
    if spec.lattice == "hexagonal":  # keep rows stacked, not sheared: fold x back every 2 rows
        pts[:, 0] -= np.array([(j // 2) * p for j in range(m) for _ in range(n)])
    pts -= (pts.min(axis=0) + pts.max(axis=0)) / 2
    return tuple((float(x), float(y)) for x, y in pts)


def _symmetric(points: np.ndarray, axis: int) -> bool:
    flipped = points.copy()
    flipped[:, axis] *= -1
    def key(a: np.ndarray) -> list[tuple[float, ...]]:
        rounded: list[list[float]] = np.round(a, 6).tolist()
        return sorted(tuple(row) for row in rounded)

    return key(points) == key(flipped)


def build_rod_array(spec: RodArraySpec) -> Layout:
    """Primitives of a rod array: layers, then rods standing on z = 0 (rods painted last)."""
    layers = tuple(x for x in (spec.spacer, spec.metal) if x is not None)
    boxes, z_bottom = build_layers(layers)
    p, r, h = spec.period_nm, spec.rod.radius_nm, spec.rod.height_nm
    centers = rod_positions_nm(spec)
    if spec.array == "periodic":
        cell = (p, p) if spec.lattice == "square" else (p, p * math.sqrt(3))
        drawn = list(centers[:1])
        if spec.lattice == "hexagonal":  # the corner rod and its three images in the cell
            drawn += [(sx * p / 2, sy * cell[1] / 2) for sx in (-1, 1) for sy in (-1, 1)]
        periodic = (True, True)
    else:
        pts = np.array(centers)
        extent = pts.max(axis=0) - pts.min(axis=0) + 2 * r
        cell = (float(extent[0] + 2 * p), float(extent[1] + 2 * p))
        drawn = list(centers)
        periodic = (False, False)
    rods = tuple(Cylinder(spec.rod.material, (x, y, h / 2), r, h, "z") for x, y in drawn)
    pts = np.array(drawn)
    return Layout(
        primitives=boxes + rods,
        background=spec.superstrate,
        cell_xy_nm=(float(cell[0]), float(cell[1])),
        periodic=periodic,
        z_top_nm=h,
        z_bottom_nm=z_bottom,
        substrate=spec.substrate.material,
        rod_centers_nm=centers,
        lattice_vectors_nm=lattice_vectors_nm(spec.lattice, p),
        mirror_x=_symmetric(pts, 0),
        mirror_y=_symmetric(pts, 1),
    )
