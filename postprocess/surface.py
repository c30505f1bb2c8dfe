"""The metal surface on the voxel grid and the hot electrons made there (docs/physics.md §5).

Surface voxels are metal voxels with a non-metal face neighbour. The outward normal is minus
the gradient of the metal indicator after a 5-point binomial smoothing (so a staircased
cylinder gets near-radial normals, a flat film exactly ±z). The area a surface voxel stands
for is sum_a (exposed faces along a) x (face area) x |n_a|, exact for a staircased plane of
any orientation. The surface is the staircase's voxel face, half a cell from the surface
voxel's centre.

E_normal just inside the metal, two estimators (the rate is linear in their |E_n|^2):
- direct: n . E at the surface voxel's centre, carried the half cell to the face with the
  decay measured between it and the next metal voxel inward along the normal (exact for the
  exponential profile inside a metal; without the carry the value is that of half a cell deep,
  e^{-kappa dx} in |E_n|^2: 0.82 at 5 nm for Ag at 500 nm);
- D-continuity: (eps_out / eps_metal) n . E outside, carried linearly to the face from the
  first two outside voxel centres (normal D is continuous; the outside field varies on the
  dielectric's scale, not the skin depth).
A voxel centre within half a cell of the interface (located by bisection on the layout) holds
a field mixing the two sides, so each estimator then takes the next voxel out from the face.
A p-polarised plane wave on a Ag film (tests/physics/test_surface_field_oblique.py) checks
both against Fresnel: D-continuity within 1 % at 5 nm (the outside field is accurate), the
direct one 4.5 % high (the solver's metal-side field carries a first-order interface error),
converging toward each other with the grid. The surface rate uses D-continuity; the direct
estimate is reported beside it as the grid's uncertainty. Rates and efficiencies come from the formula modules
(``postprocess.hot_electrons``, ``postprocess.electronic``); nothing here is a new formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import correlate1d

from hotlase.geometry.build import build
from hotlase.geometry.raster import material_at_points
from hotlase.geometry.materials.electronic import metal_electronic, semiconductor_electronic
from hotlase.geometry.study import StudySpec, material_model, structure_materials
from hotlase.geometry.units import nm_to_ev
from hotlase.postprocess import electronic, hot_electrons, optics
from hotlase.postprocess.absorption import TagAbsorption, gain_material
from hotlase.postprocess.runfile import (
    DEFAULT_SLAB_VOXELS,
    Run,
    Spectrum,
    field_grid,
    iter_field_slabs,
    read_field_range,
)

_SMOOTH = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
HALO = 3  # planes: 2 for the smoothing, 1 for the central difference


@dataclass(frozen=True)
class SurfaceVoxels:
    """Surface voxels of a metal indicator array (own planes only).

    Attributes:
        index: (i, j, k) integer arrays of the surface voxels, k relative to the first own plane.
        normal: (3, n) outward unit normals.
        area_nm2: (n,) area each voxel stands for (nm^2; per nm of length in 2D).
        outside_step: (3, n) integer step to the non-metal face neighbour along the normal's
            dominant axis (all zero when that neighbour is metal).
    """

    index: tuple[np.ndarray, np.ndarray, np.ndarray]
    normal: np.ndarray
    area_nm2: np.ndarray
    outside_step: np.ndarray

    @property
    def count(self) -> int:
        """Number of surface voxels."""
        return int(self.index[0].size)


def _shifted(a: np.ndarray, axis: int, step: int, wrap: bool) -> np.ndarray:
    """a[i + step] along ``axis``: periodic wrap, or the edge value repeated (no surface there)."""
    if wrap:
        return np.roll(a, -step, axis=axis)
    n = a.shape[axis]
    idx = np.clip(np.arange(n) + step, 0, n - 1)
    return np.take(a, idx, axis=axis)


def _at(a: np.ndarray, idx: tuple[np.ndarray, ...], axis: int, step: int, wrap: bool) -> np.ndarray:
    """a at the voxels ``idx`` shifted by ``step`` along ``axis`` (wrapped, or clipped at edges)."""
    moved = list(idx)
    n = a.shape[axis]
    moved[axis] = (idx[axis] + step) % n if wrap else np.clip(idx[axis] + step, 0, n - 1)
    return a[tuple(moved)]


def surface_voxels(is_metal: np.ndarray, spacing_nm: tuple[float, float, float],
                   periodic_xy: tuple[bool, bool] = (False, False),
                   own: tuple[int, int] | None = None) -> SurfaceVoxels:
    """Find metal surface voxels, their outward normals and area elements.

    Memory: a few bytes per voxel of ``is_metal`` (bool masks, one float32 smoothed copy);
    everything else is per surface voxel.

    Args:
        is_metal: bool (nx, ny, nz) indicator (a z-slab with halo planes is fine).
        spacing_nm: (dx, dy, dz) in nm (1 for a collapsed axis).
        periodic_xy: wrap x and y neighbours (periodic unit cell).
        own: (k0, k1) planes of ``is_metal`` whose surface voxels are returned (the rest is
            halo); default all planes. z is never wrapped.
    """
    is_metal = np.asarray(is_metal, dtype=bool)
    wrap = (periodic_xy[0], periodic_xy[1], False)
    active = [ax for ax in range(3) if is_metal.shape[ax] > 1]
    k0, k1 = own if own is not None else (0, is_metal.shape[2])
    surf = np.zeros(is_metal.shape, dtype=bool)
    for ax in active:
        for step in (+1, -1):
            surf |= is_metal & ~_shifted(is_metal, ax, step, wrap[ax])
    surf[:, :, :k0] = False
    surf[:, :, k1:] = False
    idx = np.nonzero(surf)
    del surf
    n = idx[0].size
    plus = np.zeros((3, n), dtype=bool)  # the +axis face neighbour is not metal
    minus = np.zeros((3, n), dtype=bool)
    for ax in active:
        plus[ax] = ~_at(is_metal, idx, ax, +1, wrap[ax])
        minus[ax] = ~_at(is_metal, idx, ax, -1, wrap[ax])
    faces = plus.astype(float) + minus
    direction = plus.astype(float) - minus
    smooth = is_metal.astype(np.float32)
    for ax in active:
        smooth = correlate1d(smooth, _SMOOTH.astype(np.float32), axis=ax,
                             mode="wrap" if wrap[ax] else "nearest")
    g = np.zeros((3, n))
    for ax in active:  # minus the central-difference gradient, only where it is needed
        g[ax] = -(_at(smooth, idx, ax, +1, wrap[ax]).astype(float)
                  - _at(smooth, idx, ax, -1, wrap[ax])) / (2.0 * spacing_nm[ax])
    del smooth
    norm = np.linalg.norm(g, axis=0)
    use_fb = norm < 1e-6 * max(1e-30, float(norm.max(initial=0.0)))
    g[:, use_fb] = direction[:, use_fb]
    still = np.linalg.norm(g, axis=0) == 0
    if still.any():  # a one-voxel sheet exposed on both sides: pick its first exposed axis
        f = faces[:, still]
        g[:, still] = (f == f.max(axis=0)) & (f > 0)
    normal = g / np.linalg.norm(g, axis=0)
    d = spacing_nm
    face_area = np.array([d[1] * d[2], d[0] * d[2], d[0] * d[1]])
    area = np.sum(faces * face_area[:, None] * np.abs(normal), axis=0)
    cols = np.arange(n)
    dominant = np.argmax(np.abs(normal), axis=0)
    sign = np.sign(normal[dominant, cols]).astype(int)
    free = np.where(sign > 0, plus[dominant, cols], minus[dominant, cols])
    outside_step = np.zeros((3, n), dtype=int)
    outside_step[dominant, cols] = np.where(free, sign, 0)
    return SurfaceVoxels((idx[0], idx[1], idx[2] - k0), normal, area, outside_step)


# --------------------------------------------------------------------------------------
# Electronic inputs: cited defaults from geometry/materials/electronic.py, study overrides win
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ElectronicInputs:
    """What the hot-electron chain needs, with where each number came from.

    Attributes:
        metal: metal material name; semiconductor: perovskite material name.
        fermi_energy_ev, work_function_ev, electron_affinity_ev, barrier_ev: eV.
        eps_static: static relative permittivity of the semiconductor (Schottky lowering).
        sources: {quantity: citation or "study analysis override"}.
    """

    metal: str
    semiconductor: str | None
    fermi_energy_ev: float
    work_function_ev: float | None
    electron_affinity_ev: float | None
    barrier_ev: float
    eps_static: float | None
    sources: dict[str, str] = field(default_factory=dict)


def primary_metal(study: StudySpec) -> str | None:
    """The structure's metal (the metal layer first, then any metal material), or None."""
    s = study.structure
    layer = getattr(s, "metal", None)
    if layer is not None and material_model(study, layer.material).is_metal:
        return layer.material
    for name in structure_materials(s).values():
        if material_model(study, name).is_metal:
            return name
    return None


