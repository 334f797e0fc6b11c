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

It is built in four steps, each a function that returns a small frozen object and can be
called (and tested) on its own:

1. :func:`plan` decides, before anything is drawn, which controls are precomputed (the grid)
   and which need a kernel, within the page budget: an :class:`ExplorerPlan`;
2. :func:`sample` draws the first pages (every main value, every value of each precomputed
   control), which fix the frame and the resolution of all pages; their largest PNG trims an
   automatic grid to the size budget (:meth:`ExplorerPlan.fitted`);
3. :func:`render` draws every page of the grid as a palette PNG (:class:`Page`), reusing the
   sample's: :class:`Pages`, keyed by :func:`page_key`, the key of the live pages too;
4. :func:`widget` builds the ipywidgets UI from the plan and the pages: an :class:`Explorer`.

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
from dataclasses import dataclass, replace
from types import MappingProxyType

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
    "explorer", "plan", "sample", "render", "widget", "ExplorerPlan", "Pages", "Page", "Explorer", "page_key",
    "render_page", "render_png", "common_frame", "median_update_time", "smallest_font_px", "grid_controls",
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


# ----------------------------------------------------------------------------- pages

@dataclass(frozen=True)
class Page:
    """One rendered page: a palette PNG and the size of its smallest text in CSS pixels (``inf`` without text)."""

    png: bytes
    min_font_px: float

    def html(self, alt: str) -> str:
        """The page as the explorer shows it: the PNG at its natural size in a box that scrolls sideways."""
        data = base64.b64encode(self.png).decode("ascii")
        width, height = int.from_bytes(self.png[16:20], "big"), int.from_bytes(self.png[20:24], "big")
        font = "" if math.isinf(self.min_font_px) else f' data-min-font-px="{self.min_font_px:.2f}"'
        return (f'<div class="fgcourse-figure" style="max-width:100%;overflow-x:auto;line-height:0">'
                f'<img src="data:image/png;base64,{data}" alt="{html_text.escape(alt)}" width="{width}" '
                f'height="{height}"{font} style="max-width:none"/></div>')


def render_page(fig, dpi: int, frame) -> Page:
    """``fig`` as an explorer page: a palette PNG cut out by ``frame`` (from :func:`common_frame`) at
    ``dpi``, with the size of its smallest text; the figure is closed. What one live update renders."""
    fig = _figure("fig", fig)
    dpi = _dpi(dpi)
    check_instance("frame", frame, Bbox, "a matplotlib Bbox (from common_frame)")
    font = smallest_font_px(fig, dpi)
    return Page(render_png(fig, dpi=dpi, frame=frame, palette=True), font)


def page_key(value_index: int, settings: Mapping) -> tuple:
    """The key of the page drawn for the main value at ``value_index`` and the controls at ``settings``:
    the one key of the sampled, the precomputed and the live pages."""
    value_index = check_int("value_index", value_index, minimum=0)
    check_instance("settings", settings, Mapping, "a mapping of draw's keyword names to values")
    return value_index, repr(sorted(settings.items()))


@dataclass(frozen=True)
class Pages:
    """Pages by :func:`page_key`, all cut out by one ``frame`` (inches) at one ``dpi``."""

    frame: Bbox
    dpi: int
    pages: Mapping[tuple, Page]

    @property
    def png_bytes(self) -> int:
        return sum(len(page.png) for page in self.pages.values())

    @property
    def largest(self) -> int:
        """Bytes of the largest PNG."""
        return max(len(page.png) for page in self.pages.values())


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


# ----------------------------------------------------------------------------- 1. the plan

def _budget_error(pages: int, sizes: Mapping, max_pages: int) -> ValueError:
    product = " x ".join(f"{size} {key}" for key, size in sizes.items())
    return ValueError(f"offline grid must have at most max_pages = {max_pages} pages (its budget), got {pages} "
                      f"pages ({product}): precompute fewer controls (offline=...) or fewer values, or raise max_pages")


