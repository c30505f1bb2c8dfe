"""A grid ladder of one study: headline outputs per grid -> convergence table, JSON, figures.

Input: the summary.json of the same study analysed on several grid spacings (what
``hotlase converge`` runs). For every headline output (R, T, A and A by material at the pump
and emission lines of each variant; field-map absorbed fractions; mode wavelengths and Q,
modes matched across grids by wavelength; hot-electron rates; QE_HEG, QE_HET, QE_PI-HEG;
Purcell factors; metal/no-metal enhancements) ``postprocess.convergence.estimate`` gives the
observed order, the extrapolated value and an error bar; the grid needed for a tolerance
follows. ``find_ladder`` is how ``hotlase analyze`` finds the ladder of a run directory.

With the spectrum runs, whole R, T, A spectra are estimated wavelength by wavelength
(``spectra_ladder``): the largest error bar over the band and the grid that keeps every
wavelength within the tolerance. Files (``write_ladder``): DIR/convergence.json
(LADDER_FORMAT), DIR/convergence.md, DIR/figures/convergence/<quantity>.png and
spectra_<variant>.png.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotlase.postprocess.quantities import quantity_of
from hotlase.postprocess.convergence import STATUSES, Estimate, estimate

LADDER_FILE = "convergence.json"
#: Ladders recorded with the source (``make ladder``: ``hotlase converge`` of a shipped study,
#: copied by scripts/record_ladder.py as <study name>-<ladder_key>.json). A run directory
#: without a ladder of its own takes the one recorded for its study here.
SHIPPED_DIR = Path(__file__).resolve().parent / "ladders"
LADDER_MD = "convergence.md"
LADDER_FORMAT = "hotlase-convergence/1"
FIG_DIR = Path("figures") / "convergence"
MAX_MODES = 12  # modes tracked per variant: the highest-Q ones of the finest grid
VARIANTS = ("main", "no_metal")
NO_LADDER = "no grid-convergence ladder: numbers carry no error bar"
METHOD = ("Order and Richardson extrapolation from the finest three grids, error bar = "
          "Roache's grid convergence index (Fs 1.25 for an observed order in 0.9-2.2, else 3; "
          "order capped at 2; two grids: order 1 assumed, Fs 3), "
          "Celik et al. 2008 J. Fluids Eng. 130 078001; oscillating or diverging: no order, "
          "bar = 3 x half the range of the finest three (Stern et al. 2001)")


@dataclass(frozen=True)
class Tolerances:
    """Requested accuracy, per kind of quantity.

    Attributes:
        fraction: absolute, for fractions of the incident power (R, T, A), > 0.
        wavelength_nm: absolute, for mode wavelengths, nm, > 0.
        relative: fraction of the value, for everything else (Q, rates, QEs, Purcell,
            enhancements), > 0.
    """

    fraction: float = 0.03
    wavelength_nm: float = 2.0
    relative: float = 0.10

    def absolute(self, kind: str, value: float | None) -> float | None:
        """The tolerance in the quantity's own units (None for a relative one of value 0)."""
        if kind == "fraction":
            return self.fraction
        if kind == "wavelength":
            return self.wavelength_nm
        if value is None or not math.isfinite(value) or value == 0:
            return None
        return self.relative * abs(value)


def ladder_key(study) -> str:
    """Hash of a study without its grid spacing and its list of run kinds: runs of one study
    on any grid share it, and a ladder made with some of the study's run kinds gives its bars
    to the quantities those kinds make (the report names the quantities it has no bar for)."""
    from hotlase.geometry.study import study_to_dict

    d = study_to_dict(study)
    d["simulation"].pop("resolution_nm", None)
    d.get("study", {}).pop("run_kinds", None)
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:10]


# --------------------------------------------------------------------------------------
# Headline quantities of one summary.json
# --------------------------------------------------------------------------------------
def _get(d: Any, path: str) -> Any:
    for k in path.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x) if math.isfinite(x) else None