def electronic_inputs(study: StudySpec) -> ElectronicInputs | None:
    """Fermi energy, barrier and permittivity for the study's metal / perovskite pair.

    ``study.analysis`` overrides win (``barrier_ev`` over work function - electron affinity).
    Returns None when the structure has no metal.

    Raises:
        KeyError: a needed constant is neither tabulated nor given in [analysis].
    """
    metal = primary_metal(study)
    if metal is None:
        return None
    a = study.analysis
    semi = gain_material(study)
    src: dict[str, str] = {}
    m = None
    try:
        m = metal_electronic(metal)
    except KeyError:
        if a.fermi_energy_ev is None or (a.barrier_ev is None and a.work_function_ev is None):
            raise
    s = None
    if semi is not None:
        try:
            s = semiconductor_electronic(semi)
        except KeyError:
            if a.barrier_ev is None and a.electron_affinity_ev is None:
                raise
    override = "study [analysis] override"
    if a.fermi_energy_ev is not None:
        fermi, src["fermi_energy_ev"] = a.fermi_energy_ev, override
    else:
        assert m is not None  # metal_electronic's KeyError is re-raised without an override
        fermi, src["fermi_energy_ev"] = m.fermi_energy_ev, m.sources[0]
    own_w = a.work_function_ev is not None
    work = a.work_function_ev if own_w else (m.work_function_ev if m else None)
    src["work_function_ev"] = override if own_w else (m.sources[1] if m else "")
    chi = a.electron_affinity_ev if a.electron_affinity_ev is not None else (
        s.electron_affinity_ev if s else None)
    src["electron_affinity_ev"] = override if a.electron_affinity_ev is not None else (
        s.sources[0] if s else "")
    if a.barrier_ev is not None:
        barrier = a.barrier_ev
        src["barrier_ev"] = override
    else:
        if chi is None:
            what = (f"no electron affinity tabulated for {semi!r}" if semi else
                    "the structure has no semiconductor to form a Schottky barrier with")
            raise KeyError(f"{what}: set analysis.electron_affinity_ev or analysis.barrier_ev")
        barrier = float(electronic.schottky_barrier_ev(work, chi))
        src["barrier_ev"] = "work function - electron affinity (Schottky-Mott)"
    eps_s: float | None
    if a.static_permittivity is not None:
        eps_s, src["eps_static"] = a.static_permittivity, override
    else:
        eps_s = s.static_permittivity if s else None
        src["eps_static"] = s.sources[1] if s else "not tabulated: no barrier lowering"
    return ElectronicInputs(metal, semi, float(fermi), work, chi, float(barrier), eps_s, src)


