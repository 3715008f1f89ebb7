"""Tokenize report text and questions with jieba, tuned for this genre.

Index in search mode so that 党建工作责任制 is also found by 责任制; query in precise mode
plus the same fine sub-words. No generic stopword list: the common ones drop 加强, 坚持,
开展, 问题, which carry meaning here. Only question and function words are dropped, and
placeholders (X, XX, XXX) are never terms.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from importlib import resources

from .numbers import number_tokens
from .segmenter import proper_names, segmenter
from .text import normalize

FUNCTION_WORDS = frozenset(
    [
        "的",
        "了",
        "着",
        "过",
        "地",
        "得",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "么",
        "嘛",
        "哦",
        "和",
        "与",
        "及",
        "或",
        "而",
        "之",
        "其",
        "也",
        "就",
        "都",
        "又",
        "还",
        "在",
        "对",
        "把",
        "被",
        "将",
        "从",
        "向",
        "给",
        "为",
        "以",
        "于",
        "由",
        "是",
        "这",
        "那",
        "这个",
        "那个",
        "这些",
        "那些",
        "一个",
        "一下",
        "请",
        "请问",
        "我",
        "你",
        "您",
        "他",
        "她",
        "它",
        "我们",
        "你们",
        "他们",
        "咱们",
        "什么",
        "如何",
        "怎么",
        "怎样",
        "怎么样",
        "为什么",
        "哪些",
        "哪个",
        "哪里",
        "哪儿",
        "哪",
        "是否",
        "有没有",
        "有无",
        "多少",
        "几",
        "几个",
        "几次",
        "几份",
        "几名",
        "几项",
        "几场",
        "几位",
        "几家",
        "谁",
        "啥",
        "能否",
        "有",
        "没有",
        "指",
        "是指",
        "指的是",
        "可以",
        "能",
        "会不会",
        "是不是",
        "要不要",
        "关于",
        "有关",
        "一些",
        "相关",
        "方面",
        "提法",
        "说法",
        "表述",
        "写法",
        "怎么写",
        "如何写",
        "范文",
        "例子",
        "例句",
        "示例",
        "参考",
        "一句",
        "句子",
        "段落",
        "内容",
        "资料",
        "材料",
    ]
)
# Everyday words that carry no topic in a question ("一共搞了几回", "咋弄的"), dropped from
# questions only: reports never use them, so as rare words they would dominate the query.
QUESTION_FILLER = frozenset(
    word
    for line in resources.files(__package__).joinpath("filler.txt").read_text("utf-8").splitlines()
    if (word := line.strip()) and not word.startswith("#")
)
PLACEHOLDER = re.compile(r"^x+$")
CJK_PAIR = re.compile(r"[\u4e00-\u9fff]{2}")
PUNCT_OR_SPACE = re.compile(r"^[\W_]+$")
WORD_RUN = re.compile(r"[^\W_x]+")
MAX_PHRASES_PER_DOCUMENT = 300
PHRASE_IN_QUOTES = re.compile(r"[“\"「『]([^”\"」』]{2,12})[”\"」』]|《([^》]{2,24})》")


def general_weight(word: str) -> float:
    """Information content of a word in general Chinese: rare words say what a question is about.

    Frequencies come from jieba's dictionary as shipped; the glossary's boosted frequencies
    (there only to keep terms whole) must not make 三会一课 look like a common word. A word
    the dictionary lacks counts as seen once.
    """
    freq = segmenter.general_frequency(word)
    if not freq and len(word) == 2 and CJK_PAIR.fullmatch(word):
        # two characters joined by the reports' vocabulary: as informative as their mean
        return sum(map(general_weight, word)) / 2
    return math.log(segmenter.total / (freq or 1))


LATIN_WORD = re.compile(r"[a-z]{2,}")


def is_proper_name(word: str) -> bool:
    """A place, brand or other proper name by jieba's dictionary tags (ns, nz), or a
    Latin-letter word (英语, 成都, 世界杯, excel). Asked about but absent from the reports,
    such a name says the question is about somewhere or something else."""
    return bool(LATIN_WORD.fullmatch(word)) or word in proper_names


def in_dictionary(word: str) -> bool:
    """Whether jieba's dictionary knows the word or a longer word starting with it."""
    return segmenter.frequency(word) is not None


def dictionary_count(word: str) -> int:
    """The word's count in jieba's dictionary (glossary included), 0 when it has none."""
    return segmenter.frequency(word) or 0


@lru_cache(maxsize=1 << 16)
def is_term(token: str) -> bool:
    """A token worth indexing: not punctuation, not a placeholder, not a function word.

    Cached: a corpus repeats a few thousand tokens, and two pattern matches per token cost
    more than segmenting."""
    return not (PUNCT_OR_SPACE.match(token) or PLACEHOLDER.match(token) or token in FUNCTION_WORDS)


