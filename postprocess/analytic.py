"""Closed-form optics that the FDTD results are checked against (docs/physics.md §9).

Planar stacks (Fresnel / Airy transfer recursion), the flat-interface surface plasmon, a dipole
above a perfect mirror, the homogeneous-medium LDOS and the quasistatic sphere. numpy only.
Conventions (docs/physics.md §1): e^{-iωt}, Im ε > 0 is loss, lengths in nm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "stack_rt",
    "top_surface_fields_p",
    "spp_wavevector_per_nm",
    "spp_propagation_length_nm",
    "spp_is_bound",
    "spp_frequency_for_k",
    "ldos_ratio_dipole_above_mirror",
    "ldos_homogeneous_ratio",
    "quasistatic_sphere_polarizability",
]

_SERIES_BELOW_X = 1.0  # below this x = 2kd, the mirror-LDOS brackets use their Taylor series
_N_SERIES = 12  # terms x^2 ... x^24; the first omitted one is < 1/25! at x < 1
# Taylor coefficients of x^{2j}, j >= 1 (the j = 0 constants 2/3 and 1/3 are taken out):
#   B_perp = sin x/x^3 - cos x/x^2           = sum_j (-1)^j (2j+2)/(2j+3)! x^{2j}
#   B_par  = sin x/x + cos x/x^2 - sin x/x^3 = sum_j (-1)^j [1/(2j+1)! - (2j+2)/(2j+3)!] x^{2j}
_PERP_COEFFS = np.array(
    [(-1) ** j * (2 * j + 2) / math.factorial(2 * j + 3) for j in range(1, _N_SERIES + 1)]
)
_PAR_COEFFS = np.array(
    [
        (-1) ** j * (1 / math.factorial(2 * j + 1) - (2 * j + 2) / math.factorial(2 * j + 3))
        for j in range(1, _N_SERIES + 1)
    ]
)


def _kz(eps: np.ndarray, k0: np.ndarray, kx: np.ndarray) -> np.ndarray:
    """Normal wavevector sqrt(ε k0² − kx²) on the decaying/outgoing branch (Im kz >= 0)."""
    kz = np.sqrt(eps * k0**2 - kx**2 + 0j)
    flip = (kz.imag < 0) | ((kz.imag == 0) & (kz.real < 0))
    return np.where(flip, -kz, kz)


def _stack_amplitudes(wl, eps_layers, d_nm, e_in, angle_deg, polarization, eps_out):
    """Complex r, t of the stack (H_y amplitudes for p, E_y for s) and the q = kz (/eps) list."""
    k0 = 2.0 * np.pi / wl
    kx = np.sqrt(e_in.real) * k0 * np.sin(np.deg2rad(angle_deg))
    eps_all = [e_in] + [np.asarray(e, dtype=complex) for e in eps_layers]
    eps_all.append(np.asarray(eps_out, dtype=complex))
    kz_all = [_kz(e, k0, kx) for e in eps_all]
    # p-polarisation in the H-field formalism: the s formulas with kz -> kz/ε.
    q_all = kz_all if polarization == "s" else [kz / e for kz, e in zip(kz_all, eps_all)]

    def interface(i: int) -> tuple[np.ndarray, np.ndarray]:
        qa, qb = q_all[i], q_all[i + 1]
        return (qa - qb) / (qa + qb), 2.0 * qa / (qa + qb)

    r, t = interface(len(eps_all) - 2)
    for j in range(len(eps_all) - 3, -1, -1):
        r_j, t_j = interface(j)
        phase = np.exp(1j * kz_all[j + 1] * d_nm[j])
        denom = 1.0 + r_j * r * phase**2
        r = (r_j + r * phase**2) / denom
        t = t_j * t * phase / denom
    return r, t, q_all


def stack_rt(
    wavelength_nm,
    eps_layers: Sequence,
    thickness_nm: Sequence[float],
    eps_in,
    eps_out,
    angle_deg: float = 0.0,
    polarization: str = "s",
) -> tuple[np.ndarray, np.ndarray]:
    """Power reflectance and transmittance of a planar multilayer (Fresnel + Airy recursion).

    Light comes from the lossless half-space ``eps_in`` (top) at ``angle_deg``, crosses the
    layers top to bottom and leaves into the half-space ``eps_out``. The Airy summation is
    done by the standard recursion r_j = (r_{j,j+1} + r_{j+1} e^{2i kz d}) /
    (1 + r_{j,j+1} r_{j+1} e^{2i kz d}) from the bottom up, which never overflows because
    every kz is taken with Im kz >= 0. With no layers this is the Fresnel formula of one
    interface, so a thick metal half-space is ``eps_out = eps_metal`` with no layers.
    Citation: docs/physics.md §9; Born & Wolf, Principles of Optics, §1.5-1.6 (Airy/Fresnel).

    Args:
        wavelength_nm: vacuum wavelength(s), nm, scalar or 1-D array (shape (W,)).
        eps_layers: one complex permittivity per layer, each scalar or shape (W,).
        thickness_nm: one thickness per layer, nm, >= 0.
        eps_in: permittivity of the incidence half-space (real, > 0), scalar or (W,).
        eps_out: permittivity of the exit half-space, scalar or (W,); may be lossy.
        angle_deg: angle of incidence in ``eps_in``, degrees, in [0, 90).
        polarization: "s" (TE, E parallel to the layers) or "p" (TM).

    Returns:
        (R, T), dimensionless, shape of the broadcast wavelength. T is the time-averaged
        Poynting flux that crosses into ``eps_out`` per unit incident flux: for a lossless
        exit medium it is the transmittance; for a lossy one it is the power the half-space
        absorbs (nothing reaches infinity), so 1 − R − T is always the absorption in the
        layers.

    Raises:
        ValueError: naming the argument, its value and the allowed range.
    """
    if polarization not in ("s", "p"):
        raise ValueError(f"polarization = {polarization!r}: must be 's' or 'p'")
    if len(eps_layers) != len(thickness_nm):
        raise ValueError(
            f"len(eps_layers) = {len(eps_layers)}: must equal len(thickness_nm) = "
            f"{len(thickness_nm)}"
        )
    if not 0.0 <= float(angle_deg) < 90.0:
        raise ValueError(f"angle_deg = {angle_deg}: must be in [0, 90)")
    d_nm = np.asarray(thickness_nm, dtype=float)
    if np.any(d_nm < 0):
        raise ValueError(f"thickness_nm = {list(thickness_nm)}: every entry must be >= 0")
    wl = np.asarray(wavelength_nm, dtype=float)
    if np.any(wl <= 0):
        raise ValueError(f"wavelength_nm = {wavelength_nm}: must be > 0")
    e_in = np.asarray(eps_in, dtype=complex)
    if np.any(e_in.imag != 0) or np.any(e_in.real <= 0):
        raise ValueError(f"eps_in = {eps_in}: must be real and > 0 (lossless incidence medium)")

    r, t, q_all = _stack_amplitudes(wl, eps_layers, d_nm, e_in, angle_deg, polarization, eps_out)
    reflectance = np.abs(r) ** 2
    transmittance = q_all[-1].real / q_all[0].real * np.abs(t) ** 2
    r_out, t_out = np.broadcast_arrays(reflectance, transmittance)
    return r_out, t_out


def top_surface_fields_p(wavelength_nm, eps_layers, thickness_nm, eps_in, eps_out,
                         angle_deg: float) -> dict[str, complex]:
    """Electric field at the top interface of a stack lit by a p-polarised plane wave.

    Unit incident |E| in ``eps_in``. With r the stack's reflection coefficient of H_y
    (``stack_rt``'s recursion), at the top interface z = 0: H_y = H0 (1 + r) and
    E_x = (kz_in / (w eps0 eps_in)) H0 (1 - r) are continuous; the normal field jumps as
    E_z = -(k_x / (w eps0 eps)) H_y with eps on each side (eps_in above, the first layer's,
    or eps_out without layers, below), i.e. normal D is continuous. Hence, per unit |E_inc|:
    |E_x| = cos(theta) |1 - r|, E_z(0+) = sin(theta) (1 + r), E_z(0-) = (eps_in/eps_1) E_z(0+).
    Citation: Born & Wolf, Principles of Optics, §1.5 (Fresnel, p-polarisation); Jackson,
    Classical Electrodynamics 3rd ed., §7.3.

    Args:
        wavelength_nm, eps_layers, thickness_nm, eps_in, eps_out, angle_deg: as ``stack_rt``
            (scalar wavelength).

    Returns:
        {"r": r, "e_tangential": E_x, "e_normal_out": E_z(0+), "e_normal_in": E_z(0-)},
        complex, up to one common phase.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    e_in = np.asarray(eps_in, dtype=complex)
    if np.any(e_in.imag != 0) or np.any(e_in.real <= 0):
        raise ValueError(f"eps_in = {eps_in}: must be real and > 0 (lossless incidence medium)")
    if not 0.0 <= float(angle_deg) < 90.0:
        raise ValueError(f"angle_deg = {angle_deg}: must be in [0, 90)")
    r, _t, _q = _stack_amplitudes(wl, eps_layers, np.asarray(thickness_nm, dtype=float), e_in,
                                  angle_deg, "p", eps_out)
    theta = np.deg2rad(angle_deg)
    eps_1 = np.asarray(eps_layers[0] if len(eps_layers) else eps_out, dtype=complex)
    ez_out = np.sin(theta) * (1 + r)
    return {"r": complex(r), "e_tangential": complex(np.cos(theta) * (1 - r)),
            "e_normal_out": complex(ez_out), "e_normal_in": complex(e_in / eps_1 * ez_out)}


def spp_wavevector_per_nm(wavelength_nm, eps_metal, eps_dielectric) -> np.ndarray:
    """Complex in-plane wavevector of the flat metal/dielectric surface plasmon, 1/nm.

    k_SPP = k0 sqrt(ε_m ε_d / (ε_m + ε_d)) with k0 = 2π/λ, root with Re k >= 0; the effective
    index is k_SPP/k0 and the intensity propagation length 1/(2 Im k_SPP). A bound mode needs
    Re ε_m < −ε_d; outside that the formula still returns a number (the Brewster/leaky
    branch), so callers check the condition.
    Citation: docs/physics.md §9; Raether, Surface Plasmons (Springer 1988), eq. 2.14.

    Args:
        wavelength_nm: vacuum wavelength(s), nm.
        eps_metal: complex metal permittivity, broadcastable with ``wavelength_nm``.
        eps_dielectric: dielectric permittivity, broadcastable.

    Returns:
        Complex k_SPP in rad/nm.
    """
    k0 = 2.0 * np.pi / np.asarray(wavelength_nm, dtype=float)
    em = np.asarray(eps_metal, dtype=complex)
    ed = np.asarray(eps_dielectric, dtype=complex)
    return k0 * np.sqrt(em * ed / (em + ed))


def spp_propagation_length_nm(k_spp_per_nm) -> np.ndarray:
    """Intensity 1/e propagation length of a surface plasmon, L = 1 / (2 Im k_SPP), nm.

    Citation: docs/physics.md §9 (L_prop quoted there); Raether, Surface Plasmons, eq. 2.15.

    Args:
        k_spp_per_nm: complex SPP wavevector, rad/nm (from ``spp_wavevector_per_nm``).

    Returns:
        Propagation length in nm (inf for Im k = 0).
    """
    im = np.asarray(k_spp_per_nm, dtype=complex).imag
    with np.errstate(divide="ignore"):
        return 1.0 / (2.0 * im)


def spp_is_bound(eps_metal, eps_dielectric):
    """Whether a flat interface carries a bound SPP: Re ε_m < −Re ε_d (and Re ε_m < 0).

    Example (docs/physics.md §9): Au under CsPbBr3 at 532 nm, ε_Au = −4.68 + 2.43i (J&C),
    ε_d = 5.25: not bound; Ag (−11.75 + 0.37i) is.
    Citation: docs/physics.md §9; Raether, Surface Plasmons (Springer 1988), §2.1.

    Args:
        eps_metal: complex metal permittivity.
        eps_dielectric: dielectric permittivity.

    Returns:
        Boolean array.
    """
    em = np.real(np.asarray(eps_metal, dtype=complex))
    ed = np.real(np.asarray(eps_dielectric, dtype=complex))
    return (em < 0) & (em < -ed)


def spp_frequency_for_k(
    k_target_per_nm: float,
    eps_metal: Callable[[np.ndarray], np.ndarray],
    eps_dielectric: float | Callable[[np.ndarray], np.ndarray],
    bracket_nm: tuple[float, float],
    tol_nm: float = 1e-9,
) -> float:
    """Vacuum wavelength (nm) where the flat SPP of a dispersive metal has Re k = k_target.

    Solves Re k_SPP(λ) = k_target by bisection on ``bracket_nm`` (numpy only, no scipy), with
    k_SPP from ``spp_wavevector_per_nm``; used to predict the frequency of a Meep SPP mode at a
    given Bloch k (for a grating of period Λ, k_target = 2π m/Λ).
    Citation: docs/physics.md §9 (flat SPP dispersion); Raether, Surface Plasmons, eq. 2.14.

    Args:
        k_target_per_nm: target Re k_SPP, rad/nm, > 0.
        eps_metal: callable ε_m(wavelength_nm), e.g. ``MaterialModel.eps``.
        eps_dielectric: constant ε_d or callable ε_d(wavelength_nm).
        bracket_nm: (lo, hi) vacuum wavelengths, nm, between which Re k − k_target changes
            sign (stay on the bound branch, Re ε_m < −ε_d).
        tol_nm: wavelength tolerance, nm.

    Returns:
        The wavelength in nm.

    Raises:
        ValueError: if k_target <= 0 or the bracket does not contain a sign change.
    """
    if not k_target_per_nm > 0:
        raise ValueError(f"k_target_per_nm = {k_target_per_nm}: must be > 0")
    lo, hi = float(bracket_nm[0]), float(bracket_nm[1])
    if not 0 < lo < hi:
        raise ValueError(f"bracket_nm = {bracket_nm}: must satisfy 0 < lo < hi")

    def mismatch(wl: float) -> float:
        ed = eps_dielectric(np.asarray(wl)) if callable(eps_dielectric) else eps_dielectric
        k = spp_wavevector_per_nm(wl, eps_metal(np.asarray(wl)), ed)
        return float(np.real(k)) - k_target_per_nm

    f_lo, f_hi = mismatch(lo), mismatch(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if np.sign(f_lo) == np.sign(f_hi):
        raise ValueError(
            f"bracket_nm = {bracket_nm}: Re k_SPP - k_target = {f_lo:.4g}, {f_hi:.4g} at the "
            "ends; must change sign inside the bracket"
        )
    while hi - lo > tol_nm:
        mid = 0.5 * (lo + hi)
        f_mid = mismatch(mid)
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def ldos_ratio_dipole_above_mirror(distance_nm, wavelength_nm, orientation: str, n: float = 1.0):
    """Decay rate (LDOS) of a dipole at distance d above a perfect mirror over free space.

    Image theory: the mirror is an image dipole at 2d, antiparallel for a parallel dipole and
    parallel for a perpendicular one. Γ/Γ0 = 1 + (6π ε0 ε / k³|p|²) Im(p*·E_image) gives, with
    x = 2 k d and k = 2π n/λ:
      parallel:      1 − (3/2) [sin x/x + cos x/x² − sin x/x³]       (→ 0 as d → 0)
      perpendicular: 1 + 3 [sin x/x³ − cos x/x²]                      (→ 2 as d → 0)
      isotropic:     (2 parallel + perpendicular) / 3
    Both → 1 for d ≫ λ. Below x = 1 the brackets use their Taylor series (2/3 − 2x²/15 +
    x⁴/140 − ... and 1/3 − x²/30 + x⁴/840 − ..., 12 terms) to avoid the 1/x² cancellation.
    Citation: docs/physics.md §9; Chance, Prock & Silbey, Adv. Chem. Phys. 37, 1 (1978),
    perfect-conductor limit (Drexhage, J. Lumin. 1-2, 693 (1970)).

    Args:
        distance_nm: dipole-mirror distance d, nm, > 0.
        wavelength_nm: vacuum wavelength, nm.
        orientation: "parallel", "perpendicular" or "isotropic" (relative to the mirror).
        n: refractive index of the lossless medium above the mirror; the ratio is relative to
            the same dipole in that homogeneous medium.

    Returns:
        Dimensionless Γ/Γ_homogeneous.
    """
    if orientation not in ("parallel", "perpendicular", "isotropic"):
        raise ValueError(
            f"orientation = {orientation!r}: must be 'parallel', 'perpendicular' or 'isotropic'"
        )
    d = np.asarray(distance_nm, dtype=float)
    if np.any(d <= 0):
        raise ValueError(f"distance_nm = {distance_nm}: must be > 0")
    x = 2.0 * (2.0 * np.pi * n / np.asarray(wavelength_nm, dtype=float)) * d
    small = x < _SERIES_BELOW_X
    xs = np.where(small, 1.0, x)  # keeps the direct form finite where the series is used
    s, c = np.sin(xs), np.cos(xs)
    # 1 - (3/2) B_par and 1 + 3 B_perp; below x = 1 from the series with the constant terms
    # (2/3 and 1/3) cancelled analytically, so the d -> 0 values keep full relative precision.
    parallel_direct = 1.0 - 1.5 * (s / xs + c / xs**2 - s / xs**3)
    perpendicular_direct = 1.0 + 3.0 * (s / xs**3 - c / xs**2)
    x2 = x**2
    parallel_series = -1.5 * np.polynomial.polynomial.polyval(x2, _PAR_COEFFS) * x2
    perpendicular_series = 2.0 + 3.0 * np.polynomial.polynomial.polyval(x2, _PERP_COEFFS) * x2
    parallel = np.where(small, parallel_series, parallel_direct)
    perpendicular = np.where(small, perpendicular_series, perpendicular_direct)
    if orientation == "parallel":
        return parallel
    if orientation == "perpendicular":
        return perpendicular
    return (2.0 * parallel + perpendicular) / 3.0


def ldos_homogeneous_ratio(n):
    """Electric-dipole LDOS (radiated power) in a lossless medium of index n over vacuum = n.

    Convention: equal dipole current J = −iωp (what a Meep source prescribes), no local-field
    correction: P = n ω⁴|p|²/(12π ε0 c³), so the ratio to vacuum is n (not n³ or n⁵).
    Citation: docs/physics.md §9 (LDOS references); Novotny & Hecht, Principles of
    Nano-Optics, 2nd ed., eq. 8.71-8.74 (power of a dipole in a homogeneous medium).

    Args:
        n: real refractive index, > 0.

    Returns:
        Dimensionless ratio n.
    """
    n_arr = np.asarray(n, dtype=float)
    if np.any(n_arr <= 0):
        raise ValueError(f"n = {n}: must be > 0")
    return n_arr


def quasistatic_sphere_polarizability(radius_nm, eps, eps_d):
    """Quasistatic polarizability of a small sphere, α = 4π R³ (ε − ε_d)/(ε + 2ε_d), nm³.

    Convention: induced dipole p = ε0 ε_d α E0 (SI), valid for R ≪ λ; resonance (Fröhlich) at
    Re ε = −2 ε_d.
    Citation: docs/physics.md §9; Bohren & Huffman, Absorption and Scattering of Light by
    Small Particles, eq. 5.15.

    Args:
        radius_nm: sphere radius R, nm, > 0.
        eps: complex permittivity of the sphere.
        eps_d: permittivity of the surrounding medium.

    Returns:
        Complex α in nm³.
    """
    r = np.asarray(radius_nm, dtype=float)
    if np.any(r <= 0):
        raise ValueError(f"radius_nm = {radius_nm}: must be > 0")
    e = np.asarray(eps, dtype=complex)
    ed = np.asarray(eps_d, dtype=complex)
    return 4.0 * np.pi * r**3 * (e - ed) / (e + 2.0 * ed)
