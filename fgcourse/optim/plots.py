"""The figures of the chapter *Optimizers* and the Beale explorer's pages.

- :func:`plot_runs`: paths of :class:`~fgcourse.optim.OptimizeResult` runs on the log-spaced
  contours of a test function in the plane, and f(θ_k) − f* against k;
- :func:`draw_mean_estimates`: the true gradient and means of forward gradients at a point;
- :func:`explorer_figure`: one page of the Beale explorer (:data:`EXPLORER_STARTS`), whose
  true runs are kept in :data:`EXPLORER_TRUE_RUNS`;
- the step-size limit of forward SGD (:mod:`fgcourse.optim.step_size`): :func:`draw_spectral_radii`,
  :func:`draw_step_limits`, :func:`draw_mean_square_runs`.

The contours are computed once per (function, box, resolution) and kept: every explorer page
draws the same ones.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from fgcourse import forward_gradient as fg
from fgcourse._checks import (
    check_box,
    check_instance,
    check_int,
    check_positive,
    check_rng,
    check_sequence,
    check_vector,
)
from fgcourse._figures import fixed_ticks
from fgcourse.testfunctions import beale, check_plane_function, contour_grid

from .minimize import check_optimize_result, forward_runs_batch, minimize
from .step_size import MeanSquareRuns, forward_sgd_step_limit, spectral_radii

__all__ = ["RUN_COLORS", "RUN_ZORDERS", "plot_runs", "draw_mean_estimates", "EXPLORER_STARTS", "EXPLORER_TRUE_RUNS",
           "MAX_EXPLORER_TRUE_RUNS", "EXPLORER_SEEDS", "EXPLORER_FORWARD_RUNS", "MAX_EXPLORER_FORWARD_RUNS",
           "explorer_figure", "LIMIT_COLORS", "draw_spectral_radii", "draw_step_limits",
           "draw_mean_square_runs"]

RUN_COLORS = {"true": "C0", "forward": "C3"}
RUN_ZORDERS = {"true": 3, "forward": 2}
"""The true runs are drawn above the forward ones, which would otherwise hide them."""



def _title(title):
    return None if title is None else check_instance("title", title, str, "a string or None")


@functools.lru_cache(maxsize=16)
def _contour_lines(function, box, num):
    """The log-spaced contour lines of f − f* on ``function``'s ``box`` (a tuple or None):
    ``(limits, paths, colors)``, computed once per (function, box, num) and kept, since every
    explorer page draws the same contours."""
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    X, Y, Z = contour_grid(function, box, num=num)
    gap = Z - function.minimum
    levels = np.logspace(np.log10(max(gap.min(), 1e-3)), np.log10(gap.max()), 20)
    lines = Figure().add_subplot().contour(X, Y, gap, levels=levels, norm=LogNorm(), cmap="Greys")
    limits = ((X.min(), X.max()), (Y.min(), Y.max()))
    return limits, tuple(lines.get_paths()), lines.get_edgecolor()


def _contours(ax, function, box, num):
    """Log-spaced contours of f − f* (computed once per function and box) and the minimizer's star."""
    from matplotlib.collections import PathCollection

    (x_limits, y_limits), paths, colors = _contour_lines(function, box, num)
    # Drawn as the ContourSet drew them: one path per level, unfilled, at the line contours' zorder.
    ax.add_collection(PathCollection(paths, edgecolors=colors, facecolors="none", linewidths=0.7, zorder=2),
                      autolim=False)
    ax.plot(*function.minimizer(2), marker="*", color="gold", markeredgecolor="k", markersize=15, zorder=5)
    ax.set_xlim(*x_limits)
    ax.set_ylim(*y_limits)


def _thinned_steps(num_points: int, budget: int = 400) -> np.ndarray:
    """Indices of at most ~``budget`` points to draw: every early step, then evenly spaced.

    Rendering thousands of points per line dominates an explorer update; the early steps,
    where iterates move most, are kept in full.
    """
    if num_points <= budget:
        return np.arange(num_points)
    early = budget // 4
    return np.unique(np.concatenate([np.arange(early), np.linspace(early, num_points - 1, budget - early).astype(int)]))


def _padded(limits, margin: float = 0.03):
    """``limits`` widened by ``margin`` of their span on each side."""
    low, high = limits
    pad = margin * (high - low)
    return low - pad, high + pad


