"""The plasmon-mode table: Harminv modes, deduplicated, with their field figures of merit.

From ``modes/`` (docs/physics.md §6): wavelength, Q, linewidth (nm and meV). Modes seen by
several probes are one mode: two modes at the same Bloch k whose wavelengths differ by less
than half the narrower linewidth are merged, keeping the one with the smallest Harminv error.
Each mode's confinement factor Γ and mode volume V come from that mode's own field
(``modes/profile``, postprocess.mode_fields), and its class (rod photonic, metal-bound
plasmon, lattice) from that field and the lattice's Rayleigh anomalies
(postprocess.mode_class). Where a plane-wave ``fields/mode_i`` map exists (matched by
wavelength, within half a linewidth) the table adds the peak and mean |E|/|E0| on the metal
surface of that driven field; Γ and V are never taken from such a map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import numpy as np

from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.subbands import at_wavelength
from hotlase.geometry.units import nm_to_ev
from hotlase.postprocess import mode_class, mode_fields, optics
from hotlase.postprocess.absorption import gain_material
from hotlase.postprocess.runfile import (
    DEFAULT_SLAB_VOXELS,
    Run,
    field_grid,
    iter_field_slabs,
    read_group_arrays,
)
from hotlase.postprocess.surface import ElectronicInputs, analyze_surface


def linewidth_nm(wavelength_nm, q):
    """FWHM in wavelength, Δλ = λ/Q (docs/physics.md §6: Q = ω/Δω)."""
    return np.asarray(wavelength_nm, float) / np.asarray(q, float)


def linewidth_mev(wavelength_nm, q):
    """Full width at half maximum in energy, ΔE = ħω / Q in meV (docs/physics.md §6)."""
    return 1e3 * nm_to_ev(wavelength_nm) / np.asarray(q, float)


@dataclass(frozen=True)
class Mode:
    """One plasmon (or photonic) mode.

    Attributes:
        wavelength_nm, q: vacuum wavelength (nm) and quality factor.
        linewidth_nm, linewidth_mev: FWHM in nm and meV.
        error: Harminv relative error; probe: index of the probe that found it.
        k_bloch: (kx, ky)/(2 pi) in 1/nm; amplitude_abs: |Harminv amplitude| (arb.).
        merged: how many raw Harminv modes this entry stands for.
        field_tag: the plane-wave ``fields/`` tag at this mode's wavelength, if any.
        confinement_factor: electric energy in the perovskite over the total energy (1), from
            the mode's own field; NaN without one.
        mode_volume_nm3: mode volume with the Loudon/Ruppin energy density (nm^3), own field.
        surface_enhancement_peak, surface_enhancement_mean: |E|/|E0| on the metal surface of
            the plane-wave-driven map ``field_tag``.
        row: index of the kept row in ``modes/``; mode_class, class_reason: what the mode is
            (postprocess.mode_class); fractions: electric-energy shares {rod, metal, surface,
            elsewhere} of its own field (empty without one); anomaly_nm: nearest Rayleigh
            anomaly (NaN if none).
    """

    wavelength_nm: float
    q: float
    linewidth_nm: float
    linewidth_mev: float
    error: float
    probe: int
    k_bloch: tuple[float, float]
    amplitude_abs: float
    merged: int = 1
    field_tag: str | None = None
    confinement_factor: float = float("nan")
    mode_volume_nm3: float = float("nan")
    surface_enhancement_peak: float = float("nan")
    surface_enhancement_mean: float = float("nan")
    row: int = -1
    mode_class: str = mode_class.UNCLASSIFIED
    class_reason: str = ""
    fractions: dict = field(default_factory=dict)
    anomaly_nm: float = float("nan")
    separation_spread: float = float("nan")


@dataclass(frozen=True)
class Borderline:
    """A resonance of ``modes/borderline`` (docs/runfile.md): it missed one selection limit
    by less than its slack, so it is shown as borderline, never as a mode.

    Attributes:
        wavelength_nm, q, error: Harminv's vacuum wavelength (nm), Q and relative error.
        missed: the limit it missed (q_min, q_max, err_max, amplitude or band).
    """

    wavelength_nm: float
    q: float
    error: float
    missed: str


def read_borderline(run: Run) -> tuple[Borderline, ...]:
    """The rows of ``modes/borderline``, sorted by wavelength (none in older run files)."""
    if not run.has("modes/borderline/wavelength_nm"):
        return ()
    data, attrs = read_group_arrays(run, "modes/borderline")
    wl = np.atleast_1d(np.asarray(data["wavelength_nm"], float))
    q = np.atleast_1d(np.asarray(data.get("Q", np.full(wl.shape, np.nan)), float))
    err = np.atleast_1d(np.asarray(data.get("error", np.full(wl.shape, np.nan)), float))
    missed = attrs.get("missed", [])
    if isinstance(missed, str):
        missed = json.loads(missed)
    missed = list(missed) + [""] * (len(wl) - len(missed))
    rows = [Borderline(float(wl[i]), float(q[i]), float(err[i]), str(missed[i]))
            for i in range(len(wl))]
    return tuple(sorted(rows, key=lambda b: b.wavelength_nm))


@dataclass(frozen=True)
class ModeTable:
    """Deduplicated modes of one variant and what Harminv was told.

    Attributes:
        modes: modes sorted by wavelength.
        n_raw: rows in ``modes/`` before merging; n_filtered: candidates Harminv dropped.
        q_min, q_max: Harminv Q limits; band_nm: (min, max) searched.
        probes_nm: (p, 3) probe positions.
        borderline: resonances of ``modes/borderline`` (not modes; shown as borderline).
        material_ringing: Harminv resonances dropped as a material pole ringing on its own
            (``material_ringing_modes``), not modes of the structure.
    """

    modes: tuple[Mode, ...]
    n_raw: int
    n_filtered: int
    q_min: float
    q_max: float
    band_nm: tuple[float, float]
    probes_nm: np.ndarray = field(repr=False)
    anomalies: tuple = ()
    has_profiles: bool = False
    borderline: tuple[Borderline, ...] = ()
    material_ringing: tuple[Mode, ...] = ()


def raw_modes(run: Run) -> tuple[list[Mode], dict]:
    """Every row of ``modes/`` as a Mode, plus the group's attributes."""
    data, attrs = read_group_arrays(run, "modes")
    wl = np.atleast_1d(data["wavelength_nm"]).astype(float)
    q = np.atleast_1d(data["Q"]).astype(float)
    m = len(wl)
    err = np.atleast_1d(data.get("error", np.zeros(m))).astype(float)
    probe = np.atleast_1d(data.get("probe", np.zeros(m, int))).astype(int)
    kb = np.asarray(data.get("k_bloch", np.zeros((m, 2))), float).reshape(m, 2)
    amp = np.abs(np.atleast_1d(data.get("amplitude", np.ones(m))))
    modes = [Mode(float(wl[i]), float(q[i]), float(linewidth_nm(wl[i], q[i])),
                  float(linewidth_mev(wl[i], q[i])), float(err[i]), int(probe[i]),
                  (float(kb[i, 0]), float(kb[i, 1])), float(amp[i]), row=i) for i in range(m)]
    attrs["probes_nm"] = np.asarray(data.get("probes_nm", np.zeros((0, 3))), float)
    return modes, attrs


