"""Build a mini-book holding only the given chapters and notebooks, and print its warnings.

Helps while writing one chapter: the full book is built by `make book`. The other chapters are
copied too, so that links to them resolve, and the other notebooks as their markdown cells only
(no code, no outputs): the mini-book builds in seconds, and every warning it prints is real.

    python tools/check_chapter.py book/chains.md notebooks/chains.ipynb
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _markdown_only(source: Path, target: Path) -> None:
    notebook = json.loads(source.read_text())
    notebook["cells"] = [cell for cell in notebook["cells"] if cell["cell_type"] == "markdown"]
    notebook["metadata"].pop("widgets", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook))


def main(files: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in ["_config.yml", "references.bib"]:
            shutil.copy(ROOT / name, tmp / name)
        for extra in ["book/bib", "book/_ext", "book/_static"]:
            if (ROOT / extra).exists():
                shutil.copytree(ROOT / extra, tmp / extra)
        (tmp / "book").mkdir(exist_ok=True)
        (tmp / "_build" / "offline").mkdir(parents=True)  # html_extra_path must exist
        for name in files + ["book/intro.md", "book/bibliography.md"]:
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, tmp / name)
        # Sibling chapters may be linked to; copy any that exist so links resolve.
        for md in (ROOT / "book").glob("*.md"):
            if not (tmp / "book" / md.name).exists():
                shutil.copy(md, tmp / "book" / md.name)
        for notebook in (ROOT / "notebooks").glob("*.ipynb"):
            name = f"notebooks/{notebook.name}"
            if name not in files:
                _markdown_only(notebook, tmp / name)
        chapters = "\n".join(f"      - file: {Path(n).with_suffix('')}" for n in files)
        siblings = "\n".join(
            [f"      - file: book/{md.stem}" for md in sorted((tmp / "book").glob("*.md"))
             if f"book/{md.name}" not in files and md.stem not in ("intro", "bibliography")]
            + [f"      - file: notebooks/{nb.stem}" for nb in sorted((tmp / "notebooks").glob("*.ipynb"))
               if f"notebooks/{nb.name}" not in files]
        )
        (tmp / "_toc.yml").write_text(
            "format: jb-book\nroot: book/intro\nparts:\n  - caption: Checked\n    chapters:\n"
            f"{chapters}\n" + (f"  - caption: Siblings\n    chapters:\n{siblings}\n" if siblings else "")
            + "  - caption: References\n    chapters:\n      - file: book/bibliography\n"
        )
        cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(tmp), "-W", "-n", "--keep-going", "-q"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        print(result.stdout[-6000:], result.stderr[-6000:], sep="\n")
        print("OK: no warnings" if result.returncode == 0 else f"FAILED (exit {result.returncode})")
        return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
