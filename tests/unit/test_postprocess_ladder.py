"""Grid ladders of whole summaries (postprocess.ladder) and the report's error-bar section.

Setup: summary.json dicts built so that every headline output follows q0 + c h^p on grids
20, 15, 10 nm (p = 1 or 2), modes drift with the grid and a spurious mode appears on one grid
only; an oscillating quantity is planted. References: the known q0, p and mode wavelengths
(exact for a pure power law, tolerance 1e-9 relative); which mode is which is known by
construction.
"""

from __future__ import annotations

import json
import math

import pytest

from hotlase.geometry.study import study_from_dict
from hotlase.postprocess import ladder as lad
from hotlase.postprocess.report import grid_convergence_section

HS = (20.0, 15.0, 10.0)


def summary_at(h: float) -> dict:
    """A summary.json-shaped dict whose values are known functions of the grid h."""
    def spec(line, r0):
        return {"wavelength_nm": 405.0, "R": r0 + 1e-4 * h ** 2, "T": 0.01,
                "A": 0.99 - r0 - 1e-4 * h ** 2,
                "A_by_material": {"Ag": 0.2 + 1e-3 * h, "CsPbBr3": 0.4 - 1e-3 * h}}
    modes = [{"wavelength_nm": 520.0 + 0.5 * h, "Q": 30.0 + 0.02 * h ** 2},
             {"wavelength_nm": 440.0 - 0.1 * h, "Q": 900.0 - 3 * h}]
    if h == 15.0:
        modes.append({"wavelength_nm": 600.0, "Q": 5.0})  # only on this grid
    return {
        "spectrum": {"pump": spec("pump", 0.3), "emission": spec("emission", 0.5)},
        "absorbed_fraction": {"Ag": 0.21 + 1e-3 * h, "vacuum": 0.0},
        "hot_electron_rate_surface_s": 1e15 * (1 + 0.01 * h),
        "qe_pi_heg": {20.0: 1e-3, 15.0: 3e-3, 10.0: 2e-3}[h],  # oscillating
        "purcell_factor": 2.0 + 0.001 * h ** 2,
        "modes": modes,
        "best_mode": modes[1],
        "no_metal": {"spectrum": {"pump": spec("pump", 0.05)}, "modes": [],
                     "purcell_factor": 1.1},
        "enhancement": {"purcell_factor": (2.0 + 0.001 * h ** 2) / 1.1},
    }


@pytest.fixture
def ladder():
    return lad.build_ladder([(h, summary_at(h)) for h in HS], lad.Tolerances(0.03, 2.0, 0.1),
                            match_nm=10.0, meta={"study_name": "synthetic", "study_key": None})


def rows(ladder):
    return {r["name"]: r for r in ladder["quantities"]}


def test_headline_quantities_extrapolate_to_their_limits(ladder):
    r = rows(ladder)
    assert r["main.pump.R"]["order"] == pytest.approx(2, rel=1e-9)
    assert r["main.pump.R"]["extrapolated"] == pytest.approx(0.3, rel=1e-9)
    assert r["main.emission.A_Ag"]["order"] == pytest.approx(1, rel=1e-9)
    assert r["main.emission.A_Ag"]["extrapolated"] == pytest.approx(0.2, rel=1e-9)
    assert r["main.hot_electron_rate_surface_s"]["extrapolated"] == pytest.approx(1e15, rel=1e-9)
    assert r["no_metal.pump.R"]["extrapolated"] == pytest.approx(0.05, rel=1e-9)
    assert r["main.pump.T"]["status"] == "grid-independent"
    assert "main.absorbed_fraction.vacuum" not in r  # zero on every grid: nothing to converge
    assert r["main.qe_pi_heg"]["status"] == "oscillating"
    assert r["main.qe_pi_heg"]["extrapolated"] is None
    assert r["no_metal.purcell_factor"]["status"] == "grid-independent"
    assert r["enhancement.purcell_factor"]["extrapolated"] == pytest.approx(2 / 1.1, rel=1e-9)


def test_modes_are_matched_across_grids(ladder):
    r = rows(ladder)
    a, b = r["main.mode@525.0nm.wavelength_nm"], r["main.mode@439.0nm.wavelength_nm"]
    assert a["extrapolated"] == pytest.approx(520.0, rel=1e-9)
    assert b["extrapolated"] == pytest.approx(440.0, rel=1e-9)
    assert r["main.mode@525.0nm.Q"]["extrapolated"] == pytest.approx(30.0, rel=1e-9)
    assert r["main.mode@439.0nm.Q"]["extrapolated"] == pytest.approx(900.0, rel=1e-9)
    assert not any("600" in n for n in r), "a mode of one coarse grid only was tracked"


def test_match_modes_window_and_one_to_one():
    grids = [[{"wavelength_nm": 500.0, "Q": 10}, {"wavelength_nm": 504.0, "Q": 9}],
             [{"wavelength_nm": 503.0, "Q": 10}],
             [{"wavelength_nm": 530.0, "Q": 10}]]
    tracks = lad.match_modes(grids, window_nm=5.0)
    assert [[m and m["wavelength_nm"] for m in t] for t in tracks] == [
        [500.0, None, None], [504.0, 503.0, None]]


def test_grid_for_tolerance_names_the_limiting_quantity(ladder):
    g = ladder["grid_for_tolerance"]
    # fractions: R and A (order 2, c = 1e-4) need 1.25e-4 h^2 <= 0.03 -> h <= 15.49 nm, below
    # the 24 nm that A_Ag and A_CsPbBr3 (order 1, c = 1e-3) need
    assert g["fraction"]["h_nm"] == pytest.approx(math.sqrt(0.03 / 1.25e-4), rel=1e-9)
    assert g["fraction"]["limited_by"].endswith((".R", ".A"))
    assert rows(ladder)["main.pump.A_Ag"]["grid_for_tolerance_nm"] == pytest.approx(24.0)
    assert "main.qe_pi_heg" in g["relative"]["no_order"]
    # mode at 520 nm: 1.25 x 0.5 h <= 2 nm -> h <= 3.2 nm
    assert g["wavelength"]["h_nm"] == pytest.approx(3.2, rel=1e-9)


