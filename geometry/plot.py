"""Cross-section pictures of a study's cell (matplotlib; no meep): `hotlase show`.

The structure's materials and what the solvers place in the cell (geometry.placement): PML
and absorbers, the plane-wave source, flux planes, Harminv probes and dipoles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.placement import Boundary, Placement, placement
from hotlase.geometry.raster import material_grid
from hotlase.geometry.study import StudySpec

_COLOURS = {"vacuum": "#f4f7fb", "air": "#f4f7fb", "SiO2": "#a6cee3", "Al2O3": "#b2df8a",
            "MgF2": "#cab2d6", "LiF": "#fdbf6f"}
_METAL_COLOURS = {"Ag": "#9e9e9e", "Au": "#d4a017", "Al": "#c0c8d0", "Cu": "#b87333"}


def _colour(name: str, i: int) -> str:
    if name in _COLOURS:
        return _COLOURS[name]
    for prefix, colour in _METAL_COLOURS.items():
        if name.startswith(prefix):
            return colour
    if name.startswith("CsPb"):
        return "#33a02c"
    return f"C{i % 10}"


def _label(text: str, limit: int = 40) -> str:
    """A name as figure text: at most ``limit`` characters, mathtext ($) escaped."""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return text.replace("$", r"\$")


def figure_and_axes(ax: Any, n: int, figsize: tuple[float, float], what: str):
    """(Figure, n Axes in a row) to draw on: ``ax`` (one Axes, or a sequence of n) and its
    figure, or a new pyplot-free Figure when ``ax`` is None (no backend is chosen).

    Raises:
        ValueError: ``ax`` does not hold n axes (``what`` names the plot in the message).
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=figsize)
        return fig, [fig.add_subplot(1, n, i + 1) for i in range(n)]
    axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
    if len(axes) != n:
        raise ValueError(f"{what}: needs {n} axes, got {len(axes)}")
    return axes[0].figure, axes


