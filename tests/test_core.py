"""The conversation core without Telegram: events in, replies out."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from string import Formatter

import pytest
from fakebot import parse_html
from hypothesis import given
from hypothesis import strategies as st
from telegram_harness import seeded_db

from reportbot.bot.access import Access, DenialBudget, RateLimiter, login_name
from reportbot.bot.callbacks import GROUP_SECTION_PAGE, OUTLINE, CallbackCodec
from reportbot.bot.config import ConfigError, parse_settings
from reportbot.bot.core import Conversation, Event, Upload, safe_file_name
from reportbot.bot.messages import MESSAGES
from reportbot.bot.render import (
    answer_text,
    escape,
    highlight,
    key_sentences,
    split_markup,
    to_plain,
    utf16_len,
)
from reportbot.bot.replies import InlineButton, Notice, Reply
from reportbot.bot.service import ReportService
from reportbot.bot.terminal import render, repl, terminal_conversation
from reportbot.bot.views import Views
from reportbot.retrieval.models import Hit
from reportbot.storage.db import ChunkRecord

ALICE, ADMIN, MALLORY, GROUP = 1001, 1002, 1003, -2001
BOT = "reportbot_test_bot"


@pytest.fixture
def reports(tmp_path):
    service = ReportService.open(seeded_db(tmp_path / "core.db"))
    yield service
    service.close()


def conversation(reports: ReportService, secret: bytes = b"test", **sections: dict) -> Conversation:
    access = {"allowed_users": [ALICE], "admins": [ADMIN], "allowed_chats": [GROUP]}
    settings = parse_settings({"access": access, **sections})
    return Conversation(reports, settings, secret=secret)


def say(
    conv: Conversation,
    text: str | None,
    user: int = ALICE,
    chat: int | None = None,
    chat_type: str = "private",
    **fields,
) -> list:
    chat = user if chat is None else chat
    return conv.handle(Event(user, chat, chat_type, text=text, bot_username=BOT, **fields))


def press(conv: Conversation, data: str, user: int = ALICE, chat: int | None = None) -> list:
    return conv.handle(
        Event(user, user if chat is None else chat, callback_data=data, bot_username=BOT)
    )


def payloads(reply: Reply) -> list[str]:
    return [b.data for row in reply.buttons for b in row if b.data]


def test_answer_is_numbered_cited_highlighted_and_valid_html(reports):
    [reply] = say(conversation(reports), "支部书记签了几份责任书？")
    plain, entities = parse_html(reply.text)  # raises like Telegram on broken markup
    assert "[1]" in plain and " › " in plain
    assert any(
        e["type"] == "bold" and "责任书" in plain[e["offset"] : e["offset"] + e["length"]]
        for e in entities
    )


def test_not_found_says_so_without_buttons(reports):
    [reply] = say(conversation(reports), "NBA总决赛冠军是谁")
    assert "没有找到" in reply.text and "/docs" in reply.text
    assert reply.buttons == ()


def test_every_button_payload_fits_and_verifies(reports):
    conv = conversation(reports)
    doc_id = reports.documents()[-1].doc_id
    replies = [
        *say(conv, "作风建设"),
        *say(conv, "/wording 党员发展"),
        *say(conv, "/docs"),
        *say(conv, f"/doc {doc_id}"),
    ]
    data = [d for reply in replies for d in payloads(reply)]
    assert len(data) > 20
    assert all(len(d.encode()) <= 64 and conv.codec.decode(d) for d in data)


def test_next_page_is_rebuilt_from_the_query_log_after_a_restart(reports):
    [first] = say(conversation(reports), "作风建设")
    [next_page] = [d for d in payloads(first) if d.startswith("answer:")]
    [before] = press(conversation(reports), next_page)
    [after] = press(conversation(reports), next_page)  # a new core: nothing kept in memory
    assert before == after and before.edit
    assert "[4]" in before.text and "第 2/2 页" in before.text


@pytest.mark.parametrize("data", ["a:1:0~00000000", "garbage", "", "s:1" + "~" * 70])
def test_tampered_payloads_are_refused(reports, data):
    assert press(conversation(reports), data) == [
        Notice("这个按钮已失效，请重新提问。", alert=True)
    ]


def test_payloads_signed_with_another_key_are_refused(reports):
    [reply] = say(conversation(reports, secret=b"old token"), "作风建设")
    [notice] = press(conversation(reports, secret=b"new token"), payloads(reply)[0])
    assert isinstance(notice, Notice) and "失效" in notice.text


def test_codec_round_trip_with_the_longest_payload():
    codec = CallbackCodec(b"k")
    data = codec.encode(GROUP_SECTION_PAGE, 999_999_999_999, 999_999_999_999, 999_999_999_999)
    assert len(data.encode()) <= 64
    assert codec.decode(data) == (GROUP_SECTION_PAGE, (999_999_999_999,) * 3)
    assert codec.decode(data.replace(f"{GROUP_SECTION_PAGE}:", f"{OUTLINE}:")) is None


def test_buttons_sent_with_single_letter_actions_keep_working():
    codec = CallbackCodec(b"k")
    assert codec.decode(codec.encode("d", 3, 0)) == (OUTLINE, (3, 0))


@pytest.mark.parametrize(
    ("text", "fields", "answered"),
    [
        ("作风建设", {}, False),
        ("作风建设", {"is_reply_to_bot": True}, True),
        (f"@{BOT} 作风建设", {}, True),
        (f"作风建设 @{BOT.upper()}", {}, True),
        ("/ask 作风建设", {}, True),
        (f"/ask@{BOT} 作风建设", {}, True),
        ("/ask@some_other_bot 作风建设", {}, False),
        (None, {}, False),  # a sticker
    ],
)
def test_groups_are_answered_only_when_addressed(reports, text, fields, answered):
    replies = say(conversation(reports), text, chat=GROUP, chat_type="supergroup", **fields)
    assert bool(replies) == answered


def test_group_answers_are_short_and_open_sections_privately(reports):
    [reply] = say(conversation(reports), f"@{BOT} 作风建设", chat=GROUP, chat_type="group")
    assert reply.quote and "[4]" not in reply.text
    sections = [b for row in reply.buttons for b in row if b.text.startswith("📄")]
    assert sections and all(b.start and b.start.startswith("s") and not b.data for b in sections)


def test_denied_user_gets_only_their_id_on_every_path(reports):
    conv = conversation(reports)
    denial = "抱歉，你没有使用权限。你的用户 ID 是 <code>1003</code>，可以发给管理员申请开通。"
    [reply] = say(conv, "作风建设", user=MALLORY)
    assert reply.text == denial
    assert say(conv, "/docs", user=MALLORY) == []  # told once a day
    [notice] = press(conv, payloads(say(conv, "作风建设")[0])[0], user=MALLORY)
    assert notice == Notice(denial, alert=True)  # a button must be answered anyway
    [hint] = conv.handle(Event(MALLORY, None, "inline", inline_query="作风建设"))
    assert hint == InlineButton("没有使用权限", "access")  # explains, posts nothing
    upload = Event(MALLORY + 1, MALLORY + 1, document=Upload("x.txt", 10))
    assert conv.upload_target(upload) is None
    assert conv.handle(upload) == [Reply(denial.replace("1003", "1004"))]


def test_strangers_are_told_once_a_day_within_a_small_budget_for_all(reports):
    now = [0.0]
    conv = Conversation(
        reports,
        parse_settings({"access": {"allowed_users": [ALICE]}}),
        secret=b"k",
        denials=DenialBudget(per_second=1, burst=3, clock=lambda: now[0]),
    )
    told = [bool(say(conv, "作风建设", user=5000 + n)) for n in range(100)]
    assert told == [True] * 3 + [False] * 97  # a crowd gets a burst, not 100 messages
    assert "[1]" in say(conv, "作风建设")[0].text  # members are not held up
    now[0] += 2.0
    assert [bool(say(conv, "你好", user=5000 + n)) for n in (0, 50, 51, 52)] == [
        False,
        True,
        True,
        False,
    ]  # 2 s refill 2 denials; user 5000 was told already
    now[0] += 86_400
    assert say(conv, "你好", user=5000)  # a day later they are told again


def test_members_of_allowed_groups_may_ask_there_only(reports):
    conv = conversation(reports)
    assert (
        "[1]" in say(conv, f"@{BOT} 作风建设", user=MALLORY, chat=GROUP, chat_type="group")[0].text
    )
    assert (
        "没有使用权限"
        in say(conv, f"@{BOT} 作风建设", user=MALLORY, chat=-5, chat_type="group")[0].text
    )


def test_rate_limit_tells_once_then_stays_quiet(reports):
    now = [0.0]
    settings = parse_settings({"access": {"public": True}})
    conv = Conversation(
        reports, settings, secret=b"k", limiter=RateLimiter(2, clock=lambda: now[0])
    )
    assert "[1]" in say(conv, "作风建设")[0].text
    assert "[1]" in say(conv, "党员发展")[0].text
    [slow] = say(conv, "党员发展")
    assert "请 60 秒后再试" in slow.text
    assert say(conv, "党员发展") == []
    now[0] = 61.0
    assert "[1]" in say(conv, "党员发展")[0].text


def test_denied_users_who_keep_trying_are_throttled_too(reports):
    settings = parse_settings(
        {"access": {"allowed_users": [ALICE]}, "bot": {"rate_limit_per_minute": 2}}
    )
    conv = Conversation(reports, settings, secret=b"k")
    replies = [say(conv, "作风建设", user=MALLORY) for _ in range(4)]
    assert [len(r) for r in replies] == [1, 0, 0, 0]  # told once a day, whatever the limit


def test_messages_in_english(reports):
    conv = conversation(reports, bot={"language": "en"})
    assert say(conv, "NBA总决赛冠军是谁")[0].text.startswith("Nothing in the reports matches")
    assert "Only admins" in say(conv, "/stats")[0].text
    assert "Example wording" in say(conv, "/wording 党员发展")[0].text


def test_bot_refuses_to_run_without_access_lists():
    with pytest.raises(ConfigError, match=r"access\.public"):
        Access().require_configured()
    Access(public=True).require_configured()
    Access(admins=frozenset({1})).require_configured()


def test_wording_is_copy_ready_and_has_a_chinese_alias(reports):
    conv = conversation(reports)
    [wording] = say(conv, "/wording 党员发展")
    [alias] = say(conv, "/提法 党员发展")
    assert wording.text == alias.text
    _, entities = parse_html(wording.text)
    assert [e for e in entities if e["type"] == "code"]
    assert "X" in wording.text and "占位符" in wording.text
    copies = [b.copy_text for row in wording.buttons for b in row if b.copy_text]
    assert copies and all(len(c) <= 256 for c in copies)


def test_problems_and_plans_search_only_their_sections(reports):
    conv = conversation(reports)
    for command, kind in (("/problems 党员教育", "problem"), ("/plans 党员教育", "plan")):
        [reply] = say(conv, command)
        assert "只看" in reply.text
        ids = [
            int(d.split(":")[1].split("~")[0]) for d in payloads(reply) if d.startswith("section:")
        ]
        assert ids and {r.kind for r in reports.store.chunks(ids).values()} == {kind}
    assert "用法" in say(conv, "/problems")[0].text


def test_over_long_and_empty_questions_are_not_searched(reports):
    conv = conversation(reports)
    before = reports.stats().queries
    assert "太长" in say(conv, "党" * 600)[0].text
    assert "请直接写下问题" in say(conv, "   ")[0].text
    assert "请直接写下问题" in say(conv, f"@{BOT}", chat=GROUP, chat_type="group")[0].text
    assert reports.stats().queries == before


@pytest.mark.parametrize("argument", ["", "abc", "²", "９", "1" * 30, "-1", "1 2"])
def test_document_numbers_are_checked(reports, argument):
    conv = conversation(reports)
    assert say(conv, f"/doc {argument}")[0].text.startswith("用法：/doc 编号")
    assert say(conv, f"/delete {argument}", user=ADMIN)[0].text.startswith("用法：/delete 编号")


def test_deep_links_open_sections_and_survive_bad_payloads(reports):
    conv = conversation(reports)
    [reply] = say(conv, f"@{BOT} 作风建设", chat=GROUP, chat_type="group")
    payload = reply.buttons[0][0].start
    assert " › " in say(conv, f"/start {payload}")[0].text
    assert "已被删除" in say(conv, "/start s999999999")[0].text
    assert "/wording" in say(conv, "/start s1x")[0].text  # anything else: the help


def test_unknown_commands_and_non_text_get_a_hint(reports):
    conv = conversation(reports)
    assert "没有这个命令：/frobnicate" in say(conv, "/frobnicate now")[0].text
    assert "只能读文字" in say(conv, None)[0].text
    assert "修改过的消息" in say(conv, "作风建设", edited=True)[0].text


def test_admin_commands_need_an_admin(reports):
    conv = conversation(reports)
    for command in ("/delete 1", "/stats", "/unanswered"):
        assert say(conv, command) == [Reply("只有管理员可以使用这个功能。")]
    assert "使用统计" in say(conv, "/stats", user=ADMIN)[0].text
    doc_id = reports.documents()[0].doc_id
    assert "确认删除" in str(say(conv, f"/delete {doc_id}", user=ADMIN)[0].buttons)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\x.txt", "x.txt"),
        ("/etc/passwd", "passwd"),
        (".bashrc.md", "bashrc.md"),
        ("a b/../c.md", "c.md"),
        ("", "upload"),
        ("..", "upload"),
        ("2023年 总结.docx", "2023年_总结.docx"),
        ("x\x00.txt", "x_.txt"),
    ],
)
def test_upload_names_cannot_leave_the_upload_folder(name, safe):
    assert safe_file_name(name) == safe


def test_upload_target_is_inside_the_upload_folder(reports):
    conv = conversation(reports)
    event = Event(ADMIN, ADMIN, document=Upload("../../../etc/cron.d/x.txt", 100))
    target = conv.upload_target(event)
    assert target is not None and target.parent.parent.parent == conv.upload_dir
    assert target.name == "x.txt" and target.parent.parent.name == ".incoming"
    assert conv.upload_target(Event(ADMIN, ADMIN, document=Upload("x.pptx", 100))) is None
    assert conv.upload_target(Event(ADMIN, ADMIN, document=Upload("x.txt", 21 * 2**20))) is None
    assert conv.upload_target(Event(ALICE, ALICE, document=Upload("x.txt", 100))) is None


@given(
    st.lists(
        st.tuples(
            st.text(max_size=30), st.sampled_from(["", "b", "i", "code", "blockquote expandable"])
        ),
        max_size=40,
    ),
    st.integers(min_value=8, max_value=120),
)
def test_split_markup_keeps_tags_balanced_and_pieces_short(segments, limit):
    markup = "".join(
        f"<{tag}>{escape(text)}</{tag.split()[0]}>" if tag else escape(text)
        for text, tag in segments
    )
    pieces = split_markup(markup, limit)
    for piece in pieces:
        plain, _ = parse_html(piece)
        assert utf16_len(plain) <= limit

    def squeezed(text: str) -> str:
        return "".join(text.split())

    assert squeezed("".join(to_plain(p) for p in pieces)) == squeezed(to_plain(markup))


def test_long_sections_fold_and_page_into_valid_messages():
    text = "党建工作 & “责任制”。" * 700
    record = ChunkRecord(1, 1, "报告<标题>", 0, 0, ("一、总体", "（一）细节"), "work", text, ())
    views = Views("zh", CallbackCodec(b"k"), 3)
    first = views.section([record])
    pages = int(parse_html(first.text)[0].split("/", 1)[1].split(" ")[0].split("页")[0])
    assert pages > 1
    shown = []
    for page in range(pages):
        reply = views.section([record], page, edit=page > 0)
        plain, entities = parse_html(reply.text)
        assert utf16_len(plain) <= 4096
        assert any(e["type"] == "expandable_blockquote" for e in entities)
        assert plain.startswith("报告<标题> › 一、总体 › （一）细节")
        shown.append(plain.split("\n", 1)[1])
    assert "".join(shown) == text.replace(" ", "")  # no space stands beside Chinese text


def test_highlight_escapes_and_joins_touching_terms():
    assert (
        highlight("支部书记签订<责任书>&", ["支部书记", "签订", "责任书"])
        == "<b>支部书记签订</b>&lt;<b>责任书</b>&gt;&amp;"
    )


def test_key_sentences_are_short_and_keep_placeholders():
    text = "开头一句。全年发展党员X人，培训XX名。另一件事。" + "党员发展很重要。" * 40
    wording = key_sentences(text, ["党员"])
    assert wording.startswith("全年发展党员X人") and len(wording) <= 220


def test_digest_goes_to_the_configured_chat_only(reports):
    assert conversation(reports).digest() == []
    [reply] = conversation(reports, bot={"digest_chat": -777}).digest()
    assert reply.chat_id == -777 and "每周小结" in reply.text and "使用统计" in reply.text


def test_terminal_numbers_the_buttons_it_can_press(reports):
    conv = terminal_conversation(reports, parse_settings({}))
    text, pressable = render(conv.handle(Event(0, 0, text="作风建设")))
    assert "#1 📄 1" in text and "<b>" not in text
    assert all(b.data for b in pressable)


def test_core_modules_know_nothing_about_telegram():
    folder = Path(__file__).resolve().parents[1] / "bot"
    for name in ("core", "views", "render", "replies", "callbacks", "access", "terminal"):
        tree = ast.parse((folder / f"{name}.py").read_text("utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
        assert not {m for m in imported if m.split(".")[0] in ("telegram", "click")}, name


def test_both_languages_have_every_message_with_the_same_placeholders():
    def placeholders(text: str) -> set[str]:
        return {field for _, field, _, _ in Formatter().parse(text) if field}

    assert MESSAGES["zh"].keys() == MESSAGES["en"].keys()
    for key, text in MESSAGES["zh"].items():
        assert placeholders(text) == placeholders(MESSAGES["en"][key]), key


def test_a_slash_word_that_names_no_command_is_not_taken_as_a_question(reports):
    conv = conversation(reports)
    [reply] = say(conv, "/党建工作 怎么写")
    assert reply.text.startswith("没有这个命令：/党建工作") and "[1]" not in reply.text


def test_terminal_hashes_that_press_no_button_get_a_hint_and_ask_nothing(reports):
    shown: list[str] = []
    repl(
        terminal_conversation(reports, parse_settings({})),
        ["#abc", "作风建设", "#99"],
        shown.append,
    )
    hint = "没有这个按钮：{}。#数字 按下上一条回复里的按钮，发送 /help 查看可用命令。"
    assert shown[0] == hint.format("#abc") and shown[2] == hint.format("#99")
    assert "[1]" in shown[1]
    assert [row.query for row in reports.export_log()] == ["作风建设"]


def test_a_terminal_vote_is_listed_under_the_login_name(reports):
    shown: list[str] = []
    lines = iter(["作风建设"])
    conv = terminal_conversation(reports, parse_settings({}))

    def typed() -> Iterator[str]:
        yield next(lines)
        [number] = re.findall(r"#(\d+) 1👍", shown[-1])  # the first passage's 👍
        yield f"#{number}"

    repl(conv, typed(), shown.append)
    [effect] = reports.vote_effects()
    assert effect.stored.vote.voter == login_name("terminal") != "0"
    assert effect.stored.source == "terminal"


def test_a_section_has_a_button_back_to_its_outline(reports):
    conv = conversation(reports)
    [answer] = say(conv, "作风建设")
    [section] = press(conv, answer.buttons[0][0].data)
    [back] = [b for row in section.buttons for b in row if b.text == "◀ 返回目录"]
    _, (chunk_id,) = CallbackCodec(b"test").decode(answer.buttons[0][0].data)
    doc_id = reports.section(chunk_id)[0].doc_id
    assert CallbackCodec(b"test").decode(back.data) == (OUTLINE, (doc_id, 0))
    [outline] = press(conv, back.data)
    assert outline.text.startswith(f"<b>[{doc_id}] ")


def test_a_passage_that_opens_with_its_heading_is_cited_without_it_again():
    def hit(text: str) -> Hit:
        return Hit(1, 1.0, 7, 1, "报告", ("一、主要工作", "（一）抓学习"), "work", text)

    opens = answer_text("学习", [hit("（一）抓学习\n全年学习12次。")], full=True)
    assert opens.count("（一）抓学习") == 1 and "<i>— 报告 › 一、主要工作</i>" in opens
    inside = answer_text("学习", [hit("全年学习12次。")], full=True)
    assert "<i>— 报告 › 一、主要工作 › （一）抓学习</i>" in inside
    [article] = Views("zh", CallbackCodec(b"k"), 3).articles([hit("（一）抓学习\n全年学习。")])
    assert article.text.count("（一）抓学习") == 1 and article.description.endswith("（一）抓学习")


def test_stray_spaces_inside_chinese_text_are_not_shown():
    text = "落实党建工作责任\u00a0制，形成责 任体系；学习 Word 文档。"
    hit = Hit(1, 1.0, 7, 1, "报告", ("一、主要工作",), "work", text)
    shown = answer_text("责任制", [hit], full=True)
    assert "责任制" in shown and "责任体系" in shown and "学习Word文档" in shown
