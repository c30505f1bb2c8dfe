"""The study-file reference (``hotlase schema``, docs/study-reference.md), generated from the
spec classes so it cannot drift: keys and defaults from the dataclass fields, meanings from
their docstrings, allowed ranges from the same tables the validators check with
(``*_LIMITS``, ``*_CHOICES``), examples built as specs (so they are valid) and written as TOML.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

from hotlase.geometry.materials.registry import (
    POLE_KINDS,
    POLE_LIMITS,
    USER_LIMITS,
    list_materials,
    parse_user_material,
)
from hotlase.geometry.settings import (
    ANALYSIS_LIMITS,
    RUN_KINDS,
    SETTINGS_CHOICES,
    SIMULATION_LIMITS,
    AnalysisSpec,
    SimulationSpec,
)
from hotlase.geometry.runkinds import default_run_kind_names
from hotlase.geometry.specs import (
    LASING_LIMITS,
    COUNT_RANGE,
    GAIN_CHOICES,
    GAIN_LIMITS,
    LENGTH_RANGE,
    STRUCTURE_CHOICES,
    FilmStackSpec,
    GainSpec,
    LasingSpec,
    LayerSpec,
    RodArraySpec,
    RodSpec,
    StructureSpec,
    WireOnMetalSpec,
)
from hotlase.geometry.study import MAX_NAME, StudySpec, study_from_dict, study_to_dict
from hotlase.jobs.toml_writer import dumps

#: Units read from a key's suffix (the project's rule: a dimensioned key ends in its unit).
_UNITS = (("_nm", "nm"), ("_fs", "fs"), ("_ev", "eV"), ("_w_m2", "W/m^2"), ("_v_m", "V/m"),
          ("_deg", "degrees"), ("_mev", "meV"), ("_ns", "ns"), ("_ps", "ps"), ("_rate_s", "1/s"),
          ("_per_s", "1/s"), ("_lifetime_s", "s"), ("_per_m3", "1/m^3"), ("_m3", "1/m^3"),
          ("_m6_s", "m^6/s"), ("_a_cm2", "A/cm^2"), ("_m2", "m^2"), ("_w_cm2", "W/cm^2"))
#: Cross-field rules the single-key ranges cannot say (enforced in the spec classes and
#: geometry.study.check_study).
_RULES = {
    "wavelength_max_nm": "> wavelength_min_nm",
    "pump_wavelength_nm": "inside [wavelength_min_nm, wavelength_max_nm]",
    "emission_wavelength_nm": "inside [wavelength_min_nm, wavelength_max_nm]",
    "pml_nm": ">= 4 * resolution_nm",
    "angle_deg": "> 0 only for a periodic rod array",
    "period_nm": "> 2 * rod.radius_nm",
    "count": '[1, 1] when array = "periodic"',
    "cell_width_nm": "> 2 * radius_nm",
    "thickness_nm": ">= resolution_nm; inf only for the substrate",
    "length_nm": "inf gives a 2D xz cross-section",
    "barrier_ev": "wins over work_function_ev and electron_affinity_ev",
    "pump_max_w_cm2": ">= 1e4 * pump_min_w_cm2",
}


def attribute_docs(cls) -> dict[str, str]:
    """{field: meaning} from the ``Attributes:`` section of a class docstring (``a, b: text``
    documents both; indented lines continue the previous entry)."""
    doc = inspect.getdoc(cls) or ""
    out: dict[str, str] = {}
    names: list[str] = []
    inside = False
    for line in doc.splitlines():
        if line.strip() == "Attributes:":
            inside = True
            continue
        if not inside or not line.strip():
            continue
        m = re.match(r"^    ([a-z_][a-z0-9_, ]*):\s*(.*)$", line)
        if m:  # "metal: metal film; substrate: bottom layer" documents two keys on one line
            parts = re.split(r";\s*(?=[a-z_]+:\s)", f"{m.group(1)}: {m.group(2)}")
            for part in parts:
                keys, text = part.split(":", 1)
                names = [n.strip() for n in keys.split(",")]
                for name in names:
                    out[name] = text.strip()
        elif line.startswith("        "):
            for name in names:
                out[name] += " " + line.strip()
        else:
            inside = False
    return {name: text.rstrip(".") + "." for name, text in out.items()}


def unit(key: str) -> str:
    """The unit a key's name declares ("" when dimensionless)."""
    return split_unit(key)[1]


