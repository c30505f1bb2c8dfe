"""Write docs/study-reference.md from the spec classes (``hotlase schema`` prints the same).

Run ``.venv/bin/python scripts/gen_study_reference.py`` after changing a spec class, a limit
table or a docstring; tests/unit/test_study_reference.py fails until the page is regenerated.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hotlase.jobs.schema import reference

PAGE = Path(__file__).resolve().parent.parent / "docs" / "study-reference.md"

if __name__ == "__main__":
    PAGE.write_text(reference(), encoding="utf-8")
    print(PAGE, file=sys.stderr)
