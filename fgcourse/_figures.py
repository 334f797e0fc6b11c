"""Figure helpers shared by the chapters' drawing code, importable without ipywidgets.

The layer just above the argument checks: every module that draws (a chapter's core, its
plots, the explorer) may import it at module top, and it imports nothing of the library but
:mod:`fgcourse._checks`. matplotlib itself is imported inside the helpers, so importing this
module (and a chapter's core through it) costs nothing until a figure is drawn.

- :func:`fixed_ticks`: a few round, plain-text ticks on an axis whose limits are final, for
  the pages an explorer draws on every update (CONTRIBUTING.md, "An explorer");
- :func:`texts_outside` and :func:`data_outside`: what a figure cuts, its texts at its edge and
  its lines' data at an axes' view, for the tests of every figure;
- :data:`SERIES_COLORS`, :func:`simulate_cvd`, :func:`closest_colors`: colours of series that
  readers with protanopia or deuteranopia tell apart too, and the check of it;
- :func:`show`: how a notebook shows a figure: with the alt text that says what it shows, each
  panel its own image, side by side on a desktop and one under the other on a phone, refused when
  a text is cut or a panel too wide for its text to stay readable on a phone.
"""

from __future__ import annotations

import math

import numpy as np

from fgcourse._checks import check_bool, check_instance, check_int, check_option, check_real

__all__ = ["fixed_ticks", "texts_outside", "data_outside", "smallest_font_pt", "show", "Shown", "PHONE_COLUMN_PX",
           "MIN_FONT_PX", "FIGURE_DPI", "OKABE_ITO", "SERIES_COLORS", "simulate_cvd", "closest_colors",
           "series_told_apart_by_color_only"]

PHONE_COLUMN_PX = 358
"""Width in CSS pixels of the book's text column on a 390 px phone: every panel must fit it with readable text."""
MIN_FONT_PX = 9.0
"""The smallest text a reader is shown, in CSS pixels, on a desktop and on a phone."""
FIGURE_DPI = 100
"""Resolution of a figure as :func:`show` draws it: one image pixel per CSS pixel at natural size."""


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


def _undrawn_tick_labels(fig) -> set:
    """The tick labels of ``fig`` that matplotlib keeps but does not draw: those of ticks outside their
    axis's view (a locator places ticks beyond it, and an axis draws only the ticks inside)."""
    undrawn = set()
    for ax in fig.axes:
        if not ax.axison:  # set_axis_off: no tick label is drawn
            ticks = [tick for axis in ax._axis_map.values() for tick in axis.get_major_ticks() + axis.get_minor_ticks()]
            undrawn.update(label for tick in ticks for label in (tick.label1, tick.label2))
            continue
        for axis in ax._axis_map.values():
            scale = axis.get_transform()  # compared where the axis is linear (in decades on a log axis)
            with np.errstate(divide="ignore", invalid="ignore"):
                low, high = sorted(np.ravel(scale.transform(np.reshape(axis.get_view_interval(), (-1, 1)))))
                span = (high - low) * 1e-9
                for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                    loc = tick.get_loc()
                    where = np.nan if loc is None else float(np.ravel(scale.transform([[loc]]))[0])
                    if not (low - span <= where <= high + span):
                        undrawn.update((tick.label1, tick.label2))
    return undrawn


def texts_outside(fig, margin: float = 0.5) -> list[str]:
    """The texts of ``fig`` (titles, labels, tick labels, legends, annotations) that cross its
    edge once drawn, each as ``"<text>" (<how far> px past the <edge>)``: a text cut inside the
    image. Empty when everything fits. ``margin`` pixels of antialiasing are tolerated."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    check_instance("fig", fig, Figure, "a matplotlib Figure")
    margin = check_real("margin", margin, minimum=0.0)
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure(): drawn as Agg draws it
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    undrawn = _undrawn_tick_labels(fig)
    width, height = fig.bbox.width, fig.bbox.height
    found = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or text in undrawn:
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
    rtol = check_real("rtol", rtol, minimum=0.0)

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


def smallest_font_pt(fig, skip=()) -> float:
    """The size in points of the smallest visible, non-empty text of ``fig`` (``inf`` without text),
    leaving out the texts in ``skip``."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    check_instance("fig", fig, Figure, "a matplotlib Figure")
    sizes = [text.get_fontsize() for text in fig.findobj(Text)
             if text.get_visible() and text.get_text().strip() and text not in skip]
    return min(sizes) if sizes else math.inf


