"""Tests of fgcourse.explorer: the precomputed grid in nested stacks, budgets, kernel-only
controls, never a stale figure in Jupyter, readable pages, each step (plan, sample, render,
widget) on its own, bad input."""

import asyncio
import base64
import itertools
import re
import struct
import tracemalloc
from pathlib import Path

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from strategies import assert_names_argument, assert_refused, counted  # noqa: E402

from fgcourse.explorer import (  # noqa: E402
    NEEDS_KERNEL,
    Explorer,
    Page,
    common_frame,
    explorer,
    fixed_ticks,
    grid_controls,
    median_update_time,
    page_key,
    plan,
    render,
    render_page,
    render_png,
    sample,
    smallest_font_px,
    widget,
)

ROOT = Path(__file__).resolve().parents[1]


def draw(k, scale=1, shift=0.0, w=0):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [shift, k * scale])
    ax.set_ylim(0, 20)
    ax.set_title(f"k = {k}, scale = {scale}, shift = {shift}", fontsize=9)
    return fig


def slider_of(box):
    (slider,) = [w for w in box.children if isinstance(w, widgets.SelectionSlider)]
    return slider


def root_stack(box):
    (stack,) = [w for w in box.children if isinstance(w, widgets.Stack)]
    return stack


def png_of(html):
    return base64.b64decode(html.split("base64,")[1].split('"')[0])


def png_size(html):
    return struct.unpack(">II", png_of(html)[16:24])


def shown_page(box):
    """The HTML the reader sees: the selected leaf of the nested stacks, or the live figure."""
    figure = box.figure()
    while isinstance(figure, widgets.Stack):
        figure = figure.children[figure.selected_index]
    return figure.value


def follow_links(box):
    """What jslink does in the browser: copy each control's index into its stacks."""
    for link in box.links:
        (source, source_name), (target, target_name) = link.source, link.target
        setattr(target, target_name, getattr(source, source_name))


def test_one_precomputed_page_per_value_linked_to_the_slider():
    box = explorer(draw, "k", [1, 2, 3], saved=True)
    slider, stack = slider_of(box), root_stack(box)
    assert len(stack.children) == 3 and box.num_pages == 3
    pages = [page.value for page in stack.children]
    assert all('<img src="data:image/png;base64,' in p for p in pages)
    assert len(set(pages)) == 3, "each slider value must have its own figure"
    assert slider.options == ("1", "2", "3")
    assert [(link.source, link.target) for link in box.links] == [((slider, "index"), (stack, "selected_index"))]
    assert "fgcourse-explorer" in box._dom_classes


def test_the_grid_is_the_product_of_the_slider_and_the_offline_controls():
    calls = counted(draw)
    scale = widgets.Dropdown(options=[1, 2, 3], value=2)
    box = explorer(calls, "k", [1, 2], controls={"scale": scale, "shift": widgets.IntSlider(0, 0, 1)},
                   offline=("scale", "shift"), saved=True)
    assert box.grid == ("k", "scale", "shift") and box.needs_kernel == ()
    assert box.num_pages == 2 * 3 * 2
    root = root_stack(box)
    assert [len(s.children) for s in root.children] == [3, 3]
    leaves = [leaf for level in root.children for inner in level.children for leaf in inner.children]
    assert len(leaves) == 12 and len({leaf.value for leaf in leaves}) == 12
    # Every stack has its link, and the initial indices are the controls' initial values.
    assert len(box.links) == 1 + 2 + 2 * 3
    assert all(s.selected_index == 1 for s in root.children), "scale's stacks start at its value 2"
    drawn = calls.calls
    scale.value = 3  # a precomputed control: the stacks flip, nothing is redrawn
    follow_links(box)
    assert calls.calls == drawn and box.figure() is root
    # The page shown is the one drawn for k = 1, scale = 3, shift = 0, what a live update draws.
    assert png_of(shown_page(box)) == png_of(box.render(0))


