"""Headline absorption is the energy-balanced A_by_material; field maps are a pass/fail check.

Setup: the synthetic run files (tests/unit/synthetic_runs.py: exact p-polarised half-space
fields at 30 deg on a 150 nm Ag film with CsPbBr3 rods, 5 nm grid) with one thing broken:
- the pump field map scaled by sqrt(6), so its Ag absorption is 6x the closed form (about
  1.2 > 1, like the gold study at 20 nm that reported A_Au = 1.08, total 1.18);
- or the spectrum's A_by_material scaled so the metal absorbs 1.1 at every wavelength.
Reference: the closed-form metal fraction (1 - |r|^2)(1 - e^{-2 Im kz d}) (tolerance 1e-2, as
in test_postprocess_report) for the headline; and the rules themselves: a field map beyond
ABSORPTION_CHECK_TOL of the spectrum is a FAILED check in summary and report, and no
"absorbed_fraction*" value anywhere in summary.json exceeds 1 (refused with the reason).
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import synthetic_runs as syn
from hotlase.postprocess.absorption import (
    ABSORPTION_CHECK_TOL,
    headline_absorption,
    spectrum_fractions_at,
    unphysical_fractions,
)
from hotlase.postprocess.report import analyze
from hotlase.postprocess.runfile import Spectrum


def _fractions(x, key=""):
    """Every number under a key that names an absorbed fraction, anywhere in the summary
    (not the metal/no-metal ratios under "enhancement", which may exceed 1)."""
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "enhancement":
                continue
            yield from _fractions(v, k if "absorbed" in k or k == "A_by_material" else key)
    elif isinstance(x, list):
        for v in x:
            yield from _fractions(v, key)
    elif isinstance(x, (int, float)) and key and "power" not in key:
        yield key, float(x)


def test_unphysical_fractions_name_the_reason():
    assert unphysical_fractions({"Ag": 0.3, "CsPbBr3": 0.5}) == []
    assert unphysical_fractions({"Au": 1.08, "CsPbBr3": 0.1}) == [
        "A_Au = 1.080 > 1", "total absorbed fraction 1.180 > 1"]
    assert unphysical_fractions({"Ag": 0.6, "CsPbBr3": 0.5}) == ["total absorbed fraction 1.100 > 1"]
    assert unphysical_fractions({"Ag": -0.05}) == ["A_Ag = -0.050 < 0"]
    assert unphysical_fractions({"Ag": -0.001}) == []  # noise of the run, within NEGATIVE_TOL


def test_spectrum_fractions_are_interpolated_inside_the_band_only():
    sp = Spectrum(np.array([400.0, 500.0]), np.zeros(2), np.zeros(2), np.zeros(2),
                  {"Ag": np.array([0.2, 0.4])}, 0.0)
    assert spectrum_fractions_at(sp, 450.0) == {"Ag": pytest.approx(0.3)}
    assert spectrum_fractions_at(sp, 399.0) is None


@pytest.fixture(scope="module")
def hot_map(tmp_path_factory):
    out = syn.make_run_dir(tmp_path_factory.mktemp("hot"), kinds=("spectrum", "fields"))
    with h5py.File(out / "runs" / "main_fields.h5", "r+") as f:
        f["fields/pump/E"][...] = f["fields/pump/E"][()] * np.sqrt(6.0)
    return out, *analyze(out)


def test_field_map_above_one_is_a_failed_check_and_never_a_headline(hot_map):
    out, report, s = hot_map
    study = syn.make_study()
    expected = syn.expected_fractions(study, 405.0)
    assert s["absorbed_fraction_source"] == "spectrum"
    assert s["absorbed_fraction"]["Ag"] == pytest.approx(expected["Ag"], rel=1e-2)
    assert s["absorbed_fraction_fields"] is None  # the map's 1.2 is refused, not shown
    failed = [c for c in s["checks"] if not c["passed"]]
    assert [c["name"] for c in failed] == ["absorption_field_map_vs_spectrum_pump"]
    assert "> 1" in failed[0]["reason"] and f"tolerance {ABSORPTION_CHECK_TOL:g}" in failed[0]["reason"]
    assert any("FAILED check pump" in n for n in s["notes"]["main"])
    text = report.read_text()
    assert "FAILED: absorption_field_map_vs_spectrum_pump" in text and "refused (> 1)" in text
    over = [(k, v) for k, v in _fractions(s) if v > 1]
    assert not over, f"absorbed fractions above 1 reported: {over}"
    # the upper bound uses the energy-balanced metal absorption
    p = expected["Ag"] * s["incident_power_w"]
    assert s["absorbed_power_metal_w"] == pytest.approx(p, rel=1e-2)


def test_spectrum_above_one_in_a_complete_file_refuses_the_file(tmp_path):
    """A file marked complete whose A_Ag is 1.1 was changed after the run (the writer would
    have marked it suspect): postprocess.runchecks refuses it, naming the dataset."""
    out = syn.make_run_dir(tmp_path, kinds=("spectrum", "fields"), variants=("main",))
    with h5py.File(out / "runs" / "main_spectrum.h5", "r+") as f:
        ag = f["spectrum/A_by_material/Ag"]
        ag[...] = np.full(ag.shape, 1.1)
    _, s = analyze(out)
    refused = " ".join(s["runs_unreadable"])
    assert "main_spectrum.h5" in refused and "A_by_material/Ag spans [1.1, 1.1]" in refused
    assert s["status"] == "incomplete"


def test_spectrum_above_one_is_refused_with_its_reason(tmp_path):
    """The same numbers in a run the writer marked suspect are analysed, flagged, and the
    headline refuses the fraction above 1."""
    out = syn.make_run_dir(tmp_path, kinds=("spectrum", "fields"), variants=("main",))
    with h5py.File(out / "runs" / "main_spectrum.h5", "r+") as f:
        ag = f["spectrum/A_by_material/Ag"]
        ag[...] = np.full(ag.shape, 1.1)
        f.attrs["status"] = "suspect"
        f.attrs["message"] = "A_by_material/Ag spans [1.1, 1.1]"
    _, s = analyze(out)
    assert "main_spectrum.h5" in s["runs_suspect"][0]  # (incomplete: modes, emitter absent)
    assert s["absorbed_fraction"] is None and s["absorbed_fraction_total"] is None
    assert s["hot_electron_rate_upper_s"] is None and s["qe_heg"] is None
    reasons = [c["reason"] for c in s["checks"] if not c["passed"]]
    assert any("A_Ag = 1.100 > 1" in r for r in reasons), reasons
    over = [(k, v) for k, v in _fractions(s) if v > 1]
    assert not over, f"absorbed fractions above 1 reported: {over}"


def test_headline_falls_back_to_the_map_outside_the_spectrum_band_and_says_so():
    class Tag:
        wavelength_nm = 800.0
        fraction_by_material = {"Ag": 0.2}

    sp = Spectrum(np.array([400.0, 700.0]), np.zeros(2), np.zeros(2), np.zeros(2),
                  {"Ag": np.array([0.3, 0.3])}, 0.0)
    h = headline_absorption(Tag(), sp)
    assert h.source == "field map" and h.fraction_by_material == {"Ag": 0.2}
    assert "outside the spectrum band" in h.problems[0]
