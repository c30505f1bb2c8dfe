"""Dispersive rods with averaged curved walls: a Meep material function per z-axis cylinder.

Meep 1.25 averages only eps_inf across a curved face and takes a susceptibility at the Yee
point; the rods-on-metal spectrum then converges at first order in the grid. Here each
dispersive cylinder is painted as a Meep object of radius r + WALL_MARGIN cells over the
rod's z range (plus WALL_MARGIN cells above its top face) whose material is a Python
function: inside the rod the rod medium, in a wall pixel the anisotropic average of
geometry.wall_average (Kottke eps_inf tensor, pole weight tensor), outside the surrounding
medium. Meep evaluates a material function at each Yee point without averaging it, so the
function's own average is what the grid sees; everywhere else Meep's averaging is unchanged.
The bottom face is left to the layers below (on a metal it lies on a grid plane under the
contact sheets, geometry.contact).
"""

from __future__ import annotations

import math
import warnings

import meep as mp
import numpy as np

from hotlase.geometry.primitives import Cylinder
from hotlase.geometry.wall_average import cylinder_pixel, kottke_tensor, pole_weights

WALL_MARGIN = 1.5  # cells beyond the rod's wall covered by the function (a pixel reaches 0.71)
PLAIN_POLES = (mp.LorentzianSusceptibility, mp.DrudeSusceptibility)


def plain_medium_reason(medium: mp.Medium, what: str) -> str | None:
    """Why ``medium`` cannot be averaged here (None when it can): isotropic eps_inf, no
    conductivity, no magnetic response, and only plain isotropic Lorentz/Drude poles."""
    eps = [medium.epsilon_diag.x, medium.epsilon_diag.y, medium.epsilon_diag.z]
    off = [medium.epsilon_offdiag.x, medium.epsilon_offdiag.y, medium.epsilon_offdiag.z]
    if max(eps) != min(eps) or any(complex(o) != 0 for o in off):
        return f"the {what} is anisotropic"
    if any(c != 0 for c in (medium.D_conductivity_diag.x, medium.D_conductivity_diag.y,
                            medium.D_conductivity_diag.z, medium.B_conductivity_diag.x)):
        return f"the {what} has a conductivity"
    if medium.H_susceptibilities:
        return f"the {what} is magnetic"
    for s in medium.E_susceptibilities:
        sig = [s.sigma_diag.x, s.sigma_diag.y, s.sigma_diag.z]
        if type(s) not in PLAIN_POLES or max(sig) != min(sig) or any(
                complex(o) != 0 for o in (s.sigma_offdiag.x, s.sigma_offdiag.y, s.sigma_offdiag.z)):
            return f"the {what} has a {type(s).__name__} that is not a plain isotropic Lorentz/Drude pole"
    return None


def weighted_medium(rod: mp.Medium, eps: np.ndarray, weights: np.ndarray) -> mp.Medium:
    """A Meep medium of the symmetric eps_inf tensor ``eps`` and the rod's poles with their
    sigma times the symmetric tensor ``weights``."""
    sus = []
    for s in rod.E_susceptibilities:
        sig = float(s.sigma_diag.x)
        sus.append(type(s)(frequency=s.frequency, gamma=s.gamma,
                           sigma_diag=mp.Vector3(*(sig * np.diag(weights))),
                           sigma_offdiag=mp.Vector3(sig * weights[0, 1], sig * weights[0, 2],
                                                    sig * weights[1, 2])))
    return mp.Medium(epsilon_diag=mp.Vector3(*np.diag(eps)),
                     epsilon_offdiag=mp.Vector3(eps[0, 1], eps[0, 2], eps[1, 2]),
                     E_susceptibilities=sus, valid_freq_range=rod.valid_freq_range)


