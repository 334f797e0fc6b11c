"""The forward gradient in JAX: ``value_and_forward_grad`` over a pytree of parameters.

The step of gao2023gradients (§3.3) in a few lines a reader can copy: draw a tangent v with the
structure of the parameters, run one ``jax.jvp`` pass to get f(θ) and ∇f(θ)·v, and return
(∇f(θ)·v) v, a pytree like θ. The laws are the course's (:mod:`fgcourse.forward_gradient.laws`):
``"gaussian"`` (v ~ N(0, I)), ``"rademacher"`` (independent signs ±1) and ``"sphere"`` (uniform on
the sphere of radius √n, over all the leaves at once).

Rademacher signs are read from random bits, 32 per 32-bit word (:func:`rademacher_signs`):
``jax.random.rademacher`` draws one 32-bit word per sign, so for a network whose JVP pass is cheap
the random words, not the arithmetic, are what a forward-gradient step waits for.

Everything here runs under ``jax.jit``; the arguments are checked when the function is traced, with
the message contract of :mod:`fgcourse._checks`.
"""

from __future__ import annotations

try:
    import jax
    import jax.numpy as jnp
except ImportError as error:  # pragma: no cover - exercised in a process without jax
    raise ImportError('fgcourse.jax needs JAX, an optional extra: pip install "fgcourse[jax]" '
                      '(or make env, which installs it)') from error

import math

import numpy as np

from fgcourse._checks import call_user, check_callable, check_int, check_option, describe

__all__ = ["LAWS", "DRAWS", "check_key", "check_params", "num_parameters", "rademacher_signs", "draw_tangent",
           "forward_gradient_along", "value_and_forward_grad"]

LAWS = ("gaussian", "rademacher", "sphere")
"""The tangent laws of the course, by name."""

DRAWS = ("bits", "per_leaf")
"""How Rademacher signs are drawn: ``"bits"`` reads 32 signs from each random 32-bit word, over all
leaves at once; ``"per_leaf"`` calls ``jax.random.rademacher`` on each leaf (one word per sign)."""

WORD_BITS = 32


# ----------------------------------------------------------------------------------- checks

def check_key(name: str, key):
    """A JAX PRNG key: a typed key (``jax.random.key``) of shape (), or a raw ``uint32`` key
    (``jax.random.PRNGKey``, shape (2,)); returns it as a typed key."""
    dtype = getattr(key, "dtype", None)
    if dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        if key.shape != ():
            raise ValueError(f"{name} must be a single JAX PRNG key (shape ()), got keys of shape {key.shape}: "
                             f"pass one of them")
        return key
    if isinstance(key, (np.ndarray, jax.Array)) and dtype == np.uint32 and key.shape == (2,):
        return jax.random.wrap_key_data(key)
    raise TypeError(f"{name} must be a JAX PRNG key (jax.random.key(seed), or jax.random.PRNGKey(seed)), "
                    f"got {describe(key)}")


def check_params(name: str, params):
    """A pytree (dicts, lists, tuples, ...) of at least one floating-point array; returns its leaves."""
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError(f"{name} must be a pytree of float arrays with at least one leaf, got {describe(params)}")
    for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
        where = name + jax.tree_util.keystr(path)
        dtype = getattr(leaf, "dtype", None)
        if dtype is None or not hasattr(leaf, "shape") or not jnp.issubdtype(dtype, jnp.floating):
            raise TypeError(f"{where} must be a float array (a leaf of the parameters' pytree), got {describe(leaf)}")
    return leaves


def num_parameters(params) -> int:
    """n, the number of scalars in the pytree ``params``."""
    return sum(math.prod(leaf.shape) for leaf in check_params("params", params))


# ------------------------------------------------------------------------------- the tangent

def _signs_from_words(words, n: int, dtype):
    """The first n of the 32 · len(words) signs held by the bits of ``words`` (bit j of word w: sign 32 w + j)."""
    bits = ((words[:, None] >> jnp.arange(WORD_BITS, dtype=jnp.uint32)) & 1).reshape(-1)[:n]
    if jnp.dtype(dtype) == jnp.float32:  # the bit is the float's sign bit: ±1.0 without arithmetic
        return jax.lax.bitcast_convert_type((bits << 31) | jnp.uint32(0x3F800000), jnp.float32)
    return (1 - 2 * bits.astype(jnp.int32)).astype(dtype)


