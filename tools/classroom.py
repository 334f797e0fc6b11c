"""The classroom kit: hand out the exercise notebooks and grade a whole class offline.

    python tools/classroom.py assign [--force] [--out DIR] [--no-run-tests] [CHAPTER ...]
    python tools/classroom.py grade SUBMISSIONS [--classroom DIR] [--timeout S] [--memory GIB] [--jobs N]
                                    [--chapters CHAPTER ...] [--unsafe]

``assign`` runs otter assign on every master notebook ``instructors/masters/<chapter>.ipynb``
into ``<out>/<chapter>/student/<chapter>.ipynb`` and ``<out>/<chapter>/autograder/`` (otter's
layout). It never touches an output folder that exists unless ``--force`` (an instructor's
edited copies must never be lost) and builds the chapters that are missing, so a second run
resumes where a failed one stopped.

``grade`` grades every learner folder of SUBMISSIONS with the tests of the autograder zips, and
never runs a learner's code in its own process. Each notebook, recognised by the assignment named
in its metadata, runs in a sandbox of its own (tools/sandbox.py: bubblewrap, a private folder
holding only a copy of it, no network, limits on time, memory, processes and files), where
tools/grade_notebook.py executes it and then calls its functions on each test's inputs (the
test's ``cases``); only their return values come out, as data. The tests' checks then run here,
on those values, against references computed here: the expected values and the tolerances never
enter a sandbox. A learner's function that calls the library function answering its question
scores 0 for it. Before grading, the checks that otter does not make: a link, a file too large, not
valid JSON, a notebook of no graded assignment, an edited ``grader.check`` cell (or otter's setup
cell); after: a kernel that died, a limit reached. Each gives a row saying so, and the run goes
on. A chapter a learner did not hand in counts 0. The results go to SUBMISSIONS/grades.csv (one
row per learner and question: submission, question, score, max_score, message) and
SUBMISSIONS/grades.md, the only files grading writes there; a previous pair is copied under
CLASSROOM/previous-grades/ first.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import csv
import errno
import inspect
import json
import os
import queue
import re
import shutil
import stat
import symtable
import sys
import tempfile
import textwrap
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MASTERS = ROOT / "instructors" / "masters"
DEFAULT_OUT = ROOT / "_build" / "classroom"
CHECK_CALL = re.compile(r"""^\s*grader\.check\(\s*["']([^"']+)["']\s*\)\s*$""")
TIME_LIMIT = 120.0  # seconds per notebook
MEMORY_LIMIT = 2.0  # GiB per notebook
JOBS = 2  # notebooks graded at a time
MAX_NOTEBOOK = 64 * 2**20  # bytes: a notebook with outputs is rarely a few MB
MAX_CELL = 300  # characters of a learner's text (a name, an error message) kept in a report cell
NO_NOTEBOOK = "no notebook for this chapter: 0 points"
UNSAFE_WARNING = ("graded with --unsafe: the notebooks ran without the sandbox, in the grader's account, with its "
                  "files and network in reach; grade this way only notebooks you trust")


class ClassroomError(Exception):
    """A refusal or a misconfiguration, reported to the instructor as one line."""


def chapters() -> list[str]:
    """The chapters that have a master exercise notebook, in alphabetical order."""
    return sorted(path.stem for path in MASTERS.glob("*.ipynb"))


# --- otter assign -------------------------------------------------------------------------------

def assign(out: Path = DEFAULT_OUT, names=None, force: bool = False, run_tests: bool = True) -> list[Path]:
    """Build the student copy and the autograder of each chapter in ``names`` (default: all).

    Resumes: a chapter whose output folder exists is kept as it is (it may hold an instructor's
    edited copies) unless ``force``, and every missing chapter is built. Each chapter is built in
    a scratch folder and moved into place only once otter succeeded, so a failure leaves nothing
    half-built; the other chapters are still built, and the failures are reported together at
    the end. Returns the folders built.
    """
    import otter.assign

    names = list(names or chapters())
    unknown = [name for name in names if name not in chapters()]
    if unknown:
        raise ClassroomError(f"no master notebook for {unknown} in {MASTERS} (known: {chapters()})")
    out = Path(out).resolve()
    kept = [name for name in names if (out / name).exists() and not force]
    if kept:
        print(f"kept {', '.join(str(out / name) for name in kept)}: refusing to overwrite what exists, since it "
              "may hold edited copies. Move it away, or run again with FORCE=1 to rebuild it.", file=sys.stderr)
    built, failed = [], []
    for name in names:
        if name in kept:
            continue
        scratch = out / f".{name}.partial"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(sys.stderr):  # otter's logos and kernel warnings: stdout is our report
                otter.assign.main(str(MASTERS / f"{name}.ipynb"), str(scratch), no_pdfs=True,
                                  no_run_tests=not run_tests)
            load_assignment(out, name, scratch)  # its tests must be gradable: cases and checks
        except ClassroomError as error:
            shutil.rmtree(scratch, ignore_errors=True)
            failed.append(f"{name}.ipynb cannot be graded (nothing of it was written): {error}")
            continue
        except Exception as error:  # otter reports a failing solution or a malformed master this way
            shutil.rmtree(scratch, ignore_errors=True)
            failed.append(f"otter assign failed on {name}.ipynb (nothing of it was written):\n{error}")
            continue
        shutil.rmtree(out / name, ignore_errors=True)
        scratch.rename(out / name)
        built.append(out / name)
        checked = "solutions checked" if run_tests else "solutions not checked"
        print(f"{name}: {out / name}/student/{name}.ipynb and autograder/ ({checked}, "
              f"{time.perf_counter() - start:.1f} s)")
    if failed:
        done = f"built {len(built)} of {len(names)} chapters; " if built else ""
        raise ClassroomError(done + "\n".join(failed))
    return built


# --- what a chapter's assignment holds -----------------------------------------------------------

@dataclass(frozen=True)
class Test:
    """One test cell of a question: its check, run here, and its cases, run in the learner's sandbox."""

    id: str  # "<question>/<test function>"
    question: str
    hidden: bool
    points: float
    check: Callable  # the test function: compares the replayed results with its reference, in this process
    cases: str  # the source of its cases function: the only part of the test that runs with the learner's code
    names: tuple[str, ...]  # the functions of the notebook that the cases take


