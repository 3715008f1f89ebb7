"""Run the real bot Application against the fake Bot API, for the end-to-end tests.

`BotHarness` starts a `FakeBotAPI`, builds the application with `build_application` (the
same function `reportbot serve` uses) over a copy of a seeded database, and polls in its
own thread and event loop. `run(inject)` injects one update and returns once the bot has
finished handling it, with the Bot API calls it made: a test can say exactly what the bot
did, and that it did nothing else, without sleeping.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakebot import DEFAULT_USER_ID, Call, FakeBotAPI
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from reportbot.bot.config import Settings, parse_settings
from reportbot.bot.inbox import Clock
from reportbot.bot.service import ReportService
from reportbot.bot.telegram_app import ALLOWED_UPDATES, build_application

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ALICE = DEFAULT_USER_ID  # allowed user
ADMIN = 1002
MALLORY = 1003  # on no list
GROUP = -2001  # allowed group: any member may ask
OTHER_GROUP = -2002
BOT_NAME = "reportbot_test_bot"
POLL_TIMEOUT = 1.0
WAIT = 20.0
_template: list[Path] = []


class FakeClock(Clock):
    """Time that moves only when the bot sleeps or the test says so; sleeps are recorded.

    A sleep still yields to the event loop for a moment, so a loop that backs off does not
    spin; how long the bot *meant* to wait is in `sleeps`."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        super().__init__(monotonic=lambda: self.now, sleep=self._sleep)

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0.01)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def seeded_db(target: Path) -> Path:
    """A copy of a database holding the five seed reports (ingested once per session)."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed reports not found at {SEEDS}")
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="reportbot-template-"))
        atexit.register(shutil.rmtree, folder, True)
        service = ReportService.open(folder / "seeded.db")
        service.ingest([SEEDS])
        service.close()
        _template.append(folder / "seeded.db")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_template[0], target)
    return target


def config(fake: FakeBotAPI, db: Path, **sections: dict) -> dict:
    """A bot config pointed at the fake, with the test users' access lists."""
    data: dict[str, dict] = {
        "storage": {"db": str(db)},
        "telegram": {
            "base_url": fake.base_url,
            "base_file_url": fake.base_file_url,
            "poll_timeout": POLL_TIMEOUT,
            "max_retries": 2,
        },
        "access": {"allowed_users": [ALICE], "admins": [ADMIN], "allowed_chats": [GROUP]},
        "ingest": {"upload_dir": str(db.parent / "uploads")},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return data


class BotHarness:
    """The fake server plus the real Application polling it; see the module docstring."""

    def __init__(self, tmp_path: Path, clock: Clock | None = None, **sections: dict) -> None:
        self.fake = FakeBotAPI().start()
        self.clock = clock
        self.db = seeded_db(tmp_path / "bot.db")
        self.settings: Settings = parse_settings(config(self.fake, self.db, **sections))
        self._start()

    def _start(self) -> None:
        self.service = ReportService.open(self.db)
        self.app: Application = build_application(
            self.settings, self.service, self.fake.token, clock=self.clock
        )
        self._handled = 0
        self._injected = 0
        self.last: object = None
        self._changed = threading.Condition()
        self.app.add_handler(TypeHandler(Update, self._count), group=99)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.call(self._begin())

    async def _begin(self) -> None:
        """What run_polling does, minus the signal handling."""
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.updater.start_polling(
            poll_interval=0, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
        )
        await self.app.start()

    async def _end(self) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()

    async def _count(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs after the bot's own handlers (and error handler) are done with an update."""
        with self._changed:
            self._handled += 1
            self._changed.notify_all()

    def call(self, coroutine: Any, timeout: float = WAIT) -> Any:
        """Run a coroutine in the bot's event loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop_bot(self) -> None:
        self.call(self._end())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        self.loop.close()
        self.service.close()

    def restart(self) -> None:
        """Stop the application and start a new one on the same database and server."""
        self.stop_bot()
        self._start()

    def close(self) -> None:
        self.stop_bot()
        self.fake.stop()

    # ----------------------------------------------------------------------------- driving

    def run(self, inject: Callable[[], object]) -> list[Call]:
        """Inject one update, wait until the bot has handled it, return the calls it made.

        What `inject` returned (the update, or a query id) is kept in `last`."""
        before = len(self.fake.calls())
        self.last = inject()
        self._injected += 1
        with self._changed:
            if not self._changed.wait_for(lambda: self._handled >= self._injected, WAIT):
                raise AssertionError(f"update {self._injected} not handled within {WAIT}s")
        return [c for c in self.fake.calls()[before:] if c.method != "getUpdates"]

    def say(self, text: str, **kwargs: Any) -> list[Call]:
        return self.run(lambda: self.fake.inject_message(text, **kwargs))

    def press(self, data: str, **kwargs: Any) -> list[Call]:
        return self.run(lambda: self.fake.inject_callback(data, **kwargs))

    def inline(self, query: str, **kwargs: Any) -> list[Call]:
        return self.run(lambda: self.fake.inject_inline_query(query, **kwargs))

    def upload(self, name: str, content: bytes, **kwargs: Any) -> list[Call]:
        return self.run(lambda: self.fake.inject_document(name, content, **kwargs))


def methods(calls: list[Call]) -> list[str]:
    return [c.method for c in calls]


def only(calls: list[Call], method: str) -> Call:
    """The one call the bot made, which must be `method` and accepted by the server."""
    assert methods(calls) == [method], [(c.method, c.error) for c in calls]
    assert calls[0].error is None, calls[0].error
    return calls[0]


def buttons(call: Call) -> list[dict]:
    """The inline keyboard buttons of a send/edit call, row by row flattened."""
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button(call: Call, label: str) -> dict:
    """The button whose text contains `label`."""
    found = [b for b in buttons(call) if label in b["text"]]
    assert found, f"no button {label!r} in {[b['text'] for b in buttons(call)]}"
    return found[0]
