"""Settings from a TOML file, environment variables and command-line options.

The TOML file is the user's: unknown keys are an error (a typo must not silently do
nothing), missing keys take the defaults below. The bot token is never read from the
file itself, only from TELEGRAM_BOT_TOKEN or a token file the config points to.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .errors import BotError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP_NAME = "reportbot"
ENGINES = ("bm25", "rank-bm25")
LANGUAGES = ("zh", "en")
DIGEST_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DB_ENV = "REPORTBOT_DB"
CONFIG_ENV = "REPORTBOT_CONFIG"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ConfigError(BotError):
    """The configuration file is missing, malformed, has unknown keys or a value out of range."""


def _require(ok: bool, message: str) -> None:
    """Settings check themselves when built, for every command, not only `serve`."""
    if not ok:
        raise ConfigError(message)


@dataclass(frozen=True)
class StorageSettings:
    db: str | None = None


@dataclass(frozen=True)
class TelegramSettings:
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    token_file: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    poll_timeout: float = 10.0
    concurrent_updates: int = 8
    max_retries: int = 3
    max_messages_per_second: float = 30.0

    def __post_init__(self) -> None:
        _require(1 <= self.webhook_port <= 65535, "telegram.webhook_port must be 1–65535")
        _require(self.poll_timeout > 0, "telegram.poll_timeout must be above 0")
        _require(self.concurrent_updates >= 1, "telegram.concurrent_updates must be at least 1")
        _require(self.max_retries >= 0, "telegram.max_retries must be 0 or more")
        _require(
            self.max_messages_per_second >= 0,
            "telegram.max_messages_per_second must be 0 (no limit) or more",
        )


@dataclass(frozen=True)
class AccessSettings:
    public: bool = False
    allowed_users: tuple[int, ...] = ()
    allowed_chats: tuple[int, ...] = ()
    admins: tuple[int, ...] = ()


@dataclass(frozen=True)
class BotSettings:
    language: str = "zh"
    results_per_page: int = 3
    rate_limit_per_minute: int = 20
    digest_chat: int | None = None
    digest_weekday: int = 0
    digest_time: str = "09:00"
    timezone: str = "Asia/Shanghai"
    max_upload_bytes: int = 20 * 1024 * 1024

    def __post_init__(self) -> None:
        _require(self.language in LANGUAGES, f"bot.language must be one of {', '.join(LANGUAGES)}")
        _require(self.results_per_page >= 1, "bot.results_per_page must be at least 1")
        _require(
            self.rate_limit_per_minute >= 0,
            "bot.rate_limit_per_minute must be 0 (no limit) or more",
        )
        _require(
            0 <= self.digest_weekday <= 6, "bot.digest_weekday must be 0 (Monday) … 6 (Sunday)"
        )
        _require(
            bool(DIGEST_TIME.fullmatch(self.digest_time)),
            f"bot.digest_time must be HH:MM, not {self.digest_time!r}",
        )
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError) as error:
            raise ConfigError(
                f"bot.timezone must be a time zone name such as Asia/Shanghai, "
                f"not {self.timezone!r}"
            ) from error
        _require(self.max_upload_bytes > 0, "bot.max_upload_bytes must be above 0")


@dataclass(frozen=True)
class SearchSettings:
    results: int = 5
    engine: str = "bm25"

    def __post_init__(self) -> None:
        _require(1 <= self.results <= 100, "search.results must be 1–100")
        _require(self.engine in ENGINES, f"search.engine must be one of {', '.join(ENGINES)}")


@dataclass(frozen=True)
class IngestSettings:
    boilerplate_patterns: tuple[str, ...] = ()
    max_file_bytes: int = 20 * 1024 * 1024
    upload_dir: str | None = None
    upload_seconds: float = 60.0

    def __post_init__(self) -> None:
        _require(self.max_file_bytes > 0, "ingest.max_file_bytes must be above 0")
        _require(self.upload_seconds > 0, "ingest.upload_seconds must be above 0")


@dataclass(frozen=True)
class Settings:
    storage: StorageSettings = field(default_factory=StorageSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    access: AccessSettings = field(default_factory=AccessSettings)
    bot: BotSettings = field(default_factory=BotSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    source: str | None = None

    def db_path(self, override: str | None = None) -> Path:
        """--db, else REPORTBOT_DB, else the config's storage.db, else a per-user default."""
        chosen = override or os.environ.get(DB_ENV) or self.storage.db
        if chosen:
            return Path(chosen).expanduser()
        return Path(click.get_app_dir(APP_NAME)) / "reportbot.db"

    def token(self) -> str | None:
        """The bot token from the environment, else from the configured token file."""
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token and self.telegram.token_file:
            token = Path(self.telegram.token_file).expanduser().read_text("utf-8").strip()
        return token or None


SECTIONS = {f.name: f.type for f in fields(Settings) if f.name != "source"}
_SECTION_CLASSES = {
    "storage": StorageSettings,
    "telegram": TelegramSettings,
    "access": AccessSettings,
    "bot": BotSettings,
    "search": SearchSettings,
    "ingest": IngestSettings,
}


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from `path`, else $REPORTBOT_CONFIG, else defaults."""
    path = path or os.environ.get(CONFIG_ENV)
    if not path:
        return Settings()
    path = Path(path).expanduser()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"config file not found: {path}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    return parse_settings(data, str(path))


def parse_settings(data: dict, source: str = "<config>") -> Settings:
    """Build Settings from parsed TOML, rejecting unknown sections/keys and wrong types."""
    sections = {}
    for name, values in data.items():
        cls = _SECTION_CLASSES.get(name)
        if cls is None:
            raise ConfigError(
                f"{source}: unknown section [{name}] (known: {', '.join(_SECTION_CLASSES)})"
            )
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [{name}] must be a table")
        sections[name] = _section(cls, name, values, source)
    return Settings(**sections, source=source)


def _section(cls, name: str, values: dict, source: str):
    known = {f.name: f for f in fields(cls)}
    kwargs = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(
                f"{source}: unknown key '{key}' in [{name}] (known: {', '.join(known)})"
            )
        kwargs[key] = _coerce(known[key].default, value, f"{name}.{key}", source)
    try:
        return cls(**kwargs)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from error


def _coerce(default, value, key: str, source: str):
    """Check a value against the type of its default (tuples come from TOML lists)."""
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{source}: {key} must be a list")
        return tuple(value)
    expected = type(default) if default is not None else None
    if expected is bool and not isinstance(value, bool):
        raise ConfigError(f"{source}: {key} must be true or false")
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected not in (None, bool) and not isinstance(value, expected):
        raise ConfigError(f"{source}: {key} must be {expected.__name__}")
    return value
