"""What a forward-gradient step costs in JAX: the deep tanh MLP of the course, compiled by XLA.

The problem is :func:`fgcourse.training.deep_tanh_loss` (``depth`` layers of ``width`` units, no
biases, a batch of ``batch`` inputs, loss = mean of the outputs squared), in two layouts:

- ``"pytree"``: the weights as a list of ``depth`` matrices, as one writes a network in JAX;
- ``"flat"``: one vector θ sliced into the layers' matrices, as the course's autograd code does.

Three compiled functions per problem (:func:`step_functions`): the **JVP pass** (f(θ) and ∇f·v for
a given v), the **forward-gradient step** (draw v, JVP pass, (∇f·v) v) and the **backprop step**
(f(θ) and ∇f by ``jax.value_and_grad``). Neither step applies the update θ − lr·g: it costs the
same for both. :func:`compiled_costs` reads XLA's own count of each: its FLOPs
(``cost_analysis``) and the bytes of temporary buffers it plans (``memory_analysis``).

:func:`checkpoint_memory` compiles the backward pass of a depth-K chain under four remat plans
(store-all, ``jax.checkpoint`` per step, nested 8 × 8, and checkpoints nested as the course's
binomial schedule splits the chain) and reports XLA's temporary buffers in units of one state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax.ad_checkpoint import checkpoint_name

from fgcourse._checks import check_int, check_option, check_rng
from fgcourse.checkpointing.counts import optimal_split_range

from .core import DRAWS, value_and_forward_grad

__all__ = ["LAYOUTS", "DTYPES", "tanh_problem", "StepFunctions", "step_functions", "CompiledCost", "compiled_costs",
           "min_seconds", "alternated_min_seconds", "REMAT_PLANS", "RematCost", "first_sweep_stores",
           "checkpoint_memory", "forward_memory"]

LAYOUTS = ("pytree", "flat")
DTYPES = {"float32": jnp.float32, "float64": jnp.float64}


def tanh_problem(depth: int, width: int = 128, batch: int = 64, rng=0, dtype: str = "float32",
                 layout: str = "pytree"):
    """``(loss, params)``: the deep tanh MLP of :func:`fgcourse.training.deep_tanh_loss` in JAX.

    Inputs and weights ~ N(0, 1/width) from ``rng``; ``params`` is a list of ``depth`` matrices
    (``layout="pytree"``) or one vector of ``depth · width²`` numbers (``"flat"``). float64 needs
    ``jax.enable_x64(True)`` around every use.
    """
    depth = check_int("depth", depth, minimum=1)
    width = check_int("width", width, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    dtype = DTYPES[check_option("dtype", dtype, DTYPES)]
    layout = check_option("layout", layout, LAYOUTS)
    rng = check_rng("rng", rng)
    inputs = jnp.asarray(rng.standard_normal((batch, width)), dtype)
    weights = rng.standard_normal((depth, width, width)) / np.sqrt(width)
    size = width * width

    def layers(ws):
        h = inputs
        for w in ws:
            h = jnp.tanh(h @ w)
        return jnp.mean(h**2)

    if layout == "pytree":
        return layers, [jnp.asarray(w, dtype) for w in weights]

    def flat(theta):
        return layers([theta[k * size:(k + 1) * size].reshape(width, width) for k in range(depth)])

    return flat, jnp.asarray(weights.reshape(-1), dtype)


@dataclass(frozen=True)
class StepFunctions:
    """The compiled functions of one problem (each takes the arguments in ``args``)."""

    jvp_pass: object
    forward_step: dict
    backprop_step: object
    args: dict


def step_functions(loss, params, law: str = "rademacher", rng: int = 0, draws=DRAWS,
                   rbg: bool = True) -> StepFunctions:
    """jit-compiled JVP pass, forward-gradient steps (one per way of drawing v) and backprop step.

    ``forward_step`` maps a name to a compiled step: ``"bits"`` and ``"per_leaf"`` with the default
    (threefry) key, and ``"bits, rbg key"`` with the ``rbg`` PRNG when ``rbg``; their keys are made
    from the seed ``rng`` (a non-negative int).
    """
    rng = check_int("rng", rng, minimum=0)
    key = jax.random.key(rng)
    tangent = jax.tree_util.tree_map(jnp.ones_like, params)
    jvp_pass = jax.jit(lambda p, v: jax.jvp(loss, (p,), (v,)))
    forward = {draw: jax.jit(lambda p, k, draw=draw: value_and_forward_grad(loss, p, k, law, draw=draw))
               for draw in draws}
    args = {"jvp": (params, tangent), "backprop": (params,), **{draw: (params, key) for draw in draws}}
    if rbg:
        forward["bits, rbg key"] = forward["bits"]
        args["bits, rbg key"] = (params, jax.random.key(rng, impl="rbg"))
    return StepFunctions(jvp_pass, forward, jax.jit(jax.value_and_grad(loss)), args)


@dataclass(frozen=True)
class CompiledCost:
    """XLA's count for one compiled function: FLOPs, and bytes of arguments, outputs and temporaries."""

    flops: float
    argument_bytes: int
    output_bytes: int
    temp_bytes: int


