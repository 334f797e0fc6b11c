"""The two modes along a chain, its Jacobian, networks, costs and random chains: the core of
:mod:`fgcourse.chains` (whose docstring tells the chapter), without its figures."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np

from fgcourse._checks import (
    check_array,
    check_callable,
    check_int,
    check_option,
    check_output,
    check_rng,
    check_sequence,
    describe,
    user_jvp,
    user_vjp,
)
from fgcourse.measure import median_seconds

__all__ = [
    "ACTIVATIONS",
    "MODES",
    "compose",
    "jvp",
    "vjp",
    "jacobian",
    "NetworkGradient",
    "network_value_and_grad",
    "MemoryEvent",
    "CostTrace",
    "trace_costs",
    "JacobianCost",
    "jacobian_cost",
    "ModeTimings",
    "jacobian_mode_timings",
    "jvp_via_double_vjp",
    "affine_step",
    "dense_layer",
    "random_chain",
    "random_network",
    "memory_curves",
]

ACTIVATIONS = {
    "tanh": anp.tanh,
    "softplus": lambda z: anp.logaddexp(0.0, z),
    "linear": lambda z: z,
}
MODES = ("forward", "reverse")
MAX_TIMED_SIZE = 2000
"""Largest n and m :func:`jacobian_mode_timings` accepts: n JVPs of an (m, n) matrix stay under a second."""
MAX_STORED_FLOATS = 10**7
"""Largest depth x width :func:`memory_curves` accepts: reverse mode stores that many floats."""


# ---------------------------------------------------------------------------
# Chains and what their steps return.
# ---------------------------------------------------------------------------

def _step_name(chain: str, index: int) -> str:
    return f"{chain}[{index}] (step f_{index + 1})"


def _steps(name: str, fs) -> tuple:
    """A chain [f_1, ..., f_K]: a sequence of at least one callable (a lone function is refused)."""
    steps = check_sequence(name, fs, what="steps [f_1, ..., f_K]")
    return tuple(check_callable(_step_name(name, k), step, "array -> array") for k, step in enumerate(steps))


def _state(step: str, value, at: str, shape: tuple | None = None) -> np.ndarray:
    """What a step returned (s_k, t_k or r_{k-1}): an array of real numbers, of ``shape`` if given, finite.

    Lists and tuples are refused: autograd would carry them as containers, not as states.
    """
    # The common case, a float array of the right shape, costs one finiteness test: this runs
    # two or three times per step, and a chain's steps are often cheap.
    if (type(value) is np.ndarray and value.dtype == np.float64 and (shape is None or value.shape == shape)
            and np.isfinite(value).all()):
        return value
    if not isinstance(value, (np.ndarray, numbers.Number, np.number)):
        raise TypeError(f"{step} must return an array of real numbers, returned {describe(value)} at {at}")
    return check_output(step, value, shape, at=at)


# ---------------------------------------------------------------------------
# The two modes. ``observe`` (or None) receives the arrays the algorithm holds
# between steps; :func:`trace_costs` uses it to measure memory on the real run.
# ---------------------------------------------------------------------------

def _forward_mode(steps, s, t, observe=None, chain="fs"):
    """Alg. 8.1: (s_k, t_k) replace (s_{k-1}, t_{k-1}) at every step."""
    if observe:
        observe("start", 0, stored=(), working=(s, t))
    for index, step in enumerate(steps):
        name = _step_name(chain, index)
        s_next, t_next = user_jvp(name, step, s, t)
        s_next = _state(name, s_next, f"s_{index}")
        t = _state(name, t_next, f"s_{index} (its JVP t_{index + 1})", np.shape(s_next))
        s = s_next
        if observe:
            observe("forward", index + 1, stored=(), working=(s, t))
    return s, t


def _record_tape(steps, s, observe=None, chain="fs"):
    """Forward pass of Alg. 8.2: store, for each step, s_{k-1} and the VJP closure at s_{k-1}."""
    tape = []
    if observe:
        observe("start", 0, stored=(), working=(s,))
    for index, step in enumerate(steps):
        name = _step_name(chain, index)
        step_vjp, s_next = user_vjp(name, step, s)
        tape.append((s, step_vjp, name))
        s = _state(name, s_next, f"s_{index}")
        if observe:
            observe("forward", index + 1, stored=[entry[0] for entry in tape], working=(s,))
    return s, tape


def _pull_back(tape, r, release: bool = False, observe=None, output=None):
    """Backward pass of Alg. 8.2: r_{k-1} = df_k(s_{k-1})^*[r_k] for k = K..1.

    With ``release`` the tape is consumed: s_{k-1} is dropped once step k is done, as
    in a one-shot VJP (Fig. 8.4); without it the tape is kept for further calls.
    """
    entries = tape if release else list(tape)
    if observe:
        observe("backward", len(entries), stored=[entry[0] for entry in entries], working=(output, r))
    for index in range(len(entries) - 1, -1, -1):
        state, step_vjp, name = entries.pop()
        r = _state(name, step_vjp(r), f"s_{index} (its VJP r_{index})", np.shape(state))
        if observe:
            observe("backward", index, stored=[entry[0] for entry in entries], working=(output, r))
    return r


def compose(fs: Sequence[Callable]) -> Callable:
    """The chain as one function, f = f_K o ... o f_1 (to hand to autograd as a whole)."""
    steps = _steps("fs", fs)

    def composed(s):
        for step in steps:
            s = step(s)
        return s

    return composed


def jvp(fs: Sequence[Callable], s0, v):
    """Forward mode along the chain (Alg. 8.1 of ``blondel2024elements``): (s_K, t_K), t_K = df(s_0)[v].

    Starting from t_0 = v, each step computes s_k = f_k(s_{k-1}) and
    t_k = df_k(s_{k-1})[t_{k-1}] in one call of autograd's ``make_jvp``. Only the
    current pair (s_k, t_k) is kept, so memory does not grow with K.

    Parameters
    ----------
    fs : sequence of callables [f_1, ..., f_K], each numpy array -> numpy array,
        written with ``autograd.numpy``.
    s0 : real array, the input s_0.
    v : real array of the shape of s0, the input direction.
    """
    steps = _steps("fs", fs)
    s0 = check_array("s0", s0)
    v = check_array("v", v, shape=s0.shape, against="s0")
    return _forward_mode(steps, s0, v)


def vjp(fs: Sequence[Callable], s0):
    """Reverse mode along the chain (Alg. 8.2), with decoupled forward and backward passes.

    Returns ``(s_K, vjp_fn)``. The forward pass runs the chain once and stores, for every
    step, autograd's VJP closure of f_k at s_{k-1} (which holds s_{k-1}). Then
    ``vjp_fn(u)`` runs the backward pass r_K = u, r_{k-1} = df_k(s_{k-1})^*[r_k] and
    returns r_0 = df(s_0)^*[u]. ``vjp_fn`` may be called any number of times; the K
    stored states stay alive as long as it does.
    """
    steps = _steps("fs", fs)
    s0 = check_array("s0", s0)
    s_out, tape = _record_tape(steps, s0)

    def vjp_fn(u):
        return _pull_back(tape, check_array("u", u, shape=np.shape(s_out), against="s_K"))

    return s_out, vjp_fn


def _basis(shape: tuple, flat_index: int) -> np.ndarray:
    e = np.zeros(int(np.prod(shape, dtype=int)))
    e[flat_index] = 1.0
    return e.reshape(shape)


def jacobian(fs: Sequence[Callable], s0, mode: str = "forward") -> np.ndarray:
    """Full Jacobian df(s_0) as an (M, D) matrix, M = s_K.size, D = s_0.size (arrays flattened).

    ``mode="forward"``: D JVPs with the basis vectors e_j of the input space; JVP j is
    column j. ``mode="reverse"``: one forward pass, then M VJPs with the basis vectors
    e_i of the output space; VJP i is row i. Costs: Table 8.1 and :func:`jacobian_cost`.
    """
    steps = _steps("fs", fs)
    s0 = check_array("s0", s0)
    mode = check_option("mode", mode, MODES)
    if mode == "forward":
        if s0.size == 0:  # no input direction: an empty (M, 0) matrix, M from one plain run
            return np.zeros((np.size(_forward_mode(steps, s0, s0)[0]), 0))
        columns = [_forward_mode(steps, s0, _basis(s0.shape, j))[1].ravel() for j in range(s0.size)]
        return np.stack(columns, axis=1)
    s_out, tape = _record_tape(steps, s0)
    rows = [_pull_back(tape, _basis(np.shape(s_out), i)).ravel() for i in range(np.size(s_out))]
    return np.stack(rows, axis=0) if rows else np.zeros((0, s0.size))


# ---------------------------------------------------------------------------
# Feedforward networks (Alg. 8.3): steps with parameters, f_k(s_{k-1}, w_k).
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NetworkGradient:
    """Loss L(w; x) = loss(s_K) (``fun``) and its gradients: grad_ws[k] = g_{k+1}, grad_x = r_0."""

    fun: float
    grad_ws: tuple
    grad_x: np.ndarray


def _parameter(name: str, value):
    """A parameter w_k: a real finite array, or a (nested) tuple or list of them."""
    if isinstance(value, (tuple, list)):
        return tuple(_parameter(f"{name}[{i}]", item) for i, item in enumerate(value))
    return check_array(name, value)


def _parameter_gradient(name: str, g, w, at: str):
    """g_k as returned by a layer's VJP: the structure and shapes of w_k, real and finite."""
    if isinstance(w, tuple):
        if not isinstance(g, (tuple, list)) or len(g) != len(w):
            raise TypeError(f"{name} must return a gradient with the structure of its parameter, "
                            f"returned {describe(g)} at {at}")
        return tuple(_parameter_gradient(name, part, w_part, at) for part, w_part in zip(g, w))
    return _state(name, g, at, np.shape(w))


