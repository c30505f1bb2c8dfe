"""The study: a TOML file becomes one frozen, validated StudySpec, or one clear SpecError.

Every key is checked (typos are errors), every value is validated with its full field path,
every material is resolved and checked against the study's wavelengths, all before compute.
``study_to_dict`` is the inverse of ``study_from_dict``: it is what run files store as
``spec_json`` and what sweep hashes are taken of.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotlase.geometry.materials.model import MaterialModel
from hotlase.geometry.runkinds import refusals, run_kind_names
from hotlase.geometry.settings import RUN_KINDS, AnalysisSpec, SimulationSpec
from hotlase.geometry.specs import RodArraySpec, StructureSpec, layer_stack
from hotlase.geometry.units import whole_cells
from hotlase.geometry.validate import SpecError, check_bool, check_choice, check_keys

VACUUM = MaterialModel("vacuum", 1.0, source="vacuum", valid_nm=(0.0, math.inf))
_VACUUM_NAMES = ("vacuum", "air")


@dataclass(frozen=True)
class StudySpec:
    """A whole study: structure, simulation, analysis and user materials, validated as a whole
    at construction (``check_study``), so no invalid study exists.

    Each of structure, simulation and analysis may be given as its spec or as the TOML table
    (a dict, read exactly as ``[structure]`` etc. of a study file, same defaults: an absent
    ``metal`` or ``spacer`` key means none); run_kinds may be a list.

    Attributes:
        name: short name used in file names and reports.
        structure: the structure spec (rod array, wire on metal or film stack).
        simulation: grid, band, pump and termination.
        analysis: hot-electron inputs.
        run_kinds: which runs to make ("spectrum", "modes", "fields", "emitter").
        compare_no_metal: also run the no-metal twin (geometry.twin.without_metal).
        materials: user materials {name: table as written in [materials.NAME]}.
    """

    name: str = "study"
    structure: StructureSpec = RodArraySpec()
    simulation: SimulationSpec = SimulationSpec()
    analysis: AnalysisSpec = AnalysisSpec()
    run_kinds: tuple[str, ...] = RUN_KINDS
    compare_no_metal: bool = True
    materials: dict = field(default_factory=dict)

    def __post_init__(self):
        name = self.name
        if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_." for c in name):
            raise SpecError("study.name", name, "must be a non-empty name of letters, digits, - _ .")
        kinds, known = self.run_kinds, run_kind_names()
        if not isinstance(kinds, (list, tuple)) or not kinds:
            raise SpecError("study.run_kinds", kinds, f"must be a non-empty list of {list(known)}")
        set_ = lambda key, value: object.__setattr__(self, key, value)  # noqa: E731
        set_("run_kinds", tuple(check_choice(f"study.run_kinds[{i}]", k, known)
                                for i, k in enumerate(kinds)))
        check_bool("study.compare_no_metal", self.compare_no_metal)
        if isinstance(self.structure, dict):
            set_("structure", _structure(self.structure))
        for key, cls in (("simulation", SimulationSpec), ("analysis", AnalysisSpec)):
            if isinstance(getattr(self, key), dict):
                set_(key, _flat(key, cls, getattr(self, key)))
        if not isinstance(self.materials, dict):
            raise SpecError("materials", self.materials, "must be a table of [materials.NAME] tables")
        set_("materials", {k: dict(v) if isinstance(v, dict) else v
                           for k, v in self.materials.items()})
        check_study(self)

    def replace(self, **changes: Any) -> "StudySpec":
        """A copy with ``changes``, validated again as a whole.

        A dict given for structure, simulation or analysis is merged into the current table
        (``study.replace(simulation={"resolution_nm": 20})``); a structure dict with another
        ``kind`` replaces the structure; a spec object replaces the field.
        """
        current = study_to_dict(self)
        for key in ("structure", "simulation", "analysis"):
            value = changes.get(key)
            if isinstance(value, dict):
                base = current[key]
                if key == "structure" and value.get("kind", base["kind"]) != base["kind"]:
                    base = {}
                changes[key] = {**base, **value}
        return dataclasses.replace(self, **changes)


def load_study(path: str | Path) -> StudySpec:
    """Read and validate a study TOML file.

    Raises:
        SpecError: one line naming the field path, the value and what is allowed.
        FileNotFoundError: the file does not exist.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise SpecError(str(path), "<file>", f"is not valid TOML: {err}") from None
    return study_from_dict(data)


