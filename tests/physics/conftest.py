"""Helpers for physics tests: run one broadband pulse on a study and read the run file back."""

from __future__ import annotations

import h5py
import numpy as np
import pytest


def rel_msg(name: str, measured, expected, tol) -> str:
    """Failure message: measured, expected and relative error (docs/extending.md, tests: the house style)."""
    m, e = np.asarray(measured), np.asarray(expected)
    err = np.max(np.abs(m - e) / np.maximum(np.abs(e), 1e-30))
    return f"{name}: measured {m}, expected {e}, max relative error {err:.3g} (tolerance {tol})"


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
