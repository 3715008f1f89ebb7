"""A fake Telegram Bot API server for end-to-end tests.

Mocking ``telegram.Bot`` hides exactly what breaks bots in production: PTB's request
encoding, Telegram's strict HTML parser (one unescaped ``<`` and the reply is lost), the
4096-UTF-16-unit length limit, 64-byte callback data, ``getUpdates`` offset bookkeeping,
flood control and flaky networks. ``FakeBotAPI`` is a real HTTP server that speaks enough of
the Bot API for the unmodified PTB stack (``Application``, ``Updater``, ``HTTPXRequest``) to
run against it, in-process or as a ``reportbot serve`` subprocess::

    with FakeBotAPI() as fake:
        app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
               .base_file_url(fake.base_file_url).build())
        ...  # start polling
        fake.inject_message("/start")
        [call] = fake.wait_for_calls("sendMessage")

The server runs its own event loop in a daemon thread, so the test-side API is plain,
thread-safe and non-blocking (except the ``wait_for*`` helpers). Error descriptions follow
tdlib/telegram-bot-api. Deliberate differences: a ``&`` that does not start ``&lt;``,
``&gt;``, ``&amp;``, ``&quot;`` or a numeric reference is rejected (Telegram keeps it
literally, but its docs require escaping it); an inline button must set exactly one action
field; Markdown parse modes are accepted without validation.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
JSON = dict[str, Any]

DEFAULT_TOKEN = "123456:TEST-fake-token"
BOT_USER: JSON = {
    "id": 999,
    "is_bot": True,
    "first_name": "ReportBot",
    "username": "reportbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
DEFAULT_USER_ID = 1001  # "Alice", the sender of injected updates unless told otherwise
MAX_TEXT, MAX_CAPTION = 4096, 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
# getUpdates leaves these out unless allowed_updates names them (as Telegram does).
_OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
# Form values are JSON-decoded ("42" -> 42, "true" -> True, '{"a": 1}' -> dict) except these.
_TEXT_PARAMS = {
    "text", "caption", "query", "message_text", "parse_mode", "callback_query_id",
    "inline_query_id", "inline_message_id", "file_id", "url", "next_offset", "action",
    "title", "description", "short_description", "name", "language_code", "secret_token",
}  # fmt: skip
_CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip
_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip


class ApiError(Exception):
    """A Bot API error response; code 400 gets Telegram's "Bad Request: " prefix."""

    def __init__(self, message: str, code: int = 400) -> None:
        self.code = code
        self.description = f"Bad Request: {message}" if code == 400 else message
        super().__init__(self.description)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: offsets and limits are in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# ------------------------------------------------------------ parse_mode=HTML, as tdlib does it

