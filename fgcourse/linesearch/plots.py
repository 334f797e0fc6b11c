"""Figures of the line-search chapter: φ(α) and the accepted regions, bracket widths, descent curves.

:func:`line_profile` and :func:`acceptance_regions` evaluate φ, φ' and the conditions on a grid
in one batched call; :func:`draw_conditions` is the explorer's draw function;
:func:`draw_bracket_widths` and :func:`draw_descent` are the notebook's comparison figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import cycle

import numpy as onp

from fgcourse._checks import (
    check_array,
    check_callable,
    check_instance,
    check_int,
    check_open_interval,
    check_option,
    check_output,
    check_positive,
    check_vector,
    describe,
    user_vjp,
)
from fgcourse._figures import SERIES_COLORS, fixed_ticks

from .conditions import armijo, check_wolfe_constants, curvature, goldstein, strong_curvature, wolfe_conditions
from .descent import DescentResult
from .exact import GOLDEN_RATIO, BracketResult
from .rates import bracket_widths

__all__ = ["line_profile", "acceptance_regions", "accepted_intervals", "LINE_PROBLEMS",
           "line_problem", "draw_conditions", "draw_bracket_widths", "draw_descent"]


def line_profile(f, x, d, alphas):
    """φ(α) and φ'(α) on a grid of α, for a row-wise f ((B, n) -> (B,)), in one batched call."""
    check_callable("f", f, "array (B, n) -> array (B,), row-wise")
    x = check_vector("x", x)
    d = check_vector("d", d, x.size, against="x")
    alphas = check_array("alphas", alphas, ndim=1, min_size=1)

    def phi(a):
        return f(x[None, :] + a[:, None] * d[None, :])

    pullback, values = user_vjp("f", phi, alphas)
    values = check_output("f", values, alphas.shape, at="the rows x + alpha d (f must be row-wise)")
    slopes = check_output("f", pullback(onp.ones_like(alphas)), alphas.shape, at="its derivative")
    return values, slopes


def acceptance_regions(f, x, d, alphas, c1=1e-4, c2=0.9, goldstein_c=None):
    """φ, φ' on the grid and the masks of α accepted by each condition.

    Keys: ``phi``, ``slope``, ``phi0``, ``slope0``, ``armijo``, ``goldstein``, ``curvature``,
    ``strong_curvature``, ``wolfe``, ``strong_wolfe``, ``goldstein_c``. ``goldstein_c``
    defaults to ``min(c1, 1 − c1, 0.49)``, which lies in (0, ½).
    """
    c1, c2 = check_wolfe_constants(c1, c2)
    c = goldstein_c if goldstein_c is not None else min(c1, 1.0 - c1, 0.49)
    c = check_open_interval("goldstein_c", c, 0.0, 0.5, high_name="1/2")
    alphas = check_array("alphas", alphas, ndim=1, min_size=1)
    phi, slope = line_profile(f, x, d, onp.concatenate([[0.0], alphas]))
    phi0, slope0 = float(phi[0]), float(slope[0])
    phi, slope = phi[1:], slope[1:]
    return {
        "phi": phi, "slope": slope, "phi0": phi0, "slope0": slope0,
        "armijo": armijo(phi, alphas, phi0, slope0, c1),
        "goldstein": goldstein(phi, alphas, phi0, slope0, c),
        "curvature": curvature(slope, slope0, c2),
        "strong_curvature": strong_curvature(slope, slope0, c2),
        "wolfe": wolfe_conditions(phi, slope, alphas, phi0, slope0, c1, c2, strong=False),
        "strong_wolfe": wolfe_conditions(phi, slope, alphas, phi0, slope0, c1, c2, strong=True),
        "goldstein_c": c,
    }


