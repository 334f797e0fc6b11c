"""fgcourse.jax: the forward gradient in JAX against the course's library and its exact formulas.

- Cross-checks in float64 (``jax.enable_x64``): the course's chains ``jvp``/``vjp``, network
  gradient and forward gradient against ``jax.jvp``/``jax.vjp``/``jax.grad`` and the JAX forward
  gradient on the same weights and tangents, to 1e-12.
- Monte Carlo: the mean and mean squared deviation of ``value_and_forward_grad`` against
  ∇f and ``fgcourse.forward_gradient.mean_squared_deviation``, within 4 standard errors.
- The signs drawn 32 per random word: values ±1, mean, every bit position, neighbours, and
  the Rademacher law's quartic form, within 4 standard errors.
"""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("jax", reason='fgcourse.jax needs the jax extra: pip install "fgcourse[jax]" (make env has it)')

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from strategies import assert_refused  # noqa: E402

from fgcourse import forward_gradient as fg  # noqa: E402
from fgcourse.jax import (  # noqa: E402
    LAWS,
    draw_tangent,
    forward_gradient_along,
    num_parameters,
    rademacher_signs,
    value_and_forward_grad,
)
from fgcourse.jax.crosscheck import cross_check  # noqa: E402

CROSS_CHECK_TOLERANCE = 1e-12


@pytest.mark.simd
@pytest.mark.parametrize("widths, seed", [((8, 16, 16, 4), 0), ((5, 30, 30, 30, 3), 1), ((3, 3), 2)])
def test_the_course_and_jax_agree_to_1e_12_in_float64(widths, seed):
    with jax.enable_x64(True):
        check = cross_check(widths, rng=seed)
    assert check.max <= CROSS_CHECK_TOLERANCE, check


def _small_problem(dtype):
    """A two-leaf pytree and a smooth loss on it (n = 12), with its exact gradient as a vector."""
    rng = np.random.default_rng(5)
    params = {"W": jnp.asarray(rng.standard_normal((3, 3)), dtype), "b": jnp.asarray(rng.standard_normal(3), dtype)}
    x = jnp.asarray(rng.standard_normal(3), dtype)

    def loss(p):
        return jnp.sum(jnp.tanh(p["W"] @ x + p["b"]) ** 2)

    grad = jax.grad(loss)(params)
    return loss, params, np.concatenate([np.ravel(grad["W"]), np.ravel(grad["b"])])


@pytest.mark.parametrize("law", LAWS)
def test_mean_and_msd_match_the_exact_formulas_within_4_standard_errors(law):
    num_samples = 20_000
    with jax.enable_x64(True):
        loss, params, grad = _small_problem(jnp.float64)
        keys = jax.random.split(jax.random.key(7), num_samples)
        values, gs = jax.jit(jax.vmap(lambda k: value_and_forward_grad(loss, params, k, law)))(keys)
        samples = np.concatenate([np.asarray(gs["W"]).reshape(num_samples, -1), np.asarray(gs["b"])], axis=1)
        np.testing.assert_allclose(np.asarray(values), float(loss(params)), rtol=1e-12)
    # The mean, coordinate by coordinate: E[g] = ∇f.
    standard_errors = samples.std(axis=0, ddof=1) / np.sqrt(num_samples)
    z = np.abs(samples.mean(axis=0) - grad) / np.maximum(standard_errors, 1e-300)
    assert np.all(z <= 4), (law, z.max())
    # The mean squared deviation: E‖g − ∇f‖² by the course's exact formula.
    estimate = fg.monte_carlo(np.sum((samples - grad) ** 2, axis=1))
    exact = fg.mean_squared_deviation(law, grad)
    assert abs(estimate.mean - exact) <= 4 * estimate.standard_error, (law, estimate, exact)


