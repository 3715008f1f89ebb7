"""Who may use the bot, who may change its reports, and how often anyone may ask."""

from __future__ import annotations

import getpass
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from .config import AccessSettings, ConfigError

WINDOW_SECONDS = 60.0


def login_name(default: str) -> str:
    """The local user's login name, as the voter of their votes (`default` where the
    system cannot say)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return default


@dataclass(frozen=True)
class Access:
    """Allow-lists from the config; `public` lets everyone ask (admins are still listed)."""

    public: bool = False
    users: frozenset[int] = frozenset()
    chats: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()

    @classmethod
    def from_settings(cls, settings: AccessSettings) -> Access:
        return cls(
            settings.public,
            frozenset(settings.allowed_users),
            frozenset(settings.allowed_chats),
            frozenset(settings.admins),
        )

    def require_configured(self) -> None:
        """Refuse to run an open bot by accident: no lists means nobody, unless public."""
        if not (self.public or self.users or self.chats or self.admins):
            raise ConfigError(
                "no access lists configured: set access.allowed_users, "
                "access.allowed_chats or access.admins (or access.public = true)"
            )

    def allows(self, user_id: int, chat_id: int | None) -> bool:
        return (
            self.public
            or user_id in self.users
            or user_id in self.admins
            or (chat_id is not None and chat_id in self.chats)
        )

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins


@dataclass(frozen=True)
class Throttled:
    """A refused request: how long to wait, and whether the user has been told already."""

    wait_seconds: int
    first: bool


class RateLimiter:
    """At most `per_minute` requests per user in any sliding minute; 0 turns it off."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._told: set[int] = set()
        self._lock = threading.Lock()

    def admit(self, user_id: int) -> Throttled | None:
        """Record a request; None if it may proceed (adapters call this from many threads)."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(user_id, deque())
            while seen and seen[0] <= now - WINDOW_SECONDS:
                seen.popleft()
            if len(seen) < self.per_minute:
                seen.append(now)
                self._told.discard(user_id)
                return None
            first = user_id not in self._told
            self._told.add(user_id)
            return Throttled(max(1, math.ceil(seen[0] + WINDOW_SECONDS - now)), first)


class DenialBudget:
    """Who of those the lists leave out is told so: each at most once per `per_user`
    seconds (a day), all together at most `per_second` with bursts of `burst`, so a crowd
    of strangers cannot use up the bot's sending rate and make members wait."""

    def __init__(
        self,
        per_second: float = 1.0,
        burst: int = 5,
        per_user: float = 86_400.0,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 100_000,
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.per_user = per_user
        self.clock = clock
        self.max_users = max_users
        self._told: OrderedDict[int, float] = OrderedDict()  # user -> when, oldest first
        self._tokens = float(burst)
        self._filled = clock()
        self._lock = threading.Lock()

    def admit(self, user_id: int) -> bool:
        """Whether to send this user the denial now (adapters call this from many threads)."""
        now = self.clock()
        with self._lock:
            while self._told and next(iter(self._told.values())) <= now - self.per_user:
                self._told.popitem(last=False)
            if user_id in self._told:
                return False
            self._tokens = min(self.burst, self._tokens + (now - self._filled) * self.per_second)
            self._filled = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            self._told[user_id] = now
            if len(self._told) > self.max_users:
                self._told.popitem(last=False)
            return True
