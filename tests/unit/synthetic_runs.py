"""Small synthetic run files that follow docs/runfile.md exactly, with analytically known fields.

The structure is a periodic square rod array (CsPbBr3 rods on a metal film) whose field runs
hold the exact p-polarised plane-wave solution of the bare metal half-space (incidence in xz at
``ANGLE_DEG``): incident + Fresnel-reflected wave above z = 0, the transmitted evanescent wave
below. The rods are present in ``eps``/``material_id`` but do not perturb the field, so every
integral the postprocess computes has a closed form here:

- metal absorbed fraction over a film of thickness d: (1 - |r|^2)(1 - exp(-2 Im(kz2) d))
  (Poynting's theorem for the transmitted wave);
- rod absorbed fraction: (1/2) w eps0 Im eps_rod x (rod cross-section on the grid) x
  integral_0^h |E(z)|^2 dz / (I x cell area), with |E(z)|^2 in closed form;
- |E_normal|^2 just inside the metal (the voxel centre at z = -dz/2) is |E_z(0-)|^2 e^{-Im(kz2) dz}.

Written with h5py directly (not through solvers/output.py) so that the contract, not the
writer, is what the postprocess is tested against. Fields are in SI (V/m, A/m) for the
stated intensity, which is the incident flux per unit area through a z-plane.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.raster import material_grid
from hotlase.geometry.specs import FilmStackSpec, RodArraySpec, WireOnMetalSpec
from hotlase.geometry.study import StudySpec, material_model, study_from_dict, study_json
from hotlase.geometry.twin import without_metal
from hotlase.geometry.units import EPS0_F_M, wavelength_nm_to_omega_rad_s

ANGLE_DEG = 30.0
DX_NM = 5.0
METAL_NM = 150.0
Z_TOP_NM = 250.0


def study_dict(metal: str = "Ag", angle_deg: float = ANGLE_DEG) -> dict:
    """The synthetic study as a TOML-shaped dict: 200 nm square cell, r = 40 nm, h = 100 nm."""
    return {
        "study": {"name": "synthetic", "run_kinds": ["spectrum", "modes", "fields", "emitter"]},
        "structure": {"kind": "rod_array", "lattice": "square", "period_nm": 200.0,
                      "array": "periodic",
                      "rod": {"material": "CsPbBr3", "radius_nm": 40.0, "height_nm": 100.0},
                      "metal": {"material": metal, "thickness_nm": METAL_NM},
                      "substrate": {"material": "SiO2"}},
        "simulation": {"resolution_nm": DX_NM, "wavelength_min_nm": 400.0,
                       "wavelength_max_nm": 700.0, "n_wavelengths": 31,
                       "pump_wavelength_nm": 405.0, "emission_wavelength_nm": 532.0,
                       "pump_intensity_w_m2": 5e7, "polarization": "x",
                       "angle_deg": angle_deg, "pml_nm": 100.0},
        "analysis": {"bias_field_v_m": [0.0, 1e7, 1e8]},
    }


def film_study_dict(metal: str = "Ag") -> dict:
    """A 1D film stack: one metal layer of METAL_NM on SiO2 (same simulation and analysis)."""
    d = study_dict(metal)
    d["structure"] = {"kind": "film_stack", "layers": [{"material": metal, "thickness_nm": METAL_NM}],
                      "substrate": {"material": "SiO2"}}
    d["study"]["name"] = "synthetic_film"
    d["simulation"]["angle_deg"] = 0.0  # oblique incidence needs a periodic cell (study check)
    d["study"]["run_kinds"] = ["spectrum", "fields"]  # a planar stack has no modes or emitter site
    return d


def wire_study_dict(metal: str = "Ag") -> dict:
    """A 2D wire on metal (no spacer): CsPbBr3 wire r = 40 nm on METAL_NM of metal, 300 nm wide."""
    d = study_dict(metal)
    d["structure"] = {"kind": "wire_on_metal", "wire_material": "CsPbBr3", "radius_nm": 40.0,
                      "spacer": {}, "metal": {"material": metal, "thickness_nm": METAL_NM},
                      "substrate": {"material": "SiO2"}, "cell_width_nm": 300.0}
    d["study"]["name"] = "synthetic_wire"
    d["simulation"]["angle_deg"] = 0.0  # oblique incidence needs a periodic cell (study check)
    # a finite cell with dispersive media gets lateral Absorbers, so the solver refuses its
    # spectrum and fields runs (geometry.study.check_study); the synthetic files still exercise
    # the post-processing's 2D paths, which modes and emitter files of a wire also take
    d["study"]["run_kinds"] = ["modes", "emitter"]
    return d


def make_study(metal: str = "Ag", angle_deg: float = ANGLE_DEG) -> StudySpec:
    """The synthetic study, validated (accuracy warnings silenced: the grid is deliberately coarse)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_from_dict(study_dict(metal, angle_deg))


