"""Run mypy over the ``hotlase`` package as it installs (``make test`` runs this).

The folders geometry/, solvers/, postprocess/ and jobs/ install as hotlase.geometry etc.
through setuptools' package-dir mapping, which mypy cannot follow through the editable
install's import hook; so this builds the installed layout as a tree of symlinks in a
temporary folder, runs ``mypy -p hotlase`` on it (settings: ``[tool.mypy]`` of
pyproject.toml) and prints the errors with repository paths. Exit code: mypy's.

    .venv/bin/python scripts/typecheck.py          # as make test runs it
    .venv/bin/python scripts/typecheck.py --all    # also modules listed as ignore_errors
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAPPED = {"geometry": "geometry", "solvers": "solvers", "postprocess": "postprocess",
          "jobs": "jobs"}


def main(argv: list[str] | None = None) -> int:
    show_all = "--all" in (sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="hotlase-mypy-") as tmp:
        root = Path(tmp) / "hotlase"
        root.mkdir()
        for f in (REPO / "hotlase").iterdir():
            if f.suffix == ".py":
                (root / f.name).symlink_to(f)
        for name, folder in MAPPED.items():
            (root / name).symlink_to(REPO / folder, target_is_directory=True)
        proc = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"),
             "--cache-dir", str(REPO / ".mypy_cache"), "-p", "hotlase",
             *(["--config-file", _without_ignores(Path(tmp))] if show_all else [])],
            cwd=tmp, capture_output=True, text=True)
        out = proc.stdout + proc.stderr
        for name, folder in MAPPED.items():
            out = out.replace(f"hotlase/{name}/", f"{folder}/")
        print(out, end="")
        return proc.returncode


def _without_ignores(tmp: Path) -> str:
    """A copy of the configuration without the ``ignore_errors`` overrides."""
    text = (REPO / "pyproject.toml").read_text().replace("ignore_errors = true",
                                                          "ignore_errors = false")
    path = tmp / "pyproject.toml"
    path.write_text(text)
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
