"""Tests of the fake Bot API server, driven by the real PTB stack over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
from fakebot import BOT_USER, DEFAULT_USER_ID, FakeBotAPI, parse_html
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

T = TypeVar("T")
CHAT = DEFAULT_USER_ID
BLOCKED = "Forbidden: bot was blocked by the user"


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


def with_bot(fake: FakeBotAPI, action: Callable[[Bot], Awaitable[T]], token: str = "") -> T:
    """Run ``action`` with an initialized real ``telegram.Bot`` pointed at the fake."""

    async def run() -> T:
        bot = Bot(token or fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:
            return await action(bot)

    return asyncio.run(run())


def keyboard(**button: object) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("press", **button)]])  # type: ignore[arg-type]


def test_get_me_and_wrong_token(fake: FakeBotAPI) -> None:
    me = with_bot(fake, lambda bot: bot.get_me())
    assert (me.id, me.username, me.supports_inline_queries) == (999, "reportbot_test_bot", True)
    with pytest.raises(InvalidToken):
        with_bot(fake, lambda bot: bot.get_me(), token="42:wrong")


def test_send_message_parses_html_like_telegram(fake: FakeBotAPI) -> None:
    text = '😀 <b>bold <i>both</i></b> &lt;3 &amp; <a href="https://x.org/?a=1&amp;b=2">link</a>'
    markup = keyboard(callback_data="é" * 32)  # 64 bytes: the maximum
    message = with_bot(
        fake, lambda bot: bot.send_message(CHAT, text, ParseMode.HTML, reply_markup=markup)
    )
    assert message.text == "😀 bold both <3 & link"
    entities = [(e.type, e.offset, e.length, e.url) for e in message.entities]
    assert entities == [  # offsets in UTF-16 code units: the emoji counts twice
        ("bold", 3, 9, None),
        ("italic", 8, 4, None),
        ("text_link", 18, 4, "https://x.org/?a=1&b=2"),
    ]
    assert message.reply_markup == markup
    assert message.from_user is not None and message.from_user.id == BOT_USER["id"]
    [call] = fake.calls("sendMessage")
    assert call.params["chat_id"] == CHAT  # form values arrive decoded
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "é" * 32
    assert fake.messages(CHAT)[0]["text"] == message.text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>unclosed", 'find end tag corresponding to start tag "b"'),
        ("a < b", 'unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("<div>x</div>", 'unsupported start tag "div"'),
        ("R&D", 'unescaped "&"'),
        ("&nbsp;", 'unescaped "&"'),
        ('<span class="x">y</span>', 'must have class "tg-spoiler"'),
        ("</b>", "unexpected end tag"),
    ],
)
def test_invalid_html_is_rejected(fake: FakeBotAPI, text: str, problem: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as raised:
        with_bot(fake, lambda bot: bot.send_message(CHAT, text, parse_mode=ParseMode.HTML))
    assert problem.lower() in raised.value.message.lower()
    assert fake.messages() == []
    assert fake.errors[0].error is not None and fake.errors[0].error.startswith("Bad Request: ")


def test_html_entity_variants() -> None:
    text = (
        '<pre><code class="language-python">x = 1</code></pre><tg-spoiler>s</tg-spoiler>'
        '<blockquote expandable>q</blockquote><a href="tg://user?id=7">u</a>&#128512;&#x41;'
    )
    plain, entities = parse_html(text)
    assert plain == "x = 1squ😀A"
    assert [(e["type"], e["offset"], e.get("language")) for e in entities] == [
        ("pre", 0, "python"),
        ("spoiler", 5, None),
        ("expandable_blockquote", 6, None),
        ("text_mention", 7, None),
    ]


def test_length_is_measured_after_parsing_in_utf16(fake: FakeBotAPI) -> None:
    longest = "<b>" + "a" * 4096 + "</b>"  # markup does not count
    assert with_bot(fake, lambda bot: bot.send_message(CHAT, longest, ParseMode.HTML)).text
    for text in ("a" * 4097, "😀" * 2049):  # 2049 emoji are 4098 UTF-16 code units
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            with_bot(fake, lambda bot, text=text: bot.send_message(CHAT, text))
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        with_bot(fake, lambda bot: bot.send_message(CHAT, "<b> </b>", ParseMode.HTML))


@pytest.mark.parametrize(
    ("button", "error"),
    [
        ({"callback_data": "x" * 65}, "button_data_invalid"),
        ({"callback_data": "é" * 33}, "button_data_invalid"),  # 66 bytes in UTF-8
        ({"url": "ftp://example.org"}, "button_url_invalid"),
        ({}, "text buttons are unallowed"),
    ],
)
def test_inline_keyboard_validation(fake: FakeBotAPI, button: dict, error: str) -> None:
    markup = keyboard(**button)
    with pytest.raises(BadRequest, match=rf"(?i){error}"):
        with_bot(fake, lambda bot: bot.send_message(CHAT, "hi", reply_markup=markup))


def test_edit_and_delete_follow_telegram_rules(fake: FakeBotAPI) -> None:
    markup = keyboard(callback_data="again")

    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(CHAT, "draft", reply_markup=markup)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("draft", CHAT, sent.message_id, reply_markup=markup)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", CHAT, sent.message_id + 1)
        edited = await bot.edit_message_text(
            "<i>final</i>", CHAT, sent.message_id, parse_mode=ParseMode.HTML
        )
        assert isinstance(edited, type(sent)) and edited.reply_markup is None
        extra = await bot.send_message(CHAT, "temporary")
        assert await bot.delete_message(CHAT, extra.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(CHAT, extra.message_id)

    with_bot(fake, scenario)
    [message] = fake.messages(CHAT)  # current state: edited, keyboard gone, deletion applied
    assert message["text"] == "final" and "reply_markup" not in message
    assert message["entities"] == [{"type": "italic", "offset": 0, "length": 5}]


def test_get_updates_offsets_and_long_poll(fake: FakeBotAPI) -> None:
    first = fake.inject_message("/report@reportbot_test_bot 2024")
    fake.inject_message("hello")

    async def scenario(bot: Bot) -> tuple[tuple[Update, ...], tuple[Update, ...], float]:
        updates = await bot.get_updates(timeout=0)
        again = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        timer = threading.Timer(0.3, fake.inject_message, args=("late",))
        timer.start()
        started = time.monotonic()
        late = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
        timer.join()
        return updates, again + late, time.monotonic() - started

    updates, later, waited = with_bot(fake, scenario)
    assert [u.update_id for u in updates] == [first["update_id"], first["update_id"] + 1]
    command = updates[0].message
    assert command is not None and command.text == "/report@reportbot_test_bot 2024"
    assert command.parse_entities() == {command.entities[0]: "/report@reportbot_test_bot"}
    assert [u.message.text for u in later if u.message] == ["late"]
    assert 0.2 < waited < 3  # the long poll returned as soon as the update arrived
    assert fake.confirmed_offset == first["update_id"] + 2
    assert [u["message"]["text"] for u in fake.pending_updates()] == ["late"]


def test_every_injected_update_parses_in_ptb(fake: FakeBotAPI) -> None:
    mention = fake.inject_message("@reportbot_test_bot GDP?", chat_type="supergroup")
    fake.inject_edited_message(
        mention["message"]["message_id"], "@reportbot_test_bot CPI?", chat_id=-DEFAULT_USER_ID
    )
    fake.inject_document("a.pdf", b"%PDF", user_id=7, mime_type="application/pdf")
    fake.inject_photo(caption="chart")
    fake.inject_sticker()
    fake.inject_inline_query("cpi")
    fake.inject_raw({"my_chat_member": {"chat": {"id": 5, "type": "private"}}})

    updates = with_bot(fake, lambda bot: bot.get_updates(timeout=0))
    group, edited, document, photo, sticker, inline = updates[:6]
    assert group.effective_chat is not None and group.effective_chat.type == "supergroup"
    assert group.message is not None and group.message.entities[0].type == "mention"
    assert edited.edited_message is not None and edited.edited_message.text.endswith("CPI?")
    assert document.message is not None and document.message.document is not None
    assert document.message.document.mime_type == "application/pdf"
    assert photo.message is not None and photo.message.photo and photo.message.caption == "chart"
    assert sticker.message is not None and sticker.message.sticker is not None
    assert inline.inline_query is not None and inline.inline_query.query == "cpi"
    assert len(updates) == 7 and updates[6].to_dict()["my_chat_member"]["chat"]["id"] == 5


def test_second_poller_gets_conflict(fake: FakeBotAPI) -> None:
    async def poll(delay: float, timeout: int) -> object:
        await asyncio.sleep(delay)
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            return await bot.get_updates(timeout=timeout)

    async def both() -> list[object]:
        return await asyncio.gather(poll(0, 5), poll(0.3, 0), return_exceptions=True)

    first, second = asyncio.run(both())
    assert isinstance(first, Conflict) and second == ()


def test_allowed_updates_filters_and_is_remembered(fake: FakeBotAPI) -> None:
    fake.inject_inline_query("ignored")
    fake.inject_message("kept")

    async def scenario(bot: Bot) -> tuple[tuple[Update, ...], tuple[Update, ...]]:
        first = await bot.get_updates(timeout=0, allowed_updates=["message"])
        fake.inject_inline_query("also ignored")
        return first, await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)

    first, second = with_bot(fake, scenario)
    assert [u.message.text for u in first if u.message] == ["kept"] and len(first) == 1
    assert second == ()


def test_flood_control_raises_retry_after(
    fake: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, constructing RetryAfter emits a PTBDeprecationWarning.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        with_bot(fake, lambda bot: bot.send_message(CHAT, "hi"))
    assert raised.value.retry_after == dtm.timedelta(seconds=3)
    with_bot(fake, lambda bot: bot.send_message(CHAT, "hi"))
    assert [c.error for c in fake.faults] == ["Too Many Requests: retry after 3"]
    assert len(fake.calls("sendMessage")) == 1  # the faulted request was not delivered


@pytest.mark.parametrize(
    ("plan", "error"),
    [
        (lambda fake: fake.fail_next("sendMessage", status=502), NetworkError),
        (lambda fake: fake.drop_next("sendMessage"), NetworkError),
        (lambda fake: fake.fail_next("sendMessage", 403, description=BLOCKED), Forbidden),
    ],
    ids=["bad-gateway", "dropped-connection", "blocked"],
)
def test_faults(
    fake: FakeBotAPI, plan: Callable[[FakeBotAPI], None], error: type[Exception]
) -> None:
    plan(fake)
    with pytest.raises(error):
        with_bot(fake, lambda bot: bot.send_message(CHAT, "hi"))
    assert fake.messages() == [] and fake.calls("sendMessage") == []
    assert len(fake.faults) == 1


def test_file_upload_and_download(fake: FakeBotAPI) -> None:
    update = fake.inject_document("周报.docx", b"PK\x03\x04 report", caption="本周")
    incoming = update["message"]["document"]
    assert incoming["file_size"] == 11

    async def scenario(bot: Bot) -> tuple[bytes, bytes, str]:
        received = await (await bot.get_file(incoming["file_id"])).download_as_bytearray()
        sent = await bot.send_document(
            CHAT,
            b"answer bytes",
            filename="answer.txt",
            caption="<b>done</b>",
            parse_mode=ParseMode.HTML,
        )
        assert sent.document is not None and sent.caption == "done"
        echoed = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
        return bytes(received), bytes(echoed), sent.document.file_name or ""

    received, echoed, name = with_bot(fake, scenario)
    assert (received, echoed, name) == (b"PK\x03\x04 report", b"answer bytes", "answer.txt")
    [call] = fake.calls("sendDocument")
    assert call.files["document"].content == b"answer bytes"


def test_callback_and_inline_query_answers(fake: FakeBotAPI) -> None:
    def article(result_id: str, text: str) -> InlineQueryResultArticle:
        content = InputTextMessageContent(text, parse_mode=ParseMode.HTML)
        return InlineQueryResultArticle(result_id, "title", content)

    async def scenario(bot: Bot) -> None:
        await bot.send_message(CHAT, "pick", reply_markup=keyboard(callback_data="pick:1"))
        callback_id = fake.inject_callback("pick:1")
        assert await bot.answer_callback_query(callback_id, text="ok")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(callback_id)

        query_id = fake.inject_inline_query("gdp")
        with pytest.raises(BadRequest, match=r"(?i)result_id_duplicate"):
            await bot.answer_inline_query(query_id, [article("1", "a"), article("1", "b")])
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.answer_inline_query(query_id, [article("1", "<b>a")])
        with pytest.raises(BadRequest, match=r"(?i)too many inline query results"):
            await bot.answer_inline_query(query_id, [article(str(i), "a") for i in range(51)])
        assert await bot.answer_inline_query(query_id, [article("1", "<b>GDP</b> +5%")])

    with_bot(fake, scenario)
    [callback] = [u for u in fake.pending_updates() if "callback_query" in u]
    assert callback["callback_query"]["message"]["text"] == "pick"


def test_application_echo_bot_end_to_end(fake: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_html(
            f"<b>echo:</b> {html.escape(update.effective_message.text)}"
        )

    async def run_bot() -> None:
        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=dtm.timedelta(seconds=1))
            fake.inject_message("1 < 2 & 3")
            await asyncio.to_thread(fake.wait_for_calls, "sendMessage")
            await app.updater.stop()
            await app.stop()

    asyncio.run(run_bot())
    [reply] = fake.messages(CHAT)
    assert reply["text"] == "echo: 1 < 2 & 3"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert fake.errors == [] and fake.pending_updates() == []


def test_wait_for_calls_reports_what_was_sent(fake: FakeBotAPI) -> None:
    with_bot(fake, lambda bot: bot.send_chat_action(CHAT, "typing"))
    with pytest.raises(
        AssertionError, match=r"(?s)expected 1 sendMessage.*sendChatAction"
    ) as raised:
        fake.wait_for_calls("sendMessage", timeout=0.2)
    assert '"action": "typing"' in str(raised.value)
