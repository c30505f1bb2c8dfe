"""No silent answers from bad run files (issue 13 item 4, issue 15 items 3 and 5).

Setup: synthetic run files (tests/unit/synthetic_runs.py, the docs/runfile.md contract) sealed
the way the writer seals a finished run (``solvers.output.seal``: physical checks, SHA-256
of the datasets), then altered as a hostile user would. Each alteration must be refused by
``hotlase analyze`` naming the file and the reason, with a non-zero exit code. Physical limits
under test: R, T, A_by_material within [0, 1] up to ``runchecks.RANGE_TOL`` = 0.05, energy
balance within ``runchecks.BALANCE_SUSPECT`` = 0.1, no stop by the time cap.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import synthetic_runs as syn
from hotlase.geometry.twin import without_metal
from hotlase.jobs.cli import EXIT_INCOMPLETE, EXIT_SUSPECT, main
from hotlase.postprocess import runchecks
from hotlase.postprocess.runchecks import BALANCE_SUSPECT, RANGE_TOL, check_file, check_files
from hotlase.postprocess.runfile import load_directory
from hotlase.solvers.output import RunWriter, seal

KINDS = ("spectrum", "modes", "fields", "emitter")


def seal_file(path: Path) -> dict:
    """What RunWriter.finish("complete") adds: status from the checks, and the checksum."""
    with h5py.File(path, "r+") as f:
        out = seal(f)
        for k, v in out.items():
            f.attrs[k] = v
    return out


def sealed_dir(root: Path, kinds=KINDS, study=None) -> Path:
    out = syn.make_run_dir(root, kinds=kinds, study=study)
    for p in sorted((out / "runs").glob("*.h5")):
        assert seal_file(p)["status"] == "complete", p
    return out


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return sealed_dir(tmp_path_factory.mktemp("pristine"))


def copy_dir(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def analyze_cli(d: Path, capsys) -> tuple[int, str]:
    rc = main(["analyze", str(d)])
    return rc, capsys.readouterr().out


def test_pristine_directory_is_complete_exit_0(pristine, tmp_path, capsys):
    d = copy_dir(pristine, tmp_path / "d")
    rc, out = analyze_cli(d, capsys)
    summary = json.loads((d / "summary.json").read_text())
    assert rc == 0 and summary["status"] == "complete", out[-2000:]
    assert "STATUS: complete" in (d / "report.md").read_text().splitlines()[2]


def _set(name, fn):
    def alter(f):
        ds = f[name]
        new = fn(ds[()])
        del f[name]
        f.create_dataset(name, data=new)
    return alter


def _attr(key, value):
    def alter(f):
        f.attrs[key] = value
    return alter


ALTERATIONS = {  # file, alteration, words the refusal must contain
    "R all NaN": ("main_spectrum.h5", _set("spectrum/R", lambda r: np.full_like(r, np.nan)),
                  "spectrum/R holds"),
    "R wrong length": ("main_spectrum.h5", _set("spectrum/R", lambda r: r[:-3]), "wavelengths but"),
    "R above 1": ("main_spectrum.h5", _set("spectrum/R", lambda r: r + 0.5), "outside [0, 1]"),
    "R changed in range": ("main_spectrum.h5", _set("spectrum/R", lambda r: r * 0.99),
                           "fail the checksum"),
    "NaN in pump map": ("main_fields.h5",
                        _set("fields/pump/E", lambda e: np.where(np.arange(e.size).reshape(e.shape) == 7,
                                                                   np.nan, e)),
                        "fields/pump/E holds 1 NaN"),
    "Q NaN in modes": ("no_metal_modes.h5", _set("modes/Q", lambda q: q * np.nan), "modes/Q holds"),
    "swapped run_kind": ("main_modes.h5", _attr("run_kind", "emitter"), "not its file name"),
    "swapped variant": ("main_emitter.h5", _attr("variant", "no_metal"), "not its file name"),
    "swapped resolution": ("main_modes.h5", _attr("resolution_nm", 10.0), "resolution_nm = 10"),
}


@pytest.mark.parametrize("case", list(ALTERATIONS))
def test_altered_file_is_refused_by_name_and_reason(pristine, tmp_path, capsys, case):
    """Through ``load_directory``, the gate of ``analyze`` (the CLI path is tested below)."""
    name, alter, words = ALTERATIONS[case]
    d = copy_dir(pristine, tmp_path / "d")
    with h5py.File(d / "runs" / name, "r+") as f:
        alter(f)
    loaded = load_directory(d)
    assert loaded.state == "incomplete" and list(loaded.refused) == [name], loaded.refused
    assert words in loaded.refused[name], loaded.refused


def test_another_study_in_place_of_the_twin_is_refused(pristine, tmp_path, capsys):
    d = copy_dir(pristine, tmp_path / "d")
    other = syn.study_of({**syn.study_dict(), "structure": {
        **syn.study_dict()["structure"], "rod": {"material": "CsPbBr3", "radius_nm": 55.0,
                                                 "height_nm": 100.0}}})
    syn.write_run(d / "runs" / "no_metal_spectrum.h5", without_metal(other), "spectrum", "no_metal")
    seal_file(d / "runs" / "no_metal_spectrum.h5")
    rc, out = analyze_cli(d, capsys)
    assert rc == EXIT_INCOMPLETE
    assert any("no_metal_spectrum.h5" in line and "not the no-metal twin" in line
               for line in out.splitlines()), out[-1500:]


def test_a_main_run_of_another_study_is_refused(pristine, tmp_path, capsys):
    d = copy_dir(pristine, tmp_path / "d")
    other = syn.study_of({**syn.study_dict(), "simulation": {
        **syn.study_dict()["simulation"], "pump_intensity_w_m2": 1e8}})
    syn.write_run(d / "runs" / "main_spectrum.h5", other, "spectrum", "main")
    seal_file(d / "runs" / "main_spectrum.h5")
    rc, out = analyze_cli(d, capsys)
    assert rc == EXIT_INCOMPLETE
    assert any("main_spectrum.h5" in line and "differs from the main study" in line
               for line in out.splitlines()), out[-1500:]


# -- the writer: complete only when the results pass the physical checks -----------------------
def _spectrum_writer(tmp_path, r, t, a, **facts):
    study = syn.make_study()
    w = RunWriter(tmp_path / "runs" / "main_spectrum.h5", study, "spectrum", "main")
    wl = np.linspace(400, 700, len(r))
    w.dataset("spectrum/wavelength_nm", wl, "nm", "wavelength")
    w.dataset("spectrum/R", r, "1", "R")
    w.dataset("spectrum/T", t, "1", "T")
    w.dataset("spectrum/A", 1 - np.asarray(r) - np.asarray(t), "1", "A")
    w.dataset("spectrum/A_by_material/Ag", a, "1", "A Ag")
    path = w.finish("complete", **facts)
    return check_file(path), path


n = 11
CASES = {  # issue 15 item 3, at the writer: (R, T, A, facts) -> status, words
    "padding 0.001 nm: R -4..-7, balance 19.3": (
        np.linspace(-4.4, -7.5, n), np.zeros(n), np.full(n, 0.2), {}, "suspect", "outside [0, 1]"),
    "hostile materials: balance 0.215": (
        np.full(n, 0.5), np.full(n, 0.2), np.full(n, 0.515), {}, "suspect", "energy balance"),
    "max_time_fs 1e-9: R NaN": (
        np.full(n, np.nan), np.zeros(n), np.zeros(n), {}, "failed", "NaN"),
    "stopped by the time cap": (
        np.full(n, 0.5), np.full(n, 0.2), np.full(n, 0.3),
        {"stop_reason": "time cap", "decay_ratio": 3e-3}, "suspect", "time cap"),
    "time cap after the fields decayed below CAP_DECAY_OK": (
        np.full(n, 0.5), np.full(n, 0.2), np.full(n, 0.3),
        {"stop_reason": "time cap", "decay_ratio": 1e-6}, "complete", ""),
}


@pytest.mark.parametrize("case", list(CASES))
def test_writer_marks_impossible_results_not_complete(tmp_path, case):
    r, t, a, facts, status, words = CASES[case]
    fc, path = _spectrum_writer(tmp_path, r, t, a, **facts)
    with h5py.File(path) as f:
        assert f.attrs["status"] == status and words in f.attrs["message"], dict(f.attrs)
        assert len(f.attrs["checksum_sha256"]) == 64


def test_writer_keeps_a_physical_run_complete_within_the_stated_tolerances(tmp_path):
    r = np.full(n, 1 + RANGE_TOL / 2)  # a coarse grid may overshoot by a little
    a = np.full(n, BALANCE_SUSPECT / 2 - RANGE_TOL / 2)  # balance error BALANCE_SUSPECT / 2
    fc, path = _spectrum_writer(tmp_path, r, np.zeros(n), a)
    assert fc.status == "complete" and fc.usable and fc.checksum == "verified", fc


def test_suspect_run_heads_the_report_and_exits_3(pristine, tmp_path, capsys):
    d = copy_dir(pristine, tmp_path / "d")
    with h5py.File(d / "runs" / "main_spectrum.h5", "r+") as f:
        f.attrs["status"] = "suspect"
        f.attrs["message"] = "energy balance max |R + T + sum A - 1| = 0.215 > 0.1"
    rc, out = analyze_cli(d, capsys)
    head = (d / "report.md").read_text().splitlines()[2:4]
    assert rc == EXIT_SUSPECT, out[-1500:]
    assert "SUSPECT" in head[0] and "main_spectrum.h5" in head[1] and "0.215" in head[1], head


# -- corrupted files: one line each, never a crash ---------------------------------------------
def test_flipped_bytes_anywhere_never_crash_the_reader(pristine, tmp_path, monkeypatch):
    """20 flipped bytes at 24 offsets spread over a spectrum file: every copy is either
    usable or refused with a reason (crashes and hangs are caught and named; one copy sent
    HDF5 into an endless loop, so the hang limit is lowered to 5 s here)."""
    monkeypatch.setattr(runchecks, "HANG_S", 5.0)
    data = (pristine / "runs" / "main_spectrum.h5").read_bytes()
    paths = []
    for i, off in enumerate(np.linspace(0, len(data) - 20, 24).astype(int)):
        b = bytearray(data)
        for j in range(20):
            b[off + j] ^= 0xFF
        p = tmp_path / f"c{i}" / "runs" / "main_spectrum.h5"
        p.parent.mkdir(parents=True)
        p.write_bytes(bytes(b))
        paths.append(p)
    checks = check_files(paths)
    assert set(checks) == set(paths)
    refused = [c for c in checks.values() if c.problem]
    print(f"{len(refused)} of {len(paths)} corrupted copies refused: "
          + "; ".join(sorted({c.problem.split('(')[0][:50] for c in refused})))
    assert len(refused) >= len(paths) // 2  # most flips hit something


def test_a_file_that_crashes_the_reader_is_named_and_the_rest_still_checked(pristine, tmp_path,
                                                                           monkeypatch):
    """A child that dies by SIGSEGV on one file (as h5py did on a corrupted attribute heap)."""
    crasher = tmp_path / "crash.py"
    crasher.write_text(
        "import os, signal, sys\n"
        "from hotlase.postprocess import runchecks\n"
        "for p in sys.argv[3:]:\n"
        "    if 'boom' in p: os.kill(os.getpid(), signal.SIGSEGV)\n"
        "    runchecks.main([p])\n")
    real, popen = sys.executable, subprocess.Popen
    monkeypatch.setattr(runchecks.subprocess, "Popen", lambda cmd, **kw: popen(
        [real, str(crasher), *cmd[1:]], **kw))
    good = pristine / "runs" / "main_spectrum.h5"
    boom = tmp_path / "boom" / "main_spectrum.h5"
    boom.parent.mkdir()
    boom.write_bytes(good.read_bytes())
    checks = check_files([good, boom, pristine / "runs" / "main_modes.h5"], deep=False)
    assert "crashed the HDF5 library (signal 11)" in checks[boom].problem
    assert checks[good].usable and checks[pristine / "runs" / "main_modes.h5"].usable


def test_corrupted_file_in_analyze_is_one_line_no_traceback(pristine, tmp_path):
    d = copy_dir(pristine, tmp_path / "d")
    p = d / "runs" / "main_emitter.h5"
    b = bytearray(p.read_bytes())
    rng = random.Random(3)
    for off in rng.sample(range(len(b)), 20):
        b[off] ^= 0xFF
    p.write_bytes(bytes(b))
    proc = subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", "analyze", str(d)],
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if "main_emitter.h5" in line
             and line.startswith("- refused")]
    assert proc.returncode == EXIT_INCOMPLETE and len(lines) == 1, proc.stdout[-1500:]


# -- interrupted or empty directories ----------------------------------------------------------
def test_interrupted_run_names_the_missing_runs_on_stdout(pristine, tmp_path, capsys):
    d = copy_dir(pristine, tmp_path / "d")
    (d / "runs" / "no_metal_fields.h5").rename(d / "runs" / "no_metal_fields.h5.tmp")
    (d / "runs" / "no_metal_emitter.h5").unlink()
    rc, out = analyze_cli(d, capsys)
    assert rc == EXIT_INCOMPLETE
    assert "- missing runs: no_metal_fields, no_metal_emitter" in out, out[-1500:]


def test_no_readable_run_exits_non_zero(tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "main_spectrum.h5").write_bytes(b"\0" * 100)
    rc, out = analyze_cli(tmp_path, capsys)
    assert rc == EXIT_INCOMPLETE and "main_spectrum.h5: not a readable HDF5" in out