def _log_padded(values, margin: float = 0.05):
    """Limits of a log axis holding every positive finite value of ``values``, widened by ``margin``
    of their span in decades on each side (one decade around a single value; (0.1, 10) without any)."""
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 0.1, 10.0
    low, high = np.log10(values.min()), np.log10(values.max())
    pad = margin * (high - low) if high > low else 0.5
    return 10.0 ** (low - pad), 10.0 ** (high + pad)


def plot_runs(function, runs, box=None, axes=None, title=None):
    """Paths on log-spaced contours (left) and f(θ_k) − f* against k (right).

    ``function`` is a two-dimensional :class:`~fgcourse.testfunctions.TestFunction`,
    ``runs`` a sequence of :class:`OptimizeResult` in the plane (every row of each is drawn,
    colored by its gradient kind: true in blue, above the forward ones in red), ``box`` the
    contour window ``((x_low, x_high), (y_low, y_high))``, ``axes`` two matplotlib axes to
    draw on. Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection

    function = check_plane_function("function", function)
    runs = check_sequence("runs", runs, check_optimize_result, what="OptimizeResults from minimize()")
    for index, run in enumerate(runs):
        if run.path.shape[-1] != 2:
            raise ValueError(f"runs[{index}] must be a run in the plane (n = 2), got paths of shape {run.path.shape}")
    box = None if box is None else check_box("box", box)
    title = _title(title)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    contour_ax, loss_ax = check_sequence(
        "axes", axes, lambda name, ax: check_instance(name, ax, Axes, "matplotlib Axes"), min_length=2, max_length=2,
        what="matplotlib Axes (contours, values)")
    _contours(contour_ax, function, box, num=100)
    loss_ax.set_yscale("log")
    last_step, drawn_gaps = 0, []
    for run in runs:
        color, zorder = RUN_COLORS[run.gradient], RUN_ZORDERS[run.gradient]
        paths = run.path if run.path.ndim == 3 else run.path[:, None, :]
        gaps = (run.fun_path if run.fun_path.ndim == 2 else run.fun_path[:, None]) - function.minimum
        steps = _thinned_steps(paths.shape[0])
        paths, gaps = paths[steps], np.maximum(gaps[steps], 1e-16)
        # One artist per run and panel (the rows' lines, the rows' starts): a Line2D per row
        # costs more to build and draw than its 400 points.
        style = dict(colors=color, linewidths=1, alpha=0.8, zorder=zorder, label=f"{run.gradient} gradient")
        contour_ax.add_collection(LineCollection(paths.transpose(1, 0, 2), **style), autolim=False)
        contour_ax.plot(paths[0, :, 0], paths[0, :, 1], "o", color=color, markersize=4, zorder=zorder)
        loss_ax.add_collection(LineCollection([np.column_stack([steps, gaps[:, r]]) for r in range(gaps.shape[1])],
                                              **style), autolim=False)
        last_step = max(last_step, int(steps[-1]))
        drawn_gaps.append(gaps[np.isfinite(gaps)])
    # The view is set from the data drawn: a collection's data limits on a log axis are computed in
    # the axis's linear coordinates, and autoscale then cuts curves at both ends of the log range.
    loss_ax.set_xlim(*_padded((0.0, max(last_step, 1))))
    loss_ax.set_ylim(*_log_padded(np.concatenate(drawn_gaps)))
    # Plain-text labels: mathtext parsing (tick labels like 10^-5 included) would cost
    # a third of an explorer update; a few fixed ticks save most of the rest of the axes' time.
    contour_ax.set_xlabel("x")
    contour_ax.set_ylabel("y")
    contour_ax.legend(loc="upper left", fontsize=9)
    loss_ax.set_xlabel("iteration k")
    loss_ax.set_ylabel("f(θ_k) − f*")
    loss_ax.legend(fontsize=9)
    for axis in (contour_ax.xaxis, contour_ax.yaxis, loss_ax.xaxis, loss_ax.yaxis):
        fixed_ticks(axis)
    if title:
        contour_ax.figure.suptitle(title)
    return contour_ax.figure


def _means(means) -> dict:
    """``{law name: {B: mean (2,)}}``, as :func:`forward_gradient_means` returns it."""
    def by_count(name, value):
        check_instance(name, value, Mapping, "a mapping {B: mean forward gradient (2,)}")
        if not value:
            raise ValueError(f"{name} must hold at least one mean, got an empty mapping")
        return {check_int(f"{name} key", B, minimum=1): check_vector(f"{name}[{B}]", mean, 2)
                for B, mean in value.items()}

    check_instance("means", means, Mapping, "a mapping {law name: {B: mean}} from forward_gradient_means()")
    if not means:
        raise ValueError("means must hold at least one law, got an empty mapping")
    return {check_instance("means key", name, str, "a law name"): by_count(f"means[{name!r}]", value)
            for name, value in means.items()}


def draw_mean_estimates(function, theta, means, true_gradient, box=None):
    """Arrows at θ on f's contours: the true gradient (wide, blue) and means of forward gradients.

    One panel per law of ``means`` (``{law name: {B: mean}}``, e.g. from
    :func:`forward_gradient_means`), the means in red, darker for larger B; the arrows share
    one scale, the true one 1.5 units long. Returns the figure.
    """
    import matplotlib.pyplot as plt

    function = check_plane_function("function", function)
    theta = check_vector("theta", theta, 2)
    means = _means(means)
    true_gradient = check_vector("true_gradient", true_gradient, 2)
    if not np.any(true_gradient):
        raise ValueError("true_gradient must be nonzero (it sets the arrows' scale), got [0, 0]")
    box = None if box is None else check_box("box", box)
    scale = 1.5 / np.linalg.norm(true_gradient)
    fig, axes = plt.subplots(1, len(means), figsize=(4.6 * len(means), 4.0), sharey=True, squeeze=False,
                             layout="constrained")
    arrow = dict(angles="xy", scale_units="xy", scale=1)
    for ax, (name, by_count) in zip(axes[0], means.items()):
        _contours(ax, function, box, num=200)
        ax.quiver(*theta, *(scale * true_gradient), color="C0", width=0.014, alpha=0.6, label="true gradient",
                  **arrow)
        for shade, (B, mean) in zip(np.linspace(0.45, 1.0, len(by_count)), sorted(by_count.items())):
            ax.quiver(*theta, *(scale * mean), color=plt.cm.Reds(shade), width=0.005, label=f"mean of {B}", **arrow)
        ax.set_title(f"{name} tangents")
        ax.set_xlabel("x")
        ax.legend(loc="lower right", fontsize=9)
    axes[0, 0].set_ylabel("y")
    return fig


EXPLORER_STARTS = ((0.0, 0.5), (-1.0, -1.0), (1.0, 2.0), (2.0, -2.0), (-2.0, 2.0))
"""The start menu of the Beale explorer."""

EXPLORER_SEEDS = tuple(range(10))
"""The seeds of the Beale explorer's seed slider."""

