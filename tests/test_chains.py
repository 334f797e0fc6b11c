"""Tests of fgcourse.chains: both modes against autograd on the composed function, and costs."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad, jacobian as autograd_jacobian, make_jvp, make_vjp
from autograd.differential_operators import make_jvp_reversemode
from hypothesis import given, strategies as st

from fgcourse.chains import (
    CostTrace,
    NetworkGradient,
    compose,
    draw_memory_timelines,
    jacobian,
    jacobian_cost,
    jacobian_mode_timings,
    jvp,
    jvp_via_double_vjp,
    network_value_and_grad,
    random_chain,
    random_network,
    trace_costs,
    vjp,
)

TOL = dict(rtol=1e-10, atol=1e-10)

widths_strategy = st.lists(st.integers(1, 6), min_size=2, max_size=6)
kinds_strategy = st.lists(st.sampled_from(["tanh", "softplus", "linear"]), min_size=1, max_size=3, unique=True)
seed_strategy = st.integers(0, 2**32 - 1)


@st.composite
def chains(draw):
    rng = np.random.default_rng(draw(seed_strategy))
    fs, s0 = random_chain(rng, draw(widths_strategy), draw(kinds_strategy))
    return fs, s0, rng


@given(chains())
def test_jvp_matches_autograd_on_the_composed_function(chain):
    fs, s0, rng = chain
    v = rng.standard_normal(s0.shape)
    s_out, t_out = jvp(fs, s0, v)
    expected_out, expected_t = make_jvp(compose(fs))(s0)(v)
    np.testing.assert_allclose(s_out, expected_out, **TOL)
    np.testing.assert_allclose(t_out, expected_t, **TOL)


@given(chains())
def test_vjp_matches_autograd_and_can_be_called_several_times(chain):
    fs, s0, rng = chain
    s_out, vjp_fn = vjp(fs, s0)
    expected_vjp, expected_out = make_vjp(compose(fs))(s0)
    np.testing.assert_allclose(s_out, expected_out, **TOL)
    for _ in range(3):
        u = rng.standard_normal(s_out.shape)
        np.testing.assert_allclose(vjp_fn(u), expected_vjp(u), **TOL)


@given(chains())
def test_vjp_and_jvp_are_adjoint(chain):
    fs, s0, rng = chain
    v = rng.standard_normal(s0.shape)
    s_out, t_out = jvp(fs, s0, v)
    u = rng.standard_normal(s_out.shape)
    r0 = vjp(fs, s0)[1](u)
    assert np.dot(u, t_out) == pytest.approx(np.dot(r0, v), rel=1e-10, abs=1e-10)


@given(chains(), st.floats(-3, 3), st.floats(-3, 3))
def test_jvp_and_vjp_are_linear_in_the_direction(chain, a, b):
    fs, s0, rng = chain
    v1, v2 = rng.standard_normal((2,) + s0.shape)
    t = lambda v: jvp(fs, s0, v)[1]
    np.testing.assert_allclose(t(a * v1 + b * v2), a * t(v1) + b * t(v2), **TOL)
    s_out, vjp_fn = vjp(fs, s0)
    u1, u2 = rng.standard_normal((2,) + s_out.shape)
    np.testing.assert_allclose(vjp_fn(a * u1 + b * u2), a * vjp_fn(u1) + b * vjp_fn(u2), **TOL)


@given(chains(), st.sampled_from(["forward", "reverse"]))
def test_jacobian_matches_autograd_jacobian(chain, mode):
    fs, s0, _ = chain
    expected = autograd_jacobian(compose(fs))(s0)
    np.testing.assert_allclose(jacobian(fs, s0, mode), expected, **TOL)


@given(chains())
def test_forward_and_reverse_jacobians_agree(chain):
    fs, s0, _ = chain
    np.testing.assert_allclose(jacobian(fs, s0, "forward"), jacobian(fs, s0, "reverse"), **TOL)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_flattens_matrices_and_scalars(mode):
    rng = np.random.default_rng(1)
    B = rng.standard_normal((3, 4))
    X = rng.standard_normal((2, 3))
    fs = [anp.tanh, lambda Y: anp.dot(Y, B), lambda Y: anp.sum(Y**2)]
    J = jacobian(fs, X, mode)
    assert J.shape == (1, 6)
    np.testing.assert_allclose(J.reshape(X.shape), grad(compose(fs))(X), **TOL)
    scalar_chain = [anp.sin, lambda s: s * anp.array([1.0, 2.0])]
    np.testing.assert_allclose(jacobian(scalar_chain, 0.3, mode), [[np.cos(0.3)], [2 * np.cos(0.3)]], **TOL)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_an_empty_input_or_output_is_an_empty_matrix(mode):
    assert jacobian([anp.sum], np.ones(0), mode).shape == (1, 0)
    assert jacobian([lambda s: s[:0]], np.ones(3), mode).shape == (0, 3)


def test_compose_evaluates_the_chain_in_order():
    assert compose([lambda s: s + 1.0, lambda s: 2.0 * s])(np.array(1.0)) == 4.0


def test_jvp_calls_each_step_once():
    calls = []
    fs = [lambda s, k=k: (calls.append(k), anp.sin(s))[1] for k in range(4)]
    jvp(fs, np.ones(3), np.ones(3))
    assert calls == [0, 1, 2, 3]


@given(seed_strategy, widths_strategy)
def test_network_gradients_match_autograd(seed, widths):
    rng = np.random.default_rng(seed)
    layers, x, ws = random_network(rng, widths)
    y = rng.standard_normal(widths[-1])

    def loss(s):
        return 0.5 * anp.sum((s - y) ** 2)

    def loss_of(x, ws):
        return loss(compose([lambda s, f=f, w=w: f(s, w) for f, w in zip(layers, ws)])(x))

    result = network_value_and_grad(layers, x, ws, loss)
    assert isinstance(result, NetworkGradient)
    assert result.value == pytest.approx(loss_of(x, ws), rel=1e-12)
    for got, expected in zip(result.grad_ws, grad(loss_of, 1)(x, ws)):
        for got_part, expected_part in zip(got, expected):
            np.testing.assert_allclose(got_part, expected_part, **TOL)
    np.testing.assert_allclose(result.grad_x, grad(loss_of, 0)(x, ws), **TOL)


@given(chains())
def test_vjp_of_vjp_is_the_jvp(chain):
    fs, s0, rng = chain
    v = rng.standard_normal(s0.shape)
    y, t = jvp_via_double_vjp(compose(fs), s0, v)
    expected_y, expected_t = make_jvp(compose(fs))(s0)(v)
    np.testing.assert_allclose(y, expected_y, **TOL)
    np.testing.assert_allclose(t, expected_t, **TOL)
    # autograd ships the same trick as make_jvp_reversemode.
    np.testing.assert_allclose(t, make_jvp_reversemode(compose(fs))(s0)(v), **TOL)


def test_vjp_of_vjp_of_a_matrix_product():
    # Example 8.5: the transpose of u -> W^T u is v -> W v.
    W = np.arange(6.0).reshape(2, 3)
    v = np.array([1.0, -1.0, 2.0])
    np.testing.assert_allclose(jvp_via_double_vjp(lambda x: anp.dot(W, x), np.zeros(3), v)[1], W @ v)


@pytest.mark.parametrize("depth", [1, 2, 5, 20])
def test_forward_costs_match_theory(depth):
    width = 4
    fs, s0 = random_chain(np.random.default_rng(depth), [width] * depth + [2])
    trace = trace_costs(fs, s0, "forward")
    assert isinstance(trace, CostTrace)
    assert trace.step_calls == depth
    assert len(trace.timeline) == depth + 1
    assert trace.peak_stored == 0
    assert trace.peak_arrays == 2
    assert trace.peak_floats == jacobian_cost(width, 2, depth, "forward").peak_floats == 2 * width


@pytest.mark.parametrize("depth", [1, 2, 5, 20])
def test_reverse_costs_match_theory(depth):
    width, outputs = 4, 2
    fs, s0 = random_chain(np.random.default_rng(depth), [width] * depth + [outputs])
    trace = trace_costs(fs, s0, "reverse")
    assert trace.step_calls == depth
    stored = [event.stored for event in trace.timeline]
    # Grows by one per forward step, shrinks by one per backward step (Fig. 8.4).
    assert stored == list(range(depth + 1)) + list(range(depth, -1, -1))
    assert trace.peak_stored == depth
    assert trace.peak_floats == jacobian_cost(width, outputs, depth, "reverse").peak_floats
    assert trace.peak_floats == depth * width + 2 * outputs


def test_trace_costs_counts_the_real_floats_of_uneven_widths():
    fs, s0 = random_chain(np.random.default_rng(0), [3, 5, 4, 2])
    assert trace_costs(fs, s0, "forward").peak_floats == 2 * 5
    assert trace_costs(fs, s0, "reverse").peak_floats == (3 + 5 + 4) + 2 + 2


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_trace_costs_runs_the_real_algorithm():
    fs = [lambda s: anp.log(s)]
    with pytest.raises(ValueError, match="non-finite"):
        trace_costs(fs, -np.ones(2), "reverse")


@given(st.integers(1, 50), st.integers(1, 50), st.integers(1, 20))
def test_jacobian_cost_time_ratio_is_input_over_output_dimension(D, M, K):
    forward = jacobian_cost(D, M, K, "forward")
    reverse = jacobian_cost(D, M, K, "reverse")
    assert forward.multiply_adds * M == reverse.multiply_adds * D
    assert forward.multiply_adds == (K - 1) * D**3 + M * D**2


def test_jacobian_mode_timings_shape():
    result = jacobian_mode_timings(n=5, ms=(1, 3), repeat=1)
    assert result.ms == (1, 3) and result.n == 5
    assert len(result.forward_seconds) == len(result.reverse_seconds) == 2
    assert all(t > 0 for t in result.forward_seconds + result.reverse_seconds)


def test_draw_memory_timelines_returns_a_figure():
    import matplotlib

    matplotlib.use("Agg")
    fig = draw_memory_timelines(3, width=4)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) >= 2


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------

def good_chain():
    return [anp.tanh, lambda s: anp.sum(s) * anp.ones(2)], np.ones(3)


def call_vjp_fn(u):
    fs, s0 = good_chain()
    return vjp(fs, s0)[1](u)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: jvp([], np.ones(3), np.ones(3)), ValueError, "fs"),
        (lambda: vjp([], np.ones(3)), ValueError, "fs"),
        (lambda: jvp([anp.tanh, 3], np.ones(3), np.ones(3)), TypeError, r"fs\[1\]"),
        (lambda: jvp(anp.tanh, np.ones(3), np.ones(3)), TypeError, "single callable"),
        (lambda: jvp(5, np.ones(3), np.ones(3)), TypeError, "fs"),
        (lambda: jvp([anp.tanh], np.ones(3), np.ones(4)), ValueError, "v must have the shape"),
        (lambda: call_vjp_fn(np.ones(3)), ValueError, "u must have the shape"),
        (lambda: jvp([anp.tanh], np.array([1.0, np.nan]), np.ones(2)), ValueError, "s0 must be finite"),
        (lambda: jvp([anp.tanh], np.ones(2), np.array([np.inf, 1.0])), ValueError, "v must be finite"),
        (lambda: vjp([anp.tanh], np.array([np.inf])), ValueError, "s0 must be finite"),
        (lambda: call_vjp_fn(np.array([1.0, np.nan])), ValueError, "u must be finite"),
        (lambda: jvp([anp.tanh], np.array(["a"]), np.ones(1)), TypeError, "s0 must be an array of real"),
        (lambda: jvp([anp.tanh], np.ones(2), 1j * np.ones(2)), TypeError, "v must be an array of real"),
        (lambda: jacobian([anp.tanh], np.ones(2), "sideways"), ValueError, "mode must be one of"),
        (lambda: trace_costs([anp.tanh], np.ones(2), "backwards"), ValueError, "mode must be one of"),
        (lambda: trace_costs([anp.tanh], np.ones(2), "reverse", np.ones(3)), ValueError, "direction must have"),
        (lambda: jacobian_cost(3, 2, 1, "both"), ValueError, "mode must be one of"),
        (lambda: jacobian_cost(0, 2, 1, "forward"), ValueError, "D must be"),
        (lambda: jvp([anp.log], -np.ones(2), np.ones(2)), ValueError, r"fs\[0\].*non-finite"),
        (lambda: vjp([anp.sqrt], np.zeros(2))[1](np.ones(2)), ValueError, r"fs\[0\].*non-finite r_0"),
        (lambda: jvp([anp.tanh, lambda s: anp.dot(np.ones((2, 5)), s)], np.ones(3), np.ones(3)),
         ValueError, r"fs\[1\].*failed"),
        pytest.param(lambda: vjp([lambda s: [s, s]], np.ones(2)), TypeError, r"fs\[0\].*real numpy array",
                     marks=pytest.mark.filterwarnings("ignore:Output seems independent of input")),
        (lambda: random_chain(np.random.default_rng(0), [3]), ValueError, "widths"),
        (lambda: random_chain(np.random.default_rng(0), [3, 2], kinds=("relu6",)), ValueError, "kinds"),
        (lambda: jvp_via_double_vjp("f", np.ones(2), np.ones(2)), TypeError, "f must be callable"),
        (lambda: jvp_via_double_vjp(anp.tanh, np.ones(2), np.ones(3)), ValueError, "v must have the shape"),
        (lambda: jacobian_mode_timings(n=0), ValueError, "n must be"),
        (lambda: jacobian_mode_timings(ms=()), ValueError, "ms must be"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()


def network_call(**changes):
    layers, x, ws = random_network(np.random.default_rng(0), [3, 4, 2])
    arguments = dict(layers=layers, x=x, ws=ws, loss=lambda s: anp.sum(s**2))
    arguments.update(changes)
    return network_value_and_grad(**arguments)


@pytest.mark.parametrize(
    "changes, error, words",
    [
        (dict(layers=[]), ValueError, "layers"),
        (dict(ws=[(np.ones((4, 3)), np.ones(4))]), ValueError, "one parameter per layer"),
        (dict(loss="mse"), TypeError, "loss must be callable"),
        (dict(loss=lambda s: s), ValueError, "loss must return a scalar"),
        (dict(x=np.array([1.0, np.nan, 0.0])), ValueError, "x must be finite"),
        (dict(ws=[(np.full((4, 3), np.nan), np.ones(4)), (np.ones((2, 4)), np.ones(2))]),
         ValueError, r"ws\[0\]\[0\] must be finite"),
    ],
)
def test_bad_network_input_is_rejected(changes, error, words):
    with pytest.raises(error, match=words):
        network_call(**changes)
