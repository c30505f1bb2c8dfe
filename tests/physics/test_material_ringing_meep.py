"""Harminv in a homogeneous CsPbBr3 cell: the line at the medium's own ε zero is dropped.

Setup: 2D cell 2 x 2 µm of CsPbBr3_Brennan_530_700 (4 narrow poles) with 0.5 µm PML, 20 nm
grid, an Ez point pulse over 480-600 nm, Harminv at a point beside it for 300 Meep time
units after the pulse. There is no structure, so nothing Harminv reports is a mode.
Reference: the zeros of the model's ε (geometry.materials.model.eps_zeros, longitudinal
oscillations, Kittel ch. 14) and the poles' free ringing. Measured at 20 nm: one line
within 0.5 nm of the ε zero at 518.9 nm (Q 178 vs 238 found); the filter
(postprocess.modes_table.split_material_ringing: half a linewidth, Q within 1.5x) must drop
it. The other lines Harminv reports in such a cell (a point source in a dispersive
continuum is not a sum of a few damped sinusoids) match neither and are kept: the filter
removes the medium's own lines, not every artefact (docs/physics.md §3).
"""

from __future__ import annotations

import pytest

from hotlase.geometry.materials.model import eps_zeros, pole_ringings
from hotlase.geometry.materials.registry import get_material
from hotlase.geometry.units import meep_freq_to_nm, nm_to_meep_freq
from hotlase.postprocess.modes_table import Mode, linewidth_mev, linewidth_nm, split_material_ringing

pytestmark = pytest.mark.physics
mp = pytest.importorskip("meep")


def test_line_at_the_eps_zero_is_dropped():
    from hotlase.solvers.materials import to_meep_medium

    mp.verbosity(0)
    model = get_material("CsPbBr3_Brennan_530_700")
    f_lo, f_hi = nm_to_meep_freq(600.0), nm_to_meep_freq(480.0)
    fc, df = (f_lo + f_hi) / 2, f_hi - f_lo
    sim = mp.Simulation(cell_size=mp.Vector3(2, 2), resolution=50,
                        default_material=to_meep_medium(model),
                        sources=[mp.Source(mp.GaussianSource(fc, fwidth=df), mp.Ez, mp.Vector3())],
                        boundary_layers=[mp.PML(0.5)], Courant=0.5)
    h = mp.Harminv(mp.Ez, mp.Vector3(0.05, 0.03), fc, df)
    sim.run(mp.after_sources(h), until_after_sources=300)
    lines = [Mode(float(meep_freq_to_nm(m.freq)), float(m.Q), float(linewidth_nm(meep_freq_to_nm(m.freq), m.Q)),
                  float(linewidth_mev(meep_freq_to_nm(m.freq), m.Q)), float(abs(m.err)), 0,
                  (0.0, 0.0), float(abs(m.amp))) for m in h.modes if m.Q > 0]
    rings = (*pole_ringings(model), *eps_zeros(model))
    _, dropped = split_material_ringing(lines, rings)
    assert any(abs(m.wavelength_nm - 518.9) < 1.0 for m in dropped), [
        (round(m.wavelength_nm, 2), round(m.q, 1)) for m in lines]
