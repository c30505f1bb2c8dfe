"""The one adapter from a study's Layout to a Meep cell: geometry, boundaries, symmetry, k.

Conventions: Meep length unit a = 1 µm (geometry.units). Our vertical axis is z; in a 2D
(xz cross-section) run Meep's cell is its x-y plane, so our z maps to Meep's y; a planar
stack runs in 1D along Meep's z. ``Frame.vec`` does that mapping, nothing else does.
"""

from __future__ import annotations

from collections.abc import Sequence

import math
from dataclasses import dataclass

import meep as mp

from hotlase.geometry.build import build
from hotlase.geometry.contact import contact_sheets, metal_top_face
from hotlase.geometry.placement import (ABSORBER_PMLS, REFL_ABOVE_TOP, SOURCE_ABOVE_TOP,
                                        TRANS_BELOW_BOTTOM)
from hotlase.geometry.primitives import Box, Cylinder, Layout
from hotlase.geometry.study import StudySpec, lateral_absorbers, material_model
from hotlase.geometry.units import nm_to_meep_freq, nm_to_meep_length
from hotlase.solvers.materials import to_meep_medium
from hotlase.solvers.stability import choose_courant, mirror_consistent
from hotlase.solvers.wall_media import (WALL_MARGIN, averaged_rod, plain_medium_reason,
                                        surroundings_reason, wall_notice)


@dataclass(frozen=True)
class Frame:
    """Where everything sits, in Meep units (µm), along our vertical axis z.

    Attributes:
        dims: 1, 2 or 3.
        size_xy: lateral cell size (x, y) in µm (0 where collapsed).
        z_min, z_max: cell extent along our z, PML included.
        z_top, z_bottom: top of the structure and bottom of the finite layers.
        z_source: plane-wave source plane; z_refl: reflection flux plane (between source and
            structure); z_trans: transmission flux plane (in the substrate).
        pml: PML / absorber thickness; periodic: lateral periodicity (x, y).
        resolution: pixels per µm; courant: the stable Courant number chosen for the models.
        metal_below: the substrate is a metal (absorber instead of PML at the bottom).
        metal_lateral: absorbers instead of PML on non-periodic lateral sides (any
            dispersive medium, metal or not, crosses them).
        sheets: the contact sheets on the metal's faces (``sheets``), painted last by
            ``make_geometry``; a metal face lies on a grid plane exactly when there are any.
    """

    dims: int
    size_xy: tuple[float, float]
    z_min: float
    z_max: float
    z_top: float
    z_bottom: float
    z_source: float
    z_refl: float
    z_trans: float
    pml: float
    periodic: tuple[bool, bool]
    resolution: float
    courant: float
    metal_below: bool
    metal_lateral: bool
    sheets: tuple = ()

    def vec(self, x: float = 0.0, y: float = 0.0, z: float = 0.0) -> mp.Vector3:
        """Our (x, y, z) in µm to a Meep Vector3 for this cell's dimensionality."""
        if self.dims == 1:
            return mp.Vector3(0, 0, z)
        if self.dims == 2:
            return mp.Vector3(x, z)
        return mp.Vector3(x, y, z)

    def size_vec(self, x: float, y: float, z: float) -> mp.Vector3:
        """An object size: like ``vec``, but collapsed Meep directions get infinite extent."""
        if self.dims == 1:
            return mp.Vector3(mp.inf, mp.inf, z)
        if self.dims == 2:
            return mp.Vector3(x, z, mp.inf)
        return mp.Vector3(x, y, z)

    @property
    def vertical(self):
        """Meep direction of our z."""
        return mp.Y if self.dims == 2 else mp.Z

    @property
    def cell_size(self) -> mp.Vector3:
        """Meep cell size."""
        sx, sy = self.size_xy
        return self.vec(sx, sy, self.z_max - self.z_min)

    @property
    def z_center(self) -> float:
        """Centre of the cell along our z (Meep cells are centred on the origin)."""
        return (self.z_max + self.z_min) / 2

    def plane(self, z: float) -> tuple[mp.Vector3, mp.Vector3]:
        """(center, size) of the lateral plane at our height z (whole cell width)."""
        sx, sy = self.size_xy
        return self.vec(0, 0, z - self.z_center), self.vec(sx, sy, 0)

    def region(self, z_lo: float, z_hi: float) -> tuple[mp.Vector3, mp.Vector3]:
        """(center, size) of the slab of the cell between our heights z_lo and z_hi."""
        sx, sy = self.size_xy
        return self.vec(0, 0, (z_lo + z_hi) / 2 - self.z_center), self.vec(sx, sy, z_hi - z_lo)


