"""The lasing run kind through the command line: ``hotlase run`` of the example gain slab
(two pump rates, one below and one above its analytic threshold of 1.34e8 /s, on one rank)
writes ``runs/main_lasing.h5``, and ``hotlase analyze`` puts its light-in / light-out into
``summary.json`` (``lasing_time_domain``): the dark point emits nothing, the bright one
lases at the slab's mode. ~ 30 s."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration

HOTLASE = [sys.executable, "-m", "hotlase.jobs.cli"]


def test_run_and_analyze_the_example_slab(tmp_path):
    text = (REPO / "examples" / "lasing_time_domain.toml").read_text()
    text = text.replace("pump_rates_per_s = [9.4e7, 1.21e8, 1.55e8, 1.75e8, 2.0e8, 2.7e8]",
                        "pump_rates_per_s = [1.0e8, 2.0e8]")
    assert "[1.0e8, 2.0e8]" in text
    study = tmp_path / "slab.toml"
    study.write_text(text)
    out = tmp_path / "out"
    run = subprocess.run([*HOTLASE, "run", str(study), "--out", str(out), "--np", "1"],
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (out / "runs" / "main_lasing.h5").exists()
    ana = subprocess.run([*HOTLASE, "analyze", str(out)], capture_output=True, text=True,
                         timeout=300, cwd=REPO)
    assert ana.returncode == 0, ana.stdout[-2000:] + ana.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    entry = summary["lasing_time_domain"]
    dark, bright = entry["output_power"]
    assert bright > 0 and abs(dark) < 1e-6 * bright, entry
    assert entry["lasing_wavelength_nm"][0] == 0 and abs(entry["lasing_wavelength_nm"][1] - 540) < 3
    assert entry["onset"]["status"] == "bracketed only", entry["onset"]  # one lasing point
    assert summary["status"] == "complete" and summary["runs_missing"] == []
