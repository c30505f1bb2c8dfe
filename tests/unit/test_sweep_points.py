"""Sweep expansion: product, zip, linspace, fixed paths, hashes and named bad values."""

from __future__ import annotations

import copy
import tomllib

import pytest

from hotlase.geometry.study import study_from_dict, study_hash
from hotlase.geometry.validate import SpecError
from hotlase.jobs.points import load_sweep, sweep_from_dict
from sweep_helpers import DEFAULT, sweep_dict  # noqa: F401  (shared builders below)


def test_product_expands_every_combination():
    sw = sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [40, 50],
                                     "structure.metal.thickness_nm": [60, 80, 100]}),
                         base_dir=DEFAULT.parent)
    got = sorted((p.values["structure.rod.radius_nm"], p.values["structure.metal.thickness_nm"])
                 for p in sw.points)
    want = sorted((r, t) for r in (40, 50) for t in (60, 80, 100))
    assert got == want, f"measured {got}, expected {want}"
    for p in sw.points:  # the value really is in the point's study
        assert p.study.structure.rod.radius_nm == p.values["structure.rod.radius_nm"]
        assert p.study.structure.metal.thickness_nm == p.values["structure.metal.thickness_nm"]


def test_zip_pairs_values_and_refuses_unequal_lengths():
    sw = sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [40, 50, 60],
                                     "structure.rod.height_nm": [100, 150, 200]}, mode="zip"),
                         base_dir=DEFAULT.parent)
    got = [(p.study.structure.rod.radius_nm, p.study.structure.rod.height_nm) for p in sw.points]
    assert got == [(40, 100), (50, 150), (60, 200)], f"measured {got}"
    with pytest.raises(SpecError, match=r"sweep\.parameters\.structure\.rod\.height_nm.*equal length"):
        sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [40, 50, 60],
                                    "structure.rod.height_nm": [100, 150]}, mode="zip"),
                        base_dir=DEFAULT.parent)


def test_linspace_gives_clean_evenly_spaced_values():
    sw = sweep_from_dict(sweep_dict({"structure.rod.radius_nm": {"linspace": [40, 60, 5]}}),
                         base_dir=DEFAULT.parent)
    got = [p.values["structure.rod.radius_nm"] for p in sw.points]
    assert got == [40.0, 45.0, 50.0, 55.0, 60.0], f"measured {got}"
    sw = sweep_from_dict(sweep_dict({"simulation.decay_by": {"linspace": [0.01, 0.03, 3]}}),
                         base_dir=DEFAULT.parent)
    got = [p.values["simulation.decay_by"] for p in sw.points]
    assert got == [0.01, 0.02, 0.03], f"measured {got} (float noise must be rounded off)"


def test_hash_is_the_study_hash_and_ignores_parameter_order():
    a = sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [40, 50],
                                    "structure.metal.thickness_nm": [60, 80]}),
                        base_dir=DEFAULT.parent)
    b = sweep_from_dict(sweep_dict({"structure.metal.thickness_nm": [80, 60],
                                    "structure.rod.radius_nm": [50, 40]}),
                        base_dir=DEFAULT.parent)
    assert {p.hash for p in a.points} == {p.hash for p in b.points}
    base = tomllib.loads(DEFAULT.read_text())
    for p in a.points:
        d = copy.deepcopy(base)
        d["structure"]["rod"]["radius_nm"] = p.values["structure.rod.radius_nm"]
        d["structure"]["metal"]["thickness_nm"] = p.values["structure.metal.thickness_nm"]
        assert p.hash == study_hash(study_from_dict(d))


