"""Tests of fgcourse.linesearch.plots: φ on a grid, accepted regions, the line problems, the figures."""

import autograd.numpy as anp
import matplotlib
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from strategies import (
    assert_names_argument,
    assert_refused,
    assert_told_apart_with_any_colour_vision,
    ill_conditioned_quadratic,
    plain_numpy_function,
    smooth_rays,
)

from fgcourse.linesearch import (
    LINE_PROBLEMS,
    acceptance_regions,
    accepted_intervals,
    descent,
    dichotomy,
    draw_bracket_widths,
    draw_conditions,
    draw_descent,
    golden_section,
    line_problem,
    line_profile,
    parabolic,
    steepest_descent,
    wolfe,
)
from fgcourse.testfunctions import diagonal_quadratic as library_quadratic

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_line_profile_matches_pointwise_autograd():
    f, x, d, alpha_max = line_problem("beale")
    alphas = np.linspace(0, alpha_max, 7)
    phi, slope = line_profile(f, x, d, alphas)
    np.testing.assert_allclose(phi, [f(x + a * d) for a in alphas])
    np.testing.assert_allclose(slope, [np.dot(grad(f)(x + a * d), d) for a in alphas])


@settings(max_examples=30)
@given(smooth_rays(), st.floats(1e-4, 0.4), st.floats(0.5, 0.95))
def test_acceptance_regions_match_the_conditions(ray, c1, c2):
    f, x, d = ray
    alphas = np.linspace(1e-3, 2.0, 50)
    regions = acceptance_regions(lambda X: anp.stack([f(row) for row in X]), x, d, alphas, c1, c2)
    phi = np.array([f(x + a * d) for a in alphas])
    slope = np.array([np.dot(grad(f)(x + a * d), d) for a in alphas])
    np.testing.assert_allclose(regions["phi"], phi, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(regions["slope"], slope, rtol=1e-9, atol=1e-9)
    assert regions["slope0"] == pytest.approx(float(np.dot(grad(f)(x), d)))
    assert np.all(regions["strong_wolfe"] <= regions["wolfe"])
    assert np.all(regions["goldstein"] <= regions["armijo"])


def test_accepted_intervals_cover_exactly_the_true_runs():
    alphas = np.arange(8.0)
    mask = np.array([0, 1, 1, 0, 0, 1, 0, 1], dtype=bool)
    assert accepted_intervals(alphas, mask) == [(0.5, 2.0), (4.5, 1.0), (6.5, 1.0)]
    assert accepted_intervals(alphas, np.zeros(8, dtype=bool)) == []


def test_line_problem_returns_copies_that_callers_may_edit():
    f, x, d, alpha_max = line_problem("rosenbrock")
    x[:] = 99.0
    d[:] = 0.0
    _, x_again, d_again, _ = line_problem("rosenbrock")
    np.testing.assert_array_equal(x_again, [-1.2, 1.0])  # exact: a stored start, copied
    np.testing.assert_allclose(d_again, -grad(f)(np.array([-1.2, 1.0])))


def test_the_library_quadratic_is_the_shared_test_quadratic():
    X = np.random.default_rng(0).standard_normal((5, 2))
    # exact: the shared test quadratic is the library's function itself
    np.testing.assert_array_equal(library_quadratic((1.0, 25.0))(X), ill_conditioned_quadratic((1.0, 25.0))(X))
    f, x, _, _ = line_problem("quadratic")
    assert f(x) == ill_conditioned_quadratic((1.0, 25.0))(x)


@pytest.mark.parametrize("problem", LINE_PROBLEMS)
def test_draw_conditions_draws_one_band_per_condition(problem):
    fig = draw_conditions(0.1, 0.9, problem)
    (ax,) = fig.axes
    assert isinstance(fig, Figure)
    assert len(ax.collections) == 4 and len(ax.lines) == 3
    assert len(ax.lines[0].get_xdata()) == 299


def test_draw_bracket_widths_draws_each_search_and_the_two_reference_lines():
    phi = (lambda t: (t - 0.3) ** 2 + t**4)
    runs = {"quartic": {search.__name__: search(phi, 0.0, 1.0, 1e-8) for search in (dichotomy, golden_section,
                                                                                    parabolic)},
            "shifted": {"golden": golden_section(lambda t: (t - 2.0) ** 2, 0.0, 5.0, 1e-6)}}
    fig = draw_bracket_widths(runs)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    first = fig.axes[0]
    assert len(first.lines) == 3 + 2 and [ax.get_title() for ax in fig.axes] == ["quartic", "shifted"]
    np.testing.assert_allclose(first.lines[1].get_ydata()[0], 1.0)  # widths relative to b − a
    assert first.get_yscale() == "log"
    assert_told_apart_with_any_colour_vision(fig)


def test_draw_descent_draws_one_curve_per_run_against_evaluations():
    f = ill_conditioned_quadratic((1.0, 100.0))
    runs = {name: descent(f, np.array([10.0, 1.0]), steepest_descent(grad(f)), step, slope=grad(f), max_iter=30)
            for name, step in {"constant": 1e-2, "Wolfe": wolfe}.items()}
    fig = draw_descent({"quadratic": runs}, xlabel="evaluations")
    (ax,) = fig.axes
    assert isinstance(fig, Figure) and len(ax.lines) == 2 and ax.get_xlabel() == "evaluations"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), runs["constant"].evaluations)  # exact: counts
    assert np.all(ax.lines[1].get_ydata() >= 1e-30)  # an exact 0 stays on the log scale
    assert_told_apart_with_any_colour_vision(fig)


