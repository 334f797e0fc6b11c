"""An explorer's pages: figures drawn to palette PNGs in one frame, keyed by their controls' values.

The lowest step of :mod:`fgcourse.explorer`: drawing a figure (:func:`draw_figure`), the PNG of one page
(:func:`render_png`, :func:`render_page`, :class:`Page`), the frame and resolution all pages share
(:func:`common_frame`, :func:`smallest_font_px`) and the pages of a grid (:class:`Pages`, :func:`page_key`).
"""

from __future__ import annotations

import base64
import html as html_text
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from fgcourse._checks import (
    call_user,
    check_instance,
    check_int,
    check_real,
    check_sequence,
    describe,
)

EXPLORER_DPI = 80
"""The resolution explorer pages are drawn at (raised where their smallest text needs it to be readable)."""
MAX_DPI = 1000
"""Largest resolution accepted: a page of 6 x 4 inches is then 24 million pixels."""
PALETTE_COLORS = 64
"""Colours of a page's palette PNG: a quarter of the bytes of a full-colour PNG, same look."""


def check_dpi(dpi) -> int:
    return check_int("dpi", dpi, minimum=1, maximum=MAX_DPI)


def check_figure(name: str, value) -> Figure:
    return check_instance(name, value, Figure, "a matplotlib Figure")


def draw_figure(draw: Callable, value, controls: Mapping) -> Figure:
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


def render_png(fig, dpi: int = EXPLORER_DPI, frame=None, palette: bool = False) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it.

    ``frame`` is the box (in inches, a matplotlib ``Bbox``) to cut out of the figure; by default
    the figure's own tight box, which costs an extra layout pass (see :func:`common_frame`).
    ``palette=True`` (with a ``frame``) writes a palette PNG of ``PALETTE_COLORS`` colours,
    about four times smaller, as the explorer's pages are.
    """
    import matplotlib.pyplot as plt

    fig = check_figure("fig", fig)
    dpi = check_dpi(dpi)
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

    figures = check_sequence("figures", figures, check_figure, what="matplotlib figures")
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
    fig = check_figure("fig", fig)
    dpi = check_dpi(dpi)
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
    fig = check_figure("fig", fig)
    dpi = check_dpi(dpi)
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
