"""``hotlase converge`` without running Meep: the ladder as a sweep, dry runs, bad options.

Setup: the default study; ``--dry-run`` writes the ladder's points (and, with Slurm, the
job-array script) and runs nothing. References: the requested grids must be exactly the
points' simulation.resolution_nm, everything else equal to the study (same ladder_key).
"""

from __future__ import annotations

import json
import tomllib
import warnings

import pytest

from hotlase.geometry.study import load_study, study_from_dict
from hotlase.jobs.cli import main
from hotlase.jobs.converge import parse_resolutions
from hotlase.postprocess.ladder import ladder_key


def test_dry_run_local_writes_the_ladder_points(tmp_path, default_study_path, capsys):
    out = tmp_path / "ladder"
    rc = main(["converge", str(default_study_path), "--resolutions", "20, 15,10", "--out",
               str(out), "--dry-run"])
    assert rc == 0
    index = json.loads((out / "sweep.json").read_text())
    assert index["parameters"] == ["simulation.resolution_nm"]
    grids = sorted(v["simulation.resolution_nm"] for v in index["points"].values())
    assert grids == [10, 15, 20]
    key = ladder_key(load_study(default_study_path))
    for h in index["order"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 15 and 20 nm are coarse for the skin depth
            study = study_from_dict(tomllib.loads((out / "points" / h / "study.toml").read_text()))
        assert ladder_key(study) == key
    assert not (out / "convergence.json").exists()
    assert "would run" in capsys.readouterr().out


def test_dry_run_slurm_writes_the_array(tmp_path, default_study_path):
    out = tmp_path / "ladder"
    rc = main(["converge", str(default_study_path), "--resolutions", "20,15", "--out", str(out),
               "--scheduler", "slurm", "--np", "2", "--dry-run", "--time", "02:00:00"])
    assert rc == 0
    scripts = list((out / "slurm").glob("*.sbatch"))
    assert len(scripts) == 1
    text = scripts[0].read_text()
    assert "--array=0-1" in text and "--ntasks=2" in text and "--time=02:00:00" in text


@pytest.mark.parametrize("args, field", [
    (["--resolutions", "20"], "--resolutions"),
    (["--resolutions", "20,x"], "--resolutions"),
    (["--resolutions", "60,20"], "--resolutions[0] = 60"),  # allowed: 0.5-50 nm
    (["--tolerance", "0"], "--tolerance"),
    (["--rel-tolerance", "-1"], "--rel-tolerance"),
    (["--match-nm", "0"], "--match-nm"),
])
def test_bad_options_are_one_line(tmp_path, default_study_path, capsys, args, field):
    out = tmp_path / "o"
    rc = main(["converge", str(default_study_path), "--out", str(out), "--dry-run", *args])
    err = capsys.readouterr().err
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and field in lines[0], err
    assert not out.exists(), "nothing may be written for bad input"


def test_default_ladder_is_study_grid_times_factors():
    assert parse_resolutions(None, 10.0) == [20.0, 15.0, 10.0]
    assert parse_resolutions("10,20", 5) == [10.0, 20.0]

