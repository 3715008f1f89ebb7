"""The fast segmenter (rjieba) gives jieba's tokens and jieba's dictionary frequencies."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from reportbot.retrieval.formats import read_source
from reportbot.retrieval.segmenter import Segmenter
from reportbot.retrieval.text import normalize
from reportbot.retrieval.tokenizer import is_term

pytest.importorskip("rjieba")
SYNTH = Path(__file__).resolve().parents[2] / "shared" / "tools" / "synth_corpus.py"


@pytest.fixture(scope="module")
def pair() -> tuple[Segmenter, Segmenter]:
    return Segmenter("jieba"), Segmenter("rjieba")


def _lines(paths) -> list[str]:
    return [normalize(line) for path in paths for line in read_source(path).lines if line.strip()]


def _agreement(pair, lines: list[str]) -> float:
    """Share of jieba's index tokens (search mode, HMM, glossary) that rjieba also gives."""
    reference, fast = pair
    total = missing = 0
    for line in lines:
        a = Counter(t for t in reference.cut_for_search(line) if is_term(t.strip()))
        b = Counter(t for t in fast.cut_for_search(line) if is_term(t.strip()))
        total += sum(a.values())
        missing += sum((a - b).values()) + sum((b - a).values())
    return 1 - missing / max(1, total)


def test_tokens_agree_on_seeds_and_samples(pair, seeds):
    samples = resources.files("reportbot.storage.samples")
    with resources.as_file(samples) as folder:
        lines = _lines([*sorted(seeds.iterdir()), *sorted(Path(folder).glob("*.txt"))])
    assert _agreement(pair, lines) >= 0.999


def test_tokens_agree_on_synthetic_reports(pair, tmp_path):
    if not SYNTH.is_file():
        pytest.skip(f"{SYNTH} not found")
    subprocess.run(
        [sys.executable, str(SYNTH), str(tmp_path), "--docs", "60"], check=True, capture_output=True
    )
    assert _agreement(pair, _lines(sorted(tmp_path.glob("*.txt")))) >= 0.999


def test_question_cuts_are_identical(pair):
    reference, fast = pair
    for question in ["支部书记签了几份责任书", "毛病都改完没", "三会一课咋搞的", "x-x号文件"]:
        assert fast.cut(question, hmm=False) == reference.cut(question, hmm=False)
        assert fast.cut_for_search(question, hmm=False) == reference.cut_for_search(
            question, hmm=False
        )


def test_placeholder_runs_split_as_jieba_splits_them(pair):
    reference, fast = pair
    text = "争创省级先进基层党校x-x所"
    assert fast.cut_for_search(text) == reference.cut_for_search(text)


def test_dictionary_frequencies_and_total_are_jiebas(pair):
    reference, fast = pair
    reference.cut("预热")
    table = reference.lexicon.engine.FREQ
    words = random.Random(3).sample(sorted(table), 3000)
    words += ["三会一课", "第一责任人", "签了", "签", "不存在的词语组合", "党建工作责任制"]
    for word in words:
        assert fast.frequency(word) == reference.frequency(word), word
        assert fast.general_frequency(word) == reference.general_frequency(word), word
    assert fast.total == reference.total
