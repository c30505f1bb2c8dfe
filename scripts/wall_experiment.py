"""Where the rods-on-metal first-order error comes from: the experiments of
docs/metal-interfaces.md "Where the first-order error comes from", as one script.

    # FDTD (spectrum only; any mpirun prefix works), the study's rods changed by --rods:
    .venv/bin/python scripts/wall_experiment.py fdtd STUDY.toml --out DIR --resolution-nm 10 \
        --rods {meep,square,square-sheets,point,iso,aniso} [--rim-sheet] [--linearise-nm 530]
    # RCWA of the same changed structure (tests/reference/fmm.py), R only, to an npz:
    .venv/bin/python scripts/wall_experiment.py rcwa STUDY.toml --out ref.npz [--square] \
        [--harmonics 201] [--step 5]

--rods (a rod_array study with cylinders standing on a metal face):
  meep           Meep's own rule (averages eps_inf, samples the poles at the point; the product
                 with wall_averaging = "meep");
  square         square rods of side 2 r: their faces lie on tangential sample planes when r
                 is a whole number of cells; Meep decides what the samples on a face see;
  square-sheets  the same with a (rod + background)/2 sheet on each side face (the contact
                 sheets' rule for E tangential to a planar face, geometry.contact);
  point / iso / aniso
                 the cylinders as a Meep material function: per Yee point, the pixel's rod fill
                 f and wall normal n give eps_inf as the Kottke tensor (Farjadpour et al., Opt.
                 Lett. 31, 2972 (2006)), and each Lorentz sigma as sigma where the point is
                 inside (point, Meep's rule), f sigma (iso), or f sigma along the wall and
                 f eps_n^2/eps_r^2 sigma across it (aniso: the harmonic mean linearised in chi).
--rim-sheet      (material-function rods) the sheet on the metal face under the rim gets
                 (eps_metal + the in-plane Kottke average of rod and background)/2 per pixel.
--linearise-nm   (aniso) linearise the normal mean at eps_rod(lambda) instead of eps_inf.
Experiment tool, not product code: it patches solvers.cell in this process only.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RODS = ("meep", "square", "square-sheets", "point", "iso", "aniso")


# -- pixel geometry (pure numpy) ------------------------------------------------------------------
def pixel_fill(px: float, py: float, pz: float, dx: float, radius: float, z0: float, z1: float,
               m: int = 24) -> tuple[float, np.ndarray | None]:
    """(fill, unit normal) of a z-axis cylinder (axis at x = y = 0, z0..z1) in the cube of side
    dx centred on (px, py, pz); the normal is None for an empty or full pixel. In-plane fill by
    m x m sub-samples, vertical fill exactly; the normal is radial on the side wall, z on the
    end faces, and the direction to the outside part's centroid where both cut the pixel.
    Kept beside ``geometry.wall_average.cylinder_pixel`` because it weights the vertical part
    of a corner pixel's normal by (1 - fz)^2 where the product uses (1 - fz): the recorded
    runs of docs/metal-interfaces.md were made with this one."""
    u = (np.arange(m) + 0.5) / m - 0.5
    xx, yy = np.meshgrid(px + u * dx, py + u * dx, indexing="ij")
    inside = xx * xx + yy * yy < radius * radius
    fxy = float(inside.mean())
    fz = max(0.0, min(pz + dx / 2, z1) - max(pz - dx / 2, z0)) / dx
    f = fxy * fz
    if f <= 0 or f >= 1:
        return f, None
    rr = math.hypot(px, py)
    radial = np.array([px / rr, py / rr, 0.0]) if rr > 0 else np.array([1.0, 0.0, 0.0])
    if fz >= 1:
        return f, radial
    if fxy >= 1:
        return f, np.array([0.0, 0.0, 1.0])
    cx = float(xx[~inside].mean() - px)
    cy = float(yy[~inside].mean() - py)
    wz = (1 - fz) * dx / 2 * (1 if pz + dx / 2 > z1 else -1)
    v = np.array([cx * (1 - fxy), cy * (1 - fxy), wz * (1 - fz)])
    return f, v / np.linalg.norm(v)


def kottke(f: float, n: np.ndarray, e_in: float, e_out: float) -> tuple[np.ndarray, float]:
    """Kottke tensor of a pixel and its eps_n: the product's ``geometry.wall_average.kottke_tensor``."""
    from hotlase.geometry.wall_average import kottke_tensor

    return kottke_tensor(f, n, e_in, e_out)


