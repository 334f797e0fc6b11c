"""Self-checks for the book's exercises, and the checks behind the exercise notebooks' tests.

Prose exercises whose answer is a number, a few numbers or a formula can be checked without
a grader::

    from fgcourse.exercises import check
    check("ch-ex-choose", 100)                                   # right
    check("fg-ex-coordinate", lambda n, grad: (n - 1) * grad @ grad)

``check`` prints whether the answer is right and, when it is not, a hint; it returns the
verdict as a bool. A formula is given as a Python function of the exercise's symbols and is
compared with the book's at a few points. ``EXERCISES`` lists the labels that can be checked.

The exercise notebooks (``notebooks/exercises/``, graded with otter-grader) compare a learner's
function with the library through :func:`answer` and :func:`expect_close`, which turn every
failure into one short message: the input that failed, what was expected, what came back.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from fgcourse._checks import check_callable, check_option, check_real, describe

__all__ = ["EXERCISES", "check", "answer", "expect_close", "expect_equal", "NOT_ANSWERED"]

NOT_ANSWERED = "not answered yet"


@dataclass(frozen=True)
class _Exercise:
    """An exercise's checkable answer: ``expected`` is a number, a tuple of numbers or a formula.

    A formula is a function whose arguments are listed in ``symbols``; ``points`` gives the
    argument tuples at which the learner's formula is compared with it.
    """

    asks: str
    expected: object
    hint: str
    symbols: tuple = ()
    points: tuple = ()


def _grads(*vectors):
    return tuple(np.array(v, dtype=float) for v in vectors)


_N_GRAD_POINTS = tuple((len(a), a) for a in _grads([3.0, -1.0], [1.0, 2.0, 2.0], [0.5, -1, 0, 2, 1.5], [1e-3] * 7))

EXERCISES: dict[str, _Exercise] = {
    "ch-ex-choose": _Exercise(
        "the factor by which forward mode is slower than reverse mode (a number)", 100.0,
        "compare D JVPs with M VJPs of the same cost: the factor is D / M"),
    "ch-ex-double-vjp": _Exercise(
        "the JVP W v for v = (1, 1, 1) (two numbers)", (3.0, 0.0),
        "the VJP of l(u) = W^T u is v -> W v; multiply W by (1, 1, 1)"),
    "ck-ex-halving": _Exercise(
        "(C(12), C*(12, 4)): recursive halving's step calls and the optimum with 4 slots", (20.0, 18.0),
        "C(3) = C(1) + C(2) + 1 = 2, C(6) = 2 C(3) + 3; for C*, find t with beta(4, t-1) < 12 <= beta(4, t)"),
    "ck-ex-split": _Exercise(
        "the best first split l for K = 10, s = 3 (a number)", 4.0,
        "tabulate C*(10 - l, 2) + C*(l, 3) + l for l = 1..9 and take the smallest"),
    "ck-ex-predict": _Exercise(
        "the step calls of (store-all, recompute-all, optimal with s = 3) for K = 20", (19.0, 190.0, 45.0),
        "recompute-all costs K(K-1)/2; for the optimum, beta(3, 2) = 10 < 20 <= beta(3, 3) = 20 gives t = 3"),
    "ck-ex-nested": _Exercise(
        "(calls made by F_2', largest number of taped values, unused calls of F_0) for (3, 5)", (45.0, 8.0, 8.0),
        "D_2 = 3 * prod(S_i); the tape holds at most S_1 + S_2 values; unused: prod/S_1 + prod/S_2"),
    "fg-ex-n2": _Exercise(
        "the squared error ||g - grad f||^2 for n = 2, as a function of grad", lambda grad: grad @ grad,
        "with n = 2 the (n - 2)(grad . v)^2 term vanishes", ("grad",),
        tuple((a,) for a in _grads([3.0, -1.0], [0.5, 2.0], [-1e-2, 7.0]))),
    "fg-ex-coordinate": _Exercise(
        "the MSD of the coordinate law, as a function of (n, grad)", lambda n, grad: (n - 1) * grad @ grad,
        "g = n a_J e_J, so E||g||^2 = n ||a||^2; subtract ||a||^2", ("n", "grad"), _N_GRAD_POINTS),
    "fg-ex-gaussian": _Exercise(
        "the MSD of the sparse law, as a function of (n, grad)", lambda n, grad: (n + 1) * grad @ grad,
        "E[v_i^4] = 3, so Var(v_i^2) = 2: the same MSD as the Gaussian law", ("n", "grad"), _N_GRAD_POINTS),
    "fg-ex-tuned": _Exercise(
        "(MSD at a = e_1, MSD at a = e_2)", (4.75, 17.5),
        "MSD = E[x s] - 1 with x = v_1^2 and s = ||v||^2; each of the two cases has probability 1/2"),
    "ls-ex-golden": _Exercise(
        "the number of evaluations N that certify a bracket of width 1e-6 from [0, 1]", 30.0,
        "N evaluations certify a width tau^-(N-1); solve tau^(N-1) >= 1e6 for the smallest integer N"),
    "ls-ex-dichotomy": _Exercise(
        "(K from the theorem, halvings done by `while b - a > eps`)", (19.0, 20.0),
        "K = ceil(log2(1e6) - 1); the loop stops only once the width itself is <= 1e-6"),
    "op-ex-bias": _Exercise(
        "the length of Adam's first step without bias correction, |d_1| (a number)", 0.1 / math.sqrt(0.001),
        "m_1 = (1 - beta1) mu and p_1 = (1 - beta2) mu^2: divide m_1 by sqrt(p_1)"),
    "op-ex-budget": _Exercise(
        "(largest learning rate of true SGD, step-size bound for forward SGD)", (0.1, 0.01),
        "the Hessian is diag(2, 4, ..., 20): true SGD needs lr < 2/L; the forward bound is 2/(n L)"),
    "fg-ex-sign-small": _Exercise(
        "E[A] for n = 3 (a number)", 2.25,
        "2 of the 8 tangents agree on 3 signs, the 6 others on 2"),
    "fg-ex-sign-asymptotic": _Exercise(
        "(limit of sqrt(n)(E_n - V_n) along even n, along odd n)",
        (-1 / (4 * math.sqrt(2 * math.pi)), 1 / (4 * math.sqrt(2 * math.pi))),
        "both limits are +-1/(4 sqrt(2 pi)); find which sign goes with even n"),
    "tr-ex-by-hand": _Exercise(
        "the output's tangent along v = (1, 0) at (1, 2) (a number)", 2.0 + math.cos(1.0),
        "dv1 = x2 dx1 + x1 dx2 and dv2 = cos(x1) dx1, then add them"),
    "tr-ex-known-zero": _Exercise(
        "(multiplications of the simplified tangent program, of the naive one)", (1.0, 3.0),
        "with x1 inactive only v1' = x1 * x2' remains; the naive program also multiplies by x1' = 0"),
    "tr-ex-linearize-by-hand": _Exercise(
        "(x1_bar, x2_bar): the outputs of the transposed program for u = 1 (two numbers)", (2.0 + math.cos(1.0), 1.0),
        "read the linear program backwards: x1_bar collects cos(1) * v2_bar and 2 * v1_bar"),
    "tr-ex-product-cost": _Exercise(
        "(operations of the linear program, of the transposed program) for n = 4", (9.0, 12.0),
        "each of the n - 1 entries has two terms: 2 multiplications + 1 addition, then 2 accumulations of a product"),
}


def _is_number(value) -> bool:
    """A real number: int, float or numpy real scalar; never a bool, a complex or a string."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return False
    return isinstance(value, (int, float, np.integer, np.floating))


