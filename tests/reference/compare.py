"""Compare a hotlase spectrum with the RCWA reference: R, T, A by material and R dips.

Used by tests/physics/test_rods_on_metal_rcwa.py and scripts/compare_rcwa.py. numpy/scipy only.
"""

from __future__ import annotations

import json

import numpy as np
from scipy.signal import find_peaks

from hotlase.geometry.study import study_to_dict

#: A reflectance dip counts when it is at least this deep relative to its surroundings.
DIP_PROMINENCE = 0.03


def structure_json(study) -> str:
    """What fixes an optical spectrum: the structure and the user materials (canonical JSON)."""
    d = study_to_dict(study)
    return json.dumps({"structure": d["structure"], "materials": d["materials"]}, sort_keys=True)


def r_dips(wl_nm, R, prominence: float = DIP_PROMINENCE) -> np.ndarray:
    """Wavelengths (nm) of the local minima of R with at least ``prominence``, each refined by
    the vertex of the parabola through it and its two neighbours (sub-sample position)."""
    wl, r = np.asarray(wl_nm, float), np.asarray(R, float)
    idx, _ = find_peaks(-r, prominence=prominence)
    out = []
    for i in idx:
        y0, y1, y2 = r[i - 1], r[i], r[i + 1]
        den = y0 - 2 * y1 + y2
        shift = 0.5 * (y0 - y2) / den if den > 0 else 0.0
        out.append(wl[i] + shift * (wl[i + 1] - wl[i - 1]) / 2)
    return np.array(out)


def compare(hot: dict, ref: dict, materials: list[str], at_nm=(405.0, 532.0)) -> dict:
    """Differences hotlase - RCWA on the reference's wavelengths inside hotlase's band.

    Args:
        hot: {"wavelength_nm", "R", "T", "A_<material>"} of hotlase (any wavelength grid).
        ref: the same keys from tests.reference.fmm.rcwa_spectrum.
        materials: materials whose absorption is compared.
        at_nm: wavelengths where R, T and every A are also reported.

    Returns:
        {"wl": ..., "dR", "dT", "dA_<m>" arrays; "max_abs_dR", "wl_max_abs_dR", "rms_dR",
        "max_abs_dT", "max_abs_dA_<m>"; "at": {wl: {quantity: (hotlase, rcwa)}};
        "dips_hotlase", "dips_rcwa"}.
    """
    hw = np.asarray(hot["wavelength_nm"], float)
    keep = (ref["wavelength_nm"] >= hw.min() - 1e-9) & (ref["wavelength_nm"] <= hw.max() + 1e-9)
    wl = np.asarray(ref["wavelength_nm"], float)[keep]
    out = {"wl": wl, "at": {}}
    names = ["R", "T"] + [f"A_{m}" for m in materials]
    for q in names:
        h = np.interp(wl, hw, hot[q])
        d = h - np.asarray(ref[q])[keep]
        out[f"d{q}"] = d
        out[f"max_abs_d{q}"] = float(np.max(np.abs(d)))
        out[f"rms_d{q}"] = float(np.sqrt(np.mean(d**2)))
    out["wl_max_abs_dR"] = float(wl[np.argmax(np.abs(out["dR"]))])
    for w in at_nm:
        out["at"][w] = {q: (float(np.interp(w, hw, hot[q])),
                            float(np.interp(w, wl, np.asarray(ref[q])[keep]))) for q in names}
    out["dips_hotlase"] = r_dips(hw, hot["R"])
    out["dips_rcwa"] = r_dips(wl, np.asarray(ref["R"])[keep])
    return out


def dip_shifts(dips_hot, dips_ref) -> np.ndarray:
    """For each reference dip, hotlase's nearest dip minus it (nm); inf where hotlase has none."""
    dh = np.asarray(dips_hot, float)
    if dh.size == 0:
        return np.full(len(dips_ref), np.inf)
    return np.array([dh[np.argmin(np.abs(dh - d))] - d for d in dips_ref])


def format_comparison(label: str, c: dict, materials: list[str]) -> str:
    """A few lines a person reads: the worst and RMS differences, values at the pump and
    emission wavelengths, and the R dips of both."""
    lines = [f"{label}: max|dR| {c['max_abs_dR']:.3f} at {c['wl_max_abs_dR']:.0f} nm, RMS dR "
             f"{c['rms_dR']:.3f}; max|dT| {c['max_abs_dT']:.3f}; "
             + ", ".join(f"max|dA_{m}| {c[f'max_abs_dA_{m}']:.3f}" for m in materials)]
    for w, vals in c["at"].items():
        lines.append(f"  at {w:g} nm (hotlase vs RCWA): " + ", ".join(
            f"{q} {h:.3f} vs {r:.3f}" for q, (h, r) in vals.items()))
    def dips(values):
        return ", ".join(f"{d:.1f}" for d in values) or "none"

    lines.append(f"  R dips (nm): hotlase {dips(c['dips_hotlase'])}; RCWA {dips(c['dips_rcwa'])}")
    return "\n".join(lines)
