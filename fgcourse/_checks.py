"""Argument checks shared by every module of fgcourse: one rule set, one message style.

Every public function of the library checks **every** argument with these helpers before it
does any work. The rules (CONTRIBUTING.md, "Bad input"):

- a wrong *type* is a :class:`TypeError`, a wrong *value* a :class:`ValueError`;
- the message starts with the argument's name and says what is accepted and what was given:
  ``"K must be an integer >= 1, got 0 (int)"``;
- bools are never numbers or counts; any numpy integer is an int; complex input is refused;
- randomness comes from ``rng``: an int seed or a :class:`numpy.random.Generator`, nothing else;
- a user's function is called through :func:`call_user` / :func:`user_vjp` / :func:`user_jvp`,
  so that its failures, and autograd's, come back as errors naming it, and what it returns
  is checked (:func:`check_output`).

The helpers return the checked value in its canonical form (``int``, ``float``, a float
``ndarray``, a ``Generator``), so a caller writes ``K = check_int("K", K, minimum=1)``.
"""

from __future__ import annotations

import difflib
import numbers
import operator
from collections.abc import Callable, Iterable

import numpy as np

__all__ = [
    "AUTOGRAD_HINT", "describe", "check_int", "check_real", "check_positive", "check_open_interval",
    "check_bool", "check_option", "check_callable", "check_rng", "check_array", "check_vector",
    "check_sequence", "check_instance", "check_output", "call_user", "user_vjp", "user_jvp", "check_int_array",
    "check_positive_diagonal", "check_interval", "check_box", "MAX_NUMBERS",
]

MAX_NUMBERS = 10**8
"""The most numbers an array sized by a caller's counts may hold (800 MB of float64): a count that asks
for more is refused with its name instead of failing inside numpy with a MemoryError."""

AUTOGRAD_HINT = ("write it with autograd.numpy (import autograd.numpy as np): autograd follows its own functions "
                 "only, not numpy's or math's, nor float() or item() on its values")


