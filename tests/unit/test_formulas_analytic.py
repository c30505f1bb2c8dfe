"""Analytic references of postprocess.analytic against hand values and independent closed forms.

Fast (numpy only). Tolerances are round-off level unless a comment says why they are looser.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.materials.model import MaterialModel, Pole
from hotlase.geometry.units import HC_EV_NM
from hotlase.postprocess.analytic import (
    ldos_homogeneous_ratio,
    ldos_ratio_dipole_above_mirror,
    quasistatic_sphere_polarizability,
    spp_frequency_for_k,
    spp_is_bound,
    spp_propagation_length_nm,
    spp_wavevector_per_nm,
    stack_rt,
)

EPS_AG_532 = -11.75 + 0.37j  # Johnson & Christy Ag at 532 nm (n, k = 0.054, 3.429, interpolated)
EPS_CSPBBR3_532 = 2.292**2  # Brennan 2024 n at 532 nm, k neglected as in docs/physics.md §9


def _close(measured, expected, rtol, atol=0.0, what=""):
    measured, expected = np.asarray(measured), np.asarray(expected)
    err = np.max(np.abs(measured - expected) / np.maximum(np.abs(expected), 1e-300))
    assert np.allclose(measured, expected, rtol=rtol, atol=atol), (
        f"{what}: measured {measured}, expected {expected}, max relative error {err:.3g}"
    )


# ---------------------------------------------------------------- stack_rt


def test_bare_interface_is_fresnel_at_normal_incidence():
    r, t = stack_rt(500.0, [], [], 1.0, 1.5**2)
    _close(r, ((1.5 - 1) / (1.5 + 1)) ** 2, 1e-12, what="R air/glass")
    _close(t, 1 - ((1.5 - 1) / (1.5 + 1)) ** 2, 1e-12, what="T air/glass")
    rp, _ = stack_rt(500.0, [], [], 1.0, 1.5**2, polarization="p")
    _close(rp, r, 1e-12, what="R_p = R_s at normal incidence")


def test_fresnel_oblique_hand_value():
    theta = np.deg2rad(45.0)
    n2 = 1.5
    ct = np.sqrt(1 - (np.sin(theta) / n2) ** 2)
    rs = ((np.cos(theta) - n2 * ct) / (np.cos(theta) + n2 * ct)) ** 2
    rp = ((ct - n2 * np.cos(theta)) / (ct + n2 * np.cos(theta))) ** 2
    _close(stack_rt(600.0, [], [], 1.0, n2**2, 45.0, "s")[0], rs, 1e-12, what="R_s(45 deg)")
    _close(stack_rt(600.0, [], [], 1.0, n2**2, 45.0, "p")[0], rp, 1e-12, what="R_p(45 deg)")


def test_brewster_angle_has_zero_p_reflection():
    n2 = 1.5
    theta_b = np.rad2deg(np.arctan(n2))
    r_p, t_p = stack_rt(532.0, [], [], 1.0, n2**2, theta_b, "p")
    r_s, _ = stack_rt(532.0, [], [], 1.0, n2**2, theta_b, "s")
    assert r_p < 1e-28, f"R_p at Brewster: measured {r_p}, expected 0"
    assert r_s > 0.1, f"R_s at Brewster: measured {r_s}, expected about 0.15"
    _close(t_p, 1.0, 1e-12, what="T_p at Brewster")


@pytest.mark.parametrize("pol", ["s", "p"])
@pytest.mark.parametrize("angle", [0.0, 30.0, 70.0])
def test_lossless_stack_conserves_energy(pol, angle):
    wl = np.linspace(400, 800, 81)
    r, t = stack_rt(wl, [2.3**2, 1.45**2, 2.0**2], [120.0, 80.0, 55.0], 1.0, 1.5**2, angle, pol)
    _close(r + t, np.ones_like(wl), 1e-12, what=f"R+T ({pol}, {angle} deg)")
    assert np.ptp(r) > 0.05, "the stack should show interference fringes"


def test_total_internal_reflection():
    r, t = stack_rt(532.0, [], [], 1.5**2, 1.0, 60.0, "s")
    _close(r, 1.0, 1e-12, what="R under TIR")
    assert abs(t) < 1e-15, f"T under TIR: measured {t}, expected 0"


def test_frustrated_tir_tunnels_and_conserves_energy():
    r, t = stack_rt(532.0, [1.0], [100.0], 1.5**2, 1.5**2, 60.0, "p")
    assert 0.01 < t < 0.99, f"FTIR through 100 nm air gap: T = {t}"
    _close(r + t, 1.0, 1e-12, what="R+T FTIR")


def test_quarter_wave_antireflection_coating():
    n_s, wl0 = 1.5, 550.0
    n_c = np.sqrt(n_s)
    r, _ = stack_rt(wl0, [n_c**2], [wl0 / (4 * n_c)], 1.0, n_s**2)
    assert r < 1e-28, f"R of ideal quarter-wave AR: measured {r}, expected 0"
    r_off, _ = stack_rt(450.0, [n_c**2], [wl0 / (4 * n_c)], 1.0, n_s**2)
    assert r_off > 1e-4, f"R away from the design wavelength: {r_off}"


def test_fabry_perot_slab_matches_airy_formula():
    n, d = 2.292, 300.0
    wl = np.linspace(450, 700, 201)
    r1 = ((n - 1) / (n + 1)) ** 2
    coeff_f = 4 * r1 / (1 - r1) ** 2
    delta = 4 * np.pi * n * d / wl
    t_airy = 1 / (1 + coeff_f * np.sin(delta / 2) ** 2)
    _, t = stack_rt(wl, [n**2], [d], 1.0, 1.0)
    _close(t, t_airy, 1e-12, what="Airy slab T")


def test_thick_metal_blocks_and_reflects_like_half_space():
    r_half, a_half = stack_rt(532.0, [], [], 1.0, EPS_AG_532)
    r, t = stack_rt(532.0, [EPS_AG_532], [500.0], 1.0, 1.5**2)
    assert t < 1e-15, f"T through 500 nm Ag: measured {t}, expected < 1e-15"
    _close(r, r_half, 1e-12, what="R of 500 nm Ag vs Ag half-space")
    _close(r_half + a_half, 1.0, 1e-12, what="lossy exit: R + absorbed = 1")
    n = np.sqrt(EPS_AG_532)
    _close(r_half, abs((1 - n) / (1 + n)) ** 2, 1e-12, what="Fresnel metal R")


def _abeles_rt(wl, eps_layers, d_nm, eps_in, eps_out, angle_deg, pol):
    """Independent reference: Abeles characteristic matrices with tilted admittances
    (Macleod, Thin-Film Optical Filters, ch. 2): eta_s = kz/k0, eta_p = eps k0/kz."""
    k0 = 2 * np.pi / wl
    kx = np.sqrt(eps_in) * k0 * np.sin(np.deg2rad(angle_deg))

    def kz(eps):
        q = np.sqrt(complex(eps) * k0**2 - kx**2)
        return -q if q.imag < 0 else q

    def eta(eps):
        return kz(eps) / k0 if pol == "s" else eps * k0 / kz(eps)

    m = np.eye(2, dtype=complex)
    for eps, d in zip(eps_layers, d_nm):
        delta = kz(eps) * d
        m = m @ np.array([[np.cos(delta), -1j * np.sin(delta) / eta(eps)],
                          [-1j * eta(eps) * np.sin(delta), np.cos(delta)]])
    b, c = m @ np.array([1.0, eta(eps_out)])
    e0 = eta(eps_in)
    r = (e0 * b - c) / (e0 * b + c)
    return abs(r) ** 2, 4 * e0.real * eta(eps_out).real / abs(e0 * b + c) ** 2


@pytest.mark.parametrize("pol", ["s", "p"])
@pytest.mark.parametrize("angle", [0.0, 35.0, 65.0])
def test_lossy_stack_matches_independent_characteristic_matrix(pol, angle):
    layers = [4.80 + 1.08j, 1.45**2, -11.75 + 0.37j, 2.0 + 0.01j]
    d_nm = [80.0, 5.0, 25.0, 40.0]
    for wl in (405.0, 532.0, 700.0):
        for eps_out in (1.5**2, -3.0 + 0.5j):
            r, t = stack_rt(wl, layers, d_nm, 1.2**2, eps_out, angle, pol)
            r_ref, t_ref = _abeles_rt(wl, layers, d_nm, 1.2**2, eps_out, angle, pol)
            _close([r, t], [r_ref, t_ref], 1e-10, what=f"R, T vs Abeles ({pol}, {angle} deg)")


def test_single_interface_into_lossy_metal_conserves_flux():
    for pol in ("s", "p"):
        for angle in (0.0, 30.0, 60.0, 85.0):
            r, t = stack_rt([400.0, 532.0, 700.0], [], [], 2.25, -11.75 + 0.37j, angle, pol)
            _close(r + t, np.ones(3), 1e-12, what=f"R + T into metal ({pol}, {angle} deg)")


def test_lossy_film_absorbs_and_per_wavelength_eps_broadcasts():
    wl = np.array([405.0, 532.0])
    eps_film = np.array([4.80 + 1.08j, 2.292**2 + 0.078j])
    r, t = stack_rt(wl, [eps_film], [100.0], 1.0, 1.5**2, 20.0, "p")
    a = 1 - r - t
    assert np.all(a > 0) and a[0] > a[1], f"absorption {a}: must be >0 and larger at 405 nm"
    r0, t0 = stack_rt(405.0, [eps_film[0]], [100.0], 1.0, 1.5**2, 20.0, "p")
    _close([r[0], t[0]], [r0, t0], 1e-13, what="vectorised vs scalar")


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"polarization": "x"}, "polarization"),
        ({"angle_deg": 90.0}, "angle_deg"),
        ({"eps_in": 1.0 + 0.1j}, "eps_in"),
        ({"thickness_nm": [-1.0]}, "thickness_nm"),
        ({"thickness_nm": [1.0, 2.0]}, "len(eps_layers)"),
    ],
)
def test_stack_rt_rejects_bad_input_naming_the_field(kwargs, word):
    args = {"wavelength_nm": 500.0, "eps_layers": [2.0], "thickness_nm": [10.0],
            "eps_in": 1.0, "eps_out": 2.25}
    args.update(kwargs)
    with pytest.raises(ValueError, match=word.replace("(", r"\(").replace(")", r"\)")):
        stack_rt(**args)


# ---------------------------------------------------------------- surface plasmons


def test_spp_ag_under_cspbbr3_matches_physics_md():
    """docs/physics.md §9: n_eff = 3.08 + 0.037i (J&C). Re to 0.5 %; Im to 10 % because J&C give n
    of Ag only to 2 decimals (0.05 vs 0.06), which moves Im ε, hence Im n_eff, by ~10 %;
    interpolated J&C give 0.0391 (L = 1.08 µm) vs the quoted 0.037 (1.16 µm)."""
    k = spp_wavevector_per_nm(532.0, EPS_AG_532, EPS_CSPBBR3_532)
    n_eff = k * 532.0 / (2 * np.pi)
    _close(n_eff.real, 3.08, 5e-3, what="Re n_eff Ag/CsPbBr3")
    _close(n_eff.imag, 0.037, 0.10, what="Im n_eff Ag/CsPbBr3")
    _close(spp_propagation_length_nm(k), 1160.0, 0.10, what="L_prop nm")


def test_kretschmann_dip_sits_at_the_spp_wavevector():
    """50 nm Ag (J&C at 633 nm, -18.29+0.48i) on a n = 1.5 prism, air below: the p reflectance
    minimum is where n_prism sin(theta) = Re n_spp(Ag/air) = 1.0285, i.e. 43.29 deg. The
    radiative (prism) coupling shifts the dip by ~0.05 deg; tolerance 0.2 deg."""
    eps_ag = -18.29 + 0.48j
    n_spp = spp_wavevector_per_nm(633.0, eps_ag, 1.0) * 633.0 / (2 * np.pi)
    expected = np.rad2deg(np.arcsin(n_spp.real / 1.5))
    angles = np.linspace(40.0, 47.0, 1401)
    r = np.array([stack_rt(633.0, [eps_ag], [50.0], 1.5**2, 1.0, a, "p")[0] for a in angles])
    got = angles[np.argmin(r)]
    assert abs(got - expected) < 0.2, f"dip at {got:.3f} deg, expected {expected:.3f} deg"
    assert r.min() < 0.1 and r.max() > 0.6, f"dip depth: min R {r.min():.3f}, max R {r.max():.3f}"
    r_s = stack_rt(633.0, [eps_ag], [50.0], 1.5**2, 1.0, got, "s")[0]
    assert r_s > 0.9, f"s-polarisation has no dip: R_s = {r_s:.3f}"


def test_spp_bound_condition_physics_md_examples():
    assert spp_is_bound(EPS_AG_532, EPS_CSPBBR3_532)
    assert not spp_is_bound(-4.68 + 2.43j, 5.25)  # Au under CsPbBr3 at 532 nm (docs/physics.md §9)
    assert not spp_is_bound(2.25, 1.0)


def test_spp_hand_value_and_perfect_metal_limit():
    k = spp_wavevector_per_nm(500.0, -4.0, 2.0)  # sqrt(-8/-2) = 2
    _close(k, 2 * 2 * np.pi / 500.0, 1e-14, what="k_spp(eps_m=-4, eps_d=2)")
    k_inf = spp_wavevector_per_nm(500.0, -1e12, 2.25)
    _close(k_inf, 1.5 * 2 * np.pi / 500.0, 1e-10, what="perfect-metal limit = light line")


def test_spp_frequency_for_k_recovers_lossless_drude_closed_form():
    wp_ev = 9.0
    drude = MaterialModel("drude", 1.0, (Pole("drude", wp_ev, 0.0, 1.0),), is_metal=True)
    wp = wp_ev / HC_EV_NM * 2 * np.pi  # rad/nm, with c = 1
    k_target = 0.02  # rad/nm
    big_k = k_target**2
    b = wp**2 + 2 * big_k
    omega = np.sqrt((b - np.sqrt(b**2 - 4 * wp**2 * big_k)) / 2)  # lower (bound) branch
    expected_nm = 2 * np.pi / omega
    lo_nm = 2 * np.pi / (wp / np.sqrt(2)) * 1.0001  # just red of the surface-plasmon frequency
    wl = spp_frequency_for_k(k_target, drude.eps, 1.0, (lo_nm, 5000.0))
    _close(wl, expected_nm, 1e-9, what="Drude SPP wavelength at k")
    with pytest.raises(ValueError, match="bracket_nm"):
        spp_frequency_for_k(k_target, drude.eps, 1.0, (2000.0, 5000.0))


# ---------------------------------------------------------------- LDOS


def test_mirror_ldos_limits():
    d = np.array([1e-3, 0.1])
    perp = ldos_ratio_dipole_above_mirror(d, 500.0, "perpendicular")
    par = ldos_ratio_dipole_above_mirror(d, 500.0, "parallel")
    _close(perp, [2.0, 2.0], 1e-5, what="perpendicular, d -> 0")
    _close(par, [0.0, 0.0], 0.0, atol=1e-5, what="parallel, d -> 0")
    far = np.array([1e5, 3e5])
    for o in ("parallel", "perpendicular"):
        got = ldos_ratio_dipole_above_mirror(far, 500.0, o)
        x = 4 * np.pi * far / 500.0
        assert np.all(np.abs(got - 1) <= 3 / x), f"{o} at d >> lambda: {got}, expected 1 +- 3/x"


def test_mirror_ldos_hand_value_at_quarter_wave():
    # d = λ/4 -> x = 2kd = π: sin = 0, cos = -1.
    _close(ldos_ratio_dipole_above_mirror(125.0, 500.0, "parallel"), 1 + 1.5 / np.pi**2, 1e-12,
           what="parallel at x = pi")
    _close(ldos_ratio_dipole_above_mirror(125.0, 500.0, "perpendicular"), 1 + 3 / np.pi**2,
           1e-12, what="perpendicular at x = pi")
    _close(ldos_ratio_dipole_above_mirror(125.0 / 1.5, 500.0, "isotropic", n=1.5),
           1 + 2 / np.pi**2, 1e-12, what="isotropic at x = pi in n = 1.5")


def test_mirror_ldos_series_joins_direct_form():
    wl = 500.0
    d_edge = 1.0 / (4 * np.pi / wl)
    for o in ("parallel", "perpendicular"):
        below = ldos_ratio_dipole_above_mirror(d_edge * (1 - 1e-13), wl, o)
        above = ldos_ratio_dipole_above_mirror(d_edge * (1 + 1e-13), wl, o)
        _close(below, above, 1e-10, what=f"{o} continuity at x = 1")
    d = 1e-3  # x = 2.5e-5: parallel = x^2/5 - 3x^4/280, kept to full relative precision
    x = 4 * np.pi * d / wl
    _close(ldos_ratio_dipole_above_mirror(d, wl, "parallel"), x**2 / 5, 1e-8,
           what="parallel small-x series")


def test_homogeneous_ldos_and_sphere_polarizability():
    _close(ldos_homogeneous_ratio(2.292), 2.292, 0, what="LDOS ratio = n")
    with pytest.raises(ValueError, match="n = "):
        ldos_homogeneous_ratio(0.0)
    _close(quasistatic_sphere_polarizability(10.0, 4.0, 1.0), 2000 * np.pi, 1e-14,
           what="alpha(R=10, eps=4, eps_d=1)")
    assert quasistatic_sphere_polarizability(10.0, 2.25, 2.25) == 0
    res = quasistatic_sphere_polarizability(10.0, -2 * 2.25 + 0.1j, 2.25)
    _close(res, 4 * np.pi * 1000 * (-3 * 2.25 + 0.1j) / 0.1j, 1e-12, what="Frohlich resonance")


def test_top_surface_fields_p_match_the_half_space_wave():
    """p-polarised fields at the surface of a Ag half-space (no layers) vs an independent
    closed form (tests/unit/synthetic_runs.HalfSpaceWave, written from H_y, E = curl H /
    (-i w eps)) at 30 deg, 405 nm; relative tolerance 1e-9 (both exact)."""
    import synthetic_runs as syn

    from hotlase.postprocess.analytic import top_surface_fields_p

    eps_m = complex(-4.4, 0.25)
    wave = syn.HalfSpaceWave(405.0, 1.0, eps_m, 30.0, 5e7)
    got = top_surface_fields_p(405.0, [], [], 1.0, eps_m, 30.0)
    (e_above, _), (e_below, _) = wave.fields([0.0], [0.0]), wave.fields([0.0], [-1e-9])
    e0 = wave.e0
    assert abs(got["e_tangential"]) == pytest.approx(abs(e_above[0, 0, 0]) / e0, rel=1e-9)
    assert abs(got["e_normal_out"]) == pytest.approx(abs(e_above[2, 0, 0]) / e0, rel=1e-9)
    assert abs(got["e_normal_in"]) == pytest.approx(abs(e_below[2, 0, 0]) / e0, rel=1e-6)
    # the normal field jumps by eps_metal (normal D continuous)
    assert abs(got["e_normal_out"] / got["e_normal_in"]) == pytest.approx(abs(eps_m), rel=1e-12)