def dedupe_modes(modes: list[Mode]) -> list[Mode]:
    """Merge modes at one Bloch k closer than half the narrower linewidth; keep the smallest error."""
    kept: list[Mode] = []
    for mode in sorted(modes, key=lambda m: (m.error, -m.q)):
        for n, other in enumerate(kept):
            same_k = np.allclose(mode.k_bloch, other.k_bloch, atol=1e-9)
            # the narrower line sets the tolerance: a sharp mode beside a broad one is two modes
            tol = 0.5 * min(mode.linewidth_nm, other.linewidth_nm)
            if same_k and abs(mode.wavelength_nm - other.wavelength_nm) < tol:
                kept[n] = replace(other, merged=other.merged + 1)
                break
        else:
            kept.append(mode)
    return sorted(kept, key=lambda m: (m.k_bloch, m.wavelength_nm))


def _energy_model(study: StudySpec, names: tuple[str, ...], wavelength_nm: float):
    """Per material: d(ω Re ε)/dω (Brillouin) and, for Drude metals, ħγ of the Drude pole.

    Lossy Drude metals use the Loudon/Ruppin form (docs/physics.md §6); everything else the
    Brillouin form, except inside an absorption line where it is not positive (the window
    models' steep CsPbBr3 edge at 505-527 nm): there the Loudon/Ruppin factor
    (``optics.energy_factor_drude_lorentz``, equal to Brillouin's as the loss vanishes).
    Returns (factor array, gamma_ev array with NaN where Brillouin applies). Each
    material's model is the one the run used at ``wavelength_nm`` (its window's when the
    study splits its band, ``geometry.subbands.at_wavelength``).
    """
    served = at_wavelength(study, wavelength_nm)
    factor, gamma = [], []
    for name in names:
        model = material_model(served, name)
        brillouin = float(optics.d_omega_re_eps_d_omega(model, wavelength_nm))
        factor.append(brillouin if brillouin > 0 or model.is_metal else
                      float(optics.energy_factor_drude_lorentz(model, wavelength_nm)))
        drude = [p.gamma_ev for p in model.poles if p.kind == "drude" and p.gamma_ev > 0]
        gamma.append(drude[0] if model.is_metal and drude else np.nan)
    return np.array(factor), np.array(gamma)


