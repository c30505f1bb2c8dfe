"""Each Harminv mode's own field: DFTs over a re-run's ring-down, separated mode by mode.

Meep's way to see a mode found by Harminv is to run again and look at the fields after the
source is off (Meep Python tutorial "Basics", Modes of a Ring Resonator). Here the same
dipole pulse is run again (same structure, same sources, same symmetries) and, from the
moment the source is off, ``add_dft_fields`` accumulates E and H at the frequencies of
every mode Harminv found in that run. After the source the field is a sum of decaying modes,

    F(r, t) = sum_k A_k(r) exp(-i w_k t) + c.c.,  w_k = 2 pi (f_k + i decay_k)

(Harminv's model, Mandelshtam & Taylor, J. Chem. Phys. 107, 6756 (1997)), so each DFT is a
known linear combination of the A_k: D_j(r) = sum_k P_jk A_k(r) + N_jk conj(A_k(r)) with
P_jk = sum_n s e^{i(w_j - w_k) t_n} and N_jk = sum_n s e^{i(w_j + conj(w_k)) t_n} over the
DFT's own sample times t_n (``window_sums``). Solving that small real-linear system at every
voxel (``separate_modes``) gives each mode's field A_k(r) even where two modes overlap
within their linewidths, and needs no waiting for the field to decay: the finite window is
in P and N exactly. With one mode, or well separated ones, A_k is the DFT at f_k divided
by P_kk: the tutorial's "field after the source is off".

The DFT is sampled every ``decimation`` steps (Meep's ``decimation_factor``) with at least
``SAMPLES_PER_PERIOD`` samples per period of the highest frequency: Meep updates a DFT right
after incrementing its step counter n, E at t = n dt, H at (n - 1/2) dt, when n is a multiple
of the factor (src/step.cpp, src/dft.cpp of Meep 1.25).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import meep as mp
import numpy as np

from hotlase.geometry.primitives import Layout
from hotlase.geometry.raster import material_grid
from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.units import Z0_OHM, meep_length_to_nm
from hotlase.solvers.cell import Frame
from hotlase.solvers.fields import _ours, coordinates_nm, field_region

SAMPLES_PER_PERIOD = 8       # DFT samples per period of the highest mode frequency (4x Nyquist)
# Singular values of the separation below RCOND x the largest are dropped: Harminv's low-Q
# fits are not exact modes, and an ill-conditioned split amplifies that misfit. On the default
# rod array at 20 nm (28 modes ringing, condition number 1.6e4) rcond 1e-10 and 1e-3 gave Γ within
# 0.03 for most modes, up to 0.07 for overlapping Q < 10 ones; halving the window moved the
# unregularised Γ by up to 0.2 and the regularised one less.
RCOND = 1e-3
RCOND_CHECK = 1e-2  # the separation is redone with this rcond: how much a mode's field moves is stored
WINDOW_MIN_PERIODS = 20      # the ring-down window is at least this many periods of the lowest mode
WINDOW_LIFETIMES = 3.0       # ... and covers this many amplitude lifetimes of all but the longest-lived mode
WINDOW_BEATS = 2.0           # ... and this many beat periods 1/|f_k - f_l| of two modes both still alive
_E = (mp.Ex, mp.Ey, mp.Ez)
_H = (mp.Hx, mp.Hy, mp.Hz)


def complex_omega(frequency, decay) -> np.ndarray:
    """w = 2 pi (f + i decay), Meep units (decay < 0 for a decaying mode, Harminv's sign)."""
    return 2 * np.pi * (np.asarray(frequency, float) + 1j * np.asarray(decay, float))


def sample_steps(n_start: int, n_end: int, decimation: int) -> np.ndarray:
    """Steps n in (n_start, n_end] with n % decimation == 0: when Meep updated the DFT."""
    first = (n_start // decimation + 1) * decimation
    return np.arange(first, n_end + 1, decimation, dtype=np.int64)


def window_sums(omega_dft, omega_modes, times) -> tuple[np.ndarray, np.ndarray]:
    """(P, N), each (len(omega_dft), len(omega_modes)): the DFT at real w_j of exp(-i w_k t)
    and of exp(+i conj(w_k) t) over the sample ``times``, without Meep's constant weight
    (it scales every mode alike). The time origin is moved to the first sample so that the
    sums stay O(1) (it only rescales each mode's amplitude by a constant).
    """
    wj = np.asarray(omega_dft, float)[:, None, None]
    wk = np.asarray(omega_modes, complex)[None, :, None]
    t = np.asarray(times, float)
    t0 = t[0] if t.size else 0.0
    tau = (t - t0)[None, None, :]
    row = np.exp(1j * wj[..., 0] * t0)  # each DFT row's absolute phase at the first sample
    p = np.sum(np.exp(1j * (wj - wk) * tau), axis=-1) * row
    n = np.sum(np.exp(1j * (wj + np.conj(wk)) * tau), axis=-1) * row
    return p, n


def separate_modes(dft, omega_dft, omega_modes, times, *, real_fields: bool = True,
                   rcond: float = 1e-10) -> tuple[np.ndarray, float]:
    """Mode fields A_k(r) (up to one constant per mode) from DFTs of a ring-down.

    Args:
        dft: (J, ...) complex DFT of the field at the real angular frequencies ``omega_dft``.
        omega_dft: (J,) angular frequencies of the DFT (Meep units, 2 pi f).
        omega_modes: (K,) complex angular frequencies of the modes (``complex_omega``), K <= J.
        times: the DFT's sample times.
        real_fields: Meep ran with real fields (then the conjugate partner of each mode is
            in the signal; with complex fields it is not).
        rcond: singular values below rcond x the largest are dropped (near-identical modes).

    Returns:
        ((K, ...) complex A_k at the first sample time, condition number of the system).
    """
    d = np.asarray(dft, complex)
    j, rest = d.shape[0], d.shape[1:]
    p, n = window_sums(omega_dft, omega_modes, times)
    k = p.shape[1]
    rhs = d.reshape(j, -1)
    if real_fields:
        # D = P A + N conj(A), real-linear in (Re A, Im A)
        g = np.block([[p.real + n.real, n.imag - p.imag], [p.imag + n.imag, p.real - n.real]])
        pinv = np.linalg.pinv(g, rcond=rcond)
        x = pinv @ np.concatenate([rhs.real, rhs.imag])
        a = x[:k] + 1j * x[k:]
        cond = float(np.linalg.cond(g))
    else:
        a = np.linalg.pinv(p, rcond=rcond) @ rhs
        cond = float(np.linalg.cond(p))
    return a.reshape((k,) + rest), cond


def window_length(frequencies, decays, f_min: float) -> float:
    """Ring-down window (Meep time) long enough to tell the modes apart.

    At least WINDOW_MIN_PERIODS periods of the lowest frequency (and of ``f_min``); at least
    WINDOW_LIFETIMES amplitude lifetimes 1/(2 pi |decay|) of every mode but the longest-lived
    (after that the longest-lived one is alone); for each pair, WINDOW_BEATS beat periods
    1/|f_k - f_l|, but no longer than WINDOW_LIFETIMES lifetimes of the shorter-lived of the
    two (after which the beat is gone and only the decay tells them apart).
    """
    f = np.asarray(frequencies, float)
    life = 1.0 / (2 * np.pi * np.maximum(np.abs(np.asarray(decays, float)), 1e-12))
    t = WINDOW_MIN_PERIODS / max(min(f.min(initial=f_min), f_min), 1e-12)
    if f.size > 1:
        t = max(t, WINDOW_LIFETIMES * float(np.sort(life)[-2]))
        for a in range(f.size):
            for b in range(a + 1, f.size):
                beat = WINDOW_BEATS / max(abs(f[a] - f[b]), 1e-12)
                t = max(t, min(beat, WINDOW_LIFETIMES * min(life[a], life[b])))
    return float(t)


@dataclass
class ModeProfiles:
    """Per-mode E and H on the fields grid of one run (docs/runfile.md ``modes/profile``).

    E: (K, 3, nx, ny, nz) complex, each mode scaled to max |E| = 1 (arbitrary V/m);
    H: the same modes in A/m on the same scale; x_nm, y_nm, z_nm: voxel centres;
    spread: (K,) ||E(RCOND) - E(RCOND_CHECK)|| / ||E(RCOND)|| (how well the mode separates);
    facts: window (fs), DFT frequencies, decimation, condition number, stepping time.
    """

    E: np.ndarray
    H: np.ndarray
    x_nm: np.ndarray
    y_nm: np.ndarray
    z_nm: np.ndarray
    facts: dict
    spread: np.ndarray | None = None


def record_profiles(sim: mp.Simulation, frame: Frame, frequencies, decays, *,
                    t_cap: float, step_funcs: tuple = ()) -> ModeProfiles:
    """Re-run ``sim`` (its sources and structure unchanged, fields restarted at t = 0) and
    return the field of each mode (``frequencies``, ``decays``: Harminv's, Meep units).

    The DFT starts when the sources are off and runs for ``window_length`` (at most until
    ``t_cap``); the caller has already run ``sim`` once (Harminv) and read what it needs.
    """
    f = np.asarray(frequencies, float)
    dec = np.asarray(decays, float)
    t0_wall = time.perf_counter()
    sim.restart_fields()
    sim.init_sim()
    t_src = sim.fields.last_source_time()
    sim.run(*step_funcs, until=t_src)
    dt = float(sim.fields.dt)
    decimation = max(1, int(1.0 / (SAMPLES_PER_PERIOD * f.max() * dt)))
    center, size = field_region(frame)
    dft = sim.add_dft_fields(list(_E + _H), list(map(float, f)), center=center, size=size,
                             yee_grid=False, decimation_factor=decimation)
    n_start = int(sim.fields.t)
    t_end = min(sim.meep_time() + window_length(f, dec, float(f.min())), t_cap)
    sim.run(*step_funcs, until=t_end - sim.meep_time())
    n_end = int(sim.fields.t)
    steps = sample_steps(n_start, n_end, decimation)
    omega_dft = 2 * np.pi * f
    omega_modes = complex_omega(f, dec)
    real = bool(sim.fields.is_real)
    e = np.stack([_ours(frame, [sim.get_dft_array(dft, c, i) for c in _E]) for i in range(f.size)])
    h = np.stack([_ours(frame, [sim.get_dft_array(dft, c, i) for c in _H]) for i in range(f.size)])
    a_e, cond = separate_modes(e, omega_dft, omega_modes, steps * dt, real_fields=real, rcond=RCOND)
    a_h, _ = separate_modes(h, omega_dft, omega_modes, (steps - 0.5) * dt, real_fields=real,
                            rcond=RCOND)
    # how far each mode's field is from what a 10x stronger regularisation gives: a field that
    # moves a lot is a mixture Harminv's modes cannot split (postprocess flags it)
    a_chk, _ = separate_modes(e, omega_dft, omega_modes, steps * dt, real_fields=real, rcond=RCOND_CHECK)
    flat, flat_chk = a_e.reshape(f.size, -1), a_chk.reshape(f.size, -1)
    norm = np.linalg.norm(flat, axis=1)
    spread = np.where(norm > 0, np.linalg.norm(flat - flat_chk, axis=1) / np.where(norm > 0, norm, 1.0), np.nan)
    # the H samples are half a step earlier: refer their amplitudes to the E reference time
    a_h *= np.exp(-1j * omega_modes * 0.5 * dt).reshape((-1,) + (1,) * (a_h.ndim - 1))
    peak = np.max(np.abs(a_e).reshape(f.size, -1) if a_e.size else np.zeros((f.size, 1)), axis=1)
    scale = np.where(peak > 0, 1.0 / np.where(peak > 0, peak, 1.0), 0.0).reshape((-1,) + (1,) * (a_e.ndim - 1))
    x_nm, y_nm, z_nm = coordinates_nm(sim, frame, dft)
    facts = {"window_meep": float(t_end - t_src), "t_source_off_meep": float(t_src),
             "decimation": decimation, "n_samples": int(steps.size), "condition_number": cond,
             "rcond": RCOND, "rcond_check": RCOND_CHECK,
             "dft_frequencies_meep": [float(x) for x in f], "real_fields": real,
             "stepping_time_s": time.perf_counter() - t0_wall}
    return ModeProfiles((a_e * scale).astype(np.complex64), (a_h * scale / Z0_OHM).astype(np.complex64),
                        x_nm, y_nm, z_nm, facts, spread)


def profiles_for_run(sim: mp.Simulation, frame: Frame, modes, basis, *, t_cap: float,
                     step_funcs: tuple = ()) -> tuple[dict, ModeProfiles | None]:
    """Fields of ``modes`` (solvers.modes.Mode of one run) from a re-run of ``sim``.

    ``basis``: every mode Harminv found in that run's search band (the kept ones and those
    outside the study band), all of which ring in the re-run; each kept mode takes the
    field of the basis entry nearest to it in complex frequency. Returns
    ({(run, frequency): index into the profiles}, the profiles) or ({}, None) without modes.
    """
    basis = list(basis) or list(modes)
    if not modes:
        return {}, None
    prof = record_profiles(sim, frame, [m.frequency for m in basis], [m.decay for m in basis],
                           t_cap=t_cap, step_funcs=step_funcs)
    w_basis = complex_omega([m.frequency for m in basis], [m.decay for m in basis])
    index = {}
    for m in modes:
        w = complex_omega(m.frequency, m.decay)
        index[(m.run, m.frequency)] = int(np.argmin(np.abs(w_basis - w)))
    return index, prof


def write_profiles(writer, study: StudySpec, layout: Layout, modes, found: dict, *, resolution: float) -> None:
    """``modes/profile/`` (docs/runfile.md): each row of ``modes/`` gets its own E and H.

    ``found``: {run index: (index from ``profiles_for_run``, ModeProfiles)}. All runs share
    one grid (the fields run's region); a mode without a profile keeps zeros and
    ``has_profile`` False.
    """
    grids = [p for _, p in found.values() if p is not None]
    if not grids or not modes:
        writer.attrs("modes", profiles="none: no mode was found")
        return
    g0 = grids[0]
    shape = (len(modes),) + g0.E.shape[1:]
    e, h = np.zeros(shape, np.complex64), np.zeros(shape, np.complex64)
    has = np.zeros(len(modes), bool)
    spread = np.full(len(modes), np.nan)
    for i, m in enumerate(modes):
        index, prof = found.get(m.run, ({}, None))
        k = index.get((m.run, m.frequency))
        if prof is None or k is None or prof.E.shape[1:] != g0.E.shape[1:]:
            continue
        e[i], h[i], has[i] = prof.E[k], prof.H[k], True
        spread[i] = prof.spread[k] if prof.spread is not None else np.nan
    names, ids = material_grid(layout, g0.x_nm, g0.y_nm, g0.z_nm)
    models = [material_model(study, n) for n in names]
    step_nm = float(meep_length_to_nm(1.0 / resolution))
    dims = layout.dims
    writer.dataset("modes/profile/E", e, "V/m (arb.)",
                   "each mode's electric field phasor, scaled to max |E| = 1")
    writer.dataset("modes/profile/H", h, "A/m (arb.)", "each mode's magnetic field, same scale as E")
    writer.dataset("modes/profile/has_profile", has.astype(np.int8), "1",
                   "1 where the row of modes/ has its own field")
    writer.dataset("modes/profile/separation_spread", spread, "1",
                   "relative change of the mode's E when the separation is regularised 10x more")
    writer.dataset("modes/profile/material_id", ids.astype(np.int8), "1", "index into attribute materials")
    writer.dataset("modes/profile/x_nm", g0.x_nm, "nm", "x of voxel centres")
    writer.dataset("modes/profile/y_nm", g0.y_nm, "nm", "y of voxel centres")
    writer.dataset("modes/profile/z_nm", g0.z_nm, "nm", "z of voxel centres (0 = top of the layers)")
    writer.attrs("modes/profile", materials=json.dumps(list(names)),
                 metal_materials=json.dumps([n for n, mm in zip(names, models) if mm.is_metal]),
                 voxel_volume_nm3=step_nm ** dims,
                 method="re-run of the same pulse; DFT of E and H at every Harminv frequency over "
                        "the ring-down after the source; modes separated with Harminv's complex "
                        "frequencies (solvers.mode_profiles)",
                 runs={str(r): p.facts for r, (_, p) in found.items() if p is not None})
