"""No comment or docstring points outside the repository (issue 11): every cited note lives
in docs/, and every docs/<page>.md a source file cites exists. Scans the tracked Python,
shell, TOML and Makefile sources (< 1 s)."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO

OUTSIDE = re.compile(r"design/|\.\./shared|/work/|(?<![\w/])(?:physics|architecture|style)\.md")
THIS = "tests/unit/test_no_outside_refs.py"  # holds the patterns themselves
DOC = re.compile(r"docs/([\w.-]+\.md)")


def _sources() -> list[str]:
    out = subprocess.run(["git", "-C", str(REPO), "ls-files", "*.py", "*.sh", "*.toml",
                          "Makefile"], capture_output=True, text=True, check=True).stdout
    # the bad-input corpus holds deliberately broken (binary, UTF-16) study files
    return [f for f in out.split() if (REPO / f).is_file() and f != THIS
            and not f.startswith("tests/badinput/cases/")]


def test_no_reference_outside_the_repository():
    files = _sources()
    assert len(files) > 100, files[:5]
    hits = [f"{f}:{i}: {line.strip()}" for f in files
            for i, line in enumerate((REPO / f).read_text().splitlines(), 1)
            if OUTSIDE.search(line)]
    assert not hits, "references outside the repository:\n" + "\n".join(hits)


def test_cited_docs_pages_exist():
    missing = sorted({f"{f}: docs/{m}" for f in _sources()
                      for m in DOC.findall((REPO / f).read_text())
                      if not (REPO / "docs" / m).is_file()})
    assert not missing, missing
