"""`hotlase show` draws what the solvers place (geometry.placement), not only the materials.

Setup: the default study (rods on Ag, periodic square cell, all four run kinds) and a wire
on metal (finite 2D cell: lateral absorbers). References: the study's own numbers
(padding, PML, rod size) by hand, and exact artist counts on the figure.
"""

from __future__ import annotations

import warnings

import pytest

from hotlase.geometry.build import build
from hotlase.geometry.placement import placement
from hotlase.geometry.plot import cross_sections_figure
from hotlase.geometry.study import load_study, study_from_dict
from tests.conftest import DEFAULT_STUDY
from tests.unit import synthetic_runs as syn


@pytest.fixture(scope="module")
def default_study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_study(DEFAULT_STUDY)


def test_default_placement_by_hand(default_study):
    """Rod 150 nm on 100 nm Ag on SiO2, padding 300 nm, PML 400 nm (defaults): source at
    150 + 0.75 x 300 = 375 nm, R plane at 300 nm, T plane at -100 - 150 = -250 nm, cell from
    -100 - 300 - 400 = -800 to 150 + 300 + 400 = 850 nm, PML top and bottom only (periodic
    sides); emitter at the rod centre (0, 0, 75); the modes run rides on the emitter's
    pulses, so no separate modes dipoles; 4 probe spots x 2 components."""
    pl = placement(default_study, build(default_study.structure))
    sim = default_study.simulation
    assert (sim.padding_nm, sim.pml_nm) == (300.0, 400.0)
    assert (pl.source_z_nm, pl.refl_z_nm, pl.trans_z_nm) == (375.0, 300.0, -250.0)
    assert (pl.z_min_nm, pl.z_max_nm) == (-800.0, 850.0)
    assert [(b.kind, b.side) for b in pl.boundaries] == [("PML", "top"), ("PML", "bottom")]
    assert pl.emitter_nm == (0.0, 0.0, 75.0)
    assert pl.mode_dipoles == () and len(pl.probes) == 8


def test_show_draws_boundaries_planes_probes_and_dipoles(default_study):
    """xz panel: 2 hatched PML bands, 1 source line, 2 flux planes, the 4 probe spots and the
    emitter; the xy panel repeats probes and emitter (no lateral PML: periodic)."""
    fig = cross_sections_figure(default_study, points=60)
    xz, xy = fig.axes

    def gids(ax):
        found = [a.get_gid() for a in ax.get_children() if a.get_gid()]
        return {g: found.count(g) for g in set(found)}

    assert gids(xz) == {"boundary": 2, "source": 1, "monitor": 2, "probes": 1, "emitter": 1}
    probes = next(a for a in xz.collections if a.get_gid() == "probes")
    assert len(probes.get_offsets()) == 4
    assert gids(xy) == {"probes": 1, "emitter": 1}
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"PML (400 nm)", "plane-wave source", "flux plane (R)", "Harminv probes",
            "emitter dipole"} <= set(legend)


def test_finite_wire_shows_lateral_absorbers_and_the_modes_dipoles():
    """A 2D wire on Ag run for modes only, symmetry on: lateral absorbers (dispersive media
    cross the open sides) on both x ends, no plane wave, on-axis dipoles at 0.3 and 0.72 of
    the wire height in 3 orientations (2 distinct positions drawn)."""
    data = syn.wire_study_dict()
    data["study"]["run_kinds"] = ["modes"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = study_from_dict(data)
    layout = build(study.structure)
    pl = placement(study, layout)
    assert [(b.kind, b.side) for b in pl.boundaries][2:] == [("absorber", "x")]
    assert pl.source_z_nm is None and pl.emitter_nm is None
    assert len(pl.mode_dipoles) == 6
    fig = cross_sections_figure(study, points=60)
    ax = fig.axes[0]
    bands = [a for a in ax.patches if a.get_gid() == "boundary"]
    assert len(bands) == 4  # top, bottom and both x ends
    dip = next(a for a in ax.collections if a.get_gid() == "dipoles")
    assert len(dip.get_offsets()) == 2