def test_files_and_markdown(ladder, tmp_path):
    written = lad.write_ladder(tmp_path, ladder)
    data = json.loads((tmp_path / lad.LADDER_FILE).read_text())
    assert data["format"] == lad.LADDER_FORMAT
    n_fig = sum(1 for p in written if p.suffix == ".png")
    assert n_fig == len(data["quantities"]) and all(p.stat().st_size > 5000 for p in written
                                                    if p.suffix == ".png")
    md = (tmp_path / lad.LADDER_MD).read_text()
    assert "| R at pump (main) |" in md and "oscillating" in md
    assert "limited by" in md


def test_report_section_with_and_without_ladder(ladder, tmp_path, default_dict, monkeypatch):
    monkeypatch.setattr(lad, "SHIPPED_DIR", tmp_path / "none")  # not the recorded default ladder
    study = study_from_dict(default_dict)
    run = tmp_path / "points" / "abc"
    run.mkdir(parents=True)
    entry, text = grid_convergence_section(run, study, summary_at(10.0))
    assert entry["ladder"] is None and lad.NO_LADDER in text
    ladder["study_key"] = lad.ladder_key(study)
    lad.write_ladder(tmp_path, ladder, figures=False)
    default_dict["simulation"]["resolution_nm"] = 15.0  # the run is the ladder's 15 nm point
    with pytest.warns(UserWarning):  # 15 nm is coarse for the skin depth
        study = study_from_dict(default_dict)
    entry, text = grid_convergence_section(run, study, summary_at(15.0))
    q = entry["quantities"]["main.pump.R"]
    r = rows(ladder)["main.pump.R"]
    assert q["value"] == pytest.approx(0.3 + 1e-4 * 225)
    assert q["error"] == pytest.approx(r["error"] * 1.5 ** 2, rel=1e-9)
    assert entry["quantities"]["main.mode@525.0nm.Q"]["value"] == pytest.approx(30 + 0.02 * 225)
    assert "± error at this grid" in text
    # a ladder of another study is not used, and the report says why
    with pytest.warns(UserWarning):
        other = study_from_dict({**default_dict, "structure": {**default_dict["structure"],
                                                               "period_nm": 310}})
    entry, text = grid_convergence_section(run, other, summary_at(15.0))
    assert entry["ladder"] is None and "another study" in text


def test_ladder_key_ignores_only_the_grid_and_the_run_kinds(default_dict):
    a = study_from_dict(default_dict)
    d = json.loads(json.dumps(default_dict))
    d["simulation"]["resolution_nm"] = 15
    d["study"]["run_kinds"] = ["spectrum", "fields"]
    with pytest.warns(UserWarning):  # 15 nm is coarse for the skin depth
        assert lad.ladder_key(study_from_dict(d)) == lad.ladder_key(a)
        d["study"]["compare_no_metal"] = not a.compare_no_metal
        assert lad.ladder_key(study_from_dict(d)) != lad.ladder_key(a)
        d["study"]["compare_no_metal"] = a.compare_no_metal
        d["simulation"]["pump_wavelength_nm"] = 410
        assert lad.ladder_key(study_from_dict(d)) != lad.ladder_key(a)


def test_tolerances():
    t = lad.Tolerances(0.03, 2.0, 0.1)
    assert t.absolute("fraction", 5) == 0.03 and t.absolute("wavelength", 500) == 2.0
    assert t.absolute("relative", -20) == pytest.approx(2.0)
    assert t.absolute("relative", 0) is None and t.absolute("relative", math.nan) is None


def test_spectra_accuracy_against_the_extrapolated_spectrum():
    """Setup: R(lambda) = R0(lambda) + c h on grids 20, 15, 10 nm (first order, c = 4e-3/nm),
    T = 0, A = 1 - R. Reference: the extrapolated R is R0, so the deviation of grid h is c h
    exactly (0.04 at 10 nm, 0.08 at 20 nm); within the 0.03 tolerance only when c h <= 0.03.
    Tolerance 1e-9 (a pure power law extrapolates exactly)."""
    import numpy as np

    from hotlase.postprocess.runfile import Spectrum

    wl = np.linspace(400.0, 700.0, 31)
    r0 = 0.5 + 0.2 * np.sin(wl / 40.0)

    def spectrum(h, c):
        r = r0 + c * h
        return {"main": Spectrum(wl, r, np.zeros_like(wl), 1 - r, {"Ag": 1 - r}, 0.0)}

    for c, within in ((4e-3, False), (2e-3, True)):
        spectra = lad.spectra_ladder(list(HS), [spectrum(h, c) for h in HS], 0.03)
        rows_ = lad.spectra_accuracy({"spectra": spectra, "tolerances": {"fraction": 0.03}}, 10.0)
        got = {(r["variant"], r["curve"]): r for r in rows_}
        assert set(got) == {("main", "R"), ("main", "T"), ("main", "A"), ("main", "A_Ag")}
        assert got[("main", "R")]["max_deviation"] == pytest.approx(10 * c, abs=1e-9)
        assert got[("main", "R")]["within"] is within
        assert got[("main", "T")]["max_deviation"] == pytest.approx(0.0, abs=1e-9)
        assert lad.spectra_accuracy({"spectra": spectra}, 12.5) == []  # not a ladder grid
