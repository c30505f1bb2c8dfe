"""Pre-run size estimate and refusals (issue 13 items 0, 1, 3; issue 15 item 7).

- geometry.estimate: the grid of the default study counted by hand; the memory constants
  re-measured against Meep itself (resident memory growth of an 80^3 box of the project's
  Ag, tolerance 25 %); a study above this machine refused with the numbers, allowed with
  --allow-large, an absurd grid refused even then.
- check_study warnings: grid advice never below the smallest allowed spacing, features
  below one grid cell named.
- spec_differences names the fields that changed the physics and ignores names.
- the report's Study table lists every stored physics field (walked here independently of
  postprocess.study_table) and the twin's differing metal.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from hotlase.geometry import estimate as est
from hotlase.geometry.study import (
    load_study,
    spec_differences,
    study_from_dict,
    study_json,
    study_to_dict,
)
from hotlase.geometry.validate import SpecError
from hotlase.jobs.local import check_run


def _quiet(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study_from_dict(data)


def test_default_grid_counted_by_hand(default_study_path):
    """300 nm periodic cell at 7.5 nm: 40 x 40; z: rod 150 + Ag 100 + 2 x 300 padding +
    400 PML on top and 400 below (SiO2 substrate, PML not absorber) = 1650 nm = 220 cells."""
    e = est.estimate(load_study(default_study_path))
    assert e.dims == 3 and e.cells == (40, 40, 220), e
    # 39 pulses (geometry.estimate.run_plan), per CsPbBr3 model window (3: the band is
    # split, geometry.subbands): main 2 dipole + 2 mode-field re-runs + 1 bulk, twin the same
    # without the bulk run, and 2 broadband (normalisation + structure) each
    assert e.pulses == 39
    # dt = 0.5 * 7.5 nm / c = 12.5 as; 400 fs / 12.5 as = 31979 steps
    assert e.steps == math.ceil(400e-15 / (0.5 * 7.5e-9 / 299_792_458.0))


MEASURE = textwrap.dedent("""
    import meep as mp
    from hotlase.geometry.materials.registry import get_material
    from hotlase.solvers.materials import to_meep_medium
    mp.verbosity(0)
    def rss():
        return int(open('/proc/self/statm').read().split()[1]) * 4096
    n = 80
    r0 = rss()
    sim = mp.Simulation(cell_size=mp.Vector3(1, 1, 1), resolution=n,
                        default_material=to_meep_medium(get_material('Ag')),
                        sources=[mp.Source(mp.GaussianSource(2, fwidth=1), mp.Ex, mp.Vector3())])
    sim.init_sim()
    sim.run(until=0.05)
    print('RESULT', (rss() - r0) / n**3, len(get_material('Ag').poles))
