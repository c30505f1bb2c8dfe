"""Grid convergence of one quantity: observed order, Richardson extrapolation, error bar.

Input: values q_i of one output on grid spacings h_i (any order, any refinement ratios).
Procedure (Celik et al. 2008, J. Fluids Eng. 130, 078001, "Procedure for estimation and
reporting of uncertainty due to discretization in CFD applications", which applies Roache's
grid convergence index, GCI, to non-constant refinement ratios) on the finest three grids
h1 < h2 < h3 with e21 = q2 - q1, e32 = q3 - q2:

- monotone convergence when e32/e21 exceeds its p -> 0 limit ln(r32)/ln(r21): the observed
  order p solves e32/e21 = r21^p (r32^p - 1)/(r21^p - 1) (r21 = h2/h1, r32 = h3/h2; the
  exact relation for q(h) = q0 + c h^p), found by bisection;
- extrapolated value q_ext = q1 + (q1 - q2)/(r21^p - 1) (Richardson);
- error bar of the finest value GCI = Fs |e21|/(r21^pb - 1) with pb = min(p, P_MAX): an
  order above the scheme's formal order is not trusted (Meep's Yee scheme is second order,
  Oskooi et al. 2010, Comput. Phys. Commun. 181, 687), and with pb <= p the bar always
  covers q_ext. Fs = 1.25 (Roache 1998, Verification and Validation in Computational
  Science and Engineering, three or more grids) only when p lies in ASYMPTOTIC_ORDERS, the
  orders the scheme can show (1 at staircased interfaces, 2 in smooth media, 10 % slack);
  outside it the grids are not shown to be in the asymptotic range and Fs = 3 (Oberkampf &
  Roy 2010, Verification and Validation in Scientific Computing, sec. 8.7);
- two grids only: the order is not observed, P_ASSUMED = 1 is assumed (first order, what
  staircased metal interfaces give; Farjadpour et al. 2006, Opt. Lett. 31, 2972) and
  Fs = 3 (Roache 1998, two-grid GCI);
- oscillating (e32/e21 < 0) or diverging (differences not shrinking with h as any positive
  order would, or an observed order below P_MIN_OBSERVED): no order and no extrapolation are
  given; the bar is Fs x half the range of
  the finest three values, Fs = 3 (half range: Stern et al. 2001, J. Fluids Eng. 123, 793;
  Fs = 3 as Roache's factor when no order is established), centred on the finest value.

The bar at another grid h scales as GCI (h/h1)^pb (error ~ h^p), which also gives the grid
needed for a tolerance. Numbers only; numpy only (no meep, no files).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

P_MAX = 2.0  # formal order of the Yee scheme: higher observed orders are not trusted
P_ASSUMED = 1.0  # order assumed with only two grids (staircased metal interfaces)
#: Lowest observed order given an extrapolation: half the scheme's lowest (first, at
#: staircased interfaces). Below it q_ext = q1 + e/(r^p - 1) grows without bound as p -> 0
#: (the default study's ladder gave R bars of 1.36 at orders ~0.05); such a triple is
#: reported as not converging, with the spread bar of an oscillating one.
P_MIN_OBSERVED = 0.5
P_SEARCH_MAX = 20.0  # observed orders above this are reported as this
ASYMPTOTIC_ORDERS = (0.9, 2.2)  # observed orders that earn Fs = 1.25: 1..2 with 10 % slack
FS_THREE = 1.25  # Roache's safety factor with an observed order (>= 3 grids)
FS_TWO = 3.0  # Roache's safety factor without an observed order
NOISE_REL = 1e-9  # differences below this fraction of |q| are round-off, not grid error

MONOTONE = "monotone"
TWO_GRIDS = "two-grids"
OSCILLATING = "oscillating"
DIVERGING = "diverging"
GRID_INDEPENDENT = "grid-independent"
SINGLE = "single-grid"
NO_DATA = "no-data"
STATUSES = (MONOTONE, TWO_GRIDS, OSCILLATING, DIVERGING, GRID_INDEPENDENT, SINGLE, NO_DATA)


@dataclass(frozen=True)
class Estimate:
    """Convergence of one quantity over a grid ladder.

    Attributes:
        h: grid spacings used, finest first (grids where the value is missing are dropped).
        values: the quantity on those grids.
        status: one of STATUSES (module docstring).
        order: observed order p (None unless monotone; P_SEARCH_MAX when larger).
        order_used: order the error bar uses (min(p, P_MAX), P_ASSUMED for two grids).
        safety_factor: Fs of the error bar.
        extrapolated: Richardson value q_ext (None when no order is observed or assumed).
        error: error bar of the finest value, absolute (None for a single grid).
        notes: what was flagged (oscillation on coarser grids, dropped grids, capped order).
    """

    h: tuple[float, ...]
    values: tuple[float, ...]
    status: str
    order: float | None = None
    order_used: float | None = None
    safety_factor: float | None = None
    extrapolated: float | None = None
    error: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def finest(self) -> float | None:
        """The value on the finest grid."""
        return self.values[0] if self.values else None

    @property
    def has_order(self) -> bool:
        """True when the error bar scales with an (observed or assumed) order."""
        return self.status in (MONOTONE, TWO_GRIDS, GRID_INDEPENDENT)

    def error_at(self, h: float) -> float | None:
        """Error bar of the value computed at grid spacing ``h``.

        With an order: error x (h/h1)^pb (error ~ h^p). Without one (oscillating, diverging):
        the spread bar, and None for grids finer than the finest one (nothing is known there).
        """
        if self.error is None:
            return None
        if self.status == GRID_INDEPENDENT:
            return self.error
        if self.has_order:
            assert self.order_used is not None  # set whenever has_order
            return self.error * (h / self.h[0]) ** self.order_used
        return self.error if h >= self.h[0] * (1 - 1e-9) else None

    def grid_for_tolerance(self, tol: float) -> float | None:
        """The coarsest grid spacing whose error bar is <= ``tol`` (absolute).

        Returns:
            h in the units of ``self.h``; math.inf when the quantity does not depend on the
            grid; None when no order is known (oscillating, diverging, single grid) or the
            observed one is below ASYMPTOTIC_ORDERS (h^0.1 would name absurdly fine grids).
        """
        if not tol > 0:
            raise ValueError(f"tolerance must be > 0, got {tol}")
        if self.status == GRID_INDEPENDENT:
            return math.inf
        if not self.has_order or self.error is None:
            return None
        if self.order is not None and self.order < ASYMPTOTIC_ORDERS[0]:
            return None
        if self.error == 0:
            return math.inf
        assert self.order_used is not None  # set whenever has_order
        return self.h[0] * (tol / self.error) ** (1.0 / self.order_used)


def _ratio_curve(p: float, r21: float, r32: float) -> float:
    """e32/e21 of q = q0 + c h^p on grids h1, h1 r21, h1 r21 r32 (the module's relation)."""
    return r21 ** p * (r32 ** p - 1.0) / (r21 ** p - 1.0)


def observed_order(h1: float, h2: float, h3: float,
                   q1: float, q2: float, q3: float) -> float | None:
    """The observed order p > 0 of three grids h1 < h2 < h3, or None when the values do not
    converge monotonically (oscillating, diverging or flat).

    Solves e32/e21 = r21^p (r32^p - 1)/(r21^p - 1) by bisection; the right side increases
    from ln(r32)/ln(r21) at p -> 0 without bound, so a root exists exactly when e32/e21 is
    above that limit. Orders above P_SEARCH_MAX are returned as P_SEARCH_MAX.
    """
    if not h1 < h2 < h3:
        raise ValueError(f"need h1 < h2 < h3, got {h1}, {h2}, {h3}")
    e21, e32 = q2 - q1, q3 - q2
    if e21 == 0 and e32 != 0:  # the finest two agree exactly: faster than any order tested
        return P_SEARCH_MAX
    if e21 == 0 or e32 == 0 or (e32 / e21) <= 0:
        return None
    ratio = e32 / e21
    r21, r32 = h2 / h1, h3 / h2
    if ratio <= math.log(r32) / math.log(r21):
        return None
    lo, hi = 1e-9, P_SEARCH_MAX
    if ratio >= _ratio_curve(hi, r21, r32):
        return P_SEARCH_MAX
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _ratio_curve(mid, r21, r32) < ratio:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return 0.5 * (lo + hi)


def _three_grid_kind(h, q) -> str:
    """MONOTONE, OSCILLATING or DIVERGING for three grids (finest first)."""
    e21, e32 = q[1] - q[0], q[2] - q[1]
    if e21 * e32 < 0:
        return OSCILLATING
    if e21 == 0 == e32:
        return MONOTONE  # flat: nothing to flag
    return MONOTONE if observed_order(*h, *q) is not None else DIVERGING


def estimate(h, values) -> Estimate:
    """Order, extrapolated value and error bar of one quantity over a grid ladder.

    Args:
        h: grid spacings (any order, distinct, > 0).
        values: the quantity on each grid; None or NaN marks a grid where it is missing.

    Raises:
        ValueError: h and values differ in length, h has duplicates or values <= 0.
    """
    h = [float(x) for x in h]
    vals = [math.nan if v is None else float(v) for v in values]
    if len(h) != len(vals):
        raise ValueError(f"{len(h)} grid spacings but {len(vals)} values")
    if any(not x > 0 for x in h) or len(set(h)) != len(h):
        raise ValueError(f"grid spacings must be distinct and > 0, got {h}")
    order = np.argsort(h)
    h_sorted = [h[i] for i in order]
    q_sorted = [vals[i] for i in order]
    notes = []
    dropped = [x for x, v in zip(h_sorted, q_sorted) if not math.isfinite(v)]
    if dropped:
        notes.append("missing on grid(s) " + ", ".join(f"{x:g}" for x in dropped))
    keep = [i for i, v in enumerate(q_sorted) if math.isfinite(v)]
    hs = tuple(h_sorted[i] for i in keep)
    qs = tuple(q_sorted[i] for i in keep)
    if not hs:
        return Estimate(hs, qs, NO_DATA, notes=tuple(notes))
    if len(hs) == 1:
        notes.append("one grid only: no error bar")
        return Estimate(hs, qs, SINGLE, notes=tuple(notes))
    noise = NOISE_REL * max(abs(v) for v in qs)
    fine = qs[:3]
    if max(fine) - min(fine) <= noise:
        if max(qs) - min(qs) > noise:
            notes.append("equal on the finest grids, different on coarser ones")
        return Estimate(hs, qs, GRID_INDEPENDENT, extrapolated=qs[0],
                        error=max(fine) - min(fine), notes=tuple(notes))
    r21 = hs[1] / hs[0]
    if len(hs) == 2:
        pb, fs = P_ASSUMED, FS_TWO
        e21 = qs[1] - qs[0]
        notes.append(f"two grids: order {P_ASSUMED:g} assumed, not observed")
        return Estimate(hs, qs, TWO_GRIDS, None, pb, fs, qs[0] - e21 / (r21 ** pb - 1),
                        fs * abs(e21) / (r21 ** pb - 1), tuple(notes))
    # coarser triples: flag non-monotone behaviour the finest triple does not show
    coarse = [(hs[i:i + 3], _three_grid_kind(hs[i:i + 3], qs[i:i + 3]))
              for i in range(1, len(hs) - 2)]
    bad = [f"{k} over {'/'.join(f'{x:g}' for x in t)}" for t, k in coarse if k != MONOTONE]
    if bad:
        notes.append("coarser grids not monotone: " + "; ".join(bad))
    h3, q3 = hs[:3], qs[:3]
    kind = _three_grid_kind(h3, q3)
    if kind != MONOTONE:
        fs = FS_TWO
        err = fs * 0.5 * (max(q3) - min(q3))
        notes.append(f"{kind} over the finest three grids: no order, error bar from their spread")
        return Estimate(hs, qs, kind, None, None, fs, None, err, tuple(notes))
    p = observed_order(*h3, *q3)
    assert p is not None  # MONOTONE with distinct finest values (flat returned above)
    if p < P_MIN_OBSERVED:  # Richardson with p -> 0 extrapolates without bound
        err = FS_TWO * 0.5 * (max(q3) - min(q3))
        notes.append(f"observed order {p:.3g} below {P_MIN_OBSERVED:g}: differences shrink far "
                     "slower than any order the scheme has, treated as not converging: no "
                     "order, error bar from the spread of the finest three grids")
        return Estimate(hs, qs, DIVERGING, None, None, FS_TWO, None, err, tuple(notes))
    pb = min(p, P_MAX)
    fs = FS_THREE if ASYMPTOTIC_ORDERS[0] <= p <= ASYMPTOTIC_ORDERS[1] else FS_TWO
    if fs != FS_THREE:
        notes.append(f"observed order {p:.3g} outside {ASYMPTOTIC_ORDERS[0]:g}-"
                     f"{ASYMPTOTIC_ORDERS[1]:g} (not shown asymptotic): Fs {fs:g}"
                     + (f", bar with order {P_MAX:g}" if p > P_MAX else ""))
    e21 = q3[1] - q3[0]
    q_ext = q3[0] - e21 / (r21 ** p - 1)
    err = fs * abs(e21) / (r21 ** pb - 1)
    return Estimate(hs, qs, MONOTONE, p, pb, fs, q_ext, err, tuple(notes))
