"""A report's passages as term ids per search field, made where the tokens are made.

The database keeps every field's terms with append-only ids and each passage's tokens as an
int32 array of them, so an index rebuild reads arrays instead of splitting strings and cutting
bigrams for every passage (docs/benchmarks.md). The worker that tokenizes a report numbers its
distinct terms locally; the writer then maps only those few to the database's ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .models import Chunk
from .tokenizer import bigrams

FIELDS = ("words", "bigrams")  # the search fields, in the order index_terms() returns them


@dataclass(frozen=True)
class TermRows:
    """One field's passages as int32 indexes into the report's distinct terms (first seen
    first), passage after passage: lens[i] indexes for passage i."""

    terms: tuple[str, ...]
    lens: np.ndarray
    ids: np.ndarray


def term_rows(passages: Iterable[Sequence[str]]) -> TermRows:
    """Number the distinct tokens of these passages and spell the passages with the numbers."""
    passages = list(passages)
    lens = np.fromiter(map(len, passages), np.int32, len(passages))
    local: dict[str, int] = {}
    ids = np.fromiter(
        (local.setdefault(t, len(local)) for tokens in passages for t in tokens),
        np.int32,
        int(lens.sum()),
    )
    return TermRows(tuple(local), lens, ids)


def passage_bigrams(path: Sequence[str], text: str) -> list[str]:
    """The bigram field's tokens of a passage: those of its headings and its text."""
    return bigrams("\n".join((*path, text)))


def index_terms(chunks: Sequence[Chunk]) -> tuple[TermRows, ...]:
    """Both fields' term rows of a report's passages, in FIELDS order."""
    return (
        term_rows(chunk.tokens for chunk in chunks),
        term_rows(passage_bigrams(chunk.path, chunk.text) for chunk in chunks),
    )


@dataclass(frozen=True)
class StoredField:
    """One field of every stored passage, by passage order: ids into terms, lens ids a passage."""

    terms: list[str]
    ids: np.ndarray
    lens: np.ndarray
