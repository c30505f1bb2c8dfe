"""The TOML writer: whatever it writes, tomllib reads back identically."""

from __future__ import annotations

import math
import tomllib

import pytest

from hotlase.jobs.toml_writer import dumps
from sweep_helpers import DEFAULT


def test_default_study_round_trips_through_the_canonical_dict():
    from hotlase.geometry.study import study_from_dict, study_hash, study_to_dict

    study = study_from_dict(tomllib.loads(DEFAULT.read_text()))
    d = study_to_dict(study)
    text = dumps(d)
    assert tomllib.loads(text) == d
    assert study_hash(study_from_dict(tomllib.loads(text))) == study_hash(study)


def test_awkward_values_round_trip():
    d = {
        "a": {"s": 'quote " backslash \\ tab \t newline \n unicode µm \x01',
              "i": -3, "big": 2**62, "f": 0.1, "e": 5e7, "tiny": 1e-300, "neg": -0.0,
              "t": True, "no": False, "list": [1, 2.5, "x"], "nested": [[1, 2], []],
              "tables": [{"material": "Ag", "thickness_nm": 100.0}, {"x": {"y": 1}}],
              "inline": {"deep": {"k": "v"}}},
        "empty": {},
        "key with space": {"dotted.key": 1, "": 2},
        "top": 1.0,
    }
    back = tomllib.loads(dumps(d))
    assert back == d
    assert math.copysign(1.0, back["a"]["neg"]) == -1.0


def test_nan_and_inf_round_trip():
    back = tomllib.loads(dumps({"x": {"nan": math.nan, "inf": math.inf, "ninf": -math.inf}}))["x"]
    assert math.isnan(back["nan"]) and back["inf"] == math.inf and back["ninf"] == -math.inf


def test_unwritable_value_names_its_key():
    with pytest.raises(TypeError, match=r"structure\.rod\.radius_nm = None"):
        dumps({"structure": {"rod": {"radius_nm": None}}})
