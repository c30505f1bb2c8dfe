"""Progress lines and termination conditions shared by every run kind."""

from __future__ import annotations

import collections
import math
import time

import meep as mp

from geometry.study import StudySpec
from geometry.units import MEEP_TIME_S


def max_meep_time(study: StudySpec) -> float:
    """The study's hard cap on simulated time, in Meep time units (a/c)."""
    return study.simulation.max_time_fs * 1e-15 / MEEP_TIME_S


class Progress:
    """Meep step function printing simulated time, fraction of the cap and an ETA bound.

    Called by Meep every ``check`` time units; prints at most every ``every_s`` seconds of
    wall time, on rank 0 only.
    """

    def __init__(self, label: str, t_cap: float, log=print, every_s: float = 10.0):
        self.label, self.t_cap, self.log, self.every_s = label, t_cap, log, every_s
        self.t0 = time.perf_counter()
        self.last = self.t0

    def __call__(self, sim: mp.Simulation) -> None:
        now = time.perf_counter()
        if now - self.last < self.every_s or not mp.am_master():
            return
        self.last = now
        t = sim.meep_time()
        frac = min(t / self.t_cap, 1.0) if self.t_cap else 0.0
        eta = (now - self.t0) * (1 - frac) / frac if frac > 0 else float("nan")
        self.log(f"[{self.label}] t = {t * MEEP_TIME_S * 1e15:.0f} fs "
                 f"({100 * frac:.0f}% of the {self.t_cap * MEEP_TIME_S * 1e15:.0f} fs cap), "
                 f"{now - self.t0:.0f} s elapsed, at most {eta:.0f} s to go (stops earlier on decay)")


def progress_step(label: str, t_cap: float, log=print, every: float = 1.0):
    """A Meep step function (``mp.at_every``) printing progress; see Progress."""
    progress = Progress(label, t_cap, log)
    return mp.at_every(every, lambda sim: progress(sim))


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

    Attributes after the run: ``reason`` ("decayed", "time cap" or "no field at the probes")
    and ``ratio``.
    """

    def __init__(self, points: list[tuple], check_dt: float, decay_by: float, t_cap: float,
                 subwindows: int = 1, stride: int = 1):
        self.points, self.check_dt, self.decay_by, self.t_cap = points, check_dt, decay_by, t_cap
        self.stride = max(1, int(stride))
        self.sub_dt = check_dt / subwindows
        self.recent = collections.deque(maxlen=subwindows)  # maxima of the last sub-windows
        self.peak = self.current = 0.0
        self.t_next = self.sub_dt
        self.reason, self.ratio = "", math.nan

    def __call__(self, sim: mp.Simulation) -> bool:
        if sim.fields.t % self.stride:
            return False
        value = sum(abs(sim.get_field_point(c, p)) ** 2 for c, p in self.points)
        if not math.isfinite(value):
            raise RuntimeError("fields became NaN or Inf at the probes")
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


def sample_stride(sim: mp.Simulation, f_max: float) -> int:
    """Steps between probe readings: 1/16 of the period of ``f_max`` (DecayStop); Meep's
    time step is dt = Courant / resolution (Meep units)."""
    return max(1, int(sim.resolution / (16.0 * f_max * sim.Courant)))


NAN_HINT = ("fields became NaN or Inf: a dispersive material is unstable at this grid and "
            "Courant number (fix: smaller simulation.resolution_nm, or a model with fewer or "
            "lower-frequency poles), or a source/PML overlaps metal (fix: more padding_nm)")
