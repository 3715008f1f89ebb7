"""Filters from words in chat: the '只看' line, its drop button, and '在这份报告里搜' from /doc."""

from __future__ import annotations

from fakebot import parse_html
from telegram_harness import button, methods, only

SHUZHI = "局党组书记党建工作述职报告"
SHIWEIBAN = "市委办公室党总支2020年党建工作总结"


def cited(call) -> set[str]:
    """Titles of the reports an answer cites."""
    plain, _ = parse_html(call.params["text"])
    return {line[2:].split(" › ")[0] for line in plain.splitlines() if line.startswith("— ")}


def test_the_filter_line_and_its_drop_button(tg):
    reply = only(tg.say("述职报告里存在什么问题"), "sendMessage")
    assert f"只看：《{SHUZHI}》 · 存在问题" in reply.params["text"]
    assert cited(reply) == {SHUZHI}
    reply = only(tg.say("市委办的报告里怎么写的作风建设"), "sendMessage")
    assert f"只看：《{SHIWEIBAN}》" in reply.params["text"] and cited(reply) == {SHIWEIBAN}
    calls = tg.press(button(reply, "不限范围")["callback_data"])
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    assert "只看：" not in calls[1].params["text"] and cited(calls[1]) - {SHIWEIBAN}


def test_search_in_one_report_from_its_outline_until_all(tg):
    outline = only(tg.say("/doc 5"), "sendMessage")
    scoped = tg.press(button(outline, "在这份报告里搜")["callback_data"])[1]
    assert f"只在《{SHUZHI}》里找" in scoped.params["text"]
    answer = only(tg.say("作风建设"), "sendMessage")
    assert cited(answer) == {SHUZHI} and f"只看：《{SHUZHI}》" in answer.params["text"]
    page = tg.press(button(answer, "下一页")["callback_data"])[1]
    assert cited(page) == {SHUZHI}
    assert "已取消范围" in only(tg.say("/all"), "sendMessage").params["text"]
    assert cited(only(tg.say("作风建设"), "sendMessage")) - {SHUZHI}


def test_the_scope_can_be_ended_with_its_button(tg):
    outline = only(tg.say("/doc 5"), "sendMessage")
    scoped = tg.press(button(outline, "在这份报告里搜")["callback_data"])[1]
    ended = tg.press(button(scoped, "取消范围")["callback_data"])
    assert "已取消范围" in ended[1].params["text"]
    assert cited(only(tg.say("作风建设"), "sendMessage")) - {SHUZHI}
