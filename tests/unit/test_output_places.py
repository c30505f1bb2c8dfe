"""Outputs go where the user asked, never into the repository, with the user's umask (issue 14)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from hotlase.jobs.cli import main
from hotlase.jobs.state import write_json_atomic

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "default.toml"


def test_show_without_out_writes_under_cwd_runs_not_beside_the_study(tmp_path, monkeypatch, capsys):
    studies, work = tmp_path / "studies", tmp_path / "work"
    studies.mkdir(), work.mkdir()
    study = studies / "default.toml"
    shutil.copy(EXAMPLE, study)
    monkeypatch.chdir(work)
    assert main(["show", str(study)]) == 0
    assert (work / "runs" / "show" / "default.png").is_file()
    assert list(studies.iterdir()) == [study]  # nothing beside the study
    assert "runs/show/default.png (--out PATH to choose)" in capsys.readouterr().out


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_sweep_index_files_follow_the_umask(tmp_path, mask, mode):
    """write_text_atomic goes through mkstemp (always 0600): the file ends as 0666 & ~umask."""
    old = os.umask(mask)
    try:
        write_json_atomic(tmp_path / "sweep.json", {"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "sweep.json").stat().st_mode) == mode
