"""The fitted models in Meep: the medium's ε equals the model's, and a 1D run stays finite.

Setup: a 1D cell (a = 1 µm) at the default 10 nm grid with PML, a 100 nm slab of a fitted
metal (the default "Ag" = Ag_JC, Drude + 1 Lorentz, and every other metal fit) under a
150 nm slab of CsPbBr3 (3 Lorentz poles),
excited by a Gaussian pulse spanning 400-700 nm, stepped 2000 steps after the source with
the Courant number from ``solvers.stability.choose_courant`` when that module exists
(else Meep's 0.5). Reference: a stable scheme keeps every field finite and the field
energy below its peak after the source (PML and metal loss only remove energy); tolerance
0 NaN and no growth by more than 1 % from step 1000 to 2000. Meep's ``Medium.epsilon`` is
compared with ``MaterialModel.eps`` to 1e-9 relative (same formula, unit conversion only).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

mp = pytest.importorskip("meep")

from hotlase.geometry.materials.registry import get_material  # noqa: E402
from hotlase.geometry.units import ev_to_meep_freq, nm_to_meep_freq  # noqa: E402

pytestmark = pytest.mark.physics

RESOLUTION_NM = 10.0


def _medium(model):
    """The Meep medium of a model: solvers.materials when present, else the same mapping."""
    try:
        from hotlase.solvers.materials import to_meep_medium
    except ImportError:
        to_meep_medium = None
    if to_meep_medium is not None:
        return to_meep_medium(model)
    sus = [(mp.LorentzianSusceptibility if p.kind == "lorentz" else mp.DrudeSusceptibility)(
        frequency=float(ev_to_meep_freq(p.frequency_ev)), gamma=float(ev_to_meep_freq(p.gamma_ev)),
        sigma=p.sigma) for p in model.poles]
    cond = 2 * math.pi * float(ev_to_meep_freq(model.d_conductivity_ev))
    return mp.Medium(epsilon=model.eps_inf, E_susceptibilities=sus, D_conductivity=cond)


def _courant(models):
    try:
        from hotlase.solvers.stability import choose_courant
    except ImportError:
        return 0.5
    return choose_courant(models, RESOLUTION_NM, 1)


@pytest.mark.parametrize("name", ["Ag", "Au", "Cu", "Al", "CsPbBr3", "SiO2"])
def test_meep_medium_eps_equals_model_eps(name):
    model = get_material(name)
    medium = _medium(model)
    for wl in (405.0, 532.0, 633.0):
        expected = complex(model.eps(wl))
        measured = complex(medium.epsilon(float(nm_to_meep_freq(wl)))[0, 0])
        rel = abs(measured - expected) / abs(expected)
        assert rel < 1e-9, (f"{name} at {wl:g} nm: Meep {measured:.6f}, model {expected:.6f}, "
                            f"rel {rel:.1e}")


def test_exact_model_in_meep_has_the_measured_eps(shared_data):
    from hotlase.geometry.materials.perovskites import exact_model

    for name in ("CsPbBr3", "Ag"):
        model = exact_model(name, 532.0)
        measured = complex(_medium(model).epsilon(float(nm_to_meep_freq(532.0)))[0, 0])
        expected = complex(model.eps(532.0))
        assert abs(measured - expected) / abs(expected) < 1e-9, f"{name}: {measured} vs {expected}"


@pytest.mark.parametrize("metal", ["Ag", "Ag_JC_broad", "Ag_McPeak", "Au", "Au_McPeak", "Cu",
                                   "Al"])
def test_metal_and_cspbbr3_stay_finite_for_2000_steps(metal):
    _run_slabs(get_material(metal), get_material("CsPbBr3"))


@pytest.mark.parametrize("metal, wavelength_nm", [("Ag", 405.0), ("Al", 633.0), ("Cu", 532.0)])
def test_exact_single_wavelength_media_stay_finite(metal, wavelength_nm, shared_data):
    from hotlase.geometry.materials.perovskites import exact_model

    _run_slabs(exact_model(metal, wavelength_nm), exact_model("CsPbBr3", wavelength_nm))


def _run_slabs(ag, pk):
    """Step the metal/perovskite slab cell 2000 steps after the pulse; assert no growth."""
    courant = _courant([ag, pk])
    res = 1000.0 / RESOLUTION_NM
    pml, length = 0.5, 2.0
    cell = mp.Vector3(0, 0, length)
    geometry = [
        mp.Block(mp.Vector3(mp.inf, mp.inf, 0.1), center=mp.Vector3(0, 0, -0.05),
                 material=_medium(ag)),
        mp.Block(mp.Vector3(mp.inf, mp.inf, 0.15), center=mp.Vector3(0, 0, 0.075),
                 material=_medium(pk)),
    ]
    f_lo, f_hi = float(nm_to_meep_freq(700.0)), float(nm_to_meep_freq(400.0))
    source = mp.Source(mp.GaussianSource(0.5 * (f_lo + f_hi), fwidth=f_hi - f_lo),
                       component=mp.Ex, center=mp.Vector3(0, 0, 0.35))
    sim = mp.Simulation(cell_size=cell, resolution=res, geometry=geometry, sources=[source],
                        boundary_layers=[mp.PML(pml)], dimensions=1, Courant=courant)
    sim.run(until_after_sources=0)
    energies = []
    for _ in range(20):
        for _ in range(100):
            sim.fields.step()
        ex = sim.get_array(component=mp.Ex, center=mp.Vector3(), size=cell)
        energies.append(float(np.sum(np.abs(ex) ** 2)))
        assert np.all(np.isfinite(ex)), \
            f"NaN/inf after {len(energies) * 100} steps (Courant {courant})"
    e_mid, e_end = energies[9], energies[-1]
    assert e_end <= 1.01 * e_mid, (f"field energy grew from {e_mid:.3e} (step 1000) to {e_end:.3e} "
                                   f"(step 2000) at Courant {courant}: unstable")
