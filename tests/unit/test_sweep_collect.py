"""collect: complete points' summary.json into one CSV/HDF5 table and PNG plots."""

from __future__ import annotations

import csv
import json
import math

import h5py
import pytest

from hotlase.geometry.twin import without_metal
import synthetic_runs as syn

from hotlase.jobs.collect import collect, figures_of_merit, flatten, units_of
from hotlase.jobs.state import write_json_atomic

PARAMS = ["structure.rod.radius_nm", "structure.metal.thickness_nm"]


def _point(root, h, summary, status="complete"):
    d = root / "points" / h
    main = syn.make_study()
    for variant, study in (("main", main), ("no_metal", without_metal(main))):
        syn.write_run(d / "runs" / f"{variant}_spectrum.h5", study, "spectrum", variant, status)
    if summary is not None:
        (d / "summary.json").write_text(json.dumps(summary))


def _summary(r, t):
    """The shape of postprocess.report.analyze's summary.json, with made-up numbers."""
    modes = [{"wavelength_nm": 500 + r, "Q": 10 + t / 10, "k_bloch": [0.0, 0.0]},
             {"wavelength_nm": 450.0, "Q": 3.0, "k_bloch": [0.0, 0.0]}]
    return {"modes": modes, "best_mode": modes[0], "mode_count": 2,
            "qe_pi_heg": r / 1000, "qe_pi_heg_biased": [{"bias_field_v_m": 0, "qe_pi_heg": r}],
            "spectrum": {"pump": {"wavelength_nm": 405.0, "A": 0.4}},
            "hot_electrons_vs_wavelength": {"wavelength_nm": list(range(400, 421))},
            "no_metal": {"modes": [], "qe_pi_heg": None},
            "enhancement": {"pump absorption in perovskite": t / r, "Purcell factor": 1.5},
            "purcell_main_over_no_metal": None,
            "inputs": {"study_name": "default"}}


@pytest.fixture
def sweep_dir(tmp_path):
    order, points = [], {}
    for i, (r, t) in enumerate([(40.0, 50.0), (60.0, 50.0), (40.0, 100.0), (60.0, 100.0)]):
        h = f"{i:010x}"
        order.append(h)
        points[h] = {PARAMS[0]: r, PARAMS[1]: t}
        _point(tmp_path, h, _summary(r, t))
    _point(tmp_path, "ffffffffff", None)  # runs complete but not analysed: left out
    _point(tmp_path, "eeeeeeeeee", _summary(1, 1), status="failed")  # failed run: left out
    order += ["ffffffffff", "eeeeeeeeee"]
    points["ffffffffff"] = {PARAMS[0]: 80.0, PARAMS[1]: 50.0}
    points["eeeeeeeeee"] = {PARAMS[0]: 80.0, PARAMS[1]: 100.0}
    write_json_atomic(tmp_path / "sweep.json", {"parameters": PARAMS, "order": order,
                                                "points": points})
    return tmp_path


def test_collect_writes_one_row_per_complete_point(sweep_dir, capsys):
    csv_path = collect(sweep_dir)
    assert "4 complete point(s)" in capsys.readouterr().out
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) == 4, f"measured {len(rows)} rows, expected 4 complete points"
    assert list(rows[0])[:3] == ["point", *PARAMS]
    for row in rows:
        r, t = float(row[PARAMS[0]]), float(row[PARAMS[1]])
        assert float(row["modes[0].wavelength_nm"]) == 500 + r
        assert float(row["enhancement.pump absorption in perovskite"]) == pytest.approx(t / r, rel=1e-15)
        assert math.isnan(float(row["purcell_main_over_no_metal"]))
        assert row["inputs.study_name"] == "default"
        assert not any(k.startswith("hot_electrons_vs_wavelength") for k in row), "spectra left out"
    with h5py.File(sweep_dir / "collect" / "sweep.h5") as f:
        q = f["modes[0].Q"][:]
        assert q.tolist() == [15.0, 15.0, 20.0, 20.0], q
        assert f["modes[0].wavelength_nm"].attrs["units"] == "nm"
        assert [s.decode() for s in f["point"][:]] == [f"{i:010x}" for i in range(4)]
    for p in PARAMS:
        png = sweep_dir / "collect" / f"{p}.png"
        assert png.stat().st_size > 5000, f"{png} missing or empty"