_F, _X, _D, _ = line_problem("quadratic")
_RESULT = golden_section(lambda t: t * t, -1.0, 1.0, 1e-3)

BAD_CALLS = [
    (lambda: line_problem("himmelblau"), "problem", "rosenbrock"),
    (lambda: line_problem("rosenbrok"), "problem", "did you mean 'rosenbrock'"),
    (lambda: line_problem(3), "problem", "int"),
    (lambda: draw_conditions(problem="bael"), "problem", "did you mean 'beale'"),
    (lambda: draw_conditions(num=2), "num", ">= 3"),
    (lambda: draw_conditions(num=300.0), "num", "float"),
    (lambda: draw_conditions(num=True), "num", "bool"),
    (lambda: draw_conditions(c1=2.0), "c1", "(0, 1)"),
    (lambda: draw_conditions(c1=0.5, c2=0.3), "c2", "(c1, 1)"),
    (lambda: acceptance_regions(_F, _X, _D, [0.1], goldstein_c=0.7), "goldstein_c", "1/2"),
    (lambda: acceptance_regions(_F, _X, _D, [[0.1]]), "alphas", "1-d"),
    (lambda: line_profile(_F, _X, _D, "grid"), "alphas", "real numbers"),
    (lambda: line_profile(_F, _X, np.ones(3), [0.1]), "d", "shape of x"),
    (lambda: line_profile(3, _X, _D, [0.1]), "f", "callable"),
    (lambda: line_profile(_F, [1j, 0.0], _D, [0.1]), "x", "complex"),
    (lambda: line_profile(lambda X: anp.sum(X), _X, _D, [0.1, 0.2]), "f", "row-wise"),
    (lambda: line_profile(lambda X: "phi", _X, _D, [0.1, 0.2]), "f", "real numbers"),
    (lambda: line_profile(lambda X: anp.sum(X, axis=1) * anp.nan, _X, _D, [0.1, 0.2]), "f", "inf or NaN"),
    (lambda: line_profile(lambda X: plain_numpy_function(X), _X, _D, [0.1, 0.2]), "f", "autograd.numpy"),
    (lambda: accepted_intervals([0.0, 1.0], [0, 1]), "mask", "bools"),
    (lambda: accepted_intervals([0.0, 1.0], [True]), "mask", "shape of alphas"),
    (lambda: library_quadratic((1.0, -1.0)), "a", "positive"),
    (lambda: draw_bracket_widths([_RESULT]), "runs", "dict"),
    (lambda: draw_bracket_widths({}), "runs", "at least one"),
    (lambda: draw_bracket_widths({"p": {}}), "runs['p']", "at least one"),
    (lambda: draw_bracket_widths({"p": {"golden": 0.5}}), "runs['p']['golden']", "BracketResult"),
    (lambda: draw_descent({"p": {"golden": _RESULT}}), "runs['p']['golden']", "DescentResult"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    assert_refused(call, name, word)


def test_draw_descent_checks_its_options():
    f = ill_conditioned_quadratic((1.0, 100.0))
    run = descent(f, np.ones(2), steepest_descent(grad(f)), 1e-2, max_iter=2)
    for kwargs, name in ((dict(floor=0.0), "floor"), (dict(xlabel=3), "xlabel")):
        with pytest.raises((TypeError, ValueError)) as excinfo:
            draw_descent({"p": {"run": run}}, **kwargs)
        assert_names_argument(excinfo, name)
