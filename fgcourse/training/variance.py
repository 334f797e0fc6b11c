"""The variance of the estimators at a fixed θ: weight against activity perturbation, exactly and by sampling.

For weight perturbation with one tangent, E‖g − ∇L‖² is (n + 1)‖∇L‖² (Gaussian) or (n − 1)‖∇L‖²
(Rademacher): :func:`fgcourse.forward_gradient.mean_squared_deviation`.

For activity perturbation the estimate is (1/M) Σ_i J_iᵀ â_i with â_i = (a_i·u_i) u_i and
independent u_i, so its mean squared deviation is (1/M²) Σ_i tr(J_i J_iᵀ Cov[â_i]). J_i J_iᵀ is
block diagonal, c_{l,i} I_{d_l} with c_{l,i} = ‖h_{l−1,i}‖² + 1, and Cov[â] = ‖a‖² I + a aᵀ for a
Gaussian u, ‖a‖² I + a aᵀ − 2 diag(a²) for a Rademacher one. Hence

    E‖Ĝ − ∇L‖² = (1/M²) Σ_i ( ‖a_i‖² Σ_l d_l c_{l,i} ± Σ_l c_{l,i} ‖a_{l,i}‖² )

(+ Gaussian, − Rademacher), where Σ_l c_{l,i} ‖a_{l,i}‖² = ‖∇ℓ_i‖², example i's weight gradient.
Weight perturbation pays n ≈ Σ_l d_{l−1} d_l for the *mean* gradient; activity perturbation pays
Σ_l d_l c_{l,i} per *example*, but without the averaging over the minibatch that shrinks ‖∇L‖².
B tangents divide both by B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fgcourse import forward_gradient as fg
from fgcourse._checks import MAX_NUMBERS, check_int, check_rng, check_sequence

from .estimators import activity_gradients, activity_weight_gradient, true_gradient
from .models import get_model

__all__ = ["activity_mean_squared_deviation", "activity_squared_deviations", "VarianceComparison",
           "compare_variances"]


def _activity_terms(model, theta, X, y):
    A = activity_gradients(model, theta, X, y)
    inputs = model.layer_inputs(theta, X)
    widths = np.array(model.widths[1:])
    c = np.stack([np.sum(h**2, axis=1) + 1.0 for h in inputs], axis=1)  # (M, L)
    bounds = np.cumsum(np.concatenate([[0], widths]))
    a2 = np.stack([np.sum(A[:, lo:hi] ** 2, axis=1) for lo, hi in zip(bounds[:-1], bounds[1:])], axis=1)
    return A, inputs, widths, c, a2


def _checked(model, theta, X, y, law):
    model = get_model(model)
    theta = model.check_theta(theta)
    X, y = model.check_data(X, y)
    law = fg.tangent_law(law)
    if law.name not in ("gaussian", "rademacher"):
        raise ValueError(f"law must be 'gaussian' or 'rademacher' for the exact activity variance, got {law.name!r}")
    return model, theta, X, y, law


def activity_mean_squared_deviation(model, theta, X, y, law="gaussian") -> float:
    """E‖Ĝ − ∇L(θ)‖² of the activity-perturbation estimate with one tangent per example, exactly."""
    model, theta, X, y, law = _checked(model, theta, X, y, law)
    _, _, widths, c, a2 = _activity_terms(model, theta, X, y)
    sign = 1.0 if law.name == "gaussian" else -1.0
    per_example = a2.sum(axis=1) * (c @ widths) + sign * np.sum(c * a2, axis=1)
    return float(per_example.sum() / X.shape[0] ** 2)


def activity_squared_deviations(model, theta, X, y, law, rng, num_samples: int) -> np.ndarray:
    """Samples of ‖Ĝ − ∇L‖² for the activity estimate (tangents u drawn, a_i known exactly)."""
    model, theta, X, y, law = _checked(model, theta, X, y, law)
    rng = check_rng("rng", rng)
    num_samples = check_int("num_samples", num_samples, minimum=1, maximum=MAX_NUMBERS)
    A, inputs, *_ = _activity_terms(model, theta, X, y)
    grad = activity_weight_gradient(model, theta, X, A, inputs)
    out = np.empty(num_samples)
    for s in range(num_samples):
        u = law.sample(model.num_activations, rng, size=X.shape[0])
        estimate = activity_weight_gradient(model, theta, X, np.sum(A * u, axis=1)[:, None] * u, inputs)
        out[s] = np.sum((estimate - grad) ** 2)
    return out


@dataclass(frozen=True)
class VarianceComparison:
    """Mean squared deviations E‖ĝ − ∇L‖² at one θ and minibatch, one tangent, per law.

    ``weight_exact`` / ``activity_exact``: the closed forms; ``weight_mc`` / ``activity_mc``:
    :class:`~fgcourse.forward_gradient.MonteCarloEstimate` of ``num_samples`` draws each.
    ``grad_norm2`` is ‖∇L‖², ``n`` the parameters, ``D`` the activations per example, ``M`` the batch.
    """

    laws: tuple
    n: int
    D: int
    M: int
    grad_norm2: float
    weight_exact: tuple
    activity_exact: tuple
    weight_mc: tuple
    activity_mc: tuple


def compare_variances(model, theta, X, y, rng, num_samples: int = 200, laws=("gaussian", "rademacher")):
    """:class:`VarianceComparison` of weight and activity perturbation at θ on the minibatch (X, y)."""
    model = get_model(model)
    theta = model.check_theta(theta)
    X, y = model.check_data(X, y)
    rng = check_rng("rng", rng)
    num_samples = check_int("num_samples", num_samples, minimum=2, maximum=MAX_NUMBERS)
    laws = check_sequence("laws", laws, lambda name, law: fg.tangent_law(law, name).name, what="tangent laws")
    _, grad = true_gradient(model, theta, X, y)
    weight_exact = tuple(fg.mean_squared_deviation(law, grad) for law in laws)
    activity_exact = tuple(activity_mean_squared_deviation(model, theta, X, y, law) for law in laws)
    weight_mc = tuple(fg.monte_carlo(fg.squared_deviations(law, grad, rng, num_samples)) for law in laws)
    activity_mc = tuple(fg.monte_carlo(activity_squared_deviations(model, theta, X, y, law, rng, num_samples))
                        for law in laws)
    return VarianceComparison(laws, model.n, model.num_activations, X.shape[0], float(grad @ grad), weight_exact,
                              activity_exact, weight_mc, activity_mc)
