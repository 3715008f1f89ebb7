"""Numbered schema migrations, applied in order and recorded in _sqlite_migrations."""

from __future__ import annotations

import json
import secrets

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..retrieval.models import Chunk
from ..retrieval.terms import index_terms
from .terms import TermIds, store_doc_terms

migrations = Migrations("reportbot")


@migrations(name="0001_initial")
def m0001_initial(db: Database) -> None:
    """Documents, their section chunks, the lines and phrases ingest learns from, logs."""
    db["documents"].create(
        {
            "id": int,
            "title": str,
            "source": str,
            "content_hash": str,
            "format": str,
            "year": int,
            "parts": int,
            "sections": int,
            "sample": int,
            "ingested_at": str,
        },
        pk="id",
        not_null={"title", "source", "content_hash", "format", "ingested_at"},
        defaults={"sample": 0, "parts": 0, "sections": 0},
    )
    db["documents"].create_index(["source"], unique=True)
    db["documents"].create_index(["content_hash"])
    db["chunks"].create(
        {
            "id": int,
            "doc_id": int,
            "position": int,
            "section": int,
            "path": str,
            "kind": str,
            "text": str,
            "tokens": str,
        },
        pk="id",
        foreign_keys=[("doc_id", "documents", "id")],
        not_null={"doc_id", "position", "section", "path", "kind", "text", "tokens"},
    )
    db["chunks"].create_index(["doc_id", "position"], unique=True)
    db["doc_lines"].create(
        {"doc_id": int, "key": str},
        pk=("doc_id", "key"),
        foreign_keys=[("doc_id", "documents", "id")],
    )
    db["doc_lines"].create_index(["key"])
    db["doc_phrases"].create(
        {"doc_id": int, "phrase": str},
        pk=("doc_id", "phrase"),
        foreign_keys=[("doc_id", "documents", "id")],
    )
    db["query_log"].create(
        {
            "id": int,
            "time": str,
            "source": str,
            "user_id": int,
            "chat_id": int,
            "query": str,
            "filters": str,
            "result_ids": str,
            "scores": str,
            "results": int,
            "latency_ms": float,
        },
        pk="id",
        not_null={"time", "source", "query", "result_ids", "scores", "results"},
    )
    db["query_log"].create_index(["time"])
    db["feedback"].create(
        {"id": int, "query_log_id": int, "user_id": int, "vote": int, "time": str},
        pk="id",
        foreign_keys=[("query_log_id", "query_log", "id")],
        not_null={"query_log_id", "vote", "time"},
    )
    db["feedback"].create_index(["query_log_id", "user_id"], unique=True)
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["meta"].insert({"key": "generation", "value": "0"})


@migrations(name="0002_change_log")
def m0002_change_log(db: Database) -> None:
    """Record what each generation changed, so a running bot refreshes its index incrementally.

    Ids are handed out from high-water marks and never reused: a button or log entry that
    names a deleted passage must not silently point at a new one.
    """
    db["changes"].create(
        {"id": int, "generation": int, "op": str, "doc_id": int},
        pk="id",
        not_null={"generation", "op", "doc_id"},
    )
    db["changes"].create_index(["generation"])
    next_doc = db.execute("select coalesce(max(id), 0) + 1 from documents").fetchone()[0]
    next_chunk = db.execute("select coalesce(max(id), 0) + 1 from chunks").fetchone()[0]
    db["meta"].insert_all(
        [
            {"key": "next_doc_id", "value": str(next_doc)},
            {"key": "next_chunk_id", "value": str(next_chunk)},
            {"key": "state", "value": secrets.token_hex(8)},
        ],
    )


# 0003_inbox made the Telegram inbox; the inbox is now a concern with its own set
# (storage/inbox.py). 0007 and 0010 still bring an older database's inbox up to date
# before that set adopts it; a new database gets it from that set only.


@migrations(name="0004_query_log_update_id")
def m0004_query_log_update_id(db: Database) -> None:
    """Tie a logged question to its Telegram update, so a retried update logs it once."""
    db["query_log"].add_column("update_id", int)
    db.execute(
        "create unique index query_log_update_id on query_log (update_id) "
        "where update_id is not null"
    )


@migrations(name="0005_tiers_and_synonyms")
def m0005_tiers_and_synonyms(db: Database) -> None:
    """Log whether an answer was confident (a related-only answer counts as unanswered), and
    keep the team's own synonym pairs, versioned so every process picks up a change."""
    db["query_log"].add_column("confident", int)
    db["synonyms"].create(
        {"word": str, "synonym": str, "added_by": str, "added_at": str},
        pk=("word", "synonym"),
        not_null={"added_at"},
    )
    db["meta"].insert({"key": "synonyms_version", "value": "0"})


