"""Word segmentation: jieba's results from jieba-rs (rjieba) when installed, else from jieba.

jieba is the reference: every token the index holds is jieba's. rjieba segments with the same
dictionary and algorithm 12-15x faster and is ready in ~0.1 s instead of jieba's ~0.7 s
dictionary load (docs/benchmarks.md). It lacks jieba's FREQ table and total, which the
question analysis reads; those come from jieba's own dict.txt as a sorted array, built once
and memory-mapped from a cache file (a few ms to open). The one place the two differ, rjieba's
HMM keeping placeholder runs such as "x-x" whole where jieba splits them, is split again here.
REPORTBOT_SEGMENTER=jieba forces the reference.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable
from importlib import resources
from importlib.util import find_spec

import numpy as np

from .derived import derived_stem, save_atomically, trusted

ENV = "REPORTBOT_SEGMENTER"
# jieba's finalseg splits an unknown run into these pieces (its re_skip), one char otherwise
_MIXED_PIECES = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?|.", re.S)


class Segmenter:
    """jieba's cuts and dictionary frequencies, from whichever implementation is installed."""

    def __init__(self, backend: str | None = None) -> None:
        self.backend = backend or _default_backend()
        self._lock = threading.Lock()
        self._ready = False

    def _ensure(self) -> None:
        """Load the dictionary and our glossary once (jieba prints to stderr: silenced)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if self.backend == "rjieba":
                engine = _rjieba_engine()
                self._cut = engine.cut
                self._search = _split_mixed(engine.cut_for_search)
                self.lexicon = Lexicon.of_jieba()
                add = engine.add_word
            else:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                engine = jieba.Tokenizer()
                engine.initialize()
                self._cut = lambda text, hmm: engine.lcut(text, HMM=hmm)
                self._search = lambda text, hmm: list(engine.cut_for_search(text, HMM=hmm))
                self.lexicon = _JiebaLexicon(engine)
                add = lambda word, freq, tag: engine.add_word(word, freq, tag)  # noqa: E731
            self.general: dict[str, int] = {}
            glossary = resources.files(__package__).joinpath("glossary.txt").read_text("utf-8")
            for line in glossary.splitlines():
                word, freq, tag = line.split()
                self.general[word] = self.lexicon.get(word) or 0
                add(word, int(freq), tag)
                self.lexicon.add(word, int(freq))
            self._ready = True

    def load_in_background(self) -> None:
        """Start loading the dictionary now, so that it overlaps other start-up work (the
        index load mostly waits on memory and runs without the GIL)."""
        if not self._ready:
            threading.Thread(target=self._ensure, name="segmenter-load", daemon=True).start()

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        """Precise mode (jieba.lcut)."""
        self._ensure()
        return self._cut(text, hmm)

    def cut_for_search(self, text: str, hmm: bool = True) -> list[str]:
        """Search mode: the words plus their dictionary sub-words (jieba.cut_for_search)."""
        self._ensure()
        return self._search(text, hmm)

    def frequency(self, word: str) -> int | None:
        """jieba.dt.FREQ.get(word): a word's count, 0 for a bare prefix, None when absent."""
        self._ensure()
        return self.lexicon.get(word)

    def general_frequency(self, word: str) -> int:
        """A word's count in the dictionary as shipped (the glossary's boosts left out)."""
        self._ensure()
        return self.general.get(word, self.lexicon.get(word) or 0)

    @property
    def total(self) -> int:
        """jieba.dt.total: the sum of all counts, glossary included."""
        self._ensure()
        return self.lexicon.total


_claim_lock = threading.Lock()
_default_claimed = False


def _rjieba_engine():
    """The instance rjieba builds when imported (0.1 s), for the first segmenter; a new one
    for any other, since each adds the glossary to its own dictionary."""
    global _default_claimed
    import rjieba

    with _claim_lock:
        if not _default_claimed:
            _default_claimed = True
            return rjieba._DEFAULT_JIEBA
    return rjieba.Jieba()


def _default_backend() -> str:
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted in ("jieba", "rjieba"):
        return wanted
    return "rjieba" if find_spec("rjieba") is not None else "jieba"


def _split_mixed(cut: Callable[[str, bool], list[str]]) -> Callable[[str, bool], list[str]]:
    """rjieba's cut with jieba's split of unknown runs that mix letters and symbols."""

    def split(text: str, hmm: bool) -> list[str]:
        tokens = cut(text, hmm)
        if not hmm or all(t.isalnum() or len(t) == 1 for t in tokens):
            return tokens
        out: list[str] = []
        for t in tokens:
            if t.isalnum() or len(t) == 1:
                out.append(t)
            else:
                out.extend(_MIXED_PIECES.findall(t))
        return out

    return split


