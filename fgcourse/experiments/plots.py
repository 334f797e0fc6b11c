"""The figures of the chapter "Experiments": the sources' figures, redrawn with the course's code.

- the hyperellipsoid in several dimensions, SGD and Adam (belouze2022paper Fig. 5):
  :func:`draw_hyperellipsoid` of :func:`~fgcourse.experiments.studies.hyperellipsoid_runs`;
- SGD on a linear objective (belouze2022paper Fig. 3): :func:`draw_linear_objective` of
  :func:`fgcourse.optim.linear_sgd_paths`;
- the spiral (belouze2022report §6.1.1): :func:`draw_spiral`;
- performance and accuracy profiles of a :func:`~fgcourse.experiments.run_grid` table
  (belouze2022paper Fig. 6, belouze2022report Fig. 8): :func:`draw_profile_curve` (one solver's
  curve, read point by point), :func:`draw_performance_profiles`, :func:`draw_accuracy_profiles`,
  :func:`draw_profile_page` (the explorer's page);
- several tangents per step: :func:`draw_batch_mode` of
  :func:`~fgcourse.experiments.studies.batch_variance` and
  :func:`~fgcourse.experiments.studies.equal_budget_runs`.

What the figures draw is computed in :mod:`fgcourse.experiments.studies` (runs and
measurements) and :mod:`fgcourse.experiments.profiles` (readings of the stored table).
"""

from __future__ import annotations

import numpy as np

from fgcourse._checks import (
    check_array,
    check_instance,
    check_int,
    check_positive,
    check_sequence,
    check_vector,
)
from fgcourse.experiments.grid import PAPER_DIMS, optimizer_names
from fgcourse.experiments.profiles import (
    accuracy_inputs,
    accuracy_profile,
    performance_profile,
    profile_curve,
    profile_times,
    solver_set,
    table_solvers,
)
from fgcourse.optim import OptimizeResult, check_optimize_result

__all__ = [
    "solver_color", "draw_hyperellipsoid", "draw_linear_objective", "draw_spiral", "draw_profile_curve",
    "draw_performance_profiles", "draw_accuracy_profiles", "draw_profile_page", "draw_batch_mode",
]

def solver_color(solver: str) -> str:
    """One color per optimizer, whatever its gradient: the k-th optimizer of
    :data:`fgcourse.optim.OPTIMIZERS` draws in the k-th of :data:`fgcourse._figures.SERIES_COLORS`
    (Okabe-Ito: SGD blue, clipped SGD orange, Adam bluish green, AdaBelief vermillion; a registered
    optimizer takes the next), told apart with any colour vision; black for a solver whose optimizer
    is not registered."""
    from fgcourse._figures import SERIES_COLORS

    names = optimizer_names()
    optimizer = solver.split("/")[0]
    return SERIES_COLORS[names.index(optimizer) % 6] if optimizer in names else "k"


def _style(solver: str) -> dict:
    """True gradients solid, forward gradients dashed, in the optimizer's color."""
    return dict(color=solver_color(solver), ls="-" if solver.endswith("/true") else "--")


def _draw_gaps(ax, run: OptimizeResult, f_star: float, color: str, label: str) -> None:
    gaps = np.maximum(run.fun_path - f_star, 1e-16)
    lines = ax.semilogy(np.arange(gaps.shape[0]), gaps, color=color, lw=1, alpha=0.8)
    lines[0].set_label(label)


