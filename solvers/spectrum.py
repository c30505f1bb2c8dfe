"""Spectrum run: reflectance, transmittance and absorption per material (docs/runfile.md).

R and T come from flux planes normalised by an incident-only run in the empty cell (Meep
tutorial "Transmittance spectrum of a waveguide bend": minus-flux-data subtraction). The
absorption of each lossy material is the volume integral of w Im(E*.D) over its voxels on
Meep's Yee grid (Meep example absorbed_power_density.py; design/physics.md §4), divided by
the same incident flux, so R + T + sum A_material = 1 checks energy conservation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import meep as mp
import numpy as np

from geometry.primitives import Box, Cylinder, Layout
from geometry.study import StudySpec, material_model
from geometry.units import nm_to_meep_freq, nm_to_meep_length
from solvers.cell import Frame

_E = (mp.Ex, mp.Ey, mp.Ez)
_D = (mp.Dx, mp.Dy, mp.Dz)


def eps_table(study: StudySpec, layout: Layout, wavelengths_nm: np.ndarray) -> dict[str, np.ndarray]:
    """{material: eps at each wavelength} for every material of the layout."""
    return {name: material_model(study, name).eps(wavelengths_nm) for name in layout.materials()}


def spectrum_wavelengths_nm(study: StudySpec) -> np.ndarray:
    """The study's spectrum wavelengths (nm), ascending and evenly spaced in wavelength."""
    sim = study.simulation
    return np.linspace(sim.wavelength_min_nm, sim.wavelength_max_nm, sim.n_wavelengths)


@dataclass
class SpectrumMonitors:
    """Meep DFT objects of a spectrum run."""

    freqs: np.ndarray
    refl: object
    trans: object | None
    volumes: dict            # "all" -> dft_fields object (E and D on the Yee grid) over
    # the bounding box of every lossy material


def lossy_materials(study: StudySpec, layout: Layout) -> list[str]:
    """Materials with loss in the band (metals, absorbing perovskites); others add no A."""
    out = []
    for name in layout.materials():
        model = material_model(study, name)
        if model.is_metal or model.d_conductivity_ev or any(p.gamma_ev > 0 for p in model.poles):
            out.append(name)
    return out


def material_region(layout: Layout, frame: Frame, name: str) -> tuple[float, float, float, float, float, float]:
    """Bounding box (x0, x1, y0, y1, z0, z1) in µm, our coordinates, of a material's shapes,
    clipped to the cell interior (PML and absorbers excluded)."""
    um = lambda v: float(nm_to_meep_length(v))  # noqa: E731
    sx, sy = frame.size_xy
    pml_x = 0 if frame.periodic[0] else frame.pml
    pml_y = 0 if frame.periodic[1] else frame.pml
    lim = (-sx / 2 + pml_x, sx / 2 - pml_x, -sy / 2 + pml_y, sy / 2 - pml_y,
           frame.z_min + (2 if frame.metal_below else 1) * frame.pml, frame.z_max - frame.pml)
    boxes = []
    if layout.substrate == name:
        boxes.append((-math.inf, math.inf, -math.inf, math.inf, -math.inf, frame.z_bottom))
    for prim in layout.primitives:
        if prim.material != name:
            continue
        cx, cy, cz = (um(c) for c in prim.center_nm)
        if isinstance(prim, Box):
            hx, hy, hz = (um(s) / 2 for s in prim.size_nm)
        else:
            r, h = um(prim.radius_nm), um(prim.height_nm) / 2
            hx, hy, hz = {"z": (r, r, h), "x": (h, r, r), "y": (r, h, r)}[prim.axis]
        boxes.append((cx - hx, cx + hx, cy - hy, cy + hy, cz - hz, cz + hz))
    if not boxes:
        return lim
    b = np.array(boxes)
    lo, hi = b[:, 0::2].min(axis=0), b[:, 1::2].max(axis=0)
    out = []
    for i in range(3):
        out += [max(lo[i], lim[2 * i]), min(hi[i], lim[2 * i + 1])]
    if frame.periodic[0]:
        out[0:2] = lim[0:2]
    if frame.periodic[1]:
        out[2:4] = lim[2:4]
    return tuple(out)