# --------------------------------------------------------------------------------------
# The surface pass
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SurfaceResult:
    """Metal-surface quantities of one field tag.

    Attributes:
        tag, wavelength_nm: field tag and wavelength (nm).
        n_voxels: surface voxels found; area_m2: total surface area (m^2).
        e_normal_sq_integral_v2: sum |E_n|^2 dS, E_n just inside the metal at the voxel face
            (direct estimator, module docstring) (V^2).
        e_normal_sq_integral_dcont_v2: the same with E_n from D-continuity of the first outside
            voxel (V^2), the second estimator (module docstring).
        e_normal_out_sq_integral_v2: sum |E_n|^2 dS at the first outside voxel (V^2).
        e_tangential_sq_integral_v2: sum |E - n (n.E)|^2 dS at the surface voxel, carried to
            the face like E_n (V^2); e_tangential_out_sq_integral_v2: the same at the first
            outside voxel (V^2). Tangential E is continuous: the two agree on a fine grid.
        e_normal_sq_integral_contact_v2: the D-continuity sum |E_n|^2 dS over the contact (V^2).
        enhancement_peak, enhancement_mean: max and area-weighted mean |E|/|E0| on the surface.
        barrier_ev, fermi_energy_ev: what the rate was computed with.
        rate_s: surface hot-electron rate over the barrier, E_n from D-continuity (1/s, per nm
            of length in 2D).
        contact_area_m2: the part of the surface whose outside neighbour is the perovskite.
        rate_contact_s: the part of ``rate_s`` made on that contact (where injection can happen
            without lateral transport).
        rate_map_m2_s: (nx, ny) rate per unit projected xy area (1/(s m^2)).
        x_nm, y_nm: coordinates of the map.
    """

    tag: str
    wavelength_nm: float
    n_voxels: int
    area_m2: float
    e_normal_sq_integral_v2: float
    e_normal_sq_integral_dcont_v2: float
    enhancement_peak: float
    enhancement_mean: float
    barrier_ev: float
    fermi_energy_ev: float
    rate_s: float
    contact_area_m2: float
    rate_contact_s: float
    rate_map_m2_s: np.ndarray = field(repr=False)
    x_nm: np.ndarray = field(repr=False)
    y_nm: np.ndarray = field(repr=False)
    e_normal_out_sq_integral_v2: float = float("nan")
    e_tangential_sq_integral_v2: float = float("nan")
    e_tangential_out_sq_integral_v2: float = float("nan")
    e_normal_sq_integral_contact_v2: float = 0.0

    def rms_v_m(self, integral_v2: float) -> float:
        """sqrt(integral / area): the uniform field with the same surface integral (V/m)."""
        return float(np.sqrt(integral_v2 / self.area_m2)) if self.area_m2 else 0.0

    @property
    def e_normal_rms_v_m(self) -> float:
        """sqrt(sum |E_n|^2 dS / area) of the estimator the rate uses, D-continuity (V/m)."""
        return self.rms_v_m(self.e_normal_sq_integral_dcont_v2)

    @property
    def dcont_over_direct(self) -> float | None:
        """Ratio of the two estimators' surface integrals (1 when the grid resolves the jump)."""
        if not self.e_normal_sq_integral_v2 > 0:
            return None
        return self.e_normal_sq_integral_dcont_v2 / self.e_normal_sq_integral_v2


