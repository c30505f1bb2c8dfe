"""Progress lines and termination conditions shared by every run kind."""

from __future__ import annotations

import collections
import math
import time

import meep as mp

from hotlase.geometry.study import StudySpec
from hotlase.geometry.units import MEEP_TIME_S


def max_meep_time(study: StudySpec) -> float:
    """The study's hard cap on simulated time, in Meep time units (a/c)."""
    return study.simulation.max_time_fs * 1e-15 / MEEP_TIME_S


class Progress:
    """Meep step function printing simulated time, speed and an ETA that never grows.

    Called by Meep every ``check`` time units; prints at most every ``every_s`` seconds of
    wall time, on rank 0 only. The end is expected at the time cap or, when ``stop`` (the
    run's DecayStop) has seen the field decay after the sources, where the straight line
    through log(decay ratio) vs time reaches ``decay_by`` (a ringdown decays exponentially:
    |E|^2 ~ exp(-t omega/Q), Jackson, Classical Electrodynamics, 3rd ed., §8.8), whichever
    comes first. The ETA is that remaining simulated time at the measured speed (simulated
    time per wall second since the start), and it is never above the last one printed minus
    the wall time since: speed changes on a loaded machine cannot make it grow. Without
    ``stop``, the first DecayStop made after this Progress is used (the modes and emitter
    runs make theirs inside their run functions).
    """

    def __init__(self, label: str, t_cap: float, log=print, every_s: float = 10.0, stop=None):
        self.label, self.t_cap, self.log, self.every_s, self.stop = label, t_cap, log, every_s, stop
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.eta: float | None = None   # last ETA printed, s
        self.decay: list[tuple[float, float]] = []  # (Meep time, decay ratio) after the sources
        self.born = DecayStop.made

    def expected_end(self, t: float) -> float:
        """Meep time the run is expected to stop at (the cap, or the decay line's crossing)."""
        if self.stop is None and DecayStop.made > self.born:
            self.stop = DecayStop.latest
        stop = self.stop
        if stop is None:
            return self.t_cap
        ratio = getattr(stop, "ratio", math.nan)
        if math.isfinite(ratio) and ratio > 0 and (not self.decay or self.decay[-1][0] < t):
            self.decay.append((t, ratio))
        if len(self.decay) < 2:
            return self.t_cap
        (t1, r1), (t2, r2) = self.decay[0], self.decay[-1]
        if r2 >= r1 or t2 <= t1:
            return self.t_cap
        slope = (math.log(r2) - math.log(r1)) / (t2 - t1)  # < 0
        t_decay = t2 + (math.log(stop.decay_by) - math.log(r2)) / slope
        return min(self.t_cap, max(t, t_decay))

    def __call__(self, sim: mp.Simulation) -> None:
        now = time.perf_counter()
        if now - self.last < self.every_s or not mp.am_master():
            return
        elapsed, since_last = now - self.t0, now - self.last
        self.last = now
        t = sim.meep_time()
        speed = t / elapsed if elapsed > 0 else 0.0  # Meep time per wall second
        end = self.expected_end(t)
        eta = (end - t) / speed if speed > 0 else math.inf
        if self.eta is not None:
            eta = min(eta, max(self.eta - since_last, 0.0))
        self.eta = eta
        fs = MEEP_TIME_S * 1e15
        steps_s = sim.fields.t / elapsed if elapsed > 0 else 0.0
        how = "decay" if end < self.t_cap else "the time cap"
        left = f"~{eta:.0f} s to go (to {how})" if eta > 0 else "finishing (past the estimate)"
        self.log(f"[{self.label}] t = {t * fs:.0f} of <= {self.t_cap * fs:.0f} fs, "
                 f"{steps_s:.0f} steps/s, {elapsed:.0f} s elapsed, {left}")


