"""Stale results are never reused (issue 13 item 0): ``run --resume`` and ``demo`` redo a
complete run file made from a different study, say which file and which field differed,
and the report restates the study the numbers came from.

Setup: a 1D Ag film on glass (5 nm grid, 11 wavelengths, one spectrum run: seconds), run,
then the film thickness edited 30 -> 40 nm and resumed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import h5py
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration

FILM = """
[study]
name = "film"
run_kinds = ["spectrum"]
compare_no_metal = false
[structure]
kind = "film_stack"
layers = [{{material = "Ag", thickness_nm = {t}}}]
[structure.substrate]
material = "SiO2"
[simulation]
resolution_nm = 5
n_wavelengths = 11
padding_nm = 100
pml_nm = 200
"""


def _run(*args):
    proc = subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def _thickness(path):
    with h5py.File(path) as f:
        return json.loads(f.attrs["spec_json"])["structure"]["layers"][0]["thickness_nm"]


def test_resume_redoes_a_run_of_another_study(tmp_path):
    study, out = tmp_path / "film.toml", tmp_path / "out"
    study.write_text(FILM.format(t=30))
    first = _run("run", study, "--out", out)
    head = first.splitlines()[0]
    assert head.startswith("plan: 1 run(s) of 2 Meep pulse(s)") and "1D grid" in head, first[:300]
    run_file = out / "runs" / "main_spectrum.h5"
    assert _thickness(run_file) == 30.0
    study.write_text(FILM.format(t=40))
    again = _run("run", study, "--out", out, "--resume")
    assert "skipped" not in again, again
    line = next(ln for ln in again.splitlines() if "different study" in ln)
    assert str(run_file) in line and "structure.layers[0].thickness_nm: 30.0 -> 40.0" in line, line
    assert _thickness(run_file) == 40.0
    assert _thickness(out / "runs" / "main_spectrum.h5.stale") == 30.0
    same = _run("run", study, "--out", out, "--resume")
    assert "complete, skipped (--resume)" in same and "different study" not in same, same


def test_demo_reruns_after_the_study_is_edited_and_reports_it(tmp_path):
    """``make demo`` resumes into one folder: an edited study must not give the old report."""
    from hotlase.jobs.demo import run_demo

    study, out = tmp_path / "film.toml", tmp_path / "demo"
    study.write_text(FILM.format(t=30))
    assert run_demo(out, np=1, study=study) == 0
    study.write_text(FILM.format(t=40))
    assert run_demo(out, np=1, study=study) == 0
    assert _thickness(out / "runs" / "main_spectrum.h5") == 40.0
    report = (out / "report.md").read_text()
    assert "| structure.layers[0].thickness_nm | 40 |" in report, report[:3000]
