"""The classroom kit: hand out the exercise notebooks and grade a whole class offline.

    python tools/classroom.py assign [--force] [--out DIR] [--no-run-tests] [CHAPTER ...]
    python tools/classroom.py grade SUBMISSIONS [--classroom DIR] [--timeout S] [--jobs N]

``assign`` runs otter assign on every master notebook ``notebooks/exercises/<chapter>.ipynb``
into ``<out>/<chapter>/student/<chapter>.ipynb`` and ``<out>/<chapter>/autograder/`` (otter's
layout). It never touches an output folder that exists unless ``--force`` (an instructor's
edited copies must never be lost) and builds the chapters that are missing, so a second run
resumes where a failed one stopped.

``grade`` grades every learner folder of SUBMISSIONS (each holds the handed-out notebooks, by
their names) with the hidden tests of the autograder zip, through otter run (never otter grade,
which needs Docker). Each notebook is copied before grading, so no submission is modified.
Two notebooks are graded at a time, each in a worker process that is killed at the time limit.
Otter itself does not check what it cannot grade, so this tool does, before grading: a file
that is not valid JSON, a notebook of another chapter, a ``grader.check`` cell (or otter's setup
cell) that was edited; and after: a kernel that died, a time limit reached. Each gives a row
saying so, and the run goes on. The results go to SUBMISSIONS/grades.csv (one row per learner
and question: submission, question, score, max_score, message) and SUBMISSIONS/grades.md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MASTERS = ROOT / "notebooks" / "exercises"
DEFAULT_OUT = ROOT / "_build" / "classroom"
CHECK_CALL = re.compile(r"""^\s*grader\.check\(\s*["']([^"']+)["']\s*\)\s*$""")
TIME_LIMIT = 120.0


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
            with _quiet():
                otter.assign.main(str(MASTERS / f"{name}.ipynb"), str(scratch), no_pdfs=True,
                                  no_run_tests=not run_tests)
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


@contextlib.contextmanager
def _quiet():
    """Send what otter prints (logos, kernel warnings) to stderr, keeping stdout for our report."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


# --- what a chapter's assignment holds -----------------------------------------------------------

@dataclass(frozen=True)
class Assignment:
    """One chapter as handed out: its questions with their points, and the cells a learner must not edit."""

    chapter: str
    autograder: Path
    questions: tuple[tuple[str, float], ...]
    protected: tuple[tuple[str, str], ...]  # (question or "" for the setup cell, source)


def load_assignment(classroom: Path, chapter: str) -> Assignment:
    """Read ``classroom/<chapter>``: the autograder zip's tests and the student copy's locked cells."""
    import nbformat
    from otter.nbmeta_config import NBMetadataConfig
    from otter.test_files import create_test_file

    folder = Path(classroom) / chapter
    zips = sorted((folder / "autograder").glob(f"{chapter}-autograder_*.zip"))
    student = folder / "student" / f"{chapter}.ipynb"
    if not zips or not student.is_file():
        raise ClassroomError(f"{folder} has no autograder zip or student copy: run `make classroom` first")
    points = {}
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(zips[-1]) as archive:
        for member in archive.namelist():
            if member.startswith("tests/") and member.endswith(".py"):
                path = archive.extract(member, scratch)
                test = create_test_file(path, NBMetadataConfig())
                points[test.name] = float(sum(case.points for case in test.test_cases))
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
    return Assignment(chapter, zips[-1], tuple((name, points[name]) for name in order), tuple(protected))


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


# --- checks otter does not make ---------------------------------------------------------------------

