"""Write the generated docs pages from the registries: docs/runfile.md (run-kind schemas,
geometry.runkinds) and docs/summary.md (reported quantities, postprocess.quantities).

    .venv/bin/python scripts/gen_docs.py          # write them
    .venv/bin/python scripts/gen_docs.py --check  # exit 1 when a page differs (the tests do this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def pages() -> dict[Path, str]:
    """{docs page: its generated text}."""
    from hotlase.geometry.runkinds import runfile_markdown

    out = {DOCS / "runfile.md": runfile_markdown()}
    try:
        from hotlase.postprocess.quantities import summary_markdown
    except ImportError:  # the quantity registry is optional for this script
        return out
    out[DOCS / "summary.md"] = summary_markdown()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="compare, write nothing")
    args = p.parse_args(argv)
    stale = []
    for path, text in pages().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text)
            print(f"wrote {path}")
    if args.check and stale:
        print("out of date (run scripts/gen_docs.py): " + ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
