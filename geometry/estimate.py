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
        and polarisation of every cell plus the field maps); pulses: Meep time-steppings of
        the study, every run of ``run_plan`` counted (normalisations, dipole orientations,
        mode-field re-runs, bulk-medium and Bloch-k runs, one per pump rate for lasing);
        steps: time steps per pulse at the simulation cap; seconds: upper bound of the whole
        study at ``MCELLS_PER_S`` on one rank (lasing runs counted at their own cap,
        lasing.max_time_fs).
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


def _grid_cells(study, layout) -> tuple[int, ...]:
    """Grid cells along each simulated axis of the study's cell (PML and padding included)."""
    from hotlase.geometry.study import material_model

    sim = study.simulation
    metal_below = material_model(study, layout.substrate).is_metal
    z = (layout.z_top_nm - layout.z_bottom_nm + 2 * sim.padding_nm
         + (3 if metal_below else 2) * sim.pml_nm)
    lateral = [s + (0 if p else 2 * sim.pml_nm) for s, p in zip(layout.cell_xy_nm, layout.periodic)]
    sizes = {1: [z], 2: [lateral[0], z], 3: [*lateral, z]}[layout.dims]
    return tuple(max(1, math.ceil(s / sim.resolution_nm)) for s in sizes)


def estimate(study) -> Estimate:
    """Cells, memory and time of a validated study (see the module docstring for constants)."""
    from hotlase.geometry.build import build
    from hotlase.geometry.study import material_model, structure_materials

    sim = study.simulation
    layout = build(study.structure)
    dx = sim.resolution_nm
    cells = _grid_cells(study, layout)
    total = float(math.prod(float(c) for c in cells))
    names = structure_materials(study.structure).values()
    poles = max((len(material_model(study, m).poles) for m in names), default=0)
    memory = total * (BYTES_PER_CELL + BYTES_PER_POLE * poles)
    if "fields" in study.run_kinds:
        memory += total * 6 * 16 * FIELD_TARGETS
    plan = run_plan(study, layout=layout)
    pulses = sum(r.pulses for r in plan)
    dt_s = COURANT * dx * 1e-9 / C0_M_S
    steps = math.ceil(sim.max_time_fs * 1e-15 / dt_s)
    lasing_runs = sum(r.pulses for r in plan if r.kinds == ("lasing",))
    seconds = (pulses - lasing_runs) * total * steps / (MCELLS_PER_S * 1e6)
    if lasing_runs:  # one run per pump rate, each up to its own cap
        assert study.lasing is not None  # run_plan plans lasing only with a [lasing] table
        lasing_steps = math.ceil(study.lasing.max_time_fs * 1e-15 / dt_s)
        seconds += lasing_runs * total * lasing_steps / (MCELLS_PER_S * 1e6)
        memory = max(memory, total * (BYTES_PER_CELL + BYTES_PER_POLE * (poles + 2)))
    return Estimate(layout.dims, cells, total, memory, pulses, steps, seconds)


@dataclass(frozen=True)
class PlannedRun:
    """One run of a study as ``solvers.run`` groups them (one or several run files).

    Attributes:
        variant: "main" or "no_metal"; kinds: the run kinds it fills;
        pulses: the Meep time-steppings it makes (each up to ``simulation.max_time_fs``);
        detail: what they are, e.g. "2 dipole + <= 2 mode-field re-runs + 1 bulk".
    """

    variant: str
    kinds: tuple[str, ...]
    pulses: int
    detail: str = ""


def _dipole_counts(study, layout) -> dict[str, int]:
    """Meep runs of the dipole kinds, as the solvers make them (pure data, no meep):

    - ``emitter``: one per dipole orientation, x, y, z, the y one left out when swapping x
      and y maps the structure onto itself (solvers.emitter; ``xy_equivalent``);
    - ``modes``: one dipole set without symmetry, or one per orientation with it, y left out
      in 3D under a quarter turn (solvers.modes.mode_source_runs);
    - ``bulk``: the homogeneous rod-medium LDOS, 1 run in 3D, 2 in 2D (solvers.emitter.bulk_ldos);
    - ``bloch``: ``simulation.bloch_k_points`` runs when the cell is periodic along x.
    Each dipole run that finds modes is re-run once for their fields (solvers.mode_profiles),
    so the profile re-runs are at most the dipole runs. A study that splits its band runs
    all of them once per material window (geometry.subbands.windows_nm; at most, an emitter
    alone skips a window without LDOS wavelengths).
    """
    from hotlase.geometry.equivalence import quarter_turn_symmetric, xy_equivalent
    from hotlase.geometry.subbands import windows_nm

    sim = study.simulation
    quarter = layout.dims == 3 and quarter_turn_symmetric(layout)
    periodic_x = bool(layout.periodic[0] and layout.lattice_vectors_nm)
    w = len(windows_nm(study))
    return {"emitter": w * (2 if xy_equivalent(layout) else 3),
            "modes": w * ((3 - quarter) if sim.symmetry else 1),
            "bulk": w * (2 if layout.dims == 2 else 1),
            "bloch": w * (sim.bloch_k_points if periodic_x else 0), "windows": w}


