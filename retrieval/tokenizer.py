"""Tokenize report text and questions with jieba, tuned for this genre.

Index in search mode so that 党建工作责任制 is also found by 责任制; query in precise mode
plus the same fine sub-words. No generic stopword list: the common ones drop 加强, 坚持,
开展, 问题, which carry meaning here. Only question and function words are dropped, and
placeholders (X, XX, XXX) are never terms.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterable
from importlib import resources

import jieba

from .text import normalize

FUNCTION_WORDS = frozenset(
    ["的", "了", "着", "过", "地", "得", "吗", "呢", "吧", "啊", "呀", "么", "嘛", "哦", "和", "与", "及", "或", "而", "之", "其", "也", "就", "都", "又", "还", "在", "对", "把", "被", "将", "从", "向", "给", "为", "以", "于", "由", "是", "这", "那", "这个", "那个", "这些", "那些", "一个", "一下", "请", "请问", "我", "你", "您", "他", "她", "它", "我们", "你们", "他们", "咱们", "什么", "如何", "怎么", "怎样", "怎么样", "为什么", "哪些", "哪个", "哪里", "哪儿", "哪", "是否", "有没有", "有无", "多少", "几", "几个", "几次", "几份", "几名", "几项", "几场", "几位", "几家", "谁", "啥", "能否", "有", "没有", "指", "是指", "指的是", "可以", "能", "会不会", "是不是", "要不要", "关于", "有关", "一些", "相关", "方面", "提法", "说法", "表述", "写法", "怎么写", "如何写", "范文", "例子", "例句", "示例", "参考", "一句", "句子", "段落", "内容", "资料", "材料"]
)
PLACEHOLDER = re.compile(r"^x+$")
PUNCT_OR_SPACE = re.compile(r"^[\W_]+$")
MAX_PHRASES_PER_DOCUMENT = 300
PHRASE_IN_QUOTES = re.compile(r"[“\"「『]([^”\"」』]{2,12})[”\"」』]|《([^》]{2,24})》")

_init_lock = threading.Lock()
_ready = False
_general_freq: dict[str, int] = {}


def _ensure_jieba() -> None:
    """Load jieba's dictionary and our glossary once, quietly (jieba prints to stderr)."""
    global _ready
    if _ready:
        return
    with _init_lock:
        if _ready:
            return
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        glossary = resources.files(__package__).joinpath("glossary.txt").read_text("utf-8")
        for line in glossary.splitlines():
            word, freq, tag = line.split()
            _general_freq[word] = jieba.dt.FREQ.get(word, 0)
            jieba.add_word(word, int(freq), tag)
        _ready = True


def general_weight(word: str) -> float:
    """Information content of a word in general Chinese: rare words say what a question is about.

    Frequencies come from jieba's dictionary as shipped; the glossary's boosted frequencies
    (there only to keep terms whole) must not make 三会一课 look like a common word.
    """
    _ensure_jieba()
    freq = _general_freq.get(word, jieba.dt.FREQ.get(word, 0))
    return math.log(jieba.dt.total / freq) if freq else math.log(jieba.dt.total)


def is_term(token: str) -> bool:
    """A token worth indexing: not punctuation, not a placeholder, not a function word."""
    return not (
        PUNCT_OR_SPACE.match(token) or PLACEHOLDER.match(token) or token in FUNCTION_WORDS
    )


def tokenize(text: str, phrases: Iterable[str] = ()) -> list[str]:
    """Index tokens of a passage: jieba search mode, plus known phrases it contains whole."""
    _ensure_jieba()
    normalized = normalize(text)
    tokens = [t for t in jieba.cut_for_search(normalized) if is_term(t.strip())]
    return tokens + [p for p in phrases if p in normalized]


def query_words(question: str) -> list[str]:
    """Content words of a question in precise mode (no sub-words), for coverage evidence."""
    _ensure_jieba()
    return [t for t in jieba.lcut(normalize(question)) if is_term(t.strip())]


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
