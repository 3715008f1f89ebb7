"""The compiled top-k (numba) against the numpy path and rank-bm25: same rows, same scores."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from rank_bm25 import BM25Okapi
from test_bm25 import matched, queries, searched_in_threads, zipf_corpus

from reportbot.retrieval import bm25
from reportbot.retrieval.bm25 import BM25Index

pytest.importorskip("numba")


@pytest.fixture(scope="module")
def kernel():
    """The compiled module, loaded once; each test switches it on through `compiled`."""
    assert bm25.warm_up(wait=True)
    module = bm25._kernel
    bm25._kernel = None  # other test files keep the numpy path unless they ask
    return module


@pytest.fixture
def compiled(kernel, monkeypatch):
    monkeypatch.setattr(bm25, "_kernel", kernel)
    monkeypatch.setattr(bm25, "BACKGROUND_WEIGHTS", False)  # weigh in the updating thread
    return kernel


def numpy_top_k(index: BM25Index, query, k, mask=None):
    kernel, bm25._kernel = bm25._kernel, None
    try:
        return index.top_k(query, k, mask)
    finally:
        bm25._kernel = kernel


def exact_top(scores: np.ndarray, allowed: np.ndarray, k: int) -> list[tuple[int, float]]:
    rows = np.flatnonzero(allowed)
    order = np.lexsort((rows, -scores[rows]))[:k]
    return [(int(rows[i]), float(scores[rows[i]])) for i in order]


@pytest.mark.parametrize("seed", range(3))
def test_float64_top_k_is_rank_bm25_bit_for_bit(compiled, seed):
    rng = np.random.default_rng(20 + seed)
    corpus = zipf_corpus(rng, int(rng.integers(50, 400)), int(rng.integers(20, 300)))
    index = BM25Index(corpus, dtype=np.float64)
    reference = BM25Okapi(corpus)
    answered = 0
    for query in queries(rng, 300, 30):
        expected = reference.get_scores(query)
        for k in (1, 5, 30):
            assert index.top_k(query, k) == exact_top(expected, matched(corpus, query), k)
        cols = index._query_cols(index._s, query)
        answered += bool(cols) and index._compiled(compiled, index._s, cols, 5, None) is not None
    assert answered > 10  # by the compiled path (terms in half or more of the rows fall back)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shift", "bits"), [(2, 3), (2, 16), (5, 5), (5, 16), (15, 16)])
def test_compiled_equals_numpy_after_updates_with_masks(compiled, monkeypatch, dtype, shift, bits):
    """Kernel blocks of 4 to 32k rows (both ways of reading rows back) within stored row
    blocks of 8 to 64k, main and delta segments, tombstones, masks, repeated tokens; also
    against the numpy MaxScore path."""
    monkeypatch.setattr(bm25, "SHIFT", shift)
    monkeypatch.setattr(bm25, "BLOCK_BITS", bits)
    monkeypatch.setattr(bm25, "MERGE_MIN", 1 << 20)  # keep a delta segment
    rng = np.random.default_rng(shift)
    corpus = [row for row in zipf_corpus(rng, 1200, 300) if "一半" not in row]  # idf > 0
    index = BM25Index(corpus, dtype=dtype)
    index.add(zipf_corpus(rng, 150, 320))
    index.delete(range(0, index.n_docs, 13))
    assert len(index._s.delta.low) and index._s.weights is not None
    for batch in (1 << 14, 8):
        monkeypatch.setattr(bm25, "BATCH", batch)
        for query in queries(rng, 320, 40):
            query = [t for t in query if t != "一半"]
            k = int(rng.integers(1, 40))
            mask = rng.random(index.n_docs) < 0.4 if rng.random() < 0.3 else None
            assert index.top_k(query, k, mask) == numpy_top_k(index, query, k, mask)


def test_zero_or_negative_idf_takes_the_numpy_path(compiled):
    """A term in exactly half the rows scores 0 and still counts as matched."""
    corpus = [["一半", "a"], ["一半"], ["b"], ["c"]]
    index = BM25Index(corpus, dtype=np.float64)
    assert index.top_k(["一半"], 5) == [(0, 0.0), (1, 0.0)]
    assert index.top_k(["一半", "b"], 5) == numpy_top_k(index, ["一半", "b"], 5)


def test_updates_are_weighed_in_the_background(kernel, monkeypatch):
    monkeypatch.setattr(bm25, "_kernel", kernel)  # BACKGROUND_WEIGHTS as shipped
    rng = np.random.default_rng(7)
    index = BM25Index(zipf_corpus(rng, 300, 100))
    index.add(zipf_corpus(rng, 40, 100))
    for thread in threading.enumerate():
        if thread.name == "bm25-weights":
            thread.join()
    assert index._s.weights is not None
    assert len(index._s.weights[1]) == len(index._s.delta.low)
    for query in queries(rng, 100, 20):
        assert index.top_k(query, 10) == numpy_top_k(index, query, 10)


def test_a_loaded_index_is_weighed_on_first_search(compiled, tmp_path, monkeypatch):
    """The sidecar holds no weights (they move with every update): the first search after a
    load answers through numpy and has the weights computed for the next one."""
    monkeypatch.setattr(bm25, "MAP_MIN", 0)  # memory-mapped arrays, as at full size
    rng = np.random.default_rng(9)
    index = BM25Index(zipf_corpus(rng, 200, 80))
    index.delete([1, 2])
    path = tmp_path / "index.bm25.npz"
    index.save(path, generation="g")
    loaded = BM25Index.load(path, expected_generation="g")
    assert loaded._s.weights is None
    first = loaded.top_k(["词1"], 10)
    assert loaded._s.weights is not None
    assert first == loaded.top_k(["词1"], 10) == index.top_k(["词1"], 10)
    for query in queries(rng, 80, 20):
        assert loaded.top_k(query, 10) == index.top_k(query, 10)


def test_without_numba_nothing_is_compiled_or_weighed(monkeypatch):
    monkeypatch.setattr(bm25, "_NUMBA", False)
    monkeypatch.setattr(bm25, "_kernel", None)
    assert not bm25.warm_up()
    index = BM25Index([["a", "b"], ["b"], ["c"]])
    index.add([["a"]])
    assert [row for row, _ in index.top_k(["a"], 5)] == [0, 3]
    assert index._s.weights is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_weights_are_the_numpy_ones(compiled, dtype):
    rng = np.random.default_rng(11)
    corpus = [*zipf_corpus(rng, 300, 50), ["长"] * 300, ["长"] * 70000]  # uint32 frequencies
    index = BM25Index(corpus, dtype=dtype)
    s = index._s
    assert s.main.tf.dtype == np.uint32
    main = bm25._unpack(s.main)
    assert np.array_equal(index._weigh(s).weights[0], index._weights(s, main.rows, main.tf))


def test_concurrent_compiled_searches_agree_with_sequential(compiled):
    """Each thread has its own block buffer; the kernel runs without the GIL."""
    rng = np.random.default_rng(12)
    index = BM25Index(zipf_corpus(rng, 3000, 400))
    qs = queries(rng, 400, 60)
    expected = [numpy_top_k(index, q, 10) for q in qs]
    assert all(found == expected for found in searched_in_threads(index, qs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_unweighed_index_is_compiled_from_term_frequencies(compiled, dtype):
    """weighed = False keeps no posting weights; the kernel weighs tf as it goes, to the bit."""

    class Secondary(BM25Index):
        weighed = False

    rng = np.random.default_rng(31)
    corpus = zipf_corpus(rng, 3000, 300)
    index = Secondary(corpus[:2500], dtype=dtype)
    index.add(corpus[2500:])
    index.delete(range(0, 3000, 7))
    assert index._s.weights is None
    mask = rng.random(3000) < 0.5
    for query in queries(rng, 300, 80):
        cols = index._query_cols(index._s, query)
        if cols:
            assert (
                index._compiled(compiled, index._s, cols, 10, None) is not None
                or min(index._s.idf[cols]) <= bm25.MIN_IDF
            )
        for k, m in ((10, None), (5, mask)):
            assert index.top_k(query, k, m) == numpy_top_k(index, query, k, m)
    assert index._s.weights is None


@pytest.mark.parametrize("bits", [2, 16])
def test_compiled_postings_are_the_numpy_ones(kernel, monkeypatch, bits):
    """An index built from term ids by the kernel's counting sort holds the very arrays
    that numpy's build gives, columns no row holds left out alike."""
    monkeypatch.setattr(bm25, "BLOCK_BITS", bits)
    monkeypatch.setattr(bm25, "COMPILED_BUILD_MIN", 0)
    calls = []
    packed_postings = kernel.packed_postings
    monkeypatch.setattr(
        kernel, "packed_postings", lambda *a: calls.append(1) or packed_postings(*a)
    )
    rng = np.random.default_rng(9)
    terms = [f"词{t}" for t in range(310)]
    for n_rows in (0, 1, 7, 500):
        lens = rng.integers(0, 40, n_rows) * (rng.random(n_rows) < 0.9)  # some empty rows
        ids = rng.zipf(1.3, int(lens.sum())) % 300  # repeats within rows: tf > 1
        for dtype in (np.int32, np.int64):
            built = BM25Index.from_ids(terms, ids.astype(dtype), lens)
            monkeypatch.setattr(bm25, "_NUMBA", False)
            numpy_built = BM25Index.from_ids(terms, ids.astype(dtype), lens)
            monkeypatch.setattr(bm25, "_NUMBA", True)
            assert len(calls) == 1 and built.vocabulary == numpy_built.vocabulary
            calls.clear()
            for ours, theirs in zip(built._s.main, numpy_built._s.main, strict=True):
                if isinstance(ours, np.ndarray):
                    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
                else:
                    assert ours == theirs