def test_b_tangents_average_the_single_tangent_estimates_of_their_folded_keys():
    with jax.enable_x64(True):
        loss, params, _ = _small_problem(jnp.float64)
        key = jax.random.key(3)
        value, g = value_and_forward_grad(loss, params, key, "gaussian", B=4)
        singles = [value_and_forward_grad(loss, params, jax.random.fold_in(key, b), "gaussian")[1] for b in range(4)]
        for name in ("W", "b"):
            np.testing.assert_allclose(g[name], sum(s[name] for s in singles) / 4, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(value, float(loss(params)), rtol=1e-12)


@pytest.mark.parametrize("draw", ["bits", "per_leaf"])
def test_the_step_is_one_jvp_along_the_drawn_tangent(draw):
    loss, params, _ = _small_problem(jnp.float32)
    key = jax.random.key(11)
    value, g = jax.jit(lambda p, k: value_and_forward_grad(loss, p, k, "rademacher", draw=draw))(params, key)
    tangent = draw_tangent(key, params, "rademacher", draw)
    expected = forward_gradient_along(loss, params, tangent)[1]
    for name in ("W", "b"):
        assert set(np.unique(np.asarray(tangent[name]))) <= {-1.0, 1.0}
        np.testing.assert_allclose(g[name], expected[name], rtol=1e-6)
    assert g["W"].dtype == jnp.float32 and num_parameters(params) == 12


def test_the_sphere_tangent_has_norm_sqrt_n_over_all_leaves():
    loss, params, _ = _small_problem(jnp.float32)
    tangent = draw_tangent(jax.random.key(0), params, "sphere")
    squared = sum(float(jnp.sum(leaf**2)) for leaf in jax.tree_util.tree_leaves(tangent))
    assert squared == pytest.approx(12, rel=1e-5)


def test_signs_drawn_32_per_word_follow_the_rademacher_law_within_4_standard_errors():
    words = 4096
    n = 32 * words
    signs = np.asarray(rademacher_signs(jax.random.key(2024), n, jnp.float32), dtype=float)
    assert set(np.unique(signs)) == {-1.0, 1.0}
    assert abs(signs.mean()) <= 4 / np.sqrt(n)
    # Every bit position of the word is a fair sign (a bug reading only some bits fails here).
    by_position = signs.reshape(words, 32).mean(axis=0)
    assert np.all(np.abs(by_position) <= 4.5 / np.sqrt(words)), by_position
    # Neighbours are uncorrelated, within a word and across words.
    assert abs(np.mean(signs[1:] * signs[:-1])) <= 4 / np.sqrt(n - 1)
    assert abs(np.mean(signs[32:] * signs[:-32])) <= 4 / np.sqrt(n - 32)
    # The quartic form E[(b·v)²(c·v)²] of the Rademacher law, by Monte Carlo over tangents of size 8.
    rng = np.random.default_rng(0)
    b, c = rng.standard_normal(8), rng.standard_normal(8)
    v = signs.reshape(-1, 8)
    estimate = fg.monte_carlo((v @ b) ** 2 * (v @ c) ** 2)
    exact = float(fg.rademacher.quartic_form(b, c))
    assert abs(estimate.mean - exact) <= 4 * estimate.standard_error, (estimate, exact)
    # A count that is not a multiple of 32 takes the first bits of the last word.
    assert rademacher_signs(jax.random.key(1), 33).shape == (33,)


def _loss(p):
    return jnp.sum(p["W"] ** 2)


PARAMS = {"W": jnp.ones((2, 2))}
KEY = jax.random.key(0)


@pytest.mark.parametrize("call, name, words", [
    (lambda: value_and_forward_grad(_loss, PARAMS, 0), "key", ("PRNG key",)),
    (lambda: value_and_forward_grad(_loss, PARAMS, np.zeros(3, np.uint32)), "key", ("PRNG key",)),
    (lambda: value_and_forward_grad(_loss, PARAMS, jax.random.split(KEY, 2)), "key", ("shape (2,)",)),
    (lambda: value_and_forward_grad(_loss, {"W": jnp.ones((2, 2), int)}, KEY), "params['W']", ("float array",)),
    (lambda: value_and_forward_grad(_loss, {"W": "a"}, KEY), "params['W']", ("float array",)),
    (lambda: value_and_forward_grad(_loss, [], KEY), "params", ("at least one leaf",)),
    (lambda: value_and_forward_grad(lambda p: p["W"], PARAMS, KEY), "f", ("real scalar", "(2, 2)")),
    (lambda: value_and_forward_grad(lambda p: p["X"], PARAMS, KEY), "f", ("KeyError",)),
    (lambda: value_and_forward_grad(_loss, PARAMS, KEY, "normal"), "law", ("rademacher",)),
    (lambda: value_and_forward_grad(_loss, PARAMS, KEY, B=0), "B", (">= 1",)),
    (lambda: value_and_forward_grad(_loss, PARAMS, KEY, B=True), "B", ("bool",)),
    (lambda: value_and_forward_grad("loss", PARAMS, KEY), "f", ()),
    (lambda: value_and_forward_grad(_loss, PARAMS, KEY, draw="words"), "draw", ("bits",)),
])
def test_bad_arguments_are_refused_with_the_message_contract(call, name, words):
    assert_refused(call, name, *words)


def test_a_raw_prng_key_is_accepted_as_the_same_key():
    a = value_and_forward_grad(_loss, PARAMS, jax.random.PRNGKey(4))[1]["W"]
    b = value_and_forward_grad(_loss, PARAMS, jax.random.key(4))[1]["W"]
    np.testing.assert_array_equal(a, b)  # the same key and program: the same bits, exactly


def test_importing_without_jax_says_how_to_install_it():
    probe = "import sys; sys.modules['jax'] = None\nimport fgcourse.jax"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert 'pip install "fgcourse[jax]"' in done.stderr and "ImportError" in done.stderr, done.stderr[-2000:]
