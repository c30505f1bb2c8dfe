"""The default study written as a plain Meep script, the way the Meep tutorials teach it.

This is the baseline hotlase is timed against (benchmarks.end_to_end). It follows the
tutorials "Reflectance of a planar interface" / "Transmittance spectrum of a waveguide
bend": an empty-cell normalisation run, ``load_minus_flux_data``, then the structure run,
both for one fixed ``until`` time; no mirror symmetry; Meep's default (even) chunks; and
``meep.materials.Ag`` (Rakic 1998, 6 poles) with Courant 0.3 by default, the step issue 6
prescribes for it at 10 nm (it diverges with Courant 0.5 at 20 nm; at 10 nm it ran without
NaN here with 0.5 too, so benchmarks.end_to_end times both).
The rod (CsPbBr3) and substrate (SiO2) use the project's models so that only the metal and
the method differ. Same cell as hotlase: 300 x 300 nm periodic unit cell, 300 nm padding,
400 nm PML, 10 nm grid, flux plane 150 nm above the rod, source 225 nm above it.

``--metal project`` swaps in the project's fitted Ag, for an accuracy check on one material.
Results (R at the study wavelengths, the pump |E|/|E0| map) go to an ``.npz`` file.
"""

from __future__ import annotations

import argparse
import time

import meep as mp
import numpy as np

from benchmarks.common import emit

FS_PER_MEEP_TIME = 3.33564095  # a/c for a = 1 um


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--until-fs", type=float, required=True, help="run time of each run (fs)")
    p.add_argument("--metal", choices=("rakic", "project"), default="rakic")
    p.add_argument("--courant", type=float, default=0.3)
    p.add_argument("--resolution-nm", type=float, default=10.0, help="grid spacing, nm")
    p.add_argument("--out", required=True, help=".npz with R and the pump map")
    p.add_argument("--worker", action="store_true", help="(run by benchmarks.common.run_worker)")
    a = p.parse_args(argv)
    t_start = time.perf_counter()

    from hotlase.geometry.materials.registry import get_material
    from hotlase.solvers.materials import to_meep_medium

    if a.metal == "rakic":
        from meep.materials import Ag
    else:
        Ag = to_meep_medium(get_material("Ag"))
    CsPbBr3 = to_meep_medium(get_material("CsPbBr3"))
    SiO2 = to_meep_medium(get_material("SiO2"))

    resolution = 1000.0 / a.resolution_nm  # pixels/um
    period = 0.3
    dpml = 0.4
    pad = 0.3
    t_ag, h_rod, r_rod = 0.1, 0.15, 0.06
    z_min, z_max = -t_ag - pad - dpml, h_rod + pad + dpml  # z = 0 at the Ag top
    sz = z_max - z_min
    zc = (z_max + z_min) / 2  # Meep's cell is centred on 0: z_meep = z - zc

    cell = mp.Vector3(period, period, sz)
    pml_layers = [mp.PML(dpml, direction=mp.Z)]

    wavelengths = np.linspace(0.4, 0.7, 121)
    freqs = 1 / wavelengths
    fcen, df = (freqs.max() + freqs.min()) / 2, freqs.max() - freqs.min()
    f_pump = 1 / 0.405
    sources = [mp.Source(mp.GaussianSource(fcen, fwidth=df), component=mp.Ex,
                         center=mp.Vector3(0, 0, h_rod + 0.75 * pad - zc),
                         size=mp.Vector3(period, period, 0))]
    refl_fr = mp.FluxRegion(center=mp.Vector3(0, 0, h_rod + 0.5 * pad - zc),
                            size=mp.Vector3(period, period, 0))
    until = a.until_fs / FS_PER_MEEP_TIME

    # normalisation: the empty cell
    sim = mp.Simulation(cell_size=cell, boundary_layers=pml_layers, sources=sources,
                        resolution=resolution, k_point=mp.Vector3(), Courant=a.courant)
    refl = sim.add_flux(freqs, refl_fr)
    pump_flux = sim.add_flux([f_pump], refl_fr)
    t0 = time.perf_counter()
    sim.run(until=until)
    stepping = time.perf_counter() - t0
    straight_refl_data = sim.get_flux_data(refl)
    incident = np.array(mp.get_fluxes(refl))  # negative: the light travels down, the plane faces +z
    incident_pump_per_area = -np.array(mp.get_fluxes(pump_flux))[0] / period**2
    sim.reset_meep()

    # the structure
    geometry = [
        mp.Block(center=mp.Vector3(0, 0, (z_min - t_ag) / 2 - zc),
                 size=mp.Vector3(mp.inf, mp.inf, -t_ag - z_min), material=SiO2),
        mp.Block(center=mp.Vector3(0, 0, -t_ag / 2 - zc), size=mp.Vector3(mp.inf, mp.inf, t_ag),
                 material=Ag),
        mp.Cylinder(radius=r_rod, height=h_rod, center=mp.Vector3(0, 0, h_rod / 2 - zc),
                    material=CsPbBr3),
    ]
    sim = mp.Simulation(cell_size=cell, boundary_layers=pml_layers, geometry=geometry,
                        sources=sources, resolution=resolution, k_point=mp.Vector3(),
                        Courant=a.courant)
    refl = sim.add_flux(freqs, refl_fr)
    sim.load_minus_flux_data(refl, straight_refl_data)
    lo, hi = -t_ag - pad / 4, h_rod + pad / 4  # the region hotlase maps
    dft = sim.add_dft_fields([mp.Ex, mp.Ey, mp.Ez], [f_pump],
                             center=mp.Vector3(0, 0, (lo + hi) / 2 - zc),
                             size=mp.Vector3(period, period, hi - lo))
    t0 = time.perf_counter()
    sim.run(until=until)
    stepping += time.perf_counter() - t0
    R = -np.array(mp.get_fluxes(refl)) / incident
    E = np.stack([np.asarray(sim.get_dft_array(dft, c, 0)) for c in (mp.Ex, mp.Ey, mp.Ez)])
    enhancement = E / np.sqrt(incident_pump_per_area)
    x, y, z, _ = sim.get_array_metadata(dft_cell=dft)
    if mp.am_master():
        np.savez(a.out, wavelength_nm=wavelengths * 1000, R=R, E_over_E0=enhancement,
                 x_nm=np.asarray(x) * 1000, y_nm=np.asarray(y) * 1000,
                 z_nm=(np.asarray(z) + zc) * 1000)
        emit({"stepping_s": stepping, "script_s": time.perf_counter() - t_start,
              "steps": int(sim.fields.t),
              "cells": int(round(period * resolution)) ** 2 * int(round(sz * resolution))})


if __name__ == "__main__":
    main()
