"""Sub-pixel averaging of a dispersive rod's curved wall (pure geometry, no Meep).

For every Yee point near a z-axis cylinder the pixel (the cube of one grid cell centred on
the point) gives the rod's fill fraction f and the wall normal n. The solver's rod medium
there is
- eps_inf: the Kottke tensor eps_t (1 - n n^T) + eps_n n n^T, eps_t = f eps_in + (1 - f)
  eps_out, 1/eps_n = f/eps_in + (1 - f)/eps_out (Farjadpour et al., Opt. Lett. 31, 2972 (2006);
  Kottke, Farjadpour, Johnson, PRE 77, 036611 (2008));
- each Lorentz/Drude sigma times the weight tensor f (1 - n n^T) + f eps_n^2/eps_in^2 n n^T:
  the arithmetic mean along the wall (exact), the harmonic mean linearised in chi at eps_inf
  across it (d eps_n / d eps_in = f eps_n^2 / eps_in^2; docs/metal-interfaces.md "Adopted").
Meep 1.25 itself averages eps_inf only and takes the poles at the Yee point: the wall then
converges at first order in the grid; with the weights above at second order (measured in
docs/metal-interfaces.md).
"""

from __future__ import annotations

import math

import numpy as np

SUBSAMPLES = 24  # in-plane sub-samples per pixel side for the fill (error ~ 1/SUBSAMPLES^2 of a wall pixel)


def cylinder_pixel(px: float, py: float, pz: float, dx: float, radius: float,
                   z_bottom: float = -math.inf, z_top: float = math.inf,
                   m: int = SUBSAMPLES) -> tuple[float, np.ndarray | None]:
    """(fill, unit normal) of the cylinder x^2 + y^2 < radius^2, z_bottom < z < z_top in the
    cube of side dx centred on (px, py, pz) (all lengths in one unit, axis at x = y = 0).

    The normal is None for an empty (f = 0) or full (f = 1) pixel; it is radial on the side
    wall, along z on an end face, and towards the outside part's centroid where both cut the
    pixel. The in-plane fill is the fraction of m x m sub-sample points inside the circle
    (symmetric under x -> -x and y -> -y); the fill along z is exact.
    """
    rr = math.hypot(px, py)
    half = dx / 2
    fz = max(0.0, min(pz + half, z_top) - max(pz - half, z_bottom)) / dx
    if fz <= 0 or rr - half * math.sqrt(2) >= radius:
        return 0.0, None
    if rr + half * math.sqrt(2) <= radius:
        fxy, inside = 1.0, None
    else:
        u = (np.arange(m) + 0.5) / m - 0.5
        xx, yy = np.meshgrid(px + u * dx, py + u * dx, indexing="ij")
        inside = xx * xx + yy * yy < radius * radius
        fxy = float(inside.mean())
    f = fxy * fz
    if f <= 0 or f >= 1:
        return f, None
    radial = np.array([px / rr, py / rr, 0.0]) if rr > 0 else np.array([1.0, 0.0, 0.0])
    if fz >= 1:
        return f, radial
    up = np.array([0.0, 0.0, 1.0 if pz + half > z_top else -1.0])
    if fxy >= 1 or inside is None:
        return f, up
    cx = float(xx[~inside].mean() - px)
    cy = float(yy[~inside].mean() - py)
    v = np.array([cx * (1 - fxy), cy * (1 - fxy), up[2] * (1 - fz) * half])
    return f, v / np.linalg.norm(v)


def kottke_tensor(fill: float, normal: np.ndarray, eps_in: float, eps_out: float) -> tuple[np.ndarray, float]:
    """(3x3 eps tensor, eps_n) of a pixel: eps_t (1 - n n^T) + eps_n n n^T with the arithmetic
    mean eps_t along the wall and the harmonic mean eps_n across it (Kottke, Farjadpour,
    Johnson, PRE 77, 036611 (2008), Eq. 1 for real eps)."""
    eps_t = fill * eps_in + (1 - fill) * eps_out
    eps_n = 1.0 / (fill / eps_in + (1 - fill) / eps_out)
    proj = np.outer(normal, normal)
    return eps_t * (np.eye(3) - proj) + eps_n * proj, eps_n


def pole_weights(fill: float, normal: np.ndarray, eps_n: float, eps_in: float) -> np.ndarray:
    """3x3 weight of the rod's pole strengths sigma in a pixel: f along the wall (arithmetic
    mean of eps(omega)), f eps_n^2 / eps_in^2 across it (the harmonic mean linearised in chi
    at eps_inf: d eps_n / d eps_in = f eps_n^2 / eps_in^2, from 1/eps_n = f/eps_in + ...)."""
    proj = np.outer(normal, normal)
    return fill * (np.eye(3) - proj) + fill * eps_n**2 / eps_in**2 * proj
