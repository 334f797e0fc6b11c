"""Forward and reverse mode along a computation chain f = f_K o ... o f_1.

A computation chain (Blondel & Roulet, 2024, section 8.1) evaluates

    s_0 (given),  s_k = f_k(s_{k-1}) for k = 1..K,  f(s_0) = s_K.

Its Jacobian is the product of the step Jacobians (Eq. 8.2 of the book),

    df(s_0) = df_K(s_{K-1}) ... df_1(s_0),

and the two modes of automatic differentiation multiply this product by a vector
from either end:

- forward mode (:func:`jvp`, Alg. 8.1) pushes an input direction t_0 = v along the
  chain, t_k = df_k(s_{k-1})[t_{k-1}], next to s_k; it keeps only (s_k, t_k);
- reverse mode (:func:`vjp`, Alg. 8.2) first runs the chain and stores what each step
  needs for its adjoint, then pulls an output direction r_K = u back,
  r_{k-1} = df_k(s_{k-1})^*[r_k]; it keeps all K stored states.

The per-step rules are autograd's: ``make_jvp`` (a true forward pass) for the JVP of
each step and ``make_vjp`` for its VJP. Nothing is derived by hand.

Arrays. States, directions and parameters are real numpy arrays of any shape
(0-d arrays included). :func:`jacobian` flattens: it returns the matrix of shape
(s_K.size, s_0.size) whose entry (i, j) is the derivative of ``s_K.ravel()[i]``
with respect to ``s_0.ravel()[j]``; a scalar counts as an array of size 1.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

import autograd.numpy as anp
import numpy as np

# autograd's make_jvp / make_vjp without the n-ary (argnum) wrapper that
# ``from autograd import make_jvp`` adds: the wrapper costs ~5 us per call, and a chain
# calls the rule once per step. Same functions, same conventions:
# make_jvp(f, x)(v) -> (f(x), df(x)[v]) and make_vjp(f, x) -> (vjp_fn, f(x)).
from autograd.core import make_jvp, make_vjp

from fgcourse.measure import median_seconds

__all__ = [
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
    "draw_memory_timelines",
]

ACTIVATIONS = {
    "tanh": anp.tanh,
    "softplus": lambda z: anp.logaddexp(0.0, z),
    "linear": lambda z: z,
}
MODES = ("forward", "reverse")


# ---------------------------------------------------------------------------
# Input checks: every public function fails early, naming the argument.
# ---------------------------------------------------------------------------

def _check_chain(fs, name: str = "fs") -> tuple:
    if callable(fs):
        raise TypeError(
            f"{name} must be a sequence of callables [f_1, ..., f_K], got a single callable "
            f"{getattr(fs, '__name__', type(fs).__name__)}; wrap it in a list"
        )
    if isinstance(fs, (str, bytes)) or not hasattr(fs, "__iter__"):
        raise TypeError(f"{name} must be a sequence of callables [f_1, ..., f_K], got {type(fs).__name__}")
    steps = tuple(fs)
    if not steps:
        raise ValueError(f"{name} must hold at least one step f_1, got an empty sequence")
    for index, step in enumerate(steps):
        if not callable(step):
            raise TypeError(
                f"{name}[{index}] (step f_{index + 1}) must be callable array -> array, "
                f"got {type(step).__name__}: {step!r}"
            )
    return steps


def _check_array(name: str, value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype} ({type(value).__name__})")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {np.size(array) - np.isfinite(array).sum()} non-finite entries")
    return array


def _check_direction(name: str, value, shape: tuple, against: str) -> np.ndarray:
    array = _check_array(name, value)
    if array.shape != shape:
        raise ValueError(f"{name} must have the shape of {against}, {shape}, got {array.shape}")
    return array


def _check_tree(name: str, value):
    """Check a parameter w_k: an array or a (nested) tuple/list of arrays."""
    if isinstance(value, (tuple, list)):
        return tuple(_check_tree(f"{name}[{i}]", item) for i, item in enumerate(value))
    return _check_array(name, value)


def _run_step(index: int, rule: Callable, *args, chain: str = "fs"):
    """Apply an autograd rule to step f_{index+1}; turn failures into errors naming the step."""
    try:
        return rule(*args)
    except (TypeError, ValueError, AttributeError) as error:
        given = args[-1] if args else None
        what = f"shape {given.shape}" if isinstance(given, np.ndarray) else type(given).__name__
        raise ValueError(
            f"{chain}[{index}] (step f_{index + 1}) failed on an input of {what}: {error}. "
            "Each step must map a numpy array to a numpy array using autograd.numpy."
        ) from error


def _check_state(index: int, name: str, value, chain: str = "fs") -> None:
    """``name`` is the value step f_{index+1} produced: s_k or t_k (k = index + 1), or r_{k-1}."""
    step = f"{chain}[{index}] (step f_{index + 1})"
    if np.asarray(value).dtype.kind not in "iuf":
        raise TypeError(f"{step} produced {name} of type {type(value).__name__}; "
                        "each step must return a real numpy array")
    if not np.isfinite(value).all():
        raise ValueError(
            f"{step} produced a non-finite {name}; "
            "the chain is not differentiable (or overflows) at this s_0"
        )


# ---------------------------------------------------------------------------
# The two modes. ``observe`` (or None) receives the arrays the algorithm holds
# between steps; :func:`trace_costs` uses it to measure memory on the real run.
# ---------------------------------------------------------------------------

def _forward_mode(steps, s, t, observe=None):
    """Alg. 8.1: (s_k, t_k) replace (s_{k-1}, t_{k-1}) at every step."""
    if observe:
        observe("start", 0, stored=(), working=(s, t))
    for index, step in enumerate(steps):
        s, t = _run_step(index, lambda x, d: make_jvp(step, x)(d), s, t)
        _check_state(index, f"s_{index + 1}", s)
        _check_state(index, f"t_{index + 1}", t)
        if observe:
            observe("forward", index + 1, stored=(), working=(s, t))
    return s, t


def _record_tape(steps, s, observe=None):
    """Forward pass of Alg. 8.2: store, for each step, s_{k-1} and the VJP closure at s_{k-1}."""
    tape = []
    if observe:
        observe("start", 0, stored=(), working=(s,))
    for index, step in enumerate(steps):
        step_vjp, s_next = _run_step(index, lambda x: make_vjp(step, x), s)
        _check_state(index, f"s_{index + 1}", s_next)
        tape.append((s, step_vjp))
        s = s_next
        if observe:
            observe("forward", index + 1, stored=[state for state, _ in tape], working=(s,))
    return s, tape


def _pull_back(tape, r, release: bool = False, observe=None, output=None):
    """Backward pass of Alg. 8.2: r_{k-1} = df_k(s_{k-1})^*[r_k] for k = K..1.

    With ``release`` the tape is consumed: s_{k-1} is dropped once step k is done, as
    in a one-shot VJP (Fig. 8.4); without it the tape is kept for further calls.
    """
    entries = tape if release else list(tape)
    if observe:
        observe("backward", len(entries), stored=[state for state, _ in entries], working=(output, r))
    for index in range(len(entries) - 1, -1, -1):
        _, step_vjp = entries.pop()
        r = step_vjp(r)
        _check_state(index, f"r_{index}", r)
        if observe:
            observe("backward", index, stored=[state for state, _ in entries], working=(output, r))
    return r


def compose(fs: Sequence[Callable]) -> Callable:
    """The chain as one function, f = f_K o ... o f_1 (to hand to autograd as a whole)."""
    steps = _check_chain(fs)

    def composed(s):
        for step in steps:
            s = step(s)
        return s

    return composed


def jvp(fs: Sequence[Callable], s0, v):
    """Forward mode along the chain (Alg. 8.1): return (s_K, t_K) with t_K = df(s_0)[v].

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
    steps = _check_chain(fs)
    s0 = _check_array("s0", s0)
    v = _check_direction("v", v, s0.shape, "s0")
    return _forward_mode(steps, s0, v)