def test_a_small_build_from_ids_does_not_import_numba(kernel, monkeypatch):
    calls = []
    monkeypatch.setattr(kernel, "packed_postings", lambda *a: calls.append(a))
    index = BM25Index.from_ids(["a", "b"], np.array([0, 1, 0], np.int32), np.array([2, 1]))
    assert not calls and index.top_k(["a"], 2) == BM25Index([["a", "b"], ["a"]]).top_k(["a"], 2)


def test_rows_unchecked_after_load_never_reach_the_compiled_path(compiled, tmp_path, monkeypatch):
    """load(defer_checksums=True) checks the postings only against their saved row range:
    until their CRC-32 has been read, a damaged row meets numpy's bounds checks instead of
    the kernel's unchecked indexing."""
    monkeypatch.setattr(bm25, "MAP_MIN", 0)  # memory-mapped, as at full size
    path = tmp_path / "index.bm25.npz"
    index = BM25Index([["a", "b"], ["b", "c"], ["c"]] * 20)
    index.save(path)
    expected = index.top_k(["a"], 5)
    calls = []
    top_k = compiled.top_k
    monkeypatch.setattr(compiled, "top_k", lambda *a: calls.append(1) or top_k(*a))
    healthy = BM25Index.load(path, defer_checksums=True)
    assert healthy.top_k(["a"], 5) == expected and not calls
    healthy.verify_checksums()
    assert healthy.top_k(["a"], 5) == expected and calls
    damaged = BM25Index.load(path, defer_checksums=True)
    damaged._s.main.low[0] = 65535  # as if the file were damaged (a private copy: "c" mode)
    with pytest.raises(IndexError):
        damaged.top_k(["a"], 5)
    with pytest.raises(bm25.IndexFileError, match="CRC"):
        damaged.verify_checksums()
    assert BM25Index.load(path).top_k(["a"], 5) == expected  # the file itself is intact
