"""Sub-bands of a broadband run: which material model serves which wavelengths (pure data).

A sum of a few passive Lorentz poles cannot follow the perovskite's exponential band edge over
a whole visible band (docs/physics.md §3), but per-band models meet the measured n, k in
windows that abut (``perovskites.BAND_MODELS``: CsPbBr3 400-520, 520-530, 530-700 nm). With
``[simulation] material_bands = "split"`` (the default when the one-band model misses the
target) a broadband run is made once per window, each Meep run with that window's models, its
spectrum wavelengths and field maps inside the window and a source pulse covering it; the
solver (``solvers.broadband``) stitches the results into one run file. Meep's response is
linear, so each wavelength is exact for the model that served it whatever the others were.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from hotlase.geometry.materials.perovskites import BAND_MODELS
from hotlase.geometry.units import nm_to_meep_freq

#: A sub-band's source pulse spans at least this fraction of the study band's frequency span,
#: centred on its window. Meep's fields are linear: R of the default study at 522.5-530 nm
#: agreed within 5e-4 with pulses 0.25, 0.5 and 1x the band wide. Narrower is longer (a 10
#: nm window's own span: ~20x the band's pulse); the whole band's pulse, though, excites a
#: window model far outside its window (CsPbBr3_Brennan_530_700 has n = 3.5 at 500 nm), whose
#: ringing ran the default study's 530-700 nm run into the time cap with an energy-balance
#: error of 0.14 (0.5: decayed at ~140 fs).
MIN_PULSE_FRACTION = 0.5


@dataclass(frozen=True)
class SubBand:
    """One Meep run of a split broadband run.

    Attributes:
        lo_nm, hi_nm: the window (nm) whose models the run uses.
        indices: positions, in the run's wavelength array, of the wavelengths it reports.
        targets: (tag, wavelength nm) field maps made in this run.
        models: {material name: model name} serving these wavelengths.
    """

    lo_nm: float
    hi_nm: float
    indices: tuple[int, ...]
    targets: tuple[tuple[str, float], ...]
    models: tuple[tuple[str, str], ...]


def split_materials(study) -> list[str]:
    """Built-in materials of the structure whose one model over the study band misses the
    measured n, k target while per-band models exist (``perovskites.BAND_MODELS``)."""
    from hotlase.geometry.materials.registry import model_for_band
    from hotlase.geometry.study import structure_materials, study_band_nm

    lo, hi = study_band_nm(study)
    out: list[str] = []
    for name in structure_materials(study.structure).values():
        if name in study.materials or name not in BAND_MODELS or name in out:
            continue
        if model_for_band(name, lo, hi).misses_nk_target(lo, hi):
            out.append(name)
    return out


def material_bands(study) -> str:
    """The study's ``material_bands``: as given, else "split" when a material needs it."""
    choice = study.simulation.material_bands
    if choice is not None:
        return choice
    return "split" if split_materials(study) else "broadband"


def windows_nm(study) -> list[tuple[float, float]]:
    """The run band [wavelength_min_nm, wavelength_max_nm] cut at every window edge of the
    per-band models of ``split_materials`` (one window when the study runs broadband)."""
    from hotlase.geometry.materials.registry import get_material

    sim = study.simulation
    lo, hi = sim.wavelength_min_nm, sim.wavelength_max_nm
    edges = {lo, hi}
    if material_bands(study) == "split":
        for name in split_materials(study):
            for model in BAND_MODELS[name]:
                edges.update(e for e in get_material(model).valid_nm if lo < e < hi)
    ordered = sorted(edges)
    return list(zip(ordered[:-1], ordered[1:]))


