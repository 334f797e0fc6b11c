"""Tests of fgcourse.linearize: reverse mode from forward mode, by linearizing then transposing."""

import functools
import math
import operator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    NOT_REALS,
    assert_close,
    assert_names_argument,
    assert_refused,
    merkulov_loss,
    scalar_programs,
    stirling,
)

from fgcourse.linearize import (
    LinearProgram,
    LinearStatement,
    count_linear_operations,
    format_linear,
    linearize,
    run_linear,
    transpose,
    vjp_via_linearize,
)
from fgcourse.trace import OperationCount, count_operations, forward, reverse, sin, tangent_program, trace, vjp

STIRLING = trace(stirling, 5.0)
LOSS = trace(merkulov_loss, 2.0, 3.0)

# Coefficients are printed with 4 significant digits: the partials of Stirling's trace at n = 5
# are far from a rounding boundary (6.283185, 0.089206, 0.367879, 57.240..., 12.829..., ...).
STIRLING_LINEAR = """\
input x1'
v1' = 6.283 * x1'
v2' = 0.08921 * v1'
v3' = 0.3679 * x1'
v4' = 57.24 * v3' + 12.83 * x1'
v5' = 21.06 * v2' + 5.605 * v4'
output v5'"""

STIRLING_ADJOINT = """\
input v5_bar
v2_bar += 21.06 * v5_bar
v4_bar += 5.605 * v5_bar
v3_bar += 57.24 * v4_bar
x1_bar += 12.83 * v4_bar
x1_bar += 0.3679 * v3_bar
v1_bar += 0.08921 * v2_bar
x1_bar += 6.283 * v1_bar
output x1_bar"""


def output_values(program, column):
    return [column[program.variables.index(name)] for name in program.outputs]


# --- the worked examples -------------------------------------------------------------------------

def test_stirling_linear_program_and_its_transpose_print_as_programs():
    linear = linearize(STIRLING)
    assert str(linear) == format_linear(linear) == STIRLING_LINEAR
    assert str(transpose(linear)) == STIRLING_ADJOINT
    assert (linear.inputs, linear.outputs, linear.kind) == (("x1",), ("v5",), "tangent")
    adjoint = transpose(linear)
    assert (adjoint.inputs, adjoint.outputs, adjoint.kind) == (("v5",), ("x1",), "adjoint")


@pytest.mark.simd
@pytest.mark.parametrize("f, x", [(stirling, (1.0,)), (stirling, (5.0,)), (stirling, (12.5,)),
                                  (merkulov_loss, (2.0, 3.0)), (merkulov_loss, (1.5, 0.25)),
                                  (merkulov_loss, (7.0, 10.0))])
def test_the_worked_examples_linearize_to_forward_and_transpose_to_reverse(f, x):
    recorded = trace(f, *x)
    linear = linearize(recorded)
    for u in (1.0, -2.5):
        assert_close(run_linear(transpose(linear), [u]), reverse(recorded, u), rtol=1e-12)
        value, vjp_fn = vjp_via_linearize(f, x)
        assert value == pytest.approx(recorded.value, rel=1e-14)  # two traces of f: libm may differ by an ulp
        assert_close(vjp_fn(u), vjp(f, x)[1](u), rtol=1e-12)
    for k in range(len(x)):
        e = [float(j == k) for j in range(len(x))]
        assert_close(run_linear(linear, e), forward(recorded, e), rtol=1e-12)


@pytest.mark.parametrize("recorded", [STIRLING, LOSS], ids=["stirling", "merkulov"])
def test_the_printed_adjoint_program_ends_each_variable_on_its_entry_of_the_adjoint_column(recorded):
    """Each line shows the value it leaves in its variable; the last one shown for a variable is
    the number the Wengert table prints in its adjoint column (same format, six decimals)."""
    listing = format_linear(transpose(linearize(recorded)), [1.0]).splitlines()
    last = {}
    for line in listing:
        name, value = line.split("# ")[1].split(" = ")
        last[name.removesuffix("_bar")] = value
    table = recorded.table(u=1.0).splitlines()[1:]
    assert last == {row.split()[0]: row.split()[-1] for row in table}


