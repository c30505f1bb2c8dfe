"""Fields run: DFT E and H at chosen wavelengths on a grid through the structure, in SI.

Wavelengths: the pump, the emission line and each plasmon mode found by the modes run. The
fields are those of the study's plane wave scaled to its pump intensity (solvers.normalise);
eps and material ids come from the same Layout on the same grid, so post-processing can form
absorbed power and hot-electron rates without Meep (docs/runfile.md, fields/<tag>/).
"""

from __future__ import annotations

import json

import meep as mp
import numpy as np

from hotlase.geometry.primitives import Layout
from hotlase.geometry.raster import material_grid
from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.units import Z0_OHM, meep_length_to_nm, nm_to_meep_freq
from hotlase.solvers.cell import Frame
from hotlase.solvers.normalise import field_scale_v_m, incident_field_v_m

_EH = (mp.Ex, mp.Ey, mp.Ez, mp.Hx, mp.Hy, mp.Hz)
MAX_MODE_MAPS = 4


def field_targets(study: StudySpec, mode_wavelengths_nm=()) -> list[tuple[str, float]]:
    """(tag, wavelength nm): pump, emission, then up to MAX_MODE_MAPS modes in the band."""
    sim = study.simulation
    out = [("pump", sim.pump_wavelength_nm), ("emission", sim.emission_wavelength_nm)]
    inside = [w for w in mode_wavelengths_nm if sim.wavelength_min_nm <= w <= sim.wavelength_max_nm]
    out += [(f"mode_{i}", float(w)) for i, w in enumerate(inside[:MAX_MODE_MAPS])]
    return out


def field_region(frame: Frame) -> tuple[mp.Vector3, mp.Vector3]:
    """Cell interior from a quarter padding below the finite layers to a quarter above the top."""
    pad = (frame.z_refl - frame.z_top) / 2
    lo, hi = frame.z_bottom - pad, frame.z_top + pad
    center, size = frame.region(lo, hi)
    if not all(frame.periodic) and frame.dims > 1:  # keep lateral PML out of the maps
        sx, sy = frame.size_xy
        cut = lambda s, p: max(s - (0 if p else 2 * frame.pml), 0)  # noqa: E731
        size = frame.vec(cut(sx, frame.periodic[0]), cut(sy, frame.periodic[1]), hi - lo)
    return center, size


def add_field_monitor(sim: mp.Simulation, frame: Frame, targets: list[tuple[str, float]]):
    """DFT E and H at the target wavelengths, interpolated to one common grid."""
    freqs = [float(nm_to_meep_freq(w)) for _, w in targets]
    center, size = field_region(frame)
    return sim.add_dft_fields(list(_EH), freqs, center=center, size=size, yee_grid=False)


def _ours(frame: Frame, arrays: list[np.ndarray]) -> np.ndarray:
    """Meep component arrays (x, y, z order, Meep axes) -> our (3, nx, ny, nz)."""
    a = [np.asarray(x) for x in arrays]
    shape = max((x.shape for x in a), key=lambda sh: int(np.prod(sh)) if sh else 0)
    # components a cell does not have (Ez in 1D) come back empty: they are zero
    a = [x if x.shape == shape else np.zeros(shape, complex) for x in a]
    if frame.dims == 1:
        return np.stack([x.reshape(1, 1, -1) for x in a])
    if frame.dims == 2:  # Meep (x, y) is our (x, z); Meep z is our y
        ex, ey, ez = (x.reshape(x.shape[0], 1, -1) for x in a)
        return np.stack([ex, ez, ey])
    return np.stack(a)


def coordinates_nm(sim: mp.Simulation, frame: Frame, dft) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Our (x, y, z) voxel coordinates in nm of a DFT grid (z = 0 at the top of the layers)."""
    x, y, z, _w = sim.get_array_metadata(dft_cell=dft)
    nm = lambda v: np.atleast_1d(np.asarray(meep_length_to_nm(np.asarray(v, float))))  # noqa: E731
    if frame.dims == 1:
        return np.array([0.0]), np.array([0.0]), nm(np.asarray(z) + frame.z_center)
    if frame.dims == 2:
        return nm(x), np.array([0.0]), nm(np.asarray(y) + frame.z_center)
    return nm(x), nm(y), nm(np.asarray(z) + frame.z_center)


def write_fields(writer, sim: mp.Simulation, study: StudySpec, frame: Frame, layout: Layout, dft,
                 targets: list[tuple[str, float]], incident_flux_per_area: np.ndarray) -> None:
    """fields/<tag>/ groups (docs/runfile.md): E, H in SI, eps, material_id, coordinates."""
    x_nm, y_nm, z_nm = coordinates_nm(sim, frame, dft)
    names, ids = material_grid(layout, x_nm, y_nm, z_nm)
    models = [material_model(study, n) for n in names]
    intensity = study.simulation.pump_intensity_w_m2
    n_top = float(np.sqrt(models[names.index(layout.background)].eps(study.simulation.pump_wavelength_nm)).real)
    voxel = float(np.prod([meep_length_to_nm(1.0 / sim.resolution)] * 3))
    for i, (tag, wl) in enumerate(targets):
        scale = float(field_scale_v_m(intensity, incident_flux_per_area[i]))
        arrays = [sim.get_dft_array(dft, c, i) for c in _EH]
        E = _ours(frame, arrays[:3]) * scale
        H = _ours(frame, arrays[3:]) * scale / Z0_OHM
        eps_table = np.array([complex(m.eps(wl)) for m in models])
        g = f"fields/{tag}"
        writer.dataset(f"{g}/E", E.astype(np.complex64), "V/m", f"electric field phasor at {wl:.1f} nm")
        writer.dataset(f"{g}/H", H.astype(np.complex64), "A/m", f"magnetic field phasor at {wl:.1f} nm")
        writer.dataset(f"{g}/eps", eps_table[ids].astype(np.complex64), "1", "relative permittivity")
        writer.dataset(f"{g}/material_id", ids.astype(np.int8), "1", "index into attribute materials")
        writer.dataset(f"{g}/x_nm", x_nm, "nm", "x of voxel centres")
        writer.dataset(f"{g}/y_nm", y_nm, "nm", "y of voxel centres")
        writer.dataset(f"{g}/z_nm", z_nm, "nm", "z of voxel centres (0 = top of the layers)")
        writer.attrs(g, wavelength_nm=float(wl), intensity_w_m2=float(intensity), tag=tag,
                     incident_field_v_m=incident_field_v_m(intensity, n_top),
                     materials=json.dumps(list(names)),
                     material_models=json.dumps({n: m.name for n, m in zip(names, models)}),
                     metal_materials=json.dumps([n for n, m in zip(names, models) if m.is_metal]),
                     voxel_volume_nm3=voxel if frame.dims == 3 else voxel / float(
                         meep_length_to_nm(1.0 / sim.resolution)) ** (3 - frame.dims))
