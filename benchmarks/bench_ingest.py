"""Ingest speed: `reportbot ingest CORPUS` into a fresh database, run after run.

Each run is a new `reportbot` process (its worker pool included) writing a new database in
--dir (a RAM disk such as /dev/shm, so the disk is not what is measured). With several
--python interpreters (each one a virtual environment's, running the `reportbot` script beside
it: e.g. one installed from main and one from a branch) the runs alternate between them, so every version shares
the neighbours' load alike. Prints wall and CPU seconds (all processes of the run), chars/s
and the load average before each run.

    python benchmarks/bench_ingest.py CORPUS --runs 3 \\
        --python /tmp/before/.venv/bin/python --python .venv/bin/python
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportbot.retrieval.formats import DEFAULT_MAX_BYTES, read_source


def corpus_chars(corpus: Path) -> int:
    """Characters of the corpus's text as ingest reads it (line breaks not counted)."""
    return sum(
        sum(map(len, read_source(path, DEFAULT_MAX_BYTES).lines))
        for path in sorted(corpus.rglob("*"))
        if path.is_file()
    )


def ingest_once(python: str, corpus: Path, folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ingest into a fresh database."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [Path(python).parent / "reportbot", "--db", f"{tmp}/bench.db", "ingest", str(corpus)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="runs per interpreter")
    parser.add_argument("--python", action="append", help="interpreter(s) to alternate")
    parser.add_argument("--dir", type=Path, default=Path("/dev/shm"), help="databases go here")
    args = parser.parse_args()
    chars = corpus_chars(args.corpus)
    print(f"{args.corpus}: {chars:,} chars")
    for run in range(1, args.runs + 1):
        for python in args.python or [sys.executable]:
            load = Path("/proc/loadavg").read_text().split()[:3]
            wall, cpu = ingest_once(python, args.corpus, args.dir)
            print(
                f"run {run} {python}: {wall:.2f} s wall, {cpu:.2f} s CPU, "
                f"{chars / wall:,.0f} chars/s (load before {' '.join(load)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
