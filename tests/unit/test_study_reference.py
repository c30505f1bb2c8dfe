"""The study-file reference (docs/study-reference.md, ``hotlase schema``) is generated from the
spec classes: it must equal the generator's output, cover every key the loader accepts, print
the ranges the validators enforce, and its examples must load as studies."""

from __future__ import annotations

import dataclasses
import re
import tomllib
import warnings
from pathlib import Path

import pytest

from hotlase.geometry.settings import SIMULATION_LIMITS, AnalysisSpec, SimulationSpec
from hotlase.geometry.specs import FilmStackSpec, LayerSpec, RodArraySpec, RodSpec, WireOnMetalSpec
from hotlase.geometry.study import study_from_dict
from hotlase.geometry.validate import SpecError
from hotlase.jobs.cli import main
from hotlase.jobs.schema import examples_load, reference

PAGE = Path(__file__).resolve().parents[2] / "docs" / "study-reference.md"


def _blocks(text: str) -> list[dict]:
    return [tomllib.loads(b) for b in re.findall(r"```toml\n(.*?)```", text, flags=re.S)]


def test_page_is_the_generators_output():
    """Fails when a spec, limit or docstring changed without
    ``python scripts/gen_study_reference.py``."""
    assert PAGE.read_text(encoding="utf-8") == reference()


def test_schema_command_prints_the_reference(capsys):
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == reference()


def test_every_key_has_a_row():
    text = reference()
    for cls in (RodArraySpec, RodSpec, LayerSpec, WireOnMetalSpec, FilmStackSpec,
                SimulationSpec, AnalysisSpec):
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in text, (cls.__name__, f.name)
    for key in ("eps_inf", "poles", "valid_nm", "frequency_ev", "gamma_ev", "sigma",
                "[structure.spacer]", "film_stack", "wire_on_metal"):
        assert key in text


@pytest.mark.parametrize("key", sorted(SIMULATION_LIMITS))
def test_printed_range_is_the_enforced_one(key):
    """The row's range text is the one the validator's error names: the value just past the
    upper bound is refused with that text."""
    limits = SIMULATION_LIMITS[key]
    row = next(line for line in reference().splitlines() if line.startswith(f"| `{key}` |"))
    assert limits.text() in row
    over = limits.hi + (1 if limits.integer else limits.hi * 0.01)
    with pytest.raises(SpecError, match=re.escape(limits.text().removeprefix("integer "))):
        SimulationSpec(**{key: over})


def test_examples_load():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        examples_load()


def test_newcomer_hexagonal_gold_study_from_the_reference_alone():
    """Issue 14's acceptance: a hexagonal gold study with a spacer and a user material, put
    together only from the page's own example blocks (the hexagonal rod array, the user
    materials, the [simulation] block), loads."""
    text = PAGE.read_text(encoding="utf-8")
    blocks = _blocks(text)
    structure = next(b for b in blocks if b.get("structure", {}).get("lattice") == "hexagonal")
    materials = next(b for b in blocks if "materials" in b)
    simulation = next(b for b in blocks if "simulation" in b and "structure" not in b)
    assert structure["structure"]["metal"]["material"] == "Au"
    assert "spacer" in structure["structure"]
    user = "myoxide"
    assert f'material = "{user}"' in text  # the page says how to use it
    study = {"study": {"name": "newcomer", "run_kinds": ["spectrum", "modes"]},
             **structure, **simulation, **materials}
    study["structure"]["spacer"]["material"] = user
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = study_from_dict(study)
    assert spec.structure.lattice == "hexagonal"
    assert spec.structure.metal.material == "Au"
    assert spec.structure.spacer.material == user