def _panel_boxes(fig, renderer, skip) -> list:
    """The boxes (display pixels) of ``fig``'s panels: the tight boxes of its axes, of its legends and
    texts, boxes that overlap merged (an axes and its twin or its colorbar are one panel), in reading
    order (rows from the top, then left to right)."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    # A colorbar is part of the panel of the axes it describes.
    owner = {ax: getattr(getattr(getattr(ax, "_colorbar", None), "mappable", None), "axes", None) or ax
             for ax in fig.axes}
    by_owner: dict = {}
    for ax in fig.axes:
        if ax.get_visible():
            by_owner.setdefault(owner[ax], []).append(ax.get_tightbbox(renderer))
    boxes = [Bbox.union([box for box in group if box is not None]) for group in by_owner.values()
             if any(box is not None for box in group)]
    boxes += [legend.get_window_extent(renderer) for legend in fig.legends if legend.get_visible()]
    boxes += [text.get_window_extent(renderer) for text in fig.texts
              if isinstance(text, Text) and text.get_visible() and text.get_text().strip() and text not in skip]
    boxes = [box for box in boxes if box is not None and box.width > 0 and box.height > 0]
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                if boxes[i].padded(2).overlaps(boxes[j]):
                    boxes[i] = Bbox.union([boxes[i], boxes.pop(j)])
                    merged = True
                    break
            if merged:
                break
    rows: list[list] = []
    for box in sorted(boxes, key=lambda b: -b.y1):
        if rows and box.y1 > rows[-1][0].y0:  # starts above the bottom of the row's first panel: same row
            rows[-1].append(box)
        else:
            rows.append([box])
    return [box for row in rows for box in sorted(row, key=lambda b: b.x0)]


def _png(rgb, colors: int = 128) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).quantize(colors, method=Image.Quantize.FASTOCTREE).save(buffer, format="png", optimize=True)
    return buffer.getvalue()


class Shown:
    """A figure as a notebook shows it (:func:`show`): its panels as PNG images with its alt text, in
    HTML that lays them side by side where they fit with text of at least ``MIN_FONT_PX`` CSS pixels
    and one under the other on a narrower screen. ``panels`` are the PNG bytes, ``sizes`` their
    (width, height) in pixels, ``font_px`` the smallest text in CSS pixels at natural size, ``title``
    the figure's suptitle (shown as text above the panels)."""

    def __init__(self, panels, sizes, font_px: float, alt: str, title: str, wide: bool = False):
        self.panels, self.sizes, self.font_px, self.alt, self.title = tuple(panels), tuple(sizes), font_px, alt, title
        self.wide = wide

    def __repr__(self) -> str:
        return f"Figure: {self.alt}"

    def _repr_html_(self) -> str:
        import base64
        import html

        images = []
        for k, (png, (width, height)) in enumerate(zip(self.panels, self.sizes)):
            readable = math.ceil(width * min(1.0, MIN_FONT_PX / self.font_px)) if self.font_px < math.inf else width
            # a panel never shrinks below the width where its text is MIN_FONT_PX (a wide one scrolls instead)
            least = f"{readable}px" if self.wide else f"min({readable}px, 100%)"
            alt = self.alt if k == 0 else ""
            data = base64.b64encode(png).decode("ascii")
            font = f' data-min-font-px="{self.font_px:.2f}"' if self.font_px < math.inf else ""
            images.append(f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" width="{width}" '
                          f'height="{height}"{font} style="flex: 1 1 {readable}px; min-width: {least}; '
                          f'max-width: {width}px; height: auto"/>')
        title = f'<p class="fgcourse-figure-title">{html.escape(self.title)}</p>' if self.title else ""
        return (f'<figure class="fgcourse-panels" style="margin: 0">{title}<div class="fgcourse-panel-row" '
                f'style="display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: flex-start">'
                f'{"".join(images)}</div></figure>')


