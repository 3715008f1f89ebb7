"""CPU time per full answer (analysis, both fields, passage selection) on an existing database.

CPU time rather than wall time, so that a loaded machine (tests running beside it) moves
the figure less. Runs with whichever reportbot the interpreter imports, so an older
checkout's venv measures the old code on the same database and the same questions:

    python benchmarks/bench_answer.py --db /tmp/bench/bench-3704.db            # this code
    python benchmarks/bench_answer.py --db /tmp/bench/bench-3704.db --compiled # + numba kernel
    /path/to/old/checkout/.venv/bin/python benchmarks/bench_answer.py --db …    # before

Questions are drawn from the database's own passages as bench_search.py draws them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import make_queries

from reportbot.bot.service import ReportService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compiled", action="store_true", help="load the numba kernel first")
    args = parser.parse_args()
    if args.compiled:
        from reportbot.retrieval.bm25 import warm_up

        print("compiled kernel:", warm_up(wait=True))
    service = ReportService.open(args.db)
    # the old code has no answer() that skips the log; its search() logs, which costs more
    answer = getattr(service, "answer", None) or (lambda q, k: service.search(q, k, source="eval"))
    rng = random.Random(args.seed)
    figures = service.stats()  # a dict in older versions
    chunks = figures["chunks"] if isinstance(figures, dict) else figures.chunks
    texts = [
        r.text
        for r in service.store.chunks(rng.sample(range(1, chunks + 1), min(2000, chunks))).values()
    ]
    queries = make_queries(texts, rng, args.queries)
    for query in queries[:20]:
        answer(query, 5)
    started = time.process_time()
    for query in queries:
        answer(query, 5)
    per_query = (time.process_time() - started) * 1000 / len(queries)
    print(f"{chunks} chunks, {len(queries)} questions: {per_query:.2f} ms CPU per answer")


if __name__ == "__main__":
    main()
