"""An explorer's widget: the ipywidgets UI built from its plan and its pages (:func:`widget`,
:class:`Explorer`), which flips precomputed pages offline and redraws live in Jupyter."""

from __future__ import annotations

import asyncio
import html as html_text
import os
import statistics
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from fgcourse._checks import (
    check_bool,
    check_callable,
    check_int,
)
from fgcourse.explorer.pages import (
    Pages,
    draw_figure,
    page_key,
    render_page,
)
from fgcourse.explorer.plan import (
    INDEXED,
    ExplorerPlan,
    check_pages,
    check_plan,
    indexed_control,
)

NEEDS_KERNEL = "fgcourse-needs-kernel"
"""CSS class of a control that is not precomputed: the book disables it, Jupyter ignores it."""
LIVE_CACHE = 64
"""Live pages kept in Jupyter, so that going back to a setting costs nothing."""
PREFETCH_DELAY = 0.05
"""Seconds after a change before the kernel, idle, draws the pages one step away from it."""
PREFETCH_MAX_SECONDS = 0.2
"""Pages that take more CPU time to draw (the median of the last few) are not drawn ahead: a change
arriving while one is drawn would wait for it (Beale's pages rerun optimizations)."""


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


def _adjacent(control) -> list:
    """The values one step from a control's value: the next and previous option, or slider position."""
    if isinstance(control, INDEXED):
        index, values = control.index, control._options_values
        return [values[i] for i in (index + 1, index - 1) if index is not None and 0 <= i < len(values)]
    step = getattr(control, "step", None)
    if step is None or not hasattr(control, "min") or not hasattr(control, "max"):
        return []
    return [value for value in (control.value + step, control.value - step) if control.min <= value <= control.max]


def saved_text(plan: ExplorerPlan) -> str:
    """The text output of an explorer's cell: what it shows, and what to do where it cannot be shown."""
    what = f"{plan.description}: " if plan.description else ""
    grid = " x ".join([plan.name, *plan.grid])
    kernel = f"; {', '.join(plan.needs_kernel)} need{'s' if len(plan.needs_kernel) == 1 else ''} a running " \
             "kernel" if plan.needs_kernel else ""
    return (f"Explorer. {what}{plan.num_pages} precomputed pages ({grid}){kernel}.\n"
            "Where the widget cannot be shown (\"Error displaying widget: model not found\" after Jupyter saved "
            "the notebook without its widget state), run this cell to show it again.")


