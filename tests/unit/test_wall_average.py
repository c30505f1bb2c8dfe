"""Pure geometry of the wall average (geometry.wall_average): pixel fill and normal of a
cylinder, the Kottke tensor and the pole weights.

References: a flat face's exact averages (the arithmetic mean for E along the face, the
harmonic mean across it: Kottke, Farjadpour, Johnson, PRE 77, 036611 (2008)); the derivative
of the harmonic mean (the pole weight across the wall). Tolerances: 1e-12 where the formula is
exact, 2e-3 where the m x m sub-sampled in-plane fill enters (a wall pixel of a curved wall).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotlase.geometry.wall_average import cylinder_pixel, kottke_tensor, pole_weights

DX, R = 0.01, 0.06


def test_fill_inside_outside_and_half():
    assert cylinder_pixel(0.0, 0.0, 0.0, DX, R, -1, 1) == (1.0, None)
    assert cylinder_pixel(R + DX, 0.0, 0.0, DX, R, -1, 1) == (0.0, None)
    assert cylinder_pixel(0.0, 0.0, 2.0, DX, R, -1, 1) == (0.0, None)  # above the top
    f, n = cylinder_pixel(0.0, 0.0, 1.0, DX, R, -1, 1)  # centred on the flat top face
    assert f == pytest.approx(0.5, abs=1e-12) and np.allclose(n, [0, 0, 1])
    f, n = cylinder_pixel(0.0, 0.0, -1.0, DX, R, -1, 1)  # the bottom face: normal down
    assert f == pytest.approx(0.5, abs=1e-12) and np.allclose(n, [0, 0, -1])
    big = 1e3  # a wall of radius 1e3 dx is flat within the pixel: half filled, normal radial
    f, n = cylinder_pixel(big, 0.0, 0.0, DX, big)
    assert f == pytest.approx(0.5, abs=2e-3) and np.allclose(n, [1, 0, 0])


def test_fill_of_a_wall_pixel_matches_the_exact_area():
    """A pixel on the curved wall: the fill equals the exact circle-square overlap (dense
    quadrature), within 2e-3, and the normal is radial."""
    px, py = 0.056, 0.021
    f, n = cylinder_pixel(px, py, 0.0, DX, R)
    u = (np.arange(2000) + 0.5) / 2000 - 0.5
    xx, yy = np.meshgrid(px + u * DX, py + u * DX, indexing="ij")
    exact = float((xx**2 + yy**2 < R**2).mean())
    assert 0 < f < 1 and f == pytest.approx(exact, abs=2e-3)
    assert np.allclose(n, np.array([px, py, 0]) / math.hypot(px, py))


def test_flat_wall_tensor_is_the_planar_means():
    """Normal along x: eps_xx = harmonic mean, eps_yy = eps_zz = arithmetic mean, exact."""
    f, e_in, e_out = 0.37, 4.9, 1.7
    eps, eps_n = kottke_tensor(f, np.array([1.0, 0.0, 0.0]), e_in, e_out)
    harmonic = 1 / (f / e_in + (1 - f) / e_out)
    assert np.allclose(eps, np.diag([harmonic, f * e_in + (1 - f) * e_out, f * e_in + (1 - f) * e_out]),
                       atol=1e-12, rtol=0)
    assert eps_n == pytest.approx(harmonic, abs=1e-12)


def test_pole_weights_are_the_derivative_of_the_means():
    """Along the wall the weight is f (the arithmetic mean is linear in chi); across it
    d eps_n / d eps_in (finite difference of the harmonic mean, 1e-6 relative)."""
    f, e_in, e_out, n = 0.6, 4.9, 1.0, np.array([0.6, 0.8, 0.0])
    _, eps_n = kottke_tensor(f, n, e_in, e_out)
    w = pole_weights(f, n, eps_n, e_in)
    h = 1e-6
    slope = (kottke_tensor(f, n, e_in + h, e_out)[1] - kottke_tensor(f, n, e_in - h, e_out)[1]) / (2 * h)
    assert n @ w @ n == pytest.approx(slope, rel=1e-6)
    t = np.array([-0.8, 0.6, 0.0])
    assert t @ w @ t == pytest.approx(f, abs=1e-12)
    assert np.allclose(w, w.T)


@pytest.mark.parametrize("sx,sy", [(-1, 1), (1, -1), (-1, -1)])
def test_mirror_symmetric(sx, sy):
    """Under the solver's x and y mirrors a pixel's fill is unchanged and its tensors are
    mirrored (M T M), exactly."""
    m = np.diag([sx, sy, 1.0])
    for px, py, pz in ((0.057, 0.018, 0.0), (0.031, 0.052, 0.997), (0.0, 0.061, 0.0)):
        f, n = cylinder_pixel(px, py, pz, DX, R, -1, 1)
        g, k = cylinder_pixel(sx * px, sy * py, pz, DX, R, -1, 1)
        assert f == g and n is not None and k is not None
        assert np.allclose(k, m @ n, atol=1e-12)
        t1, en1 = kottke_tensor(f, n, 4.9, 1.0)
        t2, _ = kottke_tensor(g, k, 4.9, 1.0)
        assert np.allclose(t2, m @ t1 @ m, atol=1e-12)
        assert np.allclose(pole_weights(g, k, en1, 4.9), m @ pole_weights(f, n, en1, 4.9) @ m, atol=1e-12)