def _as_numbers(value) -> tuple:
    """A number or a flat sequence/array of numbers as a tuple of floats, or None if it is neither.

    Strings, bools and complex numbers are never numbers here (``"1"``, ``True`` and ``100+5j``
    are refused, not read as 1, 1 and 100); neither are NaN and inf.
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf" or value.ndim > 1:
            return None
        items = value.ravel().tolist()
    elif isinstance(value, (list, tuple)):
        if not all(_is_number(x) or (isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf")
                   for x in value):
            return None
        items = [float(x) for x in value]
    elif _is_number(value):
        items = [value]
    else:
        return None
    numbers = tuple(float(x) for x in items)
    return numbers if all(math.isfinite(x) for x in numbers) else None


def _copies(point) -> tuple:
    """Fresh copies of a formula's arguments: a learner's function may change its inputs in place."""
    return tuple(np.array(x, copy=True) if isinstance(x, np.ndarray) else x for x in point)


def _close(got, expected, rtol: float = 1e-3, atol: float = 1e-9) -> bool:
    return len(got) == len(expected) and all(abs(g - e) <= atol + rtol * abs(e) for g, e in zip(got, expected))


def _verdict(label: str, answer) -> tuple[bool, str]:
    exercise = EXERCISES[label]
    if callable(exercise.expected):
        if not callable(answer):
            return False, f"give a formula: a Python function of ({', '.join(exercise.symbols)})"
        for point in exercise.points:
            where = ", ".join(f"{s}={np.round(x, 4).tolist() if isinstance(x, np.ndarray) else x}"
                              for s, x in zip(exercise.symbols, point))
            want = _as_numbers(exercise.expected(*_copies(point)))  # before the learner's code runs
            try:
                returned = answer(*_copies(point))
            except Exception as error:  # a learner's formula may fail in any way: report it
                return False, f"your formula raised {type(error).__name__} at {where}: {error}"
            got = _as_numbers(returned)
            if got is None:
                return False, f"at {where} your formula returns {describe(returned)}, not a real number"
            if not _close(got, want):
                return False, f"at {where} your formula gives {got}, the book's gives {want}"
        return True, ""
    want = _as_numbers(exercise.expected)
    got = _as_numbers(answer)
    if got is None or len(got) != len(want):
        shape = "a number" if len(want) == 1 else f"{len(want)} numbers"
        return False, f"give {shape}, got {describe(answer)}"
    return _close(got, want), ""


def check(label: str, answer) -> bool:
    """Print whether ``answer`` is right for the exercise ``label`` (with a hint if not); return it.

    Numbers are compared with a relative tolerance of 1e-3, so 3.16 is right for 3.1623.
    """
    label = check_option("label", label, EXERCISES)
    exercise = EXERCISES[label]
    right, why = _verdict(label, answer)
    if right:
        print(f"{label}: right.")
    else:
        print(f"{label}: not yet. Expected {exercise.asks}. {why + '. ' if why else ''}Hint: {exercise.hint}.")
    return right


# --- the checks used by the exercise notebooks' tests ----------------------------------------

def _short(value) -> str:
    """A value in a few characters: arrays rounded to 6 digits, at most 6 entries shown."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_short(x) for x in value) + ")"
    if isinstance(value, list) and _real_array(value) is None:
        return "[" + ", ".join(_short(x) for x in value) + "]"
    if isinstance(value, (np.ndarray, list)) and _real_array(value) is not None:
        return np.array2string(np.asarray(value), precision=6, threshold=6, edgeitems=2, separator=", ")
    if isinstance(value, (float, np.floating)):
        return f"{value:.10g}"
    return describe(value) if not isinstance(value, (int, str)) else repr(value)


