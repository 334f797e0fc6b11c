"""Evaluation traces (Wengert lists) of small scalar programs, read forward and backward.

Running ``f`` on *traced values* records every elementary operation as one entry
``v_i = phi_i(a_1, ..., a_k)`` of a Wengert list (``wengert1964simple``; ``griewank2008evaluating``).
Naming: the inputs are ``x1, ..., xn``, the recorded entries ``v1, ..., vN`` in evaluation
order. Constants are *not* variables: they stay literal operands such as ``4 * x1``.

On a :class:`Trace` three columns can be computed, one number per variable:

- the primal column ``trace.primal`` (the values, filled while tracing);
- the tangent column ``forward(trace, v)``: ``v_i' = sum_k dphi_i/da_k * a_k'`` with the
  inputs' tangents set to the direction ``v`` (one pass per input direction);
- the adjoint column ``reverse(trace, u)``: ``vbar_j = sum_i dphi_i/dv_j * vbar_i`` with the
  output's adjoint set to ``u`` (one pass per output).

``tangent_program`` writes the tangent program a compiler would emit, either naively (every
value, constants included, gets a tangent) or with known-zero tangents dropped
(``belouze2022report``, Program 2), and ``count_operations`` counts its arithmetic.
``local_partials`` gives the numbers both columns are made of, the local partial derivatives
at the primal point; :mod:`fgcourse.linearize` builds reverse mode from them.

Every public function checks its arguments with :mod:`fgcourse._checks`, and ``f`` is called
through :func:`fgcourse._checks.call_user`, so that its failures come back naming it.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields

from fgcourse._checks import (
    call_user,
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_option,
    check_real,
    check_sequence,
)

__all__ = [
    "Trace", "Entry", "Constant", "Statement", "OperationCount", "trace", "forward", "reverse",
    "jvp", "vjp", "local_partials", "tangent_program", "count_operations", "format_program",
    "exp", "log", "sqrt", "sin", "cos", "tanh",
]


# --- primitives: each states its value and its local partial derivatives once ----------------

@dataclass(frozen=True)
class Primitive:
    """An elementary operation phi with one partial ``dphi/da_k(*operands, out)`` per operand."""

    name: str
    evaluate: Callable
    partials: tuple
    category: str  # "additions", "multiplications", "divisions" or "calls", for operation counts
    infix: str | None = None


PRIMITIVES: dict[str, Primitive] = {}


def defprimitive(name, evaluate, *partials, category="calls", infix=None):
    PRIMITIVES[name] = Primitive(name, evaluate, partials, category, infix)


defprimitive("add", operator.add, lambda a, b, out: 1.0, lambda a, b, out: 1.0, category="additions", infix="+")
defprimitive("sub", operator.sub, lambda a, b, out: 1.0, lambda a, b, out: -1.0, category="additions", infix="-")
defprimitive("neg", operator.neg, lambda a, out: -1.0, category="additions")
defprimitive("mul", operator.mul, lambda a, b, out: b, lambda a, b, out: a, category="multiplications", infix="*")
defprimitive("div", operator.truediv, lambda a, b, out: 1 / b, lambda a, b, out: -out / b,
             category="divisions", infix="/")
# d(a^b)/da = b a^(b-1), except that a^0 is the constant 1: its derivative is 0 even at a = 0,
# where b a^(b-1) would divide by zero
defprimitive("pow", operator.pow, lambda a, b, out: 0.0 if isinstance(b, float) and b == 0.0 else b * a ** (b - 1),
             lambda a, b, out: out * log(a), infix="**")
defprimitive("exp", math.exp, lambda a, out: out)
defprimitive("log", math.log, lambda a, out: 1 / a)
defprimitive("sqrt", math.sqrt, lambda a, out: 1 / (2 * out))
defprimitive("sin", math.sin, lambda a, out: cos(a))
defprimitive("cos", math.cos, lambda a, out: -sin(a))
defprimitive("tanh", math.tanh, lambda a, out: 1 - out * out)


def _checked(value, what):
    """Reject results that are complex or not finite, rather than letting a NaN spread."""
    if isinstance(value, complex) or not math.isfinite(value):
        raise ValueError(f"{what} is not a finite real number (got {value}); trace f inside its domain")
    return float(value)


def _evaluate(primitive, values):
    try:
        out = primitive.evaluate(*values)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise ValueError(f"{primitive.name}{tuple(values)} is undefined ({error}); "
                         "trace f inside its domain") from None
    return _checked(out, f"{primitive.name}{tuple(values)}")


# --- values that flow through f: numbers, traced values, symbols -----------------------------

def _binary(name):
    return (lambda self, other: _apply(name, self, other), lambda self, other: _apply(name, other, self))


class _Operators:
    """The arithmetic operators, each routed to ``_apply`` (shared by Tracer and Symbol)."""

    __add__, __radd__ = _binary("add")
    __sub__, __rsub__ = _binary("sub")
    __mul__, __rmul__ = _binary("mul")
    __truediv__, __rtruediv__ = _binary("div")
    __pow__, __rpow__ = _binary("pow")

    def __neg__(self):
        return _apply("neg", self)

    def __pos__(self):
        return self


_USE_INSTEAD = "use +, -, *, /, ** and " + ", ".join(f"fgcourse.trace.{name}" for name in
                                                      ("exp", "log", "sqrt", "sin", "cos", "tanh"))


def _refuse(what):
    def method(self, *args, **kwargs):
        raise TypeError(f"{what} is not supported on a traced value ({self!r}); {_USE_INSTEAD}. "
                        "A trace records one evaluation: branch on values outside f.")
    return method


class Tracer(_Operators):
    """A value of f's evaluation that records each operation applied to it on its tape."""

    __slots__ = ("tape", "index", "value")

    def __init__(self, tape, index, value):
        self.tape, self.index, self.value = tape, index, value

    def __repr__(self):
        return f"Tracer({_name(self.index, self.tape.num_inputs)}={self.value:.6g})"

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _refuse("comparison")
    __bool__ = _refuse("truth testing")
    __float__ = __int__ = __index__ = _refuse("conversion to a Python number (e.g. by the math module)")
    __hash__ = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise TypeError(f"numpy.{ufunc.__name__} cannot be applied to a traced value; {_USE_INSTEAD}")