""")


def test_memory_per_cell_matches_meep():
    """Resident memory of an 80^3 Ag box (1 rank) within 25 % of BYTES_PER_CELL +
    poles x BYTES_PER_POLE (the constants were measured the same way on 2026-11-30)."""
    pytest.importorskip("meep")
    proc = subprocess.run([sys.executable, "-c", MEASURE], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT"))
    measured, poles = line.split()[1:]
    model = est.BYTES_PER_CELL + int(poles) * est.BYTES_PER_POLE
    assert abs(float(measured) / model - 1) < 0.25, (measured, model)


def test_above_this_machine_is_refused_with_numbers(default_study_path):
    study = load_study(default_study_path)
    with pytest.raises(SpecError, match=r"needs ~.* of memory, this machine has 1 MB .*--allow-large"):
        est.check_machine(study, memory_bytes=1e6)
    with pytest.raises(SpecError, match=r"may take up to .* above the 0.01 h limit"):
        est.check_machine(study, max_hours=0.01)
    assert est.check_machine(study).total_cells == 40 * 40 * 220


def test_finite_50_by_50_refused_within_a_second_unless_allowed(tmp_path, default_dict):
    data = copy.deepcopy(default_dict)
    data["study"]["run_kinds"] = ["modes", "emitter"]
    data["structure"].update(array="finite", count=[50, 50])
    from hotlase.jobs.toml_writer import dumps
    path = tmp_path / "finite.toml"
    path.write_text(dumps(data))
    t0 = time.perf_counter()
    with warnings.catch_warnings(), pytest.raises(SpecError) as info:
        warnings.simplefilter("ignore")
        check_run(path)
    assert time.perf_counter() - t0 < 1.0
    assert str(info.value).startswith("structure.count = [50, 50]: the study needs ~"), info.value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, e = check_run(path, allow_large=True)
    assert e.total_cells > 1e8


def test_absurd_grid_refused_even_when_allowed(tmp_path, default_dict):
    data = copy.deepcopy(default_dict)
    data["structure"]["period_nm"] = 1e7
    with pytest.raises(SpecError) as info:
        _quiet(data)
    msg = str(info.value)
    assert msg.startswith("structure.period_nm = 10000000.0: makes the cell"), msg
    assert "memory ~" in msg and "limit 2e+09" in msg


def test_skin_depth_advice_never_below_the_finest_grid(default_dict):
    """A user Drude metal with |eps| ~ 7e4 has a skin depth of ~0.25 nm: the advice must
    not ask for a spacing below 0.5 nm (before: 'resolution_nm <= 0.1'; issue 15 item 7)."""
    data = copy.deepcopy(default_dict)
    data["simulation"].update(wavelength_min_nm=400, wavelength_max_nm=450,
                              emission_wavelength_nm=440)
    data["materials"] = {"hard": {"metal": True, "eps_inf": 1.0, "valid_nm": [200, 2000],
                                  "poles": [{"kind": "drude", "frequency_ev": 50.0,
                                             "gamma_ev": 0.02, "sigma": 250.0}]}}
    data["structure"]["metal"]["material"] = "hard"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study_from_dict(data)
    skin = [str(w.message) for w in caught if "skin depth" in str(w.message)]
    assert skin, [str(w.message) for w in caught]
    assert "below the smallest allowed 0.5 nm" in skin[0], skin[0]
    assert "set simulation.resolution_nm <=" not in skin[0], skin[0]


@pytest.mark.parametrize("path, value", [("rod.radius_nm", 3), ("rod.height_nm", 15)])
def test_feature_below_one_cell_warns(default_dict, path, value):
    data = copy.deepcopy(default_dict)
    data["simulation"]["resolution_nm"] = 20
    data["simulation"]["pml_nm"] = 400
    key = path.split(".")[1]
    data["structure"]["rod"][key] = value
    with pytest.warns(UserWarning, match=rf"structure.{path} = {value}: smaller than one grid cell"):
        study_from_dict(data)


def test_spec_differences_names_physics_fields_only(default_study_path):
    study = load_study(default_study_path)
    stored = json.loads(study_json(study, resolved=True))  # what a run file holds
    stored["study"]["name"] = "renamed"  # a name or the run list does not change a run
    stored["study"]["run_kinds"] = ["spectrum"]
    assert spec_differences(json.dumps(stored), study) == []
    stored["structure"]["rod"]["radius_nm"] = 45.0
    stored["simulation"]["pml_nm"] = 300.0
    assert spec_differences(json.dumps(stored), study) == [
        "simulation.pml_nm: 300.0 -> 400.0", "structure.rod.radius_nm: 45.0 -> 60.0"]
    assert spec_differences("not json", study) == ["spec_json: unreadable"]
    assert spec_differences(study_json(study, resolved=True), study) == []


def _leaves(data, prefix=""):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        for i, value in enumerate(data):
            yield from _leaves(value, f"{prefix}[{i}]")
    else:
        yield prefix


def test_report_restates_every_stored_setting(tmp_path):
    """Every leaf of the main run file's stored structure/simulation/analysis/materials has a
    row in the report's Study table; the twin's column shows its substituted metal."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    import h5py
    import synthetic_runs as syn
    from hotlase.postprocess.report import analyze

    out = syn.make_run_dir(tmp_path, kinds=("spectrum",))
    with h5py.File(out / "runs" / "main_spectrum.h5") as f:
        stored = json.loads(f.attrs["spec_json"])
    report, _ = analyze(out)
    text = report.read_text()
    section = text.split("## Study", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| ")}
    wanted = [p for t in ("structure", "simulation", "analysis", "materials")
              for p in _leaves(stored.get(t, {}), t)]
    assert len(wanted) > 25
    missing = [p for p in wanted if p not in rows]
    assert not missing, missing
    metal = rows["structure.metal.material"]
    assert "Ag" in metal and metal.rstrip(" |").split("|")[-1].strip() not in ("", "Ag"), metal
    assert "study hash (physics)" in rows
