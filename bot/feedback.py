"""The team's votes on passages, as ReportService methods (a mixin: one door for all).

Every interface votes through `vote_passage` and every answer is adjusted here, so a 👎
in Telegram moves the passage for `reportbot ask` and the terminal chat too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..retrieval.feedback import Effect, FeedbackModel
from ..retrieval.models import Hit
from ..retrieval.ranking import Candidate
from ..retrieval.search import QueryAnalysis
from ..storage.db import ReportStore
from ..storage.errors import NotFoundError
from ..storage.votes import StoredVote
from .errors import InvalidRequestError

REPORT_DEPTH = 10  # ranks looked at when saying where a vote moved its passage


@dataclass(frozen=True)
class VoteEffect:
    """A vote and where its passage now ranks for the voted question, without and with
    the team's votes (None: not among the first REPORT_DEPTH passages)."""

    stored: StoredVote
    before: int | None
    after: int | None


class FeedbackService:
    """Vote, list, clear and apply passage votes (mixed into ReportService)."""

    store: ReportStore
    _feedback_version: int = -1
    _feedback_model: FeedbackModel = FeedbackModel(())

    def vote_passage(
        self,
        question: str | None,
        chunk_id: int,
        up: bool,
        *,
        voter: str,
        source: str = "cli",
        query_log_id: int | None = None,
    ) -> None:
        """Record that a passage does (👍) or does not (👎) answer a question; a chat vote
        names the logged answer instead of the question."""
        if question is None and query_log_id is not None:
            question = self.store.logged_query(query_log_id)["query"]
        question = " ".join((question or "").split())
        if not question:
            raise InvalidRequestError("a vote needs the question it answers")
        if chunk_id not in self.store.chunks([chunk_id]):
            raise NotFoundError(f"no passage with id {chunk_id}")
        self.store.add_passage_vote(
            question, chunk_id, voter, 1 if up else -1, source, query_log_id
        )

    def passage_votes(self) -> list[StoredVote]:
        """Every passage vote, oldest first."""
        return self.store.passage_votes()

    def clear_votes(self, chunk_id: int | None = None) -> int:
        """Forget the votes on one passage (or all): the ranking is as before they were cast."""
        return self.store.clear_passage_votes(chunk_id)

    def feedback_model(self) -> FeedbackModel:
        """The votes as a ranking adjustment, reloaded when any process changed them."""
        version = self.store.feedback_version()
        if version != self._feedback_version:
            self._feedback_model = FeedbackModel(s.vote for s in self.store.passage_votes())
            self._feedback_version = version
        return self._feedback_model

    def _apply_feedback(
        self, analysis: QueryAnalysis, candidates: list[Candidate], enabled: bool = True
    ) -> tuple[list[Candidate], dict[int, Effect]]:
        """Candidates re-scored by the votes (unchanged when disabled or nobody voted)."""
        model = self.feedback_model() if enabled else None
        return model.adjust(analysis, candidates) if model else (candidates, {})

    @staticmethod
    def _mark_feedback(hits: Sequence[Hit], effects: dict[int, Effect]) -> list[Hit]:
        """Hits carrying the factor the votes applied (shown in --json and to admins)."""
        return [
            replace(h, feedback=effects[h.chunk_id].factor) if h.chunk_id in effects else h
            for h in hits
        ]

    def vote_effects(self, limit: int | None = 15) -> list[VoteEffect]:
        """The latest votes (all for None), newest first, each with the rank its passage has
        for its question without and with the team's votes: what the votes moved."""
        stored_votes = self.store.passage_votes()[::-1][:limit]
        ranked: dict[str, tuple[list[int], list[int]]] = {}
        for stored in stored_votes:
            question = stored.vote.question
            if question not in ranked:
                ranked[question] = self._ranked_ids(question)
        return [
            VoteEffect(stored, *_places(ranked[stored.vote.question], stored.vote.chunk_id))
            for stored in stored_votes
        ]

    def placement(self, question: str, chunk_id: int) -> tuple[int | None, int | None]:
        """The passage's rank for the question without and with the team's votes."""
        return _places(self._ranked_ids(question), chunk_id)

    def _ranked_ids(self, question: str) -> tuple[list[int], list[int]]:
        return (
            [h.chunk_id for h in self.answer(question, REPORT_DEPTH, feedback=False).hits],
            [h.chunk_id for h in self.answer(question, REPORT_DEPTH).hits],
        )


def _places(ranked: tuple[list[int], list[int]], chunk_id: int) -> tuple[int | None, int | None]:
    """1-based ranks of a passage in the two lists (None where it is absent)."""
    before, after = (ids.index(chunk_id) + 1 if chunk_id in ids else None for ids in ranked)
    return before, after
