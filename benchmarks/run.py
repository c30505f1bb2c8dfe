"""``make bench``: every benchmark in one run, a final table, benchmarks/results.json.

Speed is reported as ratios measured in this one invocation (variants alternate round by
round, medians over rounds; see benchmarks.common), because the absolute numbers of a
shared 2-core machine move with its load. The load average before and after is recorded.

    python -m benchmarks.run                 # all, 3 rounds for the short ones
    python -m benchmarks.run --only mpi      # some; keys of the others in results.json stay
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import (bandwidth, end_to_end, metal, mpi, overhead, perovskite, symmetry,
                        throughput, time_to_accuracy)
from benchmarks.common import REPO, Context

RESULTS = Path(__file__).resolve().parent / "results.json"
BENCHMARKS = {"bandwidth": bandwidth, "throughput": throughput, "metal": metal, "mpi": mpi,
              "symmetry": symmetry, "end_to_end": end_to_end, "overhead": overhead,
              "time_to_accuracy": time_to_accuracy, "perovskite": perovskite}
#: key prefixes a benchmark writes besides its own name (dropped from the old file on a rerun)
EXTRA_PREFIX = {"mpi": "structure", "overhead": "postprocess"}
#: key: (comparison, target) checked in the final table.
TARGETS = {
    "metal.ratio_to_vacuum": ("<=", 2.5),
    "mpi.efficiency_vs_bandwidth": (">=", 0.9),
    "end_to_end.speedup": (">=", 5.0),
    "time_to_accuracy.speedup": (">=", 5.0),
    "overhead.fraction": ("<", 0.1),
    "postprocess.peak_memory_gb": ("<", 2.0),
}
#: keys shown in the final table, in order (all keys go to results.json).
TABLE = (
    "bandwidth.gb_s_1proc", "bandwidth.gb_s_2proc",
    "throughput.vacuum_mcells_s", "throughput.metal_mcells_s", "throughput.meep_ag_mcells_s",
    "throughput.vacuum_mcells_s_2rank", "throughput.metal_mcells_s_2rank",
    "throughput.vacuum_bytes_per_update_at_ceiling",
    "metal.ratio_to_vacuum", "metal.meep_ag_ratio_to_vacuum", "metal.fit_max_rel_error",
    "mpi.speedup", "mpi.bandwidth_speedup", "mpi.efficiency_vs_bandwidth",
    "mpi.uneven_chunks_vs_even", "structure.step_vs_empty_cell", "structure.dielectric_poles_share",
    "symmetry.speedup", "symmetry.max_abs_dR",
    "end_to_end.speedup", "end_to_end.speedup_vs_tutorial_courant05", "end_to_end.stepping_speedup",
    "end_to_end.same_material_speedup", "end_to_end.same_material_max_abs_dR",
    "end_to_end.same_material_pump_map_rel_l2",
    "end_to_end.same_material_pump_map_rel_l2_above_substrate", "end_to_end.jc_fit_vs_rakic_max_abs_dR",
    "time_to_accuracy.hotlase_grid_nm", "time_to_accuracy.hotlase_s",
    "time_to_accuracy.speedup", "time_to_accuracy.speedup_lower_bound",
    "overhead.fraction", "overhead.fraction_process", "overhead.fourier_share_of_stepping",
    "overhead.boundaries_share_of_stepping", "overhead.python_share_of_stepping",
    "overhead.absorbed_by_material_share_of_wall",
    "postprocess.peak_memory_gb", "postprocess.peak_over_whole_e",
)


def log(msg: str) -> None:
    print(msg, flush=True)


def verdict(key: str, value) -> str:
    """'ok' / 'MISSED' against TARGETS, '' for untargeted keys."""
    if key not in TARGETS or not isinstance(value, (int, float)) or math.isnan(value):
        return ""
    op, target = TARGETS[key]
    ok = {"<=": value <= target, ">=": value >= target, "<": value < target}[op]
    return f"{'ok' if ok else 'MISSED'} (target {op} {target:g})"


def table(results: dict) -> str:
    """The final table: key, value, verdict."""
    lines = [f"{'key':48s} {'value':>12s}  target", "-" * 80]
    for key in TABLE:
        if key in results:
            v = results[key]
            text = f"{v:12.4g}" if isinstance(v, (int, float)) else f"{str(v):>12s}"
            lines.append(f"{key:48s} {text}  {verdict(key, v)}")
    return "\n".join(lines)


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=list(BENCHMARKS))
    p.add_argument("--rounds", type=int, default=3, help="rounds of the short benchmarks")
    p.add_argument("--workdir", help="keep run files here (default: a temporary directory)")
    p.add_argument("--results", default=str(RESULTS))
    args = p.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    out_path = Path(args.results)
    stored = json.loads(out_path.read_text()) if out_path.is_file() else {}
    results: dict = {}
    meta = {"started_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "git_commit": _git_commit(), "cpus": os.cpu_count(), "rounds": args.rounds,
            "load_avg_before": os.getloadavg()[0], "benchmarks": names, "seconds": {}}
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hotlase-bench-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        ctx = Context(workdir, args.rounds, log)
        for name in names:
            meta.setdefault("load_avg_at_start", {})[name] = os.getloadavg()[0]
            log(f"== {name} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus)")
            t0 = time.perf_counter()
            try:
                BENCHMARKS[name].run(results, ctx)
            except Exception as err:  # noqa: BLE001 - report it, keep the other benchmarks
                log(f"   {name} FAILED: {type(err).__name__}: {err}")
                results[f"{name}.error"] = f"{type(err).__name__}: {err}"[:2000]
            meta["seconds"][name] = round(time.perf_counter() - t0, 1)
            log(f"   {name}: {meta['seconds'][name]:.0f} s")
    meta["total_seconds"] = round(time.perf_counter() - t_all, 1)
    meta["load_avg_after"] = os.getloadavg()[0]
    rerun = set(names) | {EXTRA_PREFIX[n] for n in names if n in EXTRA_PREFIX}
    merged = {k: v for k, v in stored.items() if k != "meta" and k.split(".")[0] not in rerun}
    merged.update(results)
    old = stored.get("meta", {})  # per-benchmark facts of earlier invocations stay
    for key in ("seconds", "load_avg_at_start"):
        meta[key] = {**old.get(key, {}), **meta.get(key, {})}
    keep = ("started_utc", "git_commit", "benchmarks", "total_seconds", "load_avg_before",
            "load_avg_after")
    meta["invocations"] = [*old.get("invocations", []), {k: meta[k] for k in keep}][-10:]
    merged["meta"] = meta
    out_path.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")
    log("\n" + table(merged))
    log(f"\n{len(names)} benchmark(s) in {meta['total_seconds']:.0f} s; load average "
        f"{meta['load_avg_before']:.1f} before, {meta['load_avg_after']:.1f} after; "
        f"wrote {out_path}")
    return 1 if any(k.endswith(".error") for k in results) else 0


if __name__ == "__main__":
    sys.exit(main())
