"""Tests of fgcourse.optim.linear: runs of forward SGD, sign descent and Adam on the linear objective μᵀθ."""

import math

import numpy as np
import pytest
from strategies import NOT_RNGS, assert_names_argument, assert_refused

from fgcourse.forward_gradient import (
    adam_long_memory_progress,
    expected_walk_distance,
    gaussian,
    linear_sgd_expected_gain,
    monte_carlo,
    rademacher,
    sign_descent_progress,
    tangent_law,
)
from fgcourse.optim import (
    LINEAR_OPTIMIZERS,
    LINEAR_RULES,
    SGD,
    AdamLongMemory,
    SignDescent,
    adam_progress_table,
    linear_objective_runs,
    linear_sgd_paths,
    minimize_linear,
)


def reference_runs(law, mu, seed, num_steps, rule, num_runs, lr):
    """The runs as the library wrote them by hand before they went through minimize: one draw of
    ``num_runs`` tangents per step, g = (v·μ) v, and each rule's step written out. Returns the
    iterates, shape (num_steps + 1, num_runs, n)."""
    rng, law = np.random.default_rng(seed), tangent_law(law)
    thetas = np.zeros((num_runs, mu.size))
    sum_g, sum_g2 = np.zeros_like(thetas), np.zeros_like(thetas)
    path = [thetas]
    for t in range(1, num_steps + 1):
        V = law.sample(mu.size, rng, size=num_runs)
        G = V * (V @ mu)[:, None]
        if rule == "sgd":
            step = G
        elif rule == "sign_descent":
            step = np.sign(G)
        else:
            sum_g, sum_g2 = sum_g + G, sum_g2 + G**2
            step = np.divide(sum_g, np.sqrt(t * sum_g2), out=np.zeros_like(G), where=sum_g2 > 0)
        thetas = thetas - lr * step
        path.append(thetas)
    return np.stack(path)


@pytest.mark.simd
@pytest.mark.parametrize("law", ["rademacher", "gaussian", "sphere"])
@pytest.mark.parametrize("rule", LINEAR_RULES)
def test_the_runs_are_the_hand_written_rules_bit_for_bit(law, rule):
    mu, lr = np.array([1.0, -2.0, 0.5, 3.0, -0.25]), 0.3
    path = reference_runs(law, mu, 4, 30, rule, 7, lr)
    runs = linear_objective_runs(law, mu, 4, 30, rule=rule, num_runs=7, lr=lr)
    # exact: the same draws and the same operations in the same order (the tangents' derivative V @ μ is
    # autograd's forward pass of X @ μ, the same matmul); f(θ_0) = 0, so f(θ_t) − f(θ_0) is f(θ_t)
    np.testing.assert_array_equal(runs, (path @ mu).T)
    if rule == "sgd":
        np.testing.assert_array_equal(linear_sgd_paths(law, mu, 4, 30, num_runs=7, lr=lr), path.transpose(1, 0, 2))


def test_the_rules_are_the_optimizers_of_the_linear_runs():
    assert LINEAR_RULES == ("sgd", "sign_descent", "adam_long_memory")
    assert [type(optimizer) for optimizer in LINEAR_OPTIMIZERS.values()] == [SGD, SignDescent, AdamLongMemory]
    result = minimize_linear("rademacher", np.ones(3), 0, 5, "adam", num_runs=2)
    assert result.path.shape == (6, 2, 3) and result.optimizer == "adam" and result.gradient == "forward"
    assert result.status.tolist() == ["max_iter", "max_iter"] and result.njvp.tolist() == [6, 6]


def test_a_linear_run_never_stops_for_being_large():
    # f = μᵀθ decreases without bound: minimize's default threshold 1e8 would call these runs diverged.
    result = minimize_linear(gaussian, np.full(4, 1e3), 0, 50, "sgd", num_runs=3, lr=1e3)
    assert result.status.tolist() == ["max_iter"] * 3 and np.abs(result.x).max() > 1e8


@pytest.mark.parametrize("law", ["rademacher", "gaussian"])
def test_linear_objective_runs_match_the_expected_gains(law):
    rng = np.random.default_rng(10)
    n, num_steps, runs = 50, 20, 400
    mu = np.ones(n)
    sgd = linear_objective_runs(law, mu, rng, num_steps, rule="sgd", num_runs=runs, lr=0.1)
    final = monte_carlo(sgd[:, -1])
    assert abs(final.mean - num_steps * linear_sgd_expected_gain(mu, 0.1)) <= 4 * final.standard_error
    sign_steps = linear_objective_runs("rademacher", mu, rng, num_steps, rule="sign_descent", num_runs=runs)
    final = monte_carlo(sign_steps[:, -1])
    assert abs(final.mean + num_steps * sign_descent_progress(mu)) <= 4 * final.standard_error
    assert -final.mean < num_steps * n / 4  # far less than the true gradient's steps * n