def test_an_int_slider_is_precomputed_as_an_index_slider_kept_in_sync():
    shift = widgets.IntSlider(1, 0, 2, description="shift")
    box = explorer(draw, "k", [1, 2], controls={"shift": shift}, saved=True)
    (row,) = [w for w in box.children if isinstance(w, widgets.HBox)]
    (shown,) = row.children
    assert isinstance(shown, widgets.SelectionSlider) and shown.index == 1 and shown.description == "shift"
    shown.index = 2
    assert shift.value == 2
    assert (shown, "index") in [link.source for link in box.links]


def test_controls_over_the_page_budget_need_a_kernel_and_say_so():
    scale = widgets.Dropdown(options=[1, 2, 3])
    shift = widgets.FloatSlider(0.0, min=0.0, max=1.0)
    wide = widgets.IntSlider(0, 0, 99)
    box = explorer(draw, "k", [1, 2], controls={"scale": scale, "shift": shift, "w": wide}, max_pages=10)
    assert box.grid == ("k", "scale") and box.needs_kernel == ("shift", "w")
    assert NEEDS_KERNEL in shift._dom_classes and NEEDS_KERNEL in wide._dom_classes
    assert NEEDS_KERNEL not in scale._dom_classes
    footer = box.children[-1].value
    assert "<i>shift</i> and <i>w</i> need a running kernel" in footer and "Without a running kernel only" not in footer
    assert "settings of <i>k</i> and <i>scale</i>" in footer
    every = explorer(draw, "k", [1, 2], controls={"scale": widgets.Dropdown(options=[1, 2])}).children[-1].value
    assert "every control works with or without a running kernel" in every


def test_a_declared_grid_over_budget_fails_with_the_page_count_and_the_budget():
    calls = counted(draw)
    controls = {"scale": widgets.Dropdown(options=list(range(5))), "shift": widgets.IntSlider(0, 0, 9)}
    with pytest.raises(ValueError) as excinfo:
        explorer(calls, "k", [1, 2, 3], controls=controls, offline=("scale", "shift"), max_pages=100)
    assert_names_argument(excinfo, "offline", "got 150 pages", "3 k x 5 scale x 10 shift", "max_pages = 100")
    assert calls.calls == 0, "the page count is checked before anything is drawn"
    with pytest.raises(ValueError) as excinfo:
        explorer(draw, "k", list(range(12)), max_pages=10)
    assert_names_argument(excinfo, "offline", "got 12 pages", "max_pages = 10")


def test_pages_over_the_size_budget_fail_instead_of_being_dropped():
    one_page = len(png_of(explorer(draw, "k", [1, 2], saved=True).children[1].children[0].value))
    with pytest.raises(ValueError) as excinfo:
        explorer(draw, "k", [1, 2, 3], controls={"scale": widgets.Dropdown(options=[1, 2])}, offline=("scale",),
                 max_bytes=4 * one_page)
    assert_names_argument(excinfo, "offline", f"max_bytes = {4 * one_page}")
    # An automatic grid leaves to the kernel the controls that would not fit.
    box = explorer(draw, "k", [1, 2, 3], controls={"scale": widgets.Dropdown(options=[1, 2])},
                   max_bytes=4 * one_page)
    assert box.grid == ("k",) and box.needs_kernel == ("scale",) and box.png_bytes <= 4 * one_page


def test_in_jupyter_a_kernel_only_control_switches_to_a_live_figure_and_back():
    shift = widgets.FloatSlider(0.0, min=0.0, max=5.0)
    scale = widgets.Dropdown(options=[1, 2])
    box = explorer(draw, "k", [1, 2, 3], controls={"scale": scale, "shift": shift}, saved=True)
    slider, root = slider_of(box), root_stack(box)
    shift.value = 2.0
    live = box.figure()
    assert live is not root and root not in box.children, "precomputed pages for shift = 0 are not shown"
    assert live.value == box.render(0)
    # The main slider and precomputed controls now redraw the live figure: never an old page.
    slider.index = 2
    follow_links(box)
    assert box.figure().value == box.render(2) != root.children[2].children[0].value
    scale.value = 2
    assert box.figure().value == box.render(2)
    shift.value = 0.0  # back to the precomputed values: the stacks (linked to the controls) return
    follow_links(box)
    assert box.figure() is root and shown_page(box) == root.children[2].children[1].value


