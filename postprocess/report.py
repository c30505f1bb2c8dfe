"""``analyze(DIR)``: run files in DIR/runs -> DIR/report.md, DIR/summary.json, DIR/figures/*.png.

Reads whatever complete runs exist (missing or failed runs are listed in the report, never a
crash), computes per variant the mode table, absorption at the pump and emission lines, the
metal-surface hot-electron chain and the Purcell factor, then the metal vs no-metal
comparison. Never imports meep (docs/architecture.md: postprocess works on a laptop).
"""

from __future__ import annotations

import json
import math
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hotlase.geometry.runkinds import run_kinds
from hotlase.geometry.subbands import split_served
from hotlase.geometry.study import (StudySpec, material_model, structure_materials, study_band_nm,
                                    study_json)
from hotlase.postprocess import figures, hot_electrons, mode_fields, mode_figures
from hotlase.postprocess.lasing_report import lasing_block, lasing_figure, lasing_markdown
from hotlase.postprocess.absorption import (
    ABSORPTION_CHECK_TOL,
    HeadlineAbsorption,
    SpectrumCheck,
    TagAbsorption,
    analyze_absorption,
    cell_area_m2,
    check_against_spectrum,
    gain_material,
    headline_absorption,
    unphysical_fractions,
    write_absorbed_power_map,
)
from hotlase.jobs.state import write_text_atomic
from hotlase.postprocess.lasing_td import report_step as _lasing  # the lasing kind's step
from hotlase.postprocess.compare import (
    Row,
    best_mode,
    best_mode_why,
    comparison_rows,
    enhancement_ratios,
    format_rows,
    purcell_at,
    purcell_main_over_no_metal,
    threshold_gain_per_cm,
)
from hotlase.postprocess.mode_class import gain_band_nm, mark_twin_modes
from hotlase.postprocess.modes_table import ModeTable, mode_table, read_dispersion
from hotlase.postprocess.quantities import headline_keys
from hotlase.postprocess.runfile import (
    DEFAULT_SLAB_VOXELS,
    VARIANTS,
    Run,
    RunFileError,
    Spectrum,
    directory_study,
    load_directory,
    read_group_arrays,
    read_spectrum,
)
from hotlase.postprocess.study_table import study_rows
from hotlase.postprocess.surface import (
    ElectronicInputs,
    HotElectronChain,
    SurfaceResult,
    analyze_surface,
    electronic_inputs,
    hot_electron_chain,
    chain_vs_wavelength,
)

SPREAD_NOTE = 0.3  # a mode's own field that moves more than this under stronger regularisation is flagged

DEBATE_NOTE = (
    "Three hot-electron rates are reported, not one. The upper bound counts one carrier per "
    "photon absorbed in the metal; the surface rate counts only carriers made by surface "
    "(Landau) damping with enough energy to cross the barrier (Govorov et al. 2013; Besteiro et "
    "al. 2017); the injected rate multiplies the part of it made on the injecting surfaces by "
    "the internal-photoemission yield QE_HET (QE_PI-HEG = QE_HEG of those surfaces x QE_HET, "
    "as in the seed). Only carriers made where the metal touches the perovskite can cross "
    "without lateral transport, so by default only that contact injects "
    "([analysis] injection_surface = \"contact\"; \"all\" counts every metal face). "
    "Most of the absorbed power may end as heat rather than as useful hot carriers, and "
    "photothermal effects can masquerade as hot-electron effects (Dubi & Sivan, arXiv "
    "1810.00565): treat the upper bound as a bound, not a prediction.")


@dataclass
class VariantResult:
    """Everything computed for one variant (main or no_metal); None where the run is missing."""

    variant: str
    study: StudySpec | None = None
    runs: dict[str, Run] = field(default_factory=dict)
    inputs: ElectronicInputs | None = None
    spectrum: Spectrum | None = None
    modes: ModeTable | None = None
    absorption: dict[str, TagAbsorption] = field(default_factory=dict)
    checks: dict[str, SpectrumCheck] = field(default_factory=dict)
    headline: dict[str, HeadlineAbsorption] = field(default_factory=dict)
    surface: SurfaceResult | None = None
    chain: HotElectronChain | None = None
    vs_wavelength: dict[str, np.ndarray] | None = None
    emitter: dict[str, np.ndarray] | None = None
    dispersion: dict[str, np.ndarray] | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def spec(self) -> StudySpec:
        """The variant's study (the analysis steps run only once it is known)."""
        if self.study is None:
            raise RunFileError(f"{self.variant}: no complete run, so no study to analyse")
        return self.study


def analyze(directory: str | Path, slab_voxels: int = DEFAULT_SLAB_VOXELS,
            write_maps: bool = False, study: str | Path | StudySpec | None = None
            ) -> tuple[Path, dict]:
    """Analyse every complete run in ``DIR/runs``; write the report, summary and figures.

    Returns (path of DIR/report.md, the summary dict); ``analyze_variants`` also returns the
    per-variant results (arrays) and is what ``hotlase.analyze`` uses.
    """
    report, summary, _ = analyze_variants(directory, slab_voxels, write_maps, study)
    return report, summary


