"""Report figures: spectra with modes, field and power maps, QE vs bias, comparison bars.

Every plot function takes already-computed results and an optional matplotlib ``ax``, draws,
and returns the ``matplotlib.figure.Figure`` (``ax.figure`` when an axes is given); nothing is
written and no backend is chosen or switched (importing this module in a notebook leaves its
backend alone). ``save_figure`` writes a Figure to PNG (matplotlib picks its Agg printer
for the format; the figure's own canvas is not replaced). Axes carry
units, maps carry colour bars, every figure has a title. No data is read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from hotlase.geometry.plot import figure_and_axes
from hotlase.postprocess.absorption import FieldMaps
from hotlase.postprocess.compare import Row
from hotlase.postprocess.runfile import Spectrum

_DPI = 110


def save_figure(fig: Figure | None, path: str | Path, dpi: int = _DPI) -> Path | None:
    """Lay out and write ``fig`` to the PNG ``path`` (parents made); None when ``fig`` is None."""
    if fig is None:
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    return path


def _figure_axes(ax: Any, figsize: tuple[float, float]) -> tuple[Figure, Any]:
    """The figure and axes to draw on: ``ax``'s own figure, or a new pyplot-free Figure."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot(1, 1, 1)


MAX_LABELLED_MODES = 6  # mode lines labelled on a spectrum panel; the rest are drawn thin


@dataclass(frozen=True)
class ModeMark:
    """One mode line on a spectrum: its wavelength, Q, number in the report's mode table
    (1-based) and whether it is a borderline resonance (``modes/borderline``, not a mode)."""

    wavelength_nm: float
    q: float
    number: int = 0
    borderline: bool = False


def labelled_modes(marks: list[ModeMark], limit: int = MAX_LABELLED_MODES) -> list[ModeMark]:
    """The reported (not borderline) modes that get a label: the ``limit`` highest-Q ones."""
    reported = [m for m in marks if not m.borderline]
    return sorted(reported, key=lambda m: -m.q if np.isfinite(m.q) else np.inf)[:limit]


def _marks(values) -> list[ModeMark]:
    """ModeMark list from ModeMarks or bare wavelengths (numbered in order, Q unknown)."""
    out = []
    for i, v in enumerate(values):
        out.append(v if isinstance(v, ModeMark) else ModeMark(float(v), float("nan"), i + 1))
    return out


def plot_spectra(spectra: dict[str, Spectrum], mode_wavelengths: dict[str, list] | None = None,
                 title: str = "", ax: Any = None, pump_nm: float | None = None,
                 emission_nm: float | None = None) -> Figure:
    """R, T, A (and A by material) vs wavelength per variant, with the modes, pump and emission.

    ``mode_wavelengths``: {variant: [ModeMark or wavelength (nm)]}. The ``MAX_LABELLED_MODES``
    highest-Q reported modes are labelled with their table number, wavelength and Q; the
    other reported modes are thin grey lines, borderline resonances thin dashed ones (one
    legend entry each). ``pump_nm`` and ``emission_nm`` are drawn as coloured lines.
    ``ax``: one Axes per variant (a sequence), or a single Axes when there is one variant;
    None draws on a new Figure with one panel per variant.
    """
    mode_wavelengths = mode_wavelengths or {}
    fig, axes = figure_and_axes(ax, len(spectra), (6 * len(spectra), 4.5),
                                f"plot_spectra of {len(spectra)} variant(s)")
    for ax, (variant, s) in zip(axes, spectra.items()):
        ax.plot(s.wavelength_nm, s.R, label="R", color="C0")
        ax.plot(s.wavelength_nm, s.T, label="T", color="C1")
        ax.plot(s.wavelength_nm, s.A, label="A (flux box)", color="C2")
        for i, (name, a) in enumerate(s.A_by_material.items()):
            ax.plot(s.wavelength_nm, a, ls="--", color=f"C{i + 3}", label=f"A in {name}")
        top = max(1.02, float(np.nanmax([s.R.max(), s.T.max(), s.A.max()])) + 0.02)
        bottom = min(-0.02, float(np.nanmin([s.R.min(), s.T.min(), s.A.min()])) - 0.02)
        _mode_lines(ax, _marks(mode_wavelengths.get(variant, [])))
        for wl, name, colour in ((pump_nm, "pump", "darkviolet"), (emission_nm, "emission", "goldenrod")):
            if wl is not None and np.isfinite(wl):
                ax.axvline(wl, color=colour, lw=2.0, ls="-.", alpha=0.7, label=f"{name} {wl:.0f} nm")
        ax.set_xlabel("vacuum wavelength (nm)")
        ax.set_ylabel("fraction of incident power (1)")
        ax.set_title(f"{title} {variant}: R, T, A".strip())
        ax.set_ylim(bottom, top + 0.25 * (top - bottom))  # headroom for the mode labels
        ax.set_xlim(float(s.wavelength_nm.min()), float(s.wavelength_nm.max()))
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def _mode_lines(ax, marks: list[ModeMark]) -> None:
    """Labelled lines for the chosen modes, thin unlabelled ones for the rest."""
    chosen = labelled_modes(marks)
    others = [m for m in marks if not m.borderline and m not in chosen]
    border = [m for m in marks if m.borderline]
    for j, m in enumerate(chosen):
        ax.axvline(m.wavelength_nm, color="k", lw=1.0, ls=":",
                   label="modes (number: λ, Q)" if j == 0 else None)
        q = f", Q {m.q:.0f}" if np.isfinite(m.q) else ""
        ax.annotate(f"{m.number}: {m.wavelength_nm:.0f} nm{q}", (m.wavelength_nm, 0.99),
                    xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right",
                    fontsize=6, gid="mode-label")
    for j, m in enumerate(others):
        ax.axvline(m.wavelength_nm, color="0.6", lw=0.5, ls="-",
                   label=f"other modes ({len(others)}, see table)" if j == 0 else None)
    for j, m in enumerate(border):
        ax.axvline(m.wavelength_nm, color="tab:orange", lw=0.6, ls="--",
                   label=f"borderline ({len(border)}, not modes)" if j == 0 else None)


