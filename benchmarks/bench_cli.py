"""The product as a user runs it: cold start and per-answer time of `reportbot search --json`.

    python benchmarks/bench_cli.py --db /work/bench-data/b3704.db --queries q300.txt
    python benchmarks/bench_cli.py --db … --queries … --profile   # + a cProfile table

Cold start is a new process answering one question (`reportbot search Q --json`), index
sidecar present, page cache warm: the median of --starts runs. Per answer is the batch mode
(questions on stdin, JSON Lines out): the wall time of a run with every question --reps
times, minus that of a run with one question, divided by the questions answered; each
answer is logged as usual. Then the index's bytes per chunk as `serve` holds it;
--profile runs the batch in this process under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
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
    args = parser.parse_args()
    questions = [q for q in args.queries.read_text("utf-8").splitlines() if q.strip()]
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
    if args.profile:
        profile(args.db, batch)


if __name__ == "__main__":
    main()
