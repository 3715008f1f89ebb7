"""End-to-end benchmark: ingest, index, search latency, cold start, live updates, vs rank-bm25.

Generates synthetic corpora with ../shared/tools/synth_corpus.py (about 27 chunks per
document) and prints one block of figures per size. Default sizes are about 1k, 10k and
100k chunks; --full adds 1M. Example:

    python benchmarks/bench_search.py                 # 1k, 10k, 100k chunks
    python benchmarks/bench_search.py --sizes 10000   # one size
    python benchmarks/bench_search.py --full          # adds 1M (long: about an hour)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from reportbot.bot.service import ReportService
from reportbot.storage.index import ReportIndex

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT.parent / "shared" / "tools" / "synth_corpus.py"
CHUNKS_PER_DOC = 27
OFF_TOPIC = [
    "今天北京天气怎么样",
    "周末去哪里旅游比较好",
    "感冒发烧吃什么药",
    "Python怎么读取CSV文件",
    "红烧排骨的做法",
    "世界杯哪个队夺冠了",
    "股票明天会涨吗",
    "iPhone和华为手机哪个好",
    "如何减肥最有效",
    "电影院最近有什么好看的电影",
    "高铁票怎么退",
    "猫咪不吃饭怎么办",
    "英语四级考试什么时候报名",
    "二手车过户需要什么材料",
    "量子计算机的原理",
    "周杰伦的演唱会门票",
    "附近有什么好吃的火锅",
    "信用卡逾期了怎么办",
    "埃菲尔铁塔有多高",
    "如何种植西红柿",
]
TEMPLATES = ["{}怎么开展的", "有没有关于{}的提法", "{}做了多少次", "{}有哪些做法", "{}存在什么问题"]


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def percentiles(values: list[float]) -> str:
    q = np.percentile(values, [50, 95, 99])
    return f"p50 {q[0]:.2f} ms  p95 {q[1]:.2f} ms  p99 {q[2]:.2f} ms"


def make_queries(texts: list[str], rng: random.Random, count: int) -> list[str]:
    """In-domain phrases cut from passages, colloquial questions around them, off-topic ones."""
    queries = []
    while len(queries) < count * 2 // 5:
        text = rng.choice(texts).replace("\n", "")
        start = rng.randrange(max(1, len(text) - 12))
        queries.append(text[start : start + rng.randint(4, 10)])
    while len(queries) < count * 4 // 5:
        text = rng.choice(texts).replace("\n", "")
        start = rng.randrange(max(1, len(text) - 8))
        queries.append(rng.choice(TEMPLATES).format(text[start : start + rng.randint(3, 6)]))
    while len(queries) < count:
        queries.append(rng.choice(OFF_TOPIC))
    rng.shuffle(queries)
    return queries


def bench(chunks: int, work: Path, queries_n: int, seed: int) -> dict:
    docs = max(1, round(chunks / CHUNKS_PER_DOC))
    corpus = work / f"corpus-{docs}"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, str(SYNTH), str(corpus), "--docs", str(docs), "--seed", str(seed)],
            check=True,
            capture_output=True,
        )
    db = work / f"bench-{docs}.db"
    for leftover in work.glob(f"bench-{docs}.db*"):
        leftover.unlink()
    out: dict = {"docs": docs}

    service = ReportService.open(db)
    started = time.perf_counter()
    results = service.ingest([corpus])
    out["ingest_s"] = time.perf_counter() - started
    out["chunks"] = service.store.db.execute("select count(*) from chunks").fetchone()[0]
    out["failed"] = sum(r.status == "failed" for r in results)
    out["chunks_per_s"] = out["chunks"] / out["ingest_s"]

    rss_before = rss_bytes()
    started = time.perf_counter()
    service.index = ReportIndex(service.store)
    searcher = service.searcher()
    out["index_build_s"] = time.perf_counter() - started
    out["index_rss_per_chunk"] = (rss_bytes() - rss_before) / out["chunks"]
    engine_bytes = sum(a.nbytes for a in searcher.rows) + sum(searcher.index.nbytes())
    out["index_arrays_per_chunk"] = engine_bytes / out["chunks"]
    service.close()
    out["db_mb"] = sum(p.stat().st_size for p in work.glob(f"bench-{docs}.db*")) / 1e6

    started = time.perf_counter()
    service = ReportService.open(db)
    service.searcher()
    out["index_load_s"] = time.perf_counter() - started

    rng = random.Random(seed)
    texts = [
        r.text
        for r in service.store.chunks(
            rng.sample(range(1, out["chunks"] + 1), min(2000, out["chunks"]))
        ).values()
    ]
    queries = make_queries(texts, rng, queries_n)
    for query in queries[:20]:
        service.search(query)  # warm caches
    search_ms, retrieve_ms, engine_ms, answered = [], [], [], 0
    for query in queries:
        started = time.perf_counter()
        response = service.search(query, 5)
        search_ms.append((time.perf_counter() - started) * 1000)
        answered += bool(response.hits)
        started = time.perf_counter()
        analysis = searcher.analyze(query)
        rows = searcher.index.top_k(analysis.tokens, 10)
        service.store.chunks([int(searcher.rows.chunk_ids[row]) for row, _ in rows])
        retrieve_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        searcher.index.top_k(analysis.tokens, 10)
        engine_ms.append((time.perf_counter() - started) * 1000)
    out["answer (service.search)"] = percentiles(search_ms)
    out["retrieve (tokenize+top10+fetch)"] = percentiles(retrieve_ms)
    out["engine (top_k only)"] = percentiles(engine_ms)
    out["answered"] = f"{answered}/{len(queries)}"

    out.update(compare_with_rank_bm25(service, searcher, queries, rng))

    env = {**os.environ, "REPORTBOT_DB": str(db)}
    script = Path(sys.executable).with_name("reportbot")
    started = time.perf_counter()
    subprocess.run(
        [str(script), "search", "党员发展", "--json"], check=True, env=env, capture_output=True
    )
    out["cold_start_s"] = time.perf_counter() - started

    out["add_one_doc_visible_s"], out["cli_ingest_visible_s"] = add_one_document(db, service, work)
    service.close()
    return out


def compare_with_rank_bm25(service, searcher, queries, rng) -> dict:
    """Same tokens through rank-bm25's BM25Okapi: speed ratio and tie-aware top-10 agreement."""
    records = list(service.store.iter_index_rows())
    started = time.perf_counter()
    reference = BM25Okapi([r[4] for r in records])
    build_s = time.perf_counter() - started
    sample = queries if len(records) <= 200_000 else rng.sample(queries, 30)
    ours_ms, ref_ms, agree, compared = [], [], 0, 0
    for query in sample:
        tokens = list(searcher.analyze(query).tokens)
        if not tokens:
            continue
        started = time.perf_counter()
        top = searcher.index.top_k(tokens, 10)
        ours_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scores = reference.get_scores(tokens)
        best = np.argsort(-scores, kind="stable")[:10]
        ref_ms.append((time.perf_counter() - started) * 1000)
        if not top:
            continue
        tenth = scores[best[min(9, len(best) - 1)]]
        compared += 1
        agree += all(scores[row] >= tenth - 1e-4 * max(1.0, abs(tenth)) for row, _ in top)
    return {
        "rank_bm25_build_s": build_s,
        "rank_bm25": percentiles(ref_ms),
        "speedup_p50 (same tokens)": statistics.median(ref_ms)
        / max(1e-9, statistics.median(ours_ms)),
        "top10_agreement": f"{agree}/{compared}",
    }


