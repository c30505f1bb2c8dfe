"""The laser model of one variant from its analysed runs: modes -> rate equations -> L-L curves.

numpy only. Inputs are what the analysis already computed (the variant's summary: modes with
Q, Γ, mode volume, energy shares and group index; the spectrum's A_by_material at the pump; the
hot-electron chain per bias) plus the emitter's LDOS spectrum and the study's [gain] table
(docs/physics.md §8). Outputs go to ``summary["lasing"]``.

Assumptions (each also written into the summary): one unit cell of the array lases as a whole
(every rod of the cell shares the carriers); every pump photon absorbed in the perovskite and
every injected hot electron or electrical electron makes one carrier pair in the rods; the
hot-electron rate scales linearly with the pump; the passive Q already holds every passive loss.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from hotlase.geometry.materials.gain import gain_medium
from hotlase.geometry.specs import GainSpec, RodArraySpec, WireOnMetalSpec
from hotlase.geometry.study import StudySpec, material_model, structure_materials
from hotlase.geometry.units import E_CHARGE_C, ev_to_nm, nm_to_ev, photon_energy_j
from hotlase.postprocess import laser_rates as lr
from hotlase.postprocess.absorption import cell_area_m2, gain_material

#: CW pump points of the light-in/light-out curve; pulsed fluence points.
N_PUMP = 61
N_FLUENCE = 25
#: Fluence span of the pulsed curve around F_c = (CW threshold) x (carrier lifetime), the
#: fluence that makes the threshold carriers in one short pulse: F_c x [1e-3, 1e3].
FLUENCE_SPAN = (1e-3, 1e3)
#: The CW curve reaches this factor below the threshold and above the larger of the threshold
#: and the gain-clamping pump (beyond [gain] pump_min_w_cm2 / pump_max_w_cm2 when needed), so
#: its top is in the stimulated limit where the slope efficiency is read.
PUMP_MARGIN = 100.0
#: Modes whose gain line shape is below this take no part (outside the gain band).
MIN_GAIN_SHAPE = 1e-3
#: Γ used for a mode without a field profile (no mode-field run): an assumption, written
#: into the summary's notes; run the fields run with mode profiles for the computed Γ.
ASSUMED_CONFINEMENT = 0.5


def purcell_peak(wavelength_nm, q, mode_volume_nm3, index):
    """Peak Purcell factor of a mode for an emitter narrower than it: F = (3/4π²)(λ/n)³ Q/V.

    Purcell, Phys. Rev. 69, 681 (1946); Coldren et al. (2012) appendix on the Purcell effect.
    """
    lam = np.asarray(wavelength_nm, float) / np.asarray(index, float)
    return 3.0 / (4.0 * np.pi**2) * lam**3 * np.asarray(q, float) / np.asarray(mode_volume_nm3, float)


def _trapezoid(y, x) -> float:
    y, x = np.asarray(y, float), np.asarray(x, float)
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


def line_overlap(mode_ev: float, mode_fwhm_ev: float, energy_ev, emission) -> float:
    """∫ L(E) p(E) dE with L the mode's Lorentzian (peak 1, FWHM ħω/Q) and p the emission line
    normalised to unit area: the share of a broad emitter's spectrum the mode can enhance (the
    emitter-linewidth-limited Purcell factor, e.g. van Exter et al., Phys. Rev. A 54, 3533
    (1996): Q_eff^-1 = Q_cav^-1 + Q_emitter^-1 in the limit of Lorentzian lines)."""
    e = np.asarray(energy_ev, float)
    p = np.asarray(emission, float)
    area = _trapezoid(p, e)
    if not area > 0:
        return 0.0
    half = 0.5 * mode_fwhm_ev
    lor = half**2 / ((e - mode_ev) ** 2 + half**2)
    return float(_trapezoid(lor * p, e) / area)


def gain_volume_m3(study: StudySpec) -> float | None:
    """Volume of the gain medium in the cell, m^3 (a 2D cross-section counts 1 nm, as
    ``absorption.cell_area_m2``); None without rods or wire."""
    st = study.structure
    if isinstance(st, RodArraySpec):
        count = st.count[0] * st.count[1]
        return math.pi * st.rod.radius_nm**2 * st.rod.height_nm * count * 1e-27
    if isinstance(st, WireOnMetalSpec):
        length = 1.0 if st.is_2d else st.length_nm
        return math.pi * st.radius_nm**2 * length * 1e-27
    return None


def _loss_ratio(study: StudySpec, name: str, wavelength_nm: float) -> float:
    eps = complex(material_model(study, name).eps([wavelength_nm])[0])
    return abs(eps.imag) / max(abs(eps.real), 1e-12)


def metal_absorbed_share(study: StudySpec, mode: dict) -> float:
    """Share of a mode's loss absorbed in the metal, in [0, 1]: Q f_metal ε''_m/|ε'_m|, f_metal
    the mode's electric-energy share in the metal (0 without metal or without a profile).

    A material holding energy share f loses it at the rate ω f ε''/|ε'| (for a Drude metal
    ≈ γ f; Khurgin, Nat. Nanotechnol. 10, 2 (2015)), so 1/Q_metal = f ε''/|ε'|. The rest of
    the loss counts as radiated: the rod's own band-edge absorption, also inside Q, is bleached
    above transparency and re-absorbed photons make carriers again (docs/physics.md §8.3).
    """
    fr = mode.get("energy_fractions") or {}
    q, wl = float(mode["Q"]), float(mode["wavelength_nm"])
    names = structure_materials(study.structure)
    metals = [n for n in set(names.values()) if material_model(study, n).is_metal]
    share = fr.get("metal", float("nan"))
    if not metals or not math.isfinite(share):
        return 0.0
    rate = share * max(_loss_ratio(study, m, wl) for m in metals)
    return float(min(max(q * rate, 0.0), 1.0))


def _emitter_purcell(emitter: dict | None, energy_ev, line) -> float:
    """The emission-line average of ldos/ldos_bulk (NaN without an emitter run)."""
    if not emitter:
        return float("nan")
    wl = np.asarray(emitter["wavelength_nm"], float)
    f = np.asarray(emitter["ldos"], float) / np.asarray(emitter["ldos_bulk"], float)
    e = nm_to_ev(wl)
    order = np.argsort(e)
    inside = (energy_ev >= e.min()) & (energy_ev <= e.max())
    if not inside.any():
        return float("nan")
    fe = np.interp(energy_ev[inside], e[order], f[order])
    w = np.asarray(line)[inside]
    return float(np.sum(fe * w) / np.sum(w)) if np.sum(w) > 0 else float("nan")


def rate_inputs(study: StudySpec, s: dict, emitter: dict | None = None, gain: GainSpec | None = None
                ) -> tuple[lr.RateMedium, tuple[lr.RateMode, ...], list[dict], dict]:
    """The rate model of a variant: medium, modes (in the gain band) with their Purcell
    factor, β and radiated share, a row per mode for the report, and the notes/assumptions.
    ``gain`` overrides the study's [gain] table."""
    g = gain or study.gain
    med = gain_medium(g)
    volume = gain_volume_m3(study)
    if volume is None:
        raise ValueError("the structure holds no gain medium (rods or wire): no laser model")
    gain_name = gain_material(study)
    e = np.linspace(med.peak_ev - 6 * med.fwhm_ev, med.peak_ev + 6 * med.fwhm_ev, 801)
    line = med.shape(ev_to_nm(e))
    f_ldos = _emitter_purcell(emitter, e, line)
    notes: dict[str, Any] = {"purcell_source": "emitter LDOS averaged over the gain line"}
    if not math.isfinite(f_ldos):
        f_ldos = float(s.get("purcell_factor") or float("nan"))
        notes["purcell_source"] = "emitter LDOS at the emission line"
    if not (math.isfinite(f_ldos) and f_ldos > 0):
        f_ldos, notes["purcell_source"] = 1.0, "no emitter run: Purcell factor 1 assumed"
    n_bg = math.sqrt(max(complex(material_model(study, gain_name).eps(  # type: ignore[arg-type]
        [med.peak_nm])[0]).real, 1.0))
    modes, rows, mean_f = [], [], []
    for m in s.get("modes") or []:
        wl, q = float(m["wavelength_nm"]), float(m["Q"])
        gamma = float(m["confinement_factor"]) if m.get("confinement_factor") is not None \
            else float("nan")
        if not math.isfinite(gamma):
            gamma = ASSUMED_CONFINEMENT
            notes["confinement"] = (f"some modes had no field profile: Γ = {ASSUMED_CONFINEMENT} "
                                    "assumed for them")
        shape = float(med.shape(wl))
        if not (q > 0 and 0 < gamma <= 1 and shape >= MIN_GAIN_SHAPE):
            continue
        vol = float(m.get("mode_volume_nm3") or float("nan"))
        if not (math.isfinite(vol) and vol > 0):  # the mode fills the rods: V = V_gain / Γ
            vol = volume * 1e27 / gamma
            notes["mode_volume"] = "some modes had no profile: V = V_gain / Γ assumed"
        f_peak = float(purcell_peak(wl, q, vol, n_bg))
        overlap = line_overlap(float(nm_to_ev(wl)), float(nm_to_ev(wl)) / q, e, line)
        # emitters spread over the gain volume see on average F_peak x Γ V_m / V_gain
        mean_f.append(f_peak * gamma * vol / (volume * 1e27) * overlap)
        rows.append({"wavelength_nm": wl, "Q": q, "confinement_factor": gamma,
                     "mode_volume_nm3": vol, "purcell_peak": f_peak, "line_overlap": overlap,
                     "purcell_mean": mean_f[-1], "gain_shape": shape,
                     "radiated_share": 1.0 - metal_absorbed_share(study, m),
                     "group_index": m.get("group_index")})
    if not rows:
        raise ValueError("no mode with Q > 0 and 0 < Γ <= 1 inside the gain band "
                         f"({med.peak_nm:.0f} nm, FWHM {med.fwhm_ev * 1e3:.0f} meV)")
    # every other channel (free space, non-lasing modes) as the emitter's LDOS: a lower bound
    # on β when the LDOS point already sees the modes
    total = f_ldos + sum(mean_f)
    ng = g.group_index
    for row, fm in zip(rows, mean_f):
        row["beta"] = max(fm / total, 1e-12)
        modes.append(lr.RateMode(row["wavelength_nm"], row["Q"], row["confinement_factor"],
                                 row["beta"], row["gain_shape"], row["radiated_share"]))
        if ng is None and row["group_index"] and math.isfinite(row["group_index"]):
            ng = float(row["group_index"])
    medium = lr.RateMedium(
        volume_m3=volume, radiative_rate_s=total / (g.radiative_lifetime_ns * 1e-9),
        nonradiative_rate_s=g.nonradiative_rate_s, auger_m6_s=g.auger_coefficient_m6_s,
        transparency_m3=g.transparency_density_m3, differential_gain_m2=g.differential_gain_m2,
        group_index=ng if ng and ng >= 1 else 3.0)
    notes.update({"purcell_factor": f_ldos, "purcell_total": total, "gain_peak_nm": med.peak_nm,
                  "gain_fwhm_mev": med.fwhm_ev * 1e3, "group_index": medium.group_index,
                  "gain_volume_m3": volume})
    return medium, tuple(modes), rows, notes


