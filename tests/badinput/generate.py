"""Generate the bad-input corpus: ``python -m tests.badinput.generate`` rewrites cases/.

Each case is a study file made by mutating a valid base study (examples/default.toml and
three small bases below: a film stack, a wire on metal, a user-defined metal) one field at a
time: the key dropped, a wrong type, negative, zero, huge, NaN/inf, an empty or very long
string, an unknown key; plus files that are not UTF-8 TOML and the hostile inputs of issues
13 and 15. ``cases/expected.json`` holds, per case, what must happen:

- ``"refuse"``: a SpecError whose one-line message contains ``field``;
- ``"refuse_run"``: loads (``hotlase show`` works) but ``hotlase run`` refuses it before any
  compute (size estimate above this kind of machine), naming ``field``;
- ``"accept"``: loads and passes the run checks (warnings allowed).

The expected outcome comes from the rule each mutation breaks (the ranges documented in the
spec classes), written here by hand, never from running the loader. Inputs that cannot live
in git (FIFO, directory, device, empty path, symlink loop) are made by ``special_paths`` at
test time.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any

from hotlase.jobs.toml_writer import dumps

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CASES = HERE / "cases"

FILM = {
    "study": {"name": "film", "run_kinds": ["spectrum"], "compare_no_metal": False},
    "structure": {"kind": "film_stack", "layers": [{"material": "Ag", "thickness_nm": 30}],
                  "substrate": {"material": "SiO2"}},
    "simulation": {"resolution_nm": 5, "n_wavelengths": 21},
}
WIRE = {
    "study": {"name": "wire", "run_kinds": ["modes", "emitter"], "compare_no_metal": True},
    "structure": {"kind": "wire_on_metal", "wire_material": "CsPbBr3", "radius_nm": 60,
                  "cell_width_nm": 1000, "spacer": {"material": "MgF2", "thickness_nm": 10},
                  "metal": {"material": "Ag", "thickness_nm": 100}},
    "simulation": {"resolution_nm": 5},
}
USER_METAL = {
    "study": {"name": "usermetal", "run_kinds": ["spectrum"], "compare_no_metal": False},
    "structure": {"kind": "film_stack", "layers": [{"material": "myAg", "thickness_nm": 30}],
                  "substrate": {"material": "glass"}},
    "simulation": {"resolution_nm": 5, "n_wavelengths": 21},
    "materials": {
        "myAg": {"metal": True, "eps_inf": 4.0, "valid_nm": [300, 900],
                 "poles": [{"kind": "drude", "frequency_ev": 9.0, "gamma_ev": 0.02, "sigma": 1.0}]},
        "glass": {"n": 1.5},
    },
}

#: Fields whose range includes 0 (a zero there is valid).
ZERO_OK = {"angle_deg", "bias_field_v_m", "bloch_k_points", "k", "d_conductivity_ev",
           "gamma_ev", "valid_nm"}
#: Keys whose absence is an error (no default).
REQUIRED = {"structure", "kind", "material"}
#: Keys whose absence is valid only in some places (leaf -> field named when refused).
DROP_REFUSED = {("film", "structure.layers[0].thickness_nm"): "thickness_nm",
                ("usermetal", "materials.myAg.valid_nm"): "valid_nm",
                ("usermetal", "materials.myAg.eps_inf"): "eps_inf",
                ("usermetal", "materials.myAg.poles[0].kind"): "kind",
                ("usermetal", "materials.myAg.poles[0].frequency_ev"): "frequency_ev",
                ("usermetal", "materials.myAg.poles[0].gamma_ev"): "gamma_ev",
                ("usermetal", "materials.myAg.poles[0].sigma"): "sigma",
                ("usermetal", "materials.glass.n"): "glass",
                # a used material's table gone: the name is unknown
                ("usermetal", "materials.myAg"): "myAg", ("usermetal", "materials.glass"): "glass",
                ("usermetal", "materials"): "myAg"}
# without run_kinds a study runs every kind its structure can (a finite wire: modes, emitter)


def leaves(data: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, value) of every leaf and table of a TOML dict, tables first."""
    out: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        if path:
            out.append((path, data))
        for key, value in data.items():
            out += leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            out += leaves(value, f"{path}[{i}]")
    else:
        out.append((path, data))
    return out


def _steps(path: str) -> list[Any]:
    steps: list[Any] = []
    for part in path.split("."):
        name, *idx = part.replace("]", "").split("[")
        steps.append(name)
        steps += [int(i) for i in idx]
    return steps


