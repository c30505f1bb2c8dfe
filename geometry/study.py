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
from hotlase.geometry.settings import RUN_KINDS, AnalysisSpec, SimulationSpec
from hotlase.geometry.specs import (
    FilmStackSpec,
    LayerSpec,
    RodArraySpec,
    RodSpec,
    StructureSpec,
    WireOnMetalSpec,
    layer_stack,
)
from hotlase.geometry.units import whole_cells
from hotlase.geometry.validate import SpecError, check_bool, check_choice, check_keys

VACUUM = MaterialModel("vacuum", 1.0, source="vacuum", valid_nm=(0.0, math.inf))
_VACUUM_NAMES = ("vacuum", "air")


@dataclass(frozen=True)
class StudySpec:
    """A whole study: structure, simulation, analysis and user materials.

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


_STRUCTURES = {"rod_array": RodArraySpec, "wire_on_metal": WireOnMetalSpec,
               "film_stack": FilmStackSpec}
_LAYER_KEYS = ("spacer", "metal", "substrate")


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
    name = top.get("name", "study")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_." for c in name):
        raise SpecError("study.name", name, "must be a non-empty name of letters, digits, - _ .")
    kinds = top.get("run_kinds", list(RUN_KINDS))
    if not isinstance(kinds, list) or not kinds:
        raise SpecError("study.run_kinds", kinds, f"must be a non-empty list of {list(RUN_KINDS)}")
    kinds = tuple(check_choice(f"study.run_kinds[{i}]", k, RUN_KINDS) for i, k in enumerate(kinds))
    compare = check_bool("study.compare_no_metal", top.get("compare_no_metal", True))
    materials = data.get("materials", {})
    if not isinstance(materials, dict):
        raise SpecError("materials", materials, "must be a table of [materials.NAME] tables")
    study = StudySpec(
        name=name,
        structure=_structure(data["structure"]),
        simulation=_flat("simulation", SimulationSpec, data.get("simulation", {})),
        analysis=_flat("analysis", AnalysisSpec, data.get("analysis", {})),
        run_kinds=kinds,
        compare_no_metal=compare,
        materials={k: dict(v) if isinstance(v, dict) else v for k, v in materials.items()},
    )
    check_study(study)
    return study


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
    """{field path: material name} of every material a structure uses."""
    out: dict[str, str] = {"structure.superstrate": structure.superstrate}
    if isinstance(structure, RodArraySpec):
        out["structure.rod.material"] = structure.rod.material
    elif isinstance(structure, WireOnMetalSpec):
        out["structure.wire_material"] = structure.wire_material
    if isinstance(structure, FilmStackSpec):
        for i, layer in enumerate(structure.layers):
            out[f"structure.layers[{i}].material"] = layer.material
        out["structure.substrate.material"] = structure.substrate.material
    else:
        for key in _LAYER_KEYS:
            layer = getattr(structure, key)
            if layer is not None:
                out[f"structure.{key}.material"] = layer.material
    return out


def lateral_absorbers(study: StudySpec, layout) -> bool:
    """True when the cell's open lateral sides need Absorbers instead of PML: a dispersive
    medium crossing a wall-backed lateral PML diverges in Meep 1.25 (seen: 1-pole SiO2
    half-space, 2D at 5 nm, |E|^2 1e-6 -> 1e58 in 30 time units; Absorbers stay flat)."""
    open_sides = any(not p and s > 0 for p, s in zip(layout.periodic, layout.cell_xy_nm))
    return open_sides and any(material_model(study, m).poles for m in layout.materials())


def check_study(study: StudySpec) -> None:
    """Cross-checks that need materials and the grid: raise SpecError or warn.

    Errors: unknown materials, study wavelengths outside a material's valid range, layers
    thinner than one grid cell, plane-wave runs (spectrum, fields) of a laterally finite
    structure with dispersive media (its lateral Absorbers eat the plane wave's edges: rods
    on glass gave R 0.006 and T 0.4 instead of 0.03 and 0.9; with a constant-index glass
    and lateral PML, 0.03 and 0.9). Warnings (accuracy risks, with the number and the fix): fewer
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
    plane_wave = [k for k in study.run_kinds if k in ("spectrum", "fields")]
    if plane_wave and lateral_absorbers(study, layout):
        raise SpecError("study.run_kinds", list(study.run_kinds),
                        f"{' and '.join(plane_wave)} need a laterally periodic cell when a "
                        "material is dispersive: the Absorbers that finite cells then need "
                        "(Meep 1.25 diverges with dispersive media in a lateral PML) damp the "
                        "plane wave's edges and R, T, A and the field maps come out wrong; use "
                        "structure.array = \"periodic\", or run_kinds [\"modes\", \"emitter\"] "
                        "for a finite structure")
    substrate = material_model(study, study.structure.substrate.material, "structure.substrate")
    if plane_wave and layout.dims > 1 and substrate.is_metal:
        # measured (issue 15): rods on an Ag half-space at 10 nm, R(550 nm) 0.959 with
        # pml_nm 250 and 0.912 with 500, where rods on a 400 nm Ag film on SiO2 give 0.901
        # for both; a 1D half-space matches Fresnel (tests/physics/test_metal_half_space.py)
        thick = 10 * max(float(skin_depth_nm(substrate, w)) for w in (lo, hi))
        raise SpecError("structure.substrate.material", study.structure.substrate.material,
                        f"a metal as the semi-infinite substrate of a {layout.dims}D cell gives "
                        f"{' and '.join(plane_wave)} results that move with simulation.pml_nm; "
                        f"use a finite metal layer of >= 10 skin depths ({thick:.0f} nm) on a "
                        "dielectric substrate (e.g. structure.metal thickness_nm = "
                        f"{thick:.0f}, structure.substrate material = \"SiO2\")")
    for i, layer in enumerate(layer_stack(study.structure)):
        if layer.thickness_nm < sim.resolution_nm:
            label = _layer_path(study.structure, i)
            raise SpecError(f"{label}.thickness_nm", layer.thickness_nm,
                            f"layer thinner than one grid cell (simulation.resolution_nm = "
                            f"{sim.resolution_nm:g}); make it >= {sim.resolution_nm:g} or refine the grid")


