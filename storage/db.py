"""The report database: documents, chunks, query log and feedback in one SQLite file."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from sqlite_utils import Database

from ..retrieval.models import Chunk
from ..retrieval.scope import ReportFacts
from .errors import (
    RESTORE_HINT,
    DamagedError,
    DuplicateError,
    NotFoundError,
    ReadOnlyError,
    StorageError,
    translate_public_methods,
    translated,
)
from .memory import MemoryTable
from .migrations import migrations

BUSY_TIMEOUT_MS = 10_000
_LOG_COLUMNS = [
    "time",
    "source",
    "user_id",
    "chat_id",
    "query",
    "filters",
    "result_ids",
    "scores",
    "results",
    "latency_ms",
    "request_id",
    "confident",
]
_LOG_INSERT = (
    f"insert into query_log ({', '.join(_LOG_COLUMNS)}) "
    f"values ({', '.join('?' * len(_LOG_COLUMNS))})"
)


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document as listed to users."""

    doc_id: int
    title: str
    year: int | None
    source: str
    format: str
    parts: int
    sections: int
    chunks: int
    sample: bool
    ingested_at: str
    content_hash: str
    org: str | None = None


@dataclass(frozen=True)
class ChunkRecord:
    """One stored passage with its citation data."""

    chunk_id: int
    doc_id: int
    doc_title: str
    position: int
    section: int
    path: tuple[str, ...]
    kind: str
    text: str
    tokens: tuple[str, ...]
    page: int | None = None
    compact: str = ""  # as ranking compares it; empty for passages stored before 0020


@dataclass(frozen=True)
class Change:
    """One entry of the change log: what a generation did to which document."""

    generation: int
    op: str  # "add" or "delete"
    doc_id: int


@dataclass(frozen=True)
class LoggedQuery:
    """A logged question with what buttons need to select its answer again."""

    query_log_id: int
    query: str
    filters: dict
    result_ids: tuple[int, ...]


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question that found nothing, only related passages, or got a 👎, with its repeats."""

    query: str
    asked: int
    time: str  # the latest time it was asked (UTC, as stored)
    results: int  # the fewest results any asking got: 0 means nothing was found
    downvotes: int


@dataclass(frozen=True)
class ExportRow:
    """One logged question as `export-log` writes it, with its 👍/👎 counts."""

    id: int
    time: str
    source: str
    user_id: int | None
    chat_id: int | None
    query: str
    filters: str
    results: int
    result_ids: str
    scores: str
    latency_ms: float | None
    upvotes: int
    downvotes: int


@dataclass(frozen=True)
class TopQuery:
    """A question asked often lately, with how often."""

    query: str
    count: int


@dataclass(frozen=True)
class Stats:
    """Usage figures of one database (`recent_*` over the last `recent_days` days)."""

    database: str
    size_bytes: int
    documents: int
    sample_documents: int
    chunks: int
    queries: int
    recent_days: int
    recent_queries: int
    unanswered: int
    upvotes: int
    downvotes: int
    last_ingest: str | None
    top_queries: tuple[TopQuery, ...]


class StoreTable:
    """A table (or a few) kept by its own class over the connection of a ReportStore:
    the same file and transactions, a concern of its own (the inbox, passage votes)."""

    def __init__(self, store: ReportStore) -> None:
        self.store = store
        self.path = store.path  # where translated errors say the trouble is

    @property
    def db(self) -> Database:
        return self.store.db


@lru_cache(maxsize=8192)
def _section_path(stored: str) -> tuple[str, ...]:
    """A stored heading path (JSON), parsed once: a section's passages share it."""
    return tuple(json.loads(stored))