def study_of(data: dict) -> StudySpec:
    """Validate a synthetic study dict (accuracy warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_from_dict(data)


# --------------------------------------------------------------------------------------
# The analytic field: p-polarised plane wave on a half-space (e^{-iwt}, H = y H_y)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HalfSpaceWave:
    """Exact p-polarised fields above (eps1) and below (eps2) the plane z = 0 (SI units).

    Attributes:
        wavelength_nm, eps1, eps2, angle_deg, intensity_w_m2: the inputs.
        h0: incident |H| (A/m) giving ``intensity_w_m2`` of z-flux per unit area.
        kx, kz1, kz2: wave-vector components (1/m); Im kz2 >= 0 (decay into z < 0).
        r, t: Fresnel coefficients of H_y.
    """

    wavelength_nm: float
    eps1: float
    eps2: complex
    angle_deg: float
    intensity_w_m2: float

    @property
    def omega(self) -> float:
        return float(wavelength_nm_to_omega_rad_s(self.wavelength_nm))

    @property
    def k0(self) -> float:
        return 2 * np.pi / (self.wavelength_nm * 1e-9)

    @property
    def kx(self) -> float:
        return self.k0 * np.sqrt(self.eps1) * np.sin(np.radians(self.angle_deg))

    @property
    def kz1(self) -> float:
        return self.k0 * np.sqrt(self.eps1) * np.cos(np.radians(self.angle_deg))

    @property
    def kz2(self) -> complex:
        kz = np.sqrt(self.eps2 * self.k0**2 - self.kx**2 + 0j)
        return -kz if kz.imag < 0 else kz

    @property
    def r(self) -> complex:
        a, b = self.kz1 / self.eps1, self.kz2 / self.eps2
        return (a - b) / (a + b)

    @property
    def t(self) -> complex:
        return 1 + self.r

    @property
    def h0(self) -> float:
        return float(np.sqrt(2 * self.intensity_w_m2 * self.omega * EPS0_F_M * self.eps1 / self.kz1))

    @property
    def e0(self) -> float:
        """Incident |E| (V/m) in the superstrate."""
        return self.h0 * self.k0 * np.sqrt(self.eps1) / (self.omega * EPS0_F_M * self.eps1)

    def fields(self, x_nm, z_nm) -> tuple[np.ndarray, np.ndarray]:
        """E and H, each (3, nx, nz) complex, on the grid x_nm x z_nm (SI)."""
        x = np.asarray(x_nm)[:, None] * 1e-9
        z = np.asarray(z_nm)[None, :] * 1e-9
        w_eps0 = self.omega * EPS0_F_M
        phase = np.exp(1j * self.kx * x)
        above = z >= 0
        hy_up = self.h0 * phase * (np.exp(-1j * self.kz1 * z) + self.r * np.exp(1j * self.kz1 * z))
        ex_up = self.h0 * phase * self.kz1 * (-np.exp(-1j * self.kz1 * z)
                                              + self.r * np.exp(1j * self.kz1 * z)) / (w_eps0 * self.eps1)
        hy_dn = self.t * self.h0 * phase * np.exp(-1j * self.kz2 * np.minimum(z, 0))
        ex_dn = -self.kz2 * hy_dn / (w_eps0 * self.eps2)
        hy = np.where(above, hy_up, hy_dn)
        ex = np.where(above, ex_up, ex_dn)
        ez = np.where(above, -self.kx * hy_up / (w_eps0 * self.eps1), -self.kx * hy_dn / (w_eps0 * self.eps2))
        zero = np.zeros_like(hy)
        return np.stack([ex, zero, ez]), np.stack([zero, hy, zero])

    def metal_absorbed_fraction(self, depth_nm: float) -> float:
        """Fraction of the incident flux absorbed in 0 > z > -depth (exact, Poynting)."""
        return float((1 - abs(self.r) ** 2) * (1 - np.exp(-2 * self.kz2.imag * depth_nm * 1e-9)))

    def e2_above_integral_v2_m(self, height_nm: float) -> float:
        """Integral of |E|^2 over 0 < z < height in the superstrate (V^2/m)."""
        h = height_nm * 1e-9
        k, r = self.kz1, self.r
        osc = lambda s: h * (1 + abs(r) ** 2) + s * 2 * np.real(r * (np.exp(2j * k * h) - 1) / (2j * k))  # noqa: E731
        pref = (self.h0 / (self.omega * EPS0_F_M * self.eps1)) ** 2
        return float(pref * (k**2 * osc(-1) + self.kx**2 * osc(+1)))

    def e_normal_inside_sq(self, depth_nm: float) -> float:
        """|E_z|^2 (V^2/m^2) at depth ``depth_nm`` below the interface, inside medium 2."""
        ez0 = self.kx * self.t * self.h0 / (self.omega * EPS0_F_M * abs(self.eps2))
        return float(abs(ez0) ** 2 * np.exp(-2 * self.kz2.imag * depth_nm * 1e-9))


def grid_nm(study: StudySpec, images: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Voxel centres: the whole 200 nm cell in x, y; the metal film and 250 nm above in z.

    ``images`` extra columns on each lateral side are periodic images (as Meep's DFT maps have).
    """
    s = study.structure
    zero = np.array([0.0])
    z = -METAL_NM + DX_NM * (np.arange(int(round((METAL_NM + Z_TOP_NM) / DX_NM))) + 0.5)
    if isinstance(s, FilmStackSpec):  # 1D stack
        return zero, zero.copy(), z
    if isinstance(s, WireOnMetalSpec):  # 2D xz cross-section
        w = s.cell_width_nm
        return -w / 2 + DX_NM * (np.arange(int(round(w / DX_NM))) + 0.5), zero, z
    p = s.period_nm
    x = -p / 2 + DX_NM * (np.arange(-images, int(round(p / DX_NM)) + images) + 0.5)
    return x, x.copy(), z


