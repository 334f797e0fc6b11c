"""Tests of fgcourse.forward_gradient.estimator: the forward gradient by forward mode, its mean, its mean
squared deviation (closed forms and Monte Carlo, in chunks), bad input."""

import math

import autograd
import autograd.core
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import (
    NOT_COUNTS,
    NOT_RNGS,
    all_laws,
    assert_names_argument,
    assert_refused,
    dimensions,
    gradients,
    law_names,
    make_law,
    nan_function,
    plain_numpy_function,
    quadratic_rows,
    random_orthogonal,
    seeds,
    stable_id,
    string_function,
    traced_peak,
)

from fgcourse import forward_gradient as fg
from fgcourse.forward_gradient import (
    coordinate_variances,
    forward_gradient,
    forward_gradient_batch,
    forward_gradient_mean,
    forward_gradient_oracle,
    forward_gradient_samples,
    gaussian,
    is_unbiased,
    mean_squared_deviation,
    monte_carlo,
    rademacher,
    random_rotation,
    rotated,
    sign_agreement_counts,
    sphere,
    squared_deviations,
)

# --------------------------------------------------- row-wise test objectives

# Row-wise test objectives: each maps (B, n) to (B,), and row b depends only on row b.
def mlp_loss_rows(inputs, targets, hidden):
    """Squared loss of a one-hidden-layer tanh MLP; each row of X holds all its weights."""
    d = inputs.shape[1]

    def loss(X):
        W1 = anp.reshape(X[:, : d * hidden], (-1, d, hidden))
        w2 = X[:, d * hidden:]
        activations = anp.tanh(anp.einsum("kd,bdh->bkh", inputs, W1))
        predictions = anp.einsum("bkh,bh->bk", activations, w2)
        return anp.mean((predictions - targets) ** 2, axis=1)

    return loss, d * hidden + hidden


def row_of(f_rows):
    return lambda theta: f_rows(theta[None, :])[0]


def assert_mean_is_close(G, true_grad, law):
    """The mean of the rows of G is within tail range of ∇f: ‖mean − ∇f‖² has expectation MSD/rows."""
    error = np.sum((G.mean(axis=0) - true_grad) ** 2)
    assert error <= 36 * mean_squared_deviation(law, true_grad) / len(G) + 1e-20 * (1 + true_grad @ true_grad)


# ----------------------------------------------------- mean squared deviation

@pytest.mark.parametrize("n", [2, 10, 100])
def test_monte_carlo_msd_within_three_standard_errors(n):
    rng = np.random.default_rng(n)
    grad = rng.standard_normal(n)
    for law in all_laws(n, seed=n):
        estimate = monte_carlo(squared_deviations(law, grad, rng, 40_000))
        exact = mean_squared_deviation(law, grad)
        # For minimal laws in n = 2, ‖g − ∇f‖² = (n − 2)(∇f·v)² + ‖∇f‖² is constant: zero error bar.
        assert abs(estimate.mean - exact) <= 3 * estimate.standard_error + 1e-12 * exact, law.name


@given(n=dimensions, seed=seeds, data=st.data())
def test_closed_forms_of_the_msd(n, seed, data):
    grad = data.draw(gradients(n))
    norm2 = grad @ grad
    minimal = (n - 1) * norm2
    assert np.isclose(mean_squared_deviation(rademacher, grad), minimal, atol=1e-9)
    assert np.isclose(mean_squared_deviation(sphere, grad), minimal, atol=1e-9)
    assert np.isclose(mean_squared_deviation(rotated(rademacher, random_orthogonal(n, seed)), grad), minimal,
                      atol=1e-8 * (1 + norm2))
    assert np.isclose(mean_squared_deviation(gaussian, grad), (n + 1) * norm2, atol=1e-9)


@given(n=dimensions, name=law_names, seed=seeds, data=st.data())
def test_msd_general_formula_and_minimality(n, name, seed, data):
    grad = data.draw(gradients(n))
    law = make_law(name, n, seed)
    msd = mean_squared_deviation(law, grad)
    assert np.isclose(msd, np.sum(coordinate_variances(law, grad)), atol=1e-9 * (1 + grad @ grad))
    # No law with E[v vᵀ] = I does better than the minimal family.
    assert msd >= (n - 1) * (grad @ grad) - 1e-8 * (1 + grad @ grad)
    if name in ("gaussian", "rademacher"):  # independent coordinates: the formula of Lemma 4's proof
        general = (n - 1) * (grad @ grad) + np.sum(grad**2 * law.square_variances(n))
        assert np.isclose(msd, general, atol=1e-9 * (1 + grad @ grad))


