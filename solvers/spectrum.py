"""Spectrum run: reflectance, transmittance and absorption per material (docs/runfile.md).

R and T come from flux planes normalised by an incident-only run in the empty cell (Meep
tutorial "Transmittance spectrum of a waveguide bend": minus-flux-data subtraction). The
absorption of each lossy material is the volume integral of w Im(E*.D) over its voxels on
Meep's Yee grid (Meep example absorbed_power_density.py; docs/physics.md §4), divided by
the same incident flux, so R + T + sum A_material = 1 checks energy conservation.
"""

from __future__ import annotations

from collections.abc import Sequence

import math
from dataclasses import dataclass

import meep as mp
import numpy as np

from hotlase.geometry.contact import sheet_sides
from hotlase.geometry.primitives import Box, Cylinder, Layout
from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.units import nm_to_meep_freq, nm_to_meep_length
from hotlase.solvers.cell import Frame

_E = (mp.Ex, mp.Ey, mp.Ez)
_D = (mp.Dx, mp.Dy, mp.Dz)


def eps_table(study: StudySpec, layout: Layout, wavelengths_nm: np.ndarray,
              extra: list[str] | tuple = ()) -> dict[str, np.ndarray]:
    """{material: eps at each wavelength} for every material of the layout (and ``extra``
    names, e.g. contact sheets)."""
    names = dict.fromkeys([*layout.materials(), *extra])
    return {name: material_model(study, name).eps(wavelengths_nm) for name in names}


def spectrum_wavelengths_nm(study: StudySpec) -> np.ndarray:
    """The study's spectrum wavelengths (nm), ascending and evenly spaced in wavelength."""
    sim = study.simulation
    return np.linspace(sim.wavelength_min_nm, sim.wavelength_max_nm, sim.n_wavelengths)


@dataclass(frozen=True)
class LateralAxis:
    """A lateral axis of the absorption volume, to count each cell point once.

    cells: grid cells across the Meep cell; resolution: pixels per µm; lo, hi: the volume's
    extent (µm, Meep coordinates); periodic: the cell repeats along it; mirrored: a mirror
    plane at 0 (Meep then stores one half, and the volume covers only [0, hi]).
    """

    cells: int
    resolution: float
    lo: float
    hi: float
    periodic: bool
    mirrored: bool


@dataclass
class SpectrumMonitors:
    """Meep DFT objects of a spectrum run."""

    freqs: np.ndarray
    refl: object
    trans: object | None
    volumes: dict            # "all" -> dft_fields object (E and D on the Yee grid) over
    # the bounding box of every lossy material (its upper half along each mirror plane)
    axes: tuple = ()         # LateralAxis per lateral axis of that volume (x, then y in 3D)


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
                          materials: list[str], symmetries: Sequence = (),
                          wavelengths_nm=None) -> SpectrumMonitors:
    """Flux planes above and below the structure and E, D volumes over each lossy material,
    at ``wavelengths_nm`` (default: the study's spectrum wavelengths).

    Along an axis with a mirror plane the volume covers only its upper half: Meep steps just
    that half, and a volume over both halves costs the Fourier transform and every
    ``get_dft_array`` read the other half again (reads 9x slower with both mirrors, measured)
    for values the mirror already gives (``axis_weights`` counts them).
    """
    if wavelengths_nm is None:
        wavelengths_nm = spectrum_wavelengths_nm(study)
    freqs = np.asarray(nm_to_meep_freq(wavelengths_nm))
    c, s = frame.plane(frame.z_refl)
    refl = sim.add_flux(freqs, mp.FluxRegion(center=c, size=s))
    trans = None
    if not frame.metal_below:
        c, s = frame.plane(frame.z_trans)
        trans = sim.add_flux(freqs, mp.FluxRegion(center=c, size=s))
    volumes, axes = {}, []
    if materials:
        boxes = np.array([material_region(layout, frame, name) for name in materials])
        lo = list(boxes[:, 0::2].min(axis=0))
        hi = list(boxes[:, 1::2].max(axis=0))
        mirrored = {sym.direction for sym in symmetries}
        for i, direction in enumerate((mp.X, mp.Y)[: frame.dims - 1]):
            if direction in mirrored:
                lo[i], hi[i] = 0.0, max(abs(lo[i]), abs(hi[i]))
            lo[i], hi[i] = quarter_pixel_bounds(lo[i], hi[i], frame.resolution)
            axes.append(LateralAxis(int(round(frame.size_xy[i] * frame.resolution)),
                                    frame.resolution, lo[i], hi[i], frame.periodic[i],
                                    direction in mirrored))
        center = frame.vec((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2,
                           (lo[2] + hi[2]) / 2 - frame.z_center)
        size = frame.vec(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2])
        volumes["all"] = sim.add_dft_fields([*_E, *_D], freqs, center=center, size=size,
                                            yee_grid=True)
    return SpectrumMonitors(freqs, refl, trans, volumes, tuple(axes))


