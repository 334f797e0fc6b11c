"""The gradient oracles of a training step: backprop, weight perturbation, activity perturbation.

- ``"true"``: ∇L(θ) by reverse mode (autograd's ``make_vjp``): one gradient, ``ngev`` += 1.
- ``"forward"`` (weight perturbation, baydin2022gradients): g = (1/B) Σ_b (∇L·v_b) v_b with
  v_b ∈ R^n from a tangent law, by :func:`fgcourse.forward_gradient.forward_gradient`:
  B JVPs, unbiased because E[v vᵀ] = I.
- ``"activity"`` (activity perturbation, ren2023scaling): perturb the pre-activations instead.
  Example i's loss ℓ_i depends on θ only through its pre-activations z_i = (z_{1,i}, ..., z_{L,i})
  ∈ R^D, D = d_1 + ... + d_L, so ∇_{W_l} L = (1/M) Σ_i h_{l−1,i}ᵀ a_{l,i} with a_i = ∇_{z_i} ℓ_i.
  One forward-mode pass of the vector (ℓ_1, ..., ℓ_M) with a tangent u_i ∈ R^D per example gives
  every example's directional derivative a_i·u_i at once (the ℓ_i do not interact), hence
  â_i = (a_i·u_i) u_i and Ĝ_{W_l} = (1/M) Σ_i h_{l−1,i}ᵀ â_{l,i}, Ĝ_{b_l} = (1/M) Σ_i â_{l,i}.
  Since u_i is independent of h (which depends on θ and x only) and E[u uᵀ] = I, E[â_i] = a_i
  and the estimate is unbiased. It needs the layer inputs h_{l−1,i} (one plain forward pass),
  which backprop stores too: its memory is not that of weight perturbation.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd.core import make_jvp, make_vjp

from fgcourse import forward_gradient as fg
from fgcourse._checks import check_array, check_int, check_option, check_rng
from fgcourse.optim.minimize import GRADIENTS as OPTIMIZE_GRADIENTS

from .models import Model, get_model

__all__ = ["GRADIENTS", "true_gradient", "activity_gradients", "activity_gradient", "activity_weight_gradient",
           "step_gradient"]

GRADIENTS = (*OPTIMIZE_GRADIENTS, "activity")
"""The gradient oracles of a training step: :func:`fgcourse.optim.minimize`'s two (true, forward),
and activity perturbation, which needs the layers of a model."""


def _problem(model, theta, X, y):
    """The model (a name of MODELS or a Model), θ and the minibatch, checked."""
    model = get_model(model)
    theta = model.check_theta(theta)
    X, y = model.check_data(X, y)
    return model, theta, X, y


def _tangents(law, rng, B):
    return fg.tangent_law(law), check_rng("rng", rng), check_int("B", B, minimum=1)


def true_gradient(model: Model, theta, X, y):
    """``(L(θ), ∇L(θ))`` on the minibatch (X, y), by one reverse pass."""
    model, theta, X, y = _problem(model, theta, X, y)
    pullback, value = make_vjp(lambda t: model.loss(t, X, y), theta)
    return float(value), pullback(1.0)


def activity_weight_gradient(model: Model, theta, X, activity, inputs: list | None = None) -> np.ndarray:
    """The weight gradient (1/M) Σ_i J_iᵀ a_i from per-example activity gradients ``activity`` (M, D).

    J_iᵀ maps an activity gradient δ_l of layer l to (h_{l−1,i}ᵀ δ_l, δ_l), the gradients of
    (W_l, b_l). With the true a_i = ∇_{z_i} ℓ_i this is ∇L(θ); with estimates â_i it is the
    activity estimate. ``inputs`` are the layer inputs of :meth:`Model.layer_inputs`, if known.
    """
    model = get_model(model)
    theta = model.check_theta(theta)
    X = check_array("X", X, ndim=2, shape=(None, model.widths[0]), against=f"the {model.name} model's inputs")
    activity = check_array("activity", activity, shape=(X.shape[0], model.num_activations),
                           against="(rows of X, the model's activations D)")
    inputs = model.layer_inputs(theta, X) if inputs is None else inputs
    M, parts, offset = X.shape[0], [], 0
    for h, (W, _) in zip(inputs, model.unpack(theta)):
        a = activity[:, offset:offset + W.shape[1]]
        offset += W.shape[1]
        parts += [(h.T @ a).ravel() / M, a.sum(axis=0) / M]
    return np.concatenate(parts)


def activity_gradients(model: Model, theta, X, y) -> np.ndarray:
    """The true per-example activity gradients a_i = ∇_{z_i} ℓ_i, shape (M, D), by one reverse pass
    of Σ_i ℓ_i over a zero perturbation (row i of the result is a_i: ℓ_i sees only row i)."""
    model, theta, X, y = _problem(model, theta, X, y)
    M = X.shape[0]
    pullback, _ = make_vjp(lambda eps: anp.sum(model.losses(theta, X, y, eps)), np.zeros((M, model.num_activations)))
    return pullback(1.0)


def activity_gradient(model: Model, theta, X, y, law, rng, B: int = 1):
    """``(L(θ), Ĝ)``: the activity-perturbation estimate averaged over B tangents per example.

    Each tangent is one forward-mode pass of the per-example losses along u (M, D), rows drawn
    independently from ``law`` in dimension D.
    """
    model, theta, X, y = _problem(model, theta, X, y)
    law, rng, B = _tangents(law, rng, B)
    M, D = X.shape[0], model.num_activations
    jvp = make_jvp(lambda eps: model.losses(theta, X, y, eps), np.zeros((M, D)))
    total = np.zeros((M, D))
    for _ in range(B):
        u = law.sample(D, rng, size=M)
        losses, derivatives = jvp(u)
        total += derivatives[:, None] * u
    return float(np.mean(losses)), activity_weight_gradient(model, theta, X, total / B)


def step_gradient(model: Model, theta, X, y, gradient: str, law, rng, B: int):
    """``(L(θ), estimate, ngev, njvp)`` for one step of the oracle ``gradient`` ("true", "forward" or
    "activity"); ``law``, ``rng`` and ``B`` are checked also for "true", which draws nothing."""
    gradient = check_option("gradient", gradient, GRADIENTS)
    model, theta, X, y = _problem(model, theta, X, y)
    law, rng, B = _tangents(law, rng, B)
    if gradient == "true":
        return (*true_gradient(model, theta, X, y), 1, 0)
    if gradient == "forward":
        # The batch form with one row returns a non-finite loss as it is (a diverging run's
        # status) instead of raising; it draws the same tangents as forward_gradient.
        values, G = fg.forward_gradient_batch(lambda T: anp.reshape(model.loss(T[0], X, y), (1,)), theta[None, :],
                                              law, rng, B=B)
        return float(values[0]), G[0], 0, B
    return (*activity_gradient(model, theta, X, y, law, rng, B), 0, B)