def show(fig, alt: str, *, dpi: int = FIGURE_DPI, wide: bool = False) -> Shown:
    """``fig`` as a notebook shows it: each panel its own image with ``alt`` (what the figure shows, in
    words), side by side where the column has room and one under the other on a phone (:class:`Shown`).
    The figure is closed. Refused, naming what is wrong, when a text of ``fig`` is cut at its edge
    (:func:`texts_outside`) or when a panel is too wide for its smallest text to stay at least
    ``MIN_FONT_PX`` CSS pixels on a phone's ``PHONE_COLUMN_PX`` column: draw it narrower, or its text larger.
    ``wide=True`` is for a diagram that cannot be narrower: on a phone it keeps its readable width and its
    output box scrolls sideways, with the book's visible cue (book/_static/fgcourse.js).
    """
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    check_instance("fig", fig, Figure, "a matplotlib Figure")
    check_instance("alt", alt, str, "a sentence saying what the figure shows")
    if len(alt.split()) < 4:
        raise ValueError(f"alt must be a sentence saying what the figure shows (4 words or more), got {alt!r}")
    dpi = check_int("dpi", dpi, minimum=50, maximum=400)
    wide = check_bool("wide", wide)
    try:
        cut = texts_outside(fig)
        if cut:
            raise ValueError(f"fig must show every text whole, got texts cut at its edge: {'; '.join(cut)}")
        suptitle = fig._suptitle if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_visible() \
            else None
        title = suptitle.get_text().strip() if suptitle is not None else ""
        font_pt = smallest_font_pt(fig, skip=(suptitle,))
        canvas = FigureCanvasAgg(fig)
        fig.set_dpi(dpi)
        if suptitle is not None:
            suptitle.set_visible(False)
        canvas.draw()
        renderer = canvas.get_renderer()
        rgb = np.asarray(canvas.buffer_rgba())[:, :, :3]
        height = rgb.shape[0]
        font_px = font_pt * dpi / 72
        panels, sizes = [], []
        for k, box in enumerate(_panel_boxes(fig, renderer, skip=(suptitle,)), start=1):
            box = box.padded(3)
            x0, x1 = max(0, math.floor(box.x0)), min(rgb.shape[1], math.ceil(box.x1))
            y0, y1 = max(0, height - math.ceil(box.y1)), min(height, height - math.floor(box.y0))
            if not wide and font_px < math.inf and (x1 - x0) * MIN_FONT_PX / font_px > PHONE_COLUMN_PX:
                raise ValueError(
                    f"fig's panel {k} must fit a phone's {PHONE_COLUMN_PX} px column with text of at least "
                    f"{MIN_FONT_PX:g} px, got a panel {(x1 - x0) / dpi:.2f} in wide whose smallest text is "
                    f"{font_pt:g} pt ({font_px * PHONE_COLUMN_PX / (x1 - x0):.1f} px there): draw it at most "
                    f"{font_pt * PHONE_COLUMN_PX / (MIN_FONT_PX * 72):.2f} in wide, or its text larger")
            panels.append(_png(np.ascontiguousarray(rgb[y0:y1, x0:x1])))
            sizes.append((x1 - x0, y1 - y0))
        return Shown(panels, sizes, font_px, " ".join(alt.split()), title, wide)
    finally:
        plt.close(fig)


OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7"}
"""The colours of Okabe and Ito's palette, told apart by readers with any colour vision."""

# Machado, Oliveira and Fernandes (2009), severity 1: the linear-RGB colours seen with dichromacy.
_CVD_MATRICES = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
}
CVD_KINDS = ("normal", *_CVD_MATRICES)

SERIES_COLORS = tuple(OKABE_ITO[name] for name in ("blue", "orange", "bluish green", "vermillion", "reddish purple",
                                                     "sky blue", "black", "yellow"))
"""The colours of a figure's series, in order: Okabe and Ito's, any two of the first five at least
17 ΔE apart under normal vision, protanopia and deuteranopia (tests/test_figures.py)."""


def _linear(srgb) -> np.ndarray:
    """Linear RGB of sRGB values in [0, 1] (the sRGB transfer curve undone)."""
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(srgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colours in [0, 1], shape (k, 3)."""
    linear = _linear(np.clip(np.asarray(srgb, dtype=float), 0.0, 1.0))
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def simulate_cvd(colors, kind: str) -> np.ndarray:
    """``colors`` (anything matplotlib reads as a colour) as seen with ``kind`` of colour vision
    (``"normal"``, ``"protanopia"``, ``"deuteranopia"``; Machado et al. 2009, severity 1), as sRGB in [0, 1]."""
    from matplotlib.colors import to_rgb

    kind = check_option("kind", kind, CVD_KINDS)
    srgb = np.array([to_rgb(c) for c in colors], dtype=float).reshape(-1, 3)
    if kind == "normal":
        return srgb
    seen = np.clip(_linear(srgb) @ np.array(_CVD_MATRICES[kind]).T, 0.0, 1.0)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


def closest_colors(colors) -> tuple[float, str]:
    """The smallest CIELAB distance (ΔE 1976) between two of ``colors`` under normal vision,
    protanopia and deuteranopia, with the kind and the pair where it is reached (``inf`` for fewer
    than two colours)."""
    colors = list(colors)
    best, where = math.inf, ""
    for kind in CVD_KINDS:
        lab = _lab(simulate_cvd(colors, kind))
        for i in range(len(colors)):
            for j in range(i + 1, len(colors)):
                distance = float(np.linalg.norm(lab[i] - lab[j]))
                if distance < best:
                    best, where = distance, f"{colors[i]} and {colors[j]} under {kind}"
    return best, where


def series_told_apart_by_color_only(ax) -> list[list]:
    """The groups of ``ax``'s labelled lines that share line style and marker, so that only their
    colour tells them apart (each group as a list of colours)."""
    groups: dict = {}
    for line in ax.get_lines():
        if line.get_label().startswith("_") or not line.get_visible():
            continue
        key = (line.get_linestyle(), line.get_marker() if line.get_marker() not in (None, "", " ", "None") else None)
        groups.setdefault(key, []).append(line.get_color())
    return [colors for colors in groups.values() if len(colors) > 1]
