"""From a question to BM25 candidates over two fields: jieba words and character bigrams.

People ask in everyday words ("一共搞了几回", "一把手") while reports use official ones
("开展…X次", "第一责任人"). Words alone miss whenever the question and the report segment
differently; bigrams alone drown in chance overlaps. Each field has its own BM25 postings
(the same engine), and their scores are fused as a convex combination of max-normalised
scores, which Bruch et al. (2023, "An Analysis of Fusion Functions for Hybrid Retrieval")
found more robust than reciprocal-rank fusion. Question words the reports never use are
expanded through the thesaurus; how much of the question the reports hold is measured
here (QueryAnalysis.coverage) and judged in ranking.py.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .bm25 import BM25Index
from .cues import ASKS_DATE, is_cue_word
from .models import KINDS
from .numbers import CHINESE_DIGITS, number_tokens
from .reference import ReferenceIndex
from .synonyms import Thesaurus
from .terms import StoredField
from .text import normalize, squeeze
from .tokenizer import (
    bigrams,
    general_weight,
    in_dictionary,
    is_proper_name,
    query_tokens,
    query_words,
    question_bigrams,
)

EXPANSION_CREDIT = 0.5  # a synonym or a longer report word standing in for a question word
BIGRAM_CREDIT = 0.6  # a word the reports hold only as scattered bigrams, never whole
MAX_PREFIX_EXPANSIONS = 3
FUSION_DEPTH = 20  # rows fetched from each field before fusing (at least)
CANDIDATE_FACTOR = 4  # fused rows judged per passage shown
WORD_FIELD_WEIGHT = 0.5
MAX_PHRASE = 24
CUE_WEIGHT = 6.0  # 明年, 打算, 不足 point at a section (ranking boosts it), not a topic
KEYNESS_FLOOR = 3.0
KEYNESS_TOPIC = 7.0
FOREIGN_NAME_WEIGHT = 3.0
MAX_JUDGED_WORDS = 50_000


class FieldIndex(BM25Index):
    """A field's index without per-posting weights: the compiled path weighs term frequencies
    as it goes, 3-5 % slower at p50 than reading stored weights, for 4 bytes a posting less
    (~225 B a passage in the word field, ~480 in the bigram one; docs/benchmarks.md)."""

    weighed = False


ENGINES = {"bm25": (FieldIndex, FieldIndex), "rank-bm25": (ReferenceIndex, ReferenceIndex)}


NUMERAL_WORD = re.compile(rf"[\d.%xX]+|[{CHINESE_DIGITS}亿]+")


@dataclass(frozen=True)
class QueryWord:
    """A content word of the question: its rarity, sub-words, stand-ins and corpus presence."""

    word: str
    weight: float
    parts: tuple[str, ...]
    presence: float
    expansions: tuple[str, ...] = ()
    topicality: float = 1.0
    foreign: bool = False  # a proper name the reports never mention
    bigrams: tuple[str, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:  # read for every passage judged: made once
        object.__setattr__(self, "bigrams", tuple(bigrams(self.word)))


@dataclass(frozen=True)
class QueryAnalysis:
    """What the question asks for, as tokens of both fields, and how much the reports hold."""

    question: str
    tokens: tuple[str, ...]
    words: tuple[QueryWord, ...]
    coverage: float
    bigrams: tuple[str, ...] = ()
    numbers: tuple[str, ...] = field(default=())
    total_weight: float = field(init=False, compare=False)

    def __post_init__(self) -> None:  # the denominator of every passage's coverage
        object.__setattr__(self, "total_weight", sum(w.weight for w in self.words))

    @property
    def evidence(self) -> float:
        """How strongly the question's words point at these reports rather than at
        everyday Chinese: their rarity-weighted topicality (0 for a weather question). A
        proper name the reports never mention (成都, 世界杯) weighs FOREIGN_NAME_WEIGHT times.
        Cue words (明年, 打算, 问题) say which section, not what about: they count only when
        the question names nothing else ("明年有啥打算"). A figure names no topic ("1" is
        common here as item numbering): a question of figures alone points nowhere."""
        named = [w for w in self.words if not NUMERAL_WORD.fullmatch(w.word)]
        words = [w for w in named if not is_cue_word(w.word)] or named
        total = sum(w.weight * (FOREIGN_NAME_WEIGHT if w.foreign else 1) for w in words)
        return sum(w.weight * w.topicality for w in words) / total if total else 0.0


class Rows(NamedTuple):
    """Per-row metadata aligned with the BM25 index rows (rows are only ever appended)."""

    chunk_ids: np.ndarray
    doc_ids: np.ndarray
    kinds: np.ndarray
    years: np.ndarray

    @classmethod
    def of(cls, records: Sequence[IndexRow]) -> Rows:
        return cls(
            np.asarray([r[0] for r in records], dtype=np.int64),
            np.asarray([r[1] for r in records], dtype=np.int64),
            np.asarray([KINDS.index(r[2]) for r in records], dtype=np.int8),
            np.asarray([r[3] or 0 for r in records], dtype=np.int32),
        )

    def extended(self, more: Rows) -> Rows:
        return Rows(*(np.concatenate([a, b]) for a, b in zip(self, more, strict=True)))


# (chunk id, doc id, kind, year, word tokens, text the bigram field indexes)
IndexRow = tuple[int, int, str, "int | None", Sequence[str], str]


class Searcher:
    """Word and bigram BM25 indexes over section chunks plus the rows' filter metadata.

    Documents can be added and removed while searches run: rows are appended, deleted
    rows are tombstoned, and every update publishes new arrays in one assignment.
    """

    def __init__(
        self,
        index: BM25Index,
        bigram_index: BM25Index,
        rows: Rows,
        phrases: Iterable[str] = (),
        thesaurus: Thesaurus | None = None,
    ) -> None:
        self.index = index
        self.bigram_index = bigram_index
        self.rows = rows
        self.phrases = frozenset(phrases)
        self.thesaurus = thesaurus or Thesaurus()
        self._lock = threading.Lock()
        self._sorted_vocabulary: list[str] = []
        self._judged: dict[str, QueryWord] = {}
        self._judged_state: tuple = ()
        self._judged_with: tuple = ()

    @classmethod
    def build(
        cls, records: Iterable[IndexRow], phrases: Iterable[str] = (), engine: str = "bm25"
    ) -> Searcher:
        """A searcher over (chunk id, doc id, kind, year, tokens, text) records."""
        records = list(records)
        words, chars = ENGINES[engine]
        return cls(
            words([r[4] for r in records]),
            chars([bigrams(r[5]) for r in records]),
            Rows.of(records),
            phrases,
        )

    @classmethod
    def from_ids(
        cls, rows: Rows, fields: Sequence[StoredField], phrases: Iterable[str] = ()
    ) -> Searcher:
        """A searcher over stored term ids (the word then the bigram field): a rebuild with
        no string per token, both fields at once, since the compiled build runs without the
        GIL."""
        with ThreadPoolExecutor(len(fields)) as pool:
            words, chars = pool.map(lambda f: FieldIndex.from_ids(f.terms, f.ids, f.lens), fields)
        return cls(words, chars, rows, phrases)

    def add(self, records: Iterable[IndexRow], phrases: Iterable[str] = ()) -> None:
        """Make more passages searchable (global BM25 statistics move with them)."""
        records = list(records)
        with self._lock:
            self.rows = self.rows.extended(Rows.of(records))
            self.index.add([r[4] for r in records])
            self.bigram_index.add([bigrams(r[5]) for r in records])
            self.phrases = self.phrases | frozenset(phrases)

    def remove_documents(self, doc_ids: Iterable[int]) -> None:
        """Stop returning these documents' passages."""
        with self._lock:
            rows = np.flatnonzero(np.isin(self.rows.doc_ids, list(doc_ids))).tolist()
            self.index.delete(rows)
            self.bigram_index.delete(rows)

    # question analysis -------------------------------------------------------------

    def analyze(self, question: str) -> QueryAnalysis:
        """Split the question into content words, expand missing ones, measure coverage."""
        normalized = normalize(question)
        phrases = self._phrases_in(normalized)
        words = [
            QueryWord(p, general_weight(p), _parts(p), 1.0, (), 1.0) for p in _longest(phrases)
        ]
        for team_word in self.thesaurus.words_in(squeeze(normalized)):
            if not any(team_word in w.word for w in words):
                words.append(self._judge(team_word))
        for word in _trim_particles(query_words(normalized, self.index.doc_freq)):
            if any(word in w.word for w in words):
                continue
            words.append(self._judge(word))
        order = squeeze(normalized)
        words.sort(key=lambda w: order.find(w.word))
        tokens = [t for w in words for t in (w.word, *w.parts, *w.expansions)]
        tokens += [t for t in query_tokens(normalized) if t not in tokens and _inside(t, words)]
        numbers = tuple(number_tokens(normalized))
        char_tokens = question_bigrams([w.word for w in words], normalized)
        char_tokens += [b for w in words for e in w.expansions for b in bigrams(e)]
        total = sum(w.weight for w in words)
        coverage = sum(w.weight * w.presence for w in words) / total if total else 0.0
        return QueryAnalysis(
            question,
            tuple(dict.fromkeys(tokens + list(numbers))),
            tuple(words),
            coverage,
            tuple(dict.fromkeys(char_tokens)),
            numbers,
        )

    def _judge(self, word: str) -> QueryWord:
        """A question word with the credit the reports give it and its stand-ins, kept until
        the passages, the phrases or the thesaurus change: questions share most words."""
        state = (
            self.index.n_docs,
            self.index.n_alive,
            self.bigram_index.n_docs,
            self.bigram_index.n_alive,
            id(self.phrases),
            id(self.thesaurus),
        )
        if state != self._judged_state or len(self._judged) > MAX_JUDGED_WORDS:
            self._judged, self._judged_state = {}, state
            self._judged_with = (self.phrases, self.thesaurus)  # alive: their ids stay theirs
        judged = self._judged.get(word)
        if judged is None:
            judged = self._judged[word] = self._judge_anew(word)
        return judged

    def _judge_anew(self, word: str) -> QueryWord:
        parts = _parts(word)
        occurs = self.index.doc_freq
        expansions = self.thesaurus.expansions(word, occurs)
        if occurs(word) or word in self.phrases:
            presence = 1.0
        else:
            if not expansions:
                expansions = self._prefix_expansions(word)
            share = sum(1 for p in parts if occurs(p)) / len(parts) if parts else 0.0
            grams = bigrams(word)
            spread = (
                sum(1 for g in grams if self.bigram_index.doc_freq(g)) / len(grams)
                if len(grams) > 1
                else 0.0
            )
            presence = max(share, BIGRAM_CREDIT * spread, EXPANSION_CREDIT if expansions else 0.0)
        topicality = self.topicality(word)
        if not topicality and expansions:
            topicality = EXPANSION_CREDIT * max(map(self.topicality, expansions))
        if not topicality and parts:
            topicality = sum(map(self.topicality, parts)) / len(parts)
        weight = (
            min(general_weight(word), CUE_WEIGHT) if is_cue_word(word) else general_weight(word)
        )
        foreign = not presence and not ASKS_DATE.search(word) and is_proper_name(word)
        return QueryWord(word, weight, parts, presence, expansions, topicality, foreign)

    def topicality(self, term: str) -> float:
        """0–1: how much more often the reports use a term than everyday Chinese does.

        The log ratio of its passage rate here to its rate in jieba's general-Chinese
        dictionary (a per-term form of the query clarity score, Cronen-Townsend et al.
        2002), mapped linearly from KEYNESS_FLOOR (as common as anywhere) to
        KEYNESS_TOPIC (clearly this genre's word). Absent terms are 0.
        """
        df = self.index.doc_freq(term)
        if not df:
            return 0.0
        keyness = math.log(df / self.index.n_alive) + general_weight(term)
        return min(1.0, max(0.0, (keyness - KEYNESS_FLOOR) / (KEYNESS_TOPIC - KEYNESS_FLOOR)))

    def _prefix_expansions(self, word: str) -> tuple[str, ...]:
        """Report words that start with a short word the reports lack (签 → 签订)."""
        if len(word) > 2:
            return ()
        vocabulary = self._sorted_terms()
        start = bisect.bisect_left(vocabulary, word)
        found = []
        for term in vocabulary[start:]:
            if not term.startswith(word):
                break
            if len(term) <= len(word) + 2:
                found.append(term)
        found.sort(key=lambda term: -self.index.doc_freq(term))
        return tuple(found[:MAX_PREFIX_EXPANSIONS])

    def _sorted_terms(self) -> list[str]:
        """The vocabulary in sorted order for prefix look-ups, extended as terms are added."""
        known = len(self._sorted_vocabulary)
        if known < len(self.index.vocabulary):
            new_terms = list(self.index.vocabulary)[known:]
            if known == 0 or len(new_terms) > known // 10:
                self._sorted_vocabulary = sorted(self.index.vocabulary)
            else:
                merged = list(self._sorted_vocabulary)
                for term in new_terms:
                    bisect.insort(merged, term)
                self._sorted_vocabulary = merged
        return self._sorted_vocabulary

    def _phrases_in(self, normalized: str) -> list[str]:
        """Known quoted phrases that occur whole in the question."""
        text = squeeze(normalized)
        return [
            text[i:j]
            for i in range(len(text))
            for j in range(i + 3, min(len(text), i + MAX_PHRASE) + 1)
            if text[i:j] in self.phrases
        ]

    # candidates ------------------------------------------------------------------------

    def candidates(
        self,
        analysis: QueryAnalysis,
        k: int,
        doc_id: int | Sequence[int] | None = None,
        kind: str | None = None,
        year: int | None = None,
        any_kind_in: Sequence[int] = (),
    ) -> list[tuple[int, float]]:
        """Best rows for the question as (chunk_id, fused score), filters applied before top-k.

        The kind filter does not apply to the documents `any_kind_in` names.

        Each field's scores are divided by that field's best score, then mixed; a row one
        field did not return counts 0 there. A row both fields missed is never returned.
        """
        if not analysis.words or self.index.n_alive == 0:
            return []
        rows = self.rows
        mask = _mask(rows, self.index.n_docs, doc_id, kind, year, any_kind_in)
        depth = max(FUSION_DEPTH, k * CANDIDATE_FACTOR)
        fused: dict[int, float] = {}
        for index, query, weight in (
            (self.index, analysis.tokens, WORD_FIELD_WEIGHT),
            (self.bigram_index, analysis.bigrams, 1 - WORD_FIELD_WEIGHT),
        ):
            found = index.top_k(query, depth, mask) if query else []
            best = max((score for _, score in found), default=0.0)
            for row, score in found:  # matched by a shared token, even where BM25 gives
                # 0 or less (a term in half the rows or more; a corpus of one passage)
                fused[row] = fused.get(row, 0.0) + (weight * score / best if best > 0 else 0.0)
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        ranked = ranked[: k * CANDIDATE_FACTOR]
        return [(int(rows.chunk_ids[row]), score) for row, score in ranked]