def answer(name: str, function, *args):
    """``function(*args)``, the learner's answer; any failure becomes one short AssertionError.

    The function gets deep copies of ``args``, so an answer that changes its inputs in place
    changes neither the reference computed from them afterwards nor the next test case.

    A function still raising ``NotImplementedError`` (the handed-out placeholder) is reported as
    not answered yet, a name that was never defined (``None``) as such.
    """
    if function is None:
        raise AssertionError(f"{name} is not defined: run the cell that defines it")
    check_callable(name, function)
    try:
        return function(*copy.deepcopy(args))  # a copy: changing its inputs cannot change the reference
    except NotImplementedError:
        raise AssertionError(f"{name}: {NOT_ANSWERED} (replace the `raise NotImplementedError` line)") from None
    except Exception as error:  # the learner's code may fail in any way: say how, briefly
        raise AssertionError(f"{name}({', '.join(_short(a) for a in args)}) raised "
                             f"{type(error).__name__}: {error}") from None


def _leaves(value, path: str = "") -> list:
    """``[(where, item)]``: a tuple or list of answers split into its items, recursively, so that
    ``(1.0, array([2., 3.]))`` is two items; a (nested) list that makes one real array stays one."""
    if isinstance(value, (tuple, list)) and _real_array(value) is None:
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, f"{path}[{index}]")]
    return [(path, value)]


def _real_array(value):
    """``value`` as a float array, or None if it is not made of real numbers (str, bool, complex, None...)."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind not in "iuf":
        return None
    return array.astype(float)


def expect_close(what: str, got, expected, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Fail with "<what>: expected <expected>, got <got>" unless the two agree to the tolerances.

    ``got`` and ``expected`` are numbers, arrays or (nested) tuples of them, compared item by
    item. A string, a bool or a complex number is never close to a number.
    """
    rtol = check_real("rtol", rtol, minimum=0.0)
    atol = check_real("atol", atol, minimum=0.0)
    wanted, received = _leaves(expected), _leaves(got)
    ok = len(wanted) == len(received)
    for (_, w), (_, g) in zip(wanted, received) if ok else ():
        g_array, w_array = _real_array(g), _real_array(w)
        if g_array is None or w_array is None or g_array.shape != w_array.shape:
            ok = False
            break
        if not np.allclose(g_array, w_array, rtol=rtol, atol=atol):
            ok = False
            break
    if not ok:
        raise AssertionError(f"{what}: expected {_short(expected)}, got {_short(got)}")


def expect_equal(what: str, got, expected) -> None:
    """Fail with "<what>: expected <expected>, got <got>" unless ``got == expected`` exactly.

    A bool is never equal to a number here (``True`` is not the count 1).
    """
    same = isinstance(got, (bool, np.bool_)) == isinstance(expected, (bool, np.bool_))
    try:
        same = same and bool(np.all(got == expected)) and np.shape(got) == np.shape(expected)
    except (TypeError, ValueError):
        same = False
    if not same:
        raise AssertionError(f"{what}: expected {_short(expected)}, got {_short(got)}")
