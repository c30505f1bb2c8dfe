"""The no-metal twin differs from the metal study only in the metal; studies round-trip."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hotlase.geometry.build import build
from hotlase.geometry.study import load_study, study_from_dict, study_hash, study_json, study_to_dict
from hotlase.geometry.twin import has_metal, without_metal


def test_default_study_loads_and_round_trips(default_study_path):
    study = load_study(default_study_path)
    again = study_from_dict(json.loads(study_json(study)))
    assert again == study
    assert study_hash(again) == study_hash(study)


def test_hash_ignores_key_order(default_dict):
    reordered = {k: default_dict[k] for k in reversed(list(default_dict))}
    assert study_hash(study_from_dict(reordered)) == study_hash(study_from_dict(default_dict))


def test_twin_replaces_only_the_metal(default_dict):
    study = study_from_dict(default_dict)
    twin = without_metal(study)
    assert has_metal(study) and not has_metal(twin)
    assert twin.structure.metal.material == "SiO2"
    assert twin.structure.metal.thickness_nm == study.structure.metal.thickness_nm
    # everything else identical: compare the dicts with the metal material masked
    a, b = study_to_dict(study), study_to_dict(twin)
    a["structure"]["metal"]["material"] = b["structure"]["metal"]["material"] = "*"
    a["study"]["name"], b["study"]["name"] = "*", "*"
    a["study"]["compare_no_metal"] = b["study"]["compare_no_metal"] = "*"
    assert a == b
    la, lb = build(study.structure), build(twin.structure)
    assert [p.material for p in la.primitives] == ["Ag", "CsPbBr3"]
    assert [p.material for p in lb.primitives] == ["SiO2", "CsPbBr3"]
    assert [dataclasses.replace(p, material="*") for p in la.primitives] == \
        [dataclasses.replace(p, material="*") for p in lb.primitives]


def test_twin_of_metal_substrate_uses_sio2(default_dict):
    default_dict["structure"].pop("metal")
    default_dict["structure"]["substrate"] = {"material": "Au"}
    default_dict["study"]["run_kinds"] = ["modes", "emitter"]  # a 3D metal half-space has no spectrum
    twin = without_metal(study_from_dict(default_dict))
    assert twin.structure.substrate.material == "SiO2"
    assert twin.name == "default_no_metal" and twin.compare_no_metal is False


def test_twin_keeps_a_dielectric_substrate_material(default_dict):
    default_dict["structure"]["substrate"] = {"material": "Al2O3"}
    twin = without_metal(study_from_dict(default_dict))
    assert twin.structure.metal.material == "Al2O3"


@pytest.mark.parametrize("kind", ["film_stack", "wire_on_metal"])
def test_other_structures_have_twins(kind):
    table = {"film_stack": {"kind": "film_stack",
                            "layers": [{"material": "CsPbBr3", "thickness_nm": 100},
                                       {"material": "Ag", "thickness_nm": 30}]},
             "wire_on_metal": {"kind": "wire_on_metal", "radius_nm": 60,
                               "spacer": {"material": "MgF2", "thickness_nm": 10},
                               "metal": {"material": "Ag", "thickness_nm": 100}}}[kind]
    kinds = ["modes", "emitter"] if kind == "wire_on_metal" else ["spectrum"]  # finite: no plane wave
    twin = without_metal(study_from_dict({"study": {"run_kinds": kinds}, "structure": table}))
    assert not has_metal(twin)
