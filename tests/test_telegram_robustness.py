"""Hostile input and an unreliable Bot API: polite answers, retries, no crash, no token leak."""

from __future__ import annotations

import logging
import threading

import pytest
from fakebot import parse_html
from telegram_harness import ALICE, BotHarness, button, methods, only


def test_html_and_markdown_in_questions_stay_literal(tg):
    question = "<b>NBA</b> & <script>x</script> *冠军* _是_ [谁](http://e.com)"
    reply = only(tg.say(question), "sendMessage")
    plain, entities = parse_html(reply.params["text"])
    assert f"“{question}”" in plain
    assert entities == []


@pytest.mark.parametrize(
    ("inject", "expected"),
    [
        (lambda fake: fake.inject_message("党" * 4096), "问题太长了（4096 字）"),
        (lambda fake: fake.inject_message(" \n "), "请直接写下问题"),
        (lambda fake: fake.inject_sticker(), "只能读文字"),
        (lambda fake: fake.inject_photo(caption="作风建设"), "只能读文字"),
        (lambda fake: fake.inject_message("/frobnicate"), "没有这个命令：/frobnicate"),
        (lambda fake: fake.inject_message("/doc ../../etc"), "用法：/doc 编号"),
    ],
)
def test_odd_messages_get_one_polite_answer(tg, inject, expected):
    reply = only(tg.run(lambda: inject(tg.fake)), "sendMessage")
    assert expected in reply.params["text"]
    assert tg.service.stats().queries == 0


def test_edited_messages_are_not_answered_twice(tg):
    only(tg.say("作风建设"), "sendMessage")
    message_id = tg.last["message"]["message_id"]
    calls = tg.run(lambda: tg.fake.inject_edited_message(message_id, "党员发展"))
    assert "重新发送" in only(calls, "sendMessage").params["text"]


@pytest.mark.parametrize("data", ["a:1:0~deadbeef", "s:999999~00000000", "x" * 64, "v:1:1"])
def test_tampered_callback_data_gets_an_alert_and_nothing_else(tg, data):
    only(tg.say("作风建设"), "sendMessage")
    notice = only(tg.press(data), "answerCallbackQuery")
    assert notice.params["show_alert"] is True and "失效" in notice.params["text"]
    assert tg.service.stats().upvotes == 0


def test_flood_control_in_the_middle_of_a_reply_is_waited_out(tg):
    answer = only(tg.say("作风建设"), "sendMessage")
    tg.fake.fail_next("sendMessage", status=429, retry_after=1)
    calls = tg.press(button(answer, "📄 1")["callback_data"])
    assert methods(calls) == ["answerCallbackQuery", "sendMessage"] and calls[1].error is None
    [fault] = tg.fake.faults
    assert fault.method == "sendMessage" and "retry after 1" in fault.error


def test_network_errors_and_5xx_are_retried(tg):
    tg.fake.drop_next("sendMessage")
    tg.fake.fail_next("sendMessage", status=502)
    reply = only(tg.say("作风建设"), "sendMessage")
    assert "[1]" in reply.params["text"] and len(tg.fake.faults) == 2


def test_a_failing_update_is_logged_and_the_user_told_briefly(tg, caplog):
    tg.fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    with caplog.at_level(logging.ERROR, logger="reportbot.bot.telegram_app"):
        reply = only(tg.say("作风建设"), "sendMessage")
    assert reply.params["text"] == "出了点问题，请稍后再试。"
    assert "Traceback" not in reply.params["text"]
    assert any(r.exc_info for r in caplog.records)
    assert "[1]" in only(tg.say("作风建设"), "sendMessage").params["text"]  # still running


def test_buttons_of_deleted_reports_say_gone(tg):
    answer = only(tg.say("作风建设"), "sendMessage")
    for doc in tg.service.documents():
        tg.service.delete(doc.doc_id)
    for label in ("📄 1", "下一页"):
        notice = only(tg.press(button(answer, label)["callback_data"]), "answerCallbackQuery")
        assert notice.params["show_alert"] is True and "已被删除" in notice.params["text"]


def test_slow_searches_do_not_block_other_chats(tg, monkeypatch):
    release = threading.Event()
    search = tg.service.search

    def slow_search(query, *args, **kwargs):
        if query == "作风建设":
            release.wait(10)
        return search(query, *args, **kwargs)

    monkeypatch.setattr(tg.service, "search", slow_search)
    tg.fake.inject_message("作风建设")
    tg.fake.inject_message("/docs", user_id=1002, chat_id=1002)
    tg.fake.wait_for(lambda: tg.fake.messages(1002))
    assert tg.fake.messages(ALICE) == []
    release.set()
    [answer] = tg.fake.wait_for(lambda: tg.fake.messages(ALICE))
    assert "[1]" in answer["text"]


def test_the_token_never_reaches_the_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    harness = BotHarness(tmp_path)
    try:
        harness.fake.drop_next("sendMessage")
        harness.fake.fail_next("sendMessage", status=400, description="Bad Request: x")
        harness.say("作风建设")
        harness.press("tampered")
        harness.inline("作风建设")
        harness.upload("r.txt", b"x", user_id=1002)
    finally:
        harness.close()
    secret = harness.fake.token.split(":")[1]
    assert len(caplog.records) > 20
    assert secret not in caplog.text
    assert all(secret not in str(r.args) for r in caplog.records)
