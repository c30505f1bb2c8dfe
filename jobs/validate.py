"""``hotlase validate [--quick]``: run the physics validation set (Meep against analytic
references: Airy/Fresnel films, oblique incidence, SI field normalisation, surface-plasmon
dispersion, LDOS scaling and image dipoles, 1 vs 2 ranks, symmetry) on this installation.

The tests record each comparison (tests/physics/conftest.py ``check``) and each outcome as
JSON lines in a file named by $HOTLASE_VALIDATION_RECORD; this command prints them as one
table, case, quantity, reference, measured, error, tolerance, pass/fail, row by row as the
tests finish, and keeps pytest's own output in a log it names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUICK = ("tests/physics/test_spectrum_films.py", "tests/physics/test_fields_normalisation.py",
         "tests/physics/test_emitter_homogeneous.py")
RECORD_ENV = "HOTLASE_VALIDATION_RECORD"
_COLUMNS = (("case", 42), ("quantity", 36), ("reference", 11), ("measured", 11), ("error", 9),
            ("tolerance", 9), ("result", 6))


def header() -> str:
    """The table's header line and rule."""
    line = " ".join(f"{name:<{width}}" for name, width in _COLUMNS).rstrip()
    return line + "\n" + " ".join("-" * width for _, width in _COLUMNS)


def format_row(row: dict) -> str:
    """One table line of a record: a comparison, or a test outcome without one (skipped with
    its reason, failed before comparing, or passed with checks that record no numbers)."""
    case = row["case"] if len(row["case"]) <= 42 else row["case"][:22] + "..." + row["case"][-17:]
    if "quantity" in row:
        pct = row.get("relative")  # relative errors in %, 3 digits (1e-6 must not read 0.00%)
        err = f"{100 * row['error']:.3g}%" if pct else f"{row['error']:.3g}"
        tol = f"{100 * row['tolerance']:.3g}%" if pct else f"{row['tolerance']:.3g}"
        cells = (case, row["quantity"][:36], f"{row['reference']:.5g}", f"{row['measured']:.5g}",
                 err, tol, "pass" if row["passed"] else "FAIL")
    else:
        outcome = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}[row["outcome"]]
        what = row.get("reason") or f"({row['outcome']} in {row.get('seconds', 0):g} s)"
        cells = (case, what[:36], "-", "-", "-", "-", outcome)
    return " ".join(f"{c:<{w}}" for c, (_, w) in zip(cells, _COLUMNS)).rstrip()


def table_lines(records: list[dict]) -> list[str]:
    """Rows of the records in order; a test's outcome is shown only when it recorded no
    comparison or did not pass (its comparisons already say how it went)."""
    compared = {r["case"] for r in records if "quantity" in r}
    return [format_row(r) for r in records
            if "quantity" in r or r["case"] not in compared or r["outcome"] != "passed"]


def read_records(path: Path) -> list[dict]:
    """The JSON lines written so far (a line still being written is left for later)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            break
    return out


def run_validation(quick: bool = False) -> int:
    """Run the physics tests, print the comparison table; returns pytest's exit code
    (0 = every check passed)."""
    if not (REPO / "tests" / "physics").is_dir():
        print(f"error: the validation tests are not beside this installation ({REPO / 'tests'})",
              file=sys.stderr)
        return 2
    targets = [str(REPO / t) for t in QUICK] if quick else [str(REPO / "tests" / "physics")]
    work = Path(tempfile.mkdtemp(prefix="hotlase-validate-"))
    record, log = work / "record.jsonl", work / "pytest.log"
    env = {**os.environ, RECORD_ENV: str(record)}
    print(f"validating {'the quick set' if quick else 'every physics test'} (pytest log: {log})")
    print(header(), flush=True)
    start, shown = time.monotonic(), 0
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 *targets], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        while True:
            done = proc.poll() is not None
            records = read_records(record)
            lines = table_lines(records)
            for line in lines[shown:]:
                print(line, flush=True)
            shown = max(shown, len(lines))
            if done:
                break
            time.sleep(1.0)
    records = read_records(record)
    comparisons = [r for r in records if "quantity" in r]
    outcomes = [r for r in records if "outcome" in r]
    count = lambda o: sum(r["outcome"] == o for r in outcomes)  # noqa: E731
    print(f"{len(comparisons)} comparisons ({sum(not r['passed'] for r in comparisons)} failed); "
          f"tests: {count('passed')} passed, {count('failed')} failed, {count('skipped')} skipped "
          f"in {time.monotonic() - start:.0f} s")
    if proc.returncode not in (0, 5):
        print(f"pytest exit {proc.returncode}: see {log}")
    return proc.returncode
