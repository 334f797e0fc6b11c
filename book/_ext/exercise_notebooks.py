"""Each chapter links its exercise notebook, and the student edition carries no solution.

- Every master in ``instructors/masters/<chapter>.ipynb`` is turned into its student copy by
  otter assign (without solutions or hidden tests), served at ``exercises/<chapter>.ipynb``
  in the HTML output; the page ``book/<chapter>`` gets a download link to it, in both editions.
- With ``FGCOURSE_EDITION=student`` (``make book-student``) the ``{solution}`` directives are
  dropped while parsing (sphinx-exercise's ``hide_solutions``), so they reach neither the HTML
  nor the search index. The book ships no copies of its sources (``html_copy_source: false``
  in ``_config.yml``), so there is no ``_sources/`` to leak them.
"""

import base64
import os
import re
import shutil
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
STUDENT = os.environ.get("FGCOURSE_EDITION", "").lower() == "student"
FENCE = re.compile(r"^\s*(`{3,}|:{3,})\{solution\}")


def _masters(app) -> dict:
    folder = Path(app.confdir) / "instructors" / "masters"
    return {path.stem: path for path in sorted(folder.glob("*.ipynb"))}


def _student_copies(app, config):
    """Write the student copies into _build/exercise-notebooks/exercises/ (rebuilt when a master changes)."""
    if STUDENT:
        config.hide_solutions = True
        app.tags.add("student")  # the intro's {only} student / not student paragraphs
    masters = _masters(app)
    served = Path(app.confdir) / "_build" / "exercise-notebooks"
    target = served / "exercises"
    target.mkdir(parents=True, exist_ok=True)
    stale = {name: path for name, path in masters.items()
             if not (target / f"{name}.ipynb").exists()
             or (target / f"{name}.ipynb").stat().st_mtime < path.stat().st_mtime}
    if stale:
        try:
            import otter.assign
        except ImportError:
            LOGGER.warning("otter-grader is not installed (make env installs .[classroom]): "
                           "the chapters' exercise notebooks are not linked")
            app.exercise_notebook_links = {}
            return
        for name, master in stale.items():
            with tempfile.TemporaryDirectory() as scratch:
                otter.assign.main(str(master), str(Path(scratch) / "out"), no_pdfs=True, no_run_tests=True)
                # Written under another name, then renamed: the full and the student edition may be
                # built side by side (make -j2 test) and must never copy a half-written notebook.
                partial = served.parent / f".{name}.{os.getpid()}.ipynb"  # outside the served folder
                shutil.copyfile(Path(scratch) / "out" / "student" / f"{name}.ipynb", partial)
                os.replace(partial, target / f"{name}.ipynb")
            os.chdir(app.confdir)  # otter assign changes the working directory and may leave it elsewhere
    config.html_extra_path = [*config.html_extra_path, str(served)]
    app.exercise_notebook_links = {name: f"exercises/{name}.ipynb" for name in masters}


def _link(app, doctree):
    """Put the download link right under the title of the chapter's page."""
    docname = app.env.docname
    chapter = docname.rsplit("/", 1)[-1]
    links = getattr(app, "exercise_notebook_links", {})
    if not docname.startswith("book/") or chapter not in links:
        return
    depth = docname.count("/")
    paragraph = nodes.paragraph(classes=["exercise-notebook"])
    paragraph += nodes.strong(text="Exercise notebook: ")
    # raw HTML for the download attribute: the browser saves the notebook instead of showing its JSON.
    # A page opened from disk (file://) is an origin of its own, where browsers ignore "download"
    # for another file: the notebook also rides along in data-fg-notebook, which book/_static/fgcourse.js
    # turns into a blob the browser saves there.
    href = "../" * depth + links[chapter]
    copy = Path(app.confdir) / "_build" / "exercise-notebooks" / links[chapter]
    inline = f' data-fg-notebook="{base64.b64encode(copy.read_bytes()).decode("ascii")}"' if copy.exists() else ""
    paragraph += nodes.raw("", f'<a class="reference" href="{href}" download="{chapter}.ipynb"{inline}>'
                               f'download {chapter}.ipynb</a>', format="html")
    paragraph += nodes.Text(" (coding exercises that check themselves with grader.check; "
                            "they need the fgcourse library and otter-grader).")
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    titles = [i for i, child in enumerate(section.children) if isinstance(child, nodes.title)]
    section.insert(titles[0] + 1 if titles else 0, paragraph)


def _outdated(app, env, added, changed, removed):
    """Re-read the chapter pages when the set of exercise notebooks changed since the last build."""
    links = getattr(app, "exercise_notebook_links", {})
    if getattr(env, "exercise_notebook_links", None) == links:
        return []
    env.exercise_notebook_links = links
    return [f"book/{name}" for name in links if f"book/{name}" in env.found_docs]


def strip_solutions(text: str) -> str:
    """MyST source without its ``{solution}`` blocks (a fence of backticks or colons, any length).

    The tests use it to list the solutions' own phrases and look for them in the student edition.
    """
    kept, closing = [], None
    for line in text.splitlines(keepends=True):
        if closing is None:
            match = FENCE.match(line)
            if match:
                closing = match.group(1)
                continue
            kept.append(line)
        elif line.strip() == closing:
            closing = None
    return "".join(kept)


def setup(app):
    app.connect("config-inited", _student_copies)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-read", _link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
