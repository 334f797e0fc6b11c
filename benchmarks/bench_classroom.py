"""Benchmark of the classroom kit (tools/classroom.py) on this machine.

1. `make classroom` for one chapter and for all of them (otter assign, each solution checked
   against its tests).
2. `make grade` on a synthetic class of 40 learners for one chapter (30 correct, 5 with one
   wrong answer, 5 untouched copies), two notebooks at a time: wall time for the class
   (target: under 3 minutes) and seconds per graded submission.

Everything is built and graded in a temporary folder, never in _build/classroom.

Run: .venv/bin/python benchmarks/bench_classroom.py [--chapter chains] [--learners 40] [--quick]
(``--quick``: a class of 2 learners, one correct and one wrong (unless --learners is given),
and only the chapter it grades is built, to check that the script runs; its numbers are not
meaningful.)
"""

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapter", default="chains", choices=classroom.chapters())
    parser.add_argument("--learners", type=int, help="learners in the class (default 40, 2 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny class, only the graded chapter built: checks the script, numbers not meaningful")
    args = parser.parse_args()
    if args.learners is None:
        args.learners = 2 if args.quick else 40
    if args.quick:
        print(f"QUICK RUN (--quick): {args.learners} learners, one chapter built; "
              "the numbers below are NOT meaningful, do not quote them")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "classroom"
        start = time.perf_counter()
        classroom.assign(out, [args.chapter])
        print(f"make classroom, one chapter ({args.chapter}): {time.perf_counter() - start:.1f} s")
        others = [name for name in classroom.chapters() if name != args.chapter]
        if args.quick:  # the same classroom.assign as above: a quick run builds only what it grades
            print(f"make classroom, the {len(others)} other chapters: not built (--quick)")
        else:
            start = time.perf_counter()
            classroom.assign(out, others)
            print(f"make classroom, the {len(others)} other chapters: {time.perf_counter() - start:.1f} s")
        submissions = Path(scratch) / "submissions"
        synthetic_class(out, args.chapter, args.learners, submissions)
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        rows = classroom.grade(submissions, out, timeout=120, jobs=2, names=[args.chapter])
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        full = sum(r.score == r.max_score for r in rows)
        print(f"make grade, {args.learners} learners x 1 chapter, 2 at a time: {wall:.1f} s wall "
              f"(target < 180 s: {'met' if wall < 180 else 'NOT met'}), {wall / args.learners:.2f} s per submission "
              f"of wall time, {2 * wall / args.learners:.2f} s per submission per worker; "
              f"{len(rows)} rows, {full} at full marks")
        # The workers and their kernels are waited for, so their CPU time is counted: on an idle
        # machine the two workers would take about cpu / 2 of wall time.
        print(f"CPU time of the workers and kernels: {cpu:.1f} s, {cpu / args.learners:.2f} s per submission; "
              f"on an idle 2-core machine about {cpu / 2:.0f} s wall for the class "
              f"(load average during the run: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
