"""Emitter run: LDOS of a dipole inside a rod, and in the bulk rod medium (docs/physics.md §6).

An electric dipole at the centre of the rod (mid-height) radiates a pulse covering the study
band, once per orientation x, y, z; Meep's ``dft_ldos`` gives the LDOS spectrum (power
delivered by the prescribed current, normalised by its spectrum). The same dipoles in a
homogeneous cell of the rod medium on the same grid, with the same Courant number and PML
on every side, give ``ldos_bulk``, so Purcell = ldos / ldos_bulk compares like with like
(the grid-dependent near-field self-term of a point dipole in a lossy medium cancels).
LDOS is undefined inside a lossy metal, so the dipole is only ever placed in the rod.

Mirror symmetry is used for an orientation only where the mirror plane contains the dipole
(docs "Exploiting Symmetry": E along the normal is odd, the others even).
In a periodic cell the dipole is repeated in every cell with the same phase (k = 0): that is
the LDOS of a coherent array, recorded in the attribute ``emitters``; a finite array in a
PML-bounded cell gives the single-emitter LDOS.
"""

from __future__ import annotations

import math
import time
from typing import Any

import meep as mp
import numpy as np

from hotlase.geometry.build import build
from hotlase.geometry.equivalence import xy_equivalent
from hotlase.geometry.placement import central_rod, emitter_position_nm
from hotlase.geometry.primitives import Layout
from hotlase.geometry.runkinds import run_kinds
from hotlase.geometry.study import StudySpec, material_model
from hotlase.geometry.units import MEEP_TIME_S, nm_to_meep_freq
from hotlase.solvers.cell import (Frame, band_frequencies, make_frame, make_simulation, meep_component,
                          meep_point, mirror_symmetries, symmetry_label)
from hotlase.solvers.materials import to_meep_medium
from hotlase.solvers.modes import check_time_cap, mirrors_through
from hotlase.solvers.progress import DecayStop, max_meep_time, progress_step

SOURCE_WIDTH_FACTOR = 1.5   # pulse bandwidth / band width: the band edges keep > 0.9 of the peak
DECAY_CHECK_PERIODS = 10    # decay windows: this many periods of the lowest band frequency
ORIENTATIONS = ("x", "y", "z")
BULK_PAD_UM = 0.15          # medium between the bulk dipole and the PML (~ half a wavelength in it)
BULK_PML_FRACTION = 0.5     # bulk PML thickness / the study's PML (absorbing medium helps it)


def dipole_ldos(sim: mp.Simulation, point: mp.Vector3, component, freqs, *, decay_by: float,
                t_cap: float, check_dt: float, step_funcs: tuple = ()) -> tuple[np.ndarray, dict]:
    """Run ``sim`` (its only source: the dipole at ``point``) and return its LDOS spectrum.

    Args:
        sim: Meep simulation holding exactly one point source, at ``point``.
        point: dipole position (Meep coordinates); component: its Meep E component.
        freqs: Meep frequencies (1/µm) of the spectrum.
        decay_by: stop when |E|^2 at the dipole has fallen by this factor from its peak.
        t_cap: hard cap on simulated time (Meep units); check_dt: decay window (Meep units).
        step_funcs: extra Meep step functions (progress).

    Returns:
        (ldos (n,) in Meep's arbitrary units, facts: stop reason, decay ratio, times).
    """
    check_time_cap(sim, t_cap)
    stop = DecayStop([(component, point)], check_dt, decay_by, t_cap)
    t0 = time.perf_counter()
    sim.run(mp.dft_ldos(list(map(float, freqs))), *step_funcs, until=stop)
    facts = {"stop": stop.reason, "decay_ratio": stop.ratio,
             "meep_time_fs": sim.meep_time() * MEEP_TIME_S * 1e15,
             "stepping_time_s": time.perf_counter() - t0}
    return np.asarray(sim.ldos_data, dtype=float), facts