def meep_component(frame: Frame, axis: str):
    """Meep E component of our axis: our z is Meep's y in 2D; our y is Meep's z there."""
    if axis not in ("x", "y", "z"):
        raise ValueError(f"axis = {axis!r}: must be one of ['x', 'y', 'z']")
    if frame.dims == 2:
        return {"x": mp.Ex, "y": mp.Ez, "z": mp.Ey}[axis]
    return {"x": mp.Ex, "y": mp.Ey, "z": mp.Ez}[axis]


def meep_point(frame: Frame, position_nm) -> mp.Vector3:
    """Our (x, y, z) in nm (z = 0 at the top of the layers) to a Meep point of this cell."""
    x, y, z = (float(nm_to_meep_length(v)) for v in position_nm)
    return frame.vec(x, y, z - frame.z_center)


def symmetry_label(sym) -> str:
    """'mirror x phase -1' for a Meep Mirror (the run file's ``symmetries`` entries)."""
    axis = {mp.X: "x", mp.Y: "y", mp.Z: "z"}[sym.direction]
    return f"mirror {axis} phase {complex(sym.phase).real:+.0f}"


def make_frame(study: StudySpec, layout: Layout) -> Frame:
    """Lay the structure out along z with padding, flux planes and PML (all from the study)."""
    sim = study.simulation
    um = lambda v: float(nm_to_meep_length(v))  # noqa: E731
    pad, pml = um(sim.padding_nm), um(sim.pml_nm)
    z_top, z_bottom = um(layout.z_top_nm), um(layout.z_bottom_nm)
    models = [material_model(study, m) for m in layout.materials()]
    metal_below = material_model(study, layout.substrate).is_metal
    metal_lateral = lateral_absorbers(study, layout)
    bottom_pml = ABSORBER_PMLS * pml if metal_below else pml  # an absorber needs more room than a PML
    size_xy = tuple(um(s) + (0 if p or s == 0 else 2 * pml) for s, p in
                    zip(layout.cell_xy_nm, layout.periodic))
    metal_top = top_metal_face_nm(study, layout)
    z_ref = 0.0 if metal_top is None else um(metal_top)
    # a metal face with contact sheets lies on a tangential-sample plane (geometry.contact)
    on_face = tuple(sheets(study, layout))
    offset = 0.0 if on_face else QUARTER
    z_min, z_max = aligned_z_extent(z_bottom - pad - bottom_pml, z_top + pad + pml,
                                    sim.resolution_nm, z_ref, offset)
    res = 1000.0 / sim.resolution_nm
    # a periodic side is what Meep makes of it, whole pixels (hexagonal: sqrt(3) P): a source
    # plane of the unrounded width left the edge rows at 0.8 weight, a 15 % ripple that fed
    # diffraction orders in the empty normalisation cell (stability.mirror_consistent)
    sx, sy = (round(s * res) / res if p and s > 0 else s
              for s, p in zip(size_xy, layout.periodic))
    return Frame(
        dims=layout.dims,
        size_xy=(sx, sy),
        z_min=z_min,
        z_max=z_max,
        z_top=z_top,
        z_bottom=z_bottom,
        z_source=z_top + SOURCE_ABOVE_TOP * pad,
        z_refl=z_top + REFL_ABOVE_TOP * pad,
        z_trans=z_bottom - TRANS_BELOW_BOTTOM * pad,
        pml=pml,
        periodic=layout.periodic,
        resolution=res,
        courant=choose_courant(models, sim.resolution_nm, layout.dims, pml_nm=sim.pml_nm,
                               in_pml=[material_model(study, layout.background)]
                               + ([] if metal_below else [material_model(study, layout.substrate)])),
        metal_below=metal_below,
        metal_lateral=metal_lateral,
        sheets=on_face,
    )


QUARTER = 0.25  # cells between a grid plane and a face no sample may sit on


