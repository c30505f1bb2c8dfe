"""Peak memory of post-processing a 1e8-voxel field map, streamed in z-slabs.

A synthetic but well-formed fields run file (docs/runfile.md) of the default structure at a
0.7 nm grid (429 x 429 x 572 = 1.05e8 voxels; E alone is 2.5 GB as complex64) is written in
one subprocess; a fresh subprocess then runs the real analysis on it,
``postprocess.absorption.analyze_absorption`` and ``postprocess.surface.analyze_surface``,
which walk the file with ``postprocess.runfile.iter_field_slabs``. Its peak resident set
(``resource.getrusage``, includes the interpreter and numpy, ~0.1 GB) and the tracemalloc
peak of Python/numpy allocations are reported, beside the size E would take in memory whole.

The field is a standing wave with a lateral modulation (values only need to be finite and
smooth); eps and material ids come from the same layout rasterised on the grid, so the
absorption and the surface walk do their full work. Datasets are chunked as the solver's
writer chunks them (h5py automatic chunks) but uncompressed, to keep the write short;
compression changes CPU time, not the slab-bounded memory.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.common import emit, run_worker

RESOLUTION_NM = 0.7
PLANES_PER_WRITE = 16


def _study():
    import dataclasses

    from benchmarks.study import load_variant

    study = load_variant()
    return dataclasses.replace(study, simulation=dataclasses.replace(study.simulation,
                                                                     resolution_nm=RESOLUTION_NM))


def write_file(path: Path) -> dict:
    """Write the synthetic fields run file; return its shape and size."""
    import h5py
    import numpy as np

    from hotlase.geometry.build import build
    from hotlase.geometry.raster import material_grid
    from hotlase.geometry.study import material_model, study_json

    study = _study()
    layout = build(study.structure)
    d = RESOLUTION_NM
    nx = int(round(layout.cell_xy_nm[0] / d))
    x = (np.arange(nx) + 0.5) * d - layout.cell_xy_nm[0] / 2
    z = np.arange(layout.z_bottom_nm - 75.0, layout.z_top_nm + 75.0, d)
    names = layout.materials()
    wl = study.simulation.pump_wavelength_nm
    models = [material_model(study, n) for n in names]
    eps_table = np.array([complex(m.eps(wl)) for m in models], dtype=np.complex64)
    shape = (len(x), len(x), len(z))
    with h5py.File(path, "w") as f:
        a = f.attrs
        a.update({"spec_json": study_json(study), "hotlase_version": "bench",
                  "meep_version": "synthetic",
                  "git_commit": "synthetic", "created_utc": "2026-01-01T00:00:00+00:00",
                  "mpi_processes": 1, "resolution_nm": d, "run_kind": "fields", "variant": "main",
                  "status": "complete", "message": "", "symmetries": "[]", "courant": 0.5,
                  "wall_time_s": 1.0, "stepping_time_s": 1.0})
        g = f.create_group("fields/pump")
        ds = {"E": g.create_dataset("E", (3, *shape), np.complex64, chunks=True),
              "eps": g.create_dataset("eps", shape, np.complex64, chunks=True),
              "material_id": g.create_dataset("material_id", shape, np.int8, chunks=True)}
        for name, arr in (("x_nm", x), ("y_nm", x), ("z_nm", z)):
            g.create_dataset(name, data=arr)
        for name, units in (("E", "V/m"), ("eps", "1"), ("material_id", "1"), ("x_nm", "nm"),
                            ("y_nm", "nm"), ("z_nm", "nm")):
            g[name].attrs["units"] = units
            g[name].attrs["long_name"] = name
        kx = 2 * np.pi / layout.cell_xy_nm[0]
        k0 = 2 * np.pi / wl
        for k0_ in range(0, len(z), PLANES_PER_WRITE):
            k1 = min(len(z), k0_ + PLANES_PER_WRITE)
            zz = z[k0_:k1]
            _, ids = material_grid(layout, x, x, zz)
            lateral = (1 + 0.3 * np.cos(kx * x))[:, None, None] * np.ones((1, len(x), 1))
            wave = np.exp(1j * k0 * zz)[None, None, :] * 1e5
            e = np.zeros((3, *shape[:2], len(zz)), np.complex64)
            e[0] = lateral * wave
            e[2] = 0.2 * lateral * wave
            ds["E"][..., k0_:k1] = e
            ds["eps"][..., k0_:k1] = eps_table[ids]
            ds["material_id"][..., k0_:k1] = ids.astype(np.int8)
        g.attrs.update({"wavelength_nm": wl, "intensity_w_m2": study.simulation.pump_intensity_w_m2,
                        "incident_field_v_m": 1e5, "tag": "pump",
                        "materials": json.dumps(list(names)),
                        "metal_materials": json.dumps([n for n, m in zip(names, models)
                                                       if m.is_metal]),
                        "voxel_volume_nm3": d**3})
    voxels = int(np.prod(shape))
    return {"voxels": voxels, "shape": list(shape), "file_gb": path.stat().st_size / 1e9,
            "e_whole_gb": voxels * 3 * 8 / 1e9}


def analyse_file(path: Path) -> dict:
    """Run the streaming analyses on the file; peak RSS and tracemalloc peak in GB."""
    import resource
    import tracemalloc

    tracemalloc.start()
    from hotlase.postprocess.absorption import analyze_absorption
    from hotlase.postprocess.runfile import read_run
    from hotlase.postprocess.surface import analyze_surface

    t0 = time.perf_counter()
    run = read_run(path)
    absorption = analyze_absorption(run, "pump")
    surface = analyze_surface(run, "pump", None)
    seconds = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_rss_gb": rss_kb * 1024 / 1e9, "tracemalloc_peak_gb": traced_peak / 1e9,
            "seconds": seconds, "absorbed_fraction": absorption.total_fraction,
            "surface_voxels": surface.n_voxels if surface else 0}


def worker(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--write")
    p.add_argument("--read")
    a = p.parse_args(argv)
    if a.write:
        emit(write_file(Path(a.write)))
    else:
        emit(analyse_file(Path(a.read)))


def run(results: dict, ctx) -> None:
    """postprocess.peak_memory_gb and its ratio to the size of E held whole."""
    log = ctx.log
    rounds = 1  # the peak is deterministic; one read is enough
    with tempfile.TemporaryDirectory(prefix="hotlase-bench-", dir=ctx.workdir) as tmp:
        path = Path(tmp) / "main_fields.h5"
        t0 = time.perf_counter()
        info = run_worker("postprocess_memory", ["--write", str(path)])
        log(f"    wrote {info['voxels']:.3g} voxels, {info['file_gb']:.2f} GB "
            f"({time.perf_counter() - t0:.0f} s)")
        peaks = []
        for r in range(rounds):
            res = run_worker("postprocess_memory", ["--read", str(path)])
            peaks.append(res)
            log(f"    round {r + 1}/{rounds}: peak RSS {res['peak_rss_gb']:.2f} GB, "
                f"tracemalloc {res['tracemalloc_peak_gb']:.2f} GB ({res['seconds']:.0f} s)")
    best = max(peaks, key=lambda r: r["peak_rss_gb"])
    results["postprocess.voxels"] = info["voxels"]
    results["postprocess.peak_memory_gb"] = best["peak_rss_gb"]
    results["postprocess.tracemalloc_peak_gb"] = best["tracemalloc_peak_gb"]
    results["postprocess.peak_over_whole_e"] = best["peak_rss_gb"] / info["e_whole_gb"]
    results["postprocess.seconds"] = best["seconds"]


if __name__ == "__main__":  # a worker; the benchmark itself runs via benchmarks.run
    import sys

    worker([a for a in sys.argv[1:] if a != "--worker"])
