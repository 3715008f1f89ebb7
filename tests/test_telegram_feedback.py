"""Passage votes in chat: a 👍/👎 pair per passage moves it, admins see what moved."""

from __future__ import annotations

from fakebot import parse_html
from telegram_harness import ADMIN, button, buttons, only

QUESTION = "支部书记签了几份责任书？"


def first_passage(call) -> str:
    plain, _ = parse_html(call.params["text"])
    return plain.split("[1]", 1)[1].split("[2]", 1)[0].strip()


def test_every_shown_passage_gets_a_vote_pair_within_the_limits(tg):
    reply = only(tg.say(QUESTION), "sendMessage")
    labels = [b["text"] for b in buttons(reply)]
    assert {"1👍", "1👎", "2👍", "2👎", "3👍", "3👎", "👍", "👎"} <= set(labels)
    rows = reply.params["reply_markup"]["inline_keyboard"]
    assert max(len(row) for row in rows) <= 8 and len(labels) <= 100
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons(reply))


def test_passage_votes_move_the_passage_for_the_next_asker(tg):
    first = only(tg.say(QUESTION), "sendMessage")
    third_text = parse_html(first.params["text"])[0].split("[3]", 1)[1].strip()[:20]
    down = tg.press(button(first, "1👎")["callback_data"])
    assert "排在后面" in down[0].params["text"]
    tg.press(button(first, "3👍")["callback_data"])
    again = only(tg.say(QUESTION, user_id=ADMIN), "sendMessage")
    assert first_passage(again).startswith(third_text)
    report = only(tg.say("/feedback", user_id=ADMIN), "sendMessage").params["text"]
    assert "👍" in report and "第 3 → 第 1 名" in report and "👎" in report


def test_only_admins_see_the_votes(tg):
    assert "只有管理员" in only(tg.say("/feedback"), "sendMessage").params["text"]
    text = only(tg.say("/feedback", user_id=ADMIN), "sendMessage").params["text"]
    assert "还没有人评价过段落" in text