def add_one_document(db: Path, server: ReportService, work: Path) -> tuple[float, float]:
    """Seconds until a report ingested elsewhere is searchable in the serving index: by a
    second open service in this process, and by a `reportbot ingest` subprocess (whose
    Python and jieba start-up is included)."""

    def visible(question: str, started: float) -> float:
        while not server.search(question).hits:
            if time.perf_counter() - started > 60:
                raise RuntimeError("new document never became searchable")
        return time.perf_counter() - started

    report = "某新单位2025年工作总结\n一、主要工作\n（一）抓学习。开展“{}”读书会12次。\n"
    first, second = work / "new-report-1.txt", work / "new-report-2.txt"
    first.write_text(report.format("蓝天学堂"), encoding="utf-8")
    second.write_text(report.format("青山讲坛"), encoding="utf-8")
    writer = ReportService.open(db)
    started = time.perf_counter()
    writer.ingest([first])
    in_process = visible("蓝天学堂读书会", started)
    writer.close()
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("reportbot")), "--db", str(db), "ingest", str(second)],
        check=True,
        capture_output=True,
    )
    return in_process, visible("青山讲坛读书会", started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--full", action="store_true", help="also 1M chunks")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="where corpora and DBs go")
    parser.add_argument("--json", action="store_true", help="one JSON object per size")
    args = parser.parse_args()
    sizes = args.sizes + ([1_000_000] if args.full else [])
    work = args.work or Path(tempfile.mkdtemp(prefix="reportbot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; work dir {work}")
    for size in sizes:
        figures = bench(size, work, args.queries, args.seed)
        if args.json:
            print(json.dumps(figures, ensure_ascii=False))
            continue
        print(f"\n== ~{size:,} chunks ({figures['docs']:,} documents)")
        for key, value in figures.items():
            print(f"  {key:24} {value:.3f}" if isinstance(value, float) else f"  {key:24} {value}")


if __name__ == "__main__":
    main()
