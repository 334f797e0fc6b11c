"""Tests of fgcourse.trace: Wengert lists, tangent and adjoint columns, tangent programs."""

import math
from pathlib import Path

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad, make_jvp
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    NOT_REALS,
    assert_close,
    assert_names_argument,
    assert_refused,
    central_differences,
    merkulov_loss,
    scalar_programs,
    stirling,
)

import fgcourse.trace as tr
from fgcourse.trace import count_operations, format_program, forward, jvp, reverse, tangent_program, trace, vjp

# The test programs (tests/strategies.py) are written once against a namespace of elementary
# functions, ns, so that the same source runs on traced values (fgcourse.trace, the default) and
# on autograd's boxes (autograd.numpy).
AUTOGRAD = anp


def autograd_reference(f, num_inputs):
    """f as a function of one array, for autograd.grad and make_jvp."""
    return lambda x: f(*(x[k] for k in range(num_inputs)), ns=AUTOGRAD)


def differences(f, x, v):
    """Central differences of a function of n scalars, through the shared helper for one array."""
    return central_differences(lambda point: f(*point), x, v)


# --- the worked examples -------------------------------------------------------------------

def test_stirling_trace_is_the_wengert_list_of_001_without_constant_variables():
    recorded = trace(stirling, 5.0)
    assert [entry.primitive for entry in recorded.entries] == ["mul", "sqrt", "div", "pow", "mul"]
    assert recorded.definitions() == ["input", "6.28319 * x1", "sqrt(v1)", "x1 / 2.71828", "v3 ** x1", "v2 * v4"]
    assert recorded.value == pytest.approx(math.sqrt(10 * math.pi) * (5 / math.e) ** 5, rel=1e-14)


@pytest.mark.parametrize("n", [1.0, 5.0, 12.5])
def test_stirling_columns_match_autograd_and_the_exact_derivative(n):
    recorded = trace(stirling, n)
    exact = stirling(n, ns=AUTOGRAD) * (math.log(n) + 1 / (2 * n))  # d/dn of log f is log n + 1/(2n)
    tangent = forward(recorded, [1.0])[recorded.output]
    _, autograd_tangent = make_jvp(autograd_reference(stirling, 1))(np.array([n]))(np.array([1.0]))
    assert tangent == pytest.approx(exact, rel=1e-12)
    assert tangent == pytest.approx(autograd_tangent, rel=1e-12)
    assert reverse(recorded)[0] == pytest.approx(grad(autograd_reference(stirling, 1))(np.array([n]))[0], rel=1e-12)
    assert tangent == pytest.approx(differences(stirling, [n], [1.0]), rel=1e-6)


def test_local_partials_are_the_numbers_both_columns_are_made_of():
    recorded = trace(stirling, 5.0)
    partials = tr.local_partials(recorded)
    # v1 = 2 pi x1, v2 = sqrt(v1), v3 = x1 / e, v4 = v3 ** x1, v5 = v2 * v4 (x1 is variable 0, v_i variable i)
    assert [[j for j, _ in entry] for entry in partials] == [[0], [1], [0], [3, 0], [2, 4]]
    assert partials[1][0][1] == pytest.approx(1 / (2 * math.sqrt(10 * math.pi)), rel=1e-14)
    assert partials[4] == ((2, recorded.primal[4]), (4, recorded.primal[2]))  # exact: d(ab)/da = b


@pytest.mark.parametrize("w", [(2.0, 3.0), (1.5, 0.25), (7.0, 10.0)])
def test_merkulov_two_forward_passes_equal_one_reverse_pass(w):
    w1, w2 = w
    recorded = trace(merkulov_loss, w1, w2)
    root = math.sqrt(w2 * math.log(w1))
    exact = np.array([w2 / w1 * (1 + 1 / (2 * root)), math.log(w1) * (1 + 1 / (2 * root))])
    by_forward = [forward(recorded, e)[recorded.output] for e in ([1.0, 0.0], [0.0, 1.0])]
    by_reverse = reverse(recorded)[:2]
    reference = grad(autograd_reference(merkulov_loss, 2))(np.array(w))
    assert_close(by_forward, exact, rtol=1e-12)
    assert_close(by_reverse, exact, rtol=1e-12)
    assert_close(by_reverse, reference, rtol=1e-12)


