"""The computations of the chapter "Experiments": the runs and measurements its figures draw.

- trajectories from random starts on a plane test function (belouze2022paper Fig. 4):
  :func:`plane_starts`, :func:`lr_stability`, :func:`race_to_target` and :func:`largest_hessian_eigenvalue`;
- the hyperellipsoid in several dimensions, SGD and Adam (belouze2022paper Fig. 5):
  :func:`hyperellipsoid_runs`;
- batch mode (belouze2022report §6.3): :func:`batch_variance`, :func:`equal_budget_runs`.

The figures are :mod:`fgcourse.experiments.plots`'; SGD on a linear objective (Fig. 3) runs
in :mod:`fgcourse.optim.linear` (:func:`~fgcourse.optim.linear_sgd_paths`), and the readings
of the stored grid in :mod:`fgcourse.experiments.profiles`.
"""

from __future__ import annotations

import numpy as np

import fgcourse.forward_gradient as fg
from fgcourse._checks import (
    check_array,
    check_int,
    check_positive,
    check_real,
    check_rng,
    check_sequence,
    check_vector,
)
from fgcourse.experiments.grid import PAPER_DIMS, PAPER_SEED, starts
from fgcourse.optim import check_optimize_result, iterations_to_reach, minimize, true_and_forward_batch
from fgcourse.testfunctions import TEST_FUNCTIONS, check_test_function

__all__ = ["largest_hessian_eigenvalue", "plane_starts", "lr_stability", "race_to_target", "hyperellipsoid_runs",
           "batch_variance", "equal_budget_runs"]


# ------------------------------------------------------------------ trajectories in the plane

def largest_hessian_eigenvalue(function, x) -> float:
    """λ_max(∇²f(x)), by autograd's Hessian: 2/λ_max is the step limit of true SGD near x."""
    from autograd import hessian

    function = check_test_function("function", function)
    x = check_vector("x", x)
    H = hessian(lambda point: function(point))(x)
    return float(np.linalg.eigvalsh(H).max())


def plane_starts(box, rng, num_starts: int) -> np.ndarray:
    """``(num_starts, 2)`` starts uniform in ``box = ((x_low, x_high), (y_low, y_high))``, drawn from ``rng``."""
    box = check_array("box", box, shape=(2, 2))
    if not np.all(box[:, 0] < box[:, 1]):
        raise ValueError(f"box must hold (low, high) pairs with low < high, got {box.tolist()}")
    rng = check_rng("rng", rng)
    num_starts = check_int("num_starts", num_starts, minimum=1)
    return rng.uniform(box[:, 0], box[:, 1], size=(num_starts, 2))


def lr_stability(function, x0, lrs, rng, *, optimizer="sgd", max_iter: int = 2000, eps: float = 0.1):
    """One row per (lr, gradient): how many runs from the rows of ``x0`` diverge and reach f* + ``eps``.

    The true runs start once from each row, the forward runs once each with tangents from
    ``rng`` (:func:`~fgcourse.optim.true_and_forward_batch`); ``blown_up`` counts the runs that
    ended "diverged" or "non_finite". A pandas DataFrame with columns lr, gradient, runs,
    blown_up, reached, median_t (steps to the target, NaN if none).
    """
    import pandas as pd

    function = check_test_function("function", function)
    x0 = check_array("x0", x0, ndim=2)
    lrs = check_sequence("lrs", lrs, check_positive, what="learning rates")
    rng = check_rng("rng", rng)
    eps = check_positive("eps", eps)
    target = function.minimum_value(x0.shape[1]) + eps
    rows = []
    for lr in lrs:
        runs = true_and_forward_batch(function, x0, optimizer, lr, rng=rng, max_iter=max_iter)
        for gradient, result in zip(("true", "forward"), runs):
            reached = result.fun_path <= target
            steps = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
            rows.append(dict(lr=lr, gradient=gradient, runs=x0.shape[0],
                             blown_up=int(np.isin(result.status, ("diverged", "non_finite")).sum()),
                             reached=int((steps >= 0).sum()),
                             median_t=float(np.median(steps[steps >= 0])) if (steps >= 0).any() else np.nan))
    return pd.DataFrame(rows)


