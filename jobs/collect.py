"""``hotlase collect DIR``: every complete point's summary.json in one table, plus plots.

Writes ``DIR/collect/sweep.csv`` and ``DIR/collect/sweep.h5`` (one row per complete point:
the point hash, the swept parameters, then every numeric scalar of summary.json flattened to
dotted names, e.g. ``modes[0].Q``, ``enhancement.<metric>``) and
``DIR/collect/<parameter>.png``: the main figures of merit (first and best mode wavelength
and Q, qe_pi_heg, metal/no-metal enhancement ratios, pump absorption) against each swept numeric parameter,
one line per combination of the other parameters, labelled with the registry's labels and
units (``postprocess.quantities.display_label``); and ``DIR/collect/spectra_<parameter>.png``:
the main variant's R and A as maps over (parameter, wavelength), one figure per combination
of the other parameters (at most ``MAX_MAP_GROUPS``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any

from hotlase.jobs.points import format_value
from hotlase.postprocess.quantities import display_label, figure_of_merit_patterns, unit_of
from hotlase.jobs.state import (POINTS_DIR, point_files, point_run_files, read_sweep_index,
                                write_text_atomic)
from hotlase.postprocess.runchecks import check_files

OUT_DIR = "collect"
MAX_PLOTTED = 12
MAX_LIST_SCALARS = 8  # longer lists of numbers are spectra, not figures: left out of the table
MAX_LIST_TABLES = 3  # the first modes (strongest first) are kept, the rest left out
MAX_MAP_GROUPS = 4  # spectrum maps per swept parameter (one per combination of the others)
_SECTIONS = ("study", "structure", "simulation", "analysis")


def parameter_label(param: str) -> str:
    """A swept study path as plot text with the unit its key's suffix declares (the project
    rule, ``jobs.schema.unit``): ``structure.rod.radius_nm`` -> "rod radius (nm)"."""
    from hotlase.jobs.schema import split_unit

    parts = [p for p in param.split(".") if p not in _SECTIONS] or [param]
    base, u = split_unit(parts[-1])
    name = " ".join([*parts[:-1], base]).replace("_", " ")
    return f"{name} ({u})" if u else name


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Numeric and string scalars of nested JSON as {dotted.name[i]: value}.

    Lists of more than MAX_LIST_SCALARS numbers (spectra) are left out, and of lists of
    tables only the first MAX_LIST_TABLES items are kept.
    """
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(data, list):
        tables = any(isinstance(v, (dict, list)) for v in data)
        if not tables and len(data) > MAX_LIST_SCALARS:
            return out
        for i, v in enumerate(data[:MAX_LIST_TABLES] if tables else data):
            out.update(flatten(v, f"{prefix}[{i}]"))
    elif isinstance(data, bool):
        out[prefix] = int(data)
    elif isinstance(data, (int, float)):
        out[prefix] = float(data)
    elif data is None:
        out[prefix] = math.nan
    elif isinstance(data, str):
        out[prefix] = data
    return out


def figures_of_merit(columns: list[str]) -> list[str]:
    """The summary columns to plot (the registry's PLOT quantities, in its order), at most
    MAX_PLOTTED."""
    chosen: list[str] = []
    for pattern in figure_of_merit_patterns():  # declared in postprocess.quantities
        for c in columns:
            if c not in chosen and re.search(pattern, c, re.I):
                chosen.append(c)
    return chosen[:MAX_PLOTTED]


def collect_table(out_dir: str | Path) -> tuple[list[str], list[str], list[dict[str, Any]], int]:
    """Rows of the complete points; every other point is named with its reason on stdout.

    Returns:
        (swept parameter names, summary column names, rows, number of incomplete points).
    """
    out_dir = Path(out_dir)
    index = read_sweep_index(out_dir)
    params = list(index["parameters"])
    rows, columns, skipped = [], [], 0
    checks = check_files([p for h in index["order"]
                          for p in point_run_files(out_dir / POINTS_DIR / h)], deep=False)
    for h in index["order"]:
        d = out_dir / POINTS_DIR / h
        files = point_files(d, checks)
        if not files.complete:
            skipped += 1
            print(f"left out {d}: {files.problem}")
            continue
        summary = flatten(json.loads((d / "summary.json").read_text()))
        for c in summary:
            if c not in columns:
                columns.append(c)
        rows.append({"point": h, **index["points"][h], **summary})
    return params, columns, rows, skipped


