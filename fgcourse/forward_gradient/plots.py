"""Figures of the notebooks *Tangent laws* and *Sign agreement* (each returns a matplotlib Figure).

The ``draw_*`` functions with a first argument ``n`` are the explorers' pages: they only
sample and plot, so one update stays well under 100 ms.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.collections import Collection, LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

from fgcourse._checks import check_int, check_option, check_rng
from fgcourse._figures import fixed_ticks
from fgcourse.optim.linear import linear_objective_runs

from .estimator import (
    coordinate_variances,
    forward_gradient_samples,
    mean_squared_deviation,
    monte_carlo,
    squared_deviations,
)
from .laws import LAWS, TangentLaw, random_rotation, rotated
from .signs import (
    SIGN_EXCESS_CONSTANT,
    adam_long_memory_progress,
    expected_sign_agreement,
    sample_sign_descent_progress,
    sign_agreement_counts,
    sign_agreement_distribution,
    sign_bound,
    sign_descent_progress,
)

GRADIENT_SHAPES = ("equal", "dominant", "random")
LAW_COLORS = {
    "gaussian": "tab:red", "rademacher": "tab:blue", "sphere": "tab:green", "rotated rademacher": "tab:purple",
}
TANGENT_LAWS_GRID = (1, 2, 3, 5, 10, 20, 50, 100, 200)  # the explorers' main-slider values of n
SIGN_AGREEMENT_GRID = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
MAX_SAMPLED_ENTRIES = 400_000  # keeps one explorer page under 100 ms: samples × n floats per law


DEMO_LAWS = (*LAWS, "rotated rademacher")


def demo_laws(n: int) -> dict[str, TangentLaw]:
    """The laws of the notebooks in dimension n (names ``DEMO_LAWS``).

    "rotated rademacher" is one law per dimension, the same on every page and in every notebook:
    Rademacher rotated by ``random_rotation(n, rng=n)``, a rotation its definition fixes (like a
    test function's constants), not a draw of the caller's.
    """
    return _demo_laws(check_int("n", n, minimum=1))


@functools.lru_cache(maxsize=32)
def _demo_laws(n: int) -> dict[str, TangentLaw]:
    # Cached: the QR factorization behind the rotation is the slowest part of a page.
    return {**LAWS, "rotated rademacher": rotated("rademacher", random_rotation(n, rng=n))}


def example_gradient(shape: str, n: int, rng=None) -> np.ndarray:
    """A gradient of the given shape: all ∂_i f equal to 1, one dominant (1, then 0.05), or random
    (standard normal, drawn from ``rng``, an int seed or a Generator, which only this shape needs)."""
    shape = check_option("shape", shape, GRADIENT_SHAPES)
    n = check_int("n", n, minimum=1)
    if shape == "random" or rng is not None:
        if rng is None:
            raise TypeError("rng must be an int seed or a numpy.random.Generator for shape='random', got None")
        rng = check_rng("rng", rng)
    if shape == "equal":
        return np.ones(n)
    if shape == "dominant":
        return np.concatenate([[1.0], np.full(n - 1, 0.05)])
    return rng.standard_normal(n)


def _figure(width: float, height: float, columns: int, constrained: bool = False):
    # A fixed layout for the explorers' pages: constrained layout would double the time of each
    # explorer update. A figure shown once (constrained=True) fits its texts in its canvas.
    if constrained:
        fig = Figure(figsize=(width, height), layout="constrained")
    else:
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=0.04, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
    return fig, fig.subplots(1, columns)


def _histogram(ax, samples, bins, color, label=None):
    """A filled density histogram drawn as one patch (fast to render, unlike one bar per bin)."""
    heights, edges = np.histogram(samples, bins=bins, density=True)
    ax.stairs(heights, edges, fill=True, color=to_rgba(color, 0.5), label=label)


def _unscaled(ax, artist):
    """Add ``artist`` to ``ax`` without updating the data limits (the caller sets them): matplotlib
    finds a patch's limits by walking its path in Python, a few milliseconds per histogram."""
    if isinstance(artist, Collection):
        return ax.add_collection(artist, autolim=False)
    return ax.add_artist(artist)


def _padded(low: float, high: float, margin: float = 0.05) -> tuple[float, float]:
    """[low, high] widened by ``margin`` of its span on each side, as matplotlib's autoscaling does."""
    span = high - low if high > low else max(abs(high), 1.0)
    return low - margin * span, high + margin * span


# --------------------------------------------------------------------------- tangent laws

def draw_tangent_laws(n: int, law: str = "rademacher", shape: str = "dominant", rng=0,
                      num_samples: int = 2000) -> Figure:
    """Histograms of g_1 and g_n under ``law``, and Monte-Carlo vs exact MSD for every law.

    ``rng`` draws the random gradient (``shape="random"``) first, then the tangents.
    """
    laws = demo_laws(n)
    law = check_option("law", law, DEMO_LAWS)
    rng = check_rng("rng", rng)
    grad = example_gradient(shape, n, rng)
    num_samples = max(2, min(check_int("num_samples", num_samples, minimum=1), MAX_SAMPLED_ENTRIES // n))
    # Only the two coordinates shown, drawn in chunks: memory for two columns, not n.
    samples = forward_gradient_samples(laws[law], grad, rng, num_samples, coordinates=[0, n - 1])
    standard_deviations = np.sqrt(coordinate_variances(laws[law], grad))
    # Two panels, no legend: every extra axes or legend adds tens of milliseconds per update.
    # Each series is one artist added without autoscaling, the limits set once: an update is
    # then 12-20% cheaper than with stairs, vlines, bar and scatter (no walk along each path).
    fig, axes = _figure(9, 3.2, 2)
    segments, colors, styles, low, high, top = [], [], [], np.inf, -np.inf, 0.0
    for column, i, color in [(1, n - 1, "0.55"), (0, 0, LAW_COLORS[law])]:
        heights, edges = np.histogram(samples[:, column], bins=50, density=True)
        _unscaled(axes[0], StepPatch(heights, edges, fill=True, color=to_rgba(color, 0.5)))
        # ∂_i f and ∂_i f ± one standard deviation, spanning the panel's height.
        lines = grad[i] + np.array([0.0, -1.0, 1.0]) * standard_deviations[i]
        segments += [((x, 0.0), (x, 1.0)) for x in lines]
        colors += [color] * 3
        styles += ["-", ":", ":"]
        low, high, top = min(low, edges[0], lines.min()), max(high, edges[-1], lines.max()), max(top, heights.max())
    _unscaled(axes[0], LineCollection(segments, colors=colors, linestyles=styles, linewidths=1.5,
                                      transform=axes[0].get_xaxis_transform()))
    axes[0].set(xlim=_padded(low, high), ylim=(0.0, 1.05 * top if top > 0 else 1.0))
    # The title names every control of the explorer, so a page always says what it shows.
    fig.subplots_adjust(top=0.8)
    fig.suptitle(f"n = {n}: {law} tangents, {shape} gradient, {num_samples} samples", fontsize=10)
    axes[0].set(title=f"g_1 (colour, ∂_1 f = {grad[0]:.3g}), g_{n} (grey, ∂_{n} f = {grad[-1]:.3g})",
                xlabel="estimate", yticks=[])
    axes[0].title.set_fontsize(9)
    fixed_ticks(axes[0].xaxis)
    norm2 = grad @ grad
    names = list(laws)
    estimates = [monte_carlo(squared_deviations(laws[name], grad, rng, num_samples)) for name in names]
    means = np.array([e.mean for e in estimates]) / norm2
    errors = 3 * np.array([e.standard_error for e in estimates]) / norm2
    exact = np.array([mean_squared_deviation(laws[name], grad) for name in names]) / norm2
    positions = np.arange(len(names))
    # Bars of width 0.8, their ± 3 se, and the exact values as short black dashes.
    _unscaled(axes[1], PolyCollection([[(x - 0.4, 0.0), (x + 0.4, 0.0), (x + 0.4, m), (x - 0.4, m)]
                                       for x, m in zip(positions, means)],
                                      facecolors=[to_rgba(LAW_COLORS[name], 1.0 if name == law else 0.35)
                                                  for name in names]))
    _unscaled(axes[1], LineCollection([((x, m - e), (x, m + e)) for x, m, e in zip(positions, means, errors)],
                                      colors="k", linewidths=1.5))
    _unscaled(axes[1], LineCollection([((x - 0.3, v), (x + 0.3, v)) for x, v in zip(positions, exact)],
                                      colors="k", linewidths=1.5, zorder=3))
    axes[1].axhline(n - 1, color="0.5", ls="--", lw=0.8)
    top = 1.05 * max(np.max(means + errors), exact.max(), n - 1)
    axes[1].set(xlim=(-0.6, len(names) - 0.4), ylim=(0.0, top))
    axes[1].set_xticks(positions, [name.replace(" ", "\n") for name in names], fontsize=9)
    # Fixed ticks at the two theoretical values: cheaper to render than automatic ones, and
    # telling; n + 1 only while its label clears n − 1's (a tenth of the panel apart).
    levels = sorted({0, n - 1} | ({n + 1} if 2 >= 0.1 * top else set()))
    axes[1].set_yticks(levels, [str(level) for level in levels], fontsize=9)
    axes[1].set_title("MSD / ‖∇f‖²: Monte-Carlo ± 3 se, exact (—), n − 1 (--)", fontsize=9)
    return fig


def draw_minimal_laws_3d(rng=0, num_sphere_points: int = 600) -> Figure:
    """Three minimal laws in dimension 3: cube vertices, a rotated cube, the sphere of radius √3."""
    rng = check_rng("rng", rng)
    num_sphere_points = check_int("num_sphere_points", num_sphere_points, minimum=1)
    cube = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float)
    edges = [(i, j) for i in range(8) for j in range(i) if np.sum(cube[i] != cube[j]) == 1]
    rotation = random_rotation(3, rng)
    clouds = {
        "Rademacher: cube vertices": cube,
        "a rotated cube": cube @ rotation.T,
        r"uniform on the sphere of radius $\sqrt{3}$": LAWS["sphere"].sample(3, rng, size=num_sphere_points),
    }
    # 3-D axes have no constrained layout (their tick labels stick out of the box it computes): fixed margins.
    fig = Figure(figsize=(10, 3.8))
    fig.subplots_adjust(left=0.01, right=0.95, bottom=0.06, top=0.92, wspace=0.2)
    for index, (title, points) in enumerate(clouds.items()):
        ax = fig.add_subplot(1, 3, index + 1, projection="3d")
        ax.scatter(*points.T, s=30 if len(points) == 8 else 4, depthshade=True)
        if len(points) == len(cube):  # draw the cube's edges so its shape reads in 3D
            for i, j in edges:
                ax.plot(*points[[i, j]].T, color="0.6", lw=0.8)
        ax.set(title=title, xlim=(-1.8, 1.8), ylim=(-1.8, 1.8), zlim=(-1.8, 1.8))
        ax.set_box_aspect((1, 1, 1))
        ax.title.set_fontsize(9)
    return fig


# --------------------------------------------------------------------------- sign agreement

def draw_sign_agreement(n: int, law: str = "rademacher", rng=0, num_samples: int = 20_000) -> Figure:
    """The law of the number of agreeing coordinates for a gradient in {±1}^n, with the reference values.

    ``rng`` draws the gradient's signs (each ±1 with probability ½) first, then the tangents.
    """
    laws = demo_laws(n)
    law = check_option("law", law, DEMO_LAWS)
    rng = check_rng("rng", rng)
    grad = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    num_samples = max(2, min(check_int("num_samples", num_samples, minimum=1), MAX_SAMPLED_ENTRIES // n))
    counts = sign_agreement_counts(laws[law], grad, rng, num_samples)
    fig, ax = _figure(8, 3.4, 1)
    low, high = max(0.0, n / 2 - 4 * np.sqrt(n)), min(float(n), n / 2 + 4 * np.sqrt(n))
    # Counts are integers (a tie n/2 only for even n), so bins are centred on integers.
    bins = np.arange(np.floor(low) - 0.5, high + 1.5, max(1, int(np.ceil(np.sqrt(n) / 8))))
    _histogram(ax, counts, bins, LAW_COLORS[law])
    values, probabilities = sign_agreement_distribution(n)
    ax.plot(values, probabilities, "k.", ms=4)
    references = [
        (n / 2, "0.5", "-", f"chance n/2 = {n / 2:g}"),
        (expected_sign_agreement(n), "k", "-", f"exact mean, Rademacher = {expected_sign_agreement(n):.4f}"),
        (sign_bound(n), "tab:orange", "-", f"asymptotic n/2 + √(n/2π) = {sign_bound(n):.4f}"),
        (counts.mean(), LAW_COLORS[law], "--", f"Monte-Carlo mean, {law} = {counts.mean():.3f}"),
    ]
    for value, color, style, _ in references:
        ax.axvline(value, color=color, ls=style, lw=1.2)
    # One text block instead of a legend: a legend costs half of the page's rendering time.
    ax.text(0.99, 0.97, "\n".join(label for *_, label in references), transform=ax.transAxes, ha="right",
            va="top", fontsize=9, family="monospace")
    ax.set(xlim=(low - 0.5, high + 0.5), xlabel="number of coordinates with sign(g_i) = sign(∂_i f)",
           yticks=[], title=f"n = {n}: {law}, {num_samples} samples (bars); exact law for Rademacher (dots)")
    fixed_ticks(ax.xaxis, integer=True)
    return fig


def draw_sign_excess(max_n: int = 10**6) -> Figure:
    """(agreement − n/2)/n against n up to ``max_n`` on log axes, and √n (exact − asymptotic)."""
    max_n = check_int("max_n", max_n, minimum=2)
    n = np.unique(np.logspace(0, np.log10(max_n), 300).astype(int))
    odd, even = n[n % 2 == 1], n[n % 2 == 0]
    fig, axes = _figure(9.4, 3.6, 2, constrained=True)
    for subset, marker, label in [(odd, "o", "exact, odd n"), (even, "s", "exact, even n")]:
        axes[0].loglog(subset, (expected_sign_agreement(subset) - subset / 2) / subset, marker, ms=2.5, label=label)
        axes[1].semilogx(subset, np.sqrt(subset) * (expected_sign_agreement(subset) - sign_bound(subset)),
                         marker, ms=2.5, label=label)
    axes[0].loglog(n, 1 / np.sqrt(2 * np.pi * n), "k-", lw=0.8, label=r"asymptotic $1/\sqrt{2\pi n}$")
    axes[0].set(xlabel="n", title="(expected agreement − n/2) / n")
    axes[1].axhline(SIGN_EXCESS_CONSTANT, color="tab:red", lw=0.8, label=f"C = {SIGN_EXCESS_CONSTANT:.4f}")
    axes[1].axhline(0, color="k", lw=0.8)
    axes[1].set(xlabel="n", title=r"$\sqrt{n}\,$(exact − asymptotic value)")
    for ax in axes:
        ax.legend(fontsize=9)
    return fig


def draw_linear_objectives(rng=0, num_steps: int = 100, num_runs: int = 20) -> Figure:
    """f(θ) = μᵀθ with μ ∈ {±1}^n: SGD step sizes, Adam-like progress per step, and simulated runs."""
    num_steps = check_int("num_steps", num_steps, minimum=1)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    rng = check_rng("rng", rng)
    ns = np.unique(np.logspace(0, 3, 13).astype(int))
    fig, axes = _figure(13.5, 3.8, 3, constrained=True)
    axes[0].loglog(ns, ns, "o-", color=LAW_COLORS["rademacher"], ms=3, label="forward, Rademacher: n")
    axes[0].loglog(ns, ns + 2, "s--", color=LAW_COLORS["gaussian"], ms=3, label="forward, Gaussian: n + 2")
    axes[0].loglog(ns, np.ones_like(ns), "k-", label="true gradient: 1")
    axes[0].set(xlabel="n", title="SGD: E‖step‖² / ‖μ‖²  (mean gain −‖μ‖² for all)")
    sign_progress = [sign_descent_progress(np.ones(n)) / n for n in ns]
    memory_progress = [adam_long_memory_progress("rademacher", np.ones(n)) / n for n in ns]
    gaussian_progress = [sample_sign_descent_progress("gaussian", np.ones(n), rng, 2000).mean / n for n in ns]
    axes[1].loglog(ns, sign_progress, "o-", color=LAW_COLORS["rademacher"], ms=3, label="sign descent, Rademacher")
    axes[1].loglog(ns, gaussian_progress, "s", color=LAW_COLORS["gaussian"], ms=3, label="sign descent, Gaussian (MC)")
    axes[1].loglog(ns, memory_progress, "^-", color="tab:green", ms=3, label="Adam β → 1, Rademacher")
    axes[1].loglog(ns, np.ones_like(ns), "k-", label="true gradient")
    axes[1].set(xlabel="n", title="progress per step / ‖μ‖₁")
    for n, color in zip([10, 100, 1000], ["tab:blue", "tab:green", "tab:purple"]):
        runs = linear_objective_runs("rademacher", np.ones(n), rng, num_steps, rule="sign_descent", num_runs=num_runs)
        axes[2].plot(-runs.mean(axis=0) / n, color=color, label=f"forward, n = {n}")
    axes[2].plot(np.arange(num_steps + 1), "k-", label="true gradient (any n)")
    axes[2].set(xlabel="step t", title="sign descent: (f(θ₀) − f(θ_t)) / n")
    for ax in axes:
        ax.legend(fontsize=9)
    return fig
