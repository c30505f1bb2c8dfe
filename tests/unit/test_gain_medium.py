"""The CsPbX3 gain medium (geometry.materials.gain) and the [gain] table (geometry.specs.GainSpec)."""

from __future__ import annotations

import numpy as np
import pytest

from hotlase.geometry.materials.gain import (
    CONFINEMENT,
    brus_shift_ev,
    delta_eps_imag,
    gain_medium,
    qd_emission_ev,
    size_distribution,
)
from hotlase.geometry.materials.perovskites import band_gap_ev
from hotlase.geometry.specs import GainSpec
from hotlase.geometry.study import StudySpec, study_from_dict, study_to_dict
from hotlase.geometry.validate import SpecError

#: CsPbBr3 nanocrystals of Energies 14, 275 (2021) (Jeonbuk/UNIST): edge 9.9 and 12.5 nm,
#: absorption peaks 2.570 and 2.429 eV, fluorescence peaks 2.469 and 2.391 eV.
PUBLISHED = ((9.9, 2.570, 2.469), (12.5, 2.429, 2.391))


@pytest.mark.parametrize("size_nm,absorption_ev,emission_ev", PUBLISHED)
def test_brus_energy_against_published_cspbbr3_dots(size_nm, absorption_ev, emission_ev):
    """Brus band edge of a CsPbBr3 dot (Protesescu 2015 masses and ε, gap of the bowing
    formula) against the middle of the published absorption and emission peaks of dots of
    that size. Tolerance 50 meV: the published Stokes shift (38-101 meV) is the scale of what
    'the band-edge energy' of an ensemble means, and Brus overestimates near the Bohr size."""
    middle = 0.5 * (absorption_ev + emission_ev)
    assert float(qd_emission_ev(size_nm)) == pytest.approx(middle, abs=0.050)


def test_brus_limits():
    """Large dots tend to the bulk gap (the 1/R Coulomb term: shift < 0.2 meV at 10 um); for
    small dots the shift is Brus's formula evaluated by hand with textbook constants
    (ħ²/2m0, e²/4πε0), tolerance 1e-5 relative (their rounding)."""
    c = CONFINEMENT["Br"]
    assert abs(float(brus_shift_ev(1e4, c))) < 2e-4
    assert float(qd_emission_ev(1e4)) == pytest.approx(float(band_gap_ev(1.0)), abs=2e-4)
    mu = c.electron_mass * c.hole_mass / (c.electron_mass + c.hole_mass)
    for d in (2.0, 5.0, 12.0):  # ħ²/2m0 = 0.0380998 eV nm², e²/4πε0 = 1.439964 eV nm
        r = d / 2
        hand = 0.0380998 * np.pi**2 / (mu * r**2) - 1.786 * 1.439964 / (c.permittivity * r)
        assert float(brus_shift_ev(d, c)) == pytest.approx(hand, rel=1e-5)


def test_composition_moves_the_gain_peak_as_the_bowing_gap():
    """The gain peak follows the composition's gap: Cl-rich is bluer, I-rich redder; for large
    single-size dots the peak sits at Eg(x) + Brus within 2 meV (the line is symmetric)."""
    br = gain_medium(GainSpec(qd_diameter_nm=50.0, qd_diameter_spread_nm=0.0))
    cl = gain_medium(GainSpec(bromide_fraction=0.5, qd_diameter_nm=50.0))
    iod = gain_medium(GainSpec(bromide_fraction=0.5, halide_pair="Br-I", qd_diameter_nm=50.0))
    assert cl.peak_nm < br.peak_nm < iod.peak_nm
    assert br.peak_ev == pytest.approx(float(qd_emission_ev(50.0)), abs=0.002)


def test_inhomogeneous_broadening_widens_the_line():
    """With no size spread the FWHM is the homogeneous width (within the 1 meV grid); a spread
    widens it; the weights of the size distribution sum to 1."""
    one = gain_medium(GainSpec(qd_diameter_nm=6.0, qd_diameter_spread_nm=0.0,
                               homogeneous_linewidth_mev=40.0))
    many = gain_medium(GainSpec(qd_diameter_nm=6.0, qd_diameter_spread_nm=1.0,
                                homogeneous_linewidth_mev=40.0))
    assert one.fwhm_ev == pytest.approx(0.040, abs=0.001)
    assert many.fwhm_ev > 1.5 * one.fwhm_ev
    assert size_distribution(6.0, 1.0)[1].sum() == pytest.approx(1.0)


def test_gain_zero_or_negative_below_transparency():
    """g(N) < 0 below transparency, 0 at it, > 0 above; what is added to the passive ε is
    max(g, 0), so an unpumped medium adds exactly nothing (Δε'' = 0) and a pumped one adds
    negative Im ε (gain). Exact (no tolerance needed: the formulas are linear)."""
    med = gain_medium(GainSpec())
    wl = np.linspace(480, 560, 9)
    assert np.all(med.material_gain_per_m(0.0, wl) < 0)
    assert np.all(med.material_gain_per_m(1e24, wl) == 0)
    assert np.all(med.added_gain_per_m(0.0, wl) == 0)
    assert np.all(delta_eps_imag(med.added_gain_per_m(0.0, wl), 2.3, wl) == 0)
    pumped = med.added_gain_per_m(3e24, med.peak_nm)
    assert pumped == pytest.approx(1e-20 * 2e24, rel=1e-9)
    assert delta_eps_imag(pumped, 2.3, med.peak_nm) < 0


