"""The student edition of the book (`make book-student`) holds no solution, and both editions link
each chapter's exercise notebook as handed out.

Needs both builds: `make book` (``_build/html``) and `make book-student` (``_build/student-html``),
so it runs in the browser stage of `make test` (marker ``browser``).
"""

import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "_build" / "html"
STUDENT = ROOT / "_build" / "student-html"
sys.path.insert(0, str(ROOT / "book" / "_ext"))
pytest.importorskip("docutils", reason="book/_ext needs the book extra: pip install -e '.[book]'")
from exercise_notebooks import strip_solutions  # noqa: E402

CHAPTERS = sorted(path.stem for path in (ROOT / "instructors" / "masters").glob("*.ipynb"))
MARKUP = re.compile(r"[$`*_{}\[\]()\\'\"|<>=^~:;,.!?+-]")


def solution_phrases() -> list[str]:
    """Runs of six plain words or more that occur in a {solution} block and nowhere else in the book."""
    phrases, kept = [], ""
    for path in sorted((ROOT / "book").glob("*.md")):
        text = path.read_text()
        without = strip_solutions(text)
        kept += " ".join(without.split())
        removed = text
        for line in without.splitlines(keepends=True):
            removed = removed.replace(line, "\n", 1)
        for run in MARKUP.split(removed):
            words = run.split()
            if len(words) >= 6 and all(w.isalpha() for w in words):
                phrases.append(" ".join(words))
    return [p for p in dict.fromkeys(phrases) if p not in kept]


def built_text(folder: Path) -> str:
    if not (folder / "index.html").exists():
        pytest.fail(f"no book at {folder}: run `make book` and `make book-student` first")
    texts = [p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()
             and p.suffix in (".html", ".txt", ".md", ".ipynb", ".js", ".json")]
    return " ".join(" ".join(texts).split())


def test_strip_solutions_drops_fences_of_any_length_and_keeps_the_rest():
    text = ("a\n```{exercise}\n:label: x\nQ\n```\n````{solution} x\n:class: dropdown\nS\n```python\ncode\n```\n"
            "more S\n````\nb\n:::{solution} y\nT\n:::\nc\n")
    assert strip_solutions(text) == "a\n```{exercise}\n:label: x\nQ\n```\nb\nc\n"


def test_the_phrases_can_be_found_in_the_full_edition():
    phrases = solution_phrases()
    assert len(phrases) >= 20
    full = built_text(FULL)
    found = [p for p in phrases if p in full]
    assert len(found) >= 0.8 * len(phrases), [p for p in phrases if p not in full][:5]


def test_the_student_edition_holds_no_solution_text_anywhere():
    student = built_text(STUDENT)
    leaked = [p for p in solution_phrases() if p in student]
    assert not leaked, leaked[:5]
    assert "Solution to" not in student and "{solution}" not in student
    assert not (STUDENT / "_sources").exists(), "the book ships no page sources (html_copy_source: false)"


@pytest.mark.parametrize("edition", [FULL, STUDENT], ids=["full", "student"])
def test_each_chapter_links_its_exercise_notebook_as_handed_out(edition):
    for chapter in CHAPTERS:
        page = (edition / "book" / f"{chapter}.html").read_text()
        assert f'href="../exercises/{chapter}.ipynb"' in page, chapter
        notebook = (edition / "exercises" / f"{chapter}.ipynb").read_text()
        assert "NotImplementedError" in notebook and "SOLUTION" not in notebook and "hidden=True" not in notebook


def test_the_intro_says_what_each_edition_does_with_solutions():
    unfold = "The solution of each exercise unfolds when you click on it."
    full = " ".join((FULL / "book" / "intro.html").read_text().split())
    student = " ".join((STUDENT / "book" / "intro.html").read_text().split())
    assert unfold in full and "leaves out the solutions" not in full
    assert unfold not in student and "leaves out the solutions of the exercises" in student


def test_each_chapter_page_carries_its_exercise_notebook_for_a_book_opened_from_disk():
    import base64

    for chapter in CHAPTERS:
        page = (FULL / "book" / f"{chapter}.html").read_text()
        inline = re.search(r'data-fg-notebook="([A-Za-z0-9+/=]+)"', page)
        assert inline is not None, chapter
        assert base64.b64decode(inline.group(1)) == (FULL / "exercises" / f"{chapter}.ipynb").read_bytes()