@dataclass(frozen=True)
class Assignment:
    """One chapter as handed out: its questions with their points and answer keys, its tests, and the
    cells a learner must not edit."""

    chapter: str
    autograder: Path
    questions: tuple[tuple[str, float], ...]
    protected: tuple[tuple[str, str], ...]  # (question or "" for the setup cell, source)
    tests: tuple[Test, ...] = ()
    answer_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (question, library functions that answer it)

    def answer_key(self, question: str) -> tuple[str, ...]:
        return dict(self.answer_keys).get(question, ())

    def plan(self) -> dict:
        """What the sandbox gets of the tests: each test's cases, the names they take, the answer key."""
        return {test.id: {"cases": test.cases, "names": list(test.names),
                          "answer_key": list(self.answer_key(test.question))} for test in self.tests}


def _cases_of(source: str, function: str, where: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(the cases source, the names it takes, the answer key) of the test ``function`` in a test file."""
    tree = ast.parse(source)
    test = next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == function), None)
    if test is None:
        raise ClassroomError(f"{where}: no test function {function}")
    cases = [node for node in test.body if isinstance(node, ast.FunctionDef) and node.name == "cases"]
    calls = [node for node in ast.walk(test) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id == "observe"]
    if len(cases) != 1 or len(calls) != 1:
        raise ClassroomError(f"{where}: {function} must define one `cases` function and call `observe` once (see "
                             "'Adding a question' in book/teaching.md), then run `make classroom FORCE=1`")
    key = next((keyword.value for keyword in calls[0].keywords if keyword.arg == "answer_key"), None)
    try:
        answer_key = tuple(ast.literal_eval(key)) if key is not None else ()
    except ValueError:
        answer_key = None
    if answer_key is None or not all(isinstance(n, str) and n.startswith("fgcourse.") for n in answer_key):
        raise ClassroomError(f"{where}: {function}: answer_key must be a literal list of library names "
                             "such as \"fgcourse.chains.jvp\"")
    text = textwrap.dedent(ast.get_source_segment(source, cases[0]))
    outside = _global_names(text) - set(dir(builtins))
    if outside:
        raise ClassroomError(f"{where}: the cases of {function} use {sorted(outside)} from outside: grading runs "
                             "them alone, so they must import or define everything they use")
    return text, tuple(arg.arg for arg in cases[0].args.args), answer_key


def _global_names(source: str) -> set[str]:
    """The names a function's source reads from outside itself (not its locals, arguments or imports)."""
    names = set()

    def walk(table):
        names.update(symbol.get_name() for symbol in table.get_symbols() if symbol.is_global())
        for child in table.get_children():
            walk(child)

    for child in symtable.symtable(source, "<cases>", "exec").get_children():
        walk(child)
    return names


def load_assignment(classroom: Path, chapter: str, folder: Path | None = None) -> Assignment:
    """Read ``classroom/<chapter>`` (or ``folder``): the autograder zip's tests and the student copy's
    locked cells. A test that is not written as cases and checks is refused."""
    import nbformat
    from otter.nbmeta_config import NBMetadataConfig
    from otter.test_files import create_test_file

    folder = Path(folder or Path(classroom) / chapter)
    zips = sorted((folder / "autograder").glob(f"{chapter}-autograder_*.zip"))
    student = folder / "student" / f"{chapter}.ipynb"
    if not zips or not student.is_file():
        raise ClassroomError(f"{folder} has no autograder zip or student copy: run `make classroom` first")
    points, tests, keys = {}, [], {}
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(zips[-1]) as archive:
        for member in sorted(archive.namelist()):
            if not (member.startswith("tests/") and member.endswith(".py")):
                continue
            path = archive.extract(member, scratch)
            source = Path(path).read_text()
            test_file = create_test_file(path, NBMetadataConfig())
            points[test_file.name] = float(sum(case.points for case in test_file.test_cases))
            for case in test_file.test_cases:
                function = case.body.test_func
                cases, names, answer_key = _cases_of(source, function.__name__, f"{chapter}/{member}")
                keys[test_file.name] = tuple(dict.fromkeys(keys.get(test_file.name, ()) + answer_key))
                tests.append(Test(f"{test_file.name}/{function.__name__}", test_file.name, bool(case.hidden),
                                  float(case.points), function, cases, names))
    notebook = nbformat.read(student, as_version=4)
    protected, order = [], []
    for cell in notebook.cells:
        if cell.cell_type != "code" or cell.metadata.get("editable", True):
            continue
        match = CHECK_CALL.match(cell.source)
        protected.append((match.group(1) if match else "", cell.source.strip()))
        if match and match.group(1) in points:
            order.append(match.group(1))
    order += [name for name in sorted(points) if name not in order]
    return Assignment(chapter, zips[-1], tuple((name, points[name]) for name in order), tuple(protected),
                      tuple(sorted(tests, key=lambda t: (order.index(t.question), t.hidden))),
                      tuple((name, keys.get(name, ())) for name in order))



def filled_copy(classroom: Path, chapter: str, answers: dict | None = None):
    """The handed-out notebook with every answer cell filled in, as a learner would hand it in.

    Each answer cell gets the autograder notebook's solution, or ``answers[question]`` when
    given (the source of that question's answer cell). To check an autograder with its own
    solution, and to build synthetic classes for tests and benchmarks.
    """
    import nbformat

    folder = Path(classroom) / chapter
    student = nbformat.read(folder / "student" / f"{chapter}.ipynb", as_version=4)
    solution = nbformat.read(folder / "autograder" / f"{chapter}.ipynb", as_version=4)
    answers = dict(answers or {})
    for index, cell in enumerate(student.cells):
        if "otter_answer_cell" not in cell.metadata.get("tags", []):
            continue
        question = next((m.group(1) for later in student.cells[index:]
                         if (m := CHECK_CALL.match(later.source)) and later.cell_type == "code"), None)
        cell.source = answers.pop(question) if question in answers else solution.cells[index].source
    if answers:
        raise ClassroomError(f"no answer cell for {sorted(answers)} in {chapter}")
    return student


# --- a learner's notebooks ----------------------------------------------------------------------------

def _read_notebook(path: Path) -> tuple[bytes | None, str]:
    """The bytes of the notebook at ``path``, or why it is not read: never through a link, never more
    than MAX_NOTEBOOK bytes, never anything but a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        why = "a link, not a file" if error.errno == errno.ELOOP else f"could not be read ({error.strerror})"
        return None, f"{why}: not graded"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file: not graded"
        if info.st_size > MAX_NOTEBOOK:
            return None, (f"too large ({info.st_size / 2**20:.0f} MB, more than the {MAX_NOTEBOOK / 2**20:.0f} MB a "
                          "notebook may have): not graded; ask the learner to clear its outputs and hand it in again")
        return handle.read(MAX_NOTEBOOK + 1), ""


def _parse(data: bytes):
    """(the notebook, its assignment name or None) or (None, why it cannot be graded)."""
    import nbformat

    try:
        json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        return None, f"not valid JSON ({error}): the file is damaged, not graded; ask the learner for a new copy"
    try:
        notebook = nbformat.reads(data.decode(), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds of validation errors
        return None, f"not a Jupyter notebook ({str(error).splitlines()[0]}): not graded"
    name = notebook.get("metadata", {}).get("otter", {}).get("assignment_name")
    return notebook, name if isinstance(name, str) else None


@dataclass(frozen=True)
class _Submission:
    learner: str
    chapter: str
    path: Path
    data: bytes | None
    notebook: object
    problem: str


def _learners(submissions: Path) -> list[Path]:
    """The learner folders of SUBMISSIONS (names starting with . or _ left out; a link is listed, not read)."""
    try:
        entries = sorted(os.scandir(submissions), key=lambda entry: entry.name)
    except OSError as error:
        raise ClassroomError(f"SUBMISSIONS={submissions} cannot be read ({error.strerror})") from None
    learners = [Path(entry.path) for entry in entries
                if entry.is_dir() and not entry.name.startswith((".", "_"))]
    if not learners:
        raise ClassroomError(f"SUBMISSIONS={submissions} holds no learner folder: it must hold one folder per "
                             "learner, each with the notebooks as handed out")
    return learners


def _collect(learner: Path, chapters, rows: list) -> dict:
    """{chapter: _Submission} of one learner, each notebook recognised by the assignment named in its
    metadata (a damaged one by its file name); a row for each file that is not graded."""
    if learner.is_symlink():
        rows.append(Row(learner.name, "(folder)", 0.0, 0.0, "the folder is a link: not read, not graded"))
        return {}
    try:
        paths = sorted(Path(entry.path) for entry in os.scandir(learner) if entry.name.endswith(".ipynb"))
    except OSError as error:
        rows.append(Row(learner.name, "(folder)", 0.0, 0.0, f"the folder could not be read ({error.strerror})"))
        return {}
    candidates = {}
    for path in paths:
        data, problem = _read_notebook(path)
        notebook, name = None, None
        if data is not None:
            notebook, name = _parse(data)
            if notebook is None:
                problem, name = name, None
        chapter = name if notebook is not None else path.stem
        if chapter not in chapters:
            if problem:
                why = problem
            elif name:
                why = f"the {name!r} assignment, not one of those graded ({', '.join(sorted(chapters))}): not graded"
            else:
                why = "not one of the handed-out assignments (no assignment name in its metadata): not graded"
            rows.append(Row(learner.name, path.name, 0.0, 0.0, f"{path.name}: {why}"))
            continue
        candidates.setdefault(chapter, []).append(
            _Submission(learner.name, chapter, path, None if problem else data, notebook, problem))
    found = {}
    for chapter, group in candidates.items():
        group.sort(key=lambda s: (bool(s.problem), s.path.stem != chapter, s.path.name))
        found[chapter] = group[0]
        for other in group[1:]:
            rows.append(Row(learner.name, other.path.name, 0.0, 0.0, f"{other.path.name}: another notebook of the "
                            f"{chapter} assignment, not graded ({group[0].path.name} was graded)"))
    return found


def _edited_cells(notebook, assignment: Assignment) -> set[str]:
    """Questions whose grader.check cell was edited or removed; "" stands for otter's setup cell."""
    sources = [cell.source.strip() for cell in notebook.cells if cell.cell_type == "code"]
    edited, position = set(), 0
    for question, source in assignment.protected:
        try:
            position = sources.index(source, position) + 1
        except ValueError:
            edited.add(question)
    return edited


# --- scores, computed here from the learner's results -------------------------------------------------

@dataclass(frozen=True)
class Row:
    submission: str
    question: str
    score: float
    max_score: float
    message: str


def _rows_for(learner: str, assignment: Assignment, message: str) -> list[Row]:
    return [Row(learner, f"{assignment.chapter}/{q}", 0.0, points, message) for q, points in assignment.questions]


def _not_run(name: str):
    def placeholder(*args, **kwargs):
        raise AssertionError(f"the grader does not run {name}: the test must call it inside its cases")

    return placeholder


def _clean_record(record, answer_key: tuple[str, ...]) -> dict:
    """A test's record as the sandbox wrote it, checked to be of the right shape; the answer key's calls
    are kept only when they name this question's answer key (the text is the learner's)."""
    if not (isinstance(record, dict) and isinstance(record.get("results"), list)
            and isinstance(record.get("answer_key_calls", []), list)):
        return {"results": [], "error": "no result from the notebook for this test", "answer_key_calls": []}
    error = record.get("error")
    calls = [name for name in answer_key if name in record.get("answer_key_calls", [])]
    return {"results": record["results"], "error": None if error is None else str(error)[:500],
            "answer_key_calls": calls}


def check_test(test: Test, record: dict) -> tuple[bool, str]:
    """Run the test's checks on the learner's results (never the learner's code): (passed, message)."""
    from fgcourse.exercises import replaying

    placeholders = [_not_run(name) for name in inspect.signature(test.check).parameters]
    try:
        with replaying(record):
            test.check(*placeholders)
    except AssertionError as failure:
        lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
        return False, lines[-1] if lines else "failed"
    except Exception as error:  # the results are the learner's: any shape may come back
        return False, f"the answer could not be checked ({type(error).__name__}: {str(error)[:200]})"
    return True, "passed"


def score(learner: str, assignment: Assignment, result: dict, edited: set) -> list[Row]:
    """The rows of one notebook from its sandbox's result document."""
    records = result.get("records")
    records = records if isinstance(records, dict) else {}
    errors = result.get("errors") if isinstance(result.get("errors"), list) else []
    remarks = "; ".join(str(line)[:200] for line in errors[:10])
    rows = []
    for question, points in assignment.questions:
        key = assignment.answer_key(question)
        tests = [test for test in assignment.tests if test.question == question]
        cleaned = {test.id: _clean_record(records.get(test.id), key) for test in tests}
        called = sorted({name for record in cleaned.values() for name in record["answer_key_calls"]})
        if called:
            total = 0.0
            names = " and ".join(dict.fromkeys(name for test in tests for name in test.names))
            message = (f"{names} called {', '.join(called)}: the library is this question's answer key, so it is "
                       "not graded (0 points); the answer must be written without calling it")
        else:
            checked = [(test, *check_test(test, cleaned[test.id])) for test in tests]
            total = float(sum(test.points for test, passed, _ in checked if passed))
            failed = [(test, message) for test, passed, message in checked if not passed]
            message = "passed"
            if failed:
                test, why = failed[0]
                message = ("hidden test: " if test.hidden else "public test: ") + why
        if question in edited or "" in edited:
            which = "otter's setup cell" if "" in edited else "its grader.check cell"
            message = (f"{which} was edited or removed: not graded (restore it from the handed-out copy; "
                       f"its tests gave {total:g}/{points:g})")
            total = 0.0
        elif total < points and remarks:
            message += f" ({remarks})"
        rows.append(Row(learner, f"{assignment.chapter}/{question}", total, points, message))
    return rows


def _outcome_rows(learner: str, assignment: Assignment, outcome, limits, edited: set) -> list[Row]:
    if outcome.stopped == "time":
        return _rows_for(learner, assignment, f"did not finish within the time limit of {limits.wall:g} s "
                                              "(an infinite loop?): not graded")
    if outcome.stopped == "memory":
        return _rows_for(learner, assignment, f"used more than {limits.memory / 2**30:g} GiB of memory: not graded")
    if outcome.stopped == "output":
        return _rows_for(learner, assignment, "wrote too much to the grader: not graded")
    try:
        result = json.loads(outcome.stdout)
        if not isinstance(result, dict):
            raise ValueError("not a JSON object")
    except (ValueError, RecursionError):
        why = f"exit status {outcome.returncode}" if outcome.returncode else "its results could not be read"
        return _rows_for(learner, assignment, f"the notebook stopped its grader ({why}): not graded")
    if result.get("failure"):
        return _rows_for(learner, assignment, f"the notebook crashed ({str(result['failure'])[:200]}): not graded")
    return score(learner, assignment, result, edited)


# --- grading a class ----------------------------------------------------------------------------------

def grade(submissions: Path, classroom: Path = DEFAULT_OUT, timeout: float = TIME_LIMIT, jobs: int = JOBS,
          names=None, unsafe: bool = False, memory: float = MEMORY_LIMIT) -> list[Row]:
    """Grade every learner folder of ``submissions``; write grades.csv and grades.md there (and nothing else).

    Each notebook runs in a sandbox of its own (tools/sandbox.py), ``jobs`` at a time, within ``timeout``
    seconds and ``memory`` GiB; ``unsafe`` runs them without the sandbox. The chapters graded are
    ``names``, or else every chapter of which some learner handed in a notebook; every learner gets a row
    per question of each, a missing notebook counting 0.
    """
    import sandbox

    submissions, classroom = Path(os.path.abspath(submissions)), Path(classroom).resolve()
    if not submissions.exists():
        raise ClassroomError(f"SUBMISSIONS={submissions} does not exist")
    if not submissions.is_dir():
        raise ClassroomError(f"SUBMISSIONS={submissions} is not a folder")
    if not (isinstance(jobs, int) and jobs >= 1):
        raise ClassroomError(f"JOBS must be an integer >= 1, got {jobs!r}")
    if not timeout > 0 or not memory > 0:
        raise ClassroomError(f"the time limit and the memory must be positive, got {timeout!r} s and {memory!r} GiB")
    learners = _learners(submissions)
    known = [d.name for d in sorted(classroom.glob("*")) if (d / "autograder").is_dir()]
    if not known:
        raise ClassroomError(f"no assignment in {classroom}: run `make classroom` first")
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise ClassroomError(f"no assignment {unknown} in {classroom} (built: {known}): run `make classroom` first")
    if not unsafe and (reason := sandbox.available()):
        raise ClassroomError(f"grading runs each notebook in a bubblewrap sandbox, which is not available here: "
                             f"{reason}. To grade, {sandbox.INSTALL}.")
    if unsafe:
        print(UNSAFE_WARNING, file=sys.stderr)
    rows: list[Row] = []
    found = {learner.name: _collect(learner, set(names or known), rows) for learner in learners}
    graded = list(names) if names else [c for c in known if any(c in mine for mine in found.values())]
    if not graded:
        raise ClassroomError(f"no notebook of the assignments {known} in the learner folders of {submissions}")
    assignments = {name: load_assignment(classroom, name) for name in graded}
    work = []
    for learner in learners:
        for chapter in graded:
            assignment, submission = assignments[chapter], found[learner.name].get(chapter)
            if submission is None:
                rows.extend(_rows_for(learner.name, assignment, NO_NOTEBOOK))
            elif submission.problem:
                rows.extend(_rows_for(learner.name, assignment, f"{submission.path.name}: {submission.problem}"))
            else:
                work.append(submission)
    limits = sandbox.Limits.for_time(timeout, int(memory * 2**30))
    rows.extend(_run_all(work, assignments, limits, jobs, unsafe))
    order = {(a.chapter, q): i for a in assignments.values() for i, (q, _) in enumerate(a.questions)}
    rows.sort(key=lambda r: (r.submission, r.question.split("/")[0], order.get(tuple(r.question.split("/", 1)), -1)))
    write_reports(submissions, rows, limits, unsafe, classroom)
    return rows


def _run_all(work: list, assignments: dict, limits, jobs: int, unsafe: bool) -> list[Row]:
    """Run the notebooks ``jobs`` at a time, each in its own sandbox and grading slot; score each here."""
    import sandbox

    slots = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)
    plans = {chapter: assignment.plan() for chapter, assignment in assignments.items()}
    skips = {chapter: [source for _, source in assignment.protected] for chapter, assignment in assignments.items()}

    def one(submission: _Submission) -> list[Row]:
        assignment = assignments[submission.chapter]
        slot = slots.get()
        try:
            outcome = sandbox.run_notebook(submission.data, f"{submission.chapter}.ipynb", plans[submission.chapter],
                                           skips[submission.chapter], limits, slot, sandboxed=not unsafe)
        finally:
            slots.put(slot)
        graded = _outcome_rows(submission.learner, assignment, outcome, limits,
                               _edited_cells(submission.notebook, assignment))
        total, possible = sum(r.score for r in graded), sum(r.max_score for r in graded)
        print(f"{_printable(submission.learner, 60)}/{submission.chapter}: {total:g}/{possible:g}", flush=True)
        return graded

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [row for rows in pool.map(one, work) for row in rows]


