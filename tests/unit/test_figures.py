"""Report figures (issue 14, item 2): the artists each figure must carry.

Setup: synthetic run files (tests/unit/synthetic_runs.py) or small synthetic arrays.
References are exact counts and equalities of matplotlib artists (labelled mode lines,
shared colour limits, contour outlines, panel count), no tolerance beyond float equality.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from hotlase.postprocess import figures, mode_fields, mode_figures
from hotlase.postprocess.runfile import Spectrum, read_run
from tests.unit import synthetic_runs as syn


def _spectrum(n: int = 61) -> Spectrum:
    wl = np.linspace(400.0, 700.0, n)
    r = 0.3 + 0.1 * np.sin(wl / 30)
    return Spectrum(wavelength_nm=wl, R=r, T=0.2 * np.ones(n), A=0.8 - r, A_by_material={},
                    energy_balance_max_error=0.0)


def _contours(ax) -> int:
    """Outline artists (``figures.outline`` tags them) on ``ax``."""
    return sum(c.get_gid() == "outline" for c in ax.collections)


def test_spectra_label_the_highest_q_modes_and_mark_pump_and_emission():
    """20 modes and 2 borderline resonances: exactly MAX_LABELLED_MODES labels (the highest
    Q ones, numbered as in the table), the 14 others thin, the borderline ones dashed, and
    legend entries for the pump and emission lines."""
    qs = [5.0 + 3 * i for i in range(20)]
    marks = [figures.ModeMark(410.0 + 14 * i, q, i + 1) for i, q in enumerate(qs)]
    marks += [figures.ModeMark(455.0, 4.0, 0, True), figures.ModeMark(655.0, 30.0, 0, True)]
    fig = figures.plot_spectra({"main": _spectrum()}, {"main": marks}, pump_nm=405.0,
                               emission_nm=532.0)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "mode-label"]
    assert len(labels) == figures.MAX_LABELLED_MODES
    assert sorted(int(t.split(":")[0]) for t in labels) == list(range(15, 21))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "pump 405 nm" in legend and "emission 532 nm" in legend
    assert "other modes (14, see table)" in legend and "borderline (2, not modes)" in legend
    assert sum(line.get_linestyle() == "--" and line.get_color() == "tab:orange"
               for line in ax.lines) == 2


def test_bare_wavelengths_still_plot_and_label():
    """The older call with plain wavelengths labels them by their order (Q unknown)."""
    fig = figures.plot_spectra({"main": _spectrum()}, {"main": [500.0, 600.0]})
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "mode-label"]
    assert sorted(labels) == ["1: 500 nm", "2: 600 nm"]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The synthetic study analysed end to end, with mode profiles (rows 1 and 3 of main)
    and borderline resonances in the main modes run."""
    from hotlase.postprocess.report import analyze_variants

    out = syn.make_run_dir(tmp_path_factory.mktemp("figs"))
    study = syn.make_study()
    centre = (syn.DX_NM / 2, syn.DX_NM / 2, 50.0 + syn.DX_NM / 2)
    syn.write_profiles(out / "runs" / "main_modes.h5", study,
                       {1: syn.mode_field(study, 30.0, centre), 3: syn.mode_field(study, 20.0, centre)})
    syn.write_borderline(out / "runs" / "main_modes.h5")
    report, summary, results = analyze_variants(out)
    return out, report, summary, results


def test_metal_and_twin_maps_share_their_colour_scale(analysed):
    """The report's limits per tag span both variants; both maps drawn with them carry the
    same clim (metal and no metal comparable by eye), log scale for the absorbed power."""
    _, _, _, results = analysed
    limits = figures.shared_map_limits(results)
    main, twin = results["main"].absorption["pump"].maps, results["no_metal"].absorption["pump"].maps
    lo, hi = limits[("pump", "xz")]
    assert hi == max(main.enhancement_xz.max(), twin.enhancement_xz.max())
    a = figures.plot_enhancement_xz(main, limits=limits[("pump", "xz")]).axes[0]
    b = figures.plot_enhancement_xz(twin, limits=limits[("pump", "xz")]).axes[0]
    assert a.collections[0].get_clim() == b.collections[0].get_clim() == (lo, hi)
    pa = figures.plot_absorbed_power_xz(main, limits=limits[("pump", "power")]).axes[0]
    pb = figures.plot_absorbed_power_xz(twin, limits=limits[("pump", "power")]).axes[0]
    assert pa.collections[0].get_clim() == pb.collections[0].get_clim()


def test_xy_maps_have_outlines(analysed):
    """The xy map just above the metal cuts the rods: their outline is drawn (a contour)."""
    _, _, _, results = analysed
    maps = results["main"].absorption["pump"].maps
    assert maps.material_xy is not None and np.ptp(maps.material_xy) > 0
    ax = figures.plot_enhancement_xy(maps).axes[0]
    assert _contours(ax) >= 1


