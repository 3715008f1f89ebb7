"""Load and fault runs: the real `reportbot serve` against the fake Bot API on 127.0.0.1.

Each run starts a FakeBotAPI (tests/fakebot.py) and a `reportbot serve` subprocess over a
fresh copy of a database holding the seed reports, injects questions as Telegram users
would send them, and timestamps every sendMessage the fake receives. Scenarios:

- load:   U users × Q questions; each user asks, waits for the answer, thinks 0–2×THINK
          seconds and asks the next one (a closed loop, so the offered rate stays bounded).
- burst:  B questions from B/2 users injected at once.
- faults: the same burst while getUpdates fails twice (a dropped connection, a 502) right
          after it, and 429s (retry_after=1), 502s and dropped connections hit sendMessage
          at evenly spaced points of progress.

After each run it checks that every question got exactly one successful sendMessage (and
none after a grace period), one query_log row (source 'telegram'), no unfinished inbox
entry, `PRAGMA integrity_check` = ok and a clean exit on SIGTERM. It prints one table row
per run (latency = injection to the reply's sendMessage; 1st p95 = users' wait for their
first answer; cpu/ans = the bot's CPU time per answer; ref ms = a fixed loop's CPU time,
since a shared machine's speed varies) and exits 1 if any check failed. Examples:

    python benchmarks/load_run.py                              # load 100×20, burst 400, faults
    python benchmarks/load_run.py --scenario burst --concurrency 1,8,32,64 --repeat 3
    python benchmarks/load_run.py --scenario burst --max-rate 30   # Telegram's 30 msg/s
    python benchmarks/load_run.py --users 20 --questions 3 --burst 60 --faults 2

Results and their discussion: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import heapq
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from bench_search import make_queries  # noqa: E402
from fakebot import Call, FakeBotAPI  # noqa: E402

from reportbot.bot.messages import message  # noqa: E402
from reportbot.bot.service import ReportService  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
EXAMPLE = ROOT / "config.example.toml"
SCRIPT = Path(sys.executable).parent / "reportbot"
FIRST_USER = 10_000
WARM_UP_USER = 9_999
STARTUP_S = 60.0
GRACE_S = 1.5  # wait this long after the last answer for duplicates
SEND_FAULTS = (("sendMessage", 429), ("sendMessage", 502), ("sendMessage", None))
POLL_FAULTS = (("getUpdates", None), ("getUpdates", 502))  # None: drop the connection
ERROR_REPLY = message("zh", "error")


@dataclass(frozen=True)
class Options:
    """One run: a scenario against one bot configuration."""

    scenario: str
    users: int
    questions: int  # per user
    concurrency: int
    think: float = 0.0  # mean seconds between an answer and the user's next question (load)
    faults: int = 0  # sendMessage faults of each kind in SEND_FAULTS (and POLL_FAULTS once)
    poll_timeout: float = 5.0
    max_rate: float = 0.0  # telegram.max_messages_per_second; 0 = no client-side cap
    timeout: float = 300.0  # the whole run gives up after this
    seed: int = 7


@dataclass
class Result:
    """What one run measured and which checks failed."""

    options: Options
    asked: int = 0
    answered: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_replies: list[float] = field(default_factory=list)
    faults_served: int = 0
    bot_cpu_s: float = 0.0
    reference_ms: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------- setup


def seeded_database(work: Path) -> Path:
    """A database holding the seed reports, with its index files, to copy for each run."""
    if not SEEDS.is_dir():
        raise SystemExit(f"seed reports not found at {SEEDS}")
    db = work / "seed.db"
    service = ReportService.open(db)
    service.ingest([SEEDS])
    service.searcher()  # built now, so close() saves the index files the copies start from
    service.close()
    return db


def copy_database(template: Path, target: Path) -> Path:
    """Copy a closed database with its index sidecar files (so the bot starts fast)."""
    for source in template.parent.glob(template.name + "*"):
        shutil.copy(source, target.with_name(target.name + source.name[len(template.name) :]))
    return target


def questions_for(db: Path, count: int, rng: random.Random) -> list[str]:
    """In-domain phrases from the reports, colloquial questions around them, off-topic ones."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        texts = [
            text
            for (text,) in conn.execute(
                "select c.text from chunks c join documents d on d.id = c.doc_id where not d.sample"
            )
        ]
    made = (" ".join(q.split()) for q in make_queries(texts, rng, count * 2))
    return [q for q in made if q and not q.startswith("/")][:count]


