"""The import graph of fgcourse follows the layers of CONTRIBUTING.md ("Layers"): no import cycle
between modules, and no module imports a module of a higher layer, or, among the chapters' cores,
of a later chapter.

The graph is read from the sources with ``ast``, imports inside functions included, relative
imports resolved. ``from package import name`` is an edge to ``package`` and, when
``package.name`` is a module, to that module too. Importing ``a.b.c`` also runs the packages
``a`` and ``a.b``; those implicit edges are not counted (every submodule would otherwise depend on
its package's ``__init__``), so a subpackage's ``__init__`` is only a facade: it sits in the layer
of the highest module it imports, and a lower module imports the module it needs instead.
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Callable, Mapping

import pytest

import fgcourse

LIBRARY = pathlib.Path(fgcourse.__file__).parent

LAYERS = ("checks and vocabulary", "figures", "chapters' cores", "plots and explorers", "experiments and training")
"""The layers from the bottom: a module imports modules of its own layer and of the layers before it."""

CHECKS = ("fgcourse", "fgcourse._checks", "fgcourse._vocabulary", "fgcourse.measure", "fgcourse.stored",
          "fgcourse.answer_data")
FIGURES = ("fgcourse._figures",)
CHAPTERS = ("chains", "trace", "linearize", "checkpointing", "testfunctions", "forward_gradient", "linesearch", "optim",
            "exercises")
"""The chapters' cores from the bottom: a chapter's core imports its own modules and the chapters before it."""
EXPLORERS = ("fgcourse.explorer",)
TOP = ("experiments", "training", "jax")


# ----------------------------------------------------------------------------- the import graph

def module_files(root: pathlib.Path = LIBRARY) -> dict[str, tuple[pathlib.Path, bool]]:
    """``{module name: (path, is a package)}`` for every ``.py`` file of the package at ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path, package)
    return modules