def test_msd_of_huge_gradients_does_not_overflow_into_nan():
    grad = np.array([3.0, -1.0, 2.0])
    for law in (gaussian, rademacher, sphere):
        assert mean_squared_deviation(law, 1e150 * grad) == pytest.approx(1e300 * mean_squared_deviation(law, grad))
        assert mean_squared_deviation(law, 1e200 * grad) == np.inf


@pytest.mark.simd
def test_coordinate_variances_are_never_negative():
    # In dimension 1 the sphere of radius 1 is {-1, 1}: g = g_1 exactly, and rounding used to
    # leave -3.5e-18 (NaN under sqrt in the tangent-laws explorer at n = 1).
    grad = np.random.default_rng(0).standard_normal(1)
    # the rounding this guards against: products and sums only (no BLAS, no exp or log), so the same at every
    # SIMD level, and checked there (pytest -m simd)
    assert sphere.estimate_second_moments(grad)[0] - grad[0] ** 2 < 0
    variances = coordinate_variances(sphere, grad)
    assert variances.shape == (1,) and variances[0] == 0.0


def test_coordinate_variances_against_simulation():
    rng = np.random.default_rng(6)
    grad = np.array([3.0, -1.0, 0.5, 0.0])
    for law in all_laws(4):
        samples = forward_gradient_samples(law, grad, rng, 200_000)
        squared = (samples - grad) ** 2
        tolerance = 4 * squared.std(axis=0) / math.sqrt(len(samples)) + 1e-12
        assert np.all(np.abs(squared.mean(axis=0) - coordinate_variances(law, grad)) <= tolerance), law.name


# -------------------------------------------------------------- the estimator

def test_forward_gradient_of_a_linear_function_is_v_times_slope():
    mu = np.array([1.0, -2.0, 3.0])
    value, g = forward_gradient(lambda x: anp.dot(mu, x), np.ones(3), rademacher, 0)
    assert value == pytest.approx(2.0)
    # Rademacher: g = (μ·v) v with v ∈ {±1}^3, so |g_i| = |μ·v| in every coordinate.
    assert np.allclose(np.abs(g), np.abs(g[0]))


def test_forward_gradient_matches_closed_form_with_the_same_tangent():
    theta = np.array([0.3, -1.2, 2.0, 0.7])
    f = lambda x: anp.sum(anp.sin(x) * x**2)
    exact = np.sin(theta) * 2 * theta + np.cos(theta) * theta**2
    for law in all_laws(4):
        _, g = forward_gradient(f, theta, law, np.random.default_rng(11))
        v = law.sample(4, np.random.default_rng(11))
        assert np.allclose(g, (exact @ v) * v)


@given(n=st.integers(1, 6), seed=seeds, name=law_names)
def test_mean_of_many_forward_gradients_on_random_quadratics(n, seed, name):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = A + A.T
    b = rng.standard_normal(n)
    theta = rng.standard_normal(n)
    law = make_law(name, n, seed)
    rows = 4000
    f_rows = quadratic_rows(A, b)
    _, G = forward_gradient_batch(f_rows, np.tile(theta, (rows, 1)), law, rng)
    true_grad = autograd.grad(row_of(f_rows))(theta)
    assert np.allclose(true_grad, A @ theta + b)
    assert_mean_is_close(G, true_grad, law)


@given(seed=seeds, name=law_names)
def test_mean_of_many_forward_gradients_on_mlp_losses(seed, name):
    rng = np.random.default_rng(seed)
    inputs, targets = rng.standard_normal((8, 3)), rng.standard_normal(8)
    f_rows, n = mlp_loss_rows(inputs, targets, hidden=4)
    theta = rng.standard_normal(n)
    law = make_law(name, n, seed)
    rows = 3000
    _, G = forward_gradient_batch(f_rows, np.tile(theta, (rows, 1)), law, rng)
    true_grad = autograd.grad(row_of(f_rows))(theta)
    assert_mean_is_close(G, true_grad, law)


