"""Cross-section pictures of a study's structure (matplotlib; no meep): `hotlase show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hotlase.geometry.build import build
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
    """The xz section (through y = 0) and, for 3D cells, the xy section (mid rod height).

    Args:
        study: validated study; points: samples along each axis; ax: one Axes per section (a
            sequence, or one Axes for a 2D cell); None draws on a new pyplot-free Figure.

    Returns the ``matplotlib.figure.Figure``; no backend is chosen or switched.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    layout = build(study.structure)
    sx, sy = layout.cell_xy_nm
    lx = sx if sx > 0 else max(400.0, 2 * abs(layout.z_bottom_nm))
    margin = max(100.0, 0.3 * (layout.z_top_nm - layout.z_bottom_nm))
    xs = np.linspace(-lx / 2, lx / 2, points)
    zs = np.linspace(layout.z_bottom_nm - margin, layout.z_top_nm + margin, points)
    names, xz = material_grid(layout, xs, [0.0], zs)
    panels = [("xz section at y = 0", xs, zs, xz[:, 0, :].T, "x (nm)", "z (nm)")]
    if layout.dims == 3:
        ys = np.linspace(-sy / 2, sy / 2, points)
        z_mid = layout.z_top_nm / 2 if layout.z_top_nm > 0 else layout.z_bottom_nm / 2
        _, xy = material_grid(layout, xs, ys, [z_mid])
        panels.append((f"xy section at z = {z_mid:g} nm", xs, ys, xy[:, :, 0].T, "x (nm)", "y (nm)"))
    cmap = ListedColormap([_colour(n, i) for i, n in enumerate(names)])
    fig, axes = figure_and_axes(ax, len(panels), (5.5 * len(panels) + 1.5, 5),
                                f"cross sections of a {layout.dims}D cell")
    for a, (title, h, v, img, xl, yl) in zip(axes, panels):
        a.imshow(img, origin="lower", extent=(h[0], h[-1], v[0], v[-1]), cmap=cmap,
                 vmin=-0.5, vmax=len(names) - 0.5, interpolation="nearest", aspect="equal")
        a.set(title=title, xlabel=xl, ylabel=yl)
    fig.legend(handles=[Patch(color=_colour(n, i), label=_label(n)) for i, n in enumerate(names)],
               loc="center right", title="material")
    fig.suptitle(f"{_label(study.name)}: {study.structure.kind}")
    return fig


def plot_cross_sections(study: StudySpec, path: str | Path, points: int = 400) -> Path:
    """Write ``cross_sections_figure`` to the PNG ``path`` (``hotlase show``)."""
    fig = cross_sections_figure(study, points)
    fig.tight_layout(rect=(0, 0, 0.85, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
