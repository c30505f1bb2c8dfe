"""Sub-band planning (geometry/subbands.py) and the ``material_bands`` switch.

Setup: the default rods study (CsPbBr3 on Ag, 400-700 nm) and narrow-band variants.
Reference: the CsPbBr3 per-band windows 400-520, 520-530, 530-700 nm (perovskites.BAND_MODELS)
and the one-band fit CsPbBr3_Brennan. Tolerance: exact (planning is bookkeeping): every
wavelength and field target served by exactly one run, by the window that contains it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hotlase.geometry import subbands
from hotlase.geometry.study import material_model, study_from_dict
from hotlase.geometry.validate import SpecError


def _study(**sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_from_dict({
            "study": {"name": "rods", "run_kinds": ["spectrum", "fields"],
                      "compare_no_metal": False},
            "structure": {"kind": "rod_array", "rod": {"material": "CsPbBr3"},
                          "metal": {"material": "Ag", "thickness_nm": 100}},
            "simulation": sim})


def test_bad_material_bands_names_field_and_choices():
    with pytest.raises(SpecError) as err:
        _study(material_bands="spilt")
    msg = str(err.value)
    assert "material_bands" in msg and "'split'" in msg and "'broadband'" in msg
    assert "\n" not in msg


def test_default_band_splits_at_the_model_windows():
    study = _study()
    assert study.simulation.material_bands is None
    assert subbands.material_bands(study) == "split"
    assert subbands.split_materials(study) == ["CsPbBr3"]
    assert subbands.windows_nm(study) == [(400.0, 520.0), (520.0, 530.0), (530.0, 700.0)]
    wl = np.linspace(400, 700, 121)
    targets = [("pump", 405.0), ("emission", 532.0), ("mode_0", 525.3)]
    bands = subbands.plan(study, wl, targets)
    assert sorted(i for b in bands for i in b.indices) == list(range(121))
    for b in bands:
        assert all(b.lo_nm <= wl[i] <= b.hi_nm for i in b.indices)
    assert [dict(b.models)["CsPbBr3"] for b in bands] == [
        "CsPbBr3_Brennan_400_520", "CsPbBr3_Brennan_520_530", "CsPbBr3_Brennan_530_700"]
    assert {dict(b.models)["Ag"] for b in bands} == {material_model(study, "Ag").name}
    assert [b.targets for b in bands] == [(("pump", 405.0),), (("mode_0", 525.3),),
                                          (("emission", 532.0),)]
    assert wl[bands[0].indices[-1]] == 520.0 and wl[bands[1].indices[0]] == 522.5


def test_window_without_wavelengths_is_left_out():
    """At 10 nm spacing 520 nm goes to the first window (the first that holds it) and 530 nm
    to the middle one; at 20 nm the middle window reports nothing and is not run."""
    study = _study()
    wl = np.linspace(400, 700, 31)
    bands = subbands.plan(study, wl)
    assert [(b.lo_nm, b.hi_nm, len(b.indices)) for b in bands] == [
        (400.0, 520.0, 13), (520.0, 530.0, 1), (530.0, 700.0, 17)]
    narrow = subbands.plan(study, np.linspace(400, 700, 16))  # 20 nm: nothing in 520-530
    assert [(b.lo_nm, b.hi_nm) for b in narrow] == [(400.0, 520.0), (530.0, 700.0)]


def test_broadband_keeps_one_run_and_its_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = study_from_dict({
            "study": {"name": "rods", "run_kinds": ["spectrum"], "compare_no_metal": False},
            "structure": {"kind": "rod_array", "rod": {"material": "CsPbBr3"}},
            "simulation": {"material_bands": "broadband"}})
    assert any("misses the measured n, k" in str(w.message) for w in caught)
    assert subbands.material_bands(study) == "broadband"
    assert subbands.windows_nm(study) == [(400.0, 700.0)]
    (band,) = subbands.plan(study, np.linspace(400, 700, 31))
    assert dict(band.models)["CsPbBr3"] == "CsPbBr3_Brennan"
    assert material_model(study, "CsPbBr3").name == "CsPbBr3_Brennan"


def test_split_study_does_not_warn_for_spectrum_runs():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _ = study_from_dict({
            "study": {"name": "rods", "run_kinds": ["spectrum"], "compare_no_metal": False},
            "structure": {"kind": "rod_array", "rod": {"material": "CsPbBr3"}}})
    assert not [w for w in caught if "misses the measured n, k" in str(w.message)]


def test_band_inside_one_window_runs_broadband():
    study = _study(wavelength_min_nm=532, wavelength_max_nm=600, pump_wavelength_nm=532,
                   emission_wavelength_nm=532)
    assert subbands.material_bands(study) == "broadband"
    assert material_model(study, "CsPbBr3").name == "CsPbBr3_Brennan_530_700"


def test_pulse_covers_the_window_and_its_targets():
    from hotlase.geometry.units import nm_to_meep_freq

    study = _study()
    wl = np.linspace(400, 700, 121)
    for b in subbands.plan(study, wl, [("pump", 405.0), ("emission", 532.0)]):
        f_cen, f_width, f_min = subbands.pulse(study, b, wl)
        lo, hi = (float(nm_to_meep_freq(w)) for w in (b.hi_nm, b.lo_nm))
        assert f_cen - f_width / 2 <= lo and hi <= f_cen + f_width / 2 and f_min > 0


def test_served_eps_is_the_window_model():
    study = _study()
    wl = np.array([405.0, 525.0, 532.0, 650.0])
    eps = subbands.served_eps(study, "CsPbBr3", wl)
    for w, e in zip(wl, eps):
        (band,) = [b for b in subbands.plan(study, [w])]
        sub = subbands.window_study(study, band.lo_nm, band.hi_nm)
        assert e == complex(material_model(sub, "CsPbBr3").eps(w))
    assert np.allclose(subbands.served_eps(study, "Ag", wl), material_model(study, "Ag").eps(wl))


def test_stitch_puts_each_run_at_its_wavelengths():
    from hotlase.solvers.broadband import _stitch

    a = subbands.SubBand(400, 520, (0, 1), (), ())
    b = subbands.SubBand(520, 700, (2,), (), ())
    parts = [(a, {"R": np.array([0.1, 0.2]), "T": np.array([0.5, 0.5]), "A": np.array([0.4, 0.3]),
                  "incident": np.array([1.0, 2.0]),
                  "A_by_material": {"Ag": np.array([0.4, 0.3])}}),
             (b, {"R": np.array([0.3]), "T": np.array([0.6]), "A": np.array([0.1]),
                  "incident": np.array([3.0]), "A_by_material": {"CsPbBr3": np.array([0.1])}})]
    out = _stitch(parts, 3)
    assert list(out["R"]) == [0.1, 0.2, 0.3] and list(out["incident"]) == [1.0, 2.0, 3.0]
    assert list(out["A_by_material"]["Ag"]) == [0.4, 0.3, 0.0]
    assert list(out["A_by_material"]["CsPbBr3"]) == [0.0, 0.0, 0.1]
    assert out["energy_balance_max_error"] == pytest.approx(0.0, abs=1e-12)


def test_one_wavelength_run_gets_the_window_model():
    """The lasing run (one gain line) uses the model of the window holding its wavelength."""
    study = _study()
    assert material_model(subbands.at_wavelength(study, 532.0), "CsPbBr3").name == \
        "CsPbBr3_Brennan_530_700"
    assert material_model(subbands.at_wavelength(study, 517.0), "CsPbBr3").name == \
        "CsPbBr3_Brennan_400_520"
    broad = _study(material_bands="broadband")
    assert subbands.at_wavelength(broad, 532.0) is broad


def test_estimate_counts_one_broadband_pair_per_window():
    from hotlase.geometry.estimate import run_plan

    split = [r.pulses for r in run_plan(_study()) if r.kinds == ("spectrum", "fields")]
    broad = [r.pulses for r in run_plan(_study(material_bands="broadband"))
             if r.kinds == ("spectrum", "fields")]
    assert split == [6] and broad == [2]


def test_resume_never_reuses_a_file_made_the_other_way():
    """Run files store the resolved ``material_bands`` (spec_json); a file written before the
    switch existed ran one model over the band, so it is stale for a study that now splits
    and still reusable for one that runs broadband."""
    import json

    from hotlase.geometry.study import spec_differences, study_json

    split = _study()
    stored_new = study_json(split, resolved=True)
    assert json.loads(stored_new)["simulation"]["material_bands"] == "split"
    assert spec_differences(stored_new, split) == []
    old = json.loads(study_json(split))
    old["simulation"].pop("material_bands", None)
    assert spec_differences(json.dumps(old), split) == [
        'simulation.material_bands: "broadband" -> "split"']
    narrow = _study(wavelength_min_nm=532, wavelength_max_nm=600, pump_wavelength_nm=532,
                    emission_wavelength_nm=532)
    old = json.loads(study_json(narrow))
    old["simulation"].pop("material_bands", None)
    assert spec_differences(json.dumps(old), narrow) == []
