"""The run-kind registry: what each kind of run needs, which solver makes it, what its run file
holds (the schema docs/runfile.md is generated from) and which analysis step reads it.

Pure data (no meep): the study check refuses, before any MPI start, a run kind whose needs
the structure does not meet; ``hotlase run --kinds`` accepts only registered names; the
solver entry is a dotted name resolved by ``solvers`` alone; ``postprocess.report`` runs the
analysis step of each registered kind. docs/runfile.md is ``runfile_markdown()``
(``scripts/gen_docs.py`` writes it; tests/unit/test_generated_docs.py fails when they differ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PLANE_WAVE = "plane wave"
DIPOLES = "dipoles"
GAIN = "pumped gain"  # the structure's own pumped gain medium, seeded by a weak pulse
SOURCES = (PLANE_WAVE, DIPOLES, GAIN)

#: The study tables a passive run is made from: what its solver reads (geometry, grid, band,
#: pump, materials). [gain] and [analysis] feed only the analysis, so a run's identity
#: (``geometry.study.run_identity``) leaves them out and a [gain]-only change reuses it.
PASSIVE_TABLES = ("structure", "simulation", "materials")


@dataclass(frozen=True)
class Item:
    """One dataset or attribute of a run file.

    Attributes:
        name: dataset or attribute name (``<name>`` marks a name that varies).
        meaning: what it holds (sign conventions and normalisation included).
        units: SI / nm / eV units, "1" for dimensionless, "arb." for arbitrary.
        shape: dataset shape in symbols ("(n,)", "(3, nx, ny, nz) complex"); "" for attributes.
    """

    name: str
    meaning: str
    units: str = ""
    shape: str = ""


@dataclass(frozen=True)
class Group:
    """One group of a run file: its datasets, its attributes and prose."""

    path: str
    datasets: tuple[Item, ...] = ()
    attributes: tuple[Item, ...] = ()
    intro: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RunKind:
    """One kind of run.

    Attributes:
        name: the run kind (``study.run_kinds``, ``--kinds``, ``<variant>_<name>.h5``).
        source: PLANE_WAVE, DIPOLES or GAIN: what excites the structure.
        summary: one line for docs and help.
        solver: "module:function" that makes the run (resolved inside ``solvers`` only).
        analysis: name of the function of ``postprocess.report`` that analyses the file.
        groups: the run file's groups (the schema).
        root_attributes: root attributes this kind adds to the common ones.
        refuse: (study, layout) -> why the structure cannot run this kind, worded to follow
            the kind's name ("need a rod or wire ..."), or None.
        opt_in: run only when the study asks for it (its own table): never among the kinds
            assumed for a study that is not known (``default_run_kind_names``).
        tables: the study tables the run is made from (its identity: a change elsewhere
            reuses the run, a change here redoes it; ``geometry.study.run_identity``).
    """

    name: str
    source: str
    summary: str
    solver: str
    analysis: str
    groups: tuple[Group, ...]
    root_attributes: tuple[Item, ...] = ()
    refuse: Callable[[Any, Any], str | None] = lambda study, layout: None
    opt_in: bool = False
    tables: tuple[str, ...] = PASSIVE_TABLES


_REGISTRY: dict[str, RunKind] = {}


def register_run_kind(kind: RunKind) -> RunKind:
    """Add (or replace) a run kind; returns it."""
    _REGISTRY[kind.name] = kind
    return kind


def run_kinds() -> dict[str, RunKind]:
    """{name: RunKind} of every registered run kind, in registration order."""
    return dict(_REGISTRY)


def run_kind_names() -> tuple[str, ...]:
    """The registered run-kind names (the allowed values of study.run_kinds and --kinds)."""
    return tuple(_REGISTRY)


def default_run_kind_names() -> tuple[str, ...]:
    """The registered kinds a study runs without opting in (every kind but ``opt_in`` ones)."""
    return tuple(name for name, kind in _REGISTRY.items() if not kind.opt_in)


def run_tables(name: str) -> tuple[str, ...]:
    """The study tables the run kind ``name`` is made from (``RunKind.tables``)."""
    return _REGISTRY[name].tables


def shared_tables() -> tuple[str, ...]:
    """The tables every registered kind is made from: equal in every run file of a directory
    whose runs belong to one study (``postprocess.runchecks.directory_problems``)."""
    kinds = list(_REGISTRY.values())
    return tuple(t for t in kinds[0].tables if all(t in k.tables for k in kinds[1:]))


def refusals(study: Any, layout: Any) -> dict[str, str]:
    """{run kind of the study: why the structure cannot run it} (empty when all can); each
    reason reads after the kind's name ("modes need rods or a wire: ...")."""
    out = {}
    for name in study.run_kinds:
        reason = _REGISTRY[name].refuse(study, layout)
        if reason:
            out[name] = reason
    return out


