"""A small burst with faults against the real `reportbot serve`: every question answered once.

The fast CI slice of benchmarks/load_run.py (which runs 100 users × 20 questions, a burst
of 400 and the same burst with faults; see docs/reliability.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from telegram_harness import seeded_db

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from load_run import POLL_FAULTS, SEND_FAULTS, Options, run


def test_burst_under_429_502_and_dropped_connections_is_answered_exactly_once(tmp_path):
    template = seeded_db(tmp_path / "template" / "seed.db")
    options = Options(
        "faults", users=20, questions=3, concurrency=8, faults=2, poll_timeout=1.0, timeout=60.0
    )
    result = run(template, tmp_path, options)
    # exactly one accepted reply per question, one query_log row each, no unfinished
    # inbox entry, integrity_check ok, a clean exit on SIGTERM
    assert result.problems == []
    assert result.asked == result.answered == 60
    assert result.faults_served == len(POLL_FAULTS) + 2 * len(SEND_FAULTS)
