"""Reverse mode from forward mode: linearize a trace, then transpose the linear program.

Once the primal point is fixed, forward mode's tangent statements
``v_i' = sum_k dphi_i/da_k * a_k'`` are *linear* in the tangents: their coefficients are
numbers, the local partial derivatives at that point. ``linearize(trace)`` does this partial
evaluation (the primal column was computed once, by :func:`fgcourse.trace.trace`; what remains
is the linear part) and returns a :class:`LinearProgram`. ``transpose(program)`` reads a linear
program backwards and turns each statement ``y = sum_k a_k x_k`` into the accumulations
``xbar_k += a_k ybar``: the adjoint program, whose run is reverse mode. JAX builds its reverse
mode the same way, from its forward mode (``frostig2021decomposing``, ``radul2022you``).

Conventions of a :class:`LinearProgram`:

- its variables are the trace's, ``x1, ..., xn, v1, ..., vN``; ``kind`` only says how they are
  printed, ``x1'`` in a tangent program and ``x1_bar`` in an adjoint program;
- ``linearize`` gives a tangent program whose inputs are the inputs' tangents (the direction
  ``v``) and whose one output is the tangent of the trace's output; its transpose has the
  output's adjoint (the seed ``u``) as its one input and the inputs' adjoints as outputs;
- a run loads the inputs, starts every other variable at 0, executes the statements in order
  and returns the value of every variable (a column, in the trace's order), so that
  ``run_linear(linearize(t), v) == forward(t, v)`` and
  ``run_linear(transpose(linearize(t)), [u]) == reverse(t, u)``, up to rounding.

``count_linear_operations`` counts a linear program's arithmetic: transposing adds at most one
addition per statement and keeps every multiplication (the cheap-gradient principle,
``blondel2024elements`` section 8.3.3).

Every public function checks its arguments with :mod:`fgcourse._checks`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fgcourse._checks import check_bool, check_instance, check_int, check_option, check_real, check_sequence
from fgcourse.trace import OperationCount, Trace, local_partials, trace

__all__ = [
    "LinearStatement", "LinearProgram", "linearize", "transpose", "run_linear", "vjp_via_linearize",
    "format_linear", "count_linear_operations", "KINDS",
]

KINDS = ("tangent", "adjoint")
"""The two kinds of linear program; transposing swaps them."""

_MARKS = {"tangent": "'", "adjoint": "_bar"}
COEFFICIENT_DIGITS = 4
"""Significant digits of a printed coefficient: the program is for reading."""


# --- linear statements and programs ------------------------------------------------------------

def _name(name, value):
    value = check_instance(name, value, str, "a variable's name (a str)")
    if not value:
        raise ValueError(f"{name} must be a non-empty variable name, got ''")
    return value


def _term(name, pair):
    coefficient, source = check_sequence(name, pair, min_length=2, max_length=2,
                                         what="items (a coefficient and a source name)")
    return check_real(f"{name}[0]", coefficient), _name(f"{name}[1]", source)


@dataclass(frozen=True)
class LinearStatement:
    """``target = a_1 * s_1 + ... + a_k * s_k``, or ``target += ...`` when ``accumulate`` is True.

    ``terms`` holds the pairs ``(a_k, s_k)``: a real coefficient and the name of a variable other
    than the target."""

    target: str
    terms: tuple[tuple[float, str], ...]
    accumulate: bool = False

    def __post_init__(self):
        _name("target", self.target)
        terms = check_sequence("terms", self.terms, _term, what="(coefficient, source) pairs")
        if any(source == self.target for _, source in terms):
            raise ValueError(f"terms must not read the target {self.target!r}, got {self.terms}")
        object.__setattr__(self, "terms", terms)
        object.__setattr__(self, "accumulate", check_bool("accumulate", self.accumulate))


def _statement(name, value):
    return check_instance(name, value, LinearStatement, "a LinearStatement")


def _unique_names(name, values, known=None):
    names = check_sequence(name, values, _name, what="variable names")
    if len(set(names)) < len(names):
        raise ValueError(f"{name} must not repeat a name, got {names}")
    unknown = [x for x in names if known is not None and x not in known]
    if unknown:
        raise ValueError(f"{name} must name variables of the program, got {unknown[0]!r}")
    return names


@dataclass(frozen=True)
class LinearProgram:
    """A straight-line program whose statements are linear in its variables.

    ``variables`` are all its variables, in the order a run returns them; ``inputs`` are loaded
    from the caller, every other variable starts at 0; ``outputs`` are what the program computes.
    A statement that assigns (not ``accumulate``) writes a variable that is not an input and that
    no earlier statement reads or writes, as in a program ``linearize`` writes: that is what lets
    ``transpose`` read it backwards. ``kind`` ("tangent" or "adjoint") says how names are printed.
    """

    variables: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    statements: tuple[LinearStatement, ...]
    kind: str = "tangent"

    def __post_init__(self):
        variables = _unique_names("variables", self.variables)
        known = set(variables)
        inputs = _unique_names("inputs", self.inputs, known)
        outputs = _unique_names("outputs", self.outputs, known)
        statements = check_sequence("statements", self.statements, _statement, min_length=0,
                                    what="LinearStatements")
        touched = set(inputs)
        for i, statement in enumerate(statements):
            names = [statement.target] + [source for _, source in statement.terms]
            unknown = [x for x in names if x not in known]
            if unknown:
                raise ValueError(f"statements[{i}] must use variables of the program, got {unknown[0]!r}")
            if not statement.accumulate and statement.target in touched:
                raise ValueError(f"statements[{i}] must assign a variable not loaded, read or written before, "
                                 f"got {statement.target!r}; accumulate into it instead (accumulate=True)")
            touched.update(names)
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "outputs", outputs)
        object.__setattr__(self, "statements", statements)
        object.__setattr__(self, "kind", check_option("kind", self.kind, KINDS))

    def __str__(self):
        return _listing(self, None, 6)


def _program(name, value) -> LinearProgram:
    return check_instance(name, value, LinearProgram, "a LinearProgram from linearize() or transpose()")


# --- linearize, transpose, run ---------------------------------------------------------------------

def linearize(trace: Trace) -> LinearProgram:
    """The tangent program of ``trace`` with its coefficients evaluated: one statement
    ``v_i' = sum_k dphi_i/da_k * a_k'`` per entry, in the trace's order (partial evaluation).

    Inputs: the inputs' tangents ``x1', ..., xn'``; output: the tangent of the trace's output."""
    trace = check_instance("trace", trace, Trace, "a Trace from fgcourse.trace.trace()")
    names = trace.names
    statements = tuple(
        LinearStatement(names[trace.num_inputs + i], tuple((partial, names[j]) for j, partial in pairs))
        for i, pairs in enumerate(local_partials(trace)))
    return LinearProgram(tuple(names), tuple(names[:trace.num_inputs]), (names[trace.output],), statements, "tangent")


def transpose(program: LinearProgram) -> LinearProgram:
    """The transposed program: the statements read backwards, each ``y = sum_k a_k x_k`` (or
    ``y += ...``) becoming ``x_k += a_k y`` for each term, in the term's order.

    The inputs and outputs swap, and so do the kinds: the transpose of a tangent program computing
    ``v -> J v`` is an adjoint program computing ``u -> J^T u``. Its variables start at 0, its
    input (the seed) excepted, so every adjoint is a sum of accumulations."""
    program = _program("program", program)
    statements = tuple(LinearStatement(source, ((coefficient, statement.target),), accumulate=True)
                       for statement in reversed(program.statements) for coefficient, source in statement.terms)
    kind = KINDS[1 - KINDS.index(program.kind)]
    return LinearProgram(program.variables, program.outputs, program.inputs, statements, kind)


def _run(program, inputs, trail=None):
    """The column after running ``program``; ``trail``, if given, receives each statement's result."""
    index = {name: k for k, name in enumerate(program.variables)}
    column = [0.0] * len(program.variables)
    for name, value in zip(program.inputs, inputs):
        column[index[name]] = value
    for statement in program.statements:
        # the same sum, in the same order, as the tangent and adjoint columns of fgcourse.trace
        total = sum(coefficient * column[index[source]] for coefficient, source in statement.terms)
        target = index[statement.target]
        column[target] = column[target] + total if statement.accumulate else total
        if trail is not None:
            trail.append(column[target])
    return column