class Explorer(widgets.VBox):
    """An explorer's widget (:func:`widget`): a VBox of the description, the main slider, the other
    controls, the figure and a footer, saved and shown as a VBox.

    Built for a saved widget state (``saved=True``), the figure is the nested stacks of precomputed
    pages, linked on the client to the controls, while the kernel-only controls keep their initial
    values; otherwise one live page that Python redraws on every change (the last ``LIVE_CACHE``
    kept). Built for a running kernel (``saved=False``), the figure is one page that Python sets on
    every change: a precomputed page while the kernel-only controls keep their initial values, else
    a live one. ``grid`` (precomputed keys, main first), ``needs_kernel``, ``num_pages``, ``png_bytes``
    and ``dpi`` describe it; ``links`` are its jslinks (none for a running kernel).
    """

    def __init__(self, draw, plan: ExplorerPlan, pages: Pages, slider, stack, links, children, slot: int):
        super().__init__(children, layout=widgets.Layout(max_width="100%"))
        self.draw, self.plan, self.pages = draw, plan, pages
        self.slider, self.stack, self.links, self.slot = slider, stack, tuple(links), slot
        self.live = children[slot] if stack is None else widgets.HTML()
        self.cache: OrderedDict = OrderedDict()
        self.wanted: list = []
        self._prefetching = None
        self.draw_seconds: list[float] = []  # the CPU time of the last few live pages
        self.add_class("fgcourse-explorer")
        for control in plan.controls.values():
            control.observe(self._update, names="value")
        slider.observe(self._update, names="index")
        self._prefetch_soon()

    def __repr__(self) -> str:
        # The cell's saved text: what a reader sees where the widget cannot be shown (a viewer without
        # widgets, or Jupyter after a save that dropped the widget state: "model not found").
        return saved_text(self.plan)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = repr(self)  # whole: ipywidgets cuts it at 110 characters
        return bundle

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

    def describe(self, index: int | None = None, settings: Mapping | None = None) -> str:
        """The alt text of the page for the main value at ``index`` and the controls at ``settings``
        (by default the slider's and the controls' now)."""
        index = self.slider.index if index is None else index
        return self.plan.describe(index, self.current() if settings is None else settings)

    def render(self, index: int, settings: Mapping | None = None) -> str:
        """The HTML of a live page: the main value at ``index``, the controls at ``settings`` (by default
        their current values)."""
        index = check_int("index", index, minimum=0, maximum=len(self.plan.values) - 1)
        settings = self.current() if settings is None else settings
        began = time.process_time()  # the page's own cost, whatever else the machine runs
        fig = draw_figure(self.draw, self.plan.values[index], settings)
        html = render_page(fig, self.pages.dpi, self.pages.frame).html(self.describe(index, settings))
        self.draw_seconds = [*self.draw_seconds[-4:], time.process_time() - began]
        return html

    def neighbours(self) -> list[tuple[int, dict]]:
        """The settings ``(index, controls)`` one step from now: the main slider's, then each kernel-only
        control's (the next and previous option or slider position), the others as they are."""
        index, now = self.slider.index, self.current()
        found = [(i, now) for i in (index + 1, index - 1) if 0 <= i < len(self.plan.values)]
        for key in self.plan.needs_kernel:
            found += [(index, {**now, key: value}) for value in _adjacent(self.plan.controls[key])]
        return found

    def _store(self, key, html: str) -> None:
        self.cache[key] = html
        self.cache.move_to_end(key)
        if len(self.cache) > LIVE_CACHE:
            self.cache.popitem(last=False)

    def _prefetch_soon(self) -> None:
        """Once the kernel is idle, draw the :meth:`neighbours` not yet drawn, one page per turn of its
        event loop, so that a change arriving meanwhile waits for one page at most; not when pages take
        over ``PREFETCH_MAX_SECONDS`` to draw. For a running kernel only (none outside an event loop,
        e.g. in a script)."""
        if self.stack is not None or (self.draw_seconds and statistics.median(self.draw_seconds)
                                      > PREFETCH_MAX_SECONDS):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self.wanted = self.neighbours()
        if self._prefetching is None:
            self._prefetching = loop.call_later(PREFETCH_DELAY, self._prefetch_one)

    def _prefetch_one(self) -> None:
        import matplotlib.pyplot as plt

        self._prefetching = None
        if self.draw_seconds and statistics.median(self.draw_seconds) > PREFETCH_MAX_SECONDS:
            self.wanted = []  # slow pages: none drawn ahead
        while self.wanted:
            index, settings = self.wanted.pop(0)
            key = page_key(index, settings)
            if key in self.pages.pages or key in self.cache:
                continue
            open_before = set(plt.get_fignums())
            try:
                self._store(key, self.render(index, settings))
            except Exception:  # drawn again, with its error shown, if the reader goes there
                for number in set(plt.get_fignums()) - open_before:
                    plt.close(number)
            break
        if self.wanted:
            self._prefetching = asyncio.get_running_loop().call_later(0, self._prefetch_one)

    def figure(self):
        """The figure widget shown now: the stacks, or the live page."""
        return self.children[self.slot]

    def _page(self, precomputed: bool) -> str:
        """The HTML of the page for the controls now: precomputed, cached, or drawn (and cached)."""
        index, kwargs = self.slider.index, self.current()
        key = page_key(index, kwargs)
        if precomputed and key in self.pages.pages:
            return self.pages.pages[key].html(self.describe(index))
        if key not in self.cache:
            try:
                self._store(key, self.render(index))
            except Exception as error:  # draw may fail in any way: say so where the figure was, never a stale one
                return (f'<div class="fgcourse-explorer-error" role="alert">{html_text.escape(self.describe(index))}: '
                        f'{html_text.escape(str(error))}</div>')
        self.cache.move_to_end(key)
        return self.cache[key]

    def _update(self, _change=None) -> None:
        kwargs = self.current()
        precomputed = all(kwargs[key] == self.plan.initial[key] for key in self.plan.needs_kernel)
        if self.stack is None:  # a running kernel: one page, set here, and its neighbours drawn when idle
            self.live.value = self._page(precomputed)
            self._prefetch_soon()
            return
        if not precomputed:
            self.live.value = self._page(False)
        figure = self.stack if precomputed else self.live
        if self.children[self.slot] is not figure:
            self.children = self.children[:self.slot] + (figure,) + self.children[self.slot + 1:]