# -- needs ------------------------------------------------------------------------------------------
def _plane_wave_refusal(study, layout) -> str | None:
    from hotlase.geometry.study import lateral_absorbers

    if lateral_absorbers(study, layout):
        return ("need a laterally periodic cell when a material is dispersive: the "
                "Absorbers that finite cells then need (Meep 1.25 diverges with dispersive media "
                "in a lateral PML) damp the plane wave's edges and R, T, A and the field maps "
                "come out wrong; use structure.array = \"periodic\", or run_kinds [\"modes\", "
                "\"emitter\"] for a finite structure")
    return None


def _modes_refusal(study, layout) -> str | None:
    if layout.dims == 1:
        return (f"need rods or a wire: structure.kind = {study.structure.kind!r} is a planar "
                "stack, run in 1D at normal incidence, where it has no bound or localised modes "
                "to find; use rod_array or wire_on_metal")
    return None


def _emitter_refusal(study, layout) -> str | None:
    from hotlase.geometry.kinds import kind_of

    if layout.dims == 1 or not kind_of(study.structure).emitter_sites(study.structure):
        return (f"need a rod or wire to hold the dipole: structure.kind = "
                f"{study.structure.kind!r} has none (the LDOS is undefined inside the metal); use "
                "rod_array or wire_on_metal")
    return None


# -- the schema -------------------------------------------------------------------------------------
ROOT_ATTRIBUTES = (
    Item("spec_json", "canonical JSON of the validated study (`geometry.study.study_json`) of "
         "*this variant*"),
    Item("hotlase_version", "installed hotlase version"),
    Item("meep_version", "Meep version"),
    Item("git_commit", "commit of the source tree (`-dirty` with uncommitted changes)"),
    Item("created_utc", "ISO time the run started"),
    Item("mpi_processes", "MPI ranks used"),
    Item("resolution_nm", "grid spacing", "nm"),
    Item("run_kind", "the run kind (`spectrum`, `modes`, `fields`, `emitter` or `lasing`)"),
    Item("variant", "`main` or `no_metal`"),
    Item("status", "`running`, `complete`, `suspect` or `failed` (\"Checks\" below; `complete` "
         "and `suspect` may be analysed, `suspect` flagged)"),
    Item("message", "why it failed or is suspect (empty when complete)"),
    Item("checksum_sha256", "SHA-256 over name, dtype, shape and bytes of each dataset in "
         "`checksum_datasets`, in that order (`postprocess.runchecks.datasets_checksum`)"),
    Item("checksum_datasets", "JSON list of the datasets it covers: every dataset of at most "
         "64 MiB (larger field maps are checked for shape and finite values instead)"),
    Item("symmetries", "JSON list of the mirror symmetries used, e.g. `[\"mirror x phase -1\"]`"),
    Item("courant", "Courant number used", "1"),
    Item("wall_time_s", "wall time of the run", "s"),
    Item("stepping_time_s", "wall time of Meep's time stepping", "s"),
    Item("meep_time_fs", "simulated time of the (last) time stepping", "fs"),
    Item("failure", "`divergence` when the run was stopped because its fields grew (absent "
         "otherwise)"),
    Item("failure_time_fs", "when it was stopped", "fs"),
    Item("failure_sources_end_fs", "when the sources ended", "fs"),
    Item("failure_step", "time step of the stop"),
    Item("failure_signal", "what grew (probe \\|E\\|^2 or cell energy)"),
    Item("failure_growth_ratio", "how far above its largest value while the sources were on",
         "1"),
    Item("growth_rate_per_fs", "growth rate of that signal", "1/fs"),
    Item("failure_steps_above_peak", "steps from passing that maximum to the stop"),
)