@pytest.mark.parametrize("law", ["rademacher", "gaussian"])
def test_adam_long_memory_progress_is_the_limit_of_simulated_runs(law):
    rng = np.random.default_rng(12)
    mu = np.where(rng.random(30) < 0.5, -2.0, 1.0)
    runs = linear_objective_runs(law, mu, rng, 400, rule="adam_long_memory", num_runs=200)
    late_progress = -(runs[:, -1] - runs[:, -101]) / 100  # per step, once the running means settled
    assert late_progress.mean() == pytest.approx(adam_long_memory_progress(law, mu), rel=0.05)


def test_adam_progress_table_lands_on_the_predictions():
    rows = adam_progress_table([10, 100], 0, num_runs=10)
    assert [row.n for row in rows] == [10, 100]
    for row in rows:
        assert row.adam_predicted == pytest.approx(math.sqrt(row.n))
        assert row.sign_descent_predicted == pytest.approx(expected_walk_distance(row.n))
        assert row.adam == pytest.approx(row.adam_predicted, rel=0.15)
        assert row.sign_descent == pytest.approx(row.sign_descent_predicted, rel=0.15)
        assert row.sign_descent < row.adam < row.n  # far below the true gradient's n per step


# --------------------------------------------------------------------------- bad input

BAD_INPUTS = [
    (lambda: linear_objective_runs(rademacher, np.ones(2), 0, 0), ValueError, "num_steps", ()),
    (lambda: linear_objective_runs(rademacher, np.ones(2), 0, 3, num_runs=True), TypeError, "num_runs", ()),
    (lambda: adam_progress_table([10], 0, num_runs=0), ValueError, "num_runs", ()),
    (lambda: adam_progress_table([10], 0, max_iter=10, window=11), ValueError, "window", ("<= 10",)),
    (lambda: adam_progress_table([10, 0], 0), ValueError, "ns[1]", ()),
    (lambda: adam_progress_table(10, 0), TypeError, "ns", ("sequence",)),
    (lambda: linear_objective_runs(rademacher, np.ones(2), 0, 3, rule="sign-descent"), ValueError, "rule",
     ("did you mean 'sign_descent'",)),
    (lambda: linear_objective_runs(rademacher, np.ones(2), 0, 3, rule=None), TypeError, "rule", ()),
    (lambda: linear_objective_runs(rademacher, np.ones(2), 0, 3, lr=0.0), ValueError, "lr", ()),
    (lambda: linear_sgd_paths("rademacher", np.ones(3), 0, 10, lr=0), ValueError, "lr", ("> 0",)),
    (lambda: linear_sgd_paths("rademachr", np.ones(3), 0, 10), ValueError, "law", ("did you mean 'rademacher'",)),
    (lambda: minimize_linear(rademacher, np.ones(2), 0, 3, "sign_descent"), ValueError, "optimizer",
     ("'adam'",)),  # Adam's limits are instances, not registered names
    (lambda: minimize_linear(rademacher, np.ones((2, 2)), 0, 3), ValueError, "mu", ("1-d",)),
]


@pytest.mark.parametrize("call, kind, name, words", BAD_INPUTS)
def test_bad_input_names_the_argument(call, kind, name, words):
    assert_refused(call, name, *words, error=kind)


def _stable_id(value):
    """A test id that is the same in every process (a RandomState's repr holds its address)."""
    return repr(value) if isinstance(value, (int, float, str, type(None))) else type(value).__name__


@pytest.mark.parametrize("bad", NOT_RNGS, ids=_stable_id)
@pytest.mark.parametrize("call", [
    lambda rng: linear_objective_runs(rademacher, np.ones(2), rng, 3),
    lambda rng: linear_sgd_paths("rademacher", np.ones(3), rng, 10),
    lambda rng: minimize_linear(rademacher, np.ones(2), rng, 3),
], ids=["linear runs", "sgd paths", "minimize_linear"])
def test_rng_is_a_seed_or_a_generator_only(call, bad):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call(bad)
    assert_names_argument(excinfo, "rng", "Generator")
