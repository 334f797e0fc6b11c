"""Tests of fgcourse.linesearch.slopes: gradient and JVP slopes, the ray's counts and cache, bad oracles."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_refused, central_differences, counted, nan_function, smooth_rays, string_function

from fgcourse.linesearch import Ray, SlopeOracle, as_slope_oracle, gradient_slope, jvp_slope, wolfe
from fgcourse.testfunctions import rosenbrock


def test_slope_oracles_agree_with_autograd_and_central_differences():
    f = rosenbrock.f
    x, d = np.array([0.3, -0.4]), np.array([1.0, 2.0])
    expected = float(np.dot(grad(f)(x), d))
    assert expected == pytest.approx(float(central_differences(f, x, d)), rel=1e-6)
    by_gradient = gradient_slope(grad(f))
    assert by_gradient.evaluate(x, d) == (None, pytest.approx(expected))
    np.testing.assert_allclose(by_gradient.grad(x), grad(f)(x))
    value, slope = jvp_slope(f).evaluate(x, d)
    assert value == pytest.approx(f(x)) and slope == pytest.approx(expected)
    assert jvp_slope(f).grad is None and jvp_slope(f).counter == "njvp"


@given(smooth_rays(), st.booleans())
def test_jvp_slope_runs_the_same_search_without_gradients(ray, strong):
    f, x, d = ray
    by_gradient = wolfe(f, grad(f), x, d, strong=strong)
    by_jvp = wolfe(f, jvp_slope(f), x, d, strong=strong)
    assert by_jvp.ngev == 0 and by_jvp.njvp == by_gradient.ngev
    np.testing.assert_allclose(by_jvp.trials, by_gradient.trials, rtol=1e-9)
    assert by_jvp.alpha == pytest.approx(by_gradient.alpha, rel=1e-9, abs=1e-300)
    # a JVP returns φ along with φ', so the JVP search never evaluates f more often
    assert by_jvp.nfev <= by_gradient.nfev


def test_the_ray_counts_caches_and_keeps_only_the_last_gradient():
    fc, gc = counted(rosenbrock.f), counted(grad(rosenbrock.f))
    ray = Ray(fc, gc, [-1.2, 1.0], [1.0, 0.5])
    assert ray.value(0.5) == ray.value(0.5) and fc.calls == 1
    ray.slope(0.25)
    ray.slope(0.5)
    assert ray.counts == {"nfev": 1, "ngev": 2, "njvp": 0} and gc.calls == 2
    assert ray.gradient_at(0.25) is None
    np.testing.assert_array_equal(ray.gradient_at(0.5), grad(rosenbrock.f)(ray.point(0.5)))  # exact: same call
    assert ray.trials == [0.5]


def test_a_jvp_ray_gets_value_and_slope_from_one_pass():
    ray = Ray(rosenbrock.f, jvp_slope(rosenbrock.f), [-1.2, 1.0], [1.0, 0.5])
    value, slope = ray.value_and_slope(0.1)
    assert ray.counts == {"nfev": 0, "ngev": 0, "njvp": 1}
    assert value == pytest.approx(rosenbrock.f(ray.point(0.1)))
    assert ray.value(0.1) == value and ray.counts["nfev"] == 0


def test_an_oracle_without_values_still_gives_both():
    oracle = SlopeOracle(lambda point, d: (None, float(grad(rosenbrock.f)(point) @ d)), "njvp")
    ray = Ray(rosenbrock.f, oracle, [-1.2, 1.0], [1.0, 0.5])
    value, _ = ray.value_and_slope(0.1)
    assert value == rosenbrock.f(ray.point(0.1)) and ray.counts == {"nfev": 1, "ngev": 0, "njvp": 1}
    assert ray.trials == [0.1]


def test_values_of_f_may_be_non_finite_on_the_ray():
    ray = Ray(nan_function, grad(rosenbrock.f), [1.0, 1.0], [1.0, 0.0])
    assert math.isnan(ray.value(0.5))


def test_as_slope_oracle_keeps_oracles_and_wraps_gradients():
    oracle = jvp_slope(rosenbrock.f)
    assert as_slope_oracle(oracle) is oracle
    assert as_slope_oracle(grad(rosenbrock.f)).counter == "ngev"


_X, _D = np.array([-1.2, 1.0]), np.array([1.0, 0.5])

BAD_CALLS = [
    (lambda: SlopeOracle(lambda point, d: (None, 0.0), "njvp", grad=lambda point: point), "counter", "'ngev'"),
    (lambda: SlopeOracle(lambda point, d: (None, 0.0), "nfev"), "counter", "njvp"),
    (lambda: SlopeOracle(lambda point, d: (None, 0.0), "njev"), "counter", "did you mean 'njvp'"),
    (lambda: SlopeOracle(3, "ngev"), "evaluate", "callable"),
    (lambda: SlopeOracle(lambda point, d: (None, 0.0), "ngev", grad="grad"), "grad", "callable"),
    (lambda: gradient_slope(None), "grad", "callable"),
    (lambda: jvp_slope("f"), "f", "callable"),
    (lambda: as_slope_oracle(3), "grad", "SlopeOracle"),
    (lambda: Ray(3, grad(rosenbrock.f), _X, _D), "f", "callable"),
    (lambda: Ray(rosenbrock.f, grad(rosenbrock.f), _X, np.ones(3)), "d", "shape of x"),
    (lambda: Ray(rosenbrock.f, grad(rosenbrock.f), [0.0, math.nan], _D), "x", "finite"),
    (lambda: Ray(rosenbrock.f, grad(rosenbrock.f), "ab", _D), "x", "real numbers"),
    (lambda: Ray(rosenbrock.f, grad(rosenbrock.f), [1j, 0.0], _D), "x", "complex"),
    (lambda: Ray(rosenbrock.f, grad(rosenbrock.f), _X, [[1.0, 0.5]]), "d", "1-d"),
    (lambda: Ray(string_function, grad(rosenbrock.f), _X, _D).value(0.1), "f", "real numbers"),
    (lambda: Ray(lambda z: z, grad(rosenbrock.f), _X, _D).value(0.1), "f", "scalar"),
    (lambda: Ray(rosenbrock.f, lambda z: np.ones(3), _X, _D).slope(0.1), "grad", "shape (2,)"),
    (lambda: Ray(rosenbrock.f, lambda z: "g", _X, _D).slope(0.1), "grad", "real numbers"),
    (lambda: Ray(rosenbrock.f, lambda z: 1j * z, _X, _D).slope(0.1), "grad", "complex"),
    (lambda: jvp_slope(lambda z: __import__("math").sin(z[0])).evaluate(_X, _D), "f", "autograd.numpy"),
    (lambda: jvp_slope(lambda z: anp.stack([z[0], z[1]])).evaluate(_X, _D), "f", "scalar"),
    (lambda: jvp_slope(string_function).evaluate(_X, _D), "f", "str"),
    (lambda: Ray(rosenbrock.f, SlopeOracle(lambda point, d: (None, "s"), "njvp"), _X, _D).slope(0.1),
     "evaluate", "real numbers"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_input_names_the_argument(call, name, word):
    assert_refused(call, name, word)
