"""Shared validators: every message names the field path, the value and what is allowed.

Pattern after SimPEG's ``validate_float`` and gdsfactory's early ``ValueError``s.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


#: Longest repr of a bad value shown in a SpecError message.
MAX_VALUE_CHARS = 200


class SpecError(ValueError):
    """Invalid study input; the message is one line: ``path = value: what is allowed``."""

    def __init__(self, path: str, value: Any, allowed: str):
        self.path, self.value, self.allowed = path, value, allowed
        shown = repr(value)
        if len(shown) > MAX_VALUE_CHARS:  # one readable line whatever the input holds
            shown = f"{shown[:MAX_VALUE_CHARS]}...({len(shown)} chars)"
        super().__init__(f"{path} = {shown}: {allowed}")


def check_number(path: str, value: Any, *, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False, hi_open: bool = False) -> float:
    """Return ``value`` as float if it is a finite real number within [lo, hi].

    Args:
        path: dotted field path used in the error message, e.g. ``structure.rod.radius_nm``.
        value: the value to check (bool is refused: ``true`` is not a length).
        lo, hi: bounds; ``lo_open``/``hi_open`` make them strict.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(path, value, f"must be a number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise SpecError(path, value, "must be finite (NaN and inf are not allowed)")
    if lo is not None and (x < lo or (lo_open and x == lo)):
        raise SpecError(path, value, _range_text(lo, hi, lo_open, hi_open))
    if hi is not None and (x > hi or (hi_open and x == hi)):
        raise SpecError(path, value, _range_text(lo, hi, lo_open, hi_open))
    return x


@dataclass(frozen=True)
class Range:
    """The allowed values of one numeric key: the validator checks with it and the study
    reference (``hotlase schema``) prints it, so the two cannot disagree."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def check(self, path: str, value: Any) -> float | int:
        """``value`` as float (int when ``integer``), or SpecError naming ``path``."""
        if self.integer:
            return check_int(path, value, lo=self.lo, hi=self.hi)
        return check_number(path, value, lo=self.lo, hi=self.hi, lo_open=self.lo_open,
                            hi_open=self.hi_open)

    def text(self) -> str:
        """The range as written in errors without "must be": ``[0.5, 50]``, ``> 0``."""
        if self.lo is None and self.hi is None:
            return "any"
        out = _range_text(self.lo, self.hi, self.lo_open, self.hi_open).removeprefix("must be ")
        return ("integer " if self.integer else "") + out.removeprefix("in ")


def check_positive(path: str, value: Any) -> float:
    """A finite number > 0 (sizes, periods, intensities)."""
    return check_number(path, value, lo=0.0, lo_open=True)


def check_int(path: str, value: Any, *, lo: float | None = None, hi: float | None = None) -> int:
    """An integer within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(path, value, f"must be an integer, got {type(value).__name__}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SpecError(path, value, _range_text(lo, hi, False, False))
    return value


def check_choice(path: str, value: Any, allowed: Iterable[str]) -> str:
    """One of a fixed set of strings."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise SpecError(path, value, f"must be one of {', '.join(map(repr, allowed))}")
    return value


def check_bool(path: str, value: Any) -> bool:
    """A true/false flag."""
    if not isinstance(value, bool):
        raise SpecError(path, value, f"must be true or false, got {type(value).__name__}")
    return value


def check_keys(path: str, table: Any, allowed: Iterable[str], required: Iterable[str] = ()) -> Mapping:
    """A TOML table with only known keys (typos are errors) and all required ones."""
    if not isinstance(table, Mapping):
        raise SpecError(path or "<study>", table, "must be a table")
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            hint = _closest(key, allowed)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise SpecError(_join(path, key), table[key],
                            f"unknown key{extra}; allowed keys: {', '.join(sorted(allowed))}")
    for key in required:
        if key not in table:
            raise SpecError(_join(path, key), None, "is required")
    return table


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _range_text(lo, hi, lo_open, hi_open) -> str:
    if lo is not None and hi is not None:
        return f"must be in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"must be {'>' if lo_open else '>='} {lo:g}"
    return f"must be {'<' if hi_open else '<='} {hi:g}"


def _closest(word: str, options: tuple[str, ...]) -> str | None:
    import difflib

    hits = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return hits[0] if hits else None
