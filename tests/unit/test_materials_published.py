"""Fitted models against published n,k at 405, 532 and 633 nm, without the data folder.

Setup: eps of each registry model at the three wavelengths the study uses most (pump,
emission, HeNe). Reference: the measured tables the fits were made from, interpolated there
(Johnson & Christy, Phys. Rev. B 6, 4370 (1972) for Ag, Au, Cu; McPeak et al., ACS
Photonics 2, 326 (2015) for Al; Brennan et al. 2024 for CsPbBr3 — the CsPbBr3 values are
those quoted in design/physics.md §3). These few published numbers are test references, so
the check runs in CI even where ../shared/data is not beside the clone.
Tolerances (max |eps_fit - eps_measured| / |eps_measured|): Ag 3 % (the default model's
contract, issue 6), Au 3 %, Al 3 %, Cu 7 % (4 poles on 15 J&C points: the fit misses 3 %,
stated in its fit_error), CsPbBr3 7 % (kept from the 3-Lorentz fit; the band-edge n, k
check below is the stricter one).
"""

from __future__ import annotations

import numpy as np
import pytest

from geometry.materials.registry import get_material

PUBLISHED = {  # name: ((wavelength nm, measured eps), ...), tolerance
    "Ag": (((405.0, -4.698 + 0.217j), (532.0, -11.755 + 0.370j), (633.0, -18.295 + 0.481j)), 0.03),
    "Au": (((405.0, -1.675 + 5.729j), (532.0, -4.681 + 2.427j), (633.0, -11.753 + 1.260j)), 0.03),
    "Al": (((405.0, -18.181 + 3.298j), (532.0, -31.535 + 8.239j), (633.0, -43.448 + 15.444j)), 0.03),
    "Cu": (((405.0, -2.971 + 5.618j), (532.0, -5.492 + 5.793j), (633.0, -11.560 + 1.839j)), 0.07),
    "CsPbBr3": (((405.0, (2.205 + 0.244j) ** 2), (532.0, (2.292 + 0.017j) ** 2)), 0.07),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_fit_matches_published_eps(name):
    points, tol = PUBLISHED[name]
    model = get_material(name)
    for wl, measured in points:
        fitted = complex(model.eps(wl))
        err = abs(fitted - measured) / abs(measured)
        assert err < tol, (f"{name} ({model.name}) at {wl} nm: fitted {fitted:.4f}, measured "
                           f"{measured:.4f}, relative error {err:.3g} (tolerance {tol})")


#: Brennan et al., MRS Commun. (2024), melt-grown CsPbBr3 (refractiveindex.info
#: CsPbBr3_Brennan.yml): (wavelength nm, n, k) above the gap, at the exciton peak, down the
#: band edge and below the gap.
BRENNAN_NK = ((405.0, 2.200, 0.245), (450.0, 2.162, 0.178), (500.0, 2.144, 0.182),
              (517.0, 2.256, 0.279), (525.0, 2.366, 0.119), (532.0, 2.292, 0.0169),
              (540.0, 2.227, 0.0016), (550.0, 2.186, 0.0001), (600.0, 2.109, 0.0),
              (700.0, 2.056, 0.0))


@pytest.mark.parametrize("wavelength_nm, n, k", BRENNAN_NK)
def test_cspbbr3_follows_published_nk_through_the_band_edge(wavelength_nm, n, k):
    """Setup: "CsPbBr3" resolved for the default study band (400-700 nm). Reference: the
    published n, k above. Tolerance (issue 10): |dn| <= 0.02, |dk| <= max(0.005, 0.1 k);
    the 3-Lorentz fit missed it by 0.058 in k at 532 nm and 0.025 at 600 nm."""
    model = get_material("CsPbBr3", band_nm=(400.0, 700.0))
    nk = complex(np.sqrt(model.eps(wavelength_nm)))
    assert abs(nk.real - n) <= 0.02 + 1e-3, \
        f"{model.name} n({wavelength_nm:g}) = {nk.real:.4f} vs {n}"
    assert abs(nk.imag - k) <= max(0.005, 0.1 * k) + 1e-3, \
        f"{model.name} k({wavelength_nm:g}) = {nk.imag:.4f} vs {k}"
