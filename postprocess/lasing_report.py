"""The Lasing block of the summary and its report section (docs/physics.md §8), numpy only.

Runs ``laser_model.laser_summary`` for the structure and its no-metal twin (a failure becomes a
note, never a crash) and writes the threshold table and the log-log L-L figure.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from hotlase.postprocess import figures
from hotlase.postprocess.laser_model import laser_summary, threshold_sensitivity

_LABELS = {"main": "structure", "no_metal": "no-metal twin"}

#: Published plasmonic nanolasers as the source paper's Table S1 lists them (its supporting
#: information; docs/physics.md §8): year, wavelength, pump, threshold and plasmon-induced QE
#: as printed there (units differ between rows, so they stay text). Read-only literature
#: values for the comparison table; the row of the study is always computed.
TABLE_S1 = (
    ("2009", "489 nm", "optical", "40 MW/cm^2 (< 10 K)", "10%"),
    ("2012", "1520 nm", "optical", "100 kW/cm^2", "0.1%"),
    ("2018", "700 nm", "optical", "3.5 mW", "11.9%"),
    ("2019", "396 nm", "electrical", "70.2 A/cm^2", "0.02%"),
    ("2020", "1200 nm", "optical", "140 kW/cm^2", "18%"),
    ("2021", "530 nm", "optical", "138 MW/cm^2", "/"),
    ("2022", "770 nm", "optical", "18 kW/cm^2", "21%"),
    ("source paper", "532 nm", "optical + electrical", "5 kW/cm^2 & 1 uA", "30.1%"),
)


def table_s1_row(results: dict, block: dict) -> dict[str, Any] | None:
    """This study's row for the Table S1 comparison, computed from its analysis: the lasing
    mode's wavelength, the pump kind, the CW threshold and the largest plasmon-induced QE over
    the bias fields (QE_PI-HEG; zero bias when no bias was asked for)."""
    main = block.get("main")
    res = results.get("main")
    if not main or res is None:
        return None
    s = res.summary
    qes = [s.get("qe_pi_heg")] + [b.get("qe_pi_heg") for b in s.get("qe_pi_heg_biased") or []]
    qes = [q for q in qes if isinstance(q, (int, float)) and math.isfinite(q)]
    electrical = bool(res.study is not None and res.study.gain.current_density_a_cm2 > 0)
    return {"wavelength_nm": main.get("mode_wavelength_nm"),
            "pump": "optical + electrical" if electrical else "optical",
            "threshold_w_cm2": main.get("threshold_w_cm2"),
            "pi_qe": max(qes) if qes else None}


def lasing_block(results: dict, study_source: str = "") -> dict[str, Any]:
    """{variant: laser summary or None, "notes": [...], "gain": the [gain] table used and
    where it was read} from the analysed variants. ``study_source`` names the study analysed
    (DIR/runs/study.json or --study); "" when only the run files' own study was known."""
    out: dict[str, Any] = {"notes": [], "gain": gain_used(results, study_source)}
    for variant, res in results.items():
        out[variant] = None
        if res.study is None or not res.summary.get("modes"):
            out["notes"].append(f"{variant}: no modes analysed, no laser model")
            continue
        try:
            block = laser_summary(res.study, res.summary, res.emitter)
            if variant == "main":
                block["sensitivity"] = threshold_sensitivity(res.study, res.summary, res.emitter)
            out[variant] = block
        except Exception as err:  # noqa: BLE001 - the report must still be written
            out["notes"].append(f"{variant}: laser model not computed: "
                                f"{type(err).__name__}: {err}")
    out["table_s1_row"] = table_s1_row(results, out)
    return out


def gain_used(results: dict, study_source: str) -> dict[str, Any] | None:
    """{"source": where the [gain] table was read, "table": its values}: the study analysed,
    never a reused run file's stored one (``runfile.load_directory``)."""
    study = next((r.study for r in results.values() if r.study is not None), None)
    if study is None:
        return None
    source = study_source or ("the main run files' stored study (the directory records no "
                              "study: made before runs/study.json held one)")
    return {"source": source, "table": dataclasses.asdict(study.gain)}