def test_figures_of_merit_pick_first_mode_qe_and_ratios():
    cols = list(flatten(_summary(40, 50)))
    got = figures_of_merit(cols)
    assert got == ["modes[0].wavelength_nm", "modes[0].Q", "best_mode.wavelength_nm",
                   "best_mode.Q", "qe_pi_heg", "enhancement.pump absorption in perovskite",
                   "enhancement.Purcell factor", "purcell_main_over_no_metal",
                   "spectrum.pump.A"], got


def test_units_are_declared_not_inferred():
    """Units come from postprocess.quantities: hot-electron rates are 1/s although their keys
    end in _s; an undeclared name gets no unit whatever its suffix."""
    names = ("modes[0].wavelength_nm", "hot_electron_rate_injected_s", "no_metal.qe_het",
             "qe_pi_heg_biased[2].barrier_ev", "inputs.intensity_w_m2", "a.wavelength_nm")
    assert [units_of(n) for n in names] == ["nm", "1/s", "1", "eV", "W/m^2", ""]


def test_all_nan_figures_are_not_plotted(sweep_dir, monkeypatch):
    import hotlase.jobs.collect as jc

    seen = []
    monkeypatch.setattr(jc, "plot_parameter", lambda path, p, ps, foms, rows: seen.append(foms))
    jc.collect(sweep_dir)
    assert seen and all("purcell_main_over_no_metal" not in f for f in seen), seen
    assert all("modes[0].Q" in f for f in seen), seen


def test_plots_carry_labels_with_units_and_spectrum_maps(sweep_dir, monkeypatch):
    """Axis labels come from the registry (``display_label``) and the swept key's unit
    suffix, not raw dotted keys; each swept parameter gets R and A maps over (parameter,
    wavelength), one per value of the other parameter (2 groups of 2 points), each map
    (n wavelengths, 2 parameter values)."""
    from matplotlib.figure import Figure

    figs = {}

    def fake_savefig(self, path, **_):
        figs[str(path)] = self
        open(path, "wb").close()

    monkeypatch.setattr(Figure, "savefig", fake_savefig)
    collect(sweep_dir)
    radius = next(f for p, f in figs.items() if p.endswith(f"{PARAMS[0]}.png.tmp.png"))
    labels = {a.get_xlabel() for a in radius.axes} | {a.get_ylabel() for a in radius.axes}
    assert "rod radius (nm)" in labels and "mode Q #1 (1)" in labels, labels
    assert not any("." in label.split(" (")[0] for label in labels if label), labels
    maps = sorted(p for p in figs if "spectra_" in p)
    assert len(maps) == 4, maps  # 2 parameters x 2 groups of the other one
    fig = figs[next(p for p in maps if f"spectra_{PARAMS[0]}_1" in p)]
    from hotlase.postprocess.runfile import read_run, read_spectrum

    r_map = fig.axes[0].collections[0].get_array()
    n = len(read_spectrum(read_run(sweep_dir / "points" / f"{0:010x}" / "runs"
                                   / "main_spectrum.h5")).wavelength_nm)
    assert r_map.size == n * 2
    assert fig.axes[0].get_xlabel() == "rod radius (nm)"


def test_spectrum_grid_sorts_points_and_shares_the_first_grid():
    """Two spectra given out of order: columns sorted by parameter, the second spectrum
    interpolated onto the first one's wavelengths (exact on a linear R), NaN outside its band."""
    import numpy as np

    from hotlase.postprocess.runfile import Spectrum
    from hotlase.postprocess.sweep_figures import spectrum_grid

    def spec(wl):
        wl = np.asarray(wl, float)
        return Spectrum(wavelength_nm=wl, R=wl / 1000, T=0 * wl, A=1 - wl / 1000,
                        A_by_material={}, energy_balance_max_error=0.0)

    g = spectrum_grid([60.0, 40.0], [spec(np.linspace(450, 700, 6)), spec(np.linspace(400, 700, 7))])
    assert g.parameter.tolist() == [40.0, 60.0]
    assert g.R.shape == (7, 2)
    np.testing.assert_allclose(g.R[1:, 1], np.linspace(450, 700, 6) / 1000, rtol=1e-12)
    assert np.isnan(g.R[0, 1])
