"""Contact sheets on a metal's top face (geometry.contact) and their bookkeeping.

- interface_mean: eps of the sheet medium equals (eps_a + eps_b)/2 at every wavelength (it is
  linear in the poles, so exact to round-off: tolerance 1e-12 relative).
- contact_sheets: which sheets each structure kind gets (rods on the face, rods on a spacer,
  a metal-topped film, a wire lying on the face).
- fold_sheets: a sheet's absorption goes to its two sides in proportion to Im eps, and the
  total is kept (1e-12); only sheets with a lossy side are offered points (absorbing_sheets).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotlase.geometry.build import build
from hotlase.geometry.contact import contact_sheets, sheet_sides
from hotlase.geometry.materials.model import MaterialModel, Pole, interface_mean
from hotlase.geometry.study import load_study, material_model, study_from_dict

from tests.conftest import REPO


def _default():
    return load_study(REPO / "examples" / "default.toml")


def _sheets(study):
    return contact_sheets(build(study.structure), lambda m: material_model(study, m).is_metal,
                          study.simulation.resolution_nm)


def test_interface_mean_is_the_arithmetic_mean():
    st = _default()
    wl = np.linspace(300, 900, 61)
    for a, b in (("Ag", "CsPbBr3"), ("Au", "vacuum"), ("Ag", "SiO2")):
        ma, mb = material_model(st, a), material_model(st, b)
        mix = interface_mean(ma, mb)
        np.testing.assert_allclose(mix.eps(wl), 0.5 * (ma.eps(wl) + mb.eps(wl)), rtol=1e-12)
        assert mix.name == f"{ma.name}|{mb.name}"
        assert np.allclose(material_model(st, f"{a}|{b}").eps(wl), mix.eps(wl), rtol=1e-12)


def test_interface_mean_refuses_conductivity_models():
    a = MaterialModel("x", 2.0, (Pole("lorentz", 3.0, 0.1, 1.0),), d_conductivity_ev=0.1)
    with pytest.raises(ValueError, match="D-conductivity"):
        interface_mean(a, MaterialModel("y", 1.0))


def test_rods_on_metal_get_a_plane_sheet_and_one_per_rod():
    st = _default().replace(simulation={"resolution_nm": 10})
    sheets = _sheets(st)
    s = st.structure
    names = [p.material for p in sheets]
    # the 100 nm film is 10 cells: its bottom face (on the SiO2) is on a plane too
    assert names[0] == f"{s.metal.material}|SiO2" and sheets[0].center_nm[2] == -100.0
    sheets = sheets[1:]
    names = names[1:]
    assert names[0] == f"{s.metal.material}|vacuum"  # the superstrate (air) elsewhere
    assert math.isinf(sheets[0].size_nm[0]) and math.isinf(sheets[0].size_nm[1])
    rods = sheets[1:]
    assert rods and all(p.material == f"{s.metal.material}|{s.rod.material}" for p in rods)
    assert all(p.radius_nm == s.rod.radius_nm and p.axis == "z" for p in rods)
    # every sheet is centred on the metal's top face, a thousandth of a cell thick
    z = {p.center_nm[2] for p in sheets}
    assert len(z) == 1, z
    assert sheets[0].size_nm[2] == pytest.approx(1e-3 * st.simulation.resolution_nm)


def test_rods_on_a_spacer_get_only_the_spacer_sheet():
    st = _default()
    data = st.replace(simulation={"resolution_nm": 5},
                      structure={"spacer": {"material": "SiO2", "thickness_nm": 10}})
    sheets = _sheets(data)  # the 10 nm spacer is 2 cells: its top is on a plane too
    metal, rod = data.structure.metal.material, data.structure.rod.material
    assert [p.material for p in sheets] == [f"{metal}|SiO2", f"{metal}|SiO2", "SiO2|vacuum",
                                            f"SiO2|{rod}"]  # film bottom, film top, spacer top
    assert sheets[2].center_nm[2] - sheets[1].center_nm[2] == pytest.approx(10.0)
    odd = data.replace(simulation={"resolution_nm": 4})  # spacer 2.5 cells: staircased
    assert [p.material for p in _sheets(odd)] == [f"{metal}|SiO2", f"{metal}|SiO2"]


def test_wire_lying_on_metal_gets_the_plane_sheet_only():
    st = study_from_dict({
        "study": {"name": "w", "run_kinds": ["modes"], "compare_no_metal": False},
        "structure": {"kind": "wire_on_metal", "wire_material": "CsPbBr3", "radius_nm": 60,
                      "metal": {"material": "Ag", "thickness_nm": 100},
                      "substrate": {"material": "SiO2"}},
        "simulation": {"resolution_nm": 10}})
    sheets = _sheets(st)  # film bottom and film top, no sheet under the wire's line contact
    assert len(sheets) == 2 and all(math.isinf(p.size_nm[0]) for p in sheets)


def test_no_metal_no_sheets():
    from hotlase.geometry.twin import without_metal

    assert _sheets(without_metal(_default())) == []


def test_fold_sheets_splits_by_loss_and_keeps_the_total():
    pytest.importorskip("meep")
    from hotlase.solvers.spectrum import fold_sheets

    wl = np.array([405.0, 532.0, 650.0])
    st = _default()
    eps = {n: material_model(st, n).eps(wl) for n in ("Ag", "CsPbBr3", "vacuum", "Ag|CsPbBr3",
                                                       "Ag|vacuum")}
    absorbed = {"Ag": np.array([0.1, 0.2, 0.3]), "CsPbBr3": np.array([0.3, 0.0, 0.0]),
                "Ag|CsPbBr3": np.array([0.02, 0.01, 0.005]), "Ag|vacuum": np.array([0.01, 0.01, 0.01])}
    out = fold_sheets(absorbed, eps)
    assert set(out) == {"Ag", "CsPbBr3"}
    total_in = sum(absorbed.values())
    np.testing.assert_allclose(out["Ag"] + out["CsPbBr3"], total_in, rtol=1e-12)
    share = np.imag(eps["CsPbBr3"]) / (np.imag(eps["Ag"]) + np.imag(eps["CsPbBr3"]))
    np.testing.assert_allclose(out["CsPbBr3"] - absorbed["CsPbBr3"], absorbed["Ag|CsPbBr3"] * share,
                               rtol=1e-12)
    assert sheet_sides("Ag|CsPbBr3") == ("Ag", "CsPbBr3") and sheet_sides("Ag") is None


def test_only_sheets_with_a_lossy_side_take_absorbing_points():
    """Rods on an Al2O3 spacer: the plane sheet Al2O3|vacuum (eps ~2) is lossless; offered to
    absorbed_by_material it took the rods' averaged wall points by nearest eps and their
    absorption was dropped (R + T + sum A - 1 = -0.057 at 10 nm). It must not be offered."""
    pytest.importorskip("meep")
    from hotlase.solvers.spectrum import absorbing_sheets

    sheets = ["Ag|Al2O3", "Al2O3|vacuum", "Al2O3|CsPbBr3", "Al2O3|vacuum", "Ag|SiO2"]
    assert absorbing_sheets(sheets, ["Ag", "CsPbBr3"]) == ["Ag|Al2O3", "Al2O3|CsPbBr3", "Ag|SiO2"]
    assert absorbing_sheets(sheets, []) == []
