"""What a reader sees says nothing about how the course was made.

The book's chapters, the notebooks (markdown and code cells, the exercise masters included), the
library's docstrings and comments, the README and the table of contents are read by learners.
None of them may speak of the course's making: issues, reviewers, work sessions, helpers or
agents that wrote it, the brief they followed, pull requests, tickets. Each pattern below names
one such word in the sense that betrays the making, and no other: "figure helpers" (functions),
a ``tracemalloc`` session, the nbgrader markers ``BEGIN PROMPT``, "a brief look" or the sources'
"review of Adam" are the course's own vocabulary and pass. The patterns are tested on sentences of
both kinds first, so that the scan can fail and does not cry wolf.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MAKING = {
    "issue": r"\bissues?\b(?!\s+(?:a|an)\s+(?:warning|error|call)\b)",
    "reviewer": r"\breview(?:er|ers|er's)\b|\bcode review\b|\breview comments?\b",
    "session": r"(?<!tracemalloc` )(?<!tracemalloc )\bsessions?\b",
    "helper as an agent": (r"\bhelpers? (?:agents?|sessions?|engineers?)\b"
                           r"|\b(?:a|the|another|one) helper "
                           r"(?:wrote|found|started|reported|said|did|added|ran|stopped)\b"),
    "agent": r"\b(?:sub)?agents?\b",
    "engineer": r"\bengineers?\b",
    "maintainer": r"\bmaintainers?\b",
    "the brief": r"\b(?:the|this|my|our|your) brief(?:'s)?(?=\s*(?:says|said|asks|asked|wants|requires|[,.;:)]|$))",
    "pull request": r"\bpull requests?\b|\bmerge requests?\b|\bPR\s*#?\d+",
    "ticket": r"\btickets?\b",
    "worktree": r"\bworktrees?\b",
    "to-do marker": r"\b(?:TODO|FIXME|XXX)\b",
    "language model": r"\b(?:LLM|ChatGPT|Claude|language model)s?\b",
    "prompt": r"\bprompts?\b",
    "filed": r"\bfiled (?:by|as|under)\b|\bas requested\b",
}
"""One regular expression per word about the making, case-insensitive but for the to-do markers."""

NBGRADER_MARKERS = re.compile(r"# (?:BEGIN|END) (?:SOLUTION NO PROMPT|PROMPT)\b|\bBEGIN SOLUTION NO PROMPT\b")

BAD = [
    ("We read the issue's rho'(1) as rho(10).", "issue"),
    ("This check is the reviewer's check.", "reviewer"),
    ("Numbers from an earlier session.", "session"),
    ("A helper agent stopped abruptly.", "helper as an agent"),
    ("The helper wrote these rows.", "helper as an agent"),
    ("As the brief says, no more than five rates.", "the brief"),
    ("Fixed in PR #12.", "pull request"),
    ("TODO: quote the new numbers.", "to-do marker"),
    ("See issue 18 of the course.", "issue"),
    ("The engineer who wrote this chapter.", "engineer"),
]
GOOD = [
    "The figure helpers every chapter's drawing code shares.",
    "or its own :mod:`tracemalloc` session, tracing goes on",
    '    """ # BEGIN PROMPT',
    "    # BEGIN SOLUTION NO PROMPT",
    "Both documents slip on the bias correction, in their reviews of Adam.",
    "A brief look at the table shows it.",
    "The helpers of fgcourse/_checks.py return the checked value.",
    "todo = [(index, batch) for index, batch in enumerate(batches)]",
    "Shared test helpers live in tests/strategies.py.",
]


PATTERNS = {name: re.compile(pattern, 0 if name == "to-do marker" else re.IGNORECASE)
            for name, pattern in MAKING.items()}


def making_words(line: str) -> list[str]:
    """The names of the patterns of :data:`MAKING` that ``line`` matches (nbgrader's markers removed)."""
    line = NBGRADER_MARKERS.sub("", line)
    return [name for name, pattern in PATTERNS.items() if pattern.search(line)]


def reader_texts():
    """(where, line) for every line a reader or a learner sees."""
    files = sorted((ROOT / "book").glob("*.md")) + [ROOT / "README.md", ROOT / "_toc.yml", ROOT / "_config.yml"]
    files += sorted((ROOT / "fgcourse").rglob("*.py"))
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield f"{path.relative_to(ROOT)}:{number}", line
    notebooks = sorted((ROOT / "notebooks").rglob("*.ipynb")) + sorted((ROOT / "instructors").rglob("*.ipynb"))
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            for number, line in enumerate("".join(cell["source"]).splitlines(), 1):
                yield f"{path.relative_to(ROOT)}, cell {index}, line {number}", line


@pytest.mark.parametrize(("line", "word"), BAD)
def test_the_patterns_catch_words_about_the_making(line, word):
    assert word in making_words(line)


@pytest.mark.parametrize("line", GOOD)
def test_the_patterns_pass_the_courses_own_vocabulary(line):
    assert making_words(line) == []


def test_no_text_a_reader_sees_speaks_of_how_the_course_was_made():
    found = [f"{where}: {name!r} in {line.strip()!r}" for where, line in reader_texts() for name in making_words(line)]
    assert not found, "words about the making of the course:\n" + "\n".join(found)


def test_the_scan_reads_every_kind_of_text():
    places = {where.split(":")[0].split(",")[0] for where, _ in reader_texts()}
    assert {"book/training.md", "README.md", "fgcourse/training/runs.py", "notebooks/training.ipynb"} <= places
    assert any(place.startswith("instructors/masters/") for place in places)
