"""Line search: exact step sizes on a bracket, inexact ones along a direction.

Notation (the book's): ``φ(α) = f(x + α d)`` is the objective along the ray from ``x`` in
direction ``d``; ``φ(0) = f(x)`` and ``φ'(0) = ∇f(x)·d`` is the initial slope, negative for a
descent direction. ``[a, b]`` is a bracket known to contain the minimiser ``α*`` of ``φ``.

Exact searches (:func:`dichotomy`, :func:`golden_section`, :func:`parabolic`, in
:mod:`.exact`) shrink a bracket of a unimodal ``φ`` until the returned point is within
``tol`` of ``α*``; each returns a :class:`BracketResult` with the history of brackets, and
:mod:`.rates` measures how fast they shrink it.

Inexact searches (:func:`armijo_backtracking`, :func:`goldstein_backtracking`,
:func:`wolfe`, in :mod:`.inexact`) look for a step that satisfies the conditions
:func:`armijo`, :func:`goldstein`, :func:`curvature`, :func:`strong_curvature` (in
:mod:`.conditions`); each returns a :class:`StepResult` that counts evaluations of ``f``, of
gradients and of JVPs separately.

The slope ``φ'(α) = ∇f(x + α d)·d`` comes from a :class:`SlopeOracle` (:mod:`.slopes`):
either a gradient (:func:`gradient_slope`, one gradient per slope) or a Jacobian-vector
product (:func:`jvp_slope`, one forward-mode pass per slope, which returns ``φ(α)`` too). The
same search code runs on both, so a line search along a forward-gradient direction needs no
gradient at all.

:func:`descent` (:mod:`.descent`) runs gradient descent (or forward-gradient descent) with a
constant step or any of the searches, and records the path and the evaluation counts. A
search that ends with a gradient slope at the accepted step hands that gradient
``∇f(x_{k+1})`` over in its :class:`StepResult`, and :func:`steepest_descent` builds
``d_{k+1}`` from it instead of computing it again. :mod:`.plots` draws the chapter's figures.

Sources: :cite:t:`merkulov2023slides` for the exact searches and the conditions;
:cite:t:`nocedal2006numerical`, Alg. 3.5/3.6 for the Wolfe search.
"""

from .conditions import armijo, check_wolfe_constants, curvature, goldstein, strong_curvature, wolfe_conditions
from .descent import (
    DESCENT_STATUSES,
    ON_FAILURE,
    DescentResult,
    Direction,
    descent,
    forward_gradient_direction,
    steepest_descent,
)
from .exact import (
    EXACT_STATUSES,
    GOLDEN_RATIO,
    BracketResult,
    BracketStep,
    check_bracket,
    dichotomy,
    dichotomy_iterations,
    golden_section,
    parabola_vertex,
    parabolic,
)
from .inexact import (
    BACKTRACKING_CONDITIONS,
    STEP_STATUSES,
    StepResult,
    armijo_backtracking,
    backtracking,
    exact_step,
    goldstein_backtracking,
    wolfe,
)
from .plots import (
    LINE_PROBLEMS,
    acceptance_regions,
    accepted_intervals,
    draw_bracket_widths,
    draw_conditions,
    draw_descent,
    line_problem,
    line_profile,
)
from .rates import (
    bracket_widths,
    convergence_orders,
    fitted_order,
    parabolic_order,
    rate_per_evaluation,
    width_ratios,
)
from .slopes import SLOPE_COUNTERS, Ray, SlopeOracle, as_slope_oracle, gradient_slope, jvp_slope

__all__ = [
    "GOLDEN_RATIO", "EXACT_STATUSES", "BracketStep", "BracketResult", "dichotomy", "dichotomy_iterations",
    "golden_section", "parabolic", "parabola_vertex", "check_bracket",
    "bracket_widths", "width_ratios", "rate_per_evaluation", "fitted_order", "convergence_orders",
    "parabolic_order",
    "armijo", "goldstein", "curvature", "strong_curvature", "wolfe_conditions", "check_wolfe_constants",
    "SLOPE_COUNTERS", "SlopeOracle", "gradient_slope", "jvp_slope", "as_slope_oracle", "Ray",
    "STEP_STATUSES", "BACKTRACKING_CONDITIONS", "StepResult", "backtracking", "armijo_backtracking",
    "goldstein_backtracking", "wolfe", "exact_step",
    "DESCENT_STATUSES", "ON_FAILURE", "Direction", "steepest_descent",
    "forward_gradient_direction", "DescentResult", "descent",
    "line_profile", "acceptance_regions", "accepted_intervals", "LINE_PROBLEMS",
    "line_problem", "draw_conditions", "draw_bracket_widths", "draw_descent",
]