def sigma_tensor(mode: str, f: float, n: np.ndarray, en: float, e_in: float, inside: bool) -> np.ndarray:
    """Weight of a rod pole's sigma in a pixel: point (Meep's rule), iso, or aniso (the
    product's ``geometry.wall_average.pole_weights``)."""
    from hotlase.geometry.wall_average import pole_weights

    if mode == "point":
        return np.eye(3) * (1.0 if inside else 0.0)
    if mode == "iso":
        return np.eye(3) * f
    return pole_weights(f, n, en, e_in)


# -- FDTD -----------------------------------------------------------------------------------------
def _medium(mp, eps: np.ndarray, poles: list) -> object:
    """A Meep medium of a symmetric eps_inf tensor and (susceptibility, weight tensor) pairs."""
    sus = []
    for s, w in poles:
        if np.abs(w).max() == 0:
            continue
        sig = s.sigma_diag.x
        sus.append(type(s)(frequency=s.frequency, gamma=s.gamma,
                           sigma_diag=mp.Vector3(*(sig * np.diag(w))),
                           sigma_offdiag=mp.Vector3(sig * w[0, 1], sig * w[0, 2], sig * w[1, 2])))
    return mp.Medium(epsilon_diag=mp.Vector3(*np.diag(eps)),
                     epsilon_offdiag=mp.Vector3(eps[0, 1], eps[0, 2], eps[1, 2]),
                     E_susceptibilities=sus)


def _rod_function(mp, mode: str, rod, e_out: float, center, radius, z0, z1, dx, lin_nm: float):
    """Meep material function of one rod (see the module docstring), cached per point."""
    e_in = float(rod.epsilon_diag.x)
    e_lin = complex(rod.epsilon(1000.0 / lin_nm)[0, 0]).real if lin_nm else e_in
    vacuum = mp.Medium(epsilon=e_out)
    cache: dict = {}

    def fn(p):
        key = (round(p.x * 1e5), round(p.y * 1e5), round(p.z * 1e5))
        if key not in cache:
            px, py, pz = p.x - center[0], p.y - center[1], p.z
            f, n = pixel_fill(px, py, pz, dx, radius, z0, z1)
            if n is None:
                cache[key] = rod if f >= 1 else vacuum
            else:
                eps, en = kottke(f, n, e_in, e_out)
                if mode == "aniso" and lin_nm:  # linearise at eps_rod(lin_nm): shift eps_n's static part
                    _, en_lin = kottke(f, n, e_lin, e_out)
                    g = f * en_lin**2 / e_lin**2
                    eps = eps + (en_lin - g * (e_lin - e_in) - en) * np.outer(n, n)
                    w = f * (np.eye(3) - np.outer(n, n)) + g * np.outer(n, n)
                else:
                    inside = px * px + py * py < radius * radius and z0 < pz < z1
                    w = sigma_tensor(mode, f, n, en, e_in, inside)
                cache[key] = _medium(mp, eps, [(s, w) for s in rod.E_susceptibilities])
        return cache[key]
    return fn


