"""An explorer's widget: the ipywidgets UI built from its plan and its pages (:func:`widget`,
:class:`Explorer`), which flips precomputed pages offline and redraws live in Jupyter."""

from __future__ import annotations

import html as html_text
from collections import OrderedDict
from collections.abc import Callable, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from fgcourse._checks import (
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
    ExplorerPlan,
    check_pages,
    check_plan,
    indexed_control,
)

NEEDS_KERNEL = "fgcourse-needs-kernel"
"""CSS class of a control that is not precomputed: the book disables it, Jupyter ignores it."""
LIVE_CACHE = 32
"""Live pages kept in Jupyter, so that going back to a setting costs nothing."""


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
        index = check_int("index", index, minimum=0, maximum=len(self.plan.values) - 1)
        fig = draw_figure(self.draw, self.plan.values[index], self.current())
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
    plan = check_plan(plan)
    pages = check_pages("pages", pages)
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