@pytest.mark.parametrize("params, path", [
    ({"structure.rod.radius_nm": [40, -5, 60]}, r"sweep\.parameters\.structure\.rod\.radius_nm\[1\] = -5"),
    ({"structure.rod.radius_nm": [40], "structure.metal.thickness_nm": [50, "thick"]},
     r"sweep\.parameters\.structure\.metal\.thickness_nm\[1\] = 'thick'"),
    ({"structure.rod.raduis_nm": [40]}, r"sweep\.parameters\.structure\.rod\.raduis_nm\[0\].*radius_nm"),
    ({"simulation.polarization": ["x", "z"]}, r"sweep\.parameters\.simulation\.polarization\[1\] = 'z'"),
    ({"structure.rod.radius_nm": []}, r"sweep\.parameters\.structure\.rod\.radius_nm = \[\]"),
    ({"structure.rod.radius_nm": {"linspace": [40, 60]}}, r"sweep\.parameters\.structure\.rod\.radius_nm\.linspace"),
    ({"structure.rod.radius_nm": 40}, r"sweep\.parameters\.structure\.rod\.radius_nm = 40"),
    ({"structure..radius_nm": [40]}, r"sweep\.parameters\.structure\.\.radius_nm"),
])
def test_bad_values_raise_one_error_naming_the_sweep_path(params, path):
    with pytest.raises(SpecError, match=path) as err:
        sweep_from_dict(sweep_dict(params), base_dir=DEFAULT.parent)
    assert "\n" not in str(err.value)


def test_duplicate_points_and_bad_tables_are_errors():
    with pytest.raises(SpecError, match="same study"):
        sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [40, 40.0]}), base_dir=DEFAULT.parent)
    with pytest.raises(SpecError, match=r"sweep\.mode = 'grid'"):
        sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [40]}, mode="grid"),
                        base_dir=DEFAULT.parent)
    d = sweep_dict({"structure.rod.radius_nm": [40]})
    d["slurm"] = {"launcher": "qsub"}
    with pytest.raises(SpecError, match=r"slurm\.launcher = 'qsub'"):
        sweep_from_dict(d, base_dir=DEFAULT.parent)
    d = sweep_dict({"structure.rod.radius_nm": [40]})
    d["run"] = {"np": 0}
    with pytest.raises(SpecError, match=r"run\.np = 0"):
        sweep_from_dict(d, base_dir=DEFAULT.parent)


def test_fixed_paths_run_resolution_and_inline_study():
    base = tomllib.loads(DEFAULT.read_text())
    d = {"sweep": {"study": base, "parameters": {"structure.rod.radius_nm": [40, 50]},
                   "fixed": {"study.run_kinds": ["spectrum"]}},
         "run": {"np": 2, "resolution_nm": 20}}
    sw = sweep_from_dict(d)
    assert sw.run.np == 2
    for p in sw.points:
        assert p.study.run_kinds == ("spectrum",)
        assert p.study.simulation.resolution_nm == 20.0, p.study.simulation.resolution_nm


def test_example_sweep_file_expands(tmp_path):
    from sweep_helpers import REPO

    sw = load_sweep(REPO / "examples" / "sweep.toml")
    assert len(sw.points) == 9, f"measured {len(sw.points)} points, expected 3 x 3"
    assert sw.slurm.array_max_concurrent == 4 and sw.slurm.ntasks == 2
    assert len({p.hash for p in sw.points}) == 9


def test_write_points_index_and_study_files(tmp_path):
    import json

    from hotlase.geometry.study import load_study
    from hotlase.jobs.sweep import write_points

    sw = sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [40, 50]}), base_dir=DEFAULT.parent)
    write_points(sw, tmp_path)
    index = json.loads((tmp_path / "sweep.json").read_text())
    assert index["parameters"] == ["structure.rod.radius_nm"]
    assert index["points"] == {p.hash: p.values for p in sw.points}
    for p in sw.points:
        f = tmp_path / "points" / p.hash / "study.toml"
        assert study_hash(load_study(f)) == p.hash, f"{f} does not re-load to point {p.hash}"
    stamp = {p.hash: (tmp_path / "points" / p.hash / "study.toml").stat().st_mtime_ns
             for p in sw.points}
    more = sweep_from_dict(sweep_dict({"structure.rod.radius_nm": [60, 50, 40]}),
                           base_dir=DEFAULT.parent)
    write_points(more, tmp_path)  # same points again plus one: old files untouched
    index = json.loads((tmp_path / "sweep.json").read_text())
    assert index["order"][:2] == [p.hash for p in sw.points] and len(index["order"]) == 3
    for h, t in stamp.items():
        assert (tmp_path / "points" / h / "study.toml").stat().st_mtime_ns == t
    other = sweep_from_dict(sweep_dict({"structure.rod.height_nm": [100]}), base_dir=DEFAULT.parent)
    with pytest.raises(SpecError, match="already holds a sweep over"):
        write_points(other, tmp_path)
