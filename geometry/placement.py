"""Where the solvers put things, in nm (pure data, no meep): `hotlase show` draws it.

The rods the probes and dipoles refer to, the Harminv probes, the dipoles of the modes and
emitter runs, the plane-wave source and flux planes, and the PML / absorber layers. The
solvers place their Meep objects from these functions (solvers.modes, solvers.emitter,
solvers.cell.make_frame), so the picture and the run cannot disagree. z = 0 is the top of
the layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotlase.geometry.primitives import Cylinder, Layout

# heights of the plane-wave source and the flux planes, as fractions of simulation.padding_nm
SOURCE_ABOVE_TOP = 0.75   # source plane above the structure top
REFL_ABOVE_TOP = 0.5      # reflection flux plane above the top (between source and structure)
TRANS_BELOW_BOTTOM = 0.5  # transmission flux plane below the finite layers (in the substrate)
#: An absorber (metal or dispersive medium crossing the boundary) is this many PMLs thick.
ABSORBER_PMLS = 2


@dataclass(frozen=True)
class RodBox:
    """Lateral centre (nm), lateral half-width along x (nm), bottom and top (nm), material."""

    x_nm: float
    y_nm: float
    half_width_nm: float
    z_lo_nm: float
    z_hi_nm: float
    material: str = ""

    @property
    def height_nm(self) -> float:
        return self.z_hi_nm - self.z_lo_nm


def rod_boxes(layout: Layout) -> list[RodBox]:
    """The rods (vertical cylinders, or a wire lying along y) at ``layout.rod_centers_nm``."""
    out = []
    for x, y in layout.rod_centers_nm:
        for prim in layout.primitives:
            if not isinstance(prim, Cylinder) or abs(prim.center_nm[0] - x) > 1e-6:
                continue
            if prim.axis == "z" and abs(prim.center_nm[1] - y) < 1e-6:
                zc, h = prim.center_nm[2], prim.height_nm
                out.append(RodBox(x, y, prim.radius_nm, zc - h / 2, zc + h / 2, prim.material))
                break
            if prim.axis == "y":
                zc, r = prim.center_nm[2], prim.radius_nm
                out.append(RodBox(x, y, r, zc - r, zc + r, prim.material))
                break
    return out


def central_rod(layout: Layout) -> RodBox | None:
    """The rod nearest the cell centre (the first of equals): the periodic cell's rod, the
    middle rod of a finite array, the wire. None when there are no rods."""
    rods = rod_boxes(layout)
    if not rods:
        return None
    return min(rods, key=lambda r: (round(math.hypot(r.x_nm, r.y_nm), 6)))


def gap_nm(layout: Layout, rod: RodBox) -> float:
    """Free lateral distance from the rod surface to the next rod (or a cell-edge bound)."""
    others = [math.hypot(r.x_nm - rod.x_nm, r.y_nm - rod.y_nm) for r in rod_boxes(layout)
              if (r.x_nm, r.y_nm) != (rod.x_nm, rod.y_nm)]
    if all(layout.periodic[: (2 if layout.dims == 3 else 1)]) and layout.lattice_vectors_nm:
        others += [math.hypot(*v) for v in layout.lattice_vectors_nm]
    span = min(others) if others else layout.cell_xy_nm[0] / 2 + rod.half_width_nm
    return max(span - 2 * rod.half_width_nm, 0.0)


def mode_probes(layout: Layout, dims: int, resolution_nm: float) -> list[tuple[str, tuple, str]]:
    """(label, (x, y, z) nm, our axis) of every Harminv probe.

    Inside the rod near its top and its base (off axis, so odd modes are not on a node),
    in the gap at the metal surface beside the rod, above the metal half-way to the next
    rod; each with the vertical and one lateral component (and, in 2D, the out-of-plane one,
    a separate polarisation there). z = 0 is the top of the layers; surface probes sit one
    grid cell above it.
    """
    rod = central_rod(layout)
    above = resolution_nm
    out = []
    if rod is not None:
        r, h = rod.half_width_nm, rod.height_nm
        inset = min(max(2 * resolution_nm, 0.1 * h), 0.3 * h)
        gap = gap_nm(layout, rod)
        y_off = 0.27 * r if dims == 3 else 0.0
        spots = [
            ("rod top", (rod.x_nm + 0.41 * r, rod.y_nm + y_off, rod.z_hi_nm - inset)),
            ("rod base", (rod.x_nm - 0.37 * r, rod.y_nm - y_off, rod.z_lo_nm + inset)),
        ]
        if gap > 0:
            step = min(max(resolution_nm, 0.1 * gap), 0.5 * gap)
            spots.append(("gap at metal", (rod.x_nm + r + step, rod.y_nm + 0.5 * y_off, above)))
            spots.append(("between rods", (rod.x_nm + r + 0.5 * gap, rod.y_nm + 0.83 * y_off + 0.13 * gap
                                           * (dims == 3), above)))
    else:
        spots = [("above surface", (0.0, 0.0, above))]
    # in 2D the out-of-plane field (our y, Meep's Ez) is a decoupled polarisation: probe it too
    axes = ("z", "x", "y") if dims == 2 else ("z", "x")
    for label, pos in spots:
        for axis in axes:
            out.append((label, pos, axis))
    return out


def mode_dipole_spots(layout: Layout, dims: int, res_nm: float):
    """(axes, on-axis spots, off-axis spots) of the modes run's dipoles, each spot
    ((x, y, z) nm, our axis); see solvers.modes.mode_source_runs for how they are used."""
    rod = central_rod(layout)
    axes = ("x", "y", "z") if dims == 3 else ("x", "z", "y")
    if rod is None:
        h0 = 2 * res_nm
        spots = [((0.0, 0.0, h0), a) for a in axes]
        offaxis = [((0.13 * res_nm * 7, 0.0, h0), a) for a in axes]
    else:
        r, h = rod.half_width_nm, rod.height_nm
        z1, z2 = rod.z_lo_nm + 0.3 * h, rod.z_lo_nm + 0.72 * h
        spots = [((rod.x_nm, rod.y_nm, z1), a) for a in axes] + [((rod.x_nm, rod.y_nm, z2), a) for a in axes]
        yo = 0.21 * r if dims == 3 else 0.0
        offaxis = [((rod.x_nm + 0.31 * r, rod.y_nm + yo, z1), "x"),
                   ((rod.x_nm - 0.23 * r, rod.y_nm + 1.4 * yo, z2), "z"),
                   ((rod.x_nm + 0.17 * r, rod.y_nm - yo, rod.z_lo_nm + 0.5 * h), "y")]
        gap = gap_nm(layout, rod)
        if gap > 2 * res_nm:
            offaxis.append(((rod.x_nm + r + min(max(res_nm, 0.1 * gap), 0.5 * gap), rod.y_nm + yo,
                             res_nm), "z"))
    return axes, spots, offaxis


def emitter_position_nm(layout: Layout) -> tuple[float, float, float] | None:
    """The emitter run's dipole: the centre of the central rod (None without a rod)."""
    rod = central_rod(layout)
    return None if rod is None else (rod.x_nm, rod.y_nm, (rod.z_lo_nm + rod.z_hi_nm) / 2)


