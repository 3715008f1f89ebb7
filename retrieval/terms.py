"""A report's passages as term ids per search field, made where the tokens are made.

The database keeps every field's terms with append-only ids and each passage's tokens as an
int32 array of them, so an index rebuild reads arrays instead of splitting strings and cutting
bigrams for every passage (docs/benchmarks.md). The worker that tokenizes a report numbers its
distinct terms locally; the writer then maps only those few to the database's ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from .models import Chunk, packed, unpacked
from .text import compact_form
from .tokenizer import word_runs

FIELDS = ("words", "bigrams")  # the search fields, in the order index_terms() returns them


@dataclass(frozen=True)
class TermRows:
    """One field's passages as int32 indexes into the report's distinct terms (first seen
    first), passage after passage: lens[i] indexes for passage i."""

    terms: tuple[str, ...]
    lens: np.ndarray
    ids: np.ndarray

    def __reduce__(self):  # terms packed: they travel from a worker with the report
        return _term_rows, (packed(self.terms), self.lens, self.ids)


def _term_rows(terms: str | tuple[str, ...], lens: np.ndarray, ids: np.ndarray) -> TermRows:
    return TermRows(unpacked(terms), lens, ids)


def term_rows(passages: Iterable[Sequence[str]]) -> TermRows:
    """Number the distinct tokens of these passages and spell the passages with the numbers."""
    passages = list(passages)
    lens = np.fromiter(map(len, passages), np.int32, len(passages))
    local = {term: i for i, term in enumerate(dict.fromkeys(chain.from_iterable(passages)))}
    ids = np.fromiter(
        map(local.__getitem__, chain.from_iterable(passages)), np.int32, int(lens.sum())
    )
    return TermRows(tuple(local), lens, ids)


def bigram_text(chunk: Chunk) -> str:
    """What a passage's bigrams are cut from: its headings' and its text's compact forms run
    together, as bigrams("\\n".join((*path, text))) sees them (a line break is white space).
    The text's compact form is made once at ingest; headings repeat, so theirs are cached."""
    return "".join(map(_compact_heading, chunk.path)) + (chunk.compact or compact_form(chunk.text))


@lru_cache(maxsize=16384)
def _compact_heading(heading: str) -> str:
    return compact_form(heading)


# Between runs of a report's bigram text: a code point no run holds (runs are letters and
# digits), so no bigram straddles two runs or two passages.
_GAP = "\0"
_CODE_BITS = 21  # Unicode code points are below 2**21: two make one int64 key
_PAIR = re.compile(".{2}", re.DOTALL)


def bigram_rows(texts: Iterable[str]) -> TermRows:
    """term_rows of the bigrams of these bigram_text()s, made without a string per bigram:
    the report's runs as one array of code points, a bigram one int64 key, one np.unique."""
    runs = [word_runs(text) for text in texts]
    lens = np.fromiter((sum(map(len, r)) - len(r) for r in runs), np.int32, len(runs))
    points = np.frombuffer(_GAP.join(chain.from_iterable(runs)).encode("utf-32-le"), np.uint32)
    keys = points[:-1].astype(np.int64) << _CODE_BITS | points[1:]
    keys = keys[(points[:-1] != 0) & (points[1:] != 0)]
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # distinct bigrams, first seen first
    local = np.empty(len(order), np.int32)
    local[order] = np.arange(len(order), dtype=np.int32)
    distinct = unique[order]
    pairs = np.stack((distinct >> _CODE_BITS, distinct & (1 << _CODE_BITS) - 1), axis=1)
    terms = tuple(_PAIR.findall(pairs.astype(np.uint32).tobytes().decode("utf-32-le")))
    return TermRows(terms, lens, local[inverse.reshape(-1)])


def index_terms(chunks: Sequence[Chunk]) -> tuple[TermRows, ...]:
    """Both fields' term rows of a report's passages, in FIELDS order."""
    return (
        term_rows(chunk.tokens for chunk in chunks),
        bigram_rows(map(bigram_text, chunks)),
    )


@dataclass(frozen=True)
class StoredField:
    """One field of every stored passage, by passage order: ids into terms, lens ids a passage."""

    terms: list[str]
    ids: np.ndarray
    lens: np.ndarray
