"""Errors raised by storage, and the one-line reasons SQLite's own errors become."""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ReportbotError

RESTORE_HINT = "restore a backup, see README (Restore)"


class StorageError(ReportbotError):
    """Base class for storage errors."""


class NotFoundError(StorageError):
    """A document or chunk id that does not exist."""


class DuplicateError(StorageError):
    """The same content is stored already (as `doc_id`)."""

    def __init__(self, doc_id: int) -> None:
        super().__init__(f"the same content is stored already as document {doc_id}")
        self.doc_id = doc_id


class ReadOnlyError(StorageError):
    """The database file or its folder cannot be written."""


class DiskFullError(StorageError):
    """The disk holding the database is full."""


class DamagedError(StorageError):
    """The file is not a reportbot database, or it is malformed."""


def translate(error: sqlite3.Error | OSError, path: Path) -> StorageError:
    """The storage error a low-level SQLite or file error stands for, with a one-line reason."""
    text = str(error).lower()
    if isinstance(error, OSError):
        if error.errno == 28:  # ENOSPC
            return DiskFullError(f"the disk holding {path} is full")
        if error.errno in (13, 30):  # EACCES, EROFS
            return ReadOnlyError(f"{path}: database is read-only")
        if error.errno in (17, 20):  # EEXIST, ENOTDIR: a file where a folder should be
            return StorageError(f"{path}: {path.parent} is not a folder")
        return StorageError(f"{path}: {error.strerror or error}")
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFullError(f"the disk holding {path} is full")
    if "readonly" in text or "read-only" in text:
        return ReadOnlyError(f"{path}: database is read-only")
    if "not a database" in text:
        return DamagedError(f"{path} is not a reportbot database (or is damaged): {RESTORE_HINT}")
    if "malformed" in text or "corrupt" in text:
        return DamagedError(f"{path} is damaged: {RESTORE_HINT}")
    if "unable to open" in text:
        return StorageError(f"{path}: cannot open the database file")
    if "disk i/o error" in text:
        return StorageError(f"{path}: disk I/O error (is the disk failing or full?)")
    if "locked" in text or "busy" in text:
        return StorageError(f"{path}: database is locked by another process; try again")
    return StorageError(f"{path}: {error}")


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn SQLite and file-system errors raised inside the block into StorageErrors."""
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        raise translate(error, path) from error


def _translating(method: Callable) -> Callable:
    """Raise a StorageError with a one-line reason, never a raw sqlite3 or OSError."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            with translated(self.path):
                yield from method(self, *args, **kwargs)

        return generator

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with translated(self.path):
            return method(self, *args, **kwargs)

    return wrapper


def translate_public_methods(cls: type) -> type:
    """Class decorator: every public method raises StorageErrors only (see `translated`)."""
    for name, value in list(vars(cls).items()):
        if (
            not name.startswith("_")
            and inspect.isfunction(value)
            and name not in ("writing", "now")
        ):
            setattr(cls, name, _translating(value))
    return cls
