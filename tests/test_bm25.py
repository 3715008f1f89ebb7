"""BM25Index against rank-bm25 itself: exact scores, top-k, updates, and the sidecar file."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from reportbot.retrieval import bm25
from reportbot.retrieval.bm25 import BM25Index, IndexFileError, reference_scores


@pytest.fixture(autouse=True, params=[16, 3], ids=["blocks-64k", "blocks-8"])
def block_bits(request, monkeypatch):
    """Every test with the real row blocks and with blocks of 8 rows, where postings span
    many blocks."""
    monkeypatch.setattr(bm25, "BLOCK_BITS", request.param)


def zipf_corpus(rng: np.random.Generator, n_rows: int, n_terms: int) -> list[list[str]]:
    """Rows of Zipf tokens, some empty, plus terms in all, most and exactly half of the rows."""
    weights = 1 / np.arange(1, n_terms + 1)
    corpus = []
    for row in range(n_rows):
        size = int(rng.integers(0, 25)) if row % 7 else 0
        tokens = [f"词{t}" for t in rng.choice(n_terms, size, p=weights / weights.sum())]
        tokens += ["全部"] + ["多数"] * (row % 4 != 0) + ["一半", "一半"] * (row % 2)
        corpus.append(tokens)
    return corpus


def queries(rng: np.random.Generator, n_terms: int, count: int) -> list[list[str]]:
    """Known, unknown and repeated tokens, including the over-half and exactly-half terms."""
    extra = ["全部", "多数", "一半", "未知"]
    out = []
    for _ in range(count):
        tokens = [f"词{t}" for t in rng.zipf(1.5, int(rng.integers(1, 7))) % (n_terms + 5)]
        tokens += [extra[i] for i in rng.integers(0, 4, int(rng.integers(0, 3)))]
        out.append(tokens + tokens[:1] * int(rng.integers(0, 2)))
    return out


def matched(corpus: list[list[str]], query: list[str]) -> np.ndarray:
    return np.array([bool(set(query) & set(row)) for row in corpus])


def assert_top_k_exact(
    found: list[tuple[int, float]], scores: np.ndarray, allowed: np.ndarray, k: int
) -> None:
    """Exactly the best k allowed rows by (score desc, row asc), with their scores."""
    rows = np.flatnonzero(allowed)
    order = np.lexsort((rows, -scores[rows]))[:k]
    assert found == [(int(rows[i]), float(scores[rows[i]])) for i in order]


def assert_top_k_tie_aware(
    found: list[tuple[int, float]], reference: np.ndarray, allowed: np.ndarray, k: int
) -> None:
    """float32: as many rows as possible, each scoring at least rank-bm25's k-th best."""
    candidates = reference[allowed]
    want = min(k, len(candidates))
    assert len(found) == want and len({row for row, _ in found}) == want
    if want:
        floor = np.sort(candidates)[-want]
        for row, score in found:
            assert allowed[row]
            assert reference[row] >= floor - 1e-5 * abs(floor)
            assert score == pytest.approx(reference[row], rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_float64_scores_are_rank_bm25_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    corpus = zipf_corpus(rng, int(rng.integers(2, 120)), int(rng.integers(5, 200)))
    index = BM25Index(corpus, dtype=np.float64)
    reference = BM25Okapi(corpus)
    for query in queries(rng, 200, 15):
        expected = reference.get_scores(query)
        assert np.array_equal(index.scores(query), expected)
        for k in (1, 3, 10):
            assert_top_k_exact(index.top_k(query, k), expected, matched(corpus, query), k)


@pytest.mark.parametrize("seed", range(3))
def test_float32_top10_agrees_with_rank_bm25_up_to_ties(seed):
    rng = np.random.default_rng(10 + seed)
    corpus = zipf_corpus(rng, 300, 150)
    index = BM25Index(corpus)
    reference = BM25Okapi(corpus)
    for query in queries(rng, 150, 20):
        expected = reference.get_scores(query)
        np.testing.assert_allclose(index.scores(query), expected, rtol=1e-5, atol=1e-6)
        assert_top_k_tie_aware(index.top_k(query, 10), expected, matched(corpus, query), 10)


def test_reference_scores_is_rank_bm25():
    corpus = [["a", "b"], ["b", "c"], ["c"]]
    assert np.array_equal(reference_scores(corpus, ["b"]), BM25Okapi(corpus).get_scores(["b"]))


def test_top_k_returns_only_matching_rows_ties_to_lower_row():
    corpus = [["x", "y"], ["z"], ["x", "y"], ["y"], ["x", "y"]]
    index = BM25Index(corpus, dtype=np.float64)
    found = index.top_k(["x"], 10)
    assert [row for row, _ in found] == [0, 2, 4]
    assert found[0][1] == found[1][1] == found[2][1]
    assert index.top_k(["unknown"], 10) == []
    assert index.top_k([], 10) == []
    assert index.top_k(["x"], 0) == []
    assert index.doc_freq("y") == 4 and index.doc_freq("unknown") == 0


def test_mask_is_applied_before_top_k():
    rng = np.random.default_rng(3)
    corpus = zipf_corpus(rng, 200, 60)
    index = BM25Index(corpus, dtype=np.float64)
    mask = rng.random(len(corpus)) < 0.3
    for query in queries(rng, 60, 10):
        found = index.top_k(query, 5, mask)
        assert_top_k_exact(found, index.scores(query), matched(corpus, query) & mask, 5)
    assert index.top_k(["全部"], 5, np.zeros(len(corpus), bool)) == []
    with pytest.raises(ValueError):
        index.top_k(["全部"], 5, np.ones(len(corpus) + 1, bool))


def test_mask_built_before_an_add_leaves_the_new_rows_out():
    index = BM25Index([["党建", "学习"], ["学习"]])
    mask = np.ones(index.n_docs, bool)
    index.add([["学习", "党建"]])
    assert {row for row, _ in index.top_k(["党建"], 5, mask)} == {0}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pruned_search_equals_exhaustive(monkeypatch, dtype):
    """Force the MaxScore path (long postings probed by binary search) and compare."""
    rng = np.random.default_rng(4)
    corpus = zipf_corpus(rng, 1500, 300)
    index = BM25Index(corpus, dtype=dtype)
    index.delete(range(0, 1500, 11))
    alive = np.ones(len(corpus), bool)
    alive[::11] = False
    for batch, lookup_cost in [(8, 0), (8, 8), (0, 1e9), (64, 1)]:
        monkeypatch.setattr(bm25, "BATCH", batch)
        monkeypatch.setattr(bm25, "LOOKUP_COST", lookup_cost)
        for query in queries(rng, 300, 25):
            mask = rng.random(len(corpus)) < (0.5 if rng.random() < 0.3 else 1)
            k = int(rng.integers(1, 20))
            allowed = matched(corpus, query) & mask & alive
            assert_top_k_exact(index.top_k(query, k, mask), index.scores(query), allowed, k)


def test_add_and_delete_equal_a_rebuild_on_the_surviving_rows(monkeypatch):
    monkeypatch.setattr(bm25, "MERGE_MIN", 50)  # also exercise delta-into-main merges
    rng = np.random.default_rng(5)
    corpus = zipf_corpus(rng, 80, 100)
    index = BM25Index(corpus, dtype=np.float64)
    alive = [True] * len(corpus)
    for step in range(12):
        if step % 3 == 2:
            gone = rng.choice(len(corpus), 6, replace=False).tolist()
            assert index.delete(gone) == sum(alive[row] for row in gone)
            for row in gone:
                alive[row] = False
        else:
            new = zipf_corpus(rng, int(rng.integers(1, 25)), 130)
            assert index.add(new) == range(len(corpus), len(corpus) + len(new))
            corpus += new
            alive += [True] * len(new)
        if step == 7:
            index.compact()
        survivors = [row for row in range(len(corpus)) if alive[row]]
        reference = BM25Okapi([corpus[row] for row in survivors])
        assert index.n_docs == len(corpus) and index.n_alive == len(survivors)
        for query in queries(rng, 130, 6):
            expected = np.zeros(len(corpus))
            expected[survivors] = reference.get_scores(query)
            np.testing.assert_allclose(index.scores(query), expected, rtol=1e-9, atol=1e-12)
            allowed = matched(corpus, query) & np.array(alive)
            found = index.top_k(query, 8)
            assert all(alive[row] for row, _ in found)
            assert_top_k_tie_aware(found, expected, allowed, 8)
        term = corpus[survivors[0]][0] if corpus[survivors[0]] else "全部"
        assert index.doc_freq(term) == sum(term in corpus[row] for row in survivors)


def test_add_and_delete_edge_cases():
    index = BM25Index([["a"], ["b"]])
    assert index.add([]) == range(2, 2)
    assert index.delete([0, 0]) == 1 and index.delete([0]) == 0
    assert index.top_k(["a"], 5) == [] and index.doc_freq("a") == 0
    with pytest.raises(IndexError):
        index.delete([2])
    index.delete([1])
    assert index.n_alive == 0 and index.top_k(["b"], 5) == []
    assert np.array_equal(index.scores(["b"]), [0, 0])
    assert index.add([["a", "c"]]) == range(2, 3)
    assert [row for row, _ in index.top_k(["a"], 5)] == [2]


def test_empty_corpus_and_empty_rows():
    empty = BM25Index([])
    assert empty.n_docs == 0 and empty.vocabulary == {}
    assert empty.scores(["a"]).shape == (0,) and empty.top_k(["a"], 10) == []
    blank = BM25Index([[], []])  # rank-bm25 itself divides by zero here
    assert np.array_equal(blank.scores(["a"]), [0, 0]) and blank.top_k(["a"], 3) == []
    assert empty.add([["a"], []]) == range(0, 2)
    assert [row for row, _ in empty.top_k(["a"], 3)] == [0]


def as_ids(corpus: list[list[str]], unused: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The corpus as ids into a term list (first seen first) with some terms no row holds."""
    terms = list(unused)
    for row in corpus:
        terms += [t for t in dict.fromkeys(row) if t not in terms]
    ids = np.array([terms.index(t) for row in corpus for t in row], np.int32)
    return terms, ids, np.array([len(row) for row in corpus], np.int64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_index_from_term_ids_equals_one_from_the_tokens(dtype):
    rng = np.random.default_rng(8)
    corpus = zipf_corpus(rng, 200, 120)
    from_ids = BM25Index.from_ids(*as_ids(corpus, ["无人用", "也无人用"]), dtype=dtype)
    index = BM25Index(corpus, dtype=dtype)
    assert set(from_ids.vocabulary) == set(index.vocabulary)  # the unused terms left out
    reference = BM25Okapi(corpus)
    for query in queries(rng, 120, 30):
        assert np.array_equal(from_ids.scores(query), index.scores(query))
        assert from_ids.top_k(query, 10) == index.top_k(query, 10)
        if dtype == np.float64:
            assert np.array_equal(from_ids.scores(query), reference.get_scores(query))
    assert from_ids.add([["词1", "新"]]) == index.add([["词1", "新"]])
    assert from_ids.top_k(["新", "词1"], 5) == index.top_k(["新", "词1"], 5)
    assert BM25Index.from_ids([], np.zeros(0, np.int32), np.zeros(0, np.int64)).n_docs == 0


@pytest.mark.parametrize("map_min", [1 << 20, 0])  # small arrays read, or all memory-mapped
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip(tmp_path, monkeypatch, dtype, map_min):
    monkeypatch.setattr(bm25, "MAP_MIN", map_min)
    rng = np.random.default_rng(6)
    corpus = zipf_corpus(rng, 150, 80)
    index = BM25Index(corpus, dtype=dtype)
    index.add(zipf_corpus(rng, 10, 90))
    index.delete([3, 4, 155])
    path = tmp_path / "index.bm25.npz"
    index.save(path, generation="7:abc")
    loaded = BM25Index.load(path, expected_generation="7:abc")
    assert loaded.vocabulary == index.vocabulary and loaded.dtype == index.dtype
    assert loaded.n_docs == index.n_docs and loaded.n_alive == index.n_alive
    for query in queries(rng, 90, 15):
        assert np.array_equal(loaded.scores(query), index.scores(query))
        assert loaded.top_k(query, 10) == index.top_k(query, 10)
    assert loaded.add([["词1", "新"]]) == index.add([["词1", "新"]])
    assert loaded.top_k(["新", "词1"], 5) == index.top_k(["新", "词1"], 5)
    empty = tmp_path / "empty.npz"
    BM25Index([]).save(empty)
    assert BM25Index.load(empty).n_docs == 0


@pytest.mark.parametrize("map_min", [1 << 20, 0])
def test_bad_sidecar_files_raise_index_file_error(tmp_path, monkeypatch, map_min):
    monkeypatch.setattr(bm25, "MAP_MIN", map_min)
    path = tmp_path / "index.bm25.npz"
    BM25Index([["a", "b"], ["b", "c"]] * 20).save(path, generation="1")
    data = path.read_bytes()
    with pytest.raises(IndexFileError, match="stale"):
        BM25Index.load(path, expected_generation="2")
    with pytest.raises(IndexFileError):
        BM25Index.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    damaged = [data[: len(data) // 2], data[:-1], b"", b"not an index at all"]
    for position in range(100, len(data), max(1, len(data) // 40)):
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        damaged.append(bytes(flipped))
    for content in damaged:
        bad.write_bytes(content)
        try:
            loaded = BM25Index.load(bad, expected_generation="1")
        except IndexFileError:
            continue
        assert loaded.top_k(["b"], 5) == BM25Index.load(path).top_k(["b"], 5)  # harmless flip
    np.save(bad.with_suffix(".npy"), np.arange(3))
    bad.with_suffix(".npy").rename(bad)
    with pytest.raises(IndexFileError):
        BM25Index.load(bad)
    with np.load(path) as z:
        arrays = dict(z)
    meta = json.loads(arrays["meta"].tobytes())
    for saved_range in ([0, 40], [-1, 3], [5, 2], [0], "0-39", [0.0, 39.0], [True, 39], None):
        meta["row_range"] = saved_range  # rows 0..39 are there
        np.savez(bad, **(arrays | {"meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}))
        with pytest.raises(IndexFileError, match="inconsistent"):
            BM25Index.load(bad, expected_generation="1")
    monkeypatch.setattr(bm25, "FORMAT_VERSION", 99)
    BM25Index([["a"]]).save(bad, generation="1")
    monkeypatch.undo()
    with pytest.raises(IndexFileError, match="version"):
        BM25Index.load(bad, expected_generation="1")


def test_concurrent_searches_agree_with_sequential():
    rng = np.random.default_rng(8)
    corpus = zipf_corpus(rng, 2000, 400)
    index = BM25Index(corpus)
    qs = queries(rng, 400, 60)
    expected = [index.top_k(q, 10) for q in qs]
    assert all(found == expected for found in searched_in_threads(index, qs))


def searched_in_threads(index: BM25Index, qs: list, threads: int = 4) -> list[list]:
    """Every query's top 10 as each of `threads` threads, searching at once, saw it."""
    results: dict[int, list] = {}

    def search(worker: int) -> None:
        results[worker] = [index.top_k(q, 10) for q in qs]

    workers = [threading.Thread(target=search, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return list(results.values())
