"""From a question to cited passages: BM25 candidates, relevance evidence, de-duplication.

BM25 scores are not comparable across questions, so whether the reports cover a question
at all is decided from corpus-level evidence: how much of the question's content (each
word weighted by its rarity in general Chinese, from jieba's dictionary) occurs in the
reports at all, and whether its most telling (rarest) word does. A weather or recipe
question shares only common words with the reports; an in-domain one shares its rare words. Passages are then kept only if they carry a fair
share of that content themselves, so an answer is never padded with noise.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

import jieba
import numpy as np

from .bm25 import BM25Index
from .models import KINDS, Hit
from .reference import ReferenceIndex
from .text import normalize, squeeze
from .tokenizer import general_weight, is_term, query_words, tokenize

MIN_CORPUS_COVERAGE = 0.5
MIN_PASSAGE_COVERAGE = 0.3
RELATIVE_PASSAGE_COVERAGE = 0.6
EXPANSION_CREDIT = 0.5
MAX_EXPANSIONS = 3
CANDIDATE_FACTOR = 3
DUPLICATE_SIMILARITY = 0.7
MAX_PHRASE = 24
ENGINES = {"bm25": BM25Index, "rank-bm25": ReferenceIndex}
COORD_POWER = 2
PROXIMITY_GAP = 3
PROXIMITY_WEIGHT = 0.5
DEFINITION_BOOST = 1.5
ASKS_DEFINITION = re.compile(r"哪些|哪几|是什么|什么是|指什么|包括|包含|内容是|具体是")


@dataclass(frozen=True)
class QueryWord:
    """A content word of the question, its rarity weight and its search-mode sub-tokens."""

    word: str
    weight: float
    parts: tuple[str, ...]
    presence: float


@dataclass(frozen=True)
class QueryAnalysis:
    """What the question asks for, and how much of it the reports contain."""

    question: str
    tokens: tuple[str, ...]
    words: tuple[QueryWord, ...]
    coverage: float

    @property
    def answerable(self) -> bool:
        """Whether the reports hold enough of the question, its most telling word included."""
        if not self.words or self.coverage < MIN_CORPUS_COVERAGE:
            return False
        topic = max(self.words, key=lambda w: w.weight)
        return topic.presence >= EXPANSION_CREDIT


@dataclass(frozen=True)
class Candidate:
    """A passage fetched for a BM25 candidate row, with what is needed to judge and cite it."""

    chunk_id: int
    score: float
    doc_id: int
    doc_title: str
    section_path: tuple[str, ...]
    kind: str
    text: str
    tokens: frozenset[str]

    @cached_property
    def compact(self) -> str:
        """The text as search sees it: normalised, no white space."""
        return squeeze(normalize(self.text))

    @cached_property
    def shingles(self) -> frozenset[str]:
        """4-character shingles, for near-duplicate detection."""
        return frozenset(self.compact[i : i + 4] for i in range(max(1, len(self.compact) - 3)))


class Rows(NamedTuple):
    """Per-row metadata aligned with the BM25 index rows (rows are only ever appended)."""

    chunk_ids: np.ndarray
    doc_ids: np.ndarray
    kinds: np.ndarray
    years: np.ndarray

    @classmethod
    def of(cls, records: Sequence[tuple[int, int, str, int | None]]) -> Rows:
        return cls(
            np.asarray([r[0] for r in records], dtype=np.int64),
            np.asarray([r[1] for r in records], dtype=np.int64),
            np.asarray([KINDS.index(r[2]) for r in records], dtype=np.int8),
            np.asarray([r[3] or 0 for r in records], dtype=np.int32),
        )

    def extended(self, more: Rows) -> Rows:
        return Rows(*(np.concatenate([a, b]) for a, b in zip(self, more, strict=True)))


IndexRow = tuple[int, int, str, "int | None", Sequence[str]]


class Searcher:
    """BM25 index over section chunks plus the metadata needed for filters and evidence.

    Documents can be added and removed while searches run: rows are appended, deleted
    rows are tombstoned, and every update publishes new arrays in one assignment.
    """

    def __init__(self, index: BM25Index, rows: Rows, phrases: Iterable[str] = ()) -> None:
        self.index = index
        self.rows = rows
        self.phrases = frozenset(phrases)
        self._lock = threading.Lock()
        self._sorted_vocabulary: list[str] = []

    @classmethod
    def build(cls, records: Iterable[IndexRow], phrases: Iterable[str] = (),
              engine: str = "bm25") -> Searcher:
        """A searcher over (chunk id, doc id, kind, year, tokens) records."""
        records = list(records)
        return cls(ENGINES[engine]([r[4] for r in records]), Rows.of(records), phrases)

    def add(self, records: Iterable[IndexRow], phrases: Iterable[str] = ()) -> None:
        """Make more passages searchable (global BM25 statistics move with them)."""
        records = list(records)
        with self._lock:
            self.rows = self.rows.extended(Rows.of(records))
            self.index.add([r[4] for r in records])
            self.phrases = self.phrases | frozenset(phrases)

    def remove_documents(self, doc_ids: Iterable[int]) -> None:
        """Stop returning these documents' passages."""
        with self._lock:
            rows = np.flatnonzero(np.isin(self.rows.doc_ids, list(doc_ids)))
            self.index.delete(rows.tolist())

    def analyze(self, question: str) -> QueryAnalysis:
        """Tokenize the question and measure how much of it the reports contain."""
        normalized = normalize(question)
        phrases = self._phrases_in(normalized)
        tokens = [t for t in tokenize(normalized, phrases) if is_term(t)]
        words = [QueryWord(p, general_weight(p), _parts(p), 1.0) for p in _longest(phrases)]
        for word in _trim_particles(query_words(normalized)):
            if any(word in w.word for w in words):
                continue
            parts = _parts(word)
            presence = self._presence(word, parts)
            expansions = self._expansions(word) if presence == 0 else []
            if expansions:
                tokens.extend(expansions)
                presence = EXPANSION_CREDIT
            words.append(QueryWord(word, general_weight(word), parts, presence))
        words.sort(key=lambda w: squeeze(normalized).find(w.word))
        tokens.extend(t for t in (w.word for w in words) if t not in tokens)
        total = sum(w.weight for w in words)
        coverage = sum(w.weight * w.presence for w in words) / total if total else 0.0
        return QueryAnalysis(question, tuple(tokens), tuple(words), coverage)

    def candidates(
        self,
        analysis: QueryAnalysis,
        k: int,
        doc_id: int | None = None,
        kind: str | None = None,
        year: int | None = None,
    ) -> list[tuple[int, float]]:
        """Best BM25 rows for the question as (chunk_id, score), filters applied before top-k."""
        if not analysis.answerable or self.index.n_alive == 0:
            return []
        rows = self.rows
        mask = _mask(rows, self.index.n_docs, doc_id, kind, year)
        found = self.index.top_k(analysis.tokens, k * CANDIDATE_FACTOR, mask)
        return [(int(rows.chunk_ids[row]), score) for row, score in found]

    def _presence(self, word: str, parts: tuple[str, ...]) -> float:
        """1 if the reports hold the word, else the share of its sub-words they hold."""
        if self.index.doc_freq(word) or word in self.phrases:
            return 1.0
        if not parts:
            return 0.0
        return sum(1 for p in parts if self.index.doc_freq(p)) / len(parts)

    def _expansions(self, word: str) -> list[str]:
        """Report words that start with a word the reports lack (签 → 签订), most frequent first."""
        if len(word) > 2:
            return []
        vocabulary = self._sorted_terms()
        start = bisect.bisect_left(vocabulary, word)
        found = []
        for term in vocabulary[start:]:
            if not term.startswith(word):
                break
            if len(term) <= len(word) + 2:
                found.append(term)
        found.sort(key=lambda term: -self.index.doc_freq(term))
        return found[:MAX_EXPANSIONS]

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