def pump_rates(study: StudySpec, s: dict, gain_name: str, current_a_cm2: float) -> dict[str, Any]:
    """Carriers per second per W/cm^2 of pump (absorbed photons in the perovskite plus injected
    hot electrons, zero bias and per bias) and the constant electrical rate J A_cell / e."""
    sim = study.simulation
    photon_j = float(photon_energy_j(sim.pump_wavelength_nm))
    pump = (s.get("spectrum") or {}).get("pump") or {}
    by = pump.get("A_by_material") or {}
    a_pero = max(float(by.get(gain_name, 0.0) or 0.0), 0.0)
    per_wcm2 = 1e4 * cell_area_m2(study) / photon_j  # incident photons/s per W/cm^2
    scale = 1e4 / sim.pump_intensity_w_m2  # run's pump intensity -> per W/cm^2
    p_metal = s.get("absorbed_power_metal_w") or 0.0
    biases = [{"bias_field_v_m": float(b["bias_field_v_m"]),
               "per_w_cm2": float(b["qe_pi_heg"]) * p_metal / photon_j * scale}
              for b in s.get("qe_pi_heg_biased") or [] if math.isfinite(float(b["qe_pi_heg"]))]
    return {"absorbed_fraction": a_pero, "optical_per_w_cm2": a_pero * per_wcm2,
            "hot_per_w_cm2": float(s.get("hot_electron_rate_injected_s") or 0.0) * scale,
            "electrical_s": current_a_cm2 * 1e4 * cell_area_m2(study) / E_CHARGE_C,
            "incident_per_w_cm2": per_wcm2, "biases": biases}


