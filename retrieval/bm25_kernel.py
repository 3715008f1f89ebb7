"""BM25Index's compiled top-k (numba): block-at-a-time accumulation of posting weights.

Imported only by bm25.warm_up(), since importing numba alone takes ~0.4 s. Scores are those of
BM25Index.scores() to the bit: each row's sum of idf(t) * w(t,d) runs over the query tokens in
query order, in the index dtype, with w(t,d) = tf * (k1+1) / (tf + K(d)), precomputed per posting
or computed from tf on the way (both as rank-bm25 computes it, so float64 indexes reproduce rank-bm25's scores exactly).

Rows are taken 2**shift at a time, so the dense accumulator is small (8k rows: 32 KB in
float32, measured fastest here against 4k-32k) and stays in the L1 cache; every token's postings
in the block are added to it in query order. Rows are then read back, through the postings when
they are few, by scanning the buffer when they are many, and offered to a k-heap whose worst
entry has the lowest score and, among equal scores, the highest row. Measured on the synthetic corpus, this exhaustive pass beat MaxScore pruning
inside the blocks: completing the surviving candidates by binary search cost more than the
postings it skipped.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_OPTIONS = {"cache": True, "nogil": True, "boundscheck": False, "error_model": "numpy"}
_U = np.uintp  # for indexes known to be >= 0: numba then skips its negative-index test (-20 %)


@nb.njit(**_OPTIONS)
def _lower_bound(rows, start, end, value):
    """First position in rows[start:end] (ascending) holding a row >= value."""
    while start < end:
        mid = (start + end) >> 1
        if rows[mid] < value:
            start = mid + 1
        else:
            end = mid
    return start


@nb.njit(**_OPTIONS)
def _worse(score_a, row_a, score_b, row_b):
    """Entry a ranks below entry b: lower score, or the same score and a higher row."""
    return score_a < score_b or (score_a == score_b and row_a > row_b)


@nb.njit(**_OPTIONS)
def _sift_down(heap_scores, heap_rows, n):
    """Restore the order of the heap in the first n entries after its root was replaced."""
    score, row = heap_scores[0], heap_rows[0]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and _worse(
            heap_scores[child + 1], heap_rows[child + 1], heap_scores[child], heap_rows[child]
        ):
            child += 1
        if not _worse(heap_scores[child], heap_rows[child], score, row):
            break
        heap_scores[i], heap_rows[i] = heap_scores[child], heap_rows[child]
        i = child
    heap_scores[i], heap_rows[i] = score, row


@nb.njit(**_OPTIONS)
def _push(heap_scores, heap_rows, size, k, score, row):
    """Offer (score, row) to the k-heap (worst at 0); returns the new size."""
    if size < k:
        i = size
        while i > 0:  # sift up
            parent = (i - 1) >> 1
            if not _worse(score, row, heap_scores[parent], heap_rows[parent]):
                break
            heap_scores[i], heap_rows[i] = heap_scores[parent], heap_rows[parent]
            i = parent
        heap_scores[i], heap_rows[i] = score, row
        return size + 1
    if _worse(heap_scores[0], heap_rows[0], score, row):
        heap_scores[0], heap_rows[0] = score, row
        _sift_down(heap_scores, heap_rows, k)
    return size


@nb.njit(**_OPTIONS)
def _postings(cols, main_indptr, delta_indptr):
    """(start, end) in main then in delta of each column's postings (columns past an indptr
    have none there)."""
    ranges = np.zeros((len(cols), 4), np.int64)
    for i in range(len(cols)):
        col = cols[i]
        if col + 1 < len(main_indptr):
            ranges[i, 0], ranges[i, 1] = main_indptr[col], main_indptr[col + 1]
        if col + 1 < len(delta_indptr):
            ranges[i, 2], ranges[i, 3] = delta_indptr[col], delta_indptr[col + 1]
    return ranges


@nb.njit(**_OPTIONS)
def top_k(
    main_indptr,
    main_rows,
    main_w,
    delta_indptr,
    delta_rows,
    delta_w,
    weighed,
    norm,
    k1_plus_1,
    cols,
    all_idf,
    allowed,
    use_allowed,
    n_rows,
    k,
    shift,
    local,
    min_idf,
):
    """Best k rows (rows, scores, True), best first, ties to the lower row; (.., .., False)
    when some query token's idf is not above min_idf (the caller then takes the numpy path).

    main_w and delta_w are the postings' weights w(t,d) when weighed, else their term
    frequencies, weighed here from norm (K(d)) and k1_plus_1 as weigh() does;
    cols are the query tokens' columns in query order; allowed is read when use_allowed;
    local is a zeroed buffer of 2**shift entries of the index dtype and is left zeroed.
    Every idf must be positive so that a touched row's sum is never zero.
    """
    m = len(cols)
    idf = np.empty(m, all_idf.dtype)
    for i in range(m):
        idf[i] = all_idf[cols[i]]
        if not idf[i] > min_idf:
            return np.empty(0, np.int64), np.empty(0, local.dtype), False
    ranges = _postings(cols, main_indptr, delta_indptr)
    zero = local[0]
    cell = np.empty(1, local.dtype)
    heap_scores = np.empty(k, local.dtype)
    heap_rows = np.empty(k, np.int64)
    size = 0
    cursor = ranges.copy()  # start positions, advanced block by block
    block = np.empty((m, 4), np.int64)
    first, last = n_rows, -1
    for i in range(m):
        if ranges[i, 0] < ranges[i, 1]:
            first = min(first, main_rows[ranges[i, 0]])
            last = max(last, main_rows[ranges[i, 1] - 1])
        if ranges[i, 2] < ranges[i, 3]:
            first = min(first, delta_rows[ranges[i, 2]])
            last = max(last, delta_rows[ranges[i, 3] - 1])
    width = 1 << shift
    for lo in range((first >> shift) << shift, last + 1, width):
        hi = lo + width
        count = 0
        for i in range(m):  # query order: rank-bm25's sums
            s = idf[i]
            start, end = cursor[i, 0], _lower_bound(main_rows, cursor[i, 0], ranges[i, 1], hi)
            for p in range(start, end):
                row = _U(main_rows[p])
                local[row - lo] += s * _weight(main_w[p], weighed, norm[row], k1_plus_1, cell)
            block[i, 0], block[i, 1], cursor[i, 0] = start, end, end
            count += end - start
            start, end = cursor[i, 2], _lower_bound(delta_rows, cursor[i, 2], ranges[i, 3], hi)
            for p in range(start, end):
                row = _U(delta_rows[p])
                local[row - lo] += s * _weight(delta_w[p], weighed, norm[row], k1_plus_1, cell)
            block[i, 2], block[i, 3], cursor[i, 2] = start, end, end
            count += end - start
        if count == 0:
            continue
        floor = zero if size < k else heap_scores[0]  # a row scoring below it cannot enter
        if count * 8 < width:  # few rows: read them back through the postings
            for i in range(m):
                for segment in range(2):
                    rows = main_rows if segment == 0 else delta_rows
                    for p in range(block[i, 2 * segment], block[i, 2 * segment + 1]):
                        score = local[rows[p] - lo]
                        if score == zero:
                            continue  # read already
                        local[rows[p] - lo] = zero
                        if score >= floor and (not use_allowed or allowed[rows[p]]):
                            size = _push(heap_scores, heap_rows, size, k, score, rows[p])
                            if size == k:
                                floor = heap_scores[0]
        else:  # many: scan the buffer in row order (a tie never displaces a lower row), clear it
            for j in range(min(width, n_rows - lo)):
                score = local[_U(j)]
                if score > floor and (not use_allowed or allowed[lo + j]):  # one test: fast
                    size = _push(heap_scores, heap_rows, size, k, score, lo + j)
                    if size == k:
                        floor = heap_scores[0]
            local[:] = zero
    for end in range(size - 1, 0, -1):  # heapsort: the worst goes last
        score, row = heap_scores[0], heap_rows[0]
        heap_scores[0], heap_rows[0] = heap_scores[end], heap_rows[end]
        _sift_down(heap_scores, heap_rows, end)
        heap_scores[end], heap_rows[end] = score, row
    return heap_rows[:size], heap_scores[:size], True


@nb.njit(**_OPTIONS)
def _weight(value, weighed, norm, k1_plus_1, cell):
    """A posting's w(t,d): stored (weighed), else tf * (k1+1) / (tf + K(d)) in the dtype of
    cell, a one-entry scratch array, with the very operations of BM25Index._weights."""
    cell[0] = value  # converts as astype() does
    if weighed:
        return cell[0]
    t = cell[0]
    return t * k1_plus_1 / (norm + t)


@nb.njit(**_OPTIONS)
def weigh(rows, tf, norm, k1_plus_1, out):
    """out = tf * (k1+1) / (tf + K(d)) per posting, in out's dtype, in one pass and without
    holding the GIL."""
    cell = np.empty(1, out.dtype)
    for p in range(len(rows)):
        out[p] = _weight(tf[p], False, norm[rows[p]], k1_plus_1, cell)
