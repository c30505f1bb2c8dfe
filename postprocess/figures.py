"""Report figures: spectra with modes, field and power maps, QE vs bias, comparison bars.

Every plot function takes already-computed results and an optional matplotlib ``ax``, draws,
and returns the ``matplotlib.figure.Figure`` (``ax.figure`` when an axes is given); nothing is
written and no backend is chosen or switched (importing this module in a notebook leaves its
backend alone). ``save_figure`` writes a Figure to PNG (matplotlib picks its Agg printer
for the format; the figure's own canvas is not replaced). Axes carry
units, maps carry colour bars, every figure has a title. No data is read here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
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


def plot_spectra(spectra: dict[str, Spectrum], mode_wavelengths: dict[str, list[float]] | None = None,
                 title: str = "", ax: Any = None) -> Figure:
    """R, T, A (and A by material) vs wavelength per variant, modes as vertical lines.

    ``ax``: one Axes per variant (a sequence), or a single Axes when there is one variant;
    None draws on a new Figure with one panel per variant.
    """
    mode_wavelengths = mode_wavelengths or {}
    fig, axes = figure_and_axes(ax, len(spectra), (6 * len(spectra), 4),
                                f"plot_spectra of {len(spectra)} variant(s)")
    for ax, (variant, s) in zip(axes, spectra.items()):
        ax.plot(s.wavelength_nm, s.R, label="R", color="C0")
        ax.plot(s.wavelength_nm, s.T, label="T", color="C1")
        ax.plot(s.wavelength_nm, s.A, label="A (flux box)", color="C2")
        for i, (name, a) in enumerate(s.A_by_material.items()):
            ax.plot(s.wavelength_nm, a, ls="--", color=f"C{i + 3}", label=f"A in {name}")
        for j, w in enumerate(mode_wavelengths.get(variant, [])):
            ax.axvline(w, color="k", lw=0.8, ls=":", label="modes" if j == 0 else None)
        ax.set_xlabel("vacuum wavelength (nm)")
        ax.set_ylabel("fraction of incident power (1)")
        ax.set_title(f"{title} {variant}: R, T, A".strip())
        top = max(1.02, float(np.nanmax([s.R.max(), s.T.max(), s.A.max()])) + 0.02)
        bottom = min(-0.02, float(np.nanmin([s.R.min(), s.T.min(), s.A.min()])) - 0.02)
        ax.set_ylim(bottom, top)
        ax.legend(fontsize=7)
    return fig


def _outline(ax, maps: FieldMaps, x, z):
    mat = maps.material_xz.astype(float)
    if np.ptp(mat) > 0 and len(x) > 1 and len(z) > 1:
        ax.contour(x, z, mat.T, levels=np.unique(mat)[:-1] + 0.5, colors="w", linewidths=0.6)


def plot_enhancement_xz(maps: FieldMaps, title: str = "",
                        ax: Any = None) -> Figure:
    """|E|/|E0| on the xz plane through a rod axis, material outlines in white."""
    fig, ax = _figure_axes(ax, (6, 5))
    x, z = maps.x_nm, maps.z_nm
    if len(x) > 1:
        im = ax.pcolormesh(x, z, maps.enhancement_xz.T, shading="auto", cmap="inferno")
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
                        ax: Any = None) -> Figure | None:
    """|E|/|E0| on the first grid plane above z = 0 (None if there is no such plane or it is 1D)."""
    if maps.enhancement_xy is None or maps.enhancement_xy.shape[1] < 2:
        return None
    fig, ax = _figure_axes(ax, (6, 5))
    im = ax.pcolormesh(maps.x_nm, maps.y_nm, maps.enhancement_xy.T, shading="auto", cmap="inferno")
    ax.set_aspect("equal")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    ax.set_title(f"{title}\n|E|/|E0| at z = {maps.z_cut_nm:.1f} nm (just above the surface)")
    fig.colorbar(im, ax=ax, label="|E|/|E0| (1)")
    return fig


def plot_absorbed_power_xz(maps: FieldMaps, title: str = "",
                           ax: Any = None) -> Figure:
    """Absorbed power density p (W/m^3, log colour scale) on the xz plane through a rod axis."""
    fig, ax = _figure_axes(ax, (6, 5))
    p = np.where(maps.power_xz_w_m3 > 0, maps.power_xz_w_m3, np.nan)
    finite = p[np.isfinite(p)]
    x, z = maps.x_nm, maps.z_nm
    if finite.size and len(x) > 1:
        vmax = float(finite.max())
        im = ax.pcolormesh(x, z, p.T, shading="auto", cmap="viridis",
                           norm=LogNorm(vmin=max(float(finite.min()), vmax * 1e-6), vmax=vmax))
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
                      ax: Any = None) -> Figure:
    """Surface hot-electron generation per projected area (1/(s m^2)) over the xy plane."""
    fig, ax = _figure_axes(ax, (6, 5))
    if rate_map_m2_s.shape[1] > 1 and rate_map_m2_s.shape[0] > 1:
        im = ax.pcolormesh(x_nm, y_nm, rate_map_m2_s.T, shading="auto", cmap="magma")
        ax.set_aspect("equal")
        ax.set_ylabel("y (nm)")
        fig.colorbar(im, ax=ax, label="hot-electron generation (1/(s m^2))")
    else:
        ax.plot(np.asarray(x_nm), rate_map_m2_s.ravel())
        ax.set_ylabel("hot-electron generation (1/(s m^2))")
    ax.set_xlabel("x (nm)")
    ax.set_title(f"{title}\nsurface hot-electron generation (summed over the surface along z)")
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
