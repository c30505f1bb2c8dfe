"""Modes of the default CsPbBr3 rod array on Ag at a coarse grid, and the modes/ contract.

Setup: examples/default.toml (square lattice, period 300 nm, rods r = 60 nm, h = 150 nm on
100 nm Ag on SiO2) at a 20 nm grid with 200 nm padding and PML, 3D periodic unit cell;
``solvers.modes.run_modes`` writes a real run file through ``RunWriter``. The contract tests
run ``material_bands = "broadband"`` (one set of runs with the one-band fit: the path of any
study whose band needs one window); one more runs the default split per material window
(``test_split_modes_each_come_from_the_window_serving_them``). Two variants:
no symmetry with a 2-point Bloch-k sweep (k = 0 and the zone edge), and mirror symmetry (one run per dipole
orientation; the y run is skipped in a square cell); and the driver's combined path, where
``run_emitter(..., modes_writer=)`` carries the Harminv probes on its dipole pulses (with a
2-point sweep).
Reference: there is no closed form for this structure; the checks are physical and
contractual. At least one mode inside 400-700 nm with 2 < Q < 1e6 and a Harminv error
< 0.01; every mode in the band and Q limits the file states; the datasets, shapes, units and
attributes of docs/runfile.md ``modes/``; the run stopped on field decay, not the time cap;
``postprocess`` reads it back (``read_run``, ``raw_modes``, ``read_dispersion``). The
strongest mode must be seen by more than one probe (a real resonance is not local to one
point), or lie within the linewidth (lambda/Q) of a mode that is: with the rods' averaged
walls the emitter path's strongest fit is a broad pair at one probe 27 nm from the dipole
(494.6 nm Q 9.2 and 519.3 nm Q 16.8), Harminv's split of the resonance that the same probe and
eight others see at 484.8 nm (Q 28). Every mode has its own field in ``modes/profile`` and gets its own Γ and V (they
differ between modes) and a class. Measured (2 cores shared): ~6 s without symmetry, ~7 s
with it, +~15 s for the sweep, before the per-mode field re-runs (about as long again).
"""

from __future__ import annotations

import json
import warnings

import h5py
import meep as mp
import numpy as np
import pytest

from hotlase.geometry.study import study_from_dict
from hotlase.postprocess.modes_table import mode_table, raw_modes, read_dispersion
from hotlase.postprocess.runchecks import CAP_DECAY_OK
from hotlase.postprocess.runfile import read_run
from hotlase.solvers.emitter import run_emitter
from hotlase.solvers.modes import run_modes
from hotlase.solvers.output import RunWriter

pytestmark = pytest.mark.physics


def _study(default_dict, symmetry: bool, bloch_k_points: int, bands: str = "broadband"):
    default_dict["study"]["run_kinds"] = ["modes"]
    default_dict["simulation"].update(resolution_nm=20, padding_nm=200, pml_nm=200,
                                      symmetry=symmetry, bloch_k_points=bloch_k_points,
                                      material_bands=bands)
    with warnings.catch_warnings():  # coarse on purpose: the skin-depth warning is expected
        warnings.simplefilter("ignore")
        return study_from_dict(default_dict)


@pytest.mark.parametrize("symmetry,bloch_k_points", [(False, 2), (True, 0)],
                         ids=["full-cell+bloch-sweep", "mirror-symmetry"])
def test_rod_array_on_silver_has_modes_and_a_valid_file(default_dict, tmp_path, symmetry,
                                                        bloch_k_points):
    mp.verbosity(0)
    study = _study(default_dict, symmetry, bloch_k_points)
    path = tmp_path / "main_modes.h5"
    with RunWriter(path, study, "modes", "main") as writer:
        facts = run_modes(study, writer, log=lambda m: None)
        writer.attrs("/", **facts)
    runs = _check_modes_file(path, study, bloch_k_points)
    if symmetry:
        assert [r["label"][0] for r in runs] == ["x", "z"], runs
        for r in runs:
            assert all(d["position_nm"][:2] == [0.0, 0.0] for d in r["dipoles"]), (
                f"dipoles off the mirror planes in a symmetric run: {r['dipoles']}")
    else:
        assert len(runs) == 1 and len(runs[0]["dipoles"]) >= 3, runs