def write_csv(path: Path, names: list[str], rows: list[dict[str, Any]]) -> None:
    """CSV with a header; missing cells empty, floats in full precision."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(names)
    for r in rows:
        w.writerow(["" if r.get(n) is None else (repr(float(r[n])) if isinstance(r[n], float)
                                                  else r[n]) for n in names])
    write_text_atomic(path, buf.getvalue())


def units_of(name: str) -> str:
    """The unit declared for a summary column in postprocess.quantities ("" when undeclared:
    units are never guessed from a name's suffix)."""
    return unit_of(name)


def write_h5(path: Path, names: list[str], rows: list[dict[str, Any]]) -> None:
    """One dataset per column (float64, NaN for missing; strings as UTF-8), via a tmp file."""
    import h5py
    import numpy as np

    tmp = path.with_name(path.name + ".tmp")
    with h5py.File(tmp, "w") as f:
        f.attrs["columns"] = json.dumps(names)
        for n in names:
            vals = [r.get(n) for r in rows]
            if all(isinstance(v, (int, float)) or v is None for v in vals):
                data = np.array([math.nan if v is None else float(v) for v in vals])
                ds = f.create_dataset(n.replace("/", "_"), data=data)
            else:
                text = ["" if v is None else str(v) for v in vals]
                ds = f.create_dataset(n.replace("/", "_"), data=text,
                                      dtype=h5py.string_dtype())
            ds.attrs["units"] = units_of(n)
            ds.attrs["long_name"] = n
    tmp.replace(path)


def plot_parameter(path: Path, param: str, params: list[str], foms: list[str],
                   rows: list[dict[str, Any]]) -> bool:
    """One PNG: each figure of merit vs ``param``; False if ``param`` is not numeric."""
    xs = [r[param] for r in rows]
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs) or not foms:
        return False
    from matplotlib.figure import Figure  # no pyplot: no backend is chosen or switched

    others = [p for p in params if p != param]
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(format_value(r[p]) for p in others), []).append(r)
    ncol = min(3, len(foms))
    nrow = math.ceil(len(foms) / ncol)
    fig = Figure(figsize=(4.2 * ncol, 3.2 * nrow))
    axes = [fig.add_subplot(nrow, ncol, i + 1) for i in range(nrow * ncol)]
    for ax, fom in zip(axes, foms):
        for key, grp in groups.items():
            grp = sorted(grp, key=lambda r: r[param])
            y = [r.get(fom, math.nan) for r in grp]
            y = [v if isinstance(v, (int, float)) else math.nan for v in y]
            label = ", ".join(f"{parameter_label(p)} = {v}" for p, v in zip(others, key)) or None
            ax.plot([r[param] for r in grp], y, "o-", label=label)
        ax.set_xlabel(parameter_label(param))
        ax.set_ylabel(display_label(fom), fontsize=8)
        if others and len(groups) <= 8:
            ax.legend(fontsize=6)
    for ax in axes[len(foms):]:
        ax.set_visible(False)
    fig.suptitle(f"figures of merit vs {parameter_label(param)} ({len(rows)} points)")
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
    return True


def spectrum_maps(out_dir: Path, dest: Path, param: str, params: list[str],
                  rows: list[dict[str, Any]]) -> list[Path]:
    """``dest/spectra_<param>[_<i>].png``: R and A of the main variant over (``param``,
    wavelength), one figure per combination of the other parameters (the largest groups,
    at most MAX_MAP_GROUPS); none when ``param`` is not numeric or no point has a spectrum."""
    from hotlase.postprocess.runfile import read_run, read_spectrum
    from hotlase.postprocess.sweep_figures import plot_spectrum_maps, spectrum_grid

    if not all(isinstance(r[param], (int, float)) and not isinstance(r[param], bool) for r in rows):
        return []
    others = [p for p in params if p != param]
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(format_value(r[p]) for p in others), []).append(r)
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:MAX_MAP_GROUPS]
    written = []
    for i, (key, grp) in enumerate(ranked):
        values, spectra = [], []
        for r in grp:
            path = out_dir / POINTS_DIR / r["point"] / "runs" / "main_spectrum.h5"
            if path.exists():
                values.append(float(r[param]))
                spectra.append(read_spectrum(read_run(path)))
        if not spectra:
            continue
        title = ", ".join(f"{parameter_label(p)} = {v}" for p, v in zip(others, key))
        fig = plot_spectrum_maps(spectrum_grid(values, spectra), parameter_label(param), title)
        fig.tight_layout()
        name = f"spectra_{_file_name(param)}" + (f"_{i + 1}" if len(ranked) > 1 else "")
        tmp = dest / f"{name}.tmp.png"
        fig.savefig(tmp, dpi=110)
        tmp.replace(dest / f"{name}.png")
        written.append(dest / f"{name}.png")
    return written


def collect(out_dir: str | Path) -> Path:
    """Write the table (CSV, HDF5) and plots of a sweep directory; returns the CSV path."""
    return _collect(out_dir)[0]


def collect_command(out_dir: str | Path) -> int:
    """``hotlase collect``: exit code 0 when every point was collected, 1 when some were left
    out (each named on stdout with its reason)."""
    return 1 if _collect(out_dir)[1] else 0


def _collect(out_dir: str | Path) -> tuple[Path, int]:
    out_dir = Path(out_dir)
    params, columns, rows, skipped = collect_table(out_dir)
    dest = out_dir / OUT_DIR
    dest.mkdir(parents=True, exist_ok=True)
    names = ["point", *params, *columns]
    write_csv(dest / "sweep.csv", names, rows)
    write_h5(dest / "sweep.h5", names, rows)
    foms = figures_of_merit([c for c in columns if _has_numbers(c, rows)])
    plots = [p for p in params
             if rows and plot_parameter(dest / f"{_file_name(p)}.png", p, params, foms, rows)]
    maps = [m for p in params if rows for m in spectrum_maps(out_dir, dest, p, params, rows)]
    print(f"{len(rows)} complete point(s) collected into {dest / 'sweep.csv'} and sweep.h5"
          + (f"; {skipped} incomplete point(s) left out" if skipped else ""))
    if plots:
        print(f"plots of {len(foms)} figure(s) of merit vs " + ", ".join(plots) + f" in {dest}")
    if maps:
        print("R and A maps over (parameter, wavelength): " + ", ".join(m.name for m in maps))
    return dest / "sweep.csv", skipped


def _has_numbers(column: str, rows: list[dict[str, Any]]) -> bool:
    """True if some row has a finite number in ``column`` (all-NaN columns are not plotted)."""
    return any(isinstance(v := r.get(column), (int, float)) and math.isfinite(v) for r in rows)


def _file_name(param: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", param)
