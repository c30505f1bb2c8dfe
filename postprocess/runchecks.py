"""Can a run file be trusted? Its datasets' checksum, physical checks, and a crash-proof reader.

One place for the rules that decide whether a finished run is ``complete`` or ``suspect``
(``physical_problems``, used by the writer in ``solvers.output`` when a run ends and by every
reader), for the checksum of a file's datasets (``datasets_checksum``: written when a run
ends, verified before analysis) and for reading files that may be corrupted
(``check_files``: a child process reads them, so a corrupted file that crashes the HDF5
library, seen as a segfault in attribute iteration, costs one line, not the command).
Attributes are read by name only; numpy and h5py only (no meep).
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

#: R, T and every A may leave [0, 1] by this much before a run is suspect: coarse grids of a
#: convergence ladder give A_by_material down to -0.025 at 25 nm (measured, rods on Ag), and
#: the ladder test accepts [-0.05, 1.05] (tests/integration/test_converge_cli.py).
RANGE_TOL = 0.05
#: max |R + T + sum A_by_material - 1| above this makes a run suspect: twice what every study
#: the examples offer meets (0.05, tests/physics/test_stability_sweep.py), Poynting's theorem.
BALANCE_SUSPECT = 0.1
#: a run stopped by the time cap is suspect unless |E|^2 at its decay probe had fallen below
#: this fraction of its peak (a stated bound: the field left unrecorded is under 1 % of its
#: peak amplitude; the study's own decay_by is usually far smaller).
CAP_DECAY_OK = 1e-4
#: datasets up to this size go into the checksum; bigger ones (field maps) are only checked
#: for finite values and shape, so a huge file is not read twice when it is written.
CHECKSUM_MAX_BYTES = 64 << 20
#: root attributes read by name (never by iterating: a corrupted attribute heap crashed h5py)
ROOT_ATTRS = ("status", "message", "spec_json", "run_kind", "variant", "resolution_nm",
              "hotlase_version", "meep_version", "git_commit", "created_utc", "mpi_processes",
              "symmetries", "courant", "wall_time_s", "stepping_time_s", "stop_reason", "decay_ratio",
              "checksum_sha256", "checksum_datasets", "failure")
USABLE = ("complete", "suspect")


def read_attr(obj, key: str, default=None):
    """One attribute by name, decoded (bytes -> str, numpy scalar -> Python)."""
    if key not in obj.attrs:
        return default
    value = obj.attrs[key]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_root_attrs(f) -> dict:
    """The documented root attributes present in an open run file, by name."""
    return {k: read_attr(f, k) for k in ROOT_ATTRS if k in f.attrs}


# -- checksum ----------------------------------------------------------------------------------
def checksummed_datasets(f) -> list[str]:
    """Names of the datasets the checksum covers: all of at most CHECKSUM_MAX_BYTES, sorted."""
    import h5py

    names: list[str] = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset)
                 and o.size * o.dtype.itemsize <= CHECKSUM_MAX_BYTES else None)
    return sorted(names)


def datasets_checksum(f, names: list[str]) -> str:
    """SHA-256 over name, dtype, shape and bytes of each listed dataset, in the given order.

    Raises:
        KeyError: a listed dataset is missing.
    """
    h = hashlib.sha256()
    for name in names:
        ds = f[name]
        data = np.ascontiguousarray(ds[()])
        h.update(f"{name}|{data.dtype.str}|{data.shape}|".encode())
        h.update(data.tobytes())
    return h.hexdigest()


def checksum_problem(f) -> str:
    """Why the file's datasets do not match its stored checksum ("" when they match or when the
    file predates checksums: ``checksum_note`` says which)."""
    stored = read_attr(f, "checksum_sha256")
    if not stored:
        return ""
    try:
        names = json.loads(read_attr(f, "checksum_datasets", "[]"))
        got = datasets_checksum(f, names)
    except KeyError as err:
        return f"a checksummed dataset is missing ({err})"
    except (ValueError, TypeError) as err:
        return f"checksum_datasets is not a JSON list ({err})"
    return "" if got == stored else (f"datasets fail the checksum (sha256 {got[:12]}... != "
                                     f"stored {str(stored)[:12]}...): changed after the run")


# -- physical checks ---------------------------------------------------------------------------
@dataclass
class Problems:
    """What is wrong with a run's results.

    Attributes:
        hard: never analysable (non-finite numbers, wrong lengths or shapes, missing data).
        soft: analysable but not trustworthy (outside [0, 1], energy balance, time cap): such
            a run is ``suspect``.
    """

    hard: list[str] = field(default_factory=list)
    soft: list[str] = field(default_factory=list)


def _finite(p: Problems, name: str, a: np.ndarray) -> bool:
    bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
    if bad:
        p.hard.append(f"{name} holds {bad} NaN/Inf value(s)")
    return not bad


def _range(p: Problems, name: str, a: np.ndarray) -> None:
    lo, hi = float(np.min(a)), float(np.max(a))
    if lo < -RANGE_TOL or hi > 1 + RANGE_TOL:
        p.soft.append(f"{name} spans [{lo:.3g}, {hi:.3g}], outside [0, 1] by more than {RANGE_TOL}")


def physical_problems(f, kind: str, deep: bool = True) -> Problems:
    """Physical checks of an open run file's ``kind`` group (docs/runfile.md, "Checks").

    spectrum: finite, R/T/A/A_by_material as long as ``wavelength_nm`` and within [0, 1] up
    to RANGE_TOL, energy balance (recomputed from the datasets) within BALANCE_SUSPECT;
    modes, emitter, lasing: finite and equal lengths; fields: E, H, eps finite and shaped like their
    coordinates (only with ``deep``: it reads every field map). A run stopped by the time cap
    (root ``stop_reason``) instead of field decay is suspect.
    """
    p = Problems()
    if kind not in f:
        p.hard.append(f"group {kind!r} missing")
        return p
    g = f[kind]
    if kind == "spectrum":
        _spectrum(p, g)
    elif kind in ("modes", "emitter", "lasing"):
        names = {"modes": ("wavelength_nm", "Q", "amplitude", "error"),
                 "emitter": ("wavelength_nm", "ldos", "ldos_bulk"),
                 "lasing": ("pump_rate_per_s", "output_power", "steady")}[kind]
        arrays = {}
        for n in names:
            if n not in g:
                p.hard.append(f"{kind}/{n} missing")
                continue
            arrays[n] = g[n][()]
            _finite(p, f"{kind}/{n}", arrays[n])
        if len({len(a) for a in arrays.values()}) > 1:
            p.hard.append(f"{kind}: lengths differ (" + ", ".join(
                f"{n} {len(a)}" for n, a in arrays.items()) + ")")
    elif kind == "fields" and deep:
        for tag in g:
            _field_tag(p, g[tag], f"fields/{tag}")
    ratio = read_attr(f, "decay_ratio", math.inf)
    if read_attr(f, "stop_reason") == "time cap" and not ratio <= CAP_DECAY_OK:
        p.soft.append(f"stopped by the time cap (simulation.max_time_fs) with |E|^2 at the decay "
                      f"probe still {ratio:.2g} of its peak (> {CAP_DECAY_OK:g}): raise max_time_fs")
    return p


def _spectrum(p: Problems, g) -> None:
    need = ("wavelength_nm", "R", "T", "A")
    missing = [n for n in need if n not in g]
    if missing:
        p.hard.append("spectrum/" + ", ".join(missing) + " missing")
        return
    arrays = {n: np.asarray(g[n][()], float) for n in need}
    by = g["A_by_material"] if "A_by_material" in g else {}
    arrays.update({f"A_by_material/{k}": np.asarray(by[k][()], float) for k in by})
    n = len(arrays["wavelength_nm"])
    wrong = [f"{k} {len(a)}" for k, a in arrays.items() if a.ndim != 1 or len(a) != n]
    if wrong or n == 0:
        p.hard.append(f"spectrum: {n} wavelengths but " + (", ".join(wrong) or "no data"))
        return
    if not all([_finite(p, f"spectrum/{k}", a) for k, a in arrays.items()]):
        return
    for k, a in arrays.items():
        if k != "wavelength_nm" and k != "A":  # A = 1 - R - T is negative where R + T > 1
            _range(p, k, a)
    total = arrays["R"] + arrays["T"] + sum(
        (a for k, a in arrays.items() if k.startswith("A_by_material/")), np.zeros(n))
    err = float(np.max(np.abs(total - 1.0)))
    if by and err > BALANCE_SUSPECT:
        p.soft.append(f"energy balance max |R + T + sum A - 1| = {err:.3g} > {BALANCE_SUSPECT}")


def _field_tag(p: Problems, g, name: str) -> None:
    coords = [len(g[c]) for c in ("x_nm", "y_nm", "z_nm") if c in g]
    if len(coords) != 3:
        p.hard.append(f"{name}: coordinates missing")
        return
    for n in ("E", "H", "eps"):
        if n not in g:
            if n != "H":
                p.hard.append(f"{name}/{n} missing")
            continue
        ds = g[n]
        want = tuple(coords) if n == "eps" else (3, *coords)
        if tuple(ds.shape) != want:
            p.hard.append(f"{name}/{n} has shape {ds.shape}, coordinates give {want}")
            continue
        bad = 0
        step = max(1, (1 << 22) // max(1, int(np.prod(want[:-1]))))
        for k in range(0, want[-1], step):  # z-slabs: bounded memory
            a = ds[..., k:k + step]
            bad += int(a.size - np.count_nonzero(np.isfinite(a)))
        if bad:
            p.hard.append(f"{name}/{n} holds {bad} NaN/Inf value(s)")


# -- one file, in this process -----------------------------------------------------------------
@dataclass
class FileCheck:
    """What a reader may do with one run file.

    Attributes:
        path: the file.
        status: its ``status`` attribute ("" if unreadable).
        problem: why it must not be analysed ("" when it may be).
        suspect: why its results are not trustworthy (empty when they are).
        variant, kind, spec_json, resolution_nm: its attributes ("" / nan when absent).
        checksum: "verified", "absent" (a file written before checksums) or "failed".
    """

    path: str
    status: str = ""
    problem: str = ""
    suspect: list[str] = field(default_factory=list)
    variant: str = ""
    kind: str = ""
    spec_json: str = ""
    resolution_nm: float = math.nan
    checksum: str = "absent"

    @property
    def usable(self) -> bool:
        return not self.problem


def check_file(path: str | Path, deep: bool = True) -> FileCheck:
    """Read one run file (by attribute name) and run every check on it, in this process."""
    import h5py

    out = FileCheck(str(path))
    try:
        with h5py.File(path, "r") as f:
            a = read_root_attrs(f)
            out.status = str(a.get("status", ""))
            out.variant, out.kind = str(a.get("variant", "")), str(a.get("run_kind", ""))
            out.spec_json = str(a.get("spec_json", ""))
            try:
                out.resolution_nm = float(a.get("resolution_nm", math.nan))
            except (TypeError, ValueError):
                pass
            missing = [k for k in ("status", "spec_json", "run_kind", "variant") if k not in a]
            if missing:
                out.problem = f"root attribute(s) {', '.join(missing)} missing (docs/runfile.md)"
                return out
            if Path(path).stem != f"{out.variant}_{out.kind}":
                out.problem = (f"its attributes say variant {out.variant!r}, run_kind "
                               f"{out.kind!r} ({out.variant}_{out.kind}.h5), not its file name")
                return out
            if out.status not in USABLE:
                why = a.get("message") or "no message"
                out.problem = (f"status = {out.status!r} ({why}); only runs with status "
                               "'complete' (or 'suspect') can be analysed; re-run it")
                return out
            bad = checksum_problem(f)
            out.checksum = "failed" if bad else ("verified" if a.get("checksum_sha256") else "absent")
            probs = physical_problems(f, out.kind, deep=deep)
            if deep:  # every attribute of every group, as the analysis will read them
                f.visititems(lambda n, o: dict(o.attrs.items()) and None)
            why = probs.hard + ([("marked complete but " if out.status == "complete" else "")
                                 + "; ".join(probs.soft)] if probs.soft and (
                                     out.status == "complete" or bad) else []) + [bad]
            out.problem = "; ".join(w for w in why if w)
            if not out.problem and out.status == "suspect":
                out.suspect = [str(a.get("message") or "; ".join(probs.soft) or "suspect")]
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as err:
        out.problem = f"not a readable HDF5 run file ({type(err).__name__}: {err})"
    return out


# -- many files, in a child process ------------------------------------------------------------
#: a file whose check gives no answer in this time (plus SECONDS_PER_GB of its size) is named as
#: hanging: a corrupted B-tree sent HDF5 into an endless loop (seen with flipped bytes)
HANG_S = 20.0
SECONDS_PER_GB = 60.0
STARTUP_S = 60.0  # the child's start (imports) on a loaded machine, added to the first file


def check_files(paths, deep: bool = True) -> dict[Path, FileCheck]:
    """``check_file`` of each path in a child process; a file that crashes the child (the
    HDF5 library can segfault on corrupted metadata) or gives no answer in time (HANG_S +
    SECONDS_PER_GB per GB) gets a problem naming that, and the rest are checked by a new
    child."""
    todo = [str(p) for p in paths]
    out: dict[Path, FileCheck] = {}
    while todo:
        cmd = [sys.executable, "-m", "hotlase.postprocess.runchecks", *(["--deep"] if deep else []),
               *todo]
        lines, why = _answers(cmd, todo)
        for line in lines:
            try:
                fc = FileCheck(**json.loads(line))
            except (ValueError, TypeError):
                continue
            out[Path(fc.path)] = fc
        todo = [p for p in todo if Path(p) not in out]
        if todo and not why:  # the child ended without a word on these: do not loop
            for p in todo:
                out[Path(p)] = FileCheck(p, problem="the checker gave no answer for this file")
            break
        if todo:  # the first unanswered file is the one the child died or hung on
            out[Path(todo[0])] = FileCheck(todo[0], problem=(
                f"corrupted: reading it {why}"))
            todo = todo[1:]
    return out


def _answers(cmd: list[str], todo: list[str]) -> tuple[list[str], str]:
    """Run the child; its JSON lines, and "" or how it ended early (a crash, a hang)."""
    import queue
    import threading

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    q: queue.Queue = queue.Queue()

    def pump() -> None:  # the child's lines, then None at its end
        assert proc.stdout is not None  # stdout=PIPE
        for x in proc.stdout:
            q.put(x)
        q.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    lines: list[str] = []
    for i, path in enumerate(todo):
        try:
            limit = HANG_S + SECONDS_PER_GB * Path(path).stat().st_size / 1e9
        except OSError:
            limit = HANG_S
        try:
            line = q.get(timeout=limit + (STARTUP_S if i == 0 else 0.0))
        except queue.Empty:
            proc.kill()
            proc.wait()
            return lines, f"hung the HDF5 library (no answer in {limit:.0f} s)"
        if line is None:
            break
        lines.append(line)
    rc = proc.wait()
    if len(lines) == len(todo):
        return lines, ""
    return lines, (f"crashed the HDF5 library (signal {-rc})" if rc < 0
                   else f"stopped the checker (exit {rc})")


def main(argv: list[str] | None = None) -> int:
    """Child process: one JSON line per file, flushed as soon as it is checked."""
    args = list(sys.argv[1:] if argv is None else argv)
    deep = "--deep" in args
    for p in (a for a in args if a != "--deep"):
        print(json.dumps(asdict(check_file(p, deep=deep))), flush=True)
    return 0


# -- a directory of runs: the same study everywhere, names that match --------------------------
def study_key(spec_json: str) -> str:
    """Content hash of the tables of a stored study that every run kind is made from
    (``geometry.runkinds.shared_tables``: a passive run and a lasing run of one study agree
    on them whatever [gain] each was made for; ``geometry.study.physics_hash``)."""
    from hotlase.geometry.runkinds import shared_tables
    from hotlase.geometry.study import physics_hash, study_from_dict

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return physics_hash(study_from_dict(json.loads(spec_json)), tables=shared_tables())


def directory_problems(checks: dict[Path, FileCheck], majority: bool = True) -> dict[Path, str]:
    """Why files of one run directory disagree with it (``check_file`` has already compared
    attributes with the file name): a resolution other than its study's and, with
    ``majority`` (the directory's study is not known), a main study other than the one most
    main files carry, a no-metal study that is not ``geometry.twin.without_metal`` of that
    main study (compared on ``study_key``)."""
    from hotlase.geometry.runkinds import shared_tables
    from hotlase.geometry.study import physics_hash, study_from_dict
    from hotlase.geometry.twin import without_metal

    import warnings

    out: dict[Path, str] = {}
    keys: dict[Path, str] = {}
    for path, c in checks.items():
        if not c.usable:
            continue
        try:
            keys[path] = study_key(c.spec_json)
            res = json.loads(c.spec_json)["simulation"]["resolution_nm"]
        except Exception as err:  # noqa: BLE001 - any bad study is this file's problem
            out[path] = f"its study (spec_json) does not load ({type(err).__name__}: {err})"
            continue
        if not math.isclose(float(res), c.resolution_nm, rel_tol=1e-9):
            out[path] = (f"attribute resolution_nm = {c.resolution_nm:g} but its study says "
                         f"{float(res):g}")
    if not majority:
        return out
    mains = [p for p in keys if p not in out and checks[p].variant == "main"]
    twins = [p for p in keys if p not in out and checks[p].variant == "no_metal"]
    main_key = _majority([keys[p] for p in mains])
    for p in mains:
        if not main_key:
            out[p] = (f"the main runs carry {len({keys[q] for q in mains})} studies in equal "
                      f"numbers (this one {keys[p]}): which is the directory's cannot be told")
        elif keys[p] != main_key:
            out[p] = (f"its study ({keys[p]}) differs from the main study of the rest of the "
                      f"directory ({main_key})")
    if main_key:
        spec = next(checks[p].spec_json for p in mains if keys[p] == main_key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            twin_key = physics_hash(without_metal(study_from_dict(json.loads(spec))),
                                    tables=shared_tables())
        why = f"is not the no-metal twin of the main study ({main_key}; twin {twin_key})"
    elif mains:
        twin_key, why = "", "cannot be matched: the main studies disagree"
    else:
        twin_key = _majority([keys[p] for p in twins])
        why = (f"differs from the no-metal study of the rest of the directory ({twin_key})"
               if twin_key else "ties with another no-metal study in this directory")
    for p in twins:
        if not twin_key or keys[p] != twin_key:
            out[p] = f"its study ({keys[p]}) {why}"
    return out


def _majority(values: list[str]) -> str:
    """The most common value; "" for none, or when two are equally common."""
    top = Counter(values).most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return ""
    return top[0][0]


if __name__ == "__main__":
    sys.exit(main())
