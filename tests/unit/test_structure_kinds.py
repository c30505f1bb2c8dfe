"""Every registered structure kind, and every kind the tests define (kind_fixtures.TEST_KINDS),
passes the same checks: its example table loads, builds, rasters, has a no-metal twin without
metal, round-trips through JSON and TOML to the same study and hash, and its gain material and
emitter sites are consistent with the layout. Pure data, no meep (< 1 s)."""

from __future__ import annotations

import json
import tomllib
import warnings

import numpy as np
import pytest

from hotlase.geometry.build import build
from hotlase.geometry.kinds import (
    gain_material_of,
    register_structure_kind,
    structure_kinds,
    unregister_structure_kind,
)
from hotlase.geometry.raster import material_grid
from hotlase.geometry.study import (
    material_model,
    structure_materials,
    study_from_dict,
    study_hash,
    study_json,
    study_to_dict,
)
from hotlase.geometry.twin import has_metal, without_metal
from hotlase.geometry.validate import SpecError
from hotlase.jobs.toml_writer import dumps
from tests.unit.kind_fixtures import TEST_KINDS

ALL_KINDS = {**structure_kinds(), **{k.name: k for k in TEST_KINDS}}


@pytest.fixture(params=sorted(ALL_KINDS))
def kind(request):
    k = ALL_KINDS[request.param]
    added = k.name not in structure_kinds()
    if added:
        register_structure_kind(k)
    yield k
    if added:
        unregister_structure_kind(k.name)


def _study(kind):
    """The kind's example as a study, with the first run kind that accepts it."""
    errors = []
    for run_kind in ("spectrum", "modes"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # coarse-grid accuracy warnings are not the point
            try:
                return study_from_dict({"study": {"name": f"kind_{kind.name}",
                                                  "run_kinds": [run_kind]},
                                        "structure": dict(kind.example),
                                        "simulation": {"resolution_nm": 10.0}})
            except SpecError as err:
                errors.append(str(err))
    raise AssertionError(f"the example of {kind.name} loads for no run kind: {errors}")


def test_example_loads_builds_and_rasters(kind):
    study = _study(kind)
    assert study.structure.kind == kind.name and isinstance(study.structure, kind.spec)
    layout = build(study.structure)
    sx, sy = layout.cell_xy_nm
    xs = np.linspace(-sx / 2, sx / 2, 9) if sx > 0 else [0.0]
    ys = np.linspace(-sy / 2, sy / 2, 9) if sy > 0 else [0.0]
    zs = np.linspace(layout.z_bottom_nm - 20, layout.z_top_nm + 20, 41)
    names, grid = material_grid(layout, xs, ys, zs)
    used = set(np.asarray(names)[np.unique(grid)])
    assert used <= set(structure_materials(study.structure).values()) | {"vacuum"}
    assert used >= {layout.background, layout.substrate} - {"vacuum"}
    assert set(layout.materials()) <= set(structure_materials(study.structure).values())


def test_twin_has_no_metal_and_keeps_the_rest(kind):
    study = _study(kind)
    assert has_metal(study), "every example has metal so that the twin is tested"
    twin = without_metal(study)
    assert not has_metal(twin)
    before, after = structure_materials(study.structure), structure_materials(twin.structure)
    assert before.keys() == after.keys()
    for path, name in before.items():
        if material_model(study, name).is_metal:
            assert after[path] != name
        else:
            assert after[path] == name
    assert build(twin.structure).cell_xy_nm == build(study.structure).cell_xy_nm


def test_json_toml_round_trip_and_hash(kind):
    study = _study(kind)
    again = study_from_dict(json.loads(study_json(study)))
    assert again == study and study_hash(again) == study_hash(study)
    assert study_from_dict(tomllib.loads(dumps(study_to_dict(study)))) == study
    other = study.replace(simulation={"resolution_nm": 5.0})
    assert study_hash(other) != study_hash(study)


def test_gain_material_and_emitter_sites(kind):
    study = _study(kind)
    gain = gain_material_of(study.structure)
    layout = build(study.structure)
    if gain is not None:
        assert gain in structure_materials(study.structure).values()
        assert not material_model(study, gain).is_metal
    for x, y, z in kind.emitter_sites(study.structure):
        names, grid = material_grid(layout, [x], [y], [z])
        assert names[int(grid[0, 0, 0])] == gain, (kind.name, (x, y, z))
