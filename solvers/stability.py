"""A stable Courant number for the study's materials, interfaces and PML on its grid, or a
clear refusal; and which mirror symmetries Meep can apply without breaking stability.

Meep's explicit update of Lorentz/Drude polarisations has no closed-form stability limit
that holds for every pole set (Meep issue #12: the built-in check gives false positives and
false negatives), and meep.materials Ag/Au/Al diverge at coarse grids with Courant 0.5.
So the limit is measured on Meep's own scheme: a small periodic cell (all wavevectors up to
the grid's Nyquist limit present) is excited and stepped; the field energy must not grow once
the source is off. Three kinds of cell are probed, because each material alone is not enough:
- each dispersive medium alone (the bulk update);
- every pair of the study's materials, one as a small off-grid cylinder inside the other:
  Meep averages only eps_inf over an interface pixel (into an anisotropic tensor at a curved
  surface) while it point-samples the poles, so an interface pixel is a medium neither
  material is; both orders are probed;
- each dispersive medium that reaches a PML, filling a cell with the study's PML on both
  ends (SiO2 at 20 nm in a PML: NaN at 0.55, decaying at 0.5).
The largest Courant number in ``CANDIDATES`` that passes every probe is used. Measured over
every registry material (4 metals, 3 perovskites, 4 dielectrics, vacuum) at 10 and 20 nm in
3D, no pair and no PML probe needed a lower Courant number than the materials alone (Al2O3
alone needs 0.4 at 20 nm): the pair and PML probes guard user materials and new models.
Issue 16's divergence was not a Courant matter at all (``mirror_consistent``).
"""

from __future__ import annotations

from collections.abc import Sequence

import functools
import math

import meep as mp
import numpy as np

from hotlase.geometry.materials.model import MaterialModel
from hotlase.geometry.units import whole_cells

CANDIDATES = (0.5, 0.4, 0.3, 0.2, 0.1)
_PROBE_CELLS = 8        # cells per side of the probe: wavevectors 0 .. pi/dx all present
_PROBE_STEPS = 3000     # steps after the source; unstable modes grow by >1e3 within it


def mirror_consistent(length_um: float, periodic: bool, resolution: float) -> bool:
    """True when a mirror plane at 0 along an axis of this length is safe in Meep.

    Along a periodic axis Meep rounds the cell to whole pixels, and a mirror at 0 then implies
    a second one at half of the rounded length; the builders draw the structure's period
    unrounded (a hexagonal cell is sqrt(3) P long: 606.2 nm -> 610 nm at 10 nm), so the
    structure is not symmetric about that second plane. Meep still assumes it is, and the
    averaged eps tensors (off-diagonal terms at curved surfaces) that sit on it break the
    update's energy conservation: measured on issue 16's study (hexagonal, P 350 nm, 10 nm
    grid) the field energy grew x1e4 every 500 steps at Courant 0.5 (also at 0.4 and 0.25),
    stable without the y mirror, without subpixel averaging, or with the corner rods moved
    onto the rounded cell edge. A non-periodic axis ends in PML, where no second plane exists.
    """
    if not periodic or length_um <= 0:
        return True
    return whole_cells(length_um * 1000.0, 1000.0 / resolution)


class UnstableMaterialError(ValueError):
    """No Courant number in CANDIDATES keeps this material stable on this grid."""


def choose_courant(models: list[MaterialModel], resolution_nm: float, dims: int,
                   in_pml: Sequence[MaterialModel] = (), pml_nm: float = 0.0) -> float:
    """Largest Courant number in CANDIDATES stable for every model, every pair of models (an
    interface) and every dispersive model in ``in_pml`` (inside a PML) at this grid.

    Args:
        models: every material of the simulation (the background and substrate included).
        resolution_nm: grid spacing in nm.
        dims: 1, 2 or 3 (the Courant limit and the Nyquist wavevectors depend on it).
        in_pml: the materials that reach a PML (the superstrate, a non-metal substrate).
        pml_nm: PML thickness of the study, for the PML probes.

    Raises:
        UnstableMaterialError: naming the material or interface, the grid and the fix.
    """
    res, dims = float(resolution_nm), int(dims)
    unique = list({_key(m): m for m in models}.values())
    courant = CANDIDATES[0]
    for model in unique:
        if model.poles:
            courant = _limit(courant, _largest_stable(_key(model), None, 0.0, res, dims, courant),
                             f"material {model.name!r}", resolution_nm)
    for outer in unique:
        for inner in unique:
            if inner is not outer and (inner.poles or outer.poles):
                stable = _largest_stable(_key(outer), _key(inner), 0.0, res, dims, courant)
                courant = _limit(courant, stable, f"the interface of {inner.name!r} inside "
                                 f"{outer.name!r}", resolution_nm)
    for model in {_key(m): m for m in in_pml}.values():
        if model.poles and pml_nm > 0:
            stable = _largest_stable(_key(model), None, float(pml_nm), res, dims, courant)
            courant = _limit(courant, stable, f"material {model.name!r} inside the PML",
                             resolution_nm)
    return courant


