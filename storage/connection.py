"""One SQLite file and its per-thread connections: opening, migrating, write transactions.

The stores over it each keep one concern and share the file and its transactions (so a
question's log row and its inbox entry commit together): ReportStore the documents and
chunks, QueryLog the questions, feedback and synonyms, InboxStore the requests, VoteStore
the passage votes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from .errors import (
    DamagedError,
    ReadOnlyError,
    translate_public_methods,
    translated,
)
from .migrations import migrations

BUSY_TIMEOUT_MS = 10_000
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


def now() -> str:
    """UTC timestamp as stored in every time column."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@translate_public_methods
class Connection:
    """Open (creating and migrating) a report database at `path`, or only read it."""

    def __init__(
        self,
        path: str | Path,
        clock: Callable[[], datetime] = utc_now,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self._local = threading.local()
        self._connections: list[Database] = []
        self._connections_lock = threading.Lock()
        self._uri: str | None = None  # set when the database is opened read-only
        with translated(self.path):
            self._open(read_only)

    @property
    def read_only(self) -> bool:
        """Opened read-only (a read-only file or mount): answers work, nothing is logged."""
        return self._uri is not None

    def _open(self, read_only: bool) -> None:
        """Create or migrate a writable database; open a read-only one as it is."""
        self._check_is_sqlite()
        if read_only or (
            self.path.exists()
            and not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK))
        ):
            self._open_read_only()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists() and not os.access(self.path.parent, os.W_OK):
                raise ReadOnlyError(
                    f"{self.path}: cannot create a database there (the folder is read-only)"
                )
        self._check_is_ours()
        if self.read_only:
            if migrations.pending(self.db):
                raise ReadOnlyError(
                    f"{self.path}: database is read-only and was made by an "
                    "older version; open it once with write access to upgrade"
                )
            return
        self.db.enable_wal()
        migrations.apply(self.db)

    def _open_read_only(self) -> None:
        """mode=ro reads a WAL database when its -shm file exists or can be made; on a
        read-only mount it cannot, and nothing can change the file there: immutable=1."""
        base = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?mode=ro"
        for uri in (base, base + "&immutable=1"):
            conn = sqlite3.connect(uri, uri=True)
            try:
                conn.execute("select count(*) from sqlite_master").fetchone()
            except sqlite3.OperationalError:
                if uri != base:
                    raise
                continue
            finally:
                conn.close()
            self._uri = uri
            return

    def _check_is_sqlite(self) -> None:
        """A file that is not SQLite at all (a report, notes) was given by mistake: say so,
        rather than the advice for a damaged database. An empty file is a new database."""
        try:
            with open(self.path, "rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError:  # missing (created below) or unreadable (SQLite says which)
            return
        if header and header != SQLITE_HEADER:
            raise DamagedError(
                f"{self.path} is not a reportbot database (not an SQLite file): check the path"
            )

    def _check_is_ours(self) -> None:
        """Refuse to add tables to somebody else's SQLite file."""
        tables = {
            name
            for (name,) in self.db.execute("select name from sqlite_master where type = 'table'")
        }
        if tables and not (migrations.applied(self.db) if "_sqlite_migrations" in tables else []):
            raise DamagedError(
                f"{self.path} is not a reportbot database (it holds other tables): check the path"
            )

    @property
    def db(self) -> Database:
        """This thread's connection: SQLite connections must not be shared between threads."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self._uri is not None:
                conn = sqlite3.connect(
                    self._uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
                )
            else:
                conn = sqlite3.connect(
                    self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
                )
            # No plugins: finding them scans every installed distribution's entry points,
            # ~90 ms on each new connection (each process, each thread), for none we use.
            db = Database(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            # In WAL mode NORMAL survives any crash of the process; only an OS crash or power
            # cut can lose the last commits. It spares an fsync on every logged question.
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    @contextmanager
    def writing(self) -> Iterator[Database]:
        """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

        A deferred transaction that reads first and writes later fails at once with
        "database is locked" when another process wrote in between; taking the lock first
        makes SQLite wait (busy_timeout) instead.
        """
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: database is read-only")
        db = self.db
        if db.conn.in_transaction:
            yield db
            return
        with translated(self.path):
            db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            with translated(self.path):
                db.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:  # SQLite may have rolled back already (disk full)
                db.execute("ROLLBACK")
            raise

    def now(self) -> str:
        """This store's clock as a stored timestamp (tests inject the clock)."""
        return self.clock().isoformat(timespec="seconds")

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()


class StoreTable:
    """A table (or a few) kept by its own class over a shared Connection: the same file
    and transactions, a concern of its own (the query log, the inbox, passage votes)."""

    def __init__(self, store: Connection) -> None:
        self.store = store
        self.path = store.path  # where translated errors say the trouble is

    @property
    def db(self) -> Database:
        return self.store.db

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def writing(self) -> AbstractContextManager[Database]:
        """The connection's write transaction (BEGIN IMMEDIATE, see Connection.writing)."""
        return self.store.writing()
