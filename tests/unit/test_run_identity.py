"""A run's identity depends only on the study tables that shape that run (issue 12).

Setup: the default study and copies that change one table. Reference: the run-kind registry
(``geometry.runkinds``): passive kinds read [structure], [simulation] and [materials]; the
``lasing`` kind also [gain] and [lasing]; [analysis] and [gain] feed only the analysis.
Tolerance: exact (hashes and difference lists compare equal or not).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import h5py
import pytest

from hotlase.geometry.runkinds import PASSIVE_TABLES, run_kinds, run_tables, shared_tables
from hotlase.geometry.study import (PHYSICS_TABLES, physics_hash, run_identity, spec_differences,
                                    study_from_dict, study_json)
from hotlase.solvers import runcache
from tests.unit import synthetic_runs as syn

PASSIVE = ("spectrum", "modes", "fields", "emitter")


def _study(default_dict, **tables):
    data = dict(default_dict)
    for key, value in tables.items():
        data[key] = {**data.get(key, {}), **value}
    return study_from_dict(data)


def test_the_registry_names_each_kinds_tables():
    """Every kind reads the passive tables; only ``lasing`` adds [gain] and [lasing]; every
    table named is a study table, and the tables shared by all kinds are the passive ones."""
    for name, kind in run_kinds().items():
        assert set(PASSIVE_TABLES) <= set(kind.tables) <= set(PHYSICS_TABLES), name
    assert all(run_tables(k) == PASSIVE_TABLES for k in PASSIVE)
    assert set(run_tables("lasing")) == {*PASSIVE_TABLES, "gain", "lasing"}
    assert shared_tables() == PASSIVE_TABLES
    assert "gain" not in PASSIVE_TABLES and "analysis" not in PASSIVE_TABLES


def test_gain_and_analysis_change_only_the_lasing_identity(default_dict):
    base = _study(default_dict)
    gain = _study(default_dict, gain={"qd_diameter_nm": 8.0})
    bias = _study(default_dict, analysis={"bias_field_v_m": [0.0, 3e7]})
    for kind in PASSIVE:
        assert run_identity(gain, kind) == run_identity(base, kind), kind
        assert run_identity(bias, kind) == run_identity(base, kind), kind
        assert spec_differences(study_json(gain, resolved=True), base, kind=kind) == []
    assert run_identity(gain, "lasing") != run_identity(base, "lasing")
    assert spec_differences(study_json(gain, resolved=True), base, kind="lasing") == [
        "gain.qd_diameter_nm: 8.0 -> 20.0"]
    # the whole study (no kind) still sees both: the report's study table and old callers
    assert physics_hash(gain) != physics_hash(base) and physics_hash(bias) != physics_hash(base)


def test_a_structure_or_grid_change_changes_every_identity(default_dict):
    base = _study(default_dict)
    wider = _study(default_dict, structure={"rod": {**default_dict["structure"]["rod"],
                                                   "radius_nm": 50.0}})
    coarser = _study(default_dict, simulation={"resolution_nm": 20.0})
    for kind in (*PASSIVE, "lasing"):
        assert run_identity(wider, kind) != run_identity(base, kind), kind
        assert run_identity(coarser, kind) != run_identity(base, kind), kind
    assert spec_differences(study_json(wider, resolved=True), base, kind="spectrum") == [
        "structure.rod.radius_nm: 50.0 -> 60.0"]


def test_the_runs_made_together_are_part_of_the_identity(default_dict):
    """Modes made from the emitter's pulses differ from modes made alone, and the field
    targets come from the modes run: the kinds made in the same command key the run too."""
    base = _study(default_dict)
    assert (run_identity(base, "modes", ("modes",))
            != run_identity(base, "modes", ("emitter", "modes")))
    assert (run_identity(base, "modes", ("emitter", "modes"))
            == run_identity(base, "modes", ("modes", "emitter")))


def test_an_old_run_file_keeps_its_identity(default_dict):
    """A run stored before [gain] existed (no "gain" in spec_json) matches the default study
    for every kind (the lasing kind reads the default gain table then)."""
    base = _study(default_dict)
    old = json.loads(study_json(base, resolved=True))
    del old["gain"]
    for kind in (*PASSIVE, "lasing"):
        assert spec_differences(json.dumps(old), base, kind=kind) == [], kind


# -- the cache of complete run files ---------------------------------------------------------
def _fake_run(path: Path, status: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["status"] = status
    return path


def test_the_cache_shares_only_complete_runs(tmp_path):
    """A complete run is stored and linked into another point; a failed, suspect or still
    written (``.h5.tmp``) run never is; a half-made link (``.part``) is never an entry."""
    cache = tmp_path / "cache"
    done = _fake_run(tmp_path / "a" / "runs" / "main_spectrum.h5", "complete")
    assert runcache.store(done, cache, "main", "spectrum", "k1")
    dest = tmp_path / "b" / "runs" / "main_spectrum.h5"
    assert runcache.fetch(cache, "main", "spectrum", "k1", dest)
    assert h5py.File(dest, "r").attrs["status"] == "complete"
    assert not runcache.fetch(cache, "main", "spectrum", "other", dest)
    for status in ("failed", "suspect"):
        bad = _fake_run(tmp_path / "c" / "runs" / f"main_{status}.h5", status)
        assert not runcache.store(bad, cache, "main", "modes", status)
        assert not runcache.fetch(cache, "main", "modes", status, tmp_path / "d" / "x.h5")
    partial = _fake_run(tmp_path / "e" / "runs" / "main_modes.h5.tmp", "running")
    assert not runcache.store(partial, cache, "main", "modes", "k2")
    (cache / ".main_modes-k3.h5.99.part").write_bytes(b"half")  # a killed copy
    assert not runcache.fetch(cache, "main", "modes", "k3", tmp_path / "f" / "main_modes.h5")
    assert sorted(p.name for p in cache.glob("*.h5")) == ["main_spectrum-k1.h5"]


def test_a_shared_run_is_not_changed_when_a_point_redoes_its_own(tmp_path):
    """Points hold hard links; a rerun replaces its own name (RunWriter renames a new file
    over it), so the cache entry and the other points keep the complete run."""
    cache = tmp_path / "cache"
    first = _fake_run(tmp_path / "a" / "runs" / "main_spectrum.h5", "complete")
    runcache.store(first, cache, "main", "spectrum", "k")
    other = tmp_path / "b" / "runs" / "main_spectrum.h5"
    runcache.fetch(cache, "main", "spectrum", "k", other)
    redo = _fake_run(tmp_path / "a" / "runs" / "main_spectrum.h5.tmp", "failed")
    redo.replace(first)
    assert h5py.File(other, "r").attrs["status"] == "complete"
    assert h5py.File(runcache.entry(cache, "main", "spectrum", "k"), "r").attrs["status"] \
        == "complete"


# -- the analysis reads the directory's study ----------------------------------------------------
def _directory_study(out: Path, study) -> None:
    (out / "runs").mkdir(parents=True, exist_ok=True)
    (out / "runs" / "study.json").write_text(json.dumps({"study": "x.toml", "kinds": [],
                                                         "spec_json": study_json(study)}))


def test_passive_runs_of_another_gain_are_analysed_with_this_directorys_gain(tmp_path):
    """Run files made with qd_diameter_nm 8 (another sweep point's) in a directory whose study
    says 20: accepted, and every Run carries the directory's study (so its [gain])."""
    from hotlase.postprocess.runfile import directory_study, load_directory

    two = {"name": "synthetic", "run_kinds": ["spectrum", "modes"]}
    made = syn.study_of({**syn.study_dict(), "study": two, "gain": {"qd_diameter_nm": 8.0}})
    here = syn.study_of({**syn.study_dict(), "study": two, "gain": {"qd_diameter_nm": 20.0}})
    out = syn.make_run_dir(tmp_path / "point", kinds=("spectrum", "modes"), study=made)
    _directory_study(out, here)
    assert directory_study(out)[0] == here
    loaded = load_directory(out, deep=False)
    assert loaded.refused == {} and loaded.missing == []
    assert {r.study.gain.qd_diameter_nm for r in loaded.runs.values()} == {20.0}


def test_runs_of_another_structure_are_refused_for_this_directory(tmp_path):
    from hotlase.postprocess.runfile import load_directory

    made = syn.study_of(syn.study_dict())
    other = syn.study_dict()
    other["structure"]["rod"]["radius_nm"] = 50.0
    out = syn.make_run_dir(tmp_path / "point", kinds=("spectrum",), variants=("main",),
                           study=made)
    _directory_study(out, syn.study_of(other))
    loaded = load_directory(out, deep=False)
    assert "main_spectrum.h5" in loaded.refused
    assert "structure.rod.radius_nm: 40.0 -> 50.0" in loaded.refused["main_spectrum.h5"]


@pytest.mark.skipif(sys.platform != "linux", reason="hard links and flock as on the cluster")
def test_the_group_lock_is_released_when_the_block_ends(tmp_path):
    with runcache.computing(tmp_path, ["a", "b"]):
        pass
    with runcache.computing(tmp_path, ["b", "a"]):  # same group, taken again at once
        pass


def test_analyze_names_the_gain_table_it_used(tmp_path):
    """``analyze(DIR, study=...)`` (``hotlase analyze --study``) analyses the run files with
    that study's [gain]; without it, the directory's recorded study; the summary and the
    report's Lasing section say which table and where it was read."""
    from hotlase.postprocess.report import analyze

    two = {"name": "synthetic", "run_kinds": ["spectrum", "modes"]}
    made = syn.study_of({**syn.study_dict(), "study": two, "gain": {"qd_diameter_nm": 8.0}})
    here = syn.study_of({**syn.study_dict(), "study": two, "gain": {"qd_diameter_nm": 12.0}})
    out = syn.make_run_dir(tmp_path / "point", kinds=("spectrum", "modes"), study=made)
    _directory_study(out, here)
    report, summary = analyze(out)
    assert summary["lasing"]["gain"]["table"]["qd_diameter_nm"] == 12.0
    assert summary["lasing"]["gain"]["source"] == str(out / "runs" / "study.json")
    assert "[gain] used (from " in report.read_text() and "qd_diameter_nm = 12" in \
        report.read_text()
    given = syn.study_of({**syn.study_dict(), "study": two, "gain": {"qd_diameter_nm": 16.0}})
    _, summary = analyze(out, study=given)
    assert summary["lasing"]["gain"] == {"source": "given to analyze",
                                         "table": {**summary["lasing"]["gain"]["table"],
                                                   "qd_diameter_nm": 16.0}}
