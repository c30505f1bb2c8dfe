"""The Python API (issue 11 item 2): the example script end to end, studies, figures, backend.

test_api_example_runs_and_matches_airy: runs examples/api_example.py unchanged (a 160 nm
CsPbBr3 film on SiO2, 1D cell, 20 nm grid, 450-650 nm, 21 wavelengths, 2 MPI ranks) and
compares its R and T with the Airy formula (postprocess.analytic.stack_rt) evaluated with the
same Drude-Lorentz eps the solver uses at each wavelength (geometry.subbands.served_eps: the
band is split into the CsPbBr3 model windows). Tolerance 0.04 absolute: at 20 nm the Yee grid's
phase error in the film, (k dx)^2 / 24 ~ 1.7 % of n at 450 nm (n ~ 2.4), moves the thin-film
fringes; measured 0.021 in R and 0.016 in T on this machine.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import hotlase
from hotlase.geometry.subbands import served_eps
from hotlase.postprocess.analytic import stack_rt
from tests.conftest import REPO

TOL = 0.04


@pytest.mark.integration
def test_api_example_runs_and_matches_airy(tmp_path):
    out = tmp_path / "ex"
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "api_example.py"), str(out)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "R(520 nm)" in proc.stdout
    for name in ("study.toml", "report.md", "summary.json", "api_spectra.png",
                 "api_structure.png"):
        assert (out / name).is_file(), name
    result = hotlase.analyze(out)
    s = result.spectra["main"]
    study = result.study
    assert study == hotlase.load_study(out / "study.toml")
    eps_film = served_eps(study, "CsPbBr3", s.wavelength_nm)
    eps_sub = served_eps(study, "SiO2", s.wavelength_nm)
    r_ref, t_ref = stack_rt(s.wavelength_nm, [eps_film], [160.0], 1.0, eps_sub)
    assert np.max(np.abs(s.R - r_ref)) < TOL, (s.R, r_ref)
    assert np.max(np.abs(s.T - t_ref)) < TOL, (s.T, t_ref)
    # missing runs follow the study's run kinds (docs/runfile.md, Checks): it asked for a
    # spectrum only, and has no metal, so no twin: nothing is missing
    assert result.summary["runs_missing"] == [] and result.summary["status"] == "complete"


def test_study_is_validated_at_construction_with_toml_defaults(default_dict):
    """hotlase.Study from TOML tables equals load_study of the same tables; bad values and
    replace() are refused with the field path."""
    from hotlase.geometry.study import study_from_dict

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_toml = study_from_dict(default_dict)
        built = hotlase.Study(name=default_dict["study"]["name"],
                              structure=default_dict["structure"],
                              simulation=default_dict.get("simulation", {}),
                              analysis=default_dict.get("analysis", {}),
                              run_kinds=default_dict["study"].get("run_kinds",
                                                                  list(from_toml.run_kinds)))
        assert built == from_toml
        finer = built.replace(simulation={"resolution_nm": 5.0})
    assert finer.simulation.resolution_nm == 5.0
    assert finer.simulation.pump_wavelength_nm == built.simulation.pump_wavelength_nm
    assert finer.structure == built.structure
    with pytest.raises(hotlase.SpecError, match="simulation.resolution_nm"):
        built.replace(simulation={"resolution_nm": 0.0})
    with pytest.raises(hotlase.SpecError, match="study.run_kinds"):
        built.replace(run_kinds=["spectrum", "modez"])
    with pytest.raises(hotlase.SpecError, match="structure.rod.radius_nm"):
        built.replace(structure={"rod": {"radius_nm": -3}})


def test_figures_do_not_switch_backend_and_take_ax():
    """Importing the figure modules leaves matplotlib's backend alone; plot functions draw on
    a given Axes and return its Figure."""
    code = ("import matplotlib; matplotlib.use('svg'); import hotlase.postprocess.figures, "
            "hotlase.geometry.plot, hotlase.jobs.collect, hotlase.api; "
            "print(matplotlib.get_backend())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "svg"
    from matplotlib.figure import Figure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = hotlase.load_study(REPO / "examples" / "default.toml")
    fig = Figure()
    axes = [fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)]
    assert hotlase.plot_structure(study, ax=axes, points=40) is fig
    assert axes[0].get_title().startswith("xz")
