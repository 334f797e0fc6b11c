"""Interactive figures that stay explorable in the offline HTML book.

An explorer shows one figure controlled by a *main* slider and, optionally, a few other
controls. It works in two worlds:

- in the HTML book, with no kernel, the figure has been precomputed for every combination
  of the main slider and the *offline* controls (the grid) and stored as the pages of nested
  ipywidgets ``Stack`` widgets; each control's ``index`` is linked on the client
  (``jslink``) to the ``selected_index`` of its level of stacks, so moving any of them flips
  pages in the browser. A control that does not fit in the explorer's budgets (pages and
  bytes of PNG) carries the CSS class ``fgcourse-needs-kernel``: the book's own script
  (book/_static/fgcourse.js) disables it and says that it needs a running kernel;
- in Jupyter, with a kernel, every control works. While the kernel-only controls keep the
  values the pages were drawn with, the precomputed pages are right and flip as in the book.
  Once one of them changes, the stacks are replaced by one figure that Python redraws for
  every change, so no page drawn for other values is ever shown.

Sliders update on release (``continuous_update=False`` is set on every control that has it),
so a drag costs one update, not one per pixel. Pages are palette PNGs shown at their natural
size (a box scrolls sideways on a narrow screen), at a resolution that keeps the smallest
text of the figure at least ``min_font_px`` CSS pixels tall.

Typical use in a notebook::

    def draw(depth, width=10):
        fig, ax = plt.subplots()
        ...
        return fig

    explorer(draw, "depth", [1, 2, 4, 8, 16], controls={"width": widgets.Dropdown(options=[10, 50])},
             max_pages=60, max_bytes=600_000)
"""

from __future__ import annotations

import base64
import html as html_text
import io
import itertools
import math
import statistics
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from fgcourse._checks import (
    call_user,
    check_callable,
    check_instance,
    check_int,
    check_option,
    check_positive,
    check_real,
    check_sequence,
    describe,
)
from fgcourse._figures import fixed_ticks
from fgcourse.measure import median_seconds

__all__ = [
    "explorer", "render_png", "common_frame", "median_update_time", "smallest_font_px", "grid_controls",
    "fixed_ticks", "NEEDS_KERNEL", "MAX_PAGES", "MAX_BYTES",
]

MAX_DPI = 1000
"""Largest resolution accepted: a page of 6 x 4 inches is then 24 million pixels."""
MAX_PAGES = 150
"""Default page budget of an explorer: precomputed figures, one per point of its grid."""
MAX_BYTES = 1_000_000
"""Default size budget of an explorer: bytes of PNG of all its pages (the page's HTML holds
them base64-encoded, 4/3 as many bytes)."""
NEEDS_KERNEL = "fgcourse-needs-kernel"
"""CSS class of a control that is not precomputed: the book disables it, Jupyter ignores it."""
PALETTE_COLORS = 64
"""Colours of a page's palette PNG: a quarter of the bytes of a full-colour PNG, same look."""
LIVE_CACHE = 32
"""Live pages kept in Jupyter, so that going back to a setting costs nothing."""


def _dpi(dpi) -> int:
    return check_int("dpi", dpi, minimum=1, maximum=MAX_DPI)


def _figure(name: str, value) -> Figure:
    return check_instance(name, value, Figure, "a matplotlib Figure")


def _draw(draw: Callable, value, controls: Mapping) -> Figure:
    """``draw(value, **controls)``, named in its failures, which must return a matplotlib Figure."""
    fig = call_user("draw", lambda: draw(value, **controls))
    if not isinstance(fig, Figure):
        raise TypeError(f"draw must return a matplotlib Figure, returned {describe(fig)} for the value {value!r}")
    return fig


def _palette_png(rgba: bytes, width: int, height: int) -> bytes:
    from PIL import Image

    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(PALETTE_COLORS, method=Image.Quantize.FASTOCTREE).save(buffer, format="png")
    return buffer.getvalue()