def test_live_pages_are_cached():
    calls = counted(draw)
    shift = widgets.FloatSlider(0.0, min=0.0, max=5.0)
    explorer(calls, "k", [1, 2], controls={"shift": shift})
    shift.value = 1.0
    drawn = calls.calls
    shift.value = 2.0
    shift.value = 1.0
    assert calls.calls == drawn + 1


def test_sliders_update_on_release():
    controls = {"scale": widgets.IntSlider(1, 1, 3), "shift": widgets.FloatSlider(0.0, continuous_update=True)}
    box = explorer(draw, "k", [1, 2], controls=controls)
    assert not controls["scale"].continuous_update and not controls["shift"].continuous_update
    assert not slider_of(box).continuous_update


def test_the_slider_row_has_no_fixed_width():
    box = explorer(draw, "k", [1, 2], saved=True)
    assert slider_of(box).layout.width == "100%"


def test_pages_keep_their_natural_size_and_record_their_smallest_font():
    box = explorer(draw, "k", [1, 2], saved=True)
    page = root_stack(box).children[0].value
    width, height = png_size(page)
    assert f'width="{width}"' in page and f'height="{height}"' in page and "max-width:none" in page
    assert "overflow-x:auto" in page
    font = float(re.search(r'data-min-font-px="([0-9.]+)"', page).group(1))
    assert font >= 9.0


def test_the_resolution_rises_until_the_smallest_text_is_readable():
    def small_text(k):
        fig = draw(k)
        fig.axes[0].set_title("tiny", fontsize=6)
        return fig

    box = explorer(small_text, "k", [1, 2], dpi=80, min_font_px=9)
    assert box.dpi == 108  # 6 pt at 108 dpi: 9 px
    fig = small_text(1)
    assert smallest_font_px(fig, 108) == pytest.approx(9.0)
    plt.close(fig)


def test_pages_share_one_frame_so_the_figure_does_not_jump():
    def draw_with_long_title(k):
        fig = draw(k)
        fig.axes[0].set_title("x" * (10 * k))
        return fig

    box = explorer(draw_with_long_title, "k", [1, 2, 3], saved=True)
    sizes = {png_size(page.value) for page in root_stack(box).children}
    assert len(sizes) == 1
    width, _ = sizes.pop()
    alone = struct.unpack(">II", render_png(draw_with_long_title(3), dpi=box.dpi)[16:24])
    assert width >= alone[0], "the common frame must hold the widest page"


@pytest.mark.parametrize("dpi", [80, 81, 93, 100, 108])
def test_palette_pages_are_smaller_and_the_same_size(dpi):
    fig = draw(1)
    frame = common_frame([fig])
    full = render_png(draw(1), dpi=dpi, frame=frame)
    palette = render_png(fig, dpi=dpi, frame=frame, palette=True)
    assert palette[:8] == b"\x89PNG\r\n\x1a\n" and palette[16:24] == full[16:24]
    assert palette[25] == 3, "a palette PNG (colour type 3), whatever the rounding of the frame in pixels"
    assert len(palette) < len(full)


def test_render_png_gives_png_bytes_and_closes_the_figure():
    fig = draw(1)
    png = render_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)


def test_grid_controls_lists_what_can_be_precomputed():
    assert grid_controls(widgets.Dropdown(options=[("a", (0, 1)), ("b", (2, 3))])) == ((0, 1), (2, 3))
    assert tuple(grid_controls(widgets.IntSlider(2, 0, 6, step=2))) == (0, 2, 4, 6)
    assert grid_controls(widgets.FloatSlider()) is None


