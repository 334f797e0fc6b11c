"""What a learner's notebook can do to the grader, tried for real: every attack must fail.

A class of one chapter is graded by `make grade`, each notebook in its bubblewrap sandbox, two at a
time: honest learners (one right, one with a wrong answer) sorted before and after learners whose
notebooks attack the grader. An attacker that looks for something (the hidden tests' checks, the
solutions, other submissions, the grader's home and environment, a way out) writes its answer to
the first question only if it found nothing, so that full marks on that question prove both that
the attack ran to its end and that it failed; otherwise the answer raises with what it found,
which grades.csv shows. The grader runs with a secret in its environment and in its home folder.
The network is tried on a server of the test's own, on this machine's loopback address only.

The attacks never harm the machine if the sandbox fails: each first checks that it runs in one
(its own process namespace, under bwrap) and otherwise only says so, which fails its test; a write
is tried on the test's own files, and elsewhere only by opening a file for appending without
writing; the forged results go only to the pipes of the notebook's own grading processes.
"""

import base64
import csv
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("otter", reason="the classroom kit needs otter-grader: make env installs .[classroom]")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom  # noqa: E402
import sandbox  # noqa: E402

UNDER_TEST = (f"VENV={sys.prefix}", "-o", f"{sys.prefix}/.installed")
HONEST = {"a_right": 6, "b_one_wrong": 4, "y_right": 6, "z_one_wrong": 4}
WRONG_JVP = ("def jvp_chain(fs, s0, v):\n    s, t = s0, v\n    for f in fs:\n        s, t = make_jvp(f)(s)(t)\n"
             "    return s, 2 * t\n")
ENV_SECRET, HOME_SECRET = f"env-{secrets.token_hex(8)}", f"home-{secrets.token_hex(8)}"

# An attack is the answer cell of the first question: it sets `found` to what it managed, then
# defines jvp_chain right only if that is nothing.
SANDBOXED = '''
def sandboxed():
    """In a sandbox of the grader's: a process namespace of its own, whose first process is bwrap."""
    import os
    try:
        with open("/proc/1/cmdline", "rb") as handle:
            first = handle.read().split(b"\\0")[0]
    except OSError:
        return False
    return first.endswith(b"bwrap") and len([p for p in os.listdir("/proc") if p.isdigit()]) < 40
'''

ATTACK = SANDBOXED + '''
import base64, os, sys
found = []
SECRETS = [base64.b64decode(s) for s in {secrets!r}]   # encoded, so that this notebook does not hold them
PATHS = {paths!r}


def attack():
{body}


if not sandboxed():
    found.append("not run: this notebook is not in a sandbox")
else:
    try:
        attack()
    except Exception as error:
        found.append(f"the attack itself failed ({{type(error).__name__}}: {{error}})")
if found:
    def jvp_chain(fs, s0, v):
        raise ValueError("FOUND " + "; ".join(map(str, found))[:150])
else:
    def jvp_chain(fs, s0, v):
        s, t = s0, v
        for f in fs:
            s, t = make_jvp(f)(s)(t)
        return s, t
'''

LOOK_FOR_SECRETS = '''
    own = os.path.realpath("chains.ipynb")
    for path in PATHS:  # the grader's files, by their real paths on the machine
        if os.path.exists(path):
            found.append(f"{path} exists")
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        for what in ("environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as handle:
                    text = handle.read()
            except OSError:
                continue
            found.extend([f"a secret in /proc/{pid}/{what}" for secret in SECRETS if secret in text])
        for what in ("cwd", "root"):
            try:
                names = os.listdir(f"/proc/{pid}/{what}")
            except OSError:
                continue
            found.extend([f"/proc/{pid}/{what} holds {n}" for n in names if n in ("notebooks", "Makefile", ".ssh")])
    found.extend(["a secret in my environment" for secret in SECRETS if secret.decode() in str(os.environ)])
    skip = {"/proc", "/sys", "/dev", "/usr", "/opt/fgcourse", sys.prefix, sys.base_prefix}
    for top, folders, files in os.walk("/"):
        folders[:] = [f for f in folders if os.path.join(top, f) not in skip]
        for name in files:
            path = os.path.join(top, name)
            if path == own or not os.path.isfile(path):
                continue
            try:
                with open(path, "rb") as handle:
                    text = handle.read(8 * 2**20)
            except OSError:
                continue
            found.extend([f"a secret in {path}" for secret in SECRETS if secret in text])
'''

