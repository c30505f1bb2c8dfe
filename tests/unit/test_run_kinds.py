"""The run-kind registry (geometry.runkinds): studies a solver would refuse are refused at
load time, before any MPI start, with the field and the reason; --kinds accepts only
registered kinds (exit 2 on a typo); every kind's solver entry and analysis step exist. No
meep is imported (the CLI refuses before launching mpirun; < 5 s)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from hotlase.geometry.runkinds import SOURCES, run_kind_names, run_kinds
from hotlase.geometry.study import study_from_dict
from hotlase.geometry.validate import SpecError
from hotlase.jobs.cli import parser
from hotlase.jobs.toml_writer import dumps
from tests.conftest import REPO

FILM = {"study": {"name": "film", "compare_no_metal": False},
        "structure": {"kind": "film_stack", "layers": [{"material": "Ag", "thickness_nm": 40}]},
        "simulation": {"resolution_nm": 10}}


@pytest.mark.parametrize("kind, reason", [("modes", "modes need rods or a wire"),
                                          ("emitter", "emitter need a rod or wire")])
def test_film_stack_refuses_dipole_runs_at_load(kind, reason):
    data = {**FILM, "study": {**FILM["study"], "run_kinds": ["spectrum", kind]}}
    with pytest.raises(SpecError, match=rf"^study.run_kinds = .*{reason}.*'film_stack'"):
        study_from_dict(data)
    data["study"]["run_kinds"] = ["spectrum", "fields"]
    assert study_from_dict(data).run_kinds == ("spectrum", "fields")


def test_cli_refuses_before_mpi(tmp_path):
    study = tmp_path / "film.toml"
    study.write_text(dumps({**FILM, "study": {**FILM["study"], "run_kinds": ["modes"]}}))
    proc = subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", "run", str(study), "--out",
                           str(tmp_path / "out"), "--np", "2"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "study.run_kinds" in proc.stderr and "planar stack" in proc.stderr
    assert not (tmp_path / "out" / "runs").exists()


def test_kinds_flag_accepts_only_registered_and_asked_kinds(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["run", "s.toml", "--out", "o", "--kinds", "spectrumm"])
    assert exit_.value.code == 2
    assert "invalid choice: 'spectrumm'" in capsys.readouterr().err
    args = parser().parse_args(["run", "s.toml", "--out", "o", "--kinds", *run_kind_names()])
    assert args.kinds == list(run_kind_names())
    study = tmp_path / "film.toml"
    study.write_text(dumps({**FILM, "study": {**FILM["study"], "run_kinds": ["spectrum"]}}))
    proc = subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", "run", str(study), "--out",
                           str(tmp_path / "out"), "--kinds", "fields"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "--kinds = 'fields'" in proc.stderr, proc.stderr


def test_resume_help_says_what_it_does():
    sub = next(a for a in parser()._actions if a.dest == "command").choices["run"]
    resume = next(a for a in sub._actions if a.dest == "resume")
    assert "complete" in resume.help and "redo" in resume.help


@pytest.mark.parametrize("name", run_kind_names())
def test_solver_entry_and_analysis_step_exist(name):
    from hotlase.postprocess import report

    kind = run_kinds()[name]
    module, _, function = kind.solver.partition(":")
    assert module.startswith("hotlase.solvers.")
    source = (REPO / "solvers" / (module.rsplit(".", 1)[1] + ".py")).read_text()
    assert re.search(rf"^def {function}\(", source, re.M), kind.solver
    assert callable(getattr(report, kind.analysis))
    assert kind.groups and kind.source in SOURCES
