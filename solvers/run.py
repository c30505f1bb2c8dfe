"""Run a study's Meep simulations: ``python -m hotlase.solvers.run STUDY.toml --out DIR``.

Runs under ``mpirun -np N`` unchanged (only rank 0 writes). For the study's structure
("main") and, when the study asks, its no-metal twin ("no_metal"), it makes the requested
run kinds in the order modes -> spectrum + fields (one pulse) -> emitter, each to
``DIR/runs/<variant>_<kind>.h5`` (docs/runfile.md), lasing last. ``--resume`` skips complete files
of the same run identity (``geometry.study.run_identity``); ``--cache CACHE`` takes complete runs
of the same identity from CACHE and puts the runs it makes there (``solvers.runcache``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from pathlib import Path

import meep as mp
import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.runkinds import CACHE_HELP, add_run_options, run_kinds
from hotlase.geometry.study import (StudySpec, check_study, load_study, run_identity,
                                    spec_differences, study_json)
from hotlase.geometry.twin import has_metal, without_metal
from hotlase.solvers.broadband import run_broadband
from hotlase.solvers.fields import field_targets
from hotlase.solvers import dirlock, runcache
from hotlase.solvers.collective import (abort, agree, comm, interrupt_signum, is_disk_full, raise_on_signals,
                                        watch_launcher)
from hotlase.solvers.diskspace import disk_full_message, run_bytes
from hotlase.solvers.output import RunWriter, fail_open_writers, read_status
from hotlase.solvers.progress import GROWTH_HINT, NAN_HINT, FieldGrowthError

_RUN = {"i": 0, "n": 0}  # run i of n in this command (geometry.estimate.run_plan), for the log
#: The run cache of this command (``--cache``) and the kinds it makes together (part of each
#: run's identity, ``geometry.study.run_identity``).
_CACHE: dict = {"dir": None, "together": ()}


def log(msg: str) -> None:
    """Print on rank 0 only, flushed (progress must show under mpirun)."""
    if mp.am_master():
        print(msg, flush=True)


def variants(study: StudySpec) -> list[tuple[str, StudySpec]]:
    """("main", study) and, when asked and there is metal, ("no_metal", its twin)."""
    out = [("main", study)]
    if study.compare_no_metal and has_metal(study):
        out.append(("no_metal", without_metal(study)))
    return out


def with_resolution(study: StudySpec, resolution_nm: float | None) -> StudySpec:
    """The study at another grid spacing, re-validated."""
    if resolution_nm is None:
        return study
    sim = dataclasses.replace(study.simulation, resolution_nm=resolution_nm)
    out = dataclasses.replace(study, simulation=sim)
    check_study(out)
    return out


def _writer(out: Path, variant: str, kind: str, study: StudySpec) -> RunWriter:
    return RunWriter(_run_path(out, variant, kind), study, kind, variant,
                     is_writer=mp.am_master(), meep_version=mp.__version__,
                     mpi_processes=mp.count_processors())


def _bcast(value):
    """Rank 0's value on every rank (decisions about files are taken by rank 0 alone)."""
    from mpi4py import MPI
    return MPI.COMM_WORLD.bcast(value, root=0)


