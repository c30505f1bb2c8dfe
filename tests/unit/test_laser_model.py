"""The laser model on analysed runs (postprocess.laser_model, lasing_report) with the synthetic
run files of tests/unit/synthetic_runs.py (rods on Ag and the no-metal twin, all four run
kinds, three bias fields). ~15 s: one analysis shared by the module."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import tests.unit.synthetic_runs as syn
from hotlase.postprocess.laser_model import line_overlap, purcell_peak
from hotlase.postprocess.report import analyze


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    out = syn.make_run_dir(tmp_path_factory.mktemp("laser"), study=syn.make_study())
    report, summary = analyze(out)
    return out, report, summary


def test_summary_has_a_laser_block_per_variant(analysed):
    """Both variants get thresholds (CW and pulsed), β in (0, 1], a lasing mode among the
    modes table's, and L-L curves of at least four decades of pump; summary.json is JSON."""
    out, _, summary = analysed
    for variant in ("main", "no_metal"):
        b = summary["lasing"][variant]
        assert b is not None, summary["lasing"]["notes"]
        assert b["threshold_w_cm2"] > 0 and math.isfinite(b["threshold_w_cm2"])
        assert b["threshold_uj_cm2"] > 0 and math.isfinite(b["threshold_uj_cm2"])
        assert 0 < b["beta"] <= 1
        modes = summary["modes"] if variant == "main" else summary["no_metal"]["modes"]
        assert b["mode_wavelength_nm"] in [m["wavelength_nm"] for m in modes]
        pump = np.asarray(b["ll_curve"]["pump_w_cm2"])
        assert pump.max() / pump.min() >= 1e4
        assert pump.min() <= b["threshold_w_cm2"] <= pump.max()
    json.loads((out / "summary.json").read_text())


def test_slope_efficiency_is_the_analytic_stimulated_slope(analysed):
    """Far above threshold every extra absorbed pump photon (plus injected hot electron) leaves
    as a lasing photon: slope = η_rad x (carriers per pump photon) x λ_pump / λ_mode, the
    carriers per photon being A_perovskite + injected rate per incident photon. Tolerance 2 %
    (the top of the curve is 100 x threshold, the stimulated limit to ~1 %)."""
    _, _, summary = analysed
    for variant, s in (("main", summary), ("no_metal", summary["no_metal"])):
        b = summary["lasing"][variant]
        pump = s["spectrum"]["pump"]
        a = pump["A_by_material"]["CsPbBr3"]
        photon_j = 6.62607015e-34 * 299792458.0 / 405e-9
        hot = (s.get("hot_electron_rate_injected_s") or 0.0) * photon_j / (
            s.get("incident_power_w") or math.inf)  # injected carriers per incident photon
        expected = b["radiated_share"] * (a + hot) * 405.0 / b["mode_wavelength_nm"]
        assert b["slope_efficiency"] == pytest.approx(expected, rel=0.02)


def test_photons_out_never_exceed_carriers_in(analysed):
    """Along the CW curve photons out of all modes per carrier generated stay <= 1."""
    _, _, summary = analysed
    for variant in ("main", "no_metal"):
        assert summary["lasing"][variant]["photons_out_over_in_max"] <= 1.0 + 1e-12


def test_bias_never_raises_the_threshold(analysed):
    """A stronger field lowers the Schottky barrier, so QE_PI-HEG and the injected carriers
    grow and the CW threshold cannot rise; the twin has no metal and so no bias points."""
    _, _, summary = analysed
    biases = summary["lasing"]["main"]["biases"]
    assert [b["bias_field_v_m"] for b in biases] == [0.0, 1e7, 1e8]
    thresholds = [b["threshold_w_cm2"] for b in biases]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(thresholds, thresholds[1:]))
    assert summary["lasing"]["no_metal"]["biases"] == []