def _key(model: MaterialModel) -> tuple:
    return (model.name, model.eps_inf,
            tuple((p.kind, p.frequency_ev, p.gamma_ev, p.sigma) for p in model.poles),
            model.d_conductivity_ev)


def _limit(courant: float, stable: float | None, what: str, resolution_nm: float) -> float:
    if stable is None:
        raise UnstableMaterialError(
            f"{what} is unstable in Meep at simulation.resolution_nm = {resolution_nm:g} for every "
            f"Courant number in {list(CANDIDATES)}; refine the grid (smaller resolution_nm) or use "
            "a model with fewer/lower-frequency poles")
    return min(courant, stable)


@functools.lru_cache(maxsize=256)
def _largest_stable(outer, inner, pml_nm: float, resolution_nm: float, dims: int,
                    start: float) -> float | None:
    """Largest candidate <= ``start`` passing the probe (``is_stable``), or None."""
    medium = _medium(outer)
    inclusion = _medium(inner) if inner is not None else None
    for courant in (c for c in CANDIDATES if c <= start):
        if is_stable(medium, resolution_nm, dims, courant, inclusion=inclusion, pml_nm=pml_nm):
            return courant
    return None


def _medium(key) -> mp.Medium:
    from hotlase.geometry.materials.model import Pole
    from hotlase.solvers.materials import to_meep_medium

    name, eps_inf, poles, d_cond = key
    return to_meep_medium(MaterialModel(name, eps_inf, tuple(Pole(*p) for p in poles), d_cond))


def is_stable(medium: mp.Medium, resolution_nm: float, dims: int, courant: float, *,
              inclusion: mp.Medium | None = None, pml_nm: float = 0.0) -> bool:
    """Step a periodic box of ``medium``; True when the field energy does not grow.

    ``inclusion``: a cylinder of this medium (radius 2.7 pixels, height 4.6, off the grid by
    0.3 pixel; a disk in 2D, a 3.4-pixel slab in 1D) sits in the box, so that pixels on its
    flat faces, curved side and rims carry Meep's averaged eps tensors. ``pml_nm``: the box is
    extended by a PML of that thickness at both ends of its last axis.
    The energy proxy is sum |E|^2 over the box, sampled every 50 steps after the source has
    stopped (E and P exchange energy, so single samples oscillate); the largest value of the
    last third exceeding twice the largest of the first third, or NaN, means unstable: an
    unstable mode grows exponentially and passes that bound by orders of magnitude.
    """
    res = 1000.0 / resolution_nm
    side = _PROBE_CELLS / res
    length = side + 2 * pml_nm / 1000.0
    if dims == 1:
        cell = mp.Vector3(0, 0, length)
    elif dims == 2:
        cell = mp.Vector3(side, length)
    else:
        cell = mp.Vector3(side, side, length)
    last = {1: mp.Z, 2: mp.Y, 3: mp.Z}[dims]
    layers = [mp.PML(pml_nm / 1000.0, direction=last)] if pml_nm > 0 else []
    geometry = []
    if inclusion is not None:
        px = 1.0 / res
        center = mp.Vector3(0.3 * px, 0.2 * px, 0.1 * px) if dims == 3 else (
            mp.Vector3(0.3 * px, 0.2 * px) if dims == 2 else mp.Vector3(0, 0, 0.3 * px))
        if dims == 1:
            geometry = [mp.Block(size=mp.Vector3(mp.inf, mp.inf, 3.4 * px), center=center,
                                 material=inclusion)]
        else:
            geometry = [mp.Cylinder(radius=2.7 * px, height=4.6 * px if dims == 3 else mp.inf,
                                    center=center, material=inclusion)]
    comp = mp.Ex
    src = mp.Source(mp.GaussianSource(frequency=0.5 * res, fwidth=0.5 * res), component=comp,
                    center=mp.Vector3(0.5 / res, 1.5 / res, 0) if dims > 1 else mp.Vector3(),
                    size=mp.Vector3())
    sim = mp.Simulation(cell_size=cell, resolution=res, default_material=medium, sources=[src],
                        geometry=geometry, boundary_layers=layers, k_point=mp.Vector3(),
                        Courant=courant, dimensions=dims)
    sim.init_sim()
    energies = []
    try:
        sim.run(until=3 * src.src.width + 10 / res)  # wait out the source
        for step in range(_PROBE_STEPS):
            sim.fields.step()
            if step % 50 == 0:
                energies.append(_energy(sim))
    except RuntimeError:  # Meep raises on NaN fields
        return False
    finally:
        sim.reset_meep()
    third = len(energies) // 3
    early, late = max(energies[:third]), max(energies[-third:])
    return bool(np.isfinite(late) and late <= 2.0 * early)


def _energy(sim: mp.Simulation) -> float:
    total = 0.0
    for c in (mp.Ex, mp.Ey, mp.Ez):
        a = sim.get_array(component=c, center=mp.Vector3(), size=sim.cell_size)
        total += float(np.sum(np.abs(a) ** 2))
    return total if math.isfinite(total) else math.inf