#: (summary path, kind) of the scalar headline outputs; label and unit are the declared ones
#: (postprocess.quantities), main variant unless "no_metal." prefixed
_SCALARS = (
    ("absorbed_fraction_total", "fraction"),
    ("hot_electron_rate_upper_s", "relative"),
    ("hot_electron_rate_surface_s", "relative"),
    ("hot_electron_rate_surface_contact_s", "relative"),
    ("hot_electron_rate_injected_s", "relative"),
    ("qe_heg", "relative"),
    ("qe_het", "relative"),
    ("qe_pi_heg", "relative"),
    ("purcell_factor", "relative"),
    ("no_metal.purcell_factor", "relative"),
    ("purcell_main_over_no_metal", "relative"),
    ("best_mode.wavelength_nm", "wavelength"),
    ("best_mode.Q", "relative"),
)


def _declared(path: str) -> tuple[str, str]:
    """(label, unit) of a summary path from the quantity registry, the variant named."""
    q = quantity_of(path)
    if q is None:
        raise KeyError(f"{path}: not a declared quantity (postprocess.quantities)")
    return f"{q.label} ({'no metal' if path.startswith('no_metal.') else 'main'})", q.unit


def headline_values(summary: dict) -> dict[str, tuple[float | None, str, str, str]]:
    """{name: (value, label, unit, kind)} of a summary's headline outputs (no modes).

    kind: "fraction" (of the incident power), "wavelength" (nm) or "relative".
    """
    out: dict[str, tuple[float | None, str, str, str]] = {}
    for variant in VARIANTS:
        s = summary if variant == "main" else summary.get("no_metal") or {}
        for line in ("pump", "emission"):
            sp = _get(s, f"spectrum.{line}") or {}
            for q in ("R", "T", "A"):
                out[f"{variant}.{line}.{q}"] = (_num(sp.get(q)), f"{q} at {line} ({variant})", "1",
                                                "fraction")
            for mat, v in (sp.get("A_by_material") or {}).items():
                out[f"{variant}.{line}.A_{mat}"] = (_num(v), f"A in {mat} at {line} ({variant})",
                                                    "1", "fraction")
    for mat, v in (summary.get("absorbed_fraction") or {}).items():
        out[f"main.absorbed_fraction.{mat}"] = (_num(v), f"pump absorption in {mat} (field map)",
                                                "1", "fraction")
    for path, kind in _SCALARS:
        label, unit = _declared(path)
        out[path if path.startswith("no_metal.") else f"main.{path}"] = (
            _num(_get(summary, path)), label, unit, kind)
    for key, v in (summary.get("enhancement") or {}).items():
        out[f"enhancement.{key}"] = (_num(v), f"metal/no-metal: {key}", "1", "relative")
    return out


def match_modes(grids: list[list[dict]], window_nm: float) -> list[list[dict | None]]:
    """Follow modes across grids (finest first) by wavelength.

    Tracks start at the finest grid's modes (its MAX_MODES highest-Q ones); on each coarser
    grid every track takes the nearest unclaimed mode within ``window_nm`` of its position on
    the previous grid where it was found, closest pairs first (one mode per track).

    Returns:
        one list per track: the matched mode dict per grid, None where not found.
    """
    def wl(m):
        return _num(m.get("wavelength_nm"))

    first = [m for m in grids[0] if wl(m) is not None] if grids else []
    first = sorted(first, key=lambda m: -(_num(m.get("Q")) or 0))[:MAX_MODES]
    first.sort(key=wl)
    tracks: list[list[dict | None]] = [[m] for m in first]
    last = [wl(m) for m in first]
    for modes in grids[1:]:
        modes = [m for m in modes if wl(m) is not None]
        pairs = sorted((abs(last[t] - wl(m)), t, j) for t in range(len(tracks))
                       for j, m in enumerate(modes) if abs(last[t] - wl(m)) <= window_nm)
        taken_t: dict[int, int] = {}
        taken_j: set[int] = set()
        for _, t, j in pairs:
            if t not in taken_t and j not in taken_j:
                taken_t[t] = j
                taken_j.add(j)
        for t, track in enumerate(tracks):
            if t in taken_t:
                track.append(modes[taken_t[t]])
                last[t] = wl(modes[taken_t[t]])
            else:
                track.append(None)
    return tracks


