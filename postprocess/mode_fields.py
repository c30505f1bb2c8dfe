"""Figures of merit of each mode from its own field (``modes/profile``, docs/runfile.md).

The solver stores every Harminv mode's E and H (solvers.mode_profiles: a re-run of the same
pulse, DFTs over the ring-down, modes separated with Harminv's complex frequencies). From
them, per mode: the confinement factor Γ (electric energy in the gain medium over the total
energy) and the mode volume V = ∫u dV / max u (``postprocess.optics``), with the
Loudon/Ruppin energy density of every Drude-Lorentz medium (positive where the Brillouin form
fails, e.g. at the perovskite's exciton line), and where the electric energy sits (rod,
metal, the layer above the metal, elsewhere) for ``postprocess.mode_class``.
numpy/h5py only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.subbands import at_wavelength
from hotlase.postprocess import optics
from hotlase.postprocess.absorption import gain_material
from hotlase.postprocess.runfile import Run, _decode_attrs, _period_window

NAN = float("nan")


@dataclass(frozen=True)
class ProfileGrid:
    """The grid of ``modes/profile`` (one period of a periodic cell; images dropped).

    Attributes:
        materials, metal_materials: names indexed by material_id, and the metals among them.
        x_nm, y_nm, z_nm: voxel centres (nm); material_id: (nx, ny, nz) int.
        voxel_volume_nm3: voxel volume (area x 1 nm in 2D).
        has_profile: (m,) bool per row of ``modes/``.
        window: (x slice, y slice) of the stored arrays.
        separation_spread: (m,) how much each mode's field moved under 10x stronger
            regularisation of the separation (NaN where not stored).
    """

    materials: tuple[str, ...]
    metal_materials: tuple[str, ...]
    x_nm: np.ndarray = field(repr=False)
    y_nm: np.ndarray = field(repr=False)
    z_nm: np.ndarray = field(repr=False)
    material_id: np.ndarray = field(repr=False)
    voxel_volume_nm3: float = NAN
    has_profile: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), repr=False)
    window: tuple[slice, slice] = (slice(None), slice(None))
    separation_spread: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


def read_profile_grid(run: Run) -> ProfileGrid | None:
    """The profile grid of a modes run, or None when the file has no per-mode fields."""
    if not run.has("modes/profile/E"):
        return None
    with run.open() as f:
        g = f["modes/profile"]
        a = _decode_attrs(g.attrs)
        x, y, z = (g[c][()].astype(float) for c in ("x_nm", "y_nm", "z_nm"))
        mid = g["material_id"][()]
        has = g["has_profile"][()].astype(bool)
        spread = g["separation_spread"][()].astype(float) if "separation_spread" in g else np.full(len(has), NAN)
    layout = build(run.study.structure)
    sx = _period_window(x, layout.cell_xy_nm[0], layout.periodic[0])
    sy = _period_window(y, layout.cell_xy_nm[1], layout.periodic[1])
    return ProfileGrid(tuple(a["materials"]), tuple(a.get("metal_materials") or ()), x[sx], y[sy], z, mid[sx, sy, :].astype(int),
                       float(a["voxel_volume_nm3"]), has, (sx, sy), spread)


def read_profile(run: Run, grid: ProfileGrid, row: int) -> tuple[np.ndarray, np.ndarray]:
    """(E, H) of row ``row`` of ``modes/``, each (3, nx, ny, nz) over the grid's window."""
    sx, sy = grid.window
    with run.open() as f:
        g = f["modes/profile"]
        return (g["E"][row, :, sx, sy, :].astype(complex), g["H"][row, :, sx, sy, :].astype(complex))


