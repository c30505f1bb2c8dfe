"""analyze on 1D (film stack) and 2D (wire cross-section) run files: per-unit-area and
per-unit-length conventions of docs/runfile.md.

Same closed forms as test_postprocess_absorption.py: the metal absorbs
(1 - |r|^2)(1 - exp(-2 Im kz2 d)) of the incident flux, up to the voxel-centre sum factor
(b dz)/sinh(b dz) (tolerance (b dz)^2/6 + 1e-3); the flat surface integral is
|E_z(-dz/2)|^2 x area, with area 1 nm^2 (1D) or width x 1 nm (2D).
"""

from __future__ import annotations

import pytest

import synthetic_runs as syn
from hotlase.postprocess.absorption import analyze_absorption, cell_area_m2
from hotlase.postprocess.report import analyze
from hotlase.postprocess.runfile import read_run
from hotlase.postprocess.surface import analyze_surface, electronic_inputs


@pytest.fixture(scope="module", params=["film", "wire"])
def case(request, tmp_path_factory):
    data = syn.film_study_dict() if request.param == "film" else syn.wire_study_dict()
    study = syn.study_of(data)
    out = syn.make_run_dir(tmp_path_factory.mktemp(request.param), study=study)
    return request.param, study, out


def test_metal_fraction_and_cell_area(case):
    kind, study, out = case
    run = read_run(out / "runs" / "main_fields.h5")
    a = analyze_absorption(run, "pump")
    expected_area = 1e-18 if kind == "film" else 300e-9 * 1e-9
    assert cell_area_m2(study) == pytest.approx(expected_area, rel=1e-12)
    assert a.grid_area_m2 == pytest.approx(expected_area, rel=1e-12)
    wave = syn.wave_for(study, 405.0)
    tol = (wave.kz2.imag * syn.DX_NM * 1e-9) ** 2 / 6 + 1e-3
    m, e = a.fraction_by_material["Ag"], syn.expected_fractions(study, 405.0)["Ag"]
    assert abs(m - e) / e < tol, f"{kind}: Ag fraction measured {m:.6f}, expected {e:.6f}"


def test_flat_surface_integral(case):
    kind, study, out = case
    run = read_run(out / "runs" / "main_fields.h5")
    inputs = electronic_inputs(study) if kind == "wire" else None
    sf = analyze_surface(run, "pump", inputs)
    area = cell_area_m2(study)
    assert sf.area_m2 == pytest.approx(area, rel=1e-12)
    expected = syn.wave_for(study, 405.0).e_normal_inside_sq(syn.DX_NM / 2) * area
    assert sf.e_normal_sq_integral_v2 == pytest.approx(expected, rel=1e-9)


def test_analyze_end_to_end(case):
    kind, study, out = case
    report, summary = analyze(out)
    assert summary["absorbed_fraction"]["Ag"] > 0
    assert (out / "figures" / "main_pump_enhancement_xz.png").exists()
    if kind == "wire":  # a perovskite on the metal: the whole chain
        for k in ("qe_heg", "qe_het", "qe_pi_heg"):
            assert 0.0 <= summary[k] <= 1.0, f"{k} = {summary[k]}"
    else:  # no semiconductor: no barrier, said so in the notes, not a crash
        assert summary["qe_het"] is None
        assert any("hot-electron inputs" in n for n in summary["notes"]["main"])
