"""Each mode's own field from the ring-down re-run: Γ and V of a 1D two-medium cavity.

Setup: a 1D Meep cell of length L = 1 µm between perfect-metal walls (Meep's default cell
boundary), index n1 = 2 on the first a = 0.4 µm (the "gain" medium), n2 = 1 on the rest,
100 px/µm; one broadband Ex dipole excites its first three standing waves.
Harminv gives their frequencies; ``solvers.mode_profiles.record_profiles`` re-runs the pulse,
takes DFTs over the ring-down and separates the modes; Γ = ∫_gain u_E / ∫ (u_E + u_H) and
V = ∫ u / max u follow with the project's formulas (``postprocess.optics``).
Reference: the exact modes, E = sin(k1 z) (z < a), B sin(k2 (L - z)) (z > a), with
k1 cot(k1 a) + k2 cot(k2 (L - a)) = 0 (continuity of E and H), integrated on a 20 000-point
grid. Tolerance: 1 % on Γ and V (the 10 nm grid's dispersion and the voxel sum; measured
Γ 0.3872/0.2046/0.3322 against 0.3873/0.2048/0.3330, V within 0.2 %); the three modes' Γ differ by more than 0.05 and their V by more than 5 % (a table that
copied one map into every mode fails this). Runs in ~5 s.
"""

from __future__ import annotations

import math

import meep as mp
import numpy as np
import pytest
from scipy.optimize import brentq

from hotlase.postprocess import optics
from hotlase.solvers.cell import Frame
from hotlase.solvers.mode_profiles import record_profiles

pytestmark = pytest.mark.physics

L, A, N1, N2, RES = 1.0, 0.4, 2.0, 1.0, 100
_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy 2 renamed trapz (NumPy 1 lacks it)


def _exact_modes(n_modes: int = 3):
    """(f, Γ, V) of the first cavity modes, from the transcendental equation."""
    b = L - A
    g = lambda f: (2 * math.pi * N1 * f) / math.tan(2 * math.pi * N1 * f * A) + (  # noqa: E731
        2 * math.pi * N2 * f) / math.tan(2 * math.pi * N2 * f * b)
    grid = np.linspace(0.05, 1.6, 20000)
    vals = np.array([g(f) for f in grid])
    out = []
    for i in range(len(grid) - 1):
        if np.sign(vals[i]) != np.sign(vals[i + 1]) and abs(vals[i]) < 50 and abs(vals[i + 1]) < 50:
            f = brentq(g, grid[i], grid[i + 1])
            k1, k2 = 2 * math.pi * N1 * f, 2 * math.pi * N2 * f
            z = np.linspace(0, L, 20001)
            bb = math.sin(k1 * A) / math.sin(k2 * b)
            e = np.where(z < A, np.sin(k1 * z), bb * np.sin(k2 * (L - z)))
            de = np.where(z < A, k1 * np.cos(k1 * z), -bb * k2 * np.cos(k2 * (L - z)))
            eps = np.where(z < A, N1**2, N2**2)
            u_e = eps * e**2
            u_h = (de / (2 * math.pi * f)) ** 2  # |H|^2 with c = mu0 = eps0 = 1
            u = u_e + u_h
            gamma = _trapezoid(np.where(z < A, u_e, 0), z) / _trapezoid(u, z)
            out.append((f, gamma, _trapezoid(u, z) / u.max()))
        if len(out) == n_modes:
            break
    return out


def test_each_mode_gets_its_own_confinement_and_volume(check):
    mp.verbosity(0)
    exact = _exact_modes()
    f_lo, f_hi = exact[0][0] * 0.8, exact[-1][0] * 1.2
    fcen, df = (f_lo + f_hi) / 2, f_hi - f_lo
    geometry = [mp.Block(size=mp.Vector3(mp.inf, mp.inf, A), center=mp.Vector3(0, 0, -L / 2 + A / 2),
                         material=mp.Medium(index=N1))]
    src = [mp.Source(mp.GaussianSource(fcen, fwidth=df), mp.Ex, mp.Vector3(0, 0, -L / 2 + 0.137))]
    sim = mp.Simulation(cell_size=mp.Vector3(0, 0, L), resolution=RES, dimensions=1,
                        geometry=geometry, sources=src, default_material=mp.Medium(index=N2))
    h = mp.Harminv(mp.Ex, mp.Vector3(0, 0, -L / 2 + 0.137), fcen, df)
    sim.run(mp.after_sources(h), until_after_sources=150)
    found = sorted(h.modes, key=lambda m: m.freq)
    assert len(found) >= 3, f"Harminv found {[m.freq for m in found]}, expected 3 modes near {[e[0] for e in exact]}"
    frame = Frame(dims=1, size_xy=(0.0, 0.0), z_min=-L / 2, z_max=L / 2, z_top=L / 2, z_bottom=-L / 2,
                  z_source=L / 2, z_refl=L / 2, z_trans=-L / 2, pml=0.0, periodic=(False, False),
                  resolution=RES, courant=0.5, metal_below=False, metal_lateral=False)
    freqs = [m.freq for m in found[:3]]
    prof = record_profiles(sim, frame, freqs, [m.decay for m in found[:3]], t_cap=sim.fields.last_source_time() + 100)
    z = prof.z_nm / 1000.0 + L / 2  # 0 at the first wall
    gain = (z < A)
    eps = np.where(gain, N1**2, N2**2)
    measured = []
    for k, (f_exact, g_exact, v_exact) in enumerate(exact):
        assert freqs[k] == pytest.approx(f_exact, rel=5e-3), f"mode {k}: f {freqs[k]} vs {f_exact}"
        e, hh = prof.E[k].astype(complex), prof.H[k].astype(complex)
        u_e = optics.electric_energy_density_j_m3(e, eps[None, None, :])
        u = u_e + optics.magnetic_energy_density_j_m3(hh)
        gamma = optics.confinement_factor(u_e, np.broadcast_to(gain[None, None, :], u_e.shape), u)
        volume_um = optics.mode_volume_m3(u, 1.0 / RES)
        measured.append((gamma, volume_um))
        check(f"mode {k} confinement factor vs exact", gamma, g_exact, 0.01, relative=True)
        check(f"mode {k} mode volume (um) vs exact", volume_um, v_exact, 0.01, relative=True)
    gammas = [m[0] for m in measured]
    vols = [m[1] for m in measured]
    assert min(abs(a - b) for i, a in enumerate(gammas) for b in gammas[i + 1:]) > 0.05, gammas
    assert min(abs(a - b) / max(a, b) for i, a in enumerate(vols) for b in vols[i + 1:]) > 0.05, vols
