"""Tests of fgcourse.linesearch.exact: dichotomy, golden section, parabolic; brackets, counts, failures."""

import math

import numpy as np
import pytest
import scipy.optimize
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import (
    NOT_COUNTS,
    NOT_REALS,
    assert_names_argument,
    assert_refused,
    counted,
    tolerances,
    unimodal_problems,
)

from fgcourse.linesearch import (
    EXACT_STATUSES,
    GOLDEN_RATIO,
    BracketResult,
    bracket_widths,
    dichotomy,
    dichotomy_iterations,
    golden_section,
    parabola_vertex,
    parabolic,
    rate_per_evaluation,
    width_ratios,
)

EXACT_SEARCHES = (dichotomy, golden_section, parabolic)


@given(unimodal_problems(), tolerances)
def test_exact_searches_find_the_minimiser_within_tol(problem, tol):
    phi, a, b, minimiser, resolution = problem
    for search in EXACT_SEARCHES:
        result = search(phi, a, b, tol)
        assert result.success and result.status == "converged", (search.__name__, result.status)
        assert abs(result.x - minimiser) <= tol + resolution(tol), search.__name__
        assert result.fun == phi(result.x)  # exact: φ at the same point


@given(unimodal_problems(), tolerances)
def test_brackets_are_nested_and_hold_the_best_point(problem, tol):
    phi, a, b, minimiser, resolution = problem
    for search in EXACT_SEARCHES:
        result = search(phi, a, b, tol)
        previous = (a, b)
        for step in result.history:
            assert previous[0] <= step.a <= step.x <= step.b <= previous[1]
            assert step.a - resolution(tol) <= minimiser <= step.b + resolution(tol)
            previous = (step.a, step.b)
        counts = [step.nfev for step in result.history]
        assert counts == sorted(counts) and counts[-1] == result.nfev
        assert result.brackets[0] == (a, b) and len(result.brackets) == result.nit + 1


@given(unimodal_problems(), tolerances)
def test_dichotomy_meets_its_iteration_bound(problem, tol):
    phi, a, b, _, _ = problem
    halvings = math.log2((b - a) / tol)
    # at (b − a)/tol = 2^m exactly the last test is |x − a| ≤ tol with both sides equal in exact
    # arithmetic, and rounding of the endpoints decides it: one halving more is then fair
    assume(abs(halvings - round(halvings)) > 1e-9)
    result = dichotomy(counted(phi), a, b, tol)
    bound = math.ceil(halvings - 1)
    assert result.nit <= max(bound, 0)
    assert result.nit == dichotomy_iterations(a, b, tol)
    assert result.nfev <= 2 * result.nit + 1
    widths = bracket_widths(result)[1]
    rounding = 4 * np.finfo(float).eps * max(abs(a), abs(b)) / widths[1:]  # endpoints round to the grid
    assert np.all(abs(width_ratios(result, per_evaluation=False) - 0.5) <= rounding + 1e-12)


def test_dichotomy_counts_match_the_calls():
    phi = counted(lambda t: (t - 0.1234) ** 2)
    result = dichotomy(phi, -1.0, 1.0, 1e-6)
    assert result.nfev == phi.calls


def test_golden_section_shrinks_by_one_over_tau_per_evaluation_down_to_1e_12():
    phi = counted(lambda t: (t - 0.3) ** 2 + 0.1 * t**4)
    result = golden_section(phi, 0.0, 1.0, 1e-12)
    assert result.success and result.nfev == phi.calls
    nfev, width = bracket_widths(result)
    assert np.all(np.diff(nfev) == 1)  # one evaluation per step
    # absolute rounding of the points is ~1e-16, so the ratio's relative error grows as the width shrinks
    ratios = width[1:] / width[:-1]
    assert np.all(abs(ratios - 1 / GOLDEN_RATIO) <= 4e-16 / width[1:] + 1e-12)
    np.testing.assert_allclose(width, GOLDEN_RATIO ** -(nfev - 2.0), rtol=1e-3)
    assert width[-1] <= 1e-12 * GOLDEN_RATIO and width[-2] * (1 - 1e-3) > 1e-12
    assert rate_per_evaluation(result) == pytest.approx(1 / GOLDEN_RATIO, rel=1e-6)


@given(unimodal_problems(), tolerances)
def test_golden_section_agrees_with_scipy_golden(problem, tol):
    phi, a, b, minimiser, resolution = problem
    assume(min(minimiser - a, b - minimiser) > 1e-3 * (b - a))  # scipy's golden does not reach the ends
    ours = golden_section(phi, a, b, tol)
    theirs = scipy.optimize.golden(phi, brack=(a, b), tol=1e-12)
    assert abs(ours.x - theirs) <= tol + 2 * resolution(tol) + 1e-9


@pytest.mark.parametrize("phi, bracket", [
    (lambda t: (t - 0.3) ** 2 + 0.1 * t**4, (-1.0, 0.5, 2.0)),
    (lambda t: t - math.log(t), (0.1, 1.5, 5.0)),
    (lambda t: math.exp(t) - 2 * t, (-2.0, 0.5, 3.0)),
    (lambda t: -math.sin(t), (0.0, 1.0, 3.0)),
])
def test_parabolic_agrees_with_scipy_brent(phi, bracket):
    a, _, b = bracket
    ours = parabolic(phi, a, b, 1e-6)
    theirs = scipy.optimize.brent(phi, brack=bracket, tol=1e-10)
    assert ours.success
    assert abs(ours.x - theirs) <= 1e-6
    # the same method: far fewer evaluations than golden section for the same tolerance
    assert ours.nfev < 0.7 * golden_section(phi, a, b, 1e-6).nfev