def vjp(fs: Sequence[Callable], s0):
    """Reverse mode along the chain (Alg. 8.2), with decoupled forward and backward passes.

    Returns ``(s_K, vjp_fn)``. The forward pass runs the chain once and stores, for every
    step, autograd's VJP closure of f_k at s_{k-1} (which holds s_{k-1}). Then
    ``vjp_fn(u)`` runs the backward pass r_K = u, r_{k-1} = df_k(s_{k-1})^*[r_k] and
    returns r_0 = df(s_0)^*[u]. ``vjp_fn`` may be called any number of times; the K
    stored states stay alive as long as it does.
    """
    steps = _check_chain(fs)
    s0 = _check_array("s0", s0)
    s_out, tape = _record_tape(steps, s0)

    def vjp_fn(u):
        return _pull_back(tape, _check_direction("u", u, np.shape(s_out), "the chain's output s_K"))

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
    steps = _check_chain(fs)
    s0 = _check_array("s0", s0)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
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
    """Loss L(w; x) = loss(s_K) and its gradients: grad_ws[k] = g_{k+1}, grad_x = r_0."""

    value: float
    grad_ws: tuple
    grad_x: np.ndarray


def network_value_and_grad(layers: Sequence[Callable], x, ws: Sequence, loss: Callable) -> NetworkGradient:
    """Back-propagation through a feedforward network (Alg. 8.3).

    ``layers[k]`` is f_{k+1}(s, w) and ``ws[k]`` its parameter w_{k+1} (an array or a
    tuple of arrays). The forward pass stores each layer's VJP with respect to the pair
    (s_{k-1}, w_k); ``loss`` maps s_K to a scalar, and u = grad loss(s_K) starts the
    backward pass (r_{k-1}, g_k) = df_k(s_{k-1}, w_k)^*[r_k]. Returns the loss value,
    the gradients g_k with respect to every w_k (same structure as ``ws``) and r_0, the
    gradient with respect to x.
    """
    steps = _check_chain(layers, "layers")
    if not callable(loss):
        raise TypeError(f"loss must be callable s_K -> scalar, got {type(loss).__name__}")
    if isinstance(ws, (str, bytes)) or not hasattr(ws, "__len__"):
        raise TypeError(f"ws must be a sequence of parameters [w_1, ..., w_K], got {type(ws).__name__}")
    if len(ws) != len(steps):
        raise ValueError(f"ws must hold one parameter per layer, {len(steps)}, got {len(ws)}")
    ws = tuple(_check_tree(f"ws[{k}]", w) for k, w in enumerate(ws))
    s = _check_array("x", x)

    # Each layer is seen as a one-argument step on the pair (s_{k-1}, w_k).
    pair_steps = [functools.partial(_apply_to_pair, layer) for layer in steps]
    tape = []
    for index, (step, w) in enumerate(zip(pair_steps, ws)):
        step_vjp, s_next = _run_step(index, lambda pair: make_vjp(step, pair), (s, w), chain="layers")
        _check_state(index, f"s_{index + 1}", s_next, chain="layers")
        tape.append(step_vjp)
        s = s_next
    loss_vjp, value = make_vjp(loss, s)
    if np.ndim(value) != 0:
        raise ValueError(f"loss must return a scalar, got an array of shape {np.shape(value)}")
    if not np.isfinite(value):
        raise ValueError(f"loss returned a non-finite value {value} at s_K")
    r = loss_vjp(1.0)
    grads = [None] * len(tape)
    for index in range(len(tape) - 1, -1, -1):
        r, grads[index] = tape[index](r)
    return NetworkGradient(value=float(value), grad_ws=tuple(grads), grad_x=r)


