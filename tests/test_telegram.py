"""Asking in a private chat, end to end: real Application, real HTTP, fake Bot API server."""

from __future__ import annotations

import sqlite3

from fakebot import parse_html
from telegram_harness import ALICE, BOT_NAME, button, buttons, methods, only


def entities_text(call, kind: str) -> list[str]:
    plain, entities = parse_html(call.params["text"])
    return [plain[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == kind]


def test_question_gets_numbered_cited_passages_with_buttons(tg):
    reply = only(tg.say("支部书记签了几份责任书？"), "sendMessage")
    assert reply.params["parse_mode"] == "HTML" and reply.params["chat_id"] == ALICE
    plain, _ = parse_html(reply.params["text"])
    assert "[1]" in plain and "局党组书记党建工作述职报告 › " in plain
    assert "责任书" in entities_text(reply, "bold")
    labels = [b["text"] for b in buttons(reply)]
    assert {"📄 1", "👍", "👎"} <= set(labels)
    assert all(
        len(b["callback_data"].encode()) <= 64 for b in buttons(reply) if "callback_data" in b
    )


def test_every_question_is_logged_with_user_chat_latency_and_results(tg):
    tg.say("支部书记签了几份责任书？")
    [row] = tg.service.store.db.query("select * from query_log")
    assert (row["source"], row["user_id"], row["chat_id"]) == ("telegram", ALICE, ALICE)
    assert row["latency_ms"] > 0 and row["results"] >= 1 and row["result_ids"].startswith("[")


def test_not_found_is_said_plainly(tg):
    reply = only(tg.say("明天上海会下雨吗"), "sendMessage")
    assert "没有找到" in reply.params["text"] and "/docs" in reply.params["text"]
    assert buttons(reply) == []


def test_pages_are_edited_in_place(tg):
    first = only(tg.say("作风建设"), "sendMessage")
    calls = tg.press(button(first, "下一页")["callback_data"])
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    page2 = calls[1]
    assert "[4]" in page2.params["text"] and "第 2/2 页" in page2.params["text"]
    back = tg.press(button(page2, "上一页")["callback_data"])[1]
    assert back.params["text"] == first.params["text"]


def test_full_section_opens_in_an_expandable_quote(tg):
    first = only(tg.say("作风建设"), "sendMessage")
    calls = tg.press(button(first, "📄 1")["callback_data"])
    assert methods(calls) == ["answerCallbackQuery", "sendMessage"]
    plain, entities = parse_html(calls[1].params["text"])
    best = tg.service.answer("作风建设", 5).hits[0]
    assert plain.startswith(f"{best.doc_title} › {best.section_path[0]}")
    assert {e["type"] for e in entities} & {"blockquote", "expandable_blockquote"}


def test_feedback_is_stored(tg):
    first = only(tg.say("作风建设"), "sendMessage")
    up = tg.press(button(first, "👍")["callback_data"])
    assert methods(up) == ["answerCallbackQuery"] and "👍" in up[0].params["text"]
    tg.press(button(first, "👎")["callback_data"])  # a second vote replaces the first
    figures = tg.service.stats()
    assert (figures.upvotes, figures.downvotes) == (0, 1)


def test_wording_is_copy_ready(tg):
    for command in ("/wording 党员发展", "/提法 党员发展"):
        reply = only(tg.say(command), "sendMessage")
        assert entities_text(reply, "code")
        copies = [b["copy_text"]["text"] for b in buttons(reply) if "copy_text" in b]
        assert copies and all(len(c) <= 256 for c in copies)
        assert copies[0] in entities_text(reply, "code")


def test_problems_and_plans(tg):
    for command, note in (("/problems 党员教育", "存在问题"), ("/plans 党员教育", "下步打算")):
        reply = only(tg.say(command), "sendMessage")
        assert note in reply.params["text"]
    assert "用法" in only(tg.say("/plans"), "sendMessage").params["text"]


def test_docs_outline_and_section(tg):
    listing = only(tg.say("/docs"), "sendMessage")
    assert "共 5 份报告" in listing.params["text"]
    outline = tg.press(button(listing, "局党组书记")["callback_data"])[1]
    assert outline.method == "editMessageText" and "四、存在的问题" in outline.params["text"]
    section = tg.press(button(outline, "压实党建主体责任")["callback_data"])[1]
    assert section.method == "sendMessage" and "（一）压实党建主体责任" in section.params["text"]
    back = tg.press(button(outline, "报告列表")["callback_data"])[1]
    assert back.params["text"] == listing.params["text"]
    [doc_id] = [d.doc_id for d in tg.service.documents() if d.title == "局党组书记党建工作述职报告"]
    assert "四、存在的问题" in only(tg.say(f"/doc {doc_id}"), "sendMessage").params["text"]
    assert "没有编号为 999 的报告" in only(tg.say("/doc 999"), "sendMessage").params["text"]


def test_inline_mode_inserts_passages_with_citations(tg):
    answer = only(tg.inline("作风建设"), "answerInlineQuery")
    results = answer.params["results"]
    assert results and answer.params["is_personal"] is True
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and " › " in content["message_text"]
    assert "作风建设" in content["message_text"]
    assert only(tg.inline(""), "answerInlineQuery").params["results"] == []


def test_start_help_and_command_menu(tg):
    [menu] = tg.fake.calls("setMyCommands")
    names = [c["command"] for c in menu.params["commands"]]
    assert {"start", "help", "wording", "problems", "plans", "docs", "doc"} <= set(names)
    for command in ("/start", "/help"):
        text = only(tg.say(command), "sendMessage").params["text"]
        assert "/wording" in text and "/提法" in text and f"@{BOT_NAME}" in text
        assert "管理员" not in text


def test_buttons_survive_a_restart(tg):
    first = only(tg.say("作风建设"), "sendMessage")
    tg.restart()  # a new Application and service on the same database
    calls = tg.press(button(first, "下一页")["callback_data"])
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    page2 = calls[1]
    assert page2.error is None and "[4]" in page2.params["text"]
    assert (
        tg.press(button(page2, "上一页")["callback_data"])[1].params["text"] == first.params["text"]
    )
    assert "👍" in tg.press(button(first, "👍")["callback_data"])[0].params["text"]


def test_related_only_answers_say_so_first(tg):
    reply = only(tg.say("中央八项规定是哪年出台的"), "sendMessage")
    plain, _ = parse_html(reply.params["text"])
    assert plain.startswith("没有找到直接回答这个问题的内容") and "[1]" in plain


def test_paging_keeps_the_same_also_in_line(tg):
    first = only(tg.say("疫情防控"), "sendMessage")
    page2 = tg.press(button(first, "下一页")["callback_data"])[1]
    assert "相同表述还见于" in page2.params["text"]
    back = tg.press(button(page2, "上一页")["callback_data"])[1]
    again = tg.press(button(back, "下一页")["callback_data"])[1]
    assert back.params["text"] == first.params["text"]
    assert again.params["text"] == page2.params["text"]


def test_inline_questions_are_logged_once_per_posted_result(tg):
    for typed in ("作风", "作风建", "作风建设"):
        answer = only(tg.inline(typed), "answerInlineQuery")
    assert logged_questions(tg) == []  # keystrokes are not questions
    result = answer.params["results"][0]["id"]
    chosen = {"result_id": result, "from": {"id": ALICE, "is_bot": False, "first_name": "A"}}
    calls = tg.run(
        lambda: tg.fake.inject_raw({"chosen_inline_result": {**chosen, "query": "作风建设"}})
    )
    assert calls == [] and logged_questions(tg) == [("作风建设", "telegram", ALICE)]


def logged_questions(tg) -> list[tuple]:
    with sqlite3.connect(tg.db) as conn:
        return conn.execute("select query, source, user_id from query_log").fetchall()