def top_metal_face_nm(study: StudySpec, layout: Layout) -> float | None:
    """Height (nm) of the top face of the uppermost laterally infinite metal layer, if any."""
    face = metal_top_face(layout, lambda name: material_model(study, name).is_metal)
    return None if face is None else face[0]


def sheets(study: StudySpec, layout: Layout) -> list:
    """The contact sheets on the metal film's faces (geometry.contact), or [] when there is no
    metal face or a medium there has a D-conductivity (no Drude-Lorentz mean: the face then
    stays a quarter cell off a plane, the earlier placement). ``make_frame`` keeps them in
    ``Frame.sheets``; read them there."""
    found = contact_sheets(layout, lambda name: material_model(study, name).is_metal,
                           study.simulation.resolution_nm)
    try:
        for sheet in found:
            material_model(study, sheet.material)
    except ValueError:
        return []
    return found


def aligned_z_extent(z_min: float, z_max: float, resolution_nm: float, z_ref: float = 0.0,
                     offset: float = QUARTER) -> tuple[float, float]:
    """Cell extent along z (µm) grown by less than three cells so that the cell is an even
    number of cells and the height ``z_ref`` lies ``offset`` of a cell above a grid plane.

    Meep's grid points lie whole cells from the cell's centre (the origin), so they lie whole
    cells from the lower edge only when the number of cells is even; with an odd number they
    sit half a cell off (measured: the 2D rods-on-silver analogue with contact sheets gives
    max |dR| 0.046 against RCWA with 166 cells and 0.54 with 165). E components parallel to
    the layers are sampled on the grid planes and the normal one half a cell between them
    (Yee lattice, Meep docs "Yee Lattice").
    ``make_frame`` puts the top face of the uppermost metal layer on a plane (``offset`` 0)
    when it carries contact sheets (geometry.contact), and otherwise that face (or, without
    metal, the top of the layers) a quarter cell above a plane, where no sample can sit on it
    and every grid discretises it the same way. Before, the face fell wherever the padding put it:
    on a sample plane for some grids, where round-off decided whether the samples under the
    rods were metal or rod, and between planes for others; the rods-on-silver spectrum then
    changed family with the grid and with the padding (at 10 nm, R(532 nm) 0.365 with 300 nm
    of padding and 0.834 with 150 nm, against 0.598 from a Fourier-modal reference).
    """
    dx = resolution_nm / 1000.0
    below = math.ceil((z_ref - z_min) / dx - offset - 1e-9) + offset  # cells from edge to z_ref
    z_lo = z_ref - below * dx
    cells = math.ceil((z_max - z_lo) / dx - 1e-9)
    cells += cells % 2  # even: Meep's grid points lie whole cells from the cell's centre
    return z_lo, z_lo + cells * dx


def boundary_layers(frame: Frame) -> list:
    """PML on top; PML or absorber (metal substrate) at the bottom; lateral where not periodic.

    Dispersive metal inside a PML can go unstable, so metal gets Meep's Absorber there.
    """
    layers = [mp.PML(frame.pml, direction=frame.vertical, side=mp.High)]
    bottom = mp.Absorber if frame.metal_below else mp.PML
    layers.append(bottom((ABSORBER_PMLS if frame.metal_below else 1) * frame.pml, direction=frame.vertical,
                         side=mp.Low))
    lateral = mp.Absorber if frame.metal_lateral else mp.PML
    for direction, periodic, size in zip((mp.X, mp.Y), frame.periodic, frame.size_xy):
        if not periodic and size > 0:
            layers.append(lateral(frame.pml, direction=direction))
    return layers