def metal_layer(study: StudySpec) -> str:
    """Material of the layer just below z = 0 (the metal, or the twin's dielectric)."""
    s = study.structure
    return s.layers[0].material if isinstance(s, FilmStackSpec) else s.metal.material


def voxel_volume_nm3(study: StudySpec) -> float:
    """dx dy dz, with 1 nm for each collapsed axis (docs/runfile.md)."""
    x, y, _ = grid_nm(study)
    return DX_NM ** (1 + (len(x) > 1) + (len(y) > 1))


def wave_for(study: StudySpec, wavelength_nm: float) -> HalfSpaceWave:
    """The analytic wave for this variant: half-space of its metal layer's material."""
    eps2 = complex(material_model(study, metal_layer(study)).eps(wavelength_nm))
    return HalfSpaceWave(wavelength_nm, 1.0, eps2, study.simulation.angle_deg,
                         study.simulation.pump_intensity_w_m2)


def rod_voxel_area_nm2(study: StudySpec) -> float:
    """Cross-section of the rod as the grid draws it (voxel count x dx dy)."""
    x, y, _ = grid_nm(study)
    r = study.structure.rod.radius_nm
    return float(((x[:, None] ** 2 + y[None, :] ** 2) <= r**2).sum() * DX_NM**2)


def expected_fractions(study: StudySpec, wavelength_nm: float) -> dict[str, float]:
    """Closed-form absorbed fractions {material: fraction} of the synthetic field.

    The layer below z = 0 always; the rods of a rod array too (a wire's circular section has
    no closed form on the grid, so it is left out).
    """
    wave = wave_for(study, wavelength_nm)
    out: dict[str, float] = {}
    if isinstance(study.structure, RodArraySpec):
        rod = study.structure.rod
        eps_rod = complex(material_model(study, rod.material).eps(wavelength_nm))
        cell_m2 = (study.structure.period_nm * 1e-9) ** 2
        p_rod = 0.5 * wave.omega * EPS0_F_M * eps_rod.imag * rod_voxel_area_nm2(study) * 1e-18 \
            * wave.e2_above_integral_v2_m(rod.height_nm)
        out[rod.material] = p_rod / (wave.intensity_w_m2 * cell_m2)
    layer = metal_layer(study)  # the metal, or the twin's dielectric in its place
    out[layer] = out.get(layer, 0.0) + wave.metal_absorbed_fraction(METAL_NM)
    return out


