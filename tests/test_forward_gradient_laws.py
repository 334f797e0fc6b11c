"""Tests of fgcourse.forward_gradient.laws: the tangent laws, their samples and their exact moments, bad input."""

import itertools
import math

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
    law_names,
    make_law,
    random_orthogonal,
    seeds,
    stable_id,
)

from fgcourse import forward_gradient as fg
from fgcourse.forward_gradient import (
    gaussian,
    is_unbiased,
    mean_squared_deviation,
    rademacher,
    random_rotation,
    rotated,
    sphere,
)

# -------------------------------------------------------- samples and moments

@pytest.mark.parametrize("law", all_laws(6), ids=lambda law: law.name)
def test_sample_shapes_and_unit_second_moments(law):
    rng = np.random.default_rng(1)
    assert law.sample(6, rng).shape == (6,)
    samples = law.sample(6, rng, size=200_000)
    assert samples.shape == (200_000, 6)
    empirical = samples.T @ samples / len(samples)
    assert np.allclose(empirical, np.eye(6), atol=0.02)
    assert is_unbiased(law.second_moment_matrix(6), atol=1e-10)


@pytest.mark.parametrize("law", all_laws(5), ids=lambda law: law.name)
def test_fourth_moments_match_simulation(law):
    samples = law.sample(5, np.random.default_rng(2), size=400_000)
    fourth = samples**4
    standard_error = fourth.std(axis=0) / math.sqrt(len(samples))
    assert np.all(np.abs(fourth.mean(axis=0) - law.fourth_moments(5)) <= 4 * standard_error + 1e-12)


def test_random_rotation_is_orthogonal_and_uniform():
    Q = random_rotation(6, np.random.default_rng(0))
    assert np.allclose(Q.T @ Q, np.eye(6))
    # Haar: every entry has mean 0 and variance 1/n; a fixed sign convention of QR would bias the diagonal.
    entries = np.array([random_rotation(3, np.random.default_rng(seed))[0, 0] for seed in range(4000)])
    assert abs(entries.mean()) < 4 * math.sqrt(1 / 3 / 4000)
    assert entries.var() == pytest.approx(1 / 3, rel=0.1)


def test_known_fourth_moments():
    assert np.allclose(gaussian.fourth_moments(4), 3)
    assert np.allclose(rademacher.fourth_moments(4), 1)
    assert np.allclose(rademacher.square_variances(4), 0)
    assert np.allclose(sphere.fourth_moments(4), 3 * 4 / 6)
    Q = random_orthogonal(4, 3)
    assert np.allclose(rotated(rademacher, Q).fourth_moments(4), 3 - 2 * np.sum(Q**4, axis=1))
    assert np.allclose(rotated(gaussian, Q).fourth_moments(4), 3)


def test_minimal_laws_have_constant_norm():
    rng = np.random.default_rng(3)
    for law in [rademacher, sphere, rotated(rademacher, random_orthogonal(7, 0))]:
        assert np.allclose(np.sum(law.sample(7, rng, size=50) ** 2, axis=1), 7)


def test_sampling_is_reproducible_with_a_seed():
    for law in all_laws(3):
        # exact: the same seed, the same draws
        assert np.array_equal(law.sample(3, np.random.default_rng(9), 4), law.sample(3, np.random.default_rng(9), 4))


def test_isotropic_laws_do_not_depend_on_a_basis():
    # The quartic form of an isotropic law is invariant under rotations of b and c.
    rng = np.random.default_rng(4)
    b, c = rng.standard_normal((2, 6))
    Q = random_orthogonal(6, 5)
    for law in [gaussian, sphere]:
        assert np.isclose(law.quartic_form(Q @ b, Q @ c), law.quartic_form(b, c))
        assert np.isclose(rotated(law, Q).quartic_form(b, c), law.quartic_form(b, c))
    assert not np.isclose(rademacher.quartic_form(Q @ b, Q @ c), rademacher.quartic_form(b, c))


@given(st.integers(1, 70), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_rademacher_draw_is_numpys_integer_draw_and_leaves_the_same_state(n, rows, seed):
    # The fast draw reads the top bits of the generator's bytes; numpy's own integers(0, 2)
    # is the reference, sign for sign, and both leave the generator at the same point.
    ours, reference = np.random.default_rng(seed), np.random.default_rng(seed)
    signs = rademacher.sample(n, ours, size=rows)
    expected = reference.integers(0, 2, size=(rows, n), dtype=np.int8) * 2.0 - 1.0
    assert signs.shape == (rows, n) and signs.dtype == float
    assert np.array_equal(signs, expected)  # exact: ±1
    assert ours.random() == reference.random()


def test_quartic_form_against_enumeration_for_rademacher():
    b, c = np.random.default_rng(5).standard_normal((2, 5))
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=5)))
    assert np.isclose(rademacher.quartic_form(b, c), np.mean((signs @ b) ** 2 * (signs @ c) ** 2))


