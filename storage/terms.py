"""Append-only term ids per search field, and passages' tokens stored as arrays of them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from itertools import islice, repeat

import numpy as np

from ..retrieval.models import Chunk
from ..retrieval.terms import FIELDS, StoredField, TermRows


class TermIds:
    """The database's term ids, cached in this process. The cache follows the table: another
    process may have added terms, and a rolled-back write may have added some to the cache only."""

    def __init__(self) -> None:
        self._ids: dict[str, dict[str, int]] = {field: {} for field in FIELDS}

    def encode(self, conn: sqlite3.Connection, fields: Sequence[TermRows]) -> list[bytes]:
        """Each field's passages as (lens, ids) blobs of int32, passage after passage, new terms
        given the next ids; call it inside the write transaction that stores the passages."""
        blobs = []
        for field, rows in zip(FIELDS, fields, strict=True):
            ids = self._term_ids(conn, field, rows.terms)
            blobs += [rows.lens.tobytes(), ids[rows.ids].tobytes()]
        return blobs

    def _term_ids(self, conn: sqlite3.Connection, field: str, terms: Sequence[str]) -> np.ndarray:
        known = self._ids[field]
        (top,) = conn.execute("select max(id) from index_terms where field = ?", [field]).fetchone()
        stored = 0 if top is None else top + 1
        if stored < len(known):  # written by a transaction that was rolled back
            known = self._ids[field] = dict(islice(known.items(), stored))
        if stored > len(known):
            known.update(
                conn.execute(
                    "select term, id from index_terms where field = ? and id >= ? order by id",
                    [field, len(known)],
                )
            )
        ids = np.fromiter(map(known.get, terms, repeat(-1)), np.int32, len(terms))
        unknown = np.flatnonzero(ids < 0)
        if len(unknown):
            ids[unknown] = np.arange(len(known), len(known) + len(unknown), dtype=np.int32)
            new = [(field, int(ids[i]), terms[i]) for i in unknown]
            conn.executemany("insert into index_terms (field, id, term) values (?, ?, ?)", new)
            known.update((term, i) for _, i, term in new)
        return ids


def stored_fields(conn: sqlite3.Connection, blobs: Sequence[Sequence[bytes]]) -> list[StoredField]:
    """Every field's terms and the given (lens, ids) blobs, field after field, as arrays."""
    return [
        StoredField(
            [
                term
                for (term,) in conn.execute(
                    "select term from index_terms where field = ? order by id", [field]
                )
            ],
            np.frombuffer(b"".join(blobs[2 * i + 1]), np.int32),
            np.frombuffer(b"".join(blobs[2 * i]), np.int32),
        )
        for i, field in enumerate(FIELDS)
    ]


def store_doc_terms(
    conn: sqlite3.Connection,
    term_ids: TermIds,
    doc_id: int,
    first_chunk: int,
    chunks: Sequence[Chunk],
    year: int | None,
    terms: Sequence[TermRows],
) -> None:
    """Write the one row an index rebuild reads of a document: its chunks' kinds and years
    (a chunk's own year, else the document's) and both fields' term ids."""
    conn.execute(
        "insert into doc_terms (doc_id, first_chunk, kinds, years, word_lens, word_ids, "
        "bigram_lens, bigram_ids) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            doc_id,
            first_chunk,
            json.dumps([chunk.kind for chunk in chunks]),
            json.dumps([year if chunk.year is None else chunk.year for chunk in chunks]),
            *term_ids.encode(conn, terms),
        ],
    )
