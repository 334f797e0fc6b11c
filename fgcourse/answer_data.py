"""Answers as data: what a test of an exercise notebook yields of the learner's code, written as JSON
that carries no code (:func:`to_data`) and read back (:func:`from_data`), of a bounded size.

The classroom grader runs a test's cases inside a sandbox and gets their results out this way
(:mod:`fgcourse.exercises`, ``record_tests`` and ``replaying``).
"""

from __future__ import annotations

import math

import numpy as np

from fgcourse._checks import describe

__all__ = ["MAX_NUMBERS", "Budget", "Opaque", "to_data", "from_data"]

MAX_NUMBERS = 1_000_000
"""The most numbers (array entries included) that one test's cases may yield: answers are data of a bounded size."""

_MAX_DEPTH = 20
_DTYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                     "float16", "float32", "float64"})


class Opaque:
    """What stands for a value that is not data (a function, an object, a complex array): its description."""

    def __init__(self, description):
        self.description = str(description)[:200]

    def __repr__(self) -> str:
        return self.description


class Budget:
    """How many numbers may still be written, :data:`MAX_NUMBERS` at first: :meth:`take` spends them, and
    past zero an AssertionError says the answers are too large to be graded."""

    def __init__(self):
        self.left = MAX_NUMBERS

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise AssertionError(f"the answers are too large to be graded (more than {MAX_NUMBERS} numbers)")


def to_data(value, budget: Budget | None = None, depth: int = 0):
    """``value`` as JSON data that :func:`from_data` turns back into the same value.

    Numbers, strings, None, lists, tuples and real arrays keep what they are (a tuple stays a tuple, an
    array its dtype and shape); anything else becomes an :class:`Opaque` description. At most
    :data:`MAX_NUMBERS` numbers in all; beyond that an AssertionError says the answer is too large.
    """
    budget = Budget() if budget is None else budget
    if depth > _MAX_DEPTH:
        return {"opaque": f"a value nested more than {_MAX_DEPTH} levels deep"}
    if value is None or isinstance(value, (bool, np.bool_)):
        budget.take(1)
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        budget.take(1)
        number = int(value)
        return number if number.bit_length() <= 3000 else {"opaque": f"an integer of {number.bit_length()} bits"}
    if isinstance(value, (float, np.floating)):
        budget.take(1)
        return float(value)
    if isinstance(value, str):
        budget.take(1 + len(value) // 8)
        return value
    if isinstance(value, (tuple, list)):
        items = [to_data(item, budget, depth + 1) for item in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, np.ndarray) and value.dtype.name in _DTYPES:
        budget.take(value.size)
        return {"array": value.dtype.name, "shape": list(value.shape), "data": value.ravel().tolist()}
    return {"opaque": describe(value)}


def from_data(data, depth: int = 0):
    """The value that :func:`to_data` wrote as ``data``; a ValueError for anything it cannot have written.

    Only numbers, strings, None, lists, tuples, arrays and :class:`Opaque` come out: no code runs.
    """
    if depth > _MAX_DEPTH + 1:
        raise ValueError("data nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [from_data(item, depth + 1) for item in data]
    if isinstance(data, dict) and set(data) == {"tuple"} and isinstance(data["tuple"], list):
        return tuple(from_data(item, depth + 1) for item in data["tuple"])
    if isinstance(data, dict) and set(data) == {"opaque"}:
        return Opaque(data["opaque"])
    if isinstance(data, dict) and set(data) == {"array", "shape", "data"}:
        dtype, shape, values = data["array"], data["shape"], data["data"]
        if (dtype not in _DTYPES or not isinstance(shape, list) or not isinstance(values, list)
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
                or math.prod(shape) != len(values)
                or not all(isinstance(x, (bool, int, float)) for x in values)):
            raise ValueError("not an array written by to_data")
        return np.array(values, dtype=dtype).reshape(shape)
    raise ValueError(f"not data written by to_data: {describe(data)}")
