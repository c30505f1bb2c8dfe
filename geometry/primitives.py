"""Primitive shapes with materials: what builders produce and the solver adapter consumes.

Pure data, no meep. Lengths in nm; ``math.inf`` in a size means "through the whole cell".
Later primitives override earlier ones where they overlap (Meep's rule).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """Axis-aligned box.

    Attributes:
        material: material name; center_nm: (x, y, z) in nm; size_nm: (sx, sy, sz) in nm.
    """

    material: str
    center_nm: tuple[float, float, float]
    size_nm: tuple[float, float, float]


@dataclass(frozen=True)
class Cylinder:
    """Circular cylinder.

    Attributes:
        material: material name; center_nm: (x, y, z) in nm; radius_nm, height_nm in nm;
        axis: "x", "y" or "z" (height along it; ``math.inf`` height = infinitely long).
    """

    material: str
    center_nm: tuple[float, float, float]
    radius_nm: float
    height_nm: float
    axis: str = "z"


@dataclass(frozen=True)
class Layout:
    """A built structure: shapes plus what the solver needs to frame them.

    Attributes:
        primitives: shapes in painting order (later wins).
        background: material filling everything else (the superstrate).
        cell_xy_nm: lateral cell size (x, y) in nm; 0 for a collapsed (2D) direction.
        periodic: (x, y) periodic with Bloch k.
        z_top_nm: top of the structure; z_bottom_nm: bottom of the finite layers (the
            substrate continues below, into the PML).
        substrate: substrate material (fills z < z_bottom_nm).
        rod_centers_nm: (x, y) of every rod/wire axis, for probes and emitters.
        lattice_vectors_nm: primitive lattice vectors (a1, a2) in nm, for periodic arrays.
        mirror_x, mirror_y: the structure is symmetric under x -> -x, y -> -y.
    """

    primitives: tuple[Box | Cylinder, ...]
    background: str
    cell_xy_nm: tuple[float, float]
    periodic: tuple[bool, bool]
    z_top_nm: float
    z_bottom_nm: float
    substrate: str
    rod_centers_nm: tuple[tuple[float, float], ...] = ()
    lattice_vectors_nm: tuple[tuple[float, float], ...] = ()
    mirror_x: bool = True
    mirror_y: bool = True

    @property
    def dims(self) -> int:
        """1 for a planar stack (no lateral size), 2 for an xz cross-section, else 3."""
        if self.cell_xy_nm == (0.0, 0.0):
            return 1
        return 2 if self.cell_xy_nm[1] == 0 else 3

    def materials(self) -> tuple[str, ...]:
        """Every material name in the layout, background and substrate included, in order."""
        names = [self.background, self.substrate, *(p.material for p in self.primitives)]
        return tuple(dict.fromkeys(names))