def mutate(base: dict, path: str, value: Any = None, drop: bool = False) -> dict:
    """A deep copy of ``base`` with ``path`` set to ``value`` (or removed)."""
    data = copy.deepcopy(base)
    *parents, last = _steps(path)
    node = data
    for step in parents:
        node = node[step]
    if drop:
        del node[last]
    else:
        node[last] = value
    return data


def _leaf(path: str) -> str:
    return _steps(path)[-1] if isinstance(_steps(path)[-1], str) else path.rsplit(".", 1)[-1]


def field_cases(name: str, base: dict) -> list[tuple[str, dict, str, str]]:
    """(case name, study dict, outcome, field) for every single-field mutation of a base."""
    out = []
    for path, value in leaves(base):
        leaf = _leaf(path)
        tag = f"{name}-{path.replace('[', '').replace(']', '')}"
        # drop the key
        key = (name, path)
        if key in DROP_REFUSED:
            out.append((f"{tag}-drop", mutate(base, path, drop=True), "refuse", DROP_REFUSED[key]))
        elif ((leaf in REQUIRED and not path.endswith("rod.material"))  # rods default to CsPbBr3
              or (leaf == "thickness_nm" and "substrate" not in path)):  # only it is infinite
            out.append((f"{tag}-drop", mutate(base, path, drop=True), "refuse", leaf))
        elif not path.startswith(("materials.", "structure.layers")):
            out.append((f"{tag}-drop", mutate(base, path, drop=True), "accept", ""))
        if isinstance(value, dict):
            out.append((f"{tag}-unknown-key", mutate(base, f"{path}.colour_nm", 1.0), "refuse",
                        "colour_nm"))
            out.append((f"{tag}-not-a-table", mutate(base, path, 42), "refuse", leaf))
            continue
        if isinstance(value, bool):
            out.append((f"{tag}-string", mutate(base, path, "yes"), "refuse", leaf))
            out.append((f"{tag}-int", mutate(base, path, 1), "refuse", leaf))
            continue
        if isinstance(value, (int, float)):
            out.append((f"{tag}-string", mutate(base, path, "12 nm"), "refuse", leaf))
            out.append((f"{tag}-bool", mutate(base, path, True), "refuse", leaf))
            out.append((f"{tag}-table", mutate(base, path, {"value": 1}), "refuse", leaf))
            out.append((f"{tag}-negative", mutate(base, path, -abs(value) - 1), "refuse", leaf))
            zero_ok = leaf in ZERO_OK
            out.append((f"{tag}-zero", mutate(base, path, 0), "accept" if zero_ok else "refuse",
                        "" if zero_ok else leaf))
            out.append((f"{tag}-huge", mutate(base, path, 1e30), "refuse", leaf))
            out.append((f"{tag}-nan", mutate(base, path, math.nan), "refuse", leaf))
            out.append((f"{tag}-inf", mutate(base, path, math.inf), "refuse", leaf))
            continue
        if isinstance(value, str):
            out.append((f"{tag}-empty", mutate(base, path, ""), "refuse", leaf))
            out.append((f"{tag}-number", mutate(base, path, 7), "refuse", leaf))
            out.append((f"{tag}-long", mutate(base, path, "Q" * 300), "refuse", leaf))
            named = leaf == "name"  # any identifier is a valid study name
            out.append((f"{tag}-unknown", mutate(base, path, "Unobtainium"),
                        "accept" if named else "refuse", "" if named else leaf))
            continue
        if isinstance(value, list):
            out.append((f"{tag}-empty-list", mutate(base, path, []), "refuse", leaf))
            out.append((f"{tag}-scalar-string", mutate(base, path, "x"), "refuse", leaf))
            out.append((f"{tag}-nested", mutate(base, path, [[value]]), "refuse", leaf))
    return out