@dataclass(frozen=True)
class Symbol(_Operators):
    """A value known by name only: applying primitives to it writes the expression as text."""

    text: str
    operations: tuple = ()  # the primitives applied, for operation counts
    precedence: int = 9  # Python's binding strength, to write no more parentheses than needed


_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_RIGHT_TIGHT, _LEFT_TIGHT = {"sub", "div"}, {"pow", "neg"}  # where equal precedence needs parentheses


def _literal(value):
    return f"({value:.6g})" if value < 0 else f"{value:.6g}"


def _render(primitive, operands):
    # x * 1 and x ** 1 are written as x, so that a partial derivative 1 or a power b - 1 = 1
    # leaves no trace in the tangent program
    if primitive.name in ("mul", "pow") and isinstance(operands[-1], float) and operands[-1] == 1.0:
        return operands[0]
    if primitive.name == "mul" and isinstance(operands[0], float) and operands[0] == 1.0:
        return operands[1]
    level = _PRECEDENCE.get(primitive.name, 9)

    def write(x, position):
        if isinstance(x, float):
            return _literal(x)
        tight = _RIGHT_TIGHT if position else _LEFT_TIGHT
        loose = x.precedence < level or (x.precedence == level and primitive.name in tight)
        return f"({x.text})" if loose and primitive.name in _PRECEDENCE else x.text

    texts = [write(x, position) for position, x in enumerate(operands)]
    if primitive.infix:
        text = f" {primitive.infix} ".join(texts)
    elif primitive.name == "neg":
        text = f"-{texts[0]}"
    else:
        text = f"{primitive.name}({texts[0]})"
    operations = sum((x.operations for x in operands if isinstance(x, Symbol)), (primitive.name,))
    return Symbol(text, operations, level)


