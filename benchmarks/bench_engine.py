"""Benchmark the BM25 engine against rank-bm25 on synthetic Zipf corpora.

    python benchmarks/bench_engine.py            # 10k and 100k rows
    python benchmarks/bench_engine.py --full     # also 1M rows (rank-bm25 gets few queries)
    python benchmarks/bench_engine.py --rows 30000 --queries 500

Rows hold ~60 tokens (Poisson) drawn from a Zipf(1) vocabulary of 50k two-to-four character
CJK terms; queries take 3-8 distinct tokens of a random row, so they mix common and rare terms
as report questions do. Agreement is tie-aware: a result row counts as correct when rank-bm25
scores it at least as high as its own 10th best, minus float32 rounding.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time

import numpy as np
from rank_bm25 import BM25Okapi

from reportbot.retrieval.bm25 import BM25Index

VOCABULARY = 50_000
TOKENS_PER_ROW = 60
TOP = 10


def make_terms(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct CJK-looking terms, so the vocabulary dict costs what Chinese terms cost."""
    terms: dict[str, None] = {}
    while len(terms) < n:
        for codes in rng.integers(0x4E00, 0x9FA5, size=(n, 4)):
            terms.setdefault("".join(map(chr, codes[: 2 + codes[0] % 3])))
    return list(terms)[:n]


def make_corpus(rng: np.random.Generator, terms: np.ndarray, n_rows: int) -> list[np.ndarray]:
    """Rows of Zipf-distributed tokens (object arrays of shared str, a Sequence[str] each)."""
    cdf = np.cumsum(1 / np.arange(1, len(terms) + 1))
    lens = rng.poisson(TOKENS_PER_ROW, n_rows)
    ids = np.searchsorted(cdf, rng.random(int(lens.sum())) * cdf[-1])
    return np.split(terms[ids], np.cumsum(lens)[:-1])


def make_queries(rng: np.random.Generator, corpus: list[np.ndarray], n: int) -> list[list[str]]:
    queries = []
    while len(queries) < n:
        distinct = list(dict.fromkeys(corpus[rng.integers(len(corpus))]))
        if len(distinct) >= 3:
            size = min(len(distinct), int(rng.integers(3, 9)))
            queries.append([distinct[i] for i in rng.choice(len(distinct), size, replace=False)])
    return queries


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def agreement(ours: list[tuple[int, float]], ref: np.ndarray, matched: int) -> bool:
    """Tie-aware: as many results as rank-bm25 could give, each scoring at least its 10th best."""
    want = min(TOP, matched)
    if len(ours) != want:
        return False
    if not want:
        return True
    floor = np.partition(ref, len(ref) - want)[len(ref) - want]
    return all(ref[row] >= floor - 1e-5 * abs(floor) - 1e-9 for row, _ in ours)


def bench(n_rows: int, n_queries: int, ref_queries: int, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    terms = np.array(make_terms(rng, VOCABULARY), dtype=object)
    corpus = make_corpus(rng, terms, n_rows)
    queries = make_queries(rng, corpus, n_queries)
    gc.collect()
    before = rss()
    build, index = timed(BM25Index, corpus)
    gc.collect()
    rss_delta = rss() - before
    for query in queries[:20]:  # warm up, and allocate this thread's accumulator
        index.top_k(query, TOP)
    arrays, vocab = index.nbytes()
    latencies, results = [], []
    for query in queries:
        seconds, top = timed(index.top_k, query, TOP)
        latencies.append(seconds)
        results.append(top)
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) * 1e3

    lists = [list(row) for row in corpus]
    ref_build, reference = timed(BM25Okapi, lists)
    del lists
    picked = rng.choice(len(queries), min(ref_queries, len(queries)), replace=False)
    ref_latencies, agree = [], 0
    for i in picked:
        seconds, ref = timed(reference.get_scores, queries[i])
        ref_latencies.append(seconds)
        matched = int(np.count_nonzero(index.scores(queries[i])))
        agree += agreement(results[i], ref, matched)
    del reference
    ref_p50 = float(np.median(ref_latencies)) * 1e3

    adds = []
    for _ in range(20):
        seconds, _ = timed(index.add, make_corpus(rng, terms, 20))
        adds.append(seconds)
    index.top_k(queries[0], TOP)
    after_add = [timed(index.top_k, q, TOP)[0] for q in queries]
    delete, _ = timed(index.delete, range(n_rows - 20, n_rows))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bm25.npz")
        save, _ = timed(index.save, path, "bench")
        size = os.path.getsize(path)
        load, loaded = timed(BM25Index.load, path, "bench")
    same = all(loaded.top_k(q, TOP) == index.top_k(q, TOP) for q in queries[:50])
    return {
        "rows": n_rows, "build s": build, "arrays B/row": arrays / n_rows,
        "vocab B/row": vocab / n_rows, "total B/row": (arrays + vocab) / n_rows,
        "RSS B/row": rss_delta / n_rows, "p50 ms": p50, "p95 ms": p95, "p99 ms": p99,
        "rank-bm25 build s": ref_build, "rank-bm25 p50 ms": ref_p50, "speedup": ref_p50 / p50,
        "agree %": 100 * agree / len(picked), "ref queries": len(picked),
        "add 20 rows ms": float(np.median(adds)) * 1e3, "add max ms": max(adds) * 1e3,
        "p50 after add ms": float(np.median(after_add)) * 1e3, "delete 20 ms": delete * 1e3,
        "save s": save, "load s": load, "file MB": size / 1e6, "reload equal": float(same),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also run 1M rows")
    parser.add_argument("--rows", type=int, nargs="*", help="row counts to run instead")
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    sizes = args.rows or ([10_000, 100_000] + ([1_000_000] if args.full else []))
    table = []
    for n_rows in sizes:
        ref_queries = args.queries if n_rows <= 100_000 else 20
        table.append(bench(n_rows, args.queries, ref_queries))
        print(f"done {n_rows} rows", file=sys.stderr, flush=True)
    width = max(map(len, table[0]))
    for key in table[0]:
        cells = "".join(f"{row[key]:>14.4g}" if isinstance(row[key], float) else f"{row[key]:>14}"
                        for row in table)
        print(f"{key:<{width}}{cells}")


if __name__ == "__main__":
    main()
