"""Tests of fgcourse.optim.plots: the runs' figures, the Beale explorer's pages and its caches, the
step-size figures, bad input."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from autograd import grad
from matplotlib.colors import to_rgba
from strategies import assert_refused, assert_told_apart_with_any_colour_vision

from fgcourse._figures import data_outside, texts_outside
from fgcourse.optim import (
    EXPLORER_FORWARD_RUNS,
    EXPLORER_STARTS,
    EXPLORER_TRUE_RUNS,
    LIMIT_COLORS,
    OPTIMIZERS,
    draw_mean_estimates,
    draw_mean_square_runs,
    draw_spectral_radii,
    draw_step_limits,
    explorer_figure,
    forward_gradient_means,
    forward_sgd_step_limit,
    hyperellipsoid_step_limits,
    mean_square_runs,
    minimize,
    plot_runs,
    spectral_radii,
    true_and_forward_runs,
)
from fgcourse.testfunctions import beale, hyperellipsoid_diagonal, rosenbrock, spiral

matplotlib.use("Agg")


# --------------------------------------------------------------------------------- figures


def test_explorer_figure_draws_both_panels_with_the_true_run_on_top():
    figure = explorer_figure(0.01, start=(1.0, 2.0), law="gaussian", optimizer="adabelief", rng=3, max_iter=20)
    contour_ax, loss_ax = figure.axes
    assert len(contour_ax.lines) == 1 + 2  # the star, then the start markers of each run
    assert len(contour_ax.collections) == 1 + 2  # the contours, then the paths of each run
    assert "adabelief, lr = 0.01, gaussian" in figure.get_suptitle()
    for runs in (contour_ax.collections[1:], loss_ax.collections):
        true_runs, forward_runs = sorted(runs, key=lambda run: -run.get_zorder())
        assert to_rgba(true_runs.get_color()[0], 0.8) == to_rgba("C0", 0.8) and len(true_runs.get_paths()) == 1
        assert to_rgba(forward_runs.get_color()[0], 0.8) == to_rgba("C3", 0.8) and len(forward_runs.get_paths()) == 5
        assert true_runs.get_zorder() > forward_runs.get_zorder()


BEALE_EXPLORER_LRS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
"""The Beale explorer's learning rates (notebooks/beale.ipynb); its grid is lr x optimizer x law."""


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_page_of_the_beale_explorer_shows_every_point_of_every_loss_curve(optimizer):
    # The explorer's draw function over its whole grid (lr x optimizer x law, from the default start):
    # the loss panel holds every finite point of every run, and the paths' panel every start.
    for lr in BEALE_EXPLORER_LRS:
        for law in ("rademacher", "gaussian", "sphere"):
            figure = explorer_figure(lr, law=law, optimizer=optimizer)
            contour_ax, loss_ax = figure.axes
            assert data_outside(loss_ax) == [], (lr, law)
            for line in contour_ax.get_lines():  # the star and the starts
                assert data_outside_points(contour_ax, line.get_xydata()) == [], (lr, law)
            plt.close(figure)


def data_outside_points(ax, xy):
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return [tuple(p) for p in xy if not (x0 <= p[0] <= x1 and y0 <= p[1] <= y1)]


@pytest.mark.parametrize("function, start, lr, max_iter, box", [
    (beale, (0.0, 0.5), 0.01, 3000, None),  # notebooks/beale.ipynb
    (rosenbrock, (-1.0, 0.0), 5e-4, 6000, ((-2.0, 2.0), (-1.0, 3.0))),
])
def test_the_static_runs_figures_show_every_point_of_every_loss_curve(function, start, lr, max_iter, box):
    true_run, forward_runs = true_and_forward_runs(function, start, "sgd", lr, max_iter=max_iter, rng=0)
    figure = plot_runs(function, [true_run, forward_runs], box=box, title="runs")
    loss_ax = figure.axes[1]
    assert data_outside(loss_ax) == []
    assert loss_ax.get_xlim()[1] <= 1.1 * max_iter  # no empty stretch after the last step
    gaps = np.concatenate([true_run.fun_path, forward_runs.fun_path.ravel()]) - function.minimum
    low, high = np.log10(loss_ax.get_ylim())
    assert high - low <= 1.2 * (np.log10(gaps.max()) - np.log10(gaps.min()))  # no empty decades either
    assert texts_outside(figure) == []
    plt.close(figure)


