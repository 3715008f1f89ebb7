"""Filters from the words of a question, as ReportService methods (a mixin: one door).

The CLI, the terminal chat and Telegram all get the same filters for the same question.
"""

from __future__ import annotations

from dataclasses import replace

from ..retrieval.scope import ReportFacts, Scope, recognise
from ..storage.db import ReportStore


class ScopeService:
    """Recognise the report, year and kind a question names (mixed into ReportService)."""

    store: ReportStore
    _facts_generation: int = -1
    _facts: tuple[ReportFacts, ...] = ()

    def scope(
        self,
        query: str,
        doc_id: int | None = None,
        kind: str | None = None,
        year: int | None = None,
        words: bool = True,
    ) -> Scope:
        """The filters a search applies: the explicit ones, then those the question names
        (unless `words` is False) for what the explicit ones leave open."""
        facts = self.report_facts()
        if doc_id is not None:
            facts = tuple(f for f in facts if f.doc_id == doc_id)
        named = recognise(query, facts, self.store.clock().year) if words else Scope(query)
        if doc_id is not None:
            named = replace(named, doc_ids=(doc_id,), titles=tuple(f.title for f in facts))
        return replace(
            named,
            year=year if year is not None else named.year,
            kind=kind or named.kind,
            unlabelled=() if kind else named.unlabelled,
        )

    def report_facts(self) -> tuple[ReportFacts, ...]:
        """Titles and (year, kind) pairs of every report, reloaded when documents change."""
        generation = self.store.generation()
        if generation != self._facts_generation:
            self._facts = tuple(self.store.report_facts())
            self._facts_generation = generation
        return self._facts

    def logged_question(self, query_log_id: int) -> tuple[str, dict]:
        """A logged question and the filters it was asked with (for re-asking it)."""
        logged = self.store.logged_query(query_log_id)
        return logged["query"], logged["filters"]
