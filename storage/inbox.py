"""The inbox: requests stored before the transport is told they arrived (see bot/inbox.py).

Storage knows no transport: a request is a receiver id (a bot), the transport's own id
for the request (used only to recognise a re-delivery) and its payload. The inbox shares
the reports' connection and file, so a question's log row and its inbox entry commit
together, but it is a concern of its own with its own migration set (as llm keeps
`llm.embeddings` apart), applied when an InboxStore is made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .connection import Connection, StoreTable
from .errors import ReadOnlyError, translate_public_methods, translated

inbox_migrations = Migrations("reportbot.inbox")


@inbox_migrations(name="0050_inbox")
def m0050_inbox(db: Database) -> None:
    """Requests stored before they are confirmed, so a crash loses none. A database made
    before the inbox had a set of its own has the table already (the reports' set made it,
    see storage/migrations.py): adopt it as it is."""
    db.execute("""create table if not exists inbox (
        id integer primary key autoincrement, receiver_id integer not null,
        external_id integer not null, digest text not null, payload text not null,
        received_at text not null, done_at text, attempts integer not null default 0)""")
    db.execute(
        "create unique index if not exists inbox_delivery on inbox "
        "(receiver_id, external_id, digest)"
    )
    db.execute("create index if not exists inbox_done_at on inbox (done_at)")


def payload_digest(payload: str) -> str:
    """Fingerprint of a request's JSON, independent of key order and spacing."""
    canonical = json.dumps(
        json.loads(payload), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class InboxEntry:
    """A stored request: the inbox's own id for it, and whether it was handled already."""

    entry_id: int
    external_id: int
    done: bool


@translate_public_methods
class InboxStore(StoreTable):
    """The inbox table, over the connection of a ReportStore."""

    def __init__(self, store: Connection) -> None:
        super().__init__(store)
        if not store.read_only:  # a read-only database is never served: nothing to store
            with translated(self.path):
                inbox_migrations.apply(self.db)

    def put(self, receiver_id: int, requests: Iterable[tuple[int, str]]) -> list[InboxEntry]:
        """Store fetched requests (id, JSON) before they are confirmed, in order.

        A repeat of the same receiver, request id and payload is a re-delivery and returns
        the stored entry; the same request id with another payload is a new request (the
        ids started over), never a duplicate of an old one.
        """
        entries = []
        with self.store.writing():
            for external_id, payload in requests:
                digest = payload_digest(payload)
                row = (
                    self.db.execute(
                        "insert into inbox (receiver_id, external_id, digest, payload, "
                        "received_at) values (?, ?, ?, ?, ?) on conflict do nothing "
                        "returning id, done_at",
                        [receiver_id, external_id, digest, payload, self.store.now()],
                    ).fetchone()
                    or self.db.execute(
                        "select id, done_at from inbox where receiver_id = ? and "
                        "external_id = ? and digest = ?",
                        [receiver_id, external_id, digest],
                    ).fetchone()
                )
                entries.append(InboxEntry(row[0], external_id, row[1] is not None))
        return entries

    def done(self, entry_id: int) -> None:
        """Mark an entry handled."""
        if self.store.read_only:
            raise ReadOnlyError(f"{self.path}: database is read-only")
        self.db.execute(
            "update inbox set done_at = ? where id = ? and done_at is null",
            [self.store.now(), entry_id],
        )  # one statement: its own transaction

    def pending(self, receiver_id: int, max_attempts: int = 3) -> list[tuple[int, str]]:
        """Entries fetched but not finished (a crash came in between), oldest first.

        Each call counts an attempt; an entry that has been resumed `max_attempts` times
        without finishing (a request that crashes the bot) is given up and marked done.
        """
        with self.store.writing():
            # entries stored before the receiver was recorded (0) belong to whoever serves now
            self.db.execute(
                "update or ignore inbox set receiver_id = ? where receiver_id = 0", [receiver_id]
            )
            self.db.execute(
                "update inbox set attempts = attempts + 1 where done_at is null and "
                "receiver_id = ?",
                [receiver_id],
            )
            self.db.execute(
                "update inbox set done_at = ? where done_at is null and "
                "receiver_id = ? and attempts > ?",
                [self.store.now(), receiver_id, max_attempts],
            )
            return [
                tuple(r)
                for r in self.db.execute(
                    "select id, payload from inbox where done_at is null and receiver_id = ? "
                    "order by id",
                    [receiver_id],
                )
            ]

    def prune(self, keep_days: float = 7) -> int:
        """Forget finished requests older than `keep_days` (Telegram re-sends none after a
        day); returns how many rows went. Freed pages are reused, so the file stays bounded."""
        since = (self.store.clock() - timedelta(days=keep_days)).isoformat(timespec="seconds")
        with self.store.writing():
            return self.db.execute(
                "delete from inbox where done_at is not null and done_at < ?", [since]
            ).rowcount
