"""The one vocabulary, made true in the code (CONTRIBUTING.md, "Vocabulary"): the success rule and the
message style of fgcourse._vocabulary, every result's fields against the fields table, every status a
module can return against the status table, and the rng rule (its position in every signature, and
no seed fixed inside a function).
"""

import ast
import dataclasses
import importlib
import inspect
import pathlib
import pkgutil
import re

import numpy as np
import pytest

import fgcourse
from fgcourse._vocabulary import FINISHED, REACHED, STATUSES, is_success, runs_message, status_message


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_success_is_doing_what_was_asked(status):
    # Asked for a tolerance, a target or conditions: only reaching them succeeds.
    assert is_success(status, target=True) is (status in ("converged", "satisfied"))
    # Asked for none: also spending the budget, or stopping where the direction is zero.
    assert is_success(status, target=False) is (status in ("converged", "satisfied", "max_iter", "max_evals",
                                                           "stationary"))


def test_the_success_rule_reads_arrays_of_statuses():
    statuses = np.array(["converged", "max_iter", "diverged", "non_finite"])
    assert is_success(statuses, target=True).tolist() == [True, False, False, False]
    assert is_success(statuses, target=False).tolist() == [True, True, False, False]
    assert set(REACHED) | set(FINISHED) <= set(STATUSES)


def test_one_message_style():
    assert status_message("converged", 41) == "converged after 41 iterations"
    assert status_message("max_iter", 1) == "max_iter after 1 iteration"
    assert status_message("satisfied", 3, "trial step", "alpha = 0.5") == "satisfied after 3 trial steps (alpha = 0.5)"
    assert runs_message(["max_iter", "converged", "converged"], STATUSES) == "3 runs: 2 converged, 1 max_iter"


# ------------------------------------------------------------------------------ the rng rule



LIBRARY = pathlib.Path(fgcourse.__file__).parent

RANDOMNESS = ("rng", "seed")
"""The parameters randomness comes through: ``rng`` everywhere, ``seed`` only where a grid stores it
(``make_grid``, ``starts``); a function takes at most one."""

PROBLEM = frozenset({
    # user functions and callables
    "f", "fs", "grad", "function", "model", "problems",
    # points, arrays and data
    "theta", "thetas", "x", "x0", "X", "y", "s0", "mu", "a", "start", "data", "setting", "settings", "functions",
    "loss", "params", "split",
    # a tangent law
    "law",
    # the sizes of what is computed on or drawn: a dimension, widths, a depth, rows of a batch
    "n", "ns", "dims", "m", "ms", "width", "widths", "depth", "batch", "shape",
})
"""The problem's arguments: what a function computes on. They come before ``rng``, never after it."""

EITHER_SIDE = frozenset({"optimizer", "optimizers", "gradient", "gradients", "lr", "lrs", "Bs", "factors", "rule",
                         "laws", "box"})
"""What a study runs or compares (an optimizer, its learning rate, an oracle kind, the laws or B's
compared) and the box a draw or a figure covers: part of the problem when given before ``rng``, an
option (keyword) after it."""