def network_value_and_grad(layers: Sequence[Callable], x, ws: Sequence, loss: Callable) -> NetworkGradient:
    """Back-propagation through a feedforward network (Alg. 8.3 of ``blondel2024elements``).

    ``layers[k]`` is f_{k+1}(s, w) and ``ws[k]`` its parameter w_{k+1} (an array or a
    tuple of arrays). The forward pass stores each layer's VJP with respect to the pair
    (s_{k-1}, w_k); ``loss`` maps s_K to a real scalar, and u = grad loss(s_K) starts the
    backward pass (r_{k-1}, g_k) = df_k(s_{k-1}, w_k)^*[r_k]. Returns the loss value
    ``fun``, the gradients g_k with respect to every w_k (same structure as ``ws``) and
    r_0, the gradient with respect to x.
    """
    steps = _steps("layers", layers)
    s = check_array("x", x)
    ws = check_sequence("ws", ws, _parameter, min_length=0, what="parameters [w_1, ..., w_K]")
    if len(ws) != len(steps):
        raise ValueError(f"ws must hold one parameter w_k per layer ({len(steps)}), got {len(ws)}")
    loss = check_callable("loss", loss, "s_K -> scalar")

    # Each layer is seen as a one-argument step on the pair (s_{k-1}, w_k).
    tape = []
    for index, (layer, w) in enumerate(zip(steps, ws)):
        name = _step_name("layers", index)
        step_vjp, s_next = user_vjp(name, functools.partial(_apply_to_pair, layer), (s, w))
        tape.append((s, w, step_vjp, name))
        s = _state(name, s_next, f"s_{index}")
    loss_vjp, value = user_vjp("loss", loss, s)
    value = check_output("loss", value, (), at="s_K")
    r = check_output("loss", loss_vjp(1.0), np.shape(s), at="s_K (its gradient)")
    grads = [None] * len(tape)
    for index in range(len(tape) - 1, -1, -1):
        state, w, step_vjp, name = tape[index]
        r_prev, g = step_vjp(r)
        at = f"s_{index} (its VJP r_{index}, g_{index + 1})"
        r = _state(name, r_prev, at, np.shape(state))
        grads[index] = _parameter_gradient(name, g, w, at)
    return NetworkGradient(fun=float(value), grad_ws=tuple(grads), grad_x=r)


