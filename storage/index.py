"""The search index of a database: loaded from a sidecar file, kept in step with changes.

A restart loads `<db>.bm25.npz`, `<db>.bigrams.npz` and `<db>.rows.npz` instead of re-reading every chunk; the
files carry the database state they were written for and are rebuilt, never trusted, when
stale or damaged. Changes made by this or another process (a CLI ingest while the bot
serves) are applied incrementally from the change log; a large backlog is rebuilt in a
background thread while searches go on against the old index.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import zipfile
from pathlib import Path

import numpy as np

from ..retrieval.bm25 import IndexFileError
from ..retrieval.search import FieldIndex, Rows, Searcher
from .db import Change, ReportStore

log = logging.getLogger(__name__)

MAX_INCREMENTAL_CHANGES = 200


class ReportIndex:
    """The Searcher for one ReportStore, synced on demand."""

    def __init__(self, store: ReportStore, persist: bool = True, engine: str = "bm25") -> None:
        self.store = store
        self.engine = engine
        # the reference engine has no file format; a read-only database keeps it in memory
        self.persist = persist and engine == "bm25" and not store.read_only
        self._searcher: Searcher | None = None
        self._generation = -1
        self._state = ""
        self._lock = threading.Lock()
        self._rebuilding: threading.Thread | None = None

    def searcher(self) -> Searcher:
        """The current searcher, first applying any change made since the last call."""
        if self._searcher is None:
            with self._lock:
                if self._searcher is None:
                    self._searcher = self._load() or self._rebuild_now()
        if self.store.generation() != self._generation:
            self.refresh()
        return self._searcher

    def refresh(self) -> None:
        """Apply the change log incrementally, or rebuild in the background if it is long."""
        with self._lock:
            generation = self.store.generation()
            if generation == self._generation or self._searcher is None:
                return
            changes = self.store.changes_since(self._generation)
            if len(changes) > MAX_INCREMENTAL_CHANGES or not _complete(
                changes, self._generation, generation
            ):
                self._rebuild_in_background()
                return
            self._apply(changes)

    def _apply(self, changes: list[Change]) -> None:
        searcher = self._searcher
        for change in changes:
            if change.op == "delete":
                searcher.remove_documents([change.doc_id])
            else:
                searcher.add(
                    self.store.iter_index_rows(change.doc_id), self.store.phrases(change.doc_id)
                )
        self._generation = changes[-1].generation
        self._state = ""

    def _build(self) -> Searcher:
        """A searcher over every stored passage: from the stored term ids, or (the reference
        engine, which takes strings) from the tokens."""
        if self.engine == "bm25":
            return Searcher.from_ids(*self.store.index_fields(), self.store.phrases())
        return Searcher.build(self.store.iter_index_rows(), self.store.phrases(), self.engine)

    def _rebuild_now(self) -> Searcher:
        state = self.store.state()
        searcher = self._build()
        self._generation, self._state = _generation_of(state), state
        self._save(searcher, state)
        return searcher

    def _rebuild_in_background(self) -> None:
        if self._rebuilding is not None and self._rebuilding.is_alive():
            return

        def rebuild() -> None:
            state = self.store.state()
            searcher = self._build()
            with self._lock:
                self._searcher = searcher
                self._generation, self._state = _generation_of(state), state
            self._save(searcher, state)

        self._rebuilding = threading.Thread(target=rebuild, name="index-rebuild", daemon=True)
        self._rebuilding.start()

    def wait(self) -> None:
        """Block until a background rebuild (if any) has finished."""
        if self._rebuilding is not None:
            self._rebuilding.join()

    # sidecar files ---------------------------------------------------------------------

    def save(self) -> None:
        """Write the sidecar files if the index has changed since they were written."""
        with self._lock:
            if self._searcher is None or self._state:
                return
            state = self.store.state()
            if _generation_of(state) != self._generation:
                return
            self._state = state
            searcher = self._searcher
        self._save(searcher, state)

    def _save(self, searcher: Searcher, state: str) -> None:
        if not self.persist:
            return
        try:
            searcher.index.save(_bm25_path(self.store.path), generation=state)
            searcher.bigram_index.save(_bigram_path(self.store.path), generation=state)
            _save_rows(_rows_path(self.store.path), searcher, state)
        except OSError as error:
            log.warning("could not write the index file beside the database: %s", error)

    def _load(self) -> Searcher | None:
        if not self.persist:
            return None
        state = self.store.state()
        try:
            index, bigram_index = (
                FieldIndex.load(path(self.store.path), state, defer_checksums=True)
                for path in (_bm25_path, _bigram_path)
            )
            rows, phrases = _load_rows(_rows_path(self.store.path), state, index.n_docs)
            if bigram_index.n_docs != index.n_docs:
                raise IndexFileError("the word and bigram index files do not match")
        except IndexFileError as error:
            log.info("rebuilding the search index: %s", error)
            return None
        self._generation, self._state = _generation_of(state), state
        threading.Thread(
            target=self._verify, args=(index, bigram_index), name="index-verify", daemon=True
        ).start()
        return Searcher(index, bigram_index, rows, phrases)

    def _verify(self, *indexes: FieldIndex) -> None:
        """The files' checksums, read after start-up (a pass over every page, 0.4 s at 1M
        passages); a damaged file is replaced by a rebuild, searches going on meanwhile."""
        try:
            for index in indexes:
                index.verify_checksums()
        except IndexFileError as error:
            log.warning("rebuilding the search index: %s", error)
            with self._lock:
                self._rebuild_in_background()


def _generation_of(state: str) -> int:
    return int(state.split(":", 1)[0])


def _complete(changes: list[Change], since: int, until: int) -> bool:
    """Whether the log holds every generation in (since, until]; older logs may be pruned."""
    return bool(changes) and changes[0].generation == since + 1 and changes[-1].generation == until


def _bm25_path(prefix: Path) -> Path:
    return prefix.with_name(prefix.name + ".bm25.npz")


def _bigram_path(prefix: Path) -> Path:
    return prefix.with_name(prefix.name + ".bigrams.npz")


def _rows_path(prefix: Path) -> Path:
    return prefix.with_name(prefix.name + ".rows.npz")


def _save_rows(path: Path, searcher: Searcher, state: str) -> None:
    rows = searcher.rows
    header = json.dumps({"state": state}).encode()
    phrases = "\n".join(sorted(searcher.phrases)).encode()
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
        try:
            np.savez(
                f,
                header=np.frombuffer(header, np.uint8),
                phrases=np.frombuffer(phrases, np.uint8),
                **rows._asdict(),
            )
        except BaseException:
            os.unlink(f.name)
            raise
    os.replace(f.name, path)


def _load_rows(path: Path, state: str, n_docs: int) -> tuple[Rows, set[str]]:
    try:
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as z:
            header = json.loads(z["header"].tobytes())
            rows = Rows(*(z[name] for name in Rows._fields))
            phrases = z["phrases"].tobytes().decode()
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise IndexFileError(f"unreadable row file {path}: {error}") from error
    if header.get("state") != state:
        raise IndexFileError(f"{path} is stale")
    if any(len(column) != n_docs for column in rows):
        raise IndexFileError(f"{path} does not match the BM25 index")
    return rows, set(phrases.split("\n")) if phrases else set()
