"""tests/reference/compare.py: the dip finder and the hotlase-vs-reference differences.

Reference: synthetic spectra with known answers. R = 0.9 - two Lorentzian dips (depth 0.5 and
0.3, half width 6 nm) at 485.0 and 521.3 nm sampled every 5 nm: the parabola-refined minima
must be within 1 nm of the centres (the sampling is 5 nm; a Lorentzian's vertex parabola is
exact at its centre and off by < 1 nm at a 2.5 nm offset for this width); a shallow 0.01 dip
is below the 0.03 prominence and must not be reported. ``compare`` of a spectrum shifted by
+0.02 must report exactly that difference, on the reference's wavelengths inside hotlase's
band, and the values at the pump and emission wavelengths.
"""

from __future__ import annotations

import numpy as np

from tests.reference.compare import compare, dip_shifts, r_dips


def _spectrum(wl, centres=(485.0, 521.3), depths=(0.5, 0.3), width=6.0):
    r = np.full_like(wl, 0.9)
    for c, d in zip(centres, depths):
        r -= d / (1 + ((wl - c) / width) ** 2)
    return r


def test_dips_found_to_a_nanometre_and_shallow_ones_ignored():
    wl = np.arange(400.0, 700.1, 5.0)
    r = _spectrum(wl) - 0.01 / (1 + ((wl - 620.0) / 6.0) ** 2)
    dips = r_dips(wl, r)
    assert dips.size == 2
    assert np.all(np.abs(dips - [485.0, 521.3]) < 1.0), dips
    assert np.allclose(dip_shifts([486.0, 530.0], [485.0, 521.3]), [1.0, 8.7])
    assert np.all(np.isinf(dip_shifts([], [485.0])))


def test_compare_reports_the_offset_on_the_reference_grid():
    hw = np.linspace(410.0, 690.0, 113)
    ref_wl = np.arange(400.0, 700.1, 10.0)
    ref = {"wavelength_nm": ref_wl, "R": _spectrum(ref_wl), "T": np.zeros_like(ref_wl),
           "A_Ag": np.full_like(ref_wl, 0.05)}
    hot = {"wavelength_nm": hw, "R": _spectrum(hw) + 0.02, "T": np.zeros_like(hw),
           "A_Ag": np.full_like(hw, 0.05)}
    c = compare(hot, ref, ["Ag"], at_nm=(532.0,))
    assert c["wl"][0] == 410.0 and c["wl"][-1] == 690.0
    # hotlase's R is interpolated onto the reference grid: 0.02 plus the interpolation error
    assert abs(c["max_abs_dR"] - 0.02) < 0.005 and c["max_abs_dA_Ag"] < 1e-12
    h, r = c["at"][532.0]["A_Ag"]
    assert abs(h - 0.05) < 1e-12 and abs(r - 0.05) < 1e-12
