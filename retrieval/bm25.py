"""BM25Okapi search that scores exactly as rank-bm25 does, yet stays fast, updatable and persistable.

Formula (rank-bm25's BM25Okapi, k1=1.5, b=0.75, epsilon=0.25), over the live rows only:

    idf(t)   = ln(N - n(t) + 0.5) - ln(n(t) + 0.5), floored to epsilon * mean(idf) when < 0
               (the mean runs over every live vocabulary term; a term in exactly half the rows is 0)
    K(d)     = k1 * (1 - b + b * |d| / avgdl)
    score(d) = sum over query tokens t (repeats count again) of idf(t) * tf(t,d) * (k1+1) / (tf + K(d))

Storage: a CSC-like postings list per term holding raw term frequencies (int32 row + the smallest
unsigned int that fits tf, about 5 bytes a posting), never weights: weights depend on avgdl and idf
on N and n(t), and both move with every update. Per-row K(d) and per-term idf are recomputed from the
current statistics after each update (O(rows + terms), a few ms at 1M rows); query-time weights are
computed for the touched postings only. Set dtype=np.float64 to reproduce rank-bm25 bit for bit
(same operations in the same order); the default float32 halves scratch memory.

Updates: add() appends rows into a small delta segment, merged into the main one once it exceeds an
eighth of it (amortised O(postings)). delete() tombstones rows; live document frequencies are
recounted in one vectorised pass over the postings. compact() drops the postings of deleted rows.
Row ids never change. Every update publishes a new immutable snapshot, so concurrent searches
never see a half-applied update; updates themselves are serialised by a lock.

Search (top_k): term-at-a-time MaxScore. Terms are processed shortest postings first into a
per-thread dense accumulator. Once the best k candidates so far, completed by looking up the
unprocessed terms, score more than those terms could add at most (idf * (k1+1) each), rows that
only contain unprocessed terms cannot enter the top k: only the surviving candidates are completed
by binary search in the long postings, and the final shortlist is rescored exactly in query order.

Persistence: one uncompressed .npz (zip CRC-32 per array, no pickle) with a JSON header holding the
format version and the caller's generation; the vocabulary is one joined string plus offsets.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
from rank_bm25 import BM25Okapi

K1 = 1.5
B = 0.75
EPSILON = 0.25
FORMAT = "reportbot-bm25"
FORMAT_VERSION = 1
MERGE_MIN = 1 << 16  # delta postings below this never trigger a merge
POOL = 4  # candidates kept per requested result to estimate the k-th best score
POOL_SCAN = 1 << 15  # longer postings refresh the candidate pool only while it is short
LOOKUP_COST = 16  # one binary-search lookup costs about this many dense posting updates
_FIELDS = ("meta", "terms", "offsets", "indptr", "rows", "tf", "doc_len", "alive")


class IndexFileError(Exception):
    """The sidecar index file is missing, unreadable, of another version or stale: rebuild it."""


class _Segment(NamedTuple):
    indptr: np.ndarray  # int64, one more than the columns it covers
    rows: np.ndarray  # int32, ascending within each column
    tf: np.ndarray  # smallest unsigned dtype holding the largest term frequency

    def postings(self, col: int) -> tuple[np.ndarray, np.ndarray] | None:
        if col + 1 >= len(self.indptr) or self.indptr[col] == self.indptr[col + 1]:
            return None
        start, end = self.indptr[col], self.indptr[col + 1]
        return self.rows[start:end], self.tf[start:end]


class _Snapshot(NamedTuple):
    main: _Segment
    delta: _Segment
    doc_len: np.ndarray  # int32 per row
    alive: np.ndarray  # bool per row
    dead_postings: bool  # some deleted row still has postings
    df: np.ndarray  # int64 live document frequency per term
    norm: np.ndarray  # K(d) per row, in the index dtype
    idf: np.ndarray  # per term, in the index dtype
    n_alive: int
    total_len: int


_EMPTY = _Segment(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint8))


class BM25Index:
    """BM25Okapi over term postings, with appends, tombstones and a sidecar file."""

    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = K1, b: float = B,
                 epsilon: float = EPSILON, dtype: type = np.float32) -> None:
        self._setup(k1, b, epsilon, dtype, {})
        main, lens = self._encode(corpus, 0)
        alive = np.ones(len(lens), bool)
        self._publish(main, _EMPTY, lens.astype(np.int32), alive, False,
                      np.diff(main.indptr), len(lens), int(lens.sum()))

    def _setup(self, k1: float, b: float, epsilon: float, dtype: type,
               vocabulary: dict[str, int]) -> None:
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError("dtype must be float32 or float64")
        self.vocabulary = vocabulary
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def n_docs(self) -> int:
        """Rows ever added, deleted ones included: the length of scores() and of masks."""
        return len(self._s.doc_len)

    @property
    def n_alive(self) -> int:
        """Rows not deleted: rank-bm25's N."""
        return self._s.n_alive

    def doc_freq(self, term: str) -> int:
        """Number of live rows containing the term."""
        col, s = self.vocabulary.get(term), self._s
        return 0 if col is None or col >= len(s.df) else int(s.df[col])

    # -- updates ---------------------------------------------------------------------------

    def add(self, corpus_rows: Sequence[Sequence[str]]) -> range:
        """Append rows; returns their row ids. Statistics of all rows move at once."""
        with self._lock:
            s = self._s
            start = len(s.doc_len)
            if not len(corpus_rows):
                return range(start, start)
            seg, lens = self._encode(corpus_rows, start)
            n_cols = len(seg.indptr) - 1
            main, delta = s.main, _concat(s.delta, seg, n_cols)
            if len(delta.rows) > max(MERGE_MIN, len(main.rows) // 8):
                main, delta = _concat(main, delta, n_cols), _EMPTY
            df = _pad(s.df, n_cols) + np.diff(seg.indptr)
            self._publish(main, delta, np.concatenate([s.doc_len, lens.astype(np.int32)]),
                          np.concatenate([s.alive, np.ones(len(lens), bool)]), s.dead_postings,
                          df, s.n_alive + len(lens), s.total_len + int(lens.sum()))
            return range(start, start + len(lens))

    def delete(self, rows: Iterable[int]) -> int:
        """Tombstone rows (already deleted ones are ignored); returns how many were live."""
        with self._lock:
            s = self._s
            rows = np.unique(np.fromiter(rows, np.int64))
            if len(rows) and (rows[0] < 0 or rows[-1] >= len(s.doc_len)):
                raise IndexError(f"row out of range 0..{len(s.doc_len) - 1}")
            rows = rows[s.alive[rows]]
            if not len(rows):
                return 0
            alive = s.alive.copy()
            alive[rows] = False
            df = _live_counts(s.main, alive, len(s.df)) + _live_counts(s.delta, alive, len(s.df))
            self._publish(s.main, s.delta, s.doc_len, alive, True, df,
                          s.n_alive - len(rows), s.total_len - int(s.doc_len[rows].sum()))
            return len(rows)

    def compact(self) -> None:
        """Merge the delta segment and drop postings of deleted rows (row ids are kept)."""
        with self._lock:
            s = self._s
            main = self._compacted(s)
            self._publish(main, _EMPTY, s.doc_len, s.alive, False, s.df, s.n_alive, s.total_len)

    def _compacted(self, s: _Snapshot) -> _Segment:
        seg = _concat(s.main, s.delta, len(s.df))
        if not s.dead_postings:
            return seg
        keep = s.alive[seg.rows]
        indptr = np.zeros(len(s.df) + 1, np.int64)
        np.cumsum(s.df, out=indptr[1:])
        return _Segment(indptr, seg.rows[keep], seg.tf[keep])

    def _encode(self, corpus: Sequence[Sequence[str]], base: int) -> tuple[_Segment, np.ndarray]:
        """Term-frequency postings of new rows; new terms get the next columns, in first-seen order."""
        vocab, n = self.vocabulary, len(corpus)
        lens = np.fromiter(map(len, corpus), np.int64, count=n)
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for doc in corpus for t in doc),
                          np.int64, count=int(lens.sum()))
        keys, tf = np.unique(ids * n + np.repeat(np.arange(n), lens), return_counts=True)
        cols, rows = np.divmod(keys, max(n, 1))
        indptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(np.bincount(cols, minlength=len(vocab)), out=indptr[1:])
        tf = tf.astype(np.min_scalar_type(int(tf.max()) if len(tf) else 0))
        return _Segment(indptr, (rows + base).astype(np.int32), tf), lens

    def _publish(self, main: _Segment, delta: _Segment, doc_len: np.ndarray, alive: np.ndarray,
                 dead_postings: bool, df: np.ndarray, n_alive: int, total_len: int) -> None:
        """Recompute K(d) and idf from the live statistics and swap in the new snapshot."""
        avgdl = total_len / n_alive if total_len else 1.0
        norm = (self.k1 * (1 - self.b + self.b * doc_len / avgdl)).astype(self.dtype)
        idf = np.zeros(len(df))
        live = np.flatnonzero(df)
        if len(live):
            uniq, inverse = np.unique(df[live], return_inverse=True)
            raw = np.array([math.log(n_alive - d + 0.5) - math.log(d + 0.5)
                            for d in uniq.tolist()])[inverse]
            floor = self.epsilon * (np.cumsum(raw)[-1] / len(live))  # sequential, like rank-bm25
            idf[live] = np.where(raw < 0, floor, raw)
        self._s = _Snapshot(main, delta, doc_len, alive, dead_postings, df, norm,
                            idf.astype(self.dtype), n_alive, total_len)

    # -- search ----------------------------------------------------------------------------

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every row (deleted rows 0); repeated query tokens count again."""
        s = self._s
        cols = self._query_cols(s, query)
        out = np.zeros(len(s.doc_len), self.dtype)
        parts = {c: [(r, s.idf[c] * self._weights(s, r, tf)) for r, tf in self._pieces(s, c)]
                 for c in set(cols)}
        for c in cols:  # query order keeps float64 sums identical to rank-bm25's
            for rows, values in parts[c]:
                np.add.at(out, rows, values)
        if s.dead_postings:
            out[~s.alive] = 0
        return out

    def top_k(self, query: Sequence[str], k: int,
              mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best k allowed rows sharing a token with the query: (row, score), ties to lower row."""
        s = self._s
        cols = self._query_cols(s, query)
        allowed = self._allowed(s, mask)
        if k <= 0 or not cols:
            return []
        counts = Counter(cols)
        pieces = {c: self._pieces(s, c) for c in counts}
        size = {c: sum(len(r) for r, _ in pieces[c]) for c in counts}
        bound = {c: n * max(float(s.idf[c]), 0.0) * (self.k1 + 1) for c, n in counts.items()}
        tol = 1e-5 * sum(n * abs(float(s.idf[c])) * (self.k1 + 1) for c, n in counts.items())
        prunable = all(s.idf[c] >= 0 for c in counts)
        left, rest = sorted(counts, key=lambda c: (size[c], c)), sum(bound.values())
        acc, touched, pool = self._buffer(len(s.doc_len)), [], np.zeros(0, np.int32)
        try:
            while True:
                c, left = left[0], left[1:]
                for rows, tf in pieces[c]:
                    if allowed is not None:
                        keep = allowed[rows]
                        rows, tf = rows[keep], tf[keep]
                    np.add.at(acc, rows, counts[c] * s.idf[c] * self._weights(s, rows, tf))
                    touched.append(rows)
                    if len(pool) < POOL * k or len(rows) <= POOL_SCAN:
                        pool = _best(acc, np.concatenate([pool, rows]), POOL * k)
                rest -= bound[c]
                if not left:
                    candidates = _select(acc, touched, _kth(acc[pool], k) - tol)
                    break
                if prunable and rest + tol < _kth(acc[pool], k):
                    full = self._complete(s, acc, np.sort(pool), left, counts, pieces)
                    candidates = _select(acc, touched, _kth(full, k) - rest - tol)
                    if len(candidates) * len(left) * LOOKUP_COST <= sum(size[c] for c in left):
                        break
            if len(candidates) > k:
                full = self._complete(s, acc, candidates, left, counts, pieces)
                candidates = candidates[full >= _kth(full, k) - tol]
            exact = self._exact(s, cols, candidates, pieces)
            best = np.argsort(-exact, kind="stable")[:k]  # candidates ascend: ties to lower row
            return [(int(candidates[i]), float(exact[i])) for i in best]
        finally:
            if sum(map(len, touched)) * 16 < len(acc):
                for rows in touched:
                    acc[rows] = 0
            else:
                acc.fill(0)

    def _query_cols(self, s: _Snapshot, query: Sequence[str]) -> list[int]:
        """Columns of the query tokens with live rows, in query order, repeats kept."""
        found = (self.vocabulary.get(t) for t in query)
        return [c for c in found if c is not None and c < len(s.df) and s.df[c]]

    def _allowed(self, s: _Snapshot, mask: np.ndarray | None) -> np.ndarray | None:
        if mask is None:
            return s.alive if s.dead_postings else None
        mask = np.asarray(mask, bool)
        if mask.shape != s.alive.shape:
            raise ValueError(f"mask has shape {mask.shape}, expected {s.alive.shape}")
        return mask & s.alive if s.dead_postings else mask

    @staticmethod
    def _pieces(s: _Snapshot, col: int) -> list[tuple[np.ndarray, np.ndarray]]:
        return [p for p in (s.main.postings(col), s.delta.postings(col)) if p is not None]

    def _weights(self, s: _Snapshot, rows: np.ndarray, tf: np.ndarray) -> np.ndarray:
        tf = tf.astype(self.dtype)
        return tf * (self.k1 + 1) / (tf + s.norm[rows])

    def _buffer(self, n: int) -> np.ndarray:
        """This thread's zeroed score accumulator, so concurrent searches never share one."""
        acc = getattr(self._local, "acc", None)
        if acc is None or len(acc) < n:
            acc = self._local.acc = np.zeros(n + n // 8, self.dtype)
        return acc

    def _complete(self, s: _Snapshot, acc: np.ndarray, rows: np.ndarray, left: list[int],
                  counts: Counter, pieces: dict) -> np.ndarray:
        """Approximate full scores of sorted rows: accumulated part plus unprocessed terms."""
        full = acc[rows]
        for c in left:
            full += counts[c] * s.idf[c] * self._weights(s, rows, _lookup(pieces[c], rows))
        return full

    def _exact(self, s: _Snapshot, cols: list[int], rows: np.ndarray, pieces: dict) -> np.ndarray:
        """Scores of sorted rows, summed in query order exactly as rank-bm25 does."""
        parts = {c: s.idf[c] * self._weights(s, rows, _lookup(pieces[c], rows)) for c in pieces}
        out = np.zeros(len(rows), self.dtype)
        for c in cols:
            out += parts[c]
        return out

    # -- persistence -----------------------------------------------------------------------

    def save(self, path: str | os.PathLike, generation: str = "") -> None:
        """Write the compacted index atomically to one .npz sidecar tagged with generation."""
        with self._lock:
            s = self._s
            seg = self._compacted(s)
            terms = list(self.vocabulary)[: len(s.df)]
        offsets = np.zeros(len(terms) + 1, np.int64)
        np.cumsum([len(t) for t in terms], out=offsets[1:])
        meta = {"format": FORMAT, "version": FORMAT_VERSION, "generation": generation,
                "k1": self.k1, "b": self.b, "epsilon": self.epsilon, "dtype": self.dtype.name}
        arrays = {"meta": np.frombuffer(json.dumps(meta).encode(), np.uint8),
                  "terms": np.frombuffer("".join(terms).encode(), np.uint8), "offsets": offsets,
                  "indptr": seg.indptr, "rows": seg.rows, "tf": seg.tf, "doc_len": s.doc_len,
                  "alive": s.alive}
        directory = os.path.dirname(os.path.abspath(path))
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as f:
            try:
                np.savez(f, **arrays)
            except BaseException:
                os.unlink(f.name)
                raise
        os.replace(f.name, path)

    @classmethod
    def load(cls, path: str | os.PathLike, expected_generation: str | None = None) -> BM25Index:
        """Read a sidecar; IndexFileError if missing, corrupt, another version or stale."""
        try:
            with np.load(path, allow_pickle=False) as z:
                a = {name: z[name] for name in _FIELDS}
            meta = json.loads(a["meta"].tobytes())
            text = a["terms"].tobytes().decode()
        except (OSError, ValueError, KeyError, EOFError, AttributeError, zipfile.BadZipFile) as e:
            raise IndexFileError(f"unreadable BM25 index {path}: {e}") from e
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise IndexFileError(f"{path} is not a BM25 index")
        if meta.get("version") != FORMAT_VERSION:
            raise IndexFileError(f"{path} has format version {meta.get('version')}")
        if expected_generation is not None and meta.get("generation") != expected_generation:
            raise IndexFileError(f"{path} is stale: generation {meta.get('generation')!r}")
        offsets, indptr, rows, doc_len = a["offsets"], a["indptr"], a["rows"], a["doc_len"]
        n_terms, n_docs = len(offsets) - 1, len(doc_len)
        checks = [
            offsets.dtype == indptr.dtype == np.int64, rows.dtype == doc_len.dtype == np.int32,
            a["tf"].dtype.kind == "u", a["alive"].dtype == bool, meta.get("dtype") in _DTYPES,
            n_terms >= 0, len(indptr) == n_terms + 1, len(a["alive"]) == n_docs,
            len(a["tf"]) == len(rows), n_terms < 0 or (offsets[0] == 0 == indptr[0]
            and offsets[-1] == len(text) and indptr[-1] == len(rows)),
            not np.any(np.diff(offsets) < 0) and not np.any(np.diff(indptr) < 0),
            not len(rows) or (rows.min() >= 0 and rows.max() < n_docs),
        ]
        if not all(checks):
            raise IndexFileError(f"{path} is inconsistent")
        terms = [text[i:j] for i, j in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        vocabulary = dict(zip(terms, range(n_terms)))
        if len(vocabulary) != n_terms:
            raise IndexFileError(f"{path} has duplicate terms")
        index = cls.__new__(cls)
        index._setup(meta["k1"], meta["b"], meta["epsilon"], _DTYPES[meta["dtype"]], vocabulary)
        alive = a["alive"]
        index._publish(_Segment(indptr, rows, a["tf"]), _EMPTY, doc_len, alive, False,
                       np.diff(indptr), int(alive.sum()), int(doc_len[alive].sum()))
        return index


_DTYPES = {"float32": np.float32, "float64": np.float64}


def _pad(array: np.ndarray, length: int) -> np.ndarray:
    """Extend with its last value (indptr) or zeros (counts) up to length."""
    fill = array[-1] if len(array) and array.dtype == np.int64 and length > len(array) else 0
    return np.concatenate([array, np.full(length - len(array), fill, array.dtype)])


def _concat(a: _Segment, b: _Segment, n_cols: int) -> _Segment:
    """Column-wise a then b; every row of b is greater than every row of a."""
    ia, ib = _pad(a.indptr, n_cols + 1), _pad(b.indptr, n_cols + 1)
    indptr = ia + ib
    from_b = np.zeros(indptr[-1], bool)
    b_cols = np.repeat(np.arange(n_cols), np.diff(ib))
    from_b[np.arange(len(b.rows)) + (indptr[:-1] + np.diff(ia) - ib[:-1])[b_cols]] = True
    rows = np.empty(len(from_b), np.int32)
    tf = np.empty(len(from_b), np.result_type(a.tf, b.tf))
    rows[from_b], tf[from_b] = b.rows, b.tf
    rows[~from_b], tf[~from_b] = a.rows, a.tf
    return _Segment(indptr, rows, tf)


def _live_counts(seg: _Segment, alive: np.ndarray, n_cols: int) -> np.ndarray:
    """Live postings per column, in one pass over the segment."""
    indptr = _pad(seg.indptr, n_cols + 1)
    counts = np.zeros(n_cols, np.int64)
    nonempty = np.flatnonzero(np.diff(indptr))
    if len(nonempty):
        counts[nonempty] = np.add.reduceat(alive[seg.rows], indptr[nonempty], dtype=np.int64)
    return counts


def _lookup(pieces: list[tuple[np.ndarray, np.ndarray]], rows: np.ndarray) -> np.ndarray:
    """Term frequency of each sorted row in a term's postings (0 if absent), by binary search."""
    tf = np.zeros(len(rows), np.uint32)
    for prows, ptf in pieces:
        at = np.minimum(np.searchsorted(prows, rows), len(prows) - 1)
        tf += np.where(prows[at] == rows, ptf[at], 0)
    return tf


def _kth(values: np.ndarray, k: int) -> float:
    """k-th largest value, -inf when there are fewer."""
    return float(np.partition(values, len(values) - k)[len(values) - k]) if len(values) >= k \
        else -math.inf


def _best(acc: np.ndarray, rows: np.ndarray, m: int) -> np.ndarray:
    """Up to m distinct rows with the highest accumulated score (rows may repeat)."""
    if len(rows) > 2 * m:
        values = acc[rows]
        rows = rows[values >= np.partition(values, len(values) - 2 * m)[len(values) - 2 * m]]
    rows = np.unique(rows)
    return rows[np.argsort(-acc[rows], kind="stable")[:m]] if len(rows) > m else rows


def _select(acc: np.ndarray, touched: list[np.ndarray], floor: float) -> np.ndarray:
    """Sorted distinct touched rows whose accumulated score reaches floor."""
    return np.unique(np.concatenate([rows[acc[rows] >= floor] for rows in touched]))


def reference_scores(corpus: Sequence[Sequence[str]], query: Sequence[str]) -> np.ndarray:
    """Scores from rank-bm25 itself: the reference the fast path must reproduce."""
    return BM25Okapi([list(tokens) for tokens in corpus], k1=K1, b=B, epsilon=EPSILON).get_scores(
        list(query)
    )