def public_functions():
    """``{qualified name: function}``: every public function of the library's modules, and every
    public method of their public classes (dataclass constructors are records, not functions)."""
    found = {}
    for info in pkgutil.walk_packages(fgcourse.__path__, "fgcourse."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        names = getattr(module, "__all__", [name for name in vars(module) if not name.startswith("_")])
        for name in names:
            value = getattr(module, name)
            if getattr(value, "__module__", None) != module.__name__:
                continue  # re-exported: checked in its home module
            if inspect.isfunction(value):
                found[f"{module.__name__}.{name}"] = value
            elif inspect.isclass(value):
                for attribute, method in vars(value).items():
                    if inspect.isfunction(method) and not attribute.startswith("_"):
                        found[f"{module.__name__}.{name}.{attribute}"] = method
    return found


FUNCTIONS = public_functions()
DRAWING = {name: function for name, function in FUNCTIONS.items()
           if set(RANDOMNESS) & set(inspect.signature(function).parameters)}


def test_the_rng_rule_sees_every_function_that_draws():
    # A sanity check of the scan: the functions named in CONTRIBUTING are in it.
    for name in ("fgcourse.forward_gradient.estimator.forward_gradient", "fgcourse.optim.minimize.minimize",
                 "fgcourse.chains.core.random_chain", "fgcourse.forward_gradient.laws.TangentLaw.sample",
                 "fgcourse.experiments.grid.starts", "fgcourse.training.loop.train"):
        assert name in DRAWING
    assert len(DRAWING) > 40


@pytest.mark.parametrize("name", sorted(DRAWING))
def test_rng_comes_right_after_the_problem_s_arguments(name):
    parameters = [p for p in inspect.signature(DRAWING[name]).parameters if p != "self"]
    randomness = [p for p in parameters if p in RANDOMNESS]
    assert len(randomness) == 1, f"{name} takes {randomness}: one rng only"
    at = parameters.index(randomness[0])
    before, after = parameters[:at], parameters[at + 1:]
    misplaced = [p for p in before if p not in PROBLEM | EITHER_SIDE]
    assert not misplaced, f"{name}: {misplaced} come before {randomness[0]} but are counts or options"
    late = [p for p in after if p in PROBLEM]
    assert not late, f"{name}: {late} come after {randomness[0]} but define the problem"


def library_calls():
    """``(module, enclosing function, call node)`` for every call in the library's sources."""
    for path in sorted(LIBRARY.rglob("*.py")):
        module = ".".join(path.relative_to(LIBRARY.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                name = getattr(function, "name", "<lambda>")
                for node in ast.walk(function):
                    if isinstance(node, ast.Call):
                        yield module, name, node


def callee(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


SEEDED_STREAMS = {("fgcourse._checks", "check_rng"), ("fgcourse.experiments.grid", "starts"),
                  ("fgcourse.experiments.runner", "compute_batch")}
"""The only places that make a Generator: check_rng from the caller's int seed, and a grid's
problems from its stored ``seed`` (one stream per problem, the same in every process)."""


def rng_positions() -> dict[str, int]:
    """``{short name: position of its rng among the arguments passed by position}`` of the library's functions."""
    positions = {}
    for name, function in DRAWING.items():
        parameters = [p for p in inspect.signature(function).parameters.values() if p.name != "self"]
        for index, parameter in enumerate(parameters):
            if parameter.name in RANDOMNESS and parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
                positions[name.rpartition(".")[2]] = index
    return positions


def test_no_function_fixes_a_seed_inside():
    # A default in the signature (rng=0) is visible and the caller's to change; a seed written in
    # a body is not: no Generator made there, no constant passed where a callee takes its rng.
    positions = rng_positions()
    makers, fixed = set(), []
    for module, function, node in library_calls():
        if callee(node) in ("default_rng", "RandomState", "SeedSequence", "seed"):
            makers.add((module, function))
        if callee(node) in ("key", "PRNGKey") and node.args and isinstance(node.args[0], ast.Constant):
            fixed.append(f"{module}.{function}: {callee(node)}({node.args[0].value!r})")  # a JAX key
        for keyword in node.keywords:
            if keyword.arg in RANDOMNESS and isinstance(keyword.value, ast.Constant):
                fixed.append(f"{module}.{function}: {keyword.arg}={keyword.value.value!r}")
        at = positions.get(callee(node))
        if at is not None and at < len(node.args) and isinstance(node.args[at], ast.Constant):
            fixed.append(f"{module}.{function}: {callee(node)}(..., {node.args[at].value!r}, ...)")
    assert makers <= SEEDED_STREAMS, f"a Generator made outside check_rng and the grid: {makers - SEEDED_STREAMS}"
    assert not fixed, f"a seed fixed inside: {fixed}"


def test_the_seed_scan_finds_a_fixed_seed():
    source = "def f(x):\n    rng = np.random.default_rng(0)\n    return g(x, rng=3, key=jax.random.key(1))\n"
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    assert "default_rng" in [callee(node) for node in calls]
    assert any(callee(node) == "key" and isinstance(node.args[0], ast.Constant) for node in calls)
    assert any(k.arg == "rng" and isinstance(k.value, ast.Constant) for node in calls for k in node.keywords)


# --------------------------------------------------------------------- fields and status words


CONTRIBUTING = LIBRARY.parent / "CONTRIBUTING.md"


def markdown_table(heading: str) -> list[list[str]]:
    """The rows (cells, header and separator left out) of the first table after ``heading`` in CONTRIBUTING.md."""
    lines = CONTRIBUTING.read_text().splitlines()
    start = lines.index(heading)
    rows, inside = [], False
    for line in lines[start + 1:]:
        if line.startswith("|"):
            inside = True
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif inside:
            break
    return rows[2:]


def table_words(heading: str) -> set[str]:
    """The words in backticks of the first column of the table after ``heading``."""
    return {word for row in markdown_table(heading) for word in re.findall(r"`([^`]+)`", row[0])}


SHARED_FIELDS = table_words("### Results")
STATUS_WORDS = table_words("### Status words")

MODULE_FIELDS = {
    "OptimizeResult": {},
    "DescentResult": {},
    "StepResult": {"slope": "φ'(alpha), or None when the search did not need it",
                   "trials": "the step lengths α at which φ was evaluated, in order"},
    "BracketResult": {"history": "the bracket after every iteration (BracketStep), the initial one first"},
    "TrainResult": {"setting": "what was trained and how (model, optimizer, lr, oracle, law, B, budget)",
                    "train_loss": "the loss on the whole training set at each recorded point",
                    "val_loss": "the validation loss at each recorded point",
                    "val_accuracy": "the validation accuracy at each recorded point",
                    "seconds": "the time spent in steps so far, at each recorded point"},
    "RunTable": {"model": "a run's setting, as train's arguments", "lr": "a run's setting, as train's arguments",
                 "law": "a run's setting, as train's arguments", "B": "a run's setting, as train's arguments",
                 "max_iter": "a run's setting, as train's arguments", "seed": "the int seed the run was trained with",
                 "run": "the run an evaluation row belongs to", "train_loss": "as in TrainResult",
                 "val_loss": "as in TrainResult", "val_accuracy": "as in TrainResult", "seconds": "as in TrainResult"},
    "Stats": {"reverse_steps": "VJPs of a step (one per step of the chain)",
              "timeline": "the machine's events in order, for the figures"},
    "WhileLoopResult": {"s_K": "the chain's last state", "r_0": "the adjoint of s_0 (the book's r_0)",
                        "K": "the number of steps the loop ran", "stats": "the machine's Stats",
                        "optimal_step_calls": "min_step_calls(K, q), the offline optimum, to compare with"},
    "NestedRun": {"mode": "'reverse' or 'forward'", "value": "F_n(x)", "derivative": "F_n'(x)",
                  "derivative_calls": "calls of F_0': VJPs in reverse mode, JVPs in forward mode"},
    "ReversibleRun": {"r_0": "the adjoint of s_0", "s_K": "the chain's last state",
                      "inverse_calls": "calls of the steps' inverses",
                      "drift": "the largest |s_0 rebuilt by the inverses − s_0|"},
}
"""Fields that one kind of result has, with their meaning: the documented list beside CONTRIBUTING's table."""


def result_classes():
    """Every dataclass of the library that records a run: named *Result or *Run, the machine's Stats,
    and the stored table of training runs."""
    found = {}
    for info in pkgutil.walk_packages(fgcourse.__path__, "fgcourse."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__
                    and (name.endswith(("Result", "Run")) or name in ("Stats", "RunTable"))):
                found[name] = value
    return found


RESULTS = result_classes()


def test_contributing_has_the_two_tables():
    assert {"x", "fun", "nit", "success", "status", "message", "gradient", "g", "nit_path"} <= SHARED_FIELDS
    assert {"converged", "max_iter", "diverged", "non_finite"} <= STATUS_WORDS


def test_every_result_kind_is_listed():
    assert set(RESULTS) == set(MODULE_FIELDS)


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_fields_are_the_vocabulary_s(name):
    fields = [field.name for field in dataclasses.fields(RESULTS[name])]
    unknown = [field for field in fields if field not in SHARED_FIELDS and field not in MODULE_FIELDS[name]]
    assert not unknown, f"{name} has fields in neither CONTRIBUTING's table nor MODULE_FIELDS: {unknown}"
    shadowing = [field for field in MODULE_FIELDS[name] if field in SHARED_FIELDS]
    assert not shadowing, f"{name}: {shadowing} are shared words, not module-specific ones"
    stale = [field for field in MODULE_FIELDS[name] if field not in fields]
    assert not stale, f"MODULE_FIELDS lists fields {name} does not have: {stale}"


def status_tuples():
    """``{module.NAME: words}`` for every ``*_STATUSES`` tuple of the library."""
    found = {}
    for info in pkgutil.walk_packages(fgcourse.__path__, "fgcourse."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.endswith("_STATUSES") and isinstance(value, tuple):
                found[f"{module.__name__}.{name}"] = value
    return found


def test_the_status_table_is_the_vocabulary_s_list():
    assert STATUS_WORDS == set(STATUSES)


@pytest.mark.parametrize("name, words", sorted(status_tuples().items()))
def test_every_status_a_module_returns_is_in_the_table(name, words):
    assert set(words) <= STATUS_WORDS, f"{name} has words CONTRIBUTING does not define: {set(words) - STATUS_WORDS}"


def test_the_status_tuples_are_found():
    assert {"fgcourse.optim.minimize.OPTIMIZE_STATUSES", "fgcourse.training.loop.TRAIN_STATUSES",
            "fgcourse.linesearch.descent.DESCENT_STATUSES", "fgcourse.linesearch.inexact.STEP_STATUSES",
            "fgcourse.linesearch.exact.EXACT_STATUSES"} <= set(status_tuples())


def test_the_blown_up_statuses_are_words_of_the_table_and_never_a_success():
    from fgcourse._vocabulary import BLOWN_UP, STATUSES, is_success

    assert set(BLOWN_UP) <= set(STATUSES)
    assert not any(is_success(status, target=target) for status in BLOWN_UP for target in (False, True))
