"""A week and more of serving: the inbox is pruned while serving and its file stops growing."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

from reportbot.bot.inbox import KEEP_DAYS, Clock, Inbox
from reportbot.storage.db import ReportStore
from reportbot.storage.inbox import InboxStore

EVERY = timedelta(minutes=10)


def test_inbox_stays_bounded_over_eight_days_without_vacuum(tmp_path):
    wall = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    mono = [0.0]
    store = ReportStore(tmp_path / "bot.db", clock=lambda: wall[0])
    inbox = Inbox(InboxStore(store), bot_id=1, clock=Clock(monotonic=lambda: mono[0]))
    sizes, rows = {}, {}

    async def serve() -> None:
        for n in range(int(timedelta(days=8) / EVERY)):
            update = {"update_id": n, "message": {"text": "问题" * 300, "message_id": n}}
            assert await inbox.store_batch([update])
            entry = inbox.claim(n)
            await inbox.finish(entry)
            wall[0] += EVERY
            mono[0] += EVERY.total_seconds()
            day = n * EVERY / timedelta(days=1)
            if day in (7.0, 7.5) or n == int(timedelta(days=8) / EVERY) - 1:
                sizes[day] = page_bytes(store)
                rows[day] = store.db.execute("select count(*) from inbox").fetchone()[0]

    asyncio.run(serve())
    store.close()
    per_day = timedelta(days=1) / EVERY
    assert all(count <= (KEEP_DAYS + 1 / 24) * per_day + 1 for count in rows.values()), rows
    assert len(sizes) == 3 and max(sizes.values()) <= min(sizes.values()) * 1.05, sizes


def page_bytes(store: ReportStore) -> int:
    [(pages,)] = store.db.execute("pragma page_count").fetchall()
    [(size,)] = store.db.execute("pragma page_size").fetchall()
    return pages * size


def test_pending_entries_are_never_pruned(tmp_path):
    wall = [datetime(2026, 1, 1, tzinfo=timezone.utc)]
    store = ReportStore(tmp_path / "bot.db", clock=lambda: wall[0])
    [entry] = InboxStore(store).put(1, [(1, json.dumps({"update_id": 1}))])
    wall[0] += timedelta(days=30)
    assert InboxStore(store).prune() == 0 and [e for e, _ in InboxStore(store).pending(1)] == [
        entry.entry_id
    ]
    store.close()


def test_an_update_that_keeps_killing_the_bot_is_given_up_after_three_resumes(tmp_path):
    store = ReportStore(tmp_path / "bot.db")
    [poison] = InboxStore(store).put(1, [(1, json.dumps({"update_id": 1, "poison": True}))])
    resumed = [[e for e, _ in InboxStore(store).pending(1)] for _ in range(4)]  # four restarts
    assert resumed == [[poison.entry_id]] * 3 + [[]]
    store.close()