def _apply(name, *operands):
    """phi(*operands): recorded if an operand is traced, written if symbolic, else evaluated."""
    for x in operands:
        if not isinstance(x, (Tracer, Symbol)):
            check_real(f"an operand of {name}", x)
    tracers = [x for x in operands if isinstance(x, Tracer)]
    if tracers:
        return tracers[0].tape.record(PRIMITIVES[name], operands)
    if any(isinstance(x, Symbol) for x in operands):
        return _render(PRIMITIVES[name], [x if isinstance(x, Symbol) else float(x) for x in operands])
    return _evaluate(PRIMITIVES[name], [float(x) for x in operands])


def _elementary(name):
    def function(x):
        return _apply(name, x)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(x) of a real number, or one recorded entry when x is traced."
    return function


exp, log, sqrt, sin, cos, tanh = map(_elementary, ["exp", "log", "sqrt", "sin", "cos", "tanh"])


# --- the trace ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Constant:
    """A literal operand of an entry: it has a value and no tangent."""

    value: float


@dataclass(frozen=True)
class Entry:
    """``v_i = primitive(*operands)``; an operand is a variable's index (inputs first) or a Constant."""

    primitive: str
    operands: tuple


@dataclass(frozen=True)
class Trace:
    """A Wengert list: ``num_inputs`` inputs, the entries, the primal column and the output's index."""

    num_inputs: int
    entries: tuple[Entry, ...]
    primal: tuple[float, ...]
    output: int

    @property
    def names(self):
        return [_name(j, self.num_inputs) for j in range(len(self.primal))]

    @property
    def value(self):
        return self.primal[self.output]

    def definitions(self):
        """The right-hand side of each variable, e.g. ``log(x1)``; inputs read ``input``."""
        names = [Symbol(name) for name in self.names]
        return ["input"] * self.num_inputs + [
            _apply(entry.primitive, *(x.value if isinstance(x, Constant) else names[x] for x in entry.operands)).text
            for entry in self.entries]

    def table(self, v=None, u=None, markdown=False, digits=6):
        """The trace as a table, one row per variable: the primal column, the tangent column along
        the input direction ``v`` and the adjoint column for the output's adjoint ``u``, if given;
        numbers with ``digits`` decimals, as plain text or (``markdown=True``) a Markdown table."""
        markdown = check_bool("markdown", markdown)
        digits = check_int("digits", digits, minimum=0, maximum=17)
        columns = {"variable": self.names, "definition": self.definitions(), "primal": self.primal}
        if v is not None:
            columns["tangent"] = _tangent_column(self, _direction("v", v, self.num_inputs))
        if u is not None:
            columns["adjoint"] = _adjoint_column(self, check_real("u", u))
        rows = [[f"{x:.{digits}f}" if isinstance(x, float) else x for x in row] for row in zip(*columns.values())]
        if markdown:
            lines = [list(columns), ["---"] * len(columns)] + rows
            return "\n".join("| " + " | ".join(line) + " |" for line in lines)
        widths = [max(map(len, column)) for column in zip(list(columns), *rows)]
        return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths))
                         for line in [list(columns)] + rows)

    def _repr_markdown_(self):
        return self.table(markdown=True)


def _name(j, num_inputs):
    """Variable j is input x_{j+1} for j < n, else entry v_{j-n+1}."""
    return f"x{j + 1}" if j < num_inputs else f"v{j - num_inputs + 1}"


class _Tape:
    def __init__(self, inputs):
        self.entries, self.primal = [], list(inputs)
        self.num_inputs = len(inputs)

    def record(self, primitive, operands):
        if any(isinstance(x, Tracer) and x.tape is not self for x in operands):
            raise ValueError(f"{primitive.name} mixes values traced by two different calls of trace()")
        values = [x.value if isinstance(x, Tracer) else float(x) for x in operands]
        out = _evaluate(primitive, values)
        self.entries.append(Entry(primitive.name, tuple(
            x.index if isinstance(x, Tracer) else Constant(float(x)) for x in operands)))
        self.primal.append(out)
        return Tracer(self, len(self.primal) - 1, out)


