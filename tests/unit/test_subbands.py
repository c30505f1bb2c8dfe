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


# ---------------------------------------------------------------------------------------------
# Dipole runs (modes, emitter LDOS) per window: the plan and the keep-by-window rule.
# Reference: the windows above; Harminv's margin (solvers.modes.BAND_MARGIN) only beyond the
# study band's ends. Exact (bookkeeping).


def _f(nm: float) -> float:
    return 1000.0 / nm  # Meep frequency (1/µm) of a vacuum wavelength


def test_dipole_windows_widen_only_the_study_band_ends():
    from hotlase.solvers.modes import BAND_MARGIN

    wins = subbands.dipole_windows(_study(), BAND_MARGIN)
    assert [(w.lo_nm, w.hi_nm, w.index) for w in wins] == [
        (400.0, 520.0, 0), (520.0, 530.0, 1), (530.0, 700.0, 2)]
    pad = BAND_MARGIN * (_f(400) - _f(700))
    for w in wins:
        assert w.f_lo == pytest.approx(_f(w.hi_nm)) and w.f_hi == pytest.approx(_f(w.lo_nm))
    assert wins[0].f_max == pytest.approx(_f(400) + pad) and wins[0].f_min == wins[0].f_lo
    assert (wins[1].f_min, wins[1].f_max) == (wins[1].f_lo, wins[1].f_hi)  # inner: the edges
    assert wins[2].f_min == pytest.approx(_f(700) - pad) and wins[2].f_max == wins[2].f_hi
    assert [dict(w.models)["CsPbBr3"] for w in wins] == [
        "CsPbBr3_Brennan_400_520", "CsPbBr3_Brennan_520_530", "CsPbBr3_Brennan_530_700"]


def test_one_window_dipole_runs_are_the_unsplit_search_band_and_pulse():
    from hotlase.solvers.cell import band_frequencies
    from hotlase.solvers.emitter import SOURCE_WIDTH_FACTOR, emitter_windows
    from hotlase.solvers.modes import mode_windows, search_band

    study = _study(material_bands="broadband")
    (win,) = mode_windows(study)
    f_min, f_max, f_lo, f_hi = search_band(study)
    assert (win.f_min, win.f_max, win.f_lo, win.f_hi) == (f_min, f_max, f_lo, f_hi)
    assert win.pulse == ((f_min + f_max) / 2, f_max - f_min, f_min) and win.study is study
    (em,) = emitter_windows(study, carry_modes=True)
    f_cen, f_width, _ = band_frequencies(study)
    assert em.pulse[:2] == (f_cen, SOURCE_WIDTH_FACTOR * f_width) and em.study is study


def test_split_dipole_pulses_cover_their_search_band():
    from hotlase.solvers.emitter import emitter_windows
    from hotlase.solvers.modes import mode_windows

    for wins in (mode_windows(_study()), emitter_windows(_study(), carry_modes=True)):
        for w in wins:
            f_cen, width, _ = w.pulse
            assert f_cen - width / 2 <= w.f_min + 1e-12 and f_cen + width / 2 >= w.f_max - 1e-12
            assert w.study.simulation.wavelength_min_nm == w.lo_nm


@pytest.mark.parametrize("nm,window", [(380.0, 0), (400.0, 0), (519.9, 0), (520.0, 0),
                                       (520.1, 1), (530.0, 1), (530.1, 2), (700.0, 2),
                                       (730.0, 2)])
def test_serving_window_margins_belong_to_the_end_windows(nm, window):
    wins = subbands.dipole_windows(_study(), 0.1)
    assert subbands.serving_window(nm, wins) == window
    assert subbands.serving_window(nm, [(w.lo_nm, w.hi_nm) for w in wins]) == window


def test_mode_seen_by_two_windows_is_kept_once_from_the_serving_window():
    """A resonance at 525 nm found by the 520-530 nm run and (at its edge search, or through
    round-off) by the 530-700 nm run: only the 520-530 nm sighting is kept, once; the
    other run's n_filtered counts its dropped sighting."""
    from hotlase.solvers.modes import HarminvResult, Mode, ModeRuns, mode_windows

    runs = ModeRuns(mode_windows(_study()))
    f = _f(525.0)

    def res(run: int, *freqs: float) -> HarminvResult:
        modes = tuple(Mode(x, -x / 60, 30.0, 1.0 + 0j, 1e-4, 0, 1, run) for x in freqs)
        return HarminvResult(modes, len(freqs), 0, "decayed", 1e-7, 10.0, 1.0, modes, ())

    kept = {}
    for i, (win, r) in enumerate(zip(runs.windows, (res(0, _f(450.0)), res(1, f),
                                                    res(2, f * (1 + 1e-5), _f(600.0))))):
        out = runs.keep(r, win)
        kept[win.index] = sorted(round(1000 / m.frequency, 1) for m in out.modes)
        runs.add(out, {"label": f"run {i}", "dipoles": [], "symmetries": []}, win, ({}, None))
    assert kept == {0: [450.0], 1: [525.0], 2: [600.0]}
    assert runs.n_filtered == 1 and runs.n_candidates == 4
    assert [r["window_nm"] for r in runs.runs] == [[400.0, 520.0], [520.0, 530.0], [530.0, 700.0]]
    assert [s["window_nm"] for s in runs.stops] == [r["window_nm"] for r in runs.runs]


def test_unsplit_keep_changes_nothing():
    from hotlase.solvers.modes import HarminvResult, Mode, ModeRuns, mode_windows

    runs = ModeRuns(mode_windows(_study(material_bands="broadband")))
    m = Mode(_f(525.0), -0.01, 30.0, 1.0 + 0j, 1e-4, 0, 1, 0)
    r = HarminvResult((m,), 3, 2, "decayed", 1e-7, 10.0, 1.0, (m,), ())
    assert runs.keep(r, runs.windows[0]) is r
    runs.add(r, {"label": "x", "dipoles": [], "symmetries": []}, runs.windows[0], ({}, None))
    assert "window_nm" not in runs.runs[0] and "window_nm" not in runs.stops[0]


def test_estimate_counts_dipole_runs_per_window():
    from hotlase.geometry.estimate import run_plan

    study = _study()
    data = {"study": {"name": "rods", "run_kinds": ["modes", "emitter"], "compare_no_metal": False},
            "structure": {"kind": "rod_array", "rod": {"material": "CsPbBr3"},
                          "metal": {"material": "Ag", "thickness_nm": 100}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        split = study_from_dict(data)
        broad = study_from_dict({**data, "simulation": {"material_bands": "broadband"}})
    assert study is not None
    (s,), (b,) = run_plan(split), run_plan(broad)
    assert s.pulses == 3 * b.pulses, (s, b)