def draw_hyperellipsoid(runs: dict):
    """f(θ_k) − f* against k, one row per dimension, one column per optimizer (true blue, forward red)."""
    import matplotlib.pyplot as plt

    check_instance("runs", runs, dict, "a mapping {(n, optimizer): (true run, forward runs)}")
    if not runs:
        raise ValueError("runs must hold at least one (n, optimizer) entry, got an empty mapping")
    dims = sorted({n for n, _ in runs})
    optimizers = list(dict.fromkeys(optimizer for _, optimizer in runs))
    fig, axes = plt.subplots(len(dims), len(optimizers), figsize=(4.6 * len(optimizers), 2.8 * len(dims)),
                             squeeze=False, sharex=True, layout="constrained")
    for (n, optimizer), pair in runs.items():
        true_run, forward_runs = (check_optimize_result(f"runs[{n, optimizer}]", run) for run in pair)
        ax = axes[dims.index(n), optimizers.index(optimizer)]
        _draw_gaps(ax, forward_runs, 0.0, "C3", "forward gradient")
        _draw_gaps(ax, true_run, 0.0, "C0", "true gradient")
        statuses = ", ".join(sorted(set(np.atleast_1d(forward_runs.status))))
        ax.set_title(f"{optimizer}, n = {n} (forward: {statuses})", fontsize=9)
        ax.legend(fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("iteration k")
    for ax in axes[:, 0]:
        ax.set_ylabel("f(θ_k) − f*")
    return fig


# ------------------------------------------------------------------------ the linear objective

def draw_linear_objective(mu, paths, lr: float = 0.01):
    """Left: f(θ_t) − f(θ_0) for the true run and the forward runs; right: (θ_1, θ_2) of each path."""
    import matplotlib.pyplot as plt

    mu = check_vector("mu", mu)
    paths = check_array("paths", paths, ndim=3)
    if paths.shape[2] != mu.size:
        raise ValueError(f"paths must have n = {mu.size} coordinates (the size of mu), got {paths.shape[2]}")
    if mu.size < 2:
        raise ValueError(f"mu must have at least 2 coordinates (the right panel draws two), got {mu.size}")
    lr = check_positive("lr", lr)
    t = np.arange(paths.shape[1])
    true_path = -lr * t[:, None] * mu
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.2, 3.8), layout="constrained")
    for r, path in enumerate(paths):
        left.plot(t, path @ mu, color="C3", lw=1, alpha=0.8, label="forward gradient" if r == 0 else None)
        right.plot(path[:, 0], path[:, 1], color="C3", lw=1, alpha=0.8, label="forward gradient" if r == 0 else None)
    left.plot(t, true_path @ mu, color="C0", lw=2, label="true gradient")
    right.plot(true_path[:, 0], true_path[:, 1], color="C0", lw=2, label="true gradient (along −μ)")
    left.set_xlabel("iteration t")
    left.set_ylabel("f(θ_t) − f(θ_0)")
    right.set_xlabel("θ_1")
    right.set_ylabel("θ_2")
    right.set_aspect("equal", adjustable="datalim")
    for ax in (left, right):
        ax.legend(fontsize=9)
    fig.suptitle(f"SGD on f(θ) = μᵀθ, n = {mu.size}, lr = {lr:g}")
    return fig


# ---------------------------------------------------------------------------------- the spiral

def draw_spiral(true_run, forward_runs):
    """The spiral's runs in 3-D (left, with the valley (sin z, cos z, z)) and f(θ_k) against k (right)."""
    import matplotlib.pyplot as plt

    true_run = check_optimize_result("true_run", true_run)
    forward_runs = check_optimize_result("forward_runs", forward_runs)
    fig = plt.figure(figsize=(9.2, 4.2))
    ax3 = fig.add_subplot(1, 2, 1, projection="3d")
    values = fig.add_subplot(1, 2, 2)
    z = np.linspace(-3, 3, 300)
    ax3.plot(np.sin(z), np.cos(z), z, color="0.6", lw=1, label="valley (sin z, cos z, z)")
    for run, color in ((forward_runs, "C3"), (true_run, "C0")):
        paths = run.path if run.path.ndim == 3 else run.path[:, None, :]
        for r in range(paths.shape[1]):
            label = f"{run.gradient} gradient" if r == 0 else None
            ax3.plot(*paths[:, r].T, color=color, lw=1, label=label)
        _draw_gaps(values, run, 0.0, color, f"{run.gradient} gradient")
    ax3.scatter(0, 1, 0, marker="*", s=120, color="gold", edgecolor="k")
    ax3.set_xlabel("x")
    ax3.set_ylabel("y")
    ax3.set_zlabel("z")
    ax3.legend(fontsize=9, loc="upper left")
    values.set_xlabel("iteration k")
    values.set_ylabel("f(θ_k) − f*")
    values.legend(fontsize=9)
    # Fixed margins: a 3-D axes's tick labels stick out of the box that tight or constrained layout computes.
    fig.subplots_adjust(left=0.0, right=0.98, bottom=0.13, top=0.97, wspace=0.28)
    return fig