def lasing_figure(block: dict, path: Path) -> Path | None:
    """The L-L figure of the structure, its twin and each bias."""
    curves, thresholds = {}, {}
    for variant in ("main", "no_metal"):
        b = block.get(variant)
        if not b:
            continue
        label = _LABELS[variant]
        curves[label] = (b["ll_curve"]["pump_w_cm2"], b["ll_curve"]["output_w_cm2"])
        thresholds[label] = b["threshold_w_cm2"]
        for bias in b.get("biases", []):
            if bias["bias_field_v_m"] > 0:
                key = f"{label}, {bias['bias_field_v_m']:.0e} V/m"
                curves[key] = (b["ll_curve"]["pump_w_cm2"], bias["output_w_cm2"])
                thresholds[key] = bias["threshold_w_cm2"]
    fig = figures.plot_light_in_light_out(curves, thresholds, "Lasing")
    return figures.save_figure(fig, path) if fig is not None else None


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.3g}" if isinstance(x, (int, float)) else str(x)


def lasing_markdown(block: dict, figure: Path | None, directory: Path) -> str:
    """The report's Lasing section."""
    lines = ["## Lasing", "",
             "Rate-equation laser model (docs/physics.md §8) on the passive modes: gain of the "
             "[gain] table, Purcell factor from the emitter LDOS, β from each mode's Purcell "
             "factor and linewidth, carriers from the pump absorbed in the perovskite plus the "
             "injected hot electrons (and the [gain] electrical current). Threshold: the pump at "
             "which stimulated emission into the lasing mode equals the total spontaneous "
             "emission (Ning 2013; CW steady state, or integrated over one pump pulse).", ""]
    used = block.get("gain")
    if used:
        lines += [f"[gain] used (from {used['source']}): " + ", ".join(
            f"{k} = {_fmt(v)}" for k, v in used["table"].items()) + ".", ""]
    head = ["quantity"] + [_LABELS[v] for v in ("main", "no_metal") if block.get(v)]
    keys = [("CW threshold (W/cm^2)", "threshold_w_cm2"),
            ("gain-clamping pump R(n_clamp) (W/cm^2)", "threshold_clamping_w_cm2"),
            ("one photon in the mode (W/cm^2)", "threshold_photon_one_w_cm2"),
            ("pulsed threshold (uJ/cm^2)", "threshold_uj_cm2"),
            ("slope efficiency (W/W)", "slope_efficiency"), ("β", "beta"),
            ("Purcell factor (LDOS)", "purcell_factor"),
            ("lasing mode (nm)", "mode_wavelength_nm"), ("lasing mode Q", "mode_q"),
            ("radiated share of the mode loss", "radiated_share"),
            ("gain peak (nm)", "gain_peak_nm"),
            ("pump absorbed in the perovskite", "absorbed_fraction_pump")]
    variants = [v for v in ("main", "no_metal") if block.get(v)]
    if variants:
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for label, key in keys:
            lines.append("| " + " | ".join([label] + [_fmt(block[v].get(key)) for v in variants])
                         + " |")
        lines.append("")
    main = block.get("main") or {}
    if main.get("biases"):
        lines += ["Per bias field (structure):", "", "| field (V/m) | CW threshold (W/cm^2) | "
                  "slope efficiency |", "| --- | --- | --- |"]
        lines += [f"| {_fmt(b['bias_field_v_m'])} | {_fmt(b['threshold_w_cm2'])} | "
                  f"{_fmt(b['slope_efficiency'])} |" for b in main["biases"]]
        lines.append("")
    if main.get("sensitivity"):
        lines += ["How the CW threshold moves across the literature range of the uncertain "
                  "[gain] parameters (others fixed):", "",
                  "| parameter | low | high | threshold at low | threshold at high |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {r['parameter']} | {_fmt(r['low'])} | {_fmt(r['high'])} | "
                  f"{_fmt(r['threshold_at_low_w_cm2'])} | {_fmt(r['threshold_at_high_w_cm2'])} |"
                  for r in main["sensitivity"]]
        lines.append("")
    if main.get("assumptions"):
        lines += ["Assumptions: " + "; ".join(main["assumptions"]) + ".", ""]
    row = block.get("table_s1_row")
    if row:
        thr = row["threshold_w_cm2"]
        lines += ["Against the published plasmonic nanolasers (the source paper's Table S1, "
                  "printed as published; the last row is computed from this study's runs):", "",
                  "| year | wavelength | pump | threshold | PI-QE |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {' | '.join(r)} |" for r in TABLE_S1]
        qe = row["pi_qe"]
        lines += [f"| this study (computed) | {_fmt(row['wavelength_nm'])} nm | {row['pump']} | "
                  f"{_fmt(None if thr is None else thr / 1e3)} kW/cm^2 | "
                  f"{'-' if qe is None else f'{100 * qe:.3g}%'} |", ""]
    if figure is not None:
        lines += [f"![light in / light out]({figure.relative_to(directory)})", ""]
    lines += [f"- {n}" for n in block.get("notes", [])]
    return "\n".join(lines) + "\n"
