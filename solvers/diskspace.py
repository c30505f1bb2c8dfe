"""How much disk a run file needs, estimated from the study, for the full-disk message.

The large datasets are field maps on the fields run's grid (``solvers.fields``): per map and
voxel, E and H as complex64 (2 x 3 x 8 bytes), eps as complex64 (8) and a material id (1),
57 bytes. A fields run writes one map per target (pump, emission, up to MAX_MODE_MAPS modes);
a modes run writes E and H (48 bytes) per mode found, counted here as MAX_MODE_MAPS modes.
Every run file also holds arrays over the study's wavelengths (R, T, A, fluxes, absorption
per material, LDOS per orientation: counted as 16 float64 arrays) and about 64 kB of
attributes (the study as JSON, versions) and HDF5 metadata.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from hotlase.solvers.fields import MAX_MODE_MAPS

BYTES_PER_FIELD_VOXEL = 2 * 3 * 8 + 8 + 1   # E, H (complex64 x 3 each), eps (complex64), id (int8)
BYTES_PER_MODE_VOXEL = 2 * 3 * 8            # a mode profile: E and H only
HEADER_BYTES = 64 << 10
ARRAYS_PER_WAVELENGTH = 16


def map_voxels(study, layout) -> int:
    """Voxels of one field map (``fields.field_region`` at the study's grid)."""
    from hotlase.solvers.cell import make_frame
    from hotlase.solvers.fields import field_region

    frame = make_frame(study, layout)
    _, size = field_region(frame)
    return math.prod(max(1, round(s * frame.resolution) + 1)
                     for s in (size.x, size.y, size.z) if 0 < s < math.inf)


def run_bytes(study, layout, kinds) -> int:
    """Estimated bytes of the run files of ``kinds`` (see the module docstring)."""
    total = 0
    for kind in kinds:
        total += HEADER_BYTES + ARRAYS_PER_WAVELENGTH * 8 * study.simulation.n_wavelengths
        if kind == "fields":
            total += (2 + MAX_MODE_MAPS) * map_voxels(study, layout) * BYTES_PER_FIELD_VOXEL
        elif kind == "modes":
            total += MAX_MODE_MAPS * map_voxels(study, layout) * BYTES_PER_MODE_VOXEL
    return total


def disk_full_message(directory: Path, needed_bytes: int | None) -> str:
    """One line: the disk is full, what the runs need, what is free."""
    try:
        free = shutil.disk_usage(directory).free
        free_text = f"{_size(free)} free"
    except OSError:
        free_text = "free space unknown"
    need = (f"these runs need about {_size(needed_bytes)} (estimate from the study)"
            if needed_bytes else "the run needs more space")
    return (f"disk full in {directory}: {need}, {free_text}; the unfinished .tmp was removed; "
            f"free space or choose another --out, then run again with --resume")


def _size(nbytes: int) -> str:
    """Bytes in kB, MB or GB (decimal), 3 significant digits."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes / 1e3:.3g} kB"
