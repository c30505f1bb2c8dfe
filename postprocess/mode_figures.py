"""Figures of the modes and the emitter: each mode's own field, LDOS and Purcell factor.

Same conventions as ``postprocess.figures``: already-computed results in, an optional
matplotlib ``ax`` (or a sequence of axes for several panels), the ``Figure`` out; nothing is
read or written and no backend is chosen. numpy/matplotlib only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from hotlase.geometry.plot import figure_and_axes
from hotlase.postprocess import lasing
from hotlase.postprocess.figures import outline
from hotlase.postprocess.mode_fields import ModeCuts

VARIANT_STYLE = {"main": ("C3", "metal (main)"), "no_metal": ("C0", "no metal (twin)")}


def plot_mode_profile(cuts: ModeCuts, label: str, ax: Any = None) -> Figure:
    """One mode's own field: |E| and Re E_c (c: the component with most of the electric
    energy) on the xz cut through the |E| peak, and |E| on the xy cut there (3D cells).
    Material outlines on every panel (white on |E|, black on E_c).

    Args:
        cuts: ``postprocess.mode_fields.mode_cuts`` of the mode.
        label: what the mode is (variant, number, wavelength, Q), first title line.
        ax: 2 axes (2D cells) or 3 (3D), or None for a new Figure.
    """
    n = 3 if cuts.abs_xy is not None else 2
    fig, axes = figure_and_axes(ax, n, (4.6 * n + 0.8, 4.4), f"mode profile of {label}")
    x, z = cuts.x_nm, cuts.z_nm
    amp = float(np.max(np.abs(cuts.component_xz))) if cuts.component_xz.size else 1.0
    amp = amp if amp > 0 else 1.0
    panels: list[tuple[Any, ...]] = [(axes[0], x, z, cuts.abs_xz, cuts.material_xz, "inferno", (0.0, 1.0), "w",
               f"|E|, xz at y = {cuts.y_cut_nm:.0f} nm", "z (nm)", "|E| / max |E| (1)"),
              (axes[1], x, z, cuts.component_xz, cuts.material_xz, "RdBu_r", (-amp, amp), "k",
               f"Re E_{cuts.component}, xz at y = {cuts.y_cut_nm:.0f} nm", "z (nm)",
               f"Re E_{cuts.component} / max |E| (1)")]
    if cuts.abs_xy is not None:
        panels.append((axes[2], x, cuts.y_nm, cuts.abs_xy, cuts.material_xy, "inferno", (0.0, 1.0),
                       "w", f"|E|, xy at z = {cuts.z_cut_nm:.0f} nm", "y (nm)",
                       "|E| / max |E| (1)"))
    for a, h, v, img, mat, cmap, (lo, hi), colour, title, ylabel, clabel in panels:
        if len(h) > 1:
            im = a.pcolormesh(h, v, img.T, shading="auto", cmap=cmap, vmin=lo, vmax=hi)
            outline(a, mat, h, v, colour)
            fig.colorbar(im, ax=a, label=clabel)
            a.set_xlabel("x (nm)")
            a.set_aspect("equal")
        else:  # a 1D profile along z
            a.plot(img[0], v)
            a.set_xlabel(clabel)
        a.set_ylabel(ylabel)
        a.set_title(title, fontsize=9)
    fig.suptitle(label, fontsize=10)
    return fig


def plot_ldos_purcell(emitters: dict[str, dict[str, np.ndarray]], emission_nm: float | None = None,
                      title: str = "", ax: Any = None) -> Figure | None:
    """LDOS (left) and Purcell factor ldos / ldos_bulk (right) vs wavelength, metal and
    no-metal twin on the same axes, the bulk LDOS dashed, the emission line marked.

    Args:
        emitters: {variant: {"wavelength_nm", "ldos", "ldos_bulk"}} (report.VariantResult.emitter).
        emission_nm: emission wavelength (nm) to mark, or None.
        ax: two axes, or None for a new Figure. Returns None without any emitter run.
    """
    if not emitters:
        return None
    fig, (a_ldos, a_purcell) = figure_and_axes(ax, 2, (11, 4.2), "LDOS and Purcell factor")
    bulks = [np.asarray(e["ldos_bulk"], float) for e in emitters.values()]
    shared = all(b.shape == bulks[0].shape and np.array_equal(b, bulks[0]) for b in bulks)
    for k, (variant, e) in enumerate(emitters.items()):
        colour, name = VARIANT_STYLE.get(variant, ("C2", variant))
        wl = np.asarray(e["wavelength_nm"], float)
        a_ldos.plot(wl, e["ldos"], color=colour, label=f"{name}")
        if not shared:
            a_ldos.plot(wl, e["ldos_bulk"], color=colour, ls="--", lw=0.8,
                        label=f"bulk rod medium ({name})")
        elif k == 0:  # one bulk run serves both variants (solvers.emitter reuses it)
            a_ldos.plot(wl, e["ldos_bulk"], color="k", ls="--", lw=0.8, label="bulk rod medium")
        a_purcell.plot(wl, lasing.purcell_factor(np.asarray(e["ldos"], float),
                                                 np.asarray(e["ldos_bulk"], float)),
                       color=colour, label=name)
    for a in (a_ldos, a_purcell):
        if emission_nm is not None and np.isfinite(emission_nm):
            a.axvline(emission_nm, color="goldenrod", lw=2.0, ls="-.", alpha=0.7,
                      label=f"emission {emission_nm:.0f} nm")
        a.set_xlabel("vacuum wavelength (nm)")
        a.legend(fontsize=7)
    a_ldos.set_ylabel("LDOS at the dipole (arb., Meep dft_ldos)")
    a_ldos.set_title(f"{title}\nLDOS, orientation-averaged".strip(), fontsize=10)
    a_purcell.axhline(1.0, color="k", lw=0.6)
    a_purcell.set_ylabel("Purcell factor ldos / ldos_bulk (1)")
    a_purcell.set_title(f"{title}\nPurcell factor".strip(), fontsize=10)
    return fig