def render_png(fig, dpi: int = 80, frame=None, palette: bool = False) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it.

    ``frame`` is the box (in inches, a matplotlib ``Bbox``) to cut out of the figure; by default
    the figure's own tight box, which costs an extra layout pass (see :func:`common_frame`).
    ``palette=True`` (with a ``frame``) writes a palette PNG of ``PALETTE_COLORS`` colours,
    about four times smaller, as the explorer's pages are.
    """
    import matplotlib.pyplot as plt

    fig = _figure("fig", fig)
    dpi = _dpi(dpi)
    if frame is not None:
        check_instance("frame", frame, Bbox, "a matplotlib Bbox (from common_frame) or None")
    if not isinstance(palette, bool):
        raise TypeError(f"palette must be True or False, got {describe(palette)}")
    buffer = io.BytesIO()
    try:
        if palette and frame is not None:
            fig.savefig(buffer, format="raw", dpi=dpi, bbox_inches=frame)
            # Raw RGBA carries no size: the frame's, in pixels, up to rounding.
            rgba = buffer.getvalue()
            for width in sorted({round(frame.width * dpi), int(frame.width * dpi), int(frame.width * dpi) + 1}):
                height = len(rgba) // (4 * width) if width > 0 else 0
                if 4 * width * height == len(rgba) and abs(height - frame.height * dpi) < 1.5:
                    return _palette_png(rgba, width, height)
            buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if frame is None else frame)
        return buffer.getvalue()
    finally:
        plt.close(fig)


def common_frame(figures, pad: float = 0.1):
    """One box (inches) holding the tight box of every figure, padded.

    An explorer cuts all its pages with the same box: the pages have the same size, so the
    figure does not jump when a control moves, and a live update saves the layout pass that
    ``bbox_inches="tight"`` makes on every render. The explorer measures it on a sample of its
    grid: every main value, and every option of each offline control.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figures = check_sequence("figures", figures, _figure, what="matplotlib figures")
    pad = check_real("pad", pad, minimum=0.0)

    def renderer(fig):
        if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure(): render it as PNG would
            FigureCanvasAgg(fig)
        return fig.canvas.get_renderer()

    return Bbox.union([fig.get_tightbbox(renderer(fig)) for fig in figures]).padded(pad)


def smallest_font_px(fig, dpi: int) -> float:
    """The size in CSS pixels, at natural size, of the smallest visible text of ``fig`` rendered at ``dpi``.

    A PNG shown at its natural size has one CSS pixel per image pixel, so a text of ``p``
    points is ``p * dpi / 72`` pixels tall. ``inf`` for a figure without text.
    """
    fig = _figure("fig", fig)
    dpi = _dpi(dpi)
    sizes = [text.get_fontsize() for text in fig.findobj(Text)
             if text.get_visible() and text.get_text().strip()]
    return min(sizes) * dpi / 72 if sizes else math.inf


def _img_html(png: bytes, alt: str, min_font_px: float) -> str:
    data = base64.b64encode(png).decode("ascii")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    font = "" if math.isinf(min_font_px) else f' data-min-font-px="{min_font_px:.2f}"'
    # Natural size (text stays readable) in a box that scrolls sideways when the screen is narrower.
    return (f'<div class="fgcourse-figure" style="max-width:100%;overflow-x:auto;line-height:0">'
            f'<img src="data:image/png;base64,{data}" alt="{html_text.escape(alt)}" width="{width}" '
            f'height="{height}"{font} style="max-width:none"/></div>')


# ----------------------------------------------------------------------------- the controls

INDEXED = (widgets.Dropdown, widgets.Select, widgets.RadioButtons, widgets.ToggleButtons, widgets.SelectionSlider)
"""Controls with an ``index`` trait, which ``jslink`` can tie to a stack's ``selected_index``."""


def _controls(controls) -> dict:
    """The other controls: a mapping of draw's keyword names to ipywidgets value widgets."""
    if controls is None:
        return {}
    check_instance("controls", controls, Mapping, "a mapping of draw's keyword names to ipywidgets value widgets")
    for key, control in controls.items():
        check_instance(f"controls key {key!r}", key, str, "a string, a keyword name of draw")
        check_instance(f"controls[{key!r}]", control, widgets.ValueWidget,
                       "an ipywidgets value widget (Dropdown, IntSlider, ...)")
    return dict(controls)


def grid_controls(control) -> tuple | None:
    """The values a control can take, if it can be precomputed (an option list or an IntSlider's range); else None."""
    check_instance("control", control, widgets.ValueWidget, "an ipywidgets value widget")
    if isinstance(control, INDEXED):
        return tuple(control._options_values)
    if isinstance(control, widgets.IntSlider):
        return tuple(range(control.min, control.max + 1, control.step))
    return None


