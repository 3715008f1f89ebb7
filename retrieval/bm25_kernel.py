"""BM25Index's compiled top-k (numba): block-at-a-time accumulation of posting weights.

Imported only by bm25.warm_up() and by large rebuilds (postings), since importing numba alone
takes ~0.4 s. Scores are those of
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
def _block_range(bptr, n_blocks, col, b):
    """(start, end) of a column's postings in the segment's b-th block (empty past its end)."""
    if b < 0 or b >= n_blocks or (col + 1) * n_blocks >= len(bptr):
        return 0, 0
    key = col * n_blocks + b
    return bptr[key], bptr[key + 1]


@nb.njit(**_OPTIONS)
def _row_span(bptr, low, n_blocks, first_block, bits, col, first, last):
    """first and last extended by the lowest and highest row of a column's postings."""
    for b in range(n_blocks):
        start, end = _block_range(bptr, n_blocks, col, b)
        if start < end:
            first = min(first, ((first_block + b) << bits) + np.int64(low[start]))
            break
    for b in range(n_blocks - 1, -1, -1):
        start, end = _block_range(bptr, n_blocks, col, b)
        if start < end:
            last = max(last, ((first_block + b) << bits) + np.int64(low[end - 1]))
            break
    return first, last


@nb.njit(**_OPTIONS)
def _term_block(
    bptr, n_blocks, first_block, low, w, reached, col, big, lo_off, base, idf, weighed, norm,
    k1_plus_1, cell, local,
):  # fmt: skip
    """Add idf * w(t,d) of a term's postings in one segment's block `big` (rows base ..),
    from position `reached` on, up to the end of the buffer's rows (lo_off .. lo_off +
    len(local) in the block), into local; returns the (start, end) positions it added."""
    start, end = _block_range(bptr, n_blocks, col, big - first_block)
    start = max(start, reached)
    end = _lower_bound(low, start, end, lo_off + len(local))
    for p in range(start, end):
        off = _U(low[p])
        local[off - lo_off] += idf * _weight(w[p], weighed, norm[_U(base) + off], k1_plus_1, cell)
    return start, end