# --------------------------------------------------------------------------------------
# The ladder
# --------------------------------------------------------------------------------------
def build_ladder(points: list[tuple[float, dict]], tolerances: Tolerances = Tolerances(),
                 match_nm: float = 10.0, meta: dict | None = None,
                 spectra: list[dict[str, Any]] | None = None) -> dict:
    """The convergence table of a ladder as a JSON-ready dict (LADDER_FORMAT).

    Args:
        points: (grid spacing in nm, summary.json dict) per grid, any order, distinct spacings.
        tolerances: requested accuracy per kind.
        match_nm: largest wavelength step of a mode between neighbouring grids.
        meta: extra top-level entries (study name, key, file, point directories).
        spectra: optional, per entry of ``points``, {variant: Spectrum} of its spectrum runs:
            adds the per-wavelength estimate (``spectra_ladder``) under "spectra".
    """
    points_in = points
    points = sorted(points, key=lambda p: p[0])
    h = [float(p[0]) for p in points]
    per_grid = [headline_values(s) for _, s in points]
    names: dict[str, tuple[str, str, str]] = {}
    for vals in per_grid:
        for n, (_, label, unit, kind) in vals.items():
            names.setdefault(n, (label, unit, kind))
    rows = []
    for n, (label, unit, kind) in names.items():
        values = [vals.get(n, (None,))[0] for vals in per_grid]
        if all(v is None or v == 0 for v in values):  # absent, or zero by construction
            continue
        rows.append(_row(n, label, unit, kind, h, values, tolerances))
    for variant in VARIANTS:
        modes = [(s if variant == "main" else s.get("no_metal") or {}).get("modes") or []
                 for _, s in points]
        for track in match_modes(modes, match_nm):
            head = track[0]
            assert head is not None  # tracks start at a mode of the finest grid
            w0 = head["wavelength_nm"]
            tag = f"{variant}.mode@{w0:.1f}nm"
            for q, unit, kind in (("wavelength_nm", "nm", "wavelength"), ("Q", "1", "relative")):
                track_vals = [None if m is None else _num(m.get(q)) for m in track]
                rows.append(_row(f"{tag}.{q}", f"mode at {w0:.1f} nm ({variant}): "
                                 f"{'wavelength' if q != 'Q' else 'Q'}", unit, kind, h, track_vals,
                                 tolerances))
    ladder = {"format": LADDER_FORMAT, **(meta or {}), "grids_nm": h,
              "tolerances": {"fraction": tolerances.fraction,
                             "wavelength_nm": tolerances.wavelength_nm,
                             "relative": tolerances.relative},
              "mode_match_nm": match_nm, "method": METHOD, "quantities": rows}
    ladder["grid_for_tolerance"] = _grid_for_tolerance(rows)
    if spectra is not None:
        ladder["spectra"] = spectra_ladder([p[0] for p in points_in], spectra,
                                           tolerances.fraction)
    return ladder


def _row(name, label, unit, kind, h, values, tol: Tolerances) -> dict:
    e = estimate(h, values)
    ref = e.extrapolated if e.extrapolated is not None else e.finest
    t = tol.absolute(kind, ref)
    need = e.grid_for_tolerance(t) if t is not None and e.values else None
    notes = list(e.notes)
    if kind == "fraction" and e.extrapolated is not None and not -1e-3 <= e.extrapolated <= 1.001:
        notes.append(f"extrapolated {e.extrapolated:.3g} lies outside [0, 1]: the grids are not "
                     "in the asymptotic range")
    return {"name": name, "label": label, "unit": unit, "kind": kind,
            "h_nm": list(e.h), "values": list(e.values), "status": e.status, "order": e.order,
            "order_used": e.order_used, "safety_factor": e.safety_factor,
            "finest": e.finest, "extrapolated": e.extrapolated, "error": e.error,
            "error_rel": (e.error / abs(ref) if e.error is not None and ref not in (None, 0)
                          else None),
            "tolerance": t, "grid_for_tolerance_nm": None if need is None or math.isinf(need)
            else need, "grid_independent": bool(need is not None and math.isinf(need)),
            "meets_tolerance": (None if t is None or e.error is None else e.error <= t),
            "notes": notes}