def test_batch_rows_are_independent_forward_gradients_at_their_own_points():
    A = np.diag([1.0, 2.0, 3.0])
    f_rows = quadratic_rows(A, np.zeros(3))
    thetas = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    values, G = forward_gradient_batch(f_rows, thetas, rademacher, 3, B=2)
    assert np.allclose(values, [0.5, 1.0, 3.0])
    rng = np.random.default_rng(3)
    tangents = [rademacher.sample(3, rng, size=3) for _ in range(2)]
    gradients_ = thetas @ A
    expected = sum(np.sum(gradients_ * v, axis=1)[:, None] * v for v in tangents) / 2
    assert np.allclose(G, expected)


def test_the_oracle_gives_the_batch_s_forward_gradients_from_one_stream():
    # Checked once, then one call per step: the draws follow each other as in successive batch calls.
    f_rows = quadratic_rows(np.diag([1.0, 2.0, 3.0]), np.zeros(3))
    thetas = [np.ones((4, 3)), np.arange(12.0).reshape(4, 3)]
    oracle = forward_gradient_oracle(f_rows, "gaussian", 3, 7, B=2)
    rng = np.random.default_rng(7)
    for theta in thetas:
        values, G = oracle(theta)
        expected_values, expected_G = forward_gradient_batch(f_rows, theta, "gaussian", rng, B=2)
        # exact: both run the same forward passes on the same draws
        np.testing.assert_array_equal(values, expected_values)
        np.testing.assert_array_equal(G, expected_G)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.sampled_from(["rademacher", "gaussian", "sphere"]),
       st.integers(1, 2), st.integers(0, 2**16))
