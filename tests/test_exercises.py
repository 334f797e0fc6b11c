"""fgcourse.exercises: the prose exercises' self-checks, and the checks behind the notebooks' tests."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from strategies import assert_names_argument, assert_refused

from fgcourse import exercises
from fgcourse.exercises import (
    EXERCISES,
    MAX_NUMBERS,
    Opaque,
    answer,
    check,
    expect_cases,
    expect_close,
    expect_equal,
    from_data,
    observe,
    paired,
    record_tests,
    replaying,
    run_cases,
    to_data,
)

ROOT = Path(__file__).resolve().parents[1]
BOOK_LABELS = {label for path in (ROOT / "book").glob("*.md")
               for label in re.findall(r":label: ([\w-]+)", path.read_text())}


def test_every_checkable_label_is_an_exercise_of_the_book():
    assert set(EXERCISES) <= BOOK_LABELS
    assert len(EXERCISES) >= 15


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_the_books_answer_is_right(label, capsys):
    assert check(label, EXERCISES[label].expected) is True
    assert capsys.readouterr().out == f"{label}: right.\n"


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_a_wrong_answer_is_wrong_with_a_hint(label, capsys):
    expected = EXERCISES[label].expected
    if callable(expected):
        wrong = lambda *args: 2 * expected(*args) + 1.0
    else:
        wrong = tuple(2 * x + 1.0 for x in expected) if isinstance(expected, tuple) else 2 * expected + 1.0
    assert check(label, wrong) is False
    out = capsys.readouterr().out
    assert out.startswith(f"{label}: not yet. Expected ") and "Hint: " in out


def test_numbers_are_compared_to_three_digits(capsys):
    assert check("op-ex-bias", 3.16)
    assert not check("op-ex-bias", 3.1)
    assert check("ck-ex-halving", [20, 18]) and check("ck-ex-halving", np.array([20.0, 18.0]))


@pytest.mark.parametrize("label, given, says", [
    ("ck-ex-halving", 20, "give 2 numbers"),
    ("ch-ex-choose", "100", "give a number"),
    ("ch-ex-choose", True, "give a number"),
    ("ch-ex-choose", float("nan"), "give a number"),
    ("fg-ex-coordinate", 3.0, "give a formula"),
    ("fg-ex-coordinate", lambda n: n, "raised TypeError"),
    ("fg-ex-n2", lambda grad: "x", "your formula returns 'x' (str), not a real number"),
    ("fg-ex-n2", lambda grad: None, "your formula returns None"),
    ("fg-ex-n2", lambda grad: complex(grad @ grad), "not a real number"),
    ("ch-ex-choose", np.array(100 + 5j), "give a number"),
    ("ch-ex-choose", 100 + 0j, "give a number"),
    ("ck-ex-halving", ["20", "18"], "give 2 numbers"),
    ("ck-ex-halving", (True, 18), "give 2 numbers"),
])
def test_answers_of_the_wrong_kind_say_what_to_give(label, given, says, capsys):
    assert check(label, given) is False
    assert says in capsys.readouterr().out


def test_a_formula_is_checked_at_several_points(capsys):
    # right at the first point only: (n - 1) ||a||^2 = ||a||^2 for n = 2
    assert not check("fg-ex-coordinate", lambda n, grad: grad @ grad)
    assert "your formula gives" in capsys.readouterr().out


@pytest.mark.parametrize("label, word", [("ch-ex-chose", "did you mean 'ch-ex-choose'"), (3, "got 3")])
def test_unknown_labels_are_refused(label, word):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        check(label, 1.0)
    assert_names_argument(excinfo, "label", word)


def test_answer_reports_not_answered_undefined_and_crashes_in_one_line():
    def placeholder(x):
        raise NotImplementedError("f")

    with pytest.raises(AssertionError, match=f"^f: {exercises.NOT_ANSWERED}"):
        answer("f", placeholder, 1)
    with pytest.raises(AssertionError, match="^g is not defined: run the cell"):
        answer("g", None)
    with pytest.raises(AssertionError, match=r"^h\(\[1\., 1\., \.\.\., 1\., 1\.\]\) raised ZeroDivisionError"):
        answer("h", lambda x: 1 / 0, np.ones(10))
    assert answer("k", lambda x, y: x + y, 1, 2) == 3
    with pytest.raises(TypeError) as excinfo:
        answer("k", 3)
    assert_names_argument(excinfo, "k", "callable")


def test_expect_close_says_what_failed_what_was_expected_and_what_came_back():
    expect_close("ok", (np.ones(2), 1.0), (np.ones(2), 1.0 + 1e-12))
    with pytest.raises(AssertionError) as excinfo:
        expect_close("jvp on widths (2, 3)", (np.ones(2), np.zeros(3)), (np.ones(2), np.ones(3)))
    message = str(excinfo.value)
    assert message == "jvp on widths (2, 3): expected ([1., 1.], [1., 1., 1.]), got ([1., 1.], [0., 0., 0.])"
    assert "\n" not in message
    for wrong in [np.ones(3), "x", None, (np.ones(2),)]:
        with pytest.raises(AssertionError, match="expected"):
            expect_close("w", wrong, (np.ones(2), np.ones(3)))
    with pytest.raises(AssertionError, match="expected 3, got 3.000001"):
        expect_close("x", 3.000001, 3.0)
    with pytest.raises(ValueError) as excinfo:
        expect_close("x", 1.0, 1.0, rtol=-1.0)
    assert_names_argument(excinfo, "rtol")


def test_expect_equal_is_exact_and_never_takes_a_bool_for_a_count():
    expect_equal("n", 3, 3)
    expect_equal("pair", (2, 3), (2, 3))
    expect_equal("none", None, None)
    expect_equal("flag", True, np.bool_(True))
    for got, expected in [(True, 1), (1, True), (3, 4), ((2, 3), (2, 4)), (None, 0), (np.ones(2), np.ones(3))]:
        with pytest.raises(AssertionError, match="expected"):
            expect_equal("x", got, expected)


def test_the_answers_stored_are_the_books_numbers():
    assert EXERCISES["op-ex-bias"].expected == pytest.approx(3.1623, abs=1e-4)
    assert EXERCISES["tr-ex-by-hand"].expected == pytest.approx(2.540302, abs=1e-6)
    assert EXERCISES["fg-ex-sign-asymptotic"].expected[1] == pytest.approx(0.0997, abs=1e-4)
    # exact: a count, ceil(28.7), far from a rounding flip
    assert EXERCISES["ls-ex-golden"].expected == 1 + math.ceil(math.log(1e6) / math.log((1 + 5**0.5) / 2))


def test_the_answers_agree_with_the_library():
    from fgcourse.checkpointing import halving_step_calls, min_step_calls
    from fgcourse.forward_gradient import expected_sign_agreement, mean_squared_deviation, rademacher

    assert EXERCISES["ck-ex-halving"].expected == (halving_step_calls(12), min_step_calls(12, 4))
    assert EXERCISES["ck-ex-predict"].expected == (min_step_calls(20, 20), min_step_calls(20, 1), min_step_calls(20, 3))
    assert EXERCISES["fg-ex-sign-small"].expected == expected_sign_agreement(3)  # exact: 9/4 from halves and quarters
    grad = np.array([3.0, -1.0])
    assert EXERCISES["fg-ex-n2"].expected(grad) == pytest.approx(mean_squared_deviation(rademacher, grad))  # n = 2


@pytest.mark.parametrize("label", sorted(label for label, e in EXERCISES.items() if callable(e.expected)))
def test_a_formula_that_changes_its_inputs_is_judged_by_what_it_returns(label, capsys):
    expected = EXERCISES[label].expected

    def right_then_squares(*args):  # the right value, then it scribbles over its arrays
        value = expected(*args)
        for arg in args:
            if isinstance(arg, np.ndarray):
                arg **= 2
        return value

    def wrong_after_zeroing(*args):  # zeroes its arrays first, then computes the book's formula on them
        for arg in args:
            if isinstance(arg, np.ndarray):
                arg[:] = 0.0
        return expected(*args)

    assert check(label, right_then_squares) is True
    assert check(label, wrong_after_zeroing) is False
    assert [p for point in EXERCISES[label].points for p in point if isinstance(p, np.ndarray)
            and not np.any(p)] == [], "the stored points are never changed"


def test_answer_hands_the_learners_function_copies_of_its_inputs():
    inputs = [np.array([1.0, 2.0]), [np.array([3.0])]]

    def scribbles(a, nested):
        a[:] = -1.0
        nested[0][:] = -1.0
        nested.append(None)
        return 0.0

    answer("scribbles", scribbles, *inputs)
    np.testing.assert_array_equal(inputs[0], [1.0, 2.0])  # exact: untouched values
    assert len(inputs[1]) == 1 and inputs[1][0][0] == 3.0


@pytest.mark.parametrize("got, expected", [
    ((1.0, np.array([2.0, 3.0])), (1.0, [2.0, 3.0])),
    ([np.array([1.0]), (2.0, np.array([[3.0]]))], [[1.0], (2.0, [[3.0]])]),
    (np.float64(2.0), 2),
])
def test_expect_close_compares_nested_tuples_of_arrays(got, expected):
    expect_close("x", got, expected)


@pytest.mark.parametrize("got", ["1", True, np.bool_(True), 1 + 0j, np.array(1 + 0j), None, [1.0], (1.0, 2.0)])
def test_expect_close_never_takes_a_string_a_bool_or_a_complex_for_a_number(got):
    with pytest.raises(AssertionError, match="x: expected 1"):
        expect_close("x", got, 1.0)


@pytest.mark.parametrize("got", [[True, 2.0], [[1.0, np.bool_(True)], [1.0, 2.0]], [1.0, "2"], [1.0, 2 + 0j]])
def test_expect_close_never_reads_a_list_holding_a_bool_a_string_or_a_complex_as_numbers(got):
    with pytest.raises(AssertionError, match="x: expected"):
        expect_close("x", got, np.ones(np.shape(got)) if np.ndim(got) == 2 else [1.0, 2.0])


@pytest.mark.parametrize("got", [1 + 0j, np.complex128(1.0), np.array([1 + 0j])])
def test_expect_equal_never_takes_a_complex_for_a_real(got):
    with pytest.raises(AssertionError, match=r"x: expected \[?1"):
        expect_equal("x", got, 1 if np.ndim(got) == 0 else np.array([1]))


def test_a_failed_expectation_is_one_line_even_for_a_matrix():
    with pytest.raises(AssertionError) as excinfo:
        expect_close("J", np.ones((3, 3)), np.zeros((3, 3)))
    assert "\n" not in str(excinfo.value) and str(excinfo.value).startswith("J: expected [[0., 0., 0.], [0.")


@pytest.mark.parametrize("call, name, word", [
    (lambda: paired(None, [1.0]), "got", "NoneType"),
    (lambda: paired([1.0], 3), "want", "int"),
    (lambda: expect_cases([("x", 1.0)], [1.0]), "want[0]", "(what, value) pair"),
    (lambda: expect_cases([("x", 1.0)], [("x", 1.0)], rtol=-1.0), "rtol", ">= 0"),
    (lambda: expect_cases([("x", 1.0)], [("x", 1.0)], atol="0"), "atol", "str"),
    (lambda: expect_cases([("x", 1.0)], [("x", 1.0)], exact=1), "exact", "True or False"),
    (lambda: record_tests(None, {}), "tests", "mapping"),
    (lambda: record_tests({}, [1]), "namespace", "mapping"),
])
def test_the_test_writers_tools_name_bad_arguments(call, name, word):
    assert_refused(call, name, word)


# --- cases, run where the learner's code runs, and checked elsewhere ----------------------------------

def test_to_data_keeps_numbers_tuples_lists_and_arrays_as_they_were_through_json():
    import json

    value = ("label", 3, 2.5, True, None, [1, (2.0, np.int64(3))], np.arange(6.0).reshape(2, 3),
             np.array([True, False]), np.float32(0.5), np.bool_(False), float("nan"))
    back = from_data(json.loads(json.dumps(to_data(value))))
    assert isinstance(back, tuple) and isinstance(back[5], list) and isinstance(back[5][1], tuple)
    assert back[:4] == ("label", 3, 2.5, True) and back[4] is None and back[5] == [1, (2.0, 3)]
    assert back[6].dtype == np.float64 and back[6].shape == (2, 3) and np.array_equal(back[6], value[6])
    assert back[7].dtype == np.bool_ and back[8] == 0.5 and back[9] is False and math.isnan(back[10])
    assert type(back[5][1][1]) is int and type(back[3]) is bool


def test_what_is_not_data_comes_back_as_its_description_and_never_runs():
    back = from_data(to_data((lambda x: x, {"a": 1}, np.array([1j]), np.array([object()]))))
    assert all(isinstance(item, Opaque) for item in back)
    assert "callable" in repr(back[0]) and "complex" in repr(back[2])
    with pytest.raises(AssertionError, match="expected 1, got the callable <lambda>"):
        expect_close("f", back[0], 1.0)
    for forged in [{"pickle": "..."}, {"array": "object", "shape": [1], "data": [1]},
                   {"array": "float64", "shape": [2], "data": [1.0]}, {"array": "float64", "shape": [1], "data": ["x"]},
                   {"tuple": [1], "code": "print(1)"}, {"opaque": "x", "extra": 1}]:
        with pytest.raises(ValueError):
            from_data(forged)


def test_answers_have_a_size_cap():
    assert len(to_data(np.zeros(MAX_NUMBERS))["data"]) == MAX_NUMBERS
    with pytest.raises(AssertionError, match="too large to be graded"):
        to_data(np.zeros(MAX_NUMBERS + 1))
    record = run_cases(lambda f: iter([np.zeros(MAX_NUMBERS // 2 + 1)] * 2), [None])
    assert "too large" in record["error"]


def square_cases(square):
    from fgcourse.exercises import answer
    for x in (1.0, 2.0, 3.0):
        yield f"square({x})", answer("square", square, x)


def test_observe_runs_the_cases_and_expect_cases_compares_them_with_a_reference_run():
    expect_cases(observe(square_cases, lambda x: x * x), square_cases(lambda x: x**2))
    with pytest.raises(AssertionError, match=r"^square\(3.0\): expected 9, got 6"):
        expect_cases(observe(square_cases, lambda x: x + x if x > 2 else x * x), square_cases(lambda x: x**2))
    with pytest.raises(AssertionError, match=f"^square: {exercises.NOT_ANSWERED}"):
        observe(square_cases, lambda x: exec("raise NotImplementedError()"))
    with pytest.raises(AssertionError, match=r"square\(1\) raised ZeroDivisionError"):
        observe(square_cases, lambda x: 1 / 0)
    with pytest.raises(AssertionError, match="expected 3 results, got 2"):
        paired([1, 2], [1, 2, 3])


def test_observe_fails_an_answer_that_calls_its_answer_key_and_puts_the_library_back():
    from fgcourse import checkpointing
    from fgcourse.checkpointing import halving_step_calls

    def cases(halving_calls):
        from fgcourse.exercises import answer
        yield answer("halving_calls", halving_calls, 12)

    key = ["fgcourse.checkpointing.halving_step_calls"]
    assert observe(cases, lambda K: 20, answer_key=key) == [20]
    for lazy in (lambda K: checkpointing.halving_step_calls(K), lambda K: halving_step_calls(K)):
        with pytest.raises(AssertionError, match="halving_calls called fgcourse.checkpointing.halving_step_calls"):
            observe(cases, lazy, answer_key=key)
    assert checkpointing.halving_step_calls is halving_step_calls
    assert checkpointing.counts.halving_step_calls is halving_step_calls and halving_step_calls(12) == 20
    from fgcourse.optim import Adam

    direction = Adam.direction
    record = run_cases(lambda f: iter([f()]), [lambda: Adam().direction(np.ones(2), Adam().init(np.ones(2)), 1)[0]],
                       ["fgcourse.optim.Adam.direction"])
    assert record["answer_key_calls"] == ["fgcourse.optim.Adam.direction"] and Adam.direction is direction
    with pytest.raises(ValueError, match="answer_key"):
        run_cases(cases, [lambda K: 1], ["os.system"])
    assert_refused(lambda: run_cases(cases, [lambda K: 1], ["fgcourse.checkpointing.halving_stepcalls"]),
                   "answer_key", "fgcourse.checkpointing.halving_stepcalls", "names nothing")
    assert_refused(lambda: run_cases(cases, [lambda K: 1], "fgcourse.checkpointing.halving_step_calls"),
                   "answer_key", "sequence", error=TypeError)


def test_replaying_checks_a_record_made_elsewhere_without_running_the_cases():
    import json

    record = json.loads(json.dumps(record_tests(
        {"t": {"cases": "def cases(square):\n    yield 'square(2.0)', square(2.0)\n", "names": ["square"],
               "answer_key": []}}, {"square": lambda x: 5.0})))["t"]
    assert record == {"results": [{"tuple": ["square(2.0)", 5.0]}], "error": None, "answer_key_calls": []}

    def never(x):
        raise RuntimeError("the learner's code ran here")

    with replaying(record):
        assert observe(square_cases, never) == [("square(2.0)", 5.0)]
        with pytest.raises(AssertionError, match="expected 4, got 5"):
            expect_close("square(2.0)", observe(square_cases, never)[0][1], 4.0)
    with replaying({"results": [], "error": "square(1.0) raised KeyError: 'x'", "answer_key_calls": []}):
        with pytest.raises(AssertionError, match="raised KeyError"):
            observe(square_cases, never)
    broken = record_tests({"t": {"cases": "def cases(:", "names": [], "answer_key": []}}, {})["t"]
    assert "could not be loaded" in broken["error"]
    undefined = record_tests({"t": {"cases": "def cases(f):\n    yield f(1)\n", "names": ["f"], "answer_key": []}}, {})
    assert "TypeError" in undefined["t"]["error"]