# --------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------
def _ds(group, name, data, units, long_name):
    ds = group.create_dataset(name, data=np.asarray(data))
    ds.attrs["units"] = units
    ds.attrs["long_name"] = long_name
    return ds


def _root(f, study: StudySpec, kind: str, variant: str, status: str, message: str) -> None:
    a = f.attrs
    a["spec_json"] = study_json(study, resolved=True)  # as solvers.output.RunWriter stores it
    a["hotlase_version"] = "0.1.0"
    a["meep_version"] = "synthetic"
    a["git_commit"] = "synthetic"
    a["created_utc"] = "2026-01-01T00:00:00+00:00"
    a["mpi_processes"] = 1
    a["resolution_nm"] = float(study.simulation.resolution_nm)
    a["run_kind"] = kind
    a["variant"] = variant
    a["status"] = status
    a["message"] = message
    a["symmetries"] = json.dumps([])
    a["courant"] = 0.5
    a["wall_time_s"] = 1.0
    a["stepping_time_s"] = 0.5


def write_field_tag(f, study: StudySpec, tag: str, wavelength_nm: float,
                    e: np.ndarray | None = None, h: np.ndarray | None = None,
                    uniform_material: str | None = None, images: int = 0) -> None:
    """``fields/<tag>``: the analytic half-space field (or the given E, H) on the grid.

    ``uniform_material`` fills the whole grid with one material (for closed-form mode volumes);
    ``images`` adds periodic-image columns at the lateral edges (see ``grid_nm``).
    """
    x, y, z = grid_nm(study, images)
    if uniform_material is None:
        names, ids = material_grid(build(study.structure), x, y, z)
    else:
        names, ids = (uniform_material,), np.zeros((len(x), len(y), len(z)), int)
    eps_by = np.array([complex(material_model(study, n).eps(wavelength_nm)) for n in names])
    wave = wave_for(study, wavelength_nm)
    if e is None:
        exz, hxz = wave.fields(x, z)
        e = np.broadcast_to(exz[:, :, None, :], (3, len(x), len(y), len(z)))
        h = np.broadcast_to(hxz[:, :, None, :], (3, len(x), len(y), len(z)))
    g = f.create_group(f"fields/{tag}")
    _ds(g, "E", e, "V/m", "DFT electric field")
    if h is not None:
        _ds(g, "H", h, "A/m", "DFT magnetic field")
    _ds(g, "eps", eps_by[ids], "1", "relative permittivity")
    _ds(g, "material_id", ids.astype(np.int8), "1", "material index")
    _ds(g, "x_nm", x, "nm", "x")
    _ds(g, "y_nm", y, "nm", "y")
    _ds(g, "z_nm", z, "nm", "z")
    g.attrs["wavelength_nm"] = float(wavelength_nm)
    g.attrs["intensity_w_m2"] = float(study.simulation.pump_intensity_w_m2)
    g.attrs["incident_field_v_m"] = float(wave.e0)
    g.attrs["materials"] = json.dumps(list(names))
    g.attrs["metal_materials"] = json.dumps(
        [n for n in names if material_model(study, n).is_metal])
    g.attrs["voxel_volume_nm3"] = voxel_volume_nm3(study)


def mode_field(study: StudySpec, width_nm: float = 30.0,
               center_nm: tuple[float, float, float] = (0.0, 0.0, 50.0)) -> np.ndarray:
    """A Gaussian E_z blob in the rod, peak 1 V/m: E = z exp(-|r - c|^2 / w^2)."""
    x, y, z = grid_nm(study)
    cx, cy, cz = center_nm
    r2 = (x[:, None, None] - cx) ** 2 + (y[None, :, None] - cy) ** 2 + (z[None, None, :] - cz) ** 2
    e = np.zeros((3, len(x), len(y), len(z)), complex)
    e[2] = np.exp(-r2 / width_nm**2)
    return e


MODES_MAIN = {"wavelength_nm": [520.0, 521.0, 560.0, 610.0], "Q": [20.0, 22.0, 8.0, 50.0],
              "error": [1e-3, 5e-4, 1e-2, 1e-3], "probe": [0, 1, 0, 1]}
MODES_NO_METAL = {"wavelength_nm": [540.0, 600.0], "Q": [12.0, 30.0],
                  "error": [1e-3, 2e-3], "probe": [0, 0]}