@pytest.mark.simd
def test_explorer_true_runs_are_the_single_runs_from_every_start_bit_for_bit():
    EXPLORER_TRUE_RUNS.clear()
    explorer_figure(0.05, start=(1.0, 2.0), optimizer="adam", max_iter=100, num_runs=1)
    assert len(EXPLORER_TRUE_RUNS) == len(EXPLORER_STARTS)  # (1, 2) is on the menu
    for start in EXPLORER_STARTS:
        cached = EXPLORER_TRUE_RUNS[("beale", start, "'adam'", "0.05", "100")]
        single = minimize(beale, start, "adam", 0.05, max_iter=100)
        for field in ("x", "path", "fun_path"):
            # exact, as explorer_figure documents: every operation of Beale and Adam is row by row, so a row of
            # the batch is computed as the single run is (checked at the SSE4.2 and AVX2 levels, pytest -m simd)
            np.testing.assert_array_equal(getattr(cached, field), getattr(single, field))
        assert (cached.fun, cached.nit, cached.status, cached.message, cached.ngev, cached.njvp) == (
            single.fun, single.nit, single.status, single.message, single.ngev, single.njvp)
    explorer_figure(0.05, start=(0.5, 0.5), optimizer="adam", max_iter=100, num_runs=1)  # off the menu: added
    assert ("beale", (0.5, 0.5), "'adam'", "0.05", "100") in EXPLORER_TRUE_RUNS


def test_explorer_forward_runs_are_those_of_true_and_forward_runs_for_every_start_and_seed_kept():
    EXPLORER_FORWARD_RUNS.clear()
    seeds = (0, 1, 2, 3, 4)

    def kept(start, seed):
        return EXPLORER_FORWARD_RUNS.get(("beale", start, "'sgd'", "0.02", "60", "'gaussian'", 2, seed))

    def page(start, seed):
        plt.close(explorer_figure(0.02, start=start, law="gaussian", rng=seed, max_iter=60, num_runs=2, seeds=seeds))

    page((1.0, 2.0), 0)  # a new setting: its seed, from every start of the menu at once
    assert {kept(start, 0) is not None for start in EXPLORER_STARTS} == {True}
    assert kept((1.0, 2.0), 1) is None
    page((1.0, 2.0), 2)  # a second seed: with its neighbours on the slider
    assert {seed for *_, seed in EXPLORER_FORWARD_RUNS} == {0, 1, 2, 3}
    assert len(EXPLORER_FORWARD_RUNS) == len(EXPLORER_STARTS) * 4
    page((1.0, 2.0), 4)  # the slider's last seed: 3 is kept already, and there is no 5
    assert {seed for *_, seed in EXPLORER_FORWARD_RUNS} == {0, 1, 2, 3, 4}
    for start in EXPLORER_STARTS:
        for seed in seeds:
            # the runs a page alone would compute, within rounding (one batch against one minimize each)
            _, expected = true_and_forward_runs(beale, start, "sgd", 0.02, law="gaussian", rng=seed, max_iter=60,
                                                num_runs=2)
            cached = kept(start, seed)
            np.testing.assert_array_equal(cached.status, expected.status)
            np.testing.assert_array_equal(cached.nit, expected.nit)
            np.testing.assert_allclose(cached.path, expected.path, rtol=1e-12, atol=1e-12, equal_nan=True)
            np.testing.assert_allclose(cached.fun_path, expected.fun_path, rtol=1e-12, atol=1e-12, equal_nan=True)
    page((0.5, 0.5), 1)  # off the menu: added, with the menu's starts
    assert kept((0.5, 0.5), 1) is not None
    # a Generator is used as it is: the runs of its draws, not kept
    count = len(EXPLORER_FORWARD_RUNS)
    plt.close(explorer_figure(0.02, law="gaussian", rng=np.random.default_rng(1), max_iter=60, num_runs=2))
    assert len(EXPLORER_FORWARD_RUNS) == count


def test_contours_are_computed_once_and_are_matplotlib_s_contours():
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from fgcourse.testfunctions import contour_grid

    run = minimize(beale, [0.0, 0.5], "sgd", 0.01, max_iter=5)
    first, second = (plot_runs(beale, [run]).axes[0].collections[0] for _ in range(2))
    assert all(a is b for a, b in zip(first.get_paths(), second.get_paths()))  # the cache's own paths
    X, Y, Z = contour_grid(beale, None, num=100)
    levels = np.logspace(np.log10(max(Z.min(), 1e-3)), np.log10(Z.max()), 20)
    fresh = plt.figure().add_subplot().contour(X, Y, Z, levels=levels, norm=LogNorm(), cmap="Greys")
    assert len(first.get_paths()) == len(fresh.get_paths()) == 20
    for cached, drawn in zip(first.get_paths(), fresh.get_paths()):
        # exact: the same grid and levels (Beale's f* = 0, so f − f* is Z itself) through the same contouring
        np.testing.assert_array_equal(cached.vertices, drawn.vertices)
    np.testing.assert_array_equal(first.get_edgecolor(), fresh.get_edgecolor())
    plt.close("all")


