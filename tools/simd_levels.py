"""Run the checks that compare floats at the lower SIMD levels of this machine.

    python tools/simd_levels.py [--list] [LEVEL ...]        (or: make levels)
    python tools/simd_levels.py --at LEVEL COMMAND [ARG ...]

numpy chooses its SIMD kernels when it is imported (AVX-512, AVX2, SSE4.2 on x86-64), and
OpenBLAS chooses its own; each rounds a little differently. Two environment variables emulate
an older CPU on this one: ``NPY_DISABLE_CPU_FEATURES`` turns numpy's dispatch to a level off and
``OPENBLAS_CORETYPE`` picks OpenBLAS's kernel. At each x86-64 level below this machine's own
(AVX2 and SSE4.2 on an AVX-512 machine, SSE4.2 on an AVX2 one), this runs what could break on
a CPU that rounds differently:

- the tests marked ``simd`` (``pytest -m simd``): two computations of the same floats, or
  floats compared with stored numbers;
- nbval on the notebooks that rerun a slice of stored data and compare it.

The machine's own level is what the rest of ``make test`` runs. Without LEVEL, every level
below the machine's own runs, and the emulation ``ulp`` where a C compiler is at hand;
``--list`` prints the levels and the environment of each; ``--at LEVEL COMMAND ...`` runs one
command at a level (``make levels-data`` does).

``ulp`` is not a SIMD level: it emulates what an AVX-512 machine does differently and this
one cannot show. On AVX-512, numpy evaluates exp, log, pow, sin, ... with its own vectorized
code, accurate to a few ulp, where AVX2 and SSE machines call the C library. ``tools/ulp_noise.c``
(built into ``_build/ulp/`` and loaded with ``LD_PRELOAD``) moves every result of those C
library functions by one ulp at random, so that a check which would fail on an AVX-512 machine
fails here too. Linux only (glibc).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORED_NOTEBOOKS = ("notebooks/experiments.ipynb", "notebooks/training.ipynb")
"""The notebooks that rerun stored data and compare (fgcourse.stored.compare_rerun)."""

LEVELS = {
    "avx2": {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Haswell"},
    "sse4.2": {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Nehalem"},
}
"""The environment of each level below AVX-512, as numpy 2 and OpenBLAS name their kernels."""

ULP = "ulp"
ULP_SOURCE = ROOT / "tools" / "ulp_noise.c"
ULP_LIBRARY = ROOT / "_build" / "ulp" / "libulp_noise.so"


def ulp_environment() -> dict | None:
    """``LD_PRELOAD`` of the one-ulp emulation, built if needed; None where it cannot be (no cc, not Linux)."""
    if not sys.platform.startswith("linux") or shutil.which("cc") is None:
        return None
    if not ULP_LIBRARY.exists() or ULP_LIBRARY.stat().st_mtime < ULP_SOURCE.stat().st_mtime:
        ULP_LIBRARY.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(ULP_LIBRARY), str(ULP_SOURCE), "-ldl", "-lm"],
                       check=True)
    return {"LD_PRELOAD": str(ULP_LIBRARY)}


def environment(level: str) -> dict | None:
    """The variables of ``level`` (a SIMD level or ``ulp``), None if this machine cannot emulate it."""
    if level == ULP:
        return ulp_environment()
    return LEVELS[level] if level in levels_below(native_level()) else None


def native_level() -> str | None:
    """This machine's x86-64 level as numpy sees it ("avx512", "avx2", "sse4.2"), None elsewhere (ARM)."""
    from numpy._core._multiarray_umath import __cpu_features__ as features

    if not features.get("SSE42"):
        return None
    if features.get("X86_V4") or (features.get("AVX512F") and features.get("AVX512_SKX")):
        return "avx512"
    if features.get("AVX2") and features.get("FMA3"):
        return "avx2"
    return "sse4.2"


def levels_below(native: str | None) -> list[str]:
    order = ["avx512", "avx2", "sse4.2"]
    return [] if native is None else order[order.index(native) + 1:]


def commands() -> list[list[str]]:
    python = sys.executable
    return [
        [python, "-m", "pytest", "tests", "-m", "simd and not browser", "-q", "-p", "no:cacheprovider"],
        [python, "-m", "pytest", "--nbval", *STORED_NOTEBOOKS, "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
         "-q", "-p", "no:cacheprovider"],
    ]


def run(level: str) -> bool:
    variables = environment(level)
    env = {**os.environ, **variables, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    seen = subprocess.run([sys.executable, "-c", "import numpy; print(' '.join(sorted(k for k, v in "
                           "numpy._core._multiarray_umath.__cpu_features__.items() if v and k.startswith('AVX'))))"],
                          env=env, capture_output=True, text=True, check=True).stdout.strip()
    print(f"== level {level}: {' '.join(f'{k}={v!r}' for k, v in variables.items())}", flush=True)
    print(f"   numpy's AVX features left on: {seen or 'none'}", flush=True)
    ok = True
    for command in commands():
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env)
        print(f"   {' '.join(Path(c).name if c == sys.executable else c for c in command[:6])} ...: exit "
              f"{done.returncode} in {time.perf_counter() - start:.0f} s", flush=True)
        ok &= done.returncode == 0
    return ok


def run_at(level: str, command: list[str]) -> int:
    """Run ``command`` with the environment of ``level``, which must lie below this machine's own."""
    native = native_level()
    variables = environment(level)
    if variables is None:
        print(f"simd_levels: {level} cannot be emulated on this machine ({native or 'not x86-64'}); "
              f"what can: {available() or 'nothing'}", file=sys.stderr)
        return 2
    if not command:
        print("simd_levels: --at LEVEL needs a command to run", file=sys.stderr)
        return 2
    print(f"== at {level}: {' '.join(f'{k}={v!r}' for k, v in variables.items())}", flush=True)
    return subprocess.run(command, env={**os.environ, **variables}).returncode


def available() -> list[str]:
    """The levels below this machine's own, then ``ulp`` if it can be built here."""
    return levels_below(native_level()) + ([ULP] if ulp_environment() is not None else [])


def main(argv: list[str]) -> int:
    known = [*LEVELS, ULP]
    if argv[:1] == ["--at"]:
        if len(argv) < 2 or argv[1] not in known:
            print(f"simd_levels: --at needs a level among {known}, got {argv[1:2]}", file=sys.stderr)
            return 2
        return run_at(argv[1], argv[2:])
    native = native_level()
    can = available()
    if "--list" in argv:
        print(f"this machine: {native or 'not x86-64'}; can emulate: {can or 'nothing'}")
        for level in can:
            print(f"  {level}: {' '.join(f'{k}={v!r}' for k, v in environment(level).items())}")
        return 0
    asked = argv or can
    unknown = [level for level in asked if level not in known]
    if unknown:
        print(f"simd_levels: unknown level {unknown}; known: {known}", file=sys.stderr)
        return 2
    if not asked:
        print(f"simd_levels: this machine ({native or 'not x86-64'}) has no level below its own to emulate and no C "
              "compiler for the ulp emulation; the other checks of make test run at its own level")
        return 0
    skipped = [level for level in asked if level not in can]
    if skipped:
        print(f"simd_levels: {skipped} cannot be emulated on this machine ({native}); its own level is run by the "
              "other checks", file=sys.stderr)
    results = {level: run(level) for level in asked if level in can}
    failed = [level for level, ok in results.items() if not ok]
    print(f"== levels {', '.join(results)}: " + (f"FAILED at {failed}" if failed else "all passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
