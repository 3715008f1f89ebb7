"""A disk that fills up: ingest stops with one line and a list, the bot waits and recovers."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from telegram_harness import BotHarness, FakeClock, only

SCRIPT = Path(sys.executable).parent / "reportbot"
WORDS = [
    "党建",
    "工作",
    "学习",
    "组织",
    "基层",
    "群众",
    "作风",
    "建设",
    "制度",
    "落实",
    "责任",
    "监督",
    "服务",
    "发展",
    "创新",
    "队伍",
    "教育",
    "培训",
    "宣传",
    "实践",
]


def write_reports(folder: Path, count: int) -> list[str]:
    """Distinct reports of about 38 KB each (about 100 KB each in the database)."""
    rng = random.Random(7)
    folder.mkdir()
    for n in range(count):
        lines = [f"第{n}号单位2024年工作总结"]
        for heading in ("一、主要工作", "二、存在问题", "三、下步打算"):
            lines.append(heading)
            for section in "一二三四五六":
                lines.append(f"（{section}）" + "".join(rng.choice(WORDS) for _ in range(4)) + "。")
                lines += [
                    "".join(rng.choice(WORDS) for _ in range(40))
                    + f"，编号{rng.randrange(10**6)}。"
                    for _ in range(8)
                ]
        (folder / f"report_{n:02d}.txt").write_text("\n".join(lines), "utf-8")
    return sorted(p.name for p in folder.iterdir())


def ingest(db: Path, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), "--db", str(db), "ingest", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("files", [14, 20])  # parsed in this process / in a process pool
def test_disk_full_during_ingest_stops_with_one_line_and_a_list(tmpfs, tmp_path, files):
    disk = tmpfs("1280k")  # the 6 samples, WAL included: ~850 KB
    names = write_reports(tmp_path / "corpus", files)
    db = disk.path / "reports.db"
    result = ingest(db, tmp_path / "corpus")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    [cause] = result.stderr.strip().splitlines()
    assert cause.startswith(f"stopped: the disk holding {db} is full"), cause
    lines = result.stdout.splitlines()
    added = [line.split()[1] for line in lines if line.startswith("added: ")]
    not_added = [line.split()[2] for line in lines if line.startswith("not added: ")]
    assert added and not_added and sorted(added + not_added) == names
    assert lines[-1] == f"{len(added)} added, {len(not_added)} not added"
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        stored = conn.execute("select count(*) from documents where sample = 0").fetchone()[0]
    assert stored == len(added)
    disk.resize("16m")  # room again: the same command finishes the job
    again = ingest(db, tmp_path / "corpus")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged: ") == len(added)
    assert again.stdout.count("added: ") == len(not_added)


def test_disk_full_while_serving_backs_off_tells_once_and_recovers(tmpfs, caplog):
    disk = tmpfs("64m")
    clock = FakeClock()
    tg = BotHarness(disk.path, clock=clock)
    try:
        assert "[1]" in only(tg.say("作风建设"), "sendMessage").params["text"]
        with sqlite3.connect(tg.db) as conn:  # no room left in the WAL file either
            conn.execute("pragma wal_checkpoint(truncate)")
        filler = disk.fill()
        polls = len(tg.fake.calls("getUpdates"))
        tg.fake.inject_message("党员发展")
        [told] = tg.fake.wait_for_calls("sendMessage", count=2)[1:]
        assert told.params["text"] == "暂时无法处理，请稍后再试。"
        tg.fake.wait_for(lambda: len(clock.sleeps) >= 9, timeout=20)
        filler.unlink()  # room again
        answer = tg.fake.wait_for_calls("sendMessage", count=3, timeout=20)[2]
    finally:
        stalled = len(tg.fake.calls("getUpdates")) - polls
        tg.close()
    assert clock.sleeps[:9] == [1, 2, 4, 8, 16, 30, 30, 30, 30]
    assert stalled <= len(clock.sleeps) + 3  # one poll per back-off, not thousands
    assert "[1]" in answer.params["text"] and answer.params["chat_id"] == told.params["chat_id"]
    assert len(tg.fake.calls("sendMessage")) == 3  # told once, answered once
    warnings = [r for r in caplog.records if "cannot store" in r.getMessage()]
    assert 2 <= len(warnings) <= 1 + sum(clock.sleeps) / 60
    with sqlite3.connect(tg.db) as conn:
        assert [q for (q,) in conn.execute("select query from query_log")] == [
            "作风建设",
            "党员发展",
        ]
        assert conn.execute("select count(*) from inbox where done_at is null").fetchone() == (0,)
