"""Run one study on this machine: ``mpirun -np N python -m hotlase.solvers.run`` with the right flags."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from hotlase.geometry.study import check_study, load_study
from hotlase.geometry.validate import SpecError, check_choice
from hotlase.jobs.supervise import run_supervised
from hotlase.solvers import dirlock
from hotlase.solvers.collective import Interrupted

# mpirun's wait between SIGTERM and SIGKILL of ranks once one rank has ended without
# MPI_Finalize (an interrupt); Open MPI's default 1 s, more for a loaded machine (a rank whose
# launcher is gone takes up to 1.5 s: solvers.collective.watch_launcher). mpirun
# itself then takes about twice this to exit.
SIGKILL_AFTER_S = 3


def mpirun_command(np: int) -> list[str]:
    """The mpirun prefix for N ranks (root needs --allow-run-as-root; 2-core machines need
    --oversubscribe when N exceeds the cores); empty for N = 1 (no MPI launcher needed)."""
    if np <= 1:
        return []
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        raise FileNotFoundError("mpirun not found: install openmpi-bin (make setup) or use --np 1")
    cmd = [mpirun, "-np", str(np), "--oversubscribe", "--quiet"]  # quiet: no MPI_Abort banner
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--allow-run-as-root")
    return cmd


def clean_mpi_env(env: dict | None = None) -> dict:
    """The environment without the variables an MPI singleton (a parent that imported meep)
    leaves behind: a child ``mpirun`` that inherits them exits 1 without a word."""
    env = dict(os.environ if env is None else env)
    for key in list(env):
        if key.startswith(("OMPI_", "PMIX_", "PMI_", "OPAL_", "ORTE_")):
            del env[key]
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    from hotlase.geometry.notices import SUBNORMAL_FILTER

    env.setdefault("PYTHONWARNINGS", SUBNORMAL_FILTER)  # numpy's note under MPI, from start
    return env


def solver_command(study_path: str | Path, out_dir: str | Path, *, np: int = 1, resume: bool = False,
                   kinds=None, resolution_nm: float | None = None, variants=None,
                   cache: str | Path | None = None) -> list[str]:
    """The full command line that runs a study's simulations (``cache``: the run cache shared
    with other directories, ``solvers.runcache``)."""
    cmd = [*mpirun_command(np), sys.executable, "-m", "hotlase.solvers.run", str(study_path), "--out", str(out_dir)]
    if resume:
        cmd.append("--resume")
    if cache is not None:
        cmd += ["--cache", str(cache)]
    if kinds:
        cmd += ["--kinds", *kinds]
    if variants:
        cmd += ["--variants", *variants]
    if resolution_nm is not None:
        cmd += ["--resolution-nm", str(resolution_nm)]
    return cmd


def check_run(study_path: str | Path, *, np: int = 1, kinds=None,
              resolution_nm: float | None = None, allow_large: bool = False):
    """Everything ``hotlase run`` checks before any MPI start: the study file and its fields,
    the rank count, a grid override, and the size estimate against this machine (unless
    ``allow_large``; absurd grids are refused even then).

    Returns:
        (the study as it will run, its geometry.estimate.Estimate).
    Raises:
        SpecError: one line naming the field or file, the value and the rule.
    """
    from hotlase.geometry.estimate import check_absurd, check_machine

    study = load_study(study_path)
    if isinstance(np, bool) or not isinstance(np, int) or np < 1:
        raise SpecError("--np", np, "must be an integer >= 1")
    if resolution_nm is not None:  # validate the override here too, before any MPI start
        study = dataclasses.replace(study, simulation=dataclasses.replace(
            study.simulation, resolution_nm=resolution_nm))
        check_study(study)
    assert study.run_kinds is not None  # StudySpec resolves None to the structure's kinds
    if kinds:  # a kind the study does not ask for would run nothing and exit 0
        for kind in kinds:
            check_choice("--kinds", kind, study.run_kinds)
        study = dataclasses.replace(study, run_kinds=tuple(k for k in study.run_kinds if k in kinds)
                                    or tuple(kinds))
    est = check_absurd(study) if allow_large else check_machine(study, np=np)
    return study, est


def run_study(study_path: str | Path, out_dir: str | Path, *, np: int = 1, resume: bool = False,
              kinds=None, resolution_nm: float | None = None, allow_large: bool = False,
              cache: str | Path | None = None) -> int:
    """Check the study here (``check_run``: bad input fails before any MPI start), print its
    size estimate, then run it.

    The command holds OUT's lock (``solvers.dirlock``) and owns the solver's processes
    (``jobs.supervise``); run files the solver left unfinished (``.h5.tmp``: a signal, an
    aborted or killed rank) are marked failed with the reason before it returns.

    Returns the solver's exit code (0 when every run completed).

    Raises:
        LockHeld: another command, or the ranks of an earlier run, use OUT.
        Interrupted: SIGINT/SIGTERM/SIGHUP; the solver is stopped and its files settled.
    """
    study, est = check_run(study_path, np=np, kinds=kinds, resolution_nm=resolution_nm,
                       allow_large=allow_large)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise SpecError("--out", str(out_dir), "exists and is not a directory")
    from hotlase.geometry.estimate import plan_text
    from hotlase.geometry.notices import STUDY_WARNED_ENV
    from hotlase.jobs.run_summary import run_table

    print(plan_text(study, est, np=np, kinds=kinds), flush=True)
    with dirlock.held(out_dir):
        ranks = dirlock.probe(out_dir, dirlock.RANKS_LOCK)
        if ranks:
            raise dirlock.LockHeld(f"{Path(out_dir).resolve()} is still written by the ranks of an "
                                   f"earlier run ({ranks}); wait for them to end or stop them")
        settle_unfinished(out_dir, "interrupted (found unfinished by a later run)")
        env = dict(clean_mpi_env(), PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1",
                   OMPI_MCA_odls_base_sigkill_timeout=str(SIGKILL_AFTER_S),
                   **{STUDY_WARNED_ENV: "1"})  # the study's warnings were shown above, once
        cmd = solver_command(study_path, out_dir, np=np, resume=resume, kinds=kinds,
                             resolution_nm=resolution_nm, cache=cache)
        started = time.time()
        try:
            rc = run_supervised(cmd, env=env)
        except Interrupted:
            settle_unfinished(out_dir, "interrupted")
            raise
        settle_unfinished(out_dir, f"the solver ended (exit {rc}) before this run finished")
        table = run_table(out_dir, since=started - 1)
        if table:
            print(f"{table}\ntotal {time.time() - started:.0f} s", flush=True)
        return rc


def settle_unfinished(out_dir: str | Path, message: str) -> list[Path | None]:
    """Mark every ``OUT/runs/*.h5.tmp`` failed with ``message`` (unreadable ones are deleted);
    the caller holds OUT's lock, so no live solver writes them."""
    from hotlase.solvers.output import close_abandoned

    return [close_abandoned(tmp, message) for tmp in sorted((Path(out_dir) / "runs").glob("*.h5.tmp"))]