def issue_cases(default: dict) -> list[tuple[str, dict, str, str]]:
    """The hostile inputs of issues 13 and 15 (item 7), each with its rule."""
    d = default
    user_drude = {"eps_inf": 1.0, "valid_nm": [200, 2000],
                  "poles": [{"kind": "drude", "frequency_ev": 9.0, "gamma_ev": 0.0, "sigma": 1.0}]}
    extreme_drude = dict(user_drude, poles=[{"kind": "drude", "frequency_ev": 50.0,
                                             "gamma_ev": 0.0, "sigma": 1e4}])
    lorentz_in_band = dict(user_drude, poles=[{"kind": "lorentz", "frequency_ev": 2.33,
                                               "gamma_ev": 0.0, "sigma": 1e4}])
    finite = mutate(mutate(d, "structure.array", "finite"), "structure.count", [50, 50])
    finite = mutate(finite, "study.run_kinds", ["modes", "emitter"])
    return [
        ("issue-air-redefined", mutate(mutate(d, "materials", {"air": {"n": 2.0}}),
                                       "structure.superstrate", "air"), "refuse", "materials.air"),
        ("issue-vacuum-redefined", mutate(d, "materials", {"vacuum": {"n": 1.3}}), "refuse",
         "materials.vacuum"),
        ("issue-band-excludes-pump", mutate(d, "simulation.wavelength_min_nm", 450), "refuse",
         "pump_wavelength_nm"),
        ("issue-band-excludes-emission", mutate(d, "simulation.wavelength_max_nm", 500), "refuse",
         "emission_wavelength_nm"),
        ("issue-superstrate-metal", mutate(d, "structure.superstrate", "Ag"), "refuse",
         "superstrate"),
        ("issue-period-1e7", mutate(d, "structure.period_nm", 1e7), "refuse", "period_nm"),
        ("issue-height-1e8", mutate(d, "structure.rod.height_nm", 1e8), "refuse", "height_nm"),
        ("issue-thickness-1e8", mutate(d, "structure.metal.thickness_nm", 1e8), "refuse",
         "thickness_nm"),
        ("issue-finite-50x50", finite, "refuse_run", "count"),
        ("issue-thick-metal-run", mutate(d, "structure.metal.thickness_nm", 5e5), "refuse_run",
         "thickness_nm"),
        ("issue-tiny-rod-accepted", mutate(mutate(d, "structure.rod.radius_nm", 3),
                                           "simulation.resolution_nm", 20), "accept", ""),
        ("issue-material-slash", mutate(d, "materials", {"a/b": {"n": 1.5}}), "refuse", "a/b"),
        ("issue-material-space", mutate(d, "materials", {"my glass": {"n": 1.5}}), "refuse",
         "my glass"),
        ("issue-material-long", mutate(d, "materials", {"m" * 200: {"n": 1.5}}), "refuse",
         "materials"),
        ("issue-drude-gamma0-nonmetal", mutate(mutate(d, "materials", {"m": user_drude}),
                                               "structure.substrate.material", "m"),
         "accept", ""),
        ("issue-drude-extreme-terms", mutate(d, "materials", {"m": extreme_drude}), "refuse",
         "materials.m"),
        ("issue-lorentz-resonance-undamped", mutate(d, "materials", {"m": lorentz_in_band}),
         "refuse", "materials.m"),
        ("issue-user-metal-skin-depth-tiny",
         mutate(mutate(d, "materials", {"m": dict(user_drude, metal=True, poles=[
             {"kind": "drude", "frequency_ev": 40.0, "gamma_ev": 0.02, "sigma": 1.0}])}),
                "structure.metal.material", "m"), "accept", ""),
        ("issue-study-name-long", mutate(d, "study.name", "n" * 2_000), "refuse", "study.name"),
        ("issue-study-name-slash", mutate(d, "study.name", "../../etc"), "refuse", "study.name"),
        ("issue-layer-without-material",
         mutate(d, "structure.metal", {"thickness_nm": 100}), "refuse", "material"),
        ("issue-substrate-without-material",
         mutate(d, "structure.substrate", {"thickness_nm": 100}), "refuse", "material"),
        ("issue-spacer-without-material",
         mutate(d, "structure.spacer", {"thickness_nm": 10}), "refuse", "material"),
        ("issue-run-kinds-empty", mutate(d, "study.run_kinds", []), "refuse", "run_kinds"),
        ("issue-run-kinds-unknown", mutate(d, "study.run_kinds", ["bands"]), "refuse", "run_kinds"),
        ("issue-count-periodic", mutate(d, "structure.count", [2, 2]), "refuse", "count"),
        ("issue-count-three", mutate(mutate(d, "structure.array", "finite"), "structure.count",
                                     [1, 2, 3]), "refuse", "count"),
        ("issue-rods-overlap", mutate(d, "structure.rod.radius_nm", 150), "refuse", "radius_nm"),
        ("issue-pml-thin", mutate(d, "simulation.pml_nm", 10), "refuse", "pml_nm"),
        ("issue-top-level-unknown", mutate(d, "solver", {"x": 1}), "refuse", "solver"),
        ("issue-no-structure", mutate(d, "structure", None, drop=True), "refuse", "structure"),
        ("issue-empty-study", {}, "refuse", "structure"),
    ]