def imports_of(source: str, name: str, package: bool, modules) -> set[str]:
    """The modules of ``modules`` that the module ``name`` imports, anywhere in ``source``."""
    here = name if package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[:len(here.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {module for module in found if module in modules and module != name}


class ImportGraph(dict):
    """``{module: the library's modules it imports}``, and ``packages``: the modules that are packages."""

    def __init__(self, edges: Mapping[str, set[str]], packages=()):
        super().__init__(edges)
        self.packages = frozenset(packages)


def import_graph(root: pathlib.Path = LIBRARY) -> ImportGraph:
    """The import graph of every module of the package at ``root``."""
    modules = module_files(root)
    return ImportGraph({name: imports_of(path.read_text(encoding="utf-8"), name, package, modules)
                        for name, (path, package) in modules.items()},
                       packages=[name for name, (_, package) in modules.items() if package])


# ----------------------------------------------------------------------------------- the layers

def _within(module: str, name: str) -> bool:
    return module == name or module.startswith(name + ".")


def layer_of(module: str, graph: Mapping[str, set[str]]) -> tuple[int, str | None]:
    """``(layer index in LAYERS, chapter or None)`` of a module of fgcourse, as CONTRIBUTING.md sets them."""
    if module in CHECKS:
        return 0, None
    if module in FIGURES:
        return 1, None
    if any(_within(module, name) for name in EXPLORERS):
        return 3, None
    if any(_within(module, f"fgcourse.{name}") for name in TOP):
        return 4, None
    for chapter in CHAPTERS:
        if _within(module, f"fgcourse.{chapter}"):
            if module.rpartition(".")[2] == "plots":
                return 3, chapter
            if module in getattr(graph, "packages", ()) and graph[module]:  # a subpackage's facade
                return max(layer_of(imported, graph)[0] for imported in graph[module]), chapter
            return 2, chapter
    raise LookupError(f"{module} has no layer: place it in CONTRIBUTING.md's layers and in tests/test_layers.py")


def describe_layer(module: str, graph, layer_of: Callable = layer_of) -> str:
    layer, chapter = layer_of(module, graph)
    where = LAYERS[layer] + (f", chapter {chapter}" if chapter and layer == 2 else "")
    if module.rpartition(".")[2] != "plots" and chapter and layer > 2:
        where += ": the subpackage's __init__, a facade at the layer of what it re-exports"
    return where


def upward_imports(graph: Mapping[str, set[str]], layer_of: Callable = layer_of) -> list[str]:
    """A message for each import of a higher layer, or of a later chapter between two chapters' cores."""
    found = []
    for module in sorted(graph):
        for imported in sorted(graph[module]):
            (layer, chapter), (their_layer, their_chapter) = layer_of(module, graph), layer_of(imported, graph)
            later_chapter = (layer == their_layer == 2 and chapter != their_chapter
                             and CHAPTERS.index(their_chapter) > CHAPTERS.index(chapter))
            if their_layer > layer or later_chapter:
                found.append(f"{module} ({describe_layer(module, graph, layer_of)}) imports {imported} "
                             f"({describe_layer(imported, graph, layer_of)}), a higher "
                             f"{'chapter' if later_chapter else 'layer'}")
    return found


def import_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle ``[a, b, ..., a]`` for each strongly connected set of modules that import each other."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def connect(node):  # Tarjan's algorithm; the library's graph is far too shallow for the recursion limit
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.add(other)
                if other == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    cycles = []
    for component in components:
        start = min(component)
        paths, seen = {start: [start]}, {start}
        queue = [start]
        while queue:  # breadth first inside the component, back to the start
            node = queue.pop(0)
            successors = sorted(other for other in graph[node] if other in component)
            if start in successors:
                cycles.append(paths[node] + [start])
                break
            for other in successors:
                if other not in seen:
                    seen.add(other)
                    paths[other] = paths[node] + [other]
                    queue.append(other)
    return sorted(cycles)


# -------------------------------------------------------------------------------- the library

GRAPH = import_graph()


def test_every_module_has_a_layer():
    for module in GRAPH:
        layer_of(module, GRAPH)


def test_no_module_imports_a_higher_layer_or_a_later_chapter():
    found = upward_imports(GRAPH)
    assert not found, "imports against the layers of CONTRIBUTING.md:\n" + "\n".join(found)


def test_no_modules_import_each_other():
    found = import_cycles(GRAPH)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    assert "fgcourse.forward_gradient.estimator" in GRAPH["fgcourse.forward_gradient.signs"]  # from .estimator
    assert "fgcourse.optim.minimize" in GRAPH["fgcourse.optim.step_size"]  # from .minimize
    assert "fgcourse.forward_gradient" in GRAPH["fgcourse.optim.minimize"]  # from fgcourse import forward_gradient
    assert "fgcourse.experiments.grid" in GRAPH["fgcourse.experiments.runner"]
    source = "def f():\n    from fgcourse.optim import minimize\n"
    assert imports_of(source, "fgcourse.trace", False, GRAPH) == {"fgcourse.optim", "fgcourse.optim.minimize"}


def test_the_layers_are_those_of_contributing():
    text = (LIBRARY.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text[text.index("## Layers"):]
    section = section[:section.index("\n## ", 1)]
    positions = [section.index(layer) for layer in LAYERS]
    assert positions == sorted(positions), "CONTRIBUTING.md lists the layers in another order"
    order = section[section.index("chapters' cores, from the bottom"):]
    positions = [order.index(f"`{chapter}`") for chapter in CHAPTERS]
    assert positions == sorted(positions), "CONTRIBUTING.md lists the chapters in another order"


def test_the_optim_facade_is_at_the_layer_of_its_plots_and_forward_gradients_is_a_core():
    assert layer_of("fgcourse.optim", GRAPH) == (3, "optim")
    assert layer_of("fgcourse.optim.linear", GRAPH) == (2, "optim")
    assert layer_of("fgcourse.forward_gradient", GRAPH) == (2, "forward_gradient")
    assert layer_of("fgcourse.forward_gradient.plots", GRAPH) == (3, "forward_gradient")
    assert layer_of("fgcourse.experiments.plots", GRAPH) == (4, None)
    assert layer_of("fgcourse.chains", GRAPH) == (3, "chains")  # a facade that re-exports its plots
    assert layer_of("fgcourse.chains.core", GRAPH) == (2, "chains")
    assert layer_of("fgcourse.trace", GRAPH) == (2, "trace")  # a module, not a facade, whatever it imports


# ------------------------------------------------------------------------ the checker itself

def synthetic(module, graph):
    """A stand-in for layer_of on the synthetic graphs below, read from the module's first letter."""
    return {"c": (0, None), "g": (1, None), "t": (2, "trace"), "o": (2, "optim"), "p": (3, "optim"),
            "x": (4, None)}[module[0]]


def test_the_checker_finds_an_upward_import_and_a_later_chapter():
    graph = {"checks": {"trace"}, "trace": {"checks", "optim"}, "optim": {"trace", "plots"}, "plots": {"optim"},
             "x_top": {"plots", "checks"}}
    found = upward_imports(graph, synthetic)
    assert len(found) == 3
    assert found[0].startswith("checks (checks and vocabulary) imports trace (chapters' cores, chapter trace)")
    assert "optim (chapters' cores, chapter optim) imports plots (plots and explorers)" in found[1]
    assert found[2].startswith("trace (chapters' cores, chapter trace) imports optim (chapters' cores, chapter optim)")
    assert found[2].endswith("a higher chapter")
    assert upward_imports({"x_top": {"plots"}, "plots": {"optim"}, "optim": {"trace"}}, synthetic) == []


def test_the_checker_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "f": {"d"}}
    assert import_cycles(graph) == [["a", "b", "c", "a"], ["e", "e"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_a_module_outside_the_layers_is_refused():
    with pytest.raises(LookupError, match="fgcourse.newthing has no layer"):
        layer_of("fgcourse.newthing", {})
