"""The no-metal twin (docs/physics.md §2): every metal replaced by the substrate dielectric.

Derived from the metal study, never written twice: same structure, same grid, same sources;
only the materials that are metals change.
"""

from __future__ import annotations

import dataclasses

from hotlase.geometry.study import StudySpec, material_model

DEFAULT_TWIN_DIELECTRIC = "SiO2"


def twin_dielectric(study: StudySpec) -> str:
    """The dielectric that replaces metal: the substrate if it is a dielectric, else SiO2."""
    substrate = study.structure.substrate.material
    if material_model(study, substrate).is_metal:
        return DEFAULT_TWIN_DIELECTRIC
    return substrate


def has_metal(study: StudySpec) -> bool:
    """True if any material of the structure is a metal."""
    from hotlase.geometry.study import structure_materials

    return any(material_model(study, name).is_metal
               for name in structure_materials(study.structure).values())


def without_metal(study: StudySpec) -> StudySpec:
    """The same study with each metal material replaced by ``twin_dielectric(study)``.

    The twin's name gets the suffix ``_no_metal``; it does not ask for a twin of its own.
    """
    fill = twin_dielectric(study)

    def swap(name: str) -> str:
        return fill if material_model(study, name).is_metal else name

    from hotlase.geometry.kinds import swap_materials

    return dataclasses.replace(study, name=f"{study.name}_no_metal",
                               structure=swap_materials(study.structure, swap),
                               compare_no_metal=False)
