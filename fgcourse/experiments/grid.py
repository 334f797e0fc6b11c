"""Experiment grids: test functions × dimensions × optimizers × gradients × starts × repeats.

The protocol is Belouze's (belouze2022paper §5, belouze2022report §6.1): every test
function in dimensions 2, 10 and 100 (fixed-dimension functions in their own dimension),
SGD, clipped SGD, Adam and AdaBelief (every optimizer of :data:`fgcourse.optim.OPTIMIZERS`:
one registered there joins the grid), each with true and with forward gradients, a fixed
learning rate 0.01 with no tuning, the target f* + ε with ε = 0.1, 5 starts drawn uniformly
in the function's domain, and forward runs repeated 5 times per start. The sources state no
budget of iterations; ours is :data:`PAPER_MAX_ITER`.

A grid is cut into *batches*, one per (function, n, optimizer, gradient): the runs of a
batch (its starts, times its repeats for forward gradients) are the rows of one vectorized
:func:`fgcourse.optim.minimize` call, and a batch is the unit of the on-disk cache.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import asdict, dataclass

import numpy as np

import fgcourse
from fgcourse._checks import (
    MAX_NUMBERS,
    check_bool,
    check_int,
    check_option,
    check_positive,
    check_sequence,
)
from fgcourse.forward_gradient import LAWS
from fgcourse.optim.minimize import GRADIENTS
from fgcourse.optim.optimizers import OPTIMIZERS
from fgcourse.testfunctions import TEST_FUNCTIONS

__all__ = [
    "DIVERGENCE_THRESHOLD", "DIVERGENCE_FACTOR", "GRADIENTS", "optimizer_names",
    "PAPER_DIMS", "PAPER_MAX_ITER", "PAPER_SEED", "Grid", "Batch", "make_grid",
    "GRIDS", "get_grid", "starts", "stable_number",
]


def optimizer_names() -> tuple[str, ...]:
    """The optimizers a grid accepts: the names of :data:`fgcourse.optim.OPTIMIZERS`, in its order,
    read when called, so that an optimizer registered there joins every grid, table and figure."""
    return tuple(OPTIMIZERS)


PAPER_DIMS = (2, 10, 100)
PAPER_MAX_ITER = 2000
"""The iteration budget of the ``paper`` grid (the sources give none). A batch takes under a
second of CPU on average (benchmarks/bench_experiments.py), so the grid's batches (8 per
problem: 776 with 49 test functions) take about 10 CPU-minutes, inside the half-hour allowed
on two cores."""

PAPER_SEED = 0
"""The seed of the ``paper`` grid's starts (:func:`starts`): the chapter's other runs on a grid
problem start where the grid's runs of that problem start."""

DIVERGENCE_THRESHOLD = 1e8
DIVERGENCE_FACTOR = 1e4
"""A run diverges (and stops) when |θ_i| or f(θ_k) exceeds max(DIVERGENCE_THRESHOLD,
DIVERGENCE_FACTOR · max_r |f(θ_0^r)|): minimize's default 1e8 alone would call a run diverged
at its first step on functions whose starts are already above it (Qing, Zakharov, Trid in n = 100)."""

ROW_FORMAT = 1
"""Bumped when the columns of a batch's rows change, so that old cache entries are not reused."""


def _supports(function, n: int) -> bool:
    if function.dim is not None:
        return n == function.dim
    return n >= function.min_dim


def _dimensions(name: str) -> str:
    """The dimensions a test function is defined in, in words."""
    function = TEST_FUNCTIONS[name]
    return f"n = {function.dim} only" if function.dim is not None else f"n >= {function.min_dim}"


