"""The team's 👍/👎 on passages as a bounded, explainable adjustment of candidate scores.

A vote says "this passage does (not) answer this question". It moves the passage for that
question and, less, for questions sharing its content words: each vote counts with the
similarity of its question to the one asked (a rarity-weighted Dice overlap of content
words, Dice 1945, with jieba's information content as weights, as in ranking.py). The
net of the similarity-weighted votes scales the fused score by STEP ** net; a passage
that several people voted down for many questions also gets a global prior.

Bounds (the team's votes re-order what matches, they never decide what matches):
- scores are multiplied, passages are never added or removed, so whether a passage is
  shown at all is still decided by its coverage of the question (ranking.select_passages):
  an answer that would be "nothing" stays nothing, and the only match stays shown;
- a passage whose text holds none of the question's content words is never lifted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from .models import Hit
from .ranking import Candidate
from .search import QueryAnalysis
from .text import normalize, squeeze
from .tokenizer import general_weight, query_words

STEP = 3.0  # one vote on the very question asked: score × 3 (👍) or ÷ 3 (👎)
MAX_NET = 2.0  # at most two full votes' worth each way: the factor stays within 1/9 … 9
MIN_SIMILARITY = 0.3  # votes on questions sharing less of their words do not count
PRIOR_VOTERS = 2  # a passage voted down by this many people …
PRIOR_QUESTIONS = 3  # … for this many different questions …
PRIOR_FACTOR = 0.7  # … ranks lower for every question


@dataclass(frozen=True)
class Vote:
    """One person's 👍 (+1) or 👎 (-1) on a passage as an answer to a question."""

    question: str
    chunk_id: int
    voter: str
    vote: int
    time: str = ""


@dataclass(frozen=True)
class Effect:
    """Why a passage's score moved for a question: the votes that counted, with their
    similarity to the question, and whether the global prior applied."""

    chunk_id: int
    factor: float
    votes: tuple[tuple[Vote, float], ...] = ()
    prior: bool = False
    capped: bool = False  # a lift withheld: the passage holds none of the question's words


def question_key(question: str) -> str:
    """The form two questions share when they are the same question (case, width, spaces)."""
    return squeeze(normalize(question)).rstrip("?？!！。.")


@lru_cache(maxsize=4096)
def content_words(question: str) -> dict[str, float]:
    """A question's content words with their rarity weights (filler and particles dropped)."""
    return {word: general_weight(word) for word in query_words(question)}


def similarity(asked: str, voted: str) -> float:
    """0–1: how much two questions share, as a weighted Dice coefficient of content words.

    A word counts as shared when the other question holds it inside one of its words
    (书记 in 支部书记), so a rewording with shorter or longer words still counts.
    """
    if question_key(asked) == question_key(voted):
        return 1.0
    a, b = content_words(asked), content_words(voted)
    total = sum(a.values()) + sum(b.values())
    if not total:
        return 0.0
    shared = sum(w for word, w in a.items() if _held(word, b)) + sum(
        w for word, w in b.items() if _held(word, a)
    )
    return shared / total


def _held(word: str, words: dict[str, float]) -> bool:
    return any(word in other or (len(other) > 1 and other in word) for other in words)


class FeedbackModel:
    """All votes of a database, ready to adjust the candidates of any question."""

    def __init__(self, votes: Iterable[Vote]) -> None:
        latest: dict[tuple[str, int, str], Vote] = {}
        for vote in sorted(votes, key=lambda v: v.time):
            latest[(question_key(vote.question), vote.chunk_id, vote.voter)] = vote
        self.votes = tuple(latest.values())
        self._by_chunk: dict[int, list[Vote]] = defaultdict(list)
        for vote in self.votes:
            self._by_chunk[vote.chunk_id].append(vote)
        self.prior = frozenset(
            chunk for chunk, votes in self._by_chunk.items() if _earns_prior(votes)
        )

    def __bool__(self) -> bool:
        return bool(self.votes)

    def effect(self, analysis: QueryAnalysis, candidate: Candidate) -> Effect | None:
        """How the votes move this passage for this question (None: they do not)."""
        votes = self._by_chunk.get(candidate.chunk_id)
        if not votes:
            return None
        counted = tuple(
            (vote, round(s, 3))
            for vote in votes
            if (s := similarity(analysis.question, vote.question)) >= MIN_SIMILARITY
        )
        net = max(-MAX_NET, min(MAX_NET, sum(vote.vote * s for vote, s in counted)))
        factor = STEP**net
        capped = factor > 1 and not _holds_question_word(analysis, candidate)
        if capped:
            factor = 1.0
        prior = candidate.chunk_id in self.prior
        if prior:
            factor *= PRIOR_FACTOR
        if not counted and not prior:
            return None
        return Effect(candidate.chunk_id, round(factor, 4), counted, prior, capped)

    def adjust(
        self, analysis: QueryAnalysis, candidates: Sequence[Candidate]
    ) -> tuple[list[Candidate], dict[int, Effect]]:
        """Candidates with their scores scaled by the votes, and the effect on each moved."""
        effects = {e.chunk_id: e for c in candidates if (e := self.effect(analysis, c)) is not None}
        adjusted = [
            replace(c, score=c.score * effects[c.chunk_id].factor) if c.chunk_id in effects else c
            for c in candidates
        ]
        return adjusted, effects


def _earns_prior(votes: Sequence[Vote]) -> bool:
    """Voted down by several people for many questions: a passage that answers nothing."""
    down = [v for v in votes if v.vote < 0]
    return (
        len({v.voter for v in down}) >= PRIOR_VOTERS
        and len({question_key(v.question) for v in down}) >= PRIOR_QUESTIONS
    )


def _holds_question_word(analysis: QueryAnalysis, candidate: Candidate) -> bool:
    """Whether the passage's own text holds a content word of the question whole."""
    return any(w.word in candidate.compact for w in analysis.words)


def marked(hits: Sequence[Hit], effects: dict[int, Effect]) -> list[Hit]:
    """Hits carrying the factor the votes applied to them (shown in --json, to admins)."""
    return [
        replace(h, feedback=effects[h.chunk_id].factor) if h.chunk_id in effects else h
        for h in hits
    ]
