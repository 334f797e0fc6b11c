"""The classroom kit end to end: `make classroom`, the student copies, `make grade` on a synthetic class.

The assignments are built once per module into a scratch folder through `make classroom`, every
chapter checked against its solutions by otter assign: first two chapters, then all of them, which
keeps those two and builds the rest (a resumed run). Grading runs for real, each notebook in its
bubblewrap sandbox (`make test` installs bubblewrap), two at a time; the solution of every chapter is
graded, and a small class is graded again with UNSAFE=1 and JOBS=3. What learners can do to the
grader is tested in tests/test_classroom_sandbox.py.
"""

import csv
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("otter", reason="the classroom kit needs otter-grader: make env installs .[classroom]")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom  # noqa: E402

GRADED = ("chains", "checkpointing")
TIME_LIMIT = 45  # seconds per notebook: a normal one takes 3-10 s on a loaded 2-core machine
LOOP_LIMIT = 8  # the learner whose notebook never ends is graded on its own with a short limit
ODD_NAMES = (" spaced name", "ünïcödé", "-leading-dash", "=1+2|<img src=x>")


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
    assert len(classroom.chapters()) == 8
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
        master = nbformat.read(classroom.MASTERS / f"{name}.ipynb", as_version=4)
        hidden = [line for c in master.cells for line in solution_lines(c.source)]
        assert hidden
        assert not [line for line in hidden if line in sources], name


@pytest.mark.parametrize("name", ["chains", "checkpointing", "forward_gradients", "in_practice", "line_search",
                                  "optimizers", "sign_agreement", "traces"])
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


LAZY = "def jvp_chain(fs, s0, v):\n    from fgcourse.chains import jvp\n    return jvp(fs, s0, v)\n"


def with_cell(notebook, source, index=3):
    notebook.cells.insert(index, nbformat.v4.new_code_cell(source))
    return notebook


