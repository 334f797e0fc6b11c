"""Every command the README and CONTRIBUTING.md show, run as it is written (``make commands``).

A command whose real run takes long runs here on a small configuration of the same code path:
the smoke grid for ``make experiments``, ``QUICK=1`` for the training data, the data at another
SIMD level and the benchmarks. ``make book``, ``make book-student`` and the browser check run in
``make browser``; ``make classroom`` and ``make grade`` (with ``UNSAFE=1``, ``JOBS=N``) in
tests/test_classroom.py; ``make levels`` and ``make test`` are part of ``make test`` itself.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest

from fgcourse import training as tr
from fgcourse.experiments import RERUN_TOLERANCES, RUN_KEYS, load_table
from fgcourse.stored import compare_rerun

pytestmark = pytest.mark.commands

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import simd_levels  # noqa: E402

# make runs with the environment under test (make test PYTHON=python3.13 uses .venv-python3.13).
UNDER_TEST = (f"VENV={sys.prefix}", "-o", f"{sys.prefix}/.installed")
"""make with the environment under test, taken as installed: a test never reinstalls it (from a
checkout elsewhere, its editable install would then point there)."""


def clean_env() -> dict:
    """The environment without the calling make's jobserver, so that each make runs on its own."""
    return {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}


def make(*args, timeout=600) -> subprocess.CompletedProcess:
    done = subprocess.run(["make", "--no-print-directory", *UNDER_TEST, *args], cwd=ROOT, capture_output=True,
                          text=True, env=clean_env(), timeout=timeout)
    assert done.returncode == 0, f"make {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def readme_commands() -> list[str]:
    """The command lines of the README's code blocks."""
    text = (ROOT / "README.md").read_text()
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        lines += [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    return lines


TESTED = {
    "make book": "make browser", "make test": "CI", "make env": "every make target", "make lab": "here",
    "make classroom": "tests/test_classroom.py", "make book-student": "make browser",
    "make grade SUBMISSIONS=DIR": "tests/test_classroom.py", "make experiments": "here",
    "make grade SUBMISSIONS=DIR UNSAFE=1": "tests/test_classroom.py",
    "make grade SUBMISSIONS=DIR JOBS=N": "tests/test_classroom.py",
    "make training-data": "here", "make jax-data": "here",
    "make benchmarks": "here", "make notebooks": "here", "make levels": "make test",
    "make commands": "make test", "make pdf": "here (one page, the books built by make browser)",
    "bash .ci/run": "CI", "make test PYTHON=python3.13": "here (dry run)",
    "pip install .": "here (--no-deps)",
    ".venv/bin/python tools/execute_notebooks.py notebooks/NAME.ipynb": "make notebooks",
    "python -m fgcourse.experiments run --grid NAME --cache DIR --jobs N": "tests/test_experiments.py",
}
"""Every command the README shows, and where it is run."""


def test_the_readme_starts_with_the_two_commands_and_shows_only_tested_ones():
    commands = readme_commands()
    assert commands[:2] == ["make book", "make test"]
    inline = re.findall(r"`((?:make|bash|pip|python|\.venv/bin/\S+) [^`]*|make)`", (ROOT / "README.md").read_text())
    shown = set(commands) | {" ".join(command.split()) for command in inline}
    assert shown <= set(TESTED), sorted(shown - set(TESTED))


def test_make_pdf_prints_a_page_of_the_built_book(tmp_path):
    # make commands depends on book (make test builds it once, for the browser check and this test)
    assert (ROOT / "_build" / "html" / "index.html").exists(), "make pdf prints the built book: run make book first"
    # -o: the books are taken as built (make browser builds them; two builds of one book at once would clash)
    make("-o", "book", "-o", "book-student", "-o", "chromium", "pdf", "PDF_HTML=_build/html", f"PDF_OUT={tmp_path}",
         "PDF_PAGES=book/intro")
    assert (tmp_path / "book-intro.pdf").read_bytes().startswith(b"%PDF")


def test_make_experiments_writes_a_table_that_load_table_reads_and_resumes(tmp_path):
    out, cache = tmp_path / "smoke.csv.gz", tmp_path / "cache"
    make("experiments", "GRID=smoke", f"EXPERIMENTS_OUT={out}", f"EXPERIMENTS_CACHE={cache}", "JOBS=1")
    table = load_table(out, "smoke")
    assert len(table) > 0 and set(table.status) <= {"max_iter", "diverged", "non_finite", "converged"}
    again = make("experiments", "GRID=smoke", f"EXPERIMENTS_OUT={out}", f"EXPERIMENTS_CACHE={cache}", "JOBS=1")
    assert "computed 0, cached" in again.stdout


def test_make_training_data_quick_writes_runs_and_costs_that_reload_and_rerun(tmp_path):
    make("training-data", "QUICK=1", f"TRAINING_DATA={tmp_path}")
    runs, costs = tr.load_runs(tmp_path / "runs.npz"), tr.load_costs(tmp_path / "costs.npz")
    assert runs.num_runs == 2 and set(costs) == {"tanh", "digits", "nested"}
    # On the machine that made them, a rerun is identical.
    comparison = tr.check_rerun(runs, tr.digits_split(), 1, max_iter=50)
    assert comparison.max_rel == 0.0 and comparison.success


def test_make_jax_data_quick_writes_a_study_that_reloads(tmp_path):
    from fgcourse.jax.study import load_study

    done = make("jax-data", "QUICK=1", f"JAX_DATA={tmp_path}", "JOBS=1")
    table = load_study(tmp_path / "study.npz")
    assert table.num_runs == 2 and sorted(set(table.gradient)) == ["forward", "true"], done.stdout
    assert table.forward_step_seconds > 0 and table.backprop_step_seconds > 0


@pytest.mark.skipif(not {"sse4.2", "ulp"} <= set(simd_levels.available()),
                    reason="make levels-data needs an x86-64 machine above SSE4.2 and a C compiler")
def test_make_levels_data_recomputes_at_sse42_and_with_ulp_noise_within_the_rerun_tolerances(tmp_path):
    native, cache = tmp_path / "native", tmp_path / "cache"
    make("experiments", "GRID=smoke", f"EXPERIMENTS_OUT={native}/smoke.csv.gz", f"EXPERIMENTS_CACHE={cache}", "JOBS=1")
    make("training-data", "QUICK=1", "PARTS=runs", f"TRAINING_DATA={native}")
    levels = tmp_path / "levels"
    done = make("levels-data", "GRID=smoke", "QUICK=1", f"LEVELS_DATA={levels}", f"EXPERIMENTS_CACHE={cache}",
                "JOBS=1")
    here = load_table(native / "smoke.csv.gz", "smoke").sort_values(list(RUN_KEYS)).reset_index(drop=True)
    a = tr.load_runs(native / "runs.npz")
    rows = {key: getattr(a, key) for key in ("nit_path", "train_loss", "val_loss", "val_accuracy", "ngev_path",
                                             "njvp_path")}
    for level in ("sse4.2", "ulp"):
        assert f"== at {level}" in done.stdout
        # A cache of its own: the native one must not be reused for another level.
        assert (tmp_path / f"cache-{level}").is_dir()
        there = load_table(levels / f"smoke-{level}.csv.gz", "smoke").sort_values(list(RUN_KEYS))
        compare_rerun(there.reset_index(drop=True), here, close=RERUN_TOLERANCES, ignore=("wall_time",)).check()
        b = tr.load_runs(levels / f"training-{level}" / "runs.npz")
        compare_rerun({key: getattr(b, key) for key in rows}, rows, close=tr.RERUN_TOLERANCES).check()


def test_the_ulp_emulation_moves_inexact_results_by_one_ulp_and_keeps_exact_ones():
    if "ulp" not in simd_levels.available():
        pytest.skip("the ulp emulation needs Linux and a C compiler")
    probe = ("import numpy as np, math; x = np.linspace(-5, 5, 1001); "
             "print(repr(np.exp(x).tolist()), repr([float(np.log2(64.0)), math.pow(2.0, 10.0), float(np.exp(0.0))]))")
    native = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    moved = subprocess.run([sys.executable, "tools/simd_levels.py", "--at", "ulp", sys.executable, "-c", probe],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    again = subprocess.run([sys.executable, "tools/simd_levels.py", "--at", "ulp", sys.executable, "-c", probe],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    assert moved == again  # deterministic, as a C library is
    ours, theirs = (eval(line.split("] [")[0] + "]") for line in (native, moved))
    steps = [abs(np.spacing(a)) for a in ours]
    differ = [abs(a - b) for a, b in zip(ours, theirs)]
    assert all(d <= s for d, s in zip(differ, steps))  # at most one ulp
    assert 0.5 < np.mean([d > 0 for d in differ]) < 0.8  # two thirds move
    assert moved.endswith("[6.0, 1024.0, 1.0]")  # exact results stay exact


def test_make_benchmarks_quick_runs_every_script():
    done = make("benchmarks", "QUICK=1", timeout=900)
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        assert f"== benchmarks/{script.name}" in done.stdout


def test_make_notebooks_executes_and_stores_a_notebook(tmp_path):
    copy = tmp_path / "notebooks" / "traces.ipynb"
    copy.parent.mkdir()
    shutil.copy(ROOT / "notebooks" / "traces.ipynb", copy)
    stripped = nbformat.read(copy, as_version=4)
    for cell in stripped.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(stripped, copy)
    done = make("notebooks", f"NOTEBOOKS={copy}")
    assert "executed in" in done.stdout
    executed = nbformat.read(copy, as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert sum(len(cell.outputs) for cell in code) > 0


def test_check_chapter_builds_one_chapter_alone():
    done = subprocess.run([sys.executable, "tools/check_chapter.py", "book/traces.md", "notebooks/traces.ipynb"],
                          cwd=ROOT, capture_output=True, text=True, env=clean_env(), timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_serves_jupyterlab_on_the_notebooks():
    port, token = free_port(), "fgcourse-test"
    options = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    lab = subprocess.Popen(["make", "--no-print-directory", *UNDER_TEST, "lab", f"LAB_OPTIONS={options}"], cwd=ROOT,
                           env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and lab.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, "jupyter lab did not answer within 120 s"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=10) as r:
            listing = r.read().decode()
        assert '"chains.ipynb"' in listing and '"training.ipynb"' in listing
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}", timeout=10) as r:
            specs = json.loads(r.read())
        # The notebooks' kernel is .venv's Python, which has fgcourse: not the lab environment's own.
        argv = specs["kernelspecs"]["python3"]["spec"]["argv"]
        assert argv[0] == os.path.abspath(sys.executable), argv
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=30) as r:
            assert r.status == 200 and "JupyterLab" in r.read().decode()
        # The widgets' extension is installed (its settings exist), and saves the widget state with the
        # notebook (tools/lab_overrides.json turns its default, False, to True): explorers reopen.
        plugin = "@jupyter-widgets/jupyterlab-manager:plugin"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/api/settings/{plugin}?token={token}",
                                    timeout=10) as r:
            assert json.loads(r.read())["schema"]["properties"]["saveState"]["default"] is True
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            output = lab.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            output = lab.communicate()[0]
    assert "Traceback" not in output, output[-3000:]


def test_simd_levels_lists_and_refuses_what_this_machine_cannot_emulate():
    listed = subprocess.run([sys.executable, "tools/simd_levels.py", "--list"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert listed.stdout.startswith("this machine: ")
    refused = subprocess.run([sys.executable, "tools/simd_levels.py", "--at", "avx512", "true"], cwd=ROOT,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "avx512" in refused.stderr


def test_the_stored_data_reload_as_the_notebooks_read_them():
    assert len(load_table(ROOT / "data" / "paper.csv.gz", "paper")) == 11640
    assert tr.load_runs(ROOT / "data" / "training" / "runs.npz").num_runs == 575
    from fgcourse.jax.study import load_study

    assert load_study(ROOT / "data" / "jax" / "study.npz").num_runs == 40
    assert np.all(tr.load_costs(ROOT / "data" / "training" / "costs.npz")["tanh"].n > 0)


def test_pip_install_dot_builds_a_package_with_every_module(tmp_path):
    # The library alone, as `pip install .` installs it (its dependencies are .venv's here).
    # Built from a copy of what the package is made of, so that setuptools' build/ lands there.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "fgcourse", source / "fgcourse", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--target", str(target), str(source)], capture_output=True, text=True, env=clean_env(),
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    installed = sorted(str(p.relative_to(target)) for p in (target / "fgcourse").rglob("*.py"))
    source = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fgcourse").rglob("*.py"))
    assert installed == source
    probe = ("import fgcourse, pkgutil; from fgcourse import experiments, training, optim, stored; "
             "print(fgcourse.__file__)")
    shown = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                           env={**clean_env(), "PYTHONPATH": str(target)}, check=True)
    assert shown.stdout.strip().startswith(str(target))


def test_make_test_with_another_python_uses_its_own_environment():
    planned = subprocess.run(["make", "--dry-run", "--no-print-directory", "env", "PYTHON=python3.13"], cwd=ROOT,
                             capture_output=True, text=True, env=clean_env(), check=True).stdout
    assert "python3.13 -m venv .venv-python3.13" in planned
    assert ".venv-python3.13/bin/python -m pip install" in planned
