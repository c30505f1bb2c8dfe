"""Fitted models against published n,k at 405, 532 and 633 nm, without the data folder.

Setup: eps of each registry model at the three wavelengths the study uses most (pump,
emission, HeNe). Reference: the measured tables the fits were made from, interpolated there
(Johnson & Christy, Phys. Rev. B 6, 4370 (1972) for Ag, Au, Cu; McPeak et al., ACS
Photonics 2, 326 (2015) for Al; Brennan et al. 2024 for CsPbBr3, docs/physics.md §3). These
few published numbers are test references, so the check runs in CI even where the measured
tables (``fit.DATA_DIR``) are absent.
Tolerances (max |eps_fit - eps_measured| / |eps_measured|): Ag 3 % (the default model's
contract, issue 6), Au 3 %, Al 3 %, Cu 7 % (4 poles on 15 J&C points: the fit misses 3 %,
stated in its fit_error), CsPbBr3 7 % (3 Lorentzians cannot follow the band edge; the
per-band error is stored in the model).
"""

from __future__ import annotations

import pytest

from hotlase.geometry.materials.registry import get_material

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
