"""The rods' averaged walls as Meep sees them (solvers.wall_media, issue 10).

Setup: the default study (CsPbBr3 rods r 60 h 150 nm on 100 nm Ag, period 300 nm) at a 15
nm grid (20 cells per period, so Yee points lie whole cells from the rod axis), no mirror
symmetry, initialised only (no time stepping). At 550 nm, at every Yee point of Ez and Ex in a
quadrant of the rod's mid-height plane, Meep's own eps (``fields.get_chi1inv`` at that
frequency, which adds each pole's sigma along the component's diagonal to 1/chi1inv_inf)
is read back.
Reference: Ez lies along the side wall everywhere, so its exact average over the pixel is the
arithmetic mean f eps_rod(550 nm) + (1 - f) eps_air with the pixel's rod fill f
(geometry.wall_average.cylinder_pixel; Kottke, Farjadpour, Johnson, PRE 77, 036611 (2008));
Ex on the y = 0 row sees the wall's normal along x: the harmonic mean of eps_inf plus the
pole weight f eps_n^2/eps_inf^2 times chi(550 nm) (pole_weights). Tolerance 1e-9 (the same
arithmetic in Meep and numpy).
With Meep's own rule (``wall_averaging = "meep"``, the solver before) the poles sit at the Yee
point and the wall point half in the rod is off by 0.53 in eps: the control.
Measured: 2-5 s per initialisation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hotlase.geometry.build import build
from hotlase.geometry.study import load_study, material_model
from hotlase.geometry.wall_average import cylinder_pixel, kottke_tensor, pole_weights

mp = pytest.importorskip("meep")

pytestmark = [pytest.mark.physics]

DX_NM, WL_NM, R_UM = 15.0, 550.0, 0.06


def _wall_eps(mode: str) -> list[tuple[str, float, complex, complex]]:
    """(component, fill, Meep's eps, the formula's eps) at the quadrant's Yee points."""
    from hotlase.solvers.cell import make_simulation

    study = load_study("examples/default.toml").replace(
        simulation={"resolution_nm": DX_NM, "wall_averaging": mode, "symmetry": False})
    sim, frame, _ = make_simulation(study, sources=[])
    sim.init_sim()
    dx = DX_NM / 1000
    z = round((0.075 - frame.z_center) / dx) * dx  # a grid plane at the rod's mid-height
    rod = material_model(study, "CsPbBr3")
    e_r = complex(rod.eps(np.array([WL_NM]))[0])
    chi = e_r - rod.eps_inf
    out = []
    for i in range(2, 6):
        for j in range(4):
            x, y = i * dx, j * dx  # Ez at (i, j, k + 1/2) dx
            f, _ = cylinder_pixel(x, y, 0.0, dx, R_UM)
            got = 1 / sim.fields.get_chi1inv(mp.Ez, mp.Z, mp.vec(x, y, z + dx / 2), 1000 / WL_NM)
            out.append(("Ez", f, got, f * e_r + (1 - f)))
        x = (i + 0.5) * dx  # Ex at (i + 1/2, 0, k) dx
        f, n = cylinder_pixel(x, 0.0, 0.0, dx, R_UM)
        want = e_r if f >= 1 else 1.0
        if n is not None:
            eps, eps_n = kottke_tensor(f, n, rod.eps_inf, 1.0)
            want = eps[0, 0] + pole_weights(f, n, eps_n, rod.eps_inf)[0, 0] * chi
        got = 1 / sim.fields.get_chi1inv(mp.Ex, mp.X, mp.vec(x, 0.0, z), 1000 / WL_NM)
        out.append(("Ex", f, got, want))
    return out


def test_wall_eps_read_back_from_meep_is_the_average():
    rows = _wall_eps("anisotropic")
    assert sum(0 < f < 1 for _, f, _, _ in rows) >= 4, "no wall pixel sampled"
    for comp, f, got, want in rows:
        assert abs(got - want) < 1e-9, f"{comp} at fill {f:.3f}: Meep {got:.6f}, formula {want:.6f}"


def test_meep_rule_is_the_control():
    worst = max(abs(got - want) for _, _, got, want in _wall_eps("meep"))
    assert worst > 0.3, f"Meep's own rule agrees with the average ({worst:.3g}): the test cannot fail"


def _rod_objects(study, media=None):
    from hotlase.solvers.cell import make_frame, make_geometry

    layout = build(study.structure)
    objects = make_geometry(study, layout, make_frame(study, layout), media)
    return [o for o in objects if callable(o.material)]


@pytest.mark.parametrize("structure,rods", [
    ({"lattice": "hexagonal"}, 5),                       # the centre rod and 4 corner images
    ({"array": "finite", "count": [2, 2]}, 4),
    ({"metal": None}, 1),                                 # the no-metal twin
])
def test_every_rod_is_averaged(structure, rods):
    """Hexagonal cells (several rods), finite arrays and the twin: one averaged object per rod."""
    study = load_study("examples/default.toml")
    struct = {k: v for k, v in structure.items() if v is not None}
    if struct.get("array") == "finite":
        study = study.replace(run_kinds=("modes",))
    study = study.replace(structure=struct) if struct else study
    if "metal" in structure:
        from hotlase.geometry.twin import without_metal
        study = without_metal(study)
    assert len(_rod_objects(study)) == rods


def test_gain_medium_keeps_meeps_rule_with_a_notice():
    """The lasing run's MultilevelAtom rod: no average (a notice says so), a plain Cylinder."""
    study = load_study("examples/default.toml")
    atom = mp.MultilevelAtom(sigma=1.0, transitions=[mp.Transition(1, 0, frequency=2.0, gamma=0.1,
                                                                   sigma_diag=mp.Vector3(1, 1, 1))],
                             initial_populations=[0.0, 1.0])
    gain = mp.Medium(epsilon=4.0, E_susceptibilities=[atom])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _rod_objects(study, {"CsPbBr3": gain}) == []
    assert any("keeps Meep's own averaging" in str(w.message) for w in caught)


def test_switch_is_validated():
    from hotlase.geometry.validate import SpecError

    with pytest.raises(SpecError, match="wall_averaging"):
        load_study("examples/default.toml").replace(simulation={"wall_averaging": "kottke"})


def test_rods_closer_than_their_margins_keep_meeps_rule():
    """Rods 10 nm apart (period 130 nm, r 60 nm): the averaged objects (1.5 cells beyond each
    wall) would overlap, so each rod keeps Meep's rule with a notice."""
    study = load_study("examples/default.toml").replace(structure={"period_nm": 130})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _rod_objects(study) == []
    assert any("lies next to the rod" in str(w.message) for w in caught)
