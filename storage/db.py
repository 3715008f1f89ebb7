"""The reports in the database: documents, chunks, the change log, ingest evidence, figures."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from ..retrieval.models import KINDS, Chunk
from ..retrieval.ranking import Candidate
from ..retrieval.scope import ReportFacts
from ..retrieval.search import Rows
from ..retrieval.terms import StoredField, TermRows, index_terms
from .connection import Connection, now
from .errors import (
    DuplicateError,
    NotFoundError,
    StorageError,
    translate_public_methods,
)
from .memory import MemoryTable
from .terms import TermIds, store_doc_terms, stored_fields


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


@lru_cache(maxsize=8192)
def _stored_path(path: tuple[str, ...]) -> str:
    """A heading path as stored (JSON), made once: a section's passages share it."""
    return json.dumps(path, ensure_ascii=False)


@lru_cache(maxsize=8192)
def _section_path(stored: str) -> tuple[str, ...]:
    """A stored heading path (JSON), parsed once: a section's passages share it."""
    return tuple(json.loads(stored))


@translate_public_methods
class ReportStore(Connection, MemoryTable):
    """The reports: documents, their chunks, the change log and ingest evidence."""

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
        """Votes and draft picks made while only the samples were searched are about
        passages no longer searched once the first report arrives: drop them."""
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
        documents = {
            doc_id: (title, year)
            for doc_id, title, year in self.db.execute("select id, title, year from documents")
        }
        rows: dict[int, set[tuple[int | None, str]]] = {}
        # read from the covering index chunks(doc_id, year, kind) alone (migration 0044)
        sql = "select doc_id, year, kind from chunks group by doc_id, year, kind"
        for doc_id, year, kind in self.db.execute(sql):
            if doc_id in documents:
                pairs = rows.setdefault(doc_id, set())
                pairs.add((year if year is not None else documents[doc_id][1], kind))
        return [
            ReportFacts(doc_id, documents[doc_id][0], frozenset(pairs))
            for doc_id, pairs in sorted(rows.items())
        ]

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
        terms: Sequence[TermRows] = (),
    ) -> int:
        """Store a document and its chunks in one transaction, replacing an older version.

        `terms` are the chunks' index_terms(), made from them here if not given.

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
                        _stored_path(chunk.path),
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
            store_doc_terms(
                self.db.conn,
                self._term_ids,
                doc_id,
                first_chunk,
                chunks,
                year,
                terms or index_terms(chunks),
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
        for table in ("facts", "chunks", "doc_lines", "doc_phrases", "doc_terms"):
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

    def index_fields(self) -> tuple[Rows, list[StoredField]]:
        """Every chunk's filter metadata by chunk id and both search fields of them as stored
        term ids: what an index rebuild reads, one row a document, no string per token."""
        docs = self.db.execute(
            """select doc_id, first_chunk, kinds, years, word_lens, word_ids, bigram_lens,
                      bigram_ids from doc_terms order by first_chunk"""
        ).fetchall()
        kinds = [json.loads(d[2]) for d in docs]
        counts = np.fromiter(map(len, kinds), np.int64, len(docs))
        firsts = np.fromiter((d[1] for d in docs), np.int64, len(docs))
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        rows = Rows(
            np.repeat(firsts, counts) + np.arange(int(counts.sum())) - starts,
            np.repeat(np.fromiter((d[0] for d in docs), np.int64, len(docs)), counts),
            np.array([KINDS.index(k) for ks in kinds for k in ks], np.int8),
            np.array([y or 0 for d in docs for y in json.loads(d[3])], np.int32),
        )
        return rows, stored_fields(self.db.conn, [[d[i] for d in docs] for i in range(4, 8)])

    @cached_property
    def _term_ids(self) -> TermIds:
        """This store's cache of the term ids (it follows the table on every write)."""
        return TermIds()

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Passages by id with their document titles (missing ids are left out)."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        return {r.chunk_id: r for r in self._chunk_records(f"c.id in ({marks})", list(chunk_ids))}

    def candidates(self, ranked: Sequence[tuple[int, float]]) -> list[Candidate]:
        """The passages of ranked (chunk id, score) rows, in that order (missing ids left
        out), with only what ranking reads: one query, no record in between."""
        if not ranked:
            return []
        sql = f"""select c.id, c.doc_id, d.title, c.path, c.kind, c.text, c.tokens, c.page,
                         c.compact
                  from chunks c join documents d on d.id = c.doc_id
                  where c.id in ({",".join("?" * len(ranked))})"""
        rows = {row[0]: row for row in self.db.conn.execute(sql, [i for i, _ in ranked])}
        return [
            Candidate(i, score, r[1], r[2], _section_path(r[3]), r[4], r[5], r[6], r[7], r[8] or "")
            for i, score in ranked
            if (r := rows.get(i)) is not None
        ]

    def section_chunks(self, chunk_id: int) -> list[ChunkRecord]:
        """All passages of the section a passage belongs to, in order."""
        row = self.db.execute(
            "select doc_id, section from chunks where id = ?", [chunk_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no passage with id {chunk_id}")
        return self._chunk_records("c.doc_id = ? and c.section = ?", list(row))

    def chunk_ids(self, doc_id: int) -> list[int]:
        """A document's chunk ids, passage by passage."""
        return [
            chunk_id
            for (chunk_id,) in self.db.execute(
                "select id from chunks where doc_id = ? order by position", [doc_id]
            )
        ]

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
