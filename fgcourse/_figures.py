"""Figure helpers shared by the chapters' drawing code, importable without ipywidgets.

The layer just above the argument checks: every module that draws (a chapter's core, its
plots, the explorer) may import it at module top, and it imports nothing of the library but
:mod:`fgcourse._checks`. matplotlib itself is imported inside the helpers, so importing this
module (and a chapter's core through it) costs nothing until a figure is drawn.

- :func:`fixed_ticks`: a few round, plain-text ticks on an axis whose limits are final, for
  the pages an explorer draws on every update (CONTRIBUTING.md, "An explorer").
"""

from __future__ import annotations

import math

import numpy as np

from fgcourse._checks import check_bool, check_instance, check_int

__all__ = ["fixed_ticks", "texts_outside"]


def _round_steps(low: float, high: float, num: int, integer: bool = False) -> np.ndarray:
    """The multiples of the smallest step 1, 2 or 5 × 10^k (k >= 0 if ``integer``) that puts at
    most ``num`` of them in [low, high]."""
    span = high - low
    step = 10.0 ** math.floor(math.log10(span / num)) if span > 0 else 1.0
    if integer:
        step = max(step, 1.0)
    while True:
        for factor in (1, 2, 5):
            first, last = math.ceil(low / (factor * step)), math.floor(high / (factor * step))
            if last - first + 1 <= num:
                return np.arange(first, last + 1) * (factor * step)
        step *= 10


def _log_ticks(low: float, high: float, num: int) -> tuple[np.ndarray, list[str]]:
    """Powers of ten in [low, high], every k-th decade so that at most ``num`` remain, labelled
    as matplotlib's LogFormatter does (1, 10, 100, 1000, else 1e−05, 1e+10); round values when
    the view holds fewer than two powers of ten."""
    decades = _round_steps(math.log10(low), math.log10(high), num)
    decades = decades[decades == np.round(decades)].astype(int)
    if decades.size < 2:
        ticks = _round_steps(low, high, num)
        ticks = ticks[ticks > 0]
        return ticks, [f"{tick:g}" for tick in ticks]
    return 10.0 ** decades, [str(10**e) if 0 <= e <= 3 else f"1e{e:+03d}" for e in decades]


def fixed_ticks(axis, num: int = 5, integer: bool = False) -> None:
    """Fix the ticks of ``axis`` (``ax.xaxis``, ``ax.yaxis``) at most ``num`` round values of its view, no minor ticks.

    For the pages an explorer draws on every update: matplotlib builds every tick of a new
    figure anew (five artists each), automatic locators add ticks beyond the view and, on a log
    axis, eight minor ticks per decade, and tick creation and text are most of a page's
    rendering time. Call it once the view limits are final (after plotting and setting limits):
    the ticks are 1, 2 or 5 × 10^k multiples, or powers of ten on a log axis (every k-th decade),
    labelled in plain text with matplotlib's minus sign. ``integer=True`` keeps a linear axis's
    ticks on whole numbers (counts, indices).
    """
    import matplotlib
    from matplotlib.axis import Axis
    from matplotlib.ticker import NullLocator

    check_instance("axis", axis, Axis, "a matplotlib Axis (ax.xaxis or ax.yaxis)")
    num = check_int("num", num, minimum=2)
    integer = check_bool("integer", integer)
    low, high = sorted(axis.get_view_interval())
    if axis.get_scale() == "log":
        ticks, labels = _log_ticks(max(low, np.finfo(float).tiny), high, num)
    else:
        ticks = _round_steps(low, high, num, integer)
        labels = [f"{tick:g}" for tick in ticks]
    if matplotlib.rcParams["axes.unicode_minus"]:
        labels = [label.replace("-", "\N{MINUS SIGN}") for label in labels]
    axis.set_ticks(ticks, labels)
    axis.set_minor_locator(NullLocator())


def texts_outside(fig, margin: float = 0.5) -> list[str]:
    """The texts of ``fig`` (titles, labels, tick labels, legends, annotations) that cross its
    edge once drawn, each as ``"<text>" (<how far> px past the <edge>)``: a text cut inside the
    image. Empty when everything fits. ``margin`` pixels of antialiasing are tolerated."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    check_instance("fig", fig, Figure, "a matplotlib Figure")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    found = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        overflow = {"left": -box.x0, "right": box.x1 - width, "bottom": -box.y0, "top": box.y1 - height}
        edge, amount = max(overflow.items(), key=lambda item: item[1])
        if amount > margin:
            found.append(f"{text.get_text()!r} ({amount:.0f} px past the {edge})")
    return found
