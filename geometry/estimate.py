"""How big a study is before anything runs: grid cells, memory and an upper bound on time.

Pure arithmetic on the study (no meep). The cell is the structure's layout plus padding and
PML on every open side, as ``solvers.cell.make_frame`` lays it out (its alignment to the grid
adds at most one cell per side, ignored here). Constants, measured on this project's 2-core
machine with Meep 1.25 (Debian), 1 rank:

- ``BYTES_PER_CELL`` 80 and ``BYTES_PER_POLE`` 96: resident memory growth after ``init_sim``
  and a few steps of an 80^3 box filled with vacuum (79.5 B/cell), the project Ag (2 poles,
  279 B/cell) and CsPbBr3 (3 poles, 353 B/cell) (2026-11-30).
- ``MCELLS_PER_S`` 32: Mcell-updates/s of the project Ag box, ``benchmarks.throughput``
  (``throughput.metal_mcells_s`` in benchmarks/results.json, 2026-11-26, idle machine).
- DFT field maps: 6 complex components (16 B each) per target wavelength per voxel
  (Meep stores one complex number per component, frequency and grid point of a DFT region).

The time is an upper bound: every pulse runs to ``simulation.max_time_fs`` at Meep's default
Courant number 0.5 (dt = 0.5 dx / c, Taflove & Hagness, Computational Electrodynamics, 3rd
ed., §4.7); runs usually stop earlier on ``decay_by``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from hotlase.geometry.units import C0_M_S
from hotlase.geometry.validate import SpecError

BYTES_PER_CELL = 80.0
BYTES_PER_POLE = 96.0
MCELLS_PER_S = 32.0
COURANT = 0.5
#: Field maps: pump, emission and up to 4 modes (solvers.fields.MAX_MODE_MAPS).
FIELD_TARGETS = 6
#: Beyond these a study is refused everywhere (show, run, sweep): no machine runs it.
ABSURD_CELLS = 2e9
#: Default wall-time limit of a local run (``hotlase run --allow-large`` lifts it).
MAX_LOCAL_HOURS = 24.0


@dataclass(frozen=True)
class Estimate:
    """Size of one study.

    Attributes:
        dims: 1, 2 or 3; cells: grid cells along each simulated axis (x, y, z);
        total_cells: their product; memory_bytes: peak memory of the largest run (fields
        and polarisation of every cell plus the field maps); pulses: Meep runs of the
        study (broadband pulse per variant, one per dipole orientation for emitter/modes,
        one per pump rate for lasing); steps: time steps per pulse at the simulation cap;
        seconds: upper bound of the whole study at ``MCELLS_PER_S`` on one rank (lasing runs
        counted at their own cap, lasing.max_time_fs).
    """

    dims: int
    cells: tuple[int, ...]
    total_cells: float
    memory_bytes: float
    pulses: int
    steps: int
    seconds: float

    def summary(self) -> str:
        """One line: cells, memory and time."""
        grid = " x ".join(str(c) for c in self.cells)
        return (f"estimate: {self.dims}D grid {grid} = {self.total_cells:.3g} cells, memory "
                f"~{_bytes(self.memory_bytes)}, {self.pulses} pulse(s) of <= {self.steps} steps, "
                f"time <= {_duration(self.seconds)} on 1 rank at {MCELLS_PER_S:g} Mcell-updates/s")


def estimate(study) -> Estimate:
    """Cells, memory and time of a validated study (see the module docstring for constants)."""
    from hotlase.geometry.build import build
    from hotlase.geometry.study import material_model, structure_materials
    from hotlase.geometry.twin import has_metal

    sim = study.simulation
    layout = build(study.structure)
    dx = sim.resolution_nm
    metal_below = material_model(study, layout.substrate).is_metal
    z = (layout.z_top_nm - layout.z_bottom_nm + 2 * sim.padding_nm
         + (3 if metal_below else 2) * sim.pml_nm)
    lateral = [s + (0 if p else 2 * sim.pml_nm) for s, p in zip(layout.cell_xy_nm, layout.periodic)]
    sizes = {1: [z], 2: [lateral[0], z], 3: [*lateral, z]}[layout.dims]
    cells = tuple(max(1, math.ceil(s / dx)) for s in sizes)
    total = float(math.prod(float(c) for c in cells))
    names = structure_materials(study.structure).values()
    poles = max((len(material_model(study, m).poles) for m in names), default=0)
    memory = total * (BYTES_PER_CELL + BYTES_PER_POLE * poles)
    if "fields" in study.run_kinds:
        memory += total * 6 * 16 * FIELD_TARGETS
    variants = 2 if study.compare_no_metal and has_metal(study) else 1
    per_variant = (1 if {"spectrum", "fields"} & set(study.run_kinds) else 0) + (
        3 if {"modes", "emitter"} & set(study.run_kinds) else 0)
    pulses = variants * per_variant
    dt_s = COURANT * dx * 1e-9 / C0_M_S
    steps = math.ceil(sim.max_time_fs * 1e-15 / dt_s)
    seconds = pulses * total * steps / (MCELLS_PER_S * 1e6)
    if "lasing" in study.run_kinds and study.lasing is not None:  # one run per pump rate
        runs = variants * len(study.lasing.pump_rates_per_s)
        lasing_steps = math.ceil(study.lasing.max_time_fs * 1e-15 / dt_s)
        pulses += runs
        seconds += runs * total * lasing_steps / (MCELLS_PER_S * 1e6)
        memory = max(memory, total * (BYTES_PER_CELL + BYTES_PER_POLE * (poles + 2)))
    return Estimate(layout.dims, cells, total, memory, pulses, steps, seconds)


@dataclass(frozen=True)
class PlannedRun:
    """One Meep run of a study as ``solvers.run`` groups them.

    Attributes:
        variant: "main" or "no_metal"; kinds: the run kinds it fills (one simulation);
        pulses: its broadband or dipole pulses (one per dipole orientation).
    """

    variant: str
    kinds: tuple[str, ...]
    pulses: int


def run_plan(study, kinds=None) -> list[PlannedRun]:
    """The runs ``solvers.run`` makes, in its order: per variant modes (with the emitter
    when the structure has rods: the same dipole pulses), spectrum + fields (one pulse),
    then the emitter, then lasing (one seeded run per pump rate). Pulses as ``estimate``
    counts them (3 dipole orientations)."""
    from hotlase.geometry.build import build
    from hotlase.geometry.twin import has_metal

    kinds = tuple(k for k in study.run_kinds if not kinds or k in kinds)
    variants = ["main"] + (["no_metal"] if study.compare_no_metal and has_metal(study) else [])
    rods = bool(build(study.structure).rod_centers_nm)
    groups: list[tuple[str, ...]] = []
    if "modes" in kinds and "emitter" in kinds and rods:
        groups.append(("modes", "emitter"))
    elif "modes" in kinds:
        groups.append(("modes",))
    broadband = tuple(k for k in ("spectrum", "fields") if k in kinds)
    if broadband:
        groups.append(broadband)
    if "emitter" in kinds and not ("modes" in kinds and rods):
        groups.append(("emitter",))
    pulses = {broadband: 1, ("lasing",): len(study.lasing.pump_rates_per_s) if study.lasing else 0}
    if "lasing" in kinds:  # last: one seeded run per pump rate
        groups.append(("lasing",))
    return [PlannedRun(v, g, pulses.get(g, 3)) for v in variants for g in groups]


def plan_text(study, est: Estimate, np: int = 1, kinds=None) -> str:
    """The plan printed when ``hotlase run`` starts: every run with its share of the time
    bound (``est.seconds`` split by pulses, on ``np`` ranks counted as perfectly parallel)."""
    runs = run_plan(study, kinds)
    per_pulse = est.seconds / max(est.pulses, 1) / max(np, 1)
    total = sum(r.pulses for r in runs) * per_pulse
    grid = " x ".join(str(c) for c in est.cells)
    lines = [f"plan: {len(runs)} Meep run(s) ({len({r.variant for r in runs})} variant(s)); "
             f"{est.dims}D grid {grid} = {est.total_cells:.3g} cells, ~{_bytes(est.memory_bytes)}, "
             f"<= {est.steps} steps per pulse"]
    for i, r in enumerate(runs, 1):
        lines.append(f"  run {i}/{len(runs)}  {r.variant:<8} {'+'.join(r.kinds):<16} "
                     f"{r.pulses} pulse(s)  <= {_duration(r.pulses * per_pulse)}")
    lines.append(f"  total <= {_duration(total)} on {np} rank(s) at {MCELLS_PER_S:g} "
                 "Mcell-updates/s per rank (an upper bound: runs usually stop earlier on "
                 "simulation.decay_by)")
    return "\n".join(lines)


def check_absurd(study) -> Estimate:
    """Refuse a study whose grid no machine holds (``ABSURD_CELLS``); returns the estimate.

    Raises:
        SpecError: naming the largest length of the cell, the grid and the memory it needs.
    """
    est = estimate(study)
    if est.total_cells > ABSURD_CELLS:
        raise SpecError(_largest(study), _largest_value(study),
                        f"makes the cell {est.total_cells:.3g} grid cells (limit "
                        f"{ABSURD_CELLS:.0e}): {est.summary()}; reduce the size or coarsen "
                        "simulation.resolution_nm")
    return est


def available_memory_bytes() -> float:
    """MemAvailable of /proc/meminfo (bytes), or physical memory when it is not there."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def check_machine(study, *, np: int = 1, max_hours: float = MAX_LOCAL_HOURS,
                  memory_bytes: float | None = None) -> Estimate:
    """Refuse a run this machine cannot hold or finish: memory above what is available, or
    the time bound (on ``np`` ranks, counted as perfectly parallel) above ``max_hours``.

    Raises:
        SpecError: with the estimate and the override (``--allow-large``).
    """
    est = check_absurd(study)
    avail = available_memory_bytes() if memory_bytes is None else memory_bytes
    hint = "; reduce the structure, coarsen simulation.resolution_nm or pass --allow-large"
    if est.memory_bytes > avail:
        raise SpecError(_largest(study), _largest_value(study),
                        f"the study needs ~{_bytes(est.memory_bytes)} of memory, this "
                        f"machine has {_bytes(avail)} available ({est.summary()}){hint}")
    hours = est.seconds / max(np, 1) / 3600
    if hours > max_hours:
        raise SpecError(_largest(study), _largest_value(study),
                        f"the study may take up to {_duration(est.seconds / max(np, 1))} "
                        f"on {np} rank(s), above the {max_hours:g} h limit ({est.summary()}){hint}")
    return est


def _lengths(study) -> dict[str, float]:
    s = study.structure
    out = {f"simulation.{k}": getattr(study.simulation, k) for k in ("padding_nm", "pml_nm")}
    for key in ("period_nm", "cell_width_nm", "length_nm"):
        if hasattr(s, key) and math.isfinite(getattr(s, key)):
            out[f"structure.{key}"] = getattr(s, key)
    if hasattr(s, "rod"):
        out["structure.rod.height_nm"] = s.rod.height_nm
    if getattr(s, "array", "") == "finite":
        out["structure.count"] = s.period_nm * max(s.count)
    from hotlase.geometry.study import layer_paths
    for path, layer in layer_paths(s):
        if math.isfinite(layer.thickness_nm):
            out[f"{path}.thickness_nm"] = layer.thickness_nm
    return out


def _largest(study) -> str:
    lengths = _lengths(study)
    return max(lengths, key=lambda k: lengths[k])


def _largest_value(study):
    path = _largest(study)
    if path == "structure.count":
        return list(study.structure.count)
    return _lengths(study)[path]


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n / 1e3:.3g} kB"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds >= 60:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"
