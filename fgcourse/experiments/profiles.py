"""Performance and accuracy profiles: many problems and solvers in one curve per solver.

Performance profile (dolan2002benchmarking; belouze2022paper §5.2). With t_{p,s} the
fixed-target cost of solver s on problem p (inf when it fails), the ratio to the best
solver is r_{p,s} = t_{p,s} / min_s' t_{p,s'} (inf for a failure), and

    ρ_s(τ) = |{p : r_{p,s} ≤ τ}| / |P|,   τ ≥ 1:

ρ_s(1) is the share of problems where s is the best (ties count for every tied solver),
ρ_s(∞) the share it solves. A problem no solver solves counts in |P| and for no solver.

Accuracy profile (belouze2022report §6.2.2), for a fixed budget: with f_p^0 the starting
value, f_p^best the best value found (by any solver, standing for f*) and f_{p,s} the value
solver s ends with, the accuracy is the number of decimal digits gained, capped at M,

    γ_{p,s} = min(−log10((f_{p,s} − f_p^best) / (f_p^0 − f_p^best)), M),

and R_s(τ) = |{p : γ_{p,s} ≥ τ}| / |P|. The solver that found f_p^best gets γ = M. When
f_p^0 = f_p^best no solver improved on the start: γ = 0 for a solver that stayed there
(nothing gained), −inf for one that ended higher.

The readings of a :func:`~fgcourse.experiments.run_grid` table that the chapter prints and
draws come last: :func:`profile_times` (with a budget and a solver set of
:data:`SOLVER_SETS`), :func:`profile_curve` (one solver's curve at a few τ),
:func:`profile_summary`, :func:`profile_rise` (ρ(τ) − ρ(1), the slope at 1 that
belouze2022paper reads), :func:`accuracy_summary` and :func:`forward_against_true`.
"""

from __future__ import annotations

import numpy as np

from fgcourse._checks import check_array, check_int, check_option, check_positive, check_sequence
from fgcourse.experiments.grid import PAPER_DIMS, optimizer_names
from fgcourse.optim.minimize import GRADIENTS
from fgcourse.optim.optimizers import OPTIMIZERS, SGD, Adam, ClippedSGD

__all__ = ["performance_profile", "accuracy_profile", "accuracy", "solver_table", "accuracy_inputs", "solver_order",
           "SOLVER_SETS", "solver_set", "profile_times", "profile_curve", "profile_summary", "profile_rise",
           "accuracy_summary", "forward_against_true"]


def _no_nan(name: str, array: np.ndarray) -> None:
    if np.isnan(array).any():
        raise ValueError(f"{name} must hold no NaN, got {int(np.isnan(array).sum())} NaN entr"
                         f"{'y' if np.isnan(array).sum() == 1 else 'ies'}")


def _taus(taus, minimum=None) -> np.ndarray:
    taus = check_array("taus", taus, ndim=1, min_size=1, finite=False)
    _no_nan("taus", taus)
    if minimum is not None and (taus < minimum).any():
        raise ValueError(f"taus must be >= {minimum:g} (ratios to the best solver), got {taus.min():g}")
    return taus


def performance_profile(times, taus) -> np.ndarray:
    """ρ_s(τ) of Dolan and Moré, shape ``(solvers, taus)``.

    ``times`` is ``(problems, solvers)``: positive costs, ``inf`` for a failure (never NaN,
    never <= 0); ``taus`` are ratios τ ≥ 1 (``inf`` gives the share solved).
    """
    times = check_array("times", times, ndim=2, min_size=1, finite=False)
    _no_nan("times", times)
    if (times <= 0).any():
        raise ValueError(f"times must be > 0 (costs), or inf for a failure, got {times.min():g}")
    taus = _taus(taus, minimum=1.0)
    best = times.min(axis=1, keepdims=True)
    solved = np.isfinite(times)
    with np.errstate(invalid="ignore"):
        ratios = np.where(solved, times / best, np.inf)
    within = solved[:, :, None] & (ratios[:, :, None] <= taus[None, None, :])
    return within.mean(axis=0)