def _rim_function(mp, mode: str, rod, metal, e_out: float, center, radius, dx):
    """Sheet medium on the metal face near the rim: (eps_metal + in-plane Kottke of rod and
    background)/2, the metal's poles at half strength."""
    e_in, e_m = float(rod.epsilon_diag.x), float(metal.epsilon_diag.x)
    cache: dict = {}

    def fn(p):
        key = (round(p.x * 1e5), round(p.y * 1e5))
        if key not in cache:
            px, py = p.x - center[0], p.y - center[1]
            f, n = pixel_fill(px, py, 0.0, dx, radius, -1.0, 1.0)
            n = np.array([1.0, 0.0, 0.0]) if n is None else n
            above, en = kottke(f, n, e_in, e_out)
            above[2, 2] = f * e_in + (1 - f) * e_out
            w = sigma_tensor(mode, f, n, en, e_in, px * px + py * py < radius * radius)
            w[2, 2] = f
            poles = [(s, w / 2) for s in rod.E_susceptibilities]
            poles += [(s, np.eye(3) / 2) for s in metal.E_susceptibilities]
            cache[key] = _medium(mp, (e_m * np.eye(3) + above) / 2, poles)
        return cache[key]
    return fn


def patch(rods: str, rim_sheet: bool, lin_nm: float, resolution_nm: float) -> None:
    """Patch this process's builder (square rods) or solvers.cell (material-function rods).
    Every variant starts from Meep's own rule for the rods (the product's default is now
    wall_averaging = "anisotropic", which is the "aniso" variant built in)."""
    from hotlase.solvers import cell as product_cell

    product_cell._averaged_wall = lambda *a, **k: None  # type: ignore[assignment]
    from hotlase.geometry import kinds
    from hotlase.geometry.build_rod_array import build_rod_array
    from hotlase.geometry.primitives import Box, Cylinder

    if rods.startswith("square"):
        def build_square(spec):
            lay = build_rod_array(spec)
            prims: list = []
            for p in lay.primitives:
                if not isinstance(p, Cylinder):
                    prims.append(p)
                    continue
                (x, y, z), s = p.center_nm, 2 * p.radius_nm
                prims.append(Box(p.material, (x, y, z), (s, s, p.height_nm)))
                if rods == "square-sheets":
                    t, name = 1e-3 * resolution_nm, f"{p.material}|{lay.background}"
                    for sx in (-1, 1):
                        prims.append(Box(name, (x + sx * s / 2, y, z), (t, s, p.height_nm)))
                        prims.append(Box(name, (x, y + sx * s / 2, z), (s, t, p.height_nm)))
            return dataclasses.replace(lay, primitives=tuple(prims))
        kinds._REGISTRY["rod_array"] = dataclasses.replace(kinds._REGISTRY["rod_array"],
                                                           build=build_square)
        return
    if rods == "meep":
        return
    import meep as mp

    from hotlase.geometry.contact import sheet_sides
    from hotlase.geometry.study import material_model
    from hotlase.solvers import cell
    from hotlase.solvers.materials import to_meep_medium

    extra: list = []
    original_geometry, original_sim = cell.make_geometry, mp.Simulation

    class Simulation(original_sim):  # type: ignore[misc, valid-type]
        def __init__(self, *a, **k):
            if k.get("geometry") and extra:  # the rods' poles, which no object carries now
                k["extra_materials"] = [*k.get("extra_materials", []), *extra]
            super().__init__(*a, **k)

    def make_geometry(study, layout, frame, media_by_name=None):
        objs = original_geometry(study, layout, frame, media_by_name)
        dx = 1.0 / frame.resolution
        e_out = material_model(study, layout.background).eps_inf
        extra.clear()
        for i, prim in enumerate(layout.primitives):
            if not (isinstance(prim, Cylinder) and prim.axis == "z"):
                continue
            rod = objs[1 + i].material
            x, y, z = (c / 1000.0 for c in prim.center_nm)
            zc, h, r = z - frame.z_center, prim.height_nm / 1000.0, prim.radius_nm / 1000.0
            fn = _rod_function(mp, rods, rod, e_out, (x, y), r, zc - h / 2, zc + h / 2, dx, lin_nm)
            objs[1 + i] = mp.Block(center=mp.Vector3(x, y, zc + dx),
                                   size=mp.Vector3(2 * r + 4 * dx, 2 * r + 4 * dx, h + 2 * dx),
                                   material=fn)
            extra.append(rod)
            if rim_sheet and frame.sheets:
                metal = to_meep_medium(material_model(study, sheet_sides(frame.sheets[-1].material)[0]))
                objs.append(mp.Block(center=mp.Vector3(x, y, zc - h / 2),
                                     size=mp.Vector3(2 * r + 4 * dx, 2 * r + 4 * dx, 1e-3 * dx),
                                     material=_rim_function(mp, rods, rod, metal, e_out, (x, y), r, dx)))
        return objs

    mp.Simulation = Simulation
    cell.make_geometry = make_geometry


