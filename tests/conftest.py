"""Shared test helpers: repository paths and the default study as a TOML-shaped dict."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from hotlase.geometry.materials.fit import DATA_DIR as SHARED_DATA  # $HOTLASE_OPTICAL_DATA or the data folder beside the clone

REPO = Path(__file__).resolve().parents[1]
DEFAULT_STUDY = REPO / "examples" / "default.toml"


@pytest.fixture
def default_dict() -> dict:
    """A fresh, mutable copy of examples/default.toml as a dict."""
    return copy.deepcopy(tomllib.loads(DEFAULT_STUDY.read_text()))


@pytest.fixture
def default_study_path() -> Path:
    """Path of examples/default.toml."""
    return DEFAULT_STUDY


@pytest.fixture
def shared_data() -> Path:
    """The measured optical-constant tables (read-only, outside the repository)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA


#: Markers of the tests `make test` names as they start (the rest stay one dot each).
NAMED_MARKERS = ("slow", "integration")
#: Any test that took longer than this (s) is named when it ends, marked or not.
NAMED_SECONDS = 10.0


def pytest_addoption(parser):
    parser.addoption("--name-slow", action="store_true",
                     help="name tests marked slow or integration as they start, and every test "
                          f"longer than {NAMED_SECONDS:g} s when it ends, with its time")


_PHASES: dict[str, list] = {}  # nodeid -> phase reports of the test now running


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """With --name-slow: ``[slow] tests/x.py::test_y`` before a marked test and
    ``-> passed in 42 s`` after it (after any test over NAMED_SECONDS, with its name), so ten
    minutes of Meep runs are not silent dots."""
    reporter = item.config.pluginmanager.get_plugin("terminalreporter")
    if not (item.config.getoption("--name-slow") and reporter):
        yield
        return
    marks = ",".join(m for m in NAMED_MARKERS if item.get_closest_marker(m))
    if marks:
        reporter.ensure_newline()
        reporter.write_line(f"[{marks}] {item.nodeid}", flush=True)
    _PHASES[item.nodeid] = []
    yield
    reports = _PHASES.pop(item.nodeid, [])
    seconds = sum(r.duration for r in reports)
    if marks or seconds > NAMED_SECONDS:
        outcome = next((r.outcome for r in reports if r.outcome != "passed"), "passed")
        reporter.ensure_newline()
        reporter.write_line(f"  -> {outcome} in {seconds:.0f} s" if marks else
                            f"  {item.nodeid}: {outcome} in {seconds:.0f} s")


def pytest_runtest_logreport(report):
    """Collect the phase reports of the running test (for its closing line)."""
    if report.nodeid in _PHASES:
        _PHASES[report.nodeid].append(report)