@dataclass(frozen=True)
class ModeFieldMetrics:
    """Field figures of merit of one mode map (see Mode)."""

    confinement_factor: float
    mode_volume_nm3: float
    surface_enhancement_peak: float
    surface_enhancement_mean: float


def mode_field_metrics(run: Run, tag: str, inputs: ElectronicInputs | None = None,
                       slab_voxels: int = DEFAULT_SLAB_VOXELS) -> ModeFieldMetrics:
    """Confinement factor, mode volume and surface enhancement of ``fields/<tag>``.

    Energy density per voxel from ``postprocess.optics``: Brillouin (each material's
    d(ω Re ε)/dω) in dielectrics, Loudon/Ruppin in Drude metals, plus the magnetic part when
    H is stored. Slab by slab, bounded memory.
    """
    grid = field_grid(run, tag)
    factor, gamma = _energy_model(run.study, grid.materials, grid.wavelength_nm)
    drude = ~np.isnan(gamma)
    gain = gain_material(run.study)
    gain_id = grid.materials.index(gain) if gain in grid.materials else None
    names = ("E", "eps", "material_id") + (("H",) if grid.has_h else ())
    dv = grid.voxel_volume_m3
    energy_j = gain_energy_j = u_max = 0.0
    for slab in iter_field_slabs(run, tag, names, slab_voxels=slab_voxels):
        e, mid = slab.data["E"], slab.data["material_id"]
        u_e = np.asarray(optics.electric_energy_density_j_m3(e, factor[mid]), dtype=float)
        if drude[mid].any():
            loudon = optics.electric_energy_density_drude_j_m3(
                e, slab.data["eps"], grid.wavelength_nm, np.where(drude, gamma, 1.0)[mid])
            u_e = np.where(drude[mid], loudon, u_e)
        u = u_e + (np.asarray(optics.magnetic_energy_density_j_m3(slab.data["H"]), dtype=float)
                   if grid.has_h else 0.0)
        slab_energy = float(np.sum(u)) * dv
        if not slab_energy > 0:
            continue
        # the formulas act on whole arrays; per slab they give V_s = E_s / max_s and
        # Γ_s = E_gain,s / E_s, which recombine exactly into the totals
        slab_max = float(np.max(u))
        energy_j += optics.mode_volume_m3(u, dv) * slab_max
        u_max = max(u_max, slab_max)
        if gain_id is not None:
            gain_energy_j += optics.confinement_factor(u_e, mid == gain_id, u, dv) * slab_energy
    volume_m3 = energy_j / u_max if u_max > 0 else float("nan")
    gamma_conf = gain_energy_j / energy_j if gain_id is not None and energy_j > 0 else float("nan")
    surf = analyze_surface(run, tag, inputs, slab_voxels=slab_voxels) if grid.metal_ids() else None
    return ModeFieldMetrics(
        confinement_factor=gamma_conf, mode_volume_nm3=volume_m3 * 1e27,
        surface_enhancement_peak=surf.enhancement_peak if surf else float("nan"),
        surface_enhancement_mean=surf.enhancement_mean if surf else float("nan"))


