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
import os
import re
import stat
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotlase.geometry.materials.model import MaterialModel
import numpy as np

from hotlase.geometry.contact import sheet_sides
from hotlase.geometry.runkinds import refusals, run_kind_names
from hotlase.geometry.settings import MIN_RESOLUTION_NM, RUN_KINDS, AnalysisSpec, SimulationSpec
from hotlase.geometry.specs import (GainSpec, LasingSpec, RodArraySpec, StructureSpec,
                                    WireOnMetalSpec, layer_stack)
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
        run_kinds: which runs to make ("spectrum", "modes", "fields", "emitter", and "lasing"
            with a [lasing] table).
        compare_no_metal: also run the no-metal twin (geometry.twin.without_metal).
        materials: user materials {name: table as written in [materials.NAME]}.
        gain: the perovskite gain medium and carrier constants of the laser model (the
            optional [gain] table: the analysis and the ``lasing`` run kind read it; it is no
            part of a passive run's identity, ``run_identity``).
        lasing: the optional [lasing] table (gain medium and pump rates of the ``lasing``
            run kind); None when the study has none.
    """

    name: str = "study"
    structure: StructureSpec = RodArraySpec()
    simulation: SimulationSpec = SimulationSpec()
    analysis: AnalysisSpec = AnalysisSpec()
    run_kinds: tuple[str, ...] | None = None  # None: every kind the structure can run
    compare_no_metal: bool = True
    materials: dict = field(default_factory=dict)
    gain: GainSpec = GainSpec()
    lasing: LasingSpec | None = None

    def __post_init__(self):
        name = self.name
        if (not isinstance(name, str) or not name or len(name) > MAX_NAME
                or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in name)):
            raise SpecError("study.name", _short(name), f"must be a non-empty name of at most "
                                                        f"{MAX_NAME} letters, digits, - _ .")
        auto = self.run_kinds is None  # not given: every kind the structure can run
        kinds, known = (run_kind_names() if auto else self.run_kinds), run_kind_names()
        if not isinstance(kinds, (list, tuple)) or not kinds:
            raise SpecError("study.run_kinds", kinds, f"must be a non-empty list of {list(known)}")
        set_ = lambda key, value: object.__setattr__(self, key, value)  # noqa: E731
        set_("run_kinds", tuple(check_choice(f"study.run_kinds[{i}]", k, known)
                                for i, k in enumerate(kinds)))
        check_bool("study.compare_no_metal", self.compare_no_metal)
        if isinstance(self.structure, dict):
            set_("structure", _structure(self.structure))
        for key, cls in (("simulation", SimulationSpec), ("analysis", AnalysisSpec),
                         ("gain", GainSpec), ("lasing", LasingSpec)):
            if isinstance(getattr(self, key), dict):
                set_(key, _flat(key, cls, getattr(self, key)))
        if not isinstance(self.materials, dict):
            raise SpecError("materials", self.materials, "must be a table of [materials.NAME] tables")
        for key, table in self.materials.items():
            if key in _VACUUM_NAMES:
                raise SpecError(f"materials.{key}", table, f"{key!r} is reserved for vacuum (n = 1); "
                                "give the medium another name (e.g. [materials.medium]) and use it")
            if not isinstance(key, str) or len(key) > MAX_NAME or not _MATERIAL_NAME.match(key):
                raise SpecError("materials", _short(key),
                                f"material names must be identifiers of at most {MAX_NAME} letters, "
                                "digits, _ and - (starting with a letter or _)")
            if not isinstance(table, dict):
                raise SpecError(f"materials.{key}", table, "must be a table")
        set_("materials", {k: dict(v) if isinstance(v, dict) else v
                           for k, v in self.materials.items()})
        if auto:
            from hotlase.geometry.build import build

            refused = refusals(self, build(self.structure))
            set_("run_kinds", tuple(k for k in self.run_kinds if k not in refused) or self.run_kinds)
        check_study(self)

    def replace(self, **changes: Any) -> "StudySpec":
        """A copy with ``changes``, validated again as a whole.

        A dict given for structure, simulation or analysis is merged into the current table
        (``study.replace(simulation={"resolution_nm": 20})``); a structure dict with another
        ``kind`` replaces the structure; a spec object replaces the field.
        """
        current = study_to_dict(self)
        for key in ("structure", "simulation", "analysis", "gain", "lasing"):
            value = changes.get(key)
            if isinstance(value, dict):
                base = current.get(key, {})
                if key == "structure" and value.get("kind", base["kind"]) != base["kind"]:
                    base = {}
                changes[key] = {**base, **value}
        return dataclasses.replace(self, **changes)


#: Largest study file read (bytes): a study is a few kB; anything bigger is not one.
MAX_STUDY_BYTES = 1_000_000
#: Longest study or material name (names end up in file names, HDF5 groups and figures).
MAX_NAME = 64
_MATERIAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def read_study_text(path: str | Path, what: str = "study file") -> str:
    """The UTF-8 text of a TOML file, checked before it is opened: a regular file (a FIFO or
    device is never opened, so it cannot hang), at most ``MAX_STUDY_BYTES``, readable, UTF-8.

    Raises:
        SpecError: ``study file = 'PATH': <what is wrong>``.
    """
    if path is None or not str(path).strip():
        raise SpecError(what, "" if path is None else str(path),
                        "is empty: give the path of a TOML file")
    name = str(path)
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise SpecError(what, name, "no such file") from None
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or err
        raise SpecError(what, name, f"cannot be read: {reason}") from None
    for test, kind in _FILE_KINDS:
        if test(st.st_mode):
            raise SpecError(what, name, f"is {kind}, not a TOML file")
    if not stat.S_ISREG(st.st_mode):
        raise SpecError(what, name, "is not a regular file")
    if st.st_size > MAX_STUDY_BYTES:
        raise SpecError(what, name, f"is {st.st_size} bytes; a study file is a TOML text of at "
                                    f"most {MAX_STUDY_BYTES} bytes")
    try:
        with open(name, "rb") as f:
            raw = f.read(MAX_STUDY_BYTES + 1)
    except OSError as err:
        raise SpecError(what, name, f"cannot be read: {err.strerror or err}") from None
    if raw[:2] == b"\x1f\x8b":
        raise SpecError(what, name, "is gzip-compressed; give the uncompressed UTF-8 TOML text")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SpecError(what, name, "is UTF-16 text; save it as UTF-8 TOML")
    if b"\x00" in raw:
        raise SpecError(what, name,
                        f"is binary (a NUL byte at offset {raw.find(0)}), not UTF-8 TOML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SpecError(what, name, f"is not UTF-8 text (byte {raw[err.start]:#04x} at offset "
                                    f"{err.start}); save it as UTF-8 TOML") from None
    return text.removeprefix("\ufeff")


def parse_toml(text: str, path: str | Path, what: str = "study file") -> dict[str, Any]:
    """``tomllib.loads`` with every failure as one SpecError naming the file."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(what, str(path), f"is not valid TOML: {err}") from None
    except RecursionError:
        raise SpecError(what, str(path), "is nested deeper than a TOML parser can follow; a study "
                                         "is a few levels of tables") from None


def load_study(path: str | Path) -> StudySpec:
    """Read and validate a study TOML file.

    Raises:
        SpecError: one line naming the field path (or the file), the value and what is allowed.
    """
    return study_from_dict(parse_toml(read_study_text(path), path))


def study_from_dict(data: dict[str, Any]) -> StudySpec:
    """Build a validated StudySpec from the TOML structure (see examples/default.toml)."""
    check_keys("", data, ("study", "structure", "simulation", "analysis", "materials", "gain",
                          "lasing"),
               required=("structure",))
    top = check_keys("study", data.get("study", {}), ("name", "run_kinds", "compare_no_metal"))
    return StudySpec(  # validated as a whole by StudySpec itself
        name=top.get("name", "study"),
        structure=_structure(data["structure"]),
        simulation=_flat("simulation", SimulationSpec, data.get("simulation", {})),
        analysis=_flat("analysis", AnalysisSpec, data.get("analysis", {})),
        run_kinds=top.get("run_kinds"),
        compare_no_metal=top.get("compare_no_metal", True),
        materials=data.get("materials", {}),
        gain=_flat("gain", GainSpec, data.get("gain", {})),
        lasing=_flat("lasing", LasingSpec, data["lasing"]) if "lasing" in data else None,
    )


def study_to_dict(study: StudySpec) -> dict[str, Any]:
    """The canonical TOML-shaped dict of a study (inverse of ``study_from_dict``); JSON-safe."""
    structure = _to_plain(dataclasses.asdict(study.structure))
    assert study.run_kinds is not None  # StudySpec resolves None to the structure's kinds
    lasing = ({} if study.lasing is None
              else {"lasing": _to_plain(dataclasses.asdict(study.lasing))})
    return {
        "study": {"name": study.name, "run_kinds": list(study.run_kinds),
                  "compare_no_metal": study.compare_no_metal},
        "structure": structure,
        "simulation": _to_plain(dataclasses.asdict(study.simulation)),
        "analysis": _to_plain(dataclasses.asdict(study.analysis)),
        "materials": json.loads(json.dumps(study.materials)),
        "gain": _to_plain(dataclasses.asdict(study.gain)),
        **lasing,
    }


def study_json(study: StudySpec, resolved: bool = False) -> str:
    """Canonical JSON (sorted keys) of a study. ``resolved``: with ``simulation.material_bands``
    as the runs use it (geometry.subbands: "split" or "broadband" when the study leaves it
    out), what run files store as ``spec_json``, so resuming never reuses a file made the
    other way. Unresolved, a study that leaves it out reads back as an old, one-model run."""
    data = study_to_dict(study)
    if resolved:
        from hotlase.geometry.subbands import material_bands

        data["simulation"]["material_bands"] = material_bands(study)
    return json.dumps(data, sort_keys=True, allow_nan=True)


def study_hash(study: StudySpec, length: int = 10) -> str:
    """Short SHA-256 of the canonical JSON: names sweep points whatever their order."""
    return hashlib.sha256(study_json(study).encode()).hexdigest()[:length]


#: The tables of a study that shape the numbers (the ``[study]`` table only names and selects).
#: Which of them shape one run is the run kind's ``tables`` (geometry.runkinds): a passive run
#: is made from [structure], [simulation] and [materials] alone; [gain] and [analysis] feed the
#: analysis, which reads them from the directory's study, never from a run file.
PHYSICS_TABLES = ("structure", "simulation", "analysis", "materials", "gain", "lasing")


def physics_dict(spec: StudySpec | dict, kind: str | None = None,
                 tables: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The tables of a study (or of its canonical dict) that change the results,
    JSON-normalised: those of run kind ``kind`` (``geometry.runkinds.run_tables``), the given
    ``tables``, or (neither) every table of ``PHYSICS_TABLES``. A stored study written before
    the [gain] table existed holds the default gain table; one written before
    ``simulation.material_bands`` existed ran "broadband" (one run, one model)."""
    from hotlase.geometry.runkinds import run_tables

    names = tables if tables is not None else run_tables(kind) if kind else PHYSICS_TABLES
    data = json.loads(study_json(spec, resolved=True)) if isinstance(spec, StudySpec) else spec
    defaults = {"gain": _to_plain(dataclasses.asdict(GainSpec()))}
    out = {k: data.get(k, defaults.get(k, {})) for k in names}
    sim = out.get("simulation")
    if isinstance(sim, dict) and sim.get("material_bands") is None:  # written before the switch
        out["simulation"] = {**sim, "material_bands": "broadband"}
    return out


def physics_hash(spec: StudySpec | dict, length: int = 16, kind: str | None = None,
                 tables: tuple[str, ...] | None = None) -> str:
    """SHA-256 of ``physics_dict``: equal exactly when the runs would be the same."""
    text = json.dumps(physics_dict(spec, kind, tables), sort_keys=True, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def run_identity(spec: StudySpec | dict, kind: str, together: tuple[str, ...] = (),
                 length: int = 16) -> str:
    """The identity of one run: SHA-256 of the tables its kind is made from and of the run
    kinds made in the same command (``together``: modes made from the emitter's pulses differ
    from modes made alone, the field targets come from the modes run). Two studies with the
    same identity for a kind give the same run file, so it is made once and shared
    (``solvers.runcache``); [gain] and [analysis] are in no passive kind's identity."""
    text = json.dumps({"kind": kind, "tables": physics_dict(spec, kind),
                       "together": sorted(set(together))}, sort_keys=True, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def spec_differences(stored_json: str, study: StudySpec, limit: int = 4,
                     kind: str | None = None) -> list[str]:
    """``path: stored -> requested`` for each field where a run file's stored study (its
    ``spec_json``) differs from ``study`` in what shapes the numbers (of a run of ``kind``:
    its kind's tables; without a kind, every table of ``PHYSICS_TABLES``); [] when they agree."""
    try:
        stored = physics_dict(json.loads(stored_json), kind)
    except (TypeError, ValueError, AttributeError):
        return ["spec_json: unreadable"]
    want = physics_dict(study, kind)
    out: list[str] = []

    def walk(path: str, a: Any, b: Any) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted({*a, *b}):
                walk(f"{path}.{key}" if path else key, a.get(key), b.get(key))
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and a != b:
            for i, (x, y) in enumerate(zip(a, b)):
                walk(f"{path}[{i}]", x, y)
        elif a != b:
            out.append(f"{path}: {_short(json.dumps(a), 40)} -> {_short(json.dumps(b), 40)}")

    walk("", stored, want)
    return out[:limit] + ([f"and {len(out) - limit} more"] if len(out) > limit else [])


def material_model(study: StudySpec, name: str, path: str = "material") -> MaterialModel:
    """Resolve a material name: study [materials.NAME] first, then the built-in registry
    (for a compound with per-band models, the one fitted over the study's band:
    ``registry.model_for_band`` with ``study_band_nm``)."""
    from hotlase.geometry.materials.registry import model_for_band, parse_user_material

    if name in _VACUUM_NAMES:
        return VACUUM
    sides = sheet_sides(name)
    if sides is not None:  # a contact sheet's medium (geometry.contact): the mean of the two
        from hotlase.geometry.materials.model import interface_mean

        return interface_mean(*(material_model(study, side, path) for side in sides))
    if name in study.materials:
        return parse_user_material(f"materials.{name}", name, study.materials[name])
    return model_for_band(name, *study_band_nm(study), path=path)


def study_band_nm(study: StudySpec) -> tuple[float, float]:
    """(lo, hi) nm every material must cover: the simulated band, the pump and the emission."""
    sim = study.simulation
    return (min(sim.wavelength_min_nm, sim.pump_wavelength_nm, sim.emission_wavelength_nm),
            max(sim.wavelength_max_nm, sim.pump_wavelength_nm, sim.emission_wavelength_nm))


def _band_hint(name: str) -> str:
    """What to do about a model that misses the n, k target over the study band."""
    from hotlase.geometry.materials.perovskites import BAND_MODELS
    from hotlase.geometry.materials.registry import get_material

    windows = " or ".join(f"{get_material(m).valid_nm[0]:g}-{get_material(m).valid_nm[1]:g}"
                          for m in BAND_MODELS.get(name, ()))
    narrow = (f"a band inside {windows} nm gets a model that meets it "
              f"(simulation.material_bands = \"split\" runs once per band), " if windows else "")
    return f"{narrow}one wavelength: exact_model (docs/physics.md §3)"


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
    for label, wl in (("pump_wavelength_nm", sim.pump_wavelength_nm),
                      ("emission_wavelength_nm", sim.emission_wavelength_nm)):
        if not sim.wavelength_min_nm <= wl <= sim.wavelength_max_nm:
            raise SpecError(f"simulation.{label}", wl,
                            f"must lie in the simulated band [{sim.wavelength_min_nm:g}, "
                            f"{sim.wavelength_max_nm:g}] nm (the source covers only the band; "
                            f"values there would be reported as the {label.split('_')[0]}'s); "
                            "widen wavelength_min_nm/wavelength_max_nm")
    lo, hi = study_band_nm(study)
    band = sorted({*np.linspace(lo, hi, 257).tolist(), sim.pump_wavelength_nm,
                   sim.emission_wavelength_nm})
    for name in study.materials:  # validate every user material even if unused
        _check_permittivity(f"materials.{name}", material_model(study, name, f"materials.{name}"),
                            band)
    superstrate = material_model(study, study.structure.superstrate, "structure.superstrate")
    if superstrate.is_metal:
        raise SpecError("structure.superstrate", study.structure.superstrate,
                        "a metal cannot fill the half-space above the structure (its PML and "
                        "plane-wave source need a transparent medium); use a dielectric or "
                        "vacuum, and a thick metal layer for a metal cover")
    from hotlase.geometry.subbands import material_bands, split_materials

    try:  # an unknown material is refused below, with its field path
        split = split_materials(study) if material_bands(study) == "split" else []
    except SpecError:
        split = []
    for path, name in structure_materials(study.structure).items():
        model = material_model(study, name, path)
        if model is VACUUM:
            continue
        check_wavelengths(path, model, lo, hi)
        if model.misses_nk_target(lo, hi) and name not in split:  # split: per-band models
            over = [e for e in model.nk_error if e[0] < hi and e[1] > lo]
            warnings.warn(
                f"{path} = {name!r} ({model.name}) misses the measured n, k over {lo:g}-{hi:g} "
                f"nm: |dn| up to {max(e[2] for e in over):.3f}, |dk| up to "
                f"{max(e[3] for e in over):.2g}x the allowed (target |dn| <= 0.02, |dk| <= "
                f"max(0.005, 10 %)); {_band_hint(name)}", stacklevel=2)
        if model.is_metal:
            delta = float(skin_depth_nm(model, sim.pump_wavelength_nm))
            if delta / sim.resolution_nm < 2.0:
                warnings.warn(
                    f"{path} = {name!r}: skin depth {delta:.3g} nm at "
                    f"{sim.pump_wavelength_nm:g} nm "
                    f"is only {delta / sim.resolution_nm:.2g} grid cells at resolution_nm = "
                    f"{sim.resolution_nm:g}; metal results converge at >= 2 cells per skin depth "
                    f"({_finer_grid(delta / 2)})", stacklevel=2)
        else:
            n_max = float(abs(model.eps([lo, hi]) ** 0.5).max())
            cells = lo / n_max / sim.resolution_nm
            if cells < 8.0:
                warnings.warn(
                    f"{path} = {name!r}: {cells:.2g} grid cells per wavelength in the medium "
                    f"(|n| = {n_max:.3g} at {lo:g} nm); FDTD needs >= 8 "
                    f"({_finer_grid(lo / n_max / 8)})", stacklevel=2)
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
    for path, size in _features(study.structure).items():
        if size < sim.resolution_nm:
            warnings.warn(f"{path} = {size:g}: smaller than one grid cell "
                          f"(simulation.resolution_nm = {sim.resolution_nm:g}); the grid cannot "
                          "resolve it, so it is "
                          f"drawn as a few voxels or not at all ({_finer_grid(size / 2)})",
                          stacklevel=2)
    refused = refusals(study, layout)  # what each run kind needs (geometry.runkinds)
    assert study.run_kinds is not None  # StudySpec resolves None to the structure's kinds
    if refused:
        by_reason: dict[str, list[str]] = {}
        for kind, why in refused.items():
            by_reason.setdefault(why, []).append(kind)
        raise SpecError("study.run_kinds", list(study.run_kinds), "; ".join(
            f"{' and '.join(kinds)} {why}" for why, kinds in by_reason.items()))
    plane_wave = [k for k in study.run_kinds if k in ("spectrum", "fields")]
    substrate = material_model(study, study.structure.substrate.material, "structure.substrate")
    if plane_wave and layout.dims > 1 and substrate.is_metal:
        # measured (issue 15): rods on an Ag half-space at 10 nm, R(550 nm) 0.959 with
        # pml_nm 250 and 0.912 with 500, where rods on a 400 nm Ag film on SiO2 give 0.901
        # for both; a 1D half-space matches Fresnel (tests/physics/test_metal_half_space.py)
        thick = 10 * max(float(skin_depth_nm(substrate, w))
                         for w in (sim.wavelength_min_nm, sim.wavelength_max_nm))
        raise SpecError("structure.substrate.material", study.structure.substrate.material,
                        f"a metal as the semi-infinite substrate of a {layout.dims}D cell gives "
                        f"{' and '.join(plane_wave)} results that move with simulation.pml_nm; "
                        f"use a finite metal layer of >= 10 skin depths ({thick:.0f} nm) on a "
                        "dielectric substrate (e.g. structure.metal thickness_nm = "
                        f"{thick:.0f}, structure.substrate material = \"SiO2\")")
    for label, layer in layer_paths(study.structure):
        if layer.thickness_nm < sim.resolution_nm:
            raise SpecError(f"{label}.thickness_nm", layer.thickness_nm,
                            f"layer thinner than one grid cell (simulation.resolution_nm = "
                            f"{sim.resolution_nm:g}); make it >= {sim.resolution_nm:g} or refine the grid")
    from hotlase.geometry.estimate import check_absurd

    check_absurd(study)


#: Largest |eps| a material may reach in the band: beyond it the time step that keeps the
#: polarisation update stable collapses (Meep's Courant limit scales with 1/sqrt(max eps)).
MAX_ABS_EPS = 1e5


def _check_permittivity(path: str, model: MaterialModel, wavelengths_nm) -> None:
    """Refuse a material whose permittivity is not finite or extreme at the study's wavelengths."""
    with np.errstate(all="ignore"):
        eps = np.asarray(model.eps(wavelengths_nm), dtype=complex)
    bad = ~np.isfinite(eps) | (np.abs(eps) > MAX_ABS_EPS) | (np.abs(eps) < 1e-6)
    if bad.any():
        i = int(np.argmax(bad))
        raise SpecError(path, model.name,
                        f"permittivity eps = {eps[i]:.3g} at {wavelengths_nm[i]:g} nm is not "
                        f"usable (must be finite with 1e-6 <= |eps| <= {MAX_ABS_EPS:g}); "
                        "check its terms (a pole at a study wavelength with gamma_ev = 0, or "
                        "extreme sigma)")


def _finer_grid(target_nm: float) -> str:
    """Advice on the grid spacing: never a spacing below the smallest one allowed."""
    if target_nm >= MIN_RESOLUTION_NM:
        return f"set simulation.resolution_nm <= {target_nm:.2g}"
    return (f"it would need resolution_nm <= {target_nm:.2g}, below the smallest allowed "
            f"{MIN_RESOLUTION_NM:g} nm: check the material or the size")


def _features(structure: StructureSpec) -> dict[str, float]:
    """{field path: size in nm} of the finite features that must span grid cells."""
    if isinstance(structure, RodArraySpec):
        return {"structure.rod.radius_nm": structure.rod.radius_nm,
                "structure.rod.height_nm": structure.rod.height_nm}
    if isinstance(structure, WireOnMetalSpec):
        return {"structure.radius_nm": structure.radius_nm}
    return {}


def layer_paths(structure: StructureSpec) -> list[tuple[str, Any]]:
    """(field path, layer) of ``layer_stack(structure)``, top to bottom, the substrate last."""
    from hotlase.geometry.kinds import spec_layers

    return [(f"structure.{path}", layer) for path, layer in spec_layers(structure)]


def _short(value: Any, limit: int = 80) -> Any:
    """A long string cut for an error message (the message stays one readable line)."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"...({len(value)} chars)"
    return value


def _flat(path: str, cls, table: Any):
    names = [f.name for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    check_keys(path, table, names, required=required)
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