# ------------------------------------------------------------------------------------ profiles


# ------------------------------------------------------------------------------------ profiles

def _axes(axes, count: int, width: float = 4.2, height: float = 3.4):
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if axes is None:
        fig, axes = plt.subplots(1, count, figsize=(width * count, height), squeeze=False, layout="constrained")
        return fig, list(axes[0])
    axes = check_sequence("axes", axes, lambda name, ax: check_instance(name, ax, Axes, "matplotlib Axes"),
                          min_length=count, max_length=count, what="matplotlib Axes, one per dimension")
    return axes[0].figure, list(axes)


def draw_profile_curve(table, n: int, solver: str, *, marks=(1.0, 2.0, 10.0), max_tau: float = 1e3):
    """One solver's performance profile of dimension n, read point by point.

    The step curve ρ(τ) from τ = 1 to ``max_tau`` (log scale), a dot and its value at each τ of
    ``marks``, and a dotted line at ρ(∞), the share solved, which the curve reaches and never
    passes: ρ(1) is where the curve starts (the share of problems the solver is the best on), a
    steep rise means it is often close to the best, a flat stretch that it is either the best or far
    behind. The title gives the readings. Returns the figure.
    """
    import matplotlib.pyplot as plt

    n = check_int("n", n, minimum=1)
    marks = check_sequence("marks", marks, check_positive, what="ratios tau >= 1")
    max_tau = check_positive("max_tau", max_tau)
    if max_tau <= 1 or min(marks) < 1 or max(marks) > max_tau:
        raise ValueError(f"marks must lie in [1, max_tau] and max_tau must be > 1, got marks {tuple(marks)} and "
                         f"max_tau {max_tau:g}")
    taus = np.geomspace(1.0, max_tau, 300)
    curve = profile_curve(table, n, solver, taus)  # checks the solver
    read = profile_curve(table, n, solver, [*marks, np.inf])
    fig, ax = plt.subplots(figsize=(4.9, 3.8))
    ax.step(taus, curve.to_numpy(), where="post", lw=1.6, **_style(solver))
    ax.axhline(read.iloc[-1], color="0.5", ls=":", lw=1)
    ax.text(max_tau, read.iloc[-1], f"  ρ(∞) = {read.iloc[-1]:.3f}: solved", va="center", fontsize=9)
    for tau, rho in zip(marks, read.to_numpy()[:-1]):
        ax.plot([tau], [rho], "o", color=solver_color(solver), ms=5)
        ax.annotate(f"ρ({tau:g}) = {rho:.3f}", (tau, rho), textcoords="offset points", xytext=(4, -12), fontsize=9)
    ax.set_xscale("log")
    ax.set_xlim(1.0, max_tau)
    ax.set_ylim(-0.02, min(1.02, read.iloc[-1] + 0.2))
    ax.set_xlabel("τ (cost ratio to the best solver)")
    ax.set_ylabel("ρ(τ)")
    readings = ", ".join(f"ρ({tau:g}) = {rho:.3f}" for tau, rho in zip(marks, read.to_numpy()[:-1]))
    ax.set_title(f"{solver}, n = {n}:\n{readings}, ρ(∞) = {read.iloc[-1]:.3f}", fontsize=9)
    fig.subplots_adjust(left=0.14, right=0.70, bottom=0.15, top=0.86)
    return fig


