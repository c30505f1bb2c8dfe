"""The reported-quantity registry (postprocess.quantities) covers summary.json: every key
``analyze`` writes for the synthetic study (tests/unit/synthetic_runs.py: rods on Ag, all four
run kinds, metal and no-metal) is declared, every compared row comes from a declared RATIO or
side-by-side quantity, and every numeric headline has a declared unit (~10 s)."""

from __future__ import annotations

import re

import pytest

import tests.unit.synthetic_runs as syn
from hotlase.jobs.collect import flatten
from hotlase.postprocess.quantities import RATIO, headline_keys, quantity_of, unit_of
from hotlase.postprocess.report import analyze


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = syn.make_run_dir(tmp_path_factory.mktemp("q"), study=syn.make_study())
    return analyze(out)[1]


def test_every_summary_key_is_declared(summary):
    undeclared = sorted({re.sub(r"\[\d+\]", "[]", k) for k in flatten(summary)
                         if quantity_of(k) is None})
    assert not undeclared, f"summary.json keys missing from postprocess/quantities.py: {undeclared}"
    assert set(headline_keys()) <= set(summary)


def test_compared_rows_follow_the_registry(summary):
    rows = summary["comparison"]
    assert rows, "the synthetic study has both variants: the table must not be empty"
    for row in rows:
        q = quantity_of(_path(row["key"], summary))
        assert q is not None and q.compare, row
        assert row["unit"] == q.unit
        assert (row["ratio"] is not None) == (q.compare == RATIO and row["no_metal"] not in (0, None)
                                              and row["main"] is not None), row


def _path(key: str, summary: dict) -> str:
    """The summary path whose dots became the row key's underscores."""
    for name in flatten(summary):
        if name.replace(".", "_") == key:
            return name
    raise AssertionError(f"row key {key} matches no summary path")


def test_numeric_leaves_declare_units(summary):
    """A number under a declared leaf key has a unit ("1" when dimensionless)."""
    missing = sorted({re.sub(r"\[\d+\]", "[]", k) for k, v in flatten(summary).items()
                      if isinstance(v, float) and not quantity_of(k).key.endswith(".*")
                      and unit_of(k) == ""})
    assert not missing, missing
