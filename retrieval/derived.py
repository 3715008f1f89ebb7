"""Files derived from installed data, kept in the temp folder: a new process reads them in
milliseconds instead of parsing the data again (jieba's dictionary, 同义词词林)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import IO


def derived_stem(kind: str, source: str) -> str:
    """Where files derived from `source` are kept: named by its size and time, so a new
    version of the data gets new files."""
    stat = os.stat(source)
    name = f"reportbot-{kind}-{stat.st_size}-{int(stat.st_mtime)}"
    return os.path.join(tempfile.gettempdir(), name)


def trusted(path: str) -> bool:
    """Whether a derived file exists and is this user's: the temp folder is shared, and a
    file another user left there is not read."""
    try:
        return os.stat(path).st_uid == os.getuid()
    except OSError:
        return False


def save_atomically(path: str, write: Callable[[IO[bytes]], object]) -> None:
    """Write a derived file whole or not at all (a reader never sees half of one)."""
    try:
        with tempfile.NamedTemporaryFile(
            dir=os.path.dirname(path), suffix=".tmp", delete=False
        ) as f:
            write(f)
        os.replace(f.name, path)
    except OSError:  # no writable temp folder: the next process derives it again
        pass
