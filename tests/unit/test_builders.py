"""Builders: rod counts and positions, lattice vectors, cell sizes, layers, twin; no meep."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from hotlase.geometry.build import build
from hotlase.geometry.build_rod_array import lattice_vectors_nm, rod_positions_nm
from hotlase.geometry.primitives import Box, Cylinder
from hotlase.geometry.raster import material_grid
from hotlase.geometry.specs import FilmStackSpec, LayerSpec, RodArraySpec, RodSpec, WireOnMetalSpec


def test_square_unit_cell_has_one_rod_on_the_metal():
    layout = build(RodArraySpec(rod=RodSpec("CsPbBr3", 60, 150), period_nm=300,
                                spacer=LayerSpec("SiO2", 10), metal=LayerSpec("Ag", 100)))
    rods = [p for p in layout.primitives if isinstance(p, Cylinder)]
    assert len(rods) == 1 and rods[0].center_nm == (0.0, 0.0, 75.0)
    assert layout.cell_xy_nm == (300.0, 300.0) and layout.periodic == (True, True)
    boxes = [p for p in layout.primitives if isinstance(p, Box)]
    assert [b.material for b in boxes] == ["SiO2", "Ag"]
    assert boxes[0].center_nm[2] == -5.0 and boxes[1].center_nm[2] == -60.0
    assert layout.z_bottom_nm == -110.0 and layout.z_top_nm == 150.0
    assert layout.mirror_x and layout.mirror_y and layout.dims == 3


def test_hexagonal_unit_cell_is_rectangular_with_two_rods():
    spec = RodArraySpec(lattice="hexagonal", period_nm=300)
    layout = build(spec)
    assert layout.cell_xy_nm == pytest.approx((300.0, 300.0 * math.sqrt(3)))
    assert len(layout.rod_centers_nm) == 2
    a1, a2 = (np.array(v) for v in lattice_vectors_nm("hexagonal", 300))
    assert np.linalg.norm(a1) == pytest.approx(300) and np.linalg.norm(a2) == pytest.approx(300)
    assert np.degrees(np.arccos(a1 @ a2 / 300**2)) == pytest.approx(60)
    # rod area fraction of the rectangular cell = 2 rods
    xs = np.linspace(-150, 150, 301)[:-1] + 0.5
    ys = np.linspace(-150 * math.sqrt(3), 150 * math.sqrt(3), 521)[:-1]
    ys = ys + (ys[1] - ys[0]) / 2
    names, grid = material_grid(layout, xs, ys, [75.0])
    fraction = (grid == names.index("CsPbBr3")).mean()
    expected = 2 * math.pi * 60**2 / (300 * 300 * math.sqrt(3))
    assert fraction == pytest.approx(expected, rel=0.02), (fraction, expected)


@pytest.mark.parametrize("lattice", ["square", "hexagonal"])
def test_finite_array_positions_have_nearest_neighbour_distance_period(lattice):
    spec = RodArraySpec(lattice=lattice, array="finite", count=(3, 4), period_nm=250)
    pts = np.array(rod_positions_nm(spec))
    assert len(pts) == 12
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(12) * 1e9
    assert d.min() == pytest.approx(250)
    assert np.allclose((pts.min(0) + pts.max(0)) / 2, 0)  # centred on the origin
    layout = build(spec)
    assert sum(isinstance(p, Cylinder) for p in layout.primitives) == 12
    assert layout.periodic == (False, False)
    assert layout.cell_xy_nm[0] > np.ptp(pts[:, 0]) + 2 * spec.rod.radius_nm


def test_square_finite_array_is_mirror_symmetric():
    layout = build(RodArraySpec(array="finite", count=(2, 3)))
    assert layout.mirror_x and layout.mirror_y


def test_wire_2d_and_3d():
    two = build(WireOnMetalSpec(radius_nm=50, spacer=LayerSpec("MgF2", 5)))
    assert two.dims == 2 and two.z_top_nm == 100 and two.z_bottom_nm == -105
    wire = [p for p in two.primitives if isinstance(p, Cylinder)][0]
    assert wire.axis == "y" and wire.center_nm == (0.0, 0.0, 50.0) and math.isinf(wire.height_nm)
    three = build(WireOnMetalSpec(radius_nm=50, length_nm=2000))
    assert three.dims == 3 and three.cell_xy_nm[1] > 2000


def test_film_stack_is_1d():
    layout = build(FilmStackSpec(layers=(LayerSpec("CsPbBr3", 200), LayerSpec("Ag", 30))))
    assert layout.dims == 1 and layout.z_bottom_nm == -230
    names, grid = material_grid(layout, [0.0], [0.0], [-100.0, -215.0, -300.0, 50.0])
    assert [names[i] for i in grid[0, 0]] == ["CsPbBr3", "Ag", "SiO2", "vacuum"]


def test_builders_do_not_import_meep():
    import subprocess

    code = ("import sys; sys.modules['meep'] = None\n"
            "from hotlase.geometry.build import build; from hotlase.geometry.specs import RodArraySpec\n"
            "from hotlase.geometry.study import load_study\n"
            "print(len(build(RodArraySpec()).primitives))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2", out.stderr