def _apply_to_pair(layer, pair):
    state, weights = pair
    return layer(state, weights)


def affine_step(s, A, b, activation: str = "tanh"):
    """One chain step s -> act(A s + b) with act in {"tanh", "softplus", "linear"}."""
    return ACTIVATIONS[activation](anp.dot(A, s) + b)


def dense_layer(s, w, activation: str = "tanh"):
    """A feedforward layer f_k(s, w) = act(A s + b) with parameters w = (A, b)."""
    A, b = w
    return affine_step(s, A, b, activation)


def _check_widths(widths) -> tuple:
    widths = tuple(widths)
    if len(widths) < 2 or not all(isinstance(d, (int, np.integer)) and d >= 1 for d in widths):
        raise ValueError(f"widths must be (D_0, ..., D_K) with K >= 1 positive integers, got {widths!r}")
    return widths


def _check_kinds(kinds) -> tuple:
    kinds = tuple(kinds)
    unknown = [kind for kind in kinds if kind not in ACTIVATIONS]
    if not kinds or unknown:
        raise ValueError(f"kinds must be a non-empty subset of {tuple(ACTIVATIONS)}, got {kinds!r}")
    return kinds


def _random_affine(rng: np.random.Generator, d_in: int, d_out: int):
    # 1/sqrt(d_in) keeps A s of order one whatever the width.
    return rng.standard_normal((d_out, d_in)) / np.sqrt(d_in), 0.1 * rng.standard_normal(d_out)