def test_parabola_vertex_of_an_exact_parabola():
    for vertex, curvature_ in ((0.3, 2.0), (-4.0, 0.5), (10.0, 7.0)):
        def p(t):
            return curvature_ * (t - vertex) ** 2 + 1.0
        assert parabola_vertex(-1.0, p(-1.0), 0.5, p(0.5), 2.0, p(2.0)) == pytest.approx(vertex)
    assert math.isnan(parabola_vertex(0.0, 1.0, 1.0, 2.0, 2.0, 3.0))  # collinear


@pytest.mark.parametrize("search", EXACT_SEARCHES)
def test_non_unimodal_phi_is_reported_and_terminates(search):
    result = search(lambda t: (t - 0.5) ** 2 - 0.1 * math.cos(30 * t), 0.0, 1.0, 1e-10, max_iter=200)
    assert not result.success and result.status == "not_unimodal"
    assert result.nit < 200


@given(st.integers(1, 40), st.floats(0, 1), st.sampled_from(EXACT_SEARCHES))
def test_any_wiggly_phi_terminates_within_the_cap_with_a_named_status(frequency, shift, search):
    result = search(lambda t: math.sin(frequency * t + shift) + 0.01 * t, -2.0, 5.0, 1e-9, max_iter=100)
    assert result.nit <= 100
    assert result.status in EXACT_STATUSES
    assert result.success == (result.status == "converged")
    assert result.message.startswith(result.status) and "\n" not in result.message


@pytest.mark.parametrize("search", EXACT_SEARCHES)
def test_iteration_cap_is_a_named_failure(search):
    result = search(lambda t: (t - 0.3) ** 2 + t**4, 0.0, 1.0, 1e-12, max_iter=3)
    assert not result.success and result.status == "max_iter" and result.nit == 3


@pytest.mark.parametrize("search", EXACT_SEARCHES)
def test_a_non_finite_phi_is_a_status_not_an_error(search):
    result = search(lambda t: math.nan, 0.0, 1.0, 1e-6)
    assert not result.success and result.status == "non_finite"
    partly = search(lambda t: (t - 0.5) ** 2 if t < 0.6 else math.inf, 0.0, 1.0, 1e-6)
    assert not partly.success and partly.status == "non_finite" and partly.nit <= 3


def test_exact_searches_accept_zero_dimensional_arrays_and_numpy_numbers():
    result = dichotomy(lambda t: (t - 0.3) ** 2, np.array(0.0), np.float32(1.0), np.array(1e-6),
                       max_iter=np.int64(100))
    assert result.success and abs(result.x - 0.3) <= 1e-6
    assert isinstance(result, BracketResult)


def _square(t):
    return t * t


BAD_CALLS = [
    *[(lambda search=search: search(_square, 1.0, 1.0, 1e-3), "b", "a < b") for search in EXACT_SEARCHES],
    (lambda: dichotomy(_square, 2.0, 1.0, 1e-3), "b", "a < b"),
    (lambda: golden_section(_square, 0.0, 1.0, 0.0), "tol", "> 0"),
    (lambda: parabolic(_square, 0.0, 1.0, -1e-3), "tol", "> 0"),
    (lambda: dichotomy(_square, 0.0, 1.0, math.nan), "tol", "finite"),
    (lambda: golden_section(_square, 0.0, math.inf, 1e-3), "b", "finite"),
    (lambda: parabolic(_square, -1e308, 1e308, 1e-3), "b", "width"),
    (lambda: golden_section(3.0, 0.0, 1.0, 1e-3), "phi", "callable"),
    (lambda: dichotomy(_square, 1j, 1.0, 1e-3), "a", "complex"),
    (lambda: dichotomy(_square, 0.0, "1", 1e-3), "b", "str"),
    (lambda: dichotomy(_square, 0.0, 1.0, 1e-3, max_iter=True), "max_iter", "bool"),
    (lambda: golden_section(_square, 0.0, 1.0, 1e-3, max_iter=0), "max_iter", ">= 1"),
    (lambda: parabolic(_square, 0.0, 1.0, 1e-3, max_iter=2.0), "max_iter", "float"),
    (lambda: dichotomy_iterations(0.0, 1.0, -1.0), "tol", "> 0"),
    (lambda: parabola_vertex(0.0, 1.0, 1j, 2.0, 2.0, 3.0), "x2", "complex"),
    *[(lambda search=search: search(lambda t: "low", 0.0, 1.0, 1e-3), "phi", "real numbers")
      for search in EXACT_SEARCHES],
    *[(lambda search=search: search(lambda t: np.array([t, t]), 0.0, 1.0, 1e-3), "phi", "scalar")
      for search in EXACT_SEARCHES],
    (lambda: golden_section(lambda t: 1j * t, 0.0, 1.0, 1e-3), "phi", "complex"),
    (lambda: dichotomy(lambda t: None, 0.0, 1.0, 1e-3), "phi", "real numbers"),
    (lambda: dichotomy(lambda t: {}[t], 0.0, 1.0, 1e-3), "phi", "KeyError"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_max_iter_refuses_everything_but_counts(value):
    with pytest.raises(TypeError) as excinfo:
        golden_section(_square, 0.0, 1.0, 1e-3, max_iter=value)
    assert_names_argument(excinfo, "max_iter")


@pytest.mark.parametrize("value", NOT_REALS)
def test_bracket_ends_refuse_everything_but_reals(value):
    with pytest.raises(TypeError) as excinfo:
        dichotomy(_square, value, 1.0, 1e-3)
    assert_names_argument(excinfo, "a")