def test_plot_runs_on_given_axes():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    run = minimize(rosenbrock, [-1.0, 0.0], "sgd", 5e-4, max_iter=5)
    assert plot_runs(rosenbrock, [run], box=((-2, 2), (-1, 3)), axes=axes, title="t") is fig
    assert fig.get_suptitle() == "t"


def test_draw_mean_estimates_draws_one_panel_per_law():
    theta = np.array([1.5, -0.1])
    means = forward_gradient_means(beale, theta, ["gaussian", "rademacher"], (5, 10), 0)
    figure = draw_mean_estimates(beale, theta, means, grad(beale.f)(theta), ((-0.5, 4.5), (-1.5, 1.5)))
    assert isinstance(figure, matplotlib.figure.Figure) and len(figure.axes) == 2
    assert [ax.get_title() for ax in figure.axes] == ["gaussian tangents", "rademacher tangents"]
    assert all(len(ax.collections) >= 3 for ax in figure.axes)  # contours, true arrow, two means


# ------------------------------------------------------------------------ the step-size limit

A10 = hyperellipsoid_diagonal(10)


def test_draw_spectral_radii_draws_each_law_and_its_limit():
    lrs = np.linspace(1e-3, 0.025, 20)
    figure = draw_spectral_radii(A10, ["rademacher", "gaussian"], lrs, title="n = 10")
    (ax,) = figure.axes
    assert ax.get_title() == "n = 10" and ax.get_ylabel() == "spectral radius of M"
    radius, limit = ax.lines[0], ax.lines[1]
    np.testing.assert_array_equal(radius.get_ydata(), spectral_radii(A10, "rademacher", lrs))  # exact: same call
    assert limit.get_xdata()[0] == forward_sgd_step_limit(A10, "rademacher")
    assert [line.get_color() for line in ax.lines[:4:2]] == [LIMIT_COLORS["rademacher"], LIMIT_COLORS["gaussian"]]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["rademacher tangents", "gaussian tangents"]


def test_draw_step_limits_draws_every_series_and_the_reference():
    dims = [1, 10, 100]
    limits = hyperellipsoid_step_limits(dims, ("rademacher", "gaussian", "sphere"))
    figure = draw_step_limits(dims, limits, reference=0.01)
    assert_told_apart_with_any_colour_vision(figure)
    limits.pop("sphere")
    (ax,) = draw_step_limits(dims, limits, reference=0.01).axes
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "true SGD", "forward, rademacher", "forward, gaussian", "lr = 0.01 (the sources)"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), limits["rademacher"])  # exact: the values given
    assert ax.get_xscale() == ax.get_yscale() == "log"
    (ax,) = draw_step_limits(dims, {"true": limits["true"]}, reference=None).axes
    assert len(ax.lines) == 1


def test_draw_mean_square_runs_draws_one_panel_per_result():
    results = [mean_square_runs(A10, law, 0, 1.05, num_runs=30, num_steps=10) for law in ("rademacher", "gaussian")]
    figure = draw_mean_square_runs(results)
    assert [ax.get_title() for ax in figure.axes] == ["rademacher tangents, lr = 1.05 x limit",
                                                      "gaussian tangents, lr = 1.05 x limit"]
    predicted, mean, median = figure.axes[1].lines
    np.testing.assert_array_equal(predicted.get_ydata(), results[1].predicted)  # exact: the values given
    np.testing.assert_array_equal(median.get_ydata(), np.median(results[1].squares, axis=1))
    assert mean.get_label() == "mean over 30 runs" and figure.axes[0].get_ylabel() == "‖θ_k‖²"


# ------------------------------------------------------------------------------ bad inputs

THETA = np.array([1.5, -0.1])
GRADIENT = np.array([-3.4, -0.8])
MEANS = {"rademacher": {5: np.array([-3.0, -1.0])}}
RUN = minimize(beale, np.zeros(2), max_iter=2)
RUN_3D = minimize(spiral, np.zeros(3), max_iter=2)