def study_from_dict(data: dict[str, Any]) -> StudySpec:
    """Build a validated StudySpec from the TOML structure (see examples/default.toml)."""
    check_keys("", data, ("study", "structure", "simulation", "analysis", "materials"),
               required=("structure",))
    top = check_keys("study", data.get("study", {}), ("name", "run_kinds", "compare_no_metal"))
    return StudySpec(  # validated as a whole by StudySpec itself
        name=top.get("name", "study"),
        structure=_structure(data["structure"]),
        simulation=_flat("simulation", SimulationSpec, data.get("simulation", {})),
        analysis=_flat("analysis", AnalysisSpec, data.get("analysis", {})),
        run_kinds=top.get("run_kinds", list(RUN_KINDS)),
        compare_no_metal=top.get("compare_no_metal", True),
        materials=data.get("materials", {}),
    )


def study_to_dict(study: StudySpec) -> dict[str, Any]:
    """The canonical TOML-shaped dict of a study (inverse of ``study_from_dict``); JSON-safe."""
    structure = _to_plain(dataclasses.asdict(study.structure))
    return {
        "study": {"name": study.name, "run_kinds": list(study.run_kinds),
                  "compare_no_metal": study.compare_no_metal},
        "structure": structure,
        "simulation": _to_plain(dataclasses.asdict(study.simulation)),
        "analysis": _to_plain(dataclasses.asdict(study.analysis)),
        "materials": json.loads(json.dumps(study.materials)),
    }


def study_json(study: StudySpec) -> str:
    """Canonical JSON (sorted keys) of a study: stored in run files as ``spec_json``."""
    return json.dumps(study_to_dict(study), sort_keys=True, allow_nan=True)


def study_hash(study: StudySpec, length: int = 10) -> str:
    """Short SHA-256 of the canonical JSON: names sweep points whatever their order."""
    return hashlib.sha256(study_json(study).encode()).hexdigest()[:length]


def material_model(study: StudySpec, name: str, path: str = "material") -> MaterialModel:
    """Resolve a material name: study [materials.NAME] first, then the built-in registry."""
    from hotlase.geometry.materials.registry import get_material, parse_user_material

    if name in _VACUUM_NAMES:
        return VACUUM
    if name in study.materials:
        return parse_user_material(f"materials.{name}", name, study.materials[name])
    return get_material(name, path=path)


def structure_materials(structure: StructureSpec) -> dict[str, str]:
    """{field path: material name} of every material a structure uses (its kind's
    ``material_paths``, geometry.kinds)."""
    from hotlase.geometry.kinds import spec_materials

    return {f"structure.{path}": name for path, name in spec_materials(structure).items()}


def lateral_absorbers(study: StudySpec, layout) -> bool:
    """True when the cell's open lateral sides need Absorbers instead of PML: a dispersive
    medium crossing a wall-backed lateral PML diverges in Meep 1.25 (seen: 1-pole SiO2
    half-space, 2D at 5 nm, |E|^2 1e-6 -> 1e58 in 30 time units; Absorbers stay flat)."""
    open_sides = any(not p and s > 0 for p, s in zip(layout.periodic, layout.cell_xy_nm))
    return open_sides and any(material_model(study, m).poles for m in layout.materials())


