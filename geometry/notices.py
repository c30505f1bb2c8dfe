"""Warnings once per command, each with what to do (issue 14: Meep's frequency-range warning
twice per run, numpy's subnormal warnings, the skin-depth warning once per rank and process).

``install`` replaces ``warnings.showwarning`` in a command's process: a message already shown
is not shown again, known messages get their advice appended, and under MPI only the rank
that prints (``printer``) shows anything. ``STUDY_WARNED_ENV`` set by a parent that already
showed the study's checks (``hotlase run``) silences them in the solver it starts.
"""

from __future__ import annotations

import os
import sys
import warnings

#: Set to 1 by a parent that already showed the study's check warnings to the user.
STUDY_WARNED_ENV = "HOTLASE_STUDY_WARNED"
#: The environment entry that silences numpy's subnormal warning from interpreter start
#: (some MPI/Meep builds set flush-to-zero, which numpy.finfo reports as a UserWarning).
SUBNORMAL_FILTER = "ignore:The value of the smallest subnormal:UserWarning"
#: (start of the message, what the user should know or do).
ADVICE = (
    ("Note: your sources include frequencies outside the range of validity",
     "expected: the pulse is wider than the band; hotlase reports only the band, which lies "
     "inside every material's valid range (checked before the run); nothing to do"),
    ("Epsilon < 1 may require adjusting the Courant",
     "expected with metals: hotlase checks every run for growing fields and stops it with a "
     "fix if it diverges; nothing to do unless a run reports a divergence"),
    ("DFT frequency",
     "a Harminv mode or a band edge lies outside a material model's fitted range, so that "
     "mode's field uses the model beyond its fit: read its Γ and V with care, or widen the "
     "band's margin (shown once; further frequencies not listed)"),
)
#: Messages that differ only in their numbers and count as one warning: (start, contains).
FAMILIES = (("DFT frequency", "is out of material's range"),)


def family(message: str) -> str:
    """The key a warning is shown once under: its family's start for a known family (Meep's
    DFT range warning names each frequency), else the message itself."""
    return next((start for start, part in FAMILIES
                 if message.startswith(start) and part in message), message)


def advice(message: str) -> str:
    """What to do about a warning ("" when nothing is known)."""
    return next((a for start, a in ADVICE if start in message), "")


def install(printer: bool = True, stream=None) -> set[str]:
    """Show each warning once in this process with its advice, only when ``printer``;
    returns the set of messages shown (for tests)."""
    shown: set[str] = set()
    out = stream or sys.stderr
    warnings.filterwarnings("ignore", message="The value of the smallest subnormal",
                            category=UserWarning)
    if os.environ.get(STUDY_WARNED_ENV) == "1":
        warnings.filterwarnings("ignore", category=UserWarning, module=r"hotlase\.geometry")

    def show(message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if not printer or family(text) in shown:
            return
        shown.add(family(text))
        tip = advice(text)
        print(f"warning: {text}" + (f" ({tip})" if tip else ""), file=file or out, flush=True)

    warnings.showwarning = show
    return shown
