"""Benchmark the BM25 engine against rank-bm25 and optional peers on the same jieba tokens.

    python benchmarks/bench_engine.py                       # ~138k chunks (5,000 documents)
    python benchmarks/bench_engine.py --docs 5000 36000     # also ~1M chunks (~25 minutes)
    python benchmarks/bench_engine.py --no-peers --reps 3   # reportbot's two paths only

Documents come from ../shared/tools/synth_corpus.py and go through reportbot's own parse,
chunk and tokenize pipeline (both cores); the tokens are cached under --cache (default
/tmp/reportbot-bench), so every engine and every later run sees the same ones. Queries are
300 questions like bench_search.py's (phrases cut from passages, colloquial questions around
them, off-topic ones) in the same tokens. Engines run interleaved: every repetition times
each engine on every query in turn, and a figure is the median over repetitions of that
engine's percentile, so load from other processes hits all of them alike.

Peers, each skipped when not installed (`pip install bm25s numba tantivy`): bm25s (with numba
when present) and Tantivy; rank-bm25, the reference, is exhaustive and slow, so it scores a
sample of the queries (--ref-queries). Agreement with rank-bm25 is tie-aware: a result
counts as correct when rank-bm25 scores it at least as high as its own 10th best, minus
float32 rounding.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from reportbot.retrieval import bm25
from reportbot.retrieval.bm25 import BM25Index

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT.parent / "shared" / "tools" / "synth_corpus.py"
TOP = 10
SEP, ROW_SEP = "\x1f", "\x1e"
TEMPLATES = ["{}怎么开展的", "有没有关于{}的提法", "{}做了多少次", "{}有哪些做法", "{}存在什么问题"]
OFF_TOPIC = [
    "今天北京天气怎么样",
    "周末去哪里旅游比较好",
    "感冒发烧吃什么药",
    "红烧排骨的做法",
    "世界杯哪个队夺冠了",
    "股票明天会涨吗",
    "如何减肥最有效",
    "高铁票怎么退",
    "二手车过户需要什么材料",
    "附近有什么好吃的火锅",
]


@dataclass
class Corpus:
    """Rows as token ids into terms, and queries as token lists."""

    terms: np.ndarray  # object array of str
    ids: np.ndarray  # int32, all rows end to end
    lens: np.ndarray  # int64 tokens per row
    queries: list[list[str]]

    @property
    def n_rows(self) -> int:
        return len(self.lens)

    def rows(self) -> list[np.ndarray]:
        """Each row as an object array of shared str: a Sequence[str], cheap to hold."""
        return np.split(self.terms[self.ids], np.cumsum(self.lens)[:-1])

    def id_rows(self) -> list[np.ndarray]:
        return np.split(self.ids, np.cumsum(self.lens)[:-1])


# -- corpora ---------------------------------------------------------------------------------


def _analyse(path: str) -> tuple[str, list[str]]:
    """One file's chunks as joined tokens, plus every 40th passage's text for queries."""
    from reportbot.retrieval.boilerplate import BoilerplateFilter
    from reportbot.retrieval.pipeline import analyse_file

    chunks = analyse_file(Path(path), 1 << 24, BoilerplateFilter()).chunks
    joined = ROW_SEP.join(SEP.join(c.tokens) for c in chunks)
    return joined, [
        c.text for i, c in enumerate(chunks) if (i + zlib.crc32(path.encode())) % 40 == 0
    ]


def make_questions(texts: list[str], rng: random.Random, count: int) -> list[str]:
    """In-domain phrases cut from passages, colloquial questions around them, off-topic ones."""
    questions = []
    while len(questions) < count * 2 // 5:
        text = rng.choice(texts).replace("\n", "")
        start = rng.randrange(max(1, len(text) - 12))
        questions.append(text[start : start + rng.randint(4, 10)])
    while len(questions) < count * 4 // 5:
        text = rng.choice(texts).replace("\n", "")
        start = rng.randrange(max(1, len(text) - 8))
        questions.append(rng.choice(TEMPLATES).format(text[start : start + rng.randint(3, 6)]))
    while len(questions) < count:
        questions.append(rng.choice(OFF_TOPIC))
    rng.shuffle(questions)
    return questions


def synth_tokens(docs: int, cache: Path, n_queries: int = 300) -> Corpus:
    """The synthetic corpus of that many documents in reportbot's tokens, cached."""
    path = cache / f"tokens-{docs}.npz"
    if not path.exists():
        _write_tokens(docs, cache, path, n_queries)
    with np.load(path) as z:
        terms = np.array(z["terms"].tobytes().decode().split(SEP), dtype=object)
        queries = [
            q.split(SEP) if q else [] for q in z["queries"].tobytes().decode().split(ROW_SEP)
        ]
        return Corpus(terms, z["ids"], z["lens"].astype(np.int64), queries)


