"""Stored results and their reruns: read a stored data file, compare a rerun with it.

Work that takes more than a minute is stored in ``data/`` and reloaded by the notebooks, which
rerun a small slice of it and compare. The comparison has to hold on every reader's machine,
and machines round differently: numpy and OpenBLAS choose their SIMD kernels at run time
(AVX-512, AVX2, SSE, NEON), and each sums, multiplies and evaluates ``exp`` or ``tanh`` with
its own last bits. So :func:`compare_rerun` compares

- **discrete outcomes exactly**: statuses, iteration counts, counts of calls, which runs
  diverged, strings, integers, booleans;
- **floats to a stated tolerance**: ``|fresh - stored| <= atol + rtol * |stored|``, element by
  element, with infinities and NaN required at the same places.

It reports the largest deviation of each quantity, so that a reader sees how closely a rerun
on their machine matches, and raises :class:`RerunMismatch` naming the quantity, the largest
deviation and the bound when a rerun is further off than that. :func:`read_stored` reads a
data file and turns a missing, damaged or outdated file into a message that names the file
and the command that regenerates it.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from fgcourse._checks import check_callable, check_instance, check_real, check_sequence

__all__ = ["Tolerance", "Deviation", "Comparison", "RerunMismatch", "StoredDataError", "compare_rerun",
           "read_stored", "check_format"]


class RerunMismatch(AssertionError):
    """A rerun differs from the stored data by more than the stated tolerance."""


class StoredDataError(ValueError):
    """A stored data file is missing, damaged, or was written by another version of the library."""


@dataclass(frozen=True)
class Tolerance:
    """The bound of a float quantity: ``|fresh - stored| <= atol + rtol * |stored|``."""

    rtol: float
    atol: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "rtol", check_real("rtol", self.rtol, minimum=0.0))
        object.__setattr__(self, "atol", check_real("atol", self.atol, minimum=0.0))

    def __str__(self) -> str:
        parts = [f"{self.rtol:.0e} relative"] if self.rtol else []
        parts += [f"{self.atol:.0e} absolute"] if self.atol or not parts else []
        return " + ".join(parts)


@dataclass(frozen=True)
class Deviation:
    """How far one quantity of a rerun is from the stored one.

    ``tolerance`` is None for a quantity compared exactly. ``max_abs`` and ``max_rel`` are the
    largest absolute and relative deviations over the finite values (0 for an exact match; the
    relative one over nonzero stored values), ``num_beyond`` the number of values outside the
    bound (for an exact quantity: the values that differ), ``worst`` the index of the value
    furthest beyond its bound (or of the first difference), -1 if none.
    """

    quantity: str
    size: int
    tolerance: Tolerance | None
    max_abs: float
    max_rel: float
    num_beyond: int
    worst: int
    fresh_value: object
    stored_value: object

    @property
    def success(self) -> bool:
        return self.num_beyond == 0

    def describe(self) -> str:
        """One line: the quantity, what was compared and how close it came."""
        if self.tolerance is None:
            seen = "identical" if self.success else f"{self.num_beyond} of {self.size} differ"
            return f"{self.quantity}: {self.size} values compared exactly, {seen}"
        seen = (f"largest deviation {self.max_rel:.1e} relative ({self.max_abs:.1e} absolute)"
                if self.max_abs else "identical")
        return f"{self.quantity}: {self.size} values, {seen}; bound {self.tolerance}"

    def failure(self) -> str:
        """Why this quantity fails: the largest deviation, where, and the bound."""
        where = f"at index {self.worst}: fresh {self.fresh_value!r}, stored {self.stored_value!r}"
        if self.tolerance is None:
            return (f"{self.quantity} must match the stored values exactly; {self.num_beyond} of {self.size} "
                    f"differ, the first {where}")
        if self.worst >= 0 and not (math.isfinite(self.fresh_value) and math.isfinite(self.stored_value)):
            where = f"is {self.fresh_value!r} at index {self.worst} where the stored value is {self.stored_value!r}"
            return (f"{self.quantity} must be inf or NaN exactly where the stored values are; {self.num_beyond} "
                    f"of {self.size} values are beyond the bound |fresh - stored| <= {self.tolerance.atol:g} + "
                    f"{self.tolerance.rtol:g}·|stored| or misplaced, the worst {where}")
        return (f"{self.quantity} differs from the stored values by up to {self.max_rel:.2e} relative "
                f"({self.max_abs:.2e} absolute); {self.num_beyond} of {self.size} values are beyond the bound "
                f"|fresh - stored| <= {self.tolerance.atol:g} + {self.tolerance.rtol:g}·|stored|, the worst {where}")


@dataclass(frozen=True)
class Comparison:
    """The deviations of every compared quantity; ``str()`` prints them one per line."""

    what: str
    deviations: tuple[Deviation, ...]

    @property
    def success(self) -> bool:
        return all(d.success for d in self.deviations)

    @property
    def max_rel(self) -> float:
        """The largest relative deviation over the quantities compared to a tolerance."""
        return max((d.max_rel for d in self.deviations if d.tolerance is not None), default=0.0)

    def check(self) -> Comparison:
        """Self, or :class:`RerunMismatch` naming every quantity beyond its bound."""
        failed = [d.failure() for d in self.deviations if not d.success]
        if failed:
            raise RerunMismatch(f"{self.what}: the rerun does not match the stored data:\n  " + "\n  ".join(failed))
        return self

    def __str__(self) -> str:
        exact = [d for d in self.deviations if d.tolerance is None]
        close = [d for d in self.deviations if d.tolerance is not None]
        lines = [f"{self.what}: rerun against the stored data"]
        if exact:
            same = [d.quantity for d in exact if d.success]
            lines.append(f"  exact: {', '.join(same) or 'none'} identical"
                         + "".join(f"; {d.quantity}: {d.num_beyond} of {d.size} differ" for d in exact
                                   if not d.success))
        lines += ["  " + d.describe() for d in close]
        return "\n".join(lines)


def _columns(name, table) -> dict:
    if hasattr(table, "columns") and hasattr(table, "__getitem__"):  # a pandas DataFrame
        return {str(key): np.asarray(table[key]) for key in table.columns}
    check_instance(name, table, Mapping, "a mapping of quantity names to arrays, or a DataFrame")
    return {str(key): np.asarray(value) for key, value in table.items()}


def _compare(quantity, fresh, stored, tolerance) -> Deviation:
    fresh, stored = fresh.ravel(), stored.ravel()
    floats = fresh.dtype.kind in "fc" or stored.dtype.kind in "fc"
    if tolerance is None or not floats:
        differ = np.flatnonzero(~_same(fresh, stored))
        worst = int(differ[0]) if differ.size else -1
        return Deviation(quantity, fresh.size, None, 0.0, 0.0, int(differ.size), worst,
                         _item(fresh, worst), _item(stored, worst))
    fresh, stored = fresh.astype(float), stored.astype(float)
    finite = np.isfinite(fresh) & np.isfinite(stored)
    placed = finite | _same(fresh, stored)  # inf and NaN must sit at the same places
    bound = tolerance.atol + tolerance.rtol * np.abs(stored)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gap = np.where(finite, np.abs(fresh - stored), 0.0)
        rel = np.where(finite & (stored != 0), gap / np.abs(stored), 0.0)
        rel = np.where(finite & (stored == 0) & (gap > 0), np.inf, rel)
        excess = np.where(placed, gap / np.where(bound > 0, bound, 1.0) * (gap > bound), np.inf)
    beyond = ~placed | (gap > bound)
    worst = int(np.argmax(excess)) if beyond.any() else -1
    return Deviation(quantity, fresh.size, tolerance, float(gap.max(initial=0.0)), float(rel.max(initial=0.0)),
                     int(beyond.sum()), worst, _item(fresh, worst), _item(stored, worst))


def _same(a, b):
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return (a == b) | (np.isnan(a) & np.isnan(b))
    return a == b


def _item(array, index):
    if index < 0:
        return None
    value = array[index]
    return value.item() if hasattr(value, "item") else value


def check_tolerances(name: str, value) -> dict:
    """A mapping of quantity names to :class:`Tolerance` (or ``(rtol, atol)`` pairs), as Tolerances."""
    check_instance(name, value, Mapping, "a mapping of quantity names to Tolerance or (rtol, atol)")
    tolerances = {}
    for key, tolerance in value.items():
        if not isinstance(tolerance, Tolerance):
            check_instance(f"{name}[{key!r}]", tolerance, tuple, "a Tolerance or an (rtol, atol) pair")
            if len(tolerance) != 2:
                raise ValueError(f"{name}[{key!r}] must be a Tolerance or an (rtol, atol) pair, got {tolerance!r}")
            tolerance = Tolerance(*tolerance)
        tolerances[key] = tolerance
    return tolerances


def compare_rerun(fresh, stored, *, close: Mapping | None = None, ignore=(), what: str = "rerun") -> Comparison:
    """Compare a rerun with the stored data, quantity by quantity.

    ``fresh`` and ``stored`` map quantity names to arrays of the same shape (dicts, or pandas
    DataFrames whose rows are in the same order). ``close`` maps each float quantity that may
    differ by rounding to its :class:`Tolerance` (or an ``(rtol, atol)`` pair); every other
    quantity, and every non-float one, is compared exactly. ``ignore`` names quantities not
    compared at all (a wall time). Both sides must hold the same quantities, so that a new
    column cannot slip past the comparison. Returns a :class:`Comparison`; call its
    :meth:`~Comparison.check` to raise :class:`RerunMismatch` when a quantity is beyond its bound.
    """
    what = check_instance("what", what, str, "a string")
    fresh, stored = _columns("fresh", fresh), _columns("stored", stored)
    ignore = set(check_sequence("ignore", ignore, lambda n, v: check_instance(n, v, str, "a string"),
                                what="quantity names", min_length=0))
    tolerances = check_tolerances("close", close if close is not None else {})
    names = [key for key in stored if key not in ignore]
    missing = sorted(set(names) - set(fresh))
    extra = sorted(set(fresh) - set(stored) - ignore)
    if missing or extra:
        raise ValueError(f"fresh must hold the stored quantities {sorted(names)}; "
                         f"missing {missing}, not stored {extra}")
    unknown = sorted(set(tolerances) - set(names))
    if unknown:
        raise ValueError(f"close must name compared quantities {sorted(names)}, got {unknown}")
    deviations = []
    for key in names:
        if fresh[key].shape != stored[key].shape:
            raise ValueError(f"fresh[{key!r}] must have the stored shape {stored[key].shape}, "
                             f"got {fresh[key].shape}")
        deviations.append(_compare(key, fresh[key], stored[key], tolerances.get(key)))
    return Comparison(what, tuple(deviations))


def check_format(stored, expected: str) -> None:
    """Refuse an opened ``.npz`` whose ``format`` stamp is not ``expected``: it was written by
    another version of the library (raises :class:`StoredDataError`)."""
    found = str(stored["format"]) if "format" in stored.files else "none"
    if found != expected:
        raise StoredDataError(f"was written by another version of fgcourse (format stamp {found!r}, this version "
                              f"reads {expected!r})")


def read_stored(path, read: Callable, regenerate: str):
    """``read(path)``, with the failures of a stored file explained.

    A missing file raises ``FileNotFoundError``, a file that ``read`` cannot parse (truncated,
    damaged, another format) or that it refuses with :class:`StoredDataError` raises
    :class:`StoredDataError`; each message names the file and the command ``regenerate`` that
    writes it anew.
    """
    check_instance("path", path, (str, os.PathLike), "a file path")
    read = check_callable("read", read)
    regenerate = check_instance("regenerate", regenerate, str, "a command, e.g. 'make experiments'")
    name = os.fspath(path)
    again = f"regenerate it with `{regenerate}`"
    if not os.path.isfile(name):
        raise FileNotFoundError(f"the stored data file {name} is missing: {again}")
    try:
        return read(path)
    except StoredDataError as error:
        raise StoredDataError(f"the stored data file {name} {error}: {again}") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError, UnicodeDecodeError, zipfile.BadZipFile,
            zlib.error) as error:
        detail = f"{type(error).__name__}: {error}"
        raise StoredDataError(f"the stored data file {name} cannot be read, it may be truncated or damaged "
                              f"({_shorten(detail)}): {again}") from None


def _shorten(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