_BROADBAND_ROOT = (
    Item("growth_check_time_s", "wall time of the whole-cell energy checks of the growth "
         "watch", "s"),
    Item("k_bloch_per_um", "Bloch wave vector (kx, ky, kz) of the oblique plane wave, "
         "k/(2 pi); zeros at normal incidence", "1/um"),
    Item("energy_balance_max_error", "(with a spectrum) max over wavelengths of "
         "\\|R + T + sum A_by_material - 1\\|", "1"),
    Item("stop_reason", "`decayed` or `time cap`: what ended the time stepping"),
    Item("decay_ratio", "\\|E\\|^2 at the decay probe over its peak when the stepping ended",
         "1"),
)

_VOXEL_ATTRS = (
    Item("materials", "JSON list of material names (`material_id` indexes it)"),
    Item("metal_materials", "JSON list of those that are metals"),
    Item("voxel_volume_nm3", "volume of one voxel; 2D runs: the area times 1 nm (per unit "
         "length along y)", "nm^3"),
)

_COORDS = (
    Item("x_nm", "x of voxel centres", "nm", "(nx,)"),
    Item("y_nm", "y of voxel centres (`[0]` in 2D runs)", "nm", "(ny,)"),
    Item("z_nm", "z of voxel centres, z = 0 at the top of the layers", "nm", "(nz,)"),
)

SPECTRUM = Group(
    "spectrum",
    datasets=(
        Item("wavelength_nm", "vacuum wavelength, ascending", "nm", "(n,)"),
        Item("R", "reflectance (reflected flux / incident flux)", "1", "(n,)"),
        Item("T", "transmittance (transmitted flux / incident flux)", "1", "(n,)"),
        Item("A", "flux-box absorptance `1 - R - T`", "1", "(n,)"),
        Item("A_by_material/<name>", "volume integral of w Im(E*.D) over that material / "
             "incident flux", "1", "(n,)"),
        Item("incident_flux", "normalisation-run flux through the reflection plane", "arb.",
             "(n,)"),
    ),
    attributes=(Item("energy_balance_max_error", "max over wavelengths of \\|R + T + sum "
                     "A_by_material - 1\\|", "1"),
                Item("material_bands", "`split` (one Meep run per material-model window, "
                     "stitched) or `broadband` (one run): `[simulation] material_bands`"),
                Item("material_models", "JSON list of {lo_nm, hi_nm, models: {material: model "
                     "name}}: which model served which wavelengths (geometry/subbands.py)")),
    notes="A run whose balance error exceeds 0.5 (or is not finite) is marked `failed`, never "
          "complete (`solvers.spectrum.check_balance`); above 0.1 it is `suspect` (\"Checks\").")

MODES = Group(
    "modes",
    datasets=(
        Item("wavelength_nm", "mode vacuum wavelength", "nm", "(m,)"),
        Item("Q", "quality factor (Harminv)", "1", "(m,)"),
        Item("amplitude", "Harminv complex amplitude", "arb.", "(m,) complex"),
        Item("error", "Harminv relative error", "1", "(m,)"),
        Item("probe", "index into `probes_nm` of the probe that found the mode", "1", "(m,) int"),
        Item("n_probes", "number of probes that found the mode", "1", "(m,) int"),
        Item("run", "index into the `runs` attribute (source set / parity class) that found "
             "the mode", "1", "(m,) int"),
        Item("k_bloch", "Bloch wave vector (kx, ky)/(2 pi) the mode was found at", "1/nm",
             "(m, 2)"),
        Item("probes_nm", "probe positions (x, y, z), z = 0 at the top of the layers", "nm",
             "(p, 3)"),
        Item("window_nm", "(lo, hi) material window whose models served the run that found the "
             "mode (the study band when the run is not split)", "nm", "(m, 2)"),
    ),
    attributes=(
        Item("q_min", "lower Q limit (`simulation.mode_q_min`)", "1"),
        Item("q_max", "upper Q limit", "1"),
        Item("err_max", "Harminv relative-error limit", "1"),
        Item("band_nm", "(2,) wavelength band the modes are kept in", "nm"),
        Item("search_band_nm", "(2,) wider band Harminv searched", "nm"),
        Item("n_candidates", "Harminv candidates before filtering"),
        Item("n_filtered", "candidates not in this table (Q, error, amplitude, band, merged; borderline ones too)"),
        Item("n_merged", "modes found by several probes or runs and merged into one row"),
        Item("probe_labels", "JSON list: what each probe of `probes_nm` is (in the rod, at the "
             "metal, ...)"),
        Item("probe_components", "JSON list: field component each probe records"),
        Item("runs", "JSON list per source run: label, dipoles, symmetries and, when split, "
             "`window_nm`"),
        Item("stops", "JSON: why and when each run stopped (with `window_nm` when split)"),
        Item("profiles", "present when no mode profile was written, with the reason"),
        Item("material_bands", "`split` (the dipole runs once per material-model window) or "
             "`broadband` (one set of runs): `[simulation] material_bands`"),
        Item("material_models", "JSON list of {lo_nm, hi_nm, models: {material: model name}}: "
             "the windows and the models their runs used (geometry/subbands.py)"),
    ),
    intro="Modes are found by Harminv at probes in and around the rod and at the metal after a "
          "dipole pulse (with `emitter`, the same pulses give both files). When the study splits "
          "its band (`material_bands` = `split`) every dipole run, its mode-field re-run and the "
          "Bloch sweep are made once per material window, each with that window's models and a "
          "pulse over its Harminv search band (the window; beyond the study band's ends widened "
          "by `search_band_nm`'s margin); a mode is kept only from the window whose models "
          "serve its wavelength (the margins belong to the end windows), so `window_nm` holds "
          "its wavelength.")