def _check_problem(name: str, entry, dims: tuple[int, ...]) -> list[tuple[str, int]]:
    """The (function, n) pairs an entry of ``functions`` stands for, refused when unsupported.

    A name alone means: its own dimension for a fixed-dimension function, every n of ``dims``
    otherwise. A pair ``(name, n)`` asks for that dimension only.
    """
    if isinstance(entry, str):
        function = TEST_FUNCTIONS[check_option(name, entry, sorted(TEST_FUNCTIONS))]
        if function.dim is not None:
            return [(entry, function.dim)]
        too_small = [n for n in dims if n < function.min_dim]
        if too_small:
            raise ValueError(f"{name} must be defined in every dimension of dims: {entry!r} needs "
                             f"n >= {function.min_dim}, got dims {dims}")
        return [(entry, n) for n in dims]
    pair = check_sequence(name, entry, min_length=2, max_length=2, what="a function name and a dimension")
    function_name = check_option(f"{name}[0]", pair[0], sorted(TEST_FUNCTIONS))
    n = check_int(f"{name}[1]", pair[1], minimum=1)
    if not _supports(TEST_FUNCTIONS[function_name], n):
        raise ValueError(f"{name} must name a dimension {function_name!r} is defined in "
                         f"({_dimensions(function_name)}), got n = {n}")
    return [(function_name, n)]


