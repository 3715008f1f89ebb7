"""BM25Okapi search scoring exactly as rank-bm25 does, yet fast, updatable and persistable.

Formula (rank-bm25's BM25Okapi, k1=1.5, b=0.75, epsilon=0.25), over the live rows only:

    idf(t)   = ln(N - n(t) + 0.5) - ln(n(t) + 0.5), floored to epsilon * mean(idf) when < 0
               (the mean runs over every live vocabulary term; a term in exactly half the rows is 0)
    K(d)     = k1 * (1 - b + b * |d| / avgdl)
    score(d) = sum over query tokens t (repeats count again) of
               idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + K(d))

Postings hold raw term frequencies, not weights, since avgdl, N and n(t) move with every update:
K(d) per row and idf per term are recomputed after each update (O(rows + terms)) and weights are
computed at query time for touched postings only. A posting is 3 bytes: its row's offset within a
block of 65,536 rows (uint16; a pointer per term and block says where each block's postings
start) and the smallest unsigned tf; updates work on whole int32 rows and pack them again.
dtype=np.float64 reproduces rank-bm25 bit for bit (same operations, same order); float32 halves
K(d) and the accumulator. add() appends to a delta segment, merged into the main one (dropping
deleted rows' postings) once it outgrows an eighth of it; delete() tombstones rows and recounts
live document frequencies in one vectorised pass. Row ids never change; each update publishes an
immutable snapshot, so concurrent searches never see half an update.

top_k has two paths with identical results (rows, scores, ties to the lower row). Once
warm_up() has loaded the compiled kernel (bm25_kernel, numba: an optional dependency), it adds
per-posting weights w(t,d) = tf * (k1+1) / (tf + K(d)) into an 8k-row buffer block by block:
precomputed for the snapshot (4 bytes a posting in float32; recomputed in a background thread
after each update, since avgdl moves) or, while they are being computed and for an index that
keeps none (weighed = False), computed from tf as it goes. Otherwise it is numpy:
term-at-a-time MaxScore over a per-thread dense accumulator (reset after use): short postings are
accumulated in one pass in query order, which alone gives exact sums. With long postings left,
the leading candidates are completed by binary search in them; once the k-th best full score
beats what the remaining terms can add (idf * (k1+1) each), only candidates within reach are
probed, and their per-term weights are summed in query order, as scores() does.

The postings are our own compressed sparse columns rather than scipy.sparse: scipy keeps
int32 row indices and a data value per entry (8+ bytes a posting, where ours take 3), has no
append-only delta or tombstones, and its sparse-vector products would still need the MaxScore
pruning and rank-bm25's exact summation order written around them; it would also be a 100 MB
dependency for what is a few numpy arrays here.

save() writes one uncompressed .npz (zip CRC-32 per array, no pickle) with a JSON header holding
the format version and the caller's generation; the vocabulary is one joined string + offsets.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import math
import os
import sys
import tempfile
import threading
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from .errors import RetrievalError

log = logging.getLogger(__name__)

K1 = 1.5
B = 0.75
EPSILON = 0.25
FORMAT, FORMAT_VERSION = "reportbot-bm25", 3
MERGE_MIN = 1 << 16  # delta postings below this never trigger a merge
BATCH = 1 << 14  # postings this short are accumulated in the first pass, all terms at once
LOOKUP_COST = 16  # one binary-search probe costs about as much as this many accumulated postings
POOL = 4  # leading candidates completed per result to estimate the k-th best full score
SHIFT = 13  # the compiled top-k takes rows 2**SHIFT at a time: a 32 KB float32 buffer, in L1
MIN_IDF = 1e-20  # the compiled top-k needs every contribution > 0 to tell touched rows apart
MAP_MIN = 1 << 20  # sidecar arrays this large are memory-mapped on load
COMPILED_BUILD_MIN = 1 << 22  # ids from which from_ids() imports numba to build postings
_FIELDS = ("meta", "terms", "offsets", "bptr", "low", "tf", "doc_len", "alive")
BLOCK_BITS = 16  # a posting keeps its row's low 16 bits; the block (the rest) is where it lies
_NUMBA = importlib.util.find_spec("numba") is not None
_kernel = None  # the bm25_kernel module once warm_up() has compiled or loaded it
_warm_lock = threading.Lock()
_warming: threading.Thread | None = None
BACKGROUND_WEIGHTS = True  # after an update; tests turn it off to weigh in the updating thread
_DTYPES = {"float32": np.float32, "float64": np.float64}


class IndexFileError(RetrievalError):
    """The sidecar index file is missing, unreadable, of another version or stale: rebuild it."""


class _Postings(NamedTuple):
    """Term postings as updates handle them: whole row numbers."""

    indptr: np.ndarray  # int64, one more than the columns it covers
    rows: np.ndarray  # int32, ascending within each column
    tf: np.ndarray  # smallest unsigned dtype holding the largest term frequency


class _Segment(NamedTuple):
    """Term postings as searches read them, 3 bytes each: rows are split into blocks of
    2**BLOCK_BITS, and a posting holds only its row's offset in its block (uint16); bptr says
    where each (column, block) starts, column after column, blocks in order within one. The
    segment covers blocks first_block .. first_block + n_blocks - 1 (a delta only its own)."""

    bptr: np.ndarray  # int64, n_cols * n_blocks + 1
    low: np.ndarray  # uint16 row offsets, ascending within each (column, block)
    tf: np.ndarray  # smallest unsigned dtype holding the largest term frequency
    n_blocks: int
    first_block: int = 0
    span: tuple[int, int] = (0, -1)  # the lowest and highest row of its postings

    @property
    def n_cols(self) -> int:
        return (len(self.bptr) - 1) // self.n_blocks

    @property
    def indptr(self) -> np.ndarray:
        """Where each column's postings start (a view)."""
        return self.bptr[:: self.n_blocks]