def describe(value) -> str:
    """What was given, for a message: a short repr and its type (or the shape of an array)."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if callable(value) and not isinstance(value, type):
        return f"the callable {getattr(value, '__name__', type(value).__name__)}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


# ------------------------------------------------------------------------------------ numbers

def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _unwrap_scalar(value):
    """A 0-d numpy array is its element: ``np.array(3)`` counts as 3."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (Python or numpy, never a bool) within ``[minimum, maximum]``, as an ``int``."""
    value = _unwrap_scalar(value)
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum}")
    if maximum is not None:
        bounds.append(f"<= {maximum}")
    accepted = "an integer" + (" " + " and ".join(bounds) if bounds else "")
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {accepted}, got {describe(value)}")
    value = operator.index(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {accepted}, got {value}")
    return value


def check_real(name: str, value, *, minimum: float | None = None, maximum: float | None = None,
               finite: bool = True) -> float:
    """A real number (int, float or numpy scalar; never a bool or a complex) as a ``float``.

    ``minimum``/``maximum`` are inclusive bounds; ``finite=False`` lets ±inf through (never NaN).
    """
    value = _unwrap_scalar(value)
    if _is_bool(value) or isinstance(value, (complex, np.complexfloating)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    value = float(value)
    if value != value or (finite and not np.isfinite(value)):
        raise ValueError(f"{name} must be a finite real number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be a real number >= {minimum:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be a real number <= {maximum:g}, got {value:g}")
    return value


def check_positive(name: str, value) -> float:
    """A finite real number > 0, as a ``float``."""
    value = check_real(name, value)
    if not value > 0:
        raise ValueError(f"{name} must be a finite real number > 0, got {value:g}")
    return value


def check_open_interval(name: str, value, low: float, high: float, *, low_name: str | None = None,
                        high_name: str | None = None) -> float:
    """A real number in the open interval (low, high); the names say what the ends are (e.g. "c1")."""
    value = check_real(name, value)
    if not low < value < high:
        ends = f"({low_name or f'{low:g}'}, {high_name or f'{high:g}'})"
        shown = f" = ({low:g}, {high:g})" if low_name or high_name else ""
        raise ValueError(f"{name} must lie in the open interval {ends}{shown}, got {value:g}")
    return value


def check_bool(name: str, value) -> bool:
    """A bool (Python or numpy); strings such as ``"no"`` and numbers are refused."""
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


# ------------------------------------------------------------------------- names and objects

def check_option(name: str, value, options: Iterable[str]) -> str:
    """One of the accepted option names; a near miss is suggested (``"adm"`` -> ``"adam"``)."""
    options = tuple(options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {options}, got {describe(value)}")
    if value not in options:
        close = difflib.get_close_matches(value, options, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{name} must be one of {options}, got {value!r}{hint}")
    return value


def check_callable(name: str, value, signature: str = "") -> Callable:
    """A callable; ``signature`` says what it maps, e.g. ``"array (n,) -> scalar"``."""
    if not callable(value):
        what = f" {signature}" if signature else ""
        raise TypeError(f"{name} must be a callable{what}, got {describe(value)}")
    return value


def check_instance(name: str, value, kinds, accepted: str):
    """An instance of ``kinds``; ``accepted`` names it for the message (e.g. "a Schedule from schedule()")."""
    if not isinstance(value, kinds):
        raise TypeError(f"{name} must be {accepted}, got {describe(value)}")
    return value


def check_rng(name: str, value) -> np.random.Generator:
    """The one rng rule: an int seed (>= 0) or a ``numpy.random.Generator``, and nothing else."""
    if isinstance(value, np.random.Generator):
        return value
    value = _unwrap_scalar(value)
    if not _is_bool(value) and isinstance(value, numbers.Integral):
        if value < 0:
            raise ValueError(f"{name} must be an int seed >= 0 or a numpy.random.Generator, got {value}")
        return np.random.default_rng(int(value))
    raise TypeError(
        f"{name} must be an int seed or a numpy.random.Generator (e.g. np.random.default_rng(0)), "
        f"got {describe(value)}"
    )


def check_sequence(name: str, value, item: Callable[[str, object], object] | None = None, *,
                   min_length: int = 1, max_length: int | None = None, what: str = "values") -> tuple:
    """A finite sequence (not a string, not a single number), each item checked by ``item(name[i], x)``."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable) or callable(value):
        raise TypeError(f"{name} must be a sequence of {what}, got {describe(value)}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        raise TypeError(f"{name} must be a sequence of {what}, got {describe(value)}")
    items = tuple(value)
    if len(items) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} {what}, got {len(items)}")
    if max_length is not None and len(items) > max_length:
        raise ValueError(f"{name} must hold at most {max_length} {what}, got {len(items)}")
    if item is not None:
        items = tuple(item(f"{name}[{index}]", x) for index, x in enumerate(items))
    return items


# ------------------------------------------------------------------------------------ arrays

def check_array(name: str, value, *, ndim: int | tuple[int, ...] | None = None, shape: tuple | None = None,
                min_size: int = 0, finite: bool = True, against: str | None = None) -> np.ndarray:
    """A real array (ints, floats; never bools, complex, strings or objects) as a new float ndarray.

    ``ndim`` (an int or a tuple of allowed ones), ``shape`` (exact, ``None`` entries free) and
    ``min_size`` constrain it; ``against`` names what ``shape`` comes from, e.g. ``"s0"``.
    The result is a copy: editing it never changes the caller's array, nor the caller's ours.
    """
    if isinstance(value, (str, bytes)) or callable(value) or isinstance(value, (dict, set)):
        raise TypeError(f"{name} must be an array of real numbers, got {describe(value)}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise TypeError(f"{name} must be an array of real numbers, got {describe(value)} ({error})") from None
    if array.dtype.kind not in "iuf":
        kind = {"b": "bools", "c": "complex numbers", "U": "strings", "S": "bytes", "O": "objects"}.get(
            array.dtype.kind, f"dtype {array.dtype}")
        raise TypeError(f"{name} must be an array of real numbers, got an array of {kind}")
    array = np.array(array, dtype=float)  # the one copy (a parameter-sized array, made once)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and array.ndim not in allowed:
        dims = " or ".join(f"{d}-d" for d in allowed)
        raise ValueError(f"{name} must be a {dims} array, got shape {array.shape}")
    if shape is not None:
        expected = tuple(shape)
        ok = len(expected) == array.ndim and all(e is None or e == a for e, a in zip(expected, array.shape))
        if not ok:
            source = f" (the shape of {against})" if against else ""
            entries = ["*" if e is None else str(e) for e in expected]
            shown = "(" + ", ".join(entries) + ("," if len(entries) == 1 else "") + ")"
            raise ValueError(f"{name} must have shape {shown}{source}, got shape {array.shape}")
    if array.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} number(s), got shape {array.shape}")
    if finite and not np.all(np.isfinite(array)):
        bad = int(array.size - np.isfinite(array).sum())
        raise ValueError(f"{name} must be finite, got {bad} non-finite entr{'y' if bad == 1 else 'ies'} (inf or NaN)")
    return array


def check_vector(name: str, value, n: int | None = None, *, against: str | None = None) -> np.ndarray:
    """A finite real vector of shape (n,) (any n >= 1 when ``n`` is None)."""
    return check_array(name, value, ndim=1, shape=None if n is None else (n,), min_size=1, against=against)


def check_positive_diagonal(name: str, value) -> np.ndarray:
    """The diagonal a of A = diag(a), A positive definite: a finite real vector of numbers > 0."""
    a = check_vector(name, value)
    if not np.all(a > 0):
        raise ValueError(f"{name} must hold positive numbers (A = diag({name}) positive definite), "
                         f"got min({name}) = {a.min():g}")
    return a


def check_interval(name: str, value) -> tuple[float, float]:
    """A pair ``(low, high)`` of finite reals with low < high (a domain, a side of a plotting box)."""
    low, high = check_sequence(name, value, check_real, min_length=2, max_length=2, what="numbers (low, high)")
    if not low < high:
        raise ValueError(f"{name} must be an interval (low, high) with low < high, got ({low:g}, {high:g})")
    return low, high


def check_box(name: str, value) -> tuple[tuple[float, float], tuple[float, float]]:
    """A box in the plane ``((x_low, x_high), (y_low, y_high))``: two intervals, as a tuple of tuples."""
    return check_sequence(name, value, check_interval, min_length=2, max_length=2,
                          what="(low, high) pairs, for x then y")


# ------------------------------------------------------------------------- user functions

def _wrap_user_error(name: str, error: Exception, what: str) -> Exception:
    text = f"{type(error).__name__}: {error}"
    if "Box" in str(error):
        return TypeError(f"{name} could not be differentiated ({text}); {AUTOGRAD_HINT}")
    kind = TypeError if isinstance(error, TypeError) else ValueError
    return kind(f"{name} failed {what} ({text})")


_USER_ERRORS = (TypeError, ValueError, AttributeError, IndexError, KeyError, ZeroDivisionError,
                OverflowError, ArithmeticError, NotImplementedError)


def call_user(name: str, function: Callable, *args, what: str = "when called"):
    """``function(*args)``, with its failures turned into TypeError/ValueError naming ``name``."""
    try:
        return function(*args)
    except _USER_ERRORS as error:
        raise _wrap_user_error(name, error, what) from error


def check_output(name: str, value, shape: tuple | None = None, *, finite: bool = True, at: str = "") -> np.ndarray:
    """What a user's function returned: a real array (a scalar when ``shape == ()``), finite.

    Refuses strings, lists of objects, complex numbers, autograd boxes left in an object
    array (a function written with plain numpy), the wrong shape, and NaN or inf.
    """
    where = f" at {at}" if at else ""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must return real numbers, returned {describe(value)}{where}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must return real numbers, returned {describe(value)}{where}") from None
    if array.dtype == object and any("Box" in type(item).__name__ for item in array.ravel()[:1]):
        raise TypeError(f"{name} could not be differentiated: it returned autograd boxes inside an object "
                        f"array{where}; {AUTOGRAD_HINT}")
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must return real numbers, returned an array of dtype {array.dtype}{where}")
    if shape is not None and array.shape != tuple(shape):
        expected = "a scalar" if tuple(shape) == () else f"an array of shape {tuple(shape)}"
        raise ValueError(f"{name} must return {expected}, returned shape {array.shape}{where}")
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must return finite values, returned inf or NaN{where}")
    return array.astype(float)


def _first_line(error: Exception, limit: int = 160) -> str:
    text = str(error).split("\n")[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _traced(name: str, trace: Callable, function: Callable, x, mode: str):
    """Run autograd's ``trace()``; on failure, tell a function autograd cannot follow (it runs
    on plain arrays but not on autograd's boxes: plain numpy, ``math``, ``float(x)``) from a
    function that fails anyway."""
    try:
        result = trace()
    except _USER_ERRORS as error:
        try:
            plain = function(x)
        except _USER_ERRORS:
            raise _wrap_user_error(name, error, "when called") from error
        # It runs on plain arrays: either what it returns is no number at all, or autograd cannot follow it.
        check_output(name, plain, finite=False)
        raise TypeError(f"{name} could not be differentiated by autograd's {mode} mode "
                        f"({type(error).__name__}: {_first_line(error)}); {AUTOGRAD_HINT}") from None
    value = result[1] if mode == "reverse" else result[0]
    if isinstance(value, np.ndarray) and value.dtype == object:
        raise TypeError(f"{name} could not be differentiated: it returned an object array under autograd; "
                        f"{AUTOGRAD_HINT}")
    return result


def user_vjp(name: str, function: Callable, x):
    """autograd's ``make_vjp`` of a user's function at x: ``(vjp_fn, value)``, failures named.

    A function written with plain numpy either fails inside autograd or returns an object
    array of boxes whose derivative autograd silently takes as zero; both become a TypeError
    that names the function and says to write it with autograd.numpy.
    """
    from autograd.core import make_vjp

    pullback, value = _traced(name, lambda: make_vjp(function, x), function, x, "reverse")
    return (lambda u: call_user(name, pullback, u, what="in its reverse pass")), value


def user_jvp(name: str, function: Callable, x, v):
    """autograd's ``make_jvp`` of a user's function at x along v: ``(value, tangent)``, failures named."""
    from autograd.core import make_jvp

    return _traced(name, lambda: make_jvp(function, x)(v), function, x, "forward")


def check_int_array(name: str, value, *, minimum: int | None = None) -> np.ndarray:
    """An integer or a non-empty array of integers (numpy ints, never bools or floats), each >= ``minimum``.

    Returned as an int ndarray (0-d for a single integer), so exact integer arithmetic stays exact
    up to the largest int64, unlike :func:`check_array`, which returns floats.
    """
    accepted = "an integer" + (f" >= {minimum}" if minimum is not None else "") + " or an array of them"
    if isinstance(value, (str, bytes)) or callable(value) or isinstance(value, (dict, set)) or value is None:
        raise TypeError(f"{name} must be {accepted}, got {describe(value)}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be {accepted}, got {describe(value)}") from None
    if array.size == 0:
        raise ValueError(f"{name} must be {accepted}, got an empty array")
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be {accepted}, got {describe(value)}")
    if minimum is not None and np.any(array < minimum):
        raise ValueError(f"{name} must be {accepted}, got {array.min() if array.ndim else array[()]}")
    return array