def test_modes_carried_by_the_emitter_pulses_meet_the_same_contract(default_dict, tmp_path):
    """The driver's combined path: run_emitter with modes_writer writes modes/ (+ sweep)."""
    mp.verbosity(0)
    study = _study(default_dict, True, 2)
    paths = {k: tmp_path / f"main_{k}.h5" for k in ("modes", "emitter")}
    with RunWriter(paths["modes"], study, "modes", "main") as mw, \
            RunWriter(paths["emitter"], study, "emitter", "main") as ew:
        facts = run_emitter(study, ew, log=lambda m: None, modes_writer=mw)
        mw.attrs("/", **facts)
    _check_modes_file(paths["modes"], study, 2)


def test_split_modes_each_come_from_the_window_serving_them(default_dict, tmp_path):
    """The default band split at the CsPbBr3 windows (400-520, 520-530, 530-700 nm), mirror
    symmetry: each window runs the x and z dipole sets with its own models (6 runs, labelled
    with their window); every reported mode lies in the window whose run found it (its
    ``window_nm``; Harminv's outer margins belong to the end windows) and the file says which
    models served which window. Same contract as above otherwise. ~40 s."""
    mp.verbosity(0)
    study = _study(default_dict, True, 0, bands="split")
    path = tmp_path / "main_modes.h5"
    with RunWriter(path, study, "modes", "main") as writer:
        facts = run_modes(study, writer, log=lambda m: None)
        writer.attrs("/", **facts)
    runs = _check_modes_file(path, study, 0)
    windows = [[400.0, 520.0], [520.0, 530.0], [530.0, 700.0]]
    assert [r["window_nm"] for r in runs] == [w for w in windows for _ in range(2)], runs
    assert [r["label"][0] for r in runs] == ["x", "z"] * 3, runs
    with h5py.File(path, "r") as f:
        g = f["modes"]
        wl, win, run = g["wavelength_nm"][()], g["window_nm"][()], g["run"][()]
        models = json.loads(g.attrs["material_models"])
        assert g.attrs["material_bands"] == "split"
    assert [[m["lo_nm"], m["hi_nm"]] for m in models] == windows
    assert [m["models"]["CsPbBr3"] for m in models] == [
        "CsPbBr3_Brennan_400_520", "CsPbBr3_Brennan_520_530", "CsPbBr3_Brennan_530_700"]
    for w, (lo, hi), r in zip(wl, win, run):
        assert [lo, hi] == runs[r]["window_nm"]
        assert (lo < w <= hi) or (lo == 400.0 and w <= hi), (w, lo, hi)
    print(f"split: {len(wl)} modes by window {[int(np.sum(win[:, 0] == w[0])) for w in windows]}")