@migrations(name="0006_chunk_page_year")
def m0006_chunk_page_year(db: Database) -> None:
    """A passage's page (PDF, for "第3页" citations) and its own year (a 2021 plan section
    of a "2020年总结和2021年安排" report); a null year falls back to the document's."""
    db["chunks"].add_column("page", int)
    db["chunks"].add_column("year", int)


@migrations(name="0007_inbox_entries")
def m0007_inbox_entries(db: Database) -> None:
    """Key the inbox by its own never-reused id, not by Telegram's update_id.

    Update ids start over (a new bot token on an old database, a reset Bot API server,
    Telegram's renumbering after a quiet week); a repeat of (bot, update id, payload) is a
    re-delivery, anything else a new update. The query log refers to inbox entries, so a
    restarted sequence can never overwrite an old question's row.
    """
    from .inbox import payload_digest

    if "event_id" in db["query_log"].columns_dict:  # applied under an earlier number
        return
    db["query_log"].add_column("event_id", int)
    db.execute("drop index query_log_update_id")
    db.execute(
        "create unique index query_log_event_id on query_log (event_id) where event_id is not null"
    )
    if "inbox" not in db.table_names():  # a new database: the inbox set makes it
        return
    db.execute("""create table inbox_entries (
        id integer primary key autoincrement, bot_id integer not null, update_id integer not null,
        digest text not null, payload text not null, received_at text not null, done_at text,
        attempts integer not null default 0)""")
    for update_id, payload, received, done in db.execute(
        "select update_id, payload, received_at, done_at from inbox order by update_id"
    ).fetchall():
        db.execute(
            "insert into inbox_entries (bot_id, update_id, digest, payload, received_at, "
            "done_at) values (0, ?, ?, ?, ?, ?)",
            [update_id, payload_digest(payload), payload, received, done],
        )
    db.execute("drop table inbox")
    db.execute("alter table inbox_entries rename to inbox")
    db.execute("create unique index inbox_delivery on inbox (bot_id, update_id, digest)")
    db.execute("create index inbox_done_at on inbox (done_at)")
    db.execute(
        "update query_log set event_id = (select i.id from inbox i where i.update_id = "
        "query_log.update_id) where update_id is not null"
    )


@migrations(name="0010_inbox_without_transport")
def m0010_inbox_without_transport(db: Database) -> None:
    """Name columns for what they are to storage, not for Telegram: an inbox entry is a
    request to a receiver (a bot) with the transport's own id for it (external_id), and a
    logged question refers to its request; the query log's unused update_id goes."""
    if "inbox" in db.table_names():  # made by an older version (see 0003 above)
        db.execute("alter table inbox rename column bot_id to receiver_id")
        db.execute("alter table inbox rename column update_id to external_id")
    db.execute("drop index query_log_event_id")
    db.execute("alter table query_log rename column event_id to request_id")
    db.execute(
        "create unique index query_log_request_id on query_log (request_id) "
        "where request_id is not null"
    )
    if "update_id" in db["query_log"].columns_dict:
        db.execute("alter table query_log drop column update_id")


@migrations(name="0011_samples_apart")
def m0011_samples_apart(db: Database) -> None:
    """The sample reports now have a database of their own: remove the copies older
    versions stored, recording each removal so that the index drops them too. A database
    that never held anything but the samples numbers the user's reports from 1."""
    samples = [doc_id for (doc_id,) in db.execute("select id from documents where sample = 1")]
    [(next_doc,)] = db.execute("select value from meta where key = 'next_doc_id'").fetchall()
    if samples and len(samples) == db["documents"].count == int(next_doc) - 1:
        db.execute("update meta set value = '1' where key in ('next_doc_id', 'next_chunk_id')")
    for doc_id in samples:
        for table in ("chunks", "doc_lines", "doc_phrases"):
            db.execute(f"delete from {table} where doc_id = ?", [doc_id])
        db.execute("delete from documents where id = ?", [doc_id])
        db.execute("update meta set value = cast(value as integer) + 1 where key = 'generation'")
        db.execute(
            "insert into changes (generation, op, doc_id) select cast(value as integer), "
            "'delete', ? from meta where key = 'generation'",
            [doc_id],
        )
        db.execute("update meta set value = ? where key = 'state'", [secrets.token_hex(8)])


@migrations(name="0020_chunk_compact")
def m0020_chunk_compact(db: Database) -> None:
    """Each passage's compared form (normalised, no white space), made once at ingest instead
    of on every question that fetches it; older rows stay null and are compacted when read."""
    db["chunks"].add_column("compact", str)