def quarter_pixel_bounds(lo: float, hi: float, resolution: float) -> tuple[float, float]:
    """[lo, hi] moved to the nearest quarter-pixel positions that keep the same Yee points.

    Meep returns a component's points from the last grid point at or below ``lo`` to the first
    at or above ``hi``; a bound on a grid point (a period's edge, the mirror plane) would make
    that depend on round-off. Grid points sit at whole half pixels, so floor(2 lo / dx) + 1/2
    half pixels selects the same points without ambiguity (likewise ceil for ``hi``).
    """
    h = 0.5 / resolution  # half a pixel
    return ((math.floor(lo / h + 1e-6) + 0.5) * h, (math.ceil(hi / h - 1e-6) - 0.5) * h)


def axis_weights(axis: LateralAxis, half: bool, count: int) -> np.ndarray:
    """How many distinct points of the cell each of ``count`` returned Yee points stands for.

    Meep's grid along a lateral axis has its corner points at whole pixels x = k dx (x = 0 on
    the mirror plane; an odd number of cells shifts the cell, not the grid) and E_d, D_d half a
    pixel off along d (``half``); a volume returns the points from the last at or below
    ``lo`` to the first at or above ``hi`` (``quarter_pixel_bounds``). So a volume spanning a
    period holds both images of its edge points (counted twice, energy balance 0.047 off at
    20 nm before this was handled), and a half volume holds the mirror images of the points
    next to the plane. Points are keyed by their orbit under the period and the mirror: the
    first point of an orbit gets the orbit's size (2: a point and its mirror image; 1: on the
    plane or the period's edge), repeats get 0. Positions are integers u = 2 x / dx.

    Raises:
        RuntimeError: Meep returned another number of points than this grid predicts.
    """
    parity = 1 if half else 0
    lo, hi = (2 * v * axis.resolution for v in (axis.lo, axis.hi))
    first = math.floor(lo)
    first -= (first - parity) % 2            # last point of this parity at or below lo
    last = math.ceil(hi)
    last += (last - parity) % 2              # first point of this parity at or above hi
    u = np.arange(first, last + 1, 2)
    if len(u) != count:
        raise RuntimeError(f"absorption volume: Meep returned {count} points along an axis "
                           f"where the grid has {len(u)} in [{axis.lo}, {axis.hi}] µm")
    key = u
    if axis.periodic:
        key = (key + axis.cells) % (2 * axis.cells) - axis.cells  # into [-P/2, P/2)
    size = np.ones(len(u))
    if axis.mirrored:
        key = np.abs(key)
        self_image = (key == 0) | (axis.periodic & (key == axis.cells))
        size[~self_image] = 2.0
    _, first_of_orbit = np.unique(key, return_index=True)
    weights = np.zeros(len(u))
    weights[first_of_orbit] = size[first_of_orbit]
    return weights


def point_weights(axes: tuple, component_axis: int, shape: tuple) -> np.ndarray:
    """Weights of every point of a DFT array (``axis_weights`` per lateral axis, 1 along z).

    A component the run does not carry (Ez of a 2D TE-like run) comes back as a 0-d array of
    zeros: weight 0.
    """
    if len(shape) == 0:
        return np.zeros(shape)
    w = np.ones(shape)
    for i, axis in enumerate(axes):
        wi = axis_weights(axis, component_axis == i, shape[i])
        w *= wi.reshape([-1 if j == i else 1 for j in range(len(shape))])
    return w


def absorbed_by_material(sim: mp.Simulation, dft, freqs: np.ndarray, dims: int,
                         eps_by_material: dict[str, np.ndarray], axes: tuple = ()) -> dict[str, np.ndarray]:
    """Integral of w Im(E*.D) over each material's Yee points, at each frequency (Meep units).

    Meep example absorbed_power_density.py (w = 2 pi f; E and D co-located per component on
    the Yee grid); docs/physics.md §4. Each Yee point is attributed to the material whose
    eps(w) is nearest to the point's own D/E: Meep does not average dispersive media, so
    D/E there *is* that material's eps, and boxes drawn around materials would double-count
    the points on shared interfaces (seen: 50 % excess at the rod/metal contact). Points
    are classified once, at mid-band (a point's material does not depend on frequency;
    points where E vanishes there contribute nothing at any frequency that matters), and
    weighted by ``point_weights`` (period images once, mirror images from the stored half).
    """
    names = list(eps_by_material)
    dv = (1.0 / sim.resolution) ** dims
    out = {name: np.zeros(len(freqs)) for name in names}
    mid = len(freqs) // 2
    table = np.array([eps_by_material[n][mid] for n in names])
    owners, weights = [], []  # a point's material does not change with frequency: once, mid-band
    for axis, (ce, cd) in enumerate(zip(_E, _D)):
        e = np.asarray(sim.get_dft_array(dft, ce, mid))
        d = np.asarray(sim.get_dft_array(dft, cd, mid))
        weights.append(point_weights(axes, axis, e.shape).ravel())
        ratio = np.divide(d, e, out=np.zeros_like(d), where=np.abs(e) > 0).ravel()
        owners.append(np.argmin(np.abs(ratio[:, None] - table[None, :]), axis=1))
    for i, f in enumerate(freqs):
        for (ce, cd), owner, w in zip(zip(_E, _D), owners, weights):
            e = np.asarray(sim.get_dft_array(dft, ce, i)).ravel()
            d = np.asarray(sim.get_dft_array(dft, cd, i)).ravel()
            sums = np.bincount(owner, weights=w * np.imag(np.conj(e) * d), minlength=len(names))
            for j, name in enumerate(names):
                out[name][i] += 2 * math.pi * f * sums[j] * dv
    return out


