"""``hotlase demo``: run the default study (metal and no-metal twin), analyse it, show the table."""

from __future__ import annotations

import time
from pathlib import Path

from hotlase.jobs.local import run_study

DEFAULT_STUDY = Path(__file__).resolve().parent.parent / "examples" / "default.toml"


def run_demo(out: str | Path = "runs/demo", *, np: int = 2, resolution_nm: float | None = None,
             study: str | Path = DEFAULT_STUDY, allow_large: bool = False) -> int:
    """Run, analyse and print the metal vs no-metal comparison and the report path."""
    from hotlase.postprocess.report import analyze, comparison_table, status_lines

    t0 = time.perf_counter()
    print(f"hotlase demo: {study} -> {out} ({np} MPI ranks)", flush=True)
    code = run_study(study, out, np=np, resume=True, resolution_nm=resolution_nm,
                     allow_large=allow_large)
    if code != 0:
        print(f"hotlase demo: a run failed (exit {code}); see the messages above and {out}/runs/")
        return code
    report, summary = analyze(out)
    print(comparison_table(summary))
    print("\n".join(line.strip("*") for line in status_lines(summary)))
    print(f"report: {report}")
    print(f"hotlase demo: done in {time.perf_counter() - t0:.0f} s")
    return 0