@dataclass(frozen=True)
class ExplorerPlan:
    """What an explorer shows and precomputes, decided before anything is drawn (:func:`plan`).

    ``grid`` maps each precomputed control to its values, ``needs_kernel`` lists the others. A
    page is a *point* of the grid: an index of ``values``, then one index per precomputed
    control; :meth:`points` lists them in the order of the nested stacks, :meth:`settings` gives
    what ``draw`` gets for one. ``declared`` says whether ``offline=`` named the grid (never
    trimmed) or the plan chose it (trimmed by :meth:`fitted` to the size budget).
    """

    name: str
    values: tuple
    controls: Mapping[str, widgets.ValueWidget]
    initial: Mapping[str, object]
    grid: Mapping[str, tuple]
    needs_kernel: tuple[str, ...]
    declared: bool
    max_pages: int
    max_bytes: int
    dpi: int
    min_font_px: float
    description: str | None

    @property
    def labels(self) -> tuple[str, ...]:
        """The main slider's labels."""
        return tuple(str(v) for v in self.values)

    @property
    def num_pages(self) -> int:
        return len(self.values) * math.prod(len(choices) for choices in self.grid.values())

    @property
    def start(self) -> tuple:
        """The point shown first: the first main value, each precomputed control at its initial value."""
        return (0, *(choices.index(self.initial[key]) if self.initial[key] in choices else 0
                     for key, choices in self.grid.items()))

    def points(self) -> list[tuple]:
        """Every page of the grid, main index first, in the order of the nested stacks."""
        return list(itertools.product(range(len(self.values)), *(range(len(c)) for c in self.grid.values())))

    def settings(self, point: tuple) -> tuple:
        """``(main value, {control: value})`` of a point: the kernel-only controls at their initial values."""
        kwargs = dict(self.initial)
        kwargs.update({key: choices[i] for (key, choices), i in zip(self.grid.items(), point[1:])})
        return self.values[point[0]], kwargs

    def key(self, point: tuple) -> tuple:
        """The :func:`page_key` of a point."""
        return page_key(point[0], self.settings(point)[1])

    def fitted(self, page_bytes: int) -> ExplorerPlan:
        """A chosen grid without its last controls until its pages, ``page_bytes`` each, fit in ``max_bytes``;
        a declared grid unchanged (it fails when rendered instead, :func:`render`)."""
        page_bytes = check_int("page_bytes", page_bytes, minimum=0)
        grid = dict(self.grid)
        if not self.declared:
            while grid and page_bytes * len(self.values) * math.prod(len(c) for c in grid.values()) > self.max_bytes:
                grid.pop(list(grid)[-1])
        return replace(self, grid=MappingProxyType(grid),
                       needs_kernel=tuple(key for key in self.controls if key not in grid))


def _grid(name, values, controls, offline, max_pages) -> dict:
    """The precomputed controls {key: values}.

    ``offline=None``: every control that can be precomputed, in order, while the grid stays
    within ``max_pages`` (the others need a kernel); otherwise exactly the controls named, and
    an error when they cannot be precomputed or the grid is over budget.
    """
    options = {key: grid_controls(control) for key, control in controls.items()}
    grid = {}
    if offline is None:
        pages = len(values)
        for key, choices in options.items():
            if choices is not None and pages * len(choices) <= max_pages:
                grid[key], pages = choices, pages * len(choices)
        return grid
    names = check_sequence("offline", offline, lambda label, key: check_option(label, key, tuple(controls)),
                           min_length=0, what="keys of controls")
    for index, key in enumerate(names):
        if options[key] is None:
            raise ValueError(f"offline[{index}] must name a control that can be precomputed (an option list "
                             f"or an IntSlider), got {key!r}, a {type(controls[key]).__name__}")
        grid[key] = options[key]
    pages = len(values) * math.prod(len(choices) for choices in grid.values())
    if pages > max_pages:
        raise _budget_error(pages, {name: len(values), **{k: len(v) for k, v in grid.items()}}, max_pages)
    return grid