def _cost(function, args) -> CompiledCost:
    compiled = function.lower(*args).compile()
    analysis = compiled.cost_analysis()
    if isinstance(analysis, (list, tuple)):  # older jax: one dict per device
        analysis = analysis[0]
    memory = compiled.memory_analysis()
    return CompiledCost(float(analysis.get("flops", np.nan)), int(memory.argument_size_in_bytes),
                        int(memory.output_size_in_bytes), int(memory.temp_size_in_bytes))


def compiled_costs(functions: StepFunctions) -> dict:
    """``{name: CompiledCost}`` for ``"jvp"``, ``"backprop"`` and each forward step of ``functions``."""
    out = {"jvp": _cost(functions.jvp_pass, functions.args["jvp"]),
           "backprop": _cost(functions.backprop_step, functions.args["backprop"])}
    for name, step in functions.forward_step.items():
        out[name] = _cost(step, functions.args[name])
    return out


def min_seconds(run, calls: int = 3) -> float:
    """The shortest wall time of ``calls`` calls of ``run()`` (its result waited for)."""
    best = float("inf")
    for _ in range(check_int("calls", calls, minimum=1)):
        start = time.perf_counter()
        jax.block_until_ready(run())
        best = min(best, time.perf_counter() - start)
    return best


def alternated_min_seconds(runs: dict, rounds: int = 5, calls: int = 3) -> dict:
    """``{name: seconds}``: the minimum over ``rounds`` rounds, in each of which every run of ``runs``
    takes its turn (:func:`min_seconds` of ``calls`` calls), so that a slow moment of a shared
    machine falls on every run alike. Each run is called once first (compilation, caches)."""
    for run in runs.values():
        jax.block_until_ready(run())
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(check_int("rounds", rounds, minimum=1)):
        for name, run in runs.items():
            best[name] = min(best[name], min_seconds(run, calls))
    return best


# ------------------------------------------------------------------------------ checkpointing

REMAT_PLANS = ("store_all", "per_step", "nested", "unrolled", "binomial_nested", "binomial_policy")
"""How the backward pass of a chain keeps its states (see :func:`checkpoint_memory`)."""


def _binomial(layers, start: int, stop: int, slots: int):
    """The steps start+1..stop as nested ``jax.checkpoint`` blocks, split as the optimal schedule
    splits the segment with ``slots`` slots: the left part is a checkpointed block (only its input
    is kept), the right part is split again with one slot less."""
    if stop - start == 1:
        return layers[start]
    middle = start + optimal_split_range(stop - start, slots)[1]
    left = jax.checkpoint(_binomial(layers, start, middle, slots))
    right = _binomial(layers, middle, stop, max(slots - 1, 1))
    return lambda h, ws: right(left(h, ws), ws)


def _sequence(layers):
    def run(h, ws):
        for layer in layers:
            h = layer(h, ws)
        return h

    return run


def first_sweep_stores(K: int, q: int) -> list:
    """The states s_k that the course's optimal schedule with q slots stores before its first reverse step."""
    from fgcourse.checkpointing.schedules import schedule

    stores = []
    for action in schedule(K, q).actions:
        if action.kind == "reverse":
            break
        if action.kind == "store":
            stores.append(action.index)
    return stores


@dataclass(frozen=True)
class RematCost:
    """XLA's plan for the gradient of a chain: temporary bytes in states (batch · width floats) and FLOPs."""

    states: float
    flops: float


