"""Tests of fgcourse.experiments.studies: the runs and measurements the chapter "Experiments" draws."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from strategies import NOT_COUNTS, assert_names_argument, assert_refused  # noqa: E402

from fgcourse.experiments.plots import draw_batch_mode, draw_hyperellipsoid  # noqa: E402
from fgcourse.experiments.studies import (  # noqa: E402
    batch_variance,
    equal_budget_runs,
    hyperellipsoid_runs,
    largest_hessian_eigenvalue,
    lr_stability,
    plane_starts,
    race_to_target,
)
from fgcourse.testfunctions import TEST_FUNCTIONS  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_largest_hessian_eigenvalue_of_the_banana_at_its_minimum():
    H = np.array([[802.0, -400.0], [-400.0, 200.0]])  # ∇²f(1, 1) by hand
    assert largest_hessian_eigenvalue("rosenbrock", (1.0, 1.0)) == pytest.approx(np.linalg.eigvalsh(H).max())
    assert largest_hessian_eigenvalue(TEST_FUNCTIONS["hyperellipsoid"], np.zeros(5)) == pytest.approx(10.0)


def test_plane_starts_are_seeded_and_inside_the_box():
    box = ((-2.0, 2.0), (-1.0, 3.0))
    X = plane_starts(box, 3, 50)
    assert X.shape == (50, 2)
    assert np.all((X >= [-2.0, -1.0]) & (X <= [2.0, 3.0]))
    np.testing.assert_array_equal(X, plane_starts(box, 3, 50))  # exact: the same seed, the same draws


def test_lr_stability_sees_true_sgd_blow_up_above_two_over_the_curvature():
    # The sphere Σ x_i² has Hessian 2I: true SGD is stable iff lr < 1.
    x0 = np.full((3, 2), 0.5)
    table = lr_stability("sphere", x0, [0.4, 1.2], 0, max_iter=200)
    true = table[table.gradient == "true"].set_index("lr")
    assert true.loc[0.4, "blown_up"] == 0 and true.loc[0.4, "reached"] == 3
    assert true.loc[1.2, "blown_up"] == 3 and true.loc[1.2, "reached"] == 0
    assert set(table.columns) == {"lr", "gradient", "runs", "blown_up", "reached", "median_t"}


def test_race_to_target_says_start_by_start_which_gradient_reaches_the_level_first():
    from fgcourse.optim import iterations_to_reach, true_and_forward_batch

    # The sphere from three starts at lr 0.3: the true runs contract by 0.4 per step; a forward run with a
    # Rademacher tangent in n = 2 is sometimes faster, sometimes slower, and from the minimizer both start done.
    x0 = np.array([[2.0, -1.0], [0.5, 0.5], [0.0, 0.0]])
    true_runs, forward_runs = true_and_forward_batch(TEST_FUNCTIONS["sphere"], x0, "sgd", 0.3, rng=0, max_iter=60)
    race = race_to_target(true_runs, forward_runs, 1e-6)
    assert list(race.columns) == ["start", "true", "forward", "true_status", "forward_status", "first"]
    assert race["start"].tolist() == [(2.0, -1.0), (0.5, 0.5), (0.0, 0.0)]
    assert race["true"].tolist() == iterations_to_reach(true_runs, 1e-6).tolist()
    assert race["forward"].tolist() == iterations_to_reach(forward_runs, 1e-6).tolist()
    for t, f, first in zip(race["true"], race["forward"], race["first"]):
        expected = ("neither" if t < 0 and f < 0 else "true" if f < 0 or 0 <= t < f else
                    "forward" if t < 0 or f < t else "tie")
        assert first == expected
    assert race["first"].iloc[2] == "tie"  # both start at f = 0
    # A forward run that never gets there loses, whatever the true run does.
    diverging = true_and_forward_batch(TEST_FUNCTIONS["sphere"], x0[:2], "sgd", 1.5, rng=0, max_iter=30)
    assert race_to_target(*diverging, 1e-6)["first"].tolist() == ["neither", "neither"]


def test_forward_sgd_fails_on_the_hyperellipsoid_in_dimension_100_at_lr_001():
    # 2/tr A = 2/(n(n+1)) ≈ 2e-4 < 0.01 for n = 100; in n = 2 every run converges.
    runs = hyperellipsoid_runs((2, 100), ("sgd",), 0.01, 0, max_iter=300, num_runs=3)
    assert set(runs) == {(2, "sgd"), (100, "sgd")}
    assert np.all(runs[2, "sgd"][1].fun < 1e-3 * runs[2, "sgd"][1].fun_path[0])
    assert np.all(runs[100, "sgd"][1].status == "diverged")
    fig = draw_hyperellipsoid(runs)
    assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_the_variance_of_a_mean_of_B_forward_gradients_is_the_msd_over_B():
    f = TEST_FUNCTIONS["hyperellipsoid"]
    table = batch_variance(f, np.ones(6), "gaussian", [1, 4], 0, num_samples=20000)
    np.testing.assert_allclose(table["measured"], table["predicted"], rtol=0.1)
    assert table["predicted"].iloc[0] == pytest.approx(4 * table["predicted"].iloc[1])


def test_equal_budget_runs_spend_the_same_jvps():
    runs = equal_budget_runs("hyperellipsoid", np.ones(4), [1, 2, 5], 0, 100, lr=0.01, num_runs=3)
    for B, run in runs.items():
        assert np.all(run.nit == 100 // B)
        assert np.all(run.njvp == B * (100 // B + 1))
    variance = batch_variance(TEST_FUNCTIONS["hyperellipsoid"], np.ones(4), "rademacher", [1, 2], 0, num_samples=10)
    assert len(draw_batch_mode(variance, runs).axes) == 2


def _two_runs():
    from fgcourse.optim import true_and_forward_batch

    return true_and_forward_batch(TEST_FUNCTIONS["sphere"], np.ones((2, 2)), "sgd", 0.1, rng=0, max_iter=3)


_TWO_RUNS = _two_runs()

BAD_CALLS = [
    (lambda: largest_hessian_eigenvalue("rosenbrok", (1.0, 1.0)), "function", "did you mean 'rosenbrock'"),
    (lambda: largest_hessian_eigenvalue(3, (1.0, 1.0)), "function", "TestFunction"),
    (lambda: largest_hessian_eigenvalue("rosenbrock", (1.0, 1j)), "x", "complex"),
    (lambda: plane_starts(((2.0, -2.0), (0.0, 1.0)), 0, 5), "box", "low < high"),
    (lambda: plane_starts(((0.0, 1.0),), 0, 5), "box", "shape"),
    (lambda: lr_stability("sphere", np.ones((2, 2)), [0.0], 0), "lrs[0]", "> 0"),
    (lambda: lr_stability("sphere", np.ones((2, 2)), [0.1], 0, eps=-1), "eps", "> 0"),
    (lambda: hyperellipsoid_runs((0,)), "dims[0]", ">= 1"),
    (lambda: batch_variance(TEST_FUNCTIONS["sphere"], np.ones(2), "rademacher", [0], 0), "Bs[0]", ">= 1"),
    (lambda: equal_budget_runs("sphere", np.ones(2), [1, 10], 0, 5), "budget", ">= 10"),
    (lambda: race_to_target("runs", "runs", 0.1), "true_runs", "OptimizeResult"),
    (lambda: race_to_target(*_TWO_RUNS, float("nan")), "level", "finite"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_refused_with_the_argument_named(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_counts_are_counts(value):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        plane_starts(((0.0, 1.0), (0.0, 1.0)), 0, value)
    assert_names_argument(excinfo, "num_starts")
