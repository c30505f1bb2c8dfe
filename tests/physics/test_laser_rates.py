"""Limits of the laser rate equations (postprocess.laser_rates, docs/physics.md §8).

Setup: one rod of CsPbBr3 (r = 60 nm, h = 150 nm), a mode at 532 nm with Q = 50, Γ = 0.6,
carrier constants of the [gain] defaults, no Auger unless stated. References are the closed
forms of the same equations (Coldren, Corzine & Mashanovitch (2012) ch. 2; Björk & Yamamoto,
IEEE J. Quantum Electron. 27, 2386 (1991); the threshold of C. Z. Ning, IEEE J. Sel. Top.
Quantum Electron. 19, 1503604 (2013)); tolerances are stated per test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotlase.postprocess import laser_rates as lr

VOLUME_M3 = math.pi * (60e-9) ** 2 * 150e-9
K_R, K_NR = 2e8, 1e7


def medium(auger: float = 0.0) -> lr.RateMedium:
    return lr.RateMedium(VOLUME_M3, K_R, K_NR, auger, 1e24, 1e-20, 3.0)


def mode(beta: float = 0.05, share: float = 1.0, q: float = 50.0) -> lr.RateMode:
    return lr.RateMode(532.0, q, 0.6, beta, 1.0, share)


@pytest.mark.parametrize("beta", [1e-4, 0.05, 0.5])
def test_below_threshold_output_is_linear_with_the_spontaneous_slope(beta):
    """Far below threshold (carriers below transparency, so no stimulated emission) the photons
    out of the mode per carrier generated are β k_r/(k_r + k_nr) exactly: linear in pump.
    Tolerance 1e-9 relative (bisection to 2^-120)."""
    m = mode(beta)
    n_tr = VOLUME_M3 * 1e24
    pump = np.geomspace(1e3, 0.5 * n_tr * (K_R + K_NR), 9)
    ss = lr.steady_state(pump, medium(), (m,))
    slope = ss.emitted_s[:, 0] / pump
    assert np.allclose(slope, beta * K_R / (K_R + K_NR), rtol=1e-9, atol=0)


@pytest.mark.parametrize("beta,share", [(1e-3, 1.0), (0.05, 0.4)])
def test_above_threshold_slope_is_the_stimulated_slope(beta, share):
    """Far above threshold the carriers clamp, so every extra generated carrier leaves as a
    photon of the lasing mode: differential slope dN_out/dP -> η_rad (the radiated share).
    At 1e4 x threshold the residual is set by spontaneous and clamping terms: tolerance 1e-3."""
    m = mode(beta, share)
    p_th = lr.threshold_pump_s(medium(), (m,), 0)
    pump = np.array([1e4, 2e4]) * p_th
    ss = lr.steady_state(pump, medium(), (m,))
    slope = np.diff(ss.radiated_s[:, 0])[0] / np.diff(pump)[0]
    assert slope == pytest.approx(share, rel=1e-3)


@pytest.mark.parametrize("beta", [1e-4, 1e-2, 0.3, 0.9])
def test_threshold_matches_the_closed_form_and_its_definition(beta):
    """Threshold (Ning 2013): stimulated emission into the mode = total spontaneous emission.
    (a) The model's threshold equals the closed form of the single-mode model (linear gain, no
    Auger): n_th = V N_tr + 1/(τ(1+β) dG/dn), P = (2k_r + k_nr) n_th; tolerance 1e-9.
    (b) Solving the steady state at that pump independently (bisection on the carrier balance)
    gives G s / (k_r n) = 1; tolerance 1e-6 (bisection to float resolution near clamping).
    (c) The carriers are above transparency for every β (no 'lasing' on spontaneous emission)."""
    m = mode(beta)
    p_th = lr.threshold_pump_s(medium(), (m,), 0)
    assert p_th == pytest.approx(lr.ning_threshold_pump_s(medium(), m), rel=1e-9)
    ss = lr.steady_state(p_th, medium(), (m,))
    n, s = ss.carriers[0], ss.photons[0, 0]
    assert medium().gain_rate_s(n, m) * s / (K_R * n) == pytest.approx(1.0, rel=1e-6)
    assert n > VOLUME_M3 * 1e24


@pytest.mark.parametrize("beta", [1e-4, 1e-2, 0.3])
def test_photon_number_one_threshold_equals_its_closed_form(beta):
    """The older criterion, one photon in the mode (Björk & Yamamoto 1991), found by bisection
    on the steady state, equals its closed form G(n1) = 1/τ − β k_r n1, P = R(n1) + G(n1);
    tolerance 1e-9 relative."""
    m = mode(beta)
    assert lr.photon_one_threshold_s(medium(), (m,), 0) == pytest.approx(
        lr.photon_one_pump_s(medium(), m), rel=1e-9)


def test_threshold_tends_to_gain_clamping_for_small_beta():
    """As β -> 0 the threshold tends to R(n_clamp) + k_r n_clamp: the carriers sit at gain =
    loss, n_clamp = V N_tr + 1/(τ dG/dn) (Coldren ch. 2), and the stimulated rate equals the
    spontaneous one k_r n. At β = 1e-5 the difference is ~β: tolerance 1e-4. The textbook
    clamping pump R(n_clamp) alone is lower by k_r n_clamp: checked to be > 5 % below."""
    m = mode(1e-5)
    n_clamp = lr.clamping_density(medium(), (m,))
    limit = lr.clamping_pump_s(medium(), (m,)) + K_R * n_clamp
    assert lr.threshold_pump_s(medium(), (m,), 0) == pytest.approx(limit, rel=1e-4)
    assert lr.clamping_pump_s(medium(), (m,)) < 0.95 * limit


@pytest.mark.parametrize("auger", [0.0, 1e-40])
def test_photons_out_never_exceed_carriers_generated(auger):
    """Energy (quantum) balance: photons out of all modes per second never exceed carriers
    generated per second, over 12 decades of pump, two modes with Σβ = 0.6, with and without
    Auger. Exact inequality (tolerance 1e-12 relative, float rounding)."""
    modes = (mode(0.4), lr.RateMode(540.0, 80.0, 0.5, 0.2, 0.7, 0.8))
    pump = np.geomspace(1e2, 1e20, 49)
    ss = lr.steady_state(pump, medium(auger), modes)
    assert np.all(ss.emitted_s.sum(axis=1) <= pump * (1 + 1e-12))
    res = lr.pulsed(np.geomspace(1e1, 1e8, 8), 50e-12, medium(auger), modes, steps=200)
    assert np.all(res.emitted.sum(axis=1) <= res.generated * (1 + 1e-9))


def test_pulsed_far_below_threshold_matches_spontaneous_yield():
    """A weak pulse: photons out per pulse = β k_r/(k_r + k_nr) x carriers generated (all
    carriers recombine before the end of the time grid). Tolerance 1e-3 (implicit Euler on a
    geometric tail grid; the carriers left at the end are < 1e-6 of those made)."""
    m = mode(0.05)
    res = lr.pulsed(np.array([10.0, 100.0]), 50e-12, medium(), (m,), steps=600)
    assert np.allclose(res.emitted[:, 0] / res.generated, 0.05 * K_R / (K_R + K_NR), rtol=1e-3)
    assert np.all(res.left < 1e-6 * res.generated)


def test_multimode_lasing_mode_is_the_first_to_clamp():
    """Two modes, the second with half the gain shape: far above threshold the first takes the
    extra carriers (clamping pins n below the second mode's threshold), so its share of the
    output tends to 1. Tolerance: share > 0.99 at 1e4 x threshold."""
    modes = (mode(0.01), lr.RateMode(545.0, 50.0, 0.6, 0.01, 0.5, 1.0))
    p_th = lr.threshold_pump_s(medium(), modes, 0)
    ss = lr.steady_state(1e4 * p_th, medium(), modes)
    assert ss.emitted_s[0, 0] / ss.emitted_s[0].sum() > 0.99


def test_bad_inputs_are_refused():
    """β outside (0, 1], Σβ > 1 and no mode raise one-line errors naming the field."""
    with pytest.raises(ValueError, match="beta"):
        lr.RateMode(532.0, 50.0, 0.6, 0.0)
    with pytest.raises(ValueError, match="sum of beta"):
        lr.steady_state(1e10, medium(), (mode(0.6), mode(0.6)))
    with pytest.raises(ValueError, match="modes"):
        lr.steady_state(1e10, medium(), ())