def progress_step(label: str, t_cap: float, log=print, every: float = 1.0, stop=None):
    """A Meep step function (``mp.at_every``) printing progress; see Progress."""
    progress = Progress(label, t_cap, log, stop=stop)
    return mp.at_every(every, lambda sim: progress(sim))


ENERGY_EVERY = 100      # first interval (steps) between whole-cell energy reductions
ENERGY_BUDGET = 0.005   # GrowthWatch keeps its energy reductions under this share of the wall time
PROBE_GROWTH = 100.0    # probe |E|^2 above this x its source-time maximum: diverging
ENERGY_GROWTH = 10.0    # cell electric energy above this x its source-time maximum: diverging


class DecayStop:
    """Stop condition: the field at every probe has decayed, or the time cap is reached.

    Meep's stop_when_fields_decayed over many probes: the largest sum over probes of |E|^2
    in the last ``check_dt`` (Meep time) is compared with the largest seen since the start,
    and the run stops once the sources are off and the ratio is below ``decay_by``. With
    ``subwindows`` = 1 (Meep's way) the windows are disjoint; with n > 1 the window slides,
    re-evaluated every ``check_dt / n``, and the run ends within 1/n of a window of the moment
    the criterion holds. Sliding suits a run whose probe sees everything that lingers (the
    empty normalisation cell: 30 % fewer steps, incident flux unchanged to 1e-7); in a
    structure, the probe above it underweights slow modes near the metal, and disjoint windows'
    extra time is what keeps R within 0.004 of a run decayed to 1e-9 (sliding: 0.008).
    The peak is tracked from t = 0, so it includes the pulse itself: tracked only after the
    sources, the tail would be compared with its own floor and never stop (seen on a 1D film:
    ran to the cap). One callable, because Meep 1.25's ``until_after_sources=[cond, cond]``
    binds every entry to the last one (a closure over the loop index) and never tests the others.

    The probes are read every ``stride`` steps (reading them every step cost 2 % of the
    default study's stepping): a stride of 1/16 of the shortest field period still samples
    |E|^2, which oscillates at twice the field frequency, 8 times per period, so a window's
    maximum is underestimated by at most 1 - cos^2(pi/8) = 15 %, nothing against a
    ``decay_by`` of orders of magnitude (``sample_stride``). Used by the plane-wave runs
    (default study: same stop time, R, T, A identical); modes and emitter runs read every
    step (sampled, a rod-array test's dipole run stopped earlier and its strongest mode lost
    a probe: their dipole pulses reach well above the band top).

    Growth: a passive structure's field energy after the sources end can only fall (Poynting's
    theorem with lossy or lossless media and absorbing boundaries; Taflove & Hagness,
    Computational Electrodynamics, 3rd ed., ch. 2), so fields rising above their largest value
    while the sources were on are a numerical instability. ``GrowthWatch`` checks the probes
    at every reading and the electric energy of the whole cell every ``energy_every`` steps
    and raises ``FieldGrowthError`` at once (see its thresholds).

    Attributes after the run: ``reason`` ("decayed", "time cap" or "no field at the probes")
    and ``ratio``. The class keeps the last one made (``latest``, ``made``) for Progress.
    """

    latest: "DecayStop | None" = None
    made = 0

    def __init__(self, points: list[tuple], check_dt: float, decay_by: float, t_cap: float,
                 subwindows: int = 1, stride: int = 1, energy_every: int = ENERGY_EVERY):
        self.points, self.check_dt, self.decay_by, self.t_cap = points, check_dt, decay_by, t_cap
        self.stride = max(1, int(stride))
        self.growth = GrowthWatch(energy_every)
        self.sub_dt = check_dt / subwindows
        # maxima of the last sub-windows
        self.recent: collections.deque[float] = collections.deque(maxlen=subwindows)
        self.peak = self.current = 0.0
        self.t_next = self.sub_dt
        self.reason, self.ratio = "", math.nan
        DecayStop.latest, DecayStop.made = self, DecayStop.made + 1

    def __call__(self, sim: mp.Simulation) -> bool:
        self.growth.energy(sim)
        if sim.fields.t % self.stride:
            return False
        value = sum(abs(sim.get_field_point(c, p)) ** 2 for c, p in self.points)
        if not math.isfinite(value):
            raise RuntimeError("fields became NaN or Inf at the probes")
        self.growth.probe(sim, value)
        self.current = max(self.current, value)
        t = sim.meep_time()
        if t >= self.t_cap:
            self.reason = "time cap"
            return True
        if t < self.t_next:
            return False
        self.t_next = t + self.sub_dt
        self.peak = max(self.peak, self.current)
        self.recent.append(self.current)
        self.current = 0.0
        assert self.recent.maxlen is not None  # made with maxlen=subwindows
        if len(self.recent) < self.recent.maxlen:  # a whole window first
            return False
        window = max(self.recent)
        self.ratio = window / self.peak if self.peak > 0 else math.nan
        if t >= sim.fields.last_source_time() and self.peak > 0 and self.ratio <= self.decay_by:
            self.reason = "decayed"
            return True
        if t >= sim.fields.last_source_time() + self.check_dt and self.peak == 0:
            self.reason = "no field at the probes"  # e.g. a polarisation they cannot see
            return True
        return False


