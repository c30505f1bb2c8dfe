"""Fit Drude-Lorentz models to measured n, k, and read the measured tables.

The fitter minimises the relative complex error (ε_model − ε)/|ε| with
``scipy.optimize.least_squares`` from several starting points, then re-weights the points
with the largest error (Lawson's iteration) so the worst-band error, the number we report,
is driven down rather than only the mean. Pole energies are bounded to a physical range so
the fitted model stays stable in Meep (design/physics.md §3, "Stability").

Perovskites use ``fit_nk_edge`` instead: a minimax fit in n and k themselves (a linear
program over a comb of poles above the band edge, constrained passive) so the model follows
the measured n, k through the absorption edge within ``NK_TOLERANCE`` (issue 10).

The tables are the refractiveindex.info YAML files in ``../shared/data/optical-constants``
(CC0; read in place, never copied into the project; see that folder's README).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geometry.materials.model import MaterialModel, Pole, eps_drude_lorentz
from geometry.units import HC_EV_NM, nk_to_eps, nm_to_ev

#: Where the measured tables live: ``<repo>/../shared/data/optical-constants`` unless the
#: environment variable ``HOTLASE_OPTICAL_DATA`` names another folder.
DATA_DIR = Path(os.environ.get(
    "HOTLASE_OPTICAL_DATA",
    Path(__file__).resolve().parents[3] / "shared" / "data" / "optical-constants"))


@dataclass(frozen=True)
class MeasuredTable:
    """A measured optical-constant table.

    Attributes:
        wavelength_nm: vacuum wavelengths, nm, increasing.
        n, k: refractive index and extinction coefficient at those wavelengths.
        reference: the file's REFERENCES text (the measurement's citation).
        file: the file name it was read from.
    """

    wavelength_nm: np.ndarray
    n: np.ndarray
    k: np.ndarray
    reference: str
    file: str

    @property
    def eps(self) -> np.ndarray:
        """Complex ε = (n + ik)² at the tabulated wavelengths."""
        return nk_to_eps(self.n, self.k)

    def window(self, lo_nm: float, hi_nm: float) -> tuple[np.ndarray, np.ndarray]:
        """(wavelength_nm, ε) of the tabulated points with lo_nm <= λ <= hi_nm."""
        keep = (self.wavelength_nm >= lo_nm) & (self.wavelength_nm <= hi_nm)
        return self.wavelength_nm[keep], self.eps[keep]

    def eps_at(self, wavelength_nm) -> np.ndarray:
        """ε from n and k interpolated linearly in wavelength (inside the table only).

        Raises:
            ValueError: a wavelength outside the tabulated range.
        """
        wl = np.asarray(wavelength_nm, dtype=float)
        lo, hi = self.wavelength_nm[0], self.wavelength_nm[-1]
        if np.any(wl < lo) or np.any(wl > hi):
            raise ValueError(f"wavelength {wavelength_nm} nm outside the table {self.file} "
                             f"({lo:g}-{hi:g} nm)")
        n = np.interp(wl, self.wavelength_nm, self.n)
        k = np.interp(wl, self.wavelength_nm, self.k)
        return nk_to_eps(n, k)


def read_refractiveindex_yaml(file: str | Path) -> MeasuredTable:
    """Read a refractiveindex.info ``tabulated nk`` file (wavelengths in µm there).

    Args:
        file: a path, or a bare file name looked up in ``DATA_DIR``.

    Raises:
        FileNotFoundError: the file is missing (the shared data folder is not beside the repo).
        ValueError: the file holds no ``tabulated nk`` block (e.g. a formula or n2 table).
    """
    path = Path(file)
    if not path.is_absolute() and not path.exists():
        path = DATA_DIR / path
    doc = _load_yaml(path.read_text())
    for block in doc.get("DATA", []):
        if block.get("type") == "tabulated nk":
            rows = np.array([[float(v) for v in line.split()]
                             for line in block["data"].strip().splitlines() if line.strip()])
            order = np.argsort(rows[:, 0])
            rows = rows[order]
            return MeasuredTable(rows[:, 0] * 1000.0, rows[:, 1], rows[:, 2],
                                 " ".join(str(doc.get("REFERENCES", "")).split()), path.name)
    raise ValueError(f"{path.name}: no 'tabulated nk' data block")


def _load_yaml(text: str) -> dict:
    """PyYAML when present (Debian python3-yaml), else a parser for the simple layout used."""
    try:
        import yaml
    except ImportError:  # the files use one fixed layout: top keys, `|` blocks, a DATA list
        return _parse_simple_yaml(text)
    return yaml.safe_load(text)


def _parse_simple_yaml(text: str) -> dict:
    doc: dict = {"DATA": []}
    key, block, target = None, None, doc
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if block is not None and indent > block[0]:
            target[key] += stripped + "\n"
            continue
        block = None
        if indent == 0:
            target = doc
        if stripped.startswith("- "):
            target = {}
            doc["DATA"].append(target)
            stripped, indent = stripped[2:], indent + 2
        name, _, value = stripped.partition(":")
        value = value.strip()
        if value == "|":
            target[name], key, block = "", name, (indent,)
        elif name != "DATA":
            target[name] = value
    return doc


def fit_drude_lorentz(wavelength_nm, eps_measured, n_drude: int, n_lorentz: int,
                      window_nm: tuple[float, float], *, name: str = "fit", source: str = "",
                      is_metal: bool | None = None, lorentz_ev: tuple[float, float] = (0.5, 12.0),
                      gamma_max_ev: float = 5.0, lossless: bool = False,
                      bands: tuple[tuple[float, float], ...] | None = None,
                      starts: int = 24, seed: int = 0, minimax_iters: int = 30) -> MaterialModel:
    """Fit ε∞ + n_drude Drude + n_lorentz Lorentz poles to measured ε over a window.

    Args:
        wavelength_nm: measured vacuum wavelengths, nm.
        eps_measured: measured complex ε (e^{-iωt}, Im ε > 0 is loss) at those wavelengths.
        n_drude: number of Drude poles (0 or 1 for the materials here).
        n_lorentz: number of Lorentz poles.
        window_nm: (lo, hi) nm; becomes ``valid_nm``. The points inside are fitted, plus the
            nearest measured point beyond each edge, so a sparse table (Johnson & Christy:
            ~15 nm spacing) still constrains the model right up to the window's edges.
        name, source: stored on the returned model.
        is_metal: stored on the model (default: True when there is a Drude pole).
        lorentz_ev: bounds on Lorentz resonance energies, eV (physical poles keep Meep stable).
        gamma_max_ev: upper bound on every damping energy, eV.
        lossless: fix every Lorentz damping to 0 (transparent dielectrics).
        bands: bands for ``fit_error`` (default: the whole window).
        starts: number of random starting points (the best worst-band error wins).
        seed: random seed for the starts (fits are reproducible).
        minimax_iters: Lawson re-weighting iterations after the least-squares fit.

    Returns:
        The fitted MaterialModel with ``fit_error`` filled per band.
    """
    from scipy.optimize import least_squares

    wl = np.asarray(wavelength_nm, dtype=float)
    eps = np.asarray(eps_measured, dtype=complex)
    keep = _bracketed(wl, window_nm)
    if keep.sum() < 2 + n_drude * 2 + n_lorentz * 3:
        raise ValueError(f"{name}: {keep.sum()} data points in {window_nm} nm is too few for "
                         f"{n_drude} Drude + {n_lorentz} Lorentz poles")
    wl, eps = wl[keep], eps[keep]
    energy = nm_to_ev(wl)
    scale = np.abs(eps)

    layout = _Layout(n_drude, n_lorentz, lossless)

    def residual(params, weights):
        diff = (layout.eps(params, energy) - eps) / scale * weights
        return np.concatenate([diff.real, diff.imag])

    lo, hi = layout.bounds(lorentz_ev, gamma_max_ev)
    rng = np.random.default_rng(seed)
    best, best_err = None, math.inf
    ones = np.ones_like(energy)
    for start in range(starts):
        x0 = layout.initial(rng, lorentz_ev, energy, start)
        x0 = lo + (hi - lo) * np.clip((x0 - lo) / (hi - lo), 1e-6, 1.0 - 1e-6)
        try:
            sol = least_squares(residual, x0, bounds=(lo, hi), args=(ones,), x_scale="jac",
                                max_nfev=4000)
        except ValueError:  # a start where the model is singular; others remain
            continue
        params = _lawson(residual, sol.x, lo, hi, energy.size, minimax_iters)
        err = np.abs((layout.eps(params, energy) - eps) / scale).max()
        if err < best_err:
            best, best_err = params, err
    if best is None:
        raise ValueError(f"{name}: every start of the fit failed")
    model = MaterialModel(
        name=name, eps_inf=float(best[0]), poles=layout.poles(best),
        valid_nm=(float(window_nm[0]), float(window_nm[1])), source=source,
        is_metal=bool(n_drude) if is_metal is None else is_metal)
    bands = bands or (tuple(window_nm),)
    return _with_error(model, fit_error_by_band(model, wavelength_nm, eps_measured, bands))


def _bracketed(wl: np.ndarray, window_nm) -> np.ndarray:
    """Mask of the points inside the window plus the nearest one beyond each edge."""
    keep = (wl >= window_nm[0]) & (wl <= window_nm[1])
    below, above = np.flatnonzero(wl < window_nm[0]), np.flatnonzero(wl > window_nm[1])
    if below.size:
        keep[below[np.argmax(wl[below])]] = True
    if above.size:
        keep[above[np.argmin(wl[above])]] = True
    return keep


def _lawson(residual, x, lo, hi, n_points, iters):
    """Lawson's iteration: re-weight toward the worst points so the max error falls."""
    from scipy.optimize import least_squares

    weights = np.ones(n_points)
    best_x, best_err = x, _max_err(residual, x, n_points)
    for _ in range(iters):
        err = _point_err(residual, x, n_points)
        weights = weights * np.sqrt(err / err.max() + 1e-3)
        weights = weights / weights.mean()
        sol = least_squares(residual, x, bounds=(lo, hi), args=(weights,), x_scale="jac",
                            max_nfev=2000)
        x = sol.x
        e = _max_err(residual, x, n_points)
        if e < best_err:
            best_x, best_err = x, e
    return best_x


