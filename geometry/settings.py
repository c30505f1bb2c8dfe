"""Frozen specs of how a study is simulated and analysed (grid, band, pump, hot-electron inputs)."""

from __future__ import annotations

from dataclasses import dataclass

from hotlase.geometry.runkinds import run_kind_names
from hotlase.geometry.validate import Range, SpecError, check_bool, check_choice

#: Finest grid spacing a study may ask for, nm.
MIN_RESOLUTION_NM = 0.5
RUN_KINDS = run_kind_names()  # the built-in run kinds (geometry.runkinds), the default of a study
INJECTION_SURFACES = ("contact", "all")
POLARIZATIONS = ("x", "y")
#: How a run serves a material with per-band models (geometry/subbands.py): "split" runs once
#: per model window, "broadband" once with the one model fitted over the whole band.
MATERIAL_BANDS = ("split", "broadband")
#: How a dispersive rod's curved wall is averaged (geometry/wall_average.py).
WALL_AVERAGING = ("anisotropic", "meep")
_BAND = Range(200.0, 2000.0)
_POSITIVE = Range(0.0, 1e5, lo_open=True)
#: Allowed range of every numeric [simulation] key (checked in SimulationSpec, printed by
#: ``hotlase schema``).
SIMULATION_LIMITS = {
    "resolution_nm": Range(MIN_RESOLUTION_NM, 50.0),
    "wavelength_min_nm": _BAND, "wavelength_max_nm": _BAND,
    "n_wavelengths": Range(2, 2000, integer=True),
    "pump_wavelength_nm": _BAND, "emission_wavelength_nm": _BAND,
    "pump_intensity_w_m2": Range(0.0, 1e16, lo_open=True),
    "angle_deg": Range(0.0, 80.0, hi_open=True),
    "padding_nm": _POSITIVE, "pml_nm": _POSITIVE,
    "decay_by": Range(0.0, 0.1, lo_open=True),
    "max_time_fs": Range(0.0, 1e6, lo_open=True),
    "mode_q_min": Range(0.5, 1e6),
    "bloch_k_points": Range(0, 200, integer=True),
}
#: Allowed range of every numeric [analysis] key (each entry of bias_field_v_m for it).
ANALYSIS_LIMITS = {
    "bias_field_v_m": Range(0.0, 1e9),
    "work_function_ev": Range(0.0, 10.0, lo_open=True),
    "electron_affinity_ev": Range(0.0, 10.0, lo_open=True),
    "barrier_ev": Range(0.0, 5.0),
    "fermi_energy_ev": Range(0.0, 20.0, lo_open=True),
    "static_permittivity": Range(1.0, 1000.0),
}
#: The allowed strings of the choice keys of [simulation] and [analysis].
SETTINGS_CHOICES = {"polarization": POLARIZATIONS, "injection_surface": INJECTION_SURFACES,
                    "material_bands": MATERIAL_BANDS, "wall_averaging": WALL_AVERAGING}