def shared_limits(arrays, log: bool = False, decades: float = 6.0) -> tuple[float, float] | None:
    """One colour range for several maps (metal and twin on the same scale): the overall
    finite min and max, positive values only and at most ``decades`` below the max when
    ``log``. None when no finite value is there."""
    vals = [np.asarray(a, float) for a in arrays if a is not None]
    vals = [v[np.isfinite(v) & ((v > 0) if log else True)] for v in vals]
    vals = [v for v in vals if v.size]
    if not vals:
        return None
    lo, hi = min(float(v.min()) for v in vals), max(float(v.max()) for v in vals)
    if log:
        lo = max(lo, hi * 10.0 ** -decades)
    return lo, hi


def outline(ax, material, h, v, colour: str = "w") -> int:
    """Material boundaries of a cut (``material`` indexed [h, v]) as contour lines; returns
    how many boundary levels were drawn (0 on a uniform or 1D cut)."""
    mat = np.asarray(material, float)
    if mat.ndim != 2 or np.ptp(mat) == 0 or len(h) < 2 or len(v) < 2:
        return 0
    levels = np.unique(mat)[:-1] + 0.5
    cs = ax.contour(h, v, mat.T, levels=levels, colors=colour, linewidths=0.6)
    # matplotlib >= 3.8: the ContourSet is the artist; before, its line collections are
    for artist in ([cs] if isinstance(cs, Artist) else cs.collections):
        artist.set_gid("outline")
    return len(levels)


def _outline(ax, maps: FieldMaps, x, z):
    outline(ax, maps.material_xz, x, z)


def plot_enhancement_xz(maps: FieldMaps, title: str = "",
                        ax: Any = None, limits: tuple[float, float] | None = None) -> Figure:
    """|E|/|E0| on the xz plane through a rod axis, material outlines in white.

    ``limits``: (vmin, vmax) of the colour scale, shared with other maps (``shared_limits``).
    """
    fig, ax = _figure_axes(ax, (6, 5))
    x, z = maps.x_nm, maps.z_nm
    lo, hi = limits or (None, None)
    if len(x) > 1:
        im = ax.pcolormesh(x, z, maps.enhancement_xz.T, shading="auto", cmap="inferno",
                           vmin=lo, vmax=hi)
        _outline(ax, maps, x, z)
        ax.set_xlabel("x (nm)")
    else:  # 1D stack: a profile
        ax.plot(maps.enhancement_xz[0], z)
        im = None
        ax.set_xlabel("|E|/|E0| (1)")
    ax.set_ylabel("z (nm)")
    ax.set_title(f"{title}\n|E|/|E0|, xz plane at y = {maps.y_cut_nm:.0f} nm")
    if im is not None:
        fig.colorbar(im, ax=ax, label="|E|/|E0| (1)")
    return fig


def plot_enhancement_xy(maps: FieldMaps, title: str = "",
                        ax: Any = None, limits: tuple[float, float] | None = None) -> Figure | None:
    """|E|/|E0| on the first grid plane above z = 0 (None if there is no such plane or it is
    1D), with the outlines of the materials on that plane; ``limits`` as for the xz map."""
    if maps.enhancement_xy is None or maps.enhancement_xy.shape[1] < 2:
        return None
    fig, ax = _figure_axes(ax, (6, 5))
    lo, hi = limits or (None, None)
    im = ax.pcolormesh(maps.x_nm, maps.y_nm, maps.enhancement_xy.T, shading="auto", cmap="inferno",
                       vmin=lo, vmax=hi)
    if maps.material_xy is not None:
        outline(ax, maps.material_xy, maps.x_nm, maps.y_nm)
    ax.set_aspect("equal")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    ax.set_title(f"{title}\n|E|/|E0| at z = {maps.z_cut_nm:.1f} nm (just above the surface)")
    fig.colorbar(im, ax=ax, label="|E|/|E0| (1)")
    return fig


