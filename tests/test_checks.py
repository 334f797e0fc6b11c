"""Tests of fgcourse._checks (the one argument-checking module) and of library-wide conventions."""

import ast
import importlib
import pathlib
import pkgutil

import autograd.numpy as anp
import numpy as np
import pytest
from strategies import (
    NOT_COUNTS,
    NOT_REALS,
    NOT_RNGS,
    assert_names_argument,
    assert_refused,
    nan_function,
    plain_numpy_function,
    string_function,
)

import fgcourse
from fgcourse import _checks as checks
from fgcourse._vocabulary import STATUSES

LIBRARY = pathlib.Path(fgcourse.__file__).parent


# ------------------------------------------------------------------------ the message contract

BAD_CALLS = [
    (lambda: checks.check_int("K", 0, minimum=1), "K", ">= 1"),
    (lambda: checks.check_int("K", True, minimum=1), "K", "bool"),
    (lambda: checks.check_int("K", 2.0), "K", "float"),
    (lambda: checks.check_int("K", 11, maximum=10), "K", "<= 10"),
    (lambda: checks.check_real("tol", "1"), "tol", "str"),
    (lambda: checks.check_real("tol", 1j), "tol", "complex"),
    (lambda: checks.check_real("tol", float("nan")), "tol", "finite"),
    (lambda: checks.check_positive("lr", 0.0), "lr", "> 0"),
    (lambda: checks.check_open_interval("c1", 2.0, 0.0, 1.0), "c1", "(0, 1)"),
    (lambda: checks.check_bool("strong", "no"), "strong", "True or False"),
    (lambda: checks.check_option("optimizer", "adm", ("adam", "sgd")), "optimizer", "did you mean 'adam'"),
    (lambda: checks.check_option("optimizer", 3, ("adam", "sgd")), "optimizer", "int"),
    (lambda: checks.check_callable("f", 3, "array -> scalar"), "f", "array -> scalar"),
    (lambda: checks.check_rng("rng", None), "rng", "Generator"),
    (lambda: checks.check_rng("rng", -1), "rng", ">= 0"),
    (lambda: checks.check_array("s0", [1j, 2]), "s0", "complex"),
    (lambda: checks.check_array("s0", [[1, 2], [3]]), "s0", "real numbers"),
    (lambda: checks.check_array("s0", ["a"]), "s0", "strings"),
    (lambda: checks.check_array("s0", [np.inf]), "s0", "finite"),
    (lambda: checks.check_array("v", np.ones(3), shape=(2,), against="s0"), "v", "shape of s0"),
    (lambda: checks.check_array("X", np.ones(3), ndim=2), "X", "2-d"),
    (lambda: checks.check_vector("grad", []), "grad", "at least 1"),
    (lambda: checks.check_sequence("widths", 3, what="widths"), "widths", "sequence"),
    (lambda: checks.check_sequence("widths", [], what="widths"), "widths", "at least 1"),
    (lambda: checks.check_sequence("widths", [1, 0], lambda n, x: checks.check_int(n, x, minimum=1)),
     "widths[1]", ">= 1"),
    (lambda: checks.check_instance("schedule", 3, tuple, "a Schedule"), "schedule", "a Schedule"),
    (lambda: checks.check_positive_diagonal("a", [1.0, 0.0]), "a", "positive"),
    (lambda: checks.check_positive_diagonal("a", [[1.0]]), "a", "1-d"),
    (lambda: checks.check_interval("domain", (1.0, 1.0)), "domain", "low < high"),
    (lambda: checks.check_interval("domain", (0.0, 1.0, 2.0)), "domain", "at most 2"),
    (lambda: checks.check_box("box", ((0.0, 1.0),)), "box", "at least 2"),
    (lambda: checks.check_box("box", ((0.0, 1.0), (2.0, "3"))), "box[1][1]", "real number"),
    (lambda: checks.check_output("f", "x", ()), "f", "real numbers"),
    (lambda: checks.check_output("f", np.ones(2), ()), "f", "scalar"),
    (lambda: checks.check_output("f", np.nan, ()), "f", "inf or NaN"),
    (lambda: checks.check_output("f", 1j, ()), "f", "complex"),
]


@pytest.mark.parametrize("call, name, word", BAD_CALLS)
def test_every_check_names_the_argument_what_is_accepted_and_what_was_given(call, name, word):
    excinfo = assert_refused(call, name, word)
    assert str(excinfo.value).startswith(name), "the message starts with the argument's name"


@pytest.mark.parametrize("value", NOT_COUNTS)
def test_counts_refuse_bools_floats_strings_none_and_complex(value):
    with pytest.raises(TypeError):
        checks.check_int("K", value, minimum=1)


@pytest.mark.parametrize("value", NOT_REALS)
def test_reals_refuse_bools_strings_none_complex_and_lists(value):
    with pytest.raises(TypeError):
        checks.check_real("tol", value)


@pytest.mark.parametrize("value", NOT_RNGS)
def test_the_rng_rule_refuses_everything_but_seeds_and_generators(value):
    with pytest.raises(TypeError):
        checks.check_rng("rng", value)