def bulk_simulation(medium: mp.Medium, frame: Frame, source: mp.Source, *,
                    use_symmetry: bool) -> mp.Simulation:
    """The dipole at the centre of a small homogeneous cube of ``medium``: BULK_PAD_UM of
    medium around the dipole inside BULK_PML_FRACTION of the study's PML, on every side; the
    same grid and Courant number; mirrors through the dipole in every direction when
    ``use_symmetry``. (The first version used the whole structure cell, widened by the PML:
    2.0 um^3 of three-pole perovskite in the default study, 70 % of the emitter run's time;
    the LDOS depends on the surroundings only through the PML's small reflection.)"""
    dirs = [mp.X, mp.Y, mp.Z][: frame.dims]  # rods exist only in 2D and 3D cells
    pml = BULK_PML_FRACTION * frame.pml
    side = 2 * (pml + BULK_PAD_UM)
    lengths = {d: (side if d in dirs else 0.0) for d in (mp.X, mp.Y, mp.Z)}
    cell = mp.Vector3(lengths[mp.X], lengths[mp.Y], lengths[mp.Z])
    symmetries = []
    if use_symmetry:
        along = {mp.Ex: mp.X, mp.Ey: mp.Y, mp.Ez: mp.Z}[source.component]
        symmetries = [mp.Mirror(d, phase=-1 if d == along else 1) for d in dirs]
    return mp.Simulation(cell_size=cell, resolution=frame.resolution, default_material=medium,
                         sources=[source], boundary_layers=[mp.PML(pml)],
                         symmetries=symmetries, Courant=frame.courant, dimensions=frame.dims,
                         k_point=False)


def emitter_frequencies(study: StudySpec) -> tuple[np.ndarray, np.ndarray]:
    """(wavelength_nm ascending, Meep frequencies) of the LDOS spectrum: n_wavelengths
    points evenly spaced in wavelength over the study band."""
    sim = study.simulation
    wl = np.linspace(sim.wavelength_min_nm, sim.wavelength_max_nm, sim.n_wavelengths)
    return wl, np.asarray(nm_to_meep_freq(wl), dtype=float)


_BULK_CACHE: dict = {}


def bulk_ldos(study: StudySpec, medium_name: str, frame: Frame, freqs, f_cen: float, fwidth: float,
              t_cap: float, check_dt: float, log) -> tuple[dict[str, np.ndarray], dict]:
    """LDOS per orientation {x, y, z} of a dipole in the homogeneous rod medium on this grid.

    In 3D an isotropic medium on a cubic grid gives the same LDOS for x, y and z dipoles
    (equal to all printed digits, tests/physics/test_emitter_homogeneous.py), so one run
    serves all three. In 2D the out-of-plane dipole (our y, Meep's Ez, a line current) has a
    different LDOS from the in-plane ones (x and z), so both are run. The result is reused
    for every variant with the same medium and grid (the no-metal twin). ``f_cen``,
    ``fwidth``: the Gaussian pulse (Meep units), the structure runs' own."""
    model = material_model(study, medium_name)
    key = (model, frame.resolution, frame.courant, frame.dims, frame.pml, tuple(frame.size_xy),
           frame.z_max - frame.z_min, tuple(np.round(freqs, 12)), study.simulation.decay_by)
    if key not in _BULK_CACHE:
        distinct = ("x", "y") if frame.dims == 2 else ("x",)
        values, facts = {}, {"stepping_time_s": 0.0}
        for axis in distinct:
            comp = meep_component(frame, axis)
            source = mp.Source(mp.GaussianSource(f_cen, fwidth=fwidth), component=comp,
                               center=mp.Vector3())
            bsim = bulk_simulation(to_meep_medium(model), frame, source,
                                   use_symmetry=study.simulation.symmetry)
            values[axis], f = dipole_ldos(bsim, mp.Vector3(), comp, freqs,
                                          decay_by=study.simulation.decay_by, t_cap=t_cap,
                                          check_dt=check_dt,
                                          step_funcs=(progress_step("emitter bulk", t_cap, log),))
            bsim.reset_meep()
            facts = {**f, "stepping_time_s": facts["stepping_time_s"] + f["stepping_time_s"]}
        values = {a: values[a if a in values else "x"] for a in ORIENTATIONS}
        _BULK_CACHE[key] = (values, facts)
        return _BULK_CACHE[key]
    log("[emitter bulk] same medium and grid as an earlier run: reused")
    values, facts = _BULK_CACHE[key]
    return values, {**facts, "stepping_time_s": 0.0, "reused": True}