def cross_sections_figure(study: StudySpec, points: int = 400, ax=None):
    """The xz section (through y = 0) and, for 3D cells, the xy section (mid rod height) of
    the whole cell, with what the solvers place there (``geometry.placement``): PML and
    absorbers (hatched), the plane-wave source and flux planes, the Harminv probes and the
    dipoles of the modes and emitter runs.

    Args:
        study: validated study; points: samples along each axis; ax: one Axes per section (a
            sequence, or one Axes for a 2D cell); None draws on a new pyplot-free Figure.

    Returns the ``matplotlib.figure.Figure``; no backend is chosen or switched.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    layout = build(study.structure)
    pl = placement(study, layout)
    sx, sy = pl.cell_x_nm, pl.cell_y_nm
    lx = sx if sx > 0 else max(400.0, 2 * abs(layout.z_bottom_nm))
    xs = np.linspace(-lx / 2, lx / 2, points)
    zs = np.linspace(pl.z_min_nm, pl.z_max_nm, points)
    names, xz = material_grid(layout, xs, [0.0], zs)
    panels = [("xz section at y = 0", xs, zs, xz[:, 0, :].T, "x (nm)", "z (nm)")]
    z_mid = layout.z_top_nm / 2 if layout.z_top_nm > 0 else layout.z_bottom_nm / 2
    if layout.dims == 3:
        ys = np.linspace(-sy / 2, sy / 2, points)
        _, xy = material_grid(layout, xs, ys, [z_mid])
        panels.append((f"xy section at z = {z_mid:g} nm", xs, ys, xy[:, :, 0].T, "x (nm)", "y (nm)"))
    cmap = ListedColormap([_colour(n, i) for i, n in enumerate(names)])
    fig, axes = figure_and_axes(ax, len(panels), (5.5 * len(panels) + 2.5, 6),
                                f"cross sections of a {layout.dims}D cell")
    for a, (title, h, v, img, xl, yl) in zip(axes, panels):
        a.imshow(img, origin="lower", extent=(h[0], h[-1], v[0], v[-1]), cmap=cmap,
                 vmin=-0.5, vmax=len(names) - 0.5, interpolation="nearest", aspect="equal")
        a.set(title=title, xlabel=xl, ylabel=yl)
    handles = [Patch(color=_colour(n, i), label=_label(n)) for i, n in enumerate(names)]
    handles += draw_placement(axes[0], pl, "xz", (xs[0], xs[-1]), (zs[0], zs[-1]))
    if len(axes) > 1:
        draw_placement(axes[1], pl, "xy", (xs[0], xs[-1]), (ys[0], ys[-1]))
    fig.legend(handles=handles, loc="center right", fontsize=8, title="materials and placements")
    fig.suptitle(f"{_label(study.name)}: {study.structure.kind}")
    return fig


def draw_placement(ax, pl: Placement, plane: str, h_range, v_range) -> list:
    """Draw ``pl`` on a section (``plane`` "xz" or "xy"; axis ranges in nm); returns legend
    handles. Artists carry gids: "boundary", "source", "monitor", "probes", "dipoles",
    "emitter"."""
    from matplotlib.patches import Rectangle

    h0, h1 = h_range
    v0, v1 = v_range
    handles: list = []

    def band(x0, x1, y0, y1, b: Boundary):
        r = Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", hatch="///",
                      edgecolor="0.35" if b.kind == "PML" else "tab:red", lw=0.0, gid="boundary",
                      label=f"{b.kind} ({b.thickness_nm:g} nm)")
        ax.add_patch(r)
        if not any(x.get_label() == r.get_label() for x in handles):
            handles.append(r)

    for b in pl.boundaries:
        if plane == "xz" and b.side == "top":
            band(h0, h1, v1 - b.thickness_nm, v1, b)
        elif plane == "xz" and b.side == "bottom":
            band(h0, h1, v0, v0 + b.thickness_nm, b)
        elif b.side == "x":
            band(h0, h0 + b.thickness_nm, v0, v1, b)
            band(h1 - b.thickness_nm, h1, v0, v1, b)
        elif plane == "xy" and b.side == "y":
            band(h0, h1, v0, v0 + b.thickness_nm, b)
            band(h0, h1, v1 - b.thickness_nm, v1, b)
    if plane == "xz":
        for z, gid, look, label in ((pl.source_z_nm, "source", ("tab:red", "-"), "plane-wave source"),
                                     (pl.refl_z_nm, "monitor", ("tab:blue", "--"), "flux plane (R)"),
                                     (pl.trans_z_nm, "monitor", ("tab:cyan", "--"), "flux plane (T)")):
            if z is not None:
                handles.append(ax.axhline(z, color=look[0], ls=look[1], lw=1.2, gid=gid, label=label))
    i, j = (0, 2) if plane == "xz" else (0, 1)
    probes = sorted({tuple(pos) for _, pos, _ in pl.probes})
    groups: tuple[tuple[list, str, dict[str, Any], str], ...] = (
        (probes, "probes", dict(marker="x", color="k", s=30), "Harminv probes"),
        (sorted({tuple(pos) for pos, _ in pl.mode_dipoles}), "dipoles",
         dict(marker="^", color="tab:purple", s=30), "modes dipoles"),
        ([pl.emitter_nm] if pl.emitter_nm else [], "emitter",
         dict(marker="*", color="gold", edgecolors="k", s=120), "emitter dipole"))
    for pts, gid, style, label in groups:
        if pts:
            handles.append(ax.scatter([p[i] for p in pts], [p[j] for p in pts], gid=gid,
                                      label=label, zorder=5, **style))
    ax.set_xlim(h0, h1)
    ax.set_ylim(v0, v1)
    return handles


def plot_cross_sections(study: StudySpec, path: str | Path, points: int = 400) -> Path:
    """Write ``cross_sections_figure`` to the PNG ``path`` (``hotlase show``)."""
    fig = cross_sections_figure(study, points)
    fig.tight_layout(rect=(0, 0, 0.78, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
