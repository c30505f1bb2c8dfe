"""The report's "Study" table: every field of the stored study that shaped the numbers.

Generated from the run files' stored study (``spec_json``, parsed to a StudySpec), never from
a hand-kept list of keys, so a field added to the study appears in the report by itself.
"""

from __future__ import annotations

import json
from typing import Any

from hotlase.geometry.study import PHYSICS_TABLES, StudySpec, physics_hash, study_to_dict


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, leaf value) of a TOML-shaped dict in its own order; tables in lists
    as ``key[i]``."""
    if isinstance(data, dict):
        out: list[tuple[str, Any]] = []
        for key in data:
            out += flatten(data[key], f"{prefix}.{key}" if prefix else key)
        return out
    if isinstance(data, list) and any(isinstance(v, dict) for v in data):
        return [row for i, v in enumerate(data) for row in flatten(v, f"{prefix}[{i}]")]
    return [(prefix, data)]


def study_rows(main: StudySpec | None, twin: StudySpec | None = None) -> list[list[str]]:
    """[field, value, twin value (only where it differs)] for every physics field of the main
    variant's study, then the study hash of each (``geometry.study.physics_hash``)."""
    if main is None:
        return []
    ours = dict(flatten({k: study_to_dict(main).get(k, {}) for k in PHYSICS_TABLES}))
    theirs = dict(flatten({k: study_to_dict(twin).get(k, {}) for k in PHYSICS_TABLES})) if twin else {}
    rows = [[path, _text(value), _text(theirs[path]) if twin and theirs.get(path, value) != value
             else ""] for path, value in ours.items()]
    rows += [[path, "(absent)", _text(v)] for path, v in theirs.items() if path not in ours]
    rows.append(["study hash (physics)", physics_hash(main), physics_hash(twin) if twin else ""])
    return rows


def _text(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:g}"
    else:
        text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("|", "\\|")
