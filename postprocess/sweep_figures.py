"""Spectra across a sweep: R(λ, parameter) and A(λ, parameter) maps (``hotlase collect``).

``spectrum_grid`` puts the spectra of the points (one per parameter value) on one
wavelength grid; ``plot_spectrum_maps`` draws them. Same conventions as
``postprocess.figures`` (``ax=None``, returns the Figure, no backend chosen). numpy/h5py/
matplotlib only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from hotlase.geometry.plot import figure_and_axes
from hotlase.postprocess.runfile import Spectrum


@dataclass(frozen=True)
class SpectrumGrid:
    """Spectra of several sweep points on one grid.

    Attributes:
        parameter: the swept values, ascending (p,); wavelength_nm: (n,) the first point's
            grid (every spectrum interpolated onto it; NaN outside a point's own band).
        R, A: (n, p) reflectance and flux-box absorptance.
    """

    parameter: np.ndarray = field(repr=False)
    wavelength_nm: np.ndarray = field(repr=False)
    R: np.ndarray = field(repr=False)
    A: np.ndarray = field(repr=False)


def spectrum_grid(values: list[float], spectra: list[Spectrum]) -> SpectrumGrid:
    """Sort by parameter value and interpolate each spectrum onto the first one's wavelengths."""
    if not spectra or len(values) != len(spectra):
        raise ValueError(f"spectrum_grid: {len(values)} values for {len(spectra)} spectra")
    order = np.argsort(np.asarray(values, float), kind="stable")
    wl = np.asarray(spectra[order[0]].wavelength_nm, float)

    def column(s: Spectrum, y: np.ndarray) -> np.ndarray:
        return np.interp(wl, s.wavelength_nm, y, left=np.nan, right=np.nan)

    return SpectrumGrid(np.asarray(values, float)[order], wl,
                        np.stack([column(spectra[i], spectra[i].R) for i in order], axis=1),
                        np.stack([column(spectra[i], spectra[i].A) for i in order], axis=1))


def plot_spectrum_maps(grid: SpectrumGrid, parameter_label: str, title: str = "",
                       ax: Any = None) -> Figure:
    """R and A (flux box) as colour maps over (swept parameter, wavelength).

    ``ax``: two axes, or None for a new Figure. A single parameter value is drawn as a
    one-column map (its spectrum).
    """
    fig, axes = figure_and_axes(ax, 2, (11, 4.5), "spectrum maps")
    for a, (name, data, cmap) in zip(axes, (("R", grid.R, "viridis"),
                                            ("A (flux box)", grid.A, "magma"))):
        im = a.pcolormesh(grid.parameter, grid.wavelength_nm, data, shading="nearest", cmap=cmap,
                          vmin=0.0, vmax=max(1.0, float(np.nanmax(data)) if np.isfinite(data).any() else 1.0))
        a.set_xlabel(parameter_label)
        a.set_ylabel("vacuum wavelength (nm)")
        a.set_title(f"{title}\n{name} vs {parameter_label}".strip(), fontsize=10)
        fig.colorbar(im, ax=a, label=f"{name} (1)")
    return fig
