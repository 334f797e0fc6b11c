"""An explorer's offline pages: :func:`sample` draws the first ones, which fix the frame and the
resolution, and :func:`render` every page of the plan's grid."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import MappingProxyType

from matplotlib.figure import Figure

from fgcourse._checks import (
    check_callable,
)
from fgcourse.explorer.pages import (
    MAX_DPI,
    Pages,
    common_frame,
    draw_figure,
    page_key,
    render_page,
    smallest_font_px,
)
from fgcourse.explorer.plan import (
    ExplorerPlan,
    check_pages,
    check_plan,
)


def sample(draw: Callable[..., Figure], plan: ExplorerPlan) -> Pages:
    """The first pages, which fix the frame and the resolution of every page: every main value, and
    each value of each precomputed control with the others at their initial values.

    The frame is :func:`common_frame` of their figures; the resolution is the plan's ``dpi``,
    raised until their smallest text is at least ``min_font_px`` CSS pixels. :func:`render`
    reuses them, and the largest of them estimates a page's bytes (:meth:`ExplorerPlan.fitted`).
    """
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    plan = check_plan(plan)
    start = plan.start
    points = [(i, *start[1:]) for i in range(len(plan.values))]
    for level, choices in enumerate(plan.grid.values(), start=1):
        points += [start[:level] + (j,) + start[level + 1:] for j in range(len(choices)) if j != start[level]]
    figures = {}
    for point in points:
        value, kwargs = plan.settings(point)
        figures[page_key(point[0], kwargs)] = draw_figure(draw, value, kwargs)
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
    plan = check_plan(plan)
    sample = check_pages("sample", sample)
    points = plan.points()
    pages, total = {}, 0
    for count, point in enumerate(points, start=1):
        value, kwargs = plan.settings(point)
        key = page_key(point[0], kwargs)
        page = sample.pages.get(key)
        if page is None:
            page = render_page(draw_figure(draw, value, kwargs), sample.dpi, sample.frame)
        pages[key] = page
        total += len(page.png)
        if total > plan.max_bytes:
            raise ValueError(f"offline grid's pages must take at most max_bytes = {plan.max_bytes} bytes of PNG (its "
                             f"budget), got more after {count} of its {len(points)} pages: precompute fewer "
                             "controls (offline=...) or raise max_bytes")
    return Pages(sample.frame, sample.dpi, MappingProxyType(pages))


# ----------------------------------------------------------------------------- 4. the widget