def emitter_windows(study: StudySpec, carry_modes: bool) -> list:
    """The emitter's dipole runs per material window (``solvers.modes.ModeWindow``): without
    a split, the study band with the pulse ``SOURCE_WIDTH_FACTOR`` x the band wide as ever;
    split, each window's study and a pulse ``SOURCE_WIDTH_FACTOR`` x its span wide (its
    Harminv search band's when the runs carry the modes probes), at least
    ``subbands.MIN_PULSE_FRACTION`` of the study band."""
    import dataclasses

    from hotlase.geometry import subbands
    from hotlase.solvers.modes import mode_windows

    windows = mode_windows(study)
    if len(windows) == 1:
        f_cen, f_width, f_min = band_frequencies(study)
        return [dataclasses.replace(windows[0], pulse=(f_cen, SOURCE_WIDTH_FACTOR * f_width, f_min))]
    return [dataclasses.replace(w, pulse=subbands.covering_pulse(
        study, w.f_min if carry_modes else w.f_lo, w.f_max if carry_modes else w.f_hi,
        SOURCE_WIDTH_FACTOR)) for w in windows]


def run_emitter(study: StudySpec, writer, *, layout: Layout | None = None, log=print,
                modes_writer=None) -> dict:
    """The emitter run: LDOS of x, y, z dipoles at the rod centre, and in the bulk rod medium.

    Writes ``emitter/`` (docs/runfile.md) and returns root facts (symmetries, courant,
    stepping_time_s) for the run file. With ``modes_writer``, the same dipole runs also
    carry Harminv at the modes probes (solvers.modes) and write ``modes/`` there: one pulse
    per orientation gives both the LDOS and the modes that dipole excites; each orientation
    is then re-run once for the modes' own fields (``modes/profile``, solvers.mode_profiles).
    With ``material_bands = "split"`` (geometry.subbands) every orientation, and the bulk
    medium, is run once per material window with that window's models: each LDOS wavelength
    comes from the window serving it, each mode from the window serving its frequency.

    Raises:
        ValueError: when the structure has no rod or wire to hold the dipole.
    """
    from hotlase.geometry.subbands import describe, material_bands, serving_window
    from hotlase.solvers.modes import (ModeRuns, _bloch_sweep, _run_profiles, find_modes,
                                       mode_probes, mode_windows, window_tag)

    layout = layout or build(study.structure)
    spec = study.simulation
    frame = make_frame(study, layout)
    refused = run_kinds()["emitter"].refuse(study, layout)  # also refused at load time
    if refused:
        raise ValueError(f"emitter {refused}")
    rod = central_rod(layout)
    if rod is None:
        raise ValueError(f"structure.kind = {study.structure.kind!r}: its layout has no rod or "
                         "wire at the cell centre to hold the dipole")
    position = emitter_position_nm(layout)
    assert position is not None  # the layout has a rod
    medium_name = rod.material
    wl, freqs = emitter_frequencies(study)
    t_cap = max_meep_time(study)
    point = meep_point(frame, position)
    windows = emitter_windows(study, carry_modes=modes_writer is not None)
    split = len(windows) > 1
    found = ModeRuns(windows) if modes_writer is not None else None
    probe_spec = mode_probes(layout, frame, spec.resolution_nm)
    probes = [(meep_component(frame, a), meep_point(frame, pos)) for _, pos, a in probe_spec]
    orientations = [a for a in ORIENTATIONS if not (a == "y" and xy_equivalent(layout))]
    ldos = {a: np.zeros(len(wl)) for a in orientations}
    bulk = {a: np.zeros(len(wl)) for a in ORIENTATIONS}
    symmetries: dict[str, list[str]] = {}
    stepping = 0.0
    parts: dict[str, list[dict[str, Any]]] = {a: [] for a in orientations}
    for win in windows:
        idx = ([j for j, w in enumerate(wl) if serving_window(w, [v.window for v in windows]) == win.index]
               if split else list(range(len(wl))))
        if not idx and found is None:
            continue  # no LDOS wavelength in this window and no modes to look for
        f_cen, fwidth, _ = win.pulse
        check_dt = DECAY_CHECK_PERIODS / win.f_lo
        wfreqs = freqs[idx]
        where = {"window_nm": [win.lo_nm, win.hi_nm]} if split else {}
        bulk_facts: dict[str, Any] = {}
        if idx:
            bulk_values, bulk_facts = bulk_ldos(win.study, medium_name, frame, wfreqs, f_cen,
                                                fwidth, t_cap, check_dt, log)
            for a in ORIENTATIONS:
                bulk[a][idx] = bulk_values[a]
            stepping += bulk_facts.get("stepping_time_s") or 0.0
        for axis in orientations:
            comp = meep_component(frame, axis)
            source = mp.Source(mp.GaussianSource(f_cen, fwidth=fwidth), component=comp, center=point)
            syms = (mirrors_through(mirror_symmetries(layout, frame, comp), frame, position)
                    if spec.symmetry else [])
            symmetries[axis] = [symmetry_label(s) for s in syms]
            sim, frame, layout = make_simulation(win.study, sources=[source], symmetries=syms,
                                                 layout=layout)
            label = f"emitter {axis}{window_tag(win, split)}"
            log(f"[{label}] dipole at {position} nm in {medium_name}; symmetries {symmetries[axis]}")
            progress = progress_step(label, t_cap, log)
            ldos_step = (mp.dft_ldos(list(map(float, wfreqs))),) if idx else ()
            facts: dict[str, Any]
            if found is None:
                values, facts = dipole_ldos(sim, point, comp, wfreqs, decay_by=spec.decay_by,
                                            t_cap=t_cap, check_dt=check_dt, step_funcs=(progress,))
            else:
                i = len(found.runs)
                res = found.keep(find_modes(sim, probes, win.f_min, win.f_max, q_min=spec.mode_q_min,
                                            band=(win.f_lo, win.f_hi), decay_by=spec.decay_by,
                                            t_cap=t_cap, run=i, step_funcs=(progress, *ldos_step),
                                            stop_points=((comp, point),)), win)
                values = np.asarray(sim.ldos_data, dtype=float) if idx else np.zeros(0)
                facts = {"stop": res.stop_reason, "decay_ratio": res.decay_ratio,
                         "meep_time_fs": res.meep_time * MEEP_TIME_S * 1e15,
                         "stepping_time_s": res.stepping_time_s}
                profiles = _run_profiles(sim, frame, res, t_cap, label, log)
                if profiles[1] is not None:
                    facts["stepping_time_s"] += profiles[1].facts["stepping_time_s"]
                found.add(res, {"label": f"{axis} dipole at the rod centre (emitter run)",
                                "sources": [source], "symmetries": syms,
                                "dipoles": [{"position_nm": list(position), "axis": axis,
                                             "amplitude": [1.0, 0.0]}]}, win, profiles)
            sim.reset_meep()
            ldos[axis][idx] = values
            stepping += facts["stepping_time_s"]
            parts[axis].append({"structure": facts, "bulk": bulk_facts, **where})
            log(f"[{label}] stopped on {facts['stop']} ({facts['meep_time_fs']:.0f} fs)")
    facts_by_axis = {a: _merged_facts(p) for a, p in parts.items()}
    if "y" not in ldos:  # x <-> y equivalent structure: the y dipole sees what x sees
        ldos["y"], facts_by_axis["y"] = ldos["x"], {**facts_by_axis["x"], "same_as": "x"}
        symmetries["y"] = symmetries["x"]
    ldos_axes = np.array([ldos[a] for a in ORIENTATIONS])
    bulk_axes = np.array([bulk[a] for a in ORIENTATIONS])
    _write_emitter(writer, wl, ldos_axes, bulk_axes, position, medium_name, frame, symmetries,
                   facts_by_axis)
    writer.attrs("emitter", material_bands=material_bands(study),
                 material_models=describe([w.window for w in windows]))
    if found is not None:
        assert modes_writer is not None
        found.write(modes_writer, study, layout, probe_spec, resolution=frame.resolution)
        if spec.bloch_k_points > 0:  # the dispersion sweep the study asks for (modes/dispersion)
            # with the modes run's own windows and pulses, as a modes run alone sweeps
            stepping += _bloch_sweep(study, modes_writer, layout, frame, probes,
                                     mode_windows(study), t_cap, log)
    return {"symmetries": sorted({f"{a} dipole: {s}" for a, ss in symmetries.items() for s in ss}),
            "courant": frame.courant, "stepping_time_s": stepping}