EXPLORER_TRUE_RUNS: dict = {}
"""The explorer's true-gradient runs, by (function, start, optimizer, lr, max_iter): they do not
depend on the tangent law or the seed, so changing those reruns only the forward runs."""

MAX_EXPLORER_TRUE_RUNS = 256
"""Runs kept in ``EXPLORER_TRUE_RUNS`` (a few kB each): every start of the menu for each page of the grid."""

EXPLORER_FORWARD_RUNS: dict = {}
"""The explorer's forward-gradient runs (``num_runs`` rows each), by (function, start, optimizer, lr,
max_iter, law, num_runs, seed)."""

MAX_EXPLORER_FORWARD_RUNS = 1024
"""Batches kept in ``EXPLORER_FORWARD_RUNS`` (36 kB each at 5 runs of 300 steps, 37 MB in all):
every start for each page of the grid, and a few seeds more for some of them."""


def _forward_runs(function, start, starts, seeds, rng, num_runs, optimizer, lr, max_iter, law):
    """The ``num_runs`` forward runs from ``start`` with ``rng``, as :func:`true_and_forward_runs` draws them.

    With an int seed, they come from ``EXPLORER_FORWARD_RUNS``, filled by :func:`forward_runs_batch`,
    whose batches of a few seeds from every start of ``starts`` cost about what one start's runs
    cost. A page for a new setting computes its seed from every start; a further seed at that
    setting means the reader moves the seed slider: that seed and its neighbours on the slider
    (in ``seeds``) are computed at once, so the next step of the slider finds its runs. A
    Generator is used as it is, its runs not kept.
    """
    common = dict(optimizer=optimizer, lr=lr, max_iter=max_iter, law=law)
    if isinstance(rng, np.random.Generator):
        return minimize(function, np.tile(start, (num_runs, 1)), gradient="forward", rng=rng, **common)
    check_rng("rng", rng)  # the one rng rule, then an int seed
    seed = int(rng)

    def key(point, seed):
        return function.name, tuple(point), repr(optimizer), repr(lr), repr(max_iter), repr(law), num_runs, seed

    if key(start, seed) not in EXPLORER_FORWARD_RUNS:
        batch = list(dict.fromkeys([tuple(start), *starts]))
        todo = [seed]
        if any(key(start, k) in EXPLORER_FORWARD_RUNS for k in seeds):
            todo += [k for k in (seed - 1, seed + 1) if k in seeds and key(start, k) not in EXPLORER_FORWARD_RUNS]
        runs = forward_runs_batch(function, np.array(batch), todo, num_runs=num_runs, **common)
        if len(EXPLORER_FORWARD_RUNS) + len(todo) * len(batch) > MAX_EXPLORER_FORWARD_RUNS:
            EXPLORER_FORWARD_RUNS.clear()
        EXPLORER_FORWARD_RUNS.update({key(point, k): runs[i][s] for i, k in enumerate(todo)
                                      for s, point in enumerate(batch)})
    return EXPLORER_FORWARD_RUNS[key(start, seed)]


