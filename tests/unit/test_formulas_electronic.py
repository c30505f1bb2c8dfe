"""Schottky barrier, image-force lowering, Fowler yield and the electronic-constant lookup.

Hand values are worked out in the comments; tolerances are round-off level.
"""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.materials.electronic import (
    METALS,
    metal_electronic,
    semiconductor_electronic,
)
from hotlase.postprocess.electronic import fowler_yield, qe_het, schottky_barrier_ev, schottky_lowering_ev


def _close(measured, expected, rtol, what):
    measured, expected = float(measured), float(expected)
    err = abs(measured - expected) / abs(expected) if expected else abs(measured)
    assert err <= rtol, f"{what}: measured {measured}, expected {expected}, rel. error {err:.3g}"


def test_schottky_barrier_ag_cspbbr3_default():
    ag, pero = metal_electronic("Ag_JC"), semiconductor_electronic("CsPbBr3_Brennan")
    _close(schottky_barrier_ev(ag.work_function_ev, pero.electron_affinity_ev), 4.26 - 3.6, 1e-12,
           "phi_B Ag/CsPbBr3")


def test_schottky_lowering_hand_value_and_sqrt_scaling():
    # e F / (4 pi eps_s eps0) = 1.602177e-19 * 1e8 / (4 pi * 8.854188e-12 * 30) = 4.79991e-3 V^2
    _close(schottky_lowering_ev(1e8, 30.0), np.sqrt(4.79991e-3), 1e-5, "lowering F=1e8, eps=30")
    ratio = schottky_lowering_ev(4e7, 12.0) / schottky_lowering_ev(1e7, 12.0)
    _close(ratio, 2.0, 1e-12, "lowering(4F)/lowering(F)")
    assert schottky_lowering_ev(0.0, 30.0) == 0.0
    with pytest.raises(ValueError, match="field_v_m"):
        schottky_lowering_ev(-1.0, 30.0)
    with pytest.raises(ValueError, match="eps_static"):
        schottky_lowering_ev(1e7, 0.0)


def test_fowler_yield_zero_below_and_at_barrier_and_hand_value():
    assert fowler_yield(0.5, 0.66, 5.49) == 0.0
    assert fowler_yield(0.66, 0.66, 5.49) == 0.0
    # 532 nm (2.33 eV), phi_B 0.66 eV, E_F 5.49 eV: 1.67^2 / (8 * 5.49 * 2.33) = 0.027253
    _close(fowler_yield(2.33, 0.66, 5.49), 1.67**2 / (8 * 5.49 * 2.33), 1e-14, "Fowler 2.33 eV")
    _close(fowler_yield(2.33, 0.66, 5.49), 0.027253, 1e-4, "Fowler 2.33 eV (printed)")
    # quadratic just above the barrier: doubling the excess quadruples the yield (same hw)
    y1 = fowler_yield(2.0, 2.0 - 0.01, 5.49)
    y2 = fowler_yield(2.0, 2.0 - 0.02, 5.49)
    _close(y2 / y1, 4.0, 1e-12, "Fowler quadratic onset")


def test_qe_het_uses_lowered_barrier():
    low = schottky_lowering_ev(1e8, 30.0)
    _close(qe_het(2.33, 0.66, 5.49, 1e8, 30.0), fowler_yield(2.33, 0.66 - low, 5.49), 1e-14,
           "QE_HET with field")
    assert qe_het(2.33, 0.66, 5.49, 1e8, 30.0) > qe_het(2.33, 0.66, 5.49)
    _close(qe_het(2.33, 0.66, 5.49), fowler_yield(2.33, 0.66, 5.49), 0, "QE_HET without field")
    with pytest.raises(ValueError, match="eps_static"):
        qe_het(2.33, 0.66, 5.49, 1e8)


def test_every_qe_het_within_unit_interval_on_a_grid():
    hw, phi, ef, field = np.meshgrid(
        np.linspace(0.1, 12.0, 25), np.linspace(-1.0, 5.0, 13), [0.05, 1.0, 5.49, 11.7],
        [0.0, 1e6, 1e9, 1e11], indexing="ij",
    )
    q = qe_het(hw, phi, ef, field, 4.8)
    assert np.all((q >= 0) & (q <= 1)), f"QE_HET outside [0, 1]: min {q.min()}, max {q.max()}"
    assert q.max() == 1.0, "the grid includes E_F -> 0, where the clip must act"


def test_electronic_constants_lookup_and_values():
    ag, au = metal_electronic("Ag_JC"), metal_electronic("au_mcpeak")
    assert (ag.fermi_energy_ev, au.fermi_energy_ev) == (5.49, 5.53)
    assert (ag.fermi_velocity_m_s, au.fermi_velocity_m_s) == (1.39e6, 1.40e6)
    for m in METALS.values():
        lo, hi = m.work_function_range_ev
        assert lo <= m.work_function_ev <= hi, f"{m.name}: default W outside its range"
    _close(ag.bulk_damping_rad_s, 0.021 / 6.582119569e-16, 1e-6, "Ag gamma rad/s")
    pero = semiconductor_electronic("CsPbBr3")
    assert 3.3 <= pero.electron_affinity_ev <= 3.9
    with pytest.raises(KeyError, match=r"known: \['Ag', 'Al', 'Au', 'Cu'\]"):
        metal_electronic("Pt_JC")
    with pytest.raises(KeyError, match="CsPbBr3"):
        semiconductor_electronic("GaAs")
