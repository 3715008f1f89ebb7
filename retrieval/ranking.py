"""From BM25 candidates to cited passages: relevance evidence, answer tiers, de-duplication.

BM25 scores are not comparable across questions, so whether a passage answers is judged
from the share of the question it carries: each content word weighted by its rarity in
general Chinese (jieba's dictionary), credited fully when the passage holds it, partly
when it holds a synonym, some of its sub-words or its bigrams. The answer then falls in
one of three tiers: confident (a passage carries the question), related (the reports touch
the topic but no passage clearly answers) or nothing (the reports do not hold the question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from .cues import (
    ASKS_CONTRAST,
    ASKS_COUNT,
    ASKS_DATE,
    ASKS_DEFINITION,
    ASKS_LIST,
    ASKS_MEASURE,
    ASKS_NAMED_SET,
    ASKS_PER_PERIOD,
    ASKS_PLAN,
    ASKS_PROBLEM,
    ASKS_REPEATED,
    ASKS_RULE,
    ASKS_SPAN,
    ASKS_WORDING,
    HAS_CONTRAST,
    HAS_COUNT,
    HAS_DATE,
    HAS_LIST,
    HAS_RULE,
    HAS_SPAN,
)
from .models import Hit
from .numbers import to_digits
from .search import BIGRAM_CREDIT, EXPANSION_CREDIT, QueryAnalysis, QueryWord
from .text import compact_form
from .tokenizer import dictionary_count, tokenize

CONFIDENT, RELATED, NOTHING = "confident", "related", "nothing"
# Domain evidence below which the question is not about what these reports discuss.
MIN_DOMAIN_EVIDENCE = 0.25
# Passage coverage for a related answer, and for a confident one (with the corpus holding
# most of the question: synonyms and bigrams alone never make an answer confident).
RELATED_COVERAGE = 0.25
CONFIDENT_COVERAGE = 0.45
CONFIDENT_CORPUS_COVERAGE = 0.5
RELATIVE_PASSAGE_COVERAGE = 0.6
COORD_POWER = 2
ANSWER_FIRST_SHARE = 0.9
MIN_FUSED_SCORE = 0.01  # a matched passage BM25 scores 0 still ranks by its coverage
PROXIMITY_GAP = 3
PROXIMITY_WEIGHT = 0.5
DEFINITION_BOOST = 1.5
ANSWER_TYPE_BOOST = 1.3
THIN_PASSAGE_CHARS = 40  # a passage this short after its headings is a heading, not an answer
THIN_PASSAGE_FACTOR = 0.6
UNASKED_PLAN_FACTOR = 0.8
PROBLEM_SECTION_BOOST = 1.6
REPEATED_BOOST = 1.5
OTHER_KIND_FACTOR = 0.3  # asked for plans, a work passage of a report without a plan section
LEAD_IN_FACTOR = 0.9  # "一年来…" / "下一步，…将…": summaries, rarely the specific answer
OPENING_FACTOR = 0.8  # a report's opening paragraph: the whole year in brief
DUPLICATE_SIMILARITY = 0.7
MIN_ENUMERATED = 3  # "A、B、C“X”" enumerates X when no size is asked
SENTENCE_END = re.compile(r"[。;；!！?？]")
# The units a passage may give for the one asked: "几回" is answered by "X次".
SAME_MEASURE = {
    "回": "次|回",
    "位": "名|人|位",
    "人": "名|人",
    "名": "名|人",
    "钱": "元",
    "岁": "岁|周岁",
}
QUANTITY_MEASURES = frozenset({"钱", "元", "学时", "分", "岁"})
NUMERAL = r"(\d+|x+|[一二两三四五六七八九十百千万]+)(余|多)?"


@dataclass(frozen=True)
class Candidate:
    """A passage fetched for a candidate row, with what is needed to judge and cite it."""

    chunk_id: int
    score: float
    doc_id: int
    doc_title: str
    section_path: tuple[str, ...]
    kind: str
    text: str
    words: str  # its stored tokens, space-separated
    page: int | None = None
    compact_text: str = ""  # compact_form(text), made at ingest
    # the text as search sees it (normalised, no white space), and that beyond the
    # headings it repeats: every passage judged reads both
    compact: str = field(init=False, repr=False, compare=False)
    body: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compact = self.compact_text or compact_form(self.text)
        body = compact
        for heading in self.section_path:
            body = body.replace(_compact(heading), "", 1)
        object.__setattr__(self, "compact", compact)
        object.__setattr__(self, "body", body)

    @cached_property
    def tokens(self) -> frozenset[str]:
        """Its tokens and its report title's: a question naming the organisation is covered.
        Made when first needed: a question word found in the text needs no token set."""
        return frozenset(self.words.split()) | title_tokens(self.doc_title)

    @cached_property
    def shingles(self) -> frozenset[int]:
        """4-character shingles of the body, for near-duplicate detection: passages sharing
        only a heading ("二、存在问题") are not the same wording."""
        return _shingles(self.body)


def select_passages(
    analysis: QueryAnalysis, candidates: Sequence[Candidate], k: int, kind: str | None = None
) -> list[Hit]:
    """Keep passages that carry enough of the question, collapse near-duplicates, rank them.

    With a `kind` filter (下步打算), passages of other kinds come only from reports that
    have no such section; they rank below the sections of that kind.

    The final score is the fused BM25 score times the square of the passage's coverage of
    the question (a rarity-weighted coordination factor, as in Lucene's classic `coord`),
    with bonuses for question words standing together in any order (term proximity), for a
    passage that can supply what is asked (a count, a date, a plan or problem section, a
    definition) and a penalty for a passage that is little more than a heading.
    """
    if analysis.evidence < MIN_DOMAIN_EVIDENCE:
        return []
    judged = [(passage_coverage(analysis, c), c) for c in candidates]
    best = max((coverage for coverage, _ in judged), default=0.0)
    floor = max(RELATED_COVERAGE, RELATIVE_PASSAGE_COVERAGE * best)
    cues = CueSet(analysis)
    confident_question = analysis.coverage >= CONFIDENT_CORPUS_COVERAGE
    scored = [
        (
            max(c.score, MIN_FUSED_SCORE)
            * coverage**COORD_POWER
            * cues.factor(c)
            * (OTHER_KIND_FACTOR if kind and c.kind != kind else 1.0),
            confident_question and coverage >= CONFIDENT_COVERAGE and cues.supplies(c),
            c,
        )
        for coverage, c in judged
        if coverage >= floor
    ]
    top = max((score for score, _, _ in scored), default=0.0)
    # A passage that answers goes before ones that only touch the question, unless it
    # scores far below the best (then the question is most likely about something else).
    kept = sorted(
        scored, key=lambda item: (-(item[1] and item[0] >= ANSWER_FIRST_SHARE * top), -item[0])
    )
    shown: list[Candidate] = []
    verdicts: list[tuple[float, bool]] = []  # (score, answers) of each passage shown
    also_in: list[list[str]] = []
    for score, answers, candidate in kept:
        twin = next((i for i, other in enumerate(shown) if _near_duplicate(candidate, other)), None)
        if twin is not None:
            if candidate.doc_id != shown[twin].doc_id:
                also_in[twin].append(candidate.doc_title)
            elif len(candidate.compact) > len(shown[twin].compact):
                shown[twin] = candidate  # same report: the fuller passage holds the answer
                verdicts[twin] = (verdicts[twin][0], verdicts[twin][1] or answers)
            continue
        if len(shown) < k:
            shown.append(candidate)
            verdicts.append((round(score, 4), answers))
            also_in.append([])
    return [
        _hit(analysis, candidate, rank, score, answers, tuple(others))
        for rank, (candidate, (score, answers), others) in enumerate(
            zip(shown, verdicts, also_in, strict=True), 1
        )
    ]


def _hit(
    analysis: QueryAnalysis,
    candidate: Candidate,
    rank: int,
    score: float,
    confident: bool,
    also_in: tuple[str, ...],
) -> Hit:
    return Hit(
        rank=rank,
        score=score,
        chunk_id=candidate.chunk_id,
        doc_id=candidate.doc_id,
        doc_title=candidate.doc_title,
        section_path=candidate.section_path,
        kind=candidate.kind,
        text=candidate.text,
        matched_terms=matched_terms(analysis, candidate),
        also_in=also_in,
        confident=confident,
        page=candidate.page,
    )


def answer_tier(hits: Sequence[Hit]) -> str:
    """confident when the best passage answers, related when passages only touch the topic."""
    if not hits:
        return NOTHING
    return CONFIDENT if hits[0].confident else RELATED


def asks_problems(question: str) -> bool:
    """Whether a question is about shortcomings (问题, 不足, 短板, 毛病 …)."""
    return bool(ASKS_PROBLEM.search(question))


def passage_coverage(analysis: QueryAnalysis, candidate: Candidate) -> float:
    """Share of the question's weighted content words this passage carries."""
    total = analysis.total_weight
    if not total:
        return 0.0
    return sum(w.weight * word_credit(w, candidate) for w in analysis.words) / total


def word_credit(word: QueryWord, candidate: Candidate) -> float:
    """1 for the word itself, less for a stand-in, a share of its sub-words or bigrams."""
    text = candidate.compact
    if word.word in text or word.word in candidate.tokens:
        return 1.0
    tokens = candidate.tokens
    credit = 0.0
    if any(e in text or e in tokens for e in word.expansions):
        credit = EXPANSION_CREDIT
    if word.parts:
        credit = max(credit, sum(1 for p in word.parts if p in tokens) / len(word.parts))
    grams = word.bigrams
    if len(grams) > 1:
        credit = max(credit, BIGRAM_CREDIT * sum(1 for g in grams if g in text) / len(grams))
    return credit


def matched_terms(analysis: QueryAnalysis, candidate: Candidate) -> tuple[str, ...]:
    """Question tokens visible in the passage text, longest first, for highlighting."""
    terms = {t for t in analysis.tokens if t in candidate.compact and t in candidate.tokens}
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


class CueSet:
    """Per-question patterns, compiled once and applied to every candidate."""

    def __init__(self, analysis: QueryAnalysis) -> None:
        question = analysis.question
        words = [w for w in analysis.words if len(w.word) >= 2]
        self.proximity = [
            (a.word, b.word, min(a.weight, b.weight))
            for a, b in zip(analysis.words, analysis.words[1:], strict=False)
        ]
        self.asks_list = bool(ASKS_LIST.search(question))
        # "那几个确保的说法是啥" asks for the wording itself: any passage carrying the topic
        # gives it, whatever count, list or definition the request describes it by
        self.wording = bool(ASKS_WORDING.search(question))
        # "是哪四个" names a set, answered only where the reports spell it out
        self.asks_definition = (
            bool(ASKS_DEFINITION.search(question) or ASKS_NAMED_SET.search(question))
            and not self.wording
        )
        self.definition = (
            Definition(words, _set_size(question))
            if words and (self.asks_definition or self.asks_list)
            else None
        )
        self.words_by_weight = [w.word for w in sorted(analysis.words, key=lambda w: -w.weight)]
        self.count = bool(ASKS_COUNT.search(question))
        measure = _asked_measure(question)
        self.measure = (
            re.compile(f"{NUMERAL}[万亿]?(?:{SAME_MEASURE.get(measure, measure)})")
            if measure
            else None
        )
        # money, hours, points or age are answered in that unit; other counters (份, 次, 个)
        # stand in for one another
        self.quantity = measure in QUANTITY_MEASURES
        self.date = bool(ASKS_DATE.search(question))
        self.span = bool(ASKS_SPAN.search(question))
        self.contrast = bool(ASKS_CONTRAST.search(question))
        self.plan = bool(ASKS_PLAN.search(question))
        self.problem = bool(ASKS_PROBLEM.search(question))
        self.asks_fact = self.count or self.date or self.span
        self.per_period = self.count and bool(ASKS_PER_PERIOD.search(question))
        self.rule = bool(ASKS_RULE.search(question))
        repeated = ASKS_REPEATED.search(question)
        self.repeated = (
            (repeated[2] or repeated[3], int(to_digits(repeated[1]) or 3)) if repeated else None
        )

    def supplies(self, candidate: Candidate) -> bool:
        """Whether the passage can give what is asked: a count, a date or a span of time, a
        list, a contrast, a definition. A passage that only names the topic of "预备期是多久"
        is related, not an answer."""
        if self.wording:
            return True
        text = candidate.compact
        focus = self._focus(text)
        if self.count and not (
            HAS_COUNT.search(focus) or (self.per_period and HAS_SPAN.search(focus))
        ):
            return False
        if self.quantity and not self.measure.search(focus):
            return False
        if self.date and not HAS_DATE.search(focus):
            return False
        if self.span and not HAS_SPAN.search(focus):
            return False
        if self.asks_list and not HAS_LIST.search(text):
            return False
        if self.rule and not HAS_RULE.search(focus):
            return False
        if self.contrast and not HAS_CONTRAST.search(focus):
            return False
        return not self.asks_definition or bool(self.definition and self.definition.search(text))

    def _focus(self, text: str) -> str:
        """The sentences holding the question's most telling word that the passage holds:
        a figure elsewhere in the passage answers some other question."""
        present = [w for w in self.words_by_weight if w in text]
        if not present:
            return text
        return "。".join(s for s in SENTENCE_END.split(text) if present[0] in s)

    def factor(self, candidate: Candidate) -> float:
        """Product of the proximity, answer-type, definition and substance factors."""
        text = candidate.compact
        factor = 1.0
        if self.proximity:
            near = sum(
                weight for a, b, weight in self.proximity if _near(text, a, b) or _near(text, b, a)
            )
            factor *= 1.0 + PROXIMITY_WEIGHT * near / sum(w for _, _, w in self.proximity)
        if self.definition and self.definition.search(text):
            factor *= DEFINITION_BOOST
        if self.measure is not None and self.measure.search(text):
            factor *= ANSWER_TYPE_BOOST  # the count in the unit asked for
        if (
            (self.count and HAS_COUNT.search(text))
            or (self.per_period and HAS_SPAN.search(text))
            or (self.date and HAS_DATE.search(text))
            or (self.span and HAS_SPAN.search(text))
            or (self.plan and candidate.kind == "plan")
        ):
            factor *= ANSWER_TYPE_BOOST
        if self.problem and candidate.kind == "problem":
            factor *= PROBLEM_SECTION_BOOST
        if candidate.kind == "plan" and not (self.plan or self.wording):
            factor *= UNASKED_PLAN_FACTOR  # plans hold intentions, not what was done
        if self.repeated and _repeats(text, *self.repeated):
            factor *= REPEATED_BOOST
        if len(candidate.body) < THIN_PASSAGE_CHARS:
            factor *= THIN_PASSAGE_FACTOR
        if len(candidate.section_path) <= 1:  # an opening or a part's lead-in paragraph
            factor *= LEAD_IN_FACTOR if candidate.section_path else OPENING_FACTOR
        return factor


def _near(text: str, a: str, b: str) -> bool:
    """b starts at most PROXIMITY_GAP characters after an occurrence of a ends (what the
    pattern a.{0,3}b finds in compact text, without compiling a pattern per question)."""
    start = text.find(a)
    while start >= 0:
        end = start + len(a)
        if text.find(b, end, end + PROXIMITY_GAP + len(b)) >= 0:
            return True
        start = text.find(a, start + 1)
    return False


def _asked_measure(question: str) -> str | None:
    """The measure word of "几次 / 多少名", unless it starts a word (多少支部 is not 支)."""
    for match in ASKS_MEASURE.finditer(question):
        following = question[match.end(1) - 1 : match.end(1) + 1]
        if len(following) < 2 or not dictionary_count(following):
            return match[1]
    return None


def _repeats(text: str, character: str, times: int) -> bool:
    """Some sentence repeats the character that many times (目标同定，任务同下，工作同步…)."""
    return any(s.count(character) >= times for s in SENTENCE_END.split(text))


def _set_size(question: str) -> int | None:
    """How many items "是哪五样 / 哪两类" asks for, if it says."""
    match = ASKS_NAMED_SET.search(question)
    value = to_digits(match[1]) if match else None
    return int(value) if value else None


@lru_cache(maxsize=2048)
def _shingles(text: str) -> frozenset[int]:
    """Every 4-character window of the text as one 64-bit number (its UTF-16 code units; a
    character beyond the BMP counts as two), none under 4 characters. The windows starting
    at offsets 0-3 mod 4 are read as whole machine words, so no slice is made per window:
    twice as fast as a set of substrings. Cached: the passages a question fetches are
    mostly the ones similar questions fetch."""
    units = text.encode("utf-16-le")
    whole = memoryview(units)
    return frozenset().union(
        *(
            whole[start : start + (len(units) - start) // 8 * 8].cast("Q").tolist()
            for start in range(0, 8, 2)
            if len(units) - start >= 8
        )
    )


@lru_cache(maxsize=4096)
def title_tokens(title: str) -> frozenset[str]:
    """Cached: every passage of a report carries its title's words."""
    return frozenset(tokenize(title))


@lru_cache(maxsize=8192)
def _compact(heading: str) -> str:
    return compact_form(heading)


class Definition:
    """Where a passage spells out a term of "是哪些/指什么/是哪五样" questions: enumerated
    before it ("A、B等“X”", or "A、B、C“X”" with as many items as the question names) or
    explained after it ("X，即…")."""

    def __init__(self, words: Sequence[QueryWord], size: int | None) -> None:
        term = "(?:" + "|".join(re.escape(w.word) for w in words) + ")"
        self.size = size
        self.explained = re.compile(
            rf"、[^。;,]{{1,40}}等[“\"「]?{term}|{term}[”\"」]?[^。;]{{0,8}}(,即|:|是指|包括)"
        )
        self.enumerated = re.compile(
            rf"((?:[^、。;,“”\"]{{1,8}}、)+[^、。;,“”\"]{{1,8}})[“\"「]{term}"
        )

    def search(self, text: str) -> bool:
        if self.explained.search(text):
            return True
        items = (m[1].count("、") + 1 for m in self.enumerated.finditer(text))
        return any(n == self.size if self.size else n >= MIN_ENUMERATED for n in items)


def _near_duplicate(candidate: Candidate, shown: Candidate) -> bool:
    """Most of the shorter passage's 4-character shingles recur in the other (checked only
    when their token sets already overlap that much, which is cheap to test)."""
    tokens = len(candidate.tokens & shown.tokens) / max(
        1, min(len(candidate.tokens), len(shown.tokens))
    )
    if tokens < DUPLICATE_SIMILARITY / 2:  # titles differ, so token overlap runs lower
        return False
    a, b = candidate.shingles, shown.shingles
    shared = len(a & b) / max(1, min(len(a), len(b)))
    return shared >= DUPLICATE_SIMILARITY