def test_median_update_time_is_the_median_of_the_timed_updates():
    # A clock that the timed updates move by 0.5, 0.125 and 0.25 s (and nothing else moves):
    # the median is the middle one, exactly, and every update drew with the controls given.
    ticks, seen = [], []
    for duration in (0.5, 0.125, 0.25):
        now = ticks[-1] if ticks else 0.0
        ticks += [now, now, now + duration]  # median_seconds reads the clock once, then before and after
    clock = iter(ticks).__next__

    def recording_draw(k, scale=1):
        seen.append((k, scale))
        return draw(k, scale=scale)

    assert median_update_time(recording_draw, [1, 2, 3], clock=clock, scale=2) == 0.25
    assert seen == [(1, 2), (2, 2), (3, 2)] * 2  # the common frame, then one timed update per value
    assert median_update_time(draw, [1, 2], scale=2) > 0  # and a real clock measures something


def test_median_update_time_calls_draw_for_every_value_and_repeat():
    counted_draw = counted(draw)
    median_update_time(counted_draw, [1, 2, 3], repeat=2)
    assert counted_draw.calls == 3 + 3 * 2  # the common frame, then the timed updates


def test_a_control_with_huge_ranges_is_never_enumerated():
    # A slider over 10^8 values would be a tuple of 800 MB: it is counted, not listed, so it
    # needs a kernel (chosen grid) or is refused with its size (declared grid), in little memory.
    huge = 10**8
    tracemalloc.start()
    try:
        assert len(grid_controls(widgets.IntSlider(1, 0, huge))) == huge + 1
        chosen = plan("k", [1, 2], {"w": widgets.IntSlider(1, 0, huge), "scale": widgets.Dropdown(options=[1, 2])})
        assert dict(chosen.grid) == {"scale": (1, 2)} and chosen.needs_kernel == ("w",)
        assert_refused(lambda: plan("k", [1, 2], {"w": widgets.IntSlider(1, 0, huge)}, offline=("w",)),
                       "offline", f"got {2 * (huge + 1)} pages", f"{huge + 1} w", "max_pages = 150")
        assert_refused(lambda: plan("k", range(huge)), "offline", f"got {huge} pages", "max_pages = 150")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000, f"{peak} bytes for a plan of 2 pages"


# ----------------------------------------------------------------------------- in a running kernel

def from_browser(control, **state) -> list:
    """Apply ``state`` to ``control`` as a message from the browser would, and return the (widget, trait)
    updates the kernel sends back to the browser meanwhile."""
    sent = []
    original = widgets.Widget.notify_change

    def recording(self, change):
        # What ipywidgets sends to a connected browser: a synced trait, unless the browser just sent it.
        name = change["name"]
        if name in self.keys and self._should_send_property(name, getattr(self, name)):
            sent.append((self, name))
        return original(self, change)

    widgets.Widget.notify_change = recording
    try:
        control._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                             "buffers": []})
    finally:
        widgets.Widget.notify_change = original
    return sent


def test_for_a_running_kernel_an_explorer_is_one_page_that_python_sets():
    calls = counted(draw)
    scale = widgets.Dropdown(options=[1, 2, 3], value=2, description="scale")
    shift = widgets.FloatSlider(0.0, min=0.0, max=5.0, description="shift")
    box = explorer(calls, "k", [1, 2, 3], controls={"scale": scale, "shift": shift}, saved=False)
    reference = explorer(draw, "k", [1, 2, 3], controls={
        "scale": widgets.Dropdown(options=[1, 2, 3], value=2, description="scale"),
        "shift": widgets.FloatSlider(0.0, min=0.0, max=5.0, description="shift")}, saved=True)
    figure = box.figure()
    assert box.links == () and box.stack is None and isinstance(figure, widgets.HTML)
    assert not any(isinstance(w, widgets.Stack) for w in box.children)
    assert shown_page(box) == shown_page(reference)
    drawn = calls.calls
    # A precomputed control: one message from the browser, one back (the page); nothing drawn.
    assert from_browser(scale, index=2) == [(figure, "value")]
    assert calls.calls == drawn and box.figure() is figure
    assert png_of(figure.value) == png_of(root_stack(reference).children[0].children[2].value)
    assert 'alt="k = 1, scale = 3, shift = 0"' in figure.value
    assert from_browser(slider_of(box), index=1) == [(figure, "value")]
    # A kernel-only control: drawn live, and cached for a revisit.
    assert from_browser(shift, value=2.0) == [(figure, "value")]
    assert calls.calls == drawn + 1 and figure.value == box.render(1)
    from_browser(shift, value=0.0)
    from_browser(shift, value=2.0)
    assert calls.calls == drawn + 2, "the page of shift = 2.0 comes from the cache"
    from_browser(shift, value=0.0)
    assert png_of(figure.value) == png_of(root_stack(reference).children[1].children[2].value)


