"""Single- and multi-mode laser rate equations: steady state (CW) and a pump pulse (numpy only).

Model (docs/physics.md §8; Coldren, Corzine & Mashanovitch, Diode Lasers and Photonic
Integrated Circuits, 2nd ed. (2012), ch. 2, written in numbers rather than densities; the
spontaneous-emission coupling β after Björk & Yamamoto, IEEE J. Quantum Electron. 27, 2386
(1991)), carriers n and photons s_j in mode j of one unit cell:

    dn/dt   = P − R(n) − Σ_j G_j(n) s_j,        R(n) = (k_r + k_nr) n + C n³ / V²
    ds_j/dt = G_j(n) s_j + β_j k_r n − s_j / τ_j,
    G_j(n)  = Γ_j (c / n_g) a max(n/V − N_tr, 0) S_j,     τ_j = Q_j / ω_j.

P is the carrier generation rate (1/s), V the active (gain) volume, k_r the (Purcell-enhanced)
radiative rate, S_j the gain line shape at mode j. Gain is clipped at transparency: below it the
rods lose only what the passive ε (already inside Q) loses. The photon lifetimes (fs) are far
shorter than any carrier time or pump pulse (ps to ns), so photons follow the carriers
adiabatically: s_j(n) = β_j k_r n / (1/τ_j − G_j(n)), valid while G_j < 1/τ_j, and the carrier
balance P = R(n) + Σ G_j s_j(n) is monotone in n, solved by bisection for every pump at once.

Threshold (stated; C. Z. Ning, IEEE J. Sel. Top. Quantum Electron. 19, 1503604 (2013)): the
pump at which stimulated emission into the lasing mode equals the total spontaneous emission,
G_L s_L = k_r n. In steady state that is G_L = (1/τ_L)/(1 + β_L): a carrier number above
transparency for every β, so high-β (plasmonic) modes are not called lasing on spontaneous
emission alone; as β → 0 it tends to R(n_clamp) + k_r n_clamp. The older criterion, one photon
in the mode on average (Björk & Yamamoto 1991), is ``photon_one_threshold_s``; it can fall below
transparency when β is large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotlase.geometry.units import C0_M_S

__all__ = ["RateMode", "RateMedium", "photon_lifetime_s", "steady_state", "pulsed",
           "clamping_density", "clamping_pump_s", "photon_one_pump_s", "threshold_pump_s",
           "photon_one_threshold_s", "ning_threshold_pump_s",
           "crossing"]

_BISECT = 64  # halvings of [0, n_clamp]: 2^-64 ~ 5e-20, below float resolution


@dataclass(frozen=True)
class RateMode:
    """One cavity mode as the rate equations see it.

    Attributes:
        wavelength_nm: vacuum wavelength, nm.
        q: loaded quality factor (all losses: radiation and metal absorption), > 0.
        confinement: Γ, share of the mode energy in the gain medium, in (0, 1].
        beta: spontaneous-emission coupling β into this mode, in (0, 1].
        gain_shape: S, the gain line shape at this wavelength, in [0, 1].
        radiated_share: share of the mode's loss that leaves as light (the rest heats the
            metal), in [0, 1].
    """

    wavelength_nm: float
    q: float
    confinement: float
    beta: float
    gain_shape: float = 1.0
    radiated_share: float = 1.0

    def __post_init__(self):
        for name, lo, hi, lo_open in (("wavelength_nm", 0.0, np.inf, True),
                                      ("q", 0.0, np.inf, True), ("confinement", 0.0, 1.0, True),
                                      ("beta", 0.0, 1.0, True), ("gain_shape", 0.0, 1.0, False),
                                      ("radiated_share", 0.0, 1.0, False)):
            v = float(getattr(self, name))
            if not np.isfinite(v) or v < lo or v > hi or (lo_open and v == lo):
                raise ValueError(f"{name} = {v}: must be in {'(' if lo_open else '['}{lo:g}, "
                                 f"{hi:g}]")

    @property
    def tau_s(self) -> float:
        """Photon lifetime Q/ω, s."""
        return float(photon_lifetime_s(self.wavelength_nm, self.q))


@dataclass(frozen=True)
class RateMedium:
    """The carriers of the gain medium in one unit cell.

    Attributes:
        volume_m3: active (gain) volume V, m^3, > 0.
        radiative_rate_s: k_r, Purcell-enhanced radiative rate, 1/s, > 0.
        nonradiative_rate_s: k_nr, 1/s, >= 0.
        auger_m6_s: C, m^6/s, >= 0.
        transparency_m3: N_tr, 1/m^3, >= 0.
        differential_gain_m2: a, m^2, > 0.
        group_index: n_g, >= 1.
    """

    volume_m3: float
    radiative_rate_s: float
    nonradiative_rate_s: float
    auger_m6_s: float
    transparency_m3: float
    differential_gain_m2: float
    group_index: float

    def recombination_s(self, n):
        """R(n) = (k_r + k_nr) n + C n³/V², 1/s."""
        n = np.asarray(n, dtype=float)
        return (self.radiative_rate_s + self.nonradiative_rate_s) * n + \
            self.auger_m6_s * n**3 / self.volume_m3**2

    def gain_slope_s(self, mode: RateMode) -> float:
        """dG/dn above transparency, 1/s per carrier: Γ (c/n_g) a S / V."""
        return (mode.confinement * C0_M_S / self.group_index * self.differential_gain_m2
                * mode.gain_shape / self.volume_m3)

    def gain_rate_s(self, n, mode: RateMode):
        """G(n) = Γ (c/n_g) a max(n/V − N_tr, 0) S, 1/s."""
        excess = np.maximum(np.asarray(n, float) / self.volume_m3 - self.transparency_m3, 0.0)
        return (mode.confinement * C0_M_S / self.group_index * self.differential_gain_m2
                * excess * mode.gain_shape)


def photon_lifetime_s(wavelength_nm, q):
    """τ = Q/ω = Q λ / (2π c), s (Coldren et al. (2012) ch. 2: Q = ω τ_photon)."""
    return np.asarray(q, float) * np.asarray(wavelength_nm, float) * 1e-9 / (2 * np.pi * C0_M_S)


def clamping_density(medium: RateMedium, modes: tuple[RateMode, ...]) -> float:
    """Carriers n at which the first mode's gain equals its loss, G_j(n) = 1/τ_j (inf when no
    mode can reach it: zero gain shape)."""
    best = np.inf
    for m in modes:
        slope = medium.gain_slope_s(m)
        if slope > 0:
            best = min(best, medium.volume_m3 * medium.transparency_m3 + 1.0 / (m.tau_s * slope))
    return best


def clamping_pump_s(medium: RateMedium, modes: tuple[RateMode, ...]) -> float:
    """The β → 0 threshold: generation rate R(n_clamp) that brings the carriers to clamping,
    1/s (Coldren et al. (2012) ch. 2: I_th = q V R(N_th))."""
    return float(medium.recombination_s(clamping_density(medium, modes)))


def _mode_arrays(medium: RateMedium, modes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dG/dn, 1/τ, β k_r) of every mode, for the vectorised balance."""
    return (np.array([medium.gain_slope_s(m) for m in modes]),
            np.array([1.0 / m.tau_s for m in modes]),
            np.array([m.beta * medium.radiative_rate_s for m in modes]))