def test_an_oracle_of_several_seeds_gives_each_block_the_tangents_of_its_seed_alone(K, S, rows, law, B, seed):
    # Block (k, s) of a K x S batch gets, step after step, what an oracle of seed k alone gives its rows:
    # one forward pass over every row against one per block, so within rounding.
    f_rows = quadratic_rows(np.diag([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0]))
    seeds = [seed + k for k in range(K)]
    oracle = forward_gradient_oracle(f_rows, law, 3, seeds, B=B, repeats=S)
    alone = {(k, s): forward_gradient_oracle(f_rows, law, 3, seeds[k], B=B) for k in range(K) for s in range(S)}
    for theta in np.random.default_rng(seed).normal(size=(2, K * S * rows, 3)):  # two steps
        values, G = oracle(theta)
        for (k, s), single in alone.items():
            block = slice((k * S + s) * rows, (k * S + s + 1) * rows)
            expected_values, expected_G = single(theta[block])
            np.testing.assert_allclose(values[block], expected_values, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(G[block], expected_G, rtol=1e-12, atol=1e-12)


def test_an_oracle_of_several_seeds_refuses_an_empty_list_and_rows_not_in_blocks():
    f_rows = quadratic_rows(np.eye(2), np.zeros(2))
    with pytest.raises(ValueError) as excinfo:
        forward_gradient_oracle(f_rows, rademacher, 2, [])
    assert_names_argument(excinfo, "rng", "empty")
    with pytest.raises(TypeError) as excinfo:
        forward_gradient_oracle(f_rows, rademacher, 2, [0, "1"])
    assert_names_argument(excinfo, "rng[1]", "Generator")
    with pytest.raises(ValueError) as excinfo:
        forward_gradient_oracle(f_rows, rademacher, 2, [0, 1], repeats=2)(np.zeros((6, 2)))
    assert_names_argument(excinfo, "thetas", "multiple of 4")
    with pytest.raises(ValueError) as excinfo:
        forward_gradient_oracle(f_rows, rademacher, 2, 0, repeats=0)
    assert_names_argument(excinfo, "repeats")


def test_single_point_shares_the_batch_implementation():
    f = lambda x: anp.sum(x**3)
    theta = np.array([1.0, -2.0, 0.5])
    value, g = forward_gradient(f, theta, "rademacher", 5, B=3)
    values, G = forward_gradient_batch(lambda X: anp.sum(X**3, axis=1), theta[None, :], "rademacher", 5, B=3)
    assert value == pytest.approx(values[0])
    assert np.allclose(g, G[0])


def test_reverse_mode_is_never_called(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("reverse mode was called")

    monkeypatch.setattr(autograd.core, "make_vjp", forbidden)
    monkeypatch.setattr(autograd.core, "backward_pass", forbidden)
    monkeypatch.setattr(autograd.core.VJPNode, "__init__", forbidden)
    with pytest.raises(AssertionError):  # the patch is live: reverse mode now fails
        autograd.grad(lambda x: anp.sum(x**2))(np.ones(2))
    f = lambda x: anp.sum(anp.tanh(x) ** 2)
    forward_gradient(f, np.ones(5), rademacher, 0, B=3)
    forward_gradient_batch(lambda X: anp.sum(anp.tanh(X) ** 2, axis=1), np.ones((4, 5)), gaussian, 0, B=2)


@pytest.mark.parametrize("law", [rademacher, gaussian], ids=lambda law: law.name)
def test_variance_drops_like_one_over_B(law):
    rng = np.random.default_rng(7)
    n, rows = 6, 20_000
    grad = rng.standard_normal(n)
    f_rows = lambda X: X @ grad
    msd = mean_squared_deviation(law, grad)
    for B in [1, 4, 16]:
        _, G = forward_gradient_batch(f_rows, np.zeros((rows, n)), law, rng, B=B)
        estimate = monte_carlo(np.sum((G - grad) ** 2, axis=1))
        assert abs(estimate.mean - msd / B) <= 3 * estimate.standard_error


# --------------------------------------------------------------- unbiasedness

def test_unbiasedness_needs_only_the_second_moment_matrix():
    grad = np.array([1.0, -2.0, 0.5])
    assert np.allclose(forward_gradient_mean(np.eye(3), grad), grad)
    # v = √n e_J with J uniform: E[v] ≠ 0 but E[v vᵀ] = I, so g is still unbiased.
    n = 3
    coordinate_tangents = math.sqrt(n) * np.eye(n)
    second = coordinate_tangents.T @ coordinate_tangents / n
    assert np.any(coordinate_tangents.mean(axis=0) != 0)
    assert is_unbiased(second)
    assert not is_unbiased(2 * np.eye(3))
    assert np.allclose(forward_gradient_mean(2 * np.eye(3), grad), 2 * grad)


# ---------------------------------------------------------- O(n) closed forms

@pytest.mark.parametrize("quantity", [
    lambda g: mean_squared_deviation(rademacher, g),
    lambda g: mean_squared_deviation(gaussian, g),
    lambda g: coordinate_variances(sphere, g),
], ids=["msd rademacher", "msd gaussian", "variances sphere"])
def test_closed_forms_of_a_million_coordinates_hold_no_n_by_n_matrix(quantity):
    # Timed in benchmarks/bench_forward_gradient.py; here only the memory: an n × n matrix would be 8 TB.
    value, peak = traced_peak(quantity, np.random.default_rng(0).standard_normal(10**6))
    assert np.all(np.isfinite(value))
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"


# ------------------------------------------------------ Monte Carlo in chunks

@pytest.mark.simd
@given(n=st.integers(1, 40), num_samples=st.integers(1, 3000), name=law_names, seed=seeds)
@example(n=40, num_samples=409, name="gaussian", seed=1)  # chunks of 408 rows: the last one holds a single row
def test_chunked_monte_carlo_equals_the_whole_sample(n, num_samples, name, seed):
    # squared_deviations, sign_agreement_counts and forward_gradient_samples(coordinates=...)
    # draw a chunk at a time; row for row they are the definition applied to one whole draw, from
    # the same draws, up to rounding: the matrix-vector product (∇f·v for each row, and the
    # rotation's) may round a row differently in a chunk than in the whole draw. A last chunk of a
    # single row does (another BLAS kernel, at the SSE4.2 and AVX2 levels alike), so the rows are
    # not bit for bit those of one draw for any law, whatever forward_gradient_chunks says.
    law = make_law(name, n, seed)
    grad = np.random.default_rng(seed).standard_normal(n)
    whole = forward_gradient_samples(law, grad, np.random.default_rng(seed), num_samples)
    tests = {
        "squared": (squared_deviations(law, grad, np.random.default_rng(seed), num_samples),
                    np.sum((whole - grad) ** 2, axis=1)),
        "signs": (sign_agreement_counts(law, grad, np.random.default_rng(seed), num_samples),
                  np.sum((1 + np.sign(whole) * np.sign(grad)) / 2, axis=1)),
        "columns": (forward_gradient_samples(law, grad, np.random.default_rng(seed), num_samples,
                                             coordinates=[n - 1, 0]), whole[:, [n - 1, 0]]),
    }
    for key, (chunked, reference) in tests.items():
        assert chunked.shape == reference.shape, key
        # A dot product of n <= 40 terms (and for the rotation n more), each rounding ~1e-16 of ‖v‖‖∇f‖:
        # 1e-12 of (1 + ‖∇f‖²) is rounding, while other draws would miss by O(‖∇f‖²).
        np.testing.assert_allclose(chunked, reference, rtol=1e-12, atol=1e-12 * (1 + grad @ grad), err_msg=key)


@pytest.mark.simd
def test_forward_gradient_chunks_are_the_whole_sample_in_pieces_of_at_most_chunk_bytes():
    grad = np.random.default_rng(1).standard_normal(300)
    pieces = list(fg.forward_gradient_chunks(gaussian, grad, 4, 1001))
    assert len(pieces) > 1 and all(chunk.nbytes <= fg.estimator.CHUNK_BYTES for _, chunk in pieces)
    assert [rows.start for rows, _ in pieces] == [0] + [rows.stop for rows, _ in pieces[:-1]]
    assert pieces[-1][0].stop == 1001
    # The same draws, up to the rounding of each row's ∇f·v, as in test_chunked_monte_carlo_equals_the_whole_sample:
    # another summation of its n = 300 terms moves g_i = (∇f·v) v_i by at most n ε ‖v‖ ‖∇f‖ |v_i| ≈ 4e-11 (entries
    # reach 190): atol 1e-10, while other draws would differ by O(1).
    np.testing.assert_allclose(np.concatenate([chunk for _, chunk in pieces]),
                               forward_gradient_samples(gaussian, grad, 4, 1001), rtol=1e-12, atol=1e-10)
    with pytest.raises(ValueError, match="num_samples"):  # checked at the call, not at the first chunk
        fg.forward_gradient_chunks(gaussian, grad, 4, 0)


def test_chunked_draws_leave_the_generator_where_one_draw_does():
    for law in all_laws(7):
        rngs = np.random.default_rng(3), np.random.default_rng(3)
        squared_deviations(law, np.ones(7), rngs[0], 10_001)
        law.sample(7, rngs[1], size=10_001)
        assert rngs[0].integers(1 << 62) == rngs[1].integers(1 << 62), law.name


@pytest.mark.parametrize("quantity", [
    lambda grad: squared_deviations(gaussian, grad, 0, 400),
    lambda grad: sign_agreement_counts(rademacher, grad, 0, 400),
    lambda grad: forward_gradient_samples(sphere, grad, 0, 400, coordinates=[0, -1]),
], ids=["squared deviations", "sign counts", "two columns"])
def test_monte_carlo_helpers_hold_chunks_not_the_whole_sample(quantity):
    # 400 forward gradients of n = 10^4 coordinates are 32 MB at once; chunks are 128 KiB.
    value, peak = traced_peak(quantity, np.random.default_rng(0).standard_normal(10**4))
    assert len(value) == 400 and np.all(np.isfinite(value))
    assert peak < 2e6, f"peak {peak / 1e6:.1f} MB"


# ------------------------------------------------------------------ bad input

Q3 = random_rotation(3, 0)


def _f(x):
    return anp.sum(x**2)


def _f_rows(X):
    return anp.sum(X**2, axis=1)


BAD_INPUTS = [
    # the user's function
    (lambda: forward_gradient(nan_function, np.ones(3), rademacher, 0), ValueError, "f", ("finite",)),
    (lambda: forward_gradient(string_function, np.ones(3), rademacher, 0), TypeError, "f", ()),
    (lambda: forward_gradient(lambda x: x**2, np.ones(2), rademacher, 0), ValueError, "f", ("scalar",)),
    (lambda: forward_gradient(lambda x: 1j * anp.sum(x), np.ones(2), rademacher, 0), TypeError, "f", ()),
    (lambda: forward_gradient(np.ones(2), np.ones(2), rademacher, 0), TypeError, "f", ("callable",)),
    (lambda: forward_gradient(lambda x: anp.sqrt(anp.sum(x * 0.0)), np.ones(2), rademacher, 0), ValueError, "f",
     ("directional derivative",)),
    (lambda: forward_gradient_batch(lambda X: anp.sum(X), np.ones((3, 2)), rademacher, 0), ValueError, "f",
     ("(3,)",)),
    (lambda: forward_gradient_batch(plain_numpy_function, np.ones((3, 2)), rademacher, 0), TypeError, "f",
     ("write it with autograd.numpy",)),
    (lambda: forward_gradient(lambda x: math.exp(x[0]), np.ones(3), rademacher, 0), TypeError, "f",
     ("write it with autograd.numpy",)),
    (lambda: forward_gradient_batch(string_function, np.ones((3, 2)), rademacher, 0), TypeError, "f", ()),
    (lambda: forward_gradient_batch("f", np.ones((3, 2)), rademacher, 0), TypeError, "f", ("callable",)),
    # points
    (lambda: forward_gradient(_f, [1.0, np.nan], rademacher, 0), ValueError, "theta", ("finite",)),
    (lambda: forward_gradient(_f, [1.0, np.inf], rademacher, 0), ValueError, "theta", ("finite",)),
    (lambda: forward_gradient(_f, np.array([1j, 2.0]), rademacher, 0), TypeError, "theta", ("complex",)),
    (lambda: forward_gradient(_f, np.ones((2, 2)), rademacher, 0), ValueError, "theta", ("1-d",)),
    (lambda: forward_gradient(_f, [], rademacher, 0), ValueError, "theta", ()),
    (lambda: forward_gradient(_f, ["a", "b"], rademacher, 0), TypeError, "theta", ("strings",)),
    (lambda: forward_gradient(_f, [True, False], rademacher, 0), TypeError, "theta", ("bools",)),
    (lambda: forward_gradient_batch(_f_rows, np.ones(3), rademacher, 0), ValueError, "thetas", ("2-d",)),
    (lambda: forward_gradient_batch(_f_rows, [[1.0, np.nan]], rademacher, 0), ValueError, "thetas", ("finite",)),
    (lambda: forward_gradient_batch(_f_rows, 1j * np.ones((2, 2)), rademacher, 0), TypeError, "thetas",
     ("complex",)),
    # laws
    (lambda: forward_gradient(_f, np.ones(2), "rademachr", 0), ValueError, "law", ("did you mean 'rademacher'",)),
    (lambda: forward_gradient(_f, np.ones(2), 3, 0), TypeError, "law", ("TangentLaw",)),
    (lambda: forward_gradient(_f, np.ones(4), rotated(rademacher, Q3), 0), ValueError, "n",
     ("size of the rotation Q",)),
    (lambda: mean_squared_deviation("gausian", np.ones(2)), ValueError, "law", ("did you mean 'gaussian'",)),
    (lambda: mean_squared_deviation(rotated(rademacher, Q3), np.ones(2)), ValueError, "n", ("rotation Q",)),
    (lambda: mean_squared_deviation(rotated(rademacher, Q3), np.zeros(2)), ValueError, "n", ("rotation Q",)),
    # counts
    (lambda: forward_gradient(_f, np.ones(2), rademacher, 0, B=0), ValueError, "B", (">= 1",)),
    (lambda: forward_gradient_batch(_f_rows, np.ones((2, 2)), rademacher, 0, B=-1), ValueError, "B", ()),
    (lambda: forward_gradient_oracle(_f_rows, rademacher, 2, 0, B=0), ValueError, "B", ()),
    (lambda: forward_gradient_oracle(_f_rows, rademacher, 0, 0), ValueError, "n", (">= 1",)),
    (lambda: forward_gradient_oracle("f", rademacher, 2, 0), TypeError, "f", ("callable",)),
    (lambda: forward_gradient_oracle(_f_rows, "uniform", 2, 0), ValueError, "law", ()),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 0), ValueError, "num_samples", ()),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 3, coordinates=[2]), ValueError, "coordinates",
     ("indices", "n = 2")),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 3, coordinates=[-3]), ValueError, "coordinates",
     (">= -2",)),
    (lambda: forward_gradient_samples(rademacher, np.ones(2), 0, 3, coordinates=[0.5]), TypeError, "coordinates",
     ("integer",)),
    (lambda: squared_deviations(rademacher, np.ones(2), 0, True), TypeError, "num_samples", ()),
    # gradients and objectives given as vectors
    (lambda: mean_squared_deviation(rademacher, [1.0, np.nan]), ValueError, "grad", ("finite",)),
    (lambda: coordinate_variances(rademacher, [1j, 1.0]), TypeError, "grad", ("complex",)),
    (lambda: forward_gradient_mean(np.eye(2), np.ones(3)), ValueError, "second_moment_matrix", ("(3, 3)",)),
    (lambda: forward_gradient_mean(1j * np.eye(2), np.ones(2)), TypeError, "second_moment_matrix", ()),
    (lambda: is_unbiased(np.ones((2, 3))), ValueError, "second_moment_matrix", ("square",)),
    (lambda: is_unbiased(np.eye(2), atol=0.0), ValueError, "atol", ("> 0",)),
    (lambda: is_unbiased(np.eye(2), atol=True), TypeError, "atol", ()),
    (lambda: monte_carlo([1.0]), ValueError, "samples", ("at least 2",)),
    (lambda: monte_carlo([1.0, np.nan]), ValueError, "samples", ("finite",)),
    (lambda: monte_carlo(["a", "b"]), TypeError, "samples", ()),
]


