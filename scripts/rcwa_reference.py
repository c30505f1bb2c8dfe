"""Write RCWA reference spectra of a study (and its no-metal twin) to an npz.

    .venv/bin/python scripts/rcwa_reference.py STUDY.toml --out ref.npz [--harmonics N] [--step NM]

Keys per variant (``main``, ``no_metal`` when the study compares): ``<v>_wl_nm``, ``<v>_R``,
``<v>_T``, ``<v>_A_<material>`` (every finite layer's material and the rods'),
``<v>_n_harmonics`` and ``<v>_structure_json`` (the variant's structure and materials, which
scripts/compare_rcwa.py checks before using the file). A material of the main structure
that the twin lacks (its metal) gets A = 0 in the twin. Reference: tests/reference/fmm.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotlase.geometry.study import load_study  # noqa: E402
from hotlase.geometry.twin import has_metal, without_metal  # noqa: E402
from tests.reference import fmm  # noqa: E402
from tests.reference.compare import structure_json  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("study")
    ap.add_argument("--out", required=True)
    ap.add_argument("--harmonics", type=int, default=fmm.DEFAULT_HARMONICS)
    ap.add_argument("--step", type=float, default=5.0, help="wavelength step, nm")
    args = ap.parse_args(argv)
    study = load_study(args.study)
    sim = study.simulation
    wl = np.arange(sim.wavelength_min_nm, sim.wavelength_max_nm + 1e-9, args.step)
    variants = {"main": study}
    if study.compare_no_metal and has_metal(study):
        variants["no_metal"] = without_metal(study)
    out = {}
    for name, st in variants.items():
        t0 = time.time()
        ref = fmm.rcwa_spectrum(st, wl, args.harmonics)
        out[f"{name}_wl_nm"] = wl
        for key in ("R", "T", "n_harmonics"):
            out[f"{name}_{key}"] = ref[key]
        for key in (k for k in ref if k.startswith("A_") and k != "A_layers"):
            out[f"{name}_{key}"] = ref[key]
        for key in (k for k in out if k.startswith("main_A_")):
            out.setdefault(f"{name}_{key[5:]}", np.zeros(wl.size))
        out[f"{name}_structure_json"] = np.array(structure_json(st))
        print(f"{name}: {wl.size} wavelengths, {ref['n_harmonics']} plane waves, "
              f"{time.time() - t0:.0f} s", flush=True)
    np.savez(args.out, **out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
