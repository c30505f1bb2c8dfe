"""The Python API of hotlase for scripts and notebooks (documented in docs/api.md).

    import hotlase
    study = hotlase.load_study("examples/default.toml").replace(simulation={"resolution_nm": 20})
    hotlase.run(study, "runs/nb", np=2)            # Meep runs (metal and no-metal twin)
    result = hotlase.analyze("runs/nb")            # report.md, summary.json, arrays
    fig = result.plot_spectra()                    # a matplotlib Figure; nothing written

Everything here is a thin layer over the package that owns the step (geometry for studies,
jobs.local for runs, postprocess for analysis and figures); the command line uses the same
functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotlase.geometry.study import StudySpec, study_to_dict
from hotlase.geometry.study import load_study as _load_study
from hotlase.geometry.validate import SpecError

STUDY_FILE = "study.toml"


def load_study(path: str | Path) -> StudySpec:
    """Read and validate a study TOML file (one ``SpecError`` naming the field if it is bad)."""
    return _load_study(path)


def write_study(study: StudySpec, path: str | Path) -> Path:
    """Write ``study`` as a TOML file that ``load_study`` reads back to the same study."""
    from hotlase.jobs.toml_writer import dumps

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"# hotlase study {study.name}, written by hotlase.write_study\n" + dumps(
        study_to_dict(study))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


class RunFailed(RuntimeError):
    """``hotlase.run``: the solver exited non-zero (its messages went to the console)."""


def run(study: StudySpec | str | Path, out: str | Path, *, np: int = 2,
        kinds: list[str] | tuple[str, ...] | None = None, resume: bool = False,
        resolution_nm: float | None = None) -> Path:
    """Run a study's Meep simulations (and its no-metal twin) into ``out``.

    The study is written to ``OUT/study.toml`` and run through ``jobs.local.run_study`` (the
    same path as ``hotlase run``): it is validated, and refused before any MPI start when a
    run kind cannot run it.

    Args:
        study: a StudySpec or the path of a study file.
        out: output directory (run files go to OUT/runs/).
        np: MPI ranks (``mpirun -np``; 1 runs without mpirun).
        kinds: only these run kinds (default: the study's ``run_kinds``).
        resume: keep complete run files and redo only the others.
        resolution_nm: override ``simulation.resolution_nm``.

    Returns:
        ``out`` as a Path.

    Raises:
        SpecError: bad study, kinds or np. RunFailed: a run failed (exit code in the message).
    """
    from hotlase.jobs.local import run_study

    out = Path(out)
    if not isinstance(study, StudySpec):
        study = load_study(study)
    path = write_study(study, out / STUDY_FILE)
    code = run_study(path, out, np=np, resume=resume, kinds=list(kinds) if kinds else None,
                     resolution_nm=resolution_nm)
    if code != 0:
        raise RunFailed(f"hotlase.run: the solver exited with {code}; see its messages above "
                        f"and the run files' status in {out / 'runs'}")
    return out


@dataclass
class Analysis:
    """What ``hotlase.analyze`` returns.

    Attributes:
        directory: the analysed run directory.
        report_path: DIR/report.md.
        summary: the dict written to DIR/summary.json (keys: docs/runfile.md).
        variants: {"main" | "no_metal": postprocess.report.VariantResult} with the arrays.
    """

    directory: Path
    report_path: Path
    summary: dict[str, Any]
    variants: dict[str, Any] = field(default_factory=dict)

    @property
    def spectra(self) -> dict[str, Any]:
        """{variant: postprocess.runfile.Spectrum} (wavelength_nm, R, T, A, A_by_material)."""
        return {v: r.spectrum for v, r in self.variants.items() if r.spectrum is not None}

    @property
    def modes(self) -> dict[str, list[dict]]:
        """{variant: mode rows of the summary (wavelength_nm, Q, ...)}."""
        return {v: list(r.summary.get("modes") or []) for v, r in self.variants.items()
                if r.study is not None}

    @property
    def study(self) -> StudySpec | None:
        """The study of the main variant (the twin's if only it ran)."""
        for v in ("main", "no_metal"):
            r = self.variants.get(v)
            if r is not None and r.study is not None:
                return r.study
        return None

    def plot_spectra(self, ax: Any = None, title: str = ""):
        """R, T, A per variant with the pump and emission lines and the modes marked (the
        highest-Q ones labelled, borderline resonances dashed); returns the Figure (nothing
        written)."""
        from hotlase.postprocess.figures import plot_spectra

        spectra = self.spectra
        if not spectra:
            raise ValueError(f"{self.directory}: no complete spectrum run to plot")
        from hotlase.postprocess.figures import spectrum_marks

        sim = self.study.simulation if self.study else None
        return plot_spectra(spectra, spectrum_marks(self.variants),
                            title=title or (self.study.name if self.study else ""), ax=ax,
                            pump_nm=sim.pump_wavelength_nm if sim else None,
                            emission_nm=sim.emission_wavelength_nm if sim else None)


def analyze(out: str | Path) -> Analysis:
    """Analyse every complete run in ``out`` (writes report.md, summary.json, figures/)."""
    from hotlase.postprocess.report import analyze_variants

    report, summary, results = analyze_variants(out)
    return Analysis(directory=Path(out), report_path=report, summary=summary, variants=results)


def open_run(path: str | Path):
    """One run file (``postprocess.runfile.Run``): attrs, study, ``read("spectrum/R")``...

    Raises:
        RunFileError: not a complete hotlase run file (the message says why).
    """
    from hotlase.postprocess.runfile import read_run

    return read_run(path)


def plot_structure(study: StudySpec, ax: Any = None, points: int = 400):
    """Cross sections of the study's structure (``hotlase show``); returns the Figure."""
    from hotlase.geometry.plot import cross_sections_figure

    return cross_sections_figure(study, points=points, ax=ax)


def save_figure(fig: Any, path: str | Path) -> Path | None:
    """Write a Figure returned by a hotlase plot function to PNG."""
    from hotlase.postprocess.figures import save_figure as _save

    return _save(fig, path)


__all__ = ["Analysis", "RunFailed", "SpecError", "StudySpec", "analyze", "load_study",
           "open_run", "plot_structure", "run", "save_figure", "write_study"]
