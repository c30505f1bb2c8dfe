"""Read run files (docs/runfile.md): attributes, the study, and bounded-memory field slabs.

A ``Run`` holds only the path, the root attributes and the study; every dataset is read on
demand from a freshly opened file, so nothing large stays in memory. Field datasets
(3, nx, ny, nz) are walked in z-slabs (``iter_field_slabs``) so a 1e8-voxel field is
processed with a few hundred MB, whatever its size. No meep here (docs/architecture.md).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import h5py
import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.runkinds import default_run_kind_names
from hotlase.geometry.settings import RUN_KINDS
from hotlase.geometry.study import StudySpec, study_from_dict
from hotlase.postprocess.runchecks import USABLE, read_root_attrs

VARIANTS = ("main", "no_metal")
#: Voxels per z-slab: E (complex128, 3 components) of one slab is 48 B/voxel * this = 96 MB.
DEFAULT_SLAB_VOXELS = 2_000_000
_JSON_ATTRS = ("symmetries", "materials", "metal_materials")


class RunFileError(ValueError):
    """A run file that cannot be analysed; the message names the file and the reason."""


@dataclass(frozen=True)
class Run:
    """One run file, opened lazily.

    Attributes:
        path: the ``.h5`` file.
        attrs: root attributes (JSON-list attributes decoded), read-only.
        study: the validated study of this variant (from ``spec_json``).
    """

    path: Path
    attrs: Mapping[str, Any]
    study: StudySpec

    @property
    def variant(self) -> str:
        """``main`` or ``no_metal``."""
        return str(self.attrs["variant"])

    @property
    def kind(self) -> str:
        """``spectrum``, ``modes``, ``fields`` or ``emitter``."""
        return str(self.attrs["run_kind"])

    @property
    def resolution_nm(self) -> float:
        """Grid spacing (nm)."""
        return float(self.attrs["resolution_nm"])

    def open(self) -> h5py.File:
        """The HDF5 file, read-only (use as a context manager)."""
        return h5py.File(self.path, "r")

    def has(self, name: str) -> bool:
        """True if the group or dataset ``name`` exists in the file."""
        with self.open() as f:
            return name in f

    def read(self, name: str) -> np.ndarray:
        """Read one (small) dataset whole, e.g. ``spectrum/R``."""
        with self.open() as f:
            if name not in f:
                raise RunFileError(f"{self.path}: no dataset {name!r} (run kind {self.kind!r})")
            return f[name][()]

    def group_attrs(self, name: str) -> dict[str, Any]:
        """Decoded attributes of a group or dataset."""
        with self.open() as f:
            return _decode_attrs(f[name].attrs)

    def field_tags(self) -> tuple[str, ...]:
        """Tags under ``fields/`` (``pump``, ``emission``, ``mode_0``, ...), empty if none."""
        with self.open() as f:
            return tuple(f["fields"].keys()) if "fields" in f else ()


@dataclass(frozen=True)
class FieldGrid:
    """Everything about ``fields/<tag>`` except the big arrays.

    Attributes:
        tag: the tag name.
        wavelength_nm: vacuum wavelength of the DFT fields (nm).
        intensity_w_m2: plane-wave intensity the fields are scaled to (W/m^2).
        incident_field_v_m: |E0| of that plane wave in the superstrate (V/m).
        materials: material names indexed by ``material_id``.
        metal_materials: the names among them that are metals.
        voxel_volume_nm3: voxel volume (nm^3; area x 1 nm in 2D runs).
        x_nm, y_nm, z_nm: voxel centres (nm); z = 0 at the metal (or substrate) top.
        has_h: the tag stores H as well as E.
        window: (x slice, y slice) of the stored arrays that these coordinates cover: one
            period of a periodic cell (Meep's maps can carry periodic images at the edges,
            which would count those voxels twice); the whole axis otherwise.
        stored_shape: (nx, ny, nz) as stored, before the window.
    """

    tag: str
    wavelength_nm: float
    intensity_w_m2: float
    incident_field_v_m: float
    materials: tuple[str, ...]
    metal_materials: tuple[str, ...]
    voxel_volume_nm3: float
    x_nm: np.ndarray = field(repr=False)
    y_nm: np.ndarray = field(repr=False)
    z_nm: np.ndarray = field(repr=False)
    has_h: bool = False
    window: tuple[slice, slice] = (slice(None), slice(None))
    stored_shape: tuple[int, int, int] = (0, 0, 0)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(nx, ny, nz)."""
        return (len(self.x_nm), len(self.y_nm), len(self.z_nm))

    @property
    def voxel_volume_m3(self) -> float:
        """Voxel volume in m^3."""
        return self.voxel_volume_nm3 * 1e-27

    @property
    def spacing_nm(self) -> tuple[float, float, float]:
        """Grid spacing (dx, dy, dz) in nm; a collapsed axis (n = 1) gets 1 nm (per unit length)."""
        dx, dy, dz = (float(np.mean(np.diff(c))) if len(c) > 1 else 1.0
                      for c in (self.x_nm, self.y_nm, self.z_nm))
        return dx, dy, dz

    def metal_ids(self) -> tuple[int, ...]:
        """material_id values that are metals."""
        return tuple(i for i, n in enumerate(self.materials) if n in self.metal_materials)