def raw_cases(default_text: str) -> list[tuple[str, bytes, str, str]]:
    """(file name, bytes, outcome, field): files that are not UTF-8 TOML, or broken TOML."""
    deep_array = "a = " + "[" * 3_000 + "]" * 3_000 + "\n"
    deep_table = "a = " + "{b = " * 3_000 + "1" + "}" * 3_000 + "\n"
    text = default_text.encode()
    return [
        ("file-utf16.toml", default_text.encode("utf-16"), "refuse", "UTF-16"),
        ("file-utf16-be.toml", b"\xfe\xff" + default_text.encode("utf-16-be"), "refuse", "UTF-16"),
        ("file-gzip.toml", gzip.compress(text, mtime=0), "refuse", "gzip"),
        ("file-latin1.toml", default_text.replace("nanorods", "nanor\u00f6ds").encode("latin-1"),
         "refuse", "UTF-8"),
        ("file-binary.toml", bytes(range(256)) * 16, "refuse", "binary"),
        ("file-png-header.toml", b"\x89PNG\r\n\x1a\n" + bytes(64), "refuse", "study file"),
        ("file-empty.toml", b"", "refuse", "structure"),
        ("file-truncated.toml", text[: len(text) // 2] + b"\n[structure.ro", "refuse", "TOML"),
        ("file-duplicate-key.toml", text + b"\n[study]\nname = \"again\"\n", "refuse", "TOML"),
        ("file-deep-array.toml", deep_array.encode(), "refuse", "nested"),
        ("file-deep-table.toml", deep_table.encode(), "refuse", "nested"),
        ("file-bom-utf8.toml", b"\xef\xbb\xbf" + text, "accept", ""),
        ("file-crlf.toml", text.replace(b"\n", b"\r\n"), "accept", ""),
        ("file-json.toml", json.dumps(tomllib.loads(default_text)).encode(), "refuse", "TOML"),
    ]


def special_paths(tmp: Path) -> list[tuple[str, str, str]]:
    """(case name, path, field) of inputs that are not regular files (made at test time)."""
    out = []
    fifo = tmp / "fifo.toml"
    os.mkfifo(fifo)
    out.append(("special-fifo", str(fifo), "FIFO"))
    (tmp / "dir.toml").mkdir()
    out.append(("special-directory", str(tmp / "dir.toml"), "directory"))
    out.append(("special-device", "/dev/null", "device"))
    out.append(("special-empty-path", "", "empty"))
    out.append(("special-blank-path", "   ", "empty"))
    out.append(("special-missing", str(tmp / "nope.toml"), "no such file"))
    loop = tmp / "loop.toml"
    os.symlink(loop, loop)
    out.append(("special-symlink-loop", str(loop), "cannot be read"))
    out.append(("special-nul-in-path", str(tmp / "a\x00b.toml"), "cannot be read"))
    big = tmp / "big.toml"
    big.write_bytes(b"#" + b"x" * 1_100_000 + b"\n")  # a comment, but over the size limit
    out.append(("special-too-big", str(big), "bytes"))
    return out


def build_corpus() -> dict[str, tuple[bytes, str, str]]:
    """{file name: (bytes, outcome, field)} of the whole committed corpus."""
    default_text = (REPO / "examples" / "default.toml").read_text()
    default = tomllib.loads(default_text)
    corpus: dict[str, tuple[bytes, str, str]] = {}

    def add(name: str, data: dict, outcome: str, field: str) -> None:
        file = f"{name}.toml"
        assert file not in corpus, file
        corpus[file] = (dumps(data).encode(), outcome, field)

    for base_name, base in (("default", default), ("film", FILM), ("wire", WIRE),
                            ("usermetal", USER_METAL)):
        add(f"{base_name}-valid", base, "accept", "")
        for case in field_cases(base_name, base):
            add(*case)
    for case in issue_cases(default):
        add(*case)
    for file, raw, outcome, field in raw_cases(default_text):
        corpus[file] = (raw, outcome, field)
    return corpus


def write(directory: Path = CASES) -> int:
    """Rewrite ``directory`` with the corpus and expected.json; returns the number of cases."""
    corpus = build_corpus()
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.toml"):
        old.unlink()
    for file, (raw, _, _) in corpus.items():
        (directory / file).write_bytes(raw)
    expected = {file: {"outcome": outcome, "field": field}
                for file, (_, outcome, field) in sorted(corpus.items())}
    (directory / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    return len(corpus)


if __name__ == "__main__":
    print(f"{write()} cases written to {CASES}")
