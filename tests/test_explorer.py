import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from fgcourse.explorer import explorer, median_update_time, render_png  # noqa: E402


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


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(draw=1, name="k", values=[1, 2]), TypeError, "draw"),
        (dict(draw=draw, name="", values=[1, 2]), TypeError, "name"),
        (dict(draw=draw, name="k", values=[1]), ValueError, "values"),
        (dict(draw=draw, name="k", values=[1, 2], controls={"scale": 3}), TypeError, "controls['scale']"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        explorer(**kwargs)