# --- reports ----------------------------------------------------------------------------------------

def _printable(text, limit: int = MAX_CELL) -> str:
    """Text that a learner may control as one line of printable characters, at most ``limit`` of them."""
    text = str(text).encode("utf-8", "backslashreplace").decode()
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _plain(text, limit: int = MAX_CELL) -> str:
    """_printable text that never starts a report's cell like a spreadsheet formula (= + - @)."""
    text = _printable(text, limit)
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def _md(text, limit: int = MAX_CELL) -> str:
    """_plain text whose Markdown cannot make links, images, HTML or table cells."""
    return re.sub(r"([\\`*\[\]<>|!&])", r"\\\1", _plain(text, limit))


def _keep_previous(submissions: Path, classroom: Path) -> None:
    """Copy the previous grades.csv and grades.md, if any, under CLASSROOM/previous-grades/ before they
    are replaced (nothing else is ever written in SUBMISSIONS)."""
    previous = [submissions / name for name in ("grades.csv", "grades.md") if (submissions / name).is_file()]
    if not previous:
        return
    stamp = time.strftime("%Y-%m-%dT%H-%M-%S")
    folder = classroom / "previous-grades" / f"{submissions.name}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    for path in previous:
        shutil.copy2(path, folder / path.name)
    print(f"the previous {' and '.join(p.name for p in previous)} were copied to {folder}")