def _apply_to_pair(layer, pair):
    state, weights = pair
    return layer(state, weights)


def affine_step(s, A, b, activation: str = "tanh"):
    """One chain step s -> act(A s + b) with act in {"tanh", "softplus", "linear"}."""
    return ACTIVATIONS[check_option("activation", activation, ACTIVATIONS)](anp.dot(A, s) + b)


def dense_layer(s, w, activation: str = "tanh"):
    """A feedforward layer f_k(s, w) = act(A s + b) with parameters w = (A, b)."""
    A, b = w
    return affine_step(s, A, b, activation)


def _widths(widths) -> tuple:
    return check_sequence("widths", widths, lambda name, d: check_int(name, d, minimum=1), min_length=2,
                          what="widths (D_0, ..., D_K)")


def _random_affine(rng: np.random.Generator, d_in: int, d_out: int):
    # 1/sqrt(d_in) keeps A s of order one whatever the width.
    return rng.standard_normal((d_out, d_in)) / np.sqrt(d_in), 0.1 * rng.standard_normal(d_out)


def random_chain(widths: Sequence[int], rng, kinds: Sequence[str] = tuple(ACTIVATIONS)):
    """A random chain f_k(s) = act_k(A_k s + b_k) from R^{D_0} to R^{D_K}, and a random s_0.

    ``widths = (D_0, ..., D_K)``; ``rng`` is an int seed or a numpy Generator; each
    activation is drawn from ``kinds`` by ``rng``. Returns ``(fs, s0)``.
    """
    widths = _widths(widths)
    rng = check_rng("rng", rng)
    kinds = check_sequence("kinds", kinds, lambda name, kind: check_option(name, kind, ACTIVATIONS),
                           what="activation names")
    fs = []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        A, b = _random_affine(rng, d_in, d_out)
        fs.append(functools.partial(affine_step, A=A, b=b, activation=str(rng.choice(kinds))))
    return fs, rng.standard_normal(widths[0])