SAVED_STATE_VARIABLE = "FGCOURSE_SAVED_WIDGETS"
"""Set to 1 by ``tools/execute_notebooks.py``, which stores the notebook's widget state for the book:
an explorer built then is made of linked stacks of pages that flip without a kernel."""


def saving_widget_state() -> bool:
    """Whether this kernel runs a notebook to store its widget state (:data:`SAVED_STATE_VARIABLE` is 1)."""
    return os.environ.get(SAVED_STATE_VARIABLE, "") == "1"


def widget(draw: Callable[..., Figure], plan: ExplorerPlan, pages: Pages, *, saved: bool | None = None) -> Explorer:
    """The :class:`Explorer` of a plan and its rendered pages, every slider updating on release.

    ``saved=True``: for a saved widget state (the HTML book, a notebook opened without a kernel):
    each precomputed control is linked on the client (``jslink``) to its level of nested stacks of
    pages, and the kernel-only ones are marked ``NEEDS_KERNEL``. A change then sends one message
    to a running kernel per stack of its level. ``saved=False``: for a running kernel: one page,
    which Python sets on every change, so a change is one message to the kernel and one back.
    ``None``: :func:`saving_widget_state`.
    """
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    plan = check_plan(plan)
    pages = check_pages("pages", pages)
    saved = saving_widget_state() if saved is None else check_bool("saved", saved)
    for control in plan.controls.values():
        if hasattr(control, "continuous_update"):
            control.continuous_update = False
    slider = widgets.SelectionSlider(
        options=plan.labels, index=0, description=plan.name, continuous_update=False,
        layout=widgets.Layout(width="100%", max_width="480px"), style={"description_width": "initial"},
    )
    shown = {key: indexed_control(plan.controls[key], choices) for key, choices in plan.grid.items()}
    index_widgets = [slider, *shown.values()]
    sizes, start, links = [len(plan.values), *map(len, plan.grid.values())], plan.start, []

    def nest(level: int, prefix: tuple):
        if level == len(sizes):
            return widgets.HTML(pages.pages[plan.key(prefix)].html(plan.describe(prefix[0], plan.settings(prefix)[1])))
        stack = widgets.Stack([nest(level + 1, prefix + (i,)) for i in range(sizes[level])],
                              selected_index=start[level] if level else 0)
        links.append(widgets.jslink((index_widgets[level], "index"), (stack, "selected_index")))
        return stack

    if saved:
        stack = figure = nest(0, ())
    else:
        stack, figure = None, widgets.HTML(pages.pages[plan.key(start)].html(plan.describe(0, plan.settings(start)[1])))
    for key in plan.needs_kernel:
        plan.controls[key].add_class(NEEDS_KERNEL)
    header = [widgets.HTML(f"<b>{plan.description}</b>")] if plan.description else []
    rows = [slider]
    if plan.controls:
        row = [shown.get(key, control) for key, control in plan.controls.items()]
        rows.append(widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap", max_width="100%")))
    footer = [widgets.HTML(_footer(plan))] if plan.controls else []
    return Explorer(draw, plan, pages, slider, stack, links, header + rows + [figure] + footer,
                    slot=len(header) + len(rows))