def random_chain(rng: np.random.Generator, widths: Sequence[int], kinds=("tanh", "softplus", "linear")):
    """A random chain f_k(s) = act_k(A_k s + b_k) from R^{D_0} to R^{D_K}, and a random s_0.

    ``widths = (D_0, ..., D_K)``; each activation is drawn from ``kinds`` by ``rng``.
    Returns ``(fs, s0)``.
    """
    widths = _check_widths(widths)
    kinds = _check_kinds(kinds)
    fs = []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        A, b = _random_affine(rng, d_in, d_out)
        fs.append(functools.partial(affine_step, A=A, b=b, activation=str(rng.choice(kinds))))
    return fs, rng.standard_normal(widths[0])


def random_network(rng: np.random.Generator, widths: Sequence[int], activation: str = "tanh"):
    """A random feedforward network: ``(layers, x, ws)`` with dense layers and w_k = (A_k, b_k).

    The last layer is linear, as is usual before a loss.
    """
    widths = _check_widths(widths)
    _check_kinds((activation,))
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
    def peak_stored(self) -> int:
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
    steps = _check_chain(fs)
    s0 = _check_array("s0", s0)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
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
        v = np.ones_like(s0) if direction is None else _check_direction("direction", direction, s0.shape, "s0")
        _forward_mode(counted, s0, v, observe)
    else:
        s_out, tape = _record_tape(counted, s0, observe)
        shape = np.shape(s_out)
        u = np.ones(shape) if direction is None else _check_direction("direction", direction, shape, "s_K")
        _pull_back(tape, u, release=True, observe=observe, output=s_out)
    return CostTrace(mode=mode, step_calls=counter[0], timeline=tuple(timeline))


@dataclass(frozen=True)
class JacobianCost:
    """Cost of the full Jacobian of a dense chain: multiply-adds and peak floats of one pass."""

    mode: str
    multiply_adds: int
    peak_floats: int