def _layer_path(structure: StructureSpec, index: int) -> str:
    if isinstance(structure, FilmStackSpec):
        return "structure.substrate" if index == len(structure.layers) else f"structure.layers[{index}]"
    present = [k for k in _LAYER_KEYS if getattr(structure, k) is not None]
    return f"structure.{present[index]}"


def _flat(path: str, cls, table: Any):
    names = [f.name for f in dataclasses.fields(cls)]
    check_keys(path, table, names)
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in table.items()}
    try:
        return cls(**kwargs)
    except SpecError as err:
        raise SpecError(f"{path}.{err.path}", err.value, err.allowed) from None


def _structure(table: Any) -> StructureSpec:
    check_keys("structure", table, ("kind", *sorted({f.name for c in _STRUCTURES.values()
                                                     for f in dataclasses.fields(c)})),
               required=("kind",))
    kind = check_choice("structure.kind", table["kind"], tuple(_STRUCTURES))
    cls = _STRUCTURES[kind]
    names = [f.name for f in dataclasses.fields(cls)]
    check_keys("structure", table, names)
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key in _LAYER_KEYS:
            kwargs[key] = None if value == {} and key != "substrate" else _flat(
                f"structure.{key}", LayerSpec, value)
        elif key == "rod":
            kwargs[key] = _flat("structure.rod", RodSpec, value)
        elif key == "layers":
            if not isinstance(value, list):
                raise SpecError("structure.layers", value, "must be a list of layer tables")
            kwargs[key] = tuple(_flat(f"structure.layers[{i}]", LayerSpec, v)
                                for i, v in enumerate(value))
        else:
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    if kind in ("rod_array", "wire_on_metal"):
        for key in ("spacer", "metal"):  # absent optional layers mean "none", not the default
            kwargs.setdefault(key, None)
    if "substrate" not in kwargs:
        kwargs["substrate"] = LayerSpec("SiO2")
    try:
        return cls(**kwargs)
    except SpecError as err:
        raise SpecError(f"structure.{err.path}", err.value, err.allowed) from None


def _to_plain(obj: Any) -> Any:
    """asdict output to TOML-shaped values; None (an absent optional layer) is dropped."""
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_to_plain(v) for v in obj]
    return obj