PATCH_THE_GRADER = '''
    import pickle
    import fgcourse.exercises as exercises
    from otter.test_files import exception_test
    exception_test.ExceptionTestFile.run = lambda self, *args, **kwargs: None
    exception_test.ExceptionTestFile.score = property(lambda self: 100)
    pickle.dump = lambda *args, **kwargs: None
    nothing = {"results": [], "error": None, "answer_key_calls": []}
    exercises.record_tests = lambda tests, namespace: {test: dict(nothing) for test in tests}
    exercises.run_cases = lambda *args, **kwargs: dict(nothing)
    exercises.observe = lambda *args, **kwargs: []
    exercises.expect_cases = exercises.expect_close = exercises.expect_equal = lambda *args, **kwargs: None
    for path in PATHS:  # the instructor's solution notebook, to run its answers here
        try:
            exec(compile(open(path).read(), path, "exec"), globals())
            found.append(f"ran {path}")
        except OSError:
            pass
'''

WRITE_EVERYWHERE = '''
    own = os.path.realpath("chains.ipynb")
    for path in PATHS:  # other submissions, grades.csv, by their real paths
        try:
            with open(path, "w") as handle:
                handle.write("forged")
            found.append(f"wrote {path}")
        except OSError:
            pass
    # any other notebook, report or copy in reach, outside this notebook's own /tmp and home: opened
    # for appending, and closed without writing
    skip = {"/proc", "/sys", "/dev", "/usr", "/opt/fgcourse", "/tmp", os.getcwd(), sys.prefix, sys.base_prefix}
    for top, folders, files in os.walk("/"):
        folders[:] = [f for f in folders if os.path.join(top, f) not in skip]
        for name in files:
            path = os.path.join(top, name)
            if path == own or os.path.islink(path) or not os.path.isfile(path):
                continue
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
                found.append(f"could write {path}")
            except OSError:
                pass
'''

FORGE_RESULTS = SANDBOXED + '''
import json, os, stat
forged = json.dumps({"errors": [], "failure": None, "records": {}})
if sandboxed():
    for pid in (os.getppid(), os.getpid()):  # the grading script's pipes, and the kernel's own
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:  # a forged result on each pipe
            path = f"/proc/{pid}/fd/{fd}"
            try:
                if stat.S_ISFIFO(os.stat(path).st_mode):
                    descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                    os.write(descriptor, (forged + "\\n").encode())
                    os.close(descriptor)
            except OSError:
                pass
'''

OUTLIVE = '''
    import subprocess, time
    code = ("import os, time\\n"
            "time.sleep(6)\\n"
            f"for path in {PATHS!r}:\\n"
            "    open(path, 'w').write('forged by a process that outlived the grading')\\n")
    subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:  # a daemon too: fork, new session, fork again
        os.setsid()
        if os.fork() == 0:
            time.sleep(6)
            for path in PATHS:
                try:
                    open(path, "w").write("forged")
                except OSError:
                    pass
        os._exit(0)
'''

USE_RESOURCES = '''
    import shutil, socket, tempfile, time
    try:
        block = bytearray(3 * 2**30)
        found.append(f"allocated {len(block) / 2**30:.0f} GB")
        del block
    except MemoryError:
        pass
    children = []
    try:
        for _ in range(200):  # a fork bomb, each child waiting to be counted
            pid = os.fork()
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            children.append(pid)
    except OSError:
        pass
    finally:
        for pid in children:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    if len(children) >= 100:
        found.append(f"forked {len(children)} processes")
    try:
        with socket.create_connection(("127.0.0.1", PATHS[0]), timeout=3) as connection:
            connection.sendall(b"a notebook reached the grader's network")
        found.append("reached the network")
    except OSError:
        pass
    folder = tempfile.mkdtemp()
    try:
        written = 0
        try:
            with open(os.path.join(folder, "big"), "wb") as handle:
                for _ in range(1024):
                    handle.write(b"0" * 2**20)
                    written += 2**20
        except OSError:
            pass
        if written >= 2**30:
            found.append("wrote a 1 GB file")
        total = 0
        for index in range(10):
            try:
                with open(os.path.join(folder, f"fill{index}"), "wb") as handle:
                    for _ in range(60):
                        handle.write(b"0" * 2**20)
                        total += 2**20
            except OSError:
                pass
        if total >= 500 * 2**20:
            found.append(f"wrote {total / 2**20:.0f} MB to /tmp")
    finally:
        shutil.rmtree(folder)
'''