def random_network(widths: Sequence[int], rng, activation: str = "tanh"):
    """A random feedforward network: ``(layers, x, ws)`` with dense layers and w_k = (A_k, b_k).

    ``widths = (D_0, ..., D_K)``; ``rng`` is an int seed or a numpy Generator. The last layer
    is linear, as is usual before a loss.
    """
    widths = _widths(widths)
    rng = check_rng("rng", rng)
    activation = check_option("activation", activation, ACTIVATIONS)
    K = len(widths) - 1
    layers = [
        functools.partial(dense_layer, activation=activation if k < K - 1 else "linear") for k in range(K)
    ]
    ws = [_random_affine(rng, d_in, d_out) for d_in, d_out in zip(widths[:-1], widths[1:])]
    return layers, rng.standard_normal(widths[0]), ws


# ---------------------------------------------------------------------------
# Cost accounting (Figs 8.2 and 8.4, Table 8.1).
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MemoryEvent:
    """What the algorithm holds between two steps.

    ``phase`` is "start", "forward" or "backward"; ``step`` is k (after computing s_k, t_k
    or r_k); ``stored`` counts the states kept for the backward pass; ``arrays`` and
    ``floats`` count everything held: stored states plus working arrays (s_k, t_k, or s_K, r_k).
    """

    index: int
    phase: str
    step: int
    stored: int
    arrays: int
    floats: int


@dataclass(frozen=True)
class CostTrace:
    """Costs of one JVP (mode "forward") or one VJP (mode "reverse") measured on a real run."""

    mode: str
    step_calls: int
    timeline: tuple

    @property
    def peak_states(self) -> int:
        """The largest number of stored states held at once."""
        return max(event.stored for event in self.timeline)

    @property
    def peak_arrays(self) -> int:
        return max(event.arrays for event in self.timeline)

    @property
    def peak_floats(self) -> int:
        return max(event.floats for event in self.timeline)


