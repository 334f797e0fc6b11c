"""Tests of fgcourse.experiments.plots: the chapter's figures and the computations behind them.

Only the ``smoke`` grid runs here, and runs as short as the property needs.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from strategies import NOT_COUNTS, NOT_RNGS, assert_names_argument  # noqa: E402

from fgcourse.experiments import get_grid, performance_profile, run_grid, solver_table  # noqa: E402
from fgcourse.experiments.plots import (  # noqa: E402
    SOLVER_SETS,
    accuracy_summary,
    batch_variance,
    draw_accuracy_profiles,
    draw_batch_mode,
    draw_hyperellipsoid,
    draw_linear_objective,
    draw_performance_profiles,
    draw_profile_page,
    draw_spiral,
    equal_budget_runs,
    forward_against_true,
    hyperellipsoid_runs,
    largest_hessian_eigenvalue,
    linear_sgd_paths,
    lr_stability,
    plane_starts,
    profile_summary,
    profile_times,
    rerun_batches,
)
from fgcourse.optim import true_and_forward_runs  # noqa: E402
from fgcourse.testfunctions import TEST_FUNCTIONS  # noqa: E402


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    return run_grid("smoke", tmp_path_factory.mktemp("cache"), progress=False)


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
    X = plane_starts(box, 50, 3)
    assert X.shape == (50, 2)
    assert np.all((X >= [-2.0, -1.0]) & (X <= [2.0, 3.0]))
    np.testing.assert_array_equal(X, plane_starts(box, 50, 3))  # exact: the same seed, the same draws


def test_lr_stability_sees_true_sgd_blow_up_above_two_over_the_curvature():
    # The sphere Σ x_i² has Hessian 2I: true SGD is stable iff lr < 1.
    x0 = np.full((3, 2), 0.5)
    table = lr_stability("sphere", x0, [0.4, 1.2], 0, max_iter=200)
    true = table[table.gradient == "true"].set_index("lr")
    assert true.loc[0.4, "blown_up"] == 0 and true.loc[0.4, "reached"] == 3
    assert true.loc[1.2, "blown_up"] == 3 and true.loc[1.2, "reached"] == 0
    assert set(table.columns) == {"lr", "gradient", "runs", "blown_up", "reached", "median_t"}


def test_forward_sgd_fails_on_the_hyperellipsoid_in_dimension_100_at_lr_001():
    # 2/tr A = 2/(n(n+1)) ≈ 2e-4 < 0.01 for n = 100; in n = 2 every run converges.
    runs = hyperellipsoid_runs((2, 100), ("sgd",), 0.01, 0, max_iter=300, num_runs=3)
    assert set(runs) == {(2, "sgd"), (100, "sgd")}
    assert np.all(runs[2, "sgd"][1].fun < 1e-3 * runs[2, "sgd"][1].fun_path[0])
    assert np.all(runs[100, "sgd"][1].status == "diverged")
    fig = draw_hyperellipsoid(runs)
    assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_forward_sgd_on_a_linear_objective_is_unbiased_and_its_paths_start_at_zero():
    mu = np.array([1.0, -2.0, 0.5, 3.0])
    paths = linear_sgd_paths("rademacher", mu, 0, 20, num_runs=4000, lr=0.1)
    assert paths.shape == (4000, 21, 4)
    np.testing.assert_array_equal(paths[:, 0], 0.0)  # exact: θ_0 = 0 is stored, not computed
    mean = paths[:, -1].mean(axis=0)
    spread = paths[:, -1].std(axis=0) / np.sqrt(4000)
    assert np.all(np.abs(mean - (-20 * 0.1 * mu)) < 5 * spread)  # E[θ_t] = −t lr μ
    fig = draw_linear_objective(mu, paths[:5], lr=0.1)
    assert len(fig.axes) == 2


def test_the_spiral_figure_has_a_3d_panel_and_a_value_panel():
    true_run, forward_runs = true_and_forward_runs(TEST_FUNCTIONS["spiral"], (1.0, 1.0, 2.0), "sgd", 0.01,
                                                   rng=0, max_iter=50, num_runs=2)
    fig = draw_spiral(true_run, forward_runs)
    assert len(fig.axes) == 2 and fig.axes[0].name == "3d"


def test_profile_times_count_a_cost_above_the_budget_as_a_failure(smoke):
    times = profile_times(smoke, 2)
    capped = profile_times(smoke, 2, budget=50)
    assert list(times.columns) == list(solver_table(smoke, "t", 2).columns)
    # exact: the same stored costs, selected, none computed
    np.testing.assert_array_equal(capped.to_numpy(), np.where(times.to_numpy() <= 50, times.to_numpy(), np.inf))
    assert list(profile_times(smoke, 2, solvers="true only").columns) == ["sgd/true", "adam/true"]


def test_profile_summary_reads_rho_at_one_and_the_share_solved(smoke):
    summary = profile_summary(smoke, (2,))
    times = profile_times(smoke, 2).to_numpy()
    np.testing.assert_allclose(summary[2, "rho(1)"], performance_profile(times, [1.0])[:, 0])
    np.testing.assert_allclose(summary[2, "solved"], np.isfinite(times).mean(axis=0))


def test_accuracy_summary_reads_the_accuracy_profile_at_a_few_digits(smoke):
    from fgcourse.experiments import accuracy_inputs, accuracy_profile

    summary = accuracy_summary(smoke, (2,), (1.0, 10.0))
    final, start, best = accuracy_inputs(smoke, 2)
    expected = accuracy_profile(final.to_numpy(), start, best, [1.0, 10.0])
    np.testing.assert_allclose(summary.to_numpy(), expected)
    assert list(summary.index) == list(final.columns)


def test_forward_against_true_compares_each_forward_solver_with_the_best_true_one(smoke):
    frame = forward_against_true(smoke, 2, factor=2.0)
    times = profile_times(smoke, 2)
    best = times[["sgd/true", "adam/true"]].min(axis=1)
    solved = np.isfinite(best)
    assert frame.attrs["problems"] == solved.sum()
    expected = (times.loc[solved, "sgd/forward"] >= 2.0 * best[solved]).mean()
    assert frame.loc["sgd/forward", "slower"] == pytest.approx(expected)
    assert frame.loc[["sgd/true", "adam/true"], "best_true"].sum() >= 1.0  # someone is best on every problem
    assert np.isnan(frame.loc["sgd/true", "slower"])


def test_the_profile_figures_have_one_panel_per_dimension(smoke):
    assert len(draw_performance_profiles(smoke, (2,)).axes) == 1
    assert len(draw_accuracy_profiles(smoke, (2,)).axes) == 1
    fig = draw_profile_page(2, table=smoke, solvers="forward only", budget=100)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["sgd/forward", "adam/forward"]


def test_every_solver_set_holds_solvers_of_the_grid():
    assert SOLVER_SETS["all"] == tuple(SOLVER_SETS["true only"] + SOLVER_SETS["forward only"])
    assert set(SOLVER_SETS["SGD family"]) | set(SOLVER_SETS["Adam family"]) == set(SOLVER_SETS["all"])


def test_the_variance_of_a_mean_of_B_forward_gradients_is_the_msd_over_B():
    f = TEST_FUNCTIONS["hyperellipsoid"]
    table = batch_variance(f, np.ones(6), "gaussian", [1, 4], 0, num_samples=20000)
    np.testing.assert_allclose(table["measured"], table["predicted"], rtol=0.1)
    assert table["predicted"].iloc[0] == pytest.approx(4 * table["predicted"].iloc[1])


def test_equal_budget_runs_spend_the_same_jvps():
    runs = equal_budget_runs("hyperellipsoid", np.ones(4), [1, 2, 5], 100, 0, lr=0.01, num_runs=3)
    for B, run in runs.items():
        assert np.all(run.nit == 100 // B)
        assert np.all(run.njvp == B * (100 // B + 1))
    variance = batch_variance(TEST_FUNCTIONS["hyperellipsoid"], np.ones(4), "rademacher", [1, 2], 0, num_samples=10)
    assert len(draw_batch_mode(variance, runs).axes) == 2


def test_rerun_batches_reproduces_the_stored_rows_except_the_wall_time(smoke):
    grid = get_grid("smoke")
    fresh = rerun_batches(grid, [1, 6])
    batches = grid.batches()
    keys = ["function", "n", "optimizer", "gradient"]
    chosen = [tuple(getattr(batches[i], k) for k in keys) for i in (1, 6)]
    stored = smoke[smoke[keys].apply(tuple, axis=1).isin(chosen)]
    assert len(fresh) == len(stored) > 0
    merged = fresh.drop(columns="wall_time").merge(stored.drop(columns="wall_time"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()


BAD_CALLS = [
    (lambda: largest_hessian_eigenvalue("rosenbrok", (1.0, 1.0)), "function", "did you mean 'rosenbrock'"),
    (lambda: largest_hessian_eigenvalue(3, (1.0, 1.0)), "function", "TestFunction"),
    (lambda: largest_hessian_eigenvalue("rosenbrock", (1.0, 1j)), "x", "complex"),
    (lambda: plane_starts(((2.0, -2.0), (0.0, 1.0)), 5, 0), "box", "low < high"),
    (lambda: plane_starts(((0.0, 1.0),), 5, 0), "box", "shape"),
    (lambda: lr_stability("sphere", np.ones((2, 2)), [0.0], 0), "lrs[0]", "> 0"),
    (lambda: lr_stability("sphere", np.ones((2, 2)), [0.1], 0, eps=-1), "eps", "> 0"),
    (lambda: hyperellipsoid_runs((0,)), "dims[0]", ">= 1"),
    (lambda: draw_hyperellipsoid({}), "runs", "empty"),
    (lambda: linear_sgd_paths("rademacher", np.ones(3), 0, 10, lr=0), "lr", "> 0"),
    (lambda: linear_sgd_paths("rademachr", np.ones(3), 0, 10), "law", "did you mean 'rademacher'"),
    (lambda: draw_linear_objective(np.ones(3), np.zeros((2, 5, 4))), "paths", "n = 3"),
    (lambda: draw_spiral("run", "runs"), "true_run", "OptimizeResult"),
    (lambda: batch_variance(TEST_FUNCTIONS["sphere"], np.ones(2), "rademacher", [0], 0), "Bs[0]", ">= 1"),
    (lambda: equal_budget_runs("sphere", np.ones(2), [1, 10], 5, 0), "budget", ">= 10"),
    (lambda: rerun_batches("smoke", [0]), "grid", "a Grid"),
    (lambda: rerun_batches(get_grid("smoke"), [99]), "indices[0]", "<= 7"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_refused_with_the_argument_named(call, name, word):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call()
    assert_names_argument(excinfo, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_counts_are_counts(value):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        plane_starts(((0.0, 1.0), (0.0, 1.0)), value, 0)
    assert_names_argument(excinfo, "num_starts")


@pytest.mark.parametrize("value", NOT_RNGS)
def test_rngs_are_seeds_or_generators(value):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        linear_sgd_paths("rademacher", np.ones(3), value, 10)
    assert_names_argument(excinfo, "rng")


def test_profiles_refuse_unknown_solver_sets_and_solvers(smoke):
    with pytest.raises(ValueError) as excinfo:
        profile_times(smoke, 2, solvers="true onyl")
    assert_names_argument(excinfo, "solvers", "did you mean 'true only'")
    with pytest.raises(ValueError) as excinfo:
        profile_times(smoke, 2, solvers=["adabelief/true"])
    assert_names_argument(excinfo, "solvers", "adabelief/true")
    with pytest.raises(ValueError) as excinfo:
        profile_times(smoke, 2, budget=0)
    assert_names_argument(excinfo, "budget", "> 0")
