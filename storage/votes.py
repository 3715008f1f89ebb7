"""The passage votes table: the team's 👍/👎 on passages (see retrieval/feedback.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..retrieval.feedback import Vote, question_key
from .connection import StoreTable
from .errors import translate_public_methods


@dataclass(frozen=True)
class StoredVote:
    """A vote as listed to admins: the vote, where it came from and what it is on."""

    vote: Vote
    source: str
    doc_title: str | None  # None once the passage's report is deleted
    section_path: tuple[str, ...] | None


@translate_public_methods
class VoteStore(StoreTable):
    """The passage votes table, over the connection of a ReportStore."""

    def add(
        self,
        question: str,
        chunk_id: int,
        voter: str,
        vote: int,
        source: str,
        query_log_id: int | None = None,
    ) -> None:
        """Store a vote; the same person's vote on the same question and passage replaces it."""
        with self.store.writing():
            self.db.execute(
                """insert into passage_votes (question, question_key, chunk_id, voter, source,
                   vote, query_log_id, time) values (?, ?, ?, ?, ?, ?, ?, ?)
                   on conflict (question_key, chunk_id, voter) do update set
                   question = excluded.question, vote = excluded.vote, source = excluded.source,
                   query_log_id = excluded.query_log_id, time = excluded.time""",
                [
                    question,
                    question_key(question),
                    chunk_id,
                    voter,
                    source,
                    vote,
                    query_log_id,
                    self.store.now(),
                ],
            )
            self._bump()

    def all(self) -> list[StoredVote]:
        """Every vote, oldest first, with the passage's report and section (if still there)."""
        sql = """select v.question, v.chunk_id, v.voter, v.vote, v.time, v.source, d.title, c.path
                 from passage_votes v left join chunks c on c.id = v.chunk_id
                 left join documents d on d.id = c.doc_id order by v.time, v.id"""
        return [
            StoredVote(
                Vote(q, chunk, voter, vote, time),
                source,
                title,
                tuple(json.loads(path)) if path is not None else None,
            )
            for q, chunk, voter, vote, time, source, title, path in self.db.execute(sql)
        ]

    def clear(self, chunk_id: int | None = None) -> int:
        """Forget every vote (or every vote on one passage); returns how many."""
        with self.store.writing():
            if chunk_id is None:
                removed = self.db.execute("delete from passage_votes").rowcount
            else:
                removed = self.db.execute(
                    "delete from passage_votes where chunk_id = ?", [chunk_id]
                ).rowcount
            self._bump()
        return removed

    def version(self) -> int:
        """Bumped by every change to the votes, so other processes know to reload them."""
        row = self.db.execute("select value from meta where key = 'feedback_version'").fetchone()
        return int(row[0]) if row else 0

    def _bump(self) -> None:
        self.db.execute(
            "update meta set value = cast(value as integer) + 1 where key = 'feedback_version'"
        )
