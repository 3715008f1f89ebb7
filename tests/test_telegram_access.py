"""Access control and rate limiting on every path into the bot."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from telegram_harness import ALICE, MALLORY, button, methods, only

from reportbot.bot.cli import cli
from reportbot.bot.config import ConfigError, parse_settings
from reportbot.bot.service import ReportService
from reportbot.bot.telegram_app import build_application

DENIAL = "抱歉，你没有使用权限。你的用户 ID 是 <code>1003</code>，可以发给管理员申请开通。"


pytestmark = pytest.mark.bot_config(bot={"rate_limit_per_minute": 5})


def test_bot_refuses_to_start_without_access_lists(tmp_path):
    service = ReportService.open(tmp_path / "x.db")
    with pytest.raises(ConfigError, match="no access lists"):
        build_application(parse_settings({}), service, "1:x")
    assert build_application(parse_settings({"access": {"public": True}}), service, "1:x")
    service.close()


def test_serve_command_refuses_without_access_lists(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token-value")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "serve"])
    assert result.exit_code == 1 and "no access lists configured" in result.output
    assert "secret-token-value" not in result.output


def test_serve_command_needs_a_token(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "serve"])
    assert result.exit_code == 1 and "TELEGRAM_BOT_TOKEN" in result.output


def test_denied_user_gets_one_short_message_on_every_path(tg):
    for n, text in enumerate(("作风建设", "/docs", "/wording 作风建设", "/delete 1")):
        stranger = MALLORY + 100 * n
        reply = only(tg.say(text, user_id=stranger), "sendMessage")
        assert reply.params["text"] == DENIAL.replace("1003", str(stranger))
        assert "reply_markup" not in reply.params
    upload = tg.run(lambda: tg.fake.inject_document("r.txt", "一、总结".encode(), user_id=1007))
    assert only(upload, "sendMessage").params["text"] == DENIAL.replace(
        "1003", "1007"
    )  # no getFile
    assert tg.say("作风建设", user_id=MALLORY) == []  # told once a day


def test_denied_button_press_and_inline_query_show_no_report_text(tg):
    answer = only(tg.say("作风建设"), "sendMessage")
    calls = tg.press(button(answer, "下一页")["callback_data"], user_id=MALLORY, chat_id=ALICE)
    notice = only(calls, "answerCallbackQuery")
    assert notice.params["show_alert"] is True and "1003" in notice.params["text"]
    assert "<code>" not in notice.params["text"]
    inline = only(tg.inline("作风建设", user_id=MALLORY), "answerInlineQuery")
    assert inline.params["results"] == []  # nothing to tap that would post into the chat
    assert inline.params["button"] == {"text": "没有使用权限", "start_parameter": "access"}


def test_rate_limit_replies_politely_once(tg):
    for _ in range(5):
        assert "[1]" in only(tg.say("作风建设"), "sendMessage").params["text"]
    slow = only(tg.say("作风建设"), "sendMessage")
    assert "请" in slow.params["text"] and "秒后再试" in slow.params["text"]
    assert tg.say("作风建设") == []  # told once: further messages are dropped quietly
    answer = tg.fake.messages(ALICE)[0]
    calls = tg.run(
        lambda: tg.fake.inject_callback(
            answer["reply_markup"]["inline_keyboard"][-1][0]["callback_data"],
            message_id=answer["message_id"],
        )
    )
    assert methods(calls) == ["answerCallbackQuery"] and "秒后再试" in calls[0].params["text"]
    assert "[1]" in only(tg.say("作风建设", user_id=1002), "sendMessage").params["text"]


def test_only_admins_upload_and_delete(tg):
    upload = tg.upload("r.txt", "一、总结\n正文。".encode())
    assert only(upload, "sendMessage").params["text"] == "只有管理员可以使用这个功能。"
    for command in ("/delete 1", "/stats", "/unanswered"):
        assert "只有管理员" in only(tg.say(command), "sendMessage").params["text"]
    assert len(tg.service.documents()) == 5
