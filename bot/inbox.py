"""No question lost on a crash, none confused with another: updates stored before confirming.

PTB confirms the updates of one getUpdates call when it makes the next call, before it
has handled them; a crash in between loses them for good. `InboxRequest` writes every
fetched update to the database's inbox as the getUpdates answer arrives (so before it
can be confirmed), `InboxApplication` skips updates already handled and marks each one
done when its handlers have finished, and `resume` queues what a crash left unfinished.
At-least-once delivery with re-deliveries suppressed.

Telegram's `update_id` is only used to recognise a re-delivery (same bot, id and payload):
the sequence can start over, so each update gets the inbox's own never-reused entry id,
and that is what the query log refers to.

When the inbox cannot be written (disk full, read-only), the batch is not handed to PTB,
so Telegram keeps it: polling backs off exponentially (capped), the failure is logged at
most once a minute, users are told once to try again later, and the backlog is answered
by itself when the disk has room again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

from .service import InboxEntry, InboxStore, StorageError

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
LOG_EVERY_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 3600.0
KEEP_DAYS = 7.0
REMEMBER_DONE = 10_000  # handled entries kept in memory to recognise late copies
_LOG = logging.getLogger(__name__)


@dataclass
class Clock:
    """Monotonic time and sleeping for back-off, pruning and budgets; tests inject a fake."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep


@dataclass
class OncePer:
    """Lets an action through at most once per `seconds` of a clock (log throttling)."""

    seconds: float
    clock: Callable[[], float]
    _last: float | None = None
    suppressed: int = field(default=0)

    def ready(self) -> bool:
        now = self.clock()
        if self._last is None or now - self._last >= self.seconds:
            self._last = now
            return True
        self.suppressed += 1
        return False


def bot_id_of(token: str) -> int:
    """The bot's id, the part of the token before the colon (0 if it has no such part)."""
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 0


class Inbox:
    """The inbox of one bot: which fetched update is which entry, back-off, pruning."""

    def __init__(self, requests: InboxStore, bot_id: int, clock: Clock | None = None) -> None:
        self.requests = requests
        self.bot_id = bot_id
        self.clock = clock or Clock()
        self.on_stalled: Callable[[list[dict]], Awaitable[None]] | None = None
        # update_id -> entry; handled ones stay a while, so that a copy of the update still
        # in flight (a re-delivery that raced a resumed update) is recognised as done
        self._entries: OrderedDict[int, InboxEntry] = OrderedDict()
        self._in_progress: set[int] = set()  # entry ids
        self._failures = 0
        self._told: set[int] = set()  # update ids whose senders were told about a stall
        self._log = OncePer(LOG_EVERY_SECONDS, self.clock.monotonic)
        self._last_prune = self.clock.monotonic()

    async def store_batch(self, updates: list[dict]) -> bool:
        """Store a fetched batch; False (after backing off) if it could not be stored."""
        batch = [(u["update_id"], json.dumps(u, ensure_ascii=False)) for u in updates]
        try:
            entries = await asyncio.to_thread(self.requests.put, self.bot_id, batch)
        except StorageError as error:
            await self._back_off(updates, error)
            return False
        if self._failures:
            _LOG.warning("storing updates works again after %d failed attempt(s)", self._failures)
            self._failures = 0
            self._told.clear()
        for entry in entries:
            self._entries[entry.external_id] = entry
        return True

    async def _back_off(self, updates: list[dict], error: StorageError) -> None:
        delay = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2**self._failures)
        self._failures += 1
        if self._log.ready():
            _LOG.warning(
                "cannot store %d update(s), Telegram keeps them: %s; retrying in "
                "%.0f s (logged once a minute)",
                len(updates),
                error,
                delay,
            )
        fresh = [u for u in updates if u["update_id"] not in self._told]
        self._told.update(u["update_id"] for u in fresh)
        if self.on_stalled is not None and fresh:
            try:
                await self.on_stalled(fresh)
            except Exception:  # telling users is best effort; never stop polling for it
                _LOG.debug("could not tell users about the stall", exc_info=True)
        await self.clock.sleep(delay)

    def add_pending(self, entry: InboxEntry) -> None:
        self._entries[entry.external_id] = entry

    def claim(self, update_id: int) -> InboxEntry | bool | None:
        """The entry to handle, None for an update not from the inbox, False to skip it."""
        entry = self._entries.get(update_id)
        if entry is None:
            return None
        if entry.done or entry.entry_id in self._in_progress:
            return False
        self._in_progress.add(entry.entry_id)
        return entry

    def event_id(self, update_id: int) -> int | None:
        entry = self._entries.get(update_id)
        return entry.entry_id if entry else None

    async def finish(self, entry: InboxEntry) -> None:
        """Mark an entry done (a failure is logged; a restart would answer it again)."""
        try:
            await asyncio.to_thread(self.requests.done, entry.entry_id)
        except StorageError as error:
            if self._log.ready():
                _LOG.warning("cannot mark update %d done: %s", entry.external_id, error)
        finally:
            self._in_progress.discard(entry.entry_id)
        if self._entries.get(entry.external_id) == entry:
            self._entries[entry.external_id] = replace(entry, done=True)
            self._entries.move_to_end(entry.external_id)
            while len(self._entries) > REMEMBER_DONE and next(iter(self._entries.values())).done:
                self._entries.popitem(last=False)
        await self.prune_if_due()

    def release(self, entry: InboxEntry) -> None:
        self._in_progress.discard(entry.entry_id)

    async def prune_if_due(self) -> None:
        """Forget finished entries older than a week, once an hour while serving."""
        now = self.clock.monotonic()
        if now - self._last_prune < PRUNE_EVERY_SECONDS:
            return
        self._last_prune = now
        try:
            removed = await asyncio.to_thread(self.requests.prune, KEEP_DAYS)
        except StorageError as error:
            _LOG.warning("cannot prune the inbox: %s", error)
            return
        if removed:
            _LOG.info("pruned %d finished update(s) from the inbox", removed)


class InboxRequest(HTTPXRequest):
    """The getUpdates connection: stores each batch of updates before handing it to PTB."""

    def __init__(self, inbox: Inbox, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._inbox = inbox

    async def post(self, url: str, *args: Any, **kwargs: Any) -> Any:
        result = await super().post(url, *args, **kwargs)
        if (
            url.endswith("/getUpdates")
            and isinstance(result, list)
            and result
            and not await self._inbox.store_batch(result)
        ):
            return []  # nothing confirmed: Telegram sends the batch again on the next poll
        return result


class InboxApplication(Application):
    """Handles each stored update once, and records when it is done."""

    def __init__(self, *, inbox: Inbox, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inbox = inbox

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        entry = self.inbox.claim(update.update_id)
        if entry is False:
            return
        if entry is None:  # not fetched through the inbox (webhook mode)
            await super().process_update(update)
            return
        try:
            await super().process_update(update)
        except BaseException:
            self.inbox.release(entry)
            raise
        await self.inbox.finish(entry)


async def resume(app: Application, inbox: Inbox) -> int:
    """Queue the updates a previous run fetched but did not finish; returns how many."""
    await asyncio.to_thread(inbox.requests.prune, KEEP_DAYS)
    pending = await asyncio.to_thread(inbox.requests.pending, inbox.bot_id)
    for entry_id, payload in pending:
        update = Update.de_json(json.loads(payload), app.bot)
        inbox.add_pending(InboxEntry(entry_id, update.update_id, False))
        await app.update_queue.put(update)
    return len(pending)
