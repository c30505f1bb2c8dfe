"""Material names → MaterialModel: built-in models, mixed halides and study-file materials.

Names a study may use (``list_materials()``): the fitted models (``Ag_JC``, ``Ag_JC_broad``,
``Ag_McPeak``, ``Au_JC``, ``Au_McPeak``, ``Cu_JC``, ``Al_McPeak``, ``CsPbBr3_Brennan``, ...),
the short defaults ``Ag``, ``Au``, ``Cu``, ``Al``, ``CsPbBr3``, ``CsPbCl3``, ``CsPbI3``,
``SiO2``, ``Al2O3``, ``MgF2``, ``LiF`` (a short name returns its default model, whose
``name`` says which fit it is), and mixed halides written ``CsPb(Br0.6Cl0.4)3`` or
``CsPb(Br0.5I0.5)3``.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any, cast

import numpy as np

from hotlase.geometry.materials.dielectrics import DIELECTRICS
from hotlase.geometry.materials.fit import MeasuredTable, read_refractiveindex_yaml
from hotlase.geometry.materials.metals import METAL_ALIASES, METALS
from hotlase.geometry.materials.model import MaterialModel, Pole, PoleKind
from hotlase.geometry.materials.perovskites import (BAND_MODELS, PEROVSKITE_ALIASES, PEROVSKITES,
                                                   mixed_halide)
from hotlase.geometry.units import nk_to_eps, nm_to_ev
from hotlase.geometry.validate import (Range, SpecError, check_bool, check_choice, check_keys,
                                      check_number)

_MODELS: dict[str, MaterialModel] = {m.name: m for m in (*METALS, *PEROVSKITES, *DIELECTRICS)}
_ALIASES: dict[str, str] = {
    **METAL_ALIASES, **PEROVSKITE_ALIASES,
}

#: The measured table behind each fitted model (file in the shared data folder).
MEASURED_FILES = {
    "Ag_JC": "Ag_Johnson.yml", "Ag_JC_drude": "Ag_Johnson.yml", "Ag_JC_broad": "Ag_Johnson.yml", "Ag_McPeak": "Ag_McPeak.yml",
    "Au_JC": "Au_Johnson.yml", "Au_McPeak": "Au_McPeak.yml", "Cu_JC": "Cu_Johnson.yml",
    "Al_McPeak": "Al_McPeak.yml", "CsPbBr3_Brennan": "CsPbBr3_Brennan.yml",
    "CsPbCl3_Zhang": "CsPbCl3_Zhang.yml", "CsPbCl3_Ermolaev": "CsPbCl3_Ermolaev-o.yml",
    "CsPbI3_Aftenieva": "CsPbI3_Aftenieva.yml",
    **{m: "CsPbBr3_Brennan.yml" for m in BAND_MODELS["CsPbBr3"]},
    **{m: "CsPbCl3_Zhang.yml" for m in BAND_MODELS["CsPbCl3"]},
}

_MIXED = re.compile(r"^CsPb\((Br)([^A-Za-z()]+)(Cl|I)([^A-Za-z()]+)\)3$")
_MIXED_ANY = re.compile(r"^CsPb\(.*\)3$")


def list_materials() -> list[str]:
    """Every built-in name (aliases and full model names), sorted; mixed halides by pattern."""
    return sorted({*_MODELS, *_ALIASES})


def get_material(name: str, path: str = "material") -> MaterialModel:
    """The built-in model called ``name``.

    Args:
        name: a name from ``list_materials()`` or a mixed halide ``CsPb(Br{x}Cl{1-x})3``.
        path: field path for error messages (e.g. ``structure.metal.material``).

    Raises:
        SpecError: unknown name (with the known names and the closest match), or a mixed
            halide whose fractions are not numbers in [0, 1] summing to 1.
    """
    if not isinstance(name, str):
        raise SpecError(path, name, f"must be a material name (string), got {type(name).__name__}")
    if name in _MODELS:
        return _MODELS[name]
    if name in _ALIASES:
        return _MODELS[_ALIASES[name]]
    if _MIXED_ANY.match(name):
        return _mixed_from_name(name, path)
    import difflib

    known = list_materials()
    hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise SpecError(path, name, f"unknown material; known: {', '.join(known)}, "
                                f"CsPb(Br<x>Cl<1-x>)3, CsPb(Br<x>I<1-x>)3, or a [materials.NAME] "
                                f"table{did_you_mean}")


def _mixed_from_name(name: str, path: str) -> MaterialModel:
    rule = ("mixed halide must read CsPb(Br<x>Cl<1-x>)3 or CsPb(Br<x>I<1-x>)3 with fractions "
            "in [0, 1] summing to 1, e.g. 'CsPb(Br0.6Cl0.4)3'")
    match = _MIXED.match(name)
    if not match:
        raise SpecError(path, name, rule)
    try:
        x, y = float(match.group(2)), float(match.group(4))
    except ValueError:
        raise SpecError(path, name, rule) from None
    if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= 1 and 0 <= y <= 1
            and abs(x + y - 1.0) < 1e-6):
        raise SpecError(path, name, rule)
    return mixed_halide(x, f"Br-{match.group(3)}", path=path)


def model_for_band(name: str, lo_nm: float, hi_nm: float, path: str = "material") -> MaterialModel:
    """The model of ``name`` for a study band [lo_nm, hi_nm]: for a compound with per-band
    models (``perovskites.BAND_MODELS``) the one with the fewest poles whose window covers the
    band and that meets the n, k target there; otherwise ``get_material(name)``.

    Raises:
        SpecError: as ``get_material``.
    """
    model = get_material(name, path)
    if not isinstance(name, str) or name not in BAND_MODELS:
        return model
    band = sorted((get_material(m) for m in BAND_MODELS[name]), key=lambda m: len(m.poles))
    for cand in band:
        if (cand.valid_nm[0] <= lo_nm and hi_nm <= cand.valid_nm[1]
                and not cand.misses_nk_target(lo_nm, hi_nm)):
            return cand
    return model


def measured_table(name: str) -> MeasuredTable | None:
    """The measured n, k table a built-in model was fitted to (None if there is none)."""
    model = get_material(name)
    file = MEASURED_FILES.get(model.name)
    return read_refractiveindex_yaml(file) if file else None


def check_wavelengths(path: str, model: MaterialModel, lo_nm: float, hi_nm: float) -> None:
    """Refuse study wavelengths outside a model's valid window.

    Raises:
        SpecError: ``path = name: study wavelengths lo-hi nm outside the valid range ...``.
    """
    v_lo, v_hi = model.valid_nm
    if lo_nm < v_lo or hi_nm > v_hi:
        wider = [n for n, m in _MODELS.items()
                 if m.valid_nm[0] <= lo_nm and m.valid_nm[1] >= hi_nm
                 and n.split("_")[0] == model.name.split("_")[0]]
        fix = f"use {', '.join(wider)}" if wider else "choose a model fitted over these wavelengths"
        raise SpecError(path, model.name,
                        f"study wavelengths {lo_nm:g}-{hi_nm:g} nm are outside its valid range "
                        f"{v_lo:g}-{v_hi:g} nm ({model.source.split(';')[0]}); {fix} or narrow "
                        f"the simulation wavelengths")


def skin_depth_nm(model: MaterialModel, wavelength_nm) -> np.ndarray:
    """Field skin depth δ = λ / (2π k), nm: the depth where |E| falls by 1/e.

    docs/physics.md §3 (Ag ~25 nm, Au ~38 nm at 532 nm); J. D. Jackson, Classical
    Electrodynamics, 3rd ed., §8.1 (δ = c / (ω Im n)). The intensity decay length is δ/2.
    """
    k = np.sqrt(model.eps(wavelength_nm)).imag
    return np.asarray(wavelength_nm, dtype=float) / (2.0 * math.pi * np.abs(k))


_USER_KEYS = ("n", "k", "wavelength_nm", "eps_inf", "poles", "d_conductivity_ev", "valid_nm",
              "metal", "source")
_POLE_KEYS = ("kind", "frequency_ev", "gamma_ev", "sigma")
#: Allowed ranges of a [materials.NAME] table's numbers and of each pole's (checked below,
#: printed by ``hotlase schema``); a Drude pole's sigma must also be > 0.
USER_LIMITS = {"n": Range(0.0, 20.0, lo_open=True), "k": Range(0.0, 20.0),
               "wavelength_nm": Range(0.0, 1e6, lo_open=True), "eps_inf": Range(1.0, 100.0),
               "d_conductivity_ev": Range(0.0, 100.0)}
POLE_LIMITS = {"frequency_ev": Range(0.0, 50.0, lo_open=True), "gamma_ev": Range(0.0, 50.0),
               "sigma": Range(0.0, 1e4)}
POLE_KINDS = ("lorentz", "drude")


def parse_user_material(path: str, name: str, table: Any) -> MaterialModel:
    """A study-file ``[materials.NAME]`` table as a MaterialModel.

    Two forms:
      - constant index: ``n``, ``k`` (default 0), ``wavelength_nm`` (required when k > 0).
        Non-dispersive: ε∞ = Re (n+ik)² and a D-conductivity making Im ε exact at
        ``wavelength_nm`` (Meep's form; Im ε then scales as λ away from it). Needs n > k
        (Re ε > 0): a metal needs poles.
      - poles: ``eps_inf``, ``poles = [{kind, frequency_ev, gamma_ev, sigma}, ...]``,
        ``valid_nm = [lo, hi]`` (required), optional ``d_conductivity_ev``.
    Both accept ``metal`` (bool, default false), ``source`` (string) and ``valid_nm``.

    Args:
        path: field path of the table, e.g. ``materials.myAg``.
        name: the material's name in the study.
        table: the TOML table.

    Raises:
        SpecError: naming ``path.field`` for every bad or missing field.
    """
    check_keys(path, table, _USER_KEYS)
    has_nk, has_poles = ("n" in table or "k" in table), ("eps_inf" in table or "poles" in table)
    if has_nk == has_poles:
        raise SpecError(path, dict(table), "give either n (and k, wavelength_nm) or eps_inf and "
                                           "poles, not both and not neither")
    is_metal = check_bool(f"{path}.metal", table.get("metal", False))
    source = table.get("source", f"user material {name!r} from the study file")
    if not isinstance(source, str):
        raise SpecError(f"{path}.source", source, "must be a string")
    if has_nk:
        if "n" not in table:
            raise SpecError(f"{path}.n", None, "is required")
        for key in ("eps_inf", "poles", "d_conductivity_ev"):
            if key in table:
                raise SpecError(f"{path}.{key}", table[key], "not allowed with n, k")
        n = USER_LIMITS["n"].check(f"{path}.n", table["n"])
        k = USER_LIMITS["k"].check(f"{path}.k", table.get("k", 0.0))
        if k >= n:
            raise SpecError(f"{path}.k", table.get("k"), f"must be < n = {n:g} (Re eps > 0); "
                                                         f"a metal needs eps_inf and poles")
        valid = _valid_nm(path, table.get("valid_nm", [0.0, math.inf]))
        if k > 0.0 or "wavelength_nm" in table:
            if "wavelength_nm" not in table:
                raise SpecError(f"{path}.wavelength_nm", None,
                                "is required when k > 0 (the wavelength where Im eps is exact)")
            ref = USER_LIMITS["wavelength_nm"].check(f"{path}.wavelength_nm",
                                                     table["wavelength_nm"])
        eps = complex(nk_to_eps(n, k))
        cond = float(nm_to_ev(ref)) * eps.imag / eps.real if k > 0.0 else 0.0
        return MaterialModel(name, eps.real, (), cond, valid, source, (), is_metal)
    if "wavelength_nm" in table:
        raise SpecError(f"{path}.wavelength_nm", table["wavelength_nm"], "only with n, k")
    if "eps_inf" not in table:
        raise SpecError(f"{path}.eps_inf", None, "is required with poles")
    if "valid_nm" not in table:
        raise SpecError(f"{path}.valid_nm", None, "is required with poles: [lo, hi] in nm")
    eps_inf = USER_LIMITS["eps_inf"].check(f"{path}.eps_inf", table["eps_inf"])
    cond = USER_LIMITS["d_conductivity_ev"].check(f"{path}.d_conductivity_ev",
                                                  table.get("d_conductivity_ev", 0.0))
    raw = table.get("poles", [])
    if not isinstance(raw, list):
        raise SpecError(f"{path}.poles", raw, "must be a list of {kind, frequency_ev, gamma_ev, "
                                              "sigma} tables")
    poles = tuple(_pole(f"{path}.poles[{i}]", p) for i, p in enumerate(raw))
    return MaterialModel(name, eps_inf, poles, cond, _valid_nm(path, table["valid_nm"]), source,
                         (), is_metal)


def _pole(path: str, table: Any) -> Pole:
    check_keys(path, table, _POLE_KEYS, required=_POLE_KEYS)
    kind = check_choice(f"{path}.kind", table["kind"], POLE_KINDS)
    freq = POLE_LIMITS["frequency_ev"].check(f"{path}.frequency_ev", table["frequency_ev"])
    gamma = POLE_LIMITS["gamma_ev"].check(f"{path}.gamma_ev", table["gamma_ev"])
    sigma = replace(POLE_LIMITS["sigma"], lo_open=kind == "drude").check(f"{path}.sigma",
                                                                         table["sigma"])
    return Pole(cast(PoleKind, kind), freq, gamma, sigma)  # check_choice kept it in POLE_KINDS


def _valid_nm(path: str, value: Any) -> tuple[float, float]:
    where = f"{path}.valid_nm"
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise SpecError(where, value, "must be [lo, hi] in nm")
    lo = check_number(f"{where}[0]", value[0], lo=0.0)
    upper = value[1]
    if isinstance(upper, (int, float)) and not isinstance(upper, bool) and upper == math.inf:
        return lo, math.inf
    hi = check_number(f"{where}[1]", value[1], lo=lo, lo_open=True)
    return lo, hi


def is_known(name: str) -> bool:
    """True when ``get_material(name)`` would succeed."""
    try:
        get_material(name)
    except SpecError:
        return False
    return True


__all__ = ["get_material", "model_for_band", "parse_user_material", "check_wavelengths", "skin_depth_nm",
           "list_materials", "measured_table", "is_known", "MEASURED_FILES"]
