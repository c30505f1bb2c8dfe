"""Sweep states from run files and their checks, and state files that cannot be read (issue 15
items 5 and 6).

Setup: sweep directories of synthetic points (tests/unit/synthetic_runs.py, spectrum runs only,
sealed like the writer seals them) with a study.toml, altered as a killed run, a full disk or
an edited index would leave them. Expected: a point is complete only when every run its study
asks for passes the checks and its summary.json is valid; unreadable state files give one
line naming them and exit 2; status/collect exit non-zero when something is missing.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import synthetic_runs as syn
from hotlase.geometry.study import study_hash, study_to_dict
from hotlase.geometry.twin import without_metal
from hotlase.jobs.cli import main
from hotlase.jobs.state import point_files, resolve_stale_failed, write_json_atomic
from hotlase.jobs.toml_writer import dumps
from test_run_file_checks import seal_file


def _study():
    d = syn.study_dict()
    d["study"]["run_kinds"] = ["spectrum"]
    return syn.study_of(d)


def make_point(root: Path, variants=("main", "no_metal"), summary=True) -> Path:
    study = _study()
    d = root / "points" / study_hash(study)
    d.mkdir(parents=True)
    (d / "study.toml").write_text(dumps(study_to_dict(study)))
    for v in variants:
        s = study if v == "main" else without_metal(study)
        p = syn.write_run(d / "runs" / f"{v}_spectrum.h5", s, "spectrum", v)
        assert seal_file(p)["status"] == "complete"
    if summary:
        time.sleep(0.01)
        write_json_atomic(d / "summary.json", {"qe_pi_heg": 0.1, "inputs": {}})
    write_json_atomic(root / "sweep.json", {"name": "t", "parameters": ["structure.rod.radius_nm"],
                                            "order": [d.name], "points": {d.name: {
                                                "structure.rod.radius_nm": 40.0}}})
    return d


def test_complete_point_is_complete(tmp_path, capsys):
    d = make_point(tmp_path)
    assert point_files(d).complete, point_files(d).problem
    assert main(["status", str(tmp_path)]) == 0
    assert main(["collect", str(tmp_path)]) == 0


def test_partly_finished_point_with_a_summary_is_not_complete(tmp_path, capsys):
    d = make_point(tmp_path, variants=("main",))
    files = point_files(d)
    assert not files.complete and "runs missing: no_metal_spectrum" in files.problem
    assert main(["status", str(tmp_path)]) == 1
    assert main(["collect", str(tmp_path)]) == 1
    assert "runs missing: no_metal_spectrum" in capsys.readouterr().out


@pytest.mark.parametrize("content", [b"", b"{\"qe_pi_heg\": 0.1", b"[1, 2]"],
                         ids=["0-byte", "truncated", "not-an-object"])
def test_invalid_summary_is_not_complete_and_collect_names_it(tmp_path, capsys, content):
    d = make_point(tmp_path)
    (d / "summary.json").write_bytes(content)
    assert not point_files(d).complete
    rc = main(["collect", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 1 and f"left out {d}" in out and "summary.json" in out, out


def test_stale_failed_file_is_set_aside_and_a_newer_one_fails_the_point(tmp_path):
    d = make_point(tmp_path)
    failed = d / "runs" / "main_spectrum.failed.h5"
    syn.write_run(failed, _study(), "spectrum", "main", status="failed", message="interrupted")
    good = d / "runs" / "main_spectrum.h5"
    old = good.stat().st_mtime_ns
    os.utime(failed, ns=(old - 10**9, old - 10**9))  # older than the complete file: stale
    assert point_files(d).complete, point_files(d).problem
    assert resolve_stale_failed(d / "runs") == [failed.with_name(failed.name + ".stale")]
    assert not failed.exists()
    syn.write_run(failed, _study(), "spectrum", "main", status="failed", message="interrupted")
    os.utime(failed, ns=(old + 10**9, old + 10**9))  # newer: the last attempt failed
    files = point_files(d)
    assert not files.complete and "main_spectrum.failed.h5" in files.problem


@pytest.mark.parametrize("name", ["sweep.json", "jobs.json", "local.json"])
@pytest.mark.parametrize("content", [b"", b"{not json", b"\xff\xfe\x00"], ids=["empty", "bad", "binary"])
def test_corrupted_state_file_is_one_line_exit_2(tmp_path, capsys, name, content):
    make_point(tmp_path)
    (tmp_path / name).write_bytes(content)
    for cmd in ("status", "collect"):
        if name != "sweep.json" and cmd == "collect":
            continue  # collect reads sweep.json only
        rc = main([cmd, str(tmp_path)])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1 and name in err[0], (cmd, err)


def test_status_and_collect_of_a_missing_directory_exit_2(tmp_path, capsys):
    for cmd in ("status", "collect", "analyze"):
        assert main([cmd, str(tmp_path / "nowhere")]) == 2, cmd
        assert "nowhere" in capsys.readouterr().err
