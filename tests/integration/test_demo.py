"""`hotlase demo` end to end at a tiny grid: run (metal + twin, 2 ranks), analyse, summary.json.

Checks the summary contract of issue 4: keys present, metal and no-metal values, every
quantum efficiency within [0, 1], hot-electron rates zero without metal, the ordering
upper bound >= surface rate >= injected rate, and the comparison table printed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEYS = ("modes", "absorbed_fraction", "hot_electron_rate_upper_s", "hot_electron_rate_surface_s",
        "qe_heg", "qe_het", "qe_pi_heg", "qe_pi_heg_biased", "purcell_factor", "no_metal",
        "enhancement", "inputs")


def test_demo_tiny_grid(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", "demo", "--out", str(out), "--np", "2",
                           "--resolution-nm", "25"], capture_output=True, text=True, timeout=1500, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "metal/no-metal" in proc.stdout and "report:" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    missing = [k for k in KEYS if k not in summary]
    assert not missing, f"summary.json lacks {missing}"
    assert summary["modes"] and all(m["wavelength_nm"] > 0 and m["Q"] > 0 for m in summary["modes"])
    for key in ("qe_heg", "qe_het", "qe_pi_heg"):
        assert 0.0 <= summary[key] <= 1.0, (key, summary[key])
    # only the metal/perovskite contact injects by default: QE_PI-HEG <= QE_HEG x QE_HET
    assert summary["injection_surface"] == "contact"
    assert summary["qe_pi_heg"] <= summary["qe_heg"] * summary["qe_het"] * (1 + 1e-9)
    assert math.isclose(summary["hot_electron_rate_injected_s"],
                        summary["hot_electron_rate_surface_contact_s"] * summary["qe_het"], rel_tol=1e-9)
    upper, surface = summary["hot_electron_rate_upper_s"], summary["hot_electron_rate_surface_s"]
    assert upper > 0 and 0 < surface <= upper, (upper, surface)
    assert summary["inputs"]["pump_wavelength_nm"] == 405.0
    assert summary["no_metal"].get("hot_electron_rate_upper_s", 0.0) == 0.0
    assert summary["purcell_factor"] > 0 and summary["no_metal"]["purcell_factor"] > 0
    assert summary["enhancement"], "no metal/no-metal ratios"
    assert (out / "report.md").stat().st_size > 1000