def _check_modes_file(path, study, bloch_k_points: int) -> list:
    """docs/runfile.md modes/ contract and the physical checks; returns the runs attribute."""
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "complete", f.attrs["message"]
        g = f["modes"]
        for name in ("wavelength_nm", "Q", "amplitude", "error", "probe", "k_bloch", "probes_nm"):
            assert name in g, f"modes/{name} missing (docs/runfile.md)"
            assert "units" in g[name].attrs and "long_name" in g[name].attrs, f"modes/{name} lacks units"
        wl, q, err = g["wavelength_nm"][()], g["Q"][()], g["error"][()]
        m = len(wl)
        assert g["amplitude"].dtype.kind == "c", "amplitude must be stored complex"
        assert g["k_bloch"].shape == (m, 2) and g["probes_nm"].shape[1] == 3
        assert np.all((g["probe"][()] >= 0) & (g["probe"][()] < g["probes_nm"].shape[0]))
        band, q_min, q_max = g.attrs["band_nm"], g.attrs["q_min"], g.attrs["q_max"]
        assert tuple(band) == (400.0, 700.0) and q_min == study.simulation.mode_q_min
        assert g.attrs["n_filtered"] >= 0 and g.attrs["n_candidates"] >= m
        stops = json.loads(g.attrs["stops"])
        # split: the 520-530 nm model's 20 meV poles ring long; a cap after the field fell
        # below CAP_DECAY_OK is what the run checks accept
        assert all(s["stop"] == "decayed" or ("window_nm" in s and s["decay_ratio"] <= CAP_DECAY_OK)
                   for s in stops), f"a run hit the time cap: {stops}"
        runs = json.loads(g.attrs["runs"])
        symmetries = json.loads(f.attrs["symmetries"])
        amp = np.abs(g["amplitude"][()])
        n_probes = g["n_probes"][()]

    print(f"symmetry={study.simulation.symmetry}: {m} modes, wavelengths {np.round(np.sort(wl), 1)}, "
          f"Q {np.round(q[np.argsort(wl)], 1)}; runs {[r['label'] for r in runs]}; {symmetries}")
    inside = (wl >= band[0]) & (wl <= band[1]) & (q > q_min) & (q <= q_max) & np.isfinite(q)
    assert m >= 1 and inside.all(), (
        f"modes outside the stated band {tuple(band)} nm or Q limits ({q_min}, {q_max}]: "
        f"wavelengths {wl}, Q {q}")
    assert np.all(err < 0.01), f"Harminv error above its limit: {err}"
    top = int(np.argmax(amp))  # seen by >= 2 probes itself, or a mode within its linewidth is
    near = np.abs(wl - wl[top]) <= wl[top] / q[top]
    assert n_probes[top] >= 2 or np.any(near & (n_probes >= 2)), (
        f"strongest mode ({wl[top]:.1f} nm, Q {q[top]:.1f}) seen by {n_probes[top]} probe only, "
        "and no mode within its linewidth by more")
    if study.simulation.symmetry:
        assert symmetries and all("mirror" in x for x in symmetries), symmetries
    else:
        assert symmetries == []
    run = read_run(path)  # what postprocess sees
    rows, attrs = raw_modes(run)
    assert len(rows) == m and attrs["q_min"] == q_min
    _check_profiles(path, run, m)
    disp = read_dispersion(run)
    if bloch_k_points:
        assert disp is not None and disp["k_x_per_nm"].shape == (bloch_k_points,)
        edge = 1 / (2 * 300.0)  # square lattice: zone edge along x at 1/(2 a) cycles/nm
        assert disp["k_x_per_nm"][0] == 0 and abs(disp["k_x_per_nm"][-1] - edge) < 1e-12
        assert disp["wavelength_nm"].size >= bloch_k_points, "the sweep found almost no modes"
        assert np.isinf(disp["light_line_wavelength_nm"][0])
        np.testing.assert_allclose(disp["light_line_wavelength_nm"][1:], 1 / disp["k_x_per_nm"][1:])
    else:
        assert disp is None
    return runs


def _check_profiles(path, run, m: int) -> None:
    """modes/profile (docs/runfile.md): one field per mode, and Γ, V from each mode's own field
    differ between modes (a table copying one map into every mode fails)."""
    with h5py.File(path, "r") as f:
        g = f["modes/profile"]
        shape = g["E"].shape
        assert shape[:2] == (m, 3) and g["H"].shape == shape, f"profile shape {shape} for {m} modes"
        assert g["material_id"].shape == shape[2:]
        assert np.all(g["has_profile"][()] == 1), "a mode without its own field"
        peak = np.abs(g["E"][()]).reshape(m, -1).max(axis=1)
        np.testing.assert_allclose(peak, 1.0, rtol=1e-5)
    table = mode_table(run)
    gam = np.array([x.confinement_factor for x in table.modes])
    vol = np.array([x.mode_volume_nm3 for x in table.modes])
    assert np.all((gam >= 0) & (gam <= 1)) and np.all(vol > 0), (gam, vol)
    if len(table.modes) >= 2:
        assert np.ptp(gam) > 1e-3 and np.ptp(vol) > 1e-3 * vol.max(), (
            f"every mode got the same Γ {gam} / V {vol}")
    assert all(x.mode_class != "unclassified" for x in table.modes)