def test_for_a_running_kernel_the_pages_one_step_away_are_drawn_while_it_is_idle():
    calls = counted(draw)
    shift = widgets.IntSlider(1, 0, 3)

    async def session():
        box = explorer(calls, "k", [1, 2, 3], controls={"shift": shift}, offline=(), saved=False)
        built = calls.calls
        await asyncio.sleep(0.5)  # idle: shift = 2 and shift = 0 are drawn (k = 2, shift = 1 is a precomputed page)
        assert calls.calls == built + 2 and len(box.cache) == 2
        shift.value = 2
        assert calls.calls == built + 2, "the change is served from the pages drawn while idle"
        assert box.figure().value == box.cache[page_key(0, {"shift": 2})]
        await asyncio.sleep(0.5)  # then k = 2 and shift = 3 at shift = 2 (shift = 1 is precomputed)
        assert calls.calls == built + 4
        assert set(box.cache) == {page_key(i, {"shift": s}) for i, s in [(0, 2), (0, 0), (1, 2), (0, 3)]}

    asyncio.run(session())
    assert [p[0] for p in explorer(draw, "k", [1, 2], controls={"shift": shift}, offline=()).neighbours()] == [1, 0, 0]


def test_pages_slow_to_draw_are_not_drawn_ahead(monkeypatch):
    import importlib

    # Every page is slow.
    monkeypatch.setattr(importlib.import_module("fgcourse.explorer.widget"), "PREFETCH_MAX_SECONDS", 0.0)
    calls = counted(draw)
    shift = widgets.IntSlider(1, 0, 3)

    async def session():
        box = explorer(calls, "k", [1, 2, 3], controls={"shift": shift}, offline=(), saved=False)
        built = calls.calls
        await asyncio.sleep(0.5)
        assert calls.calls == built + 1 and len(box.draw_seconds) == 1, "one page drawn ahead, timed, then none"
        shift.value = 3
        await asyncio.sleep(0.5)
        assert calls.calls == built + 2, "only the page asked for"
        assert box.wanted == [] and box._prefetching is None, "and nothing left scheduled: the kernel is idle"

    asyncio.run(session())


def test_an_explorer_built_for_a_saved_state_links_every_stack_of_a_level():
    # Why a running kernel gets one page: with stacks, a browser's change of a control sends one
    # message per stack of its level (3 main values x 3 scales: 3 stacks for scale, 9 for shift).
    controls = {"scale": widgets.Dropdown(options=[1, 2, 3]), "shift": widgets.IntSlider(0, 0, 2)}
    box = explorer(draw, "k", [1, 2, 3], controls=controls, saved=True)
    sources = [link.source[0] for link in box.links]
    assert [sources.count(w) for w in [slider_of(box), controls["scale"]]] == [1, 3]
    assert len(sources) == 1 + 3 + 9


def test_the_saved_state_is_chosen_by_the_notebook_runner(monkeypatch):
    from fgcourse.explorer import SAVED_STATE_VARIABLE, saving_widget_state

    monkeypatch.setenv(SAVED_STATE_VARIABLE, "1")
    assert saving_widget_state() and explorer(draw, "k", [1, 2]).stack is not None
    monkeypatch.delenv(SAVED_STATE_VARIABLE)
    assert not saving_widget_state() and explorer(draw, "k", [1, 2]).stack is None
    runner = (ROOT / "tools" / "execute_notebooks.py").read_text()
    assert f'os.environ["{SAVED_STATE_VARIABLE}"] = "1"' in runner


