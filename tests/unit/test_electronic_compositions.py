"""Electronic constants for every CsPbX3 composition and the hot-electron chain on each.

References: the pure compounds' tabulated values (geometry/materials/electronic.py, each
with a source string); mixed halides: band gap = the bowing formula of
geometry.materials.perovskites.band_gap_ev (exact), chi and eps_inf linear in the Br
fraction (exact to 1e-12), end points equal to the pure compounds. The chain: barrier =
W_Ag - chi (Schottky-Mott, exact), and analyze() on synthetic run files (tests/unit/
synthetic_runs.py) with the rods made of a mixed halide gives finite QEs in [0, 1].
"""

from __future__ import annotations

import dataclasses

import pytest

import synthetic_runs as syn
from hotlase.geometry.materials.electronic import (
    SEMICONDUCTORS,
    metal_electronic,
    mixed_semiconductor,
    semiconductor_electronic,
)
from hotlase.geometry.materials.perovskites import band_gap_ev
from hotlase.geometry.study import study_from_dict
from hotlase.postprocess.report import analyze
from hotlase.postprocess.surface import electronic_inputs

COMPOSITIONS = ["CsPbBr3", "CsPbCl3", "CsPbI3", "CsPb(Br0.6Cl0.4)3", "CsPb(Br0.5I0.5)3",
                "CsPbCl3_Zhang", "CsPbI3_Aftenieva"]


def _study(rod: str, **analysis):
    d = syn.study_dict()
    d["structure"]["rod"]["material"] = rod
    d["analysis"].update(analysis)
    return study_from_dict(d)


@pytest.mark.parametrize("name", COMPOSITIONS)
def test_every_composition_has_cited_constants_and_a_barrier(name):
    s = semiconductor_electronic(name)
    lo, hi = s.electron_affinity_range_ev
    assert lo <= s.electron_affinity_ev <= hi
    assert len(s.sources) == 4 and all(src for src in s.sources)
    inputs = electronic_inputs(_study(name))
    w = metal_electronic("Ag").work_function_ev
    assert inputs.barrier_ev == pytest.approx(w - s.electron_affinity_ev, abs=1e-12)
    assert inputs.sources["electron_affinity_ev"] == s.sources[0]


@pytest.mark.parametrize("x, pair", [(0.6, "Br-Cl"), (0.25, "Br-Cl"), (0.5, "Br-I")])
def test_mixed_halide_gap_bowing_and_linear_interpolation(x, pair):
    m = mixed_semiconductor(x, pair)
    a, b = SEMICONDUCTORS["CsPbBr3"], SEMICONDUCTORS["CsPb" + pair.split("-")[1] + "3"]
    assert m.band_gap_ev == pytest.approx(float(band_gap_ev(x, pair)), abs=1e-12)
    assert m.electron_affinity_ev == pytest.approx(
        x * a.electron_affinity_ev + (1 - x) * b.electron_affinity_ev, abs=1e-12)
    assert m.high_frequency_permittivity == pytest.approx(
        x * a.high_frequency_permittivity + (1 - x) * b.high_frequency_permittivity, abs=1e-12)
    assert m.static_permittivity is None  # not tabulated for Cl / I: no silent guess
    assert semiconductor_electronic(m.name) == m


def test_mixed_end_points_are_the_pure_compounds_and_bad_names_are_refused():
    assert mixed_semiconductor(1.0, "Br-I") is SEMICONDUCTORS["CsPbBr3"]
    assert mixed_semiconductor(0.0, "Br-Cl") is SEMICONDUCTORS["CsPbCl3"]
    with pytest.raises(KeyError, match="sum to 1"):
        semiconductor_electronic("CsPb(Br0.6Cl0.6)3")
    with pytest.raises(ValueError, match="x = 1.5"):
        mixed_semiconductor(1.5)


def test_static_permittivity_override_turns_on_barrier_lowering():
    plain = electronic_inputs(_study("CsPbI3"))
    assert plain.eps_static is None and "not tabulated" in plain.sources["eps_static"]
    given = electronic_inputs(_study("CsPbI3", static_permittivity=20.0))
    assert given.eps_static == 20.0 and given.sources["eps_static"] == "study [analysis] override"


def test_chain_runs_for_a_mixed_halide(tmp_path):
    study = _study("CsPb(Br0.6Cl0.4)3")
    out = syn.make_run_dir(tmp_path, kinds=("spectrum", "fields"), variants=("main",), study=study)
    _, s = analyze(out)
    assert s["inputs"]["semiconductor"] == "CsPb(Br0.6Cl0.4)3"
    for key in ("qe_heg", "qe_het", "qe_pi_heg"):
        assert s[key] is not None and 0.0 <= s[key] <= 1.0, (key, s[key], s["notes"])
    assert s["hot_electron_rate_injected_s"] > 0
    assert not any("hot-electron inputs unavailable" in n for n in s["notes"]["main"])
