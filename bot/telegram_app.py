"""The Telegram adapter: a thin python-telegram-bot shell over the conversation core.

Updates become core `Event`s, the core runs in a worker thread (it blocks on SQLite), and
its replies become HTML messages, edits, callback answers and inline results. Every
handler is registered in `build_application`. The token is only ever handed to PTB: it
is not logged, printed or put in URLs we build.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import functools
import hashlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from telegram import (
    BotCommand,
    CopyTextButton,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputFile,
    InputTextMessageContent,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
    helpers,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from .access import Access, DenialBudget
from .config import LOG_FORMAT, BotSettings, ConfigError, Settings
from .core import Conversation, Event, Upload
from .inbox import (
    LOG_EVERY_SECONDS,
    Clock,
    Inbox,
    InboxApplication,
    InboxRequest,
    OncePer,
    bot_id_of,
    resume,
)
from .queueing import FairUpdateProcessor
from .render import to_plain
from .replies import Article, Button, Document, InlineButton, Notice, Output, Reply
from .service import ReportService, StorageError

CORE = "conversation"
DIGEST_JOB = "weekly digest"
STORAGE_LOG = "storage failures logged"
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",  # sent once inline feedback is on (BotFather: /setinlinefeedback)
)
INLINE_CACHE_SECONDS = 10
BACKOFF_SECONDS = 0.5
DOWNLOAD_TIMEOUT = 120.0
NOT_MODIFIED = "message is not modified"
_LOG = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    """PTB's flood control (waits out a 429's retry_after) plus retries with exponential
    backoff when the network or a proxy fails (connection errors, 5xx)."""

    def __init__(
        self, max_retries: int, per_second: float, backoff: float = BACKOFF_SECONDS
    ) -> None:
        super().__init__(max_retries=max_retries, overall_max_rate=per_second)
        self._network_retries = max_retries
        self._backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as error:
                if isinstance(error, BadRequest) or attempt >= self._network_retries:
                    raise
                delay = self._backoff * 2**attempt
                attempt += 1
                _LOG.warning("%s failed (%s); retry %d in %.1f s", endpoint, error, attempt, delay)
                await asyncio.sleep(delay)


def keep_token_out_of_logs() -> None:
    """Silence the loggers that write Bot API URLs, which contain the token: httpx (every
    request, at INFO) and PTB's bot (its base URLs, at DEBUG, when it is built)."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(name).setLevel(logging.INFO)


def build_application(
    settings: Settings, service: ReportService, token: str, clock: Clock | None = None
) -> Application:
    """The bot over one database: core, handlers, error handler, digest job, flood control."""
    access = Access.from_settings(settings.access)
    access.require_configured()
    if service.read_only:
        raise ConfigError(
            f"{service.path}: database is read-only; the bot must store the updates it fetches"
        )
    keep_token_out_of_logs()
    service.warm_up()
    inbox = Inbox(service.inbox(), bot_id_of(token), clock)
    app = (
        Application.builder()
        .application_class(InboxApplication, kwargs={"inbox": inbox})
        .get_updates_request(InboxRequest(inbox, connection_pool_size=1))
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .rate_limiter(
            RetryingRateLimiter(
                settings.telegram.max_retries, settings.telegram.max_messages_per_second
            )
        )
        .concurrent_updates(
            FairUpdateProcessor(
                settings.telegram.concurrent_updates, functools.partial(sender_of, access)
            )
        )
        .post_init(start_up)
        .build()
    )
    denials = DenialBudget(clock=(clock or Clock()).monotonic)
    app.bot_data[CORE] = Conversation(
        service, settings, secret=token.encode(), access=access, denials=denials
    )
    inbox.on_stalled = functools.partial(tell_stalled, app)
    app.add_handler(MessageHandler(filters.ALL, on_update))  # text, commands, files, edits, …
    app.add_handler(CallbackQueryHandler(on_update))
    app.add_handler(InlineQueryHandler(on_update))
    app.add_handler(ChosenInlineResultHandler(on_update))
    app.add_error_handler(on_error)
    if settings.bot.digest_chat is not None and app.job_queue is not None:
        weekday, at = digest_schedule(settings.bot)
        app.job_queue.run_daily(send_digest, at, days=(weekday,), name=DIGEST_JOB)
    return app


