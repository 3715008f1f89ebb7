"""Wording carried over from earlier reports, sentence by sentence.

Writers start next year's report from last year's, so whole sentences come back word for
word, often under another number ("（三）" last year, "（四）" now). Sentences are compared
without outline numbers, spaces and closing punctuation; short ones ("现将情况报告如下")
are too common to say anything and are not counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .text import squeeze
from .wording import strip_numbering

SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")
MIN_SENTENCE_CHARS = 8
TRIM = "。！？；!?;，,：: "
LONGEST_SHOWN = 5


@dataclass(frozen=True)
class Passage:
    """A passage of a stored report: the unit sentences are looked up in."""

    chunk_id: int
    doc_id: int
    text: str


@dataclass(frozen=True)
class Repeat:
    """Consecutive sentences of a report found word for word in one earlier report."""

    text: str
    chunk_id: int
    source_doc_id: int
    source_chunk_id: int


@dataclass(frozen=True)
class ReuseReport:
    """How much of a report repeats earlier ones: share of its sentences, longest runs."""

    doc_id: int
    sentences: int
    repeated: int
    passages: tuple[Repeat, ...]

    @property
    def share(self) -> float:
        return round(self.repeated / self.sentences, 3) if self.sentences else 0.0


def sentences(text: str) -> list[tuple[str, str]]:
    """(key, sentence) pairs of a passage: the key is the sentence without numbering,
    spaces and end punctuation; sentences shorter than MIN_SENTENCE_CHARS are left out."""
    found = []
    for raw in SENTENCE_END.split(text):
        sentence = raw.strip()
        key = squeeze(strip_numbering(sentence)).strip(TRIM)
        if len(key) >= MIN_SENTENCE_CHARS:
            found.append((key, sentence))
    return found


def sentence_sources(earlier: Iterable[Passage]) -> dict[str, Passage]:
    """Where each sentence of the earlier passages was first seen (pass nearest first)."""
    sources: dict[str, Passage] = {}
    for passage in earlier:
        for key, _ in sentences(passage.text):
            sources.setdefault(key, passage)
    return sources


def sentence_matches(text: str, sources: dict[str, Passage]) -> list[Passage | None]:
    """For each counted sentence of a passage, the earlier passage holding it (None: new)."""
    return [sources.get(key) for key, _ in sentences(text)]


def repeated_from(matches: list[Passage | None]) -> Passage | None:
    """The earlier passage a passage repeats word for word (every counted sentence of it
    was written before; the passage holding most of them is named), else None."""
    if not matches or None in matches:
        return None
    return Counter(matches).most_common(1)[0][0]


def reuse_report(
    doc_id: int, passages: Sequence[Passage], earlier: Iterable[Passage]
) -> ReuseReport:
    """Share of a report's sentences found in earlier reports, and its longest repeats."""
    sources = sentence_sources(earlier)
    runs: list[list] = []  # [source passage, chunk id, sentences]
    total = repeated = 0
    for passage in passages:
        previous: Passage | None = None  # a repeat stays within its passage (and heading)
        for key, sentence in sentences(passage.text):
            total += 1
            source = sources.get(key)
            if source is None:
                previous = None
                continue
            repeated += 1
            if previous is not None and previous.doc_id == source.doc_id:
                runs[-1][2].append(sentence)
            else:
                runs.append([source, passage.chunk_id, [sentence]])
            previous = source
    longest = sorted(runs, key=lambda run: -sum(len(s) for s in run[2]))[:LONGEST_SHOWN]
    return ReuseReport(
        doc_id,
        total,
        repeated,
        tuple(
            Repeat("".join(texts), chunk_id, source.doc_id, source.chunk_id)
            for source, chunk_id, texts in longest
        ),
    )
