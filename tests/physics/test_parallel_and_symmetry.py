"""The same physics whatever the parallelism or the symmetry used (issue 3).

Setup: the default rod array (CsPbBr3 r 60 h 150 nm, period 300 nm, on 100 nm Ag) at a
coarse 20 nm grid, 450-650 nm, 11 wavelengths: seconds per run.
References and tolerances:
- 1 vs 2 MPI ranks: Meep's chunked update is the same arithmetic in a different order, so
  R, T and A agree to 1e-6 relative (round-off accumulates over ~1e4 steps to ~1e-9).
- mirror symmetry on vs off: the symmetric run computes the same fields on a quarter of the
  cell; differences come from the decay check and round-off, 1e-3 absolute in R, A and the
  absorption of each material (which the symmetric run reads from the stored quarter of its
  volume and weights per mirror/period image; 15 cells per period here, so the mirror plane
  falls between integer points); both conserve energy, R + T + sum A_material = 1 within 0.02
  (0.005 measured at this grid before the metal face carried contact sheets, 0.0126 with them:
  the sheets' coarse-grid balance is an open point of issue 10, docs/metal-interfaces.md).
- modes on 1 vs 2 MPI ranks (issue 13 item 6), the same study as a modes run (two parity
  runs, 450-650 nm band): every mode of ``modes/`` on one rank count is a mode of the other
  within 5 % in Q and, in wavelength, 0.1 nm or Harminv's own error estimate of the fit
  (its ``error`` x the wavelength, the larger of the two fits) when that is larger (rank-count
  round-off measured 0.003 nm in wavelength, 0.5 % in Q on 20 nm grids; issue 13 saw up to
  0.025 nm and 1.4 %; the default study at 20 nm, modes only: 33 of its 35 modes within
  0.009 nm and 0.02 % in Q, the other 2, low-Q fits of the twin (Q 5.8 and 10.1, Harminv
  error 3.5e-3 and 6.7e-3), 0.173 nm and 0.114 nm apart, a tenth of their 1.7 and 2.7 nm
  error estimates), or, only when it lies within that tolerance of a limit, a row of
  ``modes/borderline`` missing that limit.
  No mode of ``modes/`` has |amplitude| below ``AMP_REL_MIN`` x the run's largest
  (before the rule, round-off modes with |a| ~ 1e-17 at a probe on a symmetry node were
  listed). At least 5 modes are found, so the comparison is not empty.
  Measured (2 cores shared): 17 to 35 s for both runs.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess

import h5py
import numpy as np
import pytest

from hotlase.geometry.study import load_study
from hotlase.jobs.local import clean_mpi_env, solver_command
from hotlase.solvers.modes import AMP_REL_MIN
from tests.physics.conftest import rel_msg
from tests.small_study import small_study_toml

pytestmark = pytest.mark.physics

SIMULATION = ("wavelength_min_nm = 450\nwavelength_max_nm = 650\npump_wavelength_nm = 450\n"
              "n_wavelengths = 11\npadding_nm = 200\npml_nm = 300")
STUDY = small_study_toml(("spectrum",), resolution_nm=20, extra_simulation=SIMULATION)
MODES_STUDY = small_study_toml(("modes",), resolution_nm=20, extra_simulation=SIMULATION)
WL_TOL_NM, Q_TOL = 0.1, 0.05  # rank-count tolerances of a mode (module docstring)


@pytest.fixture
def study_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(STUDY)
    return path


def _spectrum(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "complete", f.attrs["message"]
        return {k: f[f"spectrum/{k}"][()] for k in ("R", "T", "A")}


def _run_on(study_file, out, np_: int, kind: str):
    """Run the study on ``np_`` ranks; the path of its main run file of ``kind``."""
    proc = subprocess.run(solver_command(study_file, out, np=np_), capture_output=True, text=True,
                          timeout=600, env=clean_mpi_env())
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    path = out / "runs" / f"main_{kind}.h5"
    with h5py.File(path) as f:
        assert f.attrs["mpi_processes"] == np_
    return path


def test_one_and_two_ranks_agree(study_file, tmp_path):
    runs = {np_: _spectrum(_run_on(study_file, tmp_path / f"np{np_}", np_, "spectrum")) for np_ in (1, 2)}
    for key in ("R", "T", "A"):
        a, b = runs[1][key], runs[2][key]
        err = np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-3))
        assert err < 1e-6, rel_msg(f"{key} with 2 ranks vs 1", b, a, 1e-6)


def test_symmetry_on_and_off_agree(study_file, run_broadband_file, check):
    study = load_study(study_file)
    off = dataclasses.replace(study, simulation=dataclasses.replace(study.simulation, symmetry=False))
    with_sym = run_broadband_file(study, name="sym")
    without = run_broadband_file(off, name="nosym")
    assert "mirror" in with_sym["attrs"]["symmetries"]
    assert without["attrs"]["symmetries"] == "[]"
    keys = ["spectrum/R", "spectrum/A"] + [k for k in with_sym if k.startswith("spectrum/A_by_material/")]
    assert len(keys) == 4, keys  # Ag and CsPbBr3
    for run in (with_sym, without):
        balance = run["spectrum@"]["energy_balance_max_error"]
        assert balance < 0.02, f"R + T + sum A_material - 1 = {balance:.3g} (tolerance 0.02)"
    for key in keys:
        check(f"{key.split('/', 1)[1]} symmetry on vs off", with_sym[key], without[key], 1e-3)


def _modes(path):
    """Reported and borderline modes of a modes run file, and the limits it states."""
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "complete", f.attrs["message"]
        g, b = f["modes"], f["modes/borderline"]
        rows = {k: g[k][()] for k in ("wavelength_nm", "Q", "error", "amplitude", "run")}
        border = {k: b[k][()] for k in ("wavelength_nm", "Q", "error", "amplitude", "run")}
        border["missed"] = json.loads(b.attrs["missed"])
        limits = {k: float(g.attrs[k]) for k in ("q_min", "q_max", "err_max")}
        limits["band_nm"] = tuple(g.attrs["band_nm"])
    return rows, border, limits


def wl_tol_nm(wavelength_nm: float, error_a: float, error_b: float) -> float:
    """Rank-count tolerance of a mode's wavelength: WL_TOL_NM, or Harminv's error estimate of
    the fit when larger (``error`` is the relative error of the fitted frequency, Meep's
    Harminv docs; the relative error of the wavelength is the same to first order)."""
    return max(WL_TOL_NM, max(error_a, error_b) * wavelength_nm)


def _match(table, i, other) -> int | None:
    """Index of the row of ``other`` within the tolerances of row ``i`` of ``table``."""
    for j in range(len(other["wavelength_nm"])):
        tol = wl_tol_nm(table["wavelength_nm"][i], table["error"][i], other["error"][j])
        if (other["run"][j] == table["run"][i]
                and abs(other["wavelength_nm"][j] - table["wavelength_nm"][i]) <= tol
                and abs(other["Q"][j] / table["Q"][i] - 1) <= Q_TOL):
            return j
    return None


def test_rank_tolerance_holds_the_default_study_modes():
    """Setup: the two modes of the default study's twin (20 nm grid, modes only, x-dipole run)
    that 1 and 2 ranks fit apart by more than WL_TOL_NM (measured, module docstring).
    Reference: the same resonance, so each must match its counterpart, and nothing else:
    a mode 1 nm away with the same error does not."""
    one = {"wavelength_nm": np.array([491.01293603, 408.24964165]), "Q": np.array([5.83036196, 10.05920614]),
           "error": np.array([3.50035589e-03, 6.74317772e-03]), "run": np.array([0, 0])}
    two = {"wavelength_nm": np.array([491.18575007, 408.13575271]), "Q": np.array([5.84796847, 10.13302979]),
           "error": np.array([3.46652309e-03, 6.69144140e-03]), "run": np.array([0, 0])}
    assert [_match(one, i, two) for i in range(2)] == [0, 1]
    assert [_match(two, i, one) for i in range(2)] == [0, 1]
    far = dict(two, wavelength_nm=one["wavelength_nm"] + np.array([1.8, 2.8]))
    assert [_match(one, i, far) for i in range(2)] == [None, None]


def _near(limit: str, rows, i, limits) -> bool:
    """Row ``i`` is within the rank-count tolerance of ``limit`` (so either side is fair)."""
    wl, q, err = rows["wavelength_nm"][i], rows["Q"][i], rows["error"][i]
    return {"q_min": q <= limits["q_min"] * (1 + Q_TOL), "q_max": q >= limits["q_max"] * (1 - Q_TOL),
            "err_max": err >= limits["err_max"] * (1 - Q_TOL),
            "band": min(abs(wl - e) for e in limits["band_nm"]) <= WL_TOL_NM}.get(limit, False)


def test_one_and_two_ranks_find_the_same_modes(tmp_path):
    study_file = tmp_path / "modes.toml"
    study_file.write_text(MODES_STUDY)
    found = {np_: _modes(_run_on(study_file, tmp_path / f"np{np_}", np_, "modes")) for np_ in (1, 2)}
    for np_, (rows, border, _) in found.items():
        print(f"{np_} rank(s): modes {np.round(rows['wavelength_nm'], 3)} nm, Q {np.round(rows['Q'], 2)}; "
              f"borderline {np.round(border['wavelength_nm'], 3)} ({border['missed']})")
        amp = np.abs(rows["amplitude"])
        assert len(amp) >= 5, f"{np_} rank(s): only {len(amp)} modes, the comparison would be empty"
        for run in set(rows["run"]):
            a = amp[rows["run"] == run]
            assert a.min() >= AMP_REL_MIN * a.max(), (
                f"{np_} rank(s), run {run}: a mode with |a| = {a.min():.3g}, below {AMP_REL_MIN} x "
                f"the largest {a.max():.3g} (round-off, not a mode)")
    for one, other in ((1, 2), (2, 1)):
        rows, _, limits = found[one]
        o_rows, o_border, _ = found[other]
        for i in range(len(rows["wavelength_nm"])):
            what = (f"mode {rows['wavelength_nm'][i]:.3f} nm Q {rows['Q'][i]:.2f} (run {rows['run'][i]}) "
                    f"on {one} rank(s)")
            if _match(rows, i, o_rows) is not None:
                continue
            j = _match(rows, i, o_border)
            assert j is not None, (f"{what} is missing on {other} rank(s) (tolerance {WL_TOL_NM} nm, "
                                   f"{Q_TOL:.0%} in Q)")
            assert _near(o_border["missed"][j], rows, i, limits), (
                f"{what} is only borderline ({o_border['missed'][j]}) on {other} rank(s) but not "
                f"within the rank tolerance of that limit")
