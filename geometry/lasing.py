"""Pure checks and numbers of the ``lasing`` run kind (no meep): which material gains, the
gain volume, the scaled atomic time scales and why a study cannot run it.

The solver (``solvers.lasing``) and the analysis (``postprocess.lasing_td``) read the same
numbers from here, so the run and its report agree on what was simulated.
"""

from __future__ import annotations

import math
from typing import Any

from hotlase.geometry.primitives import Box, Cylinder, Layout
from hotlase.geometry.units import C0_M_S, HC_EV_NM

#: Shortest relaxation time a scaled population rate may have, s: the fast levels (pump and
#: lower level) are put at max(lifetime / rate_speedup, FAST_FLOOR_S). 1 fs is > 12 time
#: steps at the coarsest grid (50 nm, Courant 0.5) and ~ 1/500 of the default scaled upper
#: lifetime, so the lower level stays empty to < 0.2 % of the upper.
FAST_FLOOR_S = 1e-15
#: The scaled upper lifetime must be at least this many dephasing times T2 = 2/gamma: the
#: Maxwell-Bloch medium then behaves as a rate-equation (class-B) gain medium whose steady
#: state does not depend on the speed-up (Siegman, Lasers (1986), §24.1 on class A/B/C lasers).
MIN_LIFETIME_OVER_T2 = 10.0


def gain_material(study: Any) -> str:
    """Name of the material that carries the gain emitters: ``lasing.gain_material``, else
    the structure kind's gain material (``geometry.kinds``; film stacks must name it), "" when
    there is none."""
    from hotlase.geometry.kinds import gain_material_of

    spec = study.lasing
    if spec is not None and spec.gain_material is not None:
        return spec.gain_material
    return gain_material_of(study.structure) or ""


def gain_wavelength_nm(study: Any) -> float:
    """Centre of the gain line, nm: ``lasing.emission_wavelength_nm``, else the peak of the
    [gain] table's ensemble line (geometry.materials.gain.gain_medium)."""
    from hotlase.geometry.materials.gain import gain_medium

    spec = study.lasing
    if spec is not None and spec.emission_wavelength_nm is not None:
        return float(spec.emission_wavelength_nm)
    return float(gain_medium(study.gain).peak_nm)


def gain_linewidth_nm(study: Any) -> float:
    """FWHM of the gain line, nm: ``lasing.linewidth_nm``, else the [gain] ensemble line's
    FWHM in energy converted at its peak, dlambda = lambda^2 dE / (h c)."""
    from hotlase.geometry.materials.gain import gain_medium

    spec = study.lasing
    if spec is not None and spec.linewidth_nm is not None:
        return float(spec.linewidth_nm)
    medium = gain_medium(study.gain)
    return float(medium.peak_nm ** 2 * medium.fwhm_ev / HC_EV_NM)


def cross_section_m2(study: Any) -> float:
    """Stimulated-emission cross-section, m^2: ``lasing.cross_section_m2``, else the [gain]
    table's differential gain (g = a (N - N_tr) there, g = sigma dN here)."""
    spec = study.lasing
    if spec is not None and spec.cross_section_m2 is not None:
        return float(spec.cross_section_m2)
    return float(study.gain.differential_gain_m2)


def dephasing_time_s(linewidth_nm: float, wavelength_nm: float) -> float:
    """T2 = 2 / gamma of a Lorentzian line of FWHM ``linewidth_nm`` at ``wavelength_nm``,
    with gamma = 2 pi c dlambda / lambda^2 the FWHM in angular frequency (Boyd, Nonlinear
    Optics, 3rd ed., §6.4: gamma_Meep = 2 / T2; docs/physics.md §8)."""
    gamma = 2 * math.pi * C0_M_S * linewidth_nm * 1e-9 / (wavelength_nm * 1e-9) ** 2
    return 2.0 / gamma


def scaled_rates_per_s(spec: Any) -> dict[str, float]:
    """The population rates the run uses (1/s of simulated time): every physical rate x
    ``rate_speedup``, the fast relaxations capped at 1 / FAST_FLOOR_S."""
    s = spec.rate_speedup
    cap = 1.0 / FAST_FLOOR_S
    return {"upper": s / spec.upper_lifetime_s,
            "lower": min(s / spec.lower_lifetime_s, cap),
            "pump_level": min(s / spec.pump_lifetime_s, cap)}


