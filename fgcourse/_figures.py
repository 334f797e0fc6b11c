"""Figure helpers shared by the chapters' drawing code, importable without ipywidgets.

The layer just above the argument checks: every module that draws (a chapter's core, its
plots, the explorer) may import it at module top, and it imports nothing of the library but
:mod:`fgcourse._checks`. matplotlib itself is imported inside the helpers, so importing this
module (and a chapter's core through it) costs nothing until a figure is drawn.

- :func:`fixed_ticks`: a few round, plain-text ticks on an axis whose limits are final, for
  the pages an explorer draws on every update (CONTRIBUTING.md, "An explorer");
- :func:`texts_outside` and :func:`data_outside`: what a figure cuts, its texts at its edge and
  its lines' data at an axes' view, for the tests of every figure.
"""

from __future__ import annotations

import math

import numpy as np

from fgcourse._checks import check_bool, check_instance, check_int

__all__ = ["fixed_ticks", "texts_outside", "data_outside"]


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


def data_outside(ax, rtol: float = 1e-9) -> list[str]:
    """The lines of ``ax`` (``Line2D`` and ``LineCollection``) whose finite data leave its view, each as
    ``"<label>: x in [lo, hi], y in [lo, hi] beyond the view x [..], y [..]"``: a curve the axes cut.
    Empty when every point drawn is inside the view. Points a log axis cannot show (<= 0) are
    counted as outside; ``rtol`` of the view's span (in decades on a log axis) is tolerated."""
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection

    check_instance("ax", ax, Axes, "matplotlib Axes")

    def points(artist):
        if isinstance(artist, LineCollection):
            segments = [np.asarray(s, dtype=float).reshape(-1, 2) for s in artist.get_segments()]
            return np.concatenate(segments) if segments else np.empty((0, 2))
        return np.asarray(artist.get_xydata(), dtype=float).reshape(-1, 2)

    def inside(values, view, scale):
        low, high = sorted(view)
        if scale == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                values, low, high = np.log10(values), np.log10(low), np.log10(high)
        tolerance = rtol * (high - low)
        return (values >= low - tolerance) & (values <= high + tolerance)

    found = []
    for artist in [*ax.get_lines(), *(c for c in ax.collections if isinstance(c, LineCollection))]:
        if not artist.get_visible():
            continue
        xy = points(artist)
        xy = xy[np.isfinite(xy).all(axis=1)]
        if xy.size == 0:
            continue
        ok = inside(xy[:, 0], ax.get_xlim(), ax.get_xscale()) & inside(xy[:, 1], ax.get_ylim(), ax.get_yscale())
        if not ok.all():
            label = artist.get_label() or type(artist).__name__
            found.append(f"{label}: x in [{xy[:, 0].min():.3g}, {xy[:, 0].max():.3g}], y in [{xy[:, 1].min():.3g}, "
                         f"{xy[:, 1].max():.3g}] beyond the view x {np.round(ax.get_xlim(), 6).tolist()}, "
                         f"y {np.round(ax.get_ylim(), 6).tolist()}")
    return found
