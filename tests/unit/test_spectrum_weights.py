"""Counting each Yee point of the absorption volume once (solvers.spectrum.axis_weights).

Setup: one lateral axis of a cell of n pixels, periodic or not, with or without a mirror plane
at x = 0, for a corner component (whole pixels) and a half-pixel one (E_d along d), over a
volume spanning the period or its upper half, as Meep returns them (the points from the last
at or below lo to the first at or above hi; checked against Meep 1.25 for n = 15 and 30).
Reference: a period holds exactly n distinct points of each component, so the weights sum
to n (exact), and a point and its mirror image are counted once with weight 2.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.solvers.spectrum import LateralAxis, axis_weights, quarter_pixel_bounds

# (n, half, mirrored, volume) -> number of points Meep 1.25 returned (measured, 3D rod cell)
MEEP_COUNTS = {(30, True, False, "full"): 32, (30, False, False, "full"): 31,
               (30, True, True, "half"): 17, (30, False, True, "half"): 16,
               (15, True, False, "full"): 16, (15, False, False, "full"): 17,
               (15, True, True, "half"): 9, (15, False, True, "half"): 9}


def _axis(n, mirrored, volume, periodic=True):
    res = n / 0.3
    lo, hi = (-0.15, 0.15) if volume == "full" else (0.0, 0.15)
    lo, hi = quarter_pixel_bounds(lo, hi, res)
    return LateralAxis(cells=n, resolution=res, lo=lo, hi=hi, periodic=periodic, mirrored=mirrored)


@pytest.mark.parametrize("key", sorted(MEEP_COUNTS))
def test_weights_count_one_period(key):
    n, half, mirrored, volume = key
    w = axis_weights(_axis(n, mirrored, volume), half, MEEP_COUNTS[key])
    assert w.sum() == n, f"n = {n}, half = {half}, {volume}: weights {w} sum to {w.sum()}, not {n}"


def test_half_volume_of_even_period():
    # n = 30: corner points x = 0, 0.01, ..., 0.15: the plane and the period's edge are their
    # own images (weight 1), the 14 between stand for themselves and their mirror images
    w = axis_weights(_axis(30, True, "half"), False, 16)
    assert w.tolist() == [1.0] + [2.0] * 14 + [1.0]
    # half-pixel points -0.005, 0.005, ..., 0.155: -0.005 (first, weight 2) and 0.005 are
    # mirror images; 0.155 is the image of 0.145 (period, then mirror): counted with it
    w = axis_weights(_axis(30, True, "half"), True, 17)
    assert w.tolist() == [2.0, 0.0] + [2.0] * 14 + [0.0]


def test_full_period_drops_the_repeated_edge():
    w = axis_weights(_axis(30, False, "full"), False, 31)
    assert w.tolist() == [1.0] * 30 + [0.0]


def test_wrong_count_is_refused():
    with pytest.raises(RuntimeError, match="returned 18 points"):
        axis_weights(_axis(30, False, "full"), False, 18)


def test_non_periodic_mirror_counts_images_twice():
    # a finite array's box [0, 0.1] on a 0.01 grid: x = 0 once, 0.01 ... 0.1 twice
    axis = LateralAxis(cells=41, resolution=100, lo=0.0025, hi=0.0975, periodic=False, mirrored=True)
    w = axis_weights(axis, False, 11)
    assert w.tolist() == [1.0] + [2.0] * 10
    assert np.isclose(quarter_pixel_bounds(0.0, 0.1, 100)[0], 0.0025)
