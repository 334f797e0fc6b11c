"""The classroom kit end to end: `make classroom`, the student copies, `make grade` on a synthetic class.

The assignments are built once per module into a scratch folder through `make classroom`, every
chapter checked against its solutions by otter assign: first two chapters, then all of them, which
keeps those two and builds the rest (a resumed run). Grading runs otter run for real, two
notebooks at a time; the solution of every chapter is graded.
"""

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("otter", reason="the classroom kit needs otter-grader: make env installs .[classroom]")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom  # noqa: E402

GRADED = ("chains", "checkpointing")
TIME_LIMIT = 45  # seconds per notebook: a normal one takes 5-15 s on a loaded 2-core machine
LOOP_LIMIT = 5  # the learner whose notebook never ends is graded on its own with a short limit


# make runs with the environment under test (make test PYTHON=python3.13 uses .venv-python3.13).
UNDER_TEST = (f"VENV={sys.prefix}", "-o", f"{sys.prefix}/.installed")
"""make with the environment under test, taken as installed: a test never reinstalls it (from a
checkout elsewhere, its editable install would then point there)."""


def make(*args, check=True):
    done = subprocess.run(["make", "--no-print-directory", *UNDER_TEST, *args], cwd=ROOT, capture_output=True,
                          text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"make {' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("classroom")
    first = make("classroom", f"CLASSROOM={out}", f"CHAPTERS={' '.join(GRADED)}")
    kept = tree_digest(out)
    resumed = make("classroom", f"CLASSROOM={out}")
    assert {path: digest for path, digest in tree_digest(out).items() if path in kept} == kept
    return out, first, resumed


def tree_digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_chapter_has_a_master_with_three_to_six_questions(built):
    out, *_ = built
    assert len(classroom.chapters()) == 7
    for name in classroom.chapters():
        assignment = classroom.load_assignment(out, name)
        assert 3 <= len(assignment.questions) <= 6, (name, assignment.questions)


def test_layout_is_otters_and_every_solution_was_checked(built):
    out, first, resumed = built
    for name in classroom.chapters():
        said = first.stdout if name in GRADED else resumed.stdout
        assert f"{name}: " in said and "solutions checked" in said
        assert (out / name / "student" / f"{name}.ipynb").is_file()
        assert list((out / name / "autograder").glob(f"{name}-autograder_*.zip"))


def test_a_second_run_keeps_what_exists_and_builds_the_rest(built):
    out, first, resumed = built
    for name in GRADED:
        assert f"{name}: " not in resumed.stdout
        assert str(out / name) in resumed.stderr
    assert "refusing to overwrite" in resumed.stderr and "FORCE=1" in resumed.stderr
    assert not list(out.glob(".*.partial"))


def test_classroom_never_overwrites_without_force(built):
    out, *_ = built
    before = tree_digest(out / "chains")
    again = make("classroom", f"CLASSROOM={out}", "CHAPTERS=chains")
    assert "refusing to overwrite" in again.stderr and "FORCE=1" in again.stderr
    assert "chains: " not in again.stdout
    assert tree_digest(out / "chains") == before


def test_a_failing_master_does_not_stop_the_other_chapters(tmp_path, monkeypatch):
    masters = tmp_path / "masters"
    masters.mkdir()
    for name in ("chains", "traces"):
        (masters / f"{name}.ipynb").write_bytes((classroom.MASTERS / f"{name}.ipynb").read_bytes())
    broken = nbformat.read(masters / "chains.ipynb", as_version=4)
    for cell in broken.cells:
        cell.source = cell.source.replace("# BEGIN SOLUTION", "# BEGIN SOLUTION\n    return None  # wrong")
    nbformat.write(broken, masters / "chains.ipynb")
    monkeypatch.setattr(classroom, "MASTERS", masters)
    with pytest.raises(classroom.ClassroomError, match=r"built 1 of 2 chapters; otter assign failed on chains"):
        classroom.assign(tmp_path / "out")
    assert (tmp_path / "out" / "traces" / "student" / "traces.ipynb").is_file()
    assert not (tmp_path / "out" / "chains").exists() and not list((tmp_path / "out").glob(".*.partial"))


def solution_lines(source: str) -> list[str]:
    """The lines between # BEGIN SOLUTION and # END SOLUTION of a master's answer cell."""
    lines, inside = [], False
    for line in source.splitlines():
        if "# BEGIN SOLUTION" in line or "# END SOLUTION" in line:
            inside = "BEGIN" in line
        elif inside and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


def test_student_copies_hold_no_solution_nor_hidden_test(built):
    out, *_ = built
    for name in classroom.chapters():
        student = nbformat.read(out / name / "student" / f"{name}.ipynb", as_version=4)
        text = json.dumps(student)
        assert "hidden=True" not in text and "SOLUTION" not in text
        sources = "\n".join(c.source for c in student.cells)
        master = nbformat.read(ROOT / "notebooks" / "exercises" / f"{name}.ipynb", as_version=4)
        hidden = [line for c in master.cells for line in solution_lines(c.source)]
        assert hidden
        assert not [line for line in hidden if line in sources], name


@pytest.mark.parametrize("name", ["chains", "checkpointing", "forward_gradients", "line_search", "optimizers",
                                  "sign_agreement", "traces"])
def test_student_copy_runs_top_to_bottom_and_says_not_answered(built, name):
    from nbclient import NotebookClient

    out, *_ = built
    folder = out / name / "student"
    notebook = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]
    checks = [c for c in notebook.cells if c.cell_type == "code" and classroom.CHECK_CALL.match(c.source)]
    assert checks
    for cell in checks:
        shown = json.dumps(cell.outputs)
        assert "not answered yet" in shown, (cell.source, shown[:500])