def jacobian_cost(D: int, M: int, K: int, mode: str) -> JacobianCost:
    """Table 8.1, with constants: chain R^D -> R^D (K-1 times) -> R^M, dense step Jacobians.

    One JVP or VJP costs sum_k D_k D_{k-1} = (K-1) D^2 + M D multiply-adds.
    Forward mode needs D JVPs: (K-1) D^3 + M D^2 = O(M D^2 + K D^3); one JVP holds
    (s_k, t_k), at most 2 max(D, M) floats. Reverse mode needs M VJPs:
    (K-1) M D^2 + M^2 D = O(M^2 D + K M D^2); one VJP holds the K stored states
    s_0..s_{K-1}, plus s_K and r_K: K D + 2 M floats. The time ratio forward/reverse is
    exactly D / M.
    """
    for name, value in (("D", D), ("M", M), ("K", K)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    one_pass = (K - 1) * D * D + M * D
    if mode == "forward":
        return JacobianCost(mode, D * one_pass, 2 * max(D, M))
    return JacobianCost(mode, M * one_pass, K * D + 2 * M)


# ---------------------------------------------------------------------------
# Which mode? Timing the Jacobian of x -> A x (Merkulov's slide, n = 100).
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ModeTimings:
    """Median seconds of the full Jacobian of x -> A x, x in R^n, for each number of outputs m."""

    n: int
    ms: tuple
    forward_seconds: tuple
    reverse_seconds: tuple


def jacobian_mode_timings(n: int = 100, ms: Sequence[int] = (10, 25, 50, 100, 150, 200, 300, 400),
                          repeat: int = 5, seed: int = 0) -> ModeTimings:
    """Time :func:`jacobian` of the one-step chain x -> A x, A of shape (m, n), in both modes.

    Forward mode makes n JVPs whatever m; reverse mode makes m VJPs. Each value is the
    median of ``repeat`` runs; the two modes are timed alternately for each m.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    ms = tuple(ms)
    if not ms or not all(isinstance(m, (int, np.integer)) and m >= 1 for m in ms):
        raise ValueError(f"ms must be a non-empty sequence of positive integers, got {ms!r}")
    if not isinstance(repeat, (int, np.integer)) or repeat < 1:
        raise ValueError(f"repeat must be a positive integer, got {repeat!r}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    forward, reverse = [], []
    for m in ms:
        fs = [functools.partial(affine_step, A=rng.standard_normal((m, n)), b=np.zeros(m), activation="linear")]
        forward.append(median_seconds(lambda: jacobian(fs, x, "forward"), repeat))
        reverse.append(median_seconds(lambda: jacobian(fs, x, "reverse"), repeat))
    return ModeTimings(n=n, ms=ms, forward_seconds=tuple(forward), reverse_seconds=tuple(reverse))


# ---------------------------------------------------------------------------
# The VJP of a VJP is a JVP (section 8.4.4).
# ---------------------------------------------------------------------------

def jvp_via_double_vjp(f: Callable, x, v):
    """Return (f(x), df(x)[v]) using reverse mode only.

    l(u) = df(x)^*[u] is linear in u, so its VJP at any point u_0 is its adjoint:
    dl(u_0)^*[v] = df(x)^{**}[v] = df(x)[v]. We take u_0 = 0 and apply autograd's
    ``make_vjp`` to the VJP closure of ``f``.
    """
    if not callable(f):
        raise TypeError(f"f must be callable array -> array, got {type(f).__name__}")
    x = _check_array("x", x)
    v = _check_direction("v", v, x.shape, "x")
    f_vjp, y = _run_step(0, lambda point: make_vjp(f, point), x)
    transpose, _ = make_vjp(f_vjp, np.zeros(np.shape(y)))
    return y, transpose(v)


# ---------------------------------------------------------------------------
# The explorer of the notebook: memory over time for one chain depth.
# ---------------------------------------------------------------------------

def memory_curves(depth: int, width: int = 64, seed: int = 0):
    """Traces of one JVP and one VJP along K = ``depth`` steps s -> tanh(s) of width ``width``.

    The counts depend only on the widths of the states, not on what the steps compute,
    so the explorer uses cheap element-wise steps to stay fast at large K and width.
    """
    if not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    if not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    fs = [anp.tanh] * depth
    s0 = np.random.default_rng(seed).standard_normal(width)
    return trace_costs(fs, s0, "forward"), trace_costs(fs, s0, "reverse")


def draw_memory_timelines(depth: int, width: int = 64, seed: int = 0):
    """Figure: floats held over time by forward and reverse mode (like Figs 8.2 and 8.4)."""
    import matplotlib.pyplot as plt

    traces = memory_curves(depth, width, seed)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for trace, style in zip(traces, ("o-", "s-")):
        ax.step([e.index for e in trace.timeline], [e.floats for e in trace.timeline], style,
                where="post", markersize=3, label=f"{trace.mode} mode (peak {trace.peak_floats} floats)")
    ax.axvline(depth, color="gray", linestyle=":", linewidth=1)
    ax.set_xlabel("event (one per step; reverse mode's backward pass starts at the dotted line)")
    ax.set_ylabel("floats held")
    ax.set_title(f"Memory over time, chain of K = {depth} steps of width {width}")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8)
    return fig