def split_unit(key: str) -> tuple[str, str]:
    """(the key without its unit suffix, the unit it declares): ``radius_nm`` -> ("radius",
    "nm"); a dimensionless key is returned whole with ""."""
    return next(((key[: -len(suffix)], u) for suffix, u in _UNITS if key.endswith(suffix)),
                (key, ""))


def _toml(value: Any) -> str:
    if value is dataclasses.MISSING:
        return "required"
    if value is None:
        return "(absent)"
    if isinstance(value, float) and float(f"{value:g}") == value:
        return f"{value:g}".replace("e+", "e")
    if isinstance(value, (RodSpec, LayerSpec)):
        return "{" + ", ".join(f"{f.name} = {_toml(getattr(value, f.name))}"
                               for f in dataclasses.fields(value)) + "}"
    if isinstance(value, (tuple, list)) and value and not isinstance(value[0], str):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = dumps({"k": list(value) if isinstance(value, tuple) else value}).strip()
    return text.removeprefix("k = ")


def _row(key: str, default: Any, allowed: str, meaning: str) -> str:
    cell = lambda t: str(t).replace("|", "\\|")  # noqa: E731
    shown = _toml(default)
    shown = shown if shown in ("required", "(absent)") else f"`{shown}`"
    meaning = meaning or ("selects the structure (see above)." if key == "kind" else "")
    return (f"| `{key}` | {unit(key) or '-'} | {cell(shown)} | {cell(allowed)} | "
            f"{cell(meaning)} |")


#: Keys that name a material.
_MATERIAL_KEYS = ("material", "wire_material", "superstrate", "gain_material")


def _allowed(key: str, default: Any, limits: dict, choices: dict) -> str:
    parts = []
    if key == "kind":
        parts.append(f'"{default}"')
    elif key in _MATERIAL_KEYS:
        parts.append("a built-in material or a [materials.NAME]")
    elif key in ("spacer", "metal", "substrate"):
        parts.append("a layer table {material, thickness_nm}")
    elif key == "layers":
        parts.append("list of layer tables")
    elif key == "rod":
        parts.append("the [structure.rod] table")
    elif key in limits:
        parts.append(limits[key].text())
    elif key in choices:
        parts.append(" or ".join(f'"{c}"' for c in choices[key]))
    elif isinstance(default, bool):
        parts.append("true or false")
    if key in _RULES:
        parts.append(_RULES[key])
    return "; ".join(parts) or "see meaning"


