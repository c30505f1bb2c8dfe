"""Generated docs and the run-file schema stay true (issue 11): docs/runfile.md (and
docs/summary.md) equal what scripts/gen_docs.py generates from the registries, and every
dataset and group attribute the solvers write is declared in the run-kind schema
(geometry.runkinds). A static scan of solvers/*.py, no meep (< 1 s)."""

from __future__ import annotations

import re

from hotlase.geometry.runkinds import run_kinds, schema_paths
from tests.conftest import REPO


def test_generated_pages_are_up_to_date():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_docs", REPO / "scripts" / "gen_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for path, text in gen.pages().items():
        assert path.read_text() == text, (f"{path.name} differs from the registries; run "
                                          ".venv/bin/python scripts/gen_docs.py")


_VARS = {"g": "fields/<tag>", "name": "<name>"}


def _written(pattern: str) -> list[tuple[str, str, str]]:
    """(file, first argument with {vars} resolved, rest of the call) of every writer call."""
    out = []
    for path in sorted((REPO / "solvers").glob("*.py")):
        text = path.read_text()
        for m in re.finditer(pattern, text):
            start, depth, i = m.end(), 1, m.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            name = re.sub(r"\{(\w+)\}", lambda v: _VARS.get(v.group(1), f"<{v.group(1)}>"),
                          m.group(1))
            out.append((path.name, name, text[start:i - 1]))
    return out


def test_every_written_dataset_is_in_the_schema():
    written = _written(r'\.dataset\(\s*f?"([^"]+)"')
    assert len(written) > 30, "the scan found too few writer calls: has the writer API changed?"
    declared = schema_paths()
    missing = sorted({f"{f}: {n}" for f, n, _ in written if n not in declared})
    assert not missing, f"datasets written but not in geometry/runkinds.py: {missing}"


def test_every_written_group_attribute_is_in_the_schema():
    declared = {g.path: {a.name for a in g.attributes} for k in run_kinds().values()
                for g in k.groups}
    missing = []
    for f, group, rest in _written(r'\.attrs\(\s*f?"([^"]+)"'):
        if group in ("/", ""):
            continue
        names = set(re.findall(r"(?:^|,)\s*(\w+)=", rest))
        if group not in declared:
            missing.append(f"{f}: group {group}")
            continue
        missing += [f"{f}: {group} attribute {n}" for n in sorted(names - declared[group])]
    assert not missing, f"attributes written but not in geometry/runkinds.py: {missing}"
