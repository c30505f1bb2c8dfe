"""The lasing run kind without Meep: the [lasing] table's validation (one-line errors naming
the field), the refusals, the four-level formulas, the gain volume, the run plan and the
onset fit (docs/physics.md §8). < 5 s."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from hotlase.geometry.build import build
from hotlase.geometry.estimate import run_plan
from hotlase.geometry.lasing import (
    four_level_inversion,
    four_level_populations,
    four_level_threshold_pump,
    gain_volume,
    lasing_refusal,
)
from hotlase.geometry.study import spec_differences, study_from_dict, study_json, study_to_dict
from hotlase.geometry.validate import SpecError
from hotlase.postprocess.lasing_td import onset_threshold

ROD = {"study": {"name": "rod", "run_kinds": ["lasing"], "compare_no_metal": False},
       "structure": {"kind": "rod_array"}, "simulation": {"resolution_nm": 10},
       "lasing": {"pump_rates_per_s": [1e7, 1e8]}}


def _load(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_from_dict(data)


@pytest.mark.parametrize("key, value, message", [
    ("pump_rates_per_s", [], r"^lasing.pump_rates_per_s = \(\): must be a non-empty list"),
    ("pump_rates_per_s", [1e7, -1.0], r"^lasing.pump_rates_per_s\[1\] = -1.0: must be in \(0, "),
    ("pump_rates_per_s", [1e7, 1e7], r"^lasing.pump_rates_per_s = .*must not repeat"),
    ("density_per_m3", 1e30, r"^lasing.density_per_m3 = 1e\+30: must be in \[1e\+20, 1e\+28\]"),
    ("lower_lifetime_s", 1e-8, r"^lasing.lower_lifetime_s = 1e-08: must be in \[1e-16, 1e-09\]"),
    ("rate_speedup", "fast", r"^lasing.rate_speedup = 'fast': must be a number"),
    ("pump_rate", 1.0, r"^lasing.pump_rate = 1.0: unknown key \(did you mean 'pump_rates_per_s'"),
])
def test_bad_lasing_values_are_one_line_errors(key, value, message):
    data = {**ROD, "lasing": {**ROD["lasing"], key: value}}
    with pytest.raises(SpecError, match=message) as err:
        _load(data)
    assert "\n" not in str(err.value)


def test_fast_levels_must_relax_faster_than_the_upper_level():
    data = {**ROD, "lasing": {**ROD["lasing"], "upper_lifetime_s": 1e-12,
                              "lower_lifetime_s": 1e-12}}
    with pytest.raises(SpecError, match=r"^lasing.lower_lifetime_s = 1e-12: must be < "
                                        r"upper_lifetime_s = 1e-12"):
        _load(data)


def test_refusals_name_what_is_missing():
    no_table = {**ROD}
    no_table.pop("lasing")
    with pytest.raises(SpecError, match=r"lasing need a \[lasing\] table"):
        _load(no_table)
    assert "lasing" not in _load({**no_table, "study": {"name": "rod"}}).run_kinds
    with pytest.raises(SpecError, match=r"need an object of lasing.gain_material = 'Al2O3'"):
        _load({**ROD, "lasing": {**ROD["lasing"], "gain_material": "Al2O3"}})
    with pytest.raises(SpecError, match=r"need the gain in a finite object"):
        _load({**ROD, "lasing": {**ROD["lasing"], "gain_material": "SiO2"}})
    with pytest.raises(SpecError, match=r"need lasing.rate_speedup <= .*dephasing times"):
        _load({**ROD, "lasing": {**ROD["lasing"], "rate_speedup": 1e7}})
    film = {**ROD, "structure": {"kind": "film_stack",
                                 "layers": [{"material": "CsPbBr3", "thickness_nm": 200}]}}
    with pytest.raises(SpecError, match=r"need lasing.gain_material"):
        _load(film)


def test_lasing_table_round_trips_and_old_files_compare_equal():
    study = _load(ROD)
    assert study.lasing is not None and study.lasing.pump_rates_per_s == (1e7, 1e8)
    assert _load(study_to_dict(study)) == study
    without = _load({**{k: v for k, v in ROD.items() if k != "lasing"},
                     "study": {"name": "rod", "run_kinds": ["modes"]}})
    assert "lasing" not in study_to_dict(without)  # files written before [lasing] still match
    stored = study_json(without, resolved=True)  # what a run file holds
    assert spec_differences(stored, without) == []
    assert spec_differences(stored, study)[0].startswith("lasing")


def test_four_level_threshold_inverts_the_inversion():
    rates = {"upper": 0.01, "lower": 0.5, "pump_level": 0.5}
    for target in (0.05, 0.2, 0.5):
        wp = four_level_threshold_pump(target, 1.0, rates)
        assert math.isclose(four_level_inversion(wp, 1.0, rates), target, rel_tol=1e-12)
    pops = four_level_populations(0.003, 1.0, rates)
    assert math.isclose(sum(pops), 1.0, rel_tol=1e-12)
    assert four_level_threshold_pump(0.99, 1.0, rates) == math.inf  # never reachable


def test_gain_volume_and_run_plan():
    study = _load(ROD)
    layout = build(study.structure)
    rod = study.structure.rod
    assert math.isclose(gain_volume(layout, "CsPbBr3", 3), math.pi * rod.radius_nm ** 2
                        * rod.height_nm)
    assert lasing_refusal(study, layout) is None
    plan = run_plan(study)
    assert [(r.kinds, r.pulses) for r in plan] == [(("lasing",), 2)]


def test_onset_fit():
    pump = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 8.0])
    out = np.clip(2.5 * (pump - 2.5), 0, None) + 1e-20
    onset = onset_threshold(pump, out)
    assert onset.status == "fitted" and math.isclose(onset.threshold, 2.5, rel_tol=1e-9)
    assert (onset.below, onset.above, onset.n_lasing) == (2.0, 3.0, 4)
    assert onset_threshold(pump, np.zeros(6)).status == "no lasing"
    one = onset_threshold(pump, np.where(pump > 7, 1.0, 0.0))
    assert one.status == "bracketed only" and math.isnan(one.threshold)


def test_example_study_loads_and_runs_lasing():
    from hotlase.geometry.study import load_study
    from tests.conftest import REPO

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(REPO / "examples" / "lasing_time_domain.toml")
    assert study.run_kinds == ("lasing",) and study.lasing is not None
    assert len(study.lasing.pump_rates_per_s) == 6


def test_gain_line_of_the_lasing_run_comes_from_the_gain_table():
    """Setup: a [lasing] table without line or cross-section, under [gain] tables of two dot
    sizes. Reference: the [gain] ensemble line (geometry.materials.gain.gain_medium): its peak,
    its FWHM converted at the peak (dlambda = lambda^2 dE / hc, hc = 1239.84 eV nm) and the
    differential gain. Tolerance 1e-9 relative; explicit [lasing] values win."""
    from hotlase.geometry.lasing import cross_section_m2, gain_linewidth_nm, gain_wavelength_nm
    from hotlase.geometry.materials.gain import gain_medium

    for diameter in (10.0, 20.0):
        study = _load({**ROD, "gain": {"qd_diameter_nm": diameter, "differential_gain_m2": 3e-20}})
        medium = gain_medium(study.gain)
        assert gain_wavelength_nm(study) == pytest.approx(medium.peak_nm, rel=1e-9)
        assert gain_linewidth_nm(study) == pytest.approx(
            medium.peak_nm ** 2 * medium.fwhm_ev / 1239.84198, rel=1e-6)
        assert cross_section_m2(study) == pytest.approx(3e-20, rel=1e-9)
    small = _load({**ROD, "gain": {"qd_diameter_nm": 10.0}})
    large = _load({**ROD, "gain": {"qd_diameter_nm": 20.0}})
    assert gain_wavelength_nm(small) < gain_wavelength_nm(large)  # confinement blue-shifts
    own = _load({**ROD, "lasing": {**ROD["lasing"], "emission_wavelength_nm": 530.0,
                                   "linewidth_nm": 12.0, "cross_section_m2": 2e-19}})
    assert (gain_wavelength_nm(own), gain_linewidth_nm(own), cross_section_m2(own)) == (
        530.0, 12.0, 2e-19)