def add_spectrum_monitors(sim: mp.Simulation, study: StudySpec, frame: Frame, layout: Layout,
                          materials: list[str]) -> SpectrumMonitors:
    """Flux planes above and below the structure and E, D volumes over each lossy material."""
    freqs = np.asarray(nm_to_meep_freq(spectrum_wavelengths_nm(study)))
    c, s = frame.plane(frame.z_refl)
    refl = sim.add_flux(freqs, mp.FluxRegion(center=c, size=s))
    trans = None
    if not frame.metal_below:
        c, s = frame.plane(frame.z_trans)
        trans = sim.add_flux(freqs, mp.FluxRegion(center=c, size=s))
    volumes = {}
    if materials:
        boxes = np.array([material_region(layout, frame, name) for name in materials])
        x0, y0, z0 = boxes[:, 0::2].min(axis=0)
        x1, y1, z1 = boxes[:, 1::2].max(axis=0)
        center = frame.vec((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2 - frame.z_center)
        size = frame.vec(x1 - x0, y1 - y0, z1 - z0)
        volumes["all"] = sim.add_dft_fields([*_E, *_D], freqs, center=center, size=size,
                                            yee_grid=True)
    return SpectrumMonitors(freqs, refl, trans, volumes)


def periodic_cells(frame: Frame) -> tuple:
    """Cells per period along each lateral array axis of a DFT volume (None: not periodic)."""
    if frame.dims == 1:
        return ()
    cells = tuple(int(round(size * frame.resolution)) if per else None
                  for size, per in zip(frame.size_xy, frame.periodic))
    return cells[: frame.dims - 1]


def _one_period(a: np.ndarray, cells: tuple) -> np.ndarray:
    """Drop the repeated edge points of a DFT volume that spans a whole period: Meep returns
    both boundary images (e.g. 16 x 17 Ex points for a 15 x 15-cell period), which counted
    the edge columns twice (energy balance 0.047 off at 20 nm; 0.005 with them dropped)."""
    for axis, n in enumerate(cells):
        if n is not None and a.ndim > axis and a.shape[axis] > n:
            a = np.take(a, range(n), axis=axis)
    return a


def absorbed_by_material(sim: mp.Simulation, dft, freqs: np.ndarray, dims: int,
                         eps_by_material: dict[str, np.ndarray], cells: tuple = ()) -> dict[str, np.ndarray]:
    """Integral of w Im(E*.D) over each material's Yee points, at each frequency (Meep units).

    Meep example absorbed_power_density.py (w = 2 pi f; E and D co-located per component on
    the Yee grid); design/physics.md §4. Each Yee point is attributed to the material whose
    eps(w) is nearest to the point's own D/E: Meep does not average dispersive media, so
    D/E there *is* that material's eps, and boxes drawn around materials would double-count
    the points on shared interfaces (seen: 50 % excess at the rod/metal contact). Points
    are classified once, at mid-band (a point's material does not depend on frequency;
    points where E vanishes there contribute nothing at any frequency that matters).
    """
    names = list(eps_by_material)
    dv = (1.0 / sim.resolution) ** dims
    out = {name: np.zeros(len(freqs)) for name in names}
    mid = len(freqs) // 2
    table = np.array([eps_by_material[n][mid] for n in names])
    owners = []  # a point's material does not change with frequency: classify once, mid-band
    for ce, cd in zip(_E, _D):
        e = _one_period(np.asarray(sim.get_dft_array(dft, ce, mid)), cells).ravel()
        d = _one_period(np.asarray(sim.get_dft_array(dft, cd, mid)), cells).ravel()
        ratio = np.divide(d, e, out=np.zeros_like(d), where=np.abs(e) > 0)
        owners.append(np.argmin(np.abs(ratio[:, None] - table[None, :]), axis=1))
    for i, f in enumerate(freqs):
        for (ce, cd), owner in zip(zip(_E, _D), owners):
            e = _one_period(np.asarray(sim.get_dft_array(dft, ce, i)), cells).ravel()
            d = _one_period(np.asarray(sim.get_dft_array(dft, cd, i)), cells).ravel()
            sums = np.bincount(owner, weights=np.imag(np.conj(e) * d), minlength=len(names))
            for j, name in enumerate(names):
                out[name][i] += 2 * math.pi * f * sums[j] * dv
    return out


def collect_spectrum(sim: mp.Simulation, mon: SpectrumMonitors, incident_flux: np.ndarray,
                     dims: int, eps_by_material: dict[str, np.ndarray], lossy: list[str],
                     cells: tuple = ()) -> dict:
    """R, T, A (flux box) and A by material, each divided by the incident flux.

    Flux planes face +z and the light travels down, so ``incident_flux`` is the downward
    (positive) incident power: minus Meep's flux of the incident-only run.
    """
    R = np.asarray(mp.get_fluxes(mon.refl)) / incident_flux
    T = -np.asarray(mp.get_fluxes(mon.trans)) / incident_flux if mon.trans else np.zeros_like(R)
    by_material = {}
    if mon.volumes:
        # lossless media absorb nothing, so every absorbing point belongs to a lossy one:
        # classifying among lossy materials only keeps the interface points (eps averaged
        # with a neighbour) that a vacuum or SiO2 match would drop (0.03-0.04 at 20 nm)
        absorbed = absorbed_by_material(sim, mon.volumes["all"], mon.freqs, dims,
                                        {name: eps_by_material[name] for name in lossy}, cells)
        by_material = {name: absorbed[name] / incident_flux for name in lossy}
    total = R + T + sum(by_material.values(), np.zeros_like(R))
    return {"R": R, "T": T, "A": 1.0 - R - T, "A_by_material": by_material,
            "energy_balance_max_error": float(np.max(np.abs(total - 1.0)))}


def write_spectrum(writer, result: dict, wavelengths_nm: np.ndarray, incident_flux: np.ndarray) -> None:
    """spectrum/ group of the run file (docs/runfile.md), wavelengths ascending."""
    writer.dataset("spectrum/wavelength_nm", wavelengths_nm, "nm", "vacuum wavelength")
    writer.dataset("spectrum/R", result["R"], "1", "reflectance")
    writer.dataset("spectrum/T", result["T"], "1", "transmittance")
    writer.dataset("spectrum/A", result["A"], "1", "absorptance from flux planes, 1 - R - T")
    for name, a in result["A_by_material"].items():
        writer.dataset(f"spectrum/A_by_material/{name}", a, "1",
                       f"absorptance in {name}: volume integral of w Im(E*.D) / incident flux")
    writer.dataset("spectrum/incident_flux", incident_flux, "arb.", "incident flux (normalisation run)")
    writer.attrs("spectrum", energy_balance_max_error=result["energy_balance_max_error"])