def test_the_printed_adjoint_program_reads_like_the_push_loop_of_reverse_mode():
    listing = format_linear(transpose(linearize(LOSS)), [1.0]).splitlines()
    assert listing[0].split() == ["input", "v4_bar", "#", "v4_bar", "=", "1.000000"]
    # v2 is read twice (by v3 = sqrt(v2) and v4 = v2 + v3): two accumulations, 1 then 1 + 1/(2 sqrt(v2))
    assert [line.split("#")[1].strip() for line in listing if line.startswith("v2_bar")] == [
        "v2_bar = 1.000000", "v2_bar = 1.346734"]
    assert listing[-2:] == ["output x1_bar              # x1_bar = 2.020101",
                            "output x2_bar              # x2_bar = 0.933485"]


def test_signs_and_unit_coefficients_print_without_a_multiplication():
    difference = linearize(trace(lambda a, b: a - b, 1.0, 2.0))
    assert str(difference).splitlines()[2] == "v1' = x1' - x2'"
    assert str(transpose(difference)).splitlines()[1:3] == ["x1_bar += v1_bar", "x2_bar -= v1_bar"]
    negation = linearize(trace(lambda a: -3.0 * -a, 2.0))
    assert str(negation).splitlines()[1:3] == ["v1' = -x1'", "v2' = -3 * v1'"]
    assert str(transpose(negation)).splitlines()[1:3] == ["v1_bar -= 3 * v2_bar", "x1_bar -= v1_bar"]
    assert count_linear_operations(negation) == OperationCount(additions=1, multiplications=1, divisions=0, calls=0)
    assert count_linear_operations(transpose(negation)) == OperationCount(2, 1, 0, 0)
    copy = linearize(trace(lambda a, b: b - a * 1.0, 1.0, 2.0))  # v1 = a * 1.0, v2 = b - v1
    assert str(copy).splitlines()[2:4] == ["v1' = x1'", "v2' = x2' - v1'"]
    assert count_linear_operations(copy).total == 1 and count_linear_operations(transpose(copy)).total == 3
    first_negative = linearize(trace(lambda a, b: a / b, 2.0, -1.0))  # partials 1/b = -1 and -(a/b)/b = -2
    assert str(first_negative).splitlines()[2] == "v1' = -x1' - 2 * x2'"
    assert count_linear_operations(first_negative) == OperationCount(2, 1, 0, 0)  # a negation and a subtraction
    assert count_linear_operations(transpose(first_negative)) == OperationCount(2, 1, 0, 0)


def test_a_function_that_returns_its_input_has_no_statements():
    identity = trace(lambda x: x, 3.0)
    linear = linearize(identity)
    assert linear.statements == () and linear.inputs == linear.outputs == ("x1",)
    assert str(transpose(linear)) == "input x1_bar\noutput x1_bar"
    assert run_linear(transpose(linear), [2.0]) == reverse(identity, 2.0) == (2.0,)
    assert vjp_via_linearize(lambda x: x, [3.0])[1](-1.5) == (-1.5,)


# --- random programs -------------------------------------------------------------------------

@pytest.mark.simd
@given(scalar_programs(dead_tail=True), st.floats(-3, 3, allow_nan=False))
def test_linear_program_runs_forward_and_its_transpose_runs_reverse(program, u):
    f, x, v = program
    recorded = trace(f, *x)
    linear = linearize(recorded)
    assert_close(run_linear(linear, v), forward(recorded, v), rtol=1e-12)
    assert_close(run_linear(transpose(linear), [u]), reverse(recorded, u), rtol=1e-12)
    _, vjp_fn = vjp_via_linearize(f, x)
    assert_close(vjp_fn(u), vjp(f, x)[1](u), rtol=1e-12)


@pytest.mark.simd
@given(scalar_programs(dead_tail=True), st.data())
def test_transposing_twice_gives_back_the_same_linear_map(program, data):
    f, x, v = program
    linear = linearize(trace(f, *x))
    twice = transpose(transpose(linear))
    assert (twice.variables, twice.inputs, twice.outputs, twice.kind) == (
        linear.variables, linear.inputs, linear.outputs, linear.kind)
    assert_close(run_linear(twice, v), run_linear(linear, v), rtol=1e-12)
    u = data.draw(st.floats(-3, 3, allow_nan=False))
    assert_close(run_linear(transpose(twice), [u]), run_linear(transpose(linear), [u]), rtol=1e-12)


