"""``hotlase converge`` end to end: a three-grid ladder of a tiny study through the CLI.

Setup: the default rods on Ag (tests/small_study.py), spectrum only, no twin, 11
wavelengths, thin padding and PML, fields decayed by 1e-3 (60 fs cap), grids 25, 20 and
16 nm with 2 MPI ranks (about a minute on an idle 2-core machine). Checks: the files and the
table exist; every R, T, A is a fraction in [-0.05, 1.05] on every grid, with a status from
the method's list and, where an extrapolated value is given, an error bar that covers it
(what the GCI guarantees by construction); the per-wavelength band estimate covers all 11
wavelengths and its largest bar is at least the pump line's; each point's report carries the error-bar
section; ``hotlase analyze`` of the ladder directory prints the table and, of a run without
a ladder, says plainly that its numbers carry no error bar. Bad --resolutions is one line.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hotlase.postprocess.convergence import STATUSES
from tests.conftest import REPO
from tests.small_study import small_study_toml

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HOTLASE = [sys.executable, "-m", "hotlase.jobs.cli"]
TINY = small_study_toml(("spectrum",), resolution_nm=20, extra_simulation=(
    "n_wavelengths = 11\npadding_nm = 150\npml_nm = 250\ndecay_by = 1e-3\nmax_time_fs = 400"))  # stops on decay: time-capped runs are suspect


def hotlase(*args, timeout=900):
    return subprocess.run([*HOTLASE, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def test_converge_ladder_end_to_end(tmp_path):
    study = tmp_path / "tiny.toml"
    study.write_text(TINY)
    out = tmp_path / "ladder"
    proc = hotlase("converge", study, "--resolutions", "25,20,16", "--np", 2, "--out", out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| R at pump (main) |" in proc.stdout
    data = json.loads((out / "convergence.json").read_text())
    assert data["grids_nm"] == [16.0, 20.0, 25.0]
    rows = {r["name"]: r for r in data["quantities"]}
    for line in ("pump", "emission"):
        for q in ("R", "T", "A", "A_Ag", "A_CsPbBr3"):
            r = rows[f"main.{line}.{q}"]
            assert len(r["values"]) == 3 and r["status"] in STATUSES, r
            assert all(-0.05 <= v <= 1.05 for v in r["values"]), r
            assert r["error"] is not None and r["error"] >= 0, r
            if r["extrapolated"] is not None:
                assert abs(r["extrapolated"] - r["finest"]) <= r["error"] + 1e-12, r
            assert (out / r["figure"]).stat().st_size > 5000
    assert (out / "convergence.md").read_text().count("| A in Ag at pump (main) |") == 1
    band = data["spectra"]["main"]
    assert len(band["wavelength_nm"]) == 11 and set(band["curves"]) >= {"R", "T", "A", "A_Ag"}
    r_band = band["curves"]["R"]
    assert len(r_band["error"]) == 11 and r_band["max_error"] >= rows["main.pump.R"]["error"] - 1e-9
    assert (out / band["figure"]).stat().st_size > 20000
    for rel in data["points"].values():
        report = (out / rel / "report.md").read_text()
        assert "## Grid convergence" in report and "Error bars from the grid ladder" in report
        summary = json.loads((out / rel / "summary.json").read_text())
        assert summary["grid_convergence"]["quantities"]["main.pump.R"]["error"] is not None
    again = hotlase("analyze", out)
    assert again.returncode == 0 and "| R at pump (main) |" in again.stdout, again.stderr
    # a run directory outside any ladder
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "runs").mkdir()
    point = out / data["points"]["25"]
    (lone / "runs" / "main_spectrum.h5").symlink_to(point / "runs" / "main_spectrum.h5")
    proc = hotlase("analyze", lone)
    assert proc.returncode == 0, proc.stderr
    assert "no grid-convergence ladder: numbers carry no error bar" in proc.stdout
    assert "no grid-convergence ladder" in (lone / "report.md").read_text()


@pytest.mark.parametrize("value", ["20", "20,abc", "20,20", "20,-5"])
def test_bad_resolutions_is_one_line(tmp_path, value):
    study = tmp_path / "tiny.toml"
    study.write_text(TINY)
    proc = hotlase("converge", study, "--resolutions", value, "--out", tmp_path / "o")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "--resolutions" in lines[0], proc.stderr
    assert not (tmp_path / "o").exists()
