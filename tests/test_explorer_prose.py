"""The prose that introduces an explorer says the same as the explorer's own footer.

An explorer's footer (stored with the notebook's widget state) names the controls whose settings
are precomputed, which work in the book without a kernel, and those that need a running kernel.
The markdown cell right before the explorer must not call a precomputed control kernel-only, nor
call a kernel-only control live in the book.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FOOTER = re.compile(r"The figure is precomputed for all \d+ settings of (?P<pre>.*?)"
                    r"(?:: every control|; (?P<kernel>.*?) needs? a running kernel)")
KERNEL_ONLY = re.compile(r"needs? a (?:running )?kernel|with a (?:running )?kernel\b(?! or without)"
                         r"|only the slider works|only in jupyter", re.I)
LIVE = re.compile(r"precomputed|in the (?:offline )?book too|works? in the (?:offline )?book"
                  r"|also in the offline book", re.I)


def names(fragment: str) -> set[str]:
    return set(re.findall(r"<i>(.*?)</i>", fragment or ""))


def explorers(path: Path):
    """(the markdown before each explorer, precomputed control names, kernel-only control names)."""
    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    footers = [m for state in notebook.get("metadata", {}).get("widgets", {}).values()
               for model in state.get("state", {}).values()
               if isinstance(model.get("state", {}).get("value"), str)
               for m in [FOOTER.search(model["state"]["value"])] if m]
    calls = [k for k, cell in enumerate(cells) if cell["cell_type"] == "code" and "explorer(" in "".join(cell["source"])
             and not "".join(cell["source"]).lstrip().startswith(("import", "from"))]
    assert len(footers) == len(calls), f"{path.name}: {len(calls)} explorers, {len(footers)} stored footers"
    for k, footer in zip(calls, footers):
        before = next(("".join(cells[j]["source"]) for j in range(k - 1, -1, -1)
                       if cells[j]["cell_type"] == "markdown"), "")
        yield before, names(footer["pre"]), names(footer["kernel"])


def sentences(text: str) -> list[str]:
    return [s.replace("\n", " ") for s in re.split(r"(?<=[.;])\s+", text)]


def mentions(sentence: str, name: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])|\${re.escape(name)}\$", sentence) is not None


def contradictions(before: str, precomputed: set[str], kernel_only: set[str]) -> list[str]:
    """What the prose says against the footer. A claim ("needs a running kernel", "precomputed")
    is about the controls named between it and the claim before it in the same sentence."""
    found = []
    for sentence in sentences(before):
        claims = sorted([(m.start(), m.end(), "kernel") for m in KERNEL_ONLY.finditer(sentence)]
                        + [(m.start(), m.end(), "live") for m in LIVE.finditer(sentence)])
        scope_start = 0
        for start, end, kind in claims:
            scope = sentence[scope_start:end]
            if kind == "kernel":
                if "only the slider works" in sentence[start:end].lower() and len(precomputed) > 1:
                    found.append(f"{sentence!r}: the dropdowns of {sorted(precomputed)} are precomputed")
                found += [f"{sentence!r} calls {name!r} kernel-only, but it is precomputed"
                          for name in sorted(precomputed) if mentions(scope, name)]
            else:
                found += [f"{sentence!r} calls {name!r} live in the book, but it needs a running kernel"
                          for name in sorted(kernel_only) if mentions(scope, name)]
            scope_start = end
    return found


def test_the_check_finds_each_kind_of_contradiction():
    assert contradictions("Choose the width with the dropdown (this one needs a running kernel).",
                          {"depth", "width"}, set())
    assert contradictions("In the offline book only the slider works.", {"c1", "c2", "ray"}, set())
    assert contradictions("The seed is precomputed too.", {"lr"}, {"seed"})
    assert contradictions("Pick $K$ (slider, also in the offline book), the budget $q$ and the strategy (with a "
                          "running kernel).", {"K", "strategy"}, {"q"})
    assert not contradictions("Pick $K$ and the strategy, both precomputed, and the budget $q$ (with a running "
                              "kernel).", {"K", "strategy"}, {"q"})


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_prose_before_an_explorer_agrees_with_its_footer(path):
    for before, precomputed, kernel_only in explorers(path):
        assert contradictions(before, precomputed, kernel_only) == []
