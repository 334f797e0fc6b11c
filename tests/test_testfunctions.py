"""Tests for fgcourse.testfunctions: minima, gradients, row-wise batches, the registry."""

import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fgcourse.testfunctions import (
    TEST_FUNCTIONS, TestFunction, beale, contour_grid, get_test_function, hyperellipsoid,
    register_test_function, rosenbrock, spiral, sphere,
)

DIMENSIONS = {"beale": [2], "rosenbrock": [2, 3, 10], "sphere": [1, 2, 7], "hyperellipsoid": [1, 2, 7], "spiral": [3]}

CASES = [(name, n) for name in TEST_FUNCTIONS for n in DIMENSIONS.get(name, [2])]


def rows(n, max_rows=6, bound=3.0):
    """A batch of points (B, n) with moderate coordinates."""
    return st.integers(1, max_rows).flatmap(
        lambda b: arrays(float, (b, n), elements=st.floats(-bound, bound, allow_nan=False))
    )


def test_every_registered_function_has_test_dimensions():
    assert set(DIMENSIONS) == set(TEST_FUNCTIONS)


@pytest.mark.parametrize("name, n", CASES)
def test_minimum_is_attained_at_the_minimizer_with_zero_gradient(name, n):
    function = TEST_FUNCTIONS[name]
    x_star = function.minimizer(n)
    assert x_star.shape == (n,)
    assert function(x_star) == pytest.approx(function.minimum, abs=1e-14)
    np.testing.assert_allclose(grad(function.f)(x_star), np.zeros(n), atol=1e-12)


@pytest.mark.parametrize("name, n", CASES)
def test_minimizer_lies_in_the_domain_and_beats_random_points(name, n):
    function = TEST_FUNCTIONS[name]
    low, high = function.domain
    assert np.all((low <= function.minimizer(n)) & (function.minimizer(n) <= high))
    points = np.random.default_rng(0).uniform(low, high, size=(500, n))
    assert np.all(function(points) >= function.minimum)


@pytest.mark.parametrize("name, n", CASES)
def test_batch_and_single_evaluation_agree_with_gradients(name, n):
    function = TEST_FUNCTIONS[name]
    points = np.random.default_rng(1).uniform(-2, 2, size=(4, n))
    singles = np.array([function(p) for p in points])
    np.testing.assert_allclose(function(points), singles, rtol=1e-14)
    batch_gradient = grad(lambda X: np.sum(function.f(X)))(points)
    np.testing.assert_allclose(batch_gradient, np.array([grad(function.f)(p) for p in points]), rtol=1e-12)


def test_closed_forms_at_known_points():
    # Beale at the origin: 1.5² + 2.25² + 2.625²; at (1.5, -0.1), 003's Figure 1 point.
    assert beale(np.zeros(2)) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    x, y = 1.5, -0.1
    written_out = (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
    assert beale(np.array([x, y])) == pytest.approx(written_out, rel=1e-14)
    assert rosenbrock(np.array([-1.0, 0.0])) == pytest.approx(100 * 1 + 4)
    assert hyperellipsoid(np.array([1.0, 1.0, 1.0])) == pytest.approx(6.0)
    assert sphere(np.array([3.0, 4.0])) == pytest.approx(25.0)
    assert spiral(np.array([np.sin(2.0), np.cos(2.0), 2.0])) == pytest.approx(np.log(5.0))


@given(st.integers(2, 12).flatmap(lambda n: rows(n)))
def test_rosenbrock_is_nonnegative_in_any_dimension(points):
    assert np.all(rosenbrock(points) >= 0)
    n = points.shape[1]
    assert rosenbrock(np.ones(n)) == 0.0


@given(st.integers(2, 12).flatmap(lambda n: rows(n)))
def test_rosenbrock_batch_equals_rows(points):
    np.testing.assert_allclose(rosenbrock(points), [rosenbrock(p) for p in points], rtol=1e-13)


@given(rows(3))
def test_spiral_is_log_of_one_plus_squared_distance_and_nonnegative(points):
    a, b, c = points.T
    expected = np.log1p(c**2 + (a - np.sin(c)) ** 2 + (b - np.cos(c)) ** 2)
    np.testing.assert_allclose(spiral(points), expected, rtol=1e-12, atol=1e-15)
    assert np.all(spiral(points) >= 0)


def test_registry_lookup_and_errors():
    assert get_test_function("beale") is beale
    assert isinstance(beale, TestFunction)
    with pytest.raises(ValueError, match=r"unknown test function 'bael'.*accepted.*beale"):
        get_test_function("bael")
    with pytest.raises(ValueError, match="dimension 2 only, got n = 3"):
        beale(np.zeros(3))
    with pytest.raises(ValueError, match="n >= 2, got n = 1"):
        rosenbrock(np.zeros(1))
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(B, n\)"):
        sphere(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="any dimension n >= 2: pass n"):
        rosenbrock.minimizer()
    with pytest.raises(ValueError, match="already registered"):
        register_test_function(domain=(0, 1), minimum=0, minimizer=np.zeros)(sphere.f)


def test_adding_a_function_is_one_definition():
    def booth(x):
        return (x[..., 0] + 2 * x[..., 1] - 7) ** 2 + (2 * x[..., 0] + x[..., 1] - 5) ** 2

    try:
        entry = register_test_function(domain=(-10, 10), minimum=0, minimizer=lambda n: np.array([1.0, 3.0]), dim=2)(booth)
        assert get_test_function("booth") is entry
        assert entry(entry.minimizer()) == 0.0
    finally:
        TEST_FUNCTIONS.pop("booth", None)


def test_bounds_and_contour_grid():
    assert rosenbrock.bounds(3).tolist() == [[-5.0, 10.0]] * 3
    X, Y, Z = contour_grid(beale, num=30)
    assert X.shape == Y.shape == Z.shape == (30, 30)
    np.testing.assert_allclose(Z[7, 11], beale(np.array([X[7, 11], Y[7, 11]])))
    with pytest.raises(ValueError, match="dimension 3 only"):
        contour_grid(spiral)
