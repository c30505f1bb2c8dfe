"""Perovskite cost: one cell update of each CsPbBr3 model relative to the broadband 3-pole fit.

The models that follow the measured n, k within the target over one band
(geometry/materials/perovskites.py, ``CsPbBr3_Brennan_*``) have other pole counts than the
broadband 3-Lorentz fit; each pole adds a polarisation field per E component that Meep
streams every step. Same box as benchmarks.throughput (periodic, k = 0, Courant 0.3, bare
``fields.step()`` calls), filled with each model in turn; rounds alternate the models in one
run and the median of the per-round ratios is reported (benchmarks.common.median_ratio), so
a change of the shared machine's load cancels.

    .venv/bin/python -m benchmarks.perovskite [--size 64] [--rounds 3] [--steps 30]
    .venv/bin/python -m benchmarks.run --only perovskite

Measured (64^3, 7 rounds, 30 steps, shared 2-core machine, per-round ratios 1.05-2.8): 4-pole
CsPbBr3_Brennan_530_700 1.26x, CsPbBr3_Brennan_400_520 1.29x the 3-pole fit's step time.
"""

from __future__ import annotations

import argparse
import json

from benchmarks.common import median_ratio, time_steps

OLD = "CsPbBr3_Brennan"


def models() -> list[str]:
    """The broadband fit first, then every per-band CsPbBr3 model of the registry."""
    from hotlase.geometry.materials.perovskites import BAND_MODELS

    return [OLD, *BAND_MODELS.get("CsPbBr3", ())]


def step_rate(name: str, size_px: int, steps: int) -> dict:
    """Mcell-updates/s of a periodic box of ``size_px``^3 cells filled with model ``name``."""
    import meep as mp

    from hotlase.geometry.materials.registry import get_material
    from hotlase.solvers.materials import to_meep_medium

    res = 100.0  # 10 nm grid, the default study's
    side = size_px / res
    src = mp.Source(mp.ContinuousSource(frequency=2.0), component=mp.Ex,
                    center=mp.Vector3(0.013, 0.007, 0.011))
    sim = mp.Simulation(cell_size=mp.Vector3(side, side, side), resolution=res,
                        default_material=to_meep_medium(get_material(name)), sources=[src],
                        k_point=mp.Vector3(), Courant=0.3)
    seconds = time_steps(sim, steps)
    return {"model": name, "poles": len(get_material(name).poles),
            "mcells_s": size_px**3 * steps / seconds / 1e6}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=30)
    args = p.parse_args(argv)
    names = models()
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(args.rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            runs[name].append(step_rate(name, args.size, args.steps))
            print(f"round {r + 1} {name}: {runs[name][-1]['mcells_s']:.2f} Mcells/s", flush=True)
    out = {f"perovskite.{n}.step_time_ratio_to_{OLD}": median_ratio(runs[OLD], runs[n], "mcells_s")
           for n in names[1:]}
    out.update({f"perovskite.{n}.poles": runs[n][0]["poles"] for n in names})
    print(json.dumps(out, indent=1))
    return out


def run(results: dict, ctx) -> None:
    """benchmarks.run entry: perovskite.<model>.step_time_ratio_to_CsPbBr3_Brennan, poles."""
    results.update(main(["--rounds", str(max(ctx.rounds, 3))]))


if __name__ == "__main__":
    main()