def gain_volume(layout: Layout, material: str, dims: int) -> float:
    """Volume of ``material`` in the cell in nm^dims' units: nm^3 (3D), nm^2 per unit length
    along y (2D) or nm per unit area (1D), from the layout's boxes and cylinders (later
    primitives are assumed not to overlap a gain object)."""
    total = 0.0
    sx, sy = layout.cell_xy_nm
    for p in layout.primitives:
        if p.material != material:
            continue
        if isinstance(p, Box):
            x, y, z = p.size_nm
            x = sx if math.isinf(x) else x
            y = sy if math.isinf(y) else y
            total += {1: z, 2: x * z, 3: x * y * z}[dims]
        elif isinstance(p, Cylinder):
            area = math.pi * p.radius_nm ** 2
            if dims == 2 and p.axis == "y":
                total += area
            elif dims == 3:
                total += area * p.height_nm
            elif dims == 2:
                total += 2 * p.radius_nm * p.height_nm
    return total


def lasing_refusal(study: Any, layout: Layout) -> str | None:
    """Why the structure cannot run ``lasing`` (worded to follow the kind's name), or None."""
    if study.lasing is None:
        return ("need a [lasing] table (pump_rates_per_s and the gain medium; "
                "docs/study-reference.md)")
    name = gain_material(study)
    if not name:
        return ("need lasing.gain_material: a film stack has no rod to put the gain in; "
                "name the layer material that gains")
    if name in (layout.substrate, layout.background):
        return (f"need the gain in a finite object: lasing.gain_material = {name!r} is the "
                "substrate or the superstrate, which reach into the absorbing boundary")
    if not any(p.material == name for p in layout.primitives):
        return (f"need an object of lasing.gain_material = {name!r} in the structure; it "
                f"has {sorted({p.material for p in layout.primitives})}")
    spec = study.lasing
    t2 = dephasing_time_s(gain_linewidth_nm(study), gain_wavelength_nm(study))
    tau = 1.0 / scaled_rates_per_s(spec)["upper"]
    if tau < MIN_LIFETIME_OVER_T2 * t2:
        return (f"need lasing.rate_speedup <= {spec.upper_lifetime_s / (MIN_LIFETIME_OVER_T2 * t2):.3g}: "
                f"the scaled upper lifetime {tau * 1e15:.3g} fs must be >= "
                f"{MIN_LIFETIME_OVER_T2:g} dephasing times ({t2 * 1e15:.3g} fs) for the "
                "rate-equation steady state to hold")
    return None


def four_level_populations(pump_rate: float, density: float, rates: dict[str, float]
                           ) -> tuple[float, float, float, float]:
    """Field-free steady state (N0, N1, N2, N3) of the four-level medium, any consistent units.

    Rate equations 0 -> 3 (pump W_p), 3 -> 2, 2 -> 1, 1 -> 0: in steady state the same flux
    W_p N0 = g32 N3 = g21 N2 = g10 N1 runs through every level, and N0 + N1 + N2 + N3 = N
    (Svelto, Principles of Lasers, 5th ed. (2010), §7.3.2, four-level laser; docs/physics.md §8).

    Args:
        pump_rate: W_p, rate per ground-state emitter.
        density: total emitter density N.
        rates: {"upper": g21, "lower": g10, "pump_level": g32}, same time unit as pump_rate.
    """
    flux_per_n0 = pump_rate
    n0 = density / (1.0 + flux_per_n0 * (1 / rates["pump_level"] + 1 / rates["upper"]
                                         + 1 / rates["lower"]))
    flux = flux_per_n0 * n0
    return n0, flux / rates["lower"], flux / rates["upper"], flux / rates["pump_level"]


def four_level_inversion(pump_rate: float, density: float, rates: dict[str, float]) -> float:
    """Field-free steady-state inversion N2 - N1 of the four-level medium (``four_level_populations``)."""
    _, n1, n2, _ = four_level_populations(pump_rate, density, rates)
    return n2 - n1


def four_level_threshold_pump(inversion: float, density: float, rates: dict[str, float]) -> float:
    """The pump rate W_p whose field-free inversion N2 - N1 equals ``inversion`` (the threshold
    inversion: below it the gain cannot pay the cavity loss), inverting
    ``four_level_inversion``: N2 - N1 = W_p N0 (1/g21 - 1/g10) with N0 = N / (1 + W_p sum 1/g)
    (Svelto 2010, §7.3.2; docs/physics.md §8).

    Returns:
        W_p in the rates' unit; inf when the inversion cannot be reached at any pump.
    """
    per = 1 / rates["upper"] - 1 / rates["lower"]
    total = 1 / rates["pump_level"] + 1 / rates["upper"] + 1 / rates["lower"]
    denominator = density * per - inversion * total
    return inversion / denominator if denominator > 0 else math.inf
