"""Progress lines and termination conditions shared by every run kind."""

from __future__ import annotations

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


def until_decayed(study: StudySpec, component, point: mp.Vector3, f_min: float) -> list:
    """Conditions for ``sim.run(until=...)``: stop once the sources are off and |E|^2 at
    ``point`` has fallen by the study's ``decay_by`` from its peak, or at the time cap.

    Meep's ``stop_when_fields_decayed`` is tracked from t = 0 (not ``until_after_sources``)
    so its peak includes the pulse itself; tracked only after the sources it would compare
    the tail with its own noise floor and never stop (seen on a 1D film: ran to the cap).
    """
    t_cap = max_meep_time(study)
    decayed = mp.stop_when_fields_decayed(10.0 / f_min, component, point, study.simulation.decay_by)

    def stop(sim: mp.Simulation) -> bool:
        done = decayed(sim)  # called every step: it tracks the running maximum
        return done and sim.meep_time() > sim.fields.last_source_time()

    return [stop, lambda sim: sim.meep_time() >= t_cap]


NAN_HINT = ("fields became NaN or Inf: a dispersive material is unstable at this grid and "
            "Courant number (fix: smaller simulation.resolution_nm, or a model with fewer or "
            "lower-frequency poles), or a source/PML overlaps metal (fix: more padding_nm)")