def analyze_variants(directory: str | Path, slab_voxels: int = DEFAULT_SLAB_VOXELS,
                     write_maps: bool = False, study: str | Path | StudySpec | None = None
                     ) -> tuple[Path, dict, dict[str, VariantResult]]:
    """``analyze`` that also returns {variant: VariantResult} (spectra, modes, maps, chain).

    Args:
        directory: the run directory (the ``--out`` of ``hotlase run``).
        slab_voxels: voxels per z-slab when walking field maps (bounds memory).
        write_maps: also write the full absorbed-power maps p(r) of every variant and field
            tag to DIR/maps/<variant>_<tag>_absorbed_power.h5 (4 bytes per voxel each).
        study: the study analysed (a StudySpec or a study file; ``hotlase analyze --study``);
            default: the one ``hotlase run`` recorded in DIR/runs/study.json, else (older
            directories) the main run files' own. Its analysis-only tables ([gain],
            [analysis]) are used whatever study a reused run file was made for
            (``runfile.load_directory``).

    Returns:
        (path of DIR/report.md, the summary dict also written to DIR/summary.json,
        {variant: VariantResult}).

    Raises:
        FileNotFoundError: ``directory`` does not exist.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"run directory {directory} does not exist "
                                "(expected DIR/runs/*.h5)")
    analysed, source = _analysed_study(directory, study)
    loaded = load_directory(directory, study=analysed)
    runs = loaded.runs
    problems = [f"{name}: {why}" for name, why in loaded.refused.items()]
    missing = loaded.missing
    results = {v: _analyze_variant(v, {k: r for (vv, k), r in runs.items() if vv == v}, slab_voxels)
               for v in VARIANTS}
    main, twin = results["main"], results["no_metal"]
    if main.summary.get("modes") and twin.summary.get("modes"):
        mark_twin_modes(main.summary["modes"], twin.summary["modes"])
    study = main.study or twin.study
    emission = study.simulation.emission_wavelength_nm if study else float("nan")
    gain = gain_material(study) if study else None
    rows = comparison_rows(main.summary if main.study else None,
                           twin.summary if twin.study else None, gain)
    purcell_ratio = (purcell_main_over_no_metal(main.emitter, twin.emitter, emission)
                     if main.emitter is not None and twin.emitter is not None else None)
    summary = dict(main.summary)
    summary.update({
        "no_metal": twin.summary,
        "enhancement": enhancement_ratios(rows),
        "purcell_main_over_no_metal": purcell_ratio,
        "comparison": [asdict(r) for r in rows],
        "inputs": _inputs(main, twin),
        "status": loaded.state,
        "runs_missing": missing,
        "runs_unreadable": problems,
        "runs_suspect": [f"{n}: {why}" for n, why in loaded.suspect.items()],
        "runs_unverified": loaded.unverified,
        "notes": {"main": main.notes, "no_metal": twin.notes},
    })
    for name in headline_keys():  # always present (postprocess.quantities)
        summary.setdefault(name, None)
    lasing = lasing_block(results, source)
    summary["lasing"] = lasing
    summary = _jsonable(summary)
    figure_paths = _figures(directory / "figures", results, rows)
    lasing_md = lasing_markdown(lasing, lasing_figure(lasing, directory / "figures"
                                                      / "light_in_light_out.png"), directory)
    if write_maps:
        summary["maps"] = {}
        for v, r in results.items():
            for tag in r.absorption:
                path = directory / "maps" / f"{v}_{tag}_absorbed_power.h5"
                write_absorbed_power_map(r.runs["fields"], tag, path, slab_voxels)
                summary["maps"][f"{v}_{tag}"] = str(path)
    summary["grid_convergence"], convergence_md = grid_convergence_section(directory, study,
                                                                           summary)
    write_text_atomic(directory / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    report = directory / "report.md"
    write_text_atomic(report, _markdown(directory, summary, results, rows, figure_paths)
                      + "\n" + lasing_md + convergence_md)
    return report, summary, results


def _analysed_study(directory: Path, study: str | Path | StudySpec | None
                    ) -> tuple[StudySpec | None, str]:
    """(the study analysed, where it came from): the one given, else the directory's own."""
    if isinstance(study, StudySpec):
        return study, "given to analyze"
    if study is not None:
        from hotlase.geometry.study import load_study

        return load_study(study), f"{study} (--study)"
    found, where = directory_study(directory)
    return found, where


# -- grid convergence: error bars from a `hotlase converge` ladder (postprocess.ladder) --------
def grid_convergence_section(directory: Path, study: StudySpec | None,
                             summary: dict) -> tuple[dict, str]:
    """(summary["grid_convergence"], the report's "Grid convergence" section).

    The ladder is found by ``postprocess.ladder.find_ladder`` (DIR/convergence.json, the
    converge directory DIR is a point of, or the ladder recorded with the source for this
    study); without one the section says plainly that the numbers carry no error bar.
    """
    from hotlase.postprocess.ladder import find_ladder, is_shipped, run_error_bars, spectra_accuracy

    head = ["", "## Grid convergence", ""]
    path, ladder, why = find_ladder(directory, study)
    if ladder is None or path is None:
        return {"ladder": None, "note": why}, "\n".join(head + [why + ".", ""])
    h = study.simulation.resolution_nm if study else None
    rows = run_error_bars(ladder, summary, h)
    entry = {"ladder": str(path), "grids_nm": ladder["grids_nm"], "resolution_nm": h,
             "method": ladder["method"],
             "quantities": {r["name"]: {k: r[k] for k in ("value", "error", "extrapolated",
                                                          "status", "order")} for r in rows}}
    shipped = is_shipped(path)
    source = (f"the grid ladder recorded with hotlase for this study ({path.name}, "
              f"`hotlase converge` recorded {ladder.get('recorded_utc', 'at an unrecorded date')}"
              f"{', runs made at commits ' + ', '.join(ladder['run_commits']) if ladder.get('run_commits') else ''}"
              "; `make ladder` records it again)" if shipped else f"the grid ladder {path}")
    entry["shipped"] = shipped
    out = head + [f"Error bars from {source} (grids "
                  f"{', '.join(_fmt(x) for x in ladder['grids_nm'])} nm; this run: "
                  f"{_fmt(h)} nm). {ladder['method']}. Oscillating or diverging quantities have "
                  "no order: their bar is their spread, and no grid can be named for them.", ""]
    out += [_table(["quantity", "unit", "this run", "± error at this grid", "extrapolated",
                    "status", "order"],
                   [[r["label"], r["unit"], r["value"], r["error"], r["extrapolated"],
                     r["status"], r["order"]] for r in rows]), ""]
    without = _without_bar(ladder, summary)
    entry["without_bar"] = without
    if without:
        out += [f"No error bar (the ladder ran {', '.join(ladder.get('run_kinds') or ['other run kinds'])}; "
                f"`hotlase converge` with this study's run kinds gives them one): "
                + "; ".join(without) + ".", ""]
    acc = spectra_accuracy(ladder, h)
    entry["spectra_accuracy"] = acc
    if acc:
        bad = [a for a in acc if not a["within"]]
        tol = acc[0]["tolerance"]
        worst = max(acc, key=lambda a: a["max_deviation"])
        verdict = (f"every R, T and A spectrum of this grid is within {_fmt(tol)} of the "
                   f"converged (extrapolated) spectrum over the band (worst: {worst['variant']} "
                   f"{worst['curve']}, {_fmt(worst['max_deviation'])} at "
                   f"{_fmt(worst['at_nm'])} nm)" if not bad else
                   f"{len(bad)} of {len(acc)} spectra of this grid are NOT within {_fmt(tol)} of "
                   f"the converged spectrum: " + ", ".join(
                       f"{a['variant']} {a['curve']} {_fmt(a['max_deviation'])} at "
                       f"{_fmt(a['at_nm'])} nm" for a in bad))
        out += [f"Spectra: {verdict}. Wavelengths without an extrapolation are judged by their "
                "error bar.", ""]
        out += [_table(["variant", "curve", "max |this grid - converged|", "at (nm)",
                        "judged by bar", "within"],
                       [[a["variant"], a["curve"], a["max_deviation"], a["at_nm"],
                         a["no_extrapolation"], "yes" if a["within"] else "NO"] for a in acc]), ""]
    else:
        out += ["Spectra: this grid is not on the ladder or the ladder has no spectra; no "
                "band-wide accuracy statement.", ""]
    return _jsonable(entry), "\n".join(out)