def _curve(medium, modes, per_wcm2: float, offset_s: float, pump_w_cm2, area_m2: float,
           lasing: int) -> dict[str, Any]:
    ss = lr.steady_state(per_wcm2 * pump_w_cm2 + offset_s, medium, modes)
    hnu = photon_energy_j([m.wavelength_nm for m in modes])
    out = (ss.radiated_s * hnu).sum(axis=1) / (area_m2 * 1e4)  # W/cm^2 leaving as light
    p_th = lr.threshold_pump_s(medium, modes, lasing)
    thr = (p_th - offset_s) / per_wcm2 if per_wcm2 > 0 else float("nan")
    slope = float((out[-1] - out[-2]) / (pump_w_cm2[-1] - pump_w_cm2[-2]))
    return {"pump_w_cm2": pump_w_cm2, "output_w_cm2": out,
            "photons": ss.photons[:, lasing], "threshold_w_cm2": max(thr, 0.0),
            "slope_efficiency": slope,
            "photons_out_over_in": float(np.max(ss.emitted_s.sum(axis=1) / ss.generation_s))}


def laser_summary(study: StudySpec, s: dict, emitter: dict | None = None,
                  pulsed: bool = True, biases: bool = True,
                  gain: GainSpec | None = None) -> dict[str, Any]:
    """``summary["lasing"]`` of one variant (docs/physics.md §8): thresholds (CW W/cm^2,
    pulsed uJ/cm^2), slope efficiency, β, Purcell factor, lasing mode, L-L curves, per bias.
    ``gain`` overrides the study's [gain] table."""
    g = gain or study.gain
    medium, modes, rows, notes = rate_inputs(study, s, emitter, g)
    gain_name = gain_material(study)
    assert gain_name is not None
    rates = pump_rates(study, s, gain_name, g.current_density_a_cm2)
    lasing = int(np.argmin([lr.clamping_density(medium, (m,)) for m in modes]))  # first to clamp
    area = cell_area_m2(study)
    per = rates["optical_per_w_cm2"] + rates["hot_per_w_cm2"]
    if not per > 0:
        raise ValueError("no carriers from the pump: the perovskite absorbs nothing at "
                         f"{study.simulation.pump_wavelength_nm:g} nm in the spectrum run")
    thr = (lr.threshold_pump_s(medium, modes, lasing) - rates["electrical_s"]) / per
    clamp_w_cm2 = (lr.clamping_pump_s(medium, modes) - rates["electrical_s"]) / per
    lo, hi = g.pump_min_w_cm2, g.pump_max_w_cm2
    if math.isfinite(thr) and thr > 0:  # both thresholds inside, the top in the stimulated limit
        top = max(thr, clamp_w_cm2) if math.isfinite(clamp_w_cm2) else thr
        lo, hi = min(lo, thr / PUMP_MARGIN), max(hi, top * PUMP_MARGIN)
    pump = np.geomspace(lo, hi, N_PUMP)
    cw = _curve(medium, modes, per, rates["electrical_s"], pump, area, lasing)
    out: dict[str, Any] = {
        "threshold_w_cm2": cw["threshold_w_cm2"],
        "threshold_definition": "pump at which stimulated emission into the lasing mode equals "
                                "the total spontaneous emission (Ning 2013); pulsed: the same "
                                "balance integrated over the pulse",
        "threshold_photon_one_w_cm2": max(
            (lr.photon_one_threshold_s(medium, modes, lasing) - rates["electrical_s"]) / per, 0.0),
        "threshold_clamping_w_cm2": max(clamp_w_cm2, 0.0),
        "slope_efficiency": cw["slope_efficiency"],
        "beta": rows[lasing]["beta"], "purcell_factor": notes["purcell_factor"],
        "mode_wavelength_nm": rows[lasing]["wavelength_nm"], "mode_q": rows[lasing]["Q"],
        "mode_confinement_factor": rows[lasing]["confinement_factor"],
        "radiated_share": rows[lasing]["radiated_share"],
        "gain_peak_nm": notes["gain_peak_nm"], "gain_fwhm_mev": notes["gain_fwhm_mev"],
        "absorbed_fraction_pump": rates["absorbed_fraction"],
        "photons_out_over_in_max": cw["photons_out_over_in"],
        "ll_curve": {"pump_w_cm2": cw["pump_w_cm2"], "output_w_cm2": cw["output_w_cm2"]},
        "modes": rows, "notes": notes,
        "assumptions": [
            "one unit cell lases as a whole; carriers shared by its rods",
            "one carrier per absorbed pump photon, injected hot electron and electrical electron",
            "hot-electron injection linear in the pump intensity",
            "the electrical current density adds to the CW pump, not to the pulsed threshold",
            "passive losses (radiation, metal, crystal absorption) all inside Q",
            f"group index {medium.group_index:.3g}, {notes['purcell_source']}"],
    }
    out["biases"] = []
    for b in rates["biases"] if biases else []:
        c = _curve(medium, modes, rates["optical_per_w_cm2"] + b["per_w_cm2"],
                   rates["electrical_s"], pump, area, lasing)
        out["biases"].append({"bias_field_v_m": b["bias_field_v_m"],
                              "threshold_w_cm2": c["threshold_w_cm2"],
                              "slope_efficiency": c["slope_efficiency"],
                              "output_w_cm2": c["output_w_cm2"]})
    if pulsed:
        life_s = 1.0 / (medium.radiative_rate_s + medium.nonradiative_rate_s)
        f_c = (thr if math.isfinite(thr) and thr > 0 else hi) * life_s * 1e6  # uJ/cm^2
        fluence = np.geomspace(f_c * FLUENCE_SPAN[0], f_c * FLUENCE_SPAN[1], N_FLUENCE)
        carriers = per * fluence * 1e-6  # W/cm^2 x s = J/cm^2: per (J/cm^2) = per (W/cm^2) / s
        res = lr.pulsed(carriers, g.pump_pulse_fwhm_ps * 1e-12, medium, modes, steps=200)
        hnu = photon_energy_j([m.wavelength_nm for m in modes])
        out_uj = (res.radiated * hnu).sum(axis=1) / (area * 1e4) * 1e6
        ratio = res.stimulated[:, lasing] / np.maximum(res.spontaneous, 1e-300)
        out["threshold_uj_cm2"] = lr.crossing(fluence, np.maximum(ratio, 1e-300), 1.0)
        out["ll_pulsed"] = {"fluence_uj_cm2": fluence, "output_uj_cm2": out_uj}
    return out


