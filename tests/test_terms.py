"""Term rows made at ingest: the fast bigram numbering spells exactly the bigrams search cuts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reportbot.retrieval.boilerplate import BoilerplateFilter
from reportbot.retrieval.formats import DEFAULT_MAX_BYTES
from reportbot.retrieval.models import Chunk
from reportbot.retrieval.pipeline import analyse_file
from reportbot.retrieval.terms import index_terms, term_rows
from reportbot.retrieval.text import compact_form
from reportbot.retrieval.tokenizer import bigrams


def assert_bigram_rows_are_the_bigrams(chunks: list[Chunk]) -> None:
    """Both as the ingest worker makes them and as a migration does (no compact form stored)."""
    expected = term_rows(bigrams("\n".join((*chunk.path, chunk.text))) for chunk in chunks)
    for passages in (chunks, [replace(chunk, compact="") for chunk in chunks]):
        made = index_terms(passages)[1]
        assert made.terms == expected.terms
        assert made.lens.tolist() == expected.lens.tolist()
        assert made.ids.dtype == expected.ids.dtype
        assert made.ids.tolist() == expected.ids.tolist()


def test_a_real_reports_bigram_rows_are_its_passages_bigrams(seeds):
    for path in sorted(seeds.iterdir()):
        report = analyse_file(path, DEFAULT_MAX_BYTES, BoilerplateFilter())
        assert_bigram_rows_are_the_bigrams(list(report.chunks))


@pytest.mark.parametrize(
    "passages",
    [
        [],
        [((), "")],
        [((), "x"), ((), "a"), (("！",), "！！")],  # no bigram: placeholder, one letter, marks
        [((), "党建"), ((), ""), ((), "建党"), ((), "党建")],  # none across passages; repeats
        [(("一、抓作风", "（一）促廉洁"), "签订责任书13份")],  # headings run into the text
        [(("责任 制",), "ＡＢ１２"), ((" c ",), "XX工作x作 d\u3000e\u00a0f")],  # folded, spaces
        [(("😀😀中",), "𠀀𠀁"), (("\x00a",), "b\x00c")],  # beyond the BMP; NUL in the text
        [(("ΣΑΣ", "e"), "\u0301Σ İ abc")],  # final sigma, a combining mark after a heading
    ],
)
def test_bigram_rows_are_the_bigrams_of_each_passage(passages):
    assert_bigram_rows_are_the_bigrams(
        [Chunk(0, path, "body", text, compact=compact_form(text)) for path, text in passages]
    )


def test_a_reports_phrases_give_the_same_tokens_in_any_order():
    from reportbot.retrieval.tokenizer import tokenize_normalized

    text = "开展“三会一课”和“主题党日”活动"
    phrases = ["“三会一课”", "“主题党日”", "三会一课", "主题党日"]
    assert tokenize_normalized(text, phrases) == tokenize_normalized(text, phrases[::-1])