def _without_bar(ladder: dict, summary: dict) -> list[str]:
    """Labels of this run's headline outputs (and its modes) the ladder has no row for: a
    ladder made with fewer run kinds than the run (``ladder_key`` ignores run kinds)."""
    from hotlase.postprocess.ladder import headline_values

    names = {r["name"] for r in ladder["quantities"]}
    out = [label for name, (value, label, _, _) in headline_values(summary).items()
           if value is not None and name not in names]
    if summary.get("modes") and not any(".mode@" in n for n in names):
        out.append("mode wavelengths and Q")
    return out


def comparison_table(summary: dict) -> str:
    """Plain-text metal vs no-metal table (what ``hotlase demo`` prints) from a summary dict."""
    rows = [Row(**r) for r in summary.get("comparison", [])]
    lines = [format_rows(rows) if rows else "(no metric present in both variants)"]
    he = [("QE_HEG (zero bias)", summary.get("qe_heg")),
          ("QE_HET (zero bias)", summary.get("qe_het")),
          ("QE_PI-HEG (zero bias)", summary.get("qe_pi_heg")),
          ("Purcell main / no-metal at emission", summary.get("purcell_main_over_no_metal"))]
    lines += [f"{label}: {_fmt(v)}" for label, v in he]
    for point in summary.get("qe_pi_heg_biased") or []:
        lines.append(f"QE_PI-HEG at {point['bias_field_v_m']:.3g} V/m: {_fmt(point['qe_pi_heg'])}")
    missing = summary.get("runs_missing") or []
    if missing:
        lines.append("missing runs: " + ", ".join(missing))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Per variant
# --------------------------------------------------------------------------------------
def _analyze_variant(variant: str, runs: dict[str, Run], slab_voxels: int) -> VariantResult:
    res = VariantResult(variant=variant, runs=runs)
    if not runs:
        res.notes.append(f"no complete {variant} runs")
        return res
    res.study = next(iter(runs.values())).study
    study = res.study
    try:
        res.inputs = electronic_inputs(study)
    except KeyError as err:
        res.notes.append(f"hot-electron inputs unavailable: {err}")
    metals = tuple(n for n in set(structure_materials(study.structure).values())
                   if material_model(study, n).is_metal)
    s: dict[str, Any] = {"variant": variant, "study_name": study.name,
                         "runs": {k: str(r.path) for k, r in runs.items()}}
    context = {"metals": metals, "slab_voxels": slab_voxels}
    for kind in run_kinds().values():  # each registered run kind's analysis step, in order
        step = globals()[kind.analysis]
        _step(res, kind.name, lambda step=step: step(res, s, **context))
    res.summary = s
    return res


def _step(res: VariantResult, kind: str, fn) -> None:
    """Run one analysis step; a missing run or a failure becomes a note, not a crash."""
    if kind not in res.runs:
        if res.study is None or kind in (res.study.run_kinds or ()):  # asked for, not there
            res.notes.append(f"{res.variant}_{kind} run missing: its results are absent")
        return
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - the report must still be written
        where = traceback.extract_tb(err.__traceback__)[-1]
        text = " ".join(str(err).split())
        text = text if len(text) < 300 else text[:300] + " ..."
        res.notes.append(f"{res.variant}_{kind} analysis failed: {type(err).__name__}: {text} "
                         f"(at {Path(where.filename).name}:{where.lineno})")


def _spectrum(res: VariantResult, s: dict, **_: Any) -> None:
    sp = res.spectrum = read_spectrum(res.runs["spectrum"])
    sim = res.spec.simulation
    out: dict[str, Any] = {"energy_balance_max_error": sp.energy_balance_max_error}
    for label, wl in (("pump", sim.pump_wavelength_nm), ("emission", sim.emission_wavelength_nm)):
        i = sp.nearest(wl)
        by = {k: float(v[i]) for k, v in sp.A_by_material.items()}
        bad = unphysical_fractions(by)
        if bad:  # refused, never clipped: the reason goes to the notes and the checks
            res.notes.append(f"spectrum at {sp.wavelength_nm[i]:g} nm ({label}): A_by_material "
                             f"refused: {'; '.join(bad)}")
        out[label] = {"wavelength_nm": float(sp.wavelength_nm[i]), "R": float(sp.R[i]),
                      "T": float(sp.T[i]), "A": float(sp.A[i]) if float(sp.A[i]) <= 1 else None,
                      "A_by_material": None if bad else by}
    total = sum(sp.A_by_material.values()) if sp.A_by_material else np.zeros_like(sp.R)
    over = np.asarray(total) > 1.0
    for name, v in sp.A_by_material.items():
        over |= np.asarray(v) > 1.0
    if over.any():
        res.notes.append(f"spectrum: absorbed fraction > 1 at {int(over.sum())} wavelengths "
                         f"(max total {float(np.max(total)):.3f}): those rows are refused in "
                         "the hot-electron spectrum (not physical; refine the grid)")
        s.setdefault("checks", []).append({
            "name": "spectrum_absorbed_fraction_physical", "passed": False, "tolerance": None,
            "max_abs_mismatch": None,
            "reason": f"A > 1 at {int(over.sum())} of {over.size} wavelengths"})
    s["spectrum"] = out


