"""Feedback of ``hotlase run`` (issue 14): the plan at the start, an ETA that never grows,
the table at the end, and each warning once with what to do."""

from __future__ import annotations

import io
import math
import types
import warnings

import h5py
import pytest

from hotlase.geometry.estimate import estimate, plan_text, run_plan
from hotlase.geometry.notices import install
from hotlase.geometry.study import load_study
from hotlase.jobs.run_summary import run_table
from tests.conftest import DEFAULT_STUDY


@pytest.fixture
def default_study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(DEFAULT_STUDY)


def test_plan_lists_every_run_and_splits_the_estimate(default_study):
    """Default study: rods on Ag (square cell, x and y equivalent) with its twin, all four
    kinds -> the band is split at the CsPbBr3 model windows (400-520, 520-530, 530-700 nm,
    geometry.subbands), and per variant and window one dipole run (modes + emitter) of 2
    dipole orientations (y is x's mirror image), at most 2 mode-field re-runs and, for main
    only, 1 bulk-medium LDOS run (the twin reuses it: same medium and grid), and one
    broadband run (normalisation + structure, 2 pulses) per window: 15 + 6 + 12 + 6 = 39
    pulses, what solvers.run steps through; the rows add up to the estimate's bound divided
    by the ranks."""
    runs = run_plan(default_study)
    assert [(r.variant, r.kinds, r.pulses) for r in runs] == [
        ("main", ("modes", "emitter"), 15), ("main", ("spectrum", "fields"), 6),
        ("no_metal", ("modes", "emitter"), 12), ("no_metal", ("spectrum", "fields"), 6)]
    assert runs[1].detail == ("3 x (1 normalisation + 1 structure), one per material window")
    assert runs[0].detail == ("6 dipole + 6 mode-field re-runs (at most) + 3 bulk-medium, "
                              "over 3 material windows")
    est = estimate(default_study)
    assert sum(r.pulses for r in runs) == est.pulses
    text = plan_text(default_study, est, np=2)
    assert "run 4/4" in text and "no_metal" in text and "on 2 rank(s)" in text
    assert "39 Meep pulse(s)" in text
    assert run_plan(default_study, kinds=("spectrum",))[0].kinds == ("spectrum",)


class _Sim:
    """What Progress reads of a Meep simulation."""

    def __init__(self):
        self.t = 0.0
        self.fields = types.SimpleNamespace(t=0)

    def meep_time(self):
        return self.t


def _drive(monkeypatch, speeds, stop=None, ratios=None):
    from hotlase.solvers import progress as prog

    clock = [0.0]
    monkeypatch.setattr(prog.time, "perf_counter", lambda: clock[0])
    lines: list[str] = []
    p = prog.Progress("run", t_cap=1000.0, log=lines.append, every_s=10.0, stop=stop)
    sim, etas = _Sim(), []
    for i, speed in enumerate(speeds):
        clock[0] += 10.0
        sim.t += speed * 10.0
        sim.fields.t = int(sim.t * 20)
        if stop is not None:
            stop.ratio = ratios[i]
        p(sim)
        etas.append(p.eta)
    return etas, lines


def test_eta_never_grows_when_the_machine_slows_down(monkeypatch):
    """Speed 10 then 1 Meep time units per s: the cap-based remaining time at the measured
    speed would jump from ~90 s to hundreds; the printed ETA only falls."""
    etas, lines = _drive(monkeypatch, [10, 10, 1, 1, 1, 1])
    assert etas[0] == pytest.approx((1000 - 100) / 10)
    assert all(b <= a for a, b in zip(etas, etas[1:]))
    assert "steps/s" in lines[-1] and "to go" in lines[-1]


def test_eta_follows_the_decay_not_the_cap(monkeypatch):
    """A ratio falling 10x per 100 time units (1e-1 at t = 200 ... 1e-3 at t = 400) reaches
    decay_by = 1e-6 at t = 700, not at the cap 1000: at speed 10 the last ETA is
    (700 - 400) / 10 = 30 s (the cap would give 60 s)."""
    stop = types.SimpleNamespace(ratio=math.nan, decay_by=1e-6)
    ratios = [math.nan, 1e-1, 1e-2, 1e-3]  # at t = 100, 200, 300, 400
    etas, lines = _drive(monkeypatch, [10, 10, 10, 10], stop=stop, ratios=ratios)
    assert etas[-1] == pytest.approx(30.0)
    assert "to decay" in lines[-1]


