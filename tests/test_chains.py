"""Tests of fgcourse.chains: both modes against autograd on the composed function, costs, bad input."""

import math

import autograd.numpy as anp
import matplotlib
import numpy as np
import pytest
from autograd import grad, make_jvp, make_vjp
from autograd import jacobian as autograd_jacobian
from autograd.differential_operators import make_jvp_reversemode
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    NOT_COUNTS,
    NOT_RNGS,
    assert_names_argument,
    assert_refused,
    central_differences,
    chain_widths,
    chains,
    composed,
    counted,
    nan_function,
    seeds,
    string_function,
)

from fgcourse.chains import (
    CostTrace,
    ModeTimings,
    NetworkGradient,
    affine_step,
    compose,
    draw_memory_timelines,
    draw_mode_timings,
    jacobian,
    jacobian_cost,
    jacobian_mode_timings,
    jvp,
    jvp_via_double_vjp,
    memory_curves,
    network_value_and_grad,
    random_chain,
    random_network,
    trace_costs,
    vjp,
)

matplotlib.use("Agg")

TOL = dict(rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------------------
# The two modes against autograd on the composed function
# ---------------------------------------------------------------------------

@given(chains())
def test_jvp_matches_autograd_on_the_composed_function(chain):
    fs, s0, _, rng = chain
    v = rng.standard_normal(s0.shape)
    s_out, t_out = jvp(fs, s0, v)
    expected_out, expected_t = make_jvp(composed(fs))(s0)(v)
    np.testing.assert_allclose(s_out, expected_out, **TOL)
    np.testing.assert_allclose(t_out, expected_t, **TOL)


@given(chains())
def test_jvp_matches_central_differences(chain):
    fs, s0, _, rng = chain
    v = rng.standard_normal(s0.shape)
    np.testing.assert_allclose(jvp(fs, s0, v)[1], central_differences(composed(fs), s0, v), rtol=1e-5, atol=1e-6)


@given(chains())
def test_vjp_matches_autograd_and_can_be_called_several_times(chain):
    fs, s0, u, rng = chain
    s_out, vjp_fn = vjp(fs, s0)
    expected_vjp, expected_out = make_vjp(composed(fs))(s0)
    np.testing.assert_allclose(s_out, expected_out, **TOL)
    for direction in (u, rng.standard_normal(s_out.shape), u):
        np.testing.assert_allclose(vjp_fn(direction), expected_vjp(direction), **TOL)


@given(chains())
def test_vjp_and_jvp_are_adjoint(chain):
    fs, s0, u, rng = chain
    v = rng.standard_normal(s0.shape)
    _, t_out = jvp(fs, s0, v)
    r0 = vjp(fs, s0)[1](u)
    assert np.dot(u, t_out) == pytest.approx(np.dot(r0, v), rel=1e-10, abs=1e-10)


@given(chains(), st.floats(-3, 3), st.floats(-3, 3))
def test_jvp_and_vjp_are_linear_in_the_direction(chain, a, b):
    fs, s0, _, rng = chain
    v1, v2 = rng.standard_normal((2,) + s0.shape)
    t = lambda v: jvp(fs, s0, v)[1]
    np.testing.assert_allclose(t(a * v1 + b * v2), a * t(v1) + b * t(v2), **TOL)
    s_out, vjp_fn = vjp(fs, s0)
    u1, u2 = rng.standard_normal((2,) + s_out.shape)
    np.testing.assert_allclose(vjp_fn(a * u1 + b * u2), a * vjp_fn(u1) + b * vjp_fn(u2), **TOL)


@given(chains(), st.sampled_from(["forward", "reverse"]))
def test_jacobian_matches_autograd_jacobian(chain, mode):
    fs, s0, _, _ = chain
    np.testing.assert_allclose(jacobian(fs, s0, mode), autograd_jacobian(composed(fs))(s0), **TOL)


@given(chains())
def test_forward_and_reverse_jacobians_agree(chain):
    fs, s0, _, _ = chain
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


def test_jvp_calls_each_step_once_in_order():
    calls = []
    fs = [lambda s, k=k: (calls.append(k), anp.sin(s))[1] for k in range(4)]
    jvp(fs, np.ones(3), np.ones(3))
    assert calls == [0, 1, 2, 3]


def test_the_callers_arrays_are_not_changed_and_integers_are_accepted():
    s0, v = np.array([1, 2, 3]), np.array([0, 1, 0])
    s_out, t_out = jvp([anp.tanh], s0, v)
    np.testing.assert_allclose(t_out, [0.0, 1 - np.tanh(2.0) ** 2, 0.0])
    assert s0.dtype.kind == "i" and list(s0) == [1, 2, 3]


@given(seeds, chain_widths)
def test_network_gradients_match_autograd(seed, widths):
    rng = np.random.default_rng(seed)
    layers, x, ws = random_network(widths, rng)
    y = rng.standard_normal(widths[-1])

    def loss(s):
        return 0.5 * anp.sum((s - y) ** 2)

    def loss_of(x, ws):
        return loss(compose([lambda s, f=f, w=w: f(s, w) for f, w in zip(layers, ws)])(x))

    result = network_value_and_grad(layers, x, ws, loss)
    assert isinstance(result, NetworkGradient)
    assert result.fun == pytest.approx(loss_of(x, ws), rel=1e-12)
    for got, expected in zip(result.grad_ws, grad(loss_of, 1)(x, ws)):
        for got_part, expected_part in zip(got, expected):
            np.testing.assert_allclose(got_part, expected_part, **TOL)
    np.testing.assert_allclose(result.grad_x, grad(loss_of, 0)(x, ws), **TOL)


@given(chains())
def test_vjp_of_vjp_is_the_jvp(chain):
    fs, s0, _, rng = chain
    v = rng.standard_normal(s0.shape)
    y, t = jvp_via_double_vjp(composed(fs), s0, v)
    expected_y, expected_t = make_jvp(composed(fs))(s0)(v)
    np.testing.assert_allclose(y, expected_y, **TOL)
    np.testing.assert_allclose(t, expected_t, **TOL)
    # autograd ships the same trick as make_jvp_reversemode.
    np.testing.assert_allclose(t, make_jvp_reversemode(composed(fs))(s0)(v), **TOL)


def test_vjp_of_vjp_of_a_matrix_product():
    # Example 8.5: the transpose of u -> W^T u is v -> W v.
    W = np.arange(6.0).reshape(2, 3)
    v = np.array([1.0, -1.0, 2.0])
    np.testing.assert_allclose(jvp_via_double_vjp(lambda x: anp.dot(W, x), np.zeros(3), v)[1], W @ v)


def test_random_chain_accepts_a_seed_or_a_generator_and_is_reproducible():
    fs_seed, s_seed = random_chain([2, 4, 1], 3)
    fs_gen, s_gen = random_chain([2, 4, 1], np.random.default_rng(3))
    # exact: the same draws, so the same matrices applied to the same s_0 by the same code
    np.testing.assert_array_equal(s_seed, s_gen)
    np.testing.assert_array_equal(compose(fs_seed)(s_seed), compose(fs_gen)(s_gen))


# ---------------------------------------------------------------------------
# Costs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [1, 2, 5, 20])
def test_forward_costs_match_theory(depth):
    width = 4
    fs, s0 = random_chain([width] * depth + [2], np.random.default_rng(depth))
    trace = trace_costs(fs, s0, "forward")
    assert isinstance(trace, CostTrace)
    assert trace.step_calls == depth
    assert len(trace.timeline) == depth + 1
    assert trace.peak_states == 0
    assert trace.peak_arrays == 2
    assert trace.peak_floats == jacobian_cost(width, 2, depth, "forward").peak_floats == 2 * width


@pytest.mark.parametrize("depth", [1, 2, 5, 20])
def test_reverse_costs_match_theory(depth):
    width, outputs = 4, 2
    fs, s0 = random_chain([width] * depth + [outputs], np.random.default_rng(depth))
    trace = trace_costs(fs, s0, "reverse")
    assert trace.step_calls == depth
    stored = [event.stored for event in trace.timeline]
    # Grows by one per forward step, shrinks by one per backward step (Fig. 8.4).
    assert stored == list(range(depth + 1)) + list(range(depth, -1, -1))
    assert trace.peak_states == depth
    assert trace.peak_floats == jacobian_cost(width, outputs, depth, "reverse").peak_floats
    assert trace.peak_floats == depth * width + 2 * outputs


@given(chains(), st.sampled_from(["forward", "reverse"]))
def test_trace_costs_calls_each_step_once_and_reports_it(chain, mode):
    fs, s0, _, _ = chain
    wrapped = [counted(f) for f in fs]
    trace = trace_costs(wrapped, s0, mode)
    assert [f.calls for f in wrapped] == [1] * len(fs)
    assert trace.step_calls == len(fs)


def test_trace_costs_counts_the_real_floats_of_uneven_widths():
    fs, s0 = random_chain([3, 5, 4, 2], np.random.default_rng(0))
    assert trace_costs(fs, s0, "forward").peak_floats == 2 * 5
    assert trace_costs(fs, s0, "reverse").peak_floats == (3 + 5 + 4) + 2 + 2


@given(st.integers(1, 50), st.integers(1, 50), st.integers(1, 20))
def test_jacobian_cost_time_ratio_is_input_over_output_dimension(D, M, K):
    forward = jacobian_cost(D, M, K, "forward")
    reverse = jacobian_cost(D, M, K, "reverse")
    assert forward.multiply_adds * M == reverse.multiply_adds * D
    assert forward.multiply_adds == (K - 1) * D**3 + M * D**2


def test_jacobian_mode_timings_shape_and_seeding():
    result = jacobian_mode_timings(n=5, ms=(1, 3), repeat=1, rng=np.random.default_rng(0))
    assert result.ms == (1, 3) and result.n == 5
    assert len(result.forward_seconds) == len(result.reverse_seconds) == 2
    assert all(t > 0 for t in result.forward_seconds + result.reverse_seconds)


@pytest.mark.parametrize("forward, reverse, crossover", [
    ((1.0, 1.0, 1.0, 1.0), (0.2, 0.5, 1.5, 3.0), 150),
    ((1.0, 1.0, 1.0, 1.0), (0.2, 1.2, 0.9, 3.0), 200),  # a noisy touch below does not count
    ((1.0, 1.0, 1.0, 1.0), (2.0, 2.5, 3.0, 4.0), 50),
    ((1.0, 1.0, 1.0, 1.0), (0.2, 0.5, 0.6, 0.9), None),
])
def test_the_crossover_is_where_reverse_mode_becomes_slower_for_good(forward, reverse, crossover):
    assert ModeTimings(100, (50, 100, 150, 200), forward, reverse).crossover == crossover


def test_no_timings_have_no_crossover():
    assert ModeTimings(100, (), (), ()).crossover is None


def test_draw_mode_timings_returns_a_figure_with_both_curves():
    from matplotlib.figure import Figure

    timings = ModeTimings(100, (50, 100, 150), (1e-3, 1e-3, 1e-3), (5e-4, 1e-3, 2e-3))
    fig = draw_mode_timings(timings)
    assert isinstance(fig, Figure)
    lines = fig.axes[0].lines
    np.testing.assert_allclose(lines[0].get_ydata(), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(lines[1].get_ydata(), [0.5, 1.0, 2.0])


def test_draw_memory_timelines_shows_both_modes_over_time():
    import matplotlib.pyplot as plt

    fig = draw_memory_timelines(3, width=4)
    (ax,) = fig.axes
    forward, reverse = memory_curves(3, width=4, rng=0)
    # One step line per mode, drawn from the traces' events, then the dotted start of the backward pass.
    lines = ax.get_lines()
    assert len(lines) == 3
    for line, trace in zip(lines, (forward, reverse)):
        np.testing.assert_array_equal(line.get_xdata(), [e.index for e in trace.timeline])  # exact: counts
        np.testing.assert_array_equal(line.get_ydata(), [e.floats for e in trace.timeline])
    assert list(lines[2].get_xdata()) == [3, 3] and lines[2].get_linestyle() == ":"
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == [f"forward mode (peak {forward.peak_floats} floats)",
                      f"reverse mode (peak {reverse.peak_floats} floats)"]
    assert reverse.peak_floats > forward.peak_floats  # reverse mode stores the states, forward mode does not
    assert ax.get_title() == "Memory over time, chain of K = 3 steps of width 4"
    assert ax.get_ylabel() == "floats held" and ax.get_ylim()[0] == 0
    plt.close(fig)


def test_memory_curves_peaks_follow_depth_and_width():
    forward, reverse = memory_curves(5, width=3, rng=np.random.default_rng(0))
    assert (forward.peak_floats, reverse.peak_floats, reverse.peak_states) == (6, 5 * 3 + 2 * 3, 5)


# ---------------------------------------------------------------------------
# Bad input: every argument of every public function
# ---------------------------------------------------------------------------

def good_chain():
    return [anp.tanh, lambda s: anp.sum(s) * anp.ones(2)], np.ones(3)


def call_vjp_fn(u):
    fs, s0 = good_chain()
    return vjp(fs, s0)[1](u)


def network_call(**changes):
    layers, x, ws = random_network([3, 4, 2], np.random.default_rng(0))
    arguments = dict(layers=layers, x=x, ws=ws, loss=lambda s: anp.sum(s**2))
    arguments.update(changes)
    return network_value_and_grad(**arguments)


def plain_numpy_step(s):
    """A step written with plain numpy: autograd cannot see through np.asarray."""
    return np.dot(np.ones((2, 3)), np.asarray(s))


def math_step(s):
    return math.sin(s[0]) * anp.ones(2)


ONES = np.ones(3)
GOOD_TIMINGS = ModeTimings(2, (1,), (1.0,), (1.0,))

BAD_CALLS = [
    # the chain fs
    (lambda: jvp([], ONES, ONES), ValueError, "fs", "at least 1"),
    (lambda: vjp([], ONES), ValueError, "fs", "at least 1"),
    (lambda: jvp(anp.tanh, ONES, ONES), TypeError, "fs", "sequence"),
    (lambda: jvp(5, ONES, ONES), TypeError, "fs", "sequence"),
    (lambda: jvp([anp.tanh, 3], ONES, ONES), TypeError, "fs[1] (step f_2)", "callable"),
    (lambda: compose([]), ValueError, "fs", "at least 1"),
    (lambda: jacobian("tanh", ONES), TypeError, "fs", "sequence"),
    # what the steps return
    (lambda: jvp([nan_function], ONES, ONES), ValueError, "fs[0] (step f_1)", "inf or NaN"),
    (lambda: vjp([anp.tanh, nan_function], ONES), ValueError, "fs[1] (step f_2)", "inf or NaN"),
    (lambda: vjp([string_function], ONES), TypeError, "fs[0] (step f_1)", "real numbers"),
    (lambda: jvp([string_function], ONES, ONES), TypeError, "fs[0] (step f_1)", "must return real numbers"),
    (lambda: vjp([lambda s: [s, s]], ONES), TypeError, "fs[0] (step f_1)", "must return an array"),
    (lambda: jvp([lambda s: (s, s)], ONES, ONES), TypeError, "fs[0] (step f_1)", "must return an array"),
    (lambda: vjp([lambda s: s * 1j], ONES), TypeError, "fs[0] (step f_1)", "complex"),
    (lambda: jvp([anp.tanh, lambda s: anp.dot(np.ones((2, 5)), s)], ONES, ONES), ValueError,
     "fs[1] (step f_2)", "failed"),
    (lambda: jvp([plain_numpy_step], ONES, ONES), TypeError, "fs[0] (step f_1)", "autograd.numpy"),
    (lambda: vjp([anp.tanh, plain_numpy_step], ONES), TypeError, "fs[1] (step f_2)", "autograd.numpy"),
    (lambda: jvp([math_step], ONES, ONES), TypeError, "fs[0] (step f_1)", "autograd.numpy"),
    (lambda: jacobian([math_step], ONES, "reverse"), TypeError, "fs[0] (step f_1)", "autograd.numpy"),
    (lambda: jvp([anp.log], -ONES, ONES), ValueError, "fs[0] (step f_1)", "inf or NaN at s_0"),
    (lambda: vjp([anp.sqrt], np.zeros(2))[1](np.ones(2)), ValueError, "fs[0] (step f_1)", "r_0"),
    (lambda: trace_costs([anp.log], -ONES, "reverse"), ValueError, "fs[0] (step f_1)", "inf or NaN"),
    # s0, v, u
    (lambda: jvp([anp.tanh], 1j * ONES, ONES), TypeError, "s0", "complex"),
    (lambda: vjp([anp.tanh], np.array(["a"])), TypeError, "s0", "strings"),
    (lambda: jvp([anp.tanh], np.array([True, False]), np.ones(2)), TypeError, "s0", "bools"),
    (lambda: jvp([anp.tanh], np.array([1.0, np.nan]), np.ones(2)), ValueError, "s0", "finite"),
    (lambda: vjp([anp.tanh], np.array([np.inf])), ValueError, "s0", "finite"),
    (lambda: jvp([anp.tanh], ONES, np.ones(4)), ValueError, "v", "shape of s0"),
    (lambda: jvp([anp.tanh], np.ones(2), np.array([np.inf, 1.0])), ValueError, "v", "finite"),
    (lambda: jvp([anp.tanh], np.ones(2), 1j * np.ones(2)), TypeError, "v", "complex"),
    (lambda: jvp([anp.tanh], np.ones(2), "ab"), TypeError, "v", "real numbers"),
    (lambda: call_vjp_fn(ONES), ValueError, "u", "shape of s_K"),
    (lambda: call_vjp_fn(np.array([1.0, np.nan])), ValueError, "u", "finite"),
    (lambda: call_vjp_fn(np.array([1j, 0])), TypeError, "u", "complex"),
    # mode and direction
    (lambda: jacobian([anp.tanh], ONES, "fowrard"), ValueError, "mode", "did you mean 'forward'"),
    (lambda: jacobian([anp.tanh], ONES, 1), TypeError, "mode", "int"),
    (lambda: trace_costs([anp.tanh], ONES, "revers"), ValueError, "mode", "did you mean 'reverse'"),
    (lambda: trace_costs([anp.tanh], ONES, "reverse", np.ones(2)), ValueError, "direction", "shape of s_K"),
    (lambda: trace_costs([anp.tanh], ONES, "forward", [1j, 0, 0]), TypeError, "direction", "complex"),
    (lambda: trace_costs([anp.tanh], ONES, None), TypeError, "mode", "NoneType"),
    # jacobian_cost
    (lambda: jacobian_cost(0, 2, 1, "forward"), ValueError, "D", ">= 1"),
    (lambda: jacobian_cost(3, True, 1, "forward"), TypeError, "M", "bool"),
    (lambda: jacobian_cost(3, 2, 2.0, "forward"), TypeError, "K", "float"),
    (lambda: jacobian_cost(3, 2, 1, "both"), ValueError, "mode", "('forward', 'reverse')"),
    # jacobian_mode_timings and its figure
    (lambda: jacobian_mode_timings(n=0), ValueError, "n", ">= 1"),
    (lambda: jacobian_mode_timings(n=True), TypeError, "n", "bool"),
    (lambda: jacobian_mode_timings(n=10**6), ValueError, "n", "<= 2000"),
    (lambda: jacobian_mode_timings(ms=()), ValueError, "ms", "at least 1"),
    (lambda: jacobian_mode_timings(ms=10), TypeError, "ms", "sequence"),
    (lambda: jacobian_mode_timings(ms=(10, 0)), ValueError, "ms[1]", ">= 1"),
    (lambda: jacobian_mode_timings(n=2, ms=(1,), repeat=0), ValueError, "repeat", ">= 1"),
    (lambda: jacobian_mode_timings(n=2, ms=(1,), repeat=1.5), TypeError, "repeat", "float"),
    (lambda: jacobian_mode_timings(n=2, ms=(1,), rng=None), TypeError, "rng", "Generator"),
    (lambda: jacobian_mode_timings(n=2, ms=(1,), rng=np.random.RandomState(0)), TypeError, "rng", "Generator"),
    (lambda: draw_mode_timings((1, 2)), TypeError, "timings", "ModeTimings"),
    # random chains and networks
    (lambda: random_chain([3, 2], None), TypeError, "rng", "Generator"),
    (lambda: random_chain([3, 2], -1), ValueError, "rng", ">= 0"),
    (lambda: random_chain([3], 0), ValueError, "widths", "at least 2"),
    (lambda: random_chain(3, 0), TypeError, "widths", "sequence"),
    (lambda: random_chain([3, 0], 0), ValueError, "widths[1]", ">= 1"),
    (lambda: random_chain([3, True], 0), TypeError, "widths[1]", "bool"),
    (lambda: random_chain([3, 2], 0, kinds=("relu6",)), ValueError, "kinds[0]", "('tanh', 'softplus', 'linear')"),
    (lambda: random_chain([3, 2], 0, kinds=("tahn",)), ValueError, "kinds[0]", "did you mean 'tanh'"),
    (lambda: random_chain([3, 2], 0, kinds="tanh"), TypeError, "kinds", "sequence"),
    (lambda: random_chain([3, 2], 0, kinds=()), ValueError, "kinds", "at least 1"),
    (lambda: random_network([3, 2], 1.5), TypeError, "rng", "Generator"),
    (lambda: random_network([3, 2], 0, activation="relu"), ValueError, "activation", "('tanh'"),
    (lambda: random_network([2.5, 2], 0), TypeError, "widths[0]", "float"),
    (lambda: affine_step(np.ones(2), np.eye(2), np.zeros(2), "tnh"), ValueError, "activation", "did you mean"),
    # network_value_and_grad
    (lambda: network_call(layers=[]), ValueError, "layers", "at least 1"),
    (lambda: network_call(layers=[anp.tanh, "dense"]), TypeError, "layers[1] (step f_2)", "callable"),
    (lambda: network_call(ws=[(np.ones((4, 3)), np.ones(4))]), ValueError, "ws", "one parameter w_k per layer"),
    (lambda: network_call(ws="w"), TypeError, "ws", "sequence"),
    (lambda: network_call(ws=[(np.full((4, 3), np.nan), np.ones(4)), (np.ones((2, 4)), np.ones(2))]),
     ValueError, "ws[0][0]", "finite"),
    (lambda: network_call(ws=[(np.ones((4, 3)), 1j * np.ones(4)), (np.ones((2, 4)), np.ones(2))]),
     TypeError, "ws[0][1]", "complex"),
    (lambda: network_call(ws=[(np.ones((4, 2)), np.ones(4)), (np.ones((2, 4)), np.ones(2))]),
     ValueError, "layers[0] (step f_1)", "failed"),
    (lambda: network_call(x=np.array([1.0, np.nan, 0.0])), ValueError, "x", "finite"),
    (lambda: network_call(x=1j * np.ones(3)), TypeError, "x", "complex"),
    (lambda: network_call(loss="mse"), TypeError, "loss", "callable"),
    (lambda: network_call(loss=lambda s: s), ValueError, "loss", "scalar"),
    (lambda: network_call(loss=nan_function), ValueError, "loss", "inf or NaN"),
    (lambda: network_call(loss=string_function), TypeError, "loss", "real numbers"),
    (lambda: network_call(loss=lambda s: math.fsum(s)), TypeError, "loss", "autograd.numpy"),
    # jvp_via_double_vjp
    (lambda: jvp_via_double_vjp("f", np.ones(2), np.ones(2)), TypeError, "f", "callable"),
    (lambda: jvp_via_double_vjp(anp.tanh, np.ones(2), np.ones(3)), ValueError, "v", "shape of x"),
    (lambda: jvp_via_double_vjp(anp.tanh, 1j * np.ones(2), np.ones(2)), TypeError, "x", "complex"),
    (lambda: jvp_via_double_vjp(anp.tanh, np.ones(2), [np.nan, 0]), ValueError, "v", "finite"),
    (lambda: jvp_via_double_vjp(plain_numpy_step, ONES, ONES), TypeError, "f", "autograd.numpy"),
    (lambda: jvp_via_double_vjp(math_step, ONES, ONES), TypeError, "f", "autograd.numpy"),
    (lambda: jvp_via_double_vjp(nan_function, ONES, ONES), ValueError, "f", "inf or NaN"),
    # the explorer's figures
    (lambda: memory_curves(0), ValueError, "depth", ">= 1"),
    (lambda: memory_curves(True), TypeError, "depth", "bool"),
    (lambda: memory_curves(3, width=0), ValueError, "width", ">= 1"),
    (lambda: memory_curves(3, width="64"), TypeError, "width", "str"),
    (lambda: memory_curves(10**5, width=10**5), ValueError, "depth x width", "<= 10000000"),
    (lambda: memory_curves(3, rng=None), TypeError, "rng", "Generator"),
    (lambda: draw_memory_timelines(3, rng="0"), TypeError, "rng", "Generator"),
    (lambda: draw_memory_timelines(2.0), TypeError, "depth", "float"),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("call, error, name, word", BAD_CALLS)
def test_bad_input_is_refused_naming_the_argument(call, error, name, word):
    assert_refused(call, name, word, error=error)


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_counts_refuse_bools_floats_strings_none_and_complex(value):
    with pytest.raises(TypeError) as excinfo:
        jacobian_cost(value, 2, 1, "forward")
    assert_names_argument(excinfo, "D")


@pytest.mark.parametrize("value", NOT_RNGS)
def test_random_chain_refuses_every_rng_but_seeds_and_generators(value):
    with pytest.raises(TypeError) as excinfo:
        random_chain([2, 2], value)
    assert_names_argument(excinfo, "rng")


def test_draw_mode_timings_accepts_its_own_result():
    assert len(draw_mode_timings(GOOD_TIMINGS).axes) == 1
