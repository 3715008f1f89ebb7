"""Compare, reuse, figures and drafts in chat, through the fake Bot API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from telegram_harness import BotHarness, button, methods

SAMPLES = Path(__file__).resolve().parents[1] / "storage" / "samples"


@pytest.fixture
def tg(tmp_path):
    """The bot over the seeds plus the sample organisation's three years."""
    harness = BotHarness(tmp_path)
    results = harness.service.ingest(sorted(SAMPLES.glob("sample_tax_bureau_*.txt")))
    assert {r.status for r in results} == {"added"}
    yield harness
    harness.close()


def sent_texts(calls) -> list[str]:
    return [c.params["text"] for c in calls if c.method == "sendMessage"]


def test_compare_shows_years_newest_first_and_what_repeats(tg):
    [text] = sent_texts(tg.say("/compare 存在的问题 学习效果不够均衡"))
    assert "青岚县税务局机关党委" in text
    assert text.index("2024年") < text.index("2023年") < text.index("2022年")
    assert "🔁 与2023年原文相同" in text and "🆕 新内容" in text


def test_a_how_many_question_gets_a_figures_line_after_the_passages(tg):
    answer, figures = sent_texts(tg.say("一共开展了多少次主题党日"))
    assert "[1]" in answer
    assert figures.startswith("📊") and "90次" in figures and "84次" in figures
    assert "不合计" in figures  # a seed or sample writes XX次
    assert len(sent_texts(tg.say("捐款金额一共是多少"))) == 2
    assert len(sent_texts(tg.say("党员发展有哪些做法"))) == 1


def test_reuse_from_the_outline_button(tg):
    doc_id = next(
        d.doc_id for d in tg.service.documents() if d.title.startswith("青岚县税务局机关党委2024")
    )
    outline = tg.say(f"/doc {doc_id}")[0]
    [text] = sent_texts(tg.press(button(outline, "🔁")["callback_data"]))
    assert "与更早的报告一字不差" in text and "学习效果不够均衡" in text
    assert "%" in sent_texts(tg.say(f"/reuse {doc_id}"))[0]


def test_picked_passages_come_back_as_a_docx(tg):
    answer = tg.say("/draft 党风廉政建设责任书")[0]
    pressed = tg.press(button(answer, "➕ 1")["callback_data"])
    assert "已加入草稿（共 1 段）" in pressed[0].params["text"]
    tg.press(button(answer, "➕ 2")["callback_data"])
    calls = tg.press(button(answer, "📝")["callback_data"])
    assert "sendDocument" in methods(calls)
    sent = next(c for c in calls if c.method == "sendDocument")
    assert sent.error is None
    document = Document(io.BytesIO(sent.files["document"].content))
    assert sum(p.text.startswith("— 出处：") for p in document.paragraphs) == 2
    again = tg.press(button(answer, "📝")["callback_data"])  # the picks were used up
    assert "草稿里还没有段落" in again[0].params["text"]


def test_reuse_of_an_unknown_report_says_so_and_the_chat_goes_on(tg):
    [text] = sent_texts(tg.say("/reuse 99"))
    assert "99" in text and "/docs" in text
    assert sent_texts(tg.say("/docs"))