def _grid_for_tolerance(rows: list[dict]) -> dict:
    """Per kind: the coarsest grid meeting every quantity's tolerance, which quantity limits
    it, and which quantities have no order to say (oscillating, diverging, single grid)."""
    out = {}
    for kind in ("fraction", "wavelength", "relative"):
        rs = [r for r in rows if r["kind"] == kind and r["tolerance"] is not None]
        if not rs:
            continue
        known = [r for r in rs if r["grid_for_tolerance_nm"] is not None]
        unknown = [r["name"] for r in rs if r["grid_for_tolerance_nm"] is None
                   and not r["grid_independent"]]
        worst = min(known, key=lambda r: r["grid_for_tolerance_nm"]) if known else None
        out[kind] = {"h_nm": worst["grid_for_tolerance_nm"] if worst else None,
                     "limited_by": worst["name"] if worst else None,
                     "no_order": unknown}
    return out


def spectra_ladder(h: list[float], spectra: list[dict[str, Any]], tolerance: float) -> dict:
    """Per-wavelength convergence of whole spectra: R, T, A and A by material of each variant.

    Args:
        h: grid spacing of each entry of ``spectra``.
        spectra: per grid, {variant: postprocess.runfile.Spectrum} (variants may be missing).
        tolerance: absolute tolerance on the fractions.

    Returns:
        {variant: {"wavelength_nm": finest grid's wavelengths, "curves": {curve: {"values":
        per grid (interpolated onto those wavelengths), "extrapolated", "error", "status" per
        wavelength, "max_error", "max_error_at_nm", "statuses": counts, "grid_for_tolerance_nm"
        (coarsest grid meeting the tolerance at every wavelength with an order), "no_order_nm"
        (wavelengths without one, or with an order too low to name a grid)}}}.
    """
    import numpy as np

    order = sorted(range(len(h)), key=lambda i: h[i])
    hs = [float(h[i]) for i in order]
    out: dict[str, Any] = {}
    for variant in VARIANTS:
        per = [spectra[i].get(variant) for i in order]
        have = [k for k, sp in enumerate(per) if sp is not None]
        if len(have) < 2:
            continue
        finest = per[have[0]]
        assert finest is not None  # have lists the grids with a spectrum
        wl = np.asarray(finest.wavelength_nm, dtype=np.float64)
        curves: dict[str, list] = {}
        for k in range(len(per)):
            sp = per[k]
            if sp is None:
                continue
            for name, y in ([("R", sp.R), ("T", sp.T), ("A", sp.A)]
                            + [(f"A_{m}", a) for m, a in sp.A_by_material.items()]):
                x = np.asarray(sp.wavelength_nm, dtype=np.float64)
                yi = np.interp(wl, x, np.asarray(y, dtype=np.float64), left=np.nan,
                               right=np.nan)
                curves.setdefault(name, [None] * len(per))[k] = yi
        res = {}
        for name, rows in curves.items():
            vals = np.array([r if r is not None else np.full(wl.shape, np.nan) for r in rows])
            ests = [estimate(hs, vals[:, j]) for j in range(wl.size)]
            err = np.array([np.nan if e.error is None else e.error for e in ests])
            need = [e.grid_for_tolerance(tolerance) if e.has_order and e.error is not None
                    else None for e in ests]
            known = [x for x in need if x is not None]
            j = int(np.nanargmax(err)) if np.isfinite(err).any() else None
            res[name] = {
                "values": vals.tolist(),
                "extrapolated": [e.extrapolated for e in ests],
                "error": err.tolist(), "status": [e.status for e in ests],
                "max_error": None if j is None else float(err[j]),
                "max_error_at_nm": None if j is None else float(wl[j]),
                "statuses": {st: sum(e.status == st for e in ests) for st in STATUSES
                             if any(e.status == st for e in ests)},
                "grid_for_tolerance_nm": (None if not known or math.isinf(min(known))
                                          else float(min(known))),
                "no_order_nm": [float(wl[j]) for j, x in enumerate(need) if x is None]}
        out[variant] = {"grids_nm": hs, "wavelength_nm": wl.tolist(), "curves": res}
    return out