class _Snapshot(NamedTuple):
    main: _Segment
    delta: _Segment  # rows appended since the last merge, all above main's
    doc_len: np.ndarray  # int32 per row
    alive: np.ndarray  # bool per row
    dead_postings: bool  # some deleted row still has postings
    df: np.ndarray  # int64 live document frequency per term
    norm: np.ndarray  # K(d) per row, index dtype
    idf: np.ndarray  # per term, index dtype
    n_alive: int
    total_len: int
    weights: tuple[np.ndarray, np.ndarray] | None = None  # w(t,d) of main's, delta's postings


_EMPTY = _Segment(np.zeros(1, np.int64), np.zeros(0, np.uint16), np.zeros(0, np.uint8), 1)
_NO_MASK = np.zeros(1, bool)


class BM25Index:
    """BM25Okapi over term postings, with appends, tombstones and a sidecar file."""

    # Whether the compiled path reads precomputed posting weights (4 bytes a posting, 8 in
    # float64) or weighs term frequencies as it goes (slower per posting, no memory): a subclass
    # for a field with many postings can say False. The scores are the same either way.
    weighed = True

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        k1: float = K1,
        b: float = B,
        epsilon: float = EPSILON,
        dtype: type = np.float32,
    ) -> None:
        self._setup(k1, b, epsilon, dtype, {})
        main, lens = self._encode(corpus, 0)
        self._start(_pack(main, len(lens)), lens)

    @classmethod
    def from_ids(
        cls,
        terms: Sequence[str],
        ids: np.ndarray,
        lens: np.ndarray,
        k1: float = K1,
        b: float = B,
        epsilon: float = EPSILON,
        dtype: type = np.float32,
    ) -> BM25Index:
        """An index over rows given as ids into terms, row after row (lens ids each): a rebuild
        from stored ids makes no Python object per token. Terms no row holds are left out."""
        index = cls.__new__(cls)
        kernel, lens = _kernel or _rebuild_kernel(len(ids)), np.asarray(lens)
        if kernel is None:
            main = _pack(_postings(ids, lens, len(terms), 0), len(lens))
        else:
            nb = _blocks(len(lens))
            bptr, low, tf = kernel.packed_postings(ids, lens, len(terms), nb, BLOCK_BITS)
            filled = np.flatnonzero(lens)
            span = (int(filled[0]), int(filled[-1])) if len(filled) else (0, -1)
            main = _Segment(bptr, low, _narrow(tf), nb, 0, span)
        live = np.flatnonzero(np.diff(main.indptr))
        index._setup(k1, b, epsilon, dtype, {terms[c]: i for i, c in enumerate(live.tolist())})
        if len(live) < main.n_cols:  # drop the columns no row holds
            kept = main.bptr[1:].reshape(main.n_cols, main.n_blocks)[live].ravel()
            main = main._replace(bptr=np.concatenate([np.zeros(1, np.int64), kept]))
        index._start(main, lens)
        return index

    def _start(self, main: _Segment, lens: np.ndarray) -> None:
        """Publish the first snapshot: every row live, no delta segment."""
        lens = np.asarray(lens)
        self._publish(
            main,
            _EMPTY,
            lens.astype(np.int32),
            np.ones(len(lens), bool),
            False,
            np.diff(main.indptr),
            len(lens),
            int(lens.sum()),
        )
        if _kernel is not None and self.weighed:  # weights only serve the compiled path
            self._s = self._weigh(self._s)

    def verify_checksums(self) -> None:
        """Check the CRC-32 that load(defer_checksums=True) skipped; IndexFileError if the
        file was damaged (searches meanwhile were safe, their scores maybe not)."""
        for path, name, array, crc, expected in self._unverified:
            if zlib.crc32(array, crc) != expected:
                raise IndexFileError(f"unreadable BM25 index {path}: CRC-32 mismatch in {name}")
        self._unverified = []

    def _setup(
        self, k1: float, b: float, epsilon: float, dtype: type, vocabulary: dict[str, int]
    ) -> None:
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError("dtype must be float32 or float64")
        self.vocabulary = vocabulary
        self._lock = threading.Lock()
        self._local = threading.local()
        self._weighing = False  # a background thread is computing posting weights
        self._unverified: list = []  # checksums load() deferred

    @property
    def n_docs(self) -> int:
        """Rows ever added, deleted ones included: the length of scores() and of masks."""
        return len(self._s.doc_len)

    @property
    def n_alive(self) -> int:
        """Rows not deleted: rank-bm25's N."""
        return self._s.n_alive

    def nbytes(self) -> tuple[int, int]:
        """(numpy arrays incl. this thread's scratch, vocabulary dict with keys) in bytes."""
        s = self._s
        scratch = getattr(self._local, "acc", None), getattr(self._local, "block", None)
        arrays = [
            s.doc_len,
            s.alive,
            s.df,
            s.norm,
            s.idf,
            *s.main[:3],
            *s.delta[:3],
            *scratch,
            *(s.weights or ()),
        ]
        vocab = sys.getsizeof(self.vocabulary) + sum(
            sys.getsizeof(t) + sys.getsizeof(c) for t, c in self.vocabulary.items()
        )
        return sum(a.nbytes for a in arrays if a is not None), vocab

    def doc_freq(self, term: str) -> int:
        """Number of live rows containing the term."""
        col, s = self.vocabulary.get(term), self._s
        return 0 if col is None or col >= len(s.df) else int(s.df[col])

    # -- updates ---------------------------------------------------------------------------

    def add(self, corpus_rows: Sequence[Sequence[str]]) -> range:
        """Append rows and return their ids; the statistics of all rows move at once."""
        with self._lock:
            s = self._s
            start = len(s.doc_len)
            seg, lens = self._encode(corpus_rows, start)
            n_cols, n_rows = len(seg.indptr) - 1, start + len(lens)
            main, delta, dead = s.main, _concat(_unpack(s.delta), seg, n_cols), s.dead_postings
            alive = np.concatenate([s.alive, np.ones(len(lens), bool)])
            df = _pad(s.df, n_cols) + np.diff(seg.indptr)
            if len(delta.rows) > max(MERGE_MIN, len(main.low) // 8):
                merged = _merge(_unpack(main), delta, alive, df, dead)
                main, delta, dead = _pack(merged, n_rows), _EMPTY, False
            else:
                delta = _pack(delta, n_rows)
            self._publish(
                main,
                delta,
                np.concatenate([s.doc_len, lens.astype(np.int32)]),
                alive,
                dead,
                df,
                s.n_alive + len(lens),
                s.total_len + int(lens.sum()),
            )
            self._schedule_weights()
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
            df = sum(_live_counts(_unpack(seg), alive, len(s.df)) for seg in (s.main, s.delta))
            self._publish(
                s.main,
                s.delta,
                s.doc_len,
                alive,
                True,
                df,
                s.n_alive - len(rows),
                s.total_len - int(s.doc_len[rows].sum()),
            )
            self._schedule_weights()
            return len(rows)

    def compact(self) -> None:
        """Merge the delta segment and drop postings of deleted rows (row ids are kept)."""
        with self._lock:
            s = self._s
            main = _pack(_merged(s), len(s.doc_len))
            self._publish(main, _EMPTY, s.doc_len, s.alive, False, s.df, s.n_alive, s.total_len)
            self._schedule_weights()

    def _encode(self, corpus: Sequence[Sequence[str]], base: int) -> tuple[_Postings, np.ndarray]:
        """Term-frequency postings of new rows; unseen terms get the next columns, in order."""
        vocab, n = self.vocabulary, len(corpus)
        lens = np.fromiter(map(len, corpus), np.int64, count=n)
        ids = np.fromiter(
            (vocab.setdefault(t, len(vocab)) for doc in corpus for t in doc),
            np.int64,
            count=int(lens.sum()),
        )
        return _postings(ids, lens, len(vocab), base), lens

    def _publish(
        self,
        main: _Segment,
        delta: _Segment,
        doc_len: np.ndarray,
        alive: np.ndarray,
        dead_postings: bool,
        df: np.ndarray,
        n_alive: int,
        total_len: int,
    ) -> None:
        """Recompute K(d) and idf from the live statistics and swap in the new snapshot."""
        avgdl = total_len / n_alive if total_len else 1.0
        norm = (self.k1 * (1 - self.b + self.b * doc_len / avgdl)).astype(self.dtype)
        idf, live = np.zeros(len(df)), np.flatnonzero(df)
        if len(live):  # math.log per distinct df, as rank-bm25 calls it
            distinct, inverse = np.unique(df[live], return_inverse=True)
            raw = np.array(
                [math.log(n_alive - d + 0.5) - math.log(d + 0.5) for d in distinct.tolist()]
            )[inverse]
            floor = self.epsilon * (np.cumsum(raw)[-1] / len(live))  # sequential sum, like it
            idf[live] = np.where(raw < 0, floor, raw)
        self._s = _Snapshot(
            main,
            delta,
            doc_len,
            alive,
            dead_postings,
            df,
            norm,
            idf.astype(self.dtype),
            n_alive,
            total_len,
        )

    def _weigh(self, s: _Snapshot, kernel=None) -> _Snapshot:
        """s with every posting's weight w(t,d) for the compiled path: the same numbers that
        _gather computes for the postings a numpy search touches (computed by the kernel)."""
        kernel = kernel or _kernel
        c = self.dtype.type(self.k1 + 1)
        weights = []
        for seg in (s.main, s.delta):
            out = np.empty(len(seg.low), self.dtype)
            kernel.weigh(
                *seg[:2], seg.tf, seg.n_blocks, seg.first_block, BLOCK_BITS, s.norm, c, out
            )
            weights.append(out)
        return s._replace(weights=tuple(weights))

    def _schedule_weights(self) -> None:
        """Weigh the new snapshot's postings off the caller's thread (called under self._lock)
        once the compiled path is loaded; until then searches take the numpy path, which needs
        no weights. Weights depend on avgdl, so every update invalidates them all."""
        if _kernel is None or not self.weighed:
            return
        if not BACKGROUND_WEIGHTS:
            self._s = self._weigh(self._s)
        elif not self._weighing:
            self._weighing = True
            threading.Thread(target=self._weigh_latest, name="bm25-weights", daemon=True).start()

    def _weigh_latest(self) -> None:
        """Weigh the current snapshot; again if an update replaced it meanwhile."""
        try:
            while True:
                s = self._s
                weighed = self._weigh(s)
                with self._lock:  # publish and step down at once: no update slips between
                    if self._s is s:
                        self._s = weighed
                        self._weighing = False
                        return
        except BaseException:
            with self._lock:
                self._weighing = False
            raise

    # -- search ----------------------------------------------------------------------------

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every row (deleted rows 0); repeated query tokens count again."""
        s = self._s
        cols = self._query_cols(s, query)
        out = np.zeros(len(s.doc_len), self.dtype)
        pieces = [_pieces(s, c) for c in cols]
        rows, weights, bounds = self._gather(s, pieces, self._allowed(s, None))
        _accumulate(out, rows, weights, bounds, s.idf[cols])  # query order: rank-bm25's sums
        return out

    def top_k(
        self, query: Sequence[str], k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Best k allowed rows sharing a token with the query: (row, score), ties to lower row."""
        s = self._s
        cols = self._query_cols(s, query)
        allowed = self._allowed(s, mask)
        if k <= 0 or not cols:
            return []
        # the compiled path indexes without bounds checks: only once the rows' CRC-32 held
        kernel = None if self._unverified else _kernel
        if kernel is not None:
            if (
                self.weighed
                and s.weights is None
                and not self._weighing
                and self._lock.acquire(blocking=False)
            ):
                try:  # loaded, or built before warm_up(): weigh now, off this thread
                    self._schedule_weights()
                finally:
                    self._lock.release()
            found = self._compiled(kernel, s, cols, k, allowed)
            if found is not None:
                return found
        pieces = {c: _pieces(s, c) for c in cols}
        sizes = {c: sum(len(r) for r, _ in p) for c, p in pieces.items()}
        acc, touched = self._buffer(len(s.doc_len)), []
        try:
            if len(pieces) > 1 and max(sizes.values()) > BATCH and min(s.idf[cols]) >= 0:
                return self._pruned(s, cols, k, allowed, pieces, sizes, acc, touched)
            rows, weights, bounds = self._gather(s, [pieces[c] for c in cols], allowed)
            touched.append(rows)
            _accumulate(acc, rows, weights, bounds, s.idf[cols])  # query order: exact sums
            acc_rows = acc.take(rows)  # take() gathers faster than fancy indexing
            best = acc_rows >= _kth(acc_rows, k * len(cols))  # a row repeats once per token
            return _top(rows[best], acc_rows[best], k)
        finally:
            if sum(map(len, touched)) * 32 < len(acc):  # scattering zeros costs ~30x a fill
                for rows in touched:
                    acc[rows] = 0
            else:
                acc.fill(0)

    def _compiled(
        self, kernel, s: _Snapshot, cols: list[int], k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]] | None:
        """top_k through bm25_kernel: the same rows and scores, from the posting weights or
        (until they are computed, or without them) from the term frequencies; None if some idf
        is too small or the frequencies are of a dtype warm_up() did not compile for."""
        weighed = s.weights is not None
        if not weighed and not s.main.tf.dtype == s.delta.tf.dtype == np.uint8:
            return None
        block = getattr(self._local, "block", None)
        if block is None:
            block = self._local.block = np.zeros(1 << SHIFT, self.dtype)
        rows, scores, ok = kernel.top_k(
            s.main.bptr,
            s.main.low,
            s.weights[0] if weighed else s.main.tf,
            s.main.n_blocks,
            s.main.first_block,
            s.delta.bptr,
            s.delta.low,
            s.weights[1] if weighed else s.delta.tf,
            s.delta.n_blocks,
            s.delta.first_block,
            BLOCK_BITS,
            weighed,
            s.norm,
            self.dtype.type(self.k1 + 1),
            np.array(cols, np.int64),
            s.idf,
            _NO_MASK if allowed is None else np.ascontiguousarray(allowed),
            allowed is not None,
            len(s.doc_len),
            k,
            min(SHIFT, BLOCK_BITS),  # the kernel's rows at a time stay within a stored block
            block,
            MIN_IDF,
        )
        return list(zip(rows.tolist(), scores.tolist(), strict=True)) if ok else None

    def _pruned(
        self,
        s: _Snapshot,
        cols: list[int],
        k: int,
        allowed: np.ndarray | None,
        pieces: dict,
        sizes: dict,
        acc: np.ndarray,
        touched: list[np.ndarray],
    ) -> list[tuple[int, float]]:
        """MaxScore: accumulate short postings, probe long ones only for rows that can still win."""
        counts = Counter(cols)
        terms = sorted(pieces, key=lambda c: (sizes[c], c))
        ordered, lengths = [pieces[c] for c in terms], [sizes[c] for c in terms]
        scale = np.array([counts[c] * s.idf[c] for c in terms], self.dtype)
        bound = scale.astype(float) * (self.k1 + 1)  # no row gains more from a term
        tol = 1e-5 * float(bound.sum())  # covers float32 rounding of partial sums
        done = 1 + sum(n <= BATCH for n in lengths[1:])
        rows, weights, bounds = self._gather(s, ordered[:done], allowed)
        touched.append(rows)
        _accumulate(acc, rows, weights, bounds, scale[:done])
        while True:
            acc_rows = acc.take(rows)
            if done == len(terms):  # a row repeats once per term: the k*done-th is a lower bound
                selected = acc_rows >= _kth(acc_rows, k * done) - tol
                break
            rest = float(bound[done:].sum())
            pool = acc_rows >= _kth(acc_rows, POOL * k * done)
            _, matrix = self._matrix(s, rows, weights, bounds, pool, ordered[done:])
            theta = _kth(matrix @ scale, k)  # k-th best full score among the leaders
            selected = acc_rows >= theta - rest - tol
            if rest + tol < theta and np.count_nonzero(selected) * (
                len(terms) - done
            ) * LOOKUP_COST <= sum(lengths[done:]):
                break
            more, more_weights, _ = self._gather(s, ordered[done : done + 1], allowed)
            touched.append(more)
            np.add.at(acc, more, more_weights * scale[done])
            rows = np.concatenate([rows, more])
            weights = np.concatenate([weights, more_weights])
            bounds = np.append(bounds, len(rows))
            done += 1
        found, matrix = self._matrix(s, rows, weights, bounds, selected, ordered[done:])
        column = {c: i for i, c in enumerate(terms)}
        exact = np.zeros(len(found), self.dtype)
        for c in cols:  # query order keeps float64 sums identical to rank-bm25's
            exact += s.idf[c] * matrix[:, column[c]]
        best = exact >= _kth(exact, k)
        return _top(found[best], exact[best], k)

    def _query_cols(self, s: _Snapshot, query: Sequence[str]) -> list[int]:
        """Columns of the query tokens with live rows, in query order, repeats kept."""
        found = (self.vocabulary.get(t) for t in query)
        return [c for c in found if c is not None and c < len(s.df) and s.df[c]]

    def _allowed(self, s: _Snapshot, mask: np.ndarray | None) -> np.ndarray | None:
        if mask is None:
            return s.alive if s.dead_postings else None
        mask = np.asarray(mask, bool)
        if mask.ndim != 1 or len(mask) > len(s.alive):
            raise ValueError(f"mask has shape {mask.shape}, expected {s.alive.shape}")
        if len(mask) < len(s.alive):  # rows added after the caller built its mask: not allowed
            mask = np.concatenate([mask, np.zeros(len(s.alive) - len(mask), bool)])
        return mask & s.alive if s.dead_postings else mask

    def _weights(self, s: _Snapshot, rows: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """tf * (k1+1) / (tf + K(d)): the per-posting factor (idf is applied by the caller)."""
        tf = tf.astype(self.dtype)
        norm = s.norm.take(rows)
        norm += tf
        tf *= self.k1 + 1
        tf /= norm
        return tf

    def _gather(
        self, s: _Snapshot, pieces: list[list], allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Allowed postings of several terms end to end: rows, weights, term boundaries."""
        flat = [p for term in pieces for p in term]
        rows = np.concatenate([r for r, _ in flat]) if flat else np.zeros(0, np.int32)
        tf = np.concatenate([t for _, t in flat]) if flat else np.zeros(0, np.uint8)
        bounds = np.zeros(len(pieces) + 1, np.int64)
        np.cumsum([sum(len(r) for r, _ in term) for term in pieces], out=bounds[1:])
        if allowed is not None:
            keep = allowed[rows]
            bounds = np.concatenate([[0], np.cumsum(keep)])[bounds]
            rows, tf = rows[keep], tf[keep]
        return rows, self._weights(s, rows, tf), bounds

    def _matrix(
        self,
        s: _Snapshot,
        rows: np.ndarray,
        weights: np.ndarray,
        bounds: np.ndarray,
        selected: np.ndarray,
        left: list[list],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distinct selected rows (sorted) and their weight for each term, one column a term:
        gathered terms from their postings, the others by binary search."""
        entries = np.flatnonzero(selected)
        found, inverse = np.unique(rows[entries], return_inverse=True)
        matrix = np.zeros((len(found), len(bounds) - 1 + len(left)), self.dtype)
        matrix[inverse, np.searchsorted(bounds, entries, side="right") - 1] = weights[entries]
        for i, term in enumerate(left, start=len(bounds) - 1):
            matrix[:, i] = self._weights(s, found, _lookup(term, found))
        return found, matrix

    def _buffer(self, n: int) -> np.ndarray:
        """This thread's zeroed score accumulator, so concurrent searches never share one."""
        acc = getattr(self._local, "acc", None)
        if acc is None or len(acc) < n:
            acc = self._local.acc = np.zeros(n + n // 8, self.dtype)
        return acc

    # -- persistence -----------------------------------------------------------------------

    def save(self, path: str | os.PathLike, generation: str = "") -> None:
        """Write the compacted index atomically to one .npz sidecar tagged with generation."""
        with self._lock:
            s = self._s
            terms = list(self.vocabulary)[: len(s.df)]
        packed = s.main
        if (
            len(s.delta.low)
            or s.dead_postings
            or packed.first_block + packed.n_blocks != _blocks(len(s.doc_len))
        ):
            packed = _pack(_merged(s), len(s.doc_len), _kernel)
        offsets = np.zeros(len(terms) + 1, np.int64)
        np.cumsum([len(t) for t in terms], out=offsets[1:])
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generation": generation,
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
            "dtype": self.dtype.name,
            "block_bits": BLOCK_BITS,
            "n_blocks": packed.n_blocks,
            "first_block": packed.first_block,
            # the postings' lowest and highest row, so that load() need not read them all
            "row_range": list(packed.span) if len(packed.low) else [],
        }
        arrays = {
            "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8),
            "terms": np.frombuffer("".join(terms).encode(), np.uint8),
            "offsets": offsets,
            "bptr": packed.bptr,
            "low": packed.low,
            "tf": packed.tf,
            "doc_len": s.doc_len,
            "alive": s.alive,
        }
        directory = os.path.dirname(os.path.abspath(path))
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as f:
            try:
                np.savez(f, **arrays)
            except BaseException:
                os.unlink(f.name)
                raise
        os.replace(f.name, path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        expected_generation: str | None = None,
        defer_checksums: bool = False,
    ) -> BM25Index:
        """Read a sidecar; IndexFileError if missing, corrupt, another version or stale.

        With defer_checksums the CRC-32 of the memory-mapped arrays (a pass over the whole
        file: 0.4 s at 1M passages) is left to verify_checksums(), e.g. in a background
        thread; the structural checks still run here. The postings' rows are then checked
        only against the range saved with them: until their CRC-32 holds, searches take the
        numpy path, whose indexing is bounds-checked, not the compiled one.
        """
        pending: list = []
        try:
            a = _read_npz(path, _FIELDS, pending if defer_checksums else None)
            meta = json.loads(a["meta"].tobytes())
            text = a["terms"].tobytes().decode()
        except Exception as e:  # zipfile, numpy and json each raise their own kinds
            raise IndexFileError(f"unreadable BM25 index {path}: {e}") from e
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise IndexFileError(f"{path} is not a BM25 index")
        if meta.get("version") != FORMAT_VERSION:
            raise IndexFileError(f"{path} has format version {meta.get('version')}")
        if expected_generation is not None and meta.get("generation") != expected_generation:
            raise IndexFileError(f"{path} is stale: generation {meta.get('generation')!r}")
        offsets, bptr, low, doc_len, alive = (
            a[name] for name in ("offsets", "bptr", "low", "doc_len", "alive")
        )
        n_blocks, first_block = meta.get("n_blocks"), meta.get("first_block")
        if not (
            all(x.ndim == 1 for x in a.values())
            and meta.get("dtype") in _DTYPES
            and all(isinstance(meta.get(x), (int, float)) for x in ("k1", "b", "epsilon"))
            and offsets.dtype == bptr.dtype == np.int64
            and a["tf"].dtype.kind == "u"
            and low.dtype == np.uint16
            and doc_len.dtype == np.int32
            and alive.dtype == bool
            and meta.get("block_bits") == BLOCK_BITS
            and type(n_blocks) is type(first_block) is int
            and n_blocks >= 1
            and first_block >= 0
            and first_block + n_blocks == _blocks(len(doc_len))
            and len(offsets) > 0
            and len(bptr) == (len(offsets) - 1) * n_blocks + 1
            and len(alive) == len(doc_len)
            and offsets[0] == 0 == bptr[0]
            and offsets[-1] == len(text)
            and bptr[-1] == len(low) == len(a["tf"])
            and np.all(np.diff(offsets) >= 0)
            and np.all(np.diff(bptr) >= 0)
            and _row_range_fits(meta.get("row_range"), len(low), len(doc_len))
        ):
            raise IndexFileError(f"{path} is inconsistent")
        vocabulary = {text[i:j]: col for col, (i, j) in enumerate(pairwise(offsets.tolist()))}
        if len(vocabulary) != len(offsets) - 1:
            raise IndexFileError(f"{path} has duplicate terms")
        index = cls.__new__(cls)
        index._setup(meta["k1"], meta["b"], meta["epsilon"], _DTYPES[meta["dtype"]], vocabulary)
        index._unverified = [(path, *check) for check in pending]
        main = _Segment(
            bptr, low, a["tf"], n_blocks, first_block, tuple(meta["row_range"] or (0, -1))
        )
        index._publish(
            main,
            _EMPTY,
            doc_len,
            alive,
            False,
            np.diff(main.indptr),
            int(alive.sum()),
            int(doc_len[alive].sum()),
        )
        return index


def _row_range_fits(row_range: object, n_postings: int, n_rows: int) -> bool:
    """The saved [lowest, highest] row of the postings is within the rows (the rows
    themselves are covered by their CRC-32, which may be checked after load)."""
    if not n_postings:
        return row_range == []
    return (
        isinstance(row_range, list)
        and len(row_range) == 2
        and all(type(r) is int for r in row_range)
        and 0 <= row_range[0] <= row_range[1] < n_rows
    )


def _read_npz(
    path: str | os.PathLike, names: Sequence[str], deferred: list | None = None
) -> dict[str, np.ndarray]:
    """Arrays of an uncompressed .npz, large ones memory-mapped copy-on-write (so a restart
    reads no more than it touches), each checked against its zip CRC-32 all the same, or,
    given a `deferred` list, the mapped ones noted there as (name, array, crc so far, CRC)."""
    arrays = {}
    with open(path, "rb") as f, zipfile.ZipFile(f) as z:
        for name in names:
            info = z.getinfo(f"{name}.npy")
            if info.compress_type != zipfile.ZIP_STORED or info.file_size < MAP_MIN:
                arrays[name] = np.load(io.BytesIO(z.read(info)), allow_pickle=False)
                continue
            f.seek(info.header_offset)
            local = f.read(30)  # the local file header; its name and extra field follow
            if local[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for {name}")
            start = (
                info.header_offset
                + 30
                + int.from_bytes(local[26:28], "little")
                + int.from_bytes(local[28:30], "little")
            )
            f.seek(start)
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unsupported .npy version {version} for {name}")
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(f)
            header_end = f.tell()
            if (
                dtype.hasobject
                or fortran
                or len(shape) != 1
                or header_end - start + shape[0] * dtype.itemsize != info.file_size
            ):
                raise ValueError(f"unexpected array {name}")
            f.seek(start)
            crc = zlib.crc32(f.read(header_end - start))
            array = np.memmap(f, dtype, "c", header_end, shape) if shape[0] else np.zeros(0, dtype)
            array = array.view(np.ndarray)  # a plain array (numba takes no subclass)
            if deferred is not None:
                deferred.append((name, array, crc, info.CRC))
            elif zlib.crc32(array, crc) != info.CRC:
                raise zipfile.BadZipFile(f"CRC-32 mismatch in {name}")
            arrays[name] = array
    return arrays


def _pieces(s: _Snapshot, col: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A term's non-empty postings in the main then the delta segment (rows ascending)."""
    out = []
    for seg in (s.main, s.delta):
        nb = seg.n_blocks
        if col < seg.n_cols and seg.bptr[col * nb] < seg.bptr[(col + 1) * nb]:
            start, end = seg.bptr[col * nb], seg.bptr[(col + 1) * nb]
            blocks = np.arange(seg.first_block, seg.first_block + nb, dtype=np.int32) << BLOCK_BITS
            rows = seg.low[start:end] + np.repeat(
                blocks, np.diff(seg.bptr[col * nb : (col + 1) * nb + 1])
            )
            out.append((rows, seg.tf[start:end]))
    return out


def _postings(ids: np.ndarray, lens: np.ndarray, n_cols: int, base: int) -> _Postings:
    """Term-frequency postings of rows given as column ids (lens per row, in any order within
    a row), rows numbered from base."""
    lens = np.asarray(lens, np.int64)
    n = len(lens)
    keys, tf = np.unique(
        ids.astype(np.int64) * n + np.repeat(np.arange(n), lens), return_counts=True
    )
    cols, rows = np.divmod(keys, max(n, 1))
    indptr = np.zeros(n_cols + 1, np.int64)
    np.cumsum(np.bincount(cols, minlength=n_cols), out=indptr[1:])
    return _Postings(indptr, (rows + base).astype(np.int32), _narrow(tf))


def _narrow(tf: np.ndarray) -> np.ndarray:
    """Term frequencies in the smallest unsigned dtype that holds them."""
    return tf.astype(np.min_scalar_type(int(tf.max()) if len(tf) else 0))


def _pad(array: np.ndarray, length: int, fill: int = 0) -> np.ndarray:
    """Extend up to length: counts with zeros, an indptr with its last value (no new postings)."""
    return np.concatenate([array, np.full(length - len(array), fill, array.dtype)])


def _concat(a: _Postings, b: _Postings, n_cols: int) -> _Postings:
    """Column-wise a then b; every row of b is greater than every row of a."""
    ia, ib = (_pad(x.indptr, n_cols + 1, x.indptr[-1]) for x in (a, b))
    indptr = ia + ib
    from_b = np.zeros(indptr[-1], bool)
    b_cols = np.repeat(np.arange(n_cols), np.diff(ib))
    from_b[np.arange(len(b.rows)) + (indptr[:-1] + np.diff(ia) - ib[:-1])[b_cols]] = True
    rows = np.empty(len(from_b), np.int32)
    tf = np.empty(len(from_b), np.result_type(a.tf, b.tf))
    rows[from_b], tf[from_b] = b.rows, b.tf
    rows[~from_b], tf[~from_b] = a.rows, a.tf
    return _Postings(indptr, rows, tf)


def _merge(
    main: _Postings, delta: _Postings, alive: np.ndarray, df: np.ndarray, dead_postings: bool
) -> _Postings:
    """One segment holding both, without the postings of deleted rows."""
    seg = _concat(main, delta, len(df))
    if not dead_postings:
        return seg
    keep = alive[seg.rows]
    indptr = np.zeros(len(df) + 1, np.int64)
    np.cumsum(df, out=indptr[1:])  # live postings per column are exactly df
    return _Postings(indptr, seg.rows[keep], seg.tf[keep])


def _merged(s: _Snapshot) -> _Postings:
    """The snapshot's postings in one piece, without those of deleted rows."""
    return _merge(_unpack(s.main), _unpack(s.delta), s.alive, s.df, s.dead_postings)


def _blocks(n_rows: int) -> int:
    """Row blocks a segment over n_rows rows is split into (at least one)."""
    return max(1, -(-n_rows >> BLOCK_BITS))


def _pack(postings: _Postings, n_rows: int, kernel=None) -> _Segment:
    """Postings over rows below n_rows as searches read them (see _Segment), from the
    block of their lowest row on; bptr counted by the kernel when given."""
    rows = postings.rows
    first = int(rows.min()) >> BLOCK_BITS if len(rows) else 0
    nb, n_cols = _blocks(n_rows) - first, len(postings.indptr) - 1
    bptr = postings.indptr
    if nb > 1 and kernel is not None:
        bptr = kernel.block_pointers(bptr, rows, nb, first, BLOCK_BITS)
    elif nb > 1:
        keys = np.repeat(np.arange(0, n_cols * nb, nb, dtype=np.int64), np.diff(bptr))
        keys += (rows >> BLOCK_BITS) - first
        bptr = np.zeros(n_cols * nb + 1, np.int64)
        np.cumsum(np.bincount(keys, minlength=n_cols * nb), out=bptr[1:])
    low = (rows & ((1 << BLOCK_BITS) - 1)).astype(np.uint16)
    span = (int(rows.min()), int(rows.max())) if len(rows) else (0, -1)
    return _Segment(bptr, low, postings.tf, nb, first, span)


def _unpack(seg: _Segment) -> _Postings:
    """Whole row numbers again, for updates."""
    first = seg.first_block
    blocks = np.tile(
        np.arange(first, first + seg.n_blocks, dtype=np.int32) << BLOCK_BITS, seg.n_cols
    )
    rows = seg.low.astype(np.int32)
    rows += np.repeat(blocks, np.diff(seg.bptr))
    return _Postings(seg.indptr.copy(), rows, seg.tf)


def _live_counts(seg: _Postings, alive: np.ndarray, n_cols: int) -> np.ndarray:
    """Live postings per column, in one pass over the segment."""
    indptr = _pad(seg.indptr, n_cols + 1, seg.indptr[-1])
    counts = np.zeros(n_cols, np.int64)
    nonempty = np.flatnonzero(np.diff(indptr))
    if len(nonempty):
        counts[nonempty] = np.add.reduceat(alive[seg.rows], indptr[nonempty], dtype=np.int64)
    return counts


def warm_up(wait: bool = False) -> bool:
    """Load the compiled top-k in a background thread; True once searches use it.

    Call it at serve start: importing numba (~0.4 s) and compiling (a few seconds the first time,
    then read from numba's on-disk cache) happen off the request path, and searches take the
    numpy path until the kernel is ready. False, and nothing started, when numba is not installed.
    """
    global _warming
    if not _NUMBA:
        return False
    with _warm_lock:
        if _warming is None:
            _warming = threading.Thread(target=_load_kernel, name="bm25-warm-up", daemon=True)
            _warming.start()
    if wait:
        _warming.join()
    return _kernel is not None


def _load_kernel() -> None:
    """Import bm25_kernel and compile top_k for both index dtypes (or load it from the cache)."""
    global _kernel
    try:
        from . import bm25_kernel

        for dtype in _DTYPES.values():
            index = BM25Index([["a", "b"], ["b"]], dtype=dtype)
            for s in (index._s, index._weigh(index._s, bm25_kernel)):
                for mask in (None, np.ones(2, bool)):
                    index._compiled(bm25_kernel, s, [1, 0], 1, mask)
    except Exception:  # a broken numba install must not break search: numpy still works
        log.warning("compiled BM25 top-k unavailable, searching with numpy", exc_info=True)
        return
    _kernel = bm25_kernel


def _rebuild_kernel(n_ids: int):
    """bm25_kernel for building postings from this many ids, if numba is installed and the
    build is large enough to repay importing it (~0.45 s); None otherwise."""
    if not _NUMBA or n_ids < COMPILED_BUILD_MIN:
        return None
    try:
        from . import bm25_kernel
    except Exception:  # a broken numba install must not break a rebuild: numpy still works
        log.warning("compiled postings build unavailable, using numpy", exc_info=True)
        return None
    return bm25_kernel


def _lookup(pieces: list[tuple[np.ndarray, np.ndarray]], rows: np.ndarray) -> np.ndarray:
    """Term frequency of each sorted row in a term's postings (0 if absent), by binary search."""
    tf = np.zeros(len(rows), np.uint32)
    for prows, ptf in pieces:
        at = np.searchsorted(prows, rows)
        np.minimum(at, len(prows) - 1, out=at)
        tf += ptf[at] * (prows[at] == rows)
    return tf


def _accumulate(
    acc: np.ndarray, rows: np.ndarray, weights: np.ndarray, bounds: np.ndarray, scale: np.ndarray
) -> None:
    """Add each term's weights times its scale (idf, times its repeats if merged) into acc;
    np.add.at adds in array order, so terms laid out in query order sum like rank-bm25."""
    np.add.at(acc, rows, weights * np.repeat(scale, np.diff(bounds)))


def _kth(values: np.ndarray, k: int) -> float:
    """k-th largest value, -inf when there are fewer. Partitioning the negated values around
    k is the fast way on score arrays whose bulk ties at the bottom; around len - k,
    introselect can take 20x longer there."""
    if len(values) < k:
        return -math.inf
    return -float(np.partition(-values, k - 1)[k - 1])


def _top(rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Best k distinct rows by score then lower row; a row may be listed more than once."""
    order = np.lexsort((rows, -scores))
    rows, scores = rows[order], scores[order]
    first = np.ones(len(rows), bool)
    first[1:] = rows[1:] != rows[:-1]
    return list(zip(rows[first][:k].tolist(), scores[first][:k].tolist(), strict=True))


def reference_scores(corpus: Sequence[Sequence[str]], query: Sequence[str]) -> np.ndarray:
    """Scores from rank-bm25 itself: the reference the fast path must reproduce."""
    from rank_bm25 import BM25Okapi  # the reference only: its import brings multiprocessing

    return BM25Okapi([list(tokens) for tokens in corpus], k1=K1, b=B, epsilon=EPSILON).get_scores(
        list(query)
    )
