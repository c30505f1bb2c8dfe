"""The reported-quantity registry: every key of summary.json declared once, with its label,
unit, the analysis step that computes it, how it is compared metal vs no metal and how a
sweep collects it.

``postprocess.compare`` builds the metal vs no-metal table from it, ``postprocess.report``
fills absent headline keys with None from it, ``jobs.collect`` takes units and figures of
merit from it (units are declared here, never inferred from a name's suffix: hot-electron
rates are 1/s although their keys end in ``_s``), and docs/summary.md is ``summary_markdown()``
(scripts/gen_docs.py; tests/unit/test_generated_docs.py fails when they differ).

Key syntax: dotted summary.json paths; ``<material>``, ``<tag>``, ``<name>``, ``<variant>``
stand for one path segment; ``[]`` for a list index; a key ending in ``.*`` documents a whole
block (inputs, provenance) without declaring each leaf.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RATIO = "ratio"          # metal / no metal
DIFFERENCE = "side by side"  # both shown, no ratio (counts, positions)
NONE = ""                # not compared



@dataclass(frozen=True)
class Quantity:
    """One reported quantity.

    Attributes:
        key: summary.json path (see the module docstring for the syntax).
        label: human label (report, comparison table, plots).
        unit: declared unit ("1" dimensionless, "" for text, flags and blocks).
        step: the run kind whose analysis step computes it ("comparison" for metal vs no
            metal, "analysis" for bookkeeping of the analysis itself, "laser model" for the
            rate-equation model run on the analysed variants).
        how: how it is computed, with the formula's source where there is one.
        compare: RATIO, DIFFERENCE or NONE (metal vs no metal).
        plot: across a sweep every quantity is a column of DIR/collect/sweep.csv and
            sweep.h5; plot > 0 also makes it a figure of merit plotted against each swept
            parameter, in increasing ``plot`` order.
        plot_key: the instance plotted when the key has placeholders (``modes[0].Q``); empty:
            every instance.
        headline: always present in summary.json (None when it cannot be computed).
    """

    key: str
    label: str
    unit: str
    step: str
    how: str
    compare: str = NONE
    plot: int = 0
    plot_key: str = ""
    headline: bool = False


_MODE_ROW = (  # (name, label, unit, how) of the numeric columns of a mode-table row
    ("linewidth_nm", "mode linewidth", "nm", "lambda / Q"),
    ("linewidth_mev", "mode linewidth", "meV", "h c / lambda / Q"),
    ("error", "Harminv relative error", "1", "modes/error"),
    ("merged", "probes and runs merged into the row", "1", "postprocess.modes_table"),
    ("k_bloch[]", "Bloch k the mode was found at", "1/nm", "modes/k_bloch"),
    ("mode_volume_nm3", "dispersive mode volume", "nm^3", "postprocess.mode_fields"),
    ("surface_enhancement_peak", "peak surface field of the mode", "1", "postprocess.modes_table"),
    ("surface_enhancement_mean", "mean surface field of the mode", "1", "postprocess.modes_table"),
    ("group_index", "group index of the gain medium", "1", "postprocess.compare.group_index"),
    ("threshold_gain_material_per_cm", "material threshold gain", "1/cm",
     "threshold modal gain / confinement factor"),
    ("separation_spread", "separation spread of the mode's field", "1",
     "modes/profile/separation_spread"),
    ("nearest_rayleigh_anomaly_nm", "nearest Rayleigh anomaly", "nm", "postprocess.mode_class"),
)

QUANTITIES: tuple[Quantity, ...] = (
    # spectrum
    Quantity("spectrum.<tag>.wavelength_nm", "grid wavelength nearest the line", "nm", "spectrum",
             "nearest point of spectrum/wavelength_nm to the pump or emission line"),
    Quantity("spectrum.<tag>.R", "reflectance", "1", "spectrum", "spectrum/R at that wavelength"),
    Quantity("spectrum.<tag>.T", "transmittance", "1", "spectrum", "spectrum/T at that wavelength"),
    Quantity("spectrum.<tag>.A", "absorptance (flux box)", "1", "spectrum",
             "spectrum/A = 1 - R - T at that wavelength", plot=8,
             plot_key="spectrum.pump.A"),
    Quantity("spectrum.<tag>.A_by_material.<material>", "absorptance in a material", "1",
             "spectrum", "spectrum/A_by_material: volume integral of w Im(E*.D) / incident flux",
             plot=9, plot_key="spectrum.pump.A_by_material.<material>"),
    Quantity("spectrum.energy_balance_max_error", "energy balance error", "1", "spectrum",
             "max |R + T + sum A_by_material - 1| over the band (run-file attribute)"),
    # absorption (pump and emission)
    Quantity("absorbed_fraction.<material>", "pump absorption in a material", "1", "fields",
             "energy-balanced spectrum/A_by_material at the pump line (field-map integral "
             "when there is no spectrum); the gain material's is compared", compare=RATIO,
             headline=True),
    Quantity("absorbed_fraction_total", "pump absorption, all materials", "1", "fields",
             "sum of absorbed_fraction", compare=RATIO),
    Quantity("absorbed_fraction_source", "source of the pump absorption", "", "fields",
             "`spectrum` (energy balanced) or `fields` (field-map integral)"),
    Quantity("absorbed_fraction_fields.<material>", "pump absorption from the field map", "1",
             "fields", "postprocess.absorption.analyze_absorption: absorbed power density "
             "integrated over the material's voxels / incident power"),
    Quantity("absorbed_fraction_emission.<material>", "emission absorption in a material", "1",
             "fields", "as absorbed_fraction, at the emission line"),
    Quantity("absorbed_fraction_emission_total", "emission absorption, all materials", "1",
             "fields", "sum of absorbed_fraction_emission", compare=RATIO),
    Quantity("absorbed_fraction_emission_source", "source of the emission absorption", "",
             "fields", "`spectrum` or `fields`"),
    Quantity("absorbed_fraction_emission_fields.<material>",
             "emission absorption from the field map", "1", "fields",
             "as absorbed_fraction_fields, at the emission line"),
    Quantity("absorption_check.<tag>.*", "field map vs spectrum absorption check", "1",
             "fields", "per material: spectrum and field-map fractions, their mismatch, "
             "passed when max mismatch <= 0.02 of the incident power"),
    Quantity("incident_power_w", "incident pump power on the cell", "W", "fields",
             "pump intensity x cell area"),
    Quantity("absorbed_power_metal_w", "pump power absorbed in the metal", "W", "fields",
             "absorbed fraction in the metals x incident power"),
    # fields
    Quantity("field_enhancement.gain_intensity_mean", "mean |E|^2/|E0|^2 in the perovskite "
             "(pump)", "1", "fields", "volume mean over the gain material's voxels",
             compare=RATIO),
    Quantity("field_enhancement.gain_field_peak", "peak |E|/|E0| in the perovskite (pump)", "1",
             "fields", "max over the gain material's voxels", compare=RATIO),
    Quantity("field_enhancement.above_surface_mean", "mean |E|/|E0| just above z = 0 (pump)",
             "1", "fields", "mean over the first grid plane above z = 0", compare=RATIO),
    Quantity("field_enhancement.above_surface_peak", "peak |E|/|E0| just above z = 0 (pump)",
             "1", "fields", "max over the first grid plane above z = 0", compare=RATIO),
    Quantity("field_enhancement.metal_surface_mean", "mean |E|/|E0| at the metal surface (pump)",
             "1", "fields", "mean over the metal's surface voxels"),
    Quantity("field_enhancement.metal_surface_peak", "peak |E|/|E0| at the metal surface (pump)",
             "1", "fields", "max over the metal's surface voxels"),
    Quantity("metal_surface.n_voxels", "metal surface voxels", "1", "fields",
             "voxels of the metal with a non-metal neighbour"),
    Quantity("metal_surface.area_m2", "metal surface area", "m^2", "fields",
             "sum of the surface voxels' exposed faces"),
    Quantity("metal_surface.contact_area_m2", "metal area touching the perovskite", "m^2",
             "fields", "faces shared by metal and gain-material voxels"),
    Quantity("metal_surface.e_normal_rms_v_m", "RMS normal field inside the metal surface",
             "V/m", "fields", "D-continuity carried to the face from two outside voxels"),
    Quantity("metal_surface.enhancement_peak", "peak surface |E|/|E0|", "1", "fields",
             "max over the surface faces"),
    Quantity("metal_surface.enhancement_mean", "mean surface |E|/|E0|", "1", "fields",
             "area-weighted mean over the surface faces"),
    Quantity("metal_surface.dcontinuity_over_direct", "D-continuity / direct normal field", "1",
             "fields", "ratio of the two estimates of the normal field at the face (a check)"),
    # hot electrons
    Quantity("hot_electron_rate_upper_s", "hot-electron rate, upper bound", "1/s", "fields",
             "one carrier per photon absorbed in the metal (postprocess.hot_electrons)",
             compare=RATIO, headline=True),
    Quantity("hot_electron_rate_surface_direct_s", "surface hot-electron rate, direct field",
             "1/s", "fields", "Govorov et al. 2013 surface (Landau) generation with the field "
             "at the face read directly"),
    Quantity("hot_electron_rate_surface_contact_s", "surface hot-electron rate at the contact",
             "1/s", "fields", "the surface rate over the faces touching the perovskite"),
    Quantity("hot_electron_rate_injecting_surface_s", "surface rate of the injecting surface",
             "1/s", "fields", "contact or all faces, as `injection_surface` says"),
    Quantity("hot_electron_rate_surface_s", "hot-electron rate, surface", "1/s", "fields",
             "Govorov et al. 2013 / Besteiro et al. 2017 surface generation above the barrier",
             compare=RATIO, headline=True),
    Quantity("hot_electron_rate_injected_s", "hot electrons injected", "1/s", "fields",
             "injecting-surface rate x QE_HET", compare=RATIO, headline=True),
    Quantity("injection_surface", "injecting surface", "", "fields",
             "`contact` or `all` ([analysis] injection_surface)"),
    Quantity("qe_heg", "QE_HEG (zero bias)", "1", "fields",
             "surface rate / upper bound (hot-electron generation efficiency)", headline=True),
    Quantity("qe_het", "QE_HET (zero bias)", "1", "fields",
             "Fowler internal photoemission over the Schottky barrier "
             "(postprocess.hot_electrons)", headline=True),
    Quantity("qe_pi_heg", "QE_PI-HEG (zero bias)", "1", "fields",
             "QE_HEG of the injecting surface x QE_HET", plot=5, headline=True),
    Quantity("qe_pi_heg_biased[].bias_field_v_m", "bias field", "V/m", "fields",
             "[analysis] bias_field_v_m"),
    Quantity("qe_pi_heg_biased[].barrier_ev", "Schottky barrier at that field", "eV", "fields",
             "barrier lowered by the image force (postprocess.electronic)"),
    Quantity("qe_pi_heg_biased[].rate_surface_s", "surface rate above that barrier", "1/s",
             "fields", "as hot_electron_rate_surface_s"),
    Quantity("qe_pi_heg_biased[].<name>", "QE at that field", "1", "fields",
             "qe_heg, qe_het, qe_pi_heg at that barrier"),
    Quantity("qe_pi_heg_biased[].*", "QE chain per bias field", "", "fields",
             "bias_field_v_m (V/m), barrier_ev (eV, Schottky-lowered), qe_heg, qe_het, "
             "qe_pi_heg (1), rate_surface_s (1/s)", headline=True),
    Quantity("hot_electrons_vs_wavelength.*", "hot-electron chain vs wavelength", "", "fields",
             "the chain above at each spectrum wavelength (lists)"),
    # modes
    Quantity("modes[].wavelength_nm", "mode wavelength", "nm", "modes",
             "Harminv frequency -> vacuum wavelength", plot=1, plot_key="modes[0].wavelength_nm",
             headline=True),
    Quantity("modes[].Q", "mode Q", "1", "modes", "Harminv quality factor", plot=2,
             plot_key="modes[0].Q"),
    Quantity("modes[].threshold_gain_per_cm", "mode threshold modal gain", "1/cm", "modes",
             "postprocess.lasing.threshold_gain_per_m of its n_g, wavelength and Q"),
    Quantity("modes[].confinement_factor", "mode confinement factor", "1", "modes",
             "fraction of the mode's energy in the gain material"),
    *(Quantity(f"{row}.{name}", label, unit, "modes", how)
      for row in ("modes[]", "best_mode") for name, label, unit, how in _MODE_ROW),
    Quantity("modes[].*", "mode table row", "", "modes",
             "linewidth_nm, linewidth_mev, error, merged, k_bloch (1/nm), field_tag, "
             "confinement_factor, mode_volume_nm3 (nm^3), surface enhancements, group_index, "
             "threshold gains (1/cm), class, class_reason, energy_fractions, "
             "separation_spread, nearest_rayleigh_anomaly_nm (nm), in_no_metal_twin"),
    Quantity("mode_count", "modes found (after merging)", "1", "modes",
             "rows of the mode table", compare=DIFFERENCE),
    Quantity("best_mode.wavelength_nm", "best mode wavelength", "nm", "modes",
             "the lasing mode (postprocess.mode_class.best_lasing_mode)", compare=DIFFERENCE,
             plot=3),
    Quantity("best_mode.Q", "best mode Q", "1", "modes", "its Harminv Q", compare=RATIO,
             plot=4),
    Quantity("best_mode.threshold_gain_per_cm", "best mode threshold gain", "1/cm", "modes",
             "postprocess.lasing.threshold_gain_per_m of its n_g, wavelength and Q",
             compare=RATIO),
    Quantity("best_mode.confinement_factor", "best mode confinement factor", "1", "modes",
             "fraction of the mode's energy in the gain material", compare=RATIO),
    Quantity("best_mode.*", "best mode (a row of modes)", "", "modes",
             "the row of `modes` best_lasing_mode picked, None when no mode qualifies"),
    Quantity("best_mode_rule", "why that mode", "", "modes", "best_lasing_mode's reason"),
    Quantity("gain_band_nm[]", "gain band", "nm", "modes",
             "emission line +- the perovskite's gain half-width"),
    Quantity("rayleigh_anomalies.*", "Rayleigh anomalies of the lattice", "nm", "modes",
             "postprocess.mode_class: the lattice's Rayleigh anomalies in each medium"),
    Quantity("modes_borderline[].wavelength_nm", "borderline resonance wavelength", "nm", "modes",
             "modes/borderline/wavelength_nm: missed one selection limit by less than its "
             "slack; not a mode"),
    Quantity("modes_borderline[].Q", "borderline resonance Q", "1", "modes",
             "modes/borderline/Q"),
    Quantity("modes_borderline[].*", "borderline resonances", "", "modes",
             "wavelength_nm (nm), Q, error (1), missed (the limit it missed)"),
    Quantity("mode_fields_own", "modes have their own fields", "", "modes",
             "true when modes/profile/ was read"),
    Quantity("modes_search.<name>", "Harminv search counts and Q limits", "1", "modes",
             "n_raw, n_filtered (candidates), q_min, q_max"),
    Quantity("modes_search.band_nm[]", "mode band", "nm", "modes", "modes attribute band_nm"),
    Quantity("modes_search.material_ringing_nm[]", "Harminv lines dropped as material-pole "
             "ringing", "nm", "modes", "postprocess.modes_table.split_material_ringing"),
    Quantity("modes_search.*", "Harminv search", "", "modes",
             "n_raw, n_filtered, q_min, q_max, band_nm (nm)"),
    Quantity("dispersion.k_per_nm[]", "Bloch k", "1/nm", "modes", "modes/dispersion/k_bloch"),
    Quantity("dispersion.wavelength_nm[]", "dispersion wavelength", "nm", "modes",
             "modes/dispersion/wavelength_nm"),
    Quantity("dispersion.Q[]", "dispersion Q", "1", "modes", "modes/dispersion/Q"),
    Quantity("dispersion.*", "Bloch dispersion", "", "modes",
             "k_per_nm (1/nm), wavelength_nm (nm), Q (1) of modes/dispersion"),
    # emitter
    Quantity("purcell_factor", "Purcell factor ldos/ldos_bulk at emission", "1", "emitter",
             "emitter/ldos / emitter/ldos_bulk interpolated at the emission line",
             compare=RATIO, headline=True),
    Quantity("emitter.position_nm[]", "dipole position", "nm", "emitter",
             "emitter attribute position_nm"),
    Quantity("emitter.*", "emitter position and medium", "", "emitter",
             "position_nm (nm), medium"),
    # lasing (time domain)
    Quantity("lasing_time_domain.threshold_pump_rate_per_s", "time-domain threshold pump rate",
             "1/s", "lasing", "onset of the L-L curve (postprocess.lasing_td.onset_threshold), "
             "scaled back by rate_speedup", compare=RATIO),
    Quantity("lasing_time_domain.threshold_generation_rate_per_m3_s",
             "time-domain threshold generation rate", "1/(m^3 s)", "lasing",
             "threshold pump rate x emitter density"),
    Quantity("lasing_time_domain.*", "time-domain light-in / light-out", "", "lasing",
             "pump_rate_per_s (1/s), output_power (output_units), steady, "
             "photons_per_emitter_pumped (1), onset fit, rate_speedup, seconds_per_pump_point"),
    # comparison
    Quantity("enhancement.<name>", "metal / no metal", "1", "comparison",
             "ratio of a RATIO quantity, key = its path with dots as _", plot=6),
    Quantity("purcell_main_over_no_metal", "Purcell main / no metal at emission", "1",
             "comparison", "emitter/ldos(main) / emitter/ldos(no_metal) at the emission line",
             plot=7),
    Quantity("comparison[].*", "metal vs no-metal table", "", "comparison",
             "metric, unit, main, no_metal, ratio, key"),
    Quantity("no_metal.*", "the no-metal twin's summary", "", "comparison",
             "the same keys for the twin"),
    # lasing (postprocess.laser_model; <variant> is main or no_metal)
    Quantity("lasing.<variant>.threshold_w_cm2", "CW lasing threshold", "W/cm^2", "laser model",
             "pump at which stimulated emission into the lasing mode equals all spontaneous "
             "emission (Ning 2013; postprocess.laser_rates, docs/physics.md §8)", plot=13, plot_key="lasing.main.threshold_w_cm2"),
    Quantity("lasing.<variant>.threshold_uj_cm2", "pulsed lasing threshold", "uJ/cm^2",
             "laser model", "fluence at which stimulated = spontaneous over the pulse (laser_rates.pulsed)",
             plot=14, plot_key="lasing.main.threshold_uj_cm2"),
    Quantity("lasing.<variant>.threshold_clamping_w_cm2", "gain-clamping pump (beta -> 0)",
             "W/cm^2", "laser model", "R(n_clamp) over the carriers per W/cm^2 (Coldren ch. 2)"),
    Quantity("lasing.<variant>.threshold_photon_one_w_cm2", "one photon in the lasing mode",
             "W/cm^2", "laser model", "the Björk & Yamamoto (1991) criterion, for comparison"),
    Quantity("lasing.<variant>.threshold_definition", "threshold definition", "", "laser model",
             "text"),
    Quantity("lasing.<variant>.slope_efficiency", "slope efficiency", "1", "laser model",
             "d(light out)/d(pump), W/W, at the top of the CW curve", plot=15,
             plot_key="lasing.main.slope_efficiency"),
    Quantity("lasing.<variant>.beta", "spontaneous-emission coupling of the lasing mode", "1",
             "laser model", "<F_j> / (F_LDOS + Σ <F_k>), docs/physics.md §8.3", plot=16,
             plot_key="lasing.main.beta"),
    Quantity("lasing.<variant>.purcell_factor", "Purcell factor over the gain line", "1",
             "laser model", "emitter ldos/ldos_bulk averaged over the gain line shape"),
    Quantity("lasing.<variant>.mode_wavelength_nm", "lasing mode wavelength", "nm", "laser model",
             "the mode that clamps first", plot=17, plot_key="lasing.main.mode_wavelength_nm"),
    Quantity("lasing.<variant>.mode_q", "lasing mode Q", "1", "laser model", "its Harminv Q"),
    Quantity("lasing.<variant>.mode_confinement_factor", "lasing mode confinement", "1",
             "laser model", "its Γ (or the stated assumption)"),
    Quantity("lasing.<variant>.radiated_share", "radiated share of the lasing mode's loss", "1",
             "laser model", "1 - Q f_metal ε''/|ε'| (postprocess.laser_model.metal_absorbed_share)"),
    Quantity("lasing.<variant>.gain_peak_nm", "gain peak", "nm", "laser model",
             "geometry.materials.gain: bowing gap + Brus shift, size-broadened"),
    Quantity("lasing.<variant>.gain_fwhm_mev", "gain line FWHM", "meV", "laser model",
             "size distribution convolved with the homogeneous line"),
    Quantity("lasing.<variant>.absorbed_fraction_pump", "pump absorbed in the perovskite", "1",
             "laser model", "spectrum A_by_material of the gain material at the pump"),
    Quantity("lasing.<variant>.photons_out_over_in_max", "photons out / carriers in (max)", "1",
             "laser model", "largest ratio along the CW curve; <= 1 by construction"),
    Quantity("lasing.<variant>.ll_curve.pump_w_cm2[]", "CW pump", "W/cm^2", "laser model",
             "light-in axis"),
    Quantity("lasing.<variant>.ll_curve.output_w_cm2[]", "CW light out", "W/cm^2", "laser model",
             "radiated power of all modes per cell area"),
    Quantity("lasing.<variant>.ll_pulsed.fluence_uj_cm2[]", "pulse fluence", "uJ/cm^2",
             "laser model", "light-in axis of the pulsed curve"),
    Quantity("lasing.<variant>.ll_pulsed.output_uj_cm2[]", "light out per pulse", "uJ/cm^2",
             "laser model", "radiated energy of all modes per pulse and cell area"),
    Quantity("lasing.<variant>.biases[].bias_field_v_m", "bias field", "V/m", "laser model",
             "analysis.bias_field_v_m"),
    Quantity("lasing.<variant>.biases[].threshold_w_cm2", "CW threshold at that bias",
             "W/cm^2", "laser model", "hot electrons injected at the bias's QE_PI-HEG"),
    Quantity("lasing.<variant>.biases[].slope_efficiency", "slope efficiency at that bias",
             "1", "laser model", "W/W"),
    Quantity("lasing.<variant>.biases[].output_w_cm2[]", "CW light out at that bias",
             "W/cm^2", "laser model", "on the ll_curve pump axis"),
    Quantity("lasing.<variant>.modes[].*", "modes of the rate model", "", "laser model",
             "wavelength_nm (nm), Q, Γ, mode volume (nm^3), Purcell peak and mean, line "
             "overlap, gain shape, beta, radiated share, group index"),
    Quantity("lasing.<variant>.sensitivity[].*", "threshold across the parameter ranges", "",
             "laser model", "parameter, low, high, threshold at each end (W/cm^2)"),
    Quantity("lasing.<variant>.notes.*", "laser-model inputs and notes", "", "laser model",
             "Purcell source, gain peak and width, group index, gain volume, assumptions made"),
    Quantity("lasing.<variant>.assumptions[]", "laser-model assumptions", "", "laser model", "text"),
    Quantity("lasing.notes[]", "why a variant has no laser model", "", "laser model", "text"),
    Quantity("lasing.gain.source", "where the [gain] table was read", "", "laser model",
             "DIR/runs/study.json, --study, or the run files' own study (older directories)"),
    Quantity("lasing.gain.table.*", "the [gain] table used", "", "laser model",
             "every key of the study's [gain] (docs/study-reference.md)"),
    Quantity("lasing.*", "laser model per variant", "", "laser model",
             "main and no_metal: None when not computed"),
    # bookkeeping
    Quantity("variant", "variant", "", "analysis", "`main`"),
    Quantity("study_name", "study name", "", "analysis", "study.name"),
    Quantity("runs.*", "run files used", "", "analysis", "{run kind: path}"),
    Quantity("runs_missing.*", "missing runs", "", "analysis", "<variant>_<kind> not found"),
    Quantity("runs_unreadable.*", "unreadable runs", "", "analysis", "file: reason"),
    Quantity("status", "state of the analysis", "", "analysis",
             "`complete`, `suspect` or `incomplete` (docs/runfile.md, Checks)"),
    Quantity("runs_suspect[]", "suspect runs", "", "analysis", "file: reason"),
    Quantity("runs_unverified[]", "runs without a checksum", "", "analysis",
             "files written before checksums existed"),
    Quantity("checks[].*", "checks", "", "analysis",
             "name, passed, tolerance, max_abs_mismatch, reason"),
    Quantity("notes.*", "notes", "", "analysis", "per variant: what was skipped and why"),
    *(Quantity(f"inputs.{name}", label, unit, "analysis", "study or the cited material "
               "constants (inputs.electronic_sources)")
      for name, label, unit in (
          ("barrier_ev", "Schottky barrier", "eV"), ("work_function_ev", "work function", "eV"),
          ("electron_affinity_ev", "electron affinity", "eV"),
          ("fermi_energy_ev", "Fermi energy", "eV"), ("eps_static", "static permittivity", "1"),
          ("bias_field_v_m[]", "bias fields", "V/m"), ("cell_area_m2", "cell area", "m^2"),
          ("intensity_w_m2", "pump intensity", "W/m^2"),
          ("pump_wavelength_nm", "pump wavelength", "nm"),
          ("emission_wavelength_nm", "emission wavelength", "nm"),
          ("resolution_nm", "grid spacing", "nm"))),
    Quantity("inputs.*", "inputs of the hot-electron chain", "", "analysis",
             "electronic constants with their sources, materials, intensity, grid"),
    Quantity("grid_convergence.*", "grid convergence", "", "analysis",
             "the ladder this run belongs to and its error bars, or a note"),
    Quantity("maps.*", "absorbed-power maps", "", "analysis", "paths (analyze write_maps)"),
)

_SEGMENT = {"<material>": r"[^.\[\]]+", "<tag>": r"[^.\[\]]+", "<name>": r"[^.\[\]]+",
            "<variant>": r"[^.\[\]]+"}


def _pattern(key: str) -> re.Pattern:
    block = key.endswith(".*")
    base = key[:-2] if block else key
    rx = re.escape(base).replace(re.escape("[]"), r"\[\d+\]")
    for token, seg in _SEGMENT.items():
        rx = rx.replace(re.escape(token), seg)
    return re.compile(rf"^{rx}(?:[.\[].*)?$" if block else rf"^{rx}$")


_PATTERNS = tuple((q, _pattern(q.key)) for q in QUANTITIES)


def quantity_of(name: str) -> Quantity | None:
    """The declared quantity of a summary.json path (``modes[0].Q``, ``no_metal.qe_het``),
    leaf declarations before blocks; None when it is not declared."""
    if name.startswith("no_metal."):
        name = name[len("no_metal."):]
    for q, rx in _PATTERNS:
        if not q.key.endswith(".*") and rx.match(name):
            return q
    for q, rx in _PATTERNS:
        if q.key.endswith(".*") and rx.match(name):
            return q
    return None


def display_label(name: str) -> str:
    """A summary.json path as plot text: the declared label, the row of a list (``modes[0]``
    -> "#1"), the placeholder's value (``enhancement.<metric>`` -> "... : <metric>"), the
    twin marked, and the declared unit in parentheses (``modes[0].Q`` -> "mode Q #1 (1)");
    the raw path when the quantity is not declared."""
    q = quantity_of(name)
    if q is None:
        return name
    label = q.label
    rows = re.findall(r"\[(\d+)\]", name)
    if rows and "[]" in q.key:
        label += " #" + ",".join(str(int(r) + 1) for r in rows)
    if "<" in q.key and not q.key.endswith(".*"):
        label += ": " + name.rsplit(".", 1)[-1]
    if name.startswith("no_metal."):
        label += " (no metal)"
    return f"{label} ({q.unit})" if q.unit else label


def unit_of(name: str) -> str:
    """The declared unit of a summary.json path ("" when undeclared or textual)."""
    q = quantity_of(name)
    return q.unit if q is not None else ""


def compared() -> list[Quantity]:
    """Quantities of the metal vs no-metal table, in declaration order."""
    return [q for q in QUANTITIES if q.compare in (RATIO, DIFFERENCE)]


def headline_keys() -> tuple[str, ...]:
    """Top-level summary keys always present (None when they cannot be computed)."""
    return tuple(dict.fromkeys(q.key.split(".")[0].split("[")[0] for q in QUANTITIES
                               if q.headline))


def figure_of_merit_patterns() -> tuple[str, ...]:
    """Regular expressions of the flattened summary names a sweep plots, in plot order."""
    plotted = sorted((q for q in QUANTITIES if q.plot > 0), key=lambda q: q.plot)
    return tuple(_pattern(q.plot_key or q.key).pattern for q in plotted)


def summary_markdown() -> str:
    """docs/summary.md: the summary.json key table, generated from QUANTITIES."""
    lines = ["# summary.json: every reported quantity", "",
             "<!-- generated from postprocess/quantities.py by `python scripts/gen_docs.py`; "
             "do not edit -->", "",
             "`hotlase analyze DIR` writes DIR/summary.json (and `hotlase.analyze` returns it). "
             "Keys are dotted paths; `<material>`, `<tag>` (`pump`, `emission`) and `<name>` "
             "stand for one key, `[]` for a list index, `.*` for a block. The twin's values "
             "are under `no_metal.` with the same keys. *compare*: how the metal vs no-metal "
             "table shows it; *sweep plot*: the rank of a figure of merit `hotlase collect` plots "
             "against each swept parameter (every key is a column of its table).", "",
             "| key | label | unit | step | how | compare | sweep plot |",
             "|---|---|---|---|---|---|---|"]
    for q in QUANTITIES:
        how = q.how.replace("|", "\\|")
        label = q.label.replace("|", "\\|")
        lines.append(f"| `{q.key}` | {label} | {q.unit} | {q.step} | {how} | {q.compare} | "
                     f"{(q.plot_key or q.key) + f' ({q.plot})' if q.plot else ''} |")
    return "\n".join(lines) + "\n"