def collect_spectrum(sim: mp.Simulation, mon: SpectrumMonitors, incident_flux: np.ndarray,
                     dims: int, eps_by_material: dict[str, np.ndarray], lossy: list[str]) -> dict:
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
                                        {name: eps_by_material[name] for name in lossy}, mon.axes)
        by_material = fold_sheets({name: absorbed[name] / incident_flux for name in lossy},
                                  eps_by_material)
    return {"R": R, "T": T, "A": 1.0 - R - T, "A_by_material": by_material,
            "energy_balance_max_error": balance_error(R, T, by_material)}


def balance_error(R: np.ndarray, T: np.ndarray, by_material: dict[str, np.ndarray]) -> float:
    """max |R + T + sum of A_by_material - 1| over the wavelengths (Poynting's theorem: what
    is not reflected or transmitted is absorbed in some material)."""
    total = R + T + sum(by_material.values(), np.zeros_like(R))
    return float(np.max(np.abs(total - 1.0)))


def absorbing_sheets(sheets: list[str], lossy: list[str]) -> list[str]:
    """The contact sheets (geometry.contact names, once each) with a lossy side: the only ones
    ``absorbed_by_material`` may hand points to. A lossless sheet (Al2O3|vacuum on a spacer,
    eps ~2) would take the rods' averaged wall points by nearest eps, and ``fold_sheets``
    would drop their absorption (rods on a 20 nm Al2O3 spacer at 10 nm: R + T + sum A - 1 =
    -0.057 with it, 0.009 without)."""
    return [name for name in dict.fromkeys(sheets)
            if any(side in lossy for side in sheet_sides(name) or ())]


def fold_sheets(absorbed: dict[str, np.ndarray], eps_by_material: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Absorption of each contact sheet (geometry.contact, medium (eps_a + eps_b)/2) handed to
    its two sides in proportion to Im eps_a : Im eps_b, the share of each in
    w Im(E*.D) = w |E|^2 (Im eps_a + Im eps_b)/2; a lossless side (air) gets nothing."""
    out = {name: a for name, a in absorbed.items() if sheet_sides(name) is None}
    for name, a in absorbed.items():
        sides = sheet_sides(name)
        if sides is None:
            continue
        loss = [np.maximum(np.imag(eps_by_material[side]), 0.0) for side in sides]
        total = loss[0] + loss[1]
        for side, part in zip(sides, loss):
            share = np.divide(part, total, out=np.zeros_like(total), where=total > 0)
            if np.any(share > 0):
                out[side] = out.get(side, np.zeros_like(a)) + a * share
    return out


BALANCE_LIMIT = 0.5  # |R + T + sum A_material - 1| beyond this is no result (check_balance)


def check_balance(result: dict) -> None:
    """Refuse a spectrum that breaks energy conservation grossly (a slow divergence the
    growth check did not stop, or a broken run): R + T + sum A_material = 1 for a passive
    structure (Poynting's theorem), and converged runs meet it to a few 0.01 (README).

    Raises:
        RuntimeError: naming the error, so the run file is marked failed, not complete.
    """
    err = result["energy_balance_max_error"]
    values = np.concatenate([result["R"], result["T"], *result["A_by_material"].values()])
    if not (math.isfinite(err) and np.all(np.isfinite(values))) or err > BALANCE_LIMIT:
        raise RuntimeError(
            f"energy balance: max |R + T + A_by_material - 1| = {err:.3g} (limit {BALANCE_LIMIT:g}), "
            f"R up to {np.nanmax(np.abs(result['R'])):.3g}: the fields grew (diverged) or the run is "
            "broken, so the spectrum is not a result; refine simulation.resolution_nm or set "
            "simulation.symmetry = false and rerun")


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
