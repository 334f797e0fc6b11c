"""An explorer's plan: which controls are precomputed for the offline book, which need a kernel.

:func:`plan` decides it before anything is drawn, within the page budget, as an :class:`ExplorerPlan`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, replace
from types import MappingProxyType

import ipywidgets as widgets

from fgcourse._checks import (
    check_instance,
    check_int,
    check_option,
    check_positive,
    check_sequence,
)
from fgcourse._figures import MIN_FONT_PX
from fgcourse.explorer.pages import (
    EXPLORER_DPI,
    Pages,
    check_dpi,
    page_key,
)

MAX_PAGES = 150
"""Default page budget of an explorer: precomputed figures, one per point of its grid."""
MAX_BYTES = 1_000_000
"""Default size budget of an explorer: bytes of PNG of all its pages (the page's HTML holds
them base64-encoded, 4/3 as many bytes)."""


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
        if isinstance(control, INDEXED) and not control.options:
            raise ValueError(f"controls[{key!r}] must have at least one option, got a {type(control).__name__} "
                             "without options")
    return dict(controls)


def grid_controls(control) -> Sequence | None:
    """The values a control can take, if it can be precomputed: an option list's options (a tuple), an
    IntSlider's values as a ``range`` (never enumerated: a slider over 10^8 values costs nothing until
    a plan takes it into its grid, which its page budget forbids); else None."""
    check_instance("control", control, widgets.ValueWidget, "an ipywidgets value widget")
    if isinstance(control, INDEXED):
        return tuple(control._options_values)
    if isinstance(control, widgets.IntSlider):
        return range(control.min, control.max + 1, control.step)
    return None


def _shown_value(control, value) -> str:
    """A control's value as the control shows it: an option's label, a number in few digits."""
    if isinstance(control, INDEXED):
        for label, option in zip(control._options_labels, control._options_values):
            if option == value:
                return str(label)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def indexed_control(control, values: tuple):
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
        point = self.check_point(point)
        kwargs = dict(self.initial)
        kwargs.update({key: choices[i] for (key, choices), i in zip(self.grid.items(), point[1:])})
        return self.values[point[0]], kwargs

    def check_point(self, point) -> tuple:
        """A point of the grid: one index per level (main value, then each precomputed control), in range."""
        sizes = (len(self.values), *map(len, self.grid.values()))
        point = check_sequence("point", point, min_length=len(sizes), max_length=len(sizes),
                               what="indices, the main value's then one per precomputed control")
        return tuple(check_int(f"point[{i}]", index, minimum=0, maximum=size - 1)
                     for i, (index, size) in enumerate(zip(point, sizes)))

    def describe(self, index: int, settings: Mapping) -> str:
        """The text of a page for a reader who cannot see it (its ``alt``): the explorer's description, then
        every control and its value as the reader sees it, ``"depth = 64, width = 16"``."""
        parts = [f"{self.name} = {self.labels[index]}"]
        for key, control in self.controls.items():
            parts.append(f"{getattr(control, 'description', '') or key} = {_shown_value(control, settings[key])}")
        settings_text = ", ".join(parts)
        return f"{self.description}, at {settings_text}" if self.description else settings_text

    def key(self, point: tuple) -> tuple:
        """The :func:`page_key` of a point."""
        point = self.check_point(point)
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
                grid[key], pages = tuple(choices), pages * len(choices)
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
    return {key: tuple(choices) for key, choices in grid.items()}  # within the budget: small


def _values(name: str, values, max_pages: int) -> tuple:
    """The main values, counted before they are listed: ``range(10**8)`` or an endless iterator is
    refused by the page budget, never listed."""
    if isinstance(values, Iterator):
        values = tuple(itertools.islice(values, max_pages + 1))
        if len(values) > max_pages:
            raise ValueError(f"offline grid must have at most max_pages = {max_pages} pages (its budget), got more "
                             f"than {max_pages} values of {name}: give fewer values, or raise max_pages")
    elif isinstance(values, Sized) and not isinstance(values, (str, bytes, dict)) and len(values) > max_pages:
        raise _budget_error(len(values), {name: len(values)}, max_pages)
    return check_sequence("values", values, min_length=2, what="slider values")


def plan(name: str, values: Sequence, controls: Mapping[str, widgets.ValueWidget] | None = None, *,
         offline: Sequence[str] | None = None, max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES,
         dpi: int = EXPLORER_DPI, min_font_px: float = MIN_FONT_PX, description: str | None = None) -> ExplorerPlan:
    """The :class:`ExplorerPlan` of an :func:`explorer` (same arguments, but ``draw``): which controls
    are precomputed, within ``max_pages``; nothing is drawn. Fails on a declared grid over budget."""
    check_instance("name", name, str, "a non-empty string naming the main parameter")
    if not name:
        raise ValueError("name must be a non-empty string naming the main parameter, got ''")
    max_pages = check_int("max_pages", max_pages, minimum=1)
    values = _values(name, values, max_pages)
    controls = _controls(controls)
    max_bytes = check_int("max_bytes", max_bytes, minimum=1)
    dpi = check_dpi(dpi)
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


def check_plan(value) -> ExplorerPlan:
    return check_instance("plan", value, ExplorerPlan, "an ExplorerPlan from plan()")


def check_pages(name: str, value) -> Pages:
    return check_instance(name, value, Pages, "Pages from sample() or render()")


# ----------------------------------------------------------------------------- 2. the sample
