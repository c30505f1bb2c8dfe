"""The grid ladder recorded with the source for the default study (postprocess/ladders,
``make ladder``) and how runs find it.

Setup: examples/default.toml and the ladder recorded for it by ``hotlase converge
examples/default.toml --resolutions 12.5,10,7.5,5 --kinds spectrum,fields``
(scripts/record_ladder.py).
References: issue 10 item 4's promise that the default grid's R, T and A are within 0.03 of
the converged (extrapolated) spectrum over the study band, judged by the ladder itself
(``spectra_accuracy``: each curve's largest |this grid - extrapolated|, or its error bar where
there is no extrapolation); the ladder's study_key equals the default study's, so a change of
the default study fails here until `make ladder` records it again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from hotlase.geometry.study import load_study, study_from_dict, study_to_dict
from hotlase.postprocess import ladder as lad
from hotlase.postprocess.report import grid_convergence_section

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "examples" / "default.toml"


@pytest.fixture(scope="module")
def default_study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(DEFAULT)


@pytest.fixture(scope="module")
def recorded(default_study):
    path, ladder, why = lad.find_ladder(ROOT / "nowhere", default_study)
    assert ladder is not None, f"no ladder recorded for examples/default.toml ({why}): run `make ladder`"
    return path, ladder


def test_default_study_has_a_complete_recorded_ladder(recorded, default_study):
    path, ladder = recorded
    assert lad.is_shipped(path) and path.name.startswith("default-")
    assert ladder["study_key"] == lad.ladder_key(default_study)
    assert default_study.simulation.resolution_nm in ladder["grids_nm"]
    assert len(ladder["grids_nm"]) >= 3 and not ladder["missing_grids_nm"]
    assert ladder["recorded_utc"] and ladder["run_commits"]
    assert all("dirty" not in c and c != "unknown" for c in ladder["run_commits"]), (
        f"recorded from uncommitted code: {ladder['run_commits']}")


@pytest.mark.xfail(strict=True, reason=(
    "issue 10 item 4: the recorded ladder (5, 7.5, 10, 12.5 nm) puts the default 7.5 nm grid's "
    "main R 0.055 from the extrapolated spectrum at 527.5 nm (the steep edge) and 0.073 at "
    "407.5 nm (the Ag/CsPbBr3 plasmon asymptote), A 0.095, A_CsPbBr3 0.075; the twin is within "
    "0.007. RCWA puts the same 7.5 nm run within 0.030. strict: the mark goes when a recorded "
    "ladder shows it"))
def test_default_grid_spectra_within_tolerance_of_the_converged_spectra(recorded, default_study):
    _, ladder = recorded
    acc = lad.spectra_accuracy(ladder, default_study.simulation.resolution_nm)
    curves = {(a["variant"], a["curve"]) for a in acc}
    assert {("main", "R"), ("main", "T"), ("main", "A_Ag"), ("main", "A_CsPbBr3"),
            ("no_metal", "R")} <= curves, sorted(curves)
    bad = [f"{a['variant']} {a['curve']} {a['max_deviation']:.3f} at {a['at_nm']:.0f} nm"
           for a in acc if not a["within"]]
    assert acc[0]["tolerance"] == 0.03 and not bad, bad


def test_report_of_a_default_run_quotes_the_recorded_ladder(recorded, default_study, tmp_path):
    _, ladder = recorded
    h = default_study.simulation.resolution_nm
    summary = {"spectrum": {"pump": {"R": 0.5}}}
    entry, text = grid_convergence_section(tmp_path, default_study, summary)
    assert entry["shipped"] and entry["grids_nm"] == ladder["grids_nm"]
    assert "recorded with hotlase for this study" in text and ladder["recorded_utc"] in text
    assert "± error at this grid" in text and "within 0.03" in text
    row = entry["quantities"]["main.pump.R"]
    assert row["value"] == 0.5 and row["error"] is not None and row["error"] > 0
    # another study (one length changed) does not take the default's ladder
    d = study_to_dict(default_study)
    d["structure"]["period_nm"] = 310
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other = study_from_dict(d)
    entry, text = grid_convergence_section(tmp_path, other, summary)
    assert entry["ladder"] is None and lad.NO_LADDER in text
    del h


def test_record_script_refuses_an_incomplete_ladder_and_strips_paths(tmp_path, monkeypatch):
    conv = tmp_path / "conv"
    conv.mkdir()
    base = {"format": lad.LADDER_FORMAT, "study_name": "mine", "study_key": "0123456789",
            "study_file": "/somewhere/mine.toml", "points": {"10": "points/abc"},
            "grids_nm": [5.0, 7.5, 10.0], "quantities": [{"name": "x", "figure": "f.png"}],
            "missing_grids_nm": [5.0]}
    (conv / lad.LADDER_FILE).write_text(json.dumps(base))
    script = [sys.executable, str(ROOT / "scripts" / "record_ladder.py"), str(conv)]
    env_dir = tmp_path / "ladders"
    code = ("import sys, runpy; from hotlase.postprocess import ladder as l; "
            f"l.SHIPPED_DIR = __import__('pathlib').Path({str(env_dir)!r}); "
            f"sys.argv = {script[1:]!r}; runpy.run_path({script[1]!r}, run_name='__main__')")
    bad = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert bad.returncode != 0 and "not complete" in bad.stderr
    base["missing_grids_nm"] = []
    (conv / lad.LADDER_FILE).write_text(json.dumps(base))
    ok = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    rec = json.loads((env_dir / "mine-0123456789.json").read_text())
    assert rec["study_file"] == "mine.toml" and "points" not in rec
    assert "figure" not in rec["quantities"][0]
