"""Fair order of work: each user's first question before anyone's second one.

PTB hands updates to its processor in arrival order; under load that makes one user's
burst of questions hold up everyone behind it. `FairUpdateProcessor` runs at most
`slots` updates at a time like PTB's own processor, but when a slot frees it starts the
waiting update whose sender has the fewest updates ahead of it (waiting or running),
members before people the access lists leave out, ties in arrival order.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import BaseUpdateProcessor

WAITING_LIMIT = 1_000_000  # PTB's own semaphore must never be the one that makes updates wait


class FairUpdateProcessor(BaseUpdateProcessor):
    """At most `slots` updates at once, started fairly per sender (see the module docstring)."""

    def __init__(self, slots: int, sender: Callable[[object], tuple[int, object]]) -> None:
        super().__init__(WAITING_LIMIT)
        self.slots = max(1, slots)
        self._sender = sender  # update -> (priority class, sender key)
        self._running = 0
        self._waiting: list[tuple[tuple[int, int, int], asyncio.Future]] = []
        self._ahead: Counter = Counter()
        self._arrival = itertools.count()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        priority, key = self._sender(update)
        rank = self._ahead[key]
        self._ahead[key] += 1
        try:
            if self._running < self.slots and not self._waiting:
                self._running += 1
            else:
                await self._wait_turn((priority, rank, next(self._arrival)), coroutine)
            try:
                await coroutine
            finally:
                self._release()
        finally:
            self._ahead[key] -= 1
            if not self._ahead[key]:
                del self._ahead[key]

    async def _wait_turn(self, order: tuple[int, int, int], coroutine: Awaitable[Any]) -> None:
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (order, turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot was handed to us: pass it on
            if hasattr(coroutine, "close"):
                coroutine.close()
            raise

    def _release(self) -> None:
        """Hand the slot to the first waiting update, or free it."""
        while self._waiting:
            _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)
                return
        self._running -= 1

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