def check_study(study: StudySpec) -> None:
    """Cross-checks that need materials and the grid: raise SpecError or warn.

    Errors: unknown materials, study wavelengths outside a material's valid range, layers
    thinner than one grid cell, and any run kind whose needs the structure does not meet
    (``geometry.runkinds.refusals``: plane-wave runs of a laterally finite structure with
    dispersive media, whose lateral Absorbers eat the plane wave's edges (rods on glass gave R
    0.006 and T 0.4 instead of 0.03 and 0.9; with a constant-index glass and lateral PML, 0.03
    and 0.9); modes of a planar stack; emitter runs without a rod or wire). Warnings (accuracy risks, with the number and the fix): fewer
    than 2 grid cells per metal skin depth, fewer than 8 per wavelength in a dielectric, a
    periodic side that is not a whole number of grid cells (Meep rounds it; issue 16).
    """
    from hotlase.geometry.materials.registry import check_wavelengths, skin_depth_nm

    sim = study.simulation
    lo = min(sim.wavelength_min_nm, sim.pump_wavelength_nm, sim.emission_wavelength_nm)
    hi = max(sim.wavelength_max_nm, sim.pump_wavelength_nm, sim.emission_wavelength_nm)
    for name in study.materials:  # validate every user material even if unused
        material_model(study, name, f"materials.{name}")
    for path, name in structure_materials(study.structure).items():
        model = material_model(study, name, path)
        if model is VACUUM:
            continue
        check_wavelengths(path, model, lo, hi)
        if model.is_metal:
            delta = float(skin_depth_nm(model, sim.pump_wavelength_nm))
            if delta / sim.resolution_nm < 2.0:
                warnings.warn(
                    f"{path} = {name!r}: skin depth {delta:.1f} nm at {sim.pump_wavelength_nm:g} nm "
                    f"is only {delta / sim.resolution_nm:.1f} grid cells at resolution_nm = "
                    f"{sim.resolution_nm:g}; metal results converge at >= 2 cells per skin depth "
                    f"(set simulation.resolution_nm <= {delta / 2:.1f})", stacklevel=2)
        else:
            n_max = float(abs((model.eps([lo, hi]) ** 0.5).real).max())
            cells = lo / n_max / sim.resolution_nm
            if cells < 8.0:
                warnings.warn(
                    f"{path} = {name!r}: {cells:.1f} grid cells per wavelength in the medium "
                    f"(n = {n_max:.2f} at {lo:g} nm); FDTD needs >= 8 (set simulation.resolution_nm "
                    f"<= {lo / n_max / 8:.1f})", stacklevel=2)
    from hotlase.geometry.build import build
    layout = build(study.structure)
    if sim.angle_deg > 0 and (layout.dims == 1 or not any(layout.periodic)):
        raise SpecError("simulation.angle_deg", sim.angle_deg,
                        "oblique incidence needs a laterally periodic cell (a periodic rod "
                        "array); use 0 for film stacks and finite structures")
    for axis, size, periodic in zip("xy", layout.cell_xy_nm, layout.periodic):
        cells = size / sim.resolution_nm
        if periodic and size > 0 and not whole_cells(size, sim.resolution_nm):
            warnings.warn(
                f"structure: the periodic cell is {size:.1f} nm along {axis}, {cells:.2f} grid cells "
                f"at simulation.resolution_nm = {sim.resolution_nm:g}; Meep rounds it to "
                f"{round(cells) * sim.resolution_nm:g} nm, so the rods at the cell edge sit "
                f"{abs(round(cells) * sim.resolution_nm - size) / 2:.1f} nm off their lattice sites "
                "and the mirror symmetry along that axis is left out (Meep diverges with it), "
                "so the run takes about 2x longer; choose period_nm or resolution_nm so that it "
                "is a whole number of cells "
                "(hexagonal lattices: sqrt(3) period_nm along y)", stacklevel=2)
    refused = refusals(study, layout)  # what each run kind needs (geometry.runkinds)
    if refused:
        by_reason: dict[str, list[str]] = {}
        for kind, why in refused.items():
            by_reason.setdefault(why, []).append(kind)
        raise SpecError("study.run_kinds", list(study.run_kinds), "; ".join(
            f"{' and '.join(kinds)} {why}" for why, kinds in by_reason.items()))
    for i, layer in enumerate(layer_stack(study.structure)):
        if layer.thickness_nm < sim.resolution_nm:
            label = _layer_path(study.structure, i)
            raise SpecError(f"{label}.thickness_nm", layer.thickness_nm,
                            f"layer thinner than one grid cell (simulation.resolution_nm = "
                            f"{sim.resolution_nm:g}); make it >= {sim.resolution_nm:g} or refine the grid")


def _layer_path(structure: StructureSpec, index: int) -> str:
    from hotlase.geometry.kinds import spec_layers

    return f"structure.{spec_layers(structure)[index][0]}"


def _flat(path: str, cls, table: Any):
    names = [f.name for f in dataclasses.fields(cls)]
    check_keys(path, table, names)
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in table.items()}
    try:
        return cls(**kwargs)
    except SpecError as err:
        raise SpecError(f"{path}.{err.path}", err.value, err.allowed) from None


def _structure(table: Any) -> StructureSpec:
    """A structure spec from its TOML table, read as its registered kind declares
    (geometry.kinds): nested tables, lists of tables, optional layers absent = none."""
    from hotlase.geometry.kinds import structure_kinds

    kinds = structure_kinds()
    check_keys("structure", table, ("kind", *sorted({f.name for k in kinds.values()
                                                     for f in dataclasses.fields(k.spec)})),
               required=("kind",))
    kind = kinds[check_choice("structure.kind", table["kind"], tuple(kinds))]
    names = [f.name for f in dataclasses.fields(kind.spec)]
    check_keys("structure", table, names)
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key in kind.tables:
            kwargs[key] = None if value == {} and key in kind.optional_tables else _flat(
                f"structure.{key}", kind.tables[key], value)
        elif key in kind.table_lists:
            if not isinstance(value, list):
                raise SpecError(f"structure.{key}", value, "must be a list of tables")
            kwargs[key] = tuple(_flat(f"structure.{key}[{i}]", kind.table_lists[key], v)
                                for i, v in enumerate(value))
        else:
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    for key in kind.optional_tables:  # absent optional layers mean "none", not the default
        kwargs.setdefault(key, None)
    try:
        return kind.spec(**kwargs)
    except SpecError as err:
        raise SpecError(f"structure.{err.path}", err.value, err.allowed) from None


def _to_plain(obj: Any) -> Any:
    """asdict output to TOML-shaped values; None (an absent optional layer) is dropped."""
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_to_plain(v) for v in obj]
    return obj
