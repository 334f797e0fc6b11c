"""The on-disk cache of a grid: one JSON file per batch, named by the hash of its key.

The key is the batch's configuration and the library version (:meth:`Batch.key`), so an
entry written by another version has another name and is never looked at; the stored key
is compared as well, so a renamed or hand-copied file is not reused either. Writes are
atomic (a temporary file in the same directory, then :func:`os.replace`): an interrupted
run leaves either a whole entry or none, and two runs of the same grid into one cache write
the same entries whole, one after the other. An entry is used only if it is complete: its
key, one row per run of its batch, every column in every row, and its wall time. Anything
else is *damaged*: recomputed, and counted in the run's summary.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from fgcourse._checks import describe

__all__ = ["open_cache", "entry_path", "load_entry", "store_entry", "MISSING", "DAMAGED", "USABLE"]

MISSING, DAMAGED, USABLE = "missing", "damaged", "usable"
"""What :func:`load_entry` found: no entry, an entry that is not complete, a complete one."""

SUFFIX = ".json"


def open_cache(cache) -> Path:
    """The cache directory, created if needed, checked writable before any work."""
    if not isinstance(cache, (str, os.PathLike)):
        raise TypeError(f"cache must be a directory path (str or os.PathLike), got {describe(cache)}")
    if not os.fspath(cache).strip():
        raise ValueError(f"cache must be a directory path, got {os.fspath(cache)!r} (empty: the entries would go "
                         "into the current directory)")
    path = Path(cache)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"cache must be a writable directory, got {str(path)!r}, which is not a directory") from None
    except OSError as error:
        raise ValueError(f"cache must be a writable directory, got {str(path)!r} ({error.strerror})") from None
    try:  # os.access says yes to root on a read-only mount: try for real
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as error:
        raise ValueError(f"cache must be a writable directory, got {str(path)!r} ({error.strerror})") from None
    return path


def entry_path(cache: Path, batch) -> Path:
    return cache / f"{batch.digest()}{SUFFIX}"


def load_entry(cache: Path, batch, columns=()) -> tuple[str, dict | None]:
    """``(what, entry)``: the stored result of ``batch`` (``{"key", "rows", "wall_time", ...}``) if it
    is complete, with ``what`` one of :data:`MISSING`, :data:`DAMAGED`, :data:`USABLE`.

    Complete means: the batch's key, ``batch.num_runs`` rows, each a dict holding every name of
    ``columns``, and a finite wall time >= 0. An entry path that is a directory is not a
    damaged entry but an unusable cache, refused with a ValueError naming ``cache``.
    """
    path = entry_path(cache, batch)
    if path.is_dir():
        raise ValueError(f"cache must hold one file per batch, got {str(cache)!r}, where the entry {path.name} is a "
                         "directory: move it away")
    try:
        entry = json.loads(path.read_text())
    except FileNotFoundError:
        return MISSING, None
    except (OSError, ValueError, UnicodeDecodeError):
        return DAMAGED, None
    if not _complete(entry, batch, columns):
        return DAMAGED, None
    return USABLE, entry


def _complete(entry, batch, columns) -> bool:
    if not isinstance(entry, dict) or entry.get("key") != batch.key():
        return False
    rows, wall_time = entry.get("rows"), entry.get("wall_time")
    if not isinstance(rows, list) or len(rows) != batch.num_runs:
        return False
    if not all(isinstance(row, dict) and all(column in row for column in columns) for row in rows):
        return False
    return (isinstance(wall_time, (int, float)) and not isinstance(wall_time, bool) and math.isfinite(wall_time)
            and wall_time >= 0)


def store_entry(cache: Path, batch, entry: dict) -> None:
    """Write ``entry`` for ``batch`` atomically."""
    descriptor, temporary = tempfile.mkstemp(dir=cache, prefix=".tmp-", suffix=SUFFIX)
    try:
        with os.fdopen(descriptor, "w") as file:
            json.dump({**entry, "key": batch.key()}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, entry_path(cache, batch))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
