"""Team memory on ReportService: organisations, years compared, reuse, facts, drafts.

A mixin of ReportService (it uses `store` and `answer`), so every adapter still goes
through the one door; the logic lives in retrieval/orgs.py, reuse.py and facts.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..retrieval.facts import asks_count, extract_facts, fact_query, figure_sum, fits, topic_share
from ..retrieval.models import Hit
from ..retrieval.orgs import extract_org
from ..retrieval.parser import PLAN
from ..retrieval.pipeline import AnalysedReport
from ..retrieval.reuse import (
    Passage,
    ReuseReport,
    repeated_from,
    reuse_report,
    sentence_matches,
    sentence_sources,
)
from ..storage.db import ChunkRecord, DocumentInfo, ReportStore
from ..storage.errors import NotFoundError
from ..storage.memory import FactRecord
from .errors import InvalidRequestError

FACTS_VERSION = 4
ORG_SEARCH_DEPTH = 30
PASSAGES_PER_YEAR = 3
FACTS_SHOWN = 10


@dataclass(frozen=True)
class Compared:
    """A passage of one year on the topic, the earlier passage it repeats word for word (if
    all of it does) and how many of its sentences were written before."""

    hit: Hit
    repeated_from: ChunkRecord | None = None
    repeated_year: int | None = None
    repeated: int = 0  # of its `sentences` counted sentences, how many were written before
    sentences: int = 0


@dataclass(frozen=True)
class YearBlock:
    """One report of the organisation: its year and its passages on the topic."""

    year: int
    org: str
    doc_id: int
    doc_title: str
    passages: tuple[Compared, ...]
    sample: bool = False


@dataclass(frozen=True)
class Figures:
    """The figures a how-many question found, and their sum or why there is none
    ("placeholder": a figure is X/XX; "units": the units differ; "orgs": they come from
    different organisations' reports)."""

    facts: tuple[FactRecord, ...]
    total: float | None
    no_sum: str | None

    @property
    def total_shown(self) -> str | None:
        """The sum as a person reads it (4.4万元), None when there is none."""
        return None if self.total is None else f"{self.total:g}{self.facts[0].unit}"


class TeamMemory:
    """ReportService methods that look across reports: years, reuse, facts, drafts."""

    store: ReportStore

    def remember(self, doc_id: int, analysed: AnalysedReport, store: ReportStore) -> None:
        """Note a new document's organisation and figures (inside its ingest transaction)."""
        report, chunks = analysed.report, analysed.chunks
        opening = next((c.text for c in chunks if not c.path), "")
        store.set_org(doc_id, extract_org(report.title, opening))
        chunk_ids = store.chunk_ids(doc_id)
        facts = ((chunk_ids[position], fact) for position, fact in analysed.facts)
        store.save_facts(doc_id, facts, FACTS_VERSION)

    def _searched(self) -> ReportStore:
        """The reports searches draw on: the user's, or the samples until the first one."""
        return self._corpus()[0]

    def set_org(self, doc_id: int, name: str) -> DocumentInfo:
        """Correct the organisation a document is filed under."""
        name = " ".join(name.split())
        if not name:
            raise InvalidRequestError("the organisation name is empty")
        self.own(doc_id)
        self.store.set_org(doc_id, name)
        return self.store.document(doc_id)

    # years compared --------------------------------------------------------------------

    def compare(self, topic: str, org: str | None = None) -> list[YearBlock]:
        """One organisation's passages on a topic, newest year first, each marked with the
        earlier passage it repeats word for word (if it does); [] unless two years or more
        hold the topic."""
        reports = self._searched()
        docs = [d for d in reports.documents() if d.org and d.year]
        chosen = self._org_named(org, docs) if org else self._org_for(topic, docs)
        if chosen is None:
            return []
        mine = sorted((d for d in docs if d.org == chosen), key=lambda d: (-d.year, -d.doc_id))
        blocks = []
        for index, doc in enumerate(mine):
            hits = self.answer(topic, PASSAGES_PER_YEAR, doc_id=doc.doc_id).hits
            if not hits:
                continue
            older = [d for d in mine[index + 1 :] if d.year < doc.year]
            sources, years = self._sources(older)
            passages = []
            for hit in hits:
                matches = sentence_matches(hit.text, sources)
                source = repeated_from(matches)
                record = reports.chunks([source.chunk_id])[source.chunk_id] if source else None
                year = years.get(source.doc_id) if source else None
                repeated = sum(1 for m in matches if m is not None)
                passages.append(Compared(hit, record, year, repeated, len(matches)))
            blocks.append(
                YearBlock(doc.year, chosen, doc.doc_id, doc.title, tuple(passages), doc.sample)
            )
        # one year is no comparison: the reply says no organisation has several years on it
        return blocks if len({b.year for b in blocks}) > 1 else []

    def _org_named(self, name: str, docs: Sequence[DocumentInfo]) -> str:
        """The organisation a user named: exactly, else the one whose name holds it."""
        orgs = {d.org for d in docs}
        if name in orgs:
            return name
        matching = sorted(o for o in orgs if o and name in o)
        if not matching:
            raise NotFoundError(f"no reports with years from an organisation named {name}")
        return matching[0]

    def _org_for(self, topic: str, docs: Sequence[DocumentInfo]) -> str | None:
        """The organisation with the most years of reports on the topic (then most passages)."""
        by_id = {d.doc_id: d for d in docs}
        by_title = {d.title: d for d in docs}
        years: dict[str, set[int]] = defaultdict(set)
        passages: dict[str, int] = defaultdict(int)
        for hit in self.answer(topic, ORG_SEARCH_DEPTH).hits:
            # a passage repeated word for word in a later year is one hit naming the others
            found = [by_id.get(hit.doc_id), *(by_title.get(t) for t in hit.also_in)]
            for doc in filter(None, found):
                years[doc.org].add(doc.year)
                passages[doc.org] += 1
        return max(years, key=lambda o: (len(years[o]), passages[o]), default=None)

    def _sources(self, older: Sequence[DocumentInfo]) -> tuple[dict, dict[int, int]]:
        """Sentence sources of older reports (nearest year first) and their years."""
        passages = (self._passages(d.doc_id) for d in older)
        return sentence_sources(p for doc in passages for p in doc), {
            d.doc_id: d.year for d in older
        }

    def _passages(self, doc_id: int) -> list[Passage]:
        chunks = self._searched().document_chunks(doc_id)
        return [Passage(r.chunk_id, r.doc_id, r.text) for r in chunks]

    # reuse -----------------------------------------------------------------------------

    def reuse(self, doc_id: int) -> ReuseReport:
        """How much of a report repeats earlier ones (an older year; without years or in
        the same year, an earlier ingest), with the longest repeated passages and sources."""
        reports = self._searched()
        doc = reports.document(doc_id)
        earlier = sorted(
            (d for d in reports.documents() if d.doc_id != doc_id and _before(d, doc)),
            key=lambda d: (-(d.year or 0), -d.doc_id),
        )
        return reuse_report(
            doc_id,
            self._passages(doc_id),
            (p for d in earlier for p in self._passages(d.doc_id)),
        )

    # facts -----------------------------------------------------------------------------

    def _extract_facts(self, doc_id: int, store: ReportStore) -> None:
        records = store.document_chunks(doc_id)
        facts = ((r.chunk_id, fact) for r in records for fact in extract_facts(r.text))
        store.save_facts(doc_id, facts, FACTS_VERSION)

    def ensure_facts(self, store: ReportStore) -> None:
        """Extract the figures of documents stored before this extractor (on first use)."""
        if store.read_only:
            return
        for doc_id in store.documents_without_facts(FACTS_VERSION):
            self._extract_facts(doc_id, store)

    def facts(self, query: str) -> list[FactRecord]:
        """Figures on the question's topic (and in its unit and year, if it names them):
        what was done, or the plans' targets when the question asks about plans."""
        reports = self._searched()
        self.ensure_facts(reports)
        wanted = fact_query(query)
        targets = bool(PLAN.search(query))  # a plan's 不少于12次 is a target, not a count
        found = [
            f
            for f in reports.facts(wanted.bigrams)
            if fits(wanted, f.what, f.unit, f.year, f.doc_title) and targets == (f.kind == "plan")
        ]
        found.sort(key=lambda f: -topic_share(wanted, f.what, f.doc_title))
        return found[:FACTS_SHOWN]

    def figures(self, question: str) -> Figures | None:
        """For a how-many question, its figures and their sum when one makes sense."""
        if not asks_count(question):
            return None
        found = self.facts(question)
        if not found:
            return None
        total, no_sum = figure_sum(found)
        orgs = {d.doc_id: d.org for d in self._searched().documents()}
        if total is not None and len({orgs.get(f.doc_id) for f in found}) > 1:
            total, no_sum = None, "orgs"  # 税务局's 3名 and 医院's 8名 add up to nothing
        return Figures(tuple(found), total, no_sum)

    # drafts ----------------------------------------------------------------------------

    def toggle_pick(self, user_id: int, chunk_id: int) -> tuple[bool, int]:
        """Put a passage into a user's draft or take it out; (now picked, passages picked)."""
        if not self._searched().chunks([chunk_id]):
            raise NotFoundError(f"no passage with id {chunk_id}")
        picked = self.store.toggle_pick(user_id, chunk_id)
        return picked, len(self.store.picks(user_id))

    def draft(self, topic: str, chunk_ids: Sequence[int]) -> bytes:
        """A .docx of the chosen passages, grouped by kind, with their sources."""
        records = self._searched().chunks(list(chunk_ids))
        missing = [c for c in chunk_ids if c not in records]
        if missing:
            raise NotFoundError(f"no passage with id {missing[0]}")
        from .draft import build_draft  # python-docx costs 0.1 s to import: only for drafts

        return build_draft(topic, [records[c] for c in dict.fromkeys(chunk_ids)])

    def logged_topic(self, query_log_id: int) -> str:
        """The question a draft button was shown under: the draft's title."""
        return self.log.logged_query(query_log_id).query

    def draft_picks(self, user_id: int, topic: str) -> tuple[bytes, int] | None:
        """A user's picked passages still stored, as a draft (then the picks are cleared)."""
        stored = self._searched().chunks(self.store.picks(user_id))
        chunk_ids = [c for c in self.store.picks(user_id) if c in stored]
        if not chunk_ids:
            return None
        content = self.draft(topic, chunk_ids)
        self.store.clear_picks(user_id)
        return content, len(chunk_ids)


def _before(other: DocumentInfo, doc: DocumentInfo) -> bool:
    """Earlier: an older year; when either has no year (or both the same), ingested before."""
    if other.year and doc.year and other.year != doc.year:
        return other.year < doc.year
    return other.doc_id < doc.doc_id
