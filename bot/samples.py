"""The shipped sample reports, served from a database of their own.

Until a user's database holds a report, answers come from the samples; opening a database
never writes them into it, so the user's first report gets id 1. The sample database is
built at first use in the cache folder (`$XDG_CACHE_HOME/reportbot`, else ~/.cache), keyed
by a hash of the sample files, this version and the schema, then only ever read; where the
cache cannot be written it is built in a temporary folder for this process.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from sqlite_utils import Database

from .. import __version__
from ..storage.db import ReportStore
from ..storage.errors import StorageError
from ..storage.migrations import migrations

PACKAGE = "reportbot.storage.samples"
FIRST_CHUNK_ID = 1_000_000_001  # far above any user database's passage ids


def sample_files() -> list[Traversable]:
    """The sample reports shipped in storage/samples/: every .txt file there, by name (other
    files, a README.md say, are not reports)."""
    folder = resources.files(PACKAGE)
    entries = [e for e in folder.iterdir() if Path(e.name).suffix == ".txt"]
    return sorted(entries, key=lambda e: e.name)


def sample_key() -> str:
    """Names the exact sample database these files, this version and this schema make."""
    built = f"{__version__}\0{FIRST_CHUNK_ID}\0{','.join(migrations_names())}"
    digest = hashlib.sha256(built.encode())
    for entry in sample_files():
        digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()[:16]


def migrations_names() -> list[str]:
    return [migration.name for migration in migrations.pending(Database(memory=True))]


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reportbot"


def open_samples(build: Callable[[ReportStore], None]) -> ReportStore:
    """The sample database, read-only; `build` fills a new one (at first use only)."""
    name = f"samples-{sample_key()}.db"
    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _build(path, build)
    except (OSError, StorageError):  # no writable cache: a private copy for this process
        folder = Path(tempfile.mkdtemp(prefix="reportbot-samples-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / name
        _build(path, build)
    return ReportStore(path, read_only=True)


def _build(path: Path, build: Callable[[ReportStore], None]) -> None:
    """Build beside `path` and move it in place at once: a concurrent reader never sees a
    half-built file, and two processes building at once both end with a whole one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        store = ReportStore(partial)
        try:
            store.number_chunks_from(FIRST_CHUNK_ID)
            build(store)
        finally:
            store.close()
        with sqlite3.connect(partial) as conn:  # a plain file: read-only opens need no -shm
            conn.execute("PRAGMA journal_mode = DELETE")
        os.replace(partial, path)
    finally:
        for leftover in partial.parent.glob(partial.name + "*"):
            leftover.unlink(missing_ok=True)
