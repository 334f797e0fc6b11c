"""The figures of the chapter "Experiments": the sources' figures, redrawn with the course's code.

- trajectories from random starts on a plane test function (belouze2022paper Fig. 4), with
  :func:`plane_starts`, :func:`lr_stability` and :func:`largest_hessian_eigenvalue`;
- the hyperellipsoid in several dimensions, SGD and Adam (belouze2022paper Fig. 5):
  :func:`hyperellipsoid_runs`, :func:`draw_hyperellipsoid`;
- SGD on a linear objective (belouze2022paper Fig. 3): :func:`linear_sgd_paths`,
  :func:`draw_linear_objective`;
- the spiral (belouze2022report §6.1.1): :func:`draw_spiral`;
- performance and accuracy profiles of a :func:`~fgcourse.experiments.run_grid` table
  (belouze2022paper Fig. 6, belouze2022report Fig. 8): :func:`profile_times`,
  :func:`profile_summary`, :func:`draw_performance_profiles`, :func:`draw_accuracy_profiles`,
  :func:`draw_profile_page` (the explorer's page);
- batch mode (belouze2022report §6.3): :func:`batch_variance`, :func:`equal_budget_runs`,
  :func:`draw_batch_mode`;
"""

from __future__ import annotations

import numpy as np

import fgcourse.forward_gradient as fg
from fgcourse._checks import (
    check_array,
    check_instance,
    check_int,
    check_option,
    check_positive,
    check_rng,
    check_sequence,
    check_vector,
)
from fgcourse.experiments.grid import PAPER_DIMS
from fgcourse.experiments.profiles import (
    SOLVER_ORDER,
    accuracy_inputs,
    accuracy_profile,
    performance_profile,
    solver_table,
)
from fgcourse.experiments.stored import rerun_batches  # noqa: F401  (its home is .stored)
from fgcourse.optim import OptimizeResult, minimize
from fgcourse.testfunctions import TEST_FUNCTIONS, TestFunction

__all__ = [
    "SOLVER_SETS", "SOLVER_COLORS", "largest_hessian_eigenvalue", "plane_starts", "lr_stability",
    "hyperellipsoid_runs", "draw_hyperellipsoid", "linear_sgd_paths", "draw_linear_objective", "draw_spiral",
    "profile_times", "profile_summary", "accuracy_summary", "forward_against_true",
    "draw_performance_profiles", "draw_accuracy_profiles",
    "draw_profile_page",
    "batch_variance", "equal_budget_runs", "draw_batch_mode", "rerun_batches",
]

SOLVER_SETS = {
    "all": SOLVER_ORDER,
    "true only": tuple(s for s in SOLVER_ORDER if s.endswith("/true")),
    "forward only": tuple(s for s in SOLVER_ORDER if s.endswith("/forward")),
    "SGD family": tuple(s for s in SOLVER_ORDER if s.split("/")[0] in ("sgd", "clipped_sgd")),
    "Adam family": tuple(s for s in SOLVER_ORDER if s.split("/")[0] in ("adam", "adabelief")),
}
"""The explorer's solver sets: name -> solvers (``optimizer/gradient``), a profile's ratios
are taken to the best solver *of the set*."""

SOLVER_COLORS = {f"{optimizer}/{gradient}": color
                 for optimizer, color in zip(("sgd", "clipped_sgd", "adam", "adabelief"), ("C0", "C1", "C2", "C3"))
                 for gradient in ("true", "forward")}
"""One color per optimizer; true gradients solid, forward gradients dashed."""


def _style(solver: str) -> dict:
    return dict(color=SOLVER_COLORS.get(solver, "k"), ls="-" if solver.endswith("/true") else "--")


def _function(name: str, function) -> TestFunction:
    if isinstance(function, str):
        return TEST_FUNCTIONS[check_option(name, function, sorted(TEST_FUNCTIONS))]
    return check_instance(name, function, TestFunction, "a TestFunction of fgcourse.testfunctions or its name")


def _result(name: str, result) -> OptimizeResult:
    return check_instance(name, result, OptimizeResult, "an OptimizeResult from minimize()")


# ------------------------------------------------------------------ trajectories in the plane

