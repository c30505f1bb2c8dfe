"""The bad-input corpus (issue 13 items 1-3, issue 15 item 7): every case through the same
entry checks ``hotlase show`` (``load_study``) and ``hotlase run`` (``jobs.local.check_run``)
use, in-process, each under a 5 s alarm; a handful through the real CLI.

A case passes when the outcome is the expected one (cases/expected.json, written by
generate.py from the rule each mutation breaks): a refusal is a SpecError whose message is
one line of the form ``path = value: rule`` containing the named field; an accepted study
passes both checks. Any other exception (a traceback) or an alarm (a hang) fails the case.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import warnings

import pytest
from hotlase.geometry.study import load_study
from hotlase.geometry.validate import SpecError
from hotlase.jobs.local import check_run

from tests.badinput.generate import CASES, REPO, build_corpus, special_paths

EXPECTED = json.loads((CASES / "expected.json").read_text())
TIMEOUT_S = 5


class Hang(Exception):
    """A case ran past TIMEOUT_S."""


def _alarm(signum, frame):
    raise Hang(f"no answer within {TIMEOUT_S} s")


def outcome(path: str) -> tuple[str, str]:
    """("refuse" | "refuse_run" | "accept", message) of one study path, under an alarm."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                load_study(path)
            except SpecError as err:
                return "refuse", str(err)
            try:
                check_run(path)
            except SpecError as err:
                return "refuse_run", str(err)
        return "accept", ""
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _check_message(message: str, field: str) -> None:
    assert "\n" not in message, f"refusal is not one line: {message!r}"
    assert " = " in message and ": " in message, f"not 'path = value: rule': {message!r}"
    assert field in message, f"refusal does not name {field!r}: {message!r}"
    assert len(message) < 1200, f"refusal of {len(message)} characters"


def test_corpus_is_what_the_script_generates():
    """The committed files are exactly generate.py's output (regenerate after editing it)."""
    corpus = build_corpus()
    assert len(corpus) >= 300, len(corpus)
    on_disk = {p.name for p in CASES.glob("*.toml")}
    assert on_disk == set(corpus), sorted(on_disk ^ set(corpus))[:10]
    stale = [name for name, (raw, _, _) in corpus.items() if (CASES / name).read_bytes() != raw]
    assert not stale, f"run python -m tests.badinput.generate: {stale[:5]}"
    assert EXPECTED == {n: {"outcome": o, "field": f} for n, (_, o, f) in corpus.items()}
    kinds = {e["outcome"] for e in EXPECTED.values()}
    assert kinds == {"refuse", "refuse_run", "accept"}, kinds


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case(name):
    want = EXPECTED[name]
    got, message = outcome(str(CASES / name))
    assert got == want["outcome"], f"{name}: expected {want['outcome']}, got {got}: {message}"
    if got != "accept":
        _check_message(message, want["field"])


def test_non_files_are_refused_without_opening(tmp_path):
    """FIFO (would block on open), directory, device, empty path, missing file, symlink
    loop, NUL in the path, a file over the size limit: one-line refusals, no hang."""
    for name, path, field in special_paths(tmp_path):
        t0 = time.perf_counter()
        got, message = outcome(path)
        assert got == "refuse", f"{name}: {got}"
        _check_message(message, field)
        assert time.perf_counter() - t0 < 1.0, f"{name} took {time.perf_counter() - t0:.2f} s"


def test_whole_corpus_each_within_a_second():
    """Every committed case is answered within 1 s (refusals come before any compute)."""
    slow = []
    for name in sorted(EXPECTED):
        t0 = time.perf_counter()
        outcome(str(CASES / name))
        if (dt := time.perf_counter() - t0) > 1.0:
            slow.append((name, round(dt, 2)))
    assert not slow, slow


CLI_CASES = [  # (case, command, expected field): through the real command line
    ("issue-layer-without-material.toml", "show", "material"),
    ("file-utf16.toml", "show", "UTF-16"),
    ("file-deep-table.toml", "show", "nested"),
    ("issue-period-1e7.toml", "show", "period_nm"),
    ("issue-air-redefined.toml", "run", "materials.air"),
    ("issue-finite-50x50.toml", "run", "structure.count"),
]


def _cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "hotlase.jobs.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False)


@pytest.mark.parametrize("case, command, field", CLI_CASES)
def test_cli_refuses_in_one_line(tmp_path, case, command, field):
    extra = ("--out", tmp_path / "out") if command == "run" else ("--out", tmp_path / "x.png")
    proc = _cli(command, CASES / case, *extra)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and field in errors[0], proc.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.png").exists()


def test_cli_fifo_does_not_hang(tmp_path):
    import os

    fifo = tmp_path / "study.toml"
    os.mkfifo(fifo)
    for command in (("show", fifo), ("run", fifo, "--out", tmp_path / "o")):
        proc = _cli(*command, timeout=30)
        assert proc.returncode == 2 and "FIFO" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_bad_output_paths(tmp_path):
    """An --out that cannot be written (show) or is a file (run): one line, exit 2."""
    study = CASES / "default-valid.toml"
    not_dir = tmp_path / "file"
    not_dir.write_text("x")
    for command in (("show", study, "--out", "/proc/hotlase.png"),
                    ("run", study, "--out", not_dir)):
        proc = _cli(*command)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        # the default study's material warning may come first; the error is one line
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1 and errors[0].startswith("error: --out = "), proc.stderr
