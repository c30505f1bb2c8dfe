"""Worker: the default study's spectrum + field maps through hotlase's own solver code.

``python -m benchmarks.study --worker --out DIR [--no-symmetry] [--rakic-ag]`` runs exactly
what ``python -m hotlase.solvers.run examples/default.toml --kinds spectrum fields --variants main``
runs (``solvers.run.run_variant``), with two switches the benchmarks compare:

- ``--no-symmetry``: ``simulation.symmetry = false`` (dataclasses.replace), everything else equal;
- ``--rakic-ag``: the metal is meep.materials.Ag (Rakic 1998, 6 poles) entered as a study-file
  material, so hotlase and the tutorial-style script can be compared on the same material.

It also records Meep's own time accounting (``Simulation.get_timing_data``) of every
simulation before it is reset, so the benchmarks can say where stepping time goes.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path

DEFAULT_STUDY = Path(__file__).resolve().parent.parent / "examples" / "default.toml"
BENCH_RESOLUTION_NM = 10.0  # the grid of the speed benchmarks (the default study's is 7.5 nm)
KINDS = ("spectrum", "fields")
#: Meep time sinks (meep constants of the same names) summarised in the worker's result.
SINKS = {"Stepping": "stepping", "Connecting": "connecting", "Boundaries": "boundaries",
         "MpiAllTime": "mpi_all", "MpiOneTime": "mpi_one", "FourierTransforming": "fourier",
         "Other": "other"}


def rakic_ag_table() -> dict:
    """meep.materials.Ag (Rakic et al., Appl. Opt. 37, 5271 (1998)) as a [materials.NAME] table.

    Meep writes the Drude term as a Lorentzian with frequency 1e-10 and
    sigma = f0 wp^2 / 1e-20; a Drude pole with frequency wp and sigma f0 is the same eps.
    Energies in eV (meep.materials uses eV / 1.23984193 per um).
    """
    wp = 9.01
    lorentz = ((0.065, 0.816, 3.886), (0.124, 4.481, 0.452), (0.011, 8.185, 0.065),
               (0.840, 9.083, 0.916), (5.646, 20.29, 2.419))
    poles = [{"kind": "drude", "frequency_ev": wp, "gamma_ev": 0.048, "sigma": 0.845}]
    poles += [{"kind": "lorentz", "frequency_ev": w, "gamma_ev": g, "sigma": f * wp**2 / w**2}
              for f, w, g in lorentz]
    return {"eps_inf": 1.0, "poles": poles, "valid_nm": [247.97, 12398.0], "metal": True,
            "source": "meep.materials.Ag: Rakic et al., Appl. Opt. 37, 5271 (1998), LD model"}


def load_variant(no_symmetry: bool = False, rakic_ag: bool = False,
                 const_dielectrics: bool = False):
    """The default study, optionally without symmetry and/or with Rakic Ag as its metal.

    ``const_dielectrics`` (timing diagnostics only) replaces the rod's CsPbBr3 (3 Lorentz poles)
    and the SiO2 substrate (1 pole) by constant indices 2.2 and 1.46, leaving Ag the only
    dispersive material, to measure what the dielectrics' poles cost per step.
    """
    import dataclasses

    from hotlase.geometry.study import study_from_dict

    raw = tomllib.loads(DEFAULT_STUDY.read_text())
    # the speed benchmarks time the 10 nm grid, where the tutorial-style script is stable
    # (it diverges at 7.5 nm, README "Performance"); time_to_accuracy times every grid
    raw["simulation"]["resolution_nm"] = BENCH_RESOLUTION_NM
    if rakic_ag:
        raw["structure"]["metal"]["material"] = "Ag_Rakic"
        raw.setdefault("materials", {})["Ag_Rakic"] = rakic_ag_table()
    if const_dielectrics:
        raw["structure"]["rod"]["material"] = "rod_const"
        raw["structure"]["substrate"]["material"] = "substrate_const"
        raw.setdefault("materials", {}).update({"rod_const": {"n": 2.2},
                                                "substrate_const": {"n": 1.46}})
    study = study_from_dict(raw)
    if no_symmetry:
        sim = dataclasses.replace(study.simulation, symmetry=False)
        study = dataclasses.replace(study, simulation=sim)
    return study


def _record_timings(store: list) -> None:
    """Keep Meep's time accounting of every Simulation just before it is reset."""
    import meep as mp

    original = mp.Simulation.reset_meep

    def reset_meep(self):
        if self.fields is not None:
            data = self.get_timing_data()
            cells = 1
            for size in (self.cell_size.x, self.cell_size.y, self.cell_size.z):
                cells *= int(round(size * self.resolution) or 1)
            sinks = {name: float(max(data.get(getattr(mp, k), [0.0]))) for k, name in SINKS.items()}
            store.append({"cells": cells, "steps": int(self.fields.t), **sinks})
        original(self)

    mp.Simulation.reset_meep = reset_meep