def accepted_intervals(alphas, mask):
    """The runs of accepted α on an evenly spaced grid, as ``(start, width)`` pairs (for ``broken_barh``)."""
    alphas = check_array("alphas", alphas, ndim=1, min_size=1)
    mask = onp.asarray(mask)
    if mask.dtype != bool:  # no _checks helper for bool arrays: check_array refuses bools by design
        raise TypeError(f"mask must be an array of bools (e.g. armijo(...) on a grid), got {describe(mask)}")
    if mask.shape != alphas.shape:
        raise ValueError(f"mask must have the shape of alphas, {alphas.shape}, got shape {mask.shape}")
    edges = onp.flatnonzero(onp.diff(onp.concatenate([[False], mask, [False]]).astype(int)))
    starts, stops = edges[::2], edges[1::2] - 1
    spacing = alphas[1] - alphas[0] if len(alphas) > 1 else 0.0
    return [(float(alphas[i] - 0.5 * spacing), float(alphas[j] - alphas[i] + spacing)) for i, j in zip(starts, stops)]


def _problem_table():
    from autograd import grad

    from fgcourse.testfunctions import beale, diagonal_quadratic, rosenbrock

    table = {}
    for name, f, x, alpha_max in (
        ("rosenbrock", rosenbrock.f, onp.array([-1.2, 1.0]), 0.0026),
        ("quadratic", diagonal_quadratic((1.0, 25.0)), onp.array([1.0, 0.2]), 0.125),
        ("beale", beale.f, onp.array([1.0, 1.0]), 0.13),
    ):
        table[name] = (f, x, -grad(f)(x), alpha_max)
    return table


LINE_PROBLEMS = ("rosenbrock", "quadratic", "beale")
"""Names of the rays (f, x, d = −∇f(x), α range) shown by :func:`draw_conditions`."""

_PROBLEMS_CACHE: dict = {}


def line_problem(problem: str):
    """``(f, x, d, alpha_max)`` for one of :data:`LINE_PROBLEMS`: steepest descent from a classic start.

    ``alpha_max`` is about 1.5 times the step where φ climbs back to φ(0), so the plots show
    the whole dip of φ. x and d are fresh copies: editing them changes no later call.
    """
    problem = check_option("problem", problem, LINE_PROBLEMS)
    if not _PROBLEMS_CACHE:
        _PROBLEMS_CACHE.update(_problem_table())
    f, x, d, alpha_max = _PROBLEMS_CACHE[problem]
    return f, x.copy(), d.copy(), alpha_max


def draw_conditions(c1=1e-4, c2=0.9, problem="rosenbrock", num=300):
    """Figure of φ(α) on a problem's ray with the α accepted by Armijo, Goldstein, curvature, Wolfe.

    The explorer's draw function. φ(α) is black, the Armijo line φ(0) + c1 α φ'(0) red dashed,
    the lower Goldstein line φ(0) + (1 − c) α φ'(0) purple dotted; the accepted intervals are
    coloured bands under the curve. Legends and long titles are left to the surrounding text:
    text is what costs time in a live update. ``num`` is the number of grid points (>= 3).
    """
    import matplotlib.pyplot as plt


    c1, c2 = check_wolfe_constants(c1, c2)
    f, x, d, alpha_max = line_problem(problem)
    num = check_int("num", num, minimum=3)
    alphas = onp.linspace(0.0, alpha_max, num)[1:]
    regions = acceptance_regions(f, x, d, alphas, c1, c2)
    phi0, slope0, c = regions["phi0"], regions["slope0"], regions["goldstein_c"]
    fig, ax = plt.subplots(figsize=(4.9, 3.3))
    ax.plot(alphas, regions["phi"], color="black", lw=2)
    ax.plot(alphas, phi0 + c1 * alphas * slope0, "--", color="tab:red")
    ax.plot(alphas, phi0 + (1 - c) * alphas * slope0, ":", color="tab:purple")
    low, high = onp.min(regions["phi"]), onp.max(regions["phi"])
    span = high - low
    ax.set_ylim(low - 0.45 * span, high + 0.05 * span)
    rows = (("armijo", "tab:red"), ("goldstein", "tab:purple"), ("curvature", "tab:blue"),
            ("strong_wolfe", "tab:green"))
    levels = low - (0.1 + 0.09 * onp.arange(len(rows))) * span
    for level, (key, colour) in zip(levels, rows):
        ax.broken_barh(accepted_intervals(alphas, regions[key]), (level - 0.035 * span, 0.07 * span),
                       color=colour, alpha=0.6, lw=0)
    # the bands' names replace the numeric ticks: the figure is about where, not how much
    ax.set_yticks(list(levels) + [phi0], [key.replace("_", " ") for key, _ in rows] + ["φ(0)"], fontsize=9)
    ax.set_xlabel("α")
    ax.set_title(f"{problem}: c1 = c = {c1:g}, c2 = {c2:g}", fontsize=9)
    fig.subplots_adjust(left=0.21, right=0.97, bottom=0.14, top=0.92)
    fixed_ticks(ax.xaxis)
    return fig