def _mask(
    rows: Rows,
    n: int,
    doc_id: int | Sequence[int] | None,
    kind: str | None,
    year: int | None,
    any_kind_in: Sequence[int] = (),
) -> np.ndarray | None:
    """Filters as a boolean row mask, applied before top-k rather than by over-fetching."""
    if doc_id is None and kind is None and year is None:
        return None
    mask = np.ones(n, dtype=bool)
    if doc_id is not None:
        mask &= np.isin(rows.doc_ids[:n], doc_id)  # one report, or several
    if kind is not None:
        mask &= (rows.kinds[:n] == KINDS.index(kind)) | np.isin(rows.doc_ids[:n], any_kind_in)
    if year is not None:
        mask &= rows.years[:n] == year
    return mask


def _parts(word: str) -> tuple[str, ...]:
    """Search-mode sub-words of a word (党建工作责任制 → 党建, 责任制 …)."""
    return tuple(t for t in query_tokens(word) if t != word)


def _inside(token: str, words: Sequence[QueryWord]) -> bool:
    """A search-mode token that belongs to a content word (not to dropped filler)."""
    return any(token in w.word for w in words)


def _longest(phrases: Sequence[str]) -> list[str]:
    """Matched phrases that are not part of a longer matched phrase."""
    return [p for p in dict.fromkeys(phrases) if not any(p != q and p in q for q in phrases)]


def _trim_particles(words: list[str]) -> list[str]:
    """Drop aspect particles jieba glues onto verbs in questions (签了 → 签)."""
    trimmed = []
    for word in words:
        if len(word) == 2 and word[1] in "了着过" and not in_dictionary(word):
            word = word[0]
        if word.startswith(("多少", "几")) and len(word) <= 3:
            continue
        trimmed.append(word)
    return trimmed
