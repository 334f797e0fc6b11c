"""Run one learner's notebook in a bubblewrap sandbox, with limits, and collect what it prints.

The sandbox of one notebook (``bwrap`` from the Debian package ``bubblewrap``, and ``prlimit`` and
``setpriv`` from util-linux) has

- its own process, network, IPC and host-name namespaces: it sees only its own processes, has no
  network but its own loopback, and everything in it dies with its first process;
- a file system built for it: read-only ``/usr`` (with the ``/bin``, ``/lib``... links of a merged
  ``/usr``), the dynamic linker's cache, the Python environment and the interpreter it links to, the
  ``fgcourse`` package and the grading script, each read-only; a private ``/tmp`` and a private home
  (``/home/learner``), both in memory and of a bounded size, the home holding only a copy of the
  notebook; an ``/etc/passwd`` naming only the learner. No part of the instructor's home, of the
  repository, of the masters, solutions or autograders, nor any other submission;
- as root: a user of its own (a uid that no account has, one per grading slot), no capabilities and
  ``no_new_privs``; otherwise a user namespace that cannot make further ones;
- limits on each process (``prlimit``): address space, CPU time, file size, processes and threads,
  open files, no core dumps; and on the whole tree, watched from outside: wall time and memory
  (the processes' proportional set sizes). At the end, or at a limit, the whole tree is killed.

``--unsafe`` grading runs the same script without any of this, in a temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import fgcourse

RUNNER = Path(__file__).resolve().with_name("grade_notebook.py")
LIBRARY = Path(fgcourse.__file__).resolve().parent
HOME = "/home/learner"
INSIDE = "/opt/grading"  # the grading script and the plan, read-only
SANDBOX_UID = 61000  # + the grading slot: a user of its own for each notebook graded at a time
POLL = 0.2  # seconds between two looks at a running sandbox's memory
BWRAP_ENV = {"PATH": "/usr/bin:/bin"}  # bwrap's own environment, which its pid 1 keeps: nothing of the grader's
INSTALL = ("install bubblewrap (`apt-get install bubblewrap` on Debian and Ubuntu, as root), or grade "
           "without the sandbox with --unsafe (make grade UNSAFE=1), only for notebooks you trust: each "
           "notebook then runs in your account, with your files and your network")


@dataclass(frozen=True)
class Limits:
    """What one notebook may use. ``memory`` bounds each process's address space and the whole tree's
    memory (proportional set sizes); ``cpu`` each process's CPU seconds; ``wall`` the seconds from start
    to end; ``scratch`` each of its two private folders (in memory); ``output`` what it may print."""

    wall: float = 120.0
    memory: int = 2 * 2**30
    cpu: int = 120
    file_size: int = 64 * 2**20
    processes: int = 64
    open_files: int = 256
    scratch: int = 256 * 2**20
    output: int = 40 * 2**20

    @classmethod
    def for_time(cls, seconds: float, memory: int) -> Limits:
        return cls(wall=seconds, cpu=int(seconds) + 5, memory=memory)


@dataclass(frozen=True)
class Outcome:
    """How one run ended: its stdout (at most ``Limits.output`` bytes), the end of its stderr, and
    ``stopped``: None, or why the grader killed it ("time", "memory", "output")."""

    stdout: bytes
    stderr: str
    returncode: int | None
    stopped: str | None


def _python_roots() -> list[str]:
    """The Python environment and the interpreter it links to, outside /usr (already bound)."""
    roots = []
    for path in (sys.prefix, sys.base_prefix, str(Path(os.path.realpath(sys.executable)).parents[1])):
        path = os.path.realpath(path)
        if not path.startswith("/usr/") and path != "/usr" and path not in roots:
            roots.append(path)
    return roots


def _parents(path: str, made: set) -> list[str]:
    """``--dir`` for each missing parent of ``path``, readable by the sandbox's user."""
    args = []
    for parent in reversed(Path(path).parents[:-1]):
        if str(parent) not in made:
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _environment(home: str, library_root: str) -> dict:
    environment = {
        "PATH": f"{os.path.join(sys.prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "USER": "learner",
        "LOGNAME": "learner",
        "LANG": "C.UTF-8", "PYTHONPATH": library_root, "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter", "JUPYTER_DATA_DIR": "/tmp/jupyter-data", "IPYTHONDIR": "/tmp/ipython",
        "MPLCONFIGDIR": "/tmp/matplotlib", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    for key in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE"):  # the SIMD level under test, if one is set
        if key in os.environ:
            environment[key] = os.environ[key]
    return environment


def bwrap_arguments(limits: Limits, slot: int, notebook_fd: int, name: str, plan_fd: int,
                    passwd_fd: int) -> tuple[list[str], list[str]]:
    """(bwrap's options, the command it runs) for one notebook's sandbox; the file descriptors are copied
    in by bwrap. The options go through a file descriptor (``bwrap --args``), so that the sandbox's pid 1
    shows no path of the grader's in its command line."""
    root = os.geteuid() == 0
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if root else ["--unshare-user", "--disable-userns"]
    made = {"/"}
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--ro-bind", "/usr", "/usr", "--perms", "0755", "--dir", "/etc"]
    made.add("/etc")
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        args += ["--ro-bind-try", path, path]
    # The private /tmp first: an environment that lives under /tmp (a checkout there) is bound over it.
    args += ["--size", str(limits.scratch), "--perms", "1777", "--tmpfs", "/tmp"]
    made.add("/tmp")
    for path in _python_roots():
        args += _parents(path, made) + ["--ro-bind", path, path]
    library = f"/opt/fgcourse/{LIBRARY.name}"
    args += _parents(library, made) + ["--ro-bind", str(LIBRARY), library]
    args += _parents(f"{INSIDE}/x", made) + ["--ro-bind", str(RUNNER), f"{INSIDE}/grade_notebook.py",
                                            "--perms", "0444", "--ro-bind-data", str(plan_fd), f"{INSIDE}/plan.json",
                                            "--perms", "0444", "--ro-bind-data", str(passwd_fd), "/etc/passwd"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "0755", "--dir", "/home",
             "--size", str(limits.scratch), "--perms", "0777", "--tmpfs", HOME,
             "--perms", "0666", "--file", str(notebook_fd), f"{HOME}/{name}",
             "--chdir", HOME, "--clearenv"]
    for key, value in _environment(HOME, "/opt/fgcourse").items():
        args += ["--setenv", key, value]
    command = []
    if root:
        uid = SANDBOX_UID + slot
        command += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                    "--inh-caps=-all", "--"]
    command += ["/usr/bin/prlimit", f"--as={limits.memory}", f"--cpu={limits.cpu}", f"--fsize={limits.file_size}",
                f"--nproc={limits.processes}", f"--nofile={limits.open_files}", "--core=0", "--",
                sys.executable, f"{INSIDE}/grade_notebook.py", f"{INSIDE}/plan.json"]
    return args, command


