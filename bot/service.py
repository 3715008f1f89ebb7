"""The Python API behind every interface: ingest files, search, browse, log.

The CLI, the terminal chat and the Telegram bot all call this one class, so a question is
answered, logged and cited the same way everywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..retrieval.bm25 import warm_up as warm_up_kernel
from ..retrieval.boilerplate import REPEAT_DOCUMENTS, BoilerplateFilter, candidate_keys
from ..retrieval.errors import DocumentError
from ..retrieval.evaluation import Answer, EvalReport, evaluate
from ..retrieval.feedback import FeedbackModel, marked
from ..retrieval.formats import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, SourceText
from ..retrieval.models import Hit, IngestWarning
from ..retrieval.pipeline import AnalysedReport, analyse_file, analyse_report
from ..retrieval.ranking import (
    CONFIDENT,
    NOTHING,
    Candidate,
    answer_tier,
    asks_problems,
    select_passages,
)
from ..retrieval.scope import ReportCatalog, Scope, may_name_scope, scope_of
from ..retrieval.search import QueryAnalysis, Searcher
from ..retrieval.segmenter import segmenter
from ..retrieval.synonyms import Thesaurus, cilin_synonyms
from ..retrieval.text import normalize
from ..retrieval.tokenizer import tokenize
from ..storage.db import ChunkRecord, DocumentInfo, ReportStore, Stats
from ..storage.errors import DuplicateError, NotFoundError, StorageError
from ..storage.inbox import InboxEntry, InboxStore
from ..storage.index import ReportIndex
from ..storage.memory import FactRecord
from ..storage.querylog import ExportRow, QueryLog, UnansweredQuestion
from ..storage.votes import StoredVote, VoteStore
from .errors import InvalidRequestError
from .memory import TeamMemory
from .samples import open_samples, sample_files
from .worker import ParseWorker, WorkerTimeout, _exit_with_parent, _read_job, checked_source

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
]

MAX_QUERY_CHARS = 500
VOTE_REPORT_DEPTH = 10  # ranks looked at when saying where a vote moved its passage
UPLOAD_SECONDS = 60.0
PARALLEL_MIN_FILES = 16
STORE_GROUP = 16  # documents per write transaction: fewer commits, the lock held briefly


@lru_cache(maxsize=4096)
def title_tokens(title: str) -> frozenset[str]:
    """Words of a document title: a question naming the organisation counts them as covered."""
    return frozenset(tokenize(title))


SAMPLE_PREFIX = "sample:"


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file: added, unchanged, replaced, skipped, failed, or not added
    because the ingest stopped (the database cannot be written: disk full, read-only)."""

    path: str
    status: str
    doc_id: int | None = None
    title: str | None = None
    parts: int = 0
    sections: int = 0
    chunks: int = 0
    structured: bool = True
    reason: str | None = None
    warnings: tuple[IngestWarning, ...] = ()
    removed: int | None = None  # an older version under the same name, deleted


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


@dataclass(frozen=True)
class VoteEffect:
    """A passage vote and where its passage now ranks for the voted question, without and
    with the team's votes (None: not among the first VOTE_REPORT_DEPTH passages)."""

    stored: StoredVote
    before: int | None
    after: int | None


@dataclass(frozen=True)
class _Prepared:
    path: Path
    content_hash: str = ""
    keys: frozenset[str] = frozenset()
    error: str | None = None
    source: SourceText | None = None  # kept for small batches and OCR: each file is read once


def _analyse_job(
    job: tuple[Path, int, BoilerplateFilter, SourceText | None],
) -> AnalysedReport | str:
    """Worker entry point: an analysed report, or the one-line reason it failed."""
    path, max_bytes, boilerplate, source = job
    try:
        source = source or checked_source(path, max_bytes)
    except DocumentError as error:
        return str(error)
    return _analyse_source_job(source, path.name, boilerplate)


def _analyse_source_job(
    source: SourceText, name: str, boilerplate: BoilerplateFilter
) -> AnalysedReport | str:
    try:
        return analyse_report(source, name, boilerplate)
    except DocumentError as error:
        return str(error)


