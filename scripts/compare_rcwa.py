"""Compare a hotlase run's spectrum with the RCWA reference (tests/reference/fmm.py).

    .venv/bin/python scripts/compare_rcwa.py RUN_DIR [--reference NPZ] [--harmonics N] [--step NM]

RUN_DIR is a ``hotlase run --out`` directory (reads RUN_DIR/runs/<variant>_spectrum.h5 through
postprocess.runfile). For each variant found (main, no_metal) it prints max|dR| and where,
RMS dR, max|dT|, max|dA| per material, R, T, A at the pump and emission wavelengths, and
the R dip positions of both. The reference is computed for the run's own study (its
spec_json) with hotlase's eps at every ``--step`` nm, unless ``--reference`` gives an npz
with ``<variant>_wl_nm``, ``<variant>_R``, ... (scripts/rcwa_reference.py), which is used
only if its ``<variant>_structure_json`` equals the run's structure and materials.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotlase.geometry.study import material_model  # noqa: E402
from hotlase.postprocess.runfile import find_runs, read_run, read_spectrum  # noqa: E402
from tests.reference import fmm  # noqa: E402
from tests.reference.compare import compare, format_comparison, structure_json  # noqa: E402


def lossy_materials(study, names) -> list[str]:
    """The materials whose absorption is worth comparing (Im eps > 0 somewhere in 400-700)."""
    wl = np.linspace(study.simulation.wavelength_min_nm, study.simulation.wavelength_max_nm, 7)
    return [m for m in names if np.any(np.imag(material_model(study, m).eps(wl)) > 1e-6)]


def npz_name(npz) -> str:
    return str(getattr(npz.fid, "name", "the npz")) if hasattr(npz, "fid") else "the npz"


def reference_for(run, variant: str, npz, harmonics: int, step: float) -> dict:
    study = run.study
    if npz is not None and f"{variant}_structure_json" in npz.files \
            and str(npz[f"{variant}_structure_json"]) == structure_json(study):
        ref = {k[len(variant) + 1:]: npz[k] for k in npz.files if k.startswith(variant + "_")}
        ref["wavelength_nm"] = ref.pop("wl_nm")
        print(f"{variant}: RCWA reference from {npz_name(npz)} ({int(ref['n_harmonics'])} plane "
              "waves)", file=sys.stderr)
        return ref
    sim = study.simulation
    wl = np.arange(sim.wavelength_min_nm, sim.wavelength_max_nm + 1e-9, step)
    print(f"computing the RCWA reference of {variant} ({wl.size} wavelengths, {harmonics} plane "
          f"waves)...", file=sys.stderr, flush=True)
    return fmm.rcwa_spectrum(study, wl, harmonics)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--reference", help="npz of precomputed RCWA spectra (e.g. rcwa_default.npz)")
    ap.add_argument("--harmonics", type=int, default=fmm.DEFAULT_HARMONICS)
    ap.add_argument("--step", type=float, default=5.0, help="RCWA wavelength step, nm")
    args = ap.parse_args(argv)
    if fmm.grcwa is None:
        print(fmm.IMPORT_ERROR, file=sys.stderr)
        return 2
    runs = {v: p for (v, k), p in find_runs(args.run_dir).items() if k == "spectrum"}
    if not runs:
        print(f"{args.run_dir}: no runs/<variant>_spectrum.h5 found", file=sys.stderr)
        return 2
    npz = np.load(args.reference) if args.reference else None
    for variant, path in sorted(runs.items()):
        run = read_run(path)
        spec = read_spectrum(run)
        hot = {"wavelength_nm": spec.wavelength_nm, "R": spec.R, "T": spec.T,
               **{f"A_{m}": a for m, a in spec.A_by_material.items()}}
        ref = reference_for(run, variant, npz, args.harmonics, args.step)
        mats = [m for m in lossy_materials(run.study, spec.A_by_material) if f"A_{m}" in ref]
        sim = run.study.simulation
        c = compare(hot, ref, mats, at_nm=(sim.pump_wavelength_nm, sim.emission_wavelength_nm))
        print(format_comparison(f"{variant} ({path.name}, grid {run.resolution_nm:g} nm)", c, mats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