@dataclass(frozen=True)
class Boundary:
    """One absorbing layer of the cell: ``kind`` "PML" or "absorber", the side ("top",
    "bottom", "x", "y": both ends of that axis) and its thickness (nm)."""

    kind: str
    side: str
    thickness_nm: float


@dataclass(frozen=True)
class Placement:
    """What the solvers place in a study's cell, in nm (before Meep aligns the cell to the grid,
    which moves its ends by less than one cell).

    Attributes:
        cell_x_nm, cell_y_nm: lateral cell size with lateral PML (0 where collapsed);
        z_min_nm, z_max_nm: cell extent along z, PML included.
        boundaries: the PML / absorber layers.
        source_z_nm, refl_z_nm, trans_z_nm: plane-wave source plane and the reflection and
            transmission flux planes (spectrum and fields runs); None for a run set without them.
        probes: (label, (x, y, z), axis) of the Harminv probes (modes runs).
        mode_dipoles: ((x, y, z), axis) of the modes run's dipoles (on the rod axis with
            symmetry, off axis without).
        emitter_nm: the emitter dipole (rod centre), or None.
    """

    cell_x_nm: float
    cell_y_nm: float
    z_min_nm: float
    z_max_nm: float
    boundaries: tuple[Boundary, ...]
    source_z_nm: float | None
    refl_z_nm: float | None
    trans_z_nm: float | None
    probes: tuple = ()
    mode_dipoles: tuple = ()
    emitter_nm: tuple[float, float, float] | None = None


def placement(study, layout: Layout) -> Placement:
    """Everything of ``study``'s run kinds the solvers place (solvers.cell.make_frame,
    boundary_layers, solvers.modes, solvers.emitter)."""
    from hotlase.geometry.study import lateral_absorbers, material_model

    sim = study.simulation
    pad, pml = sim.padding_nm, sim.pml_nm
    metal_below = material_model(study, layout.substrate).is_metal
    bottom = ABSORBER_PMLS * pml if metal_below else pml
    lateral = "absorber" if lateral_absorbers(study, layout) else "PML"
    bounds = [Boundary("PML", "top", pml), Boundary("absorber" if metal_below else "PML", "bottom", bottom)]
    sizes = []
    for axis, s, periodic in zip("xy", layout.cell_xy_nm, layout.periodic):
        sizes.append(s + (0 if periodic or s == 0 else 2 * pml))
        if not periodic and s > 0:
            bounds.append(Boundary(lateral, axis, pml))
    kinds = set(study.run_kinds)
    plane_wave = bool(kinds & {"spectrum", "fields"})
    probes: tuple = ()
    dipoles: tuple = ()
    if "modes" in kinds:
        probes = tuple(mode_probes(layout, layout.dims, sim.resolution_nm))
        if not ("emitter" in kinds and layout.rod_centers_nm):  # else the emitter's pulses carry them
            _, spots, offaxis = mode_dipole_spots(layout, layout.dims, sim.resolution_nm)
            dipoles = tuple(spots if sim.symmetry else offaxis)
    return Placement(
        sizes[0], sizes[1], layout.z_bottom_nm - pad - bottom, layout.z_top_nm + pad + pml,
        tuple(bounds),
        layout.z_top_nm + SOURCE_ABOVE_TOP * pad if plane_wave else None,
        layout.z_top_nm + REFL_ABOVE_TOP * pad if plane_wave else None,
        layout.z_bottom_nm - TRANS_BELOW_BOTTOM * pad if plane_wave else None,
        probes, dipoles, emitter_position_nm(layout) if "emitter" in kinds else None)