class FieldGrowthError(RuntimeError):
    """The fields grew after the sources ended: a numerical instability, never a result.

    Attributes: ``facts`` (run-file attributes: failure_time_fs, growth_rate_per_fs, ...).
    """

    def __init__(self, message: str, facts: dict):
        super().__init__(message)
        self.facts = facts


class GrowthWatch:
    """Stops a run whose fields grow after its sources ended (DecayStop's growth check).

    Two signals, both compared with their largest value while the sources were on:
    - the decay probes' sum |E|^2, read anyway by DecayStop: above PROBE_GROWTH x (|E| 10x)
      it is a divergence. A point may legitimately brighten after the pulse (modes beating,
      light arriving late), hence the wide margin;
    - the electric energy of the whole cell (``electric_energy_in_box``) every
      ``energy_every`` steps: above ENERGY_GROWTH x it is a divergence. One reduction costs
      about 8-10 steps of a 3D rod-array cell (measured, 1 rank), so the interval adapts to
      keep them under ENERGY_BUDGET of the wall time (doubled while above, halved while
      below a third of it, never under ENERGY_EVERY): about 2000 steps. Measured on issue 16's
      study made cheaper (10 nm, 1 rank): 1.4 % of the stepping time at a 1 % budget. With no sources the
      total (field + polarisation) energy can only fall, and the electric part sampled while
      the sources were on is at least about half of the total's peak, so 10x never happens to
      a stable run; it also sees growth far from the probes (an edge, a corner rod, the PML).
    The growth rate reported is ln(ratio) / (time since the signal first passed its
    source-time maximum), per fs of |E|^2 or energy (twice the field amplitude's rate).
    """

    def __init__(self, energy_every: int = ENERGY_EVERY):
        self.energy_every = max(1, int(energy_every))
        self.peak = {"probe": 0.0, "energy": 0.0}       # largest value while the sources were on
        self.crossed: dict[str, float] = {}              # Meep time each first passed its peak after
        self.seconds = 0.0                               # wall time spent in energy reductions
        self.n_energy = 0
        self.t_start = time.perf_counter()
        self.next_step = self.energy_every

    def energy(self, sim: mp.Simulation) -> None:
        """Every ``energy_every`` steps: the cell's electric energy, checked for growth."""
        if sim.fields.t < self.next_step:
            return
        t0 = time.perf_counter()
        value = abs(float(sim.electric_energy_in_box(center=mp.Vector3(), size=sim.cell_size)))
        now = time.perf_counter()
        self.seconds += now - t0
        self.n_energy += 1
        # every rank must take the same decision (the reduction is collective): the largest share
        share = mp.max_to_all(self.seconds / max(now - self.t_start, 1e-9))
        if share > ENERGY_BUDGET:
            self.energy_every *= 2
        elif share < ENERGY_BUDGET / 3 and self.energy_every > ENERGY_EVERY:
            self.energy_every //= 2
        self.next_step = sim.fields.t + self.energy_every
        if not math.isfinite(value):
            raise RuntimeError("fields became NaN or Inf in the cell (electric energy)")
        self._check(sim, "energy", value, ENERGY_GROWTH)

    def probe(self, sim: mp.Simulation, value: float) -> None:
        """A probe reading (sum |E|^2), checked for growth after the sources."""
        self._check(sim, "probe", value, PROBE_GROWTH)

    def _check(self, sim: mp.Simulation, signal: str, value: float, factor: float) -> None:
        t = sim.meep_time()
        if t < sim.fields.last_source_time():
            self.peak[signal] = max(self.peak[signal], value)
            return
        peak = self.peak[signal]
        if peak <= 0 or value <= peak:
            return
        self.crossed.setdefault(signal, t)
        if value > factor * peak:
            self._fail(sim, signal, value / peak, factor)

    def _fail(self, sim: mp.Simulation, signal: str, ratio: float, factor: float) -> None:
        fs = MEEP_TIME_S * 1e15
        t, t_src = sim.meep_time(), sim.fields.last_source_time()
        since = t - self.crossed[signal]
        rate = math.log(ratio) / (since * fs) if since > 0 else math.inf
        steps_dt = sim.Courant / sim.resolution  # Meep's time step
        what = {"probe": "|E|^2 at the decay probes",
                "energy": "electric field energy in the cell"}[signal]
        facts = {"failure": "divergence", "failure_signal": what, "failure_time_fs": t * fs,
                 "failure_sources_end_fs": t_src * fs, "failure_growth_ratio": ratio,
                 "growth_rate_per_fs": rate, "failure_step": int(sim.fields.t),
                 "failure_steps_above_peak": int(round(since / steps_dt))}
        tenfold = f", x10 every {math.log(10) / rate:.3g} fs" if 0 < rate < math.inf else ""
        raise FieldGrowthError(
            f"fields diverged: {what} rose to {ratio:.3g} x its largest value while the sources "
            f"were on (limit {factor:g} x) at t = {t * fs:.1f} fs, {(t - t_src) * fs:.1f} fs after "
            f"the sources ended (step {sim.fields.t}, {facts['failure_steps_above_peak']} steps "
            f"after it passed that maximum); growth rate {rate:.3g} /fs{tenfold}; Courant number "
            f"{sim.Courant:g}, grid {1000.0 / sim.resolution:g} nm", facts)


def sample_stride(sim: mp.Simulation, f_max: float) -> int:
    """Steps between probe readings: 1/16 of the period of ``f_max`` (DecayStop); Meep's
    time step is dt = Courant / resolution (Meep units)."""
    return max(1, int(sim.resolution / (16.0 * f_max * sim.Courant)))


GROWTH_HINT = ("a passive structure cannot gain energy, so this is a numerical instability, "
               "not physics. Likely causes, most likely first: a dispersive material unstable at "
               "this grid and Courant number, alone or where it meets another material (fix: "
               "smaller simulation.resolution_nm, or a model with fewer or lower-frequency "
               "poles); a mirror symmetry Meep cannot apply consistently (fix: "
               "simulation.symmetry = false); a dispersive medium inside the PML (fix: more "
               "simulation.padding_nm or a non-dispersive substrate). Nothing of this run was "
               "kept as a result")

NAN_HINT = ("fields became NaN or Inf: a dispersive material is unstable at this grid and "
            "Courant number (fix: smaller simulation.resolution_nm, or a model with fewer or "
            "lower-frequency poles), or a source/PML overlaps metal (fix: more padding_nm)")
