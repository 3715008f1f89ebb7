"""The inbox table: chat updates stored before they are confirmed (see bot/inbox.py).

Part of `ReportStore` (a mixin, the same file and connection): updates, the query log
rows that refer to them and the reports live in one SQLite file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from .errors import ReadOnlyError, translate_public_methods


def payload_digest(payload: str) -> str:
    """Fingerprint of an update's JSON, independent of key order and spacing."""
    canonical = json.dumps(
        json.loads(payload), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class InboxEntry:
    """A stored update: the inbox's own id for it, and whether it was handled already."""

    entry_id: int
    update_id: int
    done: bool


@translate_public_methods
class InboxTable:
    """Inbox methods of ReportStore (which provides `db`, `writing`, `now`, `clock`)."""

    def inbox_put(self, bot_id: int, updates: Iterable[tuple[int, str]]) -> list[InboxEntry]:
        """Store fetched updates (id, JSON) before they are confirmed, in order.

        A repeat of the same bot, update id and payload is a re-delivery and returns the
        stored entry; the same update id with another payload is a new update (the ids
        started over), never a duplicate of an old one.
        """
        entries = []
        with self.writing():
            for update_id, payload in updates:
                digest = payload_digest(payload)
                row = (
                    self.db.execute(
                        "insert into inbox (bot_id, update_id, digest, payload, received_at) "
                        "values (?, ?, ?, ?, ?) on conflict do nothing returning id, done_at",
                        [bot_id, update_id, digest, payload, self.now()],
                    ).fetchone()
                    or self.db.execute(
                        "select id, done_at from inbox where bot_id = ? and "
                        "update_id = ? and digest = ?",
                        [bot_id, update_id, digest],
                    ).fetchone()
                )
                entries.append(InboxEntry(row[0], update_id, row[1] is not None))
        return entries

    def inbox_done(self, entry_id: int) -> None:
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: database is read-only")
        self.db.execute(
            "update inbox set done_at = ? where id = ? and done_at is null", [self.now(), entry_id]
        )  # one statement: its own transaction

    def inbox_pending(self, bot_id: int, max_attempts: int = 3) -> list[tuple[int, str]]:
        """Entries fetched but not finished (a crash came in between), oldest first.

        Each call counts an attempt; an entry that has been resumed `max_attempts` times
        without finishing (an update that crashes the bot) is given up and marked done.
        """
        with self.writing():
            # entries stored before the bot id was recorded (0) belong to whoever serves now
            self.db.execute("update or ignore inbox set bot_id = ? where bot_id = 0", [bot_id])
            self.db.execute(
                "update inbox set attempts = attempts + 1 where done_at is null and bot_id = ?",
                [bot_id],
            )
            self.db.execute(
                "update inbox set done_at = ? where done_at is null and "
                "bot_id = ? and attempts > ?",
                [self.now(), bot_id, max_attempts],
            )
            return [
                tuple(r)
                for r in self.db.execute(
                    "select id, payload from inbox where done_at is null and bot_id = ? "
                    "order by id",
                    [bot_id],
                )
            ]

    def inbox_prune(self, keep_days: float = 7) -> int:
        """Forget finished updates older than `keep_days` (Telegram re-sends none after a
        day); returns how many rows went. Freed pages are reused, so the file stays bounded."""
        since = (self.clock() - timedelta(days=keep_days)).isoformat(timespec="seconds")
        with self.writing():
            return self.db.execute(
                "delete from inbox where done_at is not null and done_at < ?", [since]
            ).rowcount