def serve(settings: Settings, service: ReportService, token: str) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook when the config names a URL."""
    logging.basicConfig(format=LOG_FORMAT, level=logging.INFO)  # unless -v / -q chose
    app = build_application(settings, service, token)
    telegram = settings.telegram
    try:
        if telegram.webhook_url:
            app.run_webhook(
                listen=telegram.webhook_listen,
                port=telegram.webhook_port,
                url_path=urlsplit(telegram.webhook_url).path.strip("/"),
                webhook_url=telegram.webhook_url,
                secret_token=webhook_secret(token),
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            app.run_polling(timeout=telegram.poll_timeout, allowed_updates=ALLOWED_UPDATES)
    except InvalidToken as error:
        raise ConfigError("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)") from error


def webhook_secret(token: str) -> str:
    """The X-Telegram-Bot-Api-Secret-Token value: stable per bot, useless to recover the token."""
    return hashlib.sha256(b"reportbot webhook\0" + token.encode()).hexdigest()


def digest_schedule(settings: BotSettings) -> tuple[int, dtm.time]:
    """PTB's weekday (0 = Sunday) and time of day for the digest (the settings checked both)."""
    hour, minute = (int(part) for part in settings.digest_time.split(":"))
    at = dtm.time(hour, minute, tzinfo=ZoneInfo(settings.timezone))
    return (settings.digest_weekday + 1) % 7, at


# ---------------------------------------------------------------------------------- handlers


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a message, edit, upload, button press or inline query through the core."""
    conversation: Conversation = context.bot_data[CORE]
    event = to_event(update, context.bot.id, context.bot.username)
    if event is None:
        return
    if isinstance(context.application, InboxApplication):
        event = replace(event, event_id=context.application.inbox.event_id(update.update_id))
    message = update.effective_message
    if (
        event.document
        and message
        and message.document
        and (target := conversation.upload_target(event))
    ):
        limit = conversation.settings.bot.max_upload_bytes
        fits = await download(await message.document.get_file(), target, limit)
        event = replace(
            event, document=replace(event.document, path=target if fits else None, too_big=not fits)
        )
    await deliver(update, context, await asyncio.to_thread(conversation.handle, event))


async def download(file: File, target: Path, limit: int) -> bool:
    """Save a file, stopping at `limit` bytes whatever size Telegram announced; False if
    it is bigger. Errors never show the URL (it holds the token)."""
    if file.file_size is not None and file.file_size > limit:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    received = 0
    try:
        async with (
            httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT) as client,
            client.stream("GET", str(file.file_path)) as response,
        ):
            if response.status_code != 200:
                raise NetworkError(f"downloading the file failed: HTTP {response.status_code}")
            with open(target, "wb") as out:
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
                    if received > limit:
                        break
                    out.write(chunk)
    except httpx.HTTPError as error:
        target.unlink(missing_ok=True)
        raise NetworkError(f"downloading the file failed: {type(error).__name__}") from None
    if received > limit:
        target.unlink()
        with contextlib.suppress(OSError):
            target.parent.rmdir()
        return False
    return True


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its traceback and tell the user briefly; the bot keeps going.

    A storage failure (disk full, read-only) is logged once a minute, without the
    traceback, and the user is asked to try again later.
    """
    if update is None and isinstance(context.error, NetworkError):  # polling; PTB retries
        _LOG.warning("fetching updates failed, retrying: %s", context.error)
        return
    conversation: Conversation = context.bot_data[CORE]
    unavailable = isinstance(context.error, StorageError)
    if not unavailable:
        _LOG.error("update %s failed", getattr(update, "update_id", "-"), exc_info=context.error)
    elif context.bot_data.setdefault(
        STORAGE_LOG, OncePer(LOG_EVERY_SECONDS, time.monotonic)
    ).ready():
        _LOG.warning(
            "update %s not answered: %s (logged once a minute)",
            getattr(update, "update_id", "-"),
            context.error,
        )
    if not isinstance(update, Update) or update.inline_query:
        return
    text = conversation.views.text("unavailable" if unavailable else "error")
    try:
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as error:
        _LOG.warning("could not tell the user about the failure: %s", error)


async def start_up(app: Application) -> None:
    """Fill the command menu (setMyCommands) and queue updates a crash left unanswered."""
    conversation: Conversation = app.bot_data[CORE]
    await app.bot.set_my_commands(
        [BotCommand(name, text) for name, text in conversation.commands()]
    )
    figures = conversation.service.stats()
    _LOG.info(
        "connected as @%s, %d reports, %d chunks",
        app.bot.username,
        figures.documents,
        figures.chunks,
    )
    resumed = await resume(app, app.inbox)
    if resumed:
        _LOG.info("resuming %d update(s) fetched before the last stop", resumed)


async def tell_stalled(app: Application, updates: list[dict]) -> None:
    """The inbox cannot store these updates: ask their senders to try again later (the
    inbox passes each update once). Button presses are left to time out: answered now,
    they could not be answered again once the update is handled."""
    conversation: Conversation = app.bot_data[CORE]
    text = conversation.views.text("unavailable")
    for data in updates:
        update = Update.de_json(data, app.bot)
        event = to_event(update, app.bot.id, app.bot.username)
        if (
            event is None
            or update.effective_message is None
            or update.callback_query
            or not conversation.would_answer(event)
        ):
            continue
        await app.bot.send_message(update.effective_message.chat_id, text)