def together(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds of this command that are made in one order and feed each other (every kind
    but the opt-in ones, which run alone): part of each run's identity."""
    registry = run_kinds()
    return tuple(sorted(k for k in kinds if not registry[k].opt_in))


def _run_path(out: Path, variant: str, kind: str) -> Path:
    """``DIR/runs/<variant>_<kind>.h5`` (docs/runfile.md)."""
    return out / "runs" / f"{variant}_{kind}.h5"


def _from_cache(out: Path, variant: str, kinds: tuple[str, ...], study: StudySpec,
                stale: dict[str, str]) -> bool:
    """Link the complete cached runs of ``kinds`` (all or none) into ``out/runs``; True when
    they are there now. A complete file of another study at that name is set aside first."""
    cache = _CACHE["dir"]
    if cache is None:
        return False
    ids = {k: run_identity(study, k, _CACHE["together"]) for k in kinds}
    got = False
    if mp.am_master():
        got = all(read_status(runcache.entry(cache, variant, k, ids[k])) == "complete"
                  and not _unsplit(runcache.entry(cache, variant, k, ids[k]), study, k)
                  for k in kinds)
        for k in kinds if got else ():
            if k in stale:
                _set_aside(_run_path(out, variant, k), stale[k])
            got = got and runcache.fetch(cache, variant, k, ids[k], _run_path(out, variant, k))
    got = _bcast(got)
    if got:
        for k in kinds:
            stale.pop(k, None)
            log(f"[{variant} {k}] reused from the cache "
                f"({runcache.entry(cache, variant, k, ids[k]).name})")
    return got


def _to_cache(out: Path, variant: str, kinds: tuple[str, ...], study: StudySpec) -> None:
    """Put the complete runs of ``kinds`` in the cache (rank 0; failed and suspect runs stay
    out: they must be made again, not shared)."""
    cache = _CACHE["dir"]
    if cache is None or not mp.am_master():
        return
    for k in kinds:
        ident = run_identity(study, k, _CACHE["together"])
        if read_status(runcache.entry(cache, variant, k, ident)) != "complete":
            runcache.store(_run_path(out, variant, k), cache, variant, k, ident)


def _mode_wavelengths(path: Path) -> list[float]:
    """Mode wavelengths of a complete modes file, strongest first, shared with every rank."""
    wl = []
    if mp.am_master() and read_status(path) == "complete":
        import h5py
        with h5py.File(path, "r") as f:
            if "modes/wavelength_nm" in f:
                w = f["modes/wavelength_nm"][()]
                amp = np.abs(f["modes/amplitude"][()])
                wl = [float(x) for x in w[np.argsort(-amp)]]
    return _bcast(wl)


def run_variant(study: StudySpec, variant: str, out: Path, kinds: tuple[str, ...], resume: bool) -> bool:
    """All requested run kinds of one variant; False when one failed."""
    layout = build(study.structure)
    stale: dict[str, str] = {}

    cached: set[str] = set()

    def done(kind: str) -> bool:
        if resume and _reusable(_run_path(out, variant, kind), study, kind, stale):
            _to_cache(out, variant, (kind,), study)  # a run made before the cache: share it
            return True
        if _from_cache(out, variant, (kind,), study, stale):
            cached.add(kind)
            return True
        return False

    ok = True
    todo = [k for k in kinds if not done(k)]
    for kind in kinds:
        if kind not in todo and kind not in cached:  # a cached one said so when it was linked
            log(f"[{variant} {kind}] complete, skipped (--resume)")
        elif kind in stale:
            _set_aside(_run_path(out, variant, kind), stale[kind])
    if "modes" in todo and "emitter" in todo and layout.rod_centers_nm:
        # one dipole pulse per orientation gives the LDOS and the modes it excites
        ok &= _guarded_pair(study, layout, out, variant)
        todo = [k for k in todo if k not in ("modes", "emitter")]
    if "modes" in todo:
        from hotlase.solvers.modes import run_modes
        ok &= _guarded(lambda w: run_modes(study, w, layout=layout, log=log), out, variant, "modes", study)
    broadband = [k for k in ("spectrum", "fields") if k in todo]
    if broadband:
        modes = _mode_wavelengths(_run_path(out, variant, "modes")) if "modes" in kinds else []
        targets = field_targets(study, modes)
        ok &= _guarded_many(
            lambda w: run_broadband(study, layout, spectrum_writer=w.get("spectrum"),
                                    fields_writer=w.get("fields"), targets=targets,
                                    label=f"{variant} {'+'.join(broadband)}", log=log),
            out, variant, tuple(broadband), study)
    if "emitter" in todo:
        from hotlase.solvers.emitter import run_emitter
        ok &= _guarded(lambda w: run_emitter(study, w, layout=layout, log=log), out, variant, "emitter", study)
    if "lasing" in todo:
        from hotlase.solvers.lasing import run_lasing
        ok &= _guarded(lambda w: run_lasing(study, w, layout=layout, log=log), out, variant, "lasing", study)
    return ok


def _reusable(path: Path, study: StudySpec, kind: str, stale: dict[str, str]) -> bool:
    """True when ``path`` is complete AND was made from this study (the same tables of
    ``kind``: its run identity, ``geometry.study.run_identity``; a run made for another [gain]
    is reused by a passive kind); a complete file of another study goes to ``stale`` with the
    fields that differ."""
    if read_status(path) != "complete":
        return False
    try:
        import h5py
        with h5py.File(path, "r") as f:
            stored = f.attrs.get("spec_json", "")
            stored = stored.decode() if isinstance(stored, bytes) else str(stored)
    except (OSError, KeyError):
        return False
    diff = spec_differences(stored, study, kind=kind) or _unsplit(path, study, kind)
    if diff:
        stale[kind] = "; ".join(diff)
        return False
    return True


def _unsplit(path: Path, study: StudySpec, kind: str) -> list[str]:
    """[why] when ``path`` is a modes or emitter file made with one material model over a
    band that ``study`` splits (made before those runs were split per window: its group
    has no ``material_bands`` attribute, though its stored study may say "split"); []
    otherwise."""
    from hotlase.geometry.subbands import windows_nm

    if kind not in ("modes", "emitter") or len(windows_nm(study)) < 2:
        return []
    try:
        import h5py
        with h5py.File(path, "r") as f:
            split = kind in f and "material_bands" in f[kind].attrs
    except OSError:
        return []
    return [] if split else [f"{kind} run made with one material model over the band (before "
                             f"{kind} runs were split per material window)"]


def _set_aside(path: Path, why: str) -> None:
    """Move a complete run file of another study to ``<name>.stale`` (never analysed) and say so."""
    log(f"{path}: complete but made from a different study ({why}); redoing it "
        f"(old file kept as {path.name}.stale)")
    if mp.am_master():
        path.replace(path.with_name(path.name + ".stale"))


def _guarded_pair(study: StudySpec, layout, out: Path, variant: str) -> bool:
    """The emitter run carrying the modes probes: two run files from one set of pulses."""
    from hotlase.solvers.emitter import run_emitter

    return _guarded_many(lambda w: run_emitter(study, w["emitter"], layout=layout, log=log,
                                               modes_writer=w["modes"]),
                         out, variant, ("modes", "emitter"), study)


def _guarded_many(fn, out: Path, variant: str, kinds: tuple[str, ...], study: StudySpec) -> bool:
    """``_make_many`` under the cache's lock of this run group (``runcache.computing``, rank
    0): another command making the same runs (a Slurm task of a point that differs only in
    [gain]) finishes first, and its runs are then linked instead of made again."""
    cache = _CACHE["dir"]
    if cache is None:
        return _make_many(fn, out, variant, kinds, study)
    ids = [run_identity(study, k, _CACHE["together"]) for k in kinds]
    lock = (runcache.computing(cache, ids, on_wait=lambda path: log(
        f"[{variant} {'+'.join(kinds)}] another command is making these runs; waiting for it "
        f"({path}), then they are linked")) if mp.am_master() else contextlib.nullcontext())
    with lock:
        if _from_cache(out, variant, kinds, study, {}):
            return True
        ok = _make_many(fn, out, variant, kinds, study)
        _to_cache(out, variant, kinds, study)
    return ok


def _make_many(fn, out: Path, variant: str, kinds: tuple[str, ...], study: StudySpec) -> bool:
    """Run ``fn(writers)`` that fills several run files from one simulation; mark them all
    complete, or all failed with the reason.

    Every rank passes the same three agreement points (writers made, ``fn`` done, files
    closed: ``collective.agree``), so an error on any rank reaches all of them; a rank whose
    error the others cannot join (they are inside Meep) aborts the job. An interrupt marks
    the files ``failed: interrupted`` and is re-raised; a full disk removes the ``.tmp``
    files and raises DiskFull on every rank.
    """
    writers: dict[str, RunWriter] = {}
    facts: dict = {}
    label = f"[{variant} {'+'.join(kinds)}]"
    _RUN["i"] += 1
    log(f"run {_RUN['i']}/{max(_RUN['n'], _RUN['i'])} {label} started")

    def make():
        for k in kinds:
            writers[k] = _writer(out, variant, k, study)

    def simulate():
        facts.update(fn(writers) or {})

    def close():
        for w in writers.values():
            w.finish("complete", **facts)

    try:
        for step in (make, simulate, close):
            mine = _attempt(step, writers, out, study, kinds)
            err = agree(mine)
            if err is not None:
                break
    except BaseException as exc:  # an interrupt while waiting for the other ranks
        _settle(writers, "failed", "interrupted" if interrupt_signum(exc) is not None else _failure(exc))
        raise
    if err is None:
        log(f"{label} complete: " + ", ".join(str(w.path) for w in writers.values()))
        return True
    kind, msg = err
    if mine is None:  # another rank failed: this rank's files carry its message
        _settle(writers, kind, msg)
    if kind == "disk_full":
        raise DiskFull(msg)
    log(f"{label} FAILED: {msg}")
    return False


class DiskFull(Exception):
    """The disk filled during a run (the message says how much the runs need)."""


def _attempt(step, writers, out: Path, study: StudySpec, kinds) -> tuple[str, str] | None:
    """Run one step; on an error settle this rank's files and return ("failed" or
    "disk_full", message). Interrupts are settled and re-raised at once (no agreement: the
    other ranks got the same signal or are gone)."""
    try:
        step()
        return None
    except BaseException as err:  # noqa: BLE001 - every failure must mark the files
        if interrupt_signum(err) is not None:
            _settle(writers, "failed", "interrupted")
            raise
        if is_disk_full(err):
            _settle(writers, "disk_full", "")
            needed = None
            try:
                needed = run_bytes(study, build(study.structure), kinds)
            except Exception:  # noqa: BLE001 - the estimate must not hide the disk error
                pass
            return ("disk_full", disk_full_message(out, needed))
        msg = _failure(err)
        _settle(writers, "failed", msg, getattr(err, "facts", None))  # FieldGrowthError: time, growth rate
        return ("failed", msg)


def _settle(writers: dict[str, RunWriter], kind: str, msg: str, facts=None) -> None:
    """Mark this rank's open files failed (or remove them on a full disk); a file that cannot
    be marked is removed, so no ``.tmp`` says "running" after its run ended."""
    for w in writers.values():
        if not w.is_open:
            continue
        if kind == "disk_full":
            w.discard()
            continue
        try:
            w.finish("failed", msg, **(facts or {}))
        except BaseException as err:  # noqa: BLE001
            w.discard()
            if is_disk_full(err):
                raise


def _failure(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    if isinstance(err, FieldGrowthError):
        text += f"; {GROWTH_HINT}"
    elif "NaN" in str(err) or "Inf" in str(err):
        text += f"; {NAN_HINT}"
    return text


def _guarded(fn, out: Path, variant: str, kind: str, study: StudySpec) -> bool:
    """One run kind, one file: ``fn(writer)``."""
    return _guarded_many(lambda w: fn(w[kind]), out, variant, (kind,), study)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hotlase.solvers.run", description=__doc__.splitlines()[0])
    p.add_argument("study")
    p.add_argument("--out", required=True)
    p.add_argument("--variants", nargs="+", choices=("main", "no_metal"))
    p.add_argument("--cache", help=CACHE_HELP)
    add_run_options(p, np_default=None)
    args = p.parse_args(argv)
    mp.verbosity(0)
    from hotlase.geometry.notices import install

    install(printer=mp.am_master())
    raise_on_signals()
    watch_launcher(last_act=lambda: fail_open_writers("interrupted"))
    comm()  # the agreement communicator, made by every rank at the same point
    try:
        return _main(args)
    except BaseException as err:  # noqa: BLE001 - no rank may outlive another's failure
        signum = interrupt_signum(err)
        sys.stdout.flush()
        if signum is not None:  # the launcher prints the one line and settles the files
            os._exit(128 + signum)
        if isinstance(err, SystemExit):
            raise
        abort(f"{type(err).__name__}: {err}")
        raise


def _main(args) -> int:
    from hotlase.geometry.validate import SpecError
    try:
        study = with_resolution(load_study(args.study), args.resolution_nm)
    except SpecError as bad:
        log(f"error: {bad}")
        return 2
    assert study.run_kinds is not None  # StudySpec resolves None to the structure's kinds
    kinds = tuple(k for k in study.run_kinds if not args.kinds or k in args.kinds)
    from hotlase.geometry.estimate import run_plan

    _RUN["n"] = sum(not args.variants or r.variant in args.variants
                    for r in run_plan(study, kinds))
    out = Path(args.out)
    _CACHE.update(dir=Path(args.cache).resolve() if args.cache else None, together=together(kinds))
    err = None
    if mp.am_master():  # rank 0 writes: it holds the ranks lock of the directory
        try:
            dirlock.acquire(out, dirlock.RANKS_LOCK, what="ranks of hotlase.solvers.run")
        except dirlock.LockHeld as held:
            err = ("failed", f"{held}; the ranks of an earlier run are still alive")
    err = agree(err)
    if err is not None:
        log(f"error: {err[1]}")
        return 1
    _write_study(out, args.study, kinds, study)  # the study the analysis reads ([gain] included)
    ok = True
    for variant, spec in variants(study):
        if args.variants and variant not in args.variants:
            continue
        try:
            ok &= run_variant(spec, variant, out, kinds, args.resume)
        except DiskFull as full:  # every rank has it (agreed): one line, no abort needed
            log(f"error: {full}")
            return 1
    _write_study(out, args.study, kinds, study)
    return 0 if ok else 1


def _write_study(out: Path, path: str, kinds: tuple[str, ...], study: StudySpec) -> None:
    """``OUT/runs/study.json``: the study file, the kinds asked for and the study itself
    (``spec_json``, the grid override applied): what ``hotlase analyze`` reads the analysis-only
    tables ([gain], [analysis]) from, since a run file reused by identity may hold another's."""
    if mp.am_master():
        (out / "runs").mkdir(parents=True, exist_ok=True)
        from hotlase.jobs.state import write_json_atomic  # a full disk leaves no half JSON
        write_json_atomic(out / "runs" / "study.json", {"study": path, "kinds": kinds,
                                                        "spec_json": study_json(study)})


if __name__ == "__main__":
    sys.exit(main())
