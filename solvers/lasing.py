"""Lasing run: time-domain light-in / light-out of a pumped four-level gain medium (Meep's
MultilevelAtom) in the study's gain material (docs/physics.md §8).

The gain: a four-level atom (0 ground, 3 pump level, 2 upper, 1 lower lasing level) added as
one more E susceptibility to the gain material's own (dispersive, lossy) Meep medium, so the
rods gain on top of what the crystal absorbs. Meep's polarisation of the 1 -> 2 line obeys
P'' + gamma P' + (omega_a^2 + gamma^2/4) P = -dN sigma E, whose small-signal susceptibility at
the line centre is chi = -i sigma dN / (omega_a gamma) (Meep docs, Materials, "Saturable gain
and absorption"); the intensity gain is then g = -omega Im(chi) / n_b = sigma dN / (n_b gamma),
so the physical stimulated-emission cross-section sigma_se (g = sigma_se dN) maps to Meep's
coupling sigma = n_b gamma sigma_se with densities in 1/um^3 and sigma_se in um^2
(``four_level_atom``; hbar = 1 in Meep's rate equations, so one Meep "photon" is one emitter
transition and photon rates out compare directly with pump rates in).

Scaling (``lasing.rate_speedup`` = s): real upper lifetimes are ns (1e5-1e6 Meep time units
at a = 1 um), far beyond an FDTD run. Every population rate (pump, 2 -> 1, and the fast
3 -> 2, 1 -> 0 capped at 1/FAST_FLOOR_S) is multiplied by s; the dipole dephasing (the line
width) is not. The steady state of the rate equations depends on the rates only through
their ratios and the stimulated rate, so the threshold inversion is unchanged, the threshold
pump rate is s times the physical one and the output photon rate is s times the physical
one: both are divided by s when written. This holds while the scaled upper lifetime stays
>= 10 dephasing times (geometry.lasing.MIN_LIFETIME_OVER_T2, refused otherwise: class-B
rate-equation regime). Each pump point starts at the field-free steady-state populations of
its pump (``geometry.lasing.four_level_populations``), so only the lasing transient
(growth from the seed, relaxation oscillations) is simulated.

Per pump point: weak Gaussian dipole pulses at the gain line (x, y, z), off the centre of the
gain object nearest the cell axis (no mode left unseeded by symmetry), seed the field; the
radiated power through the planes above and below the structure (and the open lateral
sides) is averaged over windows; the point stops when three
windows agree within ``lasing.steady_tol`` (steady lasing), when the power has fallen
monotonically below DECAY_FLOOR of its largest window (below threshold: a noiseless
Maxwell-Bloch medium emits nothing in steady state), or at ``lasing.max_time_fs``. No mirror
symmetry is used (the medium is nonlinear; the lasing mode's parity is not known).

Measured cost per pump point (stepping wall time on the shared 2-core machine, load ~12,
benchmarks/lasing_cost.py and the physics tests), 1 rank:
- 1D 540 nm gain slab at 10 nm (tests/physics/test_lasing_run.py): 11 s per point (steady
  after 1-3 ps of scaled time); under ``--np 2`` the same points took 45-150 s (the flux
  sums are MPI reductions at every sample: run 1D studies on one rank);
- 1D CsPbBr3 300 nm on Ag 100 nm at 5 nm, default [lasing]: 11-13 s per point (below
  threshold, decayed after 610 fs);
- 3D default periodic rod on Ag at 10 nm: 4.7 s per simulated fs, so a point that needs
  600-3000 fs (at least six windows of 0.2 scaled lifetimes: 600 fs at the default
  rate_speedup, 180 fs at the largest allowed for a 20 nm line, 3.3e4) costs 15 min to 4 h.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import time
from dataclasses import dataclass

import meep as mp
import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.lasing import (
    cross_section_m2,
    four_level_populations,
    gain_linewidth_nm,
    gain_material,
    gain_volume,
    gain_wavelength_nm,
    scaled_rates_per_s,
)
from hotlase.geometry.primitives import Cylinder, Layout
from hotlase.geometry.runkinds import run_kinds
from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.subbands import at_wavelength
from hotlase.geometry.units import MEEP_TIME_S, photon_energy_j
from hotlase.solvers.cell import make_frame, make_simulation, meep_component, meep_point
from hotlase.solvers.materials import to_meep_medium

DECAY_FLOOR = 1e-8       # below threshold: stop once the window power is this far below its peak
WINDOW_PERIODS = 40      # averaging window: this many optical periods of the gain line ...
WINDOW_LIFETIMES = 0.2   # ... or this fraction of the scaled upper lifetime, the longer
SAMPLES_PER_PERIOD = 8   # flux samples per optical period (the flux oscillates at 2 f)
MIN_WINDOWS = 6          # never call a point steady or decayed before this many windows
SEED_RELATIVE = 1e-6     # seed dipole amplitude / sqrt(omega N): far below saturation
N_TRACE = 200            # windows kept per pump point in the run file (resampled)


@dataclass(frozen=True)
class MeepAtom:
    """A multilevel atom in Meep units (a = 1 um, c = 1, hbar = 1), one radiative line.

    Attributes:
        populations: initial population density of each level 0..L-1, 1/um^3.
        lower, upper: the levels of the radiative line (gain when upper > lower populated).
        frequency: line centre f = omega_a / 2 pi, 1/um.
        gamma: full width at half maximum / 2 pi of the line, 1/um.
        sigma: Meep's coupling sigma_n of the line (its small-signal chi at the line centre
            is -i sigma dN / (2 pi f 2 pi gamma)).
        decays: (from, to, rate) non-radiative transitions, rates per Meep time unit.
        pumps: (from, to, rate) pumping, per Meep time unit.
    """

    populations: tuple[float, ...]
    lower: int
    upper: int
    frequency: float
    gamma: float
    sigma: float
    decays: tuple[tuple[int, int, float], ...] = ()
    pumps: tuple[tuple[int, int, float], ...] = ()


def multilevel_atom(atom: MeepAtom) -> mp.MultilevelAtom:
    """Meep's MultilevelAtom for ``atom``: the radiative line is the Transition lower -> upper
    (Meep's convention: from the lower to the upper level) carrying any pump or decay on that
    same pair; every other decay or pump is its own Transition."""
    def rate(items, i, j):
        return sum(r for a, b, r in items if (a, b) == (i, j))

    pair = (atom.lower, atom.upper)
    sig = atom.sigma
    transitions = [mp.Transition(atom.lower, atom.upper, frequency=atom.frequency,
                                 gamma=atom.gamma, sigma_diag=mp.Vector3(sig, sig, sig),
                                 pumping_rate=rate(atom.pumps, *pair),
                                 transition_rate=rate(atom.decays, *pair))]
    for a, b, r in atom.pumps:
        if (a, b) != pair:
            transitions.append(mp.Transition(a, b, pumping_rate=r))
    for a, b, r in atom.decays:
        if (a, b) != pair:
            transitions.append(mp.Transition(a, b, transition_rate=r))
    return mp.MultilevelAtom(sigma=1, transitions=transitions,
                             initial_populations=list(atom.populations))


def gain_medium(background: mp.Medium, atom: MeepAtom) -> mp.Medium:
    """``background`` (the gain material's own Meep medium) with the atom's saturable gain added
    as one more E susceptibility."""
    medium = copy.deepcopy(background)
    medium.E_susceptibilities = [*background.E_susceptibilities, multilevel_atom(atom)]
    return medium


def background_index(study: StudySpec, material: str, wavelength_nm: float) -> float:
    """Re n of the gain material at the gain line (the n_b of g = sigma dN / (n_b gamma))."""
    eps = complex(material_model(study, material).eps([wavelength_nm])[0])
    return float((eps ** 0.5).real)


def four_level_atom(study: StudySpec, pump_rate_per_s: float) -> MeepAtom:
    """The study's four-level gain emitters in Meep units at one physical pump rate.

    Conversions (module docstring): f = 1000 / lambda_nm; gamma = 1000 dlambda / lambda^2;
    sigma = n_b (2 pi gamma) sigma_se[um^2]; densities per um^3; every population rate x
    rate_speedup x (a/c in s), the fast ones capped (geometry.lasing.scaled_rates_per_s).
    """
    spec = study.lasing
    if spec is None:
        raise ValueError("the study has no [lasing] table")
    wl = gain_wavelength_nm(study)
    f = 1000.0 / wl
    gamma = 1000.0 * gain_linewidth_nm(study) / wl ** 2
    n_b = background_index(study, gain_material(study), wl)
    sigma = n_b * 2 * math.pi * gamma * cross_section_m2(study) * 1e12
    rates = {k: v * MEEP_TIME_S for k, v in scaled_rates_per_s(spec).items()}
    pump = pump_rate_per_s * spec.rate_speedup * MEEP_TIME_S
    density = spec.density_per_m3 * 1e-18
    return MeepAtom(populations=four_level_populations(pump, density, rates), lower=1, upper=2,
                    frequency=f, gamma=gamma, sigma=sigma,
                    decays=((3, 2, rates["pump_level"]), (2, 1, rates["upper"]),
                            (1, 0, rates["lower"])),
                    pumps=((0, 3, pump),))


@dataclass
class PumpPoint:
    """What one pump point's run gave (Meep units).

    Attributes:
        power: steady output power (mean of the last window; last three when steady).
        reason: "steady", "decayed" or "time cap".
        times, trace: window end times and window-mean output power.
        meep_time: simulated time at the stop; stepping_time_s: its wall time.
        frequency: dominant frequency of the probe field over the last three windows (Meep
            units), 0 without a probe or samples.
    """

    power: float
    reason: str
    times: np.ndarray
    trace: np.ndarray
    meep_time: float
    stepping_time_s: float
    frequency: float = 0.0


class OutputMeter:
    """Mean radiated power per window from instantaneous flux through signed faces.

    ``faces``: (Meep direction, center, size, sign) of planes whose signed flux sum is the
    power leaving the cell region they enclose. ``__call__`` is a Meep step function
    (``mp.at_every(sample_dt, meter)``); ``done`` says whether to stop. ``probe``
    (component, point), when given, is sampled too, for the lasing frequency.
    """

    def __init__(self, faces, window: float, samples: int, t_cap: float, steady_tol: float,
                 t_seed_end: float, probe=None):
        import collections

        self.probe = probe
        self.field: collections.deque = collections.deque(maxlen=3 * samples)
        self.faces = [(d, mp.Volume(center=c, size=s), sign) for d, c, s, sign in faces]
        self.window, self.samples, self.t_cap = window, samples, t_cap
        self.tol, self.t_seed_end = steady_tol, t_seed_end
        self.acc: list[float] = []
        self.times: list[float] = []
        self.means: list[float] = []
        self.reason = ""

    def __call__(self, sim: mp.Simulation) -> None:
        self.acc.append(sum(sign * sim.flux_in_box(d, box=v) for d, v, sign in self.faces))
        if self.probe is not None:
            self.field.append(float(np.real(sim.get_field_point(*self.probe))))
        if len(self.acc) >= self.samples:
            self.means.append(float(np.mean(self.acc)))
            self.times.append(sim.meep_time())
            self.acc = []

    def done(self, sim: mp.Simulation) -> bool:
        """Stop condition (``sim.run(until=meter.done)``)."""
        if sim.meep_time() >= self.t_cap:
            self.reason = self.reason or "time cap"
            return True
        m = self.means
        if len(m) < MIN_WINDOWS or self.times[-1] < self.t_seed_end:
            return False
        last = m[-3:]
        peak = max(abs(x) for x in m)
        if peak > 0 and abs(last[-1]) < DECAY_FLOOR * peak and last[0] > last[1] > last[2]:
            self.reason = "decayed"
            return True
        mean = float(np.mean(last))
        if mean > 0 and max(abs(x - mean) for x in last) <= self.tol * mean:
            self.reason = "steady"
            return True
        return False

    def result(self, sim: mp.Simulation, stepping_time_s: float) -> PumpPoint:
        """The pump point's numbers once the run has stopped."""
        m = np.asarray(self.means, dtype=float)
        if self.reason == "steady":
            power = float(m[-3:].mean())
        else:
            power = float(m[-1]) if m.size else 0.0
        return PumpPoint(power=power, reason=self.reason or "time cap",
                         times=np.asarray(self.times, float), trace=m,
                         meep_time=sim.meep_time(), stepping_time_s=stepping_time_s,
                         frequency=dominant_frequency(np.asarray(self.field, float),
                                                      self.window / self.samples))


def dominant_frequency(samples: np.ndarray, dt: float) -> float:
    """Peak frequency of a real time series sampled every ``dt``: Hann window, FFT zero-padded
    x16, parabolic interpolation of the log magnitude around the largest bin (Smith,
    Spectral Audio Signal Processing (2011), "Quadratic interpolation of spectral peaks");
    0 for fewer than 16 samples or a flat series."""
    if samples.size < 16 or not np.any(samples - samples.mean()):
        return 0.0
    x = (samples - samples.mean()) * np.hanning(samples.size)
    n = 16 * samples.size
    mag = np.abs(np.fft.rfft(x, n))
    k = int(np.argmax(mag[1:])) + 1
    if 0 < k < mag.size - 1 and np.all(mag[k - 1:k + 2] > 0):
        a, b, c = np.log(mag[k - 1:k + 2])
        k = k + 0.5 * (a - c) / (a - 2 * b + c)
    return float(k / (n * dt))


def window_and_samples(frequency: float, upper_rate: float, time_step: float
                       ) -> tuple[float, int]:
    """(averaging window in Meep time, flux samples per window) for a line at ``frequency``
    and a scaled upper-level decay rate ``upper_rate`` (both Meep units). The sample
    interval window / samples is a whole number of time steps ``time_step``: Meep's
    ``at_every`` rounds its interval to whole steps, so any other interval would make the
    samples' true spacing (and the lasing frequency read from them) differ from the nominal
    one (seen: 3.3 % with 12.5 steps per sample)."""
    period = 1.0 / frequency
    window = max(WINDOW_PERIODS * period, WINDOW_LIFETIMES / upper_rate)
    steps = max(int(round(period / SAMPLES_PER_PERIOD / time_step)), 1)
    samples = max(int(round(window / (steps * time_step))), 16)
    return samples * steps * time_step, samples


def run_pump_point(sim: mp.Simulation, faces, *, frequency: float, upper_rate: float,
                   t_cap: float, steady_tol: float, t_seed_end: float,
                   step_funcs: tuple = (), probe=None) -> PumpPoint:
    """Run one pumped simulation (its seed among its sources) to steady state, decay or cap.

    Args:
        sim: the simulation with the gain medium and the seed source.
        faces: (direction, center, size, sign) output planes (``OutputMeter``).
        frequency: gain line f (1/um); upper_rate: scaled 2 -> 1 rate (per Meep time).
        t_cap: simulated time cap; steady_tol: relative agreement of three windows;
        t_seed_end: no stop before the seed pulse is over (Meep time).
        probe: (component, point) whose field gives the lasing frequency.
    """
    window, samples = window_and_samples(frequency, upper_rate, sim.Courant / sim.resolution)
    meter = OutputMeter(faces, window, samples, t_cap, steady_tol, t_seed_end, probe)
    t0 = time.perf_counter()
    sim.run(mp.at_every(window / samples, lambda s: meter(s)), *step_funcs,
            until=lambda s: meter.done(s))
    return meter.result(sim, time.perf_counter() - t0)


def output_faces(frame, layout: Layout) -> list:
    """Signed planes around the structure: up through the top flux plane, down through the
    bottom one, and out of each open (non-periodic) lateral side just inside its PML."""
    up = frame.vertical
    c_top, s_top = frame.plane(frame.z_refl)
    c_bot, s_bot = frame.plane(frame.z_trans)
    faces = [(up, c_top, s_top, 1.0), (up, c_bot, s_bot, -1.0)]
    if frame.dims == 1:
        return faces
    z_mid = (frame.z_refl + frame.z_trans) / 2 - frame.z_center
    height = frame.z_refl - frame.z_trans
    sx, sy = frame.size_xy
    inner = lambda size: size / 2 - frame.pml - 0.5 / frame.resolution  # noqa: E731
    if not frame.periodic[0] and sx > 0:
        span_y = sy - 2 * frame.pml if not frame.periodic[1] and sy > 0 else sy
        for sign in (1.0, -1.0):
            faces.append((mp.X, frame.vec(sign * inner(sx), 0, z_mid),
                          frame.vec(0, span_y, height), sign))
    if frame.dims == 3 and not frame.periodic[1] and sy > 0:
        span_x = sx - 2 * frame.pml if not frame.periodic[0] and sx > 0 else sx
        for sign in (1.0, -1.0):
            faces.append((mp.Y, frame.vec(0, sign * inner(sy), z_mid),
                          frame.vec(span_x, 0, height), sign))
    return faces


#: Seed offset from the centre of the gain object, as fractions of its half sizes (x, y, z):
#: off every mirror plane and node-free point, so modes of every parity get a share.
SEED_OFFSET = (0.31, 0.23, 0.17)


def seed_position_nm(layout: Layout, material: str) -> tuple[float, float, float]:
    """Inside the gain object nearest the cell axis (x = y = 0), off its centre by
    SEED_OFFSET of its half sizes, so that no mode of the object is left unseeded by
    symmetry (a noiseless Maxwell-Bloch medium only amplifies what the seed excites)."""
    objects = [p for p in layout.primitives if p.material == material]
    best = min(objects, key=lambda p: p.center_nm[0] ** 2 + p.center_nm[1] ** 2)
    if isinstance(best, Cylinder):
        half = [best.radius_nm] * 3
        half[{"x": 0, "y": 1, "z": 2}[best.axis]] = best.height_nm / 2
    else:
        half = [s / 2 for s in best.size_nm]
    return tuple(c + (f * h if math.isfinite(h) else 0.0)  # type: ignore[return-value]
                 for c, f, h in zip(best.center_nm, SEED_OFFSET, half))


def run_lasing(study: StudySpec, writer, *, layout: Layout | None = None, log=print) -> dict:
    """The lasing run: one time-domain run per pump rate of ``[lasing]``; writes ``lasing/``
    (docs/runfile.md) and returns root facts.

    Raises:
        ValueError: when the study cannot run it (``geometry.lasing.lasing_refusal``).
    """
    layout = layout or build(study.structure)
    refused = run_kinds()["lasing"].refuse(study, layout)
    if refused:
        raise ValueError(f"lasing {refused}")
    spec = study.lasing
    assert spec is not None
    wl = gain_wavelength_nm(study)
    # the materials of the model window holding the gain line (geometry.subbands): unpumped,
    # the rods lose what the measured crystal loses there, not the one-band fit's tail
    served = at_wavelength(study, wl)
    frame = make_frame(served, layout)
    material = gain_material(study)
    background = to_meep_medium(material_model(served, material))
    position = seed_position_nm(layout, material)
    point = meep_point(frame, position)
    component = meep_component(frame, "x")
    seed_axes = ("x",) if frame.dims == 1 else ("x", "y", "z")  # every polarisation seeded
    dims = frame.dims
    volume_nm = gain_volume(layout, material, dims)
    volume_um = volume_nm / 1000.0 ** dims
    faces = output_faces(frame, layout)
    t_cap = spec.max_time_fs * 1e-15 / MEEP_TIME_S
    per_area = {1: 1e12, 2: 1e6, 3: 1.0}[dims]  # Meep photon rate per um^(3-dims) -> per m^...
    units = {1: "W/m^2", 2: "W/m", 3: "W"}[dims]
    powers, photons_ratio, steady, traces, stops, lasing_nm = [], [], [], [], [], []
    stepping = 0.0
    first_atom = None
    for i, rate in enumerate(spec.pump_rates_per_s):
        atom = four_level_atom(served, rate)
        first_atom = first_atom or atom
        medium = gain_medium(background, atom)
        omega = 2 * math.pi * atom.frequency
        amp = SEED_RELATIVE * math.sqrt(omega * sum(atom.populations))
        fwidth = 2 * atom.gamma
        seeds = [mp.Source(mp.GaussianSource(atom.frequency, fwidth=fwidth),
                           component=meep_component(frame, axis), center=point, amplitude=amp)
                 for axis in seed_axes]
        sim, _, _ = make_simulation(served, sources=seeds, layout=layout,
                                    media={material: medium})
        t_seed_end = 2 * seeds[0].src.cutoff / fwidth  # Meep's Gaussian ends at 2 cutoff widths
        log(f"[lasing {i + 1}/{len(spec.pump_rates_per_s)}] pump {rate:.3g} /s "
            f"(scaled {atom.pumps[0][2]:.3g} per Meep time)")
        res = run_pump_point(sim, faces, frequency=atom.frequency,
                             upper_rate=atom.decays[1][2], t_cap=t_cap,
                             steady_tol=spec.steady_tol, t_seed_end=t_seed_end,
                             probe=(component, point))
        sim.reset_meep()
        photon_rate = res.power / omega  # hbar = 1: photons per Meep time (per um^(3-dims))
        pumped = atom.pumps[0][2] * sum(atom.populations) * volume_um
        photons_ratio.append(photon_rate / pumped if pumped > 0 else math.nan)
        physical_rate = photon_rate * per_area / MEEP_TIME_S / spec.rate_speedup
        powers.append(physical_rate * photon_energy_j(wl))
        steady.append(int(res.reason in ("steady", "decayed")))
        lasing_nm.append(1000.0 / res.frequency if res.reason != "decayed" and res.frequency > 0
                         else 0.0)
        traces.append(res)
        stepping += res.stepping_time_s
        stops.append({"pump_rate_per_s": rate, "stop": res.reason,
                      "meep_time_fs": res.meep_time * MEEP_TIME_S * 1e15,
                      "stepping_time_s": res.stepping_time_s})
        log(f"[lasing {i + 1}] {res.reason} at {res.meep_time * MEEP_TIME_S * 1e15:.0f} fs: "
            f"output {powers[-1]:.3g} {units} ({res.stepping_time_s:.1f} s)")
    _write(writer, study, spec, units, material, volume_nm, dims, wl, powers, photons_ratio,
           steady, traces, stops, first_atom, stepping, per_area, lasing_nm)
    return {"courant": frame.courant, "stepping_time_s": stepping, "symmetries": [],
            "meep_time_fs": sum(s["meep_time_fs"] for s in stops)}


def _resampled(res: PumpPoint, per_area: float, speedup: float, wl: float) -> tuple:
    t = res.times * MEEP_TIME_S * 1e15
    p = res.trace / (2 * math.pi * 1000.0 / wl) * per_area / MEEP_TIME_S / speedup \
        * photon_energy_j(wl)
    if t.size == 0:
        return np.zeros(N_TRACE), np.zeros(N_TRACE)
    grid = np.linspace(t[0], t[-1], N_TRACE)
    return grid, np.interp(grid, t, p)


def _write(writer, study, spec, units, material, volume_nm, dims, wl, powers, ratio, steady,
           traces, stops, atom, stepping, per_area, lasing_nm) -> None:
    rates = np.asarray(spec.pump_rates_per_s, dtype=float)
    writer.dataset("lasing/pump_rate_per_s", rates, "1/s", "pump rate 0 -> 3 per ground-state emitter")
    writer.dataset("lasing/generation_rate_per_m3_s", rates * spec.density_per_m3, "1/(m^3 s)",
                   "pump rate x emitter density")
    writer.dataset("lasing/output_power", np.asarray(powers, float), units,
                   "radiated output power, scaled back to physical rates")
    writer.dataset("lasing/photons_per_emitter_pumped", np.asarray(ratio, float), "1",
                   "output photon rate / (pump rate x emitters)")
    writer.dataset("lasing/lasing_wavelength_nm", np.asarray(lasing_nm, float), "nm",
                   "dominant wavelength of the field at the seed point (0: no lasing)")
    writer.dataset("lasing/steady", np.asarray(steady, np.int8), "1",
                   "1: steady or decayed; 0: stopped by the time cap")
    pairs = [_resampled(r, per_area, spec.rate_speedup, wl) for r in traces]
    writer.dataset("lasing/trace_time_fs", np.array([a for a, _ in pairs]), "fs",
                   "simulated time of each trace window")
    writer.dataset("lasing/trace_output_power", np.array([b for _, b in pairs]), units,
                   "output power of each trace window")
    writer.attrs("lasing", output_units=units, gain_material=material,
                 gain_volume=float(volume_nm), dims=int(dims), emission_wavelength_nm=float(wl),
                 lasing_spec=json.dumps(dataclasses.asdict(spec)),
                 rate_speedup=float(spec.rate_speedup),
                 scaled_rates_per_s=json.dumps(scaled_rates_per_s(spec)),
                 meep_atom=json.dumps(dataclasses.asdict(atom)) if atom else "{}",
                 stops=json.dumps(stops),
                 seconds_per_pump_point=float(stepping / max(len(stops), 1)))
    if not np.all(np.isfinite(powers)):
        raise RuntimeError("lasing output is NaN or Inf: the fields diverged")


__all__ = ["MeepAtom", "multilevel_atom", "gain_medium", "four_level_atom", "run_lasing",
           "run_pump_point", "OutputMeter", "PumpPoint", "output_faces"]