def _write_tokens(docs: int, cache: Path, path: Path, n_queries: int) -> None:
    from reportbot.retrieval.tokenizer import is_term, tokenize

    folder = cache / f"corpus-{docs}"
    if not folder.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, str(SYNTH), str(folder), "--docs", str(docs), "--seed", "0"],
            check=True,
            capture_output=True,
        )
    files = sorted(str(p) for p in folder.iterdir())
    vocab: dict[str, int] = {}
    ids, lens, texts = [], [], []
    with Pool(os.cpu_count() or 2) as pool:
        for joined, sample in pool.imap(_analyse, files, chunksize=8):
            texts += sample
            for row in joined.split(ROW_SEP):
                tokens = row.split(SEP) if row else []
                ids.append(np.array([vocab.setdefault(t, len(vocab)) for t in tokens], np.int32))
                lens.append(len(tokens))
    questions = make_questions(texts, random.Random(0), n_queries)
    queries = [SEP.join(t for t in tokenize(q) if is_term(t)) for q in questions]
    np.savez(
        path,
        terms=np.frombuffer(SEP.join(vocab).encode(), np.uint8),
        ids=np.concatenate(ids),
        lens=np.array(lens, np.int32),
        queries=np.frombuffer(ROW_SEP.join(queries).encode(), np.uint8),
    )


# -- engines ---------------------------------------------------------------------------------


class Engine:
    """One engine under test: built once, then timed query by query."""

    name = ""

    def __init__(self, corpus: Corpus) -> None:
        start = time.perf_counter()
        self.build(corpus)
        self.build_s = time.perf_counter() - start

    def build(self, corpus: Corpus) -> None:
        raise NotImplementedError

    def search(self, query: list[str]) -> list:
        raise NotImplementedError

    def rows(self, result: list) -> list[int]:
        return result

    def bytes(self) -> float:
        return float("nan")


class Unweighed(BM25Index):
    """No per-posting weights: the compiled path weighs term frequencies as it goes."""

    weighed = False


class Reportbot(Engine):
    """BM25Index.top_k; compiled=False times the numpy fallback on the same index."""

    def __init__(
        self,
        corpus: Corpus,
        index: BM25Index | None = None,
        compiled: bool = True,
        dtype: type = np.float32,
        kind: type = BM25Index,
    ) -> None:
        self.name = "reportbot BM25Index" + ("" if compiled else " (numpy fallback)")
        if kind is Unweighed:
            self.name += " (weighed=False)"
        self.compiled, self.dtype, self.index, self.kind = compiled, dtype, index, kind
        super().__init__(corpus)

    def build(self, corpus: Corpus) -> None:
        if self.index is None:
            self.index = self.kind(corpus.rows(), dtype=self.dtype)

    def search(self, query: list[str]) -> list[int]:
        return [row for row, _ in self.top_k(query, TOP)]

    def top_k(self, query: list[str], k: int) -> list[tuple[int, float]]:
        kernel = bm25._kernel
        if not self.compiled:
            bm25._kernel = None
        try:
            return self.index.top_k(query, k)
        finally:
            bm25._kernel = kernel

    def bytes(self) -> float:
        """Arrays and vocabulary; the numpy path alone needs no posting weights nor block buffer."""
        s, local = self.index._s, self.index._local
        total = float(sum(self.index.nbytes()))
        if self.compiled:  # nor does the compiled one need the numpy path's accumulator
            return total - getattr(getattr(local, "acc", None), "nbytes", 0)
        block = getattr(getattr(local, "block", None), "nbytes", 0)
        return total - sum(w.nbytes for w in s.weights or ()) - block


class Bm25s(Engine):
    """bm25s's BM25 (Robertson idf, rank-bm25's formula without its idf floor), numba if present."""

    def build(self, corpus: Corpus) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        backend = "numba" if importlib.util.find_spec("numba") else "numpy"
        self.name = f"bm25s {bm25s.__version__} ({backend})"
        self.retriever = bm25s.BM25(method="robertson", k1=1.5, b=0.75, backend=backend)
        vocab = {t: i for i, t in enumerate(corpus.terms.tolist())}
        ids = [row.tolist() for row in corpus.id_rows()]
        self.retriever.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self.search([corpus.terms[0]])  # compile

    def search(self, query: list[str]) -> list[int]:
        known = [t for t in query if t in self.retriever.vocab_dict] or [""]
        docs, _ = self.retriever.retrieve([known], k=TOP, show_progress=False, n_threads=0)
        return docs[0].tolist()

    def bytes(self) -> float:
        arrays = sum(a.nbytes for a in self.retriever.scores.values() if hasattr(a, "nbytes"))
        vocab = sys.getsizeof(self.retriever.vocab_dict) + sum(
            sys.getsizeof(t) + 28 for t in self.retriever.vocab_dict
        )
        return float(arrays + vocab)