@pytest.mark.simd
@given(scalar_programs(dead_tail=True), st.floats(-3, 3, allow_nan=False))
def test_dot_product_identity_through_the_two_programs(program, u):
    """<u, J v> = <J^T u, v>: the tangent program gives J v, its transpose J^T u."""
    f, x, v = program
    linear = linearize(trace(f, *x))
    adjoint = transpose(linear)
    (jv,) = output_values(linear, run_linear(linear, v))
    jtu = output_values(adjoint, run_linear(adjoint, [u]))
    terms = np.array(jtu) * np.array(v)
    scale = 1 + abs(u * jv) + np.sum(np.abs(terms))
    assert abs(u * jv - np.sum(terms)) <= 1e-12 * scale


def execute_printed(program, inputs):
    """Run the printed program as Python (x1' spelled x1_t); its coefficients have 4 digits."""
    names = [name + ("'" if program.kind == "tangent" else "_bar") for name in program.variables]
    namespace = {name.replace("'", "_t"): 0.0 for name in names}
    for name, value in zip(program.inputs, inputs):
        namespace[names[program.variables.index(name)].replace("'", "_t")] = value
    for line in str(program).splitlines():
        if not line.startswith(("input ", "output ")):
            exec(line.replace("'", "_t"), namespace)
    return [namespace[name.replace("'", "_t")] for name in names]


def magnitudes(program, inputs):
    """The program run on |coefficients| and |inputs|: a bound on every sum it computes."""
    absolute = LinearProgram(program.variables, program.inputs, program.outputs, tuple(
        LinearStatement(s.target, tuple((abs(c), source) for c, source in s.terms), s.accumulate)
        for s in program.statements), program.kind)
    return np.array(run_linear(absolute, [abs(x) for x in inputs]))


@given(scalar_programs(max_leaves=6, dead_tail=True), st.floats(-3, 3, allow_nan=False))
def test_the_printed_programs_are_python_that_computes_the_same_columns(program, u):
    f, x, v = program
    linear = linearize(trace(f, *x))
    for printed, inputs in [(linear, v), (transpose(linear), [u])]:
        # each coefficient is off by at most 5e-4 relative, and a path multiplies at most 2 * 6 + 5 of them
        tolerance = 1e-2 * magnitudes(printed, inputs) + 1e-12
        assert np.all(np.abs(np.array(execute_printed(printed, inputs)) - run_linear(printed, inputs)) <= tolerance)


# --- cost: the cheap-gradient principle ------------------------------------------------------

def is_copy(statement):
    return not statement.accumulate and len(statement.terms) == 1 and statement.terms[0][0] == 1.0


@given(scalar_programs(dead_tail=True))
def test_transposing_adds_at_most_one_addition_per_statement(program):
    """ops(L^T) = ops(L) + S - (negations of L) <= ops(L) + S, a negation being a statement of L whose
    first coefficient is -1: the multiplications are the same,
    and each of the T terms becomes one accumulation. So ops(L^T) <= 2 ops(L) when no statement of
    L is a bare copy, and ops(L^T) <= 4 N for a trace of N entries (at most 2 terms per entry)."""
    f, x, _ = program
    recorded = trace(f, *x)
    linear = linearize(recorded)
    ops, transposed = count_linear_operations(linear), count_linear_operations(transpose(linear))
    statements = len(linear.statements)
    negations = sum(s.terms[0][0] == -1.0 for s in linear.statements)
    assert transposed.multiplications == ops.multiplications
    assert transposed.additions == sum(len(s.terms) for s in linear.statements)
    assert transposed.total == ops.total + statements - negations
    copies = sum(map(is_copy, linear.statements))
    assert transposed.total <= 2 * ops.total + copies
    assert transposed.total <= 4 * len(recorded.entries)


@given(scalar_programs(polynomial=True, dead_tail=True))
def test_baur_strassen_bound_on_polynomial_programs(program):
    """For +, - and x the coefficients are constants or primal values (linearizing costs nothing),
    so the gradient costs the primal program plus the transposed one: at most 5 times the primal."""
    f, x, _ = program
    recorded = trace(f, *x)
    primal = count_operations(tangent_program(recorded, simplify=True), "primal").total
    assert primal == len(recorded.entries)
    assert primal + count_linear_operations(transpose(linearize(recorded))).total <= 5 * primal


