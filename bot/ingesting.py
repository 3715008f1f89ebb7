"""Ingest on ReportService: files and folders, chat uploads and the sample reports.

A mixin of ReportService (it uses `store`, `worker`, `max_file_bytes`,
`boilerplate_patterns` and TeamMemory's `remember`), so every adapter still goes through
the one door; parsing lives in retrieval/pipeline.py, run here in worker processes.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..retrieval.boilerplate import REPEAT_DOCUMENTS, BoilerplateFilter, candidate_keys
from ..retrieval.errors import DocumentError
from ..retrieval.formats import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, SourceText
from ..retrieval.models import IngestWarning
from ..retrieval.pipeline import AnalysedReport, analyse_file, analyse_report
from ..storage.db import DocumentInfo, ReportStore
from ..storage.errors import DuplicateError, NotFoundError, StorageError
from .samples import sample_files
from .worker import ParseWorker, WorkerTimeout, _exit_with_parent, _read_job, checked_source

UPLOAD_SECONDS = 60.0
PARALLEL_MIN_FILES = 16
# Text kept from the first read of a batch's files for the workers, which otherwise read
# them again: ~64 MB, the 5,000-report benchmark corpus (17M characters) whole.
KEPT_TEXT_CHARS = 32_000_000
STORE_GROUP = 16  # documents per write transaction: fewer commits, the lock held briefly
SAMPLE_PREFIX = "sample:"
BATCH_GC_THRESHOLD = 20_000  # allocations between young collections while ingesting (700)


class _FewerCollections:
    """The cyclic collector run less often while any ingest runs: the workers' reports
    arrive as thousands of small objects each, and collecting them every 700 allocations
    cost the writer ~10 % of its CPU (docs/benchmarks.md); ingest makes no cyclic garbage.
    Counted, so that concurrent ingests restore the thresholds only when the last ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._saved = gc.get_threshold()

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        with self._lock:
            if not self._running:
                self._saved = gc.get_threshold()
                gc.set_threshold(max(BATCH_GC_THRESHOLD, self._saved[0]), *self._saved[1:])
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if not self._running:
                    gc.set_threshold(*self._saved)


_fewer_collections = _FewerCollections()


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
class _Prepared:
    path: Path
    content_hash: str = ""
    keys: frozenset[str] = frozenset()
    error: str | None = None
    source: SourceText | None = None  # kept (see KEPT_TEXT_CHARS): each file is read once

    @property
    def chars(self) -> int:
        """Characters of the text kept for the worker."""
        return sum(map(len, self.source.lines)) if self.source else 0


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


class Ingesting:
    """The ingest half of ReportService."""

    store: ReportStore
    worker: ParseWorker
    max_file_bytes: int
    boilerplate_patterns: tuple[str, ...]

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
        with _fewer_collections.during():
            return self._ingest(paths, progress, workers)

    def _ingest(
        self,
        paths: Iterable[str | Path],
        progress: Callable[[IngestResult], None] | None,
        workers: int | None,
    ) -> list[IngestResult]:
        files, skipped = expand_paths(paths)
        results = [IngestResult(str(p), "skipped", reason=why) for p, why in skipped]
        prepared, kept = [], 0
        for path in files:  # texts read here go to the workers while they fit the budget
            prepared.append(self._prepare(path, keep=kept < KEPT_TEXT_CHARS))
            kept += prepared[-1].chars
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
        (a large batch cannot hold every file's text in memory; OCR text is always kept)."""
        if not (path.exists() or path.is_symlink()):  # a mistyped path, not a file type
            return _Prepared(path, error=f"{path}: no such file or folder")
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
                terms=analysed.terms,
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
