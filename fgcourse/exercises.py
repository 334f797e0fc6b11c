"""Self-checks for the book's exercises, and the checks behind the exercise notebooks' tests.

Prose exercises whose answer is a number, a few numbers or a formula can be checked without
a grader::

    from fgcourse.exercises import check
    check("ch-ex-choose", 100)                                   # right
    check("fg-ex-coordinate", lambda n, grad: (n - 1) * grad @ grad)

``check`` prints whether the answer is right and, when it is not, a hint; it returns the
verdict as a bool. A formula is given as a Python function of the exercise's symbols and is
compared with the book's at a few points. ``EXERCISES`` lists the labels that can be checked.

The exercise notebooks (``instructors/masters/``, with otter-grader) compare a learner's
function with the library through :func:`answer` and :func:`expect_close`, which turn every
failure into one short message: the input that failed, what was expected, what came back.

Each of their tests is written in two parts, so that grading never runs a learner's code next to
the expected values: ``cases``, a generator function nested in the test, calls the learner's
functions on the test's inputs and yields what they return; the rest of the test compares those
results, read through :func:`observe`, with a reference run (:func:`expect_cases`, :func:`paired`).
In a learner's notebook both parts run in the kernel. The classroom grader runs ``cases`` alone
inside a sandbox (:func:`record_tests`), where only its results come out, as data
(:func:`to_data`), and runs the comparisons in its own process (:func:`replaying`).
"""

from __future__ import annotations

import builtins
import contextlib
import contextvars
import copy
import functools
import importlib
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fgcourse._checks import (
    check_bool,
    check_callable,
    check_instance,
    check_option,
    check_real,
    check_sequence,
    describe,
)
from fgcourse.answer_data import MAX_NUMBERS, Budget, Opaque, from_data, to_data

__all__ = ["EXERCISES", "check", "answer", "expect_close", "expect_equal", "NOT_ANSWERED", "observe", "paired",
           "expect_cases", "run_cases", "record_tests", "replaying", "to_data", "from_data", "Opaque", "MAX_NUMBERS"]

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
        "the best first split l for K = 10, q = 3 (a number)", 4.0,
        "tabulate C*(10 - l, 2) + C*(l, 3) + l for l = 1..9 and take the smallest"),
    "ck-ex-predict": _Exercise(
        "the step calls of (store-all, recompute-all, optimal with q = 3) for K = 20", (19.0, 190.0, 45.0),
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


def _real_array(value):
    """``value`` as a float array, or None if it is not made of real numbers: a string, None, a complex
    number or a bool anywhere in it (``[True, 2.0]`` is not the array [1., 2.], nor ``True`` the number 1)."""
    if isinstance(value, (str, bytes)) or value is None or _holds_bool(value):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind not in "iuf":
        return None
    return array.astype(float)


def _holds_bool(value) -> bool:
    """A bool anywhere in ``value`` or its (nested) lists and tuples, where numpy would read it as 0 or 1."""
    if isinstance(value, (list, tuple)):
        return any(_holds_bool(item) for item in value)
    return isinstance(value, (bool, np.bool_))


def _as_numbers(value) -> tuple:
    """A number or a flat sequence/array of numbers as a tuple of floats, or None if it is neither.

    Strings, bools and complex numbers are never numbers here (``"1"``, ``True`` and ``100+5j``
    are refused, not read as 1, 1 and 100); neither are NaN and inf.
    """
    array = _real_array(value)
    if array is None or array.ndim > 1 or not np.all(np.isfinite(array)):
        return None
    return tuple(array.ravel().tolist())


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
            want = _as_numbers(exercise.expected(*copy.deepcopy(point)))  # before the learner's code runs
            try:
                returned = answer(*copy.deepcopy(point))  # it may change its inputs in place
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
    if isinstance(value, Opaque):
        return value.description
    if isinstance(value, tuple):
        return "(" + ", ".join(_short(x) for x in value) + ")"
    if isinstance(value, list) and _real_array(value) is None:
        return "[" + ", ".join(_short(x) for x in value) + "]"
    if isinstance(value, (np.ndarray, list)) and _real_array(value) is not None:  # on one line, even 2-d
        return " ".join(np.array2string(np.asarray(value), precision=6, threshold=6, edgeitems=2,
                                        separator=", ").split())
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
    same = (isinstance(got, (bool, np.bool_)) == isinstance(expected, (bool, np.bool_))
            and np.iscomplexobj(got) == np.iscomplexobj(expected))  # nor is 1 + 0j the number 1
    try:
        same = same and bool(np.all(got == expected)) and np.shape(got) == np.shape(expected)
    except (TypeError, ValueError):
        same = False
    if not same:
        raise AssertionError(f"{what}: expected {_short(expected)}, got {_short(got)}")


# --- cases: what a test runs of the learner's code, as data ------------------------------------

_MAX_MESSAGE = 500
_REPLAYED: contextvars.ContextVar = contextvars.ContextVar("fgcourse_replayed_cases", default=None)


def _one_line(text) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 3] + "..."


