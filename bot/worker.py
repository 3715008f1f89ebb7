"""Run CPU-heavy parsing of chat uploads in a separate process with a time limit.

A hostile or just huge file must not monopolise the bot's one interpreter: the bot keeps
answering while a worker process parses, and a worker that runs past the limit is killed
(and a fresh one started for the next upload). One worker, one upload at a time.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
import zipfile
from collections.abc import Callable
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any, TypeVar

from ..retrieval.errors import DocumentError
from ..retrieval.formats import DOCX_UNPACK_RATIO, SourceText, read_source

T = TypeVar("T")
MAX_PARAGRAPHS = 20_000
PARENT_CHECK_SECONDS = 0.5


class WorkerTimeout(Exception):
    """The job ran past its time limit and its worker was killed."""


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: a worker whose parent (ingest or bot) was killed exits too."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start_worker(parent: int) -> None:
    """Watch the parent, and load the tokenizer's dictionary before the first job."""
    from ..retrieval.tokenizer import tokenize

    _exit_with_parent(parent)
    tokenize("预热")


def checked_source(path: Path, max_bytes: int) -> SourceText:
    """A file's lines, refusing a .docx with more paragraphs than any report has.

    The paragraphs are counted in the raw XML first (a fast scan), so a document that
    would take minutes to parse is refused before parsing starts.
    """
    if path.suffix.lower() == ".docx":
        count = docx_paragraph_count(path, max_bytes * DOCX_UNPACK_RATIO)
        if count > MAX_PARAGRAPHS:
            raise DocumentError(
                f"{path.name}: {count:,} paragraphs, more than the "
                f"{MAX_PARAGRAPHS:,} a report may have (split it into smaller "
                "files)"
            )
    return read_source(path, max_bytes)


def docx_paragraph_count(path: Path, max_unpacked: int) -> int:
    """How many <w:p> elements word/document.xml holds (0 if it cannot be read: the
    parser then says why)."""
    count, tail, read = 0, b"", 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open("word/document.xml") as xml:
            while chunk := xml.read(1 << 20):
                read += len(chunk)
                if read > max_unpacked:
                    return 0  # the parser refuses it for its size
                data = tail + chunk
                count += data.count(b"<w:p>") + data.count(b"<w:p ")
                count -= tail.count(b"<w:p>") + tail.count(b"<w:p ")
                tail = data[-5:]
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return 0
    return count


def _read_job(path: Path, max_bytes: int) -> SourceText | str:
    """Worker entry point: a file's lines, or the one-line reason it cannot be read."""
    try:
        return checked_source(path, max_bytes)
    except DocumentError as error:
        return str(error)


class ParseWorker:
    """A lazily started one-process pool (spawned: no fork of a threaded bot).

    One per process (`shared`): starting a worker costs about a second, and a process
    serves one database anyway; it is stopped at exit.
    """

    _shared: ParseWorker | None = None

    def __init__(self) -> None:
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> ParseWorker:
        if cls._shared is None:
            cls._shared = cls()
            atexit.register(cls._shared.close)
        return cls._shared

    def run(self, function: Callable[..., T], *args: Any, seconds: float) -> T:
        """`function(*args)` in the worker; WorkerTimeout after `seconds` (worker killed)."""
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = context.Pool(1, initializer=_start_worker, initargs=(os.getpid(),))
                self._pool.apply(os.getpid)  # started and warmed up: the limit is the job's
            job = self._pool.apply_async(function, args)
            try:
                return job.get(seconds)
            except multiprocessing.TimeoutError:
                self._pool.terminate()
                self._pool.join()
                self._pool = None
                raise WorkerTimeout(f"took longer than {seconds:g} s") from None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.terminate()
                self._pool.join()
                self._pool = None
