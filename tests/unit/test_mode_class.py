"""Mode classes, Rayleigh anomalies, the lasing-mode rule and the mode separation.

Rayleigh anomalies: at normal incidence lambda_RA = n P / sqrt(i^2 + j^2) (square lattice) and
n P sqrt(3) / (2 sqrt(i^2 + ij + j^2)) (hexagonal, P the nearest-neighbour distance)
(Kravets et al., Chem. Rev. 118, 5912 (2018)), with n = n(lambda_RA) of SiO2 from its model;
tolerance 1e-6 nm (a fixed-point solution). Classes from synthetic energy shares and the
thresholds of postprocess.mode_class. Separation: a synthetic real ring-down of three modes
(two overlapping within their linewidths) sampled like Meep's DFT is split back into its
amplitudes to 1e-10 (exact algebra).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import synthetic_runs as syn
from hotlase.geometry.study import material_model, study_from_dict
from hotlase.postprocess import mode_class as mc
from hotlase.solvers.mode_profiles import complex_omega, sample_steps, separate_modes


def _study(lattice: str, period: float):
    d = copy.deepcopy(syn.study_dict())
    d["structure"]["lattice"] = lattice
    d["structure"]["period_nm"] = period
    return study_from_dict(d)


def _analytic(study, shell: float, period: float) -> float:
    sio2 = material_model(study, "SiO2")
    wl = 450.0
    for _ in range(100):
        wl = float(np.sqrt(complex(sio2.eps(wl))).real) * period / shell
    return wl


@pytest.mark.parametrize("lattice,period,shells", [
    ("square", 300.0, [1.0]),                        # (1,0) on the glass side: ~440 nm
    ("square", 420.0, [1.0, math.sqrt(2)]),          # (1,0) and (1,1)
    ("hexagonal", 400.0, [2 / math.sqrt(3)]),        # first hexagonal shell: ~506 nm
])
def test_rayleigh_anomalies_match_the_grating_formula(lattice, period, shells):
    study = _study(lattice, period)
    found = [a for a in mc.rayleigh_anomalies(study) if a.side == "substrate"]
    expected = sorted(_analytic(study, s, period) for s in shells)
    expected = [w for w in expected if 395 <= w <= 705]
    assert [round(a.wavelength_nm, 6) for a in found] == pytest.approx(expected, abs=1e-6), (
        f"{lattice} P {period}: anomalies {[(a.order, a.wavelength_nm) for a in found]}, expected {expected}")
    # the superstrate (vacuum) anomaly of the same orders sits at n = 1: P / shell
    top = [a.wavelength_nm for a in mc.rayleigh_anomalies(study, (100, 1000)) if a.side == "superstrate"]
    assert max(top) == pytest.approx(period if lattice == "square" else
                                   period * math.sqrt(3) / 2, rel=1e-9)


def test_a_mode_on_the_anomaly_is_lattice_whatever_its_field():
    a = [mc.Anomaly("substrate", "SiO2", (1, 0), 1.466, 439.7)]
    rod_like = {"rod": 0.9, "metal": 0.05, "surface": 0.03, "elsewhere": 0.02}
    assert mc.classify(438.8, 0.29, a, rod_like)[0] == mc.LATTICE_RA
    assert mc.classify(446.0, 0.29, a, rod_like)[0] == mc.ROD  # 6.3 nm away, narrow line
    # within a (broad) linewidth: lattice only when the field is delocalised
    deloc = {"rod": 0.1, "metal": 0.1, "surface": 0.1, "elsewhere": 0.7}
    assert mc.classify(455.0, 30.0, a, deloc)[0] == mc.LATTICE_RA
    assert mc.classify(455.0, 30.0, a, rod_like)[0] == mc.ROD
    assert mc.classify(600.0, 30.0, a, deloc)[0] == mc.LATTICE_DELOC


def test_field_shares_decide_rod_or_plasmon():
    shares = {"rod": 0.3, "metal": 0.25, "surface": 0.2, "elsewhere": 0.25}
    assert mc.classify(600.0, 10.0, [], shares)[0] == mc.PLASMON  # 0.45 at the metal beats 0.3
    shares = {"rod": 0.55, "metal": 0.2, "surface": 0.1, "elsewhere": 0.15}
    assert mc.classify(600.0, 10.0, [], shares)[0] == mc.ROD
    assert mc.classify(600.0, 10.0, [], None)[0] == mc.UNCLASSIFIED


def test_lasing_mode_is_in_the_gain_band_not_lattice_and_lowest_threshold():
    modes = [
        {"wavelength_nm": 438.8, "Q": 1514, "class": mc.LATTICE_RA, "threshold_gain_material_per_cm": 10.0},
        {"wavelength_nm": 525.0, "Q": 50, "class": mc.PLASMON, "threshold_gain_material_per_cm": 900.0},
        {"wavelength_nm": 540.0, "Q": 30, "class": mc.ROD, "threshold_gain_material_per_cm": 400.0},
        {"wavelength_nm": 545.0, "Q": 900, "class": mc.LATTICE_DELOC, "threshold_gain_material_per_cm": 5.0},
        {"wavelength_nm": 600.0, "Q": 200, "class": mc.ROD, "threshold_gain_material_per_cm": 1.0},
    ]
    best, why = mc.best_lasing_mode(modes, (512.0, 552.0))
    assert best["wavelength_nm"] == 540.0, why
    best, why = mc.best_lasing_mode(modes[:1], (512.0, 552.0))
    assert best is None and "no mode inside the gain band" in why


def test_separate_modes_recovers_overlapping_modes():
    f = np.array([2.0, 2.03, 2.3])           # the first two overlap: linewidths 2|decay| > 0.03
    dec = np.array([-0.05, -0.03, -0.002])
    w = complex_omega(f, dec)
    rng = np.random.default_rng(1)
    amp = rng.normal(size=(3, 40)) + 1j * rng.normal(size=(3, 40))
    dt, decimation = 0.005, 10
    t = sample_steps(1234, 1234 + 20000, decimation) * dt
    assert t[0] == pytest.approx(1240 * dt)  # the first multiple of 10 after step 1234
    signal = 2 * np.real(amp.T @ np.exp(-1j * w[:, None] * (t - t[0])[None, :]))
    dft = np.exp(1j * 2 * np.pi * f[:, None] * t[None, :]) @ signal.T
    got, cond = separate_modes(dft, 2 * np.pi * f, w, t)
    assert np.max(np.abs(got - amp)) < 1e-10 * np.max(np.abs(amp)), f"condition number {cond:.3g}"
    # the plain DFT at a mode's frequency (no separation) mixes the overlapping neighbour in
    naive = dft[0] / np.sum(np.exp(1j * (2 * np.pi * f[0] - w[0]) * (t - t[0])))
    assert np.max(np.abs(naive * np.exp(-1j * 2 * np.pi * f[0] * t[0]) - amp[0])) > 0.1


def test_modes_of_the_twin_are_marked():
    # measured on the default study at 10 nm: the glass-side anomaly is at 438.8 nm with
    # Q 1780 on Ag and Q 58 in the twin; a broad plasmon 15 nm from a broad twin mode is not it
    main = [{"wavelength_nm": 438.8, "Q": 1780, "linewidth_nm": 0.25},
            {"wavelength_nm": 449.8, "Q": 26, "linewidth_nm": 17.3}]
    twin = [{"wavelength_nm": 438.8, "Q": 58, "linewidth_nm": 7.6},
            {"wavelength_nm": 434.6, "Q": 15, "linewidth_nm": 29.8}]
    mc.mark_twin_modes(main, twin)
    assert [m["in_no_metal_twin"] for m in main] == [True, False]