def _fields(res: VariantResult, s: dict, metals: tuple[str, ...], slab_voxels: int,
            **_: Any) -> None:
    run = res.runs["fields"]
    tags = run.field_tags()
    for tag in ("pump", "emission"):
        if tag not in tags:
            res.notes.append(f"{res.variant}_fields has no fields/{tag}")
            continue
        res.absorption[tag] = analyze_absorption(run, tag, slab_voxels)
        res.headline[tag] = headline_absorption(res.absorption[tag], res.spectrum)
        if res.spectrum is not None:
            res.checks[tag] = check_against_spectrum(res.absorption[tag], res.spectrum)
    _absorption_summary(res, s, metals)
    pump = res.absorption.get("pump")
    if not metals:
        s["hot_electron_rate_surface_s"] = 0.0  # no metal: zero by construction (docs/physics.md §7)
        s["hot_electron_rate_injected_s"] = 0.0
        return
    if pump is None or res.inputs is None:
        return
    res.surface = analyze_surface(run, "pump", res.inputs, slab_voxels)
    if res.surface is None:
        res.notes.append("the pump map holds no metal voxels: no surface rate")
        return
    sf = res.surface
    s["metal_surface"] = {
        "n_voxels": sf.n_voxels, "area_m2": sf.area_m2, "e_normal_rms_v_m": sf.e_normal_rms_v_m,
        "contact_area_m2": sf.contact_area_m2,
        "enhancement_peak": sf.enhancement_peak, "enhancement_mean": sf.enhancement_mean,
        "dcontinuity_over_direct": (sf.e_normal_sq_integral_dcont_v2 / sf.e_normal_sq_integral_v2
                                    if sf.e_normal_sq_integral_v2 > 0 else None)}
    s["field_enhancement"]["metal_surface_peak"] = sf.enhancement_peak
    s["field_enhancement"]["metal_surface_mean"] = sf.enhancement_mean
    p_metal = s.get("absorbed_power_metal_w")
    ch = res.chain = hot_electron_chain(
        pump, sf, res.inputs, metals, res.spec.analysis.bias_field_v_m,
        absorbed_metal_w=float("nan") if p_metal is None else p_metal,
        injection_surface=res.spec.analysis.injection_surface)
    ratio = s["metal_surface"]["dcontinuity_over_direct"]
    s.update({
        # the rate is linear in the surface integral of |E_n|^2: the direct estimate of E_n
        # (inside the metal) gives the other end of the grid's uncertainty
        "hot_electron_rate_surface_direct_s": None if not ratio else ch.rate_surface_s / ratio,
        "hot_electron_rate_surface_contact_s": sf.rate_contact_s,
        "hot_electron_rate_upper_s": ch.rate_upper_s,
        "injection_surface": ch.injection_surface,
        "hot_electron_rate_injecting_surface_s": ch.rate_injecting_s,
        "hot_electron_rate_surface_s": ch.rate_surface_s,
        "hot_electron_rate_injected_s": ch.injected_rate_s,
        "qe_heg": ch.qe_heg, "qe_het": ch.qe_het, "qe_pi_heg": ch.qe_pi_heg,
        "qe_pi_heg_biased": [asdict(b) for b in ch.biased],
    })
    if ch.qe_heg >= 1.0:
        res.notes.append("QE_HEG reached its clip at 1: the surface rate x photon energy exceeds "
                         "the power absorbed in the metal (grid too coarse for the surface field?)")
    if res.spectrum is not None:
        res.vs_wavelength = chain_vs_wavelength(
            res.spectrum, metals, pump.intensity_w_m2, cell_area_m2(res.spec), res.inputs,
            ch, sf)
        over = res.vs_wavelength["absorbed_metal_fraction"] > 1.0
        if over.any():  # refused rows: NaN, never a fraction above 1 (note from _spectrum)
            res.vs_wavelength = {k: (v if k == "wavelength_nm" else np.where(over, np.nan, v))
                                 for k, v in res.vs_wavelength.items()}
        s["hot_electrons_vs_wavelength"] = res.vs_wavelength
        negative = res.vs_wavelength["absorbed_metal_fraction"] < 0
        if negative.any():
            res.notes.append(
                f"spectrum: metal A_by_material < 0 at {int(negative.sum())} wavelengths (min "
                f"{np.nanmin(res.vs_wavelength['absorbed_metal_fraction']):.3g}, numerical noise); "
                "counted as 0 in the hot-electron rates")


def _absorption_summary(res: VariantResult, s: dict, metals: tuple[str, ...]) -> None:
    """Headline absorption (energy-balanced), the field-map check and the upper bound."""
    checks = s.setdefault("checks", [])
    for tag, a in res.absorption.items():
        head = res.headline[tag]
        for problem in head.problems:
            res.notes.append(f"{tag}: {problem}")
        check = res.checks.get(tag)
        if check is not None:
            reason = check.failure(ABSORPTION_CHECK_TOL)
            checks.append({"name": f"absorption_field_map_vs_spectrum_{tag}", "passed": reason is None,
                           "tolerance": ABSORPTION_CHECK_TOL,
                           "max_abs_mismatch": check.max_abs_mismatch, "reason": reason})
            if reason is not None:
                res.notes.append(
                    f"FAILED check {tag}: {reason}; the headline uses the spectrum's "
                    f"energy-balanced A_by_material (field maps at "
                    f"{res.spec.simulation.resolution_nm:g} nm misplace the field jump at metal "
                    "interfaces; refine the grid)")
        if head.fraction_by_material is None:
            checks.append({"name": f"absorbed_fraction_physical_{tag}", "passed": False,
                           "tolerance": None, "max_abs_mismatch": None,
                           "reason": "; ".join(head.problems)})
    pump = res.headline.get("pump")
    maps_ok = lambda a: not unphysical_fractions(a.fraction_by_material)  # noqa: E731
    for tag, key in (("pump", "absorbed_fraction"), ("emission", "absorbed_fraction_emission")):
        if res.headline.get(tag):
            head, a = res.headline[tag], res.absorption[tag]
            s[key] = head.fraction_by_material
            s[f"{key}_total"] = head.total
            s[f"{key}_source"] = head.source
            s[f"{key}_fields"] = a.fraction_by_material if maps_ok(a) else None
    if pump:
        a = res.absorption["pump"]
        s["incident_power_w"] = a.incident_power_w
        grid_vs_cell = a.grid_area_m2 / a.cell_area_m2
        if abs(grid_vs_cell - 1) > 0.02:
            res.notes.append(f"field grid covers {grid_vs_cell:.3f} of the cell area: field-map "
                             "absorbed fractions count only the mapped part")
        s["field_enhancement"] = {
            "gain_intensity_mean": a.gain_intensity_enhancement_mean,
            "gain_field_peak": a.gain_field_enhancement_peak,
            "above_surface_mean": a.above_surface_enhancement_mean,
            "above_surface_peak": a.above_surface_enhancement_peak}
        if pump.fraction_by_material is None:
            s["absorbed_power_metal_w"] = None
            s["hot_electron_rate_upper_s"] = None
        else:
            a_metal = sum(pump.fraction_by_material.get(m, 0.0) for m in metals)
            p_metal = max(a_metal, 0.0) * a.incident_power_w  # > -NEGATIVE_TOL: noise, no power
            s["absorbed_power_metal_w"] = p_metal
            s["hot_electron_rate_upper_s"] = float(hot_electrons.hot_electron_rate_upper_s(
                p_metal, a.wavelength_nm))
    s["absorption_check"] = {
        tag: {"spectrum_wavelength_nm": c.spectrum_wavelength_nm,
              "fields": c.fields_fraction if not unphysical_fractions(c.fields_fraction) else None,
              "spectrum": c.spectrum_fraction, "mismatch": c.mismatch,
              "max_abs_mismatch": c.max_abs_mismatch, "passed": c.failure() is None}
        for tag, c in res.checks.items()}