def _read_submission(path: Path, assignment: Assignment):
    """The notebook at ``path``, or a one-line reason why it cannot be graded."""
    import nbformat

    text = path.read_bytes()
    try:
        json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"not valid JSON ({error}): the file is damaged, not graded; ask the learner for a new copy"
    try:
        notebook = nbformat.reads(text.decode(), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds of validation errors
        return None, f"not a Jupyter notebook ({str(error).splitlines()[0]}): not graded"
    name = notebook.get("metadata", {}).get("otter", {}).get("assignment_name")
    if name != assignment.chapter:
        which = f"the {name!r} assignment" if name else "not one of the handed-out assignments"
        return None, f"this notebook is {which}, saved as {path.name}: it is for another chapter, not graded"
    return notebook, ""


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


# --- the grading workers ----------------------------------------------------------------------------

def _worker() -> None:
    """Grade the jobs read from stdin, one JSON line each, answering one line per job.

    otter is imported once per worker, which saves seconds per notebook. Everything otter
    and the kernel print goes to stderr; stdout carries only the answers.
    """
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    import otter.run

    for line in sys.stdin:
        job = json.loads(line)
        try:
            results = otter.run.main(job["notebook"], autograder=job["autograder"], output_dir=None, no_logo=True)
            answer = {"questions": {name: _summarize(test) for name, test in results.results.items()},
                      "errors": _cell_errors(results.notebook)}
        except Exception as error:  # any failure of otter or the kernel is this submission's, not the run's
            last = (str(error).strip().splitlines() or [""])[-1]
            answer = {"failure": f"{type(error).__name__}: {last}"}
        channel.write(json.dumps(answer) + "\n")


def _summarize(test) -> dict:
    failed = [result for result in test.test_case_results if not result.passed]
    message = "passed"
    if failed:
        lines = [line.strip() for line in (failed[0].message or "").splitlines() if line.strip()]
        reason = lines[-1] if lines else "failed"
        message = ("hidden test: " if failed[0].test_case.hidden else "public test: ") + reason
    return {"score": float(test.score), "max_score": float(test.possible), "message": message}


def _cell_errors(notebook) -> list[str]:
    """One line per cell of the executed notebook that raised (the learner's cells only)."""
    errors = []
    for cell in getattr(notebook, "cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if output.get("output_type") == "error":
                first = next((line for line in cell.source.splitlines() if line.strip()), "")
                errors.append(f'the cell starting "{first[:40]}" raised {output.get("ename")}: '
                              f'{str(output.get("evalue", ""))[:120]}')
    return errors


class _Worker:
    """A worker process; killed with its kernels when a notebook outlives the time limit."""

    def __init__(self, log):
        self.log = log
        self.process = subprocess.Popen([sys.executable, __file__, "_worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
        self.answers = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.answers.put(line)
        self.answers.put(None)

    def grade(self, notebook: Path, autograder: Path, timeout: float):
        self.process.stdin.write(json.dumps({"notebook": str(notebook), "autograder": str(autograder)}) + "\n")
        self.process.stdin.flush()
        try:
            line = self.answers.get(timeout=timeout)
        except queue.Empty:
            return None
        return json.loads(line) if line else {"failure": "the grading worker stopped"}

    def kill(self):
        import psutil

        with contextlib.suppress(psutil.NoSuchProcess):
            family = psutil.Process(self.process.pid).children(recursive=True)  # the kernels too
            for process in [psutil.Process(self.process.pid), *family]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
        self.process.wait()

    def close(self):
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


# --- grading a class ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    submission: str
    question: str
    score: float
    max_score: float
    message: str


def _rows_for(learner: str, assignment: Assignment, message: str) -> list[Row]:
    return [Row(learner, f"{assignment.chapter}/{q}", 0.0, points, message) for q, points in assignment.questions]


def _grade_rows(learner, assignment, answer, edited, timeout) -> list[Row]:
    if answer is None:
        return _rows_for(learner, assignment, f"did not finish within the time limit of {timeout:g} s "
                                              "(an infinite loop?): not graded")
    if "failure" in answer:
        return _rows_for(learner, assignment, f"the notebook crashed the grader ({answer['failure']}): not graded")
    notes = "; ".join(answer["errors"])
    rows = []
    for question, points in assignment.questions:
        result = answer["questions"].get(question, {"score": 0.0, "message": "no result from the autograder"})
        score, message = result["score"], result["message"]
        if question in edited or "" in edited:
            which = "otter's setup cell" if "" in edited else "its grader.check cell"
            message = (f"{which} was edited or removed: not graded (restore it from the handed-out copy; "
                       f"the autograder gave {score:g}/{points:g})")
            score = 0.0
        elif score < points and notes:
            message += f" ({notes})"
        rows.append(Row(learner, f"{assignment.chapter}/{question}", score, points, message))
    return rows


def grade(submissions: Path, classroom: Path = DEFAULT_OUT, timeout: float = TIME_LIMIT, jobs: int = 2,
          names=None) -> list[Row]:
    """Grade every learner folder of ``submissions``; write grades.csv and grades.md there."""
    submissions, classroom = Path(submissions).resolve(), Path(classroom).resolve()
    if not submissions.is_dir():
        raise ClassroomError(f"SUBMISSIONS={submissions} is not a folder")
    names = list(names or [d.name for d in sorted(classroom.glob("*")) if (d / "autograder").is_dir()])
    if not names:
        raise ClassroomError(f"no assignment in {classroom}: run `make classroom` first")
    assignments = {name: load_assignment(classroom, name) for name in names}
    learners = sorted(d for d in submissions.iterdir() if d.is_dir() and not d.name.startswith((".", "_")))
    rows, work = [], []
    scratch = Path(tempfile.mkdtemp(prefix="fgcourse-grading-"))
    try:
        for learner in learners:
            notebooks = sorted(learner.glob("*.ipynb"))
            if not notebooks:
                rows.append(Row(learner.name, "-", 0.0, 0.0, "no notebook (.ipynb) in this folder"))
            for path in notebooks:
                if path.stem not in assignments:
                    rows.append(Row(learner.name, path.name, 0.0, 0.0, f"{path.name} is not one of the graded "
                                    f"assignments {sorted(assignments)}: it is for another chapter, not graded"))
                    continue
                assignment = assignments[path.stem]
                try:
                    notebook, problem = _read_submission(path, assignment)
                    edited = _edited_cells(notebook, assignment) if notebook is not None else set()
                except Exception as error:  # whatever is wrong with one file must not stop the class
                    notebook, problem = None, f"could not be read ({type(error).__name__}: {error}): not graded"
                if notebook is None:
                    rows.extend(_rows_for(learner.name, assignment, problem))
                    continue
                copy = scratch / learner.name / path.name  # otter reads the copy; the submission stays as it is
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
                work.append((learner.name, assignment, copy, edited))
        rows.extend(_run_all(work, timeout, jobs, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    order = {(a.chapter, q): i for a in assignments.values() for i, (q, _) in enumerate(a.questions)}
    rows.sort(key=lambda r: (r.submission, r.question.split("/")[0], order.get(tuple(r.question.split("/", 1)), 0)))
    write_reports(submissions, rows, timeout)
    return rows


def _run_all(work, timeout, jobs, scratch) -> list[Row]:
    pending = queue.Queue()
    for item in work:
        pending.put(item)
    rows, lock = [], threading.Lock()

    def serve(index):
        with open(scratch / f"worker-{index}.log", "w") as log:
            worker = _Worker(log)
            try:
                while True:
                    try:
                        learner, assignment, copy, edited = pending.get_nowait()
                    except queue.Empty:
                        return
                    answer = worker.grade(copy, assignment.autograder, timeout)
                    if answer is None or "failure" in answer:
                        worker.kill()  # a stuck or broken worker is replaced
                        worker = _Worker(log)
                    graded = _grade_rows(learner, assignment, answer, edited, timeout)
                    with lock:
                        rows.extend(graded)
                    total = sum(r.score for r in graded)
                    print(f"{learner}/{assignment.chapter}: {total:g}/{sum(p for _, p in assignment.questions):g}",
                          flush=True)
            finally:
                worker.close()

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(serve, range(max(1, min(jobs, len(work))))))
    return rows


# --- reports ----------------------------------------------------------------------------------------

def write_reports(submissions: Path, rows: list[Row], timeout: float) -> None:
    with open(submissions / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "question", "score", "max_score", "message"])
        for row in rows:
            writer.writerow([row.submission, row.question, f"{row.score:g}", f"{row.max_score:g}", row.message])
    (submissions / "grades.md").write_text(summary(rows, timeout))


def summary(rows: list[Row], timeout: float = TIME_LIMIT) -> str:
    """grades.md: the class mean, the hardest question, then per learner and per question."""
    graded = [row for row in rows if row.max_score > 0]
    learners = sorted({row.submission for row in rows})
    first_seen = list(dict.fromkeys(row.question for row in graded))
    questions = sorted(first_seen, key=lambda q: (q.split("/")[0], first_seen.index(q)))
    lines = [f"# Grades ({len(learners)} learners)", ""]
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
        lines.append(f"| {name} | {score:g} | {possible:g} | {percent} |")
    if graded:
        lines += ["", "## Per question", "", "| question | mean score | max | full marks | mean % |",
                  "| --- | --- | --- | --- | --- |"]
        for q in questions:
            rs = per_question[q]
            full = sum(r.score >= r.max_score for r in rs)
            lines.append(f"| {q} | {sum(r.score for r in rs) / len(rs):.2f} | {rs[0].max_score:g} | "
                         f"{full}/{len(rs)} | {100 * means[q]:.0f} |")
    problems = sorted({(r.submission, r.question.split("/")[0], r.message) for r in rows
                       if "not graded" in r.message or r.max_score == 0})
    if problems:
        lines += ["", "## Not graded", ""]
        lines += [f"- {who} ({what}): {message}" for who, what, message in problems]
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
    g = commands.add_parser("grade", help="grade a folder of learner folders (otter run)")
    g.add_argument("submissions", type=Path)
    g.add_argument("--classroom", type=Path, default=DEFAULT_OUT)
    g.add_argument("--timeout", type=float, default=TIME_LIMIT, help="seconds per notebook")
    g.add_argument("--jobs", type=int, default=2, help="notebooks graded at a time")
    g.add_argument("--chapters", nargs="*", default=None)
    commands.add_parser("_worker")
    args = parser.parse_args(argv)
    try:
        if args.command == "_worker":
            _worker()
        elif args.command == "assign":
            assign(args.out, args.chapters, force=args.force, run_tests=not args.no_run_tests)
        else:
            start = time.perf_counter()
            rows = grade(args.submissions, args.classroom, args.timeout, args.jobs, args.chapters)
            print(f"{len(rows)} rows in {args.submissions / 'grades.csv'} and grades.md "
                  f"({time.perf_counter() - start:.0f} s)")
    except ClassroomError as error:
        print(f"classroom: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