# -- RCWA -----------------------------------------------------------------------------------------
def use_square_rods(fmm) -> None:
    """Make tests/reference/fmm.py treat the rod as a square of side 2 r: exact sinc Fourier
    series, and the rectangle's normal field (x where |x| > |y|, else y) for the normal-vector
    rule (Schuster et al., JOSA A 24, 2880 (2007))."""
    def square_fourier(eps_rod, eps_bg, half_nm, dgx, dgy, area):
        s = 2 * half_nm
        shape = np.sinc(dgx * s / (2 * np.pi)) * np.sinc(dgy * s / (2 * np.pi))
        zero = (np.abs(dgx) < 1e-12) & (np.abs(dgy) < 1e-12)
        return (eps_rod - eps_bg) * (s * s / area) * shape + eps_bg * zero

    def square_normals(obj, a1, a2, n_grid=256):
        u = (np.arange(n_grid) + 0.5) / n_grid - 0.5
        uu, vv = np.meshgrid(u, u, indexing="ij")
        nx = (np.abs(uu) >= np.abs(vv)).astype(float)
        ny = 1.0 - nx
        gi, gj = obj.G[:, 0], obj.G[:, 1]
        di, dj = gi[:, None] - gi[None, :], gj[:, None] - gj[None, :]
        shift = np.exp(-2j * np.pi * (di + dj) * (0.5 / n_grid - 0.5))
        return [(np.fft.fft2(f) / f.size)[di % n_grid, dj % n_grid] * shift
                for f in (nx * nx, nx * ny, ny * ny)]

    fmm.disk_fourier_matrix = square_fourier
    fmm._radial_normal_matrices = square_normals


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fdtd")
    f.add_argument("study")
    f.add_argument("--out", required=True)
    f.add_argument("--resolution-nm", type=float, required=True)
    f.add_argument("--rods", choices=RODS, default="meep")
    f.add_argument("--rim-sheet", action="store_true")
    f.add_argument("--linearise-nm", type=float, default=0.0)
    r = sub.add_parser("rcwa")
    r.add_argument("study")
    r.add_argument("--out", required=True)
    r.add_argument("--square", action="store_true")
    r.add_argument("--harmonics", type=int, default=201)  # 197 used (square lattice)
    r.add_argument("--step", type=float, default=5.0)
    args = ap.parse_args(argv)
    if args.cmd == "fdtd":
        patch(args.rods, args.rim_sheet, args.linearise_nm, args.resolution_nm)
        from hotlase.solvers.run import main as run_main

        return run_main([args.study, "--out", args.out, "--resolution-nm", str(args.resolution_nm),
                         "--kinds", "spectrum", "--variants", "main"])
    from hotlase.geometry.study import load_study
    from tests.reference import fmm

    if args.square:
        use_square_rods(fmm)
    study = load_study(args.study)
    sim = study.simulation
    wl = np.arange(sim.wavelength_min_nm, sim.wavelength_max_nm + 1e-9, args.step)
    R = np.array([fmm.rcwa_spectrum(study, [w], args.harmonics)["R"][0] for w in wl])
    np.savez(args.out, wl=wl, R=R, n_harmonics=args.harmonics)
    print(f"{args.out}: R at {wl.size} wavelengths, {args.harmonics} plane waves requested")
    return 0


if __name__ == "__main__":
    sys.exit(main())