def _write_kind(f, study: StudySpec, kind: str, variant: str) -> None:
    sim = study.simulation
    if kind == "spectrum":
        g = f.create_group("spectrum")
        wl = np.linspace(sim.wavelength_min_nm, sim.wavelength_max_nm, sim.n_wavelengths)
        wl = np.unique(np.append(wl, [sim.pump_wavelength_nm, sim.emission_wavelength_nm]))
        by = {}
        for i, w in enumerate(wl):
            for name, frac in expected_fractions(study, w).items():
                by.setdefault(name, np.zeros(len(wl)))[i] = frac
        metal_wave = [wave_for(study, w) for w in wl]
        t = np.array([(1 - abs(m.r) ** 2) * np.exp(-2 * m.kz2.imag * METAL_NM * 1e-9)
                      for m in metal_wave])
        a_sum = sum(by.values())
        # the twin's closed-form rod absorption exceeds the bare-interface R: keep R >= 0 and
        # R + T + sum A = 1 (a physical, balanced spectrum passes postprocess.runchecks)
        r = np.maximum(1 - t - a_sum, 0.0)
        t = 1 - r - a_sum
        _ds(g, "wavelength_nm", wl, "nm", "vacuum wavelength")
        _ds(g, "R", r, "1", "reflectance")
        _ds(g, "T", t, "1", "transmittance")
        _ds(g, "A", 1 - r - t, "1", "absorptance (flux box)")
        for name, a in by.items():
            _ds(g, f"A_by_material/{name}", a, "1", f"absorptance in {name}")
        _ds(g, "incident_flux", np.ones(len(wl)), "arb.", "incident flux")
        g.attrs["energy_balance_max_error"] = float(np.max(np.abs(r + t + a_sum - 1)))
    elif kind == "modes":
        table = MODES_MAIN if variant == "main" else MODES_NO_METAL
        g = f.create_group("modes")
        m = len(table["Q"])
        _ds(g, "wavelength_nm", table["wavelength_nm"], "nm", "mode wavelength")
        _ds(g, "Q", table["Q"], "1", "quality factor")
        _ds(g, "amplitude", np.ones(m, complex), "arb.", "Harminv amplitude")
        _ds(g, "error", table["error"], "1", "Harminv error")
        _ds(g, "probe", np.asarray(table["probe"], int), "1", "probe index")
        _ds(g, "k_bloch", np.zeros((m, 2)), "1/nm", "Bloch wave vector")
        _ds(g, "probes_nm", [[0.0, 0.0, 50.0], [20.0, 0.0, 90.0]], "nm", "probe positions")
        g.attrs["q_min"] = sim.mode_q_min
        g.attrs["q_max"] = 1e4
        g.attrs["band_nm"] = np.array([sim.wavelength_min_nm, sim.wavelength_max_nm])
        g.attrs["n_filtered"] = 1
        if variant == "main":  # a Bloch-k sweep: one band moving to the blue with k
            kx = np.linspace(0.0, 0.0025, 5)
            d = f.create_group("modes/dispersion")
            _ds(d, "k_x", kx, "1/nm", "Bloch kx/(2 pi)")
            _ds(d, "k_index", np.arange(5), "1", "index into k_x")
            _ds(d, "k_bloch", np.stack([kx, 0 * kx], axis=-1), "1/nm", "Bloch wave vector")
            _ds(d, "wavelength_nm", 600.0 - 20000.0 * kx, "nm", "mode wavelength")
            _ds(d, "Q", np.full(5, 20.0), "1", "quality factor")
            with np.errstate(divide="ignore"):
                _ds(d, "light_line_wavelength_nm", np.where(kx > 0, 1.0 / np.where(kx > 0, kx, 1), np.inf),
                    "nm", "light line")
        best = int(np.argmin(table["error"]))
        write_field_tag(f, study, f"mode_{best}", table["wavelength_nm"][best],
                        e=mode_field(study), h=np.zeros((3, *grid_nm_shape(study)), complex))
    elif kind == "fields":
        write_field_tag(f, study, "pump", sim.pump_wavelength_nm)
        write_field_tag(f, study, "emission", sim.emission_wavelength_nm)
    elif kind == "emitter":
        g = f.create_group("emitter")
        wl = np.linspace(500.0, 560.0, 13)
        bulk = 1.0 + 0.001 * (wl - 500.0)
        factor = purcell_expected(variant, wl)
        _ds(g, "wavelength_nm", wl, "nm", "vacuum wavelength")
        _ds(g, "ldos", factor * bulk, "arb.", "LDOS at the dipole")
        _ds(g, "ldos_bulk", bulk, "arb.", "LDOS in the bulk rod medium")
        g.attrs["position_nm"] = np.array([0.0, 0.0, 50.0])
        s = study.structure
        g.attrs["medium"] = s.rod.material if isinstance(s, RodArraySpec) else getattr(
            s, "wire_material", "SiO2")


