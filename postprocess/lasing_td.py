"""Analysis of the time-domain ``lasing`` run: light-in / light-out and the onset threshold
(docs/physics.md §8). numpy / h5py only.

Threshold definition: the pump rate where the straight line through the lowest lasing
points of output vs pump crosses zero output (the extrapolated onset of a rate-equation
laser, whose output above threshold is linear in the pump excess: Siegman, Lasers (1986),
§13.1; docs/physics.md §8). A point lases when its output is above ONSET_FLOOR of the
largest output; below threshold the noiseless Maxwell-Bloch medium emits nothing once the
seed has decayed.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: A pump point lases when its output exceeds this fraction of the largest output of the run.
ONSET_FLOOR = 1e-3
#: Lasing points fitted for the onset (the lowest ones: far above threshold ground-state
#: depletion bends the curve).
FIT_POINTS = 3


@dataclass(frozen=True)
class Onset:
    """The onset fit of one light-in / light-out curve.

    Attributes:
        threshold: pump at zero extrapolated output (pump units), NaN without two lasing points.
        slope: d output / d pump of the fit (output units per pump unit).
        below, above: highest non-lasing and lowest lasing pump (NaN when absent): the
            threshold is bracketed when below <= threshold <= above.
        n_lasing: lasing points; fitted: those used in the fit.
        status: "fitted", "bracketed only" (one lasing point), "no lasing" or
            "all lasing" (no point below: the threshold is an extrapolation).
    """

    threshold: float
    slope: float
    below: float
    above: float
    n_lasing: int
    fitted: int
    status: str


def onset_threshold(pump, output, floor: float = ONSET_FLOOR, fit_points: int = FIT_POINTS) -> Onset:
    """Fit the lasing onset of output vs pump (module docstring: the definition).

    Args:
        pump: pump values, any unit (sorted here).
        output: output at each pump, any unit; >= 0 up to round-off.
        floor: lasing means output > floor x max(output).
        fit_points: how many of the lowest lasing points the line goes through.
    """
    x = np.asarray(pump, dtype=float)
    y = np.asarray(output, dtype=float)
    order = np.argsort(x)
    x, y = x[order], y[order]
    top = float(np.max(y)) if y.size else 0.0
    lasing = y > floor * top if top > 0 else np.zeros_like(y, bool)
    below = float(x[~lasing].max()) if (~lasing).any() else math.nan
    lasing &= x > (below if math.isfinite(below) else -math.inf)  # lasing above the last dark point
    n = int(lasing.sum())
    above = float(x[lasing].min()) if n else math.nan
    if n == 0:
        return Onset(math.nan, math.nan, below, above, 0, 0, "no lasing")
    if n == 1:
        return Onset(math.nan, math.nan, below, above, 1, 0, "bracketed only")
    xs, ys = x[lasing][:fit_points], y[lasing][:fit_points]
    slope, intercept = np.polyfit(xs, ys, 1)
    threshold = -intercept / slope if slope > 0 else math.nan
    status = "fitted" if math.isfinite(below) else "all lasing"
    return Onset(float(threshold), float(slope), below, above, n, int(xs.size), status)


def read_lasing(path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The ``lasing/`` group of a run file: datasets and decoded attributes."""
    import h5py

    with h5py.File(path, "r") as f:
        g = f["lasing"]
        data = {k: g[k][()] for k in g}
        attrs: dict[str, Any] = {}
        for k, v in g.attrs.items():
            v = v.decode() if isinstance(v, bytes) else v
            if isinstance(v, str) and v[:1] in "[{":
                try:
                    v = json.loads(v)
                except ValueError:
                    pass
            attrs[k] = v.item() if isinstance(v, np.generic) else v
    return data, attrs


def lasing_summary(path) -> dict[str, Any]:
    """The summary entry of a lasing run: L-L curve, onset threshold (pump rate and
    generation rate), slope and photons out per emitter pumped at the top pump."""
    data, attrs = read_lasing(path)
    pump = np.asarray(data["pump_rate_per_s"], float)
    out = np.asarray(data["output_power"], float)
    onset = onset_threshold(pump, out)
    density = float(attrs["lasing_spec"]["density_per_m3"])
    steady = np.asarray(data["steady"], int)
    return {
        "pump_rate_per_s": pump.tolist(),
        "output_power": out.tolist(),
        "output_units": attrs.get("output_units"),
        "steady": steady.tolist(),
        "photons_per_emitter_pumped": np.asarray(data["photons_per_emitter_pumped"]).tolist(),
        "lasing_wavelength_nm": np.asarray(data.get("lasing_wavelength_nm", np.zeros(pump.size)),
                                           float).tolist(),
        "threshold_pump_rate_per_s": onset.threshold,
        "threshold_generation_rate_per_m3_s": onset.threshold * density,
        "onset": asdict(onset),
        "rate_speedup": attrs.get("rate_speedup"),
        "gain_material": attrs.get("gain_material"),
        "emission_wavelength_nm": attrs.get("emission_wavelength_nm"),
        "seconds_per_pump_point": attrs.get("seconds_per_pump_point"),
        "unsteady_points": int((steady == 0).sum()),
    }


def report_step(res: Any, s: dict, **_: Any) -> None:
    """The report's analysis step of the ``lasing`` run kind (``postprocess.report``):
    ``summary["lasing_time_domain"]``, with a note when points stopped at the time cap."""
    entry = lasing_summary(res.runs["lasing"].path)
    s["lasing_time_domain"] = entry
    if entry["unsteady_points"]:
        res.notes.append(f"{res.variant}_lasing: {entry['unsteady_points']} pump point(s) "
                         "stopped at lasing.max_time_fs before a steady output; raise it")
    if entry["onset"]["status"] != "fitted":
        res.notes.append(f"{res.variant}_lasing: threshold {entry['onset']['status']} in the "
                         "pump range; widen lasing.pump_rates_per_s")


__all__ = ["Onset", "onset_threshold", "read_lasing", "lasing_summary", "report_step"]
