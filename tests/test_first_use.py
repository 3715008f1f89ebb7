"""What a new user's first session tripped over, in the chat core and the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from telegram_harness import only, seeded_db

from reportbot.bot.config import parse_settings
from reportbot.bot.core import Conversation, Event
from reportbot.bot.replies import Document
from reportbot.bot.service import ReportService
from reportbot.bot.terminal import repl, save_file, terminal_conversation

ALICE, ADMIN = 1001, 1002


@pytest.fixture
def reports(tmp_path):
    service = ReportService.open(seeded_db(tmp_path / "first.db"))
    yield service
    service.close()


def chat(reports: ReportService, language: str = "zh") -> Conversation:
    access = {"allowed_users": [ALICE], "admins": [ADMIN]}
    settings = parse_settings({"access": access, "bot": {"language": language}})
    return Conversation(reports, settings, secret=b"test")


def say(conv: Conversation, text: str, user: int = ALICE) -> str:
    return "\n".join(r.text for r in conv.handle(Event(user, user, text=text)))


# 1. full-width ／ and ＃ ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"), [("／docs", "/docs"), ("／提法 作风", "/提法 作风"), (" ／doc 1", "/doc 1")]
)
def test_full_width_slash_runs_the_command(reports, typed, meant):
    conv = chat(reports)
    assert say(conv, typed) == say(conv, meant)


def test_full_width_hash_presses_a_terminal_button(reports):
    def session(press: str) -> list[str]:
        shown: list[str] = []
        repl(terminal_conversation(reports, parse_settings({})), ["作风建设", press], shown.append)
        return shown

    pressed = session("＃1")
    assert pressed == session("#1") and not pressed[1].startswith("没有这个按钮")


def test_a_question_keeps_its_own_full_width_characters(reports):
    say(chat(reports), "Ａ级 作风建设")
    assert [row.query for row in reports.export_log()] == ["Ａ级 作风建设"]


# 2. greetings and thanks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("你好", "你好！"),
        ("您好！", "你好！"),
        ("在吗？", "你好！"),
        ("hi", "你好！"),
        ("Hello!! 👋", "你好！"),
        ("谢谢😊", "不客气！"),
        ("多谢。", "不客气！"),
        ("thanks", "不客气！"),
    ],
)
def test_a_greeting_or_thanks_alone_gets_a_friendly_hint_and_no_search(reports, text, start):
    reply = say(chat(reports), text)
    assert reply.startswith(start) and "/help" in reply and "没有找到" not in reply
    assert list(reports.export_log()) == []


def test_a_question_containing_a_greeting_is_still_a_question(reports):
    assert "[1]" in say(chat(reports), "你好，作风建设有哪些提法")


def test_greetings_in_english(reports):
    assert say(chat(reports, "en"), "你好").startswith("Hello!")


# 7. removing a pair that is not there ------------------------------------------------


def test_chat_synonym_removal_of_an_unknown_pair_says_so(reports):
    assert say(chat(reports), "/synonym 删除 不存在", user=ADMIN).startswith(
        "没有这对同义词：不存在"
    )


# 8. the terminal's draft is written --------------------------------------------------


def test_save_file_picks_a_free_name(tmp_path):
    draft = Document("草稿.docx", b"docx bytes")
    (tmp_path / "草稿.docx").write_bytes(b"kept")
    assert save_file(draft, tmp_path).name == "草稿 (2).docx"
    assert save_file(draft, tmp_path).name == "草稿 (3).docx"
    assert (tmp_path / "草稿.docx").read_bytes() == b"kept"
    assert (tmp_path / "草稿 (3).docx").read_bytes() == b"docx bytes"


def test_chat_draft_button_writes_the_docx_into_the_current_folder(reports, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shown: list[str] = []

    def typed() -> Iterator[str]:
        yield "/draft 党风廉政建设责任书"
        yield "#" + re.findall(r"#(\d+) ➕ 1", shown[-1])[0]
        yield "#" + re.findall(r"#(\d+) 📝", shown[-2])[0]

    repl(terminal_conversation(reports, parse_settings({})), typed(), shown.append)
    [written] = tmp_path.glob("*.docx")
    assert f"[saved {written}, {written.stat().st_size:,} bytes]" in shown[-1]
    assert written.read_bytes().startswith(b"PK")  # a real .docx (a zip)


def test_telegram_gets_full_width_commands_and_greetings_too(tg):
    assert only(tg.say("／docs"), "sendMessage").params["text"].startswith("共 5 份报告")
    greeting = only(tg.say("你好！"), "sendMessage").params["text"]
    assert greeting.startswith("你好！") and "/help" in greeting
