"""Reversible chains (Alg. 8.8 of ``blondel2024elements``): recompute s_{k-1} = f_k^{-1}(s_k)
on the way back instead of storing it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np

from fgcourse._checks import (
    call_user,
    check_array,
    check_callable,
    check_int,
    check_output,
    check_positive,
    check_rng,
    check_sequence,
    user_vjp,
)

__all__ = ["ReversibleRun", "reversible_vjp", "coupling_layer"]


@dataclass(frozen=True)
class ReversibleRun:
    """One VJP along a reversible chain: r_0, s_K, K step calls (s_K included: the backward
    pass starts from it), K inverse calls, no stored state, and how far the s_0 rebuilt by
    the inverses drifted from the true s_0 (round-off accumulates along the chain)."""

    r_0: np.ndarray
    s_K: np.ndarray
    step_calls: int
    inverse_calls: int
    peak_states: int
    drift: float


def _callables(name: str, value) -> tuple:
    return check_sequence(name, value, lambda item, f: check_callable(item, f, "array -> array"),
                          what="callables array -> array")


def reversible_vjp(fs: Sequence[Callable], inverses: Sequence[Callable], s0, u, *, rtol: float = 1e-8) -> ReversibleRun:
    """Alg. 8.8: run the chain to s_K, then for k = K..1 rebuild s_{k-1} = f_k^{-1}(s_k) and
    pull r_k back with autograd's make_vjp of f_k at s_{k-1}. Memory: the working state only.

    make_vjp also returns f_k(s_{k-1}) for free: it must give back the s_k the inverse started
    from, to ``rtol`` relative to the size of s_k (max |f_k(s_{k-1}) - s_k| <= rtol max(1, max |s_k|));
    otherwise ``inverses[k-1]`` is not the inverse of ``fs[k-1]`` and a ValueError names it,
    instead of returning a wrong r_0.
    """
    steps = _callables("fs", fs)
    undo = _callables("inverses", inverses)
    if len(undo) != len(steps):
        raise ValueError(f"inverses must hold one inverse per step (len(fs) = {len(steps)}), got {len(undo)}")
    s0 = check_array("s0", s0)
    u = check_array("u", u)
    rtol = check_positive("rtol", rtol)
    K = len(steps)
    state, shapes = s0, [s0.shape]  # the shapes of s_0..s_K: what each inverse must return
    for k in range(1, K + 1):
        name = f"fs[{k - 1}]"
        state = check_output(name, call_user(name, steps[k - 1], state), at=f"s_{k - 1}")
        shapes.append(state.shape)
    s_K, r = state, u
    if u.shape != s_K.shape:
        raise ValueError(f"u must have the shape of s_K = {s_K.shape}, got shape {u.shape}")
    for k in range(K, 0, -1):
        name, inverse_name = f"fs[{k - 1}]", f"inverses[{k - 1}]"
        s_k = state
        state = check_output(inverse_name, call_user(inverse_name, undo[k - 1], s_k), shapes[k - 1], at=f"s_{k}")
        pullback, value = user_vjp(name, steps[k - 1], state)
        value = check_output(name, value, shapes[k], at=f"s_{k - 1}")
        gap, scale = float(np.max(np.abs(value - s_k), initial=0.0)), max(1.0, float(np.max(np.abs(s_k), initial=0.0)))
        if gap > rtol * scale:
            raise ValueError(
                f"{inverse_name} must invert {name}: {name}({inverse_name}(s_{k})) differs from s_{k} by {gap:.2e}, "
                f"more than rtol = {rtol:g} times {scale:.2g}; got a wrong inverse (r_0 would be wrong)"
            )
        r = check_output(f"the VJP of {name}", pullback(r), shapes[k - 1], at=f"s_{k - 1}")
    return ReversibleRun(r, s_K, K, K, 0, float(np.max(np.abs(state - s0), initial=0.0)))


def coupling_layer(width: int, rng):
    """A random additive coupling step and its inverse (reversible residual networks):
    f(a, b) = (b, a + tanh(W b + c)) on s = (a, b) split in halves; f^{-1}(y, z) = (z - tanh(W y + c), y).

    ``width`` (even, >= 2) is the size of s; ``rng`` is an int seed or a numpy Generator.
    """
    width = check_int("width", width, minimum=2)
    if width % 2:
        raise ValueError(f"width must be even (s is split into two halves), got {width}")
    rng = check_rng("rng", rng)
    half = width // 2
    W, c = rng.standard_normal((half, half)) / np.sqrt(half), 0.1 * rng.standard_normal(half)

    def step(s):
        a, b = s[:half], s[half:]
        return anp.concatenate([b, a + anp.tanh(anp.dot(W, b) + c)])

    def inverse(y):
        first, second = y[:half], y[half:]
        return np.concatenate([second - np.tanh(W @ first + c), first])

    return step, inverse
