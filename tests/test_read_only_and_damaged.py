"""Read-only and damaged databases: readers answer, writers say why, nobody sees a traceback."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from telegram_harness import seeded_db

from reportbot.bot.cli import cli
from reportbot.bot.config import ConfigError, parse_settings
from reportbot.bot.service import ReportService
from reportbot.bot.telegram_app import build_application

SCRIPT = Path(sys.executable).parent / "reportbot"


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """`folder` made unwritable: a read-only tmpfs mount as root (root writes through any
    permission bits), else permission bits."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        for path in (*folder.iterdir(), folder):
            path.chmod(0o444 if path.is_file() else 0o555)
        try:
            yield folder
        finally:
            for path in (folder, *folder.iterdir()):
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    staging = folder.with_name(folder.name + "-files")
    shutil.move(folder, staging)
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)]).returncode:
        pytest.skip("running as root but cannot mount a tmpfs")
    try:
        for path in staging.iterdir():
            shutil.copy(path, folder / path.name)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def first_doc(db: Path) -> int:
    service = ReportService.open(db)
    try:
        return service.documents()[0].doc_id
    finally:
        service.close()


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def read_only_db(tmp_path):
    db = seeded_db(tmp_path / "ro" / "reports.db")
    service = ReportService.open(db)  # a real index sidecar, as after a normal run
    service.search("作风建设")
    service.close()
    with read_only_folder(db.parent):
        yield db


def test_readers_work_on_a_read_only_database(read_only_db, tmp_path):
    db = str(read_only_db)
    before = sorted(p.name for p in read_only_db.parent.iterdir())
    ask = run("--db", db, "ask", "支部书记签了几份责任书")
    assert ask.exit_code == 0 and "[1]" in ask.output and "责任书" in ask.output
    search = run("--db", db, "search", "党员发展", "--json", "-k", "1")
    assert search.exit_code == 0 and '"rank": 1' in search.output
    first = first_doc(read_only_db)
    for command in (["stats"], ["docs"], ["outline", str(first)], ["export-log"]):
        result = run("--db", db, *command)
        assert result.exit_code == 0, (command, result.output)
    backup = run("--db", db, "backup", str(tmp_path / "copy.db"))
    assert backup.exit_code == 0 and (tmp_path / "copy.db").stat().st_size > 0
    assert sorted(p.name for p in read_only_db.parent.iterdir()) == before  # no -wal, -shm


def test_writers_say_the_database_is_read_only(read_only_db, tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("某局2024年工作总结\n一、主要工作\n抓学习。\n", "utf-8")
    first = first_doc(read_only_db)
    for command in (["ingest", str(report)], ["delete", str(first)]):
        result = run("--db", str(read_only_db), *command)
        assert result.exit_code == 1 and "database is read-only" in result.output, result.output
    service = ReportService.open(read_only_db)
    with pytest.raises(ConfigError, match="read-only"):
        build_application(parse_settings({"access": {"public": True}}), service, "1:x")
    service.close()


def damage(db: Path, how: str) -> None:
    if how == "text file":
        db.write_text("这不是数据库\n", "utf-8")
    elif how == "other database":
        with sqlite3.connect(db) as conn:
            conn.execute("create table contacts (name text)")
    else:  # a torn copy: the second half of the file is gone
        seeded_db(db)
        with open(db, "r+b") as file:
            file.truncate(db.stat().st_size // 2)


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("text file", "is not a reportbot database (not an SQLite file): check the path"),
        ("other database", "is not a reportbot database (it holds other tables)"),
        ("torn copy", "is damaged: restore a backup, see README"),
    ],
)
def test_a_damaged_file_gets_one_clear_line(tmp_path, how, says):
    """Restoring a backup is advice for a damaged database, not for a wrong path."""
    db = tmp_path / "reports.db"
    damage(db, how)
    size = db.stat().st_size
    result = subprocess.run(
        [str(SCRIPT), "--db", str(db), "docs"], capture_output=True, text=True, timeout=60
    )  # the console script, as users run it
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert says in line and str(db) in line, line
    assert ("restore a backup" in line) == (how == "torn copy"), line
    for command in (["ask", "作风建设"], ["stats"], ["ingest", str(db)]):
        result = run("--db", str(db), *command)  # raises if anything escapes as an exception
        assert result.exit_code == 1 and result.output.strip() == line, (command, result.output)
    assert db.stat().st_size == size  # nothing was written into it
