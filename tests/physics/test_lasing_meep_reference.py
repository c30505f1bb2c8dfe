"""Meep's own 1D multilevel-atom laser, built through hotlase's gain wiring (docs/physics.md §8).

Setup: the one-sided Fabry-Perot laser of Cerjan, Chong & Stone, Opt. Express 20, 474 (2012),
with the parameters of Meep's python/tests/test_multilevel_atom.py: a 1 um cavity of n = 1.5
against the cell's metal wall, 1 um of vacuum, 1 um PML, resolution 40; a two-level medium
(line omega_a = 40, gamma_perp = 4 so FWHM 8 / 2 pi, theta = 1 so sigma = 2 theta^2 omega_a,
pump 1 -> 2 at 0.0051, decay 2 -> 1 at 0.005, N0 = 28 in level 1); Ex = 1 at the cavity
centre at t = 0; Ex read in the vacuum gap at t = 7000. The medium is made by
``solvers.lasing.gain_medium`` (the function the lasing run uses) from a ``MeepAtom``.
Reference: Meep's test value Ex = -2.7110969214986387.
Tolerance: Meep's own, ``assertAlmostEqual`` (7 decimal places, |diff| < 5e-8 after
rounding; here 1e-7). Any change in how the transitions, the coupling or the populations are
wired changes the field at t = 7000 far beyond that (the laser is multimode and chaotic).
Run time about 11 s.
"""

from __future__ import annotations

import math

import meep as mp
import pytest

from hotlase.solvers.lasing import MeepAtom, gain_medium

pytestmark = pytest.mark.physics

MEEP_REFERENCE = -2.7110969214986387
TOLERANCE = 1e-7


def test_cerjan_two_level_laser_through_gain_medium(check):
    resolution, ncav, lcav, dpad, dpml = 40, 1.5, 1.0, 1.0, 1.0
    sz = lcav + dpad + dpml
    omega_a, gamma_perp, theta = 40.0, 4.0, 1.0
    atom = MeepAtom(populations=(28.0,), lower=1, upper=2, frequency=omega_a / (2 * math.pi),
                    gamma=2 * gamma_perp / (2 * math.pi), sigma=2 * theta ** 2 * omega_a,
                    decays=((2, 1, 0.005),), pumps=((1, 2, 0.0051),))
    medium = gain_medium(mp.Medium(index=ncav), atom)
    sim = mp.Simulation(cell_size=mp.Vector3(z=sz), resolution=resolution, dimensions=1,
                        boundary_layers=[mp.PML(dpml, side=mp.High)],
                        geometry=[mp.Block(center=mp.Vector3(z=-0.5 * sz + 0.5 * lcav),
                                           size=mp.Vector3(mp.inf, mp.inf, lcav),
                                           material=medium)])
    sim.init_sim()
    sim.initialize_field(mp.Ex, lambda p: 1 if p.z == -0.5 * sz + 0.5 * lcav else 0)
    sim.run(until=7000)
    value = sim.get_field_point(mp.Ex, mp.Vector3(z=-0.5 * sz + lcav + 0.5 * dpad)).real
    check("Ex(t = 7000) vs Meep's test_multilevel_atom", value, MEEP_REFERENCE, TOLERANCE)