def test_gain_table_is_validated_and_round_trips():
    """A bad [gain] value is one SpecError naming gain.<field> and its range; the table round
    trips through study_to_dict / study_from_dict; the default study has the default table."""
    base = {"structure": {"kind": "rod_array"}, "study": {"run_kinds": ["modes"]}}
    for key, value, words in (("qd_diameter_nm", 1.0, "[2, 100]"),
                              ("radiative_lifetime_ns", -1.0, "[0.05, 1000]"),
                              ("halide_pair", "Br-F", "'Br-Cl'"),
                              ("typo_key", 1.0, "typo_key")):
        with pytest.raises(SpecError, match="gain") as err:
            study_from_dict({**base, "gain": {key: value}})
        assert words in str(err.value) and "\n" not in str(err.value)
    study = study_from_dict({**base, "gain": {"qd_diameter_nm": 8.0, "current_density_a_cm2": 0.1}})
    again = study_from_dict(study_to_dict(study))
    assert again.gain == study.gain and again.gain.qd_diameter_nm == 8.0
    assert StudySpec().gain == GainSpec()


def test_gain_is_a_physics_table_and_old_runs_hold_the_default():
    """A run stored before [gain] existed (no "gain" in its spec_json) matches a study with the
    default gain table, so it is reused; another gain table is a difference, so runs holding a
    stale gain are redone rather than analysed with it."""
    import json

    from hotlase.geometry.study import spec_differences, study_json

    base = {"structure": {"kind": "rod_array"}, "study": {"run_kinds": ["modes"]}}
    study = study_from_dict(base)
    old = json.loads(study_json(study, resolved=True))  # what a run file holds
    del old["gain"]
    assert spec_differences(json.dumps(old), study) == []
    other = study_from_dict({**base, "gain": {"qd_diameter_nm": 8.0}})
    assert any("gain.qd_diameter_nm" in d for d in spec_differences(json.dumps(old), other))


def test_lasing_examples_load():
    """examples/lasing.toml is a valid study with a [gain] table and examples/lasing_sweep.toml
    expands to one point per dot size, each with its own gain peak (bluer for smaller dots)."""
    from pathlib import Path

    from hotlase.geometry.study import load_study
    from hotlase.jobs.points import load_sweep

    root = Path(__file__).resolve().parents[2] / "examples"
    study = load_study(root / "lasing.toml")
    assert study.gain.current_density_a_cm2 == 0.1
    points = load_sweep(root / "lasing_sweep.toml").points
    peaks = [gain_medium(p.study.gain).peak_nm for p in points]
    sizes = [p.study.gain.qd_diameter_nm for p in points]
    assert sorted(sizes) == [5.0, 6.0, 8.0, 12.0, 20.0]
    assert [pk for _, pk in sorted(zip(sizes, peaks))] == sorted(peaks)


def test_line_in_meep_units():
    """Meep frequency of the gain peak is 1/λ[µm] (a = 1 µm): 1000/peak_nm within 1e-12; the
    FWHM converts with the same factor 1/(hc) = 1/1.23984 per eV per µm (CODATA hc)."""
    from hotlase.geometry.materials.gain import line_meep_units

    med = gain_medium(GainSpec())
    f, df = line_meep_units(med)
    assert f == pytest.approx(1000.0 / med.peak_nm, rel=1e-12)
    assert df == pytest.approx(med.fwhm_ev / 1.2398419843320026, rel=1e-12)


def test_composition_sweep_example_walks_the_gain_peak_across_the_mode():
    """examples/lasing_composition_sweep.toml expands to six CsPb(Br_x I_1-x)3 points whose gain
    peaks rise monotonically as x falls and bracket the rods' 517 nm mode (first below 510 nm,
    last above 530 nm), so the sweep can show the threshold minimum where they meet."""
    from pathlib import Path

    from hotlase.jobs.points import load_sweep

    root = Path(__file__).resolve().parents[2] / "examples"
    points = load_sweep(root / "lasing_composition_sweep.toml").points
    x = [p.study.gain.bromide_fraction for p in points]
    peaks = [gain_medium(p.study.gain).peak_nm for p in sorted(points, key=lambda p: -p.study.gain.bromide_fraction)]
    assert sorted(x) == [0.85, 0.88, 0.91, 0.94, 0.97, 1.0]
    assert all(p.study.gain.halide_pair == "Br-I" for p in points)
    assert peaks == sorted(peaks) and peaks[0] < 510 < 530 < peaks[-1]
