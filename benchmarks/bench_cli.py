"""The product as a user runs it: cold start and per-answer time of `reportbot search --json`.

    python benchmarks/bench_cli.py --db /work/bench-data/b3704.db --queries q300.txt
    python benchmarks/bench_cli.py --db … --queries … --profile   # + a cProfile table
    python benchmarks/bench_cli.py --db … --queries … --rebuilds 3  # + index rebuilds
    python benchmarks/bench_cli.py --db … --queries … --fields 3    # + both fields' top-k

Cold start is a new process answering one question (`reportbot search Q --json`), index
sidecar present, page cache warm: the median of --starts runs. Per answer is the batch mode
(questions on stdin, JSON Lines out): the wall time of a run with every question --reps
times, minus that of a run with one question, divided by the questions answered; each
answer is logged as usual. Then the index's bytes per chunk as `serve` holds it;
--profile runs the batch in this process under cProfile. --rebuilds N times N rebuilds: the
sidecar files deleted, then one `search` process that rebuilds the index from the database,
answers and writes the files again (the median, and the largest peak RSS of those processes).
--fields N times the engine inside the product: the word then the bigram field's top-k
(FUSION_DEPTH rows, compiled kernel) for each question's analysed tokens, N repetitions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("reportbot")


def run(db: Path, stdin: str | None, *args: str) -> float:
    """Wall seconds of one reportbot process."""
    started = time.perf_counter()
    subprocess.run(
        [str(SCRIPT), "--db", str(db), "search", *args, "--json"],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return time.perf_counter() - started


def memory(db: Path) -> None:
    """Bytes per chunk of the search index as `serve` holds it (compiled kernel loaded, word
    weights computed), each field and the row metadata."""
    from reportbot.bot.service import ReportService
    from reportbot.retrieval.bm25 import warm_up

    warm_up(wait=True)
    service = ReportService.open(db)
    searcher = service.searcher()
    service.answer("党员发展")
    for thread in threading.enumerate():
        if thread.name == "bm25-weights":
            thread.join()
    n = searcher.index.n_docs
    word, bigram = (sum(i.nbytes()) for i in (searcher.index, searcher.bigram_index))
    rows = sum(a.nbytes for a in searcher.rows)
    print(
        f"index memory at {n:,} chunks: words {word / n:.0f} B/chunk, bigrams "
        f"{bigram / n:.0f}, rows {rows / n:.0f}, in all {(word + bigram + rows) / n:.0f} B/chunk"
    )


def rebuilds(db: Path, question: str, count: int) -> None:
    """Median wall time of `count` processes that each rebuild the index, and their peak RSS."""
    times = []
    for _ in range(count):
        for sidecar in db.parent.glob(db.name + ".*.npz"):
            sidecar.unlink()
        times.append(run(db, None, question))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"rebuild (no sidecar -> index built, first answer, files written): median "
        f"{statistics.median(times):.2f} s, min {min(times):.2f} s over {count} runs; "
        f"peak RSS of the processes so far {peak:.0f} MB"
    )


def fields(db: Path, questions: list[str], reps: int) -> None:
    """p50 / p95 per repetition of both fields' top-k for each question, as candidates() calls it."""
    import numpy as np

    from reportbot.bot.service import ReportService
    from reportbot.retrieval.bm25 import warm_up
    from reportbot.retrieval.search import FUSION_DEPTH

    warm_up(wait=True)
    searcher = ReportService.open(db).searcher()
    analyses = [searcher.analyze(q) for q in questions]
    searches = [
        (index, query)
        for a in analyses
        for index, query in ((searcher.index, a.tokens), (searcher.bigram_index, a.bigrams))
        if query
    ]
    for index, query in searches:  # page cache, scratch buffers
        index.top_k(query, FUSION_DEPTH)
    for _ in range(reps):
        times = []
        for a in analyses:
            started = time.perf_counter()
            for index, query in ((searcher.index, a.tokens), (searcher.bigram_index, a.bigrams)):
                if query:
                    index.top_k(query, FUSION_DEPTH)
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = np.percentile(times, [50, 95])
        print(f"both fields' top-{FUSION_DEPTH}: p50 {p50:.3f} ms, p95 {p95:.3f} ms")


def profile(db: Path, questions: str) -> None:
    """The batch mode in this process, the 25 costliest functions by cumulative time."""
    from reportbot.bot.cli import cli

    out, sys.stdout = sys.stdout, io.StringIO()
    try:
        sys.stdin = io.StringIO(questions.splitlines()[0] + "\n")
        cli.main(["--db", str(db), "search", "--json"], standalone_mode=False)
        sys.stdin = io.StringIO(questions)
        profiler = cProfile.Profile()
        profiler.enable()
        cli.main(["--db", str(db), "search", "--json"], standalone_mode=False)
        profiler.disable()
    finally:
        sys.stdout = out
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True, help="one question a line")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rebuilds", type=int, default=0, help="also time this many rebuilds")
    parser.add_argument("--fields", type=int, default=0, help="also time both fields' top-k")
    args = parser.parse_args()
    questions = [q for q in args.queries.read_text("utf-8").splitlines() if q.strip()]
    if args.rebuilds:
        rebuilds(args.db, questions[0], args.rebuilds)
    run(args.db, None, questions[0])  # builds the sidecar if missing, warms the page cache
    starts = [run(args.db, None, questions[i % len(questions)]) for i in range(args.starts)]
    print(
        f"cold start (new process -> first answer): median {statistics.median(starts):.3f} s, "
        f"min {min(starts):.3f} s over {len(starts)} runs"
    )
    batch = "\n".join(questions * args.reps) + "\n"
    one = statistics.median(run(args.db, questions[0] + "\n") for _ in range(3))
    many = run(args.db, batch)
    per = (many - one) * 1000 / (len(questions) * args.reps - 1)
    print(
        f"batch: {len(questions) * args.reps} questions in {many:.2f} s, one in {one:.2f} s: "
        f"{per:.3f} ms per answer"
    )
    memory(args.db)
    if args.fields:
        fields(args.db, questions, args.fields)
    if args.profile:
        profile(args.db, batch)


if __name__ == "__main__":
    main()
