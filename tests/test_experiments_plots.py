"""Tests of fgcourse.experiments.plots: the chapter's figures (what they draw is tested in
test_experiments_studies.py and test_experiments_profiles.py).

Only the ``smoke`` grid runs here, and runs as short as the property needs.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from strategies import assert_refused, assert_told_apart_with_any_colour_vision  # noqa: E402

from fgcourse.experiments import get_grid, run_grid  # noqa: E402
from fgcourse.experiments.plots import (  # noqa: E402
    draw_accuracy_profiles,
    draw_hyperellipsoid,
    draw_linear_objective,
    draw_performance_profiles,
    draw_profile_curve,
    draw_profile_page,
    draw_spiral,
)
from fgcourse.experiments.stored import rerun_batches  # noqa: E402
from fgcourse.optim import linear_sgd_paths, true_and_forward_runs  # noqa: E402
from fgcourse.testfunctions import TEST_FUNCTIONS  # noqa: E402


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    return run_grid("smoke", tmp_path_factory.mktemp("cache"), progress=False)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


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


def test_the_profile_figures_have_one_panel_per_dimension(smoke):
    for fig in (draw_performance_profiles(smoke, (2,)), draw_accuracy_profiles(smoke, (2,))):
        assert len(fig.axes) == 1
        assert_told_apart_with_any_colour_vision(fig)
    fig = draw_profile_page(2, table=smoke, solvers="forward only", budget=100)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["sgd/forward", "adam/forward"]


def test_the_profile_curve_marks_its_readings_and_the_share_solved(smoke):
    from fgcourse.experiments.profiles import profile_curve

    fig = draw_profile_curve(smoke, 2, "adam/true", marks=(1.0, 3.0))
    read = profile_curve(smoke, 2, "adam/true", [1.0, 3.0, np.inf])
    title = fig.axes[0].get_title()
    assert title.startswith("adam/true, n = 2:")
    for tau, rho in zip(("1", "3", "∞"), read.to_numpy()):
        assert f"ρ({tau}) = {rho:.3f}" in title
    assert_refused(lambda: draw_profile_curve(smoke, 2, "adam/true", marks=(0.5,)), "marks", "[1, max_tau]")
    assert_refused(lambda: draw_profile_curve(smoke, 2, "adam/fwd"), "solver", "adam/forward")


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
    (lambda: draw_hyperellipsoid({}), "runs", "empty"),
    (lambda: draw_linear_objective(np.ones(3), np.zeros((2, 5, 4))), "paths", "n = 3"),
    (lambda: draw_spiral("run", "runs"), "true_run", "OptimizeResult"),
    (lambda: rerun_batches("smoke", [0]), "grid", "a Grid"),
    (lambda: rerun_batches(get_grid("smoke"), [99]), "indices[0]", "<= 7"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_refused_with_the_argument_named(call, name, word):
    assert_refused(call, name, word)
