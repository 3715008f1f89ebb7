"""A disk that fills up: ingest stops with one line and a list, the bot waits and recovers."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "reportbot"
WORDS = ["党建", "工作", "学习", "组织", "基层", "群众", "作风", "建设", "制度", "落实", "责任",
         "监督", "服务", "发展", "创新", "队伍", "教育", "培训", "宣传", "实践"]


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
                lines += ["".join(rng.choice(WORDS) for _ in range(40)) + f"，编号{rng.randrange(10**6)}。"
                          for _ in range(8)]
        (folder / f"report_{n:02d}.txt").write_text("\n".join(lines), "utf-8")
    return sorted(p.name for p in folder.iterdir())


def ingest(db: Path, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), "--db", str(db), "ingest", str(folder)],
                          capture_output=True, text=True, timeout=120)


def test_disk_full_during_ingest_stops_with_one_line_and_a_list(tmpfs, tmp_path):
    disk = tmpfs("1m")
    names = write_reports(tmp_path / "corpus", 14)
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
