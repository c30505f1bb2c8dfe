"""Planar layers below z = 0 as laterally infinite boxes (shared by every builder)."""

from __future__ import annotations

import math

from hotlase.geometry.primitives import Box
from hotlase.geometry.specs import LayerSpec


def build_layers(layers: tuple[LayerSpec, ...]) -> tuple[tuple[Box, ...], float]:
    """Boxes for finite layers stacked downwards from z = 0, and the z of their bottom (nm).

    Args:
        layers: finite layers from the top down (the substrate is not among them).
    """
    boxes, z = [], 0.0
    for layer in layers:
        t = layer.thickness_nm
        boxes.append(Box(layer.material, (0.0, 0.0, z - t / 2), (math.inf, math.inf, t)))
        z -= t
    return tuple(boxes), z