def table_rows(cls, limits: dict, choices: dict, loaded: Any = None) -> list[str]:
    """Markdown table of a spec class: key, unit, default, allowed, meaning. Defaults are the
    class's, or those of ``loaded`` (what the loader made of a table that left keys out)."""
    docs = attribute_docs(cls)
    lines = ["| key | unit | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
    for f in dataclasses.fields(cls):
        default = getattr(loaded, f.name) if loaded is not None else f.default
        lines.append(_row(f.name, default, _allowed(f.name, default, limits, choices),
                          docs.get(f.name, "")))
    return lines


def _block(data: dict) -> list[str]:
    return ["```toml", dumps(data).rstrip(), "```"]


def _loaded_structure(kind: str):
    """The structure the loader builds from ``[structure] kind = KIND`` alone: its values are
    the file's defaults (an absent spacer or metal is none, not the class default)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kinds = ["spectrum"] if kind == "film_stack" else ["modes"]
        return study_from_dict({"structure": {"kind": kind},
                                "study": {"run_kinds": kinds}}).structure


def _structure_limits(cls) -> dict:
    return {f.name: COUNT_RANGE if f.name == "count" else LENGTH_RANGE
            for f in dataclasses.fields(cls) if f.name.endswith("_nm") or f.name == "count"}


#: One example per structure kind, built as specs (valid by construction), with the
#: [simulation] keys it needs besides the defaults (a test loads each as a study).
EXAMPLE_STRUCTURES: tuple[tuple[StructureSpec, dict[str, float]], ...] = (
    (RodArraySpec(lattice="hexagonal", period_nm=300.0, spacer=LayerSpec("SiO2", 10.0),
                  metal=LayerSpec("Au", 100.0)), {}),
    (RodArraySpec(array="finite", count=(3, 3), metal=LayerSpec("Ag", 100.0)), {}),
    (WireOnMetalSpec(), {"resolution_nm": 5.0}),
    (FilmStackSpec(layers=(LayerSpec("Ag", 30.0), LayerSpec("SiO2", 20.0))), {}),
)
#: The worked user materials: a constant-index dielectric and a Drude-Lorentz metal.
#: Illustrative round numbers (a gold-like free-electron metal), not a fit: take the poles of
#: a published fit for real work.
EXAMPLE_MATERIALS = {
    "myoxide": {"n": 1.6, "source": "constant index, illustrative"},
    "mygold": {"metal": True, "eps_inf": 9.0, "valid_nm": [400, 900],
               "source": "illustrative Drude-Lorentz metal",
               "poles": [{"kind": "drude", "frequency_ev": 9.0, "gamma_ev": 0.07, "sigma": 1.0},
                         {"kind": "lorentz", "frequency_ev": 3.0, "gamma_ev": 0.9,
                          "sigma": 1.5}]},
}


def _structure_example(example) -> dict:
    spec, simulation = example
    study = StudySpec(name="example", structure=spec,
                      simulation=SimulationSpec(**(simulation or {})),
                      run_kinds=("modes",) if spec.kind == "wire_on_metal" else None)
    return {"structure": study_to_dict(study)["structure"],
            **({"simulation": simulation} if simulation else {})}


def _material_section() -> list[str]:
    gold = parse_user_material("materials.mygold", "mygold", EXAMPLE_MATERIALS["mygold"])
    eps532 = complex(gold.eps([532.0])[0])
    rng = lambda table, k: table[k].text()  # noqa: E731
    return [
        "## `[materials.NAME]`: user materials",
        "",
        "A study may define its own materials and use NAME wherever a material is asked for "
        f"(NAME: letters, digits, `_`, `-`, at most {MAX_NAME} characters; `vacuum` and `air` "
        "are reserved). Give exactly one of the two forms.",
        "",
        "Constant index (non-dispersive; Im eps exact at `wavelength_nm`):",
        "",
        "| key | unit | default | allowed | meaning |", "| --- | --- | --- | --- | --- |",
        f"| `n` | - | required | {rng(USER_LIMITS, 'n')} | refractive index |",
        f"| `k` | - | `0.0` | {rng(USER_LIMITS, 'k')}; < n | extinction coefficient |",
        f"| `wavelength_nm` | nm | required when k > 0 | {rng(USER_LIMITS, 'wavelength_nm')} | "
        "where Im eps is exact |",
        "",
        "Poles (dispersive; what Meep integrates, energies in eV):",
        "",
        "eps(E) = eps_inf + sum_lorentz sigma E_n^2 / (E_n^2 - E^2 - i E gamma) "
        "+ sum_drude sigma E_n^2 / (-E^2 - i E gamma), then eps (1 + i d_conductivity_ev / E)",
        "",
        "| key | unit | default | allowed | meaning |", "| --- | --- | --- | --- | --- |",
        f"| `eps_inf` | - | required | {rng(USER_LIMITS, 'eps_inf')} | high-frequency "
        "permittivity |",
        "| `poles` | - | `[]` | list of pole tables (below) | susceptibility terms |",
        f"| `d_conductivity_ev` | eV | `0.0` | {rng(USER_LIMITS, 'd_conductivity_ev')} | "
        "conductivity term |",
        "| `valid_nm` | nm | required | [lo, hi], 0 <= lo < hi | wavelengths where the model "
        "may be used; the study's band must lie inside |",
        "",
        "Each pole is an inline table `{kind, frequency_ev, gamma_ev, sigma}`, all four required:",
        "",
        "| key | unit | allowed | meaning |", "| --- | --- | --- | --- |",
        f"| `kind` | - | {' or '.join(repr(k).replace(chr(39), chr(34)) for k in POLE_KINDS)} | "
        "resonance or free carriers |",
        f"| `frequency_ev` | eV | {rng(POLE_LIMITS, 'frequency_ev')} | E_n: resonance "
        "(lorentz) or plasma energy (drude, sigma = 1) |",
        f"| `gamma_ev` | eV | {rng(POLE_LIMITS, 'gamma_ev')} | damping energy |",
        f"| `sigma` | - | {rng(POLE_LIMITS, 'sigma')}; > 0 for drude | oscillator strength |",
        "",
        "Both forms also take `metal` (true or false, default false: true makes it count as "
        "the metal for skin-depth checks and hot electrons) and `source` (a string cited in "
        "reports).",
        "",
        "Worked example. A free-electron metal eps = eps_inf - E_p^2 / (E^2 + i E gamma) is "
        "one drude pole with frequency_ev = E_p and sigma = 1; an interband resonance at E_n "
        "adds a lorentz pole. With the numbers below (illustrative, not a fit) eps at "
        f"532 nm ({1239.84193 / 532:.3f} eV) is {eps532.real:.2f} + {eps532.imag:.2f}i:",
        "",
        *_block({"materials": EXAMPLE_MATERIALS}),
        "",
        "Use them as `material = \"mygold\"` or `material = \"myoxide\"` anywhere in "
        "`[structure]`.",
    ]


def reference() -> str:
    """The whole study-file reference as Markdown (what ``hotlase schema`` prints)."""
    sim_choices = {k: SETTINGS_CHOICES[k] for k in ("polarization", "material_bands", "wall_averaging")}
    lines = [
        "# Study-file reference",
        "",
        "Generated by `hotlase schema` from the spec classes (geometry/specs.py, "
        "geometry/settings.py, geometry/study.py, geometry/materials/registry.py); "
        "`scripts/gen_study_reference.py` writes this file and a test fails when it differs. "
        "A study is one TOML file; every key is checked (typos are errors) and every bad "
        "value is refused before compute with its field path and allowed range. Lengths are "
        "in nm, energies in eV; a key's unit is its suffix.",
        "",
        "Tables: `[study]`, `[structure]` (with `[structure.rod]`, `[structure.spacer]`, "
        "`[structure.metal]`, `[structure.substrate]` or `layers`), `[simulation]`, "
        "`[analysis]`, `[gain]`, `[materials.NAME]`, `[lasing]`. Only `[structure]` is required.",
        "",
        "## `[study]`",
        "",
        "| key | unit | default | allowed | meaning |", "| --- | --- | --- | --- | --- |",
        _row("name", "study", f"at most {MAX_NAME} letters, digits, - _ .",
             attribute_docs(StudySpec)["name"]),
        _row("run_kinds", list(default_run_kind_names()), "non-empty list of " + ", ".join(
            f'"{k}"' for k in RUN_KINDS), attribute_docs(StudySpec)["run_kinds"]),
        _row("compare_no_metal", True, "true or false",
             attribute_docs(StudySpec)["compare_no_metal"]),
        "",
        "## `[structure]`",
        "",
        "`kind` selects the structure: " + ", ".join(
            f'`"{c.kind}"`' for c in (RodArraySpec, WireOnMetalSpec, FilmStackSpec)) + ". "
        "Layer tables (`[structure.spacer]`, `[structure.metal]`, `[structure.substrate]`) "
        "hold `material` and `thickness_nm`; an absent spacer or metal means none; the "
        "substrate defaults to semi-infinite SiO2.",
        "",
        "Built-in materials: " + ", ".join(f"`{m}`" for m in list_materials()) + " (or a "
        "`[materials.NAME]` of the study, below).",
        "",
        '### `kind = "rod_array"`',
        "",
        *table_rows(RodArraySpec, _structure_limits(RodArraySpec), STRUCTURE_CHOICES,
                    _loaded_structure("rod_array")),
        "",
        "`[structure.rod]`:",
        "",
        *table_rows(RodSpec, _structure_limits(RodSpec), {}),
        "",
        "`[structure.spacer]`, `[structure.metal]`, `[structure.substrate]` (and each entry "
        "of a film stack's `layers`):",
        "",
        *table_rows(LayerSpec, _structure_limits(LayerSpec), {}),
        "",
        "Example: hexagonal lattice on gold with a 10 nm spacer",
        "",
        *_block(_structure_example(EXAMPLE_STRUCTURES[0])),
        "",
        "Example: a finite 3 x 3 array (modes and emitter runs only)",
        "",
        *_block(_structure_example(EXAMPLE_STRUCTURES[1])),
        "",
        '### `kind = "wire_on_metal"`',
        "",
        *table_rows(WireOnMetalSpec, _structure_limits(WireOnMetalSpec), {},
                    _loaded_structure("wire_on_metal")),
        "",
        *_block(_structure_example(EXAMPLE_STRUCTURES[2])),
        "",
        '### `kind = "film_stack"`',
        "",
        *table_rows(FilmStackSpec, _structure_limits(FilmStackSpec), {},
                    _loaded_structure("film_stack")),
        "",
        *_block(_structure_example(EXAMPLE_STRUCTURES[3])),
        "",
        "## `[simulation]`",
        "",
        *table_rows(SimulationSpec, SIMULATION_LIMITS, sim_choices),
        "",
        *_block({"simulation": study_to_dict(StudySpec())["simulation"]}),
        "",
        "## `[analysis]`",
        "",
        *table_rows(AnalysisSpec, ANALYSIS_LIMITS,
                    {"injection_surface": SETTINGS_CHOICES["injection_surface"]}),
        "",
        "`bias_field_v_m`: the range holds for each entry. Overrides left out use the "
        "materials' cited defaults.",
        "",
        *_block({"analysis": study_to_dict(StudySpec())["analysis"]}),
        "",
        "## `[gain]`",
        "",
        "The perovskite gain medium and its carriers for the laser model of the analysis "
        "(docs/physics.md §8); stored with the runs, which the analysis reads it from.",
        "",
        *table_rows(GainSpec, GAIN_LIMITS, GAIN_CHOICES),
        "",
        *_block({"gain": study_to_dict(StudySpec())["gain"]}),
        "",
        "## `[lasing]`",
        "",
        "Optional: the gain medium and pump rates of the `lasing` run kind (a study without "
        "this table cannot run it, and leaves it out of its default run kinds).",
        "",
        *table_rows(LasingSpec, LASING_LIMITS, {}),
        "",
        "`pump_rates_per_s`: the range holds for each entry (at most 40, no repeats; sorted). "
        "`lower_lifetime_s` and `pump_lifetime_s` must be < `upper_lifetime_s`. The scaled "
        "upper lifetime `upper_lifetime_s / rate_speedup` must be >= 10 dephasing times of the "
        "line (refused otherwise).",
        "",
        *_block({"lasing": {"pump_rates_per_s": [1e6, 1e7, 3e7, 1e8, 3e8, 1e9]}}),
        "",
        *_material_section(),
        "",
    ]
    return "\n".join(lines)


def examples_load() -> None:
    """Every example of the reference is a valid study (raises SpecError otherwise)."""
    for spec in EXAMPLE_STRUCTURES:
        kinds = ["spectrum"] if spec[0].kind == "film_stack" else ["modes"]
        study_from_dict({**_structure_example(spec), "study": {"run_kinds": kinds}})
    study_from_dict({"structure": {"kind": "film_stack", "layers": [
        {"material": "mygold", "thickness_nm": 30}], "substrate": {"material": "myoxide"}},
        "materials": EXAMPLE_MATERIALS, "study": {"run_kinds": ["spectrum"]}})


__all__ = ["reference", "attribute_docs", "unit", "examples_load"]