def _point_err(residual, x, n_points):
    r = residual(x, np.ones(n_points))
    return np.hypot(r[:n_points], r[n_points:])


def _max_err(residual, x, n_points):
    return _point_err(residual, x, n_points).max()


class _Layout:
    """Parameter vector ↔ poles: [ε∞, (E_p, Γ) per Drude, (E_n, Γ_n, σ_n) per Lorentz]."""

    def __init__(self, n_drude: int, n_lorentz: int, lossless: bool):
        self.n_drude, self.n_lorentz, self.lossless = n_drude, n_lorentz, lossless

    def poles(self, p) -> tuple[Pole, ...]:
        out, i = [], 1
        for _ in range(self.n_drude):
            out.append(Pole("drude", float(p[i]), float(p[i + 1]), 1.0))
            i += 2
        for _ in range(self.n_lorentz):
            gamma = 0.0 if self.lossless else float(p[i + 1])
            out.append(Pole("lorentz", float(p[i]), gamma, float(p[i + 2])))
            i += 3
        return tuple(sorted(out, key=lambda q: (q.kind != "drude", q.frequency_ev)))

    def eps(self, p, energy):
        return eps_drude_lorentz(MaterialModel("fit", float(p[0]), self.poles(p)), energy)

    def bounds(self, lorentz_ev, gamma_max_ev):
        lo, hi = [1.0], [30.0]
        for _ in range(self.n_drude):
            lo += [0.5, 0.0]
            hi += [30.0, gamma_max_ev]
        for _ in range(self.n_lorentz):
            lo += [lorentz_ev[0], 0.0, 0.0]
            hi += [lorentz_ev[1], 1e-12 if self.lossless else gamma_max_ev, 200.0]
        return np.array(lo), np.array(hi)

    def initial(self, rng, lorentz_ev, energy, start):
        x = [rng.uniform(1.0, 6.0)]
        for _ in range(self.n_drude):
            x += [rng.uniform(4.0, 12.0), rng.uniform(0.01, 0.3)]
        e_lo, e_hi = lorentz_ev
        for j in range(self.n_lorentz):
            # spread the resonances over the range, log-uniformly, different per start
            centre = math.exp(rng.uniform(math.log(e_lo), math.log(e_hi)))
            x += [centre, rng.uniform(0.05, 1.5), rng.uniform(0.05, 5.0)]
        return np.array(x)