def now() -> str:
    """UTC timestamp as stored in every time column."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@translate_public_methods
class ReportStore(MemoryTable):
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

    def _check_is_ours(self) -> None:
        """Refuse to add tables to somebody else's SQLite file."""
        tables = {
            name
            for (name,) in self.db.execute("select name from sqlite_master where type = 'table'")
        }
        if tables and not (migrations.applied(self.db) if "_sqlite_migrations" in tables else []):
            raise DamagedError(
                f"{self.path} is not a reportbot database (it holds other "
                f"tables); check --db, or {RESTORE_HINT}"
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
            db = Database(conn)
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

    # documents ---------------------------------------------------------------

    def find_document(
        self, *, source: str | None = None, content_hash: str | None = None
    ) -> DocumentInfo | None:
        """The document stored from this source path, or with this content."""
        column, value = ("source", source) if source is not None else ("content_hash", content_hash)
        docs = self._documents(f"d.{column} = ?", [value])
        return docs[0] if docs else None

    def documents(self) -> list[DocumentInfo]:
        return self._documents("1", [])

    def document(self, doc_id: int) -> DocumentInfo:
        docs = self._documents("d.id = ?", [doc_id])
        if not docs:
            raise NotFoundError(f"no document with id {doc_id}")
        return docs[0]

    def _documents(self, where: str, params: list) -> list[DocumentInfo]:
        sql = f"""
            select d.*, (select count(*) from chunks c where c.doc_id = d.id) as chunks
            from documents d where {where} order by d.id
        """
        return [
            DocumentInfo(
                doc_id=row["id"],
                title=row["title"],
                year=row["year"],
                source=row["source"],
                format=row["format"],
                parts=row["parts"],
                sections=row["sections"],
                chunks=row["chunks"],
                sample=bool(row["sample"]),
                ingested_at=row["ingested_at"],
                content_hash=row["content_hash"],
                org=row["org"],
            )
            for row in self.db.query(sql, params)
        ]

    def _forget_sample_references(self) -> None:
        """Votes and draft picks made while only the samples were searched name sample
        passage ids, which the user's first report numbers afresh from 1: drop them."""
        self.db.execute("delete from passage_votes")
        self.db.execute("delete from draft_picks")
        self.db.execute(
            "update meta set value = cast(value as integer) + 1 where key = 'feedback_version'"
        )

    def ever_held_documents(self) -> bool:
        """Whether a report was ever stored here (deleting them all does not make it new)."""
        row = self.db.execute("select value from meta where key = 'next_doc_id'").fetchone()
        return int(row[0]) > 1

    def report_facts(self) -> list[ReportFacts]:
        """Each report's title and the (year, kind) pairs of its passages: what filters
        named in a question can select (retrieval/scope.py)."""
        rows: dict[int, set[tuple[int | None, str]]] = {}
        titles: dict[int, str] = {}
        sql = """select d.id, d.title, coalesce(c.year, d.year), c.kind
                 from documents d join chunks c on c.doc_id = d.id
                 group by d.id, coalesce(c.year, d.year), c.kind order by d.id"""
        for doc_id, title, year, kind in self.db.execute(sql):
            titles[doc_id] = title
            rows.setdefault(doc_id, set()).add((year, kind))
        return [ReportFacts(doc_id, titles[doc_id], frozenset(rows[doc_id])) for doc_id in titles]

    def save_document(
        self,
        *,
        title: str,
        source: str,
        content_hash: str,
        format: str,
        year: int | None,
        parts: int,
        sections: int,
        chunks: Iterable[Chunk],
        line_keys: Iterable[str],
        phrases: Iterable[str],
        sample: bool = False,
        replaces: int | None = None,
    ) -> int:
        """Store a document and its chunks in one transaction, replacing an older version.

        Whatever is stored under `source` (or has id `replaces`) is replaced. Raises
        DuplicateError when another document with the same content is stored already:
        checked inside the write transaction, so two identical files ingested at once
        become one document.
        """
        with self.writing():
            stale = {
                row[0]
                for row in self.db.execute("select id from documents where source = ?", [source])
            }
            if (
                replaces is not None
                and self.db.execute("select 1 from documents where id = ?", [replaces]).fetchone()
            ):
                stale.add(replaces)
            same = self.db.execute(
                "select id from documents where content_hash = ? and sample = 0", [content_hash]
            ).fetchall()
            if not sample and any(doc not in stale for (doc,) in same):
                raise DuplicateError(next(doc for (doc,) in same if doc not in stale))
            for doc in sorted(stale):
                self._delete(doc)
            if stale:  # a new version keeps its report's id (its passages get new ones)
                doc_id = replaces if replaces in stale else min(stale)
            else:
                doc_id = self._next_id("next_doc_id", 1)
                if doc_id == 1 and not sample:
                    self._forget_sample_references()
            chunks = list(chunks)
            first_chunk = self._next_id("next_chunk_id", len(chunks))
            self.db.execute(
                "insert into documents (id, title, source, content_hash, format, year, parts, "
                "sections, sample, ingested_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    doc_id,
                    title,
                    source,
                    content_hash,
                    format,
                    year,
                    parts,
                    sections,
                    int(sample),
                    now(),
                ],
            )
            # plain executemany: sqlite-utils' insert_all() costs more than the writes
            self.db.conn.executemany(
                "insert into chunks (id, doc_id, position, section, path, kind, text, tokens, "
                "page, year, compact) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        first_chunk + position,
                        doc_id,
                        position,
                        chunk.section,
                        json.dumps(chunk.path, ensure_ascii=False),
                        chunk.kind,
                        chunk.text,
                        " ".join(chunk.tokens),
                        chunk.page,
                        chunk.year,
                        chunk.compact or None,
                    )
                    for position, chunk in enumerate(chunks)
                ],
            )
            self.db.conn.executemany(
                "insert or ignore into doc_lines (doc_id, key) values (?, ?)",
                [(doc_id, key) for key in set(line_keys)],
            )
            self.db.conn.executemany(
                "insert or ignore into doc_phrases (doc_id, phrase) values (?, ?)",
                [(doc_id, p) for p in set(phrases)],
            )
            self._record("add", doc_id)
        return doc_id

    def delete_document(self, doc_id: int) -> DocumentInfo:
        """Remove a document and everything derived from it."""
        info = self.document(doc_id)
        with self.writing():
            self._delete(doc_id)
        return info

    def _delete(self, doc_id: int) -> None:
        for table in ("facts", "chunks", "doc_lines", "doc_phrases"):
            self.db.execute(f"delete from {table} where doc_id = ?", [doc_id])
        self.db.execute("delete from documents where id = ?", [doc_id])
        self._record("delete", doc_id)

    def number_chunks_from(self, first: int) -> None:
        """Give the next passages ids from `first` on: the sample database's never meet a
        user's, so a button on a sample answer can never open a user's passage."""
        with self.writing():
            self.db.execute("update meta set value = ? where key = 'next_chunk_id'", [str(first)])

    def _next_id(self, key: str, count: int) -> int:
        """Reserve `count` ids from a high-water mark (ids are never reused)."""
        first = int(self.db.execute("select value from meta where key = ?", [key]).fetchone()[0])
        self.db.execute("update meta set value = ? where key = ?", [str(first + count), key])
        return first

    def _record(self, op: str, doc_id: int) -> None:
        """Bump the generation, note what changed, and mint a new state token."""
        generation = self._bump_generation()
        self.db.execute(
            "insert into changes (generation, op, doc_id) values (?, ?, ?)",
            [generation, op, doc_id],
        )
        self.db.execute("update meta set value = ? where key = 'state'", [secrets.token_hex(8)])

    def _bump_generation(self) -> int:
        self.db.execute(
            "update meta set value = cast(value as integer) + 1 where key = 'generation'"
        )
        return self.generation()

    def generation(self) -> int:
        """Counter bumped by every change to the documents, to notice changes cheaply."""
        return int(self.db.execute("select value from meta where key = 'generation'").fetchone()[0])

    def state(self) -> str:
        """Generation plus a random token minted with it: names one exact set of documents.

        A restored backup carries the token of the state it was taken in, so an index file
        saved for another history never matches by accident.
        """
        rows = dict(
            self.db.execute(
                "select key, value from meta where key in ('generation', 'state')"
            ).fetchall()
        )
        return f"{rows['generation']}:{rows['state']}"

    def changes_since(self, generation: int) -> list[Change]:
        """Every change after `generation`, oldest first."""
        return [
            Change(*row)
            for row in self.db.execute(
                "select generation, op, doc_id from changes where generation > ? order by id",
                [generation],
            )
        ]

    # ingest evidence -----------------------------------------------------------

    def line_document_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many stored documents contain each of these line keys."""
        keys = list(set(keys))
        counts: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            for key, count in self.db.execute(
                f"select key, count(*) from doc_lines where key in ({marks}) group by key", batch
            ):
                counts[key] = count
        return counts

    def phrases(self, doc_id: int | None = None) -> set[str]:
        """Quoted terms harvested at ingest, from all documents or one."""
        if doc_id is None:
            return {row[0] for row in self.db.execute("select distinct phrase from doc_phrases")}
        return {
            row[0]
            for row in self.db.execute("select phrase from doc_phrases where doc_id = ?", [doc_id])
        }

    # chunks --------------------------------------------------------------------

    def iter_index_rows(
        self, doc_id: int | None = None
    ) -> Iterator[tuple[int, int, str, int | None, list[str], str]]:
        """(chunk id, doc id, kind, year, tokens, headings and text) of every chunk (or one
        document's), by id."""
        where, params = ("where c.doc_id = ?", [doc_id]) if doc_id is not None else ("", [])
        sql = f"""select c.id, c.doc_id, c.kind, coalesce(c.year, d.year), c.tokens, c.path, c.text
                  from chunks c join documents d on d.id = c.doc_id {where} order by c.id"""
        for chunk_id, doc, kind, year, tokens, path, text in self.db.execute(sql, params):
            yield (chunk_id, doc, kind, year, tokens.split(), "\n".join((*json.loads(path), text)))

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Passages by id with their document titles (missing ids are left out)."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        return {r.chunk_id: r for r in self._chunk_records(f"c.id in ({marks})", list(chunk_ids))}

    def section_chunks(self, chunk_id: int) -> list[ChunkRecord]:
        """All passages of the section a passage belongs to, in order."""
        row = self.db.execute(
            "select doc_id, section from chunks where id = ?", [chunk_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no passage with id {chunk_id}")
        return self._chunk_records("c.doc_id = ? and c.section = ?", list(row))

    def document_chunks(self, doc_id: int) -> list[ChunkRecord]:
        return self._chunk_records("c.doc_id = ?", [doc_id])

    def _chunk_records(self, where: str, params: list) -> list[ChunkRecord]:
        sql = f"""select c.id, c.doc_id, d.title, c.position, c.section, c.path, c.kind, c.text,
                         c.tokens, c.page, c.compact
                  from chunks c join documents d on d.id = c.doc_id
                  where {where} order by c.doc_id, c.position"""
        return [
            ChunkRecord(
                chunk_id,
                doc_id,
                title,
                position,
                section,
                _section_path(path),
                kind,
                text,
                tuple(tokens.split()),
                page,
                compact or "",
            )
            for (
                chunk_id,
                doc_id,
                title,
                position,
                section,
                path,
                kind,
                text,
                tokens,
                page,
                compact,
            ) in self.db.execute(sql, params)
        ]

    # query log and feedback -----------------------------------------------------

    def log_query(
        self,
        *,
        query: str,
        source: str,
        result_ids: Sequence[int],
        scores: Sequence[float],
        latency_ms: float,
        user_id: int | None = None,
        chat_id: int | None = None,
        filters: dict | None = None,
        request_id: int | None = None,
        confident: bool | None = None,
    ) -> int:
        """Record one search from any interface; returns its id (used by buttons).

        `request_id` is the inbox entry of a chat question: retried after a crash it updates
        its own row, never another question's.
        """
        row = {
            "time": now(),
            "source": source,
            "user_id": user_id,
            "chat_id": chat_id,
            "query": query,
            "filters": json.dumps(filters or {}, ensure_ascii=False),
            "result_ids": json.dumps(list(result_ids)),
            "scores": json.dumps([round(s, 4) for s in scores]),
            "results": len(result_ids),
            "latency_ms": round(latency_ms, 3),
            "request_id": request_id,
            "confident": None if confident is None else int(confident),
        }
        if self.read_only:
            return 0  # answered, not logged: nothing can be written
        with self.writing():
            existing = (
                request_id is not None
                and self.db.execute(
                    "select id from query_log where request_id = ?", [request_id]
                ).fetchone()
            )
            if existing:
                self.db["query_log"].update(existing[0], row)
                return existing[0]
            # plain SQL: sqlite-utils' insert() inspects the table first, 5x the cost
            return self.db.execute(_LOG_INSERT, [row[c] for c in _LOG_COLUMNS]).lastrowid

    def logged_query(self, query_log_id: int) -> LoggedQuery:
        row = self.db.execute(
            "select query, filters, result_ids from query_log where id = ?", [query_log_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no logged query {query_log_id}")
        return LoggedQuery(
            query_log_id, row[0], json.loads(row[1] or "{}"), tuple(json.loads(row[2]))
        )

    def add_feedback(self, query_log_id: int, user_id: int | None, vote: int) -> None:
        """Store a 👍 (+1) or 👎 (-1); a user's second vote on the same answer replaces the first."""
        self.logged_query(query_log_id)
        with self.writing():
            self.db.execute(
                """insert into feedback (query_log_id, user_id, vote, time) values (?, ?, ?, ?)
                   on conflict (query_log_id, user_id) do update set vote = excluded.vote,
                   time = excluded.time""",
                [query_log_id, user_id, vote, now()],
            )

    # the team's synonyms ----------------------------------------------------------

    def synonyms(self) -> list[tuple[str, str]]:
        """The team's (word, synonym) pairs, in the order they were added."""
        return [
            tuple(r)
            for r in self.db.execute("select word, synonym from synonyms order by added_at, rowid")
        ]

    def synonyms_version(self) -> int:
        """Bumped by every change to the pairs, so other processes know to reload them."""
        row = self.db.execute("select value from meta where key = 'synonyms_version'").fetchone()
        return int(row[0]) if row else 0

    def add_synonym(self, word: str, synonym: str, added_by: str | None = None) -> bool:
        """Store a pair; False if it was already there."""
        with self.writing():
            inserted = self.db.execute(
                "insert or ignore into synonyms (word, synonym, added_by, added_at) "
                "values (?, ?, ?, ?)",
                [word, synonym, added_by, now()],
            ).rowcount
            self._bump_synonyms()
        return bool(inserted)

    def remove_synonym(self, word: str, synonym: str | None = None) -> int:
        """Forget a pair (or every pair of a word, either way round); returns how many."""
        with self.writing():
            if synonym is None:
                removed = self.db.execute(
                    "delete from synonyms where word = ? or synonym = ?", [word, word]
                ).rowcount
            else:
                removed = self.db.execute(
                    "delete from synonyms where (word = ? and synonym = ?) "
                    "or (word = ? and synonym = ?)",
                    [word, synonym, synonym, word],
                ).rowcount
            self._bump_synonyms()
        return removed

    def _bump_synonyms(self) -> None:
        self.db.execute(
            "update meta set value = cast(value as integer) + 1 where key = 'synonyms_version'"
        )

    # backups and exports -------------------------------------------------------------

    def backup(self, destination: str | Path) -> Path:
        """Copy the live database with SQLite's online backup API (safe while serving)."""
        destination = Path(destination)
        if destination.exists():
            raise StorageError(f"{destination} already exists; choose a new file name")
        destination.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(destination)
        try:
            self.db.conn.backup(target)
        finally:
            target.close()
        return destination

    def export_log(self, since: str | None = None) -> Iterator[ExportRow]:
        """Query-log rows (oldest first) with their 👍/👎 counts."""
        sql = """select q.id, q.time, q.source, q.user_id, q.chat_id, q.query, q.filters,
                        q.results, q.result_ids, q.scores, q.latency_ms,
                        coalesce(sum(f.vote > 0), 0) as upvotes,
                        coalesce(sum(f.vote < 0), 0) as downvotes
                 from query_log q left join feedback f on f.query_log_id = q.id
                 where q.time >= ? group by q.id order by q.id"""
        yield from (ExportRow(**row) for row in self.db.query(sql, [since or ""]))

    def unanswered(self, limit: int = 20, offset: int = 0) -> list[UnansweredQuestion]:
        """Questions that found nothing, only related passages, or got a 👎 (the material
        the team lacks), each once with how often it was asked, latest first."""
        sql = """select q.query, count(*) as asked, max(q.time) as time, min(q.results) as results,
                        sum((select count(*) from feedback f
                             where f.query_log_id = q.id and f.vote < 0)) as downvotes
                 from query_log q
                 where q.source != 'eval' and (q.results = 0 or q.confident = 0 or exists
                       (select 1 from feedback f where f.query_log_id = q.id and f.vote < 0))
                 group by q.query order by max(q.id) desc limit ? offset ?"""
        return [UnansweredQuestion(**row) for row in self.db.query(sql, [limit, offset])]

    def stats(self, days: int = 7) -> Stats:
        since = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
        one = lambda sql, *p: self.db.execute(sql, p).fetchone()[0]  # noqa: E731
        top = self.db.execute(
            """select query, count(*) n from query_log where time >= ? group by query
               order by n desc, query limit 5""",
            [since],
        ).fetchall()
        size = sum(
            p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file()
        )
        return Stats(
            database=str(self.path),
            size_bytes=size,
            documents=one("select count(*) from documents where sample = 0"),
            sample_documents=one("select count(*) from documents where sample = 1"),
            chunks=one("select count(*) from chunks"),
            queries=one("select count(*) from query_log"),
            recent_days=days,
            recent_queries=one("select count(*) from query_log where time >= ?", since),
            unanswered=one("select count(*) from query_log where results = 0 or confident = 0"),
            upvotes=one("select count(*) from feedback where vote > 0"),
            downvotes=one("select count(*) from feedback where vote < 0"),
            last_ingest=one("select max(ingested_at) from documents"),
            top_queries=tuple(TopQuery(q, n) for q, n in top),
        )
