"""``hotlase run --resume`` / ``--cache`` decide reuse by run identity (issue 12).

Setup: run files holding only ``status`` and ``spec_json`` (all ``solvers.run`` reads to
decide), made from the default study with qd_diameter_nm 8, and the default study (20).
Reference: the run-kind registry (passive kinds leave [gain] out, ``lasing`` keeps it).
Tolerance: exact (reused or not, and the field named).
"""

from __future__ import annotations

import h5py
import pytest

from hotlase.geometry.study import run_identity, study_from_dict, study_json

run = pytest.importorskip("hotlase.solvers.run")  # imports meep


def _file(path, study, status="complete"):
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["status"] = status
        f.attrs["spec_json"] = study_json(study, resolved=True)
    return path


def _study(default_dict, **changes):
    data = {**default_dict, **changes}
    return study_from_dict(data)


def test_resume_keeps_passive_runs_and_redoes_lasing_on_a_gain_change(tmp_path, default_dict):
    made = _study(default_dict, gain={"qd_diameter_nm": 8.0})
    wanted = _study(default_dict)
    stale: dict[str, str] = {}
    assert run._reusable(_file(tmp_path / "main_spectrum.h5", made), wanted, "spectrum", stale)
    assert not run._reusable(_file(tmp_path / "main_lasing.h5", made), wanted, "lasing", stale)
    assert stale == {"lasing": "gain.qd_diameter_nm: 8.0 -> 20.0"}


def test_resume_redoes_a_passive_run_of_another_structure(tmp_path, default_dict):
    rod = {**default_dict["structure"]["rod"], "radius_nm": 50.0}
    made = _study(default_dict, structure={**default_dict["structure"], "rod": rod})
    stale: dict[str, str] = {}
    assert not run._reusable(_file(tmp_path / "main_spectrum.h5", made), _study(default_dict),
                             "spectrum", stale)
    assert stale == {"spectrum": "structure.rod.radius_nm: 50.0 -> 60.0"}


def test_the_cache_gives_a_run_only_to_its_identity(tmp_path, default_dict):
    """A complete run stored under the made study's identity is linked for a study that
    differs in [gain] only, not for one with another grid; a run set aside as stale first."""
    made = _study(default_dict, gain={"qd_diameter_nm": 8.0})
    cache = tmp_path / "cache"
    run._CACHE.update(dir=cache, together=("spectrum",))
    try:
        src = _file(tmp_path / "a" / "runs" / "main_spectrum.h5", made)
        run._to_cache(tmp_path / "a", "main", ("spectrum",), made)
        ident = run_identity(made, "spectrum", ("spectrum",))
        assert (cache / f"main_spectrum-{ident}.h5").samefile(src)
        out = tmp_path / "b"
        other = _file(out / "runs" / "main_spectrum.h5", _study(
            default_dict, simulation={**default_dict["simulation"], "resolution_nm": 20.0}))
        stale = {"spectrum": "simulation.resolution_nm: 20.0 -> 10.0"}
        assert run._from_cache(out, "main", ("spectrum",), _study(default_dict), stale)
        assert (out / "runs" / "main_spectrum.h5").samefile(src) and stale == {}
        assert (out / "runs" / "main_spectrum.h5.stale").exists() and other.samefile(src)
        coarser = _study(default_dict, simulation={**default_dict["simulation"],
                                                   "resolution_nm": 20.0})
        assert not run._from_cache(tmp_path / "c", "main", ("spectrum",), coarser, {})
    finally:
        run._CACHE.update(dir=None, together=())


def test_an_unsplit_modes_file_is_not_reused_for_a_split_study(tmp_path, default_dict):
    """A modes or emitter file made before those runs were split per material window stored
    the resolved study ("split": the spectrum runs were) but ran one model: its group has no
    ``material_bands`` attribute, so neither resume nor the cache reuses it; one written by
    the split solver is reused."""
    study = _study(default_dict)
    stale: dict[str, str] = {}
    old = _file(tmp_path / "a" / "runs" / "main_modes.h5", study)
    with h5py.File(old, "a") as f:
        f.create_group("modes")
    assert not run._reusable(old, study, "modes", stale)
    assert "before modes runs were split" in stale["modes"]
    new = _file(tmp_path / "main_emitter.h5", study)
    with h5py.File(new, "a") as f:
        f.create_group("emitter").attrs["material_bands"] = "split"
    assert run._reusable(new, study, "emitter", stale)
    cache = tmp_path / "cache"
    run._CACHE.update(dir=cache, together=("modes",))
    try:
        run._to_cache(tmp_path / "a", "main", ("modes",), study)
        ident = run_identity(study, "modes", ("modes",))
        assert (cache / f"main_modes-{ident}.h5").samefile(old)  # stored, complete
        assert not run._from_cache(tmp_path / "b", "main", ("modes",), study, {})
    finally:
        run._CACHE.update(dir=None, together=())