def test_report_has_the_lasing_section_and_figure(analysed):
    """report.md holds the Lasing section with the threshold table, the sensitivity table and
    the log-log L-L figure, which exists."""
    out, report, _ = analysed
    text = report.read_text()
    assert "## Lasing" in text and "CW threshold (W/cm^2)" in text
    assert "differential_gain_m2" in text
    assert (out / "figures" / "light_in_light_out.png").is_file()


def test_purcell_peak_and_line_overlap():
    """F = (3/4π²)(λ/n)³ Q/V by hand for λ = 500 nm, n = 2, Q = 100, V = (λ/n)³: 3·100/(4π²);
    a mode much narrower than a Gaussian line overlaps it by ≈ (π/2) Γ_mode p(E0) (Lorentzian
    area), tolerance 1 %; a mode much broader overlaps by ≈ 1, tolerance 1 %."""
    assert float(purcell_peak(500.0, 100.0, 250.0**3, 2.0)) == pytest.approx(
        300 / (4 * np.pi**2), rel=1e-12)
    e = np.linspace(2.0, 3.0, 200001)
    sigma = 0.03
    p = np.exp(-0.5 * ((e - 2.5) / sigma) ** 2)
    narrow = line_overlap(2.5, 1e-4, e, p)
    assert narrow == pytest.approx(np.pi / 2 * 1e-4 / (sigma * np.sqrt(2 * np.pi)), rel=0.01)
    assert line_overlap(2.5, 50.0, e, p) == pytest.approx(1.0, rel=0.01)


def test_sensitivity_moves_the_threshold_the_physical_way(analysed):
    """Across each parameter's literature span: more differential gain lowers the threshold,
    a higher transparency density or more Auger recombination raises it (monotone in the rate
    model; strict inequalities)."""
    _, _, summary = analysed
    rows = {r["parameter"]: r for r in summary["lasing"]["main"]["sensitivity"]}
    lo_hi = lambda k: (rows[k]["threshold_at_low_w_cm2"], rows[k]["threshold_at_high_w_cm2"])  # noqa: E731
    a_lo, a_hi = lo_hi("differential_gain_m2")
    assert a_hi < a_lo
    n_lo, n_hi = lo_hi("transparency_density_m3")
    assert n_hi > n_lo
    c_lo, c_hi = lo_hi("auger_coefficient_m6_s")
    assert c_hi > c_lo


def test_a_film_stack_gets_a_note_not_a_laser(tmp_path):
    """A planar film stack has no modes and no gain medium: the analysis still writes its
    report, with lasing.main None and a note saying why (no crash, nothing made up)."""
    study = syn.study_of(syn.film_study_dict())
    out = syn.make_run_dir(tmp_path, kinds=("spectrum", "fields"), study=study)
    report, summary = analyze(out)
    assert summary["lasing"]["main"] is None
    assert any(n.startswith("main:") for n in summary["lasing"]["notes"])
    assert "## Lasing" in report.read_text()


def test_table_s1_row_is_computed_from_the_study(analysed):
    """The report prints the published Table S1 rows and one row for this study whose
    wavelength is the lasing mode's, whose threshold is the CW threshold in kW/cm^2 and whose
    PI-QE is the largest QE_PI-HEG over the bias fields (exact: the same numbers)."""
    out, report, summary = analysed
    row = summary["lasing"]["table_s1_row"]
    main = summary["lasing"]["main"]
    assert row["wavelength_nm"] == main["mode_wavelength_nm"]
    assert row["threshold_w_cm2"] == main["threshold_w_cm2"]
    qes = [summary["qe_pi_heg"]] + [b["qe_pi_heg"] for b in summary["qe_pi_heg_biased"]]
    assert row["pi_qe"] == pytest.approx(max(qes), rel=1e-12)
    text = report.read_text()
    assert "| this study (computed) |" in text and "| 2019 | 396 nm | electrical |" in text
    assert f"{main['threshold_w_cm2'] / 1e3:.3g} kW/cm^2" in text