class ReportService(TeamMemory):
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
        compiled BM25 kernel (when numba is installed), the index and 同义词词林."""
        warm_up_kernel()

        def load() -> None:
            self.searcher()
            cilin_synonyms()

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

    # ingest ----------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[IngestResult], None] | None = None,
        workers: int | None = None,
    ) -> list[IngestResult]:
        """Ingest files and folders (recursively); good files are kept when others fail.

        Parsing and tokenizing run in a process pool for large batches; documents are
        written STORE_GROUP at a time, each group in one transaction and reported once it
        is committed, so an interrupted ingest keeps exactly the documents reported.
        """
        files, skipped = expand_paths(paths)
        results = [IngestResult(str(p), "skipped", reason=why) for p, why in skipped]
        keep = len(files) < PARALLEL_MIN_FILES
        prepared = [self._prepare(path, keep) for path in files]
        boilerplate = self._boilerplate_for(prepared)
        todo = []
        for item in prepared:
            early = self._early_result(item)
            if early:
                results.append(early)
                if progress:
                    progress(early)
            else:
                todo.append(item)
        analysed_reports = self._analyse(todo, boilerplate, workers)
        for done in range(0, len(todo), STORE_GROUP):
            group = todo[done : done + STORE_GROUP]
            analysed = [next(analysed_reports) for _ in group]  # parsed before the lock
            stored, error = self._store_group(group, analysed)
            if error is not None:  # disk full, read-only: every later file fails too
                analysed_reports.close()  # cancels the parsing still queued
                stored += [
                    IngestResult(str(i.path), "not added", reason=str(error))
                    for i in todo[done + len(stored) :]
                ]
            results.extend(stored)
            if progress:
                for result in stored:
                    progress(result)
            if error is not None:
                break
        return results

    def _store_group(
        self, group: list[_Prepared], analysed: list[AnalysedReport | str]
    ) -> tuple[list[IngestResult], StorageError | None]:
        """Store documents in one transaction; if it cannot be written (disk full), one at a
        time, keeping those that fit: their results, and the error that stopped the rest."""
        try:
            with self.store.writing():
                return [
                    self._store_analysed(i, a) for i, a in zip(group, analysed, strict=True)
                ], None
        except (DuplicateError, NotFoundError):
            raise
        except StorageError:
            pass
        stored = []
        for item, report in zip(group, analysed, strict=True):
            try:
                stored.append(self._store_analysed(item, report))
            except (DuplicateError, NotFoundError):
                raise
            except StorageError as error:
                return stored, error
        return stored, None

    def _prepare(self, path: Path, keep: bool = False) -> _Prepared:
        """Hash a file and key its short lines; unless `keep`, a worker reads it again
        (a large batch cannot hold every file's text in memory)."""
        try:
            source = checked_source(path, self.max_file_bytes)
        except DocumentError as error:
            return _Prepared(path, error=str(error))
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as error:  # gone or unreadable since it was read a moment ago
            return _Prepared(path, error=f"{path.name}: cannot read ({error.strerror})")
        return _Prepared(
            path,
            digest,
            frozenset(candidate_keys(source.lines)),
            source=source if keep or source.ocr_pages else None,
        )

    def _boilerplate_for(self, prepared: list[_Prepared]) -> BoilerplateFilter:
        """Lines repeated in enough documents (this batch and the stored ones) are junk."""
        batch_counts = Counter(key for item in prepared for key in item.keys)
        stored_counts = self.store.line_document_counts(batch_counts)
        repeated = {
            key
            for key, count in batch_counts.items()
            if count + stored_counts.get(key, 0) >= REPEAT_DOCUMENTS
        }
        return BoilerplateFilter(self.boilerplate_patterns, repeated)

    def _early_result(self, item: _Prepared) -> IngestResult | None:
        """Failed to read, or already stored with the same content: nothing to analyse."""
        if item.error:
            return IngestResult(str(item.path), "failed", reason=item.error)
        same = self.store.find_document(content_hash=item.content_hash)
        if same is not None:
            return self._unchanged(item.path, same)
        return None

    def _analyse(
        self, todo: list[_Prepared], boilerplate: BoilerplateFilter, workers: int | None
    ) -> Iterator[AnalysedReport | str]:
        """Analysed reports in order (or error strings), in parallel when it pays off."""
        jobs = [(item.path, self.max_file_bytes, boilerplate, item.source) for item in todo]
        workers = workers or os.cpu_count() or 1
        if workers < 2 or len(jobs) < PARALLEL_MIN_FILES:
            yield from map(_analyse_job, jobs)
            return
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),)
        )
        try:
            yield from pool.map(_analyse_job, jobs, chunksize=4)
        finally:  # also when the caller stops early: drop the files not yet started
            pool.shutdown(wait=True, cancel_futures=True)

    def _store_analysed(
        self,
        item: _Prepared,
        analysed: AnalysedReport | str,
        source: str | None = None,
        replaces: int | None = None,
        shown: Path | None = None,
    ) -> IngestResult:
        shown = shown or item.path
        if isinstance(analysed, str):
            return IngestResult(str(shown), "failed", reason=analysed)
        report = analysed.report
        if not analysed.chunks:
            return IngestResult(
                str(shown),
                "failed",
                reason=f"{shown.name}: no report text (only a title or promotional lines)",
            )
        source = source or str(item.path.resolve())
        existing = self.store.find_document(source=source)
        try:
            doc_id = self._save(
                analysed,
                source,
                item.content_hash,
                item.keys,
                replaces=replaces
                if replaces is not None
                else existing.doc_id
                if existing
                else None,
            )
        except DuplicateError as duplicate:  # the same file arrived twice at once
            return self._unchanged(shown, self.store.document(duplicate.doc_id))
        return IngestResult(
            str(shown),
            "replaced" if existing or replaces else "added",
            doc_id=doc_id,
            title=report.title,
            parts=report.parts,
            sections=len(report.sections),
            chunks=len(analysed.chunks),
            structured=report.structured,
            warnings=analysed.warnings,
        )

    @staticmethod
    def _unchanged(path: Path, same: DocumentInfo, removed: int | None = None) -> IngestResult:
        return IngestResult(
            str(path),
            "unchanged",
            doc_id=same.doc_id,
            title=same.title,
            parts=same.parts,
            sections=same.sections,
            chunks=same.chunks,
            removed=removed,
        )

    def ingest_upload(
        self,
        incoming: Path,
        target: Path,
        *,
        legacy: Path | None = None,
        seconds: float = UPLOAD_SECONDS,
    ) -> IngestResult:
        """Ingest a chat upload saved at `incoming` as the report `target` names.

        The file is moved to `target` only once it is ingested, so a broken upload never
        overwrites a good one, and `target` names that report: sent again (even with the
        bytes of another report) it replaces the old version. `legacy` is where older
        versions kept the same upload. Parsing runs once, in a worker process that is
        killed after `seconds`, so a hostile file cannot hold up the bot.
        """
        try:
            return self._ingest_upload(incoming, target, legacy, seconds)
        finally:
            incoming.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                incoming.parent.rmdir()

    def _ingest_upload(
        self, incoming: Path, target: Path, legacy: Path | None, seconds: float
    ) -> IngestResult:
        source = str(target.resolve())
        old = self.store.find_document(source=source) or (
            self.store.find_document(source=str(legacy.resolve())) if legacy else None
        )
        started = time.monotonic()
        try:
            text = self.worker.run(_read_job, incoming, self.max_file_bytes, seconds=seconds)
            if isinstance(text, str):
                return IngestResult(str(target), "failed", reason=text)
            item = _Prepared(
                incoming,
                hashlib.sha256(incoming.read_bytes()).hexdigest(),
                frozenset(candidate_keys(text.lines)),
            )
            same = self.store.find_document(content_hash=item.content_hash)
            if same is not None:
                removed = None
                if old is not None and old.doc_id != same.doc_id:
                    removed = self.store.delete_document(old.doc_id).doc_id
                self._keep(incoming, target)
                return self._unchanged(target, same, removed)
            analysed = self.worker.run(
                _analyse_source_job,
                text,
                target.name,
                self._boilerplate_for([item]),
                seconds=max(0.1, seconds - (time.monotonic() - started)),
            )
        except WorkerTimeout:
            return IngestResult(
                str(target),
                "failed",
                reason=f"{target.name}: took longer than "
                f"{seconds:g} s to read, stopped (split it into smaller files)",
            )
        result = self._store_analysed(
            item, analysed, source, old.doc_id if old else None, shown=target
        )
        if result.status in ("added", "replaced"):
            self._keep(incoming, target)
        return result

    @staticmethod
    def _keep(incoming: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(incoming, target)

    def _save(
        self,
        analysed: AnalysedReport,
        source: str,
        content_hash: str,
        line_keys: Iterable[str],
        replaces: int | None = None,
        sample: bool = False,
        store: ReportStore | None = None,
    ) -> int:
        report = analysed.report
        target = store or self.store
        with target.writing():
            doc_id = target.save_document(
                title=report.title,
                source=source,
                content_hash=content_hash,
                format=report.format,
                year=report.year,
                parts=report.parts,
                sections=len(report.sections),
                chunks=analysed.chunks,
                line_keys=line_keys,
                phrases=analysed.phrases,
                sample=sample,
                replaces=replaces,
            )
            self.remember(doc_id, analysed, target)
        return doc_id

    def _ingest_samples(self, store: ReportStore) -> None:
        """Fill the sample database with the shipped sample reports (see bot/samples.py)."""
        for entry in sample_files():
            with resources.as_file(entry) as path:
                analysed = analyse_file(path, DEFAULT_MAX_BYTES, BoilerplateFilter())
            self._save(
                analysed,
                SAMPLE_PREFIX + entry.name,
                hashlib.sha256(entry.read_bytes()).hexdigest(),
                (),
                sample=True,
                store=store,
            )

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
            scope if scope else None,
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
        candidates = self._candidates(ranked, store)
        if wording and not asks_problems(query):
            candidates = [c for c in candidates if c.kind != "problem"]
        model = self.feedback_model() if feedback else None
        candidates, effects = model.adjust(analysis, candidates) if model else (candidates, {})
        return marked(select_passages(analysis, candidates, k), effects)

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

    # passage votes ----------------------------------------------------------------------

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

    def _candidates(self, ranked: list[tuple[int, float]], store: ReportStore) -> list[Candidate]:
        records = store.chunks([chunk_id for chunk_id, _ in ranked])
        return [
            Candidate(
                chunk_id,
                score,
                r.doc_id,
                r.doc_title,
                r.path,
                r.kind,
                r.text,
                frozenset(r.tokens) | title_tokens(r.doc_title),
                r.page,
                r.compact,
            )
            for chunk_id, score in ranked
            if (r := records.get(chunk_id)) is not None
        ]

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
        """An online copy of the database (safe while the bot serves)."""
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


def _places(ranked: tuple[list[int], list[int]], chunk_id: int) -> tuple[int | None, int | None]:
    """1-based ranks of a passage in the two lists (None where it is absent)."""
    before, after = (ids.index(chunk_id) + 1 if chunk_id in ids else None for ids in ranked)
    return before, after


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to ingest from files and folders; folder entries of other types are skipped."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in _walk(path):
                if not child.is_file():
                    skipped.append(
                        (child, f"{child.name}: not a regular file (pipe, device or broken link)")
                    )
                elif child.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(child)
                else:
                    skipped.append((child, f"{child.name}: not a report file type"))
        else:
            files.append(path)
    return files, skipped


def _walk(folder: Path) -> Iterator[Path]:
    """Entries below a folder, except folders and hidden or Office lock files."""
    for child in sorted(folder.rglob("*")):
        hidden = any(part.startswith((".", "~$")) for part in child.relative_to(folder).parts)
        if not hidden and not child.is_dir():
            yield child
