"""Benchmark of the classroom kit (tools/classroom.py) on this machine.

1. `make classroom` for one chapter and for all of them (otter assign, each solution checked
   against its tests).
2. `make grade` on a synthetic class of 40 learners for one chapter (30 correct, 5 with one
   wrong answer, 5 untouched copies), two notebooks at a time, twice in the same run: each
   notebook in its bubblewrap sandbox (what `make grade` does), then without it (`UNSAFE=1`).
   Wall time for the class (target: under 3 minutes), seconds per graded submission, the CPU
   time of the grader and of everything it started, and the ratio of the two wall times
   (target: the sandbox costs at most 1.5 times the time of grading without it).

Everything is built and graded in a temporary folder, never in _build/classroom.

Run: .venv/bin/python benchmarks/bench_classroom.py [--chapter chains] [--learners 40] [--quick]
(``--quick``: a class of 1 learner, graded both ways, and only the chapter it grades is built,
without checking its solution, to check that the script runs; its numbers are not meaningful.)
"""

import argparse
import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom  # noqa: E402
import sandbox  # noqa: E402

WRONG = {"chains": ("jvp", "def jvp_chain(fs, s0, v):\n    return fs[-1](s0), v\n"),
         "checkpointing": ("halving", "def halving_calls(K):\n    return K - 1\n")}


def synthetic_class(out: Path, chapter: str, learners: int, folder: Path) -> None:
    """learners folders: 3/4 correct, 1/8 with one wrong answer, 1/8 untouched."""
    student = nbformat.read(out / chapter / "student" / f"{chapter}.ipynb", as_version=4)
    solution = classroom.filled_copy(out, chapter)
    question, source = WRONG.get(chapter, (None, None))
    wrong = classroom.filled_copy(out, chapter, {question: source}) if question else student
    for i in range(learners):
        kind = "wrong" if i % 8 == 1 else "untouched" if i % 8 == 2 else "correct"
        notebook = {"correct": solution, "wrong": wrong, "untouched": student}[kind]
        path = folder / f"learner{i:02d}_{kind}" / f"{chapter}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)


def graded(out: Path, submissions: Path, chapter: str, learners: int, unsafe: bool) -> tuple[float, float]:
    """Grade the class once; print and return (wall seconds, CPU seconds of the grader and of each notebook's
    grading script and kernel, as that script reports it: a sandbox's processes are not the grader's children)."""
    notebooks = []

    def counted(*args, **kwargs):
        outcome = run_notebook(*args, **kwargs)
        with contextlib.suppress(ValueError, AttributeError):
            notebooks.append(float(json.loads(outcome.stdout).get("cpu", 0.0)))
        return outcome

    run_notebook = sandbox.run_notebook
    sandbox.run_notebook = counted
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            rows = classroom.grade(submissions, out, timeout=120, jobs=2, names=[chapter], unsafe=unsafe)
    finally:
        sandbox.run_notebook = run_notebook
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) + sum(notebooks)
    full = sum(r.score == r.max_score for r in rows)
    how = "without the sandbox (UNSAFE=1)" if unsafe else "each notebook in its sandbox"
    print(f"make grade, {learners} learners x 1 chapter, 2 at a time, {how}: {wall:.1f} s wall "
          f"(target < 180 s: {'met' if wall < 180 else 'NOT met'}), {wall / learners:.2f} s per submission; "
          f"CPU {cpu:.1f} s, {cpu / learners:.2f} s per submission; {len(rows)} rows, {full} at full marks "
          f"(load average {os.getloadavg()[0]:.1f})")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapter", default="chains", choices=classroom.chapters())
    parser.add_argument("--learners", type=int, help="learners in the class (default 40, 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny class, only the graded chapter built: checks the script, numbers not meaningful")
    args = parser.parse_args()
    if args.learners is None:
        args.learners = 1 if args.quick else 40
    if args.quick:
        print(f"QUICK RUN (--quick): {args.learners} learner(s), one chapter built; "
              "the numbers below are NOT meaningful, do not quote them")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "classroom"
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            classroom.assign(out, [args.chapter], run_tests=not args.quick)
        print(f"make classroom, one chapter ({args.chapter}): {time.perf_counter() - start:.1f} s")
        others = [name for name in classroom.chapters() if name != args.chapter]
        if args.quick:  # the same classroom.assign as above: a quick run builds only what it grades
            print(f"make classroom, the {len(others)} other chapters: not built (--quick)")
        else:
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                classroom.assign(out, others)
            print(f"make classroom, the {len(others)} other chapters: {time.perf_counter() - start:.1f} s")
        submissions = Path(scratch) / "submissions"
        synthetic_class(out, args.chapter, args.learners, submissions)
        sandboxed, _ = graded(out, submissions, args.chapter, args.learners, unsafe=False)
        unsafe, _ = graded(out, submissions, args.chapter, args.learners, unsafe=True)
        ratio = sandboxed / unsafe
        print(f"the sandbox's cost: {ratio:.2f} times the wall time without it "
              f"(target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
