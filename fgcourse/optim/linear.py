"""Forward gradients on the linear objective f(θ) = μᵀθ: the runs, with any optimizer.

On f(θ) = μᵀθ the gradient is μ everywhere, so a run shows what the forward gradient's noise
alone does to an optimizer; the sign-agreement chapter compares its progress per step with
the predictions of :mod:`fgcourse.forward_gradient.signs`, and the experiments chapter draws
its paths (belouze2022paper, Fig. 3). Every run here is one :func:`minimize_linear` call:
:func:`~fgcourse.optim.minimize` with forward gradients on f from θ_0 = 0, a batch of runs at
once. The others read it:

- :func:`linear_objective_runs`: f(θ_t) − f(θ_0) under one of the rules :data:`LINEAR_RULES`,
  forward SGD, sign descent (:class:`~fgcourse.optim.SignDescent`, Adam with β1 = β2 = 0,
  ε → 0) and Adam with long memory (:class:`~fgcourse.optim.AdamLongMemory`, β1 = β2 → 1);
- :func:`linear_sgd_paths`: the iterates of forward SGD;
- :func:`adam_progress_table`: the progress per step of Adam itself, with its default β and
  with β1 = β2 = 0, against the predictions.

f decreases without bound, so no run stops for being large: only a value or an iterate that
overflows to inf stops one ("non_finite").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fgcourse._checks import check_int, check_option, check_rng, check_sequence, check_vector
from fgcourse.forward_gradient import adam_long_memory_progress, sign_descent_progress, tangent_law

from .minimize import OptimizeResult, minimize
from .optimizers import SGD, Adam, AdamLongMemory, SignDescent

__all__ = ["minimize_linear", "LINEAR_OPTIMIZERS", "LINEAR_RULES", "linear_objective_runs", "linear_sgd_paths",
           "AdamProgress", "adam_progress_table"]

LINEAR_OPTIMIZERS = {optimizer.name: optimizer for optimizer in (SGD(), SignDescent(), AdamLongMemory())}
"""The update rules of :func:`linear_objective_runs`, by name."""

LINEAR_RULES = tuple(LINEAR_OPTIMIZERS)
"""The rule names of :func:`linear_objective_runs`: ``("sgd", "sign_descent", "adam_long_memory")``."""


def _linear_problem(law, mu, rng, num_steps):
    """The checked ``(law, mu, rng, num_steps)`` of a run on f(θ) = μᵀθ (a Generator stays itself)."""
    law = tangent_law(law)
    mu = check_vector("mu", mu)
    law.check_dimension(mu.size)
    return law, mu, check_rng("rng", rng), check_int("num_steps", num_steps, minimum=1)


def minimize_linear(law, mu, rng, num_steps: int, optimizer="sgd", *, num_runs: int = 1,
                    lr: float = 1.0) -> OptimizeResult:
    """``num_runs`` runs of ``optimizer`` on f(θ) = μᵀθ with forward gradients, ``num_steps`` steps from θ_0 = 0.

    One :func:`~fgcourse.optim.minimize` call on the row-wise f(X) = X μ from ``num_runs`` rows
    of zeros, with tangents of ``law`` from ``rng`` (an int seed or a Generator, from which the
    runs draw ``num_steps`` + 1 batches of tangents: one per evaluated point) and learning rate
    ``lr``. ``optimizer`` is a name of :data:`~fgcourse.optim.OPTIMIZERS` or an
    :class:`~fgcourse.optim.Optimizer`. The result is batched: ``path`` (num_steps + 1,
    num_runs, n), ``fun_path`` (num_steps + 1, num_runs). The true gradient would give
    θ_t = −t lr d(μ) for SGD's d(μ) = μ and sign descent's d(μ) = sign(μ).
    """
    law, mu, rng, num_steps = _linear_problem(law, mu, rng, num_steps)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    return minimize(lambda X: X @ mu, np.zeros((num_runs, mu.size)), optimizer, lr, gradient="forward", law=law,
                    rng=rng, max_iter=num_steps, divergence_threshold=np.finfo(float).max)


def linear_objective_runs(law, mu, rng, num_steps: int, rule: str = "sgd", num_runs: int = 1,
                          lr: float = 1.0) -> np.ndarray:
    """f(θ_t) − f(θ_0) for t = 0..num_steps on f(θ) = μᵀθ, forward gradients from θ_0 = 0.

    ``rule``: ``"sgd"`` (θ ← θ − lr g), ``"sign_descent"`` (θ ← θ − lr sign(g), Adam with
    β1 = β2 = 0, ε → 0) or ``"adam_long_memory"`` (θ ← θ − lr ḡ/√(mean of g²), Adam with
    β1 = β2 → 1): the optimizers of :data:`LINEAR_OPTIMIZERS`, run by :func:`minimize_linear`.
    Returns an array of shape (num_runs, num_steps + 1). The true gradient gives −t lr ‖μ‖²
    (SGD) and −t lr ‖μ‖₁ (the others).
    """
    law, mu, rng, num_steps = _linear_problem(law, mu, rng, num_steps)
    rule = check_option("rule", rule, LINEAR_RULES)
    fun_path = minimize_linear(law, mu, rng, num_steps, LINEAR_OPTIMIZERS[rule], num_runs=num_runs,
                               lr=lr).fun_path
    return np.ascontiguousarray((fun_path - fun_path[0]).T)


def linear_sgd_paths(law, mu, rng, num_steps: int, *, num_runs: int = 5, lr: float = 0.01) -> np.ndarray:
    """Iterates of forward SGD θ ← θ − lr (μ·v) v on f(θ) = μᵀθ from θ_0 = 0: ``(num_runs, num_steps + 1, n)``.

    The path of :func:`minimize_linear` with SGD, runs first. The true run is θ_t = −t lr μ;
    :func:`linear_objective_runs` gives the values f(θ_t) = paths @ μ.
    """
    result = minimize_linear(law, mu, rng, num_steps, "sgd", num_runs=num_runs, lr=lr)
    return result.path.transpose(1, 0, 2)


@dataclass(frozen=True)
class AdamProgress:
    """Measured and predicted progress per step of Adam on f(θ) = μᵀθ, μ = (1, ..., 1) ∈ R^n.

    ``adam`` is Adam(β1 = 0.9, β2 = 0.999), predicted by
    :func:`~fgcourse.forward_gradient.adam_long_memory_progress`; ``sign_descent`` is
    Adam(β1 = β2 = 0), predicted by :func:`~fgcourse.forward_gradient.sign_descent_progress`.
    """

    n: int
    adam: float
    adam_predicted: float
    sign_descent: float
    sign_descent_predicted: float


def adam_progress_table(ns, rng, num_runs: int = 20, max_iter: int = 300,
                        window: int = 100) -> tuple[AdamProgress, ...]:
    """Run Adam on f(θ) = μᵀθ, μ = 1 ∈ R^n, for each n of ``ns`` (:func:`minimize_linear`).

    Forward gradients (Rademacher, one tangent), learning rate 1, ``num_runs`` runs from θ_0 = 0
    for ``max_iter`` steps each; the measured progress per step is the mean decrease of f over the
    last ``window`` steps, divided by ``window``, once the running moments have settled. One row
    per n, with the predictions ‖μ‖ = √n (Adam with long memory) and E|S_n| (sign descent).
    Adam(β1 = β2 = 0) is Adam itself, ε = 10⁻⁸ included, not :class:`~fgcourse.optim.SignDescent`.
    """
    ns = check_sequence("ns", ns, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    rng = check_rng("rng", rng)
    num_runs = check_int("num_runs", num_runs, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    window = check_int("window", window, minimum=1, maximum=max_iter)
    rows = []
    for n in ns:
        mu = np.ones(n)
        progress = []
        for optimizer in (Adam(), Adam(beta1=0.0, beta2=0.0)):
            fun_path = minimize_linear("rademacher", mu, rng, max_iter, optimizer, num_runs=num_runs, lr=1.0).fun_path
            progress.append(float(np.mean(fun_path[-window - 1] - fun_path[-1]) / window))
        rows.append(AdamProgress(n, progress[0], adam_long_memory_progress("rademacher", mu),
                                 progress[1], sign_descent_progress(mu)))
    return tuple(rows)
