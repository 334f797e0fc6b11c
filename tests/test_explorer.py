"""Tests of fgcourse.explorer: precomputed pages linked to the slider, live controls, one frame, bad input."""

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from strategies import assert_names_argument, counted  # noqa: E402

from fgcourse.explorer import common_frame, explorer, median_update_time, render_png  # noqa: E402


def draw(k, scale=1):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, k * scale])
    ax.set_ylim(0, 20)
    return fig


def parts(box):
    (slider,) = [w for w in box.children if isinstance(w, widgets.SelectionSlider)]
    (stack,) = [w for w in box.children if isinstance(w, widgets.Stack)]
    return slider, stack


def test_one_precomputed_page_per_value_linked_to_the_slider():
    box = explorer(draw, "k", [1, 2, 3])
    slider, stack = parts(box)
    assert isinstance(stack, widgets.Stack) and len(stack.children) == 3
    pages = [page.value for page in stack.children]
    assert all(p.startswith('<img src="data:image/png;base64,') for p in pages)
    assert len(set(pages)) == 3, "each slider value must have its own figure"
    assert slider.options == ("1", "2", "3")
    assert "fgcourse-explorer" in box._dom_classes


def test_a_control_redraws_the_visible_page_and_later_the_others():
    scale = widgets.IntSlider(1, 1, 3)
    box = explorer(draw, "k", [1, 2], controls={"scale": scale})
    slider, stack = parts(box)
    before = [page.value for page in stack.children]
    scale.value = 3
    assert stack.children[0].value != before[0]
    assert stack.children[1].value == before[1], "pages out of view are redrawn lazily"
    slider.index = 1
    assert stack.children[1].value != before[1]
    assert stack.children[1].value == box.render(1)


def png_size(html):
    import base64
    import struct

    png = base64.b64decode(html.split("base64,")[1].split('"')[0])
    return struct.unpack(">II", png[16:24])


def test_pages_share_one_frame_so_the_figure_does_not_jump():
    def draw_with_long_title(k):
        fig = draw(k)
        fig.axes[0].set_title("x" * (10 * k))
        return fig

    box = explorer(draw_with_long_title, "k", [1, 2, 3])
    _, stack = parts(box)
    sizes = {png_size(page.value) for page in stack.children}
    assert len(sizes) == 1
    width, _ = sizes.pop()
    alone = png_size('base64,' + __import__("base64").b64encode(render_png(draw_with_long_title(3))).decode() + '"')
    assert width >= alone[0], "the common frame must hold the widest page"


def test_render_png_gives_png_bytes_and_closes_the_figure():
    fig = draw(1)
    png = render_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)


def test_median_update_time_is_positive():
    assert median_update_time(draw, [1, 2], scale=2) > 0


def test_median_update_time_calls_draw_for_every_value_and_repeat():
    counted_draw = counted(draw)
    median_update_time(counted_draw, [1, 2, 3], repeat=2)
    assert counted_draw.calls == 3 + 3 * 2  # the common frame, then the timed updates


def test_description_and_controls_are_shown():
    box = explorer(draw, "k", [1, 2], controls={"scale": widgets.IntSlider(1, 1, 3)}, description="A line")
    assert box.children[0].value == "<b>A line</b>"
    assert any(isinstance(w, widgets.HBox) for w in box.children)


def not_a_figure(k):
    return [k]


def failing_draw(k):
    raise ValueError("no data for k")


BAD_CALLS = [
    (lambda: explorer(1, "k", [1, 2]), TypeError, "draw", "callable"),
    (lambda: explorer(not_a_figure, "k", [1, 2]), TypeError, "draw", "Figure"),
    (lambda: explorer(failing_draw, "k", [1, 2]), ValueError, "draw", "no data for k"),
    (lambda: explorer(draw, "", [1, 2]), ValueError, "name", "non-empty"),
    (lambda: explorer(draw, 3, [1, 2]), TypeError, "name", "string"),
    (lambda: explorer(draw, "k", [1]), ValueError, "values", "at least 2"),
    (lambda: explorer(draw, "k", 5), TypeError, "values", "sequence"),
    (lambda: explorer(draw, "k", [1, 2], controls={"scale": 3}), TypeError, "controls['scale']", "value widget"),
    (lambda: explorer(draw, "k", [1, 2], controls=[widgets.IntSlider()]), TypeError, "controls", "mapping"),
    (lambda: explorer(draw, "k", [1, 2], controls={1: widgets.IntSlider()}), TypeError, "controls key 1", "string"),
    (lambda: explorer(draw, "k", [1, 2], dpi=0), ValueError, "dpi", ">= 1"),
    (lambda: explorer(draw, "k", [1, 2], dpi=80.0), TypeError, "dpi", "float"),
    (lambda: explorer(draw, "k", [1, 2], dpi=10**6), ValueError, "dpi", "<= 1000"),
    (lambda: explorer(draw, "k", [1, 2], description=3), TypeError, "description", "string or None"),
    (lambda: render_png("figure"), TypeError, "fig", "Figure"),
    (lambda: render_png(draw(1), dpi=True), TypeError, "dpi", "bool"),
    (lambda: render_png(draw(1), frame=(0, 0, 1, 1)), TypeError, "frame", "Bbox"),
    (lambda: common_frame([]), ValueError, "figures", "at least 1"),
    (lambda: common_frame([draw(1), "figure"]), TypeError, "figures[1]", "Figure"),
    (lambda: common_frame([draw(1)], pad=-1.0), ValueError, "pad", ">= 0"),
    (lambda: common_frame([draw(1)], pad="0.1"), TypeError, "pad", "str"),
    (lambda: median_update_time("draw", [1, 2]), TypeError, "draw", "callable"),
    (lambda: median_update_time(not_a_figure, [1, 2]), TypeError, "draw", "Figure"),
    (lambda: median_update_time(draw, []), ValueError, "values", "at least 1"),
    (lambda: median_update_time(draw, [1, 2], repeat=0), ValueError, "repeat", ">= 1"),
    (lambda: median_update_time(draw, [1, 2], dpi=-5), ValueError, "dpi", ">= 1"),
    (lambda: median_update_time(draw, [1, 2], clock=3), TypeError, "clock", "callable"),
]


@pytest.mark.parametrize("call, error, name, word", BAD_CALLS)
def test_bad_input_is_refused_naming_the_argument(call, error, name, word):
    with pytest.raises(error) as excinfo:
        call()
    assert_names_argument(excinfo, name, word)
    plt.close("all")
