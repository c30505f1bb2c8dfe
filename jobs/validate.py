"""``hotlase validate [--quick]``: run the physics validation set (Meep against analytic
references: Airy/Fresnel films, oblique incidence, SI field normalisation, surface-plasmon
dispersion, LDOS scaling and image dipoles, 1 vs 2 ranks, symmetry) on this installation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUICK = ("tests/physics/test_spectrum_films.py", "tests/physics/test_fields_normalisation.py",
         "tests/physics/test_emitter_homogeneous.py")


def run_validation(quick: bool = False) -> int:
    """Run the physics tests with pytest; returns its exit code (0 = every check passed)."""
    if not (REPO / "tests" / "physics").is_dir():
        print(f"error: the validation tests are not beside this installation ({REPO / 'tests'})",
              file=sys.stderr)
        return 2
    targets = [str(REPO / t) for t in QUICK] if quick else [str(REPO / "tests" / "physics")]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *targets],
                          cwd=REPO).returncode
