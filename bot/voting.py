"""Passage votes on ReportService: 👍/👎 on a passage as an answer, and what they moved.

A mixin of ReportService (it uses `votes`, `log`, `answer` and `_corpus`), so every
adapter still goes through the one door; the ranking adjustment lives in
retrieval/feedback.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..retrieval.feedback import FeedbackModel
from ..storage.errors import NotFoundError
from ..storage.querylog import QueryLog
from ..storage.votes import StoredVote, VoteStore
from .errors import InvalidRequestError

VOTE_REPORT_DEPTH = 10  # ranks looked at when saying where a vote moved its passage


@dataclass(frozen=True)
class VoteEffect:
    """A passage vote and where its passage now ranks for the voted question, without and
    with the team's votes (None: not among the first VOTE_REPORT_DEPTH passages)."""

    stored: StoredVote
    before: int | None
    after: int | None


class PassageVoting:
    """The passage-vote part of ReportService."""

    votes: VoteStore
    log: QueryLog
    _feedback: tuple[int, FeedbackModel]

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
        """Record that a passage does (👍) or does not (👎) answer a question, for every
        interface's answers; a chat vote names the logged answer instead of the question."""
        if question is None and query_log_id is not None:
            question = self.log.logged_query(query_log_id).query
        question = " ".join((question or "").split())
        if not question:
            raise InvalidRequestError("a vote needs the question it answers")
        if chunk_id not in self._corpus()[0].chunks([chunk_id]):
            raise NotFoundError(f"no passage with id {chunk_id}")
        self.votes.add(question, chunk_id, voter, 1 if up else -1, source, query_log_id)

    def clear_votes(self, chunk_id: int | None = None) -> int:
        """Forget the votes on one passage (or all): the ranking is as before they were cast."""
        return self.votes.clear(chunk_id)

    def feedback_model(self) -> FeedbackModel:
        """The votes as a ranking adjustment, reloaded when any process changed them."""
        version = self.votes.version()
        if version != self._feedback[0]:
            self._feedback = (version, FeedbackModel(s.vote for s in self.votes.all()))
        return self._feedback[1]

    def vote_effects(self, limit: int | None = 15) -> list[VoteEffect]:
        """The latest votes (all for None), newest first, each with the rank its passage has
        for its question without and with the team's votes: what the votes moved."""
        stored_votes = self.votes.all()[::-1][:limit]
        # votes cast while the samples were searched name sample passages: cite those
        cited = self._corpus()[0].chunks([s.vote.chunk_id for s in stored_votes if not s.doc_title])
        stored_votes = [
            replace(s, doc_title=r.doc_title, section_path=r.path)
            if (r := cited.get(s.vote.chunk_id)) and not s.doc_title
            else s
            for s in stored_votes
        ]
        ranked: dict[str, tuple[list[int], list[int]]] = {}
        for stored in stored_votes:
            if stored.vote.question not in ranked:
                ranked[stored.vote.question] = self._ranked_ids(stored.vote.question)
        return [
            VoteEffect(stored, *_places(ranked[stored.vote.question], stored.vote.chunk_id))
            for stored in stored_votes
        ]

    def placement(self, question: str, chunk_id: int) -> tuple[int | None, int | None]:
        """The passage's rank for the question without and with the team's votes."""
        return _places(self._ranked_ids(question), chunk_id)

    def _ranked_ids(self, question: str) -> tuple[list[int], list[int]]:
        return (
            [h.chunk_id for h in self.answer(question, VOTE_REPORT_DEPTH, feedback=False).hits],
            [h.chunk_id for h in self.answer(question, VOTE_REPORT_DEPTH).hits],
        )


def _places(ranked: tuple[list[int], list[int]], chunk_id: int) -> tuple[int | None, int | None]:
    """1-based ranks of a passage in the two lists (None where it is absent)."""
    before, after = (ids.index(chunk_id) + 1 if chunk_id in ids else None for ids in ranked)
    return before, after
