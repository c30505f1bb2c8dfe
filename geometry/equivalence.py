"""Which dipole runs a structure makes redundant (pure data, no meep).

Used by the solvers to skip a run and by ``geometry.estimate.run_plan`` to count the runs
that will happen.
"""

from __future__ import annotations

from hotlase.geometry.primitives import Layout


def xy_equivalent(layout: Layout) -> bool:
    """True when swapping x and y maps the structure onto itself (a square cell whose rods are
    vertical cylinders placed symmetrically): x and y dipoles then give the same LDOS and
    the same modes, and the y run is skipped."""
    sx, sy = layout.cell_xy_nm
    if sx != sy or layout.periodic[0] != layout.periodic[1] or layout.dims != 3:
        return False
    if any(getattr(p, "axis", "z") != "z" for p in layout.primitives):
        return False
    pts = sorted((round(x, 6), round(y, 6)) for x, y in layout.rod_centers_nm)
    return pts == sorted((y, x) for x, y in pts)


def quarter_turn_symmetric(layout: Layout) -> bool:
    """True when a 90 degree turn about z maps the structure onto itself (square cell, rods
    invariant under (x, y) -> (-y, x)): then y dipoles find exactly the x dipoles' modes."""
    sx, sy = layout.cell_xy_nm
    if abs(sx - sy) > 1e-6 or not layout.rod_centers_nm:
        return False
    key = lambda pts: sorted((round(x, 6), round(y, 6)) for x, y in pts)  # noqa: E731
    return key(layout.rod_centers_nm) == key((-y, x) for x, y in layout.rod_centers_nm)