def _inputs(program, inputs):
    return check_sequence("inputs", inputs, check_real, min_length=len(program.inputs),
                          max_length=len(program.inputs),
                          what=f"real numbers (one per input of the program: {', '.join(program.inputs)})")


def run_linear(program: LinearProgram, inputs) -> tuple[float, ...]:
    """Run ``program`` on ``inputs`` (one number per ``program.inputs``) and return the value of
    every variable, in the order of ``program.variables``: for ``linearize(t)`` and ``v`` the
    tangent column ``forward(t, v)``; for its transpose and ``[u]`` the adjoint column ``reverse(t, u)``."""
    program = _program("program", program)
    return tuple(_run(program, _inputs(program, inputs)))


def vjp_via_linearize(f, primals):
    """``(f(x), u -> u J_f(x))`` like :func:`fgcourse.trace.vjp`, built from forward mode: trace f
    once, linearize, transpose; each call of the returned function runs the adjoint program."""
    primals = check_sequence("primals", primals, check_real, what="input values x1, ..., xn")
    recorded = trace(f, *primals)
    adjoint = transpose(linearize(recorded))
    index = [adjoint.variables.index(name) for name in adjoint.outputs]

    def vjp_fn(u):
        column = _run(adjoint, (check_real("u", u),))
        return tuple(column[k] for k in index)

    return recorded.value, vjp_fn