def test_accepted_forms_come_back_canonical():
    assert checks.check_int("K", np.int64(3)) == 3 and type(checks.check_int("K", np.int64(3))) is int
    assert checks.check_int("K", np.array(4)) == 4
    assert checks.check_real("tol", np.float32(0.5)) == 0.5
    assert checks.check_real("c", float("inf"), finite=False) == float("inf")
    assert isinstance(checks.check_rng("rng", 3), np.random.Generator)
    generator = np.random.default_rng(0)
    assert checks.check_rng("rng", generator) is generator
    assert checks.check_bool("strong", np.bool_(True)) is True
    assert checks.check_sequence("Ks", range(3)) == (0, 1, 2)
    assert checks.check_box("box", np.array([[0, 1], [-2, 2]])) == ((0.0, 1.0), (-2.0, 2.0))  # hashable: a cache key
    assert checks.check_positive_diagonal("a", [1, 2]).dtype == float


def test_check_array_copies_so_callers_and_library_never_share_memory():
    given = np.ones(3)
    checked = checks.check_array("x", given)
    checked[0] = 5.0
    assert given[0] == 1.0


def test_check_array_accepts_free_dimensions_in_shape():
    assert checks.check_array("X", np.ones((4, 2)), shape=(None, 2)).shape == (4, 2)


# ------------------------------------------------------------------------- user functions

def test_a_plain_numpy_function_is_named_and_told_to_use_autograd_numpy():
    with pytest.raises(TypeError) as excinfo:
        checks.user_vjp("f", plain_numpy_function, np.ones((3, 2)))
    assert_names_argument(excinfo, "f", "autograd.numpy")


def test_a_function_using_math_is_named_and_told_to_use_autograd_numpy():
    import math

    with pytest.raises(TypeError) as excinfo:
        checks.user_jvp("f", lambda x: math.sin(x[0]), np.ones(2), np.ones(2))
    assert_names_argument(excinfo, "f", "autograd.numpy")


@pytest.mark.parametrize("returned, words", [
    ("abc", ("must return real numbers", "'abc' (str)")),
    (None, ("must return real numbers", "None")),
    (1 + 2j, ("must return real numbers", "complex")),
])
def test_a_function_returning_no_number_is_told_so_not_told_about_autograd(returned, words):
    # Where autograd cannot trace the value (forward mode, not a number), the trace is refused with
    # what f returned; where it can (reverse mode, a complex), check_output refuses the value.
    for trace, index in ((lambda f: checks.user_jvp("f", f, np.ones(2), np.ones(2)), 0),
                         (lambda f: checks.user_vjp("f", f, np.ones(2)), 1)):
        with pytest.raises(TypeError) as excinfo:
            checks.check_output("f", trace(lambda x: returned)[index], ())
        assert_names_argument(excinfo, "f", *words)
        assert "autograd" not in str(excinfo.value)


def test_an_autograd_failure_is_one_line_without_autograds_traceback():
    import math

    with pytest.raises(TypeError) as excinfo:
        checks.user_vjp("f", lambda x: math.sin(x[0]), np.ones(2))
    assert "\n" not in str(excinfo.value)
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__


def test_a_failing_user_function_keeps_its_error_kind_and_is_named():
    def broken(x):
        raise ValueError("outside my domain")

    with pytest.raises(ValueError) as excinfo:
        checks.call_user("phi", broken, 1.0)
    assert_names_argument(excinfo, "phi", "outside my domain")


@pytest.mark.parametrize("function, error", [(nan_function, ValueError), (string_function, TypeError)])
def test_outputs_of_user_functions_are_checked(function, error):
    with pytest.raises(error) as excinfo:
        checks.check_output("f", function(np.ones(2)), ())
    assert_names_argument(excinfo, "f")


def test_user_vjp_and_jvp_agree_with_autograd():
    def f(x):
        return anp.sum(anp.sin(x) * x)

    x, v = np.array([0.3, -1.2]), np.array([1.0, 2.0])
    pullback, value = checks.user_vjp("f", f, x)
    _, tangent = checks.user_jvp("f", f, x, v)
    assert np.isclose(pullback(1.0) @ v, tangent)
    assert np.isclose(value, f(x))


# ------------------------------------------------------------------- library-wide conventions

def _library_sources():
    return sorted(LIBRARY.rglob("*.py"))


def test_no_module_imports_another_modules_underscore_names():
    offenders = []
    for path in _library_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                offenders += [f"{path.relative_to(LIBRARY)}: {alias.name}" for alias in node.names
                              if alias.name.startswith("_") and alias.name != "__version__"]
    assert not offenders, offenders


def _modules():
    for info in pkgutil.walk_packages(fgcourse.__path__, "fgcourse."):
        yield importlib.import_module(info.name)


def test_every_status_word_of_the_library_is_in_the_vocabulary():
    used = {}
    for module in _modules():
        for name, value in vars(module).items():
            if name.endswith("STATUSES") and isinstance(value, tuple):
                used[f"{module.__name__}.{name}"] = set(value)
    assert used, "every module with results declares its STATUSES"
    for where, words in used.items():
        assert words <= set(STATUSES), f"{where} uses words outside the vocabulary: {words - set(STATUSES)}"


def test_the_version_has_one_source():
    import importlib.metadata

    assert importlib.metadata.version("fgcourse") == fgcourse.__version__
    pyproject = (pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and fgcourse.__version__ not in pyproject