def fit_error_by_band(model: MaterialModel, wavelength_nm, eps_measured,
                      bands) -> tuple[tuple[float, float, float], ...]:
    """Max |ε_model − ε_measured| / |ε_measured| over the measured points in each band.

    Args:
        model: the model to check.
        wavelength_nm, eps_measured: the measured table (nm, complex ε).
        bands: ((lo_nm, hi_nm), ...).

    Returns:
        ((lo_nm, hi_nm, max relative error), ...); NaN for a band with no measured point.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    eps = np.asarray(eps_measured, dtype=complex)
    rel = np.abs(model.eps(wl) - eps) / np.abs(eps)
    out = []
    for lo, hi in bands:
        keep = (wl >= lo) & (wl <= hi)
        out.append((float(lo), float(hi), float(rel[keep].max()) if keep.any() else math.nan))
    return tuple(out)


def _with_error(model: MaterialModel, fit_error) -> MaterialModel:
    import dataclasses

    return dataclasses.replace(model, fit_error=fit_error)


def sellmeier_poles(coefficients: tuple[float, ...]) -> tuple[float, tuple[Pole, ...]]:
    """Sellmeier n² = 1 + A + Σ B_i λ²/(λ² − C_i²) (λ, C_i in µm) as lossless Lorentz poles.

    Each term B λ²/(λ² − C²) equals B E_i²/(E_i² − E²) with E_i = hc/C_i, i.e. a Lorentz
    pole with σ = B and zero damping (refractiveindex.info "formula 1"; design/physics.md §3).

    Args:
        coefficients: (A, B_1, C_1, B_2, C_2, ...) as in refractiveindex.info formula 1.

    Returns:
        (ε∞ = 1 + A, poles).
    """
    a, rest = coefficients[0], coefficients[1:]
    poles = tuple(Pole("lorentz", float(HC_EV_NM / (c_um * 1000.0)), 0.0, float(b))
                  for b, c_um in zip(rest[0::2], rest[1::2]))
    return 1.0 + float(a), poles


# --- n, k fits that follow a band edge ---------------------------------------------------

@dataclass(frozen=True)
class NkTolerance:
    """How closely a model must follow the measured n, k at every measured wavelength.

    |Δn| <= dn and |Δk| <= max(dk_abs, dk_rel k) (issue 10: 0.02 in n; 0.005 or 10 % in k).
    """

    dn: float = 0.02
    dk_abs: float = 0.005
    dk_rel: float = 0.10

    def k_tolerance(self, k) -> np.ndarray:
        """The allowed |Δk| at measured extinction k."""
        return np.maximum(self.dk_abs, self.dk_rel * np.abs(np.asarray(k, dtype=float)))


NK_TOLERANCE = NkTolerance()


def nk_error_by_band(model: MaterialModel, wavelength_nm, n, k, bands,
                     tolerance: NkTolerance = NK_TOLERANCE):
    """Per band: (lo_nm, hi_nm, max |Δn|, max |Δk|, worst) against measured n, k.

    worst = max over the band's measured points of max(|Δn|/dn, |Δk|/max(dk_abs, dk_rel k)),
    so worst <= 1 means the tolerance holds at every measured wavelength of the band.
    NaNs for a band with no measured point.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    nk = np.sqrt(model.eps(wl))  # principal root: n > 0, k >= 0 for Im ε >= 0
    dn, dk = np.abs(nk.real - n), np.abs(nk.imag - k)
    ratio = np.maximum(dn / tolerance.dn, dk / tolerance.k_tolerance(k))
    out = []
    for lo, hi in bands:
        keep = (wl >= lo) & (wl <= hi)
        if not keep.any():
            out.append((float(lo), float(hi), math.nan, math.nan, math.nan))
            continue
        out.append((float(lo), float(hi), round(float(dn[keep].max()), 5),
                    round(float(dk[keep].max()), 5), round(float(ratio[keep].max()), 4)))
    return tuple(out)