def test_repeated_subexpressions_are_traced_twice():
    once, twice = trace(merkulov_loss, 2.0, 3.0), trace(lambda a, b: b * tr.log(a) + tr.sqrt(b * tr.log(a)), 2.0, 3.0)
    assert (len(once.entries), len(twice.entries)) == (4, 6)
    assert_close(reverse(twice)[:2], reverse(once)[:2], rtol=1e-14)


def test_jvp_and_vjp_follow_the_jax_conventions():
    out, tangent = jvp(merkulov_loss, (2.0, 3.0), (0.5, -1.0))
    value, vjp_fn = vjp(merkulov_loss, (2.0, 3.0))
    assert out == value == pytest.approx(merkulov_loss(2.0, 3.0, ns=AUTOGRAD))
    assert tangent == pytest.approx(np.dot(vjp_fn(1.0), [0.5, -1.0]), rel=1e-12)
    assert vjp_fn(2.0) == pytest.approx(2 * np.array(vjp_fn(1.0)), rel=1e-15)


# --- random programs -------------------------------------------------------------------------

@given(scalar_programs())
def test_tangent_column_matches_autograd_make_jvp(program):
    f, x, v = program
    recorded = trace(f, *x)
    value, tangent = make_jvp(autograd_reference(f, len(x)))(np.array(x))(np.array(v))
    assert recorded.value == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert_close(forward(recorded, v)[recorded.output], tangent)


@given(scalar_programs())
def test_input_adjoints_match_autograd_grad(program):
    f, x, _ = program
    recorded = trace(f, *x)
    assert_close(reverse(recorded)[:len(x)], grad(autograd_reference(f, len(x)))(np.array(x)))


@given(scalar_programs(), st.floats(-3, 3, allow_nan=False))
def test_tangent_and_adjoint_columns_are_dual(program, u):
    """u * (J v) = (J^T u) . v: a forward and a reverse pass agree on every direction."""
    f, x, v = program
    recorded = trace(f, *x)
    tangent_output = forward(recorded, v)[recorded.output]
    assert_close(u * tangent_output, np.dot(reverse(recorded, u)[:len(x)], v))


@given(scalar_programs())
def test_jvp_and_vjp_agree_with_the_columns(program):
    f, x, v = program
    recorded = trace(f, *x)
    out, tangent = jvp(f, x, v)
    value, vjp_fn = vjp(f, x)
    # exact: jvp and vjp trace f and run the same column code as forward and reverse, in Python floats
    assert out == value == recorded.value
    assert tangent == forward(recorded, v)[recorded.output]
    assert vjp_fn(1.0) == reverse(recorded, 1.0)[:len(x)]


@given(scalar_programs(max_leaves=5))
def test_tangent_column_matches_central_differences(program):
    f, x, v = program
    recorded = trace(f, *x)
    assert_close(forward(recorded, v)[recorded.output], differences(f, x, v), rtol=1e-5)


# --- tangent programs and known-zero tangents ------------------------------------------------

NAIVE_3_4_X = """\
x1 <- load x1
x1' <- load x1'
c1 <- 4
c1' <- 0.0
v1 <- c1 * x1
v1' <- x1 * c1' + c1 * x1'
c2 <- 3
c2' <- 0.0
v2 <- c2 * v1
v2' <- v1 * c2' + c2 * v1'
output <- v2
output' <- v2'"""

SIMPLIFIED_3_4_X = """\
x1 <- load x1
x1' <- load x1'
v1 <- 4 * x1
v1' <- 4 * x1'
v2 <- 3 * v1
v2' <- 3 * v1'
output <- v2
output' <- v2'"""


def test_program_2_of_belouze_report_naive_and_simplified():
    recorded = trace(lambda x: 3 * (4 * x), 2.0)
    naive, simplified = tangent_program(recorded), tangent_program(recorded, simplify=True)
    assert format_program(naive) == NAIVE_3_4_X
    assert format_program(simplified) == SIMPLIFIED_3_4_X
    assert count_operations(naive) == tr.OperationCount(additions=2, multiplications=4, divisions=0, calls=0)
    assert count_operations(simplified) == tr.OperationCount(additions=0, multiplications=2, divisions=0, calls=0)
    assert count_operations(naive, "primal") == count_operations(simplified, "primal")