MEMORY_OF_A_TREE = SANDBOXED + '''
import os, time
if sandboxed():
    for _ in range(5):  # 5 processes of 600 MB each: each within its own limit, not together
        if os.fork() == 0:
            block = b"1" * (600 * 2**20)
            time.sleep(30)
            os._exit(0)
    time.sleep(30)
'''


def attack_notebook(out: Path, body: str, paths) -> nbformat.NotebookNode:
    encoded = [base64.b64encode(s.encode()).decode() for s in (ENV_SECRET, HOME_SECRET, "def by_columns",
                                                                "for pullback in reversed(tape)",
                                                                "tests/jacobian_forward.py")]
    source = ATTACK.format(secrets=encoded, paths=list(paths), body=body.strip("\n"))
    notebook = nbformat.read(out / "chains" / "student" / "chains.ipynb", as_version=4)
    for cell in notebook.cells:
        if "otter_answer_cell" in cell.metadata.get("tags", []) and "def jvp_chain" in cell.source:
            cell.source = source
            return notebook
    raise AssertionError("no answer cell for jvp_chain")


def tree_digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def sandbox_processes() -> list:
    import psutil

    uids = range(sandbox.SANDBOX_UID, sandbox.SANDBOX_UID + 16)
    return [p for p in psutil.process_iter(["uids", "status"])
            if p.info["uids"] and p.info["uids"].real in uids and p.info["status"] != psutil.STATUS_ZOMBIE]