def _mask(rows: Rows, n: int, doc_id: int | None, kind: str | None,
          year: int | None) -> np.ndarray | None:
    """Filters as a boolean row mask, applied before top-k rather than by over-fetching."""
    if doc_id is None and kind is None and year is None:
        return None
    mask = np.ones(n, dtype=bool)
    if doc_id is not None:
        mask &= rows.doc_ids[:n] == doc_id
    if kind is not None:
        mask &= rows.kinds[:n] == KINDS.index(kind)
    if year is not None:
        mask &= rows.years[:n] == year
    return mask


def select_passages(analysis: QueryAnalysis, candidates: Sequence[Candidate], k: int) -> list[Hit]:
    """Keep passages that carry enough of the question, collapse near-duplicates, rank them.

    The final score is BM25 times the square of the passage's coverage of the question (a
    rarity-weighted coordination factor, as in Lucene's classic `coord`): a passage that
    answers every part of the question beats one that repeats a single word many times.
    Question words that stand together in the passage as in the question add a proximity
    bonus (as term-proximity BM25 variants do).
    A question asking what a term covers ("六大行动是哪些") prefers the passage that spells
    it out ("A、B、C等“六大行动”", "“三联四共”，即…").
    """
    judged = [(passage_coverage(analysis, c), c) for c in candidates]
    if not judged:
        return []
    best = max(coverage for coverage, _ in judged)
    floor = max(MIN_PASSAGE_COVERAGE, RELATIVE_PASSAGE_COVERAGE * best)
    proximity, definition = _proximity_patterns(analysis), _definition_pattern(analysis)
    kept = sorted(
        ((c.score * coverage**COORD_POWER * _proximity_boost(proximity, c)
          * (DEFINITION_BOOST if definition and definition.search(c.compact) else 1.0), c)
         for coverage, c in judged if coverage >= floor),
        key=lambda pair: -pair[0],
    )
    hits: list[Hit] = []
    shown: list[Candidate] = []
    for score, candidate in kept:
        twin = next((i for i, other in enumerate(shown) if _near_duplicate(candidate, other)),
                    None)
        if twin is not None:
            hits[twin] = replace(hits[twin], also_in=(*hits[twin].also_in, candidate.doc_title))
            continue
        if len(hits) == k:
            continue
        shown.append(candidate)
        hits.append(
            Hit(
                rank=len(hits) + 1,
                score=round(score, 4),
                chunk_id=candidate.chunk_id,
                doc_id=candidate.doc_id,
                doc_title=candidate.doc_title,
                section_path=candidate.section_path,
                kind=candidate.kind,
                text=candidate.text,
                matched_terms=matched_terms(analysis, candidate),
            )
        )
    return hits


