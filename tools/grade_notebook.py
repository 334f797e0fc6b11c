"""Run one learner's notebook and its tests' cases; print the results as one JSON document.

    python grade_notebook.py PLAN

The classroom grader (tools/classroom.py) runs this inside the sandbox of one notebook, in a
folder that holds only a copy of it. PLAN (JSON) names the notebook, the cells not to run (otter's
setup and ``grader.check`` cells: self-checks for the learner, not grading) and each test's cases
(``fgcourse.exercises.record_tests``). The notebook runs top to bottom in a kernel started here
(nbclient, errors allowed, as in Jupyter's "Run all"); then one more cell runs every test's cases
on the functions the notebook defined. What comes out on stdout is data only:

    {"errors": [one line per cell that raised], "records": {test id: record} or null,
     "failure": null or why the notebook could not be run, "cpu": seconds of CPU used here}

Nothing here is trusted: everything runs with the learner's code, and the grader reads the
document as the learner's answers, with a size cap, comparing them in its own process.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
from pathlib import Path

MAX_RECORDS_BYTES = 32 * 2**20
PROBE = """\
def _fgcourse_record(plan, out):
    import json
    from fgcourse.exercises import record_tests
    with open(plan) as handle:
        tests = json.load(handle)["tests"]
    records = record_tests(tests, globals())
    with open(out, "w") as handle:
        json.dump(records, handle)
_fgcourse_record({plan!r}, {out!r})
del _fgcourse_record
"""


def cell_errors(cells) -> list[str]:
    """One line per executed cell that raised."""
    errors = []
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first = next((line for line in cell.source.splitlines() if line.strip()), "")
                errors.append(f'the cell starting "{first[:40]}" raised {str(output.get("ename"))[:40]}: '
                              f'{str(output.get("evalue", ""))[:120]}')
    return errors


def run(plan_path: str) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    plan = json.loads(Path(plan_path).read_text())
    notebook = nbformat.reads(Path(plan["notebook"]).read_text(), as_version=4)
    skipped = set(plan["skip"])
    cells = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip() not in skipped]
    with tempfile.TemporaryDirectory(prefix="fgcourse-records-") as scratch:
        records = os.path.join(scratch, "records.json")
        notebook.cells = cells + [nbformat.v4.new_code_cell(PROBE.format(plan=plan_path, out=records))]
        try:
            for attempt in (1, 2):
                client = NotebookClient(notebook, kernel_name="python3", allow_errors=True, timeout=None,
                                        resources={"metadata": {"path": os.getcwd()}})
                try:
                    client.execute()
                    break
                except RuntimeError as error:
                    # A kernel that dies before its first reply has run nothing of the notebook: started
                    # again once. (Unsandboxed graders side by side pick TCP ports independently, and a
                    # kernel whose port another one took first dies at startup.)
                    if attempt == 2 or "before replying to kernel_info" not in str(error):
                        raise
        except DeadKernelError as error:
            return {"errors": cell_errors(cells), "records": None, "failure": f"the kernel died ({error})"}
        errors = cell_errors(cells)
        probe_errors = [o for o in notebook.cells[-1].get("outputs", []) if o.get("output_type") == "error"]
        if probe_errors:
            failure = f"{probe_errors[0].get('ename')}: {str(probe_errors[0].get('evalue'))[:200]}"
            return {"errors": errors, "records": None, "failure": f"the tests could not run ({failure})"}
        with open(records, "rb") as handle:
            text = handle.read(MAX_RECORDS_BYTES + 1)
    if len(text) > MAX_RECORDS_BYTES:
        return {"errors": errors, "records": None, "failure": "the answers are too large to be graded"}
    return {"errors": errors, "records": json.loads(text), "failure": None}


def main() -> int:
    # stdout carries the one result document; what the kernel and nbclient print goes to stderr.
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    try:
        result = run(sys.argv[1])
    except Exception as error:  # whatever the notebook did to this process, the grader gets one line
        result = {"errors": [], "records": None, "failure": f"{type(error).__name__}: {str(error)[:200]}"}
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    result["cpu"] = sum(u.ru_utime + u.ru_stime for u in usage)  # this script's and the kernel's, for benchmarks
    channel.write(json.dumps(result))
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