@dataclass(frozen=True)
class OwnFieldMetrics:
    """What a mode's own field says about it.

    Attributes:
        confinement_factor: ∫_gain u_E / ∫ (u_E + u_H) (1); NaN without a gain medium.
        mode_volume_nm3: ∫ u / max u (nm^3; nm^2 x 1 nm in 2D).
        fraction_rod, fraction_metal, fraction_surface, fraction_elsewhere: shares of the
            electric energy in the rod (gain) material, in metals, in the non-rod medium
            within ``surface_nm`` above a metal, and everywhere else; they sum to 1.
        surface_nm: thickness of that layer above the metal (NaN without metal).
    """

    confinement_factor: float
    mode_volume_nm3: float
    fraction_rod: float
    fraction_metal: float
    fraction_surface: float
    fraction_elsewhere: float
    surface_nm: float = NAN


def energy_factors(study: StudySpec, materials: tuple[str, ...], wavelength_nm: float) -> np.ndarray:
    """Loudon/Ruppin factor F per material (``optics.energy_factor_drude_lorentz``), each
    from the model the run used at ``wavelength_nm`` (``geometry.subbands.at_wavelength``)."""
    served = at_wavelength(study, wavelength_nm)
    return np.array([float(optics.energy_factor_drude_lorentz(material_model(served, n), wavelength_nm))
                     for n in materials])


def surface_layer_nm(study: StudySpec, grid: ProfileGrid, wavelength_nm: float) -> float:
    """How far above a metal the field of a metal-bound mode reaches: the 1/e decay length of
    the field of a surface plasmon on that metal under the superstrate, δ_d = 1/Im k_z,
    k_z = k0 ε_d / sqrt(ε_m + ε_d) (Maier, Plasmonics: Fundamentals and Applications (2007),
    §2.2), with at least two grid cells. NaN without metal or where the metal binds none
    (Re ε_m > -ε_d)."""
    if not grid.metal_materials:
        return NAN
    layout = build(study.structure)
    eps_d = complex(material_model(study, layout.background).eps(wavelength_nm))
    out = []
    for name in grid.metal_materials:
        eps_m = complex(material_model(study, name).eps(wavelength_nm))
        if eps_m.real >= -eps_d.real:
            continue
        kz = 2 * np.pi / wavelength_nm * eps_d / np.sqrt(eps_m + eps_d)
        out.append(1.0 / abs(kz.imag) if kz.imag else np.inf)
    if not out:
        return NAN
    dz = float(np.mean(np.diff(grid.z_nm))) if len(grid.z_nm) > 1 else 1.0
    return max(min(out), 2 * dz)


def own_field_metrics(study: StudySpec, grid: ProfileGrid, E: np.ndarray, H: np.ndarray,
                      wavelength_nm: float) -> OwnFieldMetrics:
    """Γ, V and the electric-energy shares of one mode from its own field."""
    factor = energy_factors(study, grid.materials, wavelength_nm)
    mid = grid.material_id
    u_e = np.asarray(optics.electric_energy_density_j_m3(E, factor[mid]), float)
    u = u_e + np.asarray(optics.magnetic_energy_density_j_m3(H), float)
    dv = grid.voxel_volume_nm3 * 1e-27
    total_e = float(np.sum(u_e))
    if not (total_e > 0 and float(np.max(u)) > 0):
        return OwnFieldMetrics(NAN, NAN, NAN, NAN, NAN, NAN)
    gain = gain_material(study)
    gain_mask = mid == grid.materials.index(gain) if gain in grid.materials else np.zeros(mid.shape, bool)
    gamma = optics.confinement_factor(u_e, gain_mask, u, dv) if gain in grid.materials else NAN
    volume = optics.mode_volume_m3(u, dv) * 1e27
    metal_ids = [i for i, n in enumerate(grid.materials) if n in grid.metal_materials]
    metal = np.isin(mid, metal_ids)
    layer = surface_layer_nm(study, grid, wavelength_nm)
    surface = np.zeros(mid.shape, bool)
    if metal.any() and np.isfinite(layer):
        # height above the highest metal voxel of each column (x, y)
        z = grid.z_nm[None, None, :]
        top = np.where(metal, z, -np.inf).max(axis=2, keepdims=True)
        height = z - top
        surface = (~metal) & (~gain_mask) & np.isfinite(top) & (height > 0) & (height <= layer)
    share = lambda m: float(np.sum(u_e[m]) / total_e)  # noqa: E731
    f_rod, f_metal, f_surf = share(gain_mask), share(metal), share(surface)
    return OwnFieldMetrics(gamma, volume, f_rod, f_metal, f_surf,
                           max(0.0, 1.0 - f_rod - f_metal - f_surf), layer)


