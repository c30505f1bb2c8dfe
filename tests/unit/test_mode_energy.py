"""Loudon/Ruppin energy factor of Drude-Lorentz media (postprocess.optics).

References: for a Drude pole the factor equals Re eps + 2 w Im eps / gamma (Loudon/Ruppin
form already in optics, Ruppin 2002); for a Lorentz pole it tends to Brillouin's
d(w Re eps)/dw as gamma -> 0 (Landau & Lifshitz §80); it stays positive inside an absorption
line, where Brillouin's goes negative (CsPbBr3 at 515 nm). Tolerances: 1e-12 (identity),
1e-4 (gamma 1e-6 eV against a finite difference with h = 1e-4).
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.materials.model import MaterialModel, Pole
from hotlase.geometry.units import EPS0_F_M
from hotlase.postprocess import optics


def _model(*poles, eps_inf=1.5):
    return MaterialModel(name="t", source="test", valid_nm=(300.0, 900.0), eps_inf=eps_inf, poles=poles)


def test_drude_pole_matches_the_loudon_form():
    m = _model(Pole("drude", 9.0, 0.05, 1.0))
    wl, gamma = 550.0, 0.05
    f = float(optics.energy_factor_drude_lorentz(m, wl))
    e = np.ones((3, 1))
    loudon = optics.electric_energy_density_drude_j_m3(e, m.eps(wl), wl, gamma) / (0.25 * EPS0_F_M * 3)
    assert f == pytest.approx(float(loudon[0]), rel=1e-12)


def test_lossless_lorentz_pole_tends_to_brillouin():
    m = _model(Pole("lorentz", 3.0, 1e-6, 0.8))
    for wl in (450.0, 600.0):
        assert float(optics.energy_factor_drude_lorentz(m, wl)) == pytest.approx(
            float(optics.d_omega_re_eps_d_omega(m, wl)), rel=1e-4)


def test_positive_inside_an_absorption_line():
    m = _model(Pole("lorentz", 2.41, 0.058, 0.027), Pole("lorentz", 2.66, 0.26, 0.068), eps_inf=4.0)
    wl = 1239.84198 / 2.43  # just above the sharp line, where d(w Re eps)/dw < 0
    assert float(optics.d_omega_re_eps_d_omega(m, wl)) < 0
    assert float(optics.energy_factor_drude_lorentz(m, wl)) > 4.0