def trace(f, *inputs) -> Trace:
    """Run ``f(x1, ..., xn)`` once on traced inputs and return its Wengert list."""
    f = check_callable("f", f, "(x1, ..., xn) -> a value computed from them")
    inputs = check_sequence("inputs", inputs, check_real, what="input values x1, ..., xn")
    tape = _Tape(list(inputs))
    out = call_user("f", f, *(Tracer(tape, k, value) for k, value in enumerate(tape.primal)))
    if not (isinstance(out, Tracer) and out.tape is tape):
        raise TypeError(f"f must return a traced value computed from its inputs, got {out!r}; "
                        "a constant or a value from another trace has no derivative to follow")
    return Trace(tape.num_inputs, tuple(tape.entries), tuple(tape.primal), out.index)


def _local_partials(trace, i):
    """The pairs (j, dv_i/dv_j) over the variable operands v_j of entry i."""
    entry = trace.entries[i]
    primitive = PRIMITIVES[entry.primitive]
    values = [x.value if isinstance(x, Constant) else trace.primal[x] for x in entry.operands]
    out = trace.primal[trace.num_inputs + i]
    what = f"the derivative of {entry.primitive}{tuple(values)}"
    try:
        return [(x, _checked(primitive.partials[k](*values, out), what))
                for k, x in enumerate(entry.operands) if not isinstance(x, Constant)]
    except (ZeroDivisionError, OverflowError) as error:
        raise ValueError(f"{what} could not be computed ({error}): f is not differentiable at this point") from None


def local_partials(trace: Trace) -> tuple[tuple[tuple[int, float], ...], ...]:
    """For each entry v_i, the pairs ``(j, dphi_i/da_k)`` over its operands a_k = v_j that are
    variables (j indexes the trace's variables, inputs first), evaluated at the primal point."""
    trace = _trace("trace", trace)
    return tuple(tuple(_local_partials(trace, i)) for i in range(len(trace.entries)))


def _trace(name, value) -> Trace:
    return check_instance(name, value, Trace, "a Trace from fgcourse.trace.trace()")


def _direction(name, values, num_inputs) -> tuple:
    """One real number per input: an input direction v (the tangents of jvp)."""
    return check_sequence(name, values, check_real, min_length=num_inputs, max_length=num_inputs,
                          what="real numbers (one per input)")


def _tangent_column(trace, v):
    tangent = list(v)
    for i in range(len(trace.entries)):
        tangent.append(sum(partial * tangent[j] for j, partial in _local_partials(trace, i)))
    return tuple(tangent)


def _adjoint_column(trace, u):
    adjoint = [0.0] * len(trace.primal)
    adjoint[trace.output] = u
    for i in reversed(range(len(trace.entries))):
        for j, partial in _local_partials(trace, i):
            adjoint[j] += partial * adjoint[trace.num_inputs + i]
    return tuple(adjoint)


def forward(trace: Trace, v) -> tuple[float, ...]:
    """The tangent column: ``v_i' = sum_k dphi_i/da_k * a_k'``, the inputs' tangents set to ``v``."""
    trace = _trace("trace", trace)
    return _tangent_column(trace, _direction("v", v, trace.num_inputs))


def reverse(trace: Trace, u=1.0) -> tuple[float, ...]:
    """The adjoint column: ``vbar_j = sum_i dphi_i/dv_j * vbar_i``, the output's adjoint set to ``u``."""
    trace = _trace("trace", trace)
    return _adjoint_column(trace, check_real("u", u))


def jvp(f, primals, tangents):
    """``(f(x), J_f(x) v)`` by one forward pass over the trace of f at ``primals`` (v = ``tangents``)."""
    primals = check_sequence("primals", primals, check_real, what="input values x1, ..., xn")
    recorded = trace(f, *primals)
    return recorded.value, _tangent_column(recorded, _direction("tangents", tangents, recorded.num_inputs))[
        recorded.output]


def vjp(f, primals):
    """``(f(x), u -> u J_f(x))``: trace once, then one reverse pass per call of the returned function."""
    primals = check_sequence("primals", primals, check_real, what="input values x1, ..., xn")
    recorded = trace(f, *primals)
    return recorded.value, lambda u: _adjoint_column(recorded, check_real("u", u))[:recorded.num_inputs]


# --- tangent programs and known-zero tangents --------------------------------------------------

