"""The lasing run end to end on a 1D gain slab: threshold in physical units (docs/physics.md §8).

Setup: ``solvers.lasing.run_lasing`` on a film-stack study: one 540 nm layer of a lossless
user material (n = 2) in vacuum, 10 nm grid, written by ``RunWriter`` and analysed by
``postprocess.lasing_td.lasing_summary``. [lasing]: gain line at 540 nm (the slab's
m = 4 Fabry-Perot mode, 2 n L = 4 lambda), FWHM 20 nm, cross-section 1e-19 m^2, density
1e26 /m^3, upper lifetime 5 ns, fast levels 0.1 ps, rate_speedup 3e4 (scaled upper lifetime
167 fs = 11 dephasing times), pump rates 0.7-2 x the reference threshold.
Reference: the symmetric slab lases when |r^2 e^{2 i n_c k L}| = 1 with r = (n_c - 1) /
(n_c + 1), n_c^2 = 4 + chi and chi = -i 2 sigma_se dN / k at the line centre (the module
docstring of ``solvers.lasing``: g = sigma_se dN); that dN_th becomes a physical pump rate
through the four-level steady state with the physical lifetimes
(``geometry.lasing.four_level_threshold_pump``).
Tolerance 5 %: measured 1.7 % (11 s per pump point). The grid moves the onset as in
tests/physics/test_lasing_onset.py (there 4 % for a 40-cell slab against a metal wall, here
54 cells), the mode sits within ~1 nm of the line centre on the grid (< 1 % less gain), and
the scaled fast relaxations are capped at 1 fs (geometry.lasing.FAST_FLOOR_S), so the lower
level holds 0.6 % of the upper's population, raising the run's threshold by ~0.6 % over the
physical one.
A lost rate_speedup (x 3e4), a wrong cross-section conversion (factor n or 2 pi) or a wrong
photon energy would be far outside. Also: output below threshold < 1e-6 of the top; the
run file holds the documented group; photons out per emitter pumped <= 1; the lasing
points lase at the slab's mode (540 nm, within 3 nm; measured 539.56 nm), the dark ones
report 0.
Run time ~ 1 min.
"""

from __future__ import annotations

import cmath
import math
import warnings

import h5py
import meep as mp
import numpy as np
import pytest
from scipy.optimize import brentq

from hotlase.geometry.lasing import four_level_threshold_pump
from hotlase.geometry.runkinds import run_kinds
from hotlase.geometry.study import study_from_dict
from hotlase.postprocess.lasing_td import lasing_summary
from hotlase.solvers.lasing import run_lasing
from hotlase.solvers.output import RunWriter

pytestmark = pytest.mark.physics

L_NM, N_SLAB, WL_NM = 540.0, 2.0, 540.0
SIGMA_M2, DENSITY, TAU, TAU_FAST = 1e-19, 1e26, 5e-9, 1e-13
FACTORS = (0.7, 0.9, 1.15, 1.3, 1.5, 2.0)
TOLERANCE = 0.05


def reference_threshold_per_s() -> float:
    k = 2 * math.pi / (WL_NM * 1e-9)

    def excess(dn: float) -> float:
        n_c = cmath.sqrt(N_SLAB ** 2 - 1j * N_SLAB * SIGMA_M2 * dn / k)
        r = (n_c - 1) / (n_c + 1)
        return math.log(abs(r * r * cmath.exp(2j * n_c * k * L_NM * 1e-9)))

    dn_th = brentq(excess, 0.0, DENSITY)
    rates = {"upper": 1 / TAU, "lower": 1 / TAU_FAST, "pump_level": 1 / TAU_FAST}
    return four_level_threshold_pump(dn_th, DENSITY, rates)


def _study(pumps):
    data = {
        "study": {"name": "slab-laser", "run_kinds": ["lasing"], "compare_no_metal": False},
        "structure": {"kind": "film_stack", "layers": [{"material": "film", "thickness_nm": L_NM}],
                      "substrate": {"material": "vacuum"}},
        "simulation": {"resolution_nm": 10},
        "materials": {"film": {"n": N_SLAB}},
        "lasing": {"gain_material": "film", "pump_rates_per_s": list(pumps),
                   "emission_wavelength_nm": WL_NM, "linewidth_nm": 20.0,
                   "cross_section_m2": SIGMA_M2, "density_per_m3": DENSITY,
                   "upper_lifetime_s": TAU, "lower_lifetime_s": TAU_FAST,
                   "pump_lifetime_s": TAU_FAST, "rate_speedup": 3e4, "max_time_fs": 15000.0,
                   "steady_tol": 0.01},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_from_dict(data)


def test_slab_laser_threshold_in_physical_units(tmp_path, check):
    mp.verbosity(0)
    rp_th = reference_threshold_per_s()
    study = _study([round(f * rp_th, 0) for f in FACTORS])
    path = tmp_path / "main_lasing.h5"
    with RunWriter(path, study, "lasing", "main") as writer:
        facts = run_lasing(study, writer, log=print)
        writer.attrs("/", **facts)
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "complete", f.attrs["message"]
        group = run_kinds()["lasing"].groups[0]
        for item in group.datasets:
            assert item.name in f["lasing"], item.name
        for item in group.attributes:
            assert item.name in f["lasing"].attrs, item.name
    s = lasing_summary(path)
    out = np.asarray(s["output_power"])
    err = abs(s["threshold_pump_rate_per_s"] - rp_th) / rp_th
    detail = (f"pumps {s['pump_rate_per_s']}, output {out} {s['output_units']}, steady "
              f"{s['steady']}; threshold measured {s['threshold_pump_rate_per_s']:.5g} /s, "
              f"expected {rp_th:.5g} /s, relative error {err:.3g} (tolerance {TOLERANCE}); "
              f"{s['seconds_per_pump_point']:.1f} s per pump point; lasing at "
              f"{np.round(s['lasing_wavelength_nm'], 2)} nm")
    print(detail)
    assert s["onset"]["status"] == "fitted", detail
    check("run threshold pump rate vs four-level (1/s)", s["threshold_pump_rate_per_s"], rp_th,
          TOLERANCE, relative=True)
    assert np.all(np.abs(out[:2]) < 1e-6 * out[-1]), detail
    assert all(s["steady"]), detail
    assert np.all(np.asarray(s["photons_per_emitter_pumped"]) <= 1.0), detail
    lasing_nm = np.asarray(s["lasing_wavelength_nm"])
    assert np.all(lasing_nm[:2] == 0) and np.all(np.abs(lasing_nm[2:] - WL_NM) < 3.0), (
        f"lasing wavelengths {lasing_nm} nm: the slab's mode is at {WL_NM} nm (3 nm: the FFT "
        "peak of 120 periods, interpolated, and the mode's shift on the grid)")