#: Literature span of each uncertain [gain] parameter (the GainSpec docstring's sources):
#: differential gain and transparency density a factor ~3 either side of the default, the
#: CsPbX3 PL lifetimes 1-29 ns (Protesescu 2015), trap rates 1e6-1e8 1/s and Auger
#: 1e-29-1e-27 cm^6/s (Herz 2016), LO-phonon linewidths ~40-100 meV (Commun. Phys. 2023).
SENSITIVITY_SPANS = {"differential_gain_m2": (3e-21, 3e-20),
                     "transparency_density_m3": (3e23, 3e24),
                     "radiative_lifetime_ns": (1.0, 29.0), "nonradiative_rate_s": (1e6, 1e8),
                     "auger_coefficient_m6_s": (1e-41, 1e-39),
                     "homogeneous_linewidth_mev": (40.0, 100.0)}


def threshold_sensitivity(study: StudySpec, s: dict, emitter: dict | None = None
                          ) -> list[dict[str, Any]]:
    """CW threshold at both ends of each uncertain parameter's span (``SENSITIVITY_SPANS``),
    the others at the study's values: how far the threshold can move."""
    out = []
    for key, (lo, hi) in SENSITIVITY_SPANS.items():
        row: dict[str, Any] = {"parameter": key, "low": lo, "high": hi}
        for end, value in (("low", lo), ("high", hi)):
            varied = dataclasses.replace(study.gain, **{key: value})  # type: ignore[arg-type]
            row[f"threshold_at_{end}_w_cm2"] = laser_summary(
                study, s, emitter, pulsed=False, biases=False, gain=varied)["threshold_w_cm2"]
        out.append(row)
    return out
