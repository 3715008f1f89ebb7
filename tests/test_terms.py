"""Term rows made at ingest: the fast bigram numbering spells exactly the bigrams search cuts."""

from __future__ import annotations

import pytest

from reportbot.retrieval.boilerplate import BoilerplateFilter
from reportbot.retrieval.formats import DEFAULT_MAX_BYTES
from reportbot.retrieval.pipeline import analyse_file
from reportbot.retrieval.terms import bigram_rows, passage_text, term_rows
from reportbot.retrieval.tokenizer import bigrams


def assert_same_rows(texts: list[str]) -> None:
    expected = term_rows(bigrams(text) for text in texts)
    made = bigram_rows(texts)
    assert made.terms == expected.terms
    assert made.lens.tolist() == expected.lens.tolist()
    assert made.ids.dtype == expected.ids.dtype
    assert made.ids.tolist() == expected.ids.tolist()


def test_a_real_reports_bigram_rows_equal_its_passages_bigrams(seeds):
    for path in sorted(seeds.iterdir()):
        report = analyse_file(path, DEFAULT_MAX_BYTES, BoilerplateFilter())
        assert_same_rows([passage_text(chunk.path, chunk.text) for chunk in report.chunks])


@pytest.mark.parametrize(
    "texts",
    [
        [],
        [""],
        ["x", "a", "！！"],  # no bigram: a placeholder, one letter, punctuation
        ["党建", "", "建党", "党建"],  # no bigram across passages, repeats numbered once
        ["责任 制", "ＡＢ１２", "XX工作x作", "c d"],  # folded, spaces and placeholders break runs
        ["😀😀中", "𠀀𠀁", "\x00ab\x00"],  # code points beyond the BMP, NUL in the text
        ["一、抓作风\n（一）促廉洁\n签订责任书13份"],  # headings and text, a line each
    ],
)
def test_bigram_rows_equal_the_bigrams_of_each_text(texts):
    assert_same_rows(texts)