def write_reports(submissions: Path, rows: list[Row], limits, unsafe: bool = False, classroom: Path = DEFAULT_OUT):
    _keep_previous(submissions, classroom)
    with open(submissions / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "question", "score", "max_score", "message"])
        for row in rows:
            writer.writerow([_plain(row.submission, 100), _plain(row.question, 100), f"{row.score:g}",
                             f"{row.max_score:g}", _plain(row.message)])
    (submissions / "grades.md").write_text(summary(rows, limits.wall, unsafe))


def summary(rows: list[Row], timeout: float = TIME_LIMIT, unsafe: bool = False) -> str:
    """grades.md: the class mean, the hardest question, then per learner and per question."""
    graded = [row for row in rows if row.max_score > 0]
    learners = sorted({row.submission for row in rows})
    first_seen = list(dict.fromkeys(row.question for row in graded))
    questions = sorted(first_seen, key=lambda q: (q.split("/")[0], first_seen.index(q)))
    lines = [f"# Grades ({len(learners)} learners)", ""]
    if unsafe:
        lines += [f"**Warning:** {UNSAFE_WARNING}", ""]
    totals = {name: (sum(r.score for r in graded if r.submission == name),
                     sum(r.max_score for r in graded if r.submission == name)) for name in learners}
    if graded:
        fractions = [score / possible for score, possible in totals.values() if possible > 0]
        mean = 100 * sum(fractions) / len(fractions) if fractions else 0.0
        per_question = {q: [r for r in graded if r.question == q] for q in questions}
        means = {q: sum(r.score / r.max_score for r in rs) / len(rs) for q, rs in per_question.items()}
        hardest = min(questions, key=lambda q: means[q])
        lines += [f"Class mean: {mean:.1f} %. Hardest question: {hardest} (mean {100 * means[hardest]:.0f} %).", ""]
    lines += ["## Per learner", "", "| learner | score | max | % |", "| --- | --- | --- | --- |"]
    for name, (score, possible) in totals.items():
        percent = f"{100 * score / possible:.0f}" if possible else "-"
        lines.append(f"| {_md(name, 100)} | {score:g} | {possible:g} | {percent} |")
    if graded:
        lines += ["", "## Per question", "", "| question | mean score | max | full marks | mean % |",
                  "| --- | --- | --- | --- | --- |"]
        for q in questions:
            rs = per_question[q]
            full = sum(r.score >= r.max_score for r in rs)
            lines.append(f"| {q} | {sum(r.score for r in rs) / len(rs):.2f} | {rs[0].max_score:g} | "
                         f"{full}/{len(rs)} | {100 * means[q]:.0f} |")
    absent = [name for name in learners if all(r.message == NO_NOTEBOOK for r in rows if r.submission == name)]
    if absent:
        lines += ["", "## Learners with no notebook", ""] + [f"- {_md(name, 100)}" for name in absent]
    problems = sorted({(r.submission, r.question.split("/")[0], r.message) for r in rows
                       if r.submission not in absent and ("not graded" in r.message or r.max_score == 0)})
    if problems:
        lines += ["", "## Not graded", ""]
        lines += [f"- {_md(who, 100)} ({_md(what, 100)}): {_md(message)}" for who, what, message in problems]
    lines += ["", f"Time limit per notebook: {timeout:g} s.", ""]
    return "\n".join(lines)


