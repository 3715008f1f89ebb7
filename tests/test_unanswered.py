"""/unanswered: each question once with how often it was asked, local times, a "more" button."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from reportbot.bot.config import parse_settings
from reportbot.bot.core import UNANSWERED_SHOWN, Conversation, Event
from reportbot.bot.replies import Reply

ADMIN = 1002
OFF_TOPIC = "明天上海会下雨吗"


def admin_chat(service, **bot) -> Conversation:
    access = {"allowed_users": [ADMIN], "admins": [ADMIN]}
    return Conversation(service, parse_settings({"access": access, "bot": bot}), secret=b"k")


def handle(conv: Conversation, **fields) -> list:
    return conv.handle(Event(ADMIN, ADMIN, "private", bot_username="b", **fields))


def test_repeats_are_listed_once_with_a_count(service):
    for _ in range(3):
        service.search(OFF_TOPIC)
    service.search("怎样做红烧肉")
    [latest, repeated] = service.unanswered()
    assert (latest.query, latest.asked) == ("怎样做红烧肉", 1)
    assert (repeated.query, repeated.asked, repeated.results) == (OFF_TOPIC, 3, 0)
    [reply] = handle(admin_chat(service), text="/unanswered")
    assert f"{OFF_TOPIC}（问了 3 次，无结果）" in reply.text
    assert "怎样做红烧肉（无结果）" in reply.text


def test_times_are_shown_in_the_configured_time_zone(service, db_path):
    service.search(OFF_TOPIC)
    with sqlite3.connect(db_path) as conn:
        [(stored,)] = conn.execute("select time from query_log").fetchall()
    local = datetime.fromisoformat(stored).astimezone(ZoneInfo("Asia/Shanghai"))
    [reply] = handle(admin_chat(service, timezone="Asia/Shanghai"), text="/unanswered")
    assert f"{local:%Y-%m-%d %H:%M} {OFF_TOPIC}" in reply.text
    [digest] = admin_chat(service, timezone="Asia/Shanghai", digest_chat=-5).digest()
    assert f"{local:%Y-%m-%d %H:%M} {OFF_TOPIC}" in digest.text


def test_more_shows_the_next_questions(service):
    questions = [f"第{n}个没有答案的问题：火星上的天气" for n in range(UNANSWERED_SHOWN + 2)]
    for question in questions:
        service.search(question)
    conv = admin_chat(service)
    [first] = handle(conv, text="/unanswered")
    [[more]] = first.buttons
    assert questions[-1] in first.text and questions[1] not in first.text
    [second] = handle(conv, callback_data=more.data)
    assert isinstance(second, Reply) and second.buttons == ()
    assert questions[1] in second.text and questions[0] in second.text
    assert questions[-1] not in second.text


def test_only_admins_may_page_on(service):
    for n in range(UNANSWERED_SHOWN + 1):
        service.search(f"第{n}个没有答案的问题：火星上的天气")
    conv = admin_chat(service)
    [[more]] = handle(conv, text="/unanswered")[0].buttons
    access = {"allowed_users": [7], "admins": [ADMIN]}
    other = Conversation(service, parse_settings({"access": access}), secret=b"k")
    [notice] = other.handle(Event(7, 7, "private", callback_data=more.data, bot_username="b"))
    assert notice.alert and "管理员" in notice.text
