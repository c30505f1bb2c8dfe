"""The frame of the emitter's homogeneous bulk cell for the LDOS tests (no structure)."""

from __future__ import annotations

from hotlase.solvers.cell import Frame


def bulk_frame(res_nm: float, side_um: float, pml_um: float) -> Frame:
    """A periodic 3D frame of a ``side_um`` cube with ``pml_um`` PML, ``res_nm`` grid, Courant
    0.5: ``solvers.emitter.bulk_simulation`` takes its grid, PML and Courant number."""
    half = side_um / 2 + pml_um
    return Frame(dims=3, size_xy=(side_um, side_um), z_min=-half, z_max=half, z_top=0.0,
                 z_bottom=0.0, z_source=0.0, z_refl=0.0, z_trans=0.0, pml=pml_um,
                 periodic=(True, True), resolution=1000.0 / res_nm, courant=0.5,
                 metal_below=False, metal_lateral=False)
