"""The report's dispatch of the ``lasing`` run kind: a run file written to the schema of
docs/runfile.md (h5py directly, no Meep) with a known light-in / light-out line is analysed
by ``hotlase analyze``'s code path into ``summary["lasing_time_domain"]`` with the line's
threshold; a study that does not ask for lasing gets no note about a missing lasing run;
a NaN output makes the file refused, not analysed. < 5 s."""

from __future__ import annotations

import json
import math
import warnings

import h5py
import numpy as np

from hotlase.geometry.study import study_from_dict
from hotlase.postprocess.report import analyze
from tests.unit.synthetic_runs import _root

STUDY = {"study": {"name": "slab", "run_kinds": ["lasing"], "compare_no_metal": False},
         "structure": {"kind": "film_stack",
                       "layers": [{"material": "film", "thickness_nm": 540}],
                       "substrate": {"material": "vacuum"}},
         "simulation": {"resolution_nm": 10}, "materials": {"film": {"n": 2.0}},
         "lasing": {"gain_material": "film", "pump_rates_per_s": [1e8, 2e8, 3e8, 4e8, 5e8]}}
THRESHOLD = 2.5e8


def _write(path, output):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = study_from_dict(STUDY)
    pump = np.array(study.lasing.pump_rates_per_s)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        _root(f, study, "lasing", "main", "complete", "")
        g = f.create_group("lasing")
        g["pump_rate_per_s"] = pump
        g["generation_rate_per_m3_s"] = pump * study.lasing.density_per_m3
        g["output_power"] = output(pump)
        g["photons_per_emitter_pumped"] = np.full(pump.size, 0.1)
        g["steady"] = np.ones(pump.size, np.int8)
        g["trace_time_fs"] = np.zeros((pump.size, 4))
        g["trace_output_power"] = np.zeros((pump.size, 4))
        g.attrs.update({"output_units": "W/m^2", "gain_material": "film", "gain_volume": 540.0,
                        "dims": 1, "emission_wavelength_nm": 532.0, "rate_speedup": 1e4,
                        "lasing_spec": json.dumps({"density_per_m3": 5e25}),
                        "scaled_rates_per_s": "{}", "meep_atom": "{}", "stops": "[]",
                        "seconds_per_pump_point": 1.0})


def test_lasing_run_is_analysed_into_the_summary(tmp_path):
    _write(tmp_path / "runs" / "main_lasing.h5",
           lambda p: np.clip(3e-9 * (p - THRESHOLD), 0, None) + 1e-30)
    _, summary = analyze(tmp_path)
    entry = summary["lasing_time_domain"]
    assert math.isclose(entry["threshold_pump_rate_per_s"], THRESHOLD, rel_tol=1e-9)
    assert math.isclose(entry["threshold_generation_rate_per_m3_s"], THRESHOLD * 5e25,
                        rel_tol=1e-9)
    assert entry["onset"]["status"] == "fitted" and entry["output_units"] == "W/m^2"
    assert summary["status"] == "complete" and summary["runs_missing"] == []
    assert not any("run missing" in n for n in summary["notes"]["main"]), summary["notes"]


def test_nan_output_is_refused(tmp_path):
    _write(tmp_path / "runs" / "main_lasing.h5", lambda p: np.full(p.size, np.nan))
    _, summary = analyze(tmp_path)
    assert "lasing_time_domain" not in summary
    assert any("main_lasing.h5" in r for r in summary["runs_unreadable"]), summary
