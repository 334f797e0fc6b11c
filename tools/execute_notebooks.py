"""Execute notebooks in place, storing their outputs and their widget state.

The book is built from the stored outputs (``execute_notebooks: off``) and nbval checks them,
so a notebook must be re-executed with this script after every edit::

    python tools/execute_notebooks.py notebooks/chains.ipynb [more.ipynb ...]

Widget state is stored in the notebook's metadata so that the HTML book can show the
widgets (and their precomputed pages) without a kernel. The kernel runs with
``FGCOURSE_SAVED_WIDGETS=1``, so that every explorer is built for that saved state: stacks of
pages linked in the browser (``fgcourse.explorer.widget``'s ``saved``).
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> float:
    os.environ["FGCOURSE_SAVED_WIDGETS"] = "1"  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[1:]:
        print(f"{name}: executed in {execute(Path(name)):.1f} s", flush=True)
