"""Metal-surface detection on voxel grids: flat film and cylinder, normals and area elements.

Flat film: every top voxel is a surface voxel with normal exactly +z and area dx dy, so the
total area is the cell area to machine precision. Cylinder (radius 20 cells, staircased):
the smoothed-indicator normal must be within 6 deg of radial on average (staircase noise
allowed up to 15 deg at any voxel; measured 3.7-4.2 and 8.6-10.4) and the area element must give the lateral
area 2 pi R H within 2 % (measured 0.8 %; the staircase itself overestimates by up to 4/pi = 27 %, so this
tests the |n_a| weighting).
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.postprocess.surface import surface_voxels


def _rel(measured, expected):
    return abs(measured - expected) / abs(expected)


def test_flat_film_normals_and_area():
    nx, ny, nz, dz = 12, 10, 20, 2.0
    metal = np.zeros((nx, ny, nz), bool)
    metal[:, :, :8] = True  # metal below plane k = 8
    sv = surface_voxels(metal, (5.0, 4.0, dz), periodic_xy=(True, True))
    assert sv.count == nx * ny, f"surface voxels: measured {sv.count}, expected {nx * ny}"
    assert np.all(sv.index[2] == 7)
    np.testing.assert_allclose(sv.normal, np.repeat([[0.0], [0.0], [1.0]], sv.count, axis=1), atol=1e-12)
    area = sv.area_nm2.sum()
    assert _rel(area, nx * ny * 20.0) < 1e-12, f"area {area} vs {nx * ny * 20.0}"
    # outside neighbour is one step up
    assert np.all(sv.outside_step[2] == 1) and np.all(sv.outside_step[:2] == 0)


def test_flat_film_not_periodic_edges_are_not_surfaces():
    metal = np.zeros((6, 6, 10), bool)
    metal[:, :, :4] = True
    sv = surface_voxels(metal, (1.0, 1.0, 1.0), periodic_xy=(False, False))
    assert sv.count == 36 and np.all(sv.index[2] == 3)


def test_own_planes_restrict_and_reindex():
    metal = np.zeros((4, 4, 12), bool)
    metal[:, :, :6] = True
    sv = surface_voxels(metal, (1.0, 1.0, 1.0), (True, True), own=(3, 9))
    assert sv.count == 16 and np.all(sv.index[2] == 5 - 3)
    sv_none = surface_voxels(metal, (1.0, 1.0, 1.0), (True, True), own=(7, 12))
    assert sv_none.count == 0


@pytest.mark.parametrize("radius_cells", [12, 20])
def test_cylinder_normals_are_radial_and_area_is_lateral_area(radius_cells):
    d = 2.0
    n = 2 * radius_cells + 12
    c = (n - 1) / 2
    x = (np.arange(n) - c) * d
    nz = 16
    r2 = x[:, None] ** 2 + x[None, :] ** 2
    metal = np.repeat((r2 <= (radius_cells * d) ** 2)[:, :, None], nz, axis=2)
    sv = surface_voxels(metal, (d, d, d), periodic_xy=(False, False))
    i, j, _ = sv.index
    radial = np.stack([x[i], x[j], 0 * x[i]])
    radial /= np.linalg.norm(radial, axis=0)
    angle = np.degrees(np.arccos(np.clip(np.sum(radial * sv.normal, axis=0), -1, 1)))
    assert angle.mean() < 6.0, f"mean angle to radial: measured {angle.mean():.2f} deg, expected < 6"
    assert angle.max() < 15.0, f"max angle to radial: measured {angle.max():.2f} deg, expected < 15"
    area = sv.area_nm2.sum()
    expected = 2 * np.pi * radius_cells * d * nz * d
    assert _rel(area, expected) < 0.02, (
        f"lateral area: measured {area:.1f}, expected {expected:.1f}, rel err {_rel(area, expected):.3f}")


def test_thin_sheet_gets_a_normal():
    metal = np.zeros((5, 5, 7), bool)
    metal[:, :, 3] = True  # one-voxel sheet exposed above and below
    sv = surface_voxels(metal, (1.0, 1.0, 1.0), (True, True))
    assert sv.count == 25
    assert np.all(np.isfinite(sv.normal)) and np.allclose(np.linalg.norm(sv.normal, axis=0), 1)
    # both faces count: area 2 per voxel
    np.testing.assert_allclose(sv.area_nm2, 2.0)


def test_carry_to_face_is_exact_for_an_exponential_and_bounded():
    """Carry |E_near| |E_near/E_far|^t: exact for E(s) = e^{-kappa s} sampled at s = t dx and
    (t + 1) dx (gives E(0) = 1 to 1e-12 for t = 0.5 and 1.25); the ratio is bounded to
    [1/16, 16]; the factor is 1 without a next metal voxel."""
    from hotlase.postprocess.surface import MAX_RATIO, carry_to_face

    kappa, dx = 0.04, 5.0
    for t in (0.5, 1.25):
        e0 = np.exp(-kappa * t * dx) * (1 + 1j) / np.sqrt(2)
        e1 = np.exp(-kappa * (t + 1) * dx)
        f = carry_to_face(np.array([e0]), np.array([e1]), np.array([True]), t)
        assert abs(abs(e0) * f[0] - 1) < 1e-12
    f = carry_to_face(np.array([1.0, 1.0, 1.0]), np.array([1e-3, 1e3, 0.0]),
                      np.array([True, True, True]), 0.5)
    np.testing.assert_allclose(f, [MAX_RATIO ** 0.5, MAX_RATIO ** -0.5, 1.0])
    assert carry_to_face(np.array([1.0]), np.array([0.5]), np.array([False]), 0.5)[0] == 1.0


def test_interface_fraction_finds_the_metal_top_between_two_voxel_centres():
    """Bisection on the layout: a Ag film with its top at z = 0 (rod array builder); centres
    at z = -5 and +15 (20 nm cells, the default study's 20 nm alignment) -> t = 0.25 to 1e-6."""
    import synthetic_runs as syn

    from hotlase.geometry.build import build
    from hotlase.postprocess.surface import interface_fraction

    layout = build(syn.make_study().structure)
    p_in = np.array([[90.0, 90.0], [90.0, -90.0], [-5.0, -12.5]])
    p_out = p_in + np.array([[0.0], [0.0], [20.0]])
    t = interface_fraction(layout, ["Ag"], p_in, p_out)
    np.testing.assert_allclose(t, [0.25, 0.625], atol=1e-6)
    # a segment that does not start in metal: no interface known, half a cell assumed
    assert interface_fraction(layout, ["Ag"], p_in + 40.0 * np.array([[0], [0], [1]]), p_out + 40)[0] == 0.5


def test_a_voxel_centre_on_the_interface_is_skipped(tmp_path, monkeypatch):
    """Grid whose voxel centres fall on the metal top (z = 0, counted as metal), as the default
    study's 10 nm grid has: that voxel's field is the outside one (the synthetic exact field
    at z = 0 is the superstrate's, as Meep's pixel mixing gives). The direct estimate must come
    from the metal voxels at -dz and -2dz carried one cell to the face: |E_z(0-)|^2 x area to
    1e-9 (the outside value would be |eps_Ag|^2 = 19x larger); D-continuity from the voxels at
    +dz and +2dz carried linearly to the face: |2 E_z(dz) - E_z(2dz)|^2 / |eps_Ag|^2, 1e-9. The rods are made thinner than a voxel (r = 1 nm)
    so that the whole top is one flat metal/vacuum face."""
    import synthetic_runs as syn

    from hotlase.postprocess.absorption import cell_area_m2
    from hotlase.postprocess.runfile import read_run
    from hotlase.postprocess.surface import analyze_surface, electronic_inputs

    grid = syn.grid_nm
    monkeypatch.setattr(syn, "grid_nm", lambda study, images=0: (
        lambda x, y, z: (x, y, z + syn.DX_NM / 2))(*grid(study, images)))
    d = syn.study_dict()
    d["structure"]["rod"]["radius_nm"] = 1.0
    study = syn.study_of(d)
    run = read_run(syn.write_run(tmp_path / "f.h5", study, "fields", "main"))
    sf = analyze_surface(run, "pump", electronic_inputs(study))
    wave, area = syn.wave_for(study, 405.0), cell_area_m2(study)
    assert sf.n_voxels == (200 / syn.DX_NM) ** 2
    e2_in = wave.e_normal_inside_sq(0.0)
    assert abs(sf.e_normal_sq_integral_v2 / (e2_in * area) - 1) < 1e-9
    e_up, _ = wave.fields([0.0], [syn.DX_NM])
    e_up2, _ = wave.fields([0.0], [2 * syn.DX_NM])
    # carried linearly to the face from the voxels at +dz and +2dz: E(0+) = 2 E(dz) - E(2dz)
    expected_d = area * abs(2 * e_up[2, 0, 0] - e_up2[2, 0, 0]) ** 2 / abs(wave.eps2) ** 2
    assert abs(sf.e_normal_sq_integral_dcont_v2 / expected_d - 1) < 1e-9