_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_TAG_RE = re.compile(
    r"""<(/?)([^\s>]*)((?:\s+[^\s=>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*>"""
)
_ATTR_RE = re.compile(r"""([^\s=>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_CHAR_REF_RE = re.compile(r"&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot)(?![a-zA-Z]));?")


def _char_ref(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    hex_code, dec_code, name = match.groups()
    if name:
        return {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[name]
    code = int(hex_code, 16) if hex_code else int(dec_code)
    return chr(code) if 0 < code < 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Parse ``parse_mode=HTML`` text into (plain text, entities), or raise ApiError."""

    def fail(problem: str, pos: int) -> ApiError:
        offset = len(text[:pos].encode("utf-8", "surrogatepass"))
        return ApiError(f"can't parse entities: {problem} at byte offset {offset}")

    out: list[str] = []
    stack: list[tuple[str, dict[str, str], int, int]] = []  # tag, attrs, offset, len(out)
    entities: list[JSON] = []
    offset = pos = 0
    while pos < len(text):
        if text[pos] not in "<&":
            out.append(text[pos])
            offset += utf16_len(text[pos])
            pos += 1
            continue
        if text[pos] == "&":
            ref = _CHAR_REF_RE.match(text, pos)
            char = _char_ref(ref)
            if ref is None or char is None:
                raise fail('Unescaped "&" (write &amp;)', pos)
            out.append(char)
            offset += utf16_len(char)
            pos = ref.end()
            continue
        tag = _TAG_RE.match(text, pos)
        closing = text.startswith("</", pos)
        if closing and not stack:
            raise fail("Unexpected end tag", pos)
        if tag is None or (closing and tag.group(3)):
            name = re.split(r"[\s>]", text[pos + 1 :], maxsplit=1)[0].lower()
            if closing:
                raise fail("Unclosed end tag", pos)
            raise fail(
                "Unclosed start tag" if name in _TAG_ENTITY else f'Unsupported start tag "{name}"',
                pos,
            )
        name = tag.group(2).lower()
        if closing:
            open_name, attrs, start, out_start = stack.pop()
            if name and name != open_name:
                raise fail(f'Unmatched end tag, expected "</{open_name}>", found "</{name}>"', pos)
            if offset > start:  # empty entities are dropped
                inner = "".join(out[out_start:])
                entities.append(_entity(open_name, attrs, start, offset - start, inner, entities))
        else:
            if name not in _TAG_ENTITY:
                raise fail(f'Unsupported start tag "{name}"', pos)
            attrs = {
                key.lower(): html.unescape(value.strip("\"'"))
                for key, value in _ATTR_RE.findall(tag.group(3))
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise fail('Tag "span" must have class "tg-spoiler"', pos)
            if name == "tg-emoji" and not attrs.get("emoji-id"):
                raise fail('Tag "tg-emoji" must have attribute "emoji-id"', pos)
            stack.append((name, attrs, offset, len(out)))
        pos = tag.end()
    if stack:
        problem = f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"'
        raise ApiError(f"can't parse entities: {problem}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _entity(
    tag: str, attrs: dict[str, str], offset: int, length: int, inner: str, done: list[JSON]
) -> JSON:
    entity: JSON = {"type": _TAG_ENTITY[tag], "offset": offset, "length": length}
    if tag == "a":
        url = attrs.get("href") or inner
        if user := re.fullmatch(r"tg://user\?id=(\d+)", url):
            entity["type"] = "text_mention"
            entity["user"] = {"id": int(user[1]), "is_bot": False, "first_name": ""}
        else:
            entity["url"] = url
    elif tag == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"].removeprefix("language-")
    elif tag == "pre" and done and done[-1]["type"] == "code":
        code = done[-1]
        if (code["offset"], code["length"]) == (offset, length):  # <pre><code ...>...</code></pre>
            done.pop()
            if "language" in code:
                entity["language"] = code["language"]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    return entity


def detect_entities(text: str) -> list[JSON]:
    """The bot_command and mention entities Telegram adds to incoming messages."""
    found = [("bot_command", m) for m in _COMMAND_RE.finditer(text)]
    found += [("mention", m) for m in _MENTION_RE.finditer(text)]
    entities = [
        {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for kind, m in found
    ]
    return sorted(entities, key=lambda e: e["offset"])


_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,32}(?!\w)")


# ---------------------------------------------------------------------------- request validation


def formatted_text(
    text: str, parse_mode: Any, entities: Any, *, limit: int, too_long: str
) -> tuple[str, list[JSON]]:
    """Apply ``parse_mode`` and enforce the length limit, measured after parsing."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, entities = parse_html(text)
    elif mode not in ("", "markdown", "markdownv2"):
        raise ApiError("unsupported parse_mode")
    if utf16_len(text) > limit:
        raise ApiError(too_long)
    return text, list(entities or [])


def message_text(text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
    if not isinstance(text, str) or not text:
        raise ApiError("message text is empty")
    text, entities = formatted_text(
        text, parse_mode, entities, limit=MAX_TEXT, too_long="message is too long"
    )
    if not text.strip():
        raise ApiError("message text is empty")
    return text, entities


def check_reply_markup(markup: Any) -> None:
    """Validate inline keyboards; other keyboard kinds pass unchecked."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for button in (button for row in rows for button in row):
        prefix = "can't parse inline keyboard button: "
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(prefix + 'InlineKeyboardButton must be an Object with "text"')
        actions = [name for name in _BUTTON_ACTIONS if name in button]
        if not actions:
            raise ApiError(prefix + "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise ApiError(prefix + f"exactly one of {actions} must be used")
        action, value = actions[0], button[actions[0]]
        if action == "callback_data" and not 1 <= len(str(value).encode()) <= 64:
            raise ApiError("BUTTON_DATA_INVALID")
        if action == "url" and not re.match(r"(https?|tg)://\S", str(value)):
            raise ApiError("BUTTON_URL_INVALID")
        if action == "copy_text" and not 1 <= len(str((value or {}).get("text", ""))) <= 256:
            raise ApiError("BUTTON_COPY_TEXT_INVALID")


def check_inline_results(results: Any) -> None:
    if not isinstance(results, list):
        raise ApiError("Expected an Array of inline query results")
    if len(results) > 50:
        raise ApiError("too many inline query results specified")
    seen: set[str] = set()
    for result in results:
        prefix = "can't parse inline query result: "
        if not isinstance(result, dict):
            raise ApiError(prefix + "InlineQueryResult must be an Object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise ApiError("RESULT_ID_INVALID")
        if result_id in seen:
            raise ApiError("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        required = ("title", "input_message_content") if result.get("type") == "article" else ()
        for name in required:
            if name not in result:
                raise ApiError(prefix + f'Can\'t find field "{name}"')
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            text = content["message_text"]
            message_text(text, content.get("parse_mode"), content.get("entities"))
        check_reply_markup(result.get("reply_markup"))


# ---------------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class Upload:
    filename: str
    mime_type: str
    content: bytes


Files = dict[str, Upload]


@dataclass(frozen=True)
class Call:
    """One request of the bot: method, decoded params, uploads, error description if rejected."""

    method: str
    params: JSON
    files: Files = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class _Fault:
    status: int | None  # None: drop the connection without answering
    retry_after: int = 1
    description: str | None = None


def _decode(name: str, value: Any) -> Any:
    if name in _TEXT_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _set_fields(message: JSON, **fields: Any) -> JSON:
    """Set message fields, leaving out empty ones as Telegram does."""
    for key, value in fields.items():
        if value is None or value == []:
            message.pop(key, None)
        else:
            message[key] = value
    return message


def _public(record: JSON, *keys: str) -> JSON:
    return {key: record[key] for key in keys if record.get(key) is not None}


def _error_response(code: int, description: str, **extra: Any) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description, **extra}
    return web.json_response(body, status=code)


# ---------------------------------------------------------------------------------- the server


class FakeBotAPI:
    """Bot API server on 127.0.0.1 (free port), single use; see the module docstring."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.port = 0
        self._cond = threading.Condition()  # guards all state below; wraps an RLock
        self._calls: list[Call] = []
        self._faults: list[Call] = []
        self._planned_faults: dict[str, deque[_Fault]] = {}
        self._updates: list[JSON] = []  # pending (not yet confirmed) updates
        self._next_update_id = 1
        self._confirmed_offset = 0
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""
        self._messages: dict[tuple[int, int], JSON] = {}  # (chat id, message id), both ways
        self._last_message_id: dict[int, int] = {}
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._user(DEFAULT_USER_ID, "alice", "Alice")
        self._open_queries: set[str] = set()  # unanswered callback/inline query ids
        self._last_query_id = 4_000_000
        self._files: dict[str, JSON] = {}  # file_id -> metadata + "content"
        self._commands: dict[str, list[JSON]] = {}
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None  # set in the loop when updates arrive
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[JSON, Files], Any]] = {
            "getMe": lambda params, files: BOT_USER,
            "logOut": lambda params, files: True,
            "close": lambda params, files: True,
            "getUpdates": lambda params, files: [],  # long poll: see _get_updates
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "getChat": self._get_chat,
        }

    # ------------------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeBotAPI:
        if self._loop is not None:
            raise RuntimeError("a FakeBotAPI can only be started once")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name=f"FakeBotAPI:{self.port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(10) or self._wakeup is None:
            raise RuntimeError("FakeBotAPI failed to start")
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._shutdown)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=50 * 2**20)
        app.router.add_route("*", "/{path:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        try:
            self._loop.run_until_complete(self._open(runner, sock))
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(runner.cleanup())
        finally:
            ready.set()
            sock.close()
            self._loop.close()

    async def _open(self, runner: web.AppRunner, sock: socket.socket) -> None:
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._wakeup = asyncio.Event()

    def _shutdown(self) -> None:
        assert self._loop is not None and self._wakeup is not None
        self._closing = True  # pending long polls return at once
        self._wakeup.set()
        self._loop.stop()

    def _wake_pollers(self) -> None:
        """Wake long-polling getUpdates handlers; callable from any thread."""
        loop, event = self._loop, self._wakeup
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(event.set)

    # --------------------------------------------------------------------- test side: updates

    def inject_message(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = None,
        first_name: str | None = None,
        reply_to_message: int | JSON | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """Queue a text message from a user and return the update. ``chat_id`` defaults to the
        user id (private chats) or its negation (groups); bot_command and mention entities are
        detected unless ``entities`` is given; ``reply_to_message`` is a message id or dict."""
        if entities is None:
            entities = detect_entities(text)
        user = self._user(user_id, username, first_name)
        return self._inject_message(
            {"text": text, "entities": entities}, user, chat_id, chat_type, reply_to_message
        )

    def inject_edited_message(
        self,
        message_id: int,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """Queue an ``edited_message`` update for an injected message."""
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            assert message is not None, f"no message {message_id} in chat {chat_id}"
            _set_fields(
                message,
                text=text,
                edit_date=int(time.time()),
                entities=detect_entities(text) if entities is None else entities,
            )
            return self._push({"edited_message": message})

    def inject_document(
        self,
        filename: str,
        content: bytes,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        file_size: int | str | None = "true",
        chat_type: str = "private",
    ) -> JSON:
        """Queue a document message; the bot can getFile and download ``content``.
        ``file_size`` is what the message and getFile announce: the true size unless given
        (None leaves it out, as Telegram sometimes does)."""
        stored = self._store_file("documents", content, filename, mime_type)
        if file_size != "true":
            with self._cond:
                stored["file_size"] = file_size
        document = _public(
            stored, "file_id", "file_unique_id", "file_name", "mime_type", "file_size"
        )
        body = {"document": document, "caption": caption}
        return self._inject_message(body, self._user(user_id), chat_id, chat_type)

    def inject_photo(
        self,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        caption: str | None = None,
    ) -> JSON:
        """Queue a photo message (no text); the photo can be downloaded like a document."""
        stored = self._store_file("photos", b"\xff\xd8\xff\xe0fake-jpeg", "photo.jpg")
        size = _public(stored, "file_id", "file_unique_id", "file_size")
        size.update(width=90, height=90)
        return self._inject_message(
            {"photo": [size], "caption": caption}, self._user(user_id), chat_id
        )

    def inject_sticker(
        self, *, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None, emoji: str = "👍"
    ) -> JSON:
        """Queue a sticker message (no text)."""
        stored = self._store_file("stickers", b"RIFF-fake-webp", "sticker.webp")
        sticker = _public(stored, "file_id", "file_unique_id", "file_size")
        sticker.update(width=512, height=512, is_animated=False, is_video=False, emoji=emoji)
        sticker["type"] = "regular"
        return self._inject_message({"sticker": sticker}, self._user(user_id), chat_id)

    def inject_callback(
        self,
        data: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> str:
        """Press a button of a bot message (default: the chat's latest one) and return the
        callback query id the bot has to answer."""
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            if message_id is None:
                sent = self.messages(chat_id)
                assert sent, f"the bot has sent nothing to chat {chat_id} to click on"
                message_id = sent[-1]["message_id"]
            message = self._messages.get((chat_id, message_id))
            assert message is not None, f"no message {message_id} in chat {chat_id}"
            query_id = self._new_query_id()
            query = {"id": query_id, "from": self._user(user_id), "message": message}
            self._push({"callback_query": {**query, "chat_instance": str(chat_id), "data": data}})
        return query_id

    def inject_inline_query(
        self, query: str, *, user_id: int = DEFAULT_USER_ID, offset: str = ""
    ) -> str:
        """Queue an inline query and return its id."""
        with self._cond:
            query_id = self._new_query_id()
            inline = {"id": query_id, "from": self._user(user_id), "query": query}
            self._push({"inline_query": {**inline, "offset": offset, "chat_type": "sender"}})
        return query_id

    def inject_raw(self, update: JSON) -> JSON:
        """Queue any update dict; ``update_id`` is assigned unless present."""
        return self._push(update)

    @contextlib.contextmanager
    def batch(self):
        """Inject several updates so that one getUpdates call returns them all."""
        with self._cond:
            yield self

    def restart_update_ids(self, first: int = 1) -> None:
        """Number the next updates from ``first`` again, as a reset self-hosted Bot API server
        or Telegram after a quiet week does; offsets the bot confirmed before are forgotten."""
        with self._cond:
            self._next_update_id = first
            self._confirmed_offset = 0

    def pending_updates(self) -> list[JSON]:
        """Updates no getUpdates offset has confirmed yet (delivered or not)."""
        with self._cond:
            return copy.deepcopy(self._updates)

    @property
    def confirmed_offset(self) -> int:
        """Highest ``offset`` the bot passed to getUpdates (0 before the first one)."""
        with self._cond:
            return self._confirmed_offset

    # ------------------------------------------------------------------ test side: inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Requests the fake answered, including rejected ones, oldest first."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    @property
    def sent(self) -> list[Call]:
        """All answered requests except getUpdates polling."""
        return [c for c in self.calls() if c.method != "getUpdates"]

    @property
    def errors(self) -> list[Call]:
        """Requests rejected with a Bot API error (bad HTML, too long, ...)."""
        return [c for c in self.calls() if c.error is not None]

    @property
    def faults(self) -> list[Call]:
        """Requests consumed by fail_next/drop_next; these are not in calls()."""
        with self._cond:
            return list(self._faults)

    def messages(self, chat_id: int | None = None) -> list[JSON]:
        """The messages the bot sent, as they are now (after edits, without deleted ones)."""
        with self._cond:
            return [
                copy.deepcopy(message)
                for (chat, _), message in self._messages.items()
                if message["from"]["id"] == BOT_USER["id"] and chat_id in (None, chat)
            ]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Block until ``predicate()`` is truthy (re-checked whenever the fake's state changes)
        and return its value; raise AssertionError listing what the bot sent on timeout."""
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
            if not result:
                raise AssertionError(
                    f"condition not met within {timeout}s; the bot sent:\n{self._describe()}"
                )
            return result

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until the bot made ``count`` ``method`` calls; return all of them."""

        def enough() -> list[Call]:
            calls = self.calls(method)
            return calls if len(calls) >= count else []

        try:
            return self.wait_for(enough, timeout)
        except AssertionError as exc:
            raise AssertionError(f"expected {count} {method} call(s): {exc}") from None

    def _describe(self) -> str:
        lines = [
            f"  {c.method} {json.dumps(c.params, ensure_ascii=False)[:300]}"
            + (f" -> {c.error}" if c.error else "")
            for c in self.sent
        ]
        lines += [f"  [fault] {c.method}: {c.error}" for c in self._faults]
        return "\n".join(lines[-30:]) or "  (nothing)"

    # ------------------------------------------------------------- test side: fault injection

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        count: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``count`` ``method`` calls with an error: 429 is flood control with
        ``retry_after``, 5xx a proxy's HTML error page, any other status a Bot API error with
        ``description`` (e.g. 403, "Forbidden: bot was blocked by the user")."""
        self._plan(method, count, _Fault(status, retry_after, description))

    def drop_next(self, method: str, count: int = 1) -> None:
        """Close the connection of the next ``count`` ``method`` calls without answering."""
        self._plan(method, count, _Fault(None))

    def clear_faults(self) -> None:
        """Forget faults planned but not yet served."""
        with self._cond:
            self._planned_faults.clear()

    def _plan(self, method: str, count: int, fault: _Fault) -> None:
        assert method in self._methods, f"the fake does not implement {method!r}"
        with self._cond:
            self._planned_faults.setdefault(method, deque()).extend([fault] * count)

    # ----------------------------------------------------------------------------- HTTP layer

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if request.method == "GET" and path.startswith("file/bot"):
            return self._download(path.removeprefix("file/bot"))
        token, _, method = path.removeprefix("bot").partition("/")
        if not path.startswith("bot") or not method:
            return _error_response(404, "Not Found")
        if token != self.token:
            return _error_response(401, "Unauthorized")
        name = next((name for name in self._methods if name.lower() == method.lower()), None)
        if name is None:
            return _error_response(404, "Not Found")
        params, files = await self._read_params(request)
        with self._cond:
            planned = self._planned_faults.get(name)
            fault = planned.popleft() if planned else None
        if fault is not None:
            return self._fault_response(request, Call(name, params, files), fault)
        try:
            if name == "getUpdates":
                result = await self._get_updates(params, request)
            else:
                with self._cond:
                    result = self._methods[name](params, files)
        except ApiError as exc:
            self._record(Call(name, params, files, error=exc.description))
            return _error_response(exc.code, exc.description)
        self._record(Call(name, params, files))
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _read_params(request: web.Request) -> tuple[JSON, Files]:
        raw: JSON = dict(request.query)
        files: Files = {}
        if request.content_type == "application/json":
            body = await request.json()
            raw.update(body if isinstance(body, dict) else {})
        else:  # application/x-www-form-urlencoded or multipart/form-data
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
        return {key: _decode(key, value) for key, value in raw.items()}, files

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _fault_response(self, request: web.Request, call: Call, fault: _Fault) -> web.Response:
        if fault.status is None:
            description = "connection dropped"
        elif fault.status == 429:
            description = f"Too Many Requests: retry after {fault.retry_after}"
        else:
            description = fault.description or HTTPStatus(fault.status).phrase
        with self._cond:
            self._faults.append(Call(call.method, call.params, call.files, error=description))
            self._cond.notify_all()
        if fault.status is None:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()  # never written: the client sees a disconnect
        if fault.status == 429:
            return _error_response(429, description, parameters={"retry_after": fault.retry_after})
        if fault.status >= 500:
            page = f"<html><body><h1>{fault.status} {description}</h1></body></html>"
            return web.Response(status=fault.status, text=page, content_type="text/html")
        return _error_response(fault.status, description)

    def _download(self, path: str) -> web.Response:
        token, _, file_path = path.partition("/")
        if token != self.token:
            return _error_response(401, "Unauthorized")
        with self._cond:
            stored = next((f for f in self._files.values() if f["file_path"] == file_path), None)
        if stored is None:
            return _error_response(404, "Not Found")
        return web.Response(body=stored["content"], content_type="application/octet-stream")

    # -------------------------------------------------------------------------------- updates

    def _push(self, update: JSON) -> JSON:
        with self._cond:
            update = {"update_id": self._next_update_id, **copy.deepcopy(update)}
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._updates.append(update)
            self._cond.notify_all()
        self._wake_pollers()
        return copy.deepcopy(update)

    async def _get_updates(self, params: JSON, request: web.Request) -> list[JSON]:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        with self._cond:
            if self._webhook_url:
                raise ApiError(
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                    409,
                )
            if "allowed_updates" in params:  # remembered, like Telegram does
                self._allowed_updates = set(params["allowed_updates"] or ()) or None
            self._confirm(params.get("offset"))
            self._poll_generation += 1
            generation = self._poll_generation
        self._wakeup.set()  # a newer getUpdates terminates older long polls
        while True:
            self._wakeup.clear()
            with self._cond:
                if generation != self._poll_generation:
                    if request.transport is None:  # its client is gone: nobody to tell
                        return []
                    raise ApiError(CONFLICT, 409)
                batch = self._deliverable()[:limit]
            if batch or self._closing or loop.time() >= deadline:
                return copy.deepcopy(batch)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), deadline - loop.time())

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:  # keep the last -offset updates, forget the rest
            self._updates = self._updates[offset:]
            offset = self._updates[0]["update_id"] if self._updates else self._next_update_id
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._confirmed_offset = max(self._confirmed_offset, offset)
        self._cond.notify_all()

    def _deliverable(self) -> list[JSON]:
        """Pending updates of allowed types; updates of other types are discarded."""

        def allowed(update: JSON) -> bool:
            kind = next(key for key in update if key != "update_id")
            if self._allowed_updates is None:
                return kind not in _OPT_IN_UPDATES
            return kind in self._allowed_updates

        self._updates = [u for u in self._updates if allowed(u)]
        return self._updates

    # ------------------------------------------------------------------------- shared helpers

    def _user(
        self, user_id: int, username: str | None = None, first_name: str | None = None
    ) -> JSON:
        with self._cond:
            user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False})
            user["first_name"] = first_name or user.get("first_name") or f"User{user_id}"
            user["username"] = username or user.get("username") or f"user{user_id}"
            return dict(user)

    def _chat(self, chat_id: int) -> JSON:
        default = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        return dict(self._chats.get(chat_id, default))

    def _new_query_id(self) -> str:
        self._last_query_id += 1
        self._open_queries.add(str(self._last_query_id))
        return str(self._last_query_id)

    def _new_message(self, chat_id: int, sender: JSON, content: JSON) -> JSON:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        message = {"message_id": self._last_message_id[chat_id], "from": sender}
        message.update(chat=self._chat(chat_id), date=int(time.time()))
        self._messages[(chat_id, message["message_id"])] = _set_fields(message, **content)
        return message

    def _inject_message(
        self,
        content: JSON,
        user: JSON,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to_message: int | JSON | None = None,
    ) -> JSON:
        private = chat_type == "private"
        if chat_id is None:
            chat_id = user["id"] if private else -user["id"]
        with self._cond:
            if private:
                chat = {"id": chat_id, "type": "private", **_public(user, "first_name", "username")}
            else:
                chat = {"id": chat_id, "type": chat_type, "title": f"Test {chat_type}"}
            self._chats.setdefault(chat_id, chat)
            if isinstance(reply_to_message, int):
                reply_to_message = self._messages[(chat_id, reply_to_message)]
            if reply_to_message is not None:
                content = {**content, "reply_to_message": _without_reply(reply_to_message)}
            return self._push({"message": self._new_message(chat_id, user, content)})

    def _store_file(
        self, folder: str, content: bytes, filename: str, mime_type: str | None = None
    ) -> JSON:
        with self._cond:
            number = len(self._files) + 1
            suffix = re.search(r"\.\w+$", filename or "")
            stored = {
                "file_id": f"FAKE-{folder}-{number}",
                "file_unique_id": f"u{number}",
                "file_name": filename,
                "mime_type": mime_type or "application/octet-stream",
                "file_size": len(content),
                "file_path": f"{folder}/file_{number}{suffix[0] if suffix else ''}",
                "content": content,
            }
            self._files[stored["file_id"]] = stored
            return stored

    def _chat_id(self, params: JSON) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError("chat_id is empty")
        if not isinstance(chat_id, int):
            raise ApiError("chat not found")
        return chat_id

    def _bot_message(self, params: JSON) -> JSON:
        message = self._messages.get((self._chat_id(params), params.get("message_id")))
        if message is None:
            raise ApiError("message to edit not found")
        if message["from"]["id"] != BOT_USER["id"]:
            raise ApiError("message can't be edited")
        return message

    def _send(self, params: JSON, content: JSON) -> JSON:
        """Store and return a new bot message, after validating what all send* share."""
        chat_id = self._chat_id(params)
        reply = params.get("reply_parameters") or (
            {"message_id": params["reply_to_message_id"]}
            if "reply_to_message_id" in params
            else None
        )
        target = self._messages.get((chat_id, reply["message_id"])) if reply else None
        if reply and target is None and not reply.get("allow_sending_without_reply"):
            raise ApiError("message to be replied not found")
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        content = {
            **content,
            "reply_to_message": _without_reply(target) if target else None,
            # only inline keyboards show up in the Message object
            "reply_markup": markup if markup and "inline_keyboard" in markup else None,
        }
        sender = _public(BOT_USER, "id", "is_bot", "first_name", "username")
        return copy.deepcopy(self._new_message(chat_id, sender, content))

    # ------------------------------------------------------------------------ Bot API methods

    def _set_webhook(self, params: JSON, files: Files) -> bool:
        self._webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSON, files: Files) -> JSON:
        pending = len(self._updates)
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }

    def _send_message(self, params: JSON, files: Files) -> JSON:
        self._chat_id(params)
        text, entities = message_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        return self._send(params, {"text": text, "entities": entities})

    def _send_document(self, params: JSON, files: Files) -> JSON:
        self._chat_id(params)
        caption, entities = None, []
        if params.get("caption"):
            caption, entities = formatted_text(
                params["caption"],
                params.get("parse_mode"),
                params.get("caption_entities"),
                limit=MAX_CAPTION,
                too_long="message caption is too long",
            )
        ref = str(params.get("document") or "")
        upload = files.get("document") or files.get(ref.removeprefix("attach://"))
        if upload is not None and not upload.content:
            raise ApiError("file must be non-empty")
        if upload is not None:
            stored = self._store_file(
                "documents", upload.content, upload.filename, upload.mime_type
            )
        elif ref in self._files:
            stored = self._files[ref]
        else:
            raise ApiError("wrong file identifier/HTTP URL specified")
        document = _public(
            stored, "file_id", "file_unique_id", "file_name", "mime_type", "file_size"
        )
        content = {"document": document, "caption": caption, "caption_entities": entities}
        return self._send(params, content)

    def _edit_message_text(self, params: JSON, files: Files) -> JSON | bool:
        text, entities = message_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = params.get("reply_markup")  # leaving it out removes the keyboard, as on Telegram
        check_reply_markup(markup)
        if "inline_message_id" in params:
            return True
        message = self._bot_message(params)
        if "text" not in message:
            raise ApiError("there is no text in the message to edit")
        old = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if old == (text, entities, markup):
            raise ApiError(NOT_MODIFIED)
        _set_fields(message, text=text, entities=entities, reply_markup=markup)
        return copy.deepcopy(_set_fields(message, edit_date=int(time.time())))

    def _edit_message_reply_markup(self, params: JSON, files: Files) -> JSON | bool:
        markup = params.get("reply_markup")
        check_reply_markup(markup)
        if "inline_message_id" in params:
            return True
        message = self._bot_message(params)
        if message.get("reply_markup") == markup:
            raise ApiError(NOT_MODIFIED)
        _set_fields(message, reply_markup=markup, edit_date=int(time.time()))
        return copy.deepcopy(message)

    def _delete_message(self, params: JSON, files: Files) -> bool:
        key = (self._chat_id(params), params.get("message_id"))
        if self._messages.pop(key, None) is None:
            raise ApiError("message to delete not found")
        return True

    def _answer_callback_query(self, params: JSON, files: Files) -> bool:
        if len(str(params.get("text") or "")) > 200:
            raise ApiError("MESSAGE_TOO_LONG")
        return self._close_query(params.get("callback_query_id"))

    def _answer_inline_query(self, params: JSON, files: Files) -> bool:
        check_inline_results(params.get("results"))
        return self._close_query(params.get("inline_query_id"))

    def _close_query(self, query_id: Any) -> bool:
        if query_id not in self._open_queries:
            raise ApiError(QUERY_TOO_OLD)
        self._open_queries.discard(query_id)
        return True

    @staticmethod
    def _commands_key(params: JSON) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, params: JSON, files: Files) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError("commands must be an Array of at most 100 BotCommand")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise ApiError("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise ApiError("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: JSON, files: Files) -> list[JSON]:
        return self._commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JSON, files: Files) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _send_chat_action(self, params: JSON, files: Files) -> bool:
        self._chat_id(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError("wrong parameter action in request")
        return True

    def _get_file(self, params: JSON, files: Files) -> JSON:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError("invalid file_id")
        return _public(stored, "file_id", "file_unique_id", "file_size", "file_path")

    def _get_chat(self, params: JSON, files: Files) -> JSON:
        gift_types = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        chat = self._chat(self._chat_id(params))
        # fields PTB's ChatFullInfo requires
        chat.update(accent_color_id=0, max_reaction_count=11)
        return {**chat, "accepted_gift_types": dict.fromkeys(gift_types, False)}


def _without_reply(message: JSON) -> JSON:
    """Telegram nests reply_to_message one level deep only."""
    return {k: v for k, v in copy.deepcopy(message).items() if k != "reply_to_message"}