#: solver functions outside time stepping whose wall time the worker reports: (module, name)
TIMED = (("hotlase.solvers.spectrum", "absorbed_by_material"), ("hotlase.solvers.broadband", "write_fields"),
         ("hotlase.solvers.broadband", "make_simulation"), ("hotlase.solvers.stability", "_largest_stable"))


def _time_functions(store: dict) -> None:
    """Wrap the TIMED functions (where their callers look them up) to add up their wall time."""
    import functools
    import importlib

    for module_name, name in TIMED:
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*args, _original=original, _name=name, **kwargs):
            t0 = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                store[_name] = store.get(_name, 0.0) + time.perf_counter() - t0

        setattr(module, name, timed)


def worker(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--no-symmetry", action="store_true")
    p.add_argument("--rakic-ag", action="store_true")
    p.add_argument("--kinds", nargs="+", default=list(KINDS))
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    import h5py
    import meep as mp

    from hotlase.solvers.run import run_variant

    from benchmarks.common import emit

    mp.verbosity(0)
    timings: list = []
    _record_timings(timings)
    functions: dict = {}
    _time_functions(functions)
    study = load_variant(a.no_symmetry, a.rakic_ag)
    out = Path(a.out)
    t_run = time.perf_counter()
    ok = run_variant(study, "main", out, tuple(a.kinds), resume=False)
    t_end = time.perf_counter()
    if not mp.am_master():
        return
    kind = a.kinds[0]
    with h5py.File(out / "runs" / f"main_{kind}.h5", "r") as f:
        keys = ("wall_time_s", "stepping_time_s", "meep_time_fs", "courant")
        attrs = {k: f.attrs[k] for k in keys if k in f.attrs}
    big = [t for t in timings if t["cells"] > 4096]  # the Courant probes are 8^3 cells
    emit({"ok": bool(ok), "run_s": t_end - t_run, "worker_s": t_end - t0,
          **{k: float(v) for k, v in attrs.items()},
          "meep_sinks_s": {name: sum(t[name] for t in big) for name in SINKS.values()},
          "functions_s": functions, "probe_sims": len(timings) - len(big),
          "probe_stepping_s": sum(t["stepping"] for t in timings if t["cells"] <= 4096),
          "steps": [t["steps"] for t in big], "cells": [t["cells"] for t in big]})




# ---- orchestrator side (no meep imported here) -------------------------------------------
#: MPI ranks of the default-study runs: 1, so the shared machine's load hurts least and
#: Meep's time accounting is not blurred by MPI waits (benchmarks.mpi measures 2 ranks).
STUDY_RANKS = 1


def study_run(ctx, name: str, args: list[str] = (), ranks: int = STUDY_RANKS) -> tuple[dict, Path]:
    """Run the default study once (cached in ``ctx.shared`` by name): (worker result, out dir)."""
    key = f"study:{name}:{ranks}"
    if key not in ctx.shared:
        from benchmarks.common import run_worker

        out = ctx.workdir / f"study_{name}_{ranks}rank"
        ctx.log(f"    default study [{name}] on {ranks} ranks ...")
        res = run_worker("study", ["--out", str(out), *args], ranks=ranks, timeout_s=3600)
        ctx.log(f"    default study [{name}]: {res['process_s']:.0f} s (stepping "
                f"{res.get('stepping_time_s', float('nan')):.0f} s, "
                f"{res.get('meep_time_fs', 0):.0f} fs)")
        ctx.shared[key] = (res, out)
    return ctx.shared[key]


def read_r(out: Path) -> tuple:
    """(wavelength_nm, R) of the main spectrum run in ``out``."""
    import h5py

    with h5py.File(out / "runs" / "main_spectrum.h5", "r") as f:
        return f["spectrum/wavelength_nm"][()], f["spectrum/R"][()]


def read_pump_enhancement(out: Path):
    """(|E| / |E0| of the pump field map in ``out`` (nx, ny, nz), (x_nm, y_nm, z_nm))."""
    import h5py
    import numpy as np

    with h5py.File(out / "runs" / "main_fields.h5", "r") as f:
        g = f["fields/pump"]
        e_abs = np.sqrt(np.sum(np.abs(g["E"][()].astype(complex)) ** 2, axis=0))
        enh = e_abs / float(g.attrs["incident_field_v_m"])
        return enh, (g["x_nm"][()], g["y_nm"][()], g["z_nm"][()])


if __name__ == "__main__":  # a worker; the benchmarks that use it run via benchmarks.run
    import sys

    worker([a for a in sys.argv[1:] if a != "--worker"])