def rod_material_function(rod: mp.Medium, outside: mp.Medium, center: tuple[float, float],
                          radius: float, z_top: float, dx: float):
    """Material function of one z-axis rod in a 3D cell (axis through ``center`` = (x, y) in
    Meep units, top face at Meep z ``z_top``), cached per point (Meep asks several times)."""
    e_in, e_out = float(rod.epsilon_diag.x), float(outside.epsilon_diag.x)
    cache: dict = {}

    def material(p: mp.Vector3) -> mp.Medium:
        key = (round(p.x * 1e6), round(p.y * 1e6), round(p.z * 1e6))
        found = cache.get(key)
        if found is None:
            px, py = p.x - center[0], p.y - center[1]
            fill, normal = cylinder_pixel(px, py, p.z, dx, radius, z_top=z_top)
            if normal is None:
                found = rod if fill >= 1 else outside
            else:
                eps, eps_n = kottke_tensor(fill, normal, e_in, e_out)
                found = weighted_medium(rod, eps, pole_weights(fill, normal, eps_n, e_in))
            cache[key] = found
        return found

    material.rod_medium = rod  # type: ignore[attr-defined]  # make_simulation declares its poles
    return material


def surroundings_reason(layout, index: int, outside: mp.Medium, margin_nm: float) -> str | None:
    """Why the rod ``layout.primitives[index]`` has no single plain surrounding medium (None
    when the background surrounds it): another primitive reaching into its margin above the
    rod's bottom face (the layers below it are fine; a rod of the array counts when the two
    averaged objects, ``margin_nm`` beyond each wall, would overlap), or a dispersive
    background."""
    rod = layout.primitives[index]
    x, y, z = rod.center_nm
    r, h = rod.radius_nm, rod.height_nm
    lattice = [math.hypot(*v) for v in (getattr(layout, "lattice_vectors_nm", None) or ())]
    if lattice and min(lattice) < 2 * (r + margin_nm):  # periodic images are not drawn
        return f"a {rod.material} rod of the lattice lies next to the rod"
    z0, z1 = z - h / 2, z + h / 2
    for j, other in enumerate(layout.primitives):
        if j == index:
            continue
        lo, hi = _bounds(other)
        reach = 2 * r  # generous: a shape within a rod radius of the wall counts as touching
        if (hi[2] > z0 + 1e-6 and lo[2] < z1 + reach and lo[0] < x + reach and hi[0] > x - reach
                and lo[1] < y + reach and hi[1] > y - reach):
            if isinstance(other, Cylinder) and other.material == rod.material and \
                    math.hypot(other.center_nm[0] - x, other.center_nm[1] - y) >= 2 * (r + margin_nm):
                continue  # a neighbouring rod of the array, not touching this one
            return f"a {other.material} shape lies next to the rod"
    if outside.E_susceptibilities or plain_medium_reason(outside, "background"):
        return "the surrounding medium is dispersive"
    return None


def _bounds(prim) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Axis-aligned bounds (nm) of a Box or Cylinder primitive (infinite sizes stay infinite)."""
    c = prim.center_nm
    if isinstance(prim, Cylinder):
        half = [prim.radius_nm] * 3
        half["xyz".index(prim.axis)] = prim.height_nm / 2
    else:
        half = [s / 2 for s in prim.size_nm]
    return (tuple(ci - hi for ci, hi in zip(c, half)), tuple(ci + hi for ci, hi in zip(c, half)))


def averaged_rod(prim: Cylinder, center: mp.Vector3, rod: mp.Medium, outside: mp.Medium,
                 frame, um) -> mp.GeometricObject:
    """The Meep object painting ``prim`` (a z-axis cylinder in a 3D cell) with averaged walls:
    radius r + WALL_MARGIN cells, from the rod's bottom face to WALL_MARGIN cells above its top."""
    dx = 1.0 / frame.resolution
    r, h = um(prim.radius_nm), um(prim.height_nm)
    top = center.z + h / 2
    fn = rod_material_function(rod, outside, (center.x, center.y), r, top, dx)
    return mp.Cylinder(radius=r + WALL_MARGIN * dx, height=h + WALL_MARGIN * dx,
                       center=mp.Vector3(center.x, center.y, center.z + WALL_MARGIN * dx / 2),
                       material=fn)


def wall_notice(material: str, reason: str) -> None:
    """One line: this rod keeps Meep's own averaging, and why."""
    warnings.warn(f"wall averaging: the {material} rod keeps Meep's own averaging ({reason})",
                  stacklevel=2)