def test_a_page_that_fails_to_draw_says_so_where_the_figure_was():
    def fragile(k, shift=0.0):
        if shift > 1:
            raise ValueError("no data for this shift")
        return draw(k, shift=shift)

    shift = widgets.FloatSlider(0.0, min=0.0, max=5.0)
    for saved in (False, True):
        box = explorer(fragile, "k", [1, 2], controls={"shift": shift}, saved=saved)
        shift.value = 2.0
        text = box.figure().value
        assert 'role="alert"' in text and "k = 1, shift = 2: draw failed" in text and "no data for this shift" in text
        assert "<img" not in text, "never the page of another setting"
        shift.value = 0.0


def test_alt_text_names_every_control_with_the_label_the_reader_sees():
    controls = {"start": widgets.Dropdown(options=[("(0, 0.5)", (0.0, 0.5)), ("(1, 2)", (1.0, 2.0))],
                                          description="start"),
                "rng": widgets.IntSlider(3, 0, 9, description="seed"), "lr": widgets.FloatSlider(0.25)}
    chosen = plan("k", [1, 2], controls, description="Beale")
    assert chosen.describe(1, {"start": (1.0, 2.0), "rng": 3, "lr": 0.25}) == (
        "Beale, at k = 2, start = (1, 2), seed = 3, lr = 0.25")


# ----------------------------------------------------------------------------- the steps, one by one

def test_the_plan_chooses_the_grid_before_anything_is_drawn():
    scale = widgets.Dropdown(options=[1, 2, 3], value=2)
    chosen = plan("k", [1, 2], {"scale": scale, "shift": widgets.FloatSlider(0.5)})
    assert dict(chosen.grid) == {"scale": (1, 2, 3)} and chosen.needs_kernel == ("shift",)
    assert chosen.num_pages == 6 and chosen.start == (0, 1) and chosen.labels == ("1", "2")
    assert chosen.points() == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert chosen.settings((1, 2)) == (2, {"scale": 3, "shift": 0.5})
    assert chosen.key((1, 2)) == page_key(1, {"shift": 0.5, "scale": 3}), "one key, whatever the order"
    assert not chosen.declared and plan("k", [1, 2], {"scale": scale}, offline=()).grid == {}