def race_to_target(true_runs, forward_runs, level: float):
    """Start by start, the steps each gradient needs to reach f ≤ ``level``, and which one gets there first.

    ``true_runs`` and ``forward_runs`` are the two results of
    :func:`~fgcourse.optim.true_and_forward_batch` (row r of each starts from the same point). A pandas
    DataFrame with one row per start: ``start`` (x_0 as a tuple), ``true`` and ``forward`` (steps to the
    level, -1 if never: the run ran out of steps or blew up first), their ``true_status`` and
    ``forward_status``, and ``first``: "true", "forward", "tie" or "neither". A forward run can be
    first: a noisy step may jump across a valley that the true gradient has to go round.
    """
    import pandas as pd

    true_runs = check_optimize_result("true_runs", true_runs)
    forward_runs = check_optimize_result("forward_runs", forward_runs)
    level = check_real("level", level)
    starts_true, starts_forward = true_runs.path[0], forward_runs.path[0]
    if starts_true.shape != starts_forward.shape or starts_true.ndim != 2:
        raise ValueError(f"forward_runs must start from the rows of true_runs, got starts of shapes "
                         f"{starts_true.shape} and {starts_forward.shape}")
    steps_true = np.atleast_1d(iterations_to_reach(true_runs, level))
    steps_forward = np.atleast_1d(iterations_to_reach(forward_runs, level))

    def first(t, f):
        if t < 0 and f < 0:
            return "neither"
        if f < 0 or 0 <= t < f:
            return "true"
        return "forward" if t < 0 or f < t else "tie"

    return pd.DataFrame({
        "start": [tuple(float(x) for x in point) for point in starts_true],
        "true": steps_true, "forward": steps_forward,
        "true_status": list(true_runs.status), "forward_status": list(forward_runs.status),
        "first": [first(t, f) for t, f in zip(steps_true, steps_forward)],
    })


# --------------------------------------------------------------------------- the hyperellipsoid

def hyperellipsoid_runs(dims=PAPER_DIMS, optimizers=("sgd", "adam"), lr: float = 0.01, rng=0, *,
                        max_iter: int = 2000, num_runs: int = 5) -> dict:
    """``{(n, optimizer): (true run, forward runs)}`` on the hyperellipsoid Σ i x_i².

    Every run of dimension n starts at the paper grid's first start of the problem
    (:func:`fgcourse.experiments.starts` with :data:`~fgcourse.experiments.PAPER_SEED`: a point
    of the problem, not a draw of this function); ``num_runs`` forward runs draw their tangents
    from ``rng``.
    """
    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    optimizers = check_sequence("optimizers", optimizers, what="optimizer names")
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    function = TEST_FUNCTIONS["hyperellipsoid"]
    runs = {}
    for n in dims:
        x0 = starts("hyperellipsoid", n, PAPER_SEED, 1)
        for optimizer in optimizers:
            true_run = minimize(function, x0, optimizer, lr, max_iter=max_iter)
            forward_runs = minimize(function, np.repeat(x0, num_runs, axis=0), optimizer, lr, gradient="forward",
                                    max_iter=max_iter, rng=rng)
            runs[n, optimizer] = (true_run, forward_runs)
    return runs


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


def equal_budget_runs(function, x0, Bs, rng, budget: int, *, optimizer="sgd", lr: float = 0.01,
                      num_runs: int = 5) -> dict:
    """``{B: forward runs}`` at one budget of JVPs: B tangents per step for budget // B steps.

    Every run starts at ``x0`` (n,); the ``num_runs`` runs of each B draw their tangents from ``rng``.
    """
    function = check_test_function("function", function)
    x0 = check_vector("x0", x0)
    Bs = check_sequence("Bs", Bs, lambda name, B: check_int(name, B, minimum=1), what="numbers of tangents")
    rng = check_rng("rng", rng)
    budget = check_int("budget", budget, minimum=max(Bs))
    num_runs = check_int("num_runs", num_runs, minimum=1)
    X0 = np.tile(x0, (num_runs, 1))
    return {B: minimize(function, X0, optimizer, lr, gradient="forward", B=B, max_iter=budget // B, rng=rng)
            for B in Bs}
