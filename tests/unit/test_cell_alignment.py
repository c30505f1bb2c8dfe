"""Where the layers sit on Meep's grid (solvers.cell.aligned_z_extent, make_frame).

Setup: cell extents of the default structure for grids 20 ... 2.5 nm and paddings that put
the layers at every fraction of a cell; the frame of rods on silver and of their twin.
Reference: the Yee lattice (Meep docs "Yee Lattice"): Meep's grid points lie whole cells from
the cell's centre, so with an even number of cells they lie whole cells from the lower edge
too; the E components parallel to the layers are sampled on those planes, the normal one half
a cell between.
Tolerance: 1e-9 of a cell (float round-off). A metal face with contact sheets lies on a
plane (geometry.contact); other faces a quarter cell off one. Before the alignment the metal face fell on a
sample plane for some grids (10, 12.5 nm) and between them for others (15, 7.5 nm), and the
rods-on-silver spectrum jumped between two families with the grid.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

pytest.importorskip("meep")

from hotlase.geometry.build import build  # noqa: E402
from hotlase.geometry.study import load_study  # noqa: E402
from hotlase.geometry.twin import without_metal  # noqa: E402
from hotlase.solvers.cell import QUARTER, aligned_z_extent, make_frame  # noqa: E402


def _cells(z, lo, dx):
    return (z - lo) / dx


@pytest.mark.parametrize("res_nm", [20, 15, 12.5, 10, 7.5, 5, 3.75, 2.5])
@pytest.mark.parametrize("pad_nm", [300, 303, 307.5, 311.1])
@pytest.mark.parametrize("z_ref, offset", [(0.0, QUARTER), (-0.01, QUARTER), (0.0, 0.0)])
def test_reference_height_lands_at_the_offset_from_a_grid_plane(res_nm, pad_nm, z_ref, offset):
    dx = res_nm / 1000
    z_min, z_max = -(0.1 + pad_nm / 1000 + 0.4), 0.15 + pad_nm / 1000 + 0.4
    lo, hi = aligned_z_extent(z_min, z_max, res_nm, z_ref, offset)
    cells = (hi - lo) / dx
    assert abs(cells - round(cells)) < 1e-9, f"cell is {cells} cells, not a whole number"
    assert round(cells) % 2 == 0, f"{cells} cells: odd, so Meep's planes sit half a cell off the edge"
    at = _cells(z_ref, lo, dx)
    assert abs(at - math.floor(at + 1e-9) - offset) < 1e-9
    # only grown, by less than three cells in total, so padding and PML keep their sizes
    assert lo <= z_min + 1e-12 and hi >= z_max - 1e-12 and (hi - lo) - (z_max - z_min) < 3 * dx + 1e-12


@pytest.mark.parametrize("res_nm", [20, 15, 12.5, 10, 7.5])
def test_metal_face_on_a_plane_and_twin_top_a_quarter_cell_off(res_nm):
    """The silver face carries contact sheets (geometry.contact), so it lies exactly on a
    plane of tangential samples; the twin (no metal) keeps its top a quarter cell off one."""
    base = load_study("examples/default.toml")
    study = dataclasses.replace(base, simulation=dataclasses.replace(base.simulation, resolution_nm=res_nm))
    frame = make_frame(study, build(study.structure))
    dx = res_nm / 1000
    at = _cells(0.0, frame.z_min, dx)  # rods stand on the silver at our z = 0
    assert abs(at - round(at)) < 1e-9, f"silver top {at} cells from the edge"
    twin = without_metal(study)
    tframe = make_frame(twin, build(twin.structure))
    at = _cells(0.0, tframe.z_min, dx)
    assert abs(at - math.floor(at) - QUARTER) < 1e-9