def run_program(program, x, v):
    """Execute a tangent program's statements as Python (x1' is spelled x1_t) and return output'."""
    namespace = {name: getattr(math, name) for name in ("exp", "log", "sqrt", "sin", "cos", "tanh")}
    loads = {f"load x{k + 1}": value for k, value in enumerate(x)}
    loads.update({f"load x{k + 1}'": value for k, value in enumerate(v)})
    for statement in program:
        expression = statement.expression.replace("'", "_t")
        value = loads.get(statement.expression, None)
        namespace[statement.target.replace("'", "_t")] = eval(expression, namespace) if value is None else value
    return namespace["output_t"]


@given(scalar_programs(max_leaves=6), st.data())
def test_naive_and_simplified_programs_compute_the_tangent_column(program, data):
    f, x, v = program
    active = data.draw(st.lists(st.booleans(), min_size=len(x), max_size=len(x)))
    direction = [vk if on else 0.0 for vk, on in zip(v, active)]
    recorded = trace(f, *x)
    expected = forward(recorded, direction)[recorded.output]
    for simplify in (False, True):
        program_text = tangent_program(recorded, simplify=simplify, active=active)
        assert_close(run_program(program_text, x, direction), expected)


@given(scalar_programs(), st.data())
def test_simplifying_never_adds_operations(program, data):
    f, x, _ = program
    active = data.draw(st.lists(st.booleans(), min_size=len(x), max_size=len(x)))
    recorded = trace(f, *x)
    naive, simplified = (count_operations(tangent_program(recorded, s, active)) for s in (False, True))
    for field in ("additions", "multiplications", "divisions", "calls"):
        assert getattr(simplified, field) <= getattr(naive, field)


def test_inactive_input_drops_every_term_it_feeds():
    recorded = trace(merkulov_loss, 2.0, 3.0)
    program = tangent_program(recorded, simplify=True, active=[False, True])
    tangents = {s.target: s.expression for s in program if s.role == "tangent"}
    # log(x1) depends on x1 only: its tangent is known zero, so v2' keeps one term of two
    assert "v1'" not in tangents and tangents["v2'"] == "v1 * x2'"
    nothing = tangent_program(recorded, simplify=True, active=[False, False])
    assert [s for s in nothing if s.role == "tangent"] == []
    assert str(nothing[-1]) == "output' <- 0.0"


def test_constant_subexpressions_fold_while_tracing():
    recorded = trace(lambda x: x * tr.exp(2.0) + tr.sqrt(2.0) * tr.sin(1.0), 0.5)
    assert len(recorded.entries) == 2
    assert recorded.definitions()[1:] == ["x1 * 7.38906", "v1 + 1.19002"]
    simplified = tangent_program(recorded, simplify=True)
    assert count_operations(simplified) == tr.OperationCount(0, 1, 0, 0)


def test_naive_tangent_of_a_square_takes_a_log_the_simplified_one_avoids():
    """x ** 2 with the constant exponent treated as a variable needs x ** 2 * log(x) * c'."""
    recorded = trace(lambda x: x ** 2, -1.5)
    naive = format_program(tangent_program(recorded))
    simplified = format_program(tangent_program(recorded, simplify=True))
    assert "log(x1)" in naive and "log" not in simplified
    with pytest.raises(ValueError, match="math domain"):
        run_program(tangent_program(recorded), [-1.5], [1.0])
    assert run_program(tangent_program(recorded, simplify=True), [-1.5], [1.0]) == -3.0


# --- printing -------------------------------------------------------------------------------

def test_table_lists_every_variable_with_its_columns():
    recorded = trace(merkulov_loss, 2.0, 3.0)
    text = recorded.table(v=[1.0, 0.0], u=1.0).splitlines()
    assert text[0].split() == ["variable", "definition", "primal", "tangent", "adjoint"]
    assert [line.split()[0] for line in text[1:]] == ["x1", "x2", "v1", "v2", "v3", "v4"]
    assert text[-1].split()[-2:] == [f"{forward(recorded, [1.0, 0.0])[-1]:.6f}", "1.000000"]
    markdown = recorded.table(markdown=True).splitlines()
    assert markdown[:2] == ["| variable | definition | primal |", "| --- | --- | --- |"]
    assert markdown[3] == "| x2 | input | 3.000000 |"
    assert recorded.table(digits=2, markdown=True).splitlines()[3] == "| x2 | input | 3.00 |"