def write_config(
    path: Path, fake: FakeBotAPI, db: Path, users: list[int], options: Options
) -> Path:
    """config.example.toml pointed at the fake and the database, for these users."""
    values = {
        "db": json.dumps(str(db)),
        "base_url": json.dumps(fake.base_url),
        "base_file_url": json.dumps(fake.base_file_url),
        "allowed_users": json.dumps(users),
        "poll_timeout": str(options.poll_timeout),
        "concurrent_updates": str(options.concurrency),
        "max_messages_per_second": str(options.max_rate),
        "rate_limit_per_minute": "0",  # a user's 20 questions in a minute are not refused
    }
    text = EXAMPLE.read_text("utf-8")
    for key, value in values.items():
        text, found = re.subn(rf"(?m)^(# )?{key} = .*$", f"{key} = {value}", text, count=1)
        if not found:
            raise SystemExit(f"{EXAMPLE} has no key {key}")
    path.write_text(text, "utf-8")
    return path


@contextlib.contextmanager
def serving(config: Path, fake: FakeBotAPI, log: Path) -> Iterator[subprocess.Popen]:
    """`reportbot serve` as a subprocess, logging to a file; killed if still running at exit."""
    env = {k: v for k, v in os.environ.items() if k not in ("REPORTBOT_DB", "REPORTBOT_CONFIG")}
    env.update(TELEGRAM_BOT_TOKEN=fake.token, PYTHONUNBUFFERED="1", PTB_TIMEDELTA="1")
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(SCRIPT), "serve", "--config", str(config)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def reference_ms() -> float:
    """CPU time of a fixed pure-Python loop. A shared virtual machine's speed can vary by
    almost 2× from minute to minute, so each row shows this next to its figures."""
    started = time.process_time()
    total = 0
    for number in range(3_000_000):
        total += number % 7
    return (time.process_time() - started) * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------- driving


@dataclass(frozen=True)
class Reply:
    at: float
    call: Call


class Driver:
    """Injects questions and faults on schedule; timestamps the bot's sendMessage calls as
    the fake records them (it wakes on every request the fake answers)."""

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake
        self.asked: dict[int, list[tuple[float, str]]] = defaultdict(list)  # chat -> questions
        self.replies: dict[int, list[Reply]] = defaultdict(list)  # chat -> accepted replies
        self.rejected: list[Call] = []  # sendMessage calls the fake refused (bad HTML, …)
        self._seen = 0
        self._events: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = 0

    def ask(self, user: int, text: str) -> None:
        self.asked[user].append((time.monotonic(), text))
        self.fake.inject_message(text, user_id=user)

    def at(self, due: float, action: Callable[[], None]) -> None:
        self._sequence += 1
        heapq.heappush(self._events, (due, self._sequence, action))

    def caught_up(self, chat: int) -> bool:
        return len(self.replies[chat]) >= len(self.asked[chat])

    def all_answered(self) -> bool:
        return not self._events and all(self.caught_up(chat) for chat in list(self.asked))

    def run(
        self,
        done: Callable[[], bool],
        timeout: float,
        on_reply: Callable[[int], None] | None = None,
    ) -> bool:
        """Run scheduled events and collect replies until `done()` or the timeout."""
        deadline = time.monotonic() + timeout
        while not done():
            now = time.monotonic()
            if now >= deadline:
                return False
            while self._events and self._events[0][0] <= now:
                heapq.heappop(self._events)[2]()
            wait = min(self._events[0][0] - now if self._events else 0.2, deadline - now)
            for chat in self._collect(max(wait, 0.0)):
                if on_reply:
                    on_reply(chat)
        return True

    def _collect(self, timeout: float) -> list[int]:
        """Wait up to `timeout` for new calls; record sendMessages, return their chats."""
        deadline = time.monotonic() + timeout

        def fresh() -> tuple[list[Call]] | None:
            calls = self.fake.calls()
            if len(calls) > self._seen or time.monotonic() >= deadline:
                return (calls[self._seen :],)  # a tuple: truthy even when empty
            return None

        (calls,) = self.fake.wait_for(fresh, timeout + 0.01)
        now = time.monotonic()
        self._seen += len(calls)
        chats = []
        for call in calls:
            if call.method != "sendMessage":
                continue
            if call.error:
                self.rejected.append(call)
                continue
            chat = int(call.params["chat_id"])
            self.replies[chat].append(Reply(now, call))
            chats.append(chat)
        return chats


def plan_fault(fake: FakeBotAPI, method: str, status: int | None) -> None:
    if status is None:
        fake.drop_next(method)
    else:
        fake.fail_next(method, status=status, retry_after=1)


def drive_load(
    driver: Driver, questions: dict[int, list[str]], options: Options, rng: random.Random
) -> bool:
    """Closed loop: each user asks its next question a think time after the last answer."""
    remaining = {user: list(texts) for user, texts in questions.items()}

    def next_question(user: int) -> None:
        if remaining.get(user) and driver.caught_up(user):
            text = remaining[user].pop(0)
            delay = rng.uniform(0, 2 * options.think)
            driver.at(time.monotonic() + delay, functools.partial(driver.ask, user, text))

    for user in remaining:
        next_question(user)
    return driver.run(
        lambda: driver.all_answered() and not any(remaining.values()),
        options.timeout,
        on_reply=next_question,
    )