def _modes(res: VariantResult, s: dict, slab_voxels: int, **_: Any) -> None:
    field_runs = tuple(r for k, r in res.runs.items() if k in ("modes", "fields"))
    table = res.modes = mode_table(res.runs["modes"], field_runs, res.inputs, slab_voxels)
    gain = gain_material(res.spec)
    modes = []
    for m in table.modes:
        ng, gth = threshold_gain_per_cm(res.spec, gain, m.wavelength_nm, m.q)
        gamma = m.confinement_factor
        modes.append({"wavelength_nm": m.wavelength_nm, "Q": m.q, "linewidth_nm": m.linewidth_nm,
                      "linewidth_mev": m.linewidth_mev, "error": m.error, "merged": m.merged,
                      "k_bloch": list(m.k_bloch), "field_tag": m.field_tag,
                      "confinement_factor": gamma,
                      "mode_volume_nm3": m.mode_volume_nm3,
                      "surface_enhancement_peak": m.surface_enhancement_peak,
                      "surface_enhancement_mean": m.surface_enhancement_mean,
                      "group_index": ng, "threshold_gain_per_cm": gth,
                      "threshold_gain_material_per_cm": (gth / gamma if math.isfinite(gth)
                                                         and math.isfinite(gamma) and gamma > 0
                                                         else float("nan")),
                      "class": m.mode_class, "class_reason": m.class_reason,
                      "energy_fractions": dict(m.fractions),
                      "separation_spread": m.separation_spread,
                      "nearest_rayleigh_anomaly_nm": m.anomaly_nm})
    s["modes"] = modes
    s["mode_count"] = len(modes)
    s["gain_band_nm"] = list(gain_band_nm(res.spec))
    s["best_mode"] = best_mode(modes, tuple(s["gain_band_nm"]))
    s["best_mode_rule"] = best_mode_why(modes, tuple(s["gain_band_nm"]))
    s["rayleigh_anomalies"] = [{"side": a.side, "material": a.material, "order": list(a.order),
                                "index": a.index, "wavelength_nm": a.wavelength_nm}
                               for a in table.anomalies]
    s["mode_fields_own"] = table.has_profiles
    s["modes_borderline"] = [{"wavelength_nm": b.wavelength_nm, "Q": b.q, "error": b.error,
                              "missed": b.missed} for b in table.borderline]
    disp = read_dispersion(res.runs["modes"])
    if disp is not None:
        res.dispersion = disp
        s["dispersion"] = {k: disp[k] for k in ("k_per_nm", "wavelength_nm", "Q")}
    s["modes_search"] = {"n_raw": table.n_raw, "n_filtered": table.n_filtered,
                         "material_ringing_nm": [m.wavelength_nm for m in table.material_ringing],
                         "q_min": table.q_min, "q_max": table.q_max, "band_nm": list(table.band_nm)}


def _ringing_note(wavelengths_nm) -> str:
    """', k dropped as material-pole ringing at ... nm' when the mode table dropped any."""
    if not wavelengths_nm:
        return ""
    return (f"; {len(wavelengths_nm)} dropped as a material pole ringing on its own at "
            f"{', '.join(_fmt(w) for w in wavelengths_nm)} nm")


def _emitter(res: VariantResult, s: dict, **_: Any) -> None:
    data, attrs = read_group_arrays(res.runs["emitter"], "emitter")
    res.emitter = {k: np.asarray(data[k], float) for k in ("wavelength_nm", "ldos", "ldos_bulk")}
    emission = res.spec.simulation.emission_wavelength_nm
    s["purcell_factor"] = purcell_at(res.emitter, emission)
    wl = res.emitter["wavelength_nm"]
    if wl.size and not wl.min() <= emission <= wl.max():
        res.notes.append(f"emitter band {wl.min():g}-{wl.max():g} nm misses the emission line "
                         f"{emission:g} nm: no Purcell factor there")
    s["emitter"] = {"position_nm": attrs.get("position_nm"), "medium": attrs.get("medium")}


def _inputs(main: VariantResult, twin: VariantResult) -> dict:
    study = main.study or twin.study
    if study is None:
        return {}
    sim = study.simulation
    out: dict[str, Any] = {
        "study_name": study.name,
        "pump_wavelength_nm": sim.pump_wavelength_nm,
        "emission_wavelength_nm": sim.emission_wavelength_nm,
        "intensity_w_m2": sim.pump_intensity_w_m2,
        "bias_field_v_m": list(study.analysis.bias_field_v_m),
        "resolution_nm": sim.resolution_nm,
        "cell_area_m2": cell_area_m2(study),
    }
    inp = main.inputs
    out.update({"barrier_ev": inp.barrier_ev if inp else None,
                "fermi_energy_ev": inp.fermi_energy_ev if inp else None,
                "work_function_ev": inp.work_function_ev if inp else None,
                "electron_affinity_ev": inp.electron_affinity_ev if inp else None,
                "eps_static": inp.eps_static if inp else None,
                "metal": inp.metal if inp else None,
                "semiconductor": inp.semiconductor if inp else None,
                "electronic_sources": dict(inp.sources) if inp else {}})
    models = {}
    for res in (main, twin):
        if res.study is None:
            continue
        band = study_band_nm(res.study)
        for path, name in structure_materials(res.study.structure).items():
            m = material_model(res.study, name)
            misses = m.misses_nk_target(*band)
            models[name] = {"model": m.name, "source": m.source, "valid_nm": list(m.valid_nm),
                            "is_metal": m.is_metal, "used_as": path,
                            "nk_vs_measured": ("not checked" if not m.nk_error else
                                               "misses: " + "; ".join(misses) if misses else
                                               f"meets over {band[0]:g}-{band[1]:g} nm")}
            split = split_served(res.study, name)
            if split:  # spectrum and field runs: one model per window (geometry.subbands)
                whole = str(models[name]["nk_vs_measured"])
                models[name].update(model=", ".join(f"{mod} ({lo:g}-{hi:g} nm)"
                                                    for lo, hi, mod in split),
                                    valid_nm=[split[0][0], split[-1][1]],
                                    source=f"{m.source.split(';')[0]}; hotlase n,k-tolerance "
                                           "fits, one per window (scripts/fit_materials.py)",
                                    nk_vs_measured=f"meets over {band[0]:g}-{band[1]:g} nm "
                                                   "(every run split per window; the one-band "
                                                   f"fit {m.name}: {whole})")
    out["materials"] = models
    return out


