"""Fourier-modal (RCWA) reference spectra of periodic rod arrays, independent of Meep.

Drives the ``grcwa`` package (Jin et al., ACS Photonics 7, 2350 (2020); S-matrix RCWA after
Liu & Fan, Comput. Phys. Commun. 183, 2233 (2012)) with hotlase's OWN permittivity models
(``geometry.subbands.served_eps``: the model each spectrum wavelength was run with, one per
model window when the study splits its band), so a disagreement with hotlase tests
the FDTD solver and the geometry, not the material fits.

Structure (the same coordinates as geometry/specs.py): superstrate half-space; a layer of
height h holding one rod per primitive cell (square: a1 = (P, 0), a2 = (0, P); hexagonal:
a1 = (P, 0), a2 = (P/2, P sqrt(3)/2), nearest-neighbour distance P in both, as
geometry.build_rod_array.lattice_vectors_nm); the optional spacer, the optional metal film;
the substrate half-space. Film stacks (uniform layers only) are accepted too, for validation
against the Airy formula. Normal incidence, E along x (hotlase's ``polarization = "x"``).

The rod layer's permittivity is given to grcwa through the exact Fourier coefficients of a
disk (no staircased grid): eps(G) = eps_b delta_G0 + (eps_r - eps_b) f 2 J1(|G| r)/(|G| r),
f = pi r^2 / A (e.g. Moharam et al., JOSA A 12, 1068 (1995), for the 2D Fourier series of a
patterned layer; the disk transform is the standard Airy-pattern integral). grcwa then uses
Laurent's rule for the in-plane eps and the inverse of the eps Toeplitz matrix for eps_z.

Absorption per layer is the difference of the net z Poynting flux (summed over all Fourier
orders, grcwa.rcwa.GetZPoyntingFlux) at the layer's top and bottom; layers of one material
are summed. The rod layer's loss is the rods' (the superstrate is lossless).

Convergence in the number of plane waves: measured in ``rcwa_spectrum``'s docstring.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import j1

from hotlase.geometry.specs import FilmStackSpec, RodArraySpec

try:  # the reference solver is a test-only dependency (pyproject [test] extra)
    import grcwa
    import grcwa.rcwa as _grcwa_core
except ImportError as _err:  # pragma: no cover - reported by the tests as a skip reason
    grcwa = None
    IMPORT_ERROR = f"grcwa is not installed ({_err}); run scripts/setup.sh"
else:
    IMPORT_ERROR = ""

#: Default number of plane waves requested (circular truncation; 197 are used for the square
#: lattice): ~0.01 in R and A at 440-700 nm (measured in ``rcwa_spectrum``'s docstring).
DEFAULT_HARMONICS = 201
#: Period of the lateral lattice used for film stacks (irrelevant: every layer is uniform).
_FILM_PERIOD_NM = 100.0


def rcwa_spectrum(study, wavelengths_nm, n_harmonics: int = DEFAULT_HARMONICS,
                  normal_vector: bool = True) -> dict:
    """R, T and absorptance per material of a periodic rod array (or film stack) by RCWA.

    Args:
        study: a geometry.study.StudySpec whose structure is a periodic RodArraySpec or a
            FilmStackSpec; its materials resolve through ``material_model``.
        wavelengths_nm: vacuum wavelengths, nm.
        n_harmonics: requested number of plane waves (grcwa circular truncation; the number
            used is stored under ``n_harmonics``).

    Returns:
        {"wavelength_nm", "R", "T", "A_<material>" for every lossy-or-not material of the
        finite layers and rods, "A_layers" (per finite layer, top down), "layers" (their
        material names), "n_harmonics"}; arrays of shape (W,). R + T + sum A = 1 by
        construction (flux bookkeeping), so energy balance is not a check of this module.

    Convergence, measured on the default study (square, P 300 nm, r 60 nm, h 150 nm CsPbBr3
    on 100 nm Ag on SiO2; 400-700 nm every 10 nm; plane waves used 89 / 145 / 197 / 253):
      - 440-700 nm: max change of R, A_Ag, A_CsPbBr3 between 197 and 253 is 0.005 (0.009
        between 89 and 253); the reference is good to ~0.01 there.
      - 400-430 nm: R(400) = 0.51 / 0.58 / 0.52 / 0.57, R(420) = 0.605 / 0.611 / 0.610 /
        0.590, A_CsPbBr3(400) 0.35-0.41, A_Ag(400) 0.063-0.076: not converged, read it as
        +-0.06 (R, A_CsPbBr3) and +-0.015 (A_Ag). There Re(eps_Ag + eps_CsPbBr3) crosses 0
        (at ~410 nm with hotlase's models): the flat contact under each rod is at its
        surface-plasmon asymptote, whose interface plasmons of every k the rod's rim excites.
      - The no-metal twin converges easily: 197 plane waves agree with hotlase's 10 nm FDTD
        to 0.001 in R.
      - Factorisation: with Laurent's rule (grcwa's own; ``normal_vector=False``) R(532) is
        0.598 / 0.592 / 0.587 / 0.587 at 45 / 89 / 197 / 385 plane waves, against 0.601-0.606
        with the normal vectors (45-145): a 0.2 nm shift of the steep 530-535 nm edge. In the
        quasi-static limit (tests/unit/test_reference_fmm.py) the normal vectors are right to
        2e-4 at 49 plane waves, Laurent's rule is 3e-3 off.
    Cost: 197 plane waves took 12 s per wavelength, 89 took 1.5 s, on 2 cores loaded ~7x
    (the rod layer's 2N x 2N eigenproblem and a few S-matrix steps, both ~N^3).
    """
    if grcwa is None:
        raise ImportError(IMPORT_ERROR)
    from hotlase.geometry.study import material_model
    from hotlase.geometry.subbands import served_eps

    s = study.structure
    wl = np.atleast_1d(np.asarray(wavelengths_nm, dtype=float))
    if isinstance(s, RodArraySpec):
        if s.array != "periodic":
            raise ValueError(f"structure.array = {s.array!r}: RCWA needs a periodic array")
        a1, a2 = _lattice(s.lattice, s.period_nm)
        finite = [(s.rod.material, s.rod.height_nm, True)]
        finite += [(x.material, x.thickness_nm, False)
                   for x in (s.spacer, s.metal) if x is not None]
        rod_radius = s.rod.radius_nm
    elif isinstance(s, FilmStackSpec):
        a1, a2 = _lattice("square", _FILM_PERIOD_NM)
        finite = [(x.material, x.thickness_nm, False) for x in s.layers]
        rod_radius = 0.0
    else:
        raise ValueError(f"structure.kind = {s.kind!r}: the RCWA reference covers rod_array "
                         "and film_stack")
    finite = _merge_uniform(finite, s.substrate.material)
    top_eps = material_model(study, s.superstrate).eps(wl)
    if np.any(np.abs(np.imag(top_eps)) > 1e-12):
        raise ValueError(f"structure.superstrate = {s.superstrate!r}: must be lossless for RCWA R")
    eps_finite = [served_eps(study, m, wl) for m, _, _ in finite]  # the run's model per wavelength
    eps_sub = served_eps(study, s.substrate.material, wl)
    bg_eps = top_eps

    R = np.empty(wl.size)
    T = np.empty(wl.size)
    A_layers = np.empty((len(finite), wl.size))
    used = 0
    normals = None
    for k, lam in enumerate(wl):
        obj = grcwa.obj(int(n_harmonics), list(a1), list(a2), 1.0 / lam, 0.0, 0.0, verbose=0)
        obj.Add_LayerUniform(0.0, complex(top_eps[k]))
        for (_, thick, patterned), eps in zip(finite, eps_finite):
            if patterned:
                obj.Add_LayerGrid(float(thick), 1, 1)  # filled below with the exact disk series
            else:
                obj.Add_LayerUniform(float(thick), complex(eps[k]))
        obj.Add_LayerUniform(0.0, complex(eps_sub[k]))
        obj.Init_Setup(Gmethod=0)
        used = obj.nG
        if normals is None and normal_vector and rod_radius > 0:
            normals = _radial_normal_matrices(obj, a1, a2)
        for i, ((_, _, patterned), eps) in enumerate(zip(finite, eps_finite), start=1):
            if patterned:
                _set_disk_layer(obj, i, complex(eps[k]), complex(bg_eps[k]), rod_radius, a1, a2,
                                normals if normal_vector else None)
        # x polarisation: grcwa's amplitudes are (Hx, Hy) orders; p_amp = 1 at phi = 0 is
        # Hy = 1, i.e. E along x for light going down (+z in grcwa's layer order).
        obj.MakeExcitationPlanewave(1.0, 0.0, 0.0, 0.0, order=0)
        net, incident = _net_fluxes(obj)
        R[k] = 1.0 - net[0] / incident
        T[k] = net[-1] / incident
        A_layers[:, k] = (net[1:-1] - net[2:]) / incident
    out = {"wavelength_nm": wl, "R": R, "T": T, "A_layers": A_layers,
           "layers": [m for m, _, _ in finite], "n_harmonics": used}
    for j, (m, _, _) in enumerate(finite):
        out[f"A_{m}"] = out.get(f"A_{m}", 0.0) + A_layers[j]
    return out


def _merge_uniform(finite, substrate: str):
    """Join touching uniform layers of one material; drop uniform layers of the substrate's
    material at the bottom (the no-metal twin's SiO2 "film" on SiO2): same optics, fewer
    S-matrix steps. Their (zero for a lossless substrate) loss is then counted in T."""
    out = []
    for m, t, pat in finite:
        if out and not pat and not out[-1][2] and out[-1][0] == m:
            out[-1] = (m, out[-1][1] + t, False)
        else:
            out.append((m, t, pat))
    while out and not out[-1][2] and out[-1][0] == substrate:
        out.pop()
    return out


def _lattice(lattice: str, period_nm: float):
    """Primitive vectors (nm), the same as geometry.build_rod_array.lattice_vectors_nm."""
    from hotlase.geometry.build_rod_array import lattice_vectors_nm

    a1, a2 = lattice_vectors_nm(lattice, period_nm)
    return (float(a1[0]), float(a1[1])), (float(a2[0]), float(a2[1]))


def disk_fourier_matrix(eps_rod: complex, eps_bg: complex, radius_nm: float, dgx, dgy,
                        cell_area_nm2: float) -> np.ndarray:
    """Toeplitz matrix eps(G_i - G_j) of disks of radius r on a background (exact Fourier
    coefficients of a circle: eps_b delta + (eps_r - eps_b) f 2 J1(g r)/(g r), f = pi r^2/A)."""
    g = np.hypot(dgx, dgy) * radius_nm
    with np.errstate(invalid="ignore", divide="ignore"):
        shape = np.where(g > 1e-12, 2.0 * j1(g) / np.where(g > 1e-12, g, 1.0), 1.0)
    fill = math.pi * radius_nm**2 / cell_area_nm2
    return (eps_rod - eps_bg) * fill * shape + eps_bg * (g <= 1e-12)


def _radial_normal_matrices(obj, a1, a2, n_grid: int = 256):
    """Toeplitz matrices [[nx nx]], [[nx ny]], [[ny ny]] of the unit normal field of a disk
    centred in the cell, n = r / |r| (Schuster et al., JOSA A 24, 2880 (2007), normal-vector
    method), from its FFT on an n_grid x n_grid grid of the primitive cell."""
    u = (np.arange(n_grid) + 0.5) / n_grid - 0.5
    uu, vv = np.meshgrid(u, u, indexing="ij")
    x = uu * a1[0] + vv * a2[0]
    y = uu * a1[1] + vv * a2[1]
    # fold each point to its nearest lattice site so the field is radial about the rod axis
    best = np.full(x.shape, np.inf)
    rx, ry = x.copy(), y.copy()
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            cx, cy = x - i * a1[0] - j * a2[0], y - i * a1[1] - j * a2[1]
            d = np.hypot(cx, cy)
            closer = d < best
            best = np.where(closer, d, best)
            rx, ry = np.where(closer, cx, rx), np.where(closer, cy, ry)
    rr = np.maximum(np.hypot(rx, ry), 1e-12)
    nx, ny = rx / rr, ry / rr
    gi, gj = obj.G[:, 0], obj.G[:, 1]
    di, dj = gi[:, None] - gi[None, :], gj[:, None] - gj[None, :]
    # the grid starts at u = -1/2 + 1/(2 n_grid): shift the FFT phase to the cell origin
    shift = np.exp(-2j * np.pi * (di + dj) * (0.5 / n_grid - 0.5))
    mats = []
    for f in (nx * nx, nx * ny, ny * ny):
        coef = np.fft.fft2(f) / f.size
        mats.append(coef[di % n_grid, dj % n_grid] * shift)
    return mats


def _set_disk_layer(obj, layer: int, eps_rod, eps_bg, radius_nm, a1, a2, normals) -> None:
    """Eigenmodes of a rod layer from the disk's exact Fourier series (what grcwa's
    GridLayer_geteps does from a sampled grid, grcwa 0.1.2 rcwa.py). In-plane eps by the
    normal-vector method (Schuster et al. 2007): [[eps]] - ([[eps]] - [[1/eps]]^-1) N, with
    N = [[n n^T]] of the disk's radial normal; eps_z by grcwa's inverse of [[eps]]."""
    gx = 2 * np.pi * (obj.Lk1[0] * obj.G[:, 0] + obj.Lk2[0] * obj.G[:, 1])
    gy = 2 * np.pi * (obj.Lk1[1] * obj.G[:, 0] + obj.Lk2[1] * obj.G[:, 1])
    area = abs(a1[0] * a2[1] - a1[1] * a2[0])
    dgx, dgy = gx[:, None] - gx[None, :], gy[:, None] - gy[None, :]
    conv = disk_fourier_matrix(eps_rod, eps_bg, radius_nm, dgx, dgy, area)
    epinv = np.linalg.inv(conv)
    if normals is None:  # Laurent's rule for the in-plane eps (grcwa's own choice)
        exx = eyy = conv
        exy = np.zeros_like(conv)
    else:
        inv_rule = np.linalg.inv(
            disk_fourier_matrix(1 / eps_rod, 1 / eps_bg, radius_nm, dgx, dgy, area))
        delta = conv - inv_rule
        nxx, nxy, nyy = normals
        exx, exy, eyy = conv - delta @ nxx, -delta @ nxy, conv - delta @ nyy
    # grcwa's ep2 maps (-Ey, Ex) to (-Dy, Dx) (rcwa.Solve_ZStressTensorIntegral)
    ep2 = np.block([[eyy, -exy], [-exy, exx]])
    pidx = obj.id_list[layer][2]
    obj.Patterned_epinv_list[pidx] = epinv
    obj.Patterned_ep2_list[pidx] = ep2
    kp = _grcwa_core.MakeKPMatrix(obj.omega, 1, epinv, obj.kx, obj.ky)
    obj.kp_list[layer] = kp
    q, phi = _grcwa_core.SolveLayerEigensystem(obj.omega, obj.kx, obj.ky, kp, ep2)
    obj.q_list[layer] = q
    obj.phi_list[layer] = phi


def _interface(obj, l: int):
    """grcwa's interface matrices T11, T12 between layers l and l + 1 (rcwa.GetSMatrix)."""
    phi0, phi1 = obj.phi_list[l], obj.phi_list[l + 1]
    q0, q1 = obj.q_list[l], obj.q_list[l + 1]
    Q = np.linalg.solve(phi0, phi1)
    P = np.linalg.solve(obj.kp_list[l] @ phi0, obj.kp_list[l + 1] @ phi1)
    P = q0[:, None] * P / q1[None, :]
    return 0.5 * (Q + P), 0.5 * (Q - P)


def _smatrix_pass(obj, start: int, inter: list, keep: bool):
    """grcwa's S-matrix recursion (rcwa.GetSMatrix) from layer ``start`` to the last layer,
    with the interface matrices cached and diagonal phases applied elementwise; returns the
    S-matrix at every layer reached (``keep``) or only the last one."""
    n2 = len(obj.q_list[0])
    S11, S12 = np.eye(n2, dtype=complex), np.zeros((n2, n2), dtype=complex)
    S21, S22 = np.zeros((n2, n2), dtype=complex), np.eye(n2, dtype=complex)
    out = {start: (S11, S12, S21, S22)}
    for l in range(start, obj.Layer_N - 1):
        T11, T12 = inter[l]
        d1 = np.exp(1j * obj.q_list[l] * obj.thickness_list[l])
        d2 = np.exp(1j * obj.q_list[l + 1] * obj.thickness_list[l + 1])
        d1S12 = d1[:, None] * S12
        P1 = np.linalg.inv(T11 - d1S12 @ T12)
        S11 = P1 @ (d1[:, None] * S11)
        S12 = (P1 @ (d1S12 @ T11 - T12)) * d2[None, :]
        S22T12 = S22 @ T12
        S21 = S21 + S22T12 @ S11
        S22 = S22T12 @ S12 + (S22 @ T11) * d2[None, :]
        if keep or l + 1 == obj.Layer_N - 1:
            out[l + 1] = (S11, S12, S21, S22)
    return out


def _net_fluxes(obj):
    """Net downward z Poynting flux (all orders, grcwa's units) at the top of every layer
    and in the substrate, and the incident flux. Same algebra as grcwa's SolveExterior /
    SolveInterior / GetZPoyntingFlux, but with each S-matrix built once."""
    last = obj.Layer_N - 1
    inter = [_interface(obj, l) for l in range(last)]
    top = _smatrix_pass(obj, 0, inter, keep=True)
    S11, S12, S21, S22 = top[last]
    a0, bN = obj.a0, obj.bN
    aN = S11 @ a0 + S12 @ bN
    b0 = S21 @ a0 + S22 @ bN
    amps = {0: (a0, b0), last: (aN, bN)}
    for w in range(1, last):
        S11, S12, S21, S22 = top[w]
        pS11, pS12, pS21, pS22 = _smatrix_pass(obj, w, inter, keep=False)[last]
        ai = np.linalg.solve(np.eye(len(a0)) - S12 @ pS21, S11 @ a0 + S12 @ (pS22 @ bN))
        bi = pS21 @ ai + pS22 @ bN
        amps[w] = (ai, bi * np.exp(1j * obj.q_list[w] * obj.thickness_list[w]))  # to z = 0
    net = np.empty(obj.Layer_N)
    for w, (ai, bi) in amps.items():
        fwd, bwd = _grcwa_core.GetZPoyntingFlux(ai, bi, obj.omega, obj.kp_list[w],
                                                obj.phi_list[w], obj.q_list[w])
        net[w] = float(np.real(fwd + bwd))
    fwd, _ = _grcwa_core.GetZPoyntingFlux(a0, np.zeros_like(a0), obj.omega, obj.kp_list[0],
                                          obj.phi_list[0], obj.q_list[0])
    return net, float(np.real(fwd))
