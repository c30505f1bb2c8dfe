"""Absorbed power maps and totals by material from a fields run, as fractions of the incident power.

Headline absorption (what the report and the hot-electron upper bound use) is the spectrum
run's energy-balanced ``A_by_material`` at the tag's wavelength (``headline_absorption``); the
field-map integral is a check against it (``ABSORPTION_CHECK_TOL``) and never a headline when
the spectrum is there. An absorbed fraction above 1 is refused with its reason, never clipped.

p(r) comes from ``postprocess.optics.absorbed_power_density_w_m3`` (docs/physics.md §4); this
module only walks the field in z-slabs (bounded memory), sums by material, normalises by the
incident power (intensity x lateral cell area of the unit cell) and cross-checks against the
spectrum run's volume-integral ``A_by_material`` at the nearest wavelength. It also collects
the planes the figures need (xz through a rod, xy just above z = 0) and the field enhancement
|E|/|E0| in the rods and above the surface.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.kinds import gain_material_of
from hotlase.geometry.study import StudySpec
from hotlase.postprocess import optics
from hotlase.postprocess.runfile import DEFAULT_SLAB_VOXELS, Run, Spectrum, field_grid, iter_field_slabs


def cell_area_m2(study: StudySpec) -> float:
    """Lateral area of the simulated cell (m^2): what the incident intensity falls on.

    A collapsed direction (2D cross-section, 1D stack) counts as 1 nm, matching the run file's
    per-unit-length voxel volume (docs/runfile.md).
    """
    sx, sy = build(study.structure).cell_xy_nm
    return (sx if sx > 0 else 1.0) * (sy if sy > 0 else 1.0) * 1e-18


def gain_material(study: StudySpec) -> str | None:
    """The perovskite (rod or wire) material, or None for a plain film stack (its kind's
    ``gain_path``, geometry.kinds)."""
    return gain_material_of(study.structure)


@dataclass(frozen=True)
class FieldMaps:
    """2D cuts for figures (all on the run's voxel grid).

    Attributes:
        x_nm, y_nm, z_nm: coordinates of the grid (nm).
        y_cut_nm: y of the xz cut (through a rod axis); z_cut_nm: z of the xy cut (first plane
            above z = 0), None if the grid has no plane above 0.
        enhancement_xz: |E|/|E0| on the xz cut, (nx, nz).
        enhancement_xy: |E|/|E0| on the xy cut, (nx, ny) or None.
        power_xz_w_m3: absorbed power density on the xz cut, (nx, nz).
        material_xz: material_id on the xz cut, (nx, nz).
        material_xy: material_id on the xy cut, (nx, ny) or None (outlines of the xy map).
    """

    x_nm: np.ndarray
    y_nm: np.ndarray
    z_nm: np.ndarray
    y_cut_nm: float
    z_cut_nm: float | None
    enhancement_xz: np.ndarray
    enhancement_xy: np.ndarray | None
    power_xz_w_m3: np.ndarray
    material_xz: np.ndarray
    material_xy: np.ndarray | None = None


@dataclass(frozen=True)
class TagAbsorption:
    """Absorption of one field tag.

    Attributes:
        tag, wavelength_nm: the field tag and its vacuum wavelength (nm).
        intensity_w_m2: incident intensity (W/m^2); cell_area_m2: lateral cell area (m^2).
        incident_power_w: intensity x cell area (W) (per 1 nm length in 2D runs).
        power_by_material_w: absorbed power by material name (W).
        fraction_by_material: the same over the incident power (1).
        grid_area_m2: lateral area the field grid covers (m^2); differs from the cell area
            when the map misses part of the cell (then the fractions are too small).
        gain_material: the perovskite name (None for film stacks).
        gain_intensity_enhancement_mean: mean |E|^2/|E0|^2 over the perovskite voxels.
        gain_field_enhancement_peak: max |E|/|E0| in the perovskite.
        above_surface_enhancement_mean, above_surface_enhancement_peak: mean and max |E|/|E0|
            on the first grid plane above z = 0 (NaN if none).
        maps: cuts for the figures.
    """

    tag: str
    wavelength_nm: float
    intensity_w_m2: float
    cell_area_m2: float
    incident_power_w: float
    power_by_material_w: dict[str, float]
    fraction_by_material: dict[str, float]
    grid_area_m2: float
    gain_material: str | None
    gain_intensity_enhancement_mean: float
    gain_field_enhancement_peak: float
    above_surface_enhancement_mean: float
    above_surface_enhancement_peak: float
    maps: FieldMaps = field(repr=False)

    @property
    def total_fraction(self) -> float:
        """Sum of the absorbed fractions over all materials."""
        return float(sum(self.fraction_by_material.values()))


@dataclass(frozen=True)
class SpectrumCheck:
    """Fields-run absorption vs the spectrum run's A_by_material at the nearest wavelength.

    Attributes:
        wavelength_nm: the tag's wavelength; spectrum_wavelength_nm: the nearest grid point.
        fields_fraction, spectrum_fraction: {material: fraction} from each run.
        mismatch: {material: fields - spectrum} (absolute, in units of the incident power).
    """

    wavelength_nm: float
    spectrum_wavelength_nm: float
    fields_fraction: dict[str, float]
    spectrum_fraction: dict[str, float]
    mismatch: dict[str, float]

    @property
    def max_abs_mismatch(self) -> float:
        """Largest |mismatch| over the materials (0 if none in common)."""
        return max((abs(v) for v in self.mismatch.values()), default=0.0)

    def failure(self, tolerance: float | None = None) -> str | None:
        """Why the field-map absorption fails the check (None when it passes).

        Fails when a material differs from A_by_material by more than ``tolerance`` (default
        ABSORPTION_CHECK_TOL) or when the map's fractions are unphysical (> 1 in total).
        """
        tol = ABSORPTION_CHECK_TOL if tolerance is None else tolerance
        reasons = unphysical_fractions(self.fields_fraction)
        if self.mismatch and self.max_abs_mismatch > tol:
            worst = max(self.mismatch, key=lambda k: abs(self.mismatch[k]))
            reasons.insert(0, f"field map differs from A_by_material by "
                              f"{self.mismatch[worst]:+.3f} in {worst} (tolerance {tol:g})")
        return "; ".join(reasons) or None


def analyze_absorption(run: Run, tag: str, slab_voxels: int = DEFAULT_SLAB_VOXELS) -> TagAbsorption:
    """Absorbed power by material and field-enhancement statistics of ``fields/<tag>``.

    Reads E, eps and material_id in z-slabs of about ``slab_voxels`` voxels, so memory stays
    bounded by the slab (plus 2D cuts), whatever the grid size.
    """
    grid = field_grid(run, tag)
    layout = build(run.study.structure)
    nx, ny, nz = grid.shape
    y_axis = layout.rod_centers_nm[0][1] if layout.rod_centers_nm else 0.0
    jy = int(np.argmin(np.abs(grid.y_nm - y_axis)))
    above = np.nonzero(grid.z_nm > 0)[0]
    kz_cut = int(above[0]) if above.size else None
    gain = gain_material(run.study)
    gain_id = grid.materials.index(gain) if gain in grid.materials else None

    totals = {name: 0.0 for name in grid.materials}
    p_xz = np.zeros((nx, nz))
    enh_xz = np.zeros((nx, nz))
    mat_xz = np.zeros((nx, nz), dtype=np.int16)
    enh_xy = mat_xy = None
    gain_sum, gain_count, gain_peak = 0.0, 0, 0.0
    for slab in iter_field_slabs(run, tag, ("E", "eps", "material_id"), slab_voxels=slab_voxels):
        e, eps, mid = slab.data["E"], slab.data["eps"], slab.data["material_id"]
        p = optics.absorbed_power_density_w_m3(e, eps, grid.wavelength_nm)
        by = optics.absorbed_power_by_material_w(p, mid, grid.materials, grid.voxel_volume_m3)
        for name, watts in by.items():
            totals[name] = totals.get(name, 0.0) + float(watts)
        enh = optics.field_enhancement(e, grid.incident_field_v_m)
        p_xz[:, slab.k0:slab.k1] = p[:, jy, :]
        enh_xz[:, slab.k0:slab.k1] = enh[:, jy, :]
        mat_xz[:, slab.k0:slab.k1] = mid[:, jy, :]
        if kz_cut is not None and slab.k0 <= kz_cut < slab.k1:
            enh_xy = np.array(enh[:, :, kz_cut - slab.k0])
            mat_xy = np.array(mid[:, :, kz_cut - slab.k0])
        if gain_id is not None:
            inside = mid == gain_id
            if inside.any():
                gain_sum += float(np.sum(enh[inside] ** 2))
                gain_count += int(inside.sum())
                gain_peak = max(gain_peak, float(enh[inside].max()))
    area = cell_area_m2(run.study)
    incident = grid.intensity_w_m2 * area
    dx, dy, _ = grid.spacing_nm
    maps = FieldMaps(grid.x_nm, grid.y_nm, grid.z_nm, float(grid.y_nm[jy]),
                     None if kz_cut is None else float(grid.z_nm[kz_cut]),
                     enh_xz, enh_xy, p_xz, mat_xz, mat_xy)
    return TagAbsorption(
        tag=tag, wavelength_nm=grid.wavelength_nm, intensity_w_m2=grid.intensity_w_m2,
        cell_area_m2=area, incident_power_w=incident,
        power_by_material_w=totals,
        fraction_by_material={k: v / incident for k, v in totals.items()},
        grid_area_m2=nx * dx * ny * dy * 1e-18,
        gain_material=gain,
        gain_intensity_enhancement_mean=gain_sum / gain_count if gain_count else float("nan"),
        gain_field_enhancement_peak=gain_peak if gain_count else float("nan"),
        above_surface_enhancement_mean=float(enh_xy.mean()) if enh_xy is not None else float("nan"),
        above_surface_enhancement_peak=float(enh_xy.max()) if enh_xy is not None else float("nan"),
        maps=maps,
    )


def check_against_spectrum(absorption: TagAbsorption, spectrum: Spectrum) -> SpectrumCheck:
    """Compare a tag's absorbed fractions with the spectrum's A_by_material (nearest wavelength)."""
    i = spectrum.nearest(absorption.wavelength_nm)
    spec = {k: float(v[i]) for k, v in spectrum.A_by_material.items()}
    common = [k for k in absorption.fraction_by_material if k in spec]
    return SpectrumCheck(
        wavelength_nm=absorption.wavelength_nm,
        spectrum_wavelength_nm=float(spectrum.wavelength_nm[i]),
        fields_fraction=dict(absorption.fraction_by_material),
        spectrum_fraction=spec,
        mismatch={k: absorption.fraction_by_material[k] - spec[k] for k in common},
    )


ABSORPTION_CHECK_TOL = 0.02  # |field map - A_by_material| (of the incident power) that fails
NEGATIVE_TOL = 0.01  # a fraction below -this is refused too (above it: noise of the run)


def unphysical_fractions(fractions: dict[str, float]) -> list[str]:
    """Reasons the absorbed fractions cannot be reported: a value > 1, < -NEGATIVE_TOL, not finite,
    or a total > 1 (energy conservation). Empty when they are physical."""
    out = []
    for name, v in fractions.items():
        if not np.isfinite(v):
            out.append(f"A_{name} = {v} is not finite")
        elif v > 1.0:
            out.append(f"A_{name} = {v:.3f} > 1")
        elif v < -NEGATIVE_TOL:
            out.append(f"A_{name} = {v:.3f} < 0")
    total = float(sum(fractions.values()))
    if np.isfinite(total) and total > 1.0:
        out.append(f"total absorbed fraction {total:.3f} > 1")
    return out


def spectrum_fractions_at(spectrum: Spectrum, wavelength_nm: float) -> dict[str, float] | None:
    """A_by_material linearly interpolated at ``wavelength_nm``; None outside the spectrum band."""
    wl = spectrum.wavelength_nm
    if wl.size == 0 or not wl.min() <= wavelength_nm <= wl.max():
        return None
    return {k: float(np.interp(wavelength_nm, wl, v)) for k, v in spectrum.A_by_material.items()}


@dataclass(frozen=True)
class HeadlineAbsorption:
    """The absorbed fractions the report states at one wavelength, and where they come from.

    Attributes:
        wavelength_nm: the tag's wavelength (nm).
        fraction_by_material: {material: fraction of the incident power}, None when refused.
        source: "spectrum" (energy-balanced A_by_material) or "field map" (no spectrum there).
        problems: why the fractions were refused or are less trustworthy (empty when fine).
    """

    wavelength_nm: float
    fraction_by_material: dict[str, float] | None
    source: str
    problems: tuple[str, ...] = ()

    @property
    def total(self) -> float | None:
        """Sum over materials (None when refused)."""
        if self.fraction_by_material is None:
            return None
        return float(sum(self.fraction_by_material.values()))


def headline_absorption(absorption: TagAbsorption, spectrum: Spectrum | None) -> HeadlineAbsorption:
    """Energy-balanced absorption at the tag's wavelength, field map only when there is no spectrum.

    Refused (fractions None, reasons in ``problems``) when a fraction is above 1, clearly
    negative or the total exceeds 1: nothing is clipped.
    """
    wl = absorption.wavelength_nm
    problems: list[str] = []
    fractions = spectrum_fractions_at(spectrum, wl) if spectrum is not None else None
    source = "spectrum"
    if fractions is None:
        source = "field map"
        problems.append("no spectrum run" if spectrum is None else
                        f"{wl:g} nm is outside the spectrum band "
                        f"{spectrum.wavelength_nm.min():g}-{spectrum.wavelength_nm.max():g} nm")
        fractions = dict(absorption.fraction_by_material)
    bad = unphysical_fractions(fractions)
    if bad:
        return HeadlineAbsorption(wl, None, source, tuple(problems + [
            f"{source} absorption refused: " + "; ".join(bad)]))
    return HeadlineAbsorption(wl, fractions, source, tuple(problems))


def write_absorbed_power_map(run: Run, tag: str, path, slab_voxels: int = DEFAULT_SLAB_VOXELS):
    """Write p(r) of ``fields/<tag>`` (W/m^3, float32) with its coordinates to an HDF5 file.

    Written slab by slab, so memory stays bounded; the file is as large as the map (4 B per
    voxel). Datasets: ``p_w_m3`` (nx, ny, nz), ``material_id``, ``x_nm``, ``y_nm``, ``z_nm``;
    attributes: wavelength_nm, materials (JSON), source run file. Returns the path.
    """
    import json
    from pathlib import Path

    import h5py

    grid = field_grid(run, tag)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        p_ds = f.create_dataset("p_w_m3", shape=grid.shape, dtype=np.float32, chunks=True)
        p_ds.attrs.update(units="W/m^3", long_name="time-averaged absorbed power density")
        m_ds = f.create_dataset("material_id", shape=grid.shape, dtype=np.int8, chunks=True)
        for name, c in (("x_nm", grid.x_nm), ("y_nm", grid.y_nm), ("z_nm", grid.z_nm)):
            f.create_dataset(name, data=c).attrs.update(units="nm",
                                                        long_name=f"{name[0]} of voxel centres")
        f.attrs.update(wavelength_nm=grid.wavelength_nm, tag=tag, source=str(run.path),
                       materials=json.dumps(list(grid.materials)),
                       voxel_volume_nm3=grid.voxel_volume_nm3)
        names = ("E", "eps", "material_id")
        for slab in iter_field_slabs(run, tag, names, slab_voxels=slab_voxels):
            p = optics.absorbed_power_density_w_m3(slab.data["E"], slab.data["eps"],
                                                   grid.wavelength_nm)
            p_ds[:, :, slab.k0:slab.k1] = p.astype(np.float32)
            m_ds[:, :, slab.k0:slab.k1] = slab.data["material_id"]
    return path