def _photons(n, medium: RateMedium, modes, arrays=None):
    """s_j(n) = β_j k_r n / (1/τ_j − G_j(n)), shape n.shape + (n_modes,)."""
    slope, inv_tau, spont = arrays if arrays is not None else _mode_arrays(medium, modes)
    n = np.asarray(n, float)
    gain = np.maximum(n - medium.volume_m3 * medium.transparency_m3, 0.0)[..., None] * slope
    return spont * n[..., None] / np.maximum(inv_tau - gain, 1e-300)


def _balance(n, medium: RateMedium, modes, arrays=None):
    """R(n) + Σ_j G_j(n) s_j(n): carriers used per second at n (steady photons)."""
    arrays = arrays if arrays is not None else _mode_arrays(medium, modes)
    n = np.asarray(n, float)
    gain = np.maximum(n - medium.volume_m3 * medium.transparency_m3, 0.0)[..., None] * arrays[0]
    stim = np.sum(gain * _photons(n, medium, modes, arrays), axis=-1)
    return medium.recombination_s(n) + stim


def _solve_n(target, medium, modes, extra=None):
    """n with balance(n) (+ extra·n) = target, bisection between 0 and n_clamp."""
    target = np.asarray(target, float)
    lo, hi = np.zeros_like(target), np.full_like(target, clamping_density(medium, modes))
    if not np.all(np.isfinite(hi)):
        hi = np.maximum(target / (medium.radiative_rate_s + medium.nonradiative_rate_s), 1.0) * 2
        hi = np.where(np.isfinite(hi), hi, 1.0)
    arrays = _mode_arrays(medium, modes)
    for _ in range(_BISECT):
        mid = 0.5 * (lo + hi)
        f = _balance(mid, medium, modes, arrays) + (0.0 if extra is None else extra * mid)
        below = f < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class SteadyState:
    """CW steady state at each generation rate.

    Attributes:
        generation_s: carrier generation rate P, 1/s (input).
        carriers: n at each P.
        photons: s_j, shape (len(P), n_modes).
        emitted_s: photons leaving each mode per second, s_j / τ_j, shape as photons.
        radiated_s: the part of emitted_s that leaves as light (x radiated_share).
        spontaneous_s: β_j k_r n, the spontaneous photons into each mode per second.
    """

    generation_s: np.ndarray
    carriers: np.ndarray
    photons: np.ndarray
    emitted_s: np.ndarray
    radiated_s: np.ndarray
    spontaneous_s: np.ndarray


