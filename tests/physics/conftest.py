"""Helpers for physics tests: run one broadband pulse on a study and read the run file back."""

from __future__ import annotations

import json
import os

import h5py
import numpy as np
import pytest

#: When set (by ``hotlase validate``), the file that comparisons and outcomes are appended to
#: as JSON lines; the command prints them as a table.
RECORD_ENV = "HOTLASE_VALIDATION_RECORD"


def rel_msg(name: str, measured, expected, tol) -> str:
    """Failure message: measured, expected and relative error (docs/extending.md, tests: the house style)."""
    m, e = np.asarray(measured), np.asarray(expected)
    err = np.max(np.abs(m - e) / np.maximum(np.abs(e), 1e-30))
    return f"{name}: measured {m}, expected {e}, max relative error {err:.3g} (tolerance {tol})"


def compare_and_record(case: str, quantity: str, measured, reference, tolerance,
                       relative: bool = False) -> dict:
    """The worst point of ``|measured - reference|`` (divided by ``|reference|`` when
    ``relative``) against ``tolerance`` (a number, or one per point); appended to
    $HOTLASE_VALIDATION_RECORD when set.

    Returns:
        {case, quantity, measured, reference, error, tolerance, relative, passed} at the worst
        point (the values compared there, the error over all points).
    """
    m = np.asarray(measured, dtype=float)
    r = np.broadcast_to(np.asarray(reference, dtype=float), m.shape)
    diff = np.abs(m - r) / (np.maximum(np.abs(r), 1e-30) if relative else 1.0)
    tol = np.broadcast_to(np.asarray(tolerance, dtype=float), m.shape)
    i = int(np.argmax(diff - tol))  # the point nearest to (or furthest past) its tolerance
    row = {"case": case, "quantity": quantity, "measured": float(m.flat[i]),
           "reference": float(r.flat[i]), "error": float(diff.flat[i]),
           "tolerance": float(tol.flat[i]), "relative": relative,
           "passed": bool(np.all(diff < tol))}
    if os.environ.get(RECORD_ENV):
        with open(os.environ[RECORD_ENV], "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    return row


@pytest.fixture
def check(request):
    """``check(quantity, measured, reference, tolerance, relative=False)``: assert that the
    largest (relative) error is below ``tolerance``, and record the comparison for
    ``hotlase validate``'s table."""

    def run(quantity, measured, reference, tolerance, relative=False):
        row = compare_and_record(request.node.name, quantity, measured, reference, tolerance,
                                 relative)
        assert row["passed"], rel_msg(f"{quantity} (worst error {row['error']:.3g})", measured,
                                      reference, tolerance)
        return row

    return run


def pytest_runtest_logreport(report):
    """Each test's outcome (passed/failed/skipped) for the table, with the skip reason."""
    path = os.environ.get(RECORD_ENV)
    if not path or not (report.when == "call" or report.outcome != "passed"):
        return
    reason = ""
    if hasattr(report, "wasxfail"):
        reason = f"known wrong (xfail): {report.wasxfail}"
    elif report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"case": report.nodeid.split("::", 1)[-1], "outcome": report.outcome,
                            "seconds": round(report.duration, 1), "reason": reason}) + "\n")


@pytest.fixture
def run_broadband_file(tmp_path):
    """Run spectrum (+ fields at ``targets``) for a study; return the h5py files' contents."""
    from hotlase.geometry.build import build
    from hotlase.solvers.broadband import run_broadband
    from hotlase.solvers.output import RunWriter

    def run(study, targets=(), name="s"):
        import meep as mp
        mp.verbosity(0)
        spec = RunWriter(tmp_path / f"{name}_spectrum.h5", study, "spectrum", "main")
        fld = RunWriter(tmp_path / f"{name}_fields.h5", study, "fields", "main") if targets else None
        facts = run_broadband(study, build(study.structure), spectrum_writer=spec,
                              fields_writer=fld, targets=list(targets), log=lambda m: None)
        out = {}
        for w in (spec, fld):
            if w is None:
                continue
            path = w.finish("complete", **facts)
            with h5py.File(path, "r") as f:
                f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
                out["attrs"] = dict(f.attrs)
                out.update({f"{g}@": dict(f[g].attrs) for g in f.keys()})
                if "fields" in f:
                    out.update({f"fields/{t}@": dict(f[f"fields/{t}"].attrs) for t in f["fields"]})
        return out

    return run