def largest_hessian_eigenvalue(function, x) -> float:
    """λ_max(∇²f(x)), by autograd's Hessian: 2/λ_max is the step limit of true SGD near x."""
    from autograd import hessian

    function = _function("function", function)
    x = check_vector("x", x)
    H = hessian(lambda point: function(point))(x)
    return float(np.linalg.eigvalsh(H).max())


def plane_starts(box, num_starts: int, rng) -> np.ndarray:
    """``(num_starts, 2)`` starts uniform in ``box = ((x_low, x_high), (y_low, y_high))``, seeded."""
    box = check_array("box", box, shape=(2, 2))
    if not np.all(box[:, 0] < box[:, 1]):
        raise ValueError(f"box must hold (low, high) pairs with low < high, got {box.tolist()}")
    num_starts = check_int("num_starts", num_starts, minimum=1)
    rng = check_rng("rng", rng)
    return rng.uniform(box[:, 0], box[:, 1], size=(num_starts, 2))


def lr_stability(function, x0, lrs, rng, *, optimizer="sgd", max_iter: int = 2000, eps: float = 0.1):
    """One row per (lr, gradient): how many runs from the rows of ``x0`` diverge and reach f* + ``eps``.

    The true runs start once from each row, the forward runs once each with tangents from
    ``rng``; ``blown_up`` counts the runs that ended "diverged" or "non_finite". A pandas DataFrame
    with columns lr, gradient, runs, blown_up, reached, median_t (steps to the target, NaN if none).
    """
    import pandas as pd

    function = _function("function", function)
    x0 = check_array("x0", x0, ndim=2)
    lrs = check_sequence("lrs", lrs, check_positive, what="learning rates")
    rng = check_rng("rng", rng)
    eps = check_positive("eps", eps)
    target = function.minimum_value(x0.shape[1]) + eps
    rows = []
    for lr in lrs:
        for gradient in ("true", "forward"):
            result = minimize(function, x0, optimizer, lr, gradient=gradient, max_iter=max_iter,
                              rng=rng if gradient == "forward" else None)
            reached = result.fun_path <= target
            steps = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
            rows.append(dict(lr=lr, gradient=gradient, runs=x0.shape[0],
                             blown_up=int(np.isin(result.status, ("diverged", "non_finite")).sum()),
                             reached=int((steps >= 0).sum()),
                             median_t=float(np.median(steps[steps >= 0])) if (steps >= 0).any() else np.nan))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the hyperellipsoid

