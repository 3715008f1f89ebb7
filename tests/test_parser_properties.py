"""Property: for any text, parsing never raises and loses or duplicates no character."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportbot.retrieval.chunker import chunk_sections
from reportbot.retrieval.formats import SourceText
from reportbot.retrieval.parser import parse_report

PIECES = st.sampled_from(
    [
        "一、",
        "二、",
        "（一）",
        "（二）",
        "1.",
        "（1）",
        "一是",
        "二是",
        "。",
        "，",
        "；",
        "\n",
        "\n\n",
        "工作总结",
        "存在问题",
        "下一步打算",
        "加强学习",
        "X",
        "XX",
        " ",
        "QQ123456",
        "会员群",
        "责任 制",
        "“三会一课”",
        "《条例》",
        "<b>",
        "&amp;",
        "🙂",
        "שלום",
        "\t",
        "2023年",
    ]
)
TEXTS = st.one_of(
    st.lists(PIECES, max_size=80).map("".join),
    st.text(max_size=400),
)


def characters(*texts: str) -> Counter:
    return Counter(ch for text in texts for ch in text if not ch.isspace())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_every_character_lands_exactly_once(text):
    lines = tuple(text.splitlines())
    report = parse_report(SourceText(lines, "txt", {}), "fallback.txt")
    chunks = chunk_sections(report.sections)
    title = () if report.title == "fallback" else (report.title,)
    assert characters(*lines) == characters(
        *title, *report.removed_lines, *report.path_only_headings, *(c.text for c in chunks)
    )
    assert all(len(c.text) <= 800 for c in chunks)
