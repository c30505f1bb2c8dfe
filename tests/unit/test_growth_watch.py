"""The growth watch and the mirror rule of issue 16, without time stepping.

Setup: ``GrowthWatch`` fed a synthetic run (a stand-in for a Meep simulation: time step
dt = Courant / resolution, sources ending at t_src) whose probe |E|^2 is a decaying pulse
and then, in the diverging case, grows as exp(g (t - t0)).
Reference: the analytic growth rate g (converted to 1/fs); tolerance 2 % (the watch measures
ln(ratio) over the time since the first sample above the source-time maximum: off by at most
one step, 1/230 of the span here). A decaying run must never be stopped.
``mirror_consistent``: a periodic side of n.m pixels (hexagonal sqrt(3) x 350 nm = 60.6 cells
at 10 nm) is inconsistent with a mirror, a whole number of pixels or a non-periodic side is
fine; ``mirror_symmetries`` of issue 16's hexagonal layout keeps the x mirror only.
"""

from __future__ import annotations

import math

import meep as mp
import pytest

from hotlase.geometry.build import build
from hotlase.geometry.specs import LayerSpec, RodArraySpec, RodSpec
from hotlase.geometry.units import MEEP_TIME_S
from hotlase.solvers.cell import Frame, mirror_symmetries
from hotlase.solvers.progress import PROBE_GROWTH, FieldGrowthError, GrowthWatch
from hotlase.solvers.stability import mirror_consistent

FS = MEEP_TIME_S * 1e15


class FakeSim:
    """What GrowthWatch reads of a Meep simulation."""

    Courant, resolution = 0.5, 50.0

    def __init__(self, t_src: float, probe):
        self.fields = self
        self.t, self.t_src, self.probe = 0, t_src, probe

    def last_source_time(self) -> float:
        return self.t_src

    def meep_time(self) -> float:
        return self.t * self.Courant / self.resolution

    def electric_energy_in_box(self, center, size) -> float:
        return self.probe(self.meep_time())

    cell_size = mp.Vector3()


def _drive(sim: FakeSim, watch: GrowthWatch, steps: int) -> None:
    for _ in range(steps):
        sim.t += 1
        watch.energy(sim)
        watch.probe(sim, sim.probe(sim.meep_time()))


def test_growth_is_stopped_with_the_analytic_rate():
    g, t_src, t0 = 2.0, 1.0, 1.5        # Meep units: |E|^2 grows x e^2 per a/c after t0
    pulse = lambda t: math.exp(-((t - 0.5) / 0.2) ** 2)  # noqa: E731
    sim = FakeSim(t_src, lambda t: pulse(t) + (math.exp(g * (t - t0)) if t > t0 else 0.0))
    watch = GrowthWatch()
    with pytest.raises(FieldGrowthError) as err:
        _drive(sim, watch, 100000)
    facts = err.value.facts
    expected = g / FS
    assert facts["growth_rate_per_fs"] == pytest.approx(expected, rel=0.02), (facts, expected)
    assert facts["failure_growth_ratio"] > PROBE_GROWTH
    # passes the peak (1.0) at t0, 100x at t0 + ln(100)/g: 2.3 Meep units = 230 steps of 0.01
    dt = FakeSim.Courant / FakeSim.resolution
    assert facts["failure_steps_above_peak"] == pytest.approx(math.log(PROBE_GROWTH) / g / dt, abs=2)
    assert "diverged" in str(err.value) and "Courant number 0.5" in str(err.value)


def test_decaying_run_is_never_stopped():
    sim = FakeSim(1.0, lambda t: math.exp(-((t - 0.5) / 0.2) ** 2) + 1e-3 * math.exp(-t / 5))
    _drive(sim, GrowthWatch(), 20000)


def test_mirror_needs_a_whole_number_of_pixels_along_a_periodic_side():
    res = 100.0  # 10 nm grid, Meep units
    assert not mirror_consistent(math.sqrt(3) * 0.35, True, res)
    assert mirror_consistent(0.35, True, res)
    assert mirror_consistent(math.sqrt(3) * 0.35, False, res)


def test_issue16_hexagonal_layout_keeps_only_the_x_mirror():
    spec = RodArraySpec(lattice="hexagonal", period_nm=350, rod=RodSpec("CsPbBr3", 70, 120),
                        spacer=LayerSpec("Al2O3", 10), metal=LayerSpec("Au", 100))
    layout = build(spec)
    frame = Frame(dims=3, size_xy=(0.35, 0.61), z_min=-1, z_max=1, z_top=0.12, z_bottom=-0.11,
                  z_source=0.5, z_refl=0.4, z_trans=-0.5, pml=0.4, periodic=(True, True),
                  resolution=100.0, courant=0.5, metal_below=False, metal_lateral=False)
    syms = mirror_symmetries(layout, frame, mp.Ex)
    assert [s.direction for s in syms] == [mp.X]
