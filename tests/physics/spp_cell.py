"""The flat metal / dielectric interface the SPP tests share (test_modes_spp,
test_mode_profiles_spp): a 2D cell 4 pixels wide, periodic with Bloch k along x, metal at the
bottom against the cell edge, dielectric eps = EPS_D above, PML on top; an Ey dipole 10 nm above
the interface and Harminv probes 5 nm (Ey) and 20 nm (Ex) above it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import meep as mp

from hotlase.solvers.materials import to_meep_medium
from hotlase.solvers.stability import choose_courant

EPS_D = 4.0
METAL_UM, DIELECTRIC_UM, PML_UM = 0.15, 0.30, 0.30


@dataclass
class SppCell:
    """sim: the Meep simulation; probes: (component, point) for find_modes; size (sx, sy) and
    the interface height y0, µm, Meep coordinates; res: pixels per µm."""

    sim: mp.Simulation
    probes: list
    sx: float
    sy: float
    y0: float
    res: float


def spp_cell(metal, res_nm: float, k_per_nm: float, f_min: float, f_max: float) -> SppCell:
    """The interface cell at Bloch k (rad/nm), pulse over [f_min, f_max] (Meep units)."""
    res = 1000.0 / res_nm
    sx, sy = 4 / res, METAL_UM + DIELECTRIC_UM + PML_UM
    y0 = -sy / 2 + METAL_UM  # the interface
    source = mp.Source(mp.GaussianSource((f_min + f_max) / 2, fwidth=f_max - f_min), mp.Ey,
                       mp.Vector3(0, y0 + 0.010))
    sim = mp.Simulation(
        cell_size=mp.Vector3(sx, sy), resolution=res, sources=[source],
        geometry=[mp.Block(center=mp.Vector3(0, -sy / 2 + METAL_UM / 2),
                           size=mp.Vector3(mp.inf, METAL_UM, mp.inf), material=to_meep_medium(metal))],
        default_material=mp.Medium(epsilon=EPS_D),
        boundary_layers=[mp.PML(PML_UM, direction=mp.Y, side=mp.High)],
        k_point=mp.Vector3(k_per_nm * 1000 / (2 * math.pi)),
        Courant=choose_courant([metal], res_nm, 2))
    probes = [(mp.Ey, mp.Vector3(0, y0 + 0.005)), (mp.Ex, mp.Vector3(0, y0 + 0.020))]
    return SppCell(sim, probes, sx, sy, y0, res)