def explorer_figure(lr, start=(0.0, 0.5), law="rademacher", optimizer="sgd", *, function=None, rng=0,
                    max_iter=300, num_runs=5, box=None, starts=EXPLORER_STARTS, seeds=EXPLORER_SEEDS):
    """The Beale explorer's page: the runs of :func:`true_and_forward_runs` from ``start``, drawn by :func:`plot_runs`.

    300 steps by default, not more: a live update of the explorer may rerun the optimizations,
    and each step is an autograd pass over a batch, whose cost is autograd's per-call overhead
    (0.2-0.3 ms per step here; ``benchmarks/bench_explorers.py``), whatever the batch's size.
    So the runs are batched and kept: the true runs of every start of ``starts`` (the start menu)
    at once, kept in ``EXPLORER_TRUE_RUNS`` for the other laws and seeds, and the forward runs
    of every start for the seed ``rng`` at once, kept in ``EXPLORER_FORWARD_RUNS`` (with the
    seed's neighbours in ``seeds``, the seed slider's, once a second seed is asked for at a
    setting; :func:`forward_runs_batch`). Each row of a batch is the run from its start and
    seed, as a run alone computes it. Precomputing the pages of the other controls then leaves
    every start cached, so a live update that changes the start only draws, and so does a step
    of the seed slider to a seed computed with its neighbour. The title names every argument
    the explorer controls.
    """
    from matplotlib.figure import Figure

    function = check_plane_function("function", beale if function is None else function)
    start = check_vector("start", start, 2)
    starts = check_sequence("starts", starts, lambda name, point: tuple(check_vector(name, point, 2)),
                            what="starts (x, y)")
    seeds = check_sequence("seeds", seeds, lambda name, seed: check_int(name, seed, minimum=0), what="int seeds")
    num_runs = check_int("num_runs", num_runs, minimum=1)
    common = dict(optimizer=optimizer, lr=lr, max_iter=max_iter, law=law)

    def key(point):
        return function.name, tuple(point), repr(optimizer), repr(lr), repr(max_iter)

    if key(start) not in EXPLORER_TRUE_RUNS:
        if len(EXPLORER_TRUE_RUNS) >= MAX_EXPLORER_TRUE_RUNS:
            EXPLORER_TRUE_RUNS.clear()
        batch = list(dict.fromkeys([tuple(start), *starts]))
        runs = minimize(function, np.array(batch), gradient="true", **common)
        EXPLORER_TRUE_RUNS.update({key(point): runs.row(r) for r, point in enumerate(batch)})
    true_run = EXPLORER_TRUE_RUNS[key(start)]
    forward_runs = _forward_runs(function, start, starts, seeds, rng, num_runs, **common)
    status = ", ".join(sorted(set(forward_runs.status)))
    title = (f"{forward_runs.optimizer}, lr = {lr:g}, {fg.tangent_law(law).name} tangents, "
             f"from ({start[0]:g}, {start[1]:g}), seed {rng}: true {true_run.status}, forward {status}")
    fig = Figure(figsize=(10, 4))  # not a pyplot figure: an explorer renders its pages itself
    fig.subplots_adjust(wspace=0.25)
    return plot_runs(function, [true_run, forward_runs], box=box, axes=fig.subplots(1, 2), title=title)


# ------------------------------------------------------------------------ the step-size limit

