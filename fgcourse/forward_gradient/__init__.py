"""Forward gradients: tangent laws, the estimator g = (∇f(θ)·v) v, and its exact theory.

Notation of the book (chapters *Forward gradients* and *Sign agreement*):

- ``f`` maps θ ∈ R^n to a scalar; ``grad`` stands for ∇f(θ);
- ``v`` is a random tangent drawn from a *tangent law*; the forward gradient is
  g = (∇f(θ)·v) v, where ∇f(θ)·v comes from one forward-mode pass (a JVP);
- with B tangents v_1, ..., v_B the estimate is their average (1/B) Σ_b (∇f·v_b) v_b;
- S_n = v_1 + ... + v_n is a Rademacher walk of n steps.

Modules: :mod:`.laws` (tangent laws and their exact moments), :mod:`.estimator` (the
estimator by forward mode, its mean and mean squared deviation), :mod:`.signs` (sign
agreement, and the progress per step it predicts on linear objectives; the runs that measure
it are :mod:`fgcourse.optim.linear`'s), :mod:`.plots` (figures of the notebooks).
"""

from .estimator import (
    MonteCarloEstimate,
    coordinate_variances,
    forward_gradient,
    forward_gradient_batch,
    forward_gradient_chunks,
    forward_gradient_mean,
    forward_gradient_oracle,
    forward_gradient_samples,
    is_unbiased,
    mean_squared_deviation,
    monte_carlo,
    squared_deviations,
)
from .laws import (
    LAWS,
    RotatedLaw,
    SymmetricLaw,
    TangentLaw,
    gaussian,
    rademacher,
    random_rotation,
    rotated,
    sphere,
    tangent_law,
)
from .signs import (
    SIGN_EXCESS_CONSTANT,
    adam_long_memory_progress,
    expected_sign_agreement,
    expected_sign_agreement_isotropic,
    expected_walk_distance,
    linear_sgd_expected_gain,
    linear_sgd_expected_squared_step,
    sample_sign_descent_progress,
    sign_agreement_counts,
    sign_agreement_distribution,
    sign_bound,
    sign_descent_progress,
)

__all__ = [
    "TangentLaw", "SymmetricLaw", "RotatedLaw", "gaussian", "rademacher", "sphere", "rotated", "LAWS",
    "tangent_law", "forward_gradient", "forward_gradient_batch", "forward_gradient_oracle",
    "forward_gradient_chunks", "forward_gradient_samples",
    "MonteCarloEstimate", "monte_carlo", "mean_squared_deviation", "squared_deviations",
    "coordinate_variances", "forward_gradient_mean", "is_unbiased", "expected_walk_distance",
    "expected_sign_agreement", "sign_bound", "SIGN_EXCESS_CONSTANT", "sign_agreement_counts",
    "linear_sgd_expected_gain", "linear_sgd_expected_squared_step", "sign_descent_progress",
    "sample_sign_descent_progress", "adam_long_memory_progress", "expected_sign_agreement_isotropic",
    "random_rotation", "sign_agreement_distribution",
]
