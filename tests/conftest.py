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
