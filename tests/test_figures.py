"""Tests of fgcourse._figures: the figure helpers every chapter's drawing code shares."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from strategies import assert_names_argument, assert_refused  # noqa: E402

from fgcourse._figures import fixed_ticks  # noqa: E402


@pytest.mark.simd
def test_fixed_ticks_are_a_few_round_values_of_the_view_in_plain_text_without_minor_ticks():
    fig, ax = plt.subplots()
    ax.set_xlim(-4.5, 4.5)
    ax.set_yscale("log")
    ax.set_ylim(3e-3, 25)
    fixed_ticks(ax.xaxis)
    fixed_ticks(ax.yaxis)
    assert ax.get_xticks().tolist() == [-4, -2, 0, 2, 4]  # exact: whole multiples of a step 10.0 ** 0 = 1
    assert [label.get_text() for label in ax.get_xticklabels()] == ["\N{MINUS SIGN}4", "\N{MINUS SIGN}2", "0", "2", "4"]
    # numpy's 10.0 ** decades: its pow kernel depends on the SIMD level (AVX-512 has its own), within a few ulp
    np.testing.assert_allclose(ax.get_yticks(), [1e-2, 1e-1, 1, 10], rtol=1e-14)
    minus = "\N{MINUS SIGN}"
    assert [label.get_text() for label in ax.get_yticklabels()] == [f"1e{minus}02", f"1e{minus}01", "1", "10"]
    assert ax.yaxis.get_minorticklocs().size == 0
    ax.set_ylim(1e-5, 1e55)  # sixty decades: every twentieth
    fixed_ticks(ax.yaxis, num=4)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["1", "1e+20", "1e+40"]
    ax.set_ylim(0.15, 0.9)  # no two powers of ten in view: round values
    fixed_ticks(ax.yaxis)
    np.testing.assert_allclose(ax.get_yticks(), [0.2, 0.4, 0.6, 0.8])
    assert [label.get_text() for label in ax.get_yticklabels()] == ["0.2", "0.4", "0.6", "0.8"]
    ax.set_xlim(-15, 315)
    fixed_ticks(ax.xaxis)
    assert ax.get_xticks().tolist() == [0, 100, 200, 300] and ax.get_xlim() == (-15, 315)
    ax.set_xlim(-0.2, 2.2)  # a count: whole numbers only, where round steps would be 0.5
    fixed_ticks(ax.xaxis, integer=True)
    assert ax.get_xticks().tolist() == [0, 1, 2]
    fixed_ticks(ax.xaxis)
    assert ax.get_xticks().tolist() == [0, 0.5, 1, 1.5, 2]  # exact: Python's 5 * 10.0 ** -1 rounds to 0.5
    plt.close(fig)


BAD_CALLS = [
    (lambda: fixed_ticks(plt.gca()), TypeError, "axis", "Axis"),
    (lambda: fixed_ticks(plt.gca().xaxis, num=1), ValueError, "num", ">= 2"),
    (lambda: fixed_ticks(plt.gca().xaxis, integer=1), TypeError, "integer", "True or False"),
]


@pytest.mark.parametrize("call, error, name, word", BAD_CALLS)
def test_bad_input_is_refused_naming_the_argument(call, error, name, word):
    assert_refused(call, name, word, error=error)
    plt.close("all")


def test_texts_outside_finds_a_label_cut_by_the_edge_and_nothing_in_a_figure_that_fits():
    import matplotlib.pyplot as plt

    from fgcourse._figures import texts_outside

    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.set_xlabel("short")
    assert texts_outside(fig) == []
    ax.set_xlabel("a label far too long for a figure three inches wide, cut at both of its ends")
    cut = texts_outside(fig)
    assert len(cut) == 1 and cut[0].startswith("'a label far too long") and "px past the" in cut[0]
    plt.close(fig)
    with pytest.raises(TypeError) as excinfo:
        texts_outside("figure")
    assert_names_argument(excinfo, "fig", "Figure")


def test_the_memory_timelines_fit_their_figure():
    from fgcourse._figures import texts_outside
    from fgcourse.chains import draw_memory_timelines

    for depth in (2, 16, 64):
        assert texts_outside(draw_memory_timelines(depth)) == []


def test_data_outside_finds_a_curve_the_view_cuts_on_linear_and_log_axes():
    from matplotlib.collections import LineCollection

    from fgcourse._figures import data_outside, texts_outside

    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1, 2, 3], label="line")
    assert data_outside(ax) == []
    ax.set_ylim(0, 2.5)
    cut = data_outside(ax)
    assert len(cut) == 1 and cut[0].startswith("line: x in [0, 2], y in [1, 3]")
    fig, ax = plt.subplots()
    ax.set_yscale("log")
    ax.add_collection(LineCollection([[(0, 1e-3), (10, 1e2)]], label="runs"))
    ax.set_xlim(0, 10)
    ax.set_ylim(1e-3, 1e2)
    assert data_outside(ax) == []
    ax.set_ylim(1e-2, 1e2)
    assert data_outside(ax)[0].startswith("runs:")
    plt.close("all")
    assert_refused(lambda: data_outside(fig), "ax", "Axes", error=TypeError)
    assert_refused(lambda: data_outside(ax, rtol=-1.0), "rtol", ">= 0")
    assert_refused(lambda: texts_outside(fig, margin="1"), "margin", "real", error=TypeError)


def test_show_gives_each_panel_its_own_image_with_the_alt_text_and_its_text_size():
    from fgcourse._figures import FIGURE_DPI, show

    fig, axes = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    for ax in axes:
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x")
    fig.suptitle("two panels")
    shown = show(fig, alt="Two straight lines, one in each panel.")
    assert len(shown.panels) == 2 and all(png.startswith(b"\x89PNG") for png in shown.panels)
    assert shown.title == "two panels" and shown.font_px == pytest.approx(10 * FIGURE_DPI / 72)
    html = shown._repr_html_()
    assert html.count("<img") == 2 and 'alt="Two straight lines, one in each panel."' in html
    assert 'data-min-font-px="13.89"' in html and "two panels" in html
    assert repr(shown) == "Figure: Two straight lines, one in each panel."
    assert plt.get_fignums() == []  # closed: the inline backend does not show it a second time


def test_show_merges_a_colorbar_with_its_axes_into_one_panel():
    from fgcourse._figures import show

    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    fig.colorbar(ax.imshow(np.arange(9.0).reshape(3, 3)), ax=ax)
    assert len(show(fig, alt="A three by three image with its colorbar.").panels) == 1


def test_show_refuses_a_cut_text_and_a_panel_too_wide_for_a_phone():
    from fgcourse._figures import show

    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.set_xlabel("a label far too long for a figure three inches wide, cut at both of its ends")
    assert_refused(lambda: show(fig, alt="A label that does not fit."), "fig", "every text whole", error=ValueError)
    fig, ax = plt.subplots(figsize=(9, 3), layout="constrained")
    ax.plot([0, 1])
    assert_refused(lambda: show(fig, alt="One panel nine inches wide."), "fig", "phone", "in wide",
                   error=ValueError)
    fig, ax = plt.subplots(figsize=(3, 2))
    assert_refused(lambda: show(fig, alt="plot"), "alt", "sentence", error=ValueError)
    assert_refused(lambda: show("fig", alt="A figure that is not one."), "fig", "Figure", error=TypeError)
    plt.close("all")


def test_colour_vision_simulation_keeps_greys_and_finds_what_merges():
    from fgcourse._figures import CVD_KINDS, SERIES_COLORS, closest_colors, simulate_cvd

    greys = ["#000000", "#777777", "#ffffff"]
    for kind in CVD_KINDS:  # each row of Machado's matrices sums to 1: a grey is seen as itself
        np.testing.assert_allclose(simulate_cvd(greys, kind), simulate_cvd(greys, "normal"), atol=2e-3)
    # red and green differ for a normal eye and nearly vanish for a deuteranope (Machado et al. 2009)
    assert closest_colors(["#ff0000", "#00ff00"])[0] < 40 < closest_colors(["#ff0000", "#0000ff"])[0]
    distance, where = closest_colors(["tab:orange", "tab:green"])
    assert distance < 6 and "protanopia" in where  # matplotlib's default C1 and C2 merge
    assert closest_colors(SERIES_COLORS[:5])[0] >= 17
    assert_refused(lambda: simulate_cvd(["red"], "tritanomaly"), "kind", "protanopia")


def test_every_optimizer_and_every_oracle_has_its_own_colour_for_any_colour_vision():
    from strategies import MIN_CVD_DISTANCE

    from fgcourse._figures import closest_colors
    from fgcourse.experiments.plots import solver_color
    from fgcourse.optim import LIMIT_COLORS, OPTIMIZERS
    from fgcourse.training.plots import COLORS

    for colors in ([solver_color(f"{name}/true") for name in OPTIMIZERS], list(COLORS.values()),
                   list(LIMIT_COLORS.values())):
        assert closest_colors(colors)[0] >= MIN_CVD_DISTANCE, closest_colors(colors)


NOTEBOOKS = __import__("pathlib").Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_figure_a_notebook_shows_is_whole_readable_and_described(path):
    """A static figure reaches a notebook only through fgcourse._figures.show, which refuses a text cut at
    the figure's edge when the notebook runs (nbval reruns them): no bare PNG output, and each image
    carries its text size and a sentence of alt text, not a file name."""
    import json
    import re

    for k, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert "image/png" not in data, f"{path.name}, cell {k}: a figure shown without fgcourse._figures.show"
            html = "".join(data.get("text/html", ""))
            for image in re.findall(r"<img [^>]*>", html):
                assert re.search(r'data-min-font-px="\d+\.\d+"', image), f"{path.name}, cell {k}: no text size"
                alts = re.findall(r'alt="([^"]*)"', image)
                assert alts, f"{path.name}, cell {k}: an image without alt"
                if 'class="fgcourse-panels"' in html and alts[0] == "":
                    continue  # a figure's second panel: its alt text is the first panel's
                assert len(alts[0].split()) >= 4 and not re.search(r"\.(png|svg|jpe?g)\b", alts[0]), alts[0]


EXPLORER_PAGES = [
    ("fgcourse.chains", "draw_memory_timelines", [dict(depth=2, width=16), dict(depth=64, width=256)]),
    ("fgcourse.checkpointing", "explore_schedule",
     [dict(K=K, q=q, strategy=strategy) for K, q in ((4, 1), (64, 8)) for strategy in
      ("store_all", "recompute_all", "halving", "optimal", "online")]),
    ("fgcourse.linesearch", "draw_conditions",
     [dict(c1=c1, c2=c2, problem=problem) for c1, c2 in ((1e-4, 0.5), (0.45, 0.99))
      for problem in ("rosenbrock", "quadratic", "beale")]),
    ("fgcourse.forward_gradient.plots", "draw_sign_agreement",
     [dict(n=n, law=law, num_samples=2000) for n in (1, 1000) for law in ("rademacher", "rotated rademacher")]),
    ("fgcourse.forward_gradient.plots", "draw_tangent_laws",
     [dict(n=n, law=law, shape=shape, num_samples=200) for n in (1, 200) for law in ("gaussian", "sphere")
      for shape in ("dominant",)]),
]


@pytest.mark.parametrize("module, name, settings", EXPLORER_PAGES, ids=[name for _, name, _ in EXPLORER_PAGES])
def test_explorer_pages_cut_no_text_at_the_corners_of_their_grids(module, name, settings):
    import importlib

    from fgcourse._figures import texts_outside

    draw = getattr(importlib.import_module(module), name)
    for setting in settings:
        fig = draw(**setting)
        assert texts_outside(fig) == [], f"{name}({setting})"
        plt.close("all")
