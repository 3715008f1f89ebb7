"""What a new user's first session tripped over, in the chat core and the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from telegram_harness import only, seeded_db

from reportbot.bot.cli import cli
from reportbot.bot.config import parse_settings
from reportbot.bot.core import Conversation, Event
from reportbot.bot.replies import Document
from reportbot.bot.service import MAX_QUERY_CHARS, ReportService
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


@pytest.fixture
def run(tmp_path):
    db = seeded_db(tmp_path / "cli.db")

    def invoke(*args: str, expect: int = 0):
        result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    return invoke


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


# 3. files that are not UTF-8 ---------------------------------------------------------


def test_eval_of_a_file_that_is_not_utf8_is_one_line_without_a_traceback(tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_bytes('{"query": "作风建设", "needles": ["作风"]}\n'.encode("gb18030"))
    db = seeded_db(tmp_path / "eval.db")
    done = subprocess.run(
        [sys.executable, "-m", "reportbot", "--db", str(db), "eval", str(questions)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr == f"Error: {questions}: not UTF-8 text (save it as UTF-8)\n"


# 4. backup into a folder that is not there -------------------------------------------


def test_backup_refuses_a_missing_folder_and_creates_none(run, tmp_path):
    missing = tmp_path / "no" / "such"
    result = run("backup", str(missing / "x.db"), expect=1)
    assert result.output == f"Error: {missing}: no such folder (create it first)\n"
    assert not (tmp_path / "no").exists()
    assert "backed up" in run("backup", str(tmp_path / "copy.db")).output
    assert (tmp_path / "copy.db").stat().st_size > 0


# 5. ingest a path that is not there --------------------------------------------------


def test_ingest_of_a_missing_path_says_so_in_the_per_file_style(run, tmp_path):
    missing = tmp_path / "no-such-path"
    result = run("ingest", str(missing), expect=1)
    assert result.output == f"failed: {missing}: no such file or folder\n1 failed\n"


# 6. docs filtered by a word no title has ---------------------------------------------


def test_docs_with_a_word_no_title_has_says_so(run):
    assert run("docs", "不存在").output == "no report title contains “不存在”\n"
    assert run("docs", "不存在", "--json").output.strip() == "[]"


# 7. removing a pair that is not there ------------------------------------------------


def test_synonyms_remove_of_an_unknown_pair_fails(run):
    assert run("synonyms", "remove", "不存在", expect=1).output == "Error: no such pair: 不存在\n"
    run("synonyms", "add", "拍板", "研究决定")
    assert run("synonyms", "remove", "拍板", "开会", expect=1).output.endswith("拍板 = 开会\n")
    assert run("synonyms", "remove", "拍板").output == "removed 1 pair(s)\n"


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


# 9. over-long questions in the CLI ---------------------------------------------------


@pytest.mark.parametrize("command", ["ask", "search"])
def test_cli_refuses_an_over_long_question_as_the_chat_does(run, command):
    result = run(command, "党" * (MAX_QUERY_CHARS + 1), expect=2)
    limit = f"问题太长了（{MAX_QUERY_CHARS + 1} 字），请精简到 {MAX_QUERY_CHARS} 字以内再问。"
    assert result.output.endswith(f"Error: {limit}\n")
    assert "\nqueries: 0\n" in run("stats").output
    run(command, "党" * MAX_QUERY_CHARS)


def test_serve_with_a_token_file_that_is_not_utf8_is_one_line(run, tmp_path):
    token = tmp_path / "token"
    token.write_bytes("令牌".encode("gb18030"))
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken_file = "{token}"\n[access]\npublic = true\n', "utf-8")
    result = run("--config", str(config), "serve", expect=1)
    assert result.output == "Error: telegram.token_file is not UTF-8 text\n"


def test_telegram_gets_full_width_commands_and_greetings_too(tg):
    assert only(tg.say("／docs"), "sendMessage").params["text"].startswith("共 5 份报告")
    greeting = only(tg.say("你好！"), "sendMessage").params["text"]
    assert greeting.startswith("你好！") and "/help" in greeting
