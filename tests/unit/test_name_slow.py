"""`make test` (pytest --name-slow, tests/conftest.py) names slow and integration tests as
they start and prints how long they took; other tests stay dots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_marked_tests_are_named_with_their_time(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.slow\ndef test_long():\n    pass\n\n"
        "@pytest.mark.integration\ndef test_cli():\n    assert False\n\n"
        "def test_quick():\n    pass\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest",
                           "-p", "no:cacheprovider", "--name-slow", "-W", "ignore",
                           str(tmp_path / "test_x.py")], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    out = proc.stdout
    assert "[slow] " in out and "test_x.py::test_long" in out
    assert "[integration] " in out and "-> failed in 0 s" in out
    assert "-> passed in 0 s" in out
    assert "test_quick" not in out.split("short test summary")[0]
