"""Record a ``hotlase converge`` ladder with the source, so every run of that study (``make
demo`` included) reports its error bars from it (postprocess.ladder.SHIPPED_DIR).

    python scripts/record_ladder.py CONVERGE_DIR

copies CONVERGE_DIR/convergence.json to postprocess/ladders/<study name>-<ladder_key>.json,
replacing any earlier record of the same study, with the machine-specific paths (study file,
point directories) reduced to names. ``make ladder`` runs the default study's ladder and
records it; run it again whenever the solver or the default study changes the numbers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hotlase.jobs.state import write_text_atomic
from hotlase.postprocess.ladder import LADDER_FILE, LADDER_FORMAT, SHIPPED_DIR


def record(converge_dir: Path) -> Path:
    ladder = json.loads((converge_dir / LADDER_FILE).read_text())
    if ladder.get("format") != LADDER_FORMAT or not ladder.get("study_key"):
        raise SystemExit(f"{converge_dir / LADDER_FILE}: not a {LADDER_FORMAT} ladder with a study_key")
    if ladder.get("missing_grids_nm"):
        raise SystemExit(f"{converge_dir}: grids {ladder['missing_grids_nm']} are not complete; "
                         "finish the ladder before recording it")
    if ladder.get("study_file"):
        ladder["study_file"] = Path(ladder["study_file"]).name
    ladder.pop("points", None)
    for row in [*ladder["quantities"], *(ladder.get("spectra") or {}).values()]:
        row.pop("figure", None)  # the figures stay in the converge directory
    SHIPPED_DIR.mkdir(exist_ok=True)
    for old in SHIPPED_DIR.glob(f"{ladder['study_name']}-*.json"):
        old.unlink()
    out = SHIPPED_DIR / f"{ladder['study_name']}-{ladder['study_key']}.json"
    write_text_atomic(out, json.dumps(ladder, indent=1, allow_nan=False) + "\n")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(f"recorded {record(Path(sys.argv[1]))}")