# --- printing and counting -------------------------------------------------------------------------

def _coefficient(value):
    return f"{value:.{COEFFICIENT_DIGITS}g}"


def _term_text(coefficient, name):
    """``(sign, text)``: a coefficient of magnitude 1 is left out (no multiplication is needed)."""
    magnitude = abs(coefficient) + 0.0  # + 0.0 prints -0.0 as 0
    text = name if magnitude == 1.0 else f"{_coefficient(magnitude)} * {name}"
    return ("-" if coefficient < 0 else "+"), text


def _statement_text(statement, mark):
    terms = [_term_text(coefficient, source + mark) for coefficient, source in statement.terms]
    target = statement.target + mark
    if statement.accumulate and len(terms) == 1:
        sign, text = terms[0]
        return f"{target} {sign}= {text}"
    first_sign, first = terms[0]
    expression = ("-" if first_sign == "-" else "") + first + "".join(f" {sign} {text}" for sign, text in terms[1:])
    return f"{target} {'+=' if statement.accumulate else '='} {expression}"


def _listing(program, inputs, digits):
    mark = _MARKS[program.kind]
    lines = [(f"input {name}{mark}", name) for name in program.inputs]
    lines += [(_statement_text(statement, mark), statement.target) for statement in program.statements]
    lines += [(f"output {name}{mark}", name) for name in program.outputs]
    if inputs is None:
        return "\n".join(text for text, _ in lines)
    # the value each line leaves in its variable: the inputs, each statement's result, the outputs
    values = list(inputs)
    column = _run(program, inputs, trail=values)
    values += [column[program.variables.index(name)] for name in program.outputs]
    width = max(len(text) for text, _ in lines)
    return "\n".join(f"{text.ljust(width)}  # {name}{mark} = {value:.{digits}f}"
                     for (text, name), value in zip(lines, values))


def format_linear(program: LinearProgram, inputs=None, digits=6) -> str:
    """The program, one statement per line (coefficients with 4 significant digits), between
    its ``input`` and ``output`` lines. Given ``inputs``, each line also shows the value it
    leaves in its variable, with ``digits`` decimals: the last value shown for a variable is
    its entry of the column ``run_linear(program, inputs)``."""
    program = _program("program", program)
    digits = check_int("digits", digits, minimum=0, maximum=17)
    return _listing(program, None if inputs is None else _inputs(program, inputs), digits)


def count_linear_operations(program: LinearProgram) -> OperationCount:
    """The arithmetic of a linear program, as printed: one multiplication per term whose
    coefficient is not 1 or -1; an assignment of k terms adds k - 1 times (plus a negation if
    its first coefficient is -1), an accumulation of k terms k times."""
    program = _program("program", program)
    multiplications = additions = 0
    for statement in program.statements:
        coefficients = [coefficient for coefficient, _ in statement.terms]
        multiplications += sum(abs(coefficient) != 1.0 for coefficient in coefficients)
        if statement.accumulate:
            additions += len(coefficients)
        else:
            additions += len(coefficients) - 1 + (coefficients[0] == -1.0)
    return OperationCount(additions=additions, multiplications=multiplications, divisions=0, calls=0)