# --- a synthetic class ------------------------------------------------------------------------------

WRONG = {
    "chains": ("jvp", "def jvp_chain(fs, s0, v):\n    s, t = s0, v\n    for f in fs:\n"
                      "        s, t = make_jvp(f)(s)(t)\n    return s, 2 * t\n"),
    "checkpointing": ("halving", "def halving_calls(K):\n    return K - 1\n"),
}


def write(notebook, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory):
    out, *_ = built
    dir_ = tmp_path_factory.mktemp("submissions")
    for name in classroom.chapters():
        write(classroom.filled_copy(out, name), dir_ / "solution" / f"{name}.ipynb")
    for name in GRADED:
        student = nbformat.read(out / name / "student" / f"{name}.ipynb", as_version=4)
        write(student, dir_ / "untouched" / f"{name}.ipynb")
        question, source = WRONG[name]
        write(classroom.filled_copy(out, name, {question: source}), dir_ / "one_wrong" / f"{name}.ipynb")
    crash = classroom.filled_copy(out, "chains")
    crash.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    write(crash, dir_ / "crash" / "chains.ipynb")
    raises = classroom.filled_copy(out, "chains", {"vjp": "print(1 / 0)\n"})
    write(raises, dir_ / "raises" / "chains.ipynb")
    loop_class = tmp_path_factory.mktemp("loop_class")
    loop = classroom.filled_copy(out, "chains", {"vjp": "def vjp_chain(fs, s0):\n    while True:\n        pass\n"})
    write(loop, loop_class / "loop" / "chains.ipynb")
    (dir_ / "broken").mkdir()
    text = (dir_ / "solution" / "checkpointing.ipynb").read_text()
    (dir_ / "broken" / "checkpointing.ipynb").write_text(text[: len(text) // 2])
    tampered = classroom.filled_copy(out, "checkpointing", {"halving": "def halving_calls(K):\n    return 0\n"})
    for cell in tampered.cells:
        if cell.source == 'grader.check("halving")':
            cell.source = 'print("all tests passed")  # grader.check removed'
    write(tampered, dir_ / "tampered" / "checkpointing.ipynb")
    write(classroom.filled_copy(out, "chains"), dir_ / "misnamed" / "checkpointing.ipynb")
    before = tree_digest(dir_)
    # The class and the never-ending notebook are graded side by side: waiting out the class's
    # time limit for the loop alone would double the fixture's time.
    looping = subprocess.Popen(["make", "--no-print-directory", *UNDER_TEST, "grade", f"SUBMISSIONS={loop_class}",
                                f"CLASSROOM={out}", f"TIMEOUT={LOOP_LIMIT}"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    done = make("grade", f"SUBMISSIONS={dir_}", f"CLASSROOM={out}", f"TIMEOUT={TIME_LIMIT}")
    output = looping.communicate()[0]
    assert looping.returncode == 0, f"make grade of the looping learner failed:\n{output[-3000:]}"
    rows = []
    for folder in (dir_, loop_class):
        with open(folder / "grades.csv") as handle:
            rows += list(csv.DictReader(handle))
    return dir_, rows, before, done


def scores(rows, learner, chapter=None):
    return {r["question"]: (float(r["score"]), float(r["max_score"]), r["message"]) for r in rows
            if r["submission"] == learner and (chapter is None or r["question"].startswith(chapter + "/"))}


def test_grades_csv_has_the_columns_and_one_row_per_learner_and_question(graded, built):
    _, rows, _, _ = graded
    assert list(rows[0]) == ["submission", "question", "score", "max_score", "message"]
    out, *_ = built
    for learner, names in [("solution", classroom.chapters()), ("untouched", GRADED), ("one_wrong", GRADED),
                           ("crash", ["chains"]), ("raises", ["chains"]), ("loop", ["chains"]),
                           ("broken", ["checkpointing"]),
                           ("tampered", ["checkpointing"]), ("misnamed", ["checkpointing"])]:
        expected = {f"{n}/{q}" for n in names for q, _ in classroom.load_assignment(out, n).questions}
        assert set(scores(rows, learner)) == expected, learner


def test_the_solution_of_every_chapter_gets_full_marks(graded):
    _, rows, _, _ = graded
    assert {question.split("/")[0] for question in scores(rows, "solution")} == set(classroom.chapters())
    for question, (score, possible, message) in scores(rows, "solution").items():
        assert score == possible > 0 and message == "passed", (question, message)


def test_the_untouched_copy_gets_zero_and_says_not_answered(graded):
    _, rows, _, _ = graded
    for question, (score, possible, message) in scores(rows, "untouched").items():
        assert score == 0 < possible and "not answered yet" in message, (question, message)


def test_one_wrong_answer_loses_exactly_that_question(graded):
    _, rows, _, _ = graded
    for name, (wrong, _) in WRONG.items():
        for question, (score, possible, message) in scores(rows, "one_wrong", name).items():
            if question == f"{name}/{wrong}":
                assert score == 0 and "expected" in message and "got" in message, message
            else:
                assert score == possible, (question, message)


def test_a_crash_an_error_a_loop_broken_json_an_edited_test_cell_and_another_chapter_are_explained(graded):
    _, rows, _, done = graded
    crash = scores(rows, "crash")
    assert all(s == 0 and "crashed" in m for s, _, m in crash.values()), crash
    raises = scores(rows, "raises")
    assert raises["chains/vjp"][0] == 0 and "vjp_chain is not defined" in raises["chains/vjp"][2]
    assert 'the cell starting "print(1 / 0)" raised ZeroDivisionError' in raises["chains/vjp"][2]
    assert all(s == p for q, (s, p, _) in raises.items() if q != "chains/vjp"), raises
    loop = scores(rows, "loop")
    assert loop and all(s == 0 and f"time limit of {LOOP_LIMIT} s" in m for s, _, m in loop.values()), loop
    broken = scores(rows, "broken")
    assert all(s == 0 and "not valid JSON" in m for s, _, m in broken.values()), broken
    tampered = scores(rows, "tampered")
    assert "edited or removed" in tampered["checkpointing/halving"][2]
    assert tampered["checkpointing/halving"][0] == 0
    assert all(s == p for q, (s, p, _) in tampered.items() if q != "checkpointing/halving"), tampered
    misnamed = scores(rows, "misnamed")
    assert all(s == 0 and "another chapter" in m for s, _, m in misnamed.values()), misnamed
    assert "rows in" in done.stdout


def test_grading_never_modifies_a_submission(graded):
    dir_, _, before, _ = graded
    after = tree_digest(dir_)
    assert {k: v for k, v in after.items() if not k.startswith("grades.")} == before


def test_grades_md_summarizes_learners_questions_mean_and_hardest(graded):
    dir_, rows, _, _ = graded
    text = (dir_ / "grades.md").read_text()
    assert "Class mean:" in text and "Hardest question:" in text
    for learner in ("solution", "untouched", "one_wrong", "crash", "raises", "broken", "tampered", "misnamed"):
        assert f"| {learner} |" in text
    assert "| chains/jvp |" in text and "## Not graded" in text


def test_summary_of_a_tiny_class():
    rows = [classroom.Row("ann", "c/q1", 2, 2, "passed"), classroom.Row("ann", "c/q2", 0, 1, "x"),
            classroom.Row("bob", "c/q1", 0, 2, "x"), classroom.Row("bob", "c/q2", 0, 1, "x")]
    text = classroom.summary(rows)
    assert "Class mean: 33.3 %" in text and "Hardest question: c/q2 (mean 0 %)" in text
    assert "| c/q1 | 1.00 | 2 | 1/2 | 50 |" in text


def test_grade_without_submissions_says_how():
    done = make("grade", check=False)
    assert done.returncode != 0 and "SUBMISSIONS=DIR" in done.stdout


def test_grade_of_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(classroom.ClassroomError, match="not a folder"):
        classroom.grade(tmp_path / "nowhere", tmp_path)

