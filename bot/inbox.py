"""No question lost on a crash: Telegram updates are stored before they are confirmed.

PTB confirms the updates of one getUpdates call when it makes the next call, before it
has handled them; a crash in between loses them for good. `InboxRequest` writes every
fetched update to the database's inbox as the getUpdates answer arrives (so before it
can be confirmed), `InboxApplication` skips updates already handled and marks each one
done when its handlers have finished, and `resume` queues what a crash left unfinished.
At-least-once delivery with duplicates suppressed by update_id.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

from ..storage.db import ReportStore


class InboxRequest(HTTPXRequest):
    """The getUpdates connection: stores each batch of updates before handing it to PTB."""

    def __init__(self, store: ReportStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._store = store

    async def post(self, url: str, *args: Any, **kwargs: Any) -> Any:
        result = await super().post(url, *args, **kwargs)
        if url.endswith("/getUpdates") and isinstance(result, list) and result:
            batch = [(u["update_id"], json.dumps(u, ensure_ascii=False)) for u in result]
            await asyncio.to_thread(self._store.inbox_put, batch)
        return result


class InboxApplication(Application):
    """Handles each stored update once, and records when it is done."""

    def __init__(self, *, inbox_store: ReportStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._inbox = inbox_store
        self._in_progress: set[int] = set()

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        update_id = update.update_id
        if update_id in self._in_progress or await asyncio.to_thread(
                self._inbox.inbox_is_done, update_id):
            return
        self._in_progress.add(update_id)
        try:
            await super().process_update(update)
            await asyncio.to_thread(self._inbox.inbox_done, update_id)
        finally:
            self._in_progress.discard(update_id)


async def resume(app: Application, store: ReportStore) -> int:
    """Queue the updates a previous run fetched but did not finish; returns how many."""
    await asyncio.to_thread(store.inbox_prune)
    pending = await asyncio.to_thread(store.inbox_pending)
    for _, payload in pending:
        await app.update_queue.put(Update.de_json(json.loads(payload), app.bot))
    return len(pending)
