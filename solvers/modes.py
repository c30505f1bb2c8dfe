"""Plasmon modes: Harminv on time-domain probes after a broadband pulse (docs/physics.md §6).

Point dipoles excite the structure with a pulse covering the study band (extended by
``BAND_MARGIN`` on each side so modes at the band edges are fitted, not truncated); after
the sources are off, ``meep.Harminv`` records the field at probes inside a rod (near its top
and its base), in the gap at the metal surface beside the rod and above the metal between
rods. The run stops when the field at every probe has decayed by the study's ``decay_by``,
or at the ``max_time_fs`` cap, never after a fixed long time.

Without symmetry the dipoles sit off the rod axis with several orientations and phases, so
dark (antisymmetric) modes are excited too. With symmetry each orientation gets its own run
with the dipoles on the mirror planes and the mirror parities that orientation allows
(docs "Exploiting Symmetry"): every parity class a dipole can excite is found, each at a
fraction of the cost. Harminv's thresholds are set on purpose (it drops Q < 50 by default,
which would drop most plasmons); what was dropped is counted and written (docs/runfile.md,
``modes/``).

Selection rule (the same list on any MPI rank count; docs/runfile.md ``modes/borderline``):
a resonance is reported in ``modes/`` when, at one probe at least, it passes every limit:
``mode_q_min`` < Q <= ``Q_MAX``, Harminv error <= ``ERR_MAX``, |amplitude| >= ``AMP_REL_MIN``
x the largest |amplitude| of its run (below that it is round-off, e.g. at a probe on a
symmetry node), frequency inside the study band. Harminv itself is asked with limits
looser by the slack factors below, so a candidate that misses a limit by less than its slack
is neither lost nor silently kept: it is written to ``modes/borderline`` with the limit it
missed, unless the same resonance passes at another probe. Rank-count round-off moves a
mode by ~1e-4 in wavelength and ~1 % in Q (issue 13), far less than the slacks, so a mode
reported on one rank count is found on another either reported or borderline, never
missing. Sightings of one resonance at several probes are merged (``merge_modes``).

Each run is then run once more with the same pulse to record every mode's own field
(solvers.mode_profiles, ``modes/profile``): postprocess takes each mode's confinement factor,
mode volume and class from that field, never from a plane-wave map.

With ``[simulation] material_bands = "split"`` (geometry.subbands) all of this is done once
per material window (``mode_windows``): that window's models, a pulse over its search band
(the window, widened by ``BAND_MARGIN`` only beyond the study band's ends), and only the
sightings whose frequency the window serves (``ModeRuns.keep``); runs, stops and
``modes/window_nm`` say which window found each mode (docs/physics.md §6).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
import math
import time
from dataclasses import dataclass, field

import meep as mp
import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry import placement, subbands
from hotlase.geometry.equivalence import quarter_turn_symmetric
from hotlase.geometry.runkinds import run_kinds
from hotlase.geometry.primitives import Layout
from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.units import MEEP_TIME_S, meep_freq_to_nm, nm_to_meep_freq, nm_to_meep_length
from hotlase.solvers.cell import (Frame, band_frequencies, make_frame, make_simulation, meep_component,
                          meep_point, mirror_symmetries, symmetry_label)
from hotlase.solvers.mode_profiles import ModeProfiles, profiles_for_run, write_profiles
from hotlase.solvers.progress import DecayStop, max_meep_time, progress_step

BAND_MARGIN = 0.1          # search band = study band widened by this fraction of its width per side
Q_MAX = 1e6                # above this a "mode" is not resolvable from the recorded decay
ERR_MAX = 0.01             # Harminv relative error limit (Meep's default err_thresh)
AMP_REL_MIN = 1e-6         # |a| / largest |a| of the run below this: round-off, not a mode
# Slack of the borderline zone beyond each limit: Q down to q_min / Q_SLACK and up to
# q_max x Q_SLACK, error up to ERR_MAX x ERR_SLACK, amplitude down to AMP_REL_MIN / AMP_SLACK,
# frequency up to EDGE_SLACK (relative) outside the study band.
Q_SLACK, ERR_SLACK, AMP_SLACK, EDGE_SLACK = 1.25, 3.0, 10.0, 0.01
DECAY_CHECK_PERIODS = 10   # decay checked over windows of this many periods of the lowest frequency


# ---------------------------------------------------------------------------------------------
# Small shared pieces (also used by solvers.emitter)


def mirrors_through(symmetries: list, frame: Frame, position_nm, tol_nm: float = 1e-6) -> list:
    """The mirrors whose plane (through the cell centre) contains ``position_nm``."""
    x, y, _ = position_nm
    plane_of = {mp.X: x, mp.Y: y if frame.dims == 3 else 0.0}
    return [s for s in symmetries if s.direction in plane_of and abs(plane_of[s.direction]) < tol_nm]


def check_time_cap(sim: mp.Simulation, t_cap: float) -> None:
    """Refuse a time cap that ends before the pulse does (nothing would be recorded).

    Raises:
        ValueError: naming simulation.max_time_fs, its value and the least that works.
    """
    sim.init_sim()
    t_src = sim.fields.last_source_time()
    if t_cap <= t_src:
        fs = MEEP_TIME_S * 1e15
        raise ValueError(f"simulation.max_time_fs = {t_cap * fs:.4g}: the pulse lasts until "
                         f"{t_src * fs:.4g} fs; make it > {2 * t_src * fs:.4g} so the field can ring down")


# ---------------------------------------------------------------------------------------------
# Harminv


@dataclass(frozen=True)
class Mode:
    """One resonance found by Harminv.

    Attributes:
        frequency: Re f in Meep units (1/µm); decay: Im f (negative for a decaying mode).
        q: quality factor -Re f / (2 Im f); amplitude: complex Harminv amplitude (arb.).
        error: Harminv relative error; probe: index of the probe; n_probes: probes that
            found it (after merging duplicates); run: index of the run (parity class).
        missed: "" for a reported mode, else the limit a borderline one missed
            ("q_min", "q_max", "err_max", "amplitude", "band").
    """

    frequency: float
    decay: float
    q: float
    amplitude: complex
    error: float
    probe: int
    n_probes: int = 1
    run: int = 0
    missed: str = ""


@dataclass(frozen=True)
class HarminvResult:
    """Modes of one run with what was dropped and why the run stopped."""

    modes: tuple[Mode, ...]
    n_candidates: int
    n_filtered: int
    stop_reason: str
    decay_ratio: float
    meep_time: float
    stepping_time_s: float
    basis: tuple[Mode, ...] = ()
    borderline: tuple[Mode, ...] = ()


def find_modes(sim: mp.Simulation, probes: list[tuple], f_min: float, f_max: float, *,
               q_min: float, q_max: float = Q_MAX, band: tuple[float, float] | None = None,
               decay_by: float, t_cap: float, err_max: float = ERR_MAX, run: int = 0,
               step_funcs: tuple = (), stop_points: tuple = ()) -> HarminvResult:
    """Run ``sim`` (sources already in it) and Harminv every probe after the sources.

    Args:
        sim: a Meep simulation with its sources; it is run here.
        probes: [(meep component, mp.Vector3), ...].
        f_min, f_max: Harminv search band in Meep frequency (1/µm).
        q_min, q_max: keep modes with q_min < Q <= q_max (Harminv's own filter uses q_min).
        band: (f_lo, f_hi) to keep, Meep units; default the search band.
        decay_by: stop when sum |E|^2 at the probes has fallen by this factor.
        t_cap: hard cap on the simulated time (Meep units).
        err_max: Harminv relative error limit.
        run: index stored with each mode (which parity run found it).
        step_funcs: extra Meep step functions (progress, an LDOS accumulation).
        stop_points: further (component, point) pairs the decay stop must also wait for.

    Returns:
        HarminvResult; ``n_candidates`` counts what Harminv finds in the search band with
        no Q or error limit, ``n_filtered`` how many of those were dropped; ``basis`` holds
        every mode passing the Q limits in the whole search band (what rings in the cell,
        solvers.mode_profiles separates the kept modes' fields with it); ``modes`` the
        sightings passing every limit, ``borderline`` those missing one by less than its
        slack (module docstring), per probe, not merged.
    """
    f_cen, df = (f_min + f_max) / 2, f_max - f_min
    harminvs = []
    for c, p in probes:
        h = mp.Harminv(c, p, f_cen, df)
        # looser than the limits, so borderline candidates come out of the same fit
        h.Q_thresh, h.err_thresh = float(q_min) / Q_SLACK, float(err_max) * ERR_SLACK
        harminvs.append(h)
    check_time_cap(sim, t_cap)
    stop = DecayStop(list(probes) + list(stop_points), DECAY_CHECK_PERIODS / f_min, decay_by, t_cap)
    t0 = time.perf_counter()
    sim.run(mp.after_sources(*harminvs), *step_funcs, until=stop)
    stepping = time.perf_counter() - t0
    lo, hi = band if band is not None else (f_min, f_max)
    seen, basis, n_candidates = [], [], 0
    for i, h in enumerate(harminvs):
        n_candidates += _count_candidates(h, f_min, f_max)
        for m in h.modes:
            if m.decay >= 0 or not f_min <= m.freq <= f_max:
                continue
            mode = Mode(float(m.freq), float(m.decay), float(m.Q), complex(m.amp),
                        float(abs(m.err)), i, 1, run)
            seen.append(mode)
            if q_min < m.Q <= q_max:
                basis.append(mode)
    kept, borderline = select_modes(seen, lo, hi, q_min=q_min, q_max=q_max, err_max=err_max)
    return HarminvResult(tuple(kept), n_candidates, max(n_candidates - len(kept), 0), stop.reason,
                         stop.ratio, sim.meep_time(), stepping, tuple(basis), tuple(borderline))


def missed_limit(m: Mode, lo: float, hi: float, amp_ref: float, *, q_min: float, q_max: float,
                 err_max: float, slack: bool = False) -> str:
    """The first limit ``m`` misses ("" when it passes them all; module docstring): with
    ``slack`` the limits widened by the slack factors (the edge of the borderline zone)."""
    qs, es, as_, fs = (Q_SLACK, ERR_SLACK, AMP_SLACK, EDGE_SLACK) if slack else (1.0, 1.0, 1.0, 0.0)
    if not m.q > q_min / qs:
        return "q_min"
    if not m.q <= q_max * qs:
        return "q_max"
    if not m.error <= err_max * es:
        return "err_max"
    if not abs(m.amplitude) >= AMP_REL_MIN / as_ * amp_ref:
        return "amplitude"
    if not lo * (1 - fs) <= m.frequency <= hi * (1 + fs):
        return "band"
    return ""


def select_modes(seen: list[Mode], lo: float, hi: float, *, q_min: float, q_max: float = Q_MAX,
                 err_max: float = ERR_MAX) -> tuple[list[Mode], list[Mode]]:
    """(passing every limit, borderline with the limit missed) of one run's Harminv
    sightings; the amplitude reference is the largest |amplitude| among them."""
    amp_ref = max((abs(m.amplitude) for m in seen), default=0.0)
    kept, borderline = [], []
    for m in seen:
        missed = missed_limit(m, lo, hi, amp_ref, q_min=q_min, q_max=q_max, err_max=err_max)
        if not missed:
            kept.append(m)
        elif not missed_limit(m, lo, hi, amp_ref, q_min=q_min, q_max=q_max, err_max=err_max,
                              slack=True):
            borderline.append(dataclasses.replace(m, missed=missed))
    return kept, borderline


def _count_candidates(h: mp.Harminv, f_min: float, f_max: float) -> int:
    """Harminv on the same samples with no Q, error or amplitude limit: every candidate."""
    if len(h.data) < 2:
        return 0
    bands = mp.py_do_harminv(h.data, h.data_dt, f_min, f_max, 100, h.spectral_density,
                             0.0, mp.inf, mp.inf, -1.0, -1.0)
    return sum(1 for f, _a, _e in bands if f_min <= f.real <= f_max)


def merge_modes(modes: tuple[Mode, ...] | list[Mode]) -> list[Mode]:
    """One entry per resonance: modes of the same run closer than half the narrower
    linewidth (f/Q) with Q within a factor 2 are one mode seen by several probes; the
    entry with the smallest Harminv error is kept and ``n_probes`` counts the sightings."""
    out: list[Mode] = []
    for m in sorted(modes, key=lambda m: m.error):
        for j, o in enumerate(out):
            if same_resonance(m, o):
                out[j] = dataclasses.replace(o, n_probes=o.n_probes + 1)
                break
        else:
            out.append(m)
    return sorted(out, key=lambda m: m.frequency)


def same_resonance(a: Mode, b: Mode) -> bool:
    """Same run, closer than half the narrower linewidth f/Q, Q within a factor 2."""
    close = abs(a.frequency - b.frequency) <= 0.5 * min(a.frequency / a.q, b.frequency / b.q)
    return a.run == b.run and close and 0.5 <= a.q / b.q <= 2.0


def merge_borderline(borderline, reported: list[Mode]) -> list[Mode]:
    """Borderline sightings merged, without those of a resonance that is reported."""
    return [b for b in merge_modes(borderline) if not any(same_resonance(b, m) for m in reported)]


# ---------------------------------------------------------------------------------------------
# Where the probes and dipoles go


def mode_probes(layout: Layout, frame: Frame, resolution_nm: float) -> list[tuple[str, tuple, str]]:
    """(label, (x, y, z) nm, our axis) of every Harminv probe (geometry.placement.mode_probes)."""
    return placement.mode_probes(layout, frame.dims, resolution_nm)


def mode_source_runs(layout: Layout, frame: Frame, f_cen: float, f_width: float, *,
                     use_symmetry: bool, k_x: float = 0.0) -> list[dict]:
    """The dipole sets: one run without symmetry, or one run per dipole orientation with it.

    Each entry: {"label", "sources" (Meep), "symmetries" (Meep), "dipoles" (JSON-able)}.
    Without symmetry: off-axis dipoles of every orientation with unrelated phases inside the
    rod, and a vertical one in the gap at the metal. With symmetry: per orientation, dipoles
    on the rod axis (on every mirror plane) at two heights, and only the mirrors whose plane
    holds them; an orientation with no usable mirror is still run, without symmetry. The y
    run is left out when a quarter turn maps the structure onto itself (its modes are the
    x run's). Dipoles on the axis cannot excite the class odd under both mirrors.
    """
    res_nm = 1000.0 / frame.resolution
    axes, spots, offaxis = placement.mode_dipole_spots(layout, frame.dims, res_nm)
    src = lambda: mp.GaussianSource(f_cen, fwidth=f_width)  # noqa: E731
    if not use_symmetry:
        phases = [1.0, complex(math.cos(1.1), math.sin(1.1)), complex(math.cos(2.3), math.sin(2.3)),
                  complex(math.cos(4.0), math.sin(4.0))]
        sources, dipoles = [], []
        for i, (pos, axis) in enumerate(offaxis):
            amp = phases[i % len(phases)] * (1.0 - 0.15 * i)
            sources.append(mp.Source(src(), component=meep_component(frame, axis),
                                     center=meep_point(frame, pos), amplitude=amp))
            dipoles.append({"position_nm": [round(v, 3) for v in pos], "axis": axis,
                            "amplitude": [amp.real, amp.imag] if isinstance(amp, complex) else [amp, 0.0]})
        return [{"label": "all orientations, off axis, no symmetry", "sources": sources,
                 "symmetries": [], "dipoles": dipoles}]
    runs = []
    for axis in axes:
        if axis == "y" and frame.dims == 3 and quarter_turn_symmetric(layout):
            continue  # the 90 degree rotation maps the y run onto the x run: same modes
        comp = meep_component(frame, axis)
        placed = [pos for pos, a in spots if a == axis]
        syms = mirror_symmetries(layout, frame, comp, k_x)
        for pos in placed:
            syms = mirrors_through(syms, frame, pos)
        sources = [mp.Source(src(), component=comp, center=meep_point(frame, pos), amplitude=1.0 - 0.3 * i)
                   for i, pos in enumerate(placed)]
        runs.append({"label": f"{axis} dipoles on the rod axis",
                     "sources": sources, "symmetries": syms,
                     "dipoles": [{"position_nm": [round(v, 3) for v in pos], "axis": axis,
                                  "amplitude": [1.0 - 0.3 * i, 0.0]} for i, pos in enumerate(placed)]})
    return runs


def search_band(study: StudySpec) -> tuple[float, float, float, float]:
    """(f_min, f_max) of the Harminv search and (f_lo, f_hi) of the study band, Meep units."""
    f_cen, f_width, f_lo = band_frequencies(study)
    f_hi = f_lo + f_width
    return f_lo - BAND_MARGIN * f_width, f_hi + BAND_MARGIN * f_width, f_lo, f_hi


def zone_edge_per_um(layout: Layout) -> float | None:
    """Bloch k (cycles/µm, Meep units) at the first Brillouin-zone edge along +x, or None
    when the cell is not periodic along x: min over reciprocal vectors G with G_x > 0 of
    |G|^2 / (2 G_x) (the edge is the bisector plane of the nearest G)."""
    if not layout.periodic[0] or not layout.lattice_vectors_nm:
        return None
    a = np.array(layout.lattice_vectors_nm, dtype=float) / 1000.0  # µm
    if layout.dims == 2 or a.shape[0] == 1:
        return 0.5 / float(a[0][0])
    b = np.linalg.inv(a).T  # rows: reciprocal vectors in cycles/µm (a_i . b_j = delta_ij)
    best = math.inf
    for i in range(-2, 3):
        for j in range(-2, 3):
            g = i * b[0] + j * b[1]
            if g[0] > 1e-12:
                best = min(best, float(g @ g) / (2 * g[0]))
    return best


# ---------------------------------------------------------------------------------------------
# The run


def run_modes(study: StudySpec, writer, *, layout: Layout | None = None, log=print) -> dict:
    """The modes run: Harminv at k = 0 (and a Bloch-k sweep when the study asks).

    With ``material_bands = "split"`` (geometry.subbands) the dipole runs are made once per
    material window, each with that window's models and a pulse over its search band
    (``mode_windows``); a mode is kept only from the window whose models serve its frequency.
    Writes ``modes/`` (docs/runfile.md) and returns root facts (symmetries, courant,
    stepping_time_s, meep_time_fs) for the run file.
    """
    layout = layout or build(study.structure)
    refused = run_kinds()["modes"].refuse(study, layout)  # also refused at load time
    if refused:
        raise ValueError(f"modes {refused}")
    sim_spec = study.simulation
    frame = make_frame(study, layout)
    t_cap = max_meep_time(study)
    probe_spec = mode_probes(layout, frame, sim_spec.resolution_nm)
    probes = [(meep_component(frame, axis), meep_point(frame, pos)) for _, pos, axis in probe_spec]
    found = ModeRuns(mode_windows(study))
    stepping, t_meep, all_runs = 0.0, 0.0, []
    for win in found.windows:
        f_cen, f_width, _ = win.pulse
        runs = mode_source_runs(layout, frame, f_cen, f_width, use_symmetry=sim_spec.symmetry)
        all_runs += runs
        for run in runs:
            i = len(found.runs)
            sim, frame, layout = make_simulation(win.study, sources=run["sources"],
                                                 symmetries=run["symmetries"], layout=layout)
            label = f"modes run {i + 1}/{len(runs) * len(found.windows)}{found.tag(win)}"
            log(f"[{label}] {run['label']}; symmetries {[symmetry_label(s) for s in run['symmetries']]}")
            res = found.keep(find_modes(sim, probes, win.f_min, win.f_max, q_min=sim_spec.mode_q_min,
                                        band=(win.f_lo, win.f_hi), decay_by=sim_spec.decay_by,
                                        t_cap=t_cap, run=i,
                                        step_funcs=(progress_step(label, t_cap, log),)), win)
            profiles = _run_profiles(sim, frame, res, t_cap, label, log)
            stepping += profiles[1].facts["stepping_time_s"] if profiles[1] is not None else 0.0
            sim.reset_meep()
            found.add(res, run, win, profiles)
            stepping += res.stepping_time_s
            t_meep = max(t_meep, res.meep_time)
            log(f"[{label}] {len(res.modes)} modes kept ({len(res.borderline)} borderline) of "
                f"{res.n_candidates} candidates; stopped on "
                f"{res.stop_reason} at {res.meep_time * MEEP_TIME_S * 1e15:.0f} fs")
    found.write(writer, study, layout, probe_spec, resolution=frame.resolution)
    if sim_spec.bloch_k_points > 0:
        stepping += _bloch_sweep(study, writer, layout, frame, probes, found.windows, t_cap, log)
    symmetries = sorted({f"{run['label']}: {symmetry_label(s)}" for run in all_runs
                         for s in run["symmetries"]})
    return {"symmetries": symmetries, "courant": frame.courant, "stepping_time_s": stepping,
            "meep_time_fs": t_meep * MEEP_TIME_S * 1e15}


@dataclass(frozen=True)
class ModeWindow:
    """A material window of the dipole runs (geometry.subbands.DipoleWindow) with the study
    whose materials serve it and the dipole pulse (f_center, f_width, f_min) of its runs."""

    window: subbands.DipoleWindow
    study: StudySpec
    pulse: tuple[float, float, float]

    lo_nm = property(lambda self: self.window.lo_nm)
    hi_nm = property(lambda self: self.window.hi_nm)
    index = property(lambda self: self.window.index)
    f_lo = property(lambda self: self.window.f_lo)
    f_hi = property(lambda self: self.window.f_hi)
    f_min = property(lambda self: self.window.f_min)
    f_max = property(lambda self: self.window.f_max)


def window_tag(win: ModeWindow, split: bool) -> str:
    """Log label suffix of a dipole run in a material window ("" when the band is not split)."""
    return f" ({win.lo_nm:g}-{win.hi_nm:g} nm models)" if split else ""


def mode_windows(study: StudySpec, pulse_factor: float = 1.0) -> list[ModeWindow]:
    """The dipole runs' windows: one per material window when the study splits its band
    (each with its window's study and a pulse ``pulse_factor`` x its search band wide, at
    least ``subbands.MIN_PULSE_FRACTION`` of the band), else the study band with the search
    band and pulse of ``search_band`` exactly as without windows."""
    windows = subbands.dipole_windows(study, BAND_MARGIN)
    if len(windows) == 1:
        f_min, f_max, f_lo, f_hi = search_band(study)
        one = dataclasses.replace(windows[0], f_lo=f_lo, f_hi=f_hi, f_min=f_min, f_max=f_max)
        return [ModeWindow(one, study, ((f_min + f_max) / 2, f_max - f_min, f_min))]
    return [ModeWindow(w, subbands.window_study(study, w.lo_nm, w.hi_nm),
                       subbands.covering_pulse(study, w.f_min, w.f_max, pulse_factor))
            for w in windows]


@dataclass
class ModeRuns:
    """What the dipole runs of one ``modes/`` group found, run after run (``run_modes``, and
    ``solvers.emitter.run_emitter`` with a modes writer): run records, reported and
    borderline sightings, counts, mode fields, and the material window of each run."""

    windows: list[ModeWindow]
    runs: list[dict] = field(default_factory=list)
    stops: list[dict] = field(default_factory=list)
    modes: list[Mode] = field(default_factory=list)
    borderline: list[Mode] = field(default_factory=list)
    n_candidates: int = 0
    n_filtered: int = 0
    profiles: dict = field(default_factory=dict)

    @property
    def split(self) -> bool:
        return len(self.windows) > 1

    def tag(self, win: ModeWindow) -> str:
        """Log label suffix of a window's run ("" without windows)."""
        return window_tag(win, self.split)

    def keep(self, res: HarminvResult, win: ModeWindow) -> HarminvResult:
        """``res`` with only the sightings whose frequency ``win``'s models serve
        (``subbands.serving_window``): a resonance near a window edge seen by the runs of
        two windows is reported once, from the window that serves it."""
        if not self.split:
            return res
        mine = lambda ms: tuple(m for m in ms if subbands.serving_window(  # noqa: E731
            float(meep_freq_to_nm(m.frequency)), [w.window for w in self.windows]) == win.index)
        kept = mine(res.modes)
        return dataclasses.replace(res, modes=kept, borderline=mine(res.borderline),
                                   n_filtered=max(res.n_candidates - len(kept), 0))

    def add(self, res: HarminvResult, run: dict, win: ModeWindow, profiles) -> None:
        """Record one run (``run``: a ``mode_source_runs`` entry) and what it found."""
        i = len(self.runs)
        where = {"window_nm": [win.lo_nm, win.hi_nm]} if self.split else {}
        self.runs.append({**run, **where})
        self.stops.append({"run": i, "stop": res.stop_reason, "decay_ratio": res.decay_ratio,
                           "meep_time_fs": res.meep_time * MEEP_TIME_S * 1e15, **where})
        self.profiles[i] = profiles
        self.modes += res.modes
        self.borderline += res.borderline
        self.n_candidates += res.n_candidates
        self.n_filtered += res.n_filtered

    def write(self, writer, study: StudySpec, layout: Layout, probe_spec, *,
              resolution: float) -> None:
        """``modes/`` with its borderline rows and mode fields (docs/runfile.md)."""
        f_min, f_max, f_lo, f_hi = search_band(study)
        modes = merge_modes(self.modes)
        _write_modes(writer, modes, probe_spec, f_lo, f_hi, f_min, f_max,
                     study.simulation.mode_q_min, self.n_candidates,
                     self.n_filtered + len(self.modes) - len(modes), self.runs, self.stops,
                     borderline=merge_borderline(self.borderline, modes))
        window = [self.runs[m.run].get("window_nm", [self.windows[0].lo_nm, self.windows[0].hi_nm])
                  for m in modes]
        writer.dataset("modes/window_nm", np.array(window, dtype=float).reshape(-1, 2), "nm",
                       "material window whose models served the run that found the mode")
        writer.attrs("modes", n_merged=len(self.modes) - len(modes),
                     material_bands=subbands.material_bands(study),
                     material_models=subbands.describe([w.window for w in self.windows]))
        write_profiles(writer, study, layout, modes, self.profiles, resolution=resolution)


def _run_profiles(sim: mp.Simulation, frame: Frame, res: HarminvResult, t_cap: float, label: str,
                  log) -> tuple[dict, ModeProfiles | None]:
    """Each kept mode's own field from a re-run of ``sim`` (solvers.mode_profiles)."""
    kept = merge_modes(res.modes)
    if not kept:
        return {}, None
    basis = merge_modes(res.basis)
    # no longer than the first run: by then its probes had decayed (or hit the cap)
    index, prof = profiles_for_run(sim, frame, kept, basis, t_cap=min(t_cap, res.meep_time),
                                   step_funcs=(progress_step(f"{label} mode fields", t_cap, log),))
    assert prof is not None  # kept is not empty
    log(f"[{label}] fields of {len(kept)} modes ({len(basis)} ringing) from a "
        f"{prof.facts['window_meep'] * MEEP_TIME_S * 1e15:.0f} fs ring-down re-run, "
        f"{prof.facts['stepping_time_s']:.1f} s; separation condition number "
        f"{prof.facts['condition_number']:.3g}")
    return index, prof


def _write_modes(writer, modes: list[Mode], probe_spec, f_lo, f_hi, f_min, f_max, q_min,
                 n_candidates, n_filtered, runs, stops, *,
                 borderline: Sequence[Mode] = ()) -> None:
    m = len(modes)
    freq = np.array([x.frequency for x in modes], dtype=float)
    writer.dataset("modes/wavelength_nm", meep_freq_to_nm(freq) if m else np.zeros(0), "nm",
                   "mode vacuum wavelength")
    writer.dataset("modes/Q", np.array([x.q for x in modes], dtype=float), "1", "quality factor (Harminv)")
    writer.dataset("modes/amplitude", np.array([x.amplitude for x in modes], dtype=complex), "arb.",
                   "Harminv complex amplitude")
    writer.dataset("modes/error", np.array([x.error for x in modes], dtype=float), "1",
                   "Harminv relative error")
    writer.dataset("modes/probe", np.array([x.probe for x in modes], dtype=np.int64), "1",
                   "index into probes_nm of the probe that found the mode")
    writer.dataset("modes/n_probes", np.array([x.n_probes for x in modes], dtype=np.int64), "1",
                   "number of probes that found the mode")
    writer.dataset("modes/run", np.array([x.run for x in modes], dtype=np.int64), "1",
                   "index into the runs attribute (source set / parity class) that found the mode")
    writer.dataset("modes/k_bloch", np.zeros((m, 2)), "1/nm",
                   "Bloch wave vector (kx, ky)/(2 pi) the mode was found at")
    writer.dataset("modes/probes_nm", np.array([pos for _, pos, _ in probe_spec], dtype=float).reshape(-1, 3),
                   "nm", "probe positions (x, y, z), z = 0 at the top of the layers")
    writer.attrs("modes", q_min=float(q_min), q_max=float(Q_MAX), err_max=float(ERR_MAX),
                 band_nm=[float(meep_freq_to_nm(f_hi)), float(meep_freq_to_nm(f_lo))],
                 search_band_nm=[float(meep_freq_to_nm(f_max)), float(meep_freq_to_nm(f_min))],
                 n_candidates=int(n_candidates), n_filtered=int(n_filtered),
                 probe_labels=[label for label, _, _ in probe_spec],
                 probe_components=[axis for _, _, axis in probe_spec],
                 runs=[{"label": r["label"], "dipoles": r["dipoles"],
                        "symmetries": [symmetry_label(s) for s in r["symmetries"]],
                        **({"window_nm": r["window_nm"]} if "window_nm" in r else {})}
                       for r in runs],
                 stops=stops)
    _write_borderline(writer, list(borderline))


def _write_borderline(writer, modes: list[Mode]) -> None:
    """``modes/borderline``: resonances missing one limit by less than its slack."""
    freq = np.array([x.frequency for x in modes], dtype=float)
    writer.dataset("modes/borderline/wavelength_nm", meep_freq_to_nm(freq) if modes else np.zeros(0),
                   "nm", "borderline mode vacuum wavelength")
    writer.dataset("modes/borderline/Q", np.array([x.q for x in modes], dtype=float), "1",
                   "quality factor (Harminv)")
    writer.dataset("modes/borderline/amplitude", np.array([x.amplitude for x in modes], dtype=complex),
                   "arb.", "Harminv complex amplitude")
    writer.dataset("modes/borderline/error", np.array([x.error for x in modes], dtype=float), "1",
                   "Harminv relative error")
    writer.dataset("modes/borderline/run", np.array([x.run for x in modes], dtype=np.int64), "1",
                   "index into the modes runs attribute")
    writer.attrs("modes/borderline", missed=[x.missed for x in modes], q_slack=Q_SLACK,
                 err_slack=ERR_SLACK, amp_rel_min=AMP_REL_MIN, amp_slack=AMP_SLACK,
                 edge_slack=EDGE_SLACK)


def _bloch_sweep(study: StudySpec, writer, layout: Layout, frame: Frame, probes,
                 windows: list[ModeWindow], t_cap, log) -> float:
    """Modes at Bloch k along x from 0 to the zone edge; writes modes/dispersion/. Split
    like the k = 0 runs: each k is run once per material window (its models, its pulse), a
    mode kept from the window that serves it."""
    edge = zone_edge_per_um(layout)
    if edge is None:
        log("[modes] Bloch-k sweep skipped: the cell is not periodic along x")
        writer.attrs("modes/dispersion", skipped="the cell is not periodic along x")
        return 0.0
    sim_spec = study.simulation
    ks = np.linspace(0.0, edge, sim_spec.bloch_k_points)
    rows, stepping = [], 0.0
    found = ModeRuns(windows)
    for ik, kx in enumerate(ks):
        k_point = frame.vec(float(kx), 0.0, 0.0)
        n_found = 0
        for win in windows:
            f_cen, f_width, _ = win.pulse
            run = mode_source_runs(layout, frame, f_cen, f_width, use_symmetry=False)[0]
            sim, _, _ = make_simulation(win.study, sources=run["sources"], k_point=k_point,
                                        layout=layout)
            # the whole search band is kept at k != 0 (a mode folds in from outside the band)
            band = (win.f_min, win.f_max)
            res = found.keep(find_modes(sim, probes, win.f_min, win.f_max,
                                        q_min=sim_spec.mode_q_min, band=band,
                                        decay_by=sim_spec.decay_by, t_cap=t_cap), win)
            sim.reset_meep()
            stepping += res.stepping_time_s
            for m in merge_modes(res.modes):
                rows.append((ik, m.frequency, m.q))
            n_found += len(res.modes)
        log(f"[modes k {ik + 1}/{len(ks)}] kx = {kx / 1000:.5f} 1/nm: {n_found} modes")
    rows.sort(key=lambda r: (r[0], r[1]))
    f_lo, f_hi = windows[-1].f_lo, windows[0].f_hi
    n_sup = float(np.real(np.sqrt(material_model(study, layout.background).eps(
        float(meep_freq_to_nm((f_lo + f_hi) / 2))))))
    k_nm = ks / 1000.0
    with np.errstate(divide="ignore"):
        light = np.where(k_nm > 0, n_sup / np.where(k_nm > 0, k_nm, 1.0), np.inf)
    idx = np.array([r[0] for r in rows], dtype=np.int64)
    writer.dataset("modes/dispersion/k_x", k_nm, "1/nm", "Bloch kx/(2 pi) of each sweep point")
    writer.dataset("modes/dispersion/k_index", idx, "1", "index into k_x of each mode")
    writer.dataset("modes/dispersion/k_bloch", np.stack([k_nm[idx], np.zeros(len(idx))], axis=-1)
                   if len(idx) else np.zeros((0, 2)), "1/nm", "Bloch wave vector (kx, ky)/(2 pi) of each mode")
    writer.dataset("modes/dispersion/wavelength_nm",
                   meep_freq_to_nm(np.array([r[1] for r in rows])) if rows else np.zeros(0), "nm",
                   "mode vacuum wavelength")
    writer.dataset("modes/dispersion/Q", np.array([r[2] for r in rows], dtype=float), "1", "quality factor")
    writer.dataset("modes/dispersion/light_line_wavelength_nm", light, "nm",
                   "light line of the superstrate, lambda = n / k (inf at k = 0)", index=n_sup)
    writer.attrs("modes/dispersion", zone_edge_per_nm=edge / 1000.0, n_k=len(ks),
                 superstrate_index=n_sup)
    return stepping