def hyperellipsoid_runs(dims=PAPER_DIMS, optimizers=("sgd", "adam"), lr: float = 0.01, rng=0, *,
                        max_iter: int = 2000, num_runs: int = 5, seed: int = 0) -> dict:
    """``{(n, optimizer): (true run, forward runs)}`` on the hyperellipsoid Σ i x_i².

    Every run of dimension n starts at the grid's first start of the problem
    (:func:`fgcourse.experiments.starts` with ``seed``); ``num_runs`` forward runs draw their
    tangents from ``rng``.
    """
    from fgcourse.experiments.grid import starts

    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    optimizers = check_sequence("optimizers", optimizers, what="optimizer names")
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    function = TEST_FUNCTIONS["hyperellipsoid"]
    runs = {}
    for n in dims:
        x0 = starts("hyperellipsoid", n, 1, seed)
        for optimizer in optimizers:
            true_run = minimize(function, x0, optimizer, lr, max_iter=max_iter)
            forward_runs = minimize(function, np.repeat(x0, num_runs, axis=0), optimizer, lr, gradient="forward",
                                    max_iter=max_iter, rng=rng)
            runs[n, optimizer] = (true_run, forward_runs)
    return runs


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
    fig, axes = plt.subplots(len(dims), len(optimizers), figsize=(5 * len(optimizers), 2.8 * len(dims)),
                             squeeze=False, sharex=True)
    for (n, optimizer), pair in runs.items():
        true_run, forward_runs = (_result(f"runs[{n, optimizer}]", run) for run in pair)
        ax = axes[dims.index(n), optimizers.index(optimizer)]
        _draw_gaps(ax, forward_runs, 0.0, "C3", "forward gradient")
        _draw_gaps(ax, true_run, 0.0, "C0", "true gradient")
        statuses = ", ".join(sorted(set(np.atleast_1d(forward_runs.status))))
        ax.set_title(f"{optimizer}, n = {n} (forward: {statuses})", fontsize=9)
        ax.legend(fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("iteration k")
    for ax in axes[:, 0]:
        ax.set_ylabel("f(θ_k) − f*")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------ the linear objective

def linear_sgd_paths(law, mu, rng, num_steps: int, *, num_runs: int = 5, lr: float = 0.01) -> np.ndarray:
    """Iterates of forward SGD θ ← θ − lr (μ·v) v on f(θ) = μᵀθ from θ_0 = 0: ``(num_runs, num_steps + 1, n)``.

    The true run is θ_t = −t lr μ; :func:`fgcourse.forward_gradient.linear_objective_runs` gives
    the values only, this gives the iterates (f(θ_t) = paths @ μ).
    """
    law = fg.tangent_law(law)
    mu = check_vector("mu", mu)
    law.check_dimension(mu.size)
    rng = check_rng("rng", rng)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    lr = check_positive("lr", lr)
    V = law.sample(rng, mu.size, size=num_steps * num_runs).reshape(num_steps, num_runs, mu.size)
    steps = -lr * (V @ mu)[:, :, None] * V  # the forward gradient of a linear f is exact: no pass needed
    paths = np.concatenate([np.zeros((1, num_runs, mu.size)), np.cumsum(steps, axis=0)])
    return paths.transpose(1, 0, 2)


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
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
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
        ax.legend(fontsize=8)
    fig.suptitle(f"SGD on f(θ) = μᵀθ, n = {mu.size}, lr = {lr:g}")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------- the spiral

def draw_spiral(true_run, forward_runs):
    """The spiral's runs in 3-D (left, with the valley (sin z, cos z, z)) and f(θ_k) against k (right)."""
    import matplotlib.pyplot as plt

    true_run = _result("true_run", true_run)
    forward_runs = _result("forward_runs", forward_runs)
    fig = plt.figure(figsize=(11, 4.5))
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
    ax3.legend(fontsize=7, loc="upper left")
    values.set_xlabel("iteration k")
    values.set_ylabel("f(θ_k) − f*")
    values.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------ profiles

def _solvers(solvers):
    if isinstance(solvers, str):
        return SOLVER_SETS[check_option("solvers", solvers, tuple(SOLVER_SETS))]
    return check_sequence("solvers", solvers, what="solver names (optimizer/gradient)")


def profile_times(table, n: int, *, solvers="all", budget: float | None = None):
    """The ``(problems, solvers)`` costs t of dimension n, inf where t exceeds ``budget`` (a failure).

    ``solvers`` is a name of :data:`SOLVER_SETS` (the table's solvers of that set) or a
    sequence of solvers of the table.
    """
    named = isinstance(solvers, str)
    solvers = _solvers(solvers)
    times = solver_table(table, "t", n)
    if named:  # a named set keeps the solvers the table has
        solvers = [s for s in solvers if s in times.columns]
    missing = [s for s in solvers if s not in times.columns]
    if missing:
        raise ValueError(f"solvers must be solvers of the table {tuple(times.columns)}, got {missing}")
    times = times[list(solvers)]
    if budget is not None:
        budget = check_positive("budget", budget)
        times = times.where(times <= budget, np.inf)
    return times


def profile_summary(table, dims=PAPER_DIMS, *, solvers="all", budget: float | None = None):
    """ρ_s(1) (share of problems where s is the best) and ρ_s(∞) (share solved), per solver and n.

    A DataFrame indexed by solver with columns ``(n, "rho(1)")`` and ``(n, "solved")``.
    """
    import pandas as pd

    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    columns = {}
    for n in dims:
        times = profile_times(table, n, solvers=solvers, budget=budget)
        rho = performance_profile(times.to_numpy(), [1.0, np.inf])
        columns[n, "rho(1)"] = pd.Series(rho[:, 0], index=times.columns)
        columns[n, "solved"] = pd.Series(rho[:, 1], index=times.columns)
    return pd.DataFrame(columns)


def accuracy_summary(table, dims=PAPER_DIMS, taus=(1.0, 3.0, 10.0), *, M: float = 10.0):
    """R_s(τ) at the grid's budget for each τ of ``taus``, per solver and n: columns ``(n, τ)``."""
    import pandas as pd

    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    taus = check_sequence("taus", taus, check_positive, what="numbers of digits")
    M = check_positive("M", M)
    columns = {}
    for n in dims:
        final, start, best = accuracy_inputs(table, n)
        profile = accuracy_profile(final.to_numpy(), start, best, taus, M=M)
        for j, tau in enumerate(taus):
            columns[n, tau] = pd.Series(profile[:, j], index=final.columns)
    return pd.DataFrame(columns)


def forward_against_true(table, n: int, *, factor: float = 10.0):
    """belouze2022paper's two readings of a profile of dimension n, per solver, as a DataFrame.

    On the problems some true-gradient solver solves (their number is ``.attrs["problems"]``):
    ``slower`` is the share where a forward solver's cost is at least ``factor`` times the best
    true solver's (a failure counts as slower); ``best_true`` the share where a true solver is
    the best of the true solvers (ties count for each).
    """
    import pandas as pd

    factor = check_positive("factor", factor)
    times = profile_times(table, n)
    true = [s for s in times.columns if s.endswith("/true")]
    forward = [s for s in times.columns if s.endswith("/forward")]
    if not true:
        raise ValueError(f"table must hold true-gradient solvers in n = {n}, got {tuple(times.columns)}")
    best_true = times[true].min(axis=1)
    solved = np.isfinite(best_true)
    times, best_true = times[solved], best_true[solved]
    slower = {s: float((times[s] >= factor * best_true).mean()) for s in forward}
    best = {s: float((times[s] == best_true).mean()) for s in true}
    frame = pd.DataFrame({"slower": pd.Series(slower, dtype=float), "best_true": pd.Series(best, dtype=float)})
    frame = frame.reindex([s for s in SOLVER_ORDER if s in frame.index])
    frame.attrs["problems"] = int(solved.sum())
    return frame


def _axes(axes, count: int, width: float = 4.2, height: float = 3.4):
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if axes is None:
        fig, axes = plt.subplots(1, count, figsize=(width * count, height), squeeze=False)
        return fig, list(axes[0])
    axes = check_sequence("axes", axes, lambda name, ax: check_instance(name, ax, Axes, "matplotlib Axes"),
                          min_length=count, max_length=count, what="matplotlib Axes, one per dimension")
    return axes[0].figure, list(axes)


def draw_performance_profiles(table, dims=PAPER_DIMS, *, solvers="all", budget: float | None = None,
                              tau_max: float = 1e3, axes=None):
    """ρ_s(τ) against τ (log scale, 1 to ``tau_max``), one panel per dimension of ``dims``."""
    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    tau_max = check_positive("tau_max", tau_max)
    if tau_max <= 1:
        raise ValueError(f"tau_max must be > 1, got {tau_max:g}")
    fig, axes = _axes(axes, len(dims))
    taus = np.geomspace(1.0, tau_max, 200)
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
    axes[-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig


def draw_accuracy_profiles(table, dims=PAPER_DIMS, *, solvers="all", M: float = 10.0, axes=None):
    """R_s(τ) of the digits gained at the grid's budget (capped at ``M``), one panel per dimension."""
    solvers = _solvers(solvers)
    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    M = check_positive("M", M)
    fig, axes = _axes(axes, len(dims))
    taus = np.linspace(0.0, M, 201)
    for ax, n in zip(axes, dims):
        final, start, best = accuracy_inputs(table, n)
        final = final[[s for s in solvers if s in final.columns]]
        best = np.minimum(start, final.to_numpy().min(axis=1))  # the best of the solvers drawn
        profile = accuracy_profile(final.to_numpy(), start, best, taus, M=M)
        for solver, curve in zip(final.columns, profile):
            ax.step(taus, curve, where="post", label=solver, lw=1.3, **_style(solver))
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("τ (decimal digits gained)")
        ax.set_title(f"n = {n}, {final.shape[0]} problems", fontsize=10)
    axes[0].set_ylabel("R_s(τ)")
    axes[-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig


def draw_profile_page(n: int, *, table, solvers: str = "all", budget: float | None = None):
    """The explorer's page: the performance profile of dimension n for a solver set and a budget."""
    import matplotlib.pyplot as plt

    n = check_int("n", n, minimum=1)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_performance_profiles(table, (n,), solvers=solvers, budget=budget, axes=[ax])
    ax.set_title(f"n = {n}, solvers: {solvers}, budget: {'the grid' if budget is None else f'{budget:g} calls'}",
                 fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return fig


# ---------------------------------------------------------------------------------- batch mode

def batch_variance(f, theta, law, Bs, rng, *, num_samples: int = 2000):
    """For each B: the mean of ‖ḡ_B − ∇f‖² over ``num_samples`` means ḡ_B of B forward gradients, and MSD/B.

    Returns a DataFrame with columns B, measured, predicted (the exact MSD of one tangent,
    :func:`fgcourse.forward_gradient.mean_squared_deviation`, divided by B).
    """
    import pandas as pd
    from autograd import grad

    theta = check_vector("theta", theta)
    law = fg.tangent_law(law)
    Bs = check_sequence("Bs", Bs, lambda name, B: check_int(name, B, minimum=1), what="numbers of tangents")
    rng = check_rng("rng", rng)
    num_samples = check_int("num_samples", num_samples, minimum=1)
    gradient = grad(lambda point: f(point))(theta)
    msd = fg.mean_squared_deviation(law, gradient)
    rows = []
    for B in Bs:
        thetas = np.tile(theta, (num_samples, 1))
        _, G = fg.forward_gradient_batch(f, thetas, law, rng, B=B)
        rows.append(dict(B=B, measured=float(np.mean(np.sum((G - gradient) ** 2, axis=1))), predicted=msd / B))
    return pd.DataFrame(rows)


def equal_budget_runs(function, x0, Bs, budget: int, rng, *, optimizer="sgd", lr: float = 0.01,
                      num_runs: int = 5) -> dict:
    """``{B: forward runs}`` at one budget of JVPs: B tangents per step for budget // B steps.

    Every run starts at ``x0`` (n,); the ``num_runs`` runs of each B draw their tangents from ``rng``.
    """
    function = _function("function", function)
    x0 = check_vector("x0", x0)
    Bs = check_sequence("Bs", Bs, lambda name, B: check_int(name, B, minimum=1), what="numbers of tangents")
    budget = check_int("budget", budget, minimum=max(Bs))
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    X0 = np.tile(x0, (num_runs, 1))
    return {B: minimize(function, X0, optimizer, lr, gradient="forward", B=B, max_iter=budget // B, rng=rng)
            for B in Bs}


def draw_batch_mode(variance, runs: dict, f_star: float = 0.0):
    """Left: ‖ḡ_B − ∇f‖² against B (measured and MSD/B); right: f − f* against JVPs for each B."""
    import matplotlib.pyplot as plt
    import pandas as pd

    check_instance("variance", variance, pd.DataFrame, "a DataFrame from batch_variance()")
    check_instance("runs", runs, dict, "a mapping {B: forward runs} from equal_budget_runs()")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.loglog(variance["B"], variance["predicted"], "k-", lw=1, label="MSD / B (exact)")
    left.loglog(variance["B"], variance["measured"], "o", color="C3", label="measured")
    left.set_xlabel("tangents per step B")
    left.set_ylabel("E‖ḡ_B − ∇f‖²")
    left.legend(fontsize=8)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(runs)))
    for color, (B, run) in zip(colors, runs.items()):
        run = _result(f"runs[{B}]", run)
        gaps = np.maximum(np.atleast_2d(run.fun_path.T).T - f_star, 1e-16)
        jvps = B * np.arange(gaps.shape[0])
        median = np.nanmedian(gaps, axis=1)
        right.semilogy(jvps, median, color=color, lw=1.5, label=f"B = {B}")
    right.set_xlabel("JVPs (B per step)")
    right.set_ylabel("median f(θ_k) − f*")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ reproducibility