def _check_panels(name, runs, kind, accepted):
    """``runs`` as {panel title: {label: result}}, every result an instance of ``kind``."""
    check_instance(name, runs, Mapping, "a dict {panel title: {label: result}}")
    if not runs:
        raise ValueError(f"{name} must hold at least one panel, got an empty dict")
    for title, panel in runs.items():
        check_instance(f"{name}[{title!r}]", panel, Mapping, "a dict {label: result}")
        if not panel:
            raise ValueError(f"{name}[{title!r}] must hold at least one run, got an empty dict")
        for label, result in panel.items():
            check_instance(f"{name}[{title!r}][{label!r}]", result, kind, accepted)
    return runs


def _panels(count, width, height):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, count, figsize=(width * count, height), squeeze=False, layout="constrained")
    return fig, axes[0]


def draw_bracket_widths(runs):
    """Bracket width / (b − a) against evaluations of φ, one panel per problem, log scale.

    ``runs`` is ``{problem: {method: BracketResult}}``. The dashed line is (1/√2)^N
    (dichotomy's guarantee, ½ per two evaluations), the dotted one (1/τ)^N (golden section).
    """
    _check_panels("runs", runs, BracketResult, "a BracketResult (from dichotomy, golden_section or parabolic)")
    fig, axes = _panels(len(runs), 13 / 3, 3.6)
    smallest = 1.0
    for ax, (title, panel) in zip(axes, runs.items()):
        most = 1
        for color, (method, result) in zip(cycle(SERIES_COLORS), panel.items()):
            nfev, width = bracket_widths(result)
            ax.semilogy(nfev, width / width[0], ".-", color=color, label=method)
            most, smallest = max(most, int(nfev[-1])), min(smallest, float(width[-1] / width[0]))
        n = onp.arange(0, most + 1)
        ax.semilogy(n, 0.5 ** (n / 2), "k--", lw=1, label="0.5 per 2 evaluations")
        ax.semilogy(n, (1 / GOLDEN_RATIO) ** n, "k:", lw=1, label="0.618 per evaluation")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("evaluations of φ")
    for ax in axes:
        ax.set_ylim(0.3 * smallest, 2)
    axes[0].set_ylabel("bracket width / (b - a)")
    axes[0].legend(fontsize=9)
    return fig


def draw_descent(runs, *, xlabel="evaluations of f and ∇f", floor=1e-30):
    """f(x_k) against the evaluations spent to reach x_k, one panel per problem, log scale.

    ``runs`` is ``{problem: {rule: DescentResult}}``; values below ``floor`` (an exact 0) are
    drawn at ``floor`` so that the log scale keeps them.
    """
    _check_panels("runs", runs, DescentResult, "a DescentResult (from descent)")
    check_instance("xlabel", xlabel, str, "a string")
    floor = check_positive("floor", floor)
    fig, axes = _panels(len(runs), 4.6, 3.6)
    for ax, (title, panel) in zip(axes, runs.items()):
        for color, (name, run) in zip(cycle(SERIES_COLORS), panel.items()):
            ax.semilogy(run.evaluations, onp.maximum(run.fun_path, floor), color=color, label=name)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("f(x_k)")
    axes[0].legend(fontsize=9)
    return fig
