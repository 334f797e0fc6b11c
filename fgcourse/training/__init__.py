"""Training a classifier with forward gradients: data, models, oracles, the loop, stored runs, costs.

Chapter *Training with forward gradients*. Modules: :mod:`.data` (the digits split),
:mod:`.models` (softmax regression and an MLP on one flat θ), :mod:`.estimators` (backprop,
weight and activity perturbation), :mod:`.loop` (:func:`train`), :mod:`.runs` (stored runs, T_f / T_b),
:mod:`.variance` (exact and sampled variances), :mod:`.costs` (time and memory of each mode), :mod:`.plots` (figures),
:mod:`.summaries` (the tables the chapter prints from the stored runs).
"""

from .costs import NestedCosts, StepCosts, deep_tanh_loss, load_costs, nested_costs, save_costs, step_costs
from .data import NUM_CLASSES, Split, check_dataset, digits_split, make_split
from .estimators import (
                   GRADIENTS,
                   activity_gradient,
                   activity_gradients,
                   activity_weight_gradient,
                   step_gradient,
                   true_gradient,
)
from .loop import TRAIN_STATUSES, Setting, TrainResult, minibatches, train
from .models import MODELS, Model, get_model, mlp, softmax_regression
from .plots import (
                   ACTIVITY_TANGENTS_ALT,
                   AXES,
                   METRICS,
                   ORACLES,
                   draw_activity_tangents,
                   draw_budget,
                   draw_cost_ratios,
                   draw_curves,
                   draw_sweep,
                   draw_training_explorer,
                   runs_of,
)
from .runs import (
                   RERUN_TOLERANCES,
                   ROW_COLUMNS,
                   RUN_COLUMNS,
                   RUNS_FORMAT,
                   LevelDrift,
                   RunTable,
                   TimeToReach,
                   check_rerun,
                   concatenate_tables,
                   describe_ratio,
                   level_drift,
                   load_runs,
                   run_settings,
                   run_table,
                   save_runs,
                   time_to_reach,
)
from .summaries import (
                   BLOWN_UP,
                   best_rates,
                   budget_summary,
                   final_summary,
                   final_values,
                   reach_summary,
                   step_seconds,
)
from .variance import (
                   VarianceComparison,
                   activity_mean_squared_deviation,
                   activity_squared_deviations,
                   compare_variances,
)

__all__ = [
    "NUM_CLASSES", "Split", "check_dataset", "digits_split", "make_split", "MODELS", "Model", "get_model", "mlp",
    "softmax_regression", "GRADIENTS", "true_gradient", "activity_gradient", "activity_weight_gradient",
    "step_gradient", "activity_gradients", "TRAIN_STATUSES", "Setting", "TrainResult", "train",
    "minibatches", "NestedCosts", "StepCosts", "load_costs", "save_costs", "deep_tanh_loss", "nested_costs",
    "step_costs", "AXES", "METRICS", "ORACLES", "ACTIVITY_TANGENTS_ALT", "draw_activity_tangents",
    "draw_cost_ratios", "draw_budget", "draw_sweep", "describe_ratio", "draw_curves",
    "draw_training_explorer", "runs_of", "ROW_COLUMNS", "RUN_COLUMNS", "RUNS_FORMAT", "RunTable", "TimeToReach",
    "concatenate_tables", "load_runs", "run_settings", "run_table", "save_runs", "time_to_reach",
    "RERUN_TOLERANCES", "check_rerun", "LevelDrift", "level_drift",
    "BLOWN_UP", "final_values", "final_summary", "best_rates", "step_seconds", "reach_summary", "budget_summary",
    "VarianceComparison", "activity_mean_squared_deviation", "activity_squared_deviations", "compare_variances",
]