@dataclass(frozen=True)
class ModeCuts:
    """Planes of one mode's own field for its profile figure (``mode_cuts``).

    Attributes:
        x_nm, y_nm, z_nm: the grid's voxel centres (nm).
        y_cut_nm, z_cut_nm: y of the xz cut and z of the xy cut (both through the voxel of
            largest |E|).
        abs_xz, abs_xy: |E| on the cuts ((nx, nz); (nx, ny), or None in 2D), scaled to max 1
            over the whole grid.
        component: the Cartesian component carrying most of the electric energy ("x", "y",
            "z"): with its sign pattern it names the mode (dipolar, quadrupolar, ...).
        component_xz, component_xy: Re of that component on the cuts, phase-rotated so it is
            real at its own largest voxel (a standing-wave snapshot).
        material_xz, material_xy: material_id on the cuts (outlines).
    """

    x_nm: np.ndarray = field(repr=False)
    y_nm: np.ndarray = field(repr=False)
    z_nm: np.ndarray = field(repr=False)
    y_cut_nm: float
    z_cut_nm: float
    abs_xz: np.ndarray = field(repr=False)
    abs_xy: np.ndarray | None = field(repr=False)
    component: str
    component_xz: np.ndarray = field(repr=False)
    component_xy: np.ndarray | None = field(repr=False)
    material_xz: np.ndarray = field(repr=False)
    material_xy: np.ndarray | None = field(repr=False)


def mode_cuts(grid: ProfileGrid, E: np.ndarray) -> ModeCuts:
    """The xz and (3D) xy cuts of a mode field ``E`` (3, nx, ny, nz) through its |E| peak."""
    E = np.asarray(E)
    mag = np.sqrt(np.sum(np.abs(E) ** 2, axis=0))
    peak = float(mag.max()) if mag.size else 0.0
    mag = mag / peak if peak > 0 else mag
    ix, iy, iz = np.unravel_index(int(np.argmax(mag)), mag.shape)
    c = int(np.argmax(np.sum(np.abs(E) ** 2, axis=(1, 2, 3))))
    comp = E[c]
    k = np.unravel_index(int(np.argmax(np.abs(comp))), comp.shape)
    phase = np.exp(-1j * np.angle(comp[k])) if np.abs(comp[k]) > 0 else 1.0
    real = np.real(comp * phase) / (peak if peak > 0 else 1.0)
    three_d = mag.shape[1] > 1
    return ModeCuts(grid.x_nm, grid.y_nm, grid.z_nm, float(grid.y_nm[iy]), float(grid.z_nm[iz]),
                    mag[:, iy, :], mag[:, :, iz] if three_d else None, "xyz"[c],
                    real[:, iy, :], real[:, :, iz] if three_d else None,
                    grid.material_id[:, iy, :], grid.material_id[:, :, iz] if three_d else None)


def report_profile_cuts(variant: str, run: Run | None, table) -> list[tuple[str, str, ModeCuts]]:
    """(figure key, title, cuts) of every mode of ``table`` (a ``modes_table.ModeTable``,
    numbered 1.. in its order as in the report) that has its own field in ``run``."""
    if run is None or table is None:
        return []
    grid = read_profile_grid(run)
    if grid is None:
        return []
    out = []
    for n, mode in enumerate(table.modes, 1):
        if not (0 <= mode.row < len(grid.has_profile) and grid.has_profile[mode.row]):
            continue
        e, _ = read_profile(run, grid, mode.row)
        label = (f"{variant} mode {n}: {mode.wavelength_nm:.1f} nm, Q {mode.q:.3g}, "
                 f"{mode.mode_class}")
        out.append((f"{variant}_mode_{n}_profile", label, mode_cuts(grid, e)))
    return out