def grading_folders() -> set[Path]:
    """The temporary folders that grading makes (tools/grade_notebook.py and tools/sandbox.py)."""
    return {path for prefix in ("fgcourse-records-", "fgcourse-notebook-")
            for path in Path(tempfile.gettempdir()).glob(prefix + "*")}


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
    write(with_cell(classroom.filled_copy(out, "chains"), "import os\nos._exit(1)"), dir_ / "crash" / "chains.ipynb")
    write(with_cell(classroom.filled_copy(out, "chains"), "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
          dir_ / "killed" / "chains.ipynb")
    raises = classroom.filled_copy(out, "chains", {"vjp": "print(1 / 0)\n"})
    write(raises, dir_ / "raises" / "chains.ipynb")
    write(classroom.filled_copy(out, "chains", {"vjp": "def vjp_chain(fs, s0):\n    return s0 +\n"}),
          dir_ / "syntax" / "chains.ipynb")
    write(with_cell(classroom.filled_copy(out, "chains"), "print('x' * 50_000_000)"), dir_ / "noisy" / "chains.ipynb")
    write(classroom.filled_copy(out, "chains", {"jvp": LAZY}), dir_ / "lazy" / "chains.ipynb")
    loop_class = tmp_path_factory.mktemp("loop_class")
    loop = classroom.filled_copy(out, "chains", {"vjp": "def vjp_chain(fs, s0):\n    while True:\n        pass\n"})
    write(loop, loop_class / "loop" / "chains.ipynb")
    (dir_ / "broken").mkdir()
    text = (dir_ / "solution" / "checkpointing.ipynb").read_text()
    (dir_ / "broken" / "checkpointing.ipynb").write_text(text[: len(text) // 2])
    (dir_ / "empty").mkdir()
    (dir_ / "empty" / "chains.ipynb").write_bytes(b"")
    tampered = classroom.filled_copy(out, "checkpointing", {"halving": "def halving_calls(K):\n    return 0\n"})
    for cell in tampered.cells:
        if cell.source == 'grader.check("halving")':
            cell.source = 'print("all tests passed")  # grader.check removed'
    write(tampered, dir_ / "tampered" / "checkpointing.ipynb")
    write(classroom.filled_copy(out, "chains"), dir_ / "misnamed" / "checkpointing.ipynb")
    for name in ODD_NAMES:
        write(classroom.filled_copy(out, "chains"), dir_ / name / "chains.ipynb")
    (dir_ / "absent").mkdir()
    (dir_ / "linked").symlink_to(out / "chains" / "autograder", target_is_directory=True)  # the solutions' folder
    (dir_ / "linker").mkdir()
    (dir_ / "linker" / "chains.ipynb").symlink_to(out / "chains" / "autograder" / "chains.ipynb")
    (dir_ / "absent" / "notes.txt").write_text("no notebook here")
    (dir_ / "huge").mkdir()
    with open(dir_ / "huge" / "chains.ipynb", "wb") as handle:
        handle.truncate(200 * 2**20)  # 200 MB (a sparse file: no disk used)
    unsafe_class = tmp_path_factory.mktemp("unsafe_class")
    write(classroom.filled_copy(out, "chains"), unsafe_class / "solution" / "chains.ipynb")
    write(classroom.filled_copy(out, "chains", dict([WRONG["chains"]])), unsafe_class / "one_wrong" / "chains.ipynb")
    write(classroom.filled_copy(out, "checkpointing"), unsafe_class / "solution" / "checkpointing.ipynb")
    (dir_ / "grades.md").write_text("a report of an earlier run\n")
    before = tree_digest(dir_)
    # the grading's own temporary folders (other checks that run meanwhile make fgcourse-lab-*, ...)
    temporary = grading_folders()
    # The class, the never-ending notebook and the unsafe run are graded side by side: waiting out
    # the class's time limit for the loop alone would double the fixture's time.
    side = [subprocess.Popen(["make", "--no-print-directory", *UNDER_TEST, "grade", *args], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for args in ([f"SUBMISSIONS={loop_class}", f"CLASSROOM={out}", f"TIMEOUT={LOOP_LIMIT}", "JOBS=1"],
                         [f"SUBMISSIONS={unsafe_class}", f"CLASSROOM={out}", "UNSAFE=1", "JOBS=3"])]
    done = make("grade", f"SUBMISSIONS={dir_}", f"CLASSROOM={out}", f"TIMEOUT={TIME_LIMIT}")
    for process in side:
        output = process.communicate()[0]
        assert process.returncode == 0, f"make grade {process.args[4:]} failed:\n{output[-3000:]}"
    rows = []
    for folder in (dir_, loop_class):
        with open(folder / "grades.csv") as handle:
            rows += list(csv.DictReader(handle))
    with open(unsafe_class / "grades.csv") as handle:
        unsafe = list(csv.DictReader(handle))
    left = grading_folders() - temporary
    assert not left, f"temporary folders left behind (a crash, a time limit, UNSAFE=1): {left}"
    return dir_, rows, before, done, unsafe_class, unsafe, out


def scores(rows, learner, chapter=None):
    return {r["question"]: (float(r["score"]), float(r["max_score"]), r["message"]) for r in rows
            if r["submission"] == learner and (chapter is None or r["question"].startswith(chapter + "/"))}


def chapter_rows(out, name):
    return {f"{name}/{q}" for q, _ in classroom.load_assignment(out, name).questions}


def test_every_learner_has_a_row_per_question_of_every_chapter_graded(graded):
    dir_, rows, *_, out = graded
    assert list(rows[0]) == ["submission", "question", "score", "max_score", "message"]
    every = {q for name in classroom.chapters() for q in chapter_rows(out, name)}
    learners = {r["submission"] for r in rows} - {"loop"}
    assert len(learners) == len([d for d in dir_.iterdir() if d.is_dir()])
    for learner in learners:
        mine = {q for q, (_, possible, _) in scores(rows, learner).items() if possible > 0}
        assert mine == every, learner
        assert sum(p for q, (_, p, _) in scores(rows, learner).items()) == sum(
            p for q, (_, p, _) in scores(rows, "solution").items()), learner
    assert set(scores(rows, "loop")) == chapter_rows(out, "chains")


def test_the_solution_of_every_chapter_gets_full_marks(graded):
    _, rows, *_ = graded
    assert {question.split("/")[0] for question in scores(rows, "solution")} == set(classroom.chapters())
    for question, (score, possible, message) in scores(rows, "solution").items():
        assert score == possible > 0 and message == "passed", (question, message)


def test_the_untouched_copy_gets_zero_and_says_not_answered(graded):
    _, rows, *_ = graded
    for name in GRADED:
        for question, (score, possible, message) in scores(rows, "untouched", name).items():
            assert score == 0 < possible and "not answered yet" in message, (question, message)


def test_one_wrong_answer_loses_exactly_that_question(graded):
    _, rows, *_ = graded
    for name, (wrong, _) in WRONG.items():
        for question, (score, possible, message) in scores(rows, "one_wrong", name).items():
            if question == f"{name}/{wrong}":
                assert score == 0 and "expected" in message and "got" in message, message
            else:
                assert score == possible, (question, message)


def test_a_missing_chapter_counts_zero_and_a_learner_without_notebooks_is_listed(graded):
    dir_, rows, *_ = graded
    for learner, chapter in [("crash", "checkpointing"), ("one_wrong", "traces"), ("absent", "chains")]:
        missing = scores(rows, learner, chapter)
        assert missing and all(s == 0 < p and m == classroom.NO_NOTEBOOK for s, p, m in missing.values()), missing
    text = (dir_ / "grades.md").read_text()
    absent = text.split("## Learners with no notebook")[1].split("##")[0]
    assert "- absent" in absent and "solution" not in absent


def test_a_crash_an_error_a_loop_broken_json_an_edited_test_cell_and_another_file_name_are_explained(graded):
    _, rows, _, done, *_ = graded
    for learner in ("crash", "killed"):
        crash = scores(rows, learner, "chains")
        assert all(s == 0 and "crashed" in m for s, _, m in crash.values()), crash
    raises = scores(rows, "raises", "chains")
    assert raises["chains/vjp"][0] == 0 and "vjp_chain is not defined" in raises["chains/vjp"][2]
    assert 'the cell starting "print(1 / 0)" raised ZeroDivisionError' in raises["chains/vjp"][2]
    assert all(s == p for q, (s, p, _) in raises.items() if q != "chains/vjp"), raises
    syntax = scores(rows, "syntax", "chains")
    assert syntax["chains/vjp"][0] == 0 and "raised SyntaxError" in syntax["chains/vjp"][2]
    assert all(s == p for q, (s, p, _) in syntax.items() if q != "chains/vjp"), syntax
    noisy = scores(rows, "noisy", "chains")
    assert all(s == p for s, p, _ in noisy.values()), noisy
    loop = scores(rows, "loop")
    assert loop and all(s == 0 and f"time limit of {LOOP_LIMIT:g} s" in m for s, _, m in loop.values()), loop
    for learner, chapter in [("broken", "checkpointing"), ("empty", "chains")]:
        broken = scores(rows, learner, chapter)
        assert all(s == 0 and "not valid JSON" in m for s, _, m in broken.values()), broken
    huge = scores(rows, "huge", "chains")
    assert all(s == 0 and "too large (200 MB" in m for s, _, m in huge.values()), huge
    linker = scores(rows, "linker", "chains")
    assert all(s == 0 and "a link, not a file" in m for s, _, m in linker.values()), linker
    assert scores(rows, "linked")["(folder)"][2] == "the folder is a link: not read, not graded"
    assert all(s == 0 for s, _, _ in scores(rows, "linked").values())
    tampered = scores(rows, "tampered", "checkpointing")
    assert "edited or removed" in tampered["checkpointing/halving"][2]
    assert tampered["checkpointing/halving"][0] == 0
    assert all(s == p for q, (s, p, _) in tampered.items() if q != "checkpointing/halving"), tampered
    misnamed = scores(rows, "misnamed")  # recognised by its metadata, not its file name
    assert all(s == p for s, p, _ in scores(rows, "misnamed", "chains").values()), misnamed
    assert all(m == classroom.NO_NOTEBOOK for _, _, m in scores(rows, "misnamed", "checkpointing").values())
    assert "rows in" in done.stdout


def test_an_answer_that_calls_the_library_it_was_asked_to_write_gets_zero_with_the_reason(graded):
    _, rows, *_ = graded
    lazy = scores(rows, "lazy", "chains")
    assert lazy["chains/jvp"][0] == 0 and "called fgcourse.chains.jvp" in lazy["chains/jvp"][2]
    assert "answer key" in lazy["chains/jvp"][2]
    assert all(s == p for q, (s, p, _) in lazy.items() if q != "chains/jvp"), lazy


def test_odd_folder_names_are_graded_and_reported_safely(graded):
    dir_, rows, *_ = graded
    for name in ODD_NAMES[:3]:
        shown = "'" + name if name.startswith("-") else name.strip()
        assert all(s == p for s, p, _ in scores(rows, shown, "chains").values()), (name, scores(rows, shown))
    formula = [r for r in rows if "1+2" in r["submission"]]
    assert formula and all(r["submission"] == "'=1+2|<img src=x>" for r in formula)
    assert all(s == p for s, p, _ in scores(rows, "'=1+2|<img src=x>", "chains").values())
    text = (dir_ / "grades.md").read_text()
    assert "| '=1+2\\|\\<img src=x\\> |" in text and "<img src=x>" not in text
    for row in rows:
        assert not row["message"].startswith(("=", "+", "-", "@")) and len(row["message"]) <= classroom.MAX_CELL


def test_grading_never_modifies_a_submission_and_keeps_the_previous_report(graded):
    dir_, _, before, done, _, _, out = graded
    after = tree_digest(dir_)
    assert {k: v for k, v in after.items() if not k.startswith("grades.")} == {
        k: v for k, v in before.items() if not k.startswith("grades.")}
    assert set(after) - set(before) == {"grades.csv"}
    kept = [path for path in (out / "previous-grades").glob(f"{dir_.name}-*/grades.md")]
    assert [path.read_text() for path in kept] == ["a report of an earlier run\n"]
    assert "were copied to" in done.stdout


def test_unsafe_grading_gives_the_same_grades_and_says_it_was_unsafe(graded):
    _, rows, _, _, unsafe_class, unsafe, _ = graded
    assert scores(unsafe, "solution") == {**scores(rows, "solution", "chains"), **scores(rows, "solution",
                                                                                          "checkpointing")}
    assert scores(unsafe, "one_wrong", "chains") == scores(rows, "one_wrong", "chains")
    assert "graded with --unsafe" in (unsafe_class / "grades.md").read_text()


def test_grades_md_summarizes_learners_questions_mean_and_hardest(graded):
    dir_, rows, *_ = graded
    text = (dir_ / "grades.md").read_text()
    assert "Class mean:" in text and "Hardest question:" in text and "--unsafe" not in text
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


def test_a_missing_empty_or_unreadable_submissions_folder_is_refused(tmp_path, monkeypatch):
    with pytest.raises(classroom.ClassroomError, match="does not exist"):
        classroom.grade(tmp_path / "nowhere", tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(classroom.ClassroomError, match="is not a folder"):
        classroom.grade(tmp_path / "file", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(classroom.ClassroomError, match="holds no learner folder"):
        classroom.grade(tmp_path / "empty", tmp_path)

    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(classroom.os, "scandir", unreadable)
    with pytest.raises(classroom.ClassroomError, match=r"cannot be read \(Permission denied\)"):
        classroom.grade(tmp_path / "empty", tmp_path)


def test_grading_refuses_to_start_without_bubblewrap_and_says_how_to_install_it(built, tmp_path, monkeypatch):
    out, *_ = built
    write(classroom.filled_copy(out, "chains"), tmp_path / "ann" / "chains.ipynb")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bwrap-here"))
    with pytest.raises(classroom.ClassroomError) as excinfo:
        classroom.grade(tmp_path, out)
    message = str(excinfo.value)
    assert "bubblewrap" in message and "apt-get install bubblewrap" in message and "UNSAFE=1" in message
    assert not (tmp_path / "grades.csv").exists()


def test_no_master_sits_where_learners_open_notebooks():
    masters = [p for p in (ROOT / "notebooks").rglob("*.ipynb") if "BEGIN SOLUTION" in p.read_text()]
    assert masters == [], "the masters (solutions and hidden tests) belong in instructors/masters/"
    assert len(list(classroom.MASTERS.glob("*.ipynb"))) == len(classroom.chapters()) >= 7