MAX_RATIO = 16.0  # bound on |E_near / E_far| per cell used to carry a field to the face


def carry_to_face(e_near, e_far, has_far, exponent):
    """Factor carrying |E| from a voxel centre to the interface ``exponent`` cells away.

    A metal's field varies as e^{-kappa s} with depth s, so from the voxel at depth d and the
    next one inward (d + dx) the field at the face is |E_near| |E_near / E_far|^{d/dx}
    (exponential profile; Jackson, Classical Electrodynamics 3rd ed., §8.1 fields in a good
    conductor). The ratio is bounded to [1/MAX_RATIO, MAX_RATIO]; the factor is 1 where there
    is no next metal voxel (a thin sheet) or the field vanishes there.
    """
    e0 = np.abs(np.asarray(e_near))
    e1 = np.abs(np.asarray(e_far))
    ok = (e1 > 0) & (e0 > 0) & np.asarray(has_far, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.clip(np.where(ok, e0 / np.where(ok, e1, 1.0), 1.0), 1.0 / MAX_RATIO, MAX_RATIO)
    return ratio ** np.asarray(exponent, dtype=float)


def interface_fraction(layout, metal_names, p_in: np.ndarray, p_out: np.ndarray,
                       iterations: int = 30, block: int = 16384) -> np.ndarray:
    """Where the metal ends on the segment p_in (metal) -> p_out (not metal), as a fraction.

    Bisection on the layout's own material test (geometry.raster.material_at_points, what
    the run's material_id came from), ``block`` points at a time (bounded memory). 0.5 where
    the layout disagrees with the end points. Args: p_in, p_out: (3, n) points in nm.
    """
    names = layout.materials()
    metal_idx = [names.index(n) for n in metal_names if n in names]
    is_metal = lambda p: np.isin(material_at_points(layout, p[0], p[1], p[2])[1], metal_idx)  # noqa: E731
    out = np.empty(p_in.shape[1])
    for b0 in range(0, p_in.shape[1], block):
        a, b = p_in[:, b0:b0 + block], p_out[:, b0:b0 + block]
        lo, hi = np.zeros(a.shape[1]), np.ones(a.shape[1])
        for _ in range(iterations):
            mid = (lo + hi) / 2
            metal = is_metal(a + mid * (b - a))
            lo, hi = np.where(metal, mid, lo), np.where(metal, hi, mid)
        out[b0:b0 + block] = np.where(is_metal(a) & ~is_metal(b), (lo + hi) / 2, 0.5)
    return out


def analyze_surface(run: Run, tag: str, inputs: ElectronicInputs | None,
                    slab_voxels: int = DEFAULT_SLAB_VOXELS) -> SurfaceResult | None:
    """Surface voxels, E_normal inside the metal and the surface hot-electron rate of a tag.

    material_id is read first (with halo planes); E and eps only for slabs holding surface
    voxels. Returns None when the grid holds no metal. With ``inputs`` None only the
    geometry, E_n and enhancement are computed (rate NaN).
    """
    grid = field_grid(run, tag)
    metal_ids = np.array(grid.metal_ids())
    if metal_ids.size == 0:
        return None
    layout = build(run.study.structure)
    periodic = layout.periodic
    metal_names = [n for n, mid in zip(grid.materials, range(len(grid.materials))) if mid in metal_ids]
    spacing = grid.spacing_nm
    nx, ny, _ = grid.shape
    rate_map = np.zeros((nx, ny))
    gain = gain_material(run.study)
    gain_id = grid.materials.index(gain) if gain in grid.materials else -1
    area_total = e2 = e2_d = e2_out = t2 = t2_out = e2_contact = 0.0
    rate = enh_peak = enh_area = rate_contact = area_contact = 0.0
    count = 0
    for slab in iter_field_slabs(run, tag, ("material_id",), halo=HALO, slab_voxels=slab_voxels):
        is_metal = np.isin(slab.data["material_id"], metal_ids)
        sv = surface_voxels(is_metal, spacing, periodic, own=(slab.k0 - slab.lo, slab.k1 - slab.lo))
        if sv.count == 0:
            continue
        lo, hi = max(0, slab.k0 - 3), min(grid.shape[2], slab.k1 + 3)  # own planes + 3 each side
        data = read_field_range(run, tag, ("E", "eps", "material_id"), lo, hi)
        i, j, k = sv.index[0], sv.index[1], sv.index[2] + (slab.k0 - lo)
        shape, step = data["eps"].shape, sv.outside_step
        has_out = np.any(step != 0, axis=0)
        metal_at = lambda idx: np.isin(data["material_id"][idx], metal_ids)  # noqa: E731
        at = {m: _neighbour(step * m, i, j, k, shape, periodic) for m in (-2, -1, 1, 2, 3)}
        at[0] = (i, j, k)
        # depth t of the surface voxel's centre below the interface along the step (cells)
        p_in = np.stack([grid.x_nm[i], grid.y_nm[j], grid.z_nm[k + lo]])
        t = np.full(sv.count, 0.5)
        if has_out.any():
            p_out = p_in + step * np.array(spacing, float)[:, None]
            t[has_out] = interface_fraction(layout, metal_names, p_in[:, has_out], p_out[:, has_out])
        # a voxel centre within half a cell of the interface holds a field mixing the two
        # sides (Meep averages over the pixel the interface cuts): use the next one instead
        skip_in = has_out & (t < 0.5 - 1e-9) & metal_at(at[-1]) & metal_at(at[-2])
        skip_out = has_out & (t > 0.5 + 1e-9) & ~metal_at(at[2])
        near = tuple(np.where(skip_in, a_, b_) for a_, b_ in zip(at[-1], at[0]))
        far = tuple(np.where(skip_in, a_, b_) for a_, b_ in zip(at[-2], at[-1]))
        exponent = t + skip_in  # cells from the chosen voxel's centre to the face
        e_vec = data["E"][:, i, j, k]
        e_near, e_far = data["E"][(slice(None),) + near], data["E"][(slice(None),) + far]
        has_far = has_out & metal_at(far)
        n_near, n_far = np.sum(sv.normal * e_near, axis=0), np.sum(sv.normal * e_far, axis=0)
        e_n = n_near * carry_to_face(n_near, n_far, has_far, exponent)
        t_near = np.linalg.norm(e_near - sv.normal * n_near, axis=0)
        t_far = np.linalg.norm(e_far - sv.normal * n_far, axis=0)
        e_t = t_near * carry_to_face(t_near, t_far, has_far, exponent)
        area_m2 = sv.area_nm2 * 1e-18
        # D-continuity estimator: eps_out E_n,out = eps_metal E_n,in across the face
        oi, oj, ok = tuple(np.where(skip_out, a_, b_) for a_, b_ in zip(at[2], at[1]))
        e_out_vec = data["E"][:, oi, oj, ok]
        # carried to the face: linear through this voxel and the next one out, d1 cells from
        # the face (the outside field varies smoothly, but tangential E beside a metal grows
        # from a small value at the face: taken 0.75-1.25 cells out it was 8-16 % high)
        fi, fj, fk = tuple(np.where(skip_out, a_, b_) for a_, b_ in zip(at[3], at[2]))
        d1 = (1.0 - t) + skip_out
        linear = has_out & ~metal_at((fi, fj, fk)) & ~metal_at((oi, oj, ok))
        e_out_vec = np.where(linear, e_out_vec + d1 * (e_out_vec - data["E"][:, fi, fj, fk]), e_out_vec)
        e_out_n = np.sum(sv.normal * e_out_vec, axis=0)
        e_n_dcont = np.where(has_out, data["eps"][oi, oj, ok] / data["eps"][i, j, k] * e_out_n, e_n)
        e_out_t = np.linalg.norm(e_out_vec - sv.normal * e_out_n, axis=0)
        oi, oj, ok = at[1]
        contact = has_out & (data["material_id"][oi, oj, ok] == gain_id)
        area_contact += float(area_m2[contact].sum())
        e2_contact += float(np.sum(np.abs(e_n_dcont[contact]) ** 2 * area_m2[contact]))
        if inputs is not None:
            density = hot_electrons.surface_generation_rate_density_m2_s(
                e_n_dcont, grid.wavelength_nm, inputs.barrier_ev, inputs.fermi_energy_ev)
            rate += float(hot_electrons.hot_electron_rate_surface_s(density, area_m2))
            rate_contact += float(hot_electrons.hot_electron_rate_surface_s(
                np.asarray(density)[contact], area_m2[contact]))
            np.add.at(rate_map, (i, j), np.asarray(density) * area_m2)
        enh = np.asarray(optics.field_enhancement(e_vec, grid.incident_field_v_m))
        enh_peak = max(enh_peak, float(enh.max()))
        enh_area += float(np.sum(enh * area_m2))
        e2 += float(np.sum(np.abs(e_n) ** 2 * area_m2))
        e2_d += float(np.sum(np.abs(e_n_dcont) ** 2 * area_m2))
        e2_out += float(np.sum(np.where(has_out, np.abs(e_out_n), 0.0) ** 2 * area_m2))
        t2 += float(np.sum(e_t ** 2 * area_m2))
        t2_out += float(np.sum(np.where(has_out, e_out_t, 0.0) ** 2 * area_m2))
        area_total += float(area_m2.sum())
        count += sv.count
    rate_map /= spacing[0] * spacing[1] * 1e-18
    return SurfaceResult(
        tag=tag, wavelength_nm=grid.wavelength_nm, n_voxels=count, area_m2=area_total,
        e_normal_sq_integral_v2=e2, e_normal_sq_integral_dcont_v2=e2_d,
        enhancement_peak=enh_peak if count else float("nan"),
        enhancement_mean=enh_area / area_total if area_total else float("nan"),
        barrier_ev=inputs.barrier_ev if inputs else float("nan"),
        fermi_energy_ev=inputs.fermi_energy_ev if inputs else float("nan"),
        rate_s=rate if inputs else float("nan"),
        contact_area_m2=area_contact,
        rate_contact_s=rate_contact if inputs else float("nan"),
        rate_map_m2_s=rate_map, x_nm=grid.x_nm, y_nm=grid.y_nm,
        e_normal_out_sq_integral_v2=e2_out, e_tangential_sq_integral_v2=t2,
        e_tangential_out_sq_integral_v2=t2_out, e_normal_sq_integral_contact_v2=e2_contact)


def _neighbour(step: np.ndarray, i, j, k, shape, periodic):
    """Indices of the face neighbour ``step`` (3, n) away (wrapped laterally, clipped in z)."""
    oi, oj, ok = i + step[0], j + step[1], k + step[2]
    oi = oi % shape[0] if periodic[0] else np.clip(oi, 0, shape[0] - 1)
    oj = oj % shape[1] if periodic[1] else np.clip(oj, 0, shape[1] - 1)
    return oi, oj, np.clip(ok, 0, shape[2] - 1)


# --------------------------------------------------------------------------------------
# The chain: absorbed power -> bound, surface and injected rates, QE_HEG, QE_HET, QE_PI-HEG
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BiasPoint:
    """The chain at one applied (EPL) field.

    Attributes:
        bias_field_v_m: applied field (V/m); barrier_ev: barrier after Schottky lowering (eV).
        rate_surface_s: surface rate over the lowered barrier (1/s).
        qe_heg, qe_het, qe_pi_heg: efficiencies (1).
    """

    bias_field_v_m: float
    barrier_ev: float
    rate_surface_s: float
    qe_heg: float
    qe_het: float
    qe_pi_heg: float


@dataclass(frozen=True)
class HotElectronChain:
    """Hot-electron rates and efficiencies at one wavelength (docs/physics.md §5).

    Attributes:
        wavelength_nm, photon_ev: pump wavelength (nm) and photon energy (eV).
        absorbed_metal_w: power absorbed in the metal (W): the spectrum's energy-balanced
            A_by_material when given, else the field map's; NaN when refused (> 1).
        rate_upper_s: upper bound, one carrier per absorbed photon (1/s).
        rate_surface_s: surface (Landau-damping) generation over the barrier, all metal
            surfaces (1/s).
        injection_surface: "contact" or "all" (study.analysis.injection_surface).
        rate_injecting_s: the part of ``rate_surface_s`` on the surfaces that inject (1/s).
        injected_rate_s: rate_injecting_s x QE_HET, carriers crossing into the perovskite (1/s).
        qe_heg: generation efficiency of all surfaces (1); qe_het: transfer over the barrier;
        qe_pi_heg: QE_HEG of the injecting surfaces x QE_HET = injected_rate ħω / P_metal.
        biased: the chain at each applied field of study.analysis.bias_field_v_m.
    """

    wavelength_nm: float
    photon_ev: float
    absorbed_metal_w: float
    rate_upper_s: float
    rate_surface_s: float
    injected_rate_s: float
    qe_heg: float
    qe_het: float
    qe_pi_heg: float
    biased: tuple[BiasPoint, ...]
    injection_surface: str = "all"
    rate_injecting_s: float = float("nan")


def _lowered_barrier(inputs: ElectronicInputs, field_v_m: float) -> float:
    if field_v_m == 0 or inputs.eps_static is None:
        return inputs.barrier_ev
    lowered = inputs.barrier_ev - electronic.schottky_lowering_ev(field_v_m, inputs.eps_static)
    return float(max(lowered, 0.0))  # a barrier lowered below 0 lets every hot electron over


def hot_electron_chain(absorption: TagAbsorption, surface: SurfaceResult, inputs: ElectronicInputs,
                       metal_names: tuple[str, ...], bias_fields_v_m: tuple[float, ...],
                       absorbed_metal_w: float | None = None,
                       injection_surface: str = "contact") -> HotElectronChain:
    """Rates and efficiencies from a pump tag's absorption and surface results.

    ``absorbed_metal_w`` is the energy-balanced metal absorption (spectrum A_by_material x
    incident power); None takes the field map's (``absorption``); NaN means refused, and the
    bound and QE_HEG are then NaN. ``injection_surface`` "contact" counts only metal faces
    touching the perovskite for the injected rate, "all" every face.
    The surface rate at a lowered barrier reuses the surface integral: the rate density is
    linear in |E_n|^2, so evaluating it at the rms E_n times the area is exact.
    """
    if injection_surface not in ("contact", "all"):
        raise ValueError(f"injection_surface = {injection_surface!r}: must be 'contact' or 'all'")
    wl = absorption.wavelength_nm
    photon = float(nm_to_ev(wl))
    p_metal = (float(sum(absorption.power_by_material_w.get(n, 0.0) for n in metal_names))
               if absorbed_metal_w is None else float(absorbed_metal_w))
    known = np.isfinite(p_metal) and p_metal >= 0
    upper = float(hot_electrons.hot_electron_rate_upper_s(p_metal, wl)) if known else float("nan")
    contact = injection_surface == "contact"
    inj_e2 = (surface.e_normal_sq_integral_contact_v2 if contact
              else surface.e_normal_sq_integral_dcont_v2)
    inj_area = surface.contact_area_m2 if contact else surface.area_m2

    def rate_at(barrier: float, e2: float, area: float) -> float:
        if area <= 0:
            return 0.0
        density = hot_electrons.surface_generation_rate_density_m2_s(
            np.sqrt(e2 / area), wl, barrier, inputs.fermi_energy_ev)
        return float(hot_electrons.hot_electron_rate_surface_s(density, area))

    def heg(rate: float) -> float:
        return float(hot_electrons.qe_heg(rate, p_metal, wl)) if known and p_metal > 0 else float("nan")

    def point(field_v_m: float) -> BiasPoint:
        barrier = _lowered_barrier(inputs, field_v_m)
        rate = rate_at(barrier, surface.e_normal_sq_integral_dcont_v2, surface.area_m2)
        het = float(electronic.qe_het(photon, inputs.barrier_ev, inputs.fermi_energy_ev,
                                      field_v_m=field_v_m if inputs.eps_static else 0.0,
                                      eps_static=inputs.eps_static))
        heg_inj = heg(rate_at(barrier, inj_e2, inj_area))
        pi_heg = float(hot_electrons.qe_pi_heg(heg_inj, het)) if np.isfinite(heg_inj) else float("nan")
        return BiasPoint(field_v_m, barrier, rate, heg(rate), het, pi_heg)

    zero = point(0.0)
    injecting = surface.rate_contact_s if contact else surface.rate_s
    return HotElectronChain(
        wavelength_nm=wl, photon_ev=photon, absorbed_metal_w=p_metal, rate_upper_s=upper,
        rate_surface_s=surface.rate_s, injected_rate_s=injecting * zero.qe_het,
        qe_heg=zero.qe_heg, qe_het=zero.qe_het, qe_pi_heg=zero.qe_pi_heg,
        biased=tuple(point(float(f)) for f in bias_fields_v_m),
        injection_surface=injection_surface, rate_injecting_s=injecting)


def chain_vs_wavelength(spectrum: Spectrum, metal_names: tuple[str, ...], intensity_w_m2: float,
                        area_m2: float, inputs: ElectronicInputs,
                        pump: HotElectronChain | None = None,
                        surface: SurfaceResult | None = None) -> dict[str, np.ndarray]:
    """The chain across the spectrum, metal absorption from the spectrum's A_by_material.

    Exact at every wavelength: the upper bound (P_abs,metal / ħω) and QE_HET. With the pump's
    chain and surface, also an estimate of QE_HEG and QE_PI-HEG: the surface integral of
    |E_n|^2 is scaled with the metal absorption, i.e. the share of the absorption that happens
    at the surface is assumed to stay what it is at the pump (true for a fixed field shape,
    not across a plasmon resonance); the report labels it so.

    Returns {wavelength_nm, absorbed_metal_fraction, rate_upper_s, qe_het, injected_upper_s}
    plus {rate_surface_scaled_s, qe_heg_scaled, qe_pi_heg_scaled} when the pump is given.
    ``absorbed_metal_fraction`` is as stored; negative values (noise) count as 0 in the rates.
    """
    wl = spectrum.wavelength_nm
    a_metal = np.zeros_like(wl)
    for name in metal_names:
        if name in spectrum.A_by_material:
            a_metal = a_metal + spectrum.A_by_material[name]
    # a slightly negative volume integral is numerical noise of the run: no absorption there
    power_w = np.maximum(a_metal, 0.0) * intensity_w_m2 * area_m2
    upper = np.asarray(hot_electrons.hot_electron_rate_upper_s(power_w, wl), dtype=float)
    het = np.asarray(electronic.qe_het(nm_to_ev(wl), inputs.barrier_ev, inputs.fermi_energy_ev),
                     dtype=float)
    out = {"wavelength_nm": wl, "absorbed_metal_fraction": a_metal, "rate_upper_s": upper,
           "qe_het": het, "injected_upper_s": upper * het}
    if pump is not None and surface is not None and np.isfinite(pump.absorbed_metal_w) \
            and pump.absorbed_metal_w > 0:
        e_rms = surface.e_normal_rms_v_m * np.sqrt(power_w / pump.absorbed_metal_w)
        density = hot_electrons.surface_generation_rate_density_m2_s(
            e_rms, wl, inputs.barrier_ev, inputs.fermi_energy_ev)
        rate = np.asarray(density, dtype=float) * surface.area_m2
        heg = np.array([float(hot_electrons.qe_heg(r, p, w)) for r, p, w in zip(rate, power_w, wl)])
        # QE_PI-HEG counts the injecting surfaces only (HotElectronChain), same share as at the pump
        share = pump.rate_injecting_s / pump.rate_surface_s if pump.rate_surface_s > 0 else 0.0
        heg_inj = np.array([float(hot_electrons.qe_heg(r * share, p, w))
                            for r, p, w in zip(rate, power_w, wl)])
        out.update({"rate_surface_scaled_s": rate, "qe_heg_scaled": heg,
                    "qe_pi_heg_scaled": np.asarray(hot_electrons.qe_pi_heg(heg_inj, het), dtype=float)})
    return out
