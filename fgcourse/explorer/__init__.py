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
- in Jupyter, with a kernel, every control works, and the explorer is one figure that Python
  sets on every change: the precomputed page while the kernel-only controls keep the values the
  pages were drawn with, else a page drawn live (the last few cached), so no page drawn for other
  values is ever shown. A change is then one widget message to the kernel and one back; linked
  stacks would send one message per stack of the control's level (dozens for a dropdown).

Which of the two an explorer is built for is decided when it is built (``saved=``): the notebooks
are executed for the book by ``tools/execute_notebooks.py``, which sets ``FGCOURSE_SAVED_WIDGETS=1``
and stores the widget state, so the book (and a stored notebook opened in Jupyter before it runs)
gets the linked stacks; a notebook run in Jupyter gets the one figure. Every page's alt text lists
every control and its value.

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

The steps live in the modules :mod:`.pages`, :mod:`.plan`, :mod:`.precompute` and :mod:`.widget`;
this package re-exports their public names.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure

from fgcourse._checks import check_callable, check_int, check_sequence
from fgcourse._figures import MIN_FONT_PX, fixed_ticks
from fgcourse.explorer.pages import (
    EXPLORER_DPI,
    Page,
    Pages,
    check_dpi,
    common_frame,
    draw_figure,
    page_key,
    render_page,
    render_png,
    smallest_font_px,
)
from fgcourse.explorer.plan import MAX_BYTES, MAX_PAGES, ExplorerPlan, grid_controls, plan
from fgcourse.explorer.precompute import render, sample
from fgcourse.explorer.widget import NEEDS_KERNEL, SAVED_STATE_VARIABLE, Explorer, saving_widget_state, widget
from fgcourse.measure import median_seconds

__all__ = [
    "explorer", "plan", "sample", "render", "widget", "ExplorerPlan", "Pages", "Page", "Explorer", "page_key",
    "render_page", "render_png", "common_frame", "median_update_time", "smallest_font_px", "grid_controls",
    "fixed_ticks", "NEEDS_KERNEL", "MAX_PAGES", "MAX_BYTES", "SAVED_STATE_VARIABLE", "saving_widget_state",
]


def explorer(
    draw: Callable[..., Figure],
    name: str,
    values: Sequence,
    *,
    controls: Mapping[str, widgets.ValueWidget] | None = None,
    offline: Sequence[str] | None = None,
    max_pages: int = MAX_PAGES,
    max_bytes: int = MAX_BYTES,
    dpi: int = EXPLORER_DPI,
    min_font_px: float = MIN_FONT_PX,
    description: str | None = None,
    saved: bool | None = None,
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
        An optional line of text above the controls; it starts the alt text of every page, which
        then lists every control and its value.
    saved:
        ``True``: built for a saved widget state, whose pages flip in the browser without a kernel
        (nested stacks linked on the client to the controls); ``False``: built for a running kernel
        (one page that Python sets on every change: one message per change); ``None``: ``True`` when
        the notebook runs to store its widget state (``tools/execute_notebooks.py`` sets
        ``FGCOURSE_SAVED_WIDGETS=1``), else ``False``. See :func:`widget`.

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
    return widget(draw, chosen, render(draw, chosen, first), saved=saved)


def median_update_time(draw: Callable, values: Sequence, repeat: int = 1, dpi: int = EXPLORER_DPI,
                       clock: Callable[[], float] = time.perf_counter, **controls) -> float:
    """Median time in seconds of one live update of an :func:`explorer`, ``draw`` plus PNG
    rendering (a palette PNG in the explorer's common frame), over ``values`` (each repeated
    ``repeat`` times); ``clock=time.process_time`` measures CPU time instead; ``controls`` are
    passed on to ``draw``."""
    import matplotlib.pyplot as plt

    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    values = check_sequence("values", values, what="values of the main parameter")
    repeat = check_int("repeat", repeat, minimum=1)
    dpi = check_dpi(dpi)
    clock = check_callable("clock", clock, "() -> seconds")
    figures = [draw_figure(draw, value, controls) for value in values]
    frame = common_frame(figures)
    for fig in figures:
        plt.close(fig)
    times = [
        median_seconds(lambda value=value: render_png(draw_figure(draw, value, controls), dpi=dpi, frame=frame,
                                                      palette=True),
                       repeat=1, clock=clock)
        for _ in range(repeat) for value in values
    ]
    return statistics.median(times)