MODES_BORDERLINE = Group(
    "modes/borderline",
    datasets=(
        Item("wavelength_nm", "vacuum wavelength of a resonance that missed one limit by less "
             "than its slack", "nm", "(b,)"),
        Item("Q", "quality factor (Harminv)", "1", "(b,)"),
        Item("amplitude", "Harminv complex amplitude", "arb.", "(b,) complex"),
        Item("error", "Harminv relative error", "1", "(b,)"),
        Item("run", "index into the `modes` `runs` attribute", "1", "(b,) int"),
    ),
    attributes=(
        Item("missed", "JSON list: the limit each row missed (q_min, q_max, err_max, "
             "amplitude, band)"),
        Item("q_slack", "borderline down to q_min / q_slack (up to q_max x q_slack)", "1"),
        Item("err_slack", "borderline up to err_max x err_slack", "1"),
        Item("amp_rel_min", "a reported mode's \\|amplitude\\| is at least this x the "
             "largest of its run", "1"),
        Item("amp_slack", "borderline down to amp_rel_min / amp_slack", "1"),
        Item("edge_slack", "borderline up to this relative frequency outside the band", "1"),
    ),
    intro="Selection rule (`hotlase.solvers.modes`): a resonance is a row of `modes/` when, at "
          "one probe at least, it passes every limit: q_min < Q <= q_max, Harminv error <= "
          "err_max, \\|amplitude\\| >= amp_rel_min x the largest of its run (smaller is "
          "round-off, e.g. a probe on a symmetry node), frequency in `band_nm`. Harminv is asked "
          "with limits looser by the slacks, and a resonance that misses one limit by less than "
          "its slack (and passes nowhere) is a row here, never silently dropped or kept. "
          "Round-off from a different MPI rank count moves modes far less than the slacks, so a "
          "mode of `modes/` on one rank count is on another in `modes/` or here.")

MODES_PROFILE = Group(
    "modes/profile",
    datasets=(
        Item("E", "the mode's electric field phasor, scaled to max \\|E\\| = 1", "V/m (arb.)",
             "(m, 3, nx, ny, nz) complex64"),
        Item("H", "its magnetic field on the same scale (H = H_meep / Z0)", "A/m (arb.)",
             "(m, 3, nx, ny, nz) complex64"),
        Item("has_profile", "1 where the row has its own field (0: zeros stored)", "1",
             "(m,) int8"),
        Item("separation_spread", "\\|\\|E - E'\\|\\| / \\|\\|E\\|\\|, E' separated with 10x "
             "stronger regularisation (large: a mixture Harminv's modes do not split; Γ, V "
             "uncertain)", "1", "(m,)"),
        Item("material_id", "index into the JSON list attribute `materials`", "1",
             "(nx, ny, nz) int8"),
        *_COORDS,
    ),
    attributes=(
        *_VOXEL_ATTRS,
        Item("method", "how the profiles were obtained"),
        Item("runs", "JSON per run index: `window_meep` ring-down length, `t_source_off_meep`, "
             "`decimation` (DFT every n steps), `n_samples`, `condition_number` of the "
             "separation, `rcond`, `rcond_check`, `dft_frequencies_meep`, `real_fields`, "
             "`stepping_time_s` of the re-run"),
    ),
    intro="Each mode's own field (`solvers.mode_profiles`): each dipole run (parity class) is "
          "run a second time with the same pulse; from the moment the source is off, E and H "
          "are Fourier-transformed at the frequency of every mode Harminv found in that run's "
          "search band, over a ring-down window no longer than the first run; the modes are "
          "separated with Harminv's complex frequencies (one small linear system per run, exact "
          "for the finite window). Row `i` belongs to row `i` of `modes/`.",
    notes="A modes group without `profile/` (older files, or no mode found: attribute "
          "`profiles`) gives no Γ or V.")