class Tantivy(Engine):
    """Tantivy (Rust) through tantivy-py: whitespace tokenizer over the same tokens, freq only."""

    def build(self, corpus: Corpus) -> None:
        import tantivy

        self.tantivy = tantivy
        self.name = f"Tantivy {_version('tantivy')} (count=False)"
        self.folder = tempfile.TemporaryDirectory(prefix="tantivy-")
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
        builder.add_integer_field("row", stored=True, fast=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=self.folder.name)
        writer = self.index.writer(heap_size=1 << 30, num_threads=2)
        for row, tokens in enumerate(corpus.rows()):
            writer.add_document(tantivy.Document(body=" ".join(tokens), row=row))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, query: list[str]) -> list:
        t = self.tantivy
        clauses = [
            (t.Occur.Should, t.Query.term_query(self.schema, "body", token, "freq"))
            for token in query
        ]
        if not clauses:
            return []
        return self.searcher.search(t.Query.boolean_query(clauses), TOP, count=False).hits

    def rows(self, result: list) -> list[int]:
        """Stored row ids of the hits (read outside the timed search)."""
        return [self.searcher.doc(address)["row"][0] for _, address in result]

    def bytes(self) -> float:
        return float(
            sum(p.stat().st_size for p in Path(self.folder.name).rglob("*") if p.is_file())
        )


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


# -- measuring -------------------------------------------------------------------------------


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def matched_rows(corpus: Corpus, vocab: dict[str, int], query: list[str]) -> np.ndarray:
    """Rows sharing a token with the query, from the corpus itself (not from any index)."""
    found = np.flatnonzero(np.isin(corpus.ids, [vocab[t] for t in query if t in vocab]))
    return np.unique(np.searchsorted(np.cumsum(corpus.lens), found, side="right"))


def agreement(ours: list[int], ref: np.ndarray, matched: int) -> bool:
    """Tie-aware: as many results as rank-bm25 could give, each scoring at least its 10th best."""
    want = min(TOP, matched)
    if len(ours) != want:
        return False
    if not want:
        return True
    floor = np.partition(ref, len(ref) - want)[len(ref) - want]
    return all(ref[row] >= floor - 1e-5 * abs(floor) - 1e-9 for row in ours)