def plan(name: str, values: Sequence, controls: Mapping[str, widgets.ValueWidget] | None = None, *,
         offline: Sequence[str] | None = None, max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES,
         dpi: int = 80, min_font_px: float = 9.0, description: str | None = None) -> ExplorerPlan:
    """The :class:`ExplorerPlan` of an :func:`explorer` (same arguments, but ``draw``): which controls
    are precomputed, within ``max_pages``; nothing is drawn. Fails on a declared grid over budget."""
    check_instance("name", name, str, "a non-empty string naming the main parameter")
    if not name:
        raise ValueError("name must be a non-empty string naming the main parameter, got ''")
    values = tuple(check_sequence("values", values, min_length=2, what="slider values"))
    controls = _controls(controls)
    max_pages = check_int("max_pages", max_pages, minimum=1)
    max_bytes = check_int("max_bytes", max_bytes, minimum=1)
    dpi = _dpi(dpi)
    min_font_px = check_positive("min_font_px", min_font_px)
    if description is not None:
        check_instance("description", description, str, "a string or None")
    if len(values) > max_pages:
        raise _budget_error(len(values), {name: len(values)}, max_pages)
    grid = _grid(name, values, controls, offline, max_pages)
    return ExplorerPlan(
        name=name, values=values, controls=MappingProxyType(controls),
        initial=MappingProxyType({key: control.value for key, control in controls.items()}),
        grid=MappingProxyType(grid), needs_kernel=tuple(key for key in controls if key not in grid),
        declared=offline is not None, max_pages=max_pages, max_bytes=max_bytes, dpi=dpi, min_font_px=min_font_px,
        description=description,
    )


def _plan(value) -> ExplorerPlan:
    return check_instance("plan", value, ExplorerPlan, "an ExplorerPlan from plan()")


def _pages(name: str, value) -> Pages:
    return check_instance(name, value, Pages, "Pages from sample() or render()")


# ----------------------------------------------------------------------------- 2. the sample

def sample(draw: Callable[..., Figure], plan: ExplorerPlan) -> Pages:
    """The first pages, which fix the frame and the resolution of every page: every main value, and
    each value of each precomputed control with the others at their initial values.

    The frame is :func:`common_frame` of their figures; the resolution is the plan's ``dpi``,
    raised until their smallest text is at least ``min_font_px`` CSS pixels. :func:`render`
    reuses them, and the largest of them estimates a page's bytes (:meth:`ExplorerPlan.fitted`).
    """
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    plan = _plan(plan)
    start = plan.start
    points = [(i, *start[1:]) for i in range(len(plan.values))]
    for level, choices in enumerate(plan.grid.values(), start=1):
        points += [start[:level] + (j,) + start[level + 1:] for j in range(len(choices)) if j != start[level]]
    figures = {}
    for point in points:
        value, kwargs = plan.settings(point)
        figures[page_key(point[0], kwargs)] = _draw(draw, value, kwargs)
    frame = common_frame(list(figures.values()))
    smallest = min(smallest_font_px(fig, 72) for fig in figures.values())  # in points
    dpi = plan.dpi
    if smallest < math.inf:
        dpi = max(dpi, min(MAX_DPI, math.ceil(plan.min_font_px * 72 / smallest)))
    return Pages(frame, dpi, MappingProxyType({key: render_page(fig, dpi, frame) for key, fig in figures.items()}))


# ----------------------------------------------------------------------------- 3. the pages