MODES_DISPERSION = Group(
    "modes/dispersion",
    datasets=(
        Item("k_x", "Bloch kx/(2 pi) of each sweep point", "1/nm", "(k,)"),
        Item("k_index", "index into `k_x` of each mode", "1", "(d,) int"),
        Item("k_bloch", "Bloch wave vector (kx, ky)/(2 pi) of each mode", "1/nm", "(d, 2)"),
        Item("wavelength_nm", "mode vacuum wavelength", "nm", "(d,)"),
        Item("Q", "quality factor", "1", "(d,)"),
        Item("light_line_wavelength_nm", "light line of the superstrate, lambda = n / k (inf "
             "at k = 0); attribute `index` = n", "nm", "(k,)"),
    ),
    attributes=(
        Item("zone_edge_per_nm", "Brillouin-zone edge along x, k/(2 pi)", "1/nm"),
        Item("n_k", "number of k points (`simulation.bloch_k_points`)"),
        Item("superstrate_index", "n of the superstrate at the band centre", "1"),
        Item("skipped", "present instead of the datasets when the cell is not periodic along x"),
    ),
    intro="Written when `simulation.bloch_k_points` > 0: modes at Bloch k along x from 0 to the "
          "zone edge (one dipole run per k, no symmetry).")

FIELDS = Group(
    "fields/<tag>",
    datasets=(
        Item("E", "DFT electric field, E(t) = Re[E e^{-iwt}], for the stated pump intensity",
             "V/m", "(3, nx, ny, nz) complex"),
        Item("H", "DFT magnetic field, same normalisation", "A/m", "(3, nx, ny, nz) complex"),
        Item("eps", "relative permittivity at this wavelength on the same grid", "1",
             "(nx, ny, nz) complex"),
        Item("material_id", "index into the JSON list attribute `materials`", "1",
             "(nx, ny, nz) int8"),
        *_COORDS,
    ),
    attributes=(
        Item("tag", "`pump`, `emission`, `mode_0`, `mode_1`, ..."),
        Item("wavelength_nm", "vacuum wavelength of the DFT fields", "nm"),
        Item("intensity_w_m2", "plane-wave intensity the fields are scaled to", "W/m^2"),
        Item("incident_field_v_m", "amplitude \\|E0\\| of that plane wave in the superstrate",
             "V/m"),
        *_VOXEL_ATTRS,
        Item("material_models", "JSON {material: model name} of the models this map was run with "
             "(the window's model when the run is split, geometry/subbands.py)"),
    ),
    intro="Tags: `pump`, `emission`, `mode_0`, `mode_1`, ... (the strongest modes' wavelengths).",
    notes="2D runs (xz cross-section) have ny = 1 and `y_nm = [0]`; voxel quantities are then "
          "per unit length along y.")

EMITTER = Group(
    "emitter",
    datasets=(
        Item("wavelength_nm", "vacuum wavelength", "nm", "(n,)"),
        Item("ldos", "orientation-averaged LDOS at the dipole (Meep dft_ldos)", "arb.", "(n,)"),
        Item("ldos_bulk", "same dipoles in the homogeneous rod medium (same units)", "arb.",
             "(n,)"),
        Item("ldos_by_orientation", "LDOS per dipole orientation (rows: attribute "
             "`orientations`)", "arb.", "(3, n)"),
        Item("ldos_bulk_by_orientation", "bulk LDOS per dipole orientation", "arb.", "(3, n)"),
    ),
    attributes=(
        Item("position_nm", "(3,) dipole position", "nm"),
        Item("medium", "material name of the rod (the bulk reference medium)"),
        Item("orientations", "JSON list of the dipole orientations"),
        Item("symmetries", "JSON: symmetries used per orientation"),
        Item("runs", "JSON per orientation: stop reason and times of its structure and bulk "
             "runs; when split, the worst stop and summed times, each window's own under "
             "`windows`"),
        Item("emitters", "one dipole per unit cell (periodic) or a single dipole"),
        Item("material_bands", "`split` (one set of dipole runs per material-model window) or "
             "`broadband`: `[simulation] material_bands`"),
        Item("material_models", "JSON list of {lo_nm, hi_nm, models: {material: model name}}: "
             "which models served the LDOS and bulk LDOS at which wavelengths "
             "(geometry/subbands.py)"),
    ),
    notes="Purcell factor = `ldos` / `ldos_bulk`; metal over no-metal = `ldos(main) / "
          "ldos(no_metal)`. Split: each wavelength's `ldos` and `ldos_bulk` come from the runs "
          "of the window serving it, both with that window's models.")


