"""The on-disk cache of a grid: one JSON file per batch, named by the hash of its key.

The key is the batch's configuration and the library version (:meth:`Batch.key`), so an
entry written by another version has another name and is never looked at; the stored key
is compared as well, so a renamed or hand-copied file is not reused either. Writes are
atomic (a temporary file in the same directory, then :func:`os.replace`): an interrupted
run leaves either a whole entry or none, and an entry that cannot be read is recomputed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fgcourse._checks import describe

__all__ = ["open_cache", "entry_path", "load_entry", "store_entry"]

SUFFIX = ".json"


def open_cache(cache) -> Path:
    """The cache directory, created if needed, checked writable before any work."""
    if not isinstance(cache, (str, os.PathLike)):
        raise TypeError(f"cache must be a directory path (str or os.PathLike), got {describe(cache)}")
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


def load_entry(cache: Path, batch) -> dict | None:
    """The stored result of ``batch`` (``{"key", "rows", "wall_time"}``), or None if missing or unusable."""
    try:
        entry = json.loads(entry_path(cache, batch).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != batch.key() or not isinstance(entry.get("rows"), list):
        return None
    return entry


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