# ------------------------------------------- O(n) closed forms of the moments

class BasisOnlyLaw(fg.TangentLaw):
    """Rademacher through its quartic form only: exercises the generic moments of TangentLaw."""

    name = "rademacher by its form"

    def quartic_form(self, b, c):
        return rademacher.quartic_form(b, c)

    def _draw(self, n, rng, rows):
        return rademacher.sample(n, rng, size=rows)


@given(n=dimensions, name=law_names, seed=seeds, data=st.data())
def test_closed_form_moments_match_the_quartic_form_against_the_basis(n, name, seed, data):
    grad = data.draw(gradients(n))
    law = make_law(name, n, seed)
    basis = np.eye(n)
    reference = law.quartic_form(grad, basis)  # the n × n way, as a reference in small n
    tolerance = 1e-9 * (1 + grad @ grad)
    assert np.allclose(law.estimate_second_moments(grad), reference, atol=tolerance)
    assert law.expected_squared_norm(grad) == pytest.approx(np.sum(reference), abs=n * tolerance)
    assert np.allclose(law.fourth_moments(n), law.quartic_form(basis, basis))


def test_generic_moments_of_a_law_given_by_its_form_only():
    grad = np.random.default_rng(0).standard_normal(7)
    law = BasisOnlyLaw()
    assert np.allclose(law.estimate_second_moments(grad), rademacher.estimate_second_moments(grad))
    assert np.allclose(law.fourth_moments(7), 1.0)
    assert mean_squared_deviation(law, grad) == pytest.approx(6 * (grad @ grad))


# ------------------------------------------------------------------ bad input

RNG = np.random.default_rng(0)
Q3 = random_rotation(3, 0)


BAD_INPUTS = [
    # laws
    (lambda: rotated(rademacher, Q3).quartic_form(np.ones(2), np.ones(2)), ValueError, "n", ("rotation Q",)),
    (lambda: rademacher.quartic_form(np.ones(2), np.ones(3)), ValueError, "c", ("last axis",)),
    (lambda: rademacher.quartic_form(1.0, np.ones(3)), ValueError, "b", ("scalar",)),
    (lambda: rademacher.quartic_form(np.ones(2), [np.nan, 1.0]), ValueError, "c", ("finite",)),
    (lambda: rotated(rademacher, [[1.0, 0.5], [0.0, 1.0]]), ValueError, "Q", ("orthogonal",)),
    (lambda: rotated(rademacher, np.ones((2, 3))), ValueError, "Q", ("square",)),
    (lambda: rotated(rademacher, np.ones(3)), ValueError, "Q", ("2-d",)),
    (lambda: rotated(rademacher, 1j * np.eye(2)), TypeError, "Q", ("complex",)),
    (lambda: rotated(rademacher, [["a", "b"], ["c", "d"]]), TypeError, "Q", ("strings",)),
    (lambda: rotated(rademacher, [[np.nan, 0.0], [0.0, 1.0]]), ValueError, "Q", ("finite",)),
    (lambda: rotated("cauchy", np.eye(2)), ValueError, "law", ("gaussian",)),
    (lambda: gaussian.sample(0, RNG), ValueError, "n", (">= 1",)),
    (lambda: gaussian.sample(2.5, RNG), TypeError, "n", ()),
    (lambda: gaussian.sample(True, RNG), TypeError, "n", ()),
    (lambda: gaussian.sample(3, RNG, size=0), ValueError, "size", (">= 1",)),
    (lambda: gaussian.sample(3, RNG, size=True), TypeError, "size", ()),
    (lambda: gaussian.sample(3, RNG, size=2.0), TypeError, "size", ()),
    (lambda: random_rotation(0, 0), ValueError, "n", ()),
    (lambda: random_rotation(3, None), TypeError, "rng", ()),
]


@pytest.mark.parametrize("call, kind, name, words", BAD_INPUTS)
def test_bad_input_names_the_argument(call, kind, name, words):
    assert_refused(call, name, *words, error=kind)


@pytest.mark.parametrize("bad", NOT_RNGS, ids=stable_id)
@pytest.mark.parametrize("call", [
    lambda rng: gaussian.sample(3, rng),
], ids=["sample"])
def test_rng_is_a_seed_or_a_generator_only(call, bad):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call(bad)
    assert_names_argument(excinfo, "rng", "Generator")


def test_tangent_law_names_the_argument_it_checks():
    assert fg.tangent_law("sphere") is sphere and fg.tangent_law(gaussian, "laws[0]") is gaussian
    with pytest.raises(ValueError) as excinfo:
        fg.tangent_law("rademachr", "laws[2]")
    assert_names_argument(excinfo, "laws[2]", "did you mean 'rademacher'")
    with pytest.raises(TypeError) as excinfo:
        fg.tangent_law(3)
    assert_names_argument(excinfo, "law", "TangentLaw")
