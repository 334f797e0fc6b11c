"""Tests of fgcourse.checkpointing.reversible: Alg. 8.8 against plain reverse mode, and wrong inverses refused."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import make_vjp
from hypothesis import given
from hypothesis import strategies as st
from strategies import NOT_RNGS, assert_names_argument, assert_refused, composed, nan_function, seeds

from fgcourse.checkpointing import coupling_layer, reversible_vjp


def _layers(seed, K, width):
    rng = np.random.default_rng(seed)
    fs, inverses = zip(*[coupling_layer(width, rng) for _ in range(K)])
    return list(fs), list(inverses), rng.standard_normal(width), rng.standard_normal(width)


@given(st.integers(1, 30), st.sampled_from([2, 4, 6]), seeds)
def test_reversible_vjp_equals_plain_reverse_mode_without_storing(K, width, seed):
    fs, inverses, s0, u = _layers(seed, K, width)
    run = reversible_vjp(fs, inverses, s0, u)
    vjp_fn, s_K = make_vjp(composed(fs))(s0)
    np.testing.assert_allclose(run.r_0, vjp_fn(u), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(run.s_K, s_K, rtol=1e-12, atol=1e-12)
    assert (run.step_calls, run.inverse_calls, run.peak_states) == (K, K, 0)
    assert run.drift < 1e-10


@pytest.mark.parametrize("wrong", [0, 3, 7])
def test_a_wrong_inverse_is_named_instead_of_giving_a_wrong_r0(wrong):
    fs, inverses, s0, u = _layers(0, 8, 4)
    inverses[wrong] = coupling_layer(4, 99)[1]  # the inverse of another layer
    with pytest.raises(ValueError) as excinfo:
        reversible_vjp(fs, inverses, s0, u)
    assert_names_argument(excinfo, f"inverses[{wrong}]", f"fs[{wrong}]", "rtol")
    assert str(excinfo.value).startswith(f"inverses[{wrong}]")


def test_an_inverse_off_by_round_off_passes_and_one_off_beyond_rtol_does_not():
    fs, inverses, s0, u = _layers(1, 4, 4)
    nearly = list(inverses)
    nearly[2] = lambda y, inverse=inverses[2]: inverse(y) + 1e-13
    assert np.isfinite(reversible_vjp(fs, nearly, s0, u).r_0).all()
    with pytest.raises(ValueError) as excinfo:
        reversible_vjp(fs, nearly, s0, u, rtol=1e-15)
    assert_names_argument(excinfo, "inverses[2]")


def test_coupling_layers_take_a_seed_or_a_generator():
    step_seed, _ = coupling_layer(4, 5)
    step_generator, _ = coupling_layer(4, np.random.default_rng(5))
    s = np.arange(4.0)
    np.testing.assert_array_equal(step_seed(s), step_generator(s))  # exact: the same layer on the same s


def _shrink(y):
    return y[:-1]


ONES = np.ones(4)
STEP, INVERSE = coupling_layer(4, 0)

BAD_CALLS = [
    (lambda: reversible_vjp([STEP, STEP], [INVERSE], ONES, ONES), "inverses", "one inverse per step"),
    (lambda: reversible_vjp(STEP, [INVERSE], ONES, ONES), "fs", "sequence"),
    (lambda: reversible_vjp([STEP], [None], ONES, ONES), "inverses[0]", "callable"),
    (lambda: reversible_vjp([STEP], [INVERSE], [1j, 0, 0, 0], ONES), "s0", "complex"),
    (lambda: reversible_vjp([STEP], [INVERSE], ONES, np.ones(3)), "u", "shape of s_K"),
    (lambda: reversible_vjp([STEP], [INVERSE], ONES, ONES, rtol=0.0), "rtol", "> 0"),
    (lambda: reversible_vjp([STEP], [INVERSE], ONES, ONES, rtol="tight"), "rtol", "str"),
    (lambda: reversible_vjp([STEP], [_shrink], ONES, ONES), "inverses[0]", "shape (4,)"),
    (lambda: reversible_vjp([STEP], [lambda y: y * np.nan], ONES, ONES), "inverses[0]", "inf or NaN"),
    (lambda: reversible_vjp([nan_function], [INVERSE], ONES, np.ones(())), "fs[0]", "inf or NaN"),
    (lambda: reversible_vjp([lambda s: np.asarray(s, dtype=object) * 1.0], [INVERSE], ONES, ONES),
     "fs[0]", "object"),
    (lambda: coupling_layer(5, 0), "width", "even"),
    (lambda: coupling_layer(0, 0), "width", ">= 2"),
    (lambda: coupling_layer(True, 0), "width", "bool"),
    (lambda: coupling_layer(4, -1), "rng", ">= 0"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_bad_arguments_are_named(call, name, word):
    assert_refused(call, name, word)


@pytest.mark.parametrize("value", NOT_RNGS)
def test_coupling_layer_takes_only_seeds_and_generators(value):
    with pytest.raises(TypeError) as excinfo:
        coupling_layer(4, value)
    assert_names_argument(excinfo, "rng", "Generator")


def test_inverses_need_not_be_differentiable_but_steps_must_be():
    def opaque_step(s):
        return anp.array([s[1], s[0] + float(np.tanh(s[1]))])  # float(): opaque to autograd

    def opaque_inverse(y):
        return np.array([y[1] - np.tanh(y[0]), y[0]])

    with pytest.raises(TypeError) as excinfo:
        reversible_vjp([opaque_step], [opaque_inverse], np.ones(2), np.ones(2))
    assert_names_argument(excinfo, "fs[0]", "autograd.numpy")
