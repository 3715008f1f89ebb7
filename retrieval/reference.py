"""rank-bm25's BM25Okapi behind the BM25Index interface: the reference scorer.

Slow (it loops over every passage for every query term and is rebuilt on each change), so
the fast postings engine is the default; `search.engine = "rank-bm25"` selects this one,
to check an answer against the library the design names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .bm25 import EPSILON, K1, B


class ReferenceIndex:
    """Rows are appended and tombstoned like BM25Index's; scores come from BM25Okapi."""

    def __init__(self, corpus: Sequence[Sequence[str]]) -> None:
        self._rows: list[list[str]] = []
        self._alive: list[bool] = []
        self.vocabulary: dict[str, int] = {}
        self.add(corpus)

    @property
    def n_docs(self) -> int:
        return len(self._rows)

    @property
    def n_alive(self) -> int:
        return len(self._live)

    def doc_freq(self, term: str) -> int:
        return self._df.get(term, 0)

    def add(self, corpus_rows: Sequence[Sequence[str]]) -> range:
        start = len(self._rows)
        for tokens in corpus_rows:
            self._rows.append(list(tokens))
            self._alive.append(True)
            for term in tokens:
                self.vocabulary.setdefault(term, len(self.vocabulary))
        self._rebuild()
        return range(start, len(self._rows))

    def delete(self, rows: Iterable[int]) -> int:
        dropped = 0
        for row in rows:
            dropped += self._alive[row]
            self._alive[row] = False
        self._rebuild()
        return dropped

    def _rebuild(self) -> None:
        self._live = [row for row, alive in enumerate(self._alive) if alive]
        corpus = [self._rows[row] for row in self._live]
        from rank_bm25 import BM25Okapi  # imported when chosen: not every start pays for it

        self._bm25 = BM25Okapi(corpus, k1=K1, b=B, epsilon=EPSILON) if corpus else None
        self._df = Counter(term for tokens in corpus for term in set(tokens))

    def scores(self, query: Sequence[str]) -> np.ndarray:
        scores = np.zeros(self.n_docs)
        if self._bm25 is not None:
            scores[self._live] = self._bm25.get_scores(list(query))
        return scores

    def top_k(
        self, query: Sequence[str], k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Best k live rows sharing a token with the query (and allowed by the mask)."""
        terms = set(query)
        allowed = [
            row
            for row in self._live
            if terms.intersection(self._rows[row])
            and (mask is None or (row < len(mask) and mask[row]))
        ]
        scores = self.scores(query)
        allowed.sort(key=lambda row: (-scores[row], row))
        return [(row, float(scores[row])) for row in allowed[:k]]
