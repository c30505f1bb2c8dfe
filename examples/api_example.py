"""hotlase from Python: build a study, run it, analyse it, plot it (only the public API).

A 160 nm CsPbBr3 film on glass (a 1D cell: seconds), on a coarse 20 nm grid and a short band.
Run:  .venv/bin/python examples/api_example.py [OUT_DIR]
"""

import sys

import hotlase

out = sys.argv[1] if len(sys.argv) > 1 else "runs/api_example"

study = hotlase.Study(
    name="api_film",
    structure={"kind": "film_stack", "layers": [{"material": "CsPbBr3", "thickness_nm": 160}],
               "substrate": {"material": "SiO2"}},
    simulation={"wavelength_min_nm": 450, "wavelength_max_nm": 650, "n_wavelengths": 21,
                "emission_wavelength_nm": 520, "pump_wavelength_nm": 460},
    run_kinds=["spectrum"], compare_no_metal=False)
study = study.replace(simulation={"resolution_nm": 20, "decay_by": 1e-8})  # re-validated

hotlase.run(study, out, np=2)                 # writes OUT/study.toml, runs Meep with 2 ranks
result = hotlase.analyze(out)                 # OUT/report.md, OUT/summary.json and arrays
spectrum = result.spectra["main"]             # wavelength_nm, R, T, A, A_by_material
i = spectrum.nearest(520.0)
print(f"R({spectrum.wavelength_nm[i]:.0f} nm) = {spectrum.R[i]:.4f}, T = {spectrum.T[i]:.4f}")

run = hotlase.open_run(f"{out}/runs/main_spectrum.h5")
print(f"run file: {run.kind}, {run.attrs['status']}, grid {run.resolution_nm:g} nm")

fig = result.plot_spectra()                   # a matplotlib Figure; nothing is written
hotlase.save_figure(fig, f"{out}/api_spectra.png")
hotlase.save_figure(hotlase.plot_structure(study), f"{out}/api_structure.png")
