""" "📄 full section" on a huge section: one message per press, pages that cover it all."""

from __future__ import annotations

from fakebot import parse_html
from telegram_harness import ALICE, BotHarness, button, methods, only


def test_a_600_passage_section_pages_instead_of_flooding(tmp_path):
    paragraphs = [
        f"第{i}项：深化“长廊夜话”机制，" + "推动党建工作与业务工作深度融合，" * 12 + "取得实效。"
        for i in range(600)
    ]
    report = tmp_path / "long.txt"
    report.write_text("某局2024年工作总结\n一、主要工作\n" + "\n".join(paragraphs) + "\n", "utf-8")
    tg = BotHarness(tmp_path, bot={"rate_limit_per_minute": 0})
    try:
        [result] = tg.service.ingest([report])
        assert result.chunks >= 50 and len(tg.service.outline(result.doc_id)[1]) == 1
        answer = only(tg.say("长廊夜话机制"), "sendMessage")
        first = only(tg.press(button(answer, "📄 1")["callback_data"])[1:], "sendMessage")
        pages = []
        current = first
        while True:
            plain = parse_html(current.params["text"])[0]
            pages.append(plain.split("\n", 1)[1])
            if not [
                b
                for row in current.params["reply_markup"]["inline_keyboard"]
                for b in row
                if "下一页" in b["text"]
            ]:
                break
            calls = tg.press(button(current, "下一页")["callback_data"])
            assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
            current = calls[1]
            assert current.error is None
        sent = [c for c in tg.fake.calls("sendMessage") if c.params["chat_id"] == ALICE]
    finally:
        tg.close()
    assert len(sent) == 2  # the answer and the section's first page; every other press edits
    assert 30 <= len(pages) <= 60
    text = "\n".join(pages)
    assert all(p in text for p in paragraphs)
