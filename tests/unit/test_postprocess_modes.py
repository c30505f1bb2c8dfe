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
from hotlase.geometry.units import nm_to_ev
from hotlase.postprocess.modes_table import (
    Mode,
    dedupe_modes,
    linewidth_mev,
    linewidth_nm,
    mode_field_metrics,
    mode_table,
)
from hotlase.postprocess.runfile import read_run


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
    # a plane-wave map at the mode's wavelength gives its surface enhancement, never Γ or V
    assert m.surface_enhancement_peak > 0
    assert np.isnan(m.confinement_factor) and np.isnan(m.mode_volume_nm3)
    assert all(x.mode_class == "unclassified" for x in table.modes)  # no field, no anomaly


_write_profiles = syn.write_profiles  # modes/profile as solvers.mode_profiles writes it


def test_each_mode_takes_its_own_field(tmp_path, study):
    """Two modes (521 and 610 nm) with Gaussian fields of widths 30 and 20 nm in a grid filled
    with the perovskite: V = (pi/2)^{3/2} w^3 each (1e-4, as above) and Γ = 1 (H = 0); the
    560 nm mode has a uniform |E| over the real structure: Γ = F_rod N_rod / sum_m F_m N_m with
    the Loudon/Ruppin factors F of each material at 560 nm (exact for the voxel sums), from
    the models the split study's run used there (geometry.subbands.at_wavelength)."""
    from hotlase.geometry.build import build
    from hotlase.geometry.raster import material_grid
    from hotlase.geometry.study import material_model
    from hotlase.geometry.subbands import at_wavelength
    from hotlase.postprocess import optics
    path = syn.write_run(tmp_path / "runs" / "main_modes.h5", study, "modes", "main")
    shape = syn.grid_nm_shape(study)
    centre = (syn.DX_NM / 2, syn.DX_NM / 2, 50.0 + syn.DX_NM / 2)
    x, y, z = syn.grid_nm(study)
    names, ids = material_grid(build(study.structure), x, y, z)
    uniform = np.zeros((3, *shape), complex)
    uniform[0] = 1.0
    run_path = path
    # rows 1 and 3 in a perovskite-filled grid (their own file), row 2 on the real structure
    _write_profiles(run_path, study, {2: uniform})
    table = mode_table(read_run(run_path))
    m560 = next(m for m in table.modes if m.wavelength_nm == 560.0)
    served = at_wavelength(study, 560.0)  # the model its (split) run used there
    factor = {n: float(optics.energy_factor_drude_lorentz(material_model(served, n), 560.0)) for n in names}
    counts = {n: int(np.sum(ids == i)) for i, n in enumerate(names)}
    expected = factor["CsPbBr3"] * counts["CsPbBr3"] / sum(factor[n] * counts[n] for n in names)
    assert m560.confinement_factor == pytest.approx(expected, rel=1e-6)
    assert sum(m560.fractions.values()) == pytest.approx(1.0, abs=1e-9)

    path2 = syn.write_run(tmp_path / "runs2" / "main_modes.h5", study, "modes", "main")
    _write_profiles(path2, study, {1: syn.mode_field(study, 30.0, centre), 3: syn.mode_field(study, 20.0, centre)},
                    material_ids=np.zeros(shape, int), names=("CsPbBr3",))
    table = mode_table(read_run(path2))
    by = {m.wavelength_nm: m for m in table.modes}
    for wl, w in ((521.0, 30.0), (610.0, 20.0)):
        expected_v = (np.pi / 2) ** 1.5 * w**3
        assert by[wl].mode_volume_nm3 == pytest.approx(expected_v, rel=1e-4), f"{wl} nm"
        assert by[wl].confinement_factor == pytest.approx(1.0, abs=1e-12)
    assert by[521.0].mode_volume_nm3 / by[610.0].mode_volume_nm3 == pytest.approx(3.375, rel=1e-3)
    assert by[521.0].mode_class == "rod photonic"  # all its energy is in the perovskite


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


def test_a_field_hugging_the_metal_is_a_plasmon_and_one_in_the_rod_is_photonic(tmp_path, study):
    """Synthetic fields on the real structure (rods on Ag): |E| = 1 only in the first voxel
    layer above the metal outside the rod -> all its electric energy within the surface-plasmon
    decay length above the metal -> metal-bound plasmon; |E| = 1 only inside the rod -> rod
    photonic with Γ = 1 (H = 0)."""
    from hotlase.geometry.build import build
    from hotlase.geometry.raster import material_grid
    path = syn.write_run(tmp_path / "runs" / "main_modes.h5", study, "modes", "main")
    x, y, z = syn.grid_nm(study)
    names, ids = material_grid(build(study.structure), x, y, z)
    rod = ids == names.index("CsPbBr3")
    first_above = (z > 0) & (z <= syn.DX_NM)
    hug = np.zeros((3, *ids.shape), complex)
    hug[2] = (first_above[None, None, :] & ~rod).astype(float)
    inside = np.zeros((3, *ids.shape), complex)
    inside[0] = rod.astype(float)
    _write_profiles(path, study, {2: hug, 3: inside})
    by = {m.wavelength_nm: m for m in mode_table(read_run(path)).modes}
    assert by[560.0].mode_class == "metal-bound plasmon", by[560.0].class_reason
    assert by[560.0].fractions["surface"] == pytest.approx(1.0)
    assert by[610.0].mode_class == "rod photonic" and by[610.0].confinement_factor == pytest.approx(1.0)
    assert by[610.0].fractions["rod"] == pytest.approx(1.0)


def test_mode_table_drops_a_line_at_the_perovskite_pole(tmp_path, study):
    """A Harminv row placed at the CsPbBr3 exciton pole's own ringing (wavelength and Q from
    geometry.materials.model.pole_ringings) leaves the table and is listed as material
    ringing; the other rows stay (postprocess.modes_table.split_material_ringing)."""
    from hotlase.geometry.units import ev_to_nm
    from hotlase.postprocess.modes_table import material_ringings

    ring = max((r for r in material_ringings(study) if r.kind == "pole"), key=lambda r: r.q)
    path = syn.write_run(tmp_path / "runs" / "main_modes.h5", study, "modes", "main")
    with h5py.File(path, "a") as f:
        wl, q = f["modes/wavelength_nm"][()], f["modes/Q"][()]
        row = int(np.argmin(np.abs(wl - 560.0)))
        wl[row], q[row] = float(ev_to_nm(ring.energy_ev)), ring.q
        f["modes/wavelength_nm"][...], f["modes/Q"][...] = wl, q
    table = mode_table(read_run(path))
    assert [m.wavelength_nm for m in table.modes] == [521.0, 610.0]
    assert [m.wavelength_nm for m in table.material_ringing] == [pytest.approx(ev_to_nm(ring.energy_ev))]
