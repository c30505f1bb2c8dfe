"""Grid-convergence numerics (postprocess.convergence) against synthetic ladders.

Setup: values q(h) = q0 + c h^p with known q0, c, p on constant and non-constant refinement
ratios; oscillating, diverging, flat and too-short ladders. References: the exact q0 and p
(Richardson extrapolation and the observed order are exact for a pure power law), and the
GCI definitions of Celik et al. 2008 / Roache 1998 (bar = Fs |q1 - q_ext| with Fs 1.25 for a
pure power law of order <= 2). Tolerances: 1e-9 relative (bisection and round-off only).
"""

from __future__ import annotations

import math

import pytest

from hotlase.postprocess import convergence as cv

Q0, C = 0.37, 0.004


def power_law(hs, p, q0=Q0, c=C):
    return [q0 + c * h ** p for h in hs]


@pytest.mark.parametrize("p", [1.0, 2.0, 1.5])
@pytest.mark.parametrize("hs", [(20, 15, 10), (25, 14, 10, 8), (10, 12.5, 20)])
def test_power_law_order_and_limit(p, hs):
    e = cv.estimate(hs, power_law(hs, p))
    h1 = min(hs)
    assert e.status == cv.MONOTONE
    assert e.order == pytest.approx(p, rel=1e-9)
    assert e.extrapolated == pytest.approx(Q0, rel=1e-9)
    assert e.h[0] == h1 and e.finest == pytest.approx(Q0 + C * h1 ** p)
    # GCI of a pure power law: 1.25 x the true error of the finest value
    assert e.error == pytest.approx(1.25 * C * h1 ** p, rel=1e-9)
    assert e.safety_factor == 1.25 and e.notes == ()


def test_order_above_formal_is_capped_in_the_bar():
    hs = (20, 15, 10)
    e = cv.estimate(hs, power_law(hs, 3.0))
    assert e.order == pytest.approx(3.0, rel=1e-9) and e.order_used == cv.P_MAX
    assert e.safety_factor == 3.0  # an order the scheme cannot have: not asymptotic
    r = 1.5
    assert e.error == pytest.approx(3.0 * C * (15 ** 3 - 10 ** 3) / (r ** 2 - 1), rel=1e-9)
    assert e.error > 3.0 * C * 10 ** 3  # the capped order only widens the bar
    assert any("not shown asymptotic" in n for n in e.notes)


def test_low_order_gets_safety_three():
    hs = (20, 15, 10)
    e = cv.estimate(hs, power_law(hs, 0.6))
    assert e.order == pytest.approx(0.6, rel=1e-9) and e.order_used == pytest.approx(0.6)
    assert e.safety_factor == 3.0
    assert e.error == pytest.approx(3.0 * C * 10 ** 0.6, rel=1e-9)
    assert e.grid_for_tolerance(1e-3) is None  # too low an order to name a grid


def test_order_near_zero_is_not_extrapolated():
    """q = q0 + c h^0.1: Richardson would put q_ext 1/(r^0.1 - 1) ~ 24 differences away; below
    P_MIN_OBSERVED the triple is not converging: no order, spread bar (3 x half range)."""
    hs = (10, 7.5, 5)
    vals = power_law(hs, 0.1)
    e = cv.estimate(hs, vals)
    assert e.status == cv.DIVERGING and e.order is None and e.extrapolated is None
    assert e.error == pytest.approx(3.0 * 0.5 * (max(vals) - min(vals)), rel=1e-12)


def test_grid_for_tolerance_meets_it():
    hs = (20, 15, 10)
    e = cv.estimate(hs, power_law(hs, 2.0))
    tol = 0.05
    h_tol = e.grid_for_tolerance(tol)
    assert e.error_at(h_tol) == pytest.approx(tol, rel=1e-9)
    # the true error there is below the tolerance (the bar is 1.25 x the true error)
    assert C * h_tol ** 2 == pytest.approx(tol / 1.25, rel=1e-9)
    assert e.error_at(20) == pytest.approx(1.25 * C * 400, rel=1e-9)
    with pytest.raises(ValueError):
        e.grid_for_tolerance(0)


def test_oscillating_gets_spread_bar_and_no_order():
    hs = (20, 15, 10)
    vals = [0.50, 0.30, 0.42]  # h = 20, 15, 10: up, down
    e = cv.estimate(hs, vals)
    assert e.status == cv.OSCILLATING
    assert e.order is None and e.extrapolated is None
    assert e.error == pytest.approx(3 * 0.5 * (0.50 - 0.30))
    assert e.finest == 0.42
    assert e.grid_for_tolerance(1.0) is None
    assert e.error_at(20) == e.error and e.error_at(5) is None


def test_diverging_has_no_order():
    hs = (20, 15, 10)
    vals = [1.0, 2.0, 4.0]  # differences grow as the grid is refined
    e = cv.estimate(hs, vals)
    assert e.status == cv.DIVERGING and e.order is None and e.extrapolated is None
    assert e.error == pytest.approx(3 * 0.5 * 3.0)


def test_families_on_coarser_grids_are_flagged():
    """Two families (the issue's 20/10/7.5 vs 15/12.5 nm): the finest triple oscillates."""
    hs = (20, 15, 12.5, 10, 7.5)
    vals = [0.60, 0.30, 0.32, 0.52, 0.50]
    e = cv.estimate(hs, vals)
    assert e.status == cv.OSCILLATING
    assert any(n.startswith("coarser grids not monotone") for n in e.notes)


def test_monotone_fine_triple_with_bad_coarse_grid_is_flagged():
    hs = (40, 20, 15, 10)
    vals = [0.1] + power_law((20, 15, 10), 2.0)
    e = cv.estimate(hs, vals)
    assert e.status == cv.MONOTONE and e.extrapolated == pytest.approx(Q0, rel=1e-9)
    assert any(n.startswith("coarser grids not monotone") for n in e.notes)


def test_two_grids_assume_first_order_with_safety_three():
    hs = (20, 10)
    e = cv.estimate(hs, power_law(hs, 1.0))
    assert e.status == cv.TWO_GRIDS and e.order is None and e.order_used == 1.0
    assert e.extrapolated == pytest.approx(Q0, rel=1e-9)
    assert e.error == pytest.approx(3.0 * C * 10, rel=1e-9)


def test_single_grid_and_missing_values():
    e = cv.estimate([10], [0.4])
    assert e.status == cv.SINGLE and e.error is None and e.error_at(10) is None
    assert e.grid_for_tolerance(0.1) is None
    e = cv.estimate([20, 15, 10], [None, math.nan, 0.4])
    assert e.status == cv.SINGLE and any("missing" in n for n in e.notes)
    assert cv.estimate([20, 10], [None, None]).status == cv.NO_DATA
    hs = (20, 17, 15, 10)
    vals = power_law(hs, 2.0)
    vals[1] = None
    e = cv.estimate(hs, vals)
    assert e.h == (10, 15, 20) and e.order == pytest.approx(2.0, rel=1e-9)


def test_grid_independent():
    e = cv.estimate([20, 15, 10], [0.25, 0.25, 0.25])
    assert e.status == cv.GRID_INDEPENDENT and e.error == 0
    assert e.grid_for_tolerance(0.01) == math.inf


@pytest.mark.parametrize("hs, vals", [((10, 10, 20), (1, 2, 3)), ((0, 10), (1, 2)),
                                      ((10, 20), (1,))])
def test_bad_input(hs, vals):
    with pytest.raises(ValueError):
        cv.estimate(hs, vals)
