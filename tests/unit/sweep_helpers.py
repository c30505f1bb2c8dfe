"""Builders shared by the sweep unit tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "examples" / "default.toml"


def sweep_dict(params: dict, mode: str = "product", **sweep) -> dict:
    """A sweep file as a dict over examples/default.toml."""
    return {"sweep": {"study": DEFAULT.name, "mode": mode, "parameters": params, **sweep}}