def rademacher_signs(key, n: int, dtype=jnp.float32):
    """n independent signs ±1 (probability 1/2 each), 32 per random 32-bit word.

    Bit j of word w gives sign 32 w + j (+1 for a 0 bit, −1 for a 1 bit): ⌈n/32⌉ words of random
    bits for n signs, where ``jax.random.rademacher`` draws one word per sign.
    """
    key = check_key("key", key)
    n = check_int("n", n, minimum=1)
    return _signs_from_words(jax.random.bits(key, (-(-n // WORD_BITS),), dtype=jnp.uint32), n, dtype)


def _leaf_signs(key, leaves, dtype):
    """Signs for every leaf from one draw of random words, each leaf reading its own whole words
    (so that XLA computes each leaf's signs from its words only)."""
    counts = [-(-math.prod(leaf.shape) // WORD_BITS) for leaf in leaves]
    words = jax.random.bits(key, (sum(counts),), dtype=jnp.uint32)
    out, start = [], 0
    for leaf, count in zip(leaves, counts):
        signs = _signs_from_words(words[start:start + count], math.prod(leaf.shape), dtype)
        out.append(signs.reshape(leaf.shape).astype(leaf.dtype))
        start += count
    return out


def draw_tangent(key, params, law: str = "rademacher", draw: str = "bits"):
    """A tangent v with the structure of ``params``, drawn from ``law`` (E[v vᵀ] = I over all n scalars).

    ``draw`` (Rademacher only, see :data:`DRAWS`): ``"bits"`` reads 32 signs per random word for
    the whole pytree, ``"per_leaf"`` calls ``jax.random.rademacher`` once per leaf.
    """
    key = check_key("key", key)
    leaves = check_params("params", params)
    law = check_option("law", law, LAWS)
    draw = check_option("draw", draw, DRAWS)
    treedef = jax.tree_util.tree_structure(params)
    dtype = jnp.result_type(*leaves)
    n = sum(math.prod(leaf.shape) for leaf in leaves)
    if law == "rademacher" and draw == "bits":
        parts = _leaf_signs(key, leaves, dtype)
    elif law == "rademacher":
        keys = jax.random.split(key, len(leaves))
        parts = [jax.random.rademacher(k, leaf.shape, leaf.dtype) for k, leaf in zip(keys, leaves)]
    else:
        keys = jax.random.split(key, len(leaves))
        parts = [jax.random.normal(k, leaf.shape, leaf.dtype) for k, leaf in zip(keys, leaves)]
        if law == "sphere":  # the sphere of radius √n: the Gaussian vector over every leaf, normalized as a whole
            norm = jnp.sqrt(sum(jnp.sum(part.astype(dtype) ** 2) for part in parts))
            parts = [part * (jnp.sqrt(jnp.asarray(n, dtype)) / norm).astype(part.dtype) for part in parts]
    return jax.tree_util.tree_unflatten(treedef, parts)


# ------------------------------------------------------------------------ the forward gradient

def _scalar_loss(f, params):
    """Check (once, by tracing) that f maps ``params`` to a real scalar."""
    out = call_user("f", jax.eval_shape, f, params, what="on params")
    shape, dtype = getattr(out, "shape", None), getattr(out, "dtype", None)
    if shape != () or dtype is None or not jnp.issubdtype(dtype, jnp.floating):
        got = f"shape {shape} and dtype {dtype}" if shape is not None else describe(out)
        raise ValueError(f"f must return a real scalar (the loss), got {got}")
    return dtype


def forward_gradient_along(f, params, tangent):
    """``(f(θ), (∇f(θ)·v) v)`` for one given tangent v (a pytree like θ): one ``jax.jvp`` pass."""
    value, derivative = jax.jvp(f, (params,), (tangent,))
    return value, jax.tree_util.tree_map(lambda v: derivative * v, tangent)


def value_and_forward_grad(f, params, key, law: str = "rademacher", B: int = 1, *, draw: str = "bits"):
    """``(f(θ), g)`` with g = (1/B) Σ_b (∇f(θ)·v_b) v_b, B tangents from ``law``, forward mode only.

    ``f`` maps the pytree ``params`` to a real scalar; ``key`` is a JAX PRNG key (the tangents'
    only source of randomness); ``law`` is ``"gaussian"``, ``"rademacher"`` or ``"sphere"``;
    ``draw`` says how Rademacher signs are drawn (:data:`DRAWS`). Runs under ``jax.jit``::

        step = jax.jit(lambda p, k: value_and_forward_grad(loss, p, k, "rademacher", 1))
    """
    check_callable("f", f, "params (pytree) -> scalar")
    check_params("params", params)
    key = check_key("key", key)
    law = check_option("law", law, LAWS)
    B = check_int("B", B, minimum=1)
    draw = check_option("draw", draw, DRAWS)
    value_dtype = _scalar_loss(f, params)
    if B == 1:
        return forward_gradient_along(f, params, draw_tangent(key, params, law, draw))

    def one(b, total):
        value, g = forward_gradient_along(f, params, draw_tangent(jax.random.fold_in(key, b), params, law, draw))
        return value, jax.tree_util.tree_map(jnp.add, total[1], g)

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    value, total = jax.lax.fori_loop(0, B, one, (jnp.zeros((), value_dtype), zeros))
    return value, jax.tree_util.tree_map(lambda t: t / B, total)