def _merged_facts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One orientation's run facts ({"structure", "bulk"}): as run without windows; over
    several windows the worst stop (largest decay ratio) and longest Meep time with the
    stepping times added, and each window's own facts under "windows"."""
    if len(parts) == 1 and "window_nm" not in parts[0]:
        return parts[0]
    out: dict[str, Any] = {"windows": parts}
    for key in ("structure", "bulk"):
        runs = [p[key] for p in parts if p[key]]
        if runs:
            worst = max(runs, key=lambda f: f.get("decay_ratio", 0.0))
            out[key] = {**worst, "meep_time_fs": max(f.get("meep_time_fs", 0.0) for f in runs),
                        "stepping_time_s": sum(f.get("stepping_time_s", 0.0) for f in runs)}
    return out


def _write_emitter(writer, wl, ldos_axes, bulk_axes, position, medium_name, frame, symmetries,
                   facts) -> None:
    writer.dataset("emitter/wavelength_nm", wl, "nm", "vacuum wavelength")
    writer.dataset("emitter/ldos", ldos_axes.mean(axis=0), "arb.",
                   "orientation-averaged LDOS at the dipole (Meep dft_ldos)")
    writer.dataset("emitter/ldos_bulk", bulk_axes.mean(axis=0), "arb.",
                   "orientation-averaged LDOS of the same dipoles in the homogeneous rod medium")
    writer.dataset("emitter/ldos_by_orientation", ldos_axes, "arb.",
                   "LDOS per dipole orientation (rows: orientations attribute)")
    writer.dataset("emitter/ldos_bulk_by_orientation", bulk_axes, "arb.",
                   "bulk LDOS per dipole orientation (rows: orientations attribute)")
    periodic = any(frame.periodic[: (2 if frame.dims == 3 else 1)])
    writer.attrs("emitter", position_nm=[float(v) for v in position], medium=medium_name,
                 orientations=list(ORIENTATIONS), symmetries=symmetries, runs=facts,
                 emitters=("one dipole per unit cell, all in phase (Bloch k = 0)" if periodic
                           else "a single dipole"))
    if not math.isfinite(float(np.sum(ldos_axes))) or not math.isfinite(float(np.sum(bulk_axes))):
        raise RuntimeError("LDOS is NaN or Inf: the fields diverged (see the NaN hint)")