register_run_kind(RunKind(
    "spectrum", PLANE_WAVE, "R, T and absorption per material vs wavelength (broadband pulse)",
    solver="hotlase.solvers.broadband:run_broadband", analysis="_spectrum",
    groups=(SPECTRUM,), root_attributes=_BROADBAND_ROOT, refuse=_plane_wave_refusal))
register_run_kind(RunKind(
    "modes", DIPOLES, "Harminv modes (Q, wavelength), their fields and the Bloch dispersion",
    solver="hotlase.solvers.modes:run_modes", analysis="_modes",
    groups=(MODES, MODES_BORDERLINE, MODES_PROFILE, MODES_DISPERSION), refuse=_modes_refusal))
register_run_kind(RunKind(
    "fields", PLANE_WAVE, "E, H, eps and materials at the pump, emission and mode wavelengths "
    "(same pulse as the spectrum)",
    solver="hotlase.solvers.broadband:run_broadband", analysis="_fields",
    groups=(FIELDS,), root_attributes=_BROADBAND_ROOT, refuse=_plane_wave_refusal))
register_run_kind(RunKind(
    "emitter", DIPOLES, "LDOS at the rod centre and in the bulk rod medium (Purcell factor)",
    solver="hotlase.solvers.emitter:run_emitter", analysis="_emitter",
    groups=(EMITTER,), refuse=_emitter_refusal))


LASING = Group(
    "lasing",
    datasets=(
        Item("pump_rate_per_s", "pump rate 0 -> 3 per ground-state emitter (physical, "
             "ascending): the light-in axis", "1/s", "(p,)"),
        Item("generation_rate_per_m3_s", "pump rate x emitter density (excitations made per "
             "volume and time when the ground level is full)", "1/(m^3 s)", "(p,)"),
        Item("output_power", "radiated power leaving the cell (top, bottom and open sides; "
             "metal absorption not counted), mean of the last averaging window, scaled back "
             "to physical rates (divided by `rate_speedup`); units per attribute "
             "`output_units`: W (3D), W/m (2D, per length along y), W/m^2 (1D, per area)",
             "see `output_units`", "(p,)"),
        Item("photons_per_emitter_pumped", "output photon rate / (pump rate x emitters in the "
             "cell): photons out per excitation the pump could make (<= 1)", "1", "(p,)"),
        Item("lasing_wavelength_nm", "dominant vacuum wavelength of the field at the seed "
             "point over the last three windows (FFT peak); 0 where the point decayed", "nm",
             "(p,)"),
        Item("steady", "1 when the output of the last three windows agreed within "
             "`steady_tol`, or when it had decayed below the seed (below threshold); 0 when "
             "the time cap stopped it", "1", "(p,) int8"),
        Item("trace_time_fs", "simulated (scaled) time of each window of the output trace",
             "fs", "(p, t)"),
        Item("trace_output_power", "output power of each window, same units as "
             "`output_power`", "see `output_units`", "(p, t)"),
    ),
    attributes=(
        Item("output_units", "`W`, `W/m` or `W/m^2` (cell dimensionality)"),
        Item("gain_material", "the material that holds the gain emitters"),
        Item("gain_volume", "volume of the gain material in the cell: nm^3 (3D), nm^2 (2D) "
             "or nm (1D)"),
        Item("dims", "cell dimensionality (1, 2 or 3)"),
        Item("emission_wavelength_nm", "centre of the gain line", "nm"),
        Item("lasing_spec", "JSON of the study's [lasing] table as run"),
        Item("rate_speedup", "factor every population rate was multiplied by", "1"),
        Item("scaled_rates_per_s", "JSON: the upper, lower and pump-level relaxation rates "
             "the run used (1/s of simulated time)"),
        Item("meep_atom", "JSON: the Meep MultilevelAtom parameters (Meep units) at pump 0"),
        Item("stops", "JSON list per pump point: stop reason (`steady`, `decayed`, `time "
             "cap`), simulated time (fs), stepping wall time (s)"),
        Item("seconds_per_pump_point", "mean stepping wall time per pump point", "s"),
    ),
    intro="Time-domain light-in / light-out (`solvers.lasing`): per pump rate, a four-level "
          "MultilevelAtom medium in the gain material starts at its field-free steady state, "
          "a weak pulse at the gain line seeds it, and the radiated power is averaged over "
          "windows until it is steady, has decayed, or hits `lasing.max_time_fs`. Threshold "
          "and slope come from `postprocess.lasing_td` (docs/physics.md §8).")