@dataclass(frozen=True)
class Batch:
    """One vectorized :func:`~fgcourse.optim.minimize` call of a grid, and one cache entry.

    Its runs are the ``num_starts`` starts (true gradients: deterministic, run once each) or
    the starts times ``num_repeats`` independent tangent draws (forward gradients).
    """

    function: str
    n: int
    optimizer: str
    gradient: str
    lr: float
    max_iter: int
    num_starts: int
    num_repeats: int
    eps: float
    law: str
    B: int
    seed: int
    stop_at_target: bool

    def __post_init__(self):
        # Checked as make_grid checks them: a Batch built by hand is refused in its own fields' names.
        function = check_option("function", self.function, sorted(TEST_FUNCTIONS))
        n = check_int("n", self.n, minimum=1)
        if not _supports(TEST_FUNCTIONS[function], n):
            raise ValueError(f"n must be a dimension {function!r} is defined in ({_dimensions(function)}), got n = {n}")
        checked = dict(
            function=function, n=n, optimizer=check_option("optimizer", self.optimizer, optimizer_names()),
            gradient=check_option("gradient", self.gradient, GRADIENTS), lr=check_positive("lr", self.lr),
            max_iter=check_int("max_iter", self.max_iter, minimum=1),
            num_starts=check_int("num_starts", self.num_starts, minimum=1),
            num_repeats=check_int("num_repeats", self.num_repeats, minimum=1), eps=check_positive("eps", self.eps),
            law=check_option("law", self.law, sorted(LAWS)), B=check_int("B", self.B, minimum=1),
            seed=check_int("seed", self.seed, minimum=0), stop_at_target=check_bool("stop_at_target",
                                                                                     self.stop_at_target))
        for field, value in checked.items():
            object.__setattr__(self, field, value)

    @property
    def num_runs(self) -> int:
        """R, the rows of the batch's minimize call."""
        return self.num_starts * (self.num_repeats if self.gradient == "forward" else 1)

    def key(self) -> dict:
        """What the batch's result depends on: its configuration and the library version."""
        return {**asdict(self), "version": fgcourse.__version__, "row_format": ROW_FORMAT,
                "divergence": [DIVERGENCE_THRESHOLD, DIVERGENCE_FACTOR]}

    def digest(self) -> str:
        """A hash of :meth:`key`: the cache entry's name."""
        text = json.dumps(self.key(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def stable_number(text: str) -> int:
    """A number for a name that is the same in every process (``hash`` of a str is salted)."""
    return zlib.crc32(text.encode())


def starts(function: str, n: int, seed: int, num_starts: int) -> np.ndarray:
    """The ``(num_starts, n)`` starts of a problem, uniform in the function's domain, seeded.

    They depend on the function, n and ``seed`` only (an int, a grid's, from which each problem's
    stream is derived), so every solver starts from the same points, in every process.
    """
    function = check_option("function", function, sorted(TEST_FUNCTIONS))
    n = check_int("n", n, minimum=1, maximum=MAX_NUMBERS)
    if not _supports(TEST_FUNCTIONS[function], n):
        raise ValueError(f"n must be a dimension {function!r} is defined in ({_dimensions(function)}), got n = {n}")
    seed = check_int("seed", seed, minimum=0)
    num_starts = check_int("num_starts", num_starts, minimum=1, maximum=max(1, MAX_NUMBERS // n))
    bounds = TEST_FUNCTIONS[function].bounds(n)
    rng = np.random.default_rng([seed, stable_number(function), n])
    return rng.uniform(bounds[:, 0], bounds[:, 1], size=(num_starts, n))


@dataclass(frozen=True)
class Grid:
    """A checked grid; build it with :func:`make_grid`. ``problems`` are (function, n) pairs."""

    problems: tuple[tuple[str, int], ...]
    optimizers: tuple[str, ...]
    gradients: tuple[str, ...]
    lr: float
    max_iter: int
    num_starts: int
    num_repeats: int
    eps: float
    law: str
    B: int
    seed: int
    stop_at_target: bool

    def batches(self) -> list[Batch]:
        """Every (function, n, optimizer, gradient) of the grid, in a fixed order."""
        shared = dict(lr=self.lr, max_iter=self.max_iter, num_starts=self.num_starts, num_repeats=self.num_repeats,
                      eps=self.eps, law=self.law, B=self.B, seed=self.seed, stop_at_target=self.stop_at_target)
        return [Batch(function, n, optimizer, gradient, **shared)
                for function, n in self.problems for optimizer in self.optimizers for gradient in self.gradients]

    @property
    def num_runs(self) -> int:
        return sum(batch.num_runs for batch in self.batches())


def make_grid(functions, dims=PAPER_DIMS, optimizers=None, gradients=GRADIENTS, *, lr=0.01, law="rademacher",
              seed=PAPER_SEED, max_iter=PAPER_MAX_ITER, num_starts=5, num_repeats=5, eps=0.1, B=1,
              stop_at_target=False) -> Grid:
    """A grid, checked before any work: names, dimensions and every number.

    ``optimizers`` are names of :data:`fgcourse.optim.OPTIMIZERS` (``None``: all of them, in the
    registry's order). ``functions`` holds names of :data:`fgcourse.testfunctions.TEST_FUNCTIONS` (a name runs in
    every n of ``dims``, or in its own dimension if it has a fixed one) or ``(name, n)``
    pairs. ``eps`` sets the target f* + eps; ``B`` is the number of tangents per forward step.
    With ``stop_at_target=False`` (the default) every run uses its whole budget, so one run
    gives both the fixed-target cost t and the fixed-budget accuracy.
    """
    dims = check_sequence("dims", dims, lambda name, n: check_int(name, n, minimum=1), what="dimensions")
    entries = check_sequence("functions", functions, what="test function names or (name, n) pairs")
    problems = []
    for index, entry in enumerate(entries):
        for problem in _check_problem(f"functions[{index}]", entry, dims):
            if problem not in problems:
                problems.append(problem)
    known = optimizer_names()
    optimizers = check_sequence("optimizers", known if optimizers is None else optimizers,
                                lambda name, value: check_option(name, value, known), what="optimizer names")
    gradients = check_sequence("gradients", gradients, lambda name, value: check_option(name, value, GRADIENTS),
                               what="gradient kinds")
    return Grid(
        problems=tuple(problems), optimizers=tuple(dict.fromkeys(optimizers)),
        gradients=tuple(dict.fromkeys(gradients)),
        lr=check_positive("lr", lr), max_iter=check_int("max_iter", max_iter, minimum=1),
        num_starts=check_int("num_starts", num_starts, minimum=1),
        num_repeats=check_int("num_repeats", num_repeats, minimum=1), eps=check_positive("eps", eps),
        law=check_option("law", law, sorted(LAWS)), B=check_int("B", B, minimum=1),
        seed=check_int("seed", seed, minimum=0), stop_at_target=check_bool("stop_at_target", stop_at_target),
    )


def smoke_grid() -> Grid:
    """A grid of a few seconds: two functions in dimension 2, SGD and Adam, true and forward."""
    return make_grid(("sphere", "beale"), dims=(2,), optimizers=("sgd", "adam"), max_iter=200, num_starts=2,
                     num_repeats=2)


def paper_grid() -> Grid:
    """The full protocol of belouze2022paper §5 on every registered test function."""
    return make_grid(sorted(TEST_FUNCTIONS))


GRIDS = {"smoke": smoke_grid, "paper": paper_grid}
"""The named grids of the command line: name -> a function building the grid."""


def get_grid(name: str) -> Grid:
    """The named grid (``"smoke"`` or ``"paper"``)."""
    return GRIDS[check_option("grid", name, tuple(GRIDS))]()