@dataclass(frozen=True)
class Slab:
    """A z-slab of a field tag: planes ``k0:k1`` plus up to ``halo`` planes either side.

    Attributes:
        k0, k1: the slab's own planes (global z indices, k1 exclusive).
        lo, hi: global z range actually read (``lo <= k0``, ``hi >= k1``; the halo).
        data: {dataset name: array over z range lo:hi}; E and H are (3, nx, ny, hi - lo).
    """

    k0: int
    k1: int
    lo: int
    hi: int
    data: dict[str, np.ndarray]

    def own(self, name: str) -> np.ndarray:
        """The dataset restricted to the slab's own planes (halo dropped)."""
        a = self.data[name]
        return a[..., self.k0 - self.lo: self.k1 - self.lo]


def read_run(path: str | Path) -> Run:
    """Open a run file and check it can be analysed (root attributes read by name only).

    Use ``postprocess.runchecks.check_files`` first on files that may be corrupted: it reads
    them in a child process (checksum, physical checks) so that a crash costs one line.

    Raises:
        FileNotFoundError: no such file.
        RunFileError: not a run file, or its ``status`` is neither ``complete`` nor ``suspect``
            (the message says the status and the run's own failure message).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"run file {path} does not exist")
    try:
        with h5py.File(path, "r") as f:
            attrs = read_root_attrs(f)
    except (OSError, KeyError, ValueError) as err:
        raise RunFileError(f"{path}: not a readable HDF5 run file ({err})") from None
    for key in _JSON_ATTRS:
        if isinstance(attrs.get(key), str):
            try:
                attrs[key] = json.loads(attrs[key])
            except ValueError:
                raise RunFileError(f"{path}: attribute {key!r} is not JSON") from None
    for key in ("status", "spec_json", "run_kind", "variant"):
        if key not in attrs:
            raise RunFileError(f"{path}: root attribute {key!r} missing (docs/runfile.md)")
    if attrs["status"] not in USABLE:
        why = attrs.get("message") or "no message"
        raise RunFileError(f"{path}: status = {attrs['status']!r} ({why}); only runs with "
                           f"status 'complete' (or 'suspect') can be analysed; re-run it")
    try:
        with warnings.catch_warnings():  # accuracy warnings were shown when the run was made
            warnings.simplefilter("ignore")
            study = study_from_dict(json.loads(attrs["spec_json"]))
    except Exception as err:  # noqa: BLE001 - a damaged study is this file's problem
        raise RunFileError(f"{path}: its study (spec_json) does not load "
                           f"({type(err).__name__}: {err})") from None
    return Run(path=path, attrs=MappingProxyType(attrs), study=study)


def expected_runs(study: StudySpec) -> list[tuple[str, str]]:
    """(variant, kind) of every run file ``hotlase run`` makes for this (main) study: its run
    kinds, for ``main`` and, when it compares with no metal and has metal, ``no_metal``."""
    from hotlase.geometry.twin import has_metal

    variants = ["main"] + (["no_metal"] if study.compare_no_metal and has_metal(study) else [])
    kinds = study.run_kinds
    assert kinds is not None  # StudySpec resolves None to the structure's kinds
    return [(v, k) for v in variants for k in kinds]


def find_runs(directory: str | Path) -> dict[tuple[str, str], Path]:
    """{(variant, kind): path} of every ``DIR/runs/<variant>_<kind>.h5`` (temp files skipped)."""
    out: dict[tuple[str, str], Path] = {}
    runs = Path(directory) / "runs"
    for path in sorted(runs.glob("*.h5")):
        variant, _, kind = path.stem.rpartition("_")
        if variant in VARIANTS and kind in RUN_KINDS:
            out[(variant, kind)] = path
    return out


@dataclass
class RunDirectory:
    """The run files of one directory, checked (``load_directory``).

    Attributes:
        runs: {(variant, kind): Run} of the files that may be analysed.
        refused: {file name: reason} of files present that must not be.
        suspect: {file name: reason} of analysed files whose results fail a physical check.
        missing: ``<variant>_<kind>`` of the runs the study asks for that have no file.
        unverified: names of analysed files written before checksums (nothing to verify).
    """

    runs: dict[tuple[str, str], Run] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    suspect: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        """``complete``, ``suspect`` (all there, some suspect) or ``incomplete``."""
        if self.missing or self.refused or not self.runs:
            return "incomplete"
        return "suspect" if self.suspect else "complete"


def directory_study(directory: str | Path) -> tuple[StudySpec | None, str]:
    """(the study ``hotlase run`` recorded in ``DIR/runs/study.json``, where it was read), or
    (None, "") for a directory written before the study was recorded there."""
    path = Path(directory) / "runs" / "study.json"
    try:
        spec = json.loads(path.read_text()).get("spec_json")
    except (OSError, ValueError, AttributeError):
        return None, ""
    if not isinstance(spec, str):
        return None, ""
    with warnings.catch_warnings():  # shown when the study was run
        warnings.simplefilter("ignore")
        try:
            return study_from_dict(json.loads(spec)), str(path)
        except Exception as err:  # noqa: BLE001 - a damaged record is reported, not analysed
            raise RunFileError(f"{path}: its study (spec_json) does not load "
                               f"({type(err).__name__}: {err})") from None


def load_directory(directory: str | Path, deep: bool = True,
                   study: StudySpec | None = None) -> RunDirectory:
    """Check every ``DIR/runs/<variant>_<kind>.h5`` (``runchecks.check_files``, in a child
    process, and ``runchecks.directory_problems``) and open those that may be analysed.

    ``study`` (default: the directory's own, ``directory_study``) is the study analysed: a
    file is accepted when its run identity agrees with it (the tables of its kind,
    ``geometry.study.spec_differences``), and its ``Run.study`` is then that study (its
    no-metal twin for ``no_metal`` files), so the analysis-only tables ([gain], [analysis])
    are the directory's even when the run file was made for another sweep point."""
    from hotlase.geometry.study import spec_differences, study_json
    from hotlase.geometry.twin import without_metal
    from hotlase.postprocess.runchecks import check_files, directory_problems

    if study is None:
        study = directory_study(directory)[0]

    found = find_runs(directory)
    checks = check_files(found.values(), deep=deep)
    disagree = directory_problems(checks, majority=study is None)
    out = RunDirectory()
    for key, path in sorted(found.items()):
        c = checks[path]
        reason = c.problem or disagree.get(path, "")
        if not reason:
            try:
                out.runs[key] = read_run(path)
            except (RunFileError, OSError) as err:
                reason = str(err).removeprefix(f"{path}: ")
        if not reason and study is not None:
            want = study if key[0] == "main" else without_metal(study)
            diff = spec_differences(study_json(out.runs[key].study), want, kind=key[1])
            if diff:
                reason = ("made from another study than the one analysed (the tables of "
                          f"{key[1]} runs differ: {'; '.join(diff)})")
                del out.runs[key]
            else:
                out.runs[key] = replace(out.runs[key], study=want)
        if reason:
            out.refused[path.name] = reason
            continue
        if c.suspect:
            out.suspect[path.name] = "; ".join(c.suspect)
        if c.checksum == "absent":
            out.unverified.append(path.name)
    main = study or next((r.study for (v, _), r in out.runs.items() if v == "main"), None)
    if main is not None:
        expected = expected_runs(main)
    else:  # only twin files: the twin's run kinds, for both variants
        kinds = sorted({k for _, k in found} | {k for r in out.runs.values()
                                                for k in r.study.run_kinds or ()}) \
            or default_run_kind_names()
        expected = [(v, k) for v in VARIANTS for k in kinds]
    out.missing = [f"{v}_{k}" for v, k in expected if (v, k) not in found]
    return out


def field_grid(run: Run, tag: str) -> FieldGrid:
    """The metadata and coordinates of ``fields/<tag>``."""
    with run.open() as f:
        name = f"fields/{tag}"
        if name not in f:
            raise RunFileError(f"{run.path}: no group {name!r}; tags present: "
                               f"{list(f['fields']) if 'fields' in f else []}")
        g = f[name]
        a = _decode_attrs(g.attrs)
        x, y, z = (g[c][()].astype(float) for c in ("x_nm", "y_nm", "z_nm"))
        has_h = "H" in g
    layout = build(run.study.structure)
    sx, sy = _period_window(x, layout.cell_xy_nm[0], layout.periodic[0]), _period_window(
        y, layout.cell_xy_nm[1], layout.periodic[1])
    return FieldGrid(
        tag=tag,
        wavelength_nm=float(a["wavelength_nm"]),
        intensity_w_m2=float(a["intensity_w_m2"]),
        incident_field_v_m=float(a["incident_field_v_m"]),
        materials=tuple(a["materials"]),
        metal_materials=tuple(a.get("metal_materials", ())),
        voxel_volume_nm3=float(a["voxel_volume_nm3"]),
        x_nm=x[sx], y_nm=y[sy], z_nm=z,
        has_h=has_h,
        window=(sx, sy),
        stored_shape=(len(x), len(y), len(z)),
    )


def _period_window(coord: np.ndarray, period_nm: float, periodic: bool) -> slice:
    """The contiguous index range of ``coord`` covering one period [-P/2, P/2) exactly once.

    Voxel centres outside that window are periodic images of centres inside it (Meep's
    interpolated DFT arrays include the cell edges on both sides). Non-periodic axes, and
    grids that do not span a whole period, are kept whole.
    """
    n = len(coord)
    if not periodic or period_nm <= 0 or n < 2:
        return slice(None)
    d = float(np.mean(np.diff(coord)))
    tol = 1e-6 * d
    inside = np.nonzero((coord >= -period_nm / 2 - tol) & (coord < period_nm / 2 - tol))[0]
    if inside.size == 0 or inside.size == n:
        return slice(None)
    i0, i1 = int(inside[0]), int(inside[-1]) + 1
    if abs((i1 - i0) * d - period_nm) > 0.5 * d:  # not one whole period: leave it alone
        return slice(None)
    return slice(i0, i1)


def iter_field_slabs(run: Run, tag: str, names: tuple[str, ...] = ("E", "eps", "material_id"),
                     halo: int = 0, slab_voxels: int = DEFAULT_SLAB_VOXELS) -> Iterator[Slab]:
    """Walk ``fields/<tag>`` in z-slabs of about ``slab_voxels`` voxels (bounded memory).

    Args:
        run: the run.
        tag: field tag.
        names: datasets to read (any of E, H, eps, material_id).
        halo: extra planes read on each side (for neighbour stencils), clipped at the ends.
        slab_voxels: target voxels per slab (at least one z-plane is always read).
    """
    grid = field_grid(run, tag)
    wx, wy = grid.window
    with run.open() as f:
        g = f[f"fields/{tag}"]
        nx, ny, nz = grid.shape
        nxy = nx * ny
        step = max(1, int(slab_voxels) // max(1, nxy))
        chunks = g["E"].chunks if "E" in g else None
        if chunks and chunks[-1] > 1:  # whole chunks per slab: each is decompressed once
            cz = chunks[-1]
            if step >= cz:
                step -= step % cz
            elif cz * nxy <= 4 * slab_voxels:
                step = cz
        for k0 in range(0, nz, step):
            k1 = min(nz, k0 + step)
            lo, hi = max(0, k0 - halo), min(nz, k1 + halo)
            data = {name: _read_window(g[name], wx, wy, lo, hi) for name in names}
            yield Slab(k0, k1, lo, hi, data)


def _read_window(ds, wx: slice, wy: slice, lo: int, hi: int) -> np.ndarray:
    """ds over the lateral window and z planes lo:hi; (3, ...) vector datasets keep axis 0."""
    return ds[:, wx, wy, lo:hi] if ds.ndim == 4 else ds[wx, wy, lo:hi]


@dataclass(frozen=True)
class Spectrum:
    """``spectrum/`` of a run: R, T, flux-box A and A by material on one wavelength grid.

    Attributes:
        wavelength_nm: vacuum wavelengths (nm), ascending.
        R, T, A: reflectance, transmittance, flux-box absorptance (1).
        A_by_material: {material name: volume-integral absorptance (1)}.
        energy_balance_max_error: max |R + T + sum A_by_material - 1| (the file's attribute).
    """

    wavelength_nm: np.ndarray
    R: np.ndarray
    T: np.ndarray
    A: np.ndarray
    A_by_material: dict[str, np.ndarray]
    energy_balance_max_error: float

    def nearest(self, wavelength_nm: float) -> int:
        """Index of the grid wavelength nearest to ``wavelength_nm``."""
        return int(np.argmin(np.abs(self.wavelength_nm - wavelength_nm)))


def read_spectrum(run: Run) -> Spectrum:
    """Read ``spectrum/`` (small 1D datasets) whole."""
    with run.open() as f:
        g = f["spectrum"]
        by = {k: g["A_by_material"][k][()].astype(float) for k in g.get("A_by_material", {})}
        return Spectrum(
            wavelength_nm=g["wavelength_nm"][()].astype(float),
            R=g["R"][()].astype(float), T=g["T"][()].astype(float), A=g["A"][()].astype(float),
            A_by_material=by,
            energy_balance_max_error=float(g.attrs.get("energy_balance_max_error", np.nan)))


def read_group_arrays(run: Run, group: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """All datasets of a small group (``modes``, ``emitter``) and its decoded attributes."""
    with run.open() as f:
        if group not in f:
            raise RunFileError(f"{run.path}: no group {group!r} (run kind {run.kind!r})")
        g = f[group]
        data = {k: g[k][()] for k in g if isinstance(g[k], h5py.Dataset)}
        return data, _decode_attrs(g.attrs)


def read_field_range(run: Run, tag: str, names: tuple[str, ...], lo: int,
                     hi: int) -> dict[str, np.ndarray]:
    """Datasets of ``fields/<tag>`` over z planes ``lo:hi`` only (lateral window applied)."""
    wx, wy = field_grid(run, tag).window
    with run.open() as f:
        g = f[f"fields/{tag}"]
        return {n: _read_window(g[n], wx, wy, lo, hi) for n in names}


def _decode_attrs(attrs) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, np.ndarray) and value.dtype.kind in "SO":
            value = [v.decode() if isinstance(v, bytes) else v for v in value.tolist()]
        elif isinstance(value, np.generic):
            value = value.item()
        if key in _JSON_ATTRS and isinstance(value, str):
            value = json.loads(value)
        out[key] = value
    return out
