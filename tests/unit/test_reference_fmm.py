"""The RCWA reference (tests/reference/fmm.py) against closed-form answers, before it is
trusted as the reference for rods on metal.

Cases and tolerances:
- Film stacks (30 nm Ag + 50 nm CsPbBr3 on SiO2; 100 nm Ag on SiO2): R and T against the
  Airy formula (postprocess.analytic.stack_rt) with the same eps; uniform layers make RCWA
  exact, so 1e-9.
- Rods of the superstrate's own medium ("vacuum") on 100 nm Ag: the patterned-layer path
  with zero contrast must give the flat film's Airy R, T: 1e-9.
- Quasi-static limit (period 20 nm, r 6 nm, h 150 nm rods of n = 2.5 on SiO2, 500 and
  700 nm): the rod layer is a film of the 2D Maxwell-Garnett permittivity for in-plane E,
  eps_b (eps_r (1 + f) + eps_b (1 - f)) / (eps_r (1 - f) + eps_b (1 + f)) (Rayleigh, Phil. Mag.
  34, 481 (1892); its first correction is O(f^4) for square and O(f^6) for hexagonal
  lattices). Measured with the normal-vector method at 49 plane waves: |dR| <= 2.2e-4
  (square), 5.4e-4 (hexagonal, 97 plane waves); tolerance 1.5e-3. Laurent's rule (grcwa's
  own) is 3-7e-3 off at 49 plane waves: the reason the reference uses the normal vectors.
- Bookkeeping: the cached S-matrix fluxes equal grcwa's own GetAmplitudes/GetZPoyntingFlux
  at every interface (1e-10), and the metal layer's flux-difference absorption equals grcwa's
  volume integral of omega Im(eps) |E|^2 (1e-9), with a 10 nm Al2O3 spacer in the stack.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hotlase.geometry.specs import LayerSpec
from hotlase.geometry.study import load_study, material_model, study_from_dict
from hotlase.geometry.subbands import served_eps
from hotlase.postprocess.analytic import stack_rt
from tests.conftest import DEFAULT_STUDY
from tests.reference import fmm

pytestmark = pytest.mark.skipif(fmm.grcwa is None, reason=fmm.IMPORT_ERROR or "grcwa missing")
WL = np.array([400.0, 450.0, 532.0, 610.0, 700.0])


def _study(structure: dict, materials: dict | None = None):
    return study_from_dict({"study": {"name": "r", "run_kinds": ["spectrum"],
                                      "compare_no_metal": False},
                            "structure": structure, "materials": materials or {},
                            "simulation": {"resolution_nm": 5}})


def _airy(study, layers, wl):
    # the eps of the model the spectrum run uses at each wavelength (CsPbBr3 over 400-700 nm
    # runs split into its per-band models: geometry.subbands), as the RCWA reference does
    eps = [served_eps(study, m, wl) for m, _ in layers]
    return stack_rt(wl, eps, [t for _, t in layers], 1.0, served_eps(study, "SiO2", wl))


@pytest.mark.parametrize("layers", [[("Ag", 30.0), ("CsPbBr3", 50.0)], [("Ag", 100.0)]],
                         ids=["Ag30_CsPbBr3_50", "Ag100"])
def test_film_stack_matches_airy(layers):
    study = _study({"kind": "film_stack",
                    "layers": [{"material": m, "thickness_nm": t} for m, t in layers]})
    out = fmm.rcwa_spectrum(study, WL, n_harmonics=9)
    r, t = _airy(study, layers, WL)
    np.testing.assert_allclose(out["R"], r, atol=1e-9)
    np.testing.assert_allclose(out["T"], t, atol=1e-9)
    total = out["R"] + out["T"] + sum(out[f"A_{m}"] for m in {m for m, _ in layers})
    np.testing.assert_allclose(total, 1.0, atol=1e-12)


@pytest.mark.parametrize("lattice", ["square", "hexagonal"])
def test_rods_of_superstrate_medium_give_the_flat_film(lattice):
    study = _study({"kind": "rod_array", "lattice": lattice, "period_nm": 300,
                    "rod": {"material": "vacuum", "radius_nm": 60, "height_nm": 150},
                    "metal": {"material": "Ag", "thickness_nm": 100}})
    out = fmm.rcwa_spectrum(study, WL, n_harmonics=21)
    r, t = _airy(study, [("Ag", 100.0)], WL)
    np.testing.assert_allclose(out["R"], r, atol=1e-9)
    np.testing.assert_allclose(out["T"], t, atol=1e-9)
    np.testing.assert_allclose(out["A_vacuum"], 0.0, atol=1e-9)


@pytest.mark.parametrize("lattice,n_harmonics", [("square", 49), ("hexagonal", 97)])
def test_subwavelength_rods_are_a_maxwell_garnett_film(lattice, n_harmonics):
    period, radius, n_rod = 20.0, 6.0, 2.5
    study = _study({"kind": "rod_array", "lattice": lattice, "period_nm": period,
                    "rod": {"material": "hi", "radius_nm": radius, "height_nm": 150}},
                   {"hi": {"n": n_rod, "k": 0.0}})
    wl = np.array([500.0, 700.0])
    cell = period**2 * (1.0 if lattice == "square" else np.sqrt(3) / 2)
    f = np.pi * radius**2 / cell
    er, eb = n_rod**2, 1.0
    e_mg = eb * (er * (1 + f) + eb * (1 - f)) / (er * (1 - f) + eb * (1 + f))
    r, t = stack_rt(wl, [np.full(2, e_mg)], [150.0], 1.0, material_model(study, "SiO2").eps(wl))
    out = fmm.rcwa_spectrum(study, wl, n_harmonics=n_harmonics)
    assert np.max(np.abs(out["R"] - r)) < 1.5e-3, (out["R"], r)
    assert np.max(np.abs(out["T"] - t)) < 1.5e-3, (out["T"], t)


def test_cached_fluxes_equal_grcwa_own_and_volume_absorption():
    import grcwa.rcwa as core

    base = load_study(DEFAULT_STUDY)
    study = dataclasses.replace(base, structure=dataclasses.replace(
        base.structure, spacer=LayerSpec("Al2O3", 10.0)))
    seen = []
    original = fmm._net_fluxes

    def checked(obj):
        net, incident = original(obj)
        for w in range(obj.Layer_N):
            ai, bi = obj.GetAmplitudes(w, 0.0)
            fwd, bwd = core.GetZPoyntingFlux(ai, bi, obj.omega, obj.kp_list[w], obj.phi_list[w],
                                             obj.q_list[w])
            assert abs(net[w] - np.real(fwd + bwd)) < 1e-10 * incident, w
        metal = obj.Layer_N - 2  # layers: air, rods, spacer, Ag, SiO2
        eps = obj.Uniform_ep_list[obj.id_list[metal][2]]
        m = np.eye(obj.nG) * np.imag(eps)
        vol = np.real(obj.omega * obj.Volume_integral(metal, m, m, m))
        seen.append(((net[metal] - net[metal + 1]) / incident, vol / incident))
        return net, incident

    fmm._net_fluxes = checked
    try:
        out = fmm.rcwa_spectrum(study, [450.0, 532.0], n_harmonics=41)
    finally:
        fmm._net_fluxes = original
    assert out["layers"] == ["CsPbBr3", "Al2O3", "Ag"]
    flux_a, vol_a = np.array(seen).T
    np.testing.assert_allclose(flux_a, vol_a, atol=1e-9)
    np.testing.assert_allclose(out["A_Ag"], flux_a, atol=1e-12)
    assert np.all(out["A_Ag"] > 0.02) and np.all(out["A_CsPbBr3"] > 0.02)