# --- command line ----------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    a = commands.add_parser("assign", help="build student copies and autograders (otter assign)")
    a.add_argument("chapters", nargs="*", help=f"default: all of {chapters()}")
    a.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a.add_argument("--force", action="store_true", help="overwrite existing output folders")
    a.add_argument("--no-run-tests", action="store_true", help="skip checking the solutions against the tests")
    g = commands.add_parser("grade", help="grade a folder of learner folders, each notebook in a sandbox")
    g.add_argument("submissions", type=Path)
    g.add_argument("--classroom", type=Path, default=DEFAULT_OUT)
    g.add_argument("--timeout", type=float, default=TIME_LIMIT, help="seconds per notebook")
    g.add_argument("--memory", type=float, default=MEMORY_LIMIT, help="GiB of memory per notebook")
    g.add_argument("--jobs", type=int, default=JOBS, help="notebooks graded at a time")
    g.add_argument("--chapters", nargs="*", default=None, help="default: the chapters handed in")
    g.add_argument("--unsafe", action="store_true",
                   help="run the notebooks without the sandbox, in your account (only for notebooks you trust)")
    args = parser.parse_args(argv)
    try:
        if args.command == "assign":
            assign(args.out, args.chapters, force=args.force, run_tests=not args.no_run_tests)
        else:
            start = time.perf_counter()
            rows = grade(args.submissions, args.classroom, args.timeout, args.jobs, args.chapters or None,
                         unsafe=args.unsafe, memory=args.memory)
            print(f"{len(rows)} rows in {args.submissions / 'grades.csv'} and grades.md "
                  f"({time.perf_counter() - start:.0f} s)")
    except ClassroomError as error:
        print(f"classroom: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