BAD_INPUTS = [
    # plot_runs
    (lambda: plot_runs(spiral, [RUN]), "function", "dimension 2"),
    (lambda: plot_runs(beale.f, [RUN]), "function", "TestFunction"),
    (lambda: plot_runs(beale, RUN), "runs", "sequence"),
    (lambda: plot_runs(beale, [RUN.path]), "runs[0]", "OptimizeResult"),
    (lambda: plot_runs(beale, [RUN_3D]), "runs[0]", "plane"),
    (lambda: plot_runs(beale, [RUN], box=(0, 1)), "box[0]", "sequence"),
    (lambda: plot_runs(beale, [RUN], box=((0, 1),)), "box", "at least 2"),
    (lambda: plot_runs(beale, [RUN], box=((1, 0), (0, 1))), "box[0]", "low < high"),
    (lambda: plot_runs(beale, [RUN], box=((0, "1"), (0, 1))), "box[0][1]", "real number"),
    (lambda: plot_runs(beale, [RUN], title=3), "title", "string"),
    (lambda: plot_runs(beale, [RUN], axes="ax"), "axes", "sequence"),
    # draw_mean_estimates
    (lambda: draw_mean_estimates(spiral, THETA, MEANS, GRADIENT), "function", "dimension 2"),
    (lambda: draw_mean_estimates(beale, np.zeros(3), MEANS, GRADIENT), "theta", "(2,)"),
    (lambda: draw_mean_estimates(beale, THETA, [1.0, 2.0], GRADIENT), "means", "mapping"),
    (lambda: draw_mean_estimates(beale, THETA, {}, GRADIENT), "means", "at least one"),
    (lambda: draw_mean_estimates(beale, THETA, {"rademacher": {}}, GRADIENT), "means['rademacher']", "at least"),
    (lambda: draw_mean_estimates(beale, THETA, {"rademacher": {0: GRADIENT}}, GRADIENT), "key", ">= 1"),
    (lambda: draw_mean_estimates(beale, THETA, {"rademacher": {5: np.zeros(3)}}, GRADIENT), "[5]", "(2,)"),
    (lambda: draw_mean_estimates(beale, THETA, {3: {5: GRADIENT}}, GRADIENT), "means key", "law name"),
    (lambda: draw_mean_estimates(beale, THETA, MEANS, np.zeros(2)), "true_gradient", "nonzero"),
    (lambda: draw_mean_estimates(beale, THETA, MEANS, [np.nan, 1.0]), "true_gradient", "finite"),
    (lambda: draw_mean_estimates(beale, THETA, MEANS, GRADIENT, box="box"), "box", "sequence"),
    # explorer_figure
    (lambda: explorer_figure(0.0), "lr", "> 0"),
    (lambda: explorer_figure(0.01, start=(0.0, 0.5, 1.0)), "start", "(2,)"),
    (lambda: explorer_figure(0.01, start="origin"), "start", "real numbers"),
    (lambda: explorer_figure(0.01, law="uniform"), "law", "rademacher"),
    (lambda: explorer_figure(0.01, optimizer="sdg"), "optimizer", "did you mean 'sgd'"),
    (lambda: explorer_figure(0.01, rng="0"), "rng", "Generator"),
    (lambda: explorer_figure(0.01, function=rosenbrock.f), "function", "TestFunction"),
    (lambda: explorer_figure(0.01, num_runs=0), "num_runs", ">= 1"),
    (lambda: explorer_figure(0.01, max_iter=0), "max_iter", ">= 1"),
    (lambda: explorer_figure(0.01, starts=[(0.0, 0.5, 1.0)]), "starts[0]", "(2,)"),
    (lambda: explorer_figure(0.01, starts=3), "starts", "sequence"),
    # the step-size figures
    (lambda: draw_spectral_radii(A10, [], [0.01]), "laws", "at least 1"),
    (lambda: draw_spectral_radii(A10, ["rademacher", "normal"], [0.01]), "laws[1]", "one of"),
    (lambda: draw_spectral_radii(A10, ["rademacher"], [-0.01]), "lrs[0]", "> 0"),
    (lambda: draw_spectral_radii(-A10, ["rademacher"], [0.01]), "a", "positive"),
    (lambda: draw_spectral_radii(A10, ["rademacher"], [0.01], title=1), "title", "string"),
    (lambda: draw_step_limits([1, 2], {"true": [1.0]}), "limits['true']", "(2,)"),
    (lambda: draw_step_limits([1, 2], {}), "limits", "at least one"),
    (lambda: draw_step_limits([1, 2], [1.0, 0.5]), "limits", "mapping"),
    (lambda: draw_step_limits([1, 0], {"true": [1.0, 0.5]}), "dims[1]", ">= 1"),
    (lambda: draw_step_limits([1, 2], {"true": [1.0, 0.5]}, reference=0), "reference", "> 0"),
    (lambda: draw_mean_square_runs([]), "results", "at least 1"),
    (lambda: draw_mean_square_runs([RUN]), "results[0]", "MeanSquareRuns"),
]


@pytest.mark.parametrize("call, name, word", BAD_INPUTS)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, name, word):
    assert_refused(call, name, word)