@migrations(name="0030_passage_votes")
def m0030_passage_votes(db: Database) -> None:
    """👍/👎 on one passage as an answer to one question, which teaches the ranking; one
    vote per person, question and passage (voting again replaces it), versioned so every
    process picks up a change. `question_key` is the question as feedback compares it."""
    db["passage_votes"].create(
        {
            "id": int,
            "question": str,
            "question_key": str,
            "chunk_id": int,
            "voter": str,
            "source": str,
            "vote": int,
            "query_log_id": int,
            "time": str,
        },
        pk="id",
        not_null={"question", "question_key", "chunk_id", "voter", "source", "vote", "time"},
    )
    db["passage_votes"].create_index(["question_key", "chunk_id", "voter"], unique=True)
    db["passage_votes"].create_index(["chunk_id"])
    db["meta"].insert({"key": "feedback_version", "value": "0"})


@migrations(name="0040_document_org")
def m0040_document_org(db: Database) -> None:
    """The organisation a report speaks for (reports of one body compared across years),
    read from the title and opening text of the reports already stored."""
    from ..retrieval.orgs import extract_org

    db["documents"].add_column("org", str)
    for doc_id, title in db.execute("select id, title from documents").fetchall():
        opening = db.execute(
            "select text from chunks where doc_id = ? and path = '[]' order by position limit 1",
            [doc_id],
        ).fetchone()
        org = extract_org(title, opening[0] if opening else "")
        db.execute("update documents set org = ? where id = ?", [org, doc_id])


@migrations(name="0041_facts")
def m0041_facts(db: Database) -> None:
    """Counts and amounts of each passage; `facts_version` says which extractor read a
    document (null: not yet, so stored documents get their facts on first use)."""
    db["facts"].create(
        {
            "id": int,
            "doc_id": int,
            "chunk_id": int,
            "what": str,
            "number": float,
            "unit": str,
            "text": str,
            "approx": int,
        },
        pk="id",
        not_null={"doc_id", "chunk_id", "what", "unit", "text"},
    )
    db["facts"].create_index(["doc_id"])
    db["documents"].add_column("facts_version", int)


@migrations(name="0042_draft_picks")
def m0042_draft_picks(db: Database) -> None:
    """Passages a user picked for a draft, kept until the draft is made."""
    db["draft_picks"].create(
        {"user_id": int, "chunk_id": int, "added_at": str},
        pk=("user_id", "chunk_id"),
        not_null={"added_at"},
    )


@migrations(name="0043_fact_placeholders")
def m0043_fact_placeholders(db: Database) -> None:
    """A placeholder figure as written (XX, not X); documents' facts are read again."""
    db["facts"].add_column("placeholder", str)


@migrations(name="0051_terminal_voters")
def m0051_terminal_voters(db: Database) -> None:
    """Votes cast in `reportbot chat` by earlier versions name the terminal's user id 0 as
    their voter; name them "terminal" (new ones carry the login name)."""
    db.execute(
        "update passage_votes set voter = 'terminal' where source = 'terminal' and voter = '0'"
    )


@migrations(name="0060_term_ids")
def m0060_term_ids(db: Database) -> None:
    """Each search field's terms with append-only ids, and per document what the index reads:
    its chunks' kinds and years and both fields' tokens as int32 arrays of ids, so a rebuild
    reads one row a document and no string per token (docs/benchmarks.md); documents stored
    before are converted here, in the order of their chunks."""
    db["index_terms"].create(
        {"field": str, "id": int, "term": str}, pk=("field", "id"), not_null={"term"}
    )
    db["index_terms"].create_index(["field", "term"], unique=True)
    db["doc_terms"].create(
        {
            "doc_id": int,
            "first_chunk": int,
            "kinds": str,
            "years": str,
            "word_lens": bytes,
            "word_ids": bytes,
            "bigram_lens": bytes,
            "bigram_ids": bytes,
        },
        pk="doc_id",
        not_null={"first_chunk", "kinds", "years"},
    )
    term_ids = TermIds()
    docs = db.execute(
        "select doc_id, min(id) first from chunks group by doc_id order by first"
    ).fetchall()
    for doc_id, first in docs:
        rows = db.execute(
            """select c.path, c.kind, c.text, c.tokens, coalesce(c.year, d.year)
               from chunks c join documents d on d.id = c.doc_id
               where c.doc_id = ? order by c.id""",
            [doc_id],
        ).fetchall()
        chunks = [
            Chunk(0, tuple(json.loads(path)), kind, text, tuple(tokens.split()), year=year)
            for path, kind, text, tokens, year in rows
        ]
        store_doc_terms(db.conn, term_ids, doc_id, first, chunks, None, index_terms(chunks))


@migrations(name="0044_chunk_year_kind_index")
def m0044_chunk_year_kind_index(db: Database) -> None:
    """What filters named in a question can select, read from an index alone: scanning
    the chunks themselves took 0.2 s at 100k passages on the first such question."""
    db["chunks"].create_index(["doc_id", "year", "kind"], if_not_exists=True)