def exact_top(ref: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
    """rank-bm25's best k of the matched rows: score descending, then lower row."""
    order = np.lexsort((rows, -ref[rows]))[:k]
    return [(int(rows[i]), float(ref[rows[i]])) for i in order]


def interleaved(
    engines: list[Engine], queries: list[list[str]], reps: int
) -> tuple[dict[str, list[np.ndarray]], dict[str, list]]:
    """Per engine: each repetition's latencies (s), and the first repetition's results."""
    times: dict[str, list[np.ndarray]] = {e.name: [] for e in engines}
    results: dict[str, list] = {}
    for engine in engines:  # warm caches and compiled code
        for query in queries[:30]:
            engine.search(query)
    gc.collect()
    gc.disable()
    try:
        for rep in range(reps):
            for engine in engines:
                seconds, found = [], []
                for query in queries:
                    start = time.perf_counter()
                    result = engine.search(query)
                    seconds.append(time.perf_counter() - start)
                    found.append(result)
                times[engine.name].append(np.array(seconds))
                if rep == 0:
                    results[engine.name] = [engine.rows(r) for r in found]
    finally:
        gc.enable()
    return times, results


def bench(docs: int, cache: Path, reps: int, ref_queries: int, peers: bool) -> None:
    corpus = synth_tokens(docs, cache)
    queries = corpus.queries
    print(
        f"\n== {docs:,} documents, {corpus.n_rows:,} chunks, {len(corpus.ids):,} tokens, "
        f"{len(queries)} queries; load average before {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    compiled = bm25.warm_up(wait=True)
    ours = Reportbot(corpus)
    engines: list[Engine] = [ours]
    if compiled:
        engines.append(Reportbot(corpus, kind=Unweighed))
        engines.append(Reportbot(corpus, ours.index, compiled=False))
    if peers:
        for cls, module in [(Bm25s, "bm25s"), (Tantivy, "tantivy")]:
            if importlib.util.find_spec(module):
                engines.append(cls(corpus))
            else:
                print(f"({module} not installed: skipped)")
    times, results = interleaved(engines, queries, reps)
    load_after = os.getloadavg()[0]

    from rank_bm25 import BM25Okapi

    gc.collect()
    before = rss()
    start = time.perf_counter()
    reference = BM25Okapi([row.tolist() for row in corpus.rows()], k1=1.5, b=0.75, epsilon=0.25)
    ref_build, ref_bytes = time.perf_counter() - start, rss() - before
    exact64 = BM25Index(corpus.rows(), dtype=np.float64)
    vocab = {t: i for i, t in enumerate(corpus.terms.tolist())}
    picked = np.random.default_rng(1).choice(
        len(queries), min(ref_queries, len(queries)), replace=False
    )
    agree = {e.name: 0 for e in engines}
    ref_seconds, identical64, close32 = [], 0, 0
    for i in picked:
        start = time.perf_counter()
        ref = reference.get_scores(queries[i])
        ref_seconds.append(time.perf_counter() - start)
        rows = matched_rows(corpus, vocab, queries[i])
        for engine in engines:
            agree[engine.name] += agreement(results[engine.name][i], ref, len(rows))
        identical64 += exact64.top_k(queries[i], TOP) == exact_top(ref, rows, TOP)
        close32 += all(
            abs(score - ref[row]) <= 1e-5 * abs(ref[row]) + 1e-6
            for row, score in ours.index.top_k(queries[i], TOP)
        )
    del reference
    same_paths = {}
    for index in (ours.index, exact64):
        same_paths[index.dtype.name] = sum(
            Reportbot(corpus, index).top_k(q, k) == Reportbot(corpus, index, False).top_k(q, k)
            for q in queries
            for k in (1, 10, 30)
        )

    print(
        f"{'engine':<36}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'B/chunk':>9}{'build s':>9}"
        f"{'agrees':>9}"
    )
    for engine in engines:
        p50, p95, p99 = (
            np.median([np.percentile(t, [50, 95, 99]) for t in times[engine.name]], axis=0) * 1e3
        )
        print(
            f"{engine.name:<36}{p50:>8.3f}{p95:>8.3f}{p99:>8.3f}"
            f"{engine.bytes() / corpus.n_rows:>9.0f}{engine.build_s:>9.1f}"
            f"{agree[engine.name]:>5}/{len(picked)}"
        )
    print(
        f"{'rank-bm25 (reference, sampled)':<36}{np.median(ref_seconds) * 1e3:>8.1f}"
        f"{np.percentile(ref_seconds, 95) * 1e3:>8.1f}{'':>8}{ref_bytes / corpus.n_rows:>9.0f}"
        f"{ref_build:>9.1f}"
    )
    print(
        f"float64 top-10 rows and scores identical to rank-bm25's: {identical64}/{len(picked)}; "
        f"float32 scores within 1e-5: {close32}/{len(picked)}"
    )
    print(
        "compiled and numpy top_k identical (k = 1, 10, 30): "
        + ", ".join(f"{name} {n}/{3 * len(queries)}" for name, n in same_paths.items())
    )
    print(
        f"load average after the timed runs {load_after:.2f}; {reps} interleaved repetitions; "
        f"figures are medians over them",
        flush=True,
    )
    updates(ours.index, corpus)


def updates(index: BM25Index, corpus: Corpus) -> None:
    """Costs of keeping the index live: adds, deletes, re-weighing, save and load."""
    rows = corpus.rows()[:20]
    adds = []
    for _ in range(5):
        start = time.perf_counter()
        index.add(rows)
        adds.append(time.perf_counter() - start)
    start = time.perf_counter()
    index.delete(range(index.n_docs - 20, index.n_docs))
    delete = time.perf_counter() - start
    for thread in threading.enumerate():  # let the background re-weighing finish first
        if thread.name == "bm25-weights":
            thread.join()
    start = time.perf_counter()
    index._weigh(index._s)
    weigh = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bm25.npz")
        start = time.perf_counter()
        index.save(path, "bench")
        save = time.perf_counter() - start
        start = time.perf_counter()
        BM25Index.load(path, "bench")
        load = time.perf_counter() - start
        size = os.path.getsize(path)
    print(
        f"add 20 rows {np.median(adds) * 1e3:.1f} ms, delete 20 rows {delete * 1e3:.1f} ms, "
        f"re-weigh all postings (background, after each update) {weigh:.2f} s, "
        f"save {save:.2f} s, load {load:.2f} s, file {size / 1e6:.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--docs",
        type=int,
        nargs="*",
        default=[5000],
        help="synthetic corpus sizes in documents (36000 gives ~1M chunks)",
    )
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "reportbot-bench"
    )
    parser.add_argument("--reps", type=int, default=5, help="interleaved repetitions")
    parser.add_argument(
        "--ref-queries",
        type=int,
        default=60,
        help="queries checked against rank-bm25 (it takes ~0.7 s each at 1M)",
    )
    parser.add_argument("--no-peers", action="store_true", help="only reportbot's engine")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, numpy "
        f"{np.__version__}, compiled path {'available' if bm25.warm_up(wait=True) else 'absent'}"
    )
    for docs in args.docs:
        bench(docs, args.cache, args.reps, args.ref_queries, not args.no_peers)


if __name__ == "__main__":
    main()
