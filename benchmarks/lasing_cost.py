"""Cost of the ``lasing`` run kind per pump point (the number quoted in solvers/lasing.py).

    python -m benchmarks.lasing_cost            # 1D film and a short 3D rod run, 1 rank

1D: CsPbBr3 (300 nm) on Ag (100 nm) on SiO2 at 5 nm with the default [lasing] table and two
pump rates, run to steady state or the cap: wall seconds per pump point and the simulated fs
it took. 3D: the default periodic rod on Ag at 10 nm, one pump point capped at CAP_3D_FS of
simulated time: wall seconds per simulated fs, times the simulated time a 1D point needed,
estimates a 3D pump point. Prints one JSON line per case.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

CAP_3D_FS = 20.0


def _run(data: dict) -> dict:
    import h5py
    import meep as mp

    from hotlase.geometry.study import study_from_dict
    from hotlase.solvers.lasing import run_lasing
    from hotlase.solvers.output import RunWriter

    mp.verbosity(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = study_from_dict(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "main_lasing.h5"
        t0 = time.perf_counter()
        with RunWriter(path, study, "lasing", "main") as writer:
            writer.attrs("/", **run_lasing(study, writer, log=lambda m: None))
        wall = time.perf_counter() - t0
        with h5py.File(path, "r") as f:
            stops = json.loads(f["lasing"].attrs["stops"])
            out = f["lasing/output_power"][()].tolist()
    return {"wall_s": wall, "stops": stops, "output": out}


def main() -> int:
    film = {"study": {"name": "film", "run_kinds": ["lasing"], "compare_no_metal": False},
            "structure": {"kind": "film_stack",
                          "layers": [{"material": "CsPbBr3", "thickness_nm": 300},
                                     {"material": "Ag", "thickness_nm": 100}]},
            "simulation": {"resolution_nm": 5},
            "lasing": {"gain_material": "CsPbBr3", "pump_rates_per_s": [1e8, 1e9]}}
    r = _run(film)
    print(json.dumps({"case": "1D CsPbBr3/Ag film, 5 nm", **r}), flush=True)
    sim_fs = max(s["meep_time_fs"] for s in r["stops"])
    rod = {"study": {"name": "rod", "run_kinds": ["lasing"], "compare_no_metal": False},
           "structure": {"kind": "rod_array"}, "simulation": {"resolution_nm": 10},
           "lasing": {"pump_rates_per_s": [1e9], "max_time_fs": CAP_3D_FS}}
    r3 = _run(rod)
    per_fs = r3["stops"][0]["stepping_time_s"] / r3["stops"][0]["meep_time_fs"]
    print(json.dumps({"case": "3D periodic rod on Ag, 10 nm", **r3, "seconds_per_fs": per_fs,
                      "estimate_s_per_point_at_1D_time": per_fs * sim_fs}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
