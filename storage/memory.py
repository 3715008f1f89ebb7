"""Organisations, facts and draft picks: the tables behind comparing years and drafting.

Part of `ReportStore` (a mixin, the same file and connection), like the inbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from ..retrieval.facts import Fact, shown_figure
from .errors import NotFoundError, translate_public_methods


@dataclass(frozen=True)
class FactRecord:
    """A stored figure with its citation: report, section, passage and sentence."""

    what: str
    number: float | None
    unit: str
    approx: bool
    doc_id: int
    doc_title: str
    year: int | None
    section_path: tuple[str, ...]
    chunk_id: int
    text: str
    kind: str = "other"
    placeholder: str = ""

    @property
    def shown(self) -> str:
        return shown_figure(self.number, self.unit, self.approx, self.placeholder)


@translate_public_methods
class MemoryTable:
    """Org, fact and pick methods of ReportStore (which provides `db`, `writing`, `now`)."""

    def set_org(self, doc_id: int, org: str | None) -> None:
        """Name the organisation a document speaks for (None: unknown)."""
        with self.writing():
            updated = self.db.execute(
                "update documents set org = ? where id = ?", [org, doc_id]
            ).rowcount
        if not updated:
            raise NotFoundError(f"no document with id {doc_id}")

    def orgs(self) -> dict[int, str | None]:
        """Each document's organisation, by document id."""
        return dict(self.db.execute("select id, org from documents").fetchall())

    def save_facts(self, doc_id: int, facts: Iterable[tuple[int, Fact]], version: int) -> None:
        """Replace a document's facts with these (chunk id, fact) pairs."""
        with self.writing():
            self.db.execute("delete from facts where doc_id = ?", [doc_id])
            # plain executemany: sqlite-utils' insert_all() costs more than the writes
            self.db.conn.executemany(
                "insert into facts (doc_id, chunk_id, what, number, unit, text, approx, "
                "placeholder) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        doc_id,
                        chunk_id,
                        fact.what,
                        fact.number,
                        fact.unit,
                        fact.text,
                        int(fact.approx),
                        fact.placeholder or None,
                    )
                    for chunk_id, fact in facts
                ],
            )
            self.db.execute(
                "update documents set facts_version = ? where id = ?", [version, doc_id]
            )

    def documents_without_facts(self, version: int) -> list[int]:
        """Documents no extractor of this version has read (stored before it existed)."""
        return [
            row[0]
            for row in self.db.execute(
                "select id from documents where coalesce(facts_version, 0) < ? order by id",
                [version],
            )
        ]

    def facts(self, like: Iterable[str] = ()) -> list[FactRecord]:
        """Stored facts whose `what` holds any of these fragments (all facts without any)."""
        fragments = list(like)
        where = " or ".join("f.what like ?" for _ in fragments) or "1"
        sql = f"""select f.what, f.number, f.unit, f.approx, f.doc_id, d.title, d.year, c.path,
                         f.chunk_id, f.text, c.kind, f.placeholder
                  from facts f join documents d on d.id = f.doc_id
                  join chunks c on c.id = f.chunk_id
                  where {where} order by d.year desc, f.doc_id, c.position, f.id"""
        return [
            FactRecord(
                w, n, u, bool(a), doc, title, year, tuple(json.loads(path)), chunk, text, k, p or ""
            )
            for w, n, u, a, doc, title, year, path, chunk, text, k, p in self.db.execute(
                sql, [f"%{fragment}%" for fragment in fragments]
            )
        ]

    def toggle_pick(self, user_id: int, chunk_id: int) -> bool:
        """Add a passage to a user's draft, or take it out again; True if now picked."""
        with self.writing():
            removed = self.db.execute(
                "delete from draft_picks where user_id = ? and chunk_id = ?", [user_id, chunk_id]
            ).rowcount
            if not removed:
                self.db["draft_picks"].insert(
                    {"user_id": user_id, "chunk_id": chunk_id, "added_at": self.now()}
                )
        return not removed

    def picks(self, user_id: int) -> list[int]:
        """A user's picked passages, in the order they were picked."""
        return [
            row[0]
            for row in self.db.execute(
                "select chunk_id from draft_picks where user_id = ? order by added_at, rowid",
                [user_id],
            )
        ]

    def clear_picks(self, user_id: int) -> None:
        with self.writing():
            self.db.execute("delete from draft_picks where user_id = ?", [user_id])