def test_the_running_examples_operation_counts():
    stirling_ops = count_linear_operations(linearize(STIRLING)), count_linear_operations(transpose(linearize(STIRLING)))
    assert [ops.total for ops in stirling_ops] == [9, 14]
    loss_ops = count_linear_operations(linearize(LOSS)), count_linear_operations(transpose(linearize(LOSS)))
    assert [ops.total for ops in loss_ops] == [6, 10]


def test_the_product_of_n_inputs_reaches_five_times_the_primal():
    """x1 x2 ... xn left to right: n - 1 products, 3 operations each in the linear program, 4 in its transpose."""
    n = 6
    recorded = trace(lambda *xs: functools.reduce(operator.mul, xs), *(2.0 + k for k in range(n)))
    linear = linearize(recorded)
    assert count_linear_operations(linear).total == 3 * (n - 1)
    assert count_linear_operations(transpose(linear)).total == 4 * (n - 1)


# --- bad input ------------------------------------------------------------------------------

LINEAR = linearize(LOSS)
ADJOINT = transpose(LINEAR)
VJP_FN = vjp_via_linearize(merkulov_loss, (2.0, 3.0))[1]
ASSIGN = LinearStatement("v1", ((2.0, "x1"),))

BAD_CALLS = [
    # linearize(trace), transpose(program)
    (lambda: linearize(merkulov_loss), TypeError, "trace", "a Trace"),
    (lambda: linearize(LINEAR), TypeError, "trace", "LinearProgram"),
    (lambda: linearize(trace(lambda x: x ** 0.5, 0.0)), ValueError, "derivative of pow", "not differentiable"),
    (lambda: transpose(LOSS), TypeError, "program", "a LinearProgram"),
    (lambda: transpose(LINEAR.statements), TypeError, "program", "tuple"),
    # run_linear(program, inputs)
    (lambda: run_linear(LINEAR, [1.0]), ValueError, "inputs", "at least 2"),
    (lambda: run_linear(ADJOINT, [1.0, 2.0]), ValueError, "inputs", "at most 1"),
    (lambda: run_linear(ADJOINT, 1.0), TypeError, "inputs", "sequence"),
    (lambda: run_linear(LINEAR, [1.0, "2"]), TypeError, "inputs[1]", "str"),
    (lambda: run_linear(LINEAR, [1.0, math.nan]), ValueError, "inputs[1]", "finite"),
    (lambda: run_linear(LINEAR, [True, 1.0]), TypeError, "inputs[0]", "bool"),
    (lambda: run_linear(LOSS, [1.0, 0.0]), TypeError, "program", "a LinearProgram"),
    # vjp_via_linearize(f, primals) and its vjp_fn(u)
    (lambda: vjp_via_linearize(merkulov_loss, 2.0), TypeError, "primals", "sequence"),
    (lambda: vjp_via_linearize(merkulov_loss, []), ValueError, "primals", "at least 1"),
    (lambda: vjp_via_linearize(merkulov_loss, (2.0, 1j)), TypeError, "primals[1]", "complex"),
    (lambda: vjp_via_linearize("f", (2.0, 3.0)), TypeError, "f", "callable"),
    (lambda: vjp_via_linearize(lambda x: 3.0, (2.0,)), TypeError, "f", "traced value"),
    (lambda: VJP_FN(None), TypeError, "u", "NoneType"),
    (lambda: VJP_FN(math.inf), ValueError, "u", "finite"),
    (lambda: VJP_FN([1.0]), TypeError, "u", "list"),
    # format_linear(program, inputs, digits), count_linear_operations(program)
    (lambda: format_linear(LOSS), TypeError, "program", "a LinearProgram"),
    (lambda: format_linear(LINEAR, [1.0]), ValueError, "inputs", "at least 2"),
    (lambda: format_linear(LINEAR, [1.0, 0.0], digits=-1), ValueError, "digits", ">= 0"),
    (lambda: format_linear(LINEAR, digits=2.5), TypeError, "digits", "float"),
    (lambda: count_linear_operations(tangent_program(LOSS)), TypeError, "program", "a LinearProgram"),
    # LinearStatement(target, terms, accumulate)
    (lambda: LinearStatement(3, ((1.0, "x1"),)), TypeError, "target", "int"),
    (lambda: LinearStatement("", ((1.0, "x1"),)), ValueError, "target", "non-empty"),
    (lambda: LinearStatement("v1", ()), ValueError, "terms", "at least 1"),
    (lambda: LinearStatement("v1", "x1"), TypeError, "terms", "sequence"),
    (lambda: LinearStatement("v1", ((1.0,),)), ValueError, "terms[0]", "at least 2"),
    (lambda: LinearStatement("v1", (("2", "x1"),)), TypeError, "terms[0][0]", "str"),
    (lambda: LinearStatement("v1", ((1j, "x1"),)), TypeError, "terms[0][0]", "complex"),
    (lambda: LinearStatement("v1", ((1.0, 3),)), TypeError, "terms[0][1]", "int"),
    (lambda: LinearStatement("v1", ((1.0, "x1"), (2.0, "v1"))), ValueError, "terms", "target 'v1'"),
    (lambda: LinearStatement("v1", ((1.0, "x1"),), accumulate="yes"), TypeError, "accumulate", "True or False"),
    # LinearProgram(variables, inputs, outputs, statements, kind)
    (lambda: LinearProgram(("x1", "v1"), ("x1",), ("v1",), (ASSIGN,), "adjont"), ValueError, "kind",
     "did you mean 'adjoint'"),
    (lambda: LinearProgram(("x1", "x1"), ("x1",), ("x1",), ()), ValueError, "variables", "repeat"),
    (lambda: LinearProgram("x1", ("x1",), ("x1",), ()), TypeError, "variables", "sequence"),
    (lambda: LinearProgram(("x1", "v1"), ("x2",), ("v1",), (ASSIGN,)), ValueError, "inputs", "'x2'"),
    (lambda: LinearProgram(("x1", "v1"), ("x1",), (), (ASSIGN,)), ValueError, "outputs", "at least 1"),
    (lambda: LinearProgram(("x1", "v1"), ("x1",), ("v1",), ("v1 = 2 * x1",)), TypeError, "statements[0]",
     "LinearStatement"),
    (lambda: LinearProgram(("x1",), ("x1",), ("x1",), (ASSIGN,)), ValueError, "statements[0]", "'v1'"),
    (lambda: LinearProgram(("x1", "v1"), ("x1",), ("v1",), (ASSIGN, ASSIGN)), ValueError, "statements[1]",
     "accumulate=True"),
    (lambda: LinearProgram(("x1", "v1"), ("x1", "v1"), ("v1",), (ASSIGN,)), ValueError, "statements[0]",
     "loaded, read or written"),
]