def _library_attribute(dotted: str):
    """(the object, its owner, its name) for a library name such as ``fgcourse.optim.Adam.direction``."""
    parts = dotted.split(".")
    if parts[0] != "fgcourse" or len(parts) < 2:
        raise ValueError(f"answer_key must name library functions (fgcourse.<module>.<name>), got {dotted!r}")
    for cut in range(len(parts) - 1, 0, -1):  # the longest prefix that is a module ("fgcourse" at least)
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
            break
        except ImportError:
            continue
    try:
        for part in parts[cut:-1]:
            owner = getattr(owner, part)
        return getattr(owner, parts[-1]), owner, parts[-1]
    except AttributeError:
        raise ValueError(f"answer_key must name library functions, got {dotted!r}, which names nothing of the "
                         "library") from None


def _recording(original, name: str, calls: list):
    @functools.wraps(original)
    def recorded(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    return recorded


@contextlib.contextmanager
def _answer_key_recorded(answer_key, functions, calls: list):
    """Within it, each function named in ``answer_key`` records its name in ``calls`` each time it runs.

    The library's modules (and the class of a method), and the globals and closures of the learner's
    functions, get a recording copy in its place; everything is put back on leaving.
    """
    undo, seen = [], set()

    def swap(place, name, recorder):
        if (id(place), name) in seen:
            return
        seen.add((id(place), name))
        if isinstance(place, dict):
            undo.append(functools.partial(place.__setitem__, name, place[name]))
            place[name] = recorder
        elif name == "cell_contents":
            undo.append(functools.partial(setattr, place, name, place.cell_contents))
            place.cell_contents = recorder
        else:
            owned = name in vars(place)
            undo.append(functools.partial(setattr, place, name, getattr(place, name)) if owned
                        else functools.partial(delattr, place, name))
            setattr(place, name, recorder)

    try:
        for dotted in answer_key:
            original, owner, attribute = _library_attribute(dotted)
            recorder = _recording(original, dotted, calls)
            swap(owner, attribute, recorder)
            modules = [m for key, m in list(sys.modules.items()) if key == "fgcourse" or key.startswith("fgcourse.")]
            for module in modules:
                for name, value in list(vars(module).items()):
                    if value is original:
                        swap(module, name, recorder)
            for function in functions:
                scope = getattr(function, "__globals__", None)
                for name, value in list(scope.items()) if isinstance(scope, dict) else ():
                    if value is original:
                        swap(scope, name, recorder)
                for cell in getattr(function, "__closure__", None) or ():
                    with contextlib.suppress(ValueError):  # an empty cell
                        if cell.cell_contents is original:
                            swap(cell, "cell_contents", recorder)
        yield
    finally:
        for step in reversed(undo):
            step()


def run_cases(cases, functions, answer_key=()) -> dict:
    """Run ``cases(*functions)``; return what it yielded as data, with how it ended.

    The record is ``{"results": [to_data(item), ...], "error": None or one line, "answer_key_calls": [...]}``:
    ``error`` says why the cases stopped early (the learner's function failed, see :func:`answer`), and
    ``answer_key_calls`` which library functions of ``answer_key`` ran meanwhile.
    """
    answer_key = check_sequence("answer_key", answer_key, lambda name, key: check_instance(
        name, key, str, "a library name such as 'fgcourse.chains.jvp'"), min_length=0, what="library names")
    calls: list[str] = []
    results, error, budget = [], None, Budget()
    with _answer_key_recorded(answer_key, functions, calls):
        try:
            for item in cases(*functions):
                results.append(to_data(item, budget))
        except AssertionError as failure:
            error = _one_line(failure)
        except (Exception, SystemExit) as failure:  # the cases run the learner's code, which may fail in any way
            error = _one_line(f"{type(failure).__name__}: {failure}")
    return {"results": results, "error": error, "answer_key_calls": sorted(set(calls))}


def record_tests(tests: dict, namespace: dict) -> dict:
    """Run each test's cases on the functions that ``namespace`` defines: ``{test id: run_cases record}``.

    ``tests`` maps a test's id to ``{"cases": the source of its cases function, "names": the names of the
    functions it takes, "answer_key": [...]}``. The classroom grader calls this inside the sandbox, in the
    learner's kernel, with the notebook's namespace; the records are all that leaves it.
    """
    check_instance("tests", tests, Mapping, "a mapping of test ids to their cases, names and answer_key")
    check_instance("namespace", namespace, Mapping, "a mapping of names to the notebook's values")
    records = {}
    for test_id, test in tests.items():
        scope = {"__name__": "fgcourse_cases", "__builtins__": builtins}
        try:
            exec(compile(test["cases"], f"<cases of {test_id}>", "exec"), scope)  # the instructor's test code
            cases = scope["cases"]
        except Exception as error:  # a damaged plan is reported as this test's failure
            records[test_id] = {"results": [], "error": _one_line(f"the test could not be loaded: {error}"),
                                "answer_key_calls": []}
            continue
        functions = [namespace.get(name) for name in test["names"]]
        records[test_id] = run_cases(cases, functions, test["answer_key"])
    return records


def _case_names(cases) -> tuple[str, ...]:
    code = getattr(cases, "__code__", None)
    return code.co_varnames[:code.co_argcount] if code is not None else ()


def observe(cases, *functions, answer_key=()) -> list:
    """What ``cases(*functions)`` yields, as grading sees it: each yielded value turned into data and back.

    ``cases`` is the part of a test that runs the learner's functions: a generator function nested in the
    test, which takes them as arguments and imports everything it uses (grading runs it alone, in a
    sandbox). ``answer_key`` names the library functions that answer the question (``"fgcourse.chains.jvp"``):
    a learner's function that calls one fails. A failure of the learner's code is an AssertionError saying
    which input failed. Within :func:`replaying`, the results come from the record given there instead.
    """
    check_callable("cases", cases)
    record = _REPLAYED.get()
    if record is None:
        record = run_cases(cases, functions, answer_key)
    if record["answer_key_calls"]:
        raise AssertionError(f"{' and '.join(_case_names(cases))} called {', '.join(record['answer_key_calls'])}, "
                             "the library's own answer to this question: write it without calling it")
    if record["error"]:
        raise AssertionError(record["error"])
    return [from_data(item) for item in record["results"]]


@contextlib.contextmanager
def replaying(record: dict):
    """Within it, :func:`observe` returns the results of ``record`` (a :func:`run_cases` record made elsewhere,
    in the grading sandbox) instead of running the cases: how the grader checks a learner's results
    without running the learner's code."""
    token = _REPLAYED.set(record)
    try:
        yield
    finally:
        _REPLAYED.reset(token)


def paired(got, want) -> list[tuple]:
    """The learner's results and the reference's, case by case; fails unless there are as many of each."""
    got = list(check_sequence("got", got, min_length=0, what="results (from observe)"))
    want = list(check_sequence("want", want, min_length=0, what="results of the reference run"))
    if len(got) != len(want):
        raise AssertionError(f"expected {len(want)} results, got {len(got)}")
    return list(zip(got, want))


def expect_cases(got, want, *, rtol: float = 1e-7, atol: float = 1e-9, exact: bool = False) -> None:
    """Compare the learner's cases with a reference run of the same cases, one ``(what, value)`` pair each.

    ``what`` is the reference's; values are compared with :func:`expect_close` (``rtol``, ``atol``), or with
    :func:`expect_equal` when ``exact``.
    """
    rtol = check_real("rtol", rtol, minimum=0.0)
    atol = check_real("atol", atol, minimum=0.0)
    exact = check_bool("exact", exact)
    want = check_sequence("want", want, min_length=0, what="(what, value) pairs")  # a generator, read once
    for index, case in enumerate(want):
        if not (isinstance(case, tuple) and len(case) == 2 and isinstance(case[0], str)):
            raise TypeError(f"want[{index}] must be a (what, value) pair, what a string, got {_short(case)}")
    for case, (what, expected) in paired(got, want):
        if not (isinstance(case, tuple) and len(case) == 2):
            raise AssertionError(f"{what}: expected a result, got {_short(case)}")
        if exact:
            expect_equal(what, case[1], expected)
        else:
            expect_close(what, case[1], expected, rtol=rtol, atol=atol)