def _indexed(control, values: tuple):
    """The widget shown for a precomputed control: itself, or an IntSlider as a SelectionSlider
    (same values, same look, but with an ``index`` to link), kept in sync with the original."""
    if isinstance(control, INDEXED):
        return control
    shown = widgets.SelectionSlider(
        options=[(str(v), v) for v in values], value=control.value, description=control.description,
        continuous_update=False, style={"description_width": "initial"},
    )
    widgets.link((shown, "value"), (control, "value"))
    return shown


def _budget_error(pages: int, sizes: Mapping, max_pages: int) -> ValueError:
    product = " x ".join(f"{size} {key}" for key, size in sizes.items())
    return ValueError(f"offline grid must have at most max_pages = {max_pages} pages (its budget), got {pages} "
                      f"pages ({product}): precompute fewer controls (offline=...) or fewer values, or raise max_pages")


def _plan(name, values, controls, offline, max_pages):
    """The precomputed controls {key: values} and the kernel-only keys.

    ``offline=None``: every control that can be precomputed, in order, while the grid stays
    within ``max_pages`` (the others need a kernel); otherwise exactly the controls named, and
    an error when they cannot be precomputed or the grid is over budget.
    """
    options = {key: grid_controls(control) for key, control in controls.items()}
    if offline is None:
        grid, pages = {}, len(values)
        for key, choices in options.items():
            if choices is not None and pages * len(choices) <= max_pages:
                grid[key], pages = choices, pages * len(choices)
    else:
        names = check_sequence("offline", offline, lambda label, key: check_option(label, key, tuple(controls)),
                               min_length=0, what="keys of controls")
        grid = {}
        for index, key in enumerate(names):
            if options[key] is None:
                raise ValueError(f"offline[{index}] must name a control that can be precomputed (an option list "
                                 f"or an IntSlider), got {key!r}, a {type(controls[key]).__name__}")
            grid[key] = options[key]
        pages = len(values) * math.prod(len(choices) for choices in grid.values())
        if pages > max_pages:
            raise _budget_error(pages, {name: len(values), **{k: len(v) for k, v in grid.items()}}, max_pages)
    return grid, tuple(key for key in controls if key not in grid)


