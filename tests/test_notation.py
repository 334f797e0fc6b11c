"""One symbol, one meaning: the checkpointing chapter keeps ``s`` for the states ``s_k``.

The course writes the states of a chain ``s_0, s_k`` in every chapter; the checkpointing chapter
writes its memory budget (checkpoint slots) ``q``, so that "restore s_{k-1}" and "with q slots"
never share a letter. A bare ``s`` (without an index) in the chapter's math, in its notebook's or
exercise master's markdown, or as a parameter or result field of ``fgcourse.checkpointing`` would
bring the second meaning back. The scan is tested on texts of both kinds first, so that it can fail.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

import pytest

import fgcourse.checkpointing as ck

ROOT = Path(__file__).resolve().parent.parent

CODE_FENCE = re.compile(r"^(`{3,})[A-Za-z][^\n]*\n.*?^\1\s*$", re.MULTILINE | re.DOTALL)
"""A fenced block of code (```python ... ```): not math. Directives (```{prf:...}) hold math and stay."""
INLINE_CODE = re.compile(r"`[^`\n]+`")
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.DOTALL)
BARE_S = re.compile(r"(?<![\\A-Za-z0-9_])s(?![A-Za-z0-9_])")
"""The letter s as a symbol of its own: not s_k, s_0 or s_{k-1}, not inside a word or a command."""


def bare_s_in_math(markdown: str) -> list[str]:
    """The math snippets of ``markdown`` that use a bare ``s``."""
    text = INLINE_CODE.sub("", CODE_FENCE.sub("", markdown))
    snippets = [display or inline for display, inline in MATH.findall(text)]
    return [snippet.strip() for snippet in snippets if BARE_S.search(snippet)]


BAD = [
    "Let $C^*(k, s)$ be the fewest step calls with $s$ slots.",
    "$$\n\\beta(s, t) = \\binom{s + t}{s}\n$$",
    "the optimal schedule with $s = 3$ slots",
    "Then $C^*(1, s) = 0$ for every budget.",
]
GOOD = [
    "restore $s_{k-1}$ from the slot of $s_0$, with $q$ slots",
    "$$\n\\beta(q, t) = \\binom{q + t}{q}\n$$",
    "the states $s_0, \\dots, s_{K-1}$ and $\\sum_i S_i$ taped values, in $\\mathcal{M}(K)$ states",
    "`schedule(20, s, strategy)` in code is not math",
    "```python\nfor s in range(3):\n    x = '$s$'\n```\n",
]


@pytest.mark.parametrize("text", BAD)
def test_the_scan_finds_a_bare_s(text):
    assert bare_s_in_math(text)


@pytest.mark.parametrize("text", GOOD)
def test_the_scan_passes_indexed_states_and_code(text):
    assert bare_s_in_math(text) == []


def _markdown_of(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")


@pytest.mark.parametrize("name, read", [
    ("book/checkpointing.md", lambda path: path.read_text(encoding="utf-8")),
    ("notebooks/checkpointing.ipynb", _markdown_of),
    ("instructors/masters/checkpointing.ipynb", _markdown_of),
])
def test_the_checkpointing_chapter_writes_no_bare_s_in_math(name, read):
    text = read(ROOT / name)
    assert MATH.search(text), f"{name}: no math found, the scan reads nothing"
    assert bare_s_in_math(text) == [], f"{name}: a bare s in math (the budget is q, the states are s_k)"


def test_the_library_names_the_budget_q():
    """No public function of fgcourse.checkpointing takes an ``s`` and no result has a field ``s``."""
    with_s, fields_s, with_q = [], [], []
    for name in ck.__all__:
        obj = getattr(ck, name)
        if dataclasses.is_dataclass(obj) and "s" in {field.name for field in dataclasses.fields(obj)}:
            fields_s.append(name)
        if callable(obj):
            try:
                parameters = inspect.signature(obj).parameters
            except (TypeError, ValueError):
                continue
            (with_s if "s" in parameters else with_q if "q" in parameters else []).append(name)
    assert with_s == [] and fields_s == [], (with_s, fields_s)
    assert {"schedule", "min_step_calls", "binomial_reach", "while_loop_vjp", "online_costs"} <= set(with_q)
    assert {field.name for field in dataclasses.fields(ck.Schedule)} >= {"K", "q"}