def _counting(step: Callable, counter: list) -> Callable:
    def counted(s):
        counter[0] += 1
        return step(s)

    return counted


def trace_costs(fs: Sequence[Callable], s0, mode: str = "forward", direction=None) -> CostTrace:
    """Run one JVP (forward) or one VJP (reverse) and record its costs.

    Every step f_k is wrapped in a call counter, and the algorithm reports, between two
    steps, the arrays it still holds (the same code path as :func:`jvp` and :func:`vjp`;
    the reverse run consumes its tape as a one-shot VJP does). ``direction`` is v
    (forward) or u (reverse); by default an array of ones. Internal intermediates of a
    step (e.g. a pre-activation kept by autograd) are not counted: only chain states.
    """
    steps = _steps("fs", fs)
    s0 = check_array("s0", s0)
    mode = check_option("mode", mode, MODES)
    counter = [0]
    counted = [_counting(step, counter) for step in steps]
    timeline = []

    def observe(phase, step, stored, working):
        held = list(stored) + [array for array in working if array is not None]
        timeline.append(MemoryEvent(
            index=len(timeline), phase=phase, step=step, stored=len(stored),
            arrays=len(held), floats=int(sum(np.size(array) for array in held)),
        ))

    if mode == "forward":
        v = np.ones_like(s0) if direction is None else check_array("direction", direction, shape=s0.shape,
                                                                     against="s0")
        _forward_mode(counted, s0, v, observe)
    else:
        s_out, tape = _record_tape(counted, s0, observe)
        shape = np.shape(s_out)
        u = np.ones(shape) if direction is None else check_array("direction", direction, shape=shape, against="s_K")
        _pull_back(tape, u, release=True, observe=observe, output=s_out)
    return CostTrace(mode=mode, step_calls=counter[0], timeline=tuple(timeline))


@dataclass(frozen=True)
class JacobianCost:
    """Cost of the full Jacobian of a dense chain: multiply-adds and peak floats of one pass."""

    mode: str
    multiply_adds: int
    peak_floats: int


def jacobian_cost(D: int, M: int, K: int, mode: str) -> JacobianCost:
    """Table 8.1 of ``blondel2024elements``, with constants: chain R^D -> R^D (K-1 times) -> R^M.

    One JVP or VJP costs sum_k D_k D_{k-1} = (K-1) D^2 + M D multiply-adds.
    Forward mode needs D JVPs: (K-1) D^3 + M D^2 = O(M D^2 + K D^3); one JVP holds
    (s_k, t_k), at most 2 max(D, M) floats. Reverse mode needs M VJPs:
    (K-1) M D^2 + M^2 D = O(M^2 D + K M D^2); one VJP holds the K stored states
    s_0..s_{K-1}, plus s_K and r_K: K D + 2 M floats. The time ratio forward/reverse is
    exactly D / M.
    """
    D, M, K = (check_int(name, value, minimum=1) for name, value in (("D", D), ("M", M), ("K", K)))
    mode = check_option("mode", mode, MODES)
    one_pass = (K - 1) * D * D + M * D
    if mode == "forward":
        return JacobianCost(mode, D * one_pass, 2 * max(D, M))
    return JacobianCost(mode, M * one_pass, K * D + 2 * M)


# ---------------------------------------------------------------------------
# Which mode? Timing the Jacobian of x -> A x (merkulov2023slides, n = 100).
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ModeTimings:
    """Median seconds of the full Jacobian of x -> A x, x in R^n, for each number of outputs m."""

    n: int
    ms: tuple
    forward_seconds: tuple
    reverse_seconds: tuple

    @property
    def crossover(self) -> int | None:
        """The smallest measured m from which on reverse mode was slower at every measured m.

        None when reverse mode was still the faster one at the largest m. The time of each
        mode grows with m at a different rate, so the curves cross once; the noise of a
        measurement can make them touch twice, hence "at every m from there on".
        """
        slower = [r > f for f, r in zip(self.forward_seconds, self.reverse_seconds)]
        if not slower or not slower[-1]:
            return None
        first = len(slower) - 1
        while first > 0 and slower[first - 1]:
            first -= 1
        return self.ms[first]


