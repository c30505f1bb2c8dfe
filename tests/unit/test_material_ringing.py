"""Harminv lines that are a material pole ringing on its own are not modes of the structure.

Reference: a Lorentz polarisation left alone obeys P'' + Γ P' + ω_n² P = 0 (Meep's
susceptibility equation without E), whose solution is e^{-Γt/2} cos(sqrt(ω_n² − Γ²/4) t)
(damped harmonic oscillator, Jackson, Classical Electrodynamics, 3rd ed., §7.5). Checked by
integrating that equation numerically (scipy, rtol 1e-10) and reading frequency and decay off
the signal: both within 1e-4 relative of ``pole_ringings``. The filter must drop a line at a
pole's ringing (frequency within half a linewidth, Q within 1.5x) and keep a line at the same
frequency whose Q is 5x off, a broad line (Q 22, 521 nm) beside a pole at 515 nm (Q 41), and
every line away from the poles.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.materials.model import MaterialModel, Pole, pole_ringings
from hotlase.geometry.units import ev_to_nm, nm_to_ev
from hotlase.postprocess.modes_table import Mode, linewidth_mev, linewidth_nm, split_material_ringing

MANY = MaterialModel("many", 3.0, (Pole("lorentz", 2.41, 0.03, 0.02),
                                   Pole("lorentz", 2.60, 0.08, 0.03),
                                   Pole("lorentz", 2.90, 0.10, 0.05),
                                   Pole("lorentz", 6.00, 0.0, 1.0)))  # lossless: never rings


def _mode(wl, q):
    return Mode(wl, q, float(linewidth_nm(wl, q)), float(linewidth_mev(wl, q)), 1e-4, 0,
                (0.0, 0.0), 1.0)


def test_ringing_frequency_and_decay_match_the_oscillator_equation():
    from scipy.integrate import solve_ivp
    from scipy.signal import find_peaks

    omega, gamma = 2.0, 0.3  # any units
    sol = solve_ivp(lambda t, y: [y[1], -gamma * y[1] - omega**2 * y[0]], (0, 60), [1.0, 0.0],
                    rtol=1e-10, atol=1e-12, dense_output=True)
    t = np.linspace(0, 60, 600001)
    p = sol.sol(t)[0]
    peaks, _ = find_peaks(p)
    period = np.mean(np.diff(t[peaks]))
    decay = -np.polyfit(t[peaks], np.log(p[peaks]), 1)[0]
    ring = pole_ringings(MaterialModel("x", 1.0, (Pole("lorentz", omega, gamma, 1.0),)))[0]
    assert 2 * np.pi / period == pytest.approx(ring.energy_ev, rel=1e-4)
    assert decay == pytest.approx(gamma / 2, rel=1e-4)
    assert ring.q == pytest.approx(ring.energy_ev / gamma, rel=1e-12)


def test_lossless_poles_do_not_ring():
    assert [r.energy_ev for r in pole_ringings(MANY)] == pytest.approx(
        [np.sqrt(e**2 - g**2 / 4) for e, g in ((2.41, 0.03), (2.60, 0.08), (2.90, 0.10))])


def test_filter_drops_pole_lines_and_keeps_modes():
    rings = pole_ringings(MANY)
    at_pole = [_mode(float(ev_to_nm(r.energy_ev)) + 0.1, r.q * 1.3) for r in rings]
    wrong_q = _mode(float(ev_to_nm(rings[0].energy_ev)), rings[0].q * 5)
    broad = _mode(521.0, 22.0)
    real = [_mode(600.0, 40.0), _mode(450.0, 200.0), wrong_q, broad]
    kept, dropped = split_material_ringing(real + at_pole, rings)
    assert kept == real
    assert dropped == at_pole
    broadband = MaterialModel("x", 3.8, (Pole("lorentz", 2.4095, 0.0585, 0.027),))  # ~CsPbBr3_Brennan
    assert split_material_ringing([broad], pole_ringings(broadband)) == ([broad], [])
    # a broad material line (Q 10) is never matched, even by a line exactly on it
    wide = pole_ringings(MaterialModel("w", 3.8, (Pole("lorentz", 2.66, 0.258, 0.07),)))
    on_it = _mode(float(ev_to_nm(wide[0].energy_ev)), wide[0].q)
    assert wide[0].q < 20 and split_material_ringing([on_it], wide) == ([on_it], [])
    assert float(nm_to_ev(dropped[0].wavelength_nm)) == pytest.approx(rings[0].energy_ev, abs=1e-3)


def test_eps_zero_of_one_pole_is_the_longitudinal_frequency():
    """One pole: ε∞ + σE_n²/(E_n² − E² − iEΓ) = 0 gives E = −iΓ/2 + sqrt(E_n²(1 + σ/ε∞) − Γ²/4)
    (a quadratic, solved by hand); the polynomial root finder must agree to 1e-9."""
    from hotlase.geometry.materials.model import eps_zeros

    e_inf, e_n, gamma, sigma = 4.0, 2.4, 0.05, 0.3
    zero = eps_zeros(MaterialModel("x", e_inf, (Pole("lorentz", e_n, gamma, sigma),)))
    expected = -0.5j * gamma + np.sqrt(e_n**2 * (1 + sigma / e_inf) - gamma**2 / 4)
    assert len(zero) == 1 and zero[0].kind == "eps zero"
    assert zero[0].energy_ev == pytest.approx(expected.real, rel=1e-9)
    assert zero[0].gamma_ev == pytest.approx(-2 * expected.imag, rel=1e-9)
    model = MaterialModel("y", 3.0, MANY.poles[:3])
    zeros = eps_zeros(model)
    assert len(zeros) == 3
    for z in zeros:  # each is a root of the model's eps (model.py formula) at complex energy
        e = z.energy_ev - 0.5j * z.gamma_ev
        eps = model.eps_inf + sum(p.sigma * p.frequency_ev**2
                                  / (p.frequency_ev**2 - e**2 - 1j * e * p.gamma_ev)
                                  for p in model.poles)
        assert abs(eps) < 1e-9
