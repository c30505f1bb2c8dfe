"""Run a study's Meep simulations: ``python -m hotlase.solvers.run STUDY.toml --out DIR``.

Runs under ``mpirun -np N`` unchanged (only rank 0 writes). For the study's structure
("main") and, when the study asks, its no-metal twin ("no_metal"), it makes the requested
run kinds in the order modes -> spectrum + fields (one pulse) -> emitter, each to
``DIR/runs/<variant>_<kind>.h5`` (docs/runfile.md). ``--resume`` skips complete files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import meep as mp
import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.study import StudySpec, check_study, load_study, spec_differences
from hotlase.geometry.twin import has_metal, without_metal
from hotlase.solvers.broadband import run_broadband
from hotlase.solvers.fields import field_targets
from hotlase.solvers.output import RunWriter, read_status
from hotlase.solvers.progress import GROWTH_HINT, NAN_HINT, FieldGrowthError

_RUN = {"i": 0, "n": 0}  # run i of n in this command (geometry.estimate.run_plan), for the log


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
    return RunWriter(out / "runs" / f"{variant}_{kind}.h5", study, kind, variant,
                     is_writer=mp.am_master(), meep_version=mp.__version__,
                     mpi_processes=mp.count_processors())


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
    from mpi4py import MPI
    return MPI.COMM_WORLD.bcast(wl, root=0)


def run_variant(study: StudySpec, variant: str, out: Path, kinds: tuple[str, ...], resume: bool) -> bool:
    """All requested run kinds of one variant; False when one failed."""
    layout = build(study.structure)
    stale: dict[str, str] = {}
    done = lambda kind: resume and _reusable(  # noqa: E731
        out / "runs" / f"{variant}_{kind}.h5", study, kind, stale)
    ok = True
    todo = [k for k in kinds if not done(k)]
    for kind in kinds:
        if kind not in todo:
            log(f"[{variant} {kind}] complete, skipped (--resume)")
        elif kind in stale:
            _set_aside(out / "runs" / f"{variant}_{kind}.h5", stale[kind])
    if "modes" in todo and "emitter" in todo and layout.rod_centers_nm:
        # one dipole pulse per orientation gives the LDOS and the modes it excites
        ok &= _guarded_pair(study, layout, out, variant)
        todo = [k for k in todo if k not in ("modes", "emitter")]
    if "modes" in todo:
        from hotlase.solvers.modes import run_modes
        ok &= _guarded(lambda w: run_modes(study, w, layout=layout, log=log), out, variant, "modes", study)
    broadband = [k for k in ("spectrum", "fields") if k in todo]
    if broadband:
        modes = _mode_wavelengths(out / "runs" / f"{variant}_modes.h5") if "modes" in kinds else []
        targets = field_targets(study, modes)
        ok &= _guarded_many(
            lambda w: run_broadband(study, layout, spectrum_writer=w.get("spectrum"),
                                    fields_writer=w.get("fields"), targets=targets,
                                    label=f"{variant} {'+'.join(broadband)}", log=log),
            out, variant, tuple(broadband), study)
    if "emitter" in todo:
        from hotlase.solvers.emitter import run_emitter
        ok &= _guarded(lambda w: run_emitter(study, w, layout=layout, log=log), out, variant, "emitter", study)
    return ok


def _reusable(path: Path, study: StudySpec, kind: str, stale: dict[str, str]) -> bool:
    """True when ``path`` is complete AND was made from this study (same physics_hash);
    a complete file of another study goes to ``stale`` with the fields that differ."""
    if read_status(path) != "complete":
        return False
    try:
        import h5py
        with h5py.File(path, "r") as f:
            stored = f.attrs.get("spec_json", "")
            stored = stored.decode() if isinstance(stored, bytes) else str(stored)
    except (OSError, KeyError):
        return False
    diff = spec_differences(stored, study)
    if diff:
        stale[kind] = "; ".join(diff)
        return False
    return True


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
    """Run ``fn(writers)`` that fills several run files from one simulation; mark them all
    complete, or all failed with the reason (and re-raise Ctrl-C after marking)."""
    writers = {k: _writer(out, variant, k, study) for k in kinds}
    label = f"[{variant} {'+'.join(kinds)}]"
    _RUN["i"] += 1
    log(f"run {_RUN['i']}/{max(_RUN['n'], _RUN['i'])} {label} started")
    try:
        facts = fn(writers) or {}
        for w in writers.values():
            w.finish("complete", **facts)
        log(f"{label} complete: " + ", ".join(str(w.path) for w in writers.values()))
        return True
    except BaseException as err:  # noqa: BLE001 - every failure must mark the files
        msg = _failure(err)
        facts = getattr(err, "facts", None) or {}  # FieldGrowthError: time, growth rate
        for w in writers.values():
            w.finish("failed", msg, **facts)
        log(f"{label} FAILED: {msg}")
        if isinstance(err, KeyboardInterrupt):
            raise
        return False


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
    p.add_argument("--kinds", nargs="+")
    p.add_argument("--variants", nargs="+", choices=("main", "no_metal"))
    p.add_argument("--resolution-nm", type=float)
    p.add_argument("--resume", action="store_true")
    args = p.parse_args(argv)
    mp.verbosity(0)
    from hotlase.geometry.notices import install

    install(printer=mp.am_master())
    from hotlase.geometry.validate import SpecError
    try:
        study = with_resolution(load_study(args.study), args.resolution_nm)
    except SpecError as err:
        log(f"error: {err}")
        return 2
    kinds = tuple(k for k in study.run_kinds if not args.kinds or k in args.kinds)
    from hotlase.geometry.estimate import run_plan

    _RUN["n"] = sum(not args.variants or r.variant in args.variants
                    for r in run_plan(study, kinds))
    out = Path(args.out)
    ok = True
    for variant, spec in variants(study):
        if args.variants and variant not in args.variants:
            continue
        ok &= run_variant(spec, variant, out, kinds, args.resume)
    if mp.am_master():
        (out / "runs").mkdir(parents=True, exist_ok=True)
        (out / "runs" / "study.json").write_text(json.dumps({"study": args.study, "kinds": kinds}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
