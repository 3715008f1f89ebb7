"""Kill -9 trials: `reportbot serve` killed at random moments while answering, restarted.

One database and one fake Bot API (tests/fakebot.py) for all trials, as in production:
each trial starts the bot, injects questions from a few users, kills the bot with SIGKILL
after a random delay (often mid-batch, sometimes before it fetched anything or after it
answered everything), starts it again and waits until every question has an answer. At
the end it checks that `query_log` holds exactly the questions asked (one row each),
that no inbox entry is unfinished and that `PRAGMA integrity_check` is ok, and reports
how many questions were answered twice (at-least-once: a kill between a successful send
and the done mark). Exits 1 if a check fails. Example:

    python benchmarks/kill_run.py --trials 20 --questions 20
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from fakebot import FakeBotAPI  # noqa: E402
from telegram_harness import seeded_db  # noqa: E402
from test_crash import QUESTIONS as CRASH_QUESTIONS  # noqa: E402
from test_telegram_serve import serve_config, start_serve, stop  # noqa: E402

QUESTIONS = [*CRASH_QUESTIONS, "作风建设", "党员发展", "三会一课", "主题党日"]
FIRST_USER = 20_000
STARTUP_S = 60.0


def answered(fake: FakeBotAPI) -> Counter:
    return Counter(c.params["chat_id"] for c in fake.calls("sendMessage") if not c.error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--questions", type=int, default=20, help="per trial")
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument(
        "--max-delay", type=float, default=1.5, help="kill after 0…this many seconds"
    )
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", type=Path, help="keep the database and config in this folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    users = [FIRST_USER + n for n in range(args.users)]
    asked: Counter = Counter()
    kills_mid_batch = 0
    with tempfile.TemporaryDirectory() as temporary, FakeBotAPI() as fake:
        folder = args.keep or temporary
        Path(folder).mkdir(parents=True, exist_ok=True)
        db = seeded_db(Path(folder) / "kill.db")
        config = serve_config(
            Path(folder) / "config.toml",
            fake,
            db,
            poll_timeout="1.0",
            allowed_users=str(users),
            rate_limit_per_minute="0",
            max_messages_per_second="0",
        )
        started = time.monotonic()
        for trial in range(args.trials):
            starts = len(fake.calls("setMyCommands"))
            process = start_serve(config, fake)
            fake.wait_for(lambda n=starts: len(fake.calls("setMyCommands")) > n, STARTUP_S)
            for _ in range(args.questions):
                user, question = rng.choice(users), rng.choice(QUESTIONS)
                asked[(user, question)] += 1
                fake.inject_message(question, user_id=user)
            time.sleep(rng.uniform(0, args.max_delay))
            before_kill = sum(answered(fake).values())
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            kills_mid_batch += before_kill < sum(asked.values())
            starts = len(fake.calls("setMyCommands"))
            process = start_serve(config, fake)
            want = Counter(user for user, _ in asked.elements())
            try:  # started (so it stops cleanly on SIGTERM) and every question answered
                fake.wait_for(lambda n=starts: len(fake.calls("setMyCommands")) > n, STARTUP_S)
                fake.wait_for(
                    lambda want=want: all(answered(fake)[u] >= n for u, n in want.items()),
                    STARTUP_S,
                )
            finally:
                code, output = stop(process)
            if code != 0:
                print(f"trial {trial}: exit status {code}\n{output[-2000:]}")
                return 1
        seconds = time.monotonic() - started
        total = sum(asked.values())
        replies = sum(answered(fake).values())
        with sqlite3.connect(db) as conn:
            logged = Counter(
                conn.execute(
                    "select user_id, query from query_log where source = 'telegram'"
                ).fetchall()
            )
            pending = conn.execute("select count(*) from inbox where done_at is null").fetchone()[0]
            integrity = conn.execute("pragma integrity_check").fetchone()[0]
    problems = []
    if logged != asked:
        problems.append(
            f"query_log differs from the questions asked: {(logged - asked) or ''} "
            f"{(asked - logged) or ''}"
        )
    if pending:
        problems.append(f"{pending} inbox entries unfinished")
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    print(
        f"{args.trials} kill -9 trials ({kills_mid_batch} before the batch was answered), "
        f"{total} questions, {replies} replies ({replies - total} answered twice), "
        f"{seconds:.0f} s; " + ("; ".join(problems) or "every check passed")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