def plot_absorbed_power_xz(maps: FieldMaps, title: str = "",
                           ax: Any = None, limits: tuple[float, float] | None = None) -> Figure:
    """Absorbed power density p (W/m^3, log colour scale) on the xz plane through a rod axis;
    ``limits`` (vmin, vmax > 0) shares the scale with other maps (``shared_limits(log=True)``)."""
    fig, ax = _figure_axes(ax, (6, 5))
    p = np.where(maps.power_xz_w_m3 > 0, maps.power_xz_w_m3, np.nan)
    finite = p[np.isfinite(p)]
    x, z = maps.x_nm, maps.z_nm
    if finite.size and len(x) > 1:
        lo, hi = limits or shared_limits([finite], log=True) or (1.0, 1.0)
        im = ax.pcolormesh(x, z, p.T, shading="auto", cmap="viridis",
                           norm=LogNorm(vmin=lo, vmax=hi))
        _outline(ax, maps, x, z)
        fig.colorbar(im, ax=ax, label="absorbed power density (W/m^3)")
        ax.set_xlabel("x (nm)")
    else:
        ax.plot(maps.power_xz_w_m3[0] if len(x) == 1 else np.zeros_like(z), z)
        ax.set_xlabel("absorbed power density (W/m^3)")
    ax.set_ylabel("z (nm)")
    ax.set_title(f"{title}\nabsorbed power density, xz plane at y = {maps.y_cut_nm:.0f} nm")
    return fig


def plot_surface_rate(rate_map_m2_s: np.ndarray, x_nm, y_nm, title: str = "",
                      ax: Any = None, limits: tuple[float, float] | None = None) -> Figure:
    """Surface hot-electron generation per projected area (1/(s m^2)) over the xy plane;
    the title is kept to short lines so it fits the figure."""
    fig, ax = _figure_axes(ax, (6.5, 5.5))
    lo, hi = limits or (None, None)
    if rate_map_m2_s.shape[1] > 1 and rate_map_m2_s.shape[0] > 1:
        im = ax.pcolormesh(x_nm, y_nm, rate_map_m2_s.T, shading="auto", cmap="magma",
                           vmin=lo, vmax=hi)
        ax.set_aspect("equal")
        ax.set_ylabel("y (nm)")
        fig.colorbar(im, ax=ax, label="hot-electron generation (1/(s m^2))")
    else:
        ax.plot(np.asarray(x_nm), rate_map_m2_s.ravel())
        ax.set_ylabel("hot-electron generation (1/(s m^2))")
    ax.set_xlabel("x (nm)")
    ax.set_title(f"{title}\nsurface hot-electron generation\n(summed along z)", fontsize=10)
    return fig


def plot_qe_vs_bias(bias_v_m, qe_het, qe_heg, qe_pi_heg, title: str = "",
                    ax: Any = None) -> Figure:
    """QE_HET, QE_HEG and QE_PI-HEG vs applied field (V/m); zero field drawn at the left edge."""
    f = np.asarray(bias_v_m, float)
    fig, ax = _figure_axes(ax, (6, 4))
    pos = f[f > 0]
    left = pos.min() / 10 if pos.size else 1.0
    shown = np.where(f > 0, f, left)
    for values, label, style in ((qe_het, "QE_HET", "o-"), (qe_heg, "QE_HEG", "s-"),
                                 (qe_pi_heg, "QE_PI-HEG", "^-")):
        ax.plot(shown, np.asarray(values, float), style, label=label)
    ax.set_xscale("log")
    ax.set_xlabel(f"applied field (V/m); 0 V/m drawn at {left:.0e}")
    ax.set_ylabel("efficiency (1)")
    ax.set_title(f"{title}\nquantum efficiencies vs bias field")
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", fontsize=8)
    return fig