def mode_table(modes_run: Run, field_runs: tuple[Run, ...] = (),
               inputs: ElectronicInputs | None = None,
               slab_voxels: int = DEFAULT_SLAB_VOXELS) -> ModeTable:
    """The deduplicated mode table of one variant, with field metrics where maps exist.

    Args:
        modes_run: the variant's ``modes`` run.
        field_runs: runs that may hold ``fields/mode_i`` maps (the modes and fields runs).
        inputs: electronic inputs (only the surface-enhancement pass uses the metal ids).
        slab_voxels: slab size for the field passes.
    """
    raw, attrs = raw_modes(modes_run)
    modes, ringing = split_material_ringing(dedupe_modes(raw), material_ringings(modes_run.study))
    maps = []  # (wavelength, run, tag)
    for run in field_runs:
        for tag in run.field_tags():
            if tag.startswith("mode"):
                maps.append((field_grid(run, tag).wavelength_nm, run, tag))
    study = modes_run.study
    anomalies = mode_class.rayleigh_anomalies(study)
    grid = mode_fields.read_profile_grid(modes_run)
    out = []
    for mode in modes:
        near = [(abs(w - mode.wavelength_nm), run, tag) for w, run, tag in maps
                if abs(w - mode.wavelength_nm) <= 0.5 * mode.linewidth_nm]
        if near:
            _, run, tag = min(near, key=lambda t: t[0])
            m = mode_field_metrics(run, tag, inputs, slab_voxels)
            mode = replace(mode, field_tag=tag,
                           surface_enhancement_peak=m.surface_enhancement_peak,
                           surface_enhancement_mean=m.surface_enhancement_mean)
        fractions = None
        if grid is not None and 0 <= mode.row < len(grid.has_profile) and grid.has_profile[mode.row]:
            e, h = mode_fields.read_profile(modes_run, grid, mode.row)
            own = mode_fields.own_field_metrics(study, grid, e, h, mode.wavelength_nm)
            fractions = {"rod": own.fraction_rod, "metal": own.fraction_metal,
                         "surface": own.fraction_surface, "elsewhere": own.fraction_elsewhere}
            mode = replace(mode, confinement_factor=own.confinement_factor,
                           mode_volume_nm3=own.mode_volume_nm3, fractions=fractions,
                           separation_spread=float(grid.separation_spread[mode.row])
                           if mode.row < len(grid.separation_spread) else float("nan"))
        cls, why = mode_class.classify(mode.wavelength_nm, mode.linewidth_nm, anomalies, fractions)
        near_ra = mode_class.nearest_anomaly(mode.wavelength_nm, anomalies)
        out.append(replace(mode, mode_class=cls, class_reason=why,
                           anomaly_nm=near_ra.wavelength_nm if near_ra else float("nan")))
    band = attrs.get("band_nm", (np.nan, np.nan))
    return ModeTable(
        modes=tuple(out), n_raw=len(raw), n_filtered=int(attrs.get("n_filtered", 0)),
        q_min=float(attrs.get("q_min", np.nan)), q_max=float(attrs.get("q_max", np.nan)),
        band_nm=(float(band[0]), float(band[1])), probes_nm=attrs["probes_nm"],
        anomalies=tuple(anomalies), has_profiles=grid is not None,
        borderline=read_borderline(modes_run),
        material_ringing=tuple(ringing))


def material_ringings(study: StudySpec) -> tuple:
    """Where the structure's materials ring on their own: each lossy Lorentz pole's free
    ringing and each zero of ε (geometry.materials.model.pole_ringings, eps_zeros)."""
    from hotlase.geometry.materials.model import eps_zeros, pole_ringings
    from hotlase.geometry.study import structure_materials

    out: list = []
    for path, name in structure_materials(study.structure).items():
        model = material_model(study, name, path)
        out += [*pole_ringings(model), *eps_zeros(model)]
    return tuple(out)


def split_material_ringing(modes: list[Mode], ringings) -> tuple[list[Mode], list[Mode]]:
    """(modes of the structure, resonances that are a material pole ringing on its own).

    A Harminv resonance within half a linewidth of a lossy Lorentz pole's free ringing
    frequency sqrt(E_n² − Γ²/4), or of a zero of ε, with Q within 1.5x of that line's
    (geometry.materials.model.matching_ringing) is the medium oscillating on its own, not
    a resonance of the rods: a many-pole perovskite fit otherwise lists such lines as modes
    (a homogeneous CsPbBr3_Brennan_530_700 cell gave one at 518.6 nm, Q 238, beside its ε
    zero at 518.9 nm, Q 178).
    """
    from hotlase.geometry.materials.model import matching_ringing

    kept: list[Mode] = []
    dropped: list[Mode] = []
    for mode in modes:
        hit = matching_ringing(float(nm_to_ev(mode.wavelength_nm)), mode.q, ringings)
        (dropped if hit is not None else kept).append(mode)
    return kept, dropped


def read_dispersion(run: Run) -> dict[str, np.ndarray] | None:
    """``modes/dispersion`` (Bloch-k sweep) as arrays, or None when the run has none.

    Returns {k_x_per_nm (k,), k_per_nm (m,), wavelength_nm (m,), Q (m,),
    light_line_wavelength_nm (k,)}: one row per mode found at sweep point k_index.
    """
    if not run.has("modes/dispersion/wavelength_nm"):
        return None
    data, _ = read_group_arrays(run, "modes/dispersion")
    kx = np.asarray(data["k_x"], float)
    idx = np.asarray(data["k_index"], int)
    return {"k_x_per_nm": kx, "k_per_nm": kx[idx] if idx.size else np.zeros(0),
            "wavelength_nm": np.asarray(data["wavelength_nm"], float),
            "Q": np.asarray(data["Q"], float),
            "light_line_wavelength_nm": np.asarray(data.get("light_line_wavelength_nm",
                                                            np.full(kx.shape, np.inf)), float)}