class _CutTerms(dict):
    """is_term of tokens as cut (white space around them ignored), remembered: filtering a
    passage's tokens is then one dict lookup per token at C speed, a third of calling is_term."""

    def __missing__(self, token: str) -> bool:
        if len(self) >= 1 << 16:  # a bound, as is_term's cache has
            self.clear()
        judged = self[token] = is_term(token.strip())
        return judged


_cut_terms = _CutTerms()


def _terms_of(tokens: Iterable[str]) -> list[str]:
    """The tokens worth indexing, in order."""
    return list(filter(_cut_terms.__getitem__, tokens))


def tokenize(text: str, phrases: Iterable[str] = ()) -> list[str]:
    """Index tokens of a passage: jieba search mode, plus known phrases it contains whole."""
    return tokenize_normalized(normalize(text), phrases)


def tokenize_normalized(normalized: str, phrases: Iterable[str] = ()) -> list[str]:
    """tokenize() of text normalize() has made (ingest normalises each passage once)."""
    tokens = _terms_of(segmenter.cut_for_search(normalized))
    # phrases come as a set: sorted, so the same report always gets the same tokens (and ids)
    return tokens + number_tokens(normalized) + sorted(p for p in phrases if p in normalized)


def query_words(question: str, known: Callable[[str], bool] | None = None) -> list[str]:
    """Content words of a question in precise mode, without jieba's HMM.

    The HMM invents words from unknown character runs (工作中有哪些 → 工作 / 中有 / 哪些);
    such a "word" is absent from the reports, looks maximally rare and would dominate the
    question. Without it unknown runs fall apart into dictionary words and characters;
    two neighbouring characters that the reports use as a word (`known`) are joined again
    (应知应会 → 应知 / 应会).
    """
    segments = _segments(normalize(question))
    if known is not None:
        segments = _joined(segments, known)
    return [w for w in segments if is_question_term(w)]


def _joined(segments: Sequence[str], known: Callable[[str], bool]) -> list[str]:
    """Adjacent single characters merged left to right where the pair is a known word."""
    out: list[str] = []
    for segment in segments:
        if out and len(out[-1]) == 1 and len(segment) == 1 and known(out[-1] + segment):
            out[-1] += segment
        else:
            out.append(segment)
    return out


@lru_cache(maxsize=256)
def _segments(normalized: str) -> tuple[str, ...]:
    """HMM-free precise tokens of a question, cached: content words and bigram spans are
    both read from the same segmentation."""
    return tuple(t.strip() for t in segmenter.cut(normalized, hmm=False) if t.strip())


def query_tokens(text: str) -> list[str]:
    """Search-mode tokens of question text, as passages are indexed but without the HMM."""
    return _terms_of(segmenter.cut_for_search(normalize(text), hmm=False))


def is_question_term(token: str) -> bool:
    """A question token that says what is asked about (function words and filler dropped)."""
    return is_term(token) and token not in QUESTION_FILLER


def bigrams(text: str) -> list[str]:
    """Character bigrams of text, within runs of letters and digits (punctuation breaks them).

    The second search field: a bigram matches wherever a word does and also where the
    question and the report segment differently (整改完毕 / 改完), the usual way to make
    Chinese retrieval robust to segmentation. Placeholders (X, XX) make no bigrams.
    """
    # interned: an index build holds every passage's bigrams at once, mostly repeats
    intern = sys.intern
    runs = word_runs(normalize(text).replace(" ", ""))
    return [intern(run[i : i + 2]) for run in runs for i in range(len(run) - 1)]


def word_runs(compact: str) -> list[str]:
    """The runs bigrams are cut from in normalised text without spaces (compact_form):
    letters and digits, placeholders out."""
    return WORD_RUN.findall(compact)


def question_bigrams(words: Iterable[str], question: str) -> list[str]:
    """Bigrams of the question's content: inside its content spans, filler cut out.

    Spans are maximal runs of consecutive content words in the question, so 改完 of
    "毛病都改完没" is kept while bigrams bridging a dropped filler word (都改) are not.
    """
    content = set(words)
    spans, current = [], []
    for token in _segments(normalize(question)):
        if token in content:
            current.append(token)
        elif current:
            spans.append("".join(current))
            current = []
    if current:
        spans.append("".join(current))
    return [b for span in spans for b in bigrams(span)]


def harvest_phrases(text: str) -> set[str]:
    """Quoted terms and 《titles》 a report defines, used as extra whole-phrase tokens.

    Capped per document: every passage is checked against its document's phrases, and a
    real report defines a few dozen; a file of thousands would make ingest quadratic.
    """
    found: dict[str, None] = {}
    for quoted, titled in PHRASE_IN_QUOTES.findall(text):
        phrase = normalize(quoted or titled)
        if len(phrase) >= 3 and not PLACEHOLDER.match(phrase.replace(" ", "")):
            found[phrase] = None
            if len(found) == MAX_PHRASES_PER_DOCUMENT:
                break
    return set(found)