@dataclass(frozen=True)
class EdgeComb:
    """The poles of a band-edge fit: a comb above the absorption edge, broad signed terms, UV.

    A Lorentzian's absorption tail falls only as Γ/ΔE² below its resonance (the Lorentz term
    of model.py, Meep docs "Materials", for |ΔE| >> Γ), so the loss a
    sum of positive poles leaks below the gap is set by the widths of the poles near the
    edge (Im ε ∝ Σ A_j Γ_j / ΔE_j², A_j the pole's absorption area). So:
    - the comb starts at ``edge_ev`` with narrow poles (width ``gamma0_ev``) that widen by
      ``slope`` per eV above the edge, ``spacing`` local widths apart, up to ``top_ev``;
    - ``broad_ev`` are resonances of width ``broad_gamma_ev`` whose strength may be negative:
      a broad negative term cancels the 1/ΔE² tails of the narrow ones below the gap (a
      narrow and a broad pole with equal σΓ leave an Im ε that falls as 1/ΔE⁴ and is >= 0
      everywhere). A single negative term is not a physical oscillator; the fit constrains
      the sum to be passive, Im ε(E) >= 0 at every energy, which is what Meep needs;
    - ``uv_ev`` are lossless poles (Sellmeier terms) for the index background.
    """

    edge_ev: float
    top_ev: float
    gamma0_ev: float
    slope: float
    spacing: float
    uv_ev: tuple[float, ...] = (4.5, 6.0)
    broad_ev: tuple[float, ...] = ()
    broad_gamma_ev: float = 0.3

    def poles(self) -> list[tuple[float, float, bool]]:
        """[(resonance eV, width eV, strength may be negative), ...]."""
        out, energy = [], self.edge_ev
        while energy < self.top_ev:
            gamma = self.gamma0_ev + self.slope * (energy - self.edge_ev)
            out.append((energy, gamma, False))
            energy += self.spacing * gamma
        return (out + [(e, self.broad_gamma_ev, True) for e in self.broad_ev]
                + [(e, 0.0, False) for e in self.uv_ev])