def test_fitted_trims_a_chosen_grid_from_its_last_control_and_keeps_a_declared_one():
    controls = {"scale": widgets.Dropdown(options=[1, 2]), "w": widgets.Dropdown(options=[0, 1, 2])}
    chosen = plan("k", [1, 2], controls, max_bytes=1000)
    assert chosen.fitted(1000 // 12).grid == chosen.grid, "12 pages fit"
    assert tuple(chosen.fitted(1000 // 4).grid) == ("scale",) and chosen.fitted(1000 // 4).needs_kernel == ("w",)
    assert chosen.fitted(1000).grid == {} and chosen.fitted(1000).needs_kernel == ("scale", "w")
    declared = plan("k", [1, 2], controls, offline=("w", "scale"), max_bytes=1000)
    assert declared.fitted(1000).grid == declared.grid


def test_the_sample_fixes_frame_and_resolution_and_render_draws_each_page_once():
    calls = counted(draw)
    chosen = plan("k", [1, 2], {"scale": widgets.Dropdown(options=[1, 2, 3], value=2)})
    first = sample(calls, chosen)
    assert calls.calls == 2 + 2, "every main value, and the other options of scale"
    assert set(first.pages) == {chosen.key(p) for p in [(0, 1), (1, 1), (0, 0), (0, 2)]}
    assert all(isinstance(page, Page) and page.png[:8] == b"\x89PNG\r\n\x1a\n" for page in first.pages.values())
    pages = render(calls, chosen, first)
    assert calls.calls == chosen.num_pages, "the sample's pages are reused"
    assert set(pages.pages) == {chosen.key(p) for p in chosen.points()}
    assert (pages.frame, pages.dpi) == (first.frame, first.dpi)
    assert all(pages.pages[key] is page for key, page in first.pages.items())
    assert pages.png_bytes == sum(len(page.png) for page in pages.pages.values()) >= pages.largest


def test_a_page_is_the_live_render_of_its_figure():
    fig = draw(2)
    frame = common_frame([fig])
    page = render_page(fig, 90, frame)
    assert page.png == render_png(draw(2), dpi=90, frame=frame, palette=True)
    assert page.min_font_px == pytest.approx(9 * 90 / 72)
    html = page.html("k = 2")
    assert png_of(html) == page.png and 'alt="k = 2"' in html and 'data-min-font-px="11.25"' in html


def test_the_widget_is_built_from_a_plan_and_its_pages():
    chosen = plan("k", [1, 2], {"scale": widgets.Dropdown(options=[1, 2])}, description="A line")
    pages = render(draw, chosen, sample(draw, chosen))
    box = widget(draw, chosen, pages, saved=True)
    assert isinstance(box, Explorer) and isinstance(box, widgets.VBox)
    assert (box.grid, box.num_pages, box.png_bytes, box.dpi) == (("k", "scale"), 4, pages.png_bytes, pages.dpi)
    leaves = [leaf.value for level in root_stack(box).children for leaf in level.children]
    assert leaves == [pages.pages[chosen.key(p)].html(chosen.describe(p[0], chosen.settings(p)[1]))
                      for p in chosen.points()]
    assert 'alt="A line, at k = 2, scale = 1"' in leaves[2]


def test_the_saved_text_says_what_the_explorer_shows_and_how_to_show_it_again():
    box = explorer(draw, "k", [1, 2], controls={"scale": widgets.Dropdown(options=[1, 2]),
                                                "shift": widgets.FloatSlider()}, description="A line")
    first, second = repr(box).split("\n")
    assert first == "Explorer. A line: 4 precomputed pages (k x scale); shift needs a running kernel."
    assert "model not found" in second and "run this cell" in second
    assert box._repr_mimebundle_()["text/plain"] == repr(box)


def test_description_and_controls_are_shown():
    box = explorer(draw, "k", [1, 2], controls={"scale": widgets.IntSlider(1, 1, 3)}, description="A line")
    assert box.children[0].value == "<b>A line</b>"
    assert any(isinstance(w, widgets.HBox) for w in box.children)


def test_the_book_explorers_titles_name_their_controls():
    from fgcourse import chains
    from fgcourse.forward_gradient import plots
    from fgcourse.optim import explorer_figure

    def titles(fig):
        texts = [fig._suptitle.get_text()] if fig._suptitle else []
        texts += [ax.get_title() for ax in fig.axes]
        plt.close(fig)
        return " ".join(texts)

    assert "K = 8" in titles(chains.draw_memory_timelines(8, 16)) and "width 16" in titles(
        chains.draw_memory_timelines(8, 16))
    text = titles(plots.draw_tangent_laws(5, "sphere", "equal", num_samples=400))
    assert all(word in text for word in ("n = 5", "sphere", "equal", "400 samples"))
    text = titles(plots.draw_sign_agreement(5, "gaussian", num_samples=400))
    assert all(word in text for word in ("n = 5", "gaussian", "400 samples"))
    text = titles(explorer_figure(0.02, (1.0, 2.0), "gaussian", "adam", rng=3, max_iter=5, num_runs=2))
    assert all(word in text for word in ("adam", "lr = 0.02", "from (1, 2)", "gaussian", "seed 3"))


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
    (lambda: explorer(draw, "k", [1, 2], controls={"scale": widgets.IntSlider(1, 1, 3)}, offline=("sclae",)),
     ValueError, "offline[0]", "did you mean 'scale'"),
    (lambda: explorer(draw, "k", [1, 2], controls={"shift": widgets.FloatSlider()}, offline=("shift",)),
     ValueError, "offline[0]", "FloatSlider"),
    (lambda: explorer(draw, "k", [1, 2], offline="scale"), TypeError, "offline", "sequence"),
    (lambda: explorer(draw, "k", [1, 2], max_pages=0), ValueError, "max_pages", ">= 1"),
    (lambda: explorer(draw, "k", [1, 2], max_pages=True), TypeError, "max_pages", "bool"),
    (lambda: explorer(draw, "k", [1, 2], max_bytes=1.5), TypeError, "max_bytes", "float"),
    (lambda: explorer(draw, "k", [1, 2], min_font_px=0), ValueError, "min_font_px", "> 0"),
    (lambda: explorer(draw, "k", [1, 2], dpi=0), ValueError, "dpi", ">= 1"),
    (lambda: explorer(draw, "k", [1, 2], dpi=80.0), TypeError, "dpi", "float"),
    (lambda: explorer(draw, "k", [1, 2], dpi=10**6), ValueError, "dpi", "<= 1000"),
    (lambda: explorer(draw, "k", [1, 2], description=3), TypeError, "description", "string or None"),
    (lambda: render_png("figure"), TypeError, "fig", "Figure"),
    (lambda: render_png(draw(1), dpi=True), TypeError, "dpi", "bool"),
    (lambda: render_png(draw(1), frame=(0, 0, 1, 1)), TypeError, "frame", "Bbox"),
    (lambda: render_png(draw(1), palette="yes"), TypeError, "palette", "True or False"),
    (lambda: smallest_font_px("figure", 80), TypeError, "fig", "Figure"),
    (lambda: smallest_font_px(draw(1), 0), ValueError, "dpi", ">= 1"),
    (lambda: grid_controls(3), TypeError, "control", "value widget"),
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
    (lambda: plan("", [1, 2]), ValueError, "name", "non-empty"),
    (lambda: plan("k", itertools.count()), ValueError, "offline", "more than 150 values of k"),
    (lambda: plan("k", [1, 2], {"scale": widgets.Dropdown(options=[])}), ValueError, "controls['scale']",
     "at least one option"),
    (lambda: plan("k", [1, 2], offline=("scale",)), ValueError, "offline[0]", "one of ()"),
    (lambda: plan("k", [1, 2]).fitted(-1), ValueError, "page_bytes", ">= 0"),
    (lambda: sample(draw, "plan"), TypeError, "plan", "ExplorerPlan"),
    (lambda: sample(3, plan("k", [1, 2])), TypeError, "draw", "callable"),
    (lambda: render(draw, plan("k", [1, 2]), {}), TypeError, "sample", "Pages"),
    (lambda: widget(draw, plan("k", [1, 2]), None), TypeError, "pages", "Pages"),
    (lambda: render_page(draw(1), 80, None), TypeError, "frame", "Bbox"),
    (lambda: render_page(draw(1), 0, common_frame([draw(1)])), ValueError, "dpi", ">= 1"),
    (lambda: page_key(-1, {}), ValueError, "value_index", ">= 0"),
    (lambda: explorer(draw, "k", [1, 2]).render(2), ValueError, "index", "<= 1"),
    (lambda: explorer(draw, "k", [1, 2]).render("0"), TypeError, "index", "str"),
    (lambda: plan("k", [1, 2]).settings((9,)), ValueError, "point[0]", "<= 1"),
    (lambda: plan("k", [1, 2]).key(None), TypeError, "point", "NoneType"),
    (lambda: plan("k", [1, 2], {"s": widgets.Dropdown(options=[1, 2])}).settings((0,)), ValueError, "point",
     "at least 2"),
    (lambda: page_key(0, [("scale", 1)]), TypeError, "settings", "mapping"),
]


@pytest.mark.parametrize("call, error, name, word", BAD_CALLS)
def test_bad_input_is_refused_naming_the_argument(call, error, name, word):
    assert_refused(call, name, word, error=error)
    plt.close("all")


def test_fixed_ticks_is_the_figure_helpers_own():
    # Re-exported for the notebooks and benchmarks that import it from here; its home is fgcourse._figures.
    from fgcourse import _figures

    assert fixed_ticks is _figures.fixed_ticks