@dataclass(frozen=True)
class Statement:
    """``target <- expression`` of a tangent program; role is "primal", "tangent" or "output"."""

    target: str
    expression: str
    role: str
    operations: tuple = ()

    def __str__(self):
        return f"{self.target} <- {self.expression}"


@dataclass(frozen=True)
class OperationCount:
    """The arithmetic of a program's statements, by kind."""

    additions: int  # additions, subtractions and negations
    multiplications: int
    divisions: int
    calls: int  # exp, log, sqrt, sin, cos, tanh, **

    @property
    def total(self):
        return self.additions + self.multiplications + self.divisions + self.calls


def _linear_combination(terms):
    """sum_k dphi/da_k * a_k', with a subtraction where a partial is the literal -1."""
    total = None
    for partial, tangent in terms:
        negative = isinstance(partial, float) and partial == -1.0
        term = tangent if negative else partial * tangent
        if total is None:
            total = -term if negative else term
        else:
            total = total - term if negative else total + term
    return total


def tangent_program(trace: Trace, simplify=False, active=None) -> tuple[Statement, ...]:
    """The primal statements interleaved with their tangent statements.

    ``active[k]`` says whether input x_{k+1} carries a tangent (default: all do). Naive
    (``simplify=False``): constants are loaded into variables ``c1, c2, ...`` with tangent 0.0,
    inactive inputs get tangent 0.0, and every operand contributes its term to every tangent.
    Simplified: a tangent known to be zero has no variable, its terms are dropped, and an
    entry all of whose operands have known-zero tangents gets no tangent statement.
    Constants are written with six significant digits: the program is for reading.
    """
    trace = _trace("trace", trace)
    simplify = check_bool("simplify", simplify)
    active = [True] * trace.num_inputs if active is None else list(check_sequence(
        "active", active, check_bool, min_length=trace.num_inputs, max_length=trace.num_inputs,
        what="bools (one per input)"))
    names, program, tangents, counter = trace.names, [], {}, 0

    def emit(target, value, role):
        program.append(Statement(target, value.text, role, value.operations))
        return Symbol(target)

    for k in range(trace.num_inputs):
        emit(names[k], Symbol(f"load {names[k]}"), "primal")
        if active[k] or not simplify:
            tangents[k] = emit(names[k] + "'", Symbol(f"load {names[k]}'" if active[k] else "0.0"), "tangent")
    for i, entry in enumerate(trace.entries):
        operands, operand_tangents = [], []
        for x in entry.operands:
            if isinstance(x, Constant) and simplify:
                operands.append(x.value)
                operand_tangents.append(None)
            elif isinstance(x, Constant):
                counter += 1
                operands.append(emit(f"c{counter}", Symbol(_literal(x.value)), "primal"))
                operand_tangents.append(emit(f"c{counter}'", Symbol("0.0"), "tangent"))
            else:
                operands.append(Symbol(names[x]))
                operand_tangents.append(tangents.get(x))
        target = trace.num_inputs + i
        out = emit(names[target], _apply(entry.primitive, *operands), "primal")
        partials = PRIMITIVES[entry.primitive].partials
        terms = [(partials[k](*operands, out), t) for k, t in enumerate(operand_tangents) if t is not None]
        if terms:
            tangents[target] = emit(names[target] + "'", _linear_combination(terms), "tangent")
    program.append(Statement("output", names[trace.output], "output"))
    output_tangent = tangents.get(trace.output, Symbol("0.0"))
    program.append(Statement("output'", output_tangent.text, "output"))
    return tuple(program)


def _program(program) -> tuple:
    return check_sequence("program", program, lambda name, statement: check_instance(
        name, statement, Statement, "a Statement of tangent_program()"), what="statements of tangent_program()")


def format_program(program) -> str:
    """One statement per line."""
    return "\n".join(map(str, _program(program)))


def count_operations(program, role="tangent") -> OperationCount:
    """Count the arithmetic of the statements of a program with the given role ("primal" or "tangent")."""
    program = _program(program)
    role = check_option("role", role, ("primal", "tangent"))
    counts = Counter(PRIMITIVES[name].category for s in program if s.role == role for name in s.operations)
    return OperationCount(**{field.name: counts[field.name] for field in fields(OperationCount)})
