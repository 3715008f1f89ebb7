"""The Python API behind every interface: ingest files, search, browse, log.

The CLI, the terminal chat and the Telegram bot all call this one class, so a question is
answered, logged and cited the same way everywhere. It is composed of its concerns:
asking and browsing here, ingest in ingesting.py, passage votes in voting.py and the
cross-report memory (compare, reuse, facts, drafts) in memory.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from ..retrieval.bm25 import warm_up as warm_up_kernel
from ..retrieval.evaluation import Answer, EvalReport, evaluate
from ..retrieval.feedback import FeedbackModel, marked
from ..retrieval.formats import DEFAULT_MAX_BYTES
from ..retrieval.models import Hit
from ..retrieval.numbers import to_digits
from ..retrieval.ranking import (
    CONFIDENT,
    NOTHING,
    answer_tier,
    asks_problems,
    select_passages,
)
from ..retrieval.scope import ReportCatalog, Scope, may_name_scope, scope_of
from ..retrieval.search import QueryAnalysis, Searcher
from ..retrieval.segmenter import segmenter
from ..retrieval.synonyms import Thesaurus, cilin_synonyms
from ..retrieval.text import normalize
from ..storage.db import ChunkRecord, DocumentInfo, ReportStore, Stats
from ..storage.errors import NotFoundError, StorageError
from ..storage.inbox import InboxEntry, InboxStore
from ..storage.index import ReportIndex
from ..storage.memory import FactRecord
from ..storage.querylog import ExportRow, QueryLog, UnansweredQuestion
from ..storage.votes import StoredVote, VoteStore
from .errors import InvalidRequestError
from .ingesting import Ingesting, IngestResult, expand_paths
from .memory import TeamMemory
from .samples import open_samples, sample_files
from .voting import PassageVoting, VoteEffect
from .worker import ParseWorker

# The adapters' only door to the layers below: what they need of storage (result and error
# classes, the request inbox) they import from here (tests/test_layers.py checks).
__all__ = [
    "ChunkRecord",
    "DocumentInfo",
    "ExportRow",
    "FactRecord",
    "InboxEntry",
    "InboxStore",
    "IngestResult",
    "NotFoundError",
    "ReportService",
    "SearchResponse",
    "Stats",
    "StorageError",
    "StoredVote",
    "UnansweredQuestion",
    "VoteEffect",
    "expand_paths",
]

MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class SearchResponse:
    """Hits for one question, with the query-log id that buttons and feedback refer to."""

    query: str
    hits: tuple[Hit, ...]
    query_log_id: int | None
    from_samples: bool
    tier: str
    latency_ms: float
    filters: dict = field(default_factory=dict)
    scope: Scope | None = None  # the filters applied, explicit or named in the question

    @property
    def answerable(self) -> bool:
        """Whether the reports hold anything on the question (confident or related)."""
        return self.tier != NOTHING


class ReportService(Ingesting, PassageVoting, TeamMemory):
    """Reports in one database, searchable with cited passages."""

    def __init__(
        self,
        store: ReportStore,
        boilerplate_patterns: Iterable[str] = (),
        max_file_bytes: int = DEFAULT_MAX_BYTES,
        engine: str = "bm25",
    ) -> None:
        self.store = store
        self.log = QueryLog(store)
        self.boilerplate_patterns = tuple(boilerplate_patterns)
        self.max_file_bytes = max_file_bytes
        self.engine = engine
        self.index = ReportIndex(store, engine=engine)
        self.worker = ParseWorker.shared()
        self._thesaurus = Thesaurus()
        self._synonyms_version = -1
        self._samples: tuple[ReportStore, ReportIndex] | None = None
        self._samples_lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self.votes = VoteStore(store)
        self._feedback = (-1, FeedbackModel(()))  # (votes version, model)
        self._facts: tuple[tuple[int, int], ReportCatalog] = ((0, -1), ReportCatalog(()))
        segmenter.load_in_background()  # beside the index load: the first question needs both

    @classmethod
    def open(cls, db_path: str | Path, **options) -> ReportService:
        """The service over the database at `db_path`; also `with ReportService.open(p) as rb:`."""
        return cls(ReportStore(db_path), **options)

    def __enter__(self) -> ReportService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm_up(self) -> None:
        """Load in the background what the first question would otherwise wait for: the
        compiled BM25 kernel (when numba is installed), the index, 同义词词林 and the
        Chinese-numeral parser."""
        warm_up_kernel()

        def load() -> None:
            self.searcher()
            cilin_synonyms()
            to_digits("十二")  # cn2an takes 0.3 s to import

        self._warming = threading.Thread(target=load, name="warm-up", daemon=True)
        self._warming.start()

    def close(self) -> None:
        """Save the index beside the database (so the next start is fast) and close it,
        once a warm-up still loading from it is done."""
        if self._warming is not None:
            self._warming.join()
        self.index.wait()
        self.index.save()
        self.store.close()
        if self._samples is not None:
            self._samples[0].close()

    def _corpus(self) -> tuple[ReportStore, ReportIndex]:
        """The reports searches draw on: the user's, or the samples until the first one."""
        if self.store.ever_held_documents():
            return self.store, self.index
        with self._samples_lock:
            if self._samples is None:
                samples = open_samples(self._ingest_samples)
                self._samples = samples, ReportIndex(samples, engine=self.engine)
        return self._samples

    def delete(self, doc_id: int) -> DocumentInfo:
        self.own(doc_id)
        return self.store.delete_document(doc_id)

    def own(self, doc_id: int) -> None:
        """Refuse to change a built-in sample report (they are served read-only)."""
        if self.document(doc_id).sample:  # only the samples' own database holds them
            raise InvalidRequestError(
                f"[{doc_id}] is a built-in sample report: samples are read-only "
                "(ingest your own reports to replace them)"
            )

    # search ----------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """The index for the current documents, brought up to date with the database and
        with the team's synonyms (another process may have changed either)."""
        return self._synced(self._corpus()[1])

    def _synced(self, index: ReportIndex) -> Searcher:
        searcher = index.searcher()
        version = self.log.synonyms_version()
        if self._synonyms_version != version or searcher.thesaurus is not self._thesaurus:
            if self._synonyms_version != version:
                self._thesaurus = Thesaurus.with_team_pairs(self.log.synonyms())
                self._synonyms_version = version
            searcher.thesaurus = self._thesaurus
        return searcher

    def answer(
        self,
        query: str,
        k: int = 5,
        *,
        doc_id: int | None = None,
        kind: str | None = None,
        year: int | None = None,
        wording: bool = False,
        feedback: bool = True,
        words: bool = True,
    ) -> SearchResponse:
        """Cited passages for a question (or none), without logging it: eval, paging.

        Asked for wording on a topic, problem sentences are left out unless the topic is
        itself a problem ("存在的不足"): nobody copies 学习不够深入 as a sample of 理论学习.
        The team's passage votes re-order the candidates unless `feedback` is False; a
        report, year or kind the question names is a filter unless `words` is False.
        """
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        store, index = self._corpus()
        searcher = self._synced(index)  # loading the index at start-up is not the answer's time
        started = time.perf_counter()
        named = doc_id is not None or (words and may_name_scope(query))
        scope = scope_of(
            query,
            self._report_facts(store) if named else ReportCatalog(()),
            store.clock().year,
            doc_id=doc_id,
            kind=kind,
            year=year,
            words=words,
        )
        hits = self._select(searcher, store, scope.query, scope, k, wording, feedback)
        if not hits and scope.query != query:  # the words naming the filters said the topic
            hits = self._select(searcher, store, query, scope, k, wording, feedback)
        if not hits and words and named and doc_id is None:
            # "后进社区…": a word that named reports can be the topic, found elsewhere
            given = scope_of(
                query, ReportCatalog(()), store.clock().year, kind=kind, year=year, words=False
            )
            if given != scope:
                scope = given
                hits = self._select(searcher, store, query, scope, k, wording, feedback)
        if scope.missing_year is not None:  # "2019年…" answered from other years: related
            hits = [replace(hit, confident=False) for hit in hits]
        filters = {
            k: v
            for k, v in {
                "doc": doc_id,
                "kind": kind,
                "year": year,
                "wording": wording,
                "unfiltered": not words,
            }.items()
            if v
        }
        return SearchResponse(
            query,
            tuple(hits),
            None,
            store is not self.store,
            answer_tier(hits),
            (time.perf_counter() - started) * 1000,
            filters,
            scope if scope or scope.missing_year else None,
        )

    def _select(
        self,
        searcher: Searcher,
        store: ReportStore,
        query: str,
        scope: Scope,
        k: int,
        wording: bool,
        feedback: bool,
    ) -> list[Hit]:
        """Passages for the scoring query within the scope, re-ordered by the team's votes."""
        analysis = searcher.analyze(query)
        ranked = searcher.candidates(
            analysis,
            k,
            doc_id=scope.doc_ids or None,
            kind=scope.kind,
            year=scope.year,
            any_kind_in=scope.unlabelled,
        )
        candidates = store.candidates(ranked)
        if wording and not asks_problems(query):
            candidates = [c for c in candidates if c.kind != "problem"]
        model = self.feedback_model() if feedback else None
        candidates, effects = model.adjust(analysis, candidates) if model else (candidates, {})
        return marked(select_passages(analysis, candidates, k, scope.kind), effects)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        doc_id: int | None = None,
        kind: str | None = None,
        year: int | None = None,
        source: str = "cli",
        user_id: int | None = None,
        chat_id: int | None = None,
        request_id: int | None = None,
        wording: bool = False,
        words: bool = True,
    ) -> SearchResponse:
        """Answer a question with cited passages (or none) and log it; a related-only
        answer is logged as not confident, so it shows among the unanswered questions."""
        response = self.answer(
            query, k, doc_id=doc_id, kind=kind, year=year, wording=wording, words=words
        )
        hits = response.hits
        log_id = self.log.log_query(
            query=response.query,
            source=source,
            user_id=user_id,
            chat_id=chat_id,
            filters=response.filters,
            request_id=request_id,
            result_ids=[h.chunk_id for h in hits],
            scores=[h.score for h in hits],
            latency_ms=response.latency_ms,
            confident=response.tier != NOTHING and hits[0].confident,
        )
        return replace(response, query_log_id=log_id)

    def page(self, query_log_id: int, k: int) -> SearchResponse:
        """A logged answer selected again, exactly as `search` selects it (for page buttons)."""
        logged = self.log.logged_query(query_log_id)
        filters = logged.filters
        response = self.answer(
            logged.query,
            k,
            doc_id=filters.get("doc"),
            kind=filters.get("kind"),
            year=filters.get("year"),
            wording=bool(filters.get("wording")),
            words=not filters.get("unfiltered"),
        )
        return replace(response, query_log_id=query_log_id)

    def logged_question(self, query_log_id: int) -> tuple[str, dict]:
        """A logged question and the filters it was asked with (to ask it again)."""
        logged = self.log.logged_query(query_log_id)
        return logged.query, logged.filters

    def _report_facts(self, store: ReportStore) -> ReportCatalog:
        """Titles and (year, kind) pairs of every report searched (the user's or the
        samples), reloaded when documents change."""
        key = (id(store), store.generation())
        if key != self._facts[0]:
            self._facts = (key, ReportCatalog(store.report_facts()))
        return self._facts[1]

    def analyze(self, query: str) -> QueryAnalysis:
        return self.searcher().analyze(query)

    def evaluate(self, questions: Iterable[dict], k: int = 10) -> EvalReport:
        """Quality figures on questions with needles (see retrieval.evaluation); not logged."""

        def answer(query: str) -> Answer:
            response = self.answer(query, k)
            return Answer(tuple(h.text for h in response.hits), response.tier == CONFIDENT)

        return evaluate(questions, answer)

    # synonyms ------------------------------------------------------------------------

    def synonyms(self) -> list[tuple[str, str]]:
        """The team's own synonym pairs (the shipped table and Cilin come on top)."""
        return self.log.synonyms()

    def add_synonym(self, word: str, synonym: str, added_by: str | None = None) -> bool:
        """Teach search that `word` and `synonym` mean the same; live at the next question."""
        word, synonym = normalize(word), normalize(synonym)
        if not word or not synonym or word == synonym or " " in word + synonym:
            raise InvalidRequestError("a synonym pair is two different words without spaces")
        return self.log.add_synonym(word, synonym, added_by)

    def remove_synonym(self, word: str, synonym: str | None = None) -> int:
        return self.log.remove_synonym(normalize(word), normalize(synonym) if synonym else None)

    # browsing ----------------------------------------------------------------------

    def documents(self, title: str | None = None) -> list[DocumentInfo]:
        """The documents searches draw on (the user's, or the samples until the first one),
        newest first: latest year, then latest added; `title` keeps those whose title has it."""
        docs = self._corpus()[0].documents()
        if title:
            docs = [d for d in docs if normalize(title) in normalize(d.title)]
        return sorted(docs, key=lambda d: (d.year or 0, d.doc_id), reverse=True)

    def outline(self, doc_id: int) -> tuple[DocumentInfo, list[ChunkRecord]]:
        """A document and the first passage of each of its sections, in order."""
        store = self._corpus()[0]
        info = store.document(doc_id)
        firsts = {}
        for record in store.document_chunks(doc_id):
            firsts.setdefault(record.section, record)
        return info, list(firsts.values())

    def section(self, chunk_id: int) -> list[ChunkRecord]:
        return self._corpus()[0].section_chunks(chunk_id)

    def feedback(self, query_log_id: int, user_id: int | None, vote: int) -> None:
        self.log.add_feedback(query_log_id, user_id, 1 if vote > 0 else -1)

    def stats(self) -> Stats:
        """Figures of the user's database (and how many samples stand in until its first report)."""
        samples = 0 if self.store.ever_held_documents() else len(sample_files())
        return replace(self.store.stats(), sample_documents=samples)

    def document(self, doc_id: int) -> DocumentInfo:
        return self._corpus()[0].document(doc_id)

    def unanswered(self, limit: int = 20, offset: int = 0) -> list[UnansweredQuestion]:
        """Questions with no result, only related passages, or a 👎, repeats counted."""
        return self.log.unanswered(limit, offset)

    def backup(self, destination: str | Path) -> Path:
        """An online copy of the database (safe while the bot serves) into an existing
        folder: a folder that is not there is more likely a typo than a wish for a new one."""
        folder = Path(destination).parent
        if not folder.is_dir():
            raise InvalidRequestError(f"{folder}: no such folder (create it first)")
        return self.store.backup(destination)

    def export_log(self, since: datetime | None = None) -> Iterator[ExportRow]:
        """Logged questions from `since` on (a time with its zone), oldest first."""
        return self.log.export_log(since and since.astimezone(timezone.utc).isoformat())

    def inbox(self) -> InboxStore:
        """The request inbox in this database (chat updates kept until they are handled)."""
        return InboxStore(self.store)

    @property
    def path(self) -> Path:
        """The database file."""
        return self.store.path

    @property
    def read_only(self) -> bool:
        return self.store.read_only