def spectra_markdown(spectra: dict, tolerance: float) -> list[str]:
    """The "Spectra over the band" section of convergence.md."""
    if not spectra:
        return []
    out = ["## Spectra over the band", "",
           f"Per wavelength (the finest grid's), the same estimate as above; needed h: coarsest "
           f"grid whose bar is <= {_fmt(tolerance)} at every wavelength with an order.", "",
           "| variant | curve | max error bar | at (nm) | statuses | "
           "needed h (nm), where ordered | wavelengths with no order |",
           "|---|---|---|---|---|---|---|"]
    for variant, v in spectra.items():
        for name, c in v["curves"].items():
            st = ", ".join(f"{k} {n}" for k, n in c["statuses"].items())
            out.append(f"| {variant} | {name} | {_fmt(c['max_error'], 3)} | "
                       f"{_fmt(c['max_error_at_nm'])} | {st} | "
                       f"{_fmt(c['grid_for_tolerance_nm'], 3)} | {len(c['no_order_nm'])} |")
    return out + [""]


def plot_spectra(variant: str, data: dict, path: Path) -> Path:
    """One PNG per variant: each curve on every grid, the finest grid's error band and the
    extrapolated curve."""
    import numpy as np
    from matplotlib.figure import Figure  # no pyplot: no backend is chosen or switched

    curves = data["curves"]
    fig = Figure(figsize=(4.2 * min(3, len(curves)), 3.3 * math.ceil(len(curves) / 3)))
    wl = np.asarray(data["wavelength_nm"], float)
    for n, (name, c) in enumerate(curves.items()):
        ax = fig.add_subplot(math.ceil(len(curves) / 3), min(3, len(curves)), n + 1)
        for h, y in zip(data["grids_nm"], c["values"]):
            ax.plot(wl, np.asarray(y, float), lw=1, label=f"h = {h:g} nm")
        fine = np.asarray(c["values"][0], float)
        err = np.asarray(c["error"], float)
        ax.fill_between(wl, fine - err, fine + err, color="C3", alpha=0.2,
                        label="finest grid ± error bar")
        ext = np.array([np.nan if x is None else x for x in c["extrapolated"]], float)
        ax.plot(wl, ext, "k:", lw=1, label="extrapolated")
        ax.set_xlabel("vacuum wavelength (nm)")
        ax.set_ylabel(f"{name} (1)")
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(f"{variant}: {name}", fontsize=9)
        if n == 0:
            ax.legend(fontsize=6)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    """Lay out and write a pyplot-free Figure (no backend is chosen or switched)."""
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def as_estimate(row: dict) -> Estimate:
    """The Estimate of one table row (to evaluate its error bar at another grid)."""
    return Estimate(tuple(row["h_nm"]), tuple(row["values"]), row["status"], row["order"],
                    row["order_used"], row["safety_factor"], row["extrapolated"], row["error"],
                    tuple(row["notes"]))


# --------------------------------------------------------------------------------------
# Text, files, figures
# --------------------------------------------------------------------------------------
def _fmt(x: Any, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if not math.isfinite(x):
        return "-"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}" if 1e-3 <= abs(x) < 1e5 else f"{x:.{max(digits - 1, 1)}e}"


