"""Metal vs no-metal, side by side (docs/physics.md §7), plus the Purcell and threshold inputs.

Works on the per-variant summary dicts ``report.py`` builds (JSON-ready), so the comparison can
also be redone from a ``summary.json``. Ratios are metal / no-metal and are given only when
both values are finite and the no-metal value is non-zero (hot-electron rates are zero
without metal by construction, so they get no ratio).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.units import eps_to_nk
from hotlase.postprocess import lasing
from hotlase.postprocess.mode_class import best_lasing_mode


def interpolate(wavelength_nm: np.ndarray, values: np.ndarray, at_nm: float) -> float:
    """Linear interpolation at ``at_nm`` (NaN outside the sampled range)."""
    wl = np.asarray(wavelength_nm, float)
    if not wl.size or at_nm < wl.min() or at_nm > wl.max():
        return float("nan")
    order = np.argsort(wl)
    return float(np.interp(at_nm, wl[order], np.asarray(values, float)[order]))


def purcell_at(emitter: dict[str, np.ndarray], at_nm: float) -> float:
    """Purcell factor ldos / ldos_bulk of one emitter run, interpolated at ``at_nm``.

    The factor is formed on the run's own wavelengths, then interpolated (NaN outside its band).
    """
    factor = lasing.purcell_factor(emitter["ldos"], emitter["ldos_bulk"])
    return interpolate(emitter["wavelength_nm"], factor, at_nm)


def purcell_main_over_no_metal(main: dict[str, np.ndarray], no_metal: dict[str, np.ndarray],
                               at_nm: float) -> float:
    """ldos(main) / ldos(no_metal) at ``at_nm`` (docs/runfile.md, emitter/).

    On a shared wavelength grid the ratio is formed there and interpolated; otherwise each
    LDOS is interpolated first.
    """
    wa, wb = np.asarray(main["wavelength_nm"], float), np.asarray(no_metal["wavelength_nm"], float)
    if wa.shape == wb.shape and np.allclose(wa, wb):
        return interpolate(wa, lasing.purcell_factor(main["ldos"], no_metal["ldos"]), at_nm)
    a = interpolate(wa, main["ldos"], at_nm)
    b = interpolate(wb, no_metal["ldos"], at_nm)
    if not (math.isfinite(a) and math.isfinite(b)):
        return float("nan")
    return float(lasing.purcell_factor(a, b))


def group_index(study: StudySpec, name: str, wavelength_nm: float, rel_step: float = 1e-4) -> float:
    """Material group index n_g = n - λ dn/dλ from the material model (central difference).

    Used as the modal group index of the passive threshold estimate: an approximation for
    hybrid plasmonic modes, whose modal n_g the FDTD run does not measure.
    """
    model = material_model(study, name)
    h = wavelength_nm * rel_step
    n = lambda w: float(eps_to_nk(model.eps(w)).real)  # noqa: E731
    dn_dl = (n(wavelength_nm + h) - n(wavelength_nm - h)) / (2 * h)
    return n(wavelength_nm) - wavelength_nm * dn_dl


def threshold_gain_per_cm(study: StudySpec, gain_name: str | None, wavelength_nm: float, q: float):
    """(n_g, Γ g_th in 1/cm) of a mode from its Q (docs/physics.md §8, passive estimate).

    NaN gain where the estimate has no meaning: no gain medium, Q <= 0, the mode outside the
    gain material's valid range, or n_g <= 0 (anomalous dispersion inside the absorption band).
    """
    nan = float("nan")
    if gain_name is None or not q > 0:
        return nan, nan
    lo, hi = material_model(study, gain_name).valid_nm
    if not lo <= wavelength_nm <= hi:
        return nan, nan
    ng = group_index(study, gain_name, wavelength_nm)
    if not ng > 0:
        return ng, nan
    return ng, float(lasing.threshold_gain_per_m(ng, wavelength_nm, q)) / 100.0


@dataclass(frozen=True)
class Row:
    """One line of the comparison: metric, unit, metal value, no-metal value, ratio, and the
    snake-case ``key`` it has in ``summary["enhancement"]`` (the summary path, dots as _)."""

    metric: str
    unit: str
    main: float | None
    no_metal: float | None
    ratio: float | None
    key: str = ""


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _get(d: dict | None, path: str) -> Any:
    cur: Any = d
    for key in path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def best_mode(modes: list[dict] | None, gain_band_nm: tuple[float, float] | None = None) -> dict | None:
    """The lasing mode of a variant's table (postprocess.mode_class.best_lasing_mode): in the
    gain band, not a lattice mode, lowest material threshold gain; None if none qualifies."""
    return best_lasing_mode(modes or [], gain_band_nm)[0]


def best_mode_why(modes: list[dict] | None, gain_band_nm: tuple[float, float] | None = None) -> str:
    """Why ``best_mode`` chose what it chose (or nothing)."""
    return best_lasing_mode(modes or [], gain_band_nm)[1]


def comparison_rows(main: dict | None, no_metal: dict | None, gain_name: str | None) -> list[Row]:
    """Every metric present in both variants' summaries, with metal / no-metal ratios.

    Args:
        main, no_metal: per-variant summary dicts (None when that variant is missing).
        gain_name: perovskite material name (absorbed fraction in it is reported first).
    """
    from hotlase.postprocess.quantities import RATIO, compared

    specs: list[tuple[str, str, str, bool]] = []
    for q in compared():  # the reported-quantity registry says what is compared and how
        if "<material>" in q.key:  # only the gain material's share is compared
            if gain_name:
                specs.append((f"{q.label.replace('a material', gain_name)}", q.unit,
                              q.key.replace("<material>", gain_name), q.compare == RATIO))
            continue
        specs.append((q.label, q.unit, q.key, q.compare == RATIO))
    rows = []
    for label, unit, path, ratio in specs:
        a, b = _finite(_get(main, path)), _finite(_get(no_metal, path))
        if a is None and b is None:
            continue
        rows.append(Row(label, unit, a, b, _ratio(a, b) if ratio else None, path.replace(".", "_")))
    return rows


def enhancement_ratios(rows: list[Row]) -> dict[str, float]:
    """{key: metal / no-metal} for rows that have a ratio (keys like ``purcell_factor``)."""
    return {r.key: r.ratio for r in rows if r.ratio is not None}


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == 0:
        return "0"
    return f"{x:.4g}" if 1e-3 <= abs(x) < 1e5 else f"{x:.3e}"


def format_rows(rows: list[Row]) -> str:
    """A fixed-width plain-text table of the rows."""
    head = ("metric", "unit", "metal", "no metal", "metal/no-metal")
    body = [(r.metric, r.unit, _fmt(r.main), _fmt(r.no_metal), _fmt(r.ratio)) for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(5)]
    fmt = lambda line: "  ".join(c.ljust(w) if i < 2 else c.rjust(w)  # noqa: E731
                                 for i, (c, w) in enumerate(zip(line, widths)))
    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, body)])