def _bwrap(options: list[str], command: list[str]) -> tuple[list[str], int]:
    """The bwrap command line and the file descriptor holding its options."""
    fd = _memfd("options", b"".join(option.encode() + b"\0" for option in options))
    return ["bwrap", "--args", str(fd), "--", *command], fd


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _passwd(slot: int) -> bytes:
    uid = SANDBOX_UID + slot if os.geteuid() == 0 else os.geteuid()
    return f"learner:x:{uid}:{uid}:learner:{HOME}:/bin/sh\n".encode()


def available() -> str | None:
    """None when notebooks can be sandboxed here, else why not (one line)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    for tool in ("/usr/bin/prlimit", "/usr/bin/setpriv"):
        if not os.path.exists(tool):
            return f"{tool} (util-linux) is missing"
    check = b'{"notebook": null, "skip": [], "tests": {}}'
    fds = [_memfd("notebook", b"{}"), _memfd("plan", check), _memfd("passwd", _passwd(0))]
    try:
        options, command = bwrap_arguments(Limits(), 0, fds[0], "check.ipynb", fds[1], fds[2])
        command, options_fd = _bwrap(options, command[:-2] + ["-c", "import fgcourse"])
        fds.append(options_fd)
        done = subprocess.run(command, pass_fds=fds, capture_output=True, text=True, timeout=60, env=BWRAP_ENV)
    except (OSError, subprocess.SubprocessError) as error:
        return f"bwrap could not run ({error})"
    finally:
        for fd in fds:
            os.close(fd)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return f"bwrap could not start a sandbox ({last})"
    return None


def _tree(pid: int) -> list:
    import psutil

    try:
        top = psutil.Process(pid)
        return [top, *top.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _resident(pid: int) -> int:
    """The memory the process tree holds: the sum of its proportional set sizes (a page shared by n
    processes, as after a fork, counts 1/n in each)."""
    import psutil

    total = 0
    for process in _tree(pid):
        with contextlib.suppress(psutil.Error):
            total += process.memory_full_info().pss
    return total


def _kill(process: subprocess.Popen) -> None:
    """Kill the process, its group and every descendant, then reap it.

    Called before the process is reaped (it may have exited: its pid and group stay reserved until
    then), so that no other process can have taken its group's id. A sandbox's pid 1 takes every
    process of the sandbox with it.
    """
    import psutil

    for member in _tree(process.pid):
        with contextlib.suppress(psutil.Error):
            member.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _watch(process: subprocess.Popen, limits: Limits, out: Path) -> str | None:
    """Wait for the process to exit, without reaping it; None, or the limit at which it was stopped."""
    deadline = time.monotonic() + limits.wall
    exited = os.pidfd_open(process.pid)
    try:
        while not select.select([exited], [], [], POLL)[0]:
            if time.monotonic() > deadline:
                return "time"
            if _resident(process.pid) > limits.memory:
                return "memory"
            if os.path.getsize(out) > limits.output:
                return "output"
        return None
    finally:
        os.close(exited)


def _tail(path: Path, size: int = 4000) -> str:
    with open(path, "rb") as handle:
        handle.seek(max(0, os.path.getsize(path) - size))
        return handle.read().decode(errors="replace")


def run_notebook(notebook: bytes, name: str, tests: dict, skip: list, limits: Limits, slot: int = 0,
                 sandboxed: bool = True) -> Outcome:
    """Run grade_notebook.py on a copy of ``notebook`` (saved as ``name``), sandboxed unless told not to.

    Whatever happens, the run's processes are killed and its temporary files removed before this returns.
    """
    scratch = Path(tempfile.mkdtemp(prefix="fgcourse-notebook-"))
    fds = []
    try:
        out, err = scratch / "stdout", scratch / "stderr"
        work = Path(HOME) if sandboxed else scratch / "home"
        plan = json.dumps({"notebook": str(work / name), "skip": skip, "tests": tests})
        if sandboxed:
            fds = [_memfd("notebook", notebook), _memfd("plan", plan.encode()),
                   _memfd("passwd", _passwd(slot))]
            command, options_fd = _bwrap(*bwrap_arguments(limits, slot, fds[0], name, fds[1], fds[2]))
            fds.append(options_fd)
            cwd, environment = scratch, BWRAP_ENV
        else:
            work.mkdir()
            (work / name).write_bytes(notebook)
            (scratch / "plan.json").write_text(plan)
            command, cwd = [sys.executable, str(RUNNER), str(scratch / "plan.json")], work
            environment = _environment(str(work), str(LIBRARY.parent))
            for key in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
                environment[key] = str(scratch / key.lower())
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, cwd=cwd,
                                       env=environment, pass_fds=fds, start_new_session=True)
        for fd in fds:
            os.close(fd)
        fds = []
        try:
            stopped = _watch(process, limits, out)
        finally:
            _kill(process)
        with open(out, "rb") as handle:
            stdout_bytes = handle.read(limits.output + 1)
        if len(stdout_bytes) > limits.output and stopped is None:
            stopped = "output"
        return Outcome(stdout_bytes, _tail(err), process.returncode, stopped)
    finally:
        for fd in fds:
            os.close(fd)
        shutil.rmtree(scratch, ignore_errors=True)
