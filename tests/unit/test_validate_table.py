"""``hotlase validate`` prints what was compared with what: the physics tests' ``check``
records (tests/physics/conftest.py) and the table jobs.validate makes of them."""

from __future__ import annotations

import json

import pytest

from hotlase.jobs import validate
from tests.physics.conftest import RECORD_ENV, compare_and_record


def test_recorder_keeps_the_worst_point_and_its_verdict(tmp_path, monkeypatch):
    """Absolute: worst |0.52 - 0.5| = 0.02 > 0.015 fails; relative: 1 % of 2.0 passes 3 %."""
    path = tmp_path / "rec.jsonl"
    monkeypatch.setenv(RECORD_ENV, str(path))
    bad = compare_and_record("film", "R vs Airy", [0.30, 0.52], [0.30, 0.50], 0.015)
    good = compare_and_record("ldos", "LDOS ratio", [2.02], 2.0, 0.03, relative=True)
    assert (bad["measured"], bad["reference"], bad["passed"]) == (0.52, 0.50, False)
    assert bad["error"] == pytest.approx(0.02)
    assert good["error"] == pytest.approx(0.01) and good["passed"]
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert lines == [bad, good]


def test_table_has_reference_measured_tolerance_and_verdict(tmp_path):
    records = [
        {"case": "test_film[Ag30]", "quantity": "R vs Airy", "measured": 0.9144,
         "reference": 0.9159, "error": 0.0015, "tolerance": 0.015, "relative": False,
         "passed": True},
        {"case": "test_film[Ag30]", "outcome": "passed", "seconds": 1.0, "reason": ""},
        {"case": "test_ldos", "quantity": "LDOS ratio", "measured": 2.1, "reference": 2.0,
         "error": 0.05, "tolerance": 0.03, "relative": True, "passed": False},
        {"case": "test_ldos", "outcome": "failed", "seconds": 9.0, "reason": ""},
        {"case": "test_rcwa", "outcome": "skipped", "seconds": 0.0,
         "reason": "no shared optical data beside the clone"},
        {"case": "test_ranks", "outcome": "passed", "seconds": 30.0, "reason": ""},
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"case": "half')
    lines = validate.table_lines(validate.read_records(path))
    assert len(lines) == 5  # the passed film outcome is folded into its comparison row
    film, ldos, ldos_outcome, rcwa, ranks = lines
    assert film.split()[-5:] == ["0.9159", "0.9144", "0.0015", "0.015", "pass"]
    assert ldos.split()[-3:] == ["5%", "3%", "FAIL"]
    assert ldos_outcome.endswith("FAIL") and rcwa.endswith("skip") and "shared" in rcwa
    assert ranks.endswith("pass") and "30 s" in ranks
    assert "reference" in validate.header() and "tolerance" in validate.header()


@pytest.mark.physics
def test_validate_command_prints_the_numbers(monkeypatch, capsys):
    """End to end on one fast physics test (1D glass, Fresnel |E_t|, 1 % tolerance): the
    command prints a row per compared wavelength with reference, measured and "pass"."""
    monkeypatch.setattr(validate, "QUICK", ("tests/physics/test_fields_normalisation.py",))
    assert validate.run_validation(quick=True) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if "vs Fresnel" in ln]
    assert len(rows) == 2 and all(ln.endswith("pass") for ln in rows), out
    assert "2 comparisons (0 failed); tests: 1 passed, 0 failed, 0 skipped" in out


def test_recorder_takes_a_tolerance_per_point(tmp_path, monkeypatch):
    """RCWA-style tolerance rising with wavelength: 0.04 at a point allowed 0.05 passes,
    0.03 at a point allowed 0.02 fails and is the row shown."""
    monkeypatch.delenv(RECORD_ENV, raising=False)
    row = compare_and_record("rcwa", "R - RCWA", [0.04, 0.03], 0.0, [0.05, 0.02])
    assert not row["passed"] and row["measured"] == 0.03 and row["tolerance"] == 0.02
