"""Groups: the bot speaks only when addressed, keeps it short and moves long reads to private."""

from __future__ import annotations

import pytest
from telegram_harness import (
    ADMIN,
    ALICE,
    BOT_NAME,
    GROUP,
    MALLORY,
    OTHER_GROUP,
    methods,
    only,
)


def ask_in_group(tg, text, **kwargs):
    return tg.say(text, chat_id=GROUP, chat_type="supergroup", **kwargs)


def test_ordinary_group_chatter_is_ignored(tg):
    assert ask_in_group(tg, "作风建设") == []
    assert ask_in_group(tg, "/docs@some_other_bot") == []
    assert tg.run(lambda: tg.fake.inject_sticker(chat_id=GROUP)) == []


@pytest.mark.parametrize(
    "text", [f"@{BOT_NAME} 作风建设", "/ask 作风建设", f"/ask@{BOT_NAME} 作风建设"]
)
def test_mentions_and_commands_get_a_short_quoted_answer(tg, text):
    reply = only(ask_in_group(tg, text), "sendMessage")
    assert reply.params["chat_id"] == GROUP
    assert reply.params["reply_parameters"]["message_id"] == tg.last["message"]["message_id"]
    assert "[1]" in reply.params["text"] and "[4]" not in reply.params["text"]
    keys = [b for row in reply.params["reply_markup"]["inline_keyboard"] for b in row]
    links = [b["url"] for b in keys if "url" in b]
    assert links and all(url.startswith(f"https://t.me/{BOT_NAME}?start=s") for url in links)
    assert not [b for b in keys if "下一页" in b["text"]]


def test_replies_to_the_bot_are_answered(tg):
    first = only(ask_in_group(tg, f"@{BOT_NAME} 作风建设"), "sendMessage")
    bot_message = tg.fake.messages(GROUP)[-1]["message_id"]
    assert first.params["chat_id"] == GROUP
    again = only(ask_in_group(tg, "党员发展呢？", reply_to_message=bot_message), "sendMessage")
    assert "[1]" in again.params["text"]


def test_full_section_deep_link_opens_in_private(tg):
    reply = only(ask_in_group(tg, f"@{BOT_NAME} 作风建设"), "sendMessage")
    url = next(
        b["url"]
        for row in reply.params["reply_markup"]["inline_keyboard"]
        for b in row
        if "url" in b
    )
    payload = url.split("start=")[1]
    section = only(tg.say(f"/start {payload}"), "sendMessage")  # what the client sends
    assert section.params["chat_id"] == ALICE and " › " in section.params["text"]


def test_any_member_of_an_allowed_group_may_ask_there(tg):
    reply = only(ask_in_group(tg, f"@{BOT_NAME} 作风建设", user_id=MALLORY), "sendMessage")
    assert "[1]" in reply.params["text"]
    denied = only(
        tg.say(f"@{BOT_NAME} 作风建设", user_id=MALLORY, chat_id=OTHER_GROUP, chat_type="group"),
        "sendMessage",
    )
    assert "没有使用权限" in denied.params["text"] and str(MALLORY) in denied.params["text"]


def test_uploads_in_groups_are_ignored(tg):
    assert methods(ask_in_group(tg, "/docs")) == ["sendMessage"]  # the fake now knows the group
    calls = tg.run(lambda: tg.fake.inject_document("r.txt", b"x", chat_id=GROUP))
    assert calls == []  # not addressed to the bot: nothing, not even a download


def deep_link_payload(reply) -> str:
    url = next(
        b["url"]
        for row in reply.params["reply_markup"]["inline_keyboard"]
        for b in row
        if "url" in b
    )
    return url.split("start=")[1]


def test_a_member_allowed_only_through_the_group_may_follow_its_deep_link(tg):
    reply = only(ask_in_group(tg, f"@{BOT_NAME} 作风建设", user_id=MALLORY), "sendMessage")
    payload = deep_link_payload(reply)
    section = only(tg.say(f"/start {payload}", user_id=MALLORY), "sendMessage")
    assert section.params["chat_id"] == MALLORY and " › " in section.params["text"]
    forged = payload[:-1] + ("0" if payload[-1] != "0" else "1")
    denied = only(tg.say(f"/start {forged}", user_id=MALLORY + 1), "sendMessage")
    assert "没有使用权限" in denied.params["text"]
    other = tg.app.bot_data["conversation"].sign_start(payload.split("_")[0], OTHER_GROUP)
    refused = only(tg.say(f"/start {other}", user_id=MALLORY), "sendMessage")  # not allowed
    assert "没有使用权限" in refused.params["text"]
    assert tg.say("作风建设", user_id=MALLORY) == []  # a link opens its section, not the bot


def test_an_admins_upload_in_a_group_gets_the_one_line_reason(tg):
    ask_in_group(tg, "/docs")  # the fake now knows the group
    calls = tg.run(
        lambda: tg.fake.inject_document(
            "r.txt", "一、总结".encode(), user_id=ADMIN, chat_id=GROUP, chat_type="supergroup"
        )
    )
    reply = only(calls, "sendMessage")  # and no getFile
    assert reply.params["text"] == "请在与我的私聊中发送文件。" and reply.params["chat_id"] == GROUP