@dataclass(frozen=True)
class SimulationSpec:
    """Grid, band, sources and termination.

    Attributes:
        resolution_nm: grid spacing in nm, in [0.5, 50]. Metals converge only at a few nm.
        wavelength_min_nm, wavelength_max_nm: broadband band in nm, 200 <= min < max <= 2000.
        n_wavelengths: number of spectrum points, in [2, 2000].
        pump_wavelength_nm: pump (the seed's 405 nm laser), nm, in [200, 2000].
        emission_wavelength_nm: perovskite emission / lasing line (532 nm in the seed), nm.
        pump_intensity_w_m2: pump intensity in W/m^2, > 0 (5 kW/cm^2 = 5e7 W/m^2, seed Table S1).
        polarization: "x" or "y", the incident E direction.
        angle_deg: incidence angle in the xz plane, degrees, in [0, 80).
        padding_nm: free space between the structure and the PML, nm, > 0.
        pml_nm: PML thickness in nm, > 0.
        symmetry: use mirror symmetries when structure and source allow.
        decay_by: stop when |E|^2 at the monitor has decayed by this factor from its peak, in
            (0, 0.1]; 1e-6 keeps a 1D slab R, T within 1e-3 of Airy (1e-4 gave 0.1 errors).
        max_time_fs: hard cap on simulated time per run in fs, > 0.
        mode_q_min: Harminv lower Q limit (plasmon modes are low-Q), in [0.5, 1e6].
        bloch_k_points: number of Bloch k points for a dispersion sweep along x (0 = none).
        material_bands: "split" runs each spectrum/fields, modes and emitter run once per
            window of a material's per-band models (CsPbBr3: 400-520, 520-530, 530-700 nm),
            each with the model that meets the measured n, k there, and stitches the results
            into one run file (geometry/subbands.py; a mode or LDOS wavelength comes from the
            window serving it); "broadband" runs once with the one model fitted over
            the whole band (and warns where it misses the measured n, k). When absent, "split"
            if the one-band model misses the target and per-band models exist, else
            "broadband".
        wall_averaging: how a dispersive rod's curved wall is averaged: "anisotropic" (the
            rod's eps_inf as the Kottke tensor and its poles weighted along and across the
            wall; second-order convergence, docs/metal-interfaces.md) or "meep" (Meep 1.25's
            own rule: eps_inf averaged, poles taken at the Yee point; first order).
    """

    resolution_nm: float = 7.5
    wavelength_min_nm: float = 400.0
    wavelength_max_nm: float = 700.0
    n_wavelengths: int = 121
    pump_wavelength_nm: float = 405.0
    emission_wavelength_nm: float = 532.0
    pump_intensity_w_m2: float = 5e7
    polarization: str = "x"
    angle_deg: float = 0.0
    padding_nm: float = 300.0
    pml_nm: float = 400.0
    symmetry: bool = True
    decay_by: float = 1e-6
    max_time_fs: float = 400.0
    mode_q_min: float = 2.0
    bloch_k_points: int = 0
    material_bands: str | None = None
    wall_averaging: str = "anisotropic"

    def __post_init__(self):
        for name, allowed in SIMULATION_LIMITS.items():
            object.__setattr__(self, name, allowed.check(name, getattr(self, name)))
        if self.wavelength_max_nm <= self.wavelength_min_nm:
            raise SpecError("wavelength_max_nm", self.wavelength_max_nm,
                            f"must be > wavelength_min_nm = {self.wavelength_min_nm:g}")
        check_choice("polarization", self.polarization, POLARIZATIONS)
        if self.material_bands is not None:
            check_choice("material_bands", self.material_bands, MATERIAL_BANDS)
        check_choice("wall_averaging", self.wall_averaging, WALL_AVERAGING)
        check_bool("symmetry", self.symmetry)
        if self.resolution_nm > self.pml_nm / 4:
            raise SpecError("pml_nm", self.pml_nm,
                            f"must be >= 4 grid cells = {4 * self.resolution_nm:g} nm")


@dataclass(frozen=True)
class AnalysisSpec:
    """Inputs of the hot-electron analysis; None means the cited default of the materials.

    Attributes:
        bias_field_v_m: applied fields (the seed's electrical polarisation, EPL) in V/m,
            each in [0, 1e9]; 0 is the unbiased (PL) case.
        work_function_ev: metal work function override in eV, in (0, 10].
        electron_affinity_ev: perovskite electron affinity override in eV, in (0, 10].
        barrier_ev: Schottky barrier override in eV, in [0, 5] (wins over the two above).
        fermi_energy_ev: metal Fermi energy override in eV, in (0, 20].
        static_permittivity: the perovskite's static relative permittivity (Schottky lowering)
            override, in [1, 1000].
        injection_surface: which metal surface the injected rate counts: "contact" (default:
            only metal faces touching the perovskite, where carriers cross without lateral
            transport) or "all" (every metal surface in the cell).
    """

    bias_field_v_m: tuple[float, ...] = (0.0, 1e6, 1e7, 5e7, 1e8)
    work_function_ev: float | None = None
    electron_affinity_ev: float | None = None
    barrier_ev: float | None = None
    fermi_energy_ev: float | None = None
    static_permittivity: float | None = None
    injection_surface: str = "contact"

    def __post_init__(self):
        check_choice("injection_surface", self.injection_surface, INJECTION_SURFACES)
        fields_ = self.bias_field_v_m
        if isinstance(fields_, (int, float)) and not isinstance(fields_, bool):
            fields_ = (fields_,)
        if not isinstance(fields_, (list, tuple)) or not fields_:
            raise SpecError("bias_field_v_m", fields_, "must be a non-empty list of fields in V/m")
        object.__setattr__(self, "bias_field_v_m", tuple(
            ANALYSIS_LIMITS["bias_field_v_m"].check(f"bias_field_v_m[{i}]", f)
            for i, f in enumerate(fields_)))
        for name, allowed in ANALYSIS_LIMITS.items():
            value = getattr(self, name)
            if value is not None and name != "bias_field_v_m":
                object.__setattr__(self, name, allowed.check(name, value))