# --------------------------------------------------------------------------------------
# Figures and Markdown
# --------------------------------------------------------------------------------------
def _figures(figdir: Path, results: dict[str, VariantResult], rows: list[Row]) -> dict[str, Path]:
    paths: dict[str, Path] = {}

    def add(key: str, fn, *args_path) -> None:
        *args, path = args_path
        try:
            p = figures.save_figure(fn(*args), path)
        except Exception as err:  # noqa: BLE001 - a failed figure must not lose the report
            results["main"].notes.append(f"figure {key} failed: {type(err).__name__}: {err}")
            return
        if p is not None:
            paths[key] = p

    spectra = {v: r.spectrum for v, r in results.items() if r.spectrum is not None}
    study = next((r.study for r in results.values() if r.study is not None), None)
    if spectra:
        sim = study.simulation if study else None
        add("spectra", figures.plot_spectra, spectra, figures.spectrum_marks(results), "",
            None, sim.pump_wavelength_nm if sim else None,
            sim.emission_wavelength_nm if sim else None, figdir / "spectra.png")
    limits = figures.shared_map_limits(results)  # metal and twin maps on one scale
    for v, r in results.items():
        for tag, a in r.absorption.items():
            title = f"{v}, {tag} ({a.wavelength_nm:.0f} nm)"
            cuts = (("xz", figures.plot_enhancement_xz), ("xy", figures.plot_enhancement_xy))
            for cut, fn in cuts:
                name = f"{v}_{tag}_enhancement_{cut}"
                add(name, fn, a.maps, title, None, limits.get((tag, cut)), figdir / f"{name}.png")
            if tag == "pump":
                add(f"{v}_pump_absorbed_power", figures.plot_absorbed_power_xz, a.maps, title,
                    None, limits.get((tag, "power")), figdir / f"{v}_pump_absorbed_power_xz.png")
        for key, label, profile in mode_fields.report_profile_cuts(v, r.runs.get("modes"), r.modes):
            add(key, mode_figures.plot_mode_profile, profile, label, figdir / f"{key}.png")
        if r.dispersion is not None:
            add(f"{v}_dispersion", figures.plot_dispersion, r.dispersion, v,
                figdir / f"{v}_dispersion.png")
        if r.surface is not None and r.inputs is not None:
            sf = r.surface
            add(f"{v}_surface_rate", figures.plot_surface_rate, sf.rate_map_m2_s, sf.x_nm, sf.y_nm,
                f"{v}, pump ({sf.wavelength_nm:.0f} nm)", figdir / f"{v}_surface_rate.png")
        if r.chain is not None:
            b = r.chain.biased
            add(f"{v}_qe_vs_bias", figures.plot_qe_vs_bias, [p.bias_field_v_m for p in b],
                [p.qe_het for p in b], [p.qe_heg for p in b], [p.qe_pi_heg for p in b], v,
                figdir / f"{v}_qe_vs_bias.png")
    emitters = {v: r.emitter for v, r in results.items() if r.emitter is not None}
    if emitters:
        add("ldos_purcell", mode_figures.plot_ldos_purcell, emitters,
            study.simulation.emission_wavelength_nm if study else None, "", figdir / "ldos_purcell.png")
    add("comparison", figures.plot_comparison_bars, rows, "hotlase", figdir / "comparison.png")
    return paths


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "-"
    if v == 0:
        return "0"
    return f"{v:.4g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.3e}"


def _valid_range(valid) -> str:
    lo, hi = valid
    return f"{_fmt(lo)}-{_fmt(hi) if hi is not None else 'inf'}"