def plan(study, wavelengths_nm, targets=()) -> list[SubBand]:
    """The runs of a broadband run: each wavelength and each field target goes to the first
    window (ascending) that contains it; windows with nothing to report are left out."""
    wl = np.asarray(wavelengths_nm, dtype=float)
    windows = windows_nm(study)
    owner = [_window_of(w, windows) for w in wl]
    target_owner = [_window_of(w, windows) for _, w in targets]
    out = []
    for i, (lo, hi) in enumerate(windows):
        idx = tuple(j for j, o in enumerate(owner) if o == i)
        tg = tuple((t, float(w)) for (t, w), o in zip(targets, target_owner) if o == i)
        if idx or tg:
            sub = window_study(study, lo, hi) if len(windows) > 1 else study
            out.append(SubBand(lo, hi, idx, tg, models_used(sub)))
    return out


def _window_of(w: float, windows: list[tuple[float, float]]) -> int:
    for i, (lo, hi) in enumerate(windows):
        if lo <= w <= hi:
            return i
    return int(np.argmin([min(abs(w - lo), abs(w - hi)) for lo, hi in windows]))


def window_study(study, lo_nm: float, hi_nm: float):
    """The study whose materials are the models of window [lo_nm, hi_nm]: its band is the
    window (pump and emission clipped into it) and it runs "broadband" there. Only the
    materials are taken from it; wavelengths, pulse and targets come from the plan."""
    sim = study.simulation
    clip = lambda w: min(max(w, lo_nm), hi_nm)  # noqa: E731
    window = dataclasses.replace(sim, wavelength_min_nm=lo_nm, wavelength_max_nm=hi_nm,
                                 pump_wavelength_nm=clip(sim.pump_wavelength_nm),
                                 emission_wavelength_nm=clip(sim.emission_wavelength_nm),
                                 material_bands="broadband")
    # not re-validated as a whole (a 50 x 50 finite array takes ~0.3 s per check): the study
    # was, and the window only narrows its band to where its models are valid
    out = copy.copy(study)
    object.__setattr__(out, "simulation", window)
    return out


def models_used(study) -> tuple[tuple[str, str], ...]:
    """((material name, model name), ...) of the structure's materials in ``study``."""
    from hotlase.geometry.study import material_model, structure_materials

    names = dict.fromkeys(structure_materials(study.structure).values())
    return tuple((n, material_model(study, n).name) for n in names)


def pulse(study, band: SubBand, wavelengths_nm) -> tuple[float, float, float]:
    """(f_center, f_width, f_min) in Meep units of a sub-band's source pulse: the window and
    its targets, widened to ``MIN_PULSE_FRACTION`` of the study band's span."""
    waves = [band.lo_nm, band.hi_nm, *(w for _, w in band.targets),
             *(float(wavelengths_nm[i]) for i in band.indices)]
    f_lo, f_hi = (float(f) for f in nm_to_meep_freq([max(waves), min(waves)]))
    return covering_pulse(study, f_lo, f_hi)


def covering_pulse(study, f_lo: float, f_hi: float,
                   factor: float = 1.1) -> tuple[float, float, float]:
    """(f_center, f_width, f_min) in Meep units of a pulse over [f_lo, f_hi]: ``factor`` x
    that span wide, at least ``MIN_PULSE_FRACTION`` of the study band's span."""
    sim = study.simulation
    span = float(nm_to_meep_freq(sim.wavelength_min_nm) - nm_to_meep_freq(sim.wavelength_max_nm))
    width = max((f_hi - f_lo) * factor, MIN_PULSE_FRACTION * span)
    center = max((f_lo + f_hi) / 2, width / 2 * 1.05)  # the pulse stays at positive frequencies
    return center, width, center - width / 2


@dataclass(frozen=True)
class DipoleWindow:
    """One material window of a dipole run (modes, emitter), frequencies in Meep units.

    Attributes:
        lo_nm, hi_nm: the window; index: its position in ``windows_nm`` (ascending).
        f_lo, f_hi: the window's frequencies: modes are kept there (``band`` of Harminv).
        f_min, f_max: the Harminv search band: the window, widened by ``margin`` x the study
            band's frequency span at the study band's ends only (inside, the window edges:
            the next window's model serves beyond them).
        models: {material name: model name} serving the window.
    """

    lo_nm: float
    hi_nm: float
    index: int
    f_lo: float
    f_hi: float
    f_min: float
    f_max: float
    models: tuple[tuple[str, str], ...]


