"""What each mode is, and which one matters for lasing.

Rayleigh anomalies: at normal incidence a diffraction order of reciprocal vector G grazes a
medium of index n when |G| = n k0, i.e. at lambda_RA = n / |g| with g = G / (2 pi) (Rayleigh,
Proc. R. Soc. A 79, 399 (1907); Kravets et al., Chem. Rev. 118, 5912 (2018), eq. 1): square
lattice lambda = n P / sqrt(i^2 + j^2); hexagonal lambda = n P sqrt(3) / (2 sqrt(i^2 + ij + j^2)).
They are listed for the superstrate and the substrate, orders |i|, |j| <= ``MAX_ORDER``.

Classes (``classify``), first rule that applies:
1. ``lattice (Rayleigh anomaly)``: within ``RA_WINDOW_NM`` of an anomaly, whatever the field
   (a grazing order there carries the field; the no-metal twin has the same line).
2. ``lattice (Rayleigh anomaly)``: within one linewidth of an anomaly and most of the electric
   energy away from the rod and the metal surface (a delocalised lattice mode).
3. From the mode's own field (postprocess.mode_fields), the largest share of its electric
   energy decides: in the rod -> ``rod photonic``; in the metal plus the layer above it that a
   surface plasmon's field reaches (its 1/e decay length into the superstrate, Maier 2007 §2.2)
   -> ``metal-bound plasmon``; elsewhere -> ``lattice (delocalised)``.
Without a field only rules 1 and 2 (by wavelength) apply; otherwise ``unclassified``.

The lasing mode (``best_mode``): among modes inside the gain band, emission line
+- ``GAIN_HALF_WIDTH_NM``, and not ``lattice``, the lowest material threshold gain
g_th = 2 pi n_g / (lambda Q Gamma) (``postprocess.lasing``) wins. numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.study import StudySpec, material_model

MAX_ORDER = 2            # diffraction orders |i|, |j| <= 2
RA_WINDOW_NM = 5.0       # "a few nm" of an anomaly: the mode is the anomaly
# Gain band half-width: about one photoluminescence FWHM of CsPbX3 nanocrystals (12-42 nm
# across compositions, ~20 nm for CsPbBr3: Protesescu et al., Nano Lett. 15, 3692 (2015))
GAIN_HALF_WIDTH_NM = 20.0
ROD, PLASMON, LATTICE_RA, LATTICE_DELOC, UNCLASSIFIED = (
    "rod photonic", "metal-bound plasmon", "lattice (Rayleigh anomaly)", "lattice (delocalised)",
    "unclassified")


@dataclass(frozen=True)
class Anomaly:
    """One Rayleigh anomaly: the medium side, its material, the order (i, j), index, wavelength."""

    side: str
    material: str
    order: tuple[int, int]
    index: float
    wavelength_nm: float


def reciprocal_lengths_per_nm(lattice_vectors_nm) -> dict[tuple[int, int], float]:
    """|g| = |G|/(2 pi) (1/nm) of the orders (i, j), |i|, |j| <= MAX_ORDER, (0, 0) excluded, one
    order per length (the smallest (i, j) in lexical order). One lattice vector: a 1D grating."""
    a = np.asarray(lattice_vectors_nm, float)
    out: dict[float, tuple[int, int]] = {}
    if a.shape[0] == 1:
        for i in range(1, MAX_ORDER + 1):
            out.setdefault(round(i / float(np.hypot(*a[0])), 12), (i, 0))
    else:
        b = np.linalg.inv(a[:2, :2]).T  # rows b_j with a_i . b_j = delta_ij
        for i in range(-MAX_ORDER, MAX_ORDER + 1):
            for j in range(-MAX_ORDER, MAX_ORDER + 1):
                if (i, j) == (0, 0):
                    continue
                g = float(np.hypot(*(i * b[0] + j * b[1])))
                key = round(g, 12)
                rank = lambda o: (abs(o[0]) + abs(o[1]), -o[0], -o[1])  # noqa: E731
                if key not in out or rank((i, j)) < rank(out[key]):
                    out[key] = (i, j)
    return {order: g for g, order in sorted(out.items())}


def rayleigh_anomalies(study: StudySpec, band_nm: tuple[float, float] | None = None) -> list[Anomaly]:
    """Anomalies of the study's lattice for the superstrate and the substrate, in ``band_nm``
    (default the study band widened by RA_WINDOW_NM), sorted by wavelength. Dispersive
    media: lambda = n(lambda)/|g| solved by fixed-point iteration. Empty for a finite array."""
    layout = build(study.structure)
    periodic = layout.periodic[: (2 if layout.dims == 3 else 1)]
    if not layout.lattice_vectors_nm or not all(periodic):
        return []
    sim = study.simulation
    lo, hi = band_nm or (sim.wavelength_min_nm - RA_WINDOW_NM, sim.wavelength_max_nm + RA_WINDOW_NM)
    vectors = layout.lattice_vectors_nm if layout.dims == 3 else layout.lattice_vectors_nm[:1]
    out = []
    for side, name in (("superstrate", layout.background), ("substrate", layout.substrate)):
        model = material_model(study, name)
        if model.is_metal:
            continue
        index = lambda w: float(np.sqrt(complex(model.eps(w))).real)  # noqa: E731
        n_mid = index(0.5 * (lo + hi))
        for order, g in reciprocal_lengths_per_nm(vectors).items():
            wl = n_mid / g
            if not lo - 0.2 * (hi - lo) <= wl <= hi + 0.2 * (hi - lo):
                continue  # far outside the band: the model may not even hold there
            for _ in range(50):
                n = index(wl)
                wl, step = n / g, abs(n / g - wl)
                if step < 1e-9:
                    break
            if lo <= wl <= hi:
                out.append(Anomaly(side, name, order, n, wl))
    return sorted(out, key=lambda a: a.wavelength_nm)


def nearest_anomaly(wavelength_nm: float, anomalies: list[Anomaly]) -> Anomaly | None:
    """The anomaly closest in wavelength (None when there are none)."""
    return min(anomalies, key=lambda a: abs(a.wavelength_nm - wavelength_nm)) if anomalies else None


def classify(wavelength_nm: float, linewidth_nm: float, anomalies: list[Anomaly],
             fractions: dict[str, float] | None) -> tuple[str, str]:
    """(class, reason) of one mode (rules in the module docstring).

    Args:
        wavelength_nm, linewidth_nm: the mode's wavelength and FWHM.
        anomalies: ``rayleigh_anomalies`` of the study.
        fractions: {"rod", "metal", "surface", "elsewhere"} shares of the electric energy from
            the mode's own field, or None without a field.
    """
    near = nearest_anomaly(wavelength_nm, anomalies)
    dist = abs(near.wavelength_nm - wavelength_nm) if near else math.inf
    where = (f"{near.side} ({near.material}) order {near.order} at {near.wavelength_nm:.1f} nm"
             if near else "")
    if dist <= RA_WINDOW_NM:
        return LATTICE_RA, f"{dist:.1f} nm from the {where} Rayleigh anomaly (<= {RA_WINDOW_NM:g} nm)"
    if fractions is not None and all(np.isfinite(v) for v in fractions.values()):
        shares = {ROD: fractions["rod"], PLASMON: fractions["metal"] + fractions["surface"],
                  LATTICE_DELOC: fractions["elsewhere"]}
        top = max(shares, key=lambda k: shares[k])
        text = ", ".join(f"{k} {v:.2f}" for k, v in (("rod", shares[ROD]),
                                                     ("metal + surface layer", shares[PLASMON]),
                                                     ("elsewhere", shares[LATTICE_DELOC])))
        if dist <= linewidth_nm and top == LATTICE_DELOC:
            return LATTICE_RA, (f"{dist:.1f} nm from the {where} Rayleigh anomaly (within a linewidth "
                                f"{linewidth_nm:.1f} nm) and delocalised; electric energy: {text}")
        return top, f"largest share of the electric energy: {text}"
    if dist <= linewidth_nm:
        return LATTICE_RA, f"{dist:.1f} nm from the {where} Rayleigh anomaly (within a linewidth; no field)"
    return UNCLASSIFIED, "no field of its own stored and not at a Rayleigh anomaly"


def gain_band_nm(study: StudySpec) -> tuple[float, float]:
    """The gain band: the study's emission line +- GAIN_HALF_WIDTH_NM."""
    e = study.simulation.emission_wavelength_nm
    return e - GAIN_HALF_WIDTH_NM, e + GAIN_HALF_WIDTH_NM


