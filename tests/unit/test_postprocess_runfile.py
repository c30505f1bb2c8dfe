"""Reading run files: status refusal, run discovery, study round trip, z-slab walks, memory bound."""

from __future__ import annotations

import tracemalloc

import h5py
import numpy as np
import pytest

from hotlase.geometry.study import study_json
from hotlase.postprocess.runfile import (
    RunFileError,
    field_grid,
    find_runs,
    iter_field_slabs,
    read_run,
    read_spectrum,
)
import synthetic_runs as syn


@pytest.fixture(scope="module")
def study():
    return syn.make_study()


@pytest.fixture(scope="module")
def fields_run(tmp_path_factory, study):
    path = tmp_path_factory.mktemp("rf") / "runs" / "main_fields.h5"
    return read_run(syn.write_run(path, study, "fields", "main"))


@pytest.mark.parametrize("status", ["failed", "running"])
def test_refuses_incomplete_runs_with_status_and_message(tmp_path, study, status):
    path = syn.write_run(tmp_path / "runs" / "main_spectrum.h5", study, "spectrum", "main",
                         status=status, message="NaN in Ex at t = 12 fs")
    with pytest.raises(RunFileError) as err:
        read_run(path)
    text = str(err.value)
    assert status in text and "complete" in text and str(path) in text
    if status == "failed":
        assert "NaN in Ex" in text


def test_missing_file_and_non_hdf5(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_run(tmp_path / "nope.h5")
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    with pytest.raises(RunFileError, match="not a readable HDF5"):
        read_run(bad)


def test_missing_root_attribute_is_named(tmp_path):
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f.attrs["status"] = "complete"
    with pytest.raises(RunFileError, match="spec_json"):
        read_run(path)


def test_find_runs_maps_variant_and_kind_and_skips_temp_files(tmp_path, study):
    syn.make_run_dir(tmp_path, kinds=("spectrum", "emitter"))
    (tmp_path / "runs" / "main_modes.h5.tmp").write_text("")
    (tmp_path / "runs" / "main_modes.failed.h5").write_text("")
    found = find_runs(tmp_path)
    assert set(found) == {("main", "spectrum"), ("main", "emitter"),
                          ("no_metal", "spectrum"), ("no_metal", "emitter")}
    assert found[("no_metal", "emitter")].name == "no_metal_emitter.h5"


def test_study_round_trips_and_attrs_decode(fields_run, study):
    # the run file holds material_bands as the run used it (resolved), the same study
    assert study_json(fields_run.study, resolved=True) == study_json(study, resolved=True)
    assert fields_run.variant == "main" and fields_run.kind == "fields"
    assert fields_run.attrs["symmetries"] == []
    grid = field_grid(fields_run, "pump")
    assert grid.materials[0] == "vacuum" and "Ag" in grid.materials
    assert grid.metal_materials == ("Ag",)
    assert grid.shape == syn.grid_nm_shape(study)
    assert fields_run.field_tags() == ("emission", "pump")


def test_spectrum_reads(tmp_path, study):
    run = read_run(syn.write_run(tmp_path / "s.h5", study, "spectrum", "main"))
    sp = read_spectrum(run)
    assert set(sp.A_by_material) == {"Ag", "CsPbBr3"}
    assert sp.wavelength_nm[sp.nearest(405.2)] == 405.0
    assert sp.energy_balance_max_error < 1e-12


@pytest.mark.parametrize("slab_voxels,halo", [(1, 0), (1, 3), (4000, 2), (10**9, 0)])
def test_slabs_tile_the_grid_exactly(fields_run, slab_voxels, halo):
    with fields_run.open() as f:
        full = f["fields/pump/E"][()]
    nz = full.shape[-1]
    seen = np.zeros(nz, int)
    for slab in iter_field_slabs(fields_run, "pump", ("E", "material_id"), halo=halo,
                                 slab_voxels=slab_voxels):
        seen[slab.k0:slab.k1] += 1
        assert slab.lo == max(0, slab.k0 - halo) and slab.hi == min(nz, slab.k1 + halo)
        np.testing.assert_array_equal(slab.data["E"], full[..., slab.lo:slab.hi])
        np.testing.assert_array_equal(slab.own("E"), full[..., slab.k0:slab.k1])
    assert np.all(seen == 1), f"planes visited {seen.min()}..{seen.max()} times, expected once"


def test_slab_walk_memory_is_bounded_by_the_slab(fields_run):
    """Peak traced allocation walking one plane at a time stays far below the E dataset size."""
    nx, ny, nz = field_grid(fields_run, "pump").shape
    e_bytes = 3 * nx * ny * nz * 16
    tracemalloc.start()
    for slab in iter_field_slabs(fields_run, "pump", ("E", "eps", "material_id"), slab_voxels=nx * ny):
        np.abs(slab.data["E"]) ** 2
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.1 * e_bytes, f"peak {peak} B, E dataset {e_bytes} B, expected < 10 %"