def test_expressions_are_written_with_the_parentheses_python_needs():
    recorded = trace(lambda x, y: (x - (y - x)) / (x * y) ** -(-x) - 2 * -y, 1.2, 0.7)  # noqa: B002
    names = dict(zip(recorded.names, recorded.primal))
    final = recorded.definitions()
    # re-evaluating each definition with Python's own precedence rules gives back the primal column
    namespace = {}
    for name, definition in zip(recorded.names, final):
        namespace[name] = names[name] if definition == "input" else eval(definition, namespace)
        assert namespace[name] == pytest.approx(names[name], rel=1e-15)


# --- x ** 0 ------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [0.0, 2.0, -1.5])
def test_a_power_zero_is_constant_so_its_derivative_is_zero_even_at_zero(x):
    recorded = trace(lambda a: a ** 0 * 3 + a, x)
    assert recorded.value == pytest.approx(3 + x)
    assert forward(recorded, [1.0])[recorded.output] == 1.0
    assert reverse(recorded)[0] == 1.0


# --- bad input ------------------------------------------------------------------------------

LOSS = trace(merkulov_loss, 2.0, 3.0)
PROGRAM = tangent_program(LOSS)

BAD_CALLS = [
    # trace(f, *inputs)
    (lambda: trace(3.0, 1.0), TypeError, "f", "callable"),
    (lambda: trace(stirling), ValueError, "inputs", "at least 1"),
    (lambda: trace(stirling, float("nan")), ValueError, "inputs[0]", "finite"),
    (lambda: trace(merkulov_loss, 2.0, "3"), TypeError, "inputs[1]", "str"),
    (lambda: trace(stirling, True), TypeError, "inputs[0]", "bool"),
    (lambda: trace(stirling, 1 + 2j), TypeError, "inputs[0]", "complex"),
    (lambda: trace(lambda x: 3.0, 1.0), TypeError, "f", "traced value"),
    (lambda: trace(lambda x: None, 1.0), TypeError, "f", "traced value"),
    (lambda: trace(lambda x: (x, x), 1.0), TypeError, "f", "traced value"),
    (lambda: trace(lambda x: x if x > 0 else -x, 1.0), TypeError, "f", "comparison"),
    (lambda: trace(lambda x: x if x else -x, 1.0), TypeError, "f", "truth testing"),
    (lambda: trace(lambda x: np.exp(x), 1.0), TypeError, "f", "numpy.exp cannot be applied"),
    (lambda: trace(lambda x: math.exp(x), 1.0), TypeError, "f", "conversion to a Python number"),
    (lambda: trace(lambda x: x + "1", 1.0), TypeError, "an operand of add", "str"),
    (lambda: trace(lambda x: x * 1j, 1.0), TypeError, "an operand of mul", "complex"),
    (lambda: trace(lambda x: tr.log(x), -1.0), ValueError, "f", "log(-1.0,) is undefined"),
    (lambda: trace(lambda x: x ** 0.5, -4.0), ValueError, "f", "pow"),
    (lambda: trace(lambda x: x * math.nan, 1.0), ValueError, "an operand of mul", "finite"),
    # forward(trace, v) and reverse(trace, u)
    (lambda: forward(LOSS, [1.0]), ValueError, "v", "at least 2"),
    (lambda: forward(LOSS, [1.0, 2.0, 3.0]), ValueError, "v", "at most 2"),
    (lambda: forward(LOSS, 1.0), TypeError, "v", "sequence"),
    (lambda: forward(LOSS, "ab"), TypeError, "v", "sequence"),
    (lambda: forward(LOSS, [1.0, math.inf]), ValueError, "v[1]", "finite"),
    (lambda: forward(LOSS, [1.0, 1j]), TypeError, "v[1]", "complex"),
    (lambda: forward(LOSS, [True, 0.0]), TypeError, "v[0]", "bool"),
    (lambda: forward(merkulov_loss, [1.0, 0.0]), TypeError, "trace", "a Trace"),
    (lambda: forward(trace(lambda x: x ** 0.5, 0.0), [1.0]), ValueError, "derivative of pow", "not differentiable"),
    (lambda: reverse(LOSS, math.nan), ValueError, "u", "finite"),
    (lambda: reverse(LOSS, "1"), TypeError, "u", "str"),
    (lambda: reverse(LOSS, [1.0]), TypeError, "u", "list"),
    (lambda: reverse(PROGRAM), TypeError, "trace", "a Trace"),
    # jvp(f, primals, tangents) and vjp(f, primals)
    (lambda: jvp(merkulov_loss, 2.0, (1.0, 0.0)), TypeError, "primals", "sequence"),
    (lambda: jvp(merkulov_loss, (2.0, 1j), (1.0, 0.0)), TypeError, "primals[1]", "complex"),
    (lambda: jvp(merkulov_loss, (2.0, 3.0), (1.0,)), ValueError, "tangents", "at least 2"),
    (lambda: jvp(merkulov_loss, (2.0, 3.0), (1.0, "0")), TypeError, "tangents[1]", "str"),
    (lambda: jvp("f", (2.0, 3.0), (1.0, 0.0)), TypeError, "f", "callable"),
    (lambda: vjp(merkulov_loss, [])[1](1.0), ValueError, "primals", "at least 1"),
    (lambda: vjp(merkulov_loss, (2.0, 3.0))[1](None), TypeError, "u", "NoneType"),
    # Trace.table
    (lambda: LOSS.table(v=[1.0]), ValueError, "v", "at least 2"),
    (lambda: LOSS.table(u=math.inf), ValueError, "u", "finite"),
    (lambda: LOSS.table(markdown="yes"), TypeError, "markdown", "True or False"),
    (lambda: LOSS.table(digits=-1), ValueError, "digits", ">= 0"),
    (lambda: LOSS.table(digits=2.5), TypeError, "digits", "float"),
    (lambda: LOSS.table(digits=True), TypeError, "digits", "bool"),
    (lambda: tr.local_partials(PROGRAM), TypeError, "trace", "a Trace"),
    (lambda: tr.local_partials(trace(lambda x: x ** 0.5, 0.0)), ValueError, "derivative of pow", "not differentiable"),
    # tangent_program, format_program, count_operations
    (lambda: tangent_program("v1 <- x1"), TypeError, "trace", "a Trace"),
    (lambda: tangent_program(LOSS, simplify=1), TypeError, "simplify", "True or False"),
    (lambda: tangent_program(LOSS, active=[True]), ValueError, "active", "at least 2"),
    (lambda: tangent_program(LOSS, active=[True, 0]), TypeError, "active[1]", "True or False"),
    (lambda: tangent_program(LOSS, active=True), TypeError, "active", "sequence"),
    (lambda: count_operations(PROGRAM, "adjoint"), ValueError, "role", "('primal', 'tangent')"),
    (lambda: count_operations(PROGRAM, "tanget"), ValueError, "role", "did you mean 'tangent'"),
    (lambda: count_operations(LOSS), TypeError, "program", "sequence"),
    (lambda: count_operations(["v1 <- x1"]), TypeError, "program[0]", "Statement"),
    (lambda: format_program(PROGRAM[0]), TypeError, "program", "sequence"),
    (lambda: format_program([]), ValueError, "program", "at least 1"),
]


