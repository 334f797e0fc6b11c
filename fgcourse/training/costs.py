"""What each mode costs: time and peak memory of one forward-gradient step against one backprop step.

Measured as in Belouze (2022), §6.2.3 (``belouze2022report``): the ratio forward / reverse of
CPU time and of peak memory, on three kinds of programs: the digits MLP of the chapter, deep
tanh MLPs of growing depth, and the nested-loop program F_n of the checkpointing chapter.

Peak memory is the peak of traced allocations (:func:`fgcourse.measure.peak_bytes`). Besides
the whole step we report its *working memory*: what differentiation needs beyond the
parameter-sized arrays every method holds. For backprop that is the step's peak minus the
gradient (the tape of intermediate values, which grows with depth); for a forward-gradient
step it is the peak of the JVP pass with v given (the tangents of one layer at a time, flat
in depth), since the step's other arrays are θ's checked copy and v, scaled into g in place.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, fields

import autograd.numpy as anp
import numpy as np
from autograd.core import make_jvp

from fgcourse import forward_gradient as fg
from fgcourse._checks import (
    MAX_NUMBERS,
    call_user,
    check_callable,
    check_instance,
    check_int,
    check_output,
    check_rng,
    check_sequence,
    check_vector,
    user_jvp,
    user_vjp,
)
from fgcourse.checkpointing import MAX_NESTED_CALLS, nested_forward, nested_reverse
from fgcourse.measure import median_seconds, peak_bytes
from fgcourse.stored import StoredDataError, check_format, read_stored

__all__ = ["StepCosts", "deep_tanh_loss", "step_costs", "NestedCosts", "nested_costs", "save_costs", "load_costs",
           "COSTS_FORMAT"]


def deep_tanh_loss(depth: int, width: int = 128, batch: int = 64, rng=0):
    """``(f, θ)``: f(θ) = mean of tanh-MLP outputs squared, ``depth`` layers of ``width`` units, no biases.

    The problem of ``benchmarks/bench_forward_gradient.py``: inputs and θ ~ N(0, 1/width) are drawn from ``rng``.
    """
    width = check_int("width", width, minimum=1, maximum=math.isqrt(MAX_NUMBERS))
    depth = check_int("depth", depth, minimum=1, maximum=MAX_NUMBERS // width**2)  # θ holds depth · width² numbers
    batch = check_int("batch", batch, minimum=1, maximum=MAX_NUMBERS // width)
    rng = check_rng("rng", rng)
    inputs = rng.standard_normal((batch, width))
    theta = rng.standard_normal(depth * width * width) / np.sqrt(width)

    def loss(theta):
        h = inputs
        for layer in range(depth):
            h = anp.tanh(anp.dot(h, anp.reshape(theta[layer * width**2:(layer + 1) * width**2], (width, width))))
        return anp.mean(h**2)

    return loss, theta


@dataclass(frozen=True)
class StepCosts:
    """Costs of one step per problem (one entry per label): seconds and peak bytes of the
    forward-gradient step and the backprop step, and their working memories (see the module)."""

    labels: tuple
    n: np.ndarray
    forward_seconds: np.ndarray
    backprop_seconds: np.ndarray
    forward_bytes: np.ndarray
    backprop_bytes: np.ndarray
    forward_working_bytes: np.ndarray
    backprop_working_bytes: np.ndarray

    @property
    def time_ratio(self) -> np.ndarray:
        return self.forward_seconds / self.backprop_seconds

    @property
    def memory_ratio(self) -> np.ndarray:
        return self.forward_bytes / self.backprop_bytes

    @property
    def working_memory_ratio(self) -> np.ndarray:
        return self.forward_working_bytes / self.backprop_working_bytes


def step_costs(problems, law="rademacher", rng=0, repeat: int = 5,
               clock: Callable[[], float] = time.process_time) -> StepCosts:
    """Measure one forward-gradient step (``law``, one tangent) and one backprop step per problem.

    ``problems`` is a sequence of ``(label, f, θ)`` with f written with autograd.numpy. Times
    are medians of ``repeat`` calls of ``clock`` (CPU time by default: the machine is shared).
    """
    problems = check_sequence("problems", problems, what="(label, f, theta) triples")
    law = fg.tangent_law(law)
    rng = check_rng("rng", rng)
    repeat = check_int("repeat", repeat, minimum=1)
    clock = check_callable("clock", clock, "() -> seconds")
    rows = []
    for index, problem in enumerate(problems):
        if not isinstance(problem, tuple) or len(problem) != 3:
            raise TypeError(f"problems[{index}] must be a (label, f, theta) triple, got {problem!r:.60}")
        label, f, theta = problem
        check_callable(f"problems[{index}] f", f, "array (n,) -> scalar")
        theta = check_vector(f"problems[{index}] theta", theta)
        rows.append((str(label), theta.size, *_step_row(f"problems[{index}] f", f, theta, law, rng, repeat, clock)))
    labels, *columns = zip(*rows)
    return StepCosts(tuple(labels), *(np.array(column) for column in columns))


def _step_row(name, f, theta, law, rng, repeat, clock):
    check_output(name, call_user(name, f, theta), (), at="theta")
    v = law.sample(theta.size, rng)
    user_jvp(name, f, theta, v)  # a function autograd cannot follow is named before any measurement

    def forward():
        return fg.forward_gradient(f, theta, law, rng)

    def backprop():
        pullback, _ = user_vjp(name, f, theta)
        return pullback(1.0)

    forward(), backprop()  # warm-up
    backprop_peak = peak_bytes(backprop)
    return (median_seconds(forward, repeat, clock), median_seconds(backprop, repeat, clock), peak_bytes(forward),
            backprop_peak, peak_bytes(lambda: make_jvp(f, theta)(v)), backprop_peak - theta.nbytes)


@dataclass(frozen=True)
class NestedCosts:
    """F_n of Belouze (2022) with sizes (S,) * depth for each depth: seconds and peak traced
    bytes of forward mode (nested_forward) and reverse mode (nested_reverse, Program 4)."""

    S: int
    depths: np.ndarray
    forward_seconds: np.ndarray
    reverse_seconds: np.ndarray
    forward_bytes: np.ndarray
    reverse_bytes: np.ndarray

    @property
    def time_ratio(self) -> np.ndarray:
        return self.forward_seconds / self.reverse_seconds

    @property
    def memory_ratio(self) -> np.ndarray:
        return self.forward_bytes / self.reverse_bytes


def nested_costs(S: int = 3, depths=(1, 2, 3, 4, 5), repeat: int = 3,
                 clock: Callable[[], float] = time.process_time) -> NestedCosts:
    """Measure F_n' in forward and reverse mode for sizes (S,) * n, n in ``depths``."""
    S = check_int("S", S, minimum=1)
    depths = check_sequence("depths", depths, lambda name, d: check_int(name, d, minimum=1), what="depths")
    deepest = max(depths)
    if (deepest + 1) * S**deepest > MAX_NESTED_CALLS:  # D_n = (n + 1) S^n calls of F_0 and F_0' (Property 1)
        raise ValueError(f"S must keep (n + 1) S^n, the calls of F_n', within {MAX_NESTED_CALLS:.0e} for the depths "
                         f"up to n = {deepest}, got S = {S}")
    repeat = check_int("repeat", repeat, minimum=1)
    clock = check_callable("clock", clock, "() -> seconds")
    rows = [_nested_row((S,) * depth, repeat, clock) for depth in depths]
    return NestedCosts(S, np.array(depths), *(np.array(column) for column in zip(*rows)))