def steady_state(generation_s, medium: RateMedium, modes: tuple[RateMode, ...]) -> SteadyState:
    """Solve the rate equations in steady state for every generation rate (1/s).

    Raises:
        ValueError: no mode, or Σ β > 1 (more spontaneous emission in the modes than exists).
    """
    modes = tuple(modes)
    if not modes:
        raise ValueError("modes = (): the rate model needs at least one mode")
    if sum(m.beta for m in modes) > 1.0 + 1e-12:
        raise ValueError(f"sum of beta = {sum(m.beta for m in modes):g}: must be <= 1")
    p = np.atleast_1d(np.asarray(generation_s, float))
    n = _solve_n(p, medium, modes)
    s = _photons(n, medium, modes)
    tau = np.array([m.tau_s for m in modes])
    share = np.array([m.radiated_share for m in modes])
    spont = np.stack([m.beta * medium.radiative_rate_s * n for m in modes], axis=-1)
    return SteadyState(p, n, s, s / tau, s / tau * share, spont)


def crossing(x, y, level: float) -> float:
    """First x where y reaches ``level``, interpolated in log-log (NaN if never)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    above = np.nonzero(y >= level)[0]
    if not above.size:
        return float("nan")
    i = int(above[0])
    if i == 0:
        return float(x[0]) if y[0] == level else float("nan")
    lx, ly = np.log(x[i - 1:i + 1]), np.log(np.maximum(y[i - 1:i + 1], 1e-300))
    return float(np.exp(np.interp(np.log(level), ly, lx)))


def photon_one_pump_s(medium: RateMedium, mode: RateMode) -> float:
    """Single mode, no Auger, gain linear above transparency: the generation rate at which
    s = 1 in closed form. From the photon equation G(n₁) = 1/τ − β k_r n₁ and P = R(n₁) + G(n₁).
    The analytic reference of ``photon_one_threshold_s``."""
    g1 = medium.gain_slope_s(mode)
    # G(n) = g1 (n - n_tr) above transparency: g1 (n - n_tr) = 1/τ - β k_r n
    n_tr = medium.volume_m3 * medium.transparency_m3
    n1 = (1.0 / mode.tau_s + g1 * n_tr) / (g1 + mode.beta * medium.radiative_rate_s)
    if n1 < n_tr:  # spontaneous emission alone already gives one photon below transparency
        n1 = 1.0 / (mode.tau_s * mode.beta * medium.radiative_rate_s)
        return float(medium.recombination_s(n1))
    return float(medium.recombination_s(n1) + g1 * (n1 - n_tr))


def photon_one_threshold_s(medium: RateMedium, modes: tuple[RateMode, ...], lasing: int) -> float:
    """Generation rate (1/s) at which mode ``lasing`` holds one photon on average (Björk &
    Yamamoto 1991): s_lasing(n) is monotone in n below clamping, so bisect n for s = 1 and
    return the balance P(n) (steady state). NaN when no mode can clamp."""
    lo, hi = 0.0, clamping_density(medium, modes)
    if not np.isfinite(hi):
        return float("nan")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _photons(np.array([mid]), medium, modes)[0, lasing] < 1.0:
            lo = mid
        else:
            hi = mid
    return float(_balance(np.array([0.5 * (lo + hi)]), medium, modes)[0])


def threshold_pump_s(medium: RateMedium, modes: tuple[RateMode, ...], lasing: int) -> float:
    """The stated threshold (module docstring, Ning 2013): generation rate (1/s) at which
    stimulated emission into mode ``lasing`` equals the total spontaneous emission k_r n, i.e.
    G_L(n) = (1/τ_L)/(1 + β_L); the other modes take their steady photons at that n.
    NaN when the mode has no gain."""
    m = modes[lasing]
    slope = medium.gain_slope_s(m)
    if not slope > 0:
        return float("nan")
    n = medium.volume_m3 * medium.transparency_m3 + 1.0 / (m.tau_s * (1.0 + m.beta) * slope)
    if n >= clamping_density(medium, modes):  # another mode clamps first: never reached
        return float("nan")
    return float(_balance(np.array([n]), medium, modes)[0])


def ning_threshold_pump_s(medium: RateMedium, mode: RateMode) -> float:
    """Single mode, no Auger, closed form of ``threshold_pump_s``: n_th = V N_tr +
    1/(τ (1 + β) dG/dn), s_th = k_r n_th τ (1 + β), P = (k_r + k_nr) n_th + k_r n_th (the
    stimulated rate equals k_r n_th). The analytic reference of the tests."""
    n = medium.volume_m3 * medium.transparency_m3 + 1.0 / (
        mode.tau_s * (1.0 + mode.beta) * medium.gain_slope_s(mode))
    return float((2 * medium.radiative_rate_s + medium.nonradiative_rate_s) * n)


@dataclass(frozen=True)
class PulseResult:
    """Response to one pump pulse per fluence.

    Attributes:
        generated: carriers generated per pulse (input).
        emitted: photons leaving each mode per pulse, shape (len(generated), n_modes).
        radiated: the part of ``emitted`` leaving as light.
        peak_photons: the largest s_j during the pulse, same shape.
        stimulated: ∫ G_j s_j dt, stimulated transitions into each mode per pulse.
        spontaneous: ∫ k_r n dt, all spontaneous emission per pulse, shape (len(generated),).
        left: carriers still in the rods at the end of the time grid.
    """

    generated: np.ndarray
    emitted: np.ndarray
    radiated: np.ndarray
    peak_photons: np.ndarray
    stimulated: np.ndarray
    spontaneous: np.ndarray
    left: np.ndarray


def pulsed(carriers_per_pulse, fwhm_s: float, medium: RateMedium, modes: tuple[RateMode, ...],
           steps: int = 600) -> PulseResult:
    """A Gaussian pump pulse (FWHM ``fwhm_s``) generating ``carriers_per_pulse`` carriers.

    The carrier equation (photons adiabatic, module docstring) is integrated by implicit Euler,
    each step solved by bisection (unconditionally stable; the stimulated term is stiff): from
    −3 FWHM to +3 FWHM on a uniform grid, then geometric steps to 30 carrier lifetimes.
    Photons out per pulse = ∫ Σ s_j/τ_j dt.
    """
    modes = tuple(modes)
    q = np.atleast_1d(np.asarray(carriers_per_pulse, float))
    sigma = fwhm_s / (2 * np.sqrt(2 * np.log(2)))
    t_pulse = np.linspace(-3 * fwhm_s, 3 * fwhm_s, steps // 2)
    life = 1.0 / (medium.radiative_rate_s + medium.nonradiative_rate_s)
    t_tail = t_pulse[-1] + np.geomspace(t_pulse[1] - t_pulse[0], 30 * life + 6 * fwhm_s,
                                        steps // 2)
    t = np.concatenate([t_pulse, t_tail])
    rate = lambda tt: q * np.exp(-0.5 * (tt / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))  # noqa: E731
    tau = np.array([m.tau_s for m in modes])
    share = np.array([m.radiated_share for m in modes])
    n = np.zeros_like(q)
    emitted = np.zeros((q.size, len(modes)))
    peak, stim, spont = np.zeros_like(emitted), np.zeros_like(emitted), np.zeros_like(q)
    arrays = _mode_arrays(medium, modes)
    n_tr = medium.volume_m3 * medium.transparency_m3
    for k in range(1, t.size):
        dt = t[k] - t[k - 1]
        # n_new + dt f(n_new) = n_old + dt P(t_new)  <=>  f(n_new) + n_new/dt = n_old/dt + P
        n = _solve_n(n / dt + rate(t[k]), medium, modes, extra=1.0 / dt)
        s = _photons(n, medium, modes, arrays)
        emitted += s / tau * dt
        stim += np.maximum(n - n_tr, 0.0)[:, None] * arrays[0] * s * dt
        spont += medium.radiative_rate_s * n * dt
        peak = np.maximum(peak, s)
    return PulseResult(q, emitted, emitted * share, peak, stim, spont, n)