def _listed(names: Sequence[str]) -> str:
    names = [f"<i>{html_text.escape(name)}</i>" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _footer(name: str, controls: Mapping, grid: Mapping, kernel_only: Sequence, pages: int) -> str:
    """One line true in the book and in Jupyter: what is precomputed, and what needs a kernel."""
    def label(key):
        return getattr(controls[key], "description", "") or key

    precomputed = _listed([name] + [label(key) for key in grid])
    if not kernel_only:
        return (f"<small>The figure is precomputed for all {pages} settings of {precomputed}: every control "
                "works with or without a running kernel.</small>")
    one = len(kernel_only) == 1
    return (f"<small>The figure is precomputed for all {pages} settings of {precomputed}; "
            f"{_listed([label(key) for key in kernel_only])} need{'s' if one else ''} a running kernel "
            f"(greyed out in the HTML book): run the notebook in Jupyter to change {'it' if one else 'them'} "
            "too.</small>")


# ----------------------------------------------------------------------------- the explorer

def explorer(
    draw: Callable[..., Figure],
    name: str,
    values: Sequence,
    *,
    controls: Mapping[str, widgets.ValueWidget] | None = None,
    offline: Sequence[str] | None = None,
    max_pages: int = MAX_PAGES,
    max_bytes: int = MAX_BYTES,
    dpi: int = 80,
    min_font_px: float = 9.0,
    description: str | None = None,
) -> widgets.VBox:
    """Build an explorer widget over ``draw(value, **controls)``.

    Parameters
    ----------
    draw:
        ``draw(value, **{key: control.value})`` returns a matplotlib figure; its title should
        name the values of the controls it was drawn with.
    name:
        The main parameter's name (the slider's label).
    values:
        The main-parameter values, the slider's positions.
    controls:
        Other parameters, as ipywidgets value widgets keyed by ``draw``'s keyword names.
        Option lists (Dropdown, SelectionSlider, ...) and IntSliders can be precomputed.
    offline:
        The controls precomputed for the book: the grid is the product of ``values`` and
        their options. ``None``: every control that can be, in order, as long as the grid
        stays within ``max_pages`` and, estimated from a sample of pages, ``max_bytes``; the
        others need a kernel (disabled in the book).
    max_pages, max_bytes:
        The budgets: pages of the grid, and bytes of PNG of all pages. A grid named by
        ``offline`` over ``max_pages``, or any grid whose pages exceed ``max_bytes``, is an
        error (pages are never dropped silently).
    dpi, min_font_px:
        Resolution of the pages; it is raised so that the smallest text of the first page is
        at least ``min_font_px`` CSS pixels at natural size (readable on a phone).
    description:
        An optional line of text above the controls.

    Returns
    -------
    ipywidgets.VBox
        The widget, with attributes ``grid`` (precomputed keys, main first), ``needs_kernel``
        (kernel-only keys), ``num_pages``, ``png_bytes``, ``dpi``, ``links`` (its jslinks),
        ``render(index)`` (one live page's HTML for the current controls) and ``figure()`` (the
        figure widget shown now: the stacks, or the live figure).
    """
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    check_instance("name", name, str, "a non-empty string naming the main parameter")
    if not name:
        raise ValueError("name must be a non-empty string naming the main parameter, got ''")
    values = list(check_sequence("values", values, min_length=2, what="slider values"))
    controls = _controls(controls)
    max_pages = check_int("max_pages", max_pages, minimum=1)
    max_bytes = check_int("max_bytes", max_bytes, minimum=1)
    dpi = _dpi(dpi)
    min_font_px = check_positive("min_font_px", min_font_px)
    if description is not None:
        check_instance("description", description, str, "a string or None")
    if len(values) > max_pages:
        raise _budget_error(len(values), {name: len(values)}, max_pages)
    grid, kernel_only = _plan(name, values, controls, offline, max_pages)
    for control in controls.values():
        if hasattr(control, "continuous_update"):
            control.continuous_update = False
    labels = [str(v) for v in values]
    initial = {key: control.value for key, control in controls.items()}

    def layout(grid):
        """The axes of the grid (the main slider, then each offline control) and the initial point."""
        axes = [(None, tuple(values))] + list(grid.items())
        start = tuple([0] + [choices.index(initial[key]) if initial[key] in choices else 0
                             for key, choices in grid.items()])
        return axes, start

    def settings(axes, point) -> tuple:
        kwargs = dict(initial)
        kwargs.update({key: choices[i] for (key, choices), i in zip(axes[1:], point[1:])})
        return values[point[0]], kwargs

    # The frame and the resolution, from a sample: every main value, and each option of each
    # offline control with the others at their initial values.
    axes, start = layout(grid)
    sample = [(i, *start[1:]) for i in range(len(values))]
    for level in range(1, len(axes)):
        sample += [start[:level] + (j,) + start[level + 1:] for j in range(len(axes[level][1])) if j != start[level]]
    def key(value_index: int, kwargs: Mapping) -> tuple:
        return value_index, repr(sorted(kwargs.items()))

    drawn = {}  # the sample's figures, reused as pages of the grid
    for point in sample:
        value, kwargs = settings(axes, point)
        drawn[key(point[0], kwargs)] = _draw(draw, value, kwargs)
    first = list(drawn.values())
    frame = common_frame(first)
    smallest = min(smallest_font_px(fig, 72) for fig in first)  # in points
    if smallest < math.inf:
        dpi = max(dpi, min(MAX_DPI, math.ceil(min_font_px * 72 / smallest)))
    # An automatic grid also keeps to the size budget, estimated from the sample's largest page:
    # the last controls are left to the kernel until it fits (a declared grid is never trimmed).
    largest = max(len(render_png(fig, dpi=dpi, frame=frame, palette=True)) for fig in first)
    if offline is None:
        while grid and largest * len(values) * math.prod(len(c) for c in grid.values()) > max_bytes:
            grid.pop(list(grid)[-1])
        kernel_only = tuple(key for key in controls if key not in grid)
    axes, start = layout(grid)
    points = list(itertools.product(*(range(len(choices)) for _, choices in axes)))

    def html(fig, value) -> str:
        font = smallest_font_px(fig, dpi)
        return _img_html(render_png(fig, dpi=dpi, frame=frame, palette=True), f"{name} = {value}", font)

    pages, total = {}, 0
    for point in points:
        value, kwargs = settings(axes, point)
        fig = drawn.pop(key(point[0], kwargs), None)
        if fig is None:
            fig = _draw(draw, value, kwargs)
        pages[point] = widgets.HTML(html(fig, labels[point[0]]))
        total += len(pages[point].value)
        if total * 3 // 4 > max_bytes:
            raise ValueError(f"offline grid's pages must take at most max_bytes = {max_bytes} bytes of PNG (its "
                             f"budget), got more after {len(pages)} of its {len(points)} pages: precompute fewer "
                             "controls (offline=...) or raise max_bytes")
    png_bytes = sum(len(base64.b64decode(p.value.split("base64,")[1].split('"')[0])) for p in pages.values())

    slider = widgets.SelectionSlider(
        options=labels, index=0, description=name, continuous_update=False,
        layout=widgets.Layout(width="100%", max_width="480px"), style={"description_width": "initial"},
    )
    shown = {key: _indexed(controls[key], choices) for key, choices in grid.items()}
    index_widgets = [slider] + list(shown.values())

    links = []

    def nest(level: int, prefix: tuple):
        if level == len(axes):
            return pages[prefix]
        stack = widgets.Stack([nest(level + 1, prefix + (i,)) for i in range(len(axes[level][1]))],
                              selected_index=start[level] if level else 0)
        links.append(widgets.jslink((index_widgets[level], "index"), (stack, "selected_index")))
        return stack

    stack = nest(0, ())
    for key in kernel_only:
        controls[key].add_class(NEEDS_KERNEL)

    # With a kernel: the stacks are right while the kernel-only controls keep their initial
    # values; otherwise one live figure, redrawn by Python on every change, replaces them.
    live = widgets.HTML()
    cache: OrderedDict = OrderedDict()

    def current() -> dict:
        return {key: control.value for key, control in controls.items()}

    def render(index: int) -> str:
        return html(_draw(draw, values[index], current()), labels[index])

    def update(_change=None) -> None:
        kwargs = current()
        precomputed = all(kwargs[key] == initial[key] for key in kernel_only)
        if not precomputed:
            key = (slider.index, repr(sorted(kwargs.items())))
            if key not in cache:
                cache[key] = render(slider.index)
                if len(cache) > LIVE_CACHE:
                    cache.popitem(last=False)
            cache.move_to_end(key)
            live.value = cache[key]
        figure = stack if precomputed else live
        if box.children[slot] is not figure:
            box.children = box.children[:slot] + (figure,) + box.children[slot + 1:]

    for control in controls.values():
        control.observe(update, names="value")
    slider.observe(update, names="index")

    header = [widgets.HTML(f"<b>{description}</b>")] if description else []
    rows = [slider]
    if controls:
        row = [shown.get(key, control) for key, control in controls.items()]
        rows.append(widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap", max_width="100%")))
    footer = [widgets.HTML(_footer(name, controls, grid, kernel_only, len(points)))] if controls else []
    slot = len(header) + len(rows)
    box = widgets.VBox(header + rows + [stack] + footer, layout=widgets.Layout(max_width="100%"))
    box.add_class("fgcourse-explorer")
    box.grid = (name, *grid)
    box.needs_kernel = kernel_only
    box.num_pages = len(points)
    box.png_bytes = png_bytes
    box.dpi = dpi
    box.render = render
    box.links = tuple(links)
    box.figure = lambda: box.children[slot]
    return box


def median_update_time(draw: Callable, values: Sequence, repeat: int = 1, dpi: int = 80,
                       clock: Callable[[], float] = time.perf_counter, **controls) -> float:
    """Median time in seconds of one live update of an :func:`explorer`, ``draw`` plus PNG
    rendering (a palette PNG in the explorer's common frame), over ``values`` (each repeated
    ``repeat`` times); ``clock=time.process_time`` measures CPU time instead; ``controls`` are
    passed on to ``draw``."""
    import matplotlib.pyplot as plt

    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    values = check_sequence("values", values, what="values of the main parameter")
    repeat = check_int("repeat", repeat, minimum=1)
    dpi = _dpi(dpi)
    clock = check_callable("clock", clock, "() -> seconds")
    figures = [_draw(draw, value, controls) for value in values]
    frame = common_frame(figures)
    for fig in figures:
        plt.close(fig)
    times = [
        median_seconds(lambda value=value: render_png(_draw(draw, value, controls), dpi=dpi, frame=frame,
                                                      palette=True),
                       repeat=1, clock=clock)
        for _ in range(repeat) for value in values
    ]
    return statistics.median(times)