def _table(head: list[str], body: list[list[Any]]) -> str:
    cell = lambda c: _fmt(c).replace("|", "\\|")  # noqa: E731 - a bare | would split the cell
    head_line = "| " + " | ".join(h.replace("|", "\\|") for h in head) + " |"
    lines = [head_line, "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def status_lines(summary: dict) -> list[str]:
    """The verdict that heads the report (and that ``hotlase analyze`` prints): the state of
    the run files, then every missing, refused and suspect file, one line each."""
    state = summary.get("status", "incomplete")
    head = {"complete": "STATUS: complete (every run file present, verified and physical)",
            "suspect": "STATUS: SUSPECT: some results fail a physical check; do not use "
                       "them as they are",
            "incomplete": "STATUS: INCOMPLETE: some run files are missing or were refused; "
                          "the numbers below leave them out"}[state]
    out = [f"**{head}**"]
    if summary.get("runs_missing"):
        out.append("- missing runs: " + ", ".join(summary["runs_missing"]))
    out += [f"- refused: {p}" for p in summary.get("runs_unreadable") or []]
    out += [f"- suspect: {p}" for p in summary.get("runs_suspect") or []]
    return out


def _markdown(directory: Path, summary: dict, results: dict[str, VariantResult], rows: list[Row],
              figure_paths: dict[str, Path]) -> str:
    inp = summary.get("inputs") or {}
    out = [f"# hotlase report: {inp.get('study_name', directory.name)}", ""]
    out += status_lines(summary) + [""]
    out += ["## Inputs", "", _table(["quantity", "value"], [
        ["pump wavelength (nm)", inp.get("pump_wavelength_nm")],
        ["emission wavelength (nm)", inp.get("emission_wavelength_nm")],
        ["pump intensity (W/m^2)", inp.get("intensity_w_m2")],
        ["grid spacing (nm)", inp.get("resolution_nm")],
        ["cell area (m^2)", inp.get("cell_area_m2")],
        ["bias fields (V/m)", ", ".join(_fmt(f) for f in inp.get("bias_field_v_m", []))],
        ["metal / semiconductor", f"{inp.get('metal')} / {inp.get('semiconductor')}"],
        ["Schottky barrier (eV)", inp.get("barrier_ev")],
        ["Fermi energy (eV)", inp.get("fermi_energy_ev")],
        ["static permittivity (1)", inp.get("eps_static")]]), ""]
    main, twin = results.get("main"), results.get("no_metal")
    settings = study_rows(main.study if main else None, twin.study if twin else None)
    if settings:  # every stored setting that shaped the numbers (from the run files' spec_json)
        out += ["## Study", "", _table(["field", "value", "no-metal twin (where it differs)"],
                                       settings), ""]
    if inp.get("electronic_sources"):
        out += ["Electronic constants: " + "; ".join(
            f"{k}: {v}" for k, v in inp["electronic_sources"].items()), ""]
    if inp.get("materials"):
        out += ["Material models (n, k vs measured: |dn| <= 0.02, |dk| <= max(0.005, 10 %) "
                "over the study band, docs/physics.md §3):", "",
                _table(["material", "model", "valid (nm)", "n, k vs measured", "source"], [
                    [n, m["model"], _valid_range(m["valid_nm"]), m.get("nk_vs_measured", "-"),
                     m["source"]] for n, m in inp["materials"].items()]), ""]
    out += ["## Run files", ""]
    for v, r in results.items():
        out.append(f"- {v}: " + (", ".join(sorted(r.runs)) if r.runs else "none"))
    if summary.get("runs_missing"):
        out.append("- missing: " + ", ".join(summary["runs_missing"]))
    for p in summary.get("runs_unreadable") or []:
        out.append(f"- not analysed: {p}")
    out.append("")
    for v, r in results.items():
        if r.notes:
            out += [f"Notes ({v}):", ""] + [f"- {n}" for n in r.notes] + [""]

    out += ["## Plasmon modes", ""]
    for v, r in results.items():
        modes = r.summary.get("modes")
        if not modes:
            out += [f"{v}: no mode table (modes run missing or empty).", ""]
            continue
        ms = r.summary["modes_search"]
        out += [f"**{v}**: {len(modes)} modes after merging {ms['n_raw']} Harminv rows "
                f"(Q in [{_fmt(ms['q_min'])}, {_fmt(ms['q_max'])}], band {_fmt(ms['band_nm'][0])}-"
                f"{_fmt(ms['band_nm'][1])} nm, {ms['n_filtered']} candidates filtered"
                f"{_ringing_note(ms.get('material_ringing_nm', []))}).", ""]
        out += [_table(["λ (nm)", "Q", "Δλ (nm)", "ΔE (meV)", "merged", "class", "Γ perovskite",
                        "V (nm^3)",
                        "surface |E|/|E0| peak", "mean", "n_g", "Γg_th (1/cm)", "g_th (1/cm)"],
                       [[m["wavelength_nm"], m["Q"], m["linewidth_nm"], m["linewidth_mev"],
                         m["merged"], (m.get("class") or "") + (" (also in twin)" if m.get("in_no_metal_twin")
                                                                 else ""),
                         m["confinement_factor"], m["mode_volume_nm3"],
                         m["surface_enhancement_peak"], m["surface_enhancement_mean"],
                         m["group_index"], m["threshold_gain_per_cm"],
                         m.get("threshold_gain_material_per_cm")] for m in modes]), ""]
        ras = r.summary.get("rayleigh_anomalies") or []
        out += [("Rayleigh anomalies in the band: " + "; ".join(
            f"{a['side']} ({a['material']}) {tuple(a['order'])} at {_fmt(a['wavelength_nm'])} nm"
            for a in ras) + ".") if ras else "No Rayleigh anomaly in the band.", ""]
        best = r.summary.get("best_mode")
        out += [(f"Lasing mode: {_fmt(best['wavelength_nm'])} nm ({best['class']}, Q {_fmt(best['Q'])}, "
                 f"Γ {_fmt(best['confinement_factor'])}, g_th {_fmt(best['threshold_gain_material_per_cm'])}"
                 f" 1/cm): {r.summary.get('best_mode_rule')}.") if best else
                f"Lasing mode: none ({r.summary.get('best_mode_rule')}).", ""]
        loose = [m for m in modes if (m.get("separation_spread") or 0) > SPREAD_NOTE]
        if loose:
            out += [f"Fields not cleanly separated (moved > {SPREAD_NOTE:g} under 10x stronger "
                    "regularisation; Γ and V uncertain): " + ", ".join(
                        f"{_fmt(m['wavelength_nm'])} nm ({_fmt(m['separation_spread'])})" for m in loose)
                    + ".", ""]
        border = r.summary.get("modes_borderline") or []
        if border:  # modes/borderline: missed one limit by less than its slack
            out += [f"Borderline resonances ({len(border)}, not modes: each missed one selection "
                    "limit by less than its slack): " + ", ".join(
                        f"{_fmt(b['wavelength_nm'])} nm (Q {_fmt(b['Q'])}, missed {b['missed']})"
                        for b in border) + ".", ""]
        if not r.summary.get("mode_fields_own"):
            out += ["This modes run stores no per-mode fields (an older run file): Γ and V are "
                    "not given, and classes rest on the Rayleigh anomalies alone.", ""]
    out += ["Γ and V come from each mode's own field (a re-run of the same dipole pulse, DFTs "
            "over the ring-down, modes separated with Harminv's complex frequencies), with the "
            "Loudon/Ruppin energy density; V counts the mode's energy inside the field box, so "
            "for leaky modes it grows with the box (quasinormal modes, Kristensen & Hughes 2014). "
            "Classes: at a Rayleigh anomaly (within 5 nm, or a linewidth if delocalised) "
            "'lattice'; otherwise where most of the electric energy is (rod; metal plus the "
            "surface-plasmon decay length above it; elsewhere). Γg_th = 2π n_g/(λQ) is the "
            "passive modal threshold with the perovskite's material group index standing in "
            "for the modal one (none inside its absorption line, where n_g <= 0); g_th = "
            "Γg_th/Γ is the material gain needed. The lasing mode is the lowest g_th among "
            "non-lattice modes in the gain band (emission line ± 20 nm). '(also in twin)': the "
            "no-metal twin has a mode within half the narrower linewidth (or 1 nm), so the metal "
            "does not make it (it may change its Q). The surface "
            "enhancement is that of the plane-wave-driven map at the mode wavelength.", ""]

    out += ["## Absorption", ""]
    for v, r in results.items():
        if r.spectrum is not None:
            out += [f"{v} spectrum: max |R + T + sum A_by_material - 1| = "
                    f"{_fmt(r.spectrum.energy_balance_max_error)} over "
                    f"{len(r.spectrum.wavelength_nm)} wavelengths.", ""]
    out += [f"Headline absorbed fractions are the spectrum run's energy-balanced A_by_material "
            f"(interpolated at the line); the field-map integral is a check that FAILS when it "
            f"differs by more than {ABSORPTION_CHECK_TOL:g} of the incident power. A fraction "
            "above 1 is never reported: it is refused with the reason.", ""]
    for v, r in results.items():
        for tag, a in r.absorption.items():
            head = r.headline.get(tag)
            out += [f"**{v}, {tag} ({a.wavelength_nm:.1f} nm)**: incident power "
                    f"{_fmt(a.incident_power_w)} W on {_fmt(a.cell_area_m2)} m^2; headline from "
                    f"the {head.source if head else '-'}"
                    + ("" if head is None or head.fraction_by_material is not None else
                       " REFUSED: " + "; ".join(head.problems)) + ".", ""]
            check = r.checks.get(tag)
            maps_ok = not unphysical_fractions(a.fraction_by_material)
            hf = (head.fraction_by_material or {}) if head else {}
            body = [[k, hf.get(k), a.fraction_by_material[k] if maps_ok else "refused (> 1)",
                     check.mismatch.get(k) if check and maps_ok else None]
                    for k in a.fraction_by_material]
            verdict = "-" if check is None else ("passed" if check.failure() is None else "FAILED")
            out += [_table(["material", "A (headline)", "A (field map)",
                            f"map - headline (check {verdict})"], body), ""]
    checks = [c for r in results.values() for c in (r.summary.get("checks") or [])]
    if checks:
        out += ["Checks:", ""] + [
            f"- {'passed' if c['passed'] else 'FAILED'}: {c['name']}"
            + (f" ({c['reason']})" if c.get("reason") else "") for c in checks] + [""]
    out += ["## Field enhancement (pump)", ""]
    fe = [(v, r.summary.get("field_enhancement") or {}) for v, r in results.items()]
    keys = sorted({k for _, d in fe for k in d})
    if keys:
        out += [_table(["quantity"] + [v for v, _ in fe],
                       [[k] + [d.get(k) for _, d in fe] for k in keys]), ""]

    out += ["## Hot electrons (pump)", "", DEBATE_NOTE, ""]
    s = summary
    out += [_table(["quantity", "value"], [
        ["power absorbed in the metal (W, energy-balanced)", s.get("absorbed_power_metal_w")],
        ["rate, upper bound (1/s)", s.get("hot_electron_rate_upper_s")],
        ["rate, surface generation over the barrier, E_n from D-continuity (1/s)",
         s.get("hot_electron_rate_surface_s")],
        ["same, E_n taken inside the metal (direct estimate) (1/s)",
         s.get("hot_electron_rate_surface_direct_s")],
        ["of which on the metal/perovskite contact (1/s)",
         s.get("hot_electron_rate_surface_contact_s")],
        ["surfaces counted for injection (analysis.injection_surface)", s.get("injection_surface")],
        ["rate, injected into the perovskite (1/s)", s.get("hot_electron_rate_injected_s")],
        ["QE_HEG", s.get("qe_heg")], ["QE_HET", s.get("qe_het")], ["QE_PI-HEG", s.get("qe_pi_heg")],
        ["metal surface area in the cell (m^2)", (s.get("metal_surface") or {}).get("area_m2")],
        ["of which in contact with the perovskite (m^2)",
         (s.get("metal_surface") or {}).get("contact_area_m2")],
        ["E_n,rms inside the metal, D-continuity (V/m)",
         (s.get("metal_surface") or {}).get("e_normal_rms_v_m")],
        ["∮|E_n|² from D-continuity / direct",
         (s.get("metal_surface") or {}).get("dcontinuity_over_direct")],
    ]), ""]
    if s.get("qe_pi_heg_biased"):
        out += ["With an applied field (Schottky lowering of the barrier):", "",
                _table(["field (V/m)", "barrier (eV)", "surface rate (1/s)", "QE_HEG", "QE_HET",
                        "QE_PI-HEG"], [[p["bias_field_v_m"], p["barrier_ev"], p["rate_surface_s"],
                                        p["qe_heg"], p["qe_het"], p["qe_pi_heg"]]
                                       for p in s["qe_pi_heg_biased"]]), ""]
    vw = s.get("hot_electrons_vs_wavelength")
    if vw:
        n = len(vw["wavelength_nm"])
        idx = np.unique(np.linspace(0, n - 1, min(12, n)).astype(int))
        cols = [("λ (nm)", "wavelength_nm"), ("A metal", "absorbed_metal_fraction"),
                ("upper bound (1/s)", "rate_upper_s"), ("QE_HET", "qe_het"),
                ("upper x QE_HET (1/s)", "injected_upper_s"),
                ("QE_HEG (scaled)", "qe_heg_scaled"), ("QE_PI-HEG (scaled)", "qe_pi_heg_scaled")]
        cols = [c for c in cols if c[1] in vw]
        out += ["Versus pump wavelength. Metal absorption is the spectrum run's A_by_material, so "
                "the upper bound and QE_HET are exact; the surface rate was mapped at the pump "
                "only, so the 'scaled' columns assume the surface share of the metal absorption "
                "stays as at the pump (an estimate, not valid across a plasmon resonance):", "",
                _table([c[0] for c in cols], [[vw[k][i] for _, k in cols] for i in idx]), ""]
    out += ["E_n just inside the metal: the surface rate takes it from D-continuity "
            "(eps_out/eps_metal x E_n of the first outside voxel at least half a cell from the "
            "interface); the direct estimate takes the metal-side field carried to the face. "
            "Against Fresnel (p-polarised light on a Ag film) D-continuity is within 0.5 % at 5 "
            "nm and the direct one 9 % low (|E_n|^2 1.22x apart at 5 nm, 1.11x at 2.5 nm, "
            "converging at first order); a ratio far from 1 here means the grid does not "
            "resolve this structure's metal surface.", ""]
    out += ["## Metal vs no metal", ""]
    if rows:
        out += [_table(["metric", "unit", "metal", "no metal", "metal/no-metal"],
                       [[r.metric, r.unit, r.main, r.no_metal, r.ratio] for r in rows]), ""]
    else:
        out += ["No metric is present for both variants.", ""]
    out += [f"Purcell factor main / no-metal at the emission wavelength (ldos ratio): "
            f"{_fmt(s.get('purcell_main_over_no_metal'))}", ""]
    if figure_paths:
        out += ["## Figures", ""]
        for key, p in figure_paths.items():
            out.append(f"![{key}]({Path(p).relative_to(directory).as_posix()})")
        out.append("")
    return "\n".join(out)


def _jsonable(x: Any) -> Any:
    """numpy -> Python, NaN/inf -> None, tuples -> lists (strict JSON)."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.generic,)):
        return _jsonable(x.item())
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, complex):
        return {"re": _jsonable(x.real), "im": _jsonable(x.imag)}
    return x