def make_geometry(study: StudySpec, layout: Layout, frame: Frame,
                  media_by_name: dict | None = None) -> list:
    """Meep objects for the layout's primitives plus the substrate block, in painting order;
    ``media_by_name`` replaces the Meep medium of those materials (the lasing run's gain).

    With ``simulation.wall_averaging = "anisotropic"`` a dispersive z-axis cylinder of a 3D
    cell gets averaged walls (solvers.wall_media: its poles weighted across the wall, not
    taken at the Yee point); the contact sheets stay last."""
    on_face = frame.sheets
    names = [*layout.materials(), *(p.material for p in on_face)]
    media = {name: to_meep_medium(material_model(study, name)) for name in dict.fromkeys(names)}
    media.update(media_by_name or {})
    um = lambda v: float(nm_to_meep_length(v))  # noqa: E731
    big = 10 * (frame.z_max - frame.z_min + sum(frame.size_xy))  # "infinite" within the cell
    objects = [mp.Block(center=frame.vec(0, 0, (frame.z_bottom + frame.z_min - big) / 2 - frame.z_center),
                        size=frame.size_vec(mp.inf, mp.inf, frame.z_bottom - frame.z_min + big),
                        material=media[layout.substrate])]
    for prim in (*layout.primitives, *on_face):
        x, y, z = (um(c) for c in prim.center_nm)
        center = frame.vec(x, y, z - frame.z_center)
        if isinstance(prim, Box):
            size = frame.size_vec(*(mp.inf if math.isinf(s) else um(s) for s in prim.size_nm))
            objects.append(mp.Block(center=center, size=size, material=media[prim.material]))
        elif isinstance(prim, Cylinder):
            height = mp.inf if math.isinf(prim.height_nm) else um(prim.height_nm)
            axis = {"x": frame.vec(1, 0, 0), "y": frame.vec(0, 1, 0), "z": frame.vec(0, 0, 1)}[prim.axis]
            averaged = (None if prim not in layout.primitives else
                        _averaged_wall(study, layout, frame, prim, center, media))
            if averaged is not None:
                objects.append(averaged)
            elif frame.dims == 2 and prim.axis == "y":  # a wire along y is a disk in the xz plane
                objects.append(mp.Cylinder(radius=um(prim.radius_nm), height=mp.inf, center=center,
                                           material=media[prim.material]))
            else:
                objects.append(mp.Cylinder(radius=um(prim.radius_nm), height=height, axis=axis,
                                           center=center, material=media[prim.material]))
    return objects


def _averaged_wall(study: StudySpec, layout: Layout, frame: Frame, prim: Cylinder,
                   center: mp.Vector3, media: dict):
    """The wall-averaged object of a dispersive z-axis rod in a 3D cell, or None (Meep's own
    rule: switched off, another shape, a non-dispersive rod, or, with a one-line notice, a
    rod medium or surroundings the average does not cover)."""
    rod = media[prim.material]
    if (study.simulation.wall_averaging != "anisotropic" or frame.dims != 3 or prim.axis != "z"
            or math.isinf(prim.height_nm) or not rod.E_susceptibilities):
        return None
    outside = media.get(layout.background) or to_meep_medium(material_model(study, layout.background))
    reason = plain_medium_reason(rod, "rod medium") or surroundings_reason(
        layout, layout.primitives.index(prim), outside, WALL_MARGIN * study.simulation.resolution_nm)
    if reason:
        wall_notice(prim.material, reason)
        return None
    return averaged_rod(prim, center, rod, outside, frame, lambda v: float(nm_to_meep_length(v)))


def rod_media(objects: list) -> list:
    """The rod media behind wall-averaged objects: Meep must be told of their poles
    (``extra_materials``), since no object carries them as its plain material."""
    found = [getattr(o.material, "rod_medium", None) for o in objects]
    return list({id(m): m for m in found if m is not None}.values())


def mirror_symmetries(layout: Layout, frame: Frame, component, k_x: float = 0.0) -> list:
    """Mirror planes allowed by the structure and a source of E ``component`` at x = y = 0.

    A field component along the mirror normal is odd (phase -1), the others even; a Bloch
    k along x breaks the x mirror. Returned empty for 1D cells (nothing to gain). A mirror
    along a periodic axis that is not a whole number of pixels is left out (it diverges:
    ``stability.mirror_consistent``).
    """
    if frame.dims == 1:
        return []
    syms = []
    ok = [mirror_consistent(float(nm_to_meep_length(size)), periodic, frame.resolution)
          for size, periodic in zip(layout.cell_xy_nm, layout.periodic)]
    if layout.mirror_x and k_x == 0 and ok[0]:
        syms.append(mp.Mirror(mp.X, phase=_phase(component, mp.X)))
    if frame.dims == 3 and layout.mirror_y and ok[1]:
        syms.append(mp.Mirror(mp.Y, phase=_phase(component, mp.Y)))
    return syms