def _nested_row(sizes, repeat, clock):
    def forward():
        return nested_forward(sizes)

    def reverse():
        return nested_reverse(sizes)

    return (median_seconds(forward, repeat, clock), median_seconds(reverse, repeat, clock), peak_bytes(forward),
            peak_bytes(reverse))


_COST_KINDS = {"StepCosts": StepCosts, "NestedCosts": NestedCosts}


COSTS_FORMAT = "fgcourse costs 1"
"""The format stamp of :func:`save_costs`; :func:`load_costs` reads only files that carry it."""


def save_costs(path, **parts) -> None:
    """Write :class:`StepCosts` / :class:`NestedCosts` objects to one compressed ``.npz``, by name."""
    check_instance("path", path, (str, os.PathLike), "a file path")
    arrays = {"format": np.array(COSTS_FORMAT)}
    for name, part in parts.items():
        if name == "format" or "." in name:
            raise ValueError(f"the names of the costs must not be 'format' nor hold a dot, got {name!r}")
        check_instance(name, part, tuple(_COST_KINDS.values()), "a StepCosts or a NestedCosts")
        arrays[f"{name}.kind"] = np.array(type(part).__name__)
        for field in fields(part):
            arrays[f"{name}.{field.name}"] = np.asarray(getattr(part, field.name))
    np.savez_compressed(path, **arrays)


def _read_costs(path) -> dict:
    with np.load(path, allow_pickle=False) as stored:
        check_format(stored, COSTS_FORMAT)
        names = sorted({key.split(".")[0] for key in stored.files if key != "format"})
        out = {}
        for name in names:
            kind = _COST_KINDS.get(str(stored[f"{name}.kind"]))
            if kind is None:
                raise StoredDataError(f"holds costs of an unknown kind {str(stored[f'{name}.kind'])!r}")
            values = {field.name: stored[f"{name}.{field.name}"] for field in fields(kind)}
            if kind is StepCosts:
                values["labels"] = tuple(str(label) for label in values["labels"])
            else:
                values["S"] = int(values["S"])
            out[name] = kind(**values)
        return out


def load_costs(path, *, regenerate: str = "make training-data") -> dict:
    """The costs saved by :func:`save_costs`, as a dict of name -> StepCosts / NestedCosts.

    A missing, damaged or outdated file is explained as by :func:`~fgcourse.training.load_runs`.
    """
    check_instance("path", path, (str, os.PathLike), "a file path")
    return read_stored(path, _read_costs, regenerate)