async def send_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the admins' chat the week's figures and unanswered questions (JobQueue)."""
    for reply in await asyncio.to_thread(context.bot_data[CORE].digest):
        await context.bot.send_message(reply.chat_id, reply.text)


# ---------------------------------------------------------------------------------- translation


def sender_of(access: Access, update: object) -> tuple[int, object]:
    """For fair queueing: (0 for members, 1 for people the lists leave out; the sender)."""
    if not isinstance(update, Update) or update.effective_user is None:
        return 0, object()  # a queue of its own
    user = update.effective_user.id
    chat = update.effective_chat.id if update.effective_chat else None
    return (0 if access.allows(user, chat) else 1), user


def to_event(update: Update, bot_id: int, bot_username: str) -> Event | None:
    """The core's view of an update; None when no person sent it (channel posts, bots)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    if update.inline_query:
        return Event(
            user.id,
            None,
            "inline",
            inline_query=update.inline_query.query,
            bot_username=bot_username,
        )
    if update.chosen_inline_result:
        chosen = update.chosen_inline_result.query
        return Event(user.id, None, "inline", chosen_inline=chosen, bot_username=bot_username)
    chat = update.effective_chat
    chat_id, chat_type = (chat.id, chat.type) if chat else (user.id, "private")
    if update.callback_query:
        return Event(
            user.id,
            chat_id,
            chat_type,
            callback_data=update.callback_query.data or "",
            bot_username=bot_username,
        )
    message = update.effective_message
    if message is None:
        return None
    replied = message.reply_to_message
    document = message.document
    return Event(
        user.id,
        chat_id,
        chat_type,
        text=message.text,
        document=Upload(document.file_name or "", document.file_size) if document else None,
        is_reply_to_bot=bool(replied and replied.from_user and replied.from_user.id == bot_id),
        bot_username=bot_username,
        edited=update.edited_message is not None,
    )


async def deliver(
    update: Update, context: ContextTypes.DEFAULT_TYPE, outputs: list[Output]
) -> None:
    """Answer the button or inline query (always, so clients stop waiting), then send."""
    if update.callback_query:
        notice = next((o for o in outputs if isinstance(o, Notice)), None)
        await update.callback_query.answer(
            to_plain(notice.text) if notice else None, show_alert=bool(notice and notice.alert)
        )
    if update.inline_query:
        results = [article(o) for o in outputs if isinstance(o, Article)]
        hint = next((o for o in outputs if isinstance(o, InlineButton)), None)
        await update.inline_query.answer(
            results,
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(hint.text, start_parameter=hint.start)
            if hint
            else None,
        )
    for reply in outputs:
        if isinstance(reply, Reply):
            await send(update, context, reply)
        elif isinstance(reply, Document):
            chat = update.effective_chat
            chat_id = chat.id if chat else update.effective_user.id
            await context.bot.send_document(
                chat_id, InputFile(reply.content, filename=reply.file_name), caption=reply.caption
            )


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Edit the pressed message or send a new one (quoting the user's message if asked)."""
    chat = update.effective_chat
    conversation: Conversation = context.bot_data[CORE]
    sign = functools.partial(conversation.sign_start, chat_id=chat.id) if chat else None
    markup = keyboard(reply.buttons, context.bot.username, sign)
    query, message = update.callback_query, update.effective_message
    if reply.edit and query and query.message:
        try:
            await query.edit_message_text(reply.text, reply_markup=markup)
        except BadRequest as error:
            if NOT_MODIFIED not in error.message.lower():
                raise
        return
    chat_id = reply.chat_id or (chat.id if chat else update.effective_user.id)
    quote = (
        ReplyParameters(message.message_id, allow_sending_without_reply=True)
        if reply.quote and message and not query
        else None
    )
    await context.bot.send_message(chat_id, reply.text, reply_markup=markup, reply_parameters=quote)


def keyboard(
    rows: tuple[tuple[Button, ...], ...],
    bot_username: str,
    sign: Callable[[str], str] | None = None,
) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[inline_button(b, bot_username, sign) for b in row] for row in rows]
    )


def inline_button(
    button: Button, bot_username: str, sign: Callable[[str], str] | None = None
) -> InlineKeyboardButton:
    """A Telegram button; deep links open a private chat with this bot, signed for the
    group they are posted in."""
    if button.copy_text is not None:
        return InlineKeyboardButton(button.text, copy_text=CopyTextButton(button.copy_text))
    if button.start is not None:
        url = helpers.create_deep_linked_url(
            bot_username, sign(button.start) if sign else button.start
        )
        return InlineKeyboardButton(button.text, url=url)
    if button.switch_inline is not None:
        return InlineKeyboardButton(button.text, switch_inline_query=button.switch_inline)
    return InlineKeyboardButton(button.text, url=button.url, callback_data=button.data)


def article(result: Article) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        result.id,
        result.title,
        InputTextMessageContent(result.text),
        description=result.description,
    )