def plot_comparison_bars(rows: list[Row], title: str = "",
                         ax: Any = None) -> Figure | None:
    """Metal / no-metal ratios (log axis) of every metric that has one."""
    rows = [r for r in rows if r.ratio is not None and r.ratio > 0]
    if not rows:
        return None
    fig, ax = _figure_axes(ax, (7, 0.45 * len(rows) + 1.5))
    y = np.arange(len(rows))
    ratios = np.array([r.ratio for r in rows])
    ax.barh(y, ratios - 1.0, left=1.0, color=["C3" if r >= 1 else "C0" for r in ratios])
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks(y, [r.metric for r in rows], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("metal / no-metal (1)")
    ax.set_title(f"{title}: metal vs no metal")
    return fig


def plot_dispersion(dispersion: dict[str, np.ndarray], title: str = "",
                    ax: Any = None) -> Figure | None:
    """Mode wavelength vs Bloch k (colour: Q, log scale) with the superstrate light line."""
    if not len(dispersion["wavelength_nm"]):
        return None
    fig, ax = _figure_axes(ax, (6, 4.5))
    q = np.clip(dispersion["Q"], 1e-3, None)
    sc = ax.scatter(dispersion["k_per_nm"], dispersion["wavelength_nm"], c=q, cmap="viridis",
                    norm=LogNorm(vmin=q.min(), vmax=max(q.max(), q.min() * 1.01)), s=18)
    kx, light = dispersion["k_x_per_nm"], dispersion["light_line_wavelength_nm"]
    ok = np.isfinite(light) & (kx > 0)
    lo, hi = np.min(dispersion["wavelength_nm"]), np.max(dispersion["wavelength_nm"])
    pad = 0.05 * (hi - lo + 1)
    if ok.any():  # λ = n / k on a dense k grid (n of the superstrate from the stored line)
        n_sup = float(np.median(light[ok] * kx[ok]))
        k = np.linspace(n_sup / (hi + pad), max(kx.max(), n_sup / (lo - pad)), 200)
        ax.plot(k, n_sup / k, "k--", lw=1, label=f"light line (n = {n_sup:.2f})")
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(0, kx.max() * 1.05 if kx.max() > 0 else 1)
    ax.set_xlabel("Bloch k_x / 2π (1/nm)")
    ax.set_ylabel("mode vacuum wavelength (nm)")
    ax.set_title(f"{title}\nplasmon-mode dispersion")
    fig.colorbar(sc, ax=ax, label="Q (1)")
    ax.legend(fontsize=8)
    return fig


def spectrum_marks(results: dict[str, Any]) -> dict[str, list[ModeMark]]:
    """{variant: mode lines} for ``plot_spectra`` from the report's per-variant results
    (anything with ``modes``, a ``modes_table.ModeTable`` or None): the table's modes
    numbered as in the report, then its borderline resonances."""
    out: dict[str, list[ModeMark]] = {}
    for v, r in results.items():
        table = getattr(r, "modes", None)
        if table is None:
            continue
        marks = [ModeMark(m.wavelength_nm, m.q, n) for n, m in enumerate(table.modes, 1)]
        marks += [ModeMark(b.wavelength_nm, b.q, 0, True) for b in getattr(table, "borderline", ())]
        out[v] = marks
    return out


def shared_map_limits(results: dict[str, Any]) -> dict[tuple[str, str], tuple[float, float]]:
    """{(field tag, "xz" | "xy" | "power"): colour range} over every variant's maps of that
    tag (``results``: {variant: anything with ``absorption`` {tag: TagAbsorption}}), so the
    metal and no-metal maps of one tag share their colour scale."""
    by: dict[tuple[str, str], list] = {}
    for r in results.values():
        for tag, a in getattr(r, "absorption", {}).items():
            by.setdefault((tag, "xz"), []).append(a.maps.enhancement_xz)
            by.setdefault((tag, "xy"), []).append(a.maps.enhancement_xy)
            by.setdefault((tag, "power"), []).append(a.maps.power_xz_w_m3)
    out = {}
    for key, arrays in by.items():
        lim = shared_limits(arrays, log=key[1] == "power")
        if lim is not None:
            out[key] = lim
    return out


def plot_light_in_light_out(curves: dict[str, tuple[Any, Any]], thresholds: dict[str, float],
                            title: str = "", ax: Any = None) -> Figure | None:
    """Log-log light-in/light-out curves {label: (pump W/cm^2, output W/cm^2)} with each
    threshold marked (docs/physics.md §8); None when no curve has a positive point."""
    fig, ax = _figure_axes(ax, (6, 4))
    drawn = False
    for label, (pump, out) in curves.items():
        p, o = np.asarray(pump, float), np.asarray(out, float)
        ok = (p > 0) & (o > 0)
        if not ok.any():
            continue
        line, = ax.plot(p[ok], o[ok], "-", label=label)
        thr = thresholds.get(label)
        if thr is not None and np.isfinite(thr) and thr > 0:
            ax.axvline(thr, color=line.get_color(), ls=":", lw=1)
        drawn = True
    if not drawn:
        return None
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("pump intensity (W/cm^2)")
    ax.set_ylabel("light out (W/cm^2)")
    ax.set_title(f"{title}\nlight in / light out (dotted: threshold)")
    ax.legend(loc="best", fontsize=8)
    return fig