@pytest.mark.parametrize("call, error, name, word", BAD_CALLS)
def test_bad_input_is_refused_naming_the_argument(call, error, name, word):
    assert_refused(call, name, word, error=error)


@pytest.mark.parametrize("value", NOT_REALS)
def test_run_inputs_and_u_refuse_bools_strings_none_complex_and_lists(value):
    for call, name in [(lambda: run_linear(ADJOINT, [value]), "inputs[0]"), (lambda: VJP_FN(value), "u")]:
        with pytest.raises(TypeError) as excinfo:
            call()
        assert_names_argument(excinfo, name)


def test_an_accumulation_may_follow_reads_and_programs_built_by_hand_transpose():
    """x1 -> (v1 = 2 x1; v1 += 3 x1): the map 5 x1, whose transpose is 5 u."""
    program = LinearProgram(("x1", "v1"), ("x1",), ("v1",), (
        ASSIGN, LinearStatement("v1", ((3.0, "x1"),), accumulate=True)))
    assert run_linear(program, [1.5]) == (1.5, 7.5)
    assert run_linear(transpose(program), [2.0]) == (10.0, 2.0)  # exact: small integers



def test_the_book_chapter_shows_the_programs_this_library_prints():
    chapter = (Path(__file__).resolve().parents[1] / "book" / "traces.md").read_text()
    assert STIRLING_LINEAR in chapter
    assert format_linear(transpose(linearize(STIRLING)), [1.0]) in chapter
    assert str(linearize(trace(lambda x1, x2: x1 * x2 + sin(x1), 1.0, 2.0))) in chapter  # tr-ex-linearize-by-hand