def jacobian_mode_timings(n: int = 100, ms: Sequence[int] = (10, 25, 50, 100, 150, 200, 300, 400), rng=0,
                          repeat: int = 5) -> ModeTimings:
    """Time :func:`jacobian` of the one-step chain x -> A x, A of shape (m, n), in both modes.

    Forward mode makes n JVPs whatever m; reverse mode makes m VJPs. Each value is the
    median of ``repeat`` runs, both modes timed on the same A for each m. ``rng``
    (an int seed or a Generator) draws x and the matrices A; n and every m are at most
    ``MAX_TIMED_SIZE``.
    """
    n = check_int("n", n, minimum=1, maximum=MAX_TIMED_SIZE)
    ms = check_sequence("ms", ms, lambda name, m: check_int(name, m, minimum=1, maximum=MAX_TIMED_SIZE),
                        what="numbers of outputs m")
    repeat = check_int("repeat", repeat, minimum=1)
    rng = check_rng("rng", rng)
    x = rng.standard_normal(n)
    forward, reverse = [], []
    for m in ms:
        fs = [functools.partial(affine_step, A=rng.standard_normal((m, n)), b=np.zeros(m), activation="linear")]
        forward.append(median_seconds(lambda fs=fs: jacobian(fs, x, "forward"), repeat))
        reverse.append(median_seconds(lambda fs=fs: jacobian(fs, x, "reverse"), repeat))
    return ModeTimings(n=n, ms=ms, forward_seconds=tuple(forward), reverse_seconds=tuple(reverse))


# ---------------------------------------------------------------------------
# The VJP of a VJP is a JVP (section 8.4.4).
# ---------------------------------------------------------------------------

def jvp_via_double_vjp(f: Callable, x, v):
    """Return (f(x), df(x)[v]) using reverse mode only (section 8.4.4 of ``blondel2024elements``).

    l(u) = df(x)^*[u] is linear in u, so its VJP at any point u_0 is its adjoint:
    dl(u_0)^*[v] = df(x)^{**}[v] = df(x)[v]. We take u_0 = 0 and apply autograd's
    ``make_vjp`` to the VJP closure of ``f``.
    """
    f = check_callable("f", f, "array -> array")
    x = check_array("x", x)
    v = check_array("v", v, shape=x.shape, against="x")
    f_vjp, y = user_vjp("f", f, x)
    y = _state("f", y, "x")
    transpose, _ = user_vjp("f", f_vjp, np.zeros(np.shape(y)))
    return y, _state("f", transpose(v), "x (the VJP of its VJP)", np.shape(y))


# ---------------------------------------------------------------------------
# The explorer of the notebook: memory over time for one chain depth.
# ---------------------------------------------------------------------------

def memory_curves(depth: int, width: int = 64, rng=0):
    """Traces of one JVP and one VJP along K = ``depth`` steps s -> tanh(s) of width ``width``.

    The counts depend only on the widths of the states, not on what the steps compute,
    so the explorer uses cheap element-wise steps to stay fast at large K and width.
    ``rng`` (an int seed or a Generator) draws s_0; depth x width is at most ``MAX_STORED_FLOATS``.
    """
    depth = check_int("depth", depth, minimum=1)
    width = check_int("width", width, minimum=1)
    if depth * width > MAX_STORED_FLOATS:
        raise ValueError(f"depth x width must be <= {MAX_STORED_FLOATS} (the floats reverse mode stores), "
                         f"got {depth} x {width}")
    rng = check_rng("rng", rng)
    fs = [anp.tanh] * depth
    s0 = rng.standard_normal(width)
    return trace_costs(fs, s0, "forward"), trace_costs(fs, s0, "reverse")