@nb.njit(**_OPTIONS)
def top_k(
    main_bptr,
    main_low,
    main_w,
    main_blocks,
    main_first,
    delta_bptr,
    delta_low,
    delta_w,
    delta_blocks,
    delta_first,
    bits,
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

    Each segment is (bptr, low, w, n_blocks, first_block) as bm25._Segment holds it, rows
    split into blocks of 2**bits; main_w and delta_w are the postings' weights w(t,d) when
    weighed, else their term frequencies, weighed here from norm (K(d)) and k1_plus_1 as
    weigh() does; cols are the query tokens' columns in query order; allowed is read when
    use_allowed; local is a zeroed buffer of 2**shift (<= 2**bits) entries of the index dtype
    and is left zeroed. Every idf must be positive so that a touched row's sum is never zero.
    """
    m = len(cols)
    idf = np.empty(m, all_idf.dtype)
    for i in range(m):
        idf[i] = all_idf[cols[i]]
        if not idf[i] > min_idf:
            return np.empty(0, np.int64), np.empty(0, local.dtype), False
    zero = local[0]
    cell = np.empty(1, local.dtype)
    heap_scores = np.empty(k, local.dtype)
    heap_rows = np.empty(k, np.int64)
    size = 0
    cursor = np.zeros((m, 2), np.int64)  # positions reached in main, delta
    block = np.empty((m, 4), np.int64)  # this block's (start, end) in main, then delta
    first, last = np.int64(n_rows), np.int64(-1)
    for i in range(m):
        first, last = _row_span(
            main_bptr, main_low, main_blocks, main_first, bits, cols[i], first, last
        )
        first, last = _row_span(
            delta_bptr, delta_low, delta_blocks, delta_first, bits, cols[i], first, last
        )
    width = 1 << shift
    for lo in range((first >> shift) << shift, last + 1, width):
        big = lo >> bits  # the segments' block holding rows lo .. lo + width - 1
        base = big << bits
        lo_off = lo - base
        count = 0
        for i in range(m):  # query order: rank-bm25's sums
            args = (cols[i], big, lo_off, base, idf[i], weighed, norm, k1_plus_1, cell, local)
            start, end = _term_block(main_bptr, main_blocks, main_first, main_low, main_w, cursor[i, 0], *args)  # fmt: skip
            block[i, 0], block[i, 1], cursor[i, 0] = start, end, max(end, cursor[i, 0])
            count += end - start
            start, end = _term_block(delta_bptr, delta_blocks, delta_first, delta_low, delta_w, cursor[i, 1], *args)  # fmt: skip
            block[i, 2], block[i, 3], cursor[i, 1] = start, end, max(end, cursor[i, 1])
            count += end - start
        if count == 0:
            continue
        floor = zero if size < k else heap_scores[0]  # a row scoring below it cannot enter
        if count * 8 < width:  # few rows: read them back through the postings
            for i in range(m):
                for segment in range(2):
                    low = main_low if segment == 0 else delta_low
                    for p in range(block[i, 2 * segment], block[i, 2 * segment + 1]):
                        j = np.int64(low[p]) - lo_off
                        score = local[j]
                        if score == zero:
                            continue  # read already
                        local[j] = zero
                        row = lo + j
                        if score >= floor and (not use_allowed or allowed[row]):
                            size = _push(heap_scores, heap_rows, size, k, score, row)
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
def weigh(bptr, low, tf, n_blocks, first_block, bits, norm, k1_plus_1, out):
    """out = tf * (k1+1) / (tf + K(d)) per posting of a segment (see top_k), in out's dtype,
    in one pass and without holding the GIL."""
    cell = np.empty(1, out.dtype)
    for key in range(len(bptr) - 1):
        base = (first_block + key % n_blocks) << bits
        for p in range(bptr[key], bptr[key + 1]):
            out[p] = _weight(tf[p], False, norm[base + np.int64(low[p])], k1_plus_1, cell)


@nb.njit(**_OPTIONS)
def packed_postings(ids, lens, n_cols, n_blocks, bits):
    """(bptr, low, tf) as bm25._Segment holds them, of rows 0.. given as column ids, lens per
    row (any order within a row): a counting sort in two passes over the ids, by column then
    row block, rows ascending within each, as numpy's build in BM25Index gives them."""
    bptr = np.zeros(n_cols * n_blocks + 1, np.int64)
    _postings_pass(ids, lens, n_cols, n_blocks, bits, bptr, bptr[:0].astype(np.uint16), False)
    for key in range(n_cols * n_blocks):
        bptr[key + 1] += bptr[key]
    following = bptr[:-1].copy()  # where each (column, block)'s next posting goes
    low = np.empty(bptr[-1], np.uint16)
    tf = _postings_pass(ids, lens, n_cols, n_blocks, bits, following, low, True)
    return bptr, low, tf


@nb.njit(**_OPTIONS)
def _postings_pass(ids, lens, n_cols, n_blocks, bits, slots, low, place):
    """One pass of packed_postings: count each (column, block)'s postings into slots[key + 1],
    or (place) write them where slots[key] points and return their term frequencies."""
    last = np.full(n_cols, -1, np.int32)  # the row a column was last seen in
    tf = np.zeros(len(low), np.uint32)
    mask = (1 << bits) - 1
    start = 0
    for row in range(len(lens)):
        end = start + lens[row]
        block = row >> bits
        for p in range(start, end):
            col = _U(ids[p])
            key = col * n_blocks + block
            if last[col] != row:
                last[col] = row
                if place:
                    low[slots[key]] = row & mask
                    slots[key] += 1
                else:
                    slots[key + 1] += 1
            if place:
                tf[slots[key] - 1] += 1
        start = end
    return tf


@nb.njit(**_OPTIONS)
def block_pointers(indptr, rows, n_blocks, first_block, bits):
    """bm25._Segment's bptr for postings with whole rows (ascending within each column)."""
    n_cols = len(indptr) - 1
    bptr = np.zeros(n_cols * n_blocks + 1, np.int64)
    for col in range(n_cols):
        for p in range(indptr[col], indptr[col + 1]):
            bptr[col * n_blocks + (rows[p] >> bits) - first_block + 1] += 1
    for key in range(n_cols * n_blocks):
        bptr[key + 1] += bptr[key]
    return bptr