LIMIT_COLORS = {"true": "#0072B2", "rademacher": "#D55E00", "gaussian": "#E69F00", "sphere": "#009E73"}
"""Okabe-Ito colours, one per gradient (true) or tangent law, told apart with any colour vision."""
"""The colours of the step-size figures: true SGD, then forward SGD by tangent law."""


def draw_spectral_radii(a, laws, lrs, title=None):
    """ρ(M) against the learning rate (:func:`~fgcourse.optim.step_size.spectral_radii`), one line per
    law of ``laws``, its limit :func:`~fgcourse.optim.step_size.forward_sgd_step_limit` dashed: ρ(M)
    dips below 1 on an interval that starts at 0 and ends at the limit. Returns the figure."""
    import matplotlib.pyplot as plt

    laws = check_sequence("laws", laws, lambda name, law: fg.tangent_law(law, name), what="tangent laws")
    radii = {law.name: spectral_radii(a, law, lrs) for law in laws}  # checks a and lrs
    lrs = np.asarray(lrs, dtype=float)
    title = _title(title)
    fig, ax = plt.subplots(figsize=(4.8, 3.4), layout="constrained")
    for law in laws:
        color = LIMIT_COLORS.get(law.name, "#CC79A7")
        ax.plot(lrs, radii[law.name], color=color, label=f"{law.name} tangents")
        ax.axvline(forward_sgd_step_limit(a, law), color=color, ls="--", lw=1)
    ax.axhline(1, color="k", lw=0.8)
    ax.set_xlabel("learning rate α")
    ax.set_ylabel("spectral radius of M")
    if title:
        ax.set_title(title)
    ax.legend()
    return fig


def draw_step_limits(dims, limits, reference: float | None = 0.01):
    """The largest stable learning rate against the dimension, log-log, from
    :func:`~fgcourse.optim.step_size.hyperellipsoid_step_limits` (``{"true": ..., law name: ...}``),
    with the sources' learning rate ``reference`` dotted (``None``: none). Returns the figure."""
    import matplotlib.pyplot as plt

    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    check_instance("limits", limits, Mapping, "a mapping {\"true\" or law name: limits} from "
                   "hyperellipsoid_step_limits()")
    if not limits:
        raise ValueError("limits must hold at least one series, got an empty mapping")
    limits = {check_instance("limits key", key, str, "\"true\" or a law name"):
              check_vector(f"limits[{key!r}]", values, len(dims), against="dims") for key, values in limits.items()}
    if reference is not None:
        reference = check_positive("reference", reference)
    fig, ax = plt.subplots(figsize=(4.8, 3.6), layout="constrained")
    for key, values in limits.items():
        label = "true SGD" if key == "true" else f"forward, {key}"
        ax.loglog(dims, values, color=LIMIT_COLORS.get(key, "#CC79A7"), label=label)
    if reference is not None:
        ax.loglog(dims, reference * np.ones(len(dims)), "k:", lw=1, label=f"lr = {reference:g} (the sources)")
    ax.set_xlabel("dimension n")
    ax.set_ylabel("largest stable learning rate")
    ax.set_title("hyperellipsoid Σ i x_i²")
    ax.legend()
    return fig


def draw_mean_square_runs(results):
    """One panel per :class:`~fgcourse.optim.step_size.MeanSquareRuns` of ``results``: the predicted
    E‖θ_k‖² (dashed), and the mean and the median of ‖θ_k‖² over the runs, against the step k.
    Returns the figure."""
    import matplotlib.pyplot as plt

    results = check_sequence("results", results, lambda name, result: check_instance(
        name, result, MeanSquareRuns, "MeanSquareRuns from mean_square_runs()"), what="MeanSquareRuns")
    fig, axes = plt.subplots(1, len(results), figsize=(4.6 * len(results), 3.6), sharey=True,
                             squeeze=False, layout="constrained")
    for ax, result in zip(axes[0], results):
        num_runs = result.squares.shape[1]
        ax.semilogy(result.predicted, "k--", label="predicted mean, Σ (M^k d_0)_i")
        ax.semilogy(result.squares.mean(axis=1), color="C3", label=f"mean over {num_runs} runs")
        ax.semilogy(np.median(result.squares, axis=1), color="C0", label=f"median over {num_runs} runs")
        ax.set_title(f"{result.law} tangents, lr = {result.factor:g} x limit")
        ax.set_xlabel("step k")
    axes[0, 0].set_ylabel("‖θ_k‖²")
    axes[0, 0].legend(fontsize=9)
    return fig
