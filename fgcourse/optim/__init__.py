"""Optimizers fed by true or forward gradients: SGD, clipped SGD, Adam, AdaBelief, and their runs.

Notation (the book's): θ_k is the iterate after k steps, g_k the gradient estimate used by
step k (computed at θ_{k−1}), α the learning rate, and every update is θ_k = θ_{k−1} + α d_k,
where the *direction* d_k is what distinguishes the optimizers. Runs are vectorized over a
batch of R starts (θ of shape ``(R, n)``, one row per *run*; B always counts tangents).

The subpackage, one module per seam:

- :mod:`~fgcourse.optim.optimizers`: the optimizers (:class:`SGD`, :class:`ClippedSGD`,
  :class:`Adam`, :class:`AdaBelief`, registered in :data:`OPTIMIZERS`; Adam's limits
  :class:`SignDescent` and :class:`AdamLongMemory`) and :func:`get_optimizer`;
- :mod:`~fgcourse.optim.minimize`: :func:`minimize` with the true or the forward gradient
  oracle, its :class:`OptimizeResult` and statuses, :func:`true_and_forward_runs` (from one
  start), :func:`true_and_forward_batch` (from each row of a batch of starts),
  :func:`iterations_to_reach`, :func:`forward_gradient_means`;
- :mod:`~fgcourse.optim.step_size`: the step-size limits of true and forward SGD on a
  diagonal quadratic (:func:`sgd_step_limit`, :func:`forward_sgd_step_limit`,
  :func:`second_moment_recursion`, :func:`spectral_radii`, :func:`mean_square_runs`, ...), the
  notebook ``step_size.ipynb``;
- :mod:`~fgcourse.optim.linear`: runs on the linear objective μᵀθ (:func:`minimize_linear`,
  :func:`linear_objective_runs`, :func:`linear_sgd_paths`, :func:`adam_progress_table`);
- :mod:`~fgcourse.optim.plots`: :func:`plot_runs`, :func:`draw_mean_estimates`, the Beale
  explorer's pages (:func:`explorer_figure`) and the step-size figures (:func:`draw_spectral_radii`,
  :func:`draw_step_limits`, :func:`draw_mean_square_runs`).

Every public name is re-exported here: ``from fgcourse.optim import minimize``.
"""

from .linear import (
    LINEAR_OPTIMIZERS,
    LINEAR_RULES,
    AdamProgress,
    adam_progress_table,
    linear_objective_runs,
    linear_sgd_paths,
    minimize_linear,
)
from .minimize import (
    GRADIENTS,
    OPTIMIZE_STATUSES,
    OptimizeResult,
    blow_ups,
    check_optimize_result,
    forward_gradient_means,
    forward_runs_batch,
    iterations_to_reach,
    minimize,
    true_and_forward_batch,
    true_and_forward_runs,
    true_gradient_batch,
)
from .optimizers import (
    OPTIMIZERS,
    SGD,
    AdaBelief,
    Adam,
    AdamLongMemory,
    ClippedSGD,
    Optimizer,
    SignDescent,
    get_optimizer,
)
from .plots import (
    EXPLORER_FORWARD_RUNS,
    EXPLORER_SEEDS,
    EXPLORER_STARTS,
    EXPLORER_TRUE_RUNS,
    LIMIT_COLORS,
    MAX_EXPLORER_FORWARD_RUNS,
    MAX_EXPLORER_TRUE_RUNS,
    RUN_COLORS,
    RUN_ZORDERS,
    draw_mean_estimates,
    draw_mean_square_runs,
    draw_spectral_radii,
    draw_step_limits,
    explorer_figure,
    plot_runs,
)
from .step_size import (
    MAX_DENSE_DIM,
    MeanSquareRuns,
    forward_sgd_step_limit,
    hyperellipsoid_step_limits,
    mean_square_path,
    mean_square_runs,
    second_moment_recursion,
    sgd_step_limit,
    spectral_radii,
    step_limit_runs,
)

__all__ = [
    "Optimizer", "SGD", "ClippedSGD", "Adam", "AdaBelief", "OPTIMIZERS", "get_optimizer", "GRADIENTS",
    "true_gradient_batch", "OPTIMIZE_STATUSES", "OptimizeResult", "minimize",
    "iterations_to_reach", "true_and_forward_runs", "true_and_forward_batch", "forward_runs_batch",
    "forward_gradient_means", "plot_runs",
    "draw_mean_estimates", "explorer_figure", "sgd_step_limit", "second_moment_recursion",
    "forward_sgd_step_limit", "mean_square_path", "step_limit_runs",
    "SignDescent", "AdamLongMemory", "blow_ups", "check_optimize_result", "minimize_linear", "LINEAR_OPTIMIZERS",
    "LINEAR_RULES",
    "linear_objective_runs", "linear_sgd_paths", "AdamProgress", "adam_progress_table", "RUN_COLORS", "RUN_ZORDERS",
    "EXPLORER_STARTS", "EXPLORER_TRUE_RUNS", "MAX_EXPLORER_TRUE_RUNS", "EXPLORER_SEEDS",
    "EXPLORER_FORWARD_RUNS", "MAX_EXPLORER_FORWARD_RUNS", "spectral_radii", "MAX_DENSE_DIM",
    "hyperellipsoid_step_limits", "MeanSquareRuns", "mean_square_runs", "LIMIT_COLORS", "draw_spectral_radii",
    "draw_step_limits", "draw_mean_square_runs",
]
