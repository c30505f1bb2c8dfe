"""Mode table: linewidths, merging of modes seen by several probes, mode volume and confinement.

Mode-volume reference: |E|^2 = exp(-2 r^2 / w^2) in one uniform lossless-looking medium has
V = integral u / max u = (pi/2)^{3/2} w^3 whatever the (uniform) dispersive factor; the grid
(5 nm cells, w = 30 nm, 3.3 w to the nearest edge) sums a Gaussian to ~1e-6, so 1e-4 is the
tolerance. In a uniform gain medium Gamma = 1 exactly.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import synthetic_runs as syn
from geometry.units import nm_to_ev
from postprocess.modes_table import (
    Mode,
    dedupe_modes,
    linewidth_mev,
    linewidth_nm,
    mode_field_metrics,
    mode_table,
)
from postprocess.runfile import read_run


def _mode(wl, q, err, k=(0.0, 0.0)):
    return Mode(wl, q, float(linewidth_nm(wl, q)), float(linewidth_mev(wl, q)), err, 0, k, 1.0)


def test_linewidths():
    assert linewidth_nm(600.0, 20.0) == pytest.approx(30.0)
    assert linewidth_mev(600.0, 20.0) == pytest.approx(1e3 * float(nm_to_ev(600.0)) / 20.0)


def test_dedupe_keeps_smallest_error_and_counts_merges():
    modes = [_mode(520.0, 20.0, 1e-3), _mode(521.0, 22.0, 5e-4), _mode(560.0, 8.0, 1e-2),
             _mode(610.0, 50.0, 1e-3)]
    out = dedupe_modes(modes)
    assert [m.wavelength_nm for m in out] == [521.0, 560.0, 610.0]
    assert [m.merged for m in out] == [2, 1, 1]


def test_dedupe_respects_half_linewidth_and_bloch_k():
    # 600 nm at Q = 100 has linewidth 6 nm: 2.9 nm apart merge, 3.5 nm apart do not
    assert len(dedupe_modes([_mode(600.0, 100.0, 1e-3), _mode(602.9, 100.0, 2e-3)])) == 1
    assert len(dedupe_modes([_mode(600.0, 100.0, 1e-3), _mode(603.5, 100.0, 2e-3)])) == 2
    # a sharp line 5 nm from a broad one (Q 10, 60 nm wide) is a different mode
    assert len(dedupe_modes([_mode(600.0, 10.0, 1e-3), _mode(605.0, 1000.0, 2e-3)])) == 2
    # same wavelength at different Bloch k are different points of the dispersion
    assert len(dedupe_modes([_mode(600.0, 100.0, 1e-3), _mode(600.0, 100.0, 1e-3, (0.5, 0.0))])) == 2


@pytest.fixture(scope="module")
def study():
    return syn.make_study()


def test_mode_table_from_synthetic_run(tmp_path, study):
    run = read_run(syn.write_run(tmp_path / "runs" / "main_modes.h5", study, "modes", "main"))
    table = mode_table(run, (run,))
    assert table.n_raw == 4 and table.n_filtered == 1
    assert [m.wavelength_nm for m in table.modes] == [521.0, 560.0, 610.0]
    mapped = [m for m in table.modes if m.field_tag]
    assert [m.field_tag for m in mapped] == ["mode_1"]
    m = mapped[0]
    assert 0 < m.confinement_factor < 1, f"confinement {m.confinement_factor}"
    assert m.mode_volume_nm3 > 0
    assert np.isnan(table.modes[1].mode_volume_nm3)


def test_mode_volume_of_gaussian_in_uniform_medium(tmp_path, study):
    w = 30.0
    path = syn.write_run(tmp_path / "runs" / "main_modes.h5", study, "modes", "main")
    with h5py.File(path, "a") as f:
        shape = syn.grid_nm_shape(study)
        # centred on a voxel centre so the grid samples the true peak
        centre = (syn.DX_NM / 2, syn.DX_NM / 2, 50.0 + syn.DX_NM / 2)
        syn.write_field_tag(f, study, "mode_9", 521.0, e=syn.mode_field(study, w, centre),
                            h=np.zeros((3, *shape), complex), uniform_material="CsPbBr3")
    run = read_run(path)
    metrics = mode_field_metrics(run, "mode_9")
    expected = (np.pi / 2) ** 1.5 * w**3
    rel = abs(metrics.mode_volume_nm3 - expected) / expected
    assert rel < 1e-4, f"V measured {metrics.mode_volume_nm3:.2f} nm^3, expected {expected:.2f}, rel {rel:.1e}"
    assert metrics.confinement_factor == pytest.approx(1.0, abs=1e-12)
    one = mode_field_metrics(run, "mode_9", slab_voxels=1)
    assert one.mode_volume_nm3 == pytest.approx(metrics.mode_volume_nm3, rel=1e-12)
    assert np.isnan(metrics.surface_enhancement_peak)  # no metal in a uniform medium