def dipole_windows(study, margin: float) -> list[DipoleWindow]:
    """The windows of a split dipole run (modes, emitter LDOS), ascending in wavelength; one
    window (the study band) when the study runs broadband."""
    windows = windows_nm(study)
    sim = study.simulation
    f_lo_band = float(nm_to_meep_freq(sim.wavelength_max_nm))
    pad = margin * (float(nm_to_meep_freq(sim.wavelength_min_nm)) - f_lo_band)
    out = []
    for i, (lo, hi) in enumerate(windows):
        f_lo, f_hi = float(nm_to_meep_freq(hi)), float(nm_to_meep_freq(lo))
        sub = window_study(study, lo, hi) if len(windows) > 1 else study
        out.append(DipoleWindow(lo, hi, i, f_lo, f_hi,
                                f_lo - pad if i == len(windows) - 1 else f_lo,
                                f_hi + pad if i == 0 else f_hi, models_used(sub)))
    return out


def serving_window(wavelength_nm: float, windows) -> int:
    """Index of the window whose models serve ``wavelength_nm`` (the first, ascending, that
    holds it; outside them all, the nearest: the margins beyond the band belong to the end
    windows). ``windows``: [(lo_nm, hi_nm)] or ``DipoleWindow`` list."""
    edges = [(w.lo_nm, w.hi_nm) if isinstance(w, DipoleWindow) else tuple(w) for w in windows]
    return _window_of(float(wavelength_nm), edges)


def describe(bands: list[SubBand] | list[DipoleWindow]) -> str:
    """JSON list of {lo_nm, hi_nm, models} for run-file attributes."""
    return json.dumps([{"lo_nm": b.lo_nm, "hi_nm": b.hi_nm, "models": dict(b.models)}
                       for b in bands])


def split_served(study, name: str) -> list[tuple[float, float, str]]:
    """[(lo_nm, hi_nm, model name)] serving material ``name`` in the study's split broadband
    runs; [] when the study runs broadband or ``name`` needs no split."""
    if material_bands(study) != "split" or name not in split_materials(study):
        return []
    from hotlase.geometry.study import material_model

    return [(lo, hi, material_model(window_study(study, lo, hi), name).name)
            for lo, hi in windows_nm(study)]


def served_eps(study, name: str, wavelengths_nm) -> np.ndarray:
    """ε of material ``name`` at each wavelength from the model the study's spectrum run uses
    there (the window's model when split, else the one model): what an independent reference
    (transfer matrix, RCWA) must be given to compare like with like."""
    from hotlase.geometry.study import material_model

    wl = np.atleast_1d(np.asarray(wavelengths_nm, dtype=float))
    served = split_served(study, name)
    if not served:
        return np.asarray(material_model(study, name).eps(wl))
    windows = [(lo, hi) for lo, hi, _ in served]
    owner = np.array([_window_of(w, windows) for w in wl])
    out = np.zeros(wl.size, complex)
    for i, (lo, hi, _) in enumerate(served):
        pick = owner == i
        if pick.any():
            out[pick] = material_model(window_study(study, lo, hi), name).eps(wl[pick])
    return out


def at_wavelength(study, wavelength_nm: float):
    """The study whose materials serve a run at one wavelength (the lasing run's gain line):
    the window's study when the study splits its band, else the study itself."""
    if material_bands(study) != "split":
        return study
    windows = windows_nm(study)
    if len(windows) == 1:
        return study
    lo, hi = windows[_window_of(float(wavelength_nm), windows)]
    return window_study(study, lo, hi)
