"""Dipole LDOS in a homogeneous medium scales with its index n (docs/physics.md §9).

Setup: the emitter run's own bulk cell (``solvers.emitter.bulk_simulation``: homogeneous
medium, PML on every side, mirrors through the dipole) in 3D, a 400 nm cube plus 300 nm
PML, 20 nm grid, x and z dipoles, pulse over 500-700 nm, LDOS from ``dipole_ldos``, for
lossless media n = 1, 1.5 and 2.
Reference: ``postprocess.analytic.ldos_homogeneous_ratio``: LDOS(n) / LDOS(1) = n for a
prescribed dipole current (what a Meep source is), at every frequency and orientation.
Tolerance 3 %: Yee dispersion at 20 nm in n = 2 (12.5 cells per wavelength in the medium
at 500 nm) raises the LDOS by ~1.5 % (measured 2.015-2.031 for n = 2, rising toward short
wavelengths); an n^3 or n^2 law (local-field or wrong-normalisation mistakes) would give
8 or 4. The same run without symmetry must give the same LDOS (to 1e-6): the mirrors the
emitter run uses may not change the answer.
"""

from __future__ import annotations

import meep as mp
import numpy as np
import pytest

from hotlase.postprocess.analytic import ldos_homogeneous_ratio
from hotlase.solvers.emitter import bulk_simulation, dipole_ldos
from tests.physics.bulk_cell import bulk_frame

pytestmark = pytest.mark.physics

RES_NM = 20.0
SIDE_UM, PML_UM = 0.4, 0.3
WAVELENGTH_NM = np.array([500.0, 550.0, 600.0, 650.0, 700.0])
TOL = 0.03


def _frame():
    return bulk_frame(RES_NM, SIDE_UM, PML_UM)


def _ldos(n: float, component, use_symmetry: bool = True) -> np.ndarray:
    freqs = 1000.0 / WAVELENGTH_NM
    f_min, f_max = freqs.min(), freqs.max()
    source = mp.Source(mp.GaussianSource((f_min + f_max) / 2, fwidth=1.5 * (f_max - f_min)),
                       component=component, center=mp.Vector3())
    sim = bulk_simulation(mp.Medium(index=n), _frame(), source, use_symmetry=use_symmetry)
    ldos, facts = dipole_ldos(sim, mp.Vector3(), component, freqs, decay_by=1e-6, t_cap=300.0,
                              check_dt=10.0 / f_min)
    sim.reset_meep()
    assert facts["stop"] == "decayed", f"LDOS run hit the time cap: {facts}"
    return ldos


@pytest.mark.parametrize("component", [mp.Ex, mp.Ez], ids=["x", "z"])
def test_homogeneous_ldos_scales_with_index(check, component):
    mp.verbosity(0)
    vacuum = _ldos(1.0, component)
    for n in (1.5, 2.0):
        ratio = _ldos(n, component) / vacuum
        expected = np.full_like(ratio, float(ldos_homogeneous_ratio(n)))
        check(f"LDOS(n = {n}) / LDOS(1) vs n", ratio, expected, TOL, relative=True)


def test_symmetry_does_not_change_bulk_ldos(check):
    mp.verbosity(0)
    with_mirrors = _ldos(2.0, mp.Ex, use_symmetry=True)
    full = _ldos(2.0, mp.Ex, use_symmetry=False)
    check("LDOS with three mirrors vs none", with_mirrors, full, 1e-6, relative=True)
