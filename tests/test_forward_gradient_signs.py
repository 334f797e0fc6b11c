"""Tests of fgcourse.forward_gradient.signs: sign agreement, and the progress per step it predicts on
linear objectives, bad input."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    NOT_RNGS,
    all_laws,
    assert_names_argument,
    assert_refused,
    dimensions,
    gradients,
    seeds,
    stable_id,
    traced_peak,
)

from fgcourse.forward_gradient import (
    SIGN_EXCESS_CONSTANT,
    adam_long_memory_progress,
    expected_sign_agreement,
    expected_sign_agreement_isotropic,
    expected_walk_distance,
    forward_gradient_samples,
    gaussian,
    linear_sgd_expected_gain,
    linear_sgd_expected_squared_step,
    monte_carlo,
    rademacher,
    sample_sign_descent_progress,
    sign_agreement_counts,
    sign_agreement_distribution,
    sign_bound,
    sign_descent_progress,
    sphere,
)

# ------------------------------------------------------------- sign agreement

def brute_force_walk_distance(n):
    return Fraction(sum(math.comb(n, k) * abs(2 * k - n) for k in range(n + 1)), 2**n)


def brute_force_sign_agreement(n):
    """Average over all 2^n Rademacher tangents, gradient (1, ..., 1), a zero counting one half."""
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    g = (signs @ np.ones(n))[:, None] * signs
    return np.mean(np.sum((1 + np.sign(g)) / 2, axis=1))


@pytest.mark.parametrize("n", range(1, 17))
def test_exact_sign_agreement_matches_enumeration(n):
    assert expected_sign_agreement(n) == pytest.approx(brute_force_sign_agreement(n), rel=1e-13)
    assert expected_walk_distance(n) == pytest.approx(float(brute_force_walk_distance(n)), rel=1e-13)


def test_sign_agreement_does_not_depend_on_the_signs_of_the_gradient():
    grad = np.array([1.0, -1.0, -1.0, 1.0, 1.0])
    counts = sign_agreement_counts(rademacher, grad, 0, 100_000)
    estimate = monte_carlo(counts)
    assert abs(estimate.mean - expected_sign_agreement(5)) <= 4 * estimate.standard_error


@pytest.mark.simd
def test_known_walk_distances():
    assert expected_walk_distance(100) == pytest.approx(7.9589237387, abs=1e-10)
    assert expected_walk_distance(1) == 1.0  # exact: 2 · 1 · (1/2)
    assert expected_sign_agreement(1) == 1.0  # exact: 1/2 + 1/2
    assert expected_sign_agreement(11) == pytest.approx(6.8535, abs=5e-5)
    assert sign_bound(11) == pytest.approx(6.8231, abs=5e-5)
    for n in [999, 1000, 2001]:
        assert expected_walk_distance(n) == pytest.approx(float(brute_force_walk_distance(n)), rel=1e-13)


def test_odd_walk_goes_as_far_as_the_next_even_one():
    n = np.arange(1, 200, 2)
    assert np.allclose(expected_walk_distance(n), expected_walk_distance(n + 1), rtol=1e-15)


def test_asymptotic_value_is_exceeded_only_for_odd_n_and_by_at_most_c_over_root_n():
    n = np.arange(1, 200_001)
    excess = expected_sign_agreement(n) - sign_bound(n)
    assert np.all(excess[1::2] < 0)  # even n
    assert np.all(excess[0::2] > 0)  # odd n
    assert np.all(excess * np.sqrt(n) <= SIGN_EXCESS_CONSTANT)
    # The constant is not far from sharp: the supremum of √n · excess is reached at n = 3.
    scaled = excess * np.sqrt(n)
    assert np.argmax(scaled) == 2
    assert scaled[2] == pytest.approx(math.sqrt(3) * (0.75 - math.sqrt(3 / (2 * math.pi))))
    assert scaled[2] > 0.85 * SIGN_EXCESS_CONSTANT
    assert excess[0] == pytest.approx((1 - math.sqrt(2 / math.pi)) / 2)  # n = 1: 1 against 0.899


def test_sign_agreement_for_a_million_coordinates_is_finite():
    # Its speed is measured in benchmarks/bench_forward_gradient.py, not asserted here.
    value = expected_sign_agreement(10**6)
    assert math.isfinite(value)
    assert value == pytest.approx(sign_bound(10**6), abs=1e-3)


def test_walk_distance_beyond_the_product_limit_uses_the_expansion():
    from fgcourse.forward_gradient.signs import PRODUCT_LIMIT, _central_binomial_ratios

    ratios = _central_binomial_ratios(PRODUCT_LIMIT + 3)
    for m in range(PRODUCT_LIMIT - 1, PRODUCT_LIMIT + 4):  # both sides of the switch
        assert expected_walk_distance(2 * m) == pytest.approx(2 * m * ratios[m], rel=1e-12)
    n = 10**15  # far beyond any product: bounded memory, and E|S_n| = √(2n/π)(1 − 1/(4n) + ...)
    assert expected_walk_distance(n) == pytest.approx(math.sqrt(2 * n / math.pi), rel=1e-15)
    assert expected_walk_distance(np.iinfo(np.int64).max) > 0


def test_vectorized_walk_distance_matches_scalar_calls():
    n = np.array([1, 2, 7, 100, 12345])
    assert np.allclose(expected_walk_distance(n), [expected_walk_distance(int(k)) for k in n], rtol=1e-15)


def test_monte_carlo_sign_agreement_for_other_laws_is_between_chance_and_all():
    grad = np.random.default_rng(1).standard_normal(40)
    for law in all_laws(40):
        counts = sign_agreement_counts(law, grad, 2, 20_000)
        assert 20 < counts.mean() < 40
        assert counts.min() >= 0 and counts.max() <= 40


# ---------------------------------------------------------- linear objectives

@given(n=dimensions, seed=seeds, data=st.data())
def test_linear_sgd_gain_and_step(n, seed, data):
    mu = data.draw(gradients(n))
    assert linear_sgd_expected_gain(mu, lr=0.1) == pytest.approx(-0.1 * (mu @ mu))
    assert linear_sgd_expected_squared_step(rademacher, mu) == pytest.approx(n * (mu @ mu), abs=1e-9)
    assert linear_sgd_expected_squared_step(sphere, mu) == pytest.approx(n * (mu @ mu), abs=1e-9)
    assert linear_sgd_expected_squared_step(gaussian, mu) == pytest.approx((n + 2) * (mu @ mu), abs=1e-9)


def test_linear_sgd_gain_and_step_against_simulation():
    rng = np.random.default_rng(8)
    mu = rng.standard_normal(10)
    for law in all_laws(10):
        steps = forward_gradient_samples(law, mu, rng, 100_000)
        gain = monte_carlo(-(steps @ mu))
        assert abs(gain.mean - linear_sgd_expected_gain(mu)) <= 4 * gain.standard_error
        squared = monte_carlo(np.sum(steps**2, axis=1))
        assert abs(squared.mean - linear_sgd_expected_squared_step(law, mu)) <= 4 * squared.standard_error


def test_sign_descent_progress():
    for n in [1, 2, 9, 100]:
        mu = np.where(np.arange(n) % 3 == 0, -1.0, 1.0)
        assert sign_descent_progress(mu) == pytest.approx(expected_walk_distance(n))
        assert sign_descent_progress(mu) <= np.sum(np.abs(mu))
    big = np.ones(10**4)
    assert sign_descent_progress(big) == pytest.approx(math.sqrt(2 * 10**4 / math.pi), rel=1e-4)
    rng = np.random.default_rng(9)
    mu = rng.standard_normal(12)  # unequal magnitudes: exact by enumeration for n <= 16
    estimate = sample_sign_descent_progress(rademacher, mu, rng, 100_000)
    assert abs(estimate.mean - sign_descent_progress(mu)) <= 4 * estimate.standard_error
    # Any law: sign descent on g never beats sign descent on the true gradient.
    for law in all_laws(12):
        assert sample_sign_descent_progress(law, mu, rng, 20_000).mean < np.sum(np.abs(mu))


def test_sign_descent_progress_is_twice_the_agreement_excess():
    # With |μ_i| = 1: sign(g)ᵀμ = 2 (number of agreeing coordinates) − n, ties counting 1/2.
    for n in [1, 4, 7, 30]:
        assert sign_descent_progress(np.ones(n)) == pytest.approx(2 * expected_sign_agreement(n) - n)


def test_sign_agreement_distribution_is_exact():
    for n in [1, 2, 5, 12]:
        counts, probabilities = sign_agreement_distribution(n)
        assert probabilities.sum() == pytest.approx(1.0)
        assert counts @ probabilities == pytest.approx(expected_sign_agreement(n))
        signs = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
        enumerated = np.sum((1 + np.sign((signs @ np.ones(n))[:, None] * signs)) / 2, axis=1)
        for count, probability in zip(counts, probabilities):
            assert np.mean(enumerated == count) == pytest.approx(probability)
    counts, probabilities = sign_agreement_distribution(5000)
    assert counts @ probabilities == pytest.approx(expected_sign_agreement(5000))


def test_adam_long_memory_progress_closed_forms():
    mu = np.array([1.0, -2.0, 0.5, 3.0])
    assert adam_long_memory_progress("rademacher", mu) == pytest.approx(np.linalg.norm(mu))  # Rademacher: ‖μ‖
    assert adam_long_memory_progress("sphere", mu) == pytest.approx(np.sum(mu**2 / np.sqrt(
        4 / 6 * (np.sum(mu**2) + 2 * mu**2))))
    assert adam_long_memory_progress("gaussian", mu) == pytest.approx(
        np.sum(mu**2 / np.sqrt(np.sum(mu**2) + 2 * mu**2)))
    assert adam_long_memory_progress("rademacher", np.ones(100)) == pytest.approx(10.0)


@pytest.mark.parametrize("law", ["gaussian", "sphere"])
def test_isotropic_sign_agreement_against_monte_carlo(law):
    rng = np.random.default_rng(13)
    for grad in [np.ones(25), rng.standard_normal(25), np.array([3.0, -0.1, 0.2])]:
        estimate = monte_carlo(sign_agreement_counts(law, grad, rng, 100_000))
        assert abs(estimate.mean - expected_sign_agreement_isotropic(grad)) <= 4 * estimate.standard_error


def test_isotropic_sign_agreement_is_below_rademacher_for_equal_magnitudes():
    for n in [1, 2, 3, 10, 100, 10**4]:
        isotropic = expected_sign_agreement_isotropic(np.ones(n))
        assert isotropic == pytest.approx(n / 2 + n * math.asin(1 / math.sqrt(n)) / math.pi)
        if n <= 2:  # n = 1, 2: the same value, 1 and 3/2
            assert isotropic == pytest.approx(expected_sign_agreement(n))
        else:
            assert isotropic < expected_sign_agreement(n)


def test_general_gradients_agree_no_more_than_equal_magnitudes():
    # Rademacher tangents: E[agreement] <= n/2 + E|S_n|/2 for every gradient without zeros.
    rng = np.random.default_rng(14)
    for _ in range(5):
        grad = rng.standard_normal(12) * rng.exponential(size=12)
        signs = np.array(list(itertools.product([-1.0, 1.0], repeat=12)))
        g = (signs @ grad)[:, None] * signs
        exact = np.mean(np.sum((1 + np.sign(g) * np.sign(grad)) / 2, axis=1))
        assert exact <= expected_sign_agreement(12) + 1e-12


# ---------------------------------------------------------- O(n) closed forms

@pytest.mark.parametrize("quantity", [
    lambda g: adam_long_memory_progress(rademacher, g),
    lambda g: linear_sgd_expected_squared_step(gaussian, g),
], ids=["adam progress", "sgd step"])
def test_closed_forms_of_a_million_coordinates_hold_no_n_by_n_matrix(quantity):
    # Timed in benchmarks/bench_forward_gradient.py; here only the memory: an n × n matrix would be 8 TB.
    value, peak = traced_peak(quantity, np.random.default_rng(0).standard_normal(10**6))
    assert np.all(np.isfinite(value))
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.simd
def test_sign_agreement_distribution_of_a_million_coordinates_in_linear_memory():
    (counts, probabilities), peak = traced_peak(sign_agreement_distribution, 10**6)
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"
    assert counts[0] == 5 * 10**5 and counts[-1] == 10**6
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    # 5e5 logs summed (cumsum) and exponentiated against a product of ratios: measured 9e-15 at the SSE4.2 and
    # AVX2 levels, whose exp and log differ; 1e-13 is rounding grown over the sum, not a looser claim.
    assert counts @ probabilities == pytest.approx(expected_sign_agreement(10**6), rel=1e-13)


# ------------------------------------------------------------------ bad input

BAD_INPUTS = [
    # counts
    (lambda: sign_agreement_counts(rademacher, np.ones(2), 0, 1.5), TypeError, "num_samples", ()),
    (lambda: sample_sign_descent_progress(rademacher, np.ones(2), 0, 0), ValueError, "num_samples", ()),
    # gradients and objectives given as vectors
    (lambda: sign_agreement_counts(rademacher, np.ones((2, 2)), 0, 10), ValueError, "grad", ()),
    (lambda: linear_sgd_expected_gain([np.inf]), ValueError, "mu", ()),
    (lambda: adam_long_memory_progress(rademacher, np.zeros(3)), ValueError, "mu", ("zero",)),
    (lambda: sign_descent_progress(np.arange(1.0, 21.0)), ValueError, "mu", ("exact progress", "unequal")),
    (lambda: expected_sign_agreement_isotropic(np.zeros(3)), ValueError, "grad", ("zero",)),
    # options and tuning numbers
    (lambda: linear_sgd_expected_gain(np.ones(2), lr=-1.0), ValueError, "lr", ()),
    (lambda: linear_sgd_expected_squared_step(rademacher, np.ones(2), lr="1"), TypeError, "lr", ()),
    # dimensions of the walk
    (lambda: expected_walk_distance(0), ValueError, "n", (">= 1",)),
    (lambda: expected_walk_distance(True), TypeError, "n", ()),
    (lambda: expected_walk_distance(np.array([1, 0])), ValueError, "n", ()),
    (lambda: expected_sign_agreement(np.array([True, False])), TypeError, "n", ()),
    (lambda: expected_sign_agreement([]), ValueError, "n", ("empty",)),
    (lambda: sign_bound(2.5), TypeError, "n", ()),
    (lambda: sign_bound("3"), TypeError, "n", ()),
    (lambda: sign_bound(None), TypeError, "n", ()),
    (lambda: sign_agreement_distribution(0), ValueError, "n", ()),
    (lambda: sign_agreement_distribution(np.int64(3) == 3), TypeError, "n", ()),
]


@pytest.mark.parametrize("call, kind, name, words", BAD_INPUTS)
def test_bad_input_names_the_argument(call, kind, name, words):
    assert_refused(call, name, *words, error=kind)


@pytest.mark.parametrize("bad", NOT_RNGS, ids=stable_id)
@pytest.mark.parametrize("call", [
    lambda rng: sign_agreement_counts(rademacher, np.ones(2), rng, 3),
], ids=["sign counts"])
def test_rng_is_a_seed_or_a_generator_only(call, bad):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call(bad)
    assert_names_argument(excinfo, "rng", "Generator")