def _phase(component, normal) -> int:
    """Parity of an E source along ``component`` under the mirror with this normal (Meep docs
    "Exploiting Symmetry"): odd (-1) when E is along the normal, even (+1) otherwise."""
    along = {mp.X: mp.Ex, mp.Y: mp.Ey, mp.Z: mp.Ez}[normal]
    return -1 if component == along else 1


def make_simulation(study: StudySpec, *, sources: list, symmetries: Sequence = (), k_point=None,
                    empty: bool = False, layout: Layout | None = None,
                    media: dict | None = None) -> tuple[mp.Simulation, Frame, Layout]:
    """A Meep simulation of the study's structure (or of the empty cell when ``empty``).

    Args:
        study: validated study; sources: Meep sources; symmetries: Meep mirrors.
        k_point: Bloch vector in Meep units; None gives k = 0 in periodic directions.
        empty: the normalisation run (same cell, same grid, only the superstrate medium).
        media: {material name: Meep medium} replacing those materials' own media.
    """
    layout = layout or build(study.structure)
    frame = make_frame(study, layout)
    if k_point is None and any(frame.periodic) and frame.dims > 1:
        k_point = mp.Vector3()
    background = to_meep_medium(material_model(study, layout.background))
    geometry = [] if empty else make_geometry(study, layout, frame, media)
    sim = mp.Simulation(
        cell_size=frame.cell_size,
        resolution=frame.resolution,
        geometry=geometry,
        extra_materials=rod_media(geometry),
        sources=sources,
        boundary_layers=boundary_layers(frame),
        k_point=k_point if k_point is not None else False,
        symmetries=list(symmetries),
        default_material=background,
        Courant=frame.courant,
        dimensions=frame.dims,
        ensure_periodicity=False,  # the builders draw periodic images; replicas of the
        # substrate block along z (Meep makes every direction periodic once k is set) would fill the cell
    )
    return sim, frame, layout


def plane_wave_source(study: StudySpec, frame: Frame, f_center: float, f_width: float, k_point=None):
    """A broadband plane wave travelling down -z from the source plane, polarised per study.

    For oblique incidence the amplitude carries the Bloch phase exp(i k·r) (Meep tutorial
    "Reflectance of a planar interface", oblique case).
    """
    component = meep_component(frame, study.simulation.polarization)
    center, size = frame.plane(frame.z_source)
    kwargs = {}
    if k_point is not None and k_point.norm() > 0:
        kwargs["amp_func"] = lambda r: complex(math.cos(2 * math.pi * k_point.dot(r)),
                                               math.sin(2 * math.pi * k_point.dot(r)))
    return [mp.Source(mp.GaussianSource(f_center, fwidth=f_width, is_integrated=True),
                      component=component, center=center, size=size, **kwargs)], component


def incidence_k_point(study: StudySpec, frame: Frame, layout: Layout, f_center: float):
    """Bloch vector of the incident plane wave: k_x = n_top sin(angle) f_center (Meep units,
    cycles/um) in the xz plane, zero at normal incidence (Meep tutorial "Reflectance of a
    planar interface", oblique case). With one k for a broadband pulse the angle varies with
    frequency, sin(theta(f)) = k_x / (n_top f): exact at f_center (Meep's own limitation).

    Raises:
        SpecError: oblique incidence asked of a 1D cell (a film stack has no lateral axis).
    """
    angle = study.simulation.angle_deg
    if not any(frame.periodic) or frame.dims == 1:
        if angle > 0:
            from hotlase.geometry.validate import SpecError
            raise SpecError("simulation.angle_deg", angle,
                            "oblique incidence needs a laterally periodic 2D or 3D cell; use 0 here")
        return None
    if angle == 0:
        return mp.Vector3()
    n_top = float(abs(material_model(study, layout.background).eps(1000.0 / f_center)) ** 0.5)
    return frame.vec(n_top * math.sin(math.radians(angle)) * f_center, 0, 0)


def band_frequencies(study: StudySpec) -> tuple[float, float, float]:
    """(f_center, f_width, f_min) in Meep units covering the study's wavelength band."""
    sim = study.simulation
    f_min = float(nm_to_meep_freq(sim.wavelength_max_nm))
    f_max = float(nm_to_meep_freq(sim.wavelength_min_nm))
    return (f_min + f_max) / 2, (f_max - f_min), f_min