def _shapes(K: int, width: int, batch: int):
    """The weights and the input of a depth-K chain as abstract float32 arrays (shapes, no values)."""
    width = check_int("width", width, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    return (jax.ShapeDtypeStruct((K, width, width), jnp.float32), jax.ShapeDtypeStruct((batch, width), jnp.float32))


def checkpoint_memory(K: int = 64, q: int = 8, width: int = 128, batch: int = 64, plans=None) -> dict:
    """``{plan: RematCost}`` of the compiled gradient (with respect to the input) of a depth-K
    tanh chain h_k = tanh(h_{k-1} W_k), float32, under each remat plan:

    - in a ``lax.scan`` over the K steps: ``"store_all"`` (plain ``jax.grad``), ``"per_step"``
      (the scan's body in ``jax.checkpoint``) and ``"nested"`` (√K blocks, a checkpointed scan
      of √K checkpointed steps each; only when √K is an integer);
    - in unrolled (straight-line) code: ``"unrolled"`` (plain ``jax.grad``), ``"binomial_nested"``
      (nested ``jax.checkpoint`` blocks split as the course's optimal schedule with ``q`` slots
      splits the chain) and ``"binomial_policy"`` (one ``jax.checkpoint`` whose policy saves
      only the states the schedule stores in its first sweep).

    ``states`` is XLA's ``memory_analysis().temp_size_in_bytes`` (what it plans to hold at once
    beyond the arguments and the output) over batch · width · 4 bytes; ``flops`` is its
    ``cost_analysis()`` count, which shows whether the recomputation is there at all.
    """
    K = check_int("K", K, minimum=1)
    q = check_int("q", q, minimum=1)
    ws, x = _shapes(K, width, batch)  # compiled, never run: only shapes and types matter
    block = max(1, int(round(K**0.5)))

    def body(h, w):
        return jnp.tanh(h @ w), None

    def scan_of(step):
        return lambda h, ws: jax.lax.scan(step, h, ws)[0]

    def nested(h, ws):
        inner = jax.checkpoint(lambda c, wb: (jax.lax.scan(jax.checkpoint(body), c, wb)[0], None))
        return jax.lax.scan(inner, h, ws.reshape(K // block, block, width, width))[0]

    def layer(k):
        return lambda h, ws: jnp.tanh(h @ ws[k])

    layers = [layer(k) for k in range(K)]
    stores = first_sweep_stores(K, q)

    def named(h, ws):
        for k, layer in enumerate(layers):
            h = layer(checkpoint_name(h, f"s{k}") if k in stores else h, ws)
        return h

    chains = {
        "store_all": scan_of(body),
        "per_step": scan_of(jax.checkpoint(body)),
        "nested": nested,
        "unrolled": _sequence(layers),
        "binomial_nested": _binomial(layers, 0, K, q),
        "binomial_policy": jax.checkpoint(named, policy=jax.checkpoint_policies.save_only_these_names(
            *(f"s{k}" for k in stores))),
    }
    if block * block != K:
        chains.pop("nested")
    state = batch * width * 4
    out = {}
    for plan in tuple(chains) if plans is None else plans:
        chain = chains[check_option("plans", plan, tuple(chains))]
        gradient = jax.jit(jax.grad(lambda x, ws, chain=chain: jnp.mean(chain(x, ws) ** 2)))
        cost = _cost(gradient, (x, ws))
        out[plan] = RematCost(cost.temp_bytes / state, cost.flops)
    return out


def forward_memory(K: int = 64, width: int = 128, batch: int = 64, forms=("scan", "unrolled")) -> dict:
    """``{form: states}``: XLA's temporary bytes of the JVP of the same chain (with respect to the
    input, as :func:`checkpoint_memory`), in states, for each of ``forms``: ``"scan"`` (a
    ``lax.scan`` over the steps) and ``"unrolled"`` (a Python loop)."""
    K = check_int("K", K, minimum=1)
    ws, x = _shapes(K, width, batch)  # compiled, never run: only shapes and types matter

    def scanned(h, ws):
        return jnp.mean(jax.lax.scan(lambda c, w: (jnp.tanh(c @ w), None), h, ws)[0] ** 2)

    def unrolled(h, ws):
        for k in range(K):
            h = jnp.tanh(h @ ws[k])
        return jnp.mean(h**2)

    out = {}
    for name in forms:
        loss = {"scan": scanned, "unrolled": unrolled}[check_option("forms", name, ("scan", "unrolled"))]
        jvp = jax.jit(lambda x, v, ws, loss=loss: jax.jvp(lambda h: loss(h, ws), (x,), (v,)))
        out[name] = _cost(jvp, (x, x, ws)).temp_bytes / (batch * width * 4)
    return out