def ladder_markdown(ladder: dict) -> str:
    """convergence.md: the table, the grid needed per tolerance, the method, the flags."""
    h = ladder["grids_nm"]
    tol = ladder["tolerances"]
    out = [f"# Grid convergence: {ladder.get('study_name', '')}".rstrip(), "",
           f"Grids (nm): {', '.join(_fmt(x) for x in h)}. {ladder['method']}.", "",
           "Value: finest grid. Extrapolated: Richardson (h -> 0). Error: bar on the finest "
           "value. Needed h: coarsest grid whose bar meets the tolerance (fractions "
           f"{_fmt(tol['fraction'])} absolute, mode wavelengths {_fmt(tol['wavelength_nm'])} nm, "
           f"others {_fmt(100 * tol['relative'])} %).", ""]
    head = ["quantity", "unit", *[f"h={_fmt(x)}" for x in h], "status", "order",
            "extrapolated", "error", "needed h (nm)"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in ladder["quantities"]:
        by_h = dict(zip(r["h_nm"], r["values"]))
        need = ("any" if r["grid_independent"] else _fmt(r["grid_for_tolerance_nm"], 3))
        flag = "*" if any(n.startswith("coarser") for n in r["notes"]) else ""
        out.append("| " + " | ".join([
            r["label"], r["unit"], *[_fmt(by_h.get(x)) for x in h], r["status"] + flag,
            _fmt(r["order"], 3), _fmt(r["extrapolated"]), _fmt(r["error"], 2), need]) + " |")
    out += ["", "`*`: not monotone on coarser grids.", ""]
    flagged = [r for r in ladder["quantities"]
               if any(not n.startswith("two grids") for n in r["notes"])]
    if flagged:
        out += ["Notes:", ""] + [f"- {r['label']}: " + "; ".join(
            n for n in r["notes"] if not n.startswith("two grids")) for r in flagged] + [""]
    out += ["## Grid needed for the tolerance", ""]
    for kind, g in ladder.get("grid_for_tolerance", {}).items():
        line = (f"- {kind}: h <= {_fmt(g['h_nm'], 3)} nm (limited by {g['limited_by']})"
                if g["h_nm"] is not None else f"- {kind}: no quantity with an order")
        if g["no_order"]:
            line += (f"; no order (oscillating, diverging or one grid), so no grid can be "
                     f"named for: {', '.join(g['no_order'])}")
        out.append(line)
    out += spectra_markdown(ladder.get("spectra") or {}, tol["fraction"])
    counts = {s: sum(r["status"] == s for r in ladder["quantities"]) for s in STATUSES}
    out += ["", "Status counts: " + ", ".join(f"{s} {n}" for s, n in counts.items() if n), ""]
    return "\n".join(out)


def plot_quantity(row: dict, path: Path) -> Path:
    """One PNG: the quantity vs grid spacing, the finest value's error bar, the extrapolated
    value at h = 0 and, with an observed order, the fitted q_ext + c h^p."""
    import numpy as np
    from matplotlib.figure import Figure  # no pyplot: no backend is chosen or switched

    fig = Figure(figsize=(4.6, 3.4))
    ax = fig.add_subplot()
    h, v = np.asarray(row["h_nm"], float), np.asarray(row["values"], float)
    ax.plot(h, v, "o-", color="C0", label="computed")
    if row["error"] is not None and len(h):
        ax.errorbar([h[0]], [v[0]], yerr=[row["error"]], color="C3", capsize=4,
                    label=f"error bar ({row['status']})")
    p = row["order"] if row["order"] is not None else row["order_used"]
    if row["extrapolated"] is not None and p is not None and len(h) >= 2:
        c = (v[0] - row["extrapolated"]) / h[0] ** p
        hh = np.linspace(0, h.max(), 100)
        ax.plot(hh, row["extrapolated"] + c * hh ** p, ":", color="C1",
                label=f"q0 + c h^p, p = {p:.2g}" + (" (assumed)" if row["order"] is None else ""))
        ax.plot([0], [row["extrapolated"]], "s", color="C1", label="extrapolated")
    ax.set_xlim(left=0)
    ax.set_xlabel("grid spacing h (nm)")
    ax.set_ylabel(f"{row['name'].split('.')[-1]} ({row['unit']})")
    ax.set_title(row["label"], fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)


def figure_name(name: str) -> str:
    """File stem of a quantity's figure."""
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", name)


def write_ladder(directory: str | Path, ladder: dict, figures: bool = True) -> list[Path]:
    """Write convergence.json, convergence.md and one figure per quantity with values.

    Returns:
        the paths written (JSON, Markdown, then figures).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    if figures:
        for r in ladder["quantities"]:
            if r["values"]:
                p = plot_quantity(r, directory / FIG_DIR / f"{figure_name(r['name'])}.png")
                r["figure"] = str(p.relative_to(directory))
        for variant, data in (ladder.get("spectra") or {}).items():
            p = plot_spectra(variant, data, directory / FIG_DIR / f"spectra_{variant}.png")
            data["figure"] = str(p.relative_to(directory))
    for name, text in ((LADDER_FILE, json.dumps(_jsonable(ladder), indent=1, allow_nan=False)
                        + "\n"), (LADDER_MD, ladder_markdown(ladder))):
        tmp = directory / (name + ".tmp")
        tmp.write_text(text)
        tmp.replace(directory / name)
        written.append(directory / name)
    return written + [directory / r["figure"] for r in ladder["quantities"] if "figure" in r] + [
        directory / d["figure"] for d in (ladder.get("spectra") or {}).values() if "figure" in d]


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    return x


# --------------------------------------------------------------------------------------
# Finding a run's ladder, and its error bars
# --------------------------------------------------------------------------------------
def find_ladder(run_dir: str | Path, study=None) -> tuple[Path | None, dict | None, str]:
    """The ladder that gives a run directory its error bars.

    Looked for in RUN_DIR/convergence.json, then RUN_DIR/../../convergence.json (a point of
    a ``hotlase converge`` directory, DIR/points/<hash>), then, with ``study`` given, among the
    ladders recorded with the source for that study (``SHIPPED_DIR``). With ``study`` given, a
    ladder of another study (``ladder_key`` differs) is not used.

    Returns:
        (path, ladder dict, "") when found, else (None, None, why not: a sentence).
    """
    run_dir = Path(run_dir).resolve()
    seen = []
    cands = [run_dir / LADDER_FILE, run_dir.parent.parent / LADDER_FILE]
    if study is not None:
        cands += sorted(SHIPPED_DIR.glob(f"*-{ladder_key(study)}.json"))
    for cand in cands:
        if not cand.is_file():
            continue
        try:
            ladder = json.loads(cand.read_text())
        except (OSError, ValueError) as err:
            seen.append(f"{cand} unreadable ({err})")
            continue
        if ladder.get("format") != LADDER_FORMAT:
            seen.append(f"{cand} is not a {LADDER_FORMAT} file")
            continue
        if study is not None and ladder.get("study_key") not in (None, ladder_key(study)):
            seen.append(f"{cand} is the ladder of another study")
            continue
        return cand, ladder, ""
    return None, None, NO_LADDER + (f" ({'; '.join(seen)})" if seen else "")


def is_shipped(path: str | Path) -> bool:
    """True when ``path`` is a ladder recorded with the source (``SHIPPED_DIR``)."""
    return Path(path).resolve().parent == SHIPPED_DIR


def run_error_bars(ladder: dict, summary: dict, h_nm: float | None) -> list[dict]:
    """This run's value of every ladder quantity with its error bar at the run's grid.

    Mode quantities are matched to the run's modes within the ladder's mode_match_nm of the
    ladder's value on the grid nearest ``h_nm``.

    Returns:
        one dict per quantity: name, label, unit, value, error (at h_nm), extrapolated,
        status, order.
    """
    vals = headline_values(summary)
    rows = {r["name"]: r for r in ladder["quantities"]}
    out = []
    window = ladder.get("mode_match_nm", 10.0)
    for r in ladder["quantities"]:
        name = r["name"]
        if ".mode@" in name:
            stem, q = name.rsplit(".", 1) if name.endswith(".Q") else (
                name[:-len(".wavelength_nm")], "wavelength_nm")
            value = _mode_value(summary, rows.get(stem + ".wavelength_nm"), q, h_nm, window)
        else:
            value = vals.get(name, (None,))[0]
        e = as_estimate(r)
        err = e.error_at(h_nm) if h_nm is not None and e.values else None
        out.append({"name": name, "label": r["label"], "unit": r["unit"], "value": value,
                    "error": err, "extrapolated": r["extrapolated"], "status": r["status"],
                    "order": r["order"]})
    return out


def spectra_accuracy(ladder: dict, h_nm: float | None) -> list[dict]:
    """How far this grid's spectra are from the ladder's converged ones, curve by curve.

    For every variant and curve of ``ladder["spectra"]`` on the ladder grid equal to ``h_nm``:
    the largest over the band of |value at h - extrapolated value| where the wavelength has
    an extrapolation, else of its error bar (oscillating or diverging wavelengths: their
    spread), compared with the ladder's absolute tolerance on fractions.

    Returns:
        one dict per (variant, curve): variant, curve, max_deviation, at_nm, tolerance,
        within (bool), no_extrapolation (count of wavelengths judged by their bar); [] when
        ``h_nm`` is not a grid of the ladder or the ladder has no spectra.
    """
    import numpy as np

    tol = float(ladder.get("tolerances", {}).get("fraction", 0.03))
    out: list[dict] = []
    for variant, v in (ladder.get("spectra") or {}).items():
        k = None if h_nm is None else next((i for i, g in enumerate(v["grids_nm"])
                                            if math.isclose(float(g), h_nm, rel_tol=1e-6)), None)
        if k is None:
            continue
        wl = np.asarray(v["wavelength_nm"], dtype=float)
        for name, c in v["curves"].items():
            here = np.asarray(c["values"][k], dtype=float)
            ext = np.array([np.nan if x is None else x for x in c["extrapolated"]], dtype=float)
            bar = np.array([np.nan if x is None else x for x in c["error"]], dtype=float)
            dev = np.where(np.isfinite(ext), np.abs(here - ext), bar)
            if not np.isfinite(dev).any():
                continue
            j = int(np.nanargmax(dev))
            out.append({"variant": variant, "curve": name, "max_deviation": float(dev[j]),
                        "at_nm": float(wl[j]), "tolerance": tol,
                        "within": bool(dev[j] <= tol),
                        "no_extrapolation": int(np.sum(~np.isfinite(ext) & np.isfinite(bar)))})
    return out


def _mode_value(summary: dict, wl_row: dict | None, q: str, h_nm: float | None,
                window: float) -> float | None:
    """The run's value ``q`` of the mode nearest where ``wl_row`` (the ladder's wavelength
    row of that mode) puts it on the ladder grid nearest ``h_nm``; None beyond ``window``."""
    if wl_row is None or not wl_row["h_nm"]:
        return None
    variant = wl_row["name"].split(".mode@", 1)[0]
    s = summary if variant == "main" else summary.get("no_metal") or {}
    modes = [m for m in s.get("modes") or [] if _num(m.get("wavelength_nm")) is not None]
    if not modes:
        return None
    hs = wl_row["h_nm"]
    i = 0 if h_nm is None else min(range(len(hs)), key=lambda k: abs(hs[k] - h_nm))
    target = wl_row["values"][i]
    m = min(modes, key=lambda m: abs(m["wavelength_nm"] - target))
    return _num(m.get(q)) if abs(m["wavelength_nm"] - target) <= window else None