def passage_coverage(analysis: QueryAnalysis, candidate: Candidate) -> float:
    """Share of the question's weighted content words found in this passage."""
    total = sum(w.weight for w in analysis.words)
    if not total:
        return 0.0
    found = 0.0
    for word in analysis.words:
        if word.word in candidate.tokens:
            found += word.weight
        elif word.parts:
            share = sum(1 for p in word.parts if p in candidate.tokens) / len(word.parts)
            found += word.weight * share
        elif any(t.startswith(word.word) for t in candidate.tokens if len(t) > len(word.word)):
            found += word.weight * EXPANSION_CREDIT
    return found / total


def matched_terms(analysis: QueryAnalysis, candidate: Candidate) -> tuple[str, ...]:
    """Question tokens visible in the passage text, longest first, for highlighting."""
    terms = {t for t in analysis.tokens if t in candidate.tokens and t in candidate.compact}
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


def _proximity_patterns(analysis: QueryAnalysis) -> list[tuple[re.Pattern, float]]:
    """One pattern per pair of neighbouring question words, with the pair's weight."""
    return [
        (re.compile(f"{re.escape(a.word)}.{{0,{PROXIMITY_GAP}}}{re.escape(b.word)}"),
         min(a.weight, b.weight))
        for a, b in zip(analysis.words, analysis.words[1:], strict=False)
    ]


def _proximity_boost(patterns: list[tuple[re.Pattern, float]], candidate: Candidate) -> float:
    """Reward passages where neighbouring question words stand together, as in the question."""
    if not patterns:
        return 1.0
    near = sum(weight for pattern, weight in patterns if pattern.search(candidate.compact))
    return 1.0 + PROXIMITY_WEIGHT * near / sum(weight for _, weight in patterns)


def _definition_pattern(analysis: QueryAnalysis) -> re.Pattern | None:
    """For "是哪些/指什么" questions: a term enumerated ("A、B等“X”") or explained ("X，即…")."""
    terms = [re.escape(w.word) for w in analysis.words if len(w.word) >= 2]
    if not terms or not ASKS_DEFINITION.search(analysis.question):
        return None
    term = "(?:" + "|".join(terms) + ")"
    return re.compile(rf"、[^。；]{{1,40}}等[“\"「]?{term}|{term}[”\"」]?[^。；]{{0,8}}(，即|:|是指|包括)")


def _parts(word: str) -> tuple[str, ...]:
    """Search-mode sub-words of a word (党建工作责任制 → 党建, 责任制 …)."""
    return tuple(t for t in jieba.cut_for_search(word) if is_term(t) and t != word)


def _longest(phrases: Sequence[str]) -> list[str]:
    """Matched phrases that are not part of a longer matched phrase."""
    return [p for p in dict.fromkeys(phrases) if not any(p != q and p in q for q in phrases)]


def _trim_particles(words: list[str]) -> list[str]:
    """Drop aspect particles jieba glues onto verbs in questions (签了 → 签)."""
    trimmed = []
    for word in words:
        if len(word) == 2 and word[1] in "了着过" and word not in jieba.dt.FREQ:
            word = word[0]
        if word.startswith(("多少", "几")) and len(word) <= 3:
            continue
        trimmed.append(word)
    return trimmed


def _near_duplicate(candidate: Candidate, shown: Candidate) -> bool:
    """Most of the shorter passage's 4-character shingles recur in the other (checked only
    when their token sets already overlap that much, which is cheap to test)."""
    tokens = len(candidate.tokens & shown.tokens) / max(1, min(len(candidate.tokens),
                                                              len(shown.tokens)))
    if tokens < DUPLICATE_SIMILARITY / 2:  # titles differ, so token overlap runs lower
        return False
    a, b = candidate.shingles, shown.shingles
    shared = len(a & b) / max(1, min(len(a), len(b)))
    return shared >= DUPLICATE_SIMILARITY