def purcell_expected(variant: str, wavelength_nm) -> np.ndarray:
    """The Purcell factor written into the synthetic emitter runs (linear in wavelength)."""
    wl = np.asarray(wavelength_nm, float)
    return 3.0 + 0.05 * (wl - 500.0) if variant == "main" else 1.2 + 0.0 * wl


def grid_nm_shape(study: StudySpec) -> tuple[int, int, int]:
    """(nx, ny, nz) of the synthetic grid."""
    return tuple(len(c) for c in grid_nm(study))


def write_run(path: str | Path, study: StudySpec, kind: str, variant: str,
              status: str = "complete", message: str = "") -> Path:
    """Write one synthetic run file of ``kind`` for ``study`` at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        _root(f, study, kind, variant, status, message)
        if status == "complete":
            _write_kind(f, study, kind, variant)
    return path


def make_run_dir(out: str | Path, kinds=("spectrum", "modes", "fields", "emitter"),
                 variants=("main", "no_metal"), study: StudySpec | None = None) -> Path:
    """A run directory OUT/runs/<variant>_<kind>.h5 with the requested synthetic runs."""
    out = Path(out)
    main = study or make_study()
    for variant in variants:
        s = main if variant == "main" else without_metal(main)
        for kind in kinds:
            write_run(out / "runs" / f"{variant}_{kind}.h5", s, kind, variant)
    return out


def write_profiles(path, study: StudySpec, rows: dict[int, np.ndarray], material_ids=None,
                   names=None) -> None:
    """Add ``modes/profile`` to a modes run file: E given per row of ``modes/`` (H = 0), as
    solvers.mode_profiles writes it; the real structure's materials unless ``material_ids``."""
    x, y, z = grid_nm(study)
    if material_ids is None:
        names, material_ids = material_grid(build(study.structure), x, y, z)
    with h5py.File(path, "a") as f:
        m = len(f["modes/wavelength_nm"])
        e = np.zeros((m, 3, len(x), len(y), len(z)), np.complex64)
        has = np.zeros(m, np.int8)
        for r, fld in rows.items():
            e[r], has[r] = fld, 1
        g = f.require_group("modes/profile")
        for k, v in {"E": e, "H": np.zeros_like(e), "has_profile": has,
                     "material_id": np.asarray(material_ids).astype(np.int8), "x_nm": x, "y_nm": y,
                     "z_nm": z}.items():
            g.create_dataset(k, data=v)
        g.attrs["materials"] = json.dumps(list(names))
        g.attrs["metal_materials"] = json.dumps([n for n in names if n == metal_layer(study)])
        g.attrs["voxel_volume_nm3"] = voxel_volume_nm3(study)


BORDERLINE = {"wavelength_nm": [455.0, 655.0], "Q": [4.5, 30.0], "error": [1e-3, 0.2],
              "missed": ["q_min", "err_max"]}


def write_borderline(path, table: dict | None = None) -> None:
    """Add ``modes/borderline`` (docs/runfile.md) to a modes run file: ``BORDERLINE`` rows."""
    table = table or BORDERLINE
    n = len(table["wavelength_nm"])
    with h5py.File(path, "a") as f:
        g = f.require_group("modes/borderline")
        _ds(g, "wavelength_nm", table["wavelength_nm"], "nm", "borderline mode vacuum wavelength")
        _ds(g, "Q", table["Q"], "1", "quality factor (Harminv)")
        _ds(g, "amplitude", np.ones(n, complex), "arb.", "Harminv complex amplitude")
        _ds(g, "error", table["error"], "1", "Harminv relative error")
        _ds(g, "run", np.zeros(n, np.int64), "1", "index into the modes runs attribute")
        g.attrs["missed"] = json.dumps(table["missed"])