#: Energies (eV) where a fitted model must be passive, Im ε >= 0 (0.01-30 eV, ~1 meV apart
#: near the band edges, finer than the narrowest fitted width).
PASSIVITY_EV = np.geomspace(0.01, 30.0, 24000)


def fit_nk_edge(wavelength_nm, n, k, window_nm: tuple[float, float], comb: EdgeComb, *,
                name: str = "fit", source: str = "",
                bands: tuple[tuple[float, float], ...] | None = None,
                tolerance: NkTolerance = NK_TOLERANCE,
                clear_k: float | None = None) -> MaterialModel:
    """Fit ε∞ + the comb's Lorentz poles to measured n, k through an absorption edge.

    The resonances and widths are the comb's; ε∞ and the strengths σ_j minimise the worst
    ratio of the n, k error to the tolerance over the measured points of the window, a
    linear program (scipy ``linprog``, HiGHS) in the first-order error of the complex index,
    Δn + iΔk = Δε / (2(n + ik)) (exact to first order; the stored ``nk_error`` is then
    computed exactly). Constraints: σ_j >= 0 for the comb and UV poles, ε∞ >= 1, and
    passivity Im ε >= 0 at every energy of ``PASSIVITY_EV`` (a passive medium is what
    Meep's update keeps stable; solvers.stability probes it on the grid).

    Args:
        wavelength_nm, n, k: the measured table.
        window_nm: (lo, hi) nm fitted (plus the nearest point beyond each edge); ``valid_nm``.
        comb: the poles (``EdgeComb``).
        name, source: stored on the model.
        bands: bands of ``fit_error`` and ``nk_error`` (default: the window).
        tolerance: the n, k tolerance the fit is scaled by.
        clear_k: where the measured k is below this, the fit holds the model's |Δk| to
            clear_k instead (transparent below the gap: the issue tolerance alone would let
            k = 0.005 stand where the crystal has 1e-5, an absorption length of ~10 µm).

    Raises:
        ValueError: the linear program fails, or the fitted model is not passive.
    """
    import dataclasses

    from scipy.optimize import linprog

    wl_all = np.asarray(wavelength_nm, dtype=float)
    n_all, k_all = np.asarray(n, dtype=float), np.asarray(k, dtype=float)
    keep = _bracketed(wl_all, window_nm)
    energy = nm_to_ev(wl_all[keep])
    index = n_all[keep] + 1j * k_all[keep]
    poles = comb.poles()

    def columns(e):
        return np.array([np.ones_like(e, dtype=complex)] + [
            e0**2 / (e0**2 - e**2 - 1j * e * g) for e0, g, _ in poles]).T

    per_index = columns(energy) / (2.0 * index)[:, None]  # d(n + ik) per unit parameter
    target = index**2 / (2.0 * index)
    tol_n = np.full(energy.size, tolerance.dn)
    tol_k = tolerance.k_tolerance(k_all[keep])
    if clear_k is not None:
        tol_k = np.where(k_all[keep] < clear_k, clear_k, tol_k)
    rows, rhs = [], []
    for part, tol, goal in ((per_index.real, tol_n, target.real),
                            (per_index.imag, tol_k, target.imag)):
        rows += [np.hstack([part, -tol[:, None]]), np.hstack([-part, -tol[:, None]])]
        rhs += [goal, -goal]
    passive = columns(_passivity_grid(poles, PASSIVITY_EV)).imag
    rows.append(np.hstack([-passive, np.zeros((passive.shape[0], 1))]))
    rhs.append(np.zeros(passive.shape[0]))
    cost = np.zeros(len(poles) + 2)
    cost[-1] = 1.0
    bounds = ([(1.0, 30.0)] + [((-1.0, 1.0) if signed else (0.0, None)) for *_, signed in poles]
              + [(0.0, None)])
    lp = linprog(cost, A_ub=np.vstack(rows), b_ub=np.concatenate(rhs), bounds=bounds,
                 method="highs")
    if lp.status != 0:
        raise ValueError(f"{name}: the linear program failed: {lp.message}")
    fitted = tuple(Pole("lorentz", float(e0), float(g), float(s))
                   for (e0, g, _), s in zip(poles, lp.x[1:-1]) if abs(s) > 1e-7)
    model = MaterialModel(name=name, eps_inf=float(lp.x[0]), poles=fitted,
                          valid_nm=(float(window_nm[0]), float(window_nm[1])), source=source)
    check = _passivity_grid(poles, np.geomspace(0.01, 30.0, 200000), per_pole=401)
    worst_loss = float(model.eps(HC_EV_NM / check).imag.min())
    if worst_loss < -1e-6:
        raise ValueError(f"{name}: fitted model is not passive (Im eps down to {worst_loss:.2g})")
    bands = bands or (tuple(window_nm),)
    return dataclasses.replace(
        model, fit_error=fit_error_by_band(model, wl_all, nk_to_eps(n_all, k_all), bands),
        nk_error=nk_error_by_band(model, wl_all, n_all, k_all, bands, tolerance))


def _passivity_grid(poles, base: np.ndarray, per_pole: int = 81) -> np.ndarray:
    """``base`` plus ``per_pole`` energies across ±5 widths of every lossy pole (eV)."""
    local = [e0 + g * np.linspace(-5.0, 5.0, per_pole) for e0, g, _ in poles if g > 0]
    grid = np.unique(np.concatenate([base, *local]))
    keep = grid > 0
    for e0, g, _ in poles:  # a lossless pole is singular at its resonance (Im ε = 0 there)
        if g == 0:
            keep &= np.abs(grid - e0) > 1e-9
    return grid[keep]