def best_lasing_mode(modes: list[dict], band: tuple[float, float] | None) -> tuple[dict | None, str]:
    """(mode, why) of the lasing mode among summary mode dicts (keys wavelength_nm, class,
    threshold_gain_material_per_cm): inside ``band``, not lattice, lowest material threshold
    gain. (None, why not) when no mode qualifies."""
    if band is None:
        return None, "no gain band"
    lo, hi = band
    inside = [m for m in modes or [] if lo <= float(m.get("wavelength_nm", np.nan)) <= hi]
    if not inside:
        return None, f"no mode inside the gain band {lo:g}-{hi:g} nm"
    eligible = [m for m in inside if not str(m.get("class", "")).startswith("lattice")]
    if not eligible:
        return None, (f"the {len(inside)} mode(s) inside the gain band {lo:g}-{hi:g} nm are lattice "
                      "(Rayleigh-anomaly or delocalised) modes")
    ranked = [m for m in eligible if _finite_positive(m.get("threshold_gain_material_per_cm"))]
    if not ranked:
        return None, (f"no threshold for the {len(eligible)} candidate(s) inside {lo:g}-{hi:g} nm "
                      "(no field of their own, Γ = 0, or n_g <= 0 inside the absorption line)")
    best = min(ranked, key=lambda m: float(m["threshold_gain_material_per_cm"]))
    return best, (f"lowest threshold gain 2π n_g/(λ Q Γ) of {len(ranked)} non-lattice mode(s) inside "
                  f"the gain band {lo:g}-{hi:g} nm")


def _finite_positive(x) -> bool:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and v > 0


def mark_twin_modes(main: list[dict], twin: list[dict]) -> None:
    """Set ``in_no_metal_twin`` on each of ``main``'s summary mode dicts: True when the twin
    has a mode closer than max(1 nm, half the narrower linewidth) (the rule that merges
    sightings of one mode, postprocess.modes_table.dedupe_modes), whatever its Q: the metal
    changes a lattice resonance's Q by orders of magnitude (the glass-side anomaly of the
    default study: Q 1780 on Ag, 58 without) but not where it sits."""
    for m in main:
        wl, lw = float(m["wavelength_nm"]), float(m.get("linewidth_nm") or 0.0)
        m["in_no_metal_twin"] = any(
            abs(float(t["wavelength_nm"]) - wl)
            <= max(1.0, 0.5 * min(lw, float(t.get("linewidth_nm") or lw))) for t in twin)