@pytest.mark.parametrize("call, error, name, word", BAD_CALLS)
def test_bad_input_is_refused_naming_the_argument(call, error, name, word):
    assert_refused(call, name, word, error=error)


@pytest.mark.parametrize("value", NOT_REALS)
def test_inputs_and_u_refuse_bools_strings_none_complex_and_lists(value):
    for call, name in [(lambda: trace(stirling, value), "inputs[0]"), (lambda: reverse(LOSS, value), "u")]:
        with pytest.raises(TypeError) as excinfo:
            call()
        assert_names_argument(excinfo, name)


@pytest.mark.parametrize("misuse", [lambda x: x > 0, lambda x: bool(x), lambda x: np.exp(x), lambda x: math.exp(x)])
def test_unsupported_operations_say_what_to_use(misuse):
    with pytest.raises(TypeError, match="fgcourse.trace.exp"):
        trace(misuse, 1.0)


def test_rejects_values_from_another_trace():
    leaked = []
    trace(lambda x: leaked.append(x) or x * 2, 1.0)
    with pytest.raises(ValueError) as excinfo:
        trace(lambda y: y + leaked[0], 1.0)
    assert_names_argument(excinfo, "f", "two different calls")


def test_the_book_chapter_shows_the_tables_and_programs_this_library_prints():
    chapter = (Path(__file__).resolve().parents[1] / "book" / "traces.md").read_text()
    times_twelve = trace(lambda x: 3 * (4 * x), 2.0)
    assert trace(stirling, 5.0).table(v=[1.0], u=1.0, markdown=True) in chapter
    assert trace(merkulov_loss, 2.0, 3.0).table(u=1.0, markdown=True) in chapter
    assert format_program(tangent_program(times_twelve)) in chapter
    assert format_program(tangent_program(times_twelve, simplify=True)) in chapter
