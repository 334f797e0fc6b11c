"""Interactive figures that stay explorable in the offline HTML book.

An explorer shows one figure controlled by a *main* slider and, optionally, a few other
controls. It is built so that it works in two worlds:

- in Jupyter, with a kernel, every control recomputes the figure live (the main slider on
  release, so a drag costs one update, not one per pixel);
- in the HTML book, with no kernel, the main slider still works: the figure has been
  precomputed for every value of the slider and stored as the pages of an ipywidgets
  ``Stack``; the slider's index is linked to the stack's selected page on the client
  (``jslink``), so moving it flips pages in the browser.

The other controls change the figure only when a kernel runs them; in the book they show
the values the precomputed pages were drawn with.

Typical use in a notebook::

    def draw(depth, width=10):
        fig, ax = plt.subplots()
        ...
        return fig

    explorer(draw, "depth", [1, 2, 4, 8, 16], controls={"width": widgets.IntSlider(10, 1, 50)})
"""

from __future__ import annotations

import base64
import io
import statistics
import time
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from fgcourse._checks import (
    call_user,
    check_callable,
    check_instance,
    check_int,
    check_real,
    check_sequence,
    describe,
)
from fgcourse.measure import median_seconds

__all__ = ["explorer", "render_png", "common_frame", "median_update_time"]

MAX_DPI = 1000
"""Largest resolution accepted: a page of 6 x 4 inches is then 24 million pixels."""


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


def render_png(fig, dpi: int = 80, frame=None) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it.

    ``frame`` is the box (in inches, a matplotlib ``Bbox``) to cut out of the figure; by default
    the figure's own tight box, which costs an extra layout pass (see :func:`common_frame`).
    """
    import matplotlib.pyplot as plt

    fig = _figure("fig", fig)
    dpi = _dpi(dpi)
    if frame is not None:
        check_instance("frame", frame, Bbox, "a matplotlib Bbox (from common_frame) or None")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if frame is None else frame)
    plt.close(fig)
    return buffer.getvalue()


def common_frame(figures, pad: float = 0.1):
    """One box (inches) holding the tight box of every figure, padded.

    An explorer cuts all its pages with the same box: the pages have the same size, so the
    figure does not jump when the slider moves, and a live update saves the layout pass that
    ``bbox_inches="tight"`` makes on every render.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figures = check_sequence("figures", figures, _figure, what="matplotlib figures")
    pad = check_real("pad", pad, minimum=0.0)

    def renderer(fig):
        if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure(): render it as PNG would
            FigureCanvasAgg(fig)
        return fig.canvas.get_renderer()

    return Bbox.union([fig.get_tightbbox(renderer(fig)) for fig in figures]).padded(pad)


def _img_html(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{alt}" style="max-width:100%"/>'


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


def explorer(
    draw: Callable[..., Figure],
    name: str,
    values: Sequence,
    *,
    controls: Mapping[str, widgets.ValueWidget] | None = None,
    dpi: int = 80,
    description: str | None = None,
) -> widgets.VBox:
    """Build an explorer widget over ``draw(value, **controls)``.

    Parameters
    ----------
    draw:
        ``draw(value, **{key: control.value})`` returns a matplotlib figure.
    name:
        The main parameter's name (the slider's label).
    values:
        The grid of main-parameter values; one page is precomputed for each.
    controls:
        Other parameters, as ipywidgets value widgets keyed by ``draw``'s keyword names.
        They update live with a kernel; in the static book they keep their saved value.
    dpi:
        Resolution of the precomputed pages.
    description:
        An optional line of text above the controls.

    Returns
    -------
    ipywidgets.VBox
        The widget; its ``render(index)`` attribute re-renders one page (used by benchmarks).
    """
    draw = check_callable("draw", draw, "(value, **controls) -> Figure")
    check_instance("name", name, str, "a non-empty string naming the main parameter")
    if not name:
        raise ValueError("name must be a non-empty string naming the main parameter, got ''")
    values = list(check_sequence("values", values, min_length=2, what="slider values"))
    controls = _controls(controls)
    dpi = _dpi(dpi)
    if description is not None:
        check_instance("description", description, str, "a string or None")
    labels = [str(v) for v in values]

    def html(index: int, fig) -> str:
        return _img_html(render_png(fig, dpi=dpi, frame=frame), f"{name} = {labels[index]}")

    def page(index: int) -> str:
        kwargs = {key: control.value for key, control in controls.items()}
        return html(index, _draw(draw, values[index], kwargs))

    initial = {key: control.value for key, control in controls.items()}
    figures = [_draw(draw, value, initial) for value in values]
    frame = common_frame(figures)
    pages = [widgets.HTML(html(i, fig)) for i, fig in enumerate(figures)]
    stack = widgets.Stack(pages, selected_index=0)
    slider = widgets.SelectionSlider(
        options=labels, index=0, description=name, continuous_update=False,
        layout=widgets.Layout(width="420px"), style={"description_width": "initial"},
    )
    widgets.jslink((slider, "index"), (stack, "selected_index"))

    # With a kernel: a change of another control makes every page stale; the visible page is
    # redrawn at once and the others when the slider reaches them.
    stale = set()

    def refresh(index: int) -> None:
        pages[index].value = page(index)
        stale.discard(index)

    def on_control(_change) -> None:
        stale.update(range(len(pages)))
        refresh(slider.index)

    def on_slider(change) -> None:
        if change["new"] in stale:
            refresh(change["new"])

    for control in controls.values():
        control.observe(on_control, names="value")
    slider.observe(on_slider, names="index")

    header = [widgets.HTML(f"<b>{description}</b>")] if description else []
    footer = []
    if controls:
        footer = [widgets.HTML(
            f"<small>Without a running kernel (in the HTML book) only <i>{name}</i> changes the figure; "
            "run the notebook in Jupyter to use every control.</small>"
        )]
    rows = [slider]
    if controls:
        rows.append(widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap")))
    box = widgets.VBox(header + rows + [stack] + footer)
    box.add_class("fgcourse-explorer")
    box.render = page
    return box


def median_update_time(draw: Callable, values: Sequence, repeat: int = 1, dpi: int = 80,
                       clock: Callable[[], float] = time.perf_counter, **controls) -> float:
    """Median time in seconds of one live update of an :func:`explorer`, ``draw`` plus PNG
    rendering in the explorer's common frame, over ``values`` (each repeated ``repeat`` times);
    ``clock=time.process_time`` measures CPU time instead; ``controls`` are passed on to ``draw``."""
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
        median_seconds(lambda value=value: render_png(_draw(draw, value, controls), dpi=dpi, frame=frame),
                       repeat=1, clock=clock)
        for _ in range(repeat) for value in values
    ]
    return statistics.median(times)