def test_every_mode_with_its_own_field_gets_a_profile_figure(analysed):
    """Rows 1 and 3 of the main modes file have fields: mode 1 (521 nm) and mode 3 (610 nm)
    of the table get profile figures, nothing else; the report links them and the LDOS /
    Purcell figure; borderline resonances are in the summary and the report."""
    out, report, summary, _ = analysed
    figs = sorted(p.name for p in (out / "figures").glob("*_profile.png"))
    assert figs == ["main_mode_1_profile.png", "main_mode_3_profile.png"]
    text = report.read_text()
    assert "figures/main_mode_3_profile.png" in text and "figures/ldos_purcell.png" in text
    assert [b["missed"] for b in summary["modes_borderline"]] == ["q_min", "err_max"]
    assert "Borderline resonances (2" in text


def test_mode_profile_has_three_outlined_panels_and_names_the_component(tmp_path):
    """A Gaussian E_z blob in a 3D rod cell: the component is z, the cuts pass through the
    blob's centre, and |E| xz, Re E_z xz and |E| xy all carry material outlines."""
    study = syn.make_study()
    path = syn.write_run(tmp_path / "main_modes.h5", study, "modes", "main")
    centre = (syn.DX_NM / 2, syn.DX_NM / 2, 50.0 + syn.DX_NM / 2)
    syn.write_profiles(path, study, {0: syn.mode_field(study, 30.0, centre)})
    run = read_run(path)
    grid = mode_fields.read_profile_grid(run)
    cuts = mode_fields.mode_cuts(grid, mode_fields.read_profile(run, grid, 0)[0])
    assert cuts.component == "z"
    assert (cuts.y_cut_nm, cuts.z_cut_nm) == (centre[1], centre[2])
    assert cuts.abs_xz.max() == pytest.approx(1.0) and cuts.component_xz.max() == pytest.approx(1.0)
    fig = mode_figures.plot_mode_profile(cuts, "main mode 1")
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert len(panels) == 3
    assert all(_contours(a) >= 1 for a in panels)


def test_ldos_and_purcell_share_one_axis_per_quantity(analysed):
    """Metal and twin LDOS on the left axis, their Purcell factors on the right, equal to the
    synthetic ldos / ldos_bulk (syn.purcell_expected, exact to float rounding)."""
    _, _, _, results = analysed
    emitters = {v: r.emitter for v, r in results.items()}
    fig = mode_figures.plot_ldos_purcell(emitters, 532.0)
    left, right = fig.axes
    assert {line.get_label() for line in left.lines} >= {"metal (main)", "no metal (twin)"}
    purcell = {line.get_label(): line.get_ydata() for line in right.lines}
    wl = emitters["main"]["wavelength_nm"]
    for variant, name in (("main", "metal (main)"), ("no_metal", "no metal (twin)")):
        np.testing.assert_allclose(purcell[name], syn.purcell_expected(variant, wl), rtol=1e-12)


def test_surface_rate_title_fits_the_figure():
    """The surface-rate title (three lines) lies inside the saved figure after tight_layout."""
    x = np.linspace(-100, 100, 20)
    fig = figures.plot_surface_rate(np.outer(np.ones(20), np.linspace(0, 1, 20)) * 1e20, x, x,
                                    "main, pump (405 nm)")
    FigureCanvasAgg(fig)
    fig.tight_layout()
    renderer = fig.canvas.get_renderer()
    box = fig.axes[0].title.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height


def test_api_plot_spectra_marks_pump_emission_and_borderline(analysed):
    """``Analysis.plot_spectra`` draws what the report's spectra figure draws: the study's
    pump and emission lines, the modes numbered, the main variant's borderline resonances."""
    from hotlase.api import Analysis

    out, report, summary, results = analysed
    fig = Analysis(out, report, summary, results).plot_spectra()
    main = fig.axes[0]
    legend = [t.get_text() for t in main.get_legend().get_texts()]
    assert "pump 405 nm" in legend and "emission 532 nm" in legend
    assert "borderline (2, not modes)" in legend
    labels = sorted(t.get_text() for t in main.texts if t.get_gid() == "mode-label")
    assert labels == ["1: 521 nm, Q 22", "2: 560 nm, Q 8", "3: 610 nm, Q 50"]


def test_mode_profile_of_a_2d_cell_has_two_panels(tmp_path):
    """A 2D wire cell (ny = 1): the xz |E| and E_c panels only, both outlined (wire, metal)."""
    study = syn.study_of(syn.wire_study_dict())
    path = syn.write_run(tmp_path / "main_modes.h5", study, "modes", "main")
    syn.write_profiles(path, study, {0: syn.mode_field(study, 30.0, (2.5, 0.0, 42.5))})
    run = read_run(path)
    grid = mode_fields.read_profile_grid(run)
    cuts = mode_fields.mode_cuts(grid, mode_fields.read_profile(run, grid, 0)[0])
    assert cuts.abs_xy is None and cuts.component == "z"
    fig = mode_figures.plot_mode_profile(cuts, "wire mode 1")
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert len(panels) == 2 and all(_contours(a) >= 1 for a in panels)
