"""The command line end to end: show, bad input, run with 2 MPI ranks, resume (issue 2, 3)."""

from __future__ import annotations

import json
import subprocess
import sys

import h5py
import pytest

from tests.conftest import REPO
from tests.small_study import small_study_toml

pytestmark = pytest.mark.integration

HOTLASE = [sys.executable, "-m", "hotlase.jobs.cli"]
ROOT_ATTRS = ("spec_json", "hotlase_version", "meep_version", "git_commit", "created_utc",
              "mpi_processes", "resolution_nm", "run_kind", "status")


def hotlase(*args, timeout=900):
    return subprocess.run([*HOTLASE, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def test_show_writes_png(tmp_path):
    out = tmp_path / "default.png"
    proc = hotlase("show", REPO / "examples" / "default.toml", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize("edit, field", [
    (("radius_nm = 60", "radius_nm = -5"), "structure.rod.radius_nm = -5"),
    (("radius_nm = 60", "raduis_nm = 60"), "raduis_nm"),
    (('material = "Ag"', 'material = "Agg"'), "structure.metal.material"),
])
def test_bad_input_is_one_clear_line(tmp_path, edit, field):
    text = (REPO / "examples" / "default.toml").read_text().replace(*edit)
    study = tmp_path / "bad.toml"
    study.write_text(text)
    for cmd in (("show", study), ("run", study, "--out", tmp_path / "o")):
        proc = hotlase(*cmd)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        assert len(lines) == 1 and field in lines[0], proc.stderr
    assert not (tmp_path / "o").exists(), "nothing may be written for bad input"


TINY = small_study_toml(("spectrum", "fields"), resolution_nm=25, compare_no_metal=True,
                        extra_simulation="n_wavelengths = 11\npadding_nm = 150\npml_nm = 250")


def test_run_two_ranks_writes_contract_and_resumes(tmp_path):
    study = tmp_path / "tiny.toml"
    study.write_text(TINY)
    out = tmp_path / "run"
    proc = hotlase("run", study, "--out", out, "--np", 2)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    files = sorted(p.name for p in (out / "runs").glob("*.h5"))
    assert files == ["main_fields.h5", "main_spectrum.h5", "no_metal_fields.h5", "no_metal_spectrum.h5"]
    for name in files:
        with h5py.File(out / "runs" / name) as f:
            missing = [a for a in ROOT_ATTRS if a not in f.attrs]
            assert not missing, f"{name} lacks root attributes {missing}"
            assert f.attrs["status"] == "complete" and f.attrs["mpi_processes"] == 2
            spec = json.loads(f.attrs["spec_json"])
            metal = spec["structure"].get("metal", {}).get("material")
            assert (metal == "Ag") == name.startswith("main"), spec["structure"]
            f.visititems(lambda k, v: _check_units(name, k, v))
    assert not list((out / "runs").glob("*.tmp"))
    again = hotlase("run", study, "--out", out, "--np", 1, "--resume")
    assert again.returncode == 0 and again.stdout.count("skipped (--resume)") == 4, again.stdout


def _check_units(name, key, obj):
    if isinstance(obj, h5py.Dataset):
        assert "units" in obj.attrs and "long_name" in obj.attrs, f"{name}:{key} lacks units/long_name"