def render(draw: Callable[..., Figure], plan: ExplorerPlan, sample: Pages) -> Pages:
    """Every page of the plan's grid, in the frame and at the resolution of ``sample``, whose pages are
    reused; fails as soon as the PNGs exceed the plan's ``max_bytes`` (pages are never dropped)."""
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    plan = _plan(plan)
    sample = _pages("sample", sample)
    points = plan.points()
    pages, total = {}, 0
    for count, point in enumerate(points, start=1):
        value, kwargs = plan.settings(point)
        key = page_key(point[0], kwargs)
        page = sample.pages.get(key)
        if page is None:
            page = render_page(_draw(draw, value, kwargs), sample.dpi, sample.frame)
        pages[key] = page
        total += len(page.png)
        if total > plan.max_bytes:
            raise ValueError(f"offline grid's pages must take at most max_bytes = {plan.max_bytes} bytes of PNG (its "
                             f"budget), got more after {count} of its {len(points)} pages: precompute fewer "
                             "controls (offline=...) or raise max_bytes")
    return Pages(sample.frame, sample.dpi, MappingProxyType(pages))


# ----------------------------------------------------------------------------- 4. the widget

def _listed(names: Sequence[str]) -> str:
    names = [f"<i>{html_text.escape(name)}</i>" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _footer(plan: ExplorerPlan) -> str:
    """One line true in the book and in Jupyter: what is precomputed, and what needs a kernel."""
    def label(key):
        return getattr(plan.controls[key], "description", "") or key

    precomputed = _listed([plan.name] + [label(key) for key in plan.grid])
    if not plan.needs_kernel:
        return (f"<small>The figure is precomputed for all {plan.num_pages} settings of {precomputed}: every "
                "control works with or without a running kernel.</small>")
    one = len(plan.needs_kernel) == 1
    return (f"<small>The figure is precomputed for all {plan.num_pages} settings of {precomputed}; "
            f"{_listed([label(key) for key in plan.needs_kernel])} need{'s' if one else ''} a running kernel "
            f"(greyed out in the HTML book): run the notebook in Jupyter to change {'it' if one else 'them'} "
            "too.</small>")


class Explorer(widgets.VBox):
    """An explorer's widget (:func:`widget`): a VBox of the description, the main slider, the other
    controls, the figure and a footer, saved and shown as a VBox.

    The figure is the nested stacks of precomputed pages while the kernel-only controls keep their
    initial values; otherwise one live page that Python redraws on every change (the last
    ``LIVE_CACHE`` kept). ``grid`` (precomputed keys, main first), ``needs_kernel``, ``num_pages``,
    ``png_bytes`` and ``dpi`` describe it; ``links`` are its jslinks.
    """

    def __init__(self, draw, plan: ExplorerPlan, pages: Pages, slider, stack, links, children, slot: int):
        super().__init__(children, layout=widgets.Layout(max_width="100%"))
        self.draw, self.plan, self.pages = draw, plan, pages
        self.slider, self.stack, self.links, self.slot = slider, stack, tuple(links), slot
        self.live = widgets.HTML()
        self.cache: OrderedDict = OrderedDict()
        self.add_class("fgcourse-explorer")
        for control in plan.controls.values():
            control.observe(self._update, names="value")
        slider.observe(self._update, names="index")

    def __repr__(self) -> str:
        # A notebook's text output of the widget: the VBox it is.
        return "VBox" + super().__repr__().removeprefix(type(self).__name__)

    @property
    def grid(self) -> tuple[str, ...]:
        return (self.plan.name, *self.plan.grid)

    @property
    def needs_kernel(self) -> tuple[str, ...]:
        return self.plan.needs_kernel

    @property
    def num_pages(self) -> int:
        return self.plan.num_pages

    @property
    def png_bytes(self) -> int:
        return self.pages.png_bytes

    @property
    def dpi(self) -> int:
        return self.pages.dpi

    def current(self) -> dict:
        """The controls' values now."""
        return {key: control.value for key, control in self.plan.controls.items()}

    def render(self, index: int) -> str:
        """The HTML of a live page: the main value at ``index``, the controls at their current values."""
        fig = _draw(self.draw, self.plan.values[index], self.current())
        return render_page(fig, self.pages.dpi, self.pages.frame).html(f"{self.plan.name} = {self.plan.labels[index]}")

    def figure(self):
        """The figure widget shown now: the stacks, or the live page."""
        return self.children[self.slot]

    def _update(self, _change=None) -> None:
        kwargs = self.current()
        precomputed = all(kwargs[key] == self.plan.initial[key] for key in self.plan.needs_kernel)
        if not precomputed:
            key = page_key(self.slider.index, kwargs)
            if key not in self.cache:
                self.cache[key] = self.render(self.slider.index)
                if len(self.cache) > LIVE_CACHE:
                    self.cache.popitem(last=False)
            self.cache.move_to_end(key)
            self.live.value = self.cache[key]
        figure = self.stack if precomputed else self.live
        if self.children[self.slot] is not figure:
            self.children = self.children[:self.slot] + (figure,) + self.children[self.slot + 1:]


def widget(draw: Callable[..., Figure], plan: ExplorerPlan, pages: Pages) -> Explorer:
    """The :class:`Explorer` of a plan and its rendered pages: the main slider and the controls, each
    precomputed one linked on the client (``jslink``) to its level of nested stacks of pages, the
    kernel-only ones marked ``NEEDS_KERNEL``; every slider updates on release."""
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    plan = _plan(plan)
    pages = _pages("pages", pages)
    for control in plan.controls.values():
        if hasattr(control, "continuous_update"):
            control.continuous_update = False
    slider = widgets.SelectionSlider(
        options=plan.labels, index=0, description=plan.name, continuous_update=False,
        layout=widgets.Layout(width="100%", max_width="480px"), style={"description_width": "initial"},
    )
    shown = {key: _indexed(plan.controls[key], choices) for key, choices in plan.grid.items()}
    index_widgets = [slider, *shown.values()]
    sizes, start, links = [len(plan.values), *map(len, plan.grid.values())], plan.start, []

    def nest(level: int, prefix: tuple):
        if level == len(sizes):
            return widgets.HTML(pages.pages[plan.key(prefix)].html(f"{plan.name} = {plan.labels[prefix[0]]}"))
        stack = widgets.Stack([nest(level + 1, prefix + (i,)) for i in range(sizes[level])],
                              selected_index=start[level] if level else 0)
        links.append(widgets.jslink((index_widgets[level], "index"), (stack, "selected_index")))
        return stack

    stack = nest(0, ())
    for key in plan.needs_kernel:
        plan.controls[key].add_class(NEEDS_KERNEL)
    header = [widgets.HTML(f"<b>{plan.description}</b>")] if plan.description else []
    rows = [slider]
    if plan.controls:
        row = [shown.get(key, control) for key, control in plan.controls.items()]
        rows.append(widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap", max_width="100%")))
    footer = [widgets.HTML(_footer(plan))] if plan.controls else []
    return Explorer(draw, plan, pages, slider, stack, links, header + rows + [stack] + footer,
                    slot=len(header) + len(rows))


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
) -> Explorer:
    """Build an explorer widget over ``draw(value, **controls)``: :func:`plan`, :func:`sample`,
    :func:`render`, :func:`widget`.

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
        Resolution of the pages; it is raised so that the smallest text of the first pages is
        at least ``min_font_px`` CSS pixels at natural size (readable on a phone).
    description:
        An optional line of text above the controls.

    Returns
    -------
    Explorer
        The widget (a VBox), with ``grid`` (precomputed keys, main first), ``needs_kernel``
        (kernel-only keys), ``num_pages``, ``png_bytes``, ``dpi``, ``links`` (its jslinks),
        ``render(index)`` (one live page's HTML for the current controls) and ``figure()`` (the
        figure widget shown now: the stacks, or the live figure).
    """
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    chosen = plan(name, values, controls, offline=offline, max_pages=max_pages, max_bytes=max_bytes, dpi=dpi,
                  min_font_px=min_font_px, description=description)
    first = sample(draw, chosen)
    chosen = chosen.fitted(first.largest)
    return widget(draw, chosen, render(draw, chosen, first))


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
