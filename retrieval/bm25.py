"""BM25Okapi scoring, exactly as rank-bm25 computes it, over precomputed term postings.

    idf(t)   = ln(N - n(t) + 0.5) - ln(n(t) + 0.5),  floored to epsilon * mean(idf) when < 0
    score(d) = sum_t idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * |d| / avgdl))

rank-bm25's BM25Okapi loops over every document for every query term; here each term's
weights are stored once as a column of a sparse matrix, so a query touches only the
postings of its own terms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi
from scipy import sparse

K1 = 1.5
B = 0.75
EPSILON = 0.25


class BM25Index:
    """Term-at-a-time BM25Okapi over a CSC matrix of per-term weights."""

    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = K1, b: float = B,
                 epsilon: float = EPSILON) -> None:
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.n_docs = len(corpus)
        vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        doc_len = np.zeros(self.n_docs, dtype=np.float64)
        for row, tokens in enumerate(corpus):
            doc_len[row] = len(tokens)
            for term, tf in Counter(tokens).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                tfs.append(tf)
        self.vocabulary = vocabulary
        tf_matrix = sparse.csc_matrix(
            (np.asarray(tfs, dtype=np.float64), (rows, cols)),
            shape=(self.n_docs, len(vocabulary)),
        )
        self.doc_freqs = np.diff(tf_matrix.indptr)
        self.idf = _okapi_idf(self.doc_freqs, self.n_docs, epsilon)
        avgdl = doc_len.mean() if self.n_docs else 0.0
        norm = k1 * (1 - b + b * doc_len / avgdl) if self.n_docs else doc_len
        weights = tf_matrix.copy()
        tf = weights.data
        weights.data = tf * (k1 + 1) / (tf + norm[weights.indices])
        self._weights = weights

    def doc_freq(self, term: str) -> int:
        """Number of passages containing the term."""
        column = self.vocabulary.get(term)
        return 0 if column is None else int(self.doc_freqs[column])

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage; repeated query tokens count again, as in rank-bm25."""
        scores = np.zeros(self.n_docs, dtype=np.float64)
        for term in query:
            column = self.vocabulary.get(term)
            if column is None:
                continue
            start, end = self._weights.indptr[column], self._weights.indptr[column + 1]
            rows = self._weights.indices[start:end]
            scores[rows] += self.idf[column] * self._weights.data[start:end]
        return scores

    def top_k(self, query: Sequence[str], k: int,
              mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best k passages among those that share a token with the query (and pass the mask)."""
        matched = np.zeros(self.n_docs, dtype=bool)
        for term in set(query):
            column = self.vocabulary.get(term)
            if column is not None:
                start, end = self._weights.indptr[column], self._weights.indptr[column + 1]
                matched[self._weights.indices[start:end]] = True
        if mask is not None:
            matched &= mask
        candidates = np.flatnonzero(matched)
        if not len(candidates):
            return []
        scores = self.scores(query)[candidates]
        order = np.lexsort((candidates, -scores))[:k]
        return [(int(candidates[i]), float(scores[i])) for i in order]


def _okapi_idf(doc_freqs: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """rank-bm25's IDF: negative values floored to epsilon times the mean IDF."""
    if not len(doc_freqs):
        return np.zeros(0)
    idf = np.log(n_docs - doc_freqs + 0.5) - np.log(doc_freqs + 0.5)
    floor = epsilon * idf.mean()
    return np.where(idf < 0, floor, idf)


def reference_scores(corpus: Sequence[Sequence[str]], query: Sequence[str]) -> np.ndarray:
    """Scores from rank-bm25 itself: the reference the fast path must reproduce."""
    return BM25Okapi([list(tokens) for tokens in corpus], k1=K1, b=B, epsilon=EPSILON).get_scores(
        list(query)
    )