class Listener:
    """A TCP server on this machine's loopback address that records whoever connects."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.heard = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                self.heard.append(connection.recv(100))


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    assert sandbox.available() is None, f"no sandbox here: {sandbox.available()} (make test installs bubblewrap)"
    out = tmp_path_factory.mktemp("classroom")
    done = subprocess.run(["make", "--no-print-directory", *UNDER_TEST, "classroom", f"CLASSROOM={out}",
                           "CHAPTERS=chains"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    submissions = tmp_path_factory.mktemp("class")
    home = tmp_path_factory.mktemp("home")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_canary").write_text(HOME_SECRET)
    listener = Listener()

    def write(notebook, learner):
        (submissions / learner).mkdir()
        nbformat.write(notebook, submissions / learner / "chains.ipynb")

    for learner in HONEST:
        right = "right" in learner
        write(classroom.filled_copy(out, "chains", None if right else {"jvp": WRONG_JVP}), learner)
    grader_files = [str(ROOT / "Makefile"), str(ROOT / "instructors" / "masters" / "chains.ipynb"),
                    str(out / "chains" / "autograder" / "chains.ipynb"), str(submissions / "a_right" / "chains.ipynb"),
                    str(home / ".ssh" / "id_canary"), str(submissions)]
    targets = [str(submissions / "a_right" / "chains.ipynb"), str(submissions / "z_one_wrong" / "chains.ipynb"),
               str(submissions / "grades.csv"), str(submissions / "grades.md")]
    write(attack_notebook(out, LOOK_FOR_SECRETS, grader_files), "m_secrets")
    write(attack_notebook(out, PATCH_THE_GRADER, [str(out / "chains" / "autograder" / "chains.ipynb")]), "m_patch")
    write(attack_notebook(out, WRITE_EVERYWHERE, targets), "m_writes")
    write(attack_notebook(out, OUTLIVE, targets), "m_outlive")
    write(attack_notebook(out, USE_RESOURCES, [listener.port]), "m_resources")
    tree = classroom.filled_copy(out, "chains")
    tree.cells.insert(3, nbformat.v4.new_code_cell(MEMORY_OF_A_TREE))
    write(tree, "m_memory")
    forge = nbformat.read(out / "chains" / "student" / "chains.ipynb", as_version=4)
    forge.cells.insert(3, nbformat.v4.new_code_cell(FORGE_RESULTS))
    write(forge, "m_pipes")
    before = tree_digest(submissions)
    temporary = set(Path(tempfile.gettempdir()).glob("fgcourse-*"))
    environment = {**os.environ, "FGCOURSE_SECRET": ENV_SECRET, "HOME": str(home)}
    start = time.monotonic()
    done = subprocess.run(["make", "--no-print-directory", *UNDER_TEST, "grade", f"SUBMISSIONS={submissions}",
                           f"CLASSROOM={out}", "TIMEOUT=60"], cwd=ROOT, capture_output=True, text=True,
                          env=environment)
    assert done.returncode == 0, f"make grade failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    report = (submissions / "grades.csv").read_text()
    time.sleep(1)  # the processes of the last sandbox are being killed as make returns
    left = sandbox_processes()
    time.sleep(max(0.0, 8 - (time.monotonic() - start)))  # past the 6 s a surviving process would wait
    with open(submissions / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    return {"rows": rows, "report": report, "submissions": submissions, "before": before, "left": left,
            "listener": listener, "temporary": set(Path(tempfile.gettempdir()).glob("fgcourse-*")) - temporary,
            "done": done}


def total(rows, learner):
    return sum(float(r["score"]) for r in rows if r["submission"] == learner)


def scores(rows, learner):
    return {r["question"]: (float(r["score"]), r["message"]) for r in rows if r["submission"] == learner}


def test_the_learners_graded_before_and_after_the_attackers_keep_their_grades(attacked):
    for learner, points in HONEST.items():
        assert total(attacked["rows"], learner) == points, scores(attacked["rows"], learner)


def test_no_attack_found_the_hidden_checks_the_solutions_other_submissions_the_home_or_the_environment(attacked):
    rows = attacked["rows"]
    assert "FOUND" not in attacked["report"], [r["message"] for r in rows if "FOUND" in r["message"]]
    for secret in (ENV_SECRET, HOME_SECRET, "def by_columns", "reversed(tape)"):
        assert secret not in attacked["report"] and secret not in (attacked["submissions"] / "grades.md").read_text()
    # jvp right proves that the search ran to its end, and found nothing
    assert scores(rows, "m_secrets")["chains/jvp"] == (2.0, "passed"), scores(rows, "m_secrets")


def test_patching_otter_pickle_or_fgcourse_exercises_gives_a_blank_notebook_nothing(attacked):
    # The patched record_tests sent no results at all (a blank notebook says "not answered yet"):
    # the checks, made outside, count what came back, not what the notebook says of it.
    patched = scores(attacked["rows"], "m_patch")
    assert patched and all(score == 0 and "results, got 0" in message for score, message in patched.values()), patched
    assert "ran " not in attacked["report"]


def test_a_forged_result_on_the_grading_pipes_gives_nothing_and_changes_no_other_grade(attacked):
    forged = scores(attacked["rows"], "m_pipes")
    assert forged and all(score == 0 for score, _ in forged.values()), forged
    assert total(attacked["rows"], "y_right") == 6 and total(attacked["rows"], "z_one_wrong") == 4


def test_no_submission_report_copy_or_pipe_of_the_grader_can_be_written(attacked):
    assert scores(attacked["rows"], "m_writes")["chains/jvp"] == (2.0, "passed"), scores(attacked["rows"], "m_writes")
    after = tree_digest(attacked["submissions"])
    assert {k: v for k, v in after.items() if not k.startswith("grades.")} == attacked["before"]
    assert "forged" not in attacked["report"]


def test_nothing_of_a_notebook_outlives_its_grading(attacked):
    assert scores(attacked["rows"], "m_outlive")["chains/jvp"] == (2.0, "passed")
    assert attacked["left"] == [], attacked["left"]
    assert sandbox_processes() == []
    assert (attacked["submissions"] / "grades.csv").read_text() == attacked["report"]  # 8 s later, untouched
    assert "forged" not in (attacked["submissions"] / "grades.md").read_text()
    assert attacked["temporary"] == set(), attacked["temporary"]


def test_memory_processes_file_size_and_network_are_limited(attacked):
    assert scores(attacked["rows"], "m_resources")["chains/jvp"] == (2.0, "passed"), scores(attacked["rows"],
                                                                                             "m_resources")
    assert attacked["listener"].heard == []
    memory = scores(attacked["rows"], "m_memory")
    assert all(score == 0 and "more than 2 GiB of memory" in message for score, message in memory.values()), memory