def drive_burst(driver: Driver, questions: dict[int, list[str]], options: Options) -> bool:
    """Every question at once (round-robin over users). With faults, getUpdates fails on
    the fetches right after the burst, and sendMessage faults are planned at evenly spaced
    points of progress (so they land mid-run however fast the bot is)."""
    sends = [kind for _ in range(options.faults) for kind in SEND_FAULTS]
    polls = POLL_FAULTS if options.faults else ()
    planned = len(polls) + len(sends)
    for method, status in polls:
        plan_fault(driver.fake, method, status)
    total = options.users * options.questions
    due = iter([total * (n + 1) // (len(sends) + 1) for n in range(len(sends))])
    next_at = next(due, None)
    answered = 0

    def on_reply(chat: int) -> None:
        nonlocal answered, next_at
        answered += 1
        while next_at is not None and answered >= next_at:
            plan_fault(driver.fake, *sends.pop(0))
            next_at = next(due, None)

    for round_ in range(options.questions):
        for user, texts in questions.items():
            driver.ask(user, texts[round_])
    return driver.run(
        lambda: driver.all_answered() and len(driver.fake.faults) >= planned,
        options.timeout,
        on_reply=on_reply,
    )


# ---------------------------------------------------------------------------- one run


def run(template: Path, work: Path, options: Options) -> Result:
    """Start a fake and a bot, drive one scenario, stop the bot, measure and check."""
    rng = random.Random(options.seed)
    users = [FIRST_USER + n for n in range(options.users)]
    pool = questions_for(template, options.users * options.questions, rng)
    questions = {user: pool[n :: options.users] for n, user in enumerate(users)}
    work.mkdir(parents=True, exist_ok=True)
    name = f"{options.scenario}-c{options.concurrency}"
    db = copy_database(template, work / f"{name}.db")
    result = Result(options)
    with FakeBotAPI() as fake:
        config = write_config(work / f"{name}.toml", fake, db, [WARM_UP_USER, *users], options)
        with serving(config, fake, work / f"{name}.log") as process:
            driver = Driver(fake)
            driver.ask(WARM_UP_USER, "支部书记签了几份责任书")  # first search loads jieba
            if not driver.run(driver.all_answered, STARTUP_S):
                result.problems.append(f"no answer to a first question; see {name}.log")
                return result
            result.reference_ms = reference_ms()
            cpu_before = cpu_seconds(process.pid)
            if options.scenario == "load":
                finished = drive_load(driver, questions, options, rng)
            else:
                finished = drive_burst(driver, questions, options)
            result.bot_cpu_s = cpu_seconds(process.pid) - cpu_before
            if not finished:
                result.problems.append(f"not all answered within {options.timeout:.0f} s")
            driver.run(lambda: False, GRACE_S)  # late duplicates show up here
            result.faults_served = len(fake.faults)
            code = stop(process)
        if code != 0:
            result.problems.append(f"serve exited with {code} on SIGTERM")
    measure(result, driver, users)
    check_answers(result, driver)
    check_database(result, db, driver)
    check_log(result, work / f"{name}.log")
    return result


def measure(result: Result, driver: Driver, users: list[int]) -> None:
    """Latency of each question (injection → its reply) and answers per second."""
    starts, ends = [], []
    for user in users:
        asked, replies = driver.asked[user], driver.replies[user]
        result.asked += len(asked)
        result.answered += min(len(asked), len(replies))
        result.latencies += [r.at - t for (t, _), r in zip(asked, replies, strict=False)]
        if asked and replies:
            result.first_replies.append(replies[0].at - asked[0][0])
            starts.append(asked[0][0])
            ends.append(replies[min(len(asked), len(replies)) - 1].at)
    if starts:
        result.seconds = max(ends) - min(starts)


def check_answers(result: Result, driver: Driver) -> None:
    """Exactly one accepted sendMessage per question, none of them the error message."""
    missing = sum(max(0, len(q) - len(driver.replies[c])) for c, q in driver.asked.items())
    extra = sum(max(0, len(r) - len(driver.asked[c])) for c, r in driver.replies.items())
    errors = sum(
        r.call.params.get("text") == ERROR_REPLY
        for replies in driver.replies.values()
        for r in replies
    )
    for count, what in (
        (missing, "questions without an answer"),
        (extra, "duplicate answers"),
        (errors, "error messages sent"),
        (len(driver.rejected), "sendMessage calls rejected by the server"),
    ):
        if count:
            result.problems.append(f"{count} {what}")


def check_database(result: Result, db: Path, driver: Driver) -> None:
    """One query_log row per question, no unfinished inbox entry, an intact file."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        integrity = conn.execute("pragma integrity_check").fetchone()[0]
        logged = Counter(
            conn.execute(
                "select user_id, query from query_log where source = 'telegram'"
            ).fetchall()
        )
        pending = conn.execute("select count(*) from inbox where done_at is null").fetchone()[0]
    expected = Counter((user, text) for user, asked in driver.asked.items() for _, text in asked)
    if integrity != "ok":
        result.problems.append(f"integrity_check: {integrity}")
    if logged != expected:
        result.problems.append(
            f"query_log: {sum((expected - logged).values())} missing, "
            f"{sum((logged - expected).values())} extra rows"
        )
    if pending:
        result.problems.append(f"{pending} inbox updates left unfinished")


def check_log(result: Result, log: Path) -> None:
    """Updates whose handling failed. Failed polls are logged at ERROR too ("update -
    failed", and PTB logs each 502 page it cannot parse), but PTB retries those."""
    errors = [
        line
        for line in log.read_text("utf-8", "replace").splitlines()
        if re.search(r" (ERROR .* update \d+ failed|CRITICAL )", line)
    ]
    if errors:
        result.problems.append(f"{len(errors)} error lines in {log.name}, first: {errors[0]}")


# ---------------------------------------------------------------------------- report


HEADER = (
    f"{'scenario':<8} {'conc':>4} {'asked':>6} {'answered':>8} {'secs':>6} {'ans/s':>6} "
    f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'1st p95':>7} {'faults':>6} "
    f"{'cpu/ans':>7} {'ref ms':>6}  checks"
)


def row(result: Result) -> str:
    o = result.options
    p50, p95, p99 = (
        np.percentile(result.latencies, [50, 95, 99]) * 1000
        if result.latencies
        else (0.0, 0.0, 0.0)
    )
    first = np.percentile(result.first_replies, 95) * 1000 if result.first_replies else 0.0
    cpu = result.bot_cpu_s * 1000 / result.answered if result.answered else 0.0
    checks = "; ".join(result.problems) or "ok"
    return (
        f"{o.scenario:<8} {o.concurrency:>4} {result.asked:>6} {result.answered:>8} "
        f"{result.seconds:>6.2f} {result.rate:>6.1f} {p50:>7.0f} {p95:>7.0f} {p99:>7.0f} "
        f"{first:>7.0f} {result.faults_served:>6} {cpu:>5.1f}ms {result.reference_ms:>6.0f}  "
        f"{checks}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=("all", "load", "burst", "faults"), default="all")
    parser.add_argument("--users", type=int, default=100, help="load: simulated users")
    parser.add_argument("--questions", type=int, default=20, help="load: questions per user")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="load: mean think time in seconds between answer and next question",
    )
    parser.add_argument(
        "--burst", type=int, default=400, help="burst/faults: questions, two per user"
    )
    parser.add_argument(
        "--faults",
        type=int,
        default=5,
        help="faults: sendMessage 429s, 502s and drops, this many of each",
    )
    parser.add_argument(
        "--concurrency", default="8", help="concurrent_updates values to compare, comma-separated"
    )
    parser.add_argument("--poll-timeout", type=float, default=5.0)
    parser.add_argument(
        "--max-rate",
        type=float,
        default=0.0,
        help="telegram.max_messages_per_second (real Telegram allows ~30); "
        "default 0: no cap against the local fake",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each configuration this many times (figures vary run to run)",
    )
    parser.add_argument("--keep", type=Path, help="keep databases and bot logs in this folder")
    args = parser.parse_args()

    scenarios = ("load", "burst", "faults") if args.scenario == "all" else (args.scenario,)
    work = args.keep or Path(tempfile.mkdtemp(prefix="reportbot-load-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        template = seeded_database(work / "template")
        print(HEADER, flush=True)
        failed = False
        runs = [
            (int(c), scenario)
            for _ in range(args.repeat)  # interleaved: drift hits all
            for c in args.concurrency.split(",")
            for scenario in scenarios
        ]
        for number, (concurrency, scenario) in enumerate(runs):
            load = scenario == "load"
            options = Options(
                scenario,
                args.users if load else max(1, args.burst // 2),
                args.questions if load else 2,
                concurrency,
                think=args.think if load else 0,
                faults=args.faults if scenario == "faults" else 0,
                poll_timeout=args.poll_timeout,
                max_rate=args.max_rate,
            )
            result = run(template, work / f"run{number:02d}", options)
            print(row(result), flush=True)
            failed |= bool(result.problems)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