def draw_performance_profiles(table, dims=PAPER_DIMS, *, solvers="all", budget: float | None = None,
                              max_tau: float = 1e3, axes=None):
    """ρ_s(τ) against τ (log scale, 1 to ``max_tau``), one panel per dimension of ``dims``."""
    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    max_tau = check_positive("max_tau", max_tau)
    if max_tau <= 1:
        raise ValueError(f"max_tau must be > 1, got {max_tau:g}")
    fig, axes = _axes(axes, len(dims))
    taus = np.geomspace(1.0, max_tau, 200)
    for ax, n in zip(axes, dims):
        times = profile_times(table, n, solvers=solvers, budget=budget)
        rho = performance_profile(times.to_numpy(), taus)
        for solver, curve in zip(times.columns, rho):
            ax.step(taus, curve, where="post", label=solver, lw=1.3, **_style(solver))
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("τ (cost ratio to the best solver)")
        ax.set_title(f"n = {n}, {times.shape[0]} problems", fontsize=10)
    axes[0].set_ylabel("ρ_s(τ)")
    # The legend is a panel of its own (fgcourse._figures.show), beside the profiles or under them on a phone.
    fig.legend(*axes[-1].get_legend_handles_labels(), fontsize=9, loc="outside right center")
    return fig


def draw_accuracy_profiles(table, dims=PAPER_DIMS, *, solvers="all", M: float = 10.0, axes=None):
    """R_s(τ) of the digits gained at the grid's budget (capped at ``M``), one panel per dimension."""
    solver_set(solvers)  # checked before any work
    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    M = check_positive("M", M)
    fig, axes = _axes(axes, len(dims))
    taus = np.linspace(0.0, M, 201)
    for ax, n in zip(axes, dims):
        final, start, best = accuracy_inputs(table, n)
        final = final[table_solvers(solvers, final.columns)]
        best = np.minimum(start, final.to_numpy().min(axis=1))  # the best of the solvers drawn
        profile = accuracy_profile(final.to_numpy(), start, best, taus, M=M)
        for solver, curve in zip(final.columns, profile):
            ax.step(taus, curve, where="post", label=solver, lw=1.3, **_style(solver))
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("τ (decimal digits gained)")
        ax.set_title(f"n = {n}, {final.shape[0]} problems", fontsize=10)
    axes[0].set_ylabel("R_s(τ)")
    # The legend is a panel of its own (fgcourse._figures.show), beside the profiles or under them on a phone.
    fig.legend(*axes[-1].get_legend_handles_labels(), fontsize=9, loc="outside right center")
    return fig


def draw_profile_page(n: int, *, table, solvers: str = "all", budget: float | None = None):
    """The explorer's page: the performance profile of dimension n for a solver set and a budget."""
    import matplotlib.pyplot as plt

    n = check_int("n", n, minimum=1)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_performance_profiles(table, (n,), solvers=solvers, budget=budget, axes=[ax])
    ax.set_title(f"n = {n}, solvers: {solvers}, budget: {'the grid' if budget is None else f'{budget:g} calls'}",
                 fontsize=10)
    ax.legend(fontsize=9, loc="lower right")
    return fig


# ---------------------------------------------------------------------------------- batch mode

def draw_batch_mode(variance, runs: dict, f_star: float = 0.0):
    """Left: ‖ḡ_B − ∇f‖² against B (measured and MSD/B); right: f − f* against JVPs for each B."""
    import matplotlib.pyplot as plt
    import pandas as pd

    check_instance("variance", variance, pd.DataFrame, "a DataFrame from batch_variance()")
    check_instance("runs", runs, dict, "a mapping {B: forward runs} from equal_budget_runs()")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.2, 3.8), layout="constrained")
    left.loglog(variance["B"], variance["predicted"], "k-", lw=1, label="MSD / B (exact)")
    left.loglog(variance["B"], variance["measured"], "o", color="C3", label="measured")
    left.set_xlabel("tangents per step B")
    left.set_ylabel("E‖ḡ_B − ∇f‖²")
    left.legend(fontsize=9)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(runs)))
    for color, (B, run) in zip(colors, runs.items()):
        run = check_optimize_result(f"runs[{B}]", run)
        gaps = np.maximum(np.atleast_2d(run.fun_path.T).T - f_star, 1e-16)
        jvps = B * np.arange(gaps.shape[0])
        median = np.nanmedian(gaps, axis=1)
        right.semilogy(jvps, median, color=color, lw=1.5, label=f"B = {B}")
    right.set_xlabel("JVPs (B per step)")
    right.set_ylabel("median f(θ_k) − f*")
    right.legend(fontsize=9)
    return fig
