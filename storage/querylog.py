"""The query log, feedback on answers and the team's own synonyms."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .connection import StoreTable, now
from .errors import NotFoundError, translate_public_methods

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


@translate_public_methods
class QueryLog(StoreTable):
    """Every question asked from any interface, its 👍/👎 and the team's synonym pairs."""

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