def _dipole_run(variant: str, kinds: tuple[str, ...], n: dict[str, int], bulk: bool) -> PlannedRun:
    """The modes and/or emitter run of one variant with its pulses (see ``_dipole_counts``)."""
    parts = []
    dipole = n["emitter"] if "emitter" in kinds else n["modes"]
    parts.append((dipole, "dipole"))
    if "modes" in kinds:
        parts.append((dipole, "mode-field re-runs (at most)"))
        parts.append((n["bloch"], "Bloch-k"))
    if "emitter" in kinds and bulk:
        parts.append((n["bulk"], "bulk-medium"))
    parts = [(k, what) for k, what in parts if k]
    windows = f", over {n['windows']} material windows" if n.get("windows", 1) > 1 else ""
    return PlannedRun(variant, kinds, sum(k for k, _ in parts),
                      " + ".join(f"{k} {what}" for k, what in parts) + windows)


def _material_windows(study, fields: bool) -> int:
    """Meep runs of the broadband run: one per material window with something to report
    (geometry.subbands; 1 unless the study splits its band)."""
    import numpy as np

    from hotlase.geometry.subbands import plan

    sim = study.simulation
    targets = [("pump", sim.pump_wavelength_nm), ("emission", sim.emission_wavelength_nm)]
    wavelengths = np.linspace(sim.wavelength_min_nm, sim.wavelength_max_nm, sim.n_wavelengths)
    return len(plan(study, wavelengths, targets if fields else ()))


def run_plan(study, kinds=None, layout=None) -> list[PlannedRun]:
    """The runs ``solvers.run`` makes, in its order: per variant modes (with the emitter
    when the structure has rods: the same dipole pulses), spectrum + fields, then the
    emitter, then lasing (one seeded run per pump rate); each with the Meep time-steppings
    it makes. The broadband run is a normalisation in the empty cell and the structure (2),
    once per material window when the study splits its band (geometry.subbands);
    the dipole runs as ``_dipole_counts`` says, the bulk-medium LDOS once for both variants
    when the twin has the same rod medium and grid (solvers.emitter reuses it)."""
    from hotlase.geometry.build import build
    from hotlase.geometry.study import material_model
    from hotlase.geometry.twin import has_metal

    kinds = tuple(k for k in study.run_kinds if not kinds or k in kinds)
    variants = ["main"] + (["no_metal"] if study.compare_no_metal and has_metal(study) else [])
    layout = layout or build(study.structure)
    rods = bool(layout.rod_centers_nm)
    # the twin has the main rods and cell (geometry.twin: only metals change), so the same
    # dipole runs; its cell is the main one unless the main substrate is a metal (whose
    # absorber makes the main cell taller): then the bulk-medium LDOS is run again
    n = _dipole_counts(study, layout)
    bulk_again = material_model(study, layout.substrate).is_metal
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
    if "lasing" in kinds and study.lasing is not None:  # last: one seeded run per pump rate
        groups.append(("lasing",))
    n_pump = len(study.lasing.pump_rates_per_s) if study.lasing is not None else 0
    n_bands = _material_windows(study, "fields" in kinds)
    pair = ("1 normalisation + 1 structure" if n_bands == 1 else
            f"{n_bands} x (1 normalisation + 1 structure), one per material window")
    return [PlannedRun(v, g, 2 * n_bands, pair) if g == broadband
            else PlannedRun(v, g, n_pump, f"{n_pump} pump rate(s)") if g == ("lasing",)
            else _dipole_run(v, g, n, bulk=v == "main" or bulk_again)
            for v in variants for g in groups]


def plan_text(study, est: Estimate, np: int = 1, kinds=None) -> str:
    """The plan printed when ``hotlase run`` starts: every run with its share of the time
    bound (``est.seconds`` split by pulses, on ``np`` ranks counted as perfectly parallel)."""
    runs = run_plan(study, kinds)
    per_pulse = est.seconds / max(est.pulses, 1) / max(np, 1)
    total = sum(r.pulses for r in runs) * per_pulse
    grid = " x ".join(str(c) for c in est.cells)
    lines = [f"plan: {len(runs)} run(s) of {sum(r.pulses for r in runs)} Meep pulse(s) "
             f"({len({r.variant for r in runs})} variant(s)); "
             f"{est.dims}D grid {grid} = {est.total_cells:.3g} cells, ~{_bytes(est.memory_bytes)}, "
             f"<= {est.steps} steps per pulse"]
    for i, r in enumerate(runs, 1):
        lines.append(f"  run {i}/{len(runs)}  {r.variant:<8} {'+'.join(r.kinds):<16} "
                     f"{r.pulses} pulse(s) ({r.detail})  <= {_duration(r.pulses * per_pulse)}")
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
