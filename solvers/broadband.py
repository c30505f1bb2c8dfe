"""One plane-wave pulse through the structure gives the spectrum and the field maps together.

An incident-only run in the empty cell (same grid, same source, same symmetry) provides the
normalisation: the incident flux for R, T, A and the incident flux per area that scales the
DFT fields to the pump intensity. Then one run of the structure accumulates the flux planes,
the absorption volumes and the field DFTs at once, and stops on field decay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import time

import meep as mp
import numpy as np

from hotlase.geometry import subbands
from hotlase.geometry.primitives import Layout
from hotlase.geometry.study import StudySpec
from hotlase.geometry.units import MEEP_TIME_S, nm_to_meep_freq
from hotlase.solvers.cell import (band_frequencies, incidence_k_point, make_frame, make_simulation,
                          mirror_symmetries, plane_wave_source, symmetry_label)
from hotlase.solvers.fields import add_field_monitor, write_fields
from hotlase.solvers.progress import DecayStop, max_meep_time, progress_step, sample_stride
from hotlase.solvers.spectrum import (absorbing_sheets, add_spectrum_monitors, balance_error, check_balance,
                              collect_spectrum, eps_table, lossy_materials,
                              spectrum_wavelengths_nm, write_spectrum)


def run_broadband(study: StudySpec, layout: Layout, *, spectrum_writer=None, fields_writer=None,
                  targets: Sequence[tuple[str, float]] = (), label: str = "", log=print) -> dict:
    """Run the normalisation and the structure (once per sub-band); write spectrum/ and
    fields/ where asked.

    Returns timing and setup facts (symmetries, courant, stepping time) for the run files.
    """
    wavelengths = spectrum_wavelengths_nm(study)
    bands = subbands.plan(study, wavelengths, targets if fields_writer is not None else ())
    split = len(subbands.windows_nm(study)) > 1  # else today's one run, unchanged
    parts: list[tuple[subbands.SubBand, dict | None]] = []
    facts: dict = {}
    whole = _whole_band_pulse(study, targets)  # its centre fixes an oblique wave's Bloch k
    for n, band in enumerate(bands):
        if split:
            sub = subbands.window_study(study, band.lo_nm, band.hi_nm)
            pulse = subbands.pulse(study, band, wavelengths)
            tag = f"{label} {band.lo_nm:g}-{band.hi_nm:g} nm ({n + 1}/{len(bands)})"
        else:
            sub, pulse, tag = study, whole, label
            band = dataclasses.replace(band, indices=tuple(range(len(wavelengths))),
                                       targets=tuple(targets))
        result, part = _run_band(sub, layout, wavelengths[list(band.indices)], pulse,
                                 list(band.targets), spectrum_writer is not None, fields_writer,
                                 tag, log, k_freq=whole[0])
        parts.append((band, result))
        _merge_facts(facts, part)
    if spectrum_writer is not None:
        result = _stitch(parts, len(wavelengths))
        check_balance(result)
        write_spectrum(spectrum_writer, result, wavelengths, result["incident"])
        facts["energy_balance_max_error"] = result["energy_balance_max_error"]
        spectrum_writer.attrs("spectrum", material_bands=subbands.material_bands(study),
                              material_models=subbands.describe([b for b, _ in parts]))
    return facts


def _whole_band_pulse(study: StudySpec, targets) -> tuple[float, float, float]:
    """(f_center, f_width, f_min) of one run over the study band and every target."""
    f_cen, f_width, f_min = band_frequencies(study)
    extra = [float(nm_to_meep_freq(w)) for _, w in targets]
    if extra:  # the pulse must cover the pump and every mode wavelength too
        f_lo, f_hi = min(f_cen - f_width / 2, *extra), max(f_cen + f_width / 2, *extra)
        f_cen, f_width = (f_lo + f_hi) / 2, (f_hi - f_lo) * 1.1
    return f_cen, f_width, f_min


def _merge_facts(facts: dict, part: dict) -> None:
    """Facts of several sub-band runs: times add up, the worst decay and stop reason count."""
    for key in ("stepping_time_s", "growth_check_time_s", "meep_time_fs"):
        facts[key] = facts.get(key, 0.0) + part[key]
    if facts.get("decay_ratio") is None or part["decay_ratio"] > facts["decay_ratio"]:
        facts["decay_ratio"], facts["stop_reason"] = part["decay_ratio"], part["stop_reason"]
    facts["courant"] = min(facts.get("courant", part["courant"]), part["courant"])
    facts.setdefault("symmetries", part["symmetries"])
    facts.setdefault("k_bloch_per_um", part["k_bloch_per_um"])


def _stitch(parts: list, count: int) -> dict:
    """One spectrum from the sub-band results (each on its own wavelength positions)."""
    out = {key: np.zeros(count) for key in ("R", "T", "A", "incident")}
    parts = [(band, result) for band, result in parts if result is not None]
    names = list(dict.fromkeys(name for _, r in parts for name in r["A_by_material"]))
    by_material = {name: np.zeros(count) for name in names}
    for band, result in parts:
        idx = list(band.indices)
        for key in out:
            out[key][idx] = result[key]
        for name, a in result["A_by_material"].items():  # a lossless model absorbs nothing
            by_material[name][idx] = a
    return {**out, "A_by_material": by_material,
            "energy_balance_max_error": balance_error(out["R"], out["T"], by_material)}


def _run_band(study: StudySpec, layout: Layout, wavelengths: np.ndarray,
              pulse: tuple[float, float, float], targets: list[tuple[str, float]],
              want_spectrum: bool, fields_writer, label: str, log,
              k_freq: float | None = None) -> tuple[dict | None, dict]:
    """Normalisation and structure runs with ``study``'s materials, reporting ``wavelengths``
    and writing the field maps of ``targets``; (spectrum result or None, facts). ``k_freq``:
    the frequency whose incidence angle fixes the Bloch k (default the pulse centre), the
    whole band's in every sub-band run so a split oblique spectrum has one k throughout."""
    f_cen, f_width, f_min = pulse
    frame = make_frame(study, layout)
    k_point = incidence_k_point(study, frame, layout, f_cen if k_freq is None else k_freq)
    sources, component = plane_wave_source(study, frame, f_cen, f_width, k_point)
    symmetries = (mirror_symmetries(layout, frame, component)
                  if study.simulation.symmetry and study.simulation.angle_deg == 0 else [])
    facts = {"symmetries": [symmetry_label(s) for s in symmetries], "courant": frame.courant,
             "k_bloch_per_um": [k_point.x, k_point.y, k_point.z] if k_point is not None else [0.0] * 3}
    freqs = np.asarray(nm_to_meep_freq(wavelengths))
    plane_c, plane_s = frame.plane(frame.z_refl)
    area = float(np.prod([s for s in (plane_s.x, plane_s.y, plane_s.z) if s > 0])) if frame.dims > 1 else 1.0
    probe = frame.vec(0, 0, frame.z_refl - frame.z_center)
    t_cap = max_meep_time(study)

    # 1. incident-only run: flux through the reflection plane at every frequency we need
    sim0, _, _ = make_simulation(study, sources=sources, symmetries=symmetries, k_point=k_point,
                                 empty=True, layout=layout)
    spectral = want_spectrum and len(wavelengths) > 0  # a sub-band may hold field maps only
    inc = sim0.add_flux(freqs, mp.FluxRegion(center=plane_c, size=plane_s)) if spectral else None
    inc_fields = sim0.add_flux([float(nm_to_meep_freq(w)) for _, w in targets] or [f_cen],
                               mp.FluxRegion(center=plane_c, size=plane_s))
    t0 = time.perf_counter()
    # the empty cell holds nothing that lingers, so the decay window slides (DecayStop)
    stop0 = DecayStop([(component, probe)], 10.0 / f_min, study.simulation.decay_by, t_cap,
                      subwindows=10, stride=sample_stride(sim0, f_cen + f_width / 2))
    sim0.run(progress_step(f"{label} normalisation", t_cap, log, stop=stop0), until=stop0)
    stepping = time.perf_counter() - t0
    incident = -np.asarray(mp.get_fluxes(inc)) if inc is not None else None  # downward: planes face +z
    incident_per_area = -np.asarray(mp.get_fluxes(inc_fields)) / area
    refl_data = sim0.get_flux_data(inc) if inc is not None else None
    sim0.reset_meep()

    # 2. the structure: flux planes, absorption volumes and field maps in one run
    sim, frame, layout = make_simulation(study, sources=sources, symmetries=symmetries,
                                         k_point=k_point, layout=layout)
    lossy = lossy_materials(study, layout)
    mon = None
    if spectral:
        mon = add_spectrum_monitors(sim, study, frame, layout, lossy, symmetries, wavelengths)
        sim.load_minus_flux_data(mon.refl, refl_data)
    dft = add_field_monitor(sim, frame, list(targets)) if fields_writer is not None and targets else None
    t0 = time.perf_counter()
    stop = DecayStop([(component, probe)], 10.0 / f_min, study.simulation.decay_by, t_cap,
                     stride=sample_stride(sim, f_cen + f_width / 2))
    sim.run(progress_step(f"{label} structure", t_cap, log, stop=stop), until=stop)
    stepping += time.perf_counter() - t0
    facts["stepping_time_s"] = stepping
    facts["growth_check_time_s"] = stop0.growth.seconds + stop.growth.seconds
    facts["meep_time_fs"] = sim.meep_time() * MEEP_TIME_S * 1e15
    facts["stop_reason"] = stop.reason  # a time cap before decay makes it suspect (runchecks)
    facts["decay_ratio"] = stop.ratio
    result = None
    if mon is not None and incident is not None:
        on_face = absorbing_sheets([p.material for p in frame.sheets], lossy)
        result = collect_spectrum(sim, mon, incident, frame.dims,
                                  eps_table(study, layout, wavelengths, on_face), lossy + on_face)
        result["incident"] = incident
    if dft is not None:
        write_fields(fields_writer, sim, study, frame, layout, dft, list(targets), incident_per_area)
    sim.reset_meep()
    return result, facts