def _lasing_refusal(study, layout) -> str | None:
    from hotlase.geometry.lasing import lasing_refusal

    return lasing_refusal(study, layout)


register_run_kind(RunKind(
    "lasing", GAIN, "time-domain light-in / light-out of the pumped four-level gain medium "
    "(Meep MultilevelAtom) and its threshold",
    solver="hotlase.solvers.lasing:run_lasing", analysis="_lasing",
    groups=(LASING,), refuse=_lasing_refusal, opt_in=True,
    tables=(*PASSIVE_TABLES, "gain", "lasing")))  # solvers.lasing reads the gain line and pumps


# -- docs/runfile.md --------------------------------------------------------------------------------
_HEAD = """\
# The run file (HDF5): the contract between `solvers` and `postprocess`

<!-- generated from geometry/runkinds.py by `python scripts/gen_docs.py`; do not edit -->

One file per run: `OUT/runs/<variant>_<kind>.h5`, where `variant` is `main` (the study's
structure) or `no_metal` (its twin, `geometry.twin.without_metal`), and `kind` is a run kind
(table below). Only MPI rank 0 writes, to `<name>.h5.tmp`, renamed to `<name>.h5` when the
run ends (complete or failed). Everything a user sees is SI / nm / eV.
`--resume` skips a complete file only when its `spec_json` has the requested study's tables
that shape that run (its identity, `geometry.study.run_identity`: [structure], [simulation]
and [materials]; the `lasing` kind also [gain] and [lasing]; `geometry.study.spec_differences`);
a complete file of another study is moved to `<name>.h5.stale` (never analysed) and redone.
A file of the same identity made for another [gain] or [analysis] table is reused: the
analysis reads those tables from the directory's study (`runs/study.json`), never from the
run file. `--cache DIR` shares complete runs between directories by identity
(`solvers.runcache`; `hotlase sweep` uses `SWEEP/cache`). Every dataset has `units` and
`long_name` attributes. Coordinates are their own datasets. Complex quantities are stored
complex.
"""


def _table(items: tuple[Item, ...], datasets: bool) -> list[str]:
    if datasets:
        out = ["| dataset | shape | units | meaning |", "|---|---|---|---|"]
        out += [f"| `{i.name}` | {i.shape} | {i.units} | {i.meaning} |" for i in items]
    else:
        out = ["| attribute | units | meaning |", "|---|---|---|"]
        out += [f"| `{i.name}` | {i.units} | {i.meaning} |" for i in items]
    return out


_CHECKS = """## Checks: `complete`, `suspect`, refused
When a run ends normally the writer (`solvers.output.seal`) runs
`postprocess.runchecks.physical_problems` on what it wrote and sets `status`:
- `failed` (never analysed): NaN/Inf anywhere in the results, datasets of wrong lengths or
  shapes (R, T, A, A_by_material not as long as `wavelength_nm`; E, H, eps not shaped like
  their coordinates), a missing group;
- `suspect` (analysed, flagged at the top of the report, `hotlase analyze` exits 3): R, T or
  an `A_by_material` outside [0, 1] by more than 0.05 (`RANGE_TOL`), energy balance
  max |R + T + sum A_by_material - 1| above 0.1 (`BALANCE_SUSPECT`, twice what every
  offered study meets), or time stepping stopped by `simulation.max_time_fs` rather than by
  field decay (`stop_reason = "time cap"`) while |E|^2 at the decay probe was still above
  1e-4 of its peak (`decay_ratio`, `CAP_DECAY_OK`: raise `max_time_fs`);
- `complete` otherwise.
A study's identity is its canonical JSON (`spec_json`); its content hash is
`geometry.study.study_hash` of it; a run's identity is the hash of the tables its kind is
made from (`geometry.study.run_identity`). Before analysis (`hotlase analyze`, `status`, `collect`)
every file is read in a child process (a corrupted file can crash the HDF5 library; it then
costs one line) with root attributes read by name only, and refused, named with the reason,
when: it is not readable HDF5; `status` is not `complete`/`suspect`; its datasets fail the
checksum; a check above fails in a file marked `complete`; its `variant`/`run_kind` are not
those of its file name or `resolution_nm` is not its study's; its run identity differs from
the study analysed (the one `hotlase run` recorded in `runs/study.json`, or `hotlase analyze
--study`; for a no-metal file its `geometry.twin.without_metal` twin), the fields that differ
named. A directory without a recorded study compares the tables every kind shares
(`shared_tables`): a main file that differs from what most main files carry (a tie refuses
them all), or a no-metal file that is not the twin of that main study, is refused. Accepted
files are analysed with the study analysed, so [gain] and [analysis] are always its own. Files written before checksums existed are
checked but not verified (listed in `summary.json` as `runs_unverified`). `summary.json`
carries `status` (`complete`, `suspect`, `incomplete`), `runs_missing` (runs the study asks for
with no file), `runs_unreadable` (refused, with reasons) and `runs_suspect`."""


