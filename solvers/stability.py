"""A stable Courant number for the study's materials on its grid, or a clear refusal.

Meep's explicit update of Lorentz/Drude polarisations has no closed-form stability limit
that holds for every pole set (Meep issue #12: the built-in check gives false positives and
false negatives), and meep.materials Ag/Au/Al diverge at coarse grids with Courant 0.5.
So the limit is measured on Meep's own scheme: a small periodic cell filled with the medium
(all wavevectors up to the grid's Nyquist limit present) is excited and stepped; the field
energy of a lossy medium must not grow once the source is off. The largest Courant number
from ``CANDIDATES`` that passes for every material is used.
"""

from __future__ import annotations

import functools
import math

import meep as mp
import numpy as np

from geometry.materials.model import MaterialModel

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
    pixels = length_um * resolution
    return abs(pixels - round(pixels)) < 1e-6 * max(1.0, pixels)


class UnstableMaterialError(ValueError):
    """No Courant number in CANDIDATES keeps this material stable on this grid."""


def choose_courant(models: list[MaterialModel], resolution_nm: float, dims: int) -> float:
    """Largest Courant number in CANDIDATES stable for every model at this grid.

    Args:
        models: every material of the simulation (non-dispersive ones are skipped).
        resolution_nm: grid spacing in nm.
        dims: 1, 2 or 3 (the Courant limit and the Nyquist wavevectors depend on it).

    Raises:
        UnstableMaterialError: naming the material, the grid and the fix.
    """
    courant = CANDIDATES[0]
    for model in models:
        if not model.poles:
            continue
        key = (model.eps_inf, tuple((p.kind, p.frequency_ev, p.gamma_ev, p.sigma) for p in model.poles),
               model.d_conductivity_ev)
        stable = _largest_stable(key, float(resolution_nm), int(dims))
        if stable is None:
            raise UnstableMaterialError(
                f"material {model.name!r} is unstable in Meep at simulation.resolution_nm = "
                f"{resolution_nm:g} for every Courant number in {list(CANDIDATES)}; refine the grid "
                f"(smaller resolution_nm) or use a model with fewer/lower-frequency poles")
        courant = min(courant, stable)
    return courant


@functools.lru_cache(maxsize=64)
def _largest_stable(key, resolution_nm: float, dims: int) -> float | None:
    from solvers.materials import to_meep_medium

    eps_inf, poles, d_cond = key
    from geometry.materials.model import Pole
    model = MaterialModel("probe", eps_inf, tuple(Pole(*p) for p in poles), d_cond)
    medium = to_meep_medium(model)
    for courant in CANDIDATES:
        if is_stable(medium, resolution_nm, dims, courant):
            return courant
    return None


def is_stable(medium: mp.Medium, resolution_nm: float, dims: int, courant: float) -> bool:
    """Step a periodic box of ``medium``; True when the field energy does not grow.

    The energy proxy is sum |E|^2 over the box, sampled every 50 steps after the source has
    stopped (E and P exchange energy, so single samples oscillate); the largest value of the
    last third exceeding twice the largest of the first third, or NaN, means unstable: an
    unstable mode grows exponentially and passes that bound by orders of magnitude.
    """
    res = 1000.0 / resolution_nm
    side = _PROBE_CELLS / res
    cell = mp.Vector3(*(side if i < dims else 0 for i in range(3)))
    if dims == 1:
        cell = mp.Vector3(0, 0, side)
    comp = mp.Ex
    src = mp.Source(mp.GaussianSource(frequency=0.5 * res, fwidth=0.5 * res), component=comp,
                    center=mp.Vector3(), size=mp.Vector3())
    sim = mp.Simulation(cell_size=cell, resolution=res, default_material=medium, sources=[src],
                        k_point=mp.Vector3(), Courant=courant, dimensions=dims)
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