def test_final_table_lists_status_and_times(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    with h5py.File(runs / "main_spectrum.h5", "w") as f:
        f.attrs.update(status="complete", wall_time_s=75.0, meep_time_fs=70.2,
                       stepping_time_s=60.0)
    with h5py.File(runs / "no_metal_spectrum.h5", "w") as f:
        f.attrs.update(status="failed", wall_time_s=3.0, message="fields diverged")
    table = run_table(tmp_path)
    assert "complete  1.2 min" in table and "70 fs" in table
    assert "failed" in table and "fields diverged" in table
    assert run_table(tmp_path, since=9e12) == ""


def test_each_warning_once_with_advice():
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        install(stream=out)
        for _ in range(3):
            warnings.warn("Note: your sources include frequencies outside the range of "
                          "validity of the material models.", RuntimeWarning)
            warnings.warn("structure.metal.material = 'Ag': skin depth 26.9 nm", UserWarning)
            warnings.warn("The value of the smallest subnormal for <class 'numpy.float64'> "
                          "type is zero.", UserWarning)
        silent = io.StringIO()
        install(printer=False, stream=silent)  # the MPI ranks that do not print
        warnings.warn("skin depth", UserWarning)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "nothing to do" in lines[0] and "skin depth" in lines[1]
    assert silent.getvalue() == ""


def test_meep_dft_range_warnings_show_once_as_a_family():
    """Meep warns once per DFT frequency outside a material's range (four lines per mode-field
    re-run in a Au study); they differ only in the numbers, so one line with advice shows."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        install(stream=out)
        for f in (1.3235, 2.5648, 2.5228, 1.3301):
            warnings.warn(f"DFT frequency {f} is out of material's range of 1.4286-2.5",
                          RuntimeWarning)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "DFT frequency 1.3235" in lines[0] and "fitted range" in lines[0]


def test_progress_finds_the_decay_stop_made_after_it(monkeypatch):
    """Modes and emitter runs make their DecayStop inside their run function, after the
    progress step function: Progress picks up that one (not an older one)."""
    from hotlase.solvers import progress as prog

    old = prog.DecayStop([], 1.0, 1e-6, 100.0)
    p = prog.Progress("run", t_cap=100.0, log=lambda m: None)
    assert p.expected_end(1.0) == 100.0 and p.stop is None
    new = prog.DecayStop([], 1.0, 1e-6, 100.0)
    p.expected_end(2.0)
    assert p.stop is new and p.stop is not old


def test_children_start_without_numpys_subnormal_note():
    """The MPI children get the filter in their environment (it fires before any code of
    ours runs), unless the caller set PYTHONWARNINGS itself."""
    from hotlase.geometry.notices import SUBNORMAL_FILTER
    from hotlase.jobs.local import clean_mpi_env

    assert clean_mpi_env({})["PYTHONWARNINGS"] == SUBNORMAL_FILTER
    assert clean_mpi_env({"PYTHONWARNINGS": "error"})["PYTHONWARNINGS"] == "error"


def test_plan_counts_modes_runs_by_symmetry_and_the_bloch_sweep(default_study):
    """modes alone, symmetry on: one dipole set per orientation, y left out under the
    quarter turn of the square cell (2), each re-run for its fields (2), plus
    bloch_k_points = 4 Bloch runs: 8, once per CsPbBr3 model window (3): 24; symmetry off:
    one off-axis set (3 x (1 + 1 + 4) = 18);
    emitter alone on a 2D wire: x, y, z dipoles (3) and 2 bulk runs (2D: in- and
    out-of-plane), the twin reusing them, each once per window (3)."""
    from hotlase.geometry.study import study_from_dict
    from tests.unit import synthetic_runs as syn

    s = default_study.replace(run_kinds=("modes",), compare_no_metal=False,
                              simulation={"bloch_k_points": 4})
    assert [(r.kinds, r.pulses) for r in run_plan(s)] == [(("modes",), 24)]
    off = s.replace(simulation={"symmetry": False})
    assert [r.pulses for r in run_plan(off)] == [18]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wire = study_from_dict(syn.wire_study_dict())
        wire = wire.replace(run_kinds=("emitter",))
    assert [(r.variant, r.pulses) for r in run_plan(wire)] == [("main", 15), ("no_metal", 9)]