def accuracy_profile(final, start, best, taus, M=10.0) -> np.ndarray:
    """R_s(τ) of the accuracy γ capped at ``M``, shape ``(solvers, taus)``.

    ``final`` is ``(problems, solvers)`` (``inf`` allowed: a run that blew up), ``start``
    and ``best`` are ``(problems,)``, finite, with best ≤ start and best ≤ every final.
    """
    final = check_array("final", final, ndim=2, min_size=1, finite=False)
    _no_nan("final", final)
    if (final == -np.inf).any():
        raise ValueError("final must hold no -inf, got a -inf entry")
    num_problems = final.shape[0]
    start = check_array("start", start, shape=(num_problems,), against="final's problems")
    best = check_array("best", best, shape=(num_problems,), against="final's problems")
    if (best > start).any():
        raise ValueError(f"best must be <= start on every problem, got best - start = {(best - start).max():g}")
    if (final < best[:, None]).any():
        raise ValueError(f"final must be >= best on every problem, got final - best = "
                         f"{(final - best[:, None]).min():g}")
    taus = _taus(taus)
    M = check_positive("M", M)
    return (accuracy(final, start, best, M)[:, :, None] >= taus[None, None, :]).mean(axis=0)


def accuracy(final: np.ndarray, start: np.ndarray, best: np.ndarray, M: float) -> np.ndarray:
    """γ_{p,s}, ``(problems, solvers)``, for checked arrays (see :func:`accuracy_profile`)."""
    gained = final - best[:, None]
    initial = np.broadcast_to((start - best)[:, None], gained.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(initial > 0, gained / np.where(initial > 0, initial, 1.0),
                         np.where(gained > 0, np.inf, 1.0))
        gamma = -np.log10(ratio)
    return np.minimum(gamma, M)


def solver_order() -> tuple[str, ...]:
    """Every solver ``optimizer/gradient`` in the order of tables and figures: the true-gradient
    solvers, then the forward ones, each in the order of :data:`fgcourse.optim.OPTIMIZERS`
    (read when called: a registered optimizer joins the end of each half)."""
    return tuple(f"{optimizer}/{gradient}" for gradient in GRADIENTS for optimizer in optimizer_names())


def solver_table(table, column: str = "t", n: int | None = None):
    """A ``(problems, solvers)`` DataFrame of one column of a :func:`run_grid` table.

    A problem is (function, n, start, repeat): the forward repeats are separate problems,
    and a true-gradient run (deterministic, run once per start) stands in every repeat of
    its start. ``n`` keeps one dimension. Solvers are ordered as :func:`solver_order` says.
    """
    import pandas as pd

    column = check_option("column", column, [c for c in table.columns if c not in ("solver",)])
    if n is not None:
        n = check_int("n", n, minimum=1)
        table = table[table["n"] == n]
        if table.empty:
            raise ValueError(f"n must be a dimension of the table, got {n}")
    num_repeats = int(table["repeat"].max()) + 1
    true_runs = table[table["gradient"] == "true"]
    table = pd.concat([table[table["gradient"] != "true"]]
                      + [true_runs.assign(repeat=repeat) for repeat in range(num_repeats)])
    wide = table.pivot(index=["function", "n", "start", "repeat"], columns="solver", values=column)
    known = solver_order()
    order = [s for s in known if s in wide.columns] + [s for s in wide.columns if s not in known]
    return wide[order]


def accuracy_inputs(table, n: int | None = None, column: str = "f_best"):
    """``(final, start, best)`` for :func:`accuracy_profile` from a :func:`run_grid` table.

    ``final`` is the :func:`solver_table` of ``column`` (by default the best value of each
    run's path, f(x̄) of belouze2022report §6.2.2, at the grid's budget); ``start`` the
    problems' starting values; ``best`` the best value any solver found, or the start
    when none improved on it.
    """
    final = solver_table(table, column, n)
    start = solver_table(table, "f_start", n).min(axis=1).to_numpy()
    best = np.minimum(start, final.to_numpy().min(axis=1))
    return final, start, best


# ------------------------------------------------------------------ readings of a grid's table

SOLVER_SETS = {
    "all": lambda optimizer, gradient: True,
    "true only": lambda optimizer, gradient: gradient == "true",
    "forward only": lambda optimizer, gradient: gradient == "forward",
    "SGD family": lambda optimizer, gradient: isinstance(optimizer, (SGD, ClippedSGD)),
    "Adam family": lambda optimizer, gradient: isinstance(optimizer, Adam),
}
"""The explorer's solver sets: name -> which solvers (an :class:`~fgcourse.optim.Optimizer` of the
registry and a gradient kind) belong to it; a profile's ratios are taken to the best solver *of the
set*. Every set is read from the registry when asked (:func:`solver_set`): a registered optimizer
joins "all", "true only" and "forward only", and a family if it is an instance of its classes
(AdaBelief is an Adam); the two families are the chapter's comparison of SGD's steps with Adam's."""


def solver_set(solvers) -> tuple:
    """The solvers of a name of :data:`SOLVER_SETS` (in :func:`solver_order`), or a sequence of
    solver names (optimizer/gradient), checked."""
    if isinstance(solvers, str):
        member = SOLVER_SETS[check_option("solvers", solvers, tuple(SOLVER_SETS))]
        return tuple(solver for solver in solver_order()
                     if member(OPTIMIZERS[solver.split("/")[0]], solver.split("/")[1]))
    return check_sequence("solvers", solvers, what="solver names (optimizer/gradient)")


def profile_times(table, n: int, *, solvers="all", budget: float | None = None):
    """The ``(problems, solvers)`` costs t of dimension n, inf where t exceeds ``budget`` (a failure).

    ``solvers`` is a name of :data:`SOLVER_SETS` (the table's solvers of that set) or a
    sequence of solvers of the table.
    """
    named = isinstance(solvers, str)
    solvers = solver_set(solvers)
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


def profile_curve(table, n: int, solver: str, taus=(1.0, 2.0, 10.0, np.inf)):
    """One solver's performance profile of dimension n at the ratios ``taus``, as a Series indexed by τ.

    ρ(1) is the share of problems it is the best on, ρ(τ) the share it solves within a factor τ of
    the best solver, ρ(∞) the share it solves; the curve never decreases.
    """
    import pandas as pd

    times = profile_times(table, n)
    solver = check_option("solver", solver, tuple(times.columns))
    taus = _taus(taus, minimum=1.0)
    rho = performance_profile(times.to_numpy(), taus)[list(times.columns).index(solver)]
    return pd.Series(rho, index=pd.Index(taus, name="tau"), name=solver)


def profile_rise(table, dims=PAPER_DIMS, *, tau: float = 2.0):
    """ρ_s(τ) − ρ_s(1) per solver (rows) and dimension (columns): how much of a solver's profile lies
    between the best and a factor ``tau`` of it.

    belouze2022paper reads the slope of the profile at τ = 1, ρ'(1) ≈ 0, for the forward solvers in
    high dimension; with ``tau = 2`` this is that slope as a finite difference over [1, 2]. It is 0
    when the solver is never within a factor ``tau`` of the best without being the best.
    """
    import pandas as pd

    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    tau = check_positive("tau", tau)
    if tau <= 1:
        raise ValueError(f"tau must be > 1, got {tau:g}")
    columns = {}
    for n in dims:
        times = profile_times(table, n)
        rho = performance_profile(times.to_numpy(), [1.0, tau])
        columns[n] = pd.Series(rho[:, 1] - rho[:, 0], index=times.columns)
    return pd.DataFrame(columns)


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

    On the problems some true-gradient solver solves (their number is ``.attrs["problems"]``, the
    functions they come from ``.attrs["functions"]``): ``slower`` is the share where a forward
    solver's cost is at least ``factor`` times the best true solver's (a failure counts as
    slower); ``best_true`` the share where a true solver is the best of the true solvers (ties
    count for each).
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
    frame = frame.reindex([s for s in solver_order() if s in frame.index])
    frame.attrs["problems"] = int(solved.sum())
    frame.attrs["functions"] = tuple(sorted(set(times.index.get_level_values("function"))))
    return frame