def runfile_markdown() -> str:
    """docs/runfile.md, generated from the registered run kinds and their schemas."""
    kinds = run_kinds()
    lines = [_HEAD, "## Run kinds", "",
             "| kind | source | what it gives | groups | solver |", "|---|---|---|---|---|"]
    for k in kinds.values():
        groups = ", ".join(f"`{g.path}/`" for g in k.groups)
        lines.append(f"| `{k.name}` | {k.source} | {k.summary} | {groups} | `{k.solver}` |")
    lines += ["", "## Root attributes", ""] + _table(ROOT_ATTRIBUTES, False)
    lines += ["", _CHECKS]
    seen: set[str] = set()
    for k in kinds.values():
        extra = [i for i in k.root_attributes if i.name not in seen]
        if extra:
            seen.update(i.name for i in extra)
            users = ", ".join(f"`{o.name}`" for o in kinds.values()
                              if any(i.name == e.name for e in extra for i in o.root_attributes))
            lines += ["", f"Root attributes of {users} runs:", ""] + _table(tuple(extra), False)
    for k in kinds.values():
        for g in k.groups:
            lines += ["", f"## `{g.path}/` ({k.name} runs)", ""]
            if g.intro:
                lines += [g.intro, ""]
            lines += _table(g.datasets, True)
            if g.attributes:
                lines += ["", f"Attributes of `{g.path}/`:", ""] + _table(g.attributes, False)
            if g.notes:
                lines += ["", g.notes]
    return "\n".join(lines) + "\n"


def schema_paths() -> set[str]:
    """Every declared dataset path (``fields/<tag>/E``, ``spectrum/A_by_material/<name>``)."""
    return {f"{g.path}/{d.name}" for k in run_kinds().values() for g in k.groups
            for d in g.datasets}


# -- the run flags, defined once (``hotlase run``, ``hotlase demo``, ``python -m hotlase.solvers.run``)
RESUME_HELP = ("keep the run files that are complete and redo the others from the start (Meep "
               "1.25 cannot checkpoint inside a run of dispersive media)")


CACHE_HELP = ("share complete runs through this directory: a run whose identity (the study "
              "tables it is made from, geometry.study.run_identity) is there is linked instead "
              "of made, and the runs made are put there (hotlase sweep uses SWEEP/cache)")


def add_run_options(parser: Any, *, np_default: int | None = 1, kinds: bool = True,
                    resume: bool = True) -> None:
    """Add the flags of a study run to an argparse parser: --np (when ``np_default`` is not
    None), --resume, --kinds (only registered run kinds: a typo exits 2) and --resolution-nm."""
    if np_default is not None:
        parser.add_argument("--np", type=int, default=np_default,
                            help=f"MPI ranks (mpirun -np N; default {np_default})")
    if resume:
        parser.add_argument("--resume", action="store_true", help=RESUME_HELP)
    if kinds:
        parser.add_argument("--kinds", nargs="+", choices=run_kind_names(), metavar="KIND",
                            help="only these of the study's run kinds (one or more of "
                                 f"{', '.join(run_kind_names())})")
    parser.add_argument("--resolution-nm", type=float,
                        help="override simulation.resolution_nm (grid spacing, nm)")
