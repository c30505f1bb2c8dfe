"""Sweep files: a base study plus parameter ranges, expanded into validated points.

A sweep file (see examples/sweep.toml) has a ``[sweep]`` table with the base ``study`` (a
path relative to the sweep file, or an inline table), ``mode = "product"`` or ``"zip"``,
``[sweep.parameters]`` whose keys are dotted field paths of the study
(``"structure.rod.radius_nm"``, ``"structure.layers[0].thickness_nm"``) and whose values are
lists or ``{linspace = [start, stop, n]}``, and optional ``[sweep.fixed]`` (paths set in every
point). ``[slurm]`` and ``[run]`` say how points are submitted and run.

Every point is validated with ``geometry.study.study_from_dict`` before anything runs; a bad
value raises one SpecError naming ``sweep.parameters.<path>[i]``. A point is identified by
``geometry.study.study_hash`` of its validated study, so the order of parameters or values in
the file does not matter.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotlase.geometry.study import (
    StudySpec,
    parse_toml,
    read_study_text,
    study_from_dict,
    study_hash,
    study_to_dict,
)
from hotlase.geometry.validate import SpecError, check_choice, check_int, check_keys, check_number

MODES = ("product", "zip")
LAUNCHERS = ("mpirun", "srun")
_STEP = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")


@dataclass(frozen=True)
class SlurmSpec:
    """How points are submitted to Slurm (``[slurm]``).

    Attributes:
        partition, account: passed to ``#SBATCH --partition/--account`` when set.
        time: wall-time limit per point, Slurm syntax ("HH:MM:SS", "D-HH:MM").
        mem: memory per point, Slurm syntax ("4G", "2000M").
        ntasks: MPI ranks per point (default: ``[run] np``).
        array_max_concurrent: most points running at once (``--array=0-K%C``); 0 = no limit.
        launcher: "mpirun" or "srun" (how the MPI ranks are started inside the job).
        srun_mpi: the ``srun --mpi`` plugin for launcher "srun" ("pmix" suits Open MPI 4 and
            5; "" leaves the cluster's MpiDefault).
        modules: environment modules loaded before the run (``module load NAME``).
        setup: shell lines run before the run (``source venv/bin/activate``, exports).
        sbatch_options: extra ``#SBATCH`` options, e.g. ``["--qos=short"]``.
    """

    partition: str | None = None
    account: str | None = None
    time: str = "01:00:00"
    mem: str = "4G"
    ntasks: int | None = None
    array_max_concurrent: int = 0
    launcher: str = "mpirun"
    srun_mpi: str = "pmix"
    modules: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()
    sbatch_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunSpec:
    """How each point is run (``[run]``).

    Attributes:
        np: MPI ranks per point, >= 1.
        resolution_nm: grid spacing in nm set in every point (part of the point's hash),
            None to keep the study's.
    """

    np: int = 1
    resolution_nm: float | None = None


@dataclass(frozen=True)
class Point:
    """One validated point of a sweep.

    Attributes:
        hash: ``study_hash`` of the validated study; names the point directory.
        values: {swept path: value} of this point.
        indices: {swept path: index of the value in that parameter's list}.
        study: the validated study.
    """

    hash: str
    values: dict[str, Any]
    indices: dict[str, int]
    study: StudySpec = field(repr=False)


@dataclass(frozen=True)
class Sweep:
    """A parsed sweep file and its expanded points (in file order)."""

    source: Path | None
    mode: str
    parameters: tuple[tuple[str, tuple[Any, ...]], ...]
    points: tuple[Point, ...]
    slurm: SlurmSpec
    run: RunSpec
    name: str


def load_sweep(path: str | Path) -> Sweep:
    """Read, expand and validate a sweep file.

    Raises:
        SpecError: one line naming the offending field (``sweep.parameters.<path>[i]``).
        FileNotFoundError: the sweep file or its base study does not exist.
    """
    data = parse_toml(read_study_text(path, "sweep file"), path, "sweep file")
    path = Path(path)
    return sweep_from_dict(data, base_dir=path.parent, source=path)


def sweep_from_dict(data: Mapping[str, Any], base_dir: str | Path = ".",
                    source: Path | None = None) -> Sweep:
    """Build a Sweep from the TOML structure; ``base_dir`` resolves ``sweep.study`` paths."""
    check_keys("", data, ("sweep", "slurm", "run"), required=("sweep",))
    table = check_keys("sweep", data["sweep"], ("study", "mode", "parameters", "fixed", "name"),
                       required=("study", "parameters"))
    base = _base_study(table["study"], Path(base_dir))
    mode = check_choice("sweep.mode", table.get("mode", "product"), MODES)
    params = _parameters(table["parameters"])
    run = _run_spec(data.get("run", {}))
    slurm = _slurm_spec(data.get("slurm", {}))
    fixed = table.get("fixed", {})
    if not isinstance(fixed, Mapping):
        raise SpecError("sweep.fixed", fixed, 'must be a table of "dotted.path" = value')
    for key, value in fixed.items():
        _set_path(base, key, value, f"sweep.fixed.{key}")
    if run.resolution_nm is not None:
        _set_path(base, "simulation.resolution_nm", run.resolution_nm, "run.resolution_nm")
    name = table.get("name", source.stem if source else "sweep")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise SpecError("sweep.name", name, "must be a name of letters, digits, - _ .")
    points = expand(base, params, mode)
    return Sweep(source, mode, params, points, slurm, run, name)


def expand(base: Mapping[str, Any], params: tuple[tuple[str, tuple[Any, ...]], ...],
           mode: str) -> tuple[Point, ...]:
    """All points of a sweep, each validated; duplicates (same study) are an error.

    Args:
        base: the base study as a TOML-shaped dict (not modified).
        params: ((dotted path, values), ...).
        mode: "product" (every combination) or "zip" (i-th values together).
    """
    paths = [p for p, _ in params]
    if mode == "zip":
        lengths = {p: len(v) for p, v in params}
        if len(set(lengths.values())) > 1:
            first = paths[0]
            for p in paths[1:]:
                if lengths[p] != lengths[first]:
                    raise SpecError(f"sweep.parameters.{p}", list(dict(params)[p]),
                                    f'mode = "zip" needs lists of equal length: {lengths[p]} '
                                    f"values here, {lengths[first]} in {first}")
        combos = [tuple(i for _ in params) for i in range(lengths[paths[0]])] if params else []
    else:
        combos = list(itertools.product(*(range(len(v)) for _, v in params)))
    points: list[Point] = []
    seen: dict[str, dict[str, Any]] = {}
    for combo in combos:
        values = {p: params[k][1][i] for k, (p, i) in enumerate(zip(paths, combo))}
        indices = dict(zip(paths, combo))
        study = _validated_point(base, values, indices)
        h = study_hash(study)
        if h in seen:
            raise SpecError("sweep.parameters", values,
                            f"gives the same study as {seen[h]} (point {h}); remove the duplicate")
        seen[h] = values
        points.append(Point(h, values, indices, study))
    return tuple(points)


def _validated_point(base: Mapping[str, Any], values: dict[str, Any],
                     indices: dict[str, int]) -> StudySpec:
    data = copy.deepcopy(dict(base))
    for p, v in values.items():
        _set_path(data, p, v, f"sweep.parameters.{p}[{indices[p]}]")
    try:
        return study_from_dict(data)
    except SpecError as err:
        if err.path in values:
            raise SpecError(f"sweep.parameters.{err.path}[{indices[err.path]}]", err.value,
                            err.allowed) from None
        where = ", ".join(f"{p} = {v!r}" for p, v in values.items())
        raise SpecError(err.path, err.value, f"{err.allowed} (in the sweep point {where})") from None


def point_study_dict(point: Point) -> dict[str, Any]:
    """The canonical TOML-shaped dict written to ``<point>/study.toml``."""
    return study_to_dict(point.study)


# -- parsing helpers ---------------------------------------------------------------------------
def _base_study(value: Any, base_dir: Path) -> dict[str, Any]:
    if isinstance(value, str):
        if not value.strip():
            raise SpecError("sweep.study", value, "must be a study file path or an inline table")
        path = (base_dir / value).resolve()
        return parse_toml(read_study_text(path, "sweep.study"), path, "sweep.study")
    if isinstance(value, Mapping):
        return copy.deepcopy(dict(value))
    raise SpecError("sweep.study", value, "must be a study file path (relative to the sweep "
                    "file) or an inline study table")


def _parameters(table: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not isinstance(table, Mapping) or not table:
        raise SpecError("sweep.parameters", table,
                        'must be a non-empty table of "dotted.path" = [values]')
    out = []
    for key, spec in table.items():
        where = f"sweep.parameters.{key}"
        _steps(key, where)
        if isinstance(spec, list):
            if not spec:
                raise SpecError(where, spec, "must list at least one value")
            values = tuple(spec)
        elif isinstance(spec, Mapping):
            check_keys(where, spec, ("linspace",), required=("linspace",))
            values = _linspace(f"{where}.linspace", spec["linspace"])
        else:
            raise SpecError(where, spec, "must be a list of values or {linspace = [start, stop, n]}")
        out.append((key, values))
    return tuple(out)


def _linspace(where: str, spec: Any) -> tuple[float, ...]:
    if not isinstance(spec, list) or len(spec) != 3:
        raise SpecError(where, spec, "must be [start, stop, n]")
    a = check_number(f"{where}[0]", spec[0])
    b = check_number(f"{where}[1]", spec[1])
    n = check_int(f"{where}[2]", spec[2], lo=1)
    if n == 1:
        return (a,)
    # 12 significant digits: 0.1 + 0.2 style noise would otherwise change hashes and names
    return tuple(float(f"{a + (b - a) * i / (n - 1):.12g}") for i in range(n))


def _run_spec(table: Any) -> RunSpec:
    check_keys("run", table, ("np", "resolution_nm"))
    np_ = check_int("run.np", table.get("np", 1), lo=1)
    res = table.get("resolution_nm")
    if res is not None:
        res = check_number("run.resolution_nm", res, lo=0.0, lo_open=True)
    return RunSpec(np_, res)


def _slurm_spec(table: Any) -> SlurmSpec:
    names = [f for f in SlurmSpec.__dataclass_fields__]
    check_keys("slurm", table, names)
    kw: dict[str, Any] = {}
    for key in ("partition", "account", "time", "mem", "srun_mpi"):
        if key in table:
            if not isinstance(table[key], str) or not re.fullmatch(r"[A-Za-z0-9_.:,+-]*",
                                                                    table[key]):
                raise SpecError(f"slurm.{key}", table[key], "must be a plain Slurm value string")
            kw[key] = table[key]
    if "ntasks" in table:
        kw["ntasks"] = check_int("slurm.ntasks", table["ntasks"], lo=1)
    if "array_max_concurrent" in table:
        kw["array_max_concurrent"] = check_int("slurm.array_max_concurrent",
                                               table["array_max_concurrent"], lo=0)
    if "launcher" in table:
        kw["launcher"] = check_choice("slurm.launcher", table["launcher"], LAUNCHERS)
    for key in ("modules", "setup", "sbatch_options"):
        if key in table:
            v = table[key]
            if not isinstance(v, list) or not all(isinstance(s, str) and "\n" not in s for s in v):
                raise SpecError(f"slurm.{key}", v, "must be a list of one-line strings")
            kw[key] = tuple(v)
    return SlurmSpec(**kw)


def _steps(path: str, where: str) -> list[str | int]:
    """Split ``a.b[0].c`` into ["a", "b", 0, "c"]."""
    if not isinstance(path, str) or not path:
        raise SpecError(where, path, "must be a dotted field path like structure.rod.radius_nm")
    steps: list[str | int] = []
    for part in path.split("."):
        m = _STEP.match(part)
        if not m:
            raise SpecError(where, path, "must be a dotted field path like structure.rod.radius_nm "
                            "(list items as name[i])")
        steps.append(m.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return steps


def _set_path(data: dict[str, Any], path: str, value: Any, where: str) -> None:
    """Set a dotted path in a nested dict, creating missing tables (the study checks keys)."""
    steps = _steps(path, where)
    node: Any = data
    for step, nxt in zip(steps[:-1], steps[1:]):
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                raise SpecError(where, value, f"{path}: index [{step}] is outside the study's list")
            child = node[step]
        else:
            if not isinstance(node, dict):
                raise SpecError(where, value, f"{path}: {step!r} is not inside a table")
            child = node.setdefault(step, [] if isinstance(nxt, int) else {})
            if isinstance(nxt, int) and not isinstance(child, list):
                raise SpecError(where, value, f"{path}: {step!r} is not a list")
        node = child
    last = steps[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise SpecError(where, value, f"{path}: index [{last}] is outside the study's list")
        node[last] = copy.deepcopy(value)
    else:
        if not isinstance(node, dict):
            raise SpecError(where, value, f"{path}: {last!r} is not inside a table")
        node[last] = copy.deepcopy(value)


def format_value(value: Any) -> str:
    """A short human form of a swept value (tables, logs, file names)."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:g}"
    return str(value)
