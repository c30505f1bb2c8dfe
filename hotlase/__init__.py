"""hotlase: FDTD modelling of plasmonic perovskite nanolasers (see README and docs/api.md).

The Python API (``hotlase.load_study``, ``hotlase.Study``, ``hotlase.run``, ``hotlase.analyze``,
``hotlase.open_run``, ``hotlase.plot_structure``, ``hotlase.save_figure``) lives in
``hotlase.api`` and is loaded on first use, so MPI ranks that import ``hotlase.solvers`` do not
pay for it.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {
    "load_study": "hotlase.api", "write_study": "hotlase.api", "run": "hotlase.api",
    "analyze": "hotlase.api", "open_run": "hotlase.api", "plot_structure": "hotlase.api",
    "save_figure": "hotlase.api", "Analysis": "hotlase.api", "RunFailed": "hotlase.api",
    "Study": "hotlase.geometry.study:StudySpec", "StudySpec": "hotlase.geometry.study",
    "SpecError": "hotlase.geometry.validate",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    """Load an API name on first use (PEP 562)."""
    if name not in _API:
        raise AttributeError(f"module 'hotlase' has no attribute {name!r}")
    import importlib

    module, _, attr = _API[name].partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