class Lexicon:
    """jieba's FREQ as a sorted array of UTF-8 words with their counts, plus later additions.

    A word in the dictionary has its count; a prefix of one counts 0 (as jieba's prefix dict
    holds it); anything else is absent. Added words go to a small overlay, prefixes included.
    """

    def __init__(self, words: np.ndarray, counts: np.ndarray, total: int) -> None:
        self.words, self.counts, self.total = words, counts, total
        self.overlay: dict[str, int] = {}

    @classmethod
    def of_jieba(cls) -> Lexicon:
        """The lexicon of jieba's shipped dict.txt, from a cache file made on first use."""
        source, stem = _dictionary_cache("lexicon")
        try:
            if not (trusted(stem + ".words.npy") and trusted(stem + ".counts.npy")):
                raise OSError("no lexicon cache of this user's")
            words = np.load(stem + ".words.npy", mmap_mode="r")
            counts = np.load(stem + ".counts.npy", mmap_mode="r")
            if len(words) != len(counts) - 1:
                raise ValueError("mismatched lexicon cache")
        except (OSError, ValueError):
            words, counts = _read_dictionary(source)
            for name, array in (("words", words), ("counts", counts)):
                save_atomically(f"{stem}.{name}.npy", lambda f, a=array: np.save(f, a))
        return cls(words, counts[:-1], int(counts[-1]))

    def get(self, word: str) -> int | None:
        if word in self.overlay:
            return self.overlay[word]
        key = word.encode()
        if len(key) > self.words.dtype.itemsize or not key:
            return None
        at = int(np.searchsorted(self.words, key))
        if at < len(self.words):
            found = self.words[at]
            if found == key:
                return int(self.counts[at])
            if found.startswith(key):
                return 0
        return None

    def add(self, word: str, freq: int) -> None:
        """jieba's add_word: the count replaces, the total grows, prefixes appear."""
        self.overlay[word] = freq
        self.total += freq
        for end in range(1, len(word)):
            if self.get(word[:end]) is None:
                self.overlay[word[:end]] = 0


class _JiebaLexicon:
    """jieba's own FREQ table (jieba's add_word updates it)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def get(self, word: str) -> int | None:
        return self.engine.FREQ.get(word)

    def add(self, word: str, freq: int) -> None:
        """Nothing to do: jieba's add_word has updated FREQ and total."""

    @property
    def total(self) -> int:
        return self.engine.total


PROPER_NAME_TAGS = (b"ns", b"nz")  # place names, other proper names


class ProperNames:
    """jieba's dictionary words tagged as proper names, sorted, from a cache file made on
    first use: looked up only for question words the reports lack (a few ms to open)."""

    def __init__(self) -> None:
        self._names: np.ndarray | None = None
        self._lock = threading.Lock()

    def __contains__(self, word: str) -> bool:
        names = self._load()
        key = word.encode()
        at = int(np.searchsorted(names, key))
        return at < len(names) and names[at] == key

    def _load(self) -> np.ndarray:
        with self._lock:
            if self._names is None:
                source, stem = _dictionary_cache("proper")
                cache = stem + ".npy"
                try:
                    if not trusted(cache):
                        raise OSError("no proper-name cache of this user's")
                    self._names = np.load(cache, mmap_mode="r")
                except (OSError, ValueError):
                    self._names = names = _read_proper_names(source)
                    save_atomically(cache, lambda f: np.save(f, names))
        return self._names


def _dictionary_cache(kind: str) -> tuple[str, str]:
    """jieba's shipped dict.txt, and the stem of the cache files made from it."""
    source = os.path.join(os.path.dirname(find_spec("jieba").origin), "dict.txt")
    return source, derived_stem(kind, source)


def _read_proper_names(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        names = {
            p[0] for p in (line.split() for line in f) if len(p) >= 3 and p[2] in PROPER_NAME_TAGS
        }
    return np.array(sorted(names))


def _read_dictionary(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted words and their counts (the last entry of counts is the total), as jieba reads
    the file: a repeated word keeps its last count, every line adds to the total."""
    counts: dict[bytes, int] = {}
    total = 0
    with open(path, "rb") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                counts[parts[0]] = int(parts[1])
                total += int(parts[1])
    words = np.array(sorted(counts))
    return words, np.array([*(counts[w] for w in words.tolist()), total], np.int64)


segmenter = Segmenter()
proper_names = ProperNames()
