"""fgcourse.exercises: the prose exercises' self-checks, and the checks behind the notebooks' tests."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from strategies import assert_names_argument

from fgcourse import exercises
from fgcourse.exercises import EXERCISES, answer, check, expect_close, expect_equal

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