@pytest.mark.parametrize("call, kind, name, words", BAD_INPUTS)
def test_bad_input_names_the_argument(call, kind, name, words):
    assert_refused(call, name, *words, error=kind)


@pytest.mark.parametrize("bad", NOT_RNGS, ids=stable_id)
@pytest.mark.parametrize("call", [
    lambda rng: forward_gradient(_f, np.ones(2), rademacher, rng),
    lambda rng: forward_gradient_batch(_f_rows, np.ones((2, 2)), rademacher, rng),
    lambda rng: forward_gradient_oracle(_f_rows, rademacher, 2, rng),
    lambda rng: forward_gradient_samples(rademacher, np.ones(2), rng, 3),
], ids=["forward_gradient", "batch", "oracle", "samples"])
def test_rng_is_a_seed_or_a_generator_only(call, bad):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        call(bad)
    assert_names_argument(excinfo, "rng", "Generator")


@pytest.mark.parametrize("bad", NOT_COUNTS, ids=repr)
def test_counts_refuse_non_integers(bad):
    with pytest.raises(TypeError) as excinfo:
        forward_gradient(_f, np.ones(2), rademacher, 0, B=bad)
    assert_names_argument(excinfo, "B", "integer")
    with pytest.raises(TypeError) as excinfo:
        forward_gradient_samples(rademacher, np.ones(2), 0, bad)
    assert_names_argument(excinfo, "num_samples", "integer")


def test_an_int_seed_and_its_generator_give_the_same_draws():
    f = lambda x: anp.sum(anp.sin(x))
    # exact: an int seed is turned into default_rng(seed), the same draws
    assert np.array_equal(forward_gradient(f, np.ones(4), gaussian, 7)[1],
                          forward_gradient(f, np.ones(4), gaussian, np.random.default_rng(7))[1])
    assert np.array_equal(sphere.sample(4, 3, size=2), sphere.sample(4, np.random.default_rng(3), size=2))


def test_batch_returns_non_finite_values_at_finite_points_for_the_caller():
    # An optimizer running many starts turns these into a status; forward_gradient refuses them.
    values, G = forward_gradient_batch(lambda X: anp.sum(anp.exp(X), axis=1), np.array([[1.0], [1e3]]),
                                       rademacher, 0)
    assert np.isfinite(values[0]) and values[1] == np.inf
    with pytest.raises(ValueError) as excinfo:
        forward_gradient(lambda x: anp.sum(anp.exp(x)), np.array([1e3]), rademacher, 0)
    assert_names_argument(excinfo, "f", "finite")
